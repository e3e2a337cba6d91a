/*
 * The xl.cfg syntax, shared by VM files and vmstation.conf:
 *   key = value      value: 'string' "string" number [list, ...]
 *   key += value     appends to a list
 *   # comment, statements end at newline or ';', lists may span lines.
 * Errors are reported as "file:line:col: message".
 */
#ifndef VMST_CONFIG_H
#define VMST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum cfg_type { CFG_STRING, CFG_NUMBER, CFG_LIST };

struct cfg_value {
	enum cfg_type type;
	char *str;               /* CFG_STRING: text; CFG_NUMBER: as written */
	long long num;           /* CFG_NUMBER */
	struct cfg_value **items; /* CFG_LIST */
	size_t n;
	int line, col;
};

struct cfg_entry {
	char *key;
	struct cfg_value *val;
	int line, col;
	bool used; /* set by the code that consumed it; unused keys are warned */
};

struct cfg {
	char *file; /* name used in messages */
	struct cfg_entry *entries;
	size_t n;
};

/* NULL on error, with "file:line:col: message" in err. */
struct cfg *cfg_parse_file(const char *path, char *err, size_t errlen);
struct cfg *cfg_parse_string(const char *name, const char *text, size_t len,
			     char *err, size_t errlen);
void cfg_free(struct cfg *cfg);

/* Last assignment of key, marking it used; NULL if absent. */
struct cfg_entry *cfg_lookup(struct cfg *cfg, const char *key);

#endif
