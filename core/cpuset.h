/*
 * Host CPU sets in xl.cfg(5)'s `cpus` syntax: "all", "3", "0-3,5", "all,^7",
 * "^1" (every CPU but 1: a set of exclusions alone starts from all).
 * NUMA node forms ("nodes:0") are refused: vmstation does not place memory.
 */
#ifndef VMST_CPUSET_H
#define VMST_CPUSET_H

#include <sched.h>
#include <stddef.h>

/* CPUs the host has (configured, online or not); at most CPU_SETSIZE. */
unsigned cpuset_host_cpus(void);

/*
 * Parse s into *set for a host of ncpus CPUs: 0, or -1 with why (a CPU the
 * host does not have, a bad range, an empty result).
 */
int cpuset_parse(const char *s, unsigned ncpus, cpu_set_t *set, char *why, size_t whylen);

/* "0-3,5": the set in the same syntax, for messages. */
void cpuset_format(const cpu_set_t *set, char *buf, size_t len);

#endif
