/*
 * The USB HID tablet, mouse and keyboard (devices/usb_hid.c) through their
 * usb.h packet interface, as the UHCI controller hands them a host's
 * transfers: enumeration by the USB 2.0 chapter 9 requests (GET_DESCRIPTOR
 * of device, configuration, string, HID and report descriptors at every
 * wLength, SET_ADDRESS taking effect after its status stage, SET/GET
 * CONFIGURATION, GET_STATUS, SET_INTERFACE), the report descriptors parsed
 * against the reports sent, the HID 1.11 class requests (GET_REPORT,
 * SET_REPORT with the keyboard LEDs, SET/GET_IDLE with its periodic
 * reports, SET/GET_PROTOCOL boot vs report), and interrupt IN reports from
 * the input router: the tablet's 0..0x7FFF coordinates, buttons and wheel,
 * clicks kept apart from motion, the mouse's split large motions, the boot
 * keyboard's modifiers, 6-key rollover and ErrorRollOver, NAK when nothing
 * changed; then bad requests, lengths and endpoints.
 */
#include <stdlib.h>

#include "unit.h"
#include "unit_vm.h"
#include "core/host/input.h"
#include "core/util.h"
#include "devices/usb.h"

static struct vm *vm;
static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;
static bool running = true;
static uint64_t now_ns = 1000000000ull;
static struct usb_device *tab, *mouse, *kbd;

static bool bus_running(void *bus)
{
	(void)bus;
	return running;
}

static uint64_t test_clock(struct vm *v)
{
	(void)v;
	return now_ns;
}

/* One packet, under the controller's lock as uhci.c sends it. */
static int pkt(struct usb_device *d, int pid, unsigned ep, uint8_t *buf, int len)
{
	pthread_mutex_lock(&bus_lock);
	int r = d->packet(d, pid, ep, buf, len);
	pthread_mutex_unlock(&bus_lock);
	return r;
}

/*
 * A control transfer: SETUP, the data stage in 64-byte packets until a
 * short one (at most cap bytes of data), the status stage. Bytes of IN
 * data (0 for OUT), or USB_RET_*.
 */
static int control_n(struct usb_device *d, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
		     uint16_t len, uint8_t *data, int cap)
{
	uint8_t setup[8] = { type, req, value & 0xFF, value >> 8, index & 0xFF, index >> 8,
			     len & 0xFF, len >> 8 };
	uint8_t none[1];
	int r = pkt(d, USB_PID_SETUP, 0, setup, 8);
	if (r != 8)
		return r < 0 ? r : -100;
	int got = 0;
	if (type & 0x80) {
		while (got < MIN(len, cap)) {
			int n = pkt(d, USB_PID_IN, 0, data + got, MIN(64, MIN(len, cap) - got));
			if (n < 0)
				return n;
			got += n;
			if (n < 64)
				break;
		}
		r = pkt(d, USB_PID_OUT, 0, none, 0);
	} else {
		for (int off = 0; off < MIN(len, cap); off += 64) {
			r = pkt(d, USB_PID_OUT, 0, data + off, MIN(64, MIN(len, cap) - off));
			if (r < 0)
				return r;
		}
		r = pkt(d, USB_PID_IN, 0, none, 0);
	}
	return r < 0 ? r : got;
}

static int control(struct usb_device *d, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
		   uint16_t len, uint8_t *data)
{
	return control_n(d, type, req, value, index, len, data, len);
}

static int poll_in(struct usb_device *d, uint8_t *buf, int len)
{
	memset(buf, 0xEE, len);
	return pkt(d, USB_PID_IN, 1, buf, len);
}

/* Poll until NAK; the number of reports, the last one in last. */
static int drain(struct usb_device *d, uint8_t *last)
{
	uint8_t r[8];
	int n = 0, got;
	while (n < 1000 && (got = poll_in(d, r, 8)) > 0) {
		memcpy(last, r, got);
		n++;
	}
	return n;
}

/* What a host does first: 8 bytes of the device descriptor at address 0,
 * SET_ADDRESS, the whole descriptors, SET_CONFIGURATION 1. */
