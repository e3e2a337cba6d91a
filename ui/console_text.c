/*
 * Text consoles (monitor and serial) for SDL and VNC windows: a cell grid
 * with scrollback, a small output interpreter and line editing.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ui/console_text.h"
#include "core/host/display.h"
#include "core/util.h"

#define EDIT_MAX 512
#define HISTORY 32
#define FG 0xC0C0C0u
#define BG 0x000000u

struct text_console {
	pthread_mutex_t lock;
	unsigned cols, rows;
	unsigned nlines;        /* ring size: rows + scrollback */
	uint32_t *cells;        /* nlines * cols code points */
	unsigned top;           /* ring index of the oldest line */
	unsigned used;          /* lines in use (>= 1) */
	unsigned cx;            /* cursor column on the last line */
	unsigned view;          /* lines scrolled back from the bottom */
	uint64_t gen;

	/* output decoder */
	uint32_t utf8_cp; unsigned utf8_left;
	int esc;                /* 0 none, 1 after ESC, 2 inside CSI */

	/* input */
	bool line_mode;
	tc_input_fn input;
	void *opaque;
	uint32_t edit[EDIT_MAX]; unsigned elen, epos;
	char *hist[HISTORY]; unsigned nhist; int hpos;
};

/* ---- the font --------------------------------------------------------- */

static uint8_t font_data[256 * 16];
static const uint8_t *font_ptr;
static pthread_once_t font_once = PTHREAD_ONCE_INIT;

/*
 * The VGA BIOS carries the IBM 8x16 font; find it by its well-known glyphs
 * (NUL blank, full block 0xDB all ones, 'A').
 */
static void font_load(void)
{
	static const uint8_t glyph_a[16] = { 0, 0, 0x10, 0x38, 0x6C, 0xC6, 0xC6, 0xFE,
					     0xC6, 0xC6, 0xC6, 0xC6, 0, 0, 0, 0 };
	static const char *paths[] = { "/usr/share/seabios/vgabios-stdvga.bin",
				       "/usr/share/seabios/vgabios.bin" };
	for (size_t p = 0; p < ARRAY_SIZE(paths) && !font_ptr; p++) {
		size_t len;
		uint8_t *rom = read_file(paths[p], &len);
		if (!rom)
			continue;
		for (size_t i = 0x41 * 16; i + 16 <= len; i++) {
			if (memcmp(rom + i, glyph_a, 16))
				continue;
			size_t base = i - 0x41 * 16;
			if (base + 4096 > len)
				break;
			bool ok = rom[base + 0xDB * 16] == 0xFF && rom[base + 0xDB * 16 + 15] == 0xFF;
			for (int k = 0; k < 16 && ok; k++)
				ok = rom[base + k] == 0;
			if (ok) {
				memcpy(font_data, rom + base, sizeof(font_data));
				font_ptr = font_data;
				break;
			}
		}
		free(rom);
	}
}

const uint8_t *text_console_font(void)
{
	pthread_once(&font_once, font_load);
	return font_ptr;
}

static uint8_t unicode_to_cp437(uint32_t cp)
{
	if (cp >= 0x20 && cp < 0x7F)
		return (uint8_t)cp;
	for (unsigned i = 1; i < 256; i++)
		if (cp437_to_unicode((uint8_t)i) == cp)
			return (uint8_t)i;
	return '?';
}

/* ---- the cell grid ---------------------------------------------------- */

static uint32_t *line_at(struct text_console *tc, unsigned i) /* i from the oldest */
{
	return tc->cells + (size_t)((tc->top + i) % tc->nlines) * tc->cols;
}

static uint32_t *last_line(struct text_console *tc)
{
	return line_at(tc, tc->used - 1);
}

static void new_line(struct text_console *tc)
{
	if (tc->used < tc->nlines) {
		tc->used++;
	} else {
		tc->top = (tc->top + 1) % tc->nlines;
	}
	uint32_t *l = last_line(tc);
	for (unsigned x = 0; x < tc->cols; x++)
		l[x] = ' ';
	tc->cx = 0;
}

