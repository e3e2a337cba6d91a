/*
 * The monitor on the terminal (`--monitor stdio`).
 *
 * On a tty: GNU readline (callback interface, on this front end's own
 * thread) with line editing, history kept across runs in
 * state_dir()/monitor_history, and tab completion of commands, info items,
 * device names, key names and file names through monitor_complete().
 * Not a tty (a pipe from a script): plain lines in, replies and prompts out.
 *
 * When a serial port is also on stdio, the two share the terminal as QEMU's
 * mux does: the serial port's stdio back end (core/chardev.c) owns the raw
 * terminal and its escape keys; ctrl-a c switches the keyboard between the
 * guest and the monitor. While the monitor has it, the back end hands the
 * bytes to us (loop thread) through a pipe, and readline runs on this front
 * end's thread reading that pipe, so commands never run on the VM's io
 * thread. Output then needs \r\n, the terminal being raw.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "core/chardev.h"
#include "ui/monitor/monitor.h"
#include "core/util.h"
#include "core/vm.h"

#define HISTORY_MAX 1000

struct monitor_term {
	struct monitor_frontend fe;
	struct vm *vm;
	struct monitor_session *s;
	bool tty;
	bool eof;
	int wake[2];
	pthread_t thread;
	char *history;          /* history file path */

	/* serial and monitor multiplexed on stdio (ctrl-a c) */
	struct chardev *mux;    /* the serial port's stdio back end, or NULL */
	bool mux_monitor;       /* the monitor has the keyboard (loop thread) */
	struct chardev_handler saved;   /* the serial port's input handler */
	int mux_in[2];          /* keys typed for the monitor */
	int mux_ctl[2];         /* 'm': monitor gets the keyboard, 's': serial does */
	bool banner_shown;
	FILE *rl_out;           /* readline's output, \n -> \r\n in mux mode */
};

/*
 * readline keeps its state in globals, so there is one readline terminal
 * per process; its callbacks find it here.
 */
static struct monitor_term *rl_term;

/* the terminal's output; a failed write loses the text, nothing else */
static void out(const char *buf, size_t n)
{
	(void)write_all(STDOUT_FILENO, buf, n);
}

/* A raw terminal does not turn \n into \r\n: do it here in mux mode. */
static void term_out(void *opaque, const char *buf, size_t n)
{
	struct monitor_term *t = opaque ? opaque : rl_term;
	if (!t || !t->mux) {
		out(buf, n);
		return;
	}
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r')) {
			out(buf + start, i - start);
			out("\r\n", 2);
			start = i + 1;
		}
	}
	out(buf + start, n - start);
}

static ssize_t rl_out_write(void *cookie, const char *buf, size_t n)
{
	term_out(cookie, buf, n);
	return (ssize_t)n;
}

/* --- mux with the serial port (loop thread side) -------------------------- */

static size_t mux_can_receive(void *opaque)
{
	(void)opaque;
	return 4096;
}

static void mux_receive(void *opaque, const uint8_t *buf, size_t len)
{
	struct monitor_term *t = opaque;
	(void)!write(t->mux_in[1], buf, len);   /* a full pipe drops keys, never blocks */
}

static void mux_prep_term(int meta)
{
	(void)meta;
	rl_tty_set_echoing(1);   /* what prep would find in a raw terminal: we echo */
}

static void mux_deprep_term(void)
{
}

/* ctrl-a c from the serial back end's escape filter. */
static bool mux_key(void *opaque, uint8_t key)
{
	struct monitor_term *t = opaque;
	if (key != 'c' && key != 'C')
		return false;
	if (!t->mux_monitor) {
		chardev_get_handler(t->mux, &t->saved);
		struct chardev_handler h = { mux_can_receive, mux_receive, t };
		chardev_set_handler(t->mux, &h);
		t->mux_monitor = true;
		(void)!write(t->mux_ctl[1], "m", 1);
	} else {
		chardev_set_handler(t->mux, &t->saved);
		t->mux_monitor = false;
		(void)!write(t->mux_ctl[1], "s", 1);
	}
	return true;
}

