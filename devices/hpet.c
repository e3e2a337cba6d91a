/*
 * High Precision Event Timer, after the IA-PC HPET specification 1.0a
 * (section numbers below are that document's): one timer block at
 * 0xFED00000 with a 64-bit main counter and three comparators.
 *
 * The main counter counts 10 ns ticks of guest time (vm_guest_ns), so it
 * stands still while the VM is paused and agrees with the guest's PIT and
 * TSC. Matches are found by catching up: every register access and the
 * block's host timer bring the counter up to date and look for comparators
 * it went past since the last look. The host timer is only armed at the
 * earliest next interrupt; nothing depends on it firing on time.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "devices/cmos.h"
#include "devices/hpet.h"
#include "core/util.h"
#include "core/vm.h"

#define N_TIMERS 3
#define NS_PER_TICK (HPET_PERIOD_FS / 1000000u)
#define MIN_ARM_NS 10000   /* a tiny periodic comparator cannot spin the io thread */

/* Register offsets (2.3.1) */
#define R_CAP 0x000
#define R_CFG 0x010
#define R_ISR 0x020
#define R_COUNTER 0x0F0
#define R_TIMER0 0x100     /* timer n at R_TIMER0 + 0x20 * n: */
#define T_CONFIG 0x00      /*   configuration and capabilities (2.3.8) */
#define T_CMP 0x08         /*   comparator (2.3.9) */
#define T_FSB 0x10         /*   FSB interrupt route (2.3.10): no FSB delivery here */

/* General Capabilities and ID (2.3.4): revision 1, 3 timers, 64-bit counter,
 * legacy replacement capable, Intel's vendor ID, the period above. */
#define CAP_VALUE (1ull | (uint64_t)(N_TIMERS - 1) << 8 | 1ull << 13 | 1ull << 15 | \
		   0x8086ull << 16 | (uint64_t)HPET_PERIOD_FS << 32)

/* General Configuration (2.3.5) */
#define CFG_ENABLE 1ull   /* 0: the counter halts and no timer interrupts */
#define CFG_LEGACY 2ull   /* timer 0 -> IRQ 0 (I/O APIC 2), timer 1 -> IRQ 8; PIT and RTC silent */

/* Timer configuration and capabilities (2.3.8) */
#define TN_LEVEL (1ull << 1)
#define TN_INT_ENB (1ull << 2)
#define TN_PERIODIC (1ull << 3)
#define TN_PER_CAP (1ull << 4)
#define TN_SIZE_CAP (1ull << 5)
#define TN_VAL_SET (1ull << 6)
#define TN_32BIT (1ull << 8)
#define TN_ROUTE_SHIFT 9
#define TN_ROUTE_MASK (31ull << TN_ROUTE_SHIFT)
#define TN_WRITABLE (TN_LEVEL | TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | TN_32BIT | TN_ROUTE_MASK)
/* Inputs a timer may be routed to (Tn_INT_ROUTE_CAP): I/O APIC 16-23, which
 * no ISA device drives; GSI n is I/O APIC input n there. */
#define ROUTE_CAP 0x00FF0000u

struct hpet_timer {
	uint64_t config;   /* the writable bits of 2.3.8 */
	uint64_t cmp;      /* comparator; 32 bits wide in 32-bit mode */
	uint64_t period;   /* the periodic increment (last value written) */
};

struct hpet {
	struct vm *vm;
	pthread_mutex_t lock;
	uint64_t config;
	uint64_t isr;          /* interrupt status (2.3.6): level-triggered timers only */
	uint64_t counter;      /* the main counter at base_ns (its value while halted) */
	uint64_t base_ns;
	uint64_t last;         /* matches up to this counter value are done */
	uint32_t lines;        /* GSIs held high by level-triggered timers */
	bool legacy;           /* PIT and RTC interrupts handed to timers 0 and 1 */
	uint64_t armed_ns;     /* guest ns from the last look to the armed interrupt */
	uint64_t armed_at;     /* the counter value the host timer is armed for */
	struct hpet_timer t[N_TIMERS];
	struct evtimer *timer;
};

