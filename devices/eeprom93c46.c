/* The 93C46 serial EEPROM (eeprom93c46.h): a state machine on clock edges. */
#include "devices/eeprom93c46.h"

#include <string.h>

/* A rising clock edge with chip select high: one bit in, one bit out. */
static void clock_bit(struct eeprom93c46 *e, bool di)
{
	switch (e->state) {
	case EE_IDLE:
		if (di) {               /* the start bit; leading zeros are ignored */
			e->state = EE_COMMAND;
			e->bits = 0;
			e->shift = 0;
		}
		break;
	case EE_COMMAND:
		e->shift = (uint16_t)(e->shift << 1 | di);
		if (++e->bits < 8)
			break;
		e->addr = e->shift & 0x3F;
		e->bits = 0;
		switch (e->shift >> 6) {
		case 2:                 /* READ: a dummy 0, then the word, MSB first */
			e->state = EE_READ;
			e->shift = e->words[e->addr];
			e->dout = false;
			break;
		case 1:                 /* WRITE: 16 bits follow */
			e->state = EE_WRITE;
			e->shift = 0;
			break;
		case 3:                 /* ERASE */
			if (e->write_enabled)
				e->words[e->addr] = 0xFFFF;
			e->state = EE_IDLE;
			break;
		default:                /* 00: EWDS, WRAL, ERAL, EWEN by the top address bits */
			switch (e->addr >> 4) {
			case 0: e->write_enabled = false; break;
			case 2:
				if (e->write_enabled)
					memset(e->words, 0xFF, sizeof(e->words));
				break;
			case 3: e->write_enabled = true; break;
			default: break;     /* WRAL: not used by drivers */
			}
			e->state = EE_IDLE;
		}
		break;
	case EE_READ:
		e->dout = e->shift & 0x8000;
		e->shift <<= 1;
		if (++e->bits == 16) {  /* sequential read: on to the next word */
			e->addr = (e->addr + 1) & 0x3F;
			e->shift = e->words[e->addr];
			e->bits = 0;
		}
		break;
	case EE_WRITE:
		e->shift = (uint16_t)(e->shift << 1 | di);
		if (++e->bits == 16) {
			if (e->write_enabled)
				e->words[e->addr] = e->shift;
			e->state = EE_IDLE;
		}
		break;
	}
}

void eeprom93c46_pins(struct eeprom93c46 *e, bool cs, bool sk, bool di)
{
	if (!cs) {                      /* deselected: the next command starts afresh */
		e->state = EE_IDLE;
		e->dout = false;
	} else if (sk && !e->sk) {
		clock_bit(e, di);
	}
	e->cs = cs;
	e->sk = sk;
}
