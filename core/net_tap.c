/*
 * A port on a TAP (bridge= or tap=; net_tapdev.c opened it): one thread
 * polls the TAP and the port's wake-up eventfd. Frames from the guest are
 * written to the TAP as they are, within rate=. Frames read from it go to
 * the card, or wait in the port's queue while the card has no room; while
 * that queue is full the TAP is not read, so frames wait in the kernel's
 * queue (the TAP's txqueuelen) and only beyond it does the kernel drop
 * them, counted in its own statistics, as for any slow interface. A frame
 * longer than NET_MAX_FRAME (a jumbo frame on a bridge with a large MTU)
 * is dropped and counted. Nothing is allocated per frame.
 */
#include "core/net_priv.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "core/vm.h"

#define TAP_BATCH 32   /* frames read in a row before the guest's get their turn */

/* Frames from the guest to the TAP. True when the TAP takes no more for
 * now (wait for POLLOUT); *wait: ns until rate= lets the next one go. */
static bool drain_tx(struct netport *p, uint64_t *wait)
{
	uint8_t buf[NET_MAX_FRAME];
	*wait = 0;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t len = netq_peek(&p->txq, buf);
		pthread_mutex_unlock(&p->lock);
		if (!len)
			return false;
		if ((*wait = net_tx_credit(p, len)))
			return false;
		ssize_t n = write(p->tap_fd, buf, len);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (p->vif && p->vif->rate_bps)
				p->credit += len;   /* not sent: the credit is still there */
			return true;
		}
		net_tx_done(p, n != (ssize_t)len);
		if (n != (ssize_t)len && !p->tx_error_logged) {
			p->tx_error_logged = true;
			vm_log(p->vm, "%s: TAP %s refused a frame: %s", p->name, p->tap_name,
			       n < 0 ? strerror(errno) : "short write");
		}
	}
}

/* Frames from the TAP while the queue for the guest has room. False when
 * the TAP is gone (its interface deleted, or the other end closed). */
static bool read_tap(struct netport *p)
{
	uint8_t buf[NET_MAX_FRAME + 1];   /* one byte more: a longer frame shows */
	for (int i = 0; i < TAP_BATCH && !net_rxq_full(p); i++) {
		ssize_t n = read(p->tap_fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return true;
		if (n <= 0) {
			vm_log(p->vm, "%s: TAP %s is gone (%s): the card has no network now", p->name,
			       p->tap_name, n < 0 ? strerror(errno) : "end of file");
			return false;
		}
		/* a TAP's read() returns a longer frame's full length, only the
		 * buffer's worth copied (tun_put_user); a datagram socket the
		 * buffer's length: either way more than NET_MAX_FRAME */
		if (n > NET_MAX_FRAME) {
			pthread_mutex_lock(&p->lock);
			p->rx_dropped++;
			p->rx_too_long++;
			pthread_mutex_unlock(&p->lock);
			continue;
		}
		net_deliver(p, buf, (size_t)n);   /* room checked: held if the card is full */
	}
	return true;
}

static void *tap_thread(void *arg)
{
	struct netport *p = arg;
	bool tap_ok = true;
	while (!p->stop) {
		net_serve_request(p);
		bool rx_stuck = !net_flush_rx(p);
		uint64_t tx_wait;
		bool tx_full = drain_tx(p, &tx_wait);

		struct pollfd pfd[2] = {
			{ .fd = p->wake_fd, .events = POLLIN },
			{ .fd = tap_ok ? p->tap_fd : -1,
			  .events = (short)((net_rxq_full(p) ? 0 : POLLIN) | (tx_full ? POLLOUT : 0)) },
		};
		int timeout = -1;
		if (tx_wait)
			timeout = (int)(tx_wait / 1000000) + 1;
		if (rx_stuck && (timeout < 0 || timeout > 50))
			timeout = 50;   /* netport_rx_ready wakes us sooner */
		if (poll(pfd, 2, timeout) <= 0)
			continue;
		if (pfd[0].revents & POLLIN)
			net_wait_drain(p);
		short r = pfd[1].revents;
		if (r & (POLLIN | POLLERR | POLLHUP | POLLNVAL))
			tap_ok = read_tap(p);
		if (tap_ok && (r & (POLLERR | POLLNVAL)) && !(r & POLLIN)) {
			vm_log(p->vm, "%s: TAP %s reports an error: the card has no network now",
			       p->name, p->tap_name);
			tap_ok = false;   /* not polled again: no busy loop on a dead file */
		}
	}
	return NULL;
}

int net_tap_start(struct netport *p, int fd)
{
	p->backend = NET_TAP;
	p->tap_fd = fd;
	return net_thread_start(p, tap_thread);
}

void net_tap_stop(struct netport *p)
{
	net_thread_stop(p);
	/* a TAP vmstation made is not persistent: the kernel deletes it now */
	if (p->tap_fd >= 0)
		close(p->tap_fd);
	p->tap_fd = -1;
}
