/*
 * Key-to-screen delay of a VM window under Xvfb, the same way for any VMM
 * (tests/bench/55_games.sh), built at bench time:
 *
 *   x_keylat X Y N
 *       N times: press 'a' through XTest, poll the screen pixel (X, Y) until
 *       its colour changes (the guest's keyboard interrupt redrew it: see
 *       tests/guests/pacing.asm), release the key, wait 150 ms. Prints
 *       "keylat median M mean A max X n N timeouts T" in ms.
 *
 * XTest comes from libXtst.so.6 at run time (dlopen): its development
 * package is not needed to build this.
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef int (*fake_key_fn)(Display *, unsigned int, Bool, unsigned long);

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static unsigned long pixel(Display *dpy, Window root, int x, int y)
{
	XImage *img = XGetImage(dpy, root, x, y, 1, 1, AllPlanes, ZPixmap);
	if (!img)
		return ~0ul;
	unsigned long p = XGetPixel(img, 0, 0) & 0xFFFFFF;
	XDestroyImage(img);
	return p;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: x_keylat X Y N\n");
		return 2;
	}
	int x = atoi(argv[1]), y = atoi(argv[2]), n = atoi(argv[3]);
	void *xtst = dlopen("libXtst.so.6", RTLD_NOW);
	fake_key_fn fake_key = xtst ? (fake_key_fn)dlsym(xtst, "XTestFakeKeyEvent") : NULL;
	Display *dpy = XOpenDisplay(NULL);
	if (!fake_key || !dpy || n <= 0 || n > 1000) {
		fprintf(stderr, "x_keylat: %s\n", !fake_key ? "no XTest (libXtst.so.6)" :
			!dpy ? "no X display" : "bad count");
		return 1;
	}
	Window root = DefaultRootWindow(dpy);
	unsigned int key = XKeysymToKeycode(dpy, XK_a);
	double *lat = calloc((size_t)n, sizeof(*lat));
	int got = 0, timeouts = 0;
	for (int i = 0; i < n; i++) {
		unsigned long before = pixel(dpy, root, x, y);
		double t0 = now_ms();
		fake_key(dpy, key, True, CurrentTime);
		XFlush(dpy);
		double t;
		/* every 0.5 ms, not flat out: a busy poller (and the X server
		 * answering it) would take a CPU from the VMM it measures */
		while ((t = now_ms()) - t0 < 1000 && pixel(dpy, root, x, y) == before)
			usleep(500);
		if (t - t0 < 1000)
			lat[got++] = t - t0;
		else
			timeouts++;
		fake_key(dpy, key, False, CurrentTime);
		XFlush(dpy);
		usleep(150000);
	}
	if (!got) {
		printf("keylat median - mean - max - n 0 timeouts %d\n", timeouts);
		return 1;
	}
	qsort(lat, (size_t)got, sizeof(*lat), cmp);
	double sum = 0;
	for (int i = 0; i < got; i++)
		sum += lat[i];
	printf("keylat median %.2f mean %.2f max %.2f n %d timeouts %d\n", lat[got / 2], sum / got,
	       lat[got - 1], got, timeouts);
	free(lat);
	return 0;
}
