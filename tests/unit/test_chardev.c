/*
 * Character back ends with a running event loop: file, null/none, pty,
 * unix sockets (server with reconnects and one client at a time, client),
 * tcp client, stdio through pipes, input back-pressure, dropped output,
 * the tap and the ctrl-a escape filter.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <pty.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/chardev.h"
#include "core/evloop.h"
#include "unit.h"
#include "core/util.h"

/* ---- a device stand-in: takes `room` bytes at most ---------------------- */

struct sink {
	pthread_mutex_t lock;
	uint8_t buf[1 << 16];
	size_t len;
	size_t room;      /* what can_receive reports */
	unsigned calls;   /* receive calls */
};

static size_t sink_can_receive(void *opaque)
{
	struct sink *s = opaque;
	pthread_mutex_lock(&s->lock);
	size_t r = s->room;
	pthread_mutex_unlock(&s->lock);
	return r;
}

static void sink_receive(void *opaque, const uint8_t *buf, size_t len)
{
	struct sink *s = opaque;
	pthread_mutex_lock(&s->lock);
	if (len > s->room)
		s->buf[sizeof(s->buf) - 1] = 0xEE; /* overflow marker, checked below */
	for (size_t i = 0; i < len && s->len < sizeof(s->buf); i++)
		s->buf[s->len++] = buf[i];
	s->room -= MIN(len, s->room);
	s->calls++;
	pthread_mutex_unlock(&s->lock);
}

static void sink_init(struct sink *s, size_t room)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->room = room;
}

static void sink_set_room(struct sink *s, size_t room)
{
	pthread_mutex_lock(&s->lock);
	s->room = room;
	pthread_mutex_unlock(&s->lock);
}

static size_t sink_len(struct sink *s)
{
	pthread_mutex_lock(&s->lock);
	size_t n = s->len;
	pthread_mutex_unlock(&s->lock);
	return n;
}

static void attach(struct chardev *chr, struct sink *s)
{
	struct chardev_handler h = { sink_can_receive, sink_receive, s };
	chardev_set_handler(chr, &h);
}

/* Wait up to 2 s for the sink to hold n bytes. */
static bool wait_len(struct sink *s, size_t n)
{
	for (int i = 0; i < 2000; i++) {
		if (sink_len(s) >= n)
			return true;
		usleep(1000);
	}
	return false;
}

static void msleep(int ms)
{
	usleep(ms * 1000);
}

/* Read up to len bytes from a blocking-ish fd, waiting up to 2 s. */
static size_t read_all(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	for (int i = 0; i < 2000 && got < len; i++) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n > 0)
			got += (size_t)n;
		else
			usleep(1000);
	}
	fcntl(fd, F_SETFL, fl);
	return got;
}

/* Close on the loop's thread, as the contract asks while the loop runs. */
static void close_on_loop(void *chr)
{
	chardev_close(chr);
}

static char tmpdir[64];

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

/* ---- tests -------------------------------------------------------------- */

static void test_specs(struct evloop *loop)
{
	char err[256] = "";
	struct chardev *c = chardev_open("null", loop, err, sizeof(err));
	CHECK(c && !strcmp(chardev_describe(c), "null"), "null opens and describes itself");
	CHECK_EQ(chardev_write(c, "abc", 3), 3, "writes to null succeed");
	chardev_close(c);
	c = chardev_open("none", loop, err, sizeof(err));
	CHECK(c && !strcmp(chardev_describe(c), "none"), "none");
	chardev_close(c);
	c = chardev_open("bogus:x", loop, err, sizeof(err));
	CHECK(!c && strstr(err, "unknown character device 'bogus:x'"), "unknown spec: '%s'", err);
	c = chardev_open("unix:/tmp/x,server,frobnicate", loop, err, sizeof(err));
	CHECK(!c && strstr(err, "frobnicate"), "unknown socket option named: '%s'", err);
	char longp[200];
	memset(longp, 'a', sizeof(longp));
	memcpy(longp, "unix:/", 6);
	longp[sizeof(longp) - 1] = 0;
	c = chardev_open(longp, loop, err, sizeof(err));
	CHECK(!c && strstr(err, "longer than"), "over-long socket path refused");
	c = chardev_open("file:/nonexistent-dir/f", loop, err, sizeof(err));
	CHECK(!c && strstr(err, "No such file"), "file in a missing directory: '%s'", err);
}

