/*
 * Sound Blaster 16: I/O ports, interrupts and the DMA engine paced by the
 * audio clock.
 *
 * Ports (base 0x220 by default): +4 mixer index, +5 mixer data, +6 DSP reset,
 * +0xA DSP read data, +0xC DSP write command/data (read: write-buffer status),
 * +0xE read-buffer status and 8-bit IRQ acknowledge, +0xF 16-bit IRQ
 * acknowledge. +0..+3 and +8/+9 belong to the OPL3 (devices/opl3.c).
 *
 * Pacing: while a DMA transfer runs, a timer on the VM's io thread moves the
 * bytes that are due at the programmed sample rate by CLOCK_MONOTONIC, so a
 * block's interrupt comes when the block would have finished playing on the
 * card, however fast or slow the vCPU runs. The bytes go into the "sb16"
 * voice's ring; the mixer resamples them for the back end. The mixer also
 * asks for what is due right before it reads the ring (sb16_refill), so a
 * late io thread on a busy host cannot starve playback.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/host/audio.h"
#include "core/evloop.h"
#include "devices/isadma.h"
#include "devices/opl3.h"
#include "devices/sb16.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"

#define STALL_RESYNC_NS 100000000ull /* further behind than this: skip, don't burst */

/* ---- interrupts ---------------------------------------------------------- */

static unsigned irq_line(const struct sb16 *s)
{
	return s->irq == 2 ? 9 : s->irq;
}

void sb16_raise_irq(struct sb16 *s, uint8_t bits)
{
	s->irq_status |= bits;
	if (bits & 1)
		s->irqs8++;
	if (bits & 2)
		s->irqs16++;
	vm_set_irq(s->vm, irq_line(s), 1);
}

void sb16_ack_irq(struct sb16 *s, uint8_t bits)
{
	if (!(s->irq_status & bits))
		return;
	s->irq_status &= ~bits;
	if (!(s->irq_status & 3))
		vm_set_irq(s->vm, irq_line(s), 0);
}

/* ---- DMA engine ---------------------------------------------------------- */

static uint64_t ns_for_bytes(const struct sb16 *s, uint64_t bytes)
{
	return s->bytes_per_sec ? bytes * 1000000000ull / s->bytes_per_sec : 0;
}

