/*
 * core/vcpu_emul.c without KVM: the decoder on byte strings (prefixes, REX,
 * ModRM/SIB forms, truncation, what it must refuse) and the executor on a
 * register file with flat "linear memory" (IRET frames and descriptor checks,
 * software-interrupt gate checks, FWAIT/#MF/#NM, POPCNT operands).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "core/util.h"
#include "core/vcpu_emul.h"

/* ---- decoder ---------------------------------------------------------- */

static int dec(enum emul_mode m, struct emul_insn *in, size_t n, const uint8_t *b)
{
	return emul_decode(b, n, m, in);
}
#define DEC(m, in, ...) \
	dec(m, in, sizeof((const uint8_t[]){ __VA_ARGS__ }), (const uint8_t[]){ __VA_ARGS__ })

static void test_decode(void)
{
	struct emul_insn in;
	CHECK_EQ(DEC(EMUL_PROT32, &in, 0xcc, 0x90), EMUL_DECODED, "int3 decodes");
	CHECK(in.op == EOP_INT3 && in.len == 1, "int3: one byte");
	CHECK_EQ(DEC(EMUL_PROT32, &in, 0xcd, 0x80), EMUL_DECODED, "int 0x80 decodes");
	CHECK(in.op == EOP_INTN && in.imm8 == 0x80 && in.len == 2, "int n: vector, two bytes");
	CHECK_EQ(DEC(EMUL_PROT32, &in, 0xcd), EMUL_TRUNCATED, "int n without its vector is truncated");
	CHECK_EQ(DEC(EMUL_PROT32, &in, 0xce), EMUL_DECODED, "into in 32-bit mode");
	CHECK_EQ(DEC(EMUL_LONG64, &in, 0xce), EMUL_UNKNOWN, "into is not an instruction in 64-bit mode");

	CHECK_EQ(DEC(EMUL_PROT32, &in, 0xcf), EMUL_DECODED, "iretd");
	CHECK(in.op == EOP_IRET && in.opsize == 4, "iretd: 32-bit operands");
	DEC(EMUL_PROT32, &in, 0x66, 0xcf);
	CHECK(in.op == EOP_IRET && in.opsize == 2 && in.len == 2, "66 iret: 16-bit operands");
	DEC(EMUL_PROT16, &in, 0xcf);
	CHECK(in.opsize == 2, "iret in a 16-bit segment: 16-bit operands");
	DEC(EMUL_PROT16, &in, 0x66, 0xcf);
	CHECK(in.opsize == 4, "66 iret in a 16-bit segment: 32-bit operands");
	DEC(EMUL_LONG64, &in, 0x48, 0xcf);
	CHECK(in.op == EOP_IRET && in.opsize == 8 && in.len == 2, "iretq: REX.W");
	DEC(EMUL_LONG64, &in, 0xcf);
	CHECK(in.opsize == 4, "iret in 64-bit mode without REX.W: 32-bit operands");
	DEC(EMUL_LONG64, &in, 0x48, 0x66, 0xcf);
	CHECK(in.opsize == 2 && in.rex == 0, "a REX followed by a legacy prefix is ignored");

	DEC(EMUL_LONG64, &in, 0x9b);
	CHECK(in.op == EOP_FWAIT && in.len == 1, "fwait");
	DEC(EMUL_PROT32, &in, 0xdb, 0xe2);
	CHECK(in.op == EOP_FNCLEX && in.len == 2, "fnclex");
	CHECK_EQ(DEC(EMUL_PROT32, &in, 0xdb, 0x04, 0x24), EMUL_UNKNOWN, "fild m32 is not handled");
	DEC(EMUL_PROT32, &in, 0xdf, 0xe0);
	CHECK(in.op == EOP_FNSTSW_AX, "fnstsw ax");
	DEC(EMUL_PROT32, &in, 0x0f, 0x77);
	CHECK(in.op == EOP_EMMS, "emms");

	DEC(EMUL_LONG64, &in, 0x0f, 0x01, 0xca);
	CHECK(in.op == EOP_CLAC && in.len == 3, "clac");
	DEC(EMUL_LONG64, &in, 0x0f, 0x01, 0xcb);
	CHECK(in.op == EOP_STAC && in.len == 3, "stac");
	CHECK_EQ(DEC(EMUL_LONG64, &in, 0x0f, 0x01, 0xc8), EMUL_UNKNOWN, "monitor is not handled");
	CHECK_EQ(DEC(EMUL_LONG64, &in, 0x66, 0x0f, 0x01, 0xca), EMUL_UNKNOWN, "66 0f 01 ca is not clac");
	DEC(EMUL_LONG64, &in, 0xf0, 0x0f, 0x01, 0xca);
	CHECK(in.op == EOP_CLAC && in.lock, "lock clac decodes (and will be #UD)");

	DEC(EMUL_LONG64, &in, 0x48, 0x0f, 0xc7, 0xf0);
	CHECK(in.op == EOP_RDRAND && in.rm == 0 && in.opsize == 8, "rdrand rax");
	DEC(EMUL_LONG64, &in, 0x49, 0x0f, 0xc7, 0xf9);
	CHECK(in.op == EOP_RDSEED && in.rm == 9 && in.opsize == 8, "rdseed r9 (REX.B)");
	DEC(EMUL_PROT32, &in, 0x66, 0x0f, 0xc7, 0xf2);
	CHECK(in.op == EOP_RDRAND && in.rm == 2 && in.opsize == 2, "rdrand dx");
	DEC(EMUL_LONG64, &in, 0xf0, 0x48, 0x0f, 0xc7, 0x4d, 0x20);
	CHECK(in.op == EOP_CMPXCHG8B && in.opsize == 8 && in.lock && in.rm == 5 && in.disp == 0x20 &&
	      in.len == 6, "lock cmpxchg16b [rbp+0x20]");
	DEC(EMUL_PROT32, &in, 0x0f, 0xc7, 0x0e);
	CHECK(in.op == EOP_CMPXCHG8B && in.opsize == 4, "cmpxchg8b [esi]");
	CHECK_EQ(DEC(EMUL_LONG64, &in, 0x0f, 0xc7, 0xc8), EMUL_UNKNOWN, "cmpxchg8b with a register is #UD (KVM's)");
	CHECK_EQ(DEC(EMUL_LONG64, &in, 0xf3, 0x0f, 0xc7, 0xf8), EMUL_UNKNOWN, "rdpid is not rdseed");

	DEC(EMUL_LONG64, &in, 0xf3, 0x48, 0x0f, 0xb8, 0xc7);
	CHECK(in.op == EOP_POPCNT && in.reg == 0 && in.rm == 7 && in.mod == 3 && in.len == 5,
	      "popcnt rax, rdi");
	CHECK_EQ(DEC(EMUL_LONG64, &in, 0x48, 0x0f, 0xb8, 0xc7), EMUL_UNKNOWN, "0f b8 without f3 is not popcnt");
	DEC(EMUL_LONG64, &in, 0xf3, 0x4c, 0x0f, 0xb8, 0x05, 0x10, 0x00, 0x00, 0x00);
	CHECK(in.op == EOP_POPCNT && in.reg == 8 && in.rip_relative && in.disp == 0x10 && in.len == 9,
	      "popcnt r8, [rip+0x10]");
	DEC(EMUL_PROT32, &in, 0xf3, 0x0f, 0xb8, 0x44, 0x8b, 0xfc);
	CHECK(in.has_sib && in.sib_base == 3 && in.sib_index == 1 && in.sib_scale == 2 &&
	      in.disp == -4 && in.len == 6, "popcnt eax, [ebx+ecx*4-4]: SIB and disp8");
	DEC(EMUL_PROT32, &in, 0xf3, 0x0f, 0xb8, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12);
	CHECK(in.has_sib && in.sib_base == 0xff && in.sib_index == 0xff && in.disp == 0x12345678,
	      "SIB with no base and no index: disp32");
	DEC(EMUL_PROT16, &in, 0xf3, 0x0f, 0xb8, 0x06, 0x34, 0x12);
	CHECK(in.addrsize == 2 && in.mod == 0 && in.rm == 6 && in.disp == 0x1234 && in.len == 6,
	      "16-bit addressing: [disp16]");
	CHECK_EQ(DEC(EMUL_PROT32, &in, 0xf3, 0x0f, 0xb8, 0x84, 0x24, 0x00),
		 EMUL_TRUNCATED, "disp32 cut short");

	DEC(EMUL_LONG64, &in, 0xf3, 0x48, 0x0f, 0xae, 0xd8);
	CHECK(in.op == EOP_WRGSBASE && in.rm == 0 && in.opsize == 8, "wrgsbase rax");
	CHECK_EQ(DEC(EMUL_PROT32, &in, 0xf3, 0x0f, 0xae, 0xd8), EMUL_UNKNOWN,
		 "wrgsbase only exists in 64-bit mode");

	CHECK_EQ(DEC(EMUL_PROT32, &in, 0x90), EMUL_UNKNOWN, "nop is not ours");
	CHECK_EQ(DEC(EMUL_PROT32, &in, 0x0f, 0x0b), EMUL_UNKNOWN, "ud2 is not ours");
	CHECK_EQ(emul_decode(NULL, 0, EMUL_PROT32, &in), EMUL_TRUNCATED, "no bytes: truncated");
	uint8_t pre[20];
	memset(pre, 0x66, sizeof(pre));
	CHECK(emul_decode(pre, sizeof(pre), EMUL_PROT32, &in) != EMUL_DECODED,
	      "more than 15 bytes of prefixes is refused");
	CHECK_STR(emul_op_name(EOP_IRET), "iret", "names for the log");
}

