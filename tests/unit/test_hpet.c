/*
 * The HPET (devices/hpet.c) through its MMIO registers, on a VM without
 * KVM whose guest clock the test moves: capabilities, the main counter,
 * one-shot and periodic comparators in 32- and 64-bit mode, edge and
 * level interrupts, legacy replacement routing, odd accesses.
 */
#include <stdlib.h>

#include "devices/hpet.h"
#include "unit.h"
#include "unit_vm.h"

#define CAP 0x000
#define CFG 0x010
#define ISR 0x020
#define CNT 0x0F0
#define TCFG(n) (0x100 + 0x20 * (n))
#define TCMP(n) (0x108 + 0x20 * (n))
#define ENABLE 1u
#define LEGACY 2u
#define T_LEVEL (1u << 1)
#define T_ENB (1u << 2)
#define T_PERIODIC (1u << 3)
#define T_SETVAL (1u << 6)
#define T_32 (1u << 8)
#define T_ROUTE(r) ((unsigned)(r) << 9)

static struct vm *vm;
static uint64_t now_ns;

static uint64_t test_clock(struct vm *v)
{
	(void)v;
	return now_ns;
}

/* unit_irqs, and a FAIL for a line past the I/O APIC's 24 inputs */
static void irq_hook(struct vm *v, unsigned gsi, int lvl)
{
	if (gsi >= 24) {
		printf("FAIL: test_hpet: interrupt on GSI %u\n", gsi);
		unit_failures++;
		return;
	}
	unit_irq_record(v, gsi, lvl);
}

static uint64_t rd(unsigned off, unsigned size) { return unit_mmio_read(vm, HPET_BASE + off, size); }
static void wr(unsigned off, uint64_t v, unsigned size) { unit_mmio_write(vm, HPET_BASE + off, v, size); }

static uint64_t rd32(unsigned off) { return rd(off, 4); }
static void wr32(unsigned off, uint32_t v) { wr(off, v, 4); }

/* move the guest clock in steps of step_ns, looking at the HPET each time */
static void run(uint64_t ns, uint64_t step_ns)
{
	for (uint64_t t = 0; t < ns; t += step_ns) {
		now_ns += step_ns;
		hpet_poll(vm);
	}
}

static void clear_counts(void)
{
	memset(unit_irqs.rises, 0, sizeof(unit_irqs.rises));
}

static void halt_and_reset(void)
{
	wr32(CFG, 0);
	for (unsigned i = 0; i < 3; i++)
		wr32(TCFG(i), 0);
	wr32(ISR, 7);
	wr(CNT, 0, 8);
	clear_counts();
}

static void test_caps(void)
{
	uint64_t cap = rd(CAP, 8);
	CHECK_EQ(cap & 0xFFFFFFFF, 0x8086A201, "capabilities: Intel, legacy capable, 64-bit, 3 timers, rev 1");
	CHECK_EQ(cap >> 32, 10000000, "counter period 10,000,000 fs (100 MHz)");
	CHECK_EQ(rd32(CAP + 4), 10000000, "the period read as the high dword");
	CHECK_EQ(rd(CAP + 2, 2), 0x8086, "vendor ID read as a word");
	wr(CAP, ~0ull, 8);
	CHECK_EQ(rd(CAP, 8), cap, "capabilities are read-only");
	uint64_t t0 = rd(TCFG(0), 8);
	CHECK(t0 & (1u << 4), "timer 0 can be periodic (Tn_PER_INT_CAP)");
	CHECK(t0 & (1u << 5), "timer 0 is 64 bits wide (Tn_SIZE_CAP)");
	CHECK_EQ(t0 >> 32, 0x00FF0000, "timers route to I/O APIC inputs 16-23");
	wr(TCFG(0), ~0ull, 8);
	t0 = rd(TCFG(0), 8);
	CHECK_EQ(t0 >> 32, 0x00FF0000, "route capability is read-only");
	CHECK(!(t0 & (1u << 14)) && !(t0 & (1u << 15)), "no FSB delivery");
	wr(TCFG(0), 0, 8);
	CHECK_EQ(rd32(0x3F8), 0, "a register past the timers reads 0");
	CHECK_EQ(rd(0x0F4, 8), 0, "an access across two registers reads 0");
}

