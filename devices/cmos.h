/* CMOS RAM and real-time clock (MC146818A compatible) at ports 0x70/0x71. */
#ifndef VMST_CMOS_H
#define VMST_CMOS_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

/* Set a CMOS byte (configuration bytes 0x0E-0x7F), e.g. floppy types 0x10. */
void cmos_set(struct vm *vm, unsigned reg, uint8_t val);
uint8_t cmos_get(struct vm *vm, unsigned reg);
/*
 * The RTC's IRQ 8 output on or off (an HPET in legacy replacement mode
 * takes IRQ 8 for its timer 1). The flags in register C work either way.
 */
void cmos_irq_enable(struct vm *vm, bool on);

#endif
