/*
 * PulseAudio back end: a thread renders 5 ms periods from the mixer and hands
 * them to a pa_simple playback stream whose target buffer is ~20 ms, so the
 * blocking write paces the thread by the sound card's clock.
 * pa_simple connects with PA_STREAM_ADJUST_LATENCY, so tlength is honoured.
 *
 * Built into vmst-pulse.so (ui/plugin.h).
 */
#include <dirent.h>
#include <pthread.h>
#include <pulse/error.h>
#include <pulse/simple.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* <pulse/sample.h> pulls in <sys/param.h> and its MIN/MAX */
#undef MIN
#undef MAX
#include "ui/plugin_api.h"  /* what a plugin may use of the binary */
#include "ui/audio_backend.h"
#include "ui/plugin.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"

#define PERIOD_FRAMES (AUDIO_OUT_RATE / 200)   /* 5 ms */
#define TARGET_NS 20000000ull                  /* server-side buffer */

struct pulse_out {
	struct audio_mixer *m;
	pa_simple *s;
	pthread_t thread;
	_Atomic bool stop;
	_Atomic uint64_t latency_ns;
	uint64_t failures;
};

static void *pulse_thread(void *opaque)
{
	struct pulse_out *p = opaque;
	int16_t buf[PERIOD_FRAMES * 2];
	unsigned n = 0;
	audio_thread_realtime();
	while (!atomic_load(&p->stop)) {
		audio_mixer_render(p->m, buf, PERIOD_FRAMES);
		int err;
		if (pa_simple_write(p->s, buf, sizeof(buf), &err) < 0) {
			if (p->failures++ == 0)
				msg_warn("audio: pulse: %s; the VM runs silent", pa_strerror(err));
			break;
		}
		if ((n++ & 15) == 0) {
			pa_usec_t us = pa_simple_get_latency(p->s, &err);
			if (us != (pa_usec_t)-1)
				atomic_store(&p->latency_ns, us * 1000ull);

		}
	}
	return NULL;
}

/*
 * A new stream on an idle sink can sit for up to a second before the server
 * first takes data (seen with a null sink: the sink wakes from a long sleep).
 * Feed it silence until it consumes at the real rate, so guest sound played
 * right after boot is not lost in that pause (bounded to 3 s).
 */
static void pulse_settle(pa_simple *s)
{
	int16_t zero[PERIOD_FRAMES * 2] = { 0 };
	uint64_t t0 = clock_ns(), written = 0;
	for (;;) {
		int err;
		if (pa_simple_write(s, zero, sizeof(zero), &err) < 0)
			return;
		written += PERIOD_FRAMES * 1000000000ull / AUDIO_OUT_RATE;
		uint64_t el = clock_ns() - t0;
		if ((el >= 100000000ull && written <= el + 2 * TARGET_NS) || el > 3000000000ull)
			return;
	}
}

/*
 * pa_simple does its socket I/O on libpulse's own "threaded-ml" thread, which
 * wakes our writes; under load it must not wait behind busy threads either.
 * libpulse has no hook for that thread, so find it by name.
 */
static void pulse_mainloop_realtime(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[300], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "threaded-ml", 11)) {
			struct sched_param sp = { .sched_priority = 5 };
			pid_t tid = (pid_t)atoi(e->d_name);
			if (sched_setscheduler(tid, SCHED_FIFO, &sp) != 0)
				setpriority(PRIO_PROCESS, (id_t)tid, -10);
		}
		fclose(f);
	}
	closedir(d);
}

static int pulse_open(struct audio_mixer *m, const char *arg, void **state)
{
	pa_sample_spec ss = { .format = PA_SAMPLE_S16LE, .rate = AUDIO_OUT_RATE, .channels = 2 };
	uint32_t bpms = AUDIO_OUT_RATE * 4 / 1000;
	pa_buffer_attr attr = {
		.maxlength = (uint32_t)-1,
		.tlength = (uint32_t)(TARGET_NS / 1000000 * bpms),
		.prebuf = (uint32_t)-1,
		.minreq = PERIOD_FRAMES * 4,
		.fragsize = (uint32_t)-1,
	};
	int err;
	pa_simple *s = pa_simple_new(NULL, "vmstation", PA_STREAM_PLAYBACK,
				     *arg ? arg : NULL, "guest sound", &ss, NULL, &attr, &err);
	if (!s) {
		msg_warn("audio: no PulseAudio server (%s); the VM runs silent", pa_strerror(err));
		return -1;
	}
	pulse_mainloop_realtime();
	pulse_settle(s);
	struct pulse_out *p = xzalloc(sizeof(*p));
	p->m = m;
	p->s = s;
	if (pthread_create(&p->thread, NULL, pulse_thread, p)) {
		pa_simple_free(s);
		free(p);
		msg_warn("audio: pulse: cannot start its thread; the VM runs silent");
		return -1;
	}
	pthread_setname_np(p->thread, "audio-pulse");
	*state = p;
	return 0;
}

static void pulse_close(void *state)
{
	struct pulse_out *p = state;
	atomic_store(&p->stop, true);
	pthread_join(p->thread, NULL);
	pa_simple_free(p->s);
	free(p);
}

static uint64_t pulse_latency(void *state)
{
	struct pulse_out *p = state;
	return atomic_load(&p->latency_ns);
}

const struct audio_backend audio_backend_pulse = {
	.name = "pulse", .open = pulse_open, .close = pulse_close, .latency_ns = pulse_latency,
};

const struct pulse_plugin vmst_plugin_pulse = {
	.h = PLUGIN_HEADER_INIT,
	.audio = &audio_backend_pulse,
};
