/*
 * Intel 8042 keyboard controller (ports 0x60/0x64, IRQ 1 and 12) with the
 * PS/2 keyboard and mouse behind it, and the PS/2 "system control port A"
 * at 0x92 (fast A20, fast reset).
 *
 * The controller has one output buffer. When it is empty, the next byte is
 * taken from (in order) the controller's own replies, the keyboard, the
 * mouse, as long as that interface is enabled in the command byte; the IRQ
 * line of the byte's source is high while the buffer is full and its
 * interrupt is enabled, so reading port 0x60 makes an edge for the next one.
 *
 * Keyboard bytes are translated from set 2 to set 1 when the command byte's
 * XLATE bit is set (what SeaBIOS selects; BIOS INT 9 and DOS expect set 1):
 * F0 is swallowed and sets bit 7 of the following byte.
 *
 * A20 is always enabled under KVM; its bit is kept so reads agree with
 * writes. System reset: command 0xFE (any pulse with bit 0 low), output port
 * bit 0 cleared with 0xD1, or 0x92 bit 0 set.
 */
#include <pthread.h>
#include <stdlib.h>

#include "devices/i8042.h"
#include "devices/ps2.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/host/input.h"

#define PORT_DATA   0x60
#define PORT_CMD    0x64
#define PORT_SYSCTL 0x92
#define IRQ_KBD     1
#define IRQ_AUX     12

/* status register (0x64 reads) */
#define ST_OBF     0x01
#define ST_SYS     0x04
#define ST_CMD     0x08   /* last write went to 0x64 */
#define ST_UNLOCK  0x10   /* keyboard not inhibited by the key lock */
#define ST_AUXOBF  0x20

/* command byte */
#define CB_KBDINT  0x01
#define CB_AUXINT  0x02
#define CB_SYS     0x04
#define CB_KBDDIS  0x10
#define CB_AUXDIS  0x20
#define CB_XLATE   0x40

/* output port */
#define OP_RESET   0x01   /* low = reset the CPU */
#define OP_A20     0x02

enum src { SRC_NONE, SRC_KBD, SRC_AUX };

struct i8042 {
	struct vm *vm;
	pthread_mutex_t lock;
	struct ps2_kbd *kbd;
	struct ps2_mouse *mouse;

	uint8_t status, cmdbyte, outport, ram[32];
	int pending;            /* controller command waiting for a data byte, or -1 */
	uint8_t obuf;           /* the output buffer */
	enum src obuf_src;      /* who filled it (SRC_NONE: empty) */
	/* controller replies: byte and the source it pretends to be */
	uint8_t rq[8], rq_src[8];
	unsigned rq_head, rq_count;
	bool xlate_break;       /* saw F0 while translating */
	uint8_t sysctl;         /* port 0x92 */
	int irq_kbd, irq_aux;   /* current line levels */
	uint64_t resets;        /* reset requests made (tests) */
};

static void ctl_reply(struct i8042 *c, uint8_t b, enum src src)
{
	if (c->rq_count == ARRAY_SIZE(c->rq))
		return;
	unsigned i = (c->rq_head + c->rq_count++) % ARRAY_SIZE(c->rq);
	c->rq[i] = b;
	c->rq_src[i] = src;
}

static void set_line(struct i8042 *c, unsigned irq, int *cur, int level)
{
	if (*cur != level) {
		*cur = level;
		if (level && vm_tracing(c->vm))
			vm_trace(c->vm, "i8042-irq %u", irq);
		vm_set_irq(c->vm, irq, level);
	}
}

