/*
 * SDL2 window of a VM: a streaming texture updated with the display's
 * changed rectangle and presented (with vsync) only when the guest changed
 * something, so each guest frame the display refresh picks up once;
 * aspect-keeping scaling (SDL logical size; ctrl-alt-i toggles integer
 * scaling), full screen (full_screen=1, ctrl-alt-f; fullscreen_scale= 'aspect'
 * shows 320x200/640x400 at 4:3, 'integer' whole multiples), grab on click and
 * release with ctrl-alt, ctrl-alt-1/2/3 guest / monitor / serial console.
 * The guest's Caps/Num/Scroll Lock follow the host's (lock_sync below).
 * Game controllers feed the game port through ui/sdl_joystick.c.
 *
 * The display's refresh (VM io thread) only records the dirty rectangle and
 * pushes an SDL user event; every SDL call happens on the main thread.
 *
 * Built into vmst-sdl.so (ui/plugin.h) with the SDL audio back end.
 */
#include <SDL.h>
#include <stdlib.h>
#include <string.h>

#include "ui/plugin_api.h"  /* what a plugin may use of the binary */
#include "ui/audio_backend.h"
#include "ui/console_text.h"
#include "core/host/display.h"
#include "core/host/input.h"
#include "ui/keymap.h"
#include "ui/monitor/monitor.h"
#include "ui/plugin.h"
#include "ui/sdl_joystick.h"
#include "ui/sdl_window.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"

#define MAX_WINDOWS 16

struct sdl_window {
	struct vm *vm;
	struct display *d;
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Texture *tex;
	unsigned tw, th;             /* texture size */
	unsigned lh;                 /* logical height: th, or 4:3 of tw (set_logical) */
	bool closed, grabbed, full, integer;
	int console;                 /* 1 guest, 2 monitor, 3 serial */
	uint64_t tc_gen;
	enum vm_state shown_state;
	bool ctrl_alt_only;          /* ctrl+alt went down with no other key yet */
	unsigned buttons;
	SDL_Scancode swallow;        /* a hotkey's key: its release is not the guest's */
	uint64_t guest_keys[5];      /* keys the guest has seen go down (key_slot) */
	struct sdlj_keys joy_keys;   /* the keyboard joystick's keys (joystick_map X keyboard) */
	double acc_x, acc_y;         /* relative motion fractions carried over */
	struct lock_state {          /* per lock key (lock_keys[]) */
		bool led;            /* the guest's LED as last seen */
		bool waiting;        /* a toggle went to the guest, no answer yet */
		Uint64 since;        /* when it went */
		unsigned tries;      /* toggles sent since the guest last moved this LED */
	} locks[3];

	pthread_mutex_t lock;        /* the fields below, written by the io thread */
	bool dirty, resized;
	unsigned x0, y0, x1, y1;

	struct text_console *mon_tc;
	struct monitor_session *mon;
	uint64_t presents;
};

static struct sdl_window *windows[MAX_WINDOWS];
static Uint32 wake_event = (Uint32)-1;
static bool sdl_ready;

/* ---- display listener (VM io thread) ---------------------------------- */

static void wake(void)
{
	SDL_Event ev = { .type = wake_event };
	SDL_PushEvent(&ev);
}

/* The joystick hub's wake-up (monitor thread): joystick_map, joystick_virtual. */
static void joy_wake(void *opaque)
{
	(void)opaque;
	wake();
}

static void on_update(void *opaque, struct display *d, unsigned x, unsigned y,
		      unsigned w, unsigned h)
{
	struct sdl_window *sw = opaque;
	(void)d;
	pthread_mutex_lock(&sw->lock);
	if (!sw->dirty) {
		sw->x0 = x; sw->y0 = y; sw->x1 = x + w; sw->y1 = y + h;
	} else {
		sw->x0 = MIN(sw->x0, x); sw->y0 = MIN(sw->y0, y);
		sw->x1 = MAX(sw->x1, x + w); sw->y1 = MAX(sw->y1, y + h);
	}
	bool was = sw->dirty;
	sw->dirty = true;
	pthread_mutex_unlock(&sw->lock);
	if (!was)
		wake();
}

static void on_resize(void *opaque, struct display *d, unsigned w, unsigned h)
{
	struct sdl_window *sw = opaque;
	(void)d; (void)w; (void)h;
	pthread_mutex_lock(&sw->lock);
	sw->resized = sw->dirty = true;
	pthread_mutex_unlock(&sw->lock);
	wake();
}

/* ---- drawing (main thread) ---------------------------------------------- */

