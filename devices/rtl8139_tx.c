/*
 * RTL8139 transmit path: the four normal-mode descriptors (TSAD0-3 hold the
 * buffer, a write of TSD0-3 with OWN clear sends it; datasheet 6: TSD, and
 * 7.2) and the C+ mode normal-priority ring (datasheet 9.2: 16-byte
 * descriptors, a frame spread over segments FS..LS, checksum offload).
 * The frame is gathered into the card's own buffer (no allocation on the
 * vCPU's exit path) and queued to the back end; in C+ mode only when the
 * port has room for all of it, else the ring waits (port_has_room).
 */
#include <string.h>

#include "devices/rtl8139.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/net.h"

static void send_frame(struct rtl8139 *s, const uint8_t *frame, size_t len)
{
	/* with the cable out the port drops it, counted */
	if (s->port)
		netport_send(s->port, frame, len);
}

void rtl8139_tx_write_tsd(struct rtl8139 *s, unsigned i, uint32_t val)
{
	/* the driver writes the size and early-transmit threshold with OWN clear */
	s->tsd[i] = val & (TSD_SIZE | 0x003F0000u);
	if (val & TSD_OWN)
		return;
	if (!(s->cr & CR_TE) || !(s->pci.config[0x04] & 0x04))
		return;   /* transmitter off or no bus mastering: the descriptor waits */
	unsigned len = val & TSD_SIZE;
	if (len < 14 || len > RTL_MAX_TX || len > NET_MAX_FRAME) {
		s->tsd[i] |= TSD_OWN | TSD_TABT;
		s->isr |= INT_TER;
		s->tx_errors++;
		return;
	}
	if (vm_read_guest(s->vm, s->tsad[i], s->txbuf, len) < 0) {
		s->tsd[i] |= TSD_OWN | TSD_TABT;   /* master abort */
		s->isr |= INT_TER | INT_SERR;
		s->tx_errors++;
		return;
	}
	send_frame(s, s->txbuf, len);
	s->tsd[i] |= TSD_OWN | TSD_TOK;
	s->isr |= INT_TOK;
	s->tx_next = (uint8_t)((i + 1) & 3);
}

/* ---- C+ mode ------------------------------------------------------------ */

