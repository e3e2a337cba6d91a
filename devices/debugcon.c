/*
 * The Bochs/QEMU debug console at port 0x402, where SeaBIOS writes its log.
 * SeaBIOS only uses it when a read returns 0xE9, the "present" answer.
 * Output goes where debugcon= says (chardev syntax); by default to
 * debugcon.log in the VM's log directory.
 */
#include <stdlib.h>
#include <string.h>

#include "core/chardev.h"
#include "core/util.h"
#include "core/vm.h"

struct debugcon {
	struct chardev *chr;
	struct vm *vm;
};

static uint64_t dc_read(void *opaque, uint64_t off, unsigned size)
{
	(void)opaque;
	(void)off;
	(void)size;
	return 0xe9;
}

static void dc_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct debugcon *d = opaque;
	(void)off;
	uint8_t b[4] = { val, val >> 8, val >> 16, val >> 24 };
	/* test guests mark moments here (a frame's last write, an IRQ's entry) */
	if (vm_tracing(d->vm))
		for (unsigned i = 0; i < size && i < 4; i++)
			vm_trace(d->vm, "debugcon %02x", b[i]);
	chardev_write(d->chr, b, size > 4 ? 4 : size);
}

static const struct io_ops dc_ops = { .read = dc_read, .write = dc_write };

static void dc_free(void *opaque)
{
	struct debugcon *d = opaque;
	chardev_close(d->chr);
	free(d);
}

int debugcon_create(struct vm *vm)
{
	const char *spec = vm->cfg->debugcon;
	char *def = NULL;
	if (!spec || !*spec) {
		const char *dir = vm->cfg->log_dir;
		def = dir && *dir ? xasprintf("file:%s/debugcon.log", dir)
				  : xasprintf("file:%s/%s/debugcon.log", state_dir(), vm->name);
		spec = def;
	}
	if (!strcmp(spec, "none")) {
		free(def);
		return 0;
	}
	char err[256];
	struct debugcon *d = xzalloc(sizeof(*d));
	d->vm = vm;
	d->chr = chardev_open(spec, vm->loop, err, sizeof(err));
	if (!d->chr) {
		msg_error("%s: debugcon '%s': %s", vm->name, spec, err);
		free(d);
		free(def);
		return -1;
	}
	free(def);
	vm_add_free_hook(vm, dc_free, d);
	vm_publish(vm, "debugcon", d->chr);
	return vm_register_pio(vm, 0x402, 1, &dc_ops, d, "debugcon");
}
