/* The core chipset through its ports: PCI config, fw_cfg, CMOS/RTC, ACPI PM, reset register. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"

static uint8_t cmos(struct vm *vm, unsigned reg)
{
	unit_outb(vm, 0x70, (uint8_t)reg);
	return unit_inb(vm, 0x71);
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
	struct vm *vm = unit_vm_new(64, &cfg, NULL);
	CHECK(vm != NULL, "test VM created");
	vm->n_vcpus = 1;
	const char *devs[] = { "pci", "piix", "fw_cfg", "cmos", "acpi_pm", "debugcon" };
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
		CHECK_EQ(pc_create_part(vm, devs[i]), 0, devs[i]);
	evloop_start_thread(vm->loop);

	/* PCI */
	CHECK_EQ(unit_pci_read(vm, 0, 0, 0, 4), 0x12378086, "00:00.0 is the i440FX");
	CHECK_EQ(unit_pci_read(vm, 1, 0, 0, 4), 0x70008086, "00:01.0 is the PIIX3 ISA bridge");
	CHECK_EQ(unit_pci_read(vm, 1, 3, 0, 4), 0x71138086, "00:01.3 is the PIIX4 PM function");
	CHECK_EQ(unit_pci_read(vm, 2, 0, 0, 4), 0xffffffff, "empty slot reads all ones");
	unit_outl(vm, 0xcf8, 0x80010000u);
	CHECK_EQ(unit_inl(vm, 0xcfc), 0xffffffff, "bus 1 does not exist");
	CHECK_EQ(unit_inl(vm, 0xcf8), 0x80010000u, "0xCF8 reads back");
	unit_pci_write(vm, 0, 0, 0x58, 0x11223344, 4);
	CHECK_EQ(unit_pci_read(vm, 0, 0, 0x58, 4) >> 8, 0x112233, "PAM0-2 writable");
	CHECK_EQ(unit_pci_read(vm, 0, 0, 0x58, 4) & 0xff, 0, "0x58 read-only");
	unit_pci_write(vm, 0, 0, 0x00, 0, 4);
	CHECK_EQ(unit_pci_read(vm, 0, 0, 0, 4), 0x12378086, "ids are read-only");

	/* PM base programmed like SeaBIOS: PMBASE 0xb000, decode on */
	unit_pci_write(vm, 1, 3, 0x40, 0xb001, 4);
	unit_pci_write(vm, 1, 3, 0x80, 0x01, 4);
	uint32_t t1 = unit_inl(vm, 0xb008);
	usleep(2000);
	uint32_t t2 = unit_inl(vm, 0xb008);
	CHECK(((t2 - t1) & 0xffffff) >= 7000 && ((t2 - t1) & 0xffffff) < 3579545,
	      "PM timer counts at 3.58 MHz (%u ticks in >=2 ms)", (t2 - t1) & 0xffffff);

	/* fw_cfg: signature, id, file directory with etc/e820 */
	unit_outw(vm, 0x510, 0x0000);
	char sig[5] = { 0 };
	for (int i = 0; i < 4; i++)
		sig[i] = unit_inb(vm, 0x511);
	CHECK_STR(sig, "QEMU", "fw_cfg signature");
	unit_outw(vm, 0x510, 0x0001);
	CHECK_EQ(unit_inb(vm, 0x511), 3, "fw_cfg id: traditional + DMA");
	unit_outw(vm, 0x510, 0x0019);
	uint8_t dir[4 + 64 * 32];
	for (size_t i = 0; i < sizeof(dir); i++)
		dir[i] = unit_inb(vm, 0x511);
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
	iobus_access(&vm->pio, 0x514, &sigv, 8, false); /* all 8 bytes: wider than unit_in */
	CHECK(!memcmp(&sigv, "QEMU CFG", 8), "DMA register reads \"QEMU CFG\"");
	/* DMA read of the signature into guest memory */
	uint8_t desc[16];
	st32be(desc, 0x0000 << 16 | 0x08 | 0x02);
	st32be(desc + 4, 6);
	st64be(desc + 8, 0x2000);
	vm_write_guest(vm, 0x1000, desc, 16);
	uint32_t lo = __builtin_bswap32(0x1000);
	unit_outl(vm, 0x518, lo);
	uint8_t got[8] = { 0 }, st[4];
	vm_read_guest(vm, 0x2000, got, 6);
	vm_read_guest(vm, 0x1000, st, 4);
	CHECK(!memcmp(got, "QEMU\0\0", 6), "DMA read, zero-filled past the end");
	CHECK_EQ(ld32be(st), 0, "DMA control cleared on completion");
	st64be(desc + 8, 0x7fffffff0ull); /* outside guest RAM */
	vm_write_guest(vm, 0x1000, desc, 16);
	unit_outl(vm, 0x518, lo);
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
	unit_outb(vm, 0x70, 0x0b);
	unit_outb(vm, 0x71, 0x80 | 0x04 | 0x02); /* SET, binary, 24h */
	unit_outb(vm, 0x70, 0x04); unit_outb(vm, 0x71, 13);
	unit_outb(vm, 0x70, 0x02); unit_outb(vm, 0x71, 37);
	unit_outb(vm, 0x70, 0x09); unit_outb(vm, 0x71, 99);
	unit_outb(vm, 0x70, 0x0b);
	unit_outb(vm, 0x71, 0x04 | 0x02);
	CHECK_EQ(cmos(vm, 0x04), 13, "hour set by the guest sticks");
	CHECK_EQ(cmos(vm, 0x09), 99, "year set by the guest sticks");
	/* periodic interrupt: 1024 Hz for 50 ms */
	cmos(vm, 0x0c);
	unsigned before = unit_irqs.rises[8];
	unit_outb(vm, 0x70, 0x0a); unit_outb(vm, 0x71, 0x26);
	unit_outb(vm, 0x70, 0x0b); unit_outb(vm, 0x71, 0x40 | 0x02);
	for (int i = 0; i < 50; i++) {
		usleep(1000);
		cmos(vm, 0x0c); /* acknowledge, as an interrupt handler does */
	}
	int n = (int)(unit_irqs.rises[8] - before);
	CHECK(n >= 10 && n <= 60, "periodic IRQ 8 fires (%d edges in ~50 ms)", n);
	unit_outb(vm, 0x70, 0x0b); unit_outb(vm, 0x71, 0x02);

	/* ACPI power button raises SCI 9 once the guest enabled it */
	unit_outb(vm, 0xb2, 0xf1); /* ACPI_ENABLE */
	unit_outw(vm, 0xb002, 0x0100);
	vm->powerdown(vm);
	CHECK_EQ(unit_irqs.level[9], 1, "power button raises SCI");
	CHECK(unit_inw(vm, 0xb000) & 0x0100, "PWRBTN_STS set");
	unit_outw(vm, 0xb000, 0x0100);
	CHECK_EQ(unit_irqs.level[9], 0, "write-one-to-clear drops SCI");

	vm_destroy(vm);
	vmconfig_free(&cfg);
	return UNIT_DONE();
}
