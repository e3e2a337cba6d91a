/*
 * USB HID devices: a tablet (absolute pointer, 0..32767 on both axes), a
 * mouse and a keyboard, each a full-speed device with one configuration, one
 * HID interface and one interrupt IN endpoint (0x81, polled every 10 ms).
 *
 * The mouse and keyboard speak the boot protocols (HID 1.11 appendix B), so
 * BIOSes (SeaBIOS's usb-hid) can use them without parsing report
 * descriptors. Reports queue up between polls; a report that only moves the
 * pointer is merged into the last unsent one, but button and key changes
 * are kept one report each, so no click or key is lost.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/usb.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/host/input.h"
#include "core/host/keycode_hid.h"

enum hid_kind { HID_TABLET, HID_MOUSE, HID_KEYBOARD };

#define REPORT_MAX 8
#define QUEUE_LEN 64

struct usb_hid {
	struct usb_device dev;
	struct vm *vm;
	enum hid_kind kind;
	uint8_t config, protocol, idle, leds;
	uint64_t idle_from_ns;  /* guest time the idle period runs from */

	/* control transfer on endpoint 0 */
	uint8_t setup[8];
	uint8_t ctl[256];
	int ctl_len, ctl_pos;
	enum { CTL_IDLE, CTL_DATA_IN, CTL_DATA_OUT, CTL_STATUS_IN } stage;
	bool stall;
	int new_addr;           /* SET_ADDRESS takes effect after the status stage */

	/* input reports waiting for an interrupt IN poll */
	uint8_t q[QUEUE_LEN][REPORT_MAX];
	unsigned q_head, q_count;
	bool last_sealed;       /* the newest queued report may not be merged into */

	/* current state */
	int x, y;               /* tablet */
	unsigned buttons;
	uint8_t mods;           /* keyboard */
	uint8_t keys[256];      /* every key held, in the order pressed (usages
				 * below 0xE0, each once; the report shows six) */
	unsigned n_keys;
	bool pause_down;
};

/* ---- descriptors (USB 1.1 ch. 9, HID 1.11) ---------------------------- */

static const uint8_t tablet_report_desc[] = {
	0x05, 0x01, 0x09, 0x02, 0xA1, 0x01,       /* Generic Desktop, Mouse, Application */
	0x09, 0x01, 0xA1, 0x00,                   /* Pointer, Physical */
	0x05, 0x09, 0x19, 0x01, 0x29, 0x05,       /* Buttons 1..5 */
	0x15, 0x00, 0x25, 0x01, 0x95, 0x05, 0x75, 0x01, 0x81, 0x02,
	0x95, 0x01, 0x75, 0x03, 0x81, 0x01,       /* 3 bits padding */
	0x05, 0x01, 0x09, 0x30, 0x09, 0x31,       /* X, Y */
	0x15, 0x00, 0x26, 0xFF, 0x7F, 0x35, 0x00, 0x46, 0xFF, 0x7F,
	0x75, 0x10, 0x95, 0x02, 0x81, 0x02,       /* 2 x 16 bits, absolute */
	0x09, 0x38, 0x15, 0x81, 0x25, 0x7F,       /* Wheel -127..127 */
	0x35, 0x00, 0x45, 0x00, 0x75, 0x08, 0x95, 0x01, 0x81, 0x06,
	0xC0, 0xC0,
};

static const uint8_t mouse_report_desc[] = {
	0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x09, 0x01, 0xA1, 0x00,
	0x05, 0x09, 0x19, 0x01, 0x29, 0x05,
	0x15, 0x00, 0x25, 0x01, 0x95, 0x05, 0x75, 0x01, 0x81, 0x02,
	0x95, 0x01, 0x75, 0x03, 0x81, 0x01,
	0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x09, 0x38,   /* X, Y, Wheel */
	0x15, 0x81, 0x25, 0x7F, 0x75, 0x08, 0x95, 0x03, 0x81, 0x06,
	0xC0, 0xC0,
};

