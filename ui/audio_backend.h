/*
 * Audio back ends: where a VM's mixer (core/host/audio.h) plays.
 *   "pulse" (default)  PulseAudio through libpulse, on its own thread (plugin)
 *   "sdl"              SDL2 audio (plugin)
 *   "wav:/path"        a RIFF WAVE file, paced by the host clock (tests)
 *   "none"             silence; devices still run at the programmed rate
 */
#ifndef VMST_UI_AUDIO_BACKEND_H
#define VMST_UI_AUDIO_BACKEND_H

#include "core/host/audio.h"

struct vm;

/*
 * Start the back end the VM's audio= names, once, after vm_create. A VM
 * without a sound device has no mixer, and nothing starts. If the back end
 * cannot start (no sound server, no plugin) one warning is printed and the
 * VM runs silent.
 */
void audio_backend_start(struct vm *vm);

extern const struct audio_backend audio_backend_pulse, audio_backend_sdl,
	audio_backend_wav;

#endif
