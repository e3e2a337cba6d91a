/*
 * Monitor sessions: one per user of a front end (a socket client, the
 * terminal, a window's console, the panel's pane). A session owns its
 * output callback, its partial input line and its x/xp defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/monitor/monitor.h"
#include "core/util.h"
#include "core/vm.h"

#define MONITOR_VERSION "0.1"

const char *monitor_prompt(void)
{
	return "(vmstation) ";
}

const char *monitor_banner(void)
{
	return "vmstation " MONITOR_VERSION " monitor - type 'help' for more information";
}

struct monitor_session *monitor_session_new(struct vm *vm, monitor_out_fn out,
					    void *opaque, unsigned flags)
{
	struct monitor_session *s = xzalloc(sizeof(*s));
	s->vm = vm;
	s->out = out;
	s->opaque = opaque;
	s->flags = flags;
	s->mem_fmt = 'x';
	s->mem_size = 4;
	/* A window console is a way into the VM for anyone who can see the
	 * window (VNC): only when the VM file says monitor=1. */
	if ((flags & MONITOR_F_WINDOW) && !(vm && vm->cfg && vm->cfg->monitor)) {
		s->refused = true;
		monitor_printf(s, "The monitor is disabled for this VM (set monitor=1 in its file)\n");
		return s;
	}
	if (flags & MONITOR_F_BANNER)
		monitor_printf(s, "%s\n", monitor_banner());
	if (flags & MONITOR_F_PROMPT)
		monitor_write(s, monitor_prompt(), strlen(monitor_prompt()));
	return s;
}

void monitor_session_free(struct monitor_session *s)
{
	free(s);
}

struct vm *monitor_vm(struct monitor_session *s)
{
	return s->vm;
}

bool monitor_session_quit(const struct monitor_session *s)
{
	return s->quit;
}

void monitor_write(struct monitor_session *s, const char *buf, size_t n)
{
	if (n && s->out)
		s->out(s->opaque, buf, n);
}

void monitor_print_listing(struct monitor_session *s, void (*fn)(struct vm *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	fn(monitor_vm(s), f);
	fclose(f);
	monitor_write(s, buf, len);
	free(buf);
}

void monitor_vprintf(struct monitor_session *s, const char *fmt, va_list ap)
{
	char small[1024];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		va_end(ap2);
		return;
	}
	if ((size_t)n < sizeof(small)) {
		monitor_write(s, small, n);
	} else {
		char *big = xmalloc((size_t)n + 1);
		vsnprintf(big, (size_t)n + 1, fmt, ap2);
		monitor_write(s, big, n);
		free(big);
	}
	va_end(ap2);
}

void monitor_printf(struct monitor_session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	monitor_vprintf(s, fmt, ap);
	va_end(ap);
}

void monitor_session_line(struct monitor_session *s, const char *line)
{
	if (s->refused)
		return;
	monitor_run_line(s, line);
	if ((s->flags & MONITOR_F_PROMPT) && !s->quit)
		monitor_write(s, monitor_prompt(), strlen(monitor_prompt()));
}

void monitor_session_input(struct monitor_session *s, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		bool was_cr = s->last_cr;
		s->last_cr = c == '\r';
		if (c == '\n' && was_cr)
			continue;          /* the \n of a \r\n */
		if (c == '\r' || c == '\n') {
			s->line[s->len] = '\0';
			if (s->refused) {
				/* nothing runs in a refused console */
			} else if (s->overflow) {
				monitor_printf(s, "line too long (at most %d characters)\n",
					       MONITOR_LINE_MAX - 1);
				if ((s->flags & MONITOR_F_PROMPT) && !s->quit)
					monitor_write(s, monitor_prompt(), strlen(monitor_prompt()));
			} else {
				monitor_session_line(s, s->line);
			}
			s->len = 0;
			s->overflow = false;
			continue;
		}
		if (c == '\0')
			continue;
		if (s->len < MONITOR_LINE_MAX - 1)
			s->line[s->len++] = c;
		else
			s->overflow = true;
	}
}
