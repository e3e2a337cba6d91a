/*
 * The pieces every key parser uses: messages kept in file order, typed
 * reads of a cfg value, typed stores into struct vm_config by the key
 * table's offset and size, and the parser of the simple kinds (strings,
 * numbers, booleans, actions).
 */
#include "core/vmconfig_priv.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- messages ----------------------------------------------------------- */

void vmc_report(struct ctx *c, const char *kind, int line, int col, const char *fmt, ...)
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

void vmc_flush_messages(struct ctx *c)
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

/* ---- reading values ----------------------------------------------------- */

static const char *type_name(const struct cfg_value *v)
{
	return v->type == CFG_LIST ? "a list" : v->type == CFG_NUMBER ? "a number" : "a string";
}

bool vmc_get_num(struct ctx *c, const char *key, const struct cfg_value *v, long long *out)
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

const char *vmc_get_str(struct ctx *c, const char *key, const struct cfg_value *v)
{
	if (v->type != CFG_LIST)
		return v->str;
	verr(c, v, "%s: expected a string, not a list", key);
	return NULL;
}

const char *vmc_entry_str(struct ctx *c, const struct cfg_entry *e)
{
	return e ? vmc_get_str(c, e->key, e->val) : NULL;
}

bool vmc_entry_items(struct ctx *c, struct cfg_entry *e, struct cfg_value ***items, size_t *n)
{
	if (!e)
		return false;
	struct cfg_value *v = e->val;
	if (v->type != CFG_LIST) {
		*items = &e->val;
		*n = 1;
		return true;
	}
	for (size_t i = 0; i < v->n; i++) {
		if (v->items[i]->type == CFG_LIST) {
			verr(c, v->items[i], "%s: expected a string, not a list", e->key);
			return false;
		}
	}
	*items = v->items;
	*n = v->n;
	return true;
}

/* The later of a key and its alias (the file's last word wins). */
struct cfg_entry *vmc_lookup2(struct cfg *cfg, const char *a, const char *b)
{
	struct cfg_entry *ea = cfg_lookup(cfg, a), *eb = b ? cfg_lookup(cfg, b) : NULL;
	if (!ea)
		return eb;
	if (!eb)
		return ea;
	return eb > ea ? eb : ea;
}

/* ---- fields of struct vm_config ------------------------------------------ */

char **vmc_field_str(struct vm_config *vc, const struct key *k)
{
	return (char **)((char *)vc + k->off);
}

void vmc_set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

void vmc_free_str_list(char **v, unsigned *n, unsigned max)
{
	for (unsigned i = 0; i < *n && i < max; i++)
		free(v[i]);
	*n = 0;
}

/* Copied bytewise: the table knows a field's size, not its C type. */
void vmc_store_num(void *base, const struct key *k, long long n)
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

long long vmc_load_num(const void *base, const struct key *k)
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

/* A K_NUM value must be one of k->choices (listed in the error when not). */
static bool num_in_choices(struct ctx *c, const struct key *k, struct cfg_entry *e, long long n)
{
	char list[128] = "";
	bool ok = false;
	for (const int *ch = k->choices; *ch >= 0; ch++) {
		ok |= *ch == n;
		size_t l = strlen(list);
		snprintf(list + l, sizeof(list) - l, (k->flags & F_HEX) ? "%s0x%x" : "%s%d",
			 l ? ", " : "", *ch);
	}
	if (!ok)
		verr(c, e->val, "%s must be one of %s (got %s)", e->key, list, e->val->str);
	return ok;
}

void vmc_parse_simple(struct ctx *c, const struct key *k, struct cfg_entry *e)
{
	struct cfg_value *v = e->val;
	struct vm_config *vc = c->vc;
	long long n;
	const char *s;

	switch (k->kind) {
	case K_STR:
	case K_OPTSTR:
		if (!(s = vmc_get_str(c, e->key, v)))
			return;
		if (!*s && k->kind == K_STR) {
			verr(c, v, "%s must not be empty", e->key);
			return;
		}
		vmc_set_str(vmc_field_str(vc, k), *s ? s : NULL);
		break;
	case K_NUM:
		if (!vmc_get_num(c, e->key, v, &n))
			return;
		if (k->choices) {
			if (!num_in_choices(c, k, e, n))
				return;
		} else if (n < k->min || n > k->max) {
			verr(c, v, "%s must be between %lld and %lld (got %lld)", e->key, k->min, k->max, n);
			return;
		}
		vmc_store_num(vc, k, n);
		break;
	case K_BOOL:
		if (!vmc_get_num(c, e->key, v, &n))
			return;
		vmc_store_num(vc, k, n != 0);
		break;
	case K_ACTION:
		if (!(s = vmc_get_str(c, e->key, v)))
			return;
		for (unsigned i = 0; i < ARRAY_SIZE(action_names); i++) {
			if (!strcmp(s, action_names[i])) {
				vmc_store_num(vc, k, i);
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
