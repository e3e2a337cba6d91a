/*
 * Any value to any of the NE2000's ports (both front ends: the ne2k_pci's
 * I/O BAR and the ne2k_isa's 0x300), at any width, long remote DMA bursts
 * through the data port with any RSAR/RBCR, any PSTART/PSTOP/BNRY/CURR, and
 * frames of any length arriving from the network: no crash, no access
 * outside the card's 16 KiB and PROM (AddressSanitizer would see one; the
 * buffer lies inside the card's state, between other fields). The cards
 * are cut from their back ends so that runs repeat.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "core/net.h"
#include "core/util.h"
#include "core/vm.h"
#include "devices/ne2000.h"
#include "devices/pci.h"
#include "firmware/pc.h"

#define PCI_IO 0xC100
#define ISA_IO 0x300

static void noirq(struct vm *vm, unsigned gsi, int level) { (void)vm; (void)gsi; (void)level; }

static void out(struct vm *vm, uint16_t port, uint32_t v, unsigned size)
{
	iobus_access(&vm->pio, port, &v, size, true);
}

static uint32_t in(struct vm *vm, uint16_t port, unsigned size)
{
	uint32_t v = 0;
	iobus_access(&vm->pio, port, &v, size, false);
	return v;
}

/* Mutated inputs are many and each creates a VM with two NAT threads. */
const long fuzz_max_iters = 4000;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config cfg = { .name = "fuzz", .n_vifs = 2,
				 .vifs = { { .mac = { 0, 0x16, 0x3e, 1, 2, 3 }, .model = "ne2k_pci",
					     .type = "ioemu" },
					   { .mac = { 0, 0x16, 0x3e, 1, 2, 4 }, .model = "ne2k_isa",
					     .type = "ioemu", .io = ISA_IO, .irq = 9 } } };
	struct vm *vm = vm_new_test(1, &cfg);
	if (!vm)
		return 0;
	vm->irq_hook = noirq;
	pc_create_part(vm, "pci");
	pc_create_part(vm, "ne2k");
	struct ne2000 *card[2] = { vm_lookup(vm, "ne2k_pci"), vm_lookup(vm, "ne2k_isa") };
	if (!card[0] || !card[1]) {
		vm_destroy(vm);
		return 0;
	}
	card[0]->port = card[1]->port = NULL;   /* frames sent go nowhere */
	out(vm, 0xCF8, 0x80000000u | (3 << 11) | 0x10, 4);
	out(vm, 0xCFC, PCI_IO | 1, 4);
	out(vm, 0xCF8, 0x80000000u | (3 << 11) | 0x04, 4);
	out(vm, 0xCFC, 0x07, 4);
	const uint16_t io[2] = { PCI_IO, ISA_IO };
	/* a plausible start on both: a ring, everything accepted, running */
	for (int c = 0; c < 2; c++) {
		out(vm, io[c] + EN0_DCR, 0x49, 1);
		out(vm, io[c] + EN0_PSTART, 0x46, 1);
		out(vm, io[c] + EN0_PSTOP, 0x80, 1);
		out(vm, io[c] + EN0_BNRY, 0x7F, 1);
		out(vm, io[c] + EN0_RCR, RCR_AB | RCR_AM | RCR_PRO, 1);
		out(vm, io[c] + EN0_IMR, 0x7F, 1);
		out(vm, io[c] + EN_CR, CR_STA | CR_RD_ABORT, 1);
	}

	uint8_t frame[NET_MAX_FRAME + 16];
	for (size_t i = 0; i + 5 < size; i += 6) {
		uint8_t op = data[i];
		uint32_t v = ld32(data + i + 1);
		uint8_t x = data[i + 5];
		int c = op >> 7;
		uint16_t port = (uint16_t)(io[c] + (x & (c ? 0x1F : 0xFF)));
		switch (op % 8) {
		case 0: out(vm, port, v, 1); break;
		case 1: out(vm, port & ~1u, v, 2); break;
		case 2: out(vm, port & ~3u, v, 4); break;
		case 3: in(vm, port, 1u << ((op >> 3) % 3)); break;
		case 4: {         /* a remote write burst: RSAR and RBCR from v */
			out(vm, io[c] + EN0_RSAR0, v & 0xFF, 1);
			out(vm, io[c] + EN0_RSAR1, (v >> 8) & 0xFF, 1);
			out(vm, io[c] + EN0_RBCR0, (v >> 16) & 0xFF, 1);
			out(vm, io[c] + EN0_RBCR1, v >> 24, 1);
			out(vm, io[c] + EN_CR, CR_RD_WRITE | CR_STA, 1);
			for (unsigned k = 0; k < 4u * x; k++)
				out(vm, io[c] + NE_DATA, v ^ k, 1u << ((op >> 3) % 3));
			break;
		}
		case 5:           /* a remote read burst */
			out(vm, io[c] + EN0_RSAR0, v & 0xFF, 1);
			out(vm, io[c] + EN0_RSAR1, (v >> 8) & 0xFF, 1);
			out(vm, io[c] + EN0_RBCR0, (v >> 16) & 0xFF, 1);
			out(vm, io[c] + EN0_RBCR1, v >> 24, 1);
			out(vm, io[c] + EN_CR, CR_RD_READ | CR_STA, 1);
			for (unsigned k = 0; k < 4u * x; k++)
				in(vm, io[c] + NE_DATA, 1u << ((op >> 3) % 3));
			break;
		case 6: {         /* a frame from the network, its length from v */
			size_t len = v % sizeof(frame);
			for (size_t k = 0; k < len; k++)
				frame[k] = data[(i + k) % size];
			if (x & 1)
				memcpy(frame, card[c]->par, 6 < len ? 6 : len);
			ne2000_receive(card[c], frame, len);
			break;
		}
		case 7:           /* the ring's four pointers, then a transmit of x pages */
			out(vm, io[c] + EN_CR, CR_RD_ABORT | CR_STA, 1);
			out(vm, io[c] + EN0_PSTART, v & 0xFF, 1);
			out(vm, io[c] + EN0_PSTOP, (v >> 8) & 0xFF, 1);
			out(vm, io[c] + EN0_BNRY, (v >> 16) & 0xFF, 1);
			out(vm, io[c] + EN_CR, 0x40 | CR_RD_ABORT | CR_STA, 1);
			out(vm, io[c] + EN1_CURR, v >> 24, 1);
			out(vm, io[c] + EN_CR, CR_RD_ABORT | CR_STA, 1);
			out(vm, io[c] + EN0_TPSR, x, 1);
			out(vm, io[c] + EN0_TBCR0, v & 0xFF, 1);
			out(vm, io[c] + EN0_TBCR1, (v >> 12) & 0x07, 1);
			out(vm, io[c] + EN0_TCR, (op >> 3) & 6, 1);
			out(vm, io[c] + EN_CR, CR_TXP | CR_RD_ABORT | CR_STA, 1);
			break;
		}
	}
	vm_destroy(vm);
	return 0;
}
