/*
 * The keys that describe the machine as a whole: type, name, firmware,
 * direct kernel boot and its command line, CPU features, interrupt assist.
 */
#include "core/vmconfig_priv.h"
#include "core/cpuset.h"

#include "core/cpuid_xend.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int vmc_parse_type(struct ctx *c, const struct key *k, struct cfg_entry *e)
{
	e = vmc_lookup2(c->cfg, k->name, k->alias);
	const char *s = vmc_entry_str(c, e);
	if (s && strcmp(s, "hvm"))
		verr(c, e->val, "%s '%s' is not supported: vmstation runs full PC (HVM) guests only "
			   "(type='hvm')", e->key, s);
	return 0;
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

int vmc_parse_name(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s = vmc_entry_str(c, e);
	if (!s)
		return 0;
	if (!name_ok(s)) {
		verr(c, e->val, "name '%s' is not usable: 1-64 characters, no '/', '\\' or control "
			   "characters, not starting with '.'", s);
		return 0;
	}
	vmc_set_str(&c->vc->name, s);
	return 0;
}

char *vmc_name_from_file(const char *file)
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

static bool is_hvmloader(const char *s)
{
	const char *base = strrchr(s, '/');
	return !strcmp(base ? base + 1 : s, "hvmloader");
}

int vmc_parse_kernel(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s = vmc_entry_str(c, e);
	if (!s)
		return 0;
	if (is_hvmloader(s)) {
		vnote(c, e->val, "kernel='%s' is Xen's HVM firmware loader: vmstation uses its own "
			    "firmware (SeaBIOS, firmware=) and boots from the disks", s);
		s = "";
	}
	vmc_set_str(&c->vc->kernel, *s ? s : NULL);
	return 0;
}

/* extra=, its alias cmdline= (which wins, as in xl) and root= ("root=X extra"). */
int vmc_parse_extra(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *extra)
{
	struct cfg_entry *cmdline = cfg_lookup(c->cfg, "cmdline");
	struct cfg_entry *root = cfg_lookup(c->cfg, "root");
	const char *se = vmc_entry_str(c, extra);
	const char *sr = vmc_entry_str(c, root);
	char *line;

	if (cmdline) {
		const char *s = vmc_entry_str(c, cmdline);
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

/*
 * cpuid='host,feature=0,...' (libxl's string form, applied by core/cpuid.c) or
 * the list form of xend's per-register entries (core/cpuid_xend.c), each
 * checked here so `vmstation check` reports it at its line.
 */
int vmc_parse_cpuid(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	if (!e)
		return 0;
	if (e->val->type != CFG_LIST) {
		const char *s = vmc_get_str(c, e->key, e->val);
		if (s)
			vmc_set_str(&c->vc->cpuid, *s ? s : NULL);
		return 0;
	}
	struct cfg_value **items;
	size_t n;
	if (!vmc_entry_items(c, e, &items, &n))
		return 0;
	if (n > VM_MAX_CPUID) {
		verr(c, items[VM_MAX_CPUID], "cpuid: at most %d entries", VM_MAX_CPUID);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct cpuid_xend x;
		char why[256];
		if (cpuid_xend_parse(items[i]->str, &x, why, sizeof(why)))
			verr(c, items[i], "%s", why);
		else {
			unsigned j = c->vc->n_cpuid_list++;
			c->vc->cpuid_list[j] = xstrdup(items[i]->str);
			c->vc->cpuid_line[j] = items[i]->line;
			c->vc->cpuid_col[j] = items[i]->col;
		}
	}
	return 0;
}

/* At most one CPU list per vCPU slot; an error at the first one too many. */
static bool cpu_lists_fit(struct ctx *c, const char *key, struct cfg_value **items, size_t n)
{
	if (n <= VM_MAX_CPU_LISTS)
		return true;
	verr(c, items[VM_MAX_CPU_LISTS], "%s: at most %d lists (one per vCPU)", key, VM_MAX_CPU_LISTS);
	return false;
}

/* Every list names CPUs this host has; an error at the first that does not. */
static bool cpu_lists_valid(struct ctx *c, const char *key, struct cfg_value **items, size_t n)
{
	unsigned ncpus = cpuset_host_cpus();
	for (size_t i = 0; i < n; i++) {
		cpu_set_t set;
		char why[256];
		if (cpuset_parse(items[i]->str, ncpus, &set, why, sizeof(why)) < 0) {
			verr(c, items[i], "%s: %s", key, why);
			return false;
		}
	}
	return true;
}

/*
 * cpus = "LIST" pins every vCPU thread to LIST; cpus = ["L0", "L1", ...]
 * pins vCPU i to Li and leaves vCPUs past the list unpinned (xl.cfg(5)).
 * Each list is checked against this host's CPUs here, so an impossible set
 * is reported at its line; "" or "all" leaves the threads unpinned.
 */
int vmc_parse_cpus(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	if (!e)
		return 0;
	struct cfg_value **items;
	size_t n;
	if (!vmc_entry_items(c, e, &items, &n) || !cpu_lists_fit(c, "cpus", items, n))
		return 0;
	bool list = e->val->type == CFG_LIST;
	if (list && n > c->vc->vcpus)
		vwarn(c, items[c->vc->vcpus], "cpus: %zu lists for %u vCPU(s): the rest are not used",
		      n, c->vc->vcpus);
	if (!list && (!*items[0]->str || !strcmp(items[0]->str, "all")))
		return 0;
	if (!cpu_lists_valid(c, "cpus", items, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		c->vc->cpus[i] = xstrdup(items[i]->str);
	c->vc->n_cpus = (unsigned)n;
	c->vc->cpus_list = list;
	return 0;
}

/*
 * cpus_soft: xl's soft affinity, a preference Xen's scheduler weighs. The
 * host's scheduler has no such notion, so it is not acted on: a set other
 * than "all" is warned about (and must still be a valid list), and
 * `vmstation check` prints what was given.
 */
int vmc_parse_cpus_soft(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	if (!e)
		return 0;
	struct cfg_value **items;
	size_t n;
	if (!vmc_entry_items(c, e, &items, &n) || !cpu_lists_fit(c, "cpus_soft", items, n))
		return 0;
	bool list = e->val->type == CFG_LIST;
	if (!list && (!*items[0]->str || !strcmp(items[0]->str, "all")))
		return 0;
	if (!cpu_lists_valid(c, "cpus_soft", items, n))
		return 0;
	vwarn(c, e, "'cpus_soft' accepted but not acted on (soft affinity is a hint to Xen's "
	      "scheduler; use cpus= to pin)");
	for (size_t i = 0; i < n; i++)
		c->vc->cpus_soft[i] = xstrdup(items[i]->str);
	c->vc->n_cpus_soft = (unsigned)n;
	c->vc->cpus_soft_list = list;
	return 0;
}

/*
 * viridian = 0 | 1, or xl's list of groups ("base", "freq", "time_ref_count",
 * "apic_assist", "crash_ctl", "stimer", "hcall_remote_tlb_flush", ...,
 * "defaults", "all", "!group"): vmstation offers every enlightenment KVM
 * implements or none, so a list turns them on unless it removes "base".
 */
int vmc_parse_viridian(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	if (!e)
		return 0;
	if (e->val->type != CFG_LIST) {
		long long n;
		if (vmc_get_num(c, e->key, e->val, &n))
			c->vc->viridian = n != 0;
		return 0;
	}
	struct cfg_value **items;
	size_t n;
	if (!vmc_entry_items(c, e, &items, &n))
		return 0;
	bool on = n > 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(items[i]->str, "!base"))
			on = false;
	if (on)
		vnote(c, e->val, "viridian groups: every Hyper-V enlightenment KVM implements is offered");
	c->vc->viridian = on;
	return 0;
}

int vmc_parse_maxmem(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	long long n;
	if (e && vmc_get_num(c, e->key, e->val, &n) && (uint64_t)n != c->vc->memory_mib)
		vwarn(c, e->val, "'maxmem' accepted but not acted on (memory ballooning is not "
			    "implemented: the guest has memory=%llu MiB)",
		      (unsigned long long)c->vc->memory_mib);
	return 0;
}

int vmc_parse_bios(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s = vmc_entry_str(c, e);
	if (s && strcmp(s, "seabios"))
		vnote(c, e->val, "bios='%s' ignored: vmstation always runs SeaBIOS (firmware=%s)", s,
		      c->vc->firmware);
	return 0;
}

int vmc_parse_irq_assist(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s = vmc_entry_str(c, e);
	if (s && strcmp(s, "auto") && strcmp(s, "on") && strcmp(s, "off")) {
		verr(c, e->val, "irq_assist must be 'auto', 'on' or 'off', not '%s'", s);
		return 0;
	}
	vmc_set_str(&c->vc->irq_assist, s ? s : "auto");
	return 0;
}

/* SeaBIOS waits for one key only (etc/boot-menu-key); 1.16 defaults to ESC,
 * older builds and many PCs use F12. */
int vmc_parse_boot_menu_key(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s = vmc_entry_str(c, e);
	if (s && strcasecmp(s, "esc") && strcasecmp(s, "f12")) {
		verr(c, e->val, "boot_menu_key must be 'esc' or 'f12', not '%s'", s);
		return 0;
	}
	vmc_set_str(&c->vc->boot_menu_key, s && !strcasecmp(s, "f12") ? "f12" : "esc");
	return 0;
}