static uint8_t tapped[256];
static size_t tapped_len;

static void tap_fn(void *opaque, const uint8_t *buf, size_t len)
{
	(void)opaque;
	for (size_t i = 0; i < len && tapped_len < sizeof(tapped); i++)
		tapped[tapped_len++] = buf[i];
}

static void test_file(struct evloop *loop)
{
	char err[256];
	char *path = tmp_path("out.txt");
	FILE *f = fopen(path, "w");
	fputs("old content that must go\n", f);
	fclose(f);
	char *spec = xasprintf("file:%s", path);
	struct chardev *c = chardev_open(spec, loop, err, sizeof(err));
	CHECK(c != NULL, "file opens");
	CHECK_STR(chardev_describe(c), spec, "file describes itself");
	chardev_set_tap(c, tap_fn, NULL);
	chardev_write(c, "hello ", 6);
	chardev_write(c, "world\n", 6);
	chardev_close(c);
	size_t len;
	char *data = read_file(path, &len);
	CHECK(data && len == 12 && !memcmp(data, "hello world\n", 12), "file truncated and written");
	CHECK(tapped_len == 12 && !memcmp(tapped, "hello world\n", 12), "tap saw the same bytes");
	free(data);
	free(spec);
	free(path);
}

static void test_pty(struct evloop *loop)
{
	char err[256];
	struct sink s;
	sink_init(&s, 1000);
	struct chardev *c = chardev_open("pty", loop, err, sizeof(err));
	CHECK(c != NULL, "pty opens");
	const char *d = chardev_describe(c);
	CHECK(!strncmp(d, "pty:/dev/pts/", 13), "pty describes itself as pty:/dev/pts/N ('%s')", d);
	attach(c, &s);
	int fd = open(d + 4, O_RDWR | O_NOCTTY);
	CHECK(fd >= 0, "the pty's slave opens");
	chardev_write(c, "guest-out", 9);
	uint8_t buf[64];
	size_t n = read_all(fd, buf, 9);
	CHECK(n == 9 && !memcmp(buf, "guest-out", 9), "output reaches the pty unchanged (raw mode)");
	CHECK(write(fd, "typed\r\n", 7) == 7, "type into the pty");
	CHECK(wait_len(&s, 7) && !memcmp(s.buf, "typed\r\n", 7), "input arrives at the device unchanged");

	/* back-pressure: room 0 holds input back, accept_input lets it through */
	sink_set_room(&s, 0);
	size_t before = sink_len(&s);
	CHECK(write(fd, "0123456789", 10) == 10, "type 10 more bytes");
	msleep(50);
	CHECK_EQ(sink_len(&s) - before, 0, "device full: nothing delivered");
	sink_set_room(&s, 4);
	chardev_accept_input(c);
	CHECK(wait_len(&s, before + 4), "accept_input: 4 bytes delivered");
	msleep(30);
	CHECK_EQ(sink_len(&s) - before, 4, "no more than can_receive allowed");
	sink_set_room(&s, 100);
	chardev_accept_input(c);
	CHECK(wait_len(&s, before + 10) && !memcmp(s.buf + before, "0123456789", 10),
	      "the rest follows in order");
	CHECK(s.buf[sizeof(s.buf) - 1] != 0xEE, "receive never got more than can_receive");
	close(fd);
	/* nobody on the slave: output must not block, and nothing breaks */
	uint8_t big[4096];
	memset(big, 'x', sizeof(big));
	uint64_t t0 = clock_ns();
	for (int i = 0; i < 64; i++)
		chardev_write(c, big, sizeof(big));
	CHECK(clock_ns() - t0 < 1000000000ull, "256 KiB to an unread pty returns at once");
	CHECK(chardev_dropped(c) > 0, "and the excess is counted as dropped (%llu)",
	      (unsigned long long)chardev_dropped(c));
	evloop_call_sync(loop, close_on_loop, c);
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Write until the device has seen n bytes or time runs out (the chardev may be between clients). */
static bool wait_connected(struct chardev *c)
{
	for (int i = 0; i < 2000; i++) {
		if (chardev_connected(c))
			return true;
		usleep(1000);
	}
	return false;
}

static bool wait_disconnected(struct chardev *c)
{
	for (int i = 0; i < 2000; i++) {
		if (!chardev_connected(c))
			return true;
		usleep(1000);
	}
	return false;
}

static void test_unix_server(struct evloop *loop)
{
	char err[256];
	struct sink s;
	sink_init(&s, 1 << 15);
	char *path = tmp_path("com1.sock");
	char *spec = xasprintf("unix:%s,server,nowait", path);
	struct chardev *c = chardev_open(spec, loop, err, sizeof(err));
	CHECK(c != NULL, "unix server opens without waiting (%s)", c ? "" : err);
	char *want = xasprintf("unix:%s,server", path);
	CHECK_STR(chardev_describe(c), want, "describes itself");
	attach(c, &s);
	struct stat st;
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600,
	      "socket file has mode 0600");
	CHECK(!chardev_connected(c), "no client yet");
	chardev_write(c, "lost", 4);
	CHECK_EQ(chardev_dropped(c), 0, "output without a client is discarded, not a drop");

	int a = connect_unix(path);
	CHECK(a >= 0 && wait_connected(c), "first client connects");
	int b = connect_unix(path); /* waits in the backlog */
	msleep(30);
	chardev_write(c, "to-a", 4);
	uint8_t buf[64];
	CHECK(read_all(a, buf, 4) == 4 && !memcmp(buf, "to-a", 4), "output goes to the client");
	CHECK(write(a, "from-a", 6) == 6 && wait_len(&s, 6) && !memcmp(s.buf, "from-a", 6),
	      "client input reaches the device");
	CHECK(b >= 0, "second client connected to the backlog");
	CHECK(write(b, "from-b", 6) == 6, "second client writes");
	msleep(50);
	CHECK_EQ(sink_len(&s), 6, "one client at a time: the second is not served yet");
	close(a);
	CHECK(wait_len(&s, 12) && !memcmp(s.buf + 6, "from-b", 6),
	      "first leaves: the second is accepted and its input arrives");
	chardev_write(c, "to-b", 4);
	CHECK(read_all(b, buf, 4) == 4 && !memcmp(buf, "to-b", 4), "output follows to the second client");
	close(b);
	CHECK(wait_disconnected(c), "client gone");
	int a2 = connect_unix(path);
	CHECK(a2 >= 0 && wait_connected(c), "a client reconnects later");

	/* a client that never reads: the writer never stalls, drops are exact */
	uint8_t chunk[1024];
	memset(chunk, 'z', sizeof(chunk));
	uint64_t t0 = clock_ns();
	size_t total = 0;
	for (int i = 0; i < 4096; i++) {
		chardev_write(c, chunk, sizeof(chunk));
		total += sizeof(chunk);
	}
	uint64_t ms = (clock_ns() - t0) / 1000000;
	CHECK(ms < 2000, "4 MiB to a stalled client took %llu ms (never blocks)", (unsigned long long)ms);
	uint64_t dropped = chardev_dropped(c);
	CHECK(dropped > 0, "drops counted (%llu)", (unsigned long long)dropped);
	size_t got = 0;
	uint8_t *rb = xmalloc(total);
	got = read_all(a2, rb, total - dropped);
	CHECK_EQ(got + dropped, total, "bytes received + bytes dropped = bytes written");
	free(rb);
	close(a2);
	evloop_call_sync(loop, close_on_loop, c);
	CHECK(access(path, F_OK) != 0, "socket file removed on close");
	free(want);
	free(spec);
	free(path);
}

