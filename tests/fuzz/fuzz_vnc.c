/*
 * Fuzz target for the VNC server (ui/vnc_server.c on LibVNCServer): a
 * fuzzed RFB client over loopback TCP against the server of a KVM-less VM
 * with the standard VGA behind it. The client does the handshake (RFB 3.8
 * or 3.3, no authentication or VNC authentication answered right) or sends
 * the input raw from the first byte, then the messages the input makes:
 * SetPixelFormat, SetEncodings, FramebufferUpdateRequest, KeyEvent,
 * PointerEvent, ClientCutText with any length, QEMU extended key events,
 * ctrl-alt-N console switches and any raw bytes, cut into writes where the
 * input says, while the guest side changes VBE modes and draws. The client
 * reads everything the server sends, then half-closes: the server must
 * take it all, hang up, and still greet a new client. Nothing may crash,
 * leak, overrun or allocate without bound (libFuzzer's malloc limit).
 *
 * Input: byte 0 = flags (HS_* in bits 0-1; bit 2: the server has a
 * password; bit 3: keymap 'de'), then a program of one-byte operations
 * (OP_* below) with their operand bytes; a byte under 0x80 sends the next
 * (byte + 1) bytes as one write.
 * Each input runs on a fresh VM and server: a finding replays from its
 * file (up to the interleaving of the server thread with the guest side).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <rfb/rfbproto.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/host/display.h"
#include "core/evloop.h"
#include "core/iobus.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"
#include "ui/vm_frontends.h"
#include "ui/vnc_server.h"
#include "firmware/pc.h"

/* a server thread, a VM and a TCP connection an input: several ms each */
const long fuzz_max_iters = 1000;

enum { HS_38, HS_33, HS_38_AUTH, HS_RAW };
#define F_PASSWORD 4u
#define F_KEYMAP_DE 8u
#define PASSWORD "fuzz-pw"

enum {
	OP_PIXFMT = 0x80,    /* 16 operand bytes: the pixel format */
	OP_ENCODINGS = 0x81, /* n, then n table indexes (0xFF: 4 raw bytes follow) */
	OP_UPDATE = 0x82,    /* 9: incremental, x, y, w, h */
	OP_KEY = 0x83,       /* down, keysym index (0xFF: 4 raw bytes follow) */
	OP_POINTER = 0x84,   /* 5: buttons, x, y */
	OP_CUTTEXT = 0x85,   /* 4: length as sent, then m and m bytes of text */
	OP_EXTKEY = 0x86,    /* down, keysym index, keycode (2) */
	OP_CONSOLE = 0x87,   /* n: ctrl-alt-(1 + n % 4) */
	OP_VBE = 0x88,       /* xres (2), yres (2), bpp index: the guest sets a mode */
	OP_DRAW = 0x89,      /* offset (2), value: the guest writes video memory */
	OP_TEXT = 0x8A,      /* offset, char: the guest in text mode writes a cell */
	OP_REFRESH = 0x8B,   /* the display refreshes */
	OP_WAIT = 0x8C,      /* n: read what the server sends for n % 32 ms (1 s an input) */
	OP_HALFCLOSE = 0x8D, /* the client stops sending here, mid-message or not */
};

#define STALL_MS 5000   /* under the 10 s time-out of libFuzzer and the driver */

static const uint32_t encodings[] = {
	rfbEncodingRaw, rfbEncodingCopyRect, rfbEncodingRRE, rfbEncodingCoRRE,
	rfbEncodingHextile, rfbEncodingZlib, rfbEncodingTight, rfbEncodingZlibHex,
	rfbEncodingUltra, rfbEncodingTRLE, rfbEncodingZRLE, rfbEncodingZYWRLE,
	rfbEncodingTightPng, rfbEncodingH264, rfbEncodingXCursor, rfbEncodingRichCursor,
	rfbEncodingPointerPos, rfbEncodingLastRect, rfbEncodingNewFBSize,
	rfbEncodingExtDesktopSize, rfbEncodingQemuExtendedKeyEvent, rfbEncodingXvp,
	rfbEncodingExtendedClipboard, rfbEncodingKeyboardLedState,
	rfbEncodingSupportedMessages, rfbEncodingSupportedEncodings,
	rfbEncodingCompressLevel0, rfbEncodingCompressLevel9, rfbEncodingQualityLevel0,
	rfbEncodingQualityLevel9, rfbEncodingFineQualityLevel0, rfbEncodingSubsamp4X,
	rfbEncodingCacheEnable, rfbEncodingXOREnable, 0xFFFFFEFF /* QEMU pointer motion */,
};
#define N_ENCODINGS (sizeof(encodings) / sizeof(encodings[0]))

