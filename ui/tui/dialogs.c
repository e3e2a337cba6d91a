/*
 * Small modal dialogs of the panel: message boxes, choices (confirmations,
 * the quit question), the drop-down menu of every action and the theme menu.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/tui/tui.h"
#include "core/util.h"

/* --- text wrapping -------------------------------------------------------- */

/* Split text into lines of at most w columns (bytes; messages are ASCII). */
static int wrap(const char *text, int w, char lines[][256], int max)
{
	int n = 0;
	const char *s = text;
	while (*s && n < max) {
		size_t nl = strcspn(s, "\n");
		size_t take = nl;
		if ((int)take > w) {
			take = (size_t)w;
			for (size_t i = take; i > (size_t)w / 2; i--)
				if (s[i] == ' ') {
					take = i;
					break;
				}
		}
		snprintf(lines[n++], 256, "%.*s", (int)MIN(take, 255u), s);
		s += take;
		if (*s == '\n' || *s == ' ')
			s++;
	}
	return n;
}

/* --- choice (and message) ------------------------------------------------- */

struct choice {
	struct modal m;
	char title[128];
	char *text;
	char *buttons[4];
	int n, sel;
	choice_fn fn;
	void *opaque;
	int bx[4], by;            /* button positions for the mouse */
};

static void choice_draw(struct panel *p, struct modal *m)
{
	struct choice *c = (struct choice *)m;
	/* as wide as the longest line needs (up to the screen), at least 72 */
	int longest = 0;
	for (const char *s = c->text; *s;) {
		int l = (int)strcspn(s, "\n");
		longest = MAX(longest, l);
		s += l + (s[l] == '\n');
	}
	int w = MIN(COLS - 4, MAX(72, MIN(longest + 6, 200)));
	char lines[20][256];
	int n = wrap(c->text, w - 4, lines, 20);
	struct rect in = draw_dialog(p, n + 4, w, c->title);
	attrset(draw_attr(p, TE_DIALOG));
	for (int i = 0; i < n && i < in.h - 2; i++)
		draw_text(in.y + i, in.x, in.w, lines[i]);
	int total = 0;
	for (int i = 0; i < c->n; i++)
		total += (int)strlen(c->buttons[i]) + 5;
	int x = in.x + (in.w - total) / 2;
	c->by = in.y + in.h - 1;
	for (int i = 0; i < c->n; i++) {
		c->bx[i] = x;
		draw_button(p, c->by, x, c->buttons[i], i == c->sel);
		x += (int)strlen(c->buttons[i]) + 5;
	}
}

static bool choice_key(struct panel *p, struct modal *m, int ch, const MEVENT *ev)
{
	struct choice *c = (struct choice *)m;
	int pick = -2;
	switch (ch) {
	case KEY_LEFT: case KEY_BTAB:
		c->sel = (c->sel + c->n - 1) % c->n;
		break;
	case KEY_RIGHT: case '\t':
		c->sel = (c->sel + 1) % c->n;
		break;
	case '\n': case '\r': case KEY_ENTER:
		pick = c->sel;
		break;
	case 27:
		pick = -1;
		break;
	case KEY_MOUSE:
		if (ev && (ev->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) && ev->y == c->by)
			for (int i = 0; i < c->n; i++)
				if (ev->x >= c->bx[i] && ev->x < c->bx[i] + (int)strlen(c->buttons[i]) + 4)
					pick = i;
		break;
	default:
		/* the first letter of a button picks it */
		for (int i = 0; i < c->n && ch > 0 && ch < 128; i++)
			if ((c->buttons[i][0] | 0x20) == (ch | 0x20))
				pick = i;
		break;
	}
	if (pick == -2)
		return true;
	m->closed = true;
	if (c->fn)
		c->fn(p, pick, c->opaque);
	return false;
}

static void choice_free(struct modal *m)
{
	struct choice *c = (struct choice *)m;
	free(c->text);
	for (int i = 0; i < c->n; i++)
		free(c->buttons[i]);
	free(c);
}

void dialog_choice(struct panel *p, const char *title, const char *text,
		   const char *const *buttons, int n, choice_fn fn, void *opaque)
{
	struct choice *c = xzalloc(sizeof(*c));
	c->m.draw = choice_draw;
	c->m.key = choice_key;
	c->m.free = choice_free;
	snprintf(c->title, sizeof(c->title), "%s", title);
	c->text = xstrdup(text);
	c->n = MIN(n, 4);
	for (int i = 0; i < c->n; i++)
		c->buttons[i] = xstrdup(buttons[i]);
	c->fn = fn;
	c->opaque = opaque;
	panel_push_modal(p, &c->m);
}

void dialog_message(struct panel *p, const char *title, const char *text)
{
	static const char *const ok[] = { "OK" };
	dialog_choice(p, title, text, ok, 1, NULL, NULL);
}

/* --- the menu ---------------------------------------------------------------- */

struct list_menu {
	struct modal m;
	char title[64];
	char **items;
	int *ids;
	int n, sel, top;
	struct rect in;
	void (*pick)(struct panel *p, struct list_menu *lm, int i);
};

static void menu_pick(struct panel *p, struct list_menu *lm, int i);

