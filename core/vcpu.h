/* One virtual CPU: its KVM fd, its thread and its exit loop. */
#ifndef VMST_VCPU_H
#define VMST_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	_Atomic bool kick;        /* set before signalling the thread out of KVM_RUN */
	/* boot state applied before the first KVM_RUN (direct kernel boot) */
	bool has_boot_regs;
	struct kvm_regs boot_regs;
	struct kvm_sregs boot_sregs;
};

struct vcpu *vcpu_create(struct vm *vm, unsigned id);
void vcpu_free(struct vcpu *vcpu);
int vcpu_start_thread(struct vcpu *vcpu);
/* Interrupt KVM_RUN so the thread looks at the VM's requests. */
void vcpu_kick(struct vcpu *vcpu);
/* Architectural reset (power-on state); applies boot regs if set. */
int vcpu_reset(struct vcpu *vcpu);
/* Registers for the monitor; 0 or -1. Safe only while the vCPU is paused. */
int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs, struct kvm_sregs *sregs);

#endif
