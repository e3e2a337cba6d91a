/*
 * xl's viridian = 1: the Hyper-V enlightenments KVM implements (relaxed
 * timing, APIC assist, spinlock hints, the reference time counter, the
 * synthetic interrupt controller and timers, VP index), offered to the guest
 * in CPUID leaves 0x40000000.. as Hyper-V does, in place of KVM's own
 * leaves (Linux then says "Hypervisor detected: Microsoft Hyper-V").
 */
#ifndef VMST_HYPERV_H
#define VMST_HYPERV_H

#include <linux/kvm.h>
#include <stdbool.h>

/*
 * Put the Hyper-V leaves KVM supports in *cpuid (reallocated), in place of
 * KVM's signature leaves. False when
 * this KVM offers none (KVM_CAP_SYS_HYPERV_CPUID missing or failing).
 */
bool hyperv_cpuid(int kvm_fd, struct kvm_cpuid2 **cpuid);

/* Per vCPU, after KVM_SET_CPUID2: turn on the SynIC the CPUID advertises. 0 or -1. */
int hyperv_vcpu_enable(int vcpu_fd);

#endif
