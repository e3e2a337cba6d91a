/*
 * Port-I/O dispatch fed random port/size/value sequences, with every device
 * of the machine table created on a KVM-less VM: no sequence may crash,
 * hang or touch memory outside the VM (ASan/UBSan watch).
 *
 * Input: records of 4 bytes: port (2, but confined to interesting ranges
 * by the top bits), size/direction (1), value (1, repeated to the size).
 */
#include <stdlib.h>
#include <string.h>

#include "iobus.h"
#include "vm.h"
#include "vmconfig.h"

static struct vm *vm;
static struct vm_config cfg;

static void irq_sink(struct vm *v, unsigned gsi, int level)
{
	(void)v;
	(void)gsi;
	(void)level;
}

static void setup(void)
{
	vmconfig_defaults(&cfg);
	cfg.vnc = cfg.sdl = false;
	cfg.gameport = true; /* the game port at 0x201 joins in */
	free(cfg.debugcon);
	cfg.debugcon = strdup("null");
	free(cfg.audio);
	cfg.audio = strdup("none");
	vm = vm_new_test(32, &cfg);
	vm->irq_hook = irq_sink;
	/* every device type (those that need a real KVM refuse or stay idle) */
	for (unsigned i = 0; device_type_name(i); i++)
		vm_create_device(vm, device_type_name(i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!vm)
		setup();
	/* ports that matter most: the PC's fixed devices */
	static const uint16_t bases[] = { 0x510, 0x70, 0xcf8, 0x600, 0xb2, 0x402, 0x3f8, 0x60 };
	for (size_t i = 0; i + 4 <= size; i += 4) {
		uint16_t port = data[i] | data[i + 1] << 8;
		if (data[i + 1] & 0x80)
			port = bases[data[i + 1] & 7] + (data[i] & 0xf);
		unsigned sz = 1u << (data[i + 2] & 3);
		if (sz == 8)
			sz = 4;
		bool wr = data[i + 2] & 4;
		uint32_t v = data[i + 3] * 0x01010101u;
		if (data[i + 2] & 8)
			v = data[i + 3] | (uint32_t)data[i] << 8 | 0x80000000u; /* PCI address-like */
		iobus_access(&vm->pio, port, &v, sz, wr);
	}
	return 0;
}
