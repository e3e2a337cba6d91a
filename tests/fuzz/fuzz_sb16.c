/*
 * Random guest I/O to the sound hardware: Sound Blaster DSP and mixer ports,
 * the OPL3, the 8237 DMA controllers and page registers, port 0x61 and PIT
 * channel 2, interleaved with audio-clock ticks, mixer renders and resets.
 * Any out-of-bounds access (guest memory or host) is a sanitizer finding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/host/audio.h"
#include "devices/sb16.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"
#include "firmware/pc.h"

static const uint16_t ports[] = {
	0x220, 0x221, 0x222, 0x223, 0x224, 0x225, 0x226, 0x228, 0x229, 0x22A, 0x22C, 0x22E, 0x22F,
	0x388, 0x389, 0x38A, 0x38B,
	0x00, 0x01, 0x02, 0x03, 0x06, 0x07, 0x08, 0x0A, 0x0B, 0x0C, 0x0D, 0x0F,
	0x81, 0x82, 0x83, 0x87, 0x89, 0x8A, 0x8B, 0x8F,
	0xC4, 0xC6, 0xC8, 0xCA, 0xCC, 0xCE, 0xD0, 0xD4, 0xD6, 0xD8, 0xDA, 0xDE,
	0x61, 0x42, 0x43,
};

static uint64_t fake_now = 1000000000ull;
static uint64_t fake_clock(void) { return fake_now; }

static struct vm *vm;
static struct sb16 *sb;
static struct vm_config cfg;
static char *hw[] = { "sb16,pcspk" };

static void irq_hook(struct vm *v, unsigned gsi, int level)
{
	(void)v; (void)gsi; (void)level;
}

static void teardown(void)
{
	vm_destroy(vm);
	vm = NULL;
}

/* A fresh machine for every input: a finding replays from its file alone. */
static void setup(void)
{
	static bool registered;
	if (!registered)
		atexit(teardown);
	registered = true;
	teardown();
	fake_now = 1000000000ull;
	cfg.name = "fuzz";
	cfg.soundhw[0] = hw[0];
	cfg.n_soundhw = 1;
	cfg.sb16_port = 0x220, cfg.sb16_irq = 5, cfg.sb16_dma = 1, cfg.sb16_hdma = 5;
	cfg.audio = "none";
	vm = vm_new_test(1, &cfg);
	vm->irq_hook = irq_hook;
	if (pc_create_part(vm, "isadma") || pc_create_part(vm, "pcspk") ||
	    pc_create_part(vm, "opl3") || pc_create_part(vm, "sb16"))
		abort();
	sb = vm_lookup(vm, "sb16");
	sb->clock = fake_clock;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int16_t buf[4096 * 2];
	setup();
	/* three bytes an action: what, which port, value */
	for (size_t i = 0; i + 2 < size; i += 3) {
		uint8_t op = data[i], v = data[i + 2];
		uint16_t port = ports[data[i + 1] % ARRAY_SIZE(ports)];
		uint8_t b = v;
		switch (op & 7) {
		case 0: case 1:
			iobus_access(&vm->pio, port, &b, 1, true);
			break;
		case 2:
			iobus_access(&vm->pio, port, &b, 1, false);
			break;
		case 3:                       /* a DSP byte: commands and parameters */
			iobus_access(&vm->pio, 0x22C, &b, 1, true);
			break;
		case 4:                       /* time passes on the audio clock */
			fake_now += (uint64_t)v * 200000;
			pthread_mutex_lock(&sb->lock);
			sb16_tick(sb, fake_now);
			pthread_mutex_unlock(&sb->lock);
			break;
		case 5:
			audio_mixer_render(vm->audio, buf, 1u + v * 2u);
			break;
		case 6: {                     /* a 16-bit access */
			uint16_t w = (uint16_t)(v | v << 8);
			iobus_access(&vm->pio, port, &w, 2, (op & 0x80) != 0);
			break;
		}
		case 7:
			if (v == 0xA5)
				for (unsigned h = 0; h < vm->n_reset_hooks; h++)
					vm->reset_hooks[h].fn(vm->reset_hooks[h].opaque);
			else
				iobus_access(&vm->pio, 0x225, &b, 1, true);  /* mixer data */
			break;
		}
	}
	return 0;
}
