/*
 * UHCI with a USB tablet and keyboard, driven the way a driver does it:
 * PCI set-up, a frame list, queue heads and TDs in guest memory, port
 * reset, enumeration through control transfers, interrupt IN polling.
 */
#include <stdlib.h>

#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"
#include "devices/pci.h"
#include "devices/uhci.h"
#include "core/host/input.h"

#define IO 0xC000
#define FL 0x10000     /* frame list */
#define QH 0x11000     /* the one queue head every frame points at */
#define TDS 0x12000    /* TDs, 16 bytes each */
#define BUF 0x13000    /* data buffers, 0x100 each */

static struct vm *vm;
static struct uhci *u;

/* The controller's configuration space at 00:01.2; its interrupt is GSI 11
 * (main routes PIRQD there): unit_irqs.level[11]. */
static void pci_write(unsigned reg, uint32_t v) { unit_pci_write(vm, 1, 2, reg, v, 4); }
static uint32_t pci_read(unsigned reg) { return unit_pci_read(vm, 1, 2, reg, 4); }

static uint8_t *mem(uint32_t gpa) { return vm_gpa_to_hva(vm, gpa, 1); }

/* TD i: link to TD i+1 depth-first (or terminate), token for pid/addr/ep/len. */
static void td(int i, bool last, int pid, unsigned addr, unsigned ep, unsigned len, bool toggle)
{
	uint8_t *t = mem(TDS + 16 * i);
	st32(t, last ? 1 : (TDS + 16 * (i + 1)) | 4);
	st32(t + 4, (1u << 23) | (3u << 27) | (last ? (1u << 24) : 0));   /* active, 3 errors, IOC */
	st32(t + 8, ((len ? len - 1 : 0x7FF) << 21) | (toggle ? 1u << 19 : 0) | ep << 15 | addr << 8 | pid);
	st32(t + 12, BUF + 0x100 * i);
}
static uint32_t td_status(int i) { return ld32(mem(TDS + 16 * i + 4)); }
static unsigned td_actlen(int i) { return (td_status(i) + 1) & 0x7FF; }

static void queue(int first) { st32(mem(QH + 4), TDS + 16 * first); }

/* A control transfer: SETUP, data stage of len (in or out), status. */
static int control(unsigned addr, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
		   uint16_t len, uint8_t *data)
{
	uint8_t *s = mem(BUF);
	s[0] = type; s[1] = req; st16(s + 2, value); st16(s + 4, index); st16(s + 6, len);
	int n = 0;
	td(n++, false, 0x2D, addr, 0, 8, false);
	bool in_dir = type & 0x80;
	for (unsigned off = 0; off < len; off += 64) {
		unsigned l = MIN(64u, len - off);
		td(n, false, in_dir ? 0x69 : 0xE1, addr, 0, l, (n & 1));
		if (!in_dir)
			memcpy(mem(BUF + 0x100 * n), data + off, l);
		n++;
	}
	td(n, true, in_dir ? 0xE1 : 0x69, addr, 0, 0, true);
	queue(0);
	uhci_run_frames(u, 3);
	for (int i = 0; i <= n; i++)
		if (td_status(i) & ((1u << 23) | (1u << 22) | (1u << 18)))
			return -1;   /* still active, stalled or timed out */
	int got = 0;
	if (in_dir)
		for (int i = 1; i < n; i++) {
			memcpy(data + got, mem(BUF + 0x100 * i), td_actlen(i));
			got += td_actlen(i);
		}
	return in_dir ? got : 0;
}

static bool enumerate(int port, unsigned addr, uint8_t *cfgdesc)
{
	uint16_t pr = IO + 0x10 + 2 * port;
	unit_outw(vm, pr, 0x0200);           /* reset */
	unit_outw(vm, pr, 0x0000);
	unit_outw(vm, pr, 0x0004 | 0x000A);  /* enable, clear change bits */
	uint8_t d[256];
	if (control(0, 0x80, 6, 0x0100, 0, 18, d) != 18 || d[0] != 18 || d[1] != 1)
		return false;
	if (control(0, 0x00, 5, addr, 0, 0, NULL) < 0)
		return false;
	if (control(addr, 0x80, 6, 0x0200, 0, 255, cfgdesc) != 34)
		return false;
	return control(addr, 0x00, 9, 1, 0, 0, NULL) == 0;
}

static void poll_td(unsigned addr, unsigned len)
{
	td(0, true, 0x69, addr, 1, len, false);
	queue(0);
}

