/* Hyper-V enlightenments for viridian = 1 (core/hyperv.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/hyperv.h"
#include "core/util.h"

#define HV_BASE   0x40000000u
#define HV_LAST   0x400000FFu
#define HV_MAX_ENT 32

static bool in_hv_range(uint32_t f)
{
	return f >= HV_BASE && f <= HV_LAST;
}

bool hyperv_cpuid(int kvm_fd, struct kvm_cpuid2 **cpuid)
{
	if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYS_HYPERV_CPUID) <= 0)
		return false;
	struct kvm_cpuid2 *hv = xzalloc(sizeof(*hv) + HV_MAX_ENT * sizeof(hv->entries[0]));
	hv->nent = HV_MAX_ENT;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_HV_CPUID, hv) < 0 || !hv->nent) {
		free(hv);
		return false;
	}
	struct kvm_cpuid2 *old = *cpuid;
	size_t n = old->nent + hv->nent;
	struct kvm_cpuid2 *c = xzalloc(sizeof(*c) + n * sizeof(c->entries[0]));
	uint32_t k = 0;
	/*
	 * KVM's own signature leaves go: the guest sees a Hyper-V host only.
	 * Linux picks the hypervisor whose signature sits highest (it scans
	 * 0x40000000 up in steps of 0x100), so KVM's leaves kept one block up
	 * would make it ignore the enlightenments; Windows reads 0x40000000.
	 */
	for (uint32_t i = 0; i < old->nent; i++)
		if (!in_hv_range(old->entries[i].function))
			c->entries[k++] = old->entries[i];
	for (uint32_t i = 0; i < hv->nent; i++) {
		struct kvm_cpuid_entry2 e = hv->entries[i];
		if (!in_hv_range(e.function))
			continue;
		if (e.function == HV_BASE) {
			/* the vendor Hyper-V guests look for (Linux's mshyperv, Windows) */
			memcpy(&e.ebx, "Micr", 4);
			memcpy(&e.ecx, "osof", 4);
			memcpy(&e.edx, "t Hv", 4);
		}
		c->entries[k++] = e;
	}
	c->nent = k;
	free(hv);
	free(old);
	*cpuid = c;
	return true;
}

int hyperv_vcpu_enable(int vcpu_fd)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_HYPERV_SYNIC2 };
	if (ioctl(vcpu_fd, KVM_ENABLE_CAP, &cap) == 0)
		return 0;
	cap.cap = KVM_CAP_HYPERV_SYNIC;
	return ioctl(vcpu_fd, KVM_ENABLE_CAP, &cap);
}
