/*
 * The TAP back end's thread (core/net_tap.c) on one end of a socketpair of
 * datagrams standing in for the TAP (a frame a read, as from /dev/net/tun):
 * frames both ways in order; hostile input (a 9000-byte frame, 1537 bytes:
 * dropped and counted, 1536 taken); a card with no room holds frames in
 * the port's queue and the TAP is not read meanwhile, nothing dropped, all
 * delivered in order once the card has room; rate= as on NAT; the other
 * end closed: no busy loop, a clean stop.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/net_priv.h"
#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"

#define MAXREC (NET_RXQ + 64)

/* A card: records what it takes, or refuses everything while full. */
static struct card {
	pthread_mutex_t lock;
	atomic_bool full;
	unsigned n;
	uint32_t seq[MAXREC];
	size_t len[MAXREC];
	bool intact[MAXREC];
} card = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void fill(uint8_t *f, size_t len, uint32_t seq)
{
	memcpy(f, &seq, 4);
	for (size_t i = 4; i < len; i++)
		f[i] = (uint8_t)(seq * 7 + i);
}

static bool card_rx(void *opaque, const uint8_t *frame, size_t len)
{
	struct card *c = opaque;
	if (c->full)
		return false;
	uint32_t seq;
	memcpy(&seq, frame, 4);
	bool ok = true;
	for (size_t i = 4; i < len; i++)
		ok &= frame[i] == (uint8_t)(seq * 7 + i);
	pthread_mutex_lock(&c->lock);
	if (c->n < MAXREC) {
		c->seq[c->n] = seq;
		c->len[c->n] = len;
		c->intact[c->n] = ok;
		c->n++;
	}
	pthread_mutex_unlock(&c->lock);
	return true;
}

static unsigned card_count(void)
{
	pthread_mutex_lock(&card.lock);
	unsigned n = card.n;
	pthread_mutex_unlock(&card.lock);
	return n;
}

static void card_reset(void)
{
	pthread_mutex_lock(&card.lock);
	card.n = 0;
	pthread_mutex_unlock(&card.lock);
}

/* Wait up to ms for the card to hold n frames. */
static bool card_wait(unsigned n, int ms)
{
	for (int i = 0; i < ms && card_count() < n; i++)
		usleep(1000);
	return card_count() >= n;
}

static struct vm *vm;
static struct vm_config cfg;
static int peer;   /* the socketpair's other end: the "network" */

static struct netport *port_new(void)
{
	struct netport *p = xzalloc(sizeof(*p));
	p->vm = vm;
	p->rx = card_rx;
	p->rx_opaque = &card;
	p->vif = &cfg.vifs[0];
	snprintf(p->name, sizeof(p->name), "test.0");
	snprintf(p->tap_name, sizeof(p->tap_name), "socketpair");
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->call_lock, NULL);
	pthread_cond_init(&p->req_cond, NULL);
	p->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0)   /* as net_tapdev.c opens a TAP */
		die("nonblocking");
	peer = sv[1];
	CHECK(net_tap_start(p, sv[0]) == 0 && p->backend == NET_TAP, "the TAP thread starts");
	return p;
}

static void port_free(struct netport *p)
{
	net_tap_stop(p);
	CHECK(p->tap_fd == -1, "stopped: thread joined, the TAP's file closed");
	close(p->wake_fd);
	pthread_cond_destroy(&p->req_cond);
	pthread_mutex_destroy(&p->call_lock);
	pthread_mutex_destroy(&p->lock);
	free(p);
	if (peer >= 0)
		close(peer);
	peer = -1;
}

static bool put(size_t len, uint32_t seq)
{
	static uint8_t f[9000];
	fill(f, len, seq);
	return write(peer, f, len) == (ssize_t)len;
}

