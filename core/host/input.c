/*
 * The input router: front ends (SDL, VNC, monitor) hand it keys and pointer
 * events; it picks the device that should get them (core/host/input.h).
 *
 * Lock order: sinks_lock, then a device's own lock. LED listeners run under
 * led_lock, which devices take with their own lock held, so listeners must not
 * call back into the VM.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/host/input.h"
#include "core/util.h"
#include "core/vm.h"

#define MAX_SINKS 4
#define MAX_LED_LISTENERS 8
#define N_KEYSLOTS 256   /* 0x00-0x7F plain, 0x80-0xFF E0-prefixed */

struct input_sinks {
	pthread_mutex_t lock;
	struct input_kbd_sink kbd[MAX_SINKS];
	unsigned n_kbd;
	struct input_ptr_sink ptr[MAX_SINKS];
	unsigned n_ptr;
	int8_t key_sink[N_KEYSLOTS];   /* which keyboard got each held key, -1 none */
	unsigned buttons;
	int last_x, last_y;            /* last absolute position, for PS/2 deltas */
	bool have_last;
	int cur_ptr;                   /* pointer sink of the last event */
	int cur_kbd;                   /* keyboard sink of the last key press */

	pthread_mutex_t led_lock;
	unsigned leds;
	struct { void (*fn)(void *, unsigned); void *opaque; } led[MAX_LED_LISTENERS];
	unsigned n_led;

	void (*usb_info)(void *opaque, FILE *out);
	void *usb_info_opaque;
};

static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;

static void sinks_free(void *opaque)
{
	struct input_sinks *s = opaque;
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->led_lock);
	free(s);
}

static struct input_sinks *sinks(struct vm *vm)
{
	pthread_mutex_lock(&create_lock);
	if (!vm->input) {
		struct input_sinks *s = xzalloc(sizeof(*s));
		pthread_mutex_init(&s->lock, NULL);
		pthread_mutex_init(&s->led_lock, NULL);
		memset(s->key_sink, -1, sizeof(s->key_sink));
		s->cur_ptr = -1;
		s->cur_kbd = -1;
		vm->input = s;
		vm_add_free_hook(vm, sinks_free, s);
	}
	pthread_mutex_unlock(&create_lock);
	return vm->input;
}

/* ---- device side ------------------------------------------------------ */

void input_register_kbd(struct vm *vm, const struct input_kbd_sink *sink)
{
	struct input_sinks *s = sinks(vm);
	pthread_mutex_lock(&s->lock);
	if (s->n_kbd < MAX_SINKS)
		s->kbd[s->n_kbd++] = *sink;
	pthread_mutex_unlock(&s->lock);
}

void input_register_ptr(struct vm *vm, const struct input_ptr_sink *sink)
{
	struct input_sinks *s = sinks(vm);
	pthread_mutex_lock(&s->lock);
	if (s->n_ptr < MAX_SINKS)
		s->ptr[s->n_ptr++] = *sink;
	pthread_mutex_unlock(&s->lock);
}

void input_leds_changed(struct vm *vm, unsigned leds)
{
	struct input_sinks *s = vm->input;
	if (!s)
		return;
	pthread_mutex_lock(&s->led_lock);
	s->leds = leds;
	for (unsigned i = 0; i < s->n_led; i++)
		s->led[i].fn(s->led[i].opaque, leds);
	pthread_mutex_unlock(&s->led_lock);
}

void input_set_usb_info(struct vm *vm, void (*fn)(void *, FILE *), void *opaque)
{
	struct input_sinks *s = sinks(vm);
	pthread_mutex_lock(&s->lock);
	s->usb_info = fn;
	s->usb_info_opaque = opaque;
	pthread_mutex_unlock(&s->lock);
}

/* ---- keys ------------------------------------------------------------- */

static int keyslot(unsigned keycode)
{
	if (keycode >= 1 && keycode < 0x80)
		return keycode;
	if ((keycode & 0xFF00) == INPUT_KEY_E0 && (keycode & 0xFF) && (keycode & 0xFF) < 0x80)
		return 0x80 | (keycode & 0x7F);
	return -1;
}

static unsigned slot_key(int slot)
{
	return slot < 0x80 ? (unsigned)slot : INPUT_KEY_E0 | (slot & 0x7F);
}

/* The newest keyboard the guest uses (USB once configured, else PS/2). */
static int pick_kbd(struct input_sinks *s)
{
	for (int i = (int)s->n_kbd - 1; i >= 0; i--)
		if (!s->kbd[i].active || s->kbd[i].active(s->kbd[i].opaque))
			return i;
	return -1;
}

