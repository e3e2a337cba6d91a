/*
 * Removable media: eject, change, info block.
 *
 * Devices are named as in QEMU (ide0-hd0, ide1-cd0, floppy0) or by their
 * config name (hda, hdc, fda); vm_find_block accepts both. Output and error
 * texts follow QEMU's block-hmp-cmds.c (see RESEARCH.md 4.2). On any error
 * the current medium stays: block_change only swaps once the new image is
 * open.
 */
#include <stdio.h>
#include <string.h>

#include "core/block.h"
#include "ui/monitor/monitor.h"
#include "core/vm.h"

static struct blockdev *find_dev(struct monitor_session *s, const char *name)
{
	struct blockdev *bd = vm_find_block(monitor_vm(s), name);
	if (!bd)
		monitor_printf(s, "Device '%s' not found\n", name);
	return bd;
}

/* A device whose medium can change (eject, change), or NULL after saying why not. */
static struct blockdev *find_removable(struct monitor_session *s, const char *name)
{
	struct blockdev *bd = find_dev(s, name);
	if (bd && !bd->removable) {
		monitor_printf(s, "Device '%s' is not removable\n", name);
		return NULL;
	}
	return bd;
}

static void print_one(struct monitor_session *s, struct blockdev *bd)
{
	pthread_mutex_lock(&bd->lock);
	if (bd->path && block_attached_locked(bd))
		monitor_printf(s, "%s: %s (%s%s)\n", bd->qname, bd->path, bd->qcow ? "qcow2" : "raw",
			       bd->readonly ? ", read-only" : "");
	else
		monitor_printf(s, "%s: [not inserted]\n", bd->qname);
	monitor_printf(s, "    Attached to:      %s\n", bd->cname);
	if (bd->removable)
		monitor_printf(s, "    Removable device: %slocked, tray %s\n",
			       bd->locked ? "" : "not ", bd->tray_open ? "open" : "closed");
	if (bd->path && block_attached_locked(bd))
		monitor_printf(s, "    Cache mode:       writeback\n");
	pthread_mutex_unlock(&bd->lock);
}

/* info block [-n] [-v] [device] */
static void info_block(struct monitor_session *s, struct monitor_args *a)
{
	struct vm *vm = monitor_vm(s);
	const char *only = NULL;
	for (int i = 1; i < a->argc; i++) {
		if (!strcmp(a->argv[i], "-n") || !strcmp(a->argv[i], "-v"))
			continue;     /* no named nodes, no extra detail to show */
		if (a->argv[i][0] == '-') {
			monitor_printf(s, "info block: unsupported option %s\n", a->argv[i]);
			monitor_usage(s, a->cmd);
			return;
		}
		only = a->argv[i];
	}
	if (only) {
		struct blockdev *bd = find_dev(s, only);
		if (bd)
			print_one(s, bd);
		return;
	}
	for (unsigned i = 0; i < vm->n_blocks && i < VM_MAX_BLOCK; i++) {
		if (i)
			monitor_printf(s, "\n");
		print_one(s, vm->blocks[i]);
	}
}

/* eject [-f] device */
static void do_eject(struct monitor_session *s, struct monitor_args *a)
{
	bool force = false;
	const char *dev = NULL;
	for (int i = 1; i < a->argc; i++) {
		if (!strcmp(a->argv[i], "-f")) {
			force = true;
		} else if (a->argv[i][0] == '-') {
			monitor_printf(s, "eject: unsupported option %s\n", a->argv[i]);
			monitor_usage(s, a->cmd);
			return;
		} else if (!dev) {
			dev = a->argv[i];
		} else {
			monitor_printf(s, "eject: extraneous characters at the end of line\n");
			monitor_usage(s, a->cmd);
			return;
		}
	}
	if (!dev) {
		monitor_printf(s, "eject: block device name expected\n");
		monitor_usage(s, a->cmd);
		return;
	}
	struct blockdev *bd = find_removable(s, dev);
	if (!bd)
		return;
	char err[256] = "";
	if (block_eject(bd, force, err, sizeof(err)) < 0)
		monitor_printf(s, "%s\n", err[0] ? err : "eject failed");
}

/* change device [-f] filename [format [read-only-mode]] */
static void do_change(struct monitor_session *s, struct monitor_args *a)
{
	const char *pos[4];
	int npos = 0;
	for (int i = 1; i < a->argc; i++) {
		if (!strcmp(a->argv[i], "-f"))
			continue;   /* block_change always forces the old medium out */
		if (npos == 4) {
			monitor_printf(s, "change: extraneous characters at the end of line\n");
			monitor_usage(s, a->cmd);
			return;
		}
		pos[npos++] = a->argv[i];
	}
	if (npos < 2) {
		monitor_printf(s, "change: %s expected\n", npos ? "filename" : "block device name");
		monitor_usage(s, a->cmd);
		return;
	}
	const char *dev = pos[0], *file = pos[1];
	const char *fmt = npos > 2 ? pos[2] : NULL;
	const char *mode = npos > 3 ? pos[3] : NULL;
	/* `change hdc B.iso read-only`: the mode without a format */
	if (fmt && (!strcmp(fmt, "retain") || !strcmp(fmt, "read-only") ||
		    !strcmp(fmt, "read-write")) && !mode) {
		mode = fmt;
		fmt = NULL;
	}
	if (fmt && strcmp(fmt, "raw") && strcmp(fmt, "qcow2")) {
		monitor_printf(s, "Unknown driver '%s' (raw or qcow2)\n", fmt);
		return;
	}
	struct blockdev *bd = find_removable(s, dev);
	if (!bd)
		return;
	pthread_mutex_lock(&bd->lock);
	bool ro = bd->readonly;
	pthread_mutex_unlock(&bd->lock);
	if (bd->kind == BLK_CDROM)
		ro = true;
	if (mode) {
		if (!strcmp(mode, "read-only")) {
			ro = true;
		} else if (!strcmp(mode, "read-write")) {
			if (bd->kind == BLK_CDROM) {
				monitor_printf(s, "Device '%s' is read-only\n", dev);
				return;
			}
			ro = false;
		} else if (strcmp(mode, "retain")) {
			monitor_printf(s, "Parameter 'read-only-mode' does not accept value '%s'\n",
				       mode);
			return;
		}
	}
	char err[512] = "";
	if (block_change_fmt(bd, file, ro, fmt, err, sizeof(err)) < 0)
		monitor_printf(s, "%s\n", err[0] ? err : "change failed");
}

static const struct monitor_cmd block_cmds[] = {
	{ "eject", "[-f] device", "eject a removable medium (use -f to force it)",
	  "d", 1, 2, do_eject },
	{ "change", "device [-f] filename [format [read-only-mode]]",
	  "change a removable medium; read-only-mode is retain, read-only or read-write",
	  "dffff", 2, 5, do_change },
};
MONITOR_COMMANDS(block, block_cmds, false);

static const struct monitor_cmd block_info[] = {
	{ "block", "[-n] [-v] [device]", "show info of one block device or all block devices",
	  "d", 0, 3, info_block },
};
MONITOR_COMMANDS(block_info, block_info, true);
