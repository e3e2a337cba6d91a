/*
 * The game port at 0x201 on a KVM-less VM with a fake guest clock: pulse
 * lengths proportional to the axis (24.2 us + 0.011 us/ohm), buttons
 * active-low, unconnected axes that never time out, no retrigger while
 * timing, reset, and which configs bring the port.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/gameport.h"
#include "ui/joystick.h"
#include "ui/monitor/monitor.h"
#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"

static struct vm *vm;
static uint64_t fake_now = 1000000;

static uint64_t fake_clock(void *opaque)
{
	(void)opaque;
	return fake_now;
}

/* The one port, a byte at a time. */
static void out(uint8_t v) { unit_outb(vm, GAMEPORT_PORT, v); }
static uint8_t in(void) { return unit_inb(vm, GAMEPORT_PORT); }

/* Fire the one-shots and return how long (ns, 1 us steps) axis bit a stays 1; 0 if > 10 ms. */
static uint64_t measure(unsigned a)
{
	uint64_t start = fake_now;
	out(0xFF);
	while (in() & (1u << a)) {
		fake_now += 1000;
		if (fake_now - start > 10000000)
			return 0;
	}
	uint64_t t = fake_now - start;
	fake_now += 2000000; /* let every axis finish */
	return t;
}

static void set(unsigned j, bool conn, int x, int y, unsigned b);

static char mon_out[8192];
static size_t mon_len;

static void collect(void *opaque, const char *str, size_t n)
{
	(void)opaque;
	if (mon_len + n >= sizeof(mon_out))
		n = sizeof(mon_out) - 1 - mon_len;
	memcpy(mon_out + mon_len, str, n);
	mon_len += n;
	mon_out[mon_len] = 0;
}

static const char *run(struct monitor_session *ms, const char *line)
{
	mon_len = 0;
	mon_out[0] = 0;
	monitor_session_line(ms, line);
	return mon_out;
}

static bool list_has(char **l, const char *str)
{
	for (; l && *l; l++)
		if (!strcmp(*l, str))
			return true;
	return false;
}

static int wakes;
static void count_wake(void *opaque)
{
	(void)opaque;
	wakes++;
}

/* The hub and the monitor commands: map parsing, info, completion, test aid off. */
static void test_monitor(void)
{
	struct joy_source src;
	char buf[32];
	CHECK(joy_source_parse("pad1.right", &src) == 0 && src.kind == JOY_PAD && src.pad == 1 &&
	      src.stick == 1, "parse pad1.right");
	CHECK(joy_source_parse("keyboard", &src) == 0 && src.kind == JOY_KEYBOARD, "parse keyboard");
	CHECK(joy_source_parse("pad9", &src) < 0 && joy_source_parse("pad0.up", &src) < 0 &&
	      joy_source_parse("", &src) < 0, "bad sources refused");
	joy_source_parse("pad0", &src);
	joy_source_format(&src, buf, sizeof(buf));
	CHECK_STR(buf, "pad0", "format pad0");
	CHECK(joy_port_parse("a") == 0 && joy_port_parse("B") == 1 && joy_port_parse("C") < 0, "ports A, B");

	struct joy_hub *h = joy_hub_of(vm);
	CHECK(h != NULL, "the VM with a game port has a joystick hub");
	joy_hub_set_wake(h, count_wake, NULL);
	struct monitor_session *ms = monitor_session_new(vm, collect, NULL, 0);
	CHECK(strstr(run(ms, "joystick_map"), "joystick A: auto\njoystick B: auto\n") != NULL,
	      "joystick_map: both auto by default");
	CHECK(strstr(run(ms, "joystick_map b keyboard"), "joystick B: keyboard") != NULL &&
	      joy_hub_map(h, 1).kind == JOY_KEYBOARD && wakes == 1,
	      "joystick_map B keyboard: set, front end woken");
	CHECK(strstr(run(ms, "joystick_map A pad8"), "source is") != NULL, "pad8 (past pad7) refused");
	CHECK(strstr(run(ms, "joystick_map C auto"), "port is A or B") != NULL, "port C refused");
	CHECK(joy_hub_map(h, 0).kind == JOY_AUTO, "A unchanged by the refusals");

	set(0, true, -32768, 32767, 1);
	set(1, false, 0, 0, 0);
	joy_hub_set_attached(h, 0, "pad0 'Test Pad' left stick");
	joy_hub_set_pads(h, "pad0 'Test Pad'");
	const char *info = run(ms, "info joysticks");
	CHECK(strstr(info, "joystick A: map auto: pad0 'Test Pad' left stick x=-32768 y=32767 buttons=1-") &&
	      strstr(info, "joystick B: map keyboard: not connected") &&
	      strstr(info, "controllers: pad0 'Test Pad'"), "info joysticks: %s", info);
	CHECK(strstr(run(ms, "help joystick_map"), "joystick_map") != NULL, "help joystick_map");
	CHECK(strstr(run(ms, "help info"), "info joysticks") != NULL, "help info lists joysticks");
	bool aid = getenv("VMST_TEST_JOYSTICK") && !strcmp(getenv("VMST_TEST_JOYSTICK"), "1");
	run(ms, "joystick_virtual attach");
	CHECK(!strstr(mon_out, "queued") == !aid, "joystick_virtual only with VMST_TEST_JOYSTICK=1 (%s)", mon_out);
	CHECK(!strstr(run(ms, "help"), "joystick_virtual") == !aid, "... and in help only then");
	if (aid) {
		CHECK(strstr(run(ms, "joystick_virtual axis 9 0"), "usage") || strstr(mon_out, "joystick_virtual "),
		      "joystick_virtual axis 9 refused");
		char got[64];
		CHECK(joy_hub_virtual_pop(h, got, sizeof(got)) && !strcmp(got, "attach"), "attach queued");
	}
	char **l = monitor_complete(vm, "joystick_m", 10);
	CHECK(l && !strcmp(l[0], "joystick_map") && !l[1], "complete joystick_m");
	monitor_free_completions(l);
	l = monitor_complete(vm, "info joy", 8);
	CHECK(l && !strcmp(l[0], "joysticks") && !l[1], "complete info joy");
	monitor_free_completions(l);
	l = monitor_complete(vm, "joystick_map ", 13);
	CHECK(list_has(l, "A") && list_has(l, "B") && !list_has(l, "keyboard"), "complete the port");
	monitor_free_completions(l);
	l = monitor_complete(vm, "joystick_map A pad1.", 20);
	CHECK(list_has(l, "pad1.left") && list_has(l, "pad1.right") && !list_has(l, "pad0.left"),
	      "complete the source");
	monitor_free_completions(l);

	joy_hub_virtual_push(h, "axis 0 5");
	char got[64];
	CHECK(joy_hub_virtual_pop(h, got, sizeof(got)) && !strcmp(got, "axis 0 5") &&
	      !joy_hub_virtual_pop(h, got, sizeof(got)), "virtual mailbox: in order, then empty");
	monitor_session_free(ms);
}

