/* Interrupt delivery assist for emulating KVM hosts (see irq_assist.c). */
#ifndef VMST_IRQ_ASSIST_H
#define VMST_IRQ_ASSIST_H

#include <stdbool.h>

struct vm;

/* "on", "off" or "auto"/NULL (on when the host runs kvm_pvm). */
bool irq_assist_wanted(const char *setting);
/* Called once when the VM starts running. */
void irq_assist_start(struct vm *vm);

#endif
