/*
 * The details pane of the selected VM: file, state and last event, disks and
 * their media, network cards (model, MAC, back end, link, port forwards),
 * display addresses (VNC, SDL window), live figures and the tail of the
 * VM's log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/block.h"
#include "core/net.h"
#include "ui/tui/tui.h"
#include "core/util.h"
#include "ui/vm_frontends.h"
#include "core/vm.h"
#include "core/vmconfig.h"
#include "ui/vnc_server.h"

struct lines {
	struct panel *p;
	struct rect r;
	int y;
};

static void line(struct lines *l, const char *label, enum theme_elem ve, const char *fmt, ...)
	PRINTF(4, 5);
static void line(struct lines *l, const char *label, enum theme_elem ve, const char *fmt, ...)
{
	if (l->y >= l->r.h)
		return;
	char v[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	int x = 0;
	if (label) {
		attrset(draw_attr(l->p, TE_LABEL));
		char lab[32];
		snprintf(lab, sizeof(lab), "%-9s", label);
		x = draw_text(l->r.y + l->y, l->r.x, l->r.w, lab);
	}
	attrset(draw_attr(l->p, ve));
	/* long values wrap onto the following lines, indented, between words */
	const char *s = v;
	while (*s && l->y < l->r.h) {
		int w = l->r.w - x;
		if (w <= 0)
			break;
		size_t nl = strcspn(s, "\n");
		size_t take = draw_fit(s, w);
		if (take < nl) {
			/* break after a space or comma in the last two thirds, else after a slash */
			size_t brk = 0;
			for (size_t i = take; i > take / 3 && !brk; i--)
				if (s[i - 1] == ' ' || s[i - 1] == ',')
					brk = i;
			for (size_t i = take; i > take / 3 && !brk; i--)
				if (s[i - 1] == '/')
					brk = i;
			if (brk)
				take = brk;
			if (!take)
				break;   /* not even one character fits */
		}
		char chunk[512];
		snprintf(chunk, sizeof(chunk), "%.*s", (int)take, s);
		draw_text(l->r.y + l->y, l->r.x + x, w, chunk);
		s += take;
		if (*s == '\n')
			s++;
		else
			while (*s == ' ')
				s++;     /* a wrapped line starts with its word */
		l->y++;
		x = label ? 9 : 0;
	}
	if (!*v)
		l->y++;
}

static void disk_lines(struct lines *l, struct vm *vm)
{
	for (unsigned i = 0; i < vm->n_blocks; i++) {
		struct blockdev *bd = vm->blocks[i];
		if (!bd)
			continue;
		pthread_mutex_lock(&bd->lock);
		char v[400];
		char size[16];
		fmt_bytes(size, sizeof(size), (double)bd->size);
		if (bd->path) {
			/* the file name first, its directory on the next line */
			const char *slash = strrchr(bd->path, '/');
			const char *base = slash ? slash + 1 : bd->path;
			int dl = slash ? (int)(slash - bd->path) : 0;
			snprintf(v, sizeof(v), "%s %s%s%s%s%s%.*s", base, size, bd->readonly ? " ro" : "",
				 bd->locked ? " locked" : "", bd->tray_open ? " tray open" : "",
				 slash ? "\nin " : "", dl ? dl : 1, slash ? bd->path : "");
		}
		else
			snprintf(v, sizeof(v), "[no medium]%s%s", bd->locked ? " locked" : "",
				 bd->tray_open ? " tray open" : "");
		char lab[24];
		snprintf(lab, sizeof(lab), "%s", bd->cname[0] ? bd->cname : bd->qname);
		pthread_mutex_unlock(&bd->lock);
		line(l, lab, TE_VALUE, "%s", v);
	}
}

/* Each vif: "vif 0  rtl8139.0 rtl8139 00:16:3e:..., user.0 (NAT ...), link up",
 * then its port forwards and a capture. */
static void net_lines(struct lines *l, struct vm *vm)
{
	struct net_view v[VM_MAX_VIFS];
	unsigned n = net_views(vm, v, VM_MAX_VIFS);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *m = v[i].mac;
		char lab[16];
		snprintf(lab, sizeof(lab), "vif %u", v[i].index);
		line(l, lab, v[i].link_up ? TE_VALUE : TE_STATE_CRASHED,
		     "%s %s %02x:%02x:%02x:%02x:%02x:%02x, %s, link %s", v[i].name, v[i].model,
		     m[0], m[1], m[2],
		     m[3], m[4], m[5], v[i].backend, v[i].link_up ? "up" : "down (set_link)");
		for (unsigned f = 0; f < v[i].n_fwds && f < NET_VIEW_FWDS; f++)
			line(l, " hostfwd", TE_VALUE, "%s", v[i].fwds[f]);
		if (v[i].n_fwds > NET_VIEW_FWDS)
			line(l, " hostfwd", TE_VALUE, "... %u more (info network)",
			     v[i].n_fwds - NET_VIEW_FWDS);
		if (v[i].capture[0])
			line(l, " capture", TE_VALUE, "%s", v[i].capture);
	}
}

