/*
 * The monitor on a unix socket (`--monitor unix:PATH`, monitor_path=): a
 * plain text protocol for scripts. Each client gets the banner, then a
 * prompt after every reply; one command per line (\n or \r\n). Several
 * clients may be connected at once; their commands run one after another
 * on this front end's thread. The socket file is created with mode 0600:
 * whoever can connect controls the VM.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ui/monitor/monitor.h"
#include "core/util.h"
#include "core/vm.h"

#define MAX_CLIENTS 16

struct sock_client {
	int fd;                 /* -1 = free slot */
	bool dead;              /* write failed: close at the next turn */
	struct monitor_session *s;
};

struct monitor_socket {
	struct monitor_frontend fe;
	struct vm *vm;
	char *path;
	int listen_fd;
	int wake[2];            /* a byte here stops the thread */
	pthread_t thread;
	struct sock_client cl[MAX_CLIENTS];
};

static void client_out(void *opaque, const char *buf, size_t n)
{
	struct sock_client *c = opaque;
	while (n && !c->dead) {
		ssize_t w = send(c->fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			c->dead = true;   /* gone, or not reading for seconds (SO_SNDTIMEO) */
			break;
		}
		buf += w;
		n -= (size_t)w;
	}
}

static void client_close(struct sock_client *c)
{
	if (c->fd < 0)
		return;
	monitor_session_free(c->s);
	c->s = NULL;
	close(c->fd);
	c->fd = -1;
	c->dead = false;
}

static void accept_client(struct monitor_socket *ms)
{
	int fd = accept4(ms->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct sock_client *c = NULL;
	for (int i = 0; i < MAX_CLIENTS && !c; i++)
		if (ms->cl[i].fd < 0)
			c = &ms->cl[i];
	if (!c) {
		static const char full[] = "too many monitor clients\n";
		(void)!send(fd, full, sizeof(full) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	/* A client that stops reading must not stall the monitor for ever. */
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->fd = fd;
	c->dead = false;
	c->s = monitor_session_new(ms->vm, client_out, c, MONITOR_F_BANNER | MONITOR_F_PROMPT);
}

static void *socket_thread(void *opaque)
{
	struct monitor_socket *ms = opaque;
	struct pollfd pfd[MAX_CLIENTS + 2];
	int idx[MAX_CLIENTS + 2];

	for (;;) {
		int n = 0;
		pfd[n++] = (struct pollfd){ .fd = ms->wake[0], .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = ms->listen_fd, .events = POLLIN };
		for (int i = 0; i < MAX_CLIENTS; i++) {
			if (ms->cl[i].fd >= 0 && ms->cl[i].dead)
				client_close(&ms->cl[i]);
			if (ms->cl[i].fd >= 0) {
				idx[n] = i;
				pfd[n++] = (struct pollfd){ .fd = ms->cl[i].fd, .events = POLLIN };
			}
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN)
			accept_client(ms);
		for (int k = 2; k < n; k++) {
			if (!pfd[k].revents)
				continue;
			struct sock_client *c = &ms->cl[idx[k]];
			char buf[1024];
			ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				client_close(c);
				continue;
			}
			monitor_session_input(c->s, buf, (size_t)r);
		}
	}
	return NULL;
}

static void socket_stop(struct monitor_frontend *fe)
{
	struct monitor_socket *ms = container_of(fe, struct monitor_socket, fe);
	(void)!write(ms->wake[1], "x", 1);
	pthread_join(ms->thread, NULL);
	for (int i = 0; i < MAX_CLIENTS; i++)
		client_close(&ms->cl[i]);
	close(ms->listen_fd);
	close(ms->wake[0]);
	close(ms->wake[1]);
	unlink(ms->path);
	free(ms->path);
	free(ms);
}

struct monitor_frontend *monitor_socket_open(struct vm *vm, const char *path,
					     char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);

	/* A socket file left by a VM that died is replaced; anything else is not. */
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s: exists and is not a socket", path);
			return NULL;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool live = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		if (probe >= 0)
			close(probe);
		if (live) {
			snprintf(err, errlen, "%s: another monitor is listening there", path);
			return NULL;
		}
		unlink(path);
	}

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	/* The mode of the socket inode becomes the file's mode at bind (Linux
	 * unix_bind), so there is no moment where the file is open to others. */
	fchmod(fd, 0600);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 8) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}

	struct monitor_socket *ms = xzalloc(sizeof(*ms));
	ms->vm = vm;
	ms->path = xstrdup(path);
	ms->listen_fd = fd;
	for (int i = 0; i < MAX_CLIENTS; i++)
		ms->cl[i].fd = -1;
	snprintf(ms->fe.desc, sizeof(ms->fe.desc), "unix:%s,server=on", path);
	ms->fe.stop = socket_stop;
	if (pipe2(ms->wake, O_CLOEXEC) < 0 ||
	    pthread_create(&ms->thread, NULL, socket_thread, ms) != 0) {
		snprintf(err, errlen, "cannot start the monitor thread");
		close(fd);
		unlink(path);
		free(ms->path);
		free(ms);
		return NULL;
	}
	pthread_setname_np(ms->thread, "monitor-sock");
	return &ms->fe;
}
