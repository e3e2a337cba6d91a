/*
 * The manager panel's main loop: start-up (config, theme, terminal), the
 * layout (title, menu bar, VM list, details, tabbed pane, status line), keys,
 * mouse and the actions of the menu. Everything runs on the main thread;
 * VMs run on their own threads and poke the wake pipe when their state
 * changes. While curses owns the terminal, our stderr is a pipe whose lines
 * go to the Log pane and the status line.
 */
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/block.h"
#include "ui/tui/panel.h"
#include "ui/sdl_window.h"
#include "ui/tui/tui.h"
#include "core/util.h"
#include "ui/vm_frontends.h"
#include "core/vm.h"
#include "core/vmconfig.h"
#include "ui/vnc_server.h"

#define SECOND 1000000000ull

/* Signals only write here; the loop reads it (per process, like the terminal). */
static int signal_fd = -1;

static void on_signal(int sig)
{
	char c = (char)sig;
	if (signal_fd >= 0 && write(signal_fd, &c, 1) < 0) {
		/* nothing to do: the loop wakes up anyway */
	}
}

/* --- commands ------------------------------------------------------------ */

static const struct { const char *label, *key; } commands[CMD_COUNT] = {
	[CMD_HELP] = { "Help", "F1 ?" },
	[CMD_START] = { "Start", "F2 s" },
	[CMD_PAUSE] = { "Pause / resume", "F3 p" },
	[CMD_RESET] = { "Reset", "F4 r" },
	[CMD_POWEROFF] = { "ACPI power-off", "F5 o" },
	[CMD_FORCEOFF] = { "Force off", "K" },
	[CMD_WINDOW] = { "Open / close SDL window", "w" },
	[CMD_FULLSCREEN] = { "Full screen window", "f" },
	[CMD_VNC] = { "Show VNC address", "v" },
	[CMD_INSERT] = { "Insert ISO...", "F6 i" },
	[CMD_EJECT] = { "Eject CD", "e" },
	[CMD_MONITOR] = { "Monitor pane", "F7 m" },
	[CMD_NEW] = { "New VM...", "F8 n" },
	[CMD_EDIT] = { "Edit VM file ($EDITOR)", "E" },
	[CMD_DELETE] = { "Delete VM...", "D" },
	[CMD_THEME] = { "Theme...", "t" },
	[CMD_SERIAL] = { "Serial pane", "c" },
	[CMD_SCREEN] = { "Screen pane (text mode)", "x" },
	[CMD_LOG] = { "Log pane", "l" },
	[CMD_MENU] = { "Menu", "F9" },
	[CMD_QUIT] = { "Quit", "F10 q" },
};

const char *command_label(int cmd) { return commands[cmd].label; }
const char *command_key(int cmd) { return commands[cmd].key; }

bool command_has_key(int cmd, int ch)
{
	/* the single characters among the command's keys ("F3 p": p) */
	for (const char *k = commands[cmd].key; *k;) {
		size_t l = strcspn(k, " ");
		if (l == 1 && (unsigned char)k[0] == ch)
			return true;
		k += l + (k[l] == ' ');
	}
	return false;
}

/* The menu bar: function key, label, command. */
static const struct { const char *key, *label; int cmd; } bar[] = {
	{ "1", "Help", CMD_HELP }, { "2", "Start", CMD_START }, { "3", "Pause", CMD_PAUSE },
	{ "4", "Reset", CMD_RESET }, { "5", "PowerOff", CMD_POWEROFF }, { "6", "ISO", CMD_INSERT },
	{ "7", "Monitor", CMD_MONITOR }, { "8", "New", CMD_NEW }, { "9", "Menu", CMD_MENU },
	{ "10", "Quit", CMD_QUIT },
};

/* --- small services for the other files ------------------------------------ */

void panel_status(struct panel *p, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->status, sizeof(p->status), fmt, ap);
	va_end(ap);
	p->status_err = error;
	p->status_until = clock_ns() + (error ? 10 : 5) * SECOND;
	textbuf_printf(p->log, "%s%s\n", error ? "error: " : "", p->status);
	p->dirty = true;
}

