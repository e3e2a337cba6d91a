/* VM lifecycle: KVM set-up, run state, pause barrier, reset, power off. */
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/cpuid.h"
#include "core/cpuset.h"
#include "core/hyperv.h"
#include "core/cpuid_xend.h"
#include "core/irq_assist.h"
#include "core/util.h"
#include "core/vcpu.h"
#include "core/vm.h"
#include "core/vm_internal.h"

struct vm_kvm_reset {
	struct kvm_irqchip chips[3]; /* PIC master, PIC slave, IOAPIC */
	struct kvm_pit_state2 pit;
};

const char *vm_state_name(enum vm_state s)
{
	switch (s) {
	case VM_CREATED: return "created";
	case VM_RUNNING: return "running";
	case VM_PAUSED: return "paused";
	case VM_STOPPED: return "stopped";
	case VM_CRASHED: return "crashed";
	}
	return "?";
}

static FILE *open_log(struct vm *vm)
{
	const char *dir = vm->cfg->log_dir;
	char *fallback = NULL;
	if (!dir || !*dir)
		dir = fallback = xasprintf("%s/%s", state_dir(), vm->name);
	FILE *f = NULL;
	if (mkdir_p(dir, 0700) == 0) {
		char *path = xasprintf("%s/vmstation.log", dir);
		f = fopen(path, "a");
		free(path);
	}
	if (!f)
		msg_warn("%s: cannot open a log in %s: %s", vm->name, dir, strerror(errno));
	free(fallback);
	return f;
}

void vm_log(struct vm *vm, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (vm->log) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		struct tm tm;
		localtime_r(&ts.tv_sec, &tm);
		fprintf(vm->log, "%04d-%02d-%02d %02d:%02d:%02d %s%s", tm.tm_year + 1900, tm.tm_mon + 1,
			tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, buf,
			buf[0] && buf[strlen(buf) - 1] == '\n' ? "" : "\n");
		fflush(vm->log);
	}
	if (vm->verbose)
		msg_info("%s: %s", vm->name, buf);
}

static struct vm *vm_alloc(struct vm_config *cfg)
{
	struct vm *vm = xzalloc(sizeof(*vm));
	vm->cfg = cfg;
	vm->name = xstrdup(cfg->name ? cfg->name : "vm");
	vm->kvm_fd = vm->vm_fd = -1;
	pthread_mutex_init(&vm->slot_lock, NULL);
	pthread_mutex_init(&vm->state_lock, NULL);
	pthread_cond_init(&vm->state_cond, NULL);
	iobus_init(&vm->pio, "pio");
	iobus_init(&vm->mmio, "mmio");
	vm->loop = evloop_new(vm->name);
	vm->state = VM_CREATED;
	return vm;
}

struct vm *vm_new_test(uint64_t ram_mib, struct vm_config *cfg)
{
	struct vm *vm = vm_alloc(cfg);
	if (vm_setup_ram(vm, ram_mib << 20) < 0) {
		vm_destroy(vm);
		return NULL;
	}
	return vm;
}

static int open_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			msg_error("/dev/kvm does not exist: KVM is not available. Check that the CPU's "
				  "virtualization extensions (VT-x/AMD-V) are enabled in the firmware "
				  "setup and that the kvm_intel or kvm_amd module is loaded "
				  "(modprobe kvm_intel / modprobe kvm_amd).");
		else if (errno == EACCES || errno == EPERM)
			msg_error("/dev/kvm: permission denied. Add yourself to the 'kvm' group "
				  "(sudo adduser $USER kvm, then log in again) or run as root.");
		else
			msg_error("cannot open /dev/kvm: %s", strerror(errno));
		return -1;
	}
	int v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		msg_error("/dev/kvm speaks API version %d, vmstation needs %d", v, KVM_API_VERSION);
		close(fd);
		return -1;
	}
	static const struct { int cap; const char *name; } need[] = {
		{ KVM_CAP_IRQCHIP, "in-kernel irqchip" }, { KVM_CAP_PIT2, "in-kernel PIT" },
		{ KVM_CAP_USER_MEMORY, "user memory" }, { KVM_CAP_IMMEDIATE_EXIT, "immediate exit" },
		{ KVM_CAP_EXT_CPUID, "CPUID" }, { KVM_CAP_SET_TSS_ADDR, "TSS address" },
		{ KVM_CAP_READONLY_MEM, "read-only memory" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		if (ioctl(fd, KVM_CHECK_EXTENSION, need[i].cap) <= 0) {
			msg_error("this KVM lacks %s (capability %d); a newer kernel is needed",
				  need[i].name, need[i].cap);
			close(fd);
			return -1;
		}
	}
	return fd;
}

