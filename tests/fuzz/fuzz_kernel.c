/*
 * Direct-boot loaders fed any bytes as the kernel= file: ELF (32/64-bit,
 * PVH notes), bzImage (every protocol version, payloads in each
 * compression, or plain protected-mode code) and the initrd placement. A
 * malicious image must be refused with a message, never read past the file
 * or write outside guest RAM (ASan watches both: guest RAM is a malloc'd
 * block of a KVM-less test VM).
 *
 * Input: byte 0 picks the initrd size (byte * 4 KiB, from a fixed buffer);
 * the rest is the kernel image.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/linux_boot.h"
#include "core/vm.h"
#include "core/vmconfig.h"

static struct vm *vm;
static struct vm_config cfg;
static uint8_t initrd[255 * 4096];

static void teardown(void)
{
	vm_destroy(vm);
	vm = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!vm) {
		/* loading is stateless: the whole image and state are rewritten */
		cfg.acpi = true;
		cfg.pae = true;
		cfg.apic = true;
		cfg.vcpus = 1;
		cfg.cmdline = "console=ttyS0";
		vm = vm_new_test(16, &cfg);
		vm->n_vcpus = 1;
		memset(initrd, 0x5a, sizeof(initrd));
		atexit(teardown);
	}
	if (size < 1)
		return 0;
	struct lb_result r;
	char err[300];
	size_t rd_len = (size_t)data[0] * 4096;
	linux_boot_load_image(vm, data + 1, size - 1, rd_len ? initrd : NULL, rd_len, NULL,
			      &r, err, sizeof(err));
	return 0;
}
