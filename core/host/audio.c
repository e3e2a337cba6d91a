/*
 * The per-VM audio mixer: voice ring buffers, resampling to the output rate,
 * gains, volume/mute, and the choice of back end.
 *
 * Threads: devices push into rings from the VM's io thread (or vCPU threads);
 * the back end's thread calls audio_mixer_render(). Each ring has its own
 * short lock and nothing is called while holding it, so a device may hold its
 * own lock while pushing, and a generator may take its device lock while the
 * mixer renders. Voices are only added at device creation and never removed
 * before the mixer is freed, so render walks the voice array without a lock.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "core/host/audio.h"
#include "core/util.h"
#include "core/vm.h"

#define MAX_VOICES 16
#define RING_FRAMES 16384          /* power of two: ~370 ms at 44.1 kHz */
#define PREFILL_NS 8000000ull      /* default queue before (re)starting a voice */
/*
 * Beyond this the device has run ahead of the output clock (the host clock
 * and the sound card's drift apart over minutes): drop back to the prefill.
 * Large enough that a back end catching up after a scheduling delay renders
 * its backlog instead of tripping it.
 */
#define MAX_QUEUE_NS 150000000ull
#define GEN_CHUNK 64               /* frames per generator call */

struct audio_voice {
	struct audio_mixer *m;
	char name[32];
	pthread_mutex_t lock;      /* ring, format, counters */

	/* generator voices */
	audio_gen_fn gen;
	void *gen_opaque;
	int16_t gen_buf[GEN_CHUNK * 2];
	unsigned gen_pos, gen_len;

	void (*refill)(void *opaque);
	void *refill_opaque;

	/* input format */
	unsigned rate, channels;
	enum audio_fmt fmt;
	unsigned frame_bytes;
	uint8_t partial[4];
	unsigned n_partial;

	/* ring of S16 stereo frames; positions count frames forever */
	int16_t *ring;
	uint64_t wpos, rpos;
	bool primed;
	bool catchup;              /* queue grew after a stall: play 0.5% fast */
	_Atomic bool active;
	bool released;             /* under the mixer's render_lock */

	/* resampler state (render thread only) */
	uint64_t frac;             /* 32.32 position between cur and next */
	int16_t cur[2], next[2];

	_Atomic uint32_t gain_l, gain_r;

	/* statistics */
	uint64_t underruns, dropped_frames, frames_in, frames_out;
	uint64_t lat_ns_avg, lat_ns_max; /* queue + back end, sampled per render */
};

struct audio_mixer {
	struct vm *vm;
	const struct audio_backend *be;
	void *be_state;
	char be_desc[64];
	struct audio_voice *voices[MAX_VOICES];
	struct audio_voice *orphans[MAX_VOICES]; /* past MAX_VOICES: never mixed */
	unsigned n_orphans;
	_Atomic unsigned n_voices;
	_Atomic unsigned volume;   /* percent */
	_Atomic bool mute;
	_Atomic uint64_t prefill_ns;
	int32_t *acc;              /* render accumulator */
	unsigned acc_frames;
	pthread_mutex_t render_lock;
};

/* ---- format conversion --------------------------------------------------- */

static int16_t sample_at(const uint8_t *p, enum audio_fmt fmt)
{
	switch (fmt) {
	case AFMT_U8:  return (int16_t)((p[0] - 128) * 256);
	case AFMT_S8:  return (int16_t)((int8_t)p[0] * 256);
	case AFMT_S16: return (int16_t)ld16(p);
	case AFMT_U16: return (int16_t)(ld16(p) - 32768);
	}
	return 0;
}

static unsigned fmt_bytes(enum audio_fmt fmt)
{
	return fmt == AFMT_S16 || fmt == AFMT_U16 ? 2 : 1;
}

static void frame_from_bytes(const struct audio_voice *v, const uint8_t *p, int16_t out[2])
{
	out[0] = sample_at(p, v->fmt);
	out[1] = v->channels == 2 ? sample_at(p + fmt_bytes(v->fmt), v->fmt) : out[0];
}