/* The last n lines of the VM's log file. */
static void log_tail(struct lines *l, struct panel_vm *pv)
{
	char *dir = pv->cfg && pv->cfg->log_dir ? xstrdup(pv->cfg->log_dir) :
		    pv->log_dir[0] ? xstrdup(pv->log_dir) : xasprintf("%s/%s", state_dir(), pv->name);
	char *path = xasprintf("%s/vmstation.log", dir);
	free(dir);
	FILE *f = fopen(path, "r");
	free(path);
	if (!f)
		return;
	int room = l->r.h - l->y - 1;
	if (room <= 0) {
		fclose(f);
		return;
	}
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	long from = size > 4096 ? size - 4096 : 0;
	fseek(f, from, SEEK_SET);
	char buf[4097];
	size_t n = fread(buf, 1, 4096, f);
	fclose(f);
	buf[n] = 0;
	/* keep lines that start with a date stamp: the log's own entries */
	char *lines[64];
	int nl = 0;
	char *save = NULL;
	for (char *s = strtok_r(buf, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
		if (from && s == buf)
			continue;         /* probably cut in the middle */
		if (nl == 64) {
			memmove(lines, lines + 1, sizeof(lines[0]) * 63);
			nl--;
		}
		lines[nl++] = s;
	}
	attrset(draw_attr(l->p, TE_PANE_TITLE));
	draw_text(l->r.y + l->y++, l->r.x, l->r.w, "log:");
	int first = nl > room ? nl - room : 0;
	attrset(draw_attr(l->p, TE_VALUE));
	for (int i = first; i < nl && l->y < l->r.h; i++) {
		/* drop the date, keep the time */
		const char *s = lines[i];
		if (strlen(s) > 11 && s[4] == '-' && s[10] == ' ')
			s += 11;
		draw_text(l->r.y + l->y++, l->r.x, l->r.w, s);
	}
}

void details_draw(struct panel *p, struct rect r)
{
	struct panel_vm *pv = panel_selected(p);
	draw_box(p, r, TE_BORDER, pv ? pv->name : "details", false);
	struct lines l = { p, { r.y + 1, r.x + 1, r.h - 2, r.w - 2 }, 0 };
	if (!pv) {
		attrset(draw_attr(p, TE_VALUE));
		draw_text(l.r.y, l.r.x, l.r.w, "No VM files in vm_dir.");
		draw_text(l.r.y + 1, l.r.x, l.r.w, "Press n for a new VM.");
		return;
	}
	const char *file = strrchr(pv->file, '/');
	line(&l, "file", TE_VALUE, "%s", file ? file + 1 : pv->file);
	line(&l, "state", pvm_state_elem(pv->state), "%s", pvm_state_name(pv->state));
	if (pv->event[0])
		line(&l, "event", pv->state == PVM_CRASHED ? TE_STATE_CRASHED : TE_VALUE, "%s",
		     pv->event);
	if (!pv->cfg_ok && pv->cfg_err[0])
		line(&l, "error", TE_STATE_CRASHED, "%s", pv->cfg_err);
	struct vm *vm = pv->vm;
	if (!vm || pv->starter_running) {
		line(&l, "machine", TE_VALUE, "%u vCPU, %llu MiB", pv->vcpus,
		     (unsigned long long)pv->memory_mib);
		if (pv->disks_desc[0])
			line(&l, "disks", TE_VALUE, "%s", pv->disks_desc);
	} else {
		disk_lines(&l, vm);
		net_lines(&l, vm);
		struct vnc_server *vnc = vnc_of(vm);
		if (vnc) {
			const char *host = vmconfig_vnc_listen(pv->cfg);
			int port = vnc_server_port(vnc);
			line(&l, "vnc", TE_VALUE, "%s:%d (display :%d)", host, port, port - 5900);
		} else {
			line(&l, "vnc", TE_VALUE, "off");
		}
		line(&l, "window", TE_VALUE, "%s",
		     pv->win ? (pv->win_full ? "open, full screen (f: normal)" : "open (f: full screen)")
			     : vm->display ? "closed (w opens)" : "no display");
		/* no network card: "-", not a rate that looks measured */
		char d[16], n[24] = "-";
		fmt_bytes(d, sizeof(d), pv->disk_bps);
		if (pv->has_net) {
			fmt_bytes(n, sizeof(n) - 2, pv->net_bps);
			strcat(n, "/s");
		}
		line(&l, "figures", TE_VALUE, "CPU %.0f%%, %.0f exits/s, disk %s/s, net %s, sound %s",
		     pv->cpu_pct, pv->exits_s, d, n, pv->audio_playing ? "playing" : "-");
	}
	log_tail(&l, pv);
}
