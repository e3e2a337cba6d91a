/*
 * PCI configuration mechanism #1 (PCI Local Bus spec 3.0, 3.2.2.3.2):
 * 0xCF8 holds enable(31) bus(23:16) device(15:11) function(10:8) register(7:2);
 * 0xCFC-0xCFF carry the data. Only bus 0 exists.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/pci.h"
#include "core/util.h"
#include "core/vm.h"

#define PCI_COMMAND 0x04
#define PCI_CMD_IO 0x1
#define PCI_CMD_MEM 0x2
#define PCI_CMD_INTX_DISABLE 0x400
#define PCI_STATUS 0x06
#define PCI_STATUS_INTX 0x08
#define PCI_BAR0 0x10
#define PCI_ROM 0x30
#define PCI_INTERRUPT_PIN 0x3d

struct pci_bus *pci_bus_of(struct vm *vm)
{
	return vm->pci;
}

void pci_init_header(struct pci_dev *d, uint16_t vendor, uint16_t device,
		     uint32_t class_prog, uint8_t rev, uint16_t subsys_vendor, uint16_t subsys_id)
{
	st16(d->config + 0x00, vendor);
	st16(d->config + 0x02, device);
	d->config[0x08] = rev;
	d->config[0x09] = class_prog & 0xff;
	d->config[0x0a] = (class_prog >> 8) & 0xff;
	d->config[0x0b] = (class_prog >> 16) & 0xff;
	st16(d->config + 0x2c, subsys_vendor);
	st16(d->config + 0x2e, subsys_id);
	/* command: I/O, memory, bus master, SERR, interrupt disable are writable */
	st16(d->wmask + PCI_COMMAND, 0x0547);
	d->wmask[0x0c] = 0xff; /* cache line size */
	d->wmask[0x0d] = 0xff; /* latency timer */
	d->wmask[0x3c] = 0xff; /* interrupt line */
	st16(d->config + 0x06, 0x0000); /* status */
}

void pci_set_bar(struct pci_dev *d, int bar, uint64_t size, bool io,
		 const struct io_ops *ops, void *opaque)
{
	d->bars[bar] = (struct pci_bar){ .size = size, .io = io, .ops = ops, .opaque = opaque, .slot = -1 };
}

void pci_set_ram_bar(struct pci_dev *d, int bar, uint64_t size, void *ram, bool prefetch,
		     bool log_dirty)
{
	d->bars[bar] = (struct pci_bar){ .size = size, .ram = ram, .prefetch = prefetch,
					 .log_dirty = log_dirty, .slot = -1 };
}

static unsigned bar_offset(int bar)
{
	return bar == PCI_BAR_ROM ? PCI_ROM : PCI_BAR0 + 4 * bar;
}

/* Low flag bits of a BAR register (read-only). */
static uint32_t bar_flags(const struct pci_bar *b, int bar)
{
	if (!b->size || bar == PCI_BAR_ROM)
		return 0;
	if (b->io)
		return 0x1;
	return b->prefetch ? 0x8 : 0x0;
}

static void bar_unmap(struct pci_dev *d, int i)
{
	struct pci_bar *b = &d->bars[i];
	if (!b->mapped)
		return;
	struct vm *vm = d->bus->vm;
	if (b->ram)
		vm_unmap_memory(vm, b->slot);
	else
		iobus_unregister(b->io ? &vm->pio : &vm->mmio, b->addr, b->opaque);
	b->mapped = false;
	b->slot = -1;
	if (d->bar_moved)
		d->bar_moved(d, i);
}

