/*
 * Storage keys: disk= specs in the xm and xl forms (xl-disk-configuration(5)),
 * the floppy drives fda/fdb, hdtype, and the boot order.
 */
#include "vmconfig_priv.h"

#include <stdlib.h>
#include <string.h>

int disk_index_from_name(const char *name)
{
	if (name && name[0] == 'h' && name[1] == 'd' && name[2] >= 'a' && name[2] <= 'd' && !name[3])
		return name[2] - 'a';
	return -1;
}

int vmc_parse_hdtype(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s = vmc_entry_str(c, e);
	if (s && strcmp(s, "ide"))
		verr(c, e->val, "hdtype '%s' is not supported: disks are on the IDE controller "
			   "(hdtype='ide')", s);
	return 0;
}

const char *vmc_strip_prefixes(const char *t, bool *phy, const char **fmt)
{
	static const char *const pfx[] = { "file", "phy", "tap", "tap2", "aio", "ioemu",
					   "tapdisk", "raw", "qcow", "qcow2", "vhd" };
	for (bool again = true; again;) {
		again = false;
		for (unsigned i = 0; i < ARRAY_SIZE(pfx); i++) {
			size_t l = strlen(pfx[i]);
			if (strncmp(t, pfx[i], l) || t[l] != ':')
				continue;
			if (!strcmp(pfx[i], "phy"))
				*phy = true;
			if (i >= 7)
				*fmt = pfx[i];
			t += l + 1;
			again = true;
			break;
		}
	}
	return t;
}

static bool is_format_word(const char *s)
{
	return !*s || !strcmp(s, "raw") || !strcmp(s, "qcow") || !strcmp(s, "qcow2") ||
	       !strcmp(s, "vhd") || !strcmp(s, "qed") || !strcmp(s, "empty");
}

static char *target_end(char *t)
{
	static const char *const keys_after[] = { "format=", "vdev=", "access=", "devtype=",
						  "backendtype=", "specification=" };
	for (char *c = strchr(t, ','); c; c = strchr(c + 1, ','))
		for (unsigned i = 0; i < ARRAY_SIZE(keys_after); i++)
			if (!strncmp(c + 1, keys_after[i], strlen(keys_after[i])))
				return c;
	return NULL;
}

/*
 * One disk spec, in the xm form ("file:/x.img,hda,w", ",hdc:cdrom,r") or the
 * xl form ("/x.img,raw,hda,rw", "format=raw,vdev=hdc,devtype=cdrom,target=/x.iso").
 * 0, or -1 with the reason in why.
 */
static int parse_disk_spec(const char *spec, struct disk_spec *d, char *why, size_t whylen)
{
	char *buf = xstrdup(spec), *p = buf;
	const char *target = NULL, *format = NULL, *vdev = NULL, *access = NULL, *pfmt = NULL;
	bool explicit_target = false, cdrom = false, phy = false;
	int slot = 0, rc = -1;

	while (p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!strncmp(p, "target=", 7)) {
			/*
			 * xl: target= takes the rest of the spec. We also accept
			 * parameters after it ("target=/p,vdev=hdc,..."): the path
			 * ends before a ",known-key=".
			 */
			target = p + 7;
			explicit_target = true;
			if (slot == 0)
				slot = 1;
			p = target_end(p + 7);
			if (p)
				*p++ = 0;
			continue;
		}
		char *tok = p, *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		p = comma ? comma + 1 : NULL;
		if (!comma && !*tok)
			break; /* nothing after a trailing comma */
		char *eq = strchr(tok, '=');
		if (eq) {
			*eq = 0;
			const char *val = eq + 1;
			if (!strcmp(tok, "format"))
				format = val;
			else if (!strcmp(tok, "vdev"))
				vdev = val;
			else if (!strcmp(tok, "access"))
				access = val;
			else if (!strcmp(tok, "devtype") && !strcmp(val, "cdrom"))
				cdrom = true;
			else if (!strcmp(tok, "devtype") && !strcmp(val, "disk"))
				cdrom = false;
			else if (!strcmp(tok, "backendtype") && !strcmp(val, "phy"))
				phy = true;
			else if (!strcmp(tok, "backendtype") || !strcmp(tok, "specification"))
				; /* how Xen connects it: nothing to do here */
			else {
				snprintf(why, whylen, "unknown parameter '%s=%s'", tok, val);
				goto out;
			}
		} else if (!strcmp(tok, "cdrom")) {
			cdrom = true;
		} else if (!strcmp(tok, "discard") || !strcmp(tok, "no-discard") ||
			   !strcmp(tok, "direct-io-safe") || !strcmp(tok, "trusted") ||
			   !strcmp(tok, "untrusted")) {
			; /* backend hints with no meaning for an emulated IDE disk */
		} else if (slot == 0) {
			target = tok;
			slot = 1;
		} else if (slot == 1 && is_format_word(tok)) {
			format = tok;
			slot = 2;
		} else if (slot <= 2) {
			vdev = tok;
			slot = 3;
		} else if (slot == 3) {
			access = tok;
			slot = 4;
		} else {
			snprintf(why, whylen, "too many positional parameters at '%s'", tok);
			goto out;
		}
	}

	if (target && !explicit_target)
		target = vmc_strip_prefixes(target, &phy, &pfmt);
	if (!format || !*format)
		format = pfmt;
	if (format && !strcmp(format, "empty"))
		target = "";
	else if (format && strcmp(format, "raw") && strcmp(format, "qcow2")) {
		snprintf(why, whylen, "image format '%s' is not supported (raw or qcow2)", format);
		goto out;
	}
	if (!vdev || !*vdev) {
		snprintf(why, whylen, "no drive position (hda, hdb, hdc or hdd)");
		goto out;
	}
	char vname[32];
	snprintf(vname, sizeof(vname), "%s", vdev);
	char *colon = strrchr(vname, ':');
	if (colon) {
		*colon++ = 0;
		if (!strcmp(colon, "cdrom"))
			cdrom = true;
		else if (strcmp(colon, "disk")) {
			snprintf(why, whylen, "unknown device type '%s' (cdrom or disk)", colon);
			goto out;
		}
	}
	int idx = disk_index_from_name(vname);
	if (idx < 0) {
		snprintf(why, whylen, "'%s': only IDE positions hda-hdd are emulated", vname);
		goto out;
	}
	bool ro;
	if (!access || !*access || !strcmp(access, "w") || !strcmp(access, "rw") ||
	    !strcmp(access, "w!"))
		ro = false;
	else if (!strcmp(access, "r") || !strcmp(access, "ro"))
		ro = true;
	else {
		snprintf(why, whylen, "unknown access '%s' (r, ro, w or rw)", access);
		goto out;
	}
	if (!cdrom && (!target || !*target)) {
		snprintf(why, whylen, "%s: a hard disk needs an image (only CD-ROMs may be empty)", vname);
		goto out;
	}
	d->present = true;
	d->path = target && *target ? xstrdup(target) : NULL;
	d->index = idx;
	d->kind = cdrom ? DISK_CDROM : DISK_HD;
	d->readonly = ro || cdrom; /* CDs are read-only media */
	d->phy = phy;
	d->format_set = format && *format && strcmp(format, "empty");
	d->format = xstrdup(d->format_set ? format : "raw");
	rc = 0;
