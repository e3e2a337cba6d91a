/*
 * Sound Blaster 16 DSP command set (DSP version 4.05).
 *
 * A command byte written to base+0xC is followed by a fixed number of
 * parameter bytes; answers are queued for base+0xA. The commands are the ones
 * DOS games and sound drivers use (Creative's "Sound Blaster Series Hardware
 * Programming Guide") and those Linux snd-sb16 sends (sound/isa/sb/sb16_main.c).
 */
#include <string.h>

#include "core/host/audio.h"
#include "devices/isadma.h"
#include "devices/sb16.h"
#include "core/util.h"
#include "core/vm.h"

#define DSP_VERSION_MAJOR 4
#define DSP_VERSION_MINOR 5

static const char copyright[] = "COPYRIGHT (C) CREATIVE TECHNOLOGY LTD, 1992.";

/* Parameter bytes each command takes. */
static unsigned param_count(uint8_t cmd)
{
	if (cmd >= 0xB0 && cmd <= 0xCF)
		return 3;                     /* mode, length low, length high */
	switch (cmd) {
	case 0x04: case 0x0F: case 0x10: case 0x38: case 0x40: case 0xE0: case 0xE2:
	case 0xE4: case 0xF9:
		return 1;
	case 0x05: case 0x0E: case 0x14: case 0x16: case 0x17: case 0x24: case 0x41:
	case 0x42: case 0x48: case 0x74: case 0x75: case 0x76: case 0x77: case 0x80:
		return 2;
	}
	return 0;
}

void sb16_dsp_push(struct sb16 *s, uint8_t v)
{
	if (s->out_len >= sizeof(s->out))
		return;
	s->out[(s->out_head + s->out_len) % sizeof(s->out)] = v;
	s->out_len++;
}

uint8_t sb16_dsp_read(struct sb16 *s)
{
	if (s->out_len) {
		s->last_read = s->out[s->out_head];
		s->out_head = (s->out_head + 1) % sizeof(s->out);
		s->out_len--;
	}
	return s->last_read;
}

void sb16_dsp_reset(struct sb16 *s)
{
	sb16_dma_stop(s);
	s->cmd_need = s->cmd_have = 0;
	s->out_head = s->out_len = 0;
	s->speaker = false;
	s->highspeed = false;
	s->adpcm = ADPCM_NONE;
	s->test_reg = 0;
	s->e2_value = 0xAA;
	s->e2_count = 0;
	s->block_len = 0x800;
	if (!s->rate)
		s->rate = 11025;
	sb16_ack_irq(s, 3);
}

/* ---- Creative ADPCM ---------------------------------------------------- */

/*
 * Each code is a sign and a magnitude m; the step level l scales it:
 * delta = m at level 0, (2m + 1) << (l - 1) above. Large codes raise the
 * level, zero lowers it. The 2.6-bit format's top level multiplies by 5.
 */
static void adpcm_one(struct sb16 *s, unsigned code, unsigned bits, uint8_t *out)
{
	unsigned sign_bit = 1u << (bits - 1), mag = code & (sign_bit - 1);
	unsigned max_level = bits == 4 ? 3 : bits == 3 ? 4 : 5;
	int l = s->adpcm_step, delta;
	if (l == 0)
		delta = (int)mag;
	else if (bits == 3 && l == 4)
		delta = 5 * (2 * (int)mag + 1);
	else
		delta = (2 * (int)mag + 1) << (l - 1);
	int v = s->adpcm_sample + ((code & sign_bit) ? -delta : delta);
	s->adpcm_sample = v < 0 ? 0 : v > 255 ? 255 : v;
	*out = (uint8_t)s->adpcm_sample;
	unsigned top = sign_bit - 1; /* largest magnitude */
	bool up = bits == 4 ? mag >= 5 : mag == top;
	if (up && l < (int)max_level)
		s->adpcm_step++;
	else if (mag == 0 && l > 0)
		s->adpcm_step--;
}

