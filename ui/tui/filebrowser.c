/*
 * The file browser for disc and disk images: directories, then files ending
 * in .iso or .img (F2 shows every file), with the recently used images on
 * top. Enter opens a directory or picks a file, Backspace goes up, a letter
 * jumps to the next name starting with it, '/' or '~' types a path.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ui/tui/tui.h"
#include "core/util.h"

enum fb_kind { FB_RECENT, FB_PARENT, FB_DIR, FB_FILE };

struct fb_entry {
	enum fb_kind kind;
	char *name;               /* shown */
	char *path;               /* absolute */
	uint64_t size;
};

struct browser {
	struct modal m;
	char title[64];
	char dir[PATH_MAX];
	struct fb_entry *e;
	int n, sel, top;
	bool all_files;
	bool typing;
	char typed[PATH_MAX];
	char err[PATH_MAX + 128];
	browse_fn fn;
	void *opaque;
	struct rect list;
};

static bool image_name(const char *n)
{
	size_t l = strlen(n);
	return l > 4 && (!strcasecmp(n + l - 4, ".iso") || !strcasecmp(n + l - 4, ".img"));
}

static void clear_entries(struct browser *b)
{
	for (int i = 0; i < b->n; i++) {
		free(b->e[i].name);
		free(b->e[i].path);
	}
	free(b->e);
	b->e = NULL;
	b->n = b->sel = b->top = 0;
}

static void add(struct browser *b, enum fb_kind k, const char *name, const char *path, uint64_t size)
{
	b->e = xrealloc(b->e, (size_t)(b->n + 1) * sizeof(*b->e));
	b->e[b->n++] = (struct fb_entry){ k, xstrdup(name), xstrdup(path), size };
}

static int cmp_entry(const void *x, const void *y)
{
	const struct fb_entry *a = x, *b = y;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	return strcmp(a->name, b->name);
}

static void load(struct browser *b)
{
	clear_entries(b);
	b->err[0] = 0;
	char *recent[RECENT_MAX];
	size_t nr = recent_images_load(recent);
	for (size_t i = 0; i < nr; i++) {
		struct stat st;
		if (stat(recent[i], &st) == 0 && S_ISREG(st.st_mode))
			add(b, FB_RECENT, recent[i], recent[i], (uint64_t)st.st_size);
	}
	recent_images_free(recent, nr);
	int first_dir = b->n;
	if (strcmp(b->dir, "/"))
		add(b, FB_PARENT, "../", "..", 0);
	DIR *d = opendir(b->dir);
	if (!d) {
		snprintf(b->err, sizeof(b->err), "%s: %s", b->dir, strerror(errno));
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s%s%s", b->dir, strcmp(b->dir, "/") ? "/" : "", de->d_name);
		struct stat st;
		if (stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				char *n = xasprintf("%s/", de->d_name);
				add(b, FB_DIR, n, path, 0);
				free(n);
			} else if (S_ISREG(st.st_mode) && (b->all_files || image_name(de->d_name))) {
				add(b, FB_FILE, de->d_name, path, (uint64_t)st.st_size);
			}
		}
		free(path);
	}
	closedir(d);
	if (b->n > first_dir)
		qsort(b->e + first_dir, (size_t)(b->n - first_dir), sizeof(*b->e), cmp_entry);
	/* start on the first entry of the directory, not on the recent list */
	b->sel = first_dir < b->n ? first_dir : 0;
	for (int i = first_dir; i < b->n; i++)
		if (b->e[i].kind == FB_FILE) {
			b->sel = i;
			break;
		}
}

static void set_dir(struct browser *b, const char *dir)
{
	char real[PATH_MAX];
	if (!realpath(dir, real)) {
		snprintf(b->err, sizeof(b->err), "%s: %s", dir, strerror(errno));
		return;
	}
	snprintf(b->dir, sizeof(b->dir), "%s", real);
	load(b);
}

