/*
 * VNC server of one VM with LibVNCServer, run on its own thread in
 * LibVNCServer's single-threaded mode (rfbProcessEvents): every client
 * message, framebuffer update and resize happens on that thread, so a client
 * that sends garbage or vanishes only ever touches this thread's state.
 *
 * The display's refresh (VM io thread) copies changed pixels into the
 * server's framebuffer and wakes this thread through an eventfd placed in
 * LibVNCServer's select set. Mode changes become NewFBSize/ExtendedDesktopSize
 * (rfbNewFramebuffer). ctrl-alt-1/2/3 switch every client of the VM between
 * the guest screen, the monitor (only with monitor=1) and the serial console.
 * WebSocket clients (noVNC) are recognised on the same port by LibVNCServer,
 * and on vnclisten's ",websocket=PORT" too. Both ports are listeners of our
 * own whose connections are handed to LibVNCServer (rfbNewClient, which
 * answers the WebSocket handshake of any new client) under a guard against
 * a LibVNCServer bug that a one-byte client could wedge it with
 * (ui/vnc_accept.c).
 *
 * Built into vmst-vnc.so (ui/plugin.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <rfb/keysym.h>
#include <rfb/rfb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ui/plugin_api.h"  /* what a plugin may use of the binary */
#include "ui/console_text.h"
#include "core/host/display.h"
#include "core/host/input.h"
#include "ui/keymap.h"
#include "ui/monitor/monitor.h"
#include "ui/plugin.h"
#include "core/util.h"
#include "core/vm.h"
#include "ui/vnc_accept.h"
#include "core/vmconfig.h"
#include "ui/vnc_server.h"

#define CONSOLE_COLS 80
#define CONSOLE_ROWS 30

struct vnc_server {
	struct vm *vm;
	struct display *d;
	rfbScreenInfoPtr screen;
	int port;
	char *passwords[2];
	struct keymap *km;
	int wake_fd;
	int listen_fd;          /* the RFB port */
	int ws_fd;              /* WebSocket listener, or -1 */
	struct vnc_guard *guard;
	pthread_t thread;
	_Atomic bool stop;
	_Atomic int clients;

	pthread_mutex_t lock;   /* fb, fbw, fbh, console, pending */
	uint32_t *fb;           /* rfb pixel format: R in the low byte */
	unsigned fbw, fbh;
	int console;            /* 1 guest, 2 monitor, 3 serial */
	bool need_full;
	unsigned px0, py0, px1, py1; /* copied but not yet announced */
	uint64_t tc_gen;

	struct text_console *mon_tc, *ser_tc;
	struct monitor_session *mon;
};

struct vnc_client {
	struct vnc_server *s;
	struct keymap_client kc;
	bool ctrl_l, ctrl_r, alt_l, alt_r, shift;
	uint32_t swallow;       /* keysym whose release is not forwarded */
	int last_buttons;
	bool ext_keys;          /* announced the QEMU extended key event */
};

static inline uint32_t to_rfb(uint32_t xrgb)
{
	return (xrgb >> 16 & 0xFF) | (xrgb & 0xFF00) | (xrgb & 0xFF) << 16;
}

static void wake(struct vnc_server *s)
{
	uint64_t one = 1;
	if (write(s->wake_fd, &one, sizeof(one)) < 0) {
		/* the counter is saturated: already awake */
	}
}

/* ---- display listener (VM io thread, d->lock held) -------------------- */

static void copy_rect(struct vnc_server *s, struct display *d, unsigned x, unsigned y,
		      unsigned w, unsigned h)
{
	for (unsigned j = y; j < y + h; j++) {
		const uint32_t *src = d->pixels + (size_t)j * d->width + x;
		uint32_t *dst = s->fb + (size_t)j * s->fbw + x;
		for (unsigned i = 0; i < w; i++)
			dst[i] = to_rfb(src[i]);
	}
}