/* IPCS, TCPCS, UDPCS: the card fills the IPv4 header and TCP/UDP checksums. */
static void offload_checksums(uint8_t *f, size_t len, uint32_t opts1)
{
	size_t l3 = 14;
	if (len >= 18 && ld16be(f + 12) == 0x8100)
		l3 = 18;   /* an 802.1Q tag */
	if (len < l3 + 20 || ld16be(f + l3 - 2) != 0x0800 || (f[l3] >> 4) != 4)
		return;
	size_t ihl = (f[l3] & 0xF) * 4u, tot = ld16be(f + l3 + 2);
	if (ihl < 20 || tot < ihl || l3 + tot > len)
		return;
	if (opts1 & DESC_TX_IPCS) {
		st16be(f + l3 + 10, 0);
		st16be(f + l3 + 10, (uint16_t)~net_csum(0, f + l3, ihl));
	}
	uint8_t proto = f[l3 + 9];
	size_t l4 = l3 + ihl, l4len = tot - ihl;
	size_t off = proto == 6 ? 16 : proto == 17 ? 6 : 0;
	bool want = (proto == 6 && (opts1 & DESC_TX_TCPCS)) || (proto == 17 && (opts1 & DESC_TX_UDPCS));
	if (!want || l4len < off + 2)
		return;
	uint8_t pseudo[12];
	memcpy(pseudo, f + l3 + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = proto;
	st16be(pseudo + 10, (uint16_t)l4len);
	st16be(f + l4 + off, 0);
	uint16_t c = (uint16_t)~net_csum(net_csum(0, pseudo, 12), f + l4, l4len);
	if (proto == 17 && c == 0)
		c = 0xFFFF;
	st16be(f + l4 + off, c);
}

/*
 * Large send (LGSEN in the transmit descriptor, datasheet 9.2; the MSS in
 * bits 16-26 of its first word): the driver hands over one TCP/IPv4
 * datagram of up to 64 KiB; the card cuts its payload into MSS-sized
 * segments behind copies of the headers, with each segment's IP length,
 * an IP identification counting up, its TCP sequence number, FIN and PSH
 * on the last only, and both checksums. False for what it cannot cut (not
 * TCP/IPv4, no MSS).
 */
static bool large_send(struct rtl8139 *s, const uint8_t *f, size_t len, unsigned mss)
{
	const size_t l3 = 14;
	if (len < l3 + 40 || ld16be(f + 12) != 0x0800 || (f[l3] >> 4) != 4 || f[l3 + 9] != 6)
		return false;
	size_t ihl = (f[l3] & 0xF) * 4u;
	if (ihl < 20 || len < l3 + ihl + 20)
		return false;
	size_t l4 = l3 + ihl, thl = (f[l4 + 12] >> 4) * 4u, hdr = l4 + thl;
	if (thl < 20 || hdr > len || hdr >= NET_MAX_FRAME || !mss)
		return false;
	if (hdr + mss > NET_MAX_FRAME)
		mss = NET_MAX_FRAME - (unsigned)hdr;   /* no segment beyond the wire's frame */
	size_t payload = len - hdr, off = 0;
	uint32_t seq = ld32be(f + l4 + 4);
	uint16_t id = ld16be(f + l3 + 4);
	uint8_t flags = f[l4 + 13];
	uint8_t *g = s->segbuf;
	do {
		size_t n = payload - off < mss ? payload - off : mss, glen = hdr + n;
		memcpy(g, f, hdr);
		memcpy(g + hdr, f + hdr + off, n);
		st16be(g + l3 + 2, (uint16_t)(glen - l3));
		st16be(g + l3 + 4, id++);
		st32be(g + l4 + 4, seq + (uint32_t)off);
		g[l4 + 13] = off + n < payload ? flags & ~0x09 : flags;   /* FIN, PSH: last only */
		offload_checksums(g, glen, DESC_TX_IPCS | DESC_TX_TCPCS);
		send_frame(s, g, glen);
		off += n;
	} while (off < payload);
	return true;
}

/*
 * Whether the port has room for what C+ descriptor opts1 (len bytes more)
 * sends: nothing before the last segment (LS), else the frame, or for a
 * large send at most one frame per MSS of it. No room: the ring waits at
 * this descriptor, OWN still set, until the port calls rtl8139_tx_wake.
 */
static bool port_has_room(struct rtl8139 *s, uint32_t opts1, uint32_t len)
{
	uint32_t before = (opts1 & DESC_FS) ? 0 : s->cp_tx_len;   /* FS starts a new frame */
	if (!s->port || !(opts1 & DESC_LS) || before == UINT32_MAX)
		return true;
	size_t frames = 1, mss = (opts1 >> 16) & 0x7FF, total = (size_t)before + len;
	if ((opts1 & DESC_TX_LGSEN) && mss) {
		if (mss > NET_MAX_FRAME - 54)
			mss = NET_MAX_FRAME - 54;   /* as large_send cuts it: 54 the least header */
		frames = (total + mss - 1) / mss;
	}
	return netport_tx_room(s->port, frames);
}

void rtl8139_tx_wake(void *opaque)
{
	struct rtl8139 *s = opaque;
	pthread_mutex_lock(&s->lock);
	rtl8139_cp_tx_poll(s);
	rtl8139_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

void rtl8139_cp_tx_poll(struct rtl8139 *s)
{
	uint64_t ring = s->tsad[0] | (uint64_t)s->tsad[1] << 32;   /* TNPDS */
	bool sent = false, error = false;
	if (!(s->cpcr & CPCR_TXON) || !(s->pci.config[0x04] & 0x04))
		return;
	/* at most one trip round the ring per poll */
	for (unsigned n = 0; n < RTL_CP_RING_MAX; n++) {
		uint64_t desc = ring + (uint64_t)s->cp_tx_idx * 16;
		uint8_t d[16];
		if (vm_read_guest(s->vm, desc, d, 16) < 0) {
			s->isr |= INT_SERR;
			break;
		}
		uint32_t opts1 = ld32(d);
		if (!(opts1 & DESC_OWN))
			break;
		uint32_t len = opts1 & 0xFFFF;
		uint64_t addr = ld64(d + 8);
		if (!port_has_room(s, opts1, len))
			break;   /* the wire is busy */
		if (opts1 & DESC_FS)
			s->cp_tx_len = 0;
		if (s->cp_tx_len == UINT32_MAX) {
			;   /* a frame already refused: its segments are skipped */
		} else if (s->cp_tx_len + len > sizeof(s->txbuf)) {
			s->cp_tx_len = UINT32_MAX;   /* too big: dropped at its last segment */
		} else {
			if (vm_read_guest(s->vm, addr, s->txbuf + s->cp_tx_len, len) < 0) {
				s->isr |= INT_SERR;
				s->cp_tx_len = UINT32_MAX;
			} else {
				s->cp_tx_len += len;
			}
		}
		uint32_t status = opts1 & (DESC_EOR | DESC_FS | DESC_LS);
		if (opts1 & DESC_LS) {
			bool lgsen = opts1 & DESC_TX_LGSEN;
			if (s->cp_tx_len == UINT32_MAX || s->cp_tx_len < 14 ||
			    (!lgsen && s->cp_tx_len > NET_MAX_FRAME) ||
			    (lgsen && !large_send(s, s->txbuf, s->cp_tx_len, (opts1 >> 16) & 0x7FF))) {
				status |= 1u << 23;   /* TxError */
				error = true;
				s->tx_errors++;
			} else if (lgsen) {
				sent = true;
			} else {
				if (opts1 & (DESC_TX_IPCS | DESC_TX_TCPCS | DESC_TX_UDPCS))
					offload_checksums(s->txbuf, s->cp_tx_len, opts1);
				send_frame(s, s->txbuf, s->cp_tx_len);
				sent = true;
			}
			s->cp_tx_len = 0;
		}
		st32(d, status);          /* OWN clear: the driver may reuse it */
		if (vm_write_guest(s->vm, desc, d, 4) < 0)
			s->isr |= INT_SERR;
		s->cp_tx_idx = (opts1 & DESC_EOR) || s->cp_tx_idx + 1 == RTL_CP_RING_MAX ? 0 :
			       s->cp_tx_idx + 1;
	}
	if (sent)
		s->isr |= INT_TOK;
	if (error)
		s->isr |= INT_TER;
}
