/*
 * Intel UHCI USB host controller as PIIX3 function 2 (00:01.2, 8086:7020),
 * 32 bytes of I/O at BAR4, INTD through the PIIX3 PIRQ routing, two root
 * ports. Register and schedule layout: Intel "Universal Host Controller
 * Interface (UHCI) Design Guide" rev 1.1, sections 2 and 3.
 *
 * Every 1 ms frame (a timer on the VM's io thread, armed only while the
 * Run/Stop bit is set) the controller reads the frame list entry and walks
 * its queue heads and transfer descriptors. Every pointer the guest gives is
 * checked against guest RAM; a frame visits at most MAX_VISITS descriptors
 * and each queue head once, so looping schedules (Linux's FSBR loop, or a
 * hostile guest's) cost a bounded amount of work.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "devices/pci.h"
#include "devices/uhci.h"
#include "devices/usb.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/host/input.h"

#define N_PORTS 2
#define FRAME_NS 1000000ull
#define MAX_VISITS 512
#define MAX_QH 64
#define MAX_PACKET 1023       /* largest full-speed packet */

/* registers */
#define REG_CMD   0x00
#define REG_STS   0x02
#define REG_INTR  0x04
#define REG_FRNUM 0x06
#define REG_FLBASE 0x08
#define REG_SOF   0x0C
#define REG_PORT  0x10

#define CMD_RS      0x0001
#define CMD_HCRESET 0x0002
#define CMD_GRESET  0x0004
#define CMD_MAXP    0x0080

#define STS_USBINT  0x0001
#define STS_ERRINT  0x0002
#define STS_RD      0x0004
#define STS_HSE     0x0008
#define STS_HCPE    0x0010
#define STS_HALTED  0x0020

#define INTR_CRC    0x01
#define INTR_RESUME 0x02
#define INTR_IOC    0x04
#define INTR_SPD    0x08

#define PORT_CCS    0x0001
#define PORT_CSC    0x0002
#define PORT_PE     0x0004
#define PORT_PEC    0x0008
#define PORT_RD     0x0040
#define PORT_ALWAYS 0x0080
#define PORT_LSDA   0x0100
#define PORT_PR     0x0200
#define PORT_SUSP   0x1000

/* link pointers */
#define LINK_T  0x1
#define LINK_Q  0x2
#define LINK_VF 0x4

/* TD control/status */
#define TD_ACTLEN   0x000007FFu
#define TD_BITSTUFF (1u << 17)
#define TD_CRCTO    (1u << 18)
#define TD_NAK      (1u << 19)
#define TD_BABBLE   (1u << 20)
#define TD_DBUF     (1u << 21)
#define TD_STALLED  (1u << 22)
#define TD_ACTIVE   (1u << 23)
#define TD_IOC      (1u << 24)
#define TD_SPD      (1u << 29)
#define TD_ERRMASK  (TD_BITSTUFF | TD_CRCTO | TD_NAK | TD_BABBLE | TD_DBUF | TD_STALLED)

enum td_result { TD_DONE, TD_SHORT, TD_WAIT, TD_FAILED, TD_HALT };

struct uhci {
	struct vm *vm;
	pthread_mutex_t lock;
	struct pci_dev pci;
	uint16_t cmd, sts, intr, frnum;
	uint32_t flbase;
	uint8_t sof;
	uint16_t portsc[N_PORTS];
	struct usb_device *dev[N_PORTS];
	uint8_t pending;          /* INTR_IOC / INTR_SPD seen this frame */
	int timer_fd;             /* frame clock on the VM's io thread, -1 if none */
	uint64_t next_frame;
	uint64_t frames;          /* frames run (tests, info) */
	uint8_t data[MAX_PACKET + 1];
};

static bool bus_running(void *opaque)
{
	struct uhci *u = opaque;   /* called with u->lock held */
	return u->cmd & CMD_RS;
}

static void update_irq(struct uhci *u)
{
	if (!u->pci.bus)
		return;   /* not on the bus yet */
	int level = ((u->pending & INTR_IOC) && (u->intr & INTR_IOC)) ||
		    ((u->pending & INTR_SPD) && (u->intr & INTR_SPD)) ||
		    ((u->sts & STS_ERRINT) && (u->intr & INTR_CRC)) ||
		    ((u->sts & STS_RD) && (u->intr & INTR_RESUME)) ||
		    (u->sts & (STS_HSE | STS_HCPE));
	pci_set_irq(&u->pci, level);
}

