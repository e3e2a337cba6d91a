/*
 * The PC game port at 0x201 (IBM Game Control Adapter; the SB16 has the same
 * port on its card).
 *
 * Hardware: each axis is a 558 timer section in monostable mode charging a
 * 0.01 uF capacitor through the joystick's 0..100 kOhm potentiometer. Any
 * write to 0x201 triggers all four; a read gives bits 0-3 = 1 while an
 * axis's one-shot is still running, bits 4-7 = the buttons, 0 while pressed
 * (they pull the line to ground). The IBM Technical Reference gives the
 * pulse as 24.2 us + 0.011 us * R (R in ohms), so 24.2 us .. 1.12 ms.
 * A 558 section does not restart while it is timing: a write only fires the
 * axes that are idle.
 *
 * Without a joystick the potentiometer is an open circuit: the capacitor
 * never reaches the threshold, so a fired axis reads 1 for ever (DOS games
 * and Linux's analog.c take "bit never drops before the timeout" as "no
 * axis"). Before the first write the one-shots are idle and read 0.
 *
 * Pulses are timed in guest time: the VM's kvmclock (KVM_GET_CLOCK, frozen
 * while the VM is paused), so a game's calibration holds however fast the
 * host runs the guest's counting loop. The vCPU path takes no lock and
 * allocates nothing: inputs and one-shot deadlines are atomics.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "devices/gameport.h"
#include "core/util.h"
#include "core/vm.h"

#define NEVER UINT64_MAX           /* an open-circuit axis: the one-shot never ends */

struct gameport {
	struct vm *vm;
	_Atomic uint64_t input[GAMEPORT_STICKS]; /* packed struct gameport_input */
	_Atomic uint64_t deadline[4];  /* guest ns when each one-shot ends; 0 = idle */
	uint64_t (*clock)(void *opaque);
	void *clock_opaque;
};

/* packed input: bits 0-15 x, 16-31 y, 32-35 buttons, 63 connected */
static uint64_t pack(const struct gameport_input *in)
{
	return (uint64_t)(uint16_t)in->x | (uint64_t)(uint16_t)in->y << 16 |
	       (uint64_t)(in->buttons & 0xF) << 32 | (uint64_t)(in->connected ? 1 : 0) << 63;
}

static struct gameport_input unpack(uint64_t v)
{
	struct gameport_input in = {
		.connected = v >> 63,
		.x = (int16_t)(uint16_t)v,
		.y = (int16_t)(uint16_t)(v >> 16),
		.buttons = (unsigned)(v >> 32) & 0xF,
	};
	return in;
}

uint64_t gameport_pulse_ns(int16_t value)
{
	/* -32768..32767 -> 0..100000 ohms; 24.2 us + 11 ns per ohm */
	uint64_t ohms = ((uint64_t)((int32_t)value + 32768) * 100000u + 32767u) / 65535u;
	return 24200u + 11u * ohms;
}

/* The guest's clock (core/vm.h): pulses hold in guest time. */
static uint64_t guest_ns(void *opaque)
{
	struct gameport *gp = opaque;
	return vm_guest_ns(gp->vm);
}

static uint64_t now_ns(struct gameport *gp)
{
	return gp->clock(gp->clock_opaque);
}

static uint64_t gp_read(void *opaque, uint64_t offset, unsigned size)
{
	struct gameport *gp = opaque;
	(void)offset; (void)size;
	uint64_t now = now_ns(gp);
	uint8_t v = 0xF0;              /* buttons released, one-shots idle */
	for (unsigned a = 0; a < 4; a++) {
		uint64_t d = atomic_load(&gp->deadline[a]);
		if (d && now < d)
			v |= (uint8_t)(1u << a);
	}
	for (unsigned j = 0; j < GAMEPORT_STICKS; j++) {
		struct gameport_input in = unpack(atomic_load(&gp->input[j]));
		if (in.connected)
			v &= (uint8_t)~((in.buttons & 3u) << (4 + 2 * j));
	}
	return v;
}

static void gp_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct gameport *gp = opaque;
	(void)offset; (void)value; (void)size;
	uint64_t now = now_ns(gp);
	for (unsigned a = 0; a < 4; a++) {
		uint64_t d = atomic_load(&gp->deadline[a]);
		if (d && now < d)
			continue;              /* still timing: a 558 is not retriggered */
		struct gameport_input in = unpack(atomic_load(&gp->input[a / 2]));
		uint64_t end = NEVER;
		if (in.connected)
			end = now + gameport_pulse_ns(a & 1 ? in.y : in.x);
		atomic_store(&gp->deadline[a], end);
	}
}

static const struct io_ops gp_ops = { .read = gp_read, .write = gp_write };

struct gameport *gameport_of(struct vm *vm)
{
	return vm_lookup(vm, "gameport");
}

/*
 * Plugging a stick in closes the circuit: an axis left timing for ever ends
 * one pulse later. Pulling it out mid-pulse opens it: the axis never ends.
 */
void gameport_set_input(struct gameport *gp, unsigned stick, const struct gameport_input *in)
{
	if (!gp || stick >= GAMEPORT_STICKS)
		return;
	struct gameport_input old = unpack(atomic_exchange(&gp->input[stick], pack(in)));
	if (old.connected == in->connected)
		return;
	uint64_t now = now_ns(gp);
	for (unsigned a = 2 * stick; a < 2 * stick + 2; a++) {
		uint64_t d = atomic_load(&gp->deadline[a]);
		if (in->connected && d == NEVER)
			atomic_compare_exchange_strong(&gp->deadline[a], &d,
						       now + gameport_pulse_ns(a & 1 ? in->y : in->x));
		else if (!in->connected && d && now < d)
			atomic_compare_exchange_strong(&gp->deadline[a], &d, NEVER);
	}
}

struct gameport_input gameport_get_input(struct gameport *gp, unsigned stick)
{
	struct gameport_input none = { 0 };
	if (!gp || stick >= GAMEPORT_STICKS)
		return none;
	return unpack(atomic_load(&gp->input[stick]));
}

void gameport_set_clock(struct gameport *gp, uint64_t (*clock)(void *opaque), void *opaque)
{
	gp->clock = clock ? clock : guest_ns;
	gp->clock_opaque = clock ? opaque : gp;
}

static void gp_reset(void *opaque)
{
	struct gameport *gp = opaque;
	for (unsigned a = 0; a < 4; a++)
		atomic_store(&gp->deadline[a], 0);
}

/* soundhw='sb16' (the card has the port) or gameport=1 */
static bool wanted(const struct vm_config *cfg)
{
	if (!cfg)
		return false;
	if (cfg->gameport)
		return true;
	for (unsigned i = 0; i < cfg->n_soundhw; i++)
		if (cfg->soundhw[i] && !strcmp(cfg->soundhw[i], "sb16"))
			return true;
	return false;
}

int gameport_create(struct vm *vm)
{
	if (!wanted(vm->cfg))
		return 0;
	struct gameport *gp = xzalloc(sizeof(*gp));
	gp->vm = vm;
	gameport_set_clock(gp, NULL, NULL);
	if (vm_register_pio(vm, GAMEPORT_PORT, 1, &gp_ops, gp, "gameport") < 0) {
		msg_error("gameport: port 0x201 is taken");
		free(gp);
		return -1;
	}
	vm_add_reset_hook(vm, gp_reset, gp);
	vm_add_free_hook(vm, free, gp);
	vm_publish(vm, "gameport", gp);
	return 0;
}
