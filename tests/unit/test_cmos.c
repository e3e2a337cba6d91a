/*
 * The MC146818A RTC and CMOS RAM (devices/cmos.c) through ports 0x70/0x71,
 * as SeaBIOS and Linux's rtc-cmos driver use them: the configuration bytes
 * SeaBIOS reads, the index port (bit 7 is the NMI mask, not part of the
 * index), RAM bytes 0x0E-0x7F, the clock against the host's (BCD and binary,
 * 24 and 12 hours per register B, rtc_timeoffset and localtime as xl has
 * them), setting the time under SET, the update cycle (UIP, update-ended
 * and alarm interrupts, a century rollover), the periodic interrupt's rates
 * and gating, register C's clear-on-read with IRQ 8, reset, and every
 * index written with every value.
 *
 * Datasheet references are to the Motorola MC146818A data sheet (register
 * A-D descriptions, table 3 "periodic interrupt rate", "update cycle").
 * The test waits once for a second to end (at most about 1.2 s) to see an
 * update cycle (on a busy host up to five more, to catch UIP's 244 us);
 * everything else sleeps about 100 ms in all.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "unit_vm.h"
#include "core/evloop.h"
#include "core/util.h"
#include "devices/cmos.h"

#define REG_A 0x0A
#define REG_B 0x0B
#define REG_C 0x0C
#define REG_D 0x0D
#define A_UIP 0x80
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define CENTURY 0x32

static struct vm *vm;
static struct timespec irq8_at; /* CLOCK_REALTIME of IRQ 8's last rise */

static void irq_hook(struct vm *v, unsigned gsi, int level)
{
	if (gsi == 8 && level && !unit_irqs.level[8])
		clock_gettime(CLOCK_REALTIME, &irq8_at);
	unit_irq_record(v, gsi, level);
}

static void noop(void *opaque)
{
	(void)opaque;
}

static void vwr(struct vm *v, unsigned reg, uint8_t val)
{
	unit_outb(v, 0x70, (uint8_t)reg);
	unit_outb(v, 0x71, val);
}

static uint8_t vrd(struct vm *v, unsigned reg)
{
	unit_outb(v, 0x70, (uint8_t)reg);
	return unit_inb(v, 0x71);
}

static void wr(unsigned reg, uint8_t val) { vwr(vm, reg, val); }
static uint8_t rd(unsigned reg) { return vrd(vm, reg); }

static uint8_t bcd(unsigned v) { return (uint8_t)((v / 10) << 4 | v % 10); }
static bool is_bcd(uint8_t v) { return (v & 0xF) <= 9 && (v >> 4) <= 9; }

static struct timespec now_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

static void sleep_until(time_t sec, long nsec)
{
	struct timespec ts = { sec, nsec };
	while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void sleep_ms(unsigned ms)
{
	usleep(ms * 1000);
}

/* Wait up to 200 ms (the io thread may be slow to run on a busy host) until
 * cond holds; whether it did. */
#define WAIT_FOR(cond)                                                       \
	({                                                                   \
		for (int _i = 0; _i < 2000 && !(cond); _i++)                 \
			usleep(100);                                         \
		(cond);                                                      \
	})

/* The time registers in the order seconds, minutes, hours, day of week,
 * day of month, month, year, century. */
static const uint8_t time_regs[8] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, CENTURY };

/*
 * v's clock against the host's UTC plus off seconds, in the format register
 * B selects (the caller set it): taken again if the host's second changed
 * while the registers were read.
 */
