/*
 * Random UHCI register writes and random schedules in guest memory (frame
 * list, queue heads and TDs pointing anywhere, inside RAM or not), with
 * frames run and HID events injected: no crash, no access outside RAM
 * (AddressSanitizer would see one: guest RAM is a plain mapping here).
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "core/util.h"
#include "core/vm.h"
#include "devices/pci.h"
#include "devices/uhci.h"
#include "core/host/input.h"
#include "firmware/pc.h"

#define IO 0xC000
#define AREA 0x1000       /* where the frame list and descriptors live */
#define AREA_LEN 0x3000

static void noirq(struct vm *vm, unsigned gsi, int level) { (void)vm; (void)gsi; (void)level; }

static void out(struct vm *vm, uint16_t port, uint32_t v, unsigned size)
{
	iobus_access(&vm->pio, port, &v, size, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config cfg = { .name = "fuzz", .usb = true, .n_usbdevice = 2,
				 .usbdevice = { "tablet", "keyboard" } };
	struct vm *vm = vm_new_test(1, &cfg);
	if (!vm)
		return 0;
	vm->irq_hook = noirq;
	pc_create_part(vm, "pci");
	pc_create_part(vm, "uhci");
	struct uhci *u = vm_lookup(vm, "uhci");
	if (!u) {
		vm_destroy(vm);
		return 0;
	}
	out(vm, 0xCF8, 0x80000000u | (1 << 11) | (2 << 8) | 0x20, 4);
	out(vm, 0xCFC, IO | 1, 4);
	out(vm, 0xCF8, 0x80000000u | (1 << 11) | (2 << 8) | 0x04, 4);
	out(vm, 0xCFC, 0x05, 4);
	uint8_t *ram = vm_gpa_to_hva(vm, AREA, AREA_LEN);
	/* a plausible start: ports enabled, frame list in the area, running */
	out(vm, IO + 0x10, 0x0004, 2);
	out(vm, IO + 0x12, 0x0004, 2);
	out(vm, IO + 0x08, AREA, 4);
	out(vm, IO + 0x04, 0x0F, 2);
	out(vm, IO + 0x00, 0x0001, 2);

	for (size_t i = 0; i + 5 < size; i += 6) {
		uint8_t op = data[i];
		uint32_t v = ld32(data + i + 1);
		uint8_t x = data[i + 5];
		switch (op % 10) {
		case 0: out(vm, IO + (x & 0x1F), v, 2); break;
		case 1: out(vm, IO + (x & 0x1C), v, 4); break;
		case 2: out(vm, IO + (x & 0x1F), v, 1); break;
		case 3: { uint32_t r; iobus_access(&vm->pio, IO + (x & 0x1F), &r, 1 << (x >> 6 & 1), false); break; }
		case 4: case 5:   /* a dword anywhere in the area: any value */
			st32(ram + (((op >> 4) << 8 | x) * 4) % AREA_LEN, v);
			break;
		case 6: case 7:   /* a dword in the area: a pointer into the area, flag bits from v */
			st32(ram + (((op >> 4) << 8 | x) * 4) % AREA_LEN,
			     ((AREA + (v >> 4) % AREA_LEN) & ~0xFu) | (v & 0xF));
			break;
		case 8:
			uhci_run_frames(u, 1 + (x & 3));
			break;
		case 9:
			if (x & 1)
				input_pointer_abs(vm, v & 0x3FF, (v >> 10) & 0x3FF, 1024, 768, 0, x >> 3);
			else
				input_key(vm, (v & 0x7F) | (x & 2 ? 0xE000 : 0), x & 4);
			break;
		}
	}
	uhci_run_frames(u, 2);
	vm_destroy(vm);
	return 0;
}
