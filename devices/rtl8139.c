/*
 * Realtek RTL8139C+ network card (rtl8139.h): the register file behind the
 * I/O BAR and the MMIO BAR (the same 256 bytes), the 93C46 EEPROM holding
 * the MAC, the PHY registers (BMCR/BMSR, the link as set_link leaves it), the timer
 * (TCTR/TimerInt, datasheet 6: "Timer CounT Register"), PCI function 00:03.0
 * (and 00:04.0 ... for more vifs) with Debian's iPXE in its ROM BAR.
 * One card per vif; the receive and transmit paths are rtl8139_rx.c and
 * rtl8139_tx.c, the network behind it core/net.c.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/rtl8139.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/net.h"

#define RTL_ROM "/usr/lib/ipxe/qemu/pxe-rtl8139.rom"
#define RTL_FIRST_SLOT 3
#define TCR_HWVERID 0x74800000u  /* RTL8139C+: TCR bits 30:26 and 23:22 */
#define TCR_RO (0x7C000000u | 0x00C00000u)

/* EEM bits of 9346CR (datasheet 6, "9346CR") */
#define EEM_MASK     0xC0
#define EEM_AUTOLOAD 0x40
#define EEM_PROGRAM  0x80
#define EEM_CFGWRITE 0xC0
#define EE_CS 0x08
#define EE_SK 0x04
#define EE_DI 0x02
#define EE_DO 0x01

#define BMCR_DEFAULT 0x3100      /* 100 Mb/s, auto-negotiation on, full duplex */
#define BMSR_CAPS    0x7809      /* 10/100 half/full, can negotiate, extended regs */
#define BMSR_LINK    0x0004
#define BMSR_ANDONE  0x0020
#define CSCR_LINKCHG 0x0800

void rtl8139_update_irq(struct rtl8139 *s)
{
	if (s->pci.bus)
		pci_set_irq(&s->pci, (s->isr & s->imr) != 0);
}

/* ---- the timer (TCTR counts the PCI clock from its last write) --------- */

static uint64_t tctr_ticks(const struct rtl8139 *s)
{
	return (clock_ns() - s->tctr_base_ns) * (RTL_PCI_HZ / 1000000) / 1000;
}

static void timer_rearm(struct rtl8139 *s)
{
	if (!s->timer)
		return;
	if (!s->timerint) {
		evtimer_cancel(s->timer);
		return;
	}
	uint64_t now = tctr_ticks(s);
	uint64_t target = (now & ~0xFFFFFFFFull) + s->timerint;
	if (target <= now)
		target += 1ull << 32;      /* TCTR wraps and meets it again */
	evtimer_arm_at(s->timer, s->tctr_base_ns + target * 1000 / (RTL_PCI_HZ / 1000000) + 1);
}

static void timer_fire(void *opaque)
{
	struct rtl8139 *s = opaque;
	pthread_mutex_lock(&s->lock);
	if (s->timerint) {
		s->isr |= INT_TIMEOUT;
		rtl8139_update_irq(s);
		timer_rearm(s);
	}
	pthread_mutex_unlock(&s->lock);
}

/* ---- reset ------------------------------------------------------------ */

/* CR.RST: everything but the MAC, the multicast filter and PCI (datasheet 6, CR). */
static void soft_reset(struct rtl8139 *s)
{
	for (int i = 0; i < 4; i++)
		s->tsd[i] = TSD_OWN;       /* free */
	s->tx_next = 0;
	s->capr = 0xFFF0;              /* read point 0 */
	s->cbr = 0;
	s->cr = 0;
	s->isr = s->imr = 0;
	s->cpcr = 0;
	s->intrmit = 0;
	s->cp_tx_idx = s->cp_rx_idx = 0;
	s->cp_tx_len = 0;
	rtl8139_update_irq(s);
}

static void load_mac_from_eeprom(struct rtl8139 *s)
{
	for (int i = 0; i < 3; i++) {
		s->mac[2 * i] = s->eeprom.words[7 + i] & 0xFF;
		s->mac[2 * i + 1] = s->eeprom.words[7 + i] >> 8;
	}
}

