/*
 * A scroll-back of text lines fed from any thread: the guest's serial output
 * (fed from the chardev tap on a vCPU thread), monitor replies and the
 * panel's messages. Carriage return, backspace and tabs move the cursor as a
 * terminal would; ANSI escape sequences are dropped. Fixed size: feeding
 * never allocates.
 */
#ifndef VMST_TUI_TEXTBUF_H
#define VMST_TUI_TEXTBUF_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TB_COLS 240

struct tb_line {
	uint16_t len;
	char c[TB_COLS];
};

struct textbuf {
	pthread_mutex_t lock;
	struct tb_line *lines;   /* ring of cap lines */
	unsigned cap, head, count; /* head: index of the oldest line */
	unsigned col;            /* cursor column in the newest line */
	int esc;                 /* escape sequence state */
	uint64_t bytes;          /* fed so far */
	_Atomic unsigned gen;    /* bumped on every change (redraw test) */
};

struct textbuf *textbuf_new(unsigned lines);
void textbuf_free(struct textbuf *tb);
void textbuf_feed(struct textbuf *tb, const void *buf, size_t len);
void textbuf_printf(struct textbuf *tb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void textbuf_clear(struct textbuf *tb);
/* Number of lines (the newest, possibly partial, line included when not empty). */
unsigned textbuf_lines(struct textbuf *tb);
/*
 * Copy n lines ending `back` lines above the newest into out[] (oldest
 * first, NUL-terminated, at most TB_COLS bytes each). Returns how many.
 */
unsigned textbuf_copy(struct textbuf *tb, unsigned back, unsigned n, char (*out)[TB_COLS + 1]);

#endif
