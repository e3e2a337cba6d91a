/*
 * Loading the front-end plugins (ui/plugin.h) and the functions of
 * ui/sdl_window.h, ui/vnc_server.h and ui/viewer.h, which forward to them.
 *
 * The plugin's own functions are static behind its table, so nothing it
 * defines can be confused with these forwarders of the same public names
 * (the binary exports to the plugins exactly the symbols they leave
 * undefined: the Makefile links it with --dynamic-list=build/plugins.dynlist).
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/host/audio.h"
#include "core/host/display.h"
#include "ui/plugin.h"
#include "ui/sdl_window.h"
#include "core/util.h"
#include "ui/viewer.h"
#include "core/vm.h"
#include "core/vmconfig.h"
#include "ui/vnc_server.h"

#ifndef PLUGIN_DIR
#define PLUGIN_DIR "/usr/local/lib/vmstation"
#endif

#define MAX_PLUGINS 8

struct plugin {
	char name[16];
	const void *table;         /* NULL: loading failed, see err */
	char *err;                 /* kept for the life of the process */
};

/* Which plugins this process has loaded: libraries, not VM state. */
static pthread_mutex_t plugins_lock = PTHREAD_MUTEX_INITIALIZER;
static struct plugin plugins[MAX_PLUGINS];
static unsigned n_plugins;

/* NULL if the table fits this binary, else why not. */
static char *header_mismatch(const struct plugin_header *h, const char *what)
{
	if (h->abi == PLUGIN_ABI && h->cfg_size == sizeof(struct vm_config) &&
	    h->display_size == sizeof(struct display))
		return NULL;
	return xasprintf("%s was built for another version of vmstation (run make)", what);
}

/* The directory of the running executable, "" if unknown. */
static void exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	buf[n > 0 ? n : 0] = 0;
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = 0;
	else
		buf[0] = 0;
}

/* Finds and opens vmst-NAME.so; fills p->table or p->err. */
static void load(struct plugin *p, const char *symbol)
{
	char exe[PATH_MAX];
	exe_dir(exe, sizeof(exe));
	char *dirs[3];
	unsigned nd = 0;
	if (exe[0]) {
		dirs[nd++] = xstrdup(exe);
		dirs[nd++] = xasprintf("%s/build/plugins", exe);
	}
	dirs[nd++] = xstrdup(PLUGIN_DIR);
	bool found = false;
	for (unsigned i = 0; i < nd && !found; i++) {
		char *path = xasprintf("%s/vmst-%s.so", dirs[i], p->name);
		found = access(path, F_OK) == 0;
		/* the first file found is the one: its failure is the one to report */
		void *h = found ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
		const struct plugin_header *t = h ? dlsym(h, symbol) : NULL;
		if (found && !h) {
			/* a missing library's message does not name the plugin */
			const char *e = dlerror();
			if (!e)
				e = "cannot be loaded";
			p->err = strncmp(e, path, strlen(path)) ? xasprintf("%s: %s", path, e)
								: xstrdup(e);
		} else if (h && !t) {
			p->err = xasprintf("%s has no %s", path, symbol);
		} else if (t && !(p->err = header_mismatch(t, path))) {
			p->table = t;
		}
		if (h && !p->table)
			dlclose(h);
		free(path);
	}
	if (!found)
		p->err = xasprintf("vmst-%s.so is in none of %s%s%s%s%s", p->name, dirs[0],
				   nd > 1 ? ", " : "", nd > 1 ? dirs[1] : "",
				   nd > 2 ? ", " : "", nd > 2 ? dirs[2] : "");
	for (unsigned i = 0; i < nd; i++)
		free(dirs[i]);
}

const void *plugin_table(const char *name, char *err, size_t errlen)
{
	char symbol[48];
	snprintf(symbol, sizeof(symbol), "vmst_plugin_%s", name);
	pthread_mutex_lock(&plugins_lock);
	struct plugin *p = NULL;
	for (unsigned i = 0; i < n_plugins && !p; i++)
		if (!strcmp(plugins[i].name, name))
			p = &plugins[i];
	if (!p && n_plugins < MAX_PLUGINS) {
		p = &plugins[n_plugins++];
		snprintf(p->name, sizeof(p->name), "%s", name);
		/* linked in already (unit tests), else from its file */
		const struct plugin_header *t = dlsym(RTLD_DEFAULT, symbol);
		if (t && !(p->err = header_mismatch(t, symbol)))
			p->table = t;
		else if (!t)
			load(p, symbol);
	}
	const void *table = p ? p->table : NULL;
	if (!table)
		snprintf(err, errlen, "%s", p ? p->err : "too many plugins");
	pthread_mutex_unlock(&plugins_lock);
	return table;
}