/* --- completion ------------------------------------------------------------ */

static char **cand;
static size_t cand_i;

static char *cand_next(const char *text, int state)
{
	(void)text;
	if (!state)
		cand_i = 0;
	if (!cand || !cand[cand_i])
		return NULL;
	return xstrdup(cand[cand_i++]);
}

static char **term_complete(const char *text, int start, int end)
{
	(void)start;
	rl_attempted_completion_over = 1;    /* never fall back to readline's own */
	monitor_free_completions(cand);
	cand = monitor_complete(rl_term->vm, rl_line_buffer, end);
	if (!cand)
		return NULL;
	/* A directory: let the user go on typing inside it. */
	if (cand[0] && !cand[1]) {
		size_t l = strlen(cand[0]);
		if (l && cand[0][l - 1] == '/')
			rl_completion_suppress_append = 1;
	}
	return rl_completion_matches(text, cand_next);
}

/* --- readline ------------------------------------------------------------ */

static void save_history_line(struct monitor_term *t)
{
	if (!t->history)
		return;
	if (access(t->history, F_OK) != 0)
		write_history(t->history);
	else
		append_history(1, t->history);
	history_truncate_file(t->history, HISTORY_MAX);
}

static void rl_line(char *line)
{
	struct monitor_term *t = rl_term;
	if (!line) {                /* ctrl-d on an empty line: ignored */
		term_out(t, "\n", 1);
		return;
	}
	const char *p = line + strspn(line, " \t");
	if (*p) {
		HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
		if (!last || strcmp(last->line, line)) {
			add_history(line);
			save_history_line(t);
		}
	}
	monitor_run_line(t->s, line);
	free(line);
	if (monitor_session_quit(t->s)) {
		/* the VM is going away: no new prompt, terminal back to normal */
		rl_callback_handler_remove();
		t->eof = true;
	}
}

static void *term_thread(void *opaque)
{
	struct monitor_term *t = opaque;

	bool active = !t->mux;     /* readline has a prompt up */
	if (t->tty && active)
		rl_callback_handler_install(monitor_prompt(), rl_line);
	for (;;) {
		int in = t->mux ? t->mux_in[0] : STDIN_FILENO;
		struct pollfd pfd[3] = {
			{ .fd = t->wake[0], .events = POLLIN },
			{ .fd = t->eof || !active ? -1 : in, .events = POLLIN },
			{ .fd = t->mux ? t->mux_ctl[0] : -1, .events = POLLIN },
		};
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			break;
		if (pfd[2].revents) {       /* ctrl-a c: before any key that followed it */
			char c;
			if (read(t->mux_ctl[0], &c, 1) == 1 && c == 'm' && !active) {
				term_out(t, "\n", 1);
				if (!t->banner_shown)
					monitor_printf(t->s, "%s\n", monitor_banner());
				t->banner_shown = true;
				t->eof = false;
				rl_callback_handler_install(monitor_prompt(), rl_line);
				active = true;
			} else if (c == 's' && active) {
				rl_callback_handler_remove();
				term_out(t, "\n", 1);
				active = false;
			}
			continue;
		}
		if (!pfd[1].revents)
			continue;
		if (t->tty) {
			rl_callback_read_char();
			continue;
		}
		char buf[1024];
		ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			t->eof = true;      /* stdin closed: the VM goes on running */
			continue;
		}
		monitor_session_input(t->s, buf, (size_t)r);
	}
	if (t->tty && active && !monitor_session_quit(t->s)) {
		rl_callback_handler_remove();   /* puts the terminal back */
		term_out(t, "\n", 1);
	}
	return NULL;
}