void panel_wake(struct panel *p)
{
	char c = 'w';   /* not a signal number */
	if (write(p->wake[1], &c, 1) < 0) {
		/* full pipe: the loop is already awake */
	}
}

struct panel_vm *panel_selected(struct panel *p)
{
	return p->n_vms ? p->vms[MIN(p->sel, p->n_vms - 1)] : NULL;
}

void panel_push_modal(struct panel *p, struct modal *m)
{
	m->below = p->modal;
	p->modal = m;
	p->dirty = true;
}

static void pop_modal(struct panel *p, struct modal *m)
{
	for (struct modal **pp = &p->modal; *pp; pp = &(*pp)->below)
		if (*pp == m) {
			*pp = m->below;
			m->free(m);
			p->dirty = true;
			return;
		}
}

size_t panel_drain_stderr(struct panel *p, char *buf, size_t len)
{
	if (p->err_pipe[0] < 0)
		return 0;
	fflush(stderr);
	size_t o = 0;
	char tmp[4096];
	for (;;) {
		ssize_t n = read(p->err_pipe[0], tmp, sizeof(tmp));
		if (n <= 0)
			break;
		if (buf) {
			size_t take = MIN((size_t)n, len > o + 1 ? len - o - 1 : 0);
			memcpy(buf + o, tmp, take);
			o += take;
			buf[o] = 0;
			continue;
		}
		textbuf_feed(p->log, tmp, (size_t)n);
		/* the newest complete line also goes to the status line */
		tmp[n] = 0;
		char *end = tmp + n;
		while (end > tmp && end[-1] == '\n')
			*--end = 0;
		char *last = strrchr(tmp, '\n');
		last = last ? last + 1 : tmp;
		if (!strncmp(last, "vmstation: ", 11))
			last += 11;
		if (*last) {
			snprintf(p->status, sizeof(p->status), "%.*s", (int)sizeof(p->status) - 1, last);
			p->status_err = strstr(last, "error") || strstr(last, "crash");
			p->status_until = clock_ns() + 6 * SECOND;
		}
		p->dirty = true;
	}
	return o;
}

/* --- themes -------------------------------------------------------------- */

void panel_apply_theme(struct panel *p, const char *name, bool save)
{
	const char *dirs[8];
	size_t nd = manager_theme_dirs(&p->mc, dirs, 8);
	char *path = theme_find(name, dirs, nd);
	char err[512];
	struct theme t;
	if (!path) {
		theme_builtin_default(&t);
		snprintf(err, sizeof(err), "theme '%s' not found (looked in %s and %zu more places); "
			 "using the default", name, nd ? dirs[0] : "themes", nd ? nd - 1 : 0);
		p->theme = t;
		draw_init_colours(p);
		panel_status(p, true, "%s", err);
		dialog_message(p, "Theme", err);
		return;
	}
	if (theme_load_file(&t, path, err, sizeof(err)) < 0) {
		char msg[700];
		snprintf(msg, sizeof(msg), "theme '%s': %s\nUsing the default theme.", name, err);
		p->theme = t; /* the default */
		draw_init_colours(p);
		panel_status(p, true, "theme '%s': %s; using the default", name, err);
		dialog_message(p, "Theme error", msg);
		free(path);
		return;
	}
	free(path);
	p->theme = t;
	draw_init_colours(p);
	clearok(curscr, TRUE);
	if (save) {
		if (manager_config_set_theme(&p->mc, name, err, sizeof(err)) < 0)
			panel_status(p, true, "theme %s applied, but not saved: %s", name, err);
		else
			panel_status(p, false, "theme %s (saved in %s)", name, p->mc.path);
	}
	p->dirty = true;
}

/* --- actions ------------------------------------------------------------- */

static struct panel_vm *need_vm(struct panel *p, bool running)
{
	struct panel_vm *pv = panel_selected(p);
	if (!pv) {
		panel_status(p, true, "no VM selected");
		return NULL;
	}
	if (running && (!pv->vm || pv->starter_running)) {
		panel_status(p, true, "%s is %s", pv->name, pvm_state_name(pv->state));
		return NULL;
	}
	return pv;
}

