/*
 * VGA register file: ports 0x3B0-0x3DF. Sequencer, CRT controller, graphics
 * controller, attribute controller (index/data flip-flop at 0x3C0), DAC.
 * The CRTC and input status 1 answer at 0x3Dx or 0x3Bx as misc output bit 0
 * selects (colour/mono emulation).
 */
#include <string.h>

#include "core/host/display.h"
#include "core/util.h"
#include "devices/vga.h"

#define P(port) ((port) - 0x3B0)

/* Registers that change the picture bump regs_gen so the renderer looks. */
static void picture_changed(struct vga *v)
{
	v->regs_gen++;
}

static bool crtc_port(const struct vga *v, uint16_t port)
{
	/* misc bit 0: 1 = CRTC at 0x3D4, 0 = at 0x3B4 */
	bool color = v->r.misc & 1;
	uint16_t hi = port & 0xFFF0;
	return color ? hi == 0x3D0 : hi == 0x3B0;
}

/* Input status 1: the beam's state (vga_retrace.c); resets the 0x3C0 flip-flop. */
static uint8_t input_status1(struct vga *v)
{
	v->r.ar_flip = false;
	return vga_input_status1(v);
}

static uint8_t dac_read(struct vga *v)
{
	struct vga_regs *r = &v->r;
	uint8_t val = r->dac[r->dac_read_index][r->dac_sub];
	if (++r->dac_sub == 3) {
		r->dac_sub = 0;
		r->dac_read_index++;
	}
	return val;
}

static void dac_write(struct vga *v, uint8_t val)
{
	struct vga_regs *r = &v->r;
	r->dac_cache[r->dac_sub] = val;
	if (++r->dac_sub == 3) {
		memcpy(r->dac[r->dac_write_index], r->dac_cache, 3);
		r->dac_sub = 0;
		r->dac_write_index++;
		picture_changed(v);
	}
}

uint8_t vga_ioport_read(struct vga *v, uint16_t port)
{
	struct vga_regs *r = &v->r;
	uint8_t val = 0xFF;

	pthread_mutex_lock(&v->lock);
	if ((port & 0xFFF0) != 0x3C0 && !crtc_port(v, port))
		goto out;
	switch (port) {
	case 0x3C0:
		val = r->ar_index;
		break;
	case 0x3C1:
		val = r->ar[r->ar_index & 0x1F];
		break;
	case 0x3C2:
		val = 0x10; /* input status 0: switch sense (a colour monitor) */
		break;
	case 0x3C3:
		val = 1;
		break;
	case 0x3C4:
		val = r->sr_index;
		break;
	case 0x3C5:
		val = r->sr[r->sr_index & 7];
		break;
	case 0x3C6:
		val = r->pel_mask;
		break;
	case 0x3C7:
		val = r->dac_state;
		break;
	case 0x3C8:
		val = r->dac_write_index;
		break;
	case 0x3C9:
		val = dac_read(v);
		break;
	case 0x3CA:
		val = r->feature;
		break;
	case 0x3CC:
		val = r->misc;
		break;
	case 0x3CE:
		val = r->gr_index;
		break;
	case 0x3CF:
		val = r->gr[r->gr_index & 0xF];
		break;
	case 0x3B4: case 0x3D4:
		val = r->cr_index;
		break;
	case 0x3B5: case 0x3D5:
		val = r->cr[r->cr_index & 0x1F];
		break;
	case 0x3BA: case 0x3DA:
		val = input_status1(v);
		break;
	}
out:
	pthread_mutex_unlock(&v->lock);
	return val;
}

static void crtc_write(struct vga *v, uint8_t val)
{
	struct vga_regs *r = &v->r;
	unsigned i = r->cr_index & 0x1F;

	/* CR11 bit 7 write-protects CR0-CR7, except the line compare bit of CR7 */
	if ((r->cr[0x11] & 0x80) && i <= 7) {
		if (i == 7)
			r->cr[7] = (r->cr[7] & ~0x10) | (val & 0x10);
	} else {
		r->cr[i] = val;
	}
	picture_changed(v);
}

