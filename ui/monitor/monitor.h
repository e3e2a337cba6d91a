/*
 * The monitor: QEMU-style HMP commands in one table, shared by every front end
 * (terminal with readline, unix socket, ctrl-alt-2 console in SDL/VNC windows,
 * the manager panel's monitor pane).
 *
 * A front end creates a session per user (per socket client, per window),
 * feeds it complete lines and prints what comes out of its out() callback.
 * Commands run on the caller's thread; they never block it for long (`stop`
 * returns once every vCPU is parked, `sendkey` waits for its hold time).
 */
#ifndef VMST_MONITOR_H
#define VMST_MONITOR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

struct vm;
struct monitor_session;

/* Output of a session: called on the thread that ran the command. */
typedef void (*monitor_out_fn)(void *opaque, const char *s, size_t n);

/* Session flags. */
#define MONITOR_F_BANNER 1u  /* print the banner when the session starts */
#define MONITOR_F_PROMPT 2u  /* print the prompt after the banner and after each reply */
#define MONITOR_F_WINDOW 4u  /* inside a display window: refused unless cfg->monitor */

struct monitor_session *monitor_session_new(struct vm *vm, monitor_out_fn out,
					    void *opaque, unsigned flags);
void monitor_session_free(struct monitor_session *s);
/* Run one command line (no newline needed); output goes to out(). */
void monitor_session_line(struct monitor_session *s, const char *line);
/* Feed raw bytes (a socket, a window's keyboard): complete lines are run. */
void monitor_session_input(struct monitor_session *s, const char *buf, size_t n);
/* True once `quit` ran in this session (the front end may close it). */
bool monitor_session_quit(const struct monitor_session *s);

/* "(vmstation) " */
const char *monitor_prompt(void);
/* "vmstation X.Y monitor - type 'help' for more information" (no newline). */
const char *monitor_banner(void);

/*
 * Completion for readline and the panel: the candidates for the word that
 * ends at byte offset point of line (commands, `info` items, device names,
 * file names, key names). A malloc'd NULL-terminated array of malloc'd
 * strings (free with monitor_free_completions), or NULL when none.
 */
char **monitor_complete(struct vm *vm, const char *line, int point);
void monitor_free_completions(char **list);

/*
 * Front ends opened from the command line or the VM file:
 *   "stdio"       readline on the terminal (history in state_dir()/monitor_history);
 *                 with a serial port on stdio too, the two share it and
 *                 ctrl-a c switches (QEMU's mux)
 *   "unix:PATH"   a listening socket, mode 0600, several clients at once
 * 0, or -1 with a message on stderr. monitor_stop_all closes every front end
 * of this VM (called before vm_destroy).
 */
int monitor_start(struct vm *vm, const char *spec);
void monitor_stop_all(struct vm *vm);

/* --- for command files (ui/monitor/cmd_*.c) ------------------------------ */

/* Parsed arguments of one command line, split on blanks; quotes group words. */
#define MONITOR_MAX_ARGS 16
struct monitor_cmd;
struct monitor_args {
	const struct monitor_cmd *cmd; /* the command being run */
	int argc;
	char *argv[MONITOR_MAX_ARGS]; /* argv[0] is the command (or `info` item) */
};

struct monitor_cmd {
	const char *name;     /* "eject"; aliases: "cont|c" */
	const char *params;   /* "[-f] device" as printed by help */
	const char *help;     /* one line */
	/* What each argument completes as: a string of letters, one per position
	 * after the name: 'd' device, 'f' file, 'k' key, 'i' info item, 'c' command,
	 * '-' none; other letters through a group's completer. */
	const char *complete;
	int min_args, max_args; /* counted after the name; max -1 = any */
	void (*run)(struct monitor_session *s, struct monitor_args *a);
};

/*
 * Completion of one kind of argument (the letter in monitor_cmd.complete):
 * calls monitor_cands_add for the candidates (those not starting with the
 * prefix are dropped there).
 */
struct monitor_cands;
void monitor_cands_add(struct monitor_cands *c, const char *cand);
typedef void (*monitor_completer_fn)(struct vm *vm, const char *prefix,
				     struct monitor_cands *c);

