/*
 * National Semiconductor PC16550D-compatible UART ("16550A"), as on a PC's
 * COM ports. Register behaviour follows the PC16550D datasheet (sections
 * 8.1-8.10: registers, FIFO operation, interrupt priorities).
 *
 * Transmission is instantaneous: a byte written to THR goes straight to the
 * back end, so THR and the shift register are empty again at once (LSR THRE
 * and TEMT stay set) and the THRE interrupt re-arms right after each write.
 * Reception goes through a 16-byte FIFO with the trigger levels, the
 * character timeout (4 character times, from the programmed baud rate and
 * frame) and overrun. The back end only hands over what fits (can_receive),
 * so only loopback transmission can overrun.
 *
 * Interrupt line: on a PC the UART's INTR pin reaches the ISA IRQ through a
 * buffer enabled by OUT2 (MCR bit 3); in loopback mode the chip forces OUT2
 * inactive, so no interrupt leaves it (datasheet 8.6, MCR bit 4). COM1/COM3
 * and COM2/COM4 share a line, which is the OR of the ports on it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chardev.h"
#include "devices/serial.h"
#include "core/util.h"
#include "core/vm.h"

/* register offsets */
enum { R_RBR_THR = 0, R_IER = 1, R_IIR_FCR = 2, R_LCR = 3, R_MCR = 4, R_LSR = 5, R_MSR = 6, R_SCR = 7 };

#define IER_RDI  0x01 /* received data available (and timeout) */
#define IER_THRI 0x02
#define IER_RLSI 0x04 /* receiver line status */
#define IER_MSI  0x08

#define IIR_NONE    0x01
#define IIR_MSI     0x00
#define IIR_THRI    0x02
#define IIR_RDI     0x04
#define IIR_RLSI    0x06
#define IIR_TIMEOUT 0x0C
#define IIR_FIFO    0xC0 /* both bits set: FIFOs enabled (what makes Linux say 16550A) */

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_KEEP     0xC9 /* enable, DMA mode select, trigger level */

#define LCR_DLAB 0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1F

#define LSR_DR    0x01
#define LSR_OE    0x02
#define LSR_PE    0x04
#define LSR_FE    0x08
#define LSR_BI    0x10
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define LSR_ERRS  (LSR_OE | LSR_PE | LSR_FE | LSR_BI | 0x80)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80
/* Lines from the back end: a terminal is there, ready (as QEMU reports). */
#define MSR_EXTERNAL (MSR_DCD | MSR_DSR | MSR_CTS)

#define FIFO_SIZE 16
#define UART_CLOCK_HZ 115200 /* 1.8432 MHz / 16: baud = 115200 / divisor */

struct serial_dev;

struct serial_port {
	pthread_mutex_t lock;
	struct serial_dev *dev;
	unsigned index, gsi;
	struct chardev *chr;
	int timer_fd;               /* character timeout (timerfd on the VM's loop), or -1 */

	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	uint8_t rbr;                /* last byte handed to the guest */
	uint8_t rx[FIFO_SIZE];
	unsigned rx_head, rx_count;
	bool thr_int;               /* THRE interrupt latched (cleared by IIR read / THR write) */
	bool timeout_int;           /* character timeout indication */
	bool timer_armed;
	uint64_t rx_activity_ns;    /* last byte into or out of the RX FIFO */
	int level;                  /* this port's contribution to its IRQ line */

	struct serial_stats stats;
};

struct serial_dev {
	struct vm *vm;
	pthread_mutex_t line_lock;  /* users[] and the lines' levels */
	uint8_t users[16];          /* per IRQ: bit i = port i asserts it */
	struct serial_port *ports[VM_MAX_SERIAL];
};

static const uint16_t com_base[VM_MAX_SERIAL] = { 0x3F8, 0x2F8, 0x3E8, 0x2E8 };
static const unsigned com_irq[VM_MAX_SERIAL] = { 4, 3, 4, 3 };
static const char *const com_name[VM_MAX_SERIAL] = { "serial0", "serial1", "serial2", "serial3" };

/* ---- interrupts --------------------------------------------------------- */

static bool fifo_on(const struct serial_port *p)
{
	return p->fcr & FCR_ENABLE;
}