/* ---- voices ------------------------------------------------------------- */

static struct audio_voice *voice_alloc(struct audio_mixer *m, const char *name)
{
	struct audio_voice *v = xzalloc(sizeof(*v));
	v->m = m;
	snprintf(v->name, sizeof(v->name), "%s", name);
	audio_mutex_init(&v->lock);
	v->rate = AUDIO_OUT_RATE;
	v->channels = 2;
	v->fmt = AFMT_S16;
	v->frame_bytes = 4;
	atomic_init(&v->gain_l, AUDIO_GAIN_UNITY);
	atomic_init(&v->gain_r, AUDIO_GAIN_UNITY);
	/* Voices are made at device creation only (one thread), so no race here. */
	unsigned n = atomic_load(&m->n_voices);
	if (n < MAX_VOICES) {
		m->voices[n] = v;
		atomic_store(&m->n_voices, n + 1);
	} else {
		msg_warn("audio: too many voices, %s is silent", name);
		m->orphans[m->n_orphans++ % MAX_VOICES] = v;
	}
	return v;
}

struct audio_voice *audio_voice_new(struct audio_mixer *m, const char *name)
{
	struct audio_voice *v = voice_alloc(m, name);
	v->ring = xzalloc(RING_FRAMES * 2 * sizeof(int16_t));
	return v;
}

struct audio_voice *audio_voice_new_generator(struct audio_mixer *m, const char *name,
					      unsigned rate, audio_gen_fn fn, void *opaque)
{
	struct audio_voice *v = voice_alloc(m, name);
	v->gen = fn;
	v->gen_opaque = opaque;
	v->rate = rate ? rate : AUDIO_OUT_RATE;
	return v;
}

void audio_voice_set_format(struct audio_voice *v, unsigned rate, unsigned channels,
			    enum audio_fmt fmt)
{
	if (rate < 1000)
		rate = 1000;
	if (rate > 192000)
		rate = 192000;
	channels = channels == 2 ? 2 : 1;
	pthread_mutex_lock(&v->lock);
	if (v->rate != rate || v->channels != channels || v->fmt != fmt) {
		v->rate = rate;
		v->channels = channels;
		v->fmt = fmt;
		v->frame_bytes = channels * fmt_bytes(fmt);
		v->n_partial = 0;
		v->rpos = v->wpos; /* old samples are meaningless now */
		v->primed = false;
	}
	pthread_mutex_unlock(&v->lock);
}

void audio_voice_set_active(struct audio_voice *v, bool active)
{
	atomic_store(&v->active, active);
}

void audio_voice_set_refill(struct audio_voice *v, void (*fn)(void *opaque), void *opaque)
{
	pthread_mutex_lock(&v->m->render_lock);
	v->refill = fn;
	v->refill_opaque = opaque;
	pthread_mutex_unlock(&v->m->render_lock);
}

void audio_voice_release(struct audio_voice *v)
{
	pthread_mutex_lock(&v->m->render_lock);
	v->released = true;
	v->gen = NULL;
	v->refill = NULL;
	atomic_store(&v->active, false);
	pthread_mutex_unlock(&v->m->render_lock);
}

void audio_voice_set_gain(struct audio_voice *v, uint32_t left, uint32_t right)
{
	atomic_store(&v->gain_l, left);
	atomic_store(&v->gain_r, right);
}

size_t audio_voice_write(struct audio_voice *v, const void *buf, size_t bytes)
{
	const uint8_t *p = buf;
	size_t used = 0;
	if (!v->ring)
		return bytes;
	pthread_mutex_lock(&v->lock);
	while (used < bytes) {
		if (v->wpos - v->rpos >= RING_FRAMES) {
			/* full: the consumer stalled; drop the oldest so the newest plays */
			v->rpos++;
			v->dropped_frames++;
		}
		const uint8_t *frame;
		if (v->n_partial || bytes - used < v->frame_bytes) {
			size_t take = MIN(v->frame_bytes - v->n_partial, bytes - used);
			memcpy(v->partial + v->n_partial, p + used, take);
			v->n_partial += take;
			used += take;
			if (v->n_partial < v->frame_bytes)
				break;
			v->n_partial = 0;
			frame = v->partial;
		} else {
			frame = p + used;
			used += v->frame_bytes;
		}
		int16_t *dst = &v->ring[(v->wpos % RING_FRAMES) * 2];
		frame_from_bytes(v, frame, dst);
		v->wpos++;
		v->frames_in++;
	}
	pthread_mutex_unlock(&v->lock);
	return used;
}

