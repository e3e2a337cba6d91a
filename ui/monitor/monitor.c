/*
 * The monitor's command table and line parser.
 *
 * Command groups (cmd_*.c) register their tables at start-up with
 * MONITOR_COMMANDS(); this file finds a command by name or alias, splits
 * the line into words the way QEMU's HMP does (blanks separate, double
 * quotes group, \n \r \\ \' \" escapes inside quotes), checks the argument
 * count and runs the handler. Errors read like QEMU's:
 *   unknown command: 'foo'
 *   unknown command: 'info foo'
 *   eject: extraneous characters at the end of line
 */
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/monitor/monitor.h"
#include "core/vm.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Every command group of ui/monitor/. */
extern const struct monitor_group monitor_group_core, monitor_group_vm,
	monitor_group_vm_info, monitor_group_block, monitor_group_block_info,
	monitor_group_cpu, monitor_group_cpu_info, monitor_group_machine_info,
	monitor_group_memory, monitor_group_ioport, monitor_group_input, monitor_group_input_info,
	monitor_group_audio, monitor_group_audio_info, monitor_group_screen,
	monitor_group_screen_info, monitor_group_irq_info, monitor_group_log,
	monitor_group_stats_info, monitor_group_joystick, monitor_group_joystick_info,
	monitor_group_net, monitor_group_net_info, monitor_group_netlink;
static const struct monitor_group *const builtin[] = {
	&monitor_group_core, &monitor_group_vm, &monitor_group_vm_info,
	&monitor_group_block, &monitor_group_block_info, &monitor_group_cpu,
	&monitor_group_cpu_info, &monitor_group_machine_info, &monitor_group_memory,
	&monitor_group_ioport, &monitor_group_input, &monitor_group_input_info,
	&monitor_group_audio, &monitor_group_audio_info, &monitor_group_screen,
	&monitor_group_screen_info, &monitor_group_irq_info, &monitor_group_log,
	&monitor_group_stats_info, &monitor_group_joystick, &monitor_group_joystick_info,
	&monitor_group_net, &monitor_group_net_info, &monitor_group_netlink,
};

#define MAX_TABLES 48

/* Built on first use; monitor_register runs from constructors before main(). */
static const struct monitor_group *tables[MAX_TABLES];
static unsigned n_tables;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static const struct monitor_group *extra[8];
static unsigned n_extra;

void monitor_register(const struct monitor_group *g)
{
	if (n_extra < ARRAY_LEN(extra))
		extra[n_extra++] = g;
}

static void build_tables(void)
{
	for (size_t i = 0; i < ARRAY_LEN(builtin) && n_tables < MAX_TABLES; i++)
		tables[n_tables++] = builtin[i];
	for (unsigned i = 0; i < n_extra && n_tables < MAX_TABLES; i++)
		tables[n_tables++] = extra[i];
}

static void init_tables(void)
{
	pthread_once(&tables_once, build_tables);
}

monitor_completer_fn monitor_completer(char letter)
{
	init_tables();
	for (unsigned t = 0; t < n_tables; t++)
		if (tables[t]->completer && tables[t]->complete_letter == letter)
			return tables[t]->completer;
	return NULL;
}

/* Does name match one of the '|'-separated names in names? */
static bool name_matches(const char *names, const char *name, size_t len)
{
	const char *p = names;
	while (*p) {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);
		if (l == len && !strncmp(p, name, len))
			return true;
		if (!bar)
			break;
		p = bar + 1;
	}
	return false;
}

static const struct monitor_cmd *find_len(const char *name, size_t len, bool info)
{
	init_tables();
	for (unsigned t = 0; t < n_tables; t++) {
		if (tables[t]->info != info)
			continue;
		for (size_t i = 0; i < tables[t]->n; i++)
			if (name_matches(tables[t]->cmds[i].name, name, len))
				return &tables[t]->cmds[i];
	}
	return NULL;
}

const struct monitor_cmd *monitor_find(const char *name, bool info)
{
	return find_len(name, strlen(name), info);
}

static int cmp_cmd(const void *a, const void *b)
{
	const struct monitor_cmd *x = *(const struct monitor_cmd *const *)a;
	const struct monitor_cmd *y = *(const struct monitor_cmd *const *)b;
	return strcmp(x->name, y->name);
}

/* Every command (or info item), sorted by name; returns the count. */
size_t monitor_list(const struct monitor_cmd **out, size_t max, bool info)
{
	size_t n = 0;
	init_tables();
	for (unsigned t = 0; t < n_tables; t++) {
		if (tables[t]->info != info)
			continue;
		for (size_t i = 0; i < tables[t]->n && n < max; i++)
			out[n++] = &tables[t]->cmds[i];
	}
	qsort(out, n, sizeof(*out), cmp_cmd);
	return n;
}

/*
 * Split line into words. Each word is copied into buf (NUL-separated);
 * the command name also ends at '/' so that "x/10i $pc" works. Returns the
 * word count, or -1 with a message in err (unterminated string, too many).
 */
