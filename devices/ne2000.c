/*
 * NE2000 (ne2000.h): the DP8390's register pages, the remote DMA through
 * the board's data port into its 16 KiB buffer and station address PROM,
 * the transmitter with its loopback modes, and the reset port. Every
 * address the guest gives is a 16-bit board address that goes through
 * mem_read/mem_write, which reach only the PROM and the 16 KiB.
 */
#include <string.h>

#include "devices/ne2000.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/net.h"

/* ---- the board's memory ------------------------------------------------ */

/*
 * The NE2000's address decoding: the PROM answers at 0x0000-0x001F (the
 * board does not decode it further, so it repeats up to 0x3FFF), the RAM at
 * 0x4000-0x7FFF; above it nothing drives the bus (reads as 0xFF).
 */
static uint8_t mem_read(const struct ne2000 *s, uint16_t addr)
{
	if (addr < NE_MEM_START)
		return s->prom[addr % NE_PROM_SIZE];
	if (addr < NE_MEM_END)
		return s->mem[addr - NE_MEM_START];
	return 0xFF;
}

static void mem_write(struct ne2000 *s, uint16_t addr, uint8_t v)
{
	if (addr >= NE_MEM_START && addr < NE_MEM_END)
		s->mem[addr - NE_MEM_START] = v;   /* the PROM is read-only */
}

/* ---- interrupts and reset --------------------------------------------- */

void ne2000_update_irq(struct ne2000 *s)
{
	/* ISR bit 7 (RST) is a status bit with no IMR bit: it never interrupts [10, IMR] */
	int level = (s->isr & s->imr & 0x7F) != 0;
	if (level != s->irq_level) {
		s->irq_level = level;
		if (s->set_irq)
			s->set_irq(s, level);
	}
}

/*
 * The reset state [11]: STP and RD2 (abort
 * remote DMA) in CR, RST in ISR, every interrupt masked, loopback off.
 * Addresses, the ring pointers and the buffer memory keep their contents,
 * as on the chip (drivers program them all after a reset).
 */
void ne2000_reset(struct ne2000 *s)
{
	s->cr = CR_STP | CR_RD_ABORT;
	s->isr = ISR_RST;
	s->imr = 0;
	s->dcr = 0;
	s->tcr = 0;
	s->rcr = 0;
	s->tsr = 0;
	s->rsr = 0;
	s->ncr = 0;
	s->rbcr = 0;
	ne2000_update_irq(s);
}

/*
 * The PROM as an NE2000 wires it in word mode: each of its 16 bytes on both
 * halves of the data bus, so a byte-wide read returns every byte twice
 * (what Linux's ne and DOS drivers check to tell an NE2000 from an NE1000).
 * Bytes 14 and 15 hold 'W' (0x57), the NE2000 signature.
 */
static void fill_prom(struct ne2000 *s, const uint8_t mac[6])
{
	uint8_t b[16];
	memset(b, 0, sizeof(b));
	memcpy(b, mac, 6);
	b[14] = b[15] = 0x57;
	for (int i = 0; i < 16; i++)
		s->prom[2 * i] = s->prom[2 * i + 1] = b[i];
}

void ne2000_init(struct ne2000 *s, const uint8_t mac[6])
{
	pthread_mutex_init(&s->lock, NULL);
	fill_prom(s, mac);
	memcpy(s->par, mac, 6);
	s->pstart = NE_PAGE_FIRST;
	s->pstop = NE_PAGE_LAST;
	s->bnry = s->curr = NE_PAGE_FIRST;
	ne2000_reset(s);
}

/* ---- transmit ---------------------------------------------------------- */

static bool loopback(const struct ne2000 *s)
{
	/* TCR LB1/LB0 [10, TCR; 12]: internal (NIC or ENDEC) or external loopback. On
	 * the DP8390 DCR.LS = 0 must also be set for loopback; drivers use TCR
	 * alone ("TXOFF" = 0x02) to keep frames off the wire, so TCR decides. */
	return (s->tcr & TCR_LB_MASK) != 0;
}

/* CR.TXP: the frame of TBCR bytes at page TPSR goes out (or loops back). */
static void transmit(struct ne2000 *s)
{
	unsigned len = s->tbcr;
	s->ncr = 0;
	if (!len || len > NE_MAX_TX) {
		/* nothing the wire would carry: aborted as after excessive collisions */
		s->tsr = TSR_ABT;
		s->isr |= ISR_TXE;
		return;
	}
	uint16_t addr = (uint16_t)(s->tpsr << 8);
	for (unsigned i = 0; i < len; i++)
		s->txbuf[i] = mem_read(s, (uint16_t)(addr + i));
	if (loopback(s))
		ne2000_receive_locked(s, s->txbuf, len);
	else if (s->port)
		netport_send(s->port, s->txbuf, len);
	s->tsr = TSR_PTX;
	s->isr |= ISR_PTX;
}

