/*
 * The NE2000 driven through its ports as Linux's ne and ne2k-pci drive it:
 * PCI set-up of the RTL8029, the reset port, the PROM read byte-wide
 * (doubled, 'WW' signature) and word-wide, remote DMA round trips and
 * their bounds, a frame sent to a real libslirp whose ARP reply comes back
 * into the ring, the ring wrapping at PSTOP with BNRY handed back as the
 * driver does (PSTART - 1 after a wrap), the ring filling up (OVW), the address filter and multicast
 * hash, loopback, interrupts on the PCI line and on the ISA card's IRQ 9,
 * and bad values (PSTART > PSTOP, counts past the memory, page 3).
 */
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "core/evloop.h"
#include "core/net.h"
#include "core/net_priv.h"
#include "core/util.h"
#include "devices/ne2000.h"
#include "devices/pci.h"
#include "net_frames.h"
#include "unit_vm.h"

#define PCI_IO 0xC100
#define ISA_IO 0x300

static struct vm *vm;
static struct ne2000 *pci_card, *isa_card;
static unsigned base = PCI_IO;    /* the card the helpers talk to */

/* The PCI card's line is GSI 11 (main routes every PIRQ there), the ISA
 * card's IRQ 9: unit_irqs.level[11] and [9]. */
static void w8(unsigned r, uint32_t v) { unit_outb(vm, (uint16_t)(base + r), (uint8_t)v); }
static uint32_t r8(unsigned r) { return unit_inb(vm, (uint16_t)(base + r)); }
/* the RTL8029's configuration space at 00:03.0 */
static void pci_write(unsigned reg, uint32_t v) { unit_pci_write(vm, 3, 0, reg, v, 4); }
static uint32_t pci_read(unsigned reg) { return unit_pci_read(vm, 3, 0, reg, 4); }

static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x12, 0x34, 0x56 };
static const uint8_t mac_isa[6] = { 0x00, 0x16, 0x3e, 0x65, 0x43, 0x21 };

/* CR with page p, remote DMA idle, running */
static void page(unsigned p) { w8(EN_CR, (p << 6) | CR_RD_ABORT | CR_STA); }

/* Remote DMA of n bytes at addr: the driver's set-up. */
static void dma_setup(uint16_t addr, uint16_t n, uint8_t cmd)
{
	page(0);
	w8(EN0_ISR, ISR_RDC);
	w8(EN0_RBCR0, n & 0xFF);
	w8(EN0_RBCR1, n >> 8);
	w8(EN0_RSAR0, addr & 0xFF);
	w8(EN0_RSAR1, addr >> 8);
	w8(EN_CR, cmd | CR_STA);
}

/* Word-wide block transfers, as ne_block_input/output do them. */
static void block_out(uint16_t addr, const uint8_t *p, unsigned n)
{
	dma_setup(addr, (uint16_t)((n + 1) & ~1u), CR_RD_WRITE);
	for (unsigned i = 0; i < n; i += 2)
		unit_out(vm, (uint16_t)(base + NE_DATA), p[i] | (i + 1 < n ? p[i + 1] << 8 : 0), 2);
}
static void block_in(uint16_t addr, uint8_t *p, unsigned n)
{
	dma_setup(addr, (uint16_t)((n + 1) & ~1u), CR_RD_READ);
	for (unsigned i = 0; i < n; i += 2) {
		uint32_t v = unit_in(vm, (uint16_t)(base + NE_DATA), 2);
		p[i] = (uint8_t)v;
		if (i + 1 < n)
			p[i + 1] = (uint8_t)(v >> 8);
	}
}

/* Linux's NS8390_init for a ring PSTART..PSTOP, transmit pages below it. */
static void start_card(uint8_t pstart, uint8_t pstop, uint8_t rcr)
{
	w8(EN_CR, CR_STP | CR_RD_ABORT);
	w8(EN0_DCR, 0x49);
	w8(EN0_RBCR0, 0);
	w8(EN0_RBCR1, 0);
	w8(EN0_RCR, RCR_MON);
	w8(EN0_TCR, 0x02);
	w8(EN0_TPSR, NE_PAGE_FIRST);
	w8(EN0_PSTART, pstart);
	w8(EN0_BNRY, pstop - 1);
	w8(EN0_PSTOP, pstop);
	w8(EN0_ISR, 0xFF);
	w8(EN0_IMR, 0);
	w8(EN_CR, (1 << 6) | CR_STP | CR_RD_ABORT);
	for (int i = 0; i < 6; i++)
		w8(EN1_PAR0 + i, base == PCI_IO ? mac[i] : mac_isa[i]);
	for (int i = 0; i < 8; i++)
		w8(EN1_MAR0 + i, 0);
	w8(EN1_CURR, pstart);
	w8(EN_CR, CR_STP | CR_RD_ABORT);
	w8(EN0_ISR, 0xFF);
	w8(EN0_IMR, 0x3F);
	w8(EN_CR, CR_STA | CR_RD_ABORT);
	w8(EN0_TCR, 0);
	w8(EN0_RCR, rcr);
}

