/*
 * The RTL8139 driven through its ports as 8139too and 8139cp drive it: PCI
 * set-up, the EEPROM read bit by bit, reset, the receive ring (header,
 * alignment, wrap with and without the WRAP bit, overflow), the address
 * filter and multicast hash, the four transmit descriptors, C+ mode
 * descriptor rings with checksum offload and large send (TSO), interrupts,
 * the timer, and guest addresses outside RAM. Transmitted frames go to a
 * real libslirp, whose ARP and ICMP replies come back into the ring.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "core/evloop.h"
#include "core/net.h"
#include "core/net_priv.h"
#include "core/util.h"
#include "devices/pci.h"
#include "devices/rtl8139.h"
#include "net_frames.h"
#include "unit_vm.h"

#define IO 0xC100
#define RXBUF 0x20000      /* 8K + 16 + 1536 */
#define TXBUF 0x30000
#define CP_RX 0x40000      /* C+ rings and buffers */
#define CP_TX 0x41000
#define CP_BUF 0x50000

static struct vm *vm;
static struct rtl8139 *s;

/* The card's registers in its I/O BAR, its configuration space at 00:03.0;
 * its interrupt is GSI 11 (main routes every PIRQ there): unit_irqs.level[11]. */
static void w8(unsigned r, uint32_t v) { unit_outb(vm, IO + r, (uint8_t)v); }
static void w16(unsigned r, uint32_t v) { unit_outw(vm, IO + r, (uint16_t)v); }
static void w32(unsigned r, uint32_t v) { unit_outl(vm, IO + r, v); }
static uint32_t r8(unsigned r) { return unit_inb(vm, IO + r); }
static uint32_t r16(unsigned r) { return unit_inw(vm, IO + r); }
static uint32_t r32(unsigned r) { return unit_inl(vm, IO + r); }
static void pci_write(unsigned reg, uint32_t v) { unit_pci_write(vm, 3, 0, reg, v, 4); }
static uint32_t pci_read(unsigned reg) { return unit_pci_read(vm, 3, 0, reg, 4); }
static uint8_t *mem(uint32_t gpa) { return vm_gpa_to_hva(vm, gpa, 1); }

/* The 93C46 read as Linux's read_eeprom does it, through 9346CR. */
static uint16_t eeprom_read(unsigned addr)
{
	unsigned cmd = (6u << 6) | addr;   /* start bit, READ, 6 address bits */
	w8(RTL_9346CR, 0x80);
	w8(RTL_9346CR, 0x88);
	for (int i = 9; i >= 0; i--) {
		unsigned di = (cmd >> i) & 1 ? 0x02 : 0;
		w8(RTL_9346CR, 0x88 | di);
		w8(RTL_9346CR, 0x88 | di | 0x04);
	}
	w8(RTL_9346CR, 0x88);
	uint16_t v = 0;
	for (int i = 16; i > 0; i--) {
		w8(RTL_9346CR, 0x88 | 0x04);
		v = (uint16_t)(v << 1 | (r8(RTL_9346CR) & 1));
		w8(RTL_9346CR, 0x88);
	}
	w8(RTL_9346CR, 0x00);
	return v;
}

static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x12, 0x34, 0x56 };
static const uint8_t gw_mac_prefix[2] = { 0x52, 0x55 };   /* slirp's own addresses */

static bool wait_isr(uint16_t bits, int ms)
{
	for (int i = 0; i < ms; i++) {
		if (r16(RTL_ISR) & bits)
			return true;
		usleep(1000);
	}
	return false;
}

/* The driver's read point: CAPR = offset - 16, as 8139too writes it. */
static void consume(unsigned *rd, unsigned size)
{
	unsigned len = ld16(mem(RXBUF + *rd + 2));
	*rd = (*rd + len + 4 + 3) & ~3u;
	*rd %= size;
	w16(RTL_CAPR, (*rd - 16) & 0xFFFF);
}

