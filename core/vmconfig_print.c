/*
 * `vmstation check`: every key with its effective value, one line each, in
 * xl syntax that reads back to the same configuration (tests/fuzz/fuzz_config.c
 * checks the round trip).
 */
#include "core/vmconfig_priv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* 'text' with backslash escapes for quotes, backslashes and control characters. */
void vmc_print_quoted(FILE *out, const char *s)
{
	fputc('\'', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '\'': fputs("\\'", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\x%02x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('\'', out);
}

/* key = 'value' */
static void print_str_key(FILE *out, const char *key, const char *s)
{
	fprintf(out, "%s = ", key);
	vmc_print_quoted(out, s);
	fputc('\n', out);
}

static void print_str_list(FILE *out, const char *key, char *const *v, unsigned n)
{
	fprintf(out, "%s = [", key);
	for (unsigned i = 0; i < n; i++) {
		fputs(i ? ", " : "", out);
		vmc_print_quoted(out, v[i]);
	}
	fprintf(out, "]\n");
}

void vmc_print_type(const struct vm_config *vc UNUSED, FILE *out)
{
	fprintf(out, "type = 'hvm'\n");
}

/* ---- storage ------------------------------------------------------------- */

/* A path the xm form cannot carry: write it as xl's target=, which takes the rest. */
static bool needs_target_form(const char *path)
{
	return strchr(path, ',') || strchr(path, '=') || isspace((unsigned char)path[0]) ||
	       vmc_disk_prefix_len(path);
}

void vmc_print_disks(const struct vm_config *vc, FILE *out)
{
	const char *sep = "";
	fprintf(out, "disk = [");
	for (int i = 0; i < VM_MAX_DISKS; i++) {
		const struct disk_spec *d = &vc->disks[i];
		if (!d->present)
			continue;
		const char *path = d->path ? d->path : "";
		/* reading drops one comma at the end of target=: a path ending in
		 * one gets another */
		const char *tail = *path && path[strlen(path) - 1] == ',' ? "," : "";
		bool cd = d->kind == DISK_CDROM;
		char *spec;
		/* format= when the file gave one (it turns probing off) or when not raw */
		const char *fmt = d->format ? d->format : "raw";
		bool show = d->format_set || strcmp(fmt, "raw");
		if (!*path)
			spec = xasprintf(",hd%c%s,%s", 'a' + i, cd ? ":cdrom" : "", d->readonly ? "r" : "w");
		else if (needs_target_form(path) || show)
			spec = xasprintf("%s%s%svdev=hd%c,access=%s%s%s%s,target=%s%s",
					 show ? "format=" : "", show ? fmt : "", show ? "," : "", 'a' + i,
					 d->readonly ? "ro" : "rw", cd ? ",devtype=cdrom" : "",
					 d->phy ? ",backendtype=phy" : "",
					 d->no_discard ? ",no-discard" : "", path, tail);
		else
			spec = xasprintf("%s:%s,hd%c%s,%s%s", d->phy ? "phy" : "file", path, 'a' + i,
					 cd ? ":cdrom" : "", d->readonly ? "r" : "w",
					 d->no_discard ? ",no-discard" : "");
		fputs(sep, out);
		vmc_print_quoted(out, spec);
		free(spec);
		sep = ", ";
	}
	fprintf(out, "]\n");
}

static void print_floppy(const struct vm_config *vc, FILE *out, int i)
{
	const struct floppy_spec *f = &vc->fd[i];
	char *s, key[] = "fdX";
	if (!f->path)
		s = xstrdup("none");
	else {
		bool phy = false;
		const char *fmt = NULL;
		bool pfx = vmc_strip_prefixes(f->path, &phy, &fmt) != f->path || !strcmp(f->path, "none");
		s = xasprintf("%s%s%s", pfx ? "file:" : "", f->path,
			      f->readonly ? ",r" : strchr(f->path, ',') ? ",w" : "");
	}
	key[2] = (char)('a' + i);
	print_str_key(out, key, s);
	free(s);
}

void vmc_print_fda(const struct vm_config *vc, FILE *out) { print_floppy(vc, out, 0); }
void vmc_print_fdb(const struct vm_config *vc, FILE *out) { print_floppy(vc, out, 1); }

/* ---- lists of devices ---------------------------------------------------- */

void vmc_print_serial(const struct vm_config *vc, FILE *out)
{
	print_str_list(out, "serial", vc->serial, vc->n_serial);
}

void vmc_print_usbdevice(const struct vm_config *vc, FILE *out)
{
	print_str_list(out, "usbdevice", vc->usbdevice, vc->n_usbdevice);
}

void vmc_print_soundhw(const struct vm_config *vc, FILE *out)
{
	print_str_list(out, "soundhw", vc->soundhw, vc->n_soundhw);
}

/* vnclisten = 'ADDR' or 'ADDR,websocket=PORT' (the display is vncdisplay's) */
void vmc_print_vnclisten(const struct vm_config *vc, FILE *out)
{
	const char *a = vc->vnclisten ? vc->vnclisten : "";
	char *s = vc->vnc_websocket ? xasprintf("%s,websocket=%d", a, vc->vnc_websocket) : xstrdup(a);
	print_str_key(out, "vnclisten", s);
	free(s);
}

/* cpuid = 'host,...' or, for the list form, cpuid = ['0x1:ecx=...', ...] */
void vmc_print_cpuid(const struct vm_config *vc, FILE *out)
{
	if (vc->n_cpuid_list)
		print_str_list(out, "cpuid", vc->cpuid_list, vc->n_cpuid_list);
	else
		print_str_key(out, "cpuid", vc->cpuid ? vc->cpuid : "");
}

/* cpus = '0-1' (every vCPU), cpus = ['1', '0'] (one per vCPU); 'all' when unpinned */
void vmc_print_cpus(const struct vm_config *vc, FILE *out)
{
	if (vc->cpus_list)
		print_str_list(out, "cpus", vc->cpus, vc->n_cpus);
	else
		print_str_key(out, "cpus", vc->n_cpus ? vc->cpus[0] : "all");
}

/* cpus_soft, as given (not acted on); 'all' when not given */
void vmc_print_cpus_soft(const struct vm_config *vc, FILE *out)
{
	if (vc->cpus_soft_list)
		print_str_list(out, "cpus_soft", vc->cpus_soft, vc->n_cpus_soft);
	else
		print_str_key(out, "cpus_soft", vc->n_cpus_soft ? vc->cpus_soft[0] : "all");
}

void vmc_print_viridian(const struct vm_config *vc, FILE *out)
{
	fprintf(out, "viridian = %d\n", vc->viridian);
}

/* ---- every key ----------------------------------------------------------- */

void vmconfig_print(const struct vm_config *vc, FILE *out)
{
	for (size_t i = 0; i < vmconfig_n_keys; i++) {
		const struct key *k = &vmconfig_keys[i];
		switch (k->kind) {
		case K_ALIAS:
		case K_IGNORED:
			break;
		case K_NUM:
			fprintf(out, (k->flags & F_HEX) ? "%s = 0x%llx\n" : "%s = %lld\n", k->name,
				vmc_load_num(vc, k));
			break;
		case K_BOOL:
			fprintf(out, "%s = %d\n", k->name, vmc_load_num(vc, k) != 0);
			break;
		case K_ACTION:
			fprintf(out, "%s = '%s'\n", k->name, action_name((enum vm_action)vmc_load_num(vc, k)));
			break;
		case K_CUSTOM:
			if (k->print) {
				k->print(vc, out);
				break;
			}
			if (!k->size)
				break; /* no value of its own (maxmem, bios, stdvga, hdtype) */
			__attribute__((fallthrough)); /* a string field */
		case K_STR:
		case K_OPTSTR: {
			const char *s = *(char *const *)((const char *)vc + k->off);
			print_str_key(out, k->name, s ? s : "");
			break;
		}
		}
	}
}
