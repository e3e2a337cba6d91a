/*
 * Unpacked kernels of direct boot, kept on disk. Unpacking a distribution
 * kernel's xz payload takes about a second of host CPU (tens of seconds on a
 * software CPU), on every boot and every reset of the VM; a kernel unpacked
 * once is mapped from $XDG_CACHE_HOME/vmstation/kernels (default
 * ~/.cache/vmstation/kernels) afterwards. An entry is named by the packed
 * payload's length and two checksums of it and checked against them and its
 * own length when read; a damaged or foreign file is a miss. The newest
 * KERNEL_CACHE_KEEP entries stay. VMST_KERNEL_CACHE=0 turns it off.
 */
#ifndef VMST_KERNEL_CACHE_H
#define VMST_KERNEL_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KERNEL_CACHE_KEEP 6

/* An unpacked kernel: mapped from the cache or malloc'd by the caller. */
struct kernel_blob {
	const uint8_t *data;
	size_t len;
	void *map;          /* the cache file's mapping, or NULL */
	size_t map_len;
};

/* Fills buf with the cache directory (created, mode 0700); false when the
 * cache is turned off or the directory cannot be made. */
bool kernel_cache_dir(char *buf, size_t n);

/* The entry for this packed payload (format as decompress.h's enum), mapped
 * into *out; false on a miss. */
bool kernel_cache_load(const char *dir, int format, const uint8_t *packed,
		       size_t packed_len, struct kernel_blob *out);

/* Writes an entry (a temporary file renamed into place, so readers never see
 * half of one), then drops the oldest beyond KERNEL_CACHE_KEEP. Failures are
 * only a slower next boot: false, nothing else. */
bool kernel_cache_store(const char *dir, int format, const uint8_t *packed,
			size_t packed_len, const uint8_t *data, size_t len);

/* Unmaps a blob from kernel_cache_load (nothing for one without a map). */
void kernel_blob_release(struct kernel_blob *b);

#endif
