/*
 * The xl.cfg parser (core/config.c) and the typed VM configuration
 * (core/vmconfig.c): good and bad inputs with their exact file:line:col,
 * every disk spec form, defaults, warnings, and the print/parse round trip.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/cpuid_xend.h"
#include "unit.h"
#include "core/util.h"
#include "core/vmconfig.h"

static char err[512];

static struct cfg *parse(const char *text)
{
	return cfg_parse_string("t.cfg", text, strlen(text), err, sizeof(err));
}

/* Input shown in test names: the first 40 bytes, newlines as \n. */
static const char *shown(const char *text)
{
	static char buf[128];
	size_t o = 0;
	for (const char *p = text; *p && o < 40; p++) {
		if (*p == '\n' || *p == '\t') {
			buf[o++] = '\\';
			buf[o++] = *p == '\n' ? 'n' : 't';
		} else {
			buf[o++] = (unsigned char)*p < 0x20 ? '?' : *p;
		}
	}
	buf[o] = 0;
	return buf;
}

/* The parse must fail with an error starting "t.cfg:LINE:COL: " and containing what. */
static void parse_fails(const char *text, int line, int col, const char *what)
{
	char prefix[64];
	struct cfg *cfg = parse(text);
	snprintf(prefix, sizeof(prefix), "t.cfg:%d:%d: ", line, col);
	CHECK(!cfg && !strncmp(err, prefix, strlen(prefix)) && strstr(err, what),
	      "bad input %s -> '%s' (want %s...%s)", shown(text), err, prefix, what);
	cfg_free(cfg);
}

static struct cfg_value *val(struct cfg *cfg, const char *key)
{
	struct cfg_entry *e = cfg ? cfg_lookup(cfg, key) : NULL;
	return e ? e->val : NULL;
}

/* ---- stderr capture for warnings and errors ---- */

static char *captured;

static int saved_fd = -1;
static FILE *cap_file;

static void capture_start(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	saved_fd = dup(2);
	dup2(fileno(cap_file), 2);
}

static void capture_end(void)
{
	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	long n = ftell(cap_file);
	free(captured);
	captured = calloc(1, (size_t)n + 1);
	rewind(cap_file);
	if (fread(captured, 1, (size_t)n, cap_file) != (size_t)n)
		captured[0] = 0;
	fclose(cap_file);
}

/* Builds a vm_config from text named "t.cfg"; the messages end up in captured. */
static int load(struct vm_config *vc, const char *text)
{
	struct cfg *cfg = parse(text);
	if (!cfg) {
		free(captured);
		captured = xstrdup(err);
		memset(vc, 0, sizeof(*vc));
		return -2;
	}
	capture_start();
	int rc = vmconfig_from_cfg(vc, cfg);
	capture_end();
	cfg_free(cfg);
	return rc;
}

static bool said(const char *what) { return captured && strstr(captured, what); }

/* The config must be refused with exactly this message prefix. */
static void vm_fails(const char *text, const char *prefix, const char *what)
{
	struct vm_config vc;
	int rc = load(&vc, text);
	CHECK(rc == -1 && said(prefix) && said(what), "refused: %s -> %s", shown(text),
	      captured ? captured : "");
	vmconfig_free(&vc);
}

static char *print_to_string(const struct vm_config *vc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	vmconfig_print(vc, f);
	fclose(f);
	return buf;
}

/* parse, print, parse the output, print again: the two prints are identical. */
static void round_trip(const char *what, const char *text)
{
	struct vm_config a, b;
	if (load(&a, text)) {
		CHECK(0, "round trip %s: first load failed: %s", what, captured);
		return;
	}
	char *p1 = print_to_string(&a);
	int rc = load(&b, p1);
	char *p2 = rc ? NULL : print_to_string(&b);
	CHECK(rc == 0 && p2 && !strcmp(p1, p2), "round trip %s%s%s", what,
	      rc ? ": second load failed: " : "", rc ? captured : "");
	if (p2 && strcmp(p1, p2))
		printf("--- first\n%s--- second\n%s", p1, p2);
	free(p1);
	free(p2);
	vmconfig_free(&a);
	vmconfig_free(&b);
}

/* ---- the parser ---- */

static void test_parser_basics(void)
{
	struct cfg *cfg = parse("# a VM\nname = \"x\"   # trailing comment\n  memory=512\n\n"
				"vcpus = 0x10\nmask = 010\nzero = 0\nneg = -3600\n"
				"s2 = 'single'\n");
	CHECK(cfg != NULL, "simple file parses (%s)", err);
	if (!cfg)
		return;
	CHECK_EQ(cfg->n, 7, "seven assignments");
	CHECK_STR(val(cfg, "name")->str, "x", "double-quoted string");
	CHECK_EQ(val(cfg, "memory")->type, CFG_NUMBER, "number type");
	CHECK_EQ(val(cfg, "memory")->num, 512, "decimal");
	CHECK_EQ(val(cfg, "vcpus")->num, 16, "hex 0x10");
	CHECK_EQ(val(cfg, "mask")->num, 8, "octal 010");
	CHECK_EQ(val(cfg, "zero")->num, 0, "zero");
	CHECK_EQ(val(cfg, "neg")->num, -3600, "negative");
	CHECK_STR(val(cfg, "vcpus")->str, "0x10", "number text kept as written");
	CHECK_STR(val(cfg, "s2")->str, "single", "single-quoted string");
	struct cfg_entry *e = cfg_lookup(cfg, "memory");
	CHECK(e->line == 3 && e->col == 3 && e->val->line == 3 && e->val->col == 10,
	      "key and value positions (%d:%d, %d:%d)", e->line, e->col, e->val->line, e->val->col);
	CHECK(e->used, "cfg_lookup marks the key used");
	CHECK(cfg_lookup(cfg, "nothere") == NULL, "absent key -> NULL");
	cfg_free(cfg);
}

static void test_parser_separators(void)
{
	struct cfg *cfg = parse("a=1; b=2;c='x';;\n;d = [1,2] ; e = 'y'");
	CHECK(cfg && cfg->n == 5, "';' separates statements, last without newline (%s)", err);
	if (cfg) {
		CHECK_STR(val(cfg, "e")->str, "y", "statement at EOF without newline");
		CHECK_EQ(val(cfg, "d")->n, 2, "list before ';'");
	}
	cfg_free(cfg);

	cfg = parse("a = 1\r\nb = 'two'\r\n");
	CHECK(cfg && cfg->n == 2 && !strcmp(val(cfg, "b")->str, "two"), "CRLF line ends");
	cfg_free(cfg);

	cfg = parse("\xef\xbb\xbf" "a = 1\n");
	CHECK(cfg && cfg->n == 1 && cfg->entries[0].col == 1, "UTF-8 byte-order mark skipped");
	cfg_free(cfg);

	cfg = parse("");
	CHECK(cfg && cfg->n == 0, "empty input");
	cfg_free(cfg);
	cfg = parse("# only a comment");
	CHECK(cfg && cfg->n == 0, "only a comment, no newline");
	cfg_free(cfg);

	cfg = parse("a = 1\na = 2\n");
	CHECK(cfg && val(cfg, "a")->num == 2, "the last assignment wins");
	CHECK(cfg && cfg->entries[0].used && cfg->entries[1].used, "both assignments count as used");
	cfg_free(cfg);

	cfg = parse("full-screen = 1\nx.y_z = 2\n");
	CHECK(cfg && cfg->n == 2, "keys with '-', '.', '_'");
	cfg_free(cfg);
}

