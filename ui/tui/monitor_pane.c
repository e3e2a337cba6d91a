/*
 * The monitor in a pane of the panel: a monitor session per VM (the same
 * command table as every other front end) and one input line edited by GNU
 * readline's callback interface. Readline never touches the terminal here:
 * keys come from ncurses through rl_getc_function, rl_redisplay_function only
 * asks the panel to redraw, and the pane draws rl_line_buffer itself.
 * Readline keeps its state in globals, so there is one input line per
 * process, shared by the VMs' sessions (the selected VM's gets the line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "ui/monitor/monitor.h"
#include "ui/tui/tui.h"
#include "core/util.h"
#include "core/vm.h"

static struct {
	bool ready;
	struct panel *p;
	struct panel_vm *pv;        /* whose session runs the next line */
	unsigned char q[256];       /* bytes waiting for readline */
	unsigned qh, qt;
	FILE *null_in, *null_out;
	char **cands;
	size_t cand_i;
} rl;

static int q_empty(void) { return rl.qh == rl.qt; }

static int pane_getc(FILE *f)
{
	(void)f;
	if (q_empty())
		return EOF;
	return rl.q[rl.qh++ % sizeof(rl.q)];
}

static int pane_input_available(void)
{
	return !q_empty();
}

static void pane_redisplay(void)
{
	if (rl.p)
		rl.p->dirty = true;
}

static void no_prep(int meta)
{
	(void)meta;
}

static void no_deprep(void)
{
}

static void out_fn(void *opaque, const char *s, size_t n)
{
	textbuf_feed(opaque, s, n);
}

static void on_line(char *line)
{
	struct panel_vm *pv = rl.pv;
	if (!line)
		return;
	if (pv) {
		textbuf_printf(pv->mon_out, "%s%s\n", monitor_prompt(), line);
		if (line[strspn(line, " \t")]) {
			HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1)
							  : NULL;
			if (!last || strcmp(last->line, line))
				add_history(line);
		}
		if (pv->mon)
			monitor_session_line(pv->mon, line);
		else
			textbuf_printf(pv->mon_out, "(%s is not running)\n", pv->name);
		if (rl.p)
			rl.p->scroll = 0;
	}
	free(line);
}

/* --- completion through monitor_complete --------------------------------- */

static char *cand_next(const char *text, int state)
{
	(void)text;
	if (!state)
		rl.cand_i = 0;
	if (!rl.cands || !rl.cands[rl.cand_i])
		return NULL;
	return xstrdup(rl.cands[rl.cand_i++]);
}

static char **pane_complete(const char *text, int start, int end)
{
	(void)start;
	rl_attempted_completion_over = 1;
	monitor_free_completions(rl.cands);
	rl.cands = rl.pv && rl.pv->vm ? monitor_complete(rl.pv->vm, rl_line_buffer, end) : NULL;
	if (!rl.cands)
		return NULL;
	if (rl.cands[0] && !rl.cands[1]) {
		size_t l = strlen(rl.cands[0]);
		if (l && rl.cands[0][l - 1] == '/')
			rl_completion_suppress_append = 1;
	}
	return rl_completion_matches(text, cand_next);
}

/* Several candidates: list them in the pane, as readline would on a terminal. */
static void show_matches(char **matches, int n, int max)
{
	(void)max;
	if (!rl.pv)
		return;
	char line[TB_COLS];
	size_t o = 0;
	for (int i = 1; i <= n; i++) {
		size_t l = strlen(matches[i]);
		if (o && o + l + 2 >= 78) {
			textbuf_printf(rl.pv->mon_out, "%.*s\n", (int)o, line);
			o = 0;
		}
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s  ", matches[i]);
		if (o >= sizeof(line))
			o = sizeof(line) - 1;
	}
	if (o)
		textbuf_printf(rl.pv->mon_out, "%.*s\n", (int)o, line);
	pane_redisplay();
}

static void rl_setup(struct panel *p)
{
	if (rl.ready)
		return;
	rl.p = p;
	rl.null_in = fopen("/dev/null", "r");
	rl.null_out = fopen("/dev/null", "w");
	rl_readline_name = "vmstation-panel";
	rl_instream = rl.null_in;
	rl_outstream = rl.null_out;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_getc_function = pane_getc;
	rl_input_available_hook = pane_input_available;
	rl_redisplay_function = pane_redisplay;
	rl_prep_term_function = no_prep;
	rl_deprep_term_function = no_deprep;
	rl_attempted_completion_function = pane_complete;
	rl_completion_display_matches_hook = show_matches;
	rl_callback_handler_install("", on_line);
	rl_variable_bind("bell-style", "none");
	rl.ready = true;
}

