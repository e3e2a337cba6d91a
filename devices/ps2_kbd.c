/*
 * PS/2 keyboard (an MF2 keyboard behind the i8042).
 *
 * Keys arrive as set-1 keycodes (core/host/input.h) and are queued as bytes of the
 * scan set the guest selected: set 2 (power-on default; the i8042 usually
 * translates it back to set 1) or set 1. Set 3 is not implemented: F0 03 is
 * acknowledged and the keyboard stays in set 2 (and says so when asked).
 *
 * Command replies go out ahead of queued scancodes, but never split a key's
 * multi-byte sequence. The scancode queue is large (a backlog) so bursts are
 * never dropped or reordered while the guest reads.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/ps2.h"
#include "core/util.h"
#include "core/host/input.h"

#define KEYQ_SIZE 4096
#define REPLYQ_SIZE 16

/*
 * Set 1 make code -> set 2 make code, for keys without the E0 prefix.
 * From the IBM PS/2 keyboard technical reference scan code tables.
 */
static const uint8_t set1_to_set2[128] = {
	[0x01] = 0x76, [0x02] = 0x16, [0x03] = 0x1E, [0x04] = 0x26, [0x05] = 0x25,
	[0x06] = 0x2E, [0x07] = 0x36, [0x08] = 0x3D, [0x09] = 0x3E, [0x0A] = 0x46,
	[0x0B] = 0x45, [0x0C] = 0x4E, [0x0D] = 0x55, [0x0E] = 0x66, [0x0F] = 0x0D,
	[0x10] = 0x15, [0x11] = 0x1D, [0x12] = 0x24, [0x13] = 0x2D, [0x14] = 0x2C,
	[0x15] = 0x35, [0x16] = 0x3C, [0x17] = 0x43, [0x18] = 0x44, [0x19] = 0x4D,
	[0x1A] = 0x54, [0x1B] = 0x5B, [0x1C] = 0x5A, [0x1D] = 0x14, [0x1E] = 0x1C,
	[0x1F] = 0x1B, [0x20] = 0x23, [0x21] = 0x2B, [0x22] = 0x34, [0x23] = 0x33,
	[0x24] = 0x3B, [0x25] = 0x42, [0x26] = 0x4B, [0x27] = 0x4C, [0x28] = 0x52,
	[0x29] = 0x0E, [0x2A] = 0x12, [0x2B] = 0x5D, [0x2C] = 0x1A, [0x2D] = 0x22,
	[0x2E] = 0x21, [0x2F] = 0x2A, [0x30] = 0x32, [0x31] = 0x31, [0x32] = 0x3A,
	[0x33] = 0x41, [0x34] = 0x49, [0x35] = 0x4A, [0x36] = 0x59, [0x37] = 0x7C,
	[0x38] = 0x11, [0x39] = 0x29, [0x3A] = 0x58, [0x3B] = 0x05, [0x3C] = 0x06,
	[0x3D] = 0x04, [0x3E] = 0x0C, [0x3F] = 0x03, [0x40] = 0x0B, [0x41] = 0x83,
	[0x42] = 0x0A, [0x43] = 0x01, [0x44] = 0x09, [0x45] = 0x77, [0x46] = 0x7E,
	[0x47] = 0x6C, [0x48] = 0x75, [0x49] = 0x7D, [0x4A] = 0x7B, [0x4B] = 0x6B,
	[0x4C] = 0x73, [0x4D] = 0x74, [0x4E] = 0x79, [0x4F] = 0x69, [0x50] = 0x72,
	[0x51] = 0x7A, [0x52] = 0x70, [0x53] = 0x71, [0x54] = 0x84, [0x56] = 0x61,
	[0x57] = 0x78, [0x58] = 0x07, [0x59] = 0x0F,
	/* F13..F24 and the Japanese/Brazilian keys */
	[0x64] = 0x08, [0x65] = 0x10, [0x66] = 0x18, [0x67] = 0x20, [0x68] = 0x28,
	[0x69] = 0x30, [0x6A] = 0x38, [0x6B] = 0x40, [0x6C] = 0x48, [0x6D] = 0x50,
	[0x6E] = 0x57, [0x70] = 0x13, [0x73] = 0x51, [0x76] = 0x5F, [0x79] = 0x64,
	[0x7B] = 0x67, [0x7D] = 0x6A, [0x7E] = 0x6D,
};