static void check_clock(struct vm *v, long long off, const char *what)
{
	uint8_t b = vrd(v, REG_B);
	bool binary = b & B_DM, h24 = b & B_24H;
	for (int tries = 0; tries < 3; tries++) {
		time_t t0 = now_real().tv_sec;
		uint8_t r[8];
		for (int i = 0; i < 8; i++)
			r[i] = vrd(v, time_regs[i]);
		if (now_real().tv_sec != t0)
			continue;
		time_t t = t0 + off;
		struct tm tm;
		gmtime_r(&t, &tm);
		unsigned h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
		unsigned want[8] = { tm.tm_sec, tm.tm_min, tm.tm_hour, tm.tm_wday + 1, tm.tm_mday,
				     tm.tm_mon + 1, tm.tm_year % 100, 19 + tm.tm_year / 100 };
		uint8_t w[8];
		for (int i = 0; i < 8; i++)
			w[i] = binary ? (uint8_t)want[i] : bcd(want[i]);
		if (!h24)
			w[2] = (binary ? (uint8_t)h12 : bcd(h12)) | (tm.tm_hour >= 12 ? 0x80 : 0);
		CHECK(!memcmp(r, w, 8),
		      "%s: %02x%02x-%02x-%02x %02x:%02x:%02x day %x (want %02x%02x-%02x-%02x %02x:%02x:%02x day %x)",
		      what, r[7], r[6], r[5], r[4], r[2], r[1], r[0], r[3], w[7], w[6], w[5], w[4],
		      w[2], w[1], w[0], w[3]);
		return;
	}
	CHECK(false, "%s: the host's second kept changing while reading", what);
}

/* What SeaBIOS reads at POST (its rtc_setup writes A = 0x26, B = 0x02 and
 * expects them so; the memory and boot bytes are QEMU's layout). */
static void test_power_on(void)
{
	CHECK_EQ(rd(REG_A), 0x26, "register A: 32.768 kHz time base, 1024 Hz periodic rate");
	CHECK_EQ(rd(REG_B), B_24H, "register B: 24-hour BCD, no interrupts enabled");
	CHECK_EQ(rd(REG_D), 0x80, "register D: VRT (valid RAM and time), the rest 0");
	rd(REG_C);
	CHECK_EQ(rd(REG_C) & 0xEF, 0, "register C read twice: the second read has no PF, AF, IRQF (bits 3-0 are 0)");
	CHECK_EQ(rd(0x15) | rd(0x16) << 8, 640, "0x15/0x16: 640 KiB base memory");
	CHECK_EQ(rd(0x17) | rd(0x18) << 8, 31 * 1024, "0x17/0x18: KiB above 1 MiB (32 MiB VM)");
	CHECK_EQ(rd(0x30) | rd(0x31) << 8, 31 * 1024, "0x30/0x31: the same, as POST found it");
	CHECK_EQ(rd(0x34) | rd(0x35) << 8, (32 - 16) * 16, "0x34/0x35: 64 KiB blocks above 16 MiB");
	CHECK_EQ(rd(0x5B) | rd(0x5C) << 8 | rd(0x5D) << 16, 0, "0x5B-0x5D: no RAM above 4 GiB");
	CHECK_EQ(rd(0x5F), 3, "0x5F: CPUs - 1 (4 vCPUs)");
	CHECK_EQ(rd(0x3D), 0x23, "boot = \"dca\": 0x3D has CD-ROM first (3), hard disk second (2)");
	CHECK_EQ(rd(0x38) >> 4, 1, "... and 0x38's high nibble the floppy third (1)");
	CHECK_EQ(cmos_get(vm, 0x3D), 0x23, "cmos_get sees the same byte");
}

/* Port 0x70: bits 6-0 select one of 128 bytes, bit 7 masks NMI (it is not
 * part of the index, so a guest's index never reaches past the RAM). */
