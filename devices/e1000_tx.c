/*
 * e1000 transmit path (SDM 3, "Transmit Descriptors"): the ring from TDH
 * up to TDT, legacy descriptors and extended ones (a context descriptor
 * carrying the offload parameters, data descriptors carrying the frame),
 * IP/TCP/UDP checksum insertion, TCP segmentation (SDM 3, "TCP
 * Segmentation"), VLAN tag insertion, DD write-back when RS asks for it,
 * TXDW (possibly delayed by TIDV/TADV) and TXQE. A frame goes out only when
 * the port has room for all of it, else the ring waits (port_has_room), so
 * a guest's burst is paced, not dropped. The frame is gathered into
 * the card's own buffer (no allocation on the vCPU's exit path); every
 * guest address goes through vm_read_guest / vm_write_guest.
 */
#include <string.h>

#include "devices/e1000.h"
#include "core/util.h"
#include "core/vm.h"

static void send_frame(struct e1000 *s, uint8_t *f, size_t len, size_t cap)
{
	/* VLE with CTRL.VME: the tag goes in after the addresses (SDM 3, "Transmit VLAN") */
	if ((s->tx_cmd & TXD_VLE) && (s->ctrl & CTRL_VME) && len >= 12 && len + 4 <= cap) {
		memmove(f + 16, f + 12, len - 12);
		st16be(f + 12, (uint16_t)e1000_vet(s));
		st16be(f + 14, s->tx_vlan);
		len += 4;
	}
	if (len < 14 || len > NET_MAX_FRAME) {
		s->tx_errors++;
		return;
	}
	e1000_count(s, ST_GPTC, 1);
	e1000_count(s, ST_TPT, 1);
	e1000_count64(s, ST_GOTCL, len + 4);
	e1000_count64(s, ST_TOTL, len + 4);
	if (f[0] & 1)
		e1000_count(s, !memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) ? ST_BPTC : ST_MPTC, 1);
	/* with the cable out the port drops it, counted */
	if (s->port)
		netport_send(s->port, f, len);
}

/*
 * The one's complement of the 16-bit sum of bytes css..cse (inclusive; 0:
 * to the end of the frame) plus extra, stored big-endian at cso. The card
 * does no more: a TCP/UDP pseudo-header is the driver's, summed into the
 * checksum field before the frame is handed over. Out of range: nothing.
 */
static void put_csum(uint8_t *f, size_t len, unsigned css, unsigned cse, unsigned cso,
		     uint32_t extra, bool udp)
{
	size_t end = cse ? (size_t)cse + 1 : len;
	if (end > len)
		end = len;
	if (css >= end || (size_t)cso + 2 > len)
		return;
	uint16_t c = (uint16_t)~net_csum(extra, f + css, end - css);
	if (udp && !c)
		c = 0xFFFF;   /* UDP's zero means "no checksum" */
	st16be(f + cso, c);
}

/* A frame of extended data descriptors without TSE: the checksums POPTS asks for. */
static void offload(struct e1000 *s, uint8_t *f, size_t len)
{
	const struct e1000_txctx *c = &s->ctx;
	if (s->tx_popts & POPTS_IXSM)
		put_csum(f, len, c->ipcss, c->ipcse, c->ipcso, 0, false);
	if (s->tx_popts & POPTS_TXSM)
		put_csum(f, len, c->tucss, c->tucse, c->tucso, 0, !(c->tucmd & TUCMD_TCP));
}

/*
 * TCP segmentation: the header (HDRLEN bytes) repeated in front of each
 * MSS of payload, with the IPv4 total length and identification (IPv6:
 * payload length), the TCP sequence number (UDP: length) fitted to each
 * segment, FIN and PSH on the last only, and the checksums; the driver's
 * TCP/UDP seed leaves the length out, the card adds each segment's.
 */
