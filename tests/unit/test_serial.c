/*
 * The 16550A UART driven through its ports, as a vCPU exit does: Linux's
 * 8250 probing, interrupts (THRE, RX trigger levels, timeout, line status,
 * modem status), OUT2 gating, loopback, overrun, DLAB, reset, COM2-COM4.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/chardev.h"
#include "devices/serial.h"
#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"

#define COM1 0x3F8

static uint8_t tx_seen[4096];
static size_t tx_len;

static void tap(void *opaque, const uint8_t *buf, size_t len)
{
	(void)opaque;
	for (size_t i = 0; i < len && tx_len < sizeof(tx_seen); i++)
		tx_seen[tx_len++] = buf[i];
}

static struct vm_config cfg;

/* A VM with the given serial specs (NULL-terminated list). */
static struct vm *make_vm(const char *const *specs)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "t";
	for (unsigned i = 0; specs[i] && i < VM_MAX_SERIAL; i++)
		cfg.serial[cfg.n_serial++] = (char *)specs[i];
	struct vm *vm = unit_vm_new(1, &cfg, (const char *const[]){ "serial", NULL });
	tx_len = 0;
	if (vm->serial_chr[0])
		chardev_set_tap(vm->serial_chr[0], tap, NULL);
	return vm;
}

static struct vm *make_com1(void)
{
	static const char *const specs[] = { "null", NULL };
	return make_vm(specs);
}

static struct vm *cur;

/* The VM under test's ports (some 200 accesses below). */
static void outb(uint16_t port, uint8_t v) { unit_outb(cur, port, v); }
static uint8_t inb(uint16_t port) { return unit_inb(cur, port); }

/* ---- Linux's 8250 probe, step by step (8250_port.c autoconfig()) ---------- */

static int fifo_size_probe(uint16_t b)
{
	/* size_fifo(): loopback at divisor 1, send 256 bytes, count what comes back */
	uint8_t old_lcr = inb(b + 3);
	outb(b + 3, 0);
	uint8_t old_fcr = inb(b + 2); /* reads IIR, as Linux does */
	uint8_t old_mcr = inb(b + 4);
	outb(b + 2, 0x07);
	outb(b + 4, 0x10);
	outb(b + 3, 0x80);
	uint8_t dll = inb(b), dlm = inb(b + 1);
	outb(b, 1);
	outb(b + 1, 0);
	outb(b + 3, 0x03);
	for (int i = 0; i < 256; i++)
		outb(b, i);
	int count = 0;
	while ((inb(b + 5) & 0x01) && count < 256) {
		inb(b);
		count++;
	}
	outb(b + 2, old_fcr);
	outb(b + 4, old_mcr);
	outb(b + 3, 0x80);
	outb(b, dll);
	outb(b + 1, dlm);
	outb(b + 3, old_lcr);
	return count;
}

