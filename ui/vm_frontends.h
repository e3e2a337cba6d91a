/*
 * The front ends the application attaches beside a VM, from its config: the
 * VNC server (vnc=1), the audio back end (audio=) and the joystick hub that
 * feeds a game port from host controllers and the monitor. The SDL window is the
 * caller's (it must run on the main thread, ui/sdl_window.h), and monitors
 * are started on request (ui/monitor/monitor.h).
 *
 * The panel and the monitor find them here (vnc_of), never in a chip.
 */
#ifndef VMST_UI_VM_FRONTENDS_H
#define VMST_UI_VM_FRONTENDS_H

#include <stddef.h>

struct vm;
struct vnc_server;

/*
 * Right after vm_create, before the VM starts. 0, or -1 with a message in
 * err (the VNC server could not listen); the caller destroys the VM. What
 * was started stops when the VM is destroyed.
 */
int vm_frontends_start(struct vm *vm, char *err, size_t errlen);

/* The VM's VNC server, NULL without one. */
struct vnc_server *vnc_of(struct vm *vm);

#endif