static void put_char(struct text_console *tc, uint32_t cp)
{
	if (tc->cx >= tc->cols)
		new_line(tc);
	last_line(tc)[tc->cx++] = cp;
}

static void output_cp(struct text_console *tc, uint32_t cp)
{
	switch (cp) {
	case '\n':
		new_line(tc);
		break;
	case '\r':
		tc->cx = 0;
		break;
	case '\b':
		if (tc->cx)
			tc->cx--;
		break;
	case '\t':
		do
			put_char(tc, ' ');
		while (tc->cx % 8 && tc->cx < tc->cols);
		break;
	case 0x07:
		break;
	default:
		if (cp >= 0x20)
			put_char(tc, cp);
	}
}

struct text_console *text_console_new(unsigned cols, unsigned rows, unsigned scrollback,
				      bool line_mode, tc_input_fn input, void *opaque)
{
	struct text_console *tc = xzalloc(sizeof(*tc));
	pthread_mutex_init(&tc->lock, NULL);
	tc->cols = MAX(cols, 8u);
	tc->rows = MAX(rows, 2u);
	tc->nlines = tc->rows + scrollback;
	tc->cells = xmalloc((size_t)tc->nlines * tc->cols * sizeof(uint32_t));
	tc->used = 0;
	new_line(tc);
	tc->line_mode = line_mode;
	tc->input = input;
	tc->opaque = opaque;
	tc->hpos = -1;
	text_console_font();
	return tc;
}

void text_console_free(struct text_console *tc)
{
	if (!tc)
		return;
	for (unsigned i = 0; i < tc->nhist; i++)
		free(tc->hist[i]);
	pthread_mutex_destroy(&tc->lock);
	free(tc->cells);
	free(tc);
}

void text_console_output(struct text_console *tc, const char *buf, size_t n)
{
	pthread_mutex_lock(&tc->lock);
	for (size_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)buf[i];
		if (tc->esc == 1) {
			tc->esc = b == '[' ? 2 : 0;
			continue;
		}
		if (tc->esc == 2) {
			if (b >= 0x40 && b <= 0x7E)
				tc->esc = 0;
			continue;
		}
		if (b == 0x1B) {
			tc->esc = 1;
			continue;
		}
		if (tc->utf8_left) {
			if ((b & 0xC0) == 0x80) {
				tc->utf8_cp = tc->utf8_cp << 6 | (b & 0x3F);
				if (--tc->utf8_left == 0)
					output_cp(tc, tc->utf8_cp);
				continue;
			}
			tc->utf8_left = 0;
		}
		if (b < 0x80)
			output_cp(tc, b);
		else if ((b & 0xE0) == 0xC0)
			tc->utf8_cp = b & 0x1F, tc->utf8_left = 1;
		else if ((b & 0xF0) == 0xE0)
			tc->utf8_cp = b & 0x0F, tc->utf8_left = 2;
		else if ((b & 0xF8) == 0xF0)
			tc->utf8_cp = b & 0x07, tc->utf8_left = 3;
		else
			output_cp(tc, unicode_to_cp437(b)); /* not UTF-8: show as is */
	}
	tc->view = 0;
	tc->gen++;
	pthread_mutex_unlock(&tc->lock);
}

/* ---- input ------------------------------------------------------------ */

static void send_raw(struct text_console *tc, const char *s)
{
	if (tc->input)
		tc->input(tc->opaque, s, strlen(s));
}

