/*
 * What the vmstation binary offers its plugins (ui/plugin.h): these
 * functions and no others are exported to them (the Makefile builds the
 * binary's dynamic symbol list from this list, and refuses a plugin that
 * calls anything else of ours). The structures they share are checked by the
 * plugin header (PLUGIN_ABI and the sizes in struct plugin_header); a change
 * to this list or to those structures bumps PLUGIN_ABI.
 *
 * Plugins include this header for the declarations.
 */
#ifndef VMST_UI_PLUGIN_API_H
#define VMST_UI_PLUGIN_API_H

#include "core/host/audio.h"      /* the mixer an audio back end pulls */
#include "core/host/display.h"    /* the surface a window or VNC shows */
#include "core/host/input.h"      /* where their keys and pointer go */
#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"
#include "devices/gameport.h"     /* SDL joysticks */
#include "ui/console_text.h"      /* the monitor and serial consoles */
#include "ui/joystick.h"
#include "ui/keymap.h"
#include "ui/monitor/monitor.h"
#include "ui/plugin.h"

#define VMST_PLUGIN_API(X) \
	/* core/util.h */ \
	X(msg_error) X(msg_info) X(msg_warn) X(thread_set_name) X(xmalloc) X(xstrdup) \
	X(xzalloc) \
	/* core/vm.h, core/vmconfig.h */ \
	X(vm_config) X(vm_display) X(vm_get_state) X(vm_log) X(vm_name) \
	X(vm_request_quit) X(vm_state_name) X(vm_trace) \
	X(vmconfig_vnc_listen) \
	/* core/host/ */ \
	X(audio_mixer_render) X(audio_mixer_set_prefill) X(audio_thread_realtime) \
	X(display_add_listener) X(display_remove_listener) \
	X(input_has_absolute) X(input_key) X(input_leds) X(input_pointer_abs) \
	X(input_pointer_rel) X(input_release_all_keys) \
	/* devices/gameport.h, ui/joystick.h */ \
	X(gameport_of) X(gameport_set_input) \
	X(joy_hub_map) X(joy_hub_of) X(joy_hub_set_attached) X(joy_hub_set_pads) \
	X(joy_hub_set_wake) X(joy_hub_virtual_pop) \
	/* ui/keymap.h */ \
	X(keymap_client_init) X(keymap_client_keysym) X(keymap_client_qnum) \
	X(keymap_client_release) X(keymap_free) X(keymap_load) X(keymap_sdl_to_pc) \
	/* ui/monitor/monitor.h, ui/console_text.h */ \
	X(monitor_session_free) X(monitor_session_input) X(monitor_session_new) \
	X(display_serial_console) X(text_console_free) X(text_console_gen) \
	X(text_console_height) X(text_console_key) X(text_console_new) \
	X(text_console_output) X(text_console_render) X(text_console_width)

#endif