static void term_stop(struct monitor_frontend *fe)
{
	struct monitor_term *t = container_of(fe, struct monitor_term, fe);
	if (t->mux) {
		chardev_set_escape_hook(t->mux, NULL, NULL, NULL);
		if (t->mux_monitor)
			chardev_set_handler(t->mux, &t->saved);
	}
	(void)!write(t->wake[1], "x", 1);
	pthread_join(t->thread, NULL);
	monitor_session_free(t->s);
	close(t->wake[0]);
	close(t->wake[1]);
	if (t->mux) {
		if (rl_instream && fileno(rl_instream) == t->mux_in[0])
			fclose(rl_instream);      /* closes mux_in[0] */
		else
			close(t->mux_in[0]);
		rl_instream = stdin;
		close(t->mux_in[1]);
		close(t->mux_ctl[0]);
		close(t->mux_ctl[1]);
	}
	if (t->rl_out) {
		rl_outstream = stdout;
		fclose(t->rl_out);
	}
	free(t->history);
	if (rl_term == t)
		rl_term = NULL;
	monitor_free_completions(cand);
	cand = NULL;
	free(t);
}

struct monitor_frontend *monitor_term_open(struct vm *vm, char *err, size_t errlen)
{
	if (rl_term) {
		snprintf(err, errlen, "the terminal already has a monitor");
		return NULL;
	}
	struct monitor_term *t = xzalloc(sizeof(*t));
	t->vm = vm;
	t->tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	snprintf(t->fe.desc, sizeof(t->fe.desc), "stdio");
	t->fe.stop = term_stop;
	for (unsigned i = 0; i < VM_MAX_SERIAL && !t->mux; i++)
		if (vm->serial_chr[i] && !strcmp(chardev_describe(vm->serial_chr[i]), "stdio"))
			t->mux = vm->serial_chr[i];
	if (pipe2(t->wake, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(t);
		return NULL;
	}
	if (t->mux) {
		if (pipe2(t->mux_in, O_CLOEXEC | O_NONBLOCK) < 0 ||
		    pipe2(t->mux_ctl, O_CLOEXEC) < 0) {
			snprintf(err, errlen, "pipe: %s", strerror(errno));
			close(t->wake[0]);
			close(t->wake[1]);
			free(t);
			return NULL;
		}
		/* readline reads the keys the serial back end passes on; the back
		 * end owns the (raw) terminal, so readline leaves it alone */
		t->tty = true;
		rl_instream = fdopen(t->mux_in[0], "r");
		t->rl_out = fopencookie(t, "w", (cookie_io_functions_t){ .write = rl_out_write });
		if (t->rl_out) {
			setvbuf(t->rl_out, NULL, _IONBF, 0);
			rl_outstream = t->rl_out;
		}
		rl_prep_term_function = mux_prep_term;
		rl_deprep_term_function = mux_deprep_term;
		t->banner_shown = false;
	}
	if (t->tty) {
		const char *dir = state_dir();
		if (dir)
			t->history = xasprintf("%s/monitor_history", dir);
		rl_readline_name = "vmstation";
		rl_catch_signals = 0;          /* the main thread owns SIGINT/SIGTERM */
		rl_catch_sigwinch = 0;
		rl_completer_word_break_characters = (char *)" \t";
		rl_attempted_completion_function = term_complete;
		using_history();
		stifle_history(HISTORY_MAX);
		if (t->history)
			read_history(t->history);
		/* banner only: readline prints the prompt itself; in mux mode
		 * the banner waits for the first ctrl-a c */
		t->s = monitor_session_new(vm, term_out, t, t->mux ? 0 : MONITOR_F_BANNER);
	} else {
		t->s = monitor_session_new(vm, term_out, t, MONITOR_F_BANNER | MONITOR_F_PROMPT);
	}
	rl_term = t;
	if (pthread_create(&t->thread, NULL, term_thread, t) != 0) {
		snprintf(err, errlen, "cannot start the monitor thread");
		rl_term = NULL;
		monitor_session_free(t->s);
		close(t->wake[0]);
		close(t->wake[1]);
		free(t->history);
		free(t);
		return NULL;
	}
	pthread_setname_np(t->thread, "monitor-term");
	if (t->mux) {
		chardev_set_escape_hook(t->mux, mux_key,
					"C-a c    switch between console and monitor\r\n", t);
		msg_info("the serial console and the monitor share this terminal: "
			 "ctrl-a c switches, ctrl-a h lists the keys");
	}
	return &t->fe;
}
