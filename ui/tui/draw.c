/*
 * Drawing helpers for the panel: theme colour pairs, boxes in UTF-8 or
 * ASCII, clipped text, dialogs, buttons and progress bars.
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "ui/tui/tui.h"
#include "core/util.h"

void draw_init_colours(struct panel *p)
{
	p->ncolours = 0;
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		p->ncolours = COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : COLORS >= 8 ? 8 : 0;
		if (COLOR_PAIRS <= TE_COUNT)
			p->ncolours = 0;
	}
	if (!p->ncolours)
		return;
	for (int e = 0; e < TE_COUNT; e++) {
		int fg, bg;
		unsigned a;
		theme_resolve(&p->theme, e, p->ncolours, &fg, &bg, &a);
		init_pair((short)(e + 1), (short)fg, (short)bg);
	}
}

attr_t draw_attr(struct panel *p, enum theme_elem e)
{
	int fg, bg;
	unsigned a;
	theme_resolve(&p->theme, e, p->ncolours, &fg, &bg, &a);
	attr_t r = p->ncolours ? COLOR_PAIR(e + 1) : A_NORMAL;
	if (a & THEME_BOLD)
		r |= A_BOLD;
	if (a & THEME_DIM)
		r |= A_DIM;
	if (a & THEME_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & THEME_REVERSE)
		r |= A_REVERSE;
	if (a & THEME_STANDOUT)
		r |= A_STANDOUT;
	if (a & THEME_BLINK)
		r |= A_BLINK;
#ifdef A_ITALIC
	if (a & THEME_ITALIC)
		r |= A_ITALIC;
#endif
	return r;
}

void draw_fill(struct panel *p, struct rect r, enum theme_elem e)
{
	attrset(draw_attr(p, e));
	for (int y = 0; y < r.h; y++) {
		move(r.y + y, r.x);
		for (int x = 0; x < r.w; x++)
			addch(' ');
	}
}

/*
 * One UTF-8 sequence at s (n bytes available): its code point and length, or
 * length 1 and U+FFFD for a byte that starts no valid sequence.
 */
static size_t utf8_decode(const char *s, size_t n, unsigned *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = u[0] >= 0xF0 && u[0] <= 0xF4 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC2 ? 2 : 0;
	*cp = 0xFFFD;
	if (u[0] >= 0xF5 || !len || len > n)
		return 1;
	unsigned v = u[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 1;
		v = v << 6 | (u[i] & 0x3F);
	}
	*cp = v;
	return len;
}

/*
 * What to show for a character this locale cannot (LANG=C: the ASCII
 * fallback): box drawing as - | +, blocks as #, arrows and triangles as
 * < > ^ v, anything else as '?'. One column, like the cell it stands for.
 */
static char ascii_for(unsigned cp)
{
	if (cp >= 0x2500 && cp <= 0x257F) {
		switch (cp) {
		case 0x2500: case 0x2501: case 0x2504: case 0x2505: case 0x2508: case 0x2509:
		case 0x254C: case 0x254D: case 0x2550: case 0x2574: case 0x2576: case 0x2578:
		case 0x257A: case 0x257C: case 0x257E:
			return '-';
		case 0x2502: case 0x2503: case 0x2506: case 0x2507: case 0x250A: case 0x250B:
		case 0x254E: case 0x254F: case 0x2551: case 0x2575: case 0x2577: case 0x2579:
		case 0x257B: case 0x257D: case 0x257F:
			return '|';
		case 0x2571: return '/';
		case 0x2572: return '\\';
		case 0x2573: return 'X';
		default: return '+';   /* corners, tees and crosses */
		}
	}
	if (cp >= 0x2580 && cp <= 0x259F)
		return '#';
	switch (cp) {
	case 0x2190: case 0x25C0: case 0x25C4: return '<';
	case 0x2192: case 0x25B6: case 0x25BA: return '>';
	case 0x2191: case 0x25B2: return '^';
	case 0x2193: case 0x25BC: return 'v';
	case 0x00A0: return ' ';
	case 0x00B7: case 0x2022: case 0x25CF: return '*';
	}
	return '?';
}

int draw_text(int y, int x, int w, const char *s)
{
	if (w <= 0)
		return 0;
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t bytes = 0, len = strlen(s), run = 0;   /* run: start of what is not drawn yet */
	int cols = 0, run_cols = 0;
	while (bytes < len) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s + bytes, len - bytes, &st);
		int cw = n == (size_t)-1 || n == (size_t)-2 || n == 0 ? -1 : wcwidth(wc);
		if (cw < 0) {
			/* not printable here: one stand-in column for the whole sequence */
			if (cols + 1 > w)
				break;
			if (bytes > run)
				mvaddnstr(y, x + run_cols, s + run, (int)(bytes - run));
			unsigned cp;
			size_t un = n == (size_t)-1 || n == (size_t)-2 || n == 0
				? utf8_decode(s + bytes, len - bytes, &cp) : (cp = (unsigned)wc, n);
			mvaddch(y, x + cols, (chtype)(unsigned char)ascii_for(cp));
			cols++;
			bytes += un;
			run = bytes;
			run_cols = cols;
			memset(&st, 0, sizeof(st));
			continue;
		}
		if (cols + cw > w)
			break;
		cols += cw;
		bytes += n;
	}
	if (bytes > run)
		mvaddnstr(y, x + run_cols, s + run, (int)(bytes - run));
	return cols;
}

