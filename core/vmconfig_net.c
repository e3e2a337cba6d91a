/*
 * vif = [ 'mac=00:16:3e:01:02:03, model=rtl8139, bridge=xenbr0', ... ]:
 * xl-network-configuration(5), one string a card. Every card is an emulated
 * RTL8139 (the default), Intel 82540EM (model=e1000), NE2000 PCI
 * (model=ne2k_pci) or NE2000 ISA (model=ne2k_isa); the models xl knows that
 * are not emulated yet (pcnet, ...) are warned and an RTL8139 given. A card
 * is on a user-mode NAT network (libslirp), or with bridge=NAME on that
 * Linux bridge through a TAP vmstation makes (named vifname=), or on a TAP
 * the administrator made (tap=NAME). type=user asks for NAT explicitly.
 * vmstation's own keys in the same string: tap=, hostfwd= (QEMU's syntax,
 * may be repeated), tftp= (a directory slirp serves by TFTP), bootfile= (the
 * file its DHCP names, for boot='n'), io= and irq= (an ne2k_isa's jumpers:
 * xl has no key for them).
 * The old xm key ne2000 = 1 makes the vifs without model= NE2000s.
 */
#include "core/vmconfig_priv.h"
#include "core/net.h"
#include "core/net_fwd.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void vif_default_mac(const char *vm_name, unsigned i, uint8_t mac[6])
{
	uint32_t h = 2166136261u;   /* FNV-1a over the name, a NUL and the index */
	for (const char *p = vm_name ? vm_name : ""; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ 0) * 16777619u;
	h = (h ^ (uint8_t)i) * 16777619u;
	mac[0] = 0x00;
	mac[1] = 0x16;
	mac[2] = 0x3e;
	mac[3] = (h >> 16) & 0x7f;  /* Xen keeps the top bit clear in its random MACs */
	mac[4] = h >> 8;
	mac[5] = h;
}

#define FAIL(...) do { snprintf(why, whylen, __VA_ARGS__); return -1; } while (0)

/* RATE/s[@INTERVAL]: RATE a number with B, KB, MB, GB (bytes) or b, Kb, Mb, Gb (bits),
 * INTERVAL a number with s, ms or us (default 50ms), as xl reads it. */
int vif_parse_rate(const char *s, uint64_t *bytes_per_s, uint32_t *interval_us, char *why,
		   size_t whylen)
{
	const char *p = s;
	if (!isdigit((unsigned char)*p))
		FAIL("rate '%s': expected a number then a unit, e.g. 10Mb/s or 1MB/s@20ms", s);
	unsigned long long n = 0;
	while (isdigit((unsigned char)*p)) {
		n = n * 10 + (unsigned)(*p++ - '0');
		if (n > (1ull << 40))
			FAIL("rate '%s' is too large", s);
	}
	unsigned long long mult = 1;
	if (*p == 'K' || *p == 'k')
		mult = 1000, p++;
	else if (*p == 'M' || *p == 'm')
		mult = 1000000, p++;
	else if (*p == 'G' || *p == 'g')
		mult = 1000000000, p++;
	bool bits;
	if (*p == 'B')
		bits = false;
	else if (*p == 'b')
		bits = true;
	else
		FAIL("rate '%s': unit B (bytes) or b (bits), with K, M or G before it", s);
	p++;
	if (strncmp(p, "/s", 2))
		FAIL("rate '%s': the unit must be per second ('/s')", s);
	p += 2;
	n *= mult;
	if (bits)
		n /= 8;
	if (!n)
		FAIL("rate '%s' is zero", s);
	*bytes_per_s = n;
	*interval_us = 50000;
	if (!*p)
		return 0;
	if (*p++ != '@' || !isdigit((unsigned char)*p))
		FAIL("rate '%s': expected @INTERVAL after /s, e.g. @20ms", s);
	unsigned long long iv = 0;
	while (isdigit((unsigned char)*p)) {
		iv = iv * 10 + (unsigned)(*p++ - '0');
		if (iv > 1000000000ull)
			FAIL("rate '%s': interval too long", s);
	}
	if (!strcmp(p, "s"))
		iv *= 1000000;
	else if (!strcmp(p, "ms"))
		iv *= 1000;
	else if (strcmp(p, "us"))
		FAIL("rate '%s': the interval's unit is s, ms or us", s);
	if (!iv || iv > 10000000)
		FAIL("rate '%s': the interval must be between 1us and 10s", s);
	*interval_us = (uint32_t)iv;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	int n = 0;
	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3],
				      &b[4], &b[5], &n) != 6 || n != 17)
		return -1;
	for (int i = 0; i < 17; i++)
		if ((i % 3 == 2) != (s[i] == ':') || (i % 3 != 2 && !isxdigit((unsigned char)s[i])))
			return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/* Why s cannot name a network interface (the kernel's dev_valid_name:
 * 1-15 bytes, IFNAMSIZ with the NUL; no '/', ':' or white space; not "."
 * or ".."), or NULL when it can. */
