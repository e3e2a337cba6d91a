/*
 * Port 0x61 (system control port B) and the PC speaker.
 *
 * Bits: 0 = timer 2 gate, 1 = speaker data, 2/3 parity/IO-check enables,
 * 4 = refresh toggle (flips every 15.085 us), 5 = timer 2 output (OUT2).
 * The PIT lives in the kernel (KVM_CREATE_PIT2 without the speaker dummy),
 * so channel 2's count and mode are read with KVM_GET_PIT2 and its gate is
 * written with KVM_SET_PIT2; OUT2 is computed from the count's load time, so
 * firmware and kernels that calibrate the TSC by polling OUT2 work.
 *
 * With soundhw='pcspk' the speaker is a voice: while gate and data are set
 * the channel-2 square wave sounds at 1193182 / count Hz, rendered with each
 * sample the average of the wave over its interval (no harsh aliasing).
 * A unit-test VM has no KVM PIT: a small channel-2 model at 0x42/0x43 stands in.
 */
#include <linux/kvm.h>
#include <math.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "core/host/audio.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"

#define PIT_HZ 1193182ull
#define SPK_AMPLITUDE 8000

struct pcspk {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t ctrl;                  /* bits 0-3 as written */
	struct audio_voice *voice;
	/* channel 2 as last read (or modelled) */
	unsigned count, mode;
	uint64_t load_ns;
	uint64_t pit_read_ns;          /* when KVM_GET_PIT2 last ran for the voice */
	double phase;                  /* square wave phase in cycles */
	/* test model (no KVM): access state of port 0x42 */
	bool model;
	uint8_t rw_mode, write_lo, write_state;
};

/* Refresh count, mode and load time of channel 2 from the kernel's PIT. */
static void pit_fetch(struct pcspk *p)
{
	if (p->model)
		return;
	struct kvm_pit_state2 st;
	if (ioctl(p->vm->vm_fd, KVM_GET_PIT2, &st) < 0)
		return;
	p->count = st.channels[2].count ? st.channels[2].count : 0x10000;
	p->mode = st.channels[2].mode;
	p->load_ns = (uint64_t)st.channels[2].count_load_time;
}

static void pit_set_gate(struct pcspk *p, bool gate)
{
	if (p->model) {
		if (gate)
			p->load_ns = clock_ns(); /* a rising gate restarts modes 1-3, 5 */
		return;
	}
	struct kvm_pit_state2 st;
	if (ioctl(p->vm->vm_fd, KVM_GET_PIT2, &st) < 0)
		return;
	st.channels[2].gate = gate;
	ioctl(p->vm->vm_fd, KVM_SET_PIT2, &st);
}

/* OUT2 for the current mode at time now (8254 data sheet, modes 0-5). */
static bool out2(struct pcspk *p, uint64_t now)
{
	uint64_t count = p->count ? p->count : 0x10000;
	uint64_t ticks = now > p->load_ns ? (now - p->load_ns) * PIT_HZ / 1000000000ull : 0;
	if (!(p->ctrl & 1) && p->mode != 0 && p->mode != 4)
		return true; /* gate low holds the output high */
	switch (p->mode) {
	case 0: case 1: return ticks >= count;          /* high at terminal count */
	case 2: case 6: return ticks % count != count - 1;
	case 3: case 7: return ticks % count < (count + 1) / 2;
	default: return ticks != count;                 /* 4, 5: one-tick strobe */
	}
}

static uint64_t spk_read(void *opaque, uint64_t offset, unsigned size)
{
	struct pcspk *p = opaque;
	(void)offset; (void)size;
	uint64_t now = clock_ns();
	pthread_mutex_lock(&p->lock);
	pit_fetch(p);
	uint8_t v = (uint8_t)(p->ctrl & 0x0F);
	if ((now / 15085) & 1)
		v |= 0x10;
	if (out2(p, now))
		v |= 0x20;
	pthread_mutex_unlock(&p->lock);
	return v;
}

static void spk_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct pcspk *p = opaque;
	(void)offset; (void)size;
	pthread_mutex_lock(&p->lock);
	uint8_t old = p->ctrl;
	p->ctrl = value & 0x0F;
	if ((old ^ p->ctrl) & 1)
		pit_set_gate(p, p->ctrl & 1);
	if (p->voice && (p->ctrl & 3) == 3)
		audio_voice_set_active(p->voice, true);
	pthread_mutex_unlock(&p->lock);
}

static const struct io_ops spk_ops = { .read = spk_read, .write = spk_write };

/* ---- channel-2 model for unit-test VMs ----------------------------------- */