static bool enumerate(struct usb_device *d, uint8_t addr, uint8_t *cfg, int *cfg_len)
{
	uint8_t b[256];
	if (control(d, 0x80, 6, 0x0100, 0, 8, b) != 8 || b[7] != 64)
		return false;
	if (control(d, 0x00, 5, addr, 0, 0, NULL) != 0 || d->addr != addr)
		return false;
	if (control(d, 0x80, 6, 0x0100, 0, 18, b) != 18)
		return false;
	if (control(d, 0x80, 6, 0x0200, 0, 9, b) != 9)
		return false;
	*cfg_len = control(d, 0x80, 6, 0x0200, 0, ld16(b + 2), cfg);
	return control(d, 0x00, 9, 1, 0, 0, NULL) == 0;
}

/* ---- report descriptors (HID 1.11 6.2.2) ---------------------------------- */

struct rd_info {
	bool ok;                       /* items well formed, collections balanced */
	unsigned in_bits, out_bits;    /* sizes of the input and output reports */
	unsigned app_page, app_usage;  /* the application collection's usage */
	int x_max;                     /* logical maximum of Generic Desktop X */
	bool x_relative;               /* the Input item holding X is relative */
};

static struct rd_info parse_report_desc(const uint8_t *p, int len)
{
	struct rd_info r = { .ok = true, .x_max = -1 };
	unsigned page = 0, rsize = 0, rcount = 0, usages[16], n_usages = 0;
	int lmax = 0, depth = 0;
	for (int i = 0; i < len;) {
		uint8_t b = p[i];
		unsigned size = (b & 3) == 3 ? 4 : b & 3, type = (b >> 2) & 3, tag = b >> 4;
		if (b == 0xFE || i + 1 + (int)size > len) {
			r.ok = false;
			break;
		}
		uint32_t data = 0;
		for (unsigned k = 0; k < size; k++)
			data |= (uint32_t)p[i + 1 + k] << (8 * k);
		int32_t sdata = size == 1 ? (int8_t)data : size == 2 ? (int16_t)data : (int32_t)data;
		if (type == 1) {                      /* global */
			if (tag == 0) page = data;
			else if (tag == 2) lmax = sdata;
			else if (tag == 7) rsize = data;
			else if (tag == 9) rcount = data;
		} else if (type == 2) {               /* local */
			if (tag == 0 && n_usages < 16)
				usages[n_usages++] = data;
		} else if (type == 0) {               /* main */
			if (tag == 0xA) {
				if (depth == 0 && n_usages) {
					r.app_page = page;
					r.app_usage = usages[0];
				}
				depth++;
			} else if (tag == 0xC) {
				depth--;
				if (depth < 0)
					r.ok = false;
			} else if (tag == 8 || tag == 9) {
				if (tag == 8)
					r.in_bits += rsize * rcount;
				else
					r.out_bits += rsize * rcount;
				for (unsigned u = 0; u < n_usages && tag == 8; u++)
					if (page == 1 && usages[u] == 0x30) {
						r.x_max = lmax;
						r.x_relative = data & 4;
					}
			}
			n_usages = 0;
		}
		i += 1 + size;
	}
	if (depth != 0)
		r.ok = false;
	return r;
}

/* ---- descriptors ----------------------------------------------------------- */

