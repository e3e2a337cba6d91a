/*
 * An epoll event loop with timers and cross-thread calls.
 *
 * Each VM owns one loop, run by its own "io" thread: device timers (RTC
 * periodic interrupt, serial transmit pacing, audio DMA pacing), character
 * device input and requests from other threads all run there, so a busy UI
 * never delays a guest's timers.
 */
#ifndef VMST_EVLOOP_H
#define VMST_EVLOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct evloop;
struct evtimer;

typedef void (*ev_fd_fn)(void *opaque, uint32_t epoll_events);
typedef void (*ev_fn)(void *opaque);

struct evloop *evloop_new(const char *name);
/* Stops the loop's thread (if started), then frees everything. */
void evloop_free(struct evloop *loop);

/* Runs the loop on a new thread named after the loop. */
int evloop_start_thread(struct evloop *loop);
/* Runs the loop on the calling thread until evloop_stop. */
void evloop_run(struct evloop *loop);
void evloop_stop(struct evloop *loop);
/* Stop the loop's thread and wait for it; the loop stays usable for freeing timers. */
void evloop_join(struct evloop *loop);
bool evloop_on_loop_thread(struct evloop *loop);

/* Watch fd for epoll events (EPOLLIN...). One watch per fd. */
int evloop_add_fd(struct evloop *loop, int fd, uint32_t events, ev_fd_fn fn,
		  void *opaque);
int evloop_mod_fd(struct evloop *loop, int fd, uint32_t events);
void evloop_del_fd(struct evloop *loop, int fd);

/* Run fn(opaque) on the loop's thread soon. Thread-safe; allocates. */
void evloop_call(struct evloop *loop, ev_fn fn, void *opaque);
/* Same, and wait until it has run (runs inline on the loop's own thread). */
void evloop_call_sync(struct evloop *loop, ev_fn fn, void *opaque);

/* One-shot timers on CLOCK_MONOTONIC; callbacks run on the loop thread. */
struct evtimer *evtimer_new(struct evloop *loop, ev_fn fn, void *opaque);
void evtimer_free(struct evtimer *t);
/* Arm at an absolute clock_ns() time (re-arming replaces the old time). */
void evtimer_arm_at(struct evtimer *t, uint64_t when_ns);
void evtimer_arm_in(struct evtimer *t, uint64_t delay_ns);
void evtimer_cancel(struct evtimer *t);
bool evtimer_armed(struct evtimer *t);

#endif
