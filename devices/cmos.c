/*
 * CMOS RAM and RTC, MC146818A compatible (datasheet: registers A-D,
 * periodic/alarm/update-ended interrupts on IRQ 8, BCD or binary, 12/24 h).
 *
 * The clock is the host's UTC plus rtc_timeoffset seconds plus, with
 * localtime = 1, the host time zone's offset from UTC when the VM was
 * started or reset (as xl does: the sum is fixed when the domain is built,
 * so a DST change on the host does not move a running guest's clock; the
 * guest adjusts it itself), plus what the guest changed by setting the
 * time. SeaBIOS needs the periodic interrupt: INT 15h AH=86h waits on it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/cmos.h"
#include "core/util.h"
#include "core/vm.h"

#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define A_UIP 0x80
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM 0x04    /* binary, not BCD */
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define CMOS_CENTURY 0x32

struct cmos {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t ram[128];
	int64_t offset;          /* what the guest set: guest time minus host time, seconds */
	int64_t start_offset;    /* rtc_timeoffset + the time zone's, fixed at start and reset */
	int64_t last_second;     /* for the update-ended flag */
	bool irq;
	bool irq_off;            /* an HPET in legacy replacement mode owns IRQ 8 */
	struct evtimer *periodic, *second;
	uint64_t next_periodic;
	uint64_t period_ns;
};

/* rtc_timeoffset, and with localtime = 1 the host's UTC offset now (TZ) */
static int64_t start_offset(struct vm *vm)
{
	int64_t off = vm->cfg->rtc_timeoffset;
	if (vm->cfg->localtime) {
		struct tm tm;
		time_t now = time(NULL);
		if (localtime_r(&now, &tm))
			off += tm.tm_gmtoff;
	}
	return off;
}

static int64_t guest_now(struct cmos *c)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + c->offset + c->start_offset;
}

static uint8_t to_reg(struct cmos *c, int v)
{
	v = (v % 100 + 100) % 100; /* two digits, also for years a guest set before 1900 */
	return (c->ram[REG_B] & B_DM) ? v : ((v / 10) << 4) | (v % 10);
}

static int from_reg(struct cmos *c, uint8_t v)
{
	return (c->ram[REG_B] & B_DM) ? v : (v >> 4) * 10 + (v & 0xf);
}

/* Fill the time registers from the clock. */
static void latch_time(struct cmos *c)
{
	time_t t = guest_now(c);
	struct tm tm;
	gmtime_r(&t, &tm);
	c->ram[0x00] = to_reg(c, tm.tm_sec);
	c->ram[0x02] = to_reg(c, tm.tm_min);
	if (c->ram[REG_B] & B_24H) {
		c->ram[0x04] = to_reg(c, tm.tm_hour);
	} else {
		int h = tm.tm_hour % 12;
		c->ram[0x04] = to_reg(c, h ? h : 12) | (tm.tm_hour >= 12 ? 0x80 : 0);
	}
	c->ram[0x06] = to_reg(c, tm.tm_wday + 1);
	c->ram[0x07] = to_reg(c, tm.tm_mday);
	c->ram[0x08] = to_reg(c, tm.tm_mon + 1);
	c->ram[0x09] = to_reg(c, tm.tm_year % 100);
	c->ram[CMOS_CENTURY] = to_reg(c, 19 + tm.tm_year / 100);
}

/* The guest set the time: derive the new offset from the registers. */
static void take_time(struct cmos *c)
{
	struct tm tm = { 0 };
	tm.tm_sec = from_reg(c, c->ram[0x00]);
	tm.tm_min = from_reg(c, c->ram[0x02]);
	uint8_t h = c->ram[0x04];
	if (c->ram[REG_B] & B_24H) {
		tm.tm_hour = from_reg(c, h);
	} else {
		tm.tm_hour = from_reg(c, h & 0x7f) % 12 + ((h & 0x80) ? 12 : 0);
	}
	tm.tm_mday = from_reg(c, c->ram[0x07]);
	tm.tm_mon = from_reg(c, c->ram[0x08]) - 1;
	tm.tm_year = from_reg(c, c->ram[CMOS_CENTURY]) * 100 + from_reg(c, c->ram[0x09]) - 1900;
	time_t want = timegm(&tm);
	if (want == (time_t)-1)
		return;
	c->offset += want - guest_now(c);
}