static void set_title(struct sdl_window *sw)
{
	char title[256];
	enum vm_state st = vm_get_state(sw->vm);
	const char *con = sw->console == 2 ? " - monitor" : sw->console == 3 ? " - serial" : "";
	snprintf(title, sizeof(title), "%s [%s]%s%s", vm_name(sw->vm), vm_state_name(st), con,
		 sw->grabbed ? " - press ctrl-alt to release the grab" : "");
	SDL_SetWindowTitle(sw->win, title);
	sw->shown_state = st;
}

static bool fs_integer(const struct sdl_window *sw)
{
	const struct vm_config *cfg = vm_config(sw->vm);
	const char *m = cfg ? cfg->fullscreen_scale : NULL;
	return m && !strcmp(m, "integer");
}

/*
 * The renderer's logical size. Full screen with fullscreen_scale='aspect'
 * shows 320x200 and 640x400 at 4:3, as a CRT did (VGA's 200/400-line modes
 * have pixels 1.2 times taller than wide); 'integer' scales by a whole
 * factor. Windows (and ctrl-alt-i) keep square pixels.
 */
static void set_logical(struct sdl_window *sw)
{
	bool crt = (sw->tw == 320 && sw->th == 200) || (sw->tw == 640 && sw->th == 400);
	sw->lh = sw->full && !fs_integer(sw) && crt ? sw->tw * 3 / 4 : sw->th;
	SDL_RenderSetLogicalSize(sw->ren, (int)sw->tw, (int)sw->lh);
	bool integer = sw->integer || (sw->full && fs_integer(sw));
	SDL_RenderSetIntegerScale(sw->ren, integer ? SDL_TRUE : SDL_FALSE);
}

static void ensure_texture(struct sdl_window *sw, unsigned w, unsigned h)
{
	if (sw->tex && sw->tw == w && sw->th == h)
		return;
	if (sw->tex)
		SDL_DestroyTexture(sw->tex);
	sw->tex = SDL_CreateTexture(sw->ren, SDL_PIXELFORMAT_XRGB8888, SDL_TEXTUREACCESS_STREAMING,
				    (int)w, (int)h);
	sw->tw = w;
	sw->th = h;
	set_logical(sw);
	if (!sw->full) {
		int ww, wh;
		SDL_GetWindowSize(sw->win, &ww, &wh);
		if ((unsigned)ww < w || (unsigned)wh < h || sw->presents == 0)
			SDL_SetWindowSize(sw->win, (int)w, (int)h);
	}
}

/* first: the guest screen's top-left pixel, for the timing trace (VMST_TRACE) */
static void present(struct sdl_window *sw, uint32_t first)
{
	SDL_SetRenderDrawColor(sw->ren, 0, 0, 0, 255);
	SDL_RenderClear(sw->ren);
	SDL_RenderCopy(sw->ren, sw->tex, NULL, NULL);
	SDL_RenderPresent(sw->ren);
	sw->presents++;
	if (vm_tracing(sw->vm))
		vm_trace(sw->vm, "sdl-present %06x %llu", first & 0xFFFFFF,
			 (unsigned long long)sw->presents);
}

static void redraw_guest(struct sdl_window *sw, bool force)
{
	pthread_mutex_lock(&sw->lock);
	bool dirty = sw->dirty || force, resized = sw->resized || force;
	unsigned x0 = sw->x0, y0 = sw->y0, x1 = sw->x1, y1 = sw->y1;
	sw->dirty = sw->resized = false;
	pthread_mutex_unlock(&sw->lock);
	if (!dirty)
		return;
	struct display *d = sw->d;
	display_lock(d);
	if (!d->pixels) {
		display_unlock(d);
		return;
	}
	if (resized || d->width != sw->tw || d->height != sw->th) {
		ensure_texture(sw, d->width, d->height);
		x0 = y0 = 0;
		x1 = d->width;
		y1 = d->height;
	}
	x1 = MIN(x1, d->width);
	y1 = MIN(y1, d->height);
	if (x1 > x0 && y1 > y0) {
		SDL_Rect r = { (int)x0, (int)y0, (int)(x1 - x0), (int)(y1 - y0) };
		SDL_UpdateTexture(sw->tex, &r, d->pixels + (size_t)y0 * d->width + x0,
				  (int)d->width * 4);
	}
	uint32_t first = d->pixels[0];
	display_unlock(d);
	present(sw, first);
}

static struct text_console *current_console(struct sdl_window *sw)
{
	return sw->console == 2 ? sw->mon_tc : sw->console == 3 ? display_serial_console(sw->d) : NULL;
}