/* E0 xx (set 1) -> E0 yy (set 2). */
static const uint8_t set1e0_to_set2e0[128] = {
	[0x10] = 0x15, [0x19] = 0x4D, [0x1C] = 0x5A, [0x1D] = 0x14, [0x20] = 0x23,
	[0x21] = 0x2B, [0x22] = 0x34, [0x24] = 0x3B, [0x2E] = 0x21, [0x30] = 0x32,
	[0x32] = 0x3A, [0x35] = 0x4A, [0x37] = 0x7C, [0x38] = 0x11, [0x46] = 0x7E,
	[0x47] = 0x6C, [0x48] = 0x75, [0x49] = 0x7D, [0x4B] = 0x6B, [0x4D] = 0x74,
	[0x4F] = 0x69, [0x50] = 0x72, [0x51] = 0x7A, [0x52] = 0x70, [0x53] = 0x71,
	[0x5B] = 0x1F, [0x5C] = 0x27, [0x5D] = 0x2F, [0x5E] = 0x37, [0x5F] = 0x3F,
	[0x63] = 0x5E, [0x65] = 0x10, [0x66] = 0x18, [0x67] = 0x20, [0x68] = 0x28,
	[0x69] = 0x30, [0x6A] = 0x38, [0x6B] = 0x40, [0x6C] = 0x48, [0x6D] = 0x50,
};

struct ps2_kbd {
	struct vm *vm;
	struct ps2_fifo keys;      /* scancode bytes */
	struct ps2_fifo seqlen;    /* length of each queued key sequence */
	struct ps2_fifo replies;   /* command replies, sent first */
	uint8_t keybuf[KEYQ_SIZE], lenbuf[KEYQ_SIZE], replybuf[REPLYQ_SIZE];
	unsigned seq_left;         /* bytes of the current sequence still to send */
	int pending_cmd;           /* command waiting for its argument, or -1 */
	bool scanning;
	unsigned set;
	unsigned leds;
	uint8_t typematic;
	uint8_t last_sent;
	unsigned mods;             /* PS2_MOD_* from the keys held */
	bool lctrl, rctrl, lshift, rshift, lalt, ralt;
};

/* set-2 byte -> set-1 byte, built once from the tables above. */
static uint8_t xlate[256];

__attribute__((constructor)) static void build_xlate(void)
{
	bool used1[128] = { false }, set2[128] = { false };

	for (int i = 0; i < 256; i++)
		xlate[i] = i;
	for (int s1 = 0; s1 < 128; s1++) {
		uint8_t s2 = set1_to_set2[s1];
		if (s2 && s2 < 0x80) {
			xlate[s2] = s1;
			used1[s1] = set2[s2] = true;
		}
	}
	/* Set-2 codes used only after E0 translate to their E0 set-1 partner. */
	for (int s1 = 0; s1 < 128; s1++) {
		uint8_t s2 = set1e0_to_set2e0[s1];
		if (s2 && s2 < 0x80 && !set2[s2] && !used1[s1]) {
			xlate[s2] = s1;
			used1[s1] = set2[s2] = true;
		}
	}
	/* Codes the real table fixes outside the key map: the F0 00 reply
	 * "set 2" (0x02 -> 0x41, as F7) and 0x00 (overrun) -> 0xFF. */
	xlate[0x02] = 0x41; set2[0x02] = true;
	xlate[0x00] = 0xFF; set2[0x00] = true;
	used1[0x41] = true;
	/* F7 and SysRq are set-2 codes above 0x7F. */
	xlate[0x83] = 0x41;
	xlate[0x84] = 0x54;
	used1[0x54] = true;
	/* The remaining set-2 codes (no key) take the remaining set-1 codes in
	 * order, keeping the table one-to-one over 0..0x7F. */
	int next = 0;
	for (int s2 = 0; s2 < 128; s2++) {
		if (set2[s2])
			continue;
		while (next < 128 && used1[next])
			next++;
		if (next < 128) {
			xlate[s2] = next;
			used1[next] = true;
		}
	}
}

uint8_t ps2_translate_byte(uint8_t set2)
{
	return xlate[set2];
}

static int emit(uint8_t *out, int n, int max, uint8_t b)
{
	if (n < max)
		out[n] = b;
	return n + 1;
}