static void update_irq(struct cmos *c)
{
	uint8_t b = c->ram[REG_B], f = c->ram[REG_C];
	bool on = ((b & B_PIE) && (f & C_PF)) || ((b & B_AIE) && (f & C_AF)) ||
		  ((b & B_UIE) && (f & C_UF));
	if (on)
		c->ram[REG_C] |= C_IRQF;
	bool line = on && !c->irq_off;
	if (line != c->irq) {
		c->irq = line;
		vm_set_irq(c->vm, 8, line);
	}
}

/* Periodic rate from register A's RS bits (datasheet table 3): 0 = off. */
static uint64_t periodic_ns(struct cmos *c)
{
	unsigned rs = c->ram[REG_A] & 0xf;
	if (!rs || (c->ram[REG_A] & 0x70) != 0x20)
		return 0;
	if (rs <= 2)
		rs += 7;
	return 1000000000ull * (1u << (rs - 1)) / 32768;
}

static void periodic_fire(void *opaque)
{
	struct cmos *c = opaque;
	pthread_mutex_lock(&c->lock);
	if (c->period_ns && (c->ram[REG_B] & B_PIE)) {
		c->ram[REG_C] |= C_PF;
		update_irq(c);
		uint64_t now = clock_ns();
		c->next_periodic += c->period_ns;
		if (c->next_periodic < now) /* fell behind (host busy): do not burst */
			c->next_periodic = now + c->period_ns;
		evtimer_arm_at(c->periodic, c->next_periodic);
	}
	pthread_mutex_unlock(&c->lock);
}

static void program_periodic(struct cmos *c)
{
	uint64_t p = (c->ram[REG_B] & B_PIE) ? periodic_ns(c) : 0;
	if (p == c->period_ns && (p == 0) == !evtimer_armed(c->periodic))
		return;
	c->period_ns = p;
	if (p) {
		c->next_periodic = clock_ns() + p;
		evtimer_arm_at(c->periodic, c->next_periodic);
	} else {
		evtimer_cancel(c->periodic);
	}
}

/*
 * Nanoseconds until the guest's seconds register changes: its offsets from
 * the host's clock are whole seconds, so that is when CLOCK_REALTIME's
 * second ends (not CLOCK_MONOTONIC's, whose seconds end at another phase).
 * The update cycle ends then, with UF and the alarm check (datasheet,
 * "update cycle"), as UIP in register A already assumes.
 */
static uint64_t ns_to_update(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return 1000000000ull - (uint64_t)ts.tv_nsec;
}

/* Once a second while update or alarm interrupts are enabled. */
static void second_fire(void *opaque)
{
	struct cmos *c = opaque;
	pthread_mutex_lock(&c->lock);
	if (!(c->ram[REG_B] & B_SET)) {
		c->ram[REG_C] |= C_UF;
		latch_time(c);
		/* alarm: each of the three bytes matches, or is "don't care" (0xC0-0xFF) */
		bool match = true;
		static const int pairs[3][2] = { { 1, 0 }, { 3, 2 }, { 5, 4 } };
		for (int i = 0; i < 3; i++) {
			uint8_t a = c->ram[pairs[i][0]];
			if ((a & 0xc0) != 0xc0 && a != c->ram[pairs[i][1]])
				match = false;
		}
		if (match)
			c->ram[REG_C] |= C_AF;
		update_irq(c);
	}
	if (c->ram[REG_B] & (B_UIE | B_AIE)) {
		/* a timer that fired a hair early (the wall clock slewed) would
		 * otherwise fire again within the same second */
		uint64_t next = ns_to_update();
		evtimer_arm_in(c->second, next < 1000000ull ? next + 1000000000ull : next);
	}
	pthread_mutex_unlock(&c->lock);
}

