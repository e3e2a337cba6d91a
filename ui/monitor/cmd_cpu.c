/*
 * CPU state: info cpus, info registers [-a], cpu N.
 *
 * Registers are read with every vCPU parked (vm_run_paused), so the guest
 * never runs while KVM_GET_REGS/SREGS look at it. The layout follows QEMU's
 * x86 register dump (RESEARCH.md 4.2): 32-bit names unless the CPU is in
 * 64-bit mode.
 */
#include <dirent.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ui/monitor/monitor.h"
#include "core/util.h"
#include "core/vcpu.h"
#include "core/vm.h"

struct cpu_snap {
	bool ok;
	bool halted;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
};

struct snap_req {
	struct vm *vm;
	struct cpu_snap *snap; /* n_vcpus entries */
};

static void snapshot_paused(void *opaque)
{
	struct snap_req *r = opaque;
	for (unsigned i = 0; i < r->vm->n_vcpus && i < VM_MAX_VCPUS; i++) {
		struct vcpu *v = r->vm->vcpus[i];
		struct cpu_snap *c = &r->snap[i];
		if (!v || vcpu_get_regs(v, &c->regs, &c->sregs) < 0)
			continue;
		c->ok = true;
		struct kvm_mp_state mp;
		if (v->fd >= 0 && ioctl(v->fd, KVM_GET_MP_STATE, &mp) == 0)
			c->halted = mp.mp_state == KVM_MP_STATE_HALTED ||   /* HLT */
				    mp.mp_state == KVM_MP_STATE_UNINITIALIZED ||   /* APs before SIPI */
				    mp.mp_state == KVM_MP_STATE_INIT_RECEIVED;
	}
}

/* A snapshot of every vCPU, or NULL (no vCPUs: a test VM). */
static struct cpu_snap *snapshot(struct vm *vm)
{
	if (!vm->n_vcpus)
		return NULL;
	struct snap_req r = { vm, xzalloc(sizeof(struct cpu_snap) * vm->n_vcpus) };
	vm_run_paused(vm, snapshot_paused, &r);
	return r.snap;
}

/* Descriptor attribute word as it sits in bits 8-23 of a descriptor's high dword. */
static uint32_t seg_flags(const struct kvm_segment *sg)
{
	return (uint32_t)sg->type << 8 | (uint32_t)sg->s << 12 | (uint32_t)sg->dpl << 13 |
	       (uint32_t)sg->present << 15 | (uint32_t)sg->avl << 20 | (uint32_t)sg->l << 21 |
	       (uint32_t)sg->db << 22 | (uint32_t)sg->g << 23;
}

static void print_seg(struct monitor_session *s, const char *name,
		      const struct kvm_segment *sg, bool lma)
{
	monitor_printf(s, "%-3s=%04x ", name, sg->selector);
	if (lma)
		monitor_printf(s, "%016" PRIx64, (uint64_t)sg->base);
	else
		monitor_printf(s, "%08x", (uint32_t)sg->base);
	monitor_printf(s, " %08x %08x", sg->limit, seg_flags(sg));
	if (!sg->present) {
		monitor_printf(s, "\n");
		return;
	}
	monitor_printf(s, " DPL=%d ", sg->dpl);
	if (sg->s) {
		if (sg->type & 8) {  /* code */
			monitor_printf(s, "CS%s [%c%c%c]", sg->l ? "64" : sg->db ? "32" : "16",
				       sg->type & 4 ? 'C' : '-', sg->type & 2 ? 'R' : '-',
				       sg->type & 1 ? 'A' : '-');
		} else {
			monitor_printf(s, "DS%s [%c%c%c]", sg->db ? "  " : "16",
				       sg->type & 4 ? 'E' : '-', sg->type & 2 ? 'W' : '-',
				       sg->type & 1 ? 'A' : '-');
		}
	} else {
		static const char *const sys[16] = {
			"Reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16",
			"TaskGate", "IntGate16", "TrapGate16", "Reserved", "TSS32-avl",
			"Reserved", "TSS32-busy", "CallGate32", "Reserved", "IntGate32",
			"TrapGate32" };
		monitor_printf(s, "%s", sys[sg->type & 15]);
	}
	monitor_printf(s, "\n");
}

