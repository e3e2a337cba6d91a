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
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>

#include "cpuid.h"
#include "util.h"
#include "vcpu.h"
#include "vcpu_emul.h"
#include "vm.h"

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

/* ------------------------------------------------------------------ */
/* decoder                                                              */
/* ------------------------------------------------------------------ */

const char *emul_op_name(enum emul_op op)
{
	static const char *const names[] = {
		[EOP_NONE] = "?", [EOP_INT3] = "int3", [EOP_INTN] = "int n",
		[EOP_INTO] = "into", [EOP_IRET] = "iret", [EOP_FWAIT] = "fwait",
		[EOP_CLAC] = "clac", [EOP_STAC] = "stac", [EOP_RDRAND] = "rdrand",
		[EOP_RDSEED] = "rdseed", [EOP_POPCNT] = "popcnt", [EOP_FNCLEX] = "fnclex", [EOP_FNSTSW_AX] = "fnstsw ax",
		[EOP_EMMS] = "emms", [EOP_CMPXCHG8B] = "cmpxchg8b/16b", [EOP_RDFSBASE] = "rdfsbase", [EOP_RDGSBASE] = "rdgsbase",
		[EOP_WRFSBASE] = "wrfsbase", [EOP_WRGSBASE] = "wrgsbase",
	};
	return (unsigned)op < ARRAY_SIZE(names) && names[op] ? names[op] : "?";
}

#define NEED(k) do { if (i + (k) > n) return EMUL_TRUNCATED; } while (0)

/* ModRM, SIB and displacement (SDM vol. 2, 2.1.5 and 2.2.1). */
static int decode_modrm(const uint8_t *b, size_t n, size_t *pi, struct emul_insn *in)
{
	size_t i = *pi;
	NEED(1);
	uint8_t m = b[i++];
	unsigned rmlow = m & 7;
	in->has_modrm = true;
	in->mod = m >> 6;
	in->reg = ((m >> 3) & 7) | (in->rex & 4 ? 8 : 0);
	in->rm = rmlow | (in->rex & 1 ? 8 : 0);
	unsigned dispsz = 0;
	if (in->mod == 3) {
		*pi = i;
		return EMUL_DECODED;
	}
	if (in->addrsize == 2) {
		in->rm = rmlow; /* 16-bit forms: BX+SI ... BX, no REX */
		if (in->mod == 1)
			dispsz = 1;
		else if (in->mod == 2 || (in->mod == 0 && rmlow == 6))
			dispsz = 2;
	} else {
		if (rmlow == 4) {
			NEED(1);
			uint8_t s = b[i++];
			in->has_sib = true;
			in->sib_scale = s >> 6;
			in->sib_index = ((s >> 3) & 7) | (in->rex & 2 ? 8 : 0);
			if (in->sib_index == 4)
				in->sib_index = 0xff; /* no index */
			in->sib_base = (s & 7) | (in->rex & 1 ? 8 : 0);
			if ((s & 7) == 5 && in->mod == 0) {
				in->sib_base = 0xff; /* no base, disp32 */
				dispsz = 4;
			}
		} else if (rmlow == 5 && in->mod == 0) {
			dispsz = 4;
			in->rip_relative = in->mode64; /* RIP-relative in 64-bit mode */
		}
		if (in->mod == 1)
			dispsz = 1;
		else if (in->mod == 2)
			dispsz = 4;
	}
	NEED(dispsz);
	if (dispsz == 1)
		in->disp = (int8_t)b[i];
	else if (dispsz == 2)
		in->disp = (int16_t)ld16(b + i);
	else if (dispsz == 4)
		in->disp = (int32_t)ld32(b + i);
	i += dispsz;
	*pi = i;
	return EMUL_DECODED;
}

