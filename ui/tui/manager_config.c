/*
 * vmstation.conf: finding it, writing a first one with a demo VM, reading
 * it (see manager_config.h for the keys), and the recent-images list.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "ui/tui/manager_config.h"
#include "core/util.h"

static bool file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static char *absolute(const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return xstrdup(p);
	return xasprintf("%s/%s", cwd, p);
}

static char *dir_of(const char *path)
{
	const char *s = strrchr(path, '/');
	if (!s)
		return xstrdup(".");
	if (s == path)
		return xstrdup("/");
	return xasprintf("%.*s", (int)(s - path), path);
}

static char *xdg_config_path(void)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (x && *x)
		return xasprintf("%s/vmstation/vmstation.conf", x);
	return xasprintf("%s/.config/vmstation/vmstation.conf", home && *home ? home : "/tmp");
}

char *manager_config_locate(const char *explicit_path, bool *exists)
{
	if (explicit_path) {
		*exists = file_exists(explicit_path);
		return absolute(explicit_path);
	}
	if (file_exists("vmstation.conf")) {
		*exists = true;
		return absolute("vmstation.conf");
	}
	char *x = xdg_config_path();
	*exists = file_exists(x);
	return x;
}

static int write_text(const char *path, const char *text, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	return 0;
}

int manager_config_create(const char *path, char *err, size_t errlen)
{
	char *dir = dir_of(path);
	char *vm_dir = xasprintf("%s/vms", dir);
	int r = -1;
	if (mkdir_p(dir, 0755) < 0 || mkdir_p(vm_dir, 0755) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", vm_dir, strerror(errno));
		goto out;
	}
	char *conf = xasprintf(
		"# vmstation manager settings (xl syntax), written on first start.\n"
		"vm_dir = '%s'\n"
		"theme = 'default'            # default, dark, light, high-contrast\n"
		"audio = 'pulse'              # pulse, sdl, none, wav:/path\n"
		"iso_dir = '/usr/lib/grub-rescue'\n"
		"new_memory = 256             # MiB, for the new-VM wizard\n"
		"new_vcpus = 1\n"
		"new_disk_size = 8            # GiB\n"
		"new_disk_format = 'qcow2'    # qcow2 (grows as the guest writes) or raw (a sparse file)\n"
		"autostart = [ 'demo' ]\n"
		"poweroff_timeout = 30        # seconds of ACPI power-off before force off on quit\n"
		"box = 'auto'                 # utf8, ascii or auto\n"
		"pane = 'screen'              # shown at start: serial, screen, monitor, log\n", vm_dir);
	r = write_text(path, conf, err, errlen);
	free(conf);
	if (r < 0)
		goto out;
	char *demo = xasprintf("%s/demo.cfg", vm_dir);
	if (!file_exists(demo)) {
		static const char demo_text[] =
			"# The demo VM: Debian's GRUB rescue CD (package grub-rescue-pc).\n"
			"name = 'demo'\n"
			"memory = 64\n"
			"vcpus = 1\n"
			"disk = [ '" DEMO_ISO ",raw,hdc:cdrom,r' ]\n"
			"boot = 'd'\n"
			"vga = 'stdvga'\n"
			"vnc = 1\n"
			"vncunused = 1\n"
			"serial = 'null'\n";
		r = write_text(demo, demo_text, err, errlen);
	}
	free(demo);
out:
	free(vm_dir);
	free(dir);
	return r;
}

static void warn(struct manager_config *mc, const char *fmt, ...) PRINTF(2, 3);
static void warn(struct manager_config *mc, const char *fmt, ...)
{
	size_t l = strlen(mc->warnings);
	if (l + 2 >= sizeof(mc->warnings))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(mc->warnings + l, sizeof(mc->warnings) - l - 1, fmt, ap);
	va_end(ap);
	l = strlen(mc->warnings);
	mc->warnings[l] = '\n';
	mc->warnings[l + 1] = 0;
}

static int get_str(struct cfg *c, const char *key, char **out, char *err, size_t errlen)
{
	struct cfg_entry *e = cfg_lookup(c, key);
	if (!e)
		return 0;
	if (e->val->type != CFG_STRING) {
		snprintf(err, errlen, "%s:%d:%d: %s: a string is expected", c->file, e->line,
			 e->col, key);
		return -1;
	}
	free(*out);
	*out = xstrdup(e->val->str);
	return 0;
}

static int get_num(struct cfg *c, const char *key, long long lo, long long hi,
		   long long *out, char *err, size_t errlen)
{
	struct cfg_entry *e = cfg_lookup(c, key);
	if (!e)
		return 0;
	if (e->val->type != CFG_NUMBER || e->val->num < lo || e->val->num > hi) {
		snprintf(err, errlen, "%s:%d:%d: %s: a number from %lld to %lld is expected",
			 c->file, e->line, e->col, key, lo, hi);
		return -1;
	}
	*out = e->val->num;
	return 0;
}

int manager_config_load(struct manager_config *mc, const char *path, char *err, size_t errlen)
{
	memset(mc, 0, sizeof(*mc));
	mc->path = absolute(path);
	mc->dir = dir_of(mc->path);
	mc->theme = xstrdup("default");
	mc->iso_dir = xstrdup("/usr/lib/grub-rescue");
	mc->box = xstrdup("auto");
	mc->pane = xstrdup("serial");
	mc->new_disk_format = xstrdup("qcow2");
	mc->new_memory_mib = 256;
	mc->new_vcpus = 1;
	mc->new_disk_gib = 8;
	mc->poweroff_timeout = 30;

	struct cfg *c = cfg_parse_file(mc->path, err, errlen);
	if (!c)
		return -1;
	char *vm_dir = NULL;
	long long mem = (long long)mc->new_memory_mib, cpus = mc->new_vcpus,
		  disk = (long long)mc->new_disk_gib, tmo = mc->poweroff_timeout;
	int r = -1;
	if (get_str(c, "vm_dir", &vm_dir, err, errlen) < 0 ||
	    get_str(c, "theme", &mc->theme, err, errlen) < 0 ||
	    get_str(c, "audio", &mc->audio, err, errlen) < 0 ||
	    get_str(c, "iso_dir", &mc->iso_dir, err, errlen) < 0 ||
	    get_str(c, "box", &mc->box, err, errlen) < 0 ||
	    get_str(c, "pane", &mc->pane, err, errlen) < 0 ||
	    get_str(c, "new_disk_format", &mc->new_disk_format, err, errlen) < 0 ||
	    get_num(c, "new_memory", 16, 1 << 20, &mem, err, errlen) < 0 ||
	    get_num(c, "new_vcpus", 1, 64, &cpus, err, errlen) < 0 ||
	    get_num(c, "new_disk_size", 1, 1 << 16, &disk, err, errlen) < 0 ||
	    get_num(c, "poweroff_timeout", 1, 3600, &tmo, err, errlen) < 0)
		goto out;
	if (strcmp(mc->box, "auto") && strcmp(mc->box, "utf8") && strcmp(mc->box, "ascii")) {
		struct cfg_entry *e = cfg_lookup(c, "box");
		snprintf(err, errlen, "%s:%d:%d: box: 'auto', 'utf8' or 'ascii' is expected",
			 c->file, e->line, e->col);
		goto out;
	}
	if (strcmp(mc->pane, "serial") && strcmp(mc->pane, "screen") && strcmp(mc->pane, "monitor") &&
	    strcmp(mc->pane, "log")) {
		struct cfg_entry *e = cfg_lookup(c, "pane");
		snprintf(err, errlen, "%s:%d:%d: pane: 'serial', 'screen', 'monitor' or 'log' is expected",
			 c->file, e->line, e->col);
		goto out;
	}
	if (strcmp(mc->new_disk_format, "qcow2") && strcmp(mc->new_disk_format, "raw")) {
		struct cfg_entry *e = cfg_lookup(c, "new_disk_format");
		snprintf(err, errlen, "%s:%d:%d: new_disk_format: 'qcow2' or 'raw' is expected",
			 c->file, e->line, e->col);
		goto out;
	}
	mc->new_memory_mib = (uint64_t)mem;
	mc->new_vcpus = (unsigned)cpus;
	mc->new_disk_gib = (uint64_t)disk;
	mc->poweroff_timeout = (unsigned)tmo;
	struct cfg_entry *e = cfg_lookup(c, "autostart");
	if (e) {
		struct cfg_value *v = e->val;
		size_t n = v->type == CFG_LIST ? v->n : 1;
		mc->autostart = xzalloc((n + 1) * sizeof(char *));
		for (size_t i = 0; i < n; i++) {
			struct cfg_value *it = v->type == CFG_LIST ? v->items[i] : v;
			if (it->type != CFG_STRING) {
				snprintf(err, errlen, "%s:%d:%d: autostart: VM names (strings) are expected",
					 c->file, it->line, it->col);
				goto out;
			}
			mc->autostart[mc->n_autostart++] = xstrdup(it->str);
		}
	}
	if (!vm_dir)
		mc->vm_dir = xasprintf("%s/vms", mc->dir);
	else if (vm_dir[0] == '/')
		mc->vm_dir = xstrdup(vm_dir);
	else if (vm_dir[0] == '~' && vm_dir[1] == '/' && getenv("HOME"))
		mc->vm_dir = xasprintf("%s%s", getenv("HOME"), vm_dir + 1);
	else
		mc->vm_dir = xasprintf("%s/%s", mc->dir, vm_dir);
	if (mc->audio && !*mc->audio) {
		free(mc->audio);
		mc->audio = NULL;
	}
	for (size_t i = 0; i < c->n; i++)
		if (!c->entries[i].used)
			warn(mc, "%s:%d:%d: unknown key '%s' ignored", c->file, c->entries[i].line,
			     c->entries[i].col, c->entries[i].key);
	r = 0;
out:
	free(vm_dir);
	cfg_free(c);
	return r;
}

void manager_config_free(struct manager_config *mc)
{
	free(mc->path);
	free(mc->dir);
	free(mc->vm_dir);
	free(mc->theme);
	free(mc->audio);
	free(mc->iso_dir);
	free(mc->box);
	free(mc->pane);
	free(mc->new_disk_format);
	for (size_t i = 0; i < mc->n_autostart; i++)
		free(mc->autostart[i]);
	free(mc->autostart);
	memset(mc, 0, sizeof(*mc));
}

int manager_config_open(struct manager_config *mc, const char *explicit_path, char *err,
			size_t errlen)
{
	bool exists;
	char *path = manager_config_locate(explicit_path, &exists);
	if (!exists && manager_config_create(path, err, errlen) < 0) {
		free(path);
		return -1;
	}
	int r = manager_config_load(mc, path, err, errlen);
	mc->created = !exists;
	free(path);
	return r;
}

int manager_config_set_theme(struct manager_config *mc, const char *theme, char *err,
			     size_t errlen)
{
	size_t len;
	char *text = read_file(mc->path, &len);
	if (!text) {
		snprintf(err, errlen, "%s: %s", mc->path, strerror(errno));
		return -1;
	}
	char *tmp = xasprintf("%s.tmp", mc->path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		free(text);
		free(tmp);
		return -1;
	}
	bool done = false;
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		const char *l = text + pos;
		size_t sp = strspn(l, " \t");
		bool is_theme = !strncmp(l + sp, "theme", 5) &&
				(l[sp + 5] == ' ' || l[sp + 5] == '\t' || l[sp + 5] == '=');
		if (is_theme) {
			if (!done)
				fprintf(f, "theme = '%s'\n", theme);
			done = true;
		} else {
			fwrite(l, 1, end - pos, f);
			fputc('\n', f);
		}
		pos = end + 1;
	}
	if (!done)
		fprintf(f, "theme = '%s'\n", theme);
	free(text);
	int r = fclose(f) == 0 && rename(tmp, mc->path) == 0 ? 0 : -1;
	if (r < 0)
		snprintf(err, errlen, "cannot write %s: %s", mc->path, strerror(errno));
	free(tmp);
	if (!r) {
		free(mc->theme);
		mc->theme = xstrdup(theme);
	}
	return r;
}

char *exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	return dir_of(buf);
}

size_t manager_theme_dirs(const struct manager_config *mc, const char *dirs[], size_t max)
{
	/* kept for the life of the process: the list is asked for often */
	static char *exe_themes, *xdg_themes;
	size_t n = 0;
	static char *conf_themes;
	free(conf_themes);
	conf_themes = mc && mc->dir ? xasprintf("%s/themes", mc->dir) : NULL;
	if (!exe_themes) {
		char *d = exe_dir();
		exe_themes = d ? xasprintf("%s/themes", d) : xstrdup("themes");
		free(d);
		const char *x = getenv("XDG_CONFIG_HOME");
		const char *home = getenv("HOME");
		xdg_themes = x && *x ? xasprintf("%s/vmstation/themes", x)
				     : xasprintf("%s/.config/vmstation/themes", home ? home : "/tmp");
	}
	const char *all[] = { conf_themes, exe_themes, xdg_themes, "/usr/share/vmstation/themes" };
	for (size_t i = 0; i < ARRAY_SIZE(all) && n < max; i++)
		if (all[i])
			dirs[n++] = all[i];
	return n;
}

/* --- recent images ------------------------------------------------------- */

static char *recent_path(void)
{
	return xasprintf("%s/recent_images", state_dir());
}

size_t recent_images_load(char *out[RECENT_MAX])
{
	char *p = recent_path();
	FILE *f = fopen(p, "r");
	free(p);
	size_t n = 0;
	if (!f)
		return 0;
	char line[PATH_MAX + 2];
	while (n < RECENT_MAX && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0])
			out[n++] = xstrdup(line);
	}
	fclose(f);
	return n;
}

void recent_images_add(const char *path)
{
	char *v[RECENT_MAX];
	size_t n = recent_images_load(v);
	char *p = recent_path();
	FILE *f = fopen(p, "w");
	free(p);
	if (f) {
		fprintf(f, "%s\n", path);
		size_t w = 1;
		for (size_t i = 0; i < n && w < RECENT_MAX; i++)
			if (strcmp(v[i], path)) {
				fprintf(f, "%s\n", v[i]);
				w++;
			}
		fclose(f);
	}
	recent_images_free(v, n);
}

void recent_images_free(char *v[RECENT_MAX], size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}
