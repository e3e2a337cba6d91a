/*
 * A tiny unit-test harness: each CHECK prints "PASS: file: what" or
 * "FAIL: file:line: what"; tests/run.sh counts those lines.
 */
#ifndef VMST_UNIT_H
#define VMST_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (cond) {                                                  \
			printf("PASS: %s: ", __FILE__);                      \
		} else {                                                     \
			printf("FAIL: %s:%d: ", __FILE__, __LINE__);        \
			unit_failures++;                                     \
		}                                                            \
		printf(__VA_ARGS__);                                         \
		printf("\n");                                                \
	} while (0)

#define CHECK_EQ(a, b, what)                                                 \
	do {                                                                 \
		long long _a = (long long)(a), _b = (long long)(b);          \
		CHECK(_a == _b, "%s (%lld == %lld)", what, _a, _b);          \
	} while (0)

#define CHECK_STR(a, b, what)                                                \
	do {                                                                 \
		const char *_a = (a), *_b = (b);                             \
		CHECK(_a && _b && strcmp(_a, _b) == 0, "%s ('%s' == '%s')",  \
		      what, _a ? _a : "(null)", _b ? _b : "(null)");         \
	} while (0)

#define UNIT_DONE() (unit_failures ? 1 : 0)

#endif
