/*
 * The e1000 (82540EM) driven through its BARs as Linux's e1000 and iPXE's
 * intel driver drive it: PCI set-up, the EEPROM through EERD and bit by bit
 * through EECD, reset through the I/O BAR, the PHY through MDIC, legacy
 * transmit descriptors, context + data descriptors with IP/TCP/UDP checksum
 * offload and TCP segmentation (checked against checksums computed here),
 * the receive ring with frames spread over several buffers, padding and
 * the CRC, receive checksum offload, the address filters, ICR/IMS/ICS/IMC, ITR throttling and the
 * receive delay timer, link changes, statistics, and rings and buffers
 * outside guest RAM. Transmitted frames go to a real libslirp, whose ARP
 * and ICMP replies come back into the ring.
 */
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "unit.h"
#include "unit_vm.h"
#include "core/evloop.h"
#include "core/net.h"
#include "core/net_priv.h"
#include "core/util.h"
#include "devices/e1000.h"
#include "devices/pci.h"
#include "net_frames.h"

#define MMIO 0xFEB00000u
#define IO 0xC100
#define TXR 0x10000        /* 16 transmit descriptors */
#define RXR 0x11000        /* 16 receive descriptors */
#define RXBUF 0x20000      /* 16 x 2 KiB */
#define TXBUF 0x30000
#define TXBUF2 0x40000
#define NDESC 16

static struct vm *vm;
static struct e1000 *s;

/* The card's registers in BAR0, its configuration space at 00:03.0; its
 * interrupt is GSI 11 (main routes every PIRQ there): unit_irqs.level[11]. */
static void wr(unsigned r, uint32_t v) { unit_mmio_write(vm, MMIO + r, v, 4); }
static uint32_t rd(unsigned r) { return (uint32_t)unit_mmio_read(vm, MMIO + r, 4); }
static void pci_write(unsigned reg, uint32_t v) { unit_pci_write(vm, 3, 0, reg, v, 4); }
static uint32_t pci_read(unsigned reg) { return unit_pci_read(vm, 3, 0, reg, 4); }
static uint8_t *mem(uint32_t gpa) { return vm_gpa_to_hva(vm, gpa, 1); }

static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x12, 0x34, 0x56 };
static const uint8_t gw[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };   /* slirp's gateway */

/* ---- reference checksums ------------------------------------------------- */

static uint32_t add16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += ld16be(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}
static uint16_t fold16(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)sum;
}
/* The IPv4 header at 14 sums to 0xFFFF with its checksum. */
static bool ip_ok(const uint8_t *f)
{
	return fold16(add16(f + 14, (f[14] & 0xF) * 4u, 0)) == 0xFFFF;
}
/* The TCP or UDP segment after a 20-byte IPv4 header, with its pseudo-header. */
static bool l4_ok(const uint8_t *f, size_t len)
{
	uint32_t sum = add16(f + 26, 8, 0) + f[23] + (uint32_t)(len - 34);
	return fold16(add16(f + 34, len - 34, sum)) == 0xFFFF;
}
/* The pseudo-header's sum as Linux leaves it in the checksum field for the card
 * (CHECKSUM_PARTIAL); with_len false: TSO's, the length left out. */
static uint16_t seed(const uint8_t *f, size_t l4len, bool with_len)
{
	return fold16(add16(f + 26, 8, 0) + f[23] + (with_len ? (uint32_t)l4len : 0));
}

