/*
 * Sound from the monitor: info audio (our own: back end, volume, each voice
 * with its rate, format, underruns and latency), and the per-VM volume and
 * mute that the panel also drives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/host/audio.h"
#include "ui/monitor/monitor.h"
#include "core/vm.h"

static void info_audio(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	audio_info(monitor_vm(s), f);
	fclose(f);
	monitor_write(s, buf, len);
	free(buf);
}

/* audio_volume [percent]: show or set the VM's volume. */
static void do_volume(struct monitor_session *s, struct monitor_args *a)
{
	struct vm *vm = monitor_vm(s);
	if (a->argc > 1) {
		char *end;
		long v = strtol(a->argv[1], &end, 10);
		if (*end || end == a->argv[1] || v < 0 || v > 100) {
			monitor_printf(s, "audio_volume: a percentage 0..100 expected\n");
			return;
		}
		audio_set_volume(vm, (unsigned)v);
	}
	monitor_printf(s, "volume %u%%%s\n", audio_get_volume(vm),
		       audio_get_mute(vm) ? " (muted)" : "");
}

/* audio_mute on|off */
static void do_mute(struct monitor_session *s, struct monitor_args *a)
{
	if (!strcmp(a->argv[1], "on")) {
		audio_set_mute(monitor_vm(s), true);
	} else if (!strcmp(a->argv[1], "off")) {
		audio_set_mute(monitor_vm(s), false);
	} else {
		monitor_printf(s, "Expected 'on' or 'off'\n");
		monitor_usage(s, a->cmd);
	}
}

static const struct monitor_cmd audio_cmds[] = {
	{ "audio_volume", "[percent]", "show or set the VM's sound volume (0-100)", "", 0, 1,
	  do_volume },
	{ "audio_mute", "on|off", "mute or unmute the VM's sound", "", 1, 1, do_mute },
};
MONITOR_COMMANDS(audio, audio_cmds, false);

static const struct monitor_cmd audio_info_items[] = {
	{ "audio", "", "show the sound back end and each voice: rate, format, underruns",
	  "", 0, 0, info_audio },
};
MONITOR_COMMANDS(audio_info, audio_info_items, true);