static void test_pci_and_eeprom(void)
{
	CHECK_EQ(pci_read(0), 0x813910EC, "PCI 10ec:8139 at 00:03.0");
	CHECK_EQ(pci_read(8), 0x02000020, "class 0200 (Ethernet), revision 0x20 (C+)");
	pci_write(0x10, IO);
	pci_write(0x04, 0x07);     /* I/O, memory, bus master */
	CHECK_EQ(pci_read(0x10), IO | 1, "BAR0 is 256 bytes of I/O");
	pci_write(0x14, 0xFFFFFFFF);
	CHECK_EQ(pci_read(0x14), 0xFFFFFF00, "BAR1 is 256 bytes of memory");
	pci_write(0x14, 0);
	pci_write(0x30, 0xFFFFFFFE);
	CHECK(pci_read(0x30) == 0xFFFE0000, "ROM BAR: 128 KiB for iPXE (%08x)", pci_read(0x30));
	pci_write(0x30, 0);
	CHECK_EQ(eeprom_read(0), 0x8129, "EEPROM word 0: the 8129 signature");
	CHECK_EQ(eeprom_read(7), 0x1600, "EEPROM word 7: MAC bytes 0-1");
	CHECK_EQ(eeprom_read(9), 0x5634, "EEPROM word 9: MAC bytes 4-5");
	CHECK(r32(0) == 0x123e1600 && r16(4) == 0x5634, "IDR0-5 hold the vif's MAC");
	w8(0, 0xAA);
	w8(RTL_9346CR, 0x40);   /* auto-load */
	CHECK(r8(0) == 0x00 && (r8(RTL_9346CR) & 0xC0) == 0, "9346CR auto-load: IDR0 from the EEPROM again");
	unsigned c1 = r8(RTL_CONFIG1);
	w8(RTL_CONFIG1, c1 ^ 0x20);
	CHECK_EQ(r8(RTL_CONFIG1), c1, "CONFIG1 locked unless 9346CR is 11b");
	w8(RTL_9346CR, 0xC0);
	w8(RTL_CONFIG1, c1 ^ 0x20);
	CHECK_EQ(r8(RTL_CONFIG1), c1 ^ 0x20, "CONFIG1 written with 9346CR unlocked");
	w8(RTL_9346CR, 0x00);
}

static void test_reset_and_phy(void)
{
	w8(RTL_CR, CR_RST);
	CHECK_EQ(r8(RTL_CR) & CR_RST, 0, "reset completes at once");
	CHECK_EQ(r8(RTL_CR), CR_BUFE, "after reset: receiver and transmitter off, ring empty");
	CHECK_EQ(r16(RTL_CAPR), 0xFFF0, "CAPR 0xFFF0 (read point 0)");
	CHECK_EQ(r32(RTL_TSD0) & TSD_OWN, TSD_OWN, "TSD0: OWN set (free)");
	CHECK_EQ(r32(RTL_TCR) & 0x7CC00000, 0x74800000, "TCR names the RTL8139C+");
	CHECK_EQ(r16(RTL_BMSR) & 0x24, 0x24, "BMSR: link up, negotiation done");
	CHECK_EQ(r8(RTL_MSR) & 0x04, 0, "MSR: LINKB clear (link ok)");
	w16(RTL_BMCR, 0x8000);
	CHECK_EQ(r16(RTL_BMCR), 0x3100, "BMCR reset: 100 Mb/s, negotiating, full duplex");
}

static void start_normal(uint32_t rcr)
{
	w8(RTL_CR, CR_RST);
	w32(RTL_RBSTART, RXBUF);
	w32(RTL_RCR, rcr);
	w16(RTL_IMR, 0xFFFF);
	w8(RTL_CR, CR_RE | CR_TE);
	memset(mem(RXBUF), 0xEE, 8192 + 16 + 1536);
}

static void test_filter(void)
{
	uint8_t f[100];
	start_normal(RCR_APM);
	unsigned cbr = r16(RTL_CBR);
	rtl8139_receive(s, f, test_frame(f, 64, 1, (const uint8_t *)"\x00\x16\x3e\x00\x00\x01"));
	CHECK_EQ(r16(RTL_CBR), cbr, "APM: another station's frame is not taken");
	rtl8139_receive(s, f, test_frame(f, 64, 1, (const uint8_t *)"\xff\xff\xff\xff\xff\xff"));
	CHECK_EQ(r16(RTL_CBR), cbr, "broadcast without AB: not taken");
	rtl8139_receive(s, f, test_frame(f, 64, 1, mac));
	CHECK(r16(RTL_CBR) == 72 && (ld16(mem(RXBUF)) & 0x4001) == 0x4001,
	      "our MAC: taken, status ROK|PAM (cbr %u)", r16(RTL_CBR));
	CHECK_EQ(ld16(mem(RXBUF + 2)), 68, "length counts the CRC");
	CHECK(!memcmp(mem(RXBUF + 4), f, 64), "the frame follows the header");
	CHECK_EQ(r8(RTL_CR) & CR_BUFE, 0, "BUFE clear: something to read");

	const uint8_t *mc = (const uint8_t *)"\x01\x00\x5e\x00\x00\x01";
	unsigned bit = net_mcast_hash_bit(mc);
	w32(RTL_RCR, RCR_APM | RCR_AM);
	cbr = r16(RTL_CBR);
	rtl8139_receive(s, f, test_frame(f, 64, 2, mc));
	CHECK_EQ(r16(RTL_CBR), cbr, "multicast with its MAR bit clear: not taken");
	w8(RTL_MAR0 + (bit >> 3), 1u << (bit & 7));
	rtl8139_receive(s, f, test_frame(f, 64, 2, mc));
	CHECK(r16(RTL_CBR) != cbr && (ld16(mem(RXBUF + cbr)) & 0x8001) == 0x8001,
	      "multicast with its MAR bit set: taken, status MAR");
	/* Linux's ether_crc(01:00:5e:00:00:01) >> 26, as 8139too and 8139cp fill MAR */
	CHECK_EQ(bit, 31, "01:00:5e:00:00:01 (224.0.0.1) hashes to MAR bit 31");
	w32(RTL_RCR, RCR_AAP);
	cbr = r16(RTL_CBR);
	rtl8139_receive(s, f, test_frame(f, 64, 3, (const uint8_t *)"\x00\x16\x3e\x00\x00\x01"));
	CHECK(r16(RTL_CBR) != cbr, "AAP: every unicast frame taken");
}