static const uint32_t keysyms[] = {
	0xFFE3 /* Control_L */, 0xFFE4, 0xFFE9 /* Alt_L */, 0xFFEA, 0xFFE7 /* Meta_L */,
	0xFE03 /* ISO_Level3_Shift */, 0xFFE1 /* Shift_L */, 0xFFE2, '1', '2', '3', 'a', 'Z',
	'@', 0xE4 /* adiaeresis */, 0xFF0D /* Return */, 0xFF08, 0xFFFF, 0xFF09, 0xFF1B,
	0xFF51, 0xFF52, 0xFF53, 0xFF54, 0xFF50, 0xFF57, 0xFF55, 0xFF56, 0xFF8D,
	0xFFE5 /* Caps_Lock */, 0xFF7F /* Num_Lock */, 0xFFBE /* F1 */, 0xFF61 /* Print */,
	0xFE52 /* dead_circumflex */, 0x010020AC /* Unicode euro */, 0x1000041, 0,
};
#define N_KEYSYMS (sizeof(keysyms) / sizeof(keysyms[0]))

struct run {
	struct vm *vm;
	struct vm_config cfg;
	int fd;
	bool wr_shut, eof;
	size_t got;          /* bytes received */
	int wait_left;       /* ms that OP_WAIT may still take */
	const uint8_t *d;    /* the input and where the program is */
	size_t size, i;
};

