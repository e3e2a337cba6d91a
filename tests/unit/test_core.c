/* The core chipset through its ports: PCI config, fw_cfg, CMOS/RTC, ACPI PM, reset register. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/iobus.h"
#include "unit.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"
#include "firmware/pc.h"

static int irq_level[24];
static int irq_edges[24];

static void irq_hook(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	if (gsi < 24) {
		if (level && !irq_level[gsi])
			irq_edges[gsi]++;
		irq_level[gsi] = level;
	}
}

static uint32_t in(struct vm *vm, uint16_t port, unsigned size)
{
	uint32_t v = 0;
	iobus_access(&vm->pio, port, &v, size, false);
	return v;
}

static void out(struct vm *vm, uint16_t port, uint32_t v, unsigned size)
{
	iobus_access(&vm->pio, port, &v, size, true);
}

static uint32_t pci_read(struct vm *vm, unsigned devfn, unsigned reg)
{
	out(vm, 0xcf8, 0x80000000u | devfn << 8 | reg, 4);
	return in(vm, 0xcfc, 4);
}

static void pci_write(struct vm *vm, unsigned devfn, unsigned reg, uint32_t v)
{
	out(vm, 0xcf8, 0x80000000u | devfn << 8 | reg, 4);
	out(vm, 0xcfc, v, 4);
}

static uint8_t cmos(struct vm *vm, unsigned reg)
{
	out(vm, 0x70, reg, 1);
	return in(vm, 0x71, 1);
}

/* The machine table: phases in order, every part named once, each with its
 * create function, and the SB16 after the DMA controller and OPL3 it uses. */
static void test_machine_table(void)
{
	const struct machine *m = &machine_pc;
	CHECK(m->n_parts > 20, "the PC has its parts (%u)", m->n_parts);
	bool ordered = true, named = true;
	int at_sb16 = -1, at_opl3 = -1, at_dma = -1, at_bios = -1, at_vga = -1;
	for (unsigned i = 0; i < m->n_parts; i++) {
		const struct machine_part *p = &m->parts[i];
		if (i && p->phase < m->parts[i - 1].phase)
			ordered = false;
		if (!p->name || !p->create)
			named = false;
		for (unsigned j = 0; j < i && p->name; j++)
			if (!strcmp(p->name, m->parts[j].name))
				named = false;
		if (!p->name)
			continue;
		int *at = !strcmp(p->name, "sb16") ? &at_sb16 : !strcmp(p->name, "opl3") ? &at_opl3
			: !strcmp(p->name, "isadma") ? &at_dma : !strcmp(p->name, "bios") ? &at_bios
			: !strcmp(p->name, "vga") ? &at_vga : NULL;
		if (at)
			*at = (int)i;
	}
	CHECK(ordered, "phases never go back (chipset, platform, devices, firmware)");
	CHECK(named, "every part has a unique name and a create function");
	CHECK(at_dma >= 0 && at_opl3 >= 0 && at_sb16 > at_dma && at_sb16 > at_opl3,
	      "the SB16 comes after the DMA controller and the OPL3");
	CHECK(at_vga >= 0 && at_bios > at_vga, "the BIOS comes after the card whose ROM it loads");
	CHECK(m->parts[m->n_parts - 1].phase == MACHINE_FIRMWARE, "the firmware comes last");
	CHECK(machine_create_part(m, NULL, "no-such-part") < 0, "an unknown part is refused");
}