static const uint8_t keyboard_report_desc[] = {
	0x05, 0x01, 0x09, 0x06, 0xA1, 0x01,       /* Generic Desktop, Keyboard */
	0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7,       /* modifiers E0..E7 */
	0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08, 0x81, 0x02,
	0x95, 0x01, 0x75, 0x08, 0x81, 0x01,       /* reserved byte */
	0x95, 0x05, 0x75, 0x01, 0x05, 0x08, 0x19, 0x01, 0x29, 0x05, 0x91, 0x02, /* LEDs */
	0x95, 0x01, 0x75, 0x03, 0x91, 0x01,
	0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x26, 0xFF, 0x00,
	0x05, 0x07, 0x19, 0x00, 0x29, 0xFF, 0x81, 0x00,   /* 6 key array */
	0xC0,
};

static const struct {
	const char *id, *product;
	uint16_t pid;
	uint8_t subclass, protocol, report_len;
	const uint8_t *report_desc;
	size_t report_desc_len;
} kinds[] = {
	[HID_TABLET] = { "tablet", "vmstation USB Tablet", 0x0001, 0, 0, 6,
			 tablet_report_desc, sizeof(tablet_report_desc) },
	[HID_MOUSE] = { "mouse", "vmstation USB Mouse", 0x0002, 1, 2, 4,
			mouse_report_desc, sizeof(mouse_report_desc) },
	[HID_KEYBOARD] = { "keyboard", "vmstation USB Keyboard", 0x0003, 1, 1, 8,
			   keyboard_report_desc, sizeof(keyboard_report_desc) },
};

#define VENDOR_ID 0x1209   /* pid.codes, open-source hardware */

static int device_desc(struct usb_hid *h, uint8_t *b)
{
	const uint8_t d[18] = { 18, 1, 0x10, 0x01, 0, 0, 0, 64,
				VENDOR_ID & 0xFF, VENDOR_ID >> 8, kinds[h->kind].pid & 0xFF,
				kinds[h->kind].pid >> 8, 0x00, 0x01, 1, 2, 3, 1 };
	memcpy(b, d, sizeof(d));
	return sizeof(d);
}

static int hid_desc(struct usb_hid *h, uint8_t *b)
{
	size_t rl = kinds[h->kind].report_desc_len;
	const uint8_t d[9] = { 9, 0x21, 0x11, 0x01, 0, 1, 0x22, rl & 0xFF, rl >> 8 };
	memcpy(b, d, sizeof(d));
	return sizeof(d);
}

static int config_desc(struct usb_hid *h, uint8_t *b)
{
	const uint8_t c[9] = { 9, 2, 34, 0, 1, 1, 0, 0x80, 50 };
	const uint8_t i[9] = { 9, 4, 0, 0, 1, 3, kinds[h->kind].subclass,
			       kinds[h->kind].protocol, 0 };
	const uint8_t e[7] = { 7, 5, 0x81, 3, 8, 0, 10 };
	memcpy(b, c, 9);
	memcpy(b + 9, i, 9);
	hid_desc(h, b + 18);
	memcpy(b + 27, e, 7);
	return 34;
}

static int string_desc(struct usb_hid *h, unsigned index, uint8_t *b)
{
	const char *s;
	switch (index) {
	case 0: b[0] = 4; b[1] = 3; b[2] = 0x09; b[3] = 0x04; return 4;  /* en-US */
	case 1: s = "vmstation"; break;
	case 2: s = kinds[h->kind].product; break;
	case 3: s = "1"; break;
	default: return -1;
	}
	size_t n = strlen(s);
	b[0] = 2 + 2 * n;
	b[1] = 3;
	for (size_t k = 0; k < n; k++) {
		b[2 + 2 * k] = s[k];
		b[3 + 2 * k] = 0;
	}
	return 2 + 2 * n;
}

/* ---- reports ---------------------------------------------------------- */

static int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

static void current_report(struct usb_hid *h, uint8_t *r)
{
	memset(r, 0, REPORT_MAX);
	switch (h->kind) {
	case HID_TABLET:
		r[0] = h->buttons & 0x1F;
		st16(r + 1, h->x);
		st16(r + 3, h->y);
		break;
	case HID_MOUSE:
		r[0] = h->buttons & 0x1F;
		break;
	case HID_KEYBOARD:
		r[0] = h->mods;
		if (h->n_keys > 6)
			memset(r + 2, 0x01, 6);   /* ErrorRollOver */
		else
			memcpy(r + 2, h->keys, h->n_keys);
		break;
	}
}