/* Every byte string decodes to something sane or is refused, never more
 * than 15 bytes or more than it was given. */
static void test_decode_random(void)
{
	srand(7);
	unsigned bad = 0, decoded = 0;
	for (int i = 0; i < 200000; i++) {
		uint8_t b[15];
		size_t n = (size_t)(rand() % 16);
		for (size_t k = 0; k < n; k++)
			b[k] = (uint8_t)rand();
		struct emul_insn in;
		int r = emul_decode(b, n, (enum emul_mode)(rand() % 4), &in);
		if (r == EMUL_DECODED) {
			decoded++;
			if (in.len == 0 || in.len > n || in.op == EOP_NONE)
				bad++;
		}
	}
	CHECK(bad == 0 && decoded > 0, "random bytes: %u decoded, %u with a bad length", decoded, bad);
}

/* ---- executor --------------------------------------------------------- */

#define MEM_SIZE (2u << 20)
static uint8_t *mem;

static int mem_read(void *opaque, uint64_t la, void *buf, unsigned len)
{
	(void)opaque;
	if (la >= MEM_SIZE || len > MEM_SIZE - la)
		return -1;
	memcpy(buf, mem + la, len);
	return 0;
}

static int mem_write(void *opaque, uint64_t la, const void *buf, unsigned len)
{
	(void)opaque;
	if (la >= MEM_SIZE || len > MEM_SIZE - la)
		return -1;
	memcpy(mem + la, buf, len);
	return 0;
}

