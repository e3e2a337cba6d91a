/* Per-vCPU exit counts by address (see exit_profile.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/exit_profile.h"
#include "core/util.h"

#define SLOTS 1024        /* open addressing; addresses beyond that are lumped */
#define SHOWN 16

struct exit_slot {
	uint64_t key;      /* addr << 8 | size << 2 | mmio << 1 | write; 0 = empty */
	uint64_t count;
};

struct exit_profile {
	struct exit_slot slot[SLOTS];
	uint64_t other;    /* exits at addresses that found no free slot */
};

struct exit_profile *exit_profile_new(void)
{
	const char *e = getenv("VMST_EXIT_PROFILE");
	if (!e || !*e || !strcmp(e, "0"))
		return NULL;
	return xzalloc(sizeof(struct exit_profile));
}

void exit_profile_count(struct exit_profile *p, bool is_mmio, uint64_t addr, unsigned size,
			bool write, uint32_t times)
{
	uint64_t key = addr << 8 | (uint64_t)(size & 63) << 2 | (uint64_t)is_mmio << 1 | write;
	unsigned h = (unsigned)((key * 0x9E3779B97F4A7C15ull) >> 54);
	for (unsigned n = 0; n < 32; n++) {
		struct exit_slot *s = &p->slot[(h + n) % SLOTS];
		if (s->key == key || !s->key) {
			s->key = key;
			s->count += times;
			return;
		}
	}
	p->other += times;
}

static int by_count(const void *a, const void *b)
{
	const struct exit_slot *x = a, *y = b;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

void exit_profile_report(struct exit_profile *p, const char *name)
{
	if (!p)
		return;
	uint64_t total = p->other;
	for (unsigned i = 0; i < SLOTS; i++)
		total += p->slot[i].count;
	qsort(p->slot, SLOTS, sizeof(p->slot[0]), by_count);
	fprintf(stderr, "exit profile %s: %llu port/MMIO exits\n", name, (unsigned long long)total);
	for (unsigned i = 0; i < SHOWN && p->slot[i].count; i++) {
		uint64_t k = p->slot[i].key;
		fprintf(stderr, "exit profile %s: %10llu %s %s %#llx size %u\n", name,
			(unsigned long long)p->slot[i].count, k & 2 ? "mmio" : "pio ",
			k & 1 ? "write" : "read ", (unsigned long long)(k >> 8), (unsigned)(k >> 2) & 63);
	}
	if (p->other)
		fprintf(stderr, "exit profile %s: %10llu elsewhere\n", name, (unsigned long long)p->other);
	free(p);
}
