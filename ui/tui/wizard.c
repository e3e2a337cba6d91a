/*
 * The new-VM wizard: name, memory, vCPUs, disk size and format, an ISO to
 * install from and whether to boot from the CD. Create makes the disk in
 * vm_dir on a helper thread, with the progress shown: a qcow2 image (v3,
 * 64 KiB clusters, grows as the guest writes) or a sparse raw file (grown in
 * steps); then it writes the VM file next to it.
 */
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/qcow2.h"
#include "ui/tui/tui.h"
#include "core/util.h"

enum { F_NAME, F_MEMORY, F_VCPUS, F_DISK, F_FORMAT, F_ISO, F_BOOTCD, F_CREATE, F_CANCEL, F_COUNT };

struct wizard {
	struct modal m;
	char name[64], memory[16], vcpus[8], disk[16], iso[1024];
	bool boot_cd;
	bool qcow2;             /* the disk's format: qcow2, else raw */
	int field;
	char err[1300];
	int fy[F_COUNT], fx[F_COUNT];   /* where each field is drawn, for the mouse */

	/* creation, on its own thread */
	bool creating;
	pthread_t thread;
	_Atomic int progress;   /* per mille */
	_Atomic int done;       /* 0 running, 1 ok, -1 failed */
	char thread_err[256];
	char *img, *cfg;
	uint64_t size;
};

static const char *const labels[F_COUNT] = {
	"Name", "Memory (MiB)", "vCPUs", "Disk size (GiB)", "Disk format", "Install ISO", "Boot from CD",
	"Create", "Cancel"
};

static char *field_text(struct wizard *w, int f, size_t *cap)
{
	switch (f) {
	case F_NAME: *cap = sizeof(w->name); return w->name;
	case F_MEMORY: *cap = sizeof(w->memory); return w->memory;
	case F_VCPUS: *cap = sizeof(w->vcpus); return w->vcpus;
	case F_DISK: *cap = sizeof(w->disk); return w->disk;
	case F_ISO: *cap = sizeof(w->iso); return w->iso;
	default: *cap = 0; return NULL;
	}
}

static void draw(struct panel *p, struct modal *m)
{
	struct wizard *w = (struct wizard *)m;
	struct rect in = draw_dialog(p, 15, MIN(COLS - 2, 72), "New VM");
	for (int f = 0; f <= F_BOOTCD; f++) {
		int y = in.y + f + (f > F_FORMAT);
		w->fy[f] = y;
		w->fx[f] = in.x;
		attrset(draw_attr(p, TE_DIALOG));
		char lab[32];
		snprintf(lab, sizeof(lab), "%-16s", labels[f]);
		draw_text(y, in.x, 16, lab);
		attrset(draw_attr(p, f == w->field ? TE_MENU_SELECTED : TE_INPUT));
		int vx = in.x + 17, vw = in.w - 17;
		move(y, vx);
		for (int i = 0; i < vw; i++)
			addch(' ');
		if (f == F_BOOTCD) {
			draw_text(y, vx, vw, w->boot_cd ? "[x] (space toggles)" : "[ ] (space toggles)");
			continue;
		}
		if (f == F_FORMAT) {
			draw_text(y, vx, vw, w->qcow2 ? "qcow2 (grows as written; space: raw)"
						  : "raw (sparse file; space: qcow2)");
			continue;
		}
		size_t cap;
		const char *t = field_text(w, f, &cap);
		if (f == F_ISO && !*t)
			t = "(none; Enter opens the file browser)";
		int len = (int)strlen(t);
		const char *shown = len > vw - 1 ? t + len - (vw - 1) : t;
		draw_text(y, vx, vw, shown);
		if (f == w->field && f != F_ISO) {
			p->cur_y = y;
			p->cur_x = vx + MIN(vw - 1, (int)strlen(shown));
		}
	}
	int by = in.y + in.h - 2;
	w->fy[F_CREATE] = w->fy[F_CANCEL] = by;
	w->fx[F_CREATE] = in.x + in.w / 2 - 14;
	w->fx[F_CANCEL] = in.x + in.w / 2 + 2;
	if (w->creating) {
		attrset(draw_attr(p, TE_DIALOG));
		char t[300];
		snprintf(t, sizeof(t), "creating %s", w->img);
		draw_text(by - 1, in.x, in.w, t);
		draw_progress(p, by, in.x, in.w, w->progress / 1000.0);
	} else {
		draw_button(p, by, w->fx[F_CREATE], "Create", w->field == F_CREATE);
		draw_button(p, by, w->fx[F_CANCEL], "Cancel", w->field == F_CANCEL);
	}
	attrset(draw_attr(p, w->err[0] ? TE_ERROR : TE_DIALOG));
	draw_text(in.y + in.h - 1, in.x, in.w, w->err[0] ? w->err : "Tab/arrows move, Enter on Create");
}