static uint8_t read_reg(struct cmos *c, unsigned r)
{
	switch (r) {
	case 0x00: case 0x02: case 0x04: case 0x06: case 0x07: case 0x08: case 0x09:
	case CMOS_CENTURY:
		if (!(c->ram[REG_B] & B_SET))
			latch_time(c);
		return c->ram[r];
	case REG_A: {
		/* UIP is set for the last 244 us before each update (datasheet, UIP bit) */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		bool uip = ts.tv_nsec >= 1000000000 - 244000 && !(c->ram[REG_B] & B_SET);
		return (c->ram[REG_A] & 0x7f) | (uip ? A_UIP : 0);
	}
	case REG_C: {
		int64_t s = guest_now(c);
		if (s != c->last_second && !(c->ram[REG_B] & B_SET)) {
			c->ram[REG_C] |= C_UF; /* seconds went by: an update has ended */
			c->last_second = s;
		}
		uint8_t v = c->ram[REG_C];
		c->ram[REG_C] = 0; /* reading clears the flags and the interrupt */
		update_irq(c);
		return v;
	}
	case REG_D:
		return 0x80; /* valid RAM and time */
	default:
		return c->ram[r];
	}
}

static void write_reg(struct cmos *c, unsigned r, uint8_t v)
{
	switch (r) {
	case 0x00: case 0x02: case 0x04: case 0x06: case 0x07: case 0x08: case 0x09:
	case CMOS_CENTURY:
		if (!(c->ram[REG_B] & B_SET))
			latch_time(c);
		c->ram[r] = v;
		if (!(c->ram[REG_B] & B_SET))
			take_time(c);
		break;
	case REG_A:
		c->ram[REG_A] = v & 0x7f;
		program_periodic(c);
		break;
	case REG_B: {
		uint8_t old = c->ram[REG_B];
		if ((old & B_SET) && !(v & B_SET)) {
			c->ram[REG_B] = v;
			take_time(c);
		} else {
			c->ram[REG_B] = v;
			if (!(old & B_SET) && (v & B_SET))
				latch_time(c); /* freeze what the guest will edit, in the new format */
		}
		if (v & B_SET)
			c->ram[REG_B] &= ~B_UIE; /* SET clears UIE (datasheet, register B) */
		program_periodic(c);
		if ((c->ram[REG_B] & (B_UIE | B_AIE)) && !evtimer_armed(c->second))
			evtimer_arm_in(c->second, ns_to_update());
		update_irq(c);
		break;
	}
	case REG_C:
	case REG_D:
		break; /* read-only */
	default:
		c->ram[r] = v;
	}
}

static uint64_t cmos_read(void *opaque, uint64_t off, unsigned size)
{
	struct cmos *c = opaque;
	(void)size;
	if (off == 0)
		return 0xff;
	pthread_mutex_lock(&c->lock);
	uint8_t v = read_reg(c, c->index);
	pthread_mutex_unlock(&c->lock);
	return v;
}

static void cmos_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct cmos *c = opaque;
	(void)size;
	pthread_mutex_lock(&c->lock);
	if (off == 0)
		c->index = val & 0x7f; /* bit 7 is the NMI mask */
	else
		write_reg(c, c->index, val);
	pthread_mutex_unlock(&c->lock);
}

static const struct io_ops cmos_ops = { .read = cmos_read, .write = cmos_write };

void cmos_set(struct vm *vm, unsigned reg, uint8_t val)
{
	struct cmos *c = vm_lookup(vm, "cmos");
	if (!c || reg >= 128)
		return;
	pthread_mutex_lock(&c->lock);
	c->ram[reg] = val;
	pthread_mutex_unlock(&c->lock);
}