static void test_descriptors(void)
{
	static const struct { const char *name; uint16_t pid; uint8_t sub, proto; unsigned bits; } k[3] = {
		{ "tablet", 1, 0, 0, 48 }, { "mouse", 2, 1, 2, 32 }, { "keyboard", 3, 1, 1, 64 } };
	struct usb_device *devs[3] = { tab, mouse, kbd };
	for (int i = 0; i < 3; i++) {
		struct usb_device *d = devs[i];
		uint8_t b[512];
		int n = control(d, 0x80, 6, 0x0100, 0, 64, b);
		CHECK(n == 18 && b[0] == 18 && b[1] == 1 && ld16(b + 2) == 0x0110 && b[4] == 0 && b[7] == 64 &&
		      ld16(b + 8) == 0x1209 && ld16(b + 10) == k[i].pid && b[14] == 1 && b[15] == 2 &&
		      b[16] == 3 && b[17] == 1,
		      "%s: device descriptor, USB 1.1, class per interface, EP0 64 bytes, 1209:%04x, "
		      "one configuration (asked 64, got %d)", k[i].name, k[i].pid, n);
		n = control(d, 0x80, 6, 0x0200, 0, 9, b);
		unsigned total = ld16(b + 2);
		CHECK(n == 9 && b[1] == 2 && total == 34 && b[4] == 1 && b[5] == 1 && (b[7] & 0x80),
		      "%s: 9 bytes of the configuration: wTotalLength 34, one interface, value 1, "
		      "bmAttributes bit 7 set (USB 2.0 9.6.3)", k[i].name);
		n = control(d, 0x80, 6, 0x0200, 0, 0xFFFF, b);
		bool chain = n == 34;
		int iface = -1, hid = -1, ep = -1;
		for (int off = 0; chain && off < n; off += b[off]) {
			if (b[off] < 2 || off + b[off] > n)
				chain = false;
			else if (b[off + 1] == 4) iface = off;
			else if (b[off + 1] == 0x21) hid = off;
			else if (b[off + 1] == 5) ep = off;
		}
		CHECK(chain && iface == 9 && hid == 18 && ep == 27,
		      "%s: wLength 0xFFFF gives the 34 bytes, a chain of interface, HID and endpoint "
		      "descriptors", k[i].name);
		if (!chain || iface < 0 || hid < 0 || ep < 0)
			continue;
		CHECK(b[iface + 4] == 1 && b[iface + 5] == 3 && b[iface + 6] == k[i].sub && b[iface + 7] == k[i].proto,
		      "%s: HID interface, subclass %u protocol %u (SeaBIOS drives the boot subclass only)",
		      k[i].name, k[i].sub, k[i].proto);
		unsigned rlen = ld16(b + hid + 7);
		CHECK(ld16(b + hid + 2) == 0x0111 && b[hid + 5] == 1 && b[hid + 6] == 0x22 && rlen > 0,
		      "%s: HID 1.11 descriptor naming one report descriptor of %u bytes", k[i].name, rlen);
		CHECK(b[ep + 2] == 0x81 && b[ep + 3] == 3 && ld16(b + ep + 4) == 8 && b[ep + 6] == 10,
		      "%s: interrupt IN endpoint 0x81, 8 bytes (SeaBIOS's keyboard wants exactly 8), every 10 ms", k[i].name);
		uint8_t h[16];
		CHECK(control(d, 0x81, 6, 0x2100, 0, 9, h) == 9 && !memcmp(h, b + hid, 9),
		      "%s: GET_DESCRIPTOR(HID) to the interface: the same 9 bytes", k[i].name);
		uint8_t rd[512];
		n = control(d, 0x81, 6, 0x2200, 0, (uint16_t)rlen, rd);
		struct rd_info ri = parse_report_desc(rd, n);
		CHECK(n == (int)rlen && ri.ok && ri.in_bits == k[i].bits,
		      "%s: report descriptor of %d bytes, well formed, input report %u bits", k[i].name, n,
		      ri.in_bits);
		if (i == 0)
			CHECK(ri.app_page == 1 && ri.x_max == 0x7FFF && !ri.x_relative,
			      "tablet: absolute X, logical 0..0x7FFF");
		if (i == 1)
			CHECK(ri.app_page == 1 && ri.app_usage == 2 && ri.x_relative, "mouse: a relative pointer");
		if (i == 2)
			CHECK(ri.app_page == 1 && ri.app_usage == 6 && ri.out_bits == 8,
			      "keyboard: Generic Desktop Keyboard, an 8-bit LED output report (HID 1.11 B.1)");
	}
	uint8_t s[256];
	int n = control(tab, 0x80, 6, 0x0300, 0, 255, s);
	CHECK(n == 4 && s[1] == 3 && ld16(s + 2) == 0x0409, "string 0: LANGID en-US");
	n = control(tab, 0x80, 6, 0x0302, 0x0409, 255, s);
	char prod[64] = "";
	for (int i = 2; i + 1 < n && i / 2 - 1 < 63; i += 2)
		prod[i / 2 - 1] = s[i + 1] ? '?' : (char)s[i];
	CHECK(n == s[0] && s[1] == 3 && !strcmp(prod, tab->product), "string 2: '%s' in UTF-16LE", prod);
	n = control(tab, 0x80, 6, 0x0302, 0x0409, 2, s);
	CHECK(n == 2 && s[0] > 2, "string read in two steps: first its length (%d)", s[0]);
	CHECK_EQ(control(tab, 0x80, 6, 0x0304, 0x0409, 255, s), USB_RET_STALL, "string 4 does not exist: STALL");
	CHECK_EQ(control(tab, 0x80, 6, 0x0600, 0, 10, s), USB_RET_STALL,
		 "device qualifier of a full-speed-only device: STALL (USB 2.0 9.6.2)");
	CHECK(control(tab, 0x80, 6, 0x0100, 0, 18, s) == 18, "after a STALL the next SETUP works (8.5.3.4)");
}

