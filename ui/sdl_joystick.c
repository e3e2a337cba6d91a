/*
 * SDL controllers -> the game port (ui/sdl_joystick.h).
 *
 * A device SDL knows as a game controller is read through the controller
 * API (standard layout: left stick, right stick, A B X Y); any other
 * joystick by raw index (axes 0/1 and 2/3, buttons 0-3). Pads are numbered
 * in the order they were found: pad0, pad1, ...
 *
 * Test aid: joystick_virtual commands (ui/monitor/cmd_joystick.c) arrive
 * through the hub's mailbox and drive SDL virtual game controllers
 * (SDL_JoystickAttachVirtual), so the whole path, hot-plug events included,
 * SDL -> game port -> guest is exercised without hardware.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/plugin_api.h"  /* what a plugin may use of the binary */
#include "devices/gameport.h"
#include "ui/joystick.h"
#include "ui/sdl_joystick.h"
#include "core/util.h"
#include "core/vm.h"

#define MAX_PADS 8
#define MAX_VIRTUAL 4

#define SDLJ_UP    1u
#define SDLJ_DOWN  2u
#define SDLJ_LEFT  4u
#define SDLJ_RIGHT 8u
#define SDLJ_B1    16u
#define SDLJ_B2    32u

struct pad {
	SDL_JoystickID id;
	SDL_GameController *gc;   /* when SDL has a controller mapping */
	SDL_Joystick *js;         /* otherwise */
	char name[48];
};

/* Process-wide, as SDL's devices are: every VM's window sees the same pads. */
static struct pad pads[MAX_PADS];
static unsigned n_pads;
static SDL_Joystick *virt[MAX_VIRTUAL];
static unsigned n_virt;
static bool joy_ready;

static int pad_index(SDL_JoystickID id)
{
	for (unsigned i = 0; i < n_pads; i++)
		if (pads[i].id == id)
			return (int)i;
	return -1;
}

static void pad_add(int device_index)
{
	SDL_JoystickID id = SDL_JoystickGetDeviceInstanceID(device_index);
	if (id < 0 || pad_index(id) >= 0 || n_pads >= MAX_PADS)
		return;
	struct pad p = { .id = id };
	if (SDL_IsGameController(device_index))
		p.gc = SDL_GameControllerOpen(device_index);
	if (!p.gc)
		p.js = SDL_JoystickOpen(device_index);
	if (!p.gc && !p.js) {
		msg_warn("SDL: controller %d: %s", device_index, SDL_GetError());
		return;
	}
	const char *name = p.gc ? SDL_GameControllerName(p.gc) : SDL_JoystickName(p.js);
	snprintf(p.name, sizeof(p.name), "%s", name ? name : "unnamed");
	pads[n_pads++] = p;
}

static void pad_remove(SDL_JoystickID id)
{
	int i = pad_index(id);
	if (i < 0)
		return;
	if (pads[i].gc)
		SDL_GameControllerClose(pads[i].gc);
	else
		SDL_JoystickClose(pads[i].js);
	memmove(&pads[i], &pads[i + 1], (n_pads - (unsigned)i - 1) * sizeof(pads[0]));
	n_pads--;
}

void sdlj_init(void)
{
	if (joy_ready)
		return;
	/* A VM's game is fed even while another window has the focus. */
	SDL_SetHint(SDL_HINT_JOYSTICK_ALLOW_BACKGROUND_EVENTS, "1");
	if (SDL_InitSubSystem(SDL_INIT_JOYSTICK | SDL_INIT_GAMECONTROLLER) < 0) {
		msg_warn("SDL: no joysticks: %s", SDL_GetError());
		return;
	}
	joy_ready = true;
	for (int i = 0; i < SDL_NumJoysticks(); i++)
		pad_add(i);
}

void sdlj_quit(void)
{
	if (!joy_ready)
		return;
	while (n_pads)
		pad_remove(pads[n_pads - 1].id);
	SDL_QuitSubSystem(SDL_INIT_JOYSTICK | SDL_INIT_GAMECONTROLLER);
	joy_ready = false;
}