static const char *ifname_problem(const char *s)
{
	size_t n = strlen(s);
	if (!n)
		return "is empty";
	if (n > 15)
		return "is longer than 15 characters (IFNAMSIZ)";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "cannot be . or ..";
	for (const char *c = s; *c; c++)
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c))
			return "holds '/', ':' or a space";
	return NULL;
}

void vif_spec_free(struct vif_spec *v)
{
	char **strs[] = { &v->model, &v->type, &v->bridge, &v->tap, &v->ip, &v->vifname, &v->script,
			  &v->backend, &v->gatewaydev, &v->rate, &v->tftp, &v->bootfile };
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		free(*strs[i]);
	vmc_free_str_list(v->hostfwd, &v->n_hostfwd, VIF_MAX_HOSTFWD);
	memset(v, 0, sizeof(*v));
}

/* Report at the column of offset off inside the quoted string item. */
#define AT(c, item, off, kind, ...) \
	vmc_report(c, kind, (item)->line, (item)->col + 1 + (int)(off), __VA_ARGS__)
#define ERR_AT(c, item, off, ...) ((c)->errors++, AT(c, item, off, "", __VA_ARGS__))
#define WARN_AT(c, item, off, ...) AT(c, item, off, "warning: ", __VA_ARGS__)

/* One key=value of a vif (val is what follows '='; off the key's offset). */
static int vif_key(struct ctx *c, const struct cfg_value *item, struct vif_spec *v,
		   const char *key, const char *val, size_t off, size_t voff)
{
	char why[200];
	if (!strcmp(key, "mac")) {
		if (parse_mac(val, v->mac) < 0) {
			ERR_AT(c, item, voff, "vif: mac '%s' is not six hex bytes (00:16:3e:xx:xx:xx)", val);
			return -1;
		}
		if (v->mac[0] & 1) {
			ERR_AT(c, item, voff, "vif: mac '%s' is a multicast address (the first byte "
			       "must be even)", val);
			return -1;
		}
		v->mac_set = true;
	} else if (!strcmp(key, "model")) {
		static const char *const later[] = { "pcnet", "virtio-net", "i82551", "i82557b",
						     "i82559er" };
		static const char *const models[] = NET_NIC_MODELS;
		v->model_set = true;
		char list[128] = "";
		for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
			if (!strcmp(val, models[i])) {
				vmc_set_str(&v->model, val);
				return 0;
			}
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
				 models[i]);
		}
		bool known = false;
		for (size_t i = 0; i < ARRAY_SIZE(later); i++)
			known |= !strcmp(val, later[i]);
		if (!known) {
			ERR_AT(c, item, voff, "vif: unknown model '%s' (%s)", val, list);
			return -1;
		}
		WARN_AT(c, item, voff, "vif: model '%s' is not implemented yet; the guest "
			"gets an %s", val, NET_NIC_DEFAULT);
		vmc_set_str(&v->model, NET_NIC_DEFAULT);
	} else if (!strcmp(key, "io")) {
		char *end;
		unsigned long io = strtoul(val, &end, 0);
		if (!*val || *end || io < 0x200 || io > 0x3E0 || io % 0x20) {
			ERR_AT(c, item, voff, "vif: io '%s': an NE2000's base, 0x200-0x3e0 in steps "
			       "of 0x20 (e.g. 0x300)", val);
			return -1;
		}
		v->io = (uint16_t)io;
		v->io_at = (int)off;
	} else if (!strcmp(key, "irq")) {
		static const unsigned ok[] = { 3, 4, 5, 7, 9, 10, 11, 12, 15 };
		char *end;
		unsigned long irq = strtoul(val, &end, 10);
		bool good = false;
		for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
			good |= *val && !*end && irq == ok[i];
		if (!good) {
			ERR_AT(c, item, voff, "vif: irq '%s': an ISA line the NE2000 can use "
			       "(3, 4, 5, 7, 9, 10, 11, 12, 15)", val);
			return -1;
		}
		v->irq = (uint8_t)irq;
		v->io_at = (int)off;
	} else if (!strcmp(key, "type")) {
		if (strcmp(val, "ioemu") && strcmp(val, "vif") && strcmp(val, "user")) {
			ERR_AT(c, item, voff, "vif: type '%s': ioemu or vif (an emulated card), "
			       "user (one on user-mode NAT)", val);
			return -1;
		}
		vmc_set_str(&v->type, val);
		v->type_at = (int)off;
	} else if (!strcmp(key, "bridge") || !strcmp(key, "tap") || !strcmp(key, "vifname")) {
		const char *bad = ifname_problem(val);
		if (bad) {
			ERR_AT(c, item, voff, "vif: %s '%s' %s", key, val, bad);
			return -1;
		}
		vmc_set_str(!strcmp(key, "bridge") ? &v->bridge : !strcmp(key, "tap") ? &v->tap :
			    &v->vifname, val);
		if (!strcmp(key, "vifname"))
			v->vifname_at = (int)off;
	} else if (!strcmp(key, "rate")) {
		if (vif_parse_rate(val, &v->rate_bps, &v->rate_interval_us, why, sizeof(why)) < 0) {
			ERR_AT(c, item, voff, "vif: %s", why);
			return -1;
		}
		vmc_set_str(&v->rate, val);
	} else if (!strcmp(key, "hostfwd")) {
		if (!v->n_hostfwd && !v->tftp && !v->bootfile)
			v->nat_at = (int)off;
		struct hostfwd f;
		size_t at;
		if (hostfwd_parse(val, false, &f, &at, why, sizeof(why)) < 0) {
			ERR_AT(c, item, voff + at, "vif: hostfwd '%s': %s", val, why);
			return -1;
		}
		if (v->n_hostfwd == VIF_MAX_HOSTFWD) {
			ERR_AT(c, item, off, "vif: at most %d hostfwd= rules", VIF_MAX_HOSTFWD);
			return -1;
		}
		v->hostfwd[v->n_hostfwd++] = xstrdup(val);
	} else if (!strcmp(key, "ip")) {
		vmc_set_str(&v->ip, val);
		WARN_AT(c, item, off, "vif: ip= is for xl's hotplug scripts; the guest sets its "
			"own address (on the NAT network it gets 10.0.2.15 by DHCP)");
	} else if (!strcmp(key, "script")) {
		vmc_set_str(&v->script, val);
		WARN_AT(c, item, off, "vif: script '%s' is not run (vmstation puts the TAP on the "
			"bridge itself)", val);
	} else if (!strcmp(key, "backend")) {
		vmc_set_str(&v->backend, val);
		WARN_AT(c, item, off, "vif: backend= names a Xen driver domain; ignored");
	} else if (!strcmp(key, "gatewaydev")) {
		vmc_set_str(&v->gatewaydev, val);
		WARN_AT(c, item, off, "vif: gatewaydev= is for xl's vif-route script; ignored");
	} else if (!strcmp(key, "tftp") || !strcmp(key, "bootfile")) {
		if (!v->n_hostfwd && !v->tftp && !v->bootfile)
			v->nat_at = (int)off;
		vmc_set_str(!strcmp(key, "tftp") ? &v->tftp : &v->bootfile, val);
	} else if (!strcmp(key, "accel") || !strcmp(key, "devid") || !strcmp(key, "mtu") ||
		   !strcmp(key, "forwarddev") || !strcmp(key, "powermgmt")) {
		WARN_AT(c, item, off, "vif: %s= is a Xen back-end option; ignored", key);
	} else {
		ERR_AT(c, item, off, "vif: unknown key '%s' (mac, bridge, model, type, ip, vifname, "
		       "rate, script, backend, tap, hostfwd, tftp, bootfile, io, irq)", key);
		return -1;
	}
	return 0;
}