struct late_client {
	char *path;
	int fd;
};

static void *connect_later(void *arg)
{
	struct late_client *lc = arg;
	for (int i = 0; i < 2000 && lc->fd < 0; i++) {
		usleep(1000);
		lc->fd = connect_unix(lc->path);
	}
	return NULL;
}

static void test_unix_wait_and_client(struct evloop *loop)
{
	char err[256];
	struct late_client lc = { tmp_path("wait.sock"), -1 };
	pthread_t t;
	pthread_create(&t, NULL, connect_later, &lc);
	char *spec = xasprintf("unix:%s,server", lc.path);
	struct chardev *c = chardev_open(spec, loop, err, sizeof(err));
	pthread_join(t, NULL);
	CHECK(c != NULL && lc.fd >= 0 && chardev_connected(c),
	      "unix server without nowait returns once a client connected");
	chardev_write(c, "hi", 2);
	uint8_t buf[8];
	CHECK(read_all(lc.fd, buf, 2) == 2 && !memcmp(buf, "hi", 2), "and talks to it");
	close(lc.fd);
	evloop_call_sync(loop, close_on_loop, c);
	free(spec);

	/* client mode: we listen, the chardev connects */
	char *path = tmp_path("listen.sock");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(l, (struct sockaddr *)&sa, sizeof(sa));
	listen(l, 1);
	spec = xasprintf("unix:%s", path);
	struct sink s;
	sink_init(&s, 100);
	c = chardev_open(spec, loop, err, sizeof(err));
	CHECK(c != NULL, "unix client connects");
	attach(c, &s);
	int peer = accept(l, NULL, NULL);
	chardev_write(c, "ping", 4);
	CHECK(read_all(peer, buf, 4) == 4 && !memcmp(buf, "ping", 4), "client output");
	CHECK(write(peer, "pong", 4) == 4 && wait_len(&s, 4) && !memcmp(s.buf, "pong", 4), "client input");
	close(peer);
	CHECK(wait_disconnected(c), "peer closed: the client notices");
	CHECK_EQ(chardev_write(c, "x", 1), 1, "writing after the hang-up is harmless");
	evloop_call_sync(loop, close_on_loop, c);
	close(l);
	free(spec);
	spec = xasprintf("unix:%s/nobody.sock", tmpdir);
	c = chardev_open(spec, loop, err, sizeof(err));
	CHECK(!c && strstr(err, "No such file"), "client to a missing socket fails: '%s'", err);
	free(spec);
	free(path);
	free(lc.path);
}

