/*
 * Instructions the host's KVM refuses to emulate, carried out by vmstation
 * (see vcpu_emul.h). Each handler follows the "Operation" and "Exceptions"
 * sections of the instruction's page in the Intel SDM vol. 2; exceptions it
 * raises are handed to KVM_SET_VCPU_EVENTS and delivered by KVM through the
 * guest's IDT. Whatever is not listed here is not understood: the caller's
 * crash path, never a guess.
 *
 * On the host this was written for (kvm-pvm, TESTING.md) CPUID cannot hide
 * most features (the guest sees the host's bits whatever KVM_SET_CPUID2
 * says), and on any host a VM's CPUID does not stop the hardware from running
 * an instruction; so "present" below means: advertised by the configured
 * CPUID or by the host CPU.
 */
#include <string.h>
#include <sys/random.h>

#include "core/cpuid.h"
#include "core/util.h"
#include "core/vcpu_emul.h"

#define FL_CF   (1u << 0)
#define FL_PF   (1u << 2)
#define FL_AF   (1u << 4)
#define FL_ZF   (1u << 6)
#define FL_SF   (1u << 7)
#define FL_TF   (1u << 8)
#define FL_IF   (1u << 9)
#define FL_DF   (1u << 10)
#define FL_OF   (1u << 11)
#define FL_IOPL (3u << 12)
#define FL_NT   (1u << 14)
#define FL_RF   (1u << 16)
#define FL_VM   (1u << 17)
#define FL_AC   (1u << 18)
#define FL_VIF  (1u << 19)
#define FL_VIP  (1u << 20)
#define FL_ID   (1u << 21)
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_NE (1u << 5)
#define CR4_FSGSBASE (1u << 16)
#define EFER_LMA (1u << 10)

enum { VEC_UD = 6, VEC_NM = 7, VEC_NP = 11, VEC_SS = 12, VEC_GP = 13, VEC_MF = 16 };

enum emul_mode emul_cpu_mode(const struct kvm_sregs *s, uint64_t rflags)
{
	if (!(s->cr0 & CR0_PE))
		return EMUL_REAL;
	if ((s->efer & EFER_LMA) && s->cs.l)
		return EMUL_LONG64;
	if (rflags & FL_VM)
		return EMUL_PROT16; /* virtual-8086: callers check VM themselves */
	return s->cs.db ? EMUL_PROT32 : EMUL_PROT16;
}

/* CPL: KVM keeps SS.DPL equal to it (SDM vol. 3, 5.5; KVM's get_cpl). */
static unsigned cpl_of(const struct emul_env *e)
{
	return e->sregs.ss.dpl;
}

static __u64 *gpr(struct kvm_regs *r, unsigned n)
{
	switch (n & 15) {
	case 0: return &r->rax;  case 1: return &r->rcx;
	case 2: return &r->rdx;  case 3: return &r->rbx;
	case 4: return &r->rsp;  case 5: return &r->rbp;
	case 6: return &r->rsi;  case 7: return &r->rdi;
	case 8: return &r->r8;   case 9: return &r->r9;
	case 10: return &r->r10; case 11: return &r->r11;
	case 12: return &r->r12; case 13: return &r->r13;
	case 14: return &r->r14; default: return &r->r15;
	}
}

static uint64_t size_mask(unsigned bytes)
{
	return bytes >= 8 ? ~0ull : (1ull << (bytes * 8)) - 1;
}

/* A register write of `size` bytes: 32-bit writes zero the upper half. */
static void set_gpr(struct emul_env *e, unsigned n, unsigned size, uint64_t v)
{
	__u64 *r = gpr(&e->regs, n);
	if (size == 2)
		*r = (*r & ~0xffffull) | (v & 0xffff);
	else
		*r = v & size_mask(size);
	e->regs_changed = true;
}

static bool lm_active(const struct emul_env *e)
{
	return emul_cpu_mode(&e->sregs, e->regs.rflags) == EMUL_LONG64;
}

