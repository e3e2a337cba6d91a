/*
 * A 93C46 serial EEPROM, 64 words of 16 bits, bit-banged through four pins
 * (chip select, clock, data in, data out) as the RTL8139's 9346CR register
 * exposes them. Microwire protocol: a start bit, a 2-bit opcode and a 6-bit
 * address, then 16 data bits out (READ) or in (WRITE); EWEN/EWDS gate writes.
 */
#ifndef VMST_EEPROM93C46_H
#define VMST_EEPROM93C46_H

#include <stdbool.h>
#include <stdint.h>

struct eeprom93c46 {
	uint16_t words[64];
	bool cs, sk, dout, write_enabled;
	enum { EE_IDLE, EE_COMMAND, EE_READ, EE_WRITE } state;
	unsigned bits;          /* bits shifted in (command) or out (data) */
	uint16_t shift;         /* command being assembled, or data in/out */
	uint8_t addr;
};

/* The pins after a write of the control register: cs, sk (clock), di (data in). */
void eeprom93c46_pins(struct eeprom93c46 *e, bool cs, bool sk, bool di);

#endif
