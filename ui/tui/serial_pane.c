/*
 * The bottom-right pane with its tabs: the guest's serial console (COM1; keys
 * typed here go to the guest), its text screen (what a text-mode guest shows,
 * refreshed each second, for terminals without a window), the monitor
 * (monitor_pane.c) and the panel's log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/host/display.h"
#include "ui/tui/tui.h"
#include "core/util.h"
#include "core/vm.h"

static const char *const tab_names[PANE_COUNT] = { "Serial", "Screen", "Monitor", "Log" };

static void draw_tabs(struct panel *p, struct rect r)
{
	int x = r.x + 2;
	for (int i = 0; i < PANE_COUNT; i++) {
		char t[32];
		snprintf(t, sizeof(t), " %s ", tab_names[i]);
		bool cur = (int)p->pane == i;
		attrset(draw_attr(p, cur ? TE_MENU_SELECTED : TE_PANE_TITLE));
		int w = draw_text(r.y, x, r.x + r.w - 2 - x, t);
		p->tab_x[i] = x;
		p->tab_w[i] = w;
		x += w + 1;
	}
	if (p->focus == FOCUS_PANE) {
		attrset(draw_attr(p, TE_PANE_TITLE));
		const char *hint = p->pane == PANE_MONITOR ? " Esc: back to the list "
				   : p->pane == PANE_SERIAL ? " typing goes to COM1, Esc: back " : " Esc: back ";
		int hw = (int)strlen(hint);
		if (x + hw < r.x + r.w - 1)
			draw_text(r.y, r.x + r.w - 1 - hw, hw, hint);
	}
}

/*
 * The bytes of s on its first row at w columns: after the last space of the
 * row when there is one in its right two thirds (words stay whole), else as
 * many as fit.
 */
static size_t row_bytes(const char *s, int w)
{
	size_t take = draw_fit(s, w);
	if (take >= strlen(s))
		return take;
	if (s[take] == ' ')
		return take + 1;   /* the space ends this row (unseen), not starts the next */
	for (size_t i = take; i > take / 3; i--)
		if (s[i - 1] == ' ')
			return i;
	return take;
}

/* Rows a line takes wrapped at w columns (at least one). */
static unsigned wrapped_rows(const char *s, int w)
{
	unsigned rows = 1;
	size_t n;
	while (*s && (n = row_bytes(s, w)) < strlen(s) && n > 0) {
		s += n;
		rows++;
	}
	return rows;
}

void pane_draw_textbuf(struct panel *p, struct textbuf *tb, struct rect r, enum theme_elem e)
{
	draw_fill(p, r, e);
	if (r.h <= 0 || r.w <= 0)
		return;
	/* each line is at least one row: this many of the newest lines are enough */
	unsigned total = textbuf_lines(tb);
	unsigned want = MIN(total, (unsigned)r.h + p->scroll);
	if (!want)
		return;
	char (*lines)[TB_COLS + 1] = xmalloc((size_t)want * sizeof(*lines));
	unsigned n = textbuf_copy(tb, 0, want, lines);
	unsigned rows = 0;
	for (unsigned i = 0; i < n; i++)
		rows += wrapped_rows(lines[i], r.w);
	/* scrolled back as far as there is text, no further */
	if (n == total && p->scroll + (unsigned)r.h > rows)
		p->scroll = rows > (unsigned)r.h ? rows - (unsigned)r.h : 0;
	unsigned end = rows - MIN(rows, p->scroll);
	unsigned first = end > (unsigned)r.h ? end - (unsigned)r.h : 0;
	attrset(draw_attr(p, e));
	unsigned row = 0;
	for (unsigned i = 0; i < n && row < end; i++) {
		const char *s = lines[i];
		do {
			size_t take = row_bytes(s, r.w);
			if (!take && *s)
				break;    /* a character wider than the pane */
			if (row >= first) {
				char chunk[TB_COLS + 1];
				snprintf(chunk, sizeof(chunk), "%.*s", (int)take, s);
				draw_text(r.y + (int)(row - first), r.x, r.w, chunk);
			}
			s += take;
			row++;
		} while (*s && row < end);
	}
	free(lines);
}

