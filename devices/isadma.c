/*
 * The PC's two Intel 8237A DMA controllers (see isadma.h for the model).
 *
 * Controller 0 (channels 0-3, byte transfers) has its registers at
 * 0x00-0x0F; controller 1 (channels 4-7, word transfers) at 0xC0-0xDF on
 * even addresses. Page registers 0x81-0x8F hold address bits 23:16 (for
 * word channels bits 23:17; the word address supplies A16:A1). Port 0x80 is
 * not claimed here: it is the POST code port.
 *
 * 8237A datasheet facts used: the address/count registers are 16 bits
 * written low byte then high byte through the byte-pointer flip-flop; the
 * current count reads base_count - transferred, and wraps to 0xFFFF at
 * terminal count; without auto-initialise, reaching terminal count sets the
 * channel's mask bit; with it, base address and count are reloaded. The
 * address counter does not carry into the page register (transfers wrap in
 * a 64 KiB page, 128 KiB for word channels).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devices/isadma.h"
#include "core/util.h"
#include "core/vm.h"

enum { MODE_VERIFY = 0, MODE_WRITE = 1, MODE_READ = 2 };

struct dma_chan {
	uint16_t base_addr, base_count;
	uint16_t cur_addr, cur_count;  /* cur_count counts down; 0xFFFF after TC */
	uint8_t mode;
	uint8_t page;
	void (*kick)(void *opaque);    /* DREQ pending and channel just unmasked */
	void *kick_opaque;
};

struct dma_ctrl {
	struct dma_chan ch[4];
	bool flipflop;
	uint8_t command, mask, request, status; /* status: TC bits 0-3, DREQ 4-7 */
	uint8_t temp;
	int dshift;                             /* 0 byte channels, 1 word channels */
};

struct isadma {
	struct vm *vm;
	pthread_mutex_t lock;
	struct dma_ctrl c[2];
	uint8_t extra_page[16];                 /* unused page-register ports read back */
};

struct isadma *isadma_of(struct vm *vm)
{
	return vm_lookup(vm, "isadma");
}

static struct dma_ctrl *ctrl_of(struct isadma *d, int chan, struct dma_chan **ch)
{
	struct dma_ctrl *c = &d->c[(chan >> 2) & 1];
	*ch = &c->ch[chan & 3];
	return c;
}

static bool valid_chan(int chan)
{
	return chan >= 0 && chan < 8;
}

bool isadma_channel_enabled(struct isadma *d, int chan)
{
	if (!d || !valid_chan(chan))
		return false;
	pthread_mutex_lock(&d->lock);
	struct dma_chan *ch;
	struct dma_ctrl *c = ctrl_of(d, chan, &ch);
	/* command bit 2 disables the whole controller */
	bool en = !(c->mask & (1u << (chan & 3))) && !(c->command & 0x04);
	pthread_mutex_unlock(&d->lock);
	return en;
}

size_t isadma_remaining(struct isadma *d, int chan)
{
	if (!d || !valid_chan(chan))
		return 0;
	pthread_mutex_lock(&d->lock);
	struct dma_chan *ch;
	struct dma_ctrl *c = ctrl_of(d, chan, &ch);
	size_t r = ((size_t)ch->cur_count + 1) << c->dshift;
	pthread_mutex_unlock(&d->lock);
	return r;
}

void isadma_set_dreq(struct isadma *d, int chan, bool level)
{
	if (!d || !valid_chan(chan))
		return;
	pthread_mutex_lock(&d->lock);
	struct dma_chan *ch;
	struct dma_ctrl *c = ctrl_of(d, chan, &ch);
	if (level)
		c->status |= 0x10 << (chan & 3);
	else
		c->status &= ~(0x10 << (chan & 3));
	pthread_mutex_unlock(&d->lock);
}

void isadma_set_kick(struct isadma *d, int chan, void (*kick)(void *), void *opaque)
{
	if (!d || !valid_chan(chan))
		return;
	pthread_mutex_lock(&d->lock);
	struct dma_chan *ch;
	ctrl_of(d, chan, &ch);
	ch->kick = kick;
	ch->kick_opaque = opaque;
	pthread_mutex_unlock(&d->lock);
}

/* Guest physical address of the channel's current byte. */
static uint64_t cur_gpa(const struct dma_ctrl *c, const struct dma_chan *ch)
{
	if (c->dshift)
		return ((uint64_t)(ch->page & 0xFE) << 16) | ((uint64_t)ch->cur_addr << 1);
	return ((uint64_t)ch->page << 16) | ch->cur_addr;
}