static const char *linux_autoconfig(uint16_t b)
{
	/* IER existence test: low nibble writable, reads back */
	uint8_t scratch = inb(b + 1);
	outb(b + 1, 0);
	uint8_t s2 = inb(b + 1) & 0x0F;
	outb(b + 1, 0x0F);
	uint8_t s3 = inb(b + 1) & 0x0F;
	outb(b + 1, scratch);
	if (s2 != 0 || s3 != 0x0F)
		return "none (IER test)";
	uint8_t save_mcr = inb(b + 4), save_lcr = inb(b + 3);
	/* loopback: RTS|OUT2 must come back as CTS|DCD */
	outb(b + 4, 0x10 | 0x0A);
	uint8_t st = inb(b + 6) & 0xF0;
	outb(b + 4, save_mcr);
	if (st != 0x90)
		return "none (loop test)";
	/* clear a possible EFR, then look at the FIFO bits of IIR */
	outb(b + 3, 0xBF);
	outb(b + 2, 0);
	outb(b + 3, 0);
	outb(b + 2, 0x01);
	const char *type;
	switch (inb(b + 2) >> 6) {
	case 0: type = "8250/16450"; break;
	case 1: type = "unknown"; break;
	case 2: type = "16550"; break;
	default:
		type = "16550A";
		/* EFR with DLAB (ST16C650V1) */
		outb(b + 3, 0x80);
		if (inb(b + 2) == 0) {
			type = "ST16650";
			break;
		}
		/* EFR with LCR=0xBF (16650V2, 16C950...) */
		outb(b + 3, 0xBF);
		if (inb(b + 2) == 0) {
			type = "EFR UART";
			break;
		}
		/* National SuperIO: EXCR1 in bank 2 would mirror MCR LOOP */
		outb(b + 3, 0);
		uint8_t st1 = inb(b + 4);
		outb(b + 3, 0xE0);
		uint8_t st2 = inb(b + 2);
		if (!((st2 ^ st1) & 0x10)) {
			outb(b + 3, 0);
			outb(b + 4, st1 ^ 0x10);
			outb(b + 3, 0xE0);
			st2 = inb(b + 2);
			outb(b + 3, 0);
			outb(b + 4, st1);
			if ((st2 ^ st1) & 0x10) {
				type = "NS16550A";
				break;
			}
		}
		/* TI16750: IIR bit 5 follows FCR bit 5 only with DLAB set */
		outb(b + 3, 0);
		outb(b + 2, 0x21);
		uint8_t i1 = inb(b + 2) >> 5;
		outb(b + 2, 0x01);
		outb(b + 3, 0x80);
		outb(b + 2, 0x21);
		uint8_t i2 = inb(b + 2) >> 5;
		outb(b + 2, 0x01);
		outb(b + 3, 0);
		if (i1 == 6 && i2 == 7) {
			type = "TI16750";
			break;
		}
		/* XScale: IER bit 6 (UUE) must not stick */
		uint8_t iersave = inb(b + 1);
		outb(b + 1, iersave & ~0x40);
		if (!(inb(b + 1) & 0x40)) {
			outb(b + 1, iersave | 0x40);
			if (inb(b + 1) & 0x40) {
				type = "XScale";
				break;
			}
		}
		outb(b + 1, iersave);
		if (fifo_size_probe(b) == 64)
			type = "U6_16550A";
		break;
	}
	outb(b + 3, save_lcr);
	/* reset the UART as autoconfig does */
	outb(b + 4, save_mcr);
	outb(b + 2, 0x01);
	outb(b + 2, 0x07);
	outb(b + 2, 0);
	inb(b);
	outb(b + 1, 0);
	return type;
}

static void test_power_on(void)
{
	cur = make_com1();
	CHECK_EQ(inb(COM1 + 1), 0x00, "IER after power-on");
	CHECK_EQ(inb(COM1 + 2), 0x01, "IIR after power-on: no interrupt, no FIFO");
	CHECK_EQ(inb(COM1 + 3), 0x00, "LCR after power-on");
	CHECK_EQ(inb(COM1 + 4), 0x00, "MCR after power-on");
	CHECK_EQ(inb(COM1 + 5), 0x60, "LSR after power-on: THRE|TEMT");
	CHECK_EQ(inb(COM1 + 6) & 0xF0, 0xB0, "MSR after power-on: CTS|DSR|DCD from the back end");
	CHECK_EQ(unit_inw(cur, COM1 + 5), 0xB060, "16-bit read at LSR = LSR | MSR << 8");
	uint8_t v = 0;
	CHECK(!iobus_access(&cur->pio, 0x2F8, &v, 1, false), "COM2 absent when only serial[0] is configured");
	CHECK_STR(chardev_describe(cur->serial_chr[0]), "null", "vm->serial_chr[0] is the null back end");
	CHECK(serial_port_of(cur, 0) != NULL && serial_port_of(cur, 1) == NULL, "published as serial0 only");
	vm_destroy(cur);
}

