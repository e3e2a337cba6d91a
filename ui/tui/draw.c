/*
 * Drawing helpers for the panel: theme colour pairs, boxes in UTF-8 or
 * ASCII, clipped text, dialogs, buttons and progress bars.
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "tui.h"
#include "util.h"

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

int draw_text(int y, int x, int w, const char *s)
{
	if (w <= 0)
		return 0;
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t bytes = 0, len = strlen(s);
	int cols = 0;
	while (bytes < len) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s + bytes, len - bytes, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			/* not valid in this locale: print what came before, then '?' */
			if (bytes)
				mvaddnstr(y, x, s, (int)bytes);
			if (cols < w) {
				mvaddch(y, x + cols, '?');
				cols++;
			}
			if (bytes + 1 < len && cols < w)
				cols += draw_text(y, x + cols, w - cols, s + bytes + 1);
			return cols;
		}
		int cw = wcwidth(wc);
		if (cw < 0)
			cw = 1;
		if (cols + cw > w)
			break;
		cols += cw;
		bytes += n;
	}
	if (bytes)
		mvaddnstr(y, x, s, (int)bytes);
	return cols;
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