void sdlj_event(const SDL_Event *ev)
{
	if (!joy_ready)
		return;
	switch (ev->type) {
	case SDL_JOYDEVICEADDED:
		pad_add(ev->jdevice.which);
		break;
	case SDL_CONTROLLERDEVICEADDED:
		pad_add(ev->cdevice.which);
		break;
	case SDL_JOYDEVICEREMOVED:
		pad_remove(ev->jdevice.which);
		break;
	case SDL_CONTROLLERDEVICEREMOVED:
		pad_remove(ev->cdevice.which);
		break;
	}
}

/* ---- the test aid's virtual controllers -------------------------------- */

static void virtual_cmd(const char *line)
{
	int n, v;
	if (!strcmp(line, "attach")) {
		if (n_virt >= MAX_VIRTUAL)
			return;
		int idx = SDL_JoystickAttachVirtual(SDL_JOYSTICK_TYPE_GAMECONTROLLER,
						    SDL_CONTROLLER_AXIS_MAX,
						    SDL_CONTROLLER_BUTTON_MAX, 0);
		SDL_Joystick *js = idx >= 0 ? SDL_JoystickOpen(idx) : NULL;
		if (!js) {
			msg_warn("SDL: virtual joystick: %s", SDL_GetError());
			return;
		}
		virt[n_virt++] = js; /* the pad itself comes with SDL's device-added event */
	} else if (!strcmp(line, "detach")) {
		if (!n_virt)
			return;
		SDL_Joystick *js = virt[--n_virt];
		SDL_JoystickID id = SDL_JoystickInstanceID(js);
		for (int i = 0; i < SDL_NumJoysticks(); i++)
			if (SDL_JoystickGetDeviceInstanceID(i) == id)
				SDL_JoystickDetachVirtual(i); /* the pad goes with device-removed */
		SDL_JoystickClose(js);
	} else if (n_virt && sscanf(line, "axis %d %d", &n, &v) == 2) {
		SDL_JoystickSetVirtualAxis(virt[n_virt - 1], n, (Sint16)v);
	} else if (n_virt && sscanf(line, "button %d %d", &n, &v) == 2) {
		SDL_JoystickSetVirtualButton(virt[n_virt - 1], n, (Uint8)v);
	}
}

/* ---- feeding the port -------------------------------------------------- */

/* Stick s (0 left, 1 right) of pad p with its two buttons (A/B or X/Y). */
static struct gameport_input read_pad(const struct pad *p, int s)
{
	struct gameport_input in = { .connected = true };
	if (p->gc) {
		SDL_GameControllerAxis ax = s ? SDL_CONTROLLER_AXIS_RIGHTX : SDL_CONTROLLER_AXIS_LEFTX;
		SDL_GameControllerAxis ay = s ? SDL_CONTROLLER_AXIS_RIGHTY : SDL_CONTROLLER_AXIS_LEFTY;
		SDL_GameControllerButton b1 = s ? SDL_CONTROLLER_BUTTON_X : SDL_CONTROLLER_BUTTON_A;
		SDL_GameControllerButton b2 = s ? SDL_CONTROLLER_BUTTON_Y : SDL_CONTROLLER_BUTTON_B;
		in.x = SDL_GameControllerGetAxis(p->gc, ax);
		in.y = SDL_GameControllerGetAxis(p->gc, ay);
		in.buttons = (SDL_GameControllerGetButton(p->gc, b1) ? 1u : 0u) |
			     (SDL_GameControllerGetButton(p->gc, b2) ? 2u : 0u);
	} else {
		in.x = SDL_JoystickGetAxis(p->js, 2 * s);
		in.y = SDL_JoystickGetAxis(p->js, 2 * s + 1);
		in.buttons = (SDL_JoystickGetButton(p->js, 2 * s) ? 1u : 0u) |
			     (SDL_JoystickGetButton(p->js, 2 * s + 1) ? 2u : 0u);
	}
	return in;
}

static struct gameport_input read_keys(const struct sdlj_keys *k)
{
	unsigned h = k ? k->held : 0;
	struct gameport_input in = { .connected = true };
	in.x = (h & SDLJ_LEFT) ? -32768 : (h & SDLJ_RIGHT) ? 32767 : 0;
	in.y = (h & SDLJ_UP) ? -32768 : (h & SDLJ_DOWN) ? 32767 : 0;
	in.buttons = ((h & SDLJ_B1) ? 1u : 0u) | ((h & SDLJ_B2) ? 2u : 0u);
	return in;
}