static void test_linux_probe(void)
{
	cur = make_com1();
	CHECK_STR(linux_autoconfig(COM1), "16550A", "Linux autoconfig() classifies the port as 16550A");
	CHECK(inb(COM1 + 5) != 0xFF, "LSR safety check (LSR != 0xff)");
	CHECK_EQ(tx_len, 0, "probing sent nothing to the back end (loopback only)");
	/* startup's THRE re-assert test: enable, read IIR, disable, enable, read IIR */
	outb(COM1 + 1, 0x02);
	uint8_t iir1 = inb(COM1 + 2);
	outb(COM1 + 1, 0);
	outb(COM1 + 1, 0x02);
	uint8_t iir2 = inb(COM1 + 2);
	outb(COM1 + 1, 0);
	CHECK(!(iir1 & 1) && !(iir2 & 1), "THRE re-asserted when ETBEI is enabled again (no UART_BUG_THRE)");
	/* startup's TXEN test */
	outb(COM1 + 1, 0x02);
	uint8_t lsr = inb(COM1 + 5), iir = inb(COM1 + 2);
	outb(COM1 + 1, 0);
	CHECK(!((lsr & 0x40) && (iir & 1)), "THRE interrupt seen right after enabling it (no UART_BUG_TXEN)");
	vm_destroy(cur);
}

static void test_dlab(void)
{
	cur = make_com1();
	outb(COM1 + 3, 0x83);
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x02);
	CHECK_EQ(inb(COM1 + 0), 0x01, "DLL reads back with DLAB");
	CHECK_EQ(inb(COM1 + 1), 0x02, "DLM reads back with DLAB");
	CHECK_EQ(tx_len, 0, "a DLL write is not transmitted");
	outb(COM1 + 3, 0x03);
	CHECK_EQ(inb(COM1 + 1), 0x00, "IER untouched by the DLM write");
	outb(COM1, 'A');
	CHECK(tx_len == 1 && tx_seen[0] == 'A', "THR write with DLAB clear reaches the back end");
	CHECK_EQ(inb(COM1 + 5) & 0x60, 0x60, "THRE and TEMT set right after a write (instant transmit)");
	outb(COM1 + 3, 0x80);
	CHECK_EQ(inb(COM1 + 0), 0x01, "divisor kept");
	outb(COM1 + 3, 0x03);
	outb(COM1 + 7, 0x5A);
	CHECK_EQ(inb(COM1 + 7), 0x5A, "scratch register");
	vm_destroy(cur);
}

static void test_thre(void)
{
	cur = make_com1();
	outb(COM1 + 2, 0x07);
	outb(COM1 + 1, 0x02);
	CHECK_EQ(inb(COM1 + 2), 0xC2, "IIR = FIFO bits + THRE after enabling ETBEI");
	outb(COM1 + 1, 0x00);
	outb(COM1 + 1, 0x02);
	CHECK_EQ(unit_irqs.level[4], 0, "no IRQ4 without OUT2 (PC interrupt gate)");
	outb(COM1 + 4, 0x08);
	CHECK_EQ(unit_irqs.level[4], 1, "IRQ4 raised once OUT2 is set");
	CHECK_EQ(inb(COM1 + 2), 0xC2, "IIR reports THRE");
	CHECK_EQ(unit_irqs.level[4], 0, "reading IIR (THRE the source) lowers IRQ4");
	CHECK_EQ(inb(COM1 + 2), 0xC1, "... and clears the THRE indication");
	unsigned r = unit_irqs.rises[4];
	outb(COM1, 'x');
	CHECK(unit_irqs.level[4] == 1 && unit_irqs.rises[4] == r + 1,
	      "THR write: THRE interrupt again, a new edge");
	r = unit_irqs.rises[4];
	outb(COM1, 'y');
	CHECK(unit_irqs.level[4] == 1 && unit_irqs.rises[4] == r + 1,
	      "THR write without reading IIR still gives a new edge");
	outb(COM1 + 1, 0);
	CHECK_EQ(unit_irqs.level[4], 0, "disabling ETBEI lowers the line");
	outb(COM1 + 1, 0x02);
	CHECK_EQ(unit_irqs.level[4], 1, "enabling it again with THR empty raises it");
	outb(COM1 + 4, 0x00);
	CHECK_EQ(unit_irqs.level[4], 0, "clearing OUT2 lowers it");
	outb(COM1 + 4, 0x18);
	CHECK_EQ(unit_irqs.level[4], 0, "OUT2 in loopback mode: still no interrupt");
	CHECK_EQ(inb(COM1 + 2), 0xC2, "but IIR shows it pending");
	vm_destroy(cur);
}

