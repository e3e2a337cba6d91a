/*
 * The panel's VMs: the *.cfg files of vm_dir, each possibly running in this
 * process with its own threads. Start-up runs on a helper thread (vm_create
 * loads firmware and maps memory); VMs that stop are reaped here, on the main
 * thread, where their windows and monitor sessions live. The live figures are
 * sampled once a second.
 */
#include <stdatomic.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/host/audio.h"
#include "core/block.h"
#include "core/chardev.h"
#include "core/evloop.h"
#include "ui/sdl_window.h"
#include "ui/tui/tui.h"
#include "core/util.h"
#include "core/vcpu.h"
#include "core/vm.h"
#include "firmware/pc.h"
#include "ui/vm_frontends.h"
#include "core/vmconfig.h"

const char *pvm_state_name(enum pvm_state s)
{
	switch (s) {
	case PVM_STOPPED: return "stopped";
	case PVM_STARTING: return "starting";
	case PVM_RUNNING: return "running";
	case PVM_PAUSED: return "paused";
	case PVM_CRASHED: return "crashed";
	}
	return "?";
}

enum theme_elem pvm_state_elem(enum pvm_state s)
{
	switch (s) {
	case PVM_STARTING: return TE_STATE_STARTING;
	case PVM_RUNNING: return TE_STATE_RUNNING;
	case PVM_PAUSED: return TE_STATE_PAUSED;
	case PVM_CRASHED: return TE_STATE_CRASHED;
	default: return TE_STATE_STOPPED;
	}
}

/* --- the list of files ------------------------------------------------------ */

static void trim_msg(char *s)
{
	size_t l = strlen(s);
	while (l && (s[l - 1] == '\n' || s[l - 1] == ' '))
		s[--l] = 0;
}

/* Re-read the file's name, vCPUs and memory for the list. */
static void refresh_file(struct panel *p, struct panel_vm *pv)
{
	struct vm_config c;
	char msgs[512] = "";
	panel_drain_stderr(p, NULL, 0);       /* older messages go to the log */
	int r = vmconfig_load(&c, pv->file);
	panel_drain_stderr(p, msgs, sizeof(msgs));
	trim_msg(msgs);
	pv->cfg_ok = r == 0;
	snprintf(pv->cfg_err, sizeof(pv->cfg_err), "%s", r == 0 ? "" : msgs);
	bool exists = pv->vm || pv->starter_running;
	if (r == 0) {
		/* a VM that exists shows what it runs with, not the edited file */
		if (!exists) {
			free(pv->name);
			pv->name = xstrdup(c.name ? c.name : "?");
			pv->vcpus = c.vcpus ? c.vcpus : 1;
			pv->memory_mib = c.memory_mib;
		}
		snprintf(pv->log_dir, sizeof(pv->log_dir), "%s", c.log_dir ? c.log_dir : "");
		size_t o = 0;
		pv->disks_desc[0] = 0;
		for (int i = 0; i < VM_MAX_DISKS; i++) {
			const struct disk_spec *d = &c.disks[i];
			if (!d->present || o >= sizeof(pv->disks_desc))
				continue;
			int n = snprintf(pv->disks_desc + o, sizeof(pv->disks_desc) - o, "%shd%c %s: %s",
					 o ? "\n" : "", 'a' + d->index,
					 d->kind == DISK_CDROM ? "cdrom" : "disk",
					 d->path && *d->path ? d->path : "[empty]");
			if (n > 0)
				o += (size_t)n;
		}
	} else if (!pv->name) {
		const char *b = strrchr(pv->file, '/');
		b = b ? b + 1 : pv->file;
		pv->name = xasprintf("%.*s", (int)strcspn(b, "."), b);
	}
	vmconfig_free(&c);
}

static int cmp_vm(const void *a, const void *b)
{
	const struct panel_vm *x = *(struct panel_vm *const *)a, *y = *(struct panel_vm *const *)b;
	return strcmp(x->name, y->name);
}

static void free_pvm(struct panel_vm *pv)
{
	monitor_pane_close(pv);    /* the monitor pane may point at it */
	textbuf_free(pv->serial);
	textbuf_free(pv->mon_out);
	free(pv->file);
	free(pv->name);
	free(pv);
}

