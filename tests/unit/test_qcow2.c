/*
 * The qcow2 back end: images made by qcow2_create (v2 and v3, 4 KiB to
 * 2 MiB clusters) written at random offsets and compared with a shadow
 * copy, after reopening too; backing files (raw and qcow2, relative and
 * absolute names), copy-on-write of partial clusters; zero and compressed
 * (zlib, zstd) clusters crafted by hand; refusals of bad or unsupported
 * headers; the block layer's probing of the magic.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "core/block.h"
#include "core/qcow2.h"
#include "unit.h"
#include "core/util.h"

static char dir[] = "/tmp/vmst-qcow2-XXXXXX";
static uint32_t seed = 12345;

static uint32_t rnd(void)
{
	seed = seed * 1103515245 + 12345;
	return seed >> 8;
}

static void fill(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

static char *path_of(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void patch(const char *path, uint64_t off, const void *b, size_t n)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0 || pwrite(fd, b, n, (off_t)off) != (ssize_t)n)
		abort();
	close(fd);
}

static void patch32(const char *path, uint64_t off, uint32_t v)
{
	uint8_t b[4];
	st32be(b, v);
	patch(path, off, b, 4);
}

static void patch64(const char *path, uint64_t off, uint64_t v)
{
	uint8_t b[8];
	st64be(b, v);
	patch(path, off, b, 8);
}

static uint64_t peek64(const char *path, uint64_t off)
{
	uint8_t b[8] = { 0 };
	int fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, b, 8, (off_t)off) != 8)
		abort();
	close(fd);
	return ld64be(b);
}

/* Random writes through q mirrored in shadow; true when every read-back matches. */
static bool random_rw(struct qcow2 *q, uint8_t *shadow, uint64_t size, int n, size_t maxlen)
{
	uint8_t *b = xmalloc(maxlen), *r = xmalloc(maxlen);
	bool ok = true;
	for (int i = 0; i < n && ok; i++) {
		size_t len = 1 + rnd() % maxlen;
		uint64_t off = ((uint64_t)rnd() * 4096 + rnd()) % (size - len);
		fill(b, len);
		if (qcow2_write(q, off, b, len) < 0)
			ok = false;
		memcpy(shadow + off, b, len);
		uint64_t roff = ((uint64_t)rnd() * 4096 + rnd()) % (size - len);
		if (qcow2_read(q, roff, r, len) < 0 || memcmp(r, shadow + roff, len))
			ok = false;
	}
	free(b);
	free(r);
	return ok;
}

static bool whole_equals(struct qcow2 *q, const uint8_t *shadow, uint64_t size)
{
	uint8_t *b = xmalloc(size);
	bool ok = qcow2_read(q, 0, b, size) == 0 && !memcmp(b, shadow, size);
	free(b);
	return ok;
}

static void test_create_rw(unsigned cbits, unsigned version)
{
	char err[512];
	char *p = xasprintf("%s/rw-%u-%u.qcow2", dir, cbits, version);
	uint64_t size = 24u << 20;
	CHECK(qcow2_create(p, size, cbits, version, NULL, NULL, err, sizeof(err)) == 0,
	      "create v%u, %u-byte clusters", version, 1u << cbits);
	struct qcow2 *q = qcow2_open(p, false, err, sizeof(err));
	CHECK(q && qcow2_size(q) == size, "open v%u/%u: %s", version, 1u << cbits, q ? "ok" : err);
	if (!q)
		return;
	uint8_t *shadow = xzalloc(size);
	CHECK(whole_equals(q, shadow, size), "a new image reads as zeros");
	CHECK(random_rw(q, shadow, size, 60, 300000), "60 random writes read back (v%u, %u)",
	      version, 1u << cbits);
	CHECK(qcow2_flush(q) == 0, "flush");
	qcow2_close(q);
	q = qcow2_open(p, true, err, sizeof(err));
	CHECK(q && whole_equals(q, shadow, size), "after reopening, the image equals the shadow");
	uint8_t b[16];
	CHECK(q && qcow2_write(q, 0, b, 16) < 0 && errno == EROFS, "read-only: write refused");
	CHECK(q && qcow2_read(q, size - 8, b, 16) < 0 && errno == EIO, "read past the end refused");
	qcow2_close(q);
	free(shadow);
	free(p);
}