/*
 * ei_receive: the frame at BNRY + 1 (wrapping), header then data through
 * remote DMA (which wraps at PSTOP itself), BNRY = next - 1. Returns the
 * byte count of the header (0: nothing to read).
 */
static unsigned rx_one(uint8_t pstart, uint8_t pstop, uint8_t *buf, uint8_t *next_out)
{
	page(1);
	uint8_t curr = (uint8_t)r8(EN1_CURR);
	page(0);
	uint8_t at = (uint8_t)(r8(EN0_BNRY) + 1);
	if (at >= pstop)
		at = pstart;
	if (at == curr)
		return 0;
	uint8_t hdr[4];
	block_in((uint16_t)(at << 8), hdr, 4);
	unsigned count = hdr[2] | hdr[3] << 8;
	if (count < 4 || count > NET_MAX_FRAME + 4)
		return 0;
	block_in((uint16_t)((at << 8) + 4), buf, count - 4);
	uint8_t next = hdr[1];
	*next_out = next;
	/* as Linux's 8390 core: the page before the next, PSTART - 1 (outside
	 * the ring) when the next is PSTART */
	w8(EN0_BNRY, next - 1);
	return count;
}

static void test_pci(void)
{
	CHECK_EQ(pci_read(0), 0x802910EC, "PCI 10ec:8029 (RTL8029) at 00:03.0");
	CHECK_EQ(pci_read(8) >> 8, 0x020000, "class 0200: Ethernet");
	pci_write(0x10, 0xFFFFFFFF);
	CHECK_EQ(pci_read(0x10), 0xFFFFFF01, "BAR0: 256 bytes of I/O");
	pci_write(0x10, PCI_IO);
	pci_write(0x04, 0x07);
	CHECK_EQ(pci_read(0x3C) >> 8 & 0xFF, 1, "interrupt pin INTA");
	if (access("/usr/lib/ipxe/qemu/pxe-ne2k_pci.rom", R_OK) == 0) {
		pci_write(0x30, 0xFFFFFFFE);
		CHECK(pci_read(0x30) != 0 && pci_read(0x30) != 0xFFFFFFFE,
		      "ROM BAR sized for pxe-ne2k_pci.rom (%08x)", pci_read(0x30));
		/* SeaBIOS runs it only if its PCIR names this function */
		pci_write(0x30, 0xFEB00001);
		static uint8_t rom[131072];
		for (unsigned i = 0; i < sizeof(rom); i++)
			rom[i] = (uint8_t)unit_mmio_read(vm, 0xFEB00000 + i, 1);
		unsigned pcir = ld16(rom + 0x18);
		uint8_t sum = 0;
		for (unsigned i = 0; i < rom[2] * 512u && i < sizeof(rom); i++)
			sum = (uint8_t)(sum + rom[i]);
		CHECK(rom[0] == 0x55 && rom[1] == 0xAA && pcir < 0x100 && !memcmp(rom + pcir, "PCIR", 4) &&
		      ld16(rom + pcir + 4) == 0x10EC && ld16(rom + pcir + 6) == 0x8029,
		      "the ROM's PCIR says 10ec:8029 (Debian's image says 0000:0000)");
		CHECK_EQ(sum, 0, "and its first image still sums to zero");
		pci_write(0x30, 0);
	}
	CHECK_EQ(r8(0x0A), 0x50, "RTL8029 ID byte 0 ('P')");
	CHECK_EQ(r8(0x0B), 0x43, "RTL8029 ID byte 1 ('C')");
	CHECK_EQ(unit_in(vm, PCI_IO + 0x40, 1), 0, "past the 32 ports the BAR decodes nothing");
}

