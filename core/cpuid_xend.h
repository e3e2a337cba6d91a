/*
 * The list form of xl's cpuid= option (xend's syntax):
 *   cpuid = [ '0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxx1xxx,edx=...', '0xd,1:eax=...' ]
 * One entry: leaf[,subleaf]:reg=BITS[,reg=BITS...]; reg is eax, ebx, ecx or
 * edx; BITS is 32 characters, bit 31 first: 1 set, 0 clear, x/k/s keep what
 * KVM offers.
 */
#ifndef VMST_CPUID_XEND_H
#define VMST_CPUID_XEND_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpuid_xend {
	uint32_t leaf, subleaf;
	bool has_subleaf;
	bool has[4];        /* eax ebx ecx edx given */
	uint32_t set[4];    /* bits forced to 1 */
	uint32_t clear[4];  /* bits forced to 0 */
};

/* Parse one entry: 0, or -1 with err (which names the offending part). */
int cpuid_xend_parse(const char *s, struct cpuid_xend *x, char *err, size_t errlen);
/*
 * Apply one parsed entry to the CPUID KVM offers: 0, or -1 with err when it
 * forces bits on in a leaf KVM does not offer.
 */
int cpuid_xend_apply(struct kvm_cpuid2 *c, const struct cpuid_xend *x, char *err, size_t errlen);

#endif