static unsigned rx_trigger(const struct serial_port *p)
{
	static const unsigned level[4] = { 1, 4, 8, 14 };
	return fifo_on(p) ? level[p->fcr >> 6] : 1;
}

/* The highest-priority pending source, as IIR bits 3:0 (datasheet table IV). */
static uint8_t pending_id(const struct serial_port *p)
{
	if ((p->ier & IER_RLSI) && (p->lsr & (LSR_OE | LSR_PE | LSR_FE | LSR_BI)))
		return IIR_RLSI;
	if ((p->ier & IER_RDI) && p->rx_count >= rx_trigger(p) && p->rx_count)
		return IIR_RDI;
	if ((p->ier & IER_RDI) && p->timeout_int)
		return IIR_TIMEOUT;
	if ((p->ier & IER_THRI) && p->thr_int)
		return IIR_THRI;
	if ((p->ier & IER_MSI) && (p->msr & 0x0F))
		return IIR_MSI;
	return IIR_NONE;
}

static void update_irq(struct serial_port *p)
{
	int level = pending_id(p) != IIR_NONE && (p->mcr & MCR_OUT2) && !(p->mcr & MCR_LOOP);
	if (level == p->level)
		return;
	p->level = level;
	struct serial_dev *d = p->dev;
	pthread_mutex_lock(&d->line_lock);
	bool was = d->users[p->gsi] != 0;
	if (level)
		d->users[p->gsi] |= 1u << p->index;
	else
		d->users[p->gsi] &= ~(1u << p->index);
	bool now = d->users[p->gsi] != 0;
	if (was != now)
		vm_set_irq(d->vm, p->gsi, now);
	pthread_mutex_unlock(&d->line_lock);
}

/* ---- receiver ----------------------------------------------------------- */

/* One character time in ns: start + data + parity + stop bits at the programmed rate. */
static uint64_t char_ns(const struct serial_port *p)
{
	unsigned divisor = p->dll | p->dlm << 8;
	unsigned bits = 1 + 5 + (p->lcr & 3) + ((p->lcr & 0x08) ? 1 : 0) + ((p->lcr & 0x04) ? 2 : 1);
	if (!divisor)
		divisor = 1;
	return (uint64_t)bits * divisor * 1000000000ull / UART_CLOCK_HZ;
}

/*
 * The timeout uses its own timerfd rather than an evtimer: the VM may free
 * its loop before device free hooks run, and a bare fd can still be closed.
 */