/*
 * GSI routing as on a PC: GSIs 0-15 drive the 8259 pair (the cascade, IRQ 2,
 * excepted) and GSIs 0-23 the I/O APIC, except that the timer's GSI 0 is
 * wired to I/O APIC pin 2 (the "IRQ0 override" the MP table and MADT
 * describe; firmware learns it from fw_cfg's IRQ0_OVERRIDE item).
 */
static int setup_irq_routing(struct vm *vm)
{
	struct kvm_irq_routing *r = xzalloc(sizeof(*r) + 40 * sizeof(r->entries[0]));
	unsigned n = 0;
	for (unsigned gsi = 0; gsi < 16; gsi++) {
		if (gsi == 2)
			continue;
		r->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
				       .pin = gsi & 7 } };
	}
	for (unsigned gsi = 0; gsi < 24; gsi++) {
		if (gsi == 2)
			continue;
		r->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi == 0 ? 2 : gsi } };
	}
	r->nr = n;
	int rc = ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, r);
	free(r);
	if (rc < 0)
		msg_error("KVM_SET_GSI_ROUTING: %s", strerror(errno));
	return rc;
}

static int setup_kvm(struct vm *vm)
{
	if ((vm->kvm_fd = open_kvm()) < 0)
		return -1;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		msg_error("KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	vm->vcpu_mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	uint64_t ident = KVM_IDENTITY_MAP_ADDR;
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0 ||
	    ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0) {
		msg_error("KVM_SET_TSS_ADDR: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		msg_error("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -1;
	}
	if (setup_irq_routing(vm) < 0)
		return -1;
	/* No KVM_PIT_SPEAKER_DUMMY: port 0x61 comes to us (PC speaker device). */
	struct kvm_pit_config pit = { .flags = 0 };
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		msg_error("KVM_CREATE_PIT2: %s", strerror(errno));
		return -1;
	}
	vm->kvm_reset = xzalloc(sizeof(*vm->kvm_reset));
	for (int i = 0; i < 3; i++) {
		vm->kvm_reset->chips[i].chip_id = i;
		ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &vm->kvm_reset->chips[i]);
	}
	ioctl(vm->vm_fd, KVM_GET_PIT2, &vm->kvm_reset->pit);

	vm->cpuid = cpuid_supported(vm->kvm_fd);
	if (!vm->cpuid)
		return -1;
	char err[256];
	/*
	 * The hypervisor bit (leaf 1 ECX bit 31), as Xen and QEMU set it: KVM
	 * does not report it as supported, and without it neither Linux nor
	 * Windows looks at the leaves at 0x40000000 (KVM's clock, or Hyper-V's
	 * enlightenments with viridian = 1). cpuid = 'host,hypervisor=0' clears it.
	 */
	cpuid_apply_policy(vm->cpuid, "hypervisor=1", err, sizeof(err));
	if (cpuid_apply_policy(vm->cpuid, vm->cfg->cpuid, err, sizeof(err)) < 0) {
		msg_error("%s: %s", vm->cfg->file ? vm->cfg->file : vm->name, err);
		return -1;
	}
	/*
	 * pae = 0 (xl.cfg(5)): no PAE, and so neither long mode nor NX, which
	 * need PAE paging; apic = 0: no local APIC (nor x2APIC) in CPUID.
	 */
	if ((!vm->cfg->pae && cpuid_apply_policy(vm->cpuid, "pae=0,lm=0,nx=0", err, sizeof(err)) < 0) ||
	    (!vm->cfg->apic && cpuid_apply_policy(vm->cpuid, "apic=0,x2apic=0", err, sizeof(err)) < 0)) {
		msg_error("%s: %s", vm->name, err);
		return -1;
	}
	if (vm->cfg->viridian) {
		vm->hyperv = hyperv_cpuid(vm->kvm_fd, &vm->cpuid);
		if (!vm->hyperv)
			msg_warn("%s: viridian = 1: this KVM offers no Hyper-V enlightenments "
				 "(KVM_CAP_SYS_HYPERV_CPUID): the guest runs without them", vm->name);
	}
	for (unsigned i = 0; i < vm->cfg->n_cpuid_list; i++) {
		struct cpuid_xend x;
		if (cpuid_xend_parse(vm->cfg->cpuid_list[i], &x, err, sizeof(err)) < 0 ||
		    cpuid_xend_apply(vm->cpuid, &x, err, sizeof(err)) < 0) {
			msg_error("%s:%d:%d: %s", vm->cfg->file ? vm->cfg->file : vm->name,
				  vm->cfg->cpuid_line[i], vm->cfg->cpuid_col[i], err);
			return -1;
		}
	}
	return 0;
}

