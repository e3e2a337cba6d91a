/*
 * `vmstation img create|info|convert|commit`: disk images from the command
 * line, raw or qcow2, with a progress bar when stderr is a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/img_cmd.h"
#include "core/qcow2.h"
#include "core/util.h"

#define CHUNK (1u << 20)

/* An open image of either format. */
struct img {
	struct qcow2 *q;
	int fd;
	uint64_t size;
};

static int img_open(struct img *im, const char *path, const char *fmt, bool ro)
{
	char err[1024];
	memset(im, 0, sizeof(*im));
	im->fd = -1;
	bool qcow2 = fmt ? !strcmp(fmt, "qcow2") : qcow2_probe_path(path);
	if (fmt && !qcow2 && strcmp(fmt, "raw")) {
		fprintf(stderr, "vmstation img: unknown format '%s' (raw or qcow2)\n", fmt);
		return -1;
	}
	if (qcow2) {
		im->q = qcow2_open(path, ro, err, sizeof(err));
		if (!im->q) {
			fprintf(stderr, "vmstation img: %s\n", err);
			return -1;
		}
		im->size = qcow2_size(im->q);
		return 0;
	}
	struct stat st;
	im->fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (im->fd < 0 || fstat(im->fd, &st) < 0) {
		fprintf(stderr, "vmstation img: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	im->size = (uint64_t)st.st_size;
	return 0;
}

static void img_close(struct img *im)
{
	qcow2_close(im->q);
	if (im->fd >= 0)
		close(im->fd);
}

static int img_rw(struct img *im, bool write, uint64_t off, void *buf, size_t len)
{
	if (im->q)
		return write ? qcow2_write(im->q, off, buf, len) : qcow2_read(im->q, off, buf, len);
	ssize_t n = write ? pwrite(im->fd, buf, len, (off_t)off) : pread(im->fd, buf, len, (off_t)off);
	if (n >= 0 && (size_t)n < len && !write) {
		memset((char *)buf + n, 0, len - (size_t)n);
		n = (ssize_t)len;
	}
	return n == (ssize_t)len ? 0 : -1;
}

static int img_flush(struct img *im)
{
	return im->q ? qcow2_flush(im->q) : fdatasync(im->fd);
}

static void progress(const char *what, uint64_t done, uint64_t total)
{
	if (!isatty(2) || !total)
		return;
	unsigned pct = (unsigned)(done * 100 / total), bar = pct * 40 / 100;
	char line[64];
	memset(line, '#', bar);
	memset(line + bar, '-', 40 - bar);
	line[40] = 0;
	fprintf(stderr, "\r%s [%s] %3u%%%s", what, line, pct, done == total ? "\n" : "");
}

static bool all_zero(const uint8_t *b, size_t n)
{
	return n == 0 || (b[0] == 0 && !memcmp(b, b + 1, n - 1));
}

/* "10G", "512M", "64k", "1048576": bytes, or -1. */
static int64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	int shift = 0;
	switch (*end) {
	case 0: break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -1;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end || v > (1ull << 50) >> shift)
		return -1;
	return (int64_t)(v << shift);
}

/* -o cluster_size=N,compat=0.10|1.1 */
static int parse_opts(const char *o, unsigned *cbits, unsigned *version)
{
	char *dup = xstrdup(o), *save = NULL;
	int rc = 0;
	for (char *t = strtok_r(dup, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
		if (!strncmp(t, "cluster_size=", 13)) {
			int64_t cs = parse_size(t + 13);
			unsigned b = 0;
			while (cs > 0 && (1ll << b) < cs)
				b++;
			if (cs <= 0 || (1ll << b) != cs || b < 12 || b > 21)
				rc = -1;
			*cbits = b;
		} else if (!strcmp(t, "compat=0.10")) {
			*version = 2;
		} else if (!strcmp(t, "compat=1.1") || !strcmp(t, "compat=v3")) {
			*version = 3;
		} else {
			rc = -1;
		}
	}
	if (rc)
		fprintf(stderr, "vmstation img: bad option in '%s' (cluster_size=4k..2M, "
			"compat=0.10|1.1)\n", o);
	free(dup);
	return rc;
}

static int create_image(const char *path, const char *fmt, uint64_t size, unsigned cbits,
			unsigned version, const char *backing, const char *bfmt)
{
	char err[1024];
	if (!strcmp(fmt, "qcow2")) {
		if (qcow2_create(path, size, cbits, version, backing, bfmt, err, sizeof(err)) < 0) {
			fprintf(stderr, "vmstation img: %s\n", err);
			return -1;
		}
		return 0;
	}
	if (strcmp(fmt, "raw")) {
		fprintf(stderr, "vmstation img: unknown format '%s' (raw or qcow2)\n", fmt);
		return -1;
	}
	if (backing) {
		fprintf(stderr, "vmstation img: a raw image cannot have a backing file\n");
		return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		fprintf(stderr, "vmstation img: cannot create '%s': %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int img_create(int argc, char **argv)
{
	const char *fmt = "raw", *backing = NULL, *bfmt = NULL;
	unsigned cbits = 16, version = 3;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-f") && i + 1 < argc)
			fmt = argv[++i];
		else if (!strcmp(argv[i], "-b") && i + 1 < argc)
			backing = argv[++i];
		else if (!strcmp(argv[i], "-F") && i + 1 < argc)
			bfmt = argv[++i];
		else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			if (parse_opts(argv[++i], &cbits, &version) < 0)
				return 1;
		} else {
			fprintf(stderr, "vmstation img create: unknown option '%s'\n", argv[i]);
			return 1;
		}
	}
	if (i >= argc || argc - i > 2) {
		fprintf(stderr, "usage: vmstation img create [-f raw|qcow2] [-b BACKING [-F raw|qcow2]] "
			"[-o cluster_size=N,compat=0.10|1.1] FILE [SIZE]\n");
		return 1;
	}
	const char *path = argv[i];
	int64_t size = -1;
	if (argc - i == 2 && (size = parse_size(argv[i + 1])) < 0) {
		fprintf(stderr, "vmstation img create: bad size '%s'\n", argv[i + 1]);
		return 1;
	}
	if (backing) {
		/* the size defaults to the backing file's; it is opened as the image will open it */
		char *bpath = backing[0] == '/' ? xstrdup(backing) : NULL;
		if (!bpath) {
			const char *slash = strrchr(path, '/');
			bpath = slash ? xasprintf("%.*s/%s", (int)(slash - path), path, backing)
				      : xstrdup(backing);
		}
		struct img b;
		int rc = img_open(&b, bpath, bfmt, true);
		if (rc == 0 && !bfmt)
			bfmt = b.q ? "qcow2" : "raw";
		if (rc == 0 && size < 0)
			size = (int64_t)b.size;
		if (rc == 0)
			img_close(&b);
		free(bpath);
		if (rc < 0)
			return 1;
	}
	if (size < 0) {
		fprintf(stderr, "vmstation img create: a size is needed (or -b BACKING)\n");
		return 1;
	}
	if (create_image(path, fmt, (uint64_t)size, cbits, version, backing, bfmt) < 0)
		return 1;
	printf("Created %s image '%s', %lld bytes%s%s\n", fmt, path, (long long)size,
	       backing ? ", backing file " : "", backing ? backing : "");
	return 0;
}

static int img_info(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: vmstation img info FILE\n");
		return 1;
	}
	struct img im;
	if (img_open(&im, argv[1], NULL, true) < 0)
		return 1;
	printf("image: %s\n", argv[1]);
	printf("format: %s\n", im.q ? "qcow2" : "raw");
	printf("virtual size: %llu bytes\n", (unsigned long long)im.size);
	int rc = 0;
	if (im.q) {
		struct qcow2_info in;
		if (qcow2_get_info(im.q, &in) < 0) {
			fprintf(stderr, "vmstation img: '%s': bad L2 table\n", argv[1]);
			rc = 1;
		}
		printf("version: %u (compat %s)\n", in.version, in.version == 2 ? "0.10" : "1.1");
		printf("cluster size: %u\n", 1u << in.cluster_bits);
		printf("refcount bits: %u\n", in.refcount_bits);
		if (in.backing[0]) {
			printf("backing file: %s\n", in.backing);
			printf("backing file format: %s\n", in.backing_fmt[0] ? in.backing_fmt : "(probed)");
		}
		printf("allocated: %llu bytes\n", (unsigned long long)in.allocated);
		printf("file size: %llu bytes\n", (unsigned long long)in.file_size);
	} else {
		struct stat st;
		fstat(im.fd, &st);
		printf("allocated: %llu bytes\n", (unsigned long long)st.st_blocks * 512);
	}
	img_close(&im);
	return rc;
}

/* Copy src's data (all, or only what alloc says) into dst; zero chunks are skipped. */
static int copy_data(const char *what, struct img *src, struct img *dst, uint64_t size,
		     bool only_allocated)
{
	uint8_t *buf = xmalloc(CHUNK);
	uint64_t cs = only_allocated ? qcow2_cluster_size(src->q) : CHUNK;
	int rc = 0;
	for (uint64_t off = 0; off < size && !rc; off += cs) {
		size_t n = (size_t)(size - off < cs ? size - off : cs);
		if (only_allocated) {
			bool a;
			if (qcow2_is_allocated(src->q, off, &a) < 0) {
				rc = -1;
				break;
			}
			if (!a)
				continue;
		}
		for (size_t done = 0; done < n && !rc; done += CHUNK) {
			size_t m = n - done < CHUNK ? n - done : CHUNK;
			if (img_rw(src, false, off + done, buf, m) < 0)
				rc = -1;
			else if ((only_allocated || !all_zero(buf, m)) &&
				 img_rw(dst, true, off + done, buf, m) < 0)
				rc = -2;
		}
		progress(what, off + n, size);
	}
	if (!rc && img_flush(dst) < 0)
		rc = -2;
	if (rc)
		fprintf(stderr, "\nvmstation img: %s failed: %s error at the %s\n", what,
			rc == -1 ? "read" : "write", rc == -1 ? "source" : "destination");
	free(buf);
	return rc;
}

static int img_convert(int argc, char **argv)
{
	const char *sfmt = NULL, *ofmt = "raw";
	unsigned cbits = 16, version = 3;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-f") && i + 1 < argc)
			sfmt = argv[++i];
		else if (!strcmp(argv[i], "-O") && i + 1 < argc)
			ofmt = argv[++i];
		else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			if (parse_opts(argv[++i], &cbits, &version) < 0)
				return 1;
		} else {
			fprintf(stderr, "vmstation img convert: unknown option '%s'\n", argv[i]);
			return 1;
		}
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: vmstation img convert [-f raw|qcow2] [-O raw|qcow2] "
			"[-o cluster_size=N,compat=0.10|1.1] SRC DST\n");
		return 1;
	}
	struct img src, dst;
	if (img_open(&src, argv[i], sfmt, true) < 0)
		return 1;
	if (create_image(argv[i + 1], ofmt, src.size, cbits, version, NULL, NULL) < 0 ||
	    img_open(&dst, argv[i + 1], ofmt, false) < 0) {
		img_close(&src);
		return 1;
	}
	int rc = copy_data("convert", &src, &dst, src.size, false);
	img_close(&src);
	img_close(&dst);
	return rc ? 1 : 0;
}