/* One vif string into v (already zeroed). */
static void parse_vif(struct ctx *c, const struct cfg_value *item, struct vif_spec *v,
		      unsigned index)
{
	const char *s = item->str;
	char *copy = xstrdup(s);
	size_t pos = 0, len = strlen(s);
	v->line = item->line;
	v->col = item->col;
	while (pos <= len) {
		size_t end = pos;
		while (end < len && copy[end] != ',')
			end++;
		copy[end] = 0;
		size_t a = pos;
		while (isspace((unsigned char)copy[a]))
			a++;
		size_t b = end;
		while (b > a && isspace((unsigned char)copy[b - 1]))
			copy[--b] = 0;
		char *tok = copy + a;
		if (*tok) {
			char *eq = strchr(tok, '=');
			if (!strcmp(tok, "trusted") || !strcmp(tok, "untrusted")) {
				WARN_AT(c, item, a, "vif: %s is a Xen driver-domain flag; ignored", tok);
			} else if (!eq || eq == tok) {
				ERR_AT(c, item, a, "vif: expected key=value, got '%s'", tok);
			} else {
				*eq = 0;
				vif_key(c, item, v, tok, eq + 1, a, a + (size_t)(eq - tok) + 1);
			}
		}   /* empty parameters (",,", a trailing comma) are skipped, as xl does */
		pos = end + 1;
	}
	free(copy);
	if (!v->model)
		v->model = xstrdup(NET_NIC_DEFAULT);
	if ((v->io || v->irq) && strcmp(v->model, "ne2k_isa")) {
		WARN_AT(c, item, v->io_at, "vif: io= and irq= are an ne2k_isa's; the %s ignores them",
			v->model);
		v->io = 0;
		v->irq = 0;
	} else if (!strcmp(v->model, "ne2k_isa")) {
		if (!v->io)
			v->io = 0x300;
		if (!v->irq)
			v->irq = 9;
	}
	bool user = v->type && !strcmp(v->type, "user");
	if (user && (v->bridge || v->tap))
		ERR_AT(c, item, v->type_at, "vif: type=user asks for user-mode NAT, %s= for a "
		       "bridge: one or the other", v->tap ? "tap" : "bridge");
	else if (v->tap && v->vifname && strcmp(v->tap, v->vifname))
		ERR_AT(c, item, v->vifname_at, "vif: vifname '%s' and tap '%s': tap= names the "
		       "TAP already", v->vifname, v->tap);
	else if ((v->bridge || v->tap) && (v->n_hostfwd || v->tftp || v->bootfile))
		WARN_AT(c, item, v->nat_at, "vif: hostfwd=, tftp= and bootfile= are the NAT "
			"network's: with %s= they apply only if the card falls back to NAT",
			v->tap ? "tap" : "bridge");
	if (!v->type)
		v->type = xstrdup("ioemu");
	if (!v->mac_set)
		vif_default_mac(c->vc->name, index, v->mac);
}