static uint8_t *queue_tail(struct usb_hid *h)
{
	return h->q[(h->q_head + h->q_count - 1) % QUEUE_LEN];
}

/* Append a report; when full, the newest one absorbs the change. */
static uint8_t *queue_push(struct usb_hid *h)
{
	if (h->q_count < QUEUE_LEN)
		h->q_count++;
	uint8_t *r = queue_tail(h);
	h->last_sealed = false;
	return r;
}

static void pointer_event(void *opaque, int x, int y, int dz, unsigned buttons)
{
	struct usb_hid *h = opaque;
	pthread_mutex_lock(h->dev.lock);
	/* merge into the unsent newest report if the buttons are the same */
	bool changed = buttons != h->buttons;
	bool merge = h->q_count && !h->last_sealed && !changed;
	uint8_t *r = merge ? queue_tail(h) : queue_push(h);
	if (!merge)
		memset(r, 0, REPORT_MAX);
	h->buttons = buttons;
	r[0] = buttons & 0x1F;
	if (h->kind == HID_TABLET) {
		h->x = clamp(x, 0, 32767);
		h->y = clamp(y, 0, 32767);
		st16(r + 1, h->x);
		st16(r + 3, h->y);
		/* HID wheel: positive is away from the user */
		r[5] = (uint8_t)clamp((int8_t)r[5] - dz, -127, 127);
	} else {
		/* relative: keep adding while the deltas fit, else a new report */
		int nx = (int8_t)r[1] + x, ny = (int8_t)r[2] + y, nz = (int8_t)r[3] - dz;
		while (nx < -127 || nx > 127 || ny < -127 || ny > 127) {
			int sx = clamp(nx, -127, 127), sy = clamp(ny, -127, 127);
			r[1] = (uint8_t)sx;
			r[2] = (uint8_t)sy;
			nx -= sx;
			ny -= sy;
			if (h->q_count == QUEUE_LEN)
				break;   /* guest not polling: the rest is dropped */
			r = queue_push(h);
			memset(r, 0, REPORT_MAX);
			r[0] = buttons & 0x1F;
		}
		r[1] = (uint8_t)clamp(nx, -127, 127);
		r[2] = (uint8_t)clamp(ny, -127, 127);
		r[3] = (uint8_t)clamp(nz, -127, 127);
	}
	/* a click stays where it happened: later motion goes in a new report */
	if (changed)
		h->last_sealed = true;
	pthread_mutex_unlock(h->dev.lock);
}

static void key_event(void *opaque, unsigned keycode, bool down)
{
	struct usb_hid *h = opaque;
	uint8_t u = keycode_pc_to_hid(keycode);
	if (!u)
		return;
	pthread_mutex_lock(h->dev.lock);
	if (u >= 0xE0) {
		uint8_t bit = 1u << (u - 0xE0);
		h->mods = down ? h->mods | bit : h->mods & ~bit;
	} else {
		unsigned i;
		for (i = 0; i < h->n_keys && h->keys[i] != u; i++)
			;
		bool held = i < h->n_keys;
		if (down == held) {
			/* typematic repeat (USB keyboards do not report it), or
			 * the release of a key that was not down */
			pthread_mutex_unlock(h->dev.lock);
			return;
		}
		if (down) {
			h->keys[h->n_keys++] = u;
		} else {
			memmove(h->keys + i, h->keys + i + 1, h->n_keys - i - 1);
			h->n_keys--;
		}
	}
	current_report(h, queue_push(h));
	h->last_sealed = true;
	pthread_mutex_unlock(h->dev.lock);
}

static bool active(void *opaque)
{
	struct usb_hid *h = opaque;
	pthread_mutex_lock(h->dev.lock);
	bool a = h->config && h->dev.bus_running(h->dev.bus);
	pthread_mutex_unlock(h->dev.lock);
	return a;
}

/* ---- control requests ------------------------------------------------- */

