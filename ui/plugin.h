/*
 * Front ends that need big libraries live in shared objects loaded when a VM
 * first uses them, so a headless VM maps none of those libraries:
 *   vmst-sdl.so     SDL2 windows (ui/sdl_window.c) and SDL audio (ui/audio_sdl.c)
 *   vmst-vnc.so     the VNC server (ui/vnc_server.c, LibVNCServer)
 *   vmst-viewer.so  `vmstation view` (ui/viewer.c, libvncclient + SDL2)
 *   vmst-pulse.so   PulseAudio sound (ui/audio_pulse.c)
 * Each exports one table (below); the rest of the program calls the usual
 * functions of ui/sdl_window.h, vnc_server.h, viewer.h and the audio back
 * ends, which ui/plugin.c forwards to the table. What plugins may call of
 * the binary is ui/plugin_api.h, and only that.
 *
 * Lookup: a table already linked into the process (the unit tests link every
 * object) is used as is; otherwise vmst-NAME.so is loaded from the
 * executable's directory, then its build/plugins/, then PLUGIN_DIR.
 */
#ifndef VMST_PLUGIN_H
#define VMST_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct sdl_window;
struct vnc_server;
struct audio_backend;

/*
 * Every table starts with this header. The loader refuses a plugin built
 * against other structure layouts (a stale .so beside a new binary).
 */
#define PLUGIN_ABI 2
struct plugin_header {
	uint32_t abi;
	uint32_t cfg_size;     /* sizeof(struct vm_config) when the plugin was built */
	uint32_t display_size; /* sizeof(struct display) */
};
#define PLUGIN_HEADER_INIT { PLUGIN_ABI, sizeof(struct vm_config), sizeof(struct display) }

/* vmst-sdl.so: "vmst_plugin_sdl" (ui/sdl_window.h says what each call does) */
struct sdl_plugin {
	struct plugin_header h;
	int (*ui_run)(struct vm *vm);
	int (*ui_init)(void);
	struct sdl_window *(*window_open)(struct vm *vm);
	void (*window_close)(struct sdl_window *w);
	void (*ui_pump)(int timeout_ms);
	bool (*window_closed)(struct sdl_window *w);
	double (*display_scale)(int win_w, int win_h, unsigned tw, unsigned th, bool integer);
	int (*scale_rel)(double *acc, int rel, double scale);
	const struct audio_backend *audio;
};

/* vmst-vnc.so: "vmst_plugin_vnc" (ui/vnc_server.h) */
struct vnc_plugin {
	struct plugin_header h;
	struct vnc_server *(*start)(struct vm *vm, char *err, size_t errlen);
	void (*stop)(struct vnc_server *s);
	int (*port)(const struct vnc_server *s);
	int (*clients)(struct vnc_server *s);
};

/* vmst-viewer.so: "vmst_plugin_viewer" (ui/viewer.h) */
struct viewer_plugin {
	struct plugin_header h;
	int (*main)(int argc, char **argv);
};

/* vmst-pulse.so: "vmst_plugin_pulse" */
struct pulse_plugin {
	struct plugin_header h;
	const struct audio_backend *audio;
};

/*
 * The table "vmst_plugin_NAME" of plugin vmst-NAME.so ("sdl", "vnc",
 * "viewer", "pulse"), loading it on first use (any thread). NULL if it cannot
 * be had, with the reason (the file tried and the dynamic linker's message,
 * e.g. a missing libSDL2) in err. A failure is remembered: later calls fail
 * at once with the same reason.
 */
const void *plugin_table(const char *name, char *err, size_t errlen);

/* The audio back end "pulse" or "sdl" from its plugin; NULL with err. */
const struct audio_backend *plugin_audio_backend(const char *name, char *err, size_t errlen);

#endif
