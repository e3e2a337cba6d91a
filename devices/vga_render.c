/*
 * Converts video memory into the VM's display surface (XRGB8888), redrawing
 * only what changed: pages written through the legacy window (our own dirty
 * bits) or through the linear framebuffer (KVM dirty log), text cells whose
 * character or attribute changed, blinking cells and the cursor when their
 * blink phase flips, and everything after a mode, palette or font change.
 *
 * Geometry comes from the CRTC the way the hardware scans: display end
 * (CR1), vertical display end (CR12 + CR7 bits), character height and double
 * scan (CR9), offset (CR13), start address (CR0C/0D), CGA bank substitution
 * (CR17 bits 0/1), line compare. Scan lines that repeat the previous one
 * (double scan, character-height repeat in graphics) are shown once, so
 * mode 13h is 320x200 and mode X 320x240.
 */
#include <stdlib.h>
#include <string.h>

#include "core/host/display.h"
#include "core/util.h"
#include "devices/vga.h"
#include "core/vm.h"

enum kind { K_BLANK, K_TEXT, K_PLANAR, K_CGA, K_256, K_VBE };

struct mode {
	enum kind kind;
	unsigned w, h;
	/* text */
	unsigned cols, rows, cw, ch, xdup;
	/* graphics */
	unsigned rep;       /* scan lines per shown line */
	unsigned lines;     /* scan lines (vertical display end) */
};

#define MAX_CELLS (DISPLAY_TEXT_MAX_COLS * DISPLAY_TEXT_MAX_ROWS)
#define FONT_BYTES 8192 /* 256 characters x 32 scan lines */

struct vga_render {
	struct vga *v;
	struct vga_regs regs, last;
	bool have_last;
	unsigned regs_gen;
	struct mode mode;
	uint32_t pal256[256], pal16[16];
	uint64_t *snap;          /* dirty pages collected for this refresh */
	uint64_t *kvm_bitmap;
	uint16_t shadow[MAX_CELLS];
	uint8_t font_shadow[2][FONT_BYTES];
	int last_cursor;         /* cell showing the cursor, -1 none */
	uint8_t last_cursor_shape[2];
	bool last_char_on, last_cur_on, has_blink;
	uint64_t regs_ns;        /* when the registers last changed */
	uint64_t pending_ns;     /* since when a mode change waits, 0 if none */
};

/*
 * A guest sets a mode one register at a time; a refresh in the middle sees
 * a mode that never was (a VBE -> planar switch passes through "320x25").
 * On the 60 Hz refresh a new mode is taken once the registers have been
 * still for MODE_SETTLE_NS, and at the latest after MODE_WAIT_MAX_NS (a guest
 * that never stops writing registers, e.g. palette animation, still gets its
 * new mode). On-demand refreshes (screendump) take the registers as they are.
 */
#define MODE_SETTLE_NS 20000000ull
#define MODE_WAIT_MAX_NS 100000000ull

static const uint32_t font_base[8] = {
	0x0000, 0x4000, 0x8000, 0xC000, 0x2000, 0x6000, 0xA000, 0xE000 };

/* ---- mode and palette from the registers ---------------------------- */

