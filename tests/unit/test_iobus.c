/*
 * The I/O dispatch table: registration, overlap refusal, lookup, COW updates,
 * and reclamation of superseded tables (a guest toggling a BAR a million
 * times must not grow the process; readers on other threads never see a
 * freed table: ASan watches).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "core/iobus.h"
#include "unit.h"

struct dev { uint64_t last_off, last_val; unsigned last_size; int reads, writes; };

static uint64_t rd(void *o, uint64_t off, unsigned size)
{
	struct dev *d = o;
	d->reads++;
	d->last_off = off;
	d->last_size = size;
	return 0x1234567890abcdefull;
}

static void wr(void *o, uint64_t off, uint64_t v, unsigned size)
{
	struct dev *d = o;
	d->writes++;
	d->last_off = off;
	d->last_val = v;
	d->last_size = size;
}

static const struct io_ops ops = { .read = rd, .write = wr };

/*
 * A PCI-like device: writing 1/0 to its control port maps/unmaps its "BAR"
 * on the same bus from inside the handler, as a guest's command-register
 * write does (the writer is itself a reader).
 */
struct toggler { struct iobus *bus; struct dev bar; bool mapped; };

static void toggle_wr(void *o, uint64_t off, uint64_t v, unsigned size)
{
	struct toggler *t = o;
	(void)off;
	(void)size;
	if (v && !t->mapped)
		t->mapped = iobus_register(t->bus, 0xc000, 16, &ops, &t->bar, "bar") == 0;
	else if (!v && t->mapped)
		t->mapped = iobus_unregister(t->bus, 0xc000, &t->bar) != 0;
}

static const struct io_ops toggle_ops = { .write = toggle_wr };

static void test_toggle_bounded(void)
{
	struct iobus bus;
	iobus_init(&bus, "pio");
	struct dev fixed[20];
	for (int i = 0; i < 20; i++)
		iobus_register(&bus, 0x100 + i * 8, 8, &ops, &fixed[i], "fixed");
	struct toggler t = { .bus = &bus };
	iobus_register(&bus, 0xcfc, 4, &toggle_ops, &t, "ctl");
	unsigned base_tables = iobus_live_tables(&bus);
	bool mapped_ok = true;
	for (long i = 0; i < 1000000; i++) {
		uint32_t v = !(i & 1);
		iobus_access(&bus, 0xcfc, &v, 4, true);
		mapped_ok &= t.mapped == !(i & 1);
	}
	CHECK(mapped_ok, "1,000,000 BAR toggles from inside a handler all took effect");
	CHECK(bus.max_live_tables <= base_tables + 3,
	      "tables alive stay bounded over a million toggles (max %u, base %u)",
	      bus.max_live_tables, base_tables);
	iobus_reclaim(&bus);
	CHECK_EQ(iobus_live_tables(&bus), 1, "after reclaim only the current table is left");
	iobus_free(&bus);
}

/* Reader threads hammer the bus while the main thread moves a range. */
struct hammer { struct iobus *bus; struct dev *fixed; _Atomic bool stop; _Atomic long bad, reads; };

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	while (!atomic_load(&h->stop)) {
		uint64_t v = 0;
		if (!iobus_access(h->bus, 0x104, &v, 4, false) || v != 0x90abcdefull)
			atomic_fetch_add(&h->bad, 1);
		uint64_t w = 0;
		iobus_access(h->bus, 0xc004, &w, 1, false); /* mapped or not */
		atomic_fetch_add(&h->reads, 1);
	}
	return NULL;
}