static void print_regs(struct monitor_session *s, const struct cpu_snap *c)
{
	const struct kvm_regs *r = &c->regs;
	const struct kvm_sregs *sr = &c->sregs;
	bool lma = sr->efer & (1u << 10);
	bool cs64 = lma && sr->cs.l;
	uint32_t fl = (uint32_t)r->rflags;
	char flags[8] = {
		fl & 0x400 ? 'D' : '-', fl & 0x800 ? 'O' : '-', fl & 0x80 ? 'S' : '-',
		fl & 0x40 ? 'Z' : '-', fl & 0x10 ? 'A' : '-', fl & 0x4 ? 'P' : '-',
		fl & 0x1 ? 'C' : '-', 0 };
	int cpl = sr->cs.dpl;   /* CS.DPL is the CPL outside real mode */
	if (!(sr->cr0 & 1))
		cpl = 0;

	if (cs64) {
		monitor_printf(s,
			"RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
			"RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n"
			"R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n"
			"R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n"
			"RIP=%016llx RFL=%08x [%s] CPL=%d II=0 A20=1 SMM=0 HLT=%d\n",
			r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->rsp,
			r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
			r->rip, fl, flags, cpl, c->halted);
	} else {
		monitor_printf(s,
			"EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n"
			"ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n"
			"EIP=%08x EFL=%08x [%s] CPL=%d II=0 A20=1 SMM=0 HLT=%d\n",
			(uint32_t)r->rax, (uint32_t)r->rbx, (uint32_t)r->rcx, (uint32_t)r->rdx,
			(uint32_t)r->rsi, (uint32_t)r->rdi, (uint32_t)r->rbp, (uint32_t)r->rsp,
			(uint32_t)r->rip, fl, flags, cpl, c->halted);
	}
	print_seg(s, "ES", &sr->es, lma);
	print_seg(s, "CS", &sr->cs, lma);
	print_seg(s, "SS", &sr->ss, lma);
	print_seg(s, "DS", &sr->ds, lma);
	print_seg(s, "FS", &sr->fs, lma);
	print_seg(s, "GS", &sr->gs, lma);
	print_seg(s, "LDT", &sr->ldt, lma);
	print_seg(s, "TR", &sr->tr, lma);
	if (lma) {
		monitor_printf(s, "GDT=     %016llx %08x\n", sr->gdt.base, sr->gdt.limit);
		monitor_printf(s, "IDT=     %016llx %08x\n", sr->idt.base, sr->idt.limit);
		monitor_printf(s, "CR0=%08x CR2=%016llx CR3=%016llx CR4=%08x\n",
			       (uint32_t)sr->cr0, sr->cr2, sr->cr3, (uint32_t)sr->cr4);
	} else {
		monitor_printf(s, "GDT=     %08x %08x\n", (uint32_t)sr->gdt.base, sr->gdt.limit);
		monitor_printf(s, "IDT=     %08x %08x\n", (uint32_t)sr->idt.base, sr->idt.limit);
		monitor_printf(s, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n",
			       (uint32_t)sr->cr0, (uint32_t)sr->cr2, (uint32_t)sr->cr3,
			       (uint32_t)sr->cr4);
	}
	monitor_printf(s, "EFER=%016llx\n", sr->efer);
}

/* The vCPU the session looks at (`cpu N`), clamped to what exists. */
static unsigned cur_cpu(struct monitor_session *s)
{
	return s->cpu < monitor_vm(s)->n_vcpus ? s->cpu : 0;
}

/* info registers [-a] */
static void info_registers(struct monitor_session *s, struct monitor_args *a)
{
	struct vm *vm = monitor_vm(s);
	bool all = a->argc > 1 && !strcmp(a->argv[1], "-a");
	if (a->argc > 1 && !all) {
		monitor_printf(s, "info registers: unsupported option %s\n", a->argv[1]);
		monitor_usage(s, a->cmd);
		return;
	}
	struct cpu_snap *snap = snapshot(vm);
	if (!snap) {
		monitor_printf(s, "No CPU available\n");
		return;
	}
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		if (!all && i != cur_cpu(s))
			continue;
		if (all)
			monitor_printf(s, "\nCPU#%u\n", i);
		if (snap[i].ok)
			print_regs(s, &snap[i]);
		else
			monitor_printf(s, "(registers not available)\n");
	}
	free(snap);
}

/* Host thread id of vCPU i, from the thread names in /proc ("vcpu<i>"); -1 if unknown. */
static long vcpu_tid(unsigned i)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -1;
	char want[16];
	snprintf(want, sizeof(want), "vcpu%u", i);
	long tid = -1;
	struct dirent *e;
	while ((e = readdir(d)) && tid < 0) {
		if (e->d_name[0] == '.')
			continue;
		char path[64], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f)) {
			comm[strcspn(comm, "\n")] = 0;
			if (!strcmp(comm, want))
				tid = atol(e->d_name);
		}
		fclose(f);
	}
	closedir(d);
	return tid;
}

/*
 * QEMU's x86 layout with the PC and halted state (as QEMU printed them
 * before query-cpus-fast): "* CPU #0: pc=0x00000000000fff53 (halted) thread_id=123".
 * The PC is the linear address, CS base + RIP.
 */
static void info_cpus(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	struct vm *vm = monitor_vm(s);
	struct cpu_snap *snap = snapshot(vm);
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		monitor_printf(s, "%c CPU #%u:", i == cur_cpu(s) ? '*' : ' ', i);
		if (snap && snap[i].ok)
			monitor_printf(s, " pc=0x%016" PRIx64 "%s",
				       (uint64_t)(snap[i].sregs.cs.base + snap[i].regs.rip),
				       snap[i].halted ? " (halted)" : "");
		monitor_printf(s, " thread_id=%ld\n", vcpu_tid(i));
	}
	free(snap);
}

/* cpu N: the vCPU `info registers` shows. */
static void do_cpu(struct monitor_session *s, struct monitor_args *a)
{
	char *end;
	unsigned long n = strtoul(a->argv[1], &end, 0);
	if (*end || end == a->argv[1] || n >= monitor_vm(s)->n_vcpus) {
		monitor_printf(s, "invalid CPU index\n");
		return;
	}
	s->cpu = (unsigned)n;
}

static const struct monitor_cmd cpu_cmds[] = {
	{ "cpu", "index", "set the default CPU", "-", 1, 1, do_cpu },
};
MONITOR_COMMANDS(cpu, cpu_cmds, false);

static const struct monitor_cmd cpu_info[] = {
	{ "cpus", "", "show infos for each CPU", "", 0, 0, info_cpus },
	{ "registers", "[-a]", "show the cpu registers (-a: all CPUs)", "-", 0, 1,
	  info_registers },
};
MONITOR_COMMANDS(cpu_info, cpu_info, true);
