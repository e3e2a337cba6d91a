/* epoll event loop: fd watches, timerfd timers, cross-thread calls. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/evloop.h"
#include "core/util.h"

struct watch {
	int fd;
	ev_fd_fn fn;
	void *opaque;
	bool dead;
	struct watch *next;
};

struct call {
	ev_fn fn;
	void *opaque;
	bool *done; /* evloop_call_sync */
	struct call *next;
};

struct evloop {
	char name[16];
	int epfd, wakefd;
	pthread_t thread;
	bool has_thread;
	_Atomic bool stop;
	_Atomic pthread_t runner; /* thread inside evloop_run, or 0 */
	pthread_mutex_t lock;     /* watches, calls */
	pthread_cond_t call_done;
	struct watch *watches, *graveyard;
	struct call *calls, *calls_tail;
};

struct evtimer {
	struct evloop *loop;
	int fd;
	ev_fn fn;
	void *opaque;
	_Atomic bool armed;
};

struct evloop *evloop_new(const char *name)
{
	struct evloop *l = xzalloc(sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->epfd < 0 || l->wakefd < 0)
		die("cannot create event loop: %s", strerror(errno));
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->call_done, NULL);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev);
	return l;
}

static void wake(struct evloop *l)
{
	uint64_t one = 1;
	if (write(l->wakefd, &one, sizeof(one)) < 0) {
		/* counter saturated: the loop is awake anyway */
	}
}

void evloop_stop(struct evloop *l)
{
	l->stop = true;
	wake(l);
}

void evloop_join(struct evloop *l)
{
	if (l->has_thread) {
		evloop_stop(l);
		pthread_join(l->thread, NULL);
		l->has_thread = false;
	}
}

void evloop_free(struct evloop *l)
{
	if (!l)
		return;
	evloop_join(l);
	struct watch *w = l->watches;
	while (w) {
		struct watch *n = w->next;
		free(w);
		w = n;
	}
	w = l->graveyard;
	while (w) {
		struct watch *n = w->next;
		free(w);
		w = n;
	}
	struct call *c = l->calls;
	while (c) {
		struct call *n = c->next;
		free(c);
		c = n;
	}
	close(l->epfd);
	close(l->wakefd);
	free(l);
}

bool evloop_on_loop_thread(struct evloop *l)
{
	return l->runner == pthread_self();
}

static void run_calls(struct evloop *l)
{
	pthread_mutex_lock(&l->lock);
	while (l->calls) {
		struct call *c = l->calls;
		l->calls = c->next;
		if (!l->calls)
			l->calls_tail = NULL;
		pthread_mutex_unlock(&l->lock);
		c->fn(c->opaque);
		pthread_mutex_lock(&l->lock);
		if (c->done) {
			*c->done = true;
			pthread_cond_broadcast(&l->call_done);
		}
		free(c);
	}
	pthread_mutex_unlock(&l->lock);
}

static void bury_dead(struct evloop *l)
{
	pthread_mutex_lock(&l->lock);
	struct watch *w = l->graveyard;
	l->graveyard = NULL;
	pthread_mutex_unlock(&l->lock);
	while (w) {
		struct watch *n = w->next;
		free(w);
		w = n;
	}
}

void evloop_run(struct evloop *l)
{
	l->runner = pthread_self();
	while (!l->stop) {
		struct epoll_event evs[32];
		int n = epoll_wait(l->epfd, evs, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			msg_error("event loop %s: epoll_wait: %s", l->name, strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct watch *w = evs[i].data.ptr;
			if (!w) {
				uint64_t v;
				if (read(l->wakefd, &v, sizeof(v)) < 0) {
					/* EAGAIN: already drained */
				}
				continue;
			}
			if (!w->dead)
				w->fn(w->opaque, evs[i].events);
		}
		run_calls(l);
		bury_dead(l);
	}
	run_calls(l);
	l->runner = 0;
}

static void *loop_thread(void *arg)
{
	struct evloop *l = arg;
	thread_set_name(pthread_self(), "io-%s", l->name);
	evloop_run(l);
	return NULL;
}

int evloop_start_thread(struct evloop *l)
{
	if (pthread_create(&l->thread, NULL, loop_thread, l))
		return -1;
	l->has_thread = true;
	return 0;
}

int evloop_add_fd(struct evloop *l, int fd, uint32_t events, ev_fd_fn fn, void *opaque)
{
	struct watch *w = xzalloc(sizeof(*w));
	w->fd = fd;
	w->fn = fn;
	w->opaque = opaque;
	struct epoll_event ev = { .events = events, .data.ptr = w };
	pthread_mutex_lock(&l->lock);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		pthread_mutex_unlock(&l->lock);
		free(w);
		return -1;
	}
	w->next = l->watches;
	l->watches = w;
	pthread_mutex_unlock(&l->lock);
	return 0;
}

