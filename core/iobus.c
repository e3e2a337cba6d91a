/* Port-I/O and MMIO dispatch: copy-on-write sorted range tables. */
#include <stdlib.h>
#include <string.h>

#include "iobus.h"
#include "util.h"

static struct io_table *table_alloc(unsigned n)
{
	struct io_table *t = xzalloc(sizeof(*t) + n * sizeof(t->r[0]));
	t->n = n;
	return t;
}

void iobus_init(struct iobus *bus, const char *name)
{
	bus->cur = table_alloc(0);
	pthread_mutex_init(&bus->write_lock, NULL);
	bus->name = name;
}

void iobus_free(struct iobus *bus)
{
	struct io_table *t = bus->cur;
	while (t) {
		struct io_table *older = t->older;
		free(t);
		t = older;
	}
	bus->cur = NULL;
	pthread_mutex_destroy(&bus->write_lock);
}

/* Publish a new table; the old one stays reachable through ->older. */
static void publish(struct iobus *bus, struct io_table *t)
{
	t->older = bus->cur;
	__atomic_store_n(&bus->cur, t, __ATOMIC_RELEASE);
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
	struct io_table *t = table_alloc(old->n + 1);
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
	struct io_table *t = table_alloc(old->n - 1);
	memcpy(t->r, old->r, pos * sizeof(t->r[0]));
	memcpy(t->r + pos, old->r + pos + 1, (old->n - pos - 1) * sizeof(t->r[0]));
	publish(bus, t);
	pthread_mutex_unlock(&bus->write_lock);
	return 0;
}

const struct io_range *iobus_find(struct iobus *bus, uint64_t addr)
{
	const struct io_table *t = __atomic_load_n(&bus->cur, __ATOMIC_ACQUIRE);
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

bool iobus_access(struct iobus *bus, uint64_t addr, void *data, unsigned size,
		  bool is_write)
{
	const struct io_range *r = iobus_find(bus, addr);
	if (!r || size == 0 || size > 8) {
		if (!is_write && size <= 8)
			memset(data, 0xff, size);
		return false;
	}
	uint64_t off = addr - r->base;
	if (is_write) {
		uint64_t v = 0;
		memcpy(&v, data, size);
		if (r->ops->write)
			r->ops->write(r->opaque, off, v, size);
	} else {
		uint64_t v = r->ops->read ? r->ops->read(r->opaque, off, size) : ~0ull;
		memcpy(data, &v, size);
	}
	return true;
}
