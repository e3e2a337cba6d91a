/* vCPU threads: KVM_RUN and the exit dispatch. */
#include <stdatomic.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "core/cpuid.h"
#include "core/exit_profile.h"
#include "core/util.h"
#include "core/cpuset.h"
#include "core/hyperv.h"
#include "core/vcpu.h"
#include "core/vcpu_emul.h"
#include "core/vm.h"
#include "core/vm_internal.h"

#define SIG_KICK (SIGRTMIN + 4)

static void kick_handler(int sig) { (void)sig; }

static pthread_once_t kick_once = PTHREAD_ONCE_INIT;
static void install_kick_handler(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	sigemptyset(&sa.sa_mask);
	sigaction(SIG_KICK, &sa, NULL); /* no SA_RESTART: KVM_RUN returns EINTR */
}

struct vcpu *vcpu_create(struct vm *vm, unsigned id)
{
	pthread_once(&kick_once, install_kick_handler);
	struct vcpu *v = xzalloc(sizeof(*v));
	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0) {
		msg_error("KVM_CREATE_VCPU %u: %s", id, strerror(errno));
		free(v);
		return NULL;
	}
	v->run = mmap(NULL, vm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		msg_error("mmap of vCPU %u: %s", id, strerror(errno));
		close(v->fd);
		free(v);
		return NULL;
	}
	v->profile = exit_profile_new();
	struct kvm_cpuid2 *c = cpuid_for_vcpu(vm->cpuid, id, vm->n_vcpus);
	if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0) {
		msg_error("KVM_SET_CPUID2: %s", strerror(errno));
		free(c);
		vcpu_free(v);
		return NULL;
	}
	free(c);
	if (vm->hyperv && hyperv_vcpu_enable(v->fd) < 0)
		msg_warn("vCPU %u: the Hyper-V SynIC cannot be enabled: %s", id, strerror(errno));
	/* The power-on state, re-applied on every reset. */
	if (ioctl(v->fd, KVM_GET_SREGS, &v->reset_sregs) < 0 ||
	    ioctl(v->fd, KVM_GET_REGS, &v->reset_regs) < 0 ||
	    ioctl(v->fd, KVM_GET_FPU, &v->reset_fpu) < 0 ||
	    ioctl(v->fd, KVM_GET_LAPIC, &v->reset_lapic) < 0 ||
	    ioctl(v->fd, KVM_GET_MP_STATE, &v->reset_mp) < 0) {
		msg_error("reading vCPU %u power-on state: %s", id, strerror(errno));
		vcpu_free(v);
		return NULL;
	}
	return v;
}

void vcpu_free(struct vcpu *v)
{
	if (!v)
		return;
	if (v->run && v->run != MAP_FAILED)
		munmap(v->run, v->vm->vcpu_mmap_size);
	if (v->fd >= 0)
		close(v->fd);
	char name[48];
	snprintf(name, sizeof(name), "%s vcpu%u", v->vm->name ? v->vm->name : "vm", v->id);
	exit_profile_report(v->profile, name);
	free(v);
}

/*
 * A kernel entered directly finds the local APIC as firmware leaves it:
 * LINT0 in ExtINT mode (virtual wire, so the 8259's interrupts reach the
 * CPU) and LINT1 as NMI (Intel SDM vol. 3, 10.5.1; MP spec 3.6.2.2).
 */
static void firmware_lapic(struct kvm_lapic_state *l)
{
	st32(l->regs + 0x350, 0x700); /* LVT LINT0: ExtINT, unmasked */
	st32(l->regs + 0x360, 0x400); /* LVT LINT1: NMI */
}

