/*
 * e1000 receive path: the address filters (SDM 13, RCTL: UPE, MPE, BAM;
 * the 16 exact receive addresses RAL/RAH; the 4096-bit multicast hash MTA
 * with its offset MO; the VLAN filter VFTA when VFE is set), and legacy
 * receive descriptors (SDM 3, "Receive Descriptor Format") from RDH up to
 * RDT, a frame wider than the buffer size (RCTL.BSIZE/BSEX) spread over
 * several with EOP on the last. Frames shorter than 60 bytes are padded as
 * the wire pads them, the CRC is appended unless SECRC strips it. Receive
 * checksum offload (SDM 3, "Receive Checksum Offloading"): with
 * RXCSUM.IPOFL the IPv4 header's checksum is checked, with TUOFL a TCP or
 * UDP segment's, each reported in the descriptor (IPCS, TCPCS; IPE, TCPE
 * when wrong), so the guest's driver need not sum every byte again. With too
 * few descriptors the frame waits in the port's queue (RXO is raised) until
 * the driver moves RDT. Every guest address goes through vm_read_guest /
 * vm_write_guest, which refuse anything outside guest RAM.
 */
#include <string.h>

#include "devices/e1000.h"
#include "core/util.h"
#include "core/vm.h"

#define MIN_FRAME 60
#define MAX_STD_FRAME 1522   /* with the CRC and a VLAN tag; longer needs RCTL.LPE */

static const uint8_t bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

/* The MTA bit of a multicast address: 12 of bits 47:32, where RCTL.MO says. */
static unsigned mta_hash(const struct e1000 *s, const uint8_t *a)
{
	static const uint8_t shift[4] = { 4, 3, 2, 0 };
	unsigned v = a[4] | (unsigned)a[5] << 8;
	return (v >> shift[(s->rctl >> RCTL_MO_SHIFT) & 3]) & 0xFFF;
}

static bool exact_match(const struct e1000 *s, const uint8_t *dst)
{
	for (unsigned i = 0; i < 16; i++) {
		uint32_t lo = s->ra[2 * i], hi = s->ra[2 * i + 1];
		/* valid, and ASEL (bits 17:16) 00: a destination address */
		if ((hi & RAH_AV) && !(hi & 0x30000) && ld32(dst) == lo && ld16(dst + 4) == (hi & 0xFFFF))
			return true;
	}
	return false;
}

bool e1000_accepts(const struct e1000 *s, const uint8_t *frame, size_t len)
{
	const uint8_t *dst = frame;
	if ((s->rctl & RCTL_VFE) && len >= 18 && ld16be(frame + 12) == e1000_vet(s)) {
		unsigned vid = ld16be(frame + 14) & 0xFFF;
		if (!(s->vfta[vid >> 5] & (1u << (vid & 31))))
			return false;
	}
	if (!memcmp(dst, bcast, 6) && (s->rctl & RCTL_BAM))
		return true;
	if (dst[0] & 1 ? (s->rctl & RCTL_MPE) : (s->rctl & RCTL_UPE))
		return true;
	if (exact_match(s, dst))
		return true;
	if (dst[0] & 1) {
		unsigned h = mta_hash(s, dst);
		return s->mta[h >> 5] & (1u << (h & 31));
	}
	return false;
}

/* RCTL.BSIZE with BSEX (SDM 13, RCTL): 2048, 1024, 512, 256 or 16384, 8192, 4096. */
static unsigned buffer_size(const struct e1000 *s)
{
	unsigned bsize = (s->rctl >> RCTL_BSIZE_SHIFT) & 3;
	if (s->rctl & RCTL_BSEX)
		return bsize ? 65536u >> (bsize + 1) : 2048;
	return 2048u >> bsize;
}

static void count_frame(struct e1000 *s, const uint8_t *f, size_t len)
{
	e1000_count(s, ST_GPRC, 1);
	e1000_count(s, ST_TPR, 1);
	e1000_count64(s, ST_GORCL, len);
	e1000_count64(s, ST_TORL, len);
	if (!memcmp(f, bcast, 6))
		e1000_count(s, ST_BPRC, 1);
	else if (f[0] & 1)
		e1000_count(s, ST_MPRC, 1);
}

/*
 * The checksums RXCSUM asks the card to check, for an Ethernet II frame of
 * len bytes (no tag, no CRC): the IPv4 header's, and a TCP or UDP
 * segment's with its pseudo-header when the datagram is not a fragment
 * (the 82540 offloads IPv4 only). Adds what was checked to *status, what
 * failed to *errors; IXSM, "ignore the indications", when nothing was.
 */
