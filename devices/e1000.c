/*
 * Intel 82540EM network card (e1000.h): the register file behind BAR0
 * (128 KiB of MMIO) and the I/O BAR's IOADDR/IODATA window, the 64-word
 * Microwire EEPROM (bit-banged through EECD as Linux's e1000 reads it, or a
 * word at a time through EERD as iPXE does), the internal PHY behind MDIC,
 * the interrupt registers (ICR/ICS/IMS/IMC/ITR; the line and its timers are
 * e1000_irq.c's), statistics, link state, and PCI function 00:03.0 (+ the
 * vif's index) with Debian's iPXE in its ROM BAR. Transmit is e1000_tx.c,
 * receive e1000_rx.c.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/e1000.h"
#include "core/evloop.h"
#include "core/util.h"
#include "core/vm.h"

#define E1K_ROM "/usr/lib/ipxe/qemu/pxe-e1000.rom"
#define E1K_FIRST_SLOT 3           /* the slot scheme of rtl8139.c and bootorder.c */
#define CTRL_DEFAULT (CTRL_SLU | (2u << 8) | CTRL_FD)   /* link up, 1000 Mb/s, full duplex */
#define EECD_DEFAULT (EECD_PRES | (1u << 4))           /* EEPROM present, flash writes off */
#define EEPROM_SUM 0xBABA          /* words 0x00-0x3F add up to it (SDM 5, "Checksum Word") */

/*
 * Registers the card only stores (drivers write them and read them back;
 * only VET and RXCSUM change what the emulation does, read where they
 * matter: e1000_vet, e1000_rxcsum): offset, writable bits, value after reset.
 */
static const struct { uint32_t off, mask, reset; } plain_regs[] = {
	{ E1K_CTRL_EXT, 0xFFFFFFFF, 0 }, { E1K_FLA, 0xFFFFFFFF, 0 },
	{ E1K_FCAL, 0xFFFFFFFF, 0 }, { E1K_FCAH, 0x0000FFFF, 0 },
	{ E1K_FCT, 0x0000FFFF, 0 }, { E1K_VET, 0x0000FFFF, 0x8100 },
	{ E1K_FCTTV, 0x0000FFFF, 0 }, { E1K_TXCW, 0xC000FFFF, 0 },
	{ E1K_RXCW, 0, 0 }, { E1K_TIPG, 0x3FFFFFFF, 0x00602008 },
	{ E1K_AIT, 0x0000FFFF, 0 }, { E1K_LEDCTL, 0xFFFFFFFF, 0x07068302 },
	{ E1K_PBA, 0x0000FFFF, 0x00000030 },   /* 48 KiB receive, 16 KiB transmit */
	{ E1K_FCRTL, 0x8000FFF8, 0 }, { E1K_FCRTH, 0x0000FFF8, 0 },
	{ E1K_RXDCTL, 0xFFFFFFFF, 0x00010000 }, { E1K_TXDCTL, 0xFFFFFFFF, 0 },
	{ E1K_TSPMT, 0xFFFFFFFF, 0x01000400 }, { E1K_RSRPD, 0x00000FFF, 0 },
	{ E1K_RXCSUM, 0x000007FF, 0x00000300 }, { E1K_WUC, 0x0000000F, 0 },
	{ E1K_WUFC, 0x000F00FF, 0 }, { E1K_WUS, 0, 0 },
	{ E1K_MANC, 0xFFFFFFFF, 0 }, { E1K_IPAV, 0x00010001, 0 },
};
_Static_assert(ARRAY_SIZE(plain_regs) == E1K_N_PLAIN, "E1K_N_PLAIN counts plain_regs");

bool e1000_master(const struct e1000 *s)
{
	return s->pci.config[0x04] & 0x04;
}

/* ---- statistics (SDM 13, "Statistics Registers") ------------------------ */

void e1000_count(struct e1000 *s, unsigned off, uint32_t n)
{
	s->stats[off / 4] += n;
}

void e1000_count64(struct e1000 *s, unsigned off, uint64_t n)
{
	uint64_t v = (s->stats[off / 4] | (uint64_t)s->stats[off / 4 + 1] << 32) + n;
	s->stats[off / 4] = (uint32_t)v;
	s->stats[off / 4 + 1] = (uint32_t)(v >> 32);
}

