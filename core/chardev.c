/*
 * Character back ends: where a serial port's bytes go and come from.
 *
 * Output (chardev_write) runs on vCPU threads under the device's lock, so it
 * never waits: every output fd is non-blocking and what a stalled peer does
 * not take is dropped and counted. Input is read on the VM's io thread and
 * handed to the device only as far as its can_receive allows; while the
 * device is full the input fd is taken out of the loop, and
 * chardev_accept_input (from any thread) wakes it through an eventfd.
 *
 * Lock order: device lock -> chr->lock. The device's callbacks are never
 * called with chr->lock held.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "core/chardev.h"
#include "core/evloop.h"
#include "core/util.h"

enum chr_kind { CHR_NULL, CHR_NONE, CHR_FILE, CHR_PTY, CHR_STDIO, CHR_SERVER, CHR_CLIENT };

struct chardev {
	enum chr_kind kind;
	char *desc;
	struct evloop *loop;

	pthread_mutex_t lock;   /* out_fd, handler, tap */
	int out_fd;             /* -1: output is discarded */
	bool out_is_socket;     /* send(MSG_NOSIGNAL) */
	bool out_poll;          /* blocking fd we must poll before writing */
	struct chardev_handler h;
	struct { void (*fn)(void *, const uint8_t *, size_t); void *opaque; } taps[4];
	_Atomic uint64_t dropped;

	/* loop-thread state */
	int in_fd;              /* -1: no input */
	bool in_watched;        /* in_fd is in the loop */
	bool in_paused;         /* taken out because the device was full */
	int listen_fd;          /* servers */
	int wake_fd;            /* eventfd for chardev_accept_input */
	_Atomic bool want_wake; /* paused: the next accept_input must signal */
	int pty_slave;          /* kept open so the master never sees a hang-up */
	char *unlink_path;      /* unix server socket */
	bool escapes;           /* stdio: filter ctrl-a keys */
	struct chardev_escape esc;
};

/* ---- the terminal behind stdio (process-wide, like the terminal itself) --- */

static struct termios saved_tty;
static bool tty_saved;
static _Atomic bool stdio_taken;

static void restore_tty(void)
{
	if (tty_saved) {
		tcsetattr(0, TCSANOW, &saved_tty);
		tty_saved = false;
	}
}

/* Raw input (no echo, no line editing, no signals) but output post-processing kept. */
static void raw_tty(void)
{
	static bool atexit_done;
	struct termios t;
	if (!isatty(0) || tcgetattr(0, &t) < 0)
		return;
	saved_tty = t;
	tty_saved = true;
	if (!atexit_done) {
		atexit(restore_tty);
		atexit_done = true;
	}
	cfmakeraw(&t);
	t.c_oflag |= OPOST; /* keep the terminal's own newline translation */
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(0, TCSANOW, &t);
}

/* ---- escape keys -------------------------------------------------------- */

size_t chardev_escape_filter(struct chardev_escape *e, uint8_t *buf, size_t len)
{
	size_t out = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = buf[i];
		if (!e->armed) {
			if (c == CHARDEV_ESCAPE_CHAR)
				e->armed = true;
			else
				buf[out++] = c;
			continue;
		}
		e->armed = false;
		switch (c) {
		case CHARDEV_ESCAPE_CHAR:
			buf[out++] = c;
			break;
		case 'x':
		case 'X':
			if (e->print)
				e->print(e->print_opaque, "vmstation: terminated\r\n");
			if (e->quit) {
				e->quit(e->quit_opaque);
			} else {
				restore_tty();
				exit(0);
			}
			break;
		case 'h':
		case 'H':
		case '?':
			if (e->print) {
				e->print(e->print_opaque,
					 "\r\nC-a h    print this help\r\n"
					 "C-a x    exit vmstation\r\n"
					 "C-a C-a  send C-a\r\n");
				if (e->key_help)
					e->print(e->print_opaque, e->key_help);
			}
			break;
		default:
			if (e->key)
				e->key(e->key_opaque, c);
			break;
		}
	}
	return out;
}

/* ---- output ------------------------------------------------------------- */

