/*
 * Runs a libFuzzer-style target (LLVMFuzzerTestOneInput) without libFuzzer,
 * for make check: every corpus file (or every file in a corpus directory)
 * named on the command line, then N pseudo-random inputs mutated from them
 * (deterministic seed), under AddressSanitizer and UBSan, with a resident
 * memory limit and a per-input time limit. An input that crashes, hangs or
 * goes over the memory limit is saved to a file to replay alone:
 *   fuzz_x [-n ITER] [-s SEED] [-m RSS_MB] [-t SECONDS] [-o FILE] [corpus...]
 * (RLIMIT_AS cannot be used: ASan reserves terabytes of address space.)
 */
#include <dirent.h>
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* A slow target (one that builds a machine with disk images for every
 * input) may cap the mutated inputs of -n; the PASS line says so. */
extern const long fuzz_max_iters __attribute__((weak));

#define MAX_FILE_INPUT (1u << 20)

struct input { uint8_t *data; size_t len; };

/* What the signal and death handlers need: the input being run. */
struct current {
	const uint8_t *data;
	size_t len;
	const char *save_path;
	const char *name;
};
static struct current cur;

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* async-signal-safe: write the current input to save_path, say so */
static void save_current(void)
{
	static const char msg[] = "fuzz driver: failing input saved to ";
	static const char late[] = "fuzz driver: a finding after the last input (the exit-time "
				   "leak check?): replay the corpus files one at a time\n";
	if (!cur.data) {
		(void)!write(2, late, sizeof(late) - 1);
		return;
	}
	int fd = open(cur.save_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	size_t off = 0;
	while (off < cur.len) {
		ssize_t w = write(fd, cur.data + off, cur.len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(fd);
	if (write(2, msg, sizeof(msg) - 1) < 0 ||
	    write(2, cur.save_path, strlen(cur.save_path)) < 0 || write(2, "\n", 1) < 0)
		return;
}

static void fail_exit(const char *why)
{
	char line[512];
	save_current();
	int n = snprintf(line, sizeof(line), "FAIL: %s: %s (input of %zu bytes saved to %s)\n",
			 cur.name, why, cur.len, cur.save_path);
	if (write(1, line, (size_t)n) < 0)
		_exit(1);
	_exit(1);
}

static void on_alarm(int sig)
{
	(void)sig;
	fail_exit("an input ran past the time limit");
}

/* A target's own check failed (abort()): ASan does not see that one. */
static void on_abort(int sig)
{
	(void)sig;
	fail_exit("the target aborted (its message is above)");
}

/* resident set size in MiB, from /proc/self/statm (pages) */
static long rss_mb(void)
{
	char buf[128];
	int fd = open("/proc/self/statm", O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	long size, resident;
	if (sscanf(buf, "%ld %ld", &size, &resident) != 2)
		return 0;
	return resident * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

static int add_file(struct input **v, size_t *n, size_t *cap, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	uint8_t *buf = malloc(MAX_FILE_INPUT);
	size_t len = fread(buf, 1, MAX_FILE_INPUT, f);
	fclose(f);
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = realloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = (struct input){ buf, len };
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory: its regular files in name order (deterministic). */
static int add_path(struct input **v, size_t *n, size_t *cap, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return add_file(v, n, cap, path);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	char **names = NULL;
	size_t nn = 0, nc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (nn == nc) {
			nc = nc ? nc * 2 : 64;
			names = realloc(names, nc * sizeof(*names));
		}
		names[nn] = malloc(strlen(path) + strlen(e->d_name) + 2);
		sprintf(names[nn++], "%s/%s", path, e->d_name);
	}
	closedir(d);
	qsort(names, nn, sizeof(*names), cmp_str);
	int rc = 0;
	for (size_t i = 0; i < nn; i++) {
		if (!rc && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			rc = add_file(v, n, cap, names[i]);
		free(names[i]);
	}
	free(names);
	return rc;
}

static void run_one(const uint8_t *data, size_t len, unsigned timeout_s, long rss_limit)
{
	cur.data = data;
	cur.len = len;
	alarm(timeout_s);
	LLVMFuzzerTestOneInput(data, len);
	alarm(0);
	long rss = rss_mb();
	if (rss_limit && rss > rss_limit) {
		char why[96];
		snprintf(why, sizeof(why), "resident memory %ld MiB over the %ld MiB limit",
			 rss, rss_limit);
		fail_exit(why);
	}
}

int main(int argc, char **argv)
{
	long iters = 20000, rss_limit = 1024;
	unsigned timeout_s = 10;
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	struct input *seeds = NULL;
	size_t n_seeds = 0, cap = 0;
	static char save_path[4096];
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	snprintf(save_path, sizeof(save_path), "failing-%s.bin", base);
	cur.name = base;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			iters = atol(argv[++i]);
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-m") && i + 1 < argc)
			rss_limit = atol(argv[++i]);
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			timeout_s = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			snprintf(save_path, sizeof(save_path), "%s", argv[++i]);
		else if (add_path(&seeds, &n_seeds, &cap, argv[i]) < 0)
			return 2;
	}
	cur.save_path = save_path;
	char capped[64] = "";
	if (&fuzz_max_iters && iters > fuzz_max_iters) {
		snprintf(capped, sizeof(capped), " (-n %ld capped by the target)", iters);
		iters = fuzz_max_iters;
	}
	signal(SIGALRM, on_alarm);
	signal(SIGABRT, on_abort);
	__sanitizer_set_death_callback(save_current);

	long peak = 0;
	for (size_t i = 0; i < n_seeds; i++) {
		run_one(seeds[i].data, seeds[i].len, timeout_s, rss_limit);
		long r = rss_mb();
		peak = r > peak ? r : peak;
	}
	rng_state = seed ? seed : 1;
	uint8_t *buf = malloc(65536);
	for (long it = 0; it < iters; it++) {
		size_t n;
		if (n_seeds && (rnd() & 3)) {
			size_t s = rnd() % n_seeds;
			n = seeds[s].len < 65536 ? seeds[s].len : 65536;
			memcpy(buf, seeds[s].data, n);
			int muts = 1 + rnd() % 8;
			for (int m = 0; m < muts && n; m++) {
				switch (rnd() % 4) {
				case 0: buf[rnd() % n] = rnd(); break;
				case 1: buf[rnd() % n] ^= 1u << (rnd() % 8); break;
				case 2: n = rnd() % (n + 1); break;
				case 3: if (n < 65535) { size_t p = rnd() % (n + 1);
					memmove(buf + p + 1, buf + p, n - p); buf[p] = rnd(); n++; } break;
				}
			}
		} else {
			n = rnd() % 512;
			for (size_t i = 0; i < n; i++)
				buf[i] = rnd();
		}
		run_one(buf, n, timeout_s, rss_limit);
		if ((it & 255) == 0) {
			long r = rss_mb();
			peak = r > peak ? r : peak;
		}
	}
	/* the buffers go: what fails from here on (leaks at exit) has no input */
	cur.data = NULL;
	cur.len = 0;
	free(buf);
	for (size_t i = 0; i < n_seeds; i++)
		free(seeds[i].data);
	free(seeds);
	printf("PASS: %s: %zu corpus files and %ld mutated inputs%s without a sanitizer finding, "
	       "each under %u s, resident memory under %ld MiB (peak %ld MiB)\n",
	       base, n_seeds, iters, capped, timeout_s, rss_limit, peak);
	return 0;
}
