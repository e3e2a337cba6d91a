/*
 * xend's per-register cpuid= entries, as xl reads them from a list:
 * parsed when the configuration is checked, applied to KVM's CPUID when
 * the VM is built (after the string form, see core/cpuid.c).
 */
#include "core/cpuid_xend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static bool number(const char *s, char **end, uint32_t *out)
{
	if (!(*s >= '0' && *s <= '9'))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, end, 0);
	if (errno || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

int cpuid_xend_parse(const char *s, struct cpuid_xend *x, char *err, size_t errlen)
{
	static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
	char *end;
	memset(x, 0, sizeof(*x));
	if (!number(s, &end, &x->leaf)) {
		snprintf(err, errlen, "cpuid '%s': expected a leaf number first (e.g. 0x1:ecx=...)", s);
		return -1;
	}
	if (*end == ',') {
		if (!number(end + 1, &end, &x->subleaf)) {
			snprintf(err, errlen, "cpuid '%s': expected a subleaf number after the ','", s);
			return -1;
		}
		x->has_subleaf = true;
	}
	if (*end != ':') {
		snprintf(err, errlen, "cpuid '%s': expected ':' after the leaf", s);
		return -1;
	}
	const char *p = end + 1;
	for (;;) {
		while (*p == ' ' || *p == '\n')
			p++;
		int r = -1;
		for (int i = 0; i < 4; i++)
			if (!strncmp(p, regs[i], 3) && p[3] == '=')
				r = i;
		if (r < 0) {
			snprintf(err, errlen, "cpuid '%s': expected eax=, ebx=, ecx= or edx= at '%.8s'",
				 s, p);
			return -1;
		}
		if (x->has[r]) {
			snprintf(err, errlen, "cpuid '%s': %s given twice", s, regs[r]);
			return -1;
		}
		p += 4;
		size_t n = strcspn(p, ",");
		if (n != 32) {
			snprintf(err, errlen, "cpuid '%s': %s needs exactly 32 characters of 0, 1, x, k "
				 "or s (bit 31 first), not %zu", s, regs[r], n);
			return -1;
		}
		for (int b = 0; b < 32; b++) {
			uint32_t bit = 1u << (31 - b);
			switch (p[b]) {
			case '1': x->set[r] |= bit; break;
			case '0': x->clear[r] |= bit; break;
			case 'x': case 'k': case 's': break;
			default:
				snprintf(err, errlen, "cpuid '%s': %s bit %d is '%c' (0, 1, x, k or s)", s,
					 regs[r], 31 - b, p[b]);
				return -1;
			}
		}
		x->has[r] = true;
		p += 32;
		if (!*p)
			return 0;
		p++; /* the ',' */
	}
}

int cpuid_xend_apply(struct kvm_cpuid2 *c, const struct cpuid_xend *x, char *err, size_t errlen)
{
	bool found = false;
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function != x->leaf)
			continue;
		if (x->has_subleaf && (e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) &&
		    e->index != x->subleaf)
			continue;
		if (!x->has_subleaf && (e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index)
			continue; /* no subleaf: subleaf 0 */
		uint32_t *r[4] = { &e->eax, &e->ebx, &e->ecx, &e->edx };
		for (int k = 0; k < 4; k++)
			*r[k] = (*r[k] | x->set[k]) & ~x->clear[k];
		found = true;
	}
	if (!found && (x->set[0] | x->set[1] | x->set[2] | x->set[3])) {
		snprintf(err, errlen, "cpuid: leaf 0x%x%s is not offered by KVM on this host, so no "
			 "bit of it can be set", x->leaf, x->has_subleaf ? " (with that subleaf)" : "");
		return -1;
	}
	return 0;
}
