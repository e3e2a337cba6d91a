/*
 * Drawing the panel: the layout (title, menu bar, VM list, details, tabbed
 * pane, status line), the parts panel.c owns, and the dialogs on top.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "core/vm.h"
#include "ui/tui/tui.h"

static void layout(struct panel *p)
{
	int rows = LINES, cols = COLS;
	p->r_title = (struct rect){ 0, 0, 1, cols };
	p->r_menu = (struct rect){ 1, 0, 1, cols };
	p->r_status = (struct rect){ rows - 1, 0, 1, cols };
	int body = rows - 3;
	int list_h = (int)p->n_vms + 3;
	int max_list = MAX(6, body * 2 / 5);
	if (list_h > max_list)
		list_h = max_list;
	if (list_h < 5)
		list_h = 5;
	p->r_list = (struct rect){ 2, 0, list_h, cols };
	int low = body - list_h;
	int dw = MAX(30, MIN(50, cols * 2 / 5));
	p->r_details = (struct rect){ 2 + list_h, 0, low, dw };
	p->r_pane = (struct rect){ 2 + list_h, dw, low, cols - dw };
}

static void draw_title(struct panel *p)
{
	draw_fill(p, p->r_title, TE_TITLE);
	unsigned running = 0;
	for (size_t i = 0; i < p->n_vms; i++)
		running += p->vms[i]->state == PVM_RUNNING;
	char t[512];
	if (p->quitting)
		snprintf(t, sizeof(t), " vmstation - powering off %u VM(s) before quitting...",
			 vmlist_active(p));
	else {
		/* the config's path last: ~ for $HOME, its tail when it does not fit */
		const char *home = getenv("HOME"), *path = p->mc.path;
		char shown[300];
		size_t hl = home ? strlen(home) : 0;
		if (hl > 1 && !strncmp(path, home, hl) && path[hl] == '/')
			snprintf(shown, sizeof(shown), "~%s", path + hl);
		else
			snprintf(shown, sizeof(shown), "%s", path);
		int n = snprintf(t, sizeof(t), " vmstation - %zu VM(s), %u running - theme %s - ",
				 p->n_vms, running, p->theme.name);
		int room = COLS - 10 - n;
		size_t sl = strlen(shown);
		if (room > 4 && sl > (size_t)room)
			snprintf(t + n, sizeof(t) - (size_t)n, "...%s", shown + sl - (size_t)room + 3);
		else if (room > 4)
			snprintf(t + n, sizeof(t) - (size_t)n, "%s", shown);
	}
	attrset(draw_attr(p, TE_TITLE));
	draw_text(0, 0, COLS - 10, t);
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	char clk[16];
	strftime(clk, sizeof(clk), "%H:%M:%S ", &tm);
	draw_text(0, COLS - 9, 9, clk);
}

static void draw_menu(struct panel *p)
{
	draw_fill(p, p->r_menu, TE_MENU);
	int x = 0;
	p->n_menu = 0;
	for (size_t i = 0; i < PANEL_BAR_ITEMS && x < COLS; i++) {
		int start = x;
		attrset(draw_attr(p, TE_MENU_KEY));
		x += draw_text(1, x, COLS - x, panel_bar[i].key);
		attrset(draw_attr(p, TE_MENU));
		x += draw_text(1, x, COLS - x, panel_bar[i].label);
		p->menu_x[p->n_menu] = start;
		p->menu_w[p->n_menu++] = x - start;
		x++;
	}
}

/* Column widths of the VM list (name takes what is left). */
#define COLS_FIXED "%-8s %4s %6s %9s %5s %8s %7s %7s %3s"

