/*
 * CPU accesses to the legacy window 0xA0000-0xBFFFF: chain-4, odd/even and
 * planar addressing, the four latches, write modes 0-3 with data rotate,
 * set/reset, logical function and bit mask, read modes 0 (plane select) and
 * 1 (colour compare). With VBE enabled the window is a 64 KiB bank of linear
 * video memory. (IBM VGA Technical Reference, graphics controller registers.)
 */
#include "vga.h"

/* GR6 bits 3:2 choose which part of 0xA0000-0xBFFFF the card answers. */
static bool window_offset(const struct vga_regs *r, uint32_t *off)
{
	switch ((r->gr[6] >> 2) & 3) {
	case 0:
		return true;                    /* A0000-BFFFF, 128 KiB */
	case 1:
		return *off < 0x10000;          /* A0000-AFFFF */
	case 2:
		if (*off < 0x10000 || *off >= 0x18000)
			return false;           /* B0000-B7FFF */
		*off -= 0x10000;
		return true;
	default:
		if (*off < 0x18000)
			return false;           /* B8000-BFFFF */
		*off -= 0x18000;
		return true;
	}
}

static uint32_t vbe_bank_offset(const struct vga *v, uint32_t off, bool *ok)
{
	uint32_t addr = (uint32_t)v->r.vbe[VBE_BANK] * 0x10000 + (off & 0xFFFF);
	*ok = off < 0x10000 && addr < v->vram_size;
	return addr;
}

uint8_t vga_mem_read(struct vga *v, uint32_t off)
{
	struct vga_regs *r = &v->r;
	uint8_t val = 0xFF;
	bool ok;

	pthread_mutex_lock(&v->lock);
	if (vbe_enabled(r)) {
		uint32_t a = vbe_bank_offset(v, off, &ok);
		if (ok)
			val = v->vram[a];
		goto out;
	}
	if (!window_offset(r, &off))
		goto out;

	if (r->sr[4] & 0x08) {
		/* chain-4: the low two address bits pick the plane */
		if (off < v->vram_size)
			val = v->vram[off];
	} else if (r->gr[5] & 0x10) {
		/* odd/even: even addresses plane 0/2, odd plane 1/3 */
		unsigned plane = (r->gr[4] & 2) | (off & 1);
		uint32_t a = ((off >> 1) << 2) | plane;
		if (a < v->vram_size)
			val = v->vram[a];
	} else {
		uint32_t a = off << 2;
		if (a + 3 >= v->vram_size)
			goto out;
		for (int p = 0; p < 4; p++)
			v->latch[p] = v->vram[a + p];
		if (!(r->gr[5] & 0x08)) {
			val = v->latch[r->gr[4] & 3];
		} else {
			/* colour compare: 1 where every cared-for plane matches */
			uint8_t res = 0xFF;
			for (int p = 0; p < 4; p++) {
				if (!(r->gr[7] & (1 << p)))
					continue;
				uint8_t want = (r->gr[2] & (1 << p)) ? 0xFF : 0;
				res &= ~(v->latch[p] ^ want);
			}
			val = res;
		}
	}
out:
	pthread_mutex_unlock(&v->lock);
	return val;
}

static uint8_t rotate(uint8_t v, unsigned n)
{
	n &= 7;
	return (uint8_t)((v >> n) | (v << ((8 - n) & 7)));
}

static void planar_write(struct vga *v, uint32_t off, uint8_t val)
{
	struct vga_regs *r = &v->r;
	uint32_t a = off << 2;
	uint8_t out[4];
	uint8_t mask = r->gr[8];
	unsigned mode = r->gr[5] & 3;
	unsigned func = (r->gr[3] >> 3) & 3;

	if (a + 3 >= v->vram_size)
		return;
	if (mode == 1) {
		for (int p = 0; p < 4; p++)
			out[p] = v->latch[p];
		goto store;
	}
	for (int p = 0; p < 4; p++) {
		uint8_t d;
		switch (mode) {
		case 0: {
			uint8_t rv = rotate(val, r->gr[3]);
			if (r->gr[1] & (1 << p))
				d = (r->gr[0] & (1 << p)) ? 0xFF : 0;
			else
				d = rv;
			break;
		}
		case 2:
			d = (val & (1 << p)) ? 0xFF : 0;
			break;
		default: /* 3: rotated data ANDed into the bit mask, colour from set/reset */
			d = (r->gr[0] & (1 << p)) ? 0xFF : 0;
			break;
		}
		switch (func) {
		case 1: d &= v->latch[p]; break;
		case 2: d |= v->latch[p]; break;
		case 3: d ^= v->latch[p]; break;
		}
		uint8_t m = mode == 3 ? (mask & rotate(val, r->gr[3])) : mask;
		out[p] = (d & m) | (v->latch[p] & ~m);
	}
store:
	for (int p = 0; p < 4; p++)
		if (r->sr[2] & (1 << p))
			v->vram[a + p] = out[p];
	vga_mark_dirty(v, a);
}

void vga_mem_write(struct vga *v, uint32_t off, uint8_t val)
{
	struct vga_regs *r = &v->r;
	bool ok;

	pthread_mutex_lock(&v->lock);
	if (vbe_enabled(r)) {
		uint32_t a = vbe_bank_offset(v, off, &ok);
		if (ok) {
			v->vram[a] = val;
			vga_mark_dirty(v, a);
		}
		goto out;
	}
	if (!window_offset(r, &off))
		goto out;

	if (r->sr[4] & 0x08) {
		if (off < v->vram_size && (r->sr[2] & (1 << (off & 3)))) {
			v->vram[off] = val;
			vga_mark_dirty(v, off);
		}
	} else if (!(r->sr[4] & 0x04)) {
		/* odd/even (sequencer memory mode bit 2 clear) */
		unsigned plane = off & 1;
		uint32_t a = ((off >> 1) << 2) | plane;
		if (a < v->vram_size && (r->sr[2] & (1 << plane))) {
			v->vram[a] = val;
			vga_mark_dirty(v, a);
		}
	} else {
		planar_write(v, off, val);
	}
out:
	pthread_mutex_unlock(&v->lock);
}
