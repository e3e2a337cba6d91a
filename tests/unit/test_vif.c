/*
 * vif = [...] (xl-network-configuration(5)) and the hostfwd rules: every
 * key (bridge=, tap= and vifname= with their conflicts among them), defaults (the MAC from the VM's name), xl's rate= syntax, errors at
 * the exact line and column inside the string, and the print round trip.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/net_fwd.h"
#include "unit.h"
#include "core/util.h"
#include "core/vmconfig.h"

static char err[512];
static char *captured;

/* Builds a vm_config from text named "t.cfg"; stderr ends up in captured. */
static int load(struct vm_config *vc, const char *text)
{
	struct cfg *cfg = cfg_parse_string("t.cfg", text, strlen(text), err, sizeof(err));
	if (!cfg) {
		free(captured);
		captured = xstrdup(err);
		memset(vc, 0, sizeof(*vc));
		return -2;
	}
	fflush(stderr);
	FILE *f = tmpfile();
	int saved = dup(2);
	dup2(fileno(f), 2);
	int rc = vmconfig_from_cfg(vc, cfg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	long n = ftell(f);
	free(captured);
	captured = calloc(1, (size_t)n + 1);
	rewind(f);
	if (fread(captured, 1, (size_t)n, f) != (size_t)n)
		captured[0] = 0;
	fclose(f);
	cfg_free(cfg);
	return rc;
}

static bool said(const char *what) { return captured && strstr(captured, what); }

static void vif_fails(const char *vif, const char *where, const char *what)
{
	struct vm_config vc;
	char text[512];
	snprintf(text, sizeof(text), "name = 'n'\nvif = [ '%s' ]\n", vif);
	int rc = load(&vc, text);
	CHECK(rc == -1 && said(where) && said(what), "vif '%s' refused at %s: %s", vif, where,
	      captured ? captured : "");
	vmconfig_free(&vc);
}

static char *printed(const struct vm_config *vc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	vmconfig_print(vc, f);
	fclose(f);
	return buf;
}

static void test_keys(void)
{
	struct vm_config vc;
	int rc = load(&vc, "name = 'web'\n"
		     "vif = [ 'type=ioemu, mac=00:16:3e:0a:0b:0c, bridge=xenbr0, model=rtl8139',\n"
		     "        'vifname=lan1,rate=10Mb/s,hostfwd=tcp::2222-:22,hostfwd=udp:127.0.0.1:5353-10.0.2.15:53',\n"
		     "        'tftp=/srv/tftp, bootfile=pxe.0, script=vif-bridge, ip=192.168.1.5' ]\n");
	CHECK_EQ(rc, 0, "three vifs load");
	CHECK_EQ(vc.n_vifs, 3, "n_vifs");
	const struct vif_spec *a = &vc.vifs[0], *b = &vc.vifs[1], *c = &vc.vifs[2];
	CHECK(a->mac_set && !memcmp(a->mac, "\x00\x16\x3e\x0a\x0b\x0c", 6), "mac=");
	CHECK(!strcmp(a->model, "rtl8139") && !strcmp(a->type, "ioemu") && !strcmp(a->bridge, "xenbr0"),
	      "model, type, bridge kept");
	CHECK(!said("bridge 'xenbr0'"), "bridge= not warned: the back end decides when the VM starts");
	CHECK(!strcmp(b->vifname, "lan1") && b->rate_bps == 1250000 && b->rate_interval_us == 50000,
	      "vifname, rate 10Mb/s = 1.25 MB/s every 50 ms");
	CHECK(b->n_hostfwd == 2 && !strcmp(b->hostfwd[1], "udp:127.0.0.1:5353-10.0.2.15:53"), "hostfwd x2");
	CHECK(!strcmp(c->tftp, "/srv/tftp") && !strcmp(c->bootfile, "pxe.0"), "tftp, bootfile");
	CHECK(said("script 'vif-bridge' is not run") && said("ip= is for xl's hotplug scripts"),
	      "script= and ip= warned");
	CHECK(!b->mac_set && b->mac[0] == 0 && b->mac[1] == 0x16 && b->mac[2] == 0x3e &&
	      !(b->mac[3] & 0x80), "no mac=: 00:16:3e and three bytes, the fourth below 0x80");
	uint8_t m[6];
	vif_default_mac("web", 1, m);
	CHECK(!memcmp(m, b->mac, 6), "the default MAC is vif_default_mac(name, index)");
	vif_default_mac("web", 2, m);
	CHECK(memcmp(m, b->mac, 6) != 0, "another index, another MAC");
	vif_default_mac("mail", 1, m);
	CHECK(memcmp(m, b->mac, 6) != 0, "another VM, another MAC");

	/* vmstation check prints it back; the print loads to the same print */
	char *p1 = printed(&vc);
	CHECK(strstr(p1, "\nvif = ['mac=00:16:3e:0a:0b:0c, model=rtl8139, type=ioemu, bridge=xenbr0', ") != NULL,
	      "printed in xl syntax");
	struct vm_config vc2;
	CHECK_EQ(load(&vc2, p1), 0, "the print loads");
	char *p2 = printed(&vc2);
	CHECK(!strcmp(p1, p2), "and prints the same");
	free(p1);
	free(p2);
	vmconfig_free(&vc2);
	vmconfig_free(&vc);

	rc = load(&vc, "vif = [ '' ]\nboot = 'n'\n");
	CHECK(rc == 0 && vc.n_vifs == 1 && !strcmp(vc.vifs[0].model, "rtl8139") &&
	      !said("boot 'n'"), "vif = [ '' ]: one rtl8139 with defaults, boot='n' without a warning");
	vmconfig_free(&vc);
	rc = load(&vc, "boot = 'n'\n");
	CHECK(rc == 0 && said("t.cfg:1:8: warning: boot 'n': there is no network card"),
	      "boot='n' with no vif warned");
	vmconfig_free(&vc);
	rc = load(&vc, "vif = [ 'model=e1000' ]\n");
	CHECK(rc == 0 && !said("warning") && !strcmp(vc.vifs[0].model, "e1000"),
	      "model=e1000: an e1000, no warning");
	vmconfig_free(&vc);
	rc = load(&vc, "vif = [ 'model=pcnet' ]\n");
	CHECK(rc == 0 && said("t.cfg:1:16: warning: vif: model 'pcnet' is not implemented yet") &&
	      !strcmp(vc.vifs[0].model, "rtl8139"), "model=pcnet: warned, an rtl8139 instead");
	vmconfig_free(&vc);
	rc = load(&vc, "vif = [ 'type=vif, , accel=x, trusted,' ]\n");
	CHECK(rc == 0 && said("accel= is a Xen back-end option") && said("trusted is a Xen"),
	      "empty parameters skipped, Xen-only keys warned");
	vmconfig_free(&vc);
}

static void test_errors(void)
{
	vif_fails("mac=00:16:3e:0a:0b", "t.cfg:2:14: ", "is not six hex bytes");
	vif_fails("type=ioemu, mac=01:16:3e:0a:0b:0c", "t.cfg:2:26: ", "multicast address");
	vif_fails("model=nic9000", "t.cfg:2:16: ", "unknown model 'nic9000'");
	vif_fails("type=netfront", "t.cfg:2:15: ", "type 'netfront': ioemu or vif");
	vif_fails("bridge=br0, colour=blue", "t.cfg:2:22: ", "unknown key 'colour'");
	vif_fails("macaddr", "t.cfg:2:10: ", "expected key=value");
	vif_fails("rate=10Mb", "t.cfg:2:15: ", "must be per second");
	vif_fails("rate=10Xb/s", "t.cfg:2:15: ", "unit B (bytes) or b (bits)");
	vif_fails("rate=fast", "t.cfg:2:15: ", "expected a number");
	vif_fails("rate=1MB/s@20", "t.cfg:2:15: ", "the interval's unit is s, ms or us");
	vif_fails("rate=0MB/s", "t.cfg:2:15: ", "is zero");
	vif_fails("hostfwd=tcp::22", "t.cfg:2:25: ", "hostfwd 'tcp::22'");
	vif_fails("hostfwd=tcp::99999-:22", "t.cfg:2:23: ", "host port 99999: 1 to 65535");
	vif_fails("hostfwd=sctp::1-:2", "t.cfg:2:18: ", "protocol 'sctp'");
	vif_fails("hostfwd=tcp:1.2.3:80-:80", "t.cfg:2:22: ", "host address '1.2.3'");
	vif_fails("hostfwd=tcp::80-:8x", "t.cfg:2:28: ", "guest port: '8x' is not a number");
	vif_fails("mac=00:16:3e:00:00:01', 'mac=00:16:3e:00:00:01", "t.cfg:2:34: ", "is also vif 0's");

	struct vm_config vc;
	int rc = load(&vc, "vif = [ '', '', '', '', '' ]\n");
	CHECK(rc == -1 && said("t.cfg:1:25: vif: at most 4 cards"), "five vifs: refused (%s)", captured);
	vmconfig_free(&vc);
	rc = load(&vc, "vif = 'mac=00:16:3e:00:00:01'\n");
	CHECK(rc == 0 && vc.n_vifs == 1, "a single string is one vif");
	vmconfig_free(&vc);
}

static void test_rate_and_fwd(void)
{
	uint64_t bps;
	uint32_t us;
	char why[128];
	CHECK(vif_parse_rate("1MB/s@20ms", &bps, &us, why, sizeof(why)) == 0 && bps == 1000000 &&
	      us == 20000, "1MB/s@20ms");
	CHECK(vif_parse_rate("100Kb/s@1s", &bps, &us, why, sizeof(why)) == 0 && bps == 12500 &&
	      us == 1000000, "100Kb/s@1s");
	CHECK(vif_parse_rate("5GB/s@500us", &bps, &us, why, sizeof(why)) == 0 && bps == 5000000000ull &&
	      us == 500, "5GB/s@500us");
	CHECK(vif_parse_rate("1B/s@11s", &bps, &us, why, sizeof(why)) < 0, "an interval over 10 s");

	struct hostfwd f;
	size_t at;
	char buf[96];
	CHECK(hostfwd_parse("tcp::2222-:22", false, &f, &at, why, sizeof(why)) == 0, "tcp::2222-:22");
	hostfwd_format(&f, buf, sizeof(buf));
	CHECK_STR(buf, "tcp:127.0.0.1:2222-10.0.2.15:22", "defaults: 127.0.0.1 and the guest's DHCP address");
	CHECK(hostfwd_parse("udp:0.0.0.0:53-10.0.2.16:5353", false, &f, &at, why, sizeof(why)) == 0 &&
	      f.udp && f.host_port == 53 && f.guest_port == 5353, "udp with both addresses");
	CHECK(hostfwd_parse("::8080-:80", false, &f, &at, why, sizeof(why)) == 0 && !f.udp,
	      "no protocol: tcp");
	CHECK(hostfwd_parse("tcp::2222", true, &f, &at, why, sizeof(why)) == 0 && f.host_port == 2222,
	      "the remove form: host part only");
	CHECK(hostfwd_parse("tcp::2222-:22", true, &f, &at, why, sizeof(why)) < 0,
	      "the remove form refuses a guest part");
	CHECK(hostfwd_parse("", false, &f, &at, why, sizeof(why)) < 0, "empty refused");
}

/* bridge=, vmstation's tap=, vifname= (host interface names), type=user. */
static void test_bridge(void)
{
	struct vm_config vc;
	int rc = load(&vc, "name = 'lan'\n"
		     "vif = [ 'bridge=xenbr0, vifname=lan.0', 'tap=tap7, bridge=br1', 'type=user', 'bridge=br2' ]\n");
	CHECK(rc == 0 && vc.n_vifs == 4, "four vifs load (%s)", captured ? captured : "");
	CHECK(captured && !captured[0], "nothing warned (%s)", captured ? captured : "");
	CHECK(!strcmp(vc.vifs[0].bridge, "xenbr0") && !strcmp(vc.vifs[0].vifname, "lan.0") &&
	      !vc.vifs[0].tap, "bridge= with vifname=: the TAP's name");
	CHECK(!strcmp(vc.vifs[1].tap, "tap7") && !strcmp(vc.vifs[1].bridge, "br1"),
	      "tap= an administrator's TAP (bridge= kept beside it)");
	CHECK(!strcmp(vc.vifs[2].type, "user") && !vc.vifs[2].bridge && !vc.vifs[2].tap,
	      "type=user: NAT asked for");
	char *p1 = printed(&vc);
	CHECK(strstr(p1, "type=ioemu, bridge=xenbr0, vifname=lan.0'") &&
	      strstr(p1, "type=ioemu, bridge=br1, tap=tap7'") && strstr(p1, "type=user'") &&
	      strstr(p1, "type=ioemu, bridge=br2'"),
	      "vmstation check prints bridge=, tap=, vifname=, type=user (%s)", p1);
	struct vm_config vc2;
	CHECK_EQ(load(&vc2, p1), 0, "the print loads");
	char *p2 = printed(&vc2);
	CHECK(!strcmp(p1, p2), "and prints the same");
	free(p1);
	free(p2);
	vmconfig_free(&vc2);
	vmconfig_free(&vc);

	rc = load(&vc, "vif = [ 'bridge=br0, hostfwd=tcp::2222-:22, tftp=/srv' ]\n");
	CHECK(rc == 0 && said("t.cfg:1:22: warning: vif: hostfwd=, tftp= and bootfile= are the NAT "
			      "network's: with bridge= they apply only if the card falls back to NAT"),
	      "NAT-only keys beside bridge=: warned once, at the first (%s)", captured ? captured : "");
	vmconfig_free(&vc);
	rc = load(&vc, "vif = [ 'bridge=br0, script=vif-bridge' ]\n");
	CHECK(rc == 0 && said("t.cfg:1:22: warning: vif: script 'vif-bridge' is not run"),
	      "script= warned: not run");
	vmconfig_free(&vc);

	vif_fails("bridge=br0, vifname=vmstation-lan-00", "t.cfg:2:30: ",
		  "vifname 'vmstation-lan-00' is longer than 15 characters (IFNAMSIZ)");
	vif_fails("vifname=0123456789abcdef", "t.cfg:2:18: ", "longer than 15 characters");
	CHECK(load(&vc, "vif = [ 'vifname=0123456789abcde' ]\n") == 0, "15 characters: taken");
	vmconfig_free(&vc);
	vif_fails("tap=a0123456789abcdef", "t.cfg:2:14: ", "tap 'a0123456789abcdef' is longer than 15");
	vif_fails("bridge=xen/br0", "t.cfg:2:17: ", "bridge 'xen/br0' holds '/', ':' or a space");
	vif_fails("bridge=", "t.cfg:2:17: ", "bridge '' is empty");
	vif_fails("tap=..", "t.cfg:2:14: ", "tap '..' cannot be . or ..");
	vif_fails("type=user, bridge=br0", "t.cfg:2:10: ",
		  "type=user asks for user-mode NAT, bridge= for a bridge: one or the other");
	vif_fails("tap=t0, type=user", "t.cfg:2:18: ", "type=user asks for user-mode NAT, tap=");
	vif_fails("tap=t0, vifname=t1", "t.cfg:2:18: ", "vifname 't1' and tap 't0': tap= names the TAP");
	vif_fails("tap=t0', 'tap=t0", "t.cfg:2:19: ", "the host interface 't0' is also vif 0's");
	vif_fails("bridge=b, vifname=v', 'bridge=b, vifname=v", "t.cfg:2:32: ",
		  "the host interface 'v' is also vif 0's");
	vif_fails("bridge=b, vifname=t0', 'tap=t0", "t.cfg:2:33: ", "the host interface 't0' is also vif 0's");
	rc = load(&vc, "vif = [ 'vifname=a', 'vifname=a' ]\n");
	CHECK(rc == 0, "vifname= twice on NAT: only names for the monitor, no TAP");
	vmconfig_free(&vc);
	rc = load(&vc, "vif = [ 'tap=t0, vifname=t0' ]\n");
	CHECK(rc == 0, "vifname= the same as tap=: taken");
	vmconfig_free(&vc);
}

/* The NE2000 models, the ISA card's io= and irq=, and xm's ne2000 = 1. */
static void test_ne2k(void)
{
	struct vm_config vc;
	int rc = load(&vc, "vif = [ 'model=ne2k_pci', 'model=ne2k_isa', 'model=ne2k_isa, io=0x320, irq=10' ]\n");
	CHECK(rc == 0 && vc.n_vifs == 3 && !strcmp(vc.vifs[0].model, "ne2k_pci") &&
	      !strcmp(vc.vifs[1].model, "ne2k_isa") && !said("not implemented"),
	      "model=ne2k_pci and ne2k_isa are cards of their own, not warned");
	CHECK(vc.vifs[1].io == 0x300 && vc.vifs[1].irq == 9, "ne2k_isa: io 0x300, irq 9 by default");
	CHECK(vc.vifs[2].io == 0x320 && vc.vifs[2].irq == 10, "io=0x320, irq=10 taken");
	char *p1 = printed(&vc);
	CHECK(strstr(p1, "model=ne2k_pci, type=ioemu'") &&
	      strstr(p1, "model=ne2k_isa, type=ioemu, io=0x300, irq=9'") &&
	      strstr(p1, "model=ne2k_isa, type=ioemu, io=0x320, irq=10'"),
	      "vmstation check prints the models, the ISA card's io and irq");
	struct vm_config vc2;
	CHECK(load(&vc2, p1) == 0, "the print loads");
	char *p2 = printed(&vc2);
	CHECK(!strcmp(p1, p2), "and prints the same");
	free(p1);
	free(p2);
	vmconfig_free(&vc2);
	vmconfig_free(&vc);

	rc = load(&vc, "vif = [ 'irq=5, io=0x340' ]\n");
	CHECK(rc == 0 && said("t.cfg:1:17: warning: vif: io= and irq= are an ne2k_isa's") &&
	      !vc.vifs[0].io && !vc.vifs[0].irq, "io=/irq= on an rtl8139: warned, dropped (%s)",
	      captured ? captured : "");
	vmconfig_free(&vc);
	vif_fails("model=ne2k_isa, io=0x301", "t.cfg:2:29: ", "io '0x301'");
	vif_fails("model=ne2k_isa, io=0x3f8x", "t.cfg:2:29: ", "io '0x3f8x'");
	vif_fails("model=ne2k_isa, irq=8", "t.cfg:2:30: ", "irq '8'");
	vif_fails("model=ne2k_isa, irq=", "t.cfg:2:30: ", "irq ''");

	rc = load(&vc, "vif = [ '', 'model=rtl8139', 'mac=00:16:3e:00:00:09' ]\nne2000 = 1\n");
	CHECK(rc == 0 && !strcmp(vc.vifs[0].model, "ne2k_pci") && !strcmp(vc.vifs[1].model, "rtl8139") &&
	      !strcmp(vc.vifs[2].model, "ne2k_pci") && !said("ne2000"),
	      "ne2000 = 1: the vifs without model= become ne2k_pci, not warned");
	vmconfig_free(&vc);
	rc = load(&vc, "ne2000 = 0\nvif = [ '' ]\n");
	CHECK(rc == 0 && !strcmp(vc.vifs[0].model, "rtl8139"), "ne2000 = 0: rtl8139 stays");
	vmconfig_free(&vc);
	rc = load(&vc, "ne2000 = 1\n");
	CHECK(rc == 0 && said("t.cfg:1:10: warning: ne2000 = 1 without a vif"), "ne2000 = 1 without a vif: warned");
	vmconfig_free(&vc);
	rc = load(&vc, "ne2000 = 2\n");
	CHECK(rc == -1 && said("t.cfg:1:10: ne2000: 0 or 1"), "ne2000 = 2 refused");
	vmconfig_free(&vc);
}

int main(void)
{
	test_keys();
	test_errors();
	test_ne2k();
	test_bridge();
	test_rate_and_fwd();
	free(captured);
	return UNIT_DONE();
}