size_t isadma_transfer(struct isadma *d, int chan, void *buf, size_t len,
		       bool to_memory, bool *tc)
{
	if (tc)
		*tc = false;
	if (!d || !valid_chan(chan) || chan == 4) /* 4 cascades */
		return 0;
	pthread_mutex_lock(&d->lock);
	struct dma_chan *ch;
	struct dma_ctrl *c = ctrl_of(d, chan, &ch);
	int n = chan & 3;
	int type = (ch->mode >> 2) & 3;
	bool down = ch->mode & 0x20;
	size_t moved = 0;
	uint8_t *p = buf;

	if ((c->mask & (1u << n)) || (c->command & 0x04) ||
	    (ch->mode >> 6) == 3 /* cascade */ || type == 3 ||
	    (type == MODE_WRITE && !to_memory) || (type == MODE_READ && to_memory))
		goto out;

	size_t unit = (size_t)1 << c->dshift;
	len &= ~(unit - 1);
	while (moved < len) {
		/* units until TC, and until the address counter wraps */
		size_t to_tc = (size_t)ch->cur_count + 1;
		size_t to_wrap = down ? (size_t)ch->cur_addr + 1 : (size_t)0x10000 - ch->cur_addr;
		size_t units = MIN((len - moved) >> c->dshift, MIN(to_tc, down ? 1 : to_wrap));
		size_t bytes = units << c->dshift;
		uint64_t gpa = cur_gpa(c, ch);
		if (type != MODE_VERIFY) {
			uint8_t *h = vm_gpa_to_hva(d->vm, gpa, bytes);
			if (to_memory) {
				if (h)
					memcpy(h, p + moved, bytes);
			} else if (h) {
				memcpy(p + moved, h, bytes);
			} else {
				memset(p + moved, 0xFF, bytes); /* nothing answers the bus */
			}
		}
		moved += bytes;
		ch->cur_addr = (uint16_t)(down ? ch->cur_addr - units : ch->cur_addr + units);
		ch->cur_count = (uint16_t)(ch->cur_count - units);
		if (ch->cur_count == 0xFFFF) {      /* terminal count */
			c->status |= 1u << n;
			if (tc)
				*tc = true;
			if (ch->mode & 0x10) {          /* auto-initialise */
				ch->cur_addr = ch->base_addr;
				ch->cur_count = ch->base_count;
			} else {
				c->mask |= 1u << n;
				break;
			}
		}
	}
out:
	pthread_mutex_unlock(&d->lock);
	return moved;
}

static void master_clear(struct dma_ctrl *c)
{
	c->flipflop = false;
	c->command = 0;
	c->status = 0;
	c->request = 0;
	c->temp = 0;
	c->mask = 0x0F;
}

/* Register index 0-15 of a controller. */
static uint8_t ctrl_read(struct dma_ctrl *c, unsigned reg)
{
	if (reg < 8) {
		struct dma_chan *ch = &c->ch[reg >> 1];
		uint16_t v = (reg & 1) ? ch->cur_count : ch->cur_addr;
		uint8_t b = c->flipflop ? v >> 8 : v & 0xFF;
		c->flipflop = !c->flipflop;
		return b;
	}
	switch (reg) {
	case 8: { /* status: reading clears the TC bits */
		uint8_t s = c->status;
		c->status &= 0xF0;
		return s;
	}
	case 13:
		return c->temp;
	case 15:
		return c->mask | 0xF0;
	default:
		return 0xFF;
	}
}

/* Returns the channel (0-3) that must be kicked, or -1. */
static int ctrl_write(struct dma_ctrl *c, unsigned reg, uint8_t v)
{
	uint8_t old_mask = c->mask;
	if (reg < 8) {
		struct dma_chan *ch = &c->ch[reg >> 1];
		uint16_t *base = (reg & 1) ? &ch->base_count : &ch->base_addr;
		uint16_t *cur = (reg & 1) ? &ch->cur_count : &ch->cur_addr;
		if (c->flipflop)
			*base = (uint16_t)((*base & 0x00FF) | v << 8);
		else
			*base = (uint16_t)((*base & 0xFF00) | v);
		*cur = *base;
		c->flipflop = !c->flipflop;
		return -1;
	}
	switch (reg) {
	case 8:  c->command = v; break;
	case 9:  /* software request */
		if (v & 4)
			c->request |= 1u << (v & 3);
		else
			c->request &= ~(1u << (v & 3));
		break;
	case 10: /* single mask bit */
		if (v & 4)
			c->mask |= 1u << (v & 3);
		else
			c->mask &= ~(1u << (v & 3));
		break;
	case 11: c->ch[v & 3].mode = v; break;
	case 12: c->flipflop = false; break;
	case 13: master_clear(c); break;
	case 14: c->mask = 0; break;
	case 15: c->mask = v & 0x0F; break;
	}
	/* a newly unmasked channel whose device holds DREQ */
	uint8_t unmasked = old_mask & ~c->mask & (c->status >> 4);
	for (int i = 0; i < 4; i++)
		if (unmasked & (1u << i))
			return i;
	return -1;
}

