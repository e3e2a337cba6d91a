/*
 * audio_analyze: finds the tones in a recording and measures each one.
 *
 *   audio_analyze FILE.wav
 *   audio_analyze --raw RATE CHANNELS FILE.raw     (S16LE, as parec writes it)
 *
 * A tone ("segment") is a stretch whose 10 ms RMS is above -50 dBFS; 200 ms
 * below that ends it. For each segment, measured on the first channel:
 *   start, duration (s); frequency (Hz) from interpolated rising zero crossings
 *   over its middle; RMS level (dBFS) and peak; the longest gap (ms) where the
 *   signal stays under 2% of its peak; and the largest deviation of one period
 *   from the mean (%), which catches dropped or repeated samples, and how many
 *   periods are off by more than 10% (glitches: each dropout or skip makes one
 *   or two).
 * One line per segment:
 *   segment 1: start=0.512 dur=5.003 freq=440.012 rms_dbfs=-9.03 peak=16384 gap_ms=0.05 dev_pct=0.9 glitches=0 pfreq=440.010 prms_dbfs=-9.03 played_pct=100.0
 * The last three measure only the played periods, for a recording with gaps
 * (late samples, where time is not real time): a played period is one within
 * 10% of the median period between rising zero crossings; pfreq is the rate
 * over that median, prms_dbfs the RMS over the played periods, played_pct the
 * share of the segment's middle they cover.
 * A WAV header's data size of 0 or 0xFFFFFFFF (a capture still being written)
 * means "to the end of the file".
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int16_t *load(const char *path, int raw, unsigned *rate, unsigned *ch, size_t *frames)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "%s: read error\n", path);
		exit(2);
	}
	fclose(f);
	size_t off = 0, data = (size_t)len;
	if (!raw) {
		if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4)) {
			fprintf(stderr, "%s: not a WAVE file\n", path);
			exit(2);
		}
		size_t p = 12;
		int have_fmt = 0;
		while (p + 8 <= (size_t)len) {
			uint32_t sz = buf[p + 4] | buf[p + 5] << 8 | buf[p + 6] << 16 | (uint32_t)buf[p + 7] << 24;
			if (!memcmp(buf + p, "fmt ", 4) && p + 24 <= (size_t)len) {
				*ch = buf[p + 10] | buf[p + 11] << 8;
				*rate = buf[p + 12] | buf[p + 13] << 8 | buf[p + 14] << 16 | (uint32_t)buf[p + 15] << 24;
				unsigned bits = buf[p + 22] | buf[p + 23] << 8;
				if (bits != 16) {
					fprintf(stderr, "%s: only 16-bit PCM\n", path);
					exit(2);
				}
				have_fmt = 1;
			} else if (!memcmp(buf + p, "data", 4)) {
				off = p + 8;
				data = (sz == 0 || sz == 0xFFFFFFFFu || off + sz > (size_t)len)
					       ? (size_t)len - off : sz;
				break;
			}
			p += 8 + sz + (sz & 1);
		}
		if (!have_fmt || !off) {
			fprintf(stderr, "%s: no fmt/data chunk\n", path);
			exit(2);
		}
	}
	*frames = data / (2 * *ch);
	int16_t *s = malloc(*frames * sizeof(int16_t) + 2);
	for (size_t i = 0; i < *frames; i++) {
		const uint8_t *q = buf + off + i * 2 * *ch;
		s[i] = (int16_t)(q[0] | q[1] << 8);
	}
	free(buf);
	return s;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static void analyse(const int16_t *s, size_t a, size_t b, unsigned rate, int n)
{
	double dur = (double)(b - a) / rate;
	size_t edge = rate / 20; /* skip 50 ms at both ends for the measurements */
	size_t ma = a + edge, mb = b > a + 2 * edge ? b - edge : b;
	if (mb <= ma) {
		ma = a;
		mb = b;
	}
	double sum2 = 0;
	int peak = 0;
	for (size_t i = ma; i < mb; i++) {
		sum2 += (double)s[i] * s[i];
		peak = abs(s[i]) > peak ? abs(s[i]) : peak;
	}
	double rms = sqrt(sum2 / (double)(mb - ma));
	double rms_db = rms > 0 ? 20 * log10(rms / 32768.0) : -200;
	/* zero crossings */
	double first = -1, last = -1;
	int count = 0;
	double *cross = malloc(sizeof(double) * (mb - ma + 1));
	for (size_t i = ma + 1; i < mb; i++) {
		int x = s[i - 1], y = s[i];
		if (x < 0 && y >= 0) {
			double t = (double)(i - 1) + (double)-x / (y - x);
			cross[count++] = t;
			if (first < 0)
				first = t;
			last = t;
		}
	}
	double freq = count > 1 ? (count - 1) * (double)rate / (last - first) : 0;
	double pfreq = 0, prms_db = -200, played = 0;
	if (count > 2) {
		int np = count - 1;
		double *per = malloc(sizeof(double) * (size_t)np);
		for (int i = 0; i < np; i++)
			per[i] = cross[i + 1] - cross[i];
		qsort(per, (size_t)np, sizeof(double), cmp_double);
		double med = per[np / 2];
		free(per);
		double psum2 = 0;
		size_t pn = 0;
		for (int i = 1; i < count; i++) {
			double d = cross[i] - cross[i - 1];
			if (fabs(d - med) > med * 0.1)
				continue;
			for (size_t j = (size_t)ceil(cross[i - 1]); j < (size_t)ceil(cross[i]) && j < mb; j++) {
				psum2 += (double)s[j] * s[j];
				pn++;
			}
		}
		pfreq = med > 0 ? rate / med : 0;
		prms_db = pn && psum2 > 0 ? 20 * log10(sqrt(psum2 / (double)pn) / 32768.0) : -200;
		played = 100.0 * (double)pn / (double)(mb - ma);
	}
	double dev = 0;
	int glitches = 0;
	if (count > 2) {
		double mean = (last - first) / (count - 1);
		for (int i = 1; i < count; i++) {
			double d = fabs(cross[i] - cross[i - 1] - mean) / mean * 100;
			dev = d > dev ? d : dev;
			glitches += d > 10;
		}
	}
	free(cross);
	/* gaps: runs under 2% of the peak */
	int thr = peak / 50 + 1;
	size_t run = 0, longest = 0;
	size_t ga = a + rate / 50, gb = b > a + rate / 25 ? b - rate / 50 : b;
	for (size_t i = ga; i < gb; i++) {
		if (abs(s[i]) < thr) {
			run++;
			longest = run > longest ? run : longest;
		} else {
			run = 0;
		}
	}
	printf("segment %d: start=%.3f dur=%.3f freq=%.3f rms_dbfs=%.2f peak=%d gap_ms=%.2f dev_pct=%.1f"
	       " glitches=%d pfreq=%.3f prms_dbfs=%.2f played_pct=%.1f\n", n, (double)a / rate, dur, freq,
	       rms_db, peak, longest * 1000.0 / rate, dev, glitches, pfreq, prms_db, played);
}