static void insert_chosen(struct panel *p, const char *path, void *opaque)
{
	char *file = opaque;
	struct panel_vm *pv = NULL;
	for (size_t i = 0; i < p->n_vms; i++)
		if (!strcmp(p->vms[i]->file, file))
			pv = p->vms[i];
	free(file);
	struct blockdev *cd = pv ? pvm_cdrom(pv) : NULL;
	if (!cd) {
		panel_status(p, true, "the VM stopped or has no CD-ROM drive");
		return;
	}
	char err[512];
	if (block_change(cd, path, true, err, sizeof(err)) < 0)
		panel_status(p, true, "%s: %s", pv->name, err);
	else
		panel_status(p, false, "%s: %s inserted in %s", pv->name, path, cd->cname);
}

static void window_open(struct panel *p, struct panel_vm *pv, bool full)
{
	pv->cfg->full_screen = full;    /* what sdl_window_open reads */
	pv->win = sdl_window_open(pv->vm);
	pv->win_full = pv->win && full;
	panel_drain_stderr(p, NULL, 0);
	if (pv->win)
		panel_status(p, false, "%s: window open%s", pv->name, full ? " (full screen)" : "");
	else
		panel_status(p, true, "%s: cannot open a window (see the log pane)", pv->name);
}

/*
 * w: close the window, or open it as the VM file says (full_screen=).
 * f: full screen on and off: no window or a normal one -> a full-screen
 * window; a full-screen one -> a normal window.
 */
static void window_toggle(struct panel *p, struct panel_vm *pv, bool full)
{
	if (!pv->vm->display) {
		panel_status(p, true, "%s has no display (vga='none')", pv->name);
		return;
	}
	if (!getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY")) {
		panel_status(p, true, "no graphical display here (DISPLAY is not set): use VNC (v)");
		return;
	}
	bool was_open = pv->win != NULL, was_full = pv->win_full;
	if (pv->win) {
		sdl_window_close(pv->win);
		pv->win = NULL;
		pv->win_full = false;
	}
	if (!full && was_open) {
		panel_status(p, false, "%s: window closed", pv->name);
		return;
	}
	window_open(p, pv, full ? !(was_open && was_full) : pv->file_full);
}

static void show_vnc(struct panel *p, struct panel_vm *pv)
{
	struct vnc_server *vnc = vnc_of(pv->vm);
	char msg[256];
	if (!vnc) {
		snprintf(msg, sizeof(msg), "%s has no VNC server (vnc=0 or vga='none').", pv->name);
	} else {
		const char *host = vmconfig_vnc_listen(pv->cfg);
		int port = vnc_server_port(vnc);
		snprintf(msg, sizeof(msg), "%s: VNC on %s:%d (display :%d), %d client(s).\n"
			 "Connect with: vncviewer %s::%d  or  vmstation view %s:%d",
			 pv->name, host, port, port - 5900, vnc_server_clients(vnc), host, port,
			 host, port - 5900);
	}
	dialog_message(p, "VNC", msg);
}

static void edit_file(struct panel *p, const char *file);

static void edit_again(struct panel *p, int choice, void *opaque)
{
	char *file = opaque;
	if (choice == 0)
		edit_file(p, file);
	free(file);
}

/* $VISUAL / $EDITOR on the VM file, then re-parse it and show any errors. */
static void edit_file(struct panel *p, const char *file)
{
	def_prog_mode();
	endwin();
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p->saved_stderr, 2);
		execl("/bin/sh", "sh", "-c", "exec ${VISUAL:-${EDITOR:-vi}} \"$1\"", "sh", file,
		      (char *)NULL);
		_exit(127);
	}
	int status = 0;
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) == 127) {
		panel_status(p, true, "the editor did not run (set $EDITOR)");
		return;
	}
	struct vm_config c;
	char msgs[2048] = "";
	panel_drain_stderr(p, NULL, 0);
	int r = vmconfig_load(&c, file);
	panel_drain_stderr(p, msgs, sizeof(msgs));
	vmconfig_free(&c);
	vmlist_scan(p);
	if (r < 0) {
		static const char *const b[] = { "Edit again", "Keep it" };
		char text[2300];
		snprintf(text, sizeof(text), "%s has errors:\n%s", file, msgs);
		dialog_choice(p, "VM file errors", text, b, 2, edit_again, xstrdup(file));
		return;
	}
	if (msgs[0])
		dialog_message(p, "VM file warnings", msgs);
	else
		panel_status(p, false, "%s: saved, no errors", file);
}