static void test_index(void)
{
	unit_outb(vm, 0x70, 0x80 | 0x40);
	unit_outb(vm, 0x71, 0x5A);
	CHECK_EQ(rd(0x40), 0x5A, "index 0xC0 (NMI masked) addresses byte 0x40");
	unit_outb(vm, 0x70, 0xFF);
	unit_outb(vm, 0x71, 0x33);
	CHECK_EQ(rd(0x7F), 0x33, "index 0xFF addresses byte 0x7F");
	unit_outb(vm, 0x70, REG_D);
	unit_inb(vm, 0x70);
	CHECK_EQ(unit_inb(vm, 0x71), 0x80, "reading port 0x70 leaves the index alone");
	unit_outb(vm, 0x70, 0x41);
	unit_outb(vm, 0x71, 0x17);
	uint8_t a = unit_inb(vm, 0x71), b = unit_inb(vm, 0x71);
	CHECK(a == 0x17 && b == 0x17, "the index stays selected across data accesses");

	/* every byte from 0x0E on is RAM (0x32 is the century, a clock register) */
	unsigned bad = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned r = 0x0E; r < 0x80; r++)
			if (r != CENTURY)
				wr(r, (uint8_t)(pass ? ~(r * 37 + 11) : r * 37 + 11));
		for (unsigned r = 0x0E; r < 0x80; r++)
			if (r != CENTURY)
				bad += rd(r) != (uint8_t)(pass ? ~(r * 37 + 11) : r * 37 + 11);
	}
	CHECK_EQ(bad, 0, "RAM bytes 0x0E-0x7F read back what was written, two patterns (mismatches)");
	CHECK_EQ(rd(REG_D), 0x80, "... and the registers are untouched");
	cmos_set(vm, 0x50, 0xC3);
	CHECK_EQ(rd(0x50), 0xC3, "cmos_set (how chips fill their bytes) is what the guest reads");
	cmos_set(vm, 0x80, 0x11);
	CHECK_EQ(cmos_get(vm, 0x80), 0xFF, "cmos_get/cmos_set past 0x7F do nothing");
}

/* Register D: read-only, VRT always 1. Register C: read-only. */
static void test_read_only(void)
{
	wr(REG_D, 0x00);
	CHECK_EQ(rd(REG_D), 0x80, "writing register D changes nothing");
	rd(REG_C);
	unsigned calls = unit_irqs.calls[8];
	wr(REG_C, 0xFF);
	CHECK_EQ(rd(REG_C) & 0xE0, 0, "writing register C sets no flag");
	CHECK_EQ(unit_irqs.calls[8], calls, "... and does not touch IRQ 8");
	wr(REG_A, 0xA6);
	CHECK_EQ(rd(REG_A) & 0x7F, 0x26, "UIP (register A bit 7) is read-only");
}

/* The clock against the host's, in the four formats of register B. */
static void test_clock(void)
{
	wr(REG_B, B_24H);
	check_clock(vm, 0, "BCD, 24 hours");
	uint8_t r[8];
	for (int i = 0; i < 8; i++)
		r[i] = rd(time_regs[i]);
	CHECK(is_bcd(r[0]) && is_bcd(r[1]) && is_bcd(r[2]) && is_bcd(r[4]) && is_bcd(r[5]) &&
	      is_bcd(r[6]) && r[3] >= 1 && r[3] <= 7, "every time register is valid BCD, day of week 1-7");
	CHECK_EQ(r[7], 0x20, "century byte 0x32 (the FADT's CENTURY): 20, BCD");
	wr(REG_B, B_DM | B_24H);
	check_clock(vm, 0, "binary, 24 hours");
	wr(REG_B, 0);
	check_clock(vm, 0, "BCD, 12 hours (bit 7 of the hour = PM)");
	wr(REG_B, B_DM);
	check_clock(vm, 0, "binary, 12 hours");
	wr(REG_B, B_24H);
}

/* xl's rtc_timeoffset and localtime: the offsets are fixed when the VM is built. */
static void test_offsets(void)
{
	struct vm_config cfg = { .rtc_timeoffset = 86400 + 5 * 3600 + 7 * 60 };
	const char *parts[] = { "cmos", NULL };
	struct vm *v = unit_vm_new(4, &cfg, parts);
	check_clock(v, 86400 + 5 * 3600 + 7 * 60, "rtc_timeoffset = 1 day 5 h 7 min ahead");
	vm_destroy(v);

	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	setenv("TZ", "XST+5", 1); /* POSIX: five hours behind UTC */
	tzset();
	struct vm_config lcfg = { .localtime = true };
	v = unit_vm_new(4, &lcfg, parts);
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
	check_clock(v, -5 * 3600, "localtime = 1 in UTC-5: the host's local time");
	vm_destroy(v);
}

static void set_clock(const uint8_t val[8])
{
	for (int i = 0; i < 8; i++)
		wr(time_regs[i], val[i]);
}

/* Register B's SET: the registers hold what the guest writes, the clock
 * takes it when SET goes back to 0; in any format. */
