/*
 * The on-disk cache of unpacked direct-boot kernels (kernel_cache.h).
 * File layout: a 64-byte header, then the unpacked kernel.
 *   0  "VMSTKRN1"   8  format (u32)   16 packed length (u64)
 *   24 CRC-32 of the packed payload   28 its Adler-32   32 unpacked length (u64)
 */
#include "firmware/kernel_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

#define HDR_LEN 64
#define MAX_UNPACKED (1024ull * 1024 * 1024)
static const char magic[8] = "VMSTKRN1";

struct key {
	uint32_t format, crc, adler;
	uint64_t packed_len;
};

static struct key key_of(int format, const uint8_t *packed, size_t len)
{
	return (struct key){
		.format = (uint32_t)format,
		.crc = libdeflate_crc32(0, packed, len),
		.adler = libdeflate_adler32(1, packed, len),
		.packed_len = len,
	};
}

static void entry_path(char *buf, size_t n, const char *dir, const struct key *k)
{
	snprintf(buf, n, "%s/%u-%llu-%08x-%08x.kernel", dir, k->format,
		 (unsigned long long)k->packed_len, k->crc, k->adler);
}

bool kernel_cache_dir(char *buf, size_t n)
{
	const char *off = getenv("VMST_KERNEL_CACHE");
	if (off && !strcmp(off, "0"))
		return false;
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int w;
	if (x && *x == '/')
		w = snprintf(buf, n, "%s/vmstation/kernels", x);
	else if (home && *home == '/')
		w = snprintf(buf, n, "%s/.cache/vmstation/kernels", home);
	else
		return false;
	return w > 0 && (size_t)w < n && mkdir_p(buf, 0700) == 0;
}

bool kernel_cache_load(const char *dir, int format, const uint8_t *packed,
		       size_t packed_len, struct kernel_blob *out)
{
	struct key k = key_of(format, packed, packed_len);
	char path[4200];
	struct stat st;

	memset(out, 0, sizeof(*out));
	entry_path(path, sizeof(path), dir, &k);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < HDR_LEN ||
	    (uint64_t)st.st_size > HDR_LEN + MAX_UNPACKED) {
		close(fd);
		return false;
	}
	/* populated at once: faulting the pages in one by one as the loader
	 * copied them took 12.6 s for 60 MiB from a 9p file system under a
	 * software CPU, 2.7 s populated (0.6 s from memory) */
	uint8_t *m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (m == MAP_FAILED) {
		close(fd);
		return false;
	}
	uint64_t len = ld64(m + 32);
	if (memcmp(m, magic, 8) || ld32(m + 8) != k.format || ld64(m + 16) != k.packed_len ||
	    ld32(m + 24) != k.crc || ld32(m + 28) != k.adler ||
	    len != (uint64_t)st.st_size - HDR_LEN) {
		munmap(m, st.st_size);
		close(fd);
		return false;
	}
	futimens(fd, NULL);   /* used now: the eviction keeps the newest */
	close(fd);
	out->data = m + HDR_LEN;
	out->len = len;
	out->map = m;
	out->map_len = st.st_size;
	return true;
}

/* The entries by age; removes all but the newest KERNEL_CACHE_KEEP. */
static void evict(const char *dir)
{
	struct ent { char name[256]; struct timespec t; } e[64];
	int n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) && n < (int)(sizeof(e) / sizeof(e[0]))) {
		size_t l = strlen(de->d_name);
		struct stat st;
		if (l < 8 || l >= sizeof(e[0].name) || strcmp(de->d_name + l - 7, ".kernel") ||
		    fstatat(dirfd(d), de->d_name, &st, 0) < 0)
			continue;
		memcpy(e[n].name, de->d_name, l + 1);
		e[n++].t = st.st_mtim;
	}
	while (n > KERNEL_CACHE_KEEP) {
		int old = 0;
		for (int i = 1; i < n; i++)
			if (e[i].t.tv_sec < e[old].t.tv_sec ||
			    (e[i].t.tv_sec == e[old].t.tv_sec && e[i].t.tv_nsec < e[old].t.tv_nsec))
				old = i;
		unlinkat(dirfd(d), e[old].name, 0);
		e[old] = e[--n];
	}
	closedir(d);
}

bool kernel_cache_store(const char *dir, int format, const uint8_t *packed,
			size_t packed_len, const uint8_t *data, size_t len)
{
	struct key k = key_of(format, packed, packed_len);
	char path[4200], tmp[4300];
	uint8_t hdr[HDR_LEN] = { 0 };

	if (len > MAX_UNPACKED)
		return false;
	entry_path(path, sizeof(path), dir, &k);
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	memcpy(hdr, magic, 8);
	st32(hdr + 8, k.format);
	st64(hdr + 16, k.packed_len);
	st32(hdr + 24, k.crc);
	st32(hdr + 28, k.adler);
	st64(hdr + 32, len);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	bool ok = write_all(fd, hdr, HDR_LEN) && write_all(fd, data, len);
	if (close(fd) < 0)
		ok = false;
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return false;
	}
	evict(dir);
	return true;
}

void kernel_blob_release(struct kernel_blob *b)
{
	if (b->map)
		munmap(b->map, b->map_len);
	memset(b, 0, sizeof(*b));
}