/* Read to clear; a 64-bit pair is cleared when its high half is read. */
static uint32_t read_stat(struct e1000 *s, unsigned off)
{
	unsigned i = off / 4;
	uint32_t v = s->stats[i];
	bool low = off == ST_GORCL || off == ST_GOTCL || off == ST_TORL || off == ST_TOTL;
	bool high = off == ST_GORCL + 4 || off == ST_GOTCL + 4 || off == ST_TORL + 4 ||
		    off == ST_TOTL + 4;
	if (high)
		s->stats[i - 1] = 0;
	if (!low)
		s->stats[i] = 0;
	return v;
}

/* ---- the PHY (SDM 13, "PHY Registers"; an 88E1011 as Linux expects) ----- */

static void phy_reset(struct e1000 *s)
{
	memset(s->phy, 0, sizeof(s->phy));
	s->phy[PHY_CTRL] = 0x1140;          /* auto-negotiation on, 1000 Mb/s, full duplex */
	s->phy[PHY_ANAR] = 0x0DE1;          /* 10/100 half/full, pause */
	s->phy[PHY_1000T_CTRL] = 0x0E00;    /* 1000 full/half advertised */
	s->phy[PHY_SPEC_CTRL] = 0x0068;
	s->phy[PHY_EXT_SPEC_CTRL] = 0x0C60;
}

static uint16_t phy_read(struct e1000 *s, unsigned reg)
{
	bool up = s->link_up;
	switch (reg) {
	case PHY_STATUS: return 0x7949 | (up ? BMSR_LINK | BMSR_ANDONE : 0);
	case PHY_ID1: return 0x0141;        /* Marvell */
	case PHY_ID2: return 0x0C20;        /* 88E1011, revision 0 */
	case PHY_LPAR: return up ? 0x45E1 : 0;
	case PHY_ANER: return up ? 0x0001 : 0;
	case PHY_1000T_STATUS: return up ? 0x3C00 : 0;
	case PHY_EXT_STATUS: return 0x3000;
	/* speed 1000, full duplex, resolved, link (88E1011 register 17) */
	case PHY_SPEC_STATUS: return up ? 0xAC00 : 0;
	default: return s->phy[reg & 31];
	}
}

static void phy_write(struct e1000 *s, unsigned reg, uint16_t v)
{
	switch (reg) {
	case PHY_CTRL:
		if (v & BMCR_RESET)
			phy_reset(s);
		else
			s->phy[PHY_CTRL] = v & ~BMCR_ANRESTART;   /* both bits clear themselves */
		break;
	case PHY_STATUS: case PHY_ID1: case PHY_ID2: case PHY_LPAR: case PHY_ANER:
	case PHY_1000T_STATUS: case PHY_EXT_STATUS: case PHY_SPEC_STATUS:
		break;   /* read-only */
	default:
		s->phy[reg & 31] = v;
	}
}

/* MDIC: the access completes at once, READY set; only PHY address 1 answers. */
static void write_mdic(struct e1000 *s, uint32_t v)
{
	unsigned phy = (v >> MDIC_PHY_SHIFT) & 31, reg = (v >> MDIC_REG_SHIFT) & 31;
	uint32_t op = v & (3u << 26);
	v &= ~(MDIC_READY | MDIC_ERROR);
	if (phy != PHY_ADDR || (op != MDIC_OP_READ && op != MDIC_OP_WRITE)) {
		s->mdic = v | MDIC_READY | MDIC_ERROR;
	} else if (op == MDIC_OP_READ) {
		s->mdic = (v & 0xFFFF0000u) | phy_read(s, reg) | MDIC_READY;
	} else {
		phy_write(s, reg, (uint16_t)v);
		s->mdic = v | MDIC_READY;
	}
	if (v & MDIC_INT)
		e1000_set_ics(s, ICR_MDAC);
}

/* ---- link, reset ----------------------------------------------------------- */

void e1000_set_link(struct e1000 *s, bool up)
{
	pthread_mutex_lock(&s->lock);
	if (s->link_up != up) {
		s->link_up = up;
		e1000_set_ics(s, ICR_LSC);
	}
	pthread_mutex_unlock(&s->lock);
	if (up && s->port)
		netport_rx_ready(s->port);
}

/* The port's link callback (set_link). */
static void e1000_link_fn(void *opaque, bool up)
{
	e1000_set_link(opaque, up);
}

static void load_ra0(struct e1000 *s)
{
	const uint16_t *w = s->eeprom.words;
	s->ra[0] = w[0] | (uint32_t)w[1] << 16;
	s->ra[1] = w[2] | RAH_AV;
}

