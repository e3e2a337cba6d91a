/*
 * `vmstation view HOST:DISPLAY`: a VNC client (libvncclient) for any VNC
 * server, ours or another, shown in an SDL window. The same program is the
 * test suite's VNC client: with --screenshot it saves the framebuffer and
 * exits, with --sizes it prints every framebuffer size the server announces
 * (desktop resize without reconnecting), --keys/--type send keys first.
 *
 * Built into vmst-viewer.so (ui/plugin.h).
 */
#include <SDL.h>
#include <errno.h>
#include <png.h>
#include <rfb/keysym.h>
#include <rfb/rfbclient.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/plugin_api.h"  /* what a plugin may use of the binary */
#include "ui/plugin.h"
#include "core/util.h"
#include "ui/viewer.h"
#include "core/vm.h"
#include "core/vmconfig.h"

struct viewer {
	rfbClient *cl;
	const char *password;
	unsigned w, h;
	unsigned resizes;
	bool print_sizes;
	bool updated;          /* a framebuffer update arrived since the last check */
	/* window mode */
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Texture *tex;
	bool dirty;
};

static int viewer_tag;

static struct viewer *viewer_of(rfbClient *cl)
{
	return rfbClientGetClientData(cl, &viewer_tag);
}

static rfbBool alloc_fb(rfbClient *cl)
{
	struct viewer *v = viewer_of(cl);
	free(cl->frameBuffer);
	cl->frameBuffer = calloc((size_t)cl->width * cl->height, 4);
	if (!cl->frameBuffer)
		return FALSE;
	v->w = (unsigned)cl->width;
	v->h = (unsigned)cl->height;
	v->resizes++;
	if (v->print_sizes) {
		printf("size %ux%u\n", v->w, v->h);
		fflush(stdout);
	}
	if (v->ren) {
		if (v->tex)
			SDL_DestroyTexture(v->tex);
		v->tex = SDL_CreateTexture(v->ren, SDL_PIXELFORMAT_XRGB8888,
					   SDL_TEXTUREACCESS_STREAMING, cl->width, cl->height);
		SDL_SetWindowSize(v->win, cl->width, cl->height);
	}
	return TRUE;
}

static void got_update(rfbClient *cl, int x, int y, int w, int h)
{
	struct viewer *v = viewer_of(cl);
	(void)x; (void)y; (void)w; (void)h;
	v->updated = true;
	v->dirty = true;
}

static char *get_password(rfbClient *cl)
{
	struct viewer *v = viewer_of(cl);
	return strdup(v->password ? v->password : "");
}

static void quiet(const char *fmt, ...)
{
	(void)fmt;
}

/* "host:N" (display N, port 5900+N) or "host::PORT"; host defaults to localhost. */
static int parse_target(const char *s, char **host, int *port)
{
	const char *colon = strrchr(s, ':');
	if (!colon)
		return -1;
	bool dbl = colon > s && colon[-1] == ':';
	size_t hl = (size_t)(colon - s) - (dbl ? 1 : 0);
	char *end;
	long n = strtol(colon + 1, &end, 10);
	if (*end || n < 0 || n > 65535)
		return -1;
	*host = hl ? strndup(s, hl) : strdup("127.0.0.1");
	*port = dbl ? (int)n : 5900 + (int)n;
	return 0;
}

static int save_fb(struct viewer *v, const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "vmstation view: %s: %s\n", path, strerror(errno));
		return -1;
	}
	const uint32_t *px = (const uint32_t *)v->cl->frameBuffer;
	const char *dot = strrchr(path, '.');
	int rc = 0;
	if (dot && !strcmp(dot, ".png")) {
		png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
		png_infop info = png_create_info_struct(png);
		uint8_t *row = malloc((size_t)v->w * 3);
		if (setjmp(png_jmpbuf(png))) {
			rc = -1;
		} else {
			png_init_io(png, f);
			png_set_IHDR(png, info, v->w, v->h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
				     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
			png_write_info(png, info);
			for (unsigned y = 0; y < v->h; y++) {
				for (unsigned x = 0; x < v->w; x++) {
					uint32_t p = px[(size_t)y * v->w + x];
					row[3 * x] = p >> 16; row[3 * x + 1] = p >> 8; row[3 * x + 2] = p;
				}
				png_write_row(png, row);
			}
			png_write_end(png, NULL);
		}
		png_destroy_write_struct(&png, &info);
		free(row);
	} else {
		fprintf(f, "P6\n%u %u\n255\n", v->w, v->h);
		for (size_t i = 0; i < (size_t)v->w * v->h; i++) {
			uint8_t rgb[3] = { px[i] >> 16, px[i] >> 8, px[i] };
			fwrite(rgb, 1, 3, f);
		}
	}
	if (fclose(f))
		rc = -1;
	return rc;
}

