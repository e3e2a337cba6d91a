/* PS/2 keyboard encodings and the PS/2 mouse protocol, without the controller. */
#include <stdlib.h>

#include "unit.h"
#include "devices/ps2.h"
#include "core/host/input.h"

static int drain_mouse(struct ps2_mouse *m, uint8_t *out, int max)
{
	int n = 0, b;
	while ((b = ps2_mouse_read(m)) >= 0)
		if (n < max)
			out[n++] = b;
	return n;
}

static bool same(const uint8_t *a, const uint8_t *b, int n)
{
	return memcmp(a, b, n) == 0;
}

/* Translate a set-2 sequence the way the i8042 does. */
static int translate(const uint8_t *in, int n, uint8_t *out)
{
	int m = 0;
	bool brk = false;
	for (int i = 0; i < n; i++) {
		if (in[i] == 0xF0) {
			brk = true;
			continue;
		}
		out[m++] = ps2_translate_byte(in[i]) | (brk ? 0x80 : 0);
		brk = false;
	}
	return m;
}

static void keyboard_tests(void)
{
	/* every named key: set 2 translated by the i8042 equals set 1 */
	int keys = 0, bad = 0;
	for (unsigned k = 1; k < INPUT_KEY_MAX; k++) {
		if (!input_key_name(k))
			continue;
		for (int down = 0; down < 2; down++) {
			uint8_t s1[16], s2[16], t[16];
			int n1 = ps2_kbd_encode(1, k, down, 0, s1, 16);
			int n2 = ps2_kbd_encode(2, k, down, 0, s2, 16);
			if (k == INPUT_KEY_PAUSE && !down) {
				if (n1 || n2) bad++;
				continue;
			}
			int nt = translate(s2, n2, t);
			if (n1 <= 0 || nt != n1 || !same(s1, t, n1)) {
				printf("  key %#x %s: set1 %d bytes, set2->1 %d bytes\n", k,
				       down ? "down" : "up", n1, nt);
				bad++;
			}
		}
		keys++;
	}
	CHECK(keys > 120 && bad == 0, "%d named keys: set 2 through the i8042 equals set 1", keys);

	/* the translation table is one-to-one below 0x80 */
	bool seen[256] = { false };
	bool dup = false;
	for (int i = 0; i < 128; i++) {
		uint8_t v = ps2_translate_byte(i);
		if (v < 0x80 && seen[v]) {
			printf("  %#x -> %#x twice\n", i, v);
			dup = true;
		}
		seen[v] = true;
	}
	CHECK(!dup, "translation is one-to-one");
	CHECK(ps2_translate_byte(0x01) == 0x43 && ps2_translate_byte(0x02) == 0x41 &&
	      ps2_translate_byte(0x03) == 0x3F, "set numbers translate as atkbd expects (43/41/3F)");

	uint8_t b[16];
	int n = ps2_kbd_encode(2, INPUT_KEY_PAUSE, true, 0, b, 16);
	CHECK(n == 8 && same(b, (uint8_t[]){ 0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77 }, 8),
	      "Pause in set 2");
	n = ps2_kbd_encode(2, 0xE037, false, 0, b, 16);
	CHECK(n == 6 && same(b, (uint8_t[]){ 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12 }, 6),
	      "Print Screen break in set 2");
	n = ps2_kbd_encode(2, 0xE037, true, PS2_MOD_SHIFT, b, 16);
	CHECK(n == 2 && b[0] == 0xE0 && b[1] == 0x7C, "Shift+Print Screen has no fake shift");
	n = ps2_kbd_encode(2, 0x54, true, 0, b, 16);
	CHECK(n == 1 && b[0] == 0x84, "SysRq is 84 in set 2");
	CHECK(ps2_kbd_encode(2, 0x55, true, 0, b, 16) == 0, "a code with no key encodes to nothing");
	CHECK(ps2_kbd_encode(2, 0x1234, true, 0, b, 16) == 0, "garbage keycode ignored");

	struct ps2_kbd *k = ps2_kbd_new(NULL);
	ps2_kbd_write(k, 0xF3);
	ps2_kbd_write(k, 0x20);
	CHECK(ps2_kbd_read(k) == 0xFA && ps2_kbd_read(k) == 0xFA, "typematic F3 xx acked");
	ps2_kbd_write(k, 0xED);
	ps2_kbd_write(k, 0xF2);   /* a command instead of the LED byte */
	CHECK(ps2_kbd_read(k) == 0xFA && ps2_kbd_read(k) == 0xFA && ps2_kbd_read(k) == 0xAB &&
	      ps2_kbd_read(k) == 0x83, "a command abandons a pending argument");
	ps2_kbd_key(k, 0x1E, true);
	ps2_kbd_write(k, 0xFF);
	CHECK(ps2_kbd_read(k) == 0xFA && ps2_kbd_read(k) == 0xAA && ps2_kbd_read(k) == -1,
	      "reset clears queued keys, replies FA AA");
	ps2_kbd_free(k);
}