static int img_commit(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: vmstation img commit OVERLAY.qcow2\n");
		return 1;
	}
	struct img top, base;
	if (img_open(&top, argv[1], NULL, true) < 0)
		return 1;
	if (!top.q || !qcow2_backing_path(top.q)) {
		fprintf(stderr, "vmstation img commit: '%s' has no backing file\n", argv[1]);
		img_close(&top);
		return 1;
	}
	char *bpath = xstrdup(qcow2_backing_path(top.q));
	bool bq = qcow2_backing_is_qcow2(top.q);
	if (img_open(&base, bpath, bq ? "qcow2" : "raw", false) < 0) {
		img_close(&top);
		free(bpath);
		return 1;
	}
	uint64_t size = top.size;
	if (base.size < size) {
		fprintf(stderr, "vmstation img commit: the base '%s' (%llu bytes) is smaller than "
			"the overlay (%llu bytes)\n", bpath, (unsigned long long)base.size,
			(unsigned long long)size);
		img_close(&top);
		img_close(&base);
		free(bpath);
		return 1;
	}
	int rc = copy_data("commit", &top, &base, size, true);
	if (!rc)
		printf("Image committed to '%s'.\n", bpath);
	img_close(&top);
	img_close(&base);
	free(bpath);
	return rc ? 1 : 0;
}

int cmd_img(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "create"))
		return img_create(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "info"))
		return img_info(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "convert"))
		return img_convert(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "commit"))
		return img_commit(argc - 1, argv + 1);
	fprintf(argc >= 2 && strcmp(argv[1], "--help") ? stderr : stdout,
		"usage: vmstation img create [-f raw|qcow2] [-b BACKING [-F fmt]] [-o OPTS] FILE [SIZE]\n"
		"       vmstation img info FILE\n"
		"       vmstation img convert [-f fmt] [-O raw|qcow2] [-o OPTS] SRC DST\n"
		"       vmstation img commit OVERLAY\n"
		"OPTS: cluster_size=4k..2M, compat=0.10|1.1\n");
	return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 1;
}