size_t draw_fit(const char *s, int w)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t bytes = 0, len = strcspn(s, "\n");
	int cols = 0;
	while (bytes < len) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s + bytes, len - bytes, &st);
		int cw = 1;
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			unsigned cp;
			n = utf8_decode(s + bytes, len - bytes, &cp);   /* one stand-in column */
			memset(&st, 0, sizeof(st));
		} else if (wcwidth(wc) >= 0) {
			cw = wcwidth(wc);
		}
		if (cols + cw > w)
			break;
		cols += cw;
		bytes += n;
	}
	return bytes;
}

static const char *box_chars(struct panel *p, int i)
{
	static const char *const u[] = { "─", "│", "┌", "┐", "└", "┘", "├", "┤" };
	static const char *const a[] = { "-", "|", "+", "+", "+", "+", "+", "+" };
	return p->utf8 ? u[i] : a[i];
}

void draw_hline(struct panel *p, int y, int x, int w)
{
	for (int i = 0; i < w; i++)
		mvaddstr(y, x + i, box_chars(p, 0));
}

void draw_box(struct panel *p, struct rect r, enum theme_elem e, const char *title,
	      bool focused)
{
	if (r.h < 2 || r.w < 2)
		return;
	attrset(draw_attr(p, e) | (focused ? A_BOLD : 0));
	mvaddstr(r.y, r.x, box_chars(p, 2));
	draw_hline(p, r.y, r.x + 1, r.w - 2);
	mvaddstr(r.y, r.x + r.w - 1, box_chars(p, 3));
	for (int y = 1; y < r.h - 1; y++) {
		mvaddstr(r.y + y, r.x, box_chars(p, 1));
		mvaddstr(r.y + y, r.x + r.w - 1, box_chars(p, 1));
	}
	mvaddstr(r.y + r.h - 1, r.x, box_chars(p, 4));
	draw_hline(p, r.y + r.h - 1, r.x + 1, r.w - 2);
	mvaddstr(r.y + r.h - 1, r.x + r.w - 1, box_chars(p, 5));
	if (title && *title) {
		attrset(draw_attr(p, TE_PANE_TITLE) | (focused ? A_REVERSE : 0));
		char t[256];
		snprintf(t, sizeof(t), " %s ", title);
		draw_text(r.y, r.x + 2, r.w - 4, t);
	}
}

struct rect draw_dialog(struct panel *p, int h, int w, const char *title)
{
	int rows = LINES, cols = COLS;
	if (w > cols - 2)
		w = cols - 2;
	if (h > rows - 2)
		h = rows - 2;
	struct rect r = { (rows - h) / 2, (cols - w) / 2, h, w };
	draw_fill(p, r, TE_DIALOG);
	draw_box(p, r, TE_DIALOG, NULL, false);
	if (title) {
		attrset(draw_attr(p, TE_DIALOG_TITLE));
		char t[256];
		snprintf(t, sizeof(t), " %s ", title);
		draw_text(r.y, r.x + 2, r.w - 4, t);
	}
	attrset(draw_attr(p, TE_DIALOG));
	return (struct rect){ r.y + 1, r.x + 2, r.h - 2, r.w - 4 };
}

void draw_button(struct panel *p, int y, int x, const char *label, bool selected)
{
	attrset(draw_attr(p, selected ? TE_BUTTON_SELECTED : TE_BUTTON));
	char t[128];
	snprintf(t, sizeof(t), "[ %s ]", label);
	mvaddstr(y, x, t);
}

void draw_progress(struct panel *p, int y, int x, int w, double frac)
{
	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	int fill = (int)(frac * w + 0.5);
	attrset(draw_attr(p, TE_PROGRESS));
	for (int i = 0; i < fill; i++)
		mvaddch(y, x + i, ' ');
	attrset(draw_attr(p, TE_DIALOG));
	for (int i = fill; i < w; i++)
		mvaddstr(y, x + i, p->utf8 ? "░" : ".");
	char pct[16];
	snprintf(pct, sizeof(pct), "%3d%%", (int)(frac * 100 + 0.5));
	attrset(draw_attr(p, TE_PROGRESS) | A_BOLD);
	mvaddstr(y, x + (w - 4) / 2, pct);
}

void fmt_bytes(char *buf, size_t n, double b)
{
	static const char *const unit[] = { "B", "K", "M", "G", "T" };
	int u = 0;
	while (b >= 1000 && u < 4) {
		b /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%.0f%s", b, unit[u]);
	else
		snprintf(buf, n, b < 10 ? "%.1f%s" : "%.0f%s", b, unit[u]);
}

void fmt_duration(char *buf, size_t n, uint64_t s)
{
	if (s >= 86400)
		snprintf(buf, n, "%llud%02lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s % 86400 / 3600));
	else
		snprintf(buf, n, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
			 (unsigned long long)(s % 3600 / 60), (unsigned long long)(s % 60));
}
