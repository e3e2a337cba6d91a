/*
 * Host joysticks for the game port: which host device feeds joystick A and
 * B of a VM (the map, set by the monitor's joystick_map), what the front end
 * attached (for `info joysticks`), and a mailbox for the test-only virtual
 * joystick (joystick_virtual, present only with VMST_TEST_JOYSTICK=1).
 *
 * The monitor and the front end (SDL, on its main thread) meet here; every
 * call is safe from any thread. The device itself only sees the values the
 * front end computes (devices/gameport.h). A VM without a game port has no hub.
 */
#ifndef VMST_JOYSTICK_H
#define VMST_JOYSTICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct vm;
struct joy_hub;

enum joy_kind {
	JOY_AUTO,      /* A: first controller's left stick; B: second controller, else the first's right stick */
	JOY_PAD,       /* controller `pad` (0 = first found), stick `stick` */
	JOY_KEYBOARD,  /* arrows, right ctrl = button 1, right alt = button 2 (the SDL window's) */
	JOY_NONE,      /* nothing attached */
};

struct joy_source {
	enum joy_kind kind;
	unsigned pad;
	int stick;     /* 0 left (buttons A/B), 1 right (X/Y), -1 unsaid (left) */
};

#define JOY_MAX_VQ 16

/* Give the VM a hub if it has a game port (a front end, started with the
 * others: ui/vm_frontends.c); 0. */
int joy_hub_attach(struct vm *vm);
/* Give the VM a hub if it has a game port (a front end, started with the
 * others: ui/vm_frontends.c); 0. */
int joy_hub_attach(struct vm *vm);
/* The VM's hub, or NULL without a game port. */
struct joy_hub *joy_hub_of(struct vm *vm);

/* "auto", "none", "keyboard", "pad0", "pad1.left", "pad0.right"; 0 or -1. */
int joy_source_parse(const char *s, struct joy_source *out);
void joy_source_format(const struct joy_source *src, char *buf, size_t n);
/* "A"/"a"/"0" -> 0, "B"/"b"/"1" -> 1, else -1 */
int joy_port_parse(const char *s);

void joy_hub_set_map(struct joy_hub *h, unsigned port, const struct joy_source *src);
struct joy_source joy_hub_map(struct joy_hub *h, unsigned port);

/* Front end: what feeds each port now ("pad0 'name' left stick"; "" = nothing), the controllers present. */
void joy_hub_set_attached(struct joy_hub *h, unsigned port, const char *what);
void joy_hub_set_pads(struct joy_hub *h, const char *list);
/* Front end: called (any thread) after the map changed or a virtual command came. */
void joy_hub_set_wake(struct joy_hub *h, void (*wake)(void *opaque), void *opaque);

/* `info joysticks`: each port's map, attachment and live state; the controllers. */
void joy_hub_info(struct joy_hub *h, FILE *out);

/* Test aid: queue / take one joystick_virtual command line. */
int joy_hub_virtual_push(struct joy_hub *h, const char *cmd);
bool joy_hub_virtual_pop(struct joy_hub *h, char *buf, size_t n);

#endif
