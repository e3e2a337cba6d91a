/*
 * Host-side decompression of kernel payloads, chosen by the stream's magic:
 * gzip (zlib), xz and lzma-alone (liblzma), zstd (libzstd).
 */
#ifndef VMST_DECOMPRESS_H
#define VMST_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

enum compression {
	COMP_NONE,   /* not compressed (or not recognised) */
	COMP_GZIP,
	COMP_XZ,
	COMP_LZMA,
	COMP_ZSTD,
	COMP_BZIP2,  /* recognised, not supported */
	COMP_LZO,    /* recognised, not supported */
	COMP_LZ4,    /* recognised, not supported */
};

/* Which format the buffer starts with (COMP_NONE if none we know). */
enum compression compression_detect(const uint8_t *data, size_t len);
const char *compression_name(enum compression c);

/*
 * Decompress one stream of the given format into a malloc'd buffer (*out,
 * *out_len). size_hint, if not 0, is the expected output size (a guess: the
 * buffer grows as needed). Output beyond max_out bytes is an error. Trailing
 * bytes after the end of the first stream are ignored. Returns 0, or -1 with
 * a message in err.
 */
int decompress_buffer(enum compression c, const uint8_t *in, size_t in_len,
		      size_t size_hint, size_t max_out, uint8_t **out,
		      size_t *out_len, char *err, size_t errlen);

#endif