int evloop_mod_fd(struct evloop *l, int fd, uint32_t events)
{
	int rc = -1;
	pthread_mutex_lock(&l->lock);
	for (struct watch *w = l->watches; w; w = w->next) {
		if (w->fd == fd && !w->dead) {
			struct epoll_event ev = { .events = events, .data.ptr = w };
			rc = epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
			break;
		}
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

void evloop_del_fd(struct evloop *l, int fd)
{
	pthread_mutex_lock(&l->lock);
	for (struct watch **pp = &l->watches; *pp; pp = &(*pp)->next) {
		struct watch *w = *pp;
		if (w->fd != fd || w->dead)
			continue;
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		w->dead = true;
		*pp = w->next;
		/* freed after the current dispatch round, which may still hold it */
		w->next = l->graveyard;
		l->graveyard = w;
		break;
	}
	pthread_mutex_unlock(&l->lock);
}

void evloop_call(struct evloop *l, ev_fn fn, void *opaque)
{
	struct call *c = xzalloc(sizeof(*c));
	c->fn = fn;
	c->opaque = opaque;
	pthread_mutex_lock(&l->lock);
	if (l->calls_tail)
		l->calls_tail->next = c;
	else
		l->calls = c;
	l->calls_tail = c;
	pthread_mutex_unlock(&l->lock);
	wake(l);
}

void evloop_call_sync(struct evloop *l, ev_fn fn, void *opaque)
{
	if (evloop_on_loop_thread(l) || (!l->runner && !l->has_thread)) {
		fn(opaque);
		return;
	}
	bool done = false;
	struct call *c = xzalloc(sizeof(*c));
	c->fn = fn;
	c->opaque = opaque;
	c->done = &done;
	pthread_mutex_lock(&l->lock);
	if (l->calls_tail)
		l->calls_tail->next = c;
	else
		l->calls = c;
	l->calls_tail = c;
	wake(l);
	while (!done)
		pthread_cond_wait(&l->call_done, &l->lock);
	pthread_mutex_unlock(&l->lock);
}

static void timer_fired(void *opaque, uint32_t events)
{
	struct evtimer *t = opaque;
	uint64_t n;
	(void)events;
	if (read(t->fd, &n, sizeof(n)) != sizeof(n))
		return; /* re-armed or cancelled meanwhile */
	t->armed = false;
	t->fn(t->opaque);
}

struct evtimer *evtimer_new(struct evloop *l, ev_fn fn, void *opaque)
{
	struct evtimer *t = xzalloc(sizeof(*t));
	t->loop = l;
	t->fn = fn;
	t->opaque = opaque;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->fd < 0)
		die("timerfd_create: %s", strerror(errno));
	evloop_add_fd(l, t->fd, EPOLLIN, timer_fired, t);
	return t;
}

void evtimer_free(struct evtimer *t)
{
	if (!t)
		return;
	evloop_del_fd(t->loop, t->fd);
	close(t->fd);
	free(t);
}

void evtimer_arm_at(struct evtimer *t, uint64_t when_ns)
{
	if (when_ns == 0)
		when_ns = 1; /* 0 would disarm */
	struct itimerspec its = { .it_value = { .tv_sec = when_ns / 1000000000ull,
						.tv_nsec = when_ns % 1000000000ull } };
	t->armed = true;
	timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void evtimer_arm_in(struct evtimer *t, uint64_t delay_ns)
{
	evtimer_arm_at(t, clock_ns() + delay_ns);
}

void evtimer_cancel(struct evtimer *t)
{
	struct itimerspec its = { 0 };
	t->armed = false;
	timerfd_settime(t->fd, 0, &its, NULL);
}

bool evtimer_armed(struct evtimer *t)
{
	return t->armed;
}
