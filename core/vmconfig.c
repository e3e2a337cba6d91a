/*
 * The typed VM configuration. One table (keys[] below) names every key
 * vmstation knows: how it is parsed, its default, its limits, and how
 * `vmstation check` prints it. Keys from xl.cfg(5) and old xm files that
 * vmstation accepts but does not act on are in the same table and are warned
 * about; keys in no table are warned as unknown.
 *
 * Messages go to stderr as "file:line:col: message" (errors),
 * "file:line:col: warning: ..." and "file:line:col: note: ...".
 */
#include "vmconfig.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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

/* ---- messages ----------------------------------------------------------- */

static void PRINTF(5, 6) report(struct ctx *c, const char *kind, int line, int col,
				const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->msgs = xrealloc(c->msgs, (c->n_msgs + 1) * sizeof(*c->msgs));
	c->msgs[c->n_msgs] = (struct message){ line, col, c->n_msgs,
		xasprintf("%s:%d:%d: %s%s", c->cfg->file, line, col, kind, msg) };
	c->n_msgs++;
}

static int message_cmp(const void *a, const void *b)
{
	const struct message *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void flush_messages(struct ctx *c)
{
	if (c->n_msgs)
		qsort(c->msgs, c->n_msgs, sizeof(*c->msgs), message_cmp);
	for (size_t i = 0; i < c->n_msgs; i++) {
		fprintf(stderr, "%s\n", c->msgs[i].text);
		free(c->msgs[i].text);
	}
	free(c->msgs);
	c->msgs = NULL;
	c->n_msgs = 0;
}

#define verr(c, v, ...) ((c)->errors++, report(c, "", (v)->line, (v)->col, __VA_ARGS__))
#define vwarn(c, v, ...) report(c, "warning: ", (v)->line, (v)->col, __VA_ARGS__)
#define vnote(c, v, ...) report(c, "note: ", (v)->line, (v)->col, __VA_ARGS__)

/* ---- value helpers ------------------------------------------------------ */

static const char *type_name(const struct cfg_value *v)
{
	return v->type == CFG_LIST ? "a list" : v->type == CFG_NUMBER ? "a number" : "a string";
}

/* A number, or a string holding one (xl reads "512" as 512). */
static bool get_num(struct ctx *c, const char *key, const struct cfg_value *v, long long *out)
{
	if (v->type == CFG_NUMBER) {
		*out = v->num;
		return true;
	}
	if (v->type == CFG_STRING) {
		const char *s = v->str;
		char *end;
		if (*s && !isspace((unsigned char)*s)) {
			errno = 0;
			long long n = strtoll(s, &end, 0);
			if (!*end && errno == 0) {
				*out = n;
				return true;
			}
		}
		verr(c, v, "%s: expected a number, got '%s'", key, s);
		return false;
	}
	verr(c, v, "%s: expected a number, not %s", key, type_name(v));
	return false;
}

/* A string; a number is taken as written (xl keeps numbers as text). */
static const char *get_str(struct ctx *c, const char *key, const struct cfg_value *v)
{
	if (v->type != CFG_LIST)
		return v->str;
	verr(c, v, "%s: expected a string, not a list", key);
	return NULL;
}

static char **field_str(struct vm_config *vc, const struct key *k)
{
	return (char **)((char *)vc + k->off);
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

/* Integer fields of 1 (bool), 4 (unsigned, int, enum) or 8 bytes, copied bytewise. */
static void store_num(void *base, const struct key *k, long long n)
{
	void *p = (char *)base + k->off;
	bool b = n != 0;
	uint32_t u32 = (uint32_t)n;
	uint64_t u64 = (uint64_t)n;

	switch (k->size) {
	case 1: memcpy(p, &b, 1); break;
	case 4: memcpy(p, &u32, 4); break;
	default: memcpy(p, &u64, 8); break;
	}
}

static long long load_num(const void *base, const struct key *k)
{
	const void *p = (const char *)base + k->off;
	bool b;
	uint32_t u32;
	uint64_t u64;

	switch (k->size) {
	case 1:
		memcpy(&b, p, 1);
		return b;
	case 4:
		memcpy(&u32, p, 4);
		return k->min < 0 ? (long long)(int32_t)u32 : (long long)u32;
	default:
		memcpy(&u64, p, 8);
		return (long long)u64;
	}
}

/* The later of a key and its alias (the file's last word wins). */
static struct cfg_entry *lookup2(struct cfg *cfg, const char *a, const char *b)
{
	struct cfg_entry *ea = cfg_lookup(cfg, a), *eb = b ? cfg_lookup(cfg, b) : NULL;
	if (!ea)
		return eb;
	if (!eb)
		return ea;
	return eb > ea ? eb : ea;
}

/* ---- simple kinds ------------------------------------------------------- */

static const char *const action_names[] = {
	[ACT_DESTROY] = "destroy", [ACT_RESTART] = "restart", [ACT_PRESERVE] = "preserve",
	[ACT_RENAME_RESTART] = "rename-restart", [ACT_COREDUMP_DESTROY] = "coredump-destroy",
	[ACT_COREDUMP_RESTART] = "coredump-restart", [ACT_SOFT_RESET] = "soft-reset",
};

const char *action_name(enum vm_action a)
{
	return (unsigned)a < ARRAY_SIZE(action_names) ? action_names[a] : "?";
}

int disk_index_from_name(const char *name)
{
	if (name && name[0] == 'h' && name[1] == 'd' && name[2] >= 'a' && name[2] <= 'd' && !name[3])
		return name[2] - 'a';
	return -1;
}

static void parse_simple(struct ctx *c, const struct key *k, struct cfg_entry *e)
{
	struct cfg_value *v = e->val;
	struct vm_config *vc = c->vc;
	long long n;
	const char *s;

	switch (k->kind) {
	case K_STR:
	case K_OPTSTR:
		if (!(s = get_str(c, e->key, v)))
			return;
		if (!*s && k->kind == K_STR) {
			verr(c, v, "%s must not be empty", e->key);
			return;
		}
		set_str(field_str(vc, k), *s ? s : NULL);
		break;
	case K_NUM:
		if (!get_num(c, e->key, v, &n))
			return;
		if (k->choices) {
			char list[128] = "";
			bool ok = false;
			for (const int *ch = k->choices; *ch >= 0; ch++) {
				ok |= *ch == n;
				size_t l = strlen(list);
				snprintf(list + l, sizeof(list) - l, (k->flags & F_HEX) ? "%s0x%x" : "%s%d",
					 l ? ", " : "", *ch);
			}
			if (!ok) {
				verr(c, v, "%s must be one of %s (got %s)", e->key, list, v->str);
				return;
			}
		} else if (n < k->min || n > k->max) {
			verr(c, v, "%s must be between %lld and %lld (got %lld)", e->key, k->min, k->max, n);
			return;
		}
		store_num(vc, k, n);
		break;
	case K_BOOL:
		if (!get_num(c, e->key, v, &n))
			return;
		store_num(vc, k, n != 0);
		break;
	case K_ACTION:
		if (!(s = get_str(c, e->key, v)))
			return;
		for (unsigned i = 0; i < ARRAY_SIZE(action_names); i++) {
			if (!strcmp(s, action_names[i])) {
				store_num(vc, k, i);
				return;
			}
		}
		verr(c, v, "%s: unknown action '%s' (destroy, restart, preserve, rename-restart, "
			   "coredump-destroy, coredump-restart, soft-reset)", e->key, s);
		break;
	default:
		break;
	}
	if (k->flags & F_NOT_ACTED)
		vwarn(c, v, "'%s' accepted but not acted on (%s)", e->key, k->why);
}

/* A string or a list of strings (serial='pty' or serial=['pty']): its items. */
static bool string_items(struct ctx *c, const char *key, struct cfg_value **v,
			 struct cfg_value ***items, size_t *n)
{
	if ((*v)->type != CFG_LIST) {
		*items = v;
		*n = 1;
		return true;
	}
	for (size_t i = 0; i < (*v)->n; i++) {
		if ((*v)->items[i]->type == CFG_LIST) {
			verr(c, (*v)->items[i], "%s: expected a string, not a list", key);
			return false;
		}
	}
	*items = (*v)->items;
	*n = (*v)->n;
	return true;
}

/* ---- type, name, kernel command line ------------------------------------- */

static int parse_type(struct ctx *c, const struct key *k, struct cfg_entry *e)
{
	e = lookup2(c->cfg, k->name, k->alias);
	if (!e)
		return 0;
	const char *s = get_str(c, e->key, e->val);
	if (s && strcmp(s, "hvm"))
		verr(c, e->val, "%s '%s' is not supported: vmstation runs full PC (HVM) guests only "
			   "(type='hvm')", e->key, s);
	return 0;
}

static void print_type(const struct vm_config *vc UNUSED, FILE *out)
{
	fprintf(out, "type = 'hvm'\n");
}

/* The name is also a directory under the state dir: no '/', no leading '.'. */
static bool name_ok(const char *s)
{
	size_t len = strlen(s);
	if (!len || len > 64 || s[0] == '.')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
			return false;
	return true;
}

static int parse_name(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	if (!e)
		return 0;
	const char *s = get_str(c, e->key, e->val);
	if (!s)
		return 0;
	if (!name_ok(s)) {
		verr(c, e->val, "name '%s' is not usable: 1-64 characters, no '/', '\\' or control "
			   "characters, not starting with '.'", s);
		return 0;
	}
	set_str(&c->vc->name, s);
	return 0;
}

static bool is_hvmloader(const char *s)
{
	const char *base = strrchr(s, '/');
	return !strcmp(base ? base + 1 : s, "hvmloader");
}

static int parse_kernel(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	if (!e)
		return 0;
	const char *s = get_str(c, e->key, e->val);
	if (!s)
		return 0;
	if (is_hvmloader(s)) {
		vnote(c, e->val, "kernel='%s' is Xen's HVM firmware loader: vmstation uses its own "
			    "firmware (SeaBIOS, firmware=) and boots from the disks", s);
		s = "";
	}
	set_str(&c->vc->kernel, *s ? s : NULL);
	return 0;
}

/* extra=, its alias cmdline= (which wins, as in xl) and root= ("root=X extra"). */
static int parse_extra(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *extra)
{
	struct cfg_entry *cmdline = cfg_lookup(c->cfg, "cmdline");
	struct cfg_entry *root = cfg_lookup(c->cfg, "root");
	const char *se = extra ? get_str(c, extra->key, extra->val) : NULL;
	const char *sr = root ? get_str(c, root->key, root->val) : NULL;
	char *line;

	if (cmdline) {
		const char *s = get_str(c, cmdline->key, cmdline->val);
		if (!s)
			return 0;
		if (extra)
			vwarn(c, extra->val, "extra ignored: cmdline= (line %d) gives the whole command line",
			      cmdline->line);
		if (root)
			vwarn(c, root->val, "root ignored: cmdline= (line %d) gives the whole command line",
			      cmdline->line);
		line = xstrdup(s);
	} else if (sr && *sr) {
		line = se && *se ? xasprintf("root=%s %s", sr, se) : xasprintf("root=%s", sr);
	} else {
		line = xstrdup(se ? se : "");
	}
	free(c->vc->cmdline);
	c->vc->cmdline = *line ? line : NULL;
	if (!*line)
		free(line);
	return 0;
}

static int parse_cpuid(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	if (!e)
		return 0;
	if (e->val->type == CFG_LIST) {
		verr(c, e->val, "the list form of cpuid (xend's per-register syntax) is not supported: "
			   "use cpuid='host,feature=0,...'");
		return 0;
	}
	set_str(&c->vc->cpuid, *e->val->str ? e->val->str : NULL);
	return 0;
}

static int parse_maxmem(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	long long n;
	if (e && get_num(c, e->key, e->val, &n) && (uint64_t)n != c->vc->memory_mib)
		vwarn(c, e->val, "'maxmem' accepted but not acted on (memory ballooning is not "
			    "implemented: the guest has memory=%llu MiB)",
		      (unsigned long long)c->vc->memory_mib);
	return 0;
}

static int parse_bios(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s;
	if (e && (s = get_str(c, e->key, e->val)) && strcmp(s, "seabios"))
		vnote(c, e->val, "bios='%s' ignored: vmstation always runs SeaBIOS (firmware=%s)", s,
		      c->vc->firmware);
	return 0;
}

static int parse_irq_assist(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s = e ? get_str(c, e->key, e->val) : NULL;
	if (s && strcmp(s, "auto") && strcmp(s, "on") && strcmp(s, "off")) {
		verr(c, e->val, "irq_assist must be 'auto', 'on' or 'off', not '%s'", s);
		return 0;
	}
	set_str(&c->vc->irq_assist, s ? s : "auto");
	return 0;
}

static int parse_hdtype(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s;
	if (e && (s = get_str(c, e->key, e->val)) && strcmp(s, "ide"))
		verr(c, e->val, "hdtype '%s' is not supported: disks are on the IDE controller "
			   "(hdtype='ide')", s);
	return 0;
}

/* ---- disks -------------------------------------------------------------- */

/* xl-disk-configuration(5) deprecated prefixes ("file:", "tap:aio:", "phy:"). */
static const char *strip_prefixes(const char *t, bool *phy, const char **fmt)
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
		target = strip_prefixes(target, &phy, &pfmt);
	if (!format || !*format)
		format = pfmt;
	if (format && !strcmp(format, "empty"))
		target = "";
	else if (format && strcmp(format, "raw")) {
		snprintf(why, whylen, "image format '%s' is not supported (raw images only)", format);
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
	d->format = xstrdup("raw");
	rc = 0;
out:
	free(buf);
	return rc;
}

static void free_disks(struct vm_config *vc)
{
	for (int i = 0; i < VM_MAX_DISKS; i++) {
		free(vc->disks[i].path);
		free(vc->disks[i].format);
		memset(&vc->disks[i], 0, sizeof(vc->disks[i]));
	}
}

static int parse_disks(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	if (!e)
		return 0;
	size_t n;
	struct cfg_value *v = e->val, **items;
	if (!string_items(c, e->key, &v, &items, &n))
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

static bool needs_target_form(const char *path)
{
	bool phy = false;
	const char *fmt = NULL;
	return strchr(path, ',') || strchr(path, '=') || isspace((unsigned char)path[0]) ||
	       strip_prefixes(path, &phy, &fmt) != path;
}

static void print_quoted(FILE *out, const char *s);

static void print_disks(const struct vm_config *vc, FILE *out)
{
	const char *sep = "";
	fprintf(out, "disk = [");
	for (int i = 0; i < VM_MAX_DISKS; i++) {
		const struct disk_spec *d = &vc->disks[i];
		if (!d->present)
			continue;
		const char *path = d->path ? d->path : "";
		bool cd = d->kind == DISK_CDROM;
		char *spec;
		if (!*path)
			spec = xasprintf(",hd%c%s,%s", 'a' + i, cd ? ":cdrom" : "", d->readonly ? "r" : "w");
		else if (needs_target_form(path))
			spec = xasprintf("format=raw,vdev=hd%c,access=%s%s%s,target=%s", 'a' + i,
					 d->readonly ? "ro" : "rw", cd ? ",devtype=cdrom" : "",
					 d->phy ? ",backendtype=phy" : "", path);
		else
			spec = xasprintf("%s:%s,hd%c%s,%s", d->phy ? "phy" : "file", path, 'a' + i,
					 cd ? ":cdrom" : "", d->readonly ? "r" : "w");
		fputs(sep, out);
		print_quoted(out, spec);
		free(spec);
		sep = ", ";
	}
	fprintf(out, "]\n");
}

/* fda='/floppy.img' (optionally 'file:' prefix and ',r' / ',w' suffix); '' = empty drive. */
static int parse_floppy(struct ctx *c, const struct key *k, struct cfg_entry *e)
{
	struct floppy_spec *f = &c->vc->fd[k->name[2] - 'a'];
	if (!e)
		return 0;
	const char *s = get_str(c, e->key, e->val);
	if (!s)
		return 0;
	bool phy = false, ro = false;
	const char *fmt = NULL;
	s = strip_prefixes(s, &phy, &fmt);
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

static void print_floppy(const struct vm_config *vc, FILE *out, int i)
{
	const struct floppy_spec *f = &vc->fd[i];
	char *s;
	if (!f->path)
		s = xstrdup("none");
	else {
		bool phy = false;
		const char *fmt = NULL;
		bool pfx = strip_prefixes(f->path, &phy, &fmt) != f->path || !strcmp(f->path, "none");
		s = xasprintf("%s%s%s", pfx ? "file:" : "", f->path,
			      f->readonly ? ",r" : strchr(f->path, ',') ? ",w" : "");
	}
	fprintf(out, "fd%c = ", 'a' + i);
	print_quoted(out, s);
	fputc('\n', out);
	free(s);
}

static void print_fda(const struct vm_config *vc, FILE *out) { print_floppy(vc, out, 0); }
static void print_fdb(const struct vm_config *vc, FILE *out) { print_floppy(vc, out, 1); }

/* boot='cd': a floppy, c disk, d CD-ROM, n network, tried in order. */
static int parse_boot(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	if (!e)
		return 0;
	const char *s = get_str(c, e->key, e->val);
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
	set_str(&c->vc->boot, s);
	return 0;
}

/* ---- character devices, display, input, sound ---------------------------- */

/* The specs core/chardev.h opens. */
static bool chardev_spec_ok(const char *s)
{
	if (!strcmp(s, "pty") || !strcmp(s, "stdio") || !strcmp(s, "null") || !strcmp(s, "none"))
		return true;
	if (!strncmp(s, "file:", 5))
		return s[5] != 0;
	if (strncmp(s, "unix:", 5) || !s[5] || s[5] == ',')
		return false;
	for (const char *o = strchr(s + 5, ','); o; o = strchr(o + 1, ',')) {
		size_t l = strcspn(o + 1, ",");
		if (!(l == 6 && !strncmp(o + 1, "server", 6)) && !(l == 6 && !strncmp(o + 1, "nowait", 6)))
			return false;
	}
	return true;
}

#define CHARDEV_SPECS "pty, stdio, file:PATH, unix:PATH[,server[,nowait]], null or none"

static int parse_serial(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	if (!e)
		return 0;
	size_t n;
	struct cfg_value *v = e->val, **items;
	if (!string_items(c, e->key, &v, &items, &n))
		return 0;
	if (n > VM_MAX_SERIAL) {
		verr(c, items[VM_MAX_SERIAL], "serial: at most %d ports (COM1-COM4)", VM_MAX_SERIAL);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!chardev_spec_ok(items[i]->str)) {
			verr(c, items[i], "serial '%s': unsupported (" CHARDEV_SPECS ")", items[i]->str);
			return 0;
		}
	}
	struct vm_config *vc = c->vc;
	for (unsigned i = 0; i < vc->n_serial; i++)
		free(vc->serial[i]);
	for (size_t i = 0; i < n; i++)
		vc->serial[i] = xstrdup(items[i]->str);
	vc->n_serial = (unsigned)n;
	return 0;
}

static void print_str_list(FILE *out, const char *key, char *const *v, unsigned n)
{
	fprintf(out, "%s = [", key);
	for (unsigned i = 0; i < n; i++) {
		fputs(i ? ", " : "", out);
		print_quoted(out, v[i]);
	}
	fprintf(out, "]\n");
}

static void print_serial(const struct vm_config *vc, FILE *out)
{
	print_str_list(out, "serial", vc->serial, vc->n_serial);
}

static int parse_debugcon(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s;
	if (!e || !(s = get_str(c, e->key, e->val)))
		return 0;
	if (*s && !chardev_spec_ok(s)) {
		verr(c, e->val, "debugcon '%s': unsupported (" CHARDEV_SPECS ")", s);
		return 0;
	}
	set_str(&c->vc->debugcon, *s ? s : NULL);
	return 0;
}

static int parse_vga(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s;
	if (!e || !(s = get_str(c, e->key, e->val)))
		return 0;
	if (strcmp(s, "stdvga") && strcmp(s, "cirrus") && strcmp(s, "none")) {
		verr(c, e->val, "vga '%s' is not emulated (stdvga, cirrus or none)", s);
		return 0;
	}
	set_str(&c->vc->vga, s);
	return 0;
}

/* Deprecated stdvga=0|1. stdvga=0 asked Xen for a Cirrus card: we keep the standard VGA. */
static int parse_stdvga(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	long long n;
	if (!e || !get_num(c, e->key, e->val, &n))
		return 0;
	struct cfg_entry *vga = cfg_lookup(c->cfg, "vga");
	if (vga)
		vwarn(c, e->val, "stdvga ignored: vga= (line %d) chooses the card", vga->line);
	else if (!n)
		vnote(c, e->val, "stdvga=0 asks for a Cirrus card: vmstation keeps its standard VGA "
			    "(vga='stdvga'), which every guest with a VESA driver can use");
	return 0;
}

/* vnclisten='ADDR' or 'ADDR:DISPLAY' (xl.cfg(5)). */
static int parse_vnclisten(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s;
	if (!e || !(s = get_str(c, e->key, e->val)))
		return 0;
	char *addr = xstrdup(s), *colon = strchr(addr, ':');
	if (colon && colon == strrchr(addr, ':') && colon[1] && strspn(colon + 1, "0123456789") ==
	    strlen(colon + 1)) {
		long disp = strtol(colon + 1, NULL, 10);
		if (disp > 59635 || strlen(colon + 1) > 5) {
			verr(c, e->val, "vnclisten '%s': display number out of range (0-59635)", s);
			free(addr);
			return 0;
		}
		*colon = 0;
		struct cfg_entry *vd = cfg_lookup(c->cfg, "vncdisplay");
		if (vd && c->vc->vncdisplay != (int)disp)
			vwarn(c, e->val, "vnclisten display :%ld overrides vncdisplay (line %d)", disp, vd->line);
		c->vc->vncdisplay = (int)disp;
	}
	if (!*addr) {
		verr(c, e->val, "vnclisten must name an address");
		free(addr);
		return 0;
	}
	free(c->vc->vnclisten);
	c->vc->vnclisten = addr;
	return 0;
}

static int parse_usbdevice(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	if (!e)
		return 0;
	size_t n;
	struct cfg_value *v = e->val, **items;
	if (!string_items(c, e->key, &v, &items, &n))
		return 0;
	struct vm_config *vc = c->vc;
	for (unsigned i = 0; i < vc->n_usbdevice; i++)
		free(vc->usbdevice[i]);
	vc->n_usbdevice = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = items[i]->str;
		if (strcmp(s, "tablet") && strcmp(s, "mouse") && strcmp(s, "keyboard")) {
			vwarn(c, items[i], "usbdevice '%s' is not emulated (tablet, mouse, keyboard are); "
				     "ignored", s);
			continue;
		}
		if (vc->n_usbdevice == VM_MAX_USBDEV) {
			verr(c, items[i], "usbdevice: at most %d devices", VM_MAX_USBDEV);
			return 0;
		}
		vc->usbdevice[vc->n_usbdevice++] = xstrdup(s);
	}
	if (vc->n_usbdevice)
		vc->usb = true; /* a USB device needs the controller */
	return 0;
}

static void print_usbdevice(const struct vm_config *vc, FILE *out)
{
	print_str_list(out, "usbdevice", vc->usbdevice, vc->n_usbdevice);
}

/* soundhw='sb16', 'sb16,adlib' or ['sb16', 'adlib']. */
static int parse_soundhw(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	static const char *const ours[] = { "sb16", "adlib", "pcspk" };
	static const char *const xens[] = { "hda", "ac97", "es1370", "cs4231a", "gus" };
	if (!e)
		return 0;
	size_t n;
	struct cfg_value *v = e->val, **items;
	if (!string_items(c, e->key, &v, &items, &n))
		return 0;
	struct vm_config *vc = c->vc;
	for (unsigned i = 0; i < vc->n_soundhw; i++)
		free(vc->soundhw[i]);
	vc->n_soundhw = 0;
	for (size_t i = 0; i < n; i++) {
		char *names = xstrdup(items[i]->str), *save = NULL;
		for (char *w = strtok_r(names, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
			bool known = false, ignored = false;
			for (unsigned j = 0; j < ARRAY_SIZE(xens); j++)
				ignored |= !strcmp(w, xens[j]);
			if (ignored) {
				vwarn(c, items[i], "soundhw '%s' is not emulated (sb16, adlib and pcspk are); "
					     "ignored", w);
				continue;
			}
			for (unsigned j = 0; j < ARRAY_SIZE(ours); j++) {
				if (strcmp(w, ours[j]) && strcmp(w, "all"))
					continue;
				known = true;
				bool dup = false;
				for (unsigned m = 0; m < vc->n_soundhw; m++)
					dup |= !strcmp(vc->soundhw[m], ours[j]);
				if (!dup && vc->n_soundhw < VM_MAX_SOUND)
					vc->soundhw[vc->n_soundhw++] = xstrdup(ours[j]);
			}
			if (!known)
				verr(c, items[i], "soundhw: unknown sound device '%s' (sb16, adlib, pcspk)", w);
		}
		free(names);
	}
	return 0;
}

static void print_soundhw(const struct vm_config *vc, FILE *out)
{
	print_str_list(out, "soundhw", vc->soundhw, vc->n_soundhw);
}

/* audio='pulse' | 'sdl' | 'wav:/path' | 'none' (ui/audio.c back ends). */
static int parse_audio(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s;
	if (!e || !(s = get_str(c, e->key, e->val)))
		return 0;
	size_t l = strcspn(s, ":");
	bool ok = !*s || (l == 5 && !strncmp(s, "pulse", 5)) || (l == 3 && !strncmp(s, "sdl", 3)) ||
		  (!strcmp(s, "none")) || (l == 3 && !strncmp(s, "wav", 3) && s[3] == ':' && s[4]);
	if (!ok) {
		verr(c, e->val, "audio '%s': unknown back end (pulse, sdl, wav:PATH or none)", s);
		return 0;
	}
	set_str(&c->vc->audio, *s ? s : NULL);
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

static const int sb16_ports[] = { 0x220, 0x240, 0x260, 0x280, -1 };
/* SB16 mixer register 0x80 selects IRQ 2(9), 5, 7 or 10; 0x81 DMA 0, 1, 3 and 5, 6, 7. */
static const int sb16_irqs[] = { 5, 7, 9, 10, -1 };
static const int sb16_dmas[] = { 0, 1, 3, -1 };
static const int sb16_hdmas[] = { 5, 6, 7, -1 };

#define STR(n, f, d) { .name = n, .kind = K_STR, FIELD(f), .def_str = d }
#define OPT(n, f) { .name = n, .kind = K_OPTSTR, FIELD(f) }
#define NUM(n, f, lo, hi, d) { .name = n, .kind = K_NUM, FIELD(f), .min = lo, .max = hi, .def = d }
#define BOOL(n, f, d) { .name = n, .kind = K_BOOL, FIELD(f), .def = d }
#define ACTION(n, f, d) { .name = n, .kind = K_ACTION, FIELD(f), .def = d }
#define CUSTOM(n, p, pr) { .name = n, .kind = K_CUSTOM, .parse = p, .print = pr }
#define ALIAS(n, of) { .name = n, .kind = K_ALIAS, .why = of }
#define IGNORED(n, reason) { .name = n, .kind = K_IGNORED, .why = reason }

static const struct key keys[] = {
	{ .name = "type", .kind = K_CUSTOM, .alias = "builder", .parse = parse_type, .print = print_type },
	ALIAS("builder", "type"),
	{ .name = "name", .kind = K_CUSTOM, FIELD(name), .def_str = "vm", .parse = parse_name },
	NUM("memory", memory_mib, 1, 1 << 20, 128),
	CUSTOM("maxmem", parse_maxmem, NULL),
	NUM("vcpus", vcpus, 1, 64, 1),
	{ .name = "firmware", .kind = K_STR, FIELD(firmware), .def_str = "/usr/share/seabios/bios.bin",
	  .alias = "bios_path_override" },
	ALIAS("bios_path_override", "firmware"),
	CUSTOM("bios", parse_bios, NULL),
	STR("vgabios", vgabios, "/usr/share/seabios/vgabios-stdvga.bin"),
	{ .name = "kernel", .kind = K_CUSTOM, FIELD(kernel), .parse = parse_kernel },
	OPT("ramdisk", ramdisk),
	{ .name = "extra", .kind = K_CUSTOM, FIELD(cmdline), .parse = parse_extra },
	ALIAS("cmdline", "extra"),
	ALIAS("root", "extra"),
	{ .name = "cpuid", .kind = K_CUSTOM, FIELD(cpuid), .parse = parse_cpuid },
	BOOL("acpi", acpi, 1),
	BOOL("apic", apic, 1),
	{ .name = "pae", .kind = K_BOOL, FIELD(pae), .def = 1, .flags = F_NOT_ACTED,
	  .why = "the virtual CPU always has PAE" },
	BOOL("hpet", hpet, 1),
	BOOL("localtime", localtime, 0),
	{ .name = "irq_assist", .kind = K_CUSTOM, FIELD(irq_assist), .parse = parse_irq_assist },
	NUM("rtc_timeoffset", rtc_timeoffset, -3155760000LL, 3155760000LL, 0),
	ACTION("on_poweroff", on_poweroff, ACT_DESTROY),
	ACTION("on_reboot", on_reboot, ACT_RESTART),
	ACTION("on_crash", on_crash, ACT_DESTROY),
	CUSTOM("hdtype", parse_hdtype, NULL),
	CUSTOM("disk", parse_disks, print_disks),
	CUSTOM("fda", parse_floppy, print_fda),
	CUSTOM("fdb", parse_floppy, print_fdb),
	{ .name = "boot", .kind = K_CUSTOM, FIELD(boot), .def_str = "cd", .parse = parse_boot },
	BOOL("boot_menu", boot_menu, 0),
	CUSTOM("serial", parse_serial, print_serial),
	{ .name = "debugcon", .kind = K_CUSTOM, FIELD(debugcon), .parse = parse_debugcon },
	BOOL("monitor", monitor, 0),
	OPT("monitor_path", monitor_path),
	{ .name = "vga", .kind = K_CUSTOM, FIELD(vga), .def_str = "stdvga", .parse = parse_vga },
	CUSTOM("stdvga", parse_stdvga, NULL),
	NUM("videoram", videoram_mib, 1, 256, 16),
	BOOL("sdl", sdl, 0),
	BOOL("vnc", vnc, 1),
	BOOL("vncconsole", vncconsole, 0),
	BOOL("vncunused", vncunused, 1),
	NUM("vncdisplay", vncdisplay, 0, 59635, 0),
	{ .name = "vnclisten", .kind = K_CUSTOM, FIELD(vnclisten), .def_str = "127.0.0.1",
	  .parse = parse_vnclisten },
	OPT("vncpasswd", vncpasswd),
	STR("keymap", keymap, "en-us"),
	BOOL("nographic", nographic, 0),
	{ .name = "full_screen", .kind = K_BOOL, FIELD(full_screen), .alias = "full-screen" },
	ALIAS("full-screen", "full_screen"),
	BOOL("usb", usb, 0),
	CUSTOM("usbdevice", parse_usbdevice, print_usbdevice),
	CUSTOM("soundhw", parse_soundhw, print_soundhw),
	{ .name = "sb16_port", .kind = K_NUM, FIELD(sb16_port), .def = 0x220, .choices = sb16_ports,
	  .flags = F_HEX },
	{ .name = "sb16_irq", .kind = K_NUM, FIELD(sb16_irq), .def = 5, .choices = sb16_irqs },
	{ .name = "sb16_dma", .kind = K_NUM, FIELD(sb16_dma), .def = 1, .choices = sb16_dmas },
	{ .name = "sb16_hdma", .kind = K_NUM, FIELD(sb16_hdma), .def = 5, .choices = sb16_hdmas },
	{ .name = "audio", .kind = K_CUSTOM, FIELD(audio), .parse = parse_audio },
	OPT("log_dir", log_dir),

	/* xl.cfg(5) / xm keys accepted without effect */
	IGNORED("vif", "networking is not implemented"),
	IGNORED("ne2000", "networking is not implemented"),
	IGNORED("cpus", "vCPU pinning is not implemented"),
	IGNORED("cpus_soft", "vCPU pinning is not implemented"),
	IGNORED("cpu_weight", "scheduler parameters are not implemented"),
	IGNORED("cpu_cap", "scheduler parameters are not implemented"),
	IGNORED("pool", "CPU pools are a Xen feature"),
	IGNORED("maxvcpus", "vCPU hot-plug is not implemented"),
	IGNORED("device_model", "vmstation is its own device model"),
	IGNORED("device_model_version", "vmstation is its own device model"),
	IGNORED("device_model_override", "vmstation is its own device model"),
	IGNORED("device_model_args", "vmstation is its own device model"),
	IGNORED("device_model_args_hvm", "vmstation is its own device model"),
	IGNORED("device_model_stubdomain_override", "vmstation is its own device model"),
	IGNORED("device_model_user", "vmstation is its own device model"),
	IGNORED("viridian", "Hyper-V enlightenments are not implemented"),
	IGNORED("shadow_memory", "a Xen paging option"),
	IGNORED("hap", "a Xen paging option"),
	IGNORED("nestedhvm", "nested virtualization is not offered"),
	IGNORED("timer_mode", "a Xen timer option"),
	IGNORED("tsc_mode", "a Xen timer option"),
	IGNORED("vpt_align", "a Xen timer option"),
	IGNORED("xen_platform_pci", "there is no Xen platform device"),
	IGNORED("pci", "PCI pass-through is not implemented"),
	IGNORED("vtpm", "there is no TPM"),
	IGNORED("vfb", "a Xen PV device"),
	IGNORED("vkb", "a Xen PV device"),
	IGNORED("channel", "a Xen PV device"),
	IGNORED("uuid", "VMs are known by name"),
	IGNORED("on_watchdog", "there is no watchdog device"),
	IGNORED("bootloader", "for Xen PV guests"),
	IGNORED("acpi_s3", "ACPI sleep states are not configurable"),
	IGNORED("acpi_s4", "ACPI sleep states are not configurable"),
	IGNORED("spice", "SPICE is not implemented (use vnc= or sdl=)"),
	IGNORED("usbctrl", "use usb=1 and usbdevice="),
	IGNORED("usbdev", "use usb=1 and usbdevice="),
	IGNORED("seclabel", "Xen security labels"),
	IGNORED("gfx_passthru", "graphics pass-through is not implemented"),
	IGNORED("e820_host", "a Xen memory-map option"),
	IGNORED("rdm", "a Xen memory-map option"),
	IGNORED("mmio_hole", "a Xen memory-map option"),
};

/* ---- public functions ---------------------------------------------------- */

void vmconfig_defaults(struct vm_config *vc)
{
	memset(vc, 0, sizeof(*vc));
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct key *k = &keys[i];
		if (!k->size)
			continue;
		if (k->def_str)
			*field_str(vc, k) = xstrdup(k->def_str);
		else if (k->kind == K_NUM || k->kind == K_BOOL || k->kind == K_ACTION)
			store_num(vc, k, k->def);
	}
	vc->serial[0] = xstrdup("none");
	vc->n_serial = 1;
	vc->log_dir = xasprintf("%s/%s", state_dir(), vc->name);
}

/* foo/bar/winxp.cfg -> "winxp", when that makes a usable name. */
static char *name_from_file(const char *file)
{
	const char *base = strrchr(file, '/');
	char *name = xstrdup(base ? base + 1 : file);
	size_t l = strlen(name);
	if (l > 4 && !strcmp(name + l - 4, ".cfg"))
		name[l - 4] = 0;
	if (!name_ok(name)) {
		free(name);
		return NULL;
	}
	return name;
}

int vmconfig_from_cfg(struct vm_config *vc, struct cfg *cfg)
{
	struct ctx c = { .vc = vc, .cfg = cfg };

	vmconfig_defaults(vc);
	vc->file = xstrdup(cfg->file);
	char *fname = name_from_file(cfg->file);
	if (fname) {
		free(vc->name);
		vc->name = fname;
	}
	free(vc->log_dir);
	vc->log_dir = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct key *k = &keys[i];
		struct cfg_entry *e;
		switch (k->kind) {
		case K_ALIAS:
			break;
		case K_IGNORED:
			if ((e = cfg_lookup(cfg, k->name)))
				vwarn(&c, e, "'%s' accepted but not acted on (%s)", e->key, k->why);
			break;
		case K_CUSTOM:
			k->parse(&c, k, cfg_lookup(cfg, k->name));
			break;
		default:
			if ((e = lookup2(cfg, k->name, k->alias)))
				parse_simple(&c, k, e);
			break;
		}
	}
	if (!vc->log_dir)
		vc->log_dir = xasprintf("%s/%s", state_dir(), vc->name);
	if (vc->ramdisk && !vc->kernel) {
		struct cfg_entry *e = cfg_lookup(cfg, "ramdisk");
		vwarn(&c, e->val, "ramdisk is only used with kernel=");
	}

	for (size_t i = 0; i < cfg->n; i++) {
		struct cfg_entry *e = &cfg->entries[i];
		if (!e->used)
			vwarn(&c, e, "unknown key '%s' ignored", e->key);
	}
	flush_messages(&c);
	if (c.errors) {
		vmconfig_free(vc);
		return -1;
	}
	return 0;
}

int vmconfig_load(struct vm_config *vc, const char *path)
{
	char err[512];
	struct cfg *cfg = cfg_parse_file(path, err, sizeof(err));

	if (!cfg) {
		memset(vc, 0, sizeof(*vc));
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	int rc = vmconfig_from_cfg(vc, cfg);
	cfg_free(cfg);
	return rc;
}

void vmconfig_free(struct vm_config *vc)
{
	char **strs[] = { &vc->file, &vc->name, &vc->firmware, &vc->vgabios, &vc->kernel,
			  &vc->ramdisk, &vc->cmdline, &vc->cpuid, &vc->boot, &vc->debugcon,
			  &vc->monitor_path, &vc->vga, &vc->vnclisten, &vc->vncpasswd, &vc->keymap,
			  &vc->audio, &vc->log_dir, &vc->fd[0].path, &vc->fd[1].path, &vc->irq_assist };
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		free(*strs[i]);
	free_disks(vc);
	for (unsigned i = 0; i < vc->n_serial && i < VM_MAX_SERIAL; i++)
		free(vc->serial[i]);
	for (unsigned i = 0; i < vc->n_usbdevice && i < VM_MAX_USBDEV; i++)
		free(vc->usbdevice[i]);
	for (unsigned i = 0; i < vc->n_soundhw && i < VM_MAX_SOUND; i++)
		free(vc->soundhw[i]);
	memset(vc, 0, sizeof(*vc));
}

/* 'text' with backslash escapes for quotes, backslashes and control characters. */
static void print_quoted(FILE *out, const char *s)
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

void vmconfig_print(const struct vm_config *vc, FILE *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct key *k = &keys[i];
		switch (k->kind) {
		case K_ALIAS:
		case K_IGNORED:
			break;
		case K_NUM:
			fprintf(out, (k->flags & F_HEX) ? "%s = 0x%llx\n" : "%s = %lld\n", k->name,
				load_num(vc, k));
			break;
		case K_BOOL:
			fprintf(out, "%s = %d\n", k->name, load_num(vc, k) != 0);
			break;
		case K_ACTION:
			fprintf(out, "%s = '%s'\n", k->name, action_name((enum vm_action)load_num(vc, k)));
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
			fprintf(out, "%s = ", k->name);
			print_quoted(out, s ? s : "");
			fputc('\n', out);
			break;
		}
		}
	}
}