static struct timespec mtime_of(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return (struct timespec){ 0, 0 };
	return st.st_mtim;
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

void vmlist_watch(struct panel *p)
{
	if (!same_time(mtime_of(p->mc.vm_dir), p->vm_dir_mtime)) {
		vmlist_scan(p);     /* a file was added, removed or renamed */
		return;
	}
	for (size_t i = 0; i < p->n_vms; i++) {
		struct panel_vm *pv = p->vms[i];
		struct timespec t = mtime_of(pv->file);
		if (!same_time(t, pv->file_mtime) && !pv->vm && !pv->starter_running) {
			pv->file_mtime = t;
			refresh_file(p, pv);   /* edited in place, outside the panel */
			p->dirty = true;
		}
	}
}

void vmlist_scan(struct panel *p)
{
	struct panel_vm *selected = panel_selected(p);
	p->vm_dir_mtime = mtime_of(p->mc.vm_dir);
	bool *seen = xzalloc((p->n_vms + 1) * sizeof(bool));
	DIR *d = opendir(p->mc.vm_dir);
	if (!d) {
		panel_status(p, true, "vm_dir %s: %s", p->mc.vm_dir, strerror(errno));
	} else {
		struct dirent *de;
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);
			if (l < 5 || strcmp(de->d_name + l - 4, ".cfg") || de->d_name[0] == '.')
				continue;
			char *path = xasprintf("%s/%s", p->mc.vm_dir, de->d_name);
			struct panel_vm *pv = NULL;
			for (size_t i = 0; i < p->n_vms; i++)
				if (!strcmp(p->vms[i]->file, path)) {
					pv = p->vms[i];
					seen[i] = true;
				}
			if (!pv) {
				pv = xzalloc(sizeof(*pv));
				pv->p = p;
				pv->file = path;
				pv->serial = textbuf_new(1000);
				pv->mon_out = textbuf_new(1000);
				p->vms = xrealloc(p->vms, (p->n_vms + 1) * sizeof(*p->vms));
				seen = xrealloc(seen, (p->n_vms + 2) * sizeof(bool));
				seen[p->n_vms] = true;
				p->vms[p->n_vms++] = pv;
			} else {
				free(path);
			}
			pv->file_mtime = mtime_of(pv->file);
			refresh_file(p, pv);
		}
		closedir(d);
	}
	/* files that went away: forget them unless their VM still exists */
	size_t o = 0;
	for (size_t i = 0; i < p->n_vms; i++) {
		struct panel_vm *pv = p->vms[i];
		if (!seen[i] && !pv->vm && !pv->starter_running) {
			if (pv == selected)
				selected = NULL;
			free_pvm(pv);
			continue;
		}
		p->vms[o++] = pv;
	}
	p->n_vms = o;
	free(seen);
	if (p->n_vms)
		qsort(p->vms, p->n_vms, sizeof(*p->vms), cmp_vm);
	p->sel = 0;
	for (size_t i = 0; i < p->n_vms; i++)
		if (p->vms[i] == selected)
			p->sel = i;
	p->dirty = true;
}

/* --- start-up ----------------------------------------------------------- */

static void on_state(struct vm *vm, void *opaque)
{
	(void)vm;
	struct panel_vm *pv = opaque;
	panel_wake(pv->p);
}

static void serial_tap(void *opaque, const uint8_t *buf, size_t len)
{
	textbuf_feed(opaque, buf, len);
}

static void *starter(void *opaque)
{
	struct panel_vm *pv = opaque;
	struct vm *vm = vm_create(pv->cfg, &machine_pc);
	int r = -1;
	char err[256];
	if (vm && vm_frontends_start(vm, err, sizeof(err)) < 0) {
		msg_error("%s: VNC: %s", vm->name, err);
		vm_destroy(vm);
		vm = NULL;
	}
	if (vm) {
		vm->on_state_change_opaque = pv;
		vm->on_state_change = on_state;
		if (vm->serial_chr[0])
			chardev_set_tap(vm->serial_chr[0], serial_tap, pv->serial);
		if (vm_start(vm) == 0) {
			r = 1;
		} else {
			vm_destroy(vm);
			vm = NULL;
		}
	}
	pv->vm = vm;
	atomic_store_explicit(&pv->start_done, r, memory_order_release);
	panel_wake(pv->p);
	return NULL;
}

