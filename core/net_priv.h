/* Private to core/net.c (queues, the monitor's view) and core/net_slirp.c (the
 * back end's thread). */
#ifndef VMST_NET_PRIV_H
#define VMST_NET_PRIV_H

#include <pthread.h>
#include <slirp/libslirp.h>

#include "net.h"
#include "net_fwd.h"

#define NET_QUEUE 64        /* frames held each way */
#define NET_MAX_TIMERS 8    /* slirp asks for one (IPv6 router adverts) */
#define NET_MAX_FWDS 32

struct frame_queue {
	unsigned head, tail;    /* head == tail: empty; indexes grow, taken mod NET_QUEUE */
	uint16_t len[NET_QUEUE];
	uint8_t data[NET_QUEUE][NET_MAX_FRAME];
};

struct net_timer {
	bool used, armed;
	int64_t expire_ms;
	SlirpTimerId id;
	SlirpTimerCb cb;        /* timer_new's, or NULL for timer_new_opaque's id */
	void *cb_opaque;
};

struct netport {
	struct vm *vm;
	unsigned index;
	char name[24], model[16];
	uint8_t mac[6];
	const struct vif_spec *vif;
	net_receive_fn rx;
	void *rx_opaque;

	pthread_mutex_t lock;   /* the queues, counters, requests */
	struct frame_queue txq, rxq;
	uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes, tx_dropped, rx_dropped;

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

	/* one request from another thread at a time (monitor): call_lock serializes callers */
	pthread_mutex_t call_lock;
	pthread_cond_t req_cond;
	int (*req_fn)(struct netport *p, void *arg);
	void *req_arg;
	int req_rc;
	bool req_pending;

	struct hostfwd fwds[NET_MAX_FWDS]; /* active forwards, for info */
	unsigned n_fwds;

	/* net_link.c: the cable (link_down under lock) */
	bool link_down;
	net_link_fn link_fn;
	void *link_opaque;
	/* net_pcap.c: the capture, NULL when none (the pointer under lock) */
	struct net_capture *cap;
};

/* net.c */
bool netq_put(struct frame_queue *q, const void *frame, size_t len);
/* Copy the oldest frame out (buf holds NET_MAX_FRAME); its length, 0 when empty. */
size_t netq_peek(struct frame_queue *q, uint8_t *buf);
void netq_drop(struct frame_queue *q);
void net_wake(struct netport *p);

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
/* Runs fn on the back end's thread and returns what it returned. */
int net_slirp_call(struct netport *p, int (*fn)(struct netport *, void *), void *arg);
int net_slirp_add_fwd(struct netport *p, const struct hostfwd *f);
int net_slirp_remove_fwd(struct netport *p, const struct hostfwd *f);

#endif
