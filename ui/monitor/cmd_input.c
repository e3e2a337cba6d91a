/*
 * Keyboard and mouse from the monitor: sendkey, mouse_move, mouse_button,
 * info mice, info usb.
 *
 * sendkey takes QEMU's QKeyCode names joined by '-' ("ctrl-alt-delete"),
 * or raw QEMU key numbers ("#0x1c", "0x1c"). The keys go down in the order
 * written, stay held for hold_ms (default 100, as QEMU) and come up in
 * reverse order. The hold is slept on the calling front end's thread, never
 * on a vCPU or the VM's io thread, and is bounded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/host/input.h"
#include "ui/monitor/monitor.h"
#include "core/vm.h"

#define SENDKEY_MAX_KEYS 16
#define SENDKEY_MAX_HOLD_MS 10000

/* One key name or number -> PC keycode; 0 if unknown. */
static unsigned parse_key(const char *name)
{
	int k = input_key_from_name(name);
	if (k > 0)
		return (unsigned)k;
	const char *num = name[0] == '#' ? name + 1 : name;
	if (num[0] == '0' && (num[1] == 'x' || num[1] == 'X')) {
		char *end;
		errno = 0;
		unsigned long q = strtoul(num, &end, 16);
		if (!*end && !errno && q < 0x100)
			return input_key_from_qnum((unsigned)q);
	}
	return 0;
}

static void do_sendkey(struct monitor_session *s, struct monitor_args *a)
{
	unsigned keys[SENDKEY_MAX_KEYS];
	unsigned n = 0;
	long hold = 100;

	if (a->argc > 2) {
		char *end;
		errno = 0;
		hold = strtol(a->argv[2], &end, 0);
		if (*end || end == a->argv[2] || errno || hold < 0 || hold > SENDKEY_MAX_HOLD_MS) {
			monitor_printf(s, "sendkey: hold_ms must be 0..%d\n", SENDKEY_MAX_HOLD_MS);
			return;
		}
	}
	char *copy = strdup(a->argv[1]), *save = NULL;
	if (!copy)
		return;
	/* "-" alone or a trailing '-' leaves an empty name: QEMU rejects it too */
	const char *p = a->argv[1];
	if (!*p || p[0] == '-' || p[strlen(p) - 1] == '-' || strstr(p, "--")) {
		monitor_printf(s, "invalid parameter: %s\n", p);
		free(copy);
		return;
	}
	for (char *tok = strtok_r(copy, "-", &save); tok; tok = strtok_r(NULL, "-", &save)) {
		unsigned k = parse_key(tok);
		if (!k) {
			monitor_printf(s, "invalid parameter: %s\n", tok);
			free(copy);
			return;
		}
		if (n == SENDKEY_MAX_KEYS) {
			monitor_printf(s, "too many keys\n");
			free(copy);
			return;
		}
		keys[n++] = k;
	}
	free(copy);

	struct vm *vm = monitor_vm(s);
	for (unsigned i = 0; i < n; i++)
		input_key(vm, keys[i], true);
	struct timespec ts = { hold / 1000, (hold % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	for (unsigned i = n; i-- > 0;)
		input_key(vm, keys[i], false);
}

static bool parse_int(const char *str, long *v)
{
	char *end;
	errno = 0;
	*v = strtol(str, &end, 0);
	return *str && !*end && !errno && *v > -100000 && *v < 100000;
}

static void do_mouse_move(struct monitor_session *s, struct monitor_args *a)
{
	long dx, dy, dz = 0;
	if (!parse_int(a->argv[1], &dx) || !parse_int(a->argv[2], &dy) ||
	    (a->argc > 3 && !parse_int(a->argv[3], &dz))) {
		monitor_printf(s, "mouse_move: integers expected\n");
		monitor_usage(s, a->cmd);
		return;
	}
	input_pointer_rel(monitor_vm(s), (int)dx, (int)dy, (int)dz, s->mouse_buttons);
}

static void do_mouse_button(struct monitor_session *s, struct monitor_args *a)
{
	long st;
	if (!parse_int(a->argv[1], &st) || st < 0 || st > 31) {
		monitor_printf(s, "mouse_button: state 0..31 expected (1 left, 2 right, 4 middle)\n");
		return;
	}
	s->mouse_buttons = (unsigned)st;
	input_pointer_rel(monitor_vm(s), 0, 0, 0, s->mouse_buttons);
}

static void info_mice(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	monitor_print_listing(s, input_info_mice);
}

static void info_usb(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	monitor_print_listing(s, input_info_usb);
}

/* Completion of "ctrl-al" -> "ctrl-alt": the last name after '-'. */
static void complete_keys(struct vm *vm, const char *prefix, struct monitor_cands *c)
{
	(void)vm;
	const char *dash = strrchr(prefix, '-');
	int head = dash ? (int)(dash - prefix) + 1 : 0;
	char buf[128];
	static const unsigned ranges[][2] = {
		{ 1, 0x80 }, { INPUT_KEY_E0 + 1, INPUT_KEY_E0 + 0x80 },
		{ INPUT_KEY_PAUSE, INPUT_KEY_PAUSE + 1 } };
	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		for (unsigned k = ranges[r][0]; k < ranges[r][1]; k++) {
			const char *name = input_key_name(k);
			if (name && head < 100) {
				snprintf(buf, sizeof(buf), "%.*s%s", head, prefix, name);
				monitor_cands_add(c, buf);
			}
		}
	}
}

static const struct monitor_cmd input_cmds[] = {
	{ "sendkey", "keys [hold_ms]",
	  "send keys to the VM (e.g. 'sendkey ctrl-alt-f1', default hold time=100 ms)",
	  "k", 1, 2, do_sendkey },
	{ "mouse_move", "dx dy [dz]", "send mouse move events", "", 2, 3, do_mouse_move },
	{ "mouse_button", "state", "change mouse button state (1=L, 2=R, 4=M)", "", 1, 1,
	  do_mouse_button },
};
MONITOR_COMMANDS_COMPLETER(input, input_cmds, false, 'k', complete_keys);

static const struct monitor_cmd input_info[] = {
	{ "mice", "", "show which guest mouse is receiving events", "", 0, 0, info_mice },
	{ "usb", "", "show guest USB devices", "", 0, 0, info_usb },
};
MONITOR_COMMANDS(input_info, input_info, true);
