/*
 * SeaBIOS (Debian's /usr/share/seabios/bios.bin, or firmware=) mapped as a PC
 * maps its flash: the whole image read-only just below 4 GiB, and its last
 * 128 KiB at 0xE0000-0xFFFFF, where the CPU starts (F000:FFF0). That low copy
 * is RAM here (the PAMs are always "shadow RAM") and is reloaded on reset.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "core/vm.h"

#define LOW_BIOS_SIZE 0x20000u

struct bios {
	struct vm *vm;
	uint8_t *image;
	size_t size;
};

static void bios_reload(void *opaque)
{
	struct bios *b = opaque;
	size_t low = MIN(b->size, LOW_BIOS_SIZE);
	uint8_t *dst = vm_gpa_to_hva(b->vm, 0x100000 - low, low);
	if (dst)
		memcpy(dst, b->image + b->size - low, low);
}

static void bios_free(void *opaque)
{
	struct bios *b = opaque;
	free(b->image);
	free(b);
}

int bios_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	if (vmconfig_direct_boot(cfg))
		return 0; /* direct kernel boot: no BIOS */
	const char *path = cfg->firmware && *cfg->firmware ? cfg->firmware
							   : "/usr/share/seabios/bios.bin";
	struct bios *b = xzalloc(sizeof(*b));
	b->vm = vm;
	uint8_t *file = read_file(path, &b->size);
	/* memory slots need page-aligned host memory */
	if (file && posix_memalign((void **)&b->image, 4096, b->size) == 0)
		memcpy(b->image, file, b->size);
	free(file);
	if (!b->image) {
		msg_error("%s: firmware %s: %s%s", vm->name, path, strerror(errno),
			  errno == ENOENT ? " (install Debian's seabios package, or set firmware=)" : "");
		free(b);
		return -1;
	}
	if (b->size < 0x10000 || b->size > 0x1000000 || b->size % 0x10000) {
		msg_error("%s: firmware %s: %zu bytes; a BIOS image is a multiple of 64 KiB, "
			  "64 KiB to 16 MiB", vm->name, path, b->size);
		bios_free(b);
		return -1;
	}
	vm_add_free_hook(vm, bios_free, b);
	if (vm_map_memory(vm, 0x100000000ull - b->size, b->size, b->image, true, false) < 0)
		return -1;
	bios_reload(b);
	vm_add_reset_hook(vm, bios_reload, b);
	vm_log(vm, "firmware %s (%zu KiB)", path, b->size >> 10);
	return 0;
}
