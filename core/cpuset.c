/* xl.cfg(5) CPU lists: parse and print (core/cpuset.h). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cpuset.h"

unsigned cpuset_host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	if (n < 1)
		n = 1;
	return n > CPU_SETSIZE ? CPU_SETSIZE : (unsigned)n;
}

/* A CPU number at *p (advanced past it): 0, or -1. */
static int number(const char **p, unsigned long *out)
{
	if (!isdigit((unsigned char)**p))
		return -1;
	char *end;
	*out = strtoul(*p, &end, 10);
	if (end - *p > 6)
		return -1;
	*p = end;
	return 0;
}

int cpuset_parse(const char *s, unsigned ncpus, cpu_set_t *set, char *why, size_t whylen)
{
	CPU_ZERO(set);
	bool any_include = false;
	/* first pass: does anything add CPUs? (exclusions alone start from all) */
	for (const char *q = s; *q;) {
		while (*q == ' ')
			q++;
		if (*q && *q != '^' && *q != ',')
			any_include = true;
		q += strcspn(q, ",");
		if (*q)
			q++;
	}
	if (!any_include)
		for (unsigned i = 0; i < ncpus; i++)
			CPU_SET(i, set);
	const char *p = s;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *item = p;
		bool exclude = *p == '^';
		if (exclude)
			p++;
		unsigned long lo, hi;
		if (!strncmp(p, "all", 3) && !exclude) {
			for (unsigned i = 0; i < ncpus; i++)
				CPU_SET(i, set);
			p += 3;
		} else if (!strncmp(p, "node", 4)) {
			snprintf(why, whylen, "'%s': NUMA node sets are not supported (list host CPUs)", s);
			return -1;
		} else {
			if (number(&p, &lo) < 0) {
				snprintf(why, whylen, "'%s': a CPU number, a range N-M, ^N or 'all' is expected at '%.20s'",
					 s, item);
				return -1;
			}
			hi = lo;
			if (*p == '-') {
				p++;
				if (number(&p, &hi) < 0 || hi < lo) {
					snprintf(why, whylen, "'%s': bad range at '%.20s'", s, item);
					return -1;
				}
			}
			if (hi >= ncpus) {
				snprintf(why, whylen, "'%s': CPU %lu does not exist on this host (0-%u)", s,
					 hi, ncpus - 1);
				return -1;
			}
			for (unsigned long i = lo; i <= hi; i++) {
				if (exclude)
					CPU_CLR(i, set);
				else
					CPU_SET(i, set);
			}
		}
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
		else if (*p) {
			snprintf(why, whylen, "'%s': a comma is expected at '%.20s'", s, p);
			return -1;
		}
	}
	if (!CPU_COUNT(set)) {
		snprintf(why, whylen, "'%s': the set of CPUs is empty", s);
		return -1;
	}
	return 0;
}

void cpuset_format(const cpu_set_t *set, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < CPU_SETSIZE && o < len; i++) {
		if (!CPU_ISSET(i, set))
			continue;
		unsigned j = i;
		while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, set))
			j++;
		int n = j > i ? snprintf(buf + o, len - o, "%s%u-%u", o ? "," : "", i, j)
			      : snprintf(buf + o, len - o, "%s%u", o ? "," : "", i);
		if (n < 0)
			break;
		o += (size_t)n;
		i = j;
	}
}
