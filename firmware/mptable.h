/*
 * The Intel MultiProcessor Specification 1.4 table for direct kernel boot:
 * with acpi = 0 it is how a kernel finds the vCPUs, the I/O APIC and how
 * ISA and PCI interrupts reach it (as SeaBIOS gives one to a booted guest).
 */
#ifndef VMST_MPTABLE_H
#define VMST_MPTABLE_H

#include <stdint.h>

struct vm;

/*
 * Write the floating pointer (16-byte aligned at base, which must lie in
 * 0xF0000-0xFFFFF for a kernel's scan to find it) and the configuration
 * table after it: n_cpus processors (APIC IDs 0..n-1), buses PCI 0 and
 * ISA 1, the I/O APIC, the ISA IRQs, every PCI function's INTx as
 * devices/pci.c routes it (acpi_route_pirqs), and the local interrupts.
 * Returns the bytes used, or -1 if they do not fit in size.
 */
int mptable_build(struct vm *vm, uint64_t base, uint64_t size, unsigned n_cpus);

#endif