uint64_t audio_voice_queued_ns(struct audio_voice *v)
{
	pthread_mutex_lock(&v->lock);
	uint64_t q = (v->wpos - v->rpos) * 1000000000ull / v->rate;
	pthread_mutex_unlock(&v->lock);
	return q;
}

/* Frames of a duration at the voice's rate, rounded up. */
static uint64_t frames_for(const struct audio_voice *v, uint64_t ns)
{
	return (ns * v->rate + 999999999ull) / 1000000000ull;
}

/* Next source frame of a ring voice; silence (and maybe an underrun) when dry. */
static void ring_pop(struct audio_voice *v, int16_t out[2])
{
	uint64_t queued = v->wpos - v->rpos;
	if (!v->primed) {
		if (queued >= frames_for(v, atomic_load(&v->m->prefill_ns)) ||
		    (queued && !atomic_load(&v->active)))
			v->primed = true;
	}
	if (!v->primed || !queued) {
		if (v->primed && atomic_load(&v->active))
			v->underruns++;
		v->primed = false;
		out[0] = out[1] = 0;
		return;
	}
	memcpy(out, &v->ring[(v->rpos % RING_FRAMES) * 2], 2 * sizeof(int16_t));
	v->rpos++;
	v->frames_out++;
}

static void gen_pop(struct audio_voice *v, int16_t out[2])
{
	if (v->gen_pos >= v->gen_len) {
		if (atomic_load(&v->active))
			v->gen(v->gen_opaque, v->gen_buf, GEN_CHUNK);
		else
			memset(v->gen_buf, 0, sizeof(v->gen_buf));
		v->gen_pos = 0;
		v->gen_len = GEN_CHUNK;
	}
	out[0] = v->gen_buf[v->gen_pos * 2];
	out[1] = v->gen_buf[v->gen_pos * 2 + 1];
	v->gen_pos++;
	v->frames_out++;
}

/* Resample one voice into acc (linear interpolation), scaled by its gain. */
static void mix_voice(struct audio_mixer *m, struct audio_voice *v, unsigned frames,
		      uint64_t be_latency)
{
	if (v->gen) {
		if (!atomic_load(&v->active) && v->gen_pos >= v->gen_len)
			return;
	} else {
		if (v->refill)
			v->refill(v->refill_opaque);
		pthread_mutex_lock(&v->lock);
		bool idle = v->wpos == v->rpos && !atomic_load(&v->active);
		if (idle) {
			v->primed = false;
			pthread_mutex_unlock(&v->lock);
			return;
		}
		/* the device ran ahead of the output clock: catch up */
		uint64_t queued = v->wpos - v->rpos;
		uint64_t prefill = atomic_load(&m->prefill_ns);
		if (queued > frames_for(v, prefill + MAX_QUEUE_NS)) {
			uint64_t skip = queued - frames_for(v, prefill);
			v->rpos += skip;
			v->dropped_frames += skip;
		}
	}
	uint64_t step = ((uint64_t)v->rate << 32) / AUDIO_OUT_RATE;
	if (!v->gen) {
		/*
		 * After the back end stalled the queue holds more than the prefill:
		 * consume 0.5% faster (inaudible) until it is back near the prefill,
		 * so latency returns to its target without skipping samples.
		 */
		uint64_t queued = v->wpos - v->rpos, prefill = atomic_load(&m->prefill_ns);
		if (queued > frames_for(v, 2 * prefill + 12000000ull))
			v->catchup = true;
		else if (queued < frames_for(v, prefill + 4000000ull))
			v->catchup = false;
		if (v->catchup)
			step += step / 200;
	}
	int64_t gl = atomic_load(&v->gain_l), gr = atomic_load(&v->gain_r);
	for (unsigned i = 0; i < frames; i++) {
		int64_t f = (int64_t)(v->frac >> 16); /* 0..65535 */
		int32_t l = v->cur[0] + (int32_t)(((v->next[0] - v->cur[0]) * f) >> 16);
		int32_t r = v->cur[1] + (int32_t)(((v->next[1] - v->cur[1]) * f) >> 16);
		m->acc[i * 2] += (int32_t)((l * gl) >> 16);
		m->acc[i * 2 + 1] += (int32_t)((r * gr) >> 16);
		v->frac += step;
		while (v->frac >= (1ull << 32)) {
			v->frac -= 1ull << 32;
			v->cur[0] = v->next[0];
			v->cur[1] = v->next[1];
			if (v->gen)
				gen_pop(v, v->next);
			else
				ring_pop(v, v->next);
		}
	}
	if (!v->gen) {
		uint64_t lat = (v->wpos - v->rpos) * 1000000000ull / v->rate + be_latency;
		v->lat_ns_avg = v->lat_ns_avg ? (v->lat_ns_avg * 15 + lat) / 16 : lat;
		if (lat > v->lat_ns_max && v->primed)
			v->lat_ns_max = lat;
		pthread_mutex_unlock(&v->lock);
	}
}

