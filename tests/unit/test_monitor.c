/*
 * The monitor's command table, parser, block commands, memory dumps,
 * completion and the socket front end, on a KVM-less test VM.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "unit.h"

#include "core/block.h"
#include "ui/monitor/monitor.h"
#include "core/util.h"
#include "unit_vm.h"

/* Collected session output. */
static char out[65536];
static size_t out_len;

static void collect(void *opaque, const char *s, size_t n)
{
	(void)opaque;
	if (out_len + n >= sizeof(out))
		n = sizeof(out) - 1 - out_len;
	memcpy(out + out_len, s, n);
	out_len += n;
	out[out_len] = 0;
}

/* Run one line and return what it printed. */
static const char *run(struct monitor_session *s, const char *line)
{
	out_len = 0;
	out[0] = 0;
	monitor_session_line(s, line);
	return out;
}

static bool has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static char tmpdir[] = "/tmp/test_monitor.XXXXXX";

static char *make_file(const char *name, size_t size, char fill)
{
	char *p = xasprintf("%s/%s", tmpdir, name);
	int fd = open(p, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	char buf[2048];
	memset(buf, fill, sizeof(buf));
	for (size_t done = 0; done < size; done += sizeof(buf))
		(void)!write(fd, buf, sizeof(buf));
	close(fd);
	return p;
}

static void test_parser(struct monitor_session *s)
{
	const char *r = run(s, "help");
	CHECK(has(r, "eject [-f] device -- eject a removable medium"), "help lists eject with its usage");
	CHECK(has(r, "info [subcommand] -- "), "help lists info");
	CHECK(has(r, "cont|c  -- resume emulation") || has(r, "cont|c -- resume emulation"),
	      "help lists cont with its alias");
	r = run(s, "help eject");
	CHECK(!strcmp(r, "eject [-f] device -- eject a removable medium (use -f to force it)\n"),
	      "help eject prints one line: %s", r);
	r = run(s, "? info block");
	CHECK(has(r, "info block [-n] [-v] [device] -- "), "? info block");
	r = run(s, "help info");
	CHECK(has(r, "info status") && has(r, "info registers") && has(r, "info pci"),
	      "help info lists the info items");
	CHECK_STR(run(s, "foo"), "unknown command: 'foo'\n", "unknown command");
	CHECK_STR(run(s, "info foo"), "unknown command: 'info foo'\n", "unknown info item");
	CHECK_STR(run(s, "help foo"), "unknown command: 'foo'\n", "help of an unknown command");
	CHECK_STR(run(s, ""), "", "empty line prints nothing");
	CHECK_STR(run(s, "   \t "), "", "blank line prints nothing");
	r = run(s, "eject");
	CHECK(has(r, "eject: missing argument") && has(r, "usage: eject [-f] device"),
	      "eject without a device prints usage: %s", r);
	r = run(s, "stop now");
	CHECK(has(r, "extraneous characters") && has(r, "usage: stop"), "stop with an argument: %s", r);
	r = run(s, "info status extra");
	CHECK(has(r, "usage: info status"), "info status with an argument: %s", r);
	CHECK(has(run(s, "eject \"ide1"), "unterminated string"), "unterminated string");
	CHECK(has(run(s, "eject \"a\\qb\""), "unsupported escape code"), "bad escape");
	CHECK(has(run(s, "info status"), "VM status: "), "info status answers");
	CHECK(has(run(s, "info version"), "0.1"), "info version");
	CHECK(has(run(s, "info name"), "testvm"), "info name");
	CHECK(has(run(s, "info registers"), "No CPU available"), "info registers without vCPUs");
	CHECK_STR(run(s, "info cpus"), "", "info cpus without vCPUs");
	CHECK(has(run(s, "x /4x 0"), "No CPU available"), "x needs a vCPU");
}

static void test_block(struct monitor_session *s, struct vm *vm, struct blockdev *cd)
{
	char *a = make_file("a.iso", 8192, 'A');
	char *b = make_file("b.iso", 4096, 'B');
	char line[512];

	const char *r = run(s, "info block");
	CHECK(has(r, "ide0-hd0: ") && has(r, "ide1-cd0: [not inserted]\n"), "info block, empty CD: %s", r);
	CHECK(has(r, "    Removable device: not locked, tray closed\n"), "empty CD tray closed");
	CHECK(has(r, "\n\nide1-cd0"), "a blank line between devices");

	snprintf(line, sizeof(line), "change ide1-cd0 %s", a);
	CHECK_STR(run(s, line), "", "change prints nothing on success");
	snprintf(line, sizeof(line), "ide1-cd0: %s (raw, read-only)\n", a);
	r = run(s, "info block ide1-cd0");
	CHECK(!strncmp(r, line, strlen(line)), "info block after change: %s", r);
	CHECK(has(r, "    Cache mode:       writeback\n"), "cache mode line");

	/* a missing file: clear message, the medium stays */
	r = run(s, "change hdc /nonexistent/file.iso");
	CHECK(has(r, "/nonexistent/file.iso"), "change to a missing file names it: %s", r);
	CHECK(cd->path && !strcmp(cd->path, a), "the old medium stays after a failed change");

	CHECK_STR(run(s, "eject floppy7"), "Device 'floppy7' not found\n", "eject unknown device");
	CHECK_STR(run(s, "eject ide0-hd0"), "Device 'ide0-hd0' is not removable\n", "eject a disk");
	CHECK_STR(run(s, "change hda x.img"), "Device 'hda' is not removable\n", "change a disk");
	CHECK(has(run(s, "change hdc x.img vhd"), "Unknown driver 'vhd'"), "change with an unknown format");
	CHECK(has(run(s, "change hdc /nonexistent/x.qcow2 qcow2"), "/nonexistent/x.qcow2"),
	      "change with format qcow2 opens the file");
	CHECK(has(run(s, "change hdc x.img raw sideways"), "read-only-mode"), "change with a bad mode");

	/* the guest locked the tray */
	pthread_mutex_lock(&cd->lock);
	cd->locked = true;
	pthread_mutex_unlock(&cd->lock);
	CHECK_STR(run(s, "eject ide1-cd0"),
		  "Device 'ide1-cd0' is locked and force was not specified, wait for tray to open and try again\n",
		  "eject of a locked tray reads as QEMU's");
	CHECK(cd->path != NULL, "medium still there after refused eject");
	CHECK(cd->eject_requested, "the guest was asked to release the tray");
	CHECK(has(run(s, "info block hdc"), "Removable device: locked, tray closed"), "info block shows locked");
	CHECK_STR(run(s, "eject -f hdc"), "", "eject -f forces");
	r = run(s, "info block hdc");
	CHECK(has(r, "ide1-cd0: [not inserted]\n") && has(r, "not locked, tray open"),
	      "after eject: not inserted, tray open: %s", r);
	CHECK(has(run(s, "eject -x hdc"), "unsupported option"), "eject with an unknown option");

	snprintf(line, sizeof(line), "change ide1-cd0 \"%s\" raw read-only", b);
	CHECK_STR(run(s, line), "", "change with format and mode");
	CHECK(cd->path && !strcmp(cd->path, b) && block_size(cd) == 4096, "B is inserted");
	(void)vm;
	free(a);
	free(b);
}

static void test_memory(struct monitor_session *s, struct vm *vm)
{
	static const uint8_t pattern[16] = { 0x11, 0x22, 0x33, 0x44, 'H', 'i', '\n', 0xff,
					     0x01, 0x00, 0x00, 0x80, 0, 0, 0, 0 };
	vm_write_guest(vm, 0x1000, pattern, sizeof(pattern));
	CHECK_STR(run(s, "xp /4xb 0x1000"), "0000000000001000: 0x11 0x22 0x33 0x44\n", "xp /4xb");
	CHECK_STR(run(s, "xp /2xw 0x1000"), "0000000000001000: 0x44332211 0xff0a6948\n", "xp /2xw");
	CHECK_STR(run(s, "xp /2x 0x1000"), "0000000000001000: 0x44332211 0xff0a6948\n",
		  "xp remembers the unit size");
	CHECK_STR(run(s, "xp /1xg 0x1000"), "0000000000001000: 0xff0a694844332211\n", "xp /1xg");
	CHECK_STR(run(s, "xp /3cb 0x1004"), "0000000000001004: H i \\n\n", "xp /c (a blank before each unit, as QEMU)");
	CHECK_STR(run(s, "xp /1dw 0x1008"), "0000000000001008: -2147483647\n", "xp /d signed");
	CHECK_STR(run(s, "xp /1uh 0x1008"), "0000000000001008:     1\n", "xp /u");
	const char *r = run(s, "xp /20xb 0x1000");
	CHECK(has(r, "0000000000001000: 0x11") && has(r, "\n0000000000001008: 0x01") &&
	      has(r, "\n0000000000001010: 0x00 0x00 0x00 0x00\n"), "8 bytes per line for bytes: %s", r);
	CHECK(has(run(s, "xp /4x 0xfffffffffff0"), "Cannot access memory"), "xp outside RAM");
	CHECK(has(run(s, "xp /4xw 0xfffffffffffffffc"), "Cannot access memory"), "xp at the top of the address space");
	CHECK(has(run(s, "xp /4q 0"), "invalid char in format"), "bad format char");
	CHECK(has(run(s, "xp /4i 0"), "not supported"), "disassembly not supported");
	CHECK(has(run(s, "xp zork"), "invalid char"), "bad address");
	CHECK(has(run(s, "xp"), "usage: xp"), "xp without address");
	r = run(s, "xp /100000xg 0");
	CHECK(strlen(r) < 65536 && has(r, "0000000000000000:"), "huge counts are capped");
}

/* Bytes the guest would read from the i8042 now (port 0x64 OBF, port 0x60). */
static int read_kbd(struct vm *vm, uint8_t *out, int max)
{
	int n = 0;
	for (int guard = 0; guard < 64 && n < max; guard++) {
		if (!(unit_inb(vm, 0x64) & 1))
			break;
		out[n++] = unit_inb(vm, 0x60);
	}
	return n;
}

static void test_devices(struct monitor_session *s, struct vm *vm)
{
	/* without the devices: clear answers, nothing crashes */
	CHECK_STR(run(s, "screendump /tmp/never-written.ppm"), "no display device (vga='none')\n",
		  "screendump without a display");
	CHECK(access("/tmp/never-written.ppm", F_OK) != 0, "no file written");
	CHECK(has(run(s, "screendump"), "usage: screendump"), "screendump without a file name");
	CHECK(has(run(s, "screendump x.ppm -f"), "value expected for -f"), "screendump -f without format");
	CHECK(has(run(s, "info vnc"), "Server: disabled"), "info vnc without VNC");
	CHECK(has(run(s, "info pic"), "not available"), "info pic without KVM");
	CHECK(has(run(s, "info ioapic"), "not available"), "info ioapic without KVM");
	CHECK(has(run(s, "info lapic"), "No CPU available"), "info lapic without vCPUs");
	CHECK(has(run(s, "info stats"), "exits 0") && has(out, "ide1-cd0: rd_bytes="), "info stats");

	/* log items */
	const char *r = run(s, "log ?");
	CHECK(has(r, "Log items (comma separated):\nnone       remove all logs\ncmd "), "log ? lists the items: %s", r);
	CHECK(has(run(s, "help log"), "log item1[,...] -- ") && has(out, "Log items"), "help log lists the items");
	CHECK_STR(run(s, "log cmd"), "", "log cmd");
	CHECK(monitor_log_mask(vm) == MONITOR_LOG_CMD, "log cmd sets the mask");
	CHECK(has(run(s, "log cmd,bogus"), "Invalid log item 'bogus'"), "log with a bad item");
	CHECK(monitor_log_mask(vm) == MONITOR_LOG_CMD, "a bad item changes nothing");
	CHECK_STR(run(s, "log none"), "", "log none");
	CHECK(monitor_log_mask(vm) == 0, "log none clears the mask");

	/* sendkey argument checks */
	CHECK_STR(run(s, "sendkey ctrl-nosuch"), "invalid parameter: nosuch\n", "sendkey unknown key");
	CHECK(has(run(s, "sendkey ctrl--alt"), "invalid parameter"), "sendkey empty key name");
	CHECK(has(run(s, "sendkey ctrl-"), "invalid parameter"), "sendkey trailing dash");
	CHECK(has(run(s, "sendkey a 99999"), "hold_ms"), "sendkey hold too long");
	CHECK(has(run(s, "sendkey a -5"), "hold_ms"), "sendkey negative hold");
	CHECK(has(run(s, "sendkey a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r 0"), "too many keys"), "sendkey too many keys");
	CHECK(has(run(s, "mouse_move 1"), "usage: mouse_move"), "mouse_move needs dx dy");
	CHECK(has(run(s, "mouse_move 1 x"), "integers expected"), "mouse_move with a word");
	CHECK(has(run(s, "mouse_button 99"), "state 0..31"), "mouse_button out of range");
	CHECK(has(run(s, "info mice"), "No mouse devices connected") || has(out, "Mouse #"), "info mice");
	CHECK(has(run(s, "audio_mute maybe"), "Expected 'on' or 'off'"), "audio_mute with a bad word");
	CHECK(has(run(s, "audio_volume 101"), "0..100"), "audio_volume out of range");

	/* keys reach the PS/2 keyboard in order: down in order, up in reverse */
	if (pc_create_part(vm, "i8042") == 0) {
		uint8_t drain[64];
		unit_outb(vm, 0x64, 0x60);   /* write command byte: */
		unit_outb(vm, 0x60, 0x41);   /* translate to set 1, IRQ on */
		read_kbd(vm, drain, 64);
		CHECK_STR(run(s, "sendkey ctrl-alt-delete 0"), "", "sendkey ctrl-alt-delete");
		uint8_t b[16];
		int n = read_kbd(vm, b, 16);
		static const uint8_t want[] = { 0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d };
		CHECK(n == 8 && !memcmp(b, want, 8),
		      "scancodes: %d bytes %02x %02x %02x %02x %02x %02x %02x %02x", n, b[0], b[1], b[2],
		      b[3], b[4], b[5], b[6], b[7]);
		CHECK_STR(run(s, "sendkey #0x1c 0"), "", "sendkey by QEMU number");
		n = read_kbd(vm, b, 16);
		CHECK(n == 2 && b[0] == 0x1c && b[1] == 0x9c, "#0x1c is Enter (%d bytes)", n);
		CHECK_STR(run(s, "sendkey kp_enter 0"), "", "sendkey kp_enter");
		n = read_kbd(vm, b, 16);
		CHECK(n == 4 && b[0] == 0xe0 && b[1] == 0x1c && b[2] == 0xe0 && b[3] == 0x9c,
		      "kp_enter is E0 1C (%d bytes)", n);
		CHECK(has(run(s, "info mice"), "* Mouse #0: PS/2 mouse"), "info mice lists the PS/2 mouse: %s", out);
		CHECK_STR(run(s, "mouse_move 5 -3"), "", "mouse_move");
		CHECK_STR(run(s, "mouse_button 1"), "", "mouse_button");
	} else {
		CHECK(0, "i8042 device for the sendkey test");
	}
}

static bool list_has(char **l, const char *s)
{
	for (; l && *l; l++)
		if (!strcmp(*l, s))
			return true;
	return false;
}

static void test_complete(struct vm *vm)
{
	char **l = monitor_complete(vm, "ej", 2);
	CHECK(l && !strcmp(l[0], "eject") && !l[1], "complete 'ej' -> eject");
	monitor_free_completions(l);
	l = monitor_complete(vm, "info bl", 7);
	CHECK(l && !strcmp(l[0], "block") && !l[1], "complete 'info bl' -> block");
	monitor_free_completions(l);
	l = monitor_complete(vm, "eject ", 6);
	CHECK(list_has(l, "ide1-cd0") && list_has(l, "hdc") && list_has(l, "hda"), "complete devices");
	monitor_free_completions(l);
	l = monitor_complete(vm, "change ide1", 11);
	CHECK(list_has(l, "ide1-cd0") && !list_has(l, "hda"), "complete device prefix");
	monitor_free_completions(l);
	char line[256];
	snprintf(line, sizeof(line), "change hdc %s/b", tmpdir);
	l = monitor_complete(vm, line, (int)strlen(line));
	char *want = xasprintf("%s/b.iso", tmpdir);
	CHECK(l && !strcmp(l[0], want) && !l[1], "complete file names: %s", l ? l[0] : "(none)");
	free(want);
	monitor_free_completions(l);
	snprintf(line, sizeof(line), "change hdc %s", tmpdir);
	l = monitor_complete(vm, line, (int)strlen(line));
	want = xasprintf("%s/", tmpdir);
	CHECK(l && !strcmp(l[0], want), "a directory completes with a slash");
	free(want);
	monitor_free_completions(l);
	l = monitor_complete(vm, "help sys", 8);
	CHECK(list_has(l, "system_reset") && list_has(l, "system_powerdown"), "complete help argument");
	monitor_free_completions(l);
	l = monitor_complete(vm, "c", 1);
	CHECK(list_has(l, "c") && list_has(l, "cont") && list_has(l, "change"), "complete aliases too");
	monitor_free_completions(l);
	CHECK(monitor_complete(vm, "zzz", 3) == NULL, "no candidates: NULL");
	CHECK(monitor_complete(vm, "stop ", 5) == NULL, "stop takes nothing");
	l = monitor_complete(vm, "sendkey ctrl-alt-del", 20);
	CHECK(l && !strcmp(l[0], "ctrl-alt-delete") && !l[1], "complete key names after '-'");
	monitor_free_completions(l);
	l = monitor_complete(vm, "info ", 5);
	CHECK(list_has(l, "block") && list_has(l, "status") && list_has(l, "registers"), "complete info items");
	monitor_free_completions(l);
	l = monitor_complete(vm, "eject hdc", 6);
	CHECK(list_has(l, "hdc") && list_has(l, "ide1-cd0"), "completion stops at the cursor");
	monitor_free_completions(l);
}

/* set_link, netcap_start and netcap_stop on a VM with two cards. */
static void test_net(void)
{
	struct vm_config cfg;
	vmconfig_defaults(&cfg);
	cfg.n_vifs = 2;
	cfg.vifs[0].model = xstrdup("rtl8139");
	cfg.vifs[1].model = xstrdup("e1000");
	for (unsigned i = 0; i < 2; i++) {
		cfg.vifs[i].type = xstrdup("ioemu");
		memcpy(cfg.vifs[i].mac, "\x00\x16\x3e\x00\x00", 5);
		cfg.vifs[i].mac[5] = (uint8_t)i;
	}
	struct vm *vm = unit_vm_new(16, &cfg, NULL);
	CHECK(pc_create_part(vm, "pci") == 0 && pc_create_part(vm, "rtl8139") == 0 &&
	      pc_create_part(vm, "e1000") == 0, "a VM with an rtl8139 and an e1000");
	struct monitor_session *s = monitor_session_new(vm, collect, NULL, 0);

	char **l = monitor_complete(vm, "set_l", 5);
	CHECK(l && !strcmp(l[0], "set_link") && !l[1], "complete 'set_l' -> set_link");
	monitor_free_completions(l);
	l = monitor_complete(vm, "set_link ", 9);
	CHECK(list_has(l, "rtl8139.0") && list_has(l, "e1000.1") && l && !l[2], "set_link completes the cards");
	monitor_free_completions(l);
	l = monitor_complete(vm, "set_link e1000.1 o", 18);
	CHECK(list_has(l, "on") && list_has(l, "off"), "... then on|off");
	monitor_free_completions(l);
	l = monitor_complete(vm, "netcap_stop e", 13);
	CHECK(l && !strcmp(l[0], "e1000.1") && !l[1], "netcap_stop completes the card");
	monitor_free_completions(l);
	char line[300];
	snprintf(line, sizeof(line), "netcap_start rtl8139.0 %s/b", tmpdir);
	l = monitor_complete(vm, line, (int)strlen(line));
	CHECK(l && has(l[0], "/b.iso"), "netcap_start completes a file name");
	monitor_free_completions(l);

	CHECK(has(run(s, "help set_link"), "set_link name on|off -- change the link status of a network adapter"),
	      "help set_link");
	CHECK(has(run(s, "help"), "netcap_start name filename -- capture a network adapter's frames") &&
	      has(out, "netcap_stop name -- "), "help lists netcap_start and netcap_stop");
	CHECK(!*run(s, "set_link e1000.1 off"), "set_link e1000.1 off prints nothing");
	CHECK(has(run(s, "info network"), "e1000.1: index=1,type=nic,model=e1000,macaddr=00:16:3e:00:00:01,link=down") &&
	      has(out, "rtl8139.0: index=0,type=nic,model=rtl8139,macaddr=00:16:3e:00:00:00,link=up"),
	      "info network: e1000.1 down, rtl8139.0 up");
	CHECK(has(run(s, "set_link e1000.1 sideways"), "set_link: invalid link state 'sideways': on or off"),
	      "a bad state: %s", out);
	CHECK(has(run(s, "set_link nic0 on"), "set_link: no network card 'nic0'"), "an unknown card: %s", out);
	CHECK(has(run(s, "info network"), "e1000.1: index=1,type=nic,model=e1000,macaddr=00:16:3e:00:00:01,link=down"),
	      "... neither changed the link");
	CHECK(!*run(s, "set_link 1 on") && has(run(s, "info network"), "model=e1000,macaddr=00:16:3e:00:00:01,link=up"),
	      "set_link 1 on (the vif index)");
	CHECK(has(run(s, "set_link e1000.1"), "usage: set_link name on|off"), "set_link without a state: usage");
	snprintf(line, sizeof(line), "netcap_start e1000.1 %s/cap.pcap", tmpdir);
	CHECK(!*run(s, line), "netcap_start prints nothing");
	CHECK(has(run(s, "info network"), "   capture ") && has(out, "/cap.pcap: 0 frames 0 bytes written, 0 dropped"),
	      "info network shows the capture: %s", out);
	CHECK(!*run(s, "netcap_stop e1000.1"), "netcap_stop prints nothing");
	CHECK(has(run(s, "netcap_stop e1000.1"), "netcap_stop: e1000.1 is not being captured"), "netcap_stop again");
	monitor_session_free(s);
	vm_destroy(vm);
	vmconfig_free(&cfg);
}

static void test_input(struct vm *vm)
{
	out_len = 0;
	struct monitor_session *s = monitor_session_new(vm, collect, NULL,
						       MONITOR_F_BANNER | MONITOR_F_PROMPT);
	CHECK(has(out, "vmstation 0.1 monitor - type 'help' for more information\n(vmstation) "),
	      "banner and prompt");
	out_len = 0;
	monitor_session_input(s, "info na", 7);
	CHECK(out_len == 0, "nothing runs before the end of the line");
	monitor_session_input(s, "me\r\nfoo\n", 8);
	CHECK_STR(out, "testvm\n(vmstation) unknown command: 'foo'\n(vmstation) ", "\\r\\n and \\n lines");
	out_len = 0;
	char *big = xmalloc(10000);
	memset(big, 'a', 9999);
	big[9999] = '\n';
	monitor_session_input(s, big, 10000);
	CHECK(has(out, "line too long"), "an overlong line is refused");
	free(big);
	monitor_session_free(s);

	/* the console inside a window needs monitor=1 */
	out_len = 0;
	s = monitor_session_new(vm, collect, NULL, MONITOR_F_WINDOW | MONITOR_F_PROMPT);
	CHECK(has(out, "monitor=1"), "window console refused without monitor=1");
	out_len = 0;
	monitor_session_input(s, "quit\n", 5);
	monitor_session_line(s, "quit");
	CHECK(out_len == 0 && !monitor_session_quit(s), "a refused console runs nothing");
	monitor_session_free(s);
	vm->cfg->monitor = true;
	out_len = 0;
	s = monitor_session_new(vm, collect, NULL, MONITOR_F_WINDOW | MONITOR_F_BANNER);
	CHECK(has(out, "monitor - type 'help'"), "window console allowed with monitor=1");
	monitor_session_free(s);
}

/* Read from fd until the text ends with the prompt (or 5 s pass). */
static char *read_reply(int fd, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	const char *p = monitor_prompt();
	for (int i = 0; i < 500; i++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		ssize_t r = read(fd, buf + n, len - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = 0;
		if (n >= strlen(p) && !strcmp(buf + n - strlen(p), p))
			break;
	}
	return buf;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_socket(struct vm *vm)
{
	char *path = xasprintf("%s/mon.sock", tmpdir);
	char *spec = xasprintf("unix:%s,server,nowait", path);
	CHECK(monitor_start(vm, spec) == 0, "monitor_start unix:");
	struct stat st;
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600,
	      "socket mode 0600 (%o)", st.st_mode & 0777);
	CHECK(monitor_start(vm, spec) < 0, "a second monitor on a live socket is refused");

	int a = connect_to(path), b = connect_to(path);
	CHECK(a >= 0 && b >= 0, "two clients connect");
	char buf[8192];
	CHECK(has(read_reply(a, buf, sizeof(buf)), "monitor - type 'help'"), "client a gets the banner");
	CHECK(has(read_reply(b, buf, sizeof(buf)), "(vmstation) "), "client b gets the prompt");
	(void)!write(b, "info name\n", 10);
	CHECK_STR(read_reply(b, buf, sizeof(buf)), "testvm\n(vmstation) ", "client b: reply then prompt");
	(void)!write(a, "info chardev\r\n", 14);
	read_reply(a, buf, sizeof(buf));
	CHECK(has(buf, "compat_monitor0: filename=unix:") && has(buf, "mon.sock"), "info chardev lists the socket: %s", buf);
	close(b);
	(void)!write(a, "help quit\n", 10);
	CHECK(has(read_reply(a, buf, sizeof(buf)), "quit|q  -- quit") ||
	      has(buf, "quit|q -- quit"), "client a still served after b left: %s", buf);
	close(a);
	CHECK(monitor_start(vm, "tcp:1234") < 0, "unknown monitor spec refused");
	monitor_stop_all(vm);
	CHECK(access(path, F_OK) != 0, "socket file removed at stop");
	free(path);
	free(spec);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	struct vm_config cfg;
	vmconfig_defaults(&cfg);
	free(cfg.name);
	cfg.name = xstrdup("testvm");
	struct vm *vm = unit_vm_new(16, &cfg, NULL);
	CHECK(vm != NULL, "test VM");
	if (!vm)
		return 1;
	free(vm->name);
	vm->name = xstrdup("testvm");
	struct blockdev *hd = block_new(BLK_DISK, "ide0-hd0", "hda");
	char *img = make_file("disk.img", 4096, 0);
	char err[256];
	CHECK(block_insert(hd, img, false, err, sizeof(err)) == 0, "disk image");
	vm_add_block(vm, hd);
	struct blockdev *cd = block_new(BLK_CDROM, "ide1-cd0", "hdc");
	vm_add_block(vm, cd);

	struct monitor_session *s = monitor_session_new(vm, collect, NULL, 0);
	test_parser(s);
	test_block(s, vm, cd);
	test_memory(s, vm);
	test_devices(s, vm);
	test_complete(vm);
	test_net();
	monitor_session_free(s);
	test_input(vm);
	test_socket(vm);

	vm_destroy(vm);
	vmconfig_free(&cfg);
	free(img);
	char *cmd = xasprintf("rm -rf %s", tmpdir);
	(void)!system(cmd);
	free(cmd);
	return UNIT_DONE();
}