void monitor_pane_shutdown(void)
{
	if (!rl.ready)
		return;
	rl_callback_handler_remove();
	monitor_free_completions(rl.cands);
	rl.cands = NULL;
	if (rl.null_in)
		fclose(rl.null_in);
	if (rl.null_out)
		fclose(rl.null_out);
	rl_instream = rl_outstream = NULL;
	rl.ready = false;
}

void monitor_pane_open(struct panel *p, struct panel_vm *pv)
{
	rl_setup(p);
	rl.pv = pv;
	if (pv->vm && !pv->starter_running && !pv->mon)
		pv->mon = monitor_session_new(pv->vm, out_fn, pv->mon_out, MONITOR_F_BANNER);
}

void monitor_pane_close(struct panel_vm *pv)
{
	if (pv->mon) {
		monitor_session_free(pv->mon);
		pv->mon = NULL;
		textbuf_printf(pv->mon_out, "(session closed: the VM stopped)\n");
	}
	if (rl.pv == pv)
		rl.pv = NULL;
}

/* --- keys -------------------------------------------------------------- */

static void push(const char *s)
{
	for (; *s; s++)
		if (rl.qt - rl.qh < sizeof(rl.q))
			rl.q[rl.qt++ % sizeof(rl.q)] = (unsigned char)*s;
}

bool monitor_pane_key(struct panel *p, struct panel_vm *pv, int ch)
{
	monitor_pane_open(p, pv);
	char one[2] = { 0, 0 };
	switch (ch) {
	case KEY_LEFT: push("\033[D"); break;
	case KEY_RIGHT: push("\033[C"); break;
	case KEY_UP: push("\033[A"); break;
	case KEY_DOWN: push("\033[B"); break;
	case KEY_HOME: push("\033[H"); break;
	case KEY_END: push("\033[F"); break;
	case KEY_DC: push("\033[3~"); break;
	case KEY_BACKSPACE: push("\177"); break;
	case KEY_ENTER: push("\r"); break;
	case KEY_PPAGE:
		p->scroll += 10;
		return true;
	case KEY_NPAGE:
		p->scroll = p->scroll > 10 ? p->scroll - 10 : 0;
		return true;
	default:
		if (ch <= 0 || ch > 255)
			return false;
		if (ch == '\n')
			ch = '\r';
		one[0] = (char)ch;
		if (ch == 0)
			return false;
		push(one);
		break;
	}
	while (!q_empty())
		rl_callback_read_char();
	p->dirty = true;
	return true;
}

/* Meta keys arrive as ESC then the key: give readline both. */
void monitor_pane_meta(struct panel *p, struct panel_vm *pv, int ch)
{
	char s[3] = { 27, (char)ch, 0 };
	monitor_pane_open(p, pv);
	push(s);
	while (!q_empty())
		rl_callback_read_char();
	p->dirty = true;
}

/* --- drawing ------------------------------------------------------------ */

void monitor_pane_draw(struct panel *p, struct panel_vm *pv, struct rect r)
{
	draw_fill(p, r, TE_MONITOR);
	if (r.h < 1)
		return;
	struct rect out = { r.y, r.x, r.h - 1, r.w };
	if (out.h > 0)
		pane_draw_textbuf(p, pv->mon_out, out, TE_MONITOR);
	/* the input line: prompt, then readline's buffer scrolled to show the cursor */
	int y = r.y + r.h - 1;
	attrset(draw_attr(p, TE_INPUT));
	const char *prompt = monitor_prompt();
	int pw = draw_text(y, r.x, r.w, prompt);
	int room = r.w - pw - 1;
	if (room <= 0)
		return;
	bool mine = rl.ready && rl.pv == pv;
	const char *buf = mine && rl_line_buffer ? rl_line_buffer : "";
	int point = mine ? rl_point : 0;
	int len = (int)strlen(buf);
	if (point > len)
		point = len;
	int start = point > room ? point - room : 0;
	char vis[TB_COLS + 1];
	snprintf(vis, sizeof(vis), "%.*s", MIN(room, len - start), buf + start);
	draw_text(y, r.x + pw, room, vis);
	if (p->focus == FOCUS_PANE && p->pane == PANE_MONITOR) {
		p->cur_y = y;
		p->cur_x = r.x + pw + (point - start);
	}
	if (!pv->vm && !pv->starter_running) {
		attrset(draw_attr(p, TE_MONITOR) | A_DIM);
		if (r.h > 1 && !textbuf_lines(pv->mon_out))
			draw_text(r.y, r.x, r.w, "(start the VM to use its monitor)");
	}
}
