/*
 * The one way a unit test builds a VM: vm_new_test (guest RAM, the I/O
 * buses, no KVM), an interrupt recorder on its irq_hook, the machine's
 * parts by name (firmware/pc.c), and port, MMIO and PCI configuration
 * access as a vCPU would make them (through iobus_access). A failure to
 * build is a FAIL line and exit(1): nothing after it could be trusted.
 *
 * Each test is its own binary, so the recorder is one table per binary
 * (unit_irqs), cleared by unit_vm_new.
 */
#ifndef VMST_TESTS_UNIT_VM_H
#define VMST_TESTS_UNIT_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/iobus.h"
#include "core/vm.h"
#include "core/vmconfig.h"
#include "firmware/pc.h"

#define UNIT_GSIS 64

/* What the VM's interrupt lines did since unit_vm_new / unit_irq_clear. */
struct unit_irq_log {
	int level[UNIT_GSIS];       /* the line's level now */
	unsigned rises[UNIT_GSIS];  /* 0 -> 1 edges */
	unsigned calls[UNIT_GSIS];  /* every vm_set_irq, whatever the level */
};
static struct unit_irq_log unit_irqs;

static inline void unit_irq_clear(void)
{
	memset(&unit_irqs, 0, sizeof(unit_irqs));
}

static inline void unit_irq_record(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	if (gsi >= UNIT_GSIS)
		return;
	if (level && !unit_irqs.level[gsi])
		unit_irqs.rises[gsi]++;
	unit_irqs.level[gsi] = level;
	unit_irqs.calls[gsi]++;
}

/*
 * A VM with ram_mib MiB and the parts named in the NULL-terminated list
 * (each as firmware/pc.c names it, created in the list's order), its
 * interrupts recorded in unit_irqs. cfg must outlive the VM; a config with
 * no name gets "test".
 */
static inline struct vm *unit_vm_new(uint64_t ram_mib, struct vm_config *cfg,
				     const char *const *parts)
{
	if (!cfg->name)
		cfg->name = "test";
	struct vm *vm = vm_new_test(ram_mib, cfg);
	if (!vm) {
		printf("FAIL: %s: cannot build a %llu MiB test VM\n", __FILE__,
		       (unsigned long long)ram_mib);
		exit(1);
	}
	unit_irq_clear();
	vm->irq_hook = unit_irq_record;
	for (unsigned i = 0; parts && parts[i]; i++) {
		if (pc_create_part(vm, parts[i]) < 0) {
			printf("FAIL: %s: cannot create the machine part '%s'\n", __FILE__,
			       parts[i]);
			exit(1);
		}
	}
	return vm;
}

/* Port I/O, little-endian as in struct kvm_run. Reads of nothing are all ones. */
static inline uint32_t unit_in(struct vm *vm, uint16_t port, unsigned size)
{
	uint32_t v = 0;
	iobus_access(&vm->pio, port, &v, size, false);
	return size == 4 ? v : v & ((1u << (size * 8)) - 1);
}

static inline void unit_out(struct vm *vm, uint16_t port, uint32_t v, unsigned size)
{
	iobus_access(&vm->pio, port, &v, size, true);
}

static inline uint8_t unit_inb(struct vm *vm, uint16_t port)
{
	return (uint8_t)unit_in(vm, port, 1);
}
static inline uint16_t unit_inw(struct vm *vm, uint16_t port)
{
	return (uint16_t)unit_in(vm, port, 2);
}
static inline uint32_t unit_inl(struct vm *vm, uint16_t port)
{
	return unit_in(vm, port, 4);
}
static inline void unit_outb(struct vm *vm, uint16_t port, uint8_t v)
{
	unit_out(vm, port, v, 1);
}
static inline void unit_outw(struct vm *vm, uint16_t port, uint16_t v)
{
	unit_out(vm, port, v, 2);
}
static inline void unit_outl(struct vm *vm, uint16_t port, uint32_t v)
{
	unit_out(vm, port, v, 4);
}

/* MMIO of 1, 2, 4 or 8 bytes. */
static inline uint64_t unit_mmio_read(struct vm *vm, uint64_t addr, unsigned size)
{
	uint64_t v = 0;
	iobus_access(&vm->mmio, addr, &v, size, false);
	return size == 8 ? v : v & ((1ull << (size * 8)) - 1);
}

static inline void unit_mmio_write(struct vm *vm, uint64_t addr, uint64_t v, unsigned size)
{
	iobus_access(&vm->mmio, addr, &v, size, true);
}

/* PCI configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2): the address
 * to 0xCF8, the data at 0xCFC plus the offset's low two bits. */
static inline uint32_t unit_pci_addr(unsigned dev, unsigned fn, unsigned off)
{
	return 0x80000000u | (dev & 31) << 11 | (fn & 7) << 8 | (off & 0xFC);
}

static inline uint32_t unit_pci_read(struct vm *vm, unsigned dev, unsigned fn,
				     unsigned off, unsigned size)
{
	unit_outl(vm, 0xCF8, unit_pci_addr(dev, fn, off));
	return unit_in(vm, (uint16_t)(0xCFC + (off & 3)), size);
}

static inline void unit_pci_write(struct vm *vm, unsigned dev, unsigned fn,
				  unsigned off, uint32_t v, unsigned size)
{
	unit_outl(vm, 0xCF8, unit_pci_addr(dev, fn, off));
	unit_out(vm, (uint16_t)(0xCFC + (off & 3)), v, size);
}

#endif
