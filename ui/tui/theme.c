/*
 * Panel themes: parsing themes/NAME.theme and resolving each element for the
 * terminal's colour depth. No curses here (see theme.h); panel.c turns the
 * resolved entries into colour pairs.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/tui/theme.h"
#include "core/util.h"

static const char *const elem_names[TE_COUNT] = {
	[TE_NORMAL] = "normal",
	[TE_TITLE] = "title",
	[TE_MENU] = "menu",
	[TE_MENU_KEY] = "menu.key",
	[TE_MENU_SELECTED] = "menu.selected",
	[TE_BORDER] = "border",
	[TE_PANE_TITLE] = "pane.title",
	[TE_LIST_HEADER] = "list.header",
	[TE_LIST_ROW] = "list.row",
	[TE_LIST_SELECTED] = "list.selected",
	[TE_STATE_STOPPED] = "state.stopped",
	[TE_STATE_STARTING] = "state.starting",
	[TE_STATE_RUNNING] = "state.running",
	[TE_STATE_PAUSED] = "state.paused",
	[TE_STATE_CRASHED] = "state.crashed",
	[TE_LABEL] = "label",
	[TE_VALUE] = "value",
	[TE_SERIAL] = "serial",
	[TE_SCREEN] = "screen",
	[TE_MONITOR] = "monitor",
	[TE_INPUT] = "input",
	[TE_STATUS] = "status",
	[TE_ERROR] = "error",
	[TE_DIALOG] = "dialog",
	[TE_DIALOG_TITLE] = "dialog.title",
	[TE_BUTTON] = "button",
	[TE_BUTTON_SELECTED] = "button.selected",
	[TE_PROGRESS] = "progress",
	[TE_BROWSER_DIR] = "browser.dir",
	[TE_BROWSER_FILE] = "browser.file",
};

const char *theme_elem_name(enum theme_elem e)
{
	return (unsigned)e < TE_COUNT ? elem_names[e] : "?";
}

int theme_elem_from_name(const char *name)
{
	for (int i = 0; i < TE_COUNT; i++)
		if (!strcmp(elem_names[i], name))
			return i;
	return -1;
}

/* --- the built-in default (keep in step with themes/default.theme) ------- */

#define D THEME_DEFAULT_COLOUR
static const struct theme_entry builtin[TE_COUNT] = {
	[TE_NORMAL] = { D, D, 0, true },
	[TE_TITLE] = { 15, 4, THEME_BOLD, true },
	[TE_MENU] = { 0, 6, 0, true },
	[TE_MENU_KEY] = { 15, 6, THEME_BOLD, true },
	[TE_MENU_SELECTED] = { 15, 0, THEME_BOLD, true },
	[TE_BORDER] = { 4, D, 0, true },
	[TE_PANE_TITLE] = { 6, D, THEME_BOLD, true },
	[TE_LIST_HEADER] = { 3, D, THEME_BOLD, true },
	[TE_LIST_ROW] = { D, D, 0, true },
	[TE_LIST_SELECTED] = { 0, 6, 0, true },
	[TE_STATE_STOPPED] = { 8, D, 0, true },
	[TE_STATE_STARTING] = { 3, D, THEME_BOLD, true },
	[TE_STATE_RUNNING] = { 2, D, THEME_BOLD, true },
	[TE_STATE_PAUSED] = { 3, D, 0, true },
	[TE_STATE_CRASHED] = { 9, D, THEME_BOLD, true },
	[TE_LABEL] = { 6, D, 0, true },
	[TE_VALUE] = { D, D, 0, true },
	[TE_SERIAL] = { 7, D, 0, true },
	[TE_SCREEN] = { 7, D, 0, true },
	[TE_MONITOR] = { 7, D, 0, true },
	[TE_INPUT] = { 15, D, THEME_BOLD, true },
	[TE_STATUS] = { 0, 7, 0, true },
	[TE_ERROR] = { 15, 1, THEME_BOLD, true },
	[TE_DIALOG] = { 0, 7, 0, true },
	[TE_DIALOG_TITLE] = { 4, 7, THEME_BOLD, true },
	[TE_BUTTON] = { 0, 7, 0, true },
	[TE_BUTTON_SELECTED] = { 15, 4, THEME_BOLD, true },
	[TE_PROGRESS] = { 15, 2, 0, true },
	[TE_BROWSER_DIR] = { 4, 7, THEME_BOLD, true },
	[TE_BROWSER_FILE] = { 0, 7, 0, true },
};
#undef D