static void *mem_map(void *opaque, uint64_t la, unsigned len)
{
	(void)opaque;
	if (la >= MEM_SIZE || len > MEM_SIZE - la || (la & 4095) + len > 4096)
		return NULL;
	return mem + la;
}

static struct kvm_fpu test_fpu;
static int fpu_get(void *opaque, struct kvm_fpu *f)
{
	(void)opaque;
	*f = test_fpu;
	return 0;
}

#define GDT 0x1000
#define IDT 0x2000
static void flat(struct kvm_segment *s, uint16_t sel, unsigned type, unsigned dpl, bool code64)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->s = 1;
	s->dpl = dpl;
	s->present = 1;
	s->g = 1;
	s->db = !code64;
	s->l = code64;
}

/* 32-bit protected mode, CPL 0, flat; GDT as Linux i386 lays it out */
static void setup32(struct emul_env *e)
{
	memset(e, 0, sizeof(*e));
	memset(mem, 0, MEM_SIZE);
	e->read_linear = mem_read;
	e->write_linear = mem_write;
	e->get_fpu = fpu_get;
	e->map_linear = mem_map;
	e->sregs.cr0 = 0x80050033;
	flat(&e->sregs.cs, 0x60, 0xb, 0, false);
	flat(&e->sregs.ss, 0x68, 0x3, 0, false);
	flat(&e->sregs.ds, 0x7b, 0x3, 3, false);
	flat(&e->sregs.es, 0x7b, 0x3, 3, false);
	flat(&e->sregs.fs, 0xd8, 0x3, 0, false);
	flat(&e->sregs.gs, 0x00, 0x3, 0, false);
	e->sregs.gs.unusable = 1;
	e->sregs.gdt.base = GDT;
	e->sregs.gdt.limit = 0xff;
	e->sregs.idt.base = IDT;
	e->sregs.idt.limit = 0x7ff;
	e->sregs.ldt.unusable = 1;
	uint64_t gdt[32] = { 0 };
	gdt[0x60 / 8] = 0x00cf9a000000ffffull;  /* kernel code (accessed bit clear) */
	gdt[0x68 / 8] = 0x00cf93000000ffffull;  /* kernel data */
	gdt[0x73 / 8] = 0x00cffb000000ffffull;  /* user code, DPL 3 */
	gdt[0x7b / 8] = 0x00cff3000000ffffull;  /* user data, DPL 3 */
	gdt[0x80 / 8] = 0x00cf7a000000ffffull;  /* not present code, DPL 3 */
	gdt[0x88 / 8] = 0x00cff3000000ffffull;  /* data, DPL 3 */
	gdt[0xd8 / 8] = 0x00c0930000000000ull | (0x1234ull << 16) | 0xfff; /* percpu-like */
	memcpy(mem + GDT, gdt, sizeof(gdt));
	e->regs.rflags = 0x46;
	e->regs.rsp = 0x8000;
	e->regs.rip = 0x100000;
}