static void set(unsigned j, bool conn, int x, int y, unsigned b)
{
	struct gameport_input gi = { .connected = conn, .x = (int16_t)x, .y = (int16_t)y, .buttons = b };
	gameport_set_input(gameport_of(vm), j, &gi);
}

static bool created_with(const char *what)
{
	struct vm_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	char *snd = xstrdup("sb16");
	if (!strcmp(what, "gameport"))
		cfg.gameport = true;
	else if (!strcmp(what, "sb16"))
		cfg.soundhw[cfg.n_soundhw++] = snd;
	struct vm *v = unit_vm_new(8, &cfg, NULL);
	bool has = pc_create_part(v, "gameport") == 0 && gameport_of(v) != NULL;
	vm_destroy(v);
	free(snd);
	return has;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK(created_with("gameport"), "gameport=1 brings the port");
	CHECK(created_with("sb16"), "soundhw='sb16' brings the port");
	CHECK(!created_with("none"), "no port without sb16 or gameport=1");

	struct vm_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.gameport = true;
	vm = unit_vm_new(8, &cfg, NULL);
	CHECK(pc_create_part(vm, "gameport") == 0, "gameport created");
	CHECK(joy_hub_attach(vm) == 0, "joystick hub created");
	struct gameport *gp = gameport_of(vm);
	CHECK(gp != NULL, "published as 'gameport'");
	gameport_set_clock(gp, fake_clock, NULL);

	/* the IBM formula at the ends and the centre */
	CHECK_EQ(gameport_pulse_ns(-32768), 24200, "0 ohm: 24.2 us");
	CHECK_EQ(gameport_pulse_ns(32767), 24200 + 1100000, "100 kOhm: 1124.2 us");
	CHECK(gameport_pulse_ns(0) > 574000 && gameport_pulse_ns(0) < 575000,
	      "centre (50 kOhm): ~574.2 us (%llu ns)", (unsigned long long)gameport_pulse_ns(0));

	/* no joystick: idle before a write, then the axes time for ever */
	CHECK_EQ(in(), 0xF0, "power-on read: one-shots idle, buttons released");
	out(0);
	CHECK_EQ(in() & 0x0F, 0x0F, "unconnected axes read 1 right after the write");
	fake_now += 100000000; /* 100 ms, far past any real pulse */
	CHECK_EQ(in(), 0xFF, "unconnected axes still 1 after 100 ms (open circuit), buttons 1");
	CHECK_EQ(measure(0), 0, "no-joystick axis never drops (a game's timeout says 'absent')");
	/* plugging a stick in ends its axes one pulse later, the other stick's keep timing */
	set(0, true, -32768, -32768, 0);
	fake_now += 20000;
	CHECK_EQ(in() & 0x0F, 0x0F, "plugged in: A's axes charge from now");
	fake_now += 10000;
	CHECK_EQ(in() & 0x0F, 0x0C, "24.2 us later A's axes ended, B's (open) still timing");
	/* pulling it out mid-pulse: that axis never ends */
	set(0, true, 32767, 32767, 0);
	out(0);
	fake_now += 100000;
	set(0, false, 0, 0, 0);
	fake_now += 100000000;
	CHECK_EQ(in() & 0x0F, 0x0F, "unplugged mid-pulse: A's axes time for ever");
	/* a reset makes them idle again */
	for (unsigned i = 0; i < vm->n_reset_hooks; i++)
		vm->reset_hooks[i].fn(vm->reset_hooks[i].opaque);
	CHECK_EQ(in() & 0x0F, 0, "reset: one-shots idle");

	/* joystick A centred, B at the extremes */
	set(0, true, 0, 0, 0);
	set(1, true, -32768, 32767, 0);
	uint64_t cx = measure(0), cy = measure(1), lo = measure(2), hi = measure(3);
	CHECK(cx >= 574000 && cx <= 576000, "A x centred: %llu ns", (unsigned long long)cx);
	CHECK_EQ(cy, cx, "A y centred: same as x");
	CHECK(lo >= 24000 && lo <= 26000, "B x at minimum: %llu ns (~24.2 us)", (unsigned long long)lo);
	CHECK(hi >= 1124000 && hi <= 1126000, "B y at maximum: %llu ns (~1.12 ms)", (unsigned long long)hi);
	double ratio = (double)(hi - lo) / (double)(cx - lo);
	CHECK(ratio > 1.98 && ratio < 2.02, "pulse proportional to the axis (full/half span %.3f)", ratio);
	set(0, true, 16384, -16384, 0);
	uint64_t q3 = measure(0), q1 = measure(1);
	CHECK(q3 > cx && q1 < cx && (q3 - cx) > 270000 && (cx - q1) > 270000,
	      "quarter deflections on either side (%llu, %llu)", (unsigned long long)q1,
	      (unsigned long long)q3);

	/* all four time together from one write, each with its own length */
	set(0, true, -32768, 0, 0);
	out(0x00);
	fake_now += 100000;  /* 100 us */
	CHECK_EQ(in() & 0x0F, 0x0A, "after 100 us: both minimum axes (A x, B x) done, A y and B y timing");
	fake_now += 600000;  /* 700 us */
	CHECK_EQ(in() & 0x0F, 0x08, "after 700 us: only B y (maximum) still timing");
	/* a write while timing does not restart it (558 not retriggered) */
	out(0x00);
	fake_now += 430000;  /* 1130 us from the first write */
	CHECK_EQ(in() & 0x08, 0, "B y ends 1.12 ms after the first write, not the second");
	fake_now += 2000000;

	/* buttons: active low, A on bits 4-5, B on 6-7 */
	set(0, true, 0, 0, 1);
	set(1, true, 0, 0, 0);
	CHECK_EQ(in() & 0xF0, 0xE0, "A button 1 -> bit 4 low");
	set(0, true, 0, 0, 2);
	CHECK_EQ(in() & 0xF0, 0xD0, "A button 2 -> bit 5 low");
	set(0, true, 0, 0, 0);
	set(1, true, 0, 0, 3);
	CHECK_EQ(in() & 0xF0, 0x30, "B buttons 1+2 -> bits 6, 7 low");
	set(1, false, 0, 0, 3);
	CHECK_EQ(in() & 0xF0, 0xF0, "a disconnected stick's buttons read released");
	struct gameport_input back = gameport_get_input(gp, 0);
	CHECK(back.connected && back.x == 0 && back.buttons == 0, "input reads back");
	back = gameport_get_input(gp, 7);
	CHECK(!back.connected, "out-of-range stick: not connected");
	gameport_set_input(gp, 9, &back); /* ignored, no crash */

	/* any value, any size, never a crash */
	for (unsigned v = 0; v < 256; v++) {
		unit_out(vm, GAMEPORT_PORT, v, 2);
		unit_in(vm, GAMEPORT_PORT, 4);
	}
	CHECK(1, "all written values and sizes survived");

	test_monitor();
	vm_destroy(vm);
	return UNIT_DONE();
}