static void test_rx_trigger(void)
{
	static const unsigned trig[4] = { 1, 4, 8, 14 };
	uint8_t data[16];
	for (int i = 0; i < 16; i++)
		data[i] = 'a' + i;
	cur = make_com1();
	struct serial_port *p = serial_port_of(cur, 0);
	outb(COM1 + 4, 0x0B);
	outb(COM1 + 1, 0x01);
	for (int t = 0; t < 4; t++) {
		outb(COM1 + 2, 0x07 | t << 6);
		unsigned n = trig[t] - 1;
		CHECK_EQ(serial_input(p, data, n), n, "input accepted below the trigger level");
		bool quiet = unit_irqs.level[4] == 0 && inb(COM1 + 2) == 0xC1;
		serial_input(p, data + n, 1);
		bool fired = unit_irqs.level[4] == 1 && inb(COM1 + 2) == 0xC4;
		CHECK(quiet && fired, "RX interrupt exactly at trigger level %u", trig[t]);
		CHECK_EQ(inb(COM1 + 5) & 1, 1, "LSR DR set");
		CHECK_EQ(inb(COM1), 'a', "first byte out of the FIFO");
		if (trig[t] > 1)
			CHECK_EQ(unit_irqs.level[4], 0, "below the trigger level again: line low");
	}
	outb(COM1 + 2, 0x07);
	CHECK_EQ(serial_input(p, data, 20), 16, "the FIFO takes 16 bytes");
	CHECK_EQ(serial_input(p, data, 1), 0, "no room when full (back-pressure, no overrun)");
	int got = 0;
	while (inb(COM1 + 5) & 1) {
		if (inb(COM1) != data[got])
			break;
		got++;
	}
	CHECK_EQ(got, 16, "16 bytes read back in order");
	CHECK_EQ(unit_irqs.level[4], 0, "FIFO empty: line low");
	/* 16450 mode: one holding register */
	outb(COM1 + 2, 0x00);
	CHECK_EQ(serial_input(p, data, 5), 1, "without FIFO the receiver takes one byte");
	CHECK(unit_irqs.level[4] == 1 && inb(COM1 + 2) == 0x04, "RX interrupt without FIFO, IIR 0x04");
	CHECK_EQ(inb(COM1), 'a', "RBR");
	CHECK_EQ(inb(COM1 + 5) & 1, 0, "DR clear after the read");
	/* clearing the RX FIFO */
	outb(COM1 + 2, 0x01);
	serial_input(p, data, 3);
	outb(COM1 + 2, 0x03);
	CHECK_EQ(inb(COM1 + 5) & 1, 0, "FCR bit 1 empties the receive FIFO");
	vm_destroy(cur);
}

static void test_line_status(void)
{
	cur = make_com1();
	outb(COM1 + 4, 0x18);       /* loopback */
	outb(COM1 + 2, 0x01);
	outb(COM1 + 1, 0x05);
	for (int i = 0; i < 17; i++)
		outb(COM1, 'A' + i);
	CHECK_EQ(tx_len, 0, "loopback bytes do not reach the back end");
	CHECK_EQ(inb(COM1 + 2), 0xC6, "overrun: receiver line status interrupt has top priority");
	uint8_t lsr = inb(COM1 + 5);
	CHECK_EQ(lsr & 0x03, 0x03, "LSR OE and DR after 17 bytes into a 16-byte FIFO");
	CHECK_EQ(inb(COM1 + 5) & 0x02, 0, "reading LSR clears OE");
	CHECK_EQ(inb(COM1 + 2), 0xC4, "then RX data available shows");
	int n = 0;
	uint8_t last = 0;
	while ((inb(COM1 + 5) & 1) && n < 32) {
		last = inb(COM1);
		n++;
	}
	CHECK(n == 16 && last == 'A' + 15, "16 bytes kept, the 17th lost (%d, last %c)", n, last);
	/* 16450 mode overrun overwrites */
	outb(COM1 + 2, 0x00);
	outb(COM1, '1');
	outb(COM1, '2');
	CHECK_EQ(inb(COM1 + 5) & 0x03, 0x03, "16450 overrun");
	CHECK_EQ(inb(COM1), '2', "16450 overrun: the new byte replaced the unread one");
	struct serial_stats st;
	serial_get_stats(serial_port_of(cur, 0), &st);
	CHECK_EQ(st.overruns, 2, "overruns counted");
	CHECK_EQ(serial_input(serial_port_of(cur, 0), (const uint8_t *)"z", 1), 0,
		 "input from the back end held back in loopback mode");
	vm_destroy(cur);
}