static uint64_t linear(const struct emul_env *e, uint64_t base, uint64_t off)
{
	uint64_t la = base + off;
	return lm_active(e) ? la : (la & 0xffffffffull);
}

/* Trap-like completion: RIP past the instruction (wraps at 64K/4G). */
static void advance(struct emul_env *e, const struct emul_insn *in)
{
	uint64_t ip = e->regs.rip + in->len;
	if (!lm_active(e))
		ip &= e->sregs.cs.db ? 0xffffffffull : 0xffffull;
	e->regs.rip = ip;
	e->regs_changed = true;
}

static int raise_exc(struct emul_env *e, unsigned vec, bool has_err, uint32_t err)
{
	e->event = EMUL_EV_EXCEPTION;
	e->vector = vec;
	e->has_error_code = has_err;
	e->error_code = err;
	return EMUL_DONE;
}

static int raise_ud(struct emul_env *e) { return raise_exc(e, VEC_UD, false, 0); }
static int raise_gp(struct emul_env *e, uint32_t err) { return raise_exc(e, VEC_GP, true, err); }

static bool cpu_has(const struct emul_env *e, int leaf, int bit)
{
	return (leaf == 1 ? e->cpuid1_ecx : e->cpuid7_ebx) & (1u << bit);
}

static bool load_fpu(struct emul_env *e)
{
	if (!e->have_fpu && e->get_fpu && e->get_fpu(e->opaque, &e->fpu) == 0)
		e->have_fpu = true;
	return e->have_fpu;
}

/* x87 exception flags in FSW that FCW does not mask (SDM vol. 1, 8.1.3.1). */
static bool x87_unmasked_pending(const struct kvm_fpu *f)
{
	return (f->fsw & ~f->fcw & 0x3f) != 0;
}

/*
 * INT3, INT n, INTO (SDM vol. 2A "INT n/INTO/INT3/INT1"): a software
 * interrupt from CPL > 0 through a gate with DPL < CPL is #GP(vector*8+2);
 * the return address pushed is the next instruction (#BP, #OF are traps).
 */
static int soft_int(struct emul_env *e, const struct emul_insn *in, unsigned vec, bool as_exception)
{
	unsigned cpl = cpl_of(e);
	if (cpl > 0) {
		unsigned gsz = lm_active(e) ? 16 : 8;
		uint8_t g[8];
		if ((uint64_t)vec * gsz + gsz - 1 > e->sregs.idt.limit)
			return raise_gp(e, vec * 8 + 2);
		if (e->read_linear(e->opaque, linear(e, e->sregs.idt.base, vec * gsz), g, 8) < 0)
			return EMUL_UNHANDLED;
		if (cpl > ((g[5] >> 5) & 3u))
			return raise_gp(e, vec * 8 + 2);
	}
	advance(e, in);
	e->event = as_exception ? EMUL_EV_EXCEPTION : EMUL_EV_INTERRUPT;
	e->vector = vec;
	e->has_error_code = false;
	return EMUL_DONE;
}

/* ---- segments (SDM vol. 3, 3.4.5) --------------------------------- */

static void seg_from_desc(struct kvm_segment *s, uint16_t sel, const uint8_t d[8])
{
	uint32_t limit = ld16(d) | (uint32_t)(d[6] & 0xf) << 16;
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = ld16(d + 2) | (uint32_t)d[4] << 16 | (uint32_t)d[7] << 24;
	s->g = d[6] >> 7;
	s->limit = s->g ? (limit << 12) | 0xfff : limit;
	s->type = d[5] & 0xf;
	s->s = (d[5] >> 4) & 1;
	s->dpl = (d[5] >> 5) & 3;
	s->present = d[5] >> 7;
	s->avl = (d[6] >> 4) & 1;
	s->l = (d[6] >> 5) & 1;
	s->db = (d[6] >> 6) & 1;
}

