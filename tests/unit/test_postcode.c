/*
 * The POST code port (devices/postcode.c) through port 0x80, as firmware
 * and drivers use it: SeaBIOS and Linux's outb_p() write progress codes or
 * delay bytes there, and a debugging guest reads the last one back (on the
 * PIIX3, 0x80 is the spare register of the 74LS612-style DMA page register
 * file, so it holds what was written). Every value round-trips, the ports
 * beside it are not taken (0x81-0x8F are the DMA controller's page
 * registers, which must coexist), wide accesses and a storm of writes do not
 * disturb it, and a VM reset leaves it alone.
 */
#include <pthread.h>
#include <stdlib.h>

#include "unit.h"
#include "unit_vm.h"
#include "core/evloop.h"

#define POST 0x80

static struct vm *vm;

static void noop(void *opaque)
{
	(void)opaque;
}

static void test_power_on(void)
{
	CHECK(vm_lookup(vm, "postcode") != NULL, "the port is published as \"postcode\"");
	CHECK_EQ(unit_inb(vm, POST), 0x00, "power-on: port 0x80 reads 0");
}

static void test_round_trip(void)
{
	unsigned bad = 0;
	for (unsigned v = 0; v < 256; v++) {
		unit_outb(vm, POST, (uint8_t)v);
		bad += unit_inb(vm, POST) != v;
	}
	CHECK_EQ(bad, 0, "each of the 256 byte values written to 0x80 reads back (mismatches)");
	unit_outb(vm, POST, 0x5A);
	CHECK_EQ(unit_inb(vm, POST), 0x5A, "the last code written is the one read");
	CHECK_EQ(unit_inb(vm, POST), 0x5A, "reading does not consume it");
}

/* Only 0x80 is this chip's: its neighbours answer nothing in a VM without
 * the DMA controller, and writing them leaves the POST code alone. */
static void test_neighbours(void)
{
	unit_outb(vm, POST, 0x3C);
	CHECK_EQ(unit_inb(vm, 0x7F), 0xFF, "0x7F is not taken (reads all ones)");
	CHECK_EQ(unit_inb(vm, 0x81), 0xFF, "0x81 is not taken (reads all ones)");
	unit_outb(vm, 0x81, 0x11);
	unit_outb(vm, 0x7F, 0x22);
	CHECK_EQ(unit_inb(vm, POST), 0x3C, "writes to 0x7F and 0x81 do not change the POST code");
}

/* A word or dword access that starts at 0x80 reaches the chip as one
 * access: the POST code is its low byte, and nothing breaks. */
static void test_wide_access(void)
{
	unit_outw(vm, POST, 0xBEEF);
	CHECK_EQ(unit_inb(vm, POST), 0xEF, "a word write at 0x80 leaves its low byte");
	unit_outl(vm, POST, 0x12345678);
	CHECK_EQ(unit_inb(vm, POST), 0x78, "a dword write at 0x80 leaves its low byte");
	CHECK_EQ(unit_inw(vm, POST) & 0xFF, 0x78, "a word read at 0x80 has the code in its low byte");
	CHECK_EQ(unit_inl(vm, POST) & 0xFF, 0x78, "a dword read at 0x80 has the code in its low byte");
}

static void *writer(void *arg)
{
	uint8_t v = (uint8_t)(uintptr_t)arg;
	for (int i = 0; i < 20000; i++)
		unit_outb(vm, POST, v);
	return NULL;
}

/* Two vCPUs writing at once (Linux's outb_p from every CPU): the port ends
 * with one of the two values, never a mix or garbage. */
static void test_two_writers(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, writer, (void *)(uintptr_t)0xA5);
	pthread_create(&b, NULL, writer, (void *)(uintptr_t)0x5A);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	uint8_t v = unit_inb(vm, POST);
	CHECK(v == 0xA5 || v == 0x5A, "two threads writing: the port holds one of their values (0x%02x)", v);
}

/* The page register file is not reset by a system reset; nor is the code. */
static void test_reset(void)
{
	unit_outb(vm, POST, 0xD0);
	unsigned resets = vm->resets;
	vm_request_reset(vm);
	evloop_call_sync(vm->loop, noop, NULL);
	CHECK_EQ(vm->resets, resets + 1, "the VM was reset");
	CHECK_EQ(unit_inb(vm, POST), 0xD0, "the POST code survives a reset");
}

/* Beside the DMA controller, as in the PC: 0x80 stays the POST code and
 * 0x81 (channel 2's page register) is the DMA controller's own. */
static void test_with_dma(void)
{
	struct vm_config cfg = { 0 };
	const char *parts[] = { "postcode", "isadma", NULL };
	struct vm *v = unit_vm_new(4, &cfg, parts);
	unit_outb(v, POST, 0x42);
	unit_outb(v, 0x81, 0x0C);
	unit_outb(v, 0x8F, 0x77);
	CHECK_EQ(unit_inb(v, POST), 0x42, "with the DMA controller: 0x80 is still the POST code");
	CHECK_EQ(unit_inb(v, 0x81), 0x0C, "0x81 is the DMA controller's page register");
	unit_outb(v, POST, 0x99);
	CHECK_EQ(unit_inb(v, 0x81), 0x0C, "a POST code does not reach the page registers");
	vm_destroy(v);
}

int main(void)
{
	struct vm_config cfg = { 0 };
	const char *parts[] = { "postcode", NULL };
	vm = unit_vm_new(4, &cfg, parts);
	evloop_start_thread(vm->loop);
	test_power_on();
	test_round_trip();
	test_neighbours();
	test_wide_access();
	test_two_writers();
	test_reset();
	vm_destroy(vm);
	test_with_dma();
	return UNIT_DONE();
}
