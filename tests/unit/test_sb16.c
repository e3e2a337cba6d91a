/*
 * Sound Blaster 16 through its ports, as a vCPU exit drives it: DSP reset
 * and identification, IRQ detection and acknowledge, the CT1745 mixer and its
 * gains, DMA playback (8/16-bit, mono/stereo, single-cycle/auto-init,
 * high-speed, pause/continue, exit auto-init) paced by the audio clock, and
 * what comes out of the mixer: pitch and level of a 440 Hz sine.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/host/audio.h"
#include "devices/isadma.h"
#include "devices/sb16.h"
#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"

#define SB 0x220

static void dsp(struct vm *vm, uint8_t v)
{
	unit_outb(vm, SB + 0xC, v);
}

static int dsp_read(struct vm *vm)
{
	if (!(unit_inb(vm, SB + 0xE) & 0x80))
		return -1;
	return unit_inb(vm, SB + 0xA);
}

static void mixer(struct vm *vm, uint8_t reg, uint8_t v)
{
	unit_outb(vm, SB + 4, reg);
	unit_outb(vm, SB + 5, v);
}

static uint8_t mixer_rd(struct vm *vm, uint8_t reg)
{
	unit_outb(vm, SB + 4, reg);
	return unit_inb(vm, SB + 5);
}

/* The card's clock in these tests: simulated, advanced by play(). */
static uint64_t fake_now;
static uint64_t fake_clock(void)
{
	return fake_now;
}

static struct vm_config cfg;
static char *hw[] = { "sb16" };
static int16_t out[AUDIO_OUT_RATE * 2 * 3]; /* up to 3 s of mixer output */

static struct vm *make_vm(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "t";
	cfg.soundhw[0] = hw[0];
	cfg.n_soundhw = 1;
	cfg.sb16_port = SB, cfg.sb16_irq = 5, cfg.sb16_dma = 1, cfg.sb16_hdma = 5;
	cfg.audio = "none";
	static const char *const parts[] = { "isadma", "opl3", "sb16", NULL };
	struct vm *vm = unit_vm_new(4, &cfg, parts);
	struct sb16 *s = vm_lookup(vm, "sb16");
	s->clock = fake_clock;
	fake_now = 1000000000ull;
	return vm;
}

/* 8237: program channel chan for a read (memory -> device) transfer. */
static void dma_setup(struct vm *vm, int chan, uint32_t addr, uint32_t bytes, bool autoinit)
{
	if (chan < 4) {
		unit_outb(vm, 0x0A, (uint8_t)(4 | chan));        /* mask */
		unit_outb(vm, 0x0C, 0);                          /* flip-flop */
		unit_outb(vm, 0x0B, (uint8_t)(0x48 | (autoinit ? 0x10 : 0) | chan));
		unit_outb(vm, (uint16_t)(chan * 2), (uint8_t)addr);
		unit_outb(vm, (uint16_t)(chan * 2), (uint8_t)(addr >> 8));
		unit_outb(vm, (uint16_t)(chan * 2 + 1), (uint8_t)(bytes - 1));
		unit_outb(vm, (uint16_t)(chan * 2 + 1), (uint8_t)((bytes - 1) >> 8));
		static const uint16_t page[4] = { 0x87, 0x83, 0x81, 0x82 };
		unit_outb(vm, page[chan], (uint8_t)(addr >> 16));
		unit_outb(vm, 0x0A, (uint8_t)chan);              /* unmask */
	} else {
		int c = chan & 3;
		uint32_t words = bytes / 2;
		unit_outb(vm, 0xD4, (uint8_t)(4 | c));
		unit_outb(vm, 0xD8, 0);
		unit_outb(vm, 0xD6, (uint8_t)(0x48 | (autoinit ? 0x10 : 0) | c));
		unit_outb(vm, (uint16_t)(0xC0 + c * 4), (uint8_t)(addr >> 1));
		unit_outb(vm, (uint16_t)(0xC0 + c * 4), (uint8_t)(addr >> 9));
		unit_outb(vm, (uint16_t)(0xC2 + c * 4), (uint8_t)(words - 1));
		unit_outb(vm, (uint16_t)(0xC2 + c * 4), (uint8_t)((words - 1) >> 8));
		static const uint16_t page[4] = { 0x8F, 0x8B, 0x89, 0x8A };
		unit_outb(vm, page[c], (uint8_t)(addr >> 16) & 0xFE);
		unit_outb(vm, 0xD4, (uint8_t)c);
	}
}

