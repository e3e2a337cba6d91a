/*
 * PS/2 mouse on the i8042's auxiliary port.
 *
 * Stream mode (packets as the mouse moves, once the host enabled reporting
 * with F4) and remote mode (a packet per EB read-data command), wrap (echo)
 * mode, sample rate, resolution and 2:1 scaling.
 *
 * Extensions are unlocked by sample-rate "knocks", as drivers probe them:
 *   200, 100, 80  -> ID 3, IntelliMouse: a 4th byte with the wheel (-8..7)
 *   200, 200, 80  (when already ID 3) -> ID 4, IntelliMouse Explorer: the 4th
 *                  byte holds a 4-bit wheel and buttons 4 and 5 in bits 4/5.
 *
 * Motion is accumulated and cut into packets of at most +-255 only while
 * the queue has room, so bursts never lose distance.
 */
#include <stdlib.h>

#include "devices/ps2.h"
#include "core/util.h"
#include "core/host/input.h"

#define MOUSEQ_SIZE 256

struct ps2_mouse {
	struct ps2_fifo q, lens;   /* packet bytes, and each packet's size */
	uint8_t qbuf[MOUSEQ_SIZE], lenbuf[MOUSEQ_SIZE / 2];
	unsigned pkt_left;         /* bytes of the packet being sent */
	struct ps2_fifo replies;
	uint8_t replybuf[16];
	int pending_cmd;
	bool remote, wrap, enabled, scale21;
	uint8_t rate, resolution, id;
	uint8_t knock[3];     /* last three sample rates set */
	int dx, dy, dz;       /* not yet reported motion (dy: up positive) */
	unsigned buttons;     /* INPUT_BTN_* */
	unsigned reported_buttons;
	uint8_t last_sent;
};

static void reply(struct ps2_mouse *m, uint8_t b)
{
	ps2_fifo_put(&m->replies, b);
}

static void set_defaults(struct ps2_mouse *m)
{
	m->rate = 100;
	m->resolution = 2;   /* 4 counts/mm */
	m->scale21 = false;
	m->enabled = false;
	m->remote = false;
	m->pending_cmd = -1;
}

void ps2_mouse_reset(struct ps2_mouse *m)
{
	ps2_fifo_clear(&m->q);
	ps2_fifo_clear(&m->lens);
	ps2_fifo_clear(&m->replies);
	m->pkt_left = 0;
	set_defaults(m);
	m->wrap = false;
	m->id = 0;
	m->knock[0] = m->knock[1] = m->knock[2] = 0;
	m->dx = m->dy = m->dz = 0;
	m->reported_buttons = m->buttons;
}

struct ps2_mouse *ps2_mouse_new(void)
{
	struct ps2_mouse *m = xzalloc(sizeof(*m));
	m->q.buf = m->qbuf;
	m->q.cap = MOUSEQ_SIZE;
	m->lens.buf = m->lenbuf;
	m->lens.cap = sizeof(m->lenbuf);
	m->replies.buf = m->replybuf;
	m->replies.cap = sizeof(m->replybuf);
	ps2_mouse_reset(m);
	return m;
}

void ps2_mouse_free(struct ps2_mouse *m)
{
	free(m);
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* 2:1 scaling applies to stream-mode reports only (PS/2 reference). */
static int scale(const struct ps2_mouse *m, int v)
{
	static const int small[6] = { 0, 1, 1, 3, 6, 9 };
	if (!m->scale21)
		return v;
	int a = abs(v);
	int r = a <= 5 ? small[a] : 2 * a;
	return v < 0 ? -r : r;
}

/* Build one packet from the accumulated state into out; returns its size. */
static int make_packet(struct ps2_mouse *m, uint8_t *out, bool stream)
{
	int dx = clamp(m->dx, -255, 255), dy = clamp(m->dy, -255, 255);
	int dz = clamp(m->dz, -8, 7);
	m->dx -= dx;
	m->dy -= dy;
	m->dz -= m->id >= 3 ? dz : m->dz;
	if (stream) {
		dx = clamp(scale(m, dx), -256, 255);
		dy = clamp(scale(m, dy), -256, 255);
	}
	unsigned b = m->buttons;
	out[0] = 0x08 | (b & INPUT_BTN_LEFT ? 1 : 0) | (b & INPUT_BTN_RIGHT ? 2 : 0) |
		 (b & INPUT_BTN_MIDDLE ? 4 : 0) | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0);
	out[1] = (uint8_t)dx;
	out[2] = (uint8_t)dy;
	m->reported_buttons = b;
	if (m->id == 3) {
		out[3] = (uint8_t)dz;
		return 4;
	}
	if (m->id == 4) {
		out[3] = (dz & 0x0F) | (b & INPUT_BTN_SIDE ? 0x10 : 0) |
			 (b & INPUT_BTN_EXTRA ? 0x20 : 0);
		return 4;
	}
	return 3;
}

static bool pending_report(const struct ps2_mouse *m)
{
	return m->dx || m->dy || (m->id >= 3 && m->dz) || m->buttons != m->reported_buttons;
}

/* Stream mode: turn accumulated motion into packets while there is room. */
static void flush(struct ps2_mouse *m)
{
	uint8_t p[4];

	if (m->remote || m->wrap || !m->enabled)
		return;
	while (pending_report(m) && ps2_fifo_space(&m->q) >= 4 && ps2_fifo_space(&m->lens)) {
		int n = make_packet(m, p, true);
		for (int i = 0; i < n; i++)
			ps2_fifo_put(&m->q, p[i]);
		ps2_fifo_put(&m->lens, n);
	}
}

