/*
 * User-mode NAT through libslirp: 10.0.2.0/24, the guest 10.0.2.15 by DHCP,
 * the gateway 10.0.2.2 (this machine's own addresses, 127.0.0.1 included),
 * DNS at 10.0.2.3, TFTP from the vif's tftp= directory with bootfile= named
 * by DHCP. One thread per port owns its Slirp: every libslirp call is made
 * there, the monitor's through net_call.
 */
#include "core/net_priv.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "core/vm.h"

/* ---- libslirp's callbacks (on the port's thread) ---------------------- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct netport *p = opaque;
	if (len > NET_MAX_FRAME) {
		pthread_mutex_lock(&p->lock);
		p->rx_dropped++;
		p->rx_too_long++;
		pthread_mutex_unlock(&p->lock);
		return (ssize_t)len;
	}
	/* a full queue drops: slirp's TCP retransmits; DHCP and TFTP retry */
	net_deliver(p, buf, len);
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	struct netport *p = opaque;
	vm_log(p->vm, "%s: slirp: %s", p->name, msg);
}

static int64_t cb_clock_ns(void *opaque)
{
	(void)opaque;
	return (int64_t)clock_ns();
}

static struct net_timer *timer_alloc(struct netport *p)
{
	for (unsigned i = 0; i < NET_MAX_TIMERS; i++)
		if (!p->timers[i].used) {
			p->timers[i] = (struct net_timer){ .used = true };
			return &p->timers[i];
		}
	die("%s: libslirp asked for more than %d timers", p->name, NET_MAX_TIMERS);
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct net_timer *t = timer_alloc(opaque);
	t->cb = cb;
	t->cb_opaque = cb_opaque;
	return t;
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct net_timer *t = timer_alloc(opaque);
	t->id = id;
	t->cb_opaque = cb_opaque;
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	(void)opaque;
	((struct net_timer *)timer)->used = false;
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct net_timer *t = timer;
	(void)opaque;
	t->expire_ms = expire_ms;
	t->armed = true;
}

static void cb_poll_fd(int fd, void *opaque)
{
	(void)fd; (void)opaque;   /* every fd is polled afresh each round */
}

static void cb_notify(void *opaque)
{
	net_wake(opaque);
}

static const SlirpCb callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_poll_fd,
	.unregister_poll_fd = cb_poll_fd,
	.notify = cb_notify,
	.timer_new_opaque = cb_timer_new_opaque,
};

static int cb_add_poll(int fd, int events, void *opaque)
{
	struct netport *p = opaque;
	if (p->n_pfds == p->cap_pfds) {
		p->cap_pfds = p->cap_pfds ? 2 * p->cap_pfds : 32;
		p->pfds = xrealloc(p->pfds, p->cap_pfds * sizeof(*p->pfds));
	}
	short ev = 0;
	ev |= (events & SLIRP_POLL_IN) ? POLLIN : 0;
	ev |= (events & SLIRP_POLL_OUT) ? POLLOUT : 0;
	ev |= (events & SLIRP_POLL_PRI) ? POLLPRI : 0;
	ev |= (events & SLIRP_POLL_ERR) ? POLLERR : 0;
	ev |= (events & SLIRP_POLL_HUP) ? POLLHUP : 0;
	p->pfds[p->n_pfds] = (struct pollfd){ .fd = fd, .events = ev };
	return (int)p->n_pfds++;
}

static int cb_get_revents(int idx, void *opaque)
{
	struct netport *p = opaque;
	if (idx < 0 || (unsigned)idx >= p->n_pfds)
		return 0;
	short r = p->pfds[idx].revents;
	return ((r & POLLIN) ? SLIRP_POLL_IN : 0) | ((r & POLLOUT) ? SLIRP_POLL_OUT : 0) |
	       ((r & POLLPRI) ? SLIRP_POLL_PRI : 0) | ((r & POLLERR) ? SLIRP_POLL_ERR : 0) |
	       ((r & POLLHUP) ? SLIRP_POLL_HUP : 0);
}

/* ---- the thread ------------------------------------------------------- */

/* Frames from the guest into slirp within rate=; ns to wait for credit, or 0. */
static uint64_t drain_tx(struct netport *p)
{
	uint8_t buf[NET_MAX_FRAME];
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t len = netq_peek(&p->txq, buf);
		pthread_mutex_unlock(&p->lock);
		if (!len)
			return 0;
		uint64_t wait = net_tx_credit(p, len);
		if (wait)
			return wait;
		slirp_input(p->slirp, buf, (int)len);
		net_tx_done(p, false);
	}
}

