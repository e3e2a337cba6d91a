/*
 * Runs a libFuzzer-style target (LLVMFuzzerTestOneInput) without libFuzzer:
 * every file named on the command line, then N pseudo-random inputs mutated
 * from them (deterministic seed), under AddressSanitizer and UBSan.
 *   fuzz_x [-n ITER] [-s SEED] [corpus files...]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

int main(int argc, char **argv)
{
	long iters = 20000;
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	uint8_t *seeds[64];
	size_t seed_len[64];
	int n_seeds = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			iters = atol(argv[++i]);
		} else if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else if (n_seeds < 64) {
			FILE *f = fopen(argv[i], "rb");
			if (!f) { perror(argv[i]); return 2; }
			uint8_t *buf = malloc(1 << 20);
			size_t n = fread(buf, 1, 1 << 20, f);
			fclose(f);
			LLVMFuzzerTestOneInput(buf, n);
			seeds[n_seeds] = buf;
			seed_len[n_seeds++] = n;
		}
	}
	rng_state = seed ? seed : 1;
	uint8_t *buf = malloc(65536);
	for (long it = 0; it < iters; it++) {
		size_t n;
		if (n_seeds && (rnd() & 3)) {
			int s = rnd() % n_seeds;
			n = seed_len[s] < 65536 ? seed_len[s] : 65536;
			memcpy(buf, seeds[s], n);
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
		LLVMFuzzerTestOneInput(buf, n);
	}
	free(buf);
	for (int i = 0; i < n_seeds; i++)
		free(seeds[i]);
	printf("PASS: %s: %ld inputs without a sanitizer finding\n", argv[0], iters + n_seeds);
	return 0;
}