int vmlist_start(struct panel *p, struct panel_vm *pv)
{
	if (pv->vm || pv->starter_running) {
		panel_status(p, true, "%s is already %s", pv->name, pvm_state_name(pv->state));
		return -1;
	}
	struct vm_config *c = xzalloc(sizeof(*c));
	char msgs[1024] = "";
	panel_drain_stderr(p, NULL, 0);
	int r = vmconfig_load(c, pv->file);
	panel_drain_stderr(p, msgs, sizeof(msgs));
	trim_msg(msgs);
	if (r < 0) {
		free(c);
		snprintf(pv->cfg_err, sizeof(pv->cfg_err), "%s", msgs);
		dialog_message(p, "Cannot start", msgs[0] ? msgs : "the VM file has errors");
		return -1;
	}
	if (msgs[0])
		textbuf_printf(p->log, "%s\n", msgs);
	/* the serial pane needs COM1 even when the file has none */
	if (!c->n_serial || !c->serial[0] || !strcmp(c->serial[0], "none") || !*c->serial[0]) {
		if (!c->n_serial)
			c->n_serial = 1;
		free(c->serial[0]);
		c->serial[0] = xstrdup("null");
	}
	if (!c->audio && p->mc.audio)
		c->audio = xstrdup(p->mc.audio);
	free(pv->name);
	pv->name = xstrdup(c->name ? c->name : "?");
	pv->vcpus = c->vcpus ? c->vcpus : 1;
	pv->memory_mib = c->memory_mib;
	pv->cfg = c;
	textbuf_clear(pv->serial);
	pv->state = PVM_STARTING;
	pv->event[0] = 0;
	pv->kept_noted = false;
	pv->sampled = false;
	pv->force_at = 0;
	pv->start_done = 0;
	if (pthread_create(&pv->starter, NULL, starter, pv) != 0) {
		vmconfig_free(c);
		free(c);
		pv->cfg = NULL;
		pv->state = PVM_STOPPED;
		panel_status(p, true, "%s: cannot start a thread", pv->name);
		return -1;
	}
	pv->starter_running = true;
	thread_set_name(pv->starter, "start-%s", pv->name);
	textbuf_printf(p->log, "%s: starting\n", pv->name);
	p->dirty = true;
	return 0;
}

/* --- reaping ------------------------------------------------------------ */

void pvm_destroy_vm(struct panel *p, struct panel_vm *pv)
{
	(void)p;
	if (pv->win) {
		sdl_window_close(pv->win);
		pv->win = NULL;
	}
	monitor_pane_close(pv);
	if (pv->vm) {
		vm_destroy(pv->vm);
		pv->vm = NULL;
	}
	if (pv->cfg) {
		vmconfig_free(pv->cfg);
		free(pv->cfg);
		pv->cfg = NULL;
	}
	pv->force_at = 0;
}

static void finished_start(struct panel *p, struct panel_vm *pv)
{
	pthread_join(pv->starter, NULL);
	pv->starter_running = false;
	char msgs[512] = "";
	panel_drain_stderr(p, msgs, sizeof(msgs));
	trim_msg(msgs);
	if (msgs[0])
		textbuf_printf(p->log, "%s\n", msgs);
	if (pv->start_done < 0 || !pv->vm) {
		pv->state = PVM_STOPPED;
		snprintf(pv->event, sizeof(pv->event), "failed to start%s%s", msgs[0] ? ": " : "",
			 msgs);
		panel_status(p, true, "%s: failed to start (see the log pane)", pv->name);
		if (pv->cfg) {
			vmconfig_free(pv->cfg);
			free(pv->cfg);
			pv->cfg = NULL;
		}
		return;
	}
	pv->state = PVM_RUNNING;
	textbuf_printf(p->log, "%s: running\n", pv->name);
	pv->file_full = pv->cfg->full_screen;
	if (pv->cfg->sdl && pv->vm->display && getenv("DISPLAY")) {
		pv->win = sdl_window_open(pv->vm);
		pv->win_full = pv->win && pv->file_full;
		p->sdl_ready |= pv->win != NULL;
	}
}