/* A timerfd of our own rather than an evtimer: it must survive the VM's
 * loop being freed before the device (vm_destroy frees the loop first). */
static void timer_arm_at(struct uhci *u, uint64_t ns)
{
	struct itimerspec its = { .it_value = { .tv_sec = ns / 1000000000ull,
						.tv_nsec = ns % 1000000000ull } };
	if (u->timer_fd >= 0)
		timerfd_settime(u->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void timer_cancel(struct uhci *u)
{
	struct itimerspec its = { 0 };
	if (u->timer_fd >= 0)
		timerfd_settime(u->timer_fd, 0, &its, NULL);
}

/* ---- schedule --------------------------------------------------------- */

static struct usb_device *find_device(struct uhci *u, unsigned addr)
{
	for (int i = 0; i < N_PORTS; i++)
		if (u->dev[i] && (u->portsc[i] & PORT_PE) && !(u->portsc[i] & PORT_PR) &&
		    u->dev[i]->addr == addr)
			return u->dev[i];
	return NULL;
}

/* A schedule pointer outside guest RAM: the controller halts with a host
 * system error, as a real one does on a PCI master abort. */
static void host_error(struct uhci *u)
{
	u->sts |= STS_HSE | STS_HALTED;
	u->cmd &= ~CMD_RS;
}

static void td_writeback(struct uhci *u, uint32_t addr, uint32_t ctrl)
{
	uint8_t b[4];
	st32(b, ctrl);
	if (vm_write_guest(u->vm, addr + 4, b, 4) < 0)
		host_error(u);
}

static enum td_result run_td(struct uhci *u, uint32_t addr, uint32_t *link)
{
	uint8_t td[16];
	if (vm_read_guest(u->vm, addr, td, 16) < 0) {
		host_error(u);
		return TD_HALT;
	}
	*link = ld32(td);
	uint32_t ctrl = ld32(td + 4), token = ld32(td + 8), buf = ld32(td + 12);
	if (!(ctrl & TD_ACTIVE))
		return TD_WAIT;

	int pid = token & 0xFF;
	unsigned devaddr = (token >> 8) & 0x7F, ep = (token >> 15) & 0xF;
	unsigned maxlen = ((token >> 21) + 1) & 0x7FF;
	struct usb_device *d = find_device(u, devaddr);
	int ret;

	if (maxlen > MAX_PACKET) {
		ret = -100;   /* babble: more than a full-speed packet */
		ctrl |= TD_BABBLE;
	} else if (!d || (pid != USB_PID_IN && pid != USB_PID_OUT && pid != USB_PID_SETUP)) {
		ret = -100;   /* nobody answers: timeout */
		ctrl |= TD_CRCTO;
	} else if (pid != USB_PID_IN && maxlen && vm_read_guest(u->vm, buf, u->data, maxlen) < 0) {
		ret = -100;
		ctrl |= TD_DBUF;
	} else {
		ret = d->packet(d, pid, ep, u->data, maxlen);
		if (ret > (int)maxlen)
			ret = maxlen;
		if (pid == USB_PID_IN && ret > 0 && vm_write_guest(u->vm, buf, u->data, ret) < 0) {
			ret = -100;
			ctrl |= TD_DBUF;
		}
	}

	if (ret == USB_RET_NAK)
		return TD_WAIT;   /* stays active; retried next frame */
	if (ret < 0) {
		if (ret == USB_RET_STALL)
			ctrl |= TD_STALLED;
		ctrl = (ctrl & ~(TD_ACTIVE | TD_ACTLEN | (3u << 27))) | TD_ACTLEN;
		td_writeback(u, addr, ctrl);
		u->sts |= STS_ERRINT;
		if (ctrl & TD_IOC)
			u->pending |= INTR_IOC;
		return TD_FAILED;
	}
	ctrl = (ctrl & ~(TD_ACTIVE | TD_ACTLEN | TD_ERRMASK)) | ((ret - 1) & TD_ACTLEN);
	td_writeback(u, addr, ctrl);
	if (ctrl & TD_IOC)
		u->pending |= INTR_IOC;
	if (pid == USB_PID_IN && (unsigned)ret < maxlen && (ctrl & TD_SPD)) {
		u->pending |= INTR_SPD;
		return TD_SHORT;   /* the queue stops here; the driver fixes it up */
	}
	return TD_DONE;
}

static void run_frame(struct uhci *u)
{
	uint32_t qh_seen[MAX_QH];
	unsigned n_qh = 0, visits = 0;
	uint8_t b[8];

	if (vm_read_guest(u->vm, u->flbase + (u->frnum & 0x3FF) * 4u, b, 4) < 0) {
		host_error(u);
		return;
	}
	uint32_t link = ld32(b);
	while (!(link & LINK_T) && visits++ < MAX_VISITS && (u->cmd & CMD_RS)) {
		uint32_t addr = link & ~0xFu;
		if (!(link & LINK_Q)) {
			run_td(u, addr, &link);
			continue;
		}
		/* a queue head: each one once per frame */
		for (unsigned i = 0; i < n_qh; i++)
			if (qh_seen[i] == addr)
				return;
		if (n_qh == MAX_QH)
			return;
		qh_seen[n_qh++] = addr;
		if (vm_read_guest(u->vm, addr, b, 8) < 0) {
			host_error(u);
			return;
		}
		uint32_t head = ld32(b), elem = ld32(b + 4);
		while (!(elem & (LINK_T | LINK_Q)) && visits++ < MAX_VISITS) {
			uint32_t next;
			enum td_result r = run_td(u, elem & ~0xFu, &next);
			if (r != TD_DONE)
				break;
			/* completed: the queue advances to the next TD */
			elem = next;
			st32(b, elem);
			if (vm_write_guest(u->vm, addr + 4, b, 4) < 0) {
				host_error(u);
				return;
			}
			if (!(next & LINK_VF))
				break;   /* breadth first: on to the next queue */
		}
		link = head;
	}
}

/* Advance n frames (the timer, or tests). Called with the lock held. */
static void run_frames(struct uhci *u, unsigned n)
{
	bool master = u->pci.config[0x04] & 0x04;   /* bus mastering enabled */
	for (unsigned i = 0; i < n && (u->cmd & CMD_RS); i++) {
		if (master)
			run_frame(u);
		u->frnum = (u->frnum + 1) & 0x7FF;
		u->frames++;
		if (u->pending)
			u->sts |= STS_USBINT;
	}
	update_irq(u);
}

void uhci_run_frames(struct uhci *u, unsigned n)
{
	pthread_mutex_lock(&u->lock);
	run_frames(u, n);
	pthread_mutex_unlock(&u->lock);
}

static void frame_tick(void *opaque, uint32_t events)
{
	struct uhci *u = opaque;
	uint64_t expirations;
	(void)events;
	if (read(u->timer_fd, &expirations, sizeof(expirations)) < 0)
		return;   /* spurious wake-up */
	pthread_mutex_lock(&u->lock);
	if (u->cmd & CMD_RS) {
		uint64_t now = clock_ns();
		unsigned n = 1;
		if (now > u->next_frame)
			n = MIN((now - u->next_frame) / FRAME_NS + 1, 8);
		run_frames(u, n);
		u->next_frame += n * FRAME_NS;
		if (u->next_frame + 8 * FRAME_NS < now)
			u->next_frame = now;   /* far behind (host busy): do not race */
		if (u->cmd & CMD_RS)
			timer_arm_at(u, u->next_frame);
	}
	pthread_mutex_unlock(&u->lock);
}

/* ---- registers -------------------------------------------------------- */

static void port_attach_state(struct uhci *u)
{
	for (int i = 0; i < N_PORTS; i++) {
		u->portsc[i] = u->dev[i] ? PORT_CCS | PORT_CSC : 0;
		if (u->dev[i])
			u->dev[i]->reset(u->dev[i]);
	}
}

static void controller_reset(struct uhci *u)
{
	u->cmd = 0;
	u->sts = STS_HALTED;
	u->intr = 0;
	u->frnum = 0;
	u->flbase = 0;
	u->sof = 0x40;
	u->pending = 0;
	port_attach_state(u);
	timer_cancel(u);
	update_irq(u);
}

static void write_cmd(struct uhci *u, uint16_t v)
{
	if (v & (CMD_GRESET | CMD_HCRESET)) {
		controller_reset(u);
		if (v & CMD_GRESET)
			u->cmd = v & CMD_GRESET;   /* held in global reset until cleared */
		return;
	}
	bool was_running = u->cmd & CMD_RS;
	u->cmd = v & 0xFF;
	if ((v & CMD_RS) && !was_running) {
		u->sts &= ~STS_HALTED;
		u->next_frame = clock_ns() + FRAME_NS;
		timer_arm_at(u, u->next_frame);
	} else if (!(v & CMD_RS) && was_running) {
		u->sts |= STS_HALTED;
		timer_cancel(u);
	}
}

static void write_port(struct uhci *u, int i, uint16_t v)
{
	uint16_t p = u->portsc[i];
	if ((v & PORT_PR) && !(p & PORT_PR) && u->dev[i])
		u->dev[i]->reset(u->dev[i]);   /* bus reset: address 0, unconfigured */
	p &= ~(v & (PORT_CSC | PORT_PEC));           /* write 1 to clear */
	p = (p & ~(PORT_PE | PORT_RD | PORT_PR | PORT_SUSP)) |
	    (v & (PORT_PE | PORT_RD | PORT_PR | PORT_SUSP));
	if (!(p & PORT_CCS))
		p &= ~PORT_PE;                           /* nothing to enable */
	u->portsc[i] = p;
}

static uint16_t read16(struct uhci *u, unsigned off)
{
	switch (off) {
	case REG_CMD: return u->cmd;
	case REG_STS: return u->sts;
	case REG_INTR: return u->intr;
	case REG_FRNUM: return u->frnum;
	case REG_FLBASE: return u->flbase & 0xFFFF;
	case REG_FLBASE + 2: return u->flbase >> 16;
	case REG_SOF: return u->sof;
	case REG_PORT: case REG_PORT + 2:
		return u->portsc[(off - REG_PORT) / 2] | PORT_ALWAYS;
	}
	return 0xFFFF;   /* 0x14: no third port; 0x0E, 0x16..: reserved */
}

static void write16(struct uhci *u, unsigned off, uint16_t v)
{
	switch (off) {
	case REG_CMD: write_cmd(u, v); break;
	case REG_STS:
		u->sts &= ~(v & 0x1F);
		if (v & STS_USBINT)
			u->pending = 0;
		break;
	case REG_INTR: u->intr = v & 0x0F; break;
	case REG_FRNUM:
		if (u->sts & STS_HALTED)
			u->frnum = v & 0x7FF;
		break;
	case REG_FLBASE: u->flbase = (u->flbase & 0xFFFF0000u) | (v & 0xF000); break;
	case REG_FLBASE + 2: u->flbase = (u->flbase & 0xFFFF) | (uint32_t)v << 16; break;
	case REG_SOF: u->sof = v & 0x7F; break;
	case REG_PORT: case REG_PORT + 2: write_port(u, (off - REG_PORT) / 2, v); break;
	}
	update_irq(u);
}

static uint64_t uhci_read(void *opaque, uint64_t off, unsigned size)
{
	struct uhci *u = opaque;
	uint64_t v;
	pthread_mutex_lock(&u->lock);
	if (size == 4) {
		v = read16(u, off & ~1u) | (uint32_t)read16(u, (off & ~1u) + 2) << 16;
	} else {
		v = read16(u, off & ~1u);
		if (size == 1)
			v = (v >> ((off & 1) * 8)) & 0xFF;
	}
	pthread_mutex_unlock(&u->lock);
	return v;
}

static void uhci_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct uhci *u = opaque;
	pthread_mutex_lock(&u->lock);
	if (size == 4) {
		write16(u, off & ~1u, val & 0xFFFF);
		write16(u, (off & ~1u) + 2, (val >> 16) & 0xFFFF);
	} else if (size == 2) {
		write16(u, off & ~1u, val & 0xFFFF);
	} else if (off == REG_SOF) {
		u->sof = val & 0x7F;
	} else if (off < 0x20) {
		/* byte write: merge into the register (W1C bits of the other byte untouched) */
		unsigned reg = off & ~1u, sh = (off & 1) * 8;
		uint16_t keep = read16(u, reg) & ~(0xFF << sh);
		if (reg == REG_STS)
			keep = 0;
		if (reg == REG_PORT || reg == REG_PORT + 2)
			keep &= ~(PORT_CSC | PORT_PEC);
		write16(u, reg, keep | (val & 0xFF) << sh);
	}
	pthread_mutex_unlock(&u->lock);
}

static const struct io_ops uhci_ops = { .read = uhci_read, .write = uhci_write };

/* ---- lifecycle, info -------------------------------------------------- */

static void uhci_info(void *opaque, FILE *out)
{
	struct uhci *u = opaque;
	pthread_mutex_lock(&u->lock);
	for (int i = 0; i < N_PORTS; i++)
		if (u->dev[i])
			fprintf(out, "  Device 0.%u, Port %d, Speed 12 Mb/s, Product %s, ID: %s\n",
				u->dev[i]->addr, i + 1, u->dev[i]->product, u->dev[i]->id);
	pthread_mutex_unlock(&u->lock);
}

static void uhci_reset_hook(void *opaque)
{
	struct uhci *u = opaque;
	pthread_mutex_lock(&u->lock);
	controller_reset(u);
	pthread_mutex_unlock(&u->lock);
}

static void uhci_free(void *opaque)
{
	struct uhci *u = opaque;
	if (u->timer_fd >= 0) {
		if (u->vm->loop)
			evloop_del_fd(u->vm->loop, u->timer_fd);
		close(u->timer_fd);
	}
	for (int i = 0; i < N_PORTS; i++)
		if (u->dev[i])
			u->dev[i]->free(u->dev[i]);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

int uhci_create(struct vm *vm)
{
	struct vm_config *cfg = vm->cfg;
	if (!cfg || !cfg->usb)
		return 0;
	struct uhci *u = xzalloc(sizeof(*u));
	u->vm = vm;
	pthread_mutex_init(&u->lock, NULL);
	u->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (u->timer_fd >= 0 && evloop_add_fd(vm->loop, u->timer_fd, EPOLLIN, frame_tick, u) < 0) {
		close(u->timer_fd);
		u->timer_fd = -1;
	}
	if (u->timer_fd < 0)
		msg_warn("uhci: no frame timer; USB will not run");

	unsigned n = 0;
	for (unsigned i = 0; i < cfg->n_usbdevice; i++) {
		if (n == N_PORTS) {
			msg_warn("usb: the UHCI root hub has %d ports; '%s' is not attached",
				 N_PORTS, cfg->usbdevice[i]);
			continue;
		}
		struct usb_device *d = usb_hid_new(vm, cfg->usbdevice[i], &u->lock, bus_running, u);
		if (!d) {
			msg_warn("usb: unknown device '%s' ignored", cfg->usbdevice[i]);
			continue;
		}
		u->dev[n++] = d;
	}

	struct pci_dev *p = &u->pci;
	p->name = "uhci";
	pci_init_header(p, 0x8086, 0x7020, 0x0C0300, 0x01, 0, 0);
	p->config[0x3d] = 4;        /* INTD */
	p->config[0x60] = 0x10;     /* USB release 1.0 */
	st16(p->config + 0xC0, 0x2000);   /* legacy support: PIRQ enabled */
	st16(p->wmask + 0xC0, 0xFFFF);
	p->opaque = u;
	pci_set_bar(p, 4, 32, true, &uhci_ops, u);
	controller_reset(u);
	if (pci_register(vm, p, 1 << 3 | 2) < 0) {
		msg_error("uhci: PCI 00:01.2 is taken");
		uhci_free(u);
		return -1;
	}
	vm_add_reset_hook(vm, uhci_reset_hook, u);
	vm_add_free_hook(vm, uhci_free, u);
	input_set_usb_info(vm, uhci_info, u);
	vm_publish(vm, "uhci", u);
	return 0;
}