/* 10.0.2.15 -> 10.0.2.2, TCP port 40000 -> 80 (or UDP 53), payload bytes. */
static size_t ip_frame(uint8_t *f, size_t payload, bool udp)
{
	size_t l4 = udp ? 8 : 20, len = 34 + l4 + payload;
	memset(f, 0, len);
	memcpy(f, gw, 6);
	memcpy(f + 6, mac, 6);
	st16be(f + 12, 0x0800);
	f[14] = 0x45;
	st16be(f + 16, (uint16_t)(len - 14));
	st16be(f + 18, 0x1234);
	st16be(f + 20, 0x4000);
	f[22] = 64;
	f[23] = udp ? 17 : 6;
	memcpy(f + 26, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
	st16be(f + 34, 40000);
	st16be(f + 36, udp ? 53 : 80);
	if (udp) {
		st16be(f + 38, (uint16_t)(8 + payload));
	} else {
		st32be(f + 38, 0x01020304);
		f[46] = 5 << 4;
		f[47] = 0x19;   /* FIN, PSH, ACK */
		st16be(f + 48, 0xFFFF);
	}
	for (size_t i = 0; i < payload; i++)
		f[34 + l4 + i] = (uint8_t)(i * 7 + 1);
	return len;
}

/* ---- set-up --------------------------------------------------------------- */

static uint16_t eerd_read(unsigned addr)
{
	wr(E1K_EERD, EERD_START | addr << 8);
	uint32_t v = rd(E1K_EERD);
	return (v & EERD_DONE) ? (uint16_t)(v >> 16) : 0xDEAD;
}

/* As Linux's e1000_read_eeprom does for the 82540's Microwire EEPROM. */
static uint16_t eecd_read(unsigned addr, bool *granted)
{
	uint32_t e = rd(E1K_EECD) | EECD_REQ;
	wr(E1K_EECD, e);
	*granted = rd(E1K_EECD) & EECD_GNT;
	e &= ~(EECD_DI | EECD_SK);
	wr(E1K_EECD, e);
	e |= EECD_CS;
	wr(E1K_EECD, e);
	unsigned cmd = 6u << 6 | addr;   /* start bit, READ (10), 6 address bits */
	for (int i = 8; i >= 0; i--) {
		e = (e & ~EECD_DI) | ((cmd >> i) & 1 ? EECD_DI : 0);
		wr(E1K_EECD, e);
		wr(E1K_EECD, e | EECD_SK);
		wr(E1K_EECD, e);
	}
	e &= ~EECD_DI;
	uint16_t v = 0;
	for (int i = 0; i < 16; i++) {
		wr(E1K_EECD, e | EECD_SK);
		v = (uint16_t)(v << 1 | ((rd(E1K_EECD) & EECD_DO) ? 1 : 0));
		wr(E1K_EECD, e);
	}
	wr(E1K_EECD, e & ~(EECD_CS | EECD_SK | EECD_REQ));
	return v;
}

static uint16_t phy_read(unsigned phy, unsigned reg, uint32_t *mdic)
{
	wr(E1K_MDIC, MDIC_OP_READ | phy << MDIC_PHY_SHIFT | reg << MDIC_REG_SHIFT);
	*mdic = rd(E1K_MDIC);
	return (uint16_t)*mdic;
}

static void test_pci_and_eeprom(void)
{
	CHECK_EQ(pci_read(0), 0x100E8086, "PCI 8086:100e at 00:03.0");
	CHECK_EQ(pci_read(8) >> 8, 0x020000, "class 0200 (Ethernet)");
	CHECK_EQ(pci_read(0x3C) >> 8 & 0xFF, 1, "interrupt pin A");
	pci_write(0x10, 0xFFFFFFFF);
	CHECK_EQ(pci_read(0x10), 0xFFFE0000, "BAR0: 128 KiB of memory");
	pci_write(0x14, 0xFFFFFFFF);
	CHECK_EQ(pci_read(0x14), 0xFFFFFFC1, "BAR1: 64 bytes of I/O");
	pci_write(0x30, 0xFFFFFFFE);
	CHECK(pci_read(0x30) == 0xFFFE0000, "ROM BAR: 128 KiB for iPXE (%08x)", pci_read(0x30));
	pci_write(0x30, 0);
	pci_write(0x10, MMIO);
	pci_write(0x14, IO);
	pci_write(0x04, 0x07);     /* I/O, memory, bus master */

	uint16_t w[64], sum = 0;
	for (unsigned i = 0; i < 64; i++) {
		w[i] = eerd_read(i);
		sum = (uint16_t)(sum + w[i]);
	}
	CHECK(w[0] == 0x1600 && w[1] == 0x123e && w[2] == 0x5634, "EERD: words 0-2 hold the MAC");
	CHECK_EQ(sum, 0xBABA, "EEPROM words 0x00-0x3F sum to 0xBABA");
	CHECK(w[0x0D] == 0x100E && w[0x0E] == 0x8086, "EEPROM words 0x0D, 0x0E: device and vendor");
	wr(E1K_EERD, EERD_START);
	CHECK((rd(E1K_EERD) & 0x13) == 0x10, "EERD after a read: the 82540's DONE (bit 4), not bit 1 "
	      "(iPXE tells the layouts apart by them)");
	bool granted = false, ok = true;
	for (unsigned i = 0; i < 64; i++)
		ok &= eecd_read(i, &granted) == w[i] && granted;
	CHECK(ok, "EECD: REQ granted, all 64 words bit by bit as Linux reads them, the same as EERD's");
	CHECK(rd(E1K_EECD) & EECD_PRES, "EECD: EEPROM present, 64 words (SIZE clear)");
	CHECK(rd(E1K_RA) == 0x123e1600 && rd(E1K_RA + 4) == (RAH_AV | 0x5634),
	      "RAL0/RAH0: the EEPROM's MAC, valid");
}

static void test_reset_and_phy(void)
{
	wr(E1K_IMS, 0xFFFF);
	wr(E1K_RCTL, RCTL_EN | RCTL_UPE);
	wr(E1K_RA, 0);
	/* Linux's e1000_reset_hw resets the 82540 through IOADDR/IODATA */
	unit_outl(vm, IO, E1K_CTRL);
	CHECK_EQ(unit_inl(vm, IO), E1K_CTRL, "IOADDR reads back");
	uint32_t ctrl = unit_inl(vm, IO + 4);
	unit_outl(vm, IO + 4, ctrl | CTRL_RST);
	CHECK_EQ(rd(E1K_CTRL) & CTRL_RST, 0, "CTRL.RST clears itself");
	CHECK(rd(E1K_IMS) == 0 && rd(E1K_RCTL) == 0, "reset: IMS and RCTL cleared");
	CHECK_EQ(rd(E1K_RA), 0x123e1600, "reset: RAL0 loaded from the EEPROM again");
	uint32_t st = rd(E1K_STATUS);
	CHECK((st & (STATUS_LU | STATUS_FD)) == (STATUS_LU | STATUS_FD) && (st & 0xC0) == STATUS_SPEED_1000,
	      "STATUS: link up, full duplex, 1000 Mb/s (%08x)", st);
	uint32_t m;
	uint16_t id1 = phy_read(1, PHY_ID1, &m), id2 = phy_read(1, PHY_ID2, &m);
	CHECK(id1 == 0x0141 && (id2 & 0xFFF0) == 0x0C20 && (m & MDIC_READY) && !(m & MDIC_ERROR),
	      "PHY ID 0141:0c20 (88E1011), MDIC ready");
	CHECK_EQ(phy_read(1, PHY_STATUS, &m) & (BMSR_LINK | BMSR_ANDONE), BMSR_LINK | BMSR_ANDONE,
		 "BMSR: link up, auto-negotiation complete");
	CHECK_EQ(phy_read(1, PHY_SPEC_STATUS, &m) & 0xEC00, 0xAC00, "PHY specific status: 1000, full, resolved, link");
	wr(E1K_MDIC, MDIC_OP_WRITE | 1 << MDIC_PHY_SHIFT | PHY_ANAR << MDIC_REG_SHIFT | 0x01E1);
	CHECK_EQ(phy_read(1, PHY_ANAR, &m), 0x01E1, "MDIC write of ANAR reads back");
	wr(E1K_MDIC, MDIC_OP_WRITE | 1 << MDIC_PHY_SHIFT | PHY_CTRL << MDIC_REG_SHIFT | BMCR_RESET);
	CHECK(phy_read(1, PHY_CTRL, &m) == 0x1140 && phy_read(1, PHY_ANAR, &m) == 0x0DE1,
	      "PHY reset: clears itself, defaults back");
	phy_read(2, PHY_ID1, &m);
	CHECK(m & MDIC_ERROR, "no PHY at address 2: MDIC error");
}

/* Rings of 16, receive buffers of 2 KiB (or as bsize says), everything enabled. */
static void start(uint32_t rctl)
{
	wr(E1K_CTRL, rd(E1K_CTRL) | CTRL_RST);
	memset(mem(TXR), 0, NDESC * 16);
	for (unsigned i = 0; i < NDESC; i++) {
		uint8_t *d = mem(RXR + 16 * i);
		memset(d, 0, 16);
		st64(d, RXBUF + 0x800 * i);
	}
	wr(E1K_TDBAL, TXR);
	wr(E1K_TDBAH, 0);
	wr(E1K_TDLEN, NDESC * 16);
	wr(E1K_TDH, 0);
	wr(E1K_TDT, 0);
	wr(E1K_RDBAL, RXR);
	wr(E1K_RDBAH, 0);
	wr(E1K_RDLEN, NDESC * 16);
	wr(E1K_RDH, 0);
	wr(E1K_RDT, NDESC - 1);
	wr(E1K_TCTL, TCTL_EN | TCTL_PSP);
	wr(E1K_RCTL, rctl | RCTL_EN);
	rd(E1K_ICR);
}

static bool wait_dd(unsigned i, int ms)
{
	for (int t = 0; t < ms; t++) {
		if (mem(RXR + 16 * i)[12] & RXD_DD)
			return true;
		usleep(1000);
	}
	return false;
}

/* A legacy transmit descriptor i: len bytes at addr, EOP|IFCS|RS, as iPXE writes it. */
static void legacy_tx(unsigned i, uint64_t addr, uint16_t len, uint8_t cmd)
{
	uint8_t *d = mem(TXR + 16 * i);
	memset(d, 0, 16);
	st64(d, addr);
	st16(d + 8, len);
	d[11] = cmd;
}

static void test_tx_legacy_slirp(void)
{
	uint8_t f[64];
	start(RCTL_BAM);
	memcpy(mem(TXBUF), f, arp_request(f, mac));
	legacy_tx(0, TXBUF, 60, TXD_EOP | TXD_IFCS | TXD_RS);
	wr(E1K_TDT, 1);
	CHECK(mem(TXR)[12] & TXD_STA_DD, "legacy descriptor with RS: DD written back");
	CHECK_EQ(rd(E1K_TDH), 1, "TDH reached TDT");
	uint32_t icr = rd(E1K_ICR);
	CHECK((icr & (ICR_TXDW | ICR_TXQE)) == (ICR_TXDW | ICR_TXQE), "ICR: TXDW and TXQE (%08x)", icr);
	uint32_t icr2 = rd(E1K_ICR);   /* slirp's reply may have come in between: RXT0 */
	CHECK_EQ(icr2 & ~ICR_RXT0, 0, "ICR read to clear");
	CHECK(wait_dd(0, 3000), "slirp's ARP reply arrived in receive descriptor 0");
	uint8_t *d = mem(RXR), *r = mem(RXBUF);
	unsigned len = ld16(d + 8);
	CHECK(ld16be(r + 12) == 0x0806 && ld16be(r + 20) == 2 && !memcmp(r + 28, "\x0a\x00\x02\x02", 4),
	      "it is an ARP reply from 10.0.2.2");
	CHECK((d[12] & (RXD_DD | RXD_EOP)) == (RXD_DD | RXD_EOP) && d[13] == 0, "status DD|EOP, no errors");
	CHECK(len >= 64 && ld32(r + len - 4) == (uint32_t)crc32(0, r, len - 4),
	      "the frame padded to 60 at least, its FCS after it (length %u)", len);
	CHECK_EQ(rd(E1K_RDH), 1, "RDH moved on");
	CHECK((icr | icr2 | rd(E1K_ICR)) & ICR_RXT0, "ICR RXT0");
	CHECK(rd(E1K_STATS + ST_GPRC) == 1 && rd(E1K_STATS + ST_GPRC) == 0, "GPRC counted one, read to clear");
	CHECK(rd(E1K_STATS + ST_GPTC) == 1 && rd(E1K_STATS + ST_TPT) == 1, "GPTC, TPT counted the frame sent");
	CHECK(rd(E1K_STATS + ST_GOTCL) == 64 && rd(E1K_STATS + ST_GOTCL + 4) == 0 &&
	      rd(E1K_STATS + ST_GOTCL) == 0, "GOTCL/H: 64 octets, the pair cleared by reading GOTCH");
	CHECK_EQ(rd(0x1FFFC), 0, "an unknown register reads 0");
}

/* A context descriptor at i for the frame f (IP at 14, L4 at 34). */
static void context(unsigned i, uint8_t tucso_off, bool tcp, bool tse, uint8_t hdrlen, uint16_t mss,
		    uint32_t paylen)
{
	uint8_t *d = mem(TXR + 16 * i);
	memset(d, 0, 16);
	d[0] = 14;               /* IPCSS */
	d[1] = 24;               /* IPCSO */
	st16(d + 2, 33);         /* IPCSE: the header's last byte */
	d[4] = 34;               /* TUCSS */
	d[5] = (uint8_t)(34 + tucso_off);
	st16(d + 6, 0);          /* TUCSE: to the end */
	st32(d + 8, paylen | TXD_DTYP_CTX << 20 |
	     (uint32_t)(TXD_DEXT | (tcp ? TUCMD_TCP : 0) | TUCMD_IP | (tse ? TUCMD_TSE : 0)) << 24);
	d[13] = hdrlen;
	st16(d + 14, mss);
}

static void data_desc(unsigned i, uint32_t addr, uint32_t len, uint8_t dcmd, uint8_t popts)
{
	uint8_t *d = mem(TXR + 16 * i);
	memset(d, 0, 16);
	st64(d, addr);
	st32(d + 8, len | TXD_DTYP_DATA << 20 | (uint32_t)(dcmd | TXD_DEXT) << 24);
	d[13] = popts;
}

static void test_tx_offload(void)
{
	static uint8_t f[4000];
	start(RCTL_BAM);
	/* TCP, 100 bytes, its checksum field seeded with the pseudo-header, as
	 * Linux hands CHECKSUM_PARTIAL frames to e1000_tx_csum; the frame in two
	 * data descriptors (header, payload) */
	size_t len = ip_frame(f, 100, false);
	st16be(f + 50, seed(f, len - 34, true));
	memcpy(mem(TXBUF), f, 54);
	memcpy(mem(TXBUF2), f + 54, len - 54);
	context(0, 16, true, false, 0, 0, 0);
	data_desc(1, TXBUF, 54, 0, POPTS_TXSM);
	data_desc(2, TXBUF2, (uint32_t)(len - 54), TXD_EOP | TXD_IFCS | TXD_RS, 0);
	wr(E1K_TDT, 3);
	CHECK(mem(TXR + 32)[12] & TXD_STA_DD, "context + 2 data descriptors: the EOP one written back");
	uint8_t *out_f = s->txbuf;
	CHECK(l4_ok(out_f, len), "TXSM: the TCP checksum the card put in is the reference's (%04x)",
	      ld16be(out_f + 50));
	CHECK(!memcmp(out_f + 54, f + 54, len - 54), "the payload gathered from the second descriptor");

	/* UDP with IXSM and TXSM: IP header checksum (zero before) and UDP's */
	len = ip_frame(f, 37, true);
	st16be(f + 40, seed(f, len - 34, true));
	memcpy(mem(TXBUF), f, len);
	context(3, 6, false, false, 0, 0, 0);
	data_desc(4, TXBUF, (uint32_t)len, TXD_EOP | TXD_IFCS | TXD_RS, POPTS_TXSM | POPTS_IXSM);
	wr(E1K_TDT, 5);
	CHECK(ip_ok(out_f) && l4_ok(out_f, len), "IXSM + TXSM: the IP and UDP checksums are the reference's "
	      "(%04x, %04x)", ld16be(out_f + 24), ld16be(out_f + 40));

	/* TSO: 2500 bytes of TCP payload in MSS 1000 -> 3 segments */
	len = ip_frame(f, 2500, false);
	st16be(f + 50, seed(f, 0, false));
	memcpy(mem(TXBUF), f, len);
	rd(E1K_STATS + ST_TSCTC);
	rd(E1K_STATS + ST_GPTC);
	context(5, 16, true, true, 54, 1000, 2500);
	data_desc(6, TXBUF, (uint32_t)len, TXD_EOP | TXD_IFCS | TXD_RS | TXD_TSE, POPTS_TXSM | POPTS_IXSM);
	wr(E1K_TDT, 7);
	uint8_t *seg = s->segbuf;
	CHECK(rd(E1K_STATS + ST_TSCTC) == 3 && rd(E1K_STATS + ST_GPTC) == 3, "TSO: 3 segments sent");
	CHECK(ld16be(seg + 16) == 20 + 20 + 500 && ld32be(seg + 38) == 0x01020304 + 2000 &&
	      ld16be(seg + 18) == 0x1234 + 2, "the last segment: 500 bytes, its sequence number and IP ID");
	CHECK(ip_ok(seg) && l4_ok(seg, 54 + 500), "its IP and TCP checksums are the reference's");
	CHECK((seg[47] & 0x09) == 0x09 && !memcmp(seg + 54, f + 54 + 2000, 500),
	      "FIN and PSH on the last segment, its payload the frame's last 500 bytes");

	/* legacy IC: the checksum from CSS to the end at CSO (here an ICMP echo) */
	uint8_t e[98] = { 0 };
	memcpy(e, gw, 6);
	memcpy(e + 6, mac, 6);
	st16be(e + 12, 0x0800);
	e[14] = 0x45;
	st16be(e + 16, 84);
	e[22] = 64;
	e[23] = 1;
	memcpy(e + 26, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
	e[34] = 8;
	st16be(e + 38, 0x4242);
	st16be(e + 40, 1);
	st16be(e + 24, (uint16_t)~fold16(add16(e + 14, 20, 0)));
	/* first without IC, right after the TSO frame's POPTS (IXSM | TXSM):
	 * a legacy descriptor has no POPTS (SDM 3, "Legacy Transmit Descriptor
	 * Format"), the frame goes out as the driver wrote it. Linux sends its
	 * pings this way between TCP segmentations; a card that applied the
	 * last POPTS zeroed their IP checksum, and slirp dropped them. */
	uint8_t plain[98];
	memcpy(plain, e, sizeof(e));
	st16be(plain + 38, 0x4141);   /* its own echo id */
	st16be(plain + 36, (uint16_t)~fold16(add16(plain + 34, 64, 0)));
	memcpy(mem(TXBUF), plain, sizeof(plain));
	legacy_tx(7, TXBUF, sizeof(plain), TXD_EOP | TXD_IFCS | TXD_RS);
	wr(E1K_TDT, 8);
	CHECK(mem(TXR + 16 * 7)[12] & TXD_STA_DD, "legacy without IC after TSO: sent");
	CHECK(!memcmp(out_f, plain, sizeof(plain)), "and unchanged: no POPTS of the extended "
	      "descriptors before it applies (IP checksum %04x, was %04x)", ld16be(out_f + 24),
	      ld16be(plain + 24));
	memcpy(mem(TXBUF), e, sizeof(e));
	legacy_tx(8, TXBUF, sizeof(e), TXD_EOP | TXD_IFCS | TXD_RS | TXD_IC);
	mem(TXR + 16 * 8)[10] = 36;   /* CSO */
	mem(TXR + 16 * 8)[13] = 34;   /* CSS */
	wr(E1K_TDT, 9);
	CHECK(fold16(add16(out_f + 34, 64, 0)) == 0xFFFF, "legacy IC: the ICMP checksum at CSO");
	bool got = false;
	for (unsigned i = 0; i < NDESC - 1 && !got; i++) {
		if (!wait_dd(i, 3000))
			break;
		uint8_t *r = mem(RXBUF + 0x800 * i);
		got = ld16be(r + 12) == 0x0800 && r[23] == 1 && r[34] == 0 && ld16be(r + 38) == 0x4242;
	}
	CHECK(got, "slirp answered the echo whose checksum the card computed");
}

/*
 * A burst bigger than the port's queue: seven 60000-byte TSO frames at MSS
 * 1000, 420 segments from one TDT write. The ring waits while the queue is
 * full and goes on as the port drains it (e1000_tx_wake): every segment
 * sent, none dropped, every descriptor written back. The card cuts by the
 * context's offsets, whatever the EtherType.
 */
static void test_tx_burst(void)
{
	static uint8_t f[60100];
	struct netport *p = s->port;
	start(RCTL_BAM);
	size_t len = ip_frame(f, 60000, false);
	st16be(f + 50, seed(f, 0, false));
	st16be(f + 12, 0x88B5);   /* an EtherType slirp ignores: no replies into the ring */
	memcpy(mem(TXBUF), f, len);
	rd(E1K_STATS + ST_TSCTC);
	uint64_t frames0, dropped0, frames, dropped;
	port_tx_counts(p, &frames0, &dropped0);
	context(0, 16, true, true, 54, 1000, 60000);
	for (unsigned i = 1; i < 8; i++)
		data_desc(i, TXBUF, (uint32_t)len, TXD_EOP | TXD_IFCS | TXD_RS | TXD_TSE, POPTS_TXSM | POPTS_IXSM);
	wr(E1K_TDT, 8);
	unsigned head = 0;
	for (int t = 0; t < 3000 && (head = rd(E1K_TDH)) != 8; t++)
		usleep(1000);
	CHECK_EQ(head, 8, "the ring went on as the port drained: TDH reached TDT");
	bool dd = true;
	for (unsigned i = 1; i < 8; i++)
		dd &= (mem(TXR + 16 * i)[12] & TXD_STA_DD) != 0;
	CHECK(dd, "all seven data descriptors written back");
	CHECK_EQ(rd(E1K_STATS + ST_TSCTC), 420, "TSCTC: 7 x 60 segments");
	port_tx_counts(p, &frames, &dropped);
	CHECK(frames - frames0 == 420 && dropped == dropped0, "the port took all 420, dropped none (%llu, %llu)",
	      (unsigned long long)(frames - frames0), (unsigned long long)(dropped - dropped0));
}

/* A frame straight into the card from the network side. */
static bool rx(const uint8_t *f, size_t len) { return e1000_receive(s, f, len); }

static void test_rx_ring(void)
{
	static uint8_t f[1600];
	/* 256-byte buffers (BSIZE 11b): 1000 bytes + CRC spread over 4 descriptors */
	start(RCTL_BAM | 3u << RCTL_BSIZE_SHIFT);
	s->port = NULL;   /* slirp's late replies must not land in the ring now */
	test_frame(f, 1000, 5, mac);
	CHECK(rx(f, 1000), "a 1000-byte frame taken");
	bool ok = true;
	for (unsigned i = 0; i < 4; i++) {
		uint8_t *d = mem(RXR + 16 * i);
		unsigned want = i < 3 ? 256 : 1004 - 768;
		ok &= ld16(d + 8) == want && (d[12] & RXD_DD) && !!(d[12] & RXD_EOP) == (i == 3);
		ok &= !memcmp(mem(RXBUF + 0x800 * i), f + 256 * i, i < 3 ? 256 : 1000 - 768);
	}
	CHECK(ok, "4 descriptors of 256 bytes: DD on each, EOP on the last, the data in order");
	CHECK_EQ(rd(E1K_RDH), 4, "RDH after 4 descriptors");

	/* SECRC, a short frame: padded to 60, no CRC */
	wr(E1K_RCTL, rd(E1K_RCTL) | RCTL_SECRC);
	uint8_t small[20];
	test_frame(small, 20, 9, mac);
	rx(small, 20);
	uint8_t *d = mem(RXR + 16 * 4);
	CHECK(ld16(d + 8) == 60 && !memcmp(mem(RXBUF + 0x800 * 4), small, 20) &&
	      mem(RXBUF + 0x800 * 4)[59] == 0, "a 20-byte frame: padded to 60, SECRC: no CRC");

	/* full ring: RDT - RDH descriptors left, the frame waits (false), RXO */
	start(RCTL_BAM | 3u << RCTL_BSIZE_SHIFT);
	wr(E1K_RDT, 3);
	rd(E1K_ICR);
	CHECK(!rx(f, 1000), "3 free descriptors for a frame needing 4: not taken (it waits in the port)");
	CHECK(rd(E1K_ICR) & ICR_RXO, "RXO");
	CHECK_EQ(rd(E1K_RDH), 0, "nothing written");
	wr(E1K_RDT, 12);
	CHECK(rx(f, 1000), "RDT moved on: taken");
	CHECK(rd(E1K_ICR) & ICR_RXDMT0, "RDMTS 1/2: 8 of 16 descriptors left for the card, RXDMT0");

	/* BSEX: 16 KiB buffers, the frame in one */
	start(RCTL_BAM | RCTL_BSEX | 1u << RCTL_BSIZE_SHIFT);
	rx(f, 1000);
	CHECK(ld16(mem(RXR) + 8) == 1004 && (mem(RXR)[12] & RXD_EOP), "BSEX with BSIZE 01: one 16 KiB buffer");
}

/* An IPv4 frame from slirp's gateway to the card: 20-byte IP header, the
 * TCP or UDP segment after it, both checksums right. */
static size_t rx_ip_frame(uint8_t *f, size_t payload, bool udp)
{
	size_t len = ip_frame(f, payload, udp), l4 = len - 34;
	memcpy(f, mac, 6);
	memcpy(f + 6, gw, 6);
	st16be(f + 24, 0);
	st16be(f + 24, (uint16_t)~fold16(add16(f + 14, 20, 0)));
	unsigned cso = udp ? 40 : 50;
	st16be(f + cso, 0);
	st16be(f + cso, (uint16_t)~fold16(add16(f + 34, l4, add16(f + 26, 8, 0) + f[23] + (uint32_t)l4)));
	return len;
}

/* The frame into descriptor 0 of a fresh ring: its status and errors bytes. */
static void rx_status(const uint8_t *f, size_t len, uint8_t *status, uint8_t *errors)
{
	start(RCTL_BAM);
	rx(f, len);
	*status = mem(RXR)[12];
	*errors = mem(RXR)[13];
}

/*
 * Receive checksum offload as Linux's e1000 uses it (RXCSUM.TUOFL, then
 * TCPCS without TCPE means "checked"): good TCP and UDP, a bad segment, a
 * bad IP header, a fragment, a datagram longer than its frame, ARP, UDP
 * without a checksum, and RXCSUM off.
 */
static void test_rx_checksums(void)
{
	static uint8_t f[1600];
	uint8_t st, er;
	size_t len = rx_ip_frame(f, 1000, false);
	CHECK(l4_ok(f, len) && ip_ok(f), "the test's TCP frame has right checksums");
	CHECK_EQ(rd(E1K_RXCSUM), RXCSUM_IPOFL | RXCSUM_TUOFL, "RXCSUM after reset: IPOFL | TUOFL");
	rx_status(f, len, &st, &er);
	CHECK((st & (RXD_IPCS | RXD_TCPCS | RXD_IXSM)) == (RXD_IPCS | RXD_TCPCS) && er == 0,
	      "TCP/IPv4: IPCS and TCPCS, no IXSM, no errors (%02x, %02x)", st, er);
	f[600] ^= 0x40;
	rx_status(f, len, &st, &er);
	CHECK((st & RXD_TCPCS) && er == RXE_TCPE, "a payload bit flipped: TCPE only (%02x, %02x)", st, er);
	f[600] ^= 0x40;
	f[22] ^= 1;   /* the TTL: the header's checksum is wrong now */
	rx_status(f, len, &st, &er);
	CHECK((st & RXD_IPCS) && (er & RXE_IPE), "a bad IP header checksum: IPE (%02x, %02x)", st, er);
	f[22] ^= 1;
	st16be(f + 20, 0x2000);   /* MF: a first fragment */
	st16be(f + 24, 0);
	st16be(f + 24, (uint16_t)~fold16(add16(f + 14, 20, 0)));
	rx_status(f, len, &st, &er);
	CHECK((st & RXD_IPCS) && !(st & RXD_TCPCS) && er == 0, "a fragment: its header checked, not TCP (%02x, %02x)",
	      st, er);
	len = rx_ip_frame(f, 1000, false);
	rx_status(f, len - 10, &st, &er);
	CHECK((st & RXD_IXSM) && !(st & (RXD_IPCS | RXD_TCPCS)) && er == 0,
	      "a datagram longer than its frame: IXSM, nothing checked (%02x, %02x)", st, er);
	len = rx_ip_frame(f, 300, true);
	rx_status(f, len, &st, &er);
	CHECK((st & (RXD_IPCS | RXD_TCPCS)) == (RXD_IPCS | RXD_TCPCS) && er == 0, "UDP: checked, right (%02x, %02x)",
	      st, er);
	f[100] ^= 1;
	rx_status(f, len, &st, &er);
	CHECK(er == RXE_TCPE, "UDP with a bad checksum: TCPE (%02x)", er);
	st16be(f + 40, 0);
	rx_status(f, len, &st, &er);
	CHECK((st & RXD_TCPCS) && er == 0, "UDP without a checksum (0): no error (%02x, %02x)", st, er);
	uint8_t a[64];
	arp_request(a, gw);
	memcpy(a, mac, 6);
	rx_status(a, 42, &st, &er);
	CHECK((st & RXD_IXSM) && !(st & (RXD_IPCS | RXD_TCPCS)), "ARP: IXSM (%02x)", st);
	len = rx_ip_frame(f, 1000, false);
	start(RCTL_BAM);
	wr(E1K_RXCSUM, 0);
	rx(f, len);
	st = mem(RXR)[12];
	CHECK((st & RXD_IXSM) && !(st & (RXD_IPCS | RXD_TCPCS)), "RXCSUM 0: IXSM, nothing checked (%02x)", st);
	wr(E1K_RXCSUM, RXCSUM_IPOFL | RXCSUM_TUOFL);
}

static void test_filters(void)
{
	uint8_t f[100];
	const uint8_t other[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x01 };
	const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	start(0);
	unsigned h = rd(E1K_RDH);
	rx(f, test_frame(f, 64, 1, other));
	CHECK_EQ(rd(E1K_RDH), h, "another station's frame: not taken");
	rx(f, test_frame(f, 64, 1, (const uint8_t *)"\xff\xff\xff\xff\xff\xff"));
	CHECK_EQ(rd(E1K_RDH), h, "broadcast without BAM: not taken");
	rx(f, test_frame(f, 64, 1, mac));
	CHECK_EQ(rd(E1K_RDH), ++h, "our MAC (RAL0/RAH0): taken");
	wr(E1K_RCTL, rd(E1K_RCTL) | RCTL_BAM);
	rx(f, test_frame(f, 64, 1, (const uint8_t *)"\xff\xff\xff\xff\xff\xff"));
	CHECK_EQ(rd(E1K_RDH), ++h, "BAM: broadcast taken");
	rx(f, test_frame(f, 64, 2, mc));
	CHECK_EQ(rd(E1K_RDH), h, "multicast, its MTA bit clear: not taken");
	/* Linux's e1000_hash_mc_addr with MO 0: bits 47:36 */
	unsigned hash = ((mc[4] >> 4) | (unsigned)mc[5] << 4) & 0xFFF;
	wr(E1K_MTA + 4 * (hash >> 5), 1u << (hash & 31));
	rx(f, test_frame(f, 64, 2, mc));
	CHECK_EQ(rd(E1K_RDH), ++h, "multicast, its MTA bit set: taken");
	wr(E1K_RCTL, rd(E1K_RCTL) | 3u << RCTL_MO_SHIFT);
	rx(f, test_frame(f, 64, 2, mc));
	CHECK_EQ(rd(E1K_RDH), h, "MO 11 (bits 43:32): another bit, not taken");
	wr(E1K_RCTL, rd(E1K_RCTL) | RCTL_MPE);
	rx(f, test_frame(f, 64, 2, mc));
	CHECK_EQ(rd(E1K_RDH), ++h, "MPE: every multicast taken");
	wr(E1K_RA + 8, ld32(other));
	wr(E1K_RA + 12, ld16(other + 4) | RAH_AV);
	rx(f, test_frame(f, 64, 3, other));
	CHECK_EQ(rd(E1K_RDH), ++h, "RAL1/RAH1 with AV: that address taken too");
	wr(E1K_RA + 12, 0);
	wr(E1K_RCTL, rd(E1K_RCTL) | RCTL_UPE);
	rx(f, test_frame(f, 64, 3, other));
	CHECK_EQ(rd(E1K_RDH), ++h, "UPE: every unicast taken");
	wr(E1K_RCTL, rd(E1K_RCTL) & ~RCTL_EN);
	rx(f, test_frame(f, 64, 3, mac));
	CHECK_EQ(rd(E1K_RDH), h, "receiver off: nothing taken");
}

static void test_interrupts(void)
{
	start(RCTL_BAM);
	wr(E1K_IMC, 0xFFFFFFFF);
	wr(E1K_ICS, ICR_LSC);
	CHECK(!unit_irqs.level[11] && rd(E1K_ICR) == ICR_LSC, "ICS sets ICR; masked: the line stays low");
	wr(E1K_IMS, ICR_LSC | ICR_RXT0 | ICR_TXDW);
	CHECK_EQ(rd(E1K_IMS), ICR_LSC | ICR_RXT0 | ICR_TXDW, "IMS reads the mask");
	wr(E1K_ICS, ICR_LSC);
	CHECK(unit_irqs.level[11], "ICS of an unmasked cause: the line up");
	rd(E1K_ICR);
	CHECK(!unit_irqs.level[11], "reading ICR drops it");
	wr(E1K_ICS, ICR_TXDW);
	wr(E1K_IMC, ICR_TXDW);
	CHECK(!unit_irqs.level[11] && rd(E1K_IMS) == (ICR_LSC | ICR_RXT0),
	      "IMC masks the cause: the line drops");
	wr(E1K_ICR, 0xFFFFFFFF);
	CHECK_EQ(rd(E1K_ICR), 0, "writing 1s to ICR clears it");

	/* ITR: 39063 x 256 ns = 10 ms between assertions */
	wr(E1K_ITR, 39063);
	usleep(12000);
	uint64_t t0 = clock_ns();   /* just before the assertion ITR counts from */
	wr(E1K_ICS, ICR_LSC);
	CHECK(unit_irqs.level[11], "ITR: 12 ms after the last assertion, the next one at once");
	rd(E1K_ICR);
	wr(E1K_ICS, ICR_LSC);
	CHECK(!unit_irqs.level[11], "another cause right after: held back");
	while (!unit_irqs.level[11] && clock_ns() - t0 < 500000000ull)
		usleep(200);
	double ms = (double)(clock_ns() - t0) / 1e6;
	CHECK(unit_irqs.level[11] && ms >= 9.0 && ms < 200,
	      "raised by the timer %.2f ms after the first (ITR: 10 ms)", ms);
	rd(E1K_ICR);
	wr(E1K_ITR, 0);

	/* RDTR: 2000 x 1.024 us; RXT0 waits that long after the frame */
	uint8_t f[64];
	wr(E1K_RDTR, 2000);
	rd(E1K_ICR);
	t0 = clock_ns();
	rx(f, test_frame(f, 64, 1, mac));
	CHECK(!unit_irqs.level[11] && !(rd(E1K_ICR) & ICR_RXT0), "RDTR 2 ms: no RXT0 at once");
	while (!unit_irqs.level[11] && clock_ns() - t0 < 500000000ull)
		usleep(200);
	ms = (double)(clock_ns() - t0) / 1e6;
	CHECK(unit_irqs.level[11] && (rd(E1K_ICR) & ICR_RXT0) && ms >= 1.9 && ms < 9,
	      "RXT0 %.2f ms after the frame (ITR back to 0 holds nothing)", ms);
	rx(f, test_frame(f, 64, 1, mac));
	wr(E1K_RDTR, 2000 | RDTR_FPD);
	CHECK(unit_irqs.level[11] && (rd(E1K_ICR) & ICR_RXT0), "RDTR.FPD flushes the pending RXT0 at once");
	wr(E1K_RDTR, 0);

	/* link: set_link off and on */
	rd(E1K_ICR);
	e1000_set_link(s, false);
	uint32_t m;
	CHECK(!(rd(E1K_STATUS) & STATUS_LU) && unit_irqs.level[11] && (rd(E1K_ICR) & ICR_LSC),
	      "link down: STATUS.LU clear, LSC raised");
	CHECK(!(phy_read(1, PHY_STATUS, &m) & BMSR_LINK), "the PHY's BMSR says no link (what Linux reads)");
	unsigned h = rd(E1K_RDH);
	rx(f, test_frame(f, 64, 1, mac));
	CHECK_EQ(rd(E1K_RDH), h, "no frame comes in without a link");
	e1000_set_link(s, true);
	CHECK((rd(E1K_STATUS) & STATUS_LU) && (rd(E1K_ICR) & ICR_LSC), "link up again: LU, LSC");
}

static void test_outside_ram(void)
{
	uint8_t f[64];
	start(RCTL_BAM);
	/* a transmit buffer outside RAM: the frame dropped, the descriptor done */
	uint64_t errs = s->tx_errors;
	legacy_tx(0, 0xFFFFFF000ull, 60, TXD_EOP | TXD_IFCS | TXD_RS);
	wr(E1K_TDT, 1);
	CHECK(s->tx_errors == errs + 1 && (mem(TXR)[12] & TXD_STA_DD), "transmit buffer outside RAM: "
	      "dropped, DD written");
	/* a transmit ring outside RAM: nothing read, nothing written */
	wr(E1K_TDBAL, 0xFFFFF000);
	wr(E1K_TDBAH, 0x7);
	wr(E1K_TDH, 0);
	wr(E1K_TDT, 5);
	CHECK_EQ(rd(E1K_TDH), 0, "transmit ring outside RAM: TDH stays");
	/* head or tail past the ring: ignored */
	wr(E1K_TDBAL, TXR);
	wr(E1K_TDBAH, 0);
	wr(E1K_TDH, 200);
	wr(E1K_TDT, 3);
	CHECK_EQ(rd(E1K_TDH), 200, "TDH past the ring's end: the ring left alone");
	wr(E1K_TDLEN, 0);
	wr(E1K_TDH, 0);
	wr(E1K_TDT, 3);
	CHECK_EQ(rd(E1K_TDH), 0, "TDLEN 0: nothing done");
	wr(E1K_TDLEN, 0xFFFFFFFF);
	CHECK_EQ(rd(E1K_TDLEN), 0xFFF80, "TDLEN keeps bits 19:7 only");
	/* a receive buffer outside RAM: the descriptor says RXE */
	st64(mem(RXR), 0xFFFFFFF000ull);
	rx(f, test_frame(f, 64, 1, mac));
	CHECK((mem(RXR)[12] & RXD_DD) && (mem(RXR)[13] & 0x80), "receive buffer outside RAM: DD with RXE");
	/* a receive ring outside RAM */
	wr(E1K_RDBAL, 0xFFFFF000);
	wr(E1K_RDBAH, 0x7);
	CHECK(rx(f, test_frame(f, 64, 1, mac)), "receive ring outside RAM: the frame is lost, no crash");
	/* frames of 0, 13 and 1537 bytes */
	CHECK(rx(f, 0) && rx(f, 13), "frames shorter than a header: dropped");
	/* bus mastering off: nothing */
	pci_write(0x04, 0x03);
	wr(E1K_RDBAL, RXR);
	wr(E1K_RDBAH, 0);
	unsigned h = rd(E1K_RDH);
	rx(f, test_frame(f, 64, 1, mac));
	CHECK_EQ(rd(E1K_RDH), h, "bus mastering off: no DMA");
	pci_write(0x04, 0x07);
}

/*
 * set_link e1000.0 off and on through the port: STATUS.LU, the PHY's BMSR
 * and ICR.LSC; the guest's ARP request dropped in the port (counted),
 * slirp's frames for a hostfwd client not delivered; on again: replies.
 */
static void test_set_link(void)
{
	char err[256];
	uint8_t f[64];
	uint32_t m;
	struct netport *p = s->port;
	int port = 20000 + (getpid() + 7) % 20000;
	start(RCTL_BAM);
	usleep(200000);          /* late replies of the tests before */
	start(RCTL_BAM);
	CHECK(net_set_link(vm, "e1000.0", "down", err, sizeof(err)) == 0, "set_link e1000.0 down (off)");
	uint32_t icr = rd(E1K_ICR);
	CHECK(!(rd(E1K_STATUS) & STATUS_LU) && (icr & ICR_LSC), "STATUS.LU clear, ICR.LSC (%08x)", icr);
	CHECK(!(phy_read(1, PHY_STATUS, &m) & BMSR_LINK), "the PHY's BMSR: no link");
	uint64_t txd = p->tx_dropped, rxd = p->rx_dropped, rxf = p->rx_frames;
	memcpy(mem(TXBUF), f, arp_request(f, mac));
	legacy_tx(0, TXBUF, 60, TXD_EOP | TXD_IFCS | TXD_RS);
	wr(E1K_TDT, 1);
	CHECK((mem(TXR)[12] & TXD_STA_DD) && p->tx_dropped == txd + 1,
	      "the card sends (DD), the port drops it, counted");
	CHECK(!wait_dd(0, 500), "no ARP reply without the cable");
	char rule[64];
	snprintf(rule, sizeof(rule), "tcp::%d-:23", port);
	CHECK(net_hostfwd_add(vm, NULL, rule, err, sizeof(err)) == 0, "hostfwd %s", rule);
	int fd = hostfwd_poke(port);
	for (int i = 0; i < 300 && p->rx_dropped == rxd; i++)
		usleep(10000);
	CHECK(p->rx_dropped > rxd && p->rx_frames == rxf && !(mem(RXR)[12] & RXD_DD),
	      "slirp's frames for a hostfwd client: dropped in the port, none in the ring");
	close(fd);
	snprintf(rule, sizeof(rule), "tcp::%d", port);
	net_hostfwd_remove(vm, NULL, rule, err, sizeof(err));
	CHECK(net_set_link(vm, "e1000.0", "on", err, sizeof(err)) == 0, "set_link e1000.0 on");
	icr = rd(E1K_ICR);
	CHECK((rd(E1K_STATUS) & STATUS_LU) && (icr & ICR_LSC), "STATUS.LU set, ICR.LSC again");
	CHECK(phy_read(1, PHY_STATUS, &m) & BMSR_LINK, "the PHY's BMSR: link");
	legacy_tx(1, TXBUF, 60, TXD_EOP | TXD_IFCS | TXD_RS);
	wr(E1K_TDT, 2);
	CHECK(wait_dd(0, 3000), "an ARP request gets its reply again");
}

int main(void)
{
	struct vm_config cfg;
	vmconfig_defaults(&cfg);
	cfg.n_vifs = 1;
	memcpy(cfg.vifs[0].mac, mac, 6);
	cfg.vifs[0].model = xstrdup("e1000");
	cfg.vifs[0].type = xstrdup("ioemu");
	vm = unit_vm_new(16, &cfg, NULL);
	CHECK(pc_create_part(vm, "pci") == 0, "pci bus");
	CHECK(pc_create_part(vm, "e1000") == 0, "e1000 created with its slirp back end");
	s = vm_lookup(vm, "e1000");
	CHECK(s != NULL, "published");
	if (!s)
		return 1;
	for (int i = 0; i < 4; i++)
		pci_set_pirq_route(pci_bus_of(vm), (unsigned)i, 11);
	evloop_start_thread(vm->loop);
	test_pci_and_eeprom();
	test_reset_and_phy();
	test_tx_legacy_slirp();
	test_set_link();
	test_tx_offload();
	test_tx_burst();
	test_rx_ring();
	test_rx_checksums();
	test_filters();
	test_interrupts();
	test_outside_ram();
	vm_destroy(vm);
	vmconfig_free(&cfg);
	return UNIT_DONE();
}