static void hard_reset(struct rtl8139 *s)
{
	load_mac_from_eeprom(s);
	memset(s->mar, 0, sizeof(s->mar));
	memset(s->tsad, 0, sizeof(s->tsad));
	s->rbstart = 0;
	s->tcr = TCR_HWVERID;
	s->rcr = 0;
	s->mpc = 0;
	s->cr9346 = 0;
	s->config0 = 0;
	s->config1 = 0x0D;   /* PM on, I/O and memory mapping on (datasheet: CONFIG1) */
	s->config3 = 0;
	s->config4 = 0;
	s->config5 = 0;
	s->msr = 0;
	s->timerint = 0;
	s->tctr_base_ns = clock_ns();
	s->bmcr = BMCR_DEFAULT;
	s->anar = 0x01E1;
	s->multint = 0;
	s->ettthr = 0x3F;
	s->eeprom.state = EE_IDLE;
	s->eeprom.write_enabled = false;
	soft_reset(s);
	timer_rearm(s);
}

/* ---- registers -------------------------------------------------------- */

/* The register containing offset off: its first byte and width (1, 2 or 4). */
static unsigned reg_at(unsigned off, unsigned *width)
{
	static const struct { uint8_t base, width; } wide[] = {
		{ 0x10, 4 }, { 0x14, 4 }, { 0x18, 4 }, { 0x1C, 4 },
		{ 0x20, 4 }, { 0x24, 4 }, { 0x28, 4 }, { 0x2C, 4 },
		{ 0x30, 4 }, { 0x34, 2 }, { 0x38, 2 }, { 0x3A, 2 }, { 0x3C, 2 }, { 0x3E, 2 },
		{ 0x40, 4 }, { 0x44, 4 }, { 0x48, 4 }, { 0x4C, 4 }, { 0x54, 4 }, { 0x5C, 2 },
		{ 0x60, 2 }, { 0x62, 2 }, { 0x64, 2 }, { 0x66, 2 }, { 0x68, 2 }, { 0x6A, 2 },
		{ 0x6C, 2 }, { 0x6E, 2 }, { 0x70, 2 }, { 0x72, 2 }, { 0x74, 2 },
		{ 0xE0, 2 }, { 0xE2, 2 }, { 0xE4, 4 }, { 0xE8, 4 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(wide); i++)
		if (off >= wide[i].base && off < (unsigned)wide[i].base + wide[i].width) {
			*width = wide[i].width;
			return wide[i].base;
		}
	*width = 1;
	return off;
}

static bool rx_ring_empty(const struct rtl8139 *s)
{
	unsigned size = 8192u << ((s->rcr >> 11) & 3);
	return ((unsigned)s->capr + 16) % size == s->cbr % size;
}

static uint32_t read_reg(struct rtl8139 *s, unsigned r)
{
	switch (r) {
	case 0x00 ... 0x05: return s->mac[r];
	case 0x08 ... 0x0F: return s->mar[r - 8];
	case 0x10: case 0x14: case 0x18: case 0x1C: return s->tsd[(r - 0x10) / 4];
	case 0x20: case 0x24: case 0x28: case 0x2C: return s->tsad[(r - 0x20) / 4];
	case RTL_RBSTART: return s->rbstart;
	case RTL_ERSR: return 0;
	case RTL_CR: return (s->cr & (CR_RE | CR_TE)) | (rx_ring_empty(s) ? CR_BUFE : 0);
	case RTL_CAPR: return s->capr;
	case RTL_CBR: return s->cbr;
	case RTL_IMR: return s->imr;
	case RTL_ISR: return s->isr;
	case RTL_TCR: return s->tcr;
	case RTL_RCR: return s->rcr;
	case RTL_TCTR: return (uint32_t)tctr_ticks(s);
	case RTL_MPC: return s->mpc;
	case RTL_9346CR: {
		uint8_t v = s->cr9346 & EEM_MASK;
		if ((s->cr9346 & EEM_MASK) == EEM_PROGRAM)
			v |= (s->cr9346 & (EE_CS | EE_SK | EE_DI)) | (s->eeprom.dout ? EE_DO : 0);
		return v;
	}
	case RTL_CONFIG0: return s->config0;
	case RTL_CONFIG1: return s->config1;
	case RTL_TIMERINT: return s->timerint;
	case RTL_MSR: return s->link_up ? 0x00 : 0x04;   /* LINKB: 1 = link failed */
	case RTL_CONFIG3: return s->config3;
	case RTL_CONFIG4: return s->config4;
	case RTL_MULINT: return s->multint;
	case RTL_RERID: return 0x10;
	case RTL_TSAD: {
		uint32_t v = 0;
		for (int i = 0; i < 4; i++) {
			v |= (s->tsd[i] & TSD_OWN) ? 1u << i : 0;
			v |= (s->tsd[i] & TSD_TABT) ? 1u << (4 + i) : 0;
			v |= (s->tsd[i] & TSD_TUN) ? 1u << (8 + i) : 0;
			v |= (s->tsd[i] & TSD_TOK) ? 1u << (12 + i) : 0;
		}
		return v;
	}
	case RTL_BMCR: return s->bmcr;
	case RTL_BMSR: return BMSR_CAPS | (s->link_up ? BMSR_LINK | BMSR_ANDONE : 0);
	case RTL_ANAR: return s->anar;
	case RTL_ANLPAR: return s->link_up ? 0x45E1 : 0;
	case RTL_ANER: return 0x0001;
	/* 8139too reads CSCR bit 11 (its CSCR_LinkChangeBit) when ISR has
	 * LinkChg, before acking it, to tell a link change from an underrun */
	case RTL_CSCR: return (s->isr & INT_LINKCHG) ? CSCR_LINKCHG : 0;
	case RTL_CONFIG5: return s->config5;
	case RTL_CPCR: return s->cpcr;
	case RTL_INTRMIT: return s->intrmit;
	case RTL_RDSAR: return (uint32_t)s->rx_ring;
	case RTL_RDSAR + 4: return (uint32_t)(s->rx_ring >> 32);
	case RTL_ETTHR: return s->ettthr;
	default: return 0;
	}
}

/* 9346CR: auto-load, or the EEPROM's pins in programming mode. */
static void write_9346cr(struct rtl8139 *s, uint8_t v)
{
	s->cr9346 = v;
	switch (v & EEM_MASK) {
	case EEM_AUTOLOAD:
		load_mac_from_eeprom(s);
		s->cr9346 &= ~EEM_MASK;   /* done at once */
		break;
	case EEM_PROGRAM:
		eeprom93c46_pins(&s->eeprom, v & EE_CS, v & EE_SK, v & EE_DI);
		break;
	default:
		break;
	}
}

/* C+ mode DTCCR (0x10): a tally dump writes 64 bytes of counters (all zero here). */
static void dump_tally(struct rtl8139 *s)
{
	static const uint8_t zeros[64];
	uint64_t addr = (s->tsd[0] & ~0x3Fu) | (uint64_t)s->tsd[1] << 32;
	if (vm_write_guest(s->vm, addr, zeros, sizeof(zeros)) < 0)
		s->isr |= INT_SERR;
	s->tsd[0] &= ~0x08u;   /* the dump is done */
}

/* A register written: val is the merged value, mask the bits the guest wrote. */
static void write_reg(struct rtl8139 *s, unsigned r, uint32_t val, uint32_t mask)
{
	bool cplus_tx = s->cpcr & CPCR_TXON;
	switch (r) {
	case 0x00 ... 0x05: s->mac[r] = (uint8_t)val; break;
	case 0x08 ... 0x0F: s->mar[r - 8] = (uint8_t)val; break;
	case 0x10: case 0x14: case 0x18: case 0x1C:
		if (cplus_tx) {
			s->tsd[(r - 0x10) / 4] = val;
			if (r == 0x10 && (val & 0x08))
				dump_tally(s);
		} else if (mask & 0xFF) {   /* the size byte starts the transmission */
			rtl8139_tx_write_tsd(s, (r - 0x10) / 4, val);
		} else {
			s->tsd[(r - 0x10) / 4] = val;
		}
		break;
	case 0x20: case 0x24: case 0x28: case 0x2C:
		s->tsad[(r - 0x20) / 4] = val;
		if (r < 0x28)
			s->cp_tx_idx = 0;      /* C+: a new transmit ring starts at its head */
		break;
	case RTL_RBSTART: s->rbstart = val; break;
	case RTL_CR:
		if (val & CR_RST) {
			soft_reset(s);   /* immediate: RST reads back 0 */
			break;
		}
		s->cr = val & (CR_RE | CR_TE);
		if (s->cr & CR_RE && s->port)
			netport_rx_ready(s->port);
		break;
	case RTL_CAPR:
		s->capr = (uint16_t)val;
		if (s->port)
			netport_rx_ready(s->port);
		break;
	case RTL_IMR: s->imr = val & 0xE1FF; break;
	case RTL_ISR:
		s->isr &= (uint16_t)~(val & mask);   /* write 1 to clear */
		if (s->port)
			netport_rx_ready(s->port);
		break;
	case RTL_TCR: s->tcr = (val & ~TCR_RO) | TCR_HWVERID; break;
	case RTL_RCR: s->rcr = val & ~(uint32_t)RCR_9356SEL; break;
	case RTL_TCTR:
		s->tctr_base_ns = clock_ns();
		timer_rearm(s);
		break;
	case RTL_MPC: s->mpc = 0; break;
	case RTL_9346CR: write_9346cr(s, (uint8_t)val); break;
	case RTL_CONFIG1: case RTL_CONFIG3: case RTL_CONFIG4: case RTL_CONFIG5:
		if ((s->cr9346 & EEM_MASK) != EEM_CFGWRITE && r != RTL_CONFIG5)
			break;   /* locked (datasheet: writable only with EEM = 11) */
		if (r == RTL_CONFIG1) s->config1 = (uint8_t)val;
		else if (r == RTL_CONFIG3) s->config3 = (uint8_t)val;
		else if (r == RTL_CONFIG4) s->config4 = (uint8_t)val;
		else s->config5 = (uint8_t)val;
		break;
	case RTL_TIMERINT:
		s->timerint = val;
		timer_rearm(s);
		break;
	case RTL_MULINT: s->multint = val & 0x0FFF; break;
	case RTL_BMCR:
		s->bmcr = (val & 0x8000) ? BMCR_DEFAULT : (uint16_t)(val & ~0x0200u);
		break;
	case RTL_ANAR: s->anar = (uint16_t)val; break;
	case RTL_TPPOLL:
		if (val & 0x40)          /* NPQ: the normal-priority ring has work */
			rtl8139_cp_tx_poll(s);
		break;
	case RTL_CPCR:
		if ((val & CPCR_RXON) && !(s->cpcr & CPCR_RXON))
			s->cp_rx_idx = 0;
		s->cpcr = val & 0x007B;
		if (s->port)
			netport_rx_ready(s->port);
		break;
	case RTL_INTRMIT: s->intrmit = (uint16_t)val; break;
	case RTL_RDSAR:
		s->rx_ring = (s->rx_ring & ~0xFFFFFFFFull) | val;
		s->cp_rx_idx = 0;
		break;
	case RTL_RDSAR + 4:
		s->rx_ring = (s->rx_ring & 0xFFFFFFFFull) | (uint64_t)val << 32;
		break;
	case RTL_ETTHR: s->ettthr = val & 0x3F; break;
	default: break;   /* read-only or reserved */
	}
}

static uint64_t rtl_read(void *opaque, uint64_t off, unsigned size)
{
	struct rtl8139 *s = opaque;
	uint64_t v = 0;
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < size && i < 8; i++) {
		unsigned o = (unsigned)(off + i) & 0xFF, w, base = reg_at(o, &w);
		v |= (uint64_t)((read_reg(s, base) >> (8 * (o - base))) & 0xFF) << (8 * i);
	}
	pthread_mutex_unlock(&s->lock);
	return v;
}