static void test_counter(void)
{
	halt_and_reset();
	now_ns = 1000000000;
	CHECK_EQ(rd(CNT, 8), 0, "the counter is 0 and halted after reset");
	now_ns += 1000000;
	CHECK_EQ(rd(CNT, 8), 0, "halted: 1 ms later still 0");
	wr32(CFG, ENABLE);
	now_ns += 1000000;
	CHECK_EQ(rd(CNT, 8), 100000, "enabled: 1 ms of guest time is 100000 ticks");
	wr32(CFG, 0);
	now_ns += 5000000;
	CHECK_EQ(rd(CNT, 8), 100000, "halted again: frozen at 100000");
	wr32(CNT, 0xFFFFFFF0);
	wr32(CNT + 4, 0);
	wr32(CFG, ENABLE);
	now_ns += 1000;
	CHECK_EQ(rd(CNT, 8), 0x100000054ull, "the low half carries into the high half");
	CHECK_EQ(rd32(CNT), 0x54, "low dword");
	CHECK_EQ(rd32(CNT + 4), 1, "high dword");
}

static void test_oneshot(void)
{
	halt_and_reset();
	wr32(CFG, ENABLE | LEGACY);
	uint32_t c = rd32(CNT);
	wr32(TCFG(0), T_ENB | T_32);
	wr32(TCMP(0), c + 1000);          /* 10 us ahead */
	uint64_t due = hpet_poll(vm);
	CHECK(due >= 9000 && due <= 10000, "one-shot: the host timer is armed 10 us ahead (%llu ns)",
	      (unsigned long long)due);
	run(5000, 1000);
	CHECK_EQ(unit_irqs.rises[0], 0, "one-shot: nothing before the comparator");
	run(6000, 1000);
	CHECK_EQ(unit_irqs.rises[0], 1, "one-shot: legacy timer 0 pulses GSI 0 (IRQ 0, I/O APIC input 2)");
	CHECK_EQ(unit_irqs.level[0], 0, "edge: the line is low again");
	CHECK_EQ(rd32(ISR), 0, "edge: no status bit (2.3.6)");
	run(100000000, 1000000);
	CHECK_EQ(unit_irqs.rises[0], 1, "one-shot: once only in the next 100 ms");
	/* a 32-bit comparator matches again when the low half comes round */
	now_ns += 0x100000000ull * 10 - 100000000 - 11000 - 1000;
	hpet_poll(vm);
	CHECK_EQ(unit_irqs.rises[0], 1, "32-bit one-shot: not yet, just before the wrap");
	run(12000, 1000);
	CHECK_EQ(unit_irqs.rises[0], 2, "32-bit one-shot: again 2^32 ticks (42.9 s) later");

	/* 64-bit mode: the whole counter is compared, across the 2^32 boundary */
	halt_and_reset();
	wr(CNT, 0xFFFFFF00ull, 8);
	wr32(CFG, ENABLE | LEGACY);
	wr32(TCFG(1), T_ENB);
	wr(TCMP(1), 0x100000010ull, 8);
	CHECK_EQ(rd(TCMP(1), 8), 0x100000010ull, "64-bit comparator reads back");
	run(2500, 100);
	CHECK_EQ(unit_irqs.rises[8], 0, "64-bit one-shot: not when the low half passes 0x10 early");
	run(1000, 100);
	CHECK_EQ(unit_irqs.rises[8], 1, "64-bit one-shot: legacy timer 1 pulses GSI 8");
	wr32(TCFG(1), T_ENB | T_32);
	CHECK_EQ(rd(TCMP(1), 8), 0x10, "32-bit mode keeps the comparator's low half");
	run(100000000, 10000000);
	CHECK_EQ(unit_irqs.rises[8], 1,
		 "then 32-bit: no match in the next 100 ms (the low half passed 0x10)");
}