static void raw_key(struct text_console *tc, enum tc_key key, uint32_t ch)
{
	static const char *seq[] = {
		[TCK_ENTER] = "\r", [TCK_BACKSPACE] = "\x7f", [TCK_DELETE] = "\x1b[3~",
		[TCK_TAB] = "\t", [TCK_ESC] = "\x1b", [TCK_LEFT] = "\x1b[D",
		[TCK_RIGHT] = "\x1b[C", [TCK_UP] = "\x1b[A", [TCK_DOWN] = "\x1b[B",
		[TCK_HOME] = "\x1b[H", [TCK_END] = "\x1b[F", [TCK_PGUP] = "\x1b[5~",
		[TCK_PGDN] = "\x1b[6~",
	};
	char buf[8];
	if (key == TCK_CHAR) {
		size_t n = utf8_encode(ch, buf);
		buf[n] = 0;
		send_raw(tc, buf);
	} else if (key == TCK_CTRL) {
		buf[0] = (char)(ch & 0x1F);
		buf[1] = 0;
		send_raw(tc, buf);
	} else if ((size_t)key < ARRAY_SIZE(seq) && seq[key]) {
		send_raw(tc, seq[key]);
	}
}

static void edit_set(struct text_console *tc, const char *s)
{
	tc->elen = 0;
	for (; *s && tc->elen < EDIT_MAX; s++)
		tc->edit[tc->elen++] = (uint8_t)*s;
	tc->epos = tc->elen;
}

static void edit_enter(struct text_console *tc)
{
	char line[EDIT_MAX * 4 + 2];
	size_t n = 0;
	for (unsigned i = 0; i < tc->elen; i++)
		n += utf8_encode(tc->edit[i], line + n);
	line[n] = 0;
	/* echo what was typed, then hand the line over */
	for (unsigned i = 0; i < tc->elen; i++)
		output_cp(tc, tc->edit[i]);
	new_line(tc);
	if (n && (!tc->nhist || strcmp(tc->hist[tc->nhist - 1], line))) {
		if (tc->nhist == HISTORY) {
			free(tc->hist[0]);
			memmove(tc->hist, tc->hist + 1, (HISTORY - 1) * sizeof(char *));
			tc->nhist--;
		}
		tc->hist[tc->nhist++] = xstrdup(line);
	}
	tc->elen = tc->epos = 0;
	tc->hpos = -1;
	line[n++] = '\n';
	tc_input_fn fn = tc->input;
	void *opaque = tc->opaque;
	/* the peer may answer synchronously through text_console_output */
	pthread_mutex_unlock(&tc->lock);
	if (fn)
		fn(opaque, line, n);
	pthread_mutex_lock(&tc->lock);
}

static void line_key(struct text_console *tc, enum tc_key key, uint32_t ch)
{
	switch (key) {
	case TCK_CHAR:
		if (ch >= 0x20 && tc->elen < EDIT_MAX) {
			memmove(tc->edit + tc->epos + 1, tc->edit + tc->epos,
				(tc->elen - tc->epos) * sizeof(uint32_t));
			tc->edit[tc->epos++] = ch;
			tc->elen++;
		}
		break;
	case TCK_BACKSPACE:
		if (tc->epos) {
			memmove(tc->edit + tc->epos - 1, tc->edit + tc->epos,
				(tc->elen - tc->epos) * sizeof(uint32_t));
			tc->epos--;
			tc->elen--;
		}
		break;
	case TCK_DELETE:
		if (tc->epos < tc->elen) {
			memmove(tc->edit + tc->epos, tc->edit + tc->epos + 1,
				(tc->elen - tc->epos - 1) * sizeof(uint32_t));
			tc->elen--;
		}
		break;
	case TCK_LEFT: if (tc->epos) tc->epos--; break;
	case TCK_RIGHT: if (tc->epos < tc->elen) tc->epos++; break;
	case TCK_HOME: tc->epos = 0; break;
	case TCK_END: tc->epos = tc->elen; break;
	case TCK_CTRL:
		if (ch == 'a') tc->epos = 0;
		else if (ch == 'e') tc->epos = tc->elen;
		else if (ch == 'u') tc->elen = tc->epos = 0;
		break;
	case TCK_UP:
		if (tc->nhist && tc->hpos != 0) {
			tc->hpos = tc->hpos < 0 ? (int)tc->nhist - 1 : tc->hpos - 1;
			edit_set(tc, tc->hist[tc->hpos]);
		}
		break;
	case TCK_DOWN:
		if (tc->hpos >= 0) {
			if (++tc->hpos >= (int)tc->nhist) {
				tc->hpos = -1;
				edit_set(tc, "");
			} else {
				edit_set(tc, tc->hist[tc->hpos]);
			}
		}
		break;
	case TCK_ENTER:
		edit_enter(tc);
		break;
	default:
		break;
	}
}