static void on_update(void *opaque, struct display *d, unsigned x, unsigned y,
		      unsigned w, unsigned h)
{
	struct vnc_server *s = opaque;
	pthread_mutex_lock(&s->lock);
	if (s->console == 1 && !s->need_full && s->fbw == d->width && s->fbh == d->height) {
		copy_rect(s, d, x, y, w, h);
		if (s->px1 <= s->px0) {
			s->px0 = x; s->py0 = y; s->px1 = x + w; s->py1 = y + h;
		} else {
			s->px0 = MIN(s->px0, x); s->py0 = MIN(s->py0, y);
			s->px1 = MAX(s->px1, x + w); s->py1 = MAX(s->py1, y + h);
		}
	} else if (s->console == 1) {
		s->need_full = true;
	}
	pthread_mutex_unlock(&s->lock);
	wake(s);
}

static void on_resize(void *opaque, struct display *d, unsigned w, unsigned h)
{
	struct vnc_server *s = opaque;
	(void)d; (void)w; (void)h;
	pthread_mutex_lock(&s->lock);
	s->need_full = true;
	pthread_mutex_unlock(&s->lock);
	wake(s);
}

/* ---- framebuffer on the VNC thread ------------------------------------ */

/* Make the framebuffer w x h (NewFBSize to clients if it changed). Returns it. */
static void set_fb_size(struct vnc_server *s, unsigned w, unsigned h)
{
	if (w == s->fbw && h == s->fbh)
		return;
	uint32_t *fb = xzalloc((size_t)w * h * 4);
	pthread_mutex_lock(&s->lock);
	uint32_t *old = s->fb;
	s->fb = fb;
	s->fbw = w;
	s->fbh = h;
	pthread_mutex_unlock(&s->lock);
	rfbNewFramebuffer(s->screen, (char *)fb, (int)w, (int)h, 8, 3, 4);
	free(old);
}

static void show_guest_full(struct vnc_server *s)
{
	struct display *d = s->d;
	display_lock(d);
	unsigned w = d->pixels ? d->width : 640, h = d->pixels ? d->height : 480;
	display_unlock(d);
	set_fb_size(s, w, h);
	display_lock(d);
	pthread_mutex_lock(&s->lock);
	if (d->pixels && d->width == s->fbw && d->height == s->fbh) {
		copy_rect(s, d, 0, 0, d->width, d->height);
		s->need_full = false;
	}
	s->px0 = s->px1 = 0;
	pthread_mutex_unlock(&s->lock);
	display_unlock(d);
	rfbMarkRectAsModified(s->screen, 0, 0, (int)s->fbw, (int)s->fbh);
}

static void show_console(struct vnc_server *s, struct text_console *tc, bool force)
{
	uint64_t gen = text_console_gen(tc);
	if (!force && gen == s->tc_gen)
		return;
	s->tc_gen = gen;
	unsigned w = text_console_width(tc), h = text_console_height(tc);
	set_fb_size(s, w, h);
	uint32_t *tmp = xmalloc((size_t)w * h * 4);
	text_console_render(tc, tmp, w);
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < (size_t)w * h; i++)
		s->fb[i] = to_rfb(tmp[i]);
	pthread_mutex_unlock(&s->lock);
	free(tmp);
	rfbMarkRectAsModified(s->screen, 0, 0, (int)w, (int)h);
}

static void process_pending(struct vnc_server *s)
{
	pthread_mutex_lock(&s->lock);
	int console = s->console;
	bool full = s->need_full;
	unsigned x0 = s->px0, y0 = s->py0, x1 = s->px1, y1 = s->py1;
	s->px0 = s->px1 = 0;
	pthread_mutex_unlock(&s->lock);

	if (console == 1) {
		if (full)
			show_guest_full(s);
		else if (x1 > x0)
			rfbMarkRectAsModified(s->screen, (int)x0, (int)y0, (int)x1, (int)y1);
	} else {
		struct text_console *tc = console == 2 ? s->mon_tc : s->ser_tc;
		if (tc)
			show_console(s, tc, full);
		pthread_mutex_lock(&s->lock);
		s->need_full = false;
		pthread_mutex_unlock(&s->lock);
	}
}

/* ---- consoles ----------------------------------------------------------- */