int emul_decode(const uint8_t *b, size_t n, enum emul_mode mode, struct emul_insn *in)
{
	memset(in, 0, sizeof(*in));
	in->seg = -1;
	in->mode64 = mode == EMUL_LONG64;
	bool opsz = false, adsz = false;
	size_t i = 0;
	if (n > 15)
		n = 15; /* SDM vol. 2, 2.3.11: at most 15 bytes */
	/* legacy prefixes, then at most one REX right before the opcode */
	for (;; i++) {
		NEED(1);
		uint8_t c = b[i];
		if (in->mode64 && (c & 0xf0) == 0x40) {
			in->rex = c;
			continue;
		}
		if (c == 0x66 || c == 0x67 || c == 0xf0 || c == 0xf2 || c == 0xf3 ||
		    c == 0x26 || c == 0x2e || c == 0x36 || c == 0x3e || c == 0x64 || c == 0x65)
			in->rex = 0; /* a REX not right before the opcode is ignored */
		switch (c) {
		case 0x66: opsz = true; continue;
		case 0x67: adsz = true; continue;
		case 0xf0: in->lock = true; continue;
		case 0xf2: in->repne = true; in->rep = false; continue;
		case 0xf3: in->rep = true; in->repne = false; continue;
		case 0x26: in->seg = EMUL_SEG_ES; continue;
		case 0x2e: in->seg = EMUL_SEG_CS; continue;
		case 0x36: in->seg = EMUL_SEG_SS; continue;
		case 0x3e: in->seg = EMUL_SEG_DS; continue;
		case 0x64: in->seg = EMUL_SEG_FS; continue;
		case 0x65: in->seg = EMUL_SEG_GS; continue;
		}
		break;
	}
	unsigned def = (mode == EMUL_PROT32 || mode == EMUL_LONG64) ? 4 : 2;
	if (in->rex & 8)
		in->opsize = 8;
	else
		in->opsize = opsz ? 6 - def : def;
	if (in->mode64)
		in->addrsize = adsz ? 4 : 8;
	else
		in->addrsize = adsz ? 6 - def : def;
	if (in->mode64 && in->seg >= 0 && in->seg < EMUL_SEG_FS)
		in->seg = -1; /* ES/CS/SS/DS overrides are ignored in 64-bit mode */
	bool np = !opsz && !in->rep && !in->repne; /* "NP": no 66/F2/F3 */

	NEED(1);
	uint8_t op = b[i++];
	int r = EMUL_DECODED;
	switch (op) {
	case 0xcc:
		in->op = EOP_INT3;
		break;
	case 0xcd:
		NEED(1);
		in->imm8 = b[i++];
		in->op = EOP_INTN;
		break;
	case 0xce:
		if (in->mode64)
			return EMUL_UNKNOWN; /* #UD in 64-bit mode: KVM raises that itself */
		in->op = EOP_INTO;
		break;
	case 0xcf:
		in->op = EOP_IRET;
		break;
	case 0x9b:
		in->op = EOP_FWAIT;
		break;
	case 0xdb:
		NEED(1);
		if (b[i] != 0xe2)
			return EMUL_UNKNOWN;
		i++;
		in->op = EOP_FNCLEX;
		break;
	case 0xdf:
		NEED(1);
		if (b[i] != 0xe0)
			return EMUL_UNKNOWN;
		i++;
		in->op = EOP_FNSTSW_AX;
		break;
	case 0x0f: {
		NEED(1);
		uint8_t op2 = b[i++];
		switch (op2) {
		case 0x01:
			NEED(1);
			if (!np || (b[i] != 0xca && b[i] != 0xcb))
				return EMUL_UNKNOWN;
			in->op = b[i++] == 0xca ? EOP_CLAC : EOP_STAC;
			break;
		case 0x77:
			if (!np)
				return EMUL_UNKNOWN;
			in->op = EOP_EMMS;
			break;
		case 0xc7:
			if (in->rep || in->repne)
				return EMUL_UNKNOWN; /* F3 0F C7 /7 is RDPID */
			r = decode_modrm(b, n, &i, in);
			if (r)
				return r;
			if (in->mod != 3 && (in->reg & 7) == 1 && !opsz) {
				in->op = EOP_CMPXCHG8B;
				break;
			}
			if (in->mod != 3 || (in->reg & 7) < 6)
				return EMUL_UNKNOWN;
			in->op = (in->reg & 7) == 6 ? EOP_RDRAND : EOP_RDSEED;
			break;
		case 0xb8:
			if (!in->rep || in->repne)
				return EMUL_UNKNOWN;
			r = decode_modrm(b, n, &i, in);
			if (r)
				return r;
			in->op = EOP_POPCNT;
			break;
		case 0xae:
			if (!in->mode64 || !in->rep || opsz)
				return EMUL_UNKNOWN;
			r = decode_modrm(b, n, &i, in);
			if (r)
				return r;
			if (in->mod != 3 || (in->reg & 7) > 3)
				return EMUL_UNKNOWN;
			in->op = EOP_RDFSBASE + (in->reg & 7);
			break;
		default:
			return EMUL_UNKNOWN;
		}
		break;
	}
	default:
		return EMUL_UNKNOWN;
	}
	in->len = i;
	return EMUL_DECODED;
}

/* ------------------------------------------------------------------ */
/* executor                                                             */
/* ------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------ */
/* the vCPU side: KVM ioctls                                            */
/* ------------------------------------------------------------------ */

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