static void delete_chosen(struct panel *p, int choice, void *opaque)
{
	char *file = opaque;
	if (choice != 0 && choice != 1) {
		free(file);
		return;
	}
	struct panel_vm *pv = NULL;
	for (size_t i = 0; i < p->n_vms; i++)
		if (!strcmp(p->vms[i]->file, file))
			pv = p->vms[i];
	if (pv && (pv->vm || pv->starter_running)) {
		panel_status(p, true, "%s is running: stop it first", pv->name);
		free(file);
		return;
	}
	char removed[1024] = "";
	if (choice == 1) {
		/* disk images only: never the CD images it points at */
		struct vm_config c;
		if (vmconfig_load(&c, file) == 0) {
			for (int i = 0; i < VM_MAX_DISKS; i++) {
				const struct disk_spec *d = &c.disks[i];
				if (d->present && d->kind == DISK_HD && d->path && *d->path && !d->phy &&
				    unlink(d->path) == 0) {
					size_t l = strlen(removed);
					snprintf(removed + l, sizeof(removed) - l, " %s", d->path);
				}
			}
			vmconfig_free(&c);
		}
		panel_drain_stderr(p, NULL, 0);
	}
	if (unlink(file) < 0)
		panel_status(p, true, "%s: %s", file, strerror(errno));
	else
		panel_status(p, false, "deleted %s%s%s", file, removed[0] ? " and" : "", removed);
	free(file);
	vmlist_scan(p);
}

static void help(struct panel *p)
{
	/* lines of at most 70 columns: the dialog is 72 wide on 80 columns */
	dialog_message(p, "Keys",
		"Up/Down select a VM; Enter starts it or moves to the pane; Tab\n"
		"switches between the list and the pane; Esc goes back to the list.\n"
		"F2/s start   F3/p pause/resume   F4/r reset   F5/o ACPI power-off\n"
		"K force off  w SDL window  f full screen  v VNC address\n"
		"F6/i insert ISO  e eject  F7/m monitor  c serial  x screen  l log\n"
		"F8/n new VM  E edit the VM file  D delete  t theme  F9 menu  F10/q quit\n"
		"The mouse selects a VM (double click starts it), clicks the menu\n"
		"bar, the pane's tabs and dialog buttons, and scrolls the pane.\n"
		"In the serial pane keys go to COM1; in the monitor pane readline\n"
		"edits the line (Tab completes, Up/Down history).");
}

static void quit_chosen(struct panel *p, int choice, void *opaque)
{
	(void)opaque;
	if (choice != 0)
		return;
	p->quitting = true;
	vmlist_poweroff_all(p);
	panel_status(p, false, "powering off %u VM(s); forced off after %u s", vmlist_active(p),
		     p->mc.poweroff_timeout);
}

static void quit(struct panel *p)
{
	unsigned n = vmlist_active(p);
	if (!n) {
		p->running = false;
		return;
	}
	char text[256];
	snprintf(text, sizeof(text),
		 "%u VM(s) running. Power them off (ACPI power button, forced off after %u s) "
		 "and quit, or keep the panel open?", n, p->mc.poweroff_timeout);
	static const char *const b[] = { "Power off and quit", "Keep the panel open" };
	dialog_choice(p, "Quit", text, b, 2, quit_chosen, NULL);
}