static void monitor_out(void *opaque, const char *buf, size_t n)
{
	struct vnc_server *s = opaque;
	text_console_output(s->mon_tc, buf, n);
	wake(s);
}

static void monitor_in(void *opaque, const char *buf, size_t n)
{
	struct vnc_server *s = opaque;
	if (s->mon)
		monitor_session_input(s->mon, buf, n);
}

static void switch_console(struct vnc_server *s, int console)
{
	if (console == 2) {
		if (!vm_config(s->vm) || !vm_config(s->vm)->monitor)
			return; /* the monitor over VNC needs monitor=1 */
		if (!s->mon_tc) {
			s->mon_tc = text_console_new(CONSOLE_COLS, CONSOLE_ROWS, 1000, true,
						     monitor_in, s);
			s->mon = monitor_session_new(s->vm, monitor_out, s,
						     MONITOR_F_BANNER | MONITOR_F_PROMPT |
						     MONITOR_F_WINDOW);
		}
	}
	if (console == 3 && !s->ser_tc && !(s->ser_tc = display_serial_console(s->d)))
		return;
	pthread_mutex_lock(&s->lock);
	s->console = console;
	s->need_full = true;
	pthread_mutex_unlock(&s->lock);
}

/* ---- client input (VNC thread) ----------------------------------------- */

static bool console_keysym(struct text_console *tc, struct vnc_client *c, uint32_t sym)
{
	bool ctrl = c->ctrl_l || c->ctrl_r;
	switch (sym) {
	case XK_Return: case XK_KP_Enter: text_console_key(tc, TCK_ENTER, 0); break;
	case XK_BackSpace: text_console_key(tc, TCK_BACKSPACE, 0); break;
	case XK_Delete: text_console_key(tc, TCK_DELETE, 0); break;
	case XK_Tab: text_console_key(tc, TCK_TAB, 0); break;
	case XK_Escape: text_console_key(tc, TCK_ESC, 0); break;
	case XK_Left: text_console_key(tc, TCK_LEFT, 0); break;
	case XK_Right: text_console_key(tc, TCK_RIGHT, 0); break;
	case XK_Up: text_console_key(tc, ctrl ? TCK_SCROLL_UP : TCK_UP, 0); break;
	case XK_Down: text_console_key(tc, ctrl ? TCK_SCROLL_DOWN : TCK_DOWN, 0); break;
	case XK_Home: text_console_key(tc, TCK_HOME, 0); break;
	case XK_End: text_console_key(tc, TCK_END, 0); break;
	case XK_Page_Up:
		text_console_key(tc, ctrl || c->shift ? TCK_SCROLL_PGUP : TCK_PGUP, 0);
		break;
	case XK_Page_Down:
		text_console_key(tc, ctrl || c->shift ? TCK_SCROLL_PGDN : TCK_PGDN, 0);
		break;
	default:
		if (sym >= 0x20 && sym <= 0xFF) {
			if (ctrl && ((sym >= 'a' && sym <= 'z') || (sym >= 'A' && sym <= 'Z')))
				text_console_key(tc, TCK_CTRL, sym | 0x20);
			else
				text_console_key(tc, TCK_CHAR, sym);
		} else if ((sym & 0xFF000000) == 0x01000000) {
			text_console_key(tc, TCK_CHAR, sym & 0xFFFFFF);
		} else {
			return false;
		}
	}
	return true;
}

/*
 * One key from a client: keysym always, qnum (QEMU extended key event: the
 * PC key itself, E0 xx written as 0x80|xx) when the client sent one, else 0.
 * Hotkeys and the text consoles go by keysym; the guest gets the raw key
 * when there is one, else the keysym through the layout.
 */
