/*
 * e1000 interrupts (e1000.h): ICR & IMS drive the INTx line, ITR throttles
 * its assertions (SDM 13, "Interrupt Throttling Register"), and RXT0 and
 * TXDW may wait for the receive and transmit delay timers (RDTR/RADV,
 * TIDV/TADV). One timer of the VM's event loop serves them all, armed at
 * the earliest thing due: no busy wait on the vCPU's thread.
 */
#include "devices/e1000.h"
#include "core/evloop.h"
#include "core/util.h"

static void set_line(struct e1000 *s, bool level)
{
	if (s->line == level)
		return;
	s->line = level;
	if (s->pci.bus)
		pci_set_irq(&s->pci, level);
}

static uint64_t min_due(uint64_t due, uint64_t abs)
{
	return abs && abs < due ? abs : due;
}

/* When ITR lets the line rise again. */
static uint64_t itr_ready(const struct e1000 *s)
{
	return s->last_raise_ns + (uint64_t)(s->itr & 0xFFFF) * 256;
}

/* The one timer: at the earliest of a delayed cause and a throttled line. */
static void rearm(struct e1000 *s)
{
	if (!s->timer)
		return;
	uint64_t when = UINT64_MAX;
	if (s->rx_due_ns)
		when = min_due(s->rx_due_ns, s->rx_abs_ns);
	if (s->tx_due_ns && min_due(s->tx_due_ns, s->tx_abs_ns) < when)
		when = min_due(s->tx_due_ns, s->tx_abs_ns);
	if ((s->icr & s->ims) && !s->line && itr_ready(s) < when)
		when = itr_ready(s);
	if (when == s->timer_at)
		return;                   /* as it is: no system call on every register access */
	if (when == UINT64_MAX)
		evtimer_cancel(s->timer);
	else
		evtimer_arm_at(s->timer, when);
	s->timer_at = when;
}

/*
 * The line follows ICR & IMS, but ITR (SDM 13, "Interrupt Throttling
 * Register") keeps ITR x 256 ns between two assertions: a cause arriving
 * sooner waits for the timer. Dropping the line is never delayed.
 */
void e1000_update_irq(struct e1000 *s)
{
	if (!(s->icr & s->ims)) {
		set_line(s, false);
	} else if (!s->line) {
		uint64_t now = clock_ns();
		if (!s->timer || !s->last_raise_ns || now >= itr_ready(s)) {
			set_line(s, true);
			s->last_raise_ns = now;
		}
	}
	rearm(s);
}

void e1000_set_ics(struct e1000 *s, uint32_t causes)
{
	s->icr |= causes & ICR_VALID;
	e1000_update_irq(s);
}

/*
 * RXT0 and TXDW can wait (SDM 3, "Receive Interrupt Delay" and "Transmit
 * Interrupt Delay"): RDTR/TIDV (1.024 us units) restart with every frame,
 * RADV/TADV count from the first one still waiting. Zero: at once.
 */
void e1000_delay_irq(struct e1000 *s, bool rx)
{
	uint32_t delay = (rx ? s->rdtr : s->tidv) & 0xFFFF;
	uint32_t absolute = (rx ? s->radv : s->tadv) & 0xFFFF;
	if (!delay || !s->timer) {
		e1000_set_ics(s, rx ? ICR_RXT0 : ICR_TXDW);
		return;
	}
	uint64_t now = clock_ns();
	uint64_t *due = rx ? &s->rx_due_ns : &s->tx_due_ns;
	uint64_t *abs = rx ? &s->rx_abs_ns : &s->tx_abs_ns;
	*due = now + (uint64_t)delay * 1024;
	if (!*abs && absolute)
		*abs = now + (uint64_t)absolute * 1024;
	rearm(s);
}

/* The delay timers that are due (or all of them: a flush) raise their causes. */
static void fire_delays(struct e1000 *s, uint64_t now, bool flush_rx, bool flush_tx)
{
	if (s->rx_due_ns && (flush_rx || now >= min_due(s->rx_due_ns, s->rx_abs_ns))) {
		s->rx_due_ns = s->rx_abs_ns = 0;
		s->icr |= ICR_RXT0;
	}
	if (s->tx_due_ns && (flush_tx || now >= min_due(s->tx_due_ns, s->tx_abs_ns))) {
		s->tx_due_ns = s->tx_abs_ns = 0;
		s->icr |= ICR_TXDW;
	}
}

void e1000_timer_fire(void *opaque)
{
	struct e1000 *s = opaque;
	pthread_mutex_lock(&s->lock);
	s->timer_at = UINT64_MAX;     /* one-shot: it went off */
	fire_delays(s, clock_ns(), false, false);
	e1000_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

void e1000_flush_delay(struct e1000 *s, bool rx)
{
	fire_delays(s, clock_ns(), rx, !rx);
	e1000_update_irq(s);
}