struct vm *vm_create(struct vm_config *cfg, const struct machine *m)
{
	struct vm *vm = vm_alloc(cfg);
	vm->log = open_log(vm);
	vm_trace_open(vm);
	vm_log(vm, "creating VM '%s': %llu MiB, %u vCPU(s)", vm->name,
	       (unsigned long long)cfg->memory_mib, cfg->vcpus);
	if (cfg->memory_mib < 16) {
		msg_error("%s: memory = %llu: at least 16 MiB are needed", vm->name,
			  (unsigned long long)cfg->memory_mib);
		goto fail;
	}
	if (setup_kvm(vm) < 0 || vm_setup_ram(vm, cfg->memory_mib << 20) < 0)
		goto fail;
	vm->n_vcpus = cfg->vcpus ? cfg->vcpus : 1;
	if (vm->n_vcpus > VM_MAX_VCPUS) {
		msg_error("%s: vcpus = %u: at most %d", vm->name, vm->n_vcpus, VM_MAX_VCPUS);
		goto fail;
	}
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		if (!(vm->vcpus[i] = vcpu_create(vm, i)))
			goto fail;
	vmconfig_apply_nographic(cfg);
	if (vm_create_parts(vm, m) < 0)
		goto fail;
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		if (vcpu_reset(vm->vcpus[i]) < 0)
			goto fail;
	return vm;
fail:
	vm_destroy(vm);
	return NULL;
}

/* cpus= for vCPU i (the config was checked against this host when it was read). */
static bool vm_vcpu_affinity(struct vm *vm, unsigned i, cpu_set_t *set)
{
	const struct vm_config *c = vm->cfg;
	const char *list = !c || !c->n_cpus ? NULL : !c->cpus_list ? c->cpus[0]
			 : i < c->n_cpus ? c->cpus[i] : NULL;
	char why[256];
	if (!list)
		return false;
	if (cpuset_parse(list, cpuset_host_cpus(), set, why, sizeof(why)) < 0) {
		msg_error("%s: vCPU %u: cpus: %s", vm->name, i, why);
		return false;
	}
	return true;
}

int vm_start(struct vm *vm)
{
	if (evloop_start_thread(vm->loop) < 0)
		return -1;
	pthread_mutex_lock(&vm->state_lock);
	vm->state = VM_RUNNING;
	vm->start_ns = clock_ns();
	pthread_mutex_unlock(&vm->state_lock);
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		cpu_set_t set;
		bool pinned = vm_vcpu_affinity(vm, i, &set);
		if (vcpu_start_thread(vm->vcpus[i], pinned ? &set : NULL) < 0)
			return -1;
		pthread_mutex_lock(&vm->state_lock);
		vm->vcpus_running++;
		pthread_mutex_unlock(&vm->state_lock);
	}
	vm_log(vm, "started");
	irq_assist_start(vm);
	return 0;
}

static void kick_all(struct vm *vm)
{
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		if (vm->vcpus[i])
			vcpu_kick(vm->vcpus[i]);
}

static void update_requests(struct vm *vm)
{
	atomic_store_explicit(&vm->requests, vm->pause_count > 0 || vm->quit, memory_order_release);
}

