/*
 * Input status 1 (0x3DA/0x3BA) as the guest's clock (vm_guest_ns) says the
 * beam is: bit 3 vertical retrace, bit 0 display disabled (horizontal or
 * vertical blanking).
 *
 * VGA modes: the timing comes from the registers the guest programmed, as
 * on the card. Dot clock from misc output bits 3-2 (25.175 or 28.322 MHz),
 * halved by SR01 bit 3; 8 or 9 dots per character (SR01 bit 0); a line is
 * CR00 + 5 characters, display enable ends after CR01 + 1. A frame is the
 * vertical total (CR06 with overflow bits CR07 0/5) + 2 lines; the picture
 * ends after the vertical display end (CR12, CR07 1/6) + 1, retrace starts
 * at CR10 (CR07 2/7) and ends when the line counter's low 4 bits equal
 * CR11's. The BIOS modes give 31.47 kHz lines: 449 lines (text, 13h) make
 * 70.09 Hz with a 2-line (64 us) retrace; 525 lines (12h, mode X at 240
 * lines) 59.94 Hz. Register values no monitor could sync to (40-120 Hz)
 * fall back to the 70 Hz text timings.
 *
 * VBE (Bochs DISPI) modes: 60 Hz with DMT-like blanking: yres/12 + 5 lines
 * of blanking, retrace 3 lines from a fifth into it, display enable 80% of
 * each line.
 *
 * Guest time, not host time: the retrace count agrees with the guest's PIT
 * and TSC (games calibrate against both) and stands still with the VM.
 *
 * A vCPU that loses the host CPU for longer than the 64 us pulse misses
 * frames a real CPU polling the port could not, and the game slows down. A
 * guest that was polling (it read the port in the frame before a pulse it
 * then missed, and its reads paused for no longer than RETRACE_OWED_MAX + 1
 * frames) is owed the pulses it missed, up to RETRACE_OWED_MAX (86 ms at
 * 70 Hz): its next reads show them one by one, each retrace bit set
 * between reads with it clear, so a wait-for-retrace loop counts one
 * retrace per frame of guest time on average however the host schedules
 * the vCPU. A guest that was not polling (idle, busy elsewhere) is owed
 * nothing, as on the card.
 */
#include "core/util.h"
#include "devices/vga.h"
#include "core/vm.h"

#define VGA_CLK_25 25175000ull
#define VGA_CLK_28 28322000ull
#define RETRACE_OWED_MAX 6

struct beam {
	uint64_t line_ns;         /* one scan line */
	unsigned total;           /* lines per frame */
	unsigned vde;             /* first line of vertical blanking */
	unsigned vrs, vrlen;      /* vertical retrace: first line, lines */
	unsigned hde, ht;         /* display enable: hde of ht parts of a line */
};

static bool crtc_beam(const struct vga_regs *r, struct beam *b)
{
	unsigned ov = r->cr[0x07];
	unsigned ht = r->cr[0x00] + 5u, hde = r->cr[0x01] + 1u;
	unsigned dots = (r->sr[1] & 0x01) ? 8 : 9;
	uint64_t clk = ((r->misc >> 2) & 3) == 1 ? VGA_CLK_28 : VGA_CLK_25;
	if (r->sr[1] & 0x08)
		clk /= 2;
	unsigned vt = (r->cr[0x06] | (ov & 0x01) << 8 | (ov & 0x20) << 4) + 2u;
	unsigned vde = (r->cr[0x12] | (ov & 0x02) << 7 | (ov & 0x40) << 3) + 1u;
	unsigned vrs = r->cr[0x10] | (ov & 0x04) << 6 | (ov & 0x80) << 2;
	unsigned vrlen = ((r->cr[0x11] & 0x0F) - vrs) & 0x0F;
	b->line_ns = (uint64_t)ht * dots * 1000000000ull / clk;
	b->total = vt;
	b->vde = MIN(vde, vt);
	b->vrs = vrs;
	b->vrlen = vrlen ? vrlen : 16;
	b->hde = MIN(hde, ht);
	b->ht = ht;
	uint64_t frame = b->line_ns * vt;
	return frame >= 1000000000ull / 120 && frame <= 1000000000ull / 40 && vrs < vt;
}

static void vbe_beam(const struct vga_regs *r, struct beam *b)
{
	unsigned y = MAX(r->vbe[VBE_YRES], 1u);
	b->vde = y;
	b->total = y + y / 12 + 5;
	b->vrs = y + (b->total - y) / 5;
	b->vrlen = 3;
	b->line_ns = 1000000000ull / 60 / b->total;
	b->hde = 4;
	b->ht = 5;
}

static void beam_of(const struct vga_regs *r, struct beam *b)
{
	if (vbe_enabled(r)) {
		vbe_beam(r, b);
		return;
	}
	if (crtc_beam(r, b))
		return;
	/* the power-on text timings: 28.322 MHz, 900 dots, 449 lines */
	*b = (struct beam){ .line_ns = 900ull * 1000000000ull / VGA_CLK_28, .total = 449,
			    .vde = 400, .vrs = 412, .vrlen = 2, .hde = 80, .ht = 100 };
}

uint64_t vga_frame_ns(struct vga *v)
{
	struct beam b;
	beam_of(&v->r, &b);
	return b.line_ns * b.total;
}

uint8_t vga_input_status1(struct vga *v)
{
	struct beam b;
	beam_of(&v->r, &b);
	uint64_t now = vm_guest_ns(v->vm);
	uint64_t frame_ns = b.line_ns * b.total;
	uint64_t in_frame = now % frame_ns;
	unsigned line = (unsigned)(in_frame / b.line_ns);
	uint64_t in_line = in_frame % b.line_ns;
	bool retrace = line >= b.vrs && line < b.vrs + b.vrlen;
	bool blank = line >= b.vde || in_line * b.ht >= b.line_ns * b.hde;

	/* retrace pulses are numbered from 1; pulse n starts at (n - 1) frames + vrs */
	uint64_t vrs_ns = b.vrs * b.line_ns;
	uint64_t pulse = (now + frame_ns - vrs_ns) / frame_ns;
	if (frame_ns != v->retrace_frame_ns || vrs_ns != v->retrace_vrs_ns) {
		/* new timings: count afresh, nothing owed */
		v->retrace_frame_ns = frame_ns;
		v->retrace_vrs_ns = vrs_ns;
		v->retrace_seen = pulse;
		v->retrace_owed = 0;
	} else if (pulse > v->retrace_seen) {
		uint64_t next_start = v->retrace_seen * frame_ns + vrs_ns;   /* the first unseen */
		uint64_t missed = pulse - v->retrace_seen - (retrace ? 1 : 0);
		/* polling: it read in the frame before the first missed pulse, and
		 * its reads stopped for no longer than the debt a stall may leave */
		bool polling = v->status_read_ns + frame_ns >= next_start &&
			       now - v->status_read_ns <= (RETRACE_OWED_MAX + 1) * frame_ns;
		if (polling)
			v->retrace_owed = (unsigned)MIN(v->retrace_owed + missed, RETRACE_OWED_MAX);
		v->retrace_seen = pulse;
	}
	if (!retrace && v->retrace_owed && !v->retrace_late) {
		retrace = blank = true;   /* an owed pulse, shown late */
		v->retrace_owed--;
		v->retrace_late = true;
	} else {
		v->retrace_late = false;
	}
	v->status_read_ns = now;
	return (retrace ? 0x08 : 0) | (retrace || blank ? 0x01 : 0);
}