/* Device-to-host request: fill h->ctl; bytes or -1 to stall. */
static int request_in(struct usb_hid *h, unsigned type, unsigned req, unsigned value)
{
	uint8_t *b = h->ctl;
	switch (type << 8 | req) {
	case 0x8006:
		switch (value >> 8) {
		case 1: return device_desc(h, b);
		case 2: return config_desc(h, b);
		case 3: return string_desc(h, value & 0xFF, b);
		}
		return -1;
	case 0x8106:
		if (value >> 8 == 0x22) {
			memcpy(b, kinds[h->kind].report_desc, kinds[h->kind].report_desc_len);
			return kinds[h->kind].report_desc_len;
		}
		if (value >> 8 == 0x21)
			return hid_desc(h, b);
		return -1;
	case 0x8008: b[0] = h->config; return 1;
	case 0x8000: case 0x8100: case 0x8200: b[0] = b[1] = 0; return 2;
	case 0x810A: b[0] = 0; return 1;
	case 0xA101:
		current_report(h, b);
		return kinds[h->kind].report_len;
	case 0xA102: b[0] = h->idle; return 1;
	case 0xA103: b[0] = h->protocol; return 1;
	}
	return -1;
}

/* Host-to-device request with its data; 0 or -1 to stall. */
static int request_out(struct usb_hid *h, unsigned type, unsigned req, unsigned value,
		       const uint8_t *data, int len)
{
	switch (type << 8 | req) {
	case 0x0005: h->new_addr = value & 0x7F; return 0;
	case 0x0009:
		if (value > 1)
			return -1;
		h->config = value;
		h->q_count = 0;
		return 0;
	case 0x0001: case 0x0003: case 0x0201: case 0x0203: return 0;   /* features */
	case 0x010B: return value == 0 ? 0 : -1;                          /* SET_INTERFACE */
	case 0x2109:                                                      /* SET_REPORT */
		if (h->kind == HID_KEYBOARD && len >= 1) {
			/* HID LED bits: 0 Num, 1 Caps, 2 Scroll */
			h->leds = data[0];
			input_leds_changed(h->vm, (data[0] & 1 ? INPUT_LED_NUM : 0) |
					   (data[0] & 2 ? INPUT_LED_CAPS : 0) |
					   (data[0] & 4 ? INPUT_LED_SCROLL : 0));
		}
		return 0;
	case 0x210A:                                                      /* SET_IDLE */
		h->idle = value >> 8;
		h->idle_from_ns = vm_guest_ns(h->vm);
		return 0;
	case 0x210B: h->protocol = value & 1; return 0;
	}
	return -1;
}

static int control(struct usb_hid *h, int pid, uint8_t *buf, int len)
{
	unsigned type = h->setup[0], req = h->setup[1];
	unsigned value = ld16(h->setup + 2), length = ld16(h->setup + 6);

	if (pid == USB_PID_SETUP) {
		if (len != 8)
			return USB_RET_STALL;
		memcpy(h->setup, buf, 8);
		type = buf[0]; req = buf[1]; value = ld16(buf + 2); length = ld16(buf + 6);
		h->stall = false;
		h->ctl_pos = 0;
		if (type & 0x80) {
			int n = request_in(h, type, req, value);
			h->stall = n < 0;
			h->ctl_len = n < 0 ? 0 : MIN((unsigned)n, length);
			h->stage = CTL_DATA_IN;
		} else if (length) {
			h->ctl_len = MIN(length, sizeof(h->ctl));
			h->stage = CTL_DATA_OUT;
		} else {
			h->stall = request_out(h, type, req, value, NULL, 0) < 0;
			h->stage = CTL_STATUS_IN;
		}
		return 8;
	}
	if (h->stall)
		return USB_RET_STALL;
	if (pid == USB_PID_IN) {
		if (h->stage == CTL_DATA_IN) {
			int n = MIN(len, h->ctl_len - h->ctl_pos);
			memcpy(buf, h->ctl + h->ctl_pos, n);
			h->ctl_pos += n;
			return n;
		}
		if (h->stage == CTL_DATA_OUT) {   /* status after OUT data */
			h->stage = CTL_IDLE;
			if (request_out(h, type, req, value, h->ctl, h->ctl_pos) < 0)
				return USB_RET_STALL;
			return 0;
		}
		if (h->stage == CTL_STATUS_IN) {
			h->stage = CTL_IDLE;
			if (h->new_addr >= 0) {
				h->dev.addr = h->new_addr;
				h->new_addr = -1;
			}
			return 0;
		}
		return USB_RET_STALL;
	}
	/* OUT */
	if (h->stage == CTL_DATA_OUT) {
		int n = MIN(len, h->ctl_len - h->ctl_pos);
		memcpy(h->ctl + h->ctl_pos, buf, n);
		h->ctl_pos += n;
		return len;
	}
	if (h->stage == CTL_DATA_IN)   /* status after IN data */
		h->stage = CTL_IDLE;
	return 0;
}

