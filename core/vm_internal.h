/* Functions shared between the core's own files, not for devices. */
#ifndef VMST_VM_INTERNAL_H
#define VMST_VM_INTERNAL_H

#include "core/vm.h"

int vm_setup_ram(struct vm *vm, uint64_t bytes);
int vm_create_parts(struct vm *vm, const struct machine *m);
/* Called by a vCPU thread when vm->requests is set; true = thread must exit. */
bool vm_vcpu_check_requests(struct vcpu *v);

#endif
