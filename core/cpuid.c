/*
 * CPUID for guests: what KVM supports (KVM_GET_SUPPORTED_CPUID), trimmed by
 * xl's cpuid= option ("host,cx16=0,rdrand=0"), with per-vCPU APIC ids.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/cpuid.h"
#include "core/util.h"

enum { R_EAX, R_EBX, R_ECX, R_EDX };

struct cpuid_feature {
	const char *name;
	uint32_t leaf, subleaf;
	int reg, bit;
};

/* Feature names as xl.cfg(5) spells them (cpuid= "host,name=0"). */
static const struct cpuid_feature features[] = {
	{ "sse3", 1, 0, R_ECX, 0 },      { "pclmulqdq", 1, 0, R_ECX, 1 },
	{ "dtes64", 1, 0, R_ECX, 2 },    { "monitor", 1, 0, R_ECX, 3 },
	{ "dscpl", 1, 0, R_ECX, 4 },     { "vmx", 1, 0, R_ECX, 5 },
	{ "smx", 1, 0, R_ECX, 6 },       { "est", 1, 0, R_ECX, 7 },
	{ "tm2", 1, 0, R_ECX, 8 },       { "ssse3", 1, 0, R_ECX, 9 },
	{ "cntxid", 1, 0, R_ECX, 10 },   { "fma", 1, 0, R_ECX, 12 },
	{ "cx16", 1, 0, R_ECX, 13 },     { "xtpr", 1, 0, R_ECX, 14 },
	{ "pdcm", 1, 0, R_ECX, 15 },     { "pcid", 1, 0, R_ECX, 17 },
	{ "dca", 1, 0, R_ECX, 18 },      { "sse4.1", 1, 0, R_ECX, 19 },
	{ "sse4_1", 1, 0, R_ECX, 19 },   { "sse4.2", 1, 0, R_ECX, 20 },
	{ "sse4_2", 1, 0, R_ECX, 20 },   { "x2apic", 1, 0, R_ECX, 21 },
	{ "movbe", 1, 0, R_ECX, 22 },    { "popcnt", 1, 0, R_ECX, 23 },
	{ "tsc-deadline", 1, 0, R_ECX, 24 }, { "aes", 1, 0, R_ECX, 25 },
	{ "xsave", 1, 0, R_ECX, 26 },    { "osxsave", 1, 0, R_ECX, 27 },
	{ "avx", 1, 0, R_ECX, 28 },      { "f16c", 1, 0, R_ECX, 29 },
	{ "rdrand", 1, 0, R_ECX, 30 },   { "hypervisor", 1, 0, R_ECX, 31 },
	{ "fpu", 1, 0, R_EDX, 0 },       { "vme", 1, 0, R_EDX, 1 },
	{ "de", 1, 0, R_EDX, 2 },        { "pse", 1, 0, R_EDX, 3 },
	{ "tsc", 1, 0, R_EDX, 4 },       { "msr", 1, 0, R_EDX, 5 },
	{ "pae", 1, 0, R_EDX, 6 },       { "mce", 1, 0, R_EDX, 7 },
	{ "cx8", 1, 0, R_EDX, 8 },       { "apic", 1, 0, R_EDX, 9 },
	{ "sep", 1, 0, R_EDX, 11 },      { "mtrr", 1, 0, R_EDX, 12 },
	{ "pge", 1, 0, R_EDX, 13 },      { "mca", 1, 0, R_EDX, 14 },
	{ "cmov", 1, 0, R_EDX, 15 },     { "pat", 1, 0, R_EDX, 16 },
	{ "pse36", 1, 0, R_EDX, 17 },    { "clfsh", 1, 0, R_EDX, 19 },
	{ "ds", 1, 0, R_EDX, 21 },       { "acpi", 1, 0, R_EDX, 22 },
	{ "mmx", 1, 0, R_EDX, 23 },      { "fxsr", 1, 0, R_EDX, 24 },
	{ "sse", 1, 0, R_EDX, 25 },      { "sse2", 1, 0, R_EDX, 26 },
	{ "ss", 1, 0, R_EDX, 27 },       { "htt", 1, 0, R_EDX, 28 },
	{ "tm", 1, 0, R_EDX, 29 },       { "pbe", 1, 0, R_EDX, 31 },
	{ "fsgsbase", 7, 0, R_EBX, 0 },  { "bmi1", 7, 0, R_EBX, 3 },
	{ "hle", 7, 0, R_EBX, 4 },       { "avx2", 7, 0, R_EBX, 5 },
	{ "smep", 7, 0, R_EBX, 7 },      { "bmi2", 7, 0, R_EBX, 8 },
	{ "erms", 7, 0, R_EBX, 9 },      { "invpcid", 7, 0, R_EBX, 10 },
	{ "rtm", 7, 0, R_EBX, 11 },      { "mpx", 7, 0, R_EBX, 14 },
	{ "avx512f", 7, 0, R_EBX, 16 },  { "avx512dq", 7, 0, R_EBX, 17 },
	{ "rdseed", 7, 0, R_EBX, 18 },   { "adx", 7, 0, R_EBX, 19 },
	{ "smap", 7, 0, R_EBX, 20 },     { "clflushopt", 7, 0, R_EBX, 23 },
	{ "clwb", 7, 0, R_EBX, 24 },     { "avx512cd", 7, 0, R_EBX, 28 },
	{ "sha", 7, 0, R_EBX, 29 },      { "avx512bw", 7, 0, R_EBX, 30 },
	{ "avx512vl", 7, 0, R_EBX, 31 }, { "umip", 7, 0, R_ECX, 2 },
	{ "pku", 7, 0, R_ECX, 3 },       { "la57", 7, 0, R_ECX, 16 },
	{ "rdpid", 7, 0, R_ECX, 22 },    { "lahfsahf", 0x80000001, 0, R_ECX, 0 },
	{ "cmplegacy", 0x80000001, 0, R_ECX, 1 }, { "svm", 0x80000001, 0, R_ECX, 2 },
	{ "extapic", 0x80000001, 0, R_ECX, 3 }, { "altmovcr8", 0x80000001, 0, R_ECX, 4 },
	{ "abm", 0x80000001, 0, R_ECX, 5 }, { "sse4a", 0x80000001, 0, R_ECX, 6 },
	{ "misalignsse", 0x80000001, 0, R_ECX, 7 }, { "3dnowprefetch", 0x80000001, 0, R_ECX, 8 },
	{ "xop", 0x80000001, 0, R_ECX, 11 }, { "fma4", 0x80000001, 0, R_ECX, 16 },
	{ "tbm", 0x80000001, 0, R_ECX, 21 }, { "topoext", 0x80000001, 0, R_ECX, 22 },
	{ "syscall", 0x80000001, 0, R_EDX, 11 }, { "nx", 0x80000001, 0, R_EDX, 20 },
	{ "mmxext", 0x80000001, 0, R_EDX, 22 }, { "ffxsr", 0x80000001, 0, R_EDX, 25 },
	{ "page1gb", 0x80000001, 0, R_EDX, 26 }, { "rdtscp", 0x80000001, 0, R_EDX, 27 },
	{ "lm", 0x80000001, 0, R_EDX, 29 }, { "3dnowext", 0x80000001, 0, R_EDX, 30 },
	{ "3dnow", 0x80000001, 0, R_EDX, 31 },
	{ "xsaveopt", 0xd, 1, R_EAX, 0 }, { "xsavec", 0xd, 1, R_EAX, 1 },
	{ "xgetbv1", 0xd, 1, R_EAX, 2 },  { "xsaves", 0xd, 1, R_EAX, 3 },
};

