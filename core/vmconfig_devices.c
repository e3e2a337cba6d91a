/*
 * Device keys with a syntax of their own: serial ports and the debug
 * console (core/chardev.h specs), the display card and VNC address, USB
 * devices, sound cards and the audio back end.
 */
#include "core/vmconfig_priv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- character devices --------------------------------------------------- */

/* The specs core/chardev.h opens. */
static bool chardev_spec_ok(const char *s)
{
	if (!strcmp(s, "pty") || !strcmp(s, "stdio") || !strcmp(s, "null") || !strcmp(s, "none"))
		return true;
	if (!strncmp(s, "file:", 5))
		return s[5] != 0;
	if (strncmp(s, "unix:", 5) || !s[5] || s[5] == ',')
		return false;
	for (const char *o = strchr(s + 5, ','); o; o = strchr(o + 1, ',')) {
		size_t l = strcspn(o + 1, ",");
		if (!(l == 6 && !strncmp(o + 1, "server", 6)) && !(l == 6 && !strncmp(o + 1, "nowait", 6)))
			return false;
	}
	return true;
}

#define CHARDEV_SPECS "pty, stdio, file:PATH, unix:PATH[,server[,nowait]], null or none"

int vmc_parse_serial(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	size_t n;
	struct cfg_value **items;
	if (!vmc_entry_items(c, e, &items, &n))
		return 0;
	if (n > VM_MAX_SERIAL) {
		verr(c, items[VM_MAX_SERIAL], "serial: at most %d ports (COM1-COM4)", VM_MAX_SERIAL);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!chardev_spec_ok(items[i]->str)) {
			verr(c, items[i], "serial '%s': unsupported (" CHARDEV_SPECS ")", items[i]->str);
			return 0;
		}
	}
	struct vm_config *vc = c->vc;
	vmc_free_str_list(vc->serial, &vc->n_serial, VM_MAX_SERIAL);
	for (size_t i = 0; i < n; i++)
		vc->serial[i] = xstrdup(items[i]->str);
	vc->n_serial = (unsigned)n;
	return 0;
}

int vmc_parse_debugcon(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s = vmc_entry_str(c, e);
	if (!s)
		return 0;
	if (*s && !chardev_spec_ok(s)) {
		verr(c, e->val, "debugcon '%s': unsupported (" CHARDEV_SPECS ")", s);
		return 0;
	}
	vmc_set_str(&c->vc->debugcon, *s ? s : NULL);
	return 0;
}

/* ---- display ------------------------------------------------------------- */

int vmc_parse_vga(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s = vmc_entry_str(c, e);
	if (!s)
		return 0;
	if (strcmp(s, "stdvga") && strcmp(s, "cirrus") && strcmp(s, "none")) {
		verr(c, e->val, "vga '%s' is not emulated (stdvga, cirrus or none)", s);
		return 0;
	}
	vmc_set_str(&c->vc->vga, s);
	return 0;
}

/* fullscreen_scale='aspect' | 'integer': how a full-screen SDL window scales the guest. */
int vmc_parse_fullscreen_scale(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s = vmc_entry_str(c, e);
	if (!s)
		return 0;
	if (strcmp(s, "aspect") && strcmp(s, "integer")) {
		verr(c, e->val, "fullscreen_scale must be 'aspect' or 'integer', not '%s'", s);
		return 0;
	}
	vmc_set_str(&c->vc->fullscreen_scale, s);
	return 0;
}

/* Deprecated stdvga=0|1. stdvga=0 asked Xen for a Cirrus card: we keep the standard VGA. */
int vmc_parse_stdvga(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	long long n;
	if (!e || !vmc_get_num(c, e->key, e->val, &n))
		return 0;
	struct cfg_entry *vga = cfg_lookup(c->cfg, "vga");
	if (vga)
		vwarn(c, e->val, "stdvga ignored: vga= (line %d) chooses the card", vga->line);
	else if (!n)
		vnote(c, e->val, "stdvga=0 asks for a Cirrus card: vmstation keeps its standard VGA "
			    "(vga='stdvga'), which every guest with a VESA driver can use");
	return 0;
}

/*
 * vnclisten = 'ADDR[:DISPLAY][,websocket=PORT]': what xl hands to QEMU's -vnc,
 * of which vmstation takes the address, the display number and the port of
 * the WebSocket listener (noVNC).
 */