static void test_parser_strings(void)
{
	struct cfg *cfg = parse("s = 'a\\'b\\\\c\\n\\x41\\101\"\\t'\nt = \"it's \\\"q\\\"\"\nu = ''\n"
				"v = '\\a\\b\\f\\r\\v\\7'\nw = 'caf\xc3\xa9 # not a comment'\n");
	CHECK(cfg != NULL, "escapes parse (%s)", err);
	if (!cfg)
		return;
	CHECK_STR(val(cfg, "s")->str, "a'b\\c\nAA\"\t", "escapes \\' \\\\ \\n \\x41 \\101");
	CHECK_STR(val(cfg, "t")->str, "it's \"q\"", "double quotes with \\\"");
	CHECK_STR(val(cfg, "u")->str, "", "empty string");
	CHECK_STR(val(cfg, "v")->str, "\a\b\f\r\v\7", "control escapes");
	CHECK_STR(val(cfg, "w")->str, "caf\xc3\xa9 # not a comment", "UTF-8 and # inside strings");
	cfg_free(cfg);

	parse_fails("a = 'abc\nb = 1\n", 1, 5, "unterminated string");
	parse_fails("x = 1\na = \"abc", 2, 5, "unterminated string");
	parse_fails("a = 'ab\\q'\n", 1, 8, "unknown escape");
	parse_fails("a = '\\xZZ'\n", 1, 6, "two hex digits");
	parse_fails("a = 'x\\0y'\n", 1, 7, "NUL");
	parse_fails("a = 'x\\\n", 1, 5, "unterminated string");
	static const char nul[] = "a = 'x\0y'\n";
	struct cfg *c2 = cfg_parse_string("t.cfg", nul, sizeof(nul) - 1, err, sizeof(err));
	CHECK(!c2 && !strncmp(err, "t.cfg:1:7: ", 11), "NUL byte in a string (%s)", err);
	cfg_free(c2);
}

static void test_parser_numbers(void)
{
	parse_fails("a = 09\n", 1, 5, "invalid number");
	parse_fails("a = 12abc\n", 1, 5, "invalid number");
	parse_fails("a = 0x\n", 1, 5, "invalid number");
	parse_fails("a = 1.5\n", 1, 5, "invalid number");
	parse_fails("a = 0x1g\n", 1, 5, "invalid number");
	parse_fails("a = 99999999999999999999\n", 1, 5, "out of range");
	parse_fails("a = 0x8000000000000000\n", 1, 5, "out of range");
	struct cfg *cfg = parse("a = 0x7fffffffffffffff\nb = 0XfF\nc = 0777\n");
	CHECK(cfg && val(cfg, "a")->num == 0x7fffffffffffffffLL && val(cfg, "b")->num == 255 &&
	      val(cfg, "c")->num == 511, "largest number, 0X, octal 0777");
	cfg_free(cfg);
}

static void test_parser_lists(void)
{
	struct cfg *cfg = parse("disk = [\n  'a',   # first\n\n  'b',\n]\nempty = []\ne2 = [ \n ]\n"
				"nest = [ 1, [ 'x', [] ], 'y' ]\nmixed = ['s', 2]\n");
	CHECK(cfg != NULL, "lists parse (%s)", err);
	if (!cfg)
		return;
	struct cfg_value *d = val(cfg, "disk");
	CHECK(d->type == CFG_LIST && d->n == 2, "list over lines with comments and trailing comma");
	CHECK(d->items[1]->line == 4 && d->items[1]->col == 3, "item position 4:3 (%d:%d)",
	      d->items[1]->line, d->items[1]->col);
	CHECK_EQ(val(cfg, "empty")->n, 0, "empty list");
	CHECK_EQ(val(cfg, "e2")->n, 0, "empty list over lines");
	struct cfg_value *n = val(cfg, "nest");
	CHECK(n->n == 3 && n->items[1]->type == CFG_LIST && n->items[1]->n == 2 &&
	      n->items[1]->items[1]->type == CFG_LIST && n->items[1]->items[1]->n == 0,
	      "nested lists");
	CHECK(val(cfg, "mixed")->items[1]->type == CFG_NUMBER, "heterogeneous list");
	cfg_free(cfg);

	parse_fails("a = [1, 2\n\nb = 3\n", 3, 1, "in the list opened at 1:5");
	parse_fails("a = [1, 2", 1, 5, "unterminated list");
	parse_fails("a = [\n 1,\n 2 3]\n", 3, 4, "expected ',' or ']'");
	parse_fails("a = [,]\n", 1, 6, "missing value");
	parse_fails("a = [1,,2]\n", 1, 8, "missing value");
	parse_fails("a = 1, 2\n", 1, 6, "after value");

	/* += appends lists and concatenates strings (as xl) */
	cfg = parse("disk = ['a']\nother = 1\ndisk += ['b', 'c']\ns = 'ab'\ns += 'cd'\nnew += ['z']\n");
	CHECK(cfg != NULL, "+= parses (%s)", err);
	if (cfg) {
		d = val(cfg, "disk");
		CHECK(d->n == 3 && !strcmp(d->items[2]->str, "c") && d->items[2]->line == 3,
		      "+= appends list items, keeping their lines");
		CHECK_STR(val(cfg, "s")->str, "abcd", "+= concatenates strings");
		CHECK_EQ(val(cfg, "new")->n, 1, "+= on a new key assigns");
		CHECK_EQ(cfg->n, 4, "+= adds no entry");
	}
	cfg_free(cfg);
	parse_fails("a = ['x']\na += 'y'\n", 2, 6, "cannot add a string");
	parse_fails("m = 1\nm += 2\n", 2, 6, "numbers");

	/* nesting is bounded */
	char deep[200];
	memset(deep, 0, sizeof(deep));
	strcpy(deep, "a = ");
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	parse_fails(deep, 1, 37, "nested too deeply");
	strcpy(deep, "a = ");
	for (int i = 0; i < 20; i++)
		strcat(deep, "[");
	for (int i = 0; i < 20; i++)
		strcat(deep, "]");
	cfg = parse(deep);
	CHECK(cfg != NULL, "20 nested lists are fine");
	cfg_free(cfg);
}

static void test_parser_errors(void)
{
	parse_fails("memory = 128 + 64\n", 1, 14, "Python");
	parse_fails("disk = ['a'] + ['b']\n", 1, 14, "Python");
	parse_fails("x = (1, 2)\n", 1, 5, "Python");
	parse_fails("print('hi')\n", 1, 6, "Python");
	parse_fails("import os\n", 1, 8, "expected '='");
	parse_fails("name = foo\n", 1, 8, "unquoted word");
	parse_fails("a =\n", 1, 4, "missing value");
	parse_fails("a = ;\n", 1, 5, "missing value");
	parse_fails("a 1\n", 1, 3, "expected '='");
	parse_fails("ok = 1\n\t= 2\n", 2, 2, "at start of statement");
	parse_fails("a = 'x' 'y'\n", 1, 9, "after value");
	parse_fails("a = 1 b = 2\n", 1, 7, "after value");
	parse_fails("\x01 = 1\n", 1, 1, "byte 0x01");
	parse_fails("a = 1\n\n  9 = 2\n", 3, 3, "at start of statement");
	parse_fails("a = [1,\n 2,\n # c\n  'x\n]\n", 4, 3, "unterminated string");
	/* column counts bytes from 1, a tab is one column */
	parse_fails("\ta\t=\t@\n", 1, 6, "unexpected '@'");

	struct cfg *cfg = cfg_parse_file("/nonexistent/x.cfg", err, sizeof(err));
	CHECK(!cfg && strstr(err, "/nonexistent/x.cfg: cannot read"), "missing file (%s)", err);
}

static void test_parser_long(void)
{
	/* 20000 statements and a 1 MiB string */
	size_t cap = 3 << 20, len = 0;
	char *text = malloc(cap);
	for (int i = 0; i < 20000; i++)
		len += (size_t)snprintf(text + len, cap - len, "key%d = [ 'v%d', %d ]\n", i, i, i);
	len += (size_t)snprintf(text + len, cap - len, "big = '");
	memset(text + len, 'x', 1 << 20);
	len += 1 << 20;
	len += (size_t)snprintf(text + len, cap - len, "'\nlast = 1");
	struct cfg *cfg = cfg_parse_string("t.cfg", text, len, err, sizeof(err));
	CHECK(cfg && cfg->n == 20002, "20002 statements (%s)", err);
	CHECK(cfg && strlen(val(cfg, "big")->str) == 1 << 20, "1 MiB string");
	CHECK(cfg && val(cfg, "key19999")->items[1]->num == 19999, "last list");
	struct cfg_entry *e = cfg ? cfg_lookup(cfg, "last") : NULL;
	CHECK(e && e->line == 20002, "line count after a long input (%d)", e ? e->line : -1);
	cfg_free(cfg);
	/* an error deep in a long file has the right line */
	len = 0;
	for (int i = 0; i < 5000; i++)
		len += (size_t)snprintf(text + len, cap - len, "k%d = %d\n", i, i);
	len += (size_t)snprintf(text + len, cap - len, "bad = +1\n");
	cfg = cfg_parse_string("t.cfg", text, len, err, sizeof(err));
	CHECK(!cfg && !strncmp(err, "t.cfg:5001:7: ", 14), "error at line 5001 (%s)", err);
	free(text);
}

