/*
 * What tests/unit/test_ide.c and test_atapi.c share on top of unit_vm.h:
 * the VM under test, PIO data transfers through a channel's data port,
 * the PIIX3 IDE function's bus-master registers and the PRD table the
 * bus-master tests put at guest 0x1000. Interrupts are in unit_irqs
 * (IRQ 14 primary, 15 secondary).
 */
#ifndef VMST_TEST_ATA_HELPERS_H
#define VMST_TEST_ATA_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"
#include "core/vm.h"
#include "unit_vm.h"

#define IDE_DEV 1    /* PCI 00:01.1 */
#define IDE_FN 1
#define BM 0xC000    /* where the tests place BAR4 (bus-master registers) */
#define PRD_GPA 0x1000

static struct vm *vm;

/* PIO data in: bytes (even) from the data port at port, word by word. */
static inline void ata_read_words(uint16_t port, uint8_t *buf, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i += 2)
		st16(buf + i, unit_inw(vm, port));
}

/* PIO data out: bytes (even) to the data port at port, word by word. */
static inline void ata_write_words(uint16_t port, const uint8_t *buf, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i += 2)
		unit_outw(vm, port, ld16(buf + i));
}

/* BAR4 at BM, I/O decoding and bus mastering on. */
static inline void ata_bm_enable(void)
{
	unit_pci_write(vm, IDE_DEV, IDE_FN, 0x20, BM | 1, 4);
	unit_pci_write(vm, IDE_DEV, IDE_FN, 0x04, 0x0005, 2);
}

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
