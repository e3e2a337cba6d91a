/*
 * A VMM-side fallback for the few instructions the host's KVM refuses to
 * emulate (KVM_EXIT_INTERNAL_ERROR, suberror KVM_INTERNAL_ERROR_EMULATION).
 *
 * On hosts where guest kernel mode runs through KVM's instruction emulator
 * (kvm-pvm, TESTING.md), instructions outside that emulator's table end the
 * guest: INT3/INT n/IRET in protected mode, FWAIT, CLAC/STAC, RDRAND, POPCNT,
 * ... vcpu_emul_internal_error() fetches the instruction at CS:RIP, decodes
 * it and, if it is one of those listed in vcpu_emul.c, carries out exactly
 * its architectural effect (Intel SDM vol. 2) on the vCPU's registers, or
 * raises the exception the SDM specifies. Anything else is left to the crash
 * path, with the instruction bytes in the VM log.
 *
 * The decoder and the executor work on a plain struct (emul_env) with
 * memory callbacks so that unit tests drive them without KVM.
 */
#ifndef VMST_VCPU_EMUL_H
#define VMST_VCPU_EMUL_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vcpu;

/*
 * Called by the vCPU thread on KVM_EXIT_INTERNAL_ERROR. true: the
 * instruction was carried out (or its exception raised) and KVM_RUN may
 * continue; false: not ours or not understood (the VM log then has the
 * bytes at CS:RIP) and the caller takes the crash path.
 */
bool vcpu_emul_internal_error(struct vcpu *v);

/* --- decoder ----------------------------------------------------------- */

enum emul_mode { EMUL_REAL, EMUL_PROT16, EMUL_PROT32, EMUL_LONG64 };

enum emul_op {
	EOP_NONE,
	EOP_INT3,     /* CC */
	EOP_INTN,     /* CD ib */
	EOP_INTO,     /* CE */
	EOP_IRET,     /* CF (66: 16-bit, REX.W: 64-bit) */
	EOP_FWAIT,    /* 9B */
	EOP_CLAC,     /* 0F 01 CA */
	EOP_STAC,     /* 0F 01 CB */
	EOP_RDRAND,   /* 0F C7 /6, register form */
	EOP_RDSEED,   /* 0F C7 /7, register form */
	EOP_POPCNT,   /* F3 0F B8 /r */
	EOP_FNCLEX,   /* DB E2 */
	EOP_FNSTSW_AX, /* DF E0 */
	EOP_EMMS,     /* 0F 77 */
	EOP_CMPXCHG8B, /* 0F C7 /1, memory form (REX.W: CMPXCHG16B) */
	EOP_RDFSBASE, /* F3 0F AE /0..3, register form, 64-bit mode */
	EOP_RDGSBASE,
	EOP_WRFSBASE,
	EOP_WRGSBASE,
	EOP_COUNT
};

/* One decoded instruction. */
struct emul_insn {
	enum emul_op op;
	unsigned len;         /* bytes, prefixes included */
	unsigned opsize;      /* operand size in bytes: 2, 4 or 8 */
	unsigned addrsize;    /* address size in bytes: 2, 4 or 8 */
	int seg;              /* segment override (EMUL_SEG_*) or -1 */
	bool lock, rep, repne;
	bool mode64;          /* decoded for 64-bit mode */
	uint8_t rex;          /* 0x40-0x4F, or 0 */
	uint8_t imm8;         /* INT n vector */
	/* ModRM operand, when the instruction has one */
	bool has_modrm;
	uint8_t mod, reg, rm; /* reg and rm include REX.R / REX.B (0-15) */
	bool has_sib;
	uint8_t sib_scale, sib_index, sib_base; /* index/base include REX.X/B */
	int64_t disp;
	bool rip_relative;
};

enum { EMUL_SEG_ES, EMUL_SEG_CS, EMUL_SEG_SS, EMUL_SEG_DS, EMUL_SEG_FS, EMUL_SEG_GS };

enum emul_decode_result {
	EMUL_DECODED = 0,
	EMUL_UNKNOWN = -1,   /* not an instruction we handle */
	EMUL_TRUNCATED = -2, /* needs more bytes than were given */
};

/* Decode the bytes at CS:RIP (n of them readable) for a CPU in `mode`. */
int emul_decode(const uint8_t *bytes, size_t n, enum emul_mode mode, struct emul_insn *in);
/* The instruction's mnemonic ("iret", "int3", ...) for logs. */
const char *emul_op_name(enum emul_op op);

/* --- executor ---------------------------------------------------------- */

enum emul_event { EMUL_EV_NONE, EMUL_EV_EXCEPTION, EMUL_EV_INTERRUPT };

struct emul_env {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;        /* valid after get_fpu succeeded */
	bool have_fpu;
	/* what the guest's CPUID advertises */
	uint32_t cpuid1_ecx, cpuid7_ebx;
	/* guest linear memory; 0 or -1 when a page is not mapped RAM */
	void *opaque;
	int (*read_linear)(void *opaque, uint64_t la, void *buf, unsigned len);
	int (*write_linear)(void *opaque, uint64_t la, const void *buf, unsigned len);
	int (*get_fpu)(void *opaque, struct kvm_fpu *fpu);
	/* host pointer to [la, la+len) inside one writable page, or NULL (for
	 * the atomic read-modify-write of CMPXCHG8B/16B) */
	void *(*map_linear)(void *opaque, uint64_t la, unsigned len);
	/* results: what the caller writes back */
	bool regs_changed, sregs_changed, fpu_changed;
	bool nmi_unblocked;        /* IRET ends NMI blocking (SDM vol. 3, 6.7.1) */
	enum emul_event event;     /* to deliver before the next instruction */
	uint8_t vector;
	bool has_error_code;
	uint32_t error_code;
};

enum emul_exec_result { EMUL_DONE = 0, EMUL_UNHANDLED = -1 };

/* The CPU mode the registers describe. */
enum emul_mode emul_cpu_mode(const struct kvm_sregs *s, uint64_t rflags);
/* Carry out one decoded instruction on env (registers, events). */
int emul_execute(struct emul_env *env, const struct emul_insn *in);

#endif
