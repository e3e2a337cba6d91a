/*
 * OPL3: AdLib/OPL3 detection through the timers and status register as
 * games do it, and the synthesis checked against the chip's documented
 * behaviour: pitch = F-number * 49716 * 2^(block - 20) * multiple, total level
 * 0.75 dB steps, envelopes reaching silence, waveforms, 4-op and rhythm modes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/host/audio.h"
#include "devices/opl3.h"
#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"

static void opl_write(struct vm *vm, uint16_t base, unsigned reg, uint8_t v)
{
	unit_outb(vm, (uint16_t)(base + (reg > 0xFF ? 2 : 0)), (uint8_t)reg);
	for (int i = 0; i < 6; i++)   /* the 3.3 us register-select wait */
		unit_inb(vm, base);
	unit_outb(vm, (uint16_t)(base + (reg > 0xFF ? 3 : 1)), v);
	for (int i = 0; i < 35; i++)  /* the 23 us data wait */
		unit_inb(vm, base);
}

static void sleep_us(long us)
{
	struct timespec ts = { 0, us * 1000 };
	nanosleep(&ts, NULL);
}

static struct vm_config cfg;
static char *hw[] = { "adlib" };

static struct vm *make_vm(const char *card)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "t";
	hw[0] = (char *)card;
	cfg.soundhw[0] = hw[0];
	cfg.n_soundhw = 1;
	cfg.sb16_port = 0x220;
	cfg.audio = "none";
	return unit_vm_new(1, &cfg, (const char *const[]){ "opl3", NULL });
}

/* The classic AdLib detection (Creative/AdLib programming guides). */
static bool adlib_detect(struct vm *vm, uint16_t base, uint8_t *st1, uint8_t *st2)
{
	opl_write(vm, base, 0x04, 0x60);  /* reset both timers */
	opl_write(vm, base, 0x04, 0x80);  /* reset IRQ */
	*st1 = unit_inb(vm, base);
	opl_write(vm, base, 0x02, 0xFF);  /* timer 1 at 255: overflows in 80 us */
	opl_write(vm, base, 0x04, 0x21);  /* start timer 1 (timer 2 masked) */
	sleep_us(200);
	*st2 = unit_inb(vm, base);
	opl_write(vm, base, 0x04, 0x60);
	opl_write(vm, base, 0x04, 0x80);
	return (*st1 & 0xE0) == 0 && (*st2 & 0xE0) == 0xC0;
}

static void test_detection(void)
{
	struct vm *vm = make_vm("adlib");
	uint8_t a, b;
	CHECK(adlib_detect(vm, 0x388, &a, &b), "AdLib detection at 0x388 (status %02x then %02x)", a, b);
	CHECK_EQ(b & 0x06, 0, "status bits 2:1 clear: an OPL3, not an OPL2");
	CHECK_EQ(unit_inb(vm, 0x388) & 0xE0, 0, "IRQ reset clears the status");
	/* timer 2 (320 us ticks) at 0xFE: not yet after 100 us, yes after 1 ms */
	opl_write(vm, 0x388, 0x03, 0xFE);
	opl_write(vm, 0x388, 0x04, 0x42); /* start T2, mask T1 */
	uint8_t early = unit_inb(vm, 0x388);
	sleep_us(1000);
	uint8_t late = unit_inb(vm, 0x388);
	CHECK((early & 0x20) == 0 && (late & 0xA0) == 0xA0, "timer 2 runs at 320 us a tick (%02x %02x)",
	      early, late);
	/* a masked timer never sets its flag */
	opl_write(vm, 0x388, 0x04, 0x80);
	opl_write(vm, 0x388, 0x02, 0xFF);
	opl_write(vm, 0x388, 0x04, 0x41); /* start T1 but mask it */
	sleep_us(300);
	CHECK_EQ(unit_inb(vm, 0x388) & 0xE0, 0, "masked timer 1 leaves the status clear");
	vm_destroy(vm);

	vm = make_vm("sb16");
	CHECK(adlib_detect(vm, 0x220, &a, &b), "detection at the Sound Blaster's base 0x220");
	CHECK(adlib_detect(vm, 0x228, &a, &b), "and at base+8 (0x228)");
	vm_destroy(vm);
}