static void mouse_tests(void)
{
	struct ps2_mouse *m = ps2_mouse_new();
	uint8_t b[64];

	ps2_mouse_write(m, 0xFF);
	CHECK(drain_mouse(m, b, 64) == 3 && same(b, (uint8_t[]){ 0xFA, 0xAA, 0x00 }, 3), "reset: FA AA 00");
	ps2_mouse_move(m, 10, 10, 0, 0);
	CHECK(!ps2_mouse_has_data(m), "no packets before F4");
	ps2_mouse_write(m, 0xF2);
	CHECK(drain_mouse(m, b, 64) == 2 && b[1] == 0, "ID 0");

	/* IntelliMouse knock */
	const uint8_t im[] = { 200, 100, 80 };
	for (int i = 0; i < 3; i++) { ps2_mouse_write(m, 0xF3); ps2_mouse_write(m, im[i]); }
	drain_mouse(m, b, 64);
	ps2_mouse_write(m, 0xF2);
	CHECK(drain_mouse(m, b, 64) == 2 && b[1] == 3, "200,100,80 -> ID 3 (wheel)");
	ps2_mouse_write(m, 0xF4);
	drain_mouse(m, b, 64);
	ps2_mouse_move(m, -2, 0, 1, INPUT_BTN_RIGHT);
	CHECK(drain_mouse(m, b, 64) == 4 && same(b, (uint8_t[]){ 0x1A, 0xFE, 0x00, 0x01 }, 4),
	      "4-byte packet: right button, dx -2, wheel +1");

	/* Explorer knock */
	ps2_mouse_write(m, 0xF5);
	const uint8_t ex[] = { 200, 200, 80 };
	for (int i = 0; i < 3; i++) { ps2_mouse_write(m, 0xF3); ps2_mouse_write(m, ex[i]); }
	ps2_mouse_write(m, 0xF2);
	int n = drain_mouse(m, b, 64);
	CHECK(n == 9 && b[8] == 4, "200,200,80 after ID 3 -> ID 4 (5 buttons)");
	CHECK(!strcmp(ps2_mouse_kind(m), "IntelliMouse Explorer"), "kind named");
	ps2_mouse_write(m, 0xF4);
	drain_mouse(m, b, 64);
	ps2_mouse_move(m, 0, 0, -1, INPUT_BTN_SIDE | INPUT_BTN_EXTRA);
	CHECK(drain_mouse(m, b, 64) == 4 && b[3] == 0x3F, "buttons 4/5 and a 4-bit wheel");

	/* a large move is cut into packets, no distance lost */
	ps2_mouse_move(m, 1000, -700, 0, 0);
	n = drain_mouse(m, b, 64);
	int sx = 0, sy = 0;
	for (int i = 0; i + 3 < n + 1 && i < n; i += 4) {
		sx += (b[i] & 0x10) ? (int)b[i + 1] - 256 : b[i + 1];
		sy += (b[i] & 0x20) ? (int)b[i + 2] - 256 : b[i + 2];
	}
	CHECK(sx == 1000 && sy == 700, "large motion split: sum dx %d dy %d", sx, sy);

	/* status, remote mode, wrap */
	ps2_mouse_write(m, 0xE8); ps2_mouse_write(m, 3);
	ps2_mouse_write(m, 0xE7);
	ps2_mouse_write(m, 0xF0);
	drain_mouse(m, b, 64);
	ps2_mouse_write(m, 0xE9);
	n = drain_mouse(m, b, 64);
	CHECK(n == 4 && b[1] == (0x40 | 0x20 | 0x10) && b[2] == 3 && b[3] == 80,
	      "status: remote, enabled, 2:1, resolution 3, rate 80");
	ps2_mouse_move(m, 3, 0, 0, INPUT_BTN_LEFT);
	CHECK(!ps2_mouse_has_data(m), "remote mode sends nothing by itself");
	ps2_mouse_write(m, 0xEB);
	n = drain_mouse(m, b, 64);
	CHECK(n == 5 && b[0] == 0xFA && (b[1] & 1) && b[2] == 3, "EB reads the motion (unscaled)");
	ps2_mouse_write(m, 0xEE);
	ps2_mouse_write(m, 0x12);
	ps2_mouse_write(m, 0xEC);
	n = drain_mouse(m, b, 64);
	CHECK(n == 3 && b[0] == 0xFA && b[1] == 0x12 && b[2] == 0xFA, "wrap mode echoes until EC");
	ps2_mouse_write(m, 0xEA);
	ps2_mouse_write(m, 0xE6);
	drain_mouse(m, b, 64);
	ps2_mouse_move(m, 4, 0, 0, INPUT_BTN_LEFT);
	n = drain_mouse(m, b, 64);
	CHECK(n == 4 && b[1] == 4, "stream again, 1:1");
	ps2_mouse_write(m, 0xE7);
	drain_mouse(m, b, 64);
	ps2_mouse_move(m, 4, 0, 0, INPUT_BTN_LEFT);
	n = drain_mouse(m, b, 64);
	CHECK(n == 4 && b[1] == 6, "2:1 scaling maps 4 to 6");
	ps2_mouse_write(m, 0x00);
	CHECK(ps2_mouse_read(m) == 0xFE, "unknown command -> FE");
	ps2_mouse_free(m);
}

int main(void)
{
	keyboard_tests();
	mouse_tests();
	return UNIT_DONE();
}
