/* The PC: the machine every VM is (the table is in firmware/pc.c). */
#ifndef VMST_FIRMWARE_PC_H
#define VMST_FIRMWARE_PC_H

#include "core/vm.h"

extern const struct machine machine_pc;

/* Make one part of the PC by name ("serial", "isadma", ...) on any VM, as
 * unit tests do; 0 or -1. */
static inline int pc_create_part(struct vm *vm, const char *name)
{
	return machine_create_part(&machine_pc, vm, name);
}

#endif