static uint64_t model_read(void *opaque, uint64_t offset, unsigned size)
{
	struct pcspk *p = opaque;
	(void)size;
	if (offset != 0)
		return 0xFF;
	pthread_mutex_lock(&p->lock);
	uint64_t ticks = (clock_ns() - p->load_ns) * PIT_HZ / 1000000000ull;
	unsigned cur = (unsigned)(p->count - ticks % p->count);
	pthread_mutex_unlock(&p->lock);
	return cur & 0xFF;
}

static void model_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct pcspk *p = opaque;
	(void)size;
	pthread_mutex_lock(&p->lock);
	if (offset == 1) {                                  /* 0x43 control word */
		if ((value >> 6) == 2 && ((value >> 4) & 3)) {
			p->rw_mode = (value >> 4) & 3;
			p->mode = (value >> 1) & 7;
			p->write_state = 0;
		}
	} else {                                            /* 0x42 count */
		bool done = true;
		unsigned c = 0;
		if (p->rw_mode == 1) {
			c = (unsigned)value & 0xFF;
		} else if (p->rw_mode == 2) {
			c = ((unsigned)value & 0xFF) << 8;
		} else if (p->write_state == 0) {
			p->write_lo = (uint8_t)value;
			p->write_state = 1;
			done = false;
		} else {
			c = p->write_lo | ((unsigned)value & 0xFF) << 8;
			p->write_state = 0;
		}
		if (done) {
			p->count = c ? c : 0x10000;
			p->load_ns = clock_ns();
		}
	}
	pthread_mutex_unlock(&p->lock);
}

static const struct io_ops model_ops = { .read = model_read, .write = model_write };

/* ---- the voice ------------------------------------------------------------ */

/* Integral of a +1/-1 square wave (period 1) from 0 to x's fraction. */
static double square_integral(double x)
{
	double f = x - floor(x);
	return f < 0.5 ? f : 1.0 - f;
}

static void spk_generate(void *opaque, int16_t *stereo, unsigned frames)
{
	struct pcspk *p = opaque;
	pthread_mutex_lock(&p->lock);
	uint64_t now = clock_ns();
	if (now - p->pit_read_ns > 5000000ull) {
		pit_fetch(p);
		p->pit_read_ns = now;
	}
	bool on = (p->ctrl & 3) == 3;
	bool square = on && (p->mode == 3 || p->mode == 7);
	double freq = (double)PIT_HZ / (p->count ? p->count : 0x10000);
	double inc = freq / AUDIO_OUT_RATE;
	for (unsigned i = 0; i < frames; i++) {
		double v;
		if (square && inc < 0.5) {
			double a = p->phase, b = p->phase + inc;
			/* whole periods integrate to zero */
			v = (square_integral(b) - square_integral(a)) / inc;
			p->phase = b - floor(b);
		} else {
			/* a static level (data bit with the timer output high) or an ultrasonic tone */
			v = 0.0;
		}
		int16_t s = (int16_t)lrint(v * SPK_AMPLITUDE);
		stereo[2 * i] = stereo[2 * i + 1] = s;
	}
	if (!on)
		audio_voice_set_active(p->voice, false);
	pthread_mutex_unlock(&p->lock);
}

static void spk_reset(void *opaque)
{
	struct pcspk *p = opaque;
	pthread_mutex_lock(&p->lock);
	p->ctrl = 0;
	if (p->voice)
		audio_voice_set_active(p->voice, false);
	pthread_mutex_unlock(&p->lock);
}

static void spk_free(void *opaque)
{
	struct pcspk *p = opaque;
	if (p->voice)
		audio_voice_release(p->voice);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int pcspk_create(struct vm *vm)
{
	struct pcspk *p = xzalloc(sizeof(*p));
	p->vm = vm;
	audio_mutex_init(&p->lock);
	p->count = 0x10000;
	p->mode = 3;
	p->model = vm->vm_fd < 0;
	if (vm_register_pio(vm, 0x61, 1, &spk_ops, p, "pcspk") < 0) {
		msg_error("pcspk: port 0x61 is taken");
		free(p);
		return -1;
	}
	if (p->model)
		vm_register_pio(vm, 0x42, 2, &model_ops, p, "pit2-model"); /* free in tests */
	if (vm->cfg && vmconfig_soundhw_has(vm->cfg, "pcspk"))
		p->voice = audio_voice_new_generator(audio_of(vm), "pcspk", AUDIO_OUT_RATE,
						     spk_generate, p);
	vm_add_reset_hook(vm, spk_reset, p);
	vm_add_free_hook(vm, spk_free, p);
	vm_publish(vm, "pcspk", p);
	return 0;
}
