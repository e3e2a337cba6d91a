/*
 * Joysticks from the monitor: `info joysticks` (each game-port joystick's
 * map, what feeds it and its live axes and buttons; the controllers found)
 * and `joystick_map PORT SOURCE` (A or B <- auto, none, keyboard, padN,
 * padN.left, padN.right).
 *
 * With VMST_TEST_JOYSTICK=1 in the environment (a test aid, never shown
 * otherwise) `joystick_virtual` drives an SDL virtual game controller:
 * attach, detach, axis N VALUE, button N 0|1. It is queued for the SDL
 * thread; `info joysticks` shows when it has taken effect.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/joystick.h"
#include "ui/monitor/monitor.h"
#include "core/vm.h"

static struct joy_hub *hub_or_say(struct monitor_session *s)
{
	struct joy_hub *h = joy_hub_of(monitor_vm(s));
	if (!h)
		monitor_printf(s, "this VM has no game port (soundhw='sb16' or gameport=1 adds one)\n");
	return h;
}

static void info_joysticks(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	struct joy_hub *h = hub_or_say(s);
	if (!h)
		return;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	joy_hub_info(h, f);
	fclose(f);
	monitor_write(s, buf, len);
	free(buf);
}

/* joystick_map [PORT [SOURCE]] */
static void do_map(struct monitor_session *s, struct monitor_args *a)
{
	struct joy_hub *h = hub_or_say(s);
	if (!h)
		return;
	int from = 0, to = 1;
	if (a->argc > 1) {
		int p = joy_port_parse(a->argv[1]);
		if (p < 0) {
			monitor_printf(s, "joystick_map: port is A or B\n");
			return;
		}
		from = to = p;
	}
	if (a->argc > 2) {
		struct joy_source src;
		if (joy_source_parse(a->argv[2], &src) < 0) {
			monitor_printf(s, "joystick_map: source is auto, none, keyboard, padN, "
				       "padN.left or padN.right\n");
			return;
		}
		joy_hub_set_map(h, (unsigned)from, &src);
	}
	for (int p = from; p <= to; p++) {
		char buf[32];
		struct joy_source src = joy_hub_map(h, (unsigned)p);
		joy_source_format(&src, buf, sizeof(buf));
		monitor_printf(s, "joystick %c: %s\n", 'A' + p, buf);
	}
}

static void complete_sources(struct vm *vm, const char *prefix, struct monitor_cands *c)
{
	(void)vm; (void)prefix;
	static const char *const fixed[] = { "auto", "none", "keyboard" };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		monitor_cands_add(c, fixed[i]);
	char buf[16];
	for (unsigned p = 0; p < 4; p++) {
		static const char *const sfx[] = { "", ".left", ".right" };
		for (unsigned k = 0; k < 3; k++) {
			snprintf(buf, sizeof(buf), "pad%u%s", p, sfx[k]);
			monitor_cands_add(c, buf);
		}
	}
}

static void complete_ports(struct vm *vm, const char *prefix, struct monitor_cands *c)
{
	(void)vm; (void)prefix;
	monitor_cands_add(c, "A");
	monitor_cands_add(c, "B");
}

static const struct monitor_cmd joystick_cmds[] = {
	{ "joystick_map", "[A|B [auto|none|keyboard|padN[.left|.right]]]",
	  "show or choose what feeds game-port joystick A or B", "PJ", 0, 2, do_map },
};
MONITOR_COMMANDS_COMPLETER(joystick, joystick_cmds, false, 'J', complete_sources);

static const struct monitor_cmd joystick_info[] = {
	{ "joysticks", "", "show the game port's joysticks: source, axes, buttons", "", 0, 0,
	  info_joysticks },
};
MONITOR_COMMANDS_COMPLETER(joystick_info, joystick_info, true, 'P', complete_ports);

/* ---- test aid: joystick_virtual (VMST_TEST_JOYSTICK=1) -------------------- */

static bool number(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (*end || end == s || errno || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static void do_virtual(struct monitor_session *s, struct monitor_args *a)
{
	struct joy_hub *h = hub_or_say(s);
	if (!h)
		return;
	const char *op = a->argv[1];
	long n, v;
	bool ok;
	if (!strcmp(op, "attach") || !strcmp(op, "detach"))
		ok = a->argc == 2;
	else if (!strcmp(op, "axis"))
		ok = a->argc == 4 && number(a->argv[2], 0, 5, &n) &&
		     number(a->argv[3], -32768, 32767, &v);
	else if (!strcmp(op, "button"))
		ok = a->argc == 4 && number(a->argv[2], 0, 14, &n) && number(a->argv[3], 0, 1, &v);
	else
		ok = false;
	if (!ok) {
		monitor_usage(s, a->cmd);
		return;
	}
	char line[64];
	if (a->argc == 4)
		snprintf(line, sizeof(line), "%s %ld %ld", op, n, v);
	else
		snprintf(line, sizeof(line), "%s", op);
	if (joy_hub_virtual_push(h, line) < 0)
		monitor_printf(s, "joystick_virtual: queue full\n");
	else
		monitor_printf(s, "queued: %s\n", line);
}

static const struct monitor_cmd virtual_cmds[] = {
	{ "joystick_virtual", "attach|detach|axis N VALUE|button N 0|1",
	  "test aid: drive an SDL virtual game controller", "", 1, 3, do_virtual },
};
static const struct monitor_group virtual_group = { virtual_cmds, 1, false, 0, NULL };

__attribute__((constructor)) static void virtual_register(void)
{
	const char *e = getenv("VMST_TEST_JOYSTICK");
	if (e && !strcmp(e, "1"))
		monitor_register(&virtual_group);
}