/* Write what the fd takes now; returns bytes not written. chr->lock held. */
static size_t write_some(struct chardev *chr, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n;
		if (chr->out_poll) {
			struct pollfd pfd = { .fd = chr->out_fd, .events = POLLOUT };
			if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLOUT))
				return len;
		}
		if (chr->out_is_socket)
			n = send(chr->out_fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		else
			n = write(chr->out_fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return len; /* EAGAIN: stalled peer; others: the loop sees the hang-up */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t chardev_write(struct chardev *chr, const void *buf, size_t len)
{
	if (!chr)
		return (ssize_t)len;
	pthread_mutex_lock(&chr->lock);
	for (size_t i = 0; i < sizeof(chr->taps) / sizeof(chr->taps[0]); i++)
		if (chr->taps[i].fn)
			chr->taps[i].fn(chr->taps[i].opaque, buf, len);
	if (chr->out_fd >= 0) {
		size_t lost = write_some(chr, buf, len);
		if (lost)
			chr->dropped += lost;
	}
	pthread_mutex_unlock(&chr->lock);
	return (ssize_t)len;
}

static void print_to_chr(void *opaque, const char *text)
{
	chardev_write(opaque, text, strlen(text));
}

/* ---- input -------------------------------------------------------------- */

static void input_ready(void *opaque, uint32_t events);

static void snapshot_handler(struct chardev *chr, struct chardev_handler *h)
{
	pthread_mutex_lock(&chr->lock);
	*h = chr->h;
	pthread_mutex_unlock(&chr->lock);
}

static void watch_input(struct chardev *chr, bool on)
{
	if (!chr->loop || chr->in_fd < 0 || chr->in_watched == on)
		return;
	if (on) {
		if (evloop_add_fd(chr->loop, chr->in_fd, EPOLLIN, input_ready, chr) == 0)
			chr->in_watched = true;
	} else {
		evloop_del_fd(chr->loop, chr->in_fd);
		chr->in_watched = false;
	}
}

static void listen_ready(void *opaque, uint32_t events);

/* The peer went away (loop thread): servers listen again, others go quiet. */
static void hang_up(struct chardev *chr)
{
	int fd = chr->in_fd;
	watch_input(chr, false);
	chr->in_fd = -1;
	chr->in_paused = false;
	if (chr->kind == CHR_SERVER || chr->kind == CHR_CLIENT) {
		pthread_mutex_lock(&chr->lock);
		chr->out_fd = -1;
		pthread_mutex_unlock(&chr->lock);
		close(fd);
	}
	if (chr->kind == CHR_SERVER && chr->loop)
		evloop_add_fd(chr->loop, chr->listen_fd, EPOLLIN, listen_ready, chr);
}

/* How much the device takes now; pauses input if nothing (loop thread). */
static size_t room_or_pause(struct chardev *chr, struct chardev_handler *h)
{
	size_t room = h->can_receive ? h->can_receive(h->opaque) : 0;
	if (room)
		return room;
	/* Announce the pause before looking again, so a concurrent
	 * chardev_accept_input either sees want_wake or frees room we see. */
	atomic_store(&chr->want_wake, true);
	watch_input(chr, false);
	chr->in_paused = true;
	room = h->can_receive ? h->can_receive(h->opaque) : 0;
	if (room) {
		atomic_store(&chr->want_wake, false);
		chr->in_paused = false;
		watch_input(chr, true);
	}
	return room;
}

static void input_ready(void *opaque, uint32_t events)
{
	struct chardev *chr = opaque;
	struct chardev_handler h;
	uint8_t buf[4096];
	(void)events;

	if (chr->in_fd < 0)
		return;
	snapshot_handler(chr, &h);
	size_t room = room_or_pause(chr, &h);
	if (!room)
		return;
	/* one read per wake-up: stdin stays blocking, and a readable fd never blocks */
	ssize_t n = read(chr->in_fd, buf, MIN(room, sizeof(buf)));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		hang_up(chr);
		return;
	}
	size_t len = (size_t)n;
	if (chr->escapes)
		len = chardev_escape_filter(&chr->esc, buf, len);
	if (len && h.receive)
		h.receive(h.opaque, buf, len);
}

static void wake_ready(void *opaque, uint32_t events)
{
	struct chardev *chr = opaque;
	uint64_t v;
	(void)events;
	if (read(chr->wake_fd, &v, sizeof(v)) < 0) {
		/* already drained */
	}
	if (chr->in_paused && chr->in_fd >= 0) {
		chr->in_paused = false;
		atomic_store(&chr->want_wake, false);
		watch_input(chr, true); /* level-triggered: pending input is seen at once */
	}
}

static void kick(struct chardev *chr)
{
	uint64_t one = 1;
	if (chr->wake_fd >= 0 && write(chr->wake_fd, &one, sizeof(one)) < 0) {
		/* counter saturated: a wake-up is pending anyway */
	}
}

void chardev_accept_input(struct chardev *chr)
{
	if (chr && atomic_exchange(&chr->want_wake, false))
		kick(chr);
}

static void set_client(struct chardev *chr, int fd)
{
	chr->in_fd = fd;
	pthread_mutex_lock(&chr->lock);
	chr->out_fd = fd;
	pthread_mutex_unlock(&chr->lock);
	watch_input(chr, true);
}

static void listen_ready(void *opaque, uint32_t events)
{
	struct chardev *chr = opaque;
	(void)events;
	int fd = accept4(chr->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (chr->in_fd >= 0) { /* one client at a time */
		close(fd);
		return;
	}
	/* stop accepting: further clients wait in the backlog until this one leaves */
	evloop_del_fd(chr->loop, chr->listen_fd);
	set_client(chr, fd);
}

/* ---- opening ------------------------------------------------------------ */

static void set_err(char *err, size_t errlen, const char *fmt, ...) PRINTF(3, 4);
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int open_pty(struct chardev *chr, char *err, size_t errlen)
{
	int master, slave;
	char name[64];
	struct termios t;
	if (openpty(&master, &slave, name, NULL, NULL) < 0) {
		set_err(err, errlen, "pty: openpty: %s", strerror(errno));
		return -1;
	}
	if (tcgetattr(slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(slave, TCSANOW, &t);
	}
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(slave, F_SETFD, FD_CLOEXEC);
	set_nonblock(master);
	chr->in_fd = chr->out_fd = master;
	chr->pty_slave = slave;
	chr->desc = xasprintf("pty:%s", name);
	return 0;
}

static int open_stdio(struct chardev *chr, char *err, size_t errlen)
{
	struct stat st;
	if (atomic_exchange(&stdio_taken, true)) {
		chr->kind = CHR_NULL; /* closing this one must not release the owner's claim */
		set_err(err, errlen, "stdio: already in use by another device");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN); /* a closed pipe on stdout must not kill every VM */
	/* Our own non-blocking description of stdout: setting O_NONBLOCK on fd 1
	 * itself would leak to stderr and to the shell after exit. */
	if (fstat(1, &st) == 0 && S_ISREG(st.st_mode)) {
		chr->out_fd = dup(1); /* files never stall, and keep the shared offset */
	} else if (fstat(1, &st) == 0 && S_ISSOCK(st.st_mode)) {
		chr->out_fd = dup(1);
		chr->out_is_socket = true;
	} else {
		chr->out_fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (chr->out_fd < 0) {
			chr->out_fd = dup(1);
			chr->out_poll = true;
		}
	}
	chr->in_fd = 0;
	chr->escapes = true;
	chr->esc.print = print_to_chr;
	chr->esc.print_opaque = chr;
	raw_tty();
	chr->desc = xstrdup("stdio");
	return 0;
}

static int open_file(struct chardev *chr, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NONBLOCK | O_CLOEXEC, 0666);
	if (fd < 0) {
		set_err(err, errlen, "file:%s: %s", path, strerror(errno));
		return -1;
	}
	chr->out_fd = fd;
	chr->desc = xasprintf("file:%s", path);
	return 0;
}

/* Options after the address: server, nowait (and QEMU's server=on, wait=off). */
static int parse_sock_opts(char *opts, bool *server, bool *wait, char *err, size_t errlen)
{
	*server = false;
	*wait = true;
	for (char *save = NULL, *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "server") || !strcmp(o, "server=on"))
			*server = true;
		else if (!strcmp(o, "server=off"))
			*server = false;
		else if (!strcmp(o, "nowait") || !strcmp(o, "wait=off"))
			*wait = false;
		else if (!strcmp(o, "wait") || !strcmp(o, "wait=on"))
			*wait = true;
		else {
			set_err(err, errlen, "unknown socket option '%s' (use server, nowait)", o);
			return -1;
		}
	}
	return 0;
}

