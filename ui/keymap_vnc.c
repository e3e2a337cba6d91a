/*
 * VNC keysyms to PC keys through a keyboard layout file (ui/keymaps/<name>,
 * generated from XKB by ui/keymaps/generate.sh).
 *
 * File format, one keysym a line:  0xKEYSYM 0xKEY [shift] [altgr] [# comment]
 * "include NAME" pulls in another file. Keysyms missing from a layout fall
 * back to en-us (so a Latin letter still reaches a Russian guest's key), and
 * modifier keysyms always map to their keys.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/keymap.h"
#include "core/host/input.h"
#include "core/util.h"

struct keymap_entry {
	uint32_t sym;
	uint16_t key;
	uint8_t mods;
};

struct keymap {
	char *name;
	struct keymap_entry *e;
	size_t n, cap;
};

/* Modifier and lock keysyms: the same key on every layout. */
static const struct keymap_entry fixed[] = {
	{ 0xffe1, 0x2A, 0 },   /* Shift_L */
	{ 0xffe2, 0x36, 0 },   /* Shift_R */
	{ 0xffe3, 0x1D, 0 },   /* Control_L */
	{ 0xffe4, 0xE01D, 0 }, /* Control_R */
	{ 0xffe5, 0x3A, 0 },   /* Caps_Lock */
	{ 0xffe7, 0xE05B, 0 }, /* Meta_L */
	{ 0xffe8, 0xE05C, 0 }, /* Meta_R */
	{ 0xffe9, 0x38, 0 },   /* Alt_L */
	{ 0xffea, 0xE038, 0 }, /* Alt_R */
	{ 0xffeb, 0xE05B, 0 }, /* Super_L */
	{ 0xffec, 0xE05C, 0 }, /* Super_R */
	{ 0xfe03, 0xE038, 0 }, /* ISO_Level3_Shift (AltGr) */
	{ 0xff7e, 0xE038, 0 }, /* Mode_switch */
	{ 0xff7f, 0x45, 0 },   /* Num_Lock */
	{ 0xff14, 0x46, 0 },   /* Scroll_Lock */
	{ 0xff67, 0xE05D, 0 }, /* Menu */
	{ 0xff13, INPUT_KEY_PAUSE, 0 }, /* Pause */
	{ 0xff6b, INPUT_KEY_PAUSE, 0 }, /* Break */
	{ 0xff61, 0xE037, 0 }, /* Print */
	{ 0xff15, 0x54, 0 },   /* Sys_Req */
};

static int cmp_entry(const void *a, const void *b)
{
	const struct keymap_entry *x = a, *y = b;
	return x->sym < y->sym ? -1 : x->sym > y->sym;
}

static const struct keymap_entry *find(const struct keymap *km, uint32_t sym)
{
	struct keymap_entry k = { .sym = sym };
	return bsearch(&k, km->e, km->n, sizeof(k), cmp_entry);
}

static void add(struct keymap *km, uint32_t sym, unsigned key, unsigned mods)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->e[i].sym == sym)
			return;   /* first definition wins */
	if (km->n == km->cap) {
		km->cap = km->cap ? km->cap * 2 : 256;
		km->e = xrealloc(km->e, km->cap * sizeof(*km->e));
	}
	km->e[km->n++] = (struct keymap_entry){ sym, key, mods };
}

static const char *search_dir(char *buf, size_t len)
{
	const char *env = getenv("VMSTATION_KEYMAPS");
	if (env && *env)
		return env;
	char exe[PATH_MAX - 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			snprintf(buf, len, "%s/ui/keymaps", exe);
			if (access(buf, R_OK) == 0)
				return buf;
		}
	}
	return "/usr/share/vmstation/keymaps";
}

static bool valid_name(const char *name)
{
	if (!*name || strlen(name) > 32)
		return false;
	for (const char *p = name; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && *p != '-' && *p != '_')
			return false;
	return true;
}

static int parse_into(struct keymap *km, const char *name, const char *text,
		      const char *dir, int depth, char *err, size_t errlen);

static int include_file(struct keymap *km, const char *name, const char *dir, int depth,
			char *err, size_t errlen)
{
	if (!valid_name(name)) {
		snprintf(err, errlen, "keymap name '%s' is not valid (e.g. en-us, de, fr)", name);
		return -1;
	}
	if (!dir || depth > 4) {
		snprintf(err, errlen, "keymap '%s': cannot include here", name);
		return -1;
	}
	char *path = xasprintf("%s/%s", dir, name);
	size_t len;
	char *text = read_file(path, &len);
	if (!text) {
		snprintf(err, errlen, "keymap '%s' not found (%s: %s)", name, path, strerror(errno));
		free(path);
		return -1;
	}
	char *t = xmalloc(len + 1);
	memcpy(t, text, len);
	t[len] = 0;
	free(text);
	int rc = parse_into(km, path, t, dir, depth + 1, err, errlen);
	free(t);
	free(path);
	return rc;
}