static void rx_checksums(const struct e1000 *s, const uint8_t *f, size_t len, uint8_t *status,
			 uint8_t *errors)
{
	uint32_t rxcsum = e1000_rxcsum(s);
	*status |= RXD_IXSM;
	if (!(rxcsum & (RXCSUM_IPOFL | RXCSUM_TUOFL)) || len < 34 || ld16be(f + 12) != 0x0800 ||
	    f[14] >> 4 != 4)
		return;
	size_t ihl = (f[14] & 0xFu) * 4, total = ld16be(f + 16);
	if (ihl < 20 || total < ihl || 14 + total > len)
		return;                      /* not a whole IPv4 datagram: the driver checks */
	*status &= (uint8_t)~RXD_IXSM;
	if (rxcsum & RXCSUM_IPOFL) {
		*status |= RXD_IPCS;
		if (net_csum(0, f + 14, ihl) != 0xFFFF)
			*errors |= RXE_IPE;
	}
	const uint8_t *l4 = f + 14 + ihl;
	size_t l4len = total - ihl;
	uint8_t proto = f[23];
	if (!(rxcsum & RXCSUM_TUOFL) || (ld16be(f + 20) & 0x3FFF) ||   /* MF or an offset */
	    !((proto == 6 && l4len >= 20) || (proto == 17 && l4len >= 8)))
		return;
	*status |= RXD_TCPCS;
	if (proto == 17 && !ld16be(l4 + 6))
		return;                      /* UDP without a checksum */
	uint32_t pseudo = net_csum(0, f + 26, 8) + proto + (uint32_t)l4len;
	if (net_csum(pseudo, l4, l4len) != 0xFFFF)
		*errors |= RXE_TCPE;
}

/* The frame (data, len bytes with its CRC or not) into the ring; false: no room. */
static bool to_ring(struct e1000 *s, const uint8_t *data, size_t len, uint8_t status,
		    uint8_t errors, uint16_t special)
{
	unsigned count = s->rdlen / 16, bufsize = buffer_size(s);
	if (!count || s->rdh >= count || s->rdt >= count)
		return false;   /* no ring the card can use: the frame waits */
	unsigned avail = (s->rdt + count - s->rdh) % count;
	size_t need = (len + bufsize - 1) / bufsize;
	if (need > avail) {
		e1000_set_ics(s, ICR_RXO);
		e1000_count(s, ST_RNBC, 1);
		return false;
	}
	uint64_t base = (uint64_t)s->rdbah << 32 | s->rdbal;
	for (size_t off = 0; off < len;) {
		uint64_t at = base + (uint64_t)s->rdh * 16;
		uint8_t d[16];
		size_t n = len - off < bufsize ? len - off : bufsize;
		if (vm_read_guest(s->vm, at, d, sizeof(d)) < 0)
			return true;   /* the ring is outside guest RAM: the frame is lost */
		uint8_t err = errors;
		if (vm_write_guest(s->vm, ld64(d), data + off, n) < 0)
			err |= RXD_ERR_RXE;   /* the buffer is outside guest RAM */
		off += n;
		st16(d + 8, (uint16_t)n);
		st16(d + 10, 0);          /* packet checksum: not computed */
		d[12] = (uint8_t)(status | RXD_DD | (off == len ? RXD_EOP : 0));
		d[13] = err;
		st16(d + 14, special);
		if (vm_write_guest(s->vm, at + 8, d + 8, 8) < 0)
			return true;
		s->rdh = (s->rdh + 1) % count;
	}
	/* few descriptors left for the card: RXDMT0 (RCTL.RDMTS: 1/2, 1/4, 1/8) */
	unsigned left = (s->rdt + count - s->rdh) % count;
	unsigned rdmts = (s->rctl >> RCTL_RDMTS_SHIFT) & 3;
	if (rdmts < 3 && left <= count >> (rdmts + 1))
		e1000_set_ics(s, ICR_RXDMT0);
	return true;
}

bool e1000_receive(void *opaque, const uint8_t *frame, size_t len)
{
	struct e1000 *s = opaque;
	uint8_t buf[NET_MAX_FRAME + 4];
	bool taken = true;

	if (len < 14 || len > NET_MAX_FRAME)
		return true;   /* not a frame: dropped */
	pthread_mutex_lock(&s->lock);
	if (!(s->rctl & RCTL_EN) || !e1000_master(s) || !s->link_up ||
	    !e1000_accepts(s, frame, len))
		goto out;      /* receiver off, cable out or not for us: the wire moves on */
	if (!(s->rctl & RCTL_LPE) && len + 4 > MAX_STD_FRAME)
		goto out;      /* too long without long packets enabled */
	memcpy(buf, frame, len);
	uint8_t status = 0, errors = 0;
	uint16_t special = 0;
	if ((s->ctrl & CTRL_VME) && len >= 18 && ld16be(buf + 12) == e1000_vet(s)) {
		special = ld16be(buf + 14);   /* the tag goes to the descriptor */
		memmove(buf + 12, buf + 16, len - 16);
		len -= 4;
		status |= RXD_VP;
	}
	rx_checksums(s, buf, len, &status, &errors);
	if (len < MIN_FRAME) {
		memset(buf + len, 0, MIN_FRAME - len);
		len = MIN_FRAME;
	}
	if (!(s->rctl & RCTL_SECRC)) {
		st32(buf + len, net_fcs(buf, len));   /* least significant byte first */
		len += 4;
	}
	taken = to_ring(s, buf, len, status, errors, special);
	if (taken) {
		count_frame(s, buf, len);
		e1000_delay_irq(s, true);
	}
out:
	pthread_mutex_unlock(&s->lock);
	return taken;
}