static bool take_vnc_options(struct ctx *c, struct cfg_entry *e, const char *s, char *opts)
{
	char *save = NULL;
	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (strncmp(o, "websocket=", 10)) {
			verr(c, e->val, "vnclisten '%s': option '%s' is not supported (only websocket=PORT)",
			     s, o);
			return false;
		}
		const char *v = o + 10;
		long port = strspn(v, "0123456789") == strlen(v) && *v && strlen(v) <= 5 ?
				    strtol(v, NULL, 10) : -1;
		if (port < 1 || port > 65535) {
			verr(c, e->val, "vnclisten '%s': websocket= needs a TCP port number (1-65535), "
				   "not '%s'", s, v);
			return false;
		}
		c->vc->vnc_websocket = (int)port;
	}
	return true;
}

bool vmconfig_soundhw_has(const struct vm_config *cfg, const char *card)
{
	size_t clen = strlen(card);
	for (unsigned i = 0; i < cfg->n_soundhw && i < VM_MAX_SOUND; i++) {
		const char *p = cfg->soundhw[i];
		while (p && *p) {
			size_t n = strcspn(p, ", ");
			if ((n == clen && !strncmp(p, card, n)) || (n == 3 && !strncmp(p, "all", 3)))
				return true;
			p += n;
			p += strspn(p, ", ");
		}
	}
	return false;
}

void vmconfig_apply_nographic(struct vm_config *cfg)
{
	if (!cfg || !cfg->nographic)
		return;
	cfg->sdl = false;
	cfg->vnc = false;
	cfg->vncconsole = false;
	if (cfg->n_serial == 0 || !cfg->serial[0] || !strcmp(cfg->serial[0], "none")) {
		if (cfg->n_serial == 0)
			cfg->n_serial = 1;
		free(cfg->serial[0]);
		cfg->serial[0] = xstrdup("stdio");
	}
}

bool vmconfig_direct_boot(const struct vm_config *cfg)
{
	return cfg && cfg->kernel && *cfg->kernel && strcmp(cfg->kernel, "hvmloader") != 0;
}

const char *vmconfig_vnc_listen(const struct vm_config *cfg)
{
	const char *l = cfg && cfg->vnclisten && *cfg->vnclisten ? cfg->vnclisten : VNC_LISTEN_DEFAULT;
	return strcmp(l, "localhost") ? l : VNC_LISTEN_DEFAULT;
}

int vmc_parse_vnclisten(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	const char *s = vmc_entry_str(c, e);
	if (!s)
		return 0;
	char *addr = xstrdup(s), *comma = strchr(addr, ',');
	c->vc->vnc_websocket = 0;
	if (comma) {
		*comma = 0;
		if (!take_vnc_options(c, e, s, comma + 1)) {
			free(addr);
			return 0;
		}
	}
	char *colon = strchr(addr, ':');
	if (colon && colon == strrchr(addr, ':') && colon[1] && strspn(colon + 1, "0123456789") ==
	    strlen(colon + 1)) {
		long disp = strtol(colon + 1, NULL, 10);
		if (disp > 59635 || strlen(colon + 1) > 5) {
			verr(c, e->val, "vnclisten '%s': display number out of range (0-59635)", s);
			free(addr);
			return 0;
		}
		*colon = 0;
		struct cfg_entry *vd = cfg_lookup(c->cfg, "vncdisplay");
		if (vd && c->vc->vncdisplay != (int)disp)
			vwarn(c, e->val, "vnclisten display :%ld overrides vncdisplay (line %d)", disp, vd->line);
		c->vc->vncdisplay = (int)disp;
	}
	if (!*addr) {
		verr(c, e->val, "vnclisten must name an address");
		free(addr);
		return 0;
	}
	if (c->vc->vnc_websocket && c->vc->vnc_websocket == 5900 + c->vc->vncdisplay) {
		verr(c, e->val, "vnclisten '%s': websocket=%d is the VNC port of display :%d itself", s,
		     c->vc->vnc_websocket, c->vc->vncdisplay);
		free(addr);
		return 0;
	}
	free(c->vc->vnclisten);
	c->vc->vnclisten = addr;
	return 0;
}

/* ---- USB and sound -------------------------------------------------------- */