/* Frequency of a signal by interpolated rising zero crossings. */
static double measure_freq(const int16_t *st, size_t frames, unsigned rate, int ch)
{
	double first = -1, last = -1;
	int n = 0;
	for (size_t i = 1; i < frames; i++) {
		int a = st[(i - 1) * 2 + ch], b = st[i * 2 + ch];
		if (a < 0 && b >= 0) {
			double t = (double)(i - 1) + (double)-a / (b - a);
			if (first < 0)
				first = t;
			else
				n++;
			last = t;
		}
	}
	return n ? n * (double)rate / (last - first) : 0;
}

static int peak(const int16_t *st, size_t frames, int ch)
{
	int p = 0;
	for (size_t i = 0; i < frames; i++)
		p = MAX(p, abs(st[i * 2 + ch]));
	return p;
}

static void test_reset_and_ident(void)
{
	struct vm *vm = make_vm();
	CHECK_EQ(unit_inb(vm, SB + 0xA) == 0xAA, 0, "no 0xAA before a reset");
	unit_outb(vm, SB + 6, 1);
	unit_outb(vm, SB + 6, 0);
	CHECK_EQ(dsp_read(vm), 0xAA, "reset answers 0xAA");
	CHECK_EQ(dsp_read(vm), -1, "then the read buffer is empty");
	CHECK_EQ(unit_inb(vm, SB + 0xC) & 0x80, 0, "write buffer ready");
	dsp(vm, 0xE1);
	CHECK_EQ(dsp_read(vm), 4, "DSP version major 4");
	CHECK_EQ(dsp_read(vm), 5, "DSP version minor 05");
	dsp(vm, 0xE0);
	dsp(vm, 0x5A);
	CHECK_EQ(dsp_read(vm), 0xA5, "0xE0 identification returns the complement");
	dsp(vm, 0xE4);
	dsp(vm, 0x37);
	dsp(vm, 0xE8);
	CHECK_EQ(dsp_read(vm), 0x37, "test register 0xE4/0xE8");
	dsp(vm, 0xE3);
	char s[64] = { 0 };
	for (int i = 0; i < 63; i++) {
		int c = dsp_read(vm);
		if (c <= 0)
			break;
		s[i] = (char)c;
	}
	CHECK(!strncmp(s, "COPYRIGHT (C) CREATIVE TECHNOLOGY LTD", 37), "0xE3 copyright: '%s'", s);
	dsp(vm, 0xD1);
	dsp(vm, 0xD8);
	CHECK_EQ(dsp_read(vm), 0xFF, "speaker status on after 0xD1");
	dsp(vm, 0xD3);
	dsp(vm, 0xD8);
	CHECK_EQ(dsp_read(vm), 0x00, "speaker status off after 0xD3");
	vm_destroy(vm);
}

static void test_irq(void)
{
	struct vm *vm = make_vm();
	dsp(vm, 0xF2);
	CHECK_EQ(unit_irqs.level[5], 1, "0xF2 raises IRQ 5");
	CHECK_EQ(mixer_rd(vm, 0x82) & 3, 1, "mixer 0x82 shows an 8-bit interrupt");
	unit_inb(vm, SB + 0xF);
	CHECK_EQ(unit_irqs.level[5], 1, "a 16-bit acknowledge leaves the 8-bit interrupt");
	unit_inb(vm, SB + 0xE);
	CHECK_EQ(unit_irqs.level[5], 0, "reading base+0xE acknowledges it");
	dsp(vm, 0xF3);
	CHECK_EQ(mixer_rd(vm, 0x82) & 3, 2, "0xF3: a 16-bit interrupt");
	unit_inb(vm, SB + 0xF);
	CHECK_EQ(unit_irqs.level[5], 0, "reading base+0xF acknowledges it");
	CHECK_EQ(mixer_rd(vm, 0x80), 2, "mixer 0x80 reports IRQ 5");
	CHECK_EQ(mixer_rd(vm, 0x81), 0x22, "mixer 0x81 reports DMA 1 and 5");
	mixer(vm, 0x80, 4); /* move to IRQ 7, as snd-sb16 may */
	dsp(vm, 0xF2);
	CHECK(unit_irqs.level[7] == 1 && unit_irqs.level[5] == 0, "after 0x80=4 interrupts come on IRQ 7");
	unit_inb(vm, SB + 0xE);
	vm_destroy(vm);
}