static void test_reset_and_prom(const uint8_t *m)
{
	w8(EN_CR, CR_STA | CR_RD_ABORT);
	w8(EN0_ISR, 0xFF);
	w8(NE_RESET, r8(NE_RESET));     /* ne_reset_8390 */
	CHECK((r8(EN0_ISR) & ISR_RST) && r8(EN_CR) == (CR_STP | CR_RD_ABORT),
	      "reset port: ISR.RST set, CR = STP | RD2 (cr %02x)", r8(EN_CR));
	w8(EN0_ISR, ISR_RST);
	CHECK(r8(EN0_ISR) & ISR_RST, "RST is status: writing it does not clear it");

	/* ne_probe1: byte-wide, 32 bytes from 0 */
	w8(EN_CR, CR_STP | CR_RD_ABORT);
	w8(EN0_DCR, 0x48);
	w8(EN0_RBCR0, 32);
	w8(EN0_RBCR1, 0);
	w8(EN0_RSAR0, 0);
	w8(EN0_RSAR1, 0);
	w8(EN_CR, CR_RD_READ | CR_STA);
	uint8_t prom[32];
	bool doubled = true;
	for (int i = 0; i < 32; i++)
		prom[i] = (uint8_t)r8(NE_DATA);
	for (int i = 0; i < 32; i += 2)
		doubled &= prom[i] == prom[i + 1];
	CHECK(doubled, "byte-wide PROM read: every byte twice (an NE2000, not an NE1000)");
	bool mac_ok = true;
	for (int i = 0; i < 6; i++)
		mac_ok &= prom[2 * i] == m[i];
	CHECK(mac_ok, "PROM holds the vif's MAC");
	CHECK(prom[28] == 0x57 && prom[30] == 0x57, "PROM bytes 14, 15: 'WW'");
	CHECK(r8(EN0_ISR) & ISR_RDC, "remote DMA complete after 32 bytes");

	/* ne2k-pci: word-wide; a byte IN still moves a word */
	w8(EN0_DCR, 0x49);
	dma_setup(0, 32, CR_RD_READ);
	mac_ok = true;
	for (int i = 0; i < 6; i++)
		mac_ok &= r8(NE_DATA) == m[i];
	CHECK(mac_ok, "word-wide byte INs: the MAC in six reads (ne2k-pci)");
	dma_setup(0, 8, CR_RD_READ);
	uint32_t d = unit_in(vm, (uint16_t)(base + NE_DATA), 4);
	CHECK_EQ(d, (uint32_t)(m[0] | m[0] << 8 | m[1] << 16 | m[1] << 24), "a 32-bit IN moves 4 bytes");
}

static void test_remote_dma(struct ne2000 *s)
{
	uint8_t a[256], b[256];
	w8(EN0_DCR, 0x49);
	for (int i = 0; i < 256; i++)
		a[i] = (uint8_t)(i * 7 + 1);
	block_out(0x5000, a, 256);
	CHECK(r8(EN0_ISR) & ISR_RDC, "remote write of 256 bytes: RDC");
	block_in(0x5000, b, 256);
	CHECK(!memcmp(a, b, 256), "remote DMA round trip through the data port");
	CHECK(!memcmp(s->mem + 0x1000, a, 256), "the bytes are in the card's buffer at 0x5000");

	/* a count past the end of the memory: what lies outside is not touched */
	uint8_t prom_before[NE_PROM_SIZE];
	memcpy(prom_before, s->prom, sizeof(prom_before));
	dma_setup(0x7F00, 0xFFFF, CR_RD_WRITE);
	for (int i = 0; i < 0x8200; i++)
		unit_out(vm, (uint16_t)(base + NE_DATA), 0xA5A5, 2);
	CHECK(s->mem[NE_MEM_SIZE - 1] == 0xA5 && !memcmp(s->prom, prom_before, sizeof(prom_before)),
	      "remote write with RBCR 0xFFFF from 0x7F00: the end of RAM written, the PROM "
	      "untouched, nothing outside the 16 KiB (ASan watches)");
	dma_setup(0x9000, 4, CR_RD_READ);
	uint32_t v = unit_in(vm, (uint16_t)(base + NE_DATA), 4);
	CHECK_EQ(v, 0xFFFFFFFFu, "reads above the RAM: 0xFF (nothing on the bus)");
	/* RSAR inside the ring wraps at PSTOP */
	start_card(0x46, 0x80, RCR_AB);
	s->mem[0x3FFF] = 0x11;
	s->mem[0x0600] = 0x22;
	dma_setup(0x7FFF, 2, CR_RD_READ);
	v = unit_in(vm, (uint16_t)(base + NE_DATA), 2);
	CHECK_EQ(v, 0x2211, "remote DMA at PSTOP continues at PSTART");
	dma_setup(0x4000, 0, CR_RD_READ);
	CHECK(r8(EN0_ISR) & ISR_RDC, "a zero count completes at once");
	CHECK_EQ(unit_in(vm, (uint16_t)(base + NE_DATA), 2), 0, "and moves nothing");
}