static void test_modem(void)
{
	cur = make_com1();
	inb(COM1 + 6);
	outb(COM1 + 4, 0x1A); /* loop, RTS, OUT2 */
	uint8_t msr = inb(COM1 + 6);
	CHECK_EQ(msr & 0xF0, 0x90, "loopback: RTS->CTS, OUT2->DCD");
	CHECK_EQ(msr & 0x0F, 0x02, "DSR dropped: DDSR delta");
	CHECK_EQ(inb(COM1 + 6) & 0x0F, 0, "reading MSR clears the deltas");
	outb(COM1 + 4, 0x1F);
	CHECK_EQ(inb(COM1 + 6), 0xF2, "all four lines; DSR rose: DDSR");
	outb(COM1 + 4, 0x1B);
	CHECK_EQ(inb(COM1 + 6) & 0x0F, 0x04, "RI trailing edge: TERI");
	inb(COM1 + 6);
	outb(COM1 + 4, 0x18); /* loop with OUT2 only: CTS and DSR drop */
	outb(COM1 + 4, 0x08); /* out of loopback: they rise again, deltas kept */
	outb(COM1 + 1, 0x08);
	uint8_t id = inb(COM1 + 2);
	CHECK(id == 0x00 && unit_irqs.level[4] == 1, "modem status interrupt, IIR 0x00 (%02x)", id);
	inb(COM1 + 6);
	CHECK(inb(COM1 + 2) == 0x01 && unit_irqs.level[4] == 0, "cleared by reading MSR");
	CHECK_EQ(inb(COM1 + 4), 0x08, "MCR reads back (bits 5-7 zero)");
	outb(COM1 + 4, 0xFF);
	CHECK_EQ(inb(COM1 + 4), 0x1F, "MCR bits 5-7 not writable");
	outb(COM1 + 1, 0xFF);
	CHECK_EQ(inb(COM1 + 1), 0x0F, "IER bits 4-7 read zero");
	vm_destroy(cur);
}

static void test_timeout(void)
{
	cur = make_com1();
	struct serial_port *p = serial_port_of(cur, 0);
	evloop_start_thread(cur->loop);
	outb(COM1 + 3, 0x80);
	outb(COM1, 1); /* 115200 baud: 4 characters = 347 us */
	outb(COM1 + 1, 0);
	outb(COM1 + 3, 0x03);
	outb(COM1 + 4, 0x08);
	outb(COM1 + 2, 0xC7); /* trigger 14 */
	outb(COM1 + 1, 0x01);
	serial_input(p, (const uint8_t *)"abc", 3);
	CHECK_EQ(inb(COM1 + 2), 0xC1, "3 bytes below trigger 14: no interrupt yet");
	int waited = 0;
	while (!unit_irqs.level[4] && waited < 2000) {
		usleep(1000);
		waited++;
	}
	CHECK(unit_irqs.level[4] == 1 && inb(COM1 + 2) == 0xCC,
	      "character timeout interrupt (IIR 0xCC) after %d ms", waited);
	CHECK_EQ(inb(COM1), 'a', "read one byte");
	uint8_t iir = inb(COM1 + 2);
	CHECK(iir == 0xC1, "reading RBR clears the timeout indication (%02x)", iir);
	waited = 0;
	while (!unit_irqs.level[4] && waited < 2000) {
		usleep(1000);
		waited++;
	}
	CHECK_EQ(inb(COM1 + 2), 0xCC, "timeout again for the bytes left");
	inb(COM1);
	inb(COM1);
	usleep(5000);
	CHECK(inb(COM1 + 2) == 0xC1 && unit_irqs.level[4] == 0, "FIFO empty: no timeout");
	vm_destroy(cur);
}

