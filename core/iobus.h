/*
 * Port-I/O and MMIO dispatch.
 *
 * A bus is a sorted table of non-overlapping ranges. Readers (vCPU threads on
 * every exit) binary-search the current table without locks or allocation.
 * Writers (device set-up, PCI BAR moves) build a new table and publish it with
 * an atomic pointer store. A guest can move BARs as often as it likes, so
 * superseded tables are freed after a grace period (iobus.c): a reader counts
 * itself in one of two counters, chosen by the bus's epoch parity, for the
 * length of one iobus_access; a writer retires old tables to a pending batch,
 * flips the epoch when the counter new readers are about to use has drained,
 * and frees the previous batch once its epoch's counter drains. A thread that
 * is not inside iobus_access (a vCPU blocked in KVM_RUN, paused or halted)
 * holds nothing and never delays reclamation. Only a reader stuck inside a
 * handler (preempted by the host) delays it; past IOBUS_PENDING_MAX retired
 * tables a writer gives such readers up to IOBUS_STALL_NS to leave before it
 * allocates more, which bounds the growth to one table per IOBUS_STALL_NS.
 */
#ifndef VMST_IOBUS_H
#define VMST_IOBUS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * A device's handlers. offset is relative to the start of the registered
 * range; size is 1, 2, 4 (or 8 for MMIO). The handler runs on the thread that
 * caused the exit and takes the device's own lock if it has state shared with
 * other threads. Reads of unclaimed addresses return all ones.
 */
struct io_ops {
	uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
	void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
};

struct io_range {
	uint64_t base, len;
	const struct io_ops *ops;
	void *opaque;
	const char *name;
};

#define IOBUS_PENDING_MAX 64
#define IOBUS_STALL_NS    10000000L /* 10 ms */

struct io_table {
	unsigned n;
	struct io_table *next; /* in a retired batch */
	struct io_range r[];
};

struct iobus {
	struct io_table *_Atomic cur;
	_Atomic unsigned epoch;       /* parity picks the readers counter */
	_Atomic unsigned readers[2];  /* threads inside iobus_access, per parity */
	pthread_mutex_t write_lock;   /* serialises writers only; guards below */
	struct io_table *pending;     /* retired since the last epoch flip */
	struct io_table *waiting;     /* retired before it: freed when drained */
	unsigned n_pending;
	unsigned live_tables;         /* cur + pending + waiting (tests, bound) */
	unsigned max_live_tables;     /* high-water mark of live_tables */
	const char *name;             /* "pio" or "mmio", for messages */
};

void iobus_init(struct iobus *bus, const char *name);
void iobus_free(struct iobus *bus);

/* 0, or -1 when the range is empty or overlaps an existing one. */
int iobus_register(struct iobus *bus, uint64_t base, uint64_t len,
		   const struct io_ops *ops, void *opaque, const char *name);
/* Removes the range starting at base owned by opaque; 0 or -1. */
int iobus_unregister(struct iobus *bus, uint64_t base, void *opaque);

/*
 * The range containing addr, or NULL. Lock-free, allocation-free. The result
 * points into the current table: valid until the next register/unregister on
 * this bus (set-up code and tests only; vCPUs go through iobus_access).
 */
const struct io_range *iobus_find(struct iobus *bus, uint64_t addr);

/*
 * Dispatch one access. data points at size bytes (little-endian, as in
 * struct kvm_run). Returns false if nothing claims addr (reads then fill
 * data with 0xff).
 */
bool iobus_access(struct iobus *bus, uint64_t addr, void *data, unsigned size,
		  bool is_write);

/* Frees retired tables no reader can hold any more (writers do it too). */
void iobus_reclaim(struct iobus *bus);
/* Tables allocated now (current and retired), for tests and the bound. */
unsigned iobus_live_tables(struct iobus *bus);

#endif
