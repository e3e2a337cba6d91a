/*
 * Input status 1 (0x3DA) against a guest clock the test steps: vertical
 * retrace at the rate the CRTC registers give (70.09 Hz for text and mode
 * 13h, 59.94 Hz for mode 12h) and 60 Hz in Bochs VBE modes; a 2-line (64 us)
 * retrace inside the display-disabled time; display enable for the picture
 * part of each line only; a poller that reads less often than the pulse
 * lasts still counts one retrace per frame, and one that stops reading does
 * not get the frames it missed.
 */
#include <stdlib.h>
#include <string.h>

#include "core/host/display.h"
#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"
#include "devices/vga.h"

static struct vm *vm;
static uint64_t now_ns = 1000;

static uint64_t test_clock(struct vm *v) { (void)v; return now_ns; }

/* The timing registers of a BIOS mode: misc, SR01, CR00-CR18. */
struct timing { uint8_t misc, sr1, cr[25]; };

static const struct timing mode3 = { 0x67, 0x00,
	{ 0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00,
	  0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF } };
static const struct timing mode13 = { 0x63, 0x01,
	{ 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x9C, 0x0E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF } };
static const struct timing mode12 = { 0xE3, 0x01,
	{ 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x59, 0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF } };

static void set_timing(const struct timing *t)
{
	unit_outb(vm, 0x3C2, t->misc);
	unit_outb(vm, 0x3C4, 1); unit_outb(vm, 0x3C5, t->sr1);
	unit_outb(vm, 0x3D4, 0x11); unit_outb(vm, 0x3D5, t->cr[0x11] & 0x7F);   /* CR0-7 writable */
	for (int i = 0; i < 25; i++) { unit_outb(vm, 0x3D4, (uint8_t)i); unit_outb(vm, 0x3D5, t->cr[i]); }
}

struct sample {
	unsigned edges;          /* rising edges of bit 3 */
	uint64_t retrace_ns;     /* time bit 3 read 1 */
	uint64_t enabled_ns;     /* time bit 0 read 0 */
	bool retrace_enabled;    /* bit 3 with bit 0 clear: inconsistent */
};

static bool was;   /* bit 3 at the last read of poll_status */

/* Read 0x3DA every step_ns for span_ns of guest time. */
static struct sample poll_status(uint64_t span_ns, uint64_t step_ns)
{
	struct sample s = { 0 };
	for (uint64_t t = 0; t < span_ns; t += step_ns) {
		now_ns += step_ns;
		uint8_t st = unit_inb(vm, 0x3DA);
		bool vr = st & 0x08;
		if (vr && !was)
			s.edges++;
		if (vr)
			s.retrace_ns += step_ns;
		if (!(st & 0x01))
			s.enabled_ns += step_ns;
		if (vr && !(st & 0x01))
			s.retrace_enabled = true;
		was = vr;
	}
	return s;
}

/* lo..hi retraces in 10 s of guest time */
static void check_mode(const char *name, unsigned lo, unsigned hi, double enabled)
{
	struct sample s = poll_status(10000000000ull, 1000);   /* 10 s, every 1 us */
	CHECK(s.edges >= lo && s.edges <= hi,
	      "%s: %u retraces in 10 s of guest time (%u..%u)", name, s.edges, lo, hi);
	double pulse_us = s.edges ? s.retrace_ns / 1000.0 / s.edges : 0;
	CHECK(pulse_us > 50 && pulse_us < 260, "%s: the retrace lasts %.1f us", name, pulse_us);
	CHECK(!s.retrace_enabled, "%s: the display is disabled during every retrace", name);
	double en = s.enabled_ns / 1e10;
	CHECK(en > enabled - 0.02 && en < enabled + 0.02, "%s: display enabled %.3f of the time (%.3f)",
	      name, en, enabled);
}