void panel_command(struct panel *p, int cmd)
{
	struct panel_vm *pv;
	char err[512];
	switch (cmd) {
	case CMD_HELP:
		help(p);
		break;
	case CMD_START:
		if ((pv = need_vm(p, false))) {
			if (pv->vm && pv->state == PVM_CRASHED)
				panel_status(p, true, "%s is kept after its crash: force it off (K) first", pv->name);
			else
				vmlist_start(p, pv);
		}
		break;
	case CMD_PAUSE:
		if ((pv = need_vm(p, true))) {
			enum vm_state st = vm_get_state(pv->vm);
			if (st == VM_RUNNING) {
				vm_pause(pv->vm);
				panel_status(p, false, "%s paused", pv->name);
			} else if (st == VM_PAUSED) {
				vm_resume(pv->vm);
				panel_status(p, false, "%s resumed", pv->name);
			} else {
				panel_status(p, true, "%s is %s", pv->name, vm_state_name(st));
			}
			vmlist_poll(p);
		}
		break;
	case CMD_RESET:
		if ((pv = need_vm(p, true))) {
			vm_request_reset(pv->vm);
			panel_status(p, false, "%s reset", pv->name);
		}
		break;
	case CMD_POWEROFF:
		if ((pv = need_vm(p, true))) {
			if (!pv->vm->powerdown)
				panel_status(p, true, "%s has no ACPI power button (acpi=0): force off with K",
					     pv->name);
			else {
				pv->vm->powerdown(pv->vm);
				panel_status(p, false, "%s: ACPI power button pressed", pv->name);
			}
		}
		break;
	case CMD_FORCEOFF:
		if ((pv = need_vm(p, true))) {
			vm_request_quit(pv->vm);
			panel_status(p, false, "%s: forced off", pv->name);
		}
		break;
	case CMD_WINDOW:
	case CMD_FULLSCREEN:
		if ((pv = need_vm(p, true)))
			window_toggle(p, pv, cmd == CMD_FULLSCREEN);
		break;
	case CMD_VNC:
		if ((pv = need_vm(p, true)))
			show_vnc(p, pv);
		break;
	case CMD_INSERT:
		if ((pv = need_vm(p, true))) {
			if (!pvm_cdrom(pv))
				panel_status(p, true, "%s has no CD-ROM drive (add ',raw,hdc:cdrom,r' to disk=)",
					     pv->name);
			else
				filebrowser_open(p, "Insert ISO", p->mc.iso_dir, insert_chosen,
						 xstrdup(pv->file));
		}
		break;
	case CMD_EJECT:
		if ((pv = need_vm(p, true))) {
			struct blockdev *cd = pvm_cdrom(pv);
			if (!cd)
				panel_status(p, true, "%s has no CD-ROM drive", pv->name);
			else if (block_eject(cd, false, err, sizeof(err)) < 0)
				panel_status(p, true, "%s: %s", pv->name, err);
			else
				panel_status(p, false, "%s: %s ejected", pv->name, cd->cname);
		}
		break;
	case CMD_MONITOR:
		if ((pv = need_vm(p, false))) {
			p->pane = PANE_MONITOR;
			p->focus = FOCUS_PANE;
			p->scroll = 0;
			monitor_pane_open(p, pv);
		}
		break;
	case CMD_NEW:
		wizard_open(p);
		break;
	case CMD_EDIT:
		if ((pv = need_vm(p, false)))
			edit_file(p, pv->file);
		break;
	case CMD_DELETE:
		if ((pv = need_vm(p, false))) {
			if (pv->vm || pv->starter_running) {
				panel_status(p, true, "%s is running: stop it first", pv->name);
				break;
			}
			char text[700];
			snprintf(text, sizeof(text),
				 "Delete the VM '%s' (%s)? Its disk images are kept unless you choose "
				 "'Delete with images' (CD images are never deleted).", pv->name, pv->file);
			static const char *const b[] = { "Delete", "Delete with images", "Cancel" };
			dialog_choice(p, "Delete VM", text, b, 3, delete_chosen, xstrdup(pv->file));
		}
		break;
	case CMD_THEME:
		theme_menu_open(p);
		break;
	case CMD_SERIAL:
	case CMD_SCREEN:
	case CMD_LOG:
		p->pane = cmd == CMD_SERIAL ? PANE_SERIAL : cmd == CMD_SCREEN ? PANE_SCREEN : PANE_LOG;
		p->scroll = 0;
		break;
	case CMD_MENU:
		menu_open(p);
		break;
	case CMD_QUIT:
		quit(p);
		break;
	default:
		break;
	}
	p->dirty = true;
}