static int unix_addr(struct sockaddr_un *sa, const char *path, char *err, size_t errlen)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (!*path || strlen(path) >= sizeof(sa->sun_path)) {
		set_err(err, errlen, "unix:%s: path empty or longer than %zu bytes", path,
			sizeof(sa->sun_path) - 1);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

/* A listening or connected socket for "unix:PATH" or "tcp:HOST:PORT". */
static int open_socket(struct chardev *chr, const char *spec, bool tcp, char *err, size_t errlen)
{
	char *addr = xstrdup(spec + (tcp ? 4 : 5));
	char *opts = strchr(addr, ',');
	bool server, wait;
	int fd = -1, rc = -1;
	if (opts)
		*opts++ = '\0';
	if (parse_sock_opts(opts ? opts : (char[]){ 0 }, &server, &wait, err, errlen) < 0)
		goto out;

	if (!tcp) {
		struct sockaddr_un sa;
		struct stat st;
		if (unix_addr(&sa, addr, err, errlen) < 0)
			goto out;
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto fail;
		if (server) {
			/* a socket left behind by an earlier run is stale; anything else is not ours */
			if (lstat(addr, &st) == 0 && S_ISSOCK(st.st_mode))
				unlink(addr);
			if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
				goto fail;
			/* mode 0600 before listen(): nobody can connect in between */
			if (chmod(addr, 0600) < 0 || listen(fd, 1) < 0) {
				unlink(addr);
				goto fail;
			}
			chr->unlink_path = xstrdup(addr);
		} else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			goto fail;
		}
	} else {
		char *colon = strrchr(addr, ':');
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
					  .ai_flags = server ? AI_PASSIVE : 0 }, *ai = NULL;
		if (!colon) {
			set_err(err, errlen, "tcp:%s: expected tcp:HOST:PORT", addr);
			goto out;
		}
		*colon = '\0';
		int gai = getaddrinfo(*addr ? addr : NULL, colon + 1, &hints, &ai);
		*colon = ':';
		if (gai) {
			set_err(err, errlen, "tcp:%s: %s", addr, gai_strerror(gai));
			goto out;
		}
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int one = 1;
		if (fd >= 0 && server)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		int r = fd < 0 ? -1 : server ? bind(fd, ai->ai_addr, ai->ai_addrlen)
					     : connect(fd, ai->ai_addr, ai->ai_addrlen);
		freeaddrinfo(ai);
		if (r < 0 || (server && listen(fd, 1) < 0))
			goto fail;
	}

	chr->desc = xasprintf("%s:%s%s", tcp ? "tcp" : "unix", addr, server ? ",server" : "");
	if (!server) {
		chr->kind = CHR_CLIENT;
		set_nonblock(fd);
		chr->in_fd = chr->out_fd = fd;
		chr->out_is_socket = true;
		fd = -1;
		rc = 0;
		goto out;
	}
	chr->kind = CHR_SERVER;
	chr->listen_fd = fd;
	chr->out_is_socket = true;
	fd = -1;
	if (wait) { /* as QEMU: the guest starts once someone is there */
		msg_info("waiting for connection on %s", chr->desc);
		int c = accept4(chr->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0) {
			set_err(err, errlen, "%s: accept: %s", chr->desc, strerror(errno));
			goto out;
		}
		chr->in_fd = chr->out_fd = c;
	}
	rc = 0;
	goto out;
