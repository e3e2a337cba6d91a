/*
 * The manager panel's main loop: start-up (config, theme, terminal), the
 * loop, and the small services the other files use (status line, dialogs'
 * stack, captured stderr, themes). Drawing is panel_draw.c, keys and mouse
 * panel_input.c, the commands commands.c. Everything runs on the main thread;
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
#include <time.h>
#include <unistd.h>

#include "ui/tui/panel.h"
#include "ui/sdl_window.h"
#include "ui/tui/tui.h"
#include "core/util.h"

/* Signals only write here; the loop reads it (per process, like the terminal). */
static int signal_fd = -1;

static void on_signal(int sig)
{
	char c = (char)sig;
	if (signal_fd >= 0 && write(signal_fd, &c, 1) < 0) {
		/* nothing to do: the loop wakes up anyway */
	}
}

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

void panel_pop_modal(struct panel *p, struct modal *m)
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
	/* Least time between redraws for new output. A slow terminal (a busy
	 * tmux, ssh over a slow link) blocks refresh() in its write; the gap
	 * grows to four times that draw, so output is drawn less often
	 * instead of queueing frames the terminal is still behind on. */
	uint64_t draw_gap = 50000000ull;
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
			panel_handle_key(p, ch);
			nodelay(stdscr, TRUE);
		}
		if (p->modal && p->modal->tick) {
			struct modal *m = p->modal;
			m->tick(p, m);
			if (m->closed)
				panel_pop_modal(p, m);
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
		if (g != last_gen && now - last_draw > draw_gap) {
			last_gen = g;
			p->dirty = true;
		}
		if (p->dirty) {
			p->dirty = false;
			last_draw = now;
			uint64_t t0 = clock_ns();
			panel_redraw(p);
			uint64_t took = clock_ns() - t0;
			draw_gap = took * 4 < 50000000ull ? 50000000ull :
				   took * 4 > SECOND ? SECOND : took * 4;
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
		panel_pop_modal(p, p->modal);
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