static void test_set_time(void)
{
	wr(REG_B, B_SET | B_UIE | B_24H);
	CHECK_EQ(rd(REG_B), B_SET | B_24H, "SET clears UIE (register B, bit 4)");
	CHECK_EQ(rd(REG_A) & A_UIP, 0, "UIP reads 0 while SET holds the updates");
	static const uint8_t t1[8] = { 0x30, 0x59, 0x23, 0x04, 0x31, 0x12, 0x31, 0x20 };
	set_clock(t1);
	uint8_t r[8];
	for (int i = 0; i < 8; i++)
		r[i] = rd(time_regs[i]);
	CHECK(!memcmp(r, t1, 8), "under SET the registers hold what was written");
	sleep_ms(2);
	CHECK_EQ(rd(0x00), 0x30, "... and do not move");
	wr(REG_B, B_24H);
	for (int i = 0; i < 8; i++)
		r[i] = rd(time_regs[i]);
	CHECK((r[0] == 0x30 || r[0] == 0x31) && !memcmp(r + 1, t1 + 1, 2) && !memcmp(r + 4, t1 + 4, 4),
	      "SET released: 2031-12-31 23:59:%02x runs from what was set", r[0]);

	wr(REG_B, B_SET | B_DM | B_24H);
	static const uint8_t t2[8] = { 5, 4, 3, 6, 2, 1, 99, 19 };
	set_clock(t2);
	wr(REG_B, B_DM | B_24H);
	for (int i = 0; i < 8; i++)
		r[i] = rd(time_regs[i]);
	CHECK((r[0] == 5 || r[0] == 6) && r[1] == 4 && r[2] == 3 && r[4] == 2 && r[5] == 1 &&
	      r[6] == 99 && r[7] == 19, "binary: 1999-01-02 03:04:05 set and read back");
	/* The chip leaves its registers as they are when DM or 24/12 changes
	 * (the time must be set again); here they are derived from the clock,
	 * so the same instant shows in the new format. */
	wr(REG_B, B_24H);
	CHECK(rd(0x09) == 0x99 && rd(CENTURY) == 0x19 && rd(0x04) == 0x03,
	      "the same instant read in BCD after switching register B");

	/* 12-hour mode: bit 7 of the hour is PM; 12 AM is midnight (0x12).
	 * SET is released in the format the time was written in. */
	static const struct { uint8_t h12, h24; const char *what; } hours[] = {
		{ 0x91, 0x23, "12-hour 11 PM (0x91) is 23" }, { 0x12, 0x00, "12-hour 12 AM (0x12) is 0" },
		{ 0x92, 0x12, "12-hour 12 PM (0x92) is 12" }, { 0x01, 0x01, "12-hour 1 AM is 1" },
	};
	for (size_t i = 0; i < sizeof(hours) / sizeof(hours[0]); i++) {
		wr(REG_B, 0);
		wr(REG_B, B_SET);
		wr(0x04, hours[i].h12);
		wr(REG_B, 0);
		CHECK_EQ(rd(0x04), hours[i].h12, "12-hour hour set and read back");
		wr(REG_B, B_24H);
		CHECK_EQ(rd(0x04), hours[i].h24, hours[i].what);
	}
	wr(REG_B, B_SET | B_24H);
	wr(0x04, 0x13);
	wr(REG_B, B_24H);
	wr(REG_B, 0);
	CHECK_EQ(rd(0x04), 0x81, "hour 13 set in 24-hour mode reads 1 PM (0x81) in 12-hour mode");
	wr(REG_B, B_24H);
}

/*
 * UIP: 1 from 244 us before the update to its end (datasheet, "UIP" and
 * figure "update-ended and periodic interrupt relationship"), 0 otherwise.
 * Reads register A from 3 ms before second x ends until it has ended.
 * Returns false if the host kept the test from sampling both sides.
 */
static bool uip_window(time_t x, int *early, int *early_uip, int *late, int *late_uip)
{
	*early = *early_uip = *late = *late_uip = 0;
	sleep_until(x, 997000000);
	for (;;) {
		struct timespec t0 = now_real();
		uint8_t a = rd(REG_A);
		struct timespec t1 = now_real();
		if (t1.tv_sec != x)
			break;
		if (t0.tv_sec == x && t0.tv_nsec >= 999760000) {
			(*late)++;
			*late_uip += a >> 7;
		} else if (t1.tv_nsec < 999750000) {
			(*early)++;
			*early_uip += a >> 7;
		}
	}
	return *early > 0 && *late > 0;
}