int main(int argc, char **argv)
{
	unsigned rate = 44100, ch = 2;
	int raw = 0;
	const char *path;
	if (argc == 5 && !strcmp(argv[1], "--raw")) {
		raw = 1;
		rate = (unsigned)atoi(argv[2]);
		ch = (unsigned)atoi(argv[3]);
		path = argv[4];
	} else if (argc == 2) {
		path = argv[1];
	} else {
		fprintf(stderr, "usage: audio_analyze FILE.wav | --raw RATE CHANNELS FILE\n");
		return 2;
	}
	size_t frames;
	int16_t *s = load(path, raw, &rate, &ch, &frames);
	if (!rate || !ch) {
		fprintf(stderr, "bad format\n");
		return 2;
	}
	size_t win = rate / 100;                 /* 10 ms windows */
	double thr = 32768.0 * pow(10, -50 / 20.0);
	size_t quiet_end = rate / 5;             /* 200 ms of quiet ends a tone */
	int n = 0;
	size_t seg_start = 0, last_loud = 0;
	int in_seg = 0;
	for (size_t w = 0; w + win <= frames; w += win) {
		double e = 0;
		for (size_t i = w; i < w + win; i++)
			e += (double)s[i] * s[i];
		int loud = sqrt(e / win) > thr;
		if (loud) {
			if (!in_seg) {
				in_seg = 1;
				seg_start = w;
			}
			last_loud = w + win;
		} else if (in_seg && w - last_loud >= quiet_end) {
			analyse(s, seg_start, last_loud, rate, ++n);
			in_seg = 0;
		}
	}
	if (in_seg)
		analyse(s, seg_start, last_loud, rate, ++n);
	printf("segments %d, %.3f s analysed\n", n, (double)frames / rate);
	free(s);
	return 0;
}
