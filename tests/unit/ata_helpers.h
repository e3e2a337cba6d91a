/*
 * What tests/unit/test_ide.c and test_atapi.c share: the test VM, the ISA
 * IRQ lines as the 8259 would see them, port access the way a vCPU exit
 * makes it, and the PRD table the bus-master tests put at guest 0x1000.
 * Include after vm.h and util.h.
 */
#ifndef VMST_TEST_ATA_HELPERS_H
#define VMST_TEST_ATA_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"
#include "core/vm.h"

#define BM 0xC000    /* where the tests place BAR4 (bus-master registers) */
#define PRD_GPA 0x1000

static struct vm *vm;
static int irq_level[16], irq_raises[16];

/* vm->irq_hook: current level and rising edges of IRQs 0-15. */
static void hook(struct vm *v, unsigned gsi, int level)
{
	(void)v;
	if (gsi < 16) {
		if (level && !irq_level[gsi])
			irq_raises[gsi]++;
		irq_level[gsi] = level;
	}
}

static inline uint32_t in(uint16_t port, unsigned size)
{
	uint32_t v = 0;
	iobus_access(&vm->pio, port, &v, size, false);
	return v;
}
static inline uint8_t inb(uint16_t p) { return (uint8_t)in(p, 1); }
static inline uint16_t inw(uint16_t p) { return (uint16_t)in(p, 2); }
static inline void out(uint16_t port, uint32_t v, unsigned size) { iobus_access(&vm->pio, port, &v, size, true); }
static inline void outb(uint16_t p, uint8_t v) { out(p, v, 1); }

/* Entry i of the PRD table at PRD_GPA: bytes at addr (0 = 64 KiB), last sets EOT. */
static inline void prd(unsigned i, uint32_t addr, uint32_t bytes, bool last)
{
	uint8_t e[8];
	st32(e, addr);
	st16(e + 4, (uint16_t)bytes);
	st16(e + 6, last ? 0x8000 : 0);
	vm_write_guest(vm, PRD_GPA + 8 * i, e, 8);
}

#endif