static uint32_t *reg_of(struct kvm_cpuid_entry2 *e, int reg)
{
	switch (reg) {
	case R_EAX: return &e->eax;
	case R_EBX: return &e->ebx;
	case R_ECX: return &e->ecx;
	default: return &e->edx;
	}
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t leaf, uint32_t subleaf)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function != leaf)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != subleaf)
			continue;
		return e;
	}
	return NULL;
}

struct kvm_cpuid2 *cpuid_supported(int kvm_fd)
{
	for (int n = 128; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = xzalloc(sizeof(*c) + n * sizeof(c->entries[0]));
		c->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			break;
	}
	msg_error("KVM_GET_SUPPORTED_CPUID failed: %s", strerror(errno));
	return NULL;
}

static void clear_bit(struct kvm_cpuid2 *c, const struct cpuid_feature *f, bool on)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function != f->leaf)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != f->subleaf)
			continue;
		if (on)
			*reg_of(e, f->reg) |= 1u << f->bit;
		else
			*reg_of(e, f->reg) &= ~(1u << f->bit);
	}
}

int cpuid_apply_policy(struct kvm_cpuid2 *c, const char *spec, char *err, size_t errlen)
{
	if (!spec || !*spec)
		return 0;
	char *copy = xstrdup(spec), *save = NULL;
	int rc = 0;
	bool first = true;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), first = false) {
		while (*tok == ' ')
			tok++;
		if (first && !strcmp(tok, "host"))
			continue;
		char *eq = strchr(tok, '=');
		if (!eq) {
			snprintf(err, errlen, "cpuid: '%s' is not name=value (use \"host,name=0,...\")", tok);
			rc = -1;
			break;
		}
		*eq = 0;
		const char *val = eq + 1;
		const struct cpuid_feature *f = NULL;
		for (size_t i = 0; i < ARRAY_SIZE(features); i++)
			if (!strcmp(features[i].name, tok))
				f = &features[i];
		if (!f) {
			snprintf(err, errlen, "cpuid: unknown feature '%s'", tok);
			rc = -1;
			break;
		}
		/* xl values: 0/1 force, x/k/s keep what the host has */
		if (!strcmp(val, "0"))
			clear_bit(c, f, false);
		else if (!strcmp(val, "1"))
			clear_bit(c, f, true);
		else if (strcmp(val, "x") && strcmp(val, "k") && strcmp(val, "s")) {
			snprintf(err, errlen, "cpuid: '%s=%s': value must be 0, 1, x, k or s", tok, val);
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

/* A copy of the template with this vCPU's APIC id filled in. */
struct kvm_cpuid2 *cpuid_for_vcpu(const struct kvm_cpuid2 *tmpl, unsigned id, unsigned n_vcpus)
{
	size_t sz = sizeof(*tmpl) + tmpl->nent * sizeof(tmpl->entries[0]);
	struct kvm_cpuid2 *c = xmalloc(sz);
	memcpy(c, tmpl, sz);
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		switch (e->function) {
		case 1:
			/* EBX[31:24] initial APIC id, [23:16] logical processors */
			e->ebx = (e->ebx & 0x0000ffff) | (id << 24) | ((n_vcpus & 0xff) << 16);
			if (n_vcpus > 1)
				e->edx |= 1u << 28; /* HTT: the count above is valid */
			break;
		case 0xb:
		case 0x1f:
			e->edx = id; /* x2APIC id */
			break;
		}
	}
	return c;
}