static void seg_null(struct kvm_segment *s, uint16_t sel, unsigned dpl)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->dpl = dpl;
	s->unusable = 1;
}

/*
 * The descriptor `sel` names in the GDT or LDT. 0 = loaded; 1 = #GP(sel)
 * raised (outside the table); EMUL_UNHANDLED = the table is not readable.
 */
static int read_desc(struct emul_env *e, uint16_t sel, struct kvm_segment *s)
{
	const struct kvm_dtable *gdt = &e->sregs.gdt;
	uint64_t base = gdt->base, limit = gdt->limit;
	if (sel & 4) {
		if (e->sregs.ldt.unusable || !e->sregs.ldt.present) {
			raise_gp(e, sel & ~3u);
			return 1;
		}
		base = e->sregs.ldt.base;
		limit = e->sregs.ldt.limit;
	}
	uint64_t off = (uint64_t)(sel & ~7u);
	if (off + 7 > limit) {
		raise_gp(e, sel & ~3u);
		return 1;
	}
	uint8_t d[8];
	if (e->read_linear(e->opaque, linear(e, base, off), d, 8) < 0)
		return EMUL_UNHANDLED;
	seg_from_desc(s, sel, d);
	if (!(d[5] & 1) && s->s && e->write_linear) {
		/* the processor sets the accessed bit on a load (3.4.5.1) */
		uint8_t a = d[5] | 1;
		e->write_linear(e->opaque, linear(e, base, off + 5), &a, 1);
		s->type |= 1;
	}
	return 0;
}

/* ---- IRET (SDM vol. 2A "IRET/IRETD/IRETQ", protected and IA-32e) --- */

static uint64_t iret_flags(uint64_t old, uint64_t tmp, unsigned size, unsigned cpl)
{
	uint64_t mask = FL_ARITH | FL_TF | FL_DF | FL_NT | FL_RF | FL_AC | FL_ID;
	if (cpl <= ((old & FL_IOPL) >> 12))
		mask |= FL_IF;
	if (cpl == 0)
		mask |= FL_IOPL | FL_VIF | FL_VIP;
	if (size == 2)
		mask &= 0xffff;
	return ((old & ~mask) | (tmp & mask) | 2) & 0x3f7fd7ull;
}