int vmc_parse_vif(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	size_t n;
	struct cfg_value **items;
	if (!vmc_entry_items(c, e, &items, &n))
		return 0;
	struct vm_config *vc = c->vc;
	for (unsigned i = 0; i < vc->n_vifs; i++)
		vif_spec_free(&vc->vifs[i]);
	vc->n_vifs = 0;
	for (size_t i = 0; i < n; i++) {
		if (vc->n_vifs == VM_MAX_VIFS) {
			verr(c, items[i], "vif: at most %d cards", VM_MAX_VIFS);
			return 0;
		}
		int errs = c->errors;
		struct vif_spec *v = &vc->vifs[vc->n_vifs];
		memset(v, 0, sizeof(*v));
		parse_vif(c, items[i], v, vc->n_vifs);
		if (c->errors != errs) {
			vif_spec_free(v);
			continue;
		}
		/* host interfaces: a TAP serves one card (tap=), a name one TAP */
		const char *host = v->tap ? v->tap : v->bridge ? v->vifname : NULL;
		for (unsigned j = 0; host && j < vc->n_vifs; j++) {
			const struct vif_spec *w = &vc->vifs[j];
			const char *other = w->tap ? w->tap : w->bridge ? w->vifname : NULL;
			if (other && !strcmp(host, other))
				verr(c, items[i], "vif: the host interface '%s' is also vif %u's", host, j);
		}
		for (unsigned j = 0; j < vc->n_vifs; j++)
			if (!memcmp(vc->vifs[j].mac, v->mac, 6)) {
				verr(c, items[i], "vif: MAC %02x:%02x:%02x:%02x:%02x:%02x is also "
				     "vif %u's", v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4],
				     v->mac[5], j);
			}
		vc->n_vifs++;
	}
	return 0;
}

