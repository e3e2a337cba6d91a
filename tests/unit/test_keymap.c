/*
 * Key mapping: the SDL table, VNC layouts (en-us, de), and what a VNC
 * client's keysyms become at the i8042 (set 1, translated).
 */
#include <SDL2/SDL_scancode.h>
#include <stdlib.h>

#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"
#include "core/host/input.h"
#include "ui/keymap.h"

static struct vm *vm;

/* Everything the guest would read now, as a string of hex bytes. */
static const char *bytes(void)
{
	static char buf[512];
	size_t n = 0;
	buf[0] = 0;
	while ((unit_inb(vm, 0x64) & 1) && n + 4 < sizeof(buf))
		n += snprintf(buf + n, sizeof(buf) - n, "%s%02x", n ? " " : "", unit_inb(vm, 0x60));
	return buf;
}

static void kbd_cmd(uint8_t b) { unit_outb(vm, 0x60, b); bytes(); }

static void sdl_tests(void)
{
	int mapped = 0, unnamed = 0;
	for (int s = 0; s < SDL_NUM_SCANCODES; s++) {
		unsigned k = keymap_sdl_to_pc(s);
		if (!k)
			continue;
		mapped++;
		if (!input_key_name(k)) {
			printf("  SDL scancode %d -> %#x has no key name\n", s, k);
			unnamed++;
		}
	}
	CHECK(mapped >= 105 && unnamed == 0, "SDL table: %d scancodes, all known PC keys", mapped);
	CHECK_EQ(keymap_sdl_to_pc(SDL_SCANCODE_PAUSE), INPUT_KEY_PAUSE, "Pause");
	CHECK_EQ(keymap_sdl_to_pc(SDL_SCANCODE_PRINTSCREEN), 0xE037, "Print Screen");
	CHECK_EQ(keymap_sdl_to_pc(SDL_SCANCODE_LGUI), 0xE05B, "left Windows");
	CHECK_EQ(keymap_sdl_to_pc(SDL_SCANCODE_APPLICATION), 0xE05D, "menu");
	CHECK_EQ(keymap_sdl_to_pc(SDL_SCANCODE_KP_ENTER), 0xE01C, "keypad Enter");
	CHECK_EQ(keymap_sdl_to_pc(SDL_SCANCODE_NONUSBACKSLASH), 0x56, "105th key");
	CHECK_EQ(keymap_sdl_to_pc(-1), 0, "negative scancode");
	CHECK_EQ(keymap_sdl_to_pc(100000), 0, "huge scancode");
}

static void names_tests(void)
{
	CHECK_EQ(input_key_from_name("ctrl"), 0x1D, "sendkey ctrl");
	CHECK_EQ(input_key_from_name("delete"), 0xE053, "sendkey delete");
	CHECK_EQ(input_key_from_name("kp_0"), 0x52, "sendkey kp_0");
	CHECK_EQ(input_key_from_name("nosuch"), -1, "unknown name");
	CHECK_STR(input_key_name(0x1C), "ret", "name of Enter");
	CHECK_EQ(input_key_from_qnum(0x9C), 0xE01C, "qnum 0x9c is keypad Enter");
	CHECK_EQ(input_key_to_qnum(0xE048), 0xC8, "Up is qnum 0xc8");
	CHECK_EQ(input_key_from_qnum(0xC6), INPUT_KEY_PAUSE, "qnum 0xc6 is Pause");
}