/* ---- the typed configuration ---- */

static const char winxp[] =
	"kernel = \"hvmloader\"\n"
	"builder='hvm'\n"
	"memory = 512\n"
	"name = \"winxp\"\n"
	"vcpus=1\n"
	"pae=0\n"
	"acpi=0\n"
	"apic=0\n"
	"cpus = \"\"\n"
	"vif = [ 'bridge=xenbr0' ]\n"
	"disk = [\n"
	"'file:/root/xenimages/winXP128.img,hda,w',\n"
	"'file:/root/xenimages/en_winxp_pro_with_sp2.iso,hdc:cdrom,r'\n"
	"]\n"
	"on_poweroff = 'destroy'\n"
	"on_reboot = 'destroy'\n"
	"on_crash = 'destroy'\n"
	"device_model = 'qemu-dm'\n"
	"boot='d'\n"
	"sdl=0\n"
	"vnc=1\n"
	"vncconsole=0\n"
	"stdvga=0\n"
	"serial='pty'\n";

static void test_defaults(void)
{
	struct vm_config vc;
	CHECK_EQ(load(&vc, ""), 0, "empty file loads");
	CHECK(!captured[0], "no messages for an empty file ('%s')", captured);
	CHECK_STR(vc.name, "t", "name defaults to the file's base name");
	CHECK_EQ(vc.memory_mib, 128, "memory default");
	CHECK_EQ(vc.vcpus, 1, "vcpus default");
	CHECK_STR(vc.firmware, "/usr/share/seabios/bios.bin", "firmware default");
	CHECK_STR(vc.vgabios, "/usr/share/seabios/vgabios-stdvga.bin", "vgabios default");
	CHECK_STR(vc.boot_menu_key, "esc", "boot_menu_key default (SeaBIOS 1.16's own)");
	CHECK(!vc.kernel && !vc.ramdisk && !vc.cmdline && !vc.cpuid, "no kernel, no cpuid");
	CHECK(vc.acpi && vc.apic && vc.pae && vc.hpet && !vc.localtime && vc.rtc_timeoffset == 0,
	      "acpi apic pae hpet on, localtime off");
	CHECK(vc.on_poweroff == ACT_DESTROY && vc.on_reboot == ACT_RESTART &&
	      vc.on_crash == ACT_DESTROY, "actions destroy/restart/destroy");
	CHECK(!vc.disks[0].present && !vc.disks[2].present && !vc.fd[0].path, "no drives");
	CHECK_STR(vc.boot, "cd", "boot default");
	CHECK(vc.n_serial == 1 && !strcmp(vc.serial[0], "none"), "serial default 'none'");
	CHECK(!vc.debugcon && !vc.monitor_path && !vc.monitor, "debugcon NULL, no monitor");
	CHECK_STR(vc.vga, "stdvga", "vga default");
	CHECK_EQ(vc.videoram_mib, 16, "videoram default");
	CHECK(!vc.sdl && vc.vnc && vc.vncunused && vc.vncdisplay == 0 && !vc.nographic &&
	      !vc.full_screen, "display defaults (xl: vnc=1, vncunused=1)");
	CHECK_STR(vc.vnclisten, "127.0.0.1", "vnclisten default");
	CHECK_STR(vc.keymap, "en-us", "keymap default");
	CHECK(!vc.usb && vc.n_usbdevice == 0 && vc.n_soundhw == 0, "no usb, no sound");
	CHECK(vc.sb16_port == 0x220 && vc.sb16_irq == 5 && vc.sb16_dma == 1 && vc.sb16_hdma == 5,
	      "sb16 defaults 0x220/5/1/5");
	CHECK(!vc.audio, "audio back end: default");
	char *ld = xasprintf("%s/t", state_dir());
	CHECK_STR(vc.log_dir, ld, "log_dir defaults to state_dir()/name");
	free(ld);
	CHECK_STR(vc.file, "t.cfg", "file recorded");
	vmconfig_free(&vc);

	struct vm_config d;
	vmconfig_defaults(&d);
	CHECK(d.memory_mib == 128 && !strcmp(d.name, "vm") && !strcmp(d.boot, "cd"),
	      "vmconfig_defaults");
	vmconfig_free(&d);
}

static void test_winxp(void)
{
	struct vm_config vc;
	int rc = load(&vc, winxp);
	CHECK_EQ(rc, 0, "the xm-era Windows XP file loads");
	printf("# messages:\n%s", captured);
	CHECK(said("t.cfg:1:10: note: kernel='hvmloader'") && said("SeaBIOS"),
	      "hvmloader note at 1:10");
	CHECK(!vc.kernel, "hvmloader is not a Linux kernel");
	CHECK(!said("'pae'"), "pae is acted on, without a warning");
	CHECK(!said("'cpus'") && !vc.n_cpus, "cpus = \"\" means unpinned, without a warning");
	CHECK(!said("xenbr0"), "vif bridge= taken without a warning (the VM says at its start "
	      "if the bridge cannot be had)");
	CHECK_EQ(vc.n_vifs, 1, "one vif: an rtl8139");
	CHECK(said("t.cfg:18:1: warning: 'device_model' accepted but not acted on"),
	      "device_model warned");
	CHECK(said("t.cfg:23:8: note: stdvga=0"), "stdvga=0 noted");
	CHECK(!said("unknown key"), "no unknown keys");
	CHECK_STR(vc.name, "winxp", "name");
	CHECK_EQ(vc.memory_mib, 512, "memory");
	CHECK(!vc.pae && !vc.acpi && !vc.apic, "pae acpi apic off");
	struct disk_spec *a = &vc.disks[0], *c = &vc.disks[2];
	CHECK(a->present && !strcmp(a->path, "/root/xenimages/winXP128.img") && a->kind == DISK_HD &&
	      !a->readonly && a->index == 0 && !strcmp(a->format, "raw"), "hda image rw");
	CHECK(a->line == 12 && a->col == 1, "hda configured at 12:1 (%d:%d)", a->line, a->col);
	CHECK(c->present && !strcmp(c->path, "/root/xenimages/en_winxp_pro_with_sp2.iso") &&
	      c->kind == DISK_CDROM && c->readonly && c->index == 2, "hdc CD-ROM ro");
	CHECK(!vc.disks[1].present && !vc.disks[3].present, "hdb, hdd empty");
	CHECK(vc.on_reboot == ACT_DESTROY, "on_reboot destroy");
	CHECK_STR(vc.boot, "d", "boot d");
	CHECK(!vc.sdl && vc.vnc && !vc.vncconsole, "vnc on, sdl off");
	CHECK_STR(vc.vga, "stdvga", "stdvga=0 keeps stdvga");
	CHECK(vc.n_serial == 1 && !strcmp(vc.serial[0], "pty"), "serial pty");
	vmconfig_free(&vc);
}

static void disk_ok(const char *spec, int idx, const char *path, enum disk_kind kind, bool ro,
		    bool phy)
{
	struct vm_config vc;
	char *text = xasprintf("disk = [ '%s' ]\n", spec);
	int rc = load(&vc, text);
	struct disk_spec *d = rc == 0 ? &vc.disks[idx] : NULL;
	CHECK(d && d->present && d->index == idx && d->kind == kind && d->readonly == ro &&
	      d->phy == phy && ((!path && !d->path) || (path && d->path && !strcmp(path, d->path))),
	      "disk '%s' -> hd%c %s %s%s%s", spec, 'a' + idx, path ? path : "(empty)",
	      kind == DISK_CDROM ? "cdrom" : "disk", ro ? " ro" : " rw", rc ? captured : "");
	free(text);
	vmconfig_free(&vc);
}

