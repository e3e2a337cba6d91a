/*
 * Port-I/O dispatch fed random port/size/value sequences, with every device
 * of the machine table created on a KVM-less VM: no sequence may crash,
 * hang or touch memory outside the VM (ASan/UBSan watch).
 *
 * Input: records of 4 bytes: port (2, but confined to interesting ranges
 * by the top bits), size/direction (1), value (1, repeated to the size).
 * Flag 0x10 of the size byte makes the record a PCI configuration address
 * (0xCF8 <- 0x80000000 | byte0 << 8 | value & 0xFC), so that inputs can
 * reach every function's registers, BARs and command register.
 * The record 'R' 'P' 0x20 n repeats the two records before it (n + 1) * 1024
 * times, at most 2^21 accesses an input (a magic, so that random inputs
 * stay fast): a guest toggling BAR decoding in a loop
 * (regress/pio/bar-toggle-ide) must leave memory flat (issue #18).
 * Each input runs on a freshly built machine: a finding replays from its file.
 */
#include <stdlib.h>
#include <string.h>

#include "core/iobus.h"
#include "core/vm.h"
#include "core/vmconfig.h"
#include "firmware/pc.h"

static struct vm *vm;
static struct vm_config cfg;

static void irq_sink(struct vm *v, unsigned gsi, int level)
{
	(void)v;
	(void)gsi;
	(void)level;
}

static void teardown(void)
{
	vm_destroy(vm);
	vmconfig_free(&cfg);
	vm = NULL;
}

static void setup(void)
{
	static bool registered;
	if (!registered)
		atexit(teardown);
	registered = true;
	if (vm)
		teardown();
	vmconfig_defaults(&cfg);
	cfg.vnc = cfg.sdl = false;
	cfg.gameport = true; /* the game port at 0x201 joins in */
	free(cfg.debugcon);
	cfg.debugcon = strdup("null");
	free(cfg.audio);
	cfg.audio = strdup("none");
	vm = vm_new_test(32, &cfg);
	vm->irq_hook = irq_sink;
	/* every part of the PC (those that need a real KVM refuse or stay idle) */
	for (unsigned i = 0; i < machine_pc.n_parts; i++)
		machine_pc.parts[i].create(vm);
}

/* One 4-byte record (see the top of the file). */
static void record(const uint8_t *d)
{
	/* ports that matter most: the PC's fixed devices */
	static const uint16_t bases[] = { 0x510, 0x70, 0xcf8, 0x600, 0xb2, 0x402, 0x3f8, 0x60 };
	uint16_t port = d[0] | d[1] << 8;
	if (d[1] & 0x80)
		port = bases[d[1] & 7] + (d[0] & 0xf);
	unsigned sz = 1u << (d[2] & 3);
	if (sz == 8)
		sz = 4;
	bool wr = d[2] & 4;
	uint32_t v = d[3] * 0x01010101u;
	if (d[2] & 8)
		v = d[3] | (uint32_t)d[0] << 8 | 0x80000000u; /* PCI address-like */
	if (d[2] & 0x10) {
		port = 0xcf8;
		sz = 4;
		wr = true;
		v = 0x80000000u | (uint32_t)d[0] << 8 | (d[3] & 0xfc);
	}
	iobus_access(&vm->pio, port, &v, sz, wr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	unsigned long budget = 1ul << 21;
	for (size_t i = 0; i + 4 <= size; i += 4) {
		if (data[i] == 'R' && data[i + 1] == 'P' && data[i + 2] == 0x20 && i >= 8) {
			unsigned long reps = (data[i + 3] + 1ul) * 1024;
			for (unsigned long r = 0; r < reps && budget >= 2; r++, budget -= 2) {
				record(data + i - 8);
				record(data + i - 4);
			}
			continue;
		}
		record(data + i);
	}
	return 0;
}