static void test_ring(void)
{
	uint8_t f[1600];
	start_normal(RCR_APM);          /* 8 KiB ring, WRAP clear */
	w16(RTL_ISR, 0xFFFF);
	unsigned rd = 0, n = 0;
	bool ok = true;
	/* 1000-byte frames: the eighth straddles the end and wraps to the start */
	for (n = 0; n < 20; n++) {
		test_frame(f, 1000, (uint8_t)n, mac);
		unsigned at = rd;
		ok &= rtl8139_receive(s, f, 1000);
		uint8_t got[1000];
		for (unsigned i = 0; i < 1000; i++)
			got[i] = *mem(RXBUF + (at + 4 + i) % 8192);
		ok &= !memcmp(got, f, 1000) && ld16(mem(RXBUF + at + 2)) == 1004;
		consume(&rd, 8192);
	}
	CHECK(ok, "20 frames round an 8 KiB ring (WRAP clear): each one whole, wrapped at the end");
	CHECK_EQ(r16(RTL_ISR) & INT_ROK, INT_ROK, "ISR ROK");
	CHECK(unit_irqs.level[11], "IMR & ISR: the interrupt line is up");
	w16(RTL_ISR, INT_ROK);
	CHECK(!unit_irqs.level[11] && !(r16(RTL_ISR) & INT_ROK), "writing ROK clears it and the line");

	/* WRAP set: the frame runs on past the end of the ring (8139too's RxNoWrap) */
	start_normal(RCR_APM | RCR_WRAP);
	rd = 0;
	ok = true;
	for (n = 0; n < 20; n++) {
		test_frame(f, 1000, (uint8_t)(n + 7), mac);
		unsigned at = rd;
		rtl8139_receive(s, f, 1000);
		ok &= !memcmp(mem(RXBUF + at + 4), f, 1000);
		consume(&rd, 8192);
	}
	CHECK(ok, "WRAP set: frames past the end are linear in the 1536-byte slack");

	/* nobody reads: the ring fills, the card says so and keeps what it has */
	start_normal(RCR_APM);
	w16(RTL_ISR, 0xFFFF);
	unsigned taken = 0;
	for (n = 0; n < 20; n++)
		taken += rtl8139_receive(s, f, test_frame(f, 1000, 0, mac));
	CHECK(taken == 8 && (r16(RTL_ISR) & INT_RXOVW), "full ring: 8 frames taken, RXOVW (%u)", taken);
	CHECK(r32(RTL_MPC) > 0, "missed packets counted");
	w32(RTL_MPC, 0);
	CHECK_EQ(r32(RTL_MPC), 0, "MPC cleared by a write");

	/* a ring outside guest RAM: no write anywhere, a system error */
	start_normal(RCR_APM);
	w32(RTL_RBSTART, 0xFFFFF000);
	rtl8139_receive(s, f, test_frame(f, 100, 0, mac));
	CHECK(r16(RTL_ISR) & INT_SERR, "ring outside RAM: SERR, nothing written");
}

static void test_tx_slirp(void)
{
	uint8_t f[64];
	start_normal(RCR_APM | RCR_AB);
	w16(RTL_ISR, 0xFFFF);
	memcpy(mem(TXBUF), f, arp_request(f, mac));
	w32(RTL_TSAD0, TXBUF);
	w32(RTL_TSD0, 60);
	CHECK((r32(RTL_TSD0) & (TSD_OWN | TSD_TOK)) == (TSD_OWN | TSD_TOK), "TSD0: OWN and TOK");
	CHECK(r16(RTL_ISR) & INT_TOK, "ISR TOK");
	CHECK_EQ(r16(RTL_TSAD) & 0x100F, 0x100F, "TSAD: OWN of all four, TOK of descriptor 0");
	CHECK(wait_isr(INT_ROK, 3000), "slirp's ARP reply arrived");
	uint8_t *r = mem(RXBUF + 4);
	CHECK(ld16be(r + 12) == 0x0806 && ld16be(r + 20) == 2 && !memcmp(r + 28, "\x0a\x00\x02\x02", 4) &&
	      !memcmp(r + 6, gw_mac_prefix, 2), "it is an ARP reply from 10.0.2.2");

	/* descriptors 1..3 in turn, and bad ones */
	w32(RTL_TSAD0 + 4, TXBUF);
	w32(RTL_TSD0 + 4, 60);
	CHECK(r32(RTL_TSD0 + 4) & TSD_TOK, "TSD1 sends too");
	w32(RTL_TSAD0 + 8, 0xFFFFFF00);
	w16(RTL_ISR, 0xFFFF);
	w32(RTL_TSD0 + 8, 200);
	CHECK((r32(RTL_TSD0 + 8) & TSD_TABT) && (r16(RTL_ISR) & (INT_TER | INT_SERR)) == (INT_TER | INT_SERR),
	      "buffer outside RAM: aborted, TER and SERR");
	w32(RTL_TSAD0 + 12, TXBUF);
	w32(RTL_TSD0 + 12, 0x1FFF);
	CHECK(r32(RTL_TSD0 + 12) & TSD_TABT, "8191 bytes (more than 1792): aborted");
}

