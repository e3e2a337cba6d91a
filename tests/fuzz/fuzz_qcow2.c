/*
 * qcow2 images from untrusted bytes: the input is the image file itself
 * (header, extensions, backing name, L1/L2 and refcount tables, compressed
 * data all come from it). It is opened read-only and read-write; reads and
 * writes spread over its virtual size must fail cleanly or succeed, never
 * crash, overrun or loop, and never allocate beyond the caps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/qcow2.h"

static void exercise(struct qcow2 *q, const uint8_t *data, size_t size, bool write)
{
	static uint8_t buf[3 * 65536];
	uint64_t vsize = qcow2_size(q);
	if (!vsize)
		return;
	for (unsigned i = 0; i < 24; i++) {
		uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15ull ^ (size > i ? data[size - 1 - i] : 0);
		uint64_t off = i < 8 ? (uint64_t)i * 512 : (h % vsize) & ~511ull;
		size_t len = 512u << (i % 8);
		if (len > sizeof(buf))
			len = sizeof(buf);
		if (off >= vsize)
			continue;       /* the first offsets lie past a small image's end */
		if (len > vsize - off)
			len = (size_t)(vsize - off);
		if (write && (i & 1)) {
			memset(buf, (int)i, len);
			qcow2_write(q, off, buf, len);
		} else {
			qcow2_read(q, off, buf, len);
		}
	}
	qcow2_flush(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-qcow2", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64], err[512];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct qcow2 *q = qcow2_open(path, true, err, sizeof(err));
	if (q) {
		exercise(q, data, size, false);
		struct qcow2_info info;
		qcow2_get_info(q, &info);
		qcow2_close(q);
	}
	q = qcow2_open(path, false, err, sizeof(err));
	if (q) {
		exercise(q, data, size, true);
		qcow2_close(q);
	}
	close(fd);
	return 0;
}
