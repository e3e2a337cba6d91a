/*
 * Fuzz target for the monitor's unix-socket protocol (ui/monitor/socket.c
 * and the session's line assembly): clients connect to a real monitor
 * socket on a KVM-less test VM and send what the input says, cut into
 * reads where it says: partial lines, lines far past the 4 KiB limit,
 * binary bytes and NULs, many commands in one write, \r, \n and \r\n, more
 * clients than the socket takes, and clients that vanish mid-command
 * (close, reset, half-close). Nothing may crash, leak or overrun, and
 * afterwards a new client must still get the banner and an answer to
 * `info status`.
 *
 * Input: a program of one-byte operations (OP_* below) with their operand
 * bytes; a byte under 0x80 sends the next (byte + 1) bytes as one write.
 * Inputs whose bytes for one client would spell screendump (the command
 * that writes a host file at any path) are skipped.
 * Each input runs on a fresh VM and socket: a finding replays from its file.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/block.h"
#include "ui/monitor/monitor.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"

/* a thread and a few sockets an input: about 1 ms each */
const long fuzz_max_iters = 10000;

enum {
	OP_CONNECT = 0x80,   /* a new client becomes the current one */
	OP_SELECT = 0x81,    /* operand: which open client is current */
	OP_CLOSE = 0x82,     /* the current client closes, whatever it was sending */
	OP_RESET = 0x83,     /* ... closes with a reset (SO_LINGER 0) */
	OP_HALFCLOSE = 0x84, /* ... shuts down its sending side */
	OP_LONG = 0x85,      /* operands n, c: (n + 1) * 64 bytes c in one write */
	OP_MANY = 0x86,      /* operands n, k: n % 64 + 1 table commands in one write */
	OP_CMD = 0x87,       /* operand k: one table command and "\n" */
	OP_SYNC = 0x88,      /* wait for the prompts of every line sent so far */
};

#define MAX_CL 20            /* more than the socket's 16 */
#define STALL_MS 5000        /* the monitor read nothing for this long: a hang */

static const char *const commands[] = {
	"info status", "help", "info block", "info chardev", "x /4xb 0", "xp /2xg 0x1000",
	"info version", "info name", "?", "info", "eject -f ide1-cd0", "info registers",
	"mouse_move 1 2", "info mice", "sendkey ctrl-alt-delete 0", "log cmd", "info stats",
	"cpu 0", "help info", "unknown_cmd", "x /64xg 0", "info pci", "\"unterminated",
	"info cpus", "cont", "",
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

struct client {
	int fd;              /* -1: closed by us */
	bool eof;            /* the monitor closed it */
	bool wr_shut;
	size_t lines;        /* line ends sent, as the session counts them */
	bool last_cr;
	size_t prompts;      /* prompts received */
	unsigned match;      /* bytes of the prompt matched so far */
	char tail[128];      /* the end of what it received (for messages) */
};

struct run {
	struct vm *vm;
	struct vm_config cfg;
	char path[108];
	struct client cl[MAX_CL];
	int n, cur;
	bool sync_gave_up;
	/* dry run: what each client would send, to find screendump */
	bool dry;
	char *stream[MAX_CL];
	size_t slen[MAX_CL];
};

static char sock_dir[64];

static void remove_dir(void)
{
	if (!sock_dir[0])
		return;
	char p[128];
	snprintf(p, sizeof(p), "%s/m.sock", sock_dir);
	unlink(p);
	rmdir(sock_dir);
}

static void broken(const char *what)
{
	fprintf(stderr, "fuzz_monitor_sock: %s\n", what);
	abort();
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void received(struct client *c, const char *buf, size_t n)
{
	const char *p = monitor_prompt();
	size_t plen = strlen(p);
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != p[c->match])
			c->match = buf[i] == p[0];
		else if (++c->match == plen) {
			c->prompts++;
			c->match = 0;
		}
	}
	size_t keep = sizeof(c->tail) - 1, have = strlen(c->tail);
	if (n >= keep) {
		memcpy(c->tail, buf + n - keep, keep);
		c->tail[keep] = 0;
	} else {
		size_t drop = have + n > keep ? have + n - keep : 0;
		memmove(c->tail, c->tail + drop, have - drop);
		memcpy(c->tail + have - drop, buf, n);
		c->tail[have - drop + n] = 0;
	}
}

/* Read whatever the monitor sent to any client, waiting up to ms for it. */
static void pump(struct run *r, int ms)
{
	struct pollfd pfd[MAX_CL];
	int idx[MAX_CL], n = 0;
	for (int i = 0; i < r->n; i++)
		if (r->cl[i].fd >= 0 && !r->cl[i].eof) {
			pfd[n] = (struct pollfd){ .fd = r->cl[i].fd, .events = POLLIN };
			idx[n++] = i;
		}
	if (!n) {
		if (ms)
			usleep((useconds_t)ms * 1000);
		return;
	}
	if (poll(pfd, (nfds_t)n, ms) <= 0)
		return;
	for (int k = 0; k < n; k++) {
		if (!pfd[k].revents)
			continue;
		struct client *c = &r->cl[idx[k]];
		char buf[4096];
		for (;;) {
			ssize_t got = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (got > 0) {
				received(c, buf, (size_t)got);
				continue;
			}
			if (got == 0 || (errno != EAGAIN && errno != EINTR))
				c->eof = true;
			break;
		}
	}
}

