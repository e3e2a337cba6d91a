/*
 * The NE2000's two front ends (ne2000.h), one card per vif whose model asks
 * for it:
 * - ne2k_pci: a Realtek RTL8029 (PCI 10ec:8029), the DP8390's 32 ports at
 *   the start of a 256-byte I/O BAR, INTA, and Debian's iPXE for it in the
 *   ROM BAR; 00:03.0 + the vif's index, as the RTL8139s.
 * - ne2k_isa: the ISA board at io= (default 0x300) on irq= (default 9),
 *   the line held high while an unmasked ISR bit is set.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/ne2000.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/net.h"

#define NE2K_ROM "/usr/lib/ipxe/qemu/pxe-ne2k_pci.rom"
#define NE2K_FIRST_SLOT 3      /* the slot scheme of rtl8139.c and bootorder.c */
#define NE2K_PCI_BAR 0x100

struct ne2k_card {
	struct ne2000 ne;
	struct pci_dev pci;
	struct pci_rom rom;
	uint8_t isa_irq;
};

static void pci_line(struct ne2000 *s, int level)
{
	struct ne2k_card *c = s->bus;
	if (c->pci.bus)
		pci_set_irq(&c->pci, level);
}

static void isa_line(struct ne2000 *s, int level)
{
	struct ne2k_card *c = s->bus;
	vm_set_irq(s->vm, c->isa_irq, level);
}

static uint64_t ne2k_read(void *opaque, uint64_t off, unsigned size)
{
	struct ne2k_card *c = opaque;
	if (off >= NE_IO_SIZE)
		return 0;    /* the rest of the PCI BAR decodes nothing */
	return ne2000_io_read(&c->ne, (unsigned)off, size);
}

static void ne2k_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct ne2k_card *c = opaque;
	if (off < NE_IO_SIZE)
		ne2000_io_write(&c->ne, (unsigned)off, (uint32_t)val, size);
}

static const struct io_ops ne2k_ops = { ne2k_read, ne2k_write };

static void ne2k_reset_hook(void *opaque)
{
	struct ne2k_card *c = opaque;
	pthread_mutex_lock(&c->ne.lock);
	ne2000_reset(&c->ne);
	pthread_mutex_unlock(&c->ne.lock);
}

static void ne2k_free(void *opaque)
{
	struct ne2k_card *c = opaque;
	pci_rom_free(&c->rom);
	pthread_mutex_destroy(&c->ne.lock);
	free(c);
}

static struct ne2k_card *new_card(struct vm *vm, unsigned i, const char *model)
{
	struct ne2k_card *c = xzalloc(sizeof(*c));
	uint8_t mac[6];
	if (vm->cfg && i < vm->cfg->n_vifs)
		memcpy(mac, vm->cfg->vifs[i].mac, 6);
	else
		vif_default_mac(vm->name, i, mac);
	c->ne.vm = vm;
	c->ne.bus = c;
	c->ne.index = i;
	c->ne.model = model;
	ne2000_init(&c->ne, mac);
	vm_add_free_hook(vm, ne2k_free, c);   /* before the port's: freed after it */
	return c;
}

/* After the bus side: the reset hook, the back end, the published names. */
static int finish_card(struct vm *vm, struct ne2k_card *c)
{
	vm_add_reset_hook(vm, ne2k_reset_hook, c);
	c->ne.port = netport_new(vm, c->ne.index, c->ne.model, ne2000_receive, &c->ne);
	if (!c->ne.port)
		return -1;
	/* no netport_set_link_fn: the DP8390 has no link status bit (nor has
	 * the RTL8029's page 3), so set_link only stops the frames, in the port */
	if (!vm_lookup(vm, "nic"))
		vm_publish(vm, "nic", &c->ne);   /* the panel's Net/s */
	if (!vm_lookup(vm, c->ne.model))
		vm_publish(vm, c->ne.model, &c->ne);   /* tests and fuzzers */
	return 0;
}

static int create_pci(struct vm *vm, unsigned i)
{
	struct ne2k_card *c = new_card(vm, i, "ne2k_pci");
	c->ne.rtl8029 = true;
	c->ne.set_irq = pci_line;
	struct pci_dev *d = &c->pci;
	d->name = "ne2k_pci";
	d->opaque = c;
	pci_init_header(d, 0x10EC, 0x8029, 0x020000, 0x00, 0x10EC, 0x8029);
	d->config[0x3d] = 1;       /* INTA */
	pci_set_bar(d, 0, NE2K_PCI_BAR, true, &ne2k_ops, c);
	pci_rom_load(d, &c->rom, NE2K_ROM);
	if (pci_register(vm, d, (NE2K_FIRST_SLOT + i) << 3) < 0)
		return -1;
	return finish_card(vm, c);
}

static int create_isa(struct vm *vm, unsigned i)
{
	const struct vif_spec *v = &vm->cfg->vifs[i];
	struct ne2k_card *c = new_card(vm, i, "ne2k_isa");
	c->isa_irq = v->irq ? v->irq : 9;
	c->ne.set_irq = isa_line;
	uint16_t io = v->io ? v->io : 0x300;
	if (vm_register_pio(vm, io, NE_IO_SIZE, &ne2k_ops, c, "ne2k_isa") < 0) {
		msg_error("ne2k_isa: I/O ports 0x%x-0x%x are taken", io, io + NE_IO_SIZE - 1);
		return -1;
	}
	return finish_card(vm, c);
}

int ne2k_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	if (!cfg)
		return 0;
	for (unsigned i = 0; i < cfg->n_vifs; i++) {
		const char *m = cfg->vifs[i].model;
		if (!m)
			continue;
		if (!strcmp(m, "ne2k_pci")) {
			if (!pci_bus_of(vm)) {
				msg_error("ne2k_pci: the machine has no PCI bus");
				return -1;
			}
			if (create_pci(vm, i) < 0)
				return -1;
		} else if (!strcmp(m, "ne2k_isa") && create_isa(vm, i) < 0) {
			return -1;
		}
	}
	return 0;
}