uint8_t cmos_get(struct vm *vm, unsigned reg)
{
	struct cmos *c = vm_lookup(vm, "cmos");
	if (!c || reg >= 128)
		return 0xff;
	pthread_mutex_lock(&c->lock);
	uint8_t v = c->ram[reg];
	pthread_mutex_unlock(&c->lock);
	return v;
}

void cmos_irq_enable(struct vm *vm, bool on)
{
	struct cmos *c = vm_lookup(vm, "cmos");
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->irq_off = !on;
	update_irq(c);
	pthread_mutex_unlock(&c->lock);
}

/* Boot device codes for CMOS 0x3D/0x38: floppy 1, hard disk 2, CD-ROM 3, network 4. */
static unsigned boot_code(char letter)
{
	switch (letter) {
	case 'a': return 1;
	case 'c': return 2;
	case 'd': return 3;
	case 'n': return 4;
	default: return 0;
	}
}

static void fill_config_bytes(struct cmos *c)
{
	struct vm *vm = c->vm;
	c->ram[REG_A] = 0x26;
	c->ram[REG_B] = B_24H;
	c->ram[0x0f] = 0;
	c->ram[0x14] = 0x06;                 /* FPU, PS/2 mouse */
	st16(c->ram + 0x15, 640);            /* base memory KiB */
	uint64_t ext = vm->low_ram > 0x100000 ? (vm->low_ram - 0x100000) >> 10 : 0;
	st16(c->ram + 0x17, MIN(ext, 0xffff));
	st16(c->ram + 0x30, MIN(ext, 0xffff));
	uint64_t above16 = vm->low_ram > 0x1000000 ? (vm->low_ram - 0x1000000) >> 16 : 0;
	st16(c->ram + 0x34, MIN(above16, 0xffff));
	uint64_t high = vm->high_ram >> 16;
	c->ram[0x5b] = high;
	c->ram[0x5c] = high >> 8;
	c->ram[0x5d] = high >> 16;
	c->ram[0x5f] = vm->n_vcpus - 1;
	const char *boot = vm->cfg->boot ? vm->cfg->boot : "cd";
	unsigned codes[3] = { 0 };
	for (unsigned i = 0, n = 0; boot[i] && n < 3; i++)
		if (boot_code(boot[i]))
			codes[n++] = boot_code(boot[i]);
	c->ram[0x3d] = codes[0] | codes[1] << 4;
	c->ram[0x38] = codes[2] << 4;
}

static void cmos_reset(void *opaque)
{
	struct cmos *c = opaque;
	pthread_mutex_lock(&c->lock);
	c->ram[REG_B] &= ~(B_PIE | B_AIE | B_UIE | B_SET);
	c->ram[REG_C] = 0;
	c->ram[0x0f] = 0;
	c->start_offset = start_offset(c->vm);  /* xl builds the domain again */
	program_periodic(c);
	evtimer_cancel(c->second);
	update_irq(c);
	pthread_mutex_unlock(&c->lock);
}

static void cmos_free(void *opaque)
{
	struct cmos *c = opaque;
	evtimer_free(c->periodic);
	evtimer_free(c->second);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int cmos_create(struct vm *vm)
{
	struct cmos *c = xzalloc(sizeof(*c));
	c->vm = vm;
	c->start_offset = start_offset(vm);
	pthread_mutex_init(&c->lock, NULL);
	c->periodic = evtimer_new(vm->loop, periodic_fire, c);
	c->second = evtimer_new(vm->loop, second_fire, c);
	fill_config_bytes(c);
	vm_add_free_hook(vm, cmos_free, c);
	vm_add_reset_hook(vm, cmos_reset, c);
	vm_publish(vm, "cmos", c);
	return vm_register_pio(vm, 0x70, 2, &cmos_ops, c, "cmos");
}