void audio_mixer_set_prefill(struct audio_mixer *m, uint64_t ns)
{
	atomic_store(&m->prefill_ns, ns);
}

void audio_mixer_render(struct audio_mixer *m, int16_t *out, unsigned frames)
{
	pthread_mutex_lock(&m->render_lock);
	if (frames > m->acc_frames) {
		m->acc = xrealloc(m->acc, frames * 2 * sizeof(int32_t));
		m->acc_frames = frames;
	}
	memset(m->acc, 0, frames * 2 * sizeof(int32_t));
	uint64_t be_lat = m->be && m->be->latency_ns ? m->be->latency_ns(m->be_state) : 0;
	unsigned n = atomic_load(&m->n_voices);
	for (unsigned i = 0; i < n; i++)
		if (!m->voices[i]->released)
			mix_voice(m, m->voices[i], frames, be_lat);
	/* volume: percent mapped to a gentle curve (x^2) like most desktop sliders */
	unsigned vol = atomic_load(&m->volume);
	int64_t g = atomic_load(&m->mute) ? 0 : (int64_t)vol * vol * 65536 / 10000;
	for (unsigned i = 0; i < frames * 2; i++) {
		int64_t s = (m->acc[i] * g) >> 16;
		out[i] = (int16_t)(s > 32767 ? 32767 : s < -32768 ? -32768 : s);
	}
	pthread_mutex_unlock(&m->render_lock);
}

/* ---- per-VM mixer ------------------------------------------------------- */

static void mixer_free(void *opaque)
{
	struct audio_mixer *m = opaque;
	if (m->be && m->be->close)
		m->be->close(m->be_state);
	unsigned n = atomic_load(&m->n_voices);
	for (unsigned i = 0; i < n + MIN(m->n_orphans, MAX_VOICES); i++) {
		struct audio_voice *v = i < n ? m->voices[i] : m->orphans[i - n];
		free(v->ring);
		pthread_mutex_destroy(&v->lock);
		free(v);
	}
	free(m->acc);
	pthread_mutex_destroy(&m->render_lock);
	if (m->vm->audio == m)
		m->vm->audio = NULL;
	free(m);
}

struct audio_mixer *audio_of(struct vm *vm)
{
	if (vm->audio)
		return vm->audio;
	struct audio_mixer *m = xzalloc(sizeof(*m));
	m->vm = vm;
	atomic_init(&m->volume, 100);
	atomic_init(&m->prefill_ns, PREFILL_NS);
	audio_mutex_init(&m->render_lock);
	vm->audio = m;
	vm_add_free_hook(vm, mixer_free, m);

	snprintf(m->be_desc, sizeof(m->be_desc), "none");
	return m;
}