static void compute_mode(const struct vga *v, const struct vga_regs *r, struct mode *m)
{
	memset(m, 0, sizeof(*m));
	if (vbe_enabled(r)) {
		m->kind = K_VBE;
		m->w = r->vbe[VBE_XRES];
		m->h = r->vbe[VBE_YRES];
		if (!m->w || !m->h || m->w > DISPLAY_MAX_WIDTH || m->h > DISPLAY_MAX_HEIGHT ||
		    (uint64_t)r->vbe_line_offset * m->h > v->vram_size)
			m->kind = K_BLANK;
		return;
	}
	m->kind = K_BLANK;
	if (!(r->ar_index & 0x20) || (r->sr[1] & 0x20))
		return;

	unsigned hde = r->cr[1] + 1u;
	unsigned vde = (r->cr[0x12] | (r->cr[7] & 0x02) << 7 | (r->cr[7] & 0x40) << 3) + 1u;
	unsigned ms = (r->cr[9] & 0x1F) + 1u;
	unsigned dbl = (r->cr[9] & 0x80) ? 2 : 1;
	m->lines = vde;

	if (!(r->gr[6] & 1)) {
		m->kind = K_TEXT;
		m->cw = (r->sr[1] & 1) ? 8 : 9;
		m->xdup = (r->sr[1] & 8) ? 2 : 1;
		m->ch = ms;
		m->cols = hde;
		m->rows = vde / dbl / ms;
		m->w = m->cols * m->cw * m->xdup;
		m->h = m->rows * m->ch;
		if (m->cols > DISPLAY_TEXT_MAX_COLS || m->rows > DISPLAY_TEXT_MAX_ROWS ||
		    !m->rows || m->w > DISPLAY_MAX_WIDTH || m->h > DISPLAY_MAX_HEIGHT)
			m->kind = K_BLANK;
		return;
	}
	unsigned shift = (r->gr[5] >> 5) & 3;
	if (shift >= 2) {
		m->kind = K_256;
		m->w = hde * 4;
	} else {
		m->kind = shift == 1 ? K_CGA : K_PLANAR;
		m->w = hde * 8;
	}
	/* character-height repeats only show the same line when no CGA bank bit uses them */
	bool collapsible = m->kind != K_CGA && (r->cr[0x17] & 3) == 3;
	m->rep = dbl * (collapsible ? ms : 1);
	m->h = vde / m->rep;
	if (!m->h || m->w > DISPLAY_MAX_WIDTH || m->h > DISPLAY_MAX_HEIGHT)
		m->kind = K_BLANK;
}

static uint32_t dac_rgb(const struct vga_regs *r, unsigned i)
{
	const uint8_t *c = r->dac[i];
	if (r->vbe[VBE_ENABLE] & VBE_EN_8BIT_DAC)
		return (uint32_t)c[0] << 16 | c[1] << 8 | c[2];
	uint8_t rr = (c[0] & 63) << 2 | (c[0] & 63) >> 4;
	uint8_t gg = (c[1] & 63) << 2 | (c[1] & 63) >> 4;
	uint8_t bb = (c[2] & 63) << 2 | (c[2] & 63) >> 4;
	return (uint32_t)rr << 16 | gg << 8 | bb;
}

static void compute_palettes(struct vga_render *rd)
{
	const struct vga_regs *r = &rd->regs;
	for (unsigned i = 0; i < 256; i++)
		rd->pal256[i] = dac_rgb(r, i & r->pel_mask);
	for (unsigned i = 0; i < 16; i++) {
		unsigned idx = r->ar[i];
		if (r->ar[0x10] & 0x80)
			idx = (idx & 0x0F) | (r->ar[0x14] & 0x03) << 4;
		else
			idx &= 0x3F;
		idx |= (r->ar[0x14] & 0x0C) << 4;
		rd->pal16[i] = rd->pal256[idx & 0xFF];
	}
}

/* Registers that do not change the picture are left out of the comparison. */
static bool picture_regs_equal(const struct vga_regs *a, const struct vga_regs *b, bool text)
{
	struct vga_regs x = *a, y = *b;
	struct vga_regs *p[2] = { &x, &y };
	for (int i = 0; i < 2; i++) {
		struct vga_regs *r = p[i];
		r->sr_index = r->gr_index = r->cr_index = 0;
		r->sr[2] = 0;
		r->gr[0] = r->gr[1] = r->gr[2] = r->gr[3] = r->gr[4] = r->gr[7] = r->gr[8] = 0;
		r->cr[0x0A] = r->cr[0x0B] = r->cr[0x0E] = r->cr[0x0F] = 0;
		if (text)
			r->cr[0x0C] = r->cr[0x0D] = 0;
		r->ar_index &= 0x20;
		r->ar_flip = false;
		r->dac_read_index = r->dac_write_index = r->dac_sub = r->dac_state = 0;
		memset(r->dac_cache, 0, sizeof(r->dac_cache));
		r->feature = 0;
		r->vbe_index = 0;
		r->vbe[VBE_BANK] = 0;
	}
	return memcmp(&x, &y, sizeof(x)) == 0;
}

/* ---- dirty pages ------------------------------------------------------ */