static void handle_key(struct vnc_client *c, bool down, uint32_t sym, uint32_t qnum)
{
	struct vnc_server *s = c->s;

	switch (sym) {
	case XK_Control_L: c->ctrl_l = down; break;
	case XK_Control_R: c->ctrl_r = down; break;
	case XK_Alt_L: case XK_Meta_L: c->alt_l = down; break;
	case XK_Alt_R: case XK_Meta_R: case XK_ISO_Level3_Shift: c->alt_r = down; break;
	case XK_Shift_L: case XK_Shift_R: c->shift = down; break;
	}
	bool ctrl = c->ctrl_l || c->ctrl_r, alt = c->alt_l || c->alt_r;

	if (down && ctrl && alt && sym >= '1' && sym <= '3') {
		keymap_client_release(&c->kc, s->vm);
		switch_console(s, (int)(sym - '0'));
		c->swallow = sym;
		wake(s);
		return;
	}
	if (!down && c->swallow == sym) {
		c->swallow = 0;
		return;
	}
	pthread_mutex_lock(&s->lock);
	int console = s->console;
	pthread_mutex_unlock(&s->lock);
	if (console == 1) {
		if (qnum)
			keymap_client_qnum(&c->kc, s->vm, qnum, down);
		else
			keymap_client_keysym(&c->kc, s->vm, sym, down);
		return;
	}
	struct text_console *tc = console == 2 ? s->mon_tc : s->ser_tc;
	if (tc && down)
		console_keysym(tc, c, sym);
	wake(s);
}

static void on_key(rfbBool down, rfbKeySym sym, rfbClientPtr cl)
{
	if (cl->clientData)
		handle_key(cl->clientData, down, (uint32_t)sym, 0);
}

/* ---- QEMU extended key event (pseudo-encoding -258, message 255/0) -------- */

/*
 * LibVNCServer does not know this message, so it is added as a protocol
 * extension: a client that lists -258 in SetEncodings is told the server
 * speaks it (an empty FramebufferUpdate rectangle with that encoding, as
 * QEMU does), and from then on sends message 255, subtype 0: down-flag
 * (u16), keysym (u32), XT keycode (u32), big-endian. The core has read the
 * type byte; the extension reads the other 11.
 * No newClient method: LibVNCServer then enables the extension for a
 * client only when its SetEncodings lists -258, after new_client() has set
 * client_gone(), which frees the list node it allocates for that (a client
 * refused earlier, by the WebSocket check, never runs that hook).
 */
#define QEMU_EXT_KEY_ENCODING ((int)0xFFFFFEFE)   /* -258 */
#define QEMU_MSG 255
#define QEMU_MSG_EXT_KEY 0

static rfbBool ext_enable(rfbClientPtr cl, void **data, int encoding)
{
	(void)data;
	if (encoding != QEMU_EXT_KEY_ENCODING)
		return FALSE;
	/* FramebufferUpdate, one rectangle 0,0 0x0 of encoding -258 */
	uint8_t msg[4 + 12] = { rfbFramebufferUpdate, 0, 0, 1 };
	uint32_t enc = htonl((uint32_t)QEMU_EXT_KEY_ENCODING);
	memcpy(msg + 4 + 8, &enc, 4);
	if (rfbWriteExact(cl, (char *)msg, sizeof(msg)) < 0)
		rfbCloseClient(cl);
	else if (cl->clientData)
		((struct vnc_client *)cl->clientData)->ext_keys = true;
	return TRUE;
}

static rfbBool ext_message(rfbClientPtr cl, void *data, const rfbClientToServerMsg *msg)
{
	(void)data;
	if (msg->type != QEMU_MSG)
		return FALSE;
	uint8_t b[11];
	int n = rfbReadExact(cl, (char *)b, sizeof(b));
	if (n <= 0) {
		rfbCloseClient(cl);
		return TRUE;
	}
	if (b[0] != QEMU_MSG_EXT_KEY) {
		/* other QEMU sub-messages (audio) have lengths of their own: not spoken here */
		rfbCloseClient(cl);
		return TRUE;
	}
	bool down = (b[1] << 8 | b[2]) != 0;
	uint32_t sym = (uint32_t)b[3] << 24 | b[4] << 16 | b[5] << 8 | b[6];
	uint32_t code = (uint32_t)b[7] << 24 | b[8] << 16 | b[9] << 8 | b[10];
	struct vnc_client *c = cl->clientData;
	if (c)
		handle_key(c, down, sym, code > 0xFF ? 0 : code);
	return TRUE;
}

