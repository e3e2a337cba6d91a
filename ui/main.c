/* vmstation: command-line entry point. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/img_cmd.h"
#include "core/net.h"
#include "core/util.h"
#include "core/vm.h"
#include "firmware/pc.h"
#include "core/vmconfig.h"
#include "ui/monitor/monitor.h"
#include "ui/sdl_window.h"
#include "ui/tui/panel.h"
#include "ui/viewer.h"
#include "ui/vm_frontends.h"

#define VMSTATION_VERSION "0.1.0"

static void usage(FILE *out)
{
	fprintf(out,
		"vmstation " VMSTATION_VERSION " - a desktop virtualization workstation on KVM\n"
		"\n"
		"usage:\n"
		"  vmstation [--config FILE]      open the manager panel on vmstation.conf\n"
		"  vmstation run FILE.cfg [opts]  run one VM (xl.cfg syntax) without the panel\n"
		"  vmstation check FILE.cfg       validate a VM file and print its effective configuration\n"
		"  vmstation img create|info|convert|commit ...  disk images (raw, qcow2)\n"
		"  vmstation view HOST:DISPLAY    open a VNC server's screen in a window\n"
		"  vmstation --help | --version\n"
		"\n"
		"Run `vmstation run --help` for the options of run.\n"
		"\n"
		"The CPU and platform keys of a VM file (xl.cfg(5); `check` prints every key):\n"
		"  vcpus = N             vCPUs, 1-64, on in-kernel local APICs and the IO-APIC\n"
		"  cpus = 'LIST'         pin the vCPU threads: 'all', '2-3', '0,2', '^1', or a\n"
		"                        list per vCPU: ['1', '0']\n"
		"  cpus_soft = 'LIST'    accepted, not acted on (Xen's soft affinity)\n"
		"  acpi = 0|1            ACPI tables and power button (default 1)\n"
		"  apic = 0|1            local APIC and IO-APIC (default 1; 0 needs vcpus = 1)\n"
		"  pae = 0|1             PAE, long mode and NX in CPUID (default 1)\n"
		"  viridian = 0|1        the Hyper-V enlightenments KVM offers (default 0)\n"
		"  hpet = 0|1            an HPET at 0xFED00000 (default 1, as xl)\n"
		"  localtime = 0|1       the RTC keeps the host's local time, not UTC (default 0)\n"
		"  rtc_timeoffset = SEC  seconds added to the RTC, with localtime or without\n");
}

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: vmstation run FILE.cfg [options]\n"
		"\n"
		"Runs the VM described by FILE.cfg (Xen xl.cfg syntax) until the guest powers off\n"
		"(per on_poweroff=), or ctrl-c / SIGTERM shuts it down.\n"
		"\n"
		"options:\n"
		"  --monitor SPEC   open the monitor: 'stdio' (readline, on this terminal) or\n"
		"                   'unix:/path' (a socket, mode 0600, for scripts); may be repeated\n"
		"  -p, --paused     start paused, before the guest's first instruction (as\n"
		"                   xl create -p); the monitor's cont starts it\n"
		"  -v, --verbose    also print the VM log on stderr\n"
		"  -q, --quiet      print only errors\n"
		"  -h, --help       this text\n"
		"\n"
		"The VM file chooses the devices; `vmstation check FILE.cfg` prints every key.\n"
		"Joysticks: soundhw='sb16' or gameport=1 adds the game port at 0x201, fed by\n"
		"SDL game controllers (monitor: info joysticks, joystick_map).\n"
		"\n"
		"exit status: 0 when the guest powered off or was shut down, 1 on a set-up\n"
		"error, 2 when the guest crashed.\n");
}

struct signal_waiter {
	sigset_t set;
	struct vm *vm;
};

/* ctrl-c, SIGTERM, SIGHUP: shut the VM down cleanly (vm_wait then returns). */
static void *signal_thread(void *arg)
{
	struct signal_waiter *w = arg;
	for (;;) {
		int sig;
		if (sigwait(&w->set, &sig) != 0)
			continue;
		msg_info("%s: %s, shutting down", w->vm->name, strsignal(sig));
		vm_request_quit(w->vm);
		return NULL;
	}
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "monitor", required_argument, NULL, 'm' },
		{ "paused", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *monitors[8];
	int n_monitors = 0, c;
	bool verbose = false, paused = false;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:pvqh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			paused = true;
			break;
		case 'm':
			if (n_monitors < 8)
				monitors[n_monitors++] = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'q':
			msg_set_quiet(true);
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return 1;
		}
	}
	if (optind != argc - 1) {
		run_usage(stderr);
		return 1;
	}
	struct vm_config cfg;
	if (vmconfig_load(&cfg, argv[optind]) < 0)
		return 1;

	/* Signals go to one thread, so vCPU and device threads never see them. */
	struct signal_waiter w;
	sigemptyset(&w.set);
	sigaddset(&w.set, SIGINT);
	sigaddset(&w.set, SIGTERM);
	sigaddset(&w.set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &w.set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct vm *vm = vm_create(&cfg, &machine_pc);
	if (!vm) {
		vmconfig_free(&cfg);
		return 1;
	}
	vm->verbose = verbose;
	char ferr[256];
	if (vm_frontends_start(vm, ferr, sizeof(ferr)) < 0) {
		msg_error("%s: VNC: %s", vm->name, ferr);
		vm_destroy(vm);
		vmconfig_free(&cfg);
		return 1;
	}
	w.vm = vm;
	pthread_t sig_thread;
	pthread_create(&sig_thread, NULL, signal_thread, &w);
	thread_set_name(sig_thread, "signals");
	pthread_detach(sig_thread);

	int rc = 0;
	if (cfg.monitor_path && monitor_start(vm, xasprintf("unix:%s", cfg.monitor_path)) < 0)
		rc = 1;
	for (int i = 0; i < n_monitors && !rc; i++)
		if (monitor_start(vm, monitors[i]) < 0)
			rc = 1;
	if (rc || (paused ? vm_start_paused(vm) : vm_start(vm)) < 0) {
		monitor_stop_all(vm);
		vm_destroy(vm);
		vmconfig_free(&cfg);
		return 1;
	}
	/* SDL must run on the main thread: the window returns when the VM stops */
	if (cfg.sdl && vm->display && sdl_ui_run(vm) < 0)
		msg_warn("%s: no SDL window; the VM keeps running (VNC and the monitor still work)",
			 vm->name);
	enum vm_exit_reason why = vm_wait(vm);
	rc = why == VMX_CRASH ? 2 : 0;
	vm_log(vm, "exiting (%s)", why == VMX_POWEROFF ? "guest powered off" :
				   why == VMX_REBOOT ? "guest rebooted" :
				   why == VMX_CRASH ? "guest crashed" : "shut down");
	monitor_stop_all(vm);
	vm_destroy(vm);
	vmconfig_free(&cfg);
	return rc;
}