static void test_address_config(void)
{
	uint8_t b[64];
	CHECK_EQ(control(tab, 0x80, 8, 0, 0, 1, b) == 1 ? b[0] : -1, 0, "GET_CONFIGURATION: 0 when new");
	CHECK_EQ(poll_in(tab, b, 8), USB_RET_STALL, "interrupt endpoint before configuration: STALL");
	uint8_t setup[8] = { 0x00, 5, 7, 0, 0, 0, 0, 0 };
	pkt(tab, USB_PID_SETUP, 0, setup, 8);
	CHECK_EQ(tab->addr, 0, "SET_ADDRESS: still address 0 before the status stage (USB 2.0 9.4.6)");
	pkt(tab, USB_PID_IN, 0, b, 0);
	CHECK_EQ(tab->addr, 7, "address 7 after the status stage");
	CHECK(control(tab, 0x80, 0, 0, 0, 2, b) == 2 && b[0] == 0 && b[1] == 0,
	      "GET_STATUS: bus powered, no remote wakeup");
	CHECK(control(tab, 0x00, 9, 1, 0, 0, NULL) == 0 && control(tab, 0x80, 8, 0, 0, 1, b) == 1 && b[0] == 1,
	      "SET_CONFIGURATION 1 reads back");
	CHECK(control(tab, 0x00, 9, 2, 0, 0, NULL) == USB_RET_STALL && control(tab, 0x80, 8, 0, 0, 1, b) == 1 &&
	      b[0] == 1, "SET_CONFIGURATION 2 does not exist: STALL, still configured (9.4.7)");
	CHECK(control(tab, 0x81, 0x0A, 0, 0, 1, b) == 1 && b[0] == 0 && control(tab, 0x01, 0x0B, 0, 0, 0, NULL) == 0 &&
	      control(tab, 0x01, 0x0B, 1, 0, 0, NULL) == USB_RET_STALL,
	      "GET_INTERFACE 0; SET_INTERFACE alternate 0 accepted, 1 stalls");
	CHECK(input_has_absolute(vm), "configured on a running bus: the tablet takes absolute events");
	running = false;
	CHECK(!input_has_absolute(vm), "bus stopped: it does not");
	running = true;
	CHECK_EQ(poll_in(tab, b, 8), USB_RET_NAK, "configured, nothing happened: NAK");
	control(tab, 0x00, 9, 0, 0, 0, NULL);
	CHECK(!input_has_absolute(vm) && poll_in(tab, b, 8) == USB_RET_STALL,
	      "SET_CONFIGURATION 0: back to the address state");
	tab->reset(tab);
	CHECK(tab->addr == 0 && control(tab, 0x80, 8, 0, 0, 1, b) == 1 && b[0] == 0, "bus reset: address 0, unconfigured");
}

/* ---- reports --------------------------------------------------------------- */

