/* Private to core/net*.c: net.c (queues, ports, the monitor's view),
 * net_thread.c (what each back end's thread shares), net_slirp.c (NAT),
 * net_tap.c (a TAP's thread) and net_tapdev.c (making and opening TAPs). */
#ifndef VMST_NET_PRIV_H
#define VMST_NET_PRIV_H

#include <net/if.h>
#include <pthread.h>
#include <slirp/libslirp.h>

#include "core/net.h"
#include "core/net_fwd.h"

/* Frames held from the guest: a 64 KiB TCP segmentation at MSS 256. For
 * the guest 64, a few rings' worth: a card takes them as its guest frees
 * room, and beyond that TCP is better told by a drop than kept waiting. */
#define NET_TXQ 256
#define NET_RXQ 64
#define NET_MAX_TIMERS 8    /* slirp asks for one (IPv6 router adverts) */
#define NET_MAX_FWDS 32

struct frame_queue {
	unsigned head, tail;    /* head == tail: empty; indexes grow, taken mod NET_TXQ */
	uint16_t len[NET_TXQ];
	uint8_t data[NET_TXQ][NET_MAX_FRAME];
};

struct net_timer {
	bool used, armed;
	int64_t expire_ms;
	SlirpTimerId id;
	SlirpTimerCb cb;        /* timer_new's, or NULL for timer_new_opaque's id */
	void *cb_opaque;
};

enum net_backend { NET_USER, NET_TAP };

struct netport {
	struct vm *vm;
	enum net_backend backend;
	unsigned index;
	char name[24], model[16];
	uint8_t mac[6];
	const struct vif_spec *vif;
	net_receive_fn rx;
	void *rx_opaque;

	pthread_mutex_t lock;   /* the queues, counters, requests */
	struct frame_queue txq, rxq;
	uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes, tx_dropped, rx_dropped;
	uint64_t rx_too_long;   /* of rx_dropped: longer than NET_MAX_FRAME */

	/* the back end's thread and what only it touches */
	pthread_t thread;
	bool thread_started;
	int wake_fd;            /* eventfd */
	_Atomic bool stop;
	Slirp *slirp;
	struct net_timer timers[NET_MAX_TIMERS];
	struct pollfd *pfds;
	unsigned n_pfds, cap_pfds;
	uint64_t credit, refilled_ns;  /* rate= token bucket (bytes) */
	int tap_fd;             /* NET_TAP: the TAP's file (-1: none) */
	char tap_name[IFNAMSIZ], bridge[IFNAMSIZ];  /* bridge: "" when tap= is not on one */
	bool tx_error_logged;
	char nat_why[160];      /* NET_USER for a vif that asked for a bridge: why not */

	/* one request from another thread at a time (monitor): call_lock serializes callers */
	pthread_mutex_t call_lock;
	pthread_cond_t req_cond;
	int (*req_fn)(struct netport *p, void *arg);
	void *req_arg;
	int req_rc;
	bool req_pending;

	struct hostfwd fwds[NET_MAX_FWDS]; /* active forwards, for info */
	unsigned n_fwds;

	/* a card waiting for room in txq (netport_tx_room): called once tx_need fit */
	net_tx_fn tx_fn;
	void *tx_opaque;
	bool tx_waiting;        /* under lock, with tx_need */
	unsigned tx_need;

	/* net_link.c: the cable (link_down under lock) */
	bool link_down;
	net_link_fn link_fn;
	void *link_opaque;
	/* net_pcap.c: the capture, NULL when none (the pointer under lock) */
	struct net_capture *cap;
};

/* net.c */
/* A copy of the frame at the tail, unless cap frames are held (cap <= NET_TXQ). */
bool netq_put(struct frame_queue *q, unsigned cap, const void *frame, size_t len);
/* Copy the oldest frame out (buf holds NET_MAX_FRAME); its length, 0 when empty. */
size_t netq_peek(struct frame_queue *q, uint8_t *buf);
void netq_drop(struct frame_queue *q);
/* How many more frames a queue of cap frames takes. */
static inline unsigned netq_room(const struct frame_queue *q, unsigned cap)
{
	return cap - (q->tail - q->head);
}

/* net_thread.c: on the back end's thread unless said otherwise */
/* A frame for the guest: to the card, or held in order behind the ones
 * waiting; false (counted in rx_dropped) when the queue is full. */
bool net_deliver(struct netport *p, const uint8_t *frame, size_t len);
/* The held frames to the card while it takes them; false: some still wait. */
bool net_flush_rx(struct netport *p);
bool net_rxq_full(struct netport *p);
/* The oldest frame from the guest has gone (lost: not whole, counted); a
 * card waiting for room is called when there is enough. */
void net_tx_done(struct netport *p, bool lost);
/* rate=: 0 and the credit taken for a frame of len bytes, or ns to wait. */
uint64_t net_tx_credit(struct netport *p, size_t len);
/* Runs a pending net_call request. */
void net_serve_request(struct netport *p);
/* Any thread: runs fn on the back end's thread and returns what it returned. */
int net_call(struct netport *p, int (*fn)(struct netport *, void *), void *arg);
/* Any thread: wakes the back end's thread (wake_fd); net_wait_drain reads it. */
void net_wake(struct netport *p);
void net_wait_drain(struct netport *p);
/* The back end's thread running fn(p), with a full rate= bucket; -1 (said)
 * when it cannot start. Stopped (woken, joined) by net_thread_stop. */
int net_thread_start(struct netport *p, void *(*fn)(void *));
void net_thread_stop(struct netport *p);

/* net_link.c: the lookup of set_link and the capture commands; NULL with err. */
struct netport *net_port_named(struct vm *vm, const char *name, char *err, size_t len);
/* A frame from the back end on its way to the card (the port's thread):
 * false when the cable is out (counted in rx_dropped); captured otherwise. */
bool net_wire_rx(struct netport *p, const void *frame, size_t len);

/* net_pcap.c: a frame into the capture's ring (p->lock held); the capture
 * ended and its file closed (with the port). */
void net_capture_frame(struct net_capture *c, const void *frame, size_t len);
void net_capture_close(struct netport *p);
/* One line for info network: "   capture FILE: N frames ..." (p->lock held). */
void net_capture_info(struct net_capture *c, FILE *out);
/* The capture's file name (p->lock held). */
const char *net_capture_path(const struct net_capture *c);

/* net_slirp.c */
int net_slirp_start(struct netport *p);
void net_slirp_stop(struct netport *p);
int net_slirp_add_fwd(struct netport *p, const struct hostfwd *f);
int net_slirp_remove_fwd(struct netport *p, const struct hostfwd *f);

/* net_tap.c: the thread of a port on an open TAP (fd: nonblocking, frames
 * without a packet-information header; closed by net_tap_stop). */
int net_tap_start(struct netport *p, int fd);
void net_tap_stop(struct netport *p);

/* net_tapdev.c: the TAP for the vif's bridge= or tap= (open, up, on the
 * bridge), its fd; or -1 with why (the reason) and hint (how to get it). */
int net_tapdev_open(struct netport *p, char *why, size_t whylen, char *hint, size_t hintlen);

#endif