static void test_tcp_client(struct evloop *loop)
{
	char err[256];
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	bind(l, (struct sockaddr *)&sa, sizeof(sa));
	listen(l, 1);
	getsockname(l, (struct sockaddr *)&sa, &sl);
	char *spec = xasprintf("tcp:127.0.0.1:%u", ntohs(sa.sin_port));
	struct chardev *c = chardev_open(spec, loop, err, sizeof(err));
	CHECK(c != NULL, "tcp client connects (%s)", c ? spec : err);
	int peer = accept(l, NULL, NULL);
	chardev_write(c, "tcp!", 4);
	uint8_t buf[8];
	CHECK(read_all(peer, buf, 4) == 4 && !memcmp(buf, "tcp!", 4), "tcp output");
	close(peer);
	close(l);
	evloop_call_sync(loop, close_on_loop, c);
	free(spec);
}

static int quits;
static uint8_t keys[8];
static unsigned n_keys;
static char printed[512];

static void quit_fn(void *opaque)
{
	(void)opaque;
	quits++;
}

static bool key_fn(void *opaque, uint8_t key)
{
	(void)opaque;
	if (n_keys < sizeof(keys))
		keys[n_keys++] = key;
	return key == 'c';
}

static void print_fn(void *opaque, const char *text)
{
	(void)opaque;
	strncat(printed, text, sizeof(printed) - strlen(printed) - 1);
}

static void test_escape(void)
{
	struct chardev_escape e = { .quit = quit_fn, .key = key_fn, .key_help = "C-a c    monitor\r\n",
				    .print = print_fn };
	uint8_t in[] = "ab\x01\x01" "c\x01" "c\x01h\x01x";
	size_t n = chardev_escape_filter(&e, in, sizeof(in) - 1);
	CHECK(n == 4 && !memcmp(in, "ab\x01" "c", 4), "ctrl-a ctrl-a sends one ctrl-a, other bytes pass");
	CHECK(n_keys == 1 && keys[0] == 'c', "ctrl-a c goes to the key hook");
	CHECK(strstr(printed, "C-a x") && strstr(printed, "C-a c    monitor"), "ctrl-a h prints the keys and the hook's help");
	CHECK_EQ(quits, 1, "ctrl-a x calls the quit hook");
	uint8_t split1[] = "z\x01", split2[] = "x";
	n = chardev_escape_filter(&e, split1, 2);
	CHECK(n == 1 && e.armed, "ctrl-a at the end of a read stays armed");
	n = chardev_escape_filter(&e, split2, 1);
	CHECK(n == 0 && quits == 2, "and the key in the next read completes it");
}