fail:
	set_err(err, errlen, "%s:%s: %s", tcp ? "tcp" : "unix", addr, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	free(addr);
	return rc;
}

struct chardev *chardev_open(const char *spec, struct evloop *loop, char *err, size_t errlen)
{
	struct chardev *chr = xzalloc(sizeof(*chr));
	int rc = 0;
	pthread_mutex_init(&chr->lock, NULL);
	chr->loop = loop;
	chr->in_fd = chr->out_fd = chr->listen_fd = chr->wake_fd = chr->pty_slave = -1;
	if (!spec)
		spec = "null";

	if (!strcmp(spec, "null")) {
		chr->kind = CHR_NULL;
		chr->desc = xstrdup("null");
	} else if (!strcmp(spec, "none")) {
		chr->kind = CHR_NONE;
		chr->desc = xstrdup("none");
	} else if (!strcmp(spec, "pty")) {
		chr->kind = CHR_PTY;
		rc = open_pty(chr, err, errlen);
	} else if (!strcmp(spec, "stdio")) {
		chr->kind = CHR_STDIO;
		rc = open_stdio(chr, err, errlen);
	} else if (!strncmp(spec, "file:", 5)) {
		chr->kind = CHR_FILE;
		rc = open_file(chr, spec + 5, err, errlen);
	} else if (!strncmp(spec, "unix:", 5)) {
		rc = open_socket(chr, spec, false, err, errlen);
	} else if (!strncmp(spec, "tcp:", 4)) {
		rc = open_socket(chr, spec, true, err, errlen);
	} else {
		set_err(err, errlen, "unknown character device '%s' (use pty, stdio, file:PATH, "
			"unix:PATH[,server[,nowait]], tcp:HOST:PORT[,server[,nowait]], null, none)", spec);
		rc = -1;
	}
	if (rc < 0) {
		chardev_close(chr);
		return NULL;
	}

