/*
 * The YMF262 (OPL3) sound generator, modelled from the chip's documented
 * behaviour (YMF262 application manual; YM3812 manual for OPL2 mode):
 *
 *  - phase: a 20-bit accumulator per operator advanced by
 *    (F-number << block) * multiple / 2 each sample, so a channel sounds at
 *    F-number * 49716 * 2^(block - 20) Hz times the operator's multiple;
 *  - waveform: quarter-wave log-sine and exponential tables, as the chip does
 *    it, so attenuation adds in the log domain (0.1875 dB units);
 *  - envelope: attack/decay/sustain/release with rates 4*R + key scaling,
 *    each 4 rate steps twice as fast; total level 0.75 dB steps; key scale
 *    level 1.5/3/6 dB per octave; tremolo 3.7 Hz and vibrato 6.1 Hz;
 *  - connections: 2-op FM/AM, the four 4-op algorithms, feedback on the
 *    first operator, rhythm mode (bass drum, snare, tom, cymbal, hi-hat
 *    with the noise generator), left/right output bits in OPL3 mode.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devices/opl3.h"
#include "core/util.h"

enum eg { EG_OFF, EG_ATTACK, EG_DECAY, EG_SUSTAIN, EG_RELEASE };

struct op {
	uint8_t am, vib, egt, ksr, mult, ksl, tl, ar, dr, sl, rr, wave;
	uint32_t phase;       /* 20 bits a cycle */
	int64_t env;          /* attenuation, 0.1875 dB units << 16 */
	enum eg eg;
	uint8_t key;          /* bit 0 channel key-on, bit 1 rhythm key-on */
	int32_t out, prev;    /* last two outputs (feedback) */
};

struct chan {
	uint16_t fnum;
	uint8_t block, fb, cnt, outs; /* outs: bit 0 left (CHA), bit 1 right (CHB) */
	bool key;
};

struct opl3_chip {
	struct op op[36];
	struct chan ch[18];
	uint8_t reg[0x200];
	bool opl3_mode, wse, nts;
	uint8_t fourop, rhythm;
	uint32_t t;           /* sample counter for the LFOs */
	uint32_t noise;
};

static int16_t logsin_tab[256];  /* -log2(sin) * 256 over a quarter wave */
static uint16_t exp_tab[256];    /* 4095 * 2^(-i/256) */
static uint8_t ksl_tab[16];      /* key scale level per F-number top bits */
static const uint8_t mult2_tab[16] = { 1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 20, 24, 24, 30, 30 };
static const int8_t vib_tab[8] = { 0, 1, 2, 1, 0, -1, -2, -1 };

static void tables_init(void)
{
	for (int i = 0; i < 256; i++) {
		double s = sin((2 * i + 1) * M_PI / 1024.0);
		logsin_tab[i] = (int16_t)lround(-log2(s) * 256.0);
		exp_tab[i] = (uint16_t)MIN(4095, lround(4096.0 * pow(2.0, -i / 256.0)));
	}
	ksl_tab[0] = 0;
	for (int i = 1; i < 16; i++)
		ksl_tab[i] = (uint8_t)(32 + (int)ceil(8.0 * log2(i) - 1e-9));
}

/* Slot (0-17 in a bank) of a register offset 0x00-0x15, or -1. */
static int slot_of(unsigned off)
{
	if (off > 0x15 || (off & 7) > 5)
		return -1;
	return (int)((off >> 3) * 6 + (off & 7));
}
/* Operator slots of a channel within its bank: modulator, carrier. */
static int mod_slot(int c) { return (c / 3) * 6 + c % 3; }

/* ---- registers ----------------------------------------------------------- */

static void key_op(struct op *o, uint8_t src, bool on)
{
	uint8_t old = o->key;
	o->key = on ? (o->key | src) : (o->key & ~src);
	if (!old && o->key) {
		o->eg = EG_ATTACK;
		o->phase = 0;
	} else if (old && !o->key && o->eg != EG_OFF) {
		o->eg = EG_RELEASE;
	}
}

