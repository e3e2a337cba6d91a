/*
 * The 8237 pair through their ports: address/count programming with the
 * flip-flop, page registers, transfers in both directions, terminal count,
 * auto-init, 16-bit channels, wrap inside the 64 KiB page, masking, and
 * addresses outside guest RAM.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/isadma.h"
#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"

static struct vm *vm;
static int kicks;

/* Program an 8-bit channel (0-3) like a BIOS does. */
static void program8(int ch, uint32_t addr, uint16_t count_minus_1, uint8_t mode)
{
	static const uint16_t page[4] = { 0x87, 0x83, 0x81, 0x82 };
	unit_outb(vm, 0x0A, (uint8_t)(4 | ch));
	unit_outb(vm, 0x0C, 0);
	unit_outb(vm, 0x0B, (uint8_t)(mode | ch));
	unit_outb(vm, (uint16_t)(ch * 2), (uint8_t)addr);
	unit_outb(vm, (uint16_t)(ch * 2), (uint8_t)(addr >> 8));
	unit_outb(vm, page[ch], (uint8_t)(addr >> 16));
	unit_outb(vm, 0x0C, 0);
	unit_outb(vm, (uint16_t)(ch * 2 + 1), (uint8_t)count_minus_1);
	unit_outb(vm, (uint16_t)(ch * 2 + 1), (uint8_t)(count_minus_1 >> 8));
	unit_outb(vm, 0x0A, (uint8_t)ch);
}