void text_console_key(struct text_console *tc, enum tc_key key, uint32_t ch)
{
	pthread_mutex_lock(&tc->lock);
	unsigned back = tc->used > tc->rows ? tc->used - tc->rows : 0;
	switch (key) {
	case TCK_SCROLL_UP:
		tc->view = MIN(tc->view + 1, back);
		break;
	case TCK_SCROLL_DOWN:
		if (tc->view)
			tc->view--;
		break;
	case TCK_SCROLL_PGUP:
		tc->view = MIN(tc->view + tc->rows / 2, back);
		break;
	case TCK_SCROLL_PGDN:
		tc->view = tc->view > tc->rows / 2 ? tc->view - tc->rows / 2 : 0;
		break;
	default:
		tc->view = 0;
		if (tc->line_mode) {
			line_key(tc, key, ch);
		} else {
			tc_input_fn fn = tc->input;
			(void)fn;
			pthread_mutex_unlock(&tc->lock);
			raw_key(tc, key, ch);
			pthread_mutex_lock(&tc->lock);
		}
	}
	tc->gen++;
	pthread_mutex_unlock(&tc->lock);
}

/* ---- drawing ---------------------------------------------------------- */

unsigned text_console_width(const struct text_console *tc) { return tc->cols * TC_FONT_W; }
unsigned text_console_height(const struct text_console *tc) { return tc->rows * TC_FONT_H; }

uint64_t text_console_gen(struct text_console *tc)
{
	pthread_mutex_lock(&tc->lock);
	uint64_t g = tc->gen;
	pthread_mutex_unlock(&tc->lock);
	return g;
}

/*
 * The screen as cells: the last rows lines (minus the scroll-back view), with
 * the edit line drawn from the cursor on. *cur gets the cursor cell or -1.
 */
static void compose(struct text_console *tc, uint32_t *grid, int *cur)
{
	unsigned first = tc->used > tc->rows + tc->view ? tc->used - tc->rows - tc->view : 0;
	for (unsigned y = 0; y < tc->rows; y++) {
		unsigned li = first + y;
		for (unsigned x = 0; x < tc->cols; x++)
			grid[y * tc->cols + x] = li < tc->used ? line_at(tc, li)[x] : ' ';
	}
	*cur = -1;
	if (tc->view)
		return;
	unsigned cy = tc->used - 1 - first, cx = tc->cx;
	size_t pos = (size_t)cy * tc->cols + cx;
	size_t cells = (size_t)tc->rows * tc->cols;
	if (tc->line_mode) {
		for (unsigned i = 0; i <= tc->elen; i++, pos++) {
			if (pos >= cells)
				break;
			if (i == tc->epos)
				*cur = (int)pos;
			if (i < tc->elen)
				grid[pos] = tc->edit[i];
		}
	} else if (pos < cells) {
		*cur = (int)pos;
	}
}

