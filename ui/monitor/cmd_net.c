/*
 * Network commands, in QEMU's HMP forms: info network, info usernet,
 * hostfwd_add [netdev] [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport,
 * hostfwd_remove [netdev] [tcp|udp]:[hostaddr]:hostport. netdev is "user.N"
 * ("tap.N" for a card on a TAP, which has no forwards; or the card's name,
 * its vifname, or N); without it, the first card.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ui/monitor/monitor.h"
#include "core/net.h"
#include "core/vm.h"

static void info_network(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	monitor_print_listing(s, net_info);
}

static void info_usernet(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	monitor_print_listing(s, net_info_usernet);
}

static void do_hostfwd(struct monitor_session *s, struct monitor_args *a, bool remove)
{
	const char *netdev = a->argc > 2 ? a->argv[1] : NULL;
	const char *rule = a->argv[a->argc - 1];
	char err[256];
	int rc = remove ? net_hostfwd_remove(monitor_vm(s), netdev, rule, err, sizeof(err)) :
			  net_hostfwd_add(monitor_vm(s), netdev, rule, err, sizeof(err));
	if (rc < 0)
		monitor_printf(s, "%s\n", err);
}

static void do_hostfwd_add(struct monitor_session *s, struct monitor_args *a)
{
	do_hostfwd(s, a, false);
}

static void do_hostfwd_remove(struct monitor_session *s, struct monitor_args *a)
{
	do_hostfwd(s, a, true);
}

/* "user.0", "user.1" ... for the first argument: the cards on NAT. */
static void complete_netdev(struct vm *vm, const char *prefix, struct monitor_cands *c)
{
	(void)prefix;
	for (unsigned i = 0; vm && i < vm->n_netports; i++) {
		if (!netport_on_nat(vm->netports[i]))
			continue;
		char name[16];
		snprintf(name, sizeof(name), "user.%u", i);
		monitor_cands_add(c, name);
	}
}

static const struct monitor_cmd net_cmds[] = {
	{ "hostfwd_add", "[netdev_id] [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport",
	  "redirect TCP or UDP connections from host to guest (hostaddr defaults to 127.0.0.1)",
	  "n-", 1, 2, do_hostfwd_add },
	{ "hostfwd_remove", "[netdev_id] [tcp|udp]:[hostaddr]:hostport",
	  "remove host-to-guest TCP or UDP redirection", "n-", 1, 2, do_hostfwd_remove },
};
MONITOR_COMMANDS_COMPLETER(net, net_cmds, false, 'n', complete_netdev);

static const struct monitor_cmd net_info_cmds[] = {
	{ "network", "", "show the network state", "", 0, 0, info_network },
	{ "usernet", "", "show user network stack connection states", "", 0, 0, info_usernet },
};
MONITOR_COMMANDS(net_info, net_info_cmds, true);