int ps2_kbd_encode(unsigned set, unsigned keycode, bool down, unsigned mods,
		   uint8_t *out, int max)
{
	int n = 0;

	if (keycode == INPUT_KEY_PAUSE) {
		if (!down)
			return 0;   /* Pause has no break code */
		if (mods & PS2_MOD_CTRL) {   /* Ctrl+Pause = Break */
			static const uint8_t b1[] = { 0xE0, 0x46, 0xE0, 0xC6 };
			static const uint8_t b2[] = { 0xE0, 0x7E, 0xE0, 0xF0, 0x7E };
			const uint8_t *s = set == 1 ? b1 : b2;
			int len = set == 1 ? 4 : 5;
			for (int i = 0; i < len; i++)
				n = emit(out, n, max, s[i]);
			return n;
		}
		static const uint8_t p1[] = { 0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5 };
		static const uint8_t p2[] = { 0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77 };
		const uint8_t *s = set == 1 ? p1 : p2;
		int len = set == 1 ? 6 : 8;
		for (int i = 0; i < len; i++)
			n = emit(out, n, max, s[i]);
		return n;
	}
	if (keycode == (INPUT_KEY_E0 | 0x37)) {
		if (mods & PS2_MOD_ALT) {
			/* Alt+Print Screen is SysRq, its own key code */
			keycode = 0x54;
		} else if (!(mods & (PS2_MOD_CTRL | PS2_MOD_SHIFT))) {
			/* A lone Print Screen comes wrapped in fake shifts. */
			if (set == 1) {
				const uint8_t mk[] = { 0xE0, 0x2A, 0xE0, 0x37 };
				const uint8_t br[] = { 0xE0, 0xB7, 0xE0, 0xAA };
				for (int i = 0; i < 4; i++)
					n = emit(out, n, max, down ? mk[i] : br[i]);
			} else {
				const uint8_t mk[] = { 0xE0, 0x12, 0xE0, 0x7C };
				const uint8_t br[] = { 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12 };
				if (down)
					for (int i = 0; i < 4; i++)
						n = emit(out, n, max, mk[i]);
				else
					for (int i = 0; i < 6; i++)
						n = emit(out, n, max, br[i]);
			}
			return n;
		}
	}

	bool e0 = (keycode & 0xFF00) == INPUT_KEY_E0;
	uint8_t code = keycode & 0x7F;
	if ((keycode & ~0x7Fu) != 0 && !e0)
		return 0;
	if (code == 0)
		return 0;
	if (set == 1) {
		if (e0)
			n = emit(out, n, max, 0xE0);
		return emit(out, n, max, down ? code : code | 0x80);
	}
	uint8_t s2 = e0 ? set1e0_to_set2e0[code] : set1_to_set2[code];
	if (!s2)
		return 0;
	if (e0)
		n = emit(out, n, max, 0xE0);
	if (!down)
		n = emit(out, n, max, 0xF0);
	return emit(out, n, max, s2);
}

static void fifo_init(struct ps2_fifo *f, uint8_t *buf, unsigned cap)
{
	f->buf = buf;
	f->cap = cap;
	f->head = f->count = 0;
}

static void reply(struct ps2_kbd *k, uint8_t b)
{
	ps2_fifo_put(&k->replies, b);
}

static void set_defaults(struct ps2_kbd *k)
{
	k->set = 2;
	k->typematic = 0x2B;   /* 10.9 cps, 500 ms */
	k->pending_cmd = -1;
}

static void set_leds(struct ps2_kbd *k, unsigned leds)
{
	k->leds = leds & 7;
	if (k->vm)
		input_leds_changed(k->vm, k->leds);
}

void ps2_kbd_reset(struct ps2_kbd *k)
{
	ps2_fifo_clear(&k->keys);
	ps2_fifo_clear(&k->seqlen);
	ps2_fifo_clear(&k->replies);
	k->seq_left = 0;
	set_defaults(k);
	k->scanning = true;
	k->last_sent = 0;
	k->mods = 0;
	k->lctrl = k->rctrl = k->lshift = k->rshift = k->lalt = k->ralt = false;
	if (k->leds)
		set_leds(k, 0);
}

struct ps2_kbd *ps2_kbd_new(struct vm *vm)
{
	struct ps2_kbd *k = xzalloc(sizeof(*k));
	k->vm = vm;
	fifo_init(&k->keys, k->keybuf, KEYQ_SIZE);
	fifo_init(&k->seqlen, k->lenbuf, KEYQ_SIZE);
	fifo_init(&k->replies, k->replybuf, REPLYQ_SIZE);
	ps2_kbd_reset(k);
	return k;
}

void ps2_kbd_free(struct ps2_kbd *k)
{
	free(k);
}

