/* Making a VM's parts from the machine table, and what they publish. */
#include <stdlib.h>
#include <string.h>

#include "core/block.h"
#include "core/util.h"
#include "core/vm.h"

int machine_create_part(const struct machine *m, struct vm *vm, const char *name)
{
	for (unsigned i = 0; i < m->n_parts; i++)
		if (!strcmp(m->parts[i].name, name))
			return m->parts[i].create(vm) < 0 ? -1 : 0;
	msg_error("no part '%s' in the %s machine", name, m->name);
	return -1;
}

int vm_create_parts(struct vm *vm, const struct machine *m)
{
	for (unsigned i = 0; i < m->n_parts; i++) {
		if (m->parts[i].create(vm) < 0) {
			msg_error("%s: cannot create '%s'", vm->name, m->parts[i].name);
			return -1;
		}
	}
	return 0;
}

void vm_publish(struct vm *vm, const char *name, void *obj)
{
	if (vm->n_published == ARRAY_SIZE(vm->published))
		die("too many published objects");
	vm->published[vm->n_published].name = name;
	vm->published[vm->n_published].obj = obj;
	vm->n_published++;
}

void *vm_lookup(struct vm *vm, const char *name)
{
	for (unsigned i = 0; i < vm->n_published; i++)
		if (!strcmp(vm->published[i].name, name))
			return vm->published[i].obj;
	return NULL;
}

void vm_add_reset_hook(struct vm *vm, void (*fn)(void *), void *opaque)
{
	if (vm->n_reset_hooks == ARRAY_SIZE(vm->reset_hooks))
		die("too many reset hooks");
	vm->reset_hooks[vm->n_reset_hooks++] = (struct vm_hook){ fn, opaque };
}

void vm_add_free_hook(struct vm *vm, void (*fn)(void *), void *opaque)
{
	if (vm->n_free_hooks == ARRAY_SIZE(vm->free_hooks))
		die("too many free hooks");
	vm->free_hooks[vm->n_free_hooks++] = (struct vm_hook){ fn, opaque };
}

int vm_register_pio(struct vm *vm, uint16_t base, uint16_t len,
		    const struct io_ops *ops, void *opaque, const char *name)
{
	if (iobus_register(&vm->pio, base, len, ops, opaque, name) < 0) {
		const struct io_range *r = iobus_find(&vm->pio, base);
		msg_error("%s: ports 0x%x-0x%x for %s overlap %s", vm->name, base,
			  base + len - 1, name, r ? r->name : "another device");
		return -1;
	}
	return 0;
}

int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t len,
		     const struct io_ops *ops, void *opaque, const char *name)
{
	if (iobus_register(&vm->mmio, base, len, ops, opaque, name) < 0) {
		msg_error("%s: MMIO 0x%llx+0x%llx for %s overlaps another device", vm->name,
			  (unsigned long long)base, (unsigned long long)len, name);
		return -1;
	}
	return 0;
}

void vm_add_block(struct vm *vm, struct blockdev *bd)
{
	if (vm->n_blocks == VM_MAX_BLOCK)
		die("too many block devices");
	vm->blocks[vm->n_blocks++] = bd;
}

struct blockdev *vm_find_block(struct vm *vm, const char *name)
{
	for (unsigned i = 0; i < vm->n_blocks; i++)
		if (!strcmp(vm->blocks[i]->qname, name) || !strcmp(vm->blocks[i]->cname, name))
			return vm->blocks[i];
	return NULL;
}