static uint64_t width_mask(const struct hpet_timer *t)
{
	return (t->config & TN_32BIT) ? 0xFFFFFFFFull : ~0ull;
}

static uint64_t counter_now(struct hpet *h)
{
	if (!(h->config & CFG_ENABLE))
		return h->counter;
	uint64_t now = vm_guest_ns(h->vm);
	uint64_t ns = now > h->base_ns ? now - h->base_ns : 0;
	return h->counter + ns / NS_PER_TICK;
}

/* The GSI timer i raises, or -1 when its route goes nowhere. */
static int timer_gsi(struct hpet *h, unsigned i)
{
	if ((h->config & CFG_LEGACY) && i < 2)
		return i == 0 ? 0 : 8;  /* GSI 0 is the PIC's IRQ 0 and I/O APIC input 2 */
	unsigned r = (h->t[i].config & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT;
	return (ROUTE_CAP >> r) & 1 ? (int)r : -1;
}

/* Level-triggered timers hold their line while their status bit is set. */
static void update_lines(struct hpet *h)
{
	uint32_t want = 0;
	if (h->config & CFG_ENABLE) {
		for (unsigned i = 0; i < N_TIMERS; i++) {
			int gsi = timer_gsi(h, i);
			uint64_t c = h->t[i].config;
			if (gsi >= 0 && (c & TN_LEVEL) && (c & TN_INT_ENB) && ((h->isr >> i) & 1))
				want |= 1u << gsi;
		}
	}
	uint32_t changed = want ^ h->lines;
	h->lines = want;
	for (unsigned gsi = 0; changed; gsi++, changed >>= 1)
		if (changed & 1)
			vm_set_irq(h->vm, gsi, (want >> gsi) & 1);
}

static void fire(struct hpet *h, unsigned i)
{
	uint64_t c = h->t[i].config;
	if (c & TN_LEVEL) {
		h->isr |= 1ull << i;
		return;                 /* update_lines raises it */
	}
	int gsi = timer_gsi(h, i);
	/* edge: one pulse (a line a level timer holds high is left alone) */
	if ((c & TN_INT_ENB) && gsi >= 0 && !((h->lines >> gsi) & 1))
		vm_pulse_irq(h->vm, (unsigned)gsi);
}

/*
 * Comparators the counter went past in (h->last, now]. A 32-bit timer
 * compares the counter's low half and matches again every 2^32 ticks
 * (2.3.9); a periodic one then moves its comparator past now by whole
 * periods: one interrupt however far behind the look came.
 */
static void catch_up(struct hpet *h)
{
	if (!(h->config & CFG_ENABLE))
		return;
	uint64_t now = counter_now(h), span = now - h->last;
	for (unsigned i = 0; i < N_TIMERS; i++) {
		struct hpet_timer *t = &h->t[i];
		uint64_t m = width_mask(t);
		uint64_t d = (t->cmp - h->last) & m;
		bool hit = span > m || (d != 0 && d <= span);
		if (!hit)
			continue;
		fire(h, i);
		uint64_t p = t->period & m;
		if ((t->config & TN_PERIODIC) && p) {
			uint64_t past = (now - t->cmp) & m;
			t->cmp = (t->cmp + (past / p + 1) * p) & m;
		}
	}
	h->last = now;
	update_lines(h);
}

/* Arm the host timer at the earliest comparator whose interrupt is enabled. */
static void rearm(struct hpet *h)
{
	uint64_t best = 0;
	if (h->config & CFG_ENABLE) {
		for (unsigned i = 0; i < N_TIMERS; i++) {
			struct hpet_timer *t = &h->t[i];
			if (!(t->config & TN_INT_ENB) || timer_gsi(h, i) < 0)
				continue;
			uint64_t m = width_mask(t);
			uint64_t d = (t->cmp - h->last) & m;
			if (d == 0) {
				if (m == ~0ull)
					continue;   /* a 64-bit counter does not come round again */
				d = m + 1;
			}
			if (!best || d < best)
				best = d;
		}
	}
	if (!best) {
		h->armed_ns = 0;
		if (h->timer)
			evtimer_cancel(h->timer);
		return;
	}
	uint64_t ns = best > UINT64_MAX / NS_PER_TICK ? UINT64_MAX : best * NS_PER_TICK;
	h->armed_ns = ns;
	/* a guest reading the counter in a loop costs no timerfd call each time */
	if (!h->timer || (evtimer_armed(h->timer) && h->armed_at == h->last + best))
		return;
	h->armed_at = h->last + best;
	evtimer_arm_in(h->timer, ns < MIN_ARM_NS ? MIN_ARM_NS : ns);
}

static void set_legacy(struct hpet *h, bool on)
{
	if (on == h->legacy)
		return;
	h->legacy = on;
	vm_pit_irq_enable(h->vm, !on);
	cmos_irq_enable(h->vm, !on);
}

static uint64_t read_reg(struct hpet *h, unsigned reg)
{
	switch (reg) {
	case R_CAP:
		return CAP_VALUE;
	case R_CFG:
		return h->config;
	case R_ISR:
		return h->isr;
	case R_COUNTER:
		return counter_now(h);
	}
	if (reg < R_TIMER0 || reg >= R_TIMER0 + 0x20 * N_TIMERS)
		return 0;
	struct hpet_timer *t = &h->t[(reg - R_TIMER0) / 0x20];
	switch (reg & 0x1F) {
	case T_CONFIG:
		return t->config | TN_PER_CAP | TN_SIZE_CAP | (uint64_t)ROUTE_CAP << 32;
	case T_CMP:
		return t->cmp & width_mask(t);
	default:
		return 0;
	}
}

/*
 * A write of the bytes in mask (the rest of the 64-bit register kept).
 * low_only: the low half of the register alone was written.
 */
static void write_reg(struct hpet *h, unsigned reg, uint64_t val, uint64_t mask, bool low_only)
{
	uint64_t now;
	switch (reg) {
	case R_CFG: {
		uint64_t old = h->config, nv = ((old & ~mask) | (val & mask)) & (CFG_ENABLE | CFG_LEGACY);
		if ((old ^ nv) & CFG_ENABLE) {
			if (nv & CFG_ENABLE) {
				h->base_ns = vm_guest_ns(h->vm);
				h->last = h->counter;
			} else {
				h->counter = counter_now(h);
			}
		}
		h->config = nv;
		set_legacy(h, nv & CFG_LEGACY);
		return;
	}
	case R_ISR:
		/* write 1 to clear (2.3.6) */
		h->isr &= ~(val & mask);
		return;
	case R_COUNTER:
		/* the spec wants it halted first; a running counter is rebased */
		now = counter_now(h);
		h->counter = (now & ~mask) | (val & mask);
		h->base_ns = vm_guest_ns(h->vm);
		h->last = h->counter;
		return;
	}
	if (reg < R_TIMER0 || reg >= R_TIMER0 + 0x20 * N_TIMERS)
		return;
	unsigned i = (reg - R_TIMER0) / 0x20;
	struct hpet_timer *t = &h->t[i];
	switch (reg & 0x1F) {
	case T_CONFIG: {
		uint64_t nv = ((t->config & ~mask) | (val & mask)) & TN_WRITABLE;
		t->config = nv;
		if (nv & TN_32BIT) {
			t->cmp &= 0xFFFFFFFFull;
			t->period &= 0xFFFFFFFFull;
		}
		if (!(nv & TN_LEVEL))
			h->isr &= ~(1ull << i);  /* no status in edge mode (2.3.6) */
		return;
	}
	case T_CMP: {
		uint64_t m = width_mask(t);
		/* periodic: the value is the increment; with Tn_VAL_SET_CNF it also
		 * sets the comparator, and the bit clears itself (2.3.8) */
		if (!(t->config & TN_PERIODIC) || (t->config & TN_VAL_SET))
			t->cmp = ((t->cmp & ~mask) | (val & mask)) & m;
		t->period = ((t->period & ~mask) | (val & mask)) & m;
		/* a 64-bit comparator written in halves keeps it for the high half */
		if ((t->config & TN_32BIT) || !low_only)
			t->config &= ~TN_VAL_SET;
		return;
	}
	}
}

static uint64_t hpet_read(void *opaque, uint64_t off, unsigned size)
{
	struct hpet *h = opaque;
	unsigned sh = (off & 7) * 8;
	if (off >= HPET_LEN || size == 0 || size > 8 || (off & 7) + size > 8)
		return 0;
	pthread_mutex_lock(&h->lock);
	catch_up(h);
	uint64_t v = read_reg(h, (unsigned)(off & ~7ull)) >> sh;
	rearm(h);
	pthread_mutex_unlock(&h->lock);
	return size == 8 ? v : v & ((1ull << (size * 8)) - 1);
}

static void hpet_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct hpet *h = opaque;
	if (off >= HPET_LEN || size == 0 || size > 8 || (off & 7) + size > 8)
		return;   /* a write across two registers is dropped */
	unsigned sh = (off & 7) * 8;
	uint64_t mask = (size == 8 ? ~0ull : ((1ull << (size * 8)) - 1)) << sh;
	pthread_mutex_lock(&h->lock);
	catch_up(h);
	write_reg(h, (unsigned)(off & ~7ull), val << sh, mask, !(mask >> 32));
	update_lines(h);
	rearm(h);
	pthread_mutex_unlock(&h->lock);
}

