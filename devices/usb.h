/*
 * A USB 1.1 full-speed device as the host controller sees it: packets to and
 * from endpoints. The controller (devices/uhci.c) owns the lock every device
 * call runs under, and tells the device whether the bus is running.
 */
#ifndef VMST_USB_H
#define VMST_USB_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct vm;

#define USB_PID_SETUP 0x2D
#define USB_PID_IN    0x69
#define USB_PID_OUT   0xE1

/* Results of usb_packet other than a byte count. */
#define USB_RET_NAK   (-1)   /* no data now: try again later */
#define USB_RET_STALL (-2)   /* request not supported / endpoint halted */

struct usb_device {
	const char *product;     /* "vmstation USB Tablet" */
	const char *id;          /* "tablet", "mouse", "keyboard" */
	uint8_t addr;            /* 0 until SET_ADDRESS */
	/* A packet for endpoint ep: SETUP/OUT carry len bytes in buf; IN fills
	 * at most len bytes. Returns bytes moved, or USB_RET_*. */
	int (*packet)(struct usb_device *d, int pid, unsigned ep, uint8_t *buf, int len);
	void (*reset)(struct usb_device *d);   /* bus reset (port reset) */
	void (*free)(struct usb_device *d);
	/* set by the controller */
	pthread_mutex_t *lock;
	bool (*bus_running)(void *bus);
	void *bus;
};

/* A HID device: kind "tablet", "mouse" or "keyboard"; NULL for other names.
 * It registers itself with the input router (core/host/input.h). */
struct usb_device *usb_hid_new(struct vm *vm, const char *kind, pthread_mutex_t *lock,
			       bool (*bus_running)(void *bus), void *bus);

#endif
