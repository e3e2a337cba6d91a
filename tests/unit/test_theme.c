/*
 * Panel themes (ui/tui/theme.c): every bundled theme loads and sets every
 * element, the built-in fallback equals themes/default.theme, broken themes
 * are reported with file:line and fall back to the default, colours parse
 * and resolve for 256-colour, 8-colour and monochrome terminals.
 * Run from the repository root (tests/run.sh does).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/tui/theme.h"
#include "unit.h"
#include "core/util.h"

static char err[512];

static bool same_as_builtin(const struct theme *t)
{
	struct theme d;
	theme_builtin_default(&d);
	for (int i = 0; i < TE_COUNT; i++)
		if (t->e[i].fg != d.e[i].fg || t->e[i].bg != d.e[i].bg ||
		    t->e[i].attrs != d.e[i].attrs)
			return false;
	return true;
}

static void bundled(void)
{
	static const char *const names[] = { "default", "dark", "light", "high-contrast" };
	const char *dirs[] = { "themes" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *path = theme_find(names[i], dirs, 1);
		CHECK(path != NULL, "themes/%s.theme found", names[i]);
		if (!path)
			continue;
		struct theme t;
		err[0] = 0;
		int r = theme_load_file(&t, path, err, sizeof(err));
		CHECK(r == 0, "%s loads (%s)", path, err);
		CHECK_EQ(theme_count_set(&t), TE_COUNT, "every element is set in the file");
		CHECK_STR(t.name, names[i], "theme name from the file name");
		free(path);
		if (i == 0)
			CHECK(same_as_builtin(&t), "the built-in fallback equals themes/default.theme");
		else
			CHECK(!same_as_builtin(&t), "%s differs from the default", names[i]);
	}
	char **list;
	size_t n = theme_list(dirs, 1, &list);
	CHECK(n >= 4, "theme_list finds the bundled themes (%zu)", n);
	bool all = true;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		bool found = false;
		for (size_t j = 0; j < n; j++)
			found |= !strcmp(list[j], names[i]);
		all &= found;
	}
	CHECK(all, "theme_list names default, dark, light, high-contrast");
	bool sorted = true;
	for (size_t j = 1; j < n; j++)
		sorted &= strcmp(list[j - 1], list[j]) < 0;
	CHECK(sorted, "theme_list is sorted");
	theme_list_free(list, n);
	CHECK(theme_find("no-such-theme", dirs, 1) == NULL, "a missing theme is not found");
}

/* text must fail with err starting "t.theme:LINE: " and containing what; t is the default then */
static void broken(const char *text, int line, const char *what)
{
	struct theme t;
	char want[32];
	snprintf(want, sizeof(want), "t.theme:%d: ", line);
	err[0] = 0;
	int r = theme_parse(&t, "t.theme", text, strlen(text), err, sizeof(err));
	CHECK(r == -1 && !strncmp(err, want, strlen(want)) && strstr(err, what),
	      "broken theme reported as '%s...%s' (got '%s')", want, what, err);
	CHECK(same_as_builtin(&t) && theme_count_set(&t) == 0, "falls back to the default");
}

static void errors(void)
{
	broken("title = red on blue\nlist.selcted = red\n", 2, "unknown element 'list.selcted'");
	broken("title = purpel on blue\n", 1, "unknown colour or attribute 'purpel'");
	broken("# comment\n\ntitle red\n", 3, "expected 'element = colours and attributes'");
	broken("title = red on\n", 1, "a colour is missing after 'on'");
	broken("title = red on purple\n", 1, "unknown colour 'purple' after 'on'");
	broken("title = red blue green\n", 1, "too many colours");
	broken("title =\n", 1, "no colours or attributes");
	broken("title = red\nmenu = blue\ntitle = green\n", 3, "'title' is given twice");
	broken("title = color256\n", 1, "unknown colour or attribute 'color256'");
	broken("title = red on on blue\n", 1, "'on' must come once");

	struct theme t;
	err[0] = 0;
	CHECK(theme_load_file(&t, "themes/does-not-exist.theme", err, sizeof(err)) == -1 &&
	      strstr(err, "No such file"), "a missing file is reported (%s)", err);
	CHECK(same_as_builtin(&t), "a missing file gives the default");

	/* a partial theme keeps the default for what it leaves out */
	const char *partial = "# only two\r\nTitle = Red ON #0000ff Bold # blue\nmenu.key = underline\n";
	CHECK(theme_parse(&t, "dir/partial.theme", partial, strlen(partial), err, sizeof(err)) == 0,
	      "partial theme with CRLF, upper case and a comment parses (%s)", err);
	CHECK_EQ(theme_count_set(&t), 2, "two elements set");
	CHECK_STR(t.name, "partial", "name without directory and extension");
	CHECK(t.e[TE_TITLE].fg == 1 && t.e[TE_TITLE].bg == 21 && t.e[TE_TITLE].attrs == THEME_BOLD,
	      "title = red on #0000ff (xterm 21) bold (%d %d %u)", t.e[TE_TITLE].fg,
	      t.e[TE_TITLE].bg, t.e[TE_TITLE].attrs);
	CHECK(t.e[TE_MENU_KEY].fg == -1 && t.e[TE_MENU_KEY].attrs == THEME_UNDERLINE,
	      "attributes alone: default colours");
	struct theme d;
	theme_builtin_default(&d);
	CHECK(t.e[TE_STATUS].fg == d.e[TE_STATUS].fg && t.e[TE_STATUS].bg == d.e[TE_STATUS].bg,
	      "unset element keeps the default");
}