static void count_lines(struct client *c, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool was_cr = c->last_cr;
		c->last_cr = p[i] == '\r';
		if ((p[i] == '\r' || p[i] == '\n') && !(p[i] == '\n' && was_cr))
			c->lines++;
	}
}

/* One write of n bytes by the current client (none when it is closed). */
static void send_bytes(struct run *r, const void *buf, size_t n)
{
	if (r->cur < 0 || !n)
		return;
	if (r->dry) {
		r->stream[r->cur] = realloc(r->stream[r->cur], r->slen[r->cur] + n);
		memcpy(r->stream[r->cur] + r->slen[r->cur], buf, n);
		r->slen[r->cur] += n;
		return;
	}
	struct client *c = &r->cl[r->cur];
	if (c->fd < 0 || c->wr_shut || c->eof)
		return;
	count_lines(c, buf, n);
	const char *p = buf;
	uint64_t last = now_ms();
	while (n) {
		ssize_t w = send(c->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			last = now_ms();
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			c->eof = true;   /* the monitor closed it (17th client) */
			return;
		}
		pump(r, 10);     /* the monitor answers while it reads */
		if (c->eof)
			return;
		if (now_ms() - last > STALL_MS)
			broken("the monitor stopped reading a client");
	}
}

/*
 * A new client. Non-blocking: while the listen backlog is full, the clients
 * already connected are read (the monitor may be writing to one of them).
 */
static int connect_sock(struct run *r)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", r->path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		broken("socket");
	uint64_t start = now_ms();
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "fuzz_monitor_sock: connect: %s\n", strerror(errno));
			broken("cannot connect to the monitor socket");
		}
		if (now_ms() - start > STALL_MS)
			broken("the monitor accepts no more clients");
		pump(r, 10);
	}
	return fd;
}

static void op_connect(struct run *r)
{
	if (r->n == MAX_CL)
		return;
	struct client *c = &r->cl[r->n];
	memset(c, 0, sizeof(*c));
	c->fd = r->dry ? -1 : connect_sock(r);
	r->cur = r->n++;
}

static void op_close(struct run *r, bool reset, bool half)
{
	if (r->cur < 0 || r->dry)
		return;
	struct client *c = &r->cl[r->cur];
	if (c->fd < 0)
		return;
	if (half) {
		shutdown(c->fd, SHUT_WR);
		c->wr_shut = true;
		return;
	}
	if (reset) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(c->fd);
	c->fd = -1;
}

/* Wait for a prompt after every line sent (at most 2 s an input). */
static void op_sync(struct run *r)
{
	if (r->dry || r->sync_gave_up)
		return;
	uint64_t start = now_ms();
	for (;;) {
		bool waiting = false;
		for (int i = 0; i < r->n; i++) {
			struct client *c = &r->cl[i];
			if (c->fd >= 0 && !c->eof && c->prompts < c->lines + 1)
				waiting = true;
		}
		if (!waiting)
			return;
		if (now_ms() - start > 2000) {
			r->sync_gave_up = true;  /* `quit` ends the prompts */
			return;
		}
		pump(r, 20);
	}
}

static void run_program(struct run *r, const uint8_t *d, size_t size)
{
	r->n = 0;
	r->cur = -1;
	op_connect(r);
	size_t i = 0;
	while (i < size) {
		uint8_t op = d[i++];
		if (op < 0x80) {
			size_t n = MIN((size_t)op + 1, size - i);
			send_bytes(r, d + i, n);
			i += n;
			continue;
		}
		uint8_t a = i < size ? d[i] : 0, b = i + 1 < size ? d[i + 1] : 0;
		switch (op) {
		case OP_CONNECT:
			op_connect(r);
			break;
		case OP_SELECT:
			i++;
			if (r->n)
				r->cur = a % r->n;
			break;
		case OP_CLOSE:
		case OP_RESET:
		case OP_HALFCLOSE:
			op_close(r, op == OP_RESET, op == OP_HALFCLOSE);
			break;
		case OP_LONG: {
			i += 2;
			size_t n = ((size_t)a + 1) * 64;
			char *buf = malloc(n);
			memset(buf, b, n);
			send_bytes(r, buf, n);
			free(buf);
			break;
		}
		case OP_MANY: {
			i += 2;
			char buf[64 * 32];
			size_t len = 0;
			for (unsigned k = 0; k < a % 64u + 1; k++) {
				const char *cmd = commands[(b + k) % N_COMMANDS];
				len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", cmd,
							k & 1 ? "\r\n" : "\n");
			}
			send_bytes(r, buf, len);
			break;
		}
		case OP_CMD: {
			i++;
			char buf[64];
			int len = snprintf(buf, sizeof(buf), "%s\n", commands[a % N_COMMANDS]);
			send_bytes(r, buf, (size_t)len);
			break;
		}
		case OP_SYNC:
			op_sync(r);
			break;
		default:
			send_bytes(r, &op, 1);   /* a binary byte */
			break;
		}
		if (!r->dry)
			pump(r, 0);
	}
}