void text_console_render(struct text_console *tc, uint32_t *px, unsigned stride)
{
	const uint8_t *font = text_console_font();
	pthread_mutex_lock(&tc->lock);
	size_t cells = (size_t)tc->rows * tc->cols;
	uint32_t *grid = xmalloc(cells * sizeof(uint32_t));
	int cur;
	compose(tc, grid, &cur);
	pthread_mutex_unlock(&tc->lock);

	for (size_t i = 0; i < cells; i++) {
		unsigned cx = i % tc->cols, cy = i / tc->cols;
		uint8_t c = unicode_to_cp437(grid[i]);
		for (unsigned l = 0; l < TC_FONT_H; l++) {
			uint8_t bits = font ? font[c * 16 + l] : (c != ' ' && l > 2 && l < 13 ? 0x7E : 0);
			if ((int)i == cur && l >= 13 && l <= 14)
				bits = 0xFF;
			uint32_t *row = px + (size_t)(cy * TC_FONT_H + l) * stride + cx * TC_FONT_W;
			for (unsigned x = 0; x < TC_FONT_W; x++)
				row[x] = (bits & (0x80 >> x)) ? FG : BG;
		}
	}
	free(grid);
}

size_t text_console_text(struct text_console *tc, char *buf, size_t len)
{
	pthread_mutex_lock(&tc->lock);
	size_t cells = (size_t)tc->rows * tc->cols;
	uint32_t *grid = xmalloc(cells * sizeof(uint32_t));
	int cur;
	compose(tc, grid, &cur);
	pthread_mutex_unlock(&tc->lock);
	size_t n = 0;
	for (unsigned y = 0; y < tc->rows; y++) {
		size_t keep = n;
		for (unsigned x = 0; x < tc->cols; x++) {
			char u[4];
			size_t k = utf8_encode(grid[y * tc->cols + x], u);
			for (size_t j = 0; j < k; j++, n++)
				if (n + 1 < len)
					buf[n] = u[j];
			if (grid[y * tc->cols + x] != ' ')
				keep = n;
		}
		n = keep;
		if (n + 1 < len)
			buf[n] = '\n';
		n++;
	}
	if (len)
		buf[MIN(n, len - 1)] = 0;
	free(grid);
	return n;
}

/* ---- the VM's serial console ------------------------------------------ */

#include "core/chardev.h"
#include "core/evloop.h"
#include "core/vm.h"

struct serial_bytes {
	struct vm *vm;
	size_t n;
	char buf[16];
};

static void serial_tap(void *opaque, const uint8_t *buf, size_t n)
{
	text_console_output(opaque, (const char *)buf, n);
}

/* Typed bytes reach the UART on the VM's io thread, where its input runs. */
static void serial_deliver(void *opaque)
{
	struct serial_bytes *b = opaque;
	struct chardev *chr = b->vm->serial_chr[0];
	struct chardev_handler h;
	if (chr) {
		chardev_get_handler(chr, &h);
		if (h.receive && (!h.can_receive || h.can_receive(h.opaque) >= b->n))
			h.receive(h.opaque, (const uint8_t *)b->buf, b->n);
	}
	free(b);
}

static void serial_typed(void *opaque, const char *buf, size_t n)
{
	struct vm *vm = opaque;
	while (n) {
		struct serial_bytes *b = xzalloc(sizeof(*b));
		size_t k = MIN(n, sizeof(b->buf));
		b->vm = vm;
		b->n = k;
		memcpy(b->buf, buf, k);
		/* b is the io thread's from here: it may be freed already */
		evloop_call(vm->loop, serial_deliver, b);
		buf += k;
		n -= k;
	}
}

static void display_serial_console_free(struct display *d)
{
	if (!d->serial_console)
		return;
	if (d->vm && d->vm->serial_chr[0])
		chardev_set_tap(d->vm->serial_chr[0], NULL, d->serial_console);
	text_console_free(d->serial_console);
	d->serial_console = NULL;
}

struct text_console *display_serial_console(struct display *d)
{
	struct vm *vm = d->vm;
	if (!vm || !vm->serial_chr[0])
		return NULL;
	display_lock(d);
	if (!d->serial_console) {
		d->serial_console = text_console_new(80, 30, 2000, false, serial_typed, vm);
		chardev_set_tap(vm->serial_chr[0], serial_tap, d->serial_console);
		d->serial_console_free = display_serial_console_free;
	}
	struct text_console *tc = d->serial_console;
	display_unlock(d);
	return tc;
}