static bool wait_isr(uint8_t bits, int ms)
{
	for (int i = 0; i < ms; i++) {
		page(0);
		if (r8(EN0_ISR) & bits)
			return true;
		usleep(1000);
	}
	return false;
}

static void net_info_text(char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");
	net_info(vm, f);
	fclose(f);
}

static void test_tx_slirp(const uint8_t *m, int *line)
{
	uint8_t f[64], buf[NET_MAX_FRAME + 8];
	start_card(0x46, 0x80, RCR_AB);
	w8(EN0_ISR, 0xFF);
	block_out(NE_MEM_START, f, (unsigned)arp_request(f, m));
	w8(EN0_TBCR0, 60);
	w8(EN0_TBCR1, 0);
	w8(EN_CR, CR_TXP | CR_STA | CR_RD_ABORT);
	CHECK((r8(EN0_ISR) & ISR_PTX) && (r8(EN0_TSR) & TSR_PTX), "transmit: ISR.PTX, TSR.PTX");
	CHECK(*line, "PTX unmasked: the interrupt line is up");
	CHECK_EQ(r8(EN_CR) & CR_TXP, 0, "TXP reads back clear: the frame is gone");
	char info[2048];
	net_info_text(info, sizeof(info));
	CHECK(strstr(info, "tx 1 frames 60 bytes") != NULL, "the net port counted the frame (info network)");
	w8(EN0_ISR, ISR_PTX);
	CHECK(wait_isr(ISR_PRX, 3000), "slirp's ARP reply arrived: ISR.PRX");
	CHECK(*line, "PRX unmasked: the line is up");
	uint8_t next;
	unsigned count = rx_one(0x46, 0x80, buf, &next);
	CHECK(count >= 64 && ld16be(buf + 12) == 0x0806 && ld16be(buf + 20) == 2 &&
	      !memcmp(buf, m, 6) && !memcmp(buf + 28, "\x0a\x00\x02\x02", 4),
	      "read through remote DMA: an ARP reply from 10.0.2.2 to our MAC (count %u)", count);
	CHECK_EQ(next, 0x47, "header's next page: one page after PSTART");
	w8(EN0_ISR, 0xFF);
	CHECK(!*line, "ISR cleared: the line is down");
}