/* ---- key names for --keys ("ctrl-alt-2 ret") --------------------------- */

static uint32_t keysym_of(const char *name)
{
	static const struct { const char *n; uint32_t sym; } names[] = {
		{ "ctrl", XK_Control_L }, { "alt", XK_Alt_L }, { "shift", XK_Shift_L },
		{ "ret", XK_Return }, { "enter", XK_Return }, { "esc", XK_Escape },
		{ "tab", XK_Tab }, { "spc", XK_space }, { "backspace", XK_BackSpace },
		{ "up", XK_Up }, { "down", XK_Down }, { "left", XK_Left }, { "right", XK_Right },
		{ "pgup", XK_Page_Up }, { "pgdn", XK_Page_Down }, { "home", XK_Home },
		{ "end", XK_End }, { "delete", XK_Delete },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i].n))
			return names[i].sym;
	if (name[0] == 'f' && name[1] >= '1' && name[1] <= '9')
		return XK_F1 + (uint32_t)atoi(name + 1) - 1;
	if (strlen(name) == 1)
		return (uint8_t)name[0];
	return 0;
}

/* Press the keys of one combo ("ctrl-alt-2") in order, release in reverse. */
static void send_combo(rfbClient *cl, const char *combo)
{
	uint32_t syms[8];
	int n = 0;
	char *copy = strdup(combo), *save = NULL;
	for (char *t = strtok_r(copy, "-", &save); t && n < 8; t = strtok_r(NULL, "-", &save)) {
		uint32_t s = keysym_of(t);
		if (s)
			syms[n++] = s;
	}
	free(copy);
	for (int i = 0; i < n; i++)
		SendKeyEvent(cl, syms[i], TRUE);
	for (int i = n - 1; i >= 0; i--)
		SendKeyEvent(cl, syms[i], FALSE);
}

static void send_keys(rfbClient *cl, const char *keys)
{
	char *copy = strdup(keys), *save = NULL;
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
		send_combo(cl, t);
	free(copy);
}

static void send_text(rfbClient *cl, const char *text)
{
	for (const char *p = text; *p; p++) {
		uint32_t sym = *p == '\n' ? XK_Return : (uint8_t)*p;
		SendKeyEvent(cl, sym, TRUE);
		SendKeyEvent(cl, sym, FALSE);
	}
}

/* Pump messages for up to ms; false if the connection broke. */
static bool pump(struct viewer *v, int ms)
{
	uint64_t end = clock_ns() + (uint64_t)ms * 1000000;
	do {
		int n = WaitForMessage(v->cl, 20000);
		if (n < 0)
			return false;
		if (n > 0 && !HandleRFBServerMessage(v->cl))
			return false;
	} while (clock_ns() < end);
	return true;
}

/* ---- window mode -------------------------------------------------------- */

static uint32_t sdl_to_keysym(SDL_Keycode k, bool shift)
{
	switch (k) {
	case SDLK_RETURN: return XK_Return;
	case SDLK_ESCAPE: return XK_Escape;
	case SDLK_BACKSPACE: return XK_BackSpace;
	case SDLK_TAB: return XK_Tab;
	case SDLK_DELETE: return XK_Delete;
	case SDLK_INSERT: return XK_Insert;
	case SDLK_HOME: return XK_Home;
	case SDLK_END: return XK_End;
	case SDLK_PAGEUP: return XK_Page_Up;
	case SDLK_PAGEDOWN: return XK_Page_Down;
	case SDLK_LEFT: return XK_Left;
	case SDLK_RIGHT: return XK_Right;
	case SDLK_UP: return XK_Up;
	case SDLK_DOWN: return XK_Down;
	case SDLK_LSHIFT: return XK_Shift_L;
	case SDLK_RSHIFT: return XK_Shift_R;
	case SDLK_LCTRL: return XK_Control_L;
	case SDLK_RCTRL: return XK_Control_R;
	case SDLK_LALT: return XK_Alt_L;
	case SDLK_RALT: return XK_Alt_R;
	case SDLK_CAPSLOCK: return XK_Caps_Lock;
	}
	if (k >= SDLK_F1 && k <= SDLK_F12)
		return XK_F1 + (uint32_t)(k - SDLK_F1);
	if (k >= 0x20 && k < 0x7F) {
		static const char *from = "`1234567890-=[]\\;',./", *to = "~!@#$%^&*()_+{}|:\"<>?";
		if (shift) {
			if (k >= 'a' && k <= 'z')
				return (uint32_t)(k - 32);
			const char *p = strchr(from, (int)k);
			if (p)
				return (uint8_t)to[p - from];
		}
		return (uint32_t)k;
	}
	return 0;
}