int main(void)
{
	test_machine_table();
	struct vm_config cfg;
	vmconfig_defaults(&cfg);
	cfg.memory_mib = 64;
	free(cfg.boot);
	cfg.boot = strdup("dc");
	free(cfg.debugcon);
	cfg.debugcon = strdup("null");
	struct vm *vm = vm_new_test(64, &cfg);
	CHECK(vm != NULL, "test VM created");
	vm->irq_hook = irq_hook;
	vm->n_vcpus = 1;
	const char *devs[] = { "pci", "piix", "fw_cfg", "cmos", "acpi_pm", "debugcon" };
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
		CHECK_EQ(pc_create_part(vm, devs[i]), 0, devs[i]);
	evloop_start_thread(vm->loop);

	/* PCI */
	CHECK_EQ(pci_read(vm, 0x00, 0), 0x12378086, "00:00.0 is the i440FX");
	CHECK_EQ(pci_read(vm, 0x08, 0), 0x70008086, "00:01.0 is the PIIX3 ISA bridge");
	CHECK_EQ(pci_read(vm, 0x0b, 0), 0x71138086, "00:01.3 is the PIIX4 PM function");
	CHECK_EQ(pci_read(vm, 0x10, 0), 0xffffffff, "empty slot reads all ones");
	out(vm, 0xcf8, 0x80010000u, 4);
	CHECK_EQ(in(vm, 0xcfc, 4), 0xffffffff, "bus 1 does not exist");
	CHECK_EQ(in(vm, 0xcf8, 4), 0x80010000u, "0xCF8 reads back");
	pci_write(vm, 0x00, 0x58, 0x11223344);
	CHECK_EQ(pci_read(vm, 0x00, 0x58) >> 8, 0x112233, "PAM0-2 writable");
	CHECK_EQ(pci_read(vm, 0x00, 0x58) & 0xff, 0, "0x58 read-only");
	pci_write(vm, 0x00, 0x00, 0);
	CHECK_EQ(pci_read(vm, 0x00, 0), 0x12378086, "ids are read-only");

	/* PM base programmed like SeaBIOS: PMBASE 0xb000, decode on */
	pci_write(vm, 0x0b, 0x40, 0xb001);
	pci_write(vm, 0x0b, 0x80, 0x01);
	uint32_t t1 = in(vm, 0xb008, 4);
	usleep(2000);
	uint32_t t2 = in(vm, 0xb008, 4);
	CHECK(((t2 - t1) & 0xffffff) >= 7000 && ((t2 - t1) & 0xffffff) < 3579545,
	      "PM timer counts at 3.58 MHz (%u ticks in >=2 ms)", (t2 - t1) & 0xffffff);

	/* fw_cfg: signature, id, file directory with etc/e820 */
	out(vm, 0x510, 0x0000, 2);
	char sig[5] = { 0 };
	for (int i = 0; i < 4; i++)
		sig[i] = in(vm, 0x511, 1);
	CHECK_STR(sig, "QEMU", "fw_cfg signature");
	out(vm, 0x510, 0x0001, 2);
	CHECK_EQ(in(vm, 0x511, 1), 3, "fw_cfg id: traditional + DMA");
	out(vm, 0x510, 0x0019, 2);
	uint8_t dir[4 + 64 * 32];
	for (size_t i = 0; i < sizeof(dir); i++)
		dir[i] = in(vm, 0x511, 1);
	uint32_t nfiles = ld32be(dir);
	int e820_key = -1;
	uint32_t e820_len = 0;
	for (uint32_t i = 0; i < nfiles && i < 32; i++)
		if (!strcmp((char *)dir + 4 + i * 64 + 8, "etc/e820")) {
			e820_key = ld16be(dir + 4 + i * 64 + 4);
			e820_len = ld32be(dir + 4 + i * 64);
		}
	CHECK(e820_key >= 0x20, "etc/e820 in the file directory");
	CHECK_EQ(e820_len, 40, "two e820 entries (RAM, reserved)");
	uint64_t sigv = 0;
	iobus_access(&vm->pio, 0x514, &sigv, 8, false);
	CHECK(!memcmp(&sigv, "QEMU CFG", 8), "DMA register reads \"QEMU CFG\"");
	/* DMA read of the signature into guest memory */
	uint8_t desc[16];
	st32be(desc, 0x0000 << 16 | 0x08 | 0x02);
	st32be(desc + 4, 6);
	st64be(desc + 8, 0x2000);
	vm_write_guest(vm, 0x1000, desc, 16);
	uint32_t lo = __builtin_bswap32(0x1000);
	iobus_access(&vm->pio, 0x518, &lo, 4, true);
	uint8_t got[8] = { 0 }, st[4];
	vm_read_guest(vm, 0x2000, got, 6);
	vm_read_guest(vm, 0x1000, st, 4);
	CHECK(!memcmp(got, "QEMU\0\0", 6), "DMA read, zero-filled past the end");
	CHECK_EQ(ld32be(st), 0, "DMA control cleared on completion");
	st64be(desc + 8, 0x7fffffff0ull); /* outside guest RAM */
	vm_write_guest(vm, 0x1000, desc, 16);
	iobus_access(&vm->pio, 0x518, &lo, 4, true);
	vm_read_guest(vm, 0x1000, st, 4);
	CHECK_EQ(ld32be(st), 1, "DMA to an address outside RAM reports an error");

	/* CMOS */
	CHECK_EQ(cmos(vm, 0x15) | cmos(vm, 0x16) << 8, 640, "base memory 640 KiB");
	CHECK_EQ(cmos(vm, 0x34) | cmos(vm, 0x35) << 8, (64 - 16) * 16, "64 KiB units above 16 MiB");
	CHECK_EQ(cmos(vm, 0x3d), 0x23, "boot='dc' -> CMOS 0x3D = 0x23");
	CHECK_EQ(cmos(vm, 0x0d), 0x80, "register D: valid RAM and time");
	uint8_t sec = cmos(vm, 0x00);
	CHECK((sec & 0xf) <= 9 && (sec >> 4) <= 5, "seconds in BCD (0x%02x)", sec);
	/* binary mode, set a time, read it back */
	out(vm, 0x70, 0x0b, 1);
	out(vm, 0x71, 0x80 | 0x04 | 0x02, 1); /* SET, binary, 24h */
	out(vm, 0x70, 0x04, 1); out(vm, 0x71, 13, 1);
	out(vm, 0x70, 0x02, 1); out(vm, 0x71, 37, 1);
	out(vm, 0x70, 0x09, 1); out(vm, 0x71, 99, 1);
	out(vm, 0x70, 0x0b, 1);
	out(vm, 0x71, 0x04 | 0x02, 1);
	CHECK_EQ(cmos(vm, 0x04), 13, "hour set by the guest sticks");
	CHECK_EQ(cmos(vm, 0x09), 99, "year set by the guest sticks");
	/* periodic interrupt: 1024 Hz for 50 ms */
	cmos(vm, 0x0c);
	int before = irq_edges[8];
	out(vm, 0x70, 0x0a, 1); out(vm, 0x71, 0x26, 1);
	out(vm, 0x70, 0x0b, 1); out(vm, 0x71, 0x40 | 0x02, 1);
	for (int i = 0; i < 50; i++) {
		usleep(1000);
		cmos(vm, 0x0c); /* acknowledge, as an interrupt handler does */
	}
	int n = irq_edges[8] - before;
	CHECK(n >= 10 && n <= 60, "periodic IRQ 8 fires (%d edges in ~50 ms)", n);
	out(vm, 0x70, 0x0b, 1); out(vm, 0x71, 0x02, 1);

	/* ACPI power button raises SCI 9 once the guest enabled it */
	out(vm, 0xb2, 0xf1, 1); /* ACPI_ENABLE */
	out(vm, 0xb002, 0x0100, 2);
	vm->powerdown(vm);
	CHECK_EQ(irq_level[9], 1, "power button raises SCI");
	CHECK(in(vm, 0xb000, 2) & 0x0100, "PWRBTN_STS set");
	out(vm, 0xb000, 0x0100, 2);
	CHECK_EQ(irq_level[9], 0, "write-one-to-clear drops SCI");

	vm_destroy(vm);
	vmconfig_free(&cfg);
	return UNIT_DONE();
}