static void net_info_text(char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");
	net_info(vm, f);
	fclose(f);
}

/*
 * set_link off and on: what the card shows (MSR.LINKB, BMSR, ISR.LinkChg and
 * the line, CSCR bit 11 for 8139too) and that frames stop both ways: the
 * guest's ARP request goes nowhere, slirp's frames for a hostfwd client do
 * not come in.
 */
static void test_link(void)
{
	char err[256];
	uint8_t f[64];
	struct netport *p = s->port;
	int port = 20000 + getpid() % 20000;
	start_normal(RCR_APM | RCR_AB);
	usleep(200000);          /* late replies of the tests before */
	start_normal(RCR_APM | RCR_AB);
	w16(RTL_ISR, 0xFFFF);
	CHECK(net_set_link(vm, "rtl8139.7", "off", err, sizeof(err)) < 0 &&
	      strstr(err, "no network card 'rtl8139.7' (info network names them: rtl8139.0)"),
	      "set_link of an unknown card: %s", err);
	CHECK(net_set_link(vm, "rtl8139.0", "of", err, sizeof(err)) < 0 &&
	      strstr(err, "invalid link state 'of': on or off"), "set_link with a bad state: %s", err);
	CHECK(!(r16(RTL_ISR) & INT_LINKCHG) && netport_link_up(p), "... neither changed anything");

	CHECK(net_set_link(vm, "rtl8139.0", "off", err, sizeof(err)) == 0, "set_link rtl8139.0 off");
	CHECK_EQ(r8(RTL_MSR) & 0x04, 0x04, "MSR: LINKB set (link fail)");
	CHECK_EQ(r16(RTL_BMSR) & 0x04, 0, "BMSR: link status clear (what 8139cp's mii_check_media reads)");
	CHECK(r16(RTL_ISR) & INT_LINKCHG, "ISR: LinkChg (bit 5)");
	CHECK(unit_irqs.level[11], "IMR has LinkChg: the line is up");
	CHECK(r16(RTL_CSCR) & 0x0800, "CSCR bit 11 while LinkChg is pending (8139too's LinkChange)");
	w16(RTL_ISR, INT_LINKCHG);
	CHECK(!unit_irqs.level[11] && !(r16(RTL_CSCR) & 0x0800),
	      "LinkChg acked: the line down, CSCR bit 11 clear");
	CHECK(!netport_link_up(p), "the port's cable is out");
	char info[2048];
	net_info_text(info, sizeof(info));
	CHECK(strstr(info, "rtl8139.0: index=0,type=nic,model=rtl8139,macaddr=00:16:3e:12:34:56,link=down"),
	      "info network: link=down");

	uint64_t txd = p->tx_dropped, txf = p->tx_frames, rxd = p->rx_dropped, rxf = p->rx_frames;
	memcpy(mem(TXBUF), f, arp_request(f, mac));
	w32(RTL_TSAD0, TXBUF);
	w32(RTL_TSD0, 60);
	CHECK(r32(RTL_TSD0) & TSD_TOK, "the card sends on a dead wire (TOK)");
	CHECK(p->tx_dropped == txd + 1 && p->tx_frames == txf, "the port dropped it, counted");
	CHECK(!wait_isr(INT_ROK, 500), "no ARP reply without the cable");
	char rule[64];
	snprintf(rule, sizeof(rule), "tcp::%d-:23", port);
	CHECK(net_hostfwd_add(vm, NULL, rule, err, sizeof(err)) == 0, "hostfwd %s", rule);
	int fd = hostfwd_poke(port);
	for (int i = 0; i < 300 && p->rx_dropped == rxd; i++)
		usleep(10000);
	CHECK(p->rx_dropped > rxd && p->rx_frames == rxf, "slirp's frames for a hostfwd client: dropped "
	      "in the port, counted (%llu)", (unsigned long long)(p->rx_dropped - rxd));
	CHECK(!(r16(RTL_ISR) & INT_ROK) && (r8(RTL_CR) & CR_BUFE), "... and none in the ring");
	close(fd);

	CHECK(net_set_link(vm, "0", "on", err, sizeof(err)) == 0, "set_link 0 on (the vif index)");
	CHECK_EQ(r8(RTL_MSR) & 0x04, 0, "MSR: LINKB clear");
	CHECK_EQ(r16(RTL_BMSR) & 0x24, 0x24, "BMSR: link up, negotiation done");
	CHECK((r16(RTL_ISR) & INT_LINKCHG) && unit_irqs.level[11], "LinkChg again, the line up");
	w16(RTL_ISR, 0xFFFF);
	CHECK(net_set_link(vm, "user.0", "on", err, sizeof(err)) == 0 && !(r16(RTL_ISR) & INT_LINKCHG),
	      "set_link user.0 on while on: no change, no LinkChg");
	w32(RTL_TSAD0 + 4, TXBUF);
	w32(RTL_TSD0 + 4, 60);
	CHECK(wait_isr(INT_ROK, 3000), "an ARP request gets its reply again");
	snprintf(rule, sizeof(rule), "tcp::%d", port);
	CHECK(net_hostfwd_remove(vm, NULL, rule, err, sizeof(err)) == 0, "hostfwd_remove %s", rule);
}