static void test_reset(void)
{
	cur = make_com1();
	outb(COM1 + 3, 0x1B);
	outb(COM1 + 4, 0x0B);
	outb(COM1 + 1, 0x0F);
	outb(COM1 + 2, 0xC7);
	serial_input(serial_port_of(cur, 0), (const uint8_t *)"q", 1);
	CHECK_EQ(unit_irqs.level[4], 1, "interrupt pending before reset");
	for (unsigned i = 0; i < cur->n_reset_hooks; i++)
		cur->reset_hooks[i].fn(cur->reset_hooks[i].opaque);
	CHECK_EQ(unit_irqs.level[4], 0, "reset lowers the line");
	CHECK(inb(COM1 + 1) == 0 && inb(COM1 + 2) == 0x01 && inb(COM1 + 3) == 0 &&
	      inb(COM1 + 4) == 0 && inb(COM1 + 5) == 0x60, "reset restores power-on registers");
	vm_destroy(cur);
}

static void test_com_ports(void)
{
	static const char *const specs[] = { "null", "null", "null", "null", NULL };
	static const uint16_t base[4] = { 0x3F8, 0x2F8, 0x3E8, 0x2E8 };
	static const unsigned irq[4] = { 4, 3, 4, 3 };
	cur = make_vm(specs);
	for (int i = 0; i < 4; i++) {
		outb(base[i] + 4, 0x08);
		outb(base[i] + 1, 0x02);
		CHECK_EQ(unit_irqs.level[irq[i]], 1, "COM port interrupt on its IRQ");
		outb(base[i] + 1, 0x00);
		CHECK_EQ(unit_irqs.level[irq[i]], 0, "and off again");
	}
	outb(0x3F8 + 4, 0x08);
	outb(0x3E8 + 4, 0x08);
	outb(0x3F8 + 1, 0x02);
	outb(0x3E8 + 1, 0x02);
	outb(0x3F8 + 1, 0x00);
	CHECK_EQ(unit_irqs.level[4], 1, "IRQ4 shared: COM3 keeps it up when COM1 lets go");
	outb(0x3E8 + 1, 0x00);
	CHECK_EQ(unit_irqs.level[4], 0, "both quiet: IRQ4 low");
	vm_destroy(cur);

	static const char *const some[] = { "none", "null", NULL };
	cur = make_vm(some);
	uint8_t v = 0;
	CHECK(!iobus_access(&cur->pio, 0x3F8, &v, 1, false), "serial='none' leaves COM1 out");
	CHECK(iobus_access(&cur->pio, 0x2F8 + 5, &v, 1, false) && v == 0x60, "COM2 present");
	CHECK(cur->serial_chr[0] == NULL && cur->serial_chr[1] != NULL, "serial_chr[] per index");
	vm_destroy(cur);

	static const char *const bad[] = { "file:/nonexistent-dir/x", NULL };
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "t";
	cfg.serial[0] = (char *)bad[0];
	cfg.n_serial = 1;
	cur = unit_vm_new(1, &cfg, NULL);
	CHECK(pc_create_part(cur, "serial") < 0, "a back end that cannot open fails device creation");
	vm_destroy(cur);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* keep lines whole next to stderr messages */
	test_power_on();
	test_linux_probe();
	test_dlab();
	test_thre();
	test_rx_trigger();
	test_line_status();
	test_modem();
	test_timeout();
	test_reset();
	test_com_ports();
	return UNIT_DONE();
}
