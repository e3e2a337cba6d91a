/*
 * The audio path without a sound server: voice formats, resampling to the
 * output rate, prefill and underrun counting, voice gains, per-VM volume and
 * mute, `info audio`, soundhw lists, the wav back end's file, and the PC
 * speaker (port 0x61, OUT2, the channel-2 square wave as a voice).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui/audio_backend.h"
#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"

static struct vm_config cfg;
static char *hw[VM_MAX_SOUND];
static int16_t out[AUDIO_OUT_RATE * 2 * 2];

/* A 1 MiB VM with the audio back end, sound cards and machine parts given. */
static struct vm *make_vm(const char *audio, const char *const *cards, const char *const *parts)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "t";
	cfg.audio = (char *)audio;
	for (unsigned i = 0; cards && cards[i] && i < VM_MAX_SOUND; i++)
		cfg.soundhw[cfg.n_soundhw++] = hw[i] = (char *)cards[i];
	return unit_vm_new(1, &cfg, parts);
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

static void test_formats(void)
{
	struct vm *vm = make_vm("none", NULL, NULL);
	struct audio_mixer *m = audio_of(vm);
	struct audio_voice *v = audio_voice_new(m, "t");
	static const struct { enum audio_fmt f; unsigned ch; uint8_t in[4]; int16_t l, r; } cases[] = {
		{ AFMT_U8, 1, { 0xC0 }, 0x4000, 0x4000 },
		{ AFMT_S8, 1, { 0xC0 }, -0x4000, -0x4000 },
		{ AFMT_U8, 2, { 0x00, 0xFF }, -0x8000, 0x7F00 },
		{ AFMT_S16, 2, { 0x34, 0x12, 0x00, 0x80 }, 0x1234, -0x8000 },
		{ AFMT_U16, 1, { 0x00, 0xC0 }, 0x4000, 0x4000 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		audio_voice_set_format(v, AUDIO_OUT_RATE, cases[i].ch, cases[i].f);
		audio_voice_set_active(v, true);
		unsigned fb = cases[i].ch * (cases[i].f == AFMT_S16 || cases[i].f == AFMT_U16 ? 2 : 1);
		/* 20 ms of the same frame, fed one byte at a time for the first frames */
		for (unsigned k = 0; k < 882; k++) {
			if (k < 4)
				for (unsigned b = 0; b < fb; b++)
					audio_voice_write(v, &cases[i].in[b], 1);
			else
				audio_voice_write(v, cases[i].in, fb);
		}
		audio_mixer_render(m, out, 400);
		CHECK(out[300 * 2] == cases[i].l && out[300 * 2 + 1] == cases[i].r,
		      "format %zu: %d/%d (want %d/%d)", i, out[600], out[601], cases[i].l, cases[i].r);
		audio_voice_set_active(v, false);
		audio_mixer_render(m, out, 1000);
	}
	vm_destroy(vm);
}

static void test_resample_underrun_gain(void)
{
	struct vm *vm = make_vm("none", NULL, NULL);
	struct audio_mixer *m = audio_of(vm);
	struct audio_voice *v = audio_voice_new(m, "sine");
	const unsigned rate = 11025;
	audio_voice_set_format(v, rate, 1, AFMT_S16);
	audio_voice_set_active(v, true);
	int16_t s[11025];
	for (unsigned i = 0; i < rate; i++)
		s[i] = (int16_t)lrint(16000 * sin(2 * M_PI * 440.0 * i / rate));
	/* push 1 s in 10 ms slices while rendering in step */
	size_t done = 0;
	for (unsigned k = 0; k < 100; k++) {
		audio_voice_write(v, s + k * 110, 110 * 2);
		if (k == 99)
			audio_voice_write(v, s + 11000, 25 * 2);
		if (k >= 1) {
			audio_mixer_render(m, out + done * 2, 441);
			done += 441;
		}
	}
	double f = measure_freq(out + 2000 * 2, done - 2000, AUDIO_OUT_RATE);
	CHECK(fabs(f - 440) < 440 * 0.002, "11025 Hz voice resampled to 44100: %.2f Hz", f);
	uint64_t under = audio_underruns(vm);
	CHECK_EQ(under, 0, "no underrun while fed in time");
	/* starve it */
	audio_mixer_render(m, out, 4410);
	CHECK_EQ(audio_underruns(vm), 1, "a playing voice running dry counts one underrun");
	/* gains and volume */
	audio_voice_set_format(v, AUDIO_OUT_RATE, 1, AFMT_S16);
	int16_t dc[2000];
	for (int i = 0; i < 2000; i++)
		dc[i] = 20000;
	audio_voice_write(v, dc, sizeof(dc));
	audio_voice_set_gain(v, AUDIO_GAIN_UNITY / 2, AUDIO_GAIN_UNITY / 4);
	audio_mixer_render(m, out, 800);
	CHECK(out[700 * 2] == 10000 && out[700 * 2 + 1] == 5000, "voice gains: %d %d",
	      out[1400], out[1401]);
	audio_voice_set_gain(v, AUDIO_GAIN_UNITY, AUDIO_GAIN_UNITY);
	audio_set_volume(vm, 50);
	audio_voice_write(v, dc, sizeof(dc));
	audio_mixer_render(m, out, 400);
	CHECK_EQ(out[200 * 2], 5000, "volume 50% is a quarter of the power curve (x^2)");
	CHECK_EQ(audio_get_volume(vm), 50, "volume reads back");
	audio_set_mute(vm, true);
	audio_voice_write(v, dc, sizeof(dc));
	audio_mixer_render(m, out, 400);
	CHECK(out[200 * 2] == 0 && audio_get_mute(vm), "mute silences");
	audio_set_mute(vm, false);
	audio_set_volume(vm, 100);
	char *txt = NULL;
	size_t len = 0;
	FILE *f2 = open_memstream(&txt, &len);
	audio_info(vm, f2);
	fclose(f2);
	char want[32];
	snprintf(want, sizeof(want), "underruns %llu", (unsigned long long)audio_underruns(vm));
	CHECK(strstr(txt, "backend none") && strstr(txt, "sine:") && strstr(txt, want),
	      "info audio lists back end, voices and underruns");
	free(txt);
	vm_destroy(vm);
}

static void test_soundhw(void)
{
	const char *a[] = { "sb16,pcspk", NULL };
	struct vm *vm = make_vm("none", a, NULL);
	CHECK(vmconfig_soundhw_has(&cfg, "sb16") && vmconfig_soundhw_has(&cfg, "pcspk") &&
	      !vmconfig_soundhw_has(&cfg, "adlib"), "soundhw='sb16,pcspk' parsed");
	vm_destroy(vm);
	const char *b[] = { "adlib", "all", NULL };
	vm = make_vm("none", b, NULL);
	CHECK(vmconfig_soundhw_has(&cfg, "sb16"), "soundhw 'all' includes sb16");
	vm_destroy(vm);
}

static void test_wav(void)
{
	char path[] = "/tmp/vmst-audio-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	char spec[64];
	snprintf(spec, sizeof(spec), "wav:%s", path);
	/* the file covers the time from the back end's opening to its closing:
	 * at least the 0.3 s slept, never more than the time measured around it
	 * (a loaded machine delays the thread, not the clock it catches up to) */
	uint64_t t0 = clock_ns();
	struct vm *vm = make_vm(spec, NULL, NULL);
	struct audio_mixer *m = audio_of(vm);
	audio_backend_start(vm); /* as the application does after vm_create */
	struct audio_voice *v = audio_voice_new(m, "dc");
	audio_voice_set_format(v, AUDIO_OUT_RATE, 1, AFMT_S16);
	audio_voice_set_active(v, true);
	int16_t dc[4410];
	for (int i = 0; i < 4410; i++)
		dc[i] = 1000;
	audio_voice_write(v, dc, sizeof(dc));
	struct timespec ts = { 0, 300000000 };
	nanosleep(&ts, NULL);
	vm_destroy(vm); /* closes the back end and fixes the header */
	double secs = (clock_ns() - t0) / 1e9;
	size_t n;
	uint8_t *w = read_file(path, &n);
	CHECK(w && n > 44 && !memcmp(w, "RIFF", 4) && !memcmp(w + 8, "WAVEfmt ", 8),
	      "wav file has a RIFF/WAVE header");
	if (w && n > 44) {
		CHECK_EQ(ld32(w + 24), AUDIO_OUT_RATE, "header rate");
		CHECK_EQ(ld32(w + 40), n - 44, "header data size fixed on close");
		double got = (n - 44) / 4.0 / AUDIO_OUT_RATE;
		CHECK(got >= 0.299 && got <= secs + 0.001, "paced by the clock: %.3f s written in %.3f s",
		      got, secs);
		int nonzero = 0;
		for (size_t i = 44; i + 1 < n; i += 4)
			nonzero += ld16(w + i) == 1000;
		CHECK(nonzero > 4000 && nonzero <= 4410, "the voice's samples are in it (%d)", nonzero);
	}
	free(w);
	unlink(path);
}

static void test_pcspk(void)
{
	const char *c[] = { "pcspk", NULL };
	struct vm *vm = make_vm("none", c, c); /* the sound hardware and the machine part */
	/* TSC calibration as SeaBIOS/Linux do it: gate on, mode 0, poll OUT2 */
	unit_outb(vm, 0x61, (unit_inb(vm, 0x61) & ~2) | 1);
	unit_outb(vm, 0x43, 0xB0);
	unit_outb(vm, 0x42, 0x9B); /* 11931 ticks = 10 ms */
	unit_outb(vm, 0x42, 0x2E);
	uint64_t t0 = clock_ns();
	CHECK_EQ(unit_inb(vm, 0x61) & 0x20, 0, "OUT2 low while mode 0 counts");
	while (!(unit_inb(vm, 0x61) & 0x20) && clock_ns() - t0 < 1000000000ull)
		;
	double ms = (clock_ns() - t0) / 1e6;
	CHECK(ms > 9.5 && ms < 40, "OUT2 rises at terminal count after %.2f ms (10 ms)", ms);
	/* refresh bit toggles */
	int toggles = 0;
	uint8_t last = unit_inb(vm, 0x61) & 0x10;
	for (int i = 0; i < 200000 && toggles < 4; i++) {
		uint8_t b = unit_inb(vm, 0x61) & 0x10;
		toggles += b != last;
		last = b;
	}
	CHECK(toggles >= 4, "bit 4 (refresh) toggles");
	/* a 1000 Hz tone: mode 3, count 1193 */
	unit_outb(vm, 0x43, 0xB6);
	unit_outb(vm, 0x42, 1193 & 0xFF);
	unit_outb(vm, 0x42, 1193 >> 8);
	unit_outb(vm, 0x61, 3);
	audio_mixer_render(vm->audio, out, AUDIO_OUT_RATE);
	double f = measure_freq(out, AUDIO_OUT_RATE, AUDIO_OUT_RATE);
	CHECK(fabs(f - 1193182.0 / 1193) < 1.0, "speaker square wave at 1193182/1193 Hz: %.2f", f);
	int pk = 0;
	for (int i = 0; i < AUDIO_OUT_RATE; i++)
		pk = MAX(pk, abs(out[i * 2]));
	CHECK(pk > 7000, "speaker level %d", pk);
	unit_outb(vm, 0x61, 0);
	audio_mixer_render(vm->audio, out, 1000);
	audio_mixer_render(vm->audio, out, 1000);
	pk = 0;
	for (int i = 0; i < 1000; i++)
		pk = MAX(pk, abs(out[i * 2]));
	CHECK_EQ(pk, 0, "speaker off: silence");
	vm_destroy(vm);
}

int main(void)
{
	test_formats();
	test_resample_underrun_gain();
	test_soundhw();
	test_wav();
	test_pcspk();
	return UNIT_DONE();
}