static int window_loop(struct viewer *v, const char *title)
{
	if (SDL_Init(SDL_INIT_VIDEO) < 0) {
		fprintf(stderr, "vmstation view: SDL: %s\n", SDL_GetError());
		return 1;
	}
	v->win = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
				  (int)v->w, (int)v->h, SDL_WINDOW_RESIZABLE);
	v->ren = v->win ? SDL_CreateRenderer(v->win, -1, 0) : NULL;
	if (!v->ren) {
		fprintf(stderr, "vmstation view: SDL: %s\n", SDL_GetError());
		return 1;
	}
	SDL_RenderSetLogicalSize(v->ren, (int)v->w, (int)v->h);
	v->tex = SDL_CreateTexture(v->ren, SDL_PIXELFORMAT_XRGB8888, SDL_TEXTUREACCESS_STREAMING,
				   (int)v->w, (int)v->h);
	v->dirty = true;
	int buttons = 0;
	for (;;) {
		SDL_Event ev;
		while (SDL_PollEvent(&ev)) {
			switch (ev.type) {
			case SDL_QUIT:
				return 0;
			case SDL_KEYDOWN:
			case SDL_KEYUP: {
				bool shift = ev.key.keysym.mod & KMOD_SHIFT;
				uint32_t sym = sdl_to_keysym(ev.key.keysym.sym, shift);
				if (sym)
					SendKeyEvent(v->cl, sym, ev.type == SDL_KEYDOWN);
				break;
			}
			case SDL_MOUSEMOTION:
				SendPointerEvent(v->cl, ev.motion.x, ev.motion.y, buttons);
				break;
			case SDL_MOUSEBUTTONDOWN:
			case SDL_MOUSEBUTTONUP: {
				int bit = ev.button.button == SDL_BUTTON_LEFT ? 1 :
					  ev.button.button == SDL_BUTTON_MIDDLE ? 2 :
					  ev.button.button == SDL_BUTTON_RIGHT ? 4 : 0;
				if (ev.type == SDL_MOUSEBUTTONDOWN)
					buttons |= bit;
				else
					buttons &= ~bit;
				SendPointerEvent(v->cl, ev.button.x, ev.button.y, buttons);
				break;
			}
			case SDL_MOUSEWHEEL: {
				int bit = ev.wheel.y > 0 ? 8 : 16;
				int x, y;
				SDL_GetMouseState(&x, &y);
				SendPointerEvent(v->cl, x, y, buttons | bit);
				SendPointerEvent(v->cl, x, y, buttons);
				break;
			}
			}
		}
		int n = WaitForMessage(v->cl, 10000);
		if (n < 0 || (n > 0 && !HandleRFBServerMessage(v->cl))) {
			fprintf(stderr, "vmstation view: the server closed the connection\n");
			return 1;
		}
		if (v->dirty && v->tex) {
			SDL_RenderSetLogicalSize(v->ren, (int)v->w, (int)v->h);
			SDL_UpdateTexture(v->tex, NULL, v->cl->frameBuffer, (int)v->w * 4);
			SDL_RenderClear(v->ren);
			SDL_RenderCopy(v->ren, v->tex, NULL, NULL);
			SDL_RenderPresent(v->ren);
			v->dirty = false;
		}
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vmstation view [options] HOST:DISPLAY | HOST::PORT\n"
		"Shows a VNC server's screen in a window (any VNC server).\n"
		"\n"
		"options:\n"
		"  --password PW      VNC password (or $VNC_PASSWORD)\n"
		"  --keys 'K ...'     send key combos first, e.g. 'ctrl-alt-2'\n"
		"  --type TEXT        type TEXT first (\\n is Return)\n"
		"  --wait MS          after the keys, keep reading updates this long (default 500)\n"
		"  --screenshot FILE  save the framebuffer (.png or PPM) and exit, no window\n"
		"  --wait-size WxH    with --screenshot: first wait until the screen has this size\n"
		"  --sizes SECONDS    print 'size WxH' at every resize for this long, then exit\n"
		"  --timeout SECONDS  give up waiting after this long (default 30)\n");
}