static void test_mixer_regs(void)
{
	struct vm *vm = make_vm();
	CHECK_EQ(mixer_rd(vm, 0x30), 0xC0, "master left defaults to 24 (-14 dB)");
	mixer(vm, 0x22, 0xF3);
	CHECK(mixer_rd(vm, 0x30) >> 3 == 31 && mixer_rd(vm, 0x31) >> 3 == 7,
	      "SBPro master 0x22 sets 0x30/0x31 (%02x %02x)", mixer_rd(vm, 0x30), mixer_rd(vm, 0x31));
	CHECK_EQ(mixer_rd(vm, 0x22), 0xF3, "0x22 reads back");
	mixer(vm, 0x32, 0xA8);
	CHECK_EQ(mixer_rd(vm, 0x04) >> 4, 0xA, "0x04 voice reflects 0x32");
	mixer(vm, 0x00, 0);
	CHECK_EQ(mixer_rd(vm, 0x30), 0xC0, "mixer reset restores defaults");
	CHECK_EQ(mixer_rd(vm, 0x80), 2, "reset keeps the IRQ set-up");
	mixer(vm, 0x0E, 0x02);
	CHECK_EQ(mixer_rd(vm, 0x0E), 0x02, "0x0E stereo bit");
	vm_destroy(vm);
}

/* Fill a 16-bit stereo (or 8-bit mono) buffer with a 440 Hz sine. */
static void fill_sine(struct vm *vm, uint32_t addr, unsigned frames, unsigned rate, bool b16,
		      bool stereo, double amp)
{
	uint8_t *p = vm_gpa_to_hva(vm, addr, frames * (b16 ? 2 : 1) * (stereo ? 2 : 1));
	for (unsigned i = 0; i < frames; i++) {
		double v = amp * sin(2 * M_PI * 440.0 * i / rate);
		for (int c = 0; c < (stereo ? 2 : 1); c++) {
			if (b16) {
				st16(p, (uint16_t)(int16_t)lrint(v * 32767));
				p += 2;
			} else {
				*p++ = (uint8_t)lrint(128 + v * 127);
			}
		}
	}
}

/*
 * Run playback for secs of simulated audio time: ticks every 4 ms, the mixer
 * rendering in step, guest acknowledging each interrupt. Returns frames.
 */
static size_t play(struct vm *vm, struct sb16 *s, double secs, int16_t *buf, bool ack16)
{
	size_t frames = (size_t)(secs * AUDIO_OUT_RATE), done = 0;
	for (uint64_t t = 4000000; done < frames; t += 4000000) {
		fake_now += 4000000;
		pthread_mutex_lock(&s->lock);
		sb16_tick(s, fake_now);
		pthread_mutex_unlock(&s->lock);
		if (unit_irqs.level[5])
			unit_inb(vm, ack16 ? SB + 0xF : SB + 0xE);
		size_t want = MIN(frames - done, (size_t)(t * AUDIO_OUT_RATE / 1000000000ull) - done);
		audio_mixer_render(vm->audio, buf + done * 2, (unsigned)want);
		done += want;
	}
	return frames;
}