int vcpu_reset(struct vcpu *v)
{
	struct kvm_sregs sregs = v->has_boot_regs ? v->boot_sregs : v->reset_sregs;
	struct kvm_regs regs = v->has_boot_regs ? v->boot_regs : v->reset_regs;
	struct kvm_lapic_state lapic = v->reset_lapic;
	/*
	 * apic = 0: the local APIC starts globally disabled (IA32_APIC_BASE bit
	 * 11 clear), which is also what takes the APIC flag out of CPUID.1:EDX.
	 */
	if (v->vm->cfg && !v->vm->cfg->apic)
		sregs.apic_base &= ~(1ull << 11);
	if (v->has_boot_regs && v->id == 0)
		firmware_lapic(&lapic);
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(v->fd, KVM_SET_REGS, &regs) < 0 ||
	    ioctl(v->fd, KVM_SET_FPU, &v->reset_fpu) < 0 ||
	    ioctl(v->fd, KVM_SET_LAPIC, &lapic) < 0 ||
	    ioctl(v->fd, KVM_SET_MP_STATE, &v->reset_mp) < 0) {
		msg_error("vCPU %u reset: %s", v->id, strerror(errno));
		return -1;
	}
	struct kvm_vcpu_events ev = { 0 };
	ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev);
	return 0;
}

int vcpu_get_regs(struct vcpu *v, struct kvm_regs *regs, struct kvm_sregs *sregs)
{
	if (regs && ioctl(v->fd, KVM_GET_REGS, regs) < 0)
		return -1;
	if (sregs && ioctl(v->fd, KVM_GET_SREGS, sregs) < 0)
		return -1;
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
	if (v->thread_started)
		pthread_kill(v->thread, SIG_KICK);
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	for (uint32_t i = 0; i < run->io.count; i++) {
		iobus_access(&v->vm->pio, run->io.port, data, run->io.size, is_write);
		data += run->io.size;
		if (atomic_load_explicit(&v->vm->reset_pending, memory_order_relaxed))
			break; /* a reset: no further iterations of a REP OUTS */
	}
	v->pio_exits++;
	if (v->profile)
		exit_profile_count(v->profile, false, run->io.port, run->io.size, is_write,
				   run->io.count);
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	iobus_access(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
		     run->mmio.is_write);
	v->mmio_exits++;
	if (v->profile)
		exit_profile_count(v->profile, true, run->mmio.phys_addr, run->mmio.len,
				   run->mmio.is_write, 1);
}

static void report_crash(struct vcpu *v, const char *what)
{
	char regs[2048];
	vcpu_format_regs(v, regs, sizeof(regs));
	vm_log(v->vm, "vCPU %u: %s\n%s", v->id, what, regs);
	vm_request_crash(v->vm, what);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	char name[16];
	snprintf(name, sizeof(name), "vcpu%u", v->id);
	prctl(PR_SET_NAME, name);

	for (;;) {
		/*
		 * A request (pause, reset, quit) is served only once KVM_RUN has
		 * returned without entering the guest: KVM finishes the I/O of the
		 * last exit (the IN's result into RAX, RIP past the instruction) on
		 * the next KVM_RUN, so registers set before it would be overwritten
		 * by that completion (KVM API, "immediate_exit").
		 */
		if (atomic_load_explicit(&vm->requests, memory_order_acquire))
			__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		int r = ioctl(v->fd, KVM_RUN, 0);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_RELEASE);
				if (atomic_load_explicit(&vm->requests, memory_order_acquire) &&
				    vm_vcpu_check_requests(v))
					break;
				continue;
			}
			char what[128];
			snprintf(what, sizeof(what), "KVM_RUN failed: %s", strerror(errno));
			report_crash(v, what);
			continue;
		}
		v->exits++;
		switch (v->run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io(v);
			break;
		case KVM_EXIT_MMIO:
			handle_mmio(v);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_HLT:
			v->halts++;
			break;
		case KVM_EXIT_SHUTDOWN:
			/* with a reset pending, the shutdown is that reset */
			if (!atomic_load(&vm->reset_pending))
				report_crash(v, "triple fault (shutdown)");
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			if (v->run->system_event.type == KVM_SYSTEM_EVENT_RESET)
				vm_request_reboot(vm);
			else
				vm_request_poweroff(vm);
			break;
		case KVM_EXIT_INTERNAL_ERROR: {
			if (vcpu_emul_internal_error(v))
				break; /* an instruction KVM refused, done by vcpu_emul.c */
			char what[128];
			snprintf(what, sizeof(what), "KVM internal error, suberror %u",
				 v->run->internal.suberror);
			report_crash(v, what);
			break;
		}
		case KVM_EXIT_FAIL_ENTRY: {
			char what[128];
			snprintf(what, sizeof(what), "VM entry failed, reason 0x%llx",
				 (unsigned long long)v->run->fail_entry.hardware_entry_failure_reason);
			report_crash(v, what);
			break;
		}
		default: {
			char what[64];
			snprintf(what, sizeof(what), "unexpected exit reason %u", v->run->exit_reason);
			report_crash(v, what);
			break;
		}
		}
	}
	return NULL;
}

