/*
 * Storage keys: disk= specs in the xm and xl forms (xl-disk-configuration(5)),
 * the floppy drives fda/fdb, hdtype, and the boot order.
 */
#include "core/vmconfig_priv.h"

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

/* xl's format words (setformat in libxlu); "" is raw. */
static bool is_format_word(const char *s)
{
	return !*s || !strcmp(s, "raw") || !strcmp(s, "qcow") || !strcmp(s, "qcow2") ||
	       !strcmp(s, "vhd") || !strcmp(s, "qed") || !strcmp(s, "empty");
}

static bool in_list(const char *w, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(w, list[i]))
			return true;
	return false;
}

size_t vmc_disk_prefix_len(const char *p)
{
	if (!(*p >= 'a' && *p <= 'z'))
		return 0;
	size_t n = 1 + strspn(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789");
	return p[n] == ':' ? n : 0;
}

/* What one spec says, before it is checked (the fields point into the spec's copy). */
struct disk_words {
	const char *target, *format, *vdev, *access;
	bool target_set, format_set, access_set, cdrom, phy, depr_prefix;
	bool no_discard;
};

#define FAIL(...) do { snprintf(why, whylen, __VA_ARGS__); return -1; } while (0)

/*
 * A deprecated "word:" prefix at p (xl accepts them before any parameter):
 * 1 when it was taken (*len: its length with the colon), 0 when p has none,
 * -1 when it is refused.
 */
static int take_prefix(const char *p, struct disk_words *w, size_t *len, char *why, size_t whylen)
{
	static const char *const formats[] = { "raw", "qcow", "qcow2", "vhd" };
	static const char *const scripts[] = { "iscsi", "nbd", "enbd", "drbd" };
	static const char *const plain[] = { "tapdisk", "tap", "tap2", "aio", "ioemu", "file", "phy" };
	size_t n = vmc_disk_prefix_len(p);
	if (!n)
		return 0;
	char next = p[n + 1];
	bool positional = (next >= 'a' && next <= 'z') || (next >= '0' && next <= '9');
	char word[16];
	snprintf(word, sizeof(word), "%.*s", (int)n, p);
	*len = n + 1;
	if (n >= sizeof(word) - 1)
		; /* longer than any known prefix */
	else if (in_list(word, formats, ARRAY_SIZE(formats))) {
		w->format = !strcmp(word, "qcow2") ? "qcow2" : !strcmp(word, "qcow") ? "qcow" :
			    !strcmp(word, "vhd") ? "vhd" : "raw";
		w->format_set = w->depr_prefix = true;
		return 1;
	} else if (in_list(word, scripts, ARRAY_SIZE(scripts)))
		FAIL("'%s:' needs xl's block-%s script, which vmstation does not run (disks are image "
		     "files or block devices)", word, word);
	else if (in_list(word, plain, ARRAY_SIZE(plain))) {
		w->phy |= !strcmp(word, "phy");
		w->depr_prefix = true;
		return 1;
	}
	if (!positional)
		FAIL("unknown disk prefix '%.*s:' (xl knows file:, phy:, tap:aio:, tap:qcow2:, aio:, "
		     "raw:, qcow2: ...)", (int)n, p);
	return 0; /* "hdc:cdrom": a positional parameter */
}

/* One key=value parameter (tok is "key", val what follows '='). */
static int take_keyword(const char *tok, const char *val, struct disk_words *w, char *why,
			size_t whylen)
{
	static const char *const backends[] = { "phy", "tap", "qdisk", "standalone" };
	static const char *const no_meaning[] = { "backend", "colo-host", "colo-port", "colo-export",
						  "active-disk", "hidden-disk", "grant_usage" };
	if (!strcmp(tok, "format")) {
		if (!is_format_word(val))
			FAIL("unknown value for format '%s'", val);
		w->format = val;
		w->format_set = true;
	} else if (!strcmp(tok, "vdev")) {
		if (w->vdev && *w->vdev)
			FAIL("vdev given twice ('%s' and '%s')", w->vdev, val);
		w->vdev = val;
	} else if (!strcmp(tok, "access")) {
		w->access = val;
		w->access_set = true;
	} else if (!strcmp(tok, "devtype")) {
		if (strcmp(val, "cdrom") && strcmp(val, "disk"))
			FAIL("unknown devtype '%s' (cdrom or disk)", val);
		w->cdrom = !strcmp(val, "cdrom");
	} else if (!strcmp(tok, "backendtype")) {
		if (!in_list(val, backends, ARRAY_SIZE(backends)))
			FAIL("unknown backendtype '%s' (phy, tap, qdisk or standalone)", val);
		w->phy |= !strcmp(val, "phy");
	} else if (!strcmp(tok, "specification")) {
		if (strcmp(val, "xen") && strcmp(val, "virtio"))
			FAIL("unknown specification '%s' (xen or virtio)", val);
	} else if (!strcmp(tok, "script")) {
		FAIL("script='%s': vmstation does not run xl's block scripts (disks are image files "
		     "or block devices)", val);
	} else if (!in_list(tok, no_meaning, ARRAY_SIZE(no_meaning))) {
		FAIL("unknown parameter '%s=%s'", tok, val);
	}
	return 0;
}

/* A positional parameter: target, format, vdev, access in turn (xl's order). */
static int take_positional(const char *tok, struct disk_words *w, char *why, size_t whylen)
{
	if (!w->target_set) {
		w->target = tok;
		w->target_set = true;
	} else if (!w->depr_prefix && !w->format_set) {
		w->format_set = true;
		if (!*w->target && strchr(tok, ':'))
			w->vdev = tok; /* ",hdc:cdrom,r": an empty drive */
		else if (is_format_word(tok))
			w->format = tok;
		else
			w->vdev = tok; /* xm's "/x.img,hda,w", which xl reads as a format */
	} else if (!w->vdev) {
		w->vdev = tok;
	} else if (!w->access_set) {
		w->access = tok;
		w->access_set = true;
	} else {
		FAIL("too many positional parameters at '%s'", tok);
	}
	return 0;
}

/* Split buf (modified) into its parameters as libxlu's disk lexer does. */
static int scan_disk_spec(char *buf, struct disk_words *w, char *why, size_t whylen)
{
	static const char *const flags[] = { "discard", "no-discard", "direct-io-safe", "trusted",
					     "untrusted", "colo", "no-colo" };
	char *p = buf;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		if (!strncmp(p, "target=", 7)) {
			/* xl: target= takes the rest of the spec, commas and all */
			char *t = p + 7, *end = t + strlen(t);
			if (end > t && end[-1] == ',')
				end[-1] = 0;
			if (w->target_set && *w->target)
				FAIL("target given twice ('%s' and '%s')", w->target, t);
			w->target = t;
			w->target_set = true;
			return 0;
		}
		size_t plen = 0;
		int r = take_prefix(p, w, &plen, why, whylen);
		if (r < 0)
			return -1;
		if (r > 0) {
			p += plen;
			continue;
		}
		char *tok = p, *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		p = comma ? comma + 1 : tok + strlen(tok);
		char *eq = strchr(tok, '=');
		if (eq) {
			*eq = 0;
			r = take_keyword(tok, eq + 1, w, why, whylen);
		} else if (!strcmp(tok, "cdrom")) {
			w->cdrom = true;
		} else if (!strcmp(tok, "discard") || !strcmp(tok, "no-discard")) {
			w->no_discard = tok[0] == 'n';   /* the last one given wins */
		} else if (in_list(tok, flags, ARRAY_SIZE(flags))) {
			; /* backend hints with no meaning for an emulated IDE disk */
		} else {
			r = take_positional(tok, w, why, whylen);
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

/*
 * One disk spec, in the xm form ("file:/x.img,hda,w", ",hdc:cdrom,r") or the
 * xl form ("/x.img,raw,hda,rw", "format=raw,vdev=hdc,devtype=cdrom,target=/x.iso").
 * 0 (note: a remark for the user, or "") or -1 with the reason in why.
 */
static int check_disk_words(struct disk_words *w, struct disk_spec *d, char *note, size_t notelen,
			    char *why, size_t whylen)
{
	const char *format = w->format && *w->format ? w->format : "raw";
	const char *target = w->target ? w->target : "";
	if (!strcmp(format, "empty"))
		target = "";
	else if (strcmp(format, "raw") && strcmp(format, "qcow2"))
		FAIL("image format '%s' is not supported (raw and qcow2 images)", format);
	if (!w->vdev || !*w->vdev) {
		if (strstr(target, ",vdev="))
			FAIL("no drive position: target= takes the rest of the spec, so the "
			     "',vdev=' after it is part of the path (put target= last, as xl needs)");
		FAIL("no drive position (hda, hdb, hdc or hdd)");
	}
	char vname[32];
	if (strlen(w->vdev) >= sizeof(vname))
		FAIL("'%.40s...' is not a disk name", w->vdev);
	snprintf(vname, sizeof(vname), "%s", w->vdev);
	char *colon = strrchr(vname, ':');
	if (colon) {
		*colon++ = 0;
		if (!strcmp(colon, "cdrom"))
			w->cdrom = true;
		else if (strcmp(colon, "disk"))
			FAIL("unknown device type '%s' (cdrom or disk)", colon);
	}
	int idx;
	if (vmc_vdev_position(vname, w->cdrom, &idx, note, notelen, why, whylen))
		return -1;
	const char *access = w->access ? w->access : "";
	bool ro;
	if (!*access || !strcmp(access, "w") || !strcmp(access, "rw") || !strcmp(access, "w!"))
		ro = false;
	else if (!strcmp(access, "r") || !strcmp(access, "ro"))
		ro = true;
	else
		FAIL("unknown access '%s' (r, ro, w or rw)", access);
	if (!w->cdrom && !*target)
		FAIL("%s: a hard disk needs an image (only CD-ROMs may be empty)", vname);
	d->present = true;
	d->path = *target ? xstrdup(target) : NULL;
	d->index = idx;
	d->kind = w->cdrom ? DISK_CDROM : DISK_HD;
	d->readonly = ro || w->cdrom; /* CDs are read-only media */
	d->phy = w->phy;
	d->no_discard = w->no_discard;
	d->format = xstrdup(!strcmp(format, "empty") ? "raw" : format);
	/* a format written in the spec turns off probing the image's magic */
	d->format_set = w->format && *w->format && strcmp(w->format, "empty");
	return 0;
}

static int parse_disk_spec(const char *spec, struct disk_spec *d, char *note, size_t notelen,
			   char *why, size_t whylen)
{
	char *buf = xstrdup(spec);
	struct disk_words w = { 0 };
	note[0] = 0;
	int rc = scan_disk_spec(buf, &w, why, whylen);
	if (!rc)
		rc = check_disk_words(&w, d, note, notelen, why, whylen);
	free(buf);
	return rc;
}

#undef FAIL

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
		char why[320], note[256];
		if (parse_disk_spec(items[i]->str, &d, note, sizeof(note), why, sizeof(why))) {
			verr(c, items[i], "disk '%s': %s", items[i]->str, why);
			continue;
		}
		if (*note)
			vnote(c, items[i], "disk '%s': %s", items[i]->str, note);
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
	vmc_set_str(&c->vc->boot, s);
	return 0;
}