void ps2_mouse_move(struct ps2_mouse *m, int dx, int dy, int dz, unsigned buttons)
{
	/* A button change after unreported motion: send that motion with the
	 * old buttons first, so a drag ends where it should. */
	if (buttons != m->buttons && (m->dx || m->dy))
		flush(m);
	/* Keep the accumulators bounded however long the guest ignores us. */
	m->dx = clamp(m->dx + clamp(dx, -65536, 65536), -65536, 65536);
	m->dy = clamp(m->dy - clamp(dy, -65536, 65536), -65536, 65536);
	m->dz = clamp(m->dz + clamp(dz, -256, 256), -256, 256);
	m->buttons = buttons;
	flush(m);
}

static void knock(struct ps2_mouse *m, uint8_t rate)
{
	m->knock[0] = m->knock[1];
	m->knock[1] = m->knock[2];
	m->knock[2] = rate;
	if (m->knock[0] == 200 && m->knock[1] == 100 && m->knock[2] == 80)
		m->id = 3;
	else if (m->id == 3 && m->knock[0] == 200 && m->knock[1] == 200 && m->knock[2] == 80)
		m->id = 4;
}

static void argument(struct ps2_mouse *m, unsigned cmd, uint8_t b)
{
	reply(m, PS2_ACK);
	if (cmd == 0xE8) {
		m->resolution = b & 3;
	} else { /* 0xF3 */
		m->rate = b;
		knock(m, b);
	}
}

void ps2_mouse_write(struct ps2_mouse *m, uint8_t b)
{
	uint8_t p[4];

	if (m->wrap && b != 0xEC && b != 0xFF) {
		reply(m, b);   /* wrap mode echoes everything else */
		return;
	}
	if (m->pending_cmd >= 0) {
		unsigned cmd = m->pending_cmd;
		m->pending_cmd = -1;
		argument(m, cmd, b);
		return;
	}
	switch (b) {
	case 0xE6: reply(m, PS2_ACK); m->scale21 = false; break;
	case 0xE7: reply(m, PS2_ACK); m->scale21 = true; break;
	case 0xE8: case 0xF3:
		reply(m, PS2_ACK);
		m->pending_cmd = b;
		break;
	case 0xE9: /* status request */
		reply(m, PS2_ACK);
		reply(m, (m->remote ? 0x40 : 0) | (m->enabled ? 0x20 : 0) |
			 (m->scale21 ? 0x10 : 0) | (m->buttons & INPUT_BTN_LEFT ? 4 : 0) |
			 (m->buttons & INPUT_BTN_MIDDLE ? 2 : 0) |
			 (m->buttons & INPUT_BTN_RIGHT ? 1 : 0));
		reply(m, m->resolution);
		reply(m, m->rate);
		break;
	case 0xEA: reply(m, PS2_ACK); m->remote = false; break;
	case 0xEB: { /* read data (any mode) */
		reply(m, PS2_ACK);
		int n = make_packet(m, p, false);
		for (int i = 0; i < n; i++)
			reply(m, p[i]);
		break;
	}
	case 0xEC: reply(m, PS2_ACK); m->wrap = false; break;
	case 0xEE: reply(m, PS2_ACK); m->wrap = true; break;
	case 0xF0: reply(m, PS2_ACK); m->remote = true; break;
	case 0xF2: reply(m, PS2_ACK); reply(m, m->id); break;
	case 0xF4:
		reply(m, PS2_ACK);
		m->enabled = true;
		/* motion from before enabling is not reported */
		m->dx = m->dy = m->dz = 0;
		m->reported_buttons = m->buttons;
		break;
	case 0xF5: reply(m, PS2_ACK); m->enabled = false; break;
	case 0xF6: reply(m, PS2_ACK); set_defaults(m); break;
	case 0xFE: reply(m, m->last_sent); break;
	case 0xFF:
		ps2_mouse_reset(m);
		reply(m, PS2_ACK);
		reply(m, PS2_BAT_OK);
		reply(m, 0x00);
		break;
	default:
		reply(m, PS2_RESEND);
		break;
	}
}

bool ps2_mouse_has_data(const struct ps2_mouse *m)
{
	return m->replies.count || m->q.count;
}

int ps2_mouse_read(struct ps2_mouse *m)
{
	int b;
	/* Replies go first, except in the middle of a packet. */
	if (m->pkt_left) {
		m->pkt_left--;
		b = ps2_fifo_get(&m->q);
	} else if (m->replies.count) {
		b = ps2_fifo_get(&m->replies);
	} else if (m->q.count) {
		int len = ps2_fifo_get(&m->lens);
		m->pkt_left = len > 0 ? len - 1 : 0;
		b = ps2_fifo_get(&m->q);
	} else {
		return -1;
	}
	if (b >= 0) {
		if (b != PS2_RESEND)
			m->last_sent = b;
		flush(m);
	}
	return b;
}

unsigned ps2_mouse_id(const struct ps2_mouse *m)
{
	return m->id;
}

bool ps2_mouse_enabled(const struct ps2_mouse *m)
{
	return m->enabled;
}

const char *ps2_mouse_kind(const struct ps2_mouse *m)
{
	return m->id == 4 ? "IntelliMouse Explorer" : m->id == 3 ? "IntelliMouse" : "standard";
}