static void draw_screen(struct panel *p, struct panel_vm *pv, struct rect r)
{
	draw_fill(p, r, TE_SCREEN);
	attrset(draw_attr(p, TE_SCREEN));
	if (!pv || !pv->vm || pv->starter_running) {
		draw_text(r.y, r.x, r.w, "(the VM is not running)");
		return;
	}
	if (!pv->vm->display) {
		draw_text(r.y, r.x, r.w, "(no display: vga='none')");
		return;
	}
	static char buf[DISPLAY_TEXT_MAX_COLS * DISPLAY_TEXT_MAX_ROWS * 4 + DISPLAY_TEXT_MAX_ROWS + 1];
	if (display_text(pv->vm->display, buf, sizeof(buf)) < 0) {
		draw_text(r.y, r.x, r.w, "(the guest is in a graphics mode: open its window with w,");
		draw_text(r.y + 1, r.x, r.w, " or connect a VNC viewer to the address in the details)");
		return;
	}
	/* skip blank rows at the bottom, then show the last rows that fit */
	char *rows[DISPLAY_TEXT_MAX_ROWS];
	int n = 0;
	char *save = NULL;
	for (char *s = strtok_r(buf, "\n", &save); s && n < DISPLAY_TEXT_MAX_ROWS;
	     s = strtok_r(NULL, "\n", &save))
		rows[n++] = s;
	int last = n;
	while (last > 0 && strspn(rows[last - 1], " ") == strlen(rows[last - 1]))
		last--;
	int first = last > r.h ? last - r.h : 0;
	for (int i = first; i < last; i++)
		draw_text(r.y + i - first, r.x, r.w, rows[i]);
}

void pane_draw(struct panel *p, struct rect r)
{
	struct panel_vm *pv = panel_selected(p);
	draw_box(p, r, TE_BORDER, NULL, p->focus == FOCUS_PANE);
	draw_tabs(p, r);
	struct rect in = { r.y + 1, r.x + 1, r.h - 2, r.w - 2 };
	switch (p->pane) {
	case PANE_SERIAL:
		if (pv)
			pane_draw_textbuf(p, pv->serial, in, TE_SERIAL);
		else
			draw_fill(p, in, TE_SERIAL);
		break;
	case PANE_SCREEN:
		draw_screen(p, pv, in);
		break;
	case PANE_MONITOR:
		if (pv)
			monitor_pane_draw(p, pv, in);
		else
			draw_fill(p, in, TE_MONITOR);
		break;
	case PANE_LOG:
		pane_draw_textbuf(p, p->log, in, TE_SERIAL);
		break;
	default:
		break;
	}
}

/* Keys while the pane has the focus; false if not used. */
bool pane_key(struct panel *p, int ch)
{
	struct panel_vm *pv = panel_selected(p);
	if (p->pane == PANE_MONITOR)
		return pv ? monitor_pane_key(p, pv, ch) : false;
	switch (ch) {
	case KEY_PPAGE:
		p->scroll += 10;
		return true;
	case KEY_NPAGE:
		p->scroll = p->scroll > 10 ? p->scroll - 10 : 0;
		return true;
	}
	if (p->pane != PANE_SERIAL || !pv)
		return false;
	char c;
	if (ch == KEY_ENTER || ch == '\n' || ch == '\r')
		c = '\r';
	else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8)
		c = 0x7f;
	else if (ch >= 0 && ch < 256 && ch != 27)
		c = (char)ch;
	else
		return false;
	if (!pv->vm || pv->starter_running) {
		panel_status(p, true, "%s is not running", pv->name);
		return true;
	}
	p->scroll = 0;
	pvm_serial_input(pv, &c, 1);
	return true;
}