static bool fourop_first(const struct opl3_chip *c, int ch)
{
	int b = ch / 9, i = ch % 9;
	return c->opl3_mode && i < 3 && (c->fourop >> (b * 3 + i) & 1);
}

static bool fourop_second(const struct opl3_chip *c, int ch)
{
	int b = ch / 9, i = ch % 9;
	return c->opl3_mode && i >= 3 && i < 6 && (c->fourop >> (b * 3 + i - 3) & 1);
}

static void key_channel(struct opl3_chip *c, int ch, bool on)
{
	int b = ch / 9, i = ch % 9;
	struct op *ops = &c->op[b * 18];
	if (fourop_second(c, ch))
		return; /* keyed by its first half */
	key_op(&ops[mod_slot(i)], 1, on);
	key_op(&ops[mod_slot(i) + 3], 1, on);
	if (fourop_first(c, ch)) {
		key_op(&ops[mod_slot(i + 3)], 1, on);
		key_op(&ops[mod_slot(i + 3) + 3], 1, on);
	}
}

static void write_rhythm(struct opl3_chip *c, uint8_t v)
{
	c->rhythm = v;
	bool on = v & 0x20;
	struct op *o = c->op;
	/* bass drum: both slots of channel 6; others: one slot each */
	key_op(&o[12], 2, on && (v & 0x10));
	key_op(&o[15], 2, on && (v & 0x10));
	key_op(&o[16], 2, on && (v & 0x08));  /* snare */
	key_op(&o[14], 2, on && (v & 0x04));  /* tom */
	key_op(&o[17], 2, on && (v & 0x02));  /* cymbal */
	key_op(&o[13], 2, on && (v & 0x01));  /* hi-hat */
}

bool opl3_chip_write(struct opl3_chip *c, unsigned reg, uint8_t v)
{
	reg &= 0x1FF;
	unsigned bank = reg >> 8, r = reg & 0xFF;
	/* in OPL2 mode the second register set is hidden except NEW (0x105) */
	if (bank && !c->opl3_mode && reg != 0x105)
		return false;
	c->reg[reg] = v;
	bool keyed = false;
	if (reg == 0x105) {
		c->opl3_mode = v & 1;
		return false;
	}
	if (reg == 0x104) {
		c->fourop = v & 0x3F;
		return false;
	}
	if (reg == 0x01) {
		c->wse = v & 0x20;
		return false;
	}
	if (reg == 0x08) {
		c->nts = v & 0x40;
		return false;
	}
	if (r >= 0x20 && r <= 0xF5 && r != 0xBD && !(r >= 0xA0 && r <= 0xC8)) {
		int s = slot_of(r & 0x1F);
		if (s < 0)
			return false;
		struct op *o = &c->op[bank * 18 + s];
		switch (r & 0xE0) {
		case 0x20:
			o->am = v >> 7; o->vib = (v >> 6) & 1; o->egt = (v >> 5) & 1;
			o->ksr = (v >> 4) & 1; o->mult = v & 0xF;
			break;
		case 0x40: o->ksl = v >> 6; o->tl = v & 0x3F; break;
		case 0x60: o->ar = v >> 4; o->dr = v & 0xF; break;
		case 0x80: o->sl = v >> 4; o->rr = v & 0xF; break;
		case 0xE0: o->wave = v & 7; break;
		}
		return false;
	}
	if (r == 0xBD) {
		if (!bank) {
			bool rising = (v & ~c->rhythm & 0x1F) && (v & 0x20);
			write_rhythm(c, v);
			keyed = rising;
		}
		return keyed;
	}
	unsigned ci = r & 0xF;
	if (ci > 8)
		return false;
	struct chan *ch = &c->ch[bank * 9 + ci];
	switch (r & 0xF0) {
	case 0xA0:
		ch->fnum = (uint16_t)((ch->fnum & 0x300) | v);
		break;
	case 0xB0: {
		ch->fnum = (uint16_t)((ch->fnum & 0xFF) | (v & 3) << 8);
		ch->block = (v >> 2) & 7;
		bool on = v & 0x20;
		keyed = on && !ch->key;
		ch->key = on;
		key_channel(c, (int)(bank * 9 + ci), on);
		break;
	}
	case 0xC0:
		ch->cnt = v & 1;
		ch->fb = (v >> 1) & 7;
		ch->outs = (v >> 4) & 3;
		break;
	}
	return keyed;
}

