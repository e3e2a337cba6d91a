/*
 * The cable and the capture of a network card from the monitor:
 *   set_link NAME on|off       QEMU's HMP form; NAME as info network names
 *                              the card ("rtl8139.0"), its vif index, "user.N"
 *                              or its vifname
 *   netcap_start NAME FILE     its frames, both ways, to FILE in the classic
 *                              pcap format (Wireshark, tcpdump -r); FILE is
 *                              written over, mode 0600 (QEMU has no HMP
 *                              command for this: its -object filter-dump)
 *   netcap_stop NAME
 */
#include <stdio.h>

#include "ui/monitor/monitor.h"
#include "core/net.h"
#include "core/vm.h"

static void do_set_link(struct monitor_session *s, struct monitor_args *a)
{
	char err[256];
	if (net_set_link(monitor_vm(s), a->argv[1], a->argv[2], err, sizeof(err)) < 0)
		monitor_printf(s, "set_link: %s\n", err);
}

static void do_netcap_start(struct monitor_session *s, struct monitor_args *a)
{
	char err[256];
	if (net_capture_start(monitor_vm(s), a->argv[1], a->argv[2], err, sizeof(err)) < 0)
		monitor_printf(s, "netcap_start: %s\n", err);
}

static void do_netcap_stop(struct monitor_session *s, struct monitor_args *a)
{
	char err[256];
	if (net_capture_stop(monitor_vm(s), a->argv[1], err, sizeof(err)) < 0)
		monitor_printf(s, "netcap_stop: %s\n", err);
}

/* The cards' names, as info network shows them. */
static void complete_card(struct vm *vm, const char *prefix, struct monitor_cands *c)
{
	(void)prefix;
	struct net_view v[8];
	unsigned n = vm ? net_views(vm, v, 8) : 0;
	for (unsigned i = 0; i < n; i++)
		monitor_cands_add(c, v[i].name);
}

static const struct monitor_cmd netlink_cmds[] = {
	{ "set_link", "name on|off", "change the link status of a network adapter "
	  "(name: as info network shows it, e.g. rtl8139.0)", "Lo", 2, 2, do_set_link },
	{ "netcap_start", "name filename", "capture a network adapter's frames, both ways, to a "
	  "pcap file (Wireshark, tcpdump -r; written over, mode 0600)", "Lf", 2, 2,
	  do_netcap_start },
	{ "netcap_stop", "name", "stop the capture of a network adapter and close its file", "L",
	  1, 1, do_netcap_stop },
};
MONITOR_COMMANDS_COMPLETER(netlink, netlink_cmds, false, 'L', complete_card);