static void redraw_console(struct sdl_window *sw, bool force)
{
	struct text_console *tc = current_console(sw);
	if (!tc)
		return;
	uint64_t gen = text_console_gen(tc);
	if (!force && gen == sw->tc_gen)
		return;
	sw->tc_gen = gen;
	unsigned w = text_console_width(tc), h = text_console_height(tc);
	ensure_texture(sw, w, h);
	void *px;
	int pitch;
	if (SDL_LockTexture(sw->tex, NULL, &px, &pitch) == 0) {
		text_console_render(tc, px, (unsigned)pitch / 4);
		SDL_UnlockTexture(sw->tex);
	}
	present(sw, 0);
}

/* ---- keys to the guest ------------------------------------------------ */

/* Slot of a PC keycode in guest_keys: plain, E0-prefixed, or -1. */
static int key_slot(unsigned code)
{
	if (code < 0x80)
		return (int)code;
	if ((code & 0xFF00) == INPUT_KEY_E0)
		return 0x80 + (int)(code & 0x7F);
	return -1;
}

/*
 * To the guest, remembering what is down there: a release the guest never
 * saw pressed (the keys of a hotkey, a key pressed before the window had
 * focus) is not sent, so no stray break codes and no stuck modifiers.
 */
static void guest_key(struct sdl_window *sw, unsigned code, bool down)
{
	int slot = key_slot(code);
	if (slot >= 0) {
		uint64_t bit = 1ull << (slot % 64);
		if (!down && !(sw->guest_keys[slot / 64] & bit))
			return;
		if (down)
			sw->guest_keys[slot / 64] |= bit;
		else
			sw->guest_keys[slot / 64] &= ~bit;
	}
	input_key(sw->vm, code, down);
}

/* Release, in the guest, every key it has seen go down from this window. */
static void release_guest_keys(struct sdl_window *sw)
{
	for (int slot = 0; slot < 0x100; slot++) {
		if (!(sw->guest_keys[slot / 64] & (1ull << (slot % 64))))
			continue;
		unsigned code = slot < 0x80 ? (unsigned)slot : INPUT_KEY_E0 | (unsigned)(slot - 0x80);
		guest_key(sw, code, false);
	}
}

/* ---- lock keys ----------------------------------------------------------
 *
 * A host lock toggled while the window did not have the keyboard leaves the
 * guest's lock the other way round (every letter in the wrong case). As
 * QEMU's front ends do, before a key goes to the guest (and when the window
 * gains focus) each lock whose host state (SDL's modifier state) differs from
 * the guest's LED gets its key pressed and released in the guest, which
 * toggles its own lock and answers with a new LED state (PS/2 ED command).
 * No loops: a lock is not toggled again while its toggle waits for the LED
 * to move (LOCK_WAIT_MS), nor more than LOCK_TRIES times until the guest
 * moves that LED itself or the window gains focus again (a guest that keeps
 * no LEDs, or pressed the lock key without answering, is left alone).
 */
#define LOCK_WAIT_MS 500
#define LOCK_TRIES   2

static const struct lock_key {
	unsigned led;        /* INPUT_LED_* */
	SDL_Keymod mod;      /* the host's lock in SDL_GetModState(); 0: not reported */
	SDL_Scancode key;
	unsigned code;       /* PC keycode */
} lock_keys[3] = {
	{ INPUT_LED_CAPS, KMOD_CAPS, SDL_SCANCODE_CAPSLOCK, 0x3A },
	{ INPUT_LED_NUM, KMOD_NUM, SDL_SCANCODE_NUMLOCKCLEAR, 0x45 },
#if SDL_VERSION_ATLEAST(2, 0, 18)
	{ INPUT_LED_SCROLL, KMOD_SCROLL, SDL_SCANCODE_SCROLLLOCK, 0x46 },
#else
	{ INPUT_LED_SCROLL, 0, SDL_SCANCODE_SCROLLLOCK, 0x46 },
#endif
};

/* Take in the guest's LEDs: a moved LED answers its toggle and restarts its count. */
static unsigned lock_leds_now(struct sdl_window *sw, Uint64 now)
{
	unsigned leds = input_leds(sw->vm);
	for (int i = 0; i < 3; i++) {
		struct lock_state *ls = &sw->locks[i];
		bool on = leds & lock_keys[i].led;
		if (on != ls->led) {
			ls->led = on;
			ls->waiting = false;
			ls->tries = 0;
		} else if (ls->waiting && now - ls->since >= LOCK_WAIT_MS) {
			ls->waiting = false;
		}
	}
	return leds;
}