static void push_frame(struct emul_env *e, const uint32_t *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		st32(mem + e->regs.rsp + 4 * i, v[i]);
}

static void test_iret32(void)
{
	struct emul_env e;
	struct emul_insn in;
	emul_decode((const uint8_t[]){ 0xcf }, 1, EMUL_PROT32, &in);

	/* same level: EIP, CS, EFLAGS popped; IOPL and IF at CPL 0 from the frame */
	setup32(&e);
	push_frame(&e, (const uint32_t[]){ 0xc1000000, 0x60, 0x3202 | 0x40000 }, 3);
	CHECK_EQ(emul_execute(&e, &in), EMUL_DONE, "iretd same level: done");
	CHECK_EQ(e.regs.rip, 0xc1000000, "iretd same level: EIP");
	CHECK_EQ(e.regs.rsp, 0x800c, "iretd same level: three dwords popped");
	CHECK_EQ(e.regs.rflags, 0x43202, "iretd same level at CPL 0: IF, IOPL, AC loaded");
	CHECK(e.sregs.cs.selector == 0x60 && e.sregs.cs.db && e.sregs.cs.type == 0xb,
	      "iretd same level: CS loaded (accessed bit set)");
	CHECK_EQ(mem[GDT + 0x60 + 5], 0x9b, "iretd: the descriptor's accessed bit written back");
	CHECK(e.sregs_changed && e.regs_changed && e.nmi_unblocked && e.event == EMUL_EV_NONE,
	      "iretd: registers written back, NMI blocking ends, no event");

	/* to ring 3: ESP and SS popped, DS kept (DPL 3), FS (DPL 0) nulled */
	setup32(&e);
	push_frame(&e, (const uint32_t[]){ 0x08048000, 0x73, 0x202, 0xbffff000, 0x7b }, 5);
	CHECK_EQ(emul_execute(&e, &in), EMUL_DONE, "iretd to ring 3: done");
	CHECK(e.regs.rip == 0x08048000 && e.regs.rsp == 0xbffff000, "iretd to ring 3: EIP, ESP");
	CHECK(e.sregs.cs.selector == 0x73 && e.sregs.cs.dpl == 3, "iretd to ring 3: CS");
	CHECK(e.sregs.ss.selector == 0x7b && e.sregs.ss.dpl == 3, "iretd to ring 3: SS (CPL 3)");
	CHECK(e.sregs.ds.selector == 0x7b && !e.sregs.ds.unusable, "iretd to ring 3: DS (DPL 3) kept");
	CHECK(e.sregs.fs.selector == 0 && e.sregs.fs.unusable, "iretd to ring 3: FS (DPL 0) nulled");

	/* from ring 3, IF and IOPL cannot change */
	setup32(&e);
	flat(&e.sregs.cs, 0x73, 0xb, 3, false);
	flat(&e.sregs.ss, 0x7b, 0x3, 3, false);
	e.regs.rflags = 0x202;
	push_frame(&e, (const uint32_t[]){ 0x1000, 0x73, 0x3001 }, 3);
	CHECK_EQ(emul_execute(&e, &in), EMUL_DONE, "iretd at CPL 3: done");
	CHECK_EQ(e.regs.rflags, 0x203, "iretd at CPL 3 (IOPL 0): CF loaded, IF kept, IOPL kept");

	/* the checks */
	setup32(&e);
	push_frame(&e, (const uint32_t[]){ 0x1000, 0x00, 0x2 }, 3);
	emul_execute(&e, &in);
	CHECK(e.event == EMUL_EV_EXCEPTION && e.vector == 13 && e.error_code == 0 && e.regs.rip == 0x100000,
	      "iretd to a null CS: #GP(0), RIP unchanged");
	setup32(&e);
	push_frame(&e, (const uint32_t[]){ 0x1000, 0x68, 0x2 }, 3);
	emul_execute(&e, &in);
	CHECK(e.vector == 13 && e.error_code == 0x68, "iretd to a data segment: #GP(selector)");
	setup32(&e);
	push_frame(&e, (const uint32_t[]){ 0x1000, 0x203, 0x2 }, 3);
	emul_execute(&e, &in);
	CHECK(e.vector == 13 && e.error_code == 0x200, "iretd past the GDT limit: #GP(selector)");
	setup32(&e);
	push_frame(&e, (const uint32_t[]){ 0x1000, 0x83, 0x2, 0x1000, 0x8b }, 5);
	emul_execute(&e, &in);
	CHECK(e.vector == 11 && e.error_code == 0x80, "iretd to a not-present CS: #NP(selector)");
	setup32(&e);
	push_frame(&e, (const uint32_t[]){ 0x1000, 0x73, 0x2, 0x1000, 0x68 }, 5);
	emul_execute(&e, &in);
	CHECK(e.vector == 13 && e.error_code == 0x68, "iretd to ring 3 with an SS of RPL 0: #GP(SS)");
	setup32(&e);
	flat(&e.sregs.cs, 0x73, 0xb, 3, false);
	flat(&e.sregs.ss, 0x7b, 0x3, 3, false);
	push_frame(&e, (const uint32_t[]){ 0x1000, 0x60, 0x2 }, 3);
	emul_execute(&e, &in);
	CHECK(e.vector == 13 && e.error_code == 0x60, "iretd from ring 3 to ring 0: #GP(selector)");
	setup32(&e);
	e.regs.rflags |= 1u << 14;
	CHECK_EQ(emul_execute(&e, &in), EMUL_UNHANDLED, "iretd with NT (task return) is not done");
	setup32(&e);
	push_frame(&e, (const uint32_t[]){ 0x1000, 0x60, 0x20002 }, 3);
	CHECK_EQ(emul_execute(&e, &in), EMUL_UNHANDLED, "iretd to virtual-8086 mode is not done");
	setup32(&e);
	e.regs.rsp = MEM_SIZE - 4;
	CHECK_EQ(emul_execute(&e, &in), EMUL_UNHANDLED, "iretd with the stack outside RAM is not done");
	setup32(&e);
	e.sregs.ss.limit = 0x8007;
	emul_execute(&e, &in);
	CHECK(e.vector == 12, "iretd with the frame past the SS limit: #SS");

	/* 16-bit operand size: IP, CS, FLAGS words */
	setup32(&e);
	emul_decode((const uint8_t[]){ 0x66, 0xcf }, 2, EMUL_PROT32, &in);
	st16(mem + 0x8000, 0x1234);
	st16(mem + 0x8002, 0x60);
	st16(mem + 0x8004, 0x0003);
	e.regs.rflags = 0x40246;
	CHECK_EQ(emul_execute(&e, &in), EMUL_DONE, "iretw: done");
	CHECK(e.regs.rip == 0x1234 && e.regs.rsp == 0x8006, "iretw: IP and three words");
	CHECK_EQ(e.regs.rflags, 0x40003, "iretw: only the low 16 flag bits load");
}