static double measure_freq(const int16_t *st, size_t frames, double rate)
{
	double first = -1, last = -1;
	int n = 0;
	for (size_t i = 1; i < frames; i++) {
		int a = st[(i - 1) * 2], b = st[i * 2];
		if (a < 0 && b >= 0) {
			double t = (double)(i - 1) + (double)-a / (b - a);
			if (first < 0)
				first = t;
			else
				n++;
			last = t;
		}
	}
	return n ? n * rate / (last - first) : 0;
}

static int peak(const int16_t *st, size_t frames)
{
	int p = 0;
	for (size_t i = 0; i < frames; i++)
		p = MAX(p, abs(st[i * 2]));
	return p;
}

/* A plain sine on channel 0: carrier only (additive, modulator silent). */
static void sine_voice(struct opl3_chip *c, unsigned fnum, unsigned block, unsigned mult,
		       unsigned tl)
{
	opl3_chip_write(c, 0x20, 0x20);              /* modulator: sustain */
	opl3_chip_write(c, 0x40, 0x3F);              /* modulator silent */
	opl3_chip_write(c, 0x23, (uint8_t)(0x20 | mult));
	opl3_chip_write(c, 0x43, (uint8_t)tl);
	opl3_chip_write(c, 0x63, 0xF0);              /* instant attack, no decay */
	opl3_chip_write(c, 0x83, 0x0F);              /* sustain at 0 dB, fast release */
	opl3_chip_write(c, 0xC0, 0x01);              /* additive */
	opl3_chip_write(c, 0xA0, (uint8_t)fnum);
	opl3_chip_write(c, 0xB0, (uint8_t)(0x20 | block << 2 | fnum >> 8));
}

static int16_t buf[OPL3_RATE * 2 * 2];

