/* The I/O dispatch table: registration, overlap refusal, lookup, COW updates. */
#include <stdlib.h>

#include "iobus.h"
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

int main(void)
{
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

	const struct io_range *old = iobus_find(&bus, 0x60);
	CHECK_EQ(iobus_unregister(&bus, 0x60, &b), 0, "unregister 0x60");
	CHECK(iobus_find(&bus, 0x60) == NULL, "gone after unregister");
	CHECK(old->opaque == &b, "a reader's old table stays valid");
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