void input_key(struct vm *vm, unsigned keycode, bool down)
{
	struct input_sinks *s = vm->input;
	int slot = keyslot(keycode);

	if (!s || (slot < 0 && keycode != INPUT_KEY_PAUSE))
		return;
	pthread_mutex_lock(&s->lock);
	int k;
	if (!down && slot >= 0 && s->key_sink[slot] >= 0)
		k = s->key_sink[slot];   /* release where it was pressed */
	else
		k = pick_kbd(s);
	if (k >= 0) {
		if (down && k != s->cur_kbd) {
			/* once per switch (PS/2 -> USB when the guest configures it) */
			s->cur_kbd = k;
			vm_log(vm, "input: keys go to the %s", s->kbd[k].name);
		}
		if (slot >= 0)
			s->key_sink[slot] = down ? k : -1;
		s->kbd[k].key(s->kbd[k].opaque, keycode, down);
	}
	pthread_mutex_unlock(&s->lock);
}

void input_release_all_keys(struct vm *vm)
{
	struct input_sinks *s = vm->input;
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	for (int slot = 0; slot < N_KEYSLOTS; slot++) {
		int k = s->key_sink[slot];
		if (k >= 0) {
			s->key_sink[slot] = -1;
			s->kbd[k].key(s->kbd[k].opaque, slot_key(slot), false);
		}
	}
	pthread_mutex_unlock(&s->lock);
}

/* ---- pointer ---------------------------------------------------------- */

static int pick_ptr(struct input_sinks *s, enum input_ptr_kind kind)
{
	for (int i = (int)s->n_ptr - 1; i >= 0; i--)
		if (s->ptr[i].kind == kind &&
		    (!s->ptr[i].active || s->ptr[i].active(s->ptr[i].opaque)))
			return i;
	return -1;
}

void input_pointer_rel(struct vm *vm, int dx, int dy, int dz, unsigned buttons)
{
	struct input_sinks *s = vm->input;
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	int p = pick_ptr(s, INPUT_PTR_REL);
	s->buttons = buttons;
	if (p >= 0) {
		s->cur_ptr = p;
		s->ptr[p].event(s->ptr[p].opaque, dx, dy, dz, buttons);
	} else if ((p = pick_ptr(s, INPUT_PTR_ABS)) >= 0) {
		/* only a tablet: move it from the last absolute position */
		int x = MAX(0, MIN(32767, s->last_x + dx)), y = MAX(0, MIN(32767, s->last_y + dy));
		s->cur_ptr = p;
		s->ptr[p].event(s->ptr[p].opaque, x, y, dz, buttons);
	}
	pthread_mutex_unlock(&s->lock);
}

static int scale_abs(int v, int size)
{
	if (size <= 1)
		return 0;
	v = MAX(0, MIN(size - 1, v));
	/* rounds so that pixel p maps back to p at the guest's resolution */
	return (int)(((int64_t)v * 32767 + (size - 1) / 2) / (size - 1));
}

void input_pointer_abs(struct vm *vm, int x, int y, int width, int height,
		       int dz, unsigned buttons)
{
	struct input_sinks *s = vm->input;
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	int p = pick_ptr(s, INPUT_PTR_ABS);
	s->buttons = buttons;
	if (p >= 0) {
		s->cur_ptr = p;
		s->last_x = scale_abs(x, width);
		s->last_y = scale_abs(y, height);
		s->have_last = false;
		s->ptr[p].event(s->ptr[p].opaque, s->last_x, s->last_y, dz, buttons);
	} else if ((p = pick_ptr(s, INPUT_PTR_REL)) >= 0) {
		int dx = s->have_last ? x - s->last_x : 0;
		int dy = s->have_last ? y - s->last_y : 0;
		s->last_x = x;
		s->last_y = y;
		s->have_last = true;
		s->cur_ptr = p;
		s->ptr[p].event(s->ptr[p].opaque, dx, dy, dz, buttons);
	}
	pthread_mutex_unlock(&s->lock);
}

bool input_has_absolute(struct vm *vm)
{
	struct input_sinks *s = vm->input;
	if (!s)
		return false;
	pthread_mutex_lock(&s->lock);
	bool abs = pick_ptr(s, INPUT_PTR_ABS) >= 0;
	pthread_mutex_unlock(&s->lock);
	return abs;
}

/* ---- LEDs ------------------------------------------------------------- */