/* 8139cp: rings of 4 descriptors each, the last with EOR. */
static void cp_setup(void)
{
	w8(RTL_CR, CR_RST);
	usleep(200000);   /* late replies to the normal-mode frames land nowhere */
	w16(RTL_CPCR, CPCR_RXON | CPCR_TXON);
	for (int i = 0; i < 4; i++) {
		uint8_t *d = mem(CP_RX + 16 * i);
		st32(d, DESC_OWN | (i == 3 ? DESC_EOR : 0) | 1536);
		st32(d + 4, 0);
		st64(d + 8, CP_BUF + 0x800 * i);
		memset(mem(CP_TX + 16 * i), 0, 16);
	}
	w32(RTL_RDSAR, CP_RX);
	w32(RTL_RDSAR + 4, 0);
	w32(RTL_TSAD0, CP_TX);
	w32(RTL_TSAD0 + 4, 0);
	w32(RTL_RCR, RCR_APM | RCR_AB);
	w8(RTL_CR, CR_RE | CR_TE);
	w16(RTL_ISR, 0xFFFF);
}

static void cp_send(unsigned i, uint32_t len, uint32_t flags)
{
	uint8_t *d = mem(CP_TX + 16 * i);
	st32(d, DESC_OWN | DESC_FS | DESC_LS | flags | (i == 3 ? DESC_EOR : 0) | len);
	st64(d + 8, TXBUF);
	w8(RTL_TPPOLL, 0x40);
}