static void collect_dirty(struct vga_render *rd, bool lfb)
{
	struct vga *v = rd->v;
	for (unsigned i = 0; i < v->dirty_words; i++)
		rd->snap[i] = __atomic_exchange_n(&v->dirty[i], 0, __ATOMIC_RELAXED);
	/* the window mapped as RAM (mode 13h, VBE banks) logs its own pages */
	pthread_mutex_lock(&v->lock);
	vga_window_dirty(v, rd->snap, rd->kvm_bitmap);
	pthread_mutex_unlock(&v->lock);
	if (!lfb || v->lfb_slot < 0)
		return;
	if (vm_get_dirty_log(v->vm, v->lfb_slot, rd->kvm_bitmap) == 0) {
		for (unsigned i = 0; i < v->dirty_words; i++)
			rd->snap[i] |= rd->kvm_bitmap[i];
	} else {
		/* no dirty log (no KVM): treat the whole framebuffer as written */
		memset(rd->snap, 0xFF, v->dirty_words * sizeof(uint64_t));
	}
}

static bool range_dirty(const struct vga_render *rd, uint32_t a, uint32_t len)
{
	if (!len)
		return false;
	uint64_t last = ((uint64_t)a + len - 1) >> VGA_PAGE_SHIFT;
	for (uint64_t p = a >> VGA_PAGE_SHIFT; p <= last; p++) {
		if (p / 64 >= rd->v->dirty_words)
			return false;
		if (rd->snap[p / 64] & (1ull << (p % 64)))
			return true;
	}
	return false;
}

static bool any_dirty(const struct vga_render *rd)
{
	for (unsigned i = 0; i < rd->v->dirty_words; i++)
		if (rd->snap[i])
			return true;
	return false;
}

/* ---- text mode -------------------------------------------------------- */

static uint8_t vram_at(const struct vga *v, uint64_t a)
{
	return a < v->vram_size ? v->vram[a] : 0;
}

static bool fonts_changed(struct vga_render *rd, uint32_t base[2])
{
	bool changed = false;
	for (int f = 0; f < 2; f++) {
		for (uint32_t i = 0; i < FONT_BYTES; i++) {
			uint8_t b = vram_at(rd->v, ((uint64_t)(base[f] + i) << 2) + 2);
			if (b != rd->font_shadow[f][i]) {
				rd->font_shadow[f][i] = b;
				changed = true;
			}
		}
	}
	return changed;
}

static void draw_cell(struct vga_render *rd, struct display *d, const struct mode *m,
		      unsigned col, unsigned row, uint16_t cell, bool hide_fg,
		      int cur_start, int cur_end)
{
	const struct vga_regs *r = &rd->regs;
	uint8_t c = cell & 0xFF, attr = cell >> 8;
	uint32_t fg = rd->pal16[attr & 0x0F];
	uint32_t bg = rd->pal16[(attr >> 4) & ((r->ar[0x10] & 0x08) ? 7 : 15)];
	unsigned map = (attr & 0x08) ? ((r->sr[3] >> 2) & 3) | ((r->sr[3] >> 3) & 4)
				     : (r->sr[3] & 3) | ((r->sr[3] >> 2) & 4);
	uint8_t glyph[32];
	bool line_gfx = (r->ar[0x10] & 0x04) && c >= 0xC0 && c <= 0xDF;

	if (hide_fg)
		fg = bg;
	for (unsigned l = 0; l < 32; l++)
		glyph[l] = vram_at(rd->v, ((uint64_t)(font_base[map] + c * 32u + l) << 2) + 2);

	unsigned x0 = col * m->cw * m->xdup, y0 = row * m->ch;
	for (unsigned l = 0; l < m->ch; l++) {
		uint32_t *px = d->pixels + (size_t)(y0 + l) * d->width + x0;
		unsigned bits = l < 32 ? glyph[l] : 0;
		if ((int)l >= cur_start && (int)l <= cur_end)
			bits = 0x1FF;
		else
			bits = bits << 1 | (line_gfx ? (bits & 1) : 0);
		/* bits now has 9 columns, the first in bit 8 */
		for (unsigned x = 0; x < m->cw; x++) {
			uint32_t color = (bits >> (8 - x)) & 1 ? fg : bg;
			for (unsigned k = 0; k < m->xdup; k++)
				*px++ = color;
		}
	}
	display_mark_dirty(d, x0, y0, m->cw * m->xdup, m->ch);
}