static void test_periodic(void)
{
	halt_and_reset();
	wr32(CFG, ENABLE | LEGACY);
	uint32_t c = rd32(CNT);
	/* what Linux does: SETVAL, comparator = now + delta, then delta alone */
	wr32(TCFG(0), T_ENB | T_PERIODIC | T_SETVAL | T_32);
	wr32(TCMP(0), c + 100000);
	CHECK_EQ(rd32(TCFG(0)) & T_SETVAL, 0, "Tn_VAL_SET_CNF clears itself after the write");
	wr32(TCMP(0), 100000);
	CHECK_EQ(rd32(TCMP(0)), c + 100000, "periodic: a write without VAL_SET sets the period only");
	run(10000000, 50000);
	CHECK_EQ(unit_irqs.rises[0], 10, "periodic 1 ms: 10 interrupts in 10 ms");
	CHECK_EQ(rd32(TCMP(0)), c + 1100000, "the comparator moved on by whole periods");
	now_ns += 50000000 + 500000;       /* the host timer came 50 ms late */
	hpet_poll(vm);
	CHECK_EQ(unit_irqs.rises[0], 11, "50 ms late: one interrupt, not a burst");
	CHECK_EQ(rd32(TCMP(0)), c + 6100000, "late: the comparator is back on the 1 ms grid");
	uint64_t due = hpet_poll(vm);
	CHECK(due > 400000 && due <= 500000, "next interrupt half a period on (%llu ns)",
	      (unsigned long long)due);
	wr32(TCMP(0), 0);                  /* period 0: a one-shot at the comparator */
	run(20000000, 100000);
	CHECK_EQ(unit_irqs.rises[0], 12, "period 0: one more interrupt, then none");
	wr32(CFG, LEGACY);
	CHECK_EQ(hpet_poll(vm), 0, "halted: the host timer is not armed");
}

static void test_level(void)
{
	halt_and_reset();
	wr32(CFG, ENABLE);
	uint32_t c = rd32(CNT);
	wr32(TCFG(2), T_LEVEL | T_ENB | T_32 | T_ROUTE(20));
	CHECK_EQ((rd32(TCFG(2)) >> 9) & 31, 20, "timer 2 routed to input 20");
	wr32(TCMP(2), c + 100);
	run(2000, 100);
	CHECK_EQ(unit_irqs.level[20], 1, "level: GSI 20 held high after the match");
	CHECK_EQ(rd32(ISR), 4, "level: status bit 2 set");
	run(10000, 1000);
	CHECK_EQ(unit_irqs.level[20], 1, "level: still high until acknowledged");
	wr32(ISR, 3);
	CHECK_EQ(unit_irqs.level[20], 1, "writing 1s to other status bits leaves it");
	wr32(ISR, 4);
	CHECK_EQ(unit_irqs.level[20], 0, "write 1 to clear: the line drops");
	CHECK_EQ(rd32(ISR), 0, "status clear");
	/* a route outside Tn_INT_ROUTE_CAP goes nowhere; the status still shows it */
	unit_irq_clear();
	wr32(TCFG(2), T_LEVEL | T_ENB | T_32 | T_ROUTE(3));
	wr32(TCMP(2), rd32(CNT) + 100);
	run(2000, 100);
	unsigned any = 0;
	for (unsigned g = 0; g < 24; g++)
		any += unit_irqs.rises[g];
	CHECK_EQ(any, 0, "route 3 (not offered): no interrupt");
	CHECK_EQ(rd32(ISR), 4, "route 3: the status bit is set");
	/* halting the block drops a level line (2.3.5) */
	wr32(ISR, 4);
	wr32(TCFG(2), T_LEVEL | T_ENB | T_32 | T_ROUTE(17));
	wr32(TCMP(2), rd32(CNT) + 100);
	run(2000, 100);
	CHECK_EQ(unit_irqs.level[17], 1, "level on input 17");
	wr32(CFG, 0);
	CHECK_EQ(unit_irqs.level[17], 0, "halted: the line drops");
	wr32(CFG, ENABLE);
	CHECK_EQ(unit_irqs.level[17], 1, "enabled again with the status set: high again");
	wr32(TCFG(2), T_ENB | T_32 | T_ROUTE(17));
	CHECK_EQ(unit_irqs.level[17], 0, "switched to edge: the line drops, the status clears");
	CHECK_EQ(rd32(ISR), 0, "edge mode has no status");
}

