/* The i8042 controller with its keyboard and mouse, driven through ports. */
#include <stdlib.h>

#include "unit.h"
#include "unit_vm.h"
#include "devices/i8042.h"
#include "core/host/input.h"

static struct vm *vm;

/* Next byte from the output buffer, or -1 if OBF is clear. */
static int rd(void)
{
	if (!(unit_inb(vm, 0x64) & 1))
		return -1;
	return unit_inb(vm, 0x60);
}

static void flush(void)
{
	while (rd() >= 0)
		;
}

static void kbd_cmd(uint8_t b) { unit_outb(vm, 0x60, b); }
static void ctl_cmd(uint8_t b) { unit_outb(vm, 0x64, b); }

/* Read n bytes and compare with want. */
static bool expect(const uint8_t *want, int n)
{
	for (int i = 0; i < n; i++) {
		int b = rd();
		if (b != want[i]) {
			printf("  byte %d: got %#x want %#x\n", i, b, want[i]);
			return false;
		}
	}
	return rd() == -1;
}
#define EXPECT(what, ...) do { const uint8_t _w[] = { __VA_ARGS__ }; \
	CHECK(expect(_w, sizeof(_w)), "%s", what); } while (0)

static unsigned leds_seen = 0xFF;
static void led_cb(void *opaque, unsigned leds) { (void)opaque; leds_seen = leds; }

/* What SeaBIOS's ps2_keyboard_setup does at POST. */
static void seabios_init(void)
{
	ctl_cmd(0xAD);
	ctl_cmd(0xA7);
	flush();
	ctl_cmd(0xAA);
	EXPECT("self test 0xAA -> 0x55", 0x55);
	CHECK(unit_inb(vm, 0x64) & 0x04, "SYS flag set after self test");
	ctl_cmd(0xAB);
	EXPECT("keyboard interface test -> 0x00", 0x00);
	kbd_cmd(0xFF);
	EXPECT("keyboard reset -> FA AA", 0xFA, 0xAA);
	kbd_cmd(0xF5);
	EXPECT("F5 -> FA", 0xFA);
	kbd_cmd(0xF0);
	kbd_cmd(0x02);
	EXPECT("F0 02 -> FA FA", 0xFA, 0xFA);
	ctl_cmd(0x60);
	unit_outb(vm, 0x60, 0x61);   /* AUXDIS | XLATE | KBDINT */
	ctl_cmd(0x20);
	EXPECT("command byte reads back 0x61", 0x61);
	kbd_cmd(0xF4);
	EXPECT("F4 -> FA", 0xFA);
}

