/*
 * Where a vCPU's exits go, for finding what a guest driver hammers: with
 * VMST_EXIT_PROFILE=1 in the environment each vCPU counts its port and MMIO
 * exits by address and direction, and prints the busiest on stderr when
 * it is freed. Off (the default) it costs one pointer test per exit.
 */
#ifndef VMST_EXIT_PROFILE_H
#define VMST_EXIT_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

struct exit_profile;

/* NULL unless VMST_EXIT_PROFILE is set (and not "0"). */
struct exit_profile *exit_profile_new(void);
/* One exit: is_mmio, the port or physical address, the access size and direction. */
void exit_profile_count(struct exit_profile *p, bool is_mmio, uint64_t addr, unsigned size,
			bool write, uint32_t times);
/* Print the busiest addresses ("exit profile NAME: ...") and free. */
void exit_profile_report(struct exit_profile *p, const char *name);

#endif
