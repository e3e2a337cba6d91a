/* The i8042 keyboard controller (devices/i8042.c), published as "i8042". */
#ifndef VMST_I8042_H
#define VMST_I8042_H

#include <stdint.h>

struct i8042;

/* How many system resets the guest asked for (0xFE, 0xD1, port 0x92). */
uint64_t i8042_reset_requests(struct i8042 *c);

#endif