static void test_disks(void)
{
	disk_ok("file:/x.img,hda,w", 0, "/x.img", DISK_HD, false, false);
	disk_ok("file:/y.iso,hdc:cdrom,r", 2, "/y.iso", DISK_CDROM, true, false);
	disk_ok("phy:/dev/sdb,hdb,r", 1, "/dev/sdb", DISK_HD, true, true);
	disk_ok(",hdc:cdrom,r", 2, NULL, DISK_CDROM, true, false);
	disk_ok("/x.img,raw,hda,rw", 0, "/x.img", DISK_HD, false, false);
	disk_ok("/x.img,,hdb", 1, "/x.img", DISK_HD, false, false);
	disk_ok("/y.iso,raw,hdd,ro,devtype=cdrom", 3, "/y.iso", DISK_CDROM, true, false);
	disk_ok("vdev=hdc,devtype=cdrom,access=ro,format=raw,target=/p", 2, "/p", DISK_CDROM, true,
		false);
	disk_ok("format=raw,vdev=hdb,access=rw,target=/a,b=c.img", 1, "/a,b=c.img", DISK_HD, false,
		false);
	disk_ok("vdev=hda, access=rw, target=/spaced.img", 0, "/spaced.img", DISK_HD, false, false);
	disk_ok("tap:aio:/z.img,hdb,w", 1, "/z.img", DISK_HD, false, false);
	disk_ok("tap2:/z.img,hdb,w", 1, "/z.img", DISK_HD, false, false);
	disk_ok("aio:/z.img,hda,w", 0, "/z.img", DISK_HD, false, false);
	disk_ok("ioemu:/z.img,hda,w", 0, "/z.img", DISK_HD, false, false);
	disk_ok("tapdisk:/z.img,hda,w", 0, "/z.img", DISK_HD, false, false);
	disk_ok("raw:/z.img,hda,w", 0, "/z.img", DISK_HD, false, false);
	disk_ok("file:rel/ative.img,hda,w!", 0, "rel/ative.img", DISK_HD, false, false);
	disk_ok("file:/y.iso,hdc,r,cdrom", 2, "/y.iso", DISK_CDROM, true, false);
	disk_ok("file:/y.iso,hdc:cdrom,w", 2, "/y.iso", DISK_CDROM, true, false); /* CDs are ro */
	disk_ok("devtype=cdrom,,,hdc", 2, NULL, DISK_CDROM, true, false);
	disk_ok("/x.img,raw,hda,rw,", 0, "/x.img", DISK_HD, false, false);

	struct vm_config vc;
	CHECK_EQ(load(&vc, "disk = 'file:/one.img,hda,w'\n"), 0, "disk as a single string");
	CHECK(vc.disks[0].present, "single-string disk present");
	vmconfig_free(&vc);

	vm_fails("disk = [ 'file:/x.img,xvde,w' ]\n", "t.cfg:1:10: disk 'file:/x.img,xvde,w': ",
		 "'xvde' is beyond the four IDE positions (xvda-xvdd)");
	vm_fails("disk = [\n  'file:/x.img,hda,w',\n  '/x.img,raw,sda,rw' ]\n", "t.cfg:3:3: ",
		 "'sda': xl puts sdX hard disks on an emulated SCSI controller");
	vm_fails("disk = [ 'file:/x.img,hde,w' ]\n", "t.cfg:1:10: ",
		 "'hde' is beyond the four IDE positions (hda-hdd)");
	vm_fails("disk = [ 'file:/a.img,hda,w',\n 'file:/b.img,hda,w' ]\n", "t.cfg:2:2: ",
		 "hda is already configured at line 1");
	vm_fails("disk = [ ',hda,w' ]\n", "t.cfg:1:10: ", "a hard disk needs an image");
	vm_fails("disk = [ 'vhd:/x.vhd,hda,w' ]\n", "t.cfg:1:10: ", "'vhd' is not supported");
	vm_fails("disk = [ '/x.qed,qed,hda,w' ]\n", "t.cfg:1:10: ", "'qed' is not supported");
	vm_fails("disk = [ '/x.qcow,qcow,hda,w' ]\n", "t.cfg:1:10: ", "'qcow' is not supported");
	const char *const q2[] = { "qcow2:/x.qcow2,hda,w", "/x.qcow2,qcow2,hda,w",
				   "format=qcow2,vdev=hda,target=/x.qcow2" };
	for (unsigned i = 0; i < 3; i++) {
		char *t = xasprintf("disk = [ '%s' ]\n", q2[i]);
		CHECK(load(&vc, t) == 0 && vc.disks[0].present && vc.disks[0].format_set &&
		      !strcmp(vc.disks[0].format, "qcow2"), "'%s': format qcow2, no probing", q2[i]);
		vmconfig_free(&vc);
		free(t);
	}
	CHECK(load(&vc, "disk = [ '/x.img,hda,w' ]\n") == 0 && !vc.disks[0].format_set &&
	      !strcmp(vc.disks[0].format, "raw"), "no format given: raw unless the image is qcow2");
	vmconfig_free(&vc);
	CHECK(load(&vc, "disk = [ '/x.img,raw,hda,w' ]\n") == 0 && vc.disks[0].format_set,
	      "format raw given: no probing");
	vmconfig_free(&vc);
	vm_fails("disk = [ 'file:/x.img,hda,x' ]\n", "t.cfg:1:10: ", "unknown access 'x'");
	vm_fails("disk = [ 'file:/x.img' ]\n", "t.cfg:1:10: ", "no drive position");
	vm_fails("disk = [ 'file:/x.img,hda:floppy,w' ]\n", "t.cfg:1:10: ", "unknown device type");
	vm_fails("disk = [ 'file:/x.img,hda,w,extra' ]\n", "t.cfg:1:10: ", "too many positional");
	vm_fails("disk = [ 'foo=bar,/x.img,hda' ]\n", "t.cfg:1:10: ", "unknown parameter 'foo=bar'");
	vm_fails("disk = [ ['nested'] ]\n", "t.cfg:1:10: ", "expected a string, not a list");
	vm_fails("disk = 5\n", "t.cfg:1:8: ", "disk '5'");
}

/* The spec loads with drive idx in this format, and the messages contain note ("" none). */
static void disk_fmt(const char *spec, int idx, const char *format, const char *note)
{
	struct vm_config vc;
	char *text = xasprintf("disk = [ '%s' ]\n", spec);
	int rc = load(&vc, text);
	struct disk_spec *d = rc == 0 ? &vc.disks[idx] : NULL;
	CHECK(d && d->present && d->format && !strcmp(d->format, format) &&
	      (*note ? said(note) : !said("note:")), "disk '%s' -> hd%c format %s %s%s", spec,
	      'a' + idx, format, note, captured ? captured : "");
	free(text);
	vmconfig_free(&vc);
}

