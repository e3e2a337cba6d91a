/*
 * qcow2 back end: open (header checks, backing chain), cluster lookups,
 * reads (normal, zero, compressed zlib/zstd, backing) and writes with
 * append-only cluster allocation and refcounts kept consistent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/qcow2_priv.h"
#include "core/util.h"

static int pread_full(int fd, void *buf, size_t len, uint64_t off, size_t *got)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	if (got)
		*got = done;
	else if (done < len)
		memset((char *)buf + done, 0, len - done);  /* beyond EOF reads as zeros */
	return 0;
}

static int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

bool qcow2_probe_fd(int fd)
{
	uint8_t m[4];
	size_t got = 0;
	return pread_full(fd, m, 4, 0, &got) == 0 && got == 4 && ld32be(m) == QCOW2_MAGIC;
}

bool qcow2_probe_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	struct stat st;
	bool r = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && qcow2_probe_fd(fd);
	close(fd);
	return r;
}

/* ---------------- open ---------------- */

static struct qcow2 *open_chain(const char *path, bool readonly, int depth,
				char *err, size_t errlen);

static int open_backing(struct qcow2 *q, int depth, char *err, size_t errlen)
{
	char *bpath;
	if (q->backing_name[0] == '/') {
		bpath = xstrdup(q->backing_name);
	} else {
		const char *slash = strrchr(q->path, '/');
		int dlen = slash ? (int)(slash - q->path) : 1;
		bpath = xasprintf("%.*s/%s", dlen, slash ? q->path : ".", q->backing_name);
	}
	bool is_qcow2;
	if (!strcmp(q->backing_fmt, "qcow2"))
		is_qcow2 = true;
	else if (!strcmp(q->backing_fmt, "raw"))
		is_qcow2 = false;
	else if (!q->backing_fmt[0])
		is_qcow2 = qcow2_probe_path(bpath);
	else {
		snprintf(err, errlen, "'%s': backing file format '%s' is not supported (raw or qcow2)",
			 q->path, q->backing_fmt);
		free(bpath);
		return -1;
	}
	if (is_qcow2) {
		char sub[512];
		q->bq = open_chain(bpath, true, depth + 1, sub, sizeof(sub));
		if (!q->bq) {
			if (depth)   /* the innermost message names the file at fault */
				snprintf(err, errlen, "%s", sub);
			else
				snprintf(err, errlen, "'%s': backing file: %s", q->path, sub);
			free(bpath);
			return -1;
		}
	} else {
		/* O_NONBLOCK: a name pointing at a FIFO must not hang the open */
		q->bfd = open(bpath, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		struct stat st;
		if (q->bfd < 0 || fstat(q->bfd, &st) < 0) {
			snprintf(err, errlen, "'%s': could not open backing file '%s': %s", q->path,
				 bpath, strerror(errno));
			free(bpath);
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "'%s': backing file '%s' is not a regular file", q->path,
				 bpath);
			free(bpath);
			return -1;
		}
		q->bsize = (uint64_t)st.st_size;
	}
	q->backing_path = bpath;
	return 0;
}

const char *qcow2_backing_path(const struct qcow2 *q)
{
	return q->backing_path;
}

bool qcow2_backing_is_qcow2(const struct qcow2 *q)
{
	return q->bq != NULL;
}

uint64_t qcow2_cluster_size(const struct qcow2 *q)
{
	return q->cs;
}

/* Header extensions from off to the end of cluster 0 (hdr holds hlen bytes). */
static int parse_extensions(struct qcow2 *q, const uint8_t *hdr, size_t hlen, size_t off,
			    char *err, size_t errlen)
{
	for (int n = 0; n < 256; n++) {
		if (off + 8 > hlen)
			return 0;
		uint32_t type = ld32be(hdr + off), len = ld32be(hdr + off + 4);
		off += 8;
		if (type == QCOW2_EXT_END)
			return 0;
		if (len > hlen - off) {
			snprintf(err, errlen, "'%s': header extension 0x%08x overruns the header cluster",
				 q->path, type);
			return -1;
		}
		if (type == QCOW2_EXT_BACKING) {
			if (len >= sizeof(q->backing_fmt)) {
				snprintf(err, errlen, "'%s': backing format name too long", q->path);
				return -1;
			}
			memcpy(q->backing_fmt, hdr + off, len);
			q->backing_fmt[len] = 0;
		} else if (type == QCOW2_EXT_CRYPTO) {
			snprintf(err, errlen, "'%s': encrypted images are not supported", q->path);
			return -1;
		} else if (type == QCOW2_EXT_DATA_FILE) {
			snprintf(err, errlen, "'%s': images with an external data file are not supported",
				 q->path);
			return -1;
		}
		off += (len + 7) & ~7u;
	}
	snprintf(err, errlen, "'%s': too many header extensions", q->path);
	return -1;
}

