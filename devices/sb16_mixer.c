/*
 * The SB16's CT1745 mixer: volume registers 0x30-0x47 (5-bit levels in bits
 * 7:3, 2 dB a step, 31 = 0 dB), the SBPro compatibility registers (0x04,
 * 0x22, 0x26, 0x28, 0x2E: 4-bit levels per channel), output mode 0x0E
 * (bit 1 = SBPro stereo), interrupt/DMA set-up 0x80/0x81 and the interrupt
 * status 0x82. Unlike many emulations the levels really scale what is heard:
 * PCM by master x voice, FM by master x MIDI, both times the output gain.
 */
#include <math.h>
#include <string.h>

#include "core/host/audio.h"
#include "devices/sb16.h"
#include "core/util.h"
#include "core/vm.h"

/* 16.16 gain of a 5-bit level: -2 dB per step below 31; 0 is off. */
static uint32_t level_gain(uint8_t reg)
{
	unsigned lv = reg >> 3;
	if (!lv)
		return 0;
	return (uint32_t)lround(65536.0 * pow(10.0, -(31.0 - lv) * 2.0 / 20.0));
}

static uint32_t mul_gain(uint32_t a, uint32_t b)
{
	return (uint32_t)(((uint64_t)a * b) >> 16);
}

void sb16_mixer_apply(struct sb16 *s)
{
	uint32_t out_l = 1u << (s->mix[0x41] >> 6), out_r = 1u << (s->mix[0x42] >> 6);
	uint32_t ml = level_gain(s->mix[0x30]) * out_l, mr = level_gain(s->mix[0x31]) * out_r;
	uint32_t pl = mul_gain(ml, level_gain(s->mix[0x32]));
	uint32_t pr = mul_gain(mr, level_gain(s->mix[0x33]));
	audio_voice_set_gain(s->voice, pl, pr);
	audio_voice_set_gain(s->dac_voice, pl, pr);
	if (s->fm_voice)
		audio_voice_set_gain(s->fm_voice, mul_gain(ml, level_gain(s->mix[0x34])),
				     mul_gain(mr, level_gain(s->mix[0x35])));
}

void sb16_mixer_reset(struct sb16 *s)
{
	uint8_t keep80 = s->mix[0x80], keep81 = s->mix[0x81];
	memset(s->mix, 0, sizeof(s->mix));
	/* CT1745 power-on levels: master, voice and MIDI at 24 (-14 dB) */
	for (int r = 0x30; r <= 0x35; r++)
		s->mix[r] = 0xC0;
	s->mix[0x3C] = 0x1F;  /* output switches: line, CD, mic on */
	s->mix[0x3D] = 0x15;  /* input left: MIDI L, line L, CD L, mic */
	s->mix[0x3E] = 0x0B;  /* input right */
	s->mix[0x44] = s->mix[0x45] = s->mix[0x46] = s->mix[0x47] = 0x80;
	/* interrupt and DMA set-up are jumpers/EEPROM: not reset */
	s->mix[0x80] = keep80;
	s->mix[0x81] = keep81;
	if (!keep80 && !keep81) {
		unsigned irq = s->irq == 9 ? 2 : s->irq;
		s->mix[0x80] = irq == 2 ? 1 : irq == 5 ? 2 : irq == 7 ? 4 : 8;
		s->mix[0x81] = (uint8_t)((1u << s->dma8) | (s->dma16 >= 4 ? 1u << s->dma16 : 0));
	}
	sb16_mixer_apply(s);
}

/* SBPro 4-bit pair register <-> two SB16 5-bit registers. */
static void pro_write(struct sb16 *s, int sb16_left, uint8_t v)
{
	s->mix[sb16_left] = (uint8_t)((v & 0xF0) | 0x08);
	s->mix[sb16_left + 1] = (uint8_t)((v << 4) | 0x08);
}

static uint8_t pro_read(struct sb16 *s, int sb16_left)
{
	return (uint8_t)((s->mix[sb16_left] & 0xF0) | (s->mix[sb16_left + 1] >> 4));
}

static void set_irq_select(struct sb16 *s, uint8_t v)
{
	unsigned irq = (v & 2) ? 5 : (v & 1) ? 9 : (v & 4) ? 7 : (v & 8) ? 10 : 0;
	if (!irq)
		return; /* no valid line selected: keep the old one */
	if (irq != s->irq && (s->irq_status & 3)) {
		vm_set_irq(s->vm, s->irq == 2 ? 9 : s->irq, 0);
		vm_set_irq(s->vm, irq, 1);
	}
	s->irq = irq;
	s->mix[0x80] = v & 0x0F;
}

static void set_dma_select(struct sb16 *s, uint8_t v)
{
	int d8 = (v & 2) ? 1 : (v & 1) ? 0 : (v & 8) ? 3 : -1;
	int d16 = (v & 0x20) ? 5 : (v & 0x40) ? 6 : (v & 0x80) ? 7 : -1;
	if (d8 < 0)
		return;
	s->dma8 = d8;
	s->dma16 = d16 >= 0 ? d16 : d8; /* 16-bit data over the 8-bit channel */
	s->mix[0x81] = v & 0xEB;
}

void sb16_mixer_write(struct sb16 *s, uint8_t index, uint8_t v)
{
	switch (index) {
	case 0x00: sb16_mixer_reset(s); return;
	case 0x04: pro_write(s, 0x32, v); break;
	case 0x0A: s->mix[0x3A] = (uint8_t)((v & 7) << 5 | 0x18); s->mix[0x0A] = v; break;
	case 0x22: pro_write(s, 0x30, v); break;
	case 0x26: pro_write(s, 0x34, v); break;
	case 0x28: pro_write(s, 0x36, v); break;
	case 0x2E: pro_write(s, 0x38, v); break;
	case 0x80: set_irq_select(s, v); return;
	case 0x81: set_dma_select(s, v); return;
	case 0x82: return;                 /* read-only */
	default: s->mix[index] = v; break;
	}
	sb16_mixer_apply(s);
}

uint8_t sb16_mixer_read(struct sb16 *s, uint8_t index)
{
	switch (index) {
	case 0x04: return pro_read(s, 0x32);
	case 0x22: return pro_read(s, 0x30);
	case 0x26: return pro_read(s, 0x34);
	case 0x28: return pro_read(s, 0x36);
	case 0x2E: return pro_read(s, 0x38);
	case 0x82: return (uint8_t)(s->irq_status & 7) | 0x20; /* 0x20: CT1745 rev. bits */
	}
	return s->mix[index];
}
