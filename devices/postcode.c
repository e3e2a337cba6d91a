/*
 * Port 0x80: the POST code port. Firmware writes progress codes here (and
 * old drivers use it as an I/O delay); the last value reads back.
 */
#include <stdlib.h>

#include "core/util.h"
#include "core/vm.h"

struct postcode {
	_Atomic uint8_t last;
};

static uint64_t post_read(void *opaque, uint64_t off, unsigned size)
{
	struct postcode *p = opaque;
	(void)off;
	(void)size;
	return p->last;
}

static void post_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct postcode *p = opaque;
	(void)off;
	(void)size;
	p->last = val;
}

static const struct io_ops post_ops = { .read = post_read, .write = post_write };

int postcode_create(struct vm *vm)
{
	struct postcode *p = xzalloc(sizeof(*p));
	vm_add_free_hook(vm, free, p);
	vm_publish(vm, "postcode", p);
	return vm_register_pio(vm, 0x80, 1, &post_ops, p, "post-code");
}
