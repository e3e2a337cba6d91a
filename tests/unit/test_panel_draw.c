/*
 * The panel's text drawing (ui/tui/draw.c, serial_pane.c) on a curses
 * screen that writes to /dev/null, read back cell by cell:
 *  - the ASCII fallback (LANG=C): box drawing, blocks and arrows become
 *    - | + # < > ^ v, one column per character, invalid bytes one '?'
 *  - draw_fit: bytes that fit in w columns, wide characters, newlines
 *  - pane_draw_textbuf: long lines wrap at the pane's width (between words
 *    where it can), scrolling counts wrapped rows and stops at the oldest text
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "ui/tui/tui.h"
#include "unit.h"
#include "core/util.h"

/* Row y of the screen from column x, w cells, trailing blanks dropped. */
static const char *row(int y, int x, int w)
{
	static char buf[256];
	int n = 0;
	for (int i = 0; i < w && n < (int)sizeof(buf) - 1; i++)
		buf[n++] = (char)(mvinch(y, x + i) & A_CHARTEXT);
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = 0;
	return buf;
}

static void ascii_fallback(void)
{
	erase();
	int c = draw_text(0, 0, 40, "\xe2\x94\x8c\xe2\x94\x80 VMs \xe2\x94\x80\xe2\x94\x90");
	CHECK_STR(row(0, 0, 40), "+- VMs -+", "box corners and lines under LANG=C");
	CHECK_EQ(c, 9, "one column per UTF-8 character");
	draw_text(1, 0, 40, "\xe2\x95\x94\xe2\x95\x90\xe2\x95\x97\xe2\x95\x91\xe2\x94\x82\xe2\x94\xbc");
	CHECK_STR(row(1, 0, 40), "+-+||+", "double lines, a cross");
	draw_text(2, 0, 40, "\xe2\x96\x88\xe2\x96\x91 \xe2\x86\x91\xe2\x86\x93 \xe2\x96\xb2\xe2\x96\xbc\xe2\x96\xba\xe2\x97\x84");
	CHECK_STR(row(2, 0, 40), "## ^v ^v><", "blocks, arrows and GRUB's triangles");
	c = draw_text(3, 0, 40, "a\xff" "b\xe2\x82\xac" "c");
	CHECK_STR(row(3, 0, 40), "a?b?c", "an invalid byte and an unknown character: one '?' each");
	CHECK_EQ(c, 5, "columns used");
	c = draw_text(4, 0, 4, "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80");
	CHECK_STR(row(4, 0, 40), "----", "clipped at w columns");
	CHECK_EQ(c, 4, "clipped: columns used");
	c = draw_text(5, 0, 0, "abc");
	CHECK_EQ(c, 0, "w = 0 draws nothing");
	CHECK_EQ(draw_fit("\xe2\x94\x80\xe2\x94\x80x", 2), 6, "draw_fit under LANG=C: stand-ins are one column");
}

static void fit_utf8(void)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8")) {
		CHECK(0, "C.UTF-8 locale available");
		return;
	}
	CHECK_EQ(draw_fit("abc def", 5), 5, "ASCII: w bytes");
	CHECK_EQ(draw_fit("ab\ncdef", 10), 2, "stops at a newline");
	CHECK_EQ(draw_fit("\xe6\x97\xa5\xe6\x9c\xac", 3), 3, "a wide character that fits, the next does not");
	CHECK_EQ(draw_fit("\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80", 2), 6, "two box characters: 6 bytes");
	CHECK_EQ(draw_fit("a\xff" "b", 10), 3, "an invalid byte is one column");
	CHECK_EQ(draw_fit("", 10), 0, "empty");
	setlocale(LC_CTYPE, "C");
}

static void wrapped_pane(void)
{
	struct panel *p = xzalloc(sizeof(*p));
	theme_builtin_default(&p->theme);
	struct textbuf *tb = textbuf_new(100);
	textbuf_printf(tb, "first\n0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\nlast");
	struct rect r = { 10, 2, 3, 10 };
	/* six rows: first, 0123456789, ABCDEFGHIJ, KLMNOPQRST, UVWXYZ, last */
	erase();
	pane_draw_textbuf(p, tb, r, TE_SERIAL);
	CHECK_STR(row(10, 2, 10), "KLMNOPQRST", "wrapped at the pane's width: a middle row");
	CHECK_STR(row(11, 2, 10), "UVWXYZ", "the long line's end on a row of its own");
	CHECK_STR(row(12, 2, 10), "last", "the newest (partial) line at the bottom");
	CHECK_STR(row(13, 2, 10), "", "nothing below the pane");
	p->scroll = 2;
	erase();
	pane_draw_textbuf(p, tb, r, TE_SERIAL);
	CHECK_STR(row(10, 2, 10), "0123456789", "scroll 2 counts wrapped rows: top");
	CHECK_STR(row(12, 2, 10), "KLMNOPQRST", "scroll 2: bottom");
	p->scroll = 100;
	erase();
	pane_draw_textbuf(p, tb, r, TE_SERIAL);
	CHECK_EQ(p->scroll, 3, "scrolling stops at the oldest text (6 rows, 3 shown)");
	CHECK_STR(row(10, 2, 10), "first", "oldest line at the top");
	CHECK_STR(row(12, 2, 10), "ABCDEFGHIJ", "and the rows after it");
	CHECK_STR(row(0, 0, 1), "", "nothing drawn outside the pane");
	/* words stay whole where a row has a space in its right two thirds */
	textbuf_clear(tb);
	textbuf_printf(tb, "one two three four\na bcdefghijklmnop\n");
	p->scroll = 0;
	r.h = 4;
	erase();
	pane_draw_textbuf(p, tb, r, TE_SERIAL);
	CHECK_STR(row(10, 2, 10), "one two", "word wrap: the row ends at a space");
	CHECK_STR(row(11, 2, 10), "three four", "word wrap: the next word starts the row");
	CHECK_STR(row(12, 2, 10), "a bcdefghi", "a space in the left third: cut at the width");
	CHECK_STR(row(13, 2, 10), "jklmnop", "and the rest");
	/* a space right at the width ends the row: the next starts with its word */
	textbuf_clear(tb);
	textbuf_printf(tb, "0123456789 next\n");
	r.h = 2;
	erase();
	pane_draw_textbuf(p, tb, r, TE_SERIAL);
	CHECK_STR(row(10, 2, 10), "0123456789", "a row exactly as wide as the pane");
	CHECK_STR(row(11, 2, 10), "next", "the next row without a leading space");
	textbuf_free(tb);
	free(p);
}

int main(void)
{
	setlocale(LC_ALL, "C");
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *s = out && in ? newterm("vt100", out, in) : NULL;
	CHECK(s != NULL, "a curses screen on /dev/null");
	if (!s)
		return 1;
	resizeterm(24, 80);
	ascii_fallback();
	fit_utf8();
	wrapped_pane();
	endwin();
	delscreen(s);
	fclose(out);
	fclose(in);
	return UNIT_DONE();
}