bool vm_vcpu_check_requests(struct vcpu *v)
{
	struct vm *vm = v->vm;
	pthread_mutex_lock(&vm->state_lock);
	while (vm->pause_count > 0 && !vm->quit) {
		vm->vcpus_parked++;
		pthread_cond_broadcast(&vm->state_cond);
		pthread_cond_wait(&vm->state_cond, &vm->state_lock);
		vm->vcpus_parked--;
	}
	bool quit = vm->quit;
	if (quit) {
		vm->vcpus_running--;
		pthread_cond_broadcast(&vm->state_cond);
	}
	pthread_mutex_unlock(&vm->state_lock);
	return quit;
}

/* Hold the vCPUs parked; returns when every running vCPU thread is parked. */
static void pause_hold(struct vm *vm)
{
	pthread_mutex_lock(&vm->state_lock);
	vm->pause_count++;
	update_requests(vm);
	pthread_mutex_unlock(&vm->state_lock);
	kick_all(vm);
	pthread_mutex_lock(&vm->state_lock);
	while (vm->vcpus_parked < vm->vcpus_running && !vm->quit)
		pthread_cond_wait(&vm->state_cond, &vm->state_lock);
	pthread_mutex_unlock(&vm->state_lock);
}

static void pause_release(struct vm *vm)
{
	pthread_mutex_lock(&vm->state_lock);
	if (vm->pause_count)
		vm->pause_count--;
	update_requests(vm);
	pthread_cond_broadcast(&vm->state_cond);
	pthread_mutex_unlock(&vm->state_lock);
}

static void notify_state(struct vm *vm)
{
	if (vm->on_state_change)
		vm->on_state_change(vm, vm->on_state_change_opaque);
}

/*
 * As xl create -p (and QEMU's -S): every vCPU thread parks before its first
 * instruction; the monitor's cont starts the guest.
 */
int vm_start_paused(struct vm *vm)
{
	pthread_mutex_lock(&vm->state_lock);
	vm->pause_count++;
	vm->user_paused = true;
	update_requests(vm);
	pthread_mutex_unlock(&vm->state_lock);
	if (vm_start(vm) < 0)
		return -1;
	pthread_mutex_lock(&vm->state_lock);
	vm->state = VM_PAUSED;
	pthread_mutex_unlock(&vm->state_lock);
	vm_log(vm, "paused before its first instruction (cont starts it)");
	notify_state(vm);
	return 0;
}

void vm_pause(struct vm *vm)
{
	pthread_mutex_lock(&vm->state_lock);
	bool go = vm->state == VM_RUNNING;
	if (go)
		vm->user_paused = true;
	pthread_mutex_unlock(&vm->state_lock);
	if (!go)
		return;
	pause_hold(vm);
	/* Freeze the guest's clock while paused, so `cont` resumes it sane. */
	struct kvm_clock_data clk = { 0 };
	if (vm->vm_fd >= 0 && ioctl(vm->vm_fd, KVM_GET_CLOCK, &clk) == 0) {
		if (!vm->paused_clock)
			vm->paused_clock = xzalloc(sizeof(*vm->paused_clock));
		*vm->paused_clock = clk;
	}
	pthread_mutex_lock(&vm->state_lock);
	vm->state = VM_PAUSED;
	pthread_mutex_unlock(&vm->state_lock);
	vm_log(vm, "paused");
	notify_state(vm);
}

void vm_resume(struct vm *vm)
{
	pthread_mutex_lock(&vm->state_lock);
	bool go = vm->state == VM_PAUSED && vm->user_paused;
	if (go) {
		vm->user_paused = false;
		vm->state = VM_RUNNING;
	}
	pthread_mutex_unlock(&vm->state_lock);
	if (!go)
		return;
	if (vm->paused_clock) {
		struct kvm_clock_data clk = { .clock = vm->paused_clock->clock };
		ioctl(vm->vm_fd, KVM_SET_CLOCK, &clk);
	}
	pause_release(vm);
	vm_log(vm, "resumed");
	notify_state(vm);
}

const char *vm_name(const struct vm *vm)
{
	return vm->name ? vm->name : "vm";
}

const struct vm_config *vm_config(const struct vm *vm)
{
	return vm->cfg;
}

struct display *vm_display(const struct vm *vm)
{
	return vm->display;
}

