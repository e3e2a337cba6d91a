/*
 * RTL8139 receive path: the address filter (RCR accept bits and the MAR
 * multicast hash, datasheet 6: RCR, MAR0-7), the normal-mode ring buffer
 * (datasheet 7.1: a 4-byte header, the frame, its CRC, next frame on a
 * 4-byte boundary; CAPR lags the driver's read point by 16) and the C+ mode
 * receive descriptors (datasheet 9.3). Every guest address goes through
 * vm_write_guest, which refuses anything outside guest RAM.
 */
#include <string.h>

#include "devices/rtl8139.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/net.h"

/* receive status in the ring header (datasheet 7.1, table "Rx status") */
#define RSR_ROK 0x0001
#define RSR_BAR 0x2000   /* broadcast */
#define RSR_PAM 0x4000   /* physical address matched */
#define RSR_MAR 0x8000   /* multicast */

#define MIN_FRAME 60     /* short frames are padded, as the wire pads them */

bool rtl8139_accepts(const struct rtl8139 *s, const uint8_t *dst)
{
	static const uint8_t bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	if (!memcmp(dst, bcast, 6))
		return s->rcr & RCR_AB;
	if (dst[0] & 1) {
		unsigned bit = net_mcast_hash_bit(dst);
		return (s->rcr & RCR_AM) && (s->mar[bit >> 3] & (1u << (bit & 7)));
	}
	return (s->rcr & RCR_AAP) || ((s->rcr & RCR_APM) && !memcmp(dst, s->mac, 6));
}

/* The normal-mode ring: 8, 16, 32 or 64 KiB (RCR RBLEN, bits 12:11). */
static unsigned ring_size(const struct rtl8139 *s)
{
	return 8192u << ((s->rcr >> 11) & 3);
}

/* Guest RAM failed a DMA: the card signals a PCI system error. */
static void dma_error(struct rtl8139 *s)
{
	s->isr |= INT_SERR;
}

/* Copy into the ring at offset off, wrapping at size unless WRAP says go on linearly. */
static bool ring_write(struct rtl8139 *s, unsigned off, const void *data, unsigned len,
		       unsigned size)
{
	const uint8_t *p = data;
	if (!(s->rcr & RCR_WRAP))
		off %= size;
	if (!(s->rcr & RCR_WRAP) && off + len > size) {
		unsigned first = size - off;
		if (vm_write_guest(s->vm, (uint64_t)s->rbstart + off, p, first) < 0)
			return false;
		p += first;
		len -= first;
		off = 0;
	}
	return vm_write_guest(s->vm, (uint64_t)s->rbstart + off, p, len) == 0;
}

static bool ring_receive(struct rtl8139 *s, const uint8_t *frame, unsigned len, uint16_t status)
{
	unsigned size = ring_size(s);
	unsigned rd = ((unsigned)s->capr + 16) % size, wr = s->cbr % size;
	unsigned used = (wr + size - rd) % size;
	unsigned need = (4 + len + 4 + 3) & ~3u;   /* header, frame, CRC, aligned */
	if (need >= size - used) {
		s->isr |= INT_RXOVW;   /* the driver must read first */
		s->mpc = (s->mpc + 1) & 0xFFFFFF;
		return false;
	}
	uint8_t hdr[4], crc[4] = { 0 };
	st16(hdr, status | RSR_ROK);
	st16(hdr + 2, (uint16_t)(len + 4));       /* the length counts the CRC */
	if (!ring_write(s, wr, hdr, 4, size) ||
	    !ring_write(s, wr + 4, frame, len, size) ||
	    !ring_write(s, wr + 4 + len, crc, 4, size)) {
		dma_error(s);
		return true;   /* dropped */
	}
	s->cbr = (uint16_t)((wr + need) % size);
	s->isr |= INT_ROK;
	return true;
}

static bool cp_receive(struct rtl8139 *s, const uint8_t *frame, unsigned len)
{
	uint64_t desc = s->rx_ring + (uint64_t)s->cp_rx_idx * 16;
	uint8_t d[16];
	if (vm_read_guest(s->vm, desc, d, 16) < 0) {
		dma_error(s);
		return true;
	}
	uint32_t opts1 = ld32(d);
	if (!(opts1 & DESC_OWN)) {
		s->isr |= INT_RXOVW;   /* C+: receive descriptor unavailable */
		return false;
	}
	unsigned bufsize = opts1 & 0x1FFF, need = len + 4;
	uint64_t addr = ld64(d + 8);
	uint32_t status = opts1 & DESC_EOR;
	if (need > bufsize) {
		/* frames spread over several buffers are not produced: the drivers'
		 * buffers hold a whole frame at our MTU; a smaller one is an error */
		status |= DESC_FS | DESC_LS | DESC_RX_RES;
		s->isr |= INT_RER;
	} else {
		uint8_t crc[4] = { 0 };
		if (vm_write_guest(s->vm, addr, frame, len) < 0 ||
		    vm_write_guest(s->vm, addr + len, crc, 4) < 0) {
			dma_error(s);
			return true;
		}
		status |= DESC_FS | DESC_LS | need;
		s->isr |= INT_ROK;
	}
	st32(d, status);           /* the card gives the descriptor back: OWN clear */
	st32(d + 4, 0);
	if (vm_write_guest(s->vm, desc + 4, d + 4, 4) < 0 || vm_write_guest(s->vm, desc, d, 4) < 0)
		dma_error(s);
	s->cp_rx_idx = (opts1 & DESC_EOR) || s->cp_rx_idx + 1 == RTL_CP_RING_MAX ? 0 :
		       s->cp_rx_idx + 1;
	return true;
}

bool rtl8139_receive(void *opaque, const uint8_t *frame, size_t len)
{
	struct rtl8139 *s = opaque;
	uint8_t padded[MIN_FRAME];
	bool taken = true;

	if (len < 14 || len > NET_MAX_FRAME)
		return true;   /* not a frame: dropped */
	if (len < MIN_FRAME) {
		memset(padded, 0, sizeof(padded));
		memcpy(padded, frame, len);
		frame = padded;
		len = MIN_FRAME;
	}
	pthread_mutex_lock(&s->lock);
	bool cplus = s->cpcr & CPCR_RXON;
	bool master = s->pci.config[0x04] & 0x04;
	if (!master || !(cplus || (s->cr & CR_RE)) || !s->link_up || !rtl8139_accepts(s, frame))
		goto out;    /* receiver off or not for us: the wire moves on */
	uint16_t status = 0;
	if (!memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6))
		status |= RSR_BAR;
	else if (frame[0] & 1)
		status |= RSR_MAR;
	else if (!memcmp(frame, s->mac, 6))
		status |= RSR_PAM;
	taken = cplus ? cp_receive(s, frame, (unsigned)len) :
			ring_receive(s, frame, (unsigned)len, status);
	rtl8139_update_irq(s);
out:
	pthread_mutex_unlock(&s->lock);
	return taken;
}
