/*
 * kvmpin: holds two idle KVM VMs open for the life of the emulated host, so
 * that the kernel inside never rewrites its own code when a test starts or
 * kills a VM. See "The livelock" in tests/kvmhost/README.
 *
 * KVM turns static keys (code patched at run time with INT3 and
 * text_poke) on and off as VMs come and go: preempt_notifier_key in
 * __schedule with the first and last VM, apic_sw_disabled and
 * apic_hw_disabled with the first and last local APIC in that state,
 * kvm_has_noapic_vcpu with the first and last vCPU without an in-kernel
 * APIC. A key is patched only when its count goes between 0 and 1; these
 * VMs keep every count at 1 or more:
 *   VM 1: in-kernel irqchip, one vCPU that never runs, its APIC disabled
 *         in hardware (APICBASE without the enable bit) and in software;
 *   VM 2: no irqchip, one vCPU.
 * Runs in the initramfs before the job (built static by build.sh). It
 * returns once both VMs exist, leaving a child that holds them, so that
 * init starts the job only after the keys are pinned.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "kvmpin: %s: %m\n", what);
	return 1;
}

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("/dev/kvm");
	int vm1 = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm1 < 0)
		return fail("KVM_CREATE_VM");
	if (ioctl(vm1, KVM_CREATE_IRQCHIP, 0) < 0)
		return fail("KVM_CREATE_IRQCHIP");
	int cpu1 = ioctl(vm1, KVM_CREATE_VCPU, 0);
	if (cpu1 < 0)
		return fail("KVM_CREATE_VCPU");
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry entry;
	} msr;
	memset(&msr, 0, sizeof msr);
	msr.head.nmsrs = 1;
	msr.entry.index = 0x1b;			/* IA32_APICBASE */
	msr.entry.data = 0xfee00000 | 0x100;	/* BSP, not enabled */
	if (ioctl(cpu1, KVM_SET_MSRS, &msr) != 1)
		return fail("KVM_SET_MSRS APICBASE");
	int vm2 = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm2 < 0)
		return fail("KVM_CREATE_VM");
	if (ioctl(vm2, KVM_CREATE_VCPU, 0) < 0)
		return fail("KVM_CREATE_VCPU (no irqchip)");
	pid_t child = fork();
	if (child < 0)
		return fail("fork");
	if (child > 0)
		return 0;	/* the child's copies of the descriptors hold the VMs */
	for (;;)
		pause();
}
