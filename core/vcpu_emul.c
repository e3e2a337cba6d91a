/*
 * The vCPU side of the emulation fallback (see vcpu_emul.h): on KVM's
 * emulation-failure exit, fetch the instruction through the guest's page
 * tables, decode it (vcpu_emul_decode.c), carry it out on a copy of the
 * registers (vcpu_emul_exec.c) and hand the result back to KVM.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/cpuid.h"
#include "core/util.h"
#include "core/vcpu.h"
#include "core/vcpu_emul.h"
#include "core/vm.h"

/* Guest linear -> host pointer, page by page (KVM_TRANSLATE walks the
 * guest's page tables), every page bounds-checked against guest RAM. */
static int vcpu_access_linear(struct vcpu *v, uint64_t la, void *buf, unsigned len, bool write)
{
	uint8_t *p = buf;
	while (len) {
		unsigned chunk = MIN(len, 4096 - (unsigned)(la & 4095));
		struct kvm_translation tr = { .linear_address = la };
		if (ioctl(v->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid || (write && !tr.writeable))
			return -1;
		uint8_t *h = vm_gpa_to_hva(v->vm, tr.physical_address, chunk);
		if (!h)
			return -1;
		if (write)
			memcpy(h, p, chunk);
		else
			memcpy(p, h, chunk);
		la += chunk;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

static int env_read(void *opaque, uint64_t la, void *buf, unsigned len)
{
	return vcpu_access_linear(opaque, la, buf, len, false);
}

static int env_write(void *opaque, uint64_t la, const void *buf, unsigned len)
{
	return vcpu_access_linear(opaque, la, (void *)buf, len, true);
}

static void *env_map(void *opaque, uint64_t la, unsigned len)
{
	struct vcpu *v = opaque;
	struct kvm_translation tr = { .linear_address = la };
	if ((la & 4095) + len > 4096 || ioctl(v->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid ||
	    !tr.writeable)
		return NULL;
	return vm_gpa_to_hva(v->vm, tr.physical_address, len);
}

static int env_get_fpu(void *opaque, struct kvm_fpu *fpu)
{
	struct vcpu *v = opaque;
	return ioctl(v->fd, KVM_GET_FPU, fpu) < 0 ? -1 : 0;
}

/* The host CPU's own feature words (the same for every VM). */
static uint32_t host_cpuid1_ecx, host_cpuid7_ebx;
static pthread_once_t host_cpuid_once = PTHREAD_ONCE_INIT;
static uint32_t host_cpuid(uint32_t leaf, uint32_t *b, uint32_t *c)
{
	uint32_t a = leaf, d, cc = 0;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(*b), "+c"(cc), "=d"(d));
	*c = cc;
	return a;
}
static bool trace_all; /* VMST_EMUL_TRACE=1: log every emulated instruction */
static void read_host_cpuid(void)
{
	const char *t = getenv("VMST_EMUL_TRACE");
	trace_all = t && *t && strcmp(t, "0");
	uint32_t b, c;
	uint32_t max = host_cpuid(0, &b, &c);
	host_cpuid(1, &b, &host_cpuid1_ecx);
	if (max >= 7)
		host_cpuid(7, &host_cpuid7_ebx, &c);
}

/* Up to 15 bytes at CS:RIP, stopping at the first unreadable page. */
static size_t fetch_insn(struct vcpu *v, const struct emul_env *e, uint8_t *buf)
{
	uint64_t la = e->regs.rip; /* CS.base counts for nothing in 64-bit mode */
	if (emul_cpu_mode(&e->sregs, e->regs.rflags) != EMUL_LONG64)
		la = (la + e->sregs.cs.base) & 0xffffffffull;
	size_t n = 0;
	while (n < 15) {
		unsigned chunk = MIN(15 - n, 4096 - (unsigned)((la + n) & 4095));
		if (vcpu_access_linear(v, la + n, buf + n, chunk, false) < 0)
			break;
		n += chunk;
	}
	return n;
}

/* Per-thread (= per-vCPU) counts of what was emulated, for the log. */
static __thread uint64_t emul_counts[EOP_COUNT];

static void log_failure(struct vcpu *v, const struct emul_env *e, const uint8_t *bytes,
			size_t n, const char *why)
{
	char hex[3 * 15 + 1] = "", kvm[3 * 16 * 8 + 16] = "";
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", bytes[i]);
	struct kvm_run *run = v->run;
	size_t off = 0;
	for (uint32_t i = 0; i < run->internal.ndata && i < 16 && off + 20 < sizeof(kvm); i++)
		off += snprintf(kvm + off, sizeof(kvm) - off, " %llx",
				(unsigned long long)run->internal.data[i]);
	vm_log(v->vm, "vCPU %u: KVM cannot emulate the instruction at %04x:%llx (CPL %u): "
	       "bytes %s- %s; KVM data:%s", v->id, e->sregs.cs.selector,
	       (unsigned long long)e->regs.rip, e->sregs.ss.dpl, n ? hex : "(unreadable) ", why,
	       off ? kvm : " none");
}

bool vcpu_emul_internal_error(struct vcpu *v)
{
	if (v->run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION)
		return false;
	struct emul_env e;
	memset(&e, 0, sizeof(e));
	if (vcpu_get_regs(v, &e.regs, &e.sregs) < 0)
		return false;
	struct kvm_vcpu_events ev;
	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return false;
	uint8_t bytes[15];
	size_t n = fetch_insn(v, &e, bytes);
	enum emul_mode mode = emul_cpu_mode(&e.sregs, e.regs.rflags);
	struct emul_insn in;
	uint64_t rip = e.regs.rip;
	int d = emul_decode(bytes, n, mode, &in);
	if (ev.exception.injected || ev.interrupt.injected || ev.nmi.injected) {
		log_failure(v, &e, bytes, n, "it failed while an event was being delivered");
		return false;
	}
	if (d != EMUL_DECODED) {
		log_failure(v, &e, bytes, n, d == EMUL_TRUNCATED ? "instruction cut short by an unmapped page"
								  : "not handled by vmstation either");
		return false;
	}

	pthread_once(&host_cpuid_once, read_host_cpuid);
	struct kvm_cpuid_entry2 *c1 = cpuid_find(v->vm->cpuid, 1, 0);
	struct kvm_cpuid_entry2 *c7 = cpuid_find(v->vm->cpuid, 7, 0);
	e.cpuid1_ecx = host_cpuid1_ecx | (c1 ? c1->ecx : 0);
	e.cpuid7_ebx = host_cpuid7_ebx | (c7 ? c7->ebx : 0);
	e.opaque = v;
	e.read_linear = env_read;
	e.write_linear = env_write;
	e.get_fpu = env_get_fpu;
	e.map_linear = env_map;
	if (emul_execute(&e, &in) != EMUL_DONE) {
		log_failure(v, &e, bytes, n, "its operands are not handled (see vcpu_emul.c)");
		return false;
	}
	/* Every outcome moves the guest on: RIP advanced or an event raised. */
	if ((e.regs_changed && ioctl(v->fd, KVM_SET_REGS, &e.regs) < 0) ||
	    (e.sregs_changed && ioctl(v->fd, KVM_SET_SREGS, &e.sregs) < 0) ||
	    (e.fpu_changed && ioctl(v->fd, KVM_SET_FPU, &e.fpu) < 0)) {
		vm_log(v->vm, "vCPU %u: writing back emulated %s: %s", v->id, emul_op_name(in.op),
		       strerror(errno));
		return false;
	}
	if (e.event != EMUL_EV_NONE || (e.nmi_unblocked && ev.nmi.masked)) {
		ev.flags = 0; /* leave NMI pending, SIPI, shadow and SMM state alone */
		if (e.nmi_unblocked)
			ev.nmi.masked = 0;
		if (e.event == EMUL_EV_EXCEPTION) {
			ev.exception.injected = 1;
			ev.exception.nr = e.vector;
			ev.exception.has_error_code = e.has_error_code;
			ev.exception.error_code = e.error_code;
		} else if (e.event == EMUL_EV_INTERRUPT) {
			ev.interrupt.injected = 1;
			ev.interrupt.nr = e.vector;
			ev.interrupt.soft = 0;
		}
		if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0) {
			vm_log(v->vm, "vCPU %u: KVM_SET_VCPU_EVENTS after %s: %s", v->id,
			       emul_op_name(in.op), strerror(errno));
			return false;
		}
	}
	uint64_t k = ++emul_counts[in.op];
	if (trace_all || ((k & (k - 1)) == 0 && (k == 1 || k >= 1024)))
		vm_log(v->vm, "vCPU %u: emulated %s for KVM (%llu so far; last at %llx%s)", v->id,
		       emul_op_name(in.op), (unsigned long long)k, (unsigned long long)rip,
		       e.event == EMUL_EV_EXCEPTION ? ", raised an exception" : "");
	if (trace_all)
		vm_log(v->vm, "vCPU %u:   -> %04x:%llx rsp %llx rflags %llx event %d vector %u error %x",
		       v->id, e.sregs.cs.selector, (unsigned long long)e.regs.rip,
		       (unsigned long long)e.regs.rsp, (unsigned long long)e.regs.rflags, e.event,
		       e.vector, e.error_code);
	return true;
}
