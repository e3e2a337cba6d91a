/*
 * SDL scancodes to PC keycodes (core/host/input.h). SDL's scancodes below
 * 0xE8 are USB HID keyboard usages (positions, not characters), so those go
 * through core/host/keycode_hid.c; above them SDL numbers the media and
 * application-control keys itself, and this table covers those.
 */
#include <SDL2/SDL_scancode.h>

#include "core/host/input.h"
#include "core/host/keycode_hid.h"
#include "ui/keymap.h"

#define E0(x) (INPUT_KEY_E0 | (x))
#define SDL_FIRST_EXTRA SDL_SCANCODE_AUDIONEXT

static const uint16_t sdl_extra_to_pc[SDL_NUM_SCANCODES - SDL_FIRST_EXTRA] = {
	[SDL_SCANCODE_AUDIONEXT - SDL_FIRST_EXTRA] = E0(0x19),
	[SDL_SCANCODE_AUDIOPREV - SDL_FIRST_EXTRA] = E0(0x10),
	[SDL_SCANCODE_AUDIOSTOP - SDL_FIRST_EXTRA] = E0(0x24),
	[SDL_SCANCODE_AUDIOPLAY - SDL_FIRST_EXTRA] = E0(0x22),
	[SDL_SCANCODE_AUDIOMUTE - SDL_FIRST_EXTRA] = E0(0x20),
	[SDL_SCANCODE_MEDIASELECT - SDL_FIRST_EXTRA] = E0(0x6D),
	[SDL_SCANCODE_WWW - SDL_FIRST_EXTRA] = E0(0x32),
	[SDL_SCANCODE_MAIL - SDL_FIRST_EXTRA] = E0(0x6C),
	[SDL_SCANCODE_CALCULATOR - SDL_FIRST_EXTRA] = E0(0x21),
	[SDL_SCANCODE_COMPUTER - SDL_FIRST_EXTRA] = E0(0x6B),
	[SDL_SCANCODE_AC_SEARCH - SDL_FIRST_EXTRA] = E0(0x65),
	[SDL_SCANCODE_AC_HOME - SDL_FIRST_EXTRA] = E0(0x32),
	[SDL_SCANCODE_AC_BACK - SDL_FIRST_EXTRA] = E0(0x6A),
	[SDL_SCANCODE_AC_FORWARD - SDL_FIRST_EXTRA] = E0(0x69),
	[SDL_SCANCODE_AC_STOP - SDL_FIRST_EXTRA] = E0(0x68),
	[SDL_SCANCODE_AC_REFRESH - SDL_FIRST_EXTRA] = E0(0x67),
	[SDL_SCANCODE_AC_BOOKMARKS - SDL_FIRST_EXTRA] = E0(0x66),
	[SDL_SCANCODE_SLEEP - SDL_FIRST_EXTRA] = E0(0x5F),
};

unsigned keymap_sdl_to_pc(int sdl_scancode)
{
	if (sdl_scancode < 0 || sdl_scancode >= SDL_NUM_SCANCODES)
		return 0;
	if (sdl_scancode < SDL_FIRST_EXTRA)
		return keycode_hid_to_pc((unsigned)sdl_scancode);
	return sdl_extra_to_pc[sdl_scancode - SDL_FIRST_EXTRA];
}
