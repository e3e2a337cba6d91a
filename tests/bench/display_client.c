/*
 * Display benchmark probe (tests/bench/display.sh), built at bench time:
 *
 *   display_client vnc-fps HOST PORT SECONDS
 *       a libvncclient client; counts framebuffer updates that brought a new
 *       guest frame (the centre pixel changed) per second.
 *   display_client vnc-lat HOST PORT SERIAL-SOCKET N
 *       N times: write a byte to the guest's COM1 (a unix socket), wait until
 *       the VNC framebuffer's top-left pixel shows it (fb_bench.asm "lat"),
 *       print the median and mean delay in ms.
 *   display_client x-fps X Y SECONDS
 *       polls one pixel of the X screen (the window's centre) and counts
 *       colour changes per second: frames the window really showed.
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <rfb/rfbclient.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long frames, updates;
static uint32_t last_centre = 0xFFFFFFFF;

static void finished(rfbClient *cl)
{
	uint32_t *fb = (uint32_t *)cl->frameBuffer;
	uint32_t c = fb[(cl->height / 2) * cl->width + cl->width / 2] & 0xFFFFFF;
	updates++;
	if (c != last_centre) {
		frames++;
		last_centre = c;
	}
}

static void quiet(const char *fmt, ...)
{
	(void)fmt;
}

static rfbClient *connect_vnc(const char *host, int port)
{
	rfbClientLog = rfbClientErr = quiet;
	rfbClient *cl = rfbGetClient(8, 3, 4);
	cl->format.redShift = 16;
	cl->format.greenShift = 8;
	cl->format.blueShift = 0;
	cl->canHandleNewFBSize = TRUE;
	cl->appData.encodingsString = "copyrect zrle hextile zlib raw";
	cl->appData.enableJPEG = FALSE;
	cl->appData.compressLevel = 1;
	cl->FinishedFrameBufferUpdate = finished;
	cl->serverHost = strdup(host);
	cl->serverPort = port;
	if (!rfbInitClient(cl, NULL, NULL)) {
		fprintf(stderr, "display_client: cannot connect to %s:%d\n", host, port);
		return NULL; /* rfbInitClient freed cl */
	}
	return cl;
}

static int pump(rfbClient *cl, int us)
{
	int n = WaitForMessage(cl, us);
	if (n < 0 || (n > 0 && !HandleRFBServerMessage(cl)))
		return -1;
	return n;
}

static int vnc_fps(const char *host, int port, double secs)
{
	rfbClient *cl = connect_vnc(host, port);
	if (!cl)
		return 1;
	/* settle: the first full update and the mode */
	double t = now() + 1.0;
	while (now() < t)
		if (pump(cl, 10000) < 0)
			return 1;
	frames = updates = 0;
	double start = now(), end = start + secs;
	while (now() < end)
		if (pump(cl, 10000) < 0)
			return 1;
	double el = now() - start;
	printf("fps %.1f updates %.1f size %dx%d\n", frames / el, updates / el, cl->width, cl->height);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int vnc_lat(const char *host, int port, const char *sock, int n)
{
	/* COM1 first (the VMM waits for it), then "READY" from the guest, then VNC */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	double t = now() + 30;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (now() > t) {
			perror("display_client: serial socket");
			return 1;
		}
		usleep(50000);
	}
	char seen[64] = "";
	size_t sn = 0;
	t = now() + 90;
	while (!strstr(seen, "READY")) {
		char c;
		if (now() > t || read(fd, &c, 1) != 1) {
			fprintf(stderr, "display_client: no READY from the guest\n");
			return 1;
		}
		if (sn == sizeof(seen) - 1) {
			memmove(seen, seen + 1, --sn);
		}
		seen[sn++] = c;
		seen[sn] = 0;
	}
	rfbClient *cl = NULL;
	for (t = now() + 10; !cl; usleep(100000)) {
		if (now() > t)
			return 1;
		cl = connect_vnc(host, port);
	}
	t = now() + 1.0;
	while (now() < t)
		if (pump(cl, 10000) < 0)
			return 1;
	double *lat = calloc((size_t)n, sizeof(double));
	int got = 0;
	for (int i = 0; i < n; i++) {
		uint8_t b = (uint8_t)(1 + i % 250);
		uint32_t want = 0xBB00BBu | (uint32_t)b << 8;
		usleep(5000 + (unsigned)(rand() % 17000)); /* any phase of the refresh */
		double t0 = now();
		if (write(fd, &b, 1) != 1)
			return 1;
		while (now() - t0 < 2.0) {
			if (pump(cl, 1000) < 0)
				return 1;
			if ((((uint32_t *)cl->frameBuffer)[0] & 0xFFFFFF) == want) {
				lat[got++] = (now() - t0) * 1000;
				break;
			}
		}
	}
	if (!got) {
		printf("latency none\n");
		return 1;
	}
	qsort(lat, (size_t)got, sizeof(double), cmp_double);
	double sum = 0;
	for (int i = 0; i < got; i++)
		sum += lat[i];
	printf("latency median %.2f mean %.2f max %.2f n %d\n", lat[got / 2], sum / got, lat[got - 1], got);
	return 0;
}

static int x_fps(int x, int y, double secs)
{
	Display *dpy = XOpenDisplay(NULL);
	if (!dpy) {
		fprintf(stderr, "display_client: no X display\n");
		return 1;
	}
	Window root = DefaultRootWindow(dpy);
	unsigned long last = ~0ul, changes = 0, samples = 0;
	double start = now(), end = start + secs;
	while (now() < end) {
		XImage *img = XGetImage(dpy, root, x, y, 1, 1, AllPlanes, ZPixmap);
		if (!img)
			return 1;
		unsigned long p = XGetPixel(img, 0, 0) & 0xFFFFFF;
		XDestroyImage(img);
		samples++;
		if (p != last) {
			changes++;
			last = p;
		}
		/* 1000 samples/s see every frame up to far beyond 70 Hz; flat
		 * out, this loop and the X server would take a CPU from the VMM */
		usleep(1000);
	}
	double el = now() - start;
	printf("fps %.1f samples/s %.0f\n", changes / el, samples / el);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "vnc-fps"))
		return vnc_fps(argv[2], atoi(argv[3]), atof(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "vnc-lat"))
		return vnc_lat(argv[2], atoi(argv[3]), argv[4], atoi(argv[5]));
	if (argc == 5 && !strcmp(argv[1], "x-fps"))
		return x_fps(atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: display_client vnc-fps HOST PORT S | vnc-lat HOST PORT SOCK N | x-fps X Y S\n");
	return 2;
}