static int split_words(const char *line, char *buf, size_t buflen, char **argv,
		       int max, char *err, size_t errlen)
{
	const char *p = line;
	char *q = buf, *end = buf + buflen - 1;
	int argc = 0;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (argc >= max) {
			snprintf(err, errlen, "too many arguments");
			return -1;
		}
		argv[argc] = q;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				char c = *p++;
				if (c == '\\') {
					c = *p++;
					switch (c) {
					case 'n': c = '\n'; break;
					case 'r': c = '\r'; break;
					case '\\': case '\'': case '"': break;
					default:
						snprintf(err, errlen, "unsupported escape code: '\\%c'",
							 c ? c : '0');
						return -1;
					}
				}
				if (q < end)
					*q++ = c;
			}
			if (*p != '"') {
				snprintf(err, errlen, "unterminated string");
				return -1;
			}
			p++;
		} else {
			while (*p && !isspace((unsigned char)*p)) {
				if (argc == 0 && *p == '/' && q != argv[0])
					break;   /* x/10x: the format is its own word */
				if (q < end)
					*q++ = *p;
				p++;
			}
		}
		if (q >= end) {
			snprintf(err, errlen, "line too long");
			return -1;
		}
		*q++ = '\0';
		argc++;
	}
	return argc;
}

int monitor_parse_num(struct monitor_session *s, const char *arg, uint64_t max, uint64_t *out)
{
	char *end;
	uint64_t v = strtoull(arg, &end, 0);
	if (*end || end == arg) {
		monitor_printf(s, "invalid char '%c' in expression\n", *end ? *end : ' ');
		return -1;
	}
	if (v > max) {
		monitor_printf(s, "%s: out of range (at most 0x%" PRIx64 ")\n", arg, max);
		return -1;
	}
	*out = v;
	return 0;
}

void monitor_usage(struct monitor_session *s, const struct monitor_cmd *c)
{
	bool info = false;
	for (unsigned t = 0; t < n_tables; t++)
		if (c >= tables[t]->cmds && c < tables[t]->cmds + tables[t]->n)
			info = tables[t]->info;
	const char *bar = strchr(c->name, '|');
	int len = bar ? (int)(bar - c->name) : (int)strlen(c->name);
	monitor_printf(s, "usage: %s%.*s%s%s\n", info ? "info " : "", len, c->name,
		       c->params[0] ? " " : "", c->params);
}

static void help_one(struct monitor_session *s, const struct monitor_cmd *c, bool info)
{
	/* QEMU's layout: "name params -- help", two blanks when no params */
	monitor_printf(s, "%s%s %s -- %s\n", info ? "info " : "", c->name, c->params, c->help);
}

static void help_all(struct monitor_session *s, bool info)
{
	const struct monitor_cmd *list[256];
	size_t n = monitor_list(list, 256, info);
	for (size_t i = 0; i < n; i++)
		help_one(s, list[i], info);
}

/* help [cmd] / help info [item] */
static void do_help(struct monitor_session *s, struct monitor_args *a)
{
	if (a->argc < 2) {
		help_all(s, false);
		return;
	}
	const char *name = a->argv[1];
	const struct monitor_cmd *c = monitor_find(name, false);
	if (c && !strcmp(name, "info") && a->argc > 2) {
		const struct monitor_cmd *ic = monitor_find(a->argv[2], true);
		if (!ic) {
			monitor_printf(s, "unknown command: 'info %s'\n", a->argv[2]);
			return;
		}
		help_one(s, ic, true);
		return;
	}
	if (!c) {
		monitor_printf(s, "unknown command: '%s'\n", name);
		return;
	}
	if (!strcmp(name, "info")) {
		help_all(s, true);
		return;
	}
	help_one(s, c, false);
	if (!strcmp(name, "log"))
		monitor_run_line(s, "log ?");
}

static void do_info(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	help_all(s, true); /* bare `info`: what can be shown */
}

void monitor_run_line(struct monitor_session *s, const char *line)
{
	char buf[4096], err[128];
	struct monitor_args a = { 0 };

	a.argc = split_words(line, buf, sizeof(buf), a.argv, MONITOR_MAX_ARGS, err,
			     sizeof(err));
	if (a.argc < 0) {
		monitor_printf(s, "%s\n", err);
		return;
	}
	if (a.argc == 0)
		return;
	if (s->vm && (monitor_log_mask(s->vm) & MONITOR_LOG_CMD))
		vm_log(s->vm, "monitor: %s", line);

	bool info = false;
	const struct monitor_cmd *c = monitor_find(a.argv[0], false);
	if (!c) {
		monitor_printf(s, "unknown command: '%s'\n", a.argv[0]);
		return;
	}
	if (!strcmp(a.argv[0], "info") && a.argc > 1) {
		const struct monitor_cmd *ic = monitor_find(a.argv[1], true);
		if (!ic) {
			monitor_printf(s, "unknown command: 'info %s'\n", a.argv[1]);
			return;
		}
		c = ic;
		info = true;
		for (int i = 1; i < a.argc; i++)
			a.argv[i - 1] = a.argv[i];
		a.argc--;
	}
	a.cmd = c;

	int nargs = a.argc - 1;
	if (nargs < c->min_args) {
		monitor_printf(s, "%s%s: missing argument\n", info ? "info " : "", a.argv[0]);
		monitor_usage(s, c);
		return;
	}
	if (c->max_args >= 0 && nargs > c->max_args) {
		monitor_printf(s, "%s%s: extraneous characters at the end of line\n",
			       info ? "info " : "", a.argv[0]);
		monitor_usage(s, c);
		return;
	}
	c->run(s, &a);
}

static const struct monitor_cmd core_cmds[] = {
	{ "help|?", "[cmd]", "show the help", "c", 0, 2, do_help },
	{ "info", "[subcommand]", "show various information about the system state",
	  "i", 0, 0, do_info },
};
MONITOR_COMMANDS(core, core_cmds, false);