static void test_pitch(void)
{
	static const struct { unsigned fnum, block, mult; } notes[] = {
		{ 0x244, 4, 1 },   /* A4-ish: 0x244 * 49716 / 2^16 = 440.2 Hz */
		{ 0x16B, 4, 1 },   /* C4: 277.2 Hz */
		{ 0x2AE, 5, 1 },   /* 1040 Hz */
		{ 0x244, 2, 2 },   /* multiple 2 on a lower block */
		{ 0x158, 6, 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(notes); i++) {
		struct opl3_chip *c = opl3_chip_new();
		sine_voice(c, notes[i].fnum, notes[i].block, notes[i].mult, 0);
		opl3_chip_render(c, buf, OPL3_RATE);
		double want = notes[i].fnum * 49716.0 * pow(2, (int)notes[i].block - 20) * notes[i].mult;
		double f = measure_freq(buf, OPL3_RATE, OPL3_RATE);
		CHECK(fabs(f - want) < want * 0.001, "F-number 0x%x block %u mult %u: %.2f Hz (want %.2f)",
		      notes[i].fnum, notes[i].block, notes[i].mult, f, want);
		opl3_chip_free(c);
	}
}

static void test_levels_and_envelope(void)
{
	struct opl3_chip *c = opl3_chip_new();
	sine_voice(c, 0x244, 4, 1, 0);
	opl3_chip_render(c, buf, 4000);
	int p0 = peak(buf + 2000 * 2, 2000);
	CHECK(p0 > 4000 && p0 <= 4096, "full-level operator peaks near 4095 (%d)", p0);
	opl3_chip_write(c, 0x43, 8);                 /* TL 8 = 6 dB */
	opl3_chip_render(c, buf, 4000);
	int p6 = peak(buf + 2000 * 2, 2000);
	CHECK(fabs((double)p6 / p0 - 0.5012) < 0.02, "total level 8 = -6 dB (%d / %d)", p6, p0);
	/* key off: fast release reaches silence and the chip reports idle */
	opl3_chip_write(c, 0xB0, 0x12);
	bool active = opl3_chip_render(c, buf, OPL3_RATE / 2);
	CHECK(!active && peak(buf + (OPL3_RATE / 2 - 100) * 2, 100) == 0,
	      "key-off releases to silence");
	/* slow attack (AR=4) rises gradually */
	opl3_chip_write(c, 0x63, 0x40);
	opl3_chip_write(c, 0x43, 0);
	opl3_chip_write(c, 0xB0, 0x32);
	opl3_chip_render(c, buf, 500);
	int early = peak(buf, 500);
	opl3_chip_render(c, buf, OPL3_RATE / 2);
	int late = peak(buf + (OPL3_RATE / 2 - 2000) * 2, 2000);
	CHECK(early < late / 2 && late > 3500, "attack rate 4 ramps up (%d then %d)", early, late);
	opl3_chip_free(c);
}

static void test_fm_and_modes(void)
{
	struct opl3_chip *c = opl3_chip_new();
	/* FM: the modulator adds harmonics but the pitch stays the carrier's */
	sine_voice(c, 0x244, 4, 1, 0);
	opl3_chip_write(c, 0xC0, 0x00);              /* FM connection */
	opl3_chip_write(c, 0x40, 0x20);              /* modulator audible */
	opl3_chip_write(c, 0x60, 0xF0);
	opl3_chip_write(c, 0x80, 0x0F);
	opl3_chip_write(c, 0x20, 0x21);
	opl3_chip_write(c, 0xB0, 0x00);
	opl3_chip_write(c, 0xB0, 0x32);
	opl3_chip_render(c, buf, OPL3_RATE);
	int p = peak(buf, OPL3_RATE);
	CHECK(p > 3000, "2-op FM sounds (%d)", p);
	/* OPL2 mode: waveform select needs WSE; OPL3 mode has 8 waveforms */
	opl3_chip_write(c, 0xE3, 0x06);              /* square */
	opl3_chip_render(c, buf, 2000);
	opl3_chip_write(c, 0x105, 0x01);
	opl3_chip_write(c, 0xC0, 0x31);              /* left+right, additive */
	opl3_chip_render(c, buf, 4000);
	int sq = 0;
	for (int i = 2000; i < 4000; i++)
		sq += abs(buf[i * 2]) > 3900;
	CHECK(sq > 1800, "OPL3 waveform 6 is a square (%d of 2000 samples at full scale)", sq);
	/* left/right bits */
	opl3_chip_write(c, 0xC0, 0x11);              /* left only */
	opl3_chip_render(c, buf, 1000);
	int r = 0, l = 0;
	for (int i = 0; i < 1000; i++) {
		l = MAX(l, abs(buf[i * 2]));
		r = MAX(r, abs(buf[i * 2 + 1]));
	}
	CHECK(l > 3000 && r == 0, "CHA only: left %d right %d", l, r);
	/* 4-op mode on channels 0+3 */
	opl3_chip_write(c, 0x104, 0x01);
	for (unsigned s = 0; s < 0x16; s++) {
		opl3_chip_write(c, 0x20 + s, 0x21);  /* sustained */
		opl3_chip_write(c, 0x60 + s, 0xF0);
		opl3_chip_write(c, 0x80 + s, 0x0F);
	}
	opl3_chip_write(c, 0xC3, 0x31);
	opl3_chip_write(c, 0xB0, 0x32);
	opl3_chip_render(c, buf, 4000);
	CHECK(peak(buf + 2000 * 2, 2000) > 1000, "4-op channel sounds");
	/* rhythm mode: bass drum and hi-hat */
	opl3_chip_write(c, 0xA6, 0x44); opl3_chip_write(c, 0xB6, 0x09);
	opl3_chip_write(c, 0xA7, 0x44); opl3_chip_write(c, 0xB7, 0x09);
	opl3_chip_write(c, 0xBD, 0x31);
	opl3_chip_render(c, buf, 4000);
	CHECK(peak(buf, 4000) > 1000, "rhythm mode drums sound");
	opl3_chip_free(c);
}

static void test_device_voice(void)
{
	struct vm *vm = make_vm("adlib");
	/* play a note through the ports; render through the mixer at 44.1 kHz */
	static const uint8_t regs[][2] = {
		{ 0x20, 0x20 }, { 0x40, 0x3F }, { 0x23, 0x21 }, { 0x43, 0x00 }, { 0x63, 0xF0 },
		{ 0x83, 0x0F }, { 0xC0, 0x01 }, { 0xA0, 0x44 }, { 0xB0, 0x32 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(regs); i++)
		opl_write(vm, 0x388, regs[i][0], regs[i][1]);
	static int16_t out[AUDIO_OUT_RATE * 2];
	audio_mixer_render(vm->audio, out, AUDIO_OUT_RATE);
	double f = measure_freq(out + 2000 * 2, AUDIO_OUT_RATE - 2000, AUDIO_OUT_RATE);
	double want = 0x244 * 49716.0 / 65536.0;
	CHECK(fabs(f - want) < want * 0.002, "note through ports and mixer: %.2f Hz (want %.2f)", f, want);
	vm_destroy(vm);
}

int main(void)
{
	test_detection();
	test_pitch();
	test_levels_and_envelope();
	test_fm_and_modes();
	test_device_voice();
	return UNIT_DONE();
}
