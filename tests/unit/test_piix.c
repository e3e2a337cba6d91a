/*
 * The i440FX host bridge and the PIIX3 PCI-to-ISA bridge (devices/piix.c)
 * as SeaBIOS and Linux see them: identities (82441FX 8086:1237, 82371SB
 * function 0 8086:7000, an ISA bridge whose header says multi-function),
 * the PAM and SMRAM registers of the 82441FX, the PIIX3's PIRQ route
 * control registers (0x60-0x63) and the IRQ each produces for a function's
 * INTx, the reset control register at 0xCF9 (Linux's reboot=pci, on_reboot
 * deciding), what a system reset restores, and sweeps of both functions'
 * configuration space and of 0xCF9.
 *
 * The edge/level control registers (ELCR, 0x4D0/0x4D1) are not here: KVM's
 * in-kernel 8259 pair owns them (arch/x86/kvm/i8259.c), and fast A20 at
 * 0x92 is the keyboard controller's (test_i8042). Which PIRQ a slot's pin
 * reaches is the board's wiring (devices/pci.c, test_pci); the checks here
 * hold for any rotation of the four PIRQs over a slot's four pins.
 */
#include <stdlib.h>

#include "unit.h"
#include "unit_vm.h"
#include "core/evloop.h"
#include "devices/pci.h"

#define ISA 1          /* 00:01.0 */
#define FSLOT 7        /* the test's own function, 00:07.0 */
#define RCR 0xCF9

static struct vm *vm;
static struct pci_dev fdev; /* a function that raises INTx on request */

static void noop(void *opaque)
{
	(void)opaque;
}

static void settle(struct vm *v)
{
	evloop_call_sync(v->loop, noop, NULL);
}

static uint32_t host_rd(unsigned off, unsigned size) { return unit_pci_read(vm, 0, 0, off, size); }
static void host_wr(unsigned off, uint32_t v, unsigned size) { unit_pci_write(vm, 0, 0, off, v, size); }
static uint32_t isa_rd(unsigned off, unsigned size) { return unit_pci_read(vm, ISA, 0, off, size); }
static void isa_wr(unsigned off, uint32_t v, unsigned size) { unit_pci_write(vm, ISA, 0, off, v, size); }

/* The GSIs 0-15 that are up now, as a bit mask. */
static unsigned irqs_up(void)
{
	unsigned m = 0;
	for (unsigned i = 0; i < 16; i++)
		if (unit_irqs.level[i])
			m |= 1u << i;
	return m;
}

/* Which IRQ INTx pin `pin` of the test function reaches now (its bit mask). */
static unsigned pin_irqs(unsigned pin)
{
	fdev.config[0x3D] = (uint8_t)pin;
	unsigned before = irqs_up();
	pci_set_irq(&fdev, 1);
	unsigned m = irqs_up() & ~before;
	pci_set_irq(&fdev, 0);
	return m;
}

static void test_identity(void)
{
	CHECK_EQ(host_rd(0x00, 4), 0x12378086, "00:00.0 is 8086:1237, the 82441FX (i440FX)");
	CHECK_EQ(host_rd(0x08, 4) >> 8, 0x060000, "... class 06 00 00: host bridge");
	CHECK_EQ(host_rd(0x08, 1), 0x02, "... revision 02");
	CHECK_EQ(host_rd(0x0E, 1), 0x00, "... header type 0, one function");
	CHECK_EQ(isa_rd(0x00, 4), 0x70008086, "00:01.0 is 8086:7000, the 82371SB (PIIX3) function 0");
	CHECK_EQ(isa_rd(0x08, 4) >> 8, 0x060100, "... class 06 01 00: ISA bridge");
	CHECK_EQ(isa_rd(0x0E, 1), 0x80, "... header type 80h: multi-function (IDE, USB, PM follow)");
	CHECK_EQ(isa_rd(0x0A, 2), 0x0601, "... Linux's PCI_CLASS_BRIDGE_ISA read as a word");
	host_wr(0x00, 0xFFFFFFFF, 4);
	isa_wr(0x00, 0xFFFFFFFF, 4);
	isa_wr(0x08, 0xFFFFFFFF, 4);
	isa_wr(0x0C, 0x00FF0000, 4);
	CHECK(host_rd(0x00, 4) == 0x12378086 && isa_rd(0x00, 4) == 0x70008086 &&
	      isa_rd(0x08, 4) >> 8 == 0x060100 && isa_rd(0x0E, 1) == 0x80,
	      "IDs, class and header type are read-only");
}

/* 82441FX: PAM0-6 (0x59-0x5F) hold what SeaBIOS writes; SMRAM (0x72):
 * bits 2:0 are C_BASE_SEG, hardwired 010 (0xA0000), bits 6:3 writable. */
