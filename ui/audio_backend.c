/* Choosing and starting a VM's audio back end (ui/audio_backend.h). */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "core/vm.h"
#include "ui/audio_backend.h"
#include "ui/plugin.h"

/*
 * "wav" is built in; "pulse" and "sdl" come from their plugins (ui/plugin.h),
 * loaded by the first VM that plays through them. NULL with err if unknown
 * or the plugin (or its library) is missing.
 */
static const struct audio_backend *backend_by_name(const char *name, size_t len,
						   char *err, size_t errlen)
{
	if (len == 3 && !strncmp(name, "wav", 3))
		return &audio_backend_wav;
	if ((len == 5 && !strncmp(name, "pulse", 5)) || (len == 3 && !strncmp(name, "sdl", 3))) {
		char plugin[8];
		snprintf(plugin, sizeof(plugin), "%.*s", (int)len, name);
		return plugin_audio_backend(plugin, err, errlen);
	}
	snprintf(err, errlen, "unknown back end");
	return NULL;
}

void audio_backend_start(struct vm *vm)
{
	struct audio_mixer *m = vm->audio;
	if (!m)
		return;
	const char *spec = vm->cfg && vm->cfg->audio ? vm->cfg->audio : "pulse";
	const char *colon = strchr(spec, ':');
	size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec);
	if (nlen == 4 && !strncmp(spec, "none", 4))
		return;
	char err[600];
	const struct audio_backend *be = backend_by_name(spec, nlen, err, sizeof(err));
	if (!be) {
		msg_warn("audio: back end '%s': %s; the VM runs silent", spec, err);
		return;
	}
	void *state = NULL;
	if (be->open(m, colon ? colon + 1 : "", &state) < 0)
		return; /* the back end printed its one-line reason */
	audio_mixer_set_backend(m, be, state, spec);
}
