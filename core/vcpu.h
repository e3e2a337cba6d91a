/* One virtual CPU: its KVM fd, its thread and its exit loop. */
#ifndef VMST_VCPU_H
#define VMST_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct exit_profile;

struct vcpu {
	struct vm *vm;
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	_Atomic bool kick;        /* set before signalling the thread out of KVM_RUN */
	/* power-on state, read at creation and re-applied on reset */
	struct kvm_regs reset_regs;
	struct kvm_sregs reset_sregs;
	struct kvm_fpu reset_fpu;
	struct kvm_lapic_state reset_lapic;
	struct kvm_mp_state reset_mp;
	/* exit counters, written only by this vCPU's thread */
	uint64_t exits, pio_exits, mmio_exits, halts;
	struct exit_profile *profile;   /* VMST_EXIT_PROFILE=1, else NULL */
	/* boot state applied before the first KVM_RUN (direct kernel boot) */
	bool has_boot_regs;
	struct kvm_regs boot_regs;
	struct kvm_sregs boot_sregs;
};

struct vcpu *vcpu_create(struct vm *vm, unsigned id);
void vcpu_free(struct vcpu *vcpu);
/* Start the vCPU thread, pinned to *pin when not NULL (cpus=). */
int vcpu_start_thread(struct vcpu *vcpu, const cpu_set_t *pin);
/* Interrupt KVM_RUN so the thread looks at the VM's requests. */
void vcpu_kick(struct vcpu *vcpu);
/* Architectural reset (power-on state); applies boot regs if set. */
int vcpu_reset(struct vcpu *vcpu);
/* Registers for the monitor; 0 or -1. Safe only while the vCPU is paused. */
int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs, struct kvm_sregs *sregs);

/* QEMU `info registers` style dump into buf; returns the length. */
int vcpu_format_regs(struct vcpu *vcpu, char *buf, size_t n);

#endif