static int stack_read(struct emul_env *e, uint64_t sp, unsigned k, unsigned size, uint64_t *v)
{
	uint64_t off, base = 0;
	if (lm_active(e)) {
		off = sp + (uint64_t)k * size;
	} else {
		uint64_t m = e->sregs.ss.db ? 0xffffffffull : 0xffffull;
		off = (sp + (uint64_t)k * size) & m;
		base = e->sregs.ss.base;
		/* an expand-up stack segment must hold the whole item */
		if (!(e->sregs.ss.type & 4) && off + size - 1 > e->sregs.ss.limit) {
			raise_exc(e, VEC_SS, true, 0);
			return 1;
		}
	}
	uint8_t buf[8] = { 0 };
	if (e->read_linear(e->opaque, linear(e, base, off), buf, size) < 0)
		return EMUL_UNHANDLED;
	*v = ld64(buf) & size_mask(size);
	return 0;
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static int do_iret(struct emul_env *e, const struct emul_insn *in)
{
	enum emul_mode mode = emul_cpu_mode(&e->sregs, e->regs.rflags);
	bool lm = mode == EMUL_LONG64 || ((e->sregs.efer & EFER_LMA) && mode != EMUL_REAL);
	if (mode == EMUL_REAL || (e->regs.rflags & FL_VM))
		return EMUL_UNHANDLED; /* KVM emulates real-mode IRET; no virtual-8086 here */
	if (e->regs.rflags & FL_NT)
		return lm ? raise_gp(e, 0) : EMUL_UNHANDLED; /* task return: not done */
	unsigned sz = in->opsize, cpl = cpl_of(e);
	uint64_t sp = e->regs.rsp, nip, ncs, nfl, nsp = 0, nss = 0;
	int r;
	if ((r = stack_read(e, sp, 0, sz, &nip)) || (r = stack_read(e, sp, 1, sz, &ncs)) ||
	    (r = stack_read(e, sp, 2, sz, &nfl)))
		return r < 0 ? r : EMUL_DONE;
	if (!lm && sz == 4 && cpl == 0 && (nfl & FL_VM))
		return EMUL_UNHANDLED; /* return to virtual-8086 mode: not done */

	uint16_t cs_sel = ncs;
	unsigned rpl = cs_sel & 3;
	struct kvm_segment cs, ss = e->sregs.ss;
	if (!(cs_sel & ~3u))
		return raise_gp(e, 0);
	if ((r = read_desc(e, cs_sel, &cs)))
		return r < 0 ? r : EMUL_DONE;
	if (!cs.s || !(cs.type & 8) || rpl < cpl)
		return raise_gp(e, cs_sel & ~3u);
	if ((cs.type & 4) ? cs.dpl > rpl : cs.dpl != rpl)
		return raise_gp(e, cs_sel & ~3u);
	if (lm && cs.l && cs.db)
		return raise_gp(e, cs_sel & ~3u);
	if (!cs.present)
		return raise_exc(e, VEC_NP, true, cs_sel & ~3u);
	bool to64 = lm && cs.l;

	/* IA-32e mode always pops SS:RSP; protected mode only to an outer level */
	bool pop_ss = lm || rpl > cpl;
	if (pop_ss) {
		if ((r = stack_read(e, sp, 3, sz, &nsp)) || (r = stack_read(e, sp, 4, sz, &nss)))
			return r < 0 ? r : EMUL_DONE;
		uint16_t ss_sel = nss;
		if (!(ss_sel & ~3u)) {
			/* a null SS is allowed only going to 64-bit code below CPL 3 */
			if (!to64 || rpl == 3)
				return raise_gp(e, 0);
			seg_null(&ss, ss_sel, rpl);
		} else {
			if ((ss_sel & 3) != rpl)
				return raise_gp(e, ss_sel & ~3u);
			if ((r = read_desc(e, ss_sel, &ss)))
				return r < 0 ? r : EMUL_DONE;
			if (!ss.s || (ss.type & 8) || !(ss.type & 2) || ss.dpl != rpl)
				return raise_gp(e, ss_sel & ~3u);
			if (!ss.present)
				return raise_exc(e, VEC_SS, true, ss_sel & ~3u);
		}
	}
	if (to64) {
		if (!canonical(nip))
			return raise_gp(e, 0);
	} else {
		nip &= sz == 2 ? 0xffff : 0xffffffff;
		if (nip > cs.limit)
			return raise_gp(e, 0);
	}

	e->regs.rflags = iret_flags(e->regs.rflags, nfl, sz, cpl);
	e->regs.rip = nip;
	if (pop_ss) {
		if (to64)
			e->regs.rsp = nsp;
		else if (ss.db)
			e->regs.rsp = nsp & 0xffffffff;
		else
			e->regs.rsp = (e->regs.rsp & ~0xffffull) | (nsp & 0xffff);
		e->sregs.ss = ss;
	} else {
		uint64_t m = lm ? ~0ull : e->sregs.ss.db ? 0xffffffffull : 0xffffull;
		e->regs.rsp = (sp & ~m) | ((sp + 3ull * sz) & m);
	}
	e->sregs.cs = cs;
	if (rpl > cpl) {
		/* data segments the outer level may not use become null */
		struct kvm_segment *segs[] = { &e->sregs.es, &e->sregs.ds, &e->sregs.fs, &e->sregs.gs };
		for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
			struct kvm_segment *s = segs[i];
			bool conforming_code = (s->type & 0xc) == 0xc;
			if (!s->unusable && s->present && s->s && !conforming_code && s->dpl < rpl) {
				uint64_t base = s->base;
				seg_null(s, 0, 0);
				if (lm)
					s->base = base; /* 64-bit FS/GS bases live in MSRs */
			}
		}
	}
	e->regs_changed = e->sregs_changed = true;
	e->nmi_unblocked = true;
	return EMUL_DONE;
}