enum vm_state vm_get_state(struct vm *vm)
{
	pthread_mutex_lock(&vm->state_lock);
	enum vm_state s = vm->state;
	pthread_mutex_unlock(&vm->state_lock);
	return s;
}

void vm_run_paused(struct vm *vm, void (*fn)(void *), void *opaque)
{
	pause_hold(vm);
	fn(opaque);
	pause_release(vm);
}

/* Carried out on the io thread with every vCPU parked. */
static void do_reset(void *opaque)
{
	struct vm *vm = opaque;
	pause_hold(vm);
	vm_log(vm, "system reset");
	if (vm->vm_fd >= 0 && vm->kvm_reset) {
		for (int i = 0; i < 3; i++)
			ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &vm->kvm_reset->chips[i]);
		ioctl(vm->vm_fd, KVM_SET_PIT2, &vm->kvm_reset->pit);
	}
	for (unsigned i = 0; i < vm->n_reset_hooks; i++)
		vm->reset_hooks[i].fn(vm->reset_hooks[i].opaque);
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		vcpu_reset(vm->vcpus[i]);
	vm->resets++;
	pause_release(vm);
	notify_state(vm);
}

void vm_request_reset(struct vm *vm)
{
	evloop_call(vm->loop, do_reset, vm);
}

static void finish(struct vm *vm, enum vm_state state, enum vm_exit_reason why)
{
	pthread_mutex_lock(&vm->state_lock);
	if (!vm->finished) {
		vm->state = state;
		vm->exit_reason = why;
		vm->quit = true;
		vm->finished = true;
		update_requests(vm);
	}
	pthread_cond_broadcast(&vm->state_cond);
	pthread_mutex_unlock(&vm->state_lock);
	kick_all(vm);
	notify_state(vm);
}

static void do_action(struct vm *vm, enum vm_action act, enum vm_exit_reason why)
{
	switch (act) {
	case ACT_RESTART:
	case ACT_RENAME_RESTART:
	case ACT_COREDUMP_RESTART:
	case ACT_SOFT_RESET:
		do_reset(vm);
		break;
	case ACT_PRESERVE:
		/* keep the VM for inspection: paused, marked crashed */
		vm_pause(vm);
		pthread_mutex_lock(&vm->state_lock);
		vm->state = why == VMX_CRASH ? VM_CRASHED : VM_PAUSED;
		vm->exit_reason = why;
		pthread_mutex_unlock(&vm->state_lock);
		notify_state(vm);
		break;
	default:
		finish(vm, why == VMX_CRASH ? VM_CRASHED : VM_STOPPED, why);
		break;
	}
}

static void do_poweroff(void *opaque)
{
	struct vm *vm = opaque;
	vm_log(vm, "guest powered off (on_poweroff=%s)", action_name(vm->cfg->on_poweroff));
	do_action(vm, vm->cfg->on_poweroff, VMX_POWEROFF);
}

static void do_reboot(void *opaque)
{
	struct vm *vm = opaque;
	vm_log(vm, "guest rebooted (on_reboot=%s)", action_name(vm->cfg->on_reboot));
	do_action(vm, vm->cfg->on_reboot, VMX_REBOOT);
}

static void do_crash(void *opaque)
{
	struct vm *vm = opaque;
	vm_log(vm, "guest crashed (on_crash=%s)", action_name(vm->cfg->on_crash));
	msg_error("%s: guest crashed: %s (on_crash=%s; registers in the VM log)", vm->name,
		  vm->crash_reason, action_name(vm->cfg->on_crash));
	do_action(vm, vm->cfg->on_crash, VMX_CRASH);
}

static void do_crash_unhold(void *opaque)
{
	struct vm *vm = opaque;
	do_crash(vm);
	pause_release(vm);
}

static void do_quit(void *opaque)
{
	struct vm *vm = opaque;
	vm_log(vm, "powered off by the user");
	finish(vm, VM_STOPPED, VMX_QUIT);
}

void vm_request_poweroff(struct vm *vm)
{
	evloop_call(vm->loop, do_poweroff, vm);
}

static void do_reboot_unhold(void *opaque)
{
	struct vm *vm = opaque;
	do_reboot(vm);
	atomic_store(&vm->reset_pending, false);
	pause_release(vm);
}

