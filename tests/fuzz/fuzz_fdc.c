/*
 * Floppy controller and ISA DMA fed random sequences: FDC registers, command
 * bytes, DMA programming (any address, count, mode, page), guest memory for
 * FORMAT TRACK ID lists, and media changes. Drives: a 1.44M A: and a
 * read-only odd-sized B:. Nothing may crash or touch memory outside the VM.
 *
 * Input records: op (1 byte) then arguments:
 *   0x00-0x7F  write port[op & 15] the next byte
 *   0x80-0xBF  read port[op & 15]
 *   0xC0-0xDF  write 8 bytes at guest RAM (next 2 bytes * 16)
 *   0xE0-0xFF  media: eject, change, insert the odd image
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/block.h"
#include "fuzz_image.h"
#include "core/vm.h"
#include "firmware/pc.h"

static struct vm *vm;
static struct vm_config cfg;
static struct fuzz_image img_a, img_b;

static const uint16_t ports[16] = {
	0x3F2, 0x3F4, 0x3F5, 0x3F5, 0x3F5, 0x3F7, 0x3F0, 0x3F3,
	0x04, 0x05, 0x81, 0x0A, 0x0B, 0x0C, 0x08, 0x0D,
};

static void irq_sink(struct vm *v, unsigned gsi, int level)
{
	(void)v; (void)gsi; (void)level;
}

/* ~10 ms an input (a fresh machine, media written back after writes) */
const long fuzz_max_iters = 4000;

static void teardown(void)
{
	vm_destroy(vm);
	vm = NULL;
}

static void cleanup(void)
{
	teardown();
	unlink(img_a.path);
	unlink(img_b.path);
}

/* A fresh machine and media for every input: findings replay from one file. */
static void setup(void)
{
	if (!img_a.size) {
		fuzz_image_make(&img_a, "fdc", "a", 1474560, 13);
		fuzz_image_make(&img_b, "fdc", "b", 1296384, 13);
		atexit(cleanup);
	}
	teardown();
	fuzz_image_restore(&img_a);
	fuzz_image_restore(&img_b);
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd[0] = (struct floppy_spec){ .path = img_a.path };
	cfg.fd[1] = (struct floppy_spec){ .path = img_b.path, .readonly = true };
	vm = vm_new_test(4, &cfg);
	vm->irq_hook = irq_sink;
	if (pc_create_part(vm, "isadma") < 0 || pc_create_part(vm, "fdc") < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	char err[256];
	struct blockdev *a = vm_find_block(vm, "fda");
	size_t i = 0;
	while (i < size) {
		uint8_t op = data[i++];
		if (op < 0x80) {
			if (i >= size)
				break;
			uint32_t v = data[i++];
			iobus_access(&vm->pio, ports[op & 15], &v, 1, true);
		} else if (op < 0xC0) {
			uint32_t v = 0;
			iobus_access(&vm->pio, ports[op & 15], &v, 1, false);
		} else if (op < 0xE0) {
			if (i + 10 > size)
				break;
			uint64_t at = ((uint64_t)(data[i] | data[i + 1] << 8) * 16) % (vm->ram_size - 8);
			vm_write_guest(vm, at, data + i + 2, 8);
			i += 10;
		} else {
			switch (op & 3) {
			case 0: block_eject(a, false, err, sizeof(err)); break;
			case 1: block_change(a, img_a.path, false, err, sizeof(err)); break;
			case 2: block_change(a, img_b.path, true, err, sizeof(err)); break;
			default: block_eject(a, true, err, sizeof(err)); break;
			}
		}
	}
	return 0;
}