static void tso_send(struct e1000 *s)
{
	const struct e1000_txctx *c = &s->ctx;
	bool tcp = c->tucmd & TUCMD_TCP, ipv4 = c->tucmd & TUCMD_IP;
	size_t hdr = c->hdrlen, mss = c->mss;
	if (hdr < 14 || hdr > s->tx_len || !mss || hdr + mss > NET_MAX_FRAME ||
	    (size_t)c->ipcss + 6 > hdr || (size_t)c->tucss + (tcp ? 14 : 6) > hdr ||
	    c->ipcss >= c->tucss) {
		s->tx_errors++;   /* parameters no driver sends */
		return;
	}
	if (!s->tso_seen) {         /* once, for whoever wonders whether the guest uses it */
		s->tso_seen = true;
		vm_log(s->vm, "e1000.%u: the driver hands TCP segmentation to the card (MSS %zu)",
		       s->index, mss);
	}
	uint8_t *b = s->txbuf, *f = s->segbuf;
	size_t payload = s->tx_len - hdr;
	uint32_t seq = tcp ? ld32be(b + c->tucss + 4) : 0;
	uint16_t id = ld16be(b + c->ipcss + 4);
	uint8_t flags = tcp ? b[c->tucss + 13] : 0;
	size_t off = 0;
	do {
		size_t n = payload - off < mss ? payload - off : mss, len = hdr + n;
		memcpy(f, b, hdr);
		memcpy(f + hdr, b + hdr + off, n);
		if (ipv4) {
			st16be(f + c->ipcss + 2, (uint16_t)(len - c->ipcss));
			st16be(f + c->ipcss + 4, id++);
		} else {
			st16be(f + c->ipcss + 4, (uint16_t)(len - c->ipcss - 40));
		}
		if (tcp) {
			st32be(f + c->tucss + 4, seq + (uint32_t)off);
			f[c->tucss + 13] = off + n < payload ? flags & ~0x09 : flags;   /* FIN, PSH */
		} else {
			st16be(f + c->tucss + 4, (uint16_t)(len - c->tucss));
		}
		if (s->tx_popts & POPTS_IXSM && ipv4 && (size_t)c->ipcso + 2 <= hdr) {
			st16be(f + c->ipcso, 0);
			put_csum(f, len, c->ipcss, c->ipcse, c->ipcso, 0, false);
		}
		if (s->tx_popts & POPTS_TXSM)
			put_csum(f, len, c->tucss, 0, c->tucso, (uint32_t)(len - c->tucss), !tcp);
		send_frame(s, f, len, sizeof(s->segbuf));
		e1000_count(s, ST_TSCTC, 1);
		off += n;
	} while (off < payload);
}

/*
 * The frame's last descriptor (EOP): out it goes, unless it was refused.
 * A legacy frame's only offload is its descriptor's IC (checksum from CSS
 * to the end, at CSO); the POPTS of extended descriptors sent before it do
 * not apply (SDM 3, "Legacy Transmit Descriptor Format").
 */
static void end_of_frame(struct e1000 *s, bool legacy, bool tse, const uint8_t *d)
{
	if (s->tx_bad || !s->tx_len) {
		s->tx_errors += s->tx_bad;
	} else if (tse) {
		tso_send(s);
	} else {
		if (!legacy)
			offload(s, s->txbuf, s->tx_len);
		else if (d[11] & TXD_IC)
			put_csum(s->txbuf, s->tx_len, d[13], 0, d[10], 0, false);   /* CSS, CSO */
		send_frame(s, s->txbuf, s->tx_len, sizeof(s->txbuf));
	}
	s->tx_len = 0;
	s->tx_bad = false;
}

/* Gather len bytes of the frame from guest address addr. */
static void gather(struct e1000 *s, uint64_t addr, uint32_t len)
{
	if (s->tx_bad || !len)
		return;
	if (len > sizeof(s->txbuf) - s->tx_len ||
	    vm_read_guest(s->vm, addr, s->txbuf + s->tx_len, len) < 0) {
		s->tx_bad = true;   /* too long, or outside guest RAM: dropped at its EOP */
		return;
	}
	s->tx_len += len;
}

