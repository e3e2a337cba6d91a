/*
 * SDL2 audio back end: SDL's audio thread calls back for 1024-frame periods
 * (~23 ms) and the mixer renders straight into its buffer. Higher latency
 * than the PulseAudio back end; it is the portable alternative.
 * Built into vmst-sdl.so with the SDL window (ui/plugin.h).
 */
#include <SDL.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "ui/plugin_api.h"  /* what a plugin may use of the binary */
#include "ui/audio_backend.h"
#include "core/util.h"

struct sdl_out {
	struct audio_mixer *m;
	bool prio_set;
	_Atomic unsigned calls;
	SDL_AudioDeviceID dev;
	unsigned period_frames;
};

static void sdl_callback(void *opaque, Uint8 *stream, int len)
{
	struct sdl_out *o = opaque;
	if (!o->prio_set) {
		/* SDL's audio thread: the first call runs on it */
		audio_thread_realtime();
		o->prio_set = true;
	}
	audio_mixer_render(o->m, (int16_t *)stream, (unsigned)len / 4);
	atomic_fetch_add(&o->calls, 1);
}

static int sdl_open(struct audio_mixer *m, const char *arg, void **state)
{
	if (SDL_InitSubSystem(SDL_INIT_AUDIO) < 0) {
		msg_warn("audio: sdl: %s; the VM runs silent", SDL_GetError());
		return -1;
	}
	struct sdl_out *o = xzalloc(sizeof(*o));
	o->m = m;
	SDL_AudioSpec want = { .freq = AUDIO_OUT_RATE, .format = AUDIO_S16LSB, .channels = 2,
			       .samples = 1024, .callback = sdl_callback, .userdata = o };
	SDL_AudioSpec have;
	o->dev = SDL_OpenAudioDevice(*arg ? arg : NULL, 0, &want, &have, 0);
	if (!o->dev) {
		msg_warn("audio: sdl: %s; the VM runs silent", SDL_GetError());
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
		free(o);
		return -1;
	}
	o->period_frames = have.samples;
	/* SDL asks for whole periods at once, sometimes two back to back */
	audio_mixer_set_prefill(m, 2ull * have.samples * 1000000000ull / AUDIO_OUT_RATE);
	SDL_PauseAudioDevice(o->dev, 0);
	/* let the device get going (a new PulseAudio stream can pause for a
	 * second) so sound the guest makes right after boot is not lost */
	uint64_t t0 = clock_ns();
	while (clock_ns() - t0 < 3000000000ull &&
	       (atomic_load(&o->calls) < 6 || clock_ns() - t0 < 100000000ull))
		SDL_Delay(10);
	*state = o;
	return 0;
}

static void sdl_close(void *state)
{
	struct sdl_out *o = state;
	SDL_CloseAudioDevice(o->dev);
	SDL_QuitSubSystem(SDL_INIT_AUDIO);
	free(o);
}

static uint64_t sdl_latency(void *state)
{
	struct sdl_out *o = state;
	/* SDL keeps about two periods between us and the device */
	return 2ull * o->period_frames * 1000000000ull / AUDIO_OUT_RATE;
}

const struct audio_backend audio_backend_sdl = {
	.name = "sdl", .open = sdl_open, .close = sdl_close, .latency_ns = sdl_latency,
};
