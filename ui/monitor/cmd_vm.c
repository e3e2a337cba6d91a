/*
 * Run-state commands: stop, cont, system_reset, system_powerdown, quit,
 * and the info items status, name, version.
 *
 * Everything goes through the VM's request functions (core/vm.h), which are
 * safe while the vCPUs run: vm_pause returns only once every vCPU is parked,
 * so `stop` replies after the guest has really stopped.
 */
#include <string.h>

#include "ui/monitor/monitor.h"
#include "core/vm.h"

static void do_stop(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	struct vm *vm = monitor_vm(s);
	if (vm_get_state(vm) == VM_RUNNING)
		vm_pause(vm);
}

static void do_cont(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	struct vm *vm = monitor_vm(s);
	switch (vm_get_state(vm)) {
	case VM_STOPPED:
	case VM_CRASHED:
		/* QEMU's answer when the guest has shut down or died */
		monitor_printf(s, "Resetting the Virtual Machine is required\n");
		break;
	case VM_PAUSED:
		vm_resume(vm);
		break;
	default:
		break;
	}
}

static void do_system_reset(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	vm_request_reset(monitor_vm(s));
}

static void do_system_powerdown(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	struct vm *vm = monitor_vm(s);
	if (!vm->powerdown) {
		monitor_printf(s, "system_powerdown: this VM has no ACPI power button (acpi=0)\n");
		return;
	}
	vm->powerdown(vm);
}

static void do_quit(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	s->quit = true;
	vm_request_quit(monitor_vm(s));
}

/* `info status`: the strings of QEMU's runstate names. */
static void info_status(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	const char *st;
	switch (vm_get_state(monitor_vm(s))) {
	case VM_RUNNING: st = "running"; break;
	case VM_PAUSED:  st = "paused"; break;
	case VM_CREATED: st = "paused (prelaunch)"; break;
	case VM_STOPPED: st = "paused (shutdown)"; break;
	case VM_CRASHED: st = "paused (internal-error)"; break;
	default:         st = "paused"; break;
	}
	monitor_printf(s, "VM status: %s\n", st);
}

static void info_name(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	struct vm *vm = monitor_vm(s);
	const char *name = vm->name ? vm->name : (vm->cfg ? vm->cfg->name : NULL);
	if (name && *name)
		monitor_printf(s, "%s\n", name);
}

static void info_version(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	/* the banner is "vmstation X.Y monitor - ...": print X.Y */
	const char *b = monitor_banner() + strlen("vmstation ");
	const char *sp = strchr(b, ' ');
	monitor_printf(s, "%.*s (vmstation)\n", sp ? (int)(sp - b) : (int)strlen(b), b);
}

static const struct monitor_cmd vm_cmds[] = {
	{ "stop|s", "", "stop emulation", "", 0, 0, do_stop },
	{ "cont|c", "", "resume emulation", "", 0, 0, do_cont },
	{ "system_reset", "", "reset the system", "", 0, 0, do_system_reset },
	{ "system_powerdown", "", "send system power down event", "", 0, 0,
	  do_system_powerdown },
	{ "quit|q", "", "quit the emulator", "", 0, 0, do_quit },
};
MONITOR_COMMANDS(vm, vm_cmds, false);

static const struct monitor_cmd vm_info[] = {
	{ "status", "", "show the current VM status (running|paused)", "", 0, 0, info_status },
	{ "name", "", "show the current VM name", "", 0, 0, info_name },
	{ "version", "", "show the version of vmstation", "", 0, 0, info_version },
};
MONITOR_COMMANDS(vm_info, vm_info, true);
