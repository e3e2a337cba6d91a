/*
 * One display surface per VM (vm->display): what the guest's screen shows,
 * as XRGB8888 pixels, plus the text-mode characters when the guest is in a
 * text mode.
 *
 * The graphics card (devices/vga*.c) is the surface's *source*: it creates
 * the display with display_new() and converts only what changed when asked to
 * refresh. Front ends (SDL window, VNC server) are *listeners*: while at least
 * one is attached, a 60 Hz timer on the VM's io thread refreshes the surface
 * and tells listeners which rectangles changed; when nothing changed nothing
 * is converted and nobody is called. Headless (no listener) there is no
 * periodic work at all: screendump and display_text refresh on demand.
 *
 * Locking: d->lock guards the surface (width, height, pixels, text). Listener
 * callbacks run with d->lock held and must only copy pixels or record the
 * rectangle; other threads that read the surface take display_lock().
 */
#ifndef VMST_DISPLAY_H
#define VMST_DISPLAY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct display;
struct evtimer;
struct text_console;

#define DISPLAY_MAX_WIDTH 2560
#define DISPLAY_MAX_HEIGHT 1600
#define DISPLAY_MAX_LISTENERS 8
#define DISPLAY_TEXT_MAX_COLS 132
#define DISPLAY_TEXT_MAX_ROWS 60
#define DISPLAY_REFRESH_NS 16666667ull /* 60 Hz */

/* What a text mode shows, for `screendump -f txt` and display_text(). */
struct display_text_info {
	bool active;               /* the guest is in a text mode */
	unsigned cols, rows;
	/* character | attribute << 8, row-major, cols per row */
	uint16_t cells[DISPLAY_TEXT_MAX_COLS * DISPLAY_TEXT_MAX_ROWS];
	int cursor_x, cursor_y;    /* -1 when the cursor is off */
};

/* The graphics card: renders into the surface on request. */
struct display_source {
	/*
	 * Bring the surface up to date, called with d->lock held on whichever
	 * thread refreshes. full = redraw everything (a listener just attached).
	 * Calls display_resize() on a mode change and display_mark_dirty() for
	 * what it redrew.
	 */
	void (*refresh)(void *opaque, struct display *d, bool full);
	void *opaque;
};

/* A front end that shows the surface. Callbacks run with d->lock held. */
struct display_listener {
	/* The mode changed: new size; the whole surface counts as changed. */
	void (*resize)(void *opaque, struct display *d, unsigned w, unsigned h);
	/* These pixels changed (clipped to the surface). */
	void (*update)(void *opaque, struct display *d, unsigned x, unsigned y,
		       unsigned w, unsigned h);
	void *opaque;
};

struct display {
	struct vm *vm;
	pthread_mutex_t lock;

	/* surface: width * height pixels, XRGB8888, stride = width * 4 bytes */
	unsigned width, height;
	uint32_t *pixels;
	uint64_t mode_gen;         /* bumped by every display_resize() */
	struct display_text_info text;

	/* dirty rectangle collected during one refresh: [x0,x1) x [y0,y1) */
	unsigned dx0, dy0, dx1, dy1;
	bool resized;

	struct display_source src;
	struct display_listener listeners[DISPLAY_MAX_LISTENERS];
	unsigned n_listeners;
	bool need_full;            /* next refresh redraws everything */
	bool periodic;             /* this refresh is the 60 Hz timer's (sources may
				    * wait for a mode being programmed to settle);
				    * on-demand refreshes (screendump) never wait */

	struct evtimer *timer;     /* 60 Hz on vm->loop while listeners exist */
	/* the serial console's text screen (ui/console_text.h), made on first
	 * use by a front end, which also sets how display_free frees it */
	struct text_console *serial_console;
	void (*serial_console_free)(struct display *d);
	_Atomic uint64_t refreshes, frames; /* refresh calls; refreshes that changed pixels */
};

/* Create the VM's display (sets vm->display) with its source. */
struct display *display_new(struct vm *vm, const struct display_source *src);
void display_free(struct display *d);

/* For sources, inside refresh (d->lock held). */
void display_resize(struct display *d, unsigned w, unsigned h); /* clamps to the max */
void display_mark_dirty(struct display *d, unsigned x, unsigned y, unsigned w, unsigned h);

/* Listeners. add returns 0 or -1 (full); the next refresh redraws everything. */
int display_add_listener(struct display *d, const struct display_listener *l);
void display_remove_listener(struct display *d, void *opaque);

/* Refresh now on the calling thread and notify listeners (takes d->lock). */
void display_refresh(struct display *d);
/* Force a full redraw at the next refresh. */
void display_invalidate(struct display *d);

static inline void display_lock(struct display *d) { pthread_mutex_lock(&d->lock); }
static inline void display_unlock(struct display *d) { pthread_mutex_unlock(&d->lock); }

/*
 * Write the current screen to path. fmt: "ppm" (binary P6), "png" (libpng),
 * "txt" (text-mode characters as UTF-8 with CP437 mapped, one line per row;
 * an error in graphics modes), or NULL = by the file name's extension
 * (default ppm). 0, or -1 with a message in err.
 */
int display_screendump(struct display *d, const char *path, const char *fmt,
		       char *err, size_t errlen);
/*
 * The text screen as UTF-8 (same as screendump -f txt) into buf, NUL
 * terminated. Returns the length it needed (excluding NUL, like snprintf),
 * or -1 when the guest is in a graphics mode.
 */
int display_text(struct display *d, char *buf, size_t len);

/* CP437 code point to Unicode (for text consoles and txt dumps). */
uint32_t cp437_to_unicode(uint8_t c);
/* Encode a code point as UTF-8 into out (4 bytes max); returns the length. */
size_t utf8_encode(uint32_t cp, char *out);

/*
 * Front ends (the SDL window, the VNC server) are started by the
 * application beside the VM: ui/vm_frontends.h.
 */

#endif