void audio_mixer_set_backend(struct audio_mixer *m, const struct audio_backend *be,
			     void *state, const char *desc)
{
	m->be = be;
	m->be_state = state;
	snprintf(m->be_desc, sizeof(m->be_desc), "%s", desc);
}

void audio_mutex_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

void audio_thread_realtime(void)
{
	/* a low real-time priority: above busy vCPU and build threads, below
	 * anything that matters more; without the privilege, a nicer nice */
	struct sched_param sp = { .sched_priority = 5 };
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) != 0)
		setpriority(PRIO_PROCESS, (id_t)gettid(), -10);
}

/* ---- monitor ------------------------------------------------------------ */

static const char *fmt_name(enum audio_fmt f)
{
	switch (f) {
	case AFMT_U8: return "u8";
	case AFMT_S8: return "s8";
	case AFMT_S16: return "s16";
	case AFMT_U16: return "u16";
	}
	return "?";
}

void audio_info(struct vm *vm, FILE *out)
{
	struct audio_mixer *m = vm->audio;
	if (!m) {
		fprintf(out, "audio: no sound devices\n");
		return;
	}
	uint64_t be_lat = m->be && m->be->latency_ns ? m->be->latency_ns(m->be_state) : 0;
	fprintf(out, "audio: backend %s, %u Hz stereo s16, volume %u%%%s, backend latency %.1f ms\n",
		m->be_desc, AUDIO_OUT_RATE, atomic_load(&m->volume),
		atomic_load(&m->mute) ? " (muted)" : "", be_lat / 1e6);
	unsigned n = atomic_load(&m->n_voices);
	for (unsigned i = 0; i < n; i++) {
		struct audio_voice *v = m->voices[i];
		pthread_mutex_lock(&v->lock);
		if (v->gen)
			fprintf(out, "  %s: %u Hz synth, %s, %llu frames\n", v->name, v->rate,
				atomic_load(&v->active) ? "active" : "idle",
				(unsigned long long)v->frames_out);
		else
			fprintf(out, "  %s: %u Hz %s %s, %s, queued %.1f ms, underruns %llu, "
				"dropped %llu, latency avg %.1f ms max %.1f ms, %llu frames\n",
				v->name, v->rate, fmt_name(v->fmt),
				v->channels == 2 ? "stereo" : "mono",
				atomic_load(&v->active) ? "playing" : "stopped",
				(v->wpos - v->rpos) * 1e3 / v->rate,
				(unsigned long long)v->underruns,
				(unsigned long long)v->dropped_frames, v->lat_ns_avg / 1e6,
				v->lat_ns_max / 1e6, (unsigned long long)v->frames_in);
		pthread_mutex_unlock(&v->lock);
	}
}

void audio_set_volume(struct vm *vm, unsigned percent)
{
	if (vm->audio)
		atomic_store(&vm->audio->volume, percent > 100 ? 100 : percent);
}

unsigned audio_get_volume(struct vm *vm)
{
	return vm->audio ? atomic_load(&vm->audio->volume) : 100;
}

void audio_set_mute(struct vm *vm, bool mute)
{
	if (vm->audio)
		atomic_store(&vm->audio->mute, mute);
}

bool audio_get_mute(struct vm *vm)
{
	return vm->audio ? atomic_load(&vm->audio->mute) : false;
}

uint64_t audio_underruns(struct vm *vm)
{
	struct audio_mixer *m = vm->audio;
	uint64_t total = 0;
	if (!m)
		return 0;
	unsigned n = atomic_load(&m->n_voices);
	for (unsigned i = 0; i < n; i++) {
		pthread_mutex_lock(&m->voices[i]->lock);
		total += m->voices[i]->underruns;
		pthread_mutex_unlock(&m->voices[i]->lock);
	}
	return total;
}

bool audio_playing(struct vm *vm)
{
	struct audio_mixer *m = vm->audio;
	if (!m)
		return false;
	unsigned n = atomic_load(&m->n_voices);
	for (unsigned i = 0; i < n; i++)
		if (atomic_load(&m->voices[i]->active))
			return true;
	return false;
}