static void test_backing(void)
{
	char err[512];
	uint64_t size = 4u << 20;
	uint8_t *base = xmalloc(size), *shadow = xmalloc(size + 65536);
	fill(base, size);
	char *sub = path_of("sub");
	mkdir(sub, 0755);
	free(sub);
	char *raw = path_of("sub/base.raw"), *ov = path_of("sub/ov.qcow2");
	int fd = open(raw, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, base, size) != (ssize_t)size)
		abort();
	close(fd);
	/* relative name, resolved against the overlay's directory; overlay larger than base */
	CHECK(qcow2_create(ov, size + 65536, 16, 3, "base.raw", "raw", err, sizeof(err)) == 0,
	      "overlay on a raw base");
	struct qcow2 *q = qcow2_open(ov, false, err, sizeof(err));
	CHECK(q != NULL, "open overlay (relative backing name): %s", q ? "ok" : err);
	if (!q)
		return;
	memcpy(shadow, base, size);
	memset(shadow + size, 0, 65536);
	CHECK(whole_equals(q, shadow, size + 65536), "overlay reads the base, zeros beyond it");
	uint8_t w[700];
	fill(w, sizeof(w));
	CHECK(qcow2_write(q, 70000, w, sizeof(w)) == 0, "partial-cluster write");
	memcpy(shadow + 70000, w, sizeof(w));
	CHECK(whole_equals(q, shadow, size + 65536), "copy-on-write kept the rest of the cluster");
	CHECK(random_rw(q, shadow, size, 30, 100000), "30 random writes on the overlay");
	qcow2_close(q);
	uint8_t *rb = xmalloc(size);
	fd = open(raw, O_RDONLY);
	CHECK(fd >= 0 && read(fd, rb, size) == (ssize_t)size && !memcmp(rb, base, size),
	      "the base is untouched");
	close(fd);

	/* a qcow2 chain with an absolute name and the format probed */
	char *top = path_of("top.qcow2");
	CHECK(qcow2_create(top, size + 65536, 12, 2, ov, NULL, err, sizeof(err)) == 0,
	      "v2 overlay on the qcow2 overlay (absolute name, format probed)");
	q = qcow2_open(top, false, err, sizeof(err));
	CHECK(q && whole_equals(q, shadow, size + 65536), "two-level chain reads through");
	bool a = true;
	CHECK(q && qcow2_is_allocated(q, 0, &a) == 0 && !a, "top layer: nothing allocated yet");
	qcow2_close(q);

	/* a loop: the image is its own backing file */
	char *loop = path_of("loop.qcow2");
	CHECK(qcow2_create(loop, 65536, 16, 3, "loop.qcow2", "qcow2", err, sizeof(err)) == 0,
	      "self-backed image created");
	q = qcow2_open(loop, true, err, sizeof(err));
	CHECK(!q && strstr(err, "deeper than"), "backing loop refused: %s", err);
	qcow2_close(q);
	char *missing = path_of("missing.qcow2");
	qcow2_create(missing, 65536, 16, 3, "nowhere.raw", "raw", err, sizeof(err));
	q = qcow2_open(missing, true, err, sizeof(err));
	CHECK(!q && strstr(err, "nowhere.raw"), "missing backing file: %s", err);
	free(missing);
	free(loop);
	free(top);
	free(rb);
	free(raw);
	free(ov);
	free(base);
	free(shadow);
}

/* Set guest cluster 0's L2 entry to v (the L2 table must exist). */
static uint64_t l2_entry_pos(const char *p)
{
	uint64_t l1_off = peek64(p, 40);
	return peek64(p, l1_off) & 0x00fffffffffffe00ull;
}