static void list_draw(struct panel *p, struct modal *m)
{
	struct list_menu *lm = (struct list_menu *)m;
	int w = 10;
	for (int i = 0; i < lm->n; i++)
		w = MAX(w, (int)strlen(lm->items[i]) + 6);
	lm->in = draw_dialog(p, MIN(lm->n + 2, LINES - 2), w, lm->title);
	if (lm->sel < lm->top)
		lm->top = lm->sel;
	if (lm->sel >= lm->top + lm->in.h)
		lm->top = lm->sel - lm->in.h + 1;
	for (int i = 0; i < lm->in.h && lm->top + i < lm->n; i++) {
		int k = lm->top + i;
		attrset(draw_attr(p, k == lm->sel ? TE_MENU_SELECTED : TE_DIALOG));
		move(lm->in.y + i, lm->in.x);
		for (int x = 0; x < lm->in.w; x++)
			addch(' ');
		draw_text(lm->in.y + i, lm->in.x, lm->in.w, lm->items[k]);
	}
}

static bool list_key(struct panel *p, struct modal *m, int ch, const MEVENT *ev)
{
	struct list_menu *lm = (struct list_menu *)m;
	switch (ch) {
	case KEY_UP:
		lm->sel = (lm->sel + lm->n - 1) % lm->n;
		return true;
	case KEY_DOWN:
		lm->sel = (lm->sel + 1) % lm->n;
		return true;
	case KEY_HOME:
		lm->sel = 0;
		return true;
	case KEY_END:
		lm->sel = lm->n - 1;
		return true;
	case 27: case KEY_F(9):
		return false;
	case '\n': case '\r': case KEY_ENTER:
		m->closed = true;
		lm->pick(p, lm, lm->sel);
		return false;
	case KEY_MOUSE: {
		bool click = ev && (ev->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED));
		if (ev && (ev->bstate & BUTTON4_PRESSED)) {
			lm->sel = lm->sel > 0 ? lm->sel - 1 : 0;
			return true;
		}
#ifdef BUTTON5_PRESSED
		if (ev && (ev->bstate & BUTTON5_PRESSED)) {
			lm->sel = lm->sel + 1 < lm->n ? lm->sel + 1 : lm->sel;
			return true;
		}
#endif
		if (click && ev->y >= lm->in.y && ev->y < lm->in.y + lm->in.h && ev->x >= lm->in.x &&
		    ev->x < lm->in.x + lm->in.w && lm->top + ev->y - lm->in.y < lm->n) {
			lm->sel = lm->top + ev->y - lm->in.y;
			m->closed = true;
			lm->pick(p, lm, lm->sel);
			return false;
		}
		return !click;   /* a click outside closes the menu; releases do nothing */
	}
	default:
		if (lm->pick == menu_pick && ch > ' ' && ch < 127) {
			/* the key of a command runs it, as it does outside the menu */
			for (int i = 0; i < lm->n; i++)
				if (command_has_key(lm->ids[i], ch)) {
					m->closed = true;
					lm->pick(p, lm, i);
					return false;
				}
		}
		return true;
	}
}

static void list_free(struct modal *m)
{
	struct list_menu *lm = (struct list_menu *)m;
	for (int i = 0; i < lm->n; i++)
		free(lm->items[i]);
	free(lm->items);
	free(lm->ids);
	free(lm);
}

static struct list_menu *list_new(const char *title)
{
	struct list_menu *lm = xzalloc(sizeof(*lm));
	lm->m.draw = list_draw;
	lm->m.key = list_key;
	lm->m.free = list_free;
	snprintf(lm->title, sizeof(lm->title), "%s", title);
	return lm;
}

static void list_add(struct list_menu *lm, int id, const char *text)
{
	lm->items = xrealloc(lm->items, (size_t)(lm->n + 1) * sizeof(char *));
	lm->ids = xrealloc(lm->ids, (size_t)(lm->n + 1) * sizeof(int));
	lm->items[lm->n] = xstrdup(text);
	lm->ids[lm->n++] = id;
}

static void menu_pick(struct panel *p, struct list_menu *lm, int i)
{
	panel_command(p, lm->ids[i]);
}

void menu_open(struct panel *p)
{
	struct list_menu *lm = list_new("Menu");
	lm->pick = menu_pick;
	for (int c = 0; c < CMD_COUNT; c++) {
		if (c == CMD_MENU)
			continue;
		char t[96];
		snprintf(t, sizeof(t), "%-30s %s", command_label(c), command_key(c));
		list_add(lm, c, t);
	}
	panel_push_modal(p, &lm->m);
}

static void theme_pick(struct panel *p, struct list_menu *lm, int i)
{
	panel_apply_theme(p, lm->items[i], true);
}

void theme_menu_open(struct panel *p)
{
	const char *dirs[8];
	size_t nd = manager_theme_dirs(&p->mc, dirs, 8);
	char **names;
	size_t n = theme_list(dirs, nd, &names);
	struct list_menu *lm = list_new("Theme");
	lm->pick = theme_pick;
	for (size_t i = 0; i < n; i++) {
		list_add(lm, (int)i, names[i]);
		if (!strcmp(names[i], p->theme.name))
			lm->sel = (int)i;
	}
	theme_list_free(names, n);
	if (!lm->n) {
		list_free(&lm->m);
		panel_status(p, true, "no themes found (looked in %s)", nd ? dirs[0] : "themes");
		return;
	}
	panel_push_modal(p, &lm->m);
}