unsigned input_leds(struct vm *vm)
{
	struct input_sinks *s = vm->input;
	if (!s)
		return 0;
	pthread_mutex_lock(&s->led_lock);
	unsigned l = s->leds;
	pthread_mutex_unlock(&s->led_lock);
	return l;
}

int input_add_led_listener(struct vm *vm, void (*fn)(void *, unsigned), void *opaque)
{
	struct input_sinks *s = sinks(vm);
	int rc = -1;
	pthread_mutex_lock(&s->led_lock);
	if (s->n_led < MAX_LED_LISTENERS) {
		s->led[s->n_led].fn = fn;
		s->led[s->n_led++].opaque = opaque;
		rc = 0;
	}
	pthread_mutex_unlock(&s->led_lock);
	return rc;
}

void input_remove_led_listener(struct vm *vm, void *opaque)
{
	struct input_sinks *s = vm->input;
	if (!s)
		return;
	pthread_mutex_lock(&s->led_lock);
	for (unsigned i = 0; i < s->n_led; i++) {
		if (s->led[i].opaque == opaque) {
			s->led[i] = s->led[--s->n_led];
			i--;
		}
	}
	pthread_mutex_unlock(&s->led_lock);
}

/* ---- monitor listings ------------------------------------------------- */

void input_info_mice(struct vm *vm, FILE *out)
{
	struct input_sinks *s = vm->input;
	if (!s || !s->n_ptr) {
		fprintf(out, "No mouse devices connected\n");
		return;
	}
	pthread_mutex_lock(&s->lock);
	int cur = s->cur_ptr;
	if (cur < 0)
		cur = pick_ptr(s, INPUT_PTR_ABS) >= 0 ? pick_ptr(s, INPUT_PTR_ABS)
						      : pick_ptr(s, INPUT_PTR_REL);
	for (unsigned i = 0; i < s->n_ptr; i++)
		fprintf(out, "%c Mouse #%u: %s%s\n", (int)i == cur ? '*' : ' ', i,
			s->ptr[i].name, s->ptr[i].kind == INPUT_PTR_ABS ? " (absolute)" : "");
	pthread_mutex_unlock(&s->lock);
}

void input_info_usb(struct vm *vm, FILE *out)
{
	struct input_sinks *s = vm->input;
	if (!s || !s->usb_info) {
		fprintf(out, "USB support not enabled\n");
		return;
	}
	s->usb_info(s->usb_info_opaque, out);
}

/* ---- QKeyCode names (QEMU qapi/ui.json spelling) ---------------------- */

#define E0(x) (INPUT_KEY_E0 | (x))

