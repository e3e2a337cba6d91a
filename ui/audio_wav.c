/*
 * "wav:/path" back end: records the mixer output to a RIFF WAVE file
 * (S16LE stereo at AUDIO_OUT_RATE), paced by CLOCK_MONOTONIC like a sound card
 * would be. The header's sizes are written as 0xFFFFFFFF first (streaming) and
 * fixed on close, so the file is usable even if the process is killed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui/audio_backend.h"
#include "core/util.h"

#define WAV_PERIOD_NS 5000000ull /* render 5 ms at a time */

struct wav_out {
	struct audio_mixer *m;
	FILE *f;
	pthread_t thread;
	_Atomic bool stop;
	uint64_t start;		/* CLOCK_MONOTONIC ns when the back end opened */
	uint64_t frames;
};

/* Render and write every frame the clock says is due by now. */
static void wav_catch_up(struct wav_out *w, int16_t *buf)
{
	uint64_t due = (clock_ns() - w->start) * AUDIO_OUT_RATE / 1000000000ull;
	while (w->frames < due) {
		unsigned n = (unsigned)MIN(due - w->frames, 4096);
		audio_mixer_render(w->m, buf, n);
		fwrite(buf, 4, n, w->f);
		w->frames += n;
	}
}

static void wav_header(uint8_t h[44], uint32_t data_bytes)
{
	memcpy(h, "RIFF", 4);
	st32(h + 4, data_bytes == 0xFFFFFFFFu ? data_bytes : data_bytes + 36);
	memcpy(h + 8, "WAVEfmt ", 8);
	st32(h + 16, 16);
	st16(h + 20, 1);                   /* PCM */
	st16(h + 22, 2);                   /* channels */
	st32(h + 24, AUDIO_OUT_RATE);
	st32(h + 28, AUDIO_OUT_RATE * 4);  /* byte rate */
	st16(h + 32, 4);                   /* block align */
	st16(h + 34, 16);                  /* bits */
	memcpy(h + 36, "data", 4);
	st32(h + 40, data_bytes);
}

static void *wav_thread(void *opaque)
{
	struct wav_out *w = opaque;
	int16_t buf[4096 * 2];
	audio_thread_realtime();
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&w->stop)) {
		next.tv_nsec += WAV_PERIOD_NS;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		/* frames due by now according to the clock, so the rate is exact
		 * however late this thread was woken */
		wav_catch_up(w, buf);
		fflush(w->f);
	}
	/* the file covers the whole time the back end was open */
	wav_catch_up(w, buf);
	return NULL;
}

static int wav_open(struct audio_mixer *m, const char *path, void **state)
{
	if (!*path) {
		msg_warn("audio: wav: needs a path (audio='wav:/path/file.wav'); the VM runs silent");
		return -1;
	}
	FILE *f = fopen(path, "wb");
	if (!f) {
		msg_warn("audio: wav: cannot create %s: %s; the VM runs silent", path, strerror(errno));
		return -1;
	}
	uint8_t h[44];
	wav_header(h, 0xFFFFFFFFu);
	fwrite(h, 1, sizeof(h), f);
	struct wav_out *w = xzalloc(sizeof(*w));
	w->m = m;
	w->f = f;
	w->start = clock_ns();
	if (pthread_create(&w->thread, NULL, wav_thread, w)) {
		fclose(f);
		free(w);
		msg_warn("audio: wav: cannot start its thread; the VM runs silent");
		return -1;
	}
	pthread_setname_np(w->thread, "audio-wav");
	*state = w;
	return 0;
}

static void wav_close(void *state)
{
	struct wav_out *w = state;
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
	uint8_t h[44];
	uint64_t bytes = w->frames * 4;
	wav_header(h, bytes > 0xFFFFFFF0u ? 0xFFFFFFFFu : (uint32_t)bytes);
	if (fseek(w->f, 0, SEEK_SET) == 0)
		fwrite(h, 1, sizeof(h), w->f);
	fclose(w->f);
	free(w);
}

const struct audio_backend audio_backend_wav = {
	.name = "wav", .open = wav_open, .close = wav_close, .latency_ns = NULL,
};
