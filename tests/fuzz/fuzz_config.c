/*
 * Fuzz target for the xl.cfg parser and the typed configuration: parse the
 * bytes; when they parse, build a vm_config; when that succeeds, print it,
 * parse and build the printed text again and print that: the two prints
 * must be identical (the `vmstation check` round trip), else abort.
 * The configuration's own warnings go to /dev/null; sanitizer reports still
 * reach the real stderr (they write to fd 2, not through the FILE).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/vmconfig.h"

static char *print_config(const struct vm_config *vc, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	vmconfig_print(vc, f);
	fclose(f);
	return buf;
}

/* Build and print; NULL when the text is refused. */
static char *build_and_print(const char *text, size_t len, size_t *out_len)
{
	char err[256];
	struct cfg *cfg = cfg_parse_string("fuzz.cfg", text, len, err, sizeof(err));
	if (!cfg)
		return NULL;
	struct vm_config vc;
	char *out = NULL;
	if (vmconfig_from_cfg(&vc, cfg) == 0) {
		out = print_config(&vc, out_len);
		vmconfig_free(&vc);
	}
	cfg_free(cfg);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull, *real_stderr;
	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		real_stderr = stderr;
	}
	stderr = devnull;

	size_t l1 = 0, l2 = 0;
	char *p1 = build_and_print((const char *)data, size, &l1);
	if (p1) {
		char *p2 = build_and_print(p1, l1, &l2);
		if (!p2 || l1 != l2 || memcmp(p1, p2, l1)) {
			stderr = real_stderr;
			fprintf(stderr, "fuzz_config: the printed configuration does not read back the same\n"
					"--- input (%zu bytes)\n%.*s\n--- first print\n%s--- second print\n%s",
				size, (int)size, (const char *)data, p1, p2 ? p2 : "(refused)\n");
			abort();
		}
		free(p2);
	}
	free(p1);
	stderr = real_stderr;
	return 0;
}