int main(void)
{
	struct vm_config cfg;
	vmconfig_defaults(&cfg);
	cfg.vnc = false;
	cfg.sdl = false;
	vm = unit_vm_new(16, &cfg, NULL);
	CHECK(vm != NULL, "test VM");
	vm->clock_hook = test_clock;
	CHECK(pc_create_part(vm, "vga") == 0, "vga device created");
	struct vga *v = vm_lookup(vm, "vga");

	/* 400 of 449 lines shown, 80 of 100 characters of each line */
	set_timing(&mode3);
	CHECK(vga_frame_ns(v) / 1000 == 14267, "mode 3: a frame is 14.27 ms (70.09 Hz): %llu ns", (unsigned long long)vga_frame_ns(v));
	check_mode("mode 3", 700, 701, 400.0 / 449 * 0.8);
	set_timing(&mode13);
	check_mode("mode 13h", 700, 701, 400.0 / 449 * 0.8);
	set_timing(&mode12);
	CHECK(vga_frame_ns(v) / 1000 == 16682, "mode 12h: a frame is 16.68 ms (59.94 Hz): %llu ns", (unsigned long long)vga_frame_ns(v));
	check_mode("mode 12h", 599, 600, 480.0 / 525 * 0.8);

	/* VBE 1024x768: 60 Hz */
	unit_outw(vm, 0x1CE, VBE_XRES); unit_outw(vm, 0x1CF, 1024);
	unit_outw(vm, 0x1CE, VBE_YRES); unit_outw(vm, 0x1CF, 768);
	unit_outw(vm, 0x1CE, VBE_BPP); unit_outw(vm, 0x1CF, 32);
	unit_outw(vm, 0x1CE, VBE_ENABLE); unit_outw(vm, 0x1CF, VBE_EN_ENABLED | VBE_EN_LFB);
	CHECK_EQ(vga_frame_ns(v) / 1000, 16666, "VBE: a frame is 16.67 ms (60 Hz)");
	check_mode("VBE 1024x768", 600, 600, 768.0 / (768 + 64 + 5) * 0.8);
	unit_outw(vm, 0x1CE, VBE_ENABLE); unit_outw(vm, 0x1CF, 0);

	/* a poller slower than the 64 us pulse still sees every retrace, once */
	set_timing(&mode13);
	struct sample s = poll_status(1000000000ull, 150000);
	CHECK(s.edges == 70, "mode 13h read every 150 us: %u retraces in 1 s (70)", s.edges);
	s = poll_status(1000000000ull, 700000);
	CHECK(s.edges >= 69 && s.edges <= 71, "mode 13h read every 700 us: %u retraces in 1 s (70)", s.edges);
	/* a poller whose vCPU stalls 50 ms every 200 ms is owed what it missed */
	unsigned edges = 0;
	for (int i = 0; i < 50; i++) {
		edges += poll_status(150000000ull, 5000).edges;
		now_ns += 50000000;
	}
	edges += poll_status(200000000ull, 5000).edges;  /* the last stall's debt, and more */
	CHECK(edges >= 50 * 14 - 1 && edges <= 50 * 14 + 15,
	      "mode 13h, 50 ms stalls every 200 ms: %u retraces in 10.2 s (714)", edges);
	/* a guest that stopped polling for 200 ms (busy elsewhere) is owed nothing */
	unit_inb(vm, 0x3DA);
	now_ns += 200000000;
	unsigned late = 0;
	for (int i = 0; i < 20; i++) {
		now_ns += 10000;                  /* 200 us */
		late += (unit_inb(vm, 0x3DA) & 0x08) != 0;
	}
	CHECK(late <= 1, "after 200 ms without reads: %u retrace reads in the next 200 us (no backlog)", late);

	/* unsyncable registers fall back to 70 Hz (CR00 = 0: 5-character lines) */
	unit_outb(vm, 0x3D4, 0x00); unit_outb(vm, 0x3D5, 0x00);
	CHECK(vga_frame_ns(v) / 1000 == 14267, "nonsense CRTC values: the 70 Hz text timings");
	/* the flip-flop reset survives */
	unit_outb(vm, 0x3C0, 0x10);
	unit_inb(vm, 0x3DA);
	unit_outb(vm, 0x3C0, 0x31);
	CHECK_EQ(unit_inb(vm, 0x3C0), 0x31,
		 "a 0x3DA read resets the attribute flip-flop (next 0x3C0 write is an index)");
	vm_destroy(vm);
	vmconfig_free(&cfg);
	return UNIT_DONE();
}
