/*
 * NE2000 receive path (ne2000.h): the address filter (RCR, PAR0-5 and the
 * MAR0-7 multicast hash [3, address recognition; 10, RCR]) and the receive buffer ring in the
 * board's 16 KiB [7]: 256-byte pages from PSTART up to PSTOP, CURR the
 * next page the chip fills, BNRY the last page the driver has not yet
 * given back. Each frame starts a page with a 4-byte header (receive
 * status, next page, byte count) and is followed by its FCS, as the wire
 * delivered it. Every byte goes to mem[] through an offset inside the ring,
 * which itself was checked to lie inside the 16 KiB.
 */
#include <string.h>

#include "devices/ne2000.h"
#include "core/net.h"

#define MIN_FRAME 60     /* short frames are padded, as the sender pads them */

bool ne2000_ring_valid(const struct ne2000 *s)
{
	return s->pstart >= NE_PAGE_FIRST && s->pstop <= NE_PAGE_LAST && s->pstart < s->pstop;
}

static bool accepts(const struct ne2000 *s, const uint8_t *dst)
{
	static const uint8_t bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	if (s->rcr & RCR_PRO)
		return true;     /* promiscuous: every address [10, RCR] */
	if (!memcmp(dst, bcast, 6))
		return s->rcr & RCR_AB;
	if (dst[0] & 1) {
		unsigned bit = net_mcast_hash_bit(dst);
		return (s->rcr & RCR_AM) && (s->mar[bit >> 3] & (1u << (bit & 7)));
	}
	return !memcmp(dst, s->par, 6);
}

/* Byte i of the frame area that starts at page `page` (ring offsets wrap at PSTOP). */
static void ring_put(struct ne2000 *s, unsigned page, unsigned i, uint8_t v)
{
	unsigned start = (unsigned)s->pstart << 8;
	unsigned size = ((unsigned)s->pstop - s->pstart) << 8;
	unsigned off = (((unsigned)page << 8) - start + i) % size;
	s->mem[start - NE_MEM_START + off] = v;
}

/*
 * BNRY as a page of the ring. Drivers hand back the page before the next
 * one they will read, and when that next page is PSTART, Linux's 8390 core
 * writes PSTART - 1, outside the ring: the page before PSTART in ring
 * order is PSTOP - 1, which is what the chip's compare amounts to (it
 * never meets a page outside the ring). Any other value outside counts
 * the same way, so the ring can neither be overrun nor refuse for good.
 */
static unsigned bnry_page(const struct ne2000 *s)
{
	bool inside = s->bnry >= s->pstart && s->bnry < s->pstop;
	return inside ? s->bnry : (unsigned)s->pstop - 1;
}

/*
 * Pages free between CURR and BNRY. The chip stops before it would write
 * into the page BNRY points to [7]; drivers that start with BNRY equal
 * to CURR (and never let the ring fill so far) mean an empty ring, so that
 * case counts as all pages free and a frame must leave at least one page
 * between its end and BNRY: CURR never catches up with BNRY otherwise.
 */
static unsigned pages_free(const struct ne2000 *s)
{
	unsigned n = (unsigned)s->pstop - s->pstart;
	unsigned f = (bnry_page(s) + n - s->curr) % n;
	return f ? f : n;
}

bool ne2000_receive_locked(struct ne2000 *s, const uint8_t *frame, size_t len)
{
	uint8_t padded[MIN_FRAME];
	if (len < 6 || len > NET_MAX_FRAME)
		return true;   /* not a frame: dropped */
	if (len < MIN_FRAME) {
		memset(padded, 0, sizeof(padded));
		memcpy(padded, frame, len);
		frame = padded;
		len = MIN_FRAME;
	}
	if (!(s->cr & CR_STA) || (s->cr & CR_STP) || !accepts(s, frame))
		return true;   /* receiver off or not for us: the wire moves on */
	if (s->rcr & RCR_MON) {
		s->rsr = RSR_DIS;     /* monitor mode: checked and counted, not stored [10, RCR] */
		return true;
	}
	bool in_ring = s->curr >= s->pstart && s->curr < s->pstop;
	if (!ne2000_ring_valid(s) || !in_ring) {
		s->rsr = RSR_MPA;     /* nowhere to put it: a missed packet */
		if (s->cntr[2] < 0xFF && ++s->cntr[2] >= 0x80)
			s->isr |= ISR_CNT;
		s->rx_missed++;
		return true;
	}
	unsigned total = 4 + (unsigned)len + 4;     /* header, frame, FCS */
	unsigned pages = (total + 255) / 256;
	if (pages >= pages_free(s)) {
		/* ring full [7; 10, ISR: OVW, RST]: the frame waits until BNRY moves */
		if (!(s->isr & ISR_OVW)) {
			s->rsr = RSR_MPA;
			if (s->cntr[2] < 0xFF && ++s->cntr[2] >= 0x80)
				s->isr |= ISR_CNT;
			s->rx_missed++;
		}
		s->isr |= ISR_OVW | ISR_RST;
		ne2000_update_irq(s);
		return false;
	}
	unsigned next = s->curr + pages;
	if (next >= s->pstop)
		next -= (unsigned)s->pstop - s->pstart;
	uint8_t status = RSR_PRX | ((frame[0] & 1) ? RSR_PHY : 0);
	unsigned count = (unsigned)len + 4;          /* the frame with its FCS */
	uint32_t fcs = net_fcs(frame, len);
	uint8_t hdr[4] = { status, (uint8_t)next, (uint8_t)count, (uint8_t)(count >> 8) };
	for (unsigned i = 0; i < 4; i++)
		ring_put(s, s->curr, i, hdr[i]);
	for (unsigned i = 0; i < len; i++)
		ring_put(s, s->curr, 4 + i, frame[i]);
	for (unsigned i = 0; i < 4; i++)
		ring_put(s, s->curr, 4 + (unsigned)len + i, (uint8_t)(fcs >> (8 * i)));
	s->clda = (uint16_t)((next << 8));
	s->curr = (uint8_t)next;
	s->rsr = status;
	s->isr |= ISR_PRX;
	s->isr &= (uint8_t)~ISR_RST;
	ne2000_update_irq(s);
	return true;
}

/*
 * From the network. In loopback the receiver hears only the card itself
 * [12]; Linux's 8390 driver recovers from a ring overflow by stopping the
 * card, switching to loopback, draining the ring and switching back, so a
 * frame that arrives meanwhile waits in the port's queue (TCR's write lets
 * it in) instead of being lost, as it would be on a wire: TCP through the
 * NAT would otherwise stall on retransmissions at every overflow.
 */
bool ne2000_receive(void *opaque, const uint8_t *frame, size_t len)
{
	struct ne2000 *s = opaque;
	pthread_mutex_lock(&s->lock);
	bool taken;
	if ((s->tcr & TCR_LB_MASK) && (s->cr & CR_STA) && !(s->cr & CR_STP))
		taken = false;
	else
		taken = ne2000_receive_locked(s, frame, len);
	pthread_mutex_unlock(&s->lock);
	return taken;
}