/* ---- generation ---------------------------------------------------------- */

/* Envelope increment per sample for an effective rate 0-63 (<< 16 units). */
static int64_t rate_inc(unsigned eff)
{
	if (eff < 4)
		return 0;
	return (int64_t)(4 + (eff & 3)) << (eff >> 2) << 1;
}

static unsigned eff_rate(const struct opl3_chip *c, const struct op *o, unsigned r,
			 const struct chan *ch)
{
	if (!r)
		return 0;
	unsigned ksn = ch->block << 1 | ((ch->fnum >> (c->nts ? 8 : 9)) & 1);
	unsigned eff = r * 4 + (o->ksr ? ksn : ksn >> 2);
	return MIN(eff, 63u);
}

static void envelope(const struct opl3_chip *c, struct op *o, const struct chan *ch)
{
	const int64_t max = 511ll << 16;
	switch (o->eg) {
	case EG_OFF:
		o->env = max;
		break;
	case EG_ATTACK: {
		unsigned eff = eff_rate(c, o, o->ar, ch);
		if (eff >= 60) {
			o->env = 0;
		} else {
			/* exponential approach to full level */
			o->env -= (o->env * rate_inc(eff)) >> 18;
			if (o->env < (1 << 15))
				o->env = 0;
		}
		if (o->env == 0)
			o->eg = EG_DECAY;
		break;
	}
	case EG_DECAY: {
		int64_t sl = (o->sl == 15 ? 31 : o->sl) * 16ll << 16;
		o->env += rate_inc(eff_rate(c, o, o->dr, ch));
		if (o->env >= sl) {
			o->env = sl;
			o->eg = EG_SUSTAIN;
		}
		break;
	}
	case EG_SUSTAIN:
		if (o->egt)
			break;
		/* a percussive sound keeps decaying at RR */
		__attribute__((fallthrough));
	case EG_RELEASE:
		o->env += rate_inc(eff_rate(c, o, o->rr, ch));
		if (o->env >= max) {
			o->env = max;
			if (o->eg == EG_RELEASE)
				o->eg = EG_OFF;
		}
		break;
	}
}

/* Waveform w at 10-bit phase p with attenuation level (1/256 log2 units). */
static int32_t wave_out(unsigned w, unsigned p, unsigned level)
{
	p &= 1023;
	bool neg = false, zero = false;
	unsigned ls = 0;
	switch (w) {
	case 0: case 1: case 2: case 3:
		if (w == 1 && (p & 512))
			zero = true;
		if (w == 3 && (p & 256))
			zero = true;
		neg = w == 0 && (p & 512);
		ls = (unsigned)logsin_tab[(p & 256) ? 255 - (p & 255) : (p & 255)];
		break;
	case 4: case 5: {
		if (p & 512) {
			zero = true;
			break;
		}
		unsigned q = (p << 1) & 1023;
		neg = w == 4 && (q & 512);
		ls = (unsigned)logsin_tab[(q & 256) ? 255 - (q & 255) : (q & 255)];
		break;
	}
	case 6:
		neg = p & 512;
		break;
	case 7:
		neg = p & 512;
		ls = ((neg ? 1023 - p : p) & 511) << 3;
		break;
	}
	if (zero)
		return 0;
	unsigned total = ls + level;
	int32_t mag = total >= (13u << 8) ? 0 : exp_tab[total & 255] >> (total >> 8);
	return neg ? -mag : mag;
}