/* Fill the output buffer if it is empty, then drive the IRQ lines. */
static void update(struct i8042 *c)
{
	while (c->obuf_src == SRC_NONE) {
		if (c->rq_count) {
			c->obuf = c->rq[c->rq_head];
			c->obuf_src = c->rq_src[c->rq_head];
			c->rq_head = (c->rq_head + 1) % ARRAY_SIZE(c->rq);
			c->rq_count--;
		} else if (!(c->cmdbyte & CB_KBDDIS) && ps2_kbd_has_data(c->kbd)) {
			int b = ps2_kbd_read(c->kbd);
			if (c->cmdbyte & CB_XLATE) {
				if (b == 0xF0) {
					c->xlate_break = true;
					continue;   /* no byte for the host yet */
				}
				b = ps2_translate_byte(b);
				if (c->xlate_break)
					b |= 0x80;
				c->xlate_break = false;
			}
			c->obuf = b;
			c->obuf_src = SRC_KBD;
		} else if (!(c->cmdbyte & CB_AUXDIS) && ps2_mouse_has_data(c->mouse)) {
			c->obuf = ps2_mouse_read(c->mouse);
			c->obuf_src = SRC_AUX;
		} else {
			break;
		}
	}
	c->status &= ~(ST_OBF | ST_AUXOBF);
	if (c->obuf_src != SRC_NONE)
		c->status |= ST_OBF;
	if (c->obuf_src == SRC_AUX)
		c->status |= ST_AUXOBF;
	set_line(c, IRQ_KBD, &c->irq_kbd,
		 c->obuf_src == SRC_KBD && (c->cmdbyte & CB_KBDINT));
	set_line(c, IRQ_AUX, &c->irq_aux,
		 c->obuf_src == SRC_AUX && (c->cmdbyte & CB_AUXINT));
}

static void system_reset(struct i8042 *c)
{
	c->resets++;
	vm_request_reboot(c->vm); /* a guest reset: on_reboot decides */
}