static void test_to_guest(void)
{
	struct netport *p = port_new();
	card_reset();
	bool sent = true;
	for (uint32_t i = 0; i < 10; i++)
		sent &= put(60 + i * 140, i);
	CHECK(sent && card_wait(10, 2000), "10 frames of 60-1320 bytes from the TAP reach the card");
	bool order = true, intact = true;
	for (unsigned i = 0; i < 10; i++) {
		order &= card.seq[i] == i && card.len[i] == 60 + i * 140;
		intact &= card.intact[i];
	}
	CHECK(order && intact, "in order, lengths and bytes as sent");

	/* hostile: a jumbo frame, one byte too long, the longest taken */
	card_reset();
	sent = put(9000, 100) && put(NET_MAX_FRAME + 1, 101) && put(NET_MAX_FRAME, 102) &&
	       put(60, 103);
	CHECK(sent && card_wait(2, 2000) && card.seq[0] == 102 && card.len[0] == NET_MAX_FRAME &&
	      card.seq[1] == 103, "9000 and 1537 bytes dropped; 1536 and 60 taken, in order");
	usleep(20000);
	pthread_mutex_lock(&p->lock);
	CHECK(p->rx_dropped == 2 && p->rx_too_long == 2 && p->rx_frames == 12,
	      "counted: 2 dropped, 2 too long, 12 frames (%llu, %llu, %llu)",
	      (unsigned long long)p->rx_dropped, (unsigned long long)p->rx_too_long,
	      (unsigned long long)p->rx_frames);
	pthread_mutex_unlock(&p->lock);

	/* the card full: NET_RXQ frames wait in the port's queue, the TAP is not read */
	card_reset();
	card.full = true;
	sent = true;
	for (uint32_t i = 0; i < NET_RXQ + 40; i++)
		sent &= put(100, 1000 + i);
	usleep(200000);
	pthread_mutex_lock(&p->lock);
	unsigned held = p->rxq.tail - p->rxq.head;
	uint64_t dropped = p->rx_dropped;
	pthread_mutex_unlock(&p->lock);
	CHECK(sent && held == NET_RXQ && dropped == 2,
	      "a full card: %u frames held (the queue's %d), none dropped; the rest left in the TAP",
	      held, NET_RXQ);
	card.full = false;
	netport_rx_ready(p);
	CHECK(card_wait(NET_RXQ + 40, 3000), "room again: all %d delivered (%u)", NET_RXQ + 40,
	      card_count());
	bool inorder = true;
	for (unsigned i = 0; i < NET_RXQ + 40 && i < card_count(); i++)
		inorder &= card.seq[i] == 1000 + i && card.intact[i];
	pthread_mutex_lock(&p->lock);
	dropped = p->rx_dropped;
	pthread_mutex_unlock(&p->lock);
	CHECK(inorder && dropped == 2, "in order, intact, still none dropped");

	/* the other end closed: the thread stops polling it, no busy loop */
	close(peer);
	peer = -1;
	usleep(50000);
	clockid_t cid;
	struct timespec t0, t1;
	pthread_getcpuclockid(p->thread, &cid);
	clock_gettime(cid, &t0);
	usleep(300000);
	clock_gettime(cid, &t1);
	double busy = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(busy < 0.03, "the TAP gone: the thread sleeps (%.3f s of CPU in 0.3 s)", busy);
	CHECK(netport_send(p, "\xff\xff\xff\xff\xff\xff\x00\x16\x3e\x00\x00\x01\x08\x06", 14),
	      "the guest may still send (queued)");
	port_free(p);
}

static void test_from_guest(void)
{
	struct netport *p = port_new();
	uint8_t f[NET_MAX_FRAME], got[NET_MAX_FRAME + 8];
	bool sent = true;
	for (uint32_t i = 0; i < 20; i++) {
		fill(f, 60 + i * 70, 500 + i);
		sent &= netport_send(p, f, 60 + i * 70);
	}
	bool ok = sent;
	for (uint32_t i = 0; i < 20 && ok; i++) {
		ssize_t n = read(peer, got, sizeof(got));
		uint32_t seq;
		memcpy(&seq, got, 4);
		fill(f, 60 + i * 70, 500 + i);
		ok = n == (ssize_t)(60 + i * 70) && !memcmp(f, got, (size_t)n);
	}
	CHECK(ok, "20 frames from the guest written to the TAP, in order, as sent");
	pthread_mutex_lock(&p->lock);
	CHECK(p->tx_frames == 20 && p->tx_dropped == 0, "counted: 20 sent");
	pthread_mutex_unlock(&p->lock);
	port_free(p);

	/* rate=3000B/s@1s: 60-byte frames leave at 50 a second, the rest wait */
	cfg.vifs[0].rate_bps = 3000;
	cfg.vifs[0].rate_interval_us = 1000000;
	p = port_new();
	fill(f, 60, 7);
	uint64_t t0 = clock_ns();
	for (int i = 0; i < 60; i++)
		netport_send(p, f, 60);
	usleep(400000);
	unsigned early = 0, all;
	struct pollfd pfd = { .fd = peer, .events = POLLIN };
	while (poll(&pfd, 1, 0) == 1 && read(peer, got, sizeof(got)) == 60)
		early++;
	for (all = early; all < 60 && clock_ns() - t0 < 5000000000ull;)
		if (read(peer, got, sizeof(got)) == 60)
			all++;
	double secs = (double)(clock_ns() - t0) / 1e9;
	CHECK(early == 50, "rate=3000B/s@1s on a TAP: %u of 60 frames in the first 0.4 s", early);
	CHECK(all == 60 && secs >= 0.9, "the other 10 a second later: %u after %.2f s", all, secs);
	cfg.vifs[0].rate_bps = 0;
	port_free(p);
}

int main(void)
{
	vmconfig_defaults(&cfg);
	cfg.n_vifs = 1;
	cfg.vifs[0].model = xstrdup("rtl8139");
	cfg.vifs[0].type = xstrdup("ioemu");
	cfg.vifs[0].tap = xstrdup("socketpair");
	vm = unit_vm_new(16, &cfg, NULL);
	test_to_guest();
	test_from_guest();
	vm_destroy(vm);
	vmconfig_free(&cfg);
	return UNIT_DONE();
}