	if (loop && (chr->in_fd >= 0 || chr->listen_fd >= 0)) {
		chr->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (chr->wake_fd < 0 ||
		    evloop_add_fd(loop, chr->wake_fd, EPOLLIN, wake_ready, chr) < 0) {
			set_err(err, errlen, "%s: eventfd: %s", chr->desc, strerror(errno));
			chardev_close(chr);
			return NULL;
		}
		if (chr->in_fd >= 0)
			watch_input(chr, true); /* may fail (stdin is a regular file): no input then */
		else
			evloop_add_fd(loop, chr->listen_fd, EPOLLIN, listen_ready, chr);
	}
	return chr;
}

void chardev_close(struct chardev *chr)
{
	if (!chr)
		return;
	if (chr->loop) {
		watch_input(chr, false);
		if (chr->listen_fd >= 0)
			evloop_del_fd(chr->loop, chr->listen_fd);
		if (chr->wake_fd >= 0)
			evloop_del_fd(chr->loop, chr->wake_fd);
	}
	if (chr->kind == CHR_STDIO) {
		restore_tty();
		if (chr->out_fd >= 0)
			close(chr->out_fd);
		atomic_store(&stdio_taken, false);
	} else {
		if (chr->out_fd >= 0)
			close(chr->out_fd);
		if (chr->in_fd >= 0 && chr->in_fd != chr->out_fd)
			close(chr->in_fd);
	}
	if (chr->listen_fd >= 0)
		close(chr->listen_fd);
	if (chr->wake_fd >= 0)
		close(chr->wake_fd);
	if (chr->pty_slave >= 0)
		close(chr->pty_slave);
	if (chr->unlink_path) {
		unlink(chr->unlink_path);
		free(chr->unlink_path);
	}
	pthread_mutex_destroy(&chr->lock);
	free(chr->desc);
	free(chr);
}

/* ---- small accessors ---------------------------------------------------- */

void chardev_set_handler(struct chardev *chr, const struct chardev_handler *h)
{
	if (!chr)
		return;
	pthread_mutex_lock(&chr->lock);
	if (h)
		chr->h = *h;
	else
		memset(&chr->h, 0, sizeof(chr->h));
	pthread_mutex_unlock(&chr->lock);
	/* let the loop look at the new handler's room */
	atomic_store(&chr->want_wake, false);
	kick(chr);
}

void chardev_get_handler(struct chardev *chr, struct chardev_handler *out)
{
	memset(out, 0, sizeof(*out));
	if (chr)
		snapshot_handler(chr, out);
}

void chardev_detach_loop(struct chardev *chr)
{
	if (chr) {
		chr->loop = NULL;
		chr->in_watched = false;
	}
}

const char *chardev_describe(const struct chardev *chr)
{
	return chr ? chr->desc : "none";
}

void chardev_set_tap(struct chardev *chr, void (*fn)(void *, const uint8_t *, size_t), void *opaque)
{
	if (!chr)
		return;
	const size_t n = sizeof(chr->taps) / sizeof(chr->taps[0]);
	pthread_mutex_lock(&chr->lock);
	for (size_t i = 0; i < n; i++) /* one tap per opaque: replace or remove it */
		if (chr->taps[i].fn && (chr->taps[i].opaque == opaque || (!fn && !opaque)))
			chr->taps[i].fn = NULL;
	for (size_t i = 0; fn && i < n; i++) {
		if (!chr->taps[i].fn) {
			chr->taps[i].fn = fn;
			chr->taps[i].opaque = opaque;
			break;
		}
	}
	pthread_mutex_unlock(&chr->lock);
}

uint64_t chardev_dropped(const struct chardev *chr)
{
	return chr ? atomic_load(&chr->dropped) : 0;
}

bool chardev_connected(struct chardev *chr)
{
	if (!chr)
		return false;
	pthread_mutex_lock(&chr->lock);
	bool c = chr->out_fd >= 0;
	pthread_mutex_unlock(&chr->lock);
	return c;
}

void chardev_set_quit_hook(struct chardev *chr, void (*fn)(void *opaque), void *opaque)
{
	if (!chr)
		return;
	chr->esc.quit = fn;
	chr->esc.quit_opaque = opaque;
}

void chardev_set_escape_hook(struct chardev *chr, bool (*fn)(void *opaque, uint8_t key),
			     const char *help, void *opaque)
{
	if (!chr)
		return;
	chr->esc.key = fn;
	chr->esc.key_opaque = opaque;
	chr->esc.key_help = help;
}
