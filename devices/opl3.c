/*
 * The OPL3 device: ports 0x388-0x38B (AdLib/OPL3), and with a Sound Blaster
 * also base+0..3 and base+8/9; the chip's two timers and status register.
 *
 * Timers (YMF262 manual, register 0x02-0x04): timer 1 counts up from its
 * register every 80 us, timer 2 every 320 us; on overflow they set status
 * bits 6/5 and bit 7 (IRQ) unless masked, and reload. They are evaluated
 * lazily against CLOCK_MONOTONIC when the status is read, so AdLib detection
 * (start timer 1 at 0xFF, wait 80 us, expect status 0xC0) sees real timing.
 * Status bits 2:1 read 0 on an OPL3 (an OPL2 shows 0x06): how programs tell
 * them apart.
 *
 * Sound: the chip renders on the audio thread into the "opl3" voice at its
 * own 49716 Hz; the voice sleeps while every operator is silent.
 */
#include <stdlib.h>

#include "core/host/audio.h"
#include "devices/opl3.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"

struct opl3 {
	struct vm *vm;
	pthread_mutex_t lock;
	struct opl3_chip *chip;
	struct audio_voice *voice;
	unsigned addr;                /* latched register, bit 8 = bank */
	uint8_t t1, t2, ctrl, status;
	uint64_t t1_start, t2_start;  /* when the running timer last (re)loaded */
	uint64_t writes;
};

struct opl3 *opl3_of(struct vm *vm)
{
	return vm_lookup(vm, "opl3");
}

struct audio_voice *opl3_voice(struct opl3 *o)
{
	return o ? o->voice : NULL;
}

static void timer_check(uint64_t now, uint64_t *start, uint8_t count, uint64_t tick_ns,
			uint8_t *status, uint8_t flag)
{
	uint64_t period = (256u - count) * tick_ns;
	if (now < *start + period)
		return;
	*status |= flag | 0x80;
	*start += period * ((now - *start) / period);
}

static uint8_t read_status(struct opl3 *o)
{
	uint64_t now = clock_ns();
	if ((o->ctrl & 0x01) && !(o->ctrl & 0x40))
		timer_check(now, &o->t1_start, o->t1, 80000, &o->status, 0x40);
	if ((o->ctrl & 0x02) && !(o->ctrl & 0x20))
		timer_check(now, &o->t2_start, o->t2, 320000, &o->status, 0x20);
	return o->status;
}

static void write_data(struct opl3 *o, uint8_t v)
{
	unsigned reg = o->addr;
	o->writes++;
	switch (reg) {
	case 0x02: o->t1 = v; break;
	case 0x03: o->t2 = v; break;
	case 0x04:
		if (v & 0x80) {
			o->status = 0; /* IRQ reset; the other bits are ignored */
			break;
		}
		uint64_t now = clock_ns();
		if ((v & 1) && !(o->ctrl & 1))
			o->t1_start = now;
		if ((v & 2) && !(o->ctrl & 2))
			o->t2_start = now;
		o->ctrl = v & 0x63;
		break;
	}
	if (opl3_chip_write(o->chip, reg, v))
		audio_voice_set_active(o->voice, true);
}

static uint64_t opl3_read(void *opaque, uint64_t offset, unsigned size)
{
	struct opl3 *o = opaque;
	uint64_t val = 0;
	pthread_mutex_lock(&o->lock);
	for (unsigned i = 0; i < size; i++)
		val |= (uint64_t)((offset + i) == 0 ? read_status(o) : 0xFF) << (8 * i);
	pthread_mutex_unlock(&o->lock);
	return val;
}

static void opl3_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct opl3 *o = opaque;
	pthread_mutex_lock(&o->lock);
	for (unsigned i = 0; i < size; i++) {
		uint8_t v = (uint8_t)(value >> (8 * i));
		switch ((offset + i) & 3) {
		case 0: o->addr = v; break;
		case 2: o->addr = 0x100 | v; break;
		default: write_data(o, v); break;
		}
	}
	pthread_mutex_unlock(&o->lock);
}

static const struct io_ops opl3_ops = { .read = opl3_read, .write = opl3_write };

/* Runs on the audio thread. */
static void opl3_generate(void *opaque, int16_t *stereo, unsigned frames)
{
	struct opl3 *o = opaque;
	pthread_mutex_lock(&o->lock);
	if (!opl3_chip_render(o->chip, stereo, frames))
		audio_voice_set_active(o->voice, false);
	pthread_mutex_unlock(&o->lock);
}

static void opl3_reset(void *opaque)
{
	struct opl3 *o = opaque;
	pthread_mutex_lock(&o->lock);
	opl3_chip_reset(o->chip);
	o->addr = 0;
	o->t1 = o->t2 = o->ctrl = o->status = 0;
	audio_voice_set_active(o->voice, false);
	pthread_mutex_unlock(&o->lock);
}

static void opl3_free(void *opaque)
{
	struct opl3 *o = opaque;
	audio_voice_release(o->voice);
	opl3_chip_free(o->chip);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

int opl3_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	if (!cfg)
		return 0;
	bool sb = vmconfig_soundhw_has(cfg, "sb16");
	if (!sb && !vmconfig_soundhw_has(cfg, "adlib") && !vmconfig_soundhw_has(cfg, "opl3"))
		return 0;
	struct opl3 *o = xzalloc(sizeof(*o));
	o->vm = vm;
	audio_mutex_init(&o->lock);
	o->chip = opl3_chip_new();
	o->voice = audio_voice_new_generator(audio_of(vm), "opl3", OPL3_RATE, opl3_generate, o);
	if (vm_register_pio(vm, 0x388, 4, &opl3_ops, o, "opl3") < 0) {
		msg_error("opl3: ports 0x388-0x38b are taken");
		goto fail;
	}
	if (sb) {
		unsigned base = cfg->sb16_port ? cfg->sb16_port : 0x220;
		if (vm_register_pio(vm, (uint16_t)base, 4, &opl3_ops, o, "opl3") < 0 ||
		    vm_register_pio(vm, (uint16_t)(base + 8), 2, &opl3_ops, o, "opl3") < 0) {
			msg_error("opl3: ports 0x%x-0x%x are taken", base, base + 3);
			goto fail;
		}
	}
	vm_add_reset_hook(vm, opl3_reset, o);
	vm_add_free_hook(vm, opl3_free, o);
	vm_publish(vm, "opl3", o);
	return 0;
fail:
	opl3_chip_free(o->chip);
	free(o);
	return -1;
}
