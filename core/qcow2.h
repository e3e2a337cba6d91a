/*
 * qcow2 images (versions 2 and 3): the block layer's second back end.
 *
 * Everything read from the file is untrusted: sizes and offsets are checked,
 * tables are capped, backing chains are bounded; a bad image is refused at
 * open with a message, or a bad entry found later fails that I/O with EIO.
 *
 * Crash consistency: new clusters are only ever appended at the end of the
 * file, and each allocation is written in the order refcount -> data ->
 * L2 entry -> L1 entry, so a process killed at any point leaves at worst
 * leaked clusters. Guest flushes are fdatasync. No lazy refcounts, so the
 * dirty bit is never set.
 *
 * Calls on one image must be serialised by the caller (the block layer holds
 * bd->lock); no allocation happens on the read/write path.
 */
#ifndef VMST_QCOW2_H
#define VMST_QCOW2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qcow2;

/* True when the file descriptor's first four bytes are "QFI\xfb". */
bool qcow2_probe_fd(int fd);
bool qcow2_probe_path(const char *path);

/*
 * Open path as qcow2 (the caller has decided the format). Backing files are
 * opened read-only, relative names resolved against path's directory.
 * NULL with a message in err.
 */
struct qcow2 *qcow2_open(const char *path, bool readonly, char *err, size_t errlen);
void qcow2_close(struct qcow2 *q);

uint64_t qcow2_size(const struct qcow2 *q);          /* virtual size, bytes */
/* 0, or -1 with errno EIO (bad entry, I/O error, refcount table full). */
int qcow2_read(struct qcow2 *q, uint64_t off, void *buf, size_t len);
int qcow2_write(struct qcow2 *q, uint64_t off, const void *buf, size_t len);
int qcow2_flush(struct qcow2 *q);
/*
 * The guest no longer needs [off, off+len): every whole cluster in it that
 * this image owns is unmapped (reads then give zeros, or the backing file's
 * data when there is one and the image is version 2) and its host space is
 * released. Partial clusters and compressed ones are left as they are.
 * 0, or -1 with errno EIO / EROFS.
 */
int qcow2_discard(struct qcow2 *q, uint64_t off, uint64_t len);

/* What `img info` shows. */
struct qcow2_info {
	unsigned version, cluster_bits, refcount_bits;
	uint64_t size, file_size, allocated;   /* allocated: guest bytes mapped in this file */
	char backing[1024], backing_fmt[16];
	bool compressed_zstd;
};
int qcow2_get_info(struct qcow2 *q, struct qcow2_info *info);
/* The backing file as opened (resolved path) and its format, or NULL. */
const char *qcow2_backing_path(const struct qcow2 *q);
bool qcow2_backing_is_qcow2(const struct qcow2 *q);
uint64_t qcow2_cluster_size(const struct qcow2 *q);
/* Is the cluster holding off allocated (data, zero or compressed) in this layer? */
int qcow2_is_allocated(struct qcow2 *q, uint64_t off, bool *alloc);

/*
 * Create an empty image. version 2 (compat 0.10) or 3 (compat 1.1);
 * cluster_bits 12..21; backing may be NULL; backing_fmt "raw", "qcow2" or
 * NULL (not recorded: probed at open). 0, or -1 with a message.
 */
int qcow2_create(const char *path, uint64_t size, unsigned cluster_bits, unsigned version,
		 const char *backing, const char *backing_fmt, char *err, size_t errlen);

#endif