static void timer_arm(struct sb16 *s, uint64_t when)
{
	struct itimerspec its = { 0 };
	if (when) {
		its.it_value.tv_sec = (time_t)(when / 1000000000ull);
		its.it_value.tv_nsec = (long)(when % 1000000000ull);
	}
	timerfd_settime(s->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void arm_next(struct sb16 *s, uint64_t now)
{
	if (s->timer_fd < 0)
		return;
	uint64_t next = UINT64_MAX;
	if (s->xfer != XFER_NONE && !s->paused) {
		next = now + SB16_TICK_NS;
		/* the block's end, so its interrupt is on time */
		uint64_t end = s->anchor_ns +
			       ns_for_bytes(s, s->bytes_done + s->left_in_block - s->anchor_bytes);
		if (end < next)
			next = MAX(end, now + 100000);
	}
	if (s->dac_on)
		next = MIN(next, now + SB16_TICK_NS);
	timer_arm(s, next != UINT64_MAX ? next : 0);
}

void sb16_dma_start(struct sb16 *s)
{
	uint64_t now = s->clock();
	s->chan = s->dma_16 && s->dma16 >= 0 ? s->dma16 : s->dma8;
	unsigned rate = s->rate ? s->rate : 11025;
	unsigned frame_rate = rate;
	/* An SBPro-style stereo rate (time constant) counts both channels. */
	if (s->rate_from_tc && s->stereo && !s->dma_16)
		frame_rate = rate / 2;
	frame_rate = MAX(frame_rate, 1000u);
	frame_rate = MIN(frame_rate, 48000u);
	unsigned width = s->dma_16 ? 2 : 1, ch = s->stereo ? 2 : 1;
	if (s->xfer == XFER_SILENCE) {
		/* nothing to hear: leave the voice (and what it still plays) alone */
		s->bytes_per_sec = MAX(frame_rate, 1u);
	} else if (s->adpcm != ADPCM_NONE) {
		/* 4-bit: 2 samples a byte; 2.6-bit: 3; 2-bit: 4 */
		unsigned per_byte = s->adpcm == ADPCM_4 ? 2 : s->adpcm == ADPCM_3 ? 3 : 4;
		s->bytes_per_sec = MAX(frame_rate / per_byte, 1u);
		audio_voice_set_format(s->voice, frame_rate, 1, AFMT_U8);
	} else {
		s->bytes_per_sec = (uint64_t)frame_rate * width * ch;
		audio_voice_set_format(s->voice, frame_rate, ch,
				       s->dma_16 ? (s->is_signed ? AFMT_S16 : AFMT_U16)
						 : (s->is_signed ? AFMT_S8 : AFMT_U8));
	}
	if (!s->block_bytes)
		s->block_bytes = 1;
	s->left_in_block = s->block_bytes;
	s->anchor_ns = now;
	s->anchor_bytes = s->bytes_done = 0;
	s->paused = false;
	audio_voice_set_active(s->voice, s->xfer == XFER_DAC);
	if (s->dma && s->xfer != XFER_SILENCE)
		isadma_set_dreq(s->dma, s->chan, true);
	arm_next(s, now);
}

void sb16_dma_stop(struct sb16 *s)
{
	if (s->xfer == XFER_NONE)
		return;
	if (s->dma && s->xfer != XFER_SILENCE)
		isadma_set_dreq(s->dma, s->chan, false);
	s->xfer = XFER_NONE;
	s->paused = false;
	s->highspeed = false;
	audio_voice_set_active(s->voice, false);
	arm_next(s, s->clock());
}

void sb16_dma_pause(struct sb16 *s, bool pause)
{
	if (s->xfer == XFER_NONE || s->paused == pause)
		return;
	uint64_t now = s->clock();
	s->paused = pause;
	if (!pause) {
		s->anchor_ns = now;
		s->anchor_bytes = s->bytes_done;
	}
	audio_voice_set_active(s->voice, !pause && s->xfer == XFER_DAC);
	if (s->dma && s->xfer != XFER_SILENCE)
		isadma_set_dreq(s->dma, s->chan, !pause);
	arm_next(s, now);
}

/* Move n bytes of the current transfer; returns bytes moved (0 = stalled). */
static size_t move_bytes(struct sb16 *s, size_t n)
{
	uint8_t buf[4096], pcm[4096 * 4];
	bool tc = false;
	size_t got = 0;
	n = MIN(n, sizeof(buf));
	switch (s->xfer) {
	case XFER_DAC:
		if (!s->dma)
			return 0;
		got = isadma_transfer(s->dma, s->chan, buf, n, false, &tc);
		if (s->adpcm != ADPCM_NONE) {
			unsigned k = sb16_adpcm_decode(s, buf, (unsigned)got, pcm);
			audio_voice_write(s->voice, pcm, k);
		} else {
			audio_voice_write(s->voice, buf, got);
		}
		break;
	case XFER_ADC:
		/* no capture source: the card digitises silence */
		if (!s->dma)
			return 0;
		memset(buf, s->is_signed ? 0x00 : (s->dma_16 ? 0x00 : 0x80), n);
		if (s->dma_16 && !s->is_signed)
			for (size_t i = 1; i < n; i += 2)
				buf[i] = 0x80;
		got = isadma_transfer(s->dma, s->chan, buf, n, true, &tc);
		break;
	case XFER_SILENCE:
		got = n; /* the DSP counts the samples; the voice just runs dry */
		break;
	case XFER_NONE:
		break;
	}
	return got;
}

static void dac_tick(struct sb16 *s, uint64_t now);

void sb16_tick(struct sb16 *s, uint64_t now)
{
	if (s->dac_on)
		dac_tick(s, now);
	if (s->xfer == XFER_NONE || s->paused || !s->bytes_per_sec) {
		arm_next(s, now);
		return;
	}
	uint64_t due = now > s->anchor_ns
		? s->anchor_bytes + (now - s->anchor_ns) * s->bytes_per_sec / 1000000000ull
		: s->anchor_bytes;
	if (due > s->bytes_done + s->bytes_per_sec * STALL_RESYNC_NS / 1000000000ull) {
		/* the io thread was held up for long: resume from here, no burst */
		s->anchor_ns = now - SB16_TICK_NS;
		s->anchor_bytes = s->bytes_done;
		due = s->bytes_done + s->bytes_per_sec * SB16_TICK_NS / 1000000000ull;
	}
	while (s->bytes_done < due && s->xfer != XFER_NONE) {
		size_t want = (size_t)MIN(due - s->bytes_done, (uint64_t)s->left_in_block);
		/* 16-bit DMA moves whole words: an odd byte waits for the next tick */
		if (s->dma_16)
			want &= ~(size_t)1;
		if (!want)
			break;
		size_t got = move_bytes(s, want);
		s->bytes_done += got;
		s->left_in_block -= (unsigned)MIN((size_t)s->left_in_block, got);
		if (s->left_in_block == 0) {
			sb16_raise_irq(s, s->dma_16 ? 2 : 1);
			if (s->autoinit) {
				s->left_in_block = s->block_bytes;
			} else {
				sb16_dma_stop(s);
				break;
			}
		}
		if (got < want) {
			/* DMA channel masked or at terminal count: DREQ stays high */
			s->stalls++;
			s->anchor_ns = now;
			s->anchor_bytes = s->bytes_done;
			break;
		}
	}
	arm_next(s, now);
}

static void sb16_timer(void *opaque, uint32_t events)
{
	struct sb16 *s = opaque;
	uint64_t n;
	(void)events;
	if (read(s->timer_fd, &n, sizeof(n)) != sizeof(n))
		return; /* re-armed meanwhile */
	pthread_mutex_lock(&s->lock);
	sb16_tick(s, s->clock());
	pthread_mutex_unlock(&s->lock);
}

/* The mixer is about to read our ring: bring the DMA up to now. */
static void sb16_refill(void *opaque)
{
	struct sb16 *s = opaque;
	/*
	 * Wait briefly at most: the lock inherits our priority, so a preempted
	 * holder runs at once; if it still takes long, the ring's prefill covers
	 * this round.
	 */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 2000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_nsec -= 1000000000;
		until.tv_sec++;
	}
	if (pthread_mutex_timedlock(&s->lock, &until) != 0)
		return;
	if (s->xfer != XFER_NONE && !s->paused)
		sb16_tick(s, s->clock());
	pthread_mutex_unlock(&s->lock);
}

/* ---- direct DAC (command 0x10): sample and hold at SB16_DAC_RATE --------- */

static void dac_fill(struct sb16 *s, uint64_t now)
{
	uint64_t pos = (now - s->dac_anchor_ns) * SB16_DAC_RATE / 1000000000ull;
	uint8_t buf[256];
	memset(buf, s->dac_level, sizeof(buf));
	while (s->dac_pos < pos) {
		size_t n = (size_t)MIN(pos - s->dac_pos, sizeof(buf));
		audio_voice_write(s->dac_voice, buf, n);
		s->dac_pos += n;
	}
}

void sb16_dac_write(struct sb16 *s, uint8_t value, uint64_t now)
{
	if (!s->dac_on || now - s->dac_last_ns > STALL_RESYNC_NS) {
		s->dac_on = true;
		s->dac_anchor_ns = now;
		s->dac_pos = 0;
		audio_voice_set_active(s->dac_voice, true);
		arm_next(s, now);
	}
	dac_fill(s, now);
	s->dac_level = value;
	s->dac_last_ns = now;
}

static void dac_tick(struct sb16 *s, uint64_t now)
{
	if (now - s->dac_last_ns > 50000000ull) {
		/* the program stopped writing samples */
		s->dac_on = false;
		audio_voice_set_active(s->dac_voice, false);
		return;
	}
	dac_fill(s, now);
}

/* ---- ports --------------------------------------------------------------- */

static uint8_t port_read(struct sb16 *s, unsigned off)
{
	switch (off) {
	case 0x4: return s->mix_index;
	case 0x5: return sb16_mixer_read(s, s->mix_index);
	case 0xA: return sb16_dsp_read(s);
	case 0xC: return 0x7F;                      /* write buffer ready */
	case 0xE:
		sb16_ack_irq(s, 1);
		return s->out_len ? 0xFF : 0x7F;    /* bit 7: data to read */
	case 0xF:
		sb16_ack_irq(s, 2);
		return 0xFF;
	}
	return 0xFF;
}

static void port_write(struct sb16 *s, unsigned off, uint8_t v)
{
	switch (off) {
	case 0x4: s->mix_index = v; break;
	case 0x5: sb16_mixer_write(s, s->mix_index, v); break;
	case 0x6:
		/* reset: 1 then 0; the DSP answers 0xAA once it is out of reset */
		if (v & 1) {
			s->reset_high = true;
		} else if (s->reset_high) {
			s->reset_high = false;
			sb16_dsp_reset(s);
			sb16_dsp_push(s, 0xAA);
		}
		break;
	case 0xC: sb16_dsp_write(s, v); break;
	}
}

/* Ranges are registered at base+4 and base+0xA; offsets here are from base. */
static uint64_t sb16_read(void *opaque, uint64_t offset, unsigned size, unsigned first)
{
	struct sb16 *s = opaque;
	uint64_t val = 0;
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < size; i++)
		val |= (uint64_t)port_read(s, first + (unsigned)offset + i) << (8 * i);
	pthread_mutex_unlock(&s->lock);
	return val;
}

