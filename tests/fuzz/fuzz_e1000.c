/*
 * Any value to any e1000 register, through BAR0 at any width and through
 * the I/O BAR's IOADDR/IODATA, with descriptor rings, descriptors and
 * buffers in guest memory pointing anywhere (inside RAM or not, any
 * length, heads and tails anywhere), and frames of any length arriving
 * from the network: no crash, no access outside guest RAM (AddressSanitizer
 * would see one: guest RAM is a plain mapping here). The card is cut from
 * its back end so that runs repeat.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "core/net.h"
#include "core/util.h"
#include "core/vm.h"
#include "devices/e1000.h"
#include "devices/pci.h"
#include "firmware/pc.h"

#define MMIO 0xFEB00000u
#define IO 0xC100
#define AREA 0x1000       /* where rings, descriptors and buffers live */
#define AREA_LEN 0x10000

static const uint32_t regs[] = {
	E1K_CTRL, E1K_STATUS, E1K_EECD, E1K_EERD, E1K_CTRL_EXT, E1K_MDIC, E1K_ICR, E1K_ITR,
	E1K_ICS, E1K_IMS, E1K_IMC, E1K_RCTL, E1K_TCTL, E1K_RDBAL, E1K_RDBAH, E1K_RDLEN,
	E1K_RDH, E1K_RDT, E1K_RDTR, E1K_RADV, E1K_TDBAL, E1K_TDBAH, E1K_TDLEN, E1K_TDH,
	E1K_TDT, E1K_TIDV, E1K_TADV, E1K_MTA, E1K_MTA + 0x1FC, E1K_RA, E1K_RA + 4, E1K_RA + 0x7C,
	E1K_VFTA, E1K_STATS + ST_GPRC, E1K_STATS + ST_GORCL + 4, E1K_VET, E1K_MANC, E1K_PBA,
	E1K_LEDCTL, E1K_RXCSUM, E1K_TXDCTL, E1K_STATS_END - 4,
};

static void noirq(struct vm *vm, unsigned gsi, int level) { (void)vm; (void)gsi; (void)level; }

static void out(struct vm *vm, uint16_t port, uint32_t v, unsigned size)
{
	iobus_access(&vm->pio, port, &v, size, true);
}

static void wr(struct vm *vm, uint32_t off, uint64_t v, unsigned size)
{
	iobus_access(&vm->mmio, MMIO + off, &v, size, true);
}

static void rd(struct vm *vm, uint32_t off, unsigned size)
{
	uint64_t v = 0;
	iobus_access(&vm->mmio, MMIO + off, &v, size, false);
}

