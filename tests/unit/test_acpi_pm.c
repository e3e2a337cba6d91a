/*
 * The PIIX4 power management function (devices/acpi_pm.c, 00:01.3) as
 * SeaBIOS and Linux's ACPI code use it: its PCI identity, PMBASE and the
 * decode bit as SeaBIOS programs them (and the direct-boot defaults our
 * FADT names), the fixed ACPI registers (ACPI 6.x 4.8.3: PM1_STS
 * write-one-to-clear, PM1_EN, PM1_CNT with SCI_EN and write-only SLP_EN),
 * ACPI mode through SMI_CMD (0xB2, SeaBIOS's FADT: enable 0xF1, disable
 * 0xF0), the power button's SCI on IRQ 9, the 24-bit PM timer at
 * 3.579545 MHz, power-off through SLP_TYP 0 + SLP_EN as on_poweroff
 * decides, reset, and every register and config byte written with sweeps.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "unit_vm.h"
#include "core/evloop.h"
#include "core/util.h"

#define PM_DEV 1
#define PM_FN 3
#define PMBA 0xB000 /* SeaBIOS's PORT_ACPI_PM_BASE */
#define PM1_STS 0x00
#define PM1_EN 0x02
#define PM1_CNT 0x04
#define PM_TMR 0x08
#define STS_TMR 0x0001
#define STS_PWRBTN 0x0100
#define CNT_SCI_EN 0x0001
#define CNT_SLP_EN 0x2000
#define SLP_TYP(n) ((n) << 10)
#define SMI_CMD 0xB2
#define SCI 9

static struct vm *vm;

static void noop(void *opaque)
{
	(void)opaque;
}

/* Run what the chips asked the VM to do (a power-off, a reset). */
static void settle(struct vm *v)
{
	evloop_call_sync(v->loop, noop, NULL);
}

static uint32_t cfg_rd(struct vm *v, unsigned off, unsigned size)
{
	return unit_pci_read(v, PM_DEV, PM_FN, off, size);
}

static void cfg_wr(struct vm *v, unsigned off, uint32_t val, unsigned size)
{
	unit_pci_write(v, PM_DEV, PM_FN, off, val, size);
}

/* As SeaBIOS's piix4_pm_setup: PMBASE | 1 (I/O space), then PMREGMISC's decode bit. */
static void program(struct vm *v, uint16_t base)
{
	cfg_wr(v, 0x40, base | 1u, 4);
	cfg_wr(v, 0x80, 0x01, 1);
}

static struct vm *new_vm(struct vm_config *cfg)
{
	const char *parts[] = { "pci", "piix", "acpi_pm", NULL };
	struct vm *v = unit_vm_new(16, cfg, parts);
	evloop_start_thread(v->loop);
	return v;
}

static void test_identity(void)
{
	CHECK_EQ(cfg_rd(vm, 0x00, 4), 0x71138086, "00:01.3 is 8086:7113, the PIIX4 power management function");
	CHECK_EQ(cfg_rd(vm, 0x08, 4) >> 8, 0x068000, "class 06 80 00: other bridge");
	CHECK_EQ(cfg_rd(vm, 0x08, 1), 0x03, "revision 03");
	CHECK_EQ(cfg_rd(vm, 0x0E, 1), 0x00, "header type 0 (function 3; function 0 says multi-function)");
	CHECK_EQ(cfg_rd(vm, 0x3D, 1), 1, "interrupt pin INTA");
	cfg_wr(vm, 0x00, 0xFFFFFFFF, 4);
	cfg_wr(vm, 0x08, 0xFFFFFFFF, 4);
	CHECK(cfg_rd(vm, 0x00, 4) == 0x71138086 && cfg_rd(vm, 0x08, 4) == 0x06800003,
	      "IDs, class and revision are read-only");
}

/* PIIX4 datasheet, function 3: PMBA (0x40) bits 15:6 are the base, bit 0
 * reads 1 (I/O space); PMREGMISC (0x80) bit 0 enables the decode. */