/* One descriptor; its command byte. */
static uint8_t process(struct e1000 *s, const uint8_t *d)
{
	uint8_t cmd = d[11];
	bool first = !s->tx_len && !s->tx_bad;
	if (!(cmd & TXD_DEXT)) {                      /* legacy */
		if (first) {
			s->tx_cmd = cmd;
			s->tx_vlan = ld16(d + 14);
		}
		gather(s, ld64(d), ld16(d + 8));
		if (cmd & TXD_EOP)
			end_of_frame(s, true, false, d);
		return cmd;
	}
	unsigned dtyp = (ld32(d + 8) >> 20) & 0xF;
	if (dtyp == TXD_DTYP_CTX) {                   /* context: the offload parameters */
		struct e1000_txctx *c = &s->ctx;
		c->ipcss = d[0];
		c->ipcso = d[1];
		c->ipcse = ld16(d + 2);
		c->tucss = d[4];
		c->tucso = d[5];
		c->tucse = ld16(d + 6);
		c->paylen = ld32(d + 8) & 0xFFFFF;
		c->tucmd = cmd;
		c->hdrlen = d[13];
		c->mss = ld16(d + 14);
		return cmd;
	}
	if (dtyp != TXD_DTYP_DATA)
		return cmd;                               /* reserved types: skipped */
	if (first) {                                  /* POPTS and DCMD of the first one count */
		s->tx_popts = d[13];
		s->tx_cmd = cmd;
		s->tx_vlan = ld16(d + 14);
	}
	gather(s, ld64(d), ld32(d + 8) & 0xFFFFF);
	if (cmd & TXD_EOP)
		end_of_frame(s, false, (s->tx_cmd & TXD_TSE) && (s->ctx.tucmd & TUCMD_TSE), d);
	return cmd;
}

/*
 * Whether the port has room for what descriptor d sends: nothing unless it
 * ends a frame, else the frame, or with TCP segmentation one frame per MSS
 * of its payload. No room: the ring waits at d (its earlier descriptors'
 * data stays gathered) until the port calls e1000_tx_wake.
 */
static bool port_has_room(struct e1000 *s, const uint8_t *d)
{
	uint8_t cmd = d[11];
	if (!s->port || !(cmd & TXD_EOP) || s->tx_bad)
		return true;
	size_t frames = 1;
	if (cmd & TXD_DEXT) {
		if (((ld32(d + 8) >> 20) & 0xF) != TXD_DTYP_DATA)
			return true;
		uint8_t first_cmd = s->tx_len ? s->tx_cmd : cmd;
		size_t total = s->tx_len + (ld32(d + 8) & 0xFFFFF), hdr = s->ctx.hdrlen, mss = s->ctx.mss;
		if ((first_cmd & TXD_TSE) && (s->ctx.tucmd & TUCMD_TSE) && mss && total > hdr)
			frames = (total - hdr + mss - 1) / mss;
	}
	return netport_tx_room(s->port, frames);
}

void e1000_tx_wake(void *opaque)
{
	struct e1000 *s = opaque;
	pthread_mutex_lock(&s->lock);
	e1000_tx_kick(s);
	pthread_mutex_unlock(&s->lock);
}

void e1000_tx_kick(struct e1000 *s)
{
	unsigned count = s->tdlen / 16;
	if (!(s->tctl & TCTL_EN) || !e1000_master(s) || !count)
		return;
	/* a head or tail past the ring's end: the ring is left alone until
	 * the driver sets them right (no descriptor outside it is read) */
	if (s->tdh >= count || s->tdt >= count)
		return;
	uint64_t base = (uint64_t)s->tdbah << 32 | s->tdbal;
	bool report = false, delay = true;
	for (unsigned n = 0; n < count && s->tdh != s->tdt; n++) {
		uint64_t at = base + (uint64_t)s->tdh * 16;
		uint8_t d[16];
		if (vm_read_guest(s->vm, at, d, sizeof(d)) < 0)
			break;   /* the ring is outside guest RAM: nothing more happens */
		if (!port_has_room(s, d))
			break;   /* the wire is busy: TDH stays here */
		uint8_t cmd = process(s, d);
		if (cmd & TXD_RS) {                       /* DD back in the status byte */
			uint8_t sta = (uint8_t)((d[12] & 0xF0) | TXD_STA_DD);
			if (vm_write_guest(s->vm, at + 12, &sta, 1) < 0)
				break;
			report = true;
			delay &= (cmd & TXD_IDE) != 0;
		}
		s->tdh = (s->tdh + 1) % count;
	}
	if (report) {
		if (delay)
			e1000_delay_irq(s, false);
		else
			e1000_set_ics(s, ICR_TXDW);
	}
	if (s->tdh == s->tdt)
		e1000_set_ics(s, ICR_TXQE);
}
