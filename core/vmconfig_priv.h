/*
 * Private to core/vmconfig*.c: the key table's types, the message list,
 * the value helpers every key parser uses, and the parsers and printers of
 * the keys with a syntax of their own.
 *
 *   vmconfig.c          the key table; defaults, build, load, free
 *   vmconfig_value.c    messages, typed values, the simple kinds
 *   vmconfig_machine.c  type, name, firmware, kernel command line, CPU
 *   vmconfig_disk.c     disk= specs, fda/fdb, hdtype, boot order
 *   vmconfig_vdev.c     disk names (hda, xvda, sdc) -> emulated IDE positions
 *   vmconfig_devices.c  serial, debugcon, display, USB and sound keys
 *   vmconfig_net.c      vif= (network cards)
 *   vmconfig_print.c    the xl-syntax printer behind `vmstation check`
 */
#ifndef VMST_VMCONFIG_PRIV_H
#define VMST_VMCONFIG_PRIV_H

#include "core/vmconfig.h"

#include <stddef.h>

#include "core/util.h"

struct message {
	int line, col;
	size_t seq;
	char *text;
};

struct ctx {
	struct vm_config *vc;
	struct cfg *cfg;
	int errors;
	struct message *msgs; /* printed in file order at the end */
	size_t n_msgs;
};

enum kind {
	K_STR,     /* non-empty string */
	K_OPTSTR,  /* string; '' means unset (NULL) */
	K_NUM,     /* integer within [min, max] or one of choices[] */
	K_BOOL,    /* 0 / non-zero */
	K_ACTION,  /* on_poweroff & co */
	K_CUSTOM,  /* parse() and print() of its own */
	K_ALIAS,   /* handled by the key named in why */
	K_IGNORED, /* accepted, not acted on: warned with why */
};

#define F_HEX 1u       /* print in hex */
#define F_NOT_ACTED 2u /* stored and printed, but warned: not acted on */

struct key {
	const char *name;
	enum kind kind;
	size_t off, size;        /* field in struct vm_config */
	long long min, max, def; /* K_NUM, K_BOOL, K_ACTION */
	const int *choices;      /* K_NUM: allowed values, ended by -1 */
	const char *def_str;     /* K_STR, K_OPTSTR default */
	const char *alias;       /* another spelling of the same key */
	int (*parse)(struct ctx *, const struct key *, struct cfg_entry *);
	void (*print)(const struct vm_config *, FILE *);
	const char *why;
	unsigned flags;
};

#define FIELD(f) .off = offsetof(struct vm_config, f), .size = sizeof(((struct vm_config *)0)->f)

/* vmconfig.c: every key, in the order they are parsed and printed. */
extern const struct key vmconfig_keys[];
extern const size_t vmconfig_n_keys;

/* ---- vmconfig_value.c ---------------------------------------------------- */

/* Queue "file:line:col: <kind><message>"; vmc_flush_messages prints in file order. */
void vmc_report(struct ctx *c, const char *kind, int line, int col, const char *fmt, ...)
	PRINTF(5, 6);
void vmc_flush_messages(struct ctx *c);

#define verr(c, v, ...) ((c)->errors++, vmc_report(c, "", (v)->line, (v)->col, __VA_ARGS__))
#define vwarn(c, v, ...) vmc_report(c, "warning: ", (v)->line, (v)->col, __VA_ARGS__)
#define vnote(c, v, ...) vmc_report(c, "note: ", (v)->line, (v)->col, __VA_ARGS__)

/* A number, or a string holding one (xl reads "512" as 512). */
bool vmc_get_num(struct ctx *c, const char *key, const struct cfg_value *v, long long *out);
/* A string; a number is taken as written (xl keeps numbers as text). */
const char *vmc_get_str(struct ctx *c, const char *key, const struct cfg_value *v);
/* vmc_get_str of an entry's value; NULL when the key is absent. */
const char *vmc_entry_str(struct ctx *c, const struct cfg_entry *e);
/*
 * The items of a string or a list of strings (serial='pty' or serial=['pty']);
 * false when the key is absent or an item is a list (reported).
 */
bool vmc_entry_items(struct ctx *c, struct cfg_entry *e, struct cfg_value ***items, size_t *n);

