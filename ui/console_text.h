/*
 * A text console drawn into pixels: the ctrl-alt-2 monitor console and the
 * ctrl-alt-3 serial console of SDL and VNC windows. Output (UTF-8, CR/LF,
 * backspace, tabs; ANSI escape sequences are skipped) scrolls into a
 * scrollback buffer; the person types either a whole line with local
 * editing (monitor: left/right, home/end, backspace/delete, history with
 * up/down) or raw keys that go straight to the peer (serial).
 *
 * Output may come from any thread; keys and rendering from the window's
 * thread. Characters are drawn with the 8x16 VGA font of the VGA BIOS.
 */
#ifndef VMST_CONSOLE_TEXT_H
#define VMST_CONSOLE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct text_console;

#define TC_FONT_W 8
#define TC_FONT_H 16

enum tc_key {
	TCK_CHAR,        /* unicode in ch */
	TCK_ENTER, TCK_BACKSPACE, TCK_DELETE, TCK_TAB, TCK_ESC,
	TCK_LEFT, TCK_RIGHT, TCK_UP, TCK_DOWN, TCK_HOME, TCK_END,
	TCK_PGUP, TCK_PGDN,
	TCK_SCROLL_UP, TCK_SCROLL_DOWN,     /* ctrl-up/down: one line of scrollback */
	TCK_SCROLL_PGUP, TCK_SCROLL_PGDN,   /* shift/ctrl-pgup/pgdn: a page */
	TCK_CTRL,        /* ctrl + letter in ch ('c' -> 0x03 in raw mode) */
};

/* Input callback: bytes the console sends to its peer (a line with '\n', or raw keys). */
typedef void (*tc_input_fn)(void *opaque, const char *buf, size_t n);

struct text_console *text_console_new(unsigned cols, unsigned rows, unsigned scrollback,
				      bool line_mode, tc_input_fn input, void *opaque);
void text_console_free(struct text_console *tc);

/* Output to show (thread-safe). */
void text_console_output(struct text_console *tc, const char *buf, size_t n);
/* A key typed by the person. */
void text_console_key(struct text_console *tc, enum tc_key key, uint32_t ch);

/* Pixel size of the console. */
unsigned text_console_width(const struct text_console *tc);
unsigned text_console_height(const struct text_console *tc);
/* Bumped by every change that alters the picture. */
uint64_t text_console_gen(struct text_console *tc);
/* Draw into px (XRGB8888, stride in pixels, at least width x height). */
void text_console_render(struct text_console *tc, uint32_t *px, unsigned stride);
/* The visible text (UTF-8, rows separated by '\n'), for tests. Returns length. */
size_t text_console_text(struct text_console *tc, char *buf, size_t len);

/* The 8x16 VGA font (256 glyphs x 16 bytes), loaded once; NULL if none found. */
const uint8_t *text_console_font(void);

#endif

/*
 * The serial console of a VM (ctrl-alt-3), shared by its SDL window and VNC
 * server: shows what the guest writes to COM1 (through the chardev tap) and
 * types raw keys into COM1. Created on first use; NULL without a COM1.
 * Freed with the display (display_free).
 */
struct display;
struct text_console *display_serial_console(struct display *d);
