/* UHCI host controller (devices/uhci.c), published as "uhci" when usb=1. */
#ifndef VMST_UHCI_H
#define VMST_UHCI_H

struct uhci;

/* Run n 1-ms frames now, as the frame timer would (tests drive time this way). */
void uhci_run_frames(struct uhci *u, unsigned n);

#endif
