/*
 * log ITEM[,ITEM...] / log none: which monitor events go to the VM's log
 * (<log_dir>/vmstation.log); `log ?` and `help log` list the items.
 * Items: cmd (every command line typed in any session, e.g. to audit who
 * swapped media through a shared VNC console).
 *
 * info stats (our own): exit counters of the VM and of each vCPU, and the
 * bytes moved by the disks, as the panel shows them.
 */
#include <stdio.h>
#include <string.h>

#include "core/block.h"
#include "ui/monitor/monitor.h"
#include "core/vcpu.h"
#include "core/vm.h"

static const struct { const char *name; unsigned mask; const char *help; } items[] = {
	{ "cmd", MONITOR_LOG_CMD, "every monitor command line (all sessions)" },
};

static void list_items(struct monitor_session *s)
{
	monitor_printf(s, "Log items (comma separated):\n");
	monitor_printf(s, "%-10s %s\n", "none", "remove all logs");
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		monitor_printf(s, "%-10s %s\n", items[i].name, items[i].help);
}

static void do_log(struct monitor_session *s, struct monitor_args *a)
{
	const char *arg = a->argv[1];
	if (!strcmp(arg, "?") || !strcmp(arg, "help")) {
		list_items(s);
		return;
	}
	if (!strcmp(arg, "none")) {
		monitor_set_log_mask(monitor_vm(s), 0);
		return;
	}
	unsigned mask = 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
			if (!strcmp(tok, items[i].name))
				break;
		if (i == sizeof(items) / sizeof(items[0])) {
			monitor_printf(s, "Invalid log item '%s'\n", tok);
			list_items(s);
			return;
		}
		mask |= items[i].mask;
	}
	monitor_set_log_mask(monitor_vm(s), mask);
}

static const struct monitor_cmd log_cmds[] = {
	{ "log", "item1[,...]", "activate logging of the specified items to the VM log "
	  "(log ? lists them)", "", 1, 1, do_log },
};
MONITOR_COMMANDS(log, log_cmds, false);

static void info_stats(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	struct vm *vm = monitor_vm(s);
	uint64_t exits = 0, pio = 0, mmio = 0, halts = 0;
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		const struct vcpu *v = vm->vcpus[i];
		if (v) {
			exits += v->exits;
			pio += v->pio_exits;
			mmio += v->mmio_exits;
			halts += v->halts;
		}
	}
	monitor_printf(s, "exits %llu (pio %llu, mmio %llu, hlt %llu)\n",
		       (unsigned long long)exits, (unsigned long long)pio,
		       (unsigned long long)mmio, (unsigned long long)halts);
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		const struct vcpu *v = vm->vcpus[i];
		if (v)
			monitor_printf(s, "  CPU #%u: exits %llu (pio %llu, mmio %llu, hlt %llu)\n", i,
				       (unsigned long long)v->exits, (unsigned long long)v->pio_exits,
				       (unsigned long long)v->mmio_exits, (unsigned long long)v->halts);
	}
	for (unsigned i = 0; i < vm->n_blocks && i < VM_MAX_BLOCK; i++) {
		struct blockdev *bd = vm->blocks[i];
		monitor_printf(s, "%s: rd_bytes=%llu wr_bytes=%llu rd_operations=%llu "
			       "wr_operations=%llu flush_operations=%llu\n", bd->qname,
			       (unsigned long long)bd->rd_bytes, (unsigned long long)bd->wr_bytes,
			       (unsigned long long)bd->rd_ops, (unsigned long long)bd->wr_ops,
			       (unsigned long long)bd->flush_ops);
	}
}

static const struct monitor_cmd stats_info[] = {
	{ "stats", "", "show exit counters and disk I/O counters", "", 0, 0, info_stats },
};
MONITOR_COMMANDS(stats_info, stats_info, true);
