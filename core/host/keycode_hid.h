/*
 * USB HID keyboard usages (HID Usage Tables 1.12, section 10: the
 * Keyboard/Keypad page, 0x07) and PC keycodes (core/host/input.h): the one
 * table both directions use. A usage names a key's position, not its
 * character; the guest's layout makes the character.
 *
 * The USB keyboard (devices/usb_hid.c) turns PC keycodes into usages; the
 * SDL window turns SDL scancodes, which are these usages, into PC keycodes.
 */
#ifndef VMST_HOST_KEYCODE_HID_H
#define VMST_HOST_KEYCODE_HID_H

#include <stdint.h>

#define HID_USAGE_MAX 0xE8 /* usages 0x00-0xE7: keys and the eight modifiers */

/* The PC keycode of a keyboard-page usage, 0 if none. */
unsigned keycode_hid_to_pc(unsigned usage);
/* The usage of a PC keycode, 0 if the HID keyboard page has none. Where two
 * usages give the same keycode (ANSI backslash and ISO #~), the lower one. */
uint8_t keycode_pc_to_hid(unsigned keycode);

#endif