static void *create_thread(void *opaque)
{
	struct wizard *w = opaque;
	if (w->qcow2) {
		/* metadata only: the header, an L1 table and one refcount block */
		if (qcow2_create(w->img, w->size, 16, 3, NULL, NULL, w->thread_err,
				 sizeof(w->thread_err)) < 0) {
			atomic_store_explicit(&w->done, -1, memory_order_release);
			return NULL;
		}
		w->progress = 1000;
		atomic_store_explicit(&w->done, 1, memory_order_release);
		return NULL;
	}
	int fd = open(w->img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(w->thread_err, sizeof(w->thread_err), "%s: %s", w->img, strerror(errno));
		atomic_store_explicit(&w->done, -1, memory_order_release);
		return NULL;
	}
	/* grow the sparse file in 100 steps: no data blocks are written */
	for (int i = 1; i <= 100; i++) {
		if (ftruncate(fd, (off_t)(w->size / 100 * (uint64_t)i)) < 0) {
			snprintf(w->thread_err, sizeof(w->thread_err), "%s: %s", w->img, strerror(errno));
			close(fd);
			unlink(w->img);
			atomic_store_explicit(&w->done, -1, memory_order_release);
			return NULL;
		}
		w->progress = i * 9;
		usleep(2000);
	}
	if (ftruncate(fd, (off_t)w->size) < 0 || fsync(fd) < 0 || close(fd) < 0) {
		snprintf(w->thread_err, sizeof(w->thread_err), "%s: %s", w->img, strerror(errno));
		unlink(w->img);
		atomic_store_explicit(&w->done, -1, memory_order_release);
		return NULL;
	}
	w->progress = 1000;
	atomic_store_explicit(&w->done, 1, memory_order_release);
	return NULL;
}

