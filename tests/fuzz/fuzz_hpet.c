/*
 * Fuzz the HPET (devices/hpet.c): reads and writes of any size at any
 * offset of its 1 KiB (across register ends too), the guest clock moved
 * by random amounts, the host timer's callback. Besides sanitizer findings,
 * abort on an interrupt outside GSIs 0-23, a level other than 0/1, or a
 * line still held high after the block was halted (2.3.5).
 *
 * Input: records of 3 bytes, op (bits 0-1 size 1/2/4/8, bit 2 write,
 * bit 3 poll the timers, bits 4-7 clock step 2^n ns), offset (2 bytes,
 * low 10 bits), then for writes the value (size bytes, little-endian).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/hpet.h"
#include "core/iobus.h"
#include "core/vm.h"
#include "core/vmconfig.h"
#include "firmware/pc.h"

static uint64_t now_ns;
static int level[24];

static uint64_t clock_hook(struct vm *vm)
{
	(void)vm;
	return now_ns;
}

static void require(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_hpet: %s\n", what);
		abort();
	}
}

static void irq_hook(struct vm *vm, unsigned gsi, int lvl)
{
	(void)vm;
	require(gsi < 24, "interrupt outside GSIs 0-23");
	require(lvl == 0 || lvl == 1, "interrupt level not 0 or 1");
	level[gsi] = lvl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config cfg;
	vmconfig_defaults(&cfg);
	cfg.vnc = cfg.sdl = false;
	cfg.hpet = true;
	struct vm *vm = vm_new_test(1, &cfg);
	if (!vm)
		abort();
	memset(level, 0, sizeof(level));
	now_ns = 1000000000;
	vm->irq_hook = irq_hook;
	vm->clock_hook = clock_hook;
	if (pc_create_part(vm, "cmos") < 0 || pc_create_part(vm, "hpet") < 0)
		abort();

	size_t i = 0;
	while (i + 3 <= size) {
		uint8_t op = data[i];
		unsigned off = (data[i + 1] | data[i + 2] << 8) & 0x3FF;
		unsigned sz = 1u << (op & 3);
		i += 3;
		now_ns += 1ull << (op >> 4) << (op >> 4 > 12 ? 12 : 0);
		uint64_t v = 0;
		if (op & 4) {
			for (unsigned b = 0; b < sz && i < size; b++)
				v |= (uint64_t)data[i++] << (8 * b);
			iobus_access(&vm->mmio, HPET_BASE + off, &v, sz, true);
			uint64_t cfgreg = 0;
			iobus_access(&vm->mmio, HPET_BASE + 0x10, &cfgreg, 8, false);
			if (!(cfgreg & 1))
				for (unsigned g = 0; g < 24; g++)
					require(!level[g], "a line held high while the block is halted");
		} else {
			iobus_access(&vm->mmio, HPET_BASE + off, &v, sz, false);
			if (off == 0 && sz >= 4)
				require((v & 0xFFFFFFFF) == 0x8086A201, "capabilities changed");
		}
		if (op & 8)
			hpet_poll(vm);
	}
	vm_destroy(vm);
	vmconfig_free(&cfg);
	return 0;
}