static void run_timers(struct netport *p)
{
	int64_t now = (int64_t)(clock_ns() / 1000000);
	for (unsigned i = 0; i < NET_MAX_TIMERS; i++) {
		struct net_timer *t = &p->timers[i];
		if (!t->used || !t->armed || t->expire_ms > now)
			continue;
		t->armed = false;
		if (t->cb)
			t->cb(t->cb_opaque);
		else
			slirp_handle_timer(p->slirp, t->id, t->cb_opaque);
	}
}

static void *port_thread(void *arg)
{
	struct netport *p = arg;
	while (!p->stop) {
		bool rx_stuck = !net_flush_rx(p);
		uint64_t tx_wait = drain_tx(p);
		net_serve_request(p);

		uint32_t timeout = 1000;
		p->n_pfds = 0;
		cb_add_poll(p->wake_fd, SLIRP_POLL_IN, p);
		slirp_pollfds_fill(p->slirp, &timeout, cb_add_poll, p);
		int64_t now = (int64_t)(clock_ns() / 1000000);
		for (unsigned i = 0; i < NET_MAX_TIMERS; i++) {
			struct net_timer *t = &p->timers[i];
			if (t->used && t->armed)
				timeout = MIN(timeout, t->expire_ms > now ? (uint32_t)(t->expire_ms - now) : 0);
		}
		if (tx_wait)
			timeout = MIN(timeout, (uint32_t)(tx_wait / 1000000) + 1);
		if (rx_stuck)
			timeout = MIN(timeout, 50u);   /* netport_rx_ready wakes us sooner */
		int n = poll(p->pfds, p->n_pfds, (int)timeout);
		if (n > 0 && (p->pfds[0].revents & POLLIN))
			net_wait_drain(p);
		slirp_pollfds_poll(p->slirp, n < 0, cb_get_revents, p);
		run_timers(p);
	}
	return NULL;
}

/* ---- start, stop, requests -------------------------------------------- */

int net_slirp_add_fwd(struct netport *p, const struct hostfwd *f)
{
	if (p->n_fwds == NET_MAX_FWDS)
		return -1;
	if (slirp_add_hostfwd(p->slirp, f->udp, f->host_addr, f->host_port, f->guest_addr,
			      f->guest_port) < 0)
		return -1;
	pthread_mutex_lock(&p->lock);   /* net_info reads the list */
	p->fwds[p->n_fwds++] = *f;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int net_slirp_remove_fwd(struct netport *p, const struct hostfwd *f)
{
	for (unsigned i = 0; i < p->n_fwds; i++) {
		struct hostfwd *g = &p->fwds[i];
		if (g->udp != f->udp || g->host_port != f->host_port ||
		    g->host_addr.s_addr != f->host_addr.s_addr)
			continue;
		if (slirp_remove_hostfwd(p->slirp, f->udp, f->host_addr, f->host_port) < 0)
			return -1;
		pthread_mutex_lock(&p->lock);
		p->fwds[i] = p->fwds[--p->n_fwds];
		pthread_mutex_unlock(&p->lock);
		return 0;
	}
	return -1;
}

int net_slirp_start(struct netport *p)
{
	const struct vif_spec *v = p->vif;
	SlirpConfig cfg = {
		.version = 4,
		.in_enabled = true,
		.vhostname = p->vm->name,
		.tftp_path = v ? v->tftp : NULL,
		.bootfile = v ? v->bootfile : NULL,
	};
	inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
	inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
	inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
	inet_pton(AF_INET, NET_GUEST_ADDR, &cfg.vdhcp_start);
	inet_pton(AF_INET, "10.0.2.3", &cfg.vnameserver);

	p->slirp = slirp_new(&cfg, &callbacks, p);
	if (!p->slirp) {
		msg_error("%s: libslirp could not start the NAT network", p->name);
		return -1;
	}
	for (unsigned i = 0; v && i < v->n_hostfwd; i++) {
		struct hostfwd f;
		size_t at;
		char why[160], rule[96];
		if (hostfwd_parse(v->hostfwd[i], false, &f, &at, why, sizeof(why)) < 0)
			continue;   /* the config parser refused it already */
		if (net_slirp_add_fwd(p, &f) < 0) {
			hostfwd_format(&f, rule, sizeof(rule));
			msg_error("%s: hostfwd %s: cannot listen on %s port %d (in use?)", p->name,
				  rule, f.udp ? "UDP" : "TCP", f.host_port);
			return -1;
		}
	}
	return net_thread_start(p, port_thread);
}

void net_slirp_stop(struct netport *p)
{
	net_thread_stop(p);
	if (p->slirp)
		slirp_cleanup(p->slirp);
	free(p->pfds);
}