static void draw(struct panel *p, struct modal *m)
{
	struct browser *b = (struct browser *)m;
	int h = MIN(LINES - 2, 22), w = MIN(COLS - 2, 76);
	struct rect in = draw_dialog(p, h, w, b->title);
	attrset(draw_attr(p, TE_DIALOG));
	char line[PATH_MAX + 64];
	if (b->typing) {
		attrset(draw_attr(p, TE_INPUT));
		snprintf(line, sizeof(line), "path: %s", b->typed);
		draw_text(in.y, in.x, in.w, line);
		p->cur_y = in.y;
		p->cur_x = in.x + MIN(in.w - 1, 6 + (int)strlen(b->typed));
	} else {
		snprintf(line, sizeof(line), "%s  (%s)", b->dir,
			 b->all_files ? "all files" : "*.iso *.img");
		draw_text(in.y, in.x, in.w, line);
	}
	b->list = (struct rect){ in.y + 1, in.x, in.h - 3, in.w };
	if (b->sel < b->top)
		b->top = b->sel;
	if (b->sel >= b->top + b->list.h)
		b->top = b->sel - b->list.h + 1;
	for (int i = 0; i < b->list.h && b->top + i < b->n; i++) {
		const struct fb_entry *e = &b->e[b->top + i];
		bool cur = b->top + i == b->sel;
		enum theme_elem te = cur ? TE_MENU_SELECTED :
				    e->kind == FB_DIR || e->kind == FB_PARENT ? TE_BROWSER_DIR : TE_BROWSER_FILE;
		attrset(draw_attr(p, te));
		move(b->list.y + i, b->list.x);
		for (int x = 0; x < b->list.w; x++)
			addch(' ');
		char size[16] = "";
		if (e->kind == FB_FILE || e->kind == FB_RECENT)
			fmt_bytes(size, sizeof(size), (double)e->size);
		snprintf(line, sizeof(line), "%s%s", e->kind == FB_RECENT ? "recent: " : "  ", e->name);
		draw_text(b->list.y + i, b->list.x, b->list.w - 8, line);
		draw_text(b->list.y + i, b->list.x + b->list.w - 7, 7, size);
	}
	attrset(draw_attr(p, b->err[0] ? TE_ERROR : TE_DIALOG));
	draw_text(in.y + in.h - 2, in.x, in.w, b->err[0] ? b->err : "");
	attrset(draw_attr(p, TE_DIALOG));
	draw_text(in.y + in.h - 1, in.x, in.w,
		  "Enter open/pick  Bksp up  F2 all files  / type a path  Esc cancel");
}

static bool pick(struct panel *p, struct browser *b, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		snprintf(b->err, sizeof(b->err), "%s: %s", path, strerror(errno));
		return true;
	}
	if (S_ISDIR(st.st_mode)) {
		set_dir(b, path);
		return true;
	}
	char real[PATH_MAX];
	const char *chosen = realpath(path, real) ? real : path;
	recent_images_add(chosen);
	b->m.closed = true;
	b->fn(p, chosen, b->opaque);
	return false;
}

static bool activate(struct panel *p, struct browser *b)
{
	if (!b->n)
		return true;
	struct fb_entry *e = &b->e[b->sel];
	if (e->kind == FB_PARENT) {
		char *up = xasprintf("%s/..", b->dir);
		set_dir(b, up);
		free(up);
		return true;
	}
	if (e->kind == FB_DIR) {
		char *d = xstrdup(e->path);
		set_dir(b, d);
		free(d);
		return true;
	}
	char *path = xstrdup(e->path);
	bool r = pick(p, b, path);
	free(path);
	return r;
}