/*
 * Toggle in the guest every lock that differs from the host's, except
 * 'pressed'. 'mod' is the host's state as of the event being handled (a key
 * event's keysym.mod): SDL_GetModState() already counts the keys still
 * queued behind it, and a lock key typed later would be toggled too early.
 */
static void lock_sync(struct sdl_window *sw, SDL_Scancode pressed, SDL_Keymod mod)
{
	if (sw->console != 1)
		return;
	Uint64 now = SDL_GetTicks64();
	unsigned leds = lock_leds_now(sw, now);
	for (int i = 0; i < 3; i++) {
		const struct lock_key *lk = &lock_keys[i];
		struct lock_state *ls = &sw->locks[i];
		if (!lk->mod || lk->key == pressed || ls->waiting || ls->tries >= LOCK_TRIES)
			continue;
		if (!(mod & lk->mod) == !(leds & lk->led))
			continue;
		guest_key(sw, lk->code, true);
		guest_key(sw, lk->code, false);
		ls->waiting = true;
		ls->since = now;
		ls->tries++;
	}
}

/*
 * The user's own lock key went down in the guest: host and guest both
 * toggle. Wait for the guest's LED as for a toggle of ours; if it never
 * moves, the guest does not keep that lock: do not fight it.
 */
static void lock_pressed(struct sdl_window *sw, SDL_Scancode key)
{
	Uint64 now = SDL_GetTicks64();
	lock_leds_now(sw, now);
	for (int i = 0; i < 3; i++) {
		if (lock_keys[i].key != key)
			continue;
		sw->locks[i].waiting = true;
		sw->locks[i].since = now;
		sw->locks[i].tries = LOCK_TRIES;
	}
}

/* Window focus gained: the host's locks may have moved meanwhile; fresh counts. */
static void lock_focus(struct sdl_window *sw)
{
	lock_leds_now(sw, SDL_GetTicks64());
	for (int i = 0; i < 3; i++)
		sw->locks[i].tries = 0;
	lock_sync(sw, SDL_SCANCODE_UNKNOWN, SDL_GetModState());
}

/* ---- consoles and grab -------------------------------------------------- */

static void monitor_out(void *opaque, const char *buf, size_t n)
{
	struct sdl_window *sw = opaque;
	text_console_output(sw->mon_tc, buf, n);
}

static void monitor_in(void *opaque, const char *buf, size_t n)
{
	struct sdl_window *sw = opaque;
	monitor_session_input(sw->mon, buf, n);
}

/*
 * The grab: pointer confined to the window, keyboard grabbed. With a
 * relative pointer (PS/2 or USB mouse) SDL's relative mouse mode is on while
 * grabbed: the host pointer is hidden and never stops at an edge, so games
 * that turn the view with the mouse keep turning. A USB tablet the guest
 * has configured stays absolute even when grabbed, as in QEMU's SDL display
 * (ui/sdl2.c: relative mode only when the input is not absolute): a
 * tablet's positions are the window's, relative motion would mean nothing
 * to it. Games that want relative motion need the mouse, not the tablet.
 */
static void set_grab(struct sdl_window *sw, bool on)
{
	sw->grabbed = on;
	SDL_SetWindowGrab(sw->win, on ? SDL_TRUE : SDL_FALSE);
	SDL_SetWindowKeyboardGrab(sw->win, on ? SDL_TRUE : SDL_FALSE);
	bool rel = on && !input_has_absolute(sw->vm);
	SDL_SetRelativeMouseMode(rel ? SDL_TRUE : SDL_FALSE);
	if (!on) {
		release_guest_keys(sw);
		input_release_all_keys(sw->vm);
	}
	set_title(sw);
}

static void switch_console(struct sdl_window *sw, int console)
{
	if (console == 2 && !sw->mon_tc) {
		sw->mon_tc = text_console_new(80, 30, 1000, true, monitor_in, sw);
		sw->mon = monitor_session_new(sw->vm, monitor_out, sw,
					      MONITOR_F_BANNER | MONITOR_F_PROMPT | MONITOR_F_WINDOW);
	}
	if (console == 3 && !display_serial_console(sw->d))
		return;
	release_guest_keys(sw);
	input_release_all_keys(sw->vm);
	if (console != 1 && sw->grabbed)
		set_grab(sw, false);
	sw->console = console;
	set_title(sw);
	if (console == 1)
		redraw_guest(sw, true);
	else
		redraw_console(sw, true);
}