static int hid_packet(struct usb_device *d, int pid, unsigned ep, uint8_t *buf, int len)
{
	struct usb_hid *h = container_of(d, struct usb_hid, dev);
	if (len < 0)
		return USB_RET_STALL;
	if (ep == 0)
		return control(h, pid, buf, len);
	if (ep != 1 || pid != USB_PID_IN || !h->config)
		return USB_RET_STALL;
	uint8_t again[REPORT_MAX];
	uint8_t *r;
	if (h->q_count) {
		r = h->q[h->q_head];
		h->q_head = (h->q_head + 1) % QUEUE_LEN;
		h->q_count--;
		if (!h->q_count)
			h->last_sealed = false;
	} else {
		/*
		 * Nothing changed. With an idle rate set (HID 1.11 7.2.4) the
		 * state is reported again each time the duration passes
		 * without a report: SeaBIOS sets 32 ms on the keyboard and
		 * repeats a held key by counting these reports.
		 */
		if (!h->idle || vm_guest_ns(h->vm) - h->idle_from_ns < h->idle * 4000000ull)
			return USB_RET_NAK;
		current_report(h, again);
		r = again;
	}
	if (h->idle)
		h->idle_from_ns = vm_guest_ns(h->vm);
	int n = MIN(len, kinds[h->kind].report_len);
	/* boot protocol: the mouse sends buttons, x, y only */
	if (h->kind == HID_MOUSE && h->protocol == 0)
		n = MIN(n, 3);
	memcpy(buf, r, n);
	return n;
}

static void hid_reset(struct usb_device *d)
{
	struct usb_hid *h = container_of(d, struct usb_hid, dev);
	d->addr = 0;
	h->config = 0;
	h->protocol = 1;
	h->idle = 0;
	h->stage = CTL_IDLE;
	h->stall = false;
	h->new_addr = -1;
	h->q_head = h->q_count = 0;
	h->last_sealed = false;
}

static void hid_free(struct usb_device *d)
{
	free(container_of(d, struct usb_hid, dev));
}

struct usb_device *usb_hid_new(struct vm *vm, const char *kind, pthread_mutex_t *lock,
			       bool (*bus_running)(void *bus), void *bus)
{
	int k;
	for (k = 0; k < (int)ARRAY_SIZE(kinds); k++)
		if (!strcmp(kind, kinds[k].id))
			break;
	if (k == (int)ARRAY_SIZE(kinds))
		return NULL;
	struct usb_hid *h = xzalloc(sizeof(*h));
	h->vm = vm;
	h->kind = k;
	h->dev.product = kinds[k].product;
	h->dev.id = kinds[k].id;
	h->dev.packet = hid_packet;
	h->dev.reset = hid_reset;
	h->dev.free = hid_free;
	h->dev.lock = lock;
	h->dev.bus_running = bus_running;
	h->dev.bus = bus;
	h->x = h->y = 16384;
	hid_reset(&h->dev);

	if (k == HID_KEYBOARD)
		input_register_kbd(vm, &(struct input_kbd_sink){
			.name = h->dev.product, .key = key_event, .active = active, .opaque = h });
	else
		input_register_ptr(vm, &(struct input_ptr_sink){
			.name = h->dev.product,
			.kind = k == HID_TABLET ? INPUT_PTR_ABS : INPUT_PTR_REL,
			.event = pointer_event, .active = active, .opaque = h });
	return &h->dev;
}