out:
	free(buf);
	return rc;
}


void vmc_free_disks(struct vm_config *vc)
{
	for (int i = 0; i < VM_MAX_DISKS; i++) {
		free(vc->disks[i].path);
		free(vc->disks[i].format);
		memset(&vc->disks[i], 0, sizeof(vc->disks[i]));
	}
}

int vmc_parse_disks(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	size_t n;
	struct cfg_value **items;
	if (!vmc_entry_items(c, e, &items, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct disk_spec d = { 0 };
		char why[256];
		if (parse_disk_spec(items[i]->str, &d, why, sizeof(why))) {
			verr(c, items[i], "disk '%s': %s", items[i]->str, why);
			continue;
		}
		d.line = items[i]->line;
		d.col = items[i]->col;
		struct disk_spec *slot = &c->vc->disks[d.index];
		if (slot->present) {
			verr(c, items[i], "disk '%s': hd%c is already configured at line %d",
			     items[i]->str, 'a' + d.index, slot->line);
			free(d.path);
			free(d.format);
			continue;
		}
		*slot = d;
	}
	return 0;
}

/* fda='/floppy.img' (optionally 'file:' prefix and ',r' / ',w' suffix); '' = empty drive. */
int vmc_parse_floppy(struct ctx *c, const struct key *k, struct cfg_entry *e)
{
	struct floppy_spec *f = &c->vc->fd[k->name[2] - 'a'];
	const char *s = vmc_entry_str(c, e);
	if (!s)
		return 0;
	bool phy = false, ro = false;
	const char *fmt = NULL;
	s = vmc_strip_prefixes(s, &phy, &fmt);
	if (fmt && strcmp(fmt, "raw")) {
		verr(c, e->val, "%s: image format '%s' is not supported (raw images only)", e->key, fmt);
		return 0;
	}
	char *path = xstrdup(s), *comma = strrchr(path, ',');
	if (comma && (!strcmp(comma, ",r") || !strcmp(comma, ",ro"))) {
		ro = true;
		*comma = 0;
	} else if (comma && (!strcmp(comma, ",w") || !strcmp(comma, ",rw"))) {
		*comma = 0;
	}
	free(f->path);
	f->path = NULL;
	if (strcmp(path, "none")) { /* 'none' = no drive at all */
		f->path = path;
		path = NULL;
	}
	free(path);
	f->readonly = ro;
	f->line = e->val->line;
	f->col = e->val->col;
	return 0;
}

/* boot='cd': a floppy, c disk, d CD-ROM, n network, tried in order. */
int vmc_parse_boot(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s = vmc_entry_str(c, e);
	if (!s)
		return 0;
	if (!*s) {
		verr(c, e->val, "boot must not be empty (letters a, c, d, n)");
		return 0;
	}
	for (const char *p = s; *p; p++) {
		if (!strchr("acdn", *p)) {
			verr(c, e->val, "boot '%s': unknown device '%c' (a floppy, c disk, d CD-ROM, "
				   "n network)", s, *p);
			return 0;
		}
		if (strchr(p + 1, *p)) {
			verr(c, e->val, "boot '%s': '%c' given twice", s, *p);
			return 0;
		}
	}
	if (strchr(s, 'n'))
		vwarn(c, e->val, "boot 'n': there is no network card (networking is not implemented); "
			     "the BIOS skips it");
	vmc_set_str(&c->vc->boot, s);
	return 0;
}
