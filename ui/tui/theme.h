/*
 * Panel themes: colours and attributes for every element of the manager
 * panel, read from themes/NAME.theme.
 *
 * File syntax, one element per line ('#' starts a comment):
 *     element = FG [on BG] [ATTR ...]
 *     element = ATTR ...
 * Colours: default, black, red, green, yellow, blue, magenta, cyan, white,
 * bright-black (grey) ... bright-white, colorN / N (0-255 of the xterm
 * palette) or #rrggbb (the nearest xterm colour). Attributes: bold, dim,
 * underline, reverse, standout, blink, italic, normal.
 *
 * A theme is resolved for the terminal at hand: 256 colours as written,
 * 8 colours by mapping each colour to the nearest of the eight (bright ones
 * become bold), monochrome by attributes only (selections turn reverse).
 * Parsing and resolving need no terminal, so the unit test runs them alone.
 */
#ifndef VMST_TUI_THEME_H
#define VMST_TUI_THEME_H

#include <stdbool.h>
#include <stddef.h>

enum theme_elem {
	TE_NORMAL, TE_TITLE, TE_MENU, TE_MENU_KEY, TE_MENU_SELECTED, TE_BORDER,
	TE_PANE_TITLE, TE_LIST_HEADER, TE_LIST_ROW, TE_LIST_SELECTED,
	TE_STATE_STOPPED, TE_STATE_STARTING, TE_STATE_RUNNING, TE_STATE_PAUSED,
	TE_STATE_CRASHED, TE_LABEL, TE_VALUE, TE_SERIAL, TE_SCREEN, TE_MONITOR,
	TE_INPUT, TE_STATUS, TE_ERROR, TE_DIALOG, TE_DIALOG_TITLE, TE_BUTTON,
	TE_BUTTON_SELECTED, TE_PROGRESS, TE_BROWSER_DIR, TE_BROWSER_FILE,
	TE_COUNT
};

/* Attribute bits of a theme entry (mapped onto curses attributes). */
#define THEME_BOLD      0x01u
#define THEME_DIM       0x02u
#define THEME_UNDERLINE 0x04u
#define THEME_REVERSE   0x08u
#define THEME_STANDOUT  0x10u
#define THEME_BLINK     0x20u
#define THEME_ITALIC    0x40u

#define THEME_DEFAULT_COLOUR (-1)

struct theme_entry {
	int fg, bg;        /* -1 = terminal default, 0-255 xterm palette */
	unsigned attrs;    /* THEME_* */
	bool set;          /* given by the file (else the built-in default's) */
};

struct theme {
	char name[64];
	struct theme_entry e[TE_COUNT];
};

/* "list.selected" for TE_LIST_SELECTED. */
const char *theme_elem_name(enum theme_elem e);
/* The element for a name, or -1. */
int theme_elem_from_name(const char *name);

/* The built-in default theme (the same as themes/default.theme). */
void theme_builtin_default(struct theme *t);

/*
 * Parse theme text into t (which starts as the built-in default, so a file
 * may leave elements out). 0, or -1 with "name:line: message" in err; t is
 * then the built-in default.
 */
int theme_parse(struct theme *t, const char *name, const char *text, size_t len,
		char *err, size_t errlen);
/* Read and parse a file; -1 with a message when it cannot be read or parsed. */
int theme_load_file(struct theme *t, const char *path, char *err, size_t errlen);
/* How many elements the theme sets itself (TE_COUNT for a complete theme). */
unsigned theme_count_set(const struct theme *t);

/* Parse one colour word: 0, or -1 if it is not a colour. */
int theme_parse_colour(const char *word, int *colour);

/*
 * Resolve one element for a terminal with ncolours colours (256, 8, or 0
 * for monochrome): the colours to give init_pair (-1 = default, or < ncolours)
 * and the THEME_* attributes to use.
 */
void theme_resolve(const struct theme *t, enum theme_elem e, int ncolours,
		   int *fg, int *bg, unsigned *attrs);
/* Nearest of the 8 basic colours to an xterm colour (0-255); *bright if 8-15-like. */
int theme_colour_to_8(int colour, bool *bright);

/*
 * Where themes live: the first of dirs[] holding NAME.theme. A name with a
 * '/' is a path. Returns a malloc'd path, or NULL.
 */
char *theme_find(const char *name, const char *const *dirs, size_t n_dirs);
/* Names (without .theme) of every theme in dirs, sorted, no duplicates; malloc'd. */
size_t theme_list(const char *const *dirs, size_t n_dirs, char ***names);
void theme_list_free(char **names, size_t n);

#endif