int vcpu_start_thread(struct vcpu *v, const cpu_set_t *pin)
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	if (pin)   /* pinned from its first instruction on */
		pthread_attr_setaffinity_np(&attr, sizeof(*pin), pin);
	int e = pthread_create(&v->thread, &attr, vcpu_thread, v);
	pthread_attr_destroy(&attr);
	if (e) {
		if (pin) {
			char cpus[256];
			cpuset_format(pin, cpus, sizeof(cpus));
			msg_error("vCPU %u: cannot run on host CPUs %s (%s): see cpus= and this "
				  "process's allowed CPUs (taskset -p %d)", v->id, cpus, strerror(e),
				  (int)getpid());
		} else {
			msg_error("cannot start vCPU thread: %s", strerror(e));
		}
		return -1;
	}
	v->thread_started = true;
	return 0;
}

static void seg_str(char *buf, size_t n, const char *name, const struct kvm_segment *s)
{
	snprintf(buf, n, "%-3s=%04x %016llx %08x %08x\n", name, s->selector,
		 (unsigned long long)s->base, s->limit,
		 (s->type << 8) | (s->s << 12) | (s->dpl << 13) | (s->present << 15) |
			 (s->avl << 20) | (s->l << 21) | (s->db << 22) | (s->g << 23));
}

/* QEMU's `info registers` layout (64-bit form). */
int vcpu_format_regs(struct vcpu *v, char *buf, size_t n)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (vcpu_get_regs(v, &r, &s) < 0)
		return snprintf(buf, n, "registers unavailable: %s\n", strerror(errno));
	size_t off = 0;
	off += snprintf(buf + off, n - off,
			"RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
			"RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n"
			"R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n"
			"R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n"
			"RIP=%016llx RFL=%08llx [%c%c%c%c%c%c%c] CPL=%d\n",
			r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8, r.r9,
			r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip, r.rflags,
			r.rflags & 0x400 ? 'D' : '-', r.rflags & 0x800 ? 'O' : '-',
			r.rflags & 0x80 ? 'S' : '-', r.rflags & 0x40 ? 'Z' : '-',
			r.rflags & 0x10 ? 'A' : '-', r.rflags & 0x4 ? 'P' : '-',
			r.rflags & 0x1 ? 'C' : '-', s.cs.dpl);
	const struct { const char *n; struct kvm_segment *s; } segs[] = {
		{ "ES", &s.es }, { "CS", &s.cs }, { "SS", &s.ss }, { "DS", &s.ds },
		{ "FS", &s.fs }, { "GS", &s.gs }, { "LDT", &s.ldt }, { "TR", &s.tr },
	};
	for (size_t i = 0; i < ARRAY_SIZE(segs) && off < n; i++) {
		seg_str(buf + off, n - off, segs[i].n, segs[i].s);
		off += strlen(buf + off);
	}
	if (off < n)
		off += snprintf(buf + off, n - off,
				"GDT=     %016llx %08x\nIDT=     %016llx %08x\n"
				"CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx\n"
				"EFER=%016llx APIC_BASE=%016llx\n",
				s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit, s.cr0, s.cr2,
				s.cr3, s.cr4, s.efer, s.apic_base);
	return off;
}