/* CTRL.RST: the MAC's registers and both queues; not PCI, the PHY or the EEPROM. */
static void mac_reset(struct e1000 *s)
{
	s->ctrl = CTRL_DEFAULT;
	s->eecd = EECD_DEFAULT;
	s->eerd = s->mdic = 0;
	s->icr = s->ims = s->itr = 0;
	s->rctl = s->tctl = 0;
	s->rdbal = s->rdbah = s->rdlen = s->rdh = s->rdt = s->rdtr = s->radv = 0;
	s->tdbal = s->tdbah = s->tdlen = s->tdh = s->tdt = s->tidv = s->tadv = 0;
	memset(s->mta, 0, sizeof(s->mta));
	memset(s->vfta, 0, sizeof(s->vfta));
	memset(s->ra, 0, sizeof(s->ra));
	memset(s->stats, 0, sizeof(s->stats));
	for (unsigned i = 0; i < E1K_N_PLAIN; i++)
		s->plain[i] = plain_regs[i].reset;
	load_ra0(s);                  /* the EEPROM's MAC, loaded again (SDM 5) */
	s->rx_due_ns = s->rx_abs_ns = s->tx_due_ns = s->tx_abs_ns = 0;
	s->last_raise_ns = 0;
	s->tx_len = 0;
	s->tx_bad = false;
	memset(&s->ctx, 0, sizeof(s->ctx));
	s->eeprom.state = EE_IDLE;
	s->eeprom.dout = false;
	e1000_update_irq(s);
}

static void hard_reset(struct e1000 *s)
{
	s->ioaddr = 0;
	phy_reset(s);
	mac_reset(s);
}

/* ---- registers ----------------------------------------------------------- */

static int plain_index(uint32_t off)
{
	for (int i = 0; i < E1K_N_PLAIN; i++)
		if (plain_regs[i].off == off)
			return i;
	return -1;
}

uint16_t e1000_vet(const struct e1000 *s)
{
	return (uint16_t)s->plain[plain_index(E1K_VET)];
}

uint32_t e1000_rxcsum(const struct e1000 *s)
{
	return s->plain[plain_index(E1K_RXCSUM)];
}

static uint32_t read_eecd(const struct e1000 *s)
{
	uint32_t v = s->eecd & (EECD_SK | EECD_CS | EECD_DI | EECD_FWE | EECD_REQ);
	if (v & EECD_REQ)
		v |= EECD_GNT;            /* nothing else uses the EEPROM: granted at once */
	return v | EECD_PRES | (s->eeprom.dout ? EECD_DO : 0);
}

/* peek: no side effect (the merge of a narrow write). */
static uint32_t read_reg(struct e1000 *s, uint32_t off, bool peek)
{
	switch (off) {
	case E1K_CTRL: return s->ctrl;
	case E1K_STATUS:
		return STATUS_FD | STATUS_SPEED_1000 | STATUS_ASDV_1000 | (s->link_up ? STATUS_LU : 0);
	case E1K_EECD: return read_eecd(s);
	case E1K_EERD: return s->eerd;
	case E1K_MDIC: return s->mdic;
	case E1K_ICR: {
		uint32_t v = s->icr;
		if (!peek) {              /* read to clear (SDM 13, ICR) */
			s->icr = 0;
			e1000_update_irq(s);
		}
		return v;
	}
	case E1K_ITR: return s->itr;
	case E1K_IMS: return s->ims;
	case E1K_RCTL: return s->rctl;
	case E1K_TCTL: return s->tctl;
	case E1K_RDBAL: return s->rdbal;
	case E1K_RDBAH: return s->rdbah;
	case E1K_RDLEN: return s->rdlen;
	case E1K_RDH: return s->rdh;
	case E1K_RDT: return s->rdt;
	case E1K_RDTR: return s->rdtr;
	case E1K_RADV: return s->radv;
	case E1K_TDBAL: return s->tdbal;
	case E1K_TDBAH: return s->tdbah;
	case E1K_TDLEN: return s->tdlen;
	case E1K_TDH: return s->tdh;
	case E1K_TDT: return s->tdt;
	case E1K_TIDV: return s->tidv;
	case E1K_TADV: return s->tadv;
	default: break;
	}
	if (off >= E1K_STATS && off < E1K_STATS_END)
		return peek ? s->stats[(off - E1K_STATS) / 4] : read_stat(s, off - E1K_STATS);
	if (off >= E1K_MTA && off < E1K_MTA + 512)
		return s->mta[(off - E1K_MTA) / 4];
	if (off >= E1K_RA && off < E1K_RA + 128)
		return s->ra[(off - E1K_RA) / 4];
	if (off >= E1K_VFTA && off < E1K_VFTA + 512)
		return s->vfta[(off - E1K_VFTA) / 4];
	int i = plain_index(off);
	return i >= 0 ? s->plain[i] : 0;   /* unknown registers read 0 */
}