static int parse_into(struct keymap *km, const char *name, const char *text,
		      const char *dir, int depth, char *err, size_t errlen)
{
	int lineno = 0;
	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) : strlen(p);
		char line[256];
		lineno++;
		if (l >= sizeof(line))
			l = sizeof(line) - 1;
		memcpy(line, p, l);
		line[l] = 0;
		p = eol ? eol + 1 : p + strlen(p);
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *tok[4], *save = NULL;
		int nt = 0;
		for (char *t = strtok_r(line, " \t\r", &save); t && nt < 4; t = strtok_r(NULL, " \t\r", &save))
			tok[nt++] = t;
		if (!nt)
			continue;
		if (!strcmp(tok[0], "include") && nt == 2) {
			if (include_file(km, tok[1], dir, depth, err, errlen) < 0)
				return -1;
			continue;
		}
		char *end1, *end2;
		unsigned long sym = strtoul(tok[0], &end1, 0);
		unsigned long key = nt > 1 ? strtoul(tok[1], &end2, 0) : 0;
		unsigned mods = 0;
		bool ok = nt >= 2 && !*end1 && !*end2 && sym <= 0x1FFFFFFF && key && key < INPUT_KEY_MAX;
		for (int i = 2; ok && i < nt; i++) {
			if (!strcmp(tok[i], "shift"))
				mods |= KEYMAP_MOD_SHIFT;
			else if (!strcmp(tok[i], "altgr"))
				mods |= KEYMAP_MOD_ALTGR;
			else
				ok = false;
		}
		if (!ok) {
			snprintf(err, errlen, "%s:%d: expected 'KEYSYM KEY [shift] [altgr]'", name, lineno);
			return -1;
		}
		add(km, sym, key, mods);
	}
	return 0;
}

static void add_fixed(struct keymap *km)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		add(km, fixed[i].sym, fixed[i].key, fixed[i].mods);
}

static struct keymap *finish(struct keymap *km, const char *dir, char *err, size_t errlen)
{
	if (strcmp(km->name, "en-us") && dir) {
		char e2[256];
		if (include_file(km, "en-us", dir, 0, e2, sizeof(e2)) < 0) {
			snprintf(err, errlen, "%s", e2);
			keymap_free(km);
			return NULL;
		}
	}
	qsort(km->e, km->n, sizeof(*km->e), cmp_entry);
	return km;
}

struct keymap *keymap_parse(const char *name, const char *text, const char *dir,
			    char *err, size_t errlen)
{
	struct keymap *km = xzalloc(sizeof(*km));
	km->name = xstrdup(name);
	add_fixed(km);
	if (parse_into(km, name, text, dir, 0, err, errlen) < 0) {
		keymap_free(km);
		return NULL;
	}
	return finish(km, dir, err, errlen);
}

struct keymap *keymap_load(const char *name, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	if (!name || !*name)
		name = "en-us";
	const char *dir = search_dir(buf, sizeof(buf));
	struct keymap *km = xzalloc(sizeof(*km));
	km->name = xstrdup(name);
	add_fixed(km);
	if (include_file(km, name, dir, 0, err, errlen) < 0) {
		keymap_free(km);
		return NULL;
	}
	return finish(km, dir, err, errlen);
}

void keymap_free(struct keymap *km)
{
	if (!km)
		return;
	free(km->name);
	free(km->e);
	free(km);
}

unsigned keymap_lookup(const struct keymap *km, uint32_t keysym, unsigned *mods)
{
	const struct keymap_entry *e = km ? find(km, keysym) : NULL;
	if (!e) {
		for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
			if (fixed[i].sym == keysym)
				e = &fixed[i];
	}
	if (!e)
		return 0;
	if (mods)
		*mods = e->mods;
	return e->key;
}

/* ---- one client's keyboard -------------------------------------------- */

void keymap_client_init(struct keymap_client *c, const struct keymap *km)
{
	memset(c, 0, sizeof(*c));
	c->km = km;
}

/* Letters whose case follows Caps Lock (Latin-1, Latin-2..4 lowercase ranges, Cyrillic, Greek). */
static bool cased(uint32_t s)
{
	return (s >= 'A' && s <= 'Z') || (s >= 'a' && s <= 'z') ||
	       (s >= 0xC0 && s <= 0xFE && s != 0xD7 && s != 0xF7 && s != 0xDF) ||
	       (s >= 0x1A1 && s <= 0x3FE) || (s >= 0x6C0 && s <= 0x6FF) ||
	       (s >= 0x7C1 && s <= 0x7F9);
}

static void remember(struct keymap_client *c, uint32_t sym, unsigned key)
{
	for (unsigned i = 0; i < c->n_pressed; i++)
		if (c->pressed_sym[i] == sym) {
			c->pressed[i] = key;
			return;
		}
	if (c->n_pressed < ARRAY_SIZE(c->pressed)) {
		c->pressed_sym[c->n_pressed] = sym;
		c->pressed[c->n_pressed++] = key;
	}
}

