/*
 * Any value to any RTL8139 register, at any width, with descriptors and
 * rings in guest memory pointing anywhere (inside RAM or not, any length),
 * and frames of any length arriving from the network: no crash, no access
 * outside guest RAM (AddressSanitizer would see one: guest RAM is a plain
 * mapping here). The card is cut from its back end so that runs repeat.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "core/net.h"
#include "core/util.h"
#include "core/vm.h"
#include "devices/pci.h"
#include "devices/rtl8139.h"
#include "firmware/pc.h"

#define IO 0xC100
#define AREA 0x1000       /* where rings, descriptors and buffers live */
#define AREA_LEN 0x10000

static void noirq(struct vm *vm, unsigned gsi, int level) { (void)vm; (void)gsi; (void)level; }

static void out(struct vm *vm, uint16_t port, uint32_t v, unsigned size)
{
	iobus_access(&vm->pio, port, &v, size, true);
}

/* Mutated inputs are many and each creates a VM with its NAT thread. */
const long fuzz_max_iters = 4000;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config cfg = { .name = "fuzz", .n_vifs = 1,
				 .vifs = { { .mac = { 0, 0x16, 0x3e, 1, 2, 3 }, .model = "rtl8139",
					     .type = "ioemu" } } };
	struct vm *vm = vm_new_test(1, &cfg);
	if (!vm)
		return 0;
	vm->irq_hook = noirq;
	pc_create_part(vm, "pci");
	pc_create_part(vm, "rtl8139");
	struct rtl8139 *s = vm_lookup(vm, "rtl8139");
	if (!s) {
		vm_destroy(vm);
		return 0;
	}
	s->port = NULL;   /* frames sent go nowhere; nothing comes from slirp */
	out(vm, 0xCF8, 0x80000000u | (3 << 11) | 0x10, 4);
	out(vm, 0xCFC, IO | 1, 4);
	out(vm, 0xCF8, 0x80000000u | (3 << 11) | 0x04, 4);
	out(vm, 0xCFC, 0x07, 4);
	uint8_t *ram = vm_gpa_to_hva(vm, AREA, AREA_LEN);
	/* a plausible start: the ring in the area, everything accepted, running */
	out(vm, IO + RTL_RBSTART, AREA, 4);
	out(vm, IO + RTL_RCR, 0x8F, 4);
	out(vm, IO + RTL_IMR, 0xFFFF, 2);
	out(vm, IO + RTL_CR, CR_RE | CR_TE, 1);

	uint8_t frame[NET_MAX_FRAME + 16];
	for (size_t i = 0; i + 5 < size; i += 6) {
		uint8_t op = data[i];
		uint32_t v = ld32(data + i + 1);
		uint8_t x = data[i + 5];
		switch (op % 10) {
		case 0: out(vm, IO + x, v, 1); break;
		case 1: out(vm, IO + (x & 0xFE), v, 2); break;
		case 2: out(vm, IO + (x & 0xFC), v, 4); break;
		case 3: { uint64_t r; iobus_access(&vm->pio, IO + x, &r, 1u << ((op >> 6) % 3), false); break; }
		case 4: case 5:   /* a dword anywhere in the area: any value */
			st32(ram + (((op >> 4) << 8 | x) * 4) % AREA_LEN, v);
			break;
		case 6:           /* a dword: a pointer into the area */
			st32(ram + (((op >> 4) << 8 | x) * 4) % AREA_LEN, AREA + v % AREA_LEN);
			break;
		case 7: {         /* a C+ descriptor: owned, flags and length from v */
			uint8_t *d = ram + ((op >> 4) * 16 + x * 16) % AREA_LEN;
			if (d + 16 <= ram + AREA_LEN) {
				st32(d, 0x80000000u | (v & 0x7FFFFFFFu));
				st64(d + 8, AREA + (uint64_t)(x * 64) % AREA_LEN);
			}
			break;
		}
		case 8: {         /* a frame from the network, its length from v */
			size_t len = v % (sizeof(frame));
			for (size_t k = 0; k < len; k++)
				frame[k] = data[(i + k) % size];
			if (x & 1)
				memcpy(frame, s->mac, 6);
			else if (x & 2)
				memset(frame, 0xFF, 6);
			rtl8139_receive(s, frame, len);
			break;
		}
		case 9:           /* C+ mode on, its rings in the area, a transmit poll */
			out(vm, IO + RTL_CPCR, 3, 2);
			out(vm, IO + RTL_RDSAR, AREA + (v & 0xFFF0) % AREA_LEN, 4);
			out(vm, IO + RTL_TSAD0, AREA + ((v >> 16) & 0xFFF0) % AREA_LEN, 4);
			out(vm, IO + RTL_TPPOLL, 0x40, 1);
			break;
		}
	}
	vm_destroy(vm);
	return 0;
}