/* vif = ['mac=..., model=rtl8139, type=ioemu, ...'] with every key that is set. */
void vmc_print_vif(const struct vm_config *vc, FILE *out)
{
	fprintf(out, "vif = [");
	for (unsigned i = 0; i < vc->n_vifs; i++) {
		const struct vif_spec *v = &vc->vifs[i];
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (!f)
			return;
		fprintf(f, "mac=%02x:%02x:%02x:%02x:%02x:%02x, model=%s, type=%s", v->mac[0],
			v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5], v->model, v->type);
		if (!strcmp(v->model, "ne2k_isa"))
			fprintf(f, ", io=0x%x, irq=%u", v->io, v->irq);
		const char *keys[] = { "bridge", "tap", "ip", "vifname", "rate", "script", "backend",
				       "gatewaydev", "tftp", "bootfile" };
		const char *vals[] = { v->bridge, v->tap, v->ip, v->vifname, v->rate, v->script,
				       v->backend, v->gatewaydev, v->tftp, v->bootfile };
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			if (vals[k])
				fprintf(f, ", %s=%s", keys[k], vals[k]);
		for (unsigned k = 0; k < v->n_hostfwd; k++)
			fprintf(f, ", hostfwd=%s", v->hostfwd[k]);
		fclose(f);
		fputs(i ? ", " : "", out);
		vmc_print_quoted(out, buf);
		free(buf);
	}
	fprintf(out, "]\n");
}

/*
 * ne2000 = 1: xm's HVM switch for the emulated card (Xen 3.0's examples:
 * "enable ne2000, default = 0 (use pcnet)"): the vifs that name no model=
 * become NE2000 PCI cards. xl dropped it for vif's model=.
 */
int vmc_parse_ne2000(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	if (!e)
		return 0;
	const struct cfg_value *v = e->val;
	long long on;
	if (!vmc_get_num(c, "ne2000", v, &on))
		return 0;
	if (on != 0 && on != 1) {
		verr(c, v, "ne2000: 0 or 1");
		return 0;
	}
	if (!on)
		return 0;
	struct vm_config *vc = c->vc;
	unsigned n = 0;
	for (unsigned i = 0; i < vc->n_vifs; i++)
		if (!vc->vifs[i].model_set) {
			vmc_set_str(&vc->vifs[i].model, "ne2k_pci");
			n++;
		}
	if (!vc->n_vifs)
		vwarn(c, v, "ne2000 = 1 without a vif: no card (add vif = [ '' ])");
	else if (!n)
		vwarn(c, v, "ne2000 = 1: every vif names its model=; it changes nothing");
	return 0;
}