/*
 * The guest asked for a reset (0xCF9 and the ACPI reset register, the
 * keyboard controller's 0xFE, port 0x92, a KVM reset event): on_reboot
 * decides. On real hardware the reset line drops at once, so no vCPU may
 * run another guest instruction: the vCPUs are held (the caller's own
 * thread parks before it re-enters KVM_RUN) until on_reboot's action is done,
 * and a triple fault racing in meanwhile is this reset (vcpu.c).
 */
void vm_request_reboot(struct vm *vm)
{
	pthread_mutex_lock(&vm->state_lock);
	bool first = !atomic_load(&vm->reset_pending);
	if (first) {
		atomic_store(&vm->reset_pending, true);
		vm->pause_count++;
		update_requests(vm);
	}
	pthread_mutex_unlock(&vm->state_lock);
	if (!first)
		return; /* one reset at a time: a guest cannot queue more */
	kick_all(vm);
	evloop_call(vm->loop, do_reboot_unhold, vm);
}

void vm_request_quit(struct vm *vm)
{
	evloop_call(vm->loop, do_quit, vm);
}

void vm_request_crash(struct vm *vm, const char *why)
{
	pthread_mutex_lock(&vm->state_lock);
	snprintf(vm->crash_reason, sizeof(vm->crash_reason), "%s", why);
	/* park the vCPUs at once so a crashed guest does not keep running */
	vm->pause_count++;
	update_requests(vm);
	pthread_mutex_unlock(&vm->state_lock);
	evloop_call(vm->loop, do_crash_unhold, vm);
}

enum vm_exit_reason vm_wait(struct vm *vm)
{
	pthread_mutex_lock(&vm->state_lock);
	while (!vm->finished)
		pthread_cond_wait(&vm->state_cond, &vm->state_lock);
	enum vm_exit_reason r = vm->exit_reason;
	pthread_mutex_unlock(&vm->state_lock);
	return r;
}

void vm_set_irq(struct vm *vm, unsigned gsi, int level)
{
	if (vm->irq_hook) {
		vm->irq_hook(vm, gsi, level);
		return;
	}
	if (vm->vm_fd < 0)
		return;
	struct kvm_irq_level irq = { .irq = gsi, .level = level };
	ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq);
}

/*
 * KVM's in-kernel PIT raises IRQ 0 unless KVM_PIT_FLAGS_HPET_LEGACY is set:
 * then its channel 0 stops and stays silent until the flag is cleared and
 * the guest reprograms it (what an HPET in legacy replacement mode needs).
 */
void vm_pit_irq_enable(struct vm *vm, bool on)
{
	if (vm->vm_fd < 0)
		return;
	struct kvm_pit_state2 ps;
	memset(&ps, 0, sizeof(ps));
	if (ioctl(vm->vm_fd, KVM_GET_PIT2, &ps) < 0)
		return;
	bool off = ps.flags & KVM_PIT_FLAGS_HPET_LEGACY;
	if (off == !on)
		return;
	if (on)
		ps.flags &= ~KVM_PIT_FLAGS_HPET_LEGACY;
	else
		ps.flags |= KVM_PIT_FLAGS_HPET_LEGACY;
	ioctl(vm->vm_fd, KVM_SET_PIT2, &ps);
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	pthread_mutex_lock(&vm->state_lock);
	vm->quit = true;
	update_requests(vm);
	pthread_cond_broadcast(&vm->state_cond);
	pthread_mutex_unlock(&vm->state_lock);
	kick_all(vm);
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		if (vm->vcpus[i] && vm->vcpus[i]->thread_started)
			pthread_join(vm->vcpus[i]->thread, NULL);
	/* stop the io thread first, free the loop after the devices' timers */
	evloop_join(vm->loop);
	for (unsigned i = vm->n_free_hooks; i-- > 0;)
		vm->free_hooks[i].fn(vm->free_hooks[i].opaque);
	evloop_free(vm->loop);
	vm->loop = NULL;
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		vcpu_free(vm->vcpus[i]);
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	iobus_free(&vm->pio);
	iobus_free(&vm->mmio);
	if (vm->log) {
		fclose(vm->log);
	}
	vm_trace_close(vm);
	free(vm->kvm_reset);
	free(vm->paused_clock);
	free(vm->cpuid);
	free(vm->name);
	free(vm);
}