static void test_tablet(void)
{
	uint8_t cfg[256], r[16];
	int cl;
	CHECK(enumerate(tab, 2, cfg, &cl), "tablet enumerated");
	input_pointer_abs(vm, 0, 0, 1024, 768, 0, 0);
	int n = poll_in(tab, r, 8);
	CHECK(n == 6 && r[0] == 0 && ld16(r + 1) == 0 && ld16(r + 3) == 0 && r[5] == 0,
	      "top-left: buttons 0, X 0, Y 0, wheel 0 in a 6-byte report");
	CHECK_EQ(poll_in(tab, r, 8), USB_RET_NAK, "no change since: NAK");
	input_pointer_abs(vm, 1023, 767, 1024, 768, 0, 0);
	poll_in(tab, r, 8);
	CHECK(ld16(r + 1) == 0x7FFF && ld16(r + 3) == 0x7FFF, "bottom-right pixel: 0x7FFF, 0x7FFF");
	input_pointer_abs(vm, 512, 384, 1024, 768, 0, 0);
	poll_in(tab, r, 8);
	unsigned x = ld16(r + 1), y = ld16(r + 3);
	CHECK((x * 1023 + 16383) / 32767 == 512 && (y * 767 + 16383) / 32767 == 384,
	      "(512,384) scales to (%u,%u), which the guest maps back to the same pixel", x, y);
	input_pointer_abs(vm, -50, 5000, 1024, 768, 0, 0);
	poll_in(tab, r, 8);
	CHECK(ld16(r + 1) == 0 && ld16(r + 3) == 0x7FFF, "outside the screen: clamped to the edges");
	input_pointer_abs(vm, 10, 10, 1024, 768, 0,
			  INPUT_BTN_LEFT | INPUT_BTN_RIGHT | INPUT_BTN_MIDDLE | INPUT_BTN_SIDE | INPUT_BTN_EXTRA);
	poll_in(tab, r, 8);
	CHECK_EQ(r[0], 0x1F, "five buttons: bits 0-4");
	input_pointer_abs(vm, 10, 10, 1024, 768, 1, 0);
	poll_in(tab, r, 8);
	CHECK_EQ((int8_t)r[5], -1, "wheel towards the user (scroll down): -1 (HID wheel: + is away)");
	input_pointer_abs(vm, 10, 10, 1024, 768, -2, 0);
	poll_in(tab, r, 8);
	CHECK_EQ((int8_t)r[5], 2, "wheel away: +2");

	/* between polls: motion merges, clicks stay where they happened */
	input_pointer_abs(vm, 100, 100, 1024, 768, 0, 0);
	input_pointer_abs(vm, 200, 200, 1024, 768, 0, 0);
	input_pointer_abs(vm, 300, 300, 1024, 768, 0, 0);
	poll_in(tab, r, 8);
	unsigned x300 = ld16(r + 1);
	CHECK(x300 == (300u * 32767 + 511) / 1023 && poll_in(tab, r, 8) == USB_RET_NAK,
	      "three moves between polls: one report at the last position");
	input_pointer_abs(vm, 400, 400, 1024, 768, 0, INPUT_BTN_LEFT);
	input_pointer_abs(vm, 600, 600, 1024, 768, 0, INPUT_BTN_LEFT);
	input_pointer_abs(vm, 600, 600, 1024, 768, 0, 0);
	uint8_t a[8], b[8], c[8];
	poll_in(tab, a, 8);
	poll_in(tab, b, 8);
	poll_in(tab, c, 8);
	unsigned x400 = (400u * 32767 + 511) / 1023, x600 = (600u * 32767 + 511) / 1023;
	CHECK(a[0] == 1 && ld16(a + 1) == x400 && b[0] == 1 && ld16(b + 1) == x600 && c[0] == 0 &&
	      ld16(c + 1) == x600 && poll_in(tab, r, 8) == USB_RET_NAK,
	      "press at 400, drag to 600, release: three reports, the press at 400");
	input_pointer_abs(vm, 700, 700, 1024, 768, 0, 0);
	CHECK(poll_in(tab, r, 4) == 4 && r[4] == 0xEE, "a 4-byte poll gets 4 bytes");
	n = control(tab, 0xA1, 1, 0x0100, 0, 64, r);
	CHECK(n == 6 && ld16(r + 1) == (700u * 32767 + 511) / 1023, "GET_REPORT(Input): the current state");

	/* a guest that stops polling: the queue is bounded, the newest state wins */
	for (int i = 0; i < 300; i++)
		input_pointer_abs(vm, i, i, 1024, 768, 0, i & 1 ? INPUT_BTN_LEFT : 0);
	input_pointer_abs(vm, 5, 6, 1024, 768, 0, 0);
	int count = drain(tab, r);
	CHECK(count > 0 && count <= 64 && ld16(r + 1) == (5u * 32767 + 511) / 1023 && r[0] == 0,
	      "300 clicks unpolled: at most 64 reports queued (%d), the last is the final state", count);
}