/* xl-disk-configuration(5) as libxlu reads it, and the HVM IDE positions xl gives. */
static void test_disks_xl(void)
{
	/* the Xen HVM guide's form: ioemu: before the vdev */
	disk_ok("file:/x/winXP128.img,ioemu:hda,w", 0, "/x/winXP128.img", DISK_HD, false, false);
	disk_ok("file:/x/winxp.iso,ioemu:hdc:cdrom,r", 2, "/x/winxp.iso", DISK_CDROM, true, false);
	/* xvdX and sdX CD-ROMs take the IDE position xl gives them, with a note */
	disk_ok("file:/x.img,xvda,w", 0, "/x.img", DISK_HD, false, false);
	disk_ok("file:/x.img,xvdb,w", 1, "/x.img", DISK_HD, false, false);
	disk_ok("/x.iso,raw,xvdc:cdrom,r", 2, "/x.iso", DISK_CDROM, true, false);
	disk_ok("format=raw,vdev=xvdd,access=rw,target=/d.img", 3, "/d.img", DISK_HD, false, false);
	disk_ok("/x.iso,,sdc,cdrom", 2, "/x.iso", DISK_CDROM, true, false);
	disk_fmt("file:/x.img,xvda,w", 0, "raw",
		 "t.cfg:1:10: note: disk 'file:/x.img,xvda,w': 'xvda' is emulated as hda, the IDE "
		 "primary master");
	disk_fmt("file:/x.img,xvdd,w", 3, "raw", "'xvdd' is emulated as hdd, the IDE secondary slave");
	disk_fmt("file:/x.img,hda,w", 0, "raw", "");
	/* formats: qcow2 is parsed for the block layer in each spelling */
	disk_fmt("format=qcow2,vdev=hda,target=/q.qcow2", 0, "qcow2", "");
	disk_fmt("tap:qcow2:/q.qcow2,hda,w", 0, "qcow2", "");
	disk_fmt("qcow2:/q.qcow2,hdb,w", 1, "qcow2", "");
	disk_fmt("/q.qcow2,qcow2,hdb,w", 1, "qcow2", "");
	disk_fmt("tap:aio:/r.img,hda,w", 0, "raw", "");
	disk_fmt("raw:/r.img,hda,w", 0, "raw", "");
	disk_ok("tap:qcow2:/q.qcow2,hdb,r", 1, "/q.qcow2", DISK_HD, true, false);
	/* target= takes the rest, commas and "key=" included, as in xl */
	disk_ok("vdev=hdb,access=r,target=/a,b,vdev=hdc.img", 1, "/a,b,vdev=hdc.img", DISK_HD, true,
		false);
	disk_ok("devtype=cdrom, vdev=hdc, target=/my disks/x,1.iso,", 2, "/my disks/x,1.iso",
		DISK_CDROM, true, false);
	vm_fails("disk = [ 'target=/p.img,vdev=hda,access=rw' ]\n", "t.cfg:1:10: ",
		 "target= takes the rest of the spec, so the ',vdev=' after it is part of the path");
	vm_fails("disk = [ '/a.img,target=/b.img,vdev=hda' ]\n", "t.cfg:1:10: ", "target given twice");
	/* partitions are for PV guests; beyond hdd nothing is emulated */
	vm_fails("disk = [ 'file:/x.img,hda1,w' ]\n", "t.cfg:1:10: ",
		 "'hda1' is a partition: partition names are for PV guests");
	vm_fails("disk = [ 'phy:/dev/vg/root,xvda2,w' ]\n", "t.cfg:1:10: ",
		 "'xvda2' is a partition: partition names are for PV guests, an HVM guest sees whole "
		 "disks (use xvda)");
	vm_fails("disk = [ '/x.img,raw,xvdaa,w' ]\n", "t.cfg:1:10: ", "'xvdaa' is beyond the four IDE");
	vm_fails("disk = [ '/x.iso,raw,sde:cdrom,r' ]\n", "t.cfg:1:10: ", "'sde' is beyond the four");
	vm_fails("disk = [ '/x.img,raw,vda,w' ]\n", "t.cfg:1:10: ", "'vda' is not a disk name");
	vm_fails("disk = [ '/x.img,raw,xvd,w' ]\n", "t.cfg:1:10: ", "'xvd' is not a disk name");
	/* xl's block scripts and unknown prefixes are refused */
	vm_fails("disk = [ 'nbd:server:10809,xvda,w' ]\n", "t.cfg:1:10: ",
		 "'nbd:' needs xl's block-nbd script, which vmstation does not run");
	vm_fails("disk = [ 'iscsi:iqn.2001-05.com.example:disk,hda,w' ]\n", "t.cfg:1:10: ",
		 "'iscsi:' needs xl's block-iscsi script");
	vm_fails("disk = [ 'drbd:r0,hda,w' ]\n", "t.cfg:1:10: ", "'drbd:' needs xl's block-drbd");
	vm_fails("disk = [ 'format=raw,vdev=hda,script=block-iscsi,target=x' ]\n", "t.cfg:1:10: ",
		 "does not run xl's block scripts");
	vm_fails("disk = [ 'foo:/x.img,hda,w' ]\n", "t.cfg:1:10: disk 'foo:/x.img,hda,w': ",
		 "unknown disk prefix 'foo:'");
	vm_fails("disk = [ '/x.img,raw,hda:,w' ]\n", "t.cfg:1:10: ", "unknown disk prefix 'hda:'");
	vm_fails("disk = [ 'format=vmdk,vdev=hda,target=/x' ]\n", "t.cfg:1:10: ",
		 "unknown value for format 'vmdk'");
	vm_fails("disk = [ '/x.img,raw,hda,w,devtype=floppy' ]\n", "t.cfg:1:10: ", "unknown devtype");
	vm_fails("disk = [ 'vdev=hda,vdev=hdb,target=/x' ]\n", "t.cfg:1:10: ", "vdev given twice");
	/* a canonical print of a qcow2 disk reads back the same */
	round_trip("qcow2 and xvd disks",
		   "disk = [ 'tap:qcow2:/q.qcow2,xvda,w', 'file:/x.iso,ioemu:hdc:cdrom,r' ]\n");
}

/* audio= as an xl boolean; the list form of cpuid, parsed and applied. */
static void test_audio_cpuid(void)
{
	static const struct { const char *text, *audio; } audio[] = {
		{ "audio = 1\n", NULL }, { "audio = 'yes'\n", NULL }, { "audio = \"true\"\n", NULL },
		{ "audio = 0\n", "none" }, { "audio = 'no'\n", "none" }, { "audio = 'False'\n", "none" },
		{ "audio = 'sdl'\n", "sdl" },
	};
	struct vm_config vc;
	for (size_t i = 0; i < ARRAY_SIZE(audio); i++) {
		int rc = load(&vc, audio[i].text);
		CHECK(rc == 0 && ((!audio[i].audio && !vc.audio) ||
				  (audio[i].audio && vc.audio && !strcmp(vc.audio, audio[i].audio))),
		      "%s -> audio %s (%s)", shown(audio[i].text), audio[i].audio ? audio[i].audio : "auto",
		      captured);
		vmconfig_free(&vc);
	}
	vm_fails("audio = 2\n", "t.cfg:1:9: ", "unknown back end");
	CHECK_EQ(load(&vc, "soundhw = 'sb16,es1370'\naudio = 1\n"), 0, "soundhw es1370 with audio=1");
	CHECK(said("t.cfg:1:11: warning: soundhw 'es1370' is not emulated"), "es1370 still warned");
	vmconfig_free(&vc);

	CHECK_EQ(load(&vc, "cpuid = [ '0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxx1xxx',\n"
			   "  '0x80000001:edx=xx0xxxxxxxxxxxxxxxxxxxxxxxxxxxxx,ecx=kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk0',\n"
			   "  '0xd,1:eax=ssssssssssssssssssssssssssss0000' ]\n"), 0, "cpuid list loads");
	CHECK(vc.n_cpuid_list == 3 && !vc.cpuid && vc.cpuid_list[2] &&
	      !strcmp(vc.cpuid_list[2], "0xd,1:eax=ssssssssssssssssssssssssssss0000"), "3 entries kept");
	vmconfig_free(&vc);
	vm_fails("cpuid = [ '0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxx1xxx',\n '0x1:efx=0' ]\n",
		 "t.cfg:2:2: ", "expected eax=, ebx=, ecx= or edx=");
	vm_fails("cpuid = [ '0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxx2xxx' ]\n", "t.cfg:1:11: ",
		 "ecx bit 3 is '2'");
	vm_fails("cpuid = [ 'leaf1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxx1xxx' ]\n", "t.cfg:1:11: ",
		 "expected a leaf number");
	vm_fails("cpuid = [ '0x1,:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxx1xxx' ]\n", "t.cfg:1:11: ",
		 "expected a subleaf number");
	vm_fails("cpuid = [ '0x1 ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxx1xxx' ]\n", "t.cfg:1:11: ",
		 "expected ':' after the leaf");
	vm_fails("cpuid = [ '0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxx1xxx,ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxx1xxx' ]\n",
		 "t.cfg:1:11: ", "ecx given twice");
	vm_fails("cpuid = [ '0x1:ecx=' ]\n", "t.cfg:1:11: ", "not 0");
	round_trip("cpuid list", "cpuid = [ '0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxx1xxx',"
				 " '7,0:ebx=xxxxxxxxxxxxxxxxxxxxxxxxxxx0xxxx' ]\n");

	/* applied to a CPUID table as KVM would offer it */
	struct kvm_cpuid2 *c = xzalloc(sizeof(*c) + 3 * sizeof(c->entries[0]));
	c->nent = 3;
	c->entries[0] = (struct kvm_cpuid_entry2){ .function = 1, .ecx = 0x80000000, .edx = 0xff };
	c->entries[1] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 0,
						   .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 7 };
	c->entries[2] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 1,
						   .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0xf };
	struct cpuid_xend x;
	char why[256] = "";
	CHECK(!cpuid_xend_parse("0x1:ecx=0xxxxxxxxxxxxxxxxxxxxxxxxxxx1xxx,edx=kkkkkkkkkkkkkkkkkkkkkkkk0000kkk1",
				&x, why, sizeof(why)) && !cpuid_xend_apply(c, &x, why, sizeof(why)),
	      "apply leaf 1 (%s)", why);
	CHECK(c->entries[0].ecx == 0x8 && c->entries[0].edx == 0x0f,
	      "leaf 1: ecx bit 31 cleared, bit 3 set (0x%x); edx bits 7-4 cleared, bit 0 set (0x%x)",
	      c->entries[0].ecx, c->entries[0].edx);
	CHECK(!cpuid_xend_parse("0xd,1:eax=xxxxxxxxxxxxxxxxxxxxxxxxxxxx0x0x", &x, why, sizeof(why)) &&
	      !cpuid_xend_apply(c, &x, why, sizeof(why)), "apply leaf 0xd,1 (%s)", why);
	CHECK(c->entries[2].eax == 0x5 && c->entries[1].eax == 7,
	      "only subleaf 1: bits 3 and 1 cleared (0x%x, subleaf 0 0x%x)", c->entries[2].eax, c->entries[1].eax);
	CHECK(!cpuid_xend_parse("0x40000000:eax=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1", &x, why,
				sizeof(why)) && cpuid_xend_apply(c, &x, why, sizeof(why)) &&
	      strstr(why, "leaf 0x40000000 is not offered by KVM"), "setting a missing leaf refused");
	CHECK(!cpuid_xend_parse("0x40000000:eax=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0", &x, why,
				sizeof(why)) && !cpuid_xend_apply(c, &x, why, sizeof(why)),
	      "clearing a missing leaf is nothing to do");
	free(c);
}