static int view_main(int argc, char **argv)
{
	const char *shot = NULL, *keys = NULL, *text = NULL, *target = NULL;
	unsigned want_w = 0, want_h = 0;
	int wait_ms = 500, timeout = 30, sizes_s = -1;
	struct viewer v = { .password = getenv("VNC_PASSWORD") };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--password") && val) {
			v.password = val; i++;
		} else if (!strcmp(a, "--keys") && val) {
			keys = val; i++;
		} else if (!strcmp(a, "--type") && val) {
			text = val; i++;
		} else if (!strcmp(a, "--wait") && val) {
			wait_ms = atoi(val); i++;
		} else if (!strcmp(a, "--screenshot") && val) {
			shot = val; i++;
		} else if (!strcmp(a, "--wait-size") && val) {
			if (sscanf(val, "%ux%u", &want_w, &want_h) != 2) {
				usage(stderr);
				return 1;
			}
			i++;
		} else if (!strcmp(a, "--sizes") && val) {
			sizes_s = atoi(val); i++;
		} else if (!strcmp(a, "--timeout") && val) {
			timeout = atoi(val); i++;
		} else if (a[0] != '-' && !target) {
			target = a;
		} else {
			usage(stderr);
			return 1;
		}
	}
	char *host;
	int port;
	if (!target || parse_target(target, &host, &port) < 0) {
		usage(stderr);
		return 1;
	}

	rfbClientLog = quiet;
	rfbClientErr = quiet;
	rfbClient *cl = rfbGetClient(8, 3, 4);
	v.cl = cl;
	v.print_sizes = sizes_s >= 0;
	rfbClientSetClientData(cl, &viewer_tag, &v);
	cl->format.redShift = 16;
	cl->format.greenShift = 8;
	cl->format.blueShift = 0;
	cl->MallocFrameBuffer = alloc_fb;
	cl->GotFrameBufferUpdate = got_update;
	cl->GetPassword = get_password;
	cl->canHandleNewFBSize = TRUE;
	/* lossless encodings only: the tests compare pixels exactly */
	cl->appData.encodingsString = "copyrect zrle hextile zlib raw";
	cl->appData.enableJPEG = FALSE;
	cl->appData.compressLevel = 1;
	cl->serverHost = host;
	cl->serverPort = port;
	cl->connectTimeout = 10;
	if (!rfbInitClient(cl, NULL, NULL)) {
		fprintf(stderr, "vmstation view: cannot connect to %s (refused, or authentication failed)\n",
			target);
		return 1;
	}
	printf("connected %ux%u\n", v.w, v.h);
	fflush(stdout);

	int rc = 0;
	if (!pump(&v, 200))
		rc = 1;
	if (!rc && keys)
		send_keys(cl, keys);
	if (!rc && text)
		send_text(cl, text);
	if (!rc && (keys || text) && !pump(&v, wait_ms))
		rc = 1;

	if (!rc && sizes_s >= 0) {
		rc = pump(&v, sizes_s * 1000) ? 0 : 1;
		printf("resizes %u\n", v.resizes - 1);
	} else if (!rc && shot) {
		uint64_t end = clock_ns() + (uint64_t)timeout * 1000000000ull;
		while (want_w && (v.w != want_w || v.h != want_h) && clock_ns() < end)
			if (!pump(&v, 50)) {
				rc = 1;
				break;
			}
		if (want_w && (v.w != want_w || v.h != want_h)) {
			fprintf(stderr, "vmstation view: screen is %ux%u, not %ux%u\n", v.w, v.h,
				want_w, want_h);
			rc = 1;
		}
		/* one full, non-incremental update so the copy is complete */
		if (!rc) {
			v.updated = false;
			SendFramebufferUpdateRequest(cl, 0, 0, (int)v.w, (int)v.h, FALSE);
			while (!v.updated && clock_ns() < end)
				if (!pump(&v, 20)) {
					rc = 1;
					break;
				}
			pump(&v, wait_ms);
			if (!rc)
				rc = save_fb(&v, shot) ? 1 : 0;
		}
	} else if (!rc) {
		char title[300];
		snprintf(title, sizeof(title), "%s - vmstation view", target);
		rc = window_loop(&v, title);
		SDL_Quit();
	}
	free(cl->frameBuffer);
	cl->frameBuffer = NULL;
	rfbClientCleanup(cl);
	return rc;
}

const struct viewer_plugin vmst_plugin_viewer = {
	.h = PLUGIN_HEADER_INIT,
	.main = view_main,
};