static void test_playback_16bit_stereo(void)
{
	struct vm *vm = make_vm();
	struct sb16 *s = vm_lookup(vm, "sb16");
	mixer(vm, 0x30, 0xF8); mixer(vm, 0x31, 0xF8);   /* 0 dB */
	mixer(vm, 0x32, 0xF8); mixer(vm, 0x33, 0xF8);
	const unsigned rate = 22050, block = 2048;        /* frames per half */
	fill_sine(vm, 0x20000, 2 * block * 2, rate, true, true, 0.5); /* covers both halves */
	/* sine that continues across the ring: make the ring a whole number of periods */
	dma_setup(vm, 5, 0x20000, 2 * block * 4, true);
	dsp(vm, 0x41); dsp(vm, rate >> 8); dsp(vm, rate & 0xFF);
	dsp(vm, 0xB6); dsp(vm, 0x30);                     /* 16-bit auto-init, signed stereo */
	unsigned len = block * 2 - 1;                     /* samples per IRQ block - 1 */
	dsp(vm, len & 0xFF); dsp(vm, len >> 8);
	CHECK_EQ(s->xfer, XFER_DAC, "0xB6 starts DMA output");
	CHECK_EQ(s->bytes_per_sec, rate * 4, "22050 Hz 16-bit stereo = 88200 bytes/s");
	size_t n = play(vm, s, 2.0, out, true);
	/* the ring holds 2*2048 frames of a 440 Hz sine at 22050: not whole periods, so
	 * measure only the first block where the sine is continuous */
	size_t skip = AUDIO_OUT_RATE / 50; /* past the prefill */
	size_t blk_out = (size_t)block * 2 * AUDIO_OUT_RATE / rate - skip;
	double f = measure_freq(out + skip * 2, blk_out, AUDIO_OUT_RATE, 0);
	CHECK(fabs(f - 440.0) < 440.0 * 0.005, "16-bit stereo 22050 Hz plays 440 Hz (%.2f)", f);
	int pk = peak(out, n, 0);
	CHECK(abs(pk - 16384) < 700, "level at 0 dB: peak %d of 16384", pk);
	/* IRQs: 2 s * 88200 B/s / 8192 B per block */
	CHECK(s->irqs16 >= 20 && s->irqs16 <= 22, "16-bit IRQ each block: %llu in 2 s",
	      (unsigned long long)s->irqs16);
	CHECK_EQ(s->irqs8, 0, "no 8-bit interrupts");
	/* voice at -14 dB: 10^(-14/20) = 0.1995 */
	mixer(vm, 0x32, 0xC0); mixer(vm, 0x33, 0xC0);
	play(vm, s, 0.5, out, true);
	pk = peak(out + AUDIO_OUT_RATE / 10 * 2, AUDIO_OUT_RATE / 4, 0);
	CHECK(abs(pk - 3269) < 250, "voice volume 24 scales to -14 dB: peak %d (want ~3269)", pk);
	mixer(vm, 0x30, 0x00);
	play(vm, s, 0.3, out, true);
	pk = peak(out + AUDIO_OUT_RATE / 10 * 2, AUDIO_OUT_RATE / 10, 0);
	CHECK_EQ(pk, 0, "master volume 0 silences the left channel");
	pk = peak(out + AUDIO_OUT_RATE / 10 * 2, AUDIO_OUT_RATE / 10, 1);
	CHECK(pk > 1000, "right channel still plays (%d)", pk);
	/* pause stops the DMA clock, continue resumes */
	dsp(vm, 0xD5);
	uint64_t before = s->bytes_done;
	pthread_mutex_lock(&s->lock);
	sb16_tick(s, fake_now + 100000000ull);
	pthread_mutex_unlock(&s->lock);
	CHECK_EQ(s->bytes_done, before, "0xD5 pauses 16-bit DMA");
	dsp(vm, 0xD6);
	CHECK(!s->paused, "0xD6 continues");
	/* exit auto-init: one more IRQ, then stop */
	dsp(vm, 0xD9);
	uint64_t irqs = s->irqs16;
	play(vm, s, 0.3, out, true);
	CHECK(s->irqs16 == irqs + 1 && s->xfer == XFER_NONE,
	      "0xD9 ends auto-init after the block (%llu more IRQs)",
	      (unsigned long long)(s->irqs16 - irqs));
	vm_destroy(vm);
}

