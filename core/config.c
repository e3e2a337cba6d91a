/*
 * The xl.cfg syntax (Xen's libxlu grammar, see xl.cfg(5) "SYNTAX" and
 * ../shared/design/RESEARCH.md 5.2, beside the repository), written as a
 * small hand-made recursive-descent parser:
 *
 *   file      := { [ key ( "=" | "+=" ) value ] ( NEWLINE | ";" | EOF ) }
 *   value     := string | number | "[" { NL } [ value { NL } { "," { NL } value { NL } } [ "," ] ] { NL } "]"
 *   string    := '...' | "..."      no newline inside; backslash escapes
 *   number    := decimal | 0x hex | 0-prefixed octal   (a leading '-' is allowed)
 *   comment   := "#" to end of line
 *
 * Differences from libxlu, on purpose: keys may contain '-' ("full-screen"),
 * negative numbers are accepted, octal escapes really are octal.
 * "+=" on a list appends lists, on strings concatenates (as libxlu does).
 */
#include "core/config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

#define CFG_MAX_DEPTH 32 /* nesting of lists; keeps the recursion bounded */

struct parser {
	const char *name;
	const char *p, *end;
	int line, col;
	char *err;
	size_t errlen;
	bool failed;
};

static void PRINTF(4, 5) perr(struct parser *ps, int line, int col, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (ps->failed)
		return; /* keep the first error */
	ps->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->err && ps->errlen)
		snprintf(ps->err, ps->errlen, "%s:%d:%d: %s", ps->name, line, col, msg);
}

static bool at_end(const struct parser *ps) { return ps->p >= ps->end; }
static int peek(const struct parser *ps) { return at_end(ps) ? -1 : (unsigned char)*ps->p; }
static int peek2(const struct parser *ps)
{
	return ps->p + 1 < ps->end ? (unsigned char)ps->p[1] : -1;
}

static void advance(struct parser *ps)
{
	if (at_end(ps))
		return;
	if (*ps->p == '\n') {
		ps->line++;
		ps->col = 1;
	} else {
		ps->col++;
	}
	ps->p++;
}

/* Blanks and comments; newlines too when inside a list. */
static void skip_blanks(struct parser *ps, bool newlines)
{
	for (;;) {
		int c = peek(ps);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' ||
		    (newlines && c == '\n')) {
			advance(ps);
		} else if (c == '#') {
			while (!at_end(ps) && *ps->p != '\n')
				advance(ps);
		} else {
			return;
		}
	}
}

static bool is_key_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_key_char(int c)
{
	return is_key_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* A readable name for a character in messages. */
static const char *char_name(int c, char buf[16])
{
	if (c < 0)
		return "end of file";
	if (c == '\n')
		return "end of line";
	if (c >= 0x21 && c < 0x7f)
		snprintf(buf, 16, "'%c'", c);
	else
		snprintf(buf, 16, "byte 0x%02x", c);
	return buf;
}

/* Characters that mean someone wrote an xm file as Python. */
static bool is_python_char(int c)
{
	return c == '+' || c == '-' || c == '(' || c == ')' || c == ':' || c == '.' ||
	       c == '{' || c == '}' || c == '*' || c == '/' || c == '%';
}

static void unexpected(struct parser *ps, const char *where)
{
	char buf[16];
	int c = peek(ps);

	if (is_python_char(c))
		perr(ps, ps->line, ps->col,
		     "unexpected %s %s (expressions and other Python syntax from xm files are not supported)",
		     char_name(c, buf), where);
	else
		perr(ps, ps->line, ps->col, "unexpected %s %s", char_name(c, buf), where);
}

static struct cfg_value *new_value(enum cfg_type type, int line, int col)
{
	struct cfg_value *v = xzalloc(sizeof(*v));
	v->type = type;
	v->line = line;
	v->col = col;
	return v;
}

static void value_free(struct cfg_value *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++)
		value_free(v->items[i]);
	free(v->items);
	free(v->str);
	free(v);
}