/* Advance one operator one sample and compute its output for modulation mod. */
static int32_t op_run(struct opl3_chip *c, struct op *o, const struct chan *ch,
		      int32_t mod, unsigned am, int vibstep, bool use_phase, unsigned phase_override)
{
	unsigned fnum = ch->fnum;
	if (o->vib) {
		int range = (fnum >> 7) & 7;
		if (!(c->reg[0xBD] & 0x40))
			range >>= 1;
		fnum = (unsigned)((int)fnum + range * vibstep / 2);
	}
	uint32_t inc = (uint32_t)(((fnum << ch->block) * mult2_tab[o->mult]) >> 1);
	envelope(c, o, ch);
	unsigned kv = ksl_tab[ch->fnum >> 6] * 4u;
	int k = (int)kv - (8 - ch->block) * 32;
	unsigned ksl = k <= 0 || !o->ksl ? 0 : o->ksl == 1 ? (unsigned)k >> 1
		       : o->ksl == 2 ? (unsigned)k >> 2 : (unsigned)k;
	unsigned att = (unsigned)(o->env >> 16) + o->tl * 4u + ksl + (o->am ? am : 0);
	att = MIN(att, 511u);
	unsigned w = o->wave;
	if (!c->opl3_mode)
		w = c->wse ? (w & 3) : 0;
	unsigned p = use_phase ? phase_override : (o->phase >> 10) + (unsigned)mod;
	int32_t out = o->eg == EG_OFF ? 0 : wave_out(w, p, att << 3);
	o->phase = (o->phase + inc) & 0xFFFFF;
	o->prev = o->out;
	o->out = out;
	return out;
}

static int32_t feedback(const struct op *o, const struct chan *ch)
{
	return ch->fb ? (o->out + o->prev) >> (9 - ch->fb) : 0;
}

static int32_t two_op(struct opl3_chip *c, struct op *o1, struct op *o2, const struct chan *ch,
		      unsigned am, int vib)
{
	int32_t a = op_run(c, o1, ch, feedback(o1, ch), am, vib, false, 0);
	if (ch->cnt)
		return a + op_run(c, o2, ch, 0, am, vib, false, 0);
	return op_run(c, o2, ch, a, am, vib, false, 0);
}

static int32_t four_op(struct opl3_chip *c, struct op *o[4], const struct chan *ch,
		       unsigned cnt2, unsigned am, int vib)
{
	int32_t a = op_run(c, o[0], ch, feedback(o[0], ch), am, vib, false, 0);
	int32_t b, d;
	switch (ch->cnt | cnt2 << 1) {
	case 0: /* 1 -> 2 -> 3 -> 4 */
		b = op_run(c, o[1], ch, a, am, vib, false, 0);
		d = op_run(c, o[2], ch, b, am, vib, false, 0);
		return op_run(c, o[3], ch, d, am, vib, false, 0);
	case 1: /* 1 + (2 -> 3 -> 4) */
		b = op_run(c, o[1], ch, 0, am, vib, false, 0);
		d = op_run(c, o[2], ch, b, am, vib, false, 0);
		return a + op_run(c, o[3], ch, d, am, vib, false, 0);
	case 2: /* (1 -> 2) + (3 -> 4) */
		b = op_run(c, o[1], ch, a, am, vib, false, 0);
		d = op_run(c, o[2], ch, 0, am, vib, false, 0);
		return b + op_run(c, o[3], ch, d, am, vib, false, 0);
	default: /* 1 + (2 -> 3) + 4 */
		b = op_run(c, o[1], ch, 0, am, vib, false, 0);
		d = op_run(c, o[2], ch, b, am, vib, false, 0);
		return a + d + op_run(c, o[3], ch, 0, am, vib, false, 0);
	}
}