static void console_key(struct sdl_window *sw, const SDL_KeyboardEvent *k)
{
	struct text_console *tc = current_console(sw);
	bool ctrl = k->keysym.mod & KMOD_CTRL, shift = k->keysym.mod & KMOD_SHIFT;
	if (!tc)
		return;
	switch (k->keysym.sym) {
	case SDLK_RETURN: case SDLK_KP_ENTER: text_console_key(tc, TCK_ENTER, 0); break;
	case SDLK_BACKSPACE: text_console_key(tc, TCK_BACKSPACE, 0); break;
	case SDLK_DELETE: text_console_key(tc, TCK_DELETE, 0); break;
	case SDLK_TAB: text_console_key(tc, TCK_TAB, 0); break;
	case SDLK_ESCAPE: text_console_key(tc, TCK_ESC, 0); break;
	case SDLK_LEFT: text_console_key(tc, TCK_LEFT, 0); break;
	case SDLK_RIGHT: text_console_key(tc, TCK_RIGHT, 0); break;
	case SDLK_UP: text_console_key(tc, ctrl ? TCK_SCROLL_UP : TCK_UP, 0); break;
	case SDLK_DOWN: text_console_key(tc, ctrl ? TCK_SCROLL_DOWN : TCK_DOWN, 0); break;
	case SDLK_HOME: text_console_key(tc, TCK_HOME, 0); break;
	case SDLK_END: text_console_key(tc, TCK_END, 0); break;
	case SDLK_PAGEUP: text_console_key(tc, ctrl || shift ? TCK_SCROLL_PGUP : TCK_PGUP, 0); break;
	case SDLK_PAGEDOWN: text_console_key(tc, ctrl || shift ? TCK_SCROLL_PGDN : TCK_PGDN, 0); break;
	default:
		/* printable characters come as SDL_TEXTINPUT; ctrl-letters here */
		if (ctrl && k->keysym.sym >= 'a' && k->keysym.sym <= 'z')
			text_console_key(tc, TCK_CTRL, (uint32_t)k->keysym.sym);
	}
}

static void console_text_input(struct sdl_window *sw, const char *utf8)
{
	struct text_console *tc = current_console(sw);
	if (!tc)
		return;
	const uint8_t *p = (const uint8_t *)utf8;
	while (*p) {
		uint32_t cp = *p++;
		int more = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : cp >= 0xC0 ? 1 : 0;
		if (more)
			cp &= 0x3F >> more;
		while (more-- && (*p & 0xC0) == 0x80)
			cp = cp << 6 | (*p++ & 0x3F);
		text_console_key(tc, TCK_CHAR, cp);
	}
}

/* ---- relative motion ------------------------------------------------------ */

static double sdlw_display_scale(int win_w, int win_h, unsigned tw, unsigned th, bool integer)
{
	if (win_w <= 0 || win_h <= 0 || !tw || !th)
		return 1.0;
	double sx = (double)win_w / tw, sy = (double)win_h / th;
	double s = sx < sy ? sx : sy;
	if (integer && s >= 1.0)
		s = (double)(int)s;
	return s > 0 ? s : 1.0;
}

static int sdlw_scale_rel(double *acc, int rel, double scale)
{
	*acc += rel / scale;
	/* towards zero: the fraction waits for more (1e-9: 5 x 0.2 is 1, not 0.999...) */
	int whole = (int)(*acc + (*acc < 0 ? -1e-9 : 1e-9));
	*acc -= whole;
	return whole;
}

/* ---- events ------------------------------------------------------------- */

static struct sdl_window *window_of(Uint32 id)
{
	for (int i = 0; i < MAX_WINDOWS; i++)
		if (windows[i] && SDL_GetWindowID(windows[i]->win) == id)
			return windows[i];
	return NULL;
}

/* ctrl-alt-<these> are vmstation's; any other key (ctrl-alt-del) is the guest's */
static bool is_hotkey(SDL_Keycode sym)
{
	return sym == SDLK_1 || sym == SDLK_2 || sym == SDLK_3 || sym == SDLK_f || sym == SDLK_i;
}

