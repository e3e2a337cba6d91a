/*
 * The screen from the monitor: screendump, info vnc.
 *
 * screendump FILE [-f ppm|png|txt]: txt writes the characters of a text-mode
 * screen as UTF-8 (for scripts and screen readers). Without -f the format
 * follows the file name's extension (.png, .txt), else PPM as in QEMU.
 */
#include <stdio.h>
#include <string.h>

#include "core/host/display.h"
#include "ui/monitor/monitor.h"
#include "ui/vm_frontends.h"
#include "core/vm.h"
#include "ui/vnc_server.h"

static void do_screendump(struct monitor_session *s, struct monitor_args *a)
{
	const char *file = NULL, *fmt = NULL;
	for (int i = 1; i < a->argc; i++) {
		if (!strcmp(a->argv[i], "-f")) {
			if (i + 1 >= a->argc) {
				monitor_printf(s, "screendump: value expected for -f\n");
				monitor_usage(s, a->cmd);
				return;
			}
			fmt = a->argv[++i];
		} else if (a->argv[i][0] == '-' && a->argv[i][1]) {
			monitor_printf(s, "screendump: unsupported option %s\n", a->argv[i]);
			monitor_usage(s, a->cmd);
			return;
		} else if (!file) {
			file = a->argv[i];
		}
		/* further words: QEMU's [device [head]]; there is one display */
	}
	if (!file) {
		monitor_printf(s, "screendump: filename expected\n");
		monitor_usage(s, a->cmd);
		return;
	}
	struct display *d = monitor_vm(s)->display;
	if (!d) {
		monitor_printf(s, "no display device (vga='none')\n");
		return;
	}
	char err[256] = "";
	if (display_screendump(d, file, fmt, err, sizeof(err)) < 0)
		monitor_printf(s, "%s\n", err[0] ? err : "screendump failed");
}

static void info_vnc(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	struct vm *vm = monitor_vm(s);
	struct vnc_server *v = vnc_of(vm);
	const struct vm_config *c = vm->cfg;
	if (!v) {
		monitor_printf(s, "default:\n  Server: disabled\n");
		return;
	}
	monitor_printf(s, "default:\n");
	monitor_printf(s, "  Server: %s:%d (ipv4)\n",
		       vmconfig_vnc_listen(c),
		       vnc_server_port(v));
	monitor_printf(s, "    Auth: %s (Sub: none)\n",
		       c && c->vncpasswd && *c->vncpasswd ? "vnc" : "none");
	monitor_printf(s, "  Clients: %d\n", vnc_server_clients(v));
}

static const struct monitor_cmd screen_cmds[] = {
	{ "screendump", "filename [-f format]",
	  "save screen to a file: format ppm (default), png, or txt (the text-mode "
	  "characters as UTF-8)", "f", 1, 5, do_screendump },
};
MONITOR_COMMANDS(screen, screen_cmds, false);

static const struct monitor_cmd screen_info[] = {
	{ "vnc", "", "show the vnc server status", "", 0, 0, info_vnc },
};
MONITOR_COMMANDS(screen_info, screen_info, true);