/* Rhythm mode: channels 6-8 of bank 0 become five drums. */
static int32_t rhythm(struct opl3_chip *c, unsigned am, int vib)
{
	struct op *o = c->op;
	struct chan *c7 = &c->ch[7], *c8 = &c->ch[8];
	int32_t bd = two_op(c, &o[12], &o[15], &c->ch[6], am, vib) * 2;
	/* hi-hat and cymbal share a phase bit from slots 13 and 17 */
	unsigned p13 = o[13].phase >> 10, p17 = o[17].phase >> 10;
	bool bit = (((p13 >> 7) ^ (p13 >> 2)) & 1) | ((p13 >> 3) & 1) |
		   (((p17 >> 5) ^ (p17 >> 3)) & 1);
	bool nbit = c->noise & 1;
	unsigned hh_phase = bit ? (0x200 | (nbit ? 0xD0 : 0x34)) : (nbit ? 0x34 : 0xD0);
	unsigned sd_phase = ((p13 >> 8) & 1) << 9 | (unsigned)(((p13 >> 8) ^ nbit) & 1) << 8;
	unsigned tc_phase = (bit ? 0x200u : 0u) | 0x80;
	int32_t hh = op_run(c, &o[13], c7, 0, am, vib, true, hh_phase);
	int32_t sd = op_run(c, &o[16], c7, 0, am, vib, true, sd_phase);
	int32_t tom = op_run(c, &o[14], c8, 0, am, vib, false, 0);
	int32_t tc = op_run(c, &o[17], c8, 0, am, vib, true, tc_phase);
	return bd + (hh + sd + tom + tc) * 2;
}

bool opl3_chip_render(struct opl3_chip *c, int16_t *stereo, unsigned frames)
{
	bool any = false;
	for (unsigned f = 0; f < frames; f++) {
		/* LFOs: tremolo a triangle over 13440 samples, vibrato 8 steps of 1024 */
		unsigned tp = c->t % 13440;
		unsigned tri = tp < 6720 ? tp : 13440 - tp;
		unsigned am = tri * 26 / 6720;
		if (!(c->reg[0xBD] & 0x80))
			am >>= 2;
		int vib = vib_tab[(c->t >> 10) & 7];
		c->t++;
		/* 23-bit noise generator */
		unsigned nb = ((c->noise >> 14) ^ c->noise) & 1;
		c->noise = (c->noise >> 1) | nb << 22;

		int32_t l = 0, r = 0;
		for (int ci = 0; ci < 18; ci++) {
			struct chan *ch = &c->ch[ci];
			int b = ci / 9, i = ci % 9;
			struct op *ops = &c->op[b * 18];
			int32_t out;
			unsigned outs = c->opl3_mode ? ch->outs : 3;
			if (fourop_second(c, ci))
				continue;
			if (b == 0 && i >= 6 && (c->rhythm & 0x20)) {
				if (i != 6)
					continue;
				out = rhythm(c, am, vib);
			} else if (fourop_first(c, ci)) {
				struct op *q[4] = { &ops[mod_slot(i)], &ops[mod_slot(i) + 3],
						    &ops[mod_slot(i + 3)], &ops[mod_slot(i + 3) + 3] };
				out = four_op(c, q, ch, c->ch[ci + 3].cnt, am, vib);
			} else {
				out = two_op(c, &ops[mod_slot(i)], &ops[mod_slot(i) + 3], ch, am, vib);
			}
			if (outs & 1)
				l += out;
			if (outs & 2)
				r += out;
		}
		stereo[2 * f] = (int16_t)(l > 32767 ? 32767 : l < -32768 ? -32768 : l);
		stereo[2 * f + 1] = (int16_t)(r > 32767 ? 32767 : r < -32768 ? -32768 : r);
	}
	for (int i = 0; i < 36 && !any; i++)
		any = c->op[i].eg != EG_OFF;
	return any;
}

void opl3_chip_reset(struct opl3_chip *c)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < 36; i++) {
		c->op[i].eg = EG_OFF;
		c->op[i].env = 511ll << 16;
	}
	c->noise = 1;
}

struct opl3_chip *opl3_chip_new(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, tables_init);
	struct opl3_chip *c = xmalloc(sizeof(*c));
	opl3_chip_reset(c);
	return c;
}

void opl3_chip_free(struct opl3_chip *c)
{
	free(c);
}
