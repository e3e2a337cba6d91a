/*
 * 16550A UARTs on COM1-COM4 (0x3F8/IRQ4, 0x2F8/IRQ3, 0x3E8/IRQ4, 0x2E8/IRQ3),
 * one per cfg->serial[i] that is not "none". Each port is published as
 * "serial0".."serial3" and its back end is vm->serial_chr[i].
 */
#ifndef VMST_SERIAL_H
#define VMST_SERIAL_H

#include <stddef.h>
#include <stdint.h>

struct vm;
struct serial_port;

/* The port for COM(index+1), or NULL if it was not configured. */
struct serial_port *serial_port_of(struct vm *vm, unsigned index);

/*
 * Bytes arriving on the port's receive line, as if typed on its back end
 * (the panel's serial pane, tests). Returns how many the receiver took: no
 * more than fit in its FIFO, none in loopback mode.
 */
size_t serial_input(struct serial_port *p, const uint8_t *buf, size_t len);

struct serial_stats {
	uint64_t tx_bytes, rx_bytes, overruns;
};
void serial_get_stats(struct serial_port *p, struct serial_stats *st);

#endif
