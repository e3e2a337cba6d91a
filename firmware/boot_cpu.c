/*
 * Protected/long mode entry state for direct kernel boot. The descriptors
 * follow the Intel SDM vol. 3, 3.4.5 (segment descriptors) and 7.2.3 (TSS
 * descriptor); the 64-bit page tables use 2 MiB pages (SDM 4.5).
 */
#include "firmware/boot_cpu.h"

#include <string.h>

#include "core/util.h"
#include "core/vm.h"

#define CR0_PE (1u << 0)
#define CR0_ET (1u << 4)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)

#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PS (1ull << 7)

/* A GDT descriptor from its parts (flags = G, D/B, L, AVL nibble). */
static uint64_t gdt_entry(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (uint64_t)(limit & 0xFFFF) |
	       (uint64_t)(base & 0xFFFFFF) << 16 |
	       (uint64_t)access << 40 |
	       (uint64_t)((limit >> 16) & 0xF) << 48 |
	       (uint64_t)(flags & 0xF) << 52 |
	       (uint64_t)(base >> 24) << 56;
}

static struct kvm_segment seg(uint16_t sel, uint8_t type, bool code64, bool tss)
{
	struct kvm_segment s = {
		.base = 0, .limit = 0xFFFFFFFF, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	if (code64) {
		s.db = 0;     /* D must be 0 when L is 1 */
		s.l = 1;
	}
	if (tss) {
		s.base = BOOT_TSS_ADDR;
		s.limit = 0x67;
		s.s = 0;
		s.db = 0;
		s.g = 0;
	}
	return s;
}

/* KVM's architectural reset state for the fields we do not set ourselves. */
static void synth_power_on(struct kvm_sregs *s)
{
	memset(s, 0, sizeof(*s));
	s->ldt = (struct kvm_segment){ .limit = 0xFFFF, .type = 2, .present = 1 };
	s->apic_base = 0xFEE00000ull | (1ull << 11) | (1ull << 8); /* enabled, BSP */
	s->cr0 = 0x60000010;
}

int boot_cpu_setup(struct vm *vm, enum boot_cpu_mode mode, uint64_t entry,
		   const struct kvm_sregs *power_on, struct kvm_regs *regs,
		   struct kvm_sregs *sregs)
{
	bool lm = mode == BOOT_LONG64;
	uint8_t *gdt = vm_gpa_to_hva(vm, BOOT_GDT_ADDR, 6 * 8);
	uint8_t *tss = vm_gpa_to_hva(vm, BOOT_TSS_ADDR, 0x68);
	if (!gdt || !tss || vm->low_ram < BOOT_CPU_END)
		return -1;

	/* 0x00, 0x08: null; 0x10 code; 0x18 data; 0x20 TSS (16 bytes in long mode) */
	memset(gdt, 0, 6 * 8);
	st64(gdt + BOOT_CS, gdt_entry(0, 0xFFFFF, 0x9B, lm ? 0xA : 0xC));
	st64(gdt + BOOT_DS, gdt_entry(0, 0xFFFFF, 0x93, 0xC));
	st64(gdt + BOOT_TR, gdt_entry(BOOT_TSS_ADDR, 0x67, 0x8B, 0));
	memset(tss, 0, 0x68);
	st16(tss + 0x66, 0x68);       /* I/O map base beyond the limit: no bitmap */

	if (power_on)
		*sregs = *power_on;
	else
		synth_power_on(sregs);
	struct kvm_segment ds = seg(BOOT_DS, 0x3, false, false);
	sregs->cs = seg(BOOT_CS, 0xB, lm, false);
	sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = ds;
	sregs->tr = seg(BOOT_TR, 0xB, false, true); /* busy TSS (32- or 64-bit) */
	sregs->gdt.base = BOOT_GDT_ADDR;
	sregs->gdt.limit = 6 * 8 - 1;
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	sregs->cr0 = CR0_PE | CR0_ET;   /* caches on: CD/NW of the reset state cleared */
	sregs->cr2 = 0;
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->cr8 = 0;
	sregs->efer = 0;
	memset(sregs->interrupt_bitmap, 0, sizeof(sregs->interrupt_bitmap));

	if (lm) {
		uint8_t *pt = vm_gpa_to_hva(vm, BOOT_PML4_ADDR, BOOT_CPU_END - BOOT_PML4_ADDR);
		if (!pt)
			return -1;
		memset(pt, 0, BOOT_CPU_END - BOOT_PML4_ADDR);
		uint8_t *pml4 = pt, *pdpt = pt + (BOOT_PDPT_ADDR - BOOT_PML4_ADDR);
		uint8_t *pd = pt + (BOOT_PD_ADDR - BOOT_PML4_ADDR);
		st64(pml4, BOOT_PDPT_ADDR | PTE_P | PTE_RW);
		for (unsigned g = 0; g < 4; g++)
			st64(pdpt + 8 * g, (BOOT_PD_ADDR + 0x1000ull * g) | PTE_P | PTE_RW);
		for (unsigned i = 0; i < 4 * 512; i++)
			st64(pd + 8 * i, ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS);
		sregs->cr3 = BOOT_PML4_ADDR;
		sregs->cr4 = CR4_PAE;
		sregs->cr0 |= CR0_PG;
		sregs->efer = EFER_LME | EFER_LMA;
	}

	memset(regs, 0, sizeof(*regs));
	regs->rip = entry;
	regs->rsp = BOOT_STACK_TOP;
	regs->rflags = 0x2;           /* bit 1 is reserved-one; IF clear */
	return 0;
}