static void draw_list(struct panel *p)
{
	struct rect r = p->r_list;
	draw_box(p, r, TE_BORDER, "VMs", p->focus == FOCUS_LIST);
	int w = r.w - 2, x = r.x + 1;
	char fixed[128];
	snprintf(fixed, sizeof(fixed), COLS_FIXED, "State", "vCPU", "Memory", "Uptime", "CPU%",
		 "Exits/s", "Disk/s", "Net/s", "Snd");
	int fw = (int)strlen(fixed);
	int nw = MAX(8, w - fw - 1);
	char line[512];
	snprintf(line, sizeof(line), "%-*.*s %s", nw, nw, "Name", fixed);
	attrset(draw_attr(p, TE_LIST_HEADER));
	draw_text(r.y + 1, x, w, line);
	int rows = r.h - 3;
	if (p->sel < p->top)
		p->top = p->sel;
	if (rows > 0 && p->sel >= p->top + (size_t)rows)
		p->top = p->sel - (size_t)rows + 1;
	for (int i = 0; i < rows && p->top + (size_t)i < p->n_vms; i++) {
		size_t k = p->top + (size_t)i;
		struct panel_vm *pv = p->vms[k];
		bool sel = k == p->sel;
		int y = r.y + 2 + i;
		attrset(draw_attr(p, sel ? TE_LIST_SELECTED : TE_LIST_ROW));
		move(y, x);
		for (int c = 0; c < w; c++)
			addch(' ');
		char up[16] = "-", cpu[8] = "-", ex[16] = "-", dk[16] = "-", nt[16] = "-", mem[16];
		bool live = pv->vm && !pv->starter_running;
		if (live && pv->vm->start_ns)
			fmt_duration(up, sizeof(up), (clock_ns() - pv->vm->start_ns) / SECOND);
		if (live && pv->sampled) {
			snprintf(cpu, sizeof(cpu), "%.0f", pv->cpu_pct);
			snprintf(ex, sizeof(ex), "%.0f", pv->exits_s);
			fmt_bytes(dk, sizeof(dk), pv->disk_bps);
			if (pv->has_net)
				fmt_bytes(nt, sizeof(nt), pv->net_bps);
		}
		snprintf(mem, sizeof(mem), "%lluM", (unsigned long long)pv->memory_mib);
		char vc[8];
		snprintf(vc, sizeof(vc), "%u", pv->vcpus);
		snprintf(line, sizeof(line), "%-*.*s ", nw, nw, pv->name);
		int cx = x + draw_text(y, x, w, line);
		attrset(draw_attr(p, sel ? TE_LIST_SELECTED : pvm_state_elem(pv->state)));
		char st[16];
		snprintf(st, sizeof(st), "%-8s", pv->cfg_ok || pv->vm ? pvm_state_name(pv->state) : "bad cfg");
		cx += draw_text(y, cx, x + w - cx, st);
		attrset(draw_attr(p, sel ? TE_LIST_SELECTED : TE_LIST_ROW));
		snprintf(line, sizeof(line), " %4s %6s %9s %5s %8s %7s %7s %3s", vc, mem, up, cpu, ex,
			 dk, nt, live ? (pv->audio_playing ? "on" : "-") : "-");
		draw_text(y, cx, x + w - cx, line);
	}
	if (!p->n_vms) {
		attrset(draw_attr(p, TE_LIST_ROW));
		snprintf(line, sizeof(line), "No VM files (*.cfg) in %s: press n to create one.",
			 p->mc.vm_dir);
		draw_text(r.y + 2, x, w, line);
	}
}

static void draw_status(struct panel *p)
{
	bool msg = p->status[0] && clock_ns() < p->status_until;
	draw_fill(p, p->r_status, msg && p->status_err ? TE_ERROR : TE_STATUS);
	attrset(draw_attr(p, msg && p->status_err ? TE_ERROR : TE_STATUS));
	const char *hint = p->focus == FOCUS_PANE
		? " Esc: back to the list  PgUp/PgDn: scroll  F9: menu  F10: quit"
		: " Enter: start/open  Tab: pane  m: monitor  i: ISO  t: theme  F9: menu  q: quit";
	draw_text(LINES - 1, 0, COLS, msg ? p->status : hint);
}

void panel_redraw(struct panel *p)
{
	p->cur_y = p->cur_x = -1;
	erase();
	if (LINES < 24 || COLS < 80) {
		attrset(A_NORMAL);
		char t[128];
		snprintf(t, sizeof(t), "(this terminal is %dx%d).", COLS, LINES);
		draw_text(0, 0, COLS, "vmstation: the panel needs at least 80x24");
		draw_text(1, 0, COLS, t);
		draw_text(2, 0, COLS, "Make the window larger; q quits.");
		refresh();
		return;
	}
	layout(p);
	draw_fill(p, (struct rect){ 0, 0, LINES, COLS }, TE_NORMAL);
	draw_title(p);
	draw_menu(p);
	draw_list(p);
	details_draw(p, p->r_details);
	pane_draw(p, p->r_pane);
	draw_status(p);
	/* dialogs from the bottom up */
	struct modal *stack[16];
	int n = 0;
	for (struct modal *m = p->modal; m && n < 16; m = m->below)
		stack[n++] = m;
	while (n > 0) {
		if (n > 1)
			p->cur_y = -1;
		n--;
		stack[n]->draw(p, stack[n]);
	}
	if (p->cur_y >= 0) {
		curs_set(1);
		move(p->cur_y, p->cur_x);
	} else {
		curs_set(0);
	}
	refresh();
}

