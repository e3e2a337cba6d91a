/*
 * The sums the network cards compute: net_csum (the Internet checksum,
 * eight bytes at a time) against RFC 1071's worked example and against a
 * plain big-endian word-at-a-time sum, on every length 0..1600 at every
 * alignment 0..7, with running sums carried in, including all-ones data
 * (the most carries); net_fcs (the Ethernet CRC-32) against the CRC's
 * check value and zlib's crc32.
 */
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include "unit.h"
#include "core/net.h"

/* the definition, a 16-bit big-endian word at a time */
static uint16_t plain_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)s;
}

static void test_csum(void)
{
	/* RFC 1071, section 3: 0001 f203 f4f5 f6f7 sums to 0xddf2 */
	static const uint8_t rfc[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	CHECK_EQ(net_csum(0, rfc, 8), 0xddf2, "RFC 1071's example");
	CHECK_EQ(net_csum(0, rfc, 7), plain_sum(0, rfc, 7), "an odd length: the last byte padded with zero");
	CHECK_EQ(net_csum(0, rfc, 0), 0, "no bytes, no sum");

	static uint8_t buf[1600 + 8], ones[1600 + 8];
	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	memset(ones, 0xFF, sizeof(ones));
	static const uint32_t seeds[] = { 0, 1, 0xFFFF, 0x1FFFE, 0x3FFFF, 0xFFFFFFFFu };
	unsigned bad = 0, bad_ones = 0, tried = 0;
	for (size_t len = 0; len <= 1600; len++)
		for (size_t off = 0; off < 8; off++)
			for (unsigned k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
				tried++;
				bad += net_csum(seeds[k], buf + off, len) != plain_sum(seeds[k], buf + off, len);
				bad_ones += net_csum(seeds[k], ones + off, len) != plain_sum(seeds[k], ones + off, len);
			}
	CHECK(bad == 0, "random data: every length 0..1600 at every alignment with 6 running sums "
	      "agrees with the word-at-a-time sum (%u of %u differ)", bad, tried);
	CHECK(bad_ones == 0, "all-ones data, every carry: agrees (%u of %u differ)", bad_ones, tried);
	/* chained: a header, then the rest, as the cards sum a pseudo-header first */
	uint16_t chained = net_csum(net_csum(0, buf, 12), buf + 12, 1488);
	CHECK_EQ(chained, plain_sum(0, buf, 1500), "chained over an even split: the whole sum");
}

static void test_fcs(void)
{
	CHECK_EQ(net_fcs((const uint8_t *)"123456789", 9), 0xCBF43926u, "CRC-32 check value of \"123456789\"");
	static uint8_t f[1518];
	for (size_t i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)(i * 31 + 7);
	unsigned bad = 0;
	for (size_t len = 0; len <= sizeof(f); len++)
		bad += net_fcs(f, len) != (uint32_t)crc32(0L, f, (uInt)len);
	CHECK(bad == 0, "every frame length 0..1518: zlib's crc32 agrees (%u differ)", bad);
}

int main(void)
{
	test_csum();
	test_fcs();
	return UNIT_DONE();
}