static bool key(struct panel *p, struct modal *m, int ch, const MEVENT *ev)
{
	struct browser *b = (struct browser *)m;
	if (b->typing) {
		size_t l = strlen(b->typed);
		if (ch == 27) {
			b->typing = false;
		} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			b->typing = false;
			char *t = b->typed[0] == '~' && getenv("HOME") ?
				  xasprintf("%s%s", getenv("HOME"), b->typed + 1) : xstrdup(b->typed);
			bool r = pick(p, b, t);
			free(t);
			return r;
		} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
			if (l)
				b->typed[l - 1] = 0;
		} else if (ch >= 32 && ch < 256 && l + 1 < sizeof(b->typed)) {
			b->typed[l] = (char)ch;
			b->typed[l + 1] = 0;
		}
		return true;
	}
	switch (ch) {
	case 27:
		return false;
	case KEY_UP:
		if (b->sel > 0)
			b->sel--;
		return true;
	case KEY_DOWN:
		if (b->sel + 1 < b->n)
			b->sel++;
		return true;
	case KEY_PPAGE:
		b->sel = MAX(0, b->sel - MAX(1, b->list.h - 1));
		return true;
	case KEY_NPAGE:
		b->sel = MIN(b->n - 1, b->sel + MAX(1, b->list.h - 1));
		return true;
	case KEY_HOME:
		b->sel = 0;
		return true;
	case KEY_END:
		b->sel = b->n ? b->n - 1 : 0;
		return true;
	case KEY_BACKSPACE: case 127: case 8: {
		char *up = xasprintf("%s/..", b->dir);
		set_dir(b, up);
		free(up);
		return true;
	}
	case KEY_F(2):
		b->all_files = !b->all_files;
		load(b);
		return true;
	case '\n': case '\r': case KEY_ENTER:
		return activate(p, b);
	case '/': case '~':
		b->typing = true;
		b->typed[0] = (char)ch;
		b->typed[1] = 0;
		return true;
	case KEY_MOUSE:
		/* a click selects, a second click (or a double click) opens; the wheel moves */
		if (ev && (ev->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)) &&
		    ev->y >= b->list.y && ev->y < b->list.y + b->list.h &&
		    b->top + ev->y - b->list.y < b->n) {
			int i = b->top + ev->y - b->list.y;
			bool again = i == b->sel;
			b->sel = i;
			if (again || (ev->bstate & BUTTON1_DOUBLE_CLICKED))
				return activate(p, b);
		}
		if (ev && (ev->bstate & BUTTON4_PRESSED) && b->sel > 0)
			b->sel--;
#ifdef BUTTON5_PRESSED
		if (ev && (ev->bstate & BUTTON5_PRESSED) && b->sel + 1 < b->n)
			b->sel++;
#endif
		return true;
	default:
		if (ch > 32 && ch < 127 && b->n) {
			/* jump to the next name starting with the letter */
			for (int k = 1; k <= b->n; k++) {
				int i = (b->sel + k) % b->n;
				const char *nm = b->e[i].name;
				if (b->e[i].kind == FB_RECENT) {
					const char *s = strrchr(nm, '/');
					nm = s ? s + 1 : nm;
				}
				if ((nm[0] | 0x20) == (ch | 0x20) && b->e[i].kind != FB_PARENT) {
					b->sel = i;
					break;
				}
			}
		}
		return true;
	}
}

static void browser_free(struct modal *m)
{
	struct browser *b = (struct browser *)m;
	clear_entries(b);
	free(b);
}

void filebrowser_open(struct panel *p, const char *title, const char *start_dir, browse_fn fn,
		      void *opaque)
{
	struct browser *b = xzalloc(sizeof(*b));
	b->m.draw = draw;
	b->m.key = key;
	b->m.free = browser_free;
	snprintf(b->title, sizeof(b->title), "%s", title);
	b->fn = fn;
	b->opaque = opaque;
	set_dir(b, start_dir && *start_dir ? start_dir : ".");
	if (!b->dir[0]) {
		set_dir(b, getenv("HOME") ? getenv("HOME") : "/");
		if (!b->dir[0])
			set_dir(b, "/");
	}
	panel_push_modal(p, &b->m);
}
