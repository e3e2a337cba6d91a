/*
 * Decoder for the instructions core/vcpu_emul_exec.c carries out: prefixes,
 * REX, opcode, ModRM/SIB/displacement and immediates, per the Intel SDM
 * vol. 2, chapter 2 ("Instruction Format"). Anything not in its table decodes
 * as EOP_NONE and is left to the caller's crash path.
 */
#include <stdint.h>
#include <string.h>

#include "core/util.h"
#include "core/vcpu_emul.h"


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