static const struct { const char *name; unsigned key; } key_names[] = {
	{ "esc", 0x01 }, { "1", 0x02 }, { "2", 0x03 }, { "3", 0x04 }, { "4", 0x05 },
	{ "5", 0x06 }, { "6", 0x07 }, { "7", 0x08 }, { "8", 0x09 }, { "9", 0x0A },
	{ "0", 0x0B }, { "minus", 0x0C }, { "equal", 0x0D }, { "backspace", 0x0E },
	{ "tab", 0x0F }, { "q", 0x10 }, { "w", 0x11 }, { "e", 0x12 }, { "r", 0x13 },
	{ "t", 0x14 }, { "y", 0x15 }, { "u", 0x16 }, { "i", 0x17 }, { "o", 0x18 },
	{ "p", 0x19 }, { "bracket_left", 0x1A }, { "bracket_right", 0x1B },
	{ "ret", 0x1C }, { "ctrl", 0x1D }, { "a", 0x1E }, { "s", 0x1F }, { "d", 0x20 },
	{ "f", 0x21 }, { "g", 0x22 }, { "h", 0x23 }, { "j", 0x24 }, { "k", 0x25 },
	{ "l", 0x26 }, { "semicolon", 0x27 }, { "apostrophe", 0x28 },
	{ "grave_accent", 0x29 }, { "shift", 0x2A }, { "backslash", 0x2B },
	{ "z", 0x2C }, { "x", 0x2D }, { "c", 0x2E }, { "v", 0x2F }, { "b", 0x30 },
	{ "n", 0x31 }, { "m", 0x32 }, { "comma", 0x33 }, { "dot", 0x34 },
	{ "slash", 0x35 }, { "shift_r", 0x36 }, { "kp_multiply", 0x37 },
	{ "asterisk", 0x37 }, { "alt", 0x38 }, { "spc", 0x39 }, { "caps_lock", 0x3A },
	{ "f1", 0x3B }, { "f2", 0x3C }, { "f3", 0x3D }, { "f4", 0x3E }, { "f5", 0x3F },
	{ "f6", 0x40 }, { "f7", 0x41 }, { "f8", 0x42 }, { "f9", 0x43 }, { "f10", 0x44 },
	{ "num_lock", 0x45 }, { "scroll_lock", 0x46 }, { "kp_7", 0x47 },
	{ "kp_8", 0x48 }, { "kp_9", 0x49 }, { "kp_subtract", 0x4A }, { "kp_4", 0x4B },
	{ "kp_5", 0x4C }, { "kp_6", 0x4D }, { "kp_add", 0x4E }, { "kp_1", 0x4F },
	{ "kp_2", 0x50 }, { "kp_3", 0x51 }, { "kp_0", 0x52 }, { "kp_decimal", 0x53 },
	{ "sysrq", 0x54 }, { "less", 0x56 }, { "f11", 0x57 }, { "f12", 0x58 },
	{ "kp_equals", 0x59 }, { "f13", 0x64 }, { "f14", 0x65 }, { "f15", 0x66 },
	{ "f16", 0x67 }, { "f17", 0x68 }, { "f18", 0x69 }, { "f19", 0x6A },
	{ "f20", 0x6B }, { "f21", 0x6C }, { "f22", 0x6D }, { "f23", 0x6E },
	{ "katakanahiragana", 0x70 }, { "hiragana", 0x70 }, { "ro", 0x73 },
	{ "f24", 0x76 }, { "henkan", 0x79 }, { "muhenkan", 0x7B }, { "yen", 0x7D },
	{ "kp_comma", 0x7E },
	{ "audioprev", E0(0x10) }, { "audionext", E0(0x19) }, { "kp_enter", E0(0x1C) },
	{ "ctrl_r", E0(0x1D) }, { "audiomute", E0(0x20) }, { "calculator", E0(0x21) },
	{ "audioplay", E0(0x22) }, { "audiostop", E0(0x24) },
	{ "volumedown", E0(0x2E) }, { "volumeup", E0(0x30) }, { "ac_home", E0(0x32) },
	{ "kp_divide", E0(0x35) }, { "print", E0(0x37) }, { "alt_r", E0(0x38) },
	{ "home", E0(0x47) }, { "up", E0(0x48) }, { "pgup", E0(0x49) },
	{ "left", E0(0x4B) }, { "right", E0(0x4D) }, { "end", E0(0x4F) },
	{ "down", E0(0x50) }, { "pgdn", E0(0x51) }, { "insert", E0(0x52) },
	{ "delete", E0(0x53) }, { "meta_l", E0(0x5B) }, { "meta_r", E0(0x5C) },
	{ "menu", E0(0x5D) }, { "compose", E0(0x5D) }, { "power", E0(0x5E) },
	{ "sleep", E0(0x5F) }, { "wake", E0(0x63) }, { "ac_bookmarks", E0(0x66) },
	{ "ac_refresh", E0(0x67) }, { "ac_forward", E0(0x69) }, { "ac_back", E0(0x6A) },
	{ "computer", E0(0x6B) }, { "mail", E0(0x6C) }, { "mediaselect", E0(0x6D) },
	{ "stop", E0(0x68) }, { "ac_search", E0(0x65) },
	{ "pause", INPUT_KEY_PAUSE },
};

int input_key_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(key_names); i++)
		if (!strcmp(key_names[i].name, name))
			return key_names[i].key;
	return -1;
}

const char *input_key_name(unsigned keycode)
{
	for (size_t i = 0; i < ARRAY_SIZE(key_names); i++)
		if (key_names[i].key == keycode)
			return key_names[i].name;
	return NULL;
}

/* QEMU's qnum: E0 xx is 0x80|xx; Pause is 0xC6 (its E0 46 Break code). */
unsigned input_key_from_qnum(unsigned qnum)
{
	if (qnum == 0xC6)
		return INPUT_KEY_PAUSE;
	if (qnum >= 1 && qnum < 0x80)
		return qnum;
	if (qnum > 0x80 && qnum < 0x100)
		return INPUT_KEY_E0 | (qnum & 0x7F);
	return 0;
}

unsigned input_key_to_qnum(unsigned keycode)
{
	if (keycode == INPUT_KEY_PAUSE)
		return 0xC6;
	if (keycode >= 1 && keycode < 0x80)
		return keycode;
	if ((keycode & 0xFF00) == INPUT_KEY_E0 && (keycode & 0x7F))
		return 0x80 | (keycode & 0x7F);
	return 0;
}
