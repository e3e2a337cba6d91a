/*
 * Kernel payload decompression on the host. A bzImage's guest-side
 * decompressor runs in emulated kernel mode here and takes minutes
 * (TESTING.md), so the payload is unpacked with Debian's libraries instead.
 */
#include "firmware/decompress.h"

#include <lzma.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

/* zlib counts in 32-bit uInt: feed it at most 1 GiB at a time */
#define MIN_CHUNK(n) ((n) < (1u << 30) ? (n) : (size_t)(1u << 30))

enum compression compression_detect(const uint8_t *d, size_t len)
{
	static const uint8_t xz[6] = { 0xFD, '7', 'z', 'X', 'Z', 0x00 };
	static const uint8_t zstd[4] = { 0x28, 0xB5, 0x2F, 0xFD };
	static const uint8_t lzo[4] = { 0x89, 'L', 'Z', 'O' };
	static const uint8_t lz4[4] = { 0x02, 0x21, 0x4C, 0x18 }; /* legacy frame, as Linux uses */

	if (len >= 2 && d[0] == 0x1F && (d[1] == 0x8B || d[1] == 0x9E))
		return COMP_GZIP;
	if (len >= 6 && !memcmp(d, xz, 6))
		return COMP_XZ;
	if (len >= 4 && !memcmp(d, zstd, 4))
		return COMP_ZSTD;
	/* .lzma (lzma-alone): properties byte 0x5D, then a little-endian dictionary size */
	if (len >= 13 && d[0] == 0x5D && d[1] == 0x00 && d[2] == 0x00)
		return COMP_LZMA;
	if (len >= 3 && d[0] == 'B' && d[1] == 'Z' && d[2] == 'h')
		return COMP_BZIP2;
	if (len >= 4 && !memcmp(d, lzo, 4))
		return COMP_LZO;
	if (len >= 4 && !memcmp(d, lz4, 4))
		return COMP_LZ4;
	return COMP_NONE;
}

const char *compression_name(enum compression c)
{
	switch (c) {
	case COMP_NONE: return "uncompressed";
	case COMP_GZIP: return "gzip";
	case COMP_XZ: return "xz";
	case COMP_LZMA: return "lzma";
	case COMP_ZSTD: return "zstd";
	case COMP_BZIP2: return "bzip2";
	case COMP_LZO: return "lzo";
	case COMP_LZ4: return "lz4";
	}
	return "?";
}

/* A growing output buffer bounded by max. */
struct outbuf {
	uint8_t *p;
	size_t len, cap, max;
};

static bool outbuf_init(struct outbuf *o, size_t hint, size_t max)
{
	o->max = max;
	o->len = 0;
	o->cap = hint ? hint : 1 << 20;
	if (o->cap > max)
		o->cap = max;
	if (o->cap < 4096)
		o->cap = 4096;
	o->p = malloc(o->cap);
	return o->p != NULL;
}

/* Make room; false if the cap is reached or memory runs out. */
static bool outbuf_grow(struct outbuf *o)
{
	if (o->cap >= o->max)
		return false;
	size_t ncap = o->cap > o->max / 2 ? o->max : o->cap * 2;
	uint8_t *np = realloc(o->p, ncap);
	if (!np)
		return false;
	o->p = np;
	o->cap = ncap;
	return true;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int inflate_gzip(const uint8_t *in, size_t in_len, struct outbuf *o,
			char *err, size_t errlen)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		seterr(err, errlen, "zlib: cannot initialise");
		return -1;
	}
	int rc = -1;
	size_t in_pos = 0;
	for (;;) {
		if (o->len == o->cap && !outbuf_grow(o)) {
			seterr(err, errlen, "gzip: output larger than %zu bytes", o->max);
			break;
		}
		size_t in_chunk = MIN_CHUNK(in_len - in_pos);
		size_t out_chunk = MIN_CHUNK(o->cap - o->len);
		zs.next_in = (Bytef *)(in + in_pos);
		zs.avail_in = (uInt)in_chunk;
		zs.next_out = o->p + o->len;
		zs.avail_out = (uInt)out_chunk;
		int z = inflate(&zs, Z_NO_FLUSH);
		in_pos += in_chunk - zs.avail_in;
		o->len += out_chunk - zs.avail_out;
		if (z == Z_STREAM_END) {
			rc = 0;
			break;
		}
		if (z == Z_BUF_ERROR && in_pos == in_len && zs.avail_out) {
			seterr(err, errlen, "gzip: stream truncated");
			break;
		}
		if (z != Z_OK && z != Z_BUF_ERROR) {
			seterr(err, errlen, "gzip: %s", zs.msg ? zs.msg : "corrupt data");
			break;
		}
	}
	inflateEnd(&zs);
	return rc;
}