static void test_disabled_and_reset(void)
{
	halt_and_reset();
	wr32(CFG, ENABLE | LEGACY);
	wr32(TCFG(0), T_32);               /* interrupt not enabled */
	wr32(TCMP(0), rd32(CNT) + 100);
	CHECK_EQ(hpet_poll(vm), 0, "no interrupt enabled: the host timer is not armed");
	run(5000, 500);
	CHECK_EQ(unit_irqs.rises[0], 0, "Tn_INT_ENB_CNF clear: no interrupt");
	wr(TCFG(0), T_ENB | T_32, 8);
	wr32(CFG, 0);
	wr32(TCMP(0), rd32(CNT) + 100);
	run(5000, 500);
	CHECK_EQ(unit_irqs.rises[0], 0, "ENABLE_CNF clear: the counter halts, no interrupt");
	wr32(CFG, ENABLE | LEGACY);
	for (unsigned i = 0; i < vm->n_reset_hooks; i++)
		vm->reset_hooks[i].fn(vm->reset_hooks[i].opaque);
	CHECK_EQ(rd32(CFG), 0, "reset: configuration 0");
	CHECK_EQ(rd(CNT, 8), 0, "reset: counter 0");
	CHECK_EQ(rd(TCMP(0), 8), ~0ull, "reset: comparators all ones");
	CHECK_EQ(rd32(TCFG(0)) & 0xFFFF, 0x30, "reset: timer 0 off, capabilities kept");
}

/* a guest writing anything anywhere: no crash, no interrupt on a GSI past 23 */
static void test_garbage(void)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (unsigned i = 0; i < 200000; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		unsigned off = (unsigned)(x >> 8) & 0x3FF, size = 1u << ((x >> 20) & 3);
		if ((x >> 30) & 1)
			wr(off, x * 0x2545F4914F6CDD1Dull, size);
		else
			rd(off, size);
		now_ns += (x >> 40) & 0xFFFF;
		if (!(i & 63))
			hpet_poll(vm);
	}
	CHECK(1, "200000 random accesses survived");
}

int main(void)
{
	struct vm_config cfg;
	vmconfig_defaults(&cfg);
	cfg.vnc = cfg.sdl = false;
	vm = unit_vm_new(16, &cfg, NULL);
	CHECK(vm != NULL, "test VM");
	vm->clock_hook = test_clock;
	vm->irq_hook = irq_hook;
	now_ns = 1000000000;
	CHECK(pc_create_part(vm, "cmos") == 0, "cmos created");
	CHECK(pc_create_part(vm, "hpet") == 0, "hpet created");
	CHECK(vm_lookup(vm, "hpet") != NULL, "hpet published");
	test_caps();
	test_counter();
	test_oneshot();
	test_periodic();
	test_level();
	test_disabled_and_reset();
	test_garbage();
	vm_destroy(vm);

	/* hpet = 0: nothing at 0xFED00000 */
	cfg.hpet = false;
	vm = unit_vm_new(16, &cfg, (const char *const[]){ "hpet", NULL });
	uint64_t v = 0;
	CHECK(!iobus_access(&vm->mmio, HPET_BASE, &v, 4, false), "hpet = 0: no device at 0xFED00000");
	vm_destroy(vm);
	vmconfig_free(&cfg);
	return UNIT_DONE();
}