unsigned sb16_adpcm_decode(struct sb16 *s, const uint8_t *in, unsigned n, uint8_t *out)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		uint8_t b = in[i];
		if (s->adpcm_ref_pending) {
			/* the block's first byte: an uncompressed reference sample */
			s->adpcm_ref_pending = false;
			s->adpcm_sample = b;
			s->adpcm_step = 0;
			out[k++] = b;
			continue;
		}
		switch (s->adpcm) {
		case ADPCM_4:
			adpcm_one(s, b >> 4, 4, &out[k++]);
			adpcm_one(s, b & 0xF, 4, &out[k++]);
			break;
		case ADPCM_3:
			adpcm_one(s, b >> 5, 3, &out[k++]);
			adpcm_one(s, (b >> 2) & 7, 3, &out[k++]);
			adpcm_one(s, (b & 3) << 1, 3, &out[k++]);
			break;
		case ADPCM_2:
			for (int sh = 6; sh >= 0; sh -= 2)
				adpcm_one(s, (b >> sh) & 3, 2, &out[k++]);
			break;
		case ADPCM_NONE:
			out[k++] = b;
			break;
		}
	}
	return k;
}

/* ---- DMA commands ------------------------------------------------------ */

static void start_8bit_legacy(struct sb16 *s, enum sb16_xfer x, bool autoinit, unsigned len)
{
	s->xfer = x;
	s->dma_16 = false;
	s->is_signed = false;
	/* SBPro stereo: mixer register 0x0E bit 1 */
	s->stereo = (s->mix[0x0E] & 2) != 0;
	s->autoinit = autoinit;
	s->block_bytes = len;
	sb16_dma_start(s);
}

static void start_adpcm(struct sb16 *s, enum sb16_adpcm kind, bool ref, bool autoinit,
			unsigned len)
{
	s->adpcm = kind;
	if (ref)
		s->adpcm_ref_pending = true;
	start_8bit_legacy(s, XFER_DAC, autoinit, len);
	s->stereo = false;
}

/* 0xBx / 0xCx: the SB16's generic DMA commands. */
static void start_generic(struct sb16 *s)
{
	bool is16 = s->cmd < 0xC0;
	uint8_t mode = s->param[0];
	unsigned len = (unsigned)(s->param[1] | s->param[2] << 8) + 1; /* samples */
	s->xfer = (s->cmd & 8) ? XFER_ADC : XFER_DAC;
	s->autoinit = (s->cmd & 4) != 0;
	s->dma_16 = is16;
	s->is_signed = (mode & 0x10) != 0;
	s->stereo = (mode & 0x20) != 0;
	s->adpcm = ADPCM_NONE;
	s->rate_from_tc = false;
	s->block_bytes = len * (is16 ? 2 : 1);
	sb16_dma_start(s);
}

/* 0xE2: the byte Creative's drivers use to verify the DMA channel. */
static void dma_identify(struct sb16 *s, uint8_t param)
{
	/* per bit of param, a signed step that depends on the call count (mod 4) */
	static const int8_t steps[4][9] = {
		{ 1, -2, -4, 8, -16, 32, 64, -128, -106 },
		{ -1, 2, -4, 8, 16, -32, 64, -128, -91 },
		{ -1, 2, 4, -8, 16, -32, -64, -128, 105 },
		{ 1, -2, 4, -8, -16, 32, -64, -128, 90 },
	};
	const int8_t *row = steps[s->e2_count % 4];
	int v = s->e2_value;
	for (int i = 0; i < 8; i++)
		if (param & (1u << i))
			v += row[i];
	v += row[8];
	s->e2_value = (uint8_t)v;
	s->e2_count++;
	if (s->dma) {
		bool tc;
		isadma_transfer(s->dma, s->dma8, &s->e2_value, 1, true, &tc);
	}
}

