/*
 * Creative Sound Blaster 16 (DSP 4.05, CT1745 mixer): state shared by
 * sb16.c (ports, IRQ, DMA pacing), sb16_dsp.c (DSP command set) and
 * sb16_mixer.c (mixer registers and gains). Internal to those files and the
 * unit tests and the fuzzer, which find it with vm_lookup(vm, "sb16").
 */
#ifndef VMST_SB16_H
#define VMST_SB16_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;
struct isadma;
struct audio_voice;

/* What the DSP's DMA engine is doing. */
enum sb16_xfer { XFER_NONE, XFER_DAC, XFER_ADC, XFER_SILENCE };
/* Creative ADPCM flavours: bits per sample packed in each DMA byte. */
enum sb16_adpcm { ADPCM_NONE, ADPCM_2, ADPCM_3, ADPCM_4 };

struct sb16 {
	struct vm *vm;
	pthread_mutex_t lock;
	unsigned port, irq;
	int dma8, dma16;           /* -1 when not configured */
	struct isadma *dma;
	struct audio_voice *voice;     /* DMA playback */
	struct audio_voice *dac_voice; /* direct DAC (command 0x10) */
	struct audio_voice *fm_voice;  /* the OPL3's, for the mixer's FM volume */
	int timer_fd;              /* timerfd on the VM's io loop, or -1 */
	uint64_t (*clock)(void);   /* CLOCK_MONOTONIC ns; unit tests substitute theirs */

	/* DSP: command collection, read queue */
	bool reset_high;
	uint8_t cmd;
	unsigned cmd_need, cmd_have;
	uint8_t param[4];
	uint8_t out[64];
	unsigned out_head, out_len;
	uint8_t last_read;
	uint8_t test_reg;
	bool speaker;
	unsigned rate;             /* samples per second as programmed (0x40/0x41) */
	bool rate_from_tc;         /* came from a time constant (SBPro stereo halves it) */
	unsigned block_len;        /* 0x48 block size, bytes */
	uint8_t e2_value;          /* DMA identification (0xE2) state */
	unsigned e2_count;

	/* DMA engine */
	enum sb16_xfer xfer;
	bool dma_16, stereo, is_signed, autoinit, paused, highspeed;
	enum sb16_adpcm adpcm;
	bool adpcm_ref_pending;    /* first byte is the reference sample */
	int adpcm_sample, adpcm_step;
	int chan;                  /* ISA DMA channel in use */
	unsigned block_bytes;      /* bytes per IRQ block */
	unsigned left_in_block;
	uint64_t bytes_per_sec;    /* DMA bytes consumed per second */
	uint64_t anchor_ns, anchor_bytes, bytes_done; /* audio-clock pacing */
	uint64_t irqs8, irqs16, stalls;

	/* direct DAC sample-and-hold */
	bool dac_on;
	uint8_t dac_level;
	uint64_t dac_anchor_ns, dac_pos, dac_last_ns;

	/* interrupts: mixer 0x82 bits (1 = 8-bit DMA/forced, 2 = 16-bit) */
	uint8_t irq_status;

	/* mixer */
	uint8_t mix_index;
	uint8_t mix[256];
};

#define SB16_DAC_RATE 22050        /* sample-and-hold rate for direct DAC */
#define SB16_TICK_NS 4000000ull    /* DMA pacing period */

/* sb16.c */
void sb16_raise_irq(struct sb16 *s, uint8_t bits);
void sb16_ack_irq(struct sb16 *s, uint8_t bits);
/* Begin a DMA transfer with the fields above filled; (re)starts the clock. */
void sb16_dma_start(struct sb16 *s);
void sb16_dma_stop(struct sb16 *s);
void sb16_dma_pause(struct sb16 *s, bool pause);
/* The audio-clock tick: move what is due by now_ns, raise block IRQs. */
void sb16_tick(struct sb16 *s, uint64_t now_ns);
/* One direct-DAC sample at time now_ns. */
void sb16_dac_write(struct sb16 *s, uint8_t value, uint64_t now_ns);

/* sb16_dsp.c */
void sb16_dsp_reset(struct sb16 *s);
void sb16_dsp_write(struct sb16 *s, uint8_t v);
uint8_t sb16_dsp_read(struct sb16 *s);
void sb16_dsp_push(struct sb16 *s, uint8_t v);
/* Decode ADPCM bytes into unsigned 8-bit samples; returns samples written. */
unsigned sb16_adpcm_decode(struct sb16 *s, const uint8_t *in, unsigned n, uint8_t *out);

/* sb16_mixer.c */
void sb16_mixer_reset(struct sb16 *s);
void sb16_mixer_write(struct sb16 *s, uint8_t index, uint8_t v);
uint8_t sb16_mixer_read(struct sb16 *s, uint8_t index);
/* Recompute voice gains from the registers (PCM, and the OPL3 if present). */
void sb16_mixer_apply(struct sb16 *s);

#endif