static void test_pmbase(void)
{
	CHECK_EQ(cfg_rd(vm, 0x40, 4), 0x00000001, "power-on (BIOS boot): PMBASE 0, I/O space bit 1");
	CHECK_EQ(cfg_rd(vm, 0x80, 1), 0, "power-on: PMREGMISC decode off");
	CHECK_EQ(unit_inl(vm, 0x600 + PM_TMR), 0xFFFFFFFF, "nothing decoded at 0x600 before the BIOS");
	cfg_wr(vm, 0x40, PMBA | 1, 4);
	CHECK_EQ(unit_inw(vm, PMBA + PM1_STS), 0xFFFF, "PMBASE set, decode still off: no registers");
	cfg_wr(vm, 0x80, 0x01, 1);
	CHECK_EQ(unit_inw(vm, PMBA + PM1_STS), 0, "decode on: PM1_STS answers at PMBASE");
	CHECK_EQ(cfg_rd(vm, 0x40, 4), PMBA | 1, "PMBASE reads back 0xB001");
	cfg_wr(vm, 0x40, 0xFFFFFFFF, 4);
	CHECK_EQ(cfg_rd(vm, 0x40, 4), 0x0000FFC1, "PMBASE all ones: bits 15:6 and bit 0 only (64-byte block)");
	cfg_wr(vm, 0x40, PMBA | 0x3F, 4);
	CHECK_EQ(cfg_rd(vm, 0x40, 4), PMBA | 1, "bits 5:1 read 0");
	CHECK_EQ(unit_inw(vm, PMBA + PM1_STS), 0, "... and the block is back at 0xB000");

	program(vm, 0xC000);
	CHECK(unit_inw(vm, PMBA + PM1_STS) == 0xFFFF && unit_inw(vm, 0xC000 + PM1_STS) == 0,
	      "PMBASE moved: the block leaves 0xB000 for 0xC000");
	cfg_wr(vm, 0x80, 0x00, 1);
	CHECK_EQ(unit_inw(vm, 0xC000 + PM1_STS), 0xFFFF, "decode bit cleared: the block is gone");

	/* a block over 0xCF8-0xCFF must not take configuration space away */
	program(vm, 0x0CC0);
	CHECK_EQ(cfg_rd(vm, 0x00, 4), 0x71138086, "PMBASE 0xCC0 (over 0xCF8/0xCFC): configuration space still works");
	CHECK_EQ(unit_inl(vm, 0x0CC0 + PM_TMR), 0xFFFFFFFF, "... and the clashing block is not decoded");
	program(vm, PMBA);
	CHECK_EQ(unit_inw(vm, PMBA + PM1_STS), 0, "PMBASE 0xB000 again: decoded");

	/* what SeaBIOS writes besides: the SMBus base and host configuration */
	cfg_wr(vm, 0x90, 0xB100 | 1, 4);
	cfg_wr(vm, 0xD2, 0x09, 1);
	CHECK_EQ(cfg_rd(vm, 0x90, 4) & 0xFFF0, 0xB100, "SMBus base (0x90) holds what SeaBIOS writes");
	CHECK_EQ(cfg_rd(vm, 0xD2, 1), 0x09, "SMBus host configuration (0xD2) too");
}

/* PM1_EN and PM1_CNT read back; SLP_EN reads 0 (ACPI 4.8.3.2.1); ACPI mode
 * through SMI_CMD as the FADT's ACPI_ENABLE/ACPI_DISABLE say. */
static void test_pm1_registers(void)
{
	CHECK(unit_inw(vm, PMBA + PM1_STS) == 0 && unit_inw(vm, PMBA + PM1_EN) == 0 &&
	      unit_inw(vm, PMBA + PM1_CNT) == 0, "power-on: PM1_STS, PM1_EN, PM1_CNT are 0 (legacy mode)");
	unit_outw(vm, PMBA + PM1_EN, 0x0521);
	CHECK_EQ(unit_inw(vm, PMBA + PM1_EN), 0x0521, "PM1_EN: TMR, GBL, PWRBTN, RTC enables read back");
	unit_outw(vm, PMBA + PM1_EN, 0);
	unit_outw(vm, PMBA + PM1_CNT, SLP_TYP(5));
	CHECK_EQ(unit_inw(vm, PMBA + PM1_CNT), SLP_TYP(5), "PM1_CNT: SLP_TYP reads back");
	unit_outw(vm, PMBA + PM1_CNT, SLP_TYP(5) | CNT_SLP_EN);
	settle(vm);
	CHECK_EQ(unit_inw(vm, PMBA + PM1_CNT), SLP_TYP(5), "SLP_EN is write-only: reads 0");
	CHECK_EQ(vm_get_state(vm), VM_CREATED, "SLP_TYP 5 (reserved on the PIIX4) + SLP_EN: no power-off");
	unit_outw(vm, PMBA + PM1_CNT, 0);

	unit_outb(vm, SMI_CMD, 0xF1);
	CHECK_EQ(unit_inw(vm, PMBA + PM1_CNT) & CNT_SCI_EN, CNT_SCI_EN, "SMI_CMD 0xF1 (ACPI_ENABLE) sets SCI_EN");
	unit_outb(vm, SMI_CMD, 0x00);
	unit_outb(vm, SMI_CMD, 0xFF);
	CHECK_EQ(unit_inw(vm, PMBA + PM1_CNT) & CNT_SCI_EN, CNT_SCI_EN, "other SMI_CMD values leave it");
	unit_outb(vm, SMI_CMD, 0xF0);
	CHECK_EQ(unit_inw(vm, PMBA + PM1_CNT) & CNT_SCI_EN, 0, "SMI_CMD 0xF0 (ACPI_DISABLE) clears it");
}