static void write_eerd(struct e1000 *s, uint32_t v)
{
	unsigned addr = (v >> EERD_ADDR_SHIFT) & 0xFF;
	if (!(v & EERD_START)) {
		s->eerd = addr << EERD_ADDR_SHIFT;
		return;
	}
	/* the read is done at once; words past the 64 read as ones */
	uint16_t data = addr < 64 ? s->eeprom.words[addr] : 0xFFFF;
	s->eerd = (uint32_t)data << EERD_DATA_SHIFT | addr << EERD_ADDR_SHIFT | EERD_DONE;
}

static void write_reg(struct e1000 *s, uint32_t off, uint32_t v)
{
	switch (off) {
	case E1K_CTRL:
		if (v & CTRL_RST) {       /* self-clearing: done before the next read */
			mac_reset(s);
			return;
		}
		if (v & CTRL_PHY_RST)
			phy_reset(s);
		s->ctrl = v & ~(CTRL_RST | CTRL_LRST);
		return;
	case E1K_EECD:
		s->eecd = v & (EECD_SK | EECD_CS | EECD_DI | EECD_FWE | EECD_REQ);
		eeprom93c46_pins(&s->eeprom, v & EECD_CS, v & EECD_SK, v & EECD_DI);
		return;
	case E1K_EERD: write_eerd(s, v); return;
	case E1K_MDIC: write_mdic(s, v); return;
	case E1K_ICR:                 /* writing 1s clears them too */
		s->icr &= ~v;
		e1000_update_irq(s);
		return;
	case E1K_ITR:
		s->itr = v & 0xFFFF;
		e1000_update_irq(s);
		return;
	case E1K_ICS: e1000_set_ics(s, v); return;
	case E1K_IMS:
		s->ims |= v & ICR_VALID;
		e1000_update_irq(s);
		return;
	case E1K_IMC:
		s->ims &= ~v;
		e1000_update_irq(s);
		return;
	case E1K_RCTL:
		s->rctl = v & 0x07FFFFFE;
		if ((s->rctl & RCTL_EN) && s->port)
			netport_rx_ready(s->port);
		return;
	case E1K_TCTL:
		s->tctl = v & 0x03FFFFFA;
		e1000_tx_kick(s);
		return;
	/* ring registers: the bits the SDM gives them (bases 16-byte aligned,
	 * lengths in multiples of 128 bytes, heads and tails 16 bits) */
	case E1K_RDBAL: s->rdbal = v & ~0xFu; return;
	case E1K_RDBAH: s->rdbah = v; return;
	case E1K_RDLEN: s->rdlen = v & 0x000FFF80; return;
	case E1K_RDH: s->rdh = v & 0xFFFF; return;
	case E1K_RDT:
		s->rdt = v & 0xFFFF;
		if (s->port)
			netport_rx_ready(s->port);   /* frames waiting for descriptors */
		return;
	case E1K_RDTR:
		s->rdtr = v & 0xFFFF;
		if (v & RDTR_FPD) {       /* flush: a pending RXT0 now */
			e1000_flush_delay(s, true);
		}
		return;
	case E1K_RADV: s->radv = v & 0xFFFF; return;
	case E1K_TDBAL: s->tdbal = v & ~0xFu; return;
	case E1K_TDBAH: s->tdbah = v; return;
	case E1K_TDLEN: s->tdlen = v & 0x000FFF80; return;
	case E1K_TDH: s->tdh = v & 0xFFFF; return;
	case E1K_TDT:
		s->tdt = v & 0xFFFF;
		e1000_tx_kick(s);
		return;
	case E1K_TIDV:
		s->tidv = v & 0xFFFF;
		if (v & RDTR_FPD) {
			e1000_flush_delay(s, false);
		}
		return;
	case E1K_TADV: s->tadv = v & 0xFFFF; return;
	default: break;
	}
	if (off >= E1K_STATS && off < E1K_STATS_END)
		return;                   /* counters: read-only */
	if (off >= E1K_MTA && off < E1K_MTA + 512) {
		s->mta[(off - E1K_MTA) / 4] = v;
	} else if (off >= E1K_RA && off < E1K_RA + 128) {
		unsigned i = (off - E1K_RA) / 4;
		s->ra[i] = i & 1 ? v & (RAH_AV | 0x3FFFF) : v;
	} else if (off >= E1K_VFTA && off < E1K_VFTA + 512) {
		s->vfta[(off - E1K_VFTA) / 4] = v;
	} else {
		int i = plain_index(off);
		if (i >= 0)
			s->plain[i] = (s->plain[i] & ~plain_regs[i].mask) | (v & plain_regs[i].mask);
	}
}