static void sb16_write(void *opaque, uint64_t offset, uint64_t value, unsigned size,
		       unsigned first)
{
	struct sb16 *s = opaque;
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < size; i++)
		port_write(s, first + (unsigned)offset + i, (uint8_t)(value >> (8 * i)));
	pthread_mutex_unlock(&s->lock);
}

static uint64_t lo_read(void *o, uint64_t off, unsigned size) { return sb16_read(o, off, size, 4); }
static void lo_write(void *o, uint64_t off, uint64_t v, unsigned size) { sb16_write(o, off, v, size, 4); }
static uint64_t hi_read(void *o, uint64_t off, unsigned size) { return sb16_read(o, off, size, 0xA); }
static void hi_write(void *o, uint64_t off, uint64_t v, unsigned size) { sb16_write(o, off, v, size, 0xA); }

static const struct io_ops sb16_lo_ops = { .read = lo_read, .write = lo_write };
static const struct io_ops sb16_hi_ops = { .read = hi_read, .write = hi_write };

/* ---- life cycle ---------------------------------------------------------- */

static void sb16_reset(void *opaque)
{
	struct sb16 *s = opaque;
	pthread_mutex_lock(&s->lock);
	sb16_dsp_reset(s);
	s->dac_on = false;
	audio_voice_set_active(s->dac_voice, false);
	sb16_ack_irq(s, 0xFF);
	s->irq_status = 0;
	sb16_mixer_reset(s);
	pthread_mutex_unlock(&s->lock);
}