static void test_values(void)
{
	struct vm_config vc;

	vm_fails("builder = 'pv'\n", "t.cfg:1:11: ", "builder 'pv' is not supported");
	vm_fails("\ntype = \"pvh\"\n", "t.cfg:2:8: ", "type 'pvh' is not supported");
	vm_fails("builder = 'linux'\n", "t.cfg:1:11: ", "HVM");
	vm_fails("memory = 0\n", "t.cfg:1:10: ", "memory must be between 1 and 1048576");
	vm_fails("memory = 'lots'\n", "t.cfg:1:10: ", "memory: expected a number, got 'lots'");
	vm_fails("memory = '512M'\n", "t.cfg:1:10: ", "expected a number");
	vm_fails("memory = [512]\n", "t.cfg:1:10: ", "expected a number, not a list");
	vm_fails("vcpus = 65\n", "t.cfg:1:9: ", "vcpus must be between 1 and 64");
	vm_fails("on_crash = 'explode'\n", "t.cfg:1:12: ", "unknown action 'explode'");
	vm_fails("boot = 'x'\n", "t.cfg:1:8: ", "unknown device 'x'");
	vm_fails("boot = 'cc'\n", "t.cfg:1:8: ", "'c' given twice");
	vm_fails("boot = ''\n", "t.cfg:1:8: ", "must not be empty");
	vm_fails("name = 'a/b'\n", "t.cfg:1:8: ", "name 'a/b' is not usable");
	vm_fails("name = ''\n", "t.cfg:1:8: ", "not usable");
	vm_fails("firmware = ''\n", "t.cfg:1:12: ", "firmware must not be empty");
	vm_fails("serial = ['pty', 'pty', 'pty', 'pty', 'pty']\n", "t.cfg:1:39: ", "at most 4");
	vm_fails("serial = 'tcp:localhost:4555'\n", "t.cfg:1:10: ", "unsupported");
	vm_fails("serial = 'unix:/s,bogus'\n", "t.cfg:1:10: ", "unsupported");
	vm_fails("debugcon = 'file:'\n", "t.cfg:1:12: ", "unsupported");
	vm_fails("vga = 'qxl'\n", "t.cfg:1:7: ", "'qxl' is not emulated");
	vm_fails("videoram = 0\n", "t.cfg:1:12: ", "videoram must be between");
	vm_fails("sb16_port = 0x230\n", "t.cfg:1:13: ", "one of 0x220, 0x240, 0x260, 0x280");
	vm_fails("sb16_irq = 3\n", "t.cfg:1:12: ", "one of 5, 7, 9, 10");
	vm_fails("sb16_dma = 2\n", "t.cfg:1:12: ", "one of 0, 1, 3");
	vm_fails("sb16_hdma = 1\n", "t.cfg:1:13: ", "one of 5, 6, 7");
	vm_fails("fullscreen_scale = 'fit'\n", "t.cfg:1:20: ", "must be 'aspect' or 'integer'");
	vm_fails("soundhw = 'sb17'\n", "t.cfg:1:11: ", "unknown sound device 'sb17'");
	vm_fails("audio = 'alsa'\n", "t.cfg:1:9: ", "unknown back end");
	vm_fails("audio = 'wav:'\n", "t.cfg:1:9: ", "unknown back end");
	vm_fails("cpuid = ['1:eax=0']\n", "t.cfg:1:10: ", "eax needs exactly 32 characters");
	vm_fails("hdtype = 'ahci'\n", "t.cfg:1:10: ", "hdtype 'ahci' is not supported");
	vm_fails("vncdisplay = 60000\n", "t.cfg:1:14: ", "between 0 and 59635");
	vm_fails("vnclisten = '1.2.3.4:99999'\n", "t.cfg:1:13: ", "out of range");
	vm_fails("vnclisten = '0.0.0.0:1,websocket=0'\n", "t.cfg:1:13: ",
		 "websocket= needs a TCP port number (1-65535), not '0'");
	vm_fails("vnclisten = '0.0.0.0:1,websocket=65536'\n", "t.cfg:1:13: ", "not '65536'");
	vm_fails("vnclisten = '0.0.0.0:1,websocket='\n", "t.cfg:1:13: ", "needs a TCP port");
	vm_fails("vnclisten = '0.0.0.0:1,websocket'\n", "t.cfg:1:13: ", "option 'websocket' is not");
	vm_fails("vnclisten = '0.0.0.0:1,password'\n", "t.cfg:1:13: ", "option 'password' is not");
	vm_fails("vnclisten = '127.0.0.1:1,websocket=5901'\n", "t.cfg:1:13: ",
		 "websocket=5901 is the VNC port of display :1 itself");
	vm_fails("vnclisten = ',websocket=6401'\n", "t.cfg:1:13: ", "must name an address");
	CHECK_EQ(load(&vc, "vnclisten = \"0.0.0.0:1,websocket=6401\"\n"), 0, "vnclisten websocket");
	CHECK(!strcmp(vc.vnclisten, "0.0.0.0") && vc.vncdisplay == 1 && vc.vnc_websocket == 6401,
	      "xl's vnclisten: address 0.0.0.0, display 1, WebSocket port 6401");
	vmconfig_free(&vc);
	CHECK_EQ(load(&vc, "vnclisten = '::1,websocket=6402'\n"), 0, "IPv6 vnclisten websocket");
	CHECK(!strcmp(vc.vnclisten, "::1") && vc.vncdisplay == 0 && vc.vnc_websocket == 6402,
	      "IPv6 address with a WebSocket port");
	vmconfig_free(&vc);
	CHECK_EQ(load(&vc, ""), 0, "empty file");
	CHECK(!strcmp(vc.vnclisten, "127.0.0.1") && !vc.vnc_websocket, "default: loopback, no WebSocket");
	vmconfig_free(&vc);
	vm_fails("rtc_timeoffset = 99999999999\n", "t.cfg:1:18: ", "rtc_timeoffset must be between");
	vm_fails("name = ['x']\n", "t.cfg:1:8: ", "expected a string, not a list");
	vm_fails("fda = ['x']\n", "t.cfg:1:7: ", "expected a string");
	vm_fails("fda = 'qcow2:/f.img'\n", "t.cfg:1:7: ", "not supported");
	vm_fails("boot_menu_key = 'f1'\n", "t.cfg:1:17: ", "boot_menu_key must be 'esc' or 'f12'");

	/* every error is reported, each with its own position */
	CHECK_EQ(load(&vc, "memory = 0\nvcpus = 0\nboot = 'z'\nfoo = 1\n"), -1, "several errors");
	CHECK(said("t.cfg:1:10: ") && said("t.cfg:2:9: ") && said("t.cfg:3:8: ") &&
	      said("t.cfg:4:1: warning: unknown key 'foo' ignored"), "all reported: %s", captured);
	vmconfig_free(&vc);

	CHECK_EQ(load(&vc, "memory = '512'\nvcpus = \"0x4\"\nacpi = '0'\nvnc = 0\nsdl = 7\n"
			   "rtc_timeoffset = -3600\nlocaltime = 1\nhpet = 0\n"), 0, "numbers as strings");
	CHECK(vc.memory_mib == 512 && vc.vcpus == 4 && !vc.acpi && !vc.vnc && vc.sdl &&
	      vc.rtc_timeoffset == -3600 && vc.localtime && !vc.hpet, "values from strings and bools");
	vmconfig_free(&vc);

	CHECK_EQ(load(&vc, "type = 'hvm'\nname = 'test vm 1'\nkernel = '/boot/vmlinux'\n"
			   "ramdisk = '/boot/initrd'\nroot = '/dev/sda1'\nextra = 'console=ttyS0'\n"
			   "cpuid = 'host,rdrand=0'\nmonitor = 1\nmonitor_path = '/tmp/m.sock'\n"
			   "debugcon = 'file:/tmp/dbg'\nvga = 'cirrus'\nvideoram = 32\n"
			   "vnclisten = '0.0.0.0:3'\nvncpasswd = 'secret'\nkeymap = 'de'\n"
			   "full-screen = 1\nnographic = 1\nusbdevice = 'tablet'\n"
			   "soundhw = 'sb16,adlib'\nsb16_port = 0x240\nsb16_irq = 7\nsb16_dma = 0\n"
			   "sb16_hdma = 6\naudio = 'wav:/tmp/o.wav'\nlog_dir = '/tmp/logs'\n"
			   "serial = ['file:/tmp/s1', 'unix:/tmp/s2,server,nowait', 'stdio', 'null']\n"
			   "on_poweroff = 'preserve'\non_reboot = 'rename-restart'\n"
			   "on_crash = 'coredump-restart'\nboot = 'acdn'\nboot_menu = 1\n"
			   "fda = '/f.img'\nfdb = 'file:/g.img,r'\nfirmware = '/fw/bios.bin'\n"
			   "vgabios = '/fw/vga.bin'\nvcpus = 64\nmemory = 4096\nmaxmem = 4096\n"
			   "boot_menu_key = 'F12'\n"),
		 0, "a full config loads");
	CHECK(!strncmp(captured, "t.cfg:30:8: warning: boot 'n': there is no network card", 55) &&
	      !strchr(captured, '\n')[1], "only the network boot warning (%s)", captured);
	CHECK_STR(vc.name, "test vm 1", "name with spaces");
	CHECK_STR(vc.kernel, "/boot/vmlinux", "kernel kept");
	CHECK_STR(vc.cmdline, "root=/dev/sda1 console=ttyS0", "root= + extra");
	CHECK_STR(vc.cpuid, "host,rdrand=0", "cpuid");
	CHECK(vc.monitor && !strcmp(vc.monitor_path, "/tmp/m.sock"), "monitor");
	CHECK_STR(vc.debugcon, "file:/tmp/dbg", "debugcon");
	CHECK(!strcmp(vc.vga, "cirrus") && vc.videoram_mib == 32, "vga cirrus, videoram 32");
	CHECK(!strcmp(vc.vnclisten, "0.0.0.0") && vc.vncdisplay == 3, "vnclisten ADDR:DISPLAY");
	CHECK(!strcmp(vc.vncpasswd, "secret") && !strcmp(vc.keymap, "de"), "vncpasswd, keymap");
	CHECK(vc.full_screen && vc.nographic, "full-screen alias, nographic");
	CHECK(vc.usb && vc.n_usbdevice == 1 && !strcmp(vc.usbdevice[0], "tablet"),
	      "usbdevice implies usb");
	CHECK(vc.n_soundhw == 2 && !strcmp(vc.soundhw[0], "sb16") && !strcmp(vc.soundhw[1], "adlib"),
	      "soundhw comma list");
	CHECK(vc.sb16_port == 0x240 && vc.sb16_irq == 7 && vc.sb16_dma == 0 && vc.sb16_hdma == 6,
	      "sb16 resources");
	CHECK_STR(vc.audio, "wav:/tmp/o.wav", "audio");
	CHECK(!vc.gameport, "gameport off by default (sb16 brings its own)");
	{
		struct vm_config g;
		CHECK(load(&g, "gameport = 1\n") == 0 && g.gameport, "gameport = 1 loads");
		vmconfig_free(&g);
		CHECK(load(&g, "fullscreen_scale = 'integer'\n") == 0 &&
		      !strcmp(g.fullscreen_scale, "integer"), "fullscreen_scale = 'integer' loads");
		vmconfig_free(&g);
		CHECK(load(&g, "") == 0 && !strcmp(g.fullscreen_scale, "aspect"),
		      "fullscreen_scale defaults to 'aspect'");
		vmconfig_free(&g);
	}
	CHECK_STR(vc.log_dir, "/tmp/logs", "log_dir");
	CHECK(vc.n_serial == 4 && !strcmp(vc.serial[1], "unix:/tmp/s2,server,nowait"), "4 serials");
	CHECK(vc.on_poweroff == ACT_PRESERVE && vc.on_reboot == ACT_RENAME_RESTART &&
	      vc.on_crash == ACT_COREDUMP_RESTART, "actions");
	CHECK(!strcmp(vc.boot, "acdn") && vc.boot_menu, "boot acdn, menu");
	CHECK_STR(vc.boot_menu_key, "f12", "boot_menu_key F12 (any case)");
	CHECK(!strcmp(vc.fd[0].path, "/f.img") && !vc.fd[0].readonly && vc.fd[0].line == 32,
	      "fda");
	CHECK(!strcmp(vc.fd[1].path, "/g.img") && vc.fd[1].readonly, "fdb file: prefix, ,r");
	CHECK(!strcmp(vc.firmware, "/fw/bios.bin") && !strcmp(vc.vgabios, "/fw/vga.bin"), "firmware");
	CHECK(vc.vcpus == 64 && vc.memory_mib == 4096, "64 vCPUs, 4 GiB");
	vmconfig_free(&vc);

	CHECK_EQ(load(&vc, "extra = 'a'\ncmdline = 'b c'\n"), 0, "cmdline and extra");
	CHECK(!strcmp(vc.cmdline, "b c") && said("t.cfg:1:9: warning: extra ignored"),
	      "cmdline wins over extra, with a warning");
	vmconfig_free(&vc);
	CHECK_EQ(load(&vc, "cmdline = 'x'\n"), 0, "cmdline alone");
	CHECK_STR(vc.cmdline, "x", "cmdline alias of extra");
	vmconfig_free(&vc);

	CHECK_EQ(load(&vc, "kernel = '/usr/lib/xen/boot/hvmloader'\n"), 0, "hvmloader by path");
	CHECK(!vc.kernel && said("note: kernel='/usr/lib/xen/boot/hvmloader'"), "noted, no kernel");
	vmconfig_free(&vc);

	CHECK_EQ(load(&vc, "fda = ''\nfdb = 'none'\n"), 0, "floppies: empty drive, no drive");
	CHECK(vc.fd[0].path && !vc.fd[0].path[0] && !vc.fd[1].path, "'' = empty drive, 'none' = none");
	vmconfig_free(&vc);

	CHECK_EQ(load(&vc, "serial = []\nusbdevice = ['tablet', 'host:1234:5678']\n"
			   "soundhw = ['sb16', 'ac97', 'sb16']\nstdvga = 1\nvga = 'none'\n"), 0,
		 "lists with unsupported entries");
	CHECK_EQ(vc.n_serial, 0, "serial = [] -> no ports");
	CHECK(vc.n_usbdevice == 1 && said("t.cfg:2:24: warning: usbdevice 'host:1234:5678' is not "
					  "emulated"), "unsupported usbdevice warned and dropped");
	CHECK(vc.n_soundhw == 1 && said("t.cfg:3:20: warning: soundhw 'ac97' is not emulated"),
	      "ac97 warned, duplicate sb16 dropped");
	CHECK(!strcmp(vc.vga, "none") && said("t.cfg:4:10: warning: stdvga ignored"),
	      "vga= wins over stdvga=");
	vmconfig_free(&vc);

	CHECK_EQ(load(&vc, "memory = 256\nmaxmem = 1024\nbios = 'ovmf'\nfoo_bar = [1]\n"
			   "ramdisk = '/i'\nviridian = 1\n"), 0, "warnings only");
	CHECK(said("t.cfg:2:10: warning: 'maxmem' accepted but not acted on"), "maxmem warned");
	CHECK(said("t.cfg:3:8: note: bios='ovmf' ignored"), "bios noted");
	CHECK(said("t.cfg:4:1: warning: unknown key 'foo_bar' ignored"), "unknown key warned");
	CHECK(said("t.cfg:5:11: warning: ramdisk is only used with kernel="), "ramdisk w/o kernel");
	CHECK(!said("'viridian'") && vc.viridian, "viridian = 1 is acted on");
	vmconfig_free(&vc);
	CHECK_EQ(load(&vc, "viridian = ['defaults', 'stimer']\n"), 0, "viridian groups");
	CHECK(vc.viridian && said("t.cfg:1:12: note: viridian groups"), "a list of groups turns it on, noted");
	vmconfig_free(&vc);
	CHECK_EQ(load(&vc, "viridian = ['!base']\n"), 0, "viridian without base");
	CHECK(!vc.viridian, "a list that removes base leaves it off");
	vmconfig_free(&vc);
	CHECK_EQ(load(&vc, "viridian = 0\n"), 0, "viridian = 0");
	CHECK(!vc.viridian, "viridian = 0 is off");
	vmconfig_free(&vc);

	CHECK_EQ(disk_index_from_name("hdd"), 3, "disk_index_from_name hdd");
	CHECK_EQ(disk_index_from_name("hde"), -1, "disk_index_from_name hde");
	CHECK_EQ(disk_index_from_name("hd"), -1, "disk_index_from_name hd");
	CHECK_STR(action_name(ACT_SOFT_RESET), "soft-reset", "action_name");
}