/* Registers that take only the bits written (a narrow write changes nothing else). */
static bool command_reg(uint32_t off)
{
	return off == E1K_ICR || off == E1K_ICS || off == E1K_IMS || off == E1K_IMC;
}

/* A read of size bytes (1, 2, 4, 8) at off, under the lock. */
static uint64_t mmio_access_read(struct e1000 *s, uint64_t off, unsigned size)
{
	uint64_t v = 0;
	for (unsigned done = 0; done < size && done < 8;) {
		uint64_t o = off + done;
		uint32_t reg = (uint32_t)(o & (E1K_MMIO_SIZE - 1) & ~3u);
		unsigned sh = (unsigned)(o & 3), n = 4 - sh;
		if (n > size - done)
			n = size - done;
		uint32_t r = read_reg(s, reg, false) >> (8 * sh);
		if (n < 4)
			r &= (1u << (8 * n)) - 1;
		v |= (uint64_t)r << (8 * done);
		done += n;
	}
	return v;
}

static void mmio_access_write(struct e1000 *s, uint64_t off, uint64_t val, unsigned size)
{
	for (unsigned done = 0; done < size && done < 8;) {
		uint64_t o = off + done;
		uint32_t reg = (uint32_t)(o & (E1K_MMIO_SIZE - 1) & ~3u);
		unsigned sh = (unsigned)(o & 3), n = 4 - sh;
		if (n > size - done)
			n = size - done;
		uint32_t mask = (n == 4 ? 0xFFFFFFFFu : ((1u << (8 * n)) - 1)) << (8 * sh);
		uint32_t part = (uint32_t)(val >> (8 * done)) << (8 * sh) & mask;
		uint32_t cur = command_reg(reg) ? 0 : read_reg(s, reg, true);
		write_reg(s, reg, (cur & ~mask) | part);
		done += n;
	}
}

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
	struct e1000 *s = opaque;
	pthread_mutex_lock(&s->lock);
	uint64_t v = mmio_access_read(s, off, size);
	pthread_mutex_unlock(&s->lock);
	return v;
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct e1000 *s = opaque;
	pthread_mutex_lock(&s->lock);
	mmio_access_write(s, off, val, size);
	pthread_mutex_unlock(&s->lock);
}

static const struct io_ops mmio_ops = { mmio_read, mmio_write };

/*
 * The I/O BAR (SDM 13, "I/O-Mapped Internal Register Access"): IOADDR at 0
 * names a register, IODATA at 4 reads or writes it. Linux's e1000 resets
 * the 82540 through it. Anything else in the BAR reads 0.
 */
static uint64_t io_read(void *opaque, uint64_t off, unsigned size)
{
	struct e1000 *s = opaque;
	uint64_t v = 0;
	pthread_mutex_lock(&s->lock);
	if (off < 4)
		v = (s->ioaddr >> (8 * off)) & (size >= 4 ? 0xFFFFFFFFull : (1ull << (8 * size)) - 1);
	else if (off < 8)
		v = mmio_access_read(s, s->ioaddr + (off - 4), size > 8 - off ? 8 - (unsigned)off : size);
	pthread_mutex_unlock(&s->lock);
	return v;
}

static void io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct e1000 *s = opaque;
	pthread_mutex_lock(&s->lock);
	if (off == 0 && size >= 4)
		s->ioaddr = (uint32_t)val & (E1K_MMIO_SIZE - 4);
	else if (off >= 4 && off < 8)
		mmio_access_write(s, s->ioaddr + (off - 4), val, size > 8 - off ? 8 - (unsigned)off : size);
	pthread_mutex_unlock(&s->lock);
}