int main(void)
{
	struct vm_config cfg = { .name = "test" };
	vm = unit_vm_new(16, &cfg, NULL);
	CHECK(pc_create_part(vm, "i8042") == 0, "i8042 created");
	struct i8042 *c = vm_lookup(vm, "i8042");
	CHECK(c != NULL, "i8042 published");
	input_add_led_listener(vm, led_cb, NULL);

	CHECK((unit_inb(vm, 0x64) & 0x10) && !(unit_inb(vm, 0x64) & 1), "power-on status: unlocked, empty");
	CHECK(!(unit_inb(vm, 0x64) & 0x04), "power-on status: SYS clear before POST");
	ctl_cmd(0x20);
	EXPECT("power-on command byte: keyboard and mouse IRQs, no translation", 0x03);
	/* direct kernel boot: the state a BIOS's POST leaves */
	i8042_post_done(c);
	CHECK(unit_inb(vm, 0x64) & 0x04, "after POST: SYS set in the status");
	ctl_cmd(0x20);
	EXPECT("after POST: command byte 0x65 (XLATE, AUXDIS, SYS, KBDINT)", 0x65);
	seabios_init();

	/* keys in set 2, translated to set 1 */
	unsigned rises = unit_irqs.rises[1];
	input_key(vm, 0x1E, true);
	CHECK(unit_irqs.level[1] == 1 && unit_irqs.rises[1] == rises + 1, "key raises IRQ1");
	EXPECT("'a' make/break translated: 1E 9E", 0x1E);
	CHECK(unit_irqs.level[1] == 0, "IRQ1 low after the read");
	input_key(vm, 0x1E, false);
	EXPECT("'a' break", 0x9E);
	/* every queued byte is a new IRQ1 edge: the 8259 is edge-triggered */
	rises = unit_irqs.rises[1];
	input_key(vm, 0xE048, true);
	input_key(vm, 0xE048, false);
	unit_inb(vm, 0x60);
	CHECK(unit_irqs.level[1] == 1 && unit_irqs.rises[1] == rises + 2,
	      "reading one of four queued bytes: IRQ1 dropped and raised again (%u edges)",
	      unit_irqs.rises[1] - rises);
	EXPECT("Up: (E0) 48 E0 C8", 0x48, 0xE0, 0xC8);
	CHECK(unit_irqs.rises[1] == rises + 4, "one IRQ1 edge per byte (%u)", unit_irqs.rises[1] - rises);
	input_key(vm, INPUT_KEY_PAUSE, true);
	input_key(vm, INPUT_KEY_PAUSE, false);
	EXPECT("Pause: E1 1D 45 E1 9D C5", 0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5);
	input_key(vm, 0xE037, true);
	input_key(vm, 0xE037, false);
	EXPECT("Print Screen with fake shifts", 0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA);
	input_key(vm, 0x38, true);
	input_key(vm, 0xE037, true);
	input_key(vm, 0xE037, false);
	input_key(vm, 0x38, false);
	EXPECT("Alt+Print Screen is SysRq 54", 0x38, 0x54, 0xD4, 0xB8);
	input_key(vm, 0x1D, true);
	input_key(vm, INPUT_KEY_PAUSE, true);
	input_key(vm, 0x1D, false);
	EXPECT("Ctrl+Pause is Break E0 46 E0 C6", 0x1D, 0xE0, 0x46, 0xE0, 0xC6, 0x9D);
	input_key(vm, 0x41, true);
	EXPECT("F7 (set-2 0x83) translates to 41", 0x41);
	input_key(vm, 0x41, false);
	EXPECT("F7 break", 0xC1);

	kbd_cmd(0xF0);
	kbd_cmd(0x00);
	EXPECT("scan set query translated: FA 41", 0xFA, 0xFA, 0x41);
	kbd_cmd(0xF2);
	EXPECT("identify: FA AB 41 (83 translated)", 0xFA, 0xAB, 0x41);
	kbd_cmd(0xEE);
	EXPECT("echo", 0xEE);
	kbd_cmd(0xFE);
	EXPECT("resend repeats the last byte", 0xEE);
	kbd_cmd(0x42);
	EXPECT("unknown command -> FE", 0xFE);

	/* raw set 2: XLATE off */
	ctl_cmd(0x60);
	unit_outb(vm, 0x60, 0x21);
	input_key(vm, 0x1E, true);
	input_key(vm, 0x1E, false);
	input_key(vm, 0xE01D, true);
	input_key(vm, 0xE01D, false);
	EXPECT("raw set 2: 1C F0 1C E0 14 E0 F0 14", 0x1C, 0xF0, 0x1C, 0xE0, 0x14, 0xE0, 0xF0, 0x14);
	kbd_cmd(0xF0);
	kbd_cmd(0x00);
	EXPECT("scan set query raw: FA FA 02", 0xFA, 0xFA, 0x02);
	/* set 1 selected in the keyboard */
	kbd_cmd(0xF0);
	kbd_cmd(0x01);
	EXPECT("F0 01 acked", 0xFA, 0xFA);
	input_key(vm, 0x2C, true);
	input_key(vm, 0x2C, false);
	EXPECT("keyboard in set 1: 2C AC", 0x2C, 0xAC);
	kbd_cmd(0xF0);
	kbd_cmd(0x02);
	flush();
	ctl_cmd(0x60);
	unit_outb(vm, 0x60, 0x61);

	/* LEDs */
	kbd_cmd(0xED);
	EXPECT("ED -> FA", 0xFA);
	kbd_cmd(0x04);
	EXPECT("LED byte -> FA", 0xFA);
	CHECK(leds_seen == INPUT_LED_CAPS && input_leds(vm) == INPUT_LED_CAPS,
	      "caps lock LED reaches the front end");
	kbd_cmd(0xED);
	kbd_cmd(0x00);
	flush();
	CHECK(leds_seen == 0, "LEDs off again");

	/* replies go ahead of queued keys but never split a key's bytes */
	input_key(vm, 0xE048, true);
	CHECK(rd() == 0xE0, "first byte of Up");
	kbd_cmd(0xEE);
	EXPECT("rest of Up, then the echo", 0x48, 0xEE);

	/* a burst of keys: nothing dropped or reordered */
	for (int i = 0; i < 1500; i++)
		input_key(vm, 0x02 + i % 10, i % 2 == 0);
	bool ok = true;
	for (int i = 0; i < 1500 && ok; i++) {
		int want = (0x02 + i % 10) | (i % 2 ? 0x80 : 0);
		int got = rd();
		if (got != want) {
			printf("  key %d: got %#x want %#x\n", i, got, want);
			ok = false;
		}
	}
	CHECK(ok && rd() == -1, "1500 key events in order, none dropped");

	/* keyboard interface disabled: keys wait in the keyboard */
	ctl_cmd(0xAD);
	input_key(vm, 0x10, true);
	CHECK(rd() == -1, "no byte while the keyboard interface is disabled");
	ctl_cmd(0xAE);
	EXPECT("byte arrives once enabled", 0x10);
	input_key(vm, 0x10, false);
	flush();

	/* scanning disabled with F5: keys are not scanned */
	kbd_cmd(0xF5);
	flush();
	input_key(vm, 0x11, true);
	CHECK(rd() == -1, "F5: keyboard does not scan");
	kbd_cmd(0xF4);
	EXPECT("F4 acked", 0xFA);

	/* controller commands */
	ctl_cmd(0xD2);
	unit_outb(vm, 0x60, 0x5A);
	CHECK((unit_inb(vm, 0x64) & 0x21) == 0x01, "D2: byte appears as keyboard data");
	EXPECT("D2 echo", 0x5A);
	ctl_cmd(0xA8);
	ctl_cmd(0x60);
	unit_outb(vm, 0x60, 0x43);   /* XLATE | SYS | KBDINT | AUXINT, aux enabled */
	ctl_cmd(0xD3);
	unit_outb(vm, 0x60, 0x77);
	CHECK((unit_inb(vm, 0x64) & 0x21) == 0x21, "D3: byte appears as mouse data");
	CHECK(unit_irqs.level[12] == 1, "D3 raises IRQ12");
	EXPECT("D3 echo", 0x77);
	ctl_cmd(0xA9);
	EXPECT("aux interface test", 0x00);
	ctl_cmd(0x75);
	unit_outb(vm, 0x60, 0x99);
	ctl_cmd(0x35);
	EXPECT("controller RAM byte 0x15", 0x99);

	/* A20 */
	ctl_cmd(0xD0);
	CHECK(rd() & 0x02, "output port: A20 on at reset");
	ctl_cmd(0xD1);
	unit_outb(vm, 0x60, 0x01);   /* A20 off, not reset */
	CHECK((unit_inb(vm, 0x92) & 2) == 0, "port 0x92 sees A20 off");
	unit_outb(vm, 0x92, 0x02);
	ctl_cmd(0xD0);
	CHECK(rd() & 0x02, "port 0x92 A20 on seen in the output port");
	CHECK(i8042_reset_requests(c) == 0, "no reset so far");
	ctl_cmd(0xFE);
	CHECK(i8042_reset_requests(c) == 1, "0xFE pulses reset");
	unit_outb(vm, 0x92, 0x03);
	CHECK(i8042_reset_requests(c) == 2, "port 0x92 bit 0 resets");
	ctl_cmd(0xD1);
	unit_outb(vm, 0x60, 0x02);
	CHECK(i8042_reset_requests(c) == 3, "output port bit 0 low resets");

	/* mouse through D4 */
	ctl_cmd(0xD4);
	unit_outb(vm, 0x60, 0xFF);
	EXPECT("mouse reset: FA AA 00", 0xFA, 0xAA, 0x00);
	ctl_cmd(0xD4);
	unit_outb(vm, 0x60, 0xF4);
	EXPECT("mouse enable: FA", 0xFA);
	rises = unit_irqs.rises[12];
	input_pointer_rel(vm, 5, -3, 0, INPUT_BTN_LEFT);
	CHECK(unit_irqs.rises[12] == rises + 1, "motion raises IRQ12");
	CHECK(unit_inb(vm, 0x64) & 0x20, "AUX OBF set for mouse data");
	EXPECT("packet: buttons, dx 5, dy +3 (up)", 0x09, 0x05, 0x03);
	input_pointer_abs(vm, 100, 100, 640, 480, 0, 0);
	input_pointer_abs(vm, 110, 90, 640, 480, 0, 0);
	EXPECT("absolute without a tablet becomes relative", 0x08, 0x00, 0x00, 0x08, 10, 10);
	CHECK(!input_has_absolute(vm), "no absolute device");

	/* reset hook */
	vm_destroy(vm);
	return UNIT_DONE();
}