static void test_mouse(void)
{
	uint8_t cfg[256], r[16];
	int cl;
	CHECK(enumerate(mouse, 3, cfg, &cl), "mouse enumerated");
	CHECK(control(mouse, 0xA1, 3, 0, 0, 1, r) == 1 && r[0] == 1,
	      "GET_PROTOCOL: report protocol after reset (HID 1.11 7.2.6)");
	input_pointer_rel(vm, 5, -3, 1, INPUT_BTN_LEFT);
	CHECK(poll_in(mouse, r, 8) == 4 && r[0] == 1 && r[1] == 5 && (int8_t)r[2] == -3 && (int8_t)r[3] == -1,
	      "report protocol: buttons, dx 5, dy -3, wheel -1 in 4 bytes");
	CHECK(control(mouse, 0x21, 0x0B, 0, 0, 0, NULL) == 0 && control(mouse, 0xA1, 3, 0, 0, 1, r) == 1 && r[0] == 0,
	      "SET_PROTOCOL boot (SeaBIOS) reads back 0");
	input_pointer_rel(vm, 300, -300, 0, 0);
	int8_t dx = 0, dy = 0;
	int n, reports = 0, sx = 0, sy = 0;
	bool three = true;
	while ((n = poll_in(mouse, r, 8)) > 0) {
		three = three && n == 3;
		dx = (int8_t)r[1];
		dy = (int8_t)r[2];
		sx += dx;
		sy += dy;
		reports++;
	}
	CHECK(three && reports == 3 && sx == 300 && sy == -300 && dx == 46 && dy == -46,
	      "boot protocol: 3-byte reports; 300 pixels go as 127 + 127 + 46 (%d reports)", reports);
	control(mouse, 0x21, 0x0B, 1, 0, 0, NULL);
}

static void test_keyboard(void)
{
	uint8_t cfg[256], r[16];
	int cl;
	CHECK(enumerate(kbd, 4, cfg, &cl), "keyboard enumerated");
	CHECK(control(kbd, 0x21, 0x0B, 0, 0, 0, NULL) == 0 && control(kbd, 0x21, 0x0A, 0, 0, 0, NULL) == 0,
	      "SET_PROTOCOL boot, SET_IDLE 0 (as Linux sends them)");
	input_key(vm, 0x1E, true);    /* a */
	CHECK(poll_in(kbd, r, 8) == 8 && r[0] == 0 && r[1] == 0 && r[2] == 0x04 && !r[3] && !r[7],
	      "'a' down: 00 00 04 00 00 00 00 00 (HID 1.11 B.1)");
	input_key(vm, 0x1E, true);
	CHECK_EQ(poll_in(kbd, r, 8), USB_RET_NAK, "typematic repeat of a held key: nothing new, NAK");
	input_key(vm, 0x1E, false);
	poll_in(kbd, r, 8);
	CHECK(r[0] == 0 && r[2] == 0, "'a' up: an empty report");

	static const unsigned mods[8] = { 0x1D, 0x2A, 0x38, 0xE05B, 0xE01D, 0x36, 0xE038, 0xE05C };
	bool ok = true;
	for (int i = 0; i < 8; i++) {
		input_key(vm, mods[i], true);
		ok = ok && poll_in(kbd, r, 8) == 8 && r[0] == (2u << i) - 1 && r[2] == 0;
	}
	CHECK(ok, "modifiers LCtrl LShift LAlt LGUI RCtrl RShift RAlt RGUI: bits 0-7 of byte 0");
	for (int i = 0; i < 8; i++)
		input_key(vm, mods[i], false);
	for (int i = 0; i < 8; i++)
		poll_in(kbd, r, 8);
	CHECK_EQ(r[0], 0, "all modifiers released");

	/* 6-key rollover; a seventh key is ErrorRollOver (HID Usage Tables 10: 0x01) */
	static const unsigned keys[7] = { 0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24 };   /* a s d f g h j */
	static const uint8_t usage[7] = { 0x04, 0x16, 0x07, 0x09, 0x0A, 0x0B, 0x0D };
	input_key(vm, 0x2A, true);
	for (int i = 0; i < 6; i++)
		input_key(vm, keys[i], true);
	while (poll_in(kbd, r, 8) == 8 && r[7] == 0)
		;
	CHECK(r[0] == 0x02 && !memcmp(r + 2, usage, 6), "shift and six keys: all six in the report, in order");
	input_key(vm, keys[6], true);
	poll_in(kbd, r, 8);
	static const uint8_t phantom[6] = { 1, 1, 1, 1, 1, 1 };
	CHECK(r[0] == 0x02 && !memcmp(r + 2, phantom, 6), "a seventh key: ErrorRollOver in every slot, shift kept");
	input_key(vm, keys[0], false);
	poll_in(kbd, r, 8);
	CHECK(r[0] == 0x02 && !memcmp(r + 2, usage + 1, 6),
	      "'a' released with seven down: the six still held, 'j' among them (%02x %02x %02x %02x %02x %02x)",
	      r[2], r[3], r[4], r[5], r[6], r[7]);
	input_key(vm, keys[6], false);
	poll_in(kbd, r, 8);
	CHECK(!memcmp(r + 2, usage + 1, 5) && r[7] == 0, "'j' released: the five others");
	for (int i = 1; i < 6; i++)
		input_key(vm, keys[i], false);
	input_key(vm, 0x2A, false);
	drain(kbd, r);
	for (int i = 0; i < 6; i++)
		input_key(vm, keys[i], true);
	while (poll_in(kbd, r, 8) == 8 && r[7] == 0)
		;
	CHECK(!memcmp(r + 2, usage, 6), "all released, six pressed again: six keys, no ErrorRollOver");
	for (int i = 0; i < 6; i++)
		input_key(vm, keys[i], false);
	drain(kbd, r);
	CHECK(r[0] == 0 && r[2] == 0 && control(kbd, 0xA1, 1, 0x0100, 0, 8, r) == 8 && r[2] == 0,
	      "everything released: empty report, GET_REPORT agrees");
}

