/*
 * Fuzz the 16550A: random reads and writes of any size at 0x3F8-0x3FF (and
 * across its end), random bytes arriving on the line, resets. Besides
 * sanitizer findings, abort when the UART breaks a rule a guest relies on:
 * IRQ4 high only with OUT2 set outside loopback, IIR bits 4-5 always zero,
 * THRE always set (transmission is instantaneous).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/serial.h"
#include "core/vm.h"
#include "core/vmconfig.h"
#include "firmware/pc.h"

#define COM1 0x3F8

static int irq4;

static void irq_hook(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	if (gsi != 4 || (level != 0 && level != 1)) {
		fprintf(stderr, "fuzz_serial: unexpected irq %u level %d\n", gsi, level);
		abort();
	}
	irq4 = level;
}

static void require(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_serial: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned sizes[4] = { 1, 2, 4, 1 };
	struct vm_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "fuzz";
	cfg.serial[0] = "null";
	cfg.n_serial = 1;
	struct vm *vm = vm_new_test(1, &cfg);
	irq4 = 0;
	vm->irq_hook = irq_hook;
	if (!vm || pc_create_part(vm, "serial") < 0)
		abort();
	struct serial_port *p = serial_port_of(vm, 0);

	size_t i = 0;
	while (i < size) {
		uint8_t op = data[i++];
		unsigned off = (op >> 2) & 7, sz = sizes[(op >> 5) & 3];
		uint8_t buf[8] = { 0 };
		switch (op & 3) {
		case 0: /* write: value from the next bytes */
			for (unsigned k = 0; k < sz && i < size; k++)
				buf[k] = data[i++];
			iobus_access(&vm->pio, COM1 + off, buf, sz, true);
			break;
		case 1: /* read */
			iobus_access(&vm->pio, COM1 + off, buf, sz, false);
			if (off == 2 && sz == 1)
				require(!(buf[0] & 0x30), "IIR bits 4-5 set");
			if (off == 5 && sz == 1)
				require(buf[0] & 0x20, "LSR THRE clear although transmission is instant");
			break;
		case 2: { /* bytes on the receive line */
			size_t n = i < size ? data[i++] & 31 : 0;
			n = n < size - i ? n : size - i;
			serial_input(p, data + i, n);
			i += n;
			break;
		}
		case 3: /* reset, rarely */
			if ((op >> 2) == 0x3F)
				for (unsigned k = 0; k < vm->n_reset_hooks; k++)
					vm->reset_hooks[k].fn(vm->reset_hooks[k].opaque);
			break;
		}
		uint8_t mcr = 0;
		iobus_access(&vm->pio, COM1 + 4, &mcr, 1, false);
		if (irq4)
			require((mcr & 0x08) && !(mcr & 0x10), "IRQ4 asserted without OUT2 or in loopback");
		require(!(mcr & 0xE0), "MCR bits 5-7 set");
	}
	vm_destroy(vm);
	return 0;
}