static void sb16_free(void *opaque)
{
	struct sb16 *s = opaque;
	if (s->timer_fd >= 0) {
		/* vm_destroy may already have freed the loop with its watches */
		if (s->vm->loop)
			evloop_del_fd(s->vm->loop, s->timer_fd);
		close(s->timer_fd);
	}
	audio_voice_release(s->voice);
	audio_voice_release(s->dac_voice);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int sb16_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	if (!cfg || !vmconfig_soundhw_has(cfg, "sb16"))
		return 0;
	struct sb16 *s = xzalloc(sizeof(*s));
	s->vm = vm;
	audio_mutex_init(&s->lock);
	s->port = cfg->sb16_port;
	s->irq = cfg->sb16_irq;
	s->dma8 = (int)cfg->sb16_dma;
	s->dma16 = (int)cfg->sb16_hdma;
	/* the values sb16_port=, sb16_irq=, sb16_dma= and sb16_hdma= may take
	 * are the config table's (core/vmconfig.c), checked there with the
	 * file's line and column; a config built in code is held to the same */
	if (!vmconfig_value_allowed("sb16_port", s->port) || !vmconfig_value_allowed("sb16_irq", s->irq) ||
	    !vmconfig_value_allowed("sb16_dma", s->dma8) || !vmconfig_value_allowed("sb16_hdma", s->dma16)) {
		msg_error("sb16: port 0x%x, irq %u, dma %d, hdma %d: not resources an SB16 offers",
			  s->port, s->irq, s->dma8, s->dma16);
		free(s);
		return -1;
	}
	s->dma = isadma_of(vm);
	if (!s->dma)
		msg_warn("sb16: no ISA DMA controller; DMA playback is silent");
	struct audio_mixer *m = audio_of(vm);
	s->voice = audio_voice_new(m, "sb16");
	s->dac_voice = audio_voice_new(m, "sb16-dac");
	s->fm_voice = opl3_voice(opl3_of(vm));
	audio_voice_set_refill(s->voice, sb16_refill, s);
	audio_voice_set_format(s->dac_voice, SB16_DAC_RATE, 1, AFMT_U8);
	s->clock = clock_ns;
	s->timer_fd = -1;
	if (vm->loop) {
		s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (s->timer_fd >= 0)
			evloop_add_fd(vm->loop, s->timer_fd, EPOLLIN, sb16_timer, s);
	}
	if (vm_register_pio(vm, (uint16_t)(s->port + 4), 4, &sb16_lo_ops, s, "sb16") < 0 ||
	    vm_register_pio(vm, (uint16_t)(s->port + 0xA), 6, &sb16_hi_ops, s, "sb16")) {
		msg_error("sb16: ports 0x%x-0x%x are taken", s->port, s->port + 0xF);
		if (s->timer_fd >= 0) {
			evloop_del_fd(vm->loop, s->timer_fd);
			close(s->timer_fd);
		}
		free(s);
		return -1;
	}
	sb16_dsp_reset(s);
	sb16_mixer_reset(s);
	vm_add_reset_hook(vm, sb16_reset, s);
	vm_add_free_hook(vm, sb16_free, s);
	vm_publish(vm, "sb16", s);
	return 0;
}

/* After the OPL3 (firmware/pc.c), whose FM voice the mixer's FM volume controls. */