static void colours(void)
{
	int c;
	CHECK(theme_parse_colour("default", &c) == 0 && c == -1, "default = -1");
	CHECK(theme_parse_colour("cyan", &c) == 0 && c == 6, "cyan = 6");
	CHECK(theme_parse_colour("bright-red", &c) == 0 && c == 9, "bright-red = 9");
	CHECK(theme_parse_colour("grey", &c) == 0 && c == 8, "grey = 8");
	CHECK(theme_parse_colour("color238", &c) == 0 && c == 238, "color238");
	CHECK(theme_parse_colour("17", &c) == 0 && c == 17, "plain number");
	CHECK(theme_parse_colour("#ffffff", &c) == 0 && c == 231, "#ffffff = 231 (cube white)");
	CHECK(theme_parse_colour("#808080", &c) == 0 && c == 244, "#808080 = 244 (grey ramp)");
	CHECK(theme_parse_colour("colour-1", &c) == -1, "colour-1 rejected");
	CHECK(theme_parse_colour("#12345", &c) == -1, "short #rgb rejected");
	CHECK(theme_parse_colour("bright-", &c) == -1, "bright- alone rejected");

	bool br;
	CHECK(theme_colour_to_8(4, &br) == 4 && !br, "blue stays blue");
	CHECK(theme_colour_to_8(12, &br) == 4 && br, "bright-blue: blue, bright");
	CHECK(theme_colour_to_8(196, &br) == 1 && br, "196 (255,0,0) -> bright red");
	CHECK(theme_colour_to_8(28, &br) == 2 && !br, "28 (0,135,0) -> green");
	CHECK(theme_colour_to_8(234, &br) == 0 && !br, "234 (dark grey) -> black");
	CHECK(theme_colour_to_8(255, &br) == 7 && !br, "255 (238,238,238) -> white");
	CHECK(theme_colour_to_8(231, &br) == 7 && br, "231 (255,255,255) -> bright white");
	CHECK(theme_colour_to_8(-1, &br) == -1, "default stays default");
}

static void resolving(void)
{
	const char *dirs[] = { "themes" };
	char *path = theme_find("dark", dirs, 1);
	struct theme t;
	if (!path || theme_load_file(&t, path, err, sizeof(err)) < 0) {
		CHECK(0, "dark theme for the resolve tests");
		free(path);
		return;
	}
	free(path);
	int fg, bg;
	unsigned a;
	theme_resolve(&t, TE_LIST_SELECTED, 256, &fg, &bg, &a);
	CHECK(fg == 231 && bg == 31 && a == 0, "256 colours: as written (%d %d)", fg, bg);
	theme_resolve(&t, TE_LIST_SELECTED, 8, &fg, &bg, &a);
	CHECK(fg >= 0 && fg < 8 && bg >= 0 && bg < 8 && fg != bg,
	      "8 colours: basic colours, readable (%d on %d)", fg, bg);
	theme_resolve(&t, TE_NORMAL, 8, &fg, &bg, &a);
	CHECK(bg == 0, "8 colours: dark background becomes black (%d)", bg);
	theme_resolve(&t, TE_LIST_SELECTED, 0, &fg, &bg, &a);
	CHECK(fg == -1 && bg == -1 && (a & THEME_REVERSE), "monochrome: selection is reverse");
	theme_resolve(&t, TE_STATE_RUNNING, 0, &fg, &bg, &a);
	CHECK(fg == -1 && (a & THEME_BOLD), "monochrome: running is bold");
	theme_resolve(&t, TE_SERIAL, 0, &fg, &bg, &a);
	CHECK(!(a & THEME_REVERSE), "monochrome: panes are plain");

	/* same colour on same colour after mapping stays readable */
	const char *txt = "title = color233 on color16\n";
	CHECK(theme_parse(&t, "t.theme", txt, strlen(txt), err, sizeof(err)) == 0, "near-black on black parses");
	theme_resolve(&t, TE_TITLE, 8, &fg, &bg, &a);
	CHECK(fg != bg, "8 colours: text never the background's colour (%d on %d)", fg, bg);
	theme_resolve(&t, TE_TITLE, 16, &fg, &bg, &a);
	CHECK(fg < 16 && bg < 16, "16 colours: within 0-15 (%d %d)", fg, bg);

	for (int i = 0; i < TE_COUNT; i++)
		CHECK(theme_elem_from_name(theme_elem_name(i)) == i, "element name %s round trip",
		      theme_elem_name(i));
}

int main(void)
{
	bundled();
	errors();
	colours();
	resolving();
	return UNIT_DONE();
}