static int ext_encodings[] = { QEMU_EXT_KEY_ENCODING, 0 };
static rfbProtocolExtension ext_key_extension = {
	.pseudoEncodings = ext_encodings,
	.enablePseudoEncoding = ext_enable,
	.handleMessage = ext_message,
};
static pthread_once_t ext_once = PTHREAD_ONCE_INIT;

static void register_extensions(void)
{
	rfbRegisterProtocolExtension(&ext_key_extension);
}

static void on_pointer(int mask, int x, int y, rfbClientPtr cl)
{
	struct vnc_client *c = cl->clientData;
	struct vnc_server *s = c->s;
	pthread_mutex_lock(&s->lock);
	int console = s->console;
	unsigned w = s->fbw, h = s->fbh;
	pthread_mutex_unlock(&s->lock);
	if (console != 1)
		return;
	unsigned buttons = 0;
	if (mask & 1) buttons |= INPUT_BTN_LEFT;
	if (mask & 2) buttons |= INPUT_BTN_MIDDLE;
	if (mask & 4) buttons |= INPUT_BTN_RIGHT;
	int dz = 0;
	/* wheel "buttons" 4/5: count the press only */
	if ((mask & 8) && !(c->last_buttons & 8)) dz = -1;
	if ((mask & 16) && !(c->last_buttons & 16)) dz = 1;
	c->last_buttons = mask;
	x = MAX(0, MIN(x, (int)w - 1));
	y = MAX(0, MIN(y, (int)h - 1));
	input_pointer_abs(s->vm, x, y, (int)w, (int)h, dz, buttons);
}

/*
 * LibVNCServer (0.9.14, and its master as of 2026) gives a client a list
 * node for each protocol extension enabled for it (rfbEnableExtension) and
 * never frees it: with ours enabled at every connection, each one leaked
 * 24 bytes, without bound (found by tests/fuzz/fuzz_vnc.c). The node's data
 * was the extension's to release, in its close hook (ours has none, and no
 * data); nothing reads the list after this hook.
 */
static void free_extension_nodes(rfbClientPtr cl)
{
	rfbExtensionData *e = cl->extensions;
	cl->extensions = NULL;
	while (e) {
		rfbExtensionData *next = e->next;
		free(e);
		e = next;
	}
}

static void client_gone(rfbClientPtr cl)
{
	free_extension_nodes(cl);
	struct vnc_client *c = cl->clientData;
	if (!c)
		return;
	keymap_client_release(&c->kc, c->s->vm);
	c->s->clients--;
	free(c);
	cl->clientData = NULL;
}

static enum rfbNewClientAction new_client(rfbClientPtr cl)
{
	struct vnc_server *s = cl->screen->screenData;
	struct vnc_client *c = xzalloc(sizeof(*c));
	c->s = s;
	keymap_client_init(&c->kc, s->km);
	cl->clientData = c;
	cl->clientGoneHook = client_gone;
	s->clients++;
	vm_log(s->vm, "VNC: client %s connected", cl->host ? cl->host : "?");
	return RFB_CLIENT_ACCEPT;
}

/* ---- thread and set-up --------------------------------------------------- */

static void *vnc_thread(void *arg)
{
	struct vnc_server *s = arg;
	while (!s->stop) {
		process_pending(s);
		rfbProcessEvents(s->screen, 0);      /* send what was marked */
		rfbProcessEvents(s->screen, 50000);  /* wait for clients or the display */
		vnc_accept_all(s->guard, s->screen, s->listen_fd);
		vnc_accept_all(s->guard, s->screen, s->ws_fd);
		uint64_t v;
		if (read(s->wake_fd, &v, sizeof(v)) < 0) {
			/* nothing pending */
		}
	}
	return NULL;
}

static void quiet_log(const char *fmt, ...)
{
	(void)fmt;
}