static void test_host_registers(void)
{
	for (unsigned r = 0x59; r <= 0x5F; r++)
		host_wr(r, 0x30 + r, 1);
	unsigned bad = 0;
	for (unsigned r = 0x59; r <= 0x5F; r++)
		bad += host_rd(r, 1) != 0x30 + r;
	CHECK_EQ(bad, 0, "PAM0-PAM6 read back (mismatches)");
	host_wr(0x58, 0xFF, 1);
	CHECK_EQ(host_rd(0x58, 1), 0, "0x58 below the PAMs is not writable");
	CHECK_EQ(host_rd(0x72, 1), 0x02, "SMRAM: 02h at power-on");
	host_wr(0x72, 0xFF, 1);
	CHECK_EQ(host_rd(0x72, 1), 0x7A, "SMRAM: bits 6:3 writable, C_BASE_SEG stays 010, bit 7 reserved");
	host_wr(0x72, 0x0A, 1);
}

/* PIIX3 datasheet, PIRQRC[A:D] (0x60-0x63): bit 7 disables the routing
 * (80h at reset), bits 6:4 are reserved and read 0, bits 3:0 the IRQ. */
static void test_pirq_registers(void)
{
	CHECK_EQ(isa_rd(0x60, 4), 0x80808080, "PIRQRC A-D: 80h (routing off) at power-on");
	isa_wr(0x60, 0xFF, 1);
	CHECK_EQ(isa_rd(0x60, 1), 0x8F, "PIRQRCA written FFh reads 8Fh: bits 6:4 reserved");
	isa_wr(0x61, 0x0B, 1);
	CHECK_EQ(isa_rd(0x61, 1), 0x0B, "PIRQRCB: IRQ 11, routing on, reads back");
	isa_wr(0x60, 0x0B0B0A0A, 4);
	CHECK_EQ(isa_rd(0x60, 4), 0x0B0B0A0A, "a dword write sets all four (SeaBIOS's A, B = 10, C, D = 11)");
	isa_wr(0x62, 0x7A7A, 2);
	CHECK_EQ(isa_rd(0x60, 4), 0x0A0A0A0A, "a word write at 0x62 sets C and D, reserved bits dropped");
	isa_wr(0x60, 0x80808080, 4);
}

/*
 * The IRQ a PIRQ produces is its register's bits 3:0 while bit 7 is 0: a
 * function's INTx reaches exactly that IRQ, moves with the register, and
 * reaches nothing while routing is off.
 */
static void test_pirq_routing(void)
{
	unit_irq_clear();
	unsigned none = 0;
	for (unsigned pin = 1; pin <= 4; pin++)
		none |= pin_irqs(pin);
	CHECK_EQ(none, 0, "routing off (80h): INTA-INTD of a function reach no IRQ");

	/* A-D to four different IRQs: each pin lands on one of them, and the
	 * four pins of one slot on four different PIRQs */
	static const uint8_t route[4] = { 3, 5, 10, 14 };
	const unsigned routed = 1u << 3 | 1u << 5 | 1u << 10 | 1u << 14;
	for (unsigned p = 0; p < 4; p++)
		isa_wr(0x60 + p, route[p], 1);
	unsigned seen = 0, pirq_of[5] = { 0 };
	bool one_each = true;
	for (unsigned pin = 1; pin <= 4; pin++) {
		unsigned m = pin_irqs(pin);
		if (__builtin_popcount(m) != 1 || !(m & routed))
			one_each = false;
		seen |= m;
		for (unsigned p = 0; p < 4; p++)
			if (m == 1u << route[p])
				pirq_of[pin] = p;
	}
	CHECK(one_each, "with PIRQA-D on IRQs 3, 5, 10, 14 each pin reaches exactly one of them");
	CHECK_EQ(seen, routed, "the four pins of a slot use the four PIRQs");
	CHECK_EQ(irqs_up(), 0, "every pin deasserted: every IRQ low again");

	/* each register steers its own PIRQ: moved while the pin is asserted */
	bool follows = true, others_stay = true, off_drops = true, back = true;
	for (unsigned pin = 1; pin <= 4; pin++) {
		unsigned p = pirq_of[pin];
		fdev.config[0x3D] = (uint8_t)pin;
		pci_set_irq(&fdev, 1);
		isa_wr(0x60 + p, 11, 1);
		if (irqs_up() != 1u << 11)
			follows = false;
		isa_wr(0x60 + ((p + 1) & 3), 12, 1); /* another PIRQ's register */
		if (irqs_up() != 1u << 11)
			others_stay = false;
		isa_wr(0x60 + ((p + 1) & 3), route[(p + 1) & 3], 1);
		isa_wr(0x60 + p, 0x8B, 1); /* off, IRQ bits still 11 */
		if (irqs_up() != 0)
			off_drops = false;
		isa_wr(0x60 + p, route[p], 1);
		if (irqs_up() != 1u << route[p])
			back = false;
		pci_set_irq(&fdev, 0);
	}
	CHECK(follows, "rewriting a pin's PIRQ register while it is asserted moves the IRQ (old down, new up)");
	CHECK(others_stay, "rewriting another PIRQ's register leaves it");
	CHECK(off_drops, "bit 7 set (routing off, 8Bh): the IRQ drops though bits 3:0 still say 11");
	CHECK(back, "routed again while asserted: the pending request shows at once");
	CHECK_EQ(irqs_up(), 0, "all deasserted: no IRQ up");

	/* the host bridge's own 0x60-0x63 (82441FX DRBs) route nothing */
	isa_wr(0x60, 0x80808080, 4);
	host_wr(0x60, 0x05050505, 4);
	CHECK_EQ(pin_irqs(1) | pin_irqs(2) | pin_irqs(3) | pin_irqs(4), 0,
		 "writes to the host bridge's 0x60-0x63 do not route PIRQs");
	for (unsigned p = 0; p < 4; p++)
		isa_wr(0x60 + p, route[p], 1);
}