uint64_t i8042_reset_requests(struct i8042 *c)
{
	pthread_mutex_lock(&c->lock);
	uint64_t n = c->resets;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static void set_cmdbyte(struct i8042 *c, uint8_t v)
{
	c->cmdbyte = v;
	c->ram[0] = v;
	c->status = (c->status & ~ST_SYS) | (v & CB_SYS ? ST_SYS : 0);
}

void i8042_post_done(struct i8042 *c)
{
	pthread_mutex_lock(&c->lock);
	set_cmdbyte(c, CB_XLATE | CB_AUXDIS | CB_SYS | CB_KBDINT);
	pthread_mutex_unlock(&c->lock);
}

static void write_outport(struct i8042 *c, uint8_t v)
{
	c->outport = v | 0x0C;
	c->sysctl = (c->sysctl & ~0x02) | (v & OP_A20);
	if (!(v & OP_RESET))
		system_reset(c);
}

static void controller_command(struct i8042 *c, uint8_t cmd)
{
	if (cmd >= 0x20 && cmd < 0x40) {          /* read RAM (0x20: command byte) */
		ctl_reply(c, c->ram[cmd & 0x1F], SRC_KBD);
		return;
	}
	if (cmd >= 0x60 && cmd < 0x80) {          /* write RAM */
		c->pending = cmd;
		return;
	}
	if (cmd >= 0xF0) {                        /* pulse output lines (low bits) */
		if (!(cmd & 1))
			system_reset(c);
		return;
	}
	switch (cmd) {
	case 0xA1: ctl_reply(c, 0x01, SRC_KBD); break;              /* version */
	case 0xA7: set_cmdbyte(c, c->cmdbyte | CB_AUXDIS); break;
	case 0xA8: set_cmdbyte(c, c->cmdbyte & ~CB_AUXDIS); break;
	case 0xA9: ctl_reply(c, 0x00, SRC_KBD); break;              /* aux test ok */
	case 0xAA:                                                  /* self test */
		c->status |= ST_SYS;
		ctl_reply(c, 0x55, SRC_KBD);
		break;
	case 0xAB: ctl_reply(c, 0x00, SRC_KBD); break;              /* kbd test ok */
	case 0xAD: set_cmdbyte(c, c->cmdbyte | CB_KBDDIS); break;
	case 0xAE: set_cmdbyte(c, c->cmdbyte & ~CB_KBDDIS); break;
	case 0xC0: ctl_reply(c, 0xBF, SRC_KBD); break;              /* input port: not inhibited */
	case 0xD0: {                                                /* read output port */
		uint8_t v = c->outport & ~0x30;
		if (c->obuf_src == SRC_KBD) v |= 0x10;
		if (c->obuf_src == SRC_AUX) v |= 0x20;
		ctl_reply(c, v, SRC_KBD);
		break;
	}
	case 0xD1: case 0xD2: case 0xD3: case 0xD4:
		c->pending = cmd;
		break;
	case 0xDD: write_outport(c, c->outport & ~OP_A20); break;   /* A20 off */
	case 0xDF: write_outport(c, c->outport | OP_A20); break;    /* A20 on */
	case 0xE0: ctl_reply(c, 0x00, SRC_KBD); break;              /* test inputs */
	default: break;                                             /* ignored */
	}
}

static void data_write(struct i8042 *c, uint8_t v)
{
	int cmd = c->pending;
	c->pending = -1;
	if (cmd >= 0x60 && cmd < 0x80) {
		if (cmd == 0x60)
			set_cmdbyte(c, v);
		else
			c->ram[cmd & 0x1F] = v;
		return;
	}
	switch (cmd) {
	case 0xD1: write_outport(c, v); break;
	case 0xD2: ctl_reply(c, v, SRC_KBD); break;
	case 0xD3: ctl_reply(c, v, SRC_AUX); break;
	case 0xD4:
		ps2_mouse_write(c->mouse, v);
		break;
	default:
		/* writing to the keyboard re-enables its interface */
		set_cmdbyte(c, c->cmdbyte & ~CB_KBDDIS);
		ps2_kbd_write(c->kbd, v);
		break;
	}
}

static uint64_t i8042_read(void *opaque, uint64_t off, unsigned size)
{
	struct i8042 *c = opaque;
	uint64_t v;
	(void)size;

	pthread_mutex_lock(&c->lock);
	if (off == 0) {
		v = c->obuf;   /* reading an empty buffer returns the old byte */
		if (c->obuf_src != SRC_NONE) {
			c->obuf_src = SRC_NONE;
			/*
			 * Reading the buffer drops OBF and with it the IRQ line
			 * (8042 output buffer full drives IRQ 1/12). The next
			 * queued byte raises it again: without the low phase the
			 * edge-triggered 8259 would latch nothing, and a handler
			 * that reads one byte per IRQ (SeaBIOS's INT 09h, Linux)
			 * would never see the rest of the queue.
			 */
			set_line(c, IRQ_KBD, &c->irq_kbd, 0);
			set_line(c, IRQ_AUX, &c->irq_aux, 0);
			update(c);
		}
	} else {
		v = c->status;
	}
	pthread_mutex_unlock(&c->lock);
	return v;
}

static void i8042_write(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
	struct i8042 *c = opaque;
	(void)size;

	pthread_mutex_lock(&c->lock);
	if (off == 0) {
		c->status &= ~ST_CMD;
		data_write(c, value);
	} else {
		c->status |= ST_CMD;
		c->pending = -1;
		controller_command(c, value);
	}
	update(c);
	pthread_mutex_unlock(&c->lock);
}

/* 0x60 and 0x64 are registered separately; each has offset 0. */
static uint64_t data_read(void *opaque, uint64_t off, unsigned size)
{
	(void)off;
	return i8042_read(opaque, 0, size);
}
static void data_write_op(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
	(void)off;
	i8042_write(opaque, 0, value & 0xFF, size);
}
static uint64_t cmd_read(void *opaque, uint64_t off, unsigned size)
{
	(void)off;
	return i8042_read(opaque, 1, size);
}
static void cmd_write(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
	(void)off;
	i8042_write(opaque, 1, value & 0xFF, size);
}
static const struct io_ops data_ops = { .read = data_read, .write = data_write_op };
static const struct io_ops cmd_ops = { .read = cmd_read, .write = cmd_write };

static uint64_t sysctl_read(void *opaque, uint64_t off, unsigned size)
{
	struct i8042 *c = opaque;
	(void)off; (void)size;
	pthread_mutex_lock(&c->lock);
	uint64_t v = c->sysctl & 0x02;
	pthread_mutex_unlock(&c->lock);
	return v;
}

static void sysctl_write(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
	struct i8042 *c = opaque;
	(void)off; (void)size;
	pthread_mutex_lock(&c->lock);
	c->sysctl = value & 0x02;
	c->outport = (c->outport & ~OP_A20) | (value & OP_A20);
	if (value & 0x01)
		system_reset(c);   /* fast reset: bit 0 going to 1 */
	pthread_mutex_unlock(&c->lock);
}

static const struct io_ops sysctl_ops = { .read = sysctl_read, .write = sysctl_write };

/* ---- input router sinks ---------------------------------------------- */

static void sink_key(void *opaque, unsigned keycode, bool down)
{
	struct i8042 *c = opaque;
	pthread_mutex_lock(&c->lock);
	ps2_kbd_key(c->kbd, keycode, down);
	update(c);
	pthread_mutex_unlock(&c->lock);
}

static bool sink_always(void *opaque)
{
	(void)opaque;
	return true;
}

static void sink_mouse(void *opaque, int dx, int dy, int dz, unsigned buttons)
{
	struct i8042 *c = opaque;
	pthread_mutex_lock(&c->lock);
	ps2_mouse_move(c->mouse, dx, dy, dz, buttons);
	update(c);
	pthread_mutex_unlock(&c->lock);
}

/* ---- lifecycle -------------------------------------------------------- */

static void i8042_reset(void *opaque)
{
	struct i8042 *c = opaque;
	pthread_mutex_lock(&c->lock);
	ps2_kbd_reset(c->kbd);
	ps2_mouse_reset(c->mouse);
	c->status = ST_CMD | ST_UNLOCK;
	set_cmdbyte(c, CB_KBDINT | CB_AUXINT);
	c->status &= ~ST_SYS;   /* cold: SYS clear until the self test */
	c->outport = OP_RESET | OP_A20 | 0x0C;
	c->sysctl = 0x02;
	c->pending = -1;
	c->obuf = 0;
	c->obuf_src = SRC_NONE;
	c->rq_head = c->rq_count = 0;
	c->xlate_break = false;
	update(c);
	pthread_mutex_unlock(&c->lock);
}

static void i8042_free(void *opaque)
{
	struct i8042 *c = opaque;
	ps2_kbd_free(c->kbd);
	ps2_mouse_free(c->mouse);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int i8042_create(struct vm *vm)
{
	struct i8042 *c = xzalloc(sizeof(*c));
	c->vm = vm;
	pthread_mutex_init(&c->lock, NULL);
	c->kbd = ps2_kbd_new(vm);
	c->mouse = ps2_mouse_new();
	c->irq_kbd = c->irq_aux = -1;   /* drive both lines low on reset */
	i8042_reset(c);

	if (vm_register_pio(vm, PORT_DATA, 1, &data_ops, c, "i8042") < 0 ||
	    vm_register_pio(vm, PORT_CMD, 1, &cmd_ops, c, "i8042") < 0 ||
	    vm_register_pio(vm, PORT_SYSCTL, 1, &sysctl_ops, c, "port92") < 0) {
		msg_error("i8042: ports 0x60/0x64/0x92 are taken");
		i8042_free(c);
		return -1;
	}
	vm_add_reset_hook(vm, i8042_reset, c);
	vm_add_free_hook(vm, i8042_free, c);
	input_register_kbd(vm, &(struct input_kbd_sink){
		.name = "PS/2 keyboard", .key = sink_key, .active = sink_always, .opaque = c });
	input_register_ptr(vm, &(struct input_ptr_sink){
		.name = "PS/2 mouse", .kind = INPUT_PTR_REL, .event = sink_mouse,
		.active = sink_always, .opaque = c });
	vm_publish(vm, "i8042", c);
	return 0;
}

struct i8042 *i8042_of(struct vm *vm)
{
	return vm_lookup(vm, "i8042");
}