static bool hotkey(struct sdl_window *sw, SDL_Keycode sym)
{
	switch (sym) {
	case SDLK_1: case SDLK_2: case SDLK_3:
		switch_console(sw, (int)(sym - SDLK_0));
		return true;
	case SDLK_f:
		sw->full = !sw->full;
		SDL_SetWindowFullscreen(sw->win, sw->full ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
		if (sw->tex)
			set_logical(sw);
		redraw_guest(sw, true);
		return true;
	case SDLK_i:
		sw->integer = !sw->integer;
		if (sw->tex)
			set_logical(sw);
		redraw_guest(sw, true);
		return true;
	}
	return false;
}

static void key_event(struct sdl_window *sw, const SDL_KeyboardEvent *k)
{
	bool down = k->type == SDL_KEYDOWN;
	SDL_Keymod mod = k->keysym.mod; /* as of this event, not of the queue's end */
	bool ctrl_alt = (mod & KMOD_CTRL) && (mod & KMOD_ALT);
	SDL_Keycode sym = k->keysym.sym;
	if (vm_tracing(sw->vm))
		vm_trace(sw->vm, "sdl-key %d %d age=%u", (int)k->keysym.scancode, down,
			 (unsigned)(SDL_GetTicks() - k->timestamp));
	bool is_mod = sym == SDLK_LCTRL || sym == SDLK_RCTRL || sym == SDLK_LALT || sym == SDLK_RALT;

	/*
	 * ctrl-alt-<key> is vmstation's while ctrl and alt are held: the guest
	 * sees ctrl and alt released first (they were its keys until now) and
	 * never sees the hotkey's own key, neither its press nor its release.
	 */
	if (down && ctrl_alt && !is_mod && !k->repeat && is_hotkey(sym)) {
		release_guest_keys(sw);
		hotkey(sw, sym);
		sw->ctrl_alt_only = false;
		sw->swallow = k->keysym.scancode;
		return;
	}
	if (k->keysym.scancode == sw->swallow && sw->swallow != SDL_SCANCODE_UNKNOWN) {
		if (!down)
			sw->swallow = SDL_SCANCODE_UNKNOWN;
		return;
	}
	/* ctrl-alt pressed and released on their own toggles the grab off */
	if (down && is_mod && ctrl_alt)
		sw->ctrl_alt_only = true;
	else if (down && !is_mod)
		sw->ctrl_alt_only = false;
	if (!down && is_mod && sw->ctrl_alt_only) {
		sw->ctrl_alt_only = false;
		if (sw->grabbed)
			set_grab(sw, false);
	}
	if (sw->console != 1) {
		if (down)
			console_key(sw, k);
		return;
	}
	if (sdlj_key(sw->vm, &sw->joy_keys, k->keysym.scancode, down))
		return; /* the keyboard joystick's */
	unsigned code = keymap_sdl_to_pc((int)k->keysym.scancode);
	if (!code)
		return;
	if (down)
		lock_sync(sw, k->keysym.scancode, k->keysym.mod);
	guest_key(sw, code, down); /* a repeat is another make code, as typematic */
	if (down && !k->repeat)
		lock_pressed(sw, k->keysym.scancode);
}

static unsigned sdl_buttons(Uint32 state)
{
	unsigned b = 0;
	if (state & SDL_BUTTON_LMASK) b |= INPUT_BTN_LEFT;
	if (state & SDL_BUTTON_RMASK) b |= INPUT_BTN_RIGHT;
	if (state & SDL_BUTTON_MMASK) b |= INPUT_BTN_MIDDLE;
	if (state & SDL_BUTTON_X1MASK) b |= INPUT_BTN_SIDE;
	if (state & SDL_BUTTON_X2MASK) b |= INPUT_BTN_EXTRA;
	return b;
}

static void pointer(struct sdl_window *sw, int x, int y, int dx, int dy, int dz)
{
	if (sw->console != 1)
		return;
	unsigned b = sdl_buttons(SDL_GetMouseState(NULL, NULL));
	/* SDL gives logical coordinates: y is in 0..lh, the guest's in 0..th */
	unsigned lh = sw->lh ? sw->lh : sw->th;
	if (input_has_absolute(sw->vm)) {
		y = (int)((long long)y * (long long)sw->th / (long long)(lh ? lh : 1));
		input_pointer_abs(sw->vm, MAX(0, MIN(x, (int)sw->tw - 1)), MAX(0, MIN(y, (int)sw->th - 1)),
				  (int)sw->tw, (int)sw->th, dz, b);
	} else if (sw->grabbed) {
		int ww, wh;
		SDL_GetWindowSize(sw->win, &ww, &wh);
		bool integer = sw->integer || (sw->full && fs_integer(sw));
		double scale = sdlw_display_scale(ww, wh, sw->tw, lh, integer);
		int gx = sdlw_scale_rel(&sw->acc_x, dx, scale);
		int gy = sdlw_scale_rel(&sw->acc_y, dy, scale * lh / (sw->th ? sw->th : 1));
		if (gx || gy || dz || b != sw->buttons)
			input_pointer_rel(sw->vm, gx, gy, dz, b);
		sw->buttons = b;
	}
}

static void handle_event(const SDL_Event *ev)
{
	if (ev->type == wake_event)
		return;
	struct sdl_window *sw = NULL;
	switch (ev->type) {
	case SDL_WINDOWEVENT:
		sw = window_of(ev->window.windowID);
		if (!sw)
			return;
		if (ev->window.event == SDL_WINDOWEVENT_CLOSE)
			sw->closed = true;
		else if (ev->window.event == SDL_WINDOWEVENT_FOCUS_LOST) {
			release_guest_keys(sw);
			sw->joy_keys.held = 0;
			input_release_all_keys(sw->vm);
			if (sw->grabbed && !sw->full)
				set_grab(sw, false);
		} else if (ev->window.event == SDL_WINDOWEVENT_FOCUS_GAINED) {
			lock_focus(sw);
		} else if (ev->window.event == SDL_WINDOWEVENT_EXPOSED ||
			   ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
			if (sw->tex)
				present(sw, 0);
		}
		break;
	case SDL_KEYDOWN:
	case SDL_KEYUP:
		if ((sw = window_of(ev->key.windowID)))
			key_event(sw, &ev->key);
		break;
	case SDL_TEXTINPUT:
		if ((sw = window_of(ev->text.windowID)) && sw->console != 1)
			console_text_input(sw, ev->text.text);
		break;
	case SDL_MOUSEBUTTONDOWN:
		if (!(sw = window_of(ev->button.windowID)))
			break;
		if (!sw->grabbed && sw->console == 1) {
			set_grab(sw, true);
			if (!input_has_absolute(sw->vm))
				break; /* the grabbing click is not the guest's */
		}
		pointer(sw, ev->button.x, ev->button.y, 0, 0, 0);
		break;
	case SDL_MOUSEBUTTONUP:
		if ((sw = window_of(ev->button.windowID)))
			pointer(sw, ev->button.x, ev->button.y, 0, 0, 0);
		break;
	case SDL_MOUSEMOTION:
		if ((sw = window_of(ev->motion.windowID)))
			pointer(sw, ev->motion.x, ev->motion.y, ev->motion.xrel, ev->motion.yrel, 0);
		break;
	case SDL_MOUSEWHEEL:
		if ((sw = window_of(ev->wheel.windowID))) {
			int x, y;
			SDL_GetMouseState(&x, &y);
			pointer(sw, x, y, 0, 0, -ev->wheel.y);
		}
		break;
	default:
		sdlj_event(ev); /* controllers plugged in or out */
		break;
	}
}

/* ---- the plugin's calls (ui/plugin.c forwards ui/sdl_window.h here) ------- */

static int sdlw_ui_init(void)
{
	if (sdl_ready)
		return 0;
	SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
	SDL_SetHint(SDL_HINT_ALLOW_ALT_TAB_WHILE_GRABBED, "0");
	SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
	SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
	/* relative motion in window points: pointer() scales it to guest pixels itself */
	SDL_SetHint(SDL_HINT_MOUSE_RELATIVE_SCALING, "0");
	const char *want = getenv("SDL_VIDEODRIVER");
	const char *x11 = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
	bool no_display = !(x11 && *x11) && !(wl && *wl) && !(want && *want);
	if (SDL_InitSubSystem(SDL_INIT_VIDEO) < 0) {
		/* SDL's own words depend on which drivers it tried: name the cause */
		if (no_display)
			msg_error("SDL: no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset)");
		else
			msg_error("SDL: %s", SDL_GetError());
		return -1;
	}
	/* With no display SDL falls back to its off-screen driver: a window
	 * nobody can see. Refuse that unless SDL_VIDEODRIVER asked for it. */
	const char *drv = SDL_GetCurrentVideoDriver();
	if (drv && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy")) && !(want && *want)) {
		msg_error("SDL: no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset)");
		SDL_QuitSubSystem(SDL_INIT_VIDEO);
		return -1;
	}
	wake_event = SDL_RegisterEvents(1);
	sdlj_init();
	sdl_ready = true;
	return 0;
}

static struct sdl_window *sdlw_window_open(struct vm *vm)
{
	if (!vm_display(vm)) {
		msg_error("%s: sdl=1 needs a graphics card (vga='none' removes it)", vm_name(vm));
		return NULL;
	}
	int slot = -1;
	for (int i = 0; i < MAX_WINDOWS && slot < 0; i++)
		if (!windows[i])
			slot = i;
	if (slot < 0 || sdlw_ui_init() < 0)
		return NULL;
	struct sdl_window *sw = xzalloc(sizeof(*sw));
	sw->vm = vm;
	sw->d = vm_display(vm);
	sw->console = 1;
	lock_leds_now(sw, 0);
	pthread_mutex_init(&sw->lock, NULL);
	sw->full = vm_config(vm) && vm_config(vm)->full_screen;
	sw->win = SDL_CreateWindow(vm_name(vm), SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
				   640, 480, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI |
				   (sw->full ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0));
	/*
	 * vsync: a guest frame is presented whole, never torn. Presents happen
	 * only when the guest changed something (at most one per display
	 * refresh, 60 Hz), so a present waits for at most one vblank and the
	 * events queued meanwhile are handled right after it.
	 */
	sw->ren = sw->win ? SDL_CreateRenderer(sw->win, -1, SDL_RENDERER_ACCELERATED |
					       SDL_RENDERER_PRESENTVSYNC) : NULL;
	if (sw->win && !sw->ren)
		sw->ren = SDL_CreateRenderer(sw->win, -1, SDL_RENDERER_SOFTWARE |
					     SDL_RENDERER_PRESENTVSYNC);
	if (!sw->ren) {
		msg_error("SDL window: %s", SDL_GetError());
		if (sw->win)
			SDL_DestroyWindow(sw->win);
		free(sw);
		return NULL;
	}
	SDL_StartTextInput();
	windows[slot] = sw;
	set_title(sw);
	sw->resized = sw->dirty = true;
	struct display_listener l = { on_resize, on_update, sw };
	display_add_listener(sw->d, &l);
	sdlj_window_opened(vm, joy_wake);
	return sw;
}

static void sdlw_window_close(struct sdl_window *sw)
{
	if (!sw)
		return;
	display_remove_listener(sw->d, sw);
	sdlj_window_closed(sw->vm);
	for (int i = 0; i < MAX_WINDOWS; i++)
		if (windows[i] == sw)
			windows[i] = NULL;
	if (sw->mon)
		monitor_session_free(sw->mon);
	text_console_free(sw->mon_tc);
	if (sw->tex)
		SDL_DestroyTexture(sw->tex);
	SDL_DestroyRenderer(sw->ren);
	SDL_DestroyWindow(sw->win);
	pthread_mutex_destroy(&sw->lock);
	free(sw);
}

static bool sdlw_window_closed(struct sdl_window *sw)
{
	return sw->closed;
}

static void sdlw_ui_pump(int timeout_ms)
{
	SDL_Event ev;
	if (SDL_WaitEventTimeout(&ev, timeout_ms)) {
		handle_event(&ev);
		while (SDL_PollEvent(&ev))
			handle_event(&ev);
	}
	for (int i = 0; i < MAX_WINDOWS; i++) {
		struct sdl_window *sw = windows[i];
		if (!sw)
			continue;
		if (vm_get_state(sw->vm) != sw->shown_state)
			set_title(sw);
		sdlj_update(sw->vm, &sw->joy_keys);
		if (sw->console == 1)
			redraw_guest(sw, false);
		else
			redraw_console(sw, false);
	}
}

static int sdlw_ui_run(struct vm *vm)
{
	struct sdl_window *sw = sdlw_window_open(vm);
	if (!sw)
		return -1;
	for (;;) {
		enum vm_state st = vm_get_state(vm);
		if (st == VM_STOPPED || st == VM_CRASHED)
			break;
		if (sw->closed) {
			vm_request_quit(vm);
			break;
		}
		/* text consoles are polled; the guest screen wakes us with an event */
		sdlw_ui_pump(sw->console == 1 ? 100 : 30);
	}
	sdlw_window_close(sw);
	/*
	 * SDL's own threads (joystick hot-plug, the X connection's) stop here,
	 * on this thread, not in the middle of the process's exit. Subsystems
	 * only: an SDL audio back end may still be open until the VM is freed.
	 */
	sdlj_quit();
	SDL_QuitSubSystem(SDL_INIT_VIDEO);
	sdl_ready = false;
	return 0;
}

const struct sdl_plugin vmst_plugin_sdl = {
	.h = PLUGIN_HEADER_INIT,
	.ui_run = sdlw_ui_run,
	.ui_init = sdlw_ui_init,
	.window_open = sdlw_window_open,
	.window_close = sdlw_window_close,
	.ui_pump = sdlw_ui_pump,
	.window_closed = sdlw_window_closed,
	.display_scale = sdlw_display_scale,
	.scale_rel = sdlw_scale_rel,
	.audio = &audio_backend_sdl,
};
