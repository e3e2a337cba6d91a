/*
 * Creating an empty qcow2 image: header (+ backing format extension and
 * backing file name) in cluster 0, then the refcount table, one refcount
 * block and the L1 table. The refcount table is made large enough that a
 * fully allocated image never needs to grow it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/qcow2_priv.h"
#include "core/util.h"

int qcow2_create(const char *path, uint64_t size, unsigned cbits, unsigned version,
		 const char *backing, const char *backing_fmt, char *err, size_t errlen)
{
	if (cbits < 12 || cbits > 21) {
		snprintf(err, errlen, "cluster size must be a power of two from 4 KiB to 2 MiB");
		return -1;
	}
	if (version != 2 && version != 3) {
		snprintf(err, errlen, "qcow2 version must be 2 (compat 0.10) or 3 (compat 1.1)");
		return -1;
	}
	if (size > (1ull << 50)) {
		snprintf(err, errlen, "size too large");
		return -1;
	}
	if (backing && strlen(backing) > QCOW2_MAX_BACKING_NAME) {
		snprintf(err, errlen, "backing file name longer than %d bytes", QCOW2_MAX_BACKING_NAME);
		return -1;
	}
	uint64_t cs = 1ull << cbits;
	uint64_t l2e = cs / 8, rbe = cs * 8 / 16;
	uint64_t l1_size = (size + l2e * cs - 1) / (l2e * cs);
	if (!l1_size)
		l1_size = 1;
	uint64_t l1c = (l1_size * 8 + cs - 1) / cs;
	/* every cluster a full image could use: data, L2 tables, refblocks, metadata */
	uint64_t data = (size + cs - 1) / cs, worst = data + data / l2e + 16 + l1c;
	worst += worst / rbe + 1;
	uint64_t rtc = ((worst + rbe - 1) / rbe * 8 + cs - 1) / cs;
	if (!rtc)
		rtc = 1;
	uint64_t meta = 1 + rtc + 1 + l1c;    /* header, reftable, refblock 0, L1 */
	if (meta > rbe || rtc * cs > QCOW2_MAX_RT_BYTES || l1_size * 8 > QCOW2_MAX_L1_BYTES) {
		snprintf(err, errlen, "size too large for this cluster size");
		return -1;
	}
	uint64_t rt_off = cs, rb_off = cs * (1 + rtc), l1_off = cs * (2 + rtc);

	uint8_t *h = xzalloc(cs);
	size_t hl = version == 3 ? QCOW2_V3_HDR_LEN : QCOW2_V2_HDR_LEN, off = hl;
	st32be(h, QCOW2_MAGIC);
	st32be(h + 4, version);
	st32be(h + 20, cbits);
	st64be(h + 24, size);
	st32be(h + 36, (uint32_t)l1_size);
	st64be(h + 40, l1_off);
	st64be(h + 48, rt_off);
	st32be(h + 56, (uint32_t)rtc);
	if (version == 3) {
		st32be(h + 96, 4);          /* refcount order: 16-bit */
		st32be(h + 100, (uint32_t)hl);
	}
	if (backing && backing_fmt && *backing_fmt) {
		size_t l = strlen(backing_fmt);
		st32be(h + off, QCOW2_EXT_BACKING);
		st32be(h + off + 4, (uint32_t)l);
		memcpy(h + off + 8, backing_fmt, l);
		off += 8 + ((l + 7) & ~(size_t)7);
	}
	off += 8;                           /* end of extensions */
	if (backing) {
		size_t l = strlen(backing);
		if (off + l > cs) {
			free(h);
			snprintf(err, errlen, "backing file name does not fit in the header cluster");
			return -1;
		}
		memcpy(h + off, backing, l);
		st64be(h + 8, off);
		st32be(h + 16, (uint32_t)l);
	}

	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(h);
		snprintf(err, errlen, "Could not create '%s': %s", path, strerror(errno));
		return -1;
	}
	uint8_t *t = xzalloc(cs);
	int rc = 0;
	if (pwrite(fd, h, cs, 0) != (ssize_t)cs)
		rc = -1;
	memset(t, 0, cs);
	st64be(t, rb_off);
	if (!rc && pwrite(fd, t, cs, rt_off) != (ssize_t)cs)
		rc = -1;
	for (uint64_t i = 1; !rc && i < rtc; i++) {
		memset(t, 0, 8);
		if (pwrite(fd, t, cs, rt_off + i * cs) != (ssize_t)cs)
			rc = -1;
	}
	memset(t, 0, cs);
	for (uint64_t i = 0; i < meta; i++)
		st16be(t + i * 2, 1);
	if (!rc && pwrite(fd, t, cs, rb_off) != (ssize_t)cs)
		rc = -1;
	if (!rc && ftruncate(fd, (off_t)(l1_off + l1c * cs)) < 0)
		rc = -1;
	if (!rc && fsync(fd) < 0)
		rc = -1;
	if (rc)
		snprintf(err, errlen, "Could not write '%s': %s", path, strerror(errno));
	close(fd);
	free(t);
	free(h);
	return rc;
}