/* ACPI 4.8.3.1: a status bit is set by its event whether or not enabled;
 * the SCI is the OR of status AND enable, in ACPI mode (SCI_EN), level. */
static void test_status_and_sci(void)
{
	unit_irq_clear();
	vm->powerdown(vm);
	CHECK_EQ(unit_inw(vm, PMBA + PM1_STS) & STS_PWRBTN, STS_PWRBTN,
		 "the power button sets PWRBTN_STS with its enable off");
	CHECK_EQ(unit_irqs.level[SCI], 0, "... and raises no SCI");
	unit_outw(vm, PMBA + PM1_EN, STS_PWRBTN);
	CHECK_EQ(unit_irqs.level[SCI], 0, "enabled, but SCI_EN 0 (legacy mode): still no SCI");
	unit_outb(vm, SMI_CMD, 0xF1);
	CHECK_EQ(unit_irqs.level[SCI], 1, "ACPI mode on with the event pending: SCI on IRQ 9");
	unit_inw(vm, PMBA + PM1_STS);
	CHECK_EQ(unit_inw(vm, PMBA + PM1_STS) & STS_PWRBTN, STS_PWRBTN, "reading PM1_STS does not clear it");
	unit_outw(vm, PMBA + PM1_STS, 0);
	unit_outw(vm, PMBA + PM1_STS, (uint16_t)~STS_PWRBTN);
	CHECK(unit_inw(vm, PMBA + PM1_STS) & STS_PWRBTN, "writing 0 or other bits' ones leaves PWRBTN_STS");
	CHECK_EQ(unit_irqs.level[SCI], 1, "... and the SCI up (level)");
	unit_outw(vm, PMBA + PM1_EN, 0);
	CHECK_EQ(unit_irqs.level[SCI], 0, "enable cleared: SCI drops, status kept");
	CHECK(unit_inw(vm, PMBA + PM1_STS) & STS_PWRBTN, "PWRBTN_STS still set");
	unit_outw(vm, PMBA + PM1_EN, STS_PWRBTN);
	CHECK_EQ(unit_irqs.level[SCI], 1, "enable set again: SCI back");
	unit_outw(vm, PMBA + PM1_STS, STS_PWRBTN);
	CHECK_EQ(unit_inw(vm, PMBA + PM1_STS), 0, "writing 1 clears PWRBTN_STS");
	CHECK_EQ(unit_irqs.level[SCI], 0, "... and the SCI drops");
	unit_outw(vm, PMBA + PM1_STS, 0xFFFF);
	CHECK_EQ(unit_inw(vm, PMBA + PM1_STS), 0, "writing ones over clear bits sets nothing");
	vm->powerdown(vm);
	vm->powerdown(vm);
	CHECK_EQ(unit_irqs.rises[SCI], 3, "a second press while one is pending is the same level (3 rises in all)");
	unit_outw(vm, PMBA + PM1_STS, STS_PWRBTN);
	unit_outw(vm, PMBA + PM1_EN, 0);
	unit_outb(vm, SMI_CMD, 0xF0);
}

/* ACPI 4.8.3.3: PM_TMR, 24 bits (the FADT's TMR_VAL_EXT is 0) counting up
 * at 3.579545 MHz, read-only. */
