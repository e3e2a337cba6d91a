/*
 * Port-I/O and MMIO dispatch.
 *
 * A bus is a sorted table of non-overlapping ranges. Readers (vCPU threads on
 * every exit) binary-search the current table without locks or allocation.
 * Writers (device set-up, PCI BAR moves) build a new table and publish it with
 * an atomic pointer store; superseded tables are kept until the bus is freed,
 * so a reader still holding one never touches freed memory. BAR moves are rare
 * (firmware set-up), so the kept tables stay small.
 */
#ifndef VMST_IOBUS_H
#define VMST_IOBUS_H

#include <pthread.h>
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

struct io_table {
	unsigned n;
	struct io_table *older; /* superseded tables, freed with the bus */
	struct io_range r[];
};

struct iobus {
	struct io_table *_Atomic cur;
	pthread_mutex_t write_lock; /* serialises writers only */
	const char *name;           /* "pio" or "mmio", for messages */
};

void iobus_init(struct iobus *bus, const char *name);
void iobus_free(struct iobus *bus);

/* 0, or -1 when the range is empty or overlaps an existing one. */
int iobus_register(struct iobus *bus, uint64_t base, uint64_t len,
		   const struct io_ops *ops, void *opaque, const char *name);
/* Removes the range starting at base owned by opaque; 0 or -1. */
int iobus_unregister(struct iobus *bus, uint64_t base, void *opaque);

/* The range containing addr, or NULL. Lock-free, allocation-free. */
const struct io_range *iobus_find(struct iobus *bus, uint64_t addr);

/*
 * Dispatch one access. data points at size bytes (little-endian, as in
 * struct kvm_run). Returns false if nothing claims addr (reads then fill
 * data with 0xff).
 */
bool iobus_access(struct iobus *bus, uint64_t addr, void *data, unsigned size,
		  bool is_write);

#endif