static void test_zero_and_compressed(bool zstd)
{
	char err[512];
	char *p = path_of(zstd ? "comp-zstd.qcow2" : "comp-zlib.qcow2");
	uint64_t cs = 65536;
	CHECK(qcow2_create(p, 1 << 20, 16, 3, NULL, NULL, err, sizeof(err)) == 0, "create");
	struct qcow2 *q = qcow2_open(p, false, err, sizeof(err));
	uint8_t *c = xmalloc(cs), *r = xmalloc(cs);
	fill(c, cs);
	CHECK(q && qcow2_write(q, 0, c, cs) == 0 && qcow2_write(q, cs, c, cs) == 0,
	      "two clusters written");
	qcow2_close(q);
	uint64_t l2 = l2_entry_pos(p);

	/* v3 zero flag on cluster 1 */
	patch64(p, l2 + 8, 1);
	q = qcow2_open(p, false, err, sizeof(err));
	CHECK(q && qcow2_read(q, cs, r, cs) == 0 && r[0] == 0 && !memcmp(r, r + 1, cs - 1),
	      "zero-flagged cluster reads as zeros");
	uint8_t w[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	CHECK(q && qcow2_write(q, cs + 5, w, 10) == 0 && qcow2_read(q, cs, r, cs) == 0 &&
	      !memcmp(r + 5, w, 10) && r[4] == 0 && r[15] == 0 && r[cs - 1] == 0,
	      "write into a zero cluster: zeros around the data");
	qcow2_close(q);

	/* cluster 0 compressed: deflate (raw) or zstd, appended at the end of the file */
	uint8_t *z = xmalloc(cs * 2);
	size_t zl;
	for (size_t i = 0; i < cs; i++)
		c[i] = (uint8_t)(i / 300);       /* compressible */
	if (zstd) {
		zl = ZSTD_compress(z, cs * 2, c, cs, 3);
	} else {
		z_stream s = { 0 };
		deflateInit2(&s, 6, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY);
		s.next_in = c;
		s.avail_in = (uInt)cs;
		s.next_out = z;
		s.avail_out = (uInt)(cs * 2);
		deflate(&s, Z_FINISH);
		zl = s.total_out;
		deflateEnd(&s);
	}
	struct stat st;
	stat(p, &st);
	uint64_t at = (uint64_t)st.st_size + 1000;   /* not sector-aligned on purpose */
	patch(p, at, z, zl);
	uint64_t nsec = ((at & 511) + zl + 511) / 512 - 1;
	unsigned x = 62 - (16 - 8);
	patch64(p, l2, (1ull << 62) | nsec << x | at);
	if (zstd) {
		uint8_t ct = 1;
		patch64(p, 72, 1ull << 3);       /* incompatible: compression type */
		patch32(p, 100, 112);            /* header length */
		patch(p, 104, &ct, 1);
	}
	q = qcow2_open(p, false, err, sizeof(err));
	CHECK(q && qcow2_read(q, 0, r, cs) == 0 && !memcmp(r, c, cs),
	      "%s-compressed cluster reads back: %s", zstd ? "zstd" : "zlib", q ? "ok" : err);
	CHECK(q && qcow2_read(q, 512, r, 512) == 0 && !memcmp(r, c + 512, 512),
	      "a sector in the middle of the compressed cluster");
	CHECK(q && qcow2_write(q, 1000, w, 10) == 0 && qcow2_read(q, 0, r, cs) == 0 &&
	      !memcmp(r + 1000, w, 10) && !memcmp(r, c, 1000) && !memcmp(r + 1010, c + 1010, cs - 1010),
	      "write into a compressed cluster keeps the rest");
	qcow2_close(q);
	/* a corrupt compressed stream fails that read, nothing else */
	patch64(p, l2, (1ull << 62) | 0ull << x | at);
	memset(z, 0xff, 512);
	patch(p, at, z, 512);
	q = qcow2_open(p, true, err, sizeof(err));
	CHECK(q && qcow2_read(q, 0, r, cs) < 0 && errno == EIO, "corrupt compressed data: EIO");
	CHECK(q && qcow2_read(q, cs, r, cs) == 0 && !memcmp(r + 5, w, 10),
	      "the next cluster still reads");
	qcow2_close(q);
	free(z);
	free(c);
	free(r);
	free(p);
}

/* Each mutation of a valid header must be refused with the message given. */
static void test_refusals(void)
{
	char err[512];
	char *p = path_of("bad.qcow2");
	static const struct {
		uint64_t off;
		unsigned width;
		uint64_t val;
		const char *msg;
	} m[] = {
		{ 0, 4, 0x514649fa, "not a qcow2 image" },
		{ 4, 4, 4, "version 4 is not supported" },
		{ 20, 4, 30, "cluster size 2^30" },
		{ 20, 4, 8, "cluster size 2^8" },
		{ 32, 4, 1, "encrypted" },
		{ 72, 8, 1ull << 2, "external data file" },
		{ 72, 8, 1ull << 4, "extended L2" },
		{ 72, 8, 1ull << 40, "unsupported incompatible" },
		{ 72, 8, 1ull << 0, "dirty" },
		{ 72, 8, 1ull << 1, "marked corrupt" },
		{ 96, 4, 7, "refcount order 7" },
		{ 100, 4, 20, "bad header length" },
		{ 36, 4, 0, "does not fit virtual size" },
		{ 36, 4, 0xffffffff, "does not fit virtual size" },
		{ 24, 8, 1ull << 62, "too large" },
		{ 40, 8, 12345, "bad L1 table offset" },
		{ 40, 8, 1ull << 40, "L1 table beyond the end" },
		{ 48, 8, 0, "bad refcount table" },
		{ 56, 4, 0x40000000, "bad refcount table" },
		{ 8, 8, 1ull << 20, "bad backing file name" },
		{ 60, 4, 1, "internal snapshots" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(m); i++) {
		qcow2_create(p, 16u << 20, 16, 3, NULL, NULL, err, sizeof(err));
		if (m[i].width == 4)
			patch32(p, m[i].off, (uint32_t)m[i].val);
		else
			patch64(p, m[i].off, m[i].val);
		if (m[i].off == 8)
			patch32(p, 16, 100);
		err[0] = 0;
		struct qcow2 *q = qcow2_open(p, false, err, sizeof(err));
		CHECK(!q && strstr(err, m[i].msg), "header field at %llu = 0x%llx refused: %s",
		      (unsigned long long)m[i].off, (unsigned long long)m[i].val, err);
		qcow2_close(q);
	}
	/* dirty or corrupt images may still be read */
	qcow2_create(p, 16u << 20, 16, 3, NULL, NULL, err, sizeof(err));
	patch64(p, 72, 3);
	struct qcow2 *q = qcow2_open(p, true, err, sizeof(err));
	CHECK(q != NULL, "a dirty, corrupt-marked image opens read-only");
	qcow2_close(q);
	/* an L2 table offset that is not cluster-aligned fails the I/O with EIO */
	qcow2_create(p, 1u << 30, 16, 3, NULL, NULL, err, sizeof(err));   /* two L1 entries */
	patch64(p, peek64(p, 40), 0x8000000000012345ull);   /* L1[0] */
	q = qcow2_open(p, false, err, sizeof(err));
	uint8_t b[512];
	CHECK(q && qcow2_read(q, 0, b, 512) < 0 && errno == EIO, "misaligned L2 offset: EIO");
	CHECK(q && qcow2_write(q, 0, b, 512) < 0 && errno == EIO, "and writes fail too");
	CHECK(q && qcow2_read(q, 600u << 20, b, 512) == 0, "other L2 ranges still read");
	qcow2_close(q);
	free(p);
}

static void test_block_layer(void)
{
	char err[512];
	char *p = path_of("blk.qcow2");
	qcow2_create(p, 3u << 20, 16, 3, NULL, NULL, err, sizeof(err));
	struct blockdev *bd = block_new(BLK_DISK, "ide0-hd0", "hda");
	CHECK(block_insert(bd, p, false, err, sizeof(err)) == 0 && block_size(bd) == 3u << 20,
	      "block layer probes qcow2: virtual size %llu", (unsigned long long)block_size(bd));
	pthread_mutex_lock(&bd->lock);
	bool att = block_attached_locked(bd);
	pthread_mutex_unlock(&bd->lock);
	CHECK(att && bd->qcow && bd->fd < 0 && block_has_medium(bd),
	      "a qcow2 medium counts as attached (info block, ATAPI events)");
	uint8_t a[4096], b[4096], r[8192];
	fill(a, sizeof(a));
	fill(b, sizeof(b));
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	CHECK(block_writev(bd, 65536 - 2048, iov, 2) == 8192, "writev across a cluster boundary");
	CHECK(block_read(bd, 65536 - 2048, r, 8192) == 8192 && !memcmp(r, a, 4096) &&
	      !memcmp(r + 4096, b, 4096), "read it back");
	CHECK(block_flush(bd) == 0, "flush");
	CHECK(block_read(bd, (3u << 20) - 512, r, 1024) < 0 && errno == EIO, "past the end: EIO");
	struct stat st;
	stat(p, &st);
	CHECK(block_insert_fmt(bd, p, true, "raw", err, sizeof(err)) == 0 &&
	      block_size(bd) == (uint64_t)st.st_size, "format raw: the file itself, no probing");
	CHECK(block_insert_fmt(bd, p, true, "vhd", err, sizeof(err)) < 0 && strstr(err, "vhd"),
	      "unknown format refused: %s", err);
	char *raw = path_of("plain.raw");
	int fd = open(raw, O_RDWR | O_CREAT | O_TRUNC, 0644);
	close(fd);
	if (truncate(raw, 1 << 20) < 0)
		abort();
	CHECK(block_insert_fmt(bd, raw, false, "qcow2", err, sizeof(err)) < 0 &&
	      strstr(err, "not a qcow2 image"), "format qcow2 on a raw file refused: %s", err);
	block_free(bd);
	free(raw);
	free(p);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_create_rw(12, 3);
	test_create_rw(16, 2);
	test_create_rw(16, 3);
	test_create_rw(21, 3);
	test_backing();
	test_zero_and_compressed(false);
	test_zero_and_compressed(true);
	test_refusals();
	test_block_layer();
	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		CHECK(0, "clean up");
	free(cmd);
	return UNIT_DONE();
}