/* Map or unmap a BAR after its address or the command register changed. */
static void bar_update(struct pci_dev *d, int i)
{
	struct pci_bar *b = &d->bars[i];
	if (!b->size)
		return;
	uint32_t reg = ld32(d->config + bar_offset(i));
	uint16_t cmd = ld16(d->config + PCI_COMMAND);
	uint64_t addr;
	bool enable;
	if (i == PCI_BAR_ROM) {
		addr = reg & ~0x7ffu;
		enable = (reg & 1) && (cmd & PCI_CMD_MEM);
	} else if (b->io) {
		addr = reg & ~0x3u;
		enable = cmd & PCI_CMD_IO;
	} else {
		addr = reg & ~0xfu;
		enable = cmd & PCI_CMD_MEM;
	}
	/*
	 * Not decoded: address 0 (a BAR the firmware left unassigned); an I/O
	 * BAR past 64 KiB, which no x86 I/O cycle reaches (its address bits
	 * are all writable, so it must not alias the port of its low 16 bits);
	 * and a memory range ending at the top of 4 GiB, which is the all-ones
	 * sizing pattern a guest may write with decoding on and where the BIOS
	 * is (QEMU maps no 32-bit BAR whose last byte is 0xFFFFFFFF either).
	 */
	uint64_t last = addr + b->size - 1;
	if (addr == 0 || last > (b->io ? 0xFFFFull : 0xFFFFFFFEull))
		enable = false;
	if (b->mapped && (!enable || addr != b->addr))
		bar_unmap(d, i);
	if (!enable || b->mapped)
		return;
	struct vm *vm = d->bus->vm;
	int rc;
	if (b->ram) {
		int slot = vm_map_memory(vm, addr, b->size, b->ram, false, b->log_dirty);
		rc = slot < 0 ? -1 : 0;
		b->slot = slot;
	} else {
		rc = iobus_register(b->io ? &vm->pio : &vm->mmio, addr, b->size, b->ops, b->opaque,
				    d->name);
	}
	if (rc < 0) {
		vm_log(vm, "pci %02x.%x %s: BAR%d at 0x%llx overlaps another device, not mapped",
		       d->devfn >> 3, d->devfn & 7, d->name, i, (unsigned long long)addr);
		return;
	}
	b->addr = addr;
	b->mapped = true;
	if (d->bar_moved)
		d->bar_moved(d, i);
}

/*
 * Drive ISA IRQ irq from the PIRQ lines routed to it (bus lock held). The
 * PIRQ inputs are open-drain, so PIRQs routed to one IRQ are wired-OR:
 * SeaBIOS routes PIRQA and B to IRQ 10 and PIRQC and D to 11, and one PIRQ
 * going idle must not lower an IRQ that another still holds.
 */
static void pirq_irq_update(struct pci_bus *bus, uint8_t irq)
{
	if ((irq & 0x80) || irq >= 16)
		return;
	int level = 0;
	for (unsigned p = 0; p < 4; p++)
		if (bus->pirq_route[p] == irq && bus->pirq_level[p] > 0)
			level = 1;
	vm_set_irq(bus->vm, irq, level);
}

/* What the function's INTx pin drives (bus lock held): its request, unless
 * Interrupt Disable (command bit 10, PCI 3.0 6.2.2) masks it. */
static bool intx_out(const struct pci_dev *d)
{
	return d->irq_level && !(ld16(d->config + PCI_COMMAND) & PCI_CMD_INTX_DISABLE);
}

/* The board wires slot s, pin p (1 = INTA) to PIRQ (s + p - 2) & 3: slot
 * 1's INTA is PIRQA. That is the wiring SeaBIOS's own _PRT, $PIR table and
 * Interrupt Line values describe (its i440FX slot rule), so a guest booted
 * through it is told the IRQ the device raises. */
unsigned pci_slot_pirq(unsigned slot, unsigned pin)
{
	return (slot + pin + 2) & 3;   /* (s + p - 2) mod 4 */
}

/* The pin went from was to now: count it on its PIRQ (bus lock held). */
static void intx_drive(struct pci_dev *d, bool was, bool now)
{
	unsigned pin = d->config[PCI_INTERRUPT_PIN];
	if (was == now || pin < 1 || pin > 4)
		return;
	struct pci_bus *bus = d->bus;
	unsigned pirq = pci_slot_pirq(d->devfn >> 3, pin);
	bus->pirq_level[pirq] += now ? 1 : -1;
	pirq_irq_update(bus, bus->pirq_route[pirq]);
}