/*
 * One update cycle, seen as a guest sees it: the clock set to 1999-12-31
 * 23:59:59 (a Friday) shortly before a host second ends, update-ended and
 * alarm interrupts on (alarm xx:00:00, the hour "don't care": 0xC0-0xFF),
 * then UIP before the second ends, IRQ 8 as it ends, register C's flags,
 * and the year 2000 with its century.
 */
static void test_update_cycle(void)
{
	wr(REG_B, B_24H);
	rd(REG_C);
	struct timespec now = now_real();
	time_t x = now.tv_sec + (now.tv_nsec > 850000000 ? 1 : 0);
	sleep_until(x, 900000000);
	wr(REG_B, B_SET | B_24H);
	static const uint8_t eve[8] = { 0x59, 0x59, 0x23, 0x06, 0x31, 0x12, 0x99, 0x19 };
	set_clock(eve);
	x = now_real().tv_sec; /* the second it reads 23:59:59 in (a late wake-up moves it) */
	wr(REG_B, B_24H);
	wr(0x01, 0x00);
	wr(0x03, 0x00);
	wr(0x05, 0xFF);
	rd(REG_C);
	unsigned rises = unit_irqs.rises[8];
	wr(REG_B, B_UIE | B_AIE | B_24H);
	CHECK_EQ(rd(0x00), 0x59, "set to 23:59:59 shortly before the host's second ends");

	int early, early_uip, late, late_uip;
	bool sampled = uip_window(x, &early, &early_uip, &late, &late_uip);
	for (time_t y = x + 1; !sampled && y < x + 6; y++) /* a busy host: try the next seconds */
		sampled = uip_window(y, &early, &early_uip, &late, &late_uip);
	CHECK(sampled && early_uip == 0, "UIP is 0 until 244 us before the update (%d reads)", early);
	CHECK(sampled && late_uip == late, "UIP is 1 in the last 244 us before it (%d of %d reads)",
	      late_uip, late);

	for (int i = 0; i < 300 && unit_irqs.rises[8] == rises; i++)
		usleep(1000);
	struct timespec at = irq8_at;
	CHECK(unit_irqs.rises[8] > rises, "update-ended interrupt: IRQ 8 rises once the second ends");
	/* the guest's seconds change with the host's (its offset is whole
	 * seconds), so that is when the update cycle ends */
	CHECK(at.tv_sec == x + 1 && at.tv_nsec < 150000000,
	      "... as the seconds register changes (%ld ms into host second %+ld, want 0-150 ms into +1)",
	      (long)(at.tv_nsec / 1000000), (long)(at.tv_sec - x));
	uint8_t c = rd(REG_C);
	CHECK_EQ(c & 0xF0, C_IRQF | C_AF | C_UF, "register C: IRQF, AF (00:00 matched, any hour), UF; no PF");
	CHECK_EQ(unit_irqs.level[8], 0, "reading register C drops IRQ 8");
	uint8_t r[8];
	for (int i = 0; i < 8; i++)
		r[i] = rd(time_regs[i]);
	CHECK(r[1] == 0x00 && r[2] == 0x00 && r[4] == 0x01 && r[5] == 0x01 && r[6] == 0x00 &&
	      r[7] == 0x20 && r[0] <= 0x07,
	      "the update carried into 2000-01-01 00:00:%02x, century 20 (read %02x%02x-%02x-%02x %02x:%02x)",
	      r[0], r[7], r[6], r[5], r[4], r[2], r[1]);
	CHECK_EQ(r[3], 0x07, "day of week: Friday (6) became Saturday (7)");
	wr(REG_B, B_24H);
	rd(REG_C);
}

/* Count PF over ms milliseconds, reading C every 200 us as a handler would. */
static unsigned count_pf(unsigned ms, uint64_t *elapsed_ns)
{
	unsigned n = 0;
	uint64_t t0 = clock_ns(), end = t0 + ms * 1000000ull;
	while (clock_ns() < end) {
		usleep(200);
		n += (rd(REG_C) & C_PF) != 0;
	}
	*elapsed_ns = clock_ns() - t0;
	return n;
}

