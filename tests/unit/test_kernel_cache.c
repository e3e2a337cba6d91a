/*
 * The cache of unpacked direct-boot kernels (firmware/kernel_cache.c): where
 * it lives, an entry read back as written, every mismatch or damage a miss,
 * and the eviction keeping the most recently used entries.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "firmware/kernel_cache.h"
#include "unit.h"

static char dir[128];
static char home[64];

static int entries(void)
{
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "ls %s | grep -c '\\.kernel$'", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p && fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}

/* the one entry whose name starts with the format number f (each test
 * entry below has its own format number) */
static bool entry_name(int f, char *out, size_t n)
{
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "ls %s/%d-*.kernel 2>/dev/null", dir, f);
	FILE *p = popen(cmd, "r");
	bool ok = p && fgets(out, (int)n, p);
	if (p)
		pclose(p);
	if (ok)
		out[strcspn(out, "\n")] = 0;
	return ok;
}

/* sets an entry's last use to `secs` seconds after the epoch */
static void age(int f, time_t secs)
{
	char path[256];
	struct timespec t[2] = { { secs, 0 }, { secs, 0 } };
	if (entry_name(f, path, sizeof(path)))
		utimensat(AT_FDCWD, path, t, 0);
}

static void test_dir(void)
{
	char buf[256], want[200];
	setenv("XDG_CACHE_HOME", home, 1);
	CHECK(kernel_cache_dir(buf, sizeof(buf)), "a cache directory under XDG_CACHE_HOME");
	snprintf(want, sizeof(want), "%s/vmstation/kernels", home);
	CHECK_STR(buf, want, "its path");
	struct stat st;
	CHECK(stat(buf, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
	      "created, mode 0700 (%o)", st.st_mode & 0777);
	setenv("XDG_CACHE_HOME", "relative/path", 1);
	setenv("HOME", home, 1);
	snprintf(want, sizeof(want), "%s/.cache/vmstation/kernels", home);
	CHECK(kernel_cache_dir(buf, sizeof(buf)) && !strcmp(buf, want),
	      "a relative XDG_CACHE_HOME is ignored: ~/.cache (%s)", buf);
	setenv("VMST_KERNEL_CACHE", "0", 1);
	CHECK(!kernel_cache_dir(buf, sizeof(buf)), "VMST_KERNEL_CACHE=0 turns it off");
	unsetenv("VMST_KERNEL_CACHE");
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	CHECK(!kernel_cache_dir(buf, sizeof(buf)), "no HOME and no XDG_CACHE_HOME: no cache");
}

static void test_round_trip(void)
{
	static uint8_t packed[5000], data[70000];
	for (size_t i = 0; i < sizeof(packed); i++)
		packed[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + i / 256);
	struct kernel_blob b;

	CHECK(!kernel_cache_load(dir, 1, packed, sizeof(packed), &b) && !b.data && !b.map,
	      "an empty cache: a miss");
	CHECK(kernel_cache_store(dir, 1, packed, sizeof(packed), data, sizeof(data)), "stored");
	CHECK(kernel_cache_load(dir, 1, packed, sizeof(packed), &b), "read back");
	CHECK(b.len == sizeof(data) && b.data && !memcmp(b.data, data, sizeof(data)),
	      "the same %zu bytes", b.len);
	kernel_blob_release(&b);
	CHECK(!b.data && !b.map, "released");

	CHECK(!kernel_cache_load(dir, 3, packed, sizeof(packed), &b), "another format: a miss");
	CHECK(!kernel_cache_load(dir, 1, packed, sizeof(packed) - 1, &b), "a shorter payload: a miss");
	packed[100] ^= 1;
	CHECK(!kernel_cache_load(dir, 1, packed, sizeof(packed), &b), "one bit changed in the payload: a miss");
	packed[100] ^= 1;

	/* damage: a cut-off file, a changed header */
	char path[256];
	CHECK(entry_name(1, path, sizeof(path)), "the entry's file is there");
	CHECK(truncate(path, 64 + sizeof(data) - 1) == 0 &&
	      !kernel_cache_load(dir, 1, packed, sizeof(packed), &b), "cut short by a byte: a miss");
	CHECK(truncate(path, 10) == 0 && !kernel_cache_load(dir, 1, packed, sizeof(packed), &b),
	      "shorter than its header: a miss");
	CHECK(kernel_cache_store(dir, 1, packed, sizeof(packed), data, sizeof(data)), "stored again");
	int fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, "X", 1, 0) == 1, "its magic overwritten");
	if (fd >= 0)
		close(fd);
	CHECK(!kernel_cache_load(dir, 1, packed, sizeof(packed), &b), "a wrong magic: a miss");
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, "V", 1, 0) == 1 && pwrite(fd, "\x01", 1, 32) == 1,
	      "its magic back, its length field changed");
	if (fd >= 0)
		close(fd);
	CHECK(!kernel_cache_load(dir, 1, packed, sizeof(packed), &b), "a length that is not the file's: a miss");
	CHECK(kernel_cache_store(dir, 1, packed, sizeof(packed), data, sizeof(data)) &&
	      kernel_cache_load(dir, 1, packed, sizeof(packed), &b) && b.len == sizeof(data),
	      "a store replaces a damaged entry");
	kernel_blob_release(&b);
	CHECK(!kernel_cache_store("/nonexistent/dir", 1, packed, sizeof(packed), data, sizeof(data)),
	      "a directory that is not there: the store fails, nothing else");
}

static void test_eviction(void)
{
	uint8_t packed[64], data[256];
	struct kernel_blob b;
	time_t base = time(NULL) - 100000;
	memset(data, 0x5a, sizeof(data));
	/* entries with format numbers 10, 11, ...: each distinct, aged in order */
	for (int i = 0; i < KERNEL_CACHE_KEEP + 2; i++) {
		memset(packed, i, sizeof(packed));
		CHECK(kernel_cache_store(dir, 10 + i, packed, sizeof(packed), data, sizeof(data)),
		      "entry %d stored", i);
		age(10 + i, base + i);
	}
	/* the round-trip test's entry is there too, the newest of all */
	CHECK_EQ(entries(), KERNEL_CACHE_KEEP, "the newest entries stay");
	char path[256];
	CHECK(!entry_name(10, path, sizeof(path)) && !entry_name(11, path, sizeof(path)) &&
	      !entry_name(12, path, sizeof(path)) && entry_name(13, path, sizeof(path)),
	      "the three oldest went");
	/* a read counts as a use: entry 13, the oldest left, read now outlives 14 */
	memset(packed, 3, sizeof(packed));
	CHECK(kernel_cache_load(dir, 13, packed, sizeof(packed), &b), "entry 3 read");
	kernel_blob_release(&b);
	memset(packed, 99, sizeof(packed));
	CHECK(kernel_cache_store(dir, 99, packed, sizeof(packed), data, sizeof(data)), "one more stored");
	CHECK_EQ(entries(), KERNEL_CACHE_KEEP, "still the newest entries");
	CHECK(entry_name(13, path, sizeof(path)) && !entry_name(14, path, sizeof(path)),
	      "the one just read stays; the least recently used went");
}

int main(void)
{
	snprintf(home, sizeof(home), "/tmp/vmst-kcache-XXXXXX");
	if (!mkdtemp(home))
		return 1;
	test_dir();
	snprintf(dir, sizeof(dir), "%s/vmstation/kernels", home);
	test_round_trip();
	test_eviction();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", home);
	if (system(cmd) != 0)
		return 1;
	return UNIT_DONE();
}
