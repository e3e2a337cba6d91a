/*
 * The manager panel's shared state, for the files of ui/tui/ only.
 *
 * Threads: everything here runs on the main thread (ncurses, SDL), except
 * where noted: VM threads only write to the wake pipe and feed textbufs.
 */
#ifndef VMST_TUI_H
#define VMST_TUI_H

#include <curses.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ui/tui/manager_config.h"
#include "ui/tui/textbuf.h"
#include "ui/tui/theme.h"

struct vm;
struct vm_config;
struct monitor_session;
struct sdl_window;
struct panel;

enum pvm_state { PVM_STOPPED, PVM_STARTING, PVM_RUNNING, PVM_PAUSED, PVM_CRASHED };

/* One VM file in vm_dir, running or not. */
struct panel_vm {
	struct panel *p;
	char *file;               /* the .cfg */
	char *name;
	bool cfg_ok;              /* the file parsed at the last look */
	char cfg_err[512];
	unsigned vcpus;
	uint64_t memory_mib;
	char disks_desc[512];
	char log_dir[512];        /* from the file, for a stopped VM's details */
	struct timespec file_mtime; /* when the file was last read */

	struct vm_config *cfg;    /* owned while the VM exists */
	struct vm *vm;
	enum pvm_state state;
	char event[192];          /* last notable event: "powered off", "crashed: ..." */
	bool kept_noted;          /* event says it was kept by on_poweroff='preserve' */

	/* start-up on its own thread (vm_create can take a while) */
	pthread_t starter;
	bool starter_running;
	_Atomic int start_done;   /* 0 pending, 1 ok, -1 failed */

	struct textbuf *serial;   /* COM1 as the guest printed it */
	struct monitor_session *mon;
	struct textbuf *mon_out;
	struct sdl_window *win;
	bool win_full;            /* win was opened full screen */
	bool file_full;           /* full_screen= of the VM file (what 'w' opens) */

	uint64_t force_at;        /* quitting: force off at this time (0 = not asked) */

	/* live figures, sampled every second */
	uint64_t s_ns, s_exits, s_cpu_ns, s_disk, s_net;
	double cpu_pct, exits_s, disk_bps, net_bps;
	bool audio_playing;
	bool has_net;             /* a network card: net_bps means something */
	bool sampled;
};

/* A modal dialog on top of the panel (file browser, wizard, menus...). */
struct modal {
	void (*draw)(struct panel *p, struct modal *m);
	/* A key or mouse event (ch == KEY_MOUSE, ev set); returns false to close. */
	bool (*key)(struct panel *p, struct modal *m, int ch, const MEVENT *ev);
	/* Periodic work (progress); optional. */
	void (*tick)(struct panel *p, struct modal *m);
	void (*free)(struct modal *m);
	struct modal *below;      /* the dialog under this one */
	bool closed;
};

enum pane_kind { PANE_SERIAL, PANE_SCREEN, PANE_MONITOR, PANE_LOG, PANE_COUNT };
enum focus { FOCUS_LIST, FOCUS_PANE };

struct rect { int y, x, h, w; };

struct panel {
	struct manager_config mc;
	struct theme theme;
	int ncolours;
	bool utf8;                /* UTF-8 box drawing */
	bool running;

	struct panel_vm **vms;
	size_t n_vms, sel, top;
	struct timespec vm_dir_mtime; /* vm_dir when last scanned */

	int wake[2];              /* VM threads -> main loop */
	int err_pipe[2];          /* our stderr while curses owns the terminal */
	int saved_stderr;
	struct textbuf *log;      /* panel messages and captured stderr */

	char status[256];
	bool status_err;
	uint64_t status_until;

	enum pane_kind pane;
	enum focus focus;
	unsigned scroll;          /* lines scrolled back in the pane */
	struct modal *modal;

	bool quitting;            /* powering everything off before exit */
	bool sdl_ready, sdl_failed;
	uint64_t last_sample;
	bool dirty;
	int cur_y, cur_x;         /* where the terminal cursor goes (-1: hidden) */

	struct rect r_title, r_menu, r_list, r_details, r_pane, r_status;
	int menu_x[16], menu_w[16], n_menu;   /* clickable menu bar items */
	int tab_x[PANE_COUNT], tab_w[PANE_COUNT];
};

#define SECOND 1000000000ull