int vmc_parse_usbdevice(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	size_t n;
	struct cfg_value **items;
	if (!vmc_entry_items(c, e, &items, &n))
		return 0;
	struct vm_config *vc = c->vc;
	vmc_free_str_list(vc->usbdevice, &vc->n_usbdevice, VM_MAX_USBDEV);
	for (size_t i = 0; i < n; i++) {
		const char *s = items[i]->str;
		if (strcmp(s, "tablet") && strcmp(s, "mouse") && strcmp(s, "keyboard")) {
			vwarn(c, items[i], "usbdevice '%s' is not emulated (tablet, mouse, keyboard are); "
				     "ignored", s);
			continue;
		}
		if (vc->n_usbdevice == VM_MAX_USBDEV) {
			verr(c, items[i], "usbdevice: at most %d devices", VM_MAX_USBDEV);
			return 0;
		}
		vc->usbdevice[vc->n_usbdevice++] = xstrdup(s);
	}
	if (vc->n_usbdevice)
		vc->usb = true; /* a USB device needs the controller */
	return 0;
}

/* One word of soundhw=: add the card it names ("all": every card we emulate). */
static void add_soundhw(struct ctx *c, const struct cfg_value *item, const char *w)
{
	static const char *const ours[] = { "sb16", "adlib", "pcspk" };
	static const char *const xens[] = { "hda", "ac97", "es1370", "cs4231a", "gus" };
	struct vm_config *vc = c->vc;
	bool known = false, ignored = false;

	for (unsigned j = 0; j < ARRAY_SIZE(xens); j++)
		ignored |= !strcmp(w, xens[j]);
	if (ignored) {
		vwarn(c, item, "soundhw '%s' is not emulated (sb16, adlib and pcspk are); ignored", w);
		return;
	}
	for (unsigned j = 0; j < ARRAY_SIZE(ours); j++) {
		if (strcmp(w, ours[j]) && strcmp(w, "all"))
			continue;
		known = true;
		bool dup = false;
		for (unsigned m = 0; m < vc->n_soundhw; m++)
			dup |= !strcmp(vc->soundhw[m], ours[j]);
		if (!dup && vc->n_soundhw < VM_MAX_SOUND)
			vc->soundhw[vc->n_soundhw++] = xstrdup(ours[j]);
	}
	if (!known)
		verr(c, item, "soundhw: unknown sound device '%s' (sb16, adlib, pcspk)", w);
}

/* soundhw='sb16', 'sb16,adlib' or ['sb16', 'adlib']. */
int vmc_parse_soundhw(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	size_t n;
	struct cfg_value **items;
	if (!vmc_entry_items(c, e, &items, &n))
		return 0;
	vmc_free_str_list(c->vc->soundhw, &c->vc->n_soundhw, VM_MAX_SOUND);
	for (size_t i = 0; i < n; i++) {
		char *names = xstrdup(items[i]->str), *save = NULL;
		for (char *w = strtok_r(names, ", ", &save); w; w = strtok_r(NULL, ", ", &save))
			add_soundhw(c, items[i], w);
		free(names);
	}
	return 0;
}

/*
 * audio='pulse' | 'sdl' | 'wav:/path' | 'none' (ui/audio_backend.c), or an
 * xl-style boolean: 1/yes/true picks the back end automatically, 0/no/false
 * is 'none'.
 */
int vmc_parse_audio(struct ctx *c, const struct key *k UNUSED, struct cfg_entry *e)
{
	static const char *const on[] = { "1", "yes", "true" }, *const off[] = { "0", "no", "false" };
	const char *s = vmc_entry_str(c, e);
	if (!s)
		return 0;
	for (unsigned i = 0; i < ARRAY_SIZE(on); i++) {
		if (!strcasecmp(s, on[i]) || !strcasecmp(s, off[i])) {
			vmc_set_str(&c->vc->audio, strcasecmp(s, on[i]) ? "none" : NULL);
			return 0;
		}
	}
	size_t l = strcspn(s, ":");
	bool ok = !*s || (l == 5 && !strncmp(s, "pulse", 5)) || (l == 3 && !strncmp(s, "sdl", 3)) ||
		  (!strcmp(s, "none")) || (l == 3 && !strncmp(s, "wav", 3) && s[3] == ':' && s[4]);
	if (!ok) {
		verr(c, e->val, "audio '%s': unknown back end (pulse, sdl, wav:PATH, none, or 1/0 for "
			   "automatic/none)", s);
		return 0;
	}
	vmc_set_str(&c->vc->audio, *s ? s : NULL);
	return 0;
}