/* ---- the rest ------------------------------------------------------ */

/* Effective address of a ModRM memory operand (SDM vol. 2, 2.1.5, 3.7.5). */
static uint64_t modrm_linear(struct emul_env *e, const struct emul_insn *in)
{
	struct kvm_regs *r = &e->regs;
	int seg = EMUL_SEG_DS;
	uint64_t a;
	if (in->addrsize == 2) {
		static const uint8_t b16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };  /* BX BX BP BP SI DI BP BX */
		static const uint8_t i16[8] = { 6, 7, 6, 7, 8, 8, 8, 8 };  /* SI DI SI DI - - - - */
		unsigned rm = in->rm & 7;
		a = (in->mod == 0 && rm == 6) ? 0 : *gpr(r, b16[rm]);
		if (i16[rm] < 8)
			a += *gpr(r, i16[rm]);
		if ((rm == 2 || rm == 3 || rm == 6) && !(in->mod == 0 && rm == 6))
			seg = EMUL_SEG_SS;
	} else if (in->rip_relative) {
		a = r->rip + in->len;
	} else if (in->has_sib) {
		a = 0;
		if (in->sib_base != 0xff) {
			a = *gpr(r, in->sib_base);
			if (in->sib_base == 4 || in->sib_base == 5)
				seg = EMUL_SEG_SS;
		}
		if (in->sib_index != 0xff)
			a += *gpr(r, in->sib_index) << in->sib_scale;
	} else {
		a = *gpr(r, in->rm);
		if (in->rm == 5)
			seg = EMUL_SEG_SS;
	}
	a = (a + (uint64_t)in->disp) & size_mask(in->addrsize);
	if (in->seg >= 0)
		seg = in->seg;
	const struct kvm_segment *segs[] = { &e->sregs.es, &e->sregs.cs, &e->sregs.ss,
					     &e->sregs.ds, &e->sregs.fs, &e->sregs.gs };
	uint64_t base = segs[seg]->base;
	if (lm_active(e) && seg < EMUL_SEG_FS)
		base = 0;
	return linear(e, base, a);
}

static int do_popcnt(struct emul_env *e, const struct emul_insn *in)
{
	if (in->lock || !cpu_has(e, 1, 23))
		return raise_ud(e);
	uint64_t src;
	if (in->mod == 3) {
		src = *gpr(&e->regs, in->rm);
	} else {
		uint8_t buf[8] = { 0 };
		if (e->read_linear(e->opaque, modrm_linear(e, in), buf, in->opsize) < 0)
			return EMUL_UNHANDLED;
		src = ld64(buf);
	}
	src &= size_mask(in->opsize);
	set_gpr(e, in->reg, in->opsize, (uint64_t)__builtin_popcountll(src));
	e->regs.rflags &= ~(uint64_t)FL_ARITH;
	if (!src)
		e->regs.rflags |= FL_ZF;
	advance(e, in);
	return EMUL_DONE;
}

/* RDRAND/RDSEED: random data from the host, CF=1; CF=0 and 0 if none. */
static int do_rdrand(struct emul_env *e, const struct emul_insn *in)
{
	bool seed = in->op == EOP_RDSEED;
	if (in->lock || !(seed ? cpu_has(e, 7, 18) : cpu_has(e, 1, 30)))
		return raise_ud(e);
	uint64_t v = 0;
	bool ok = getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v);
	set_gpr(e, in->rm, in->opsize, ok ? v : 0);
	e->regs.rflags &= ~(uint64_t)FL_ARITH;
	if (ok)
		e->regs.rflags |= FL_CF;
	advance(e, in);
	return EMUL_DONE;
}