static const struct io_ops io_ops = { io_read, io_write };

/* ---- life cycle ---------------------------------------------------------- */

static void e1000_reset_hook(void *opaque)
{
	struct e1000 *s = opaque;
	pthread_mutex_lock(&s->lock);
	hard_reset(s);
	pthread_mutex_unlock(&s->lock);
}

static void e1000_free(void *opaque)
{
	struct e1000 *s = opaque;
	evtimer_free(s->timer);
	pci_rom_free(&s->rom);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* The EEPROM image (SDM 5, "EEPROM Address Map" of the 82540EM). */
static void fill_eeprom(struct e1000 *s, const uint8_t *mac)
{
	uint16_t *w = s->eeprom.words;
	memset(w, 0xFF, sizeof(s->eeprom.words));
	for (int i = 0; i < 3; i++)
		w[i] = (uint16_t)(mac[2 * i] | mac[2 * i + 1] << 8);
	w[0x03] = 0x0000;     /* compatibility */
	w[0x04] = 0xFFFF;     /* LED settings: the defaults */
	w[0x05] = 0x0000;     /* image version */
	w[0x0A] = 0x0000;     /* initialization control 1 */
	w[0x0B] = 0x001E;     /* subsystem ID */
	w[0x0C] = 0x8086;     /* subsystem vendor */
	w[0x0D] = 0x100E;     /* device ID */
	w[0x0E] = 0x8086;     /* vendor */
	w[0x0F] = 0x0000;     /* initialization control 2: no flow control */
	w[0x24] = 0x0000;     /* initialization control 3: no wake-up */
	uint16_t sum = 0;
	for (int i = 0; i < 0x3F; i++)
		sum = (uint16_t)(sum + w[i]);
	w[0x3F] = (uint16_t)(EEPROM_SUM - sum);
}

static int create_card(struct vm *vm, unsigned i)
{
	struct e1000 *s = xzalloc(sizeof(*s));
	s->vm = vm;
	s->index = i;
	s->link_up = true;
	s->timer_at = UINT64_MAX;
	pthread_mutex_init(&s->lock, NULL);
	uint8_t mac[6];
	if (vm->cfg && i < vm->cfg->n_vifs)
		memcpy(mac, vm->cfg->vifs[i].mac, 6);
	else
		vif_default_mac(vm->name, i, mac);
	fill_eeprom(s, mac);
	if (vm->loop)
		s->timer = evtimer_new(vm->loop, e1000_timer_fire, s);
	hard_reset(s);
	vm_add_free_hook(vm, e1000_free, s);   /* before the port's: freed after it */

	struct pci_dev *d = &s->pci;
	d->name = "e1000";
	d->opaque = s;
	pci_init_header(d, 0x8086, 0x100E, 0x020000, 0x03, 0x8086, 0x001E);
	d->config[0x3d] = 1;       /* INTA */
	d->config[0x3e] = 0xFF;    /* MIN_GNT */
	pci_set_bar(d, 0, E1K_MMIO_SIZE, false, &mmio_ops, s);
	pci_set_bar(d, 1, E1K_IO_SIZE, true, &io_ops, s);
	pci_rom_load(d, &s->rom, E1K_ROM);
	if (pci_register(vm, d, (E1K_FIRST_SLOT + i) << 3) < 0)
		return -1;
	vm_add_reset_hook(vm, e1000_reset_hook, s);

	s->port = netport_new(vm, i, "e1000", e1000_receive, s);
	if (!s->port)
		return -1;
	netport_set_link_fn(s->port, e1000_link_fn, s);
	netport_set_tx_fn(s->port, e1000_tx_wake, s);
	if (!vm_lookup(vm, "nic"))
		vm_publish(vm, "nic", s);   /* the panel's Net/s: any first card */
	if (!vm_lookup(vm, "e1000"))
		vm_publish(vm, "e1000", s);   /* tests and fuzzers */
	return 0;
}

int e1000_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	if (!cfg)
		return 0;
	for (unsigned i = 0; i < cfg->n_vifs; i++) {
		const char *m = cfg->vifs[i].model;
		if (!m || strcmp(m, "e1000"))
			continue;
		if (!pci_bus_of(vm)) {
			msg_error("e1000: the machine has no PCI bus");
			return -1;
		}
		if (create_card(vm, i) < 0)
			return -1;
	}
	return 0;
}