static unsigned led_calls, led_last;
static void led_listener(void *o, unsigned leds)
{
	(void)o;
	led_calls++;
	led_last = leds;
}

static void test_leds_idle(void)
{
	uint8_t r[16], led;
	CHECK(input_add_led_listener(vm, led_listener, &led_calls) == 0, "LED listener");
	led = 0x02;
	CHECK(control(kbd, 0x21, 0x09, 0x0200, 0, 1, &led) == 0 && input_leds(vm) == INPUT_LED_CAPS &&
	      led_calls == 1 && led_last == INPUT_LED_CAPS, "SET_REPORT(Output) 0x02: Caps Lock on");
	led = 0x07;
	control(kbd, 0x21, 0x09, 0x0200, 0, 1, &led);
	CHECK_EQ(input_leds(vm), INPUT_LED_NUM | INPUT_LED_CAPS | INPUT_LED_SCROLL, "0x07: Num, Caps, Scroll");
	led = 0;
	control(kbd, 0x21, 0x09, 0x0200, 0, 1, &led);
	CHECK_EQ(input_leds(vm), 0, "0x00: all off");
	input_remove_led_listener(vm, &led_calls);

	/* SeaBIOS's usb_kbd_setup: SET_IDLE 33 ms (wValue (33/4) << 8) so that a
	 * held key is reported again every 32 ms: its key repeat counts those
	 * reports. HID 1.11 7.2.4: a report when the duration passed unchanged. */
	CHECK(control(kbd, 0x21, 0x0A, 8 << 8, 0, 0, NULL) == 0 && control(kbd, 0xA1, 2, 0, 0, 1, r) == 1 && r[0] == 8,
	      "SET_IDLE 8 (32 ms) reads back with GET_IDLE");
	input_key(vm, 0x1E, true);
	poll_in(kbd, r, 8);
	now_ns += 16000000;
	CHECK_EQ(poll_in(kbd, r, 8), USB_RET_NAK, "16 ms after the report, nothing changed: NAK");
	now_ns += 16000000;
	CHECK(poll_in(kbd, r, 8) == 8 && r[2] == 0x04, "32 ms after it: the held key is reported again");
	now_ns += 1000000;
	CHECK_EQ(poll_in(kbd, r, 8), USB_RET_NAK, "and the period starts over");
	now_ns += 31000000;
	CHECK(poll_in(kbd, r, 8) == 8 && r[2] == 0x04, "another 32 ms: again");
	control(kbd, 0x21, 0x0A, 0, 0, 0, NULL);
	now_ns += 10000000000ull;
	CHECK_EQ(poll_in(kbd, r, 8), USB_RET_NAK, "SET_IDLE 0: only changes are reported, NAK for ever");
	input_key(vm, 0x1E, false);
	poll_in(kbd, r, 8);

	/* keys while the bus is stopped do not queue up */
	running = false;
	input_key(vm, 0x1E, true);
	input_key(vm, 0x1E, false);
	running = true;
	CHECK_EQ(poll_in(kbd, r, 8), USB_RET_NAK, "keys while the bus is stopped are not queued for the USB keyboard");
}

