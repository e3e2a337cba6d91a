/*
 * Port-I/O and MMIO dispatch: copy-on-write sorted range tables, freed after
 * a two-counter grace period (see iobus.h).
 *
 * Why a retired batch is safe to free (all atomics sequentially consistent):
 * a reader counts itself in readers[e & 1] (e: the epoch it read) before it
 * loads cur. The writer flips the epoch from E to E+1 only when
 * readers[(E+1) & 1] is zero, and frees the batch that went waiting at that
 * earlier flip only when readers[E & 1] is zero again at a later check.
 * A reader holding a table of that batch loaded it before the table was
 * replaced, so before the flip; it counted itself under E (still counted at
 * the check) or under an older epoch of the other parity, which the flip's
 * own check saw drained, or which it joined after that check, too late to
 * load a replaced table. Readers never wait, lock or allocate; writers never
 * wait either (a writer may be a device handler inside iobus_access), so a
 * batch waits for the next write or iobus_reclaim.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/iobus.h"
#include "core/util.h"

static struct io_table *table_alloc(struct iobus *bus, unsigned n)
{
	struct io_table *t = xzalloc(sizeof(*t) + n * sizeof(t->r[0]));
	t->n = n;
	if (++bus->live_tables > bus->max_live_tables)
		bus->max_live_tables = bus->live_tables;
	return t;
}

static void free_batch(struct iobus *bus, struct io_table *t)
{
	while (t) {
		struct io_table *next = t->next;
		free(t);
		bus->live_tables--;
		t = next;
	}
}

void iobus_init(struct iobus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	pthread_mutex_init(&bus->write_lock, NULL);
	bus->cur = table_alloc(bus, 0);
	bus->name = name;
}

void iobus_free(struct iobus *bus)
{
	free_batch(bus, bus->waiting);
	free_batch(bus, bus->pending);
	free_batch(bus, bus->cur);
	bus->cur = NULL;
	bus->waiting = bus->pending = NULL;
	bus->n_pending = 0;
	pthread_mutex_destroy(&bus->write_lock);
}

/* Write lock held. Never waits: frees and flips only what is already safe. */
static void advance(struct iobus *bus)
{
	unsigned e = atomic_load(&bus->epoch);
	if (atomic_load(&bus->readers[(e + 1) & 1]))
		return; /* readers of the previous epoch are still inside */
	free_batch(bus, bus->waiting);
	bus->waiting = bus->pending;
	bus->pending = NULL;
	bus->n_pending = 0;
	if (bus->waiting)
		atomic_store(&bus->epoch, e + 1);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Write lock held, before allocating. Too many tables retired while a reader
 * sits in a handler: yield to it for a while. Never unbounded: the reader
 * may be waiting for a lock our caller holds (a device's, around a BAR move).
 */
static void throttle(struct iobus *bus)
{
	if (bus->n_pending < IOBUS_PENDING_MAX)
		return;
	int64_t deadline = now_ns() + IOBUS_STALL_NS;
	do {
		advance(bus);
		if (bus->n_pending < IOBUS_PENDING_MAX)
			return;
		sched_yield();
	} while (now_ns() < deadline);
}

/* Write lock held: publish t, retire the table it replaces. */
static void publish(struct iobus *bus, struct io_table *t)
{
	struct io_table *old = bus->cur;
	atomic_store(&bus->cur, t);
	old->next = bus->pending;
	bus->pending = old;
	bus->n_pending++;
	advance(bus);
}

void iobus_reclaim(struct iobus *bus)
{
	pthread_mutex_lock(&bus->write_lock);
	advance(bus);
	advance(bus); /* a second flip frees the batch the first one started */
	pthread_mutex_unlock(&bus->write_lock);
}

unsigned iobus_live_tables(struct iobus *bus)
{
	pthread_mutex_lock(&bus->write_lock);
	unsigned n = bus->live_tables;
	pthread_mutex_unlock(&bus->write_lock);
	return n;
}

int iobus_register(struct iobus *bus, uint64_t base, uint64_t len,
		   const struct io_ops *ops, void *opaque, const char *name)
{
	if (!len || base + len < base)
		return -1;
	pthread_mutex_lock(&bus->write_lock);
	struct io_table *old = bus->cur;
	unsigned pos = 0;
	while (pos < old->n && old->r[pos].base < base)
		pos++;
	/* overlap with the neighbours? */
	if ((pos > 0 && old->r[pos - 1].base + old->r[pos - 1].len > base) ||
	    (pos < old->n && base + len > old->r[pos].base)) {
		pthread_mutex_unlock(&bus->write_lock);
		return -1;
	}
	throttle(bus);
	struct io_table *t = table_alloc(bus, old->n + 1);
	memcpy(t->r, old->r, pos * sizeof(t->r[0]));
	t->r[pos] = (struct io_range){ .base = base, .len = len, .ops = ops,
				      .opaque = opaque, .name = name };
	memcpy(t->r + pos + 1, old->r + pos, (old->n - pos) * sizeof(t->r[0]));
	publish(bus, t);
	pthread_mutex_unlock(&bus->write_lock);
	return 0;
}

int iobus_unregister(struct iobus *bus, uint64_t base, void *opaque)
{
	pthread_mutex_lock(&bus->write_lock);
	struct io_table *old = bus->cur;
	unsigned pos;
	for (pos = 0; pos < old->n; pos++)
		if (old->r[pos].base == base && old->r[pos].opaque == opaque)
			break;
	if (pos == old->n) {
		pthread_mutex_unlock(&bus->write_lock);
		return -1;
	}
	throttle(bus);
	struct io_table *t = table_alloc(bus, old->n - 1);
	memcpy(t->r, old->r, pos * sizeof(t->r[0]));
	memcpy(t->r + pos, old->r + pos + 1, (old->n - pos - 1) * sizeof(t->r[0]));
	publish(bus, t);
	pthread_mutex_unlock(&bus->write_lock);
	return 0;
}

static const struct io_range *table_find(const struct io_table *t, uint64_t addr)
{
	unsigned lo = 0, hi = t->n;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct io_range *r = &t->r[mid];
		if (addr < r->base)
			hi = mid;
		else if (addr - r->base >= r->len)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

const struct io_range *iobus_find(struct iobus *bus, uint64_t addr)
{
	return table_find(atomic_load_explicit(&bus->cur, memory_order_acquire), addr);
}

bool iobus_access(struct iobus *bus, uint64_t addr, void *data, unsigned size,
		  bool is_write)
{
	/* enter the read side: count ourselves before loading the table */
	_Atomic unsigned *count = &bus->readers[atomic_load(&bus->epoch) & 1];
	atomic_fetch_add(count, 1);
	const struct io_range *r = table_find(atomic_load(&bus->cur), addr);
	bool claimed = r && size && size <= 8;
	if (!claimed) {
		if (!is_write && size <= 8)
			memset(data, 0xff, size);
	} else if (is_write) {
		uint64_t v = 0;
		memcpy(&v, data, size);
		if (r->ops->write)
			r->ops->write(r->opaque, addr - r->base, v, size);
	} else {
		uint64_t v = r->ops->read ? r->ops->read(r->opaque, addr - r->base, size) : ~0ull;
		memcpy(data, &v, size);
	}
	atomic_fetch_sub(count, 1);
	return claimed;
}