static void broken(const char *what)
{
	fprintf(stderr, "fuzz_vnc: %s\n", what);
	abort();
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void irq_sink(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	(void)gsi;
	(void)level;
}

static void nothing(void *opaque)
{
	(void)opaque;
}

/* Read and drop what the server sent, waiting up to ms for something. */
static void pump(struct run *r, int ms)
{
	if (r->eof) {
		if (ms)
			usleep((useconds_t)ms * 1000);
		return;
	}
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	if (poll(&p, 1, ms) <= 0)
		return;
	static char buf[65536];
	for (;;) {
		ssize_t n = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			r->got += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			r->eof = true;
		return;
	}
}

static void send_bytes(struct run *r, const void *buf, size_t n)
{
	const char *p = buf;
	uint64_t last = now_ms();
	while (n && !r->wr_shut && !r->eof) {
		ssize_t w = send(r->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			last = now_ms();
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			r->eof = true;   /* the server dropped us */
			return;
		}
		pump(r, 10);     /* the server writes while it reads */
		if (now_ms() - last > STALL_MS)
			broken("the server stopped reading");
	}
}

/* Handshake reads: exactly n bytes within the stall time, else the server broke. */
static void read_exact(struct run *r, void *buf, size_t n, const char *what)
{
	uint8_t *p = buf;
	uint64_t start = now_ms();
	while (n) {
		struct pollfd pf = { .fd = r->fd, .events = POLLIN };
		if (now_ms() - start > STALL_MS) {
			fprintf(stderr, "fuzz_vnc: handshake: no %s from the server\n", what);
			abort();
		}
		if (poll(&pf, 1, 100) <= 0)
			continue;
		ssize_t got = recv(r->fd, p, n, MSG_DONTWAIT);
		if (got == 0) {
			fprintf(stderr, "fuzz_vnc: handshake: the server hung up before %s\n", what);
			abort();
		}
		if (got < 0)
			continue;
		p += got;
		n -= (size_t)got;
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* VNC authentication: DES of the challenge with the password as key. */
static void vnc_auth(struct run *r)
{
	unsigned char ch[16];
	read_exact(r, ch, 16, "challenge");
	rfbEncryptBytes(ch, (char *)PASSWORD);
	send_bytes(r, ch, 16);
}

static void security_result(struct run *r)
{
	uint8_t res[4];
	read_exact(r, res, 4, "security result");
	if (be32(res) != 0)
		broken("handshake: the server refused the right answer");
}

/*
 * The client's version goes first, before the server's arrives: the server
 * takes it all the same, and does not wait 100 ms for a WebSocket request
 * (LibVNCServer looks for one on every new connection).
 */
static void handshake(struct run *r, int mode)
{
	send_bytes(r, mode == HS_33 ? "RFB 003.003\n" : "RFB 003.008\n", 12);
	char ver[13] = "";
	read_exact(r, ver, 12, "version");
	if (strncmp(ver, "RFB 003.", 8))
		broken("handshake: no RFB version from the server");
	bool auth = r->cfg.vncpasswd != NULL;   /* HS_38_AUTH or F_PASSWORD */
	if (mode == HS_33) {
		uint8_t t[4];
		read_exact(r, t, 4, "security type");
		if (be32(t) == rfbVncAuth) {
			vnc_auth(r);
			security_result(r);
		} else if (be32(t) != rfbNoAuth) {
			broken("handshake: unexpected 3.3 security type");
		}
	} else {
		uint8_t n;
		read_exact(r, &n, 1, "number of security types");
		uint8_t types[255];
		if (!n)
			broken("handshake: the server offers no security type");
		read_exact(r, types, n, "security types");
		uint8_t want = auth ? rfbVncAuth : rfbNoAuth;
		if (!memchr(types, want, n))
			broken("handshake: the security type the configuration asks for is missing");
		send_bytes(r, &want, 1);
		if (auth)
			vnc_auth(r);
		security_result(r);
	}
	uint8_t shared = 1;
	send_bytes(r, &shared, 1);
	uint8_t si[24];
	read_exact(r, si, 24, "ServerInit");
	uint32_t nlen = be32(si + 20);
	if (nlen > 4096)
		broken("handshake: desktop name too long");
	char name[4096];
	read_exact(r, name, nlen, "desktop name");
}

/* The next operand byte, 0 past the end. */
static uint8_t arg(struct run *r)
{
	return r->i < r->size ? r->d[r->i++] : 0;
}

static uint16_t arg16(struct run *r)
{
	uint16_t hi = arg(r);
	return (uint16_t)(hi << 8 | arg(r));
}

static uint32_t arg32(struct run *r)
{
	uint32_t hi = arg16(r);
	return hi << 16 | arg16(r);
}

static uint32_t keysym_arg(struct run *r)
{
	uint8_t k = arg(r);
	return k == 0xFF ? arg32(r) : keysyms[k % N_KEYSYMS];
}

static void key(struct run *r, bool down, uint32_t sym)
{
	uint8_t m[8] = { rfbKeyEvent, down };
	put32(m + 4, sym);
	send_bytes(r, m, sizeof(m));
}

static void dispi(struct run *r, uint16_t idx, uint16_t val)
{
	uint64_t v = idx;
	iobus_access(&r->vm->pio, 0x1CE, &v, 2, true);
	v = val;
	iobus_access(&r->vm->pio, 0x1CF, &v, 2, true);
}

static void op_message(struct run *r, uint8_t op)
{
	uint8_t m[32] = { 0 };
	switch (op) {
	case OP_PIXFMT:
		m[0] = rfbSetPixelFormat;
		for (int k = 0; k < 16; k++)
			m[4 + k] = arg(r);
		send_bytes(r, m, 20);
		break;
	case OP_ENCODINGS: {
		uint8_t n = arg(r);
		uint8_t *e = malloc(4 + 4 * (size_t)n);
		e[0] = rfbSetEncodings;
		e[1] = 0;
		e[2] = 0;
		e[3] = n;
		for (unsigned k = 0; k < n; k++) {
			uint8_t x = arg(r);
			put32(e + 4 + 4 * k, x == 0xFF ? arg32(r) : encodings[x % N_ENCODINGS]);
		}
		send_bytes(r, e, 4 + 4 * (size_t)n);
		free(e);
		break;
	}
	case OP_UPDATE:
		m[0] = rfbFramebufferUpdateRequest;
		for (int k = 1; k < 10; k++)
			m[k] = arg(r);
		send_bytes(r, m, 10);
		break;
	case OP_KEY: {
		bool down = arg(r) & 1;
		key(r, down, keysym_arg(r));
		break;
	}
	case OP_POINTER:
		m[0] = rfbPointerEvent;
		for (int k = 1; k < 6; k++)
			m[k] = arg(r);
		send_bytes(r, m, 6);
		break;
	case OP_CUTTEXT: {
		m[0] = rfbClientCutText;
		put32(m + 4, arg32(r));
		send_bytes(r, m, 8);
		uint8_t n = arg(r);
		size_t k = MIN((size_t)n, r->size - r->i);
		send_bytes(r, r->d + r->i, k);
		r->i += k;
		break;
	}
	case OP_EXTKEY: {
		m[0] = 255;          /* QEMU client message */
		m[1] = 0;            /* extended key event */
		m[3] = arg(r) & 1;
		put32(m + 4, keysym_arg(r));
		put32(m + 8, arg16(r));
		send_bytes(r, m, 12);
		break;
	}
	case OP_CONSOLE: {
		uint32_t digit = '1' + arg(r) % 4;
		key(r, true, 0xFFE3);
		key(r, true, 0xFFE9);
		key(r, true, digit);
		key(r, false, digit);
		key(r, false, 0xFFE9);
		key(r, false, 0xFFE3);
		break;
	}
	}
}

static void op_guest(struct run *r, uint8_t op)
{
	static const uint16_t bpps[] = { 8, 15, 16, 24, 32, 4, 0, 33 };
	switch (op) {
	case OP_VBE: {
		uint16_t w = arg16(r), h = arg16(r), bpp = bpps[arg(r) & 7];
		dispi(r, 4, 0);          /* ENABLE off */
		dispi(r, 1, w);
		dispi(r, 2, h);
		dispi(r, 3, bpp);
		dispi(r, 4, 0x01);       /* ENABLE, banked */
		display_refresh(r->vm->display);
		break;
	}
	case OP_DRAW: {
		uint64_t off = arg16(r), v = arg(r) * 0x01010101ull;
		iobus_access(&r->vm->mmio, 0xA0000 + off, &v, 4, true);
		display_refresh(r->vm->display);
		break;
	}
	case OP_TEXT: {
		dispi(r, 4, 0);
		uint64_t off = (uint64_t)arg(r) * 2, v = arg(r) | 0x1F00;
		iobus_access(&r->vm->mmio, 0xB8000 + off, &v, 2, true);
		display_refresh(r->vm->display);
		break;
	}
	case OP_REFRESH:
		display_refresh(r->vm->display);
		break;
	}
}

static void run_program(struct run *r)
{
	while (r->i < r->size) {
		uint8_t op = r->d[r->i++];
		if (op < 0x80) {
			size_t n = MIN((size_t)op + 1, r->size - r->i);
			send_bytes(r, r->d + r->i, n);
			r->i += n;
		} else if (op <= OP_CONSOLE) {
			op_message(r, op);
		} else if (op <= OP_REFRESH) {
			op_guest(r, op);
		} else if (op == OP_WAIT) {
			int ms = arg(r) % 32;
			ms = MIN(ms, r->wait_left);
			r->wait_left -= ms;
			pump(r, ms);
		} else if (op == OP_HALFCLOSE) {
			if (!r->wr_shut)
				shutdown(r->fd, SHUT_WR);
			r->wr_shut = true;
		} else {
			send_bytes(r, &op, 1);   /* a raw byte */
		}
		pump(r, 0);
	}
}

static int connect_port(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		broken("cannot connect to the VNC server");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* The VM and its server; false when the server found no port to listen on. */
static bool make_vm(struct run *r, uint8_t flags, int display)
{
	vmconfig_defaults(&r->cfg);
	r->cfg.vnc = true;
	r->cfg.sdl = false;
	r->cfg.vncunused = true;
	r->cfg.vncdisplay = display;
	if (flags & F_PASSWORD || (flags & 3) == HS_38_AUTH) {
		free(r->cfg.vncpasswd);
		r->cfg.vncpasswd = strdup(PASSWORD);
	}
	if (flags & F_KEYMAP_DE) {
		free(r->cfg.keymap);
		r->cfg.keymap = strdup("de");
	}
	free(r->cfg.serial[0]);
	r->cfg.serial[0] = strdup("null");
	r->vm = vm_new_test(2, &r->cfg);
	if (!r->vm)
		broken("cannot make the test VM");
	r->vm->irq_hook = irq_sink;
	if (pc_create_part(r->vm, "serial") < 0 || pc_create_part(r->vm, "i8042") < 0)
		broken("cannot create the serial port and the keyboard controller");
	char err[256];
	if (pc_create_part(r->vm, "vga") == 0 && vm_frontends_start(r->vm, err, sizeof(err)) == 0) {
		/* the io thread: the 60 Hz refresh, typed serial bytes */
		if (evloop_start_thread(r->vm->loop) < 0)
			broken("cannot start the io thread");
		return true;
	}
	vm_destroy(r->vm);
	vmconfig_free(&r->cfg);
	return false;
}

static void setup(struct run *r, uint8_t flags)
{
	/* the layouts in the source tree, when run from it (make check, make fuzz) */
	char keymaps[PATH_MAX];
	if (!getenv("VMSTATION_KEYMAPS") && realpath("ui/keymaps", keymaps))
		setenv("VMSTATION_KEYMAPS", keymaps, 1);
	/* away from the displays tests use, below the ephemeral ports; a port
	 * taken between the server's check and its bind: further on */
	int display = 10000 + (int)(getpid() % 160) * 100;
	for (int tries = 0; !make_vm(r, flags, display); tries++, display += 7)
		if (tries == 20)
			broken("cannot start the VNC server");
	if (!vnc_of(r->vm))
		broken("the VM has no VNC server");
	r->fd = connect_port(vnc_server_port(vnc_of(r->vm)));
}

/* The server greets a new client: it still accepts and speaks. */
static void check_alive(struct run *r)
{
	struct run c = { .fd = connect_port(vnc_server_port(vnc_of(r->vm))) };
	send_bytes(&c, "RFB 003.008\n", 12);   /* first: see handshake() */
	char ver[12];
	read_exact(&c, ver, 12, "version (to a client after the fuzzed one)");
	close(c.fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	struct run *r = calloc(1, sizeof(*r));
	r->d = data;
	r->size = size;
	r->i = 1;
	r->wait_left = 1000;
	setup(r, data[0]);
	if ((data[0] & 3) != HS_RAW)
		handshake(r, data[0] & 3);
	run_program(r);
	if (!r->wr_shut)
		shutdown(r->fd, SHUT_WR);
	uint64_t start = now_ms();
	while (!r->eof) {
		if (now_ms() - start > STALL_MS) {
			fprintf(stderr, "fuzz_vnc: %zu bytes received, the server has %d clients\n",
				r->got, vnc_server_clients(vnc_of(r->vm)));
			broken("the server did not hang up on a client that had finished");
		}
		pump(r, 50);
	}
	close(r->fd);
	check_alive(r);
	/* what the server queued for the io thread runs before it stops */
	evloop_call_sync(r->vm->loop, nothing, NULL);
	vm_destroy(r->vm);
	vmconfig_free(&r->cfg);
	free(r);
	return 0;
}
