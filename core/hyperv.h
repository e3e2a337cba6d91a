/*
 * xl's viridian = 1: the Hyper-V enlightenments KVM implements (relaxed
 * timing, APIC assist, spinlock hints, the reference time counter, the
 * synthetic interrupt controller and timers, VP index), offered to the guest
 * in CPUID leaves 0x40000000.. as Hyper-V does; KVM's own leaves move to
 * 0x40000100, where Linux also looks for them.
 */
#ifndef VMST_HYPERV_H
#define VMST_HYPERV_H

#include <linux/kvm.h>
#include <stdbool.h>

/*
 * Add the Hyper-V leaves KVM supports to *cpuid (reallocated). False when
 * this KVM offers none (KVM_CAP_SYS_HYPERV_CPUID missing or failing).
 */
bool hyperv_cpuid(int kvm_fd, struct kvm_cpuid2 **cpuid);

/* Per vCPU, after KVM_SET_CPUID2: turn on the SynIC the CPUID advertises. 0 or -1. */
int hyperv_vcpu_enable(int vcpu_fd);

#endif
