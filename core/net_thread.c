/*
 * What every back end's thread does alike (libslirp's in net_slirp.c, the
 * TAP's in net_tap.c): a frame for the guest handed to the card or held in
 * order, the held frames retried, rate='s credit, and calls from other
 * threads (the monitor) run on the port's own thread.
 */
#include "core/net_priv.h"

#include <unistd.h>

#include "core/util.h"
#include "core/vm.h"

static void count_rx(struct netport *p, size_t len)
{
	pthread_mutex_lock(&p->lock);
	p->rx_frames++;
	p->rx_bytes += len;
	pthread_mutex_unlock(&p->lock);
	p->vm->stats.net_rx_bytes += len;
}

bool net_deliver(struct netport *p, const uint8_t *frame, size_t len)
{
	if (!net_wire_rx(p, frame, len))
		return true;   /* the cable is out (set_link off): dropped, counted */
	pthread_mutex_lock(&p->lock);
	bool backlog = p->rxq.head != p->rxq.tail;
	pthread_mutex_unlock(&p->lock);
	/* frames keep their order: behind a backlog, a new one waits too */
	if (!backlog && p->rx(p->rx_opaque, frame, len)) {
		count_rx(p, len);
		return true;
	}
	pthread_mutex_lock(&p->lock);
	bool held = netq_put(&p->rxq, NET_RXQ, frame, len);
	if (!held)
		p->rx_dropped++;
	pthread_mutex_unlock(&p->lock);
	return held;
}

void net_tx_done(struct netport *p, bool lost)
{
	pthread_mutex_lock(&p->lock);
	netq_drop(&p->txq);
	if (lost)
		p->tx_dropped++;
	bool wake = p->tx_waiting && netq_room(&p->txq, NET_TXQ) >= p->tx_need;
	if (wake)
		p->tx_waiting = false;
	pthread_mutex_unlock(&p->lock);
	if (wake)
		p->tx_fn(p->tx_opaque);
}

bool net_flush_rx(struct netport *p)
{
	uint8_t buf[NET_MAX_FRAME];
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t len = netq_peek(&p->rxq, buf);
		pthread_mutex_unlock(&p->lock);
		if (!len)
			return true;
		if (!p->rx(p->rx_opaque, buf, len))
			return false;
		pthread_mutex_lock(&p->lock);
		netq_drop(&p->rxq);
		pthread_mutex_unlock(&p->lock);
		count_rx(p, len);
	}
}

bool net_rxq_full(struct netport *p)
{
	pthread_mutex_lock(&p->lock);
	bool full = !netq_room(&p->rxq, NET_RXQ);
	pthread_mutex_unlock(&p->lock);
	return full;
}

uint64_t net_tx_credit(struct netport *p, size_t len)
{
	const struct vif_spec *v = p->vif;
	if (!v || !v->rate_bps)
		return 0;
	/* xl's credit scheduler: rate * interval bytes each interval */
	uint64_t now = clock_ns(), iv = (uint64_t)v->rate_interval_us * 1000;
	uint64_t per = v->rate_bps * v->rate_interval_us / 1000000;
	if (per < NET_MAX_FRAME)
		per = NET_MAX_FRAME;
	if (now >= p->refilled_ns + iv) {
		p->credit = per;
		p->refilled_ns = now;
	}
	if (p->credit < len)
		return p->refilled_ns + iv - now;
	p->credit -= len;
	return 0;
}

void net_serve_request(struct netport *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->req_pending) {
		pthread_mutex_unlock(&p->lock);
		int rc = p->req_fn(p, p->req_arg);
		pthread_mutex_lock(&p->lock);
		p->req_rc = rc;
		p->req_pending = false;
		pthread_cond_broadcast(&p->req_cond);
	}
	pthread_mutex_unlock(&p->lock);
}

int net_call(struct netport *p, int (*fn)(struct netport *, void *), void *arg)
{
	if (!p->thread_started)
		return fn(p, arg);   /* unit tests: no thread */
	pthread_mutex_lock(&p->call_lock);
	pthread_mutex_lock(&p->lock);
	p->req_fn = fn;
	p->req_arg = arg;
	p->req_pending = true;
	net_wake(p);
	while (p->req_pending)
		pthread_cond_wait(&p->req_cond, &p->lock);
	int rc = p->req_rc;
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_unlock(&p->call_lock);
	return rc;
}

void net_wake(struct netport *p)
{
	uint64_t one = 1;
	if (p->wake_fd >= 0 && write(p->wake_fd, &one, sizeof(one)) < 0) {
		/* the counter is full: the thread is awake anyway */
	}
}

void net_wait_drain(struct netport *p)
{
	uint64_t v;
	if (read(p->wake_fd, &v, sizeof(v)) < 0) {
		/* nothing to do: it is a counter */
	}
}

int net_thread_start(struct netport *p, void *(*fn)(void *))
{
	p->refilled_ns = 0;   /* rate=: the first frame finds a full bucket */
	if (pthread_create(&p->thread, NULL, fn, p)) {
		msg_error("%s: cannot start its thread", p->name);
		return -1;
	}
	p->thread_started = true;
	thread_set_name(p->thread, "net-%s", p->name);
	return 0;
}

void net_thread_stop(struct netport *p)
{
	if (p->thread_started) {
		p->stop = true;
		net_wake(p);
		pthread_join(p->thread, NULL);
		p->thread_started = false;
	}
}