static void test_concurrent_readers(void)
{
	struct iobus bus;
	iobus_init(&bus, "pio");
	struct dev fixed = { 0 }, moving = { 0 };
	iobus_register(&bus, 0x100, 8, &ops, &fixed, "fixed");
	struct hammer h = { .bus = &bus, .fixed = &fixed };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, hammer_thread, &h);
	unsigned peak = 0;
	for (int i = 0; i < 100000; i++) {
		if (i & 1)
			iobus_unregister(&bus, 0xc000, &moving);
		else
			iobus_register(&bus, 0xc000, 16, &ops, &moving, "moving");
		unsigned n = iobus_live_tables(&bus);
		peak = n > peak ? n : peak;
	}
	atomic_store(&h.stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK(atomic_load(&h.reads) > 0, "reader threads ran (%ld reads)", atomic_load(&h.reads));
	CHECK_EQ(atomic_load(&h.bad), 0, "readers always found the fixed range during 100,000 moves");
	/* without reclamation all 100,001 would be alive; past
	 * IOBUS_PENDING_MAX the writer yields to a preempted reader */
	CHECK(peak < 1000, "tables alive stay bounded with readers running (peak %u of 100,001)", peak);
	iobus_reclaim(&bus);
	CHECK_EQ(iobus_live_tables(&bus), 1, "after reclaim only the current table is left");
	iobus_free(&bus);
}

int main(void)
{
	test_toggle_bounded();
	test_concurrent_readers();

	struct iobus bus;
	struct dev a = { 0 }, b = { 0 }, c = { 0 };
	iobus_init(&bus, "pio");
	CHECK_EQ(iobus_register(&bus, 0x3f8, 8, &ops, &a, "a"), 0, "register 0x3f8+8");
	CHECK_EQ(iobus_register(&bus, 0x60, 1, &ops, &b, "b"), 0, "register 0x60");
	CHECK_EQ(iobus_register(&bus, 0x64, 1, &ops, &c, "c"), 0, "register 0x64");
	CHECK_EQ(iobus_register(&bus, 0x3fc, 8, &ops, &c, "x"), -1, "overlap at the end refused");
	CHECK_EQ(iobus_register(&bus, 0x3f0, 9, &ops, &c, "x"), -1, "overlap at the start refused");
	CHECK_EQ(iobus_register(&bus, 0x10, 0, &ops, &c, "x"), -1, "empty range refused");
	CHECK_EQ(iobus_register(&bus, ~0ull - 2, 8, &ops, &c, "x"), -1, "wrapping range refused");

	uint32_t v = 0;
	CHECK(iobus_access(&bus, 0x3fd, &v, 1, false), "read claimed port");
	CHECK_EQ(a.last_off, 5, "offset relative to base");
	CHECK_EQ(v, 0xef, "1-byte read returns the low byte");
	v = 0xaabbccdd;
	CHECK(iobus_access(&bus, 0x3f8, &v, 4, true), "write claimed port");
	CHECK_EQ(a.last_val, 0xaabbccdd, "4-byte write value");
	v = 0;
	CHECK(!iobus_access(&bus, 0x61, &v, 2, false), "unclaimed port reports false");
	CHECK_EQ(v, 0xffff, "unclaimed read returns all ones");
	CHECK(iobus_find(&bus, 0x60) && iobus_find(&bus, 0x60)->opaque == &b, "find 0x60");
	CHECK(iobus_find(&bus, 0x64)->opaque == &c, "find 0x64");
	CHECK(iobus_find(&bus, 0x400) == NULL, "nothing past the last range");
	CHECK(iobus_find(&bus, 0x3ff)->opaque == &a, "last byte of a range");

	CHECK_EQ(iobus_unregister(&bus, 0x60, &b), 0, "unregister 0x60");
	CHECK(iobus_find(&bus, 0x60) == NULL, "gone after unregister");
	CHECK_EQ(iobus_unregister(&bus, 0x60, &b), -1, "second unregister fails");
	CHECK_EQ(iobus_register(&bus, 0x60, 1, &ops, &b, "b"), 0, "register again");

	/* many ranges: binary search finds each */
	struct dev many[200];
	int ok = 1;
	for (int i = 0; i < 200; i++)
		ok &= iobus_register(&bus, 0x1000 + i * 16, 8, &ops, &many[i], "m") == 0;
	for (int i = 0; i < 200; i++) {
		const struct io_range *r = iobus_find(&bus, 0x1000 + i * 16 + 7);
		ok &= r && r->opaque == &many[i];
		ok &= iobus_find(&bus, 0x1000 + i * 16 + 8) == NULL;
	}
	CHECK(ok, "200 ranges registered and found, gaps unclaimed");
	iobus_free(&bus);
	return UNIT_DONE();
}
