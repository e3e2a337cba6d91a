/*
 * The PC game port (IBM Game Control Adapter, and the one on a Sound Blaster
 * 16) at I/O 0x201: two joysticks, four axes, four buttons.
 *
 * Front ends (SDL controllers, the keyboard stand-in, tests) describe each
 * joystick with struct gameport_input; the chip times its one-shots from
 * the values current when the guest fires them. Safe from any thread: the
 * state is kept in atomics, so the vCPU path takes no lock.
 */
#ifndef VMST_GAMEPORT_H
#define VMST_GAMEPORT_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct gameport;

#define GAMEPORT_PORT 0x201
#define GAMEPORT_STICKS 2        /* joystick A (axes 0, 1), joystick B (axes 2, 3) */

/* One joystick as the host sees it. */
struct gameport_input {
	bool connected;          /* false: its axes never time out, buttons read released */
	int16_t x, y;            /* -32768 left/up .. 32767 right/down */
	unsigned buttons;        /* bit 0 = button 1, bit 1 = button 2 */
};

/* The VM's game port, or NULL when it has none (no sb16 and no gameport=1). */
struct gameport *gameport_of(struct vm *vm);
void gameport_set_input(struct gameport *gp, unsigned stick, const struct gameport_input *in);
struct gameport_input gameport_get_input(struct gameport *gp, unsigned stick);

/* The one-shot length for an axis value: 24.2 us + 0.011 us per ohm, 0..100 kOhm. */
uint64_t gameport_pulse_ns(int16_t value);

/* Unit tests: replace the guest clock (ns). */
void gameport_set_clock(struct gameport *gp, uint64_t (*clock)(void *opaque), void *opaque);

#endif