static bool valid_name(const char *n)
{
	if (!*n || strlen(n) > 40)
		return false;
	for (const char *s = n; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return false;
	return n[0] != '.';
}

static bool parse_u(const char *s, unsigned long long lo, unsigned long long hi,
		    unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static void start_create(struct panel *p, struct wizard *w)
{
	unsigned long long mem, cpus, gib;
	w->err[0] = 0;
	if (!valid_name(w->name)) {
		snprintf(w->err, sizeof(w->err), "name: letters, digits, - _ . (up to 40)");
		w->field = F_NAME;
		return;
	}
	if (!parse_u(w->memory, 16, 1 << 20, &mem)) {
		snprintf(w->err, sizeof(w->err), "memory: 16 to 1048576 MiB");
		w->field = F_MEMORY;
		return;
	}
	if (!parse_u(w->vcpus, 1, 64, &cpus)) {
		snprintf(w->err, sizeof(w->err), "vCPUs: 1 to 64");
		w->field = F_VCPUS;
		return;
	}
	if (!parse_u(w->disk, 1, 65536, &gib)) {
		snprintf(w->err, sizeof(w->err), "disk size: 1 to 65536 GiB");
		w->field = F_DISK;
		return;
	}
	if (w->iso[0] && access(w->iso, R_OK) < 0) {
		snprintf(w->err, sizeof(w->err), "%s: %s", w->iso, strerror(errno));
		w->field = F_ISO;
		return;
	}
	if (strchr(w->iso, '\'') || strchr(w->iso, ',') || strchr(p->mc.vm_dir, '\'')) {
		snprintf(w->err, sizeof(w->err), "paths with ' or , cannot be written in a VM file");
		return;
	}
	mkdir_p(p->mc.vm_dir, 0755);
	free(w->img);
	free(w->cfg);
	w->img = xasprintf("%s/%s.%s", p->mc.vm_dir, w->name, w->qcow2 ? "qcow2" : "img");
	w->cfg = xasprintf("%s/%s.cfg", p->mc.vm_dir, w->name);
	if (access(w->cfg, F_OK) == 0 || access(w->img, F_OK) == 0) {
		snprintf(w->err, sizeof(w->err), "%s already exists", access(w->cfg, F_OK) == 0 ? w->cfg : w->img);
		w->field = F_NAME;
		return;
	}
	w->size = gib << 30;
	w->progress = 0;
	w->done = 0;
	if (pthread_create(&w->thread, NULL, create_thread, w) != 0) {
		snprintf(w->err, sizeof(w->err), "cannot start a thread");
		return;
	}
	thread_set_name(w->thread, "vm-wizard");
	w->creating = true;
	(void)mem;
	(void)cpus;
}

static void finish_create(struct panel *p, struct wizard *w)
{
	pthread_join(w->thread, NULL);
	w->creating = false;
	if (w->done < 0) {
		snprintf(w->err, sizeof(w->err), "%s", w->thread_err);
		return;
	}
	FILE *f = fopen(w->cfg, "w");
	if (!f) {
		snprintf(w->err, sizeof(w->err), "%s: %s", w->cfg, strerror(errno));
		return;
	}
	fprintf(f, "# created by the vmstation panel's new-VM wizard\n");
	fprintf(f, "name = '%s'\n", w->name);
	fprintf(f, "memory = %s\n", w->memory);
	fprintf(f, "vcpus = %s\n", w->vcpus);
	const char *fmt = w->qcow2 ? "qcow2" : "raw";
	if (w->iso[0])
		fprintf(f, "disk = [ '%s,%s,hda,w', '%s,raw,hdc:cdrom,r' ]\n", w->img, fmt, w->iso);
	else
		fprintf(f, "disk = [ '%s,%s,hda,w', ',raw,hdc:cdrom,r' ]\n", w->img, fmt);
	fprintf(f, "boot = '%s'\n", w->boot_cd ? "dc" : "cd");
	fprintf(f, "vga = 'stdvga'\nvnc = 1\nvncunused = 1\nserial = 'null'\n");
	fprintf(f, "on_poweroff = 'destroy'\non_reboot = 'restart'\non_crash = 'destroy'\n");
	if (fclose(f) != 0) {
		snprintf(w->err, sizeof(w->err), "%s: %s", w->cfg, strerror(errno));
		return;
	}
	textbuf_printf(p->log, "new VM %s: %s (%s GiB, %s), %s\n", w->name, w->img, w->disk,
		       w->qcow2 ? "qcow2" : "sparse raw", w->cfg);
	panel_status(p, false, "created %s and %s", w->cfg, w->img);
	vmlist_scan(p);
	for (size_t i = 0; i < p->n_vms; i++)
		if (!strcmp(p->vms[i]->file, w->cfg))
			p->sel = i;
	w->m.closed = true;
}

static void tick(struct panel *p, struct modal *m)
{
	struct wizard *w = (struct wizard *)m;
	if (w->creating && atomic_load_explicit(&w->done, memory_order_acquire))
		finish_create(p, w);
	if (w->creating)
		p->dirty = true;
}

static void iso_chosen(struct panel *p, const char *path, void *opaque)
{
	struct wizard *w = opaque;
	snprintf(w->iso, sizeof(w->iso), "%s", path);
	w->boot_cd = true;
	p->dirty = true;
}

static bool key(struct panel *p, struct modal *m, int ch, const MEVENT *ev)
{
	struct wizard *w = (struct wizard *)m;
	if (w->creating)
		return true;          /* wait for the image */
	if (m->closed)
		return false;
	size_t cap;
	char *t = field_text(w, w->field, &cap);
	switch (ch) {
	case 27:
		return false;
	case KEY_UP: case KEY_BTAB:
		w->field = (w->field + F_COUNT - 1) % F_COUNT;
		return true;
	case KEY_DOWN: case '\t':
		w->field = (w->field + 1) % F_COUNT;
		return true;
	case KEY_LEFT:
		if (w->field == F_CANCEL)
			w->field = F_CREATE;
		return true;
	case KEY_RIGHT:
		if (w->field == F_CREATE)
			w->field = F_CANCEL;
		return true;
	case ' ':
		if (w->field == F_BOOTCD) {
			w->boot_cd = !w->boot_cd;
			return true;
		}
		if (w->field == F_FORMAT) {
			w->qcow2 = !w->qcow2;
			return true;
		}
		break;
	case '\n': case '\r': case KEY_ENTER:
		if (w->field == F_CANCEL)
			return false;
		if (w->field == F_ISO) {
			filebrowser_open(p, "Install from", p->mc.iso_dir, iso_chosen, w);
			return true;
		}
		if (w->field == F_BOOTCD) {
			w->boot_cd = !w->boot_cd;
			return true;
		}
		if (w->field == F_CREATE) {
			start_create(p, w);
			return true;
		}
		w->field++;
		return true;
	case KEY_BACKSPACE: case 127: case 8:
		if (t && *t)
			t[strlen(t) - 1] = 0;
		return true;
	case KEY_MOUSE:
		if (!ev || !(ev->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
			return true;   /* only clicks act here */
		for (int f = 0; f < F_COUNT; f++)
			if (ev->y == w->fy[f] && (f < F_CREATE || (ev->x >= w->fx[f] && ev->x < w->fx[f] + 10))) {
				w->field = f;
				if (f == F_CREATE)
					start_create(p, w);
				else if (f == F_CANCEL)
					return false;
				else if (f == F_BOOTCD)
					w->boot_cd = !w->boot_cd;
				else if (f == F_FORMAT)
					w->qcow2 = !w->qcow2;
			}
		return true;
	default:
		break;
	}
	if (t && ch >= 32 && ch < 127 && strlen(t) + 1 < cap) {
		size_t l = strlen(t);
		t[l] = (char)ch;
		t[l + 1] = 0;
	}
	return true;
}

static void wizard_free(struct modal *m)
{
	struct wizard *w = (struct wizard *)m;
	if (w->creating)
		pthread_join(w->thread, NULL);
	free(w->img);
	free(w->cfg);
	free(w);
}

void wizard_open(struct panel *p)
{
	struct wizard *w = xzalloc(sizeof(*w));
	w->m.draw = draw;
	w->m.key = key;
	w->m.tick = tick;
	w->m.free = wizard_free;
	snprintf(w->memory, sizeof(w->memory), "%llu", (unsigned long long)p->mc.new_memory_mib);
	snprintf(w->vcpus, sizeof(w->vcpus), "%u", p->mc.new_vcpus);
	snprintf(w->disk, sizeof(w->disk), "%llu", (unsigned long long)p->mc.new_disk_gib);
	w->boot_cd = false;
	w->qcow2 = !p->mc.new_disk_format || strcmp(p->mc.new_disk_format, "raw");
	panel_push_modal(p, &w->m);
}
