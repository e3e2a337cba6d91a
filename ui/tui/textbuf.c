/* Scroll-back text buffer for the panel's panes (see textbuf.h). */
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/tui/textbuf.h"
#include "core/util.h"

struct textbuf *textbuf_new(unsigned lines)
{
	struct textbuf *tb = xzalloc(sizeof(*tb));
	pthread_mutex_init(&tb->lock, NULL);
	tb->cap = lines < 2 ? 2 : lines;
	tb->lines = xzalloc(tb->cap * sizeof(*tb->lines));
	tb->count = 1; /* the line the cursor is on */
	return tb;
}

void textbuf_free(struct textbuf *tb)
{
	if (!tb)
		return;
	pthread_mutex_destroy(&tb->lock);
	free(tb->lines);
	free(tb);
}

static struct tb_line *cur_line(struct textbuf *tb)
{
	return &tb->lines[(tb->head + tb->count - 1) % tb->cap];
}

static void new_line(struct textbuf *tb)
{
	if (tb->count == tb->cap)
		tb->head = (tb->head + 1) % tb->cap;
	else
		tb->count++;
	cur_line(tb)->len = 0;
	tb->col = 0;
}

static void put(struct textbuf *tb, char ch)
{
	if (tb->col >= TB_COLS)
		new_line(tb);
	struct tb_line *l = cur_line(tb);
	while (l->len < tb->col)
		l->c[l->len++] = ' ';
	l->c[tb->col++] = ch;
	if (l->len < tb->col)
		l->len = (uint16_t)tb->col;
}

void textbuf_feed(struct textbuf *tb, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	pthread_mutex_lock(&tb->lock);
	for (size_t i = 0; i < len; i++) {
		uint8_t ch = p[i];
		if (tb->esc == 1) {              /* after ESC */
			tb->esc = ch == '[' ? 2 : ch == ']' ? 3 : 0;
			continue;
		}
		if (tb->esc == 2) {              /* CSI: parameters until a final byte */
			if (ch >= 0x40 && ch <= 0x7e)
				tb->esc = 0;
			continue;
		}
		if (tb->esc == 3) {              /* OSC: until BEL or ESC */
			if (ch == 7)
				tb->esc = 0;
			else if (ch == 27)
				tb->esc = 1;
			continue;
		}
		switch (ch) {
		case 27:
			tb->esc = 1;
			break;
		case '\n':
			new_line(tb);
			break;
		case '\r':
			tb->col = 0;
			break;
		case '\b':
			if (tb->col)
				tb->col--;
			break;
		case '\t':
			do
				put(tb, ' ');
			while (tb->col % 8 && tb->col < TB_COLS);
			break;
		default:
			if (ch >= 0x20 && ch != 0x7f)
				put(tb, (char)ch);
			break;
		}
	}
	tb->bytes += len;
	pthread_mutex_unlock(&tb->lock);
	atomic_fetch_add_explicit(&tb->gen, 1, memory_order_release);
}

void textbuf_printf(struct textbuf *tb, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		textbuf_feed(tb, buf, MIN((size_t)n, sizeof(buf) - 1));
}

void textbuf_clear(struct textbuf *tb)
{
	pthread_mutex_lock(&tb->lock);
	tb->head = 0;
	tb->count = 1;
	tb->col = 0;
	tb->lines[0].len = 0;
	pthread_mutex_unlock(&tb->lock);
	atomic_fetch_add_explicit(&tb->gen, 1, memory_order_release);
}

unsigned textbuf_lines(struct textbuf *tb)
{
	pthread_mutex_lock(&tb->lock);
	unsigned n = tb->count;
	if (n && cur_line(tb)->len == 0)
		n--;
	pthread_mutex_unlock(&tb->lock);
	return n;
}

unsigned textbuf_copy(struct textbuf *tb, unsigned back, unsigned n, char (*out)[TB_COLS + 1])
{
	pthread_mutex_lock(&tb->lock);
	unsigned total = tb->count;
	if (total && cur_line(tb)->len == 0)
		total--;            /* an empty cursor line is not shown */
	unsigned got = 0;
	if (back < total) {
		unsigned end = total - back;            /* one past the last line to copy */
		unsigned start = end > n ? end - n : 0;
		for (unsigned i = start; i < end; i++) {
			const struct tb_line *l = &tb->lines[(tb->head + i) % tb->cap];
			memcpy(out[got], l->c, l->len);
			out[got][l->len] = 0;
			got++;
		}
	}
	pthread_mutex_unlock(&tb->lock);
	return got;
}
