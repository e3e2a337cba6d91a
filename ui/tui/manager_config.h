/*
 * vmstation.conf: the manager's own settings, in the xl syntax of VM files.
 *
 *   vm_dir = 'vms'              where the VM files (*.cfg) live; relative to
 *                               the directory of vmstation.conf
 *   theme = 'default'           themes/NAME.theme, or a path
 *   audio = 'pulse'             back end for VMs whose file has no audio=
 *   iso_dir = '/usr/lib/grub-rescue'   where the file browser starts
 *   new_memory = 256            defaults of the new-VM wizard (MiB,
 *   new_vcpus = 1                 count, GiB)
 *   new_disk_size = 8
 *   new_disk_format = 'qcow2'   or 'raw' (a sparse file)
 *   autostart = [ 'demo' ]      VMs started when the panel opens
 *   poweroff_timeout = 30       seconds between ACPI power-off and force off on quit
 *   box = 'auto'                box drawing: 'utf8', 'ascii' or 'auto' (by locale)
 *   pane = 'serial'             the pane shown at start: serial, screen, monitor, log
 *
 * Search order: --config FILE, ./vmstation.conf,
 * $XDG_CONFIG_HOME/vmstation/vmstation.conf (~/.config/...). Where none
 * exists, one is written (at --config FILE, else the XDG path) with a demo VM
 * next to it, which boots Debian's GRUB rescue CD.
 */
#ifndef VMST_TUI_MANAGER_CONFIG_H
#define VMST_TUI_MANAGER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEMO_ISO "/usr/lib/grub-rescue/grub-rescue-cdrom.iso"

struct manager_config {
	char *path;            /* the vmstation.conf in use (absolute) */
	char *dir;             /* its directory */
	char *vm_dir;          /* absolute */
	char *theme;
	char *audio;           /* NULL: each VM's own default */
	char *iso_dir;
	uint64_t new_memory_mib, new_disk_gib;
	unsigned new_vcpus;
	char **autostart; size_t n_autostart;
	unsigned poweroff_timeout;
	char *box;             /* "auto", "utf8", "ascii" */
	char *pane;            /* "serial", "screen", "monitor", "log" */
	char *new_disk_format; /* "qcow2" or "raw": the wizard's default */
	bool created;          /* written by this run */
	char warnings[1024];   /* unknown keys etc., "file:line:col: ..." lines */
};

/*
 * Which file to use: explicit (may be NULL), else ./vmstation.conf, else the
 * XDG path. *exists tells whether it is there yet. malloc'd path.
 */
char *manager_config_locate(const char *explicit_path, bool *exists);
/* Write a new vmstation.conf at path, a vm_dir next to it and vm_dir/demo.cfg. */
int manager_config_create(const char *path, char *err, size_t errlen);
/* Parse path into mc (defaults for what is missing). 0, or -1 with err. */
int manager_config_load(struct manager_config *mc, const char *path, char *err, size_t errlen);
void manager_config_free(struct manager_config *mc);
/* Locate, create if needed, and load. */
int manager_config_open(struct manager_config *mc, const char *explicit_path, char *err,
			size_t errlen);
/* Rewrite theme= in the file (keeping everything else); 0 or -1. */
int manager_config_set_theme(struct manager_config *mc, const char *theme, char *err,
			     size_t errlen);

/* Directories searched for themes, in order (config dir, executable's dir, XDG, system). */
size_t manager_theme_dirs(const struct manager_config *mc, const char *dirs[], size_t max);

/* Recently used images (file browser), newest first, kept in state_dir()/recent_images. */
#define RECENT_MAX 10
size_t recent_images_load(char *out[RECENT_MAX]);
void recent_images_add(const char *path);
void recent_images_free(char *v[RECENT_MAX], size_t n);

/* Path of the running executable's directory (for bundled themes), malloc'd or NULL. */
char *exe_dir(void);

#endif