static void test_print(void)
{
	struct vm_config vc;
	load(&vc, winxp);
	char *p = print_to_string(&vc);
	printf("# winxp printed:\n%s", p);
	CHECK(strstr(p, "\ntype = 'hvm'\n") || !strncmp(p, "type = 'hvm'\n", 13), "type printed");
	CHECK(strstr(p, "disk = ['file:/root/xenimages/winXP128.img,hda,w', "
			"'file:/root/xenimages/en_winxp_pro_with_sp2.iso,hdc:cdrom,r']\n") != NULL,
	      "disks printed in the canonical form");
	CHECK(strstr(p, "\nmemory = 512\n") && strstr(p, "\nkernel = ''\n") &&
	      strstr(p, "\nserial = ['pty']\n") && strstr(p, "\nsb16_port = 0x220\n") && strstr(p, "\ngameport = 0\n") &&
	      strstr(p, "\nfullscreen_scale = 'aspect'\n") &&
	      strstr(p, "\non_reboot = 'destroy'\n") && strstr(p, "\nfda = 'none'\n") &&
	      strstr(p, "\nlog_dir = '"), "keys printed in xl syntax");
	/* one "key = value" line per key, no duplicates */
	int lines = 0;
	for (char *q = p; *q; q++)
		lines += *q == '\n';
	CHECK_EQ(lines, 57, "57 keys printed (vif, cpus always, cpus_soft among them)");
	free(p);
	vmconfig_free(&vc);

	round_trip("empty file", "");
	round_trip("winxp", winxp);
	round_trip("full", "kernel = '/k'\nextra = 'a \"b\" \\'c\\' \\\\ d\\te'\nserial = ['pty', "
			   "'file:/tmp/x']\nusbdevice = ['tablet', 'mouse']\nsoundhw = 'all'\n"
			   "rtc_timeoffset = -7200\nfda = ''\nfdb = '/f,b.img,r'\nvnclisten = '::1,websocket=6080'\n"
			   "audio = 'pulse'\nvncpasswd = 'p#w'\nmonitor_path = '/m'\n");
	round_trip("disk formats", "disk = [ '/a.img,raw,hda,w', 'qcow2:/b.qcow2,hdb,w', '/c.img,hdd,w' ]\n");
	{
		struct vm_config a, b;
		load(&a, "disk = [ '/a.img,raw,hda,w', 'qcow2:/b.qcow2,hdb,w', '/c.img,hdd,w' ]\n");
		char *p = print_to_string(&a);
		CHECK(load(&b, p) == 0 && b.disks[0].format_set && !strcmp(b.disks[0].format, "raw") &&
		      b.disks[1].format_set && !strcmp(b.disks[1].format, "qcow2") &&
		      !b.disks[3].format_set, "printed formats read back: given ones stay given (%s)", p);
		free(p);
		vmconfig_free(&a);
		vmconfig_free(&b);
	}
	round_trip("odd disk paths",
		   "disk = [ 'vdev=hda,target=/a,b.img', 'vdev=hdb,target=/c=d.img', 'phy:/dev/sdb,hdd,r',"
		   " 'vdev=hdc,devtype=cdrom,target= lead space.iso' ]\n");
	round_trip("prefix-looking paths",
		   "disk = [ 'vdev=hda,target=file:x.img', ',hdc:cdrom,r' ]\nfda = 'file:raw:y.img'\n"
		   "fdb = 'file:none'\n");
	round_trip("no-discard", "disk = [ '/a.img,hda,w,no-discard', 'format=raw,vdev=hdb,no-discard,target=/b.img',"
		   " 'discard,/c.img,hdd,w' ]\n");
	{
		struct vm_config a, b;
		load(&a, "disk = [ '/a.img,hda,w,no-discard', 'no-discard,discard,/c.img,hdd,w' ]\n");
		char *p = print_to_string(&a);
		CHECK(load(&b, p) == 0 && a.disks[0].no_discard && !a.disks[3].no_discard &&
		      b.disks[0].no_discard && !b.disks[3].no_discard,
		      "no-discard read (the last of discard/no-discard wins) and printed back (%s)", p);
		free(p);
		vmconfig_free(&a);
		vmconfig_free(&b);
	}
	round_trip("control characters", "name = 'n'\ncpuid = 'a\\x01b\\x7f'\nkeymap = 'fr\\n'\n");

	/* the round trip keeps the values, not just the text */
	struct vm_config a, b;
	load(&a, "disk = [ 'vdev=hda,target=/a,b.img', 'phy:/dev/sdb,hdd,r' ]\nfdb = '/f,b.img,r'\n");
	p = print_to_string(&a);
	load(&b, p);
	CHECK(b.disks[0].path && !strcmp(b.disks[0].path, "/a,b.img") && b.disks[3].phy &&
	      b.disks[3].readonly && !strcmp(b.fd[1].path, "/f,b.img") && b.fd[1].readonly,
	      "printed disks and floppies read back the same");
	free(p);
	vmconfig_free(&a);
	vmconfig_free(&b);
}