static const struct io_ops hpet_ops = { .read = hpet_read, .write = hpet_write };

uint64_t hpet_poll(struct vm *vm)
{
	struct hpet *h = vm_lookup(vm, "hpet");
	if (!h)
		return 0;
	pthread_mutex_lock(&h->lock);
	catch_up(h);
	rearm(h);
	uint64_t ns = h->armed_ns;
	pthread_mutex_unlock(&h->lock);
	return ns;
}

static void hpet_timer_fn(void *opaque)
{
	struct hpet *h = opaque;
	hpet_poll(h->vm);
}

static void hpet_reset(void *opaque)
{
	struct hpet *h = opaque;
	pthread_mutex_lock(&h->lock);
	h->config = 0;
	h->isr = 0;
	h->counter = h->last = 0;
	for (unsigned i = 0; i < N_TIMERS; i++)
		h->t[i] = (struct hpet_timer){ .config = 0, .cmp = ~0ull, .period = 0 };
	set_legacy(h, false);
	update_lines(h);
	rearm(h);
	pthread_mutex_unlock(&h->lock);
}

static void hpet_free(void *opaque)
{
	struct hpet *h = opaque;
	evtimer_free(h->timer);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int hpet_create(struct vm *vm)
{
	if (!vm->cfg->hpet)
		return 0;
	struct hpet *h = xzalloc(sizeof(*h));
	h->vm = vm;
	pthread_mutex_init(&h->lock, NULL);
	h->timer = evtimer_new(vm->loop, hpet_timer_fn, h);
	for (unsigned i = 0; i < N_TIMERS; i++)
		h->t[i].cmp = ~0ull;
	vm_add_free_hook(vm, hpet_free, h);
	vm_add_reset_hook(vm, hpet_reset, h);
	vm_publish(vm, "hpet", h);
	return vm_register_mmio(vm, HPET_BASE, HPET_LEN, &hpet_ops, h, "hpet");
}

/* after the CMOS, whose IRQ 8 legacy replacement takes over */
