/*
 * Keyboard and pointer input: from front ends (SDL window, VNC server,
 * monitor sendkey/mouse_move) to the emulated devices (PS/2 keyboard and
 * mouse behind the i8042, USB HID keyboard/mouse/tablet behind UHCI).
 *
 * All functions here are safe from any thread.
 *
 * Key codes ("PC keycodes") are PC scancode set-1 make codes:
 *   0x01..0x7F       plain keys (0x01 Esc, 0x1C Enter, 0x2A left shift, ...)
 *   0xE001..0xE07F   E0-prefixed keys (0xE01C keypad Enter, 0xE048 Up, ...)
 *   0xE11D           Pause (the E1 1D 45 sequence; Ctrl+Pause sends Break)
 *   Print Screen is 0xE037 (the device adds the fake shifts; with Alt held it
 *   becomes SysRq 0x54 as real keyboards do).
 * QEMU's "qnum" numbering (extended key event, sendkey #0xNN) writes E0 xx as
 * 0x80|xx: input_key_from_qnum() converts.
 */
#ifndef VMST_INPUT_H
#define VMST_INPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct vm;

#define INPUT_KEY_E0     0xE000u
#define INPUT_KEY_PAUSE  0xE11Du
#define INPUT_KEY_MAX    0xE200u   /* keycodes are below this */

/* Buttons, as a bit mask. */
#define INPUT_BTN_LEFT   0x01u
#define INPUT_BTN_RIGHT  0x02u
#define INPUT_BTN_MIDDLE 0x04u
#define INPUT_BTN_SIDE   0x08u   /* button 4 ("back") */
#define INPUT_BTN_EXTRA  0x10u   /* button 5 ("forward") */

/* Keyboard LEDs, as a bit mask (the PS/2 ED command's bit order). */
#define INPUT_LED_SCROLL 0x01u
#define INPUT_LED_NUM    0x02u
#define INPUT_LED_CAPS   0x04u

/* ---- front ends -------------------------------------------------------- */

/*
 * A key went down or up. Keys go to the USB keyboard once the guest has
 * configured it, else to the PS/2 keyboard. Never blocks; the devices queue
 * keys in order without dropping (a full guest-side queue waits in a
 * per-VM backlog that drains as the guest reads).
 */
void input_key(struct vm *vm, unsigned keycode, bool down);

/* Release every key this VM believes is held (window focus lost, ungrab). */
void input_release_all_keys(struct vm *vm);

/*
 * Relative motion (dx right, dy down, dz wheel: positive = towards the user,
 * i.e. scroll down) with the buttons now held. Goes to the USB mouse if the
 * guest configured one, else to the PS/2 mouse.
 */
void input_pointer_rel(struct vm *vm, int dx, int dy, int dz, unsigned buttons);

/*
 * The host pointer is at (x, y) in a width x height guest screen. Goes to the
 * USB tablet when the guest has configured it (absolute 0..32767), else it is
 * turned into relative motion for the PS/2 (or USB) mouse.
 */
void input_pointer_abs(struct vm *vm, int x, int y, int width, int height,
		       int dz, unsigned buttons);

/* True when absolute events reach an absolute device (tablet configured). */
bool input_has_absolute(struct vm *vm);

/* Current guest keyboard LEDs (INPUT_LED_*). */
unsigned input_leds(struct vm *vm);

/*
 * Called (on a vCPU thread: keep it short, no VM calls) whenever the guest
 * changes its keyboard LEDs, so a front end can sync caps/num/scroll lock.
 * Returns 0, or -1 if the table is full.
 */
int input_add_led_listener(struct vm *vm, void (*fn)(void *opaque, unsigned leds),
			   void *opaque);
void input_remove_led_listener(struct vm *vm, void *opaque);

/* ---- names (monitor sendkey) ------------------------------------------- */

/* QEMU QKeyCode name ("ctrl", "alt", "delete", "ret", "kp_0", "f12") -> keycode, or -1. */
int input_key_from_name(const char *name);
/* The QKeyCode name of a keycode, or NULL. */
const char *input_key_name(unsigned keycode);
/* QEMU qnum (E0 xx written as 0x80|xx) -> keycode; 0 if not a key. */
unsigned input_key_from_qnum(unsigned qnum);
unsigned input_key_to_qnum(unsigned keycode);

/* ---- monitor listings ------------------------------------------------- */

/* `info mice`: one line per pointer device, '*' marking the current one. */
void input_info_mice(struct vm *vm, FILE *out);
/* `info usb`: attached USB devices ("  Device 0.1, Port 1, Speed 12 Mb/s, Product QEMU USB Tablet"). */
void input_info_usb(struct vm *vm, FILE *out);

/* ---- device side ------------------------------------------------------ */

/* What a keyboard or pointer device gives the router. */
struct input_kbd_sink {
	const char *name;
	void (*key)(void *opaque, unsigned keycode, bool down);
	/* true while the guest has the device in use (USB: configured) */
	bool (*active)(void *opaque);
	void *opaque;
};

enum input_ptr_kind { INPUT_PTR_REL, INPUT_PTR_ABS };

struct input_ptr_sink {
	const char *name;
	enum input_ptr_kind kind;
	/* REL: dx, dy in pixels; ABS: x, y in 0..32767 */
	void (*event)(void *opaque, int x, int y, int dz, unsigned buttons);
	bool (*active)(void *opaque);
	void *opaque;
};

/* Devices register at create time; later registrations win over earlier ones
 * when both are active (USB over PS/2). */
void input_register_kbd(struct vm *vm, const struct input_kbd_sink *sink);
void input_register_ptr(struct vm *vm, const struct input_ptr_sink *sink);
/* A keyboard tells the router its LEDs changed (calls the listeners). */
void input_leds_changed(struct vm *vm, unsigned leds);
/* USB: the bus lists its devices for `info usb` through this hook. */
void input_set_usb_info(struct vm *vm, void (*fn)(void *opaque, FILE *out), void *opaque);

#endif