static void reap(struct panel *p, struct panel_vm *pv)
{
	struct vm *vm = pv->vm;
	pthread_mutex_lock(&vm->state_lock);
	enum vm_exit_reason why = vm->exit_reason;
	char reason[128];
	snprintf(reason, sizeof(reason), "%s", vm->crash_reason);
	pthread_mutex_unlock(&vm->state_lock);
	switch (why) {
	case VMX_CRASH:
		pv->state = PVM_CRASHED;
		snprintf(pv->event, sizeof(pv->event), "crashed: %s (on_crash=%s)", reason,
			 action_name(pv->cfg->on_crash));
		break;
	case VMX_POWEROFF:
		pv->state = PVM_STOPPED;
		snprintf(pv->event, sizeof(pv->event), "guest powered off");
		break;
	case VMX_REBOOT:
		pv->state = PVM_STOPPED;
		snprintf(pv->event, sizeof(pv->event), "guest rebooted (on_reboot=%s)",
			 action_name(pv->cfg->on_reboot));
		break;
	default:
		pv->state = PVM_STOPPED;
		snprintf(pv->event, sizeof(pv->event), "forced off");
		break;
	}
	textbuf_printf(p->log, "%s: %s\n", pv->name, pv->event);
	if (pv->state == PVM_CRASHED)
		panel_status(p, true, "%s %s", pv->name, pv->event);
	pvm_destroy_vm(p, pv);
}

void vmlist_poll(struct panel *p)
{
	uint64_t now = clock_ns();
	for (size_t i = 0; i < p->n_vms; i++) {
		struct panel_vm *pv = p->vms[i];
		if (pv->starter_running) {
			if (atomic_load_explicit(&pv->start_done, memory_order_acquire)) {
				finished_start(p, pv);
				p->dirty = true;
			}
			continue;
		}
		if (!pv->vm)
			continue;
		struct vm *vm = pv->vm;
		pthread_mutex_lock(&vm->state_lock);
		bool finished = vm->finished;
		enum vm_state st = vm->state;
		enum vm_exit_reason why = vm->exit_reason;
		pthread_mutex_unlock(&vm->state_lock);
		if (finished) {
			reap(p, pv);
			p->dirty = true;
			continue;
		}
		enum pvm_state ns = st == VM_PAUSED ? PVM_PAUSED : st == VM_CRASHED ? PVM_CRASHED
										 : PVM_RUNNING;
		if (ns != pv->state) {
			if (ns == PVM_CRASHED) {
				snprintf(pv->event, sizeof(pv->event), "crashed: %s (on_crash=%s, kept for inspection)",
					 vm->crash_reason, action_name(pv->cfg->on_crash));
				textbuf_printf(p->log, "%s: %s\n", pv->name, pv->event);
				panel_status(p, true, "%s %s", pv->name, pv->event);
			}
			pv->state = ns;
			p->dirty = true;
		}
		/*
		 * on_poweroff/on_reboot='preserve': kept, paused. The core pauses
		 * before it records why, so this is checked on every look.
		 */
		if (ns == PVM_PAUSED && (why == VMX_POWEROFF || why == VMX_REBOOT) && !pv->kept_noted) {
			pv->kept_noted = true;
			snprintf(pv->event, sizeof(pv->event), "guest %s, kept paused (%s=preserve)",
				 why == VMX_POWEROFF ? "powered off" : "rebooted",
				 why == VMX_POWEROFF ? "on_poweroff" : "on_reboot");
			textbuf_printf(p->log, "%s: %s\n", pv->name, pv->event);
			p->dirty = true;
		}
		if (pv->force_at && now >= pv->force_at) {
			textbuf_printf(p->log, "%s: no answer to the ACPI power button, forcing off\n",
				       pv->name);
			vm_request_quit(vm);
			pv->force_at = 0;
		}
		if (pv->win && sdl_window_closed(pv->win)) {
			sdl_window_close(pv->win);
			pv->win = NULL;
			p->dirty = true;
		}
	}
}

unsigned vmlist_active(struct panel *p)
{
	unsigned n = 0;
	for (size_t i = 0; i < p->n_vms; i++)
		n += p->vms[i]->vm != NULL || p->vms[i]->starter_running;
	return n;
}

void vmlist_poweroff_all(struct panel *p)
{
	uint64_t deadline = clock_ns() + (uint64_t)p->mc.poweroff_timeout * 1000000000ull;
	for (size_t i = 0; i < p->n_vms; i++) {
		struct panel_vm *pv = p->vms[i];
		if (!pv->vm)
			continue;
		enum vm_state st = vm_get_state(pv->vm);
		if (st == VM_CRASHED || !pv->vm->powerdown) {
			vm_request_quit(pv->vm);
			continue;
		}
		if (st == VM_PAUSED)
			vm_resume(pv->vm);  /* a paused guest cannot see the button */
		pv->vm->powerdown(pv->vm);
		pv->force_at = deadline;
		textbuf_printf(p->log, "%s: ACPI power button pressed\n", pv->name);
	}
}