static int parse_header(struct qcow2 *q, char *err, size_t errlen)
{
	uint8_t h[QCOW2_V3_HDR_LEN + 8];
	size_t got = 0;
	if (pread_full(q->fd, h, sizeof(h), 0, &got) < 0 || got < QCOW2_V2_HDR_LEN) {
		snprintf(err, errlen, "'%s': file too short for a qcow2 header", q->path);
		return -1;
	}
	if (ld32be(h) != QCOW2_MAGIC) {
		snprintf(err, errlen, "'%s': not a qcow2 image (no QFI\\xfb magic)", q->path);
		return -1;
	}
	q->version = ld32be(h + 4);
	if (q->version != 2 && q->version != 3) {
		snprintf(err, errlen, "'%s': qcow2 version %u is not supported (2 or 3)", q->path,
			 q->version);
		return -1;
	}
	uint64_t boff = ld64be(h + 8);
	uint32_t blen = ld32be(h + 16);
	q->cbits = ld32be(h + 20);
	q->size = ld64be(h + 24);
	uint32_t crypt = ld32be(h + 32);
	q->l1_size = ld32be(h + 36);
	q->l1_off = ld64be(h + 40);
	q->rt_off = ld64be(h + 48);
	uint32_t rt_clusters = ld32be(h + 56);
	q->nb_snapshots = ld32be(h + 60);
	if (q->cbits < 9 || q->cbits > 21) {
		snprintf(err, errlen, "'%s': cluster size 2^%u is not supported (512 B to 2 MiB)",
			 q->path, q->cbits);
		return -1;
	}
	q->cs = 1ull << q->cbits;
	q->l2_entries = q->cs / 8;
	if (crypt) {
		snprintf(err, errlen, "'%s': encrypted images are not supported", q->path);
		return -1;
	}
	uint64_t incompat = 0, autoclear = 0;
	size_t hdr_len = QCOW2_V2_HDR_LEN;
	q->rorder = 4;
	if (q->version == 3) {
		if (got < QCOW2_V3_HDR_LEN) {
			snprintf(err, errlen, "'%s': file too short for a qcow2 v3 header", q->path);
			return -1;
		}
		incompat = ld64be(h + 72);
		autoclear = ld64be(h + 88);
		q->rorder = ld32be(h + 96);
		hdr_len = ld32be(h + 100);
		if (hdr_len < QCOW2_V3_HDR_LEN || hdr_len > q->cs || hdr_len % 8) {
			snprintf(err, errlen, "'%s': bad header length %zu", q->path, hdr_len);
			return -1;
		}
		uint64_t unknown = incompat & ~(QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT |
						QCOW2_INCOMPAT_COMPTYPE);
		if (unknown & QCOW2_INCOMPAT_DATA_FILE) {
			snprintf(err, errlen, "'%s': images with an external data file are not supported",
				 q->path);
			return -1;
		}
		if (unknown & QCOW2_INCOMPAT_EXTL2) {
			snprintf(err, errlen, "'%s': extended L2 entries (subclusters) are not supported",
				 q->path);
			return -1;
		}
		if (unknown) {
			snprintf(err, errlen, "'%s': unsupported incompatible qcow2 features 0x%llx",
				 q->path, (unsigned long long)unknown);
			return -1;
		}
		if (incompat & QCOW2_INCOMPAT_COMPTYPE) {
			uint8_t ct = hdr_len > 104 && got > 104 ? h[104] : 0;
			if (hdr_len <= 104 || ct > 1) {
				snprintf(err, errlen, "'%s': compression type %u is not supported "
					 "(zlib or zstd)", q->path, ct);
				return -1;
			}
			q->zstd = ct == 1;
		}
		if (!q->readonly && (incompat & QCOW2_INCOMPAT_DIRTY)) {
			snprintf(err, errlen, "'%s': the image is dirty (lazy refcounts); repair it with "
				 "'qemu-img check -r all' or open it read-only", q->path);
			return -1;
		}
		if (!q->readonly && (incompat & QCOW2_INCOMPAT_CORRUPT)) {
			snprintf(err, errlen, "'%s': the image is marked corrupt; open it read-only",
				 q->path);
			return -1;
		}
	}
	if (q->rorder > 6) {
		snprintf(err, errlen, "'%s': refcount order %u is not supported (0 to 6)", q->path,
			 q->rorder);
		return -1;
	}
	q->rbits = 1u << q->rorder;
	q->rb_entries = q->cs * 8 / q->rbits;
	if (!q->readonly && q->nb_snapshots) {
		snprintf(err, errlen, "'%s': has %u internal snapshots: writing is not supported "
			 "(open it read-only)", q->path, q->nb_snapshots);
		return -1;
	}

	/* sizes and tables */
	if (q->size > (1ull << 50)) {
		snprintf(err, errlen, "'%s': virtual size %llu is too large", q->path,
			 (unsigned long long)q->size);
		return -1;
	}
	uint64_t per_l1 = q->l2_entries * q->cs;
	uint64_t need_l1 = (q->size + per_l1 - 1) / per_l1;
	if (q->l1_size < need_l1 || (uint64_t)q->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
		snprintf(err, errlen, "'%s': L1 table size %u does not fit virtual size %llu",
			 q->path, q->l1_size, (unsigned long long)q->size);
		return -1;
	}
	if ((q->l1_off % q->cs) || (q->l1_size && q->l1_off < q->cs) ||
	    q->l1_off > (1ull << 56)) {
		snprintf(err, errlen, "'%s': bad L1 table offset 0x%llx", q->path,
			 (unsigned long long)q->l1_off);
		return -1;
	}
	if ((q->rt_off % q->cs) || q->rt_off < q->cs || q->rt_off > (1ull << 56) ||
	    !rt_clusters || (uint64_t)rt_clusters * q->cs > QCOW2_MAX_RT_BYTES) {
		snprintf(err, errlen, "'%s': bad refcount table (offset 0x%llx, %u clusters)",
			 q->path, (unsigned long long)q->rt_off, rt_clusters);
		return -1;
	}
	q->rt_n = (uint64_t)rt_clusters * q->cs / 8;

	struct stat st;
	if (fstat(q->fd, &st) < 0) {
		snprintf(err, errlen, "'%s': %s", q->path, strerror(errno));
		return -1;
	}
	uint64_t fsize = (uint64_t)st.st_size;
	q->file_end = (fsize + q->cs - 1) & ~(q->cs - 1);

	if (q->l1_off + (uint64_t)q->l1_size * 8 > fsize) {
		snprintf(err, errlen, "'%s': L1 table beyond the end of the file", q->path);
		return -1;
	}
	if (q->rt_off + q->rt_n * 8 > fsize) {
		snprintf(err, errlen, "'%s': refcount table beyond the end of the file", q->path);
		return -1;
	}
	q->l1 = xzalloc((size_t)q->l1_size * 8 + 8);
	got = 0;
	if (pread_full(q->fd, q->l1, (size_t)q->l1_size * 8, q->l1_off, &got) < 0 ||
	    got < (size_t)q->l1_size * 8) {
		snprintf(err, errlen, "'%s': L1 table beyond the end of the file", q->path);
		return -1;
	}
	for (uint32_t i = 0; i < q->l1_size; i++)
		q->l1[i] = ld64be(&q->l1[i]);
	q->rt = xzalloc((size_t)q->rt_n * 8);
	got = 0;
	if (pread_full(q->fd, q->rt, (size_t)q->rt_n * 8, q->rt_off, &got) < 0 ||
	    got < (size_t)q->rt_n * 8) {
		snprintf(err, errlen, "'%s': refcount table beyond the end of the file", q->path);
		return -1;
	}
	for (uint64_t i = 0; i < q->rt_n; i++)
		q->rt[i] = ld64be(&q->rt[i]);

	/* header extensions and backing file name, all inside cluster 0 */
	size_t hlen = (size_t)(q->cs < 65536 ? q->cs : 65536);
	uint8_t *hdr = xzalloc(hlen);
	pread_full(q->fd, hdr, hlen, 0, NULL);
	int rc = parse_extensions(q, hdr, hlen, hdr_len, err, errlen);
	free(hdr);
	if (rc < 0)
		return -1;
	if (boff) {
		if (!blen || blen > QCOW2_MAX_BACKING_NAME || boff > q->cs || blen > q->cs - boff) {
			snprintf(err, errlen, "'%s': bad backing file name (offset %llu, %u bytes)",
				 q->path, (unsigned long long)boff, blen);
			return -1;
		}
		got = 0;
		if (pread_full(q->fd, q->backing_name, blen, boff, &got) < 0 || got < blen) {
			snprintf(err, errlen, "'%s': backing file name beyond the end of the file",
				 q->path);
			return -1;
		}
		q->backing_name[blen] = 0;
		if (strlen(q->backing_name) != blen) {
			snprintf(err, errlen, "'%s': backing file name contains a NUL byte", q->path);
			return -1;
		}
	}
	if (!q->readonly && autoclear) {
		/* bits we do not maintain (bitmaps...) must be cleared by a writer */
		uint8_t z[8] = { 0 };
		if (pwrite_full(q->fd, z, 8, 88) < 0) {
			snprintf(err, errlen, "'%s': cannot update the header: %s", q->path,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

static struct qcow2 *open_chain(const char *path, bool readonly, int depth,
				char *err, size_t errlen)
{
	if (depth > QCOW2_MAX_CHAIN) {
		snprintf(err, errlen, "'%s': backing chain deeper than %d (a loop?)", path,
			 QCOW2_MAX_CHAIN);
		return NULL;
	}
	struct qcow2 *q = xzalloc(sizeof(*q));
	q->fd = -1;
	q->bfd = -1;
	q->readonly = readonly;
	q->path = xstrdup(path);
	q->fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (q->fd < 0 || fstat(q->fd, &st) < 0) {
		snprintf(err, errlen, "Could not open '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "'%s': a qcow2 image must be a regular file", path);
		goto fail;
	}
	if (parse_header(q, err, errlen) < 0)
		goto fail;
	if (!readonly) {          /* read-only layers (backing files) never allocate */
		q->cow = xmalloc(q->cs);
		q->meta = xmalloc(q->cs);
	}
	if (inflateInit2(&q->zs, -15) != Z_OK) {
		snprintf(err, errlen, "'%s': zlib init failed", path);
		goto fail;
	}
	q->zs_ready = true;
	q->zd = ZSTD_createDCtx();
	if (!q->zd) {
		snprintf(err, errlen, "'%s': zstd init failed", path);
		goto fail;
	}
	if (q->backing_name[0] && open_backing(q, depth, err, errlen) < 0)
		goto fail;
	return q;
fail:
	qcow2_close(q);
	return NULL;
}

struct qcow2 *qcow2_open(const char *path, bool readonly, char *err, size_t errlen)
{
	return open_chain(path, readonly, 0, err, errlen);
}

void qcow2_close(struct qcow2 *q)
{
	if (!q)
		return;
	if (q->fd >= 0)
		close(q->fd);
	if (q->bfd >= 0)
		close(q->bfd);
	qcow2_close(q->bq);
	if (q->zs_ready)
		inflateEnd(&q->zs);
	ZSTD_freeDCtx(q->zd);
	free(q->l1);
	free(q->rt);
	free(q->cow);
	free(q->meta);
	free(q->zin);
	free(q->zout);
	free(q->backing_path);
	free(q->path);
	free(q);
}

uint64_t qcow2_size(const struct qcow2 *q)
{
	return q->size;
}

/* ---------------- lookups ---------------- */

/* The L2 entry of guest cluster vc: *ent, and where it lives (*pos, 0 = no L2 table). */
int qcow2_l2_get(struct qcow2 *q, uint64_t vc, uint64_t *ent, uint64_t *pos)
{
	uint64_t l1i = vc / q->l2_entries, l2i = vc % q->l2_entries;
	*ent = 0;
	*pos = 0;
	if (l1i >= q->l1_size)
		return 0;
	uint64_t l2 = q->l1[l1i] & QCOW2_OFF_MASK;
	if (!l2)
		return 0;
	if (l2 % q->cs) {
		errno = EIO;
		return -1;
	}
	*pos = l2 + l2i * 8;
	uint64_t blk = *pos & ~511ull;
	if (q->l2c_pos != blk) {
		q->l2c_pos = 0;
		if (pread_full(q->fd, q->l2c, sizeof(q->l2c), blk, NULL) < 0) {
			errno = EIO;
			return -1;
		}
		for (unsigned i = 0; i < 64; i++)
			q->l2c[i] = ld64be(&q->l2c[i]);
		q->l2c_pos = blk;
	}
	*ent = q->l2c[(*pos - blk) / 8];
	return 0;
}

/* Write one L2 entry, keeping the lookup cache in step. */
int qcow2_l2_set(struct qcow2 *q, uint64_t pos, uint64_t ent)
{
	uint8_t b[8];
	st64be(b, ent);
	if (pwrite_full(q->fd, b, 8, pos) < 0)
		return -1;
	if (q->l2c_pos && pos - q->l2c_pos < 512)
		q->l2c[(pos - q->l2c_pos) / 8] = ent;
	return 0;
}

int qcow2_classify(struct qcow2 *q, uint64_t ent, uint64_t *host)
{
	*host = 0;
	if (ent & QCOW2_COMPRESSED)
		return C_COMP;
	*host = ent & QCOW2_OFF_MASK;
	if (q->version >= 3 && (ent & QCOW2_ZERO))
		return C_ZERO;
	if (!*host)
		return C_UNALLOC;
	if (*host % q->cs) {
		errno = EIO;
		return -1;
	}
	return C_NORMAL;
}

/* Decompress the cluster of a compressed L2 entry into q->zout. */
static int decompress(struct qcow2 *q, uint64_t ent)
{
	if (q->zout_key == ent)
		return 0;
	if (!q->zin) {            /* once per image, on its first compressed cluster */
		q->zin = xmalloc(q->cs * 2);
		q->zout = xmalloc(q->cs);
	}
	unsigned x = 62 - (q->cbits - 8);
	uint64_t off = ent & ((1ull << x) - 1);
	uint64_t nsec = ((ent & ~QCOW2_COMPRESSED & ~QCOW2_COPIED) >> x) + 1;
	uint64_t len = nsec * 512 - (off & 511);
	if (len > q->cs * 2)
		len = q->cs * 2;
	size_t got = 0;
	if (off < q->cs || pread_full(q->fd, q->zin, (size_t)len, off, &got) < 0 || !got)
		goto bad;
	q->zout_key = 0;
	if (q->zstd) {
		ZSTD_DCtx_reset(q->zd, ZSTD_reset_session_only);
		ZSTD_inBuffer in = { q->zin, got, 0 };
		ZSTD_outBuffer out = { q->zout, (size_t)q->cs, 0 };
		while (out.pos < out.size && in.pos < in.size) {
			size_t r = ZSTD_decompressStream(q->zd, &out, &in);
			if (ZSTD_isError(r))
				goto bad;
			if (r == 0)
				break;
		}
		if (out.pos != out.size)
			goto bad;
	} else {
		inflateReset(&q->zs);
		q->zs.next_in = q->zin;
		q->zs.avail_in = (uInt)got;
		q->zs.next_out = q->zout;
		q->zs.avail_out = (uInt)q->cs;
		int r = inflate(&q->zs, Z_FINISH);
		if ((r != Z_STREAM_END && r != Z_BUF_ERROR && r != Z_OK) || q->zs.avail_out)
			goto bad;
	}
	q->zout_key = ent;
	return 0;
bad:
	errno = EIO;
	return -1;
}

static int read_backing(struct qcow2 *q, uint64_t off, void *buf, size_t len)
{
	uint64_t bsize = q->bq ? q->bq->size : q->bsize;
	size_t n = off >= bsize ? 0 : (size_t)(bsize - off < len ? bsize - off : len);
	if (n < len)
		memset((char *)buf + n, 0, len - n);
	if (!n)
		return 0;
	if (q->bq)
		return qcow2_read(q->bq, off, buf, n);
	if (q->bfd >= 0 && pread_full(q->bfd, buf, n, off, NULL) < 0) {
		errno = EIO;
		return -1;
	}
	if (q->bfd < 0)
		memset(buf, 0, n);
	return 0;
}

/* Read len bytes at byte coff of guest cluster vc (len within the cluster). */
static int read_in_cluster(struct qcow2 *q, uint64_t vc, uint64_t coff, void *buf, size_t len)
{
	uint64_t ent, pos, host;
	if (qcow2_l2_get(q, vc, &ent, &pos) < 0)
		return -1;
	switch (qcow2_classify(q, ent, &host)) {
	case C_UNALLOC:
		return read_backing(q, vc * q->cs + coff, buf, len);
	case C_ZERO:
		memset(buf, 0, len);
		return 0;
	case C_NORMAL:
		if (pread_full(q->fd, buf, len, host + coff, NULL) < 0) {
			errno = EIO;
			return -1;
		}
		return 0;
	case C_COMP:
		if (decompress(q, ent) < 0)
			return -1;
		memcpy(buf, q->zout + coff, len);
		return 0;
	default:
		return -1;
	}
}

int qcow2_read(struct qcow2 *q, uint64_t off, void *buf, size_t len)
{
	if (off > q->size || len > q->size - off) {
		errno = EIO;
		return -1;
	}
	while (len) {
		uint64_t vc = off >> q->cbits, coff = off & (q->cs - 1);
		size_t n = (size_t)(q->cs - coff < len ? q->cs - coff : len);
		if (read_in_cluster(q, vc, coff, buf, n) < 0)
			return -1;
		off += n;
		buf = (char *)buf + n;
		len -= n;
	}
	return 0;
}

/* ---------------- refcounts and allocation ---------------- */


/* Entry ei of an in-memory refcount block := val. */
static void rb_put(struct qcow2 *q, uint8_t *blk, uint64_t ei, uint64_t val)
{
	uint64_t bit = ei * q->rbits;
	if (q->rbits >= 8) {
		unsigned nb = q->rbits / 8;
		for (unsigned i = 0; i < nb; i++)
			blk[bit / 8 + i] = (uint8_t)(val >> (8 * (nb - 1 - i)));
		return;
	}
	uint8_t mask = (uint8_t)(((1u << q->rbits) - 1) << (bit % 8));
	blk[bit / 8] = (uint8_t)((blk[bit / 8] & ~mask) | ((val << (bit % 8)) & mask));
}

static bool rb_missing(struct qcow2 *q, uint64_t bi)
{
	return bi >= q->rt_n || !(q->rt[bi] & ~511ull);
}

/*
 * A larger refcount table, so that slot need_bi exists. Appended at the end
 * of the file together with the refcount blocks that describe the new
 * clusters themselves: [new refblocks][new table]. Nothing points there
 * until one 12-byte header write switches tables; the old table's clusters
 * are freed afterwards (a crash in between only leaks them).
 */
static int reftable_grow(struct qcow2 *q, uint64_t need_bi)
{
	uint64_t per_cl = q->cs / 8, area = q->file_end, area_ci = area >> q->cbits;
	uint64_t new_n = q->rt_n * 2 > need_bi + 1 ? q->rt_n * 2 : need_bi + 1;
	uint64_t nrb = 0, tcl = 0;
	for (int iter = 0; iter < 16; iter++) {
		tcl = (new_n + per_cl - 1) / per_cl;
		uint64_t last_bi = (area_ci + nrb + tcl - 1) / q->rb_entries;
		if (last_bi >= new_n) {
			new_n = last_bi + 1;
			continue;
		}
		uint64_t missing = 0;
		for (uint64_t bi = area_ci / q->rb_entries; bi <= last_bi; bi++)
			missing += rb_missing(q, bi);
		if (missing == nrb)
			break;
		nrb = missing;
	}
	new_n = tcl * per_cl;
	uint64_t check = 0;
	for (uint64_t bi = area_ci / q->rb_entries; bi <= (area_ci + nrb + tcl - 1) / q->rb_entries; bi++)
		check += rb_missing(q, bi);
	if (check != nrb)          /* did not settle: never write blocks over the table */
		return -1;
	if (tcl * q->cs > QCOW2_MAX_RT_BYTES || area + (nrb + tcl) * q->cs > (1ull << 56))
		return -1;
	uint64_t span = nrb + tcl, first_bi = area_ci / q->rb_entries;
	uint64_t last_bi = (area_ci + span - 1) / q->rb_entries;
	uint64_t *nt = xzalloc(new_n * 8);
	memcpy(nt, q->rt, q->rt_n * 8);
	/* the new refcount blocks, each with the area's clusters in its range set to 1 */
	uint64_t k = 0;
	int rc = 0;
	for (uint64_t bi = first_bi; bi <= last_bi && !rc; bi++) {
		if (!rb_missing(q, bi))
			continue;
		uint64_t off = area + k++ * q->cs;
		nt[bi] = off;
		memset(q->meta, 0, q->cs);
		for (uint64_t ci = area_ci; ci < area_ci + span; ci++)
			if (ci / q->rb_entries == bi)
				rb_put(q, q->meta, ci % q->rb_entries, 1);
		rc = pwrite_full(q->fd, q->meta, q->cs, off);
	}
	q->file_end = area + span * q->cs;
	/* area clusters that fall in blocks that already exist */
	for (uint64_t ci = area_ci; ci < area_ci + span && !rc; ci++)
		if (!rb_missing(q, ci / q->rb_entries))
			rc = qcow2_rc_set(q, ci, 1, 4);
	uint64_t t_off = area + nrb * q->cs;
	uint8_t *tb = (uint8_t *)xmalloc(new_n * 8);
	for (uint64_t i = 0; i < new_n; i++)
		st64be(tb + i * 8, nt[i]);
	if (!rc)
		rc = pwrite_full(q->fd, tb, new_n * 8, t_off);
	free(tb);
	uint8_t h[12];
	st64be(h, t_off);
	st32be(h + 8, (uint32_t)tcl);
	if (!rc)
		rc = pwrite_full(q->fd, h, 12, 48);
	if (rc) {
		free(nt);
		return -1;
	}
	uint64_t old_off = q->rt_off, old_cl = q->rt_n / per_cl;
	free(q->rt);
	q->rt = nt;
	q->rt_n = new_n;
	q->rt_off = t_off;
	for (uint64_t i = 0; i < old_cl; i++)
		qcow2_rc_set(q, (old_off >> q->cbits) + i, 0, 4);   /* failure only leaks them */
	return 0;
}

/* A new, zeroed refcount block for reftable slot bi. */
static int refblock_new(struct qcow2 *q, uint64_t bi, int depth)
{
	uint64_t r = q->file_end;
	q->file_end += q->cs;
	uint64_t ri = r >> q->cbits;
	bool self = ri / q->rb_entries == bi;
	/* its own refcount lives in another block: set it before anything points here */
	if (!self && qcow2_rc_set(q, ri, 1, depth + 1) < 0)
		return -1;
	memset(q->meta, 0, q->cs);
	if (self)
		rb_put(q, q->meta, ri % q->rb_entries, 1);
	if (pwrite_full(q->fd, q->meta, q->cs, r) < 0)
		return -1;
	uint8_t b[8];
	st64be(b, r);
	if (pwrite_full(q->fd, b, 8, q->rt_off + bi * 8) < 0)
		return -1;
	q->rt[bi] = r;
	return 0;
}

int qcow2_rc_set(struct qcow2 *q, uint64_t ci, uint64_t val, int depth)
{
	if (depth > 4)
		return -1;
	uint64_t bi = ci / q->rb_entries, ei = ci % q->rb_entries;
	if (bi >= q->rt_n && (depth >= 4 || reftable_grow(q, bi) < 0)) {
		if (!q->full_warned)
			msg_error("%s: the qcow2 refcount table cannot grow: write refused", q->path);
		q->full_warned = true;
		return -1;
	}
	if (!(q->rt[bi] & ~511ull) && refblock_new(q, bi, depth) < 0)
		return -1;
	uint64_t rb = q->rt[bi] & ~511ull;
	if (rb % q->cs || rb < q->cs)
		return -1;
	uint64_t bit = ei * q->rbits;
	uint8_t b[8];
	if (q->rbits >= 8) {
		unsigned nb = q->rbits / 8;
		for (unsigned i = 0; i < nb; i++)
			b[i] = (uint8_t)(val >> (8 * (nb - 1 - i)));
		return pwrite_full(q->fd, b, nb, rb + bit / 8);
	}
	if (pread_full(q->fd, b, 1, rb + bit / 8, NULL) < 0)
		return -1;
	uint8_t mask = (uint8_t)(((1u << q->rbits) - 1) << (bit % 8));
	b[0] = (uint8_t)((b[0] & ~mask) | ((val << (bit % 8)) & mask));
	return pwrite_full(q->fd, b, 1, rb + bit / 8);
}

/* A new cluster at the end of the file, its refcount already 1 on disk. */
static int alloc_cluster(struct qcow2 *q, uint64_t *host)
{
	uint64_t c = q->file_end;
	if (c >= (1ull << 56))
		return -1;
	q->file_end += q->cs;
	q->l2c_pos = 0;    /* a bad image may have cached "L2 entries" from here */
	if (qcow2_rc_set(q, c >> q->cbits, 1, 0) < 0)
		return -1;
	*host = c;
	return 0;
}

/* The L2 table of guest cluster vc, allocating it if needed: its offset in *l2. */
static int l2_table(struct qcow2 *q, uint64_t vc, uint64_t *l2)
{
	uint64_t l1i = vc / q->l2_entries;
	if (l1i >= q->l1_size)
		return -1;
	uint64_t e = q->l1[l1i];
	*l2 = e & QCOW2_OFF_MASK;
	if (*l2 && !(e & QCOW2_COPIED))
		return -1;      /* shared with a snapshot: refused at open, so a bad image */
	if (*l2)
		return *l2 % q->cs ? -1 : 0;
	uint64_t n;
	if (alloc_cluster(q, &n) < 0)
		return -1;
	memset(q->meta, 0, q->cs);
	if (pwrite_full(q->fd, q->meta, q->cs, n) < 0)
		return -1;
	uint8_t b[8];
	st64be(b, n | QCOW2_COPIED);
	if (pwrite_full(q->fd, b, 8, q->l1_off + l1i * 8) < 0)
		return -1;
	q->l1[l1i] = n | QCOW2_COPIED;
	*l2 = n;
	return 0;
}

static int write_in_cluster(struct qcow2 *q, uint64_t vc, uint64_t coff, const void *buf,
			    size_t len)
{
	uint64_t ent, pos, host;
	if (qcow2_l2_get(q, vc, &ent, &pos) < 0)
		return -1;
	int kind = qcow2_classify(q, ent, &host);
	if (kind < 0)
		return -1;
	if (kind == C_NORMAL && (ent & QCOW2_COPIED))
		return pwrite_full(q->fd, buf, len, host + coff);

	/* a new cluster: the old contents around the written range, then the data */
	if (len < q->cs) {
		if (kind == C_UNALLOC) {
			if (read_backing(q, vc * q->cs, q->cow, (size_t)q->cs) < 0)
				return -1;
		} else if (kind == C_ZERO) {
			memset(q->cow, 0, q->cs);
		} else if (kind == C_NORMAL) {
			if (pread_full(q->fd, q->cow, (size_t)q->cs, host, NULL) < 0)
				return -1;
		} else {
			if (decompress(q, ent) < 0)
				return -1;
			memcpy(q->cow, q->zout, q->cs);
		}
	}
	/* a whole cluster goes straight from the guest's buffer */
	const void *data = buf;
	if (len < q->cs) {
		memcpy(q->cow + coff, buf, len);
		data = q->cow;
	}
	uint64_t l2, n;
	if (l2_table(q, vc, &l2) < 0 || alloc_cluster(q, &n) < 0)
		return -1;
	if (pwrite_full(q->fd, data, q->cs, n) < 0)
		return -1;
	if (qcow2_l2_set(q, l2 + (vc % q->l2_entries) * 8, n | QCOW2_COPIED) < 0)
		return -1;
	if (kind == C_COMP)
		q->zout_key = 0;
	return 0;
}

int qcow2_write(struct qcow2 *q, uint64_t off, const void *buf, size_t len)
{
	if (q->readonly || off > q->size || len > q->size - off) {
		errno = q->readonly ? EROFS : EIO;
		return -1;
	}
	while (len) {
		uint64_t vc = off >> q->cbits, coff = off & (q->cs - 1);
		size_t n = (size_t)(q->cs - coff < len ? q->cs - coff : len);
		if (write_in_cluster(q, vc, coff, buf, n) < 0) {
			errno = EIO;
			return -1;
		}
		off += n;
		buf = (const char *)buf + n;
		len -= n;
	}
	return 0;
}

int qcow2_flush(struct qcow2 *q)
{
	if (q->readonly)
		return 0;
	if (fdatasync(q->fd) < 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int qcow2_is_allocated(struct qcow2 *q, uint64_t off, bool *alloc)
{
	uint64_t ent, pos, host;
	if (qcow2_l2_get(q, off >> q->cbits, &ent, &pos) < 0)
		return -1;
	int k = qcow2_classify(q, ent, &host);
	if (k < 0)
		return -1;
	*alloc = k != C_UNALLOC;
	return 0;
}

int qcow2_get_info(struct qcow2 *q, struct qcow2_info *info)
{
	memset(info, 0, sizeof(*info));
	info->version = q->version;
	info->cluster_bits = q->cbits;
	info->refcount_bits = q->rbits;
	info->size = q->size;
	info->compressed_zstd = q->zstd;
	snprintf(info->backing, sizeof(info->backing), "%s", q->backing_name);
	snprintf(info->backing_fmt, sizeof(info->backing_fmt), "%s", q->backing_fmt);
	struct stat st;
	if (fstat(q->fd, &st) == 0)
		info->file_size = (uint64_t)st.st_size;
	uint64_t per_l1 = q->l2_entries * q->cs;
	for (uint64_t off = 0; off < q->size; off += q->cs) {
		if (!(q->l1[off / per_l1] & QCOW2_OFF_MASK)) {   /* no L2 table: skip its range */
			off = (off / per_l1 + 1) * per_l1 - q->cs;
			continue;
		}
		bool a;
		if (qcow2_is_allocated(q, off, &a) < 0)
			return -1;
		if (a)
			info->allocated += q->size - off < q->cs ? q->size - off : q->cs;
	}
	return 0;
}
