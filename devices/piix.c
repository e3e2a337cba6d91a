/*
 * The i440FX host bridge (00:00.0, 82441FX PMC) and the PIIX3 PCI-to-ISA
 * bridge (00:01.0, 82371SB function 0) with its reset control register.
 *
 * PAM registers (82441FX datasheet 3.2.18, config 0x59-0x5F) choose whether
 * 0xC0000-0xFFFFF reads hit ROM or shadow RAM. Here that area is always RAM
 * holding the BIOS image (reloaded on reset), so the PAMs are plain storage;
 * SeaBIOS writes them and finds "RAM present" on later boots.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/pci.h"
#include "core/util.h"
#include "core/vm.h"

struct piix {
	struct vm *vm;
	struct pci_dev host, isa;
	uint8_t rcr; /* 0xCF9 reset control */
};

/* PIIX3 0x60-0x63: PIRQA-D route control; bit 7 disables, bits 3:0 pick the IRQ. */
static void isa_config_write(struct pci_dev *d, unsigned off, uint32_t val, unsigned size)
{
	(void)val;
	for (unsigned o = off; o < off + size; o++)
		if (o >= 0x60 && o <= 0x63)
			pci_set_pirq_route(d->bus, o - 0x60, d->config[o]);
}

/*
 * Reset Control Register of the 82371SB (I/O port 0xCF9, byte access only;
 * a 32-bit access at 0xCF8 is the PCI configuration address instead):
 * bit 1 selects hard/soft reset, a 0->1 transition of bit 2 resets the system.
 */
static uint64_t rcr_read(void *opaque, uint64_t off, unsigned size)
{
	struct piix *p = opaque;
	(void)off;
	(void)size;
	return p->rcr;
}

static void rcr_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct piix *p = opaque;
	(void)off;
	(void)size;
	if ((val & 0x4) && !(p->rcr & 0x4)) {
		p->rcr = 0;
		vm_request_reboot(p->vm);
		return;
	}
	p->rcr = val & 0x2;
}

static const struct io_ops rcr_ops = { .read = rcr_read, .write = rcr_write };

static void piix_reset(void *opaque)
{
	struct piix *p = opaque;
	p->rcr = 0;
	memset(p->host.config + 0x59, 0, 7);
	p->host.config[0x72] = 0x02;
	memset(p->isa.config + 0x60, 0x80, 4);
	for (int i = 0; i < 4; i++)
		pci_set_pirq_route(p->isa.bus, i, 0x80);
}

int piix_create(struct vm *vm)
{
	struct piix *p = xzalloc(sizeof(*p));
	p->vm = vm;
	vm_add_free_hook(vm, free, p);

	p->host.name = "i440fx";
	pci_init_header(&p->host, 0x8086, 0x1237, 0x060000, 0x02, 0x1af4, 0x1100);
	memset(p->host.wmask + 0x59, 0xff, 7); /* PAM0-PAM6 */
	p->host.wmask[0x72] = 0x78;            /* SMRAM: open/close/lock bits */
	p->host.config[0x72] = 0x02;

	p->isa.name = "piix3-isa";
	pci_init_header(&p->isa, 0x8086, 0x7000, 0x060100, 0x00, 0x1af4, 0x1100);
	p->isa.config[0x0e] = 0x80; /* multi-function: IDE, USB, PM follow */
	memset(p->isa.wmask + 0x60, 0x8f, 4);
	memset(p->isa.config + 0x60, 0x80, 4);
	p->isa.config_write = isa_config_write;

	if (pci_register(vm, &p->host, 0x00) < 0 || pci_register(vm, &p->isa, 0x08) < 0)
		return -1;
	vm_add_reset_hook(vm, piix_reset, p);
	vm_publish(vm, "piix", p);
	return vm_register_pio(vm, 0xcf9, 1, &rcr_ops, p, "piix-reset");
}
