/*
 * Fuzz target for the VGA card: the input is a program of port writes and
 * reads (0x3B0-0x3DF, DISPI 0x1CE/0x1CF, 8 and 16 bits), accesses to the
 * 0xA0000-0xBFFFF window and display refreshes, run on one KVM-less VM with
 * the card reset between inputs. Any sequence must leave the process intact
 * (ASan/UBSan watch every video-memory and surface access).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/host/display.h"
#include "devices/vga.h"
#include "core/vm.h"
#include "core/vmconfig.h"
#include "firmware/pc.h"

static struct vm *vm;
static struct vm_config cfg;

/* ~3 ms an input (a fresh card and its video memory for each) */
const long fuzz_max_iters = 8000;

static void teardown(void)
{
	vm_destroy(vm);
	vmconfig_free(&cfg);
	vm = NULL;
}

/* A fresh card for every input: a finding replays from its file alone. */
static void setup(void)
{
	static bool registered;
	if (!registered)
		atexit(teardown);
	registered = true;
	if (vm)
		teardown();
	vmconfig_defaults(&cfg);
	cfg.vnc = false;
	vm = vm_new_test(1, &cfg);
	if (!vm || pc_create_part(vm, "vga") < 0) {
		fprintf(stderr, "fuzz_vga: cannot create the card\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	struct vga *v = vm_lookup(vm, "vga");
	vga_regs_reset(v);
	size_t i = 0;
	unsigned refreshes = 0;
	while (i + 4 <= size) {
		uint8_t op = data[i] & 7;
		uint16_t sel = data[i + 1];
		uint64_t val = data[i + 2] | (uint64_t)data[i + 3] << 8;
		i += 4;
		uint16_t port = sel < 0xF0 ? 0x3B0 + sel % 0x30 : 0x1CE + (sel & 1);
		uint32_t addr = 0xA0000 + ((uint32_t)sel << 9 | (uint32_t)(val & 0x1FF));
		switch (op) {
		case 0: iobus_access(&vm->pio, port, &val, 1, true); break;
		case 1: iobus_access(&vm->pio, port, &val, 2, true); break;
		case 2: iobus_access(&vm->pio, port, &val, (sel & 1) ? 2 : 1, false); break;
		case 3: iobus_access(&vm->mmio, addr, &val, 1 << (data[i - 1] & 3), true); break;
		case 4: iobus_access(&vm->mmio, addr, &val, 1 << (data[i - 1] & 3), false); break;
		case 5:
			/* DISPI index + data in one go, as drivers do */
			val = sel % 16;
			iobus_access(&vm->pio, 0x1CE, &val, 2, true);
			val = data[i - 2] | (uint64_t)data[i - 1] << 8;
			iobus_access(&vm->pio, 0x1CF, &val, 2, true);
			break;
		default:
			if (refreshes++ < 1)
				display_refresh(vm->display);
			break;
		}
	}
	display_refresh(vm->display);
	char buf[64];
	display_text(vm->display, buf, sizeof(buf));
	return 0;
}