static void test_playback_8bit_tc(void)
{
	struct vm *vm = make_vm();
	struct sb16 *s = vm_lookup(vm, "sb16");
	mixer(vm, 0x22, 0xFF);
	mixer(vm, 0x04, 0xFF);
	/* time constant 165: 1e6 / 91 = 10989 Hz */
	fill_sine(vm, 0x10000, 8192, 10989, false, false, 0.9);
	dma_setup(vm, 1, 0x10000, 8192, true);
	dsp(vm, 0xD1);
	dsp(vm, 0x40); dsp(vm, 165);
	dsp(vm, 0x48); dsp(vm, 0xFF); dsp(vm, 0x0F);      /* 4096-byte blocks */
	dsp(vm, 0x1C);
	CHECK_EQ(s->bytes_per_sec, 10989, "time constant 165 = 10989 Hz");
	play(vm, s, 0.5, out, false);
	double f = measure_freq(out + 2000 * 2, 10000, AUDIO_OUT_RATE, 0);
	CHECK(fabs(f - 440.0) < 2.2, "8-bit 0x1C auto-init plays 440 Hz (%.2f)", f);
	CHECK(s->irqs8 == 1, "one 8-bit IRQ per 4096 bytes in 0.5 s (%llu)", (unsigned long long)s->irqs8);
	/* 0xDA: exit auto-init */
	dsp(vm, 0xDA);
	play(vm, s, 0.5, out, false);
	CHECK_EQ(s->xfer, XFER_NONE, "0xDA stops after the block");
	/* single-cycle 0x14: one block, one IRQ, stop */
	dma_setup(vm, 1, 0x10000, 1000, false);
	uint64_t irqs = s->irqs8;
	dsp(vm, 0x14); dsp(vm, 999 & 0xFF); dsp(vm, 999 >> 8);
	play(vm, s, 0.2, out, false);
	CHECK(s->irqs8 == irqs + 1 && s->xfer == XFER_NONE, "0x14 single-cycle: one IRQ then stop");
	/* high-speed 0x91 with SBPro stereo: rate counts both channels */
	mixer(vm, 0x0E, 0x02);
	dsp(vm, 0x40); dsp(vm, 256 - 23);                 /* 43478 Hz total */
	dsp(vm, 0x48); dsp(vm, 0xFF); dsp(vm, 0x03);
	dma_setup(vm, 1, 0x10000, 1024, false);
	dsp(vm, 0x91);
	CHECK(s->highspeed && s->stereo, "0x91 high-speed, stereo from mixer 0x0E");
	CHECK_EQ(s->bytes_per_sec, 43478, "SBPro stereo moves the time-constant rate in bytes");
	/* reset stops everything */
	unit_outb(vm, SB + 6, 1);
	unit_outb(vm, SB + 6, 0);
	CHECK(s->xfer == XFER_NONE && dsp_read(vm) == 0xAA, "reset stops DMA and answers 0xAA");
	/* silence command 0x80 raises an IRQ after its length */
	irqs = s->irqs8;
	dsp(vm, 0x40); dsp(vm, 165);
	dsp(vm, 0x80); dsp(vm, 100); dsp(vm, 0);
	play(vm, s, 0.1, out, false);
	CHECK_EQ(s->irqs8, irqs + 1, "0x80 silence block ends with an IRQ");
	vm_destroy(vm);
}

static void test_dma_masked_and_bad_address(void)
{
	struct vm *vm = make_vm();
	struct sb16 *s = vm_lookup(vm, "sb16");
	/* channel masked: the DSP waits, no interrupts, no crash */
	unit_outb(vm, 0x0A, 4 | 1);
	dsp(vm, 0xC6); dsp(vm, 0x00); dsp(vm, 0xFF); dsp(vm, 0x00);
	play(vm, s, 0.05, out, false);
	CHECK_EQ(s->irqs8, 0, "masked channel: no block completes");
	CHECK(s->stalls > 0, "masked channel: the DSP stalls (%llu)", (unsigned long long)s->stalls);
	/* page register pointing past guest RAM (4 MiB): reads 0xFF, no crash */
	dma_setup(vm, 1, 0xFF0000, 4096, true);
	play(vm, s, 0.2, out, false);
	CHECK(s->irqs8 > 0, "DMA from outside RAM completes blocks harmlessly (%llu)",
	      (unsigned long long)s->irqs8);
	vm_destroy(vm);
}