/* --- panel.c ------------------------------------------------------------- */
void panel_status(struct panel *p, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void panel_push_modal(struct panel *p, struct modal *m);
struct panel_vm *panel_selected(struct panel *p);
void panel_wake(struct panel *p);
void panel_pop_modal(struct panel *p, struct modal *m);
/* Read what VMs printed on stderr since the last call into the log (and buf). */
size_t panel_drain_stderr(struct panel *p, char *buf, size_t len);
void panel_apply_theme(struct panel *p, const char *name, bool save);

/* --- draw.c -------------------------------------------------------------- */
void draw_init_colours(struct panel *p);
attr_t draw_attr(struct panel *p, enum theme_elem e);
void draw_fill(struct panel *p, struct rect r, enum theme_elem e);
void draw_box(struct panel *p, struct rect r, enum theme_elem e, const char *title,
	      bool focused);
/* Text clipped to w columns (UTF-8 aware); returns columns used. */
int draw_text(int y, int x, int w, const char *s);
/* How many bytes of s, up to its end or first '\n', fit in w columns. */
size_t draw_fit(const char *s, int w);
void draw_hline(struct panel *p, int y, int x, int w);
/* A centred dialog frame of h x w; returns the inside rectangle. */
struct rect draw_dialog(struct panel *p, int h, int w, const char *title);
void draw_button(struct panel *p, int y, int x, const char *label, bool selected);
void draw_progress(struct panel *p, int y, int x, int w, double frac);
/* "1.2 KiB" style. */
void fmt_bytes(char *buf, size_t n, double bytes);
void fmt_duration(char *buf, size_t n, uint64_t secs);

/* --- vmlist.c ------------------------------------------------------------ */
void vmlist_scan(struct panel *p);
/* Every second or so: rescan vm_dir or re-read files changed outside the panel. */
void vmlist_watch(struct panel *p);
int vmlist_start(struct panel *p, struct panel_vm *pv);
/* Main-loop housekeeping: finished start-ups, stopped VMs, quitting. */
void vmlist_poll(struct panel *p);
void vmlist_sample(struct panel *p);
void vmlist_free(struct panel *p);
const char *pvm_state_name(enum pvm_state s);
enum theme_elem pvm_state_elem(enum pvm_state s);
struct blockdev *pvm_cdrom(struct panel_vm *pv);
/* The listed VM whose file is `file`, or NULL. */
struct panel_vm *pvm_by_file(struct panel *p, const char *file);
/*
 * Whether the running VM has a network card: the first vif's card publishes
 * itself under this name (devices/rtl8139.c, ne2k_bus.c) and its port counts the bytes
 * in vm->stats.net_rx_bytes/net_tx_bytes (core/net.c). Without one the
 * Net/s figure shows "-", never a made-up "0 B".
 */
#define PVM_NIC_NAME "nic"
bool pvm_has_net(struct panel_vm *pv);
/* Send bytes to the guest's COM1 (typed in the serial pane). */
void pvm_serial_input(struct panel_vm *pv, const char *buf, size_t len);
/* Count of VMs that exist (running, paused, starting, preserved). */
unsigned vmlist_active(struct panel *p);
/* Quit the panel: ACPI power-off everything, force after the timeout. */
void vmlist_poweroff_all(struct panel *p);
void pvm_destroy_vm(struct panel *p, struct panel_vm *pv);

/* --- details.c, serial_pane.c, monitor_pane.c ------------------------------- */
void details_draw(struct panel *p, struct rect r);
void pane_draw(struct panel *p, struct rect r);
/*
 * The newest lines of tb in r, long lines wrapped at r.w columns (between
 * words where it can), p->scroll rows back from the end (clamped to the
 * text there is).
 */
void pane_draw_textbuf(struct panel *p, struct textbuf *tb, struct rect r, enum theme_elem e);
bool pane_key(struct panel *p, int ch);
void monitor_pane_open(struct panel *p, struct panel_vm *pv);
void monitor_pane_draw(struct panel *p, struct panel_vm *pv, struct rect r);
bool monitor_pane_key(struct panel *p, struct panel_vm *pv, int ch);
void monitor_pane_close(struct panel_vm *pv);
/* Alt-key (ESC then ch) for readline's meta bindings. */
void monitor_pane_meta(struct panel *p, struct panel_vm *pv, int ch);
void monitor_pane_shutdown(void);

/* --- filebrowser.c, wizard.c, dialogs.c ----------------------------------- */
typedef void (*browse_fn)(struct panel *p, const char *path, void *opaque);
/* Filtered to .iso/.img (toggle with F2), recent images first. */
void filebrowser_open(struct panel *p, const char *title, const char *start_dir, browse_fn fn,
		      void *opaque);
void wizard_open(struct panel *p);
/* Message box. */
void dialog_message(struct panel *p, const char *title, const char *text);
/* Choice dialog: fn(p, choice index or -1 for cancel, opaque). */
typedef void (*choice_fn)(struct panel *p, int choice, void *opaque);
void dialog_choice(struct panel *p, const char *title, const char *text,
		   const char *const *buttons, int n, choice_fn fn, void *opaque);
/* The drop-down menu of every action (F9). */
void menu_open(struct panel *p);
void theme_menu_open(struct panel *p);

/* Menu commands. */
enum {
	CMD_HELP, CMD_START, CMD_PAUSE, CMD_RESET, CMD_POWEROFF, CMD_FORCEOFF,
	CMD_WINDOW, CMD_FULLSCREEN, CMD_VNC, CMD_INSERT, CMD_EJECT, CMD_MONITOR,
	CMD_NEW, CMD_EDIT, CMD_DELETE, CMD_THEME, CMD_SERIAL, CMD_SCREEN, CMD_LOG,
	CMD_MENU, CMD_QUIT, CMD_COUNT
};
/* --- commands.c ---------------------------------------------------------- */
const char *command_label(int cmd);
const char *command_key(int cmd);
/* Whether ch (a letter such as 'p') is one of the command's keys. */
bool command_has_key(int cmd, int ch);
/* Run a command on the selected VM (if it needs one). */
void panel_command(struct panel *p, int cmd);
/* The menu bar: function key number, label, command. */
#define PANEL_BAR_ITEMS 10
struct panel_bar_item { const char *key, *label; int cmd; };
extern const struct panel_bar_item panel_bar[PANEL_BAR_ITEMS];

/* --- panel_draw.c, panel_input.c ------------------------------------------ */
void panel_redraw(struct panel *p);
void panel_handle_key(struct panel *p, int ch);

#endif