static void list_append(struct cfg_value *list, struct cfg_value *item)
{
	/* grow by doubling: n is a power of two or zero when full */
	if ((list->n & (list->n - 1)) == 0)
		list->items = xrealloc(list->items, (list->n ? list->n * 2 : 4) * sizeof(*list->items));
	list->items[list->n++] = item;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static struct cfg_value *parse_string(struct parser *ps)
{
	int quote = peek(ps), line = ps->line, col = ps->col;
	size_t cap = 32, len = 0;
	char *s = xmalloc(cap);

	advance(ps);
	for (;;) {
		int c = peek(ps), ecol = ps->col;
		if (c < 0 || c == '\n') {
			perr(ps, line, col, "unterminated string (missing closing %c)", quote);
			goto fail;
		}
		advance(ps);
		if (c == quote)
			break;
		if (c == '\\') {
			int e = peek(ps);
			if (e < 0 || e == '\n') {
				perr(ps, line, col, "unterminated string (missing closing %c)", quote);
				goto fail;
			}
			advance(ps);
			switch (e) {
			case '\\': case '\'': case '"': c = e; break;
			case 'a': c = '\a'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'v': c = '\v'; break;
			case 'x': {
				int h = hexval(peek(ps)), l = hexval(peek2(ps));
				if (h < 0 || l < 0) {
					perr(ps, ps->line, ecol, "'\\x' needs two hex digits");
					goto fail;
				}
				advance(ps);
				advance(ps);
				c = h * 16 + l;
				break;
			}
			default:
				if (e >= '0' && e <= '7') {
					c = e - '0';
					for (int i = 0; i < 2 && peek(ps) >= '0' && peek(ps) <= '7'; i++) {
						c = c * 8 + (peek(ps) - '0');
						advance(ps);
					}
					if (c > 0xff) {
						perr(ps, ps->line, ecol, "octal escape out of range");
						goto fail;
					}
					break;
				}
				perr(ps, ps->line, ecol, "unknown escape '\\%c' in string",
				     e >= 0x20 && e < 0x7f ? e : '?');
				goto fail;
			}
			if (c == 0) {
				perr(ps, ps->line, ecol, "NUL character in string");
				goto fail;
			}
		} else if (c == 0) {
			perr(ps, ps->line, ecol, "NUL character in string");
			goto fail;
		}
		if (len + 2 > cap)
			s = xrealloc(s, cap *= 2);
		s[len++] = (char)c;
	}
	s[len] = 0;
	struct cfg_value *v = new_value(CFG_STRING, line, col);
	v->str = s;
	return v;
fail:
	free(s);
	return NULL;
}

static struct cfg_value *parse_number(struct parser *ps)
{
	int line = ps->line, col = ps->col;
	const char *start = ps->p;
	bool neg = false;

	if (peek(ps) == '-') {
		neg = true;
		advance(ps);
	}
	while (!at_end(ps) && (is_key_char(peek(ps)) && peek(ps) != '-'))
		advance(ps);
	size_t len = (size_t)(ps->p - start);
	char *text = xmalloc(len + 1);
	memcpy(text, start, len);
	text[len] = 0;

	const char *digits = text + neg;
	int base = 10;
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		base = 16;
	else if (digits[0] == '0' && digits[1])
		base = 8;
	const char *d = digits + (base == 16 ? 2 : base == 8 ? 1 : 0);
	bool ok = *d != 0;
	for (const char *q = d; *q && ok; q++) {
		int v = hexval(*q);
		ok = v >= 0 && v < base;
	}
	if (!ok) {
		perr(ps, line, col, "invalid number '%.40s'%s", text,
		     base == 8 ? " (a leading 0 means octal)" : "");
		free(text);
		return NULL;
	}
	errno = 0;
	unsigned long long u = strtoull(d, NULL, base);
	if (errno == ERANGE || u > (unsigned long long)LLONG_MAX) {
		perr(ps, line, col, "number '%.40s' out of range", text);
		free(text);
		return NULL;
	}
	struct cfg_value *v = new_value(CFG_NUMBER, line, col);
	v->str = text;
	v->num = neg ? -(long long)u : (long long)u;
	return v;
}

static struct cfg_value *parse_value(struct parser *ps, int depth);

static struct cfg_value *parse_list(struct parser *ps, int depth)
{
	int line = ps->line, col = ps->col;
	struct cfg_value *list = new_value(CFG_LIST, line, col);

	if (depth >= CFG_MAX_DEPTH) {
		perr(ps, line, col, "lists nested too deeply (more than %d)", CFG_MAX_DEPTH);
		goto fail;
	}
	advance(ps); /* [ */
	skip_blanks(ps, true);
	if (peek(ps) == ']') {
		advance(ps);
		return list;
	}
	for (;;) {
		if (at_end(ps)) {
			perr(ps, line, col, "unterminated list (missing ']')");
			goto fail;
		}
		struct cfg_value *item = parse_value(ps, depth + 1);
		if (!item)
			goto fail;
		list_append(list, item);
		skip_blanks(ps, true);
		int c = peek(ps);
		if (c == ']') {
			advance(ps);
			return list;
		}
		if (c < 0) {
			perr(ps, line, col, "unterminated list (missing ']')");
			goto fail;
		}
		if (c != ',') {
			char where[64];
			snprintf(where, sizeof(where), "in the list opened at %d:%d (expected ',' or ']')",
				 line, col);
			unexpected(ps, where);
			goto fail;
		}
		advance(ps);
		skip_blanks(ps, true);
		if (peek(ps) == ']') { /* trailing comma */
			advance(ps);
			return list;
		}
	}
fail:
	value_free(list);
	return NULL;
}

static struct cfg_value *parse_value(struct parser *ps, int depth)
{
	int c = peek(ps);

	if (c == '\'' || c == '"')
		return parse_string(ps);
	if ((c >= '0' && c <= '9') || (c == '-' && peek2(ps) >= '0' && peek2(ps) <= '9'))
		return parse_number(ps);
	if (c == '[')
		return parse_list(ps, depth);
	if (c == ',' || c == ']')
		unexpected(ps, "(missing value)");
	else if (c < 0 || c == '\n' || c == ';')
		perr(ps, ps->line, ps->col, "missing value");
	else if (is_key_start(c))
		perr(ps, ps->line, ps->col, "unquoted word: strings need quotes ('...' or \"...\")");
	else
		unexpected(ps, "where a value was expected");
	return NULL;
}

static struct cfg_entry *find_last(struct cfg *cfg, const char *key)
{
	for (size_t i = cfg->n; i-- > 0;)
		if (!strcmp(cfg->entries[i].key, key))
			return &cfg->entries[i];
	return NULL;
}

/* key += value: concatenates with the earlier value of the same type. */
static bool append_to(struct parser *ps, struct cfg_entry *prev, struct cfg_value *val,
		      int line, int col)
{
	struct cfg_value *old = prev->val;

	if (old->type == CFG_NUMBER || val->type == CFG_NUMBER) {
		perr(ps, line, col, "'+=' cannot be used with numbers ('%s')", prev->key);
		value_free(val);
		return false;
	}
	if (old->type != val->type) {
		perr(ps, line, col, "'+=' cannot add a %s to the %s set at line %d",
		     val->type == CFG_LIST ? "list" : "string",
		     old->type == CFG_LIST ? "list" : "string", prev->line);
		value_free(val);
		return false;
	}
	if (val->type == CFG_STRING) {
		char *s = xasprintf("%s%s", old->str, val->str);
		free(old->str);
		old->str = s;
	} else {
		for (size_t i = 0; i < val->n; i++)
			list_append(old, val->items[i]);
		val->n = 0;
	}
	value_free(val);
	return true;
}

static bool parse_statement(struct parser *ps, struct cfg *cfg)
{
	int line = ps->line, col = ps->col;
	const char *start = ps->p;

	while (!at_end(ps) && is_key_char(peek(ps)))
		advance(ps);
	size_t klen = (size_t)(ps->p - start);
	skip_blanks(ps, false);

	bool add = false;
	if (peek(ps) == '+' && peek2(ps) == '=') {
		add = true;
		advance(ps);
	} else if (peek(ps) != '=') {
		unexpected(ps, klen ? "after key (expected '=' or '+=')" : "at start of statement");
		return false;
	}
	advance(ps);
	skip_blanks(ps, false);

	int vline = ps->line, vcol = ps->col;
	struct cfg_value *val = parse_value(ps, 0);
	if (!val)
		return false;

	skip_blanks(ps, false);
	int c = peek(ps);
	if (c >= 0 && c != '\n' && c != ';') {
		unexpected(ps, "after value (statements end at a newline or ';')");
		value_free(val);
		return false;
	}

	char *key = xmalloc(klen + 1);
	memcpy(key, start, klen);
	key[klen] = 0;

	struct cfg_entry *prev = add ? find_last(cfg, key) : NULL;
	if (prev) {
		free(key);
		return append_to(ps, prev, val, vline, vcol);
	}
	if ((cfg->n & (cfg->n - 1)) == 0)
		cfg->entries = xrealloc(cfg->entries, (cfg->n ? cfg->n * 2 : 16) * sizeof(*cfg->entries));
	cfg->entries[cfg->n++] = (struct cfg_entry){
		.key = key, .val = val, .line = line, .col = col, .used = false };
	return true;
}

struct cfg *cfg_parse_string(const char *name, const char *text, size_t len,
			     char *err, size_t errlen)
{
	struct parser ps = { .name = name ? name : "(string)", .p = text, .end = text + len,
			     .line = 1, .col = 1, .err = err, .errlen = errlen };
	struct cfg *cfg = xzalloc(sizeof(*cfg));

	cfg->file = xstrdup(ps.name);
	if (err && errlen)
		err[0] = 0;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		ps.p += 3; /* a UTF-8 byte-order mark from a Windows editor */
	for (;;) {
		skip_blanks(&ps, false);
		int c = peek(&ps);
		if (c < 0)
			break;
		if (c == '\n' || c == ';') {
			advance(&ps);
			continue;
		}
		if (!is_key_start(c)) {
			unexpected(&ps, "at start of statement (expected a key)");
			goto fail;
		}
		if (!parse_statement(&ps, cfg))
			goto fail;
	}
	return cfg;
fail:
	cfg_free(cfg);
	return NULL;
}

/* What a file that is not a regular one is, for the message. */
static const char *file_kind(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" :
	       S_ISDIR(m) ? "a directory" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

#define CFG_MAX_FILE (16u << 20) /* far more than any VM file */

/*
 * The whole of a regular file, NUL-terminated. The open does not wait (a
 * FIFO with no writer, a tty): anything but a regular file is refused with
 * what it is. NULL with the reason in err.
 */
static char *read_config_file(const char *path, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CFG_MAX_FILE) {
		if (S_ISREG(st.st_mode))
			snprintf(err, errlen, "%s: cannot read: %lld bytes is too large for a VM file",
				 path, (long long)st.st_size);
		else
			snprintf(err, errlen, "%s: cannot read: %s, not a regular file", path,
				 file_kind(st.st_mode));
		close(fd);
		return NULL;
	}
	char *text = xmalloc((size_t)st.st_size + 1);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, text + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			free(text);
			close(fd);
			return NULL;
		}
		if (r == 0 || (n += (size_t)r) == (size_t)st.st_size)
			break; /* a file that shrank is read as it now is */
	}
	close(fd);
	text[n] = 0;
	*len = n;
	return text;
}

struct cfg *cfg_parse_file(const char *path, char *err, size_t errlen)
{
	size_t len;
	char buf[512];
	char *text = read_config_file(path, &len, err && errlen ? err : buf,
				      err && errlen ? errlen : sizeof(buf));
	if (!text)
		return NULL;
	struct cfg *cfg = cfg_parse_string(path, text, len, err, errlen);
	free(text);
	return cfg;
}

void cfg_free(struct cfg *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++) {
		free(cfg->entries[i].key);
		value_free(cfg->entries[i].val);
	}
	free(cfg->entries);
	free(cfg->file);
	free(cfg);
}

struct cfg_entry *cfg_lookup(struct cfg *cfg, const char *key)
{
	struct cfg_entry *last = NULL;

	/* earlier assignments are overridden, so they count as used too */
	for (size_t i = 0; i < cfg->n; i++) {
		if (!strcmp(cfg->entries[i].key, key)) {
			cfg->entries[i].used = true;
			last = &cfg->entries[i];
		}
	}
	return last;
}