char **vmc_field_str(struct vm_config *vc, const struct key *k);
void vmc_set_str(char **dst, const char *s);
/* Free the first *n (at most max) strings of v; *n becomes 0. */
void vmc_free_str_list(char **v, unsigned *n, unsigned max);
/* Integer fields of 1 (bool), 4 (unsigned, int, enum) or 8 bytes. */
void vmc_store_num(void *base, const struct key *k, long long n);
long long vmc_load_num(const void *base, const struct key *k);
/* The later of a key and its alias (the file's last word wins). */
struct cfg_entry *vmc_lookup2(struct cfg *cfg, const char *a, const char *b);

/* K_STR, K_OPTSTR, K_NUM, K_BOOL and K_ACTION keys. */
void vmc_parse_simple(struct ctx *c, const struct key *k, struct cfg_entry *e);

/* ---- the keys with a syntax of their own: parse (k, e) and print ---------- */

#define KEY_PARSER(fn) int fn(struct ctx *c, const struct key *k, struct cfg_entry *e)
#define KEY_PRINTER(fn) void fn(const struct vm_config *vc, FILE *out)

/* vmconfig_machine.c */
KEY_PARSER(vmc_parse_type);
KEY_PARSER(vmc_parse_name);
KEY_PARSER(vmc_parse_kernel);
KEY_PARSER(vmc_parse_extra);
KEY_PARSER(vmc_parse_cpuid);
KEY_PARSER(vmc_parse_cpus);
KEY_PARSER(vmc_parse_cpus_soft);
KEY_PARSER(vmc_parse_viridian);
KEY_PARSER(vmc_parse_maxmem);
KEY_PARSER(vmc_parse_bios);
KEY_PARSER(vmc_parse_irq_assist);
KEY_PARSER(vmc_parse_boot_menu_key);
KEY_PARSER(vmc_parse_fullscreen_scale);
/* foo/bar/winxp.cfg -> "winxp" (malloc'd), or NULL when that is no usable name. */
char *vmc_name_from_file(const char *file);

/* vmconfig_disk.c */
KEY_PARSER(vmc_parse_hdtype);
KEY_PARSER(vmc_parse_disks);
KEY_PARSER(vmc_parse_floppy);
KEY_PARSER(vmc_parse_boot);
/* Skip xl-disk-configuration(5)'s deprecated "file:", "phy:", "tap:aio:" ... prefixes. */
const char *vmc_strip_prefixes(const char *t, bool *phy, const char **fmt);
void vmc_free_disks(struct vm_config *vc);
/* Length of a "word:" prefix ([a-z][a-z0-9]*, without the colon) at p, or 0. */
size_t vmc_disk_prefix_len(const char *p);

/* vmconfig_vdev.c */
/*
 * The IDE position (0 hda .. 3 hdd) of an xl vdev name without ":cdrom":
 * 0 with *idx (note: what a non-hdX name became, or ""), or -1 with why.
 */
int vmc_vdev_position(const char *name, bool cdrom, int *idx, char *note, size_t notelen,
		      char *why, size_t whylen);

/* vmconfig_devices.c */
KEY_PARSER(vmc_parse_serial);
KEY_PARSER(vmc_parse_debugcon);
KEY_PARSER(vmc_parse_vga);
KEY_PARSER(vmc_parse_stdvga);
KEY_PARSER(vmc_parse_vnclisten);
KEY_PARSER(vmc_parse_usbdevice);
KEY_PARSER(vmc_parse_soundhw);
KEY_PARSER(vmc_parse_audio);

/* vmconfig_net.c */
KEY_PARSER(vmc_parse_vif);
KEY_PARSER(vmc_parse_ne2000);
KEY_PRINTER(vmc_print_vif);

/* vmconfig_print.c */
/* 'text' with backslash escapes: reads back as the same string. */
void vmc_print_quoted(FILE *out, const char *s);
KEY_PRINTER(vmc_print_type);
KEY_PRINTER(vmc_print_disks);
KEY_PRINTER(vmc_print_fda);
KEY_PRINTER(vmc_print_fdb);
KEY_PRINTER(vmc_print_serial);
KEY_PRINTER(vmc_print_usbdevice);
KEY_PRINTER(vmc_print_soundhw);
KEY_PRINTER(vmc_print_cpuid);
KEY_PRINTER(vmc_print_cpus);
KEY_PRINTER(vmc_print_cpus_soft);
KEY_PRINTER(vmc_print_viridian);
KEY_PRINTER(vmc_print_vnclisten);

#endif