/* What port j of a hub reads now, described in what (for info joysticks). */
static struct gameport_input resolve(const struct joy_source *src, unsigned j,
				     const struct sdlj_keys *k, char *what, size_t n)
{
	struct gameport_input none = { 0 };
	int pad = -1, stick = 0;
	what[0] = 0;
	switch (src->kind) {
	case JOY_NONE:
		return none;
	case JOY_KEYBOARD:
		snprintf(what, n, "keyboard (arrows, right ctrl, right alt)");
		return read_keys(k);
	case JOY_PAD:
		pad = (int)src->pad;
		stick = src->stick < 0 ? 0 : src->stick;
		break;
	case JOY_AUTO:
		if (j == 0)
			pad = 0;
		else if (n_pads >= 2)
			pad = 1;
		else
			pad = 0, stick = 1;
		break;
	}
	if (pad < 0 || (unsigned)pad >= n_pads) {
		if (src->kind == JOY_PAD)
			snprintf(what, n, "(pad%d is not plugged in)", pad);
		return none;
	}
	snprintf(what, n, "pad%d '%s' %s stick", pad, pads[pad].name, stick ? "right" : "left");
	return read_pad(&pads[pad], stick);
}

static bool maps_keyboard(struct joy_hub *h)
{
	for (unsigned j = 0; j < GAMEPORT_STICKS; j++)
		if (joy_hub_map(h, j).kind == JOY_KEYBOARD)
			return true;
	return false;
}

bool sdlj_key(struct vm *vm, struct sdlj_keys *k, SDL_Scancode sc, bool down)
{
	unsigned bit;
	switch (sc) {
	case SDL_SCANCODE_UP: bit = SDLJ_UP; break;
	case SDL_SCANCODE_DOWN: bit = SDLJ_DOWN; break;
	case SDL_SCANCODE_LEFT: bit = SDLJ_LEFT; break;
	case SDL_SCANCODE_RIGHT: bit = SDLJ_RIGHT; break;
	case SDL_SCANCODE_RCTRL: bit = SDLJ_B1; break;
	case SDL_SCANCODE_RALT: bit = SDLJ_B2; break;
	default: return false;
	}
	struct joy_hub *h = joy_hub_of(vm);
	if (!h || !maps_keyboard(h)) {
		k->held &= ~bit;
		return false;
	}
	if (down)
		k->held |= bit;
	else
		k->held &= ~bit;
	sdlj_update(vm, k);
	return true;
}

void sdlj_update(struct vm *vm, const struct sdlj_keys *k)
{
	struct joy_hub *h = joy_hub_of(vm);
	struct gameport *gp = gameport_of(vm);
	if (!h || !gp)
		return;
	char line[64];
	bool virt_changed = false;
	while (joy_hub_virtual_pop(h, line, sizeof(line))) {
		if (joy_ready)
			virtual_cmd(line);
		virt_changed = true;
	}
	if (virt_changed)
		SDL_JoystickUpdate(); /* virtual values take effect at the next update */
	for (unsigned j = 0; j < GAMEPORT_STICKS; j++) {
		struct joy_source src = joy_hub_map(h, j);
		char what[128];
		struct gameport_input in = resolve(&src, j, k, what, sizeof(what));
		gameport_set_input(gp, j, &in);
		joy_hub_set_attached(h, j, what);
	}
	char list[256] = "";
	size_t used = 0;
	for (unsigned i = 0; i < n_pads && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%spad%u '%s'",
					 i ? ", " : "", i, pads[i].name);
	joy_hub_set_pads(h, list);
}

void sdlj_window_opened(struct vm *vm, void (*wake)(void *opaque))
{
	joy_hub_set_wake(joy_hub_of(vm), wake, NULL);
}

void sdlj_window_closed(struct vm *vm)
{
	struct joy_hub *h = joy_hub_of(vm);
	if (!h)
		return;
	joy_hub_set_wake(h, NULL, NULL);
	struct gameport_input none = { 0 };
	for (unsigned j = 0; j < GAMEPORT_STICKS; j++) {
		gameport_set_input(gameport_of(vm), j, &none);
		joy_hub_set_attached(h, j, "");
	}
	joy_hub_set_pads(h, "");
}
