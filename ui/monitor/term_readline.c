/*
 * The monitor on the terminal (`--monitor stdio`).
 *
 * On a tty: GNU readline (callback interface, on this front end's own
 * thread) with line editing, history kept across runs in
 * state_dir()/monitor_history, and tab completion of commands, info items,
 * device names, key names and file names through monitor_complete().
 * Not a tty (a pipe from a script): plain lines in, replies and prompts out.
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

#include "monitor.h"
#include "util.h"
#include "vm.h"

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
};

/*
 * readline keeps its state in globals, so there is one readline terminal
 * per process; its callbacks find it here.
 */
static struct monitor_term *rl_term;

static void term_out(void *opaque, const char *buf, size_t n)
{
	(void)opaque;
	while (n) {
		ssize_t w = write(STDOUT_FILENO, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
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
		term_out(NULL, "\n", 1);
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

	if (t->tty) {
		rl_callback_handler_install(monitor_prompt(), rl_line);
	}
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = t->wake[0], .events = POLLIN },
			{ .fd = t->eof ? -1 : STDIN_FILENO, .events = POLLIN },
		};
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			break;
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
	if (t->tty && !monitor_session_quit(t->s)) {
		rl_callback_handler_remove();   /* puts the terminal back */
		term_out(NULL, "\n", 1);
	}
	return NULL;
}

static void term_stop(struct monitor_frontend *fe)
{
	struct monitor_term *t = container_of(fe, struct monitor_term, fe);
	(void)!write(t->wake[1], "x", 1);
	pthread_join(t->thread, NULL);
	monitor_session_free(t->s);
	close(t->wake[0]);
	close(t->wake[1]);
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
	if (pipe2(t->wake, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(t);
		return NULL;
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
		/* banner only: readline prints the prompt itself */
		t->s = monitor_session_new(vm, term_out, t, MONITOR_F_BANNER);
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
	return &t->fe;
}
