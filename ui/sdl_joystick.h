/*
 * SDL game controllers and joysticks feeding the game port (part of the SDL
 * plugin; main thread only, like the rest of SDL).
 *
 * Controllers are opened at start and on hot-plug. Each VM's hub
 * (ui/joystick.h) says what feeds its joysticks A and B; sdlj_update turns
 * that into gameport_set_input. By default A is the first controller's left
 * stick with A/B as buttons 1/2, and B the second controller's left stick,
 * or, with one controller, its right stick with X/Y. With a port mapped to
 * `keyboard` the window's arrows, right ctrl and right alt stand in.
 */
#ifndef VMST_SDL_JOYSTICK_H
#define VMST_SDL_JOYSTICK_H

#include <SDL.h>
#include <stdbool.h>

struct vm;

/* The keyboard stand-in's keys held in one window. */
struct sdlj_keys {
	unsigned held;           /* SDLJ_KEY_* bits */
};

/* Open the joystick subsystems (after the video one); failure only logs. */
void sdlj_init(void);
/* Close the controllers and stop SDL's joystick threads (before exit). */
void sdlj_quit(void);
/* Device added / removed events; other events are ignored. */
void sdlj_event(const SDL_Event *ev);
/* A key in a VM's window: true when it belongs to the keyboard stand-in
 * (a port of this VM is mapped to `keyboard`) and must not reach the guest. */
bool sdlj_key(struct vm *vm, struct sdlj_keys *k, SDL_Scancode sc, bool down);
/* Apply queued test-aid commands, then feed the VM's game port from its map. */
void sdlj_update(struct vm *vm, const struct sdlj_keys *k);
/* A window of this VM opened (wake: called from any thread on a map change) or closed. */
void sdlj_window_opened(struct vm *vm, void (*wake)(void *opaque));
void sdlj_window_closed(struct vm *vm);

#endif