void theme_builtin_default(struct theme *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "default");
	memcpy(t->e, builtin, sizeof(builtin));
	for (int i = 0; i < TE_COUNT; i++)
		t->e[i].set = false;
}

unsigned theme_count_set(const struct theme *t)
{
	unsigned n = 0;
	for (int i = 0; i < TE_COUNT; i++)
		n += t->e[i].set;
	return n;
}

/* --- colours -------------------------------------------------------------- */

static const char *const basic_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};

/* xterm's default RGB for colour c (0-255). */
static void xterm_rgb(int c, int rgb[3])
{
	static const unsigned char sys[16][3] = {
		{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
		{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 }, { 229, 229, 229 },
		{ 127, 127, 127 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
		{ 92, 92, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
	};
	static const int level[6] = { 0, 95, 135, 175, 215, 255 };
	if (c < 16) {
		for (int i = 0; i < 3; i++)
			rgb[i] = sys[c][i];
	} else if (c < 232) {
		c -= 16;
		rgb[0] = level[c / 36];
		rgb[1] = level[(c / 6) % 6];
		rgb[2] = level[c % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
	}
}

static int dist2(const int a[3], const int b[3])
{
	int d = 0;
	for (int i = 0; i < 3; i++)
		d += (a[i] - b[i]) * (a[i] - b[i]);
	return d;
}

int theme_colour_to_8(int colour, bool *bright)
{
	*bright = false;
	if (colour < 0)
		return colour;
	if (colour < 8)
		return colour;
	if (colour < 16) {
		*bright = true;
		return colour - 8;
	}
	int rgb[3], best = 0, best_d = -1;
	xterm_rgb(colour, rgb);
	for (int i = 0; i < 16; i++) {
		int p[3];
		xterm_rgb(i, p);
		int d = dist2(rgb, p);
		if (best_d < 0 || d < best_d) {
			best_d = d;
			best = i;
		}
	}
	*bright = best >= 8;
	return best & 7;
}

/* Nearest colour of the cube and grey ramp (16-255) to an RGB value. */
static int nearest_256(const int rgb[3])
{
	int best = 16, best_d = -1;
	for (int c = 16; c < 256; c++) {
		int p[3];
		xterm_rgb(c, p);
		int d = dist2(rgb, p);
		if (best_d < 0 || d < best_d) {
			best_d = d;
			best = c;
		}
	}
	return best;
}

int theme_parse_colour(const char *w, int *colour)
{
	if (!strcmp(w, "default")) {
		*colour = THEME_DEFAULT_COLOUR;
		return 0;
	}
	for (int i = 0; i < 8; i++) {
		if (!strcmp(w, basic_names[i])) {
			*colour = i;
			return 0;
		}
		if (!strncmp(w, "bright-", 7) && !strcmp(w + 7, basic_names[i])) {
			*colour = i + 8;
			return 0;
		}
	}
	if (!strcmp(w, "grey") || !strcmp(w, "gray")) {
		*colour = 8;
		return 0;
	}
	const char *num = !strncmp(w, "color", 5) ? w + 5 : !strncmp(w, "colour", 6) ? w + 6 : w;
	if (isdigit((unsigned char)*num)) {
		char *end;
		long v = strtol(num, &end, 10);
		if (*end || v < 0 || v > 255)
			return -1;
		*colour = (int)v;
		return 0;
	}
	if (w[0] == '#' && strlen(w) == 7 && strspn(w + 1, "0123456789abcdefABCDEF") == 6) {
		unsigned long v = strtoul(w + 1, NULL, 16);
		int rgb[3] = { (int)(v >> 16) & 255, (int)(v >> 8) & 255, (int)v & 255 };
		*colour = nearest_256(rgb);
		return 0;
	}
	return -1;
}

static int parse_attr(const char *w, unsigned *attrs)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "bold", THEME_BOLD }, { "dim", THEME_DIM }, { "underline", THEME_UNDERLINE },
		{ "reverse", THEME_REVERSE }, { "standout", THEME_STANDOUT },
		{ "blink", THEME_BLINK }, { "italic", THEME_ITALIC }, { "normal", 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(w, names[i].name)) {
			*attrs |= names[i].bit;
			return 0;
		}
	return -1;
}

/* --- parsing ----------------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
	PRINTF(5, 6);
static void set_err(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
{
	int n = snprintf(err, errlen, "%s:%d: ", name, line);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/*
 * Where a comment starts in a line, or NULL: a '#' before the '=' or one that
 * does not begin an #rrggbb colour word.
 */
static char *comment_start(char *s)
{
	char *eq = strchr(s, '=');
	for (char *h = strchr(s, '#'); h; h = strchr(h + 1, '#')) {
		if (!eq || h < eq)
			return h;
		bool word_start = h[-1] == ' ' || h[-1] == '\t' || h[-1] == '=' || h[-1] == ',';
		bool colour = word_start && strspn(h + 1, "0123456789abcdefABCDEF") == 6 &&
			      (h[7] == 0 || strchr(" \t,\r", h[7]));
		if (!colour)
			return h;
	}
	return NULL;
}

/* One "element = spec" line (NUL-terminated, comment removed). */
static int parse_line(struct theme *t, char *s, const char *name, int line, char *err,
		      size_t errlen)
{
	char *eq = strchr(s, '=');
	if (!eq) {
		set_err(err, errlen, name, line, "expected 'element = colours and attributes'");
		return -1;
	}
	*eq = 0;
	char *key = s + strspn(s, " \t");
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	char *kend = key + strlen(key);
	while (kend > key && (kend[-1] == ' ' || kend[-1] == '\t'))
		*--kend = 0;
	int e = theme_elem_from_name(key);
	if (e < 0) {
		set_err(err, errlen, name, line, "unknown element '%s'", key);
		return -1;
	}
	struct theme_entry ent = { THEME_DEFAULT_COLOUR, THEME_DEFAULT_COLOUR, 0, true };
	int ncol = 0;
	bool want_bg = false, any = false;
	char *save = NULL;
	for (char *w = strtok_r(eq + 1, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		for (char *p = w; *p; p++)
			if (*p != '#')
				*p = (char)tolower((unsigned char)*p);
		any = true;
		int c;
		if (!strcmp(w, "on")) {
			if (want_bg || ncol > 1) {
				set_err(err, errlen, name, line, "'on' must come once, between two colours");
				return -1;
			}
			want_bg = true;
			continue;
		}
		if (theme_parse_colour(w, &c) == 0) {
			if (want_bg) {
				ent.bg = c;
				want_bg = false;
				ncol = 2;
			} else if (ncol == 0) {
				ent.fg = c;
				ncol = 1;
			} else {
				set_err(err, errlen, name, line,
					"too many colours: write 'FG on BG' (got '%s')", w);
				return -1;
			}
			continue;
		}
		if (want_bg) {
			set_err(err, errlen, name, line, "unknown colour '%s' after 'on'", w);
			return -1;
		}
		if (parse_attr(w, &ent.attrs) < 0) {
			set_err(err, errlen, name, line,
				"unknown colour or attribute '%s' (colours: default, black, red, "
				"green, yellow, blue, magenta, cyan, white, bright-NAME, colorN, "
				"#rrggbb; attributes: bold, dim, underline, reverse, standout, "
				"blink, italic)", w);
			return -1;
		}
	}
	if (want_bg) {
		set_err(err, errlen, name, line, "a colour is missing after 'on'");
		return -1;
	}
	if (!any) {
		set_err(err, errlen, name, line, "no colours or attributes for '%s'", key);
		return -1;
	}
	if (t->e[e].set) {
		set_err(err, errlen, name, line, "'%s' is given twice", key);
		return -1;
	}
	t->e[e] = ent;
	return 0;
}

int theme_parse(struct theme *t, const char *name, const char *text, size_t len,
		char *err, size_t errlen)
{
	theme_builtin_default(t);
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	size_t bl = strcspn(base, ".");
	snprintf(t->name, sizeof(t->name), "%.*s", (int)MIN(bl, sizeof(t->name) - 1), base);

	int line = 0;
	size_t pos = 0;
	char buf[512];
	while (pos < len) {
		line++;
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		size_t n = end - pos;
		if (n >= sizeof(buf)) {
			set_err(err, errlen, name, line, "line too long");
			theme_builtin_default(t);
			return -1;
		}
		memcpy(buf, text + pos, n);
		buf[n] = 0;
		pos = end + 1;
		if (memchr(buf, 0, n)) {
			set_err(err, errlen, name, line, "NUL byte in the file");
			theme_builtin_default(t);
			return -1;
		}
		char *hash = comment_start(buf);
		if (hash)
			*hash = 0;
		char *p = buf + strspn(buf, " \t\r");
		size_t l = strlen(p);
		while (l && (p[l - 1] == ' ' || p[l - 1] == '\t' || p[l - 1] == '\r'))
			p[--l] = 0;
		if (!*p)
			continue;
		if (parse_line(t, p, name, line, err, errlen) < 0) {
			theme_builtin_default(t);
			return -1;
		}
	}
	/* elements the file left out keep the built-in default's look */
	return 0;
}

int theme_load_file(struct theme *t, const char *path, char *err, size_t errlen)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		theme_builtin_default(t);
		return -1;
	}
	int r = theme_parse(t, path, text, len, err, errlen);
	free(text);
	return r;
}

/* --- resolving for a terminal ------------------------------------------ */

/* Elements that must stand out on a monochrome terminal. */
static unsigned mono_attrs(enum theme_elem e)
{
	switch (e) {
	case TE_TITLE: case TE_MENU_SELECTED: case TE_LIST_SELECTED: case TE_STATUS:
	case TE_BUTTON_SELECTED: case TE_PROGRESS: case TE_ERROR:
		return THEME_REVERSE;
	case TE_MENU: case TE_DIALOG: case TE_BUTTON: case TE_BROWSER_FILE:
		return 0;
	case TE_MENU_KEY: case TE_PANE_TITLE: case TE_LIST_HEADER: case TE_DIALOG_TITLE:
	case TE_STATE_RUNNING: case TE_STATE_CRASHED: case TE_INPUT: case TE_BROWSER_DIR:
		return THEME_BOLD;
	case TE_STATE_STOPPED:
		return THEME_DIM;
	default:
		return 0;
	}
}

void theme_resolve(const struct theme *t, enum theme_elem e, int ncolours,
		   int *fg, int *bg, unsigned *attrs)
{
	const struct theme_entry *en = &t->e[e];
	*attrs = en->attrs;
	if (ncolours < 8) {
		*fg = *bg = THEME_DEFAULT_COLOUR;
		*attrs = (en->attrs & ~THEME_REVERSE) | mono_attrs(e);
		/* a theme that selects by reverse keeps it */
		if (en->attrs & THEME_REVERSE)
			*attrs |= THEME_REVERSE;
		return;
	}
	*fg = en->fg;
	*bg = en->bg;
	if (ncolours >= 256)
		return;
	bool bright;
	if (ncolours >= 16) {
		if (*fg >= 16)
			*fg = theme_colour_to_8(*fg, &bright) + (bright ? 8 : 0);
		if (*bg >= 16)
			*bg = theme_colour_to_8(*bg, &bright) + (bright ? 8 : 0);
		return;
	}
	*fg = theme_colour_to_8(*fg, &bright);
	if (bright)
		*attrs |= THEME_BOLD;
	*bg = theme_colour_to_8(*bg, &bright);
	/* same colour on same colour would hide the text: keep it readable */
	if (*fg >= 0 && *fg == *bg)
		*fg = *bg == 0 ? 7 : 0;
}

/* --- finding themes ------------------------------------------------------ */

char *theme_find(const char *name, const char *const *dirs, size_t n_dirs)
{
	if (!name || !*name)
		return NULL;
	if (strchr(name, '/')) {
		FILE *f = fopen(name, "r");
		if (!f)
			return NULL;
		fclose(f);
		return xstrdup(name);
	}
	for (size_t i = 0; i < n_dirs; i++) {
		if (!dirs[i])
			continue;
		char *p = xasprintf("%s/%s.theme", dirs[i], name);
		FILE *f = fopen(p, "r");
		if (f) {
			fclose(f);
			return p;
		}
		free(p);
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t theme_list(const char *const *dirs, size_t n_dirs, char ***names)
{
	char **v = NULL;
	size_t n = 0;
	for (size_t i = 0; i < n_dirs; i++) {
		DIR *d = dirs[i] ? opendir(dirs[i]) : NULL;
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);
			if (l <= 6 || strcmp(de->d_name + l - 6, ".theme") || de->d_name[0] == '.')
				continue;
			char *nm = xasprintf("%.*s", (int)(l - 6), de->d_name);
			bool dup = false;
			for (size_t j = 0; j < n && !dup; j++)
				dup = !strcmp(v[j], nm);
			if (dup) {
				free(nm);
				continue;
			}
			v = xrealloc(v, (n + 1) * sizeof(*v));
			v[n++] = nm;
		}
		closedir(d);
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*names = v;
	return n;
}

void theme_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