/* ---- bad input ------------------------------------------------------------ */

static void test_sweep(void)
{
	static const uint16_t values[] = { 0, 0x0001, 0x0100, 0x0200, 0x0300, 0x2200, 0x21FF, 0xFFFF };
	static const uint16_t lengths[] = { 0, 1, 8, 300, 0xFFFF };
	struct usb_device *devs[3] = { tab, mouse, kbd };
	static uint8_t buf[1100];
	memset(buf, 0x5A, sizeof(buf));
	for (int i = 0; i < 3; i++)
		for (unsigned type = 0; type < 256; type++)
			for (unsigned req = 0; req < 256; req++)
				for (unsigned vi = 0; vi < ARRAY_SIZE(values); vi += (req < 16 ? 1 : 7))
					for (unsigned li = 0; li < ARRAY_SIZE(lengths); li += (req < 16 ? 1 : 4)) {
						control_n(devs[i], type, req, values[vi], 0, lengths[li], buf, 1024);
						/* a host asking for more after the data */
						(void)pkt(devs[i], USB_PID_IN, 0, buf, 64);
					}
	/* packets of every kind, endpoint and odd length, with no SETUP before */
	static const int lens[] = { -1, 0, 1, 7, 8, 9, 64, 1023 };
	static const int pids[] = { USB_PID_SETUP, USB_PID_IN, USB_PID_OUT, 0, 0xFF };
	for (int i = 0; i < 3; i++)
		for (unsigned p = 0; p < ARRAY_SIZE(pids); p++)
			for (unsigned ep = 0; ep < 16; ep++)
				for (unsigned l = 0; l < ARRAY_SIZE(lens); l++)
					(void)pkt(devs[i], pids[p], ep, buf, lens[l]);
	CHECK(true, "every request type, request, value and length, stray packets: no fault");
	uint8_t setup7[8] = { 0x80, 6, 0, 1, 0, 0, 18, 0 };
	CHECK_EQ(pkt(kbd, USB_PID_SETUP, 0, setup7, 7), USB_RET_STALL, "a 7-byte SETUP: STALL");
	CHECK(pkt(kbd, USB_PID_IN, 2, buf, 8) == USB_RET_STALL && pkt(kbd, USB_PID_OUT, 1, buf, 8) == USB_RET_STALL,
	      "IN on endpoint 2, OUT on endpoint 1: STALL");

	for (int i = 0; i < 3; i++)
		devs[i]->reset(devs[i]);
	uint8_t cfg[256];
	int cl = 0;
	bool all = true;
	for (int i = 0; i < 3; i++)
		all = all && enumerate(devs[i], (uint8_t)(10 + i), cfg, &cl) && cl == 34;
	CHECK(all, "after a bus reset all three enumerate again");
	input_key(vm, 0x1E, true);
	uint8_t r[8];
	CHECK(poll_in(kbd, r, 8) == 8 && r[2] == 0x04, "and report");
	input_key(vm, 0x1E, false);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct vm_config cfg = { 0 };
	vm = unit_vm_new(16, &cfg, NULL);
	vm->clock_hook = test_clock;
	tab = usb_hid_new(vm, "tablet", &bus_lock, bus_running, NULL);
	mouse = usb_hid_new(vm, "mouse", &bus_lock, bus_running, NULL);
	kbd = usb_hid_new(vm, "keyboard", &bus_lock, bus_running, NULL);
	CHECK(tab && mouse && kbd && !strcmp(tab->id, "tablet") && !strcmp(kbd->id, "keyboard"),
	      "tablet, mouse and keyboard made");
	CHECK(usb_hid_new(vm, "joystick", &bus_lock, bus_running, NULL) == NULL, "an unknown kind is refused");
	if (!tab || !mouse || !kbd)
		return 1;

	test_descriptors();
	test_address_config();
	test_tablet();
	test_mouse();
	test_keyboard();
	test_leds_idle();
	test_sweep();

	vm_destroy(vm);
	tab->free(tab);
	mouse->free(mouse);
	kbd->free(kbd);
	return UNIT_DONE();
}
