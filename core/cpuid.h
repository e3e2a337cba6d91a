/* CPUID policy for guests. */
#ifndef VMST_CPUID_H
#define VMST_CPUID_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

struct kvm_cpuid2 *cpuid_supported(int kvm_fd);
/* Apply xl's cpuid= string ("host,cx16=0,rdrand=0"); 0 or -1 with err. */
int cpuid_apply_policy(struct kvm_cpuid2 *c, const char *spec, char *err, size_t errlen);
struct kvm_cpuid2 *cpuid_for_vcpu(const struct kvm_cpuid2 *tmpl, unsigned id, unsigned n_vcpus);
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t leaf, uint32_t subleaf);

#endif
