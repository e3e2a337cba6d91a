/*
 * Keys and the mouse: the dialog on top gets them first, then the function
 * keys, then the pane that has the focus or the VM list's keys.
 */
#include <stdlib.h>

#include "core/util.h"
#include "ui/tui/tui.h"

static bool in_rect(struct rect r, int y, int x)
{
	return y >= r.y && y < r.y + r.h && x >= r.x && x < r.x + r.w;
}

static void mouse(struct panel *p, const MEVENT *ev)
{
	bool click = ev->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED);
	bool up = ev->bstate & BUTTON4_PRESSED;
#ifdef BUTTON5_PRESSED
	bool down = ev->bstate & BUTTON5_PRESSED;
#else
	bool down = false;
#endif
	if (ev->y == 1 && click) {
		for (int i = 0; i < p->n_menu; i++)
			if (ev->x >= p->menu_x[i] && ev->x < p->menu_x[i] + p->menu_w[i])
				panel_command(p, panel_bar[i].cmd);
		return;
	}
	if (in_rect(p->r_list, ev->y, ev->x)) {
		p->focus = FOCUS_LIST;
		if (up && p->sel > 0)
			p->sel--;
		if (down && p->sel + 1 < p->n_vms)
			p->sel++;
		int row = ev->y - p->r_list.y - 2;
		if (click && row >= 0 && p->top + (size_t)row < p->n_vms) {
			p->sel = p->top + (size_t)row;
			if (ev->bstate & BUTTON1_DOUBLE_CLICKED)
				panel_command(p, CMD_START);
		}
		return;
	}
	if (in_rect(p->r_pane, ev->y, ev->x)) {
		if (ev->y == p->r_pane.y && click) {
			for (int i = 0; i < PANE_COUNT; i++)
				if (ev->x >= p->tab_x[i] && ev->x < p->tab_x[i] + p->tab_w[i]) {
					p->pane = i;
					p->scroll = 0;
					if (i == PANE_MONITOR && panel_selected(p))
						monitor_pane_open(p, panel_selected(p));
				}
			return;
		}
		if (click)
			p->focus = FOCUS_PANE;
		if (up)
			p->scroll += 3;
		if (down)
			p->scroll = p->scroll > 3 ? p->scroll - 3 : 0;
	}
}

static int fkey_command(int ch)
{
	for (size_t i = 0; i < PANEL_BAR_ITEMS; i++)
		if (ch == KEY_F(atoi(panel_bar[i].key)))
			return panel_bar[i].cmd;
	return -1;
}

static void list_key(struct panel *p, int ch)
{
	static const struct { int key, cmd; } letters[] = {
		{ '?', CMD_HELP }, { 's', CMD_START }, { 'p', CMD_PAUSE }, { 'r', CMD_RESET },
		{ 'o', CMD_POWEROFF }, { 'K', CMD_FORCEOFF }, { 'w', CMD_WINDOW },
		{ 'f', CMD_FULLSCREEN }, { 'v', CMD_VNC }, { 'i', CMD_INSERT }, { 'e', CMD_EJECT },
		{ 'm', CMD_MONITOR }, { 'n', CMD_NEW }, { 'E', CMD_EDIT }, { 'D', CMD_DELETE },
		{ 't', CMD_THEME }, { 'c', CMD_SERIAL }, { 'x', CMD_SCREEN }, { 'l', CMD_LOG },
		{ 'q', CMD_QUIT }, { 3, CMD_QUIT },
	};
	switch (ch) {
	case KEY_UP: case 'k':
		if (p->sel > 0)
			p->sel--;
		p->scroll = 0;
		return;
	case KEY_DOWN: case 'j':
		if (p->sel + 1 < p->n_vms)
			p->sel++;
		p->scroll = 0;
		return;
	case KEY_HOME:
		p->sel = 0;
		return;
	case KEY_END:
		p->sel = p->n_vms ? p->n_vms - 1 : 0;
		return;
	case KEY_PPAGE: case KEY_NPAGE:
		pane_key(p, ch);
		return;
	case '\t':
		p->focus = FOCUS_PANE;
		if (p->pane == PANE_MONITOR && panel_selected(p))
			monitor_pane_open(p, panel_selected(p));
		return;
	case '\n': case '\r': case KEY_ENTER: {
		struct panel_vm *pv = panel_selected(p);
		if (pv && !pv->vm && !pv->starter_running)
			panel_command(p, CMD_START);
		else if (pv) {
			p->focus = FOCUS_PANE;
			if (p->pane == PANE_MONITOR)
				monitor_pane_open(p, pv);
		}
		return;
	}
	case KEY_RIGHT:
		p->pane = (p->pane + 1) % PANE_COUNT;
		p->scroll = 0;
		return;
	case KEY_LEFT:
		p->pane = (p->pane + PANE_COUNT - 1) % PANE_COUNT;
		p->scroll = 0;
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(letters); i++)
		if (letters[i].key == ch) {
			panel_command(p, letters[i].cmd);
			return;
		}
}

void panel_handle_key(struct panel *p, int ch)
{
	MEVENT ev;
	bool have_ev = false;
	if (ch == KEY_MOUSE)
		have_ev = getmouse(&ev) == OK;
	if (ch == KEY_RESIZE) {
		clearok(curscr, TRUE);
		p->dirty = true;
		return;
	}
	p->dirty = true;
	if (LINES < 24 || COLS < 80) {
		/* nothing is shown but the request to resize: keys must not act unseen */
		if ((ch == 'q' || ch == KEY_F(10)) && !p->modal)
			panel_command(p, CMD_QUIT);
		return;
	}
	if (p->modal) {
		struct modal *m = p->modal;
		if (ch == KEY_MOUSE && !have_ev)
			return;
		bool keep = m->key(p, m, ch, have_ev ? &ev : NULL);
		if (!keep || m->closed)
			panel_pop_modal(p, m);
		return;
	}
	if (ch == KEY_MOUSE) {
		if (have_ev)
			mouse(p, &ev);
		return;
	}
	int cmd = fkey_command(ch);
	if (cmd >= 0) {
		panel_command(p, cmd);
		return;
	}
	if (p->focus == FOCUS_PANE) {
		if (ch == 27) {
			/* a lone Escape leaves the pane; ESC + key is a meta key */
			nodelay(stdscr, TRUE);
			int next = getch();
			if (next == ERR) {
				p->focus = FOCUS_LIST;
			} else if (p->pane == PANE_MONITOR && panel_selected(p)) {
				monitor_pane_meta(p, panel_selected(p), next);
			}
			return;
		}
		if (p->pane != PANE_SERIAL && p->pane != PANE_MONITOR && ch == '\t') {
			p->focus = FOCUS_LIST;
			return;
		}
		pane_key(p, ch);
		return;
	}
	list_key(p, ch);
}