static void test_stdio(struct evloop *loop)
{
	char err[256];
	int out_pipe[2], in_pipe[2];
	fflush(stdout);
	int saved_out = dup(1), saved_in = dup(0);
	if (pipe(out_pipe) < 0 || pipe(in_pipe) < 0)
		return;
	dup2(out_pipe[1], 1);
	dup2(in_pipe[0], 0);
	struct chardev *c = chardev_open("stdio", loop, err, sizeof(err));
	struct chardev *c2 = chardev_open("stdio", loop, err, sizeof(err));
	struct sink s;
	sink_init(&s, 100);
	quits = 0;
	if (c) {
		attach(c, &s);
		chardev_set_quit_hook(c, quit_fn, NULL);
		chardev_write(c, "to-stdout", 9);
	}
	ssize_t w = write(in_pipe[1], "k\x01" "x" "m", 4);
	uint8_t buf[16] = "";
	size_t n = read_all(out_pipe[0], buf, 9);
	bool got = wait_len(&s, 2);
	if (c)
		evloop_call_sync(loop, close_on_loop, c);
	dup2(saved_out, 1);
	dup2(saved_in, 0);
	close(saved_out);
	close(saved_in);
	CHECK(c != NULL, "stdio opens");
	CHECK(!c2 && strstr(err, "in use"), "a second stdio is refused: '%s'", err);
	CHECK(n == 9 && !memcmp(buf, "to-stdout", 9), "output reaches stdout");
	CHECK(w == 4 && got && s.len == 2 && !memcmp(s.buf, "km", 2) && quits == 1,
	      "stdin input reaches the device, ctrl-a x quits and is not delivered");
	c = chardev_open("stdio", loop, err, sizeof(err));
	CHECK(c != NULL, "stdio can be opened again after close");
	evloop_call_sync(loop, close_on_loop, c);
	for (int i = 0; i < 2; i++) {
		close(out_pipe[i]);
		close(in_pipe[i]);
	}
}

/* stdin a terminal: raw while open (no echo, no line editing, no signals), restored on close. */
static void test_stdio_tty(struct evloop *loop)
{
	char err[256];
	int m, sl;
	struct termios before, during, after;
	if (openpty(&m, &sl, NULL, NULL, NULL) < 0) {
		CHECK(0, "openpty: %s", strerror(errno));
		return;
	}
	int saved_in = dup(0);
	dup2(sl, 0);
	tcgetattr(0, &before);
	struct chardev *c = chardev_open("stdio", loop, err, sizeof(err));
	tcgetattr(0, &during);
	if (c)
		evloop_call_sync(loop, close_on_loop, c);
	tcgetattr(0, &after);
	dup2(saved_in, 0);
	close(saved_in);
	close(sl);
	close(m);
	CHECK((before.c_lflag & (ICANON | ECHO | ISIG)) == (ICANON | ECHO | ISIG),
	      "a fresh pty starts in cooked mode");
	CHECK(c && !(during.c_lflag & (ICANON | ECHO | ISIG)) && (during.c_oflag & OPOST),
	      "stdio on a terminal: raw input, output post-processing kept");
	CHECK(after.c_lflag == before.c_lflag && after.c_iflag == before.c_iflag &&
	      after.c_oflag == before.c_oflag, "terminal settings restored on close");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vmst-chardev-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("FAIL: test_chardev: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	struct evloop *loop = evloop_new("chardev-test");
	evloop_start_thread(loop);
	test_specs(loop);
	test_file(loop);
	test_escape();
	test_pty(loop);
	test_unix_server(loop);
	test_unix_wait_and_client(loop);
	test_tcp_client(loop);
	test_stdio(loop);
	test_stdio_tty(loop);
	evloop_free(loop);
	char *cmd = xasprintf("rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("note: could not remove %s\n", tmpdir);
	free(cmd);
	return UNIT_DONE();
}
