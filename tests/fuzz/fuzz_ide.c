/*
 * PIIX3 IDE fed random register sequences: task file, control, data port,
 * bus-master registers, guest memory under PRD tables and ATAPI packets,
 * and media changes in between. A hard disk (hda), a read-only disk (hdb)
 * and a CD (hdc) are attached. Nothing may crash or touch memory outside
 * the VM (ASan/UBSan), and every DMA must finish.
 *
 * Input records: op (1 byte) then arguments:
 *   0x00-0x3F  write port[op & 31] the next byte (data port: next 2 bytes)
 *   0x40-0x7F  read port[op & 31]
 *   0x80-0x9F  write 8 bytes at guest RAM (next 2 bytes * 16) - PRDs, data
 *   0xA0-0xAF  send a 12-byte packet (next 12 bytes) to the selected drive
 *   0xB0-0xBF  media: eject, eject -f, change, guest tray events
 *   others     wait for the DMA workers
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/block.h"
#include "fuzz_image.h"
#include "devices/ide.h"
#include "core/vm.h"
#include "firmware/pc.h"

static struct vm *vm;
static struct vm_config cfg;
static struct fuzz_image img_hd, img_ro, img_cd, img_cd2;

static const uint16_t ports[32] = {
	0x1F0, 0x1F1, 0x1F2, 0x1F3, 0x1F4, 0x1F5, 0x1F6, 0x1F7, 0x3F6,
	0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177, 0x376,
	0xC000, 0xC002, 0xC004, 0xC005, 0xC006, 0xC007,
	0xC008, 0xC00A, 0xC00C, 0xC00D, 0xC00E, 0xC00F, 0xC001, 0xC003,
};

static void irq_sink(struct vm *v, unsigned gsi, int level)
{
	(void)v; (void)gsi; (void)level;
}

static void out(uint16_t port, uint32_t v, unsigned size)
{
	iobus_access(&vm->pio, port, &v, size, true);
}

static void teardown(void)
{
	vm_destroy(vm);
	vm = NULL;
}

static void cleanup(void)
{
	teardown();
	unlink(img_hd.path); unlink(img_ro.path); unlink(img_cd.path); unlink(img_cd2.path);
}

/* A fresh machine and media for every input: findings replay from one file. */
static void setup(void)
{
	if (!img_hd.size) {
		fuzz_image_make(&img_hd, "ide", "hd", 1 << 20, 7);
		fuzz_image_make(&img_ro, "ide", "ro", 64 << 10, 7);
		fuzz_image_make(&img_cd, "ide", "cd", 1 << 20, 7);
		fuzz_image_make(&img_cd2, "ide", "cd2", 100 << 10, 7);
		atexit(cleanup);
	}
	teardown();
	fuzz_image_restore(&img_hd);
	fuzz_image_restore(&img_ro);
	fuzz_image_restore(&img_cd);
	fuzz_image_restore(&img_cd2);
	memset(&cfg, 0, sizeof(cfg));
	cfg.disks[0] = (struct disk_spec){ .present = true, .path = img_hd.path, .index = 0, .kind = DISK_HD };
	cfg.disks[1] = (struct disk_spec){ .present = true, .path = img_ro.path, .index = 1, .kind = DISK_HD,
					   .readonly = true };
	cfg.disks[2] = (struct disk_spec){ .present = true, .path = img_cd.path, .index = 2, .kind = DISK_CDROM,
					   .readonly = true };
	vm = vm_new_test(4, &cfg);
	vm->irq_hook = irq_sink;
	if (pc_create_part(vm, "pci") < 0 || pc_create_part(vm, "ide") < 0)
		abort();
	out(0xCF8, 0x80000920, 4);
	out(0xCFC, 0xC001, 4);
	out(0xCF8, 0x80000904, 4);
	out(0xCFC, 5, 2);
}

static void drain(void)
{
	for (int i = 0; i < 3; i++) {
		struct blockdev *bd = vm_find_block(vm, i == 0 ? "hda" : i == 1 ? "hdb" : "hdc");
		if (bd)
			block_drain(bd);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	char err[256];
	struct blockdev *cd = vm_find_block(vm, "hdc");
	size_t i = 0;
	while (i < size) {
		uint8_t op = data[i++];
		if (op < 0x40) {
			uint16_t port = ports[op & 31];
			if ((port == 0x1F0 || port == 0x170) && i + 2 <= size) {
				out(port, data[i] | data[i + 1] << 8, (op & 0x20) ? 4 : 2);
				i += 2;
			} else if (i < size) {
				out(port, data[i++], 1);
			}
		} else if (op < 0x80) {
			uint32_t v = 0;
			iobus_access(&vm->pio, ports[op & 31], &v, (op & 0x20) ? 4 : (op & 1) + 1, false);
		} else if (op < 0xA0) {
			if (i + 10 > size)
				break;
			uint64_t at = ((uint64_t)(data[i] | data[i + 1] << 8) * 16) % (vm->ram_size - 8);
			vm_write_guest(vm, at, data + i + 2, 8);
			i += 10;
		} else if (op < 0xB0) {
			if (i + 12 > size)
				break;
			uint16_t base = (op & 1) ? 0x170 : 0x1F0;
			out(base + 1, op & 2 ? 1 : 0, 1);
			out(base + 4, data[i], 1);
			out(base + 5, data[i + 1] & 0x3, 1);
			out(base + 7, 0xA0, 1);
			for (int k = 0; k < 12; k += 2)
				out(base, data[i + k] | data[i + k + 1] << 8, 2);
			i += 12;
		} else if (op < 0xC0) {
			switch (op & 7) {
			case 0: block_eject(cd, false, err, sizeof(err)); break;
			case 1: block_eject(cd, true, err, sizeof(err)); break;
			case 2: block_change(cd, img_cd.path, true, err, sizeof(err)); break;
			case 3: block_change(cd, img_cd2.path, true, err, sizeof(err)); break;
			case 4: block_set_tray(cd, true); break;
			case 5: block_set_tray(cd, false); break;
			default: drain(); break;
			}
		} else {
			drain();
		}
	}
	drain();
	return 0;
}