static void test_ring(struct ne2000 *s)
{
	uint8_t f[1600], got[1600];
	start_card(0x46, 0x50, RCR_AB);     /* 10 pages: wraps every few frames */
	w8(EN0_ISR, 0xFF);
	bool ok = true;
	unsigned wraps = 0, pstart_bnry = 0;
	uint8_t prev = 0x46;
	for (unsigned n = 0; n < 40; n++) {
		size_t len = 60 + (n * 97) % 700;
		test_frame(f, len, (uint8_t)n, mac);
		ok &= ne2000_receive(s, f, len);
		uint8_t next;
		unsigned count = rx_one(0x46, 0x50, got, &next);
		ok &= count == len + 4 && !memcmp(got, f, len);
		ok &= next >= 0x46 && next < 0x50;
		wraps += next < prev;
		pstart_bnry += next == 0x46;
		prev = next;
	}
	CHECK(ok, "40 frames of 60-760 bytes round a 10-page ring, each read back whole");
	CHECK(wraps >= 5, "the ring wrapped at PSTOP %u times", wraps);
	CHECK(pstart_bnry > 0, "BNRY was PSTART - 1 (outside the ring) %u times, and frames came", pstart_bnry);
	CHECK(r8(EN0_ISR) & ISR_PRX, "ISR.PRX");
	CHECK_EQ(r8(EN0_RSR) & RSR_PRX, RSR_PRX, "RSR.PRX");

	/* the FCS follows the frame, as from the wire */
	test_frame(f, 100, 9, mac);
	page(1);
	uint8_t at = (uint8_t)r8(EN1_CURR);
	page(0);
	ne2000_receive(s, f, 100);
	uint8_t next, fcs[4];
	block_in((uint16_t)((at << 8) + 4 + 100), fcs, 4);
	rx_one(0x46, 0x50, got, &next);
	uint32_t crc = 0xFFFFFFFFu;   /* the Ethernet CRC-32 of the frame */
	for (int i = 0; i < 100; i++) {
		crc ^= f[i];
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	CHECK_EQ(ld32(fcs), ~crc, "the FCS follows the frame");

	/* short frames are padded to 60 */
	ne2000_receive(s, f, 42);
	CHECK_EQ(rx_one(0x46, 0x50, got, &next), 64, "a 42-byte frame arrives as 60 + FCS");

	/* nobody reads: the ring fills up */
	start_card(0x46, 0x50, RCR_AB);
	w8(EN0_ISR, 0xFF);
	page(0);
	r8(EN0_CNTR2);
	unsigned taken = 0;
	for (int n = 0; n < 8; n++)
		taken += ne2000_receive(s, f, test_frame(f, 300, 1, mac));
	CHECK_EQ(taken, 4, "2-page frames in 9 free pages: 4 taken, the rest held back");
	CHECK((r8(EN0_ISR) & (ISR_OVW | ISR_RST)) == (ISR_OVW | ISR_RST), "ring full: ISR.OVW and RST");
	CHECK_EQ(r8(EN0_CNTR2), 1, "one missed packet counted (CNTR2)");
	CHECK_EQ(r8(EN0_CNTR2), 0, "the tally counter cleared when read");
	page(1);
	CHECK_EQ(r8(EN1_CURR), 0x4E, "CURR stopped before BNRY");
	page(0);
	rx_one(0x46, 0x50, got, &next);
	rx_one(0x46, 0x50, got, &next);
	w8(EN0_ISR, ISR_OVW);
	CHECK(ne2000_receive(s, f, 300), "two frames read, BNRY moved: the next is taken");
	CHECK_EQ(r8(EN0_ISR) & ISR_RST, 0, "RST clear again");
}

static void test_filter(struct ne2000 *s)
{
	uint8_t f[100], got[1600], next;
	start_card(0x46, 0x80, 0);
	ne2000_receive(s, f, test_frame(f, 64, 1, mac));
	CHECK_EQ(rx_one(0x46, 0x80, got, &next), 68, "own address taken with RCR 0");
	ne2000_receive(s, f, test_frame(f, 64, 1, (const uint8_t *)"\x00\x16\x3e\x00\x00\x01"));
	CHECK_EQ(rx_one(0x46, 0x80, got, &next), 0, "another station's frame: not taken");
	ne2000_receive(s, f, test_frame(f, 64, 1, (const uint8_t *)"\xff\xff\xff\xff\xff\xff"));
	CHECK_EQ(rx_one(0x46, 0x80, got, &next), 0, "broadcast without AB: not taken");
	w8(EN0_RCR, RCR_AB);
	ne2000_receive(s, f, test_frame(f, 64, 1, (const uint8_t *)"\xff\xff\xff\xff\xff\xff"));
	CHECK_EQ(r8(EN0_RSR), RSR_PRX | RSR_PHY, "broadcast with AB: taken, RSR.PHY");
	rx_one(0x46, 0x80, got, &next);

	const uint8_t *mc = (const uint8_t *)"\x01\x00\x5e\x00\x00\x01";
	unsigned bit = net_mcast_hash_bit(mc);
	w8(EN0_RCR, RCR_AM);
	ne2000_receive(s, f, test_frame(f, 64, 2, mc));
	CHECK_EQ(rx_one(0x46, 0x80, got, &next), 0, "multicast with its MAR bit clear: not taken");
	page(1);
	w8(EN1_MAR0 + (bit >> 3), 1u << (bit & 7));
	CHECK_EQ(r8(EN1_MAR0 + (bit >> 3)), 1u << (bit & 7), "MAR reads back on page 1");
	page(0);
	ne2000_receive(s, f, test_frame(f, 64, 2, mc));
	CHECK(rx_one(0x46, 0x80, got, &next) == 68 && !memcmp(got, mc, 6),
	      "multicast with its MAR bit (%u) set: taken", bit);
	w8(EN0_RCR, RCR_PRO);
	ne2000_receive(s, f, test_frame(f, 64, 3, (const uint8_t *)"\x00\x16\x3e\x00\x00\x01"));
	CHECK_EQ(rx_one(0x46, 0x80, got, &next), 68, "PRO: every address taken");
	w8(EN0_RCR, RCR_AB | RCR_MON);
	ne2000_receive(s, f, test_frame(f, 64, 1, mac));
	CHECK(rx_one(0x46, 0x80, got, &next) == 0 && (r8(EN0_RSR) & RSR_DIS),
	      "monitor mode: checked, not stored (RSR.DIS)");
	w8(EN_CR, CR_STP | CR_RD_ABORT);
	w8(EN0_RCR, RCR_AB);
	ne2000_receive(s, f, test_frame(f, 64, 1, mac));
	w8(EN_CR, CR_STA | CR_RD_ABORT);
	CHECK_EQ(rx_one(0x46, 0x80, got, &next), 0, "stopped: nothing received");
}

static void test_loopback(struct ne2000 *s)
{
	uint8_t f[200], got[1600], next;
	char before[2048], after[2048];
	start_card(0x46, 0x80, RCR_AB);
	net_info_text(before, sizeof(before));
	w8(EN0_TCR, 0x02);               /* internal loopback (Linux's TXOFF) */
	test_frame(f, 120, 5, mac);
	block_out(NE_MEM_START, f, 120);
	w8(EN0_TBCR0, 120);
	w8(EN0_TBCR1, 0);
	w8(EN_CR, CR_TXP | CR_STA | CR_RD_ABORT);
	net_info_text(after, sizeof(after));
	unsigned count = rx_one(0x46, 0x80, got, &next);
	CHECK(count == 124 && !memcmp(got, f, 120), "loopback: the frame came back into the ring (%u)", count);
	CHECK(!strcmp(before, after), "loopback: nothing reached the network");
	CHECK(!ne2000_receive(s, f, 120) && rx_one(0x46, 0x80, got, &next) == 0,
	      "loopback: a frame from the network is not heard; it waits in the port's queue");
	w8(EN0_TCR, 0);
	CHECK(ne2000_receive(s, f, 120) && rx_one(0x46, 0x80, got, &next) == 124,
	      "loopback off: it comes in");
}

static void test_bad_values(struct ne2000 *s)
{
	uint8_t f[1600], got[1600], next;
	start_card(0x46, 0x80, RCR_AB);
	page(0);
	r8(EN0_CNTR2);
	/* PSTART > PSTOP */
	w8(EN0_PSTART, 0x70);
	w8(EN0_PSTOP, 0x50);
	ne2000_receive(s, f, test_frame(f, 1500, 1, mac));
	CHECK((r8(EN0_RSR) & RSR_MPA) && r8(EN0_CNTR2) == 1, "PSTART > PSTOP: the frame is missed, nothing written");
	/* PSTOP past the memory, PSTART below it */
	w8(EN0_PSTART, 0x10);
	w8(EN0_PSTOP, 0xFF);
	CHECK(ne2000_receive(s, f, test_frame(f, 1500, 1, mac)) && r8(EN0_CNTR2) == 1,
	      "a ring outside the 16 KiB: missed");
	/* CURR outside a good ring */
	w8(EN0_PSTART, 0x46);
	w8(EN0_PSTOP, 0x80);
	page(1);
	w8(EN1_CURR, 0xF0);
	page(0);
	ne2000_receive(s, f, test_frame(f, 1500, 1, mac));
	CHECK_EQ(r8(EN0_CNTR2), 1, "CURR outside the ring: missed");
	/* a one-page ring: nothing fits, nothing overruns */
	w8(EN0_PSTART, 0x7F);
	w8(EN0_PSTOP, 0x80);
	w8(EN0_BNRY, 0x7F);
	page(1);
	w8(EN1_CURR, 0x7F);
	page(0);
	CHECK(!ne2000_receive(s, f, test_frame(f, 100, 1, mac)) && (r8(EN0_ISR) & ISR_OVW),
	      "a one-page ring: the frame waits, OVW");
	/* page 3: reserved */
	w8(EN0_PSTART, 0x46);
	page(3);
	for (unsigned r = 1; r < 16; r++)
		w8(r, 0x99);
	bool zero = true;
	for (unsigned r = 1; r < 16; r++)
		zero &= r8(r) == 0;
	CHECK(zero, "page 3 reads 0");
	page(2);
	CHECK(r8(0x01) == 0x46 && r8(0x02) == 0x80, "page 3 writes changed nothing (PSTART, PSTOP on page 2)");
	w8(0x01, 0x55);
	CHECK_EQ(r8(0x01), 0x46, "page 2 is read-only");
	page(0);
	/* transmit counts the wire cannot carry */
	w8(EN0_ISR, 0xFF);
	w8(EN0_TBCR0, 0);
	w8(EN0_TBCR1, 0x20);
	w8(EN_CR, CR_TXP | CR_STA | CR_RD_ABORT);
	CHECK((r8(EN0_ISR) & ISR_TXE) && (r8(EN0_TSR) & TSR_ABT), "TBCR 0x2000: aborted, ISR.TXE");
	w8(EN0_TBCR1, 0);
	w8(EN_CR, CR_TXP | CR_STA | CR_RD_ABORT);
	CHECK(r8(EN0_TSR) & TSR_ABT, "TBCR 0: aborted");
	w8(EN0_TPSR, 0xFF);     /* the last page of the 64 KiB space, wrapping to the PROM */
	w8(EN0_TCR, 0x02);
	w8(EN0_TBCR0, 0x00);
	w8(EN0_TBCR1, 0x06);
	w8(EN_CR, CR_TXP | CR_STA | CR_RD_ABORT);
	CHECK(r8(EN0_TSR) & TSR_PTX, "a frame from page 0xFF (nothing there, then the PROM): sent");
	rx_one(0x46, 0x80, got, &next);
	w8(EN0_TCR, 0);
	/* every port, every value: the card stays sane */
	for (unsigned p = 0; p < 4; p++)
		for (unsigned r = 1; r < 32; r++)
			for (unsigned v = 0; v < 256; v += 51) {
				w8(EN_CR, (p << 6) | CR_RD_ABORT | CR_STA);
				w8(r, v);
				r8(r);
				unit_out(vm, (uint16_t)(base + r), v * 0x01010101u, 4);
			}
	CHECK(s->rbcr <= 0xFFFF && s->pstart <= 0xFF, "every register written with assorted values: no crash");
}

static void test_isa(void)
{
	w8(NE_RESET, 0);    /* the PCI card quiet: its line down */
	base = ISA_IO;
	test_reset_and_prom(mac_isa);
	CHECK_EQ(r8(0x0A), 0xFF, "the ISA board has no RTL8029 ID");
	start_card(0x46, 0x80, RCR_AB);
	uint8_t f[100], got[1600], next;
	w8(EN0_ISR, 0xFF);
	ne2000_receive(isa_card, f, test_frame(f, 64, 4, mac_isa));
	CHECK(unit_irqs.level[9], "ISA: PRX raises IRQ 9");
	CHECK(!unit_irqs.level[11], "and not the PCI card's line");
	CHECK(rx_one(0x46, 0x80, got, &next) == 68 && !memcmp(got, f, 64), "ISA card: frame read back");
	w8(EN0_ISR, ISR_PRX);
	CHECK(!unit_irqs.level[9], "ISR.PRX written: IRQ 9 down");
	w8(EN0_IMR, 0);
	ne2000_receive(isa_card, f, test_frame(f, 64, 4, mac_isa));
	CHECK(!unit_irqs.level[9] && (r8(EN0_ISR) & ISR_PRX), "masked: PRX set, the line stays down");
	w8(EN0_IMR, ISR_PRX);
	CHECK(unit_irqs.level[9], "unmasked later: the line goes up");
	w8(NE_RESET, 0);
	CHECK(!unit_irqs.level[9], "reset: IMR cleared, the line down");
	base = PCI_IO;
}

/*
 * set_link ne2k_pci.0 off and on: the DP8390 has no link bit, so the card's
 * registers stay as they were; the frames stop both ways in the port.
 */
static void test_set_link(struct ne2000 *s, int *line)
{
	char err[256];
	uint8_t f[64];
	struct netport *p = s->port;
	int port = 20000 + (getpid() + 13) % 20000;
	start_card(0x46, 0x80, RCR_AB);
	usleep(200000);          /* late replies of the tests before */
	start_card(0x46, 0x80, RCR_AB);
	w8(EN0_ISR, 0xFF);
	CHECK(net_set_link(vm, "ne2k_pci.0", "off", err, sizeof(err)) == 0, "set_link ne2k_pci.0 off");
	CHECK(!r8(EN0_ISR) && !*line, "no link bit, no interrupt: the DP8390 has none");
	uint64_t txd = p->tx_dropped, rxd = p->rx_dropped, rxf = p->rx_frames;
	block_out(NE_MEM_START, f, (unsigned)arp_request(f, mac));
	w8(EN0_TBCR0, 60);
	w8(EN0_TBCR1, 0);
	w8(EN_CR, CR_TXP | CR_STA | CR_RD_ABORT);
	CHECK((r8(EN0_ISR) & ISR_PTX) && p->tx_dropped == txd + 1,
	      "the card sends (PTX), the port drops it, counted");
	w8(EN0_ISR, 0xFF);
	CHECK(!wait_isr(ISR_PRX, 500), "no ARP reply without the cable");
	char rule[64];
	snprintf(rule, sizeof(rule), "tcp::%d-:23", port);
	CHECK(net_hostfwd_add(vm, "ne2k_pci.0", rule, err, sizeof(err)) == 0, "hostfwd %s", rule);
	int fd = hostfwd_poke(port);
	for (int i = 0; i < 300 && p->rx_dropped == rxd; i++)
		usleep(10000);
	CHECK(p->rx_dropped > rxd && p->rx_frames == rxf && !(r8(EN0_ISR) & ISR_PRX),
	      "slirp's frames for a hostfwd client: dropped in the port, none in the ring");
	close(fd);
	snprintf(rule, sizeof(rule), "tcp::%d", port);
	net_hostfwd_remove(vm, "ne2k_pci.0", rule, err, sizeof(err));
	CHECK(net_set_link(vm, "ne2k_pci.0", "on", err, sizeof(err)) == 0, "set_link ne2k_pci.0 on");
	w8(EN_CR, CR_TXP | CR_STA | CR_RD_ABORT);
	CHECK(wait_isr(ISR_PRX, 3000), "an ARP request gets its reply again");
	w8(EN0_ISR, 0xFF);
	start_card(0x46, 0x80, RCR_AB);
}

int main(void)
{
	struct vm_config cfg;
	vmconfig_defaults(&cfg);
	cfg.n_vifs = 2;
	memcpy(cfg.vifs[0].mac, mac, 6);
	cfg.vifs[0].model = xstrdup("ne2k_pci");
	cfg.vifs[0].type = xstrdup("ioemu");
	memcpy(cfg.vifs[1].mac, mac_isa, 6);
	cfg.vifs[1].model = xstrdup("ne2k_isa");
	cfg.vifs[1].type = xstrdup("ioemu");
	cfg.vifs[1].io = ISA_IO;
	cfg.vifs[1].irq = 9;
	vm = unit_vm_new(16, &cfg, NULL);
	CHECK(pc_create_part(vm, "pci") == 0, "pci bus");
	CHECK(pc_create_part(vm, "rtl8139") == 0, "rtl8139: no card for these vifs");
	CHECK(pc_create_part(vm, "ne2k") == 0, "ne2k_pci and ne2k_isa created with their slirp back ends");
	pci_card = vm_lookup(vm, "ne2k_pci");
	isa_card = vm_lookup(vm, "ne2k_isa");
	CHECK(pci_card && isa_card && !vm_lookup(vm, "rtl8139"), "both published, no rtl8139");
	CHECK(vm_lookup(vm, "nic") == pci_card, "vif 0's card is the panel's nic");
	if (!pci_card || !isa_card)
		return 1;
	for (int i = 0; i < 4; i++)
		pci_set_pirq_route(pci_bus_of(vm), (unsigned)i, 11);
	evloop_start_thread(vm->loop);
	char info[2048];
	net_info_text(info, sizeof(info));
	CHECK(strstr(info, "ne2k_pci.0: index=0,type=nic,model=ne2k_pci,macaddr=00:16:3e:12:34:56") &&
	      strstr(info, "ne2k_isa.1: index=1,type=nic,model=ne2k_isa,macaddr=00:16:3e:65:43:21"),
	      "info network lists both cards");
	test_pci();
	test_reset_and_prom(mac);
	test_remote_dma(pci_card);
	test_tx_slirp(mac, &unit_irqs.level[11]);
	test_set_link(pci_card, &unit_irqs.level[11]);
	test_ring(pci_card);
	test_filter(pci_card);
	test_loopback(pci_card);
	test_bad_values(pci_card);
	test_isa();
	vm_destroy(vm);
	vmconfig_free(&cfg);
	return UNIT_DONE();
}