static void kick(struct isadma *d, int chan)
{
	struct dma_chan *ch;
	ctrl_of(d, chan, &ch);
	void (*fn)(void *) = ch->kick;
	void *op = ch->kick_opaque;
	pthread_mutex_unlock(&d->lock);
	if (fn)
		fn(op);
	pthread_mutex_lock(&d->lock);
}

static uint64_t dma0_read(void *opaque, uint64_t off, unsigned size)
{
	struct isadma *d = opaque;
	(void)size;
	pthread_mutex_lock(&d->lock);
	uint8_t v = ctrl_read(&d->c[0], (unsigned)off & 15);
	pthread_mutex_unlock(&d->lock);
	return v;
}

static void dma0_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct isadma *d = opaque;
	(void)size;
	pthread_mutex_lock(&d->lock);
	int k = ctrl_write(&d->c[0], (unsigned)off & 15, (uint8_t)val);
	if (k >= 0)
		kick(d, k);
	pthread_mutex_unlock(&d->lock);
}

static uint64_t dma1_read(void *opaque, uint64_t off, unsigned size)
{
	struct isadma *d = opaque;
	(void)size;
	if (off & 1)
		return 0xFF;
	pthread_mutex_lock(&d->lock);
	uint8_t v = ctrl_read(&d->c[1], (unsigned)(off >> 1) & 15);
	pthread_mutex_unlock(&d->lock);
	return v;
}

static void dma1_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct isadma *d = opaque;
	(void)size;
	if (off & 1)
		return;
	pthread_mutex_lock(&d->lock);
	int k = ctrl_write(&d->c[1], (unsigned)(off >> 1) & 15, (uint8_t)val);
	if (k >= 0)
		kick(d, 4 + k);
	pthread_mutex_unlock(&d->lock);
}

/* Page register port (0x81-0x8F) -> channel, or -1 for the spare ones. */
static int page_chan(unsigned port)
{
	switch (port) {
	case 0x87: return 0;
	case 0x83: return 1;
	case 0x81: return 2;
	case 0x82: return 3;
	case 0x8B: return 5;
	case 0x89: return 6;
	case 0x8A: return 7;
	default:   return -1;
	}
}

static uint64_t page_read(void *opaque, uint64_t off, unsigned size)
{
	struct isadma *d = opaque;
	(void)size;
	unsigned port = 0x81 + (unsigned)off;
	int chan = page_chan(port);
	pthread_mutex_lock(&d->lock);
	uint8_t v;
	if (chan >= 0) {
		struct dma_chan *ch;
		ctrl_of(d, chan, &ch);
		v = ch->page;
	} else {
		v = d->extra_page[port & 15];
	}
	pthread_mutex_unlock(&d->lock);
	return v;
}

static void page_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct isadma *d = opaque;
	(void)size;
	unsigned port = 0x81 + (unsigned)off;
	int chan = page_chan(port);
	pthread_mutex_lock(&d->lock);
	if (chan >= 0) {
		struct dma_chan *ch;
		ctrl_of(d, chan, &ch);
		ch->page = (uint8_t)val;
	} else {
		d->extra_page[port & 15] = (uint8_t)val;
	}
	pthread_mutex_unlock(&d->lock);
}

static const struct io_ops dma0_ops = { dma0_read, dma0_write };
static const struct io_ops dma1_ops = { dma1_read, dma1_write };
static const struct io_ops page_ops = { page_read, page_write };

static void isadma_reset(void *opaque)
{
	struct isadma *d = opaque;
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < 2; i++) {
		master_clear(&d->c[i]);
		for (int j = 0; j < 4; j++) {
			struct dma_chan *ch = &d->c[i].ch[j];
			ch->base_addr = ch->base_count = ch->cur_addr = ch->cur_count = 0;
			ch->mode = 0;
			ch->page = 0;
		}
	}
	memset(d->extra_page, 0, sizeof(d->extra_page));
	pthread_mutex_unlock(&d->lock);
}

static void isadma_free(void *opaque)
{
	struct isadma *d = opaque;
	pthread_mutex_destroy(&d->lock);
	free(d);
}

int isadma_create(struct vm *vm)
{
	struct isadma *d = xzalloc(sizeof(*d));
	d->vm = vm;
	pthread_mutex_init(&d->lock, NULL);
	d->c[1].dshift = 1;
	isadma_reset(d);
	if (vm_register_pio(vm, 0x00, 16, &dma0_ops, d, "dma1") < 0 ||
	    vm_register_pio(vm, 0xC0, 32, &dma1_ops, d, "dma2") < 0 ||
	    vm_register_pio(vm, 0x81, 15, &page_ops, d, "dma-page") < 0) {
		msg_error("isadma: DMA controller ports are already taken");
		isadma_free(d);
		return -1;
	}
	vm_add_reset_hook(vm, isadma_reset, d);
	vm_add_free_hook(vm, isadma_free, d);
	vm_publish(vm, "isadma", d);
	return 0;
}