/* ---- remote DMA -------------------------------------------------------- */

/*
 * One byte through the data port at RSAR, which then advances; reaching
 * PSTOP it wraps to PSTART, as the remote DMA does inside the receive ring
 * [7, 9]. RBCR counts down; at zero the transfer is complete (ISR.RDC) and
 * further accesses move nothing.
 */
static bool dma_step(struct ne2000 *s)
{
	if (!s->rbcr)
		return false;
	s->rsar++;
	if (ne2000_ring_valid(s) && s->rsar == (uint16_t)(s->pstop << 8))
		s->rsar = (uint16_t)(s->pstart << 8);
	if (--s->rbcr == 0)
		s->isr |= ISR_RDC;
	return true;
}

/* Bytes per data-port access: word mode (DCR.WTS) moves at least a word,
 * even for a byte-wide IN (what ne2k-pci relies on to read the PROM). */
static unsigned dma_width(const struct ne2000 *s, unsigned size)
{
	if (size > 4)
		size = 4;
	return (s->dcr & DCR_WTS) && size < 2 ? 2 : size;
}

static uint32_t data_read(struct ne2000 *s, unsigned size)
{
	unsigned n = dma_width(s, size);
	uint32_t v = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!s->rbcr)
			break;
		v |= (uint32_t)mem_read(s, s->rsar) << (8 * i);
		dma_step(s);
	}
	return v;
}

static void data_write(struct ne2000 *s, uint32_t val, unsigned size)
{
	unsigned n = dma_width(s, size);
	for (unsigned i = 0; i < n; i++) {
		if (!s->rbcr)
			break;
		mem_write(s, s->rsar, (uint8_t)(val >> (8 * i)));
		dma_step(s);
	}
}

/* ---- registers --------------------------------------------------------- */

static void write_cr(struct ne2000 *s, uint8_t v)
{
	if (v & CR_STP) {
		s->cr = (uint8_t)((s->cr & ~(CR_STA | CR_TXP)) | CR_STP);
		s->isr |= ISR_RST;     /* the stop completes at once [10, ISR: RST] */
	} else if (v & CR_STA) {
		s->cr = (uint8_t)((s->cr & ~CR_STP) | CR_STA);
		s->isr &= (uint8_t)~ISR_RST;
	}
	s->cr = (uint8_t)((s->cr & (CR_STP | CR_STA)) | (v & (CR_RD_MASK | 0xC0)));
	unsigned rd = v & CR_RD_MASK;
	if ((rd == CR_RD_READ || rd == CR_RD_WRITE) && !s->rbcr)
		s->isr |= ISR_RDC;     /* nothing to move: complete at once */
	if ((v & CR_TXP) && (s->cr & CR_STA))
		transmit(s);           /* done before the guest can read TXP back */
	if ((s->cr & CR_STA) && s->port)
		netport_rx_ready(s->port);
}

static uint8_t read_reg(struct ne2000 *s, unsigned r, bool rtl8029)
{
	unsigned page = s->cr >> CR_PS_SHIFT;
	if (r == EN_CR)
		return s->cr;
	if (page == 1) {
		if (r <= 6)
			return s->par[r - EN1_PAR0];
		if (r == EN1_CURR)
			return s->curr;
		return s->mar[r - EN1_MAR0];
	}
	if (page == 2) {    /* diagnostics: what was written on page 0 [10, register map] */
		switch (r) {
		case 0x01: return s->pstart;
		case 0x02: return s->pstop;
		case 0x03: return s->bnry;      /* remote next packet pointer */
		case 0x04: return s->tpsr;
		case 0x05: return s->curr;      /* local next packet pointer */
		case 0x06: return (uint8_t)(s->clda >> 8);
		case 0x07: return (uint8_t)s->clda;
		case 0x0C: return s->rcr | 0xC0;
		case 0x0D: return s->tcr | 0xE0;
		case 0x0E: return s->dcr | 0x80;
		case 0x0F: return s->imr | 0x80;
		default: return 0xFF;
		}
	}
	if (page == 3)
		return 0;       /* reserved on the DP8390 [10, register map]: nothing answers */
	switch (r) {
	case EN0_CLDA0: return (uint8_t)s->clda;
	case EN0_CLDA0 + 1: return (uint8_t)(s->clda >> 8);
	case EN0_BNRY: return s->bnry;
	case EN0_TSR: return s->tsr;
	case EN0_NCR: return s->ncr;
	case 0x06: return 0;            /* FIFO: nothing left after a loopback */
	case EN0_ISR: return s->isr;
	case EN0_CRDA0: return (uint8_t)s->rsar;
	case EN0_CRDA0 + 1: return (uint8_t)(s->rsar >> 8);
	case 0x0A: return rtl8029 ? 0x50 : 0xFF;   /* RTL8029AS ID 'P', 'C' */
	case 0x0B: return rtl8029 ? 0x43 : 0xFF;
	case EN0_RSR: return s->rsr;
	case EN0_CNTR0: case EN0_CNTR1: case EN0_CNTR2: {
		uint8_t v = s->cntr[r - EN0_CNTR0];
		s->cntr[r - EN0_CNTR0] = 0;   /* tally counters clear when read [10, CNTR0-2] */
		return v;
	}
	default: return 0xFF;
	}
}