static void test_pm_timer(void)
{
	uint32_t prev = unit_inl(vm, PMBA + PM_TMR), high = 0;
	unsigned backwards = 0;
	for (int i = 0; i < 2000; i++) {
		uint32_t v = unit_inl(vm, PMBA + PM_TMR);
		high |= v & 0xFF000000u;
		backwards += ((v - prev) & 0xFFFFFF) >= 0x800000;
		prev = v;
	}
	CHECK_EQ(high, 0, "bits 31:24 read 0 (a 24-bit timer)");
	CHECK_EQ(backwards, 0, "2000 reads in a row never go backwards (modulo 2^24)");

	uint64_t t0 = clock_ns();
	uint32_t v0 = unit_inl(vm, PMBA + PM_TMR);
	uint64_t t0b = clock_ns();
	usleep(50000);
	uint64_t t1 = clock_ns();
	uint32_t v1 = unit_inl(vm, PMBA + PM_TMR);
	uint64_t t1b = clock_ns();
	double ns = ((double)(t1 + t1b) - (double)(t0 + t0b)) / 2;
	double hz = ((v1 - v0) & 0xFFFFFF) / ns * 1e9;
	CHECK(hz > 3579545 * 0.9 && hz < 3579545 * 1.1, "it counts at 3.579545 MHz against CLOCK_MONOTONIC (%.0f Hz over %.1f ms)",
	      hz, ns / 1e6);

	unit_outl(vm, PMBA + PM_TMR, 0);
	uint32_t after = unit_inl(vm, PMBA + PM_TMR);
	CHECK(((after - v1) & 0xFFFFFF) < 0x800000, "writing 0 does not reset it (read-only)");
	CHECK_EQ(unit_inl(vm, PMBA + 0x0C), 0, "registers past PM_TMR read 0");
}

/* System reset: the PM registers and the decode as at power-on. */
static void test_reset(void)
{
	unit_outb(vm, SMI_CMD, 0xF1);
	unit_outw(vm, PMBA + PM1_EN, STS_PWRBTN);
	vm->powerdown(vm);
	CHECK_EQ(unit_irqs.level[SCI], 1, "before the reset: the SCI is up");
	unsigned resets = vm->resets;
	vm_request_reset(vm);
	settle(vm);
	CHECK_EQ(vm->resets, resets + 1, "the VM was reset");
	CHECK_EQ(unit_irqs.level[SCI], 0, "reset: SCI low");
	CHECK(cfg_rd(vm, 0x40, 4) == 1 && cfg_rd(vm, 0x80, 1) == 0, "reset: PMBASE 0, decode off");
	CHECK_EQ(unit_inw(vm, PMBA + PM1_STS), 0xFFFF, "reset: nothing decoded until the BIOS programs it");
	program(vm, PMBA);
	CHECK(unit_inw(vm, PMBA + PM1_STS) == 0 && unit_inw(vm, PMBA + PM1_EN) == 0 &&
	      unit_inw(vm, PMBA + PM1_CNT) == 0, "reset: PM1 status, enable and control are 0");
}

/* SLP_TYP 0 (the \_S5 value of SeaBIOS's and our tables) with SLP_EN: the
 * guest powered off, and on_poweroff decides what that means. */
static void test_power_off(void)
{
	struct vm_config cfg = { .acpi = true };
	struct vm *v = new_vm(&cfg);
	program(v, PMBA);
	unit_outb(v, SMI_CMD, 0xF1);
	unit_outw(v, PMBA + PM1_CNT, SLP_TYP(0) | CNT_SCI_EN);
	settle(v);
	CHECK_EQ(vm_get_state(v), VM_CREATED, "SLP_TYP 0 without SLP_EN: nothing happens");
	unit_outw(v, PMBA + PM1_CNT, SLP_TYP(0) | CNT_SLP_EN | CNT_SCI_EN);
	settle(v);
	CHECK_EQ(vm_get_state(v), VM_STOPPED, "SLP_TYP 0 + SLP_EN (S5): the VM stops (on_poweroff = destroy)");
	CHECK_EQ(v->exit_reason, VMX_POWEROFF, "... and the reason is a power-off");
	vm_destroy(v);

	struct vm_config rcfg = { .acpi = true, .on_poweroff = ACT_RESTART };
	v = new_vm(&rcfg);
	program(v, PMBA);
	unit_outw(v, PMBA + PM1_CNT, SLP_TYP(0) | CNT_SLP_EN);
	settle(v);
	CHECK(vm_get_state(v) != VM_STOPPED && v->resets == 1, "on_poweroff = restart: S5 resets the VM instead");
	CHECK_EQ(cfg_rd(v, 0x80, 1), 0, "... and the reset took the PM decode off again");
	vm_destroy(v);
}

/* Direct boot: no BIOS programs the function, so it starts as our FADT
 * describes it (PMBASE 0x600, ACPI mode, its SMI_CMD being 0). acpi = 0
 * and no kernel: no power management function at all. */