static void test_e2_and_adc(void)
{
	struct vm *vm = make_vm();
	uint8_t *mem = vm_gpa_to_hva(vm, 0x30000, 16);
	memset(mem, 0x11, 16);
	/* 8237 write transfer (device -> memory) on channel 1 */
	unit_outb(vm, 0x0A, 5); unit_outb(vm, 0x0C, 0); unit_outb(vm, 0x0B, 0x45);
	unit_outb(vm, 0x02, 0x00); unit_outb(vm, 0x02, 0x00); unit_outb(vm, 0x03, 15); unit_outb(vm, 0x03, 0);
	unit_outb(vm, 0x83, 0x03); unit_outb(vm, 0x0A, 1);
	dsp(vm, 0xE2); dsp(vm, 0x00);
	CHECK(mem[0] != 0x11, "0xE2 writes its identification byte by DMA (%02x)", mem[0]);
	/* recording digitises silence (0x80 for unsigned 8-bit) */
	struct sb16 *s = vm_lookup(vm, "sb16");
	dsp(vm, 0x40); dsp(vm, 165);
	dsp(vm, 0x24); dsp(vm, 14); dsp(vm, 0);
	play(vm, s, 0.05, out, false);
	CHECK(mem[1] == 0x80 && mem[15] == 0x80, "0x24 ADC fills memory with silence (%02x)", mem[1]);
	CHECK_EQ(s->irqs8, 1, "ADC block raises its IRQ");
	vm_destroy(vm);
}

static void test_adpcm(void)
{
	struct vm *vm = make_vm();
	struct sb16 *s = vm_lookup(vm, "sb16");
	uint8_t in[3] = { 0x80, 0x77, 0x00 }, out[16];
	s->adpcm = ADPCM_4;
	s->adpcm_ref_pending = true;
	unsigned n = sb16_adpcm_decode(s, in, 3, out);
	CHECK_EQ(n, 5, "reference byte + 2 bytes of 4-bit ADPCM = 5 samples");
	CHECK_EQ(out[0], 0x80, "reference sample");
	CHECK_EQ(out[1], 0x87, "+7 at step level 0");
	CHECK_EQ(out[2], 0x87 + 15, "a large code raised the level: +15");
	CHECK(out[3] == 0x96 + 2 && out[4] == 0x98 + 1,
	      "zero codes step by the smallest delta and lower the level (%02x %02x)", out[3], out[4]);
	s->adpcm = ADPCM_2;
	s->adpcm_ref_pending = true;
	uint8_t in2[2] = { 0x40, 0xFF };
	n = sb16_adpcm_decode(s, in2, 2, out);
	CHECK_EQ(n, 5, "2-bit ADPCM: 4 samples a byte");
	for (unsigned i = 1; i < n; i++)
		CHECK(out[i] <= 0x40, "2-bit negative codes go down (%u: %02x)", i, out[i]);
	vm_destroy(vm);
}

static void test_direct_dac(void)
{
	struct vm *vm = make_vm();
	struct sb16 *s = vm_lookup(vm, "sb16");
	uint64_t t = fake_now;
	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < 1000; i++)
		sb16_dac_write(s, (i / 25) & 1 ? 0xC0 : 0x40, t + (uint64_t)i * 45351); /* 22050 Hz */
	pthread_mutex_unlock(&s->lock);
	uint64_t q = audio_voice_queued_ns(s->dac_voice);
	CHECK(q > 40000000 && q < 50000000, "direct DAC samples are held for their time (%llu ns)",
	      (unsigned long long)q);
	vm_destroy(vm);
}

/* A config built in code is held to the config table's resources. */
static void test_bad_resources(void)
{
	struct vm *vm = make_vm();
	vm_destroy(vm);
	const unsigned bad[][4] = { { 0x230, 5, 1, 5 }, { SB, 3, 1, 5 }, { SB, 5, 2, 5 }, { SB, 5, 1, 4 } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg.sb16_port = bad[i][0], cfg.sb16_irq = bad[i][1];
		cfg.sb16_dma = bad[i][2], cfg.sb16_hdma = bad[i][3];
		vm = unit_vm_new(4, &cfg, NULL);
		CHECK(pc_create_part(vm, "sb16") < 0 && !vm_lookup(vm, "sb16"),
		      "refused: port 0x%x irq %u dma %u hdma %u", bad[i][0], bad[i][1], bad[i][2], bad[i][3]);
		vm_destroy(vm);
	}
}

int main(void)
{
	test_bad_resources();
	test_reset_and_ident();
	test_irq();
	test_mixer_regs();
	test_playback_16bit_stereo();
	test_playback_8bit_tc();
	test_dma_masked_and_bad_address();
	test_e2_and_adc();
	test_adpcm();
	test_direct_dac();
	return UNIT_DONE();
}