/* Periodic interrupt: register A's RS bits pick the rate (table 3), DV
 * must be 010, PIE gates IRQF and IRQ 8, which stays up until C is read. */
static void test_periodic(void)
{
	uint64_t ns;
	wr(REG_B, B_24H);
	wr(REG_A, 0x26);
	rd(REG_C);
	unsigned rises = unit_irqs.rises[8];
	wr(REG_B, B_PIE | B_24H);
	CHECK(WAIT_FOR(unit_irqs.level[8]), "PIE on at 1024 Hz: IRQ 8 rises");
	sleep_ms(4);
	CHECK_EQ(unit_irqs.rises[8] - rises, 1, "C not read for 4 more ms (4 more periods): IRQ 8 rose only once");
	CHECK_EQ(unit_irqs.level[8], 1, "... and stays up until register C is read");
	CHECK_EQ(rd(REG_C) & 0xE0, C_IRQF | C_PF, "register C: IRQF and PF");
	CHECK_EQ(unit_irqs.level[8], 0, "reading C drops IRQ 8");

	/* never more periods than due; fewer only when the host starves the io
	 * thread (the chip drops late periods rather than bursting), so the
	 * lower bound is loose: it tells 1024 Hz from 128 Hz or slower */
	unsigned n = count_pf(40, &ns);
	unsigned want = (unsigned)(ns / 976562);
	CHECK(n <= want + 2 && n >= want / 8, "RS = 0110: 1024 Hz (%u periods in %llu us, about %u due)", n,
	      (unsigned long long)(ns / 1000), want);

	wr(REG_A, 0x21);
	rd(REG_C);
	n = count_pf(20, &ns);
	want = (unsigned)(ns / 3906250);
	CHECK(n <= want + 1 && n >= 1, "RS = 0001: 256 Hz with a 32.768 kHz base, not 32 kHz (%u in %llu us)",
	      n, (unsigned long long)(ns / 1000));

	wr(REG_A, 0x2F);
	rd(REG_C);
	n = count_pf(20, &ns);
	CHECK_EQ(n, 0, "RS = 1111: 2 Hz, nothing in 20 ms");

	wr(REG_A, 0x20);
	rd(REG_C);
	n = count_pf(10, &ns);
	CHECK_EQ(n, 0, "RS = 0000: no periodic interrupt");

	wr(REG_A, 0x73);
	rd(REG_C);
	n = count_pf(10, &ns);
	CHECK_EQ(n, 0, "DV = 111 (divider held in reset), RS = 0011: no periodic interrupt");

	wr(REG_A, 0x23);
	wr(REG_B, B_24H);
	rd(REG_C);
	rises = unit_irqs.rises[8];
	sleep_ms(10);
	CHECK_EQ(unit_irqs.rises[8], rises, "PIE = 0 at 8192 Hz: IRQ 8 never rises");
	CHECK_EQ(rd(REG_C) & C_IRQF, 0, "... and IRQF stays 0");

	/* an HPET in legacy replacement mode takes IRQ 8: the flags still work */
	cmos_irq_enable(vm, false);
	wr(REG_B, B_PIE | B_24H);
	CHECK(WAIT_FOR(cmos_get(vm, REG_C) & C_PF), "IRQ 8 given to the HPET: PF still flagged in register C");
	CHECK_EQ(unit_irqs.rises[8], rises, "... but the RTC does not drive IRQ 8");
	cmos_irq_enable(vm, true);
	CHECK_EQ(unit_irqs.level[8], 1, "IRQ 8 given back with a period pending: it rises");
	CHECK(rd(REG_C) & C_PF, "reading C gives that PF");
	wr(REG_B, B_24H);
	wr(REG_A, 0x26);
	rd(REG_C);
	CHECK_EQ(unit_irqs.level[8], 0, "PIE off and C read: IRQ 8 low");
}

/* System reset: interrupt enables and flags cleared, time, format, rate
 * and RAM kept (datasheet, RESET). */
