/*
 * The panel's commands: one table (label, keys, what must be selected, what
 * it does) that the F9 menu, the menu bar, the keys and the mouse all use,
 * and the actions themselves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/block.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"
#include "ui/sdl_window.h"
#include "ui/tui/tui.h"
#include "ui/vm_frontends.h"
#include "ui/vnc_server.h"

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
	struct panel_vm *pv = pvm_by_file(p, file);
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
static void window_toggle(struct panel *p, struct panel_vm *pv, int cmd)
{
	bool full = cmd == CMD_FULLSCREEN;
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

static void show_vnc(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)cmd;
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
	struct panel_vm *pv = pvm_by_file(p, file);
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

static void help(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)pv, (void)cmd;
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

static void quit(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)pv, (void)cmd;
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

static void start(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)cmd;
	if (pv->vm && pv->state == PVM_CRASHED)
		panel_status(p, true, "%s is kept after its crash: force it off (K) first", pv->name);
	else
		vmlist_start(p, pv);
}

static void pause_resume(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)cmd;
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

static void reset(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)cmd;
	vm_request_reset(pv->vm);
	panel_status(p, false, "%s reset", pv->name);
}

static void poweroff(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)cmd;
	if (!pv->vm->powerdown) {
		panel_status(p, true, "%s has no ACPI power button (acpi=0): force off with K", pv->name);
		return;
	}
	pv->vm->powerdown(pv->vm);
	panel_status(p, false, "%s: ACPI power button pressed", pv->name);
}

static void forceoff(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)cmd;
	vm_request_quit(pv->vm);
	panel_status(p, false, "%s: forced off", pv->name);
}

static void insert(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)cmd;
	if (!pvm_cdrom(pv))
		panel_status(p, true, "%s has no CD-ROM drive (add ',raw,hdc:cdrom,r' to disk=)", pv->name);
	else
		filebrowser_open(p, "Insert ISO", p->mc.iso_dir, insert_chosen, xstrdup(pv->file));
}

static void eject(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)cmd;
	char err[512];
	struct blockdev *cd = pvm_cdrom(pv);
	if (!cd)
		panel_status(p, true, "%s has no CD-ROM drive", pv->name);
	else if (block_eject(cd, false, err, sizeof(err)) < 0)
		panel_status(p, true, "%s: %s", pv->name, err);
	else
		panel_status(p, false, "%s: %s ejected", pv->name, cd->cname);
}

static void monitor(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)cmd;
	p->pane = PANE_MONITOR;
	p->focus = FOCUS_PANE;
	p->scroll = 0;
	monitor_pane_open(p, pv);
}

static void new_vm(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)pv, (void)cmd;
	wizard_open(p);
}

static void edit(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)cmd;
	edit_file(p, pv->file);
}

static void delete(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)cmd;
	if (pv->vm || pv->starter_running) {
		panel_status(p, true, "%s is running: stop it first", pv->name);
		return;
	}
	char text[700];
	snprintf(text, sizeof(text),
		 "Delete the VM '%s' (%s)? Its disk images are kept unless you choose "
		 "'Delete with images' (CD images are never deleted).", pv->name, pv->file);
	static const char *const b[] = { "Delete", "Delete with images", "Cancel" };
	dialog_choice(p, "Delete VM", text, b, 3, delete_chosen, xstrdup(pv->file));
}

static void theme(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)pv, (void)cmd;
	theme_menu_open(p);
}

static void show_pane(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)pv;
	p->pane = cmd == CMD_SERIAL ? PANE_SERIAL : cmd == CMD_SCREEN ? PANE_SCREEN : PANE_LOG;
	p->scroll = 0;
}

static void menu(struct panel *p, struct panel_vm *pv, int cmd)
{
	(void)pv, (void)cmd;
	menu_open(p);
}

/*
 * Every command: its label in the F9 menu, its keys (shown there, the
 * letters also bound in the list by panel_input.c), what it needs selected,
 * and what it does.
 */
enum need { NEED_NOTHING, NEED_VM, NEED_RUNNING_VM };
static const struct command {
	const char *label, *key;
	enum need need;
	void (*run)(struct panel *p, struct panel_vm *pv, int cmd);
} commands[CMD_COUNT] = {
	[CMD_HELP] = { "Help", "F1 ?", NEED_NOTHING, help },
	[CMD_START] = { "Start", "F2 s", NEED_VM, start },
	[CMD_PAUSE] = { "Pause / resume", "F3 p", NEED_RUNNING_VM, pause_resume },
	[CMD_RESET] = { "Reset", "F4 r", NEED_RUNNING_VM, reset },
	[CMD_POWEROFF] = { "ACPI power-off", "F5 o", NEED_RUNNING_VM, poweroff },
	[CMD_FORCEOFF] = { "Force off", "K", NEED_RUNNING_VM, forceoff },
	[CMD_WINDOW] = { "Open / close SDL window", "w", NEED_RUNNING_VM, window_toggle },
	[CMD_FULLSCREEN] = { "Full screen window", "f", NEED_RUNNING_VM, window_toggle },
	[CMD_VNC] = { "Show VNC address", "v", NEED_RUNNING_VM, show_vnc },
	[CMD_INSERT] = { "Insert ISO...", "F6 i", NEED_RUNNING_VM, insert },
	[CMD_EJECT] = { "Eject CD", "e", NEED_RUNNING_VM, eject },
	[CMD_MONITOR] = { "Monitor pane", "F7 m", NEED_VM, monitor },
	[CMD_NEW] = { "New VM...", "F8 n", NEED_NOTHING, new_vm },
	[CMD_EDIT] = { "Edit VM file ($EDITOR)", "E", NEED_VM, edit },
	[CMD_DELETE] = { "Delete VM...", "D", NEED_VM, delete },
	[CMD_THEME] = { "Theme...", "t", NEED_NOTHING, theme },
	[CMD_SERIAL] = { "Serial pane", "c", NEED_NOTHING, show_pane },
	[CMD_SCREEN] = { "Screen pane (text mode)", "x", NEED_NOTHING, show_pane },
	[CMD_LOG] = { "Log pane", "l", NEED_NOTHING, show_pane },
	[CMD_MENU] = { "Menu", "F9", NEED_NOTHING, menu },
	[CMD_QUIT] = { "Quit", "F10 q", NEED_NOTHING, quit },
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

const struct panel_bar_item panel_bar[PANEL_BAR_ITEMS] = {
	{ "1", "Help", CMD_HELP }, { "2", "Start", CMD_START }, { "3", "Pause", CMD_PAUSE },
	{ "4", "Reset", CMD_RESET }, { "5", "PowerOff", CMD_POWEROFF }, { "6", "ISO", CMD_INSERT },
	{ "7", "Monitor", CMD_MONITOR }, { "8", "New", CMD_NEW }, { "9", "Menu", CMD_MENU },
	{ "10", "Quit", CMD_QUIT },
};

void panel_command(struct panel *p, int cmd)
{
	if (cmd < 0 || cmd >= CMD_COUNT)
		return;
	const struct command *c = &commands[cmd];
	struct panel_vm *pv = NULL;
	if (c->need != NEED_NOTHING && !(pv = need_vm(p, c->need == NEED_RUNNING_VM)))
		return;
	c->run(p, pv, cmd);
	p->dirty = true;
}
