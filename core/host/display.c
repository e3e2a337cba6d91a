/*
 * The per-VM display surface: resize, dirty rectangle, listeners, the 60 Hz
 * refresh timer on the VM's io thread, screendump (PPM, PNG, text).
 */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/host/display.h"
#include "core/evloop.h"
#include "core/util.h"
#include "core/vm.h"

static const uint16_t cp437[256] = {
#include "core/host/cp437.inc"
};

uint32_t cp437_to_unicode(uint8_t c)
{
	return cp437[c];
}

size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static void reset_dirty(struct display *d)
{
	d->dx0 = d->dy0 = UINT32_MAX;
	d->dx1 = d->dy1 = 0;
	d->resized = false;
}

struct display *display_new(struct vm *vm, const struct display_source *src)
{
	struct display *d = xzalloc(sizeof(*d));
	d->vm = vm;
	pthread_mutex_init(&d->lock, NULL);
	d->src = *src;
	d->need_full = true;
	d->text.cursor_x = d->text.cursor_y = -1;
	reset_dirty(d);
	if (vm)
		vm->display = d;
	return d;
}

void display_free(struct display *d)
{
	if (!d)
		return;
	/* vm_destroy frees the loop (and its watches) before the free hooks run */
	if (d->timer && d->vm && d->vm->loop)
		evtimer_free(d->timer);
	if (d->serial_console && d->serial_console_free)
		d->serial_console_free(d);
	if (d->vm && d->vm->display == d)
		d->vm->display = NULL;
	pthread_mutex_destroy(&d->lock);
	free(d->pixels);
	free(d);
}

void display_resize(struct display *d, unsigned w, unsigned h)
{
	w = MAX(1u, MIN(w, (unsigned)DISPLAY_MAX_WIDTH));
	h = MAX(1u, MIN(h, (unsigned)DISPLAY_MAX_HEIGHT));
	if (w != d->width || h != d->height || !d->pixels) {
		free(d->pixels);
		d->pixels = xzalloc((size_t)w * h * 4);
		d->width = w;
		d->height = h;
	}
	d->mode_gen++;
	d->resized = true;
	d->dx0 = d->dy0 = 0;
	d->dx1 = w;
	d->dy1 = h;
}

void display_mark_dirty(struct display *d, unsigned x, unsigned y, unsigned w, unsigned h)
{
	if (x >= d->width || y >= d->height || !w || !h)
		return;
	unsigned x1 = MIN(d->width, x + w), y1 = MIN(d->height, y + h);
	d->dx0 = MIN(d->dx0, x);
	d->dy0 = MIN(d->dy0, y);
	d->dx1 = MAX(d->dx1, x1);
	d->dy1 = MAX(d->dy1, y1);
}

/* Called with d->lock held. */
static void refresh_locked(struct display *d)
{
	bool full = d->need_full;
	d->need_full = false;
	reset_dirty(d);
	d->refreshes++;
	if (d->src.refresh)
		d->src.refresh(d->src.opaque, d, full);
	if (!d->pixels)
		return;
	if (d->resized) {
		d->frames++;
		for (unsigned i = 0; i < d->n_listeners; i++)
			if (d->listeners[i].resize)
				d->listeners[i].resize(d->listeners[i].opaque, d, d->width, d->height);
	} else if (d->dx1 > d->dx0 && d->dy1 > d->dy0) {
		d->frames++;
		for (unsigned i = 0; i < d->n_listeners; i++)
			if (d->listeners[i].update)
				d->listeners[i].update(d->listeners[i].opaque, d, d->dx0, d->dy0,
						       d->dx1 - d->dx0, d->dy1 - d->dy0);
	}
}

void display_refresh(struct display *d)
{
	display_lock(d);
	refresh_locked(d);
	display_unlock(d);
}

void display_invalidate(struct display *d)
{
	display_lock(d);
	d->need_full = true;
	display_unlock(d);
}

/* ---- the 60 Hz timer on the VM's io thread ---------------------------- */

static void refresh_tick(void *opaque)
{
	struct display *d = opaque;
	uint64_t next = clock_ns() + DISPLAY_REFRESH_NS;
	display_lock(d);
	bool active = d->n_listeners > 0;
	if (active) {
		d->periodic = true;
		refresh_locked(d);
		d->periodic = false;
	}
	display_unlock(d);
	if (active)
		evtimer_arm_at(d->timer, next);
}

static void start_timer(void *opaque)
{
	struct display *d = opaque;
	if (!d->timer)
		d->timer = evtimer_new(d->vm->loop, refresh_tick, d);
	if (!evtimer_armed(d->timer))
		evtimer_arm_in(d->timer, 0);
}

int display_add_listener(struct display *d, const struct display_listener *l)
{
	display_lock(d);
	if (d->n_listeners >= DISPLAY_MAX_LISTENERS) {
		display_unlock(d);
		return -1;
	}
	d->listeners[d->n_listeners++] = *l;
	d->need_full = true;
	display_unlock(d);
	if (d->vm && d->vm->loop)
		evloop_call(d->vm->loop, start_timer, d);
	return 0;
}

