/*
 * PCI bus 0 behind configuration mechanism #1 (ports 0xCF8/0xCFC).
 *
 * A function describes its header in config[], which bits the guest may
 * write in wmask[], and its BARs. BAR writes by the guest (SeaBIOS reassigns
 * every BAR) move the I/O or MMIO range, or remap a RAM-backed BAR (video
 * memory) as a KVM memory slot.
 */
#ifndef VMST_PCI_H
#define VMST_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/iobus.h"

struct vm;

#define PCI_BAR_ROM 6

struct pci_bar {
	uint64_t size;          /* power of two; 0 = unused */
	bool io;                /* I/O space, else memory */
	bool prefetch;
	const struct io_ops *ops; /* MMIO/PIO handlers, or NULL for RAM-backed */
	void *opaque;
	void *ram;              /* RAM-backed BAR (video memory): host pointer */
	bool log_dirty;         /* track writes to RAM-backed BAR */
	/* current mapping */
	uint64_t addr;
	bool mapped;
	int slot;               /* memslot for RAM-backed BARs */
};

struct pci_dev {
	const char *name;
	unsigned devfn;         /* slot << 3 | function */
	uint8_t config[256];
	uint8_t wmask[256];     /* writable bits of config[] (BARs handled separately) */
	struct pci_bar bars[7];
	int irq_level;          /* INTx the function requests (status bit 3) */
	/* Optional hooks: called after a guest config write / before a read. */
	void (*config_write)(struct pci_dev *d, unsigned off, uint32_t val, unsigned size);
	uint32_t (*config_read)(struct pci_dev *d, unsigned off, unsigned size, uint32_t v);
	/* Called when a BAR's mapping changes (mapped=false: unmapped). */
	void (*bar_moved)(struct pci_dev *d, int bar);
	void *opaque;
	struct pci_bus *bus;
};

struct pci_bus {
	struct vm *vm;
	pthread_mutex_t lock;
	uint32_t cf8;
	struct pci_dev *devs[256];  /* by devfn */
	uint8_t pirq_route[4];       /* PIIX3 0x60-0x63, maintained by the ISA bridge */
	int pirq_level[4];           /* number of asserted INTx on each PIRQ */
	uint8_t elcr[2];             /* 0x4D0/0x4D1 edge/level control */
};

/* Fill the standard header: ids, class (class<<8|prog_if), header type 0. */
void pci_init_header(struct pci_dev *d, uint16_t vendor, uint16_t device,
		     uint32_t class_prog, uint8_t rev, uint16_t subsys_vendor,
		     uint16_t subsys_id);
/* Declare a BAR before pci_register. */
void pci_set_bar(struct pci_dev *d, int bar, uint64_t size, bool io,
		 const struct io_ops *ops, void *opaque);
void pci_set_ram_bar(struct pci_dev *d, int bar, uint64_t size, void *ram,
		     bool prefetch, bool log_dirty);
/* Add to the bus at devfn. 0, or -1 if taken. */
int pci_register(struct vm *vm, struct pci_dev *d, unsigned devfn);
/* INTx (pin from config[0x3d]) through the PIIX3 PIRQ routing. */
void pci_set_irq(struct pci_dev *d, int level);

/* The ISA bridge (PIIX3 0x60-0x63) changed where PIRQ n goes (bit 7 = off). */
void pci_set_pirq_route(struct pci_bus *bus, unsigned pirq, uint8_t route);

/* An expansion ROM read from a file (pci_rom.c). */
struct pci_rom {
	uint8_t *data;
	uint32_t size;
};
/* Set d's ROM BAR to the file at path (before pci_register; d->name set).
 * A missing file is warned and leaves the function without a ROM. */
void pci_rom_load(struct pci_dev *d, struct pci_rom *r, const char *path);
void pci_rom_free(struct pci_rom *r);

/* For `info pci` and tests. */
struct pci_bus *pci_bus_of(struct vm *vm);
/* The PIRQ (0-3 = A-D) that bus 0 slot s, pin p (1 = INTA) is wired to; the
 * MP table and the DSDT's _PRT describe the same wiring. */
unsigned pci_slot_pirq(unsigned slot, unsigned pin);

#endif