static int cmd_check(int argc, char **argv)
{
	if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc == 2 ? stdout : stderr,
			"usage: vmstation check FILE.cfg\n"
			"Validates a VM file without starting anything and prints every key with its\n"
			"effective value (defaults included), one `key = value` line each, in xl syntax.\n");
		return argc == 2 ? 0 : 1;
	}
	struct vm_config cfg;
	if (vmconfig_load(&cfg, argv[1]) < 0)
		return 1;
	net_check_host(&cfg, stderr);   /* warnings only: the VM still runs, on NAT */
	vmconfig_print(&cfg, stdout);
	vmconfig_free(&cfg);
	return 0;
}

int main(int argc, char **argv)
{
	/* no command, or only --config FILE: the manager panel */
	if (argc == 1 || !strcmp(argv[1], "--config") || !strncmp(argv[1], "--config=", 9))
		return panel_main(argc, argv);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "help"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf("vmstation " VMSTATION_VERSION "\n");
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "img"))
		return cmd_img(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "view"))
		return viewer_main(argc - 1, argv + 1);
	if (argc >= 2 && argv[1][0] != '-') {
		fprintf(stderr, "vmstation: unknown command '%s'\n\n", argv[1]);
		usage(stderr);
		return 1;
	}
	usage(stderr);
	return 1;
}