static void test_direct_boot_and_acpi_off(void)
{
	struct vm_config cfg = { .acpi = true, .kernel = "vmlinuz" };
	struct vm *v = new_vm(&cfg);
	CHECK(cfg_rd(v, 0x40, 4) == 0x601 && cfg_rd(v, 0x80, 1) == 1, "direct boot: PMBASE 0x600, decode on");
	CHECK_EQ(unit_inw(v, 0x600 + PM1_CNT), CNT_SCI_EN, "direct boot: SCI_EN set from the start");
	unit_outw(v, 0x600 + PM1_EN, STS_PWRBTN);
	v->powerdown(v);
	CHECK_EQ(unit_irqs.level[SCI], 1, "direct boot: the power button raises the SCI once enabled");
	vm_request_reset(v);
	settle(v);
	CHECK(cfg_rd(v, 0x40, 4) == 0x601 && unit_inw(v, 0x600 + PM1_CNT) == CNT_SCI_EN &&
	      unit_irqs.level[SCI] == 0, "direct boot, after a reset: the same defaults, SCI low");
	vm_destroy(v);

	struct vm_config off = { .acpi = false };
	v = new_vm(&off);
	CHECK_EQ(cfg_rd(v, 0x00, 4), 0xFFFFFFFF, "acpi = 0: no function at 00:01.3");
	CHECK(v->powerdown == NULL, "acpi = 0: no power button");
	vm_destroy(v);
}

/* Bad input: every byte of the block written with every value, words and
 * dwords at every offset, then the configuration space with random values
 * (PMBASE moving all over the I/O space). Nothing may break the VM's
 * configuration access, and the function must work afterwards. */
static void test_sweep(void)
{
	struct vm_config cfg = { .acpi = true };
	struct vm *v = new_vm(&cfg);
	program(v, PMBA);
	for (unsigned off = 0; off < 64; off++)
		for (unsigned val = 0; val < 256; val++) {
			unit_outb(v, (uint16_t)(PMBA + off), (uint8_t)val);
			unit_inb(v, (uint16_t)(PMBA + off));
		}
	uint32_t s = 0x9E3779B9;
	for (int i = 0; i < 20000; i++) {
		s ^= s << 13;
		s ^= s >> 17;
		s ^= s << 5;
		uint16_t port = (uint16_t)(PMBA + (s & 63));
		unsigned size = 1u << ((s >> 6) % 3);
		if (s & 0x100)
			unit_out(v, port, s >> 9, size);
		else
			unit_in(v, port, size);
	}
	settle(v);
	for (int i = 0; i < 20000; i++) {
		s ^= s << 13;
		s ^= s >> 17;
		s ^= s << 5;
		unsigned off = (s >> 8) & 0xFF, size = 1u << (s % 3);
		off &= ~(size - 1);
		if (off == 0x40 && (s & 0x10000)) /* now and then a base in the upper I/O space */
			cfg_wr(v, 0x40, (s >> 17) | 1, 4);
		else
			cfg_wr(v, off, s, size);
		if (s & 0x20000)
			unit_inl(v, (uint16_t)(s >> 4));
	}
	settle(v);
	CHECK_EQ(cfg_rd(v, 0x00, 4), 0x71138086, "after the sweeps: configuration space still answers");
	program(v, PMBA);
	uint32_t t0 = unit_inl(v, PMBA + PM_TMR);
	usleep(1000);
	uint32_t t1 = unit_inl(v, PMBA + PM_TMR);
	CHECK(((t1 - t0) & 0xFFFFFF) > 1000 && ((t1 - t0) & 0xFFFFFF) < 0x800000,
	      "after the sweeps: PMBASE 0xB000 again, the timer runs (%u ticks in 1 ms)", (t1 - t0) & 0xFFFFFF);
	unit_outw(v, PMBA + PM1_STS, 0xFFFF);
	CHECK_EQ(unit_inw(v, PMBA + PM1_STS), 0, "after the sweeps: PM1_STS clears");
	vm_destroy(v);
}

int main(void)
{
	struct vm_config cfg = { .acpi = true };
	vm = new_vm(&cfg);
	test_identity();
	test_pmbase();
	test_pm1_registers();
	test_status_and_sci();
	test_pm_timer();
	test_reset();
	vm_destroy(vm);
	test_power_off();
	test_direct_boot_and_acpi_off();
	test_sweep();
	return UNIT_DONE();
}
