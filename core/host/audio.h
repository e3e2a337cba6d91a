/*
 * Guest sound: voices and the per-VM mixer, the interface between the sound
 * chips below and the audio back ends above.
 *
 * A device owns one or more voices. A voice has its own sample rate and
 * format; the device either pushes samples into the voice's ring buffer
 * (Sound Blaster DMA, paced by the device's own audio-clock timer) or lets
 * the mixer pull them from a generator callback (OPL3 FM, PC speaker). The
 * mixer resamples every voice to the output rate, applies the voice gains
 * and the VM's volume/mute. A back end (ui/audio_backend.h: PulseAudio, SDL,
 * a wav file), chosen and started by the application from the VM's audio=,
 * pulls the result; until one is attached the mixer is silent.
 */
#ifndef VMST_AUDIO_H
#define VMST_AUDIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vm;
struct audio_mixer;
struct audio_voice;

/* Sample formats a voice accepts from its device (little-endian). */
enum audio_fmt { AFMT_U8, AFMT_S8, AFMT_S16, AFMT_U16 };

#define AUDIO_OUT_RATE 44100      /* mixer output: S16LE stereo */
#define AUDIO_GAIN_UNITY 65536    /* gains are 16.16 fixed point */

/* ---- for devices ------------------------------------------------------ */

/*
 * The VM's mixer, created on first use (and published as vm->audio), with no
 * back end yet. Never NULL.
 */
struct audio_mixer *audio_of(struct vm *vm);

/* A pushed voice (ring buffer). name shows in `info audio`. */
struct audio_voice *audio_voice_new(struct audio_mixer *m, const char *name);
/*
 * A pulled voice: fn fills frames of interleaved S16 stereo at rate, called
 * on the audio thread (the device takes its own lock inside).
 */
typedef void (*audio_gen_fn)(void *opaque, int16_t *stereo, unsigned frames);
struct audio_voice *audio_voice_new_generator(struct audio_mixer *m, const char *name,
					      unsigned rate, audio_gen_fn fn, void *opaque);

/*
 * Optional for pushed voices: called on the audio thread just before the
 * mixer reads the ring, so the device can move what is due by now (the SB16
 * pulls its DMA here as well as from its own timer). Called without mixer
 * locks held; the device takes its own.
 */
void audio_voice_set_refill(struct audio_voice *v, void (*fn)(void *opaque), void *opaque);
/* Format of the samples the device will push; flushes the ring if it changes. */
void audio_voice_set_format(struct audio_voice *v, unsigned rate, unsigned channels,
			    enum audio_fmt fmt);
/*
 * Playing state. A playing pushed voice that runs dry counts an underrun;
 * stopping lets what is queued play out. A generator voice is only called
 * while active.
 */
void audio_voice_set_active(struct audio_voice *v, bool active);
/* Push raw samples in the voice's format; returns bytes accepted (drops when full). */
size_t audio_voice_write(struct audio_voice *v, const void *buf, size_t bytes);
/* Queued audio in the voice's ring, in nanoseconds of playback. */
uint64_t audio_voice_queued_ns(struct audio_voice *v);
/*
 * The device is going away: after this returns the mixer never calls the
 * voice's generator again and ignores the voice (it is freed with the mixer).
 */
void audio_voice_release(struct audio_voice *v);
/* Device-side gain (SB16 mixer registers), 16.16 per channel. */
void audio_voice_set_gain(struct audio_voice *v, uint32_t left, uint32_t right);

/* ---- for the monitor and the panel ------------------------------------ */

/* `info audio`: back end, volume, each voice with rate, format, underruns, latency. */
void audio_info(struct vm *vm, FILE *out);
/* Per-VM volume in percent (0-100) and mute, safe while playing, any thread. */
void audio_set_volume(struct vm *vm, unsigned percent);
unsigned audio_get_volume(struct vm *vm);
void audio_set_mute(struct vm *vm, bool mute);
bool audio_get_mute(struct vm *vm);
/* Total underruns over all voices (for the panel). */
uint64_t audio_underruns(struct vm *vm);
/*
 * Whether the guest is making sound now: a pushed voice the device has
 * started (sb16 DMA playback) or a generator voice that is on (an OPL note,
 * the PC speaker's tone). Lock-free, any thread (the panel's live figures).
 */
bool audio_playing(struct vm *vm);

/* ---- for back ends (ui/audio_*.c) -------------------------------------- */

/*
 * How much a pushed voice queues before it starts (default 8 ms): a back end
 * that pulls in large bursts (SDL) needs more, or the first burst runs dry.
 */
void audio_mixer_set_prefill(struct audio_mixer *m, uint64_t ns);
/* Mix frames of S16 stereo at AUDIO_OUT_RATE into out (any thread). */
void audio_mixer_render(struct audio_mixer *m, int16_t *out, unsigned frames);

/*
 * A mutex with priority inheritance, for every lock the audio thread may wait
 * on (device state, voice rings): a busy vCPU or io thread holding it then
 * runs at the audio thread's priority until it lets go.
 */
void audio_mutex_init(pthread_mutex_t *m);
/* Called first thing on a back end's own thread: raise its scheduling priority. */
void audio_thread_realtime(void);

/* What a back end offers the mixer; ui/audio_backend.c picks one. */
struct audio_backend {
	const char *name;
	/* Start playing, pulling from audio_mixer_render. arg: text after "name:". */
	int (*open)(struct audio_mixer *m, const char *arg, void **state);
	void (*close)(void *state);
	/* Delay from handing samples over to hearing them, if known (else 0). */
	uint64_t (*latency_ns)(void *state);
};
/* Play through be (opened, with its state) from now on; closed with the
 * mixer. desc shows in `info audio` ("pulse", "wav:/tmp/x.wav"). */
void audio_mixer_set_backend(struct audio_mixer *m, const struct audio_backend *be,
			     void *state, const char *desc);

#endif