/* 82371SB reset control register (0xCF9): bit 1 (SRST) reads back, a 0->1
 * of bit 2 (RCPU) resets; the rest reads 0. A dword at 0xCF8 is the PCI
 * configuration address, never this register. */
static void test_reset_control(void)
{
	CHECK_EQ(unit_inb(vm, RCR), 0x00, "0xCF9 reads 0 at power-on");
	unsigned resets = vm->resets;
	unit_outb(vm, RCR, 0xFB);
	settle(vm);
	CHECK_EQ(unit_inb(vm, RCR), 0x02, "FBh (RCPU 0): only SRST (bit 1) is kept");
	unit_outb(vm, RCR, 0x02);
	settle(vm);
	CHECK_EQ(vm->resets, resets, "SRST alone does not reset");
	unit_outl(vm, 0xCF8, 0x80000600);
	unit_outl(vm, 0xCF8, 0x8000FE04);
	settle(vm);
	CHECK_EQ(vm->resets, resets, "dword writes at 0xCF8 with 06h/FEh in byte 1 do not reset");
	CHECK_EQ(unit_inl(vm, 0xCF8), 0x8000FE04, "... they are the configuration address");

	/* Linux's reboot=pci: cf9 = inb & ~6; outb(cf9 | 2); udelay; outb(cf9 | 6) */
	uint8_t cf9 = unit_inb(vm, RCR) & ~6;
	unit_outb(vm, RCR, cf9 | 2);
	unit_outb(vm, RCR, cf9 | 6);
	settle(vm);
	CHECK_EQ(vm->resets, resets + 1, "reboot=pci's sequence resets the system once (on_reboot = restart)");
	CHECK_EQ(unit_inb(vm, RCR), 0x00, "after the reset 0xCF9 reads 0");
	unit_outb(vm, RCR, 0x04);
	settle(vm);
	CHECK_EQ(vm->resets, resets + 2, "RCPU from 0 to 1 with SRST 0 (soft reset) resets too");
}

/* What a system reset puts back: PIRQ routing off (a pending IRQ dropped),
 * PAMs 0, SMRAM 02h, RCR 0, the IDs untouched. */
static void test_system_reset(void)
{
	isa_wr(0x60, 0x0B0A0B0A, 4);
	host_wr(0x5A, 0x33, 1);
	host_wr(0x72, 0x4A, 1);
	unit_outb(vm, RCR, 0x02);
	fdev.config[0x3D] = 1;
	pci_set_irq(&fdev, 1);
	unsigned up = irqs_up();
	CHECK(up == (1u << 10) || up == (1u << 11), "before the reset: INTA up on IRQ 10 or 11");
	unsigned resets = vm->resets;
	vm_request_reset(vm);
	settle(vm);
	CHECK_EQ(vm->resets, resets + 1, "the VM was reset");
	CHECK_EQ(isa_rd(0x60, 4), 0x80808080, "reset: PIRQRC A-D back to 80h");
	CHECK_EQ(irqs_up(), 0, "reset: the IRQ a PIRQ held is dropped");
	CHECK(host_rd(0x5A, 1) == 0 && host_rd(0x72, 1) == 0x02, "reset: PAMs 0, SMRAM 02h");
	CHECK_EQ(unit_inb(vm, RCR), 0, "reset: 0xCF9 reads 0");
	CHECK(host_rd(0x00, 4) == 0x12378086 && isa_rd(0x00, 4) == 0x70008086 && isa_rd(0x0E, 1) == 0x80,
	      "reset: identities untouched");
}