/* Mutated inputs are many and each creates a VM with its NAT thread. */
const long fuzz_max_iters = 4000;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config cfg = { .name = "fuzz", .n_vifs = 1,
				 .vifs = { { .mac = { 0, 0x16, 0x3e, 1, 2, 3 }, .model = "e1000",
					     .type = "ioemu" } } };
	struct vm *vm = vm_new_test(1, &cfg);
	if (!vm)
		return 0;
	vm->irq_hook = noirq;
	pc_create_part(vm, "pci");
	pc_create_part(vm, "e1000");
	struct e1000 *s = vm_lookup(vm, "e1000");
	if (!s) {
		vm_destroy(vm);
		return 0;
	}
	s->port = NULL;   /* frames sent go nowhere; nothing comes from slirp */
	out(vm, 0xCF8, 0x80000000u | (3 << 11) | 0x10, 4);
	out(vm, 0xCFC, MMIO, 4);
	out(vm, 0xCF8, 0x80000000u | (3 << 11) | 0x14, 4);
	out(vm, 0xCFC, IO | 1, 4);
	out(vm, 0xCF8, 0x80000000u | (3 << 11) | 0x04, 4);
	out(vm, 0xCFC, 0x07, 4);
	uint8_t *ram = vm_gpa_to_hva(vm, AREA, AREA_LEN);
	/* a plausible start: both rings of 32 in the area, everything accepted, running */
	wr(vm, E1K_TDBAL, AREA, 4);
	wr(vm, E1K_TDLEN, 512, 4);
	wr(vm, E1K_RDBAL, AREA + 0x800, 4);
	wr(vm, E1K_RDLEN, 512, 4);
	wr(vm, E1K_RDT, 31, 4);
	wr(vm, E1K_RCTL, RCTL_EN | RCTL_UPE | RCTL_MPE | RCTL_BAM, 4);
	wr(vm, E1K_TCTL, TCTL_EN, 4);
	wr(vm, E1K_IMS, 0xFFFFFFFF, 4);

	uint8_t frame[NET_MAX_FRAME + 16];
	for (size_t i = 0; i + 5 < size; i += 6) {
		uint8_t op = data[i];
		uint32_t v = ld32(data + i + 1);
		uint8_t x = data[i + 5];
		uint32_t reg = regs[x % ARRAY_SIZE(regs)];
		switch (op % 12) {
		case 0: wr(vm, reg, v, 4); break;
		case 1: rd(vm, reg, 4); break;
		case 2:           /* a dword anywhere in BAR0, any value */
			wr(vm, ((uint32_t)x << 9 | (v & 0x1FC)) & (E1K_MMIO_SIZE - 4), v, 4);
			break;
		case 3: {         /* narrow or wide, misaligned, either way */
			unsigned sz = 1u << ((op >> 4) & 3), off = reg + ((op >> 6) & 3);
			if (op & 0x40)
				rd(vm, off, sz);
			else
				wr(vm, off, (uint64_t)v << 32 | v, sz);
			break;
		}
		case 4: case 5:   /* a dword anywhere in the area: any value */
			st32(ram + (((op >> 4) << 8 | x) * 4) % AREA_LEN, v);
			break;
		case 6:           /* a dword: a pointer into the area */
			st32(ram + (((op >> 4) << 8 | x) * 4) % AREA_LEN, AREA + v % AREA_LEN);
			break;
		case 7: {         /* a descriptor: its buffer in the area, its second half from v */
			uint8_t *d = ram + ((op >> 4) * 16 + x * 16) % AREA_LEN;
			if (d + 16 <= ram + AREA_LEN) {
				st64(d, AREA + (uint64_t)(x * 64) % AREA_LEN);
				st32(d + 8, v);
				st32(d + 12, (uint32_t)x << 8 | op);
			}
			break;
		}
		case 8: {         /* a frame from the network, its length from v */
			size_t len = v % (sizeof(frame));
			for (size_t k = 0; k < len; k++)
				frame[k] = data[(i + k) % size];
			if (x & 1)
				memcpy(frame, "\x00\x16\x3e\x01\x02\x03", 6);
			else if (x & 2)
				memset(frame, 0xFF, 6);
			e1000_receive(s, frame, len);
			break;
		}
		case 9:           /* the I/O window */
			if (op & 0x10) {
				out(vm, IO, reg + (v & 3), 4);
			} else if (op & 0x20) {
				uint32_t r = 0;
				iobus_access(&vm->pio, IO + (x & 0x3F), &r, 1u << ((op >> 6) % 3), false);
			} else {
				out(vm, IO + 4 + (x & 3), v, 1u << ((op >> 6) % 3));
			}
			break;
		case 10:          /* rings in the area, lengths and a kick */
			wr(vm, E1K_TDBAL, AREA + (v & 0xFFF0) % AREA_LEN, 4);
			wr(vm, E1K_RDBAL, AREA + ((v >> 16) & 0xFFF0) % AREA_LEN, 4);
			wr(vm, E1K_TDLEN, (uint32_t)(x + 1) * 128, 4);
			wr(vm, E1K_RDLEN, (uint32_t)((op >> 4) + 1) * 128, 4);
			wr(vm, E1K_TDT, x, 4);
			break;
		case 11:          /* the cable */
			e1000_set_link(s, op & 0x10);
			break;
		}
	}
	vm_destroy(vm);
	return 0;
}
