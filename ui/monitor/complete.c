/*
 * Completion for the terminal (readline) and the panel: given a line and
 * the cursor position, the candidates for the word under the cursor.
 *   word 0              command names and aliases
 *   help WORD           command names
 *   info WORD           info items; further words as the item says
 *   other commands      by the letter for that position in monitor_cmd.complete:
 *                       d device, f file name, k key names (sendkey), o on|off, others
 *                       registered by command files
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/block.h"
#include "ui/monitor/monitor.h"
#include "core/util.h"
#include "core/vm.h"

struct monitor_cands {
	char **v;
	size_t n, cap;
	const char *prefix;
};

void monitor_cands_add(struct monitor_cands *c, const char *cand)
{
	if (strncmp(cand, c->prefix, strlen(c->prefix)))
		return;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], cand))
			return;
	if (c->n + 2 > c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = xstrdup(cand);
	c->v[c->n] = NULL;
}

/* Each '|'-separated name of a command. */
static void add_names(struct monitor_cands *c, const char *names)
{
	char buf[64];
	const char *p = names;
	for (;;) {
		size_t l = strcspn(p, "|");
		if (l < sizeof(buf)) {
			memcpy(buf, p, l);
			buf[l] = 0;
			monitor_cands_add(c, buf);
		}
		if (!p[l])
			break;
		p += l + 1;
	}
}

static void complete_cmds(struct monitor_cands *c, bool info)
{
	const struct monitor_cmd *list[256];
	size_t n = monitor_list(list, 256, info);
	for (size_t i = 0; i < n; i++)
		add_names(c, list[i]->name);
}

static void complete_devices(struct vm *vm, const char *prefix, struct monitor_cands *c)
{
	(void)prefix;
	for (unsigned i = 0; vm && i < vm->n_blocks && i < VM_MAX_BLOCK; i++) {
		monitor_cands_add(c, vm->blocks[i]->qname);
		monitor_cands_add(c, vm->blocks[i]->cname);
	}
}

static void complete_files(struct vm *vm, const char *prefix, struct monitor_cands *c)
{
	(void)vm;
	const char *slash = strrchr(prefix, '/');
	char *dir = slash ? strndup(prefix, (size_t)(slash - prefix) + 1) : xstrdup("");
	const char *base = slash ? slash + 1 : prefix;
	DIR *d = opendir(*dir ? dir : ".");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (e->d_name[0] == '.' && base[0] != '.')
				continue;  /* hidden files only when asked for */
			if (strncmp(e->d_name, base, strlen(base)))
				continue;
			char *full = xasprintf("%s%s", dir, e->d_name);
			struct stat st;
			bool isdir = stat(*full ? full : ".", &st) == 0 && S_ISDIR(st.st_mode);
			char *cand = xasprintf("%s%s", full, isdir ? "/" : "");
			monitor_cands_add(c, cand);
			free(cand);
			free(full);
		}
		closedir(d);
	}
	free(dir);
}

static void complete_arg(struct vm *vm, const struct monitor_cmd *cmd, int pos,
			 struct monitor_cands *c)
{
	if (!cmd->complete || pos < 0 || pos >= (int)strlen(cmd->complete))
		return;
	char letter = cmd->complete[pos];
	if (letter == 'c') {
		complete_cmds(c, false);
		return;
	}
	if (letter == 'i') {
		complete_cmds(c, true);
		return;
	}
	if (letter == 'd') {
		complete_devices(vm, c->prefix, c);
	} else if (letter == 'f') {
		complete_files(vm, c->prefix, c);
	} else if (letter == 'o') {
		monitor_cands_add(c, "on");
		monitor_cands_add(c, "off");
	} else {
		monitor_completer_fn fn = monitor_completer(letter);
		if (fn)
			fn(vm, c->prefix, c);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **monitor_complete(struct vm *vm, const char *line, int point)
{
	size_t len = strlen(line);
	if (point < 0 || (size_t)point > len)
		point = (int)len;

	/* Words before the cursor; the last one (maybe empty) is being completed. */
	char *words[MONITOR_MAX_ARGS + 1];
	int nw = 0;
	char *copy = strndup(line, (size_t)point);
	char *p = copy;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (nw == MONITOR_MAX_ARGS) {
			free(copy);
			return NULL;
		}
		words[nw++] = p;
		p += strcspn(p, " \t");
		if (!*p)
			break;
		*p++ = '\0';
	}
	bool at_new_word = point == 0 || line[point - 1] == ' ' || line[point - 1] == '\t';
	const char *cur = at_new_word ? "" : words[nw - 1];
	int idx = at_new_word ? nw : nw - 1;     /* index of the word being completed */

	struct monitor_cands c = { .prefix = cur };
	if (idx == 0) {
		complete_cmds(&c, false);
	} else {
		const struct monitor_cmd *cmd = monitor_find(words[0], false);
		if (cmd && !strcmp(words[0], "info") && idx >= 2) {
			const struct monitor_cmd *ic = monitor_find(words[1], true);
			if (ic)
				complete_arg(vm, ic, idx - 2, &c);
		} else if (cmd) {
			complete_arg(vm, cmd, idx - 1, &c);
		}
	}
	free(copy);
	if (!c.n)
		return NULL;
	qsort(c.v, c.n, sizeof(*c.v), cmp_str);
	return c.v;
}

void monitor_free_completions(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}