int main(void)
{
	struct vm_config cfg = { .name = "test", .usb = true, .n_usbdevice = 2,
				 .usbdevice = { "tablet", "keyboard" } };
	vm = unit_vm_new(16, &cfg, NULL);
	CHECK(pc_create_part(vm, "pci") == 0, "pci bus");
	CHECK(pc_create_part(vm, "i8042") == 0, "i8042");
	CHECK(pc_create_part(vm, "uhci") == 0, "uhci created");
	u = vm_lookup(vm, "uhci");
	CHECK(u != NULL, "published");
	pci_set_pirq_route(pci_bus_of(vm), 3, 11);   /* slot 1 INTD -> PIRQD */

	CHECK_EQ(pci_read(0x00), 0x70208086, "PCI id 8086:7020");
	CHECK_EQ(pci_read(0x08) >> 8, 0x0C0300, "class: USB UHCI");
	pci_write(0x20, IO | 1);
	pci_write(0x04, 0x05);   /* I/O + bus master */
	CHECK_EQ(unit_inw(vm, IO + 2), 0x20, "halted after reset");
	CHECK_EQ(unit_inw(vm, IO + 0x10), 0x83, "port 1: device connected, change bit");
	CHECK_EQ(unit_inw(vm, IO + 0x12), 0x83, "port 2: device connected");
	CHECK(!input_has_absolute(vm), "no absolute pointer before the guest configures the tablet");

	/* schedule: every frame -> QH -> (TDs) */
	for (int i = 0; i < 1024; i++)
		st32(mem(FL + 4 * i), QH | 2);
	st32(mem(QH), 1);
	st32(mem(QH + 4), 1);
	unit_outl(vm, IO + 0x08, FL);
	unit_outw(vm, IO + 0x04, 0x0F);   /* all interrupts */
	unit_outw(vm, IO + 0x00, 0x0081); /* run, max packet 64 */
	CHECK_EQ(unit_inw(vm, IO + 2) & 0x20, 0, "running");

	uint8_t cd[256];
	CHECK(enumerate(0, 5, cd), "tablet enumerated at address 5");
	CHECK(cd[9 + 5] == 3 && cd[18 + 1] == 0x21 && cd[27 + 2] == 0x81,
	      "configuration: HID interface, HID descriptor, interrupt IN endpoint 0x81");
	CHECK(unit_irqs.level[11] == 1 && (unit_inw(vm, IO + 2) & 1), "IOC raises the PCI interrupt");
	unit_outw(vm, IO + 2, 0x1F);
	CHECK(unit_irqs.level[11] == 0, "writing USBSTS clears it");
	uint8_t rd[256];
	int n = control(5, 0x81, 6, 0x2200, 0, 255, rd);
	CHECK(n > 40 && rd[0] == 0x05 && rd[1] == 0x01, "report descriptor (%d bytes)", n);
	n = control(5, 0x80, 6, 0x0302, 0x0409, 255, rd);
	CHECK(n > 2 && rd[1] == 3 && rd[2] == 'v', "product string");
	CHECK(control(5, 0x80, 6, 0x0900, 0, 8, rd) < 0, "unknown descriptor stalls");
	CHECK(control(0, 0x80, 6, 0x0100, 0, 18, rd) < 0, "old address 0 no longer answers");
	CHECK(input_has_absolute(vm), "tablet configured: absolute pointer");

	/* interrupt IN: NAK until the pointer moves, then the position */
	poll_td(5, 8);
	uhci_run_frames(u, 2);
	CHECK(td_status(0) & (1u << 23), "no report yet: TD stays active (NAK)");
	input_pointer_abs(vm, 512, 384, 1024, 768, 0, INPUT_BTN_LEFT);
	uhci_run_frames(u, 1);
	CHECK(!(td_status(0) & (1u << 23)) && td_actlen(0) == 6, "report of 6 bytes");
	uint8_t *r = mem(BUF);
	unsigned x = ld16(r + 1), y = ld16(r + 3);
	int px = (x * 1023 + 16383) / 32767, py = (y * 767 + 16383) / 32767;
	CHECK(r[0] == 1 && abs(px - 512) <= 1 && abs(py - 384) <= 1,
	      "tablet at (%d,%d) for (512,384), left button", px, py);
	input_pointer_abs(vm, 1023, 767, 1024, 768, 0, 0);
	poll_td(5, 8);
	uhci_run_frames(u, 1);
	CHECK(ld16(r + 1) == 32767 && ld16(r + 3) == 32767 && r[0] == 0, "bottom-right corner is 32767");
	input_pointer_abs(vm, 0, 0, 1024, 768, 0, 0);
	poll_td(5, 8);
	uhci_run_frames(u, 1);
	CHECK(ld16(r + 1) == 0 && ld16(r + 3) == 0, "top-left is 0");

	/* short packet with SPD stops the queue without advancing it */
	input_pointer_abs(vm, 5, 5, 1024, 768, 0, 0);
	td(0, false, 0x69, 5, 1, 8, false);
	st32(mem(TDS + 4), ld32(mem(TDS + 4)) | (1u << 29));
	td(1, true, 0x69, 5, 1, 8, true);
	queue(0);
	uhci_run_frames(u, 1);
	CHECK(!(td_status(0) & (1u << 23)) && ld32(mem(QH + 4)) == TDS, "short packet: QH element kept");

	/* keyboard on port 2 */
	CHECK(enumerate(1, 6, cd), "keyboard enumerated at address 6");
	CHECK(cd[9 + 6] == 1 && cd[9 + 7] == 1, "boot keyboard interface");
	CHECK(control(6, 0x21, 0x0B, 0, 0, 0, NULL) == 0, "SET_PROTOCOL boot");
	CHECK(control(6, 0x21, 0x0A, 0, 0, 0, NULL) == 0, "SET_IDLE");
	input_key(vm, 0x2A, true);
	input_key(vm, 0x1E, true);
	input_key(vm, 0x1E, false);
	input_key(vm, 0x2A, false);
	uint8_t seq[4][8];
	for (int i = 0; i < 4; i++) {
		poll_td(6, 8);
		uhci_run_frames(u, 1);
		memcpy(seq[i], r, 8);
	}
	CHECK(seq[0][0] == 0x02 && seq[0][2] == 0 && seq[1][0] == 0x02 && seq[1][2] == 0x04 &&
	      seq[2][0] == 0x02 && seq[2][2] == 0 && seq[3][0] == 0 && seq[3][2] == 0,
	      "shift, a, release a, release shift: four boot reports in order");
	uint8_t led = 0x02;
	CHECK(control(6, 0x21, 0x09, 0x0200, 0, 1, &led) == 0 && (input_leds(vm) & INPUT_LED_CAPS),
	      "SET_REPORT caps lock LED reaches the front ends");

	/* info usb */
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	input_info_usb(vm, f);
	input_info_mice(vm, f);
	fclose(f);
	CHECK(strstr(buf, "Device 0.5, Port 1, Speed 12 Mb/s, Product vmstation USB Tablet") &&
	      strstr(buf, "Port 2") && strstr(buf, "* Mouse #1: vmstation USB Tablet (absolute)"),
	      "info usb / info mice:\n%s", buf);
	free(buf);

	/* hostile schedules */
	st32(mem(QH + 4), QH | 2);                  /* QH whose element is itself */
	uhci_run_frames(u, 2);
	CHECK(!(unit_inw(vm, IO + 2) & 0x28), "QH whose element is a QH (itself): skipped, still running");
	td(0, false, 0x69, 5, 1, 8, false);
	st32(mem(TDS), TDS | 4);                    /* TD linked to itself, depth first */
	st32(mem(QH + 4), 1);
	st32(mem(FL), TDS);                         /* TD straight in the frame list */
	unsigned fr = unit_inw(vm, IO + 0x06);
	uhci_run_frames(u, 1);
	CHECK(unit_inw(vm, IO + 0x06) == ((fr + 1) & 0x7FF) && !(unit_inw(vm, IO + 2) & 0x08),
	      "TD linked to itself: the frame ends, no error");
	td(0, true, 0x69, 5, 1, 8, false);
	st32(mem(TDS + 12), 0xFFFFFFF0u);            /* buffer outside RAM */
	input_pointer_abs(vm, 9, 9, 1024, 768, 0, 0);
	unit_outw(vm, IO + 0x06, 0);
	for (int i = 0; i < 1024; i++)
		st32(mem(FL + 4 * i), TDS);
	uhci_run_frames(u, 1);
	CHECK(td_status(0) & (1u << 21), "buffer outside RAM: data buffer error");
	td(0, true, 0x69, 5, 1, 0x500, false);
	uhci_run_frames(u, 1);
	CHECK(td_status(0) & (1u << 20), "oversized packet: babble");
	unit_outl(vm, IO + 0x08, 0xFFFFF000u);       /* frame list outside RAM */
	uhci_run_frames(u, 1);
	CHECK((unit_inw(vm, IO + 2) & 0x28) == 0x28 && unit_irqs.level[11],
	      "frame list outside RAM: host system error, halted");

	unit_outw(vm, IO + 0x00, 0x0002);            /* HCRESET */
	CHECK(unit_inw(vm, IO + 2) == 0x20 && unit_inw(vm, IO + 0x10) == 0x83,
	      "HCRESET: halted, ports reattached");
	CHECK(!input_has_absolute(vm), "after reset the tablet is unconfigured");
	vm_destroy(vm);
	return UNIT_DONE();
}