static void setup64(struct emul_env *e)
{
	setup32(e);
	e->sregs.efer = 0xd01;
	e->sregs.cr4 = 0x20 | (1u << 16);
	flat(&e->sregs.cs, 0x10, 0xb, 0, true);
	flat(&e->sregs.ss, 0x18, 0x3, 0, false);
	uint64_t gdt[16] = { 0 };
	gdt[2] = 0x00af9b000000ffffull;  /* __KERNEL_CS */
	gdt[3] = 0x00cf93000000ffffull;  /* __KERNEL_DS */
	gdt[5] = 0x00cff3000000ffffull;  /* __USER_DS */
	gdt[6] = 0x00affb000000ffffull;  /* __USER_CS */
	memcpy(mem + GDT, gdt, sizeof(gdt));
}

static void test_iret64(void)
{
	struct emul_env e;
	struct emul_insn in;
	emul_decode((const uint8_t[]){ 0x48, 0xcf }, 2, EMUL_LONG64, &in);
	setup64(&e);
	uint64_t f[5] = { 0xffffffff81000000ull, 0x10, 0x246, 0x9000, 0 };
	memcpy(mem + 0x8000, f, sizeof(f));
	CHECK_EQ(emul_execute(&e, &in), EMUL_DONE, "iretq to the kernel with a null SS: done");
	CHECK(e.regs.rip == f[0] && e.regs.rsp == 0x9000 && e.sregs.ss.unusable && e.sregs.ss.dpl == 0,
	      "iretq: RIP, RSP, null SS at CPL 0");
	setup64(&e);
	uint64_t u[5] = { 0x401000, 0x33, 0x202, 0x7ffffff000ull, 0x2b };
	memcpy(mem + 0x8000, u, sizeof(u));
	emul_execute(&e, &in);
	CHECK(e.sregs.cs.selector == 0x33 && e.sregs.cs.l && e.sregs.ss.selector == 0x2b &&
	      e.regs.rsp == u[3], "iretq to 64-bit user mode");
	setup64(&e);
	u[0] = 0x0000800000000000ull;
	memcpy(mem + 0x8000, u, sizeof(u));
	emul_execute(&e, &in);
	CHECK(e.vector == 13 && e.error_code == 0, "iretq to a non-canonical RIP: #GP(0)");
	setup64(&e);
	u[0] = 0x401000;
	u[4] = 0x3;
	memcpy(mem + 0x8000, u, sizeof(u));
	emul_execute(&e, &in);
	CHECK(e.vector == 13 && e.error_code == 0, "iretq to ring 3 with a null SS: #GP(0)");
}