static void draw_text(struct vga_render *rd, struct display *d, const struct mode *m,
		      bool full)
{
	struct vga *v = rd->v;
	const struct vga_regs *r = &rd->regs;
	uint32_t start = (uint32_t)r->cr[0x0C] << 8 | r->cr[0x0D];
	uint32_t line_off = (uint32_t)r->cr[0x13] << 3;
	uint32_t cursor_addr = (uint32_t)r->cr[0x0E] << 8 | r->cr[0x0F];
	unsigned cells = m->cols * m->rows;
	uint64_t frame = clock_ns() / DISPLAY_REFRESH_NS;
	bool char_on = !(frame & 16), cur_on = !(frame & 8);
	int cstart = r->cr[0x0A] & 0x1F, cend = r->cr[0x0B] & 0x1F;
	int cursor = -1;

	if (!(r->cr[0x0A] & 0x20) && cstart <= cend && cursor_addr >= start &&
	    cursor_addr - start < cells)
		cursor = (int)(cursor_addr - start);
	d->text.active = true;
	d->text.cols = m->cols;
	d->text.rows = m->rows;
	d->text.cursor_x = cursor >= 0 ? cursor % (int)m->cols : -1;
	d->text.cursor_y = cursor >= 0 ? cursor / (int)m->cols : -1;

	bool shape_changed = rd->last_cursor_shape[0] != r->cr[0x0A] ||
			     rd->last_cursor_shape[1] != r->cr[0x0B];
	bool cursor_changed = cursor != rd->last_cursor || shape_changed ||
			      (cursor >= 0 && cur_on != rd->last_cur_on);
	bool blink_flip = rd->has_blink && char_on != rd->last_char_on;
	bool mem = any_dirty(rd);

	if (!full && !mem && !cursor_changed && !blink_flip)
		return;
	if (mem || full) {
		uint32_t base[2];
		unsigned a = ((r->sr[3] >> 2) & 3) | ((r->sr[3] >> 3) & 4);
		unsigned b = (r->sr[3] & 3) | ((r->sr[3] >> 2) & 4);
		base[0] = font_base[b];
		base[1] = font_base[a];
		if (fonts_changed(rd, base))
			full = true;
	}

	bool has_blink = false;
	for (unsigned i = 0; i < cells; i++) {
		unsigned row = i / m->cols, col = i % m->cols;
		uint64_t a = (uint64_t)start * 4 + (uint64_t)row * line_off + (uint64_t)col * 4;
		uint16_t cell = vram_at(v, a) | vram_at(v, a + 1) << 8;
		bool blink = (r->ar[0x10] & 0x08) && (cell & 0x8000);
		has_blink |= blink;
		d->text.cells[i] = cell;
		bool need = full || cell != rd->shadow[i] || (blink && blink_flip) ||
			    (cursor_changed && ((int)i == cursor || (int)i == rd->last_cursor));
		if (!need)
			continue;
		rd->shadow[i] = cell;
		int cs = -1, ce = -2;
		if ((int)i == cursor && cur_on) {
			cs = cstart;
			ce = MIN(cend, (int)m->ch - 1);
		}
		draw_cell(rd, d, m, col, row, cell, blink && !char_on, cs, ce);
	}
	rd->has_blink = has_blink;
	rd->last_char_on = char_on;
	rd->last_cur_on = cur_on;
	rd->last_cursor = cursor;
	rd->last_cursor_shape[0] = r->cr[0x0A];
	rd->last_cursor_shape[1] = r->cr[0x0B];
}

/* ---- graphics modes ----------------------------------------------------- */

static void line_planar(struct vga_render *rd, uint32_t *px, uint32_t a, unsigned w)
{
	const uint8_t *vr = rd->v->vram + a;
	uint8_t plane_mask = rd->regs.ar[0x12] & 0x0F;
	for (unsigned x = 0; x < w; x += 8, vr += 4) {
		for (unsigned b = 0; b < 8 && x + b < w; b++) {
			unsigned s = 7 - b;
			unsigned c = ((vr[0] >> s) & 1) | ((vr[1] >> s) & 1) << 1 |
				     ((vr[2] >> s) & 1) << 2 | ((vr[3] >> s) & 1) << 3;
			px[x + b] = rd->pal16[c & plane_mask];
		}
	}
}