static void test_reset(void)
{
	wr(REG_A, 0x26);
	wr(0x45, 0xAB);
	wr(REG_B, B_SET | B_24H);
	static const uint8_t leap[8] = { 0x56, 0x34, 0x12, 0x07, 0x29, 0x02, 0x20, 0x20 };
	set_clock(leap);
	wr(REG_B, B_PIE | B_AIE | B_UIE | B_24H);
	CHECK(WAIT_FOR(unit_irqs.level[8]), "before the reset: a periodic interrupt pending");
	unsigned resets = vm->resets;
	vm_request_reset(vm);
	evloop_call_sync(vm->loop, noop, NULL);
	CHECK_EQ(vm->resets, resets + 1, "the VM was reset");
	CHECK_EQ(unit_irqs.level[8], 0, "reset: IRQ 8 low");
	CHECK_EQ(rd(REG_B), B_24H, "reset: PIE, AIE, UIE cleared, 24-hour BCD kept");
	CHECK_EQ(rd(REG_C) & (C_IRQF | C_PF | C_AF), 0, "reset: IRQF, PF, AF cleared");
	CHECK_EQ(rd(REG_A), 0x26, "reset: register A kept");
	CHECK_EQ(rd(0x45), 0xAB, "reset: RAM kept");
	sleep_ms(3);
	CHECK_EQ(unit_irqs.level[8], 0, "after the reset no periodic interrupt comes");
	uint8_t r[8];
	for (int i = 0; i < 8; i++)
		r[i] = rd(time_regs[i]);
	CHECK(r[0] >= 0x56 && r[0] <= 0x57 && !memcmp(r + 1, leap + 1, 7),
	      "reset: the time the guest set runs on (2020-02-29 12:34:%02x)", r[0]);
}

/* Bad input: every index (with and without the NMI bit) written with every
 * value and read back, then wide accesses. ASan checks that nothing goes
 * past the RAM; afterwards the chip still works. */
static void test_sweep(void)
{
	for (unsigned idx = 0; idx < 256; idx++)
		for (unsigned v = 0; v < 256; v++) {
			unit_outb(vm, 0x70, (uint8_t)idx);
			unit_outb(vm, 0x71, (uint8_t)v);
			unit_inb(vm, 0x71);
		}
	uint32_t s = 0x2545F491;
	for (int i = 0; i < 4096; i++) {
		s ^= s << 13;
		s ^= s >> 17;
		s ^= s << 5;
		uint16_t port = 0x70 + (s & 1);
		unsigned size = 1u << ((s >> 1) % 3);
		if (s & 0x100)
			unit_out(vm, port, s >> 9, size);
		else
			unit_in(vm, port, size);
	}
	wr(REG_B, B_24H);
	wr(REG_A, 0x26);
	rd(REG_C);
	CHECK_EQ(unit_irqs.level[8], 0, "after the sweep: interrupts off, IRQ 8 low");
	CHECK_EQ(rd(REG_D), 0x80, "after the sweep: register D still 0x80");
	wr(0x7F, 0x6D);
	CHECK_EQ(rd(0x7F), 0x6D, "after the sweep: RAM still works");
	wr(REG_B, B_SET | B_24H);
	static const uint8_t t[8] = { 0x00, 0x00, 0x12, 0x02, 0x15, 0x06, 0x26, 0x20 };
	set_clock(t);
	wr(REG_B, B_24H);
	CHECK(rd(0x09) == 0x26 && rd(0x08) == 0x06 && rd(0x04) == 0x12,
	      "after the sweep: the clock can be set again");
}

int main(void)
{
	struct vm_config cfg = { .boot = "dca" };
	vm = unit_vm_new(32, &cfg, NULL);
	vm->irq_hook = irq_hook;
	vm->n_vcpus = 4; /* for byte 0x5F only: a test VM has no vCPU objects */
	if (pc_create_part(vm, "cmos") < 0) {
		printf("FAIL: %s: cannot create the cmos part\n", __FILE__);
		return 1;
	}
	vm->n_vcpus = 0;
	evloop_start_thread(vm->loop);

	test_power_on();
	test_index();
	test_read_only();
	test_clock();
	test_offsets();
	test_set_time();
	test_periodic();
	test_update_cycle();
	test_reset();
	test_sweep();
	vm_destroy(vm);
	return UNIT_DONE();
}