static int unxz(enum compression c, const uint8_t *in, size_t in_len,
		struct outbuf *o, char *err, size_t errlen)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_ret r = c == COMP_XZ ? lzma_stream_decoder(&ls, UINT64_MAX, 0)
				  : lzma_alone_decoder(&ls, UINT64_MAX);
	if (r != LZMA_OK) {
		seterr(err, errlen, "liblzma: cannot initialise (%d)", (int)r);
		return -1;
	}
	int rc = -1;
	ls.next_in = in;
	ls.avail_in = in_len;
	for (;;) {
		if (o->len == o->cap && !outbuf_grow(o)) {
			seterr(err, errlen, "%s: output larger than %zu bytes",
			       compression_name(c), o->max);
			break;
		}
		ls.next_out = o->p + o->len;
		ls.avail_out = o->cap - o->len;
		size_t before = ls.avail_out;
		/* LZMA_FINISH: all input is there; running out of it is truncation */
		r = lzma_code(&ls, LZMA_FINISH);
		o->len += before - ls.avail_out;
		if (r == LZMA_STREAM_END) {
			rc = 0;
			break;
		}
		if (r == LZMA_OK)
			continue;
		if (r == LZMA_BUF_ERROR && ls.avail_out == 0)
			continue;
		seterr(err, errlen, "%s: %s", compression_name(c),
		       r == LZMA_BUF_ERROR ? "stream truncated" :
		       r == LZMA_FORMAT_ERROR ? "not a valid stream" :
		       r == LZMA_OPTIONS_ERROR ? "unsupported options" :
		       r == LZMA_MEM_ERROR ? "out of memory" : "corrupt data");
		break;
	}
	lzma_end(&ls);
	return rc;
}

static int unzstd(const uint8_t *in, size_t in_len, struct outbuf *o,
		  char *err, size_t errlen)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	if (!dc) {
		seterr(err, errlen, "zstd: cannot initialise");
		return -1;
	}
	/* kernels are compressed with --ultra -22: allow windows beyond the 128 MiB default */
	ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, 30);
	ZSTD_inBuffer ib = { in, in_len, 0 };
	int rc = -1;
	for (;;) {
		if (o->len == o->cap && !outbuf_grow(o)) {
			seterr(err, errlen, "zstd: output larger than %zu bytes", o->max);
			break;
		}
		ZSTD_outBuffer ob = { o->p + o->len, o->cap - o->len, 0 };
		size_t in_before = ib.pos;
		size_t z = ZSTD_decompressStream(dc, &ob, &ib);
		o->len += ob.pos;
		if (ZSTD_isError(z)) {
			seterr(err, errlen, "zstd: %s", ZSTD_getErrorName(z));
			break;
		}
		if (z == 0) { /* end of the first frame */
			rc = 0;
			break;
		}
		if (ib.pos == ib.size && ob.pos < ob.size && ib.pos == in_before) {
			seterr(err, errlen, "zstd: stream truncated");
			break;
		}
	}
	ZSTD_freeDCtx(dc);
	return rc;
}

int decompress_buffer(enum compression c, const uint8_t *in, size_t in_len,
		      size_t size_hint, size_t max_out, uint8_t **out,
		      size_t *out_len, char *err, size_t errlen)
{
	struct outbuf o;
	int rc;

	*out = NULL;
	*out_len = 0;
	switch (c) {
	case COMP_GZIP: case COMP_XZ: case COMP_LZMA: case COMP_ZSTD:
		break;
	case COMP_NONE:
		seterr(err, errlen, "payload is not in a known compressed format");
		return -1;
	default:
		seterr(err, errlen, "%s-compressed kernels are not supported "
		       "(gzip, xz, lzma and zstd are)", compression_name(c));
		return -1;
	}
	if (!outbuf_init(&o, size_hint, max_out)) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (c == COMP_GZIP)
		rc = inflate_gzip(in, in_len, &o, err, errlen);
	else if (c == COMP_ZSTD)
		rc = unzstd(in, in_len, &o, err, errlen);
	else
		rc = unxz(c, in, in_len, &o, err, errlen);
	if (rc < 0) {
		free(o.p);
		return -1;
	}
	*out = o.p;
	*out_len = o.len;
	return 0;
}
