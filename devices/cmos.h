/* CMOS RAM and real-time clock (MC146818A compatible) at ports 0x70/0x71. */
#ifndef VMST_CMOS_H
#define VMST_CMOS_H

#include <stdint.h>

struct vm;

/* Set a CMOS byte (configuration bytes 0x0E-0x7F), e.g. floppy types 0x10. */
void cmos_set(struct vm *vm, unsigned reg, uint8_t val);
uint8_t cmos_get(struct vm *vm, unsigned reg);

#endif