static void test_cplus(void)
{
	uint8_t f[64];
	cp_setup();
	memcpy(mem(TXBUF), f, arp_request(f, mac));
	bool ok = true;
	/* six round trips: both rings wrap at their EOR descriptor */
	for (unsigned n = 0; n < 6; n++) {
		w16(RTL_ISR, 0xFFFF);
		cp_send(n % 4, 60, 0);
		ok &= !(ld32(mem(CP_TX + 16 * (n % 4))) & DESC_OWN);
		ok &= wait_isr(INT_ROK, 3000);
		uint8_t *d = mem(CP_RX + 16 * (n % 4));
		uint32_t o = ld32(d);
		uint8_t *r = mem(CP_BUF + 0x800 * (n % 4));
		ok &= !(o & DESC_OWN) && (o & (DESC_FS | DESC_LS)) == (DESC_FS | DESC_LS) &&
		      (o & 0x1FFF) >= 64 && ld16be(r + 12) == 0x0806 && ld16be(r + 20) == 2;
		if (!ok)
			printf("# round %u: tx %08x rx %08x\n", n, ld32(mem(CP_TX + 16 * (n % 4))), o);
		st32(d, DESC_OWN | (n % 4 == 3 ? DESC_EOR : 0) | 1536);   /* back to the card */
	}
	CHECK(ok, "C+ mode: 6 ARP round trips through 4-descriptor rings (EOR wrap)");

	/* ICMP echo to 10.0.2.2 with a zero IP checksum and IPCS: slirp answers
	 * only if the card filled the checksum in */
	uint8_t e[98] = { 0 };
	memcpy(e, "\x52\x55\x0a\x00\x02\x02", 6);
	memcpy(e + 6, mac, 6);
	st16be(e + 12, 0x0800);
	e[14] = 0x45;
	st16be(e + 16, 84);
	e[22] = 64;
	e[23] = 1;
	memcpy(e + 26, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
	e[34] = 8;     /* echo request */
	st16be(e + 38, 0x1234);
	st16be(e + 40, 1);
	for (int i = 42; i < 98; i++)
		e[i] = (uint8_t)i;
	uint32_t sum = 0;
	for (int i = 34; i < 98; i += 2)
		sum += ld16be(e + i);
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	st16be(e + 36, (uint16_t)~sum);
	memcpy(mem(TXBUF), e, sizeof(e));
	unsigned n = 6 % 4, tx = 6 % 4;
	w16(RTL_ISR, 0xFFFF);
	cp_send(tx++, sizeof(e), DESC_TX_IPCS);
	bool got = false;
	/* slirp may first ask who 10.0.2.15 is: answered, as a guest would */
	for (int k = 0; k < 6 && !got; k++) {
		int ms = 0;
		while ((ld32(mem(CP_RX + 16 * n)) & DESC_OWN) && ms++ < 3000)
			usleep(1000);
		if (ms >= 3000)
			break;
		w16(RTL_ISR, 0xFFFF);
		uint8_t *r = mem(CP_BUF + 0x800 * n);
		if (ld16be(r + 12) == 0x0806 && ld16be(r + 20) == 1) {
			uint8_t a[60];
			arp_request(a, mac);
			memcpy(a, r + 6, 6);
			st16be(a + 20, 2);
			memcpy(a + 32, r + 22, 10);   /* target: the asker */
			memcpy(mem(TXBUF + 0x100), a, 60);
			uint8_t *d = mem(CP_TX + 16 * (tx % 4));
			st32(d, DESC_OWN | DESC_FS | DESC_LS | (tx % 4 == 3 ? DESC_EOR : 0) | 60);
			st64(d + 8, TXBUF + 0x100);
			w8(RTL_TPPOLL, 0x40);
			tx++;
		} else {
			got = ld16be(r + 12) == 0x0800 && r[23] == 1 && r[34] == 0 &&
			      ld16be(r + 38) == 0x1234;
		}
		st32(mem(CP_RX + 16 * n), DESC_OWN | (n == 3 ? DESC_EOR : 0) | 1536);
		n = (n + 1) % 4;
	}
	CHECK(got, "IPCS: the card filled the IP checksum; slirp's echo reply came back");

	/* a descriptor pointing outside RAM, a ring outside RAM */
	w16(RTL_ISR, 0xFFFF);
	w8(RTL_CR, CR_RST);
	w16(RTL_CPCR, CPCR_TXON);
	w32(RTL_TSAD0, CP_TX);
	w32(RTL_TSAD0 + 4, 0);
	uint8_t *d = mem(CP_TX);
	st32(d, DESC_OWN | DESC_FS | DESC_LS | DESC_EOR | 60);
	st64(d + 8, 0xFFFFFFFFF000ull);
	w8(RTL_TPPOLL, 0x40);
	CHECK(r16(RTL_ISR) & INT_SERR, "C+ buffer outside RAM: SERR");
	w32(RTL_TSAD0, 0xFFFFFFF0);
	w32(RTL_TSAD0 + 4, 0x7);
	w16(RTL_ISR, 0xFFFF);
	w8(RTL_TPPOLL, 0x40);
	CHECK(r16(RTL_ISR) & INT_SERR, "C+ ring outside RAM: SERR");
}

/* The ones' complement sum of len bytes (big-endian words), for checking. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += ld16be(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return sum;
}

/*
 * Large send, as Linux's 8139cp hands a TSO datagram over: the headers in
 * one descriptor, 4000 bytes of payload in a second, LGSEN and MSS 1460 in
 * both. On the wire (the port's capture): three segments of 1460, 1460 and
 * 1080 bytes with their own IP length and ID, sequence numbers, FIN and
 * PSH on the last only, and valid IP and TCP checksums. A large send of
 * UDP is refused with TxError.
 */
static void test_large_send(void)
{
	enum { HDR = 54, PAY = 4000, MSS = 1460 };
	char path[] = "/tmp/vmst-lgsen-XXXXXX", err[200];
	int fd = mkstemp(path);
	CHECK(fd >= 0, "a capture file");
	close(fd);
	cp_setup();
	uint8_t *h = mem(CP_BUF + 0x2000), *pay = mem(CP_BUF + 0x3000);
	memset(h, 0, HDR);
	memcpy(h, "\x52\x55\x0a\x00\x02\x02", 6);
	memcpy(h + 6, mac, 6);
	st16be(h + 12, 0x0800);
	h[14] = 0x45;
	st16be(h + 18, 0x1000);             /* IP ID */
	h[22] = 64;
	h[23] = 6;                         /* TCP */
	memcpy(h + 26, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
	st16be(h + 34, 40000);
	st16be(h + 36, 9);                 /* discard: slirp resets it, nothing more */
	st32be(h + 38, 0x01000000);        /* seq */
	h[46] = 5 << 4;
	h[47] = 0x19;                      /* FIN PSH ACK */
	st16be(h + 48, 8192);
	for (int i = 0; i < PAY; i++)
		pay[i] = (uint8_t)(i * 7);
	CHECK(net_capture_start(vm, "rtl8139.0", path, err, sizeof(err)) == 0, "capture started%s%s", err[0] ? ": " : "", err);
	uint32_t lg = DESC_TX_LGSEN | (uint32_t)MSS << 16;
	uint8_t *d0 = mem(CP_TX), *d1 = mem(CP_TX + 16);
	st64(d1 + 8, CP_BUF + 0x3000);
	st32(d1, DESC_OWN | DESC_LS | lg | PAY);
	st64(d0 + 8, CP_BUF + 0x2000);
	st32(d0, DESC_OWN | DESC_FS | lg | HDR);   /* the first one last, as the driver does */
	w16(RTL_ISR, 0xFFFF);
	w8(RTL_TPPOLL, 0x40);
	CHECK(!(ld32(d0) & DESC_OWN) && !(ld32(d1) & DESC_OWN) && !(ld32(d1) & (1u << 23)),
	      "both descriptors given back, no TxError (%08x)", ld32(d1));
	CHECK((r16(RTL_ISR) & (INT_TOK | INT_TER)) == INT_TOK, "TOK, not TER");
	/* UDP with LGSEN: nothing to cut */
	h[23] = 17;
	uint8_t *d2 = mem(CP_TX + 32);
	st64(d2 + 8, CP_BUF + 0x2000);
	st32(d2, DESC_OWN | DESC_FS | DESC_LS | lg | HDR);
	w16(RTL_ISR, 0xFFFF);
	w8(RTL_TPPOLL, 0x40);
	CHECK((ld32(d2) & (1u << 23)) && (r16(RTL_ISR) & INT_TER), "a large send of UDP: TxError");
	CHECK(net_capture_stop(vm, "rtl8139.0", err, sizeof(err)) == 0, "capture stopped");

	static uint8_t buf[16384];
	fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (fd >= 0)
		close(fd);
	unlink(path);
	unsigned segs = 0, good = 0, off = 0;
	for (ssize_t at = 24; n > 0 && at + 16 <= n;) {
		uint32_t len = ld32(buf + at + 8);
		const uint8_t *f = buf + at + 16;
		at += 16 + len;
		if (at > n || len < HDR || memcmp(f + 6, mac, 6) || f[23] != 6)
			continue;   /* slirp's answers, ARP */
		unsigned plen = len - HDR, want = PAY - off < MSS ? PAY - off : MSS;
		bool last = off + plen == PAY;
		uint8_t pseudo[12];
		memcpy(pseudo, f + 26, 8);
		pseudo[8] = 0;
		pseudo[9] = 6;
		st16be(pseudo + 10, (uint16_t)(len - 34));
		bool ok = plen == want && ld16be(f + 16) == len - 14 && ld16be(f + 18) == 0x1000 + segs &&
			  ld32be(f + 38) == 0x01000000 + off && f[47] == (last ? 0x19 : 0x10) &&
			  sum16(0, f + 14, 20) == 0xFFFF &&
			  sum16(sum16(0, pseudo, 12), f + 34, len - 34) == 0xFFFF &&
			  !memcmp(f + HDR, pay + off, plen);
		good += ok;
		segs++;
		off += plen;
	}
	CHECK(segs == 3 && good == 3 && off == PAY,
	      "4000 bytes at MSS 1460: 3 segments on the wire, lengths, IDs, sequence numbers, "
	      "FIN/PSH on the last, both checksums and the payload right (%u of %u)", good, segs);
}

/*
 * A burst of large sends bigger than the port's queue: four descriptors of
 * 60000 bytes of TCP payload at MSS 500, 480 segments from one TPPoll. The
 * ring waits (OWN kept) while the queue is full and goes on as the port
 * drains it (rtl8139_tx_wake): all 480 sent, none dropped, every
 * descriptor given back.
 */
static void test_large_send_burst(void)
{
	enum { HDR = 54, PAY = 60000, MSS = 500, BUF = 0x100000 };
	struct netport *p = s->port;
	cp_setup();
	uint8_t *f = mem(BUF);
	memset(f, 0, HDR + PAY);
	memcpy(f, "\x52\x55\x0a\x00\x02\x02", 6);
	memcpy(f + 6, mac, 6);
	st16be(f + 12, 0x0800);
	f[14] = 0x45;
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
	st16be(f + 34, 40000);
	st16be(f + 36, 9);
	f[46] = 5 << 4;
	f[47] = 0x10;
	uint64_t frames0, dropped0, frames, dropped;
	port_tx_counts(p, &frames0, &dropped0);
	for (unsigned i = 0; i < 4; i++) {
		uint8_t *d = mem(CP_TX + 16 * i);
		st64(d + 8, BUF);
		st32(d, DESC_OWN | DESC_FS | DESC_LS | DESC_TX_LGSEN | (uint32_t)MSS << 16 |
		     (i == 3 ? DESC_EOR : 0) | (HDR + PAY));
	}
	w8(RTL_TPPOLL, 0x40);
	bool owned = true;
	for (int t = 0; t < 3000 && owned; t++) {
		owned = false;
		for (unsigned i = 0; i < 4; i++)
			owned |= (ld32(mem(CP_TX + 16 * i)) & DESC_OWN) != 0;
		if (owned)
			usleep(1000);
	}
	CHECK(!owned, "the ring went on as the port drained: all four descriptors given back");
	port_tx_counts(p, &frames, &dropped);
	CHECK(frames - frames0 == 480 && dropped == dropped0, "the port took all 480 segments, dropped none (%llu, %llu)",
	      (unsigned long long)(frames - frames0), (unsigned long long)(dropped - dropped0));
}

static void test_timer(void)
{
	w8(RTL_CR, CR_RST);
	w16(RTL_IMR, INT_TIMEOUT);
	w16(RTL_ISR, 0xFFFF);
	uint32_t a = r32(RTL_TCTR);
	usleep(2000);
	uint32_t b = r32(RTL_TCTR);
	CHECK(b - a >= 33000, "TCTR counts at 33 MHz (%u ticks in 2 ms)", b - a);
	w32(RTL_TCTR, 0);
	CHECK(r32(RTL_TCTR) < 33000, "a write restarts TCTR");
	w32(RTL_TIMERINT, 33000 * 5);   /* 5 ms */
	CHECK(wait_isr(INT_TIMEOUT, 500), "TimerInt: TimeOut in ISR");
	CHECK(unit_irqs.level[11], "and the interrupt line");
	w32(RTL_TIMERINT, 0);
	w16(RTL_ISR, 0xFFFF);
}

/* ARP replies in the ring from its start (nothing consumed, no wrap). */
static unsigned arp_replies(void)
{
	unsigned n = 0, end = r16(RTL_CBR);
	for (unsigned at = 0; at < end;) {
		uint8_t *h = mem(RXBUF + at);
		unsigned len = ld16(h + 2);
		if (ld16be(h + 4 + 12) == 0x0806 && ld16be(h + 4 + 20) == 2)
			n++;
		at = (at + 4 + len + 3) & ~3u;
	}
	return n;
}

/* rate=3000B/s@1s: 60-byte frames leave at 50 a second; the rest wait in the queue. */
static void test_rate(void)
{
	uint8_t f[64];
	pci_write(0x10, IO);
	pci_write(0x04, 0x07);
	start_normal(RCR_APM | RCR_AB);
	memcpy(mem(TXBUF), f, arp_request(f, mac));
	uint64_t t0 = clock_ns();
	for (int n = 0; n < 60; n++) {
		w32(RTL_TSAD0 + 4 * (n & 3), TXBUF);
		w32(RTL_TSD0 + 4 * (n & 3), 60);
	}
	usleep(400000);
	unsigned early = arp_replies();
	char info[2048];
	net_info_text(info, sizeof(info));
	unsigned held = 0;
	const char *w = strstr(info, "   waiting: 0 frames for the guest, ");
	CHECK(w && sscanf(w, "   waiting: 0 frames for the guest, %u for the NAT", &held) == 1 &&
	      held >= 1 && held <= 60, "info network: the frames waiting for their credit (%u)", held);
	unsigned all = 0;
	while (clock_ns() - t0 < 8000000000ull && (all = arp_replies()) < 60)
		usleep(10000);
	double secs = (double)(clock_ns() - t0) / 1e9;
	CHECK(early <= 50 && early >= 1, "rate=3000B/s@1s: %u of 60 replies in the first 0.4 s", early);
	CHECK(all == 60 && secs >= 0.9, "the other 60 - 50 a second later: all %u after %.2f s", all, secs);
}

int main(void)
{
	struct vm_config cfg;
	vmconfig_defaults(&cfg);
	cfg.n_vifs = 1;
	memcpy(cfg.vifs[0].mac, mac, 6);
	cfg.vifs[0].model = xstrdup("rtl8139");
	cfg.vifs[0].type = xstrdup("ioemu");
	vm = unit_vm_new(16, &cfg, NULL);
	CHECK(pc_create_part(vm, "pci") == 0, "pci bus");
	CHECK(pc_create_part(vm, "rtl8139") == 0, "rtl8139 created with its slirp back end");
	s = vm_lookup(vm, "rtl8139");
	CHECK(s != NULL, "published");
	if (!s)
		return 1;
	for (int i = 0; i < 4; i++)
		pci_set_pirq_route(pci_bus_of(vm), (unsigned)i, 11);
	evloop_start_thread(vm->loop);
	test_pci_and_eeprom();
	test_reset_and_phy();
	test_filter();
	test_ring();
	test_tx_slirp();
	test_link();
	test_cplus();
	test_large_send();
	test_timer();
	test_large_send_burst();   /* last: slirp's 480 resets land after it */
	vm_destroy(vm);

	cfg.vifs[0].rate_bps = 3000;
	cfg.vifs[0].rate_interval_us = 1000000;
	vm = unit_vm_new(16, &cfg, (const char *const[]){ "pci", NULL });
	CHECK(pc_create_part(vm, "rtl8139") == 0, "a card with rate=3000B/s@1s");
	s = vm_lookup(vm, "rtl8139");
	if (s)
		test_rate();
	vm_destroy(vm);
	vmconfig_free(&cfg);
	return UNIT_DONE();
}