static void line_cga(struct vga_render *rd, uint32_t *px, uint32_t a, unsigned w)
{
	const uint8_t *vr = rd->v->vram + a;
	uint8_t plane_mask = rd->regs.ar[0x12] & 0x0F;
	for (unsigned x = 0; x < w; x += 8, vr += 4) {
		for (unsigned b = 0; b < 8 && x + b < w; b++) {
			/* shift-register interleave: plane 0 then plane 1, two bits a pixel */
			unsigned s = 6 - 2 * (b & 3);
			unsigned lo = (vr[b >> 2] >> s) & 3;
			unsigned hi = (vr[2 + (b >> 2)] >> s) & 3;
			px[x + b] = rd->pal16[(lo | hi << 2) & plane_mask];
		}
	}
}

static void line_256(struct vga_render *rd, uint32_t *px, uint32_t a, unsigned w)
{
	const uint8_t *vr = rd->v->vram + a;
	for (unsigned x = 0; x < w; x++)
		px[x] = rd->pal256[vr[x]];
}

static void draw_graphics(struct vga_render *rd, struct display *d, const struct mode *m,
			  bool full)
{
	const struct vga_regs *r = &rd->regs;
	uint32_t addr1 = ((uint32_t)r->cr[0x0C] << 8 | r->cr[0x0D]) * 4;
	uint32_t line_off = (uint32_t)r->cr[0x13] << 3;
	unsigned mask = (r->cr[0x17] & 3) ^ 3;
	unsigned lc = r->cr[0x18] | (r->cr[7] & 0x10) << 4 | (r->cr[9] & 0x40) << 3;
	unsigned bytes = m->kind == K_256 ? m->w : m->w / 2;
	unsigned bank_shift = 14 + ((r->cr[0x14] >> 6) & 1);
	bool split = false;

	for (unsigned y = 0; y < m->h; y++) {
		if (!split && y * m->rep >= lc && lc) {
			addr1 = 0;
			split = true;
		}
		uint32_t a = addr1;
		if (!(r->cr[0x17] & 1))
			a = (a & ~(1u << bank_shift)) | (y & 1) << bank_shift;
		if (!(r->cr[0x17] & 2))
			a = (a & ~0x8000u) | (y & 2) << 14;
		if ((y & mask) == mask)
			addr1 += line_off;
		if (!full && !range_dirty(rd, a, bytes))
			continue;
		uint32_t *px = d->pixels + (size_t)y * d->width;
		if ((uint64_t)a + bytes > rd->v->vram_size)
			memset(px, 0, m->w * 4);
		else if (m->kind == K_PLANAR)
			line_planar(rd, px, a, m->w);
		else if (m->kind == K_CGA)
			line_cga(rd, px, a, m->w);
		else
			line_256(rd, px, a, m->w);
		display_mark_dirty(d, 0, y, m->w, 1);
	}
}

static void draw_vbe(struct vga_render *rd, struct display *d, const struct mode *m, bool full)
{
	const struct vga_regs *r = &rd->regs;
	unsigned bpp = r->vbe[VBE_BPP];
	unsigned bypp = (bpp + 7) / 8;
	uint32_t line = r->vbe_line_offset;
	const uint8_t *vram = rd->v->vram;

	for (unsigned y = 0; y < m->h; y++) {
		uint64_t a = r->vbe_start + (uint64_t)y * line;
		uint32_t bytes = m->w * bypp;
		if (!full && !range_dirty(rd, a, bytes))
			continue;
		uint32_t *px = d->pixels + (size_t)y * d->width;
		display_mark_dirty(d, 0, y, m->w, 1);
		if (a + bytes > rd->v->vram_size) {
			memset(px, 0, m->w * 4);
			continue;
		}
		const uint8_t *s = vram + a;
		switch (bpp) {
		case 32:
			memcpy(px, s, (size_t)m->w * 4); /* little-endian B,G,R,X = XRGB */
			for (unsigned x = 0; x < m->w; x++)
				px[x] &= 0xFFFFFF;
			break;
		case 24:
			for (unsigned x = 0; x < m->w; x++, s += 3)
				px[x] = (uint32_t)s[2] << 16 | s[1] << 8 | s[0];
			break;
		case 16:
			for (unsigned x = 0; x < m->w; x++, s += 2) {
				unsigned p = s[0] | s[1] << 8;
				unsigned rr = p >> 11, gg = (p >> 5) & 63, bb = p & 31;
				px[x] = (uint32_t)(rr << 3 | rr >> 2) << 16 | (gg << 2 | gg >> 4) << 8 |
					(bb << 3 | bb >> 2);
			}
			break;
		case 15:
			for (unsigned x = 0; x < m->w; x++, s += 2) {
				unsigned p = s[0] | s[1] << 8;
				unsigned rr = (p >> 10) & 31, gg = (p >> 5) & 31, bb = p & 31;
				px[x] = (uint32_t)(rr << 3 | rr >> 2) << 16 | (gg << 3 | gg >> 2) << 8 |
					(bb << 3 | bb >> 2);
			}
			break;
		default:
			for (unsigned x = 0; x < m->w; x++)
				px[x] = rd->pal256[s[x]];
			break;
		}
	}
}