/* --- layout and drawing -------------------------------------------------- */

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
	for (size_t i = 0; i < ARRAY_SIZE(bar) && x < COLS; i++) {
		int start = x;
		attrset(draw_attr(p, TE_MENU_KEY));
		x += draw_text(1, x, COLS - x, bar[i].key);
		attrset(draw_attr(p, TE_MENU));
		x += draw_text(1, x, COLS - x, bar[i].label);
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

static void redraw(struct panel *p)
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

/* --- input ------------------------------------------------------------- */

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
				panel_command(p, bar[i].cmd);
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
	for (size_t i = 0; i < ARRAY_SIZE(bar); i++)
		if (ch == KEY_F(atoi(bar[i].key)))
			return bar[i].cmd;
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

static void handle_key(struct panel *p, int ch)
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
			quit(p);
		return;
	}
	if (p->modal) {
		struct modal *m = p->modal;
		if (ch == KEY_MOUSE && !have_ev)
			return;
		bool keep = m->key(p, m, ch, have_ev ? &ev : NULL);
		if (!keep || m->closed)
			pop_modal(p, m);
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

/* --- start-up and the loop ------------------------------------------------ */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vmstation [--config FILE]\n"
		"Opens the manager panel on FILE, else ./vmstation.conf, else\n"
		"$XDG_CONFIG_HOME/vmstation/vmstation.conf (created with a demo VM if missing).\n");
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static bool any_window(struct panel *p)
{
	for (size_t i = 0; i < p->n_vms; i++)
		if (p->vms[i]->win)
			return true;
	return false;
}

static unsigned gens(struct panel *p)
{
	struct panel_vm *pv = panel_selected(p);
	unsigned g = atomic_load_explicit(&p->log->gen, memory_order_acquire);
	if (pv)
		g += atomic_load_explicit(&pv->serial->gen, memory_order_acquire) * 3 +
		     atomic_load_explicit(&pv->mon_out->gen, memory_order_acquire) * 7;
	return g;
}

static void loop(struct panel *p)
{
	unsigned last_gen = 0;
	uint64_t last_draw = 0;
	bool tty_gone = false;
	p->last_sample = clock_ns();
	while (p->running) {
		bool windows = any_window(p);
		struct pollfd fds[3] = {
			{ .fd = tty_gone ? -1 : STDIN_FILENO, .events = POLLIN },
			{ .fd = p->wake[0], .events = POLLIN },
			{ .fd = p->err_pipe[0], .events = POLLIN },
		};
		poll(fds, 3, windows ? 0 : 100);
		if (windows)
			sdl_ui_pump(15);
		if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			/* the terminal went away (ssh dropped): power off and leave */
			tty_gone = true;
			if (!p->quitting) {
				p->quitting = true;
				vmlist_poweroff_all(p);
			}
		}
		if (fds[1].revents) {
			char buf[256];
			ssize_t n;
			while ((n = read(p->wake[0], buf, sizeof(buf))) > 0) {
				for (ssize_t i = 0; i < n; i++)
					if (buf[i] == SIGTERM || buf[i] == SIGHUP || buf[i] == SIGINT) {
						if (!p->quitting) {
							p->quitting = true;
							vmlist_poweroff_all(p);
						}
					}
			}
			p->dirty = true;
		}
		panel_drain_stderr(p, NULL, 0);
		vmlist_poll(p);
		int ch;
		nodelay(stdscr, TRUE);
		while (!tty_gone && (ch = getch()) != ERR) {
			handle_key(p, ch);
			nodelay(stdscr, TRUE);
		}
		if (p->modal && p->modal->tick) {
			struct modal *m = p->modal;
			m->tick(p, m);
			if (m->closed)
				pop_modal(p, m);
		}
		uint64_t now = clock_ns();
		if (now - p->last_sample >= SECOND) {
			p->last_sample = now;
			vmlist_sample(p);
			if (!p->modal)
				vmlist_watch(p);   /* not under a dialog that holds a VM's file name */
			p->dirty = true;
		}
		if (p->quitting && !vmlist_active(p))
			p->running = false;
		unsigned g = gens(p);
		if (g != last_gen && now - last_draw > 50000000ull) {
			last_gen = g;
			p->dirty = true;
		}
		if (p->dirty) {
			p->dirty = false;
			last_draw = now;
			redraw(p);
		}
	}
}