void display_remove_listener(struct display *d, void *opaque)
{
	display_lock(d);
	for (unsigned i = 0; i < d->n_listeners; i++) {
		if (d->listeners[i].opaque == opaque) {
			memmove(&d->listeners[i], &d->listeners[i + 1],
				(d->n_listeners - i - 1) * sizeof(d->listeners[0]));
			d->n_listeners--;
			break;
		}
	}
	display_unlock(d);
}

/* ---- text and screendump ---------------------------------------------- */

/* Text screen as UTF-8, one line per row, trailing blanks trimmed. */
static int text_locked(struct display *d, char *buf, size_t len)
{
	const struct display_text_info *t = &d->text;
	size_t n = 0;
	if (!t->active)
		return -1;
	for (unsigned y = 0; y < t->rows; y++) {
		char line[DISPLAY_TEXT_MAX_COLS * 4 + 1];
		size_t ln = 0, keep = 0;
		for (unsigned x = 0; x < t->cols; x++) {
			uint8_t c = t->cells[y * t->cols + x] & 0xFF;
			ln += utf8_encode(c ? cp437_to_unicode(c) : ' ', line + ln);
			if (c != ' ' && c != 0 && c != 0xFF)
				keep = ln;
		}
		line[keep++] = '\n';
		for (size_t i = 0; i < keep; i++, n++)
			if (n + 1 < len)
				buf[n] = line[i];
	}
	if (len)
		buf[MIN(n, len - 1)] = 0;
	return (int)n;
}

int display_text(struct display *d, char *buf, size_t len)
{
	display_lock(d);
	refresh_locked(d);
	int n = text_locked(d, buf, len);
	display_unlock(d);
	return n;
}

/* Row y of the surface as 8-bit R, G, B triples. */
static void rgb_row(const struct display *d, unsigned y, uint8_t *row)
{
	const uint32_t *px = d->pixels + (size_t)y * d->width;
	for (unsigned x = 0; x < d->width; x++) {
		row[x * 3] = px[x] >> 16;
		row[x * 3 + 1] = px[x] >> 8;
		row[x * 3 + 2] = px[x];
	}
}

static int write_ppm(struct display *d, FILE *f)
{
	fprintf(f, "P6\n%u %u\n255\n", d->width, d->height);
	uint8_t *row = xmalloc((size_t)d->width * 3);
	for (unsigned y = 0; y < d->height; y++) {
		rgb_row(d, y, row);
		if (fwrite(row, 3, d->width, f) != d->width) {
			free(row);
			return -1;
		}
	}
	free(row);
	return 0;
}

static int write_png(struct display *d, FILE *f)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	uint8_t *row = xmalloc((size_t)d->width * 3);
	if (!png || !info || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		free(row);
		return -1;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, d->width, d->height, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (unsigned y = 0; y < d->height; y++) {
		rgb_row(d, y, row);
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	return 0;
}

int display_screendump(struct display *d, const char *path, const char *fmt,
		       char *err, size_t errlen)
{
	if (!fmt || !*fmt) {
		const char *dot = strrchr(path, '.');
		fmt = dot && (!strcmp(dot, ".png") || !strcmp(dot, ".txt")) ? dot + 1 : "ppm";
	}
	if (strcmp(fmt, "ppm") && strcmp(fmt, "png") && strcmp(fmt, "txt")) {
		snprintf(err, errlen, "Parameter 'format' does not accept value '%s'", fmt);
		return -1;
	}
	display_lock(d);
	refresh_locked(d);
	char *text = NULL;
	int tlen = 0;
	if (!strcmp(fmt, "txt")) {
		size_t cap = DISPLAY_TEXT_MAX_ROWS * (DISPLAY_TEXT_MAX_COLS * 4 + 1) + 1;
		text = xmalloc(cap);
		tlen = text_locked(d, text, cap);
		if (tlen < 0) {
			display_unlock(d);
			free(text);
			snprintf(err, errlen, "the guest is in a graphics mode: no text to dump");
			return -1;
		}
	}
	FILE *f = fopen(path, "wb");
	if (!f) {
		display_unlock(d);
		free(text);
		snprintf(err, errlen, "could not open '%s': %s", path, strerror(errno));
		return -1;
	}
	int rc;
	if (text)
		rc = fwrite(text, 1, tlen, f) == (size_t)tlen ? 0 : -1;
	else if (!d->pixels)
		rc = -1;
	else if (!strcmp(fmt, "png"))
		rc = write_png(d, f);
	else
		rc = write_ppm(d, f);
	display_unlock(d);
	free(text);
	if (fclose(f) != 0)
		rc = -1;
	if (rc < 0)
		snprintf(err, errlen, "could not write '%s'", path);
	return rc;
}
