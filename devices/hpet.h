/*
 * HPET (IA-PC HPET specification 1.0a) at 0xFED00000 for hpet = 1: three
 * timers, a 64-bit main counter at 100 MHz of guest time, legacy
 * replacement routing (timer 0 -> IRQ 0 / I/O APIC input 2, timer 1 ->
 * IRQ 8), I/O APIC inputs 16-23 for any timer otherwise.
 */
#ifndef VMST_HPET_H
#define VMST_HPET_H

#include <stdint.h>

struct vm;

#define HPET_BASE 0xFED00000u
#define HPET_LEN 0x400u
#define HPET_PERIOD_FS 10000000u  /* counter period in femtoseconds: 10 ns */

/*
 * Bring the HPET up to the guest's clock: comparators the counter went past
 * raise their interrupts (what the host timer does; tests call it after
 * moving the clock). Returns the guest ns until the next interrupt the
 * host timer is armed for, 0 when none is.
 */
uint64_t hpet_poll(struct vm *vm);

#endif