/* The key this keysym pressed (and forget it); 0 if unknown. */
static unsigned forget(struct keymap_client *c, uint32_t sym)
{
	for (unsigned i = 0; i < c->n_pressed; i++)
		if (c->pressed_sym[i] == sym) {
			unsigned key = c->pressed[i];
			c->n_pressed--;
			c->pressed_sym[i] = c->pressed_sym[c->n_pressed];
			c->pressed[i] = c->pressed[c->n_pressed];
			return key;
		}
	return 0;
}

static void track_modifier(struct keymap_client *c, unsigned key, bool down)
{
	if (key == 0x2A) c->shift_l = down;
	if (key == 0x36) c->shift_r = down;
	if (key == (INPUT_KEY_E0 | 0x38)) c->altgr = down;
	c->mods = (c->shift_l || c->shift_r ? KEYMAP_MOD_SHIFT : 0) |
		  (c->altgr ? KEYMAP_MOD_ALTGR : 0);
}

static bool is_modifier_key(unsigned key)
{
	return key == 0x2A || key == 0x36 || key == 0x1D || key == (INPUT_KEY_E0 | 0x1D) ||
	       key == 0x38 || key == (INPUT_KEY_E0 | 0x38) || key == (INPUT_KEY_E0 | 0x5B) ||
	       key == (INPUT_KEY_E0 | 0x5C);
}

/* Press or release shift/altgr so the guest sees `want` while a key goes down. */
static void set_mods(struct keymap_client *c, struct vm *vm, unsigned have, unsigned want)
{
	if ((have ^ want) & KEYMAP_MOD_SHIFT) {
		if (want & KEYMAP_MOD_SHIFT) {
			input_key(vm, 0x2A, true);
		} else {
			if (c->shift_l) input_key(vm, 0x2A, false);
			if (c->shift_r) input_key(vm, 0x36, false);
		}
	}
	if ((have ^ want) & KEYMAP_MOD_ALTGR)
		input_key(vm, INPUT_KEY_E0 | 0x38, want & KEYMAP_MOD_ALTGR);
}

static void restore_mods(struct keymap_client *c, struct vm *vm, unsigned have, unsigned want)
{
	if ((have ^ want) & KEYMAP_MOD_ALTGR)
		input_key(vm, INPUT_KEY_E0 | 0x38, have & KEYMAP_MOD_ALTGR);
	if ((have ^ want) & KEYMAP_MOD_SHIFT) {
		if (want & KEYMAP_MOD_SHIFT) {
			input_key(vm, 0x2A, false);
		} else {
			if (c->shift_l) input_key(vm, 0x2A, true);
			if (c->shift_r) input_key(vm, 0x36, true);
		}
	}
}

void keymap_client_keysym(struct keymap_client *c, struct vm *vm, uint32_t keysym, bool down)
{
	if (!down) {
		unsigned key = forget(c, keysym);
		if (!key)
			key = keymap_lookup(c->km, keysym, NULL);
		if (key) {
			input_key(vm, key, false);
			track_modifier(c, key, false);
		}
		return;
	}
	unsigned need = 0;
	unsigned key = keymap_lookup(c->km, keysym, &need);
	if (!key)
		return;
	remember(c, keysym, key);
	if (is_modifier_key(key) || key == 0x3A || key == 0x45 || key == 0x46 ||
	    (key & 0xFF00) == INPUT_KEY_E0 || key == INPUT_KEY_PAUSE ||
	    (key >= 0x47 && key <= 0x53) || key == 0x37) {
		/* modifiers, locks, keypad and extended keys go through as they are */
		input_key(vm, key, true);
		track_modifier(c, key, true);
		return;
	}
	/* With Caps Lock on in the guest, a letter's shift is inverted. */
	if (cased(keysym) && (input_leds(vm) & INPUT_LED_CAPS))
		need ^= KEYMAP_MOD_SHIFT;
	unsigned have = c->mods;
	set_mods(c, vm, have, need);
	input_key(vm, key, true);
	restore_mods(c, vm, have, need);
}

void keymap_client_qnum(struct keymap_client *c, struct vm *vm, uint32_t qnum, bool down)
{
	unsigned key = input_key_from_qnum(qnum);
	if (!key)
		return;
	uint32_t tag = 0x80000000u | qnum;   /* not a real keysym */
	if (down)
		remember(c, tag, key);
	else
		forget(c, tag);
	input_key(vm, key, down);
	track_modifier(c, key, down);
}

void keymap_client_release(struct keymap_client *c, struct vm *vm)
{
	while (c->n_pressed) {
		unsigned key = c->pressed[--c->n_pressed];
		input_key(vm, key, false);
	}
	c->shift_l = c->shift_r = c->altgr = false;
	c->mods = 0;
}
