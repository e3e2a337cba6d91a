/*
 * Bochs VBE "DISPI" interface: index port 0x1CE, data port 0x1CF (16-bit).
 * IDs 0xB0C0-0xB0C5; resolution, depth, enable (with GETCAPS to read the
 * maxima, LFB and no-clear bits), 64 KiB bank for the legacy window, virtual
 * width/height and display offset for panning, video memory size in 64 KiB.
 * SeaVGABIOS (vgasrc/bochsvga.c) and Linux's bochs DRM driver program these.
 */
#include <string.h>

#include "devices/vga.h"

static unsigned bytes_pp(unsigned bpp)
{
	return (bpp + 7) / 8;
}

static bool valid_bpp(unsigned bpp)
{
	return bpp == 8 || bpp == 15 || bpp == 16 || bpp == 24 || bpp == 32;
}

/* Derive the scan-line pitch and start offset; keep everything inside vram. */
static void vbe_update_layout(struct vga *v)
{
	struct vga_regs *r = &v->r;
	unsigned bpp = r->vbe[VBE_BPP];
	unsigned width = r->vbe[VBE_VIRT_WIDTH];
	uint32_t line;

	if (!valid_bpp(bpp))
		bpp = 8;
	if (width < r->vbe[VBE_XRES])
		width = r->vbe[VBE_XRES];
	line = width * bytes_pp(bpp);
	if (!line)
		line = 1;
	r->vbe_line_offset = line;
	/* virtual height is what fits in video memory */
	uint32_t vh = v->vram_size / line;
	r->vbe[VBE_VIRT_HEIGHT] = vh > 0xFFFF ? 0xFFFF : vh;
	uint64_t start = (uint64_t)r->vbe[VBE_Y_OFFSET] * line +
			 (uint64_t)r->vbe[VBE_X_OFFSET] * bytes_pp(bpp);
	r->vbe_start = start < v->vram_size ? (uint32_t)start : 0;
}

uint16_t vbe_read(struct vga *v, uint16_t index)
{
	struct vga_regs *r = &v->r;
	uint16_t val = 0;

	pthread_mutex_lock(&v->lock);
	if (index < VBE_NREGS) {
		if ((r->vbe[VBE_ENABLE] & VBE_EN_GETCAPS) &&
		    (index == VBE_XRES || index == VBE_YRES || index == VBE_BPP)) {
			static const uint16_t caps[] = { 0, VBE_MAX_XRES, VBE_MAX_YRES, VBE_MAX_BPP };
			val = caps[index];
		} else {
			val = r->vbe[index];
		}
	}
	pthread_mutex_unlock(&v->lock);
	return val;
}

/*
 * Make the registers a mode the card can show (v->lock held, a mode on): a
 * depth it has, at most the maximum size, a virtual width of at least XRES,
 * every line inside video memory.
 */
static void vbe_fixup(struct vga *v)
{
	struct vga_regs *r = &v->r;

	if (!valid_bpp(r->vbe[VBE_BPP]))
		r->vbe[VBE_BPP] = 8;
	if (r->vbe[VBE_XRES] > VBE_MAX_XRES)
		r->vbe[VBE_XRES] = VBE_MAX_XRES;
	if (r->vbe[VBE_YRES] > VBE_MAX_YRES)
		r->vbe[VBE_YRES] = VBE_MAX_YRES;
	if (r->vbe[VBE_VIRT_WIDTH] < r->vbe[VBE_XRES])
		r->vbe[VBE_VIRT_WIDTH] = r->vbe[VBE_XRES];
	vbe_update_layout(v);
	if ((uint64_t)r->vbe_line_offset * r->vbe[VBE_YRES] > v->vram_size)
		r->vbe[VBE_YRES] = v->vram_size / r->vbe_line_offset;
}

/*
 * Enabling a mode sets the VGA registers the way a VBE mode needs them
 * (graphics, chain-4, 64 KiB window at 0xA0000) so the legacy window and
 * the CRTC agree with what the guest expects to read back.
 */
static void vbe_enable(struct vga *v, uint16_t val)
{
	struct vga_regs *r = &v->r;
	bool was = vbe_enabled(r);

	if ((val & VBE_EN_ENABLED) && !was) {
		r->vbe[VBE_VIRT_WIDTH] = 0;   /* becomes XRES */
		r->vbe[VBE_X_OFFSET] = r->vbe[VBE_Y_OFFSET] = 0;
		r->vbe[VBE_ENABLE] = val;
		vbe_fixup(v);
		if (!(val & VBE_EN_NOCLEARMEM)) {
			uint64_t n = (uint64_t)r->vbe_line_offset * r->vbe[VBE_YRES];
			memset(v->vram, 0, n);
			for (uint32_t a = 0; a < n; a += 1u << VGA_PAGE_SHIFT)
				vga_mark_dirty(v, a);
		}
		r->gr[6] = (r->gr[6] & ~0x0C) | 0x05;   /* graphics, A0000 64 KiB */
		r->gr[5] |= 0x40;
		r->sr[4] |= 0x08;                       /* chain-4 */
		r->sr[2] = 0x0F;
		r->ar[0x10] |= 0x01;
		r->vbe[VBE_BANK] = 0;
	}
	r->vbe[VBE_ENABLE] = val;
}

void vbe_write(struct vga *v, uint16_t index, uint16_t val)
{
	struct vga_regs *r = &v->r;

	pthread_mutex_lock(&v->lock);
	switch (index) {
	case VBE_ID:
		if (val >= VBE_ID0 && val <= VBE_ID5)
			r->vbe[VBE_ID] = val;
		break;
	case VBE_XRES:
	case VBE_YRES:
	case VBE_BPP:
		/* with a mode on the change takes effect at once, as in QEMU (Bochs
		 * ignores it): SeaVGABIOS's VBE state restore (4F04) writes them in
		 * index order with the mode still on */
		r->vbe[index] = val;
		if (vbe_enabled(r))
			vbe_fixup(v);
		break;
	case VBE_ENABLE:
		vbe_enable(v, val);
		break;
	case VBE_BANK:
		if ((uint32_t)val * 0x10000 < v->vram_size)
			r->vbe[VBE_BANK] = val;
		break;
	case VBE_VIRT_WIDTH:
	case VBE_X_OFFSET:
	case VBE_Y_OFFSET:
		r->vbe[index] = val;
		vbe_update_layout(v);
		break;
	default:
		break; /* VIRT_HEIGHT and VIDEO_MEMORY_64K are read-only */
	}
	v->regs_gen++;
	if (index == VBE_ENABLE || index == VBE_BANK)
		vga_window_update(v);
	pthread_mutex_unlock(&v->lock);
}