static void argument(struct ps2_kbd *k, unsigned cmd, uint8_t b)
{
	switch (cmd) {
	case 0xED: /* set LEDs */
		reply(k, PS2_ACK);
		set_leds(k, b);
		break;
	case 0xF0: /* get/set scan code set */
		reply(k, PS2_ACK);
		if (b == 0)
			reply(k, k->set);
		else if (b == 1 || b == 2)
			k->set = b;
		/* set 3 is not implemented: stay in set 2 */
		break;
	case 0xF3: /* typematic rate/delay */
		reply(k, PS2_ACK);
		k->typematic = b & 0x7F;
		break;
	}
}

void ps2_kbd_write(struct ps2_kbd *k, uint8_t b)
{
	/* An argument byte is below 0x80; anything else is a new command
	 * (keyboards abandon the pending one). */
	if (k->pending_cmd >= 0 && b < 0x80) {
		unsigned cmd = k->pending_cmd;
		k->pending_cmd = -1;
		argument(k, cmd, b);
		return;
	}
	k->pending_cmd = -1;
	switch (b) {
	case 0xED: case 0xF0: case 0xF3:
		reply(k, PS2_ACK);
		k->pending_cmd = b;
		break;
	case 0xEE:
		reply(k, PS2_ECHO);
		break;
	case 0xF2: /* identify: MF2 keyboard */
		reply(k, PS2_ACK);
		reply(k, 0xAB);
		reply(k, 0x83);
		break;
	case 0xF4:
		reply(k, PS2_ACK);
		k->scanning = true;
		break;
	case 0xF5: /* disable scanning and restore defaults */
		reply(k, PS2_ACK);
		set_defaults(k);
		k->scanning = false;
		break;
	case 0xF6:
		reply(k, PS2_ACK);
		set_defaults(k);
		k->scanning = true;
		break;
	case 0xF7: case 0xF8: case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xFD:
		/* set-3 key type commands: accepted, no effect */
		reply(k, PS2_ACK);
		break;
	case 0xFE: /* resend the last byte */
		reply(k, k->last_sent);
		break;
	case 0xFF:
		ps2_kbd_reset(k);
		reply(k, PS2_ACK);
		reply(k, PS2_BAT_OK);
		break;
	default:
		reply(k, PS2_RESEND);
		break;
	}
}

bool ps2_kbd_has_data(const struct ps2_kbd *k)
{
	return k->replies.count || k->keys.count;
}

int ps2_kbd_read(struct ps2_kbd *k)
{
	int b;

	if (k->seq_left) {
		k->seq_left--;
		b = ps2_fifo_get(&k->keys);
	} else if (k->replies.count) {
		b = ps2_fifo_get(&k->replies);
	} else if (k->keys.count) {
		int len = ps2_fifo_get(&k->seqlen);
		k->seq_left = len > 0 ? len - 1 : 0;
		b = ps2_fifo_get(&k->keys);
	} else {
		return -1;
	}
	if (b >= 0 && b != PS2_RESEND)
		k->last_sent = b;
	return b;
}

static void track_mods(struct ps2_kbd *k, unsigned keycode, bool down)
{
	switch (keycode) {
	case 0x1D: k->lctrl = down; break;
	case INPUT_KEY_E0 | 0x1D: k->rctrl = down; break;
	case 0x2A: k->lshift = down; break;
	case 0x36: k->rshift = down; break;
	case 0x38: k->lalt = down; break;
	case INPUT_KEY_E0 | 0x38: k->ralt = down; break;
	default: return;
	}
	k->mods = (k->lctrl || k->rctrl ? PS2_MOD_CTRL : 0) |
		  (k->lshift || k->rshift ? PS2_MOD_SHIFT : 0) |
		  (k->lalt || k->ralt ? PS2_MOD_ALT : 0);
}

void ps2_kbd_key(struct ps2_kbd *k, unsigned keycode, bool down)
{
	uint8_t seq[16];

	track_mods(k, keycode, down);
	if (!k->scanning)
		return;   /* a disabled keyboard does not scan its matrix */
	int n = ps2_kbd_encode(k->set, keycode, down, k->mods, seq, sizeof(seq));
	if (n <= 0 || n > (int)sizeof(seq))
		return;
	if (ps2_fifo_space(&k->keys) < (unsigned)n || !ps2_fifo_space(&k->seqlen))
		return;   /* the guest has not read 4 KiB of keys: it is not listening */
	for (int i = 0; i < n; i++)
		ps2_fifo_put(&k->keys, seq[i]);
	ps2_fifo_put(&k->seqlen, n);
}

unsigned ps2_kbd_leds(const struct ps2_kbd *k)
{
	return k->leds;
}

unsigned ps2_kbd_scanset(const struct ps2_kbd *k)
{
	return k->set;
}
