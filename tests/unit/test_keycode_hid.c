/*
 * The one HID <-> PC key table (core/host/keycode_hid.c): known keys both
 * ways, every usage that has a keycode comes back from it, and what has no
 * keycode stays 0.
 */
#include "core/host/input.h"
#include "core/host/keycode_hid.h"
#include "ui/keymap.h"
#include "unit.h"

int main(void)
{
	/* HID Usage Tables, Keyboard/Keypad page: a few from each block */
	static const struct { unsigned usage, pc; const char *what; } known[] = {
		{ 0x04, 0x1E, "a" }, { 0x1D, 0x2C, "z" }, { 0x1E, 0x02, "1" }, { 0x27, 0x0B, "0" },
		{ 0x28, 0x1C, "Enter" }, { 0x29, 0x01, "Escape" }, { 0x2C, 0x39, "space" },
		{ 0x3A, 0x3B, "F1" }, { 0x45, 0x58, "F12" }, { 0x46, 0xE037, "Print Screen" },
		{ 0x48, INPUT_KEY_PAUSE, "Pause" }, { 0x4F, 0xE04D, "Right arrow" },
		{ 0x58, 0xE01C, "keypad Enter" }, { 0x64, 0x56, "ISO <> key" },
		{ 0xE0, 0x1D, "left Ctrl" }, { 0xE4, 0xE01D, "right Ctrl" }, { 0xE6, 0xE038, "AltGr" },
		{ 0xE7, 0xE05C, "right GUI" },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		CHECK(keycode_hid_to_pc(known[i].usage) == known[i].pc, "usage 0x%02x (%s) -> 0x%x",
		      known[i].usage, known[i].what, keycode_hid_to_pc(known[i].usage));
		CHECK(keycode_pc_to_hid(known[i].pc) == known[i].usage, "keycode 0x%x (%s) -> usage 0x%02x",
		      known[i].pc, known[i].what, keycode_pc_to_hid(known[i].pc));
	}
	/* ANSI backslash (0x31) and ISO #~ (0x32) are the same PC key: the lower comes back */
	CHECK(keycode_hid_to_pc(0x31) == 0x2B && keycode_hid_to_pc(0x32) == 0x2B,
	      "backslash and ISO #~ are both PC key 0x2B");
	CHECK(keycode_pc_to_hid(0x2B) == 0x31, "PC key 0x2B -> usage 0x31");

	unsigned n = 0, round = 0;
	for (unsigned u = 0; u < HID_USAGE_MAX; u++) {
		unsigned pc = keycode_hid_to_pc(u);
		if (!pc)
			continue;
		n++;
		unsigned back = keycode_pc_to_hid(pc);
		round += back == u || keycode_hid_to_pc(back) == pc;
	}
	CHECK(n > 120, "the table covers a 105-key board and more (%u usages)", n);
	CHECK(round == n, "every usage's keycode comes back to a usage of the same key (%u/%u)", round, n);
	CHECK(keycode_hid_to_pc(0) == 0 && keycode_hid_to_pc(3) == 0, "usages 0-3 (no key, errors) have none");
	CHECK(keycode_hid_to_pc(HID_USAGE_MAX) == 0 && keycode_hid_to_pc(0xFFFF) == 0,
	      "a usage past the table has none");
	CHECK(keycode_pc_to_hid(0) == 0 && keycode_pc_to_hid(0xE15F) == 0,
	      "keycode 0 and one the page lacks have no usage");
	/* SDL's scancodes below 0xE8 are these usages */
	CHECK(keymap_sdl_to_pc(0x04) == 0x1E && keymap_sdl_to_pc(0xE4) == 0xE01D,
	      "the SDL window's table agrees (a, right Ctrl)");
	return UNIT_DONE();
}
