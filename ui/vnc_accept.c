/*
 * Accepting VNC connections and handing them to LibVNCServer under a guard
 * against its WebSocket detection's endless loop (ui/vnc_accept.h says why).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ui/plugin_api.h"  /* what a plugin may use of the binary */
#include "core/util.h"
#include "ui/vnc_accept.h"

/* A hand-over takes LibVNCServer's 100 ms WebSocket wait, or nothing. */
#define GUARD_NS 200000000ull
/* Clients of one server at most: LibVNCServer's own accept refused clients
 * once half the descriptor limit was in use; this bounds them instead. */
#define MAX_CLIENTS 64

struct vnc_guard {
	pthread_mutex_t lock;
	pthread_cond_t cond;    /* a hand-over began, or stop */
	pthread_t thread;
	bool stop;
	int fd;                 /* our duplicate of the socket being handed over, or -1 */
	uint64_t since;         /* when it began (CLOCK_MONOTONIC ns) */
};

int vnc_listen(const char *addr, int port, const char *what, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *res = NULL;
	char ps[8];
	snprintf(ps, sizeof(ps), "%d", port);
	int rc = getaddrinfo(addr, ps, &hints, &res), fd = -1, e = 0;
	if (rc) {
		snprintf(err, errlen, "cannot listen on %s:%d%s: %s", addr, port, what,
			 gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 8) < 0) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, errlen, "cannot listen on %s:%d%s: %s", addr, port, what, strerror(e));
	return fd;
}

/*
 * The guard's thread: once a hand-over has lasted GUARD_NS with 1-3 bytes
 * waiting (LibVNCServer spinning on its peek), read them away; look again
 * GUARD_NS later if it still lasts.
 */
static void *guard_thread(void *opaque)
{
	struct vnc_guard *g = opaque;
	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		if (g->fd < 0) {
			pthread_cond_wait(&g->cond, &g->lock);
			continue;
		}
		uint64_t due = g->since + GUARD_NS;
		if (clock_ns() < due) {
			struct timespec ts = { .tv_sec = (time_t)(due / 1000000000ull),
					       .tv_nsec = (long)(due % 1000000000ull) };
			pthread_cond_timedwait(&g->cond, &g->lock, &ts);
			continue;
		}
		int avail = 0;
		if (ioctl(g->fd, FIONREAD, &avail) == 0 && avail >= 1 && avail <= 3) {
			char junk[4];
			(void)!recv(g->fd, junk, (size_t)avail, MSG_DONTWAIT);
		}
		g->since = clock_ns();
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct vnc_guard *vnc_guard_new(void)
{
	struct vnc_guard *g = xzalloc(sizeof(*g));
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);   /* clock_ns()'s clock */
	pthread_cond_init(&g->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&g->lock, NULL);
	g->fd = -1;
	if (pthread_create(&g->thread, NULL, guard_thread, g)) {
		pthread_cond_destroy(&g->cond);
		pthread_mutex_destroy(&g->lock);
		free(g);
		return NULL;
	}
	pthread_setname_np(g->thread, "vnc-guard");
	return g;
}

void vnc_guard_free(struct vnc_guard *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/* rfbNewClient owns fd (it closes it when it refuses the client); the guard
 * watches through a duplicate, closed only after rfbNewClient returned, so it
 * never reads from a descriptor that has become something else. */
static void hand_over(struct vnc_guard *g, rfbScreenInfoPtr screen, int fd)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0) {
		close(fd);   /* out of descriptors: no client without the guard */
		return;
	}
	pthread_mutex_lock(&g->lock);
	g->fd = dup_fd;
	g->since = clock_ns();
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
	rfbNewClient(screen, fd);
	pthread_mutex_lock(&g->lock);
	g->fd = -1;
	pthread_mutex_unlock(&g->lock);
	close(dup_fd);
}

/* Clients in the screen's list (on the server's thread: nothing changes it). */
static int count_clients(rfbScreenInfoPtr screen)
{
	int n = 0;
	for (rfbClientPtr cl = screen->clientHead; cl; cl = cl->next)
		n++;
	return n;
}

void vnc_accept_all(struct vnc_guard *g, rfbScreenInfoPtr screen, int listen_fd)
{
	if (listen_fd < 0)
		return;
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (count_clients(screen) >= MAX_CLIENTS) {
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		hand_over(g, screen, fd);
	}
}
