/*
 * CPU accesses to the legacy window 0xA0000-0xBFFFF: chain-4, odd/even and
 * planar addressing, the four latches, write modes 0-3 with data rotate,
 * set/reset, logical function and bit mask, read modes 0 (plane select) and
 * 1 (colour compare). With VBE enabled the window is a 64 KiB bank of linear
 * video memory. (IBM VGA Technical Reference, graphics controller registers.)
 */
#include <string.h>

#include "devices/vga.h"
#include "core/vm.h"

#define WINDOW_GPA 0xA0000u

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

/* ---- the window as RAM ---------------------------------------------------- */

/*
 * Which part of vram the window can show as plain memory, or false when
 * every access must go through vga_mem_read/write. Chain-4 with the map mask
 * at 0xF is mode 13h: the low address bits pick the plane, the CPU byte is
 * stored as is, reads return it (no latches needed for a linear mode). VBE
 * banked modes are linear bytes too.
 */
static bool window_as_ram(const struct vga *v, uint32_t *size, uint32_t *vram_off)
{
	const struct vga_regs *r = &v->r;
	if (vbe_enabled(r)) {
		*vram_off = (uint32_t)r->vbe[VBE_BANK] * 0x10000;
		*size = 0x10000;
		return *vram_off + *size <= v->vram_size;
	}
	if (!(r->sr[4] & 0x08) || (r->sr[2] & 0x0F) != 0x0F)
		return false;
	switch ((r->gr[6] >> 2) & 3) {
	case 0: *size = 0x20000; break;     /* A0000-BFFFF */
	case 1: *size = 0x10000; break;     /* A0000-AFFFF */
	default: return false;              /* B0000/B8000: text windows, trapped */
	}
	*vram_off = 0;
	return *size <= v->vram_size;
}

static void window_unmap(struct vga *v)
{
	if (v->win_slot < 0)
		return;
	vm_unmap_memory(v->vm, v->win_slot);
	v->win_slot = -1;
	/* what the guest wrote since the last refresh: redraw those pages */
	for (uint32_t a = 0; a < v->win_size; a += 1u << VGA_PAGE_SHIFT)
		vga_mark_dirty(v, v->win_vram_off + a);
}

void vga_window_update(struct vga *v)
{
	uint32_t size = 0, off = 0;
	bool want = v->vm && window_as_ram(v, &size, &off);
	if (want && v->win_slot >= 0 && size == v->win_size && off == v->win_vram_off)
		return;
	if (!want && v->win_slot < 0)
		return;
	window_unmap(v);
	if (!want)
		return;
	int slot = vm_map_memory(v->vm, WINDOW_GPA, size, v->vram + off, false, true);
	if (slot < 0)
		return; /* no free slot: stay trapped, which is correct, only slower */
	v->win_slot = slot;
	v->win_size = size;
	v->win_vram_off = off;
}

void vga_window_dirty(struct vga *v, uint64_t *bitmap, uint64_t *scratch)
{
	/* without KVM (unit tests) every access still goes through vga_mem_* */
	if (v->win_slot < 0 || v->vm->vm_fd < 0)
		return;
	unsigned pages = v->win_size >> VGA_PAGE_SHIFT;
	memset(scratch, 0, ((pages + 63) / 64) * sizeof(uint64_t));
	if (vm_get_dirty_log(v->vm, v->win_slot, scratch) < 0)
		return;
	unsigned first = v->win_vram_off >> VGA_PAGE_SHIFT;
	for (unsigned p = 0; p < pages; p++)
		if (scratch[p / 64] & (1ull << (p % 64)))
			bitmap[(first + p) / 64] |= 1ull << ((first + p) % 64);
}