/*
 * CMPXCHG8B/CMPXCHG16B (SDM vol. 2A): compare EDX:EAX (RDX:RAX) with the
 * memory operand; equal: ZF=1 and ECX:EBX (RCX:RBX) stored, else ZF=0 and
 * the operand loaded into EDX:EAX (RDX:RAX). 16B needs a 16-byte aligned
 * operand (#GP(0)). Done with the host's own locked instruction on the
 * guest page so other vCPUs see it atomically.
 */
static int do_cmpxchg8b(struct emul_env *e, const struct emul_insn *in)
{
	bool wide = in->opsize == 8;
	if (wide && !cpu_has(e, 1, 13))
		return raise_ud(e);
	uint64_t la = modrm_linear(e, in);
	if (wide && (la & 15))
		return raise_gp(e, 0);
	void *p = e->map_linear ? e->map_linear(e->opaque, la, wide ? 16 : 8) : NULL;
	if (!p)
		return EMUL_UNHANDLED; /* not RAM, read-only, or across a page */
	struct kvm_regs *r = &e->regs;
	bool eq;
	if (wide) {
		uint64_t lo = r->rax, hi = r->rdx;
		__asm__ volatile("lock cmpxchg16b %1"
				 : "=@ccz"(eq), "+m"(*(volatile unsigned __int128 *)p), "+a"(lo), "+d"(hi)
				 : "b"((uint64_t)r->rbx), "c"((uint64_t)r->rcx)
				 : "memory");
		r->rax = lo;
		r->rdx = hi;
	} else {
		uint32_t lo = r->rax, hi = r->rdx;
		__asm__ volatile("lock cmpxchg8b %1"
				 : "=@ccz"(eq), "+m"(*(volatile uint64_t *)p), "+a"(lo), "+d"(hi)
				 : "b"((uint32_t)r->rbx), "c"((uint32_t)r->rcx)
				 : "memory");
		if (!eq) { /* a 32-bit register write clears the upper half */
			r->rax = lo;
			r->rdx = hi;
		}
	}
	r->rflags = eq ? (r->rflags | FL_ZF) : (r->rflags & ~(uint64_t)FL_ZF);
	e->regs_changed = true;
	advance(e, in);
	return EMUL_DONE;
}

static int do_fsgsbase(struct emul_env *e, const struct emul_insn *in)
{
	if (in->lock || !(e->sregs.cr4 & CR4_FSGSBASE) || !cpu_has(e, 7, 0))
		return raise_ud(e);
	bool gs = in->op == EOP_RDGSBASE || in->op == EOP_WRGSBASE;
	struct kvm_segment *s = gs ? &e->sregs.gs : &e->sregs.fs;
	unsigned size = in->opsize == 8 ? 8 : 4;
	if (in->op == EOP_RDFSBASE || in->op == EOP_RDGSBASE) {
		set_gpr(e, in->rm, size, s->base);
	} else {
		uint64_t v = *gpr(&e->regs, in->rm) & size_mask(size);
		if (!canonical(v))
			return raise_gp(e, 0);
		s->base = v;
		e->sregs_changed = true;
	}
	advance(e, in);
	return EMUL_DONE;
}