static void attr_write(struct vga *v, uint8_t val)
{
	struct vga_regs *r = &v->r;
	if (!r->ar_flip) {
		/* bit 5 (palette address source) off blanks the screen */
		if ((r->ar_index ^ val) & 0x20)
			picture_changed(v);
		r->ar_index = val & 0x3F;
	} else {
		unsigned i = r->ar_index & 0x1F;
		if (i < 0x15) {
			r->ar[i] = val;
			picture_changed(v);
		}
	}
	r->ar_flip = !r->ar_flip;
}

void vga_ioport_write(struct vga *v, uint16_t port, uint8_t val)
{
	struct vga_regs *r = &v->r;

	pthread_mutex_lock(&v->lock);
	if ((port & 0xFFF0) != 0x3C0 && !crtc_port(v, port))
		goto out;
	switch (port) {
	case 0x3C0:
		attr_write(v, val);
		break;
	case 0x3C2:
		r->misc = val;
		picture_changed(v);
		break;
	case 0x3C4:
		r->sr_index = val;
		break;
	case 0x3C5:
		r->sr[r->sr_index & 7] = val;
		if ((r->sr_index & 7) != 2)
			picture_changed(v);
		break;
	case 0x3C6:
		r->pel_mask = val;
		picture_changed(v);
		break;
	case 0x3C7:
		r->dac_read_index = val;
		r->dac_sub = 0;
		r->dac_state = 3;
		break;
	case 0x3C8:
		r->dac_write_index = val;
		r->dac_sub = 0;
		r->dac_state = 0;
		break;
	case 0x3C9:
		dac_write(v, val);
		break;
	case 0x3CE:
		r->gr_index = val;
		break;
	case 0x3CF:
		r->gr[r->gr_index & 0xF] = val;
		if ((r->gr_index & 0xF) >= 5 && (r->gr_index & 0xF) <= 6)
			picture_changed(v);
		break;
	case 0x3B4: case 0x3D4:
		r->cr_index = val;
		break;
	case 0x3B5: case 0x3D5:
		crtc_write(v, val);
		break;
	case 0x3BA: case 0x3DA:
		r->feature = val;
		break;
	}
	if (port == 0x3C5 || port == 0x3CF)
		vga_window_update(v);
out:
	pthread_mutex_unlock(&v->lock);
}

/*
 * Power-on state: 80x25 colour text timings (what mode 3 programs), DAC
 * black, no font yet (the VGA BIOS loads it into plane 2).
 */
void vga_regs_reset(struct vga *v)
{
	static const uint8_t sr[5] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
	static const uint8_t cr[25] = {
		0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F,
		0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28,
		0x1F, 0x96, 0xB9, 0xA3, 0xFF };
	static const uint8_t gr[9] = { 0, 0, 0, 0, 0, 0x10, 0x0E, 0x0F, 0xFF };
	static const uint8_t ar[21] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39,
		0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00 };

	pthread_mutex_lock(&v->lock);
	struct vga_regs *r = &v->r;
	memset(r, 0, sizeof(*r));
	r->misc = 0x67;
	memcpy(r->sr, sr, sizeof(sr));
	memcpy(r->cr, cr, sizeof(cr));
	memcpy(r->gr, gr, sizeof(gr));
	memcpy(r->ar, ar, sizeof(ar));
	r->ar_index = 0x20;
	r->pel_mask = 0xFF;
	r->vbe[VBE_ID] = VBE_ID5;
	r->vbe[VBE_VIDEO_MEMORY_64K] = v->vram_size >> 16;
	memset(v->latch, 0, sizeof(v->latch));
	picture_changed(v);
	vga_window_update(v);
	pthread_mutex_unlock(&v->lock);
}