static void rtl_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct rtl8139 *s = opaque;
	pthread_mutex_lock(&s->lock);
	/* the access split into the registers it covers, each written once */
	for (unsigned i = 0; i < size && i < 8;) {
		unsigned o = (unsigned)(off + i) & 0xFF, w, base = reg_at(o, &w);
		uint32_t cur = read_reg(s, base), mask = 0;
		unsigned n = 0;
		for (; i < size && i < 8 && o + n < base + w && o + n <= 0xFF; n++, i++) {
			unsigned sh = 8 * (o + n - base);
			cur = (cur & ~(0xFFu << sh)) | (uint32_t)((val >> (8 * i)) & 0xFF) << sh;
			mask |= 0xFFu << sh;
		}
		if (!n)
			break;
		write_reg(s, base, cur, mask);
	}
	rtl8139_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static const struct io_ops rtl_ops = { rtl_read, rtl_write };

/* ---- life cycle ------------------------------------------------------- */

static void rtl_reset_hook(void *opaque)
{
	struct rtl8139 *s = opaque;
	pthread_mutex_lock(&s->lock);
	hard_reset(s);
	pthread_mutex_unlock(&s->lock);
}

static void rtl_free(void *opaque)
{
	struct rtl8139 *s = opaque;
	evtimer_free(s->timer);
	pci_rom_free(&s->rom);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* The EEPROM's layout (datasheet 5, "EEPROM (93C46) Contents"). */
static void fill_eeprom(struct rtl8139 *s, const uint8_t *mac)
{
	uint16_t *w = s->eeprom.words;
	memset(w, 0xFF, sizeof(s->eeprom.words));
	w[0] = 0x8129;   /* the RTL8129/8139 signature */
	w[1] = 0x10EC;
	w[2] = 0x8139;
	w[3] = 0x10EC;
	w[4] = 0x8139;
	w[5] = 0x4020;   /* MIN_GNT 0x20, MAX_LAT 0x40 */
	w[6] = 0x0D00;   /* CONFIG1 default in the high byte */
	for (int i = 0; i < 3; i++)
		w[7 + i] = (uint16_t)(mac[2 * i] | mac[2 * i + 1] << 8);
}

/* One card for vif i. */
/* The cable (set_link): MSR.LINKB, BMSR's link status and ISR.LinkChg
 * (datasheet 6: "PUN/LinkChg"), which 8139cp's cp_interrupt answers by
 * reading BMSR (mii_check_media): "link down" / "link up". */
static void rtl_link(void *opaque, bool up)
{
	struct rtl8139 *s = opaque;
	pthread_mutex_lock(&s->lock);
	if (s->link_up != up) {
		s->link_up = up;
		s->isr |= INT_LINKCHG;
		rtl8139_update_irq(s);
	}
	pthread_mutex_unlock(&s->lock);
	if (up && s->port)
		netport_rx_ready(s->port);
}

static int create_card(struct vm *vm, unsigned i)
{
	struct rtl8139 *s = xzalloc(sizeof(*s));
	s->vm = vm;
	s->index = i;
	s->link_up = true;     /* the cable: kept over resets */
	pthread_mutex_init(&s->lock, NULL);
	uint8_t mac[6];
	if (vm->cfg && i < vm->cfg->n_vifs)
		memcpy(mac, vm->cfg->vifs[i].mac, 6);
	else
		vif_default_mac(vm->name, i, mac);
	fill_eeprom(s, mac);
	if (vm->loop)
		s->timer = evtimer_new(vm->loop, timer_fire, s);
	hard_reset(s);
	vm_add_free_hook(vm, rtl_free, s);   /* before the port's: freed after it */

	struct pci_dev *d = &s->pci;
	d->name = "rtl8139";
	d->opaque = s;
	pci_init_header(d, 0x10EC, 0x8139, 0x020000, 0x20, 0x10EC, 0x8139);
	d->config[0x3d] = 1;       /* INTA */
	d->config[0x3e] = 0x20;    /* MIN_GNT */
	d->config[0x3f] = 0x40;    /* MAX_LAT */
	pci_set_bar(d, 0, 0x100, true, &rtl_ops, s);
	pci_set_bar(d, 1, 0x100, false, &rtl_ops, s);
	pci_rom_load(d, &s->rom, RTL_ROM);
	if (pci_register(vm, d, (RTL_FIRST_SLOT + i) << 3) < 0)
		return -1;
	vm_add_reset_hook(vm, rtl_reset_hook, s);

	s->port = netport_new(vm, i, "rtl8139", rtl8139_receive, s);
	if (!s->port)
		return -1;
	netport_set_link_fn(s->port, rtl_link, s);
	netport_set_tx_fn(s->port, rtl8139_tx_wake, s);
	if (!vm_lookup(vm, "nic"))
		vm_publish(vm, "nic", s);   /* the panel's Net/s: any first card */
	if (i == 0)
		vm_publish(vm, "rtl8139", s);   /* tests and fuzzers */
	return 0;
}

int rtl8139_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	if (!cfg || !cfg->n_vifs)
		return 0;
	if (!pci_bus_of(vm)) {
		msg_error("rtl8139: the machine has no PCI bus");
		return -1;
	}
	for (unsigned i = 0; i < cfg->n_vifs; i++)
		if ((!cfg->vifs[i].model || !strcmp(cfg->vifs[i].model, "rtl8139")) &&
		    create_card(vm, i) < 0)
			return -1;
	return 0;
}
