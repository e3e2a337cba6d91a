/*
 * PS/2 keyboard and mouse as seen from the i8042 controller: bytes the host
 * sends (commands) and bytes the device sends back (replies, scancodes,
 * motion packets).
 *
 * Neither device has a lock: the i8042 owns them and calls every function
 * here with its own mutex held.
 */
#ifndef VMST_PS2_H
#define VMST_PS2_H

#include <stdbool.h>
#include <stdint.h>

#define PS2_ACK    0xFA
#define PS2_RESEND 0xFE
#define PS2_BAT_OK 0xAA
#define PS2_ECHO   0xEE

/* A byte FIFO; capacity is a power of two. */
struct ps2_fifo {
	uint8_t *buf;
	unsigned cap, head, count;
};

static inline unsigned ps2_fifo_space(const struct ps2_fifo *f) { return f->cap - f->count; }
static inline bool ps2_fifo_put(struct ps2_fifo *f, uint8_t b)
{
	if (f->count == f->cap)
		return false;
	f->buf[(f->head + f->count++) & (f->cap - 1)] = b;
	return true;
}
static inline int ps2_fifo_get(struct ps2_fifo *f)
{
	if (!f->count)
		return -1;
	uint8_t b = f->buf[f->head];
	f->head = (f->head + 1) & (f->cap - 1);
	f->count--;
	return b;
}
static inline void ps2_fifo_clear(struct ps2_fifo *f) { f->head = f->count = 0; }

/* ---- keyboard --------------------------------------------------------- */

struct ps2_kbd;
struct vm;

/* vm is used for LED notifications only (may be NULL in tests). */
struct ps2_kbd *ps2_kbd_new(struct vm *vm);
void ps2_kbd_free(struct ps2_kbd *k);
/* Power-on state: set 2, scanning on, queues empty. */
void ps2_kbd_reset(struct ps2_kbd *k);
/* A byte from the controller (a command or a command's argument). */
void ps2_kbd_write(struct ps2_kbd *k, uint8_t b);
/* Next byte for the controller, or -1 when there is none. */
int ps2_kbd_read(struct ps2_kbd *k);
bool ps2_kbd_has_data(const struct ps2_kbd *k);
/* A key event (core/host/input.h keycode). Queued as the current set's bytes. */
void ps2_kbd_key(struct ps2_kbd *k, unsigned keycode, bool down);
unsigned ps2_kbd_leds(const struct ps2_kbd *k);
unsigned ps2_kbd_scanset(const struct ps2_kbd *k);
/* Bytes the scanset-2 encoding of keycode produces (tests, translation). */
int ps2_kbd_encode(unsigned set, unsigned keycode, bool down, unsigned mods,
		   uint8_t *out, int max);
/* Modifier bits for ps2_kbd_encode (only Print Screen and Pause look at them). */
#define PS2_MOD_CTRL  1u
#define PS2_MOD_SHIFT 2u
#define PS2_MOD_ALT   4u

/* The i8042's set-2 -> set-1 translation of one byte (without the F0 handling). */
uint8_t ps2_translate_byte(uint8_t set2);

/* ---- mouse ------------------------------------------------------------ */

struct ps2_mouse;

struct ps2_mouse *ps2_mouse_new(void);
void ps2_mouse_free(struct ps2_mouse *m);
void ps2_mouse_reset(struct ps2_mouse *m);
void ps2_mouse_write(struct ps2_mouse *m, uint8_t b);
int ps2_mouse_read(struct ps2_mouse *m);
bool ps2_mouse_has_data(const struct ps2_mouse *m);
/* Relative motion: dx right, dy down (screen direction), dz wheel down. */
void ps2_mouse_move(struct ps2_mouse *m, int dx, int dy, int dz, unsigned buttons);
/* 0 = standard, 3 = IntelliMouse (wheel), 4 = Explorer (wheel + 5 buttons). */
unsigned ps2_mouse_id(const struct ps2_mouse *m);
/* True after the guest enabled data reporting (F4): the mouse is in use. */
bool ps2_mouse_enabled(const struct ps2_mouse *m);
/* For `info mice`: "standard", "IntelliMouse", "IntelliMouse Explorer". */
const char *ps2_mouse_kind(const struct ps2_mouse *m);

#endif