static void test_soft_int(void)
{
	struct emul_env e;
	struct emul_insn in;
	emul_decode((const uint8_t[]){ 0xcc }, 1, EMUL_PROT32, &in);
	setup32(&e);
	CHECK_EQ(emul_execute(&e, &in), EMUL_DONE, "int3 at CPL 0: done");
	CHECK(e.event == EMUL_EV_EXCEPTION && e.vector == 3 && !e.has_error_code && e.regs.rip == 0x100001,
	      "int3: #BP raised as a trap (RIP after the instruction)");

	emul_decode((const uint8_t[]){ 0xcd, 0x80 }, 2, EMUL_PROT32, &in);
	setup32(&e);
	flat(&e.sregs.cs, 0x73, 0xb, 3, false);
	flat(&e.sregs.ss, 0x7b, 0x3, 3, false);
	mem[IDT + 0x80 * 8 + 5] = 0xee; /* DPL 3 trap gate */
	emul_execute(&e, &in);
	CHECK(e.event == EMUL_EV_INTERRUPT && e.vector == 0x80 && e.regs.rip == 0x100002,
	      "int 0x80 from CPL 3 through a DPL 3 gate: delivered, RIP after it");
	setup32(&e);
	flat(&e.sregs.cs, 0x73, 0xb, 3, false);
	flat(&e.sregs.ss, 0x7b, 0x3, 3, false);
	mem[IDT + 0x80 * 8 + 5] = 0x8e; /* DPL 0 */
	emul_execute(&e, &in);
	CHECK(e.event == EMUL_EV_EXCEPTION && e.vector == 13 && e.error_code == 0x80 * 8 + 2 &&
	      e.regs.rip == 0x100000, "int 0x80 from CPL 3 through a DPL 0 gate: #GP(0x402), a fault");
	setup32(&e);
	flat(&e.sregs.cs, 0x73, 0xb, 3, false);
	flat(&e.sregs.ss, 0x7b, 0x3, 3, false);
	e.sregs.idt.limit = 0x3ff;
	emul_execute(&e, &in);
	CHECK(e.vector == 13 && e.error_code == 0x402, "int 0x80 past the IDT limit: #GP(0x402)");

	emul_decode((const uint8_t[]){ 0xce }, 1, EMUL_PROT32, &in);
	setup32(&e);
	emul_execute(&e, &in);
	CHECK(e.event == EMUL_EV_NONE && e.regs.rip == 0x100001, "into with OF=0: nothing");
	setup32(&e);
	e.regs.rflags |= 0x800;
	emul_execute(&e, &in);
	CHECK(e.event == EMUL_EV_EXCEPTION && e.vector == 4 && e.regs.rip == 0x100001, "into with OF=1: #OF trap");
}

