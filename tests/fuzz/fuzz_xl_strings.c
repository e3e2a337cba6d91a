/*
 * The xl.cfg disk and vif specification strings: the input (split at its
 * first newline) becomes disk = [ '<first>' ] and vif = [ '<rest>' ] of an
 * otherwise valid configuration, which is parsed, built into a vm_config
 * and printed; what builds must print, re-parse and rebuild to the same
 * text (the `vmstation check` round trip), else abort.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/vmconfig.h"

static char *build_and_print(const char *text, size_t len)
{
	char err[256];
	struct cfg *cfg = cfg_parse_string("fuzz.cfg", text, len, err, sizeof(err));
	if (!cfg)
		return NULL;
	struct vm_config vc;
	char *out = NULL;
	size_t out_len = 0;
	if (vmconfig_from_cfg(&vc, cfg) == 0) {
		FILE *f = open_memstream(&out, &out_len);
		vmconfig_print(&vc, f);
		fclose(f);
		vmconfig_free(&vc);
	}
	cfg_free(cfg);
	return out;
}

/* Append s[0..n) as the inside of a single-quoted xl string. */
static size_t quote(char *dst, const uint8_t *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char c = (char)s[i];
		if (c == '\'' || c == '\\') {
			dst[k++] = '\\';
		} else if (c == '\n' || c == '\r' || c == '\0') {
			c = ' ';
		}
		dst[k++] = c;
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull, *real_stderr;
	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		real_stderr = stderr;
	}
	stderr = devnull; /* the configuration's warnings; ASan writes to fd 2 */
	if (size > 4096)
		return 0;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n1 = nl ? (size_t)(nl - data) : size;
	const uint8_t *rest = nl ? nl + 1 : data + size;
	size_t n2 = size - (size_t)(rest - data);
	char *text = malloc(2 * size + 256);
	size_t k = (size_t)sprintf(text, "name = 'fuzz'\nmemory = 64\ndisk = [ '");
	k += quote(text + k, data, n1);
	k += (size_t)sprintf(text + k, "' ]\nvif = [ '");
	k += quote(text + k, rest, n2);
	k += (size_t)sprintf(text + k, "' ]\n");
	char *first = build_and_print(text, k);
	if (first) {
		char *second = build_and_print(first, strlen(first));
		if (!second || strcmp(first, second)) {
			stderr = real_stderr;
			fprintf(stderr, "fuzz_xl_strings: the printed configuration does not read "
				"back the same\n--- input\n%s--- first\n%s--- second\n%s", text, first,
				second ? second : "(refused)\n");
			abort();
		}
		free(second);
	}
	free(first);
	free(text);
	stderr = real_stderr;
	return 0;
}