static void kick(void *opaque)
{
	(void)opaque;
	kicks++;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct vm_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	vm = unit_vm_new(32, &cfg, NULL);
	CHECK(pc_create_part(vm, "isadma") == 0, "isadma created");
	struct isadma *d = isadma_of(vm);
	CHECK(d != NULL, "published as \"isadma\"");

	uint8_t src[4096], dst[4096];
	for (int i = 0; i < 4096; i++)
		src[i] = (uint8_t)(i * 3 + 1);

	CHECK(!isadma_channel_enabled(d, 2), "channels start masked");
	CHECK_EQ(isadma_transfer(d, 2, src, 16, true, NULL), 0, "a masked channel moves nothing");

	/* device -> memory, single mode, 1000 bytes at 0x23456 */
	program8(2, 0x23456, 999, 0x44);
	CHECK(isadma_channel_enabled(d, 2), "unmasked after programming");
	CHECK_EQ(isadma_remaining(d, 2), 1000, "remaining = count + 1");
	bool tc = false;
	CHECK_EQ(isadma_transfer(d, 2, src, 600, true, &tc), 600, "600 bytes moved");
	CHECK(!tc, "no terminal count yet");
	CHECK_EQ(isadma_remaining(d, 2), 400, "400 left");
	unit_outb(vm, 0x0C, 0);
	uint16_t cur = unit_inb(vm, 0x05);
	cur |= (uint16_t)(unit_inb(vm, 0x05) << 8);
	CHECK_EQ(cur, 399, "current count register reads 399");
	unit_outb(vm, 0x0C, 0);
	uint16_t ca = unit_inb(vm, 0x04);
	ca |= (uint16_t)(unit_inb(vm, 0x04) << 8);
	CHECK_EQ(ca, (0x3456 + 600) & 0xFFFF, "current address advanced");
	CHECK_EQ(isadma_transfer(d, 2, src + 600, 1000, true, &tc), 400, "stops at terminal count");
	CHECK(tc, "terminal count reported");
	CHECK(!memcmp(vm->ram + 0x23456, src, 1000), "data landed at the programmed address");
	CHECK(!isadma_channel_enabled(d, 2), "channel masks itself at TC without auto-init");
	CHECK((unit_inb(vm, 0x08) & 0x04), "status shows TC on channel 2");
	CHECK(!(unit_inb(vm, 0x08) & 0x04), "status read clears TC");

	/* wrong direction */
	program8(1, 0x30000, 99, 0x48);   /* read: memory -> device */
	CHECK_EQ(isadma_transfer(d, 1, dst, 50, true, NULL), 0, "a read-mode channel refuses device->memory");
	memcpy(vm->ram + 0x30000, src, 100);
	CHECK_EQ(isadma_transfer(d, 1, dst, 100, false, &tc), 100, "memory -> device");
	CHECK(!memcmp(dst, src, 100), "device got the memory contents");

	/* auto-init: wraps and reloads */
	program8(1, 0x40000, 99, 0x58);
	size_t moved = isadma_transfer(d, 1, dst, 250, false, &tc);
	CHECK_EQ(moved, 250, "auto-init keeps going past terminal count");
	CHECK(tc, "terminal count reported on reload");
	CHECK_EQ(isadma_remaining(d, 1), 50, "250 mod 100 consumed after reload");
	CHECK(isadma_channel_enabled(d, 1), "auto-init channel stays unmasked");

	/* wrap inside the 64 KiB page: 0x5FFF0 + 32 continues at 0x50000 */
	program8(3, 0x5FFF0, 31, 0x44);
	isadma_transfer(d, 3, src, 32, true, &tc);
	CHECK(!memcmp(vm->ram + 0x5FFF0, src, 16) && !memcmp(vm->ram + 0x50000, src + 16, 16),
	      "address wraps within the page");

	/* 16-bit channel 5: word address and count, page bits 7:1 */
	unit_outb(vm, 0xD4, 4 | 1);
	unit_outb(vm, 0xD8, 0);
	unit_outb(vm, 0xD6, 0x44 | 1);
	unit_outb(vm, 0xC4, (uint8_t)(0x3000 >> 1));
	unit_outb(vm, 0xC4, (uint8_t)(0x3000 >> 9));
	unit_outb(vm, 0x8B, 0x06);        /* 0x60000 */
	unit_outb(vm, 0xD8, 0);
	unit_outb(vm, 0xC6, 63);          /* 64 words */
	unit_outb(vm, 0xC6, 0);
	unit_outb(vm, 0xD4, 1);
	CHECK_EQ(isadma_remaining(d, 5), 128, "16-bit channel counts words");
	CHECK_EQ(isadma_transfer(d, 5, src, 200, true, &tc), 128, "128 bytes moved on channel 5");
	CHECK(tc && !memcmp(vm->ram + 0x63000, src, 128), "16-bit transfer landed at page 6, word 0x1800");

	/* outside RAM: nothing written, no crash */
	program8(0, 0xFF0000, 15, 0x44);
	CHECK_EQ(isadma_transfer(d, 0, src, 16, true, &tc), 16, "a transfer to a missing page still counts");
	CHECK(tc, "and reaches terminal count");

	/* kick: DREQ held while masked, unmask calls back */
	isadma_set_kick(d, 2, kick, NULL);
	isadma_set_dreq(d, 2, true);
	unit_outb(vm, 0x0A, 4 | 2);
	unit_outb(vm, 0x0A, 2);
	CHECK_EQ(kicks, 1, "unmasking a channel with DREQ kicks its device");
	isadma_set_dreq(d, 2, false);
	unit_outb(vm, 0x0A, 4 | 2);
	unit_outb(vm, 0x0A, 2);
	CHECK_EQ(kicks, 1, "no kick without DREQ");

	/* master clear masks all */
	unit_outb(vm, 0x0D, 0);
	CHECK(!isadma_channel_enabled(d, 1), "master clear masks every channel");
	CHECK_EQ(isadma_transfer(d, 4, src, 4, true, NULL), 0, "channel 4 (cascade) moves nothing");
	CHECK_EQ(isadma_transfer(d, 9, src, 4, true, NULL), 0, "channel 9 does not exist");

	/* every port, every value */
	for (unsigned p = 0; p < 0x100; p++)
		for (unsigned v = 0; v < 256; v += 51)
			unit_outb(vm, (uint16_t)p, (uint8_t)v);
	for (int ch = 0; ch < 8; ch++)
		isadma_transfer(d, ch, dst, sizeof(dst), ch & 1, NULL);
	CHECK(1, "random programming survived");

	vm_destroy(vm);
	return UNIT_DONE();
}