static void config_write(struct pci_dev *d, unsigned off, uint32_t val, unsigned size)
{
	bool intx_was = intx_out(d);
	for (unsigned i = 0; i < size; i++) {
		unsigned o = off + i;
		uint8_t byte = val >> (8 * i);
		int bar = -1;
		if (o >= PCI_BAR0 && o < PCI_BAR0 + 24)
			bar = (o - PCI_BAR0) / 4;
		else if (o >= PCI_ROM && o < PCI_ROM + 4)
			bar = PCI_BAR_ROM;
		if (bar >= 0) {
			struct pci_bar *b = &d->bars[bar];
			unsigned base = bar_offset(bar), shift = 8 * (o - base);
			uint32_t cur = ld32(d->config + base);
			cur = (cur & ~(0xffu << shift)) | ((uint32_t)byte << shift);
			/* writable: the address bits above the size (and the ROM enable bit) */
			uint32_t mask = b->size ? ~(uint32_t)(b->size - 1) : 0;
			if (bar == PCI_BAR_ROM)
				mask = b->size ? (mask & ~0x7feu) | 1 : 0;
			else
				mask &= b->io ? ~0x3u : ~0xfu;
			st32(d->config + base, (cur & mask) | bar_flags(b, bar));
			continue;
		}
		if (o == 0x06 || o == 0x07) {
			/* the error bits (8, 11-15) are write-one-to-clear, the rest
			 * (interrupt status, capabilities list) read-only (PCI 3.0 6.2.3) */
			d->config[o] &= ~(byte & (o == 0x07 ? 0xF9 : 0x00));
			continue;
		}
		d->config[o] = (d->config[o] & ~d->wmask[o]) | (byte & d->wmask[o]);
	}
	bool touches_bars = (off < PCI_BAR0 + 24 && off + size > PCI_BAR0) ||
			    (off < PCI_ROM + 4 && off + size > PCI_ROM) ||
			    (off < PCI_COMMAND + 2 && off + size > PCI_COMMAND);
	if (touches_bars)
		for (int i = 0; i < 7; i++)
			bar_update(d, i);
	intx_drive(d, intx_was, intx_out(d));
	if (d->config_write)
		d->config_write(d, off, val, size);
}

static uint32_t config_read(struct pci_dev *d, unsigned off, unsigned size)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)d->config[off + i] << (8 * i);
	if (d->config_read)
		v = d->config_read(d, off, size, v);
	return v;
}

static struct pci_dev *addressed(struct pci_bus *bus)
{
	uint32_t a = bus->cf8;
	if (!(a & 0x80000000u) || ((a >> 16) & 0xff) != 0)
		return NULL;
	return bus->devs[(a >> 8) & 0xff];
}

static uint64_t cf8_read(void *opaque, uint64_t off, unsigned size)
{
	struct pci_bus *bus = opaque;
	if (off != 0 || size != 4)
		return ~0ull; /* byte access to 0xCF8-0xCFB is not config mechanism #1 */
	pthread_mutex_lock(&bus->lock);
	uint32_t v = bus->cf8;
	pthread_mutex_unlock(&bus->lock);
	return v;
}

static void cf8_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct pci_bus *bus = opaque;
	if (off != 0 || size != 4)
		return;
	pthread_mutex_lock(&bus->lock);
	bus->cf8 = val & 0x80fffffcu;
	pthread_mutex_unlock(&bus->lock);
}

static uint64_t cfc_read(void *opaque, uint64_t off, unsigned size)
{
	struct pci_bus *bus = opaque;
	pthread_mutex_lock(&bus->lock);
	struct pci_dev *d = addressed(bus);
	unsigned reg = (bus->cf8 & 0xfc) + off;
	uint64_t v = (d && reg + size <= 256) ? config_read(d, reg, size) : ~0ull;
	pthread_mutex_unlock(&bus->lock);
	return v;
}