void vmlist_free(struct panel *p)
{
	for (size_t i = 0; i < p->n_vms; i++) {
		struct panel_vm *pv = p->vms[i];
		if (pv->starter_running) {
			pthread_join(pv->starter, NULL);
			pv->starter_running = false;
		}
		pvm_destroy_vm(p, pv);
		free_pvm(pv);
	}
	free(p->vms);
	p->vms = NULL;
	p->n_vms = 0;
}

/* --- figures ------------------------------------------------------------ */

bool pvm_has_net(struct panel_vm *pv)
{
	return pv->vm && vm_lookup(pv->vm, PVM_NIC_NAME) != NULL;
}

void vmlist_sample(struct panel *p)
{
	uint64_t now = clock_ns();
	for (size_t i = 0; i < p->n_vms; i++) {
		struct panel_vm *pv = p->vms[i];
		struct vm *vm = pv->vm;
		if (!vm || pv->starter_running) {
			pv->sampled = false;
			pv->cpu_pct = pv->exits_s = pv->disk_bps = pv->net_bps = 0;
			pv->audio_playing = pv->has_net = false;
			continue;
		}
		uint64_t exits = 0, cpu = 0, disk = 0, net;
		for (unsigned c = 0; c < vm->n_vcpus; c++) {
			struct vcpu *v = vm->vcpus[c];
			if (!v)
				continue;
			exits += __atomic_load_n(&v->exits, __ATOMIC_RELAXED);
			clockid_t cid;
			struct timespec ts;
			if (v->thread_started && pthread_getcpuclockid(v->thread, &cid) == 0 &&
			    clock_gettime(cid, &ts) == 0)
				cpu += (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		}
		for (unsigned b = 0; b < vm->n_blocks; b++)
			if (vm->blocks[b])
				disk += vm->blocks[b]->rd_bytes + vm->blocks[b]->wr_bytes;
		net = vm->stats.net_rx_bytes + vm->stats.net_tx_bytes;
		if (pv->sampled && now > pv->s_ns) {
			double dt = (double)(now - pv->s_ns) / 1e9;
			pv->exits_s = (double)(exits - pv->s_exits) / dt;
			pv->cpu_pct = cpu >= pv->s_cpu_ns ? (double)(cpu - pv->s_cpu_ns) / 1e7 / dt : 0;
			pv->disk_bps = (double)(disk - pv->s_disk) / dt;
			pv->net_bps = (double)(net - pv->s_net) / dt;
		}
		pv->s_ns = now;
		pv->s_exits = exits;
		pv->s_cpu_ns = cpu;
		pv->s_disk = disk;
		pv->s_net = net;
		pv->sampled = true;
		pv->has_net = pvm_has_net(pv);
		pv->audio_playing = audio_playing(vm);
	}
}

/* --- odds and ends ------------------------------------------------------ */

struct panel_vm *pvm_by_file(struct panel *p, const char *file)
{
	for (size_t i = 0; i < p->n_vms; i++)
		if (!strcmp(p->vms[i]->file, file))
			return p->vms[i];
	return NULL;
}

struct blockdev *pvm_cdrom(struct panel_vm *pv)
{
	if (!pv->vm)
		return NULL;
	for (unsigned i = 0; i < pv->vm->n_blocks; i++)
		if (pv->vm->blocks[i] && pv->vm->blocks[i]->kind == BLK_CDROM)
			return pv->vm->blocks[i];
	return NULL;
}

struct serial_input {
	struct vm *vm;
	size_t len;
	uint8_t buf[];
};

/* On the VM's io thread, where the UART takes chardev input. */
static void serial_input_run(void *opaque)
{
	struct serial_input *in = opaque;
	struct chardev *chr = in->vm->serial_chr[0];
	if (chr) {
		struct chardev_handler h;
		chardev_get_handler(chr, &h);
		size_t room = h.can_receive ? h.can_receive(h.opaque) : 0;
		if (h.receive && room)
			h.receive(h.opaque, in->buf, MIN(room, in->len));
	}
	free(in);
}

void pvm_serial_input(struct panel_vm *pv, const char *buf, size_t len)
{
	if (!pv->vm || !pv->vm->serial_chr[0] || !len)
		return;
	struct serial_input *in = xmalloc(sizeof(*in) + len);
	in->vm = pv->vm;
	in->len = len;
	memcpy(in->buf, buf, len);
	evloop_call(pv->vm->loop, serial_input_run, in);
}