static void execute(struct sb16 *s)
{
	uint8_t c = s->cmd;
	const uint8_t *p = s->param;
	unsigned len16 = (unsigned)(p[0] | p[1] << 8) + 1;
	if (c >= 0xB0 && c <= 0xCF) {
		start_generic(s);
		return;
	}
	switch (c) {
	case 0x03: sb16_dsp_push(s, 0x00); break;        /* no CSP chip */
	case 0x0F: sb16_dsp_push(s, 0x00); break;        /* CSP register read */
	case 0x10: sb16_dac_write(s, p[0], s->clock()); break;
	case 0x14: s->adpcm = ADPCM_NONE; start_8bit_legacy(s, XFER_DAC, false, len16); break;
	case 0x1C: s->adpcm = ADPCM_NONE; start_8bit_legacy(s, XFER_DAC, true, s->block_len); break;
	case 0x16: start_adpcm(s, ADPCM_2, false, false, len16); break;
	case 0x17: start_adpcm(s, ADPCM_2, true, false, len16); break;
	case 0x1F: start_adpcm(s, ADPCM_2, true, true, s->block_len); break;
	case 0x74: start_adpcm(s, ADPCM_4, false, false, len16); break;
	case 0x75: start_adpcm(s, ADPCM_4, true, false, len16); break;
	case 0x76: start_adpcm(s, ADPCM_3, false, false, len16); break;
	case 0x77: start_adpcm(s, ADPCM_3, true, false, len16); break;
	case 0x7D: start_adpcm(s, ADPCM_4, true, true, s->block_len); break;
	case 0x7F: start_adpcm(s, ADPCM_3, true, true, s->block_len); break;
	case 0x20: sb16_dsp_push(s, 0x80); break;        /* direct ADC: silence */
	case 0x24: s->adpcm = ADPCM_NONE; start_8bit_legacy(s, XFER_ADC, false, len16); break;
	case 0x2C: s->adpcm = ADPCM_NONE; start_8bit_legacy(s, XFER_ADC, true, s->block_len); break;
	case 0x40:
		/* time constant: rate = 1,000,000 / (256 - tc) */
		s->rate = 1000000u / (256u - p[0]);
		s->rate_from_tc = true;
		break;
	case 0x41: case 0x42:
		s->rate = (unsigned)(p[0] << 8 | p[1]);
		s->rate = MAX(s->rate, 4000u);
		s->rate = MIN(s->rate, 48000u);
		s->rate_from_tc = false;
		break;
	case 0x45: case 0x47:                            /* continue auto-init 8/16 */
		if (s->xfer != XFER_NONE) {
			s->autoinit = true;
			sb16_dma_pause(s, false);
		}
		break;
	case 0x48: s->block_len = len16; break;
	case 0x80:
		s->adpcm = ADPCM_NONE;
		start_8bit_legacy(s, XFER_SILENCE, false, len16);
		break;
	case 0x90: case 0x91:                            /* high-speed 8-bit output */
		s->adpcm = ADPCM_NONE;
		start_8bit_legacy(s, XFER_DAC, c == 0x90, s->block_len);
		s->highspeed = true;
		break;
	case 0x98: case 0x99:
		s->adpcm = ADPCM_NONE;
		start_8bit_legacy(s, XFER_ADC, c == 0x98, s->block_len);
		s->highspeed = true;
		break;
	case 0xD0: if (!s->dma_16) sb16_dma_pause(s, true); break;
	case 0xD4: if (!s->dma_16) sb16_dma_pause(s, false); break;
	case 0xD5: if (s->dma_16) sb16_dma_pause(s, true); break;
	case 0xD6: if (s->dma_16) sb16_dma_pause(s, false); break;
	/* The SB16's speaker switch only reports; its DAC is always heard. */
	case 0xD1: s->speaker = true; break;
	case 0xD3: s->speaker = false; break;
	case 0xD8: sb16_dsp_push(s, s->speaker ? 0xFF : 0x00); break;
	case 0xD9: case 0xDA:                            /* exit auto-init after this block */
		s->autoinit = false;
		break;
	case 0xE0: sb16_dsp_push(s, (uint8_t)~p[0]); break;
	case 0xE1:
		sb16_dsp_push(s, DSP_VERSION_MAJOR);
		sb16_dsp_push(s, DSP_VERSION_MINOR);
		break;
	case 0xE2: dma_identify(s, p[0]); break;
	case 0xE3:
		for (size_t i = 0; i < sizeof(copyright); i++)
			sb16_dsp_push(s, (uint8_t)copyright[i]);
		break;
	case 0xE4: s->test_reg = p[0]; break;
	case 0xE8: sb16_dsp_push(s, s->test_reg); break;
	case 0xF2: sb16_raise_irq(s, 1); break;          /* IRQ detection */
	case 0xF3: sb16_raise_irq(s, 2); break;
	case 0xF8: sb16_dsp_push(s, 0x00); break;
	case 0xF9: sb16_dsp_push(s, 0x00); break;
	default:
		/* 0x04/0x05/0x0E (CSP set-up), MIDI, SBPro input mode: accepted */
		break;
	}
}

void sb16_dsp_write(struct sb16 *s, uint8_t v)
{
	if (s->cmd_have < s->cmd_need) {
		s->param[s->cmd_have++] = v;
		if (s->cmd_have == s->cmd_need) {
			s->cmd_need = s->cmd_have = 0;
			execute(s);
		}
		return;
	}
	s->cmd = v;
	s->cmd_have = 0;
	s->cmd_need = param_count(v);
	if (!s->cmd_need)
		execute(s);
}