/* on_reboot = destroy (xl's): a guest reset through 0xCF9 stops the VM. */
static void test_on_reboot_destroy(void)
{
	struct vm_config cfg = { .on_reboot = ACT_DESTROY };
	const char *parts[] = { "pci", "piix", NULL };
	struct vm *v = unit_vm_new(4, &cfg, parts);
	evloop_start_thread(v->loop);
	unit_outb(v, RCR, 0x06);
	settle(v);
	CHECK_EQ(vm_get_state(v), VM_STOPPED, "on_reboot = destroy: 0xCF9 stops the VM");
	CHECK_EQ(v->exit_reason, VMX_REBOOT, "... and the reason is a reboot");
	CHECK_EQ(v->resets, 0, "... without a reset");
	vm_destroy(v);
}

/* The chipset's own ports: ELCR is KVM's (see the top), nothing here takes it. */
static void test_ports(void)
{
	CHECK(iobus_find(&vm->pio, RCR) != NULL && iobus_find(&vm->pio, 0xCFA) == NULL,
	      "the PIIX3 takes 0xCF9 alone (0xCFA-0xCFB are not its)");
	CHECK(iobus_find(&vm->pio, 0x4D0) == NULL && iobus_find(&vm->pio, 0x4D1) == NULL,
	      "0x4D0/0x4D1 (ELCR) are left to KVM's in-kernel 8259");
}

/* Bad input: both functions' whole configuration space with every size and
 * several patterns, every value at 0xCF9; afterwards IDs, masks and the
 * routing still hold. */
static void test_sweep(void)
{
	static const uint32_t pat[] = { 0xFFFFFFFFu, 0x00000000u, 0xA5A5A5A5u, 0x5A5A5A5Au, 0x8F0F7F01u };
	for (unsigned dev = 0; dev < 2; dev++)
		for (size_t i = 0; i < sizeof(pat) / sizeof(pat[0]); i++)
			for (unsigned size = 1; size <= 4; size *= 2)
				for (unsigned off = 0; off < 256; off += size) {
					unit_pci_write(vm, dev, 0, off, pat[i], size);
					unit_pci_read(vm, dev, 0, off, size);
				}
	for (unsigned v = 0; v < 256; v++) {
		unit_outb(vm, RCR, (uint8_t)v);
		settle(vm);
		unit_inb(vm, RCR);
	}
	uint32_t s = 0x1234567;
	for (int i = 0; i < 4096; i++) {
		s ^= s << 13;
		s ^= s >> 17;
		s ^= s << 5;
		unsigned size = 1u << (s % 3);
		unit_out(vm, (uint16_t)(RCR - 1 + ((s >> 2) & 3)), s >> 8, size);
		unit_in(vm, (uint16_t)(RCR - 1 + ((s >> 4) & 3)), size);
	}
	settle(vm);
	CHECK(host_rd(0x00, 4) == 0x12378086 && isa_rd(0x00, 4) == 0x70008086 &&
	      isa_rd(0x08, 4) >> 8 == 0x060100 && isa_rd(0x0E, 1) == 0x80,
	      "after the sweeps: IDs, class, header type intact");
	CHECK_EQ(isa_rd(0x60, 4) & 0x70707070, 0, "after the sweeps: PIRQRC reserved bits still 0");
	CHECK_EQ(host_rd(0x72, 1) & 0x87, 0x02, "after the sweeps: SMRAM's fixed bits intact");
	isa_wr(0x60, 0x0E0E0E0E, 4);
	fdev.config[0x3D] = 2;
	pci_set_irq(&fdev, 1);
	CHECK_EQ(irqs_up(), 1u << 14, "after the sweeps: all PIRQs to IRQ 14, INTB reaches it");
	pci_set_irq(&fdev, 0);
	CHECK_EQ(irqs_up(), 0, "... and drops");
}

int main(void)
{
	struct vm_config cfg = { .on_reboot = ACT_RESTART }; /* xl's default */
	const char *parts[] = { "pci", "piix", "fw_cfg", "postcode", NULL };
	vm = unit_vm_new(16, &cfg, parts);
	fdev.name = "test-intx";
	pci_init_header(&fdev, 0x1234, 0x0001, 0xFF0000, 0, 0, 0);
	fdev.config[0x3D] = 1;
	if (pci_register(vm, &fdev, FSLOT << 3) < 0) {
		printf("FAIL: %s: cannot add the test function\n", __FILE__);
		return 1;
	}
	evloop_start_thread(vm->loop);
	test_identity();
	test_host_registers();
	test_pirq_registers();
	test_pirq_routing();
	test_reset_control();
	test_system_reset();
	test_ports();
	test_sweep();
	vm_destroy(vm);
	test_on_reboot_destroy();
	return UNIT_DONE();
}
