/*
 * SDL2 windows showing a VM's display (sdl=1). SDL must run on the process's
 * main thread: every function here is for the main thread only.
 *
 * `vmstation run` calls sdl_ui_run(vm), which opens the VM's window and
 * returns when the VM has stopped (or the window was closed: the VM is then
 * asked to quit). The manager panel, which runs several VMs from its own
 * main-thread loop, instead opens and closes windows itself and calls
 * sdl_ui_pump() every few milliseconds.
 *
 * Keys in a window: ctrl-alt-1 guest screen, ctrl-alt-2 monitor console
 * (when the monitor is compiled in), ctrl-alt-3 serial console, ctrl-alt-f
 * full screen, ctrl-alt releases the grab; a click grabs keyboard and mouse.
 */
#ifndef VMST_SDL_WINDOW_H
#define VMST_SDL_WINDOW_H

#include <stdbool.h>

struct vm;
struct sdl_window;

/* Opens the VM's window and runs until the VM stops. 0, or -1 on error. */
int sdl_ui_run(struct vm *vm);

/* For the panel: initialise SDL once (0 or -1), then open/close windows. */
int sdl_ui_init(void);
struct sdl_window *sdl_window_open(struct vm *vm);
void sdl_window_close(struct sdl_window *w);
/* Handle events and redraw every open window; waits up to timeout_ms for an event. */
void sdl_ui_pump(int timeout_ms);
/* True once the person closed the window (the panel then closes it). */
bool sdl_window_closed(struct sdl_window *w);

/*
 * Relative motion for games (grabbed, hidden cursor): host motion is in
 * window points, the guest gets guest pixels, so a stroke across the shown
 * picture is a stroke across the guest's screen, windowed or full screen.
 * sdl_display_scale: points per guest pixel for a win_w x win_h window
 * showing a tw x th picture with its aspect kept (integer: whole factors).
 * sdl_scale_rel: rel points -> whole guest pixels, the fraction kept in *acc
 * so slow motion is not lost.
 */
double sdl_display_scale(int win_w, int win_h, unsigned tw, unsigned th, bool integer);
int sdl_scale_rel(double *acc, int rel, double scale);

#endif
