/*
 * qcow2 discard (the guest's TRIM): unmap whole clusters and give their
 * space back to the host file system.
 *
 * Order for a crash at any point: the L2 entry is rewritten first, then the
 * cluster's refcount drops to 0, then its bytes are punched out of the file.
 * A kill in between leaves at worst a leaked cluster (refcount 1, nothing
 * points at it), never an entry pointing at a freed cluster. Allocation only
 * ever appends, so a freed cluster is not reused and stays a hole.
 */
#include <errno.h>
#include <fcntl.h>

#include "core/qcow2_priv.h"

/* Unmap guest cluster vc if this image owns its data; 0 when nothing failed. */
static int discard_cluster(struct qcow2 *q, uint64_t vc)
{
	uint64_t ent, pos, host;
	if (qcow2_l2_get(q, vc, &ent, &pos) < 0)
		return -1;
	int kind = qcow2_classify(q, ent, &host);
	if (kind < 0)
		return -1;
	/* compressed clusters share host clusters (refcounts above 1): left alone */
	if ((kind != C_NORMAL && kind != C_ZERO) || !host || !(ent & QCOW2_COPIED))
		return 0;
	bool backed = q->bq || q->bfd >= 0;
	uint64_t unmapped;
	if (!backed)
		unmapped = 0;                 /* unallocated, no backing: reads zeros */
	else if (q->version >= 3)
		unmapped = QCOW2_ZERO;        /* zero flag, so the base does not show through */
	else
		return 0;                     /* v2 over a base has no way to say "zeros" */
	if (qcow2_l2_set(q, pos, unmapped) < 0)
		return -1;
	if (qcow2_rc_set(q, host >> q->cbits, 0, 0) < 0)
		return -1;
	/* best effort: a file system without holes keeps the bytes */
	fallocate(q->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)host, (off_t)q->cs);
	return 0;
}

int qcow2_discard(struct qcow2 *q, uint64_t off, uint64_t len)
{
	if (q->readonly) {
		errno = EROFS;
		return -1;
	}
	if (off > q->size || len > q->size - off) {
		errno = EIO;
		return -1;
	}
	uint64_t first = (off + q->cs - 1) >> q->cbits;
	uint64_t end = (off + len) >> q->cbits;
	/* the image's last cluster may be partial: it counts as whole when the range reaches the end */
	if (off + len == q->size && (q->size & (q->cs - 1)))
		end++;
	for (uint64_t vc = first; vc < end; vc++) {
		if (discard_cluster(q, vc) < 0) {
			errno = EIO;
			return -1;
		}
	}
	return 0;
}