static void test_x87(void)
{
	struct emul_env e;
	struct emul_insn in;
	emul_decode((const uint8_t[]){ 0x9b }, 1, EMUL_LONG64, &in);
	setup64(&e);
	memset(&test_fpu, 0, sizeof(test_fpu));
	test_fpu.fcw = 0x37f;
	test_fpu.fsw = 0x0004; /* ZE set but masked */
	emul_execute(&e, &in);
	CHECK(e.event == EMUL_EV_NONE && e.regs.rip == 0x100001, "fwait with a masked exception: nothing");
	setup64(&e);
	test_fpu.fcw = 0x37b;
	test_fpu.fsw = 0x0084;
	emul_execute(&e, &in);
	CHECK(e.event == EMUL_EV_EXCEPTION && e.vector == 16 && e.regs.rip == 0x100000,
	      "fwait with an unmasked exception: #MF, a fault on the fwait");
	setup64(&e);
	e.sregs.cr0 &= ~0x20ull;
	CHECK_EQ(emul_execute(&e, &in), EMUL_UNHANDLED, "fwait with CR0.NE=0 (FERR#/IRQ 13) is not done");
	setup64(&e);
	e.sregs.cr0 |= 0xa;
	emul_execute(&e, &in);
	CHECK(e.event == EMUL_EV_EXCEPTION && e.vector == 7, "fwait with TS and MP: #NM");

	emul_decode((const uint8_t[]){ 0xdb, 0xe2 }, 2, EMUL_LONG64, &in);
	setup64(&e);
	test_fpu.fsw = 0xb8ff;
	emul_execute(&e, &in);
	CHECK(e.fpu_changed && e.fpu.fsw == 0x3800 && e.regs.rip == 0x100002,
	      "fnclex clears the exception flags, ES and B, keeps TOP and C3..C0");
}