static void layout_tests(void)
{
	char err[256];
	unsigned mods;

	struct keymap *us = keymap_load("en-us", err, sizeof(err));
	CHECK(us != NULL, "en-us loads (%s)", us ? "ok" : err);
	struct keymap *de = keymap_load("de", err, sizeof(err));
	CHECK(de != NULL, "de loads (%s)", de ? "ok" : err);
	struct keymap *ru = keymap_load("ru", err, sizeof(err));
	CHECK(ru != NULL, "ru loads");
	if (!us || !de || !ru)
		return;
	CHECK(keymap_lookup(us, 'y', &mods) == 0x15 && mods == 0, "en-us y");
	CHECK(keymap_lookup(de, 'y', &mods) == 0x2C && mods == 0, "de y is where en-us has z");
	CHECK(keymap_lookup(de, 'Z', &mods) == 0x15 && mods == KEYMAP_MOD_SHIFT, "de Z = shift + 0x15");
	CHECK(keymap_lookup(de, '@', &mods) == 0x10 && mods == KEYMAP_MOD_ALTGR, "de @ = altgr + q");
	CHECK(keymap_lookup(de, 0xE4, &mods) == 0x28 && mods == 0, "de a-umlaut");
	CHECK(keymap_lookup(us, '@', &mods) == 0x03 && mods == KEYMAP_MOD_SHIFT, "en-us @ = shift + 2");
	CHECK(keymap_lookup(us, '<', &mods) == 0x33 && mods == KEYMAP_MOD_SHIFT,
	      "en-us < prefers shift+comma over the 105th key");
	CHECK(keymap_lookup(ru, 0x6C6, &mods) == 0x1E, "ru Cyrillic ef on the A key");
	CHECK(keymap_lookup(ru, 'a', &mods) == 0x1E, "ru falls back to en-us for Latin");
	CHECK(keymap_lookup(us, 0xFF0D, &mods) == 0x1C, "Return");
	CHECK(keymap_lookup(us, 0xFE03, &mods) == 0xE038, "ISO_Level3_Shift always maps");
	CHECK(keymap_lookup(us, 0x12345, &mods) == 0, "unknown keysym");

	CHECK(keymap_load("../etc/passwd", err, sizeof(err)) == NULL, "path in a layout name refused");
	CHECK(keymap_load("xx-nosuch", err, sizeof(err)) == NULL && strstr(err, "not found"),
	      "unknown layout reported: %s", err);
	CHECK(keymap_parse("bad", "0x61 zz\n", NULL, err, sizeof(err)) == NULL &&
	      strstr(err, "bad:1"), "malformed line reported: %s", err);
	struct keymap *t = keymap_parse("t", "# c\n0x61 0x1e\n\n0x41 0x1e shift altgr # x\n", NULL,
					err, sizeof(err));
	CHECK(t && keymap_lookup(t, 0x41, &mods) == 0x1E && mods == 3, "parse with comments");
	keymap_free(t);

	/* every entry of en-us and de types its key */
	struct keymap *maps[2] = { us, de };
	const char *names[2] = { "en-us", "de" };
	for (int m = 0; m < 2; m++) {
		int n = 0, bad = 0;
		for (uint32_t sym = 0; sym < 0x10000; sym++) {
			unsigned key = keymap_lookup(maps[m], sym, &mods);
			if (!key)
				continue;
			n++;
			struct keymap_client c;
			keymap_client_init(&c, maps[m]);
			keymap_client_keysym(&c, vm, sym, true);
			keymap_client_keysym(&c, vm, sym, false);
			const char *got = bytes();
			/* the key's make and break must appear, in order */
			char mk[16], br[16];
			if (key == INPUT_KEY_PAUSE) {
				snprintf(mk, sizeof(mk), "e1 1d 45");
				snprintf(br, sizeof(br), "e1 9d c5");
			} else if (key == 0xE037) {
				snprintf(mk, sizeof(mk), "e0 37");
				snprintf(br, sizeof(br), "e0 b7");
			} else if (key & INPUT_KEY_E0) {
				snprintf(mk, sizeof(mk), "e0 %02x", key & 0x7F);
				snprintf(br, sizeof(br), "e0 %02x", (key & 0x7F) | 0x80);
			} else {
				snprintf(mk, sizeof(mk), "%02x", key);
				snprintf(br, sizeof(br), "%02x", key | 0x80);
			}
			const char *a = strstr(got, mk);
			if (!a || !strstr(a, br)) {
				printf("  %s keysym %#x: got '%s'\n", names[m], sym, got);
				bad++;
			}
		}
		CHECK(n > 150 && bad == 0, "%s: all %d keysyms arrive as their key's make/break", names[m], n);
	}

	/* modifiers adjusted around a key */
	struct keymap_client c;
	keymap_client_init(&c, de);
	keymap_client_keysym(&c, vm, '@', true);
	keymap_client_keysym(&c, vm, '@', false);
	CHECK_STR(bytes(), "e0 38 10 e0 b8 90", "de @: AltGr around q");
	keymap_client_keysym(&c, vm, 0xFFE1, true);   /* the client holds Shift_L */
	keymap_client_keysym(&c, vm, '@', true);
	keymap_client_keysym(&c, vm, '@', false);
	keymap_client_keysym(&c, vm, 0xFFE1, false);
	CHECK_STR(bytes(), "2a aa e0 38 10 e0 b8 2a 90 aa",
		  "US client shift+2 as @ on a de guest: shift lifted, AltGr added");
	keymap_client_keysym(&c, vm, 0xFFE1, true);
	keymap_client_keysym(&c, vm, 'Z', true);
	keymap_client_keysym(&c, vm, 'Z', false);
	keymap_client_keysym(&c, vm, 0xFFE1, false);
	CHECK_STR(bytes(), "2a 15 95 aa", "Z with the client's own shift");
	keymap_client_keysym(&c, vm, 'Z', true);
	keymap_client_keysym(&c, vm, 'Z', false);
	CHECK_STR(bytes(), "2a 15 aa 95", "Z without: shift added for the press");

	/* caps lock on in the guest inverts letters */
	kbd_cmd(0xED);
	kbd_cmd(0x04);
	keymap_client_keysym(&c, vm, 'Z', true);
	keymap_client_keysym(&c, vm, 'Z', false);
	keymap_client_keysym(&c, vm, 'z', true);
	keymap_client_keysym(&c, vm, 'z', false);
	CHECK_STR(bytes(), "15 95 2a 15 aa 95", "caps lock: Z plain, z shifted");
	keymap_client_keysym(&c, vm, '1', true);
	keymap_client_keysym(&c, vm, '1', false);
	CHECK_STR(bytes(), "02 82", "caps lock does not shift digits");
	kbd_cmd(0xED);
	kbd_cmd(0x00);

	/* raw keycodes (QEMU extended key event) go straight through */
	keymap_client_qnum(&c, vm, 0x9C, true);
	keymap_client_qnum(&c, vm, 0x9C, false);
	keymap_client_qnum(&c, vm, 0x15, true);
	CHECK_STR(bytes(), "e0 1c e0 9c 15", "qnum keys straight through");
	keymap_client_release(&c, vm);
	CHECK_STR(bytes(), "95", "release on disconnect lifts held keys");

	keymap_free(us);
	keymap_free(de);
	keymap_free(ru);
}

int main(void)
{
	setenv("VMSTATION_KEYMAPS", "ui/keymaps", 0);
	struct vm_config cfg = { .name = "test" };
	vm = unit_vm_new(16, &cfg, NULL);
	CHECK(pc_create_part(vm, "i8042") == 0, "i8042 created");
	/* as SeaBIOS leaves it: set 2, translation on */
	unit_outb(vm, 0x64, 0x60);
	unit_outb(vm, 0x60, 0x41);
	sdl_tests();
	names_tests();
	layout_tests();
	vm_destroy(vm);
	return UNIT_DONE();
}