/* Would any client's bytes, NULs taken out, spell the file-writing command? */
static bool writes_files(const uint8_t *data, size_t size)
{
	struct run *r = calloc(1, sizeof(*r));
	r->dry = true;
	run_program(r, data, size);
	bool found = false;
	for (int i = 0; i < MAX_CL; i++) {
		size_t n = 0;
		for (size_t k = 0; k < r->slen[i]; k++)
			if (r->stream[i][k])
				r->stream[i][n++] = r->stream[i][k];
		if (memmem(r->stream[i] ? r->stream[i] : "", n, "screendump", 10))
			found = true;
		free(r->stream[i]);
	}
	free(r);
	return found;
}

static void setup(struct run *r)
{
	if (!sock_dir[0]) {
		snprintf(sock_dir, sizeof(sock_dir), "/tmp/vmst-fuzz-monsock-XXXXXX");
		if (!mkdtemp(sock_dir))
			broken("mkdtemp");
		atexit(remove_dir);
	}
	snprintf(r->path, sizeof(r->path), "%s/m.sock", sock_dir);
	vmconfig_defaults(&r->cfg);
	r->vm = vm_new_test(2, &r->cfg);
	if (!r->vm)
		broken("cannot make the test VM");
	vm_add_block(r->vm, block_new(BLK_DISK, "ide0-hd0", "hda"));
	vm_add_block(r->vm, block_new(BLK_CDROM, "ide1-cd0", "hdc"));
	char spec[128];
	snprintf(spec, sizeof(spec), "unix:%s", r->path);
	if (monitor_start(r->vm, spec) < 0)
		broken("cannot open the monitor socket");
}

static void teardown(struct run *r)
{
	for (int i = 0; i < r->n; i++)
		if (r->cl[i].fd >= 0)
			close(r->cl[i].fd);
	monitor_stop_all(r->vm);
	struct blockdev *bds[VM_MAX_BLOCK];
	unsigned n = r->vm->n_blocks;
	memcpy(bds, r->vm->blocks, n * sizeof(bds[0]));
	vm_destroy(r->vm);
	for (unsigned i = 0; i < n; i++)
		block_free(bds[i]);
	vmconfig_free(&r->cfg);
}

/* Every client half-closes; the monitor must answer what it got and hang up. */
static void finish_clients(struct run *r)
{
	for (int i = 0; i < r->n; i++)
		if (r->cl[i].fd >= 0 && !r->cl[i].wr_shut) {
			shutdown(r->cl[i].fd, SHUT_WR);
			r->cl[i].wr_shut = true;
		}
	uint64_t start = now_ms();
	for (;;) {
		bool open = false;
		for (int i = 0; i < r->n; i++)
			open |= r->cl[i].fd >= 0 && !r->cl[i].eof;
		if (!open)
			return;
		if (now_ms() - start > STALL_MS)
			broken("the monitor did not hang up on a client that had finished");
		pump(r, 50);
	}
}

/* A new client still gets the banner, a prompt and an answer. */
static void check_alive(struct run *r)
{
	struct client c = { .fd = connect_sock(r) };
	static const char q[] = "info status\n";
	if (send(c.fd, q, sizeof(q) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(q) - 1)
		broken("cannot send to a new client");
	shutdown(c.fd, SHUT_WR);
	uint64_t start = now_ms();
	bool banner = false, status = false;
	while (!c.eof && now_ms() - start < STALL_MS) {
		struct pollfd p = { .fd = c.fd, .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		char buf[1024];
		ssize_t got = recv(c.fd, buf, sizeof(buf) - 1, 0);
		if (got <= 0) {
			c.eof = true;
			break;
		}
		buf[got] = 0;
		banner |= strstr(buf, monitor_banner()) != NULL;
		status |= strstr(buf, "VM status: ") != NULL;
		received(&c, buf, (size_t)got);
	}
	close(c.fd);
	if (!banner || !status || c.prompts < 2) {
		fprintf(stderr, "fuzz_monitor_sock: a new client got banner %d, status %d, "
			"%zu prompts; last bytes '%s'\n", banner, status, c.prompts, c.tail);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (writes_files(data, size))
		return 0;
	struct run *r = calloc(1, sizeof(*r));
	setup(r);
	run_program(r, data, size);
	finish_clients(r);
	check_alive(r);
	teardown(r);
	free(r);
	return 0;
}