/*
 * A group of commands (or of `info` items), defined by a command file with
 * MONITOR_COMMANDS(id, table, is_info) and listed in monitor.c, so that
 * linking the monitor links every group (static archives drop files that
 * nothing refers to). A group may bring a completer for one letter.
 */
struct monitor_group {
	const struct monitor_cmd *cmds;
	size_t n;
	bool info;
	char complete_letter;
	monitor_completer_fn completer;
};
#define MONITOR_COMMANDS(id, table, is_info)                                   \
	const struct monitor_group monitor_group_##id = {                      \
		table, sizeof(table) / sizeof((table)[0]), is_info, 0, NULL }
#define MONITOR_COMMANDS_COMPLETER(id, table, is_info, letter, fn)            \
	const struct monitor_group monitor_group_##id = {                      \
		table, sizeof(table) / sizeof((table)[0]), is_info, letter, fn }
/* Other parts of vmstation may add a group at start-up (from a constructor). */
void monitor_register(const struct monitor_group *g);
/* The completer for a letter, or NULL. */
monitor_completer_fn monitor_completer(char letter);

/* A session; front ends treat it as opaque. */
#define MONITOR_LINE_MAX 4096
struct monitor_session {
	struct vm *vm;
	monitor_out_fn out;
	void *opaque;
	unsigned flags;
	bool quit;             /* `quit` ran here */
	bool refused;          /* a window console without monitor=1 */
	char line[MONITOR_LINE_MAX]; size_t len; bool overflow; bool last_cr;
	/* x / xp remember the last format and unit size, as QEMU does */
	char mem_fmt; unsigned mem_size;
	unsigned cpu;          /* `cpu N`: the vCPU info registers and x use */
	unsigned mouse_buttons; /* held by mouse_button, sent with mouse_move */
};

struct vm *monitor_vm(struct monitor_session *s);
void monitor_printf(struct monitor_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void monitor_vprintf(struct monitor_session *s, const char *fmt, va_list ap);
void monitor_write(struct monitor_session *s, const char *buf, size_t n);
/* Runs a listing that writes to a FILE * and prints what it wrote. */
void monitor_print_listing(struct monitor_session *s, void (*fn)(struct vm *, FILE *));
/* Prints the command's usage line: "usage: eject [-f] device". */
void monitor_usage(struct monitor_session *s, const struct monitor_cmd *c);
/* An expression argument (a number in C's notation, QEMU's error for
 * anything else) no larger than max: 0, or -1 with a message printed. */
int monitor_parse_num(struct monitor_session *s, const char *arg, uint64_t max, uint64_t *out);
/* Looks up a command or info item by name or alias; NULL if unknown. */
const struct monitor_cmd *monitor_find(const char *name, bool info);
/* Every command (or info item), sorted by name, into out; returns the count. */
size_t monitor_list(const struct monitor_cmd **out, size_t max, bool info);
/* Parse and run one line in s without printing a prompt afterwards. */
void monitor_run_line(struct monitor_session *s, const char *line);

/* `log` items (per VM): which monitor events go to the VM's log. */
#define MONITOR_LOG_CMD 1u     /* every command line typed in any session */
unsigned monitor_log_mask(struct vm *vm);
void monitor_set_log_mask(struct vm *vm, unsigned mask);

/* --- front ends (ui/monitor/frontend.c, socket.c, term_readline.c) ------ */

struct monitor_frontend {
	char desc[160];   /* for `info chardev`: "unix:/path,server=on", "stdio" */
	/* Stop its thread, close its fds and sessions, free it. */
	void (*stop)(struct monitor_frontend *fe);
};
/* A listening socket at path (mode 0600); NULL with a message in err. */
struct monitor_frontend *monitor_socket_open(struct vm *vm, const char *path,
					     char *err, size_t errlen);
/* The terminal: readline when stdin is a tty, plain lines otherwise. */
struct monitor_frontend *monitor_term_open(struct vm *vm, char *err, size_t errlen);
/* Calls fn for each open front end of vm (for `info chardev`). */
void monitor_for_each_frontend(struct vm *vm,
			       void (*fn)(void *opaque, unsigned idx, const char *desc),
			       void *opaque);

#endif
