/* The i8042 keyboard controller (devices/i8042.c), published as "i8042". */
#ifndef VMST_I8042_H
#define VMST_I8042_H

#include <stdint.h>

struct i8042;
struct vm;

/* How many system resets the guest asked for (0xFE, 0xD1, port 0x92). */
uint64_t i8042_reset_requests(struct i8042 *c);

/*
 * Leave the controller as a PC BIOS's POST does, for kernels entered directly
 * (no firmware ran): self-test passed (SYS), command byte 0x65 (set 2 to set 1
 * translation, keyboard IRQ, mouse interface off until the OS enables it).
 */
void i8042_post_done(struct i8042 *c);
/* The VM's keyboard controller, or NULL. */
struct i8042 *i8042_of(struct vm *vm);

#endif
