/*
 * Mapping front-end key codes to PC keycodes (core/host/input.h numbering).
 *
 * SDL: a fixed table from SDL_Scancode (USB HID usage numbering) to PC keys,
 * independent of the host layout: the guest's own layout decides characters.
 *
 * VNC: clients send X keysyms (characters, already through the client's
 * layout). A keymap file (ui/keymaps/<name>, xl/QEMU names: en-us, de, fr,
 * ru, ...) says which PC key, with which of shift/altgr, types each keysym on
 * the guest's layout. Clients with the QEMU extended key event send raw
 * keycodes instead, which go straight through.
 */
#ifndef VMST_KEYMAP_H
#define VMST_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

/* SDL_Scancode (as int, no SDL header needed) -> PC keycode, 0 if none. */
unsigned keymap_sdl_to_pc(int sdl_scancode);

/* A VNC keyboard layout. */
struct keymap;

/*
 * Load layout `name` ("en-us" when NULL or ""). Searched in $VMSTATION_KEYMAPS,
 * then ui/keymaps next to the executable, then /usr/share/vmstation/keymaps.
 * NULL with a message in err if unknown or malformed.
 */
struct keymap *keymap_load(const char *name, char *err, size_t errlen);
/* Parse a layout from text (tests); includes are resolved from dir (may be NULL). */
struct keymap *keymap_parse(const char *name, const char *text, const char *dir,
			    char *err, size_t errlen);
void keymap_free(struct keymap *km);

/* The PC key and modifiers a keysym needs on this layout. */
#define KEYMAP_MOD_SHIFT 1u
#define KEYMAP_MOD_ALTGR 2u
/* 0 if the keysym is not in the layout; else keycode, *mods = KEYMAP_MOD_*. */
unsigned keymap_lookup(const struct keymap *km, uint32_t keysym, unsigned *mods);

/*
 * One VNC client's keyboard: remembers which keys it pressed and which
 * modifiers are held, so a keysym that needs (or must not have) shift/altgr
 * on the guest's layout is sent with those modifiers adjusted around it, and
 * a key's release goes to the same PC key as its press.
 */
struct keymap_client {
	const struct keymap *km;
	uint16_t pressed[64];   /* keysym -> keycode of keys held (small map) */
	uint32_t pressed_sym[64];
	unsigned n_pressed;
	unsigned mods;          /* modifiers the client holds: KEYMAP_MOD_* */
	bool shift_l, shift_r, altgr;
};

void keymap_client_init(struct keymap_client *c, const struct keymap *km);
/* A keysym event from the client (rfbKeyEvent). */
void keymap_client_keysym(struct keymap_client *c, struct vm *vm, uint32_t keysym,
			  bool down);
/* A QEMU extended key event: qnum keycode straight through (keysym unused). */
void keymap_client_qnum(struct keymap_client *c, struct vm *vm, uint32_t qnum,
			bool down);
/* Client went away: release what it held. */
void keymap_client_release(struct keymap_client *c, struct vm *vm);

#endif