int panel_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *config = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "vmstation: the manager panel needs a terminal (use `vmstation run FILE.cfg` "
				"in scripts)\n");
		return 1;
	}
	setlocale(LC_ALL, "");
	struct panel *p = xzalloc(sizeof(*p));
	char err[1024];
	if (manager_config_open(&p->mc, config, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmstation: %s\n", err);
		free(p);
		return 1;
	}
	p->log = textbuf_new(2000);
	if (p->mc.created)
		textbuf_printf(p->log, "created %s with a demo VM in %s\n", p->mc.path, p->mc.vm_dir);
	if (p->mc.warnings[0])
		textbuf_printf(p->log, "%s", p->mc.warnings);
	const char *cs = nl_langinfo(CODESET);
	p->utf8 = !strcmp(p->mc.box, "utf8") ||
		  (!strcmp(p->mc.box, "auto") && cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8")));

	/* our stderr becomes a pipe shown in the Log pane while curses runs */
	p->err_pipe[0] = p->err_pipe[1] = -1;
	if (pipe2(p->wake, O_CLOEXEC) < 0 || pipe2(p->err_pipe, O_CLOEXEC) < 0) {
		fprintf(stderr, "vmstation: pipe: %s\n", strerror(errno));
		return 1;
	}
	set_nonblock(p->wake[0]);
	set_nonblock(p->wake[1]);
	set_nonblock(p->err_pipe[0]);
	set_nonblock(p->err_pipe[1]);   /* a full pipe drops messages, never blocks a VM */
	fflush(stderr);
	p->saved_stderr = dup(STDERR_FILENO);
	fcntl(p->saved_stderr, F_SETFD, FD_CLOEXEC);
	dup2(p->err_pipe[1], STDERR_FILENO);
	setvbuf(stderr, NULL, _IOLBF, 0);

	signal_fd = p->wake[1];
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		dup2(p->saved_stderr, STDERR_FILENO);
		fprintf(stderr, "vmstation: cannot use this terminal (TERM=%s)\n",
			getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
		  | BUTTON5_PRESSED
#endif
		  , NULL);
	mouseinterval(200);
	curs_set(0);

	p->pane = !strcmp(p->mc.pane, "screen") ? PANE_SCREEN : !strcmp(p->mc.pane, "monitor") ? PANE_MONITOR
		: !strcmp(p->mc.pane, "log") ? PANE_LOG : PANE_SERIAL;
	theme_builtin_default(&p->theme);
	draw_init_colours(p);
	p->running = true;
	vmlist_scan(p);
	panel_apply_theme(p, p->mc.theme, false);
	if (p->mc.created)
		panel_status(p, false, "created %s with a demo VM", p->mc.path);
	for (size_t i = 0; i < p->mc.n_autostart; i++) {
		bool found = false;
		for (size_t k = 0; k < p->n_vms; k++)
			if (!strcmp(p->vms[k]->name, p->mc.autostart[i])) {
				found = true;
				if (p->vms[k]->cfg_ok)
					vmlist_start(p, p->vms[k]);
			}
		if (!found)
			panel_status(p, true, "autostart: no VM named '%s' in %s", p->mc.autostart[i],
				     p->mc.vm_dir);
	}
	p->dirty = true;
	loop(p);

	endwin();
	delscreen(scr);
	while (p->modal)
		pop_modal(p, p->modal);
	monitor_pane_shutdown();
	vmlist_free(p);
	panel_drain_stderr(p, NULL, 0);
	fflush(stderr);
	dup2(p->saved_stderr, STDERR_FILENO);
	signal_fd = -1;
	close(p->saved_stderr);
	close(p->wake[0]);
	close(p->wake[1]);
	close(p->err_pipe[0]);
	close(p->err_pipe[1]);
	textbuf_free(p->log);
	manager_config_free(&p->mc);
	free(p);
	return 0;
}
