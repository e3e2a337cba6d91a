/* qcow2 internals shared by qcow2.c (open, I/O) and qcow2_create.c. */
#ifndef VMST_QCOW2_PRIV_H
#define VMST_QCOW2_PRIV_H

#include <zlib.h>
#include <zstd.h>

#include "core/qcow2.h"

#define QCOW2_MAGIC        0x514649fbu      /* "QFI\xfb" */
#define QCOW2_OFF_MASK     0x00fffffffffffe00ull
#define QCOW2_COPIED       (1ull << 63)
#define QCOW2_COMPRESSED   (1ull << 62)
#define QCOW2_ZERO         1ull
#define QCOW2_V2_HDR_LEN   72u
#define QCOW2_V3_HDR_LEN   104u

/* header extensions */
#define QCOW2_EXT_END        0x00000000u
#define QCOW2_EXT_BACKING    0xe2792acau
#define QCOW2_EXT_FEATURES   0x6803f857u
#define QCOW2_EXT_CRYPTO     0x0537be77u
#define QCOW2_EXT_DATA_FILE  0x44415441u

/* incompatible feature bits */
#define QCOW2_INCOMPAT_DIRTY     (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT   (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE (1ull << 2)
#define QCOW2_INCOMPAT_COMPTYPE  (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2     (1ull << 4)

/* Caps on what an untrusted header may make us allocate. */
#define QCOW2_MAX_L1_BYTES   (32u << 20)
#define QCOW2_MAX_RT_BYTES   (32u << 20)
#define QCOW2_MAX_CHAIN      16
#define QCOW2_MAX_BACKING_NAME 1023

struct qcow2 {
	int fd;
	bool readonly;
	char *path;
	unsigned version, cbits, rorder, rbits;
	uint64_t cs;                 /* cluster size */
	uint64_t size;               /* virtual size */
	uint64_t l2_entries;         /* cs / 8 */
	uint64_t rb_entries;         /* refcounts per refcount block */
	uint64_t l1_off;
	uint32_t l1_size;
	uint64_t *l1;                /* host order */
	uint64_t rt_off;
	uint64_t rt_n;               /* reftable entries */
	uint64_t *rt;                /* host order */
	uint64_t file_end;           /* next cluster to allocate (appends only) */
	bool zstd;
	unsigned nb_snapshots;

	/* backing: a qcow2 image, or a raw file */
	struct qcow2 *bq;
	int bfd;
	uint64_t bsize;
	char backing_name[QCOW2_MAX_BACKING_NAME + 1];
	char *backing_path;          /* resolved against the image's directory */
	char backing_fmt[16];

	uint8_t *cow;                /* one cluster: merged data for a new cluster */
	uint8_t *meta;               /* one cluster: new L2 tables and refblocks */
	uint8_t *zin;                /* compressed bytes, up to two clusters */
	uint8_t *zout;               /* the last decompressed cluster */
	uint64_t zout_key;           /* its L2 entry; 0 = none */
	z_stream zs;
	bool zs_ready;
	ZSTD_DCtx *zd;
	bool full_warned;

	/* 64 L2 entries around the last lookup (one 512-byte block of a table) */
	uint64_t l2c_pos;            /* file offset of l2c[0]; 0 = empty */
	uint64_t l2c[64];            /* host order */
};

/* What an L2 entry says of its guest cluster (qcow2_classify). */
enum ckind { C_UNALLOC, C_ZERO, C_NORMAL, C_COMP };

/* Lookups and refcounts shared by qcow2.c and qcow2_discard.c. */
int qcow2_l2_get(struct qcow2 *q, uint64_t vc, uint64_t *ent, uint64_t *pos);
int qcow2_l2_set(struct qcow2 *q, uint64_t pos, uint64_t ent);
int qcow2_classify(struct qcow2 *q, uint64_t ent, uint64_t *host);
int qcow2_rc_set(struct qcow2 *q, uint64_t ci, uint64_t val, int depth);

#endif