static void write_reg(struct ne2000 *s, unsigned r, uint8_t v)
{
	unsigned page = s->cr >> CR_PS_SHIFT;
	if (r == EN_CR) {
		write_cr(s, v);
		return;
	}
	if (page == 1) {
		if (r <= 6)
			s->par[r - EN1_PAR0] = v;
		else if (r == EN1_CURR)
			s->curr = v;
		else
			s->mar[r - EN1_MAR0] = v;
		return;
	}
	if (page != 0)
		return;   /* page 2 is for diagnostics only, page 3 reserved [10] */
	switch (r) {
	case EN0_PSTART: s->pstart = v; break;
	case EN0_PSTOP: s->pstop = v; break;
	case EN0_BNRY:
		s->bnry = v;
		if (s->port)
			netport_rx_ready(s->port);   /* room in the ring again */
		break;
	case EN0_TPSR: s->tpsr = v; break;
	case EN0_TBCR0: s->tbcr = (uint16_t)((s->tbcr & 0xFF00) | v); break;
	case EN0_TBCR1: s->tbcr = (uint16_t)((s->tbcr & 0x00FF) | v << 8); break;
	case EN0_ISR:
		s->isr &= (uint8_t)~(v & 0x7F);   /* write 1 to clear; RST is status [10, ISR] */
		if (s->port)
			netport_rx_ready(s->port);
		break;
	case EN0_RSAR0: s->rsar = (uint16_t)((s->rsar & 0xFF00) | v); break;
	case EN0_RSAR1: s->rsar = (uint16_t)((s->rsar & 0x00FF) | v << 8); break;
	case EN0_RBCR0: s->rbcr = (uint16_t)((s->rbcr & 0xFF00) | v); break;
	case EN0_RBCR1: s->rbcr = (uint16_t)((s->rbcr & 0x00FF) | v << 8); break;
	case EN0_RCR: s->rcr = v & 0x3F; break;
	case EN0_TCR:
		s->tcr = v & 0x1F;
		if (!(s->tcr & TCR_LB_MASK) && s->port)
			netport_rx_ready(s->port);   /* out of loopback: what waited comes in */
		break;
	case EN0_DCR: s->dcr = v & 0x7F; break;
	case EN0_IMR: s->imr = v & 0x7F; break;
	default: break;
	}
}

uint32_t ne2000_io_read(struct ne2000 *s, unsigned off, unsigned size)
{
	uint32_t v = 0;
	pthread_mutex_lock(&s->lock);
	off &= NE_IO_SIZE - 1;
	if (off >= NE_DATA && off < NE_DATA + 8) {
		v = data_read(s, size);
	} else if (off >= NE_DATA + 8) {
		ne2000_reset(s);      /* reading the reset port resets the board */
	} else {
		for (unsigned i = 0; i < size && i < 4 && off + i < NE_DATA; i++)
			v |= (uint32_t)read_reg(s, off + i, s->rtl8029) << (8 * i);
	}
	ne2000_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return v;
}

void ne2000_io_write(struct ne2000 *s, unsigned off, uint32_t val, unsigned size)
{
	pthread_mutex_lock(&s->lock);
	off &= NE_IO_SIZE - 1;
	if (off >= NE_DATA && off < NE_DATA + 8) {
		data_write(s, val, size);
	} else if (off >= NE_DATA + 8) {
		ne2000_reset(s);
	} else {
		for (unsigned i = 0; i < size && i < 4 && off + i < NE_DATA; i++)
			write_reg(s, off + i, (uint8_t)(val >> (8 * i)));
	}
	ne2000_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}