static void cfc_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct pci_bus *bus = opaque;
	pthread_mutex_lock(&bus->lock);
	struct pci_dev *d = addressed(bus);
	unsigned reg = (bus->cf8 & 0xfc) + off;
	if (d && reg + size <= 256)
		config_write(d, reg, val, size);
	pthread_mutex_unlock(&bus->lock);
}

static const struct io_ops cf8_ops = { .read = cf8_read, .write = cf8_write };
static const struct io_ops cfc_ops = { .read = cfc_read, .write = cfc_write };

static void pci_bus_free(void *opaque)
{
	struct pci_bus *bus = opaque;
	pthread_mutex_destroy(&bus->lock);
	free(bus);
}

int pci_bus_create(struct vm *vm)
{
	struct pci_bus *bus = xzalloc(sizeof(*bus));
	bus->vm = vm;
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	/* device config hooks may call back into the bus (pci_set_irq) */
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&bus->lock, &a);
	pthread_mutexattr_destroy(&a);
	memset(bus->pirq_route, 0x80, sizeof(bus->pirq_route));
	vm->pci = bus;
	vm_add_free_hook(vm, pci_bus_free, bus);
	if (vm_register_pio(vm, 0xcf8, 1, &cf8_ops, bus, "pci-conf-addr") < 0 ||
	    vm_register_pio(vm, 0xcfc, 4, &cfc_ops, bus, "pci-conf-data") < 0)
		return -1;
	return 0;
}

static void pci_dev_reset(void *opaque)
{
	struct pci_dev *d = opaque;
	pthread_mutex_lock(&d->bus->lock);
	bool intx_was = intx_out(d);
	for (int i = 0; i < 7; i++) {
		bar_unmap(d, i);
		if (d->bars[i].size)
			st32(d->config + bar_offset(i), bar_flags(&d->bars[i], i));
	}
	st16(d->config + PCI_COMMAND, 0);
	d->config[0x3c] = 0;
	d->irq_level = 0;
	d->config[PCI_STATUS] &= ~PCI_STATUS_INTX;
	intx_drive(d, intx_was, false);
	pthread_mutex_unlock(&d->bus->lock);
}

int pci_register(struct vm *vm, struct pci_dev *d, unsigned devfn)
{
	struct pci_bus *bus = vm->pci;
	if (!bus || devfn > 255 || bus->devs[devfn]) {
		msg_error("%s: PCI slot %02x.%x for %s is taken", vm->name, devfn >> 3, devfn & 7, d->name);
		return -1;
	}
	d->devfn = devfn;
	d->bus = bus;
	for (int i = 0; i < 7; i++) {
		d->bars[i].slot = -1;
		if (d->bars[i].size)
			st32(d->config + bar_offset(i), bar_flags(&d->bars[i], i));
	}
	bus->devs[devfn] = d;
	vm_add_reset_hook(vm, pci_dev_reset, d);
	return 0;
}

/* The function requests an interrupt or withdraws it (status bit 3 shows
 * the request, masked or not). */
void pci_set_irq(struct pci_dev *d, int level)
{
	struct pci_bus *bus = d->bus;
	level = !!level;
	pthread_mutex_lock(&bus->lock);
	if (d->irq_level != level) {
		bool was = intx_out(d);
		d->irq_level = level;
		d->config[PCI_STATUS] = (d->config[PCI_STATUS] & ~PCI_STATUS_INTX) |
					(level ? PCI_STATUS_INTX : 0);
		intx_drive(d, was, intx_out(d));
	}
	pthread_mutex_unlock(&bus->lock);
}

/* The ISA bridge calls this when a PIRQ route register changes. */
void pci_set_pirq_route(struct pci_bus *bus, unsigned pirq, uint8_t route)
{
	pthread_mutex_lock(&bus->lock);
	uint8_t old = bus->pirq_route[pirq & 3];
	if (old != route) {
		bus->pirq_route[pirq & 3] = route;
		if (bus->pirq_level[pirq & 3] > 0) {
			pirq_irq_update(bus, old);
			pirq_irq_update(bus, route);
		}
	}
	pthread_mutex_unlock(&bus->lock);
}