int emul_execute(struct emul_env *e, const struct emul_insn *in)
{
	uint64_t cr0 = e->sregs.cr0;
	bool vm86 = e->regs.rflags & FL_VM;
	if (emul_cpu_mode(&e->sregs, e->regs.rflags) == EMUL_REAL || vm86)
		return EMUL_UNHANDLED; /* KVM does real mode; virtual-8086 is not done */
	switch (in->op) {
	case EOP_INT3:
		return soft_int(e, in, 3, true);
	case EOP_INTN:
		if (in->imm8 == 3 || in->imm8 == 4)
			return soft_int(e, in, in->imm8, true);
		return soft_int(e, in, in->imm8, false);
	case EOP_INTO:
		if (!(e->regs.rflags & FL_OF)) {
			advance(e, in);
			return EMUL_DONE;
		}
		return soft_int(e, in, 4, true);
	case EOP_IRET:
		return do_iret(e, in);
	case EOP_FWAIT:
		/* SDM vol. 2B "WAIT/FWAIT": #NM if MP and TS; #MF (a fault) if an
		 * unmasked x87 exception is pending; otherwise nothing. */
		if ((cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
			return raise_exc(e, VEC_NM, false, 0);
		if (!load_fpu(e))
			return EMUL_UNHANDLED;
		if (x87_unmasked_pending(&e->fpu)) {
			if (!(cr0 & CR0_NE))
				return EMUL_UNHANDLED; /* FERR# to IRQ 13: not modelled */
			return raise_exc(e, VEC_MF, false, 0);
		}
		advance(e, in);
		return EMUL_DONE;
	case EOP_FNCLEX:
		/* SDM vol. 2A "FCLEX/FNCLEX": clears PE..IE, SF, ES and B in FSW */
		if (cr0 & (CR0_EM | CR0_TS))
			return raise_exc(e, VEC_NM, false, 0);
		if (!load_fpu(e))
			return EMUL_UNHANDLED;
		e->fpu.fsw &= 0x7f00;
		e->fpu_changed = true;
		advance(e, in);
		return EMUL_DONE;
	case EOP_FNSTSW_AX:
		/* SDM vol. 2A "FSTSW/FNSTSW": AX <- FSW; #NM if EM or TS */
		if (cr0 & (CR0_EM | CR0_TS))
			return raise_exc(e, VEC_NM, false, 0);
		if (!load_fpu(e))
			return EMUL_UNHANDLED;
		set_gpr(e, 0, 2, e->fpu.fsw);
		advance(e, in);
		return EMUL_DONE;
	case EOP_EMMS:
		/* SDM vol. 2A "EMMS": #UD if EM, #NM if TS, #MF if x87 exception
		 * pending; sets every x87 tag to empty (abridged FXSAVE tag 0). */
		if (cr0 & CR0_EM)
			return raise_ud(e);
		if (cr0 & CR0_TS)
			return raise_exc(e, VEC_NM, false, 0);
		if (!load_fpu(e))
			return EMUL_UNHANDLED;
		if (x87_unmasked_pending(&e->fpu) && (cr0 & CR0_NE))
			return raise_exc(e, VEC_MF, false, 0);
		e->fpu.ftwx = 0;
		e->fpu_changed = true;
		advance(e, in);
		return EMUL_DONE;
	case EOP_CLAC:
	case EOP_STAC:
		/* SDM vol. 2A "CLAC"/vol. 2B "STAC": #UD with LOCK, at CPL > 0 or
		 * without SMAP; EFLAGS.AC <- 0 / 1 */
		if (in->lock || cpl_of(e) > 0 || !cpu_has(e, 7, 20))
			return raise_ud(e);
		if (in->op == EOP_CLAC)
			e->regs.rflags &= ~(uint64_t)FL_AC;
		else
			e->regs.rflags |= FL_AC;
		advance(e, in);
		return EMUL_DONE;
	case EOP_RDRAND:
	case EOP_RDSEED:
		return do_rdrand(e, in);
	case EOP_POPCNT:
		return do_popcnt(e, in);
	case EOP_CMPXCHG8B:
		return do_cmpxchg8b(e, in);
	case EOP_RDFSBASE: case EOP_RDGSBASE: case EOP_WRFSBASE: case EOP_WRGSBASE:
		return do_fsgsbase(e, in);
	case EOP_NONE:
	case EOP_COUNT:
		break;
	}
	return EMUL_UNHANDLED;
}