static void test_misc(void)
{
	struct emul_env e;
	struct emul_insn in;
	emul_decode((const uint8_t[]){ 0x0f, 0x01, 0xcb }, 3, EMUL_LONG64, &in);
	setup64(&e);
	emul_execute(&e, &in);
	CHECK(e.event == EMUL_EV_EXCEPTION && e.vector == 6, "stac without SMAP in CPUID: #UD");
	setup64(&e);
	e.cpuid7_ebx = 1u << 20;
	emul_execute(&e, &in);
	CHECK(e.event == EMUL_EV_NONE && (e.regs.rflags & 0x40000) && e.regs.rip == 0x100003,
	      "stac with SMAP: AC set");
	setup64(&e);
	e.cpuid7_ebx = 1u << 20;
	flat(&e.sregs.ss, 0x2b, 0x3, 3, false);
	emul_execute(&e, &in);
	CHECK(e.vector == 6, "stac at CPL 3: #UD");

	setup64(&e);
	e.cpuid1_ecx = 1u << 23;
	emul_decode((const uint8_t[]){ 0xf3, 0x48, 0x0f, 0xb8, 0x05, 0xf8, 0x0f, 0x00, 0x00 }, 9,
		    EMUL_LONG64, &in);
	/* [rip+0xff8]: the next instruction is at 0x100009 -> 0x101001 */
	st64(mem + 0x101001, 0xff00000000000001ull);
	e.regs.rflags = 0x8d7;
	emul_execute(&e, &in);
	CHECK(e.regs.rax == 9 && e.regs.rflags == 0x2 &&
	      e.regs.rip == 0x100009, "popcnt rax, [rip+disp]: 9, arithmetic flags cleared");
	setup64(&e);
	e.cpuid1_ecx = 1u << 23;
	emul_decode((const uint8_t[]){ 0xf3, 0x0f, 0xb8, 0xc1 }, 4, EMUL_LONG64, &in);
	e.regs.rax = 0xffffffffffffffffull;
	e.regs.rcx = 0xffffffff00000000ull;
	emul_execute(&e, &in);
	CHECK(e.regs.rax == 0 && (e.regs.rflags & 0x40), "popcnt eax, ecx of zero: 0 (upper half cleared), ZF");
	setup64(&e);
	emul_execute(&e, &in);
	CHECK(e.vector == 6, "popcnt without POPCNT in CPUID: #UD");

	setup64(&e);
	e.cpuid1_ecx = 1u << 30;
	emul_decode((const uint8_t[]){ 0x0f, 0xc7, 0xf1 }, 3, EMUL_LONG64, &in);
	e.regs.rcx = 0xffffffffffffffffull;
	emul_execute(&e, &in);
	CHECK((e.regs.rflags & 1) && (e.regs.rcx >> 32) == 0 && e.regs.rip == 0x100003,
	      "rdrand ecx: CF=1, 32-bit result zero-extended");

	setup64(&e);
	e.cpuid7_ebx = 1;
	emul_decode((const uint8_t[]){ 0xf3, 0x48, 0x0f, 0xae, 0xd8 }, 5, EMUL_LONG64, &in);
	e.regs.rax = 0xffff888000000000ull;
	emul_execute(&e, &in);
	CHECK(e.sregs.gs.base == 0xffff888000000000ull && e.sregs_changed, "wrgsbase rax");
	setup64(&e);
	e.cpuid7_ebx = 1;
	e.regs.rax = 0x0000800000000000ull;
	emul_execute(&e, &in);
	CHECK(e.vector == 13, "wrgsbase with a non-canonical address: #GP(0)");
	setup64(&e);
	e.cpuid7_ebx = 1;
	e.sregs.cr4 &= ~(1ull << 16);
	emul_execute(&e, &in);
	CHECK(e.vector == 6, "wrgsbase with CR4.FSGSBASE clear: #UD");

	/* cmpxchg16b [rbp+0x20] */
	emul_decode((const uint8_t[]){ 0xf0, 0x48, 0x0f, 0xc7, 0x4d, 0x20 }, 6, EMUL_LONG64, &in);
	setup64(&e);
	e.cpuid1_ecx = 1u << 13;
	e.regs.rbp = 0x3000;
	st64(mem + 0x3020, 0x1111);
	st64(mem + 0x3028, 0x2222);
	e.regs.rax = 0x1111; e.regs.rdx = 0x2222; e.regs.rbx = 0xaaaa; e.regs.rcx = 0xbbbb;
	emul_execute(&e, &in);
	CHECK(ld64(mem + 0x3020) == 0xaaaa && ld64(mem + 0x3028) == 0xbbbb && (e.regs.rflags & 0x40) &&
	      e.regs.rip == 0x100006, "cmpxchg16b equal: RCX:RBX stored, ZF=1");
	setup64(&e);
	e.cpuid1_ecx = 1u << 13;
	e.regs.rbp = 0x3000;
	st64(mem + 0x3020, 0x1111);
	st64(mem + 0x3028, 0x2222);
	e.regs.rax = 0x1112; e.regs.rdx = 0x2222; e.regs.rbx = 0xaaaa; e.regs.rcx = 0xbbbb;
	emul_execute(&e, &in);
	CHECK(ld64(mem + 0x3020) == 0x1111 && e.regs.rax == 0x1111 && e.regs.rdx == 0x2222 &&
	      !(e.regs.rflags & 0x40), "cmpxchg16b different: memory loaded into RDX:RAX, ZF=0");
	setup64(&e);
	e.cpuid1_ecx = 1u << 13;
	e.regs.rbp = 0x3008;
	emul_execute(&e, &in);
	CHECK(e.vector == 13 && e.error_code == 0 && e.regs.rip == 0x100000, "cmpxchg16b misaligned: #GP(0)");
	setup64(&e);
	e.regs.rbp = 0x3000;
	emul_execute(&e, &in);
	CHECK(e.vector == 6, "cmpxchg16b without CX16 anywhere: #UD");
	emul_decode((const uint8_t[]){ 0x0f, 0xc7, 0x0e }, 3, EMUL_PROT32, &in);
	setup32(&e);
	e.regs.rsi = 0x4ffc; /* crosses a page: not done atomically, so not done */
	CHECK_EQ(emul_execute(&e, &in), EMUL_UNHANDLED, "cmpxchg8b across a page is not done");
	setup32(&e);
	e.regs.rsi = 0x5000;
	st64(mem + 0x5000, 0x0000000500000006ull);
	e.regs.rax = 7; e.regs.rdx = 5;
	emul_execute(&e, &in);
	CHECK(e.regs.rax == 6 && e.regs.rdx == 5 && !(e.regs.rflags & 0x40), "cmpxchg8b different: EDX:EAX loaded");

	setup32(&e);
	e.sregs.cr0 = 0x10;
	emul_decode((const uint8_t[]){ 0xcc }, 1, EMUL_PROT32, &in);
	CHECK_EQ(emul_execute(&e, &in), EMUL_UNHANDLED, "real mode is left to KVM");
}

int main(void)
{
	mem = calloc(1, MEM_SIZE);
	test_decode();
	test_decode_random();
	test_iret32();
	test_iret64();
	test_soft_int();
	test_x87();
	test_misc();
	free(mem);
	return UNIT_DONE();
}