const struct audio_backend *plugin_audio_backend(const char *name, char *err, size_t errlen)
{
	if (!strcmp(name, "pulse")) {
		const struct pulse_plugin *p = plugin_table("pulse", err, errlen);
		return p ? p->audio : NULL;
	}
	if (!strcmp(name, "sdl")) {
		const struct sdl_plugin *p = plugin_table("sdl", err, errlen);
		return p ? p->audio : NULL;
	}
	snprintf(err, errlen, "no plugin has the audio back end '%s'", name);
	return NULL;
}

/* ---- ui/sdl_window.h ----------------------------------------------------- */

/* The SDL plugin, or NULL after saying why (when `why` is set). */
static const struct sdl_plugin *sdl_plugin(bool why)
{
	char err[600];
	const struct sdl_plugin *p = plugin_table("sdl", err, sizeof(err));
	if (!p && why)
		msg_error("SDL window unavailable: %s", err);
	return p;
}

int sdl_ui_run(struct vm *vm)
{
	const struct sdl_plugin *p = sdl_plugin(true);
	return p ? p->ui_run(vm) : -1;
}

int sdl_ui_init(void)
{
	const struct sdl_plugin *p = sdl_plugin(true);
	return p ? p->ui_init() : -1;
}

struct sdl_window *sdl_window_open(struct vm *vm)
{
	const struct sdl_plugin *p = sdl_plugin(true);
	return p ? p->window_open(vm) : NULL;
}

/* A window exists only if the plugin loaded: these find it loaded. */
void sdl_window_close(struct sdl_window *w)
{
	const struct sdl_plugin *p = w ? sdl_plugin(false) : NULL;
	if (p)
		p->window_close(w);
}

bool sdl_window_closed(struct sdl_window *w)
{
	const struct sdl_plugin *p = w ? sdl_plugin(false) : NULL;
	return p ? p->window_closed(w) : true;
}

void sdl_ui_pump(int timeout_ms)
{
	const struct sdl_plugin *p = sdl_plugin(false);
	if (p)
		p->ui_pump(timeout_ms);
	else if (timeout_ms > 0)
		usleep((useconds_t)timeout_ms * 1000);
}

double sdl_display_scale(int win_w, int win_h, unsigned tw, unsigned th, bool integer)
{
	const struct sdl_plugin *p = sdl_plugin(false);
	return p ? p->display_scale(win_w, win_h, tw, th, integer) : 1.0;
}

int sdl_scale_rel(double *acc, int rel, double scale)
{
	const struct sdl_plugin *p = sdl_plugin(false);
	return p ? p->scale_rel(acc, rel, scale) : rel;
}

/* ---- ui/vnc_server.h ----------------------------------------------------- */

struct vnc_server *vnc_server_start(struct vm *vm, char *err, size_t errlen)
{
	char why[600];
	const struct vnc_plugin *p = plugin_table("vnc", why, sizeof(why));
	if (!p) {
		snprintf(err, errlen, "server unavailable: %s", why);
		return NULL;
	}
	return p->start(vm, err, errlen);
}

void vnc_server_stop(struct vnc_server *s)
{
	char why[600];
	const struct vnc_plugin *p = s ? plugin_table("vnc", why, sizeof(why)) : NULL;
	if (p)
		p->stop(s);
}

int vnc_server_port(const struct vnc_server *s)
{
	char why[600];
	const struct vnc_plugin *p = s ? plugin_table("vnc", why, sizeof(why)) : NULL;
	return p ? p->port(s) : -1;
}

int vnc_server_clients(struct vnc_server *s)
{
	char why[600];
	const struct vnc_plugin *p = s ? plugin_table("vnc", why, sizeof(why)) : NULL;
	return p ? p->clients(s) : 0;
}

/* ---- ui/viewer.h --------------------------------------------------------- */

int viewer_main(int argc, char **argv)
{
	char why[600];
	const struct viewer_plugin *p = plugin_table("viewer", why, sizeof(why));
	if (!p) {
		fprintf(stderr, "vmstation view: viewer unavailable: %s\n", why);
		return 1;
	}
	return p->main(argc, argv);
}
