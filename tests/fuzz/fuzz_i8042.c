/*
 * Random port traffic on the i8042 (0x60, 0x64, 0x92) mixed with key and
 * pointer events from the front ends: no crash, no sanitizer finding.
 */
#include <stdint.h>
#include <stddef.h>

#include "core/vm.h"
#include "core/host/input.h"
#include "firmware/pc.h"

static void noirq(struct vm *vm, unsigned gsi, int level) { (void)vm; (void)gsi; (void)level; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config cfg = { .name = "fuzz" };
	struct vm *vm = vm_new_test(1, &cfg);
	if (!vm)
		return 0;
	vm->irq_hook = noirq;
	pc_create_part(vm, "i8042");
	static const uint16_t ports[] = { 0x60, 0x64, 0x92 };
	for (size_t i = 0; i + 2 < size; i += 3) {
		uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
		uint8_t v = a;
		switch (op % 8) {
		case 0: case 1: case 2:   /* writes (weighted: commands drive everything) */
			iobus_access(&vm->pio, ports[op % 3], &v, 1, true);
			break;
		case 3: case 4:
			iobus_access(&vm->pio, ports[b % 3], &v, 1, false);
			break;
		case 5:   /* any key code, valid or not */
			input_key(vm, (b & 1 ? 0xE000u : b & 2 ? 0xE100u : 0) | a, b & 4);
			break;
		case 6:
			input_pointer_rel(vm, (int8_t)a * (b & 0x80 ? 64 : 1), (int8_t)b, (int8_t)(a ^ b) >> 4, b & 0x1F);
			break;
		case 7:
			input_pointer_abs(vm, a * 8, b * 8, 1024, 768, 0, a & 7);
			break;
		}
	}
	vm_destroy(vm);
	return 0;
}