static bool port_free(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return true; /* not IPv4: let LibVNCServer try */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return false;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	bool ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static bool is_loopback(const char *addr)
{
	return !strncmp(addr, "127.", 4) || !strcmp(addr, "::1") || !strcmp(addr, "localhost");
}

/*
 * vncconsole=1: the built-in viewer (`vmstation view`) on this server, as
 * xl starts vncviewer. It runs as its own process (SDL wants a main thread
 * of its own) and ends when the server closes the connection. Double fork:
 * nobody has to reap it. The password goes by environment, not argv.
 */
static void spawn_viewer(struct vnc_server *s, const char *listen)
{
	extern char **environ;
	struct in_addr ia;
	if (inet_pton(AF_INET, listen, &ia) != 1) {
		msg_warn("vncconsole=1: the viewer connects over IPv4 only; start `vmstation view` by hand");
		return;
	}
	if (ia.s_addr == htonl(INADDR_ANY))
		listen = "127.0.0.1"; /* listening everywhere: connect over loopback */
	char target[64], pw[300] = "";
	snprintf(target, sizeof(target), "%s::%d", listen, s->port);
	if (s->passwords[0])
		snprintf(pw, sizeof(pw), "VNC_PASSWORD=%s", s->passwords[0]);
	/* environment for the child, built before fork (no allocation after it) */
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = xzalloc((n + 2) * sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "VNC_PASSWORD=", 13))
			env[k++] = environ[i];
	if (*pw)
		env[k++] = pw;
	char *argv[] = { "vmstation", "view", target, NULL };
	pid_t pid = fork();
	if (pid == 0) {
		if (fork() == 0) {
			execve("/proc/self/exe", argv, env);
			_exit(127);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	else
		msg_warn("vncconsole=1: cannot start the viewer: %s", strerror(errno));
	free(env);
	vm_log(s->vm, "VNC: viewer started for %s", target);
}

static struct vnc_server *server_start(struct vm *vm, char *err, size_t errlen)
{
	const struct vm_config *cfg = vm_config(vm);
	struct display *d = vm_display(vm);
	const char *listen = vmconfig_vnc_listen(cfg);
	int display_no = cfg->vncdisplay;

	if (!d) {
		snprintf(err, errlen, "vnc=1 needs a graphics card (vga='none' removes it)");
		return NULL;
	}
	if (cfg->vncunused) {
		while (display_no < 100 + cfg->vncdisplay && !port_free(listen, 5900 + display_no))
			display_no++;
	}
	if (!port_free(listen, 5900 + display_no)) {
		snprintf(err, errlen, "cannot listen on %s:%d (display :%d): %s", listen,
			 5900 + display_no, display_no, "address in use or not available");
		return NULL;
	}

	char what[32];
	snprintf(what, sizeof(what), " (display :%d)", display_no);
	int listen_fd = vnc_listen(listen, 5900 + display_no, what, err, errlen);
	if (listen_fd < 0)
		return NULL;
	int ws_fd = -1;
	if (cfg->vnc_websocket && (ws_fd = vnc_listen(listen, cfg->vnc_websocket,
						      " for WebSocket clients", err, errlen)) < 0) {
		close(listen_fd);
		return NULL;
	}
	struct vnc_guard *guard = vnc_guard_new();
	if (!guard) {
		snprintf(err, errlen, "cannot start the VNC connection guard");
		close(listen_fd);
		if (ws_fd >= 0)
			close(ws_fd);
		return NULL;
	}

	struct vnc_server *s = xzalloc(sizeof(*s));
	s->vm = vm;
	s->d = d;
	s->listen_fd = listen_fd;
	s->ws_fd = ws_fd;
	s->guard = guard;
	s->console = 1;
	s->need_full = true;
	pthread_mutex_init(&s->lock, NULL);
	s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	char kerr[256];
	s->km = keymap_load(cfg->keymap, kerr, sizeof(kerr));
	if (!s->km)
		msg_warn("VNC keymap: %s", kerr);

	rfbLog = quiet_log;
	pthread_once(&ext_once, register_extensions);
	s->fbw = 640;
	s->fbh = 480;
	s->fb = xzalloc((size_t)s->fbw * s->fbh * 4);
	s->screen = rfbGetScreen(NULL, NULL, (int)s->fbw, (int)s->fbh, 8, 3, 4);
	if (!s->screen) {
		snprintf(err, errlen, "LibVNCServer could not create a screen");
		close(listen_fd);
		if (ws_fd >= 0)
			close(ws_fd);
		vnc_guard_free(guard);
		free(s->fb);
		free(s);
		return NULL;
	}
	rfbScreenInfoPtr sc = s->screen;
	sc->frameBuffer = (char *)s->fb;
	sc->desktopName = vm_name(vm);
	sc->screenData = s;
	sc->autoPort = FALSE;
	sc->port = 0;           /* LibVNCServer listens nowhere: vnc_accept.c does */
	sc->ipv6port = 0;
	sc->httpPort = 0;
	sc->alwaysShared = TRUE;
	sc->deferUpdateTime = 0;
	sc->handleEventsEagerly = FALSE; /* one select per call: our wake fd must not spin it */
	sc->kbdAddEvent = on_key;
	sc->ptrAddEvent = on_pointer;
	sc->newClientHook = new_client;
	sc->cursor = NULL; /* no cursor drawn into the picture: clients show their own */
	if (cfg->vncpasswd && *cfg->vncpasswd) {
		s->passwords[0] = xstrdup(cfg->vncpasswd);
		sc->authPasswdData = s->passwords;
		sc->passwordCheck = rfbCheckPasswordByList;
	} else if (!is_loopback(listen)) {
		msg_warn("VNC on %s:%d has no password (vncpasswd=): anyone who can reach it "
			 "controls the VM", listen, 5900 + display_no);
	}
	rfbInitServer(sc);
	/* the display wakes rfbProcessEvents through this fd, and a connection
	 * through the listeners (vnc_thread accepts it) */
	int wakers[] = { s->wake_fd, listen_fd, ws_fd };
	for (size_t i = 0; i < ARRAY_SIZE(wakers); i++) {
		if (wakers[i] < 0)
			continue;
		FD_SET(wakers[i], &sc->allFds);
		if (wakers[i] > sc->maxFd)
			sc->maxFd = wakers[i];
	}
	s->port = 5900 + display_no;

	/* the serial console (and its chardev tap) is made when first shown */
	struct display_listener l = { on_resize, on_update, s };
	display_add_listener(d, &l);
	if (cfg->vncconsole)
		spawn_viewer(s, listen);
	pthread_create(&s->thread, NULL, vnc_thread, s);
	thread_set_name(s->thread, "vnc-%s", vm_name(vm));
	char ws[80] = "";
	if (ws_fd >= 0)
		snprintf(ws, sizeof(ws), ", WebSocket on %s:%d", listen, cfg->vnc_websocket);
	msg_info("%s: VNC on %s:%d (display :%d)%s%s", vm_name(vm), listen,
		 s->port, display_no, ws, s->passwords[0] ? ", password set" : "");
	return s;
}

static void server_stop(struct vnc_server *s)
{
	if (!s)
		return;
	display_remove_listener(s->d, s);
	s->stop = true;
	wake(s);
	pthread_join(s->thread, NULL);
	vnc_guard_free(s->guard);
	close(s->listen_fd);
	if (s->ws_fd >= 0)
		close(s->ws_fd);
	rfbShutdownServer(s->screen, TRUE);
	rfbScreenCleanup(s->screen);
	if (s->mon)
		monitor_session_free(s->mon);
	text_console_free(s->mon_tc);
	keymap_free(s->km);
	close(s->wake_fd);
	free(s->passwords[0]);
	free(s->fb);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int server_port(const struct vnc_server *s)
{
	return s->port;
}

static int server_clients(struct vnc_server *s)
{
	return s->clients;
}

const struct vnc_plugin vmst_plugin_vnc = {
	.h = PLUGIN_HEADER_INIT,
	.start = server_start,
	.stop = server_stop,
	.port = server_port,
	.clients = server_clients,
};
