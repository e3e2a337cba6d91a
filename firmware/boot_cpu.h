/*
 * The CPU state a directly booted kernel starts in: a flat GDT, a TSS, and
 * for 64-bit entry identity-mapped page tables, written into low guest RAM,
 * plus the matching KVM register and segment state for vCPU 0.
 */
#ifndef VMST_BOOT_CPU_H
#define VMST_BOOT_CPU_H

#include <linux/kvm.h>
#include <stdint.h>

struct vm;

/* Low-memory layout of the boot structures (all below 0x9FC00, in e820 RAM). */
#define BOOT_GDT_ADDR   0x0500   /* 6 descriptors */
#define BOOT_TSS_ADDR   0x0580   /* 104 bytes */
#define BOOT_STACK_TOP  0x7000   /* grows down; 0x1200-0x7000 is free */
#define BOOT_PML4_ADDR  0x9000
#define BOOT_PDPT_ADDR  0xA000
#define BOOT_PD_ADDR    0xB000   /* four page directories: 4 GiB of 2 MiB pages */
#define BOOT_CPU_END    0xF000

/* Selectors the Linux boot protocol asks for: __BOOT_CS and __BOOT_DS. */
#define BOOT_CS 0x10
#define BOOT_DS 0x18
#define BOOT_TR 0x20

enum boot_cpu_mode {
	BOOT_PROT32,   /* 32-bit flat protected mode, paging off */
	BOOT_LONG64,   /* 64-bit mode, identity-mapped first 4 GiB */
};

/*
 * Write the GDT/TSS (and page tables for BOOT_LONG64) into guest RAM and
 * fill regs/sregs: rip = entry, rsp = BOOT_STACK_TOP, interrupts off, every
 * other general register 0. sregs starts from *power_on (KVM's reset state,
 * for fields such as apic_base) or from a synthesized reset state if NULL.
 * 0, or -1 if low RAM is too small.
 */
int boot_cpu_setup(struct vm *vm, enum boot_cpu_mode mode, uint64_t entry,
		   const struct kvm_sregs *power_on, struct kvm_regs *regs,
		   struct kvm_sregs *sregs);

#endif