static void test_load_file(void)
{
	char path[] = "/tmp/vmst-test-config-XXXXXX";
	int fd = mkstemp(path);
	const char text[] = "memory = 64\nname = 'filevm'\n";
	CHECK(fd >= 0 && write(fd, text, sizeof(text) - 1) == (ssize_t)sizeof(text) - 1, "temp file");
	close(fd);
	struct vm_config vc;
	CHECK_EQ(vmconfig_load(&vc, path), 0, "vmconfig_load");
	CHECK(vc.memory_mib == 64 && !strcmp(vc.name, "filevm") && !strcmp(vc.file, path),
	      "loaded from the file");
	vmconfig_free(&vc);
	unlink(path);
	capture_start();
	int rc = vmconfig_load(&vc, "/nonexistent/vm.cfg");
	capture_end();
	CHECK(rc == -1 && said("/nonexistent/vm.cfg: cannot read"), "missing file (%s)", captured);
	vmconfig_free(&vc);

	/* a FIFO with no writer: refused at once, not waited on (alarm: a hang fails) */
	char dir[] = "/tmp/vmst-test-fifo-XXXXXX";
	CHECK(mkdtemp(dir) != NULL, "temp dir");
	char *fifo = xasprintf("%s/vm.cfg", dir);
	CHECK_EQ(mkfifo(fifo, 0600), 0, "mkfifo");
	alarm(10);
	char e[256] = "";
	struct cfg *cfg = cfg_parse_file(fifo, e, sizeof(e));
	alarm(0);
	char *want = xasprintf("%s: cannot read: a FIFO, not a regular file", fifo);
	CHECK(!cfg && !strcmp(e, want), "FIFO refused without blocking (%s)", e);
	free(want);
	cfg = cfg_parse_file("/dev/null", e, sizeof(e));
	CHECK(!cfg && strstr(e, "/dev/null: cannot read: a character device"), "device refused (%s)", e);
	cfg = cfg_parse_file(dir, e, sizeof(e));
	CHECK(!cfg && strstr(e, ": cannot read: a directory"), "directory refused (%s)", e);
	unlink(fifo);
	rmdir(dir);
	free(fifo);
}

int main(void)
{
	test_parser_basics();
	test_parser_separators();
	test_parser_strings();
	test_parser_numbers();
	test_parser_lists();
	test_parser_errors();
	test_parser_long();
	test_defaults();
	test_winxp();
	test_disks();
	test_disks_xl();
	test_audio_cpuid();
	test_values();
	test_print();
	test_load_file();
	free(captured);
	return UNIT_DONE();
}