static void arm_timer(struct serial_port *p, uint64_t when_ns)
{
	struct itimerspec its = { .it_value = { .tv_sec = when_ns / 1000000000ull,
						.tv_nsec = when_ns % 1000000000ull } };
	p->timer_armed = true;
	timerfd_settime(p->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Restart the timeout clock: bytes moved into or out of the RX FIFO. */
static void rx_activity(struct serial_port *p)
{
	p->rx_activity_ns = clock_ns();
	if (fifo_on(p) && p->rx_count && !p->timer_armed && p->timer_fd >= 0)
		arm_timer(p, p->rx_activity_ns + 4 * char_ns(p));
}

/* Datasheet 8.4: the timeout fires when the FIFO holds data and nothing moved for 4 character times. */
static void timeout_fired(void *opaque, uint32_t events)
{
	struct serial_port *p = opaque;
	uint64_t n;
	(void)events;
	pthread_mutex_lock(&p->lock);
	if (read(p->timer_fd, &n, sizeof(n)) != sizeof(n)) {
		pthread_mutex_unlock(&p->lock); /* re-armed meanwhile */
		return;
	}
	p->timer_armed = false;
	if (fifo_on(p) && p->rx_count && !p->timeout_int) {
		uint64_t deadline = p->rx_activity_ns + 4 * char_ns(p);
		if (clock_ns() >= deadline) {
			p->timeout_int = true;
			update_irq(p);
		} else {
			arm_timer(p, deadline);
		}
	}
	pthread_mutex_unlock(&p->lock);
}

static void rx_clear(struct serial_port *p)
{
	p->rx_head = p->rx_count = 0;
	p->lsr &= ~LSR_DR;
	p->timeout_int = false;
}

static void rx_push(struct serial_port *p, uint8_t c)
{
	unsigned cap = fifo_on(p) ? FIFO_SIZE : 1;
	if (p->rx_count == cap) {
		/* FIFO mode: the byte in the shift register is lost; 16450 mode:
		 * it overwrites the unread one (datasheet 8.6, LSR bit 1). */
		p->lsr |= LSR_OE;
		p->stats.overruns++;
		if (!fifo_on(p))
			p->rx[p->rx_head] = c;
		return;
	}
	p->rx[(p->rx_head + p->rx_count) % FIFO_SIZE] = c;
	p->rx_count++;
	p->lsr |= LSR_DR;
	p->stats.rx_bytes++;
	rx_activity(p);
}

static uint8_t rx_pop(struct serial_port *p)
{
	if (p->rx_count) {
		p->rbr = p->rx[p->rx_head];
		p->rx_head = (p->rx_head + 1) % FIFO_SIZE;
		p->rx_count--;
	}
	if (!p->rx_count)
		p->lsr &= ~LSR_DR;
	p->timeout_int = false;
	rx_activity(p);
	return p->rbr;
}

static size_t rx_room(const struct serial_port *p)
{
	if (p->mcr & MCR_LOOP) /* the receiver listens to our own transmitter */
		return 0;
	return (fifo_on(p) ? FIFO_SIZE : 1) - p->rx_count;
}

/* ---- modem lines -------------------------------------------------------- */

/* MSR from MCR in loopback (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD), else the back end's lines. */
static void update_msr(struct serial_port *p)
{
	uint8_t lines = MSR_EXTERNAL;
	if (p->mcr & MCR_LOOP)
		lines = (p->mcr & MCR_RTS ? MSR_CTS : 0) | (p->mcr & MCR_DTR ? MSR_DSR : 0) |
			(p->mcr & MCR_OUT1 ? MSR_RI : 0) | (p->mcr & MCR_OUT2 ? MSR_DCD : 0);
	uint8_t old = p->msr;
	uint8_t delta = 0;
	if ((old ^ lines) & MSR_CTS)
		delta |= MSR_DCTS;
	if ((old ^ lines) & MSR_DSR)
		delta |= MSR_DDSR;
	if ((old & MSR_RI) && !(lines & MSR_RI)) /* trailing edge only */
		delta |= MSR_TERI;
	if ((old ^ lines) & MSR_DCD)
		delta |= MSR_DDCD;
	p->msr = lines | (old & 0x0F) | delta;
}

/* ---- register access ---------------------------------------------------- */

static void transmit(struct serial_port *p, uint8_t c)
{
	/* Writing THR clears the THRE interrupt; the byte leaves at once and
	 * THR empties again, which raises it anew: a fresh edge for the PIC. */
	p->thr_int = false;
	update_irq(p);
	if (p->mcr & MCR_LOOP)
		rx_push(p, c);
	else
		chardev_write(p->chr, &c, 1);
	p->stats.tx_bytes++;
	p->lsr |= LSR_THRE | LSR_TEMT;
	p->thr_int = true;
}

static void write_fcr(struct serial_port *p, uint8_t val)
{
	/* Changing FCR0 clears both FIFOs; other bits count only with FCR0 set. */
	if ((val ^ p->fcr) & FCR_ENABLE)
		rx_clear(p);
	if (!(val & FCR_ENABLE)) {
		p->fcr = 0;
		return;
	}
	if (val & FCR_CLEAR_RX)
		rx_clear(p);
	/* FCR_CLEAR_TX: the transmit FIFO is always empty here */
	p->fcr = val & FCR_KEEP;
}

static void reg_write(struct serial_port *p, unsigned reg, uint8_t val)
{
	bool dlab = p->lcr & LCR_DLAB;
	switch (reg) {
	case R_RBR_THR:
		if (dlab)
			p->dll = val;
		else
			transmit(p, val);
		break;
	case R_IER:
		if (dlab) {
			p->dlm = val;
			break;
		}
		/* Enabling ETBEI with THR empty raises THRE at once (Linux's
		 * startup probes this); disabling it drops the latch. */
		if ((val ^ p->ier) & IER_THRI)
			p->thr_int = (val & IER_THRI) && (p->lsr & LSR_THRE);
		p->ier = val & 0x0F;
		break;
	case R_IIR_FCR:
		write_fcr(p, val);
		break;
	case R_LCR:
		p->lcr = val;
		break;
	case R_MCR:
		p->mcr = val & MCR_MASK;
		update_msr(p);
		break;
	case R_LSR: /* factory test register on real parts: ignored */
	case R_MSR:
		break;
	case R_SCR:
		p->scr = val;
		break;
	}
	update_irq(p);
}

static uint8_t reg_read(struct serial_port *p, unsigned reg)
{
	bool dlab = p->lcr & LCR_DLAB;
	uint8_t v = 0xFF;
	switch (reg) {
	case R_RBR_THR:
		v = dlab ? p->dll : rx_pop(p);
		break;
	case R_IER:
		v = dlab ? p->dlm : p->ier;
		break;
	case R_IIR_FCR:
		v = pending_id(p);
		/* Reading IIR while THRE is the source reported clears it (datasheet table IV). */
		if (v == IIR_THRI)
			p->thr_int = false;
		if (fifo_on(p))
			v |= IIR_FIFO;
		break;
	case R_LCR:
		v = p->lcr;
		break;
	case R_MCR:
		v = p->mcr;
		break;
	case R_LSR:
		v = p->lsr;
		p->lsr &= ~LSR_ERRS;
		break;
	case R_MSR:
		v = p->msr;
		p->msr &= 0xF0;
		break;
	case R_SCR:
		v = p->scr;
		break;
	}
	update_irq(p);
	return v;
}

/* Wider accesses act as successive byte accesses, as an 8-bit ISA device sees them. */
static uint64_t serial_pio_read(void *opaque, uint64_t off, unsigned size)
{
	struct serial_port *p = opaque;
	uint64_t v = 0;
	bool room_before, room_after;
	pthread_mutex_lock(&p->lock);
	room_before = rx_room(p) > 0;
	for (unsigned i = 0; i < size && i < 8; i++)
		v |= (uint64_t)(off + i < 8 ? reg_read(p, off + i) : 0xFF) << (8 * i);
	room_after = rx_room(p) > 0;
	pthread_mutex_unlock(&p->lock);
	if (room_after && !room_before)
		chardev_accept_input(p->chr);
	return v;
}

static void serial_pio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct serial_port *p = opaque;
	bool room_before, room_after;
	pthread_mutex_lock(&p->lock);
	room_before = rx_room(p) > 0;
	for (unsigned i = 0; i < size && i < 8; i++)
		if (off + i < 8)
			reg_write(p, off + i, val >> (8 * i));
	room_after = rx_room(p) > 0;
	pthread_mutex_unlock(&p->lock);
	/* FIFO cleared, loopback left: input may flow again */
	if (room_after && !room_before)
		chardev_accept_input(p->chr);
}

static const struct io_ops serial_ops = { .read = serial_pio_read, .write = serial_pio_write };

/* ---- back end ----------------------------------------------------------- */

static size_t serial_can_receive(void *opaque)
{
	struct serial_port *p = opaque;
	pthread_mutex_lock(&p->lock);
	size_t n = rx_room(p);
	pthread_mutex_unlock(&p->lock);
	return n;
}

size_t serial_input(struct serial_port *p, const uint8_t *buf, size_t len)
{
	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	size_t n = MIN(len, rx_room(p));
	for (size_t i = 0; i < n; i++)
		rx_push(p, buf[i]);
	update_irq(p);
	pthread_mutex_unlock(&p->lock);
	return n;
}

static void serial_receive(void *opaque, const uint8_t *buf, size_t len)
{
	serial_input(opaque, buf, len); /* never more than can_receive said */
}

static void quit_vm(void *opaque)
{
	vm_request_quit(opaque);
}

/* ---- life cycle --------------------------------------------------------- */

/* Power-on values (datasheet table II, "Reset"). */
static void port_reset(struct serial_port *p)
{
	pthread_mutex_lock(&p->lock);
	p->ier = p->lcr = p->mcr = p->fcr = p->scr = 0;
	p->lsr = LSR_THRE | LSR_TEMT;
	p->msr = MSR_EXTERNAL;
	p->dll = 0x0C; /* 9600 baud: the datasheet leaves it undefined */
	p->dlm = 0;
	p->rbr = 0;
	rx_clear(p);
	p->thr_int = false;
	update_irq(p);
	pthread_mutex_unlock(&p->lock);
	chardev_accept_input(p->chr);
}

static void serial_reset(void *opaque)
{
	struct serial_dev *d = opaque;
	for (unsigned i = 0; i < VM_MAX_SERIAL; i++)
		if (d->ports[i])
			port_reset(d->ports[i]);
}

static void serial_free(void *opaque)
{
	struct serial_dev *d = opaque;
	/* vm_destroy may have freed the loop already (then vm->loop is NULL) */
	struct evloop *loop = d->vm->loop;
	for (unsigned i = 0; i < VM_MAX_SERIAL; i++) {
		struct serial_port *p = d->ports[i];
		if (!p)
			continue;
		if (!loop)
			chardev_detach_loop(p->chr);
		chardev_close(p->chr);
		if (d->vm->serial_chr[i] == p->chr)
			d->vm->serial_chr[i] = NULL;
		if (p->timer_fd >= 0) {
			if (loop)
				evloop_del_fd(loop, p->timer_fd);
			close(p->timer_fd);
		}
		pthread_mutex_destroy(&p->lock);
		free(p);
	}
	pthread_mutex_destroy(&d->line_lock);
	free(d);
}

struct serial_port *serial_port_of(struct vm *vm, unsigned index)
{
	return index < VM_MAX_SERIAL ? vm_lookup(vm, com_name[index]) : NULL;
}

void serial_get_stats(struct serial_port *p, struct serial_stats *st)
{
	pthread_mutex_lock(&p->lock);
	*st = p->stats;
	pthread_mutex_unlock(&p->lock);
}

int serial_create(struct vm *vm)
{
	struct vm_config *cfg = vm->cfg;
	if (!cfg || !cfg->n_serial)
		return 0;
	struct serial_dev *d = xzalloc(sizeof(*d));
	d->vm = vm;
	pthread_mutex_init(&d->line_lock, NULL);
	vm_add_free_hook(vm, serial_free, d);

	for (unsigned i = 0; i < cfg->n_serial && i < VM_MAX_SERIAL; i++) {
		const char *spec = cfg->serial[i];
		char err[256];
		if (!spec || !*spec || !strcmp(spec, "none"))
			continue;
		struct chardev *chr = chardev_open(spec, vm->loop, err, sizeof(err));
		if (!chr) {
			msg_error("%s: serial%u: %s", vm->name, i, err);
			return -1;
		}
		struct serial_port *p = xzalloc(sizeof(*p));
		pthread_mutex_init(&p->lock, NULL);
		p->dev = d;
		p->index = i;
		p->gsi = com_irq[i];
		p->chr = chr;
		d->ports[i] = p;
		p->timer_fd = -1;
		if (vm->loop) {
			p->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
			if (p->timer_fd >= 0 &&
			    evloop_add_fd(vm->loop, p->timer_fd, EPOLLIN, timeout_fired, p) < 0) {
				close(p->timer_fd);
				p->timer_fd = -1;
			}
		}
		port_reset(p);
		if (vm_register_pio(vm, com_base[i], 8, &serial_ops, p, com_name[i]) < 0) {
			msg_error("%s: serial%u: ports 0x%x-0x%x are taken", vm->name, i,
				  com_base[i], com_base[i] + 7);
			return -1;
		}
		const char *desc = chardev_describe(chr);
		if (!strncmp(desc, "pty:", 4))
			msg_info("%s: serial%u on %s", vm->name, i, desc + 4);
		struct chardev_handler h = { serial_can_receive, serial_receive, p };
		chardev_set_handler(chr, &h);
		chardev_set_quit_hook(chr, quit_vm, vm);
		vm->serial_chr[i] = chr;
		vm_publish(vm, com_name[i], p);
	}
	vm_add_reset_hook(vm, serial_reset, d);
	return 0;
}