/* ---- the display source ----------------------------------------------- */

void vga_render_refresh(void *opaque, struct display *d, bool full)
{
	struct vga_render *rd = opaque;
	struct vga *v = rd->v;
	unsigned gen = v->regs_gen;

	uint64_t now = clock_ns();

	if (gen != rd->regs_gen || !rd->have_last) {
		pthread_mutex_lock(&v->lock);
		rd->regs = v->r;
		rd->regs_gen = v->regs_gen;
		pthread_mutex_unlock(&v->lock);
		rd->regs_ns = now;
	}
	struct mode m;
	compute_mode(v, &rd->regs, &m);
	bool new_mode = rd->have_last && (m.kind != rd->mode.kind || m.w != rd->mode.w ||
					  m.h != rd->mode.h);
	if (new_mode && d->periodic && now - rd->regs_ns < MODE_SETTLE_NS) {
		if (!rd->pending_ns)
			rd->pending_ns = now;
		if (now - rd->pending_ns < MODE_WAIT_MAX_NS)
			return; /* still being programmed: the old picture stays */
	}
	rd->pending_ns = 0;
	collect_dirty(rd, m.kind == K_VBE);

	bool same_mode = rd->have_last && m.kind == rd->mode.kind && m.w == rd->mode.w &&
			 m.h == rd->mode.h && m.cw == rd->mode.cw && m.ch == rd->mode.ch &&
			 m.rep == rd->mode.rep;
	if (!same_mode || !picture_regs_equal(&rd->regs, &rd->last, m.kind == K_TEXT))
		full = true;
	if (full)
		compute_palettes(rd);
	if (m.kind == K_BLANK) {
		/* keep the size of the last mode; a first blank screen is 640x480 */
		m.w = d->width ? d->width : 640;
		m.h = d->height ? d->height : 480;
	}
	if (m.w != d->width || m.h != d->height) {
		display_resize(d, m.w, m.h);
		full = true;
	}
	if (m.kind != K_TEXT)
		d->text.active = false;

	switch (m.kind) {
	case K_BLANK:
		if (full) {
			memset(d->pixels, 0, (size_t)d->width * d->height * 4);
			display_mark_dirty(d, 0, 0, d->width, d->height);
		}
		break;
	case K_TEXT:
		draw_text(rd, d, &m, full);
		break;
	case K_VBE:
		draw_vbe(rd, d, &m, full);
		break;
	default:
		draw_graphics(rd, d, &m, full);
		break;
	}
	if (full) {
		rd->last = rd->regs;
		rd->have_last = true;
	}
	rd->mode = m;
}

struct vga_render *vga_render_new(struct vga *v)
{
	struct vga_render *rd = xzalloc(sizeof(*rd));
	rd->v = v;
	rd->snap = xzalloc(v->dirty_words * sizeof(uint64_t));
	rd->kvm_bitmap = xzalloc(v->dirty_words * sizeof(uint64_t));
	rd->last_cursor = -1;
	return rd;
}

void vga_render_free(struct vga_render *rd)
{
	if (!rd)
		return;
	free(rd->snap);
	free(rd->kvm_bitmap);
	free(rd);
}
