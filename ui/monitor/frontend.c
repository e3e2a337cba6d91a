/*
 * Starting and stopping a VM's monitor front ends (`--monitor stdio`,
 * `--monitor unix:PATH`, monitor_path= in the VM file).
 *
 * The list of front ends lives in a per-VM object published as "monitor";
 * it is created by the first monitor_start (on the main thread, before the
 * VM runs) and torn down by monitor_stop_all or by the VM's free hook.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/monitor/monitor.h"
#include "core/util.h"
#include "core/vm.h"

#define MAX_FRONTENDS 8

struct monitor_frontends {
	pthread_mutex_t lock;
	struct monitor_frontend *fe[MAX_FRONTENDS];
	unsigned n;
	_Atomic unsigned log_mask;   /* MONITOR_LOG_* */
};

/* Serialises creation of the per-VM list when two threads start front ends. */
static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;

/* The VM is being freed: stop what is left and free the list. */
static void stop_all_hook(void *opaque)
{
	struct vm *vm = opaque;
	monitor_stop_all(vm);
	struct monitor_frontends *f = vm_lookup(vm, "monitor");
	if (f) {
		pthread_mutex_destroy(&f->lock);
		free(f);
		for (unsigned i = 0; i < vm->n_published; i++)
			if (vm->published[i].obj == f)
				vm->published[i].obj = NULL;
	}
}

static struct monitor_frontends *frontends_of(struct vm *vm, bool create)
{
	pthread_mutex_lock(&create_lock);
	struct monitor_frontends *f = vm_lookup(vm, "monitor");
	if (!f && create) {
		f = xzalloc(sizeof(*f));
		pthread_mutex_init(&f->lock, NULL);
		vm_publish(vm, "monitor", f);
		vm_add_free_hook(vm, stop_all_hook, vm);
	}
	pthread_mutex_unlock(&create_lock);
	return f;
}

int monitor_start(struct vm *vm, const char *spec)
{
	char err[256] = "";
	struct monitor_frontend *fe = NULL;

	if (!spec || !*spec || !strcmp(spec, "none"))
		return 0;
	if (!strcmp(spec, "stdio")) {
		fe = monitor_term_open(vm, err, sizeof(err));
	} else if (!strncmp(spec, "unix:", 5)) {
		/* QEMU-style options after the path (",server,nowait") mean nothing here */
		char *path = xstrdup(spec + 5);
		path[strcspn(path, ",")] = '\0';
		if (!*path)
			snprintf(err, sizeof(err), "missing socket path in '%s'", spec);
		else
			fe = monitor_socket_open(vm, path, err, sizeof(err));
		free(path);
	} else {
		snprintf(err, sizeof(err), "unknown monitor '%s' (use stdio or unix:PATH)", spec);
	}
	if (!fe) {
		msg_error("monitor: %s", err);
		return -1;
	}
	struct monitor_frontends *f = frontends_of(vm, true);
	pthread_mutex_lock(&f->lock);
	if (f->n == MAX_FRONTENDS) {
		pthread_mutex_unlock(&f->lock);
		fe->stop(fe);
		msg_error("monitor: too many monitors");
		return -1;
	}
	f->fe[f->n++] = fe;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

void monitor_stop_all(struct vm *vm)
{
	struct monitor_frontends *f = frontends_of(vm, false);
	if (!f)
		return;
	for (;;) {
		pthread_mutex_lock(&f->lock);
		struct monitor_frontend *fe = f->n ? f->fe[--f->n] : NULL;
		pthread_mutex_unlock(&f->lock);
		if (!fe)
			break;
		fe->stop(fe);
	}
}

void monitor_for_each_frontend(struct vm *vm,
			       void (*fn)(void *opaque, unsigned idx, const char *desc),
			       void *opaque)
{
	struct monitor_frontends *f = frontends_of(vm, false);
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	for (unsigned i = 0; i < f->n; i++)
		fn(opaque, i, f->fe[i]->desc);
	pthread_mutex_unlock(&f->lock);
}

unsigned monitor_log_mask(struct vm *vm)
{
	struct monitor_frontends *f = frontends_of(vm, false);
	return f ? f->log_mask : 0;
}

void monitor_set_log_mask(struct vm *vm, unsigned mask)
{
	struct monitor_frontends *f = frontends_of(vm, true);
	f->log_mask = mask;
}
