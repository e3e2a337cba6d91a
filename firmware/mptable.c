/* The MP table for direct kernel boot (firmware/mptable.h). */
#include "firmware/mptable.h"

#include <string.h>

#include "firmware/acpi_tables.h"
#include "core/cpuid.h"
#include "devices/pci.h"
#include "core/util.h"
#include "core/vm.h"

/* MP spec 1.4, chapter 4: entry types and their lengths */
#define MP_PROCESSOR 0  /* 20 bytes */
#define MP_BUS       1  /* 8 */
#define MP_IOAPIC    2  /* 8 */
#define MP_IOINT     3  /* 8 */
#define MP_LINT      4  /* 8 */
#define MP_INT       0  /* interrupt types of I/O and local entries */
#define MP_NMI       1
#define MP_EXTINT    3
#define BUS_PCI      0
#define BUS_ISA      1
#define HDR_LEN      44
#define FLOAT_LEN    16

struct mp_out {
	uint8_t *t;
	uint32_t o, cap;
	uint16_t count;
	bool full;
};

static uint8_t *entry(struct mp_out *m, uint8_t type, uint32_t len)
{
	if (m->o + len > m->cap) {
		m->full = true;
		return NULL;
	}
	uint8_t *e = m->t + m->o;
	memset(e, 0, len);
	e[0] = type;
	m->o += len;
	m->count++;
	return e;
}

/* An I/O interrupt (type 3) or local interrupt (type 4) assignment entry. */
static void irq_entry(struct mp_out *m, uint8_t type, uint8_t kind, uint16_t flags,
		      uint8_t bus, uint8_t bus_irq, uint8_t dest, uint8_t pin)
{
	uint8_t *e = entry(m, type, 8);
	if (!e)
		return;
	e[1] = kind;
	st16(e + 2, flags);
	e[4] = bus;
	e[5] = bus_irq;
	e[6] = dest;
	e[7] = pin;
}

int mptable_build(struct vm *vm, uint64_t base, uint64_t size, unsigned n_cpus)
{
	uint8_t buf[4096];
	if (n_cpus == 0)
		n_cpus = 1;
	if ((base & 15) || size < FLOAT_LEN + HDR_LEN || n_cpus > 255)
		return -1;
	memset(buf, 0, sizeof(buf));
	uint64_t cap = size - FLOAT_LEN < sizeof(buf) ? size - FLOAT_LEN : sizeof(buf);
	struct mp_out m = { buf, HDR_LEN, (uint32_t)cap, 0, false };

	struct kvm_cpuid_entry2 *leaf1 = vm->cpuid ? cpuid_find(vm->cpuid, 1, 0) : NULL;
	for (unsigned i = 0; i < n_cpus; i++) {
		uint8_t *e = entry(&m, MP_PROCESSOR, 20);
		if (!e)
			break;
		e[1] = i;                       /* local APIC ID: KVM numbers vCPUs from 0 */
		e[2] = 0x14;                    /* local APIC version (integrated) */
		e[3] = 1 | (i == 0 ? 2 : 0);    /* enabled; the first is the bootstrap processor */
		st32(e + 4, leaf1 ? leaf1->eax : 0x600);
		st32(e + 8, leaf1 ? leaf1->edx : 0);
	}
	uint8_t *e = entry(&m, MP_BUS, 8);
	if (e)
		memcpy(e + 2, "PCI   ", 6);
	e = entry(&m, MP_BUS, 8);
	if (e) {
		e[1] = BUS_ISA;
		memcpy(e + 2, "ISA   ", 6);
	}
	/* ID 0, as the MADT says: KVM's I/O APIC resets its ID register to 0 */
	e = entry(&m, MP_IOAPIC, 8);
	if (e) {
		e[2] = 0x11;                    /* version (82093AA) */
		e[3] = 1;                       /* enabled */
		st32(e + 4, ACPI_IOAPIC_ADDR);
	}

	/*
	 * PCI INTx: the source IRQ is the slot and pin (bits 6-2 the device,
	 * 1-0 the pin, A = 0); KVM's I/O APIC sees the line high while it is
	 * asserted, so level-triggered, active high (flags: trigger 11, polarity 01).
	 */
	struct pci_bus *bus = pci_bus_of(vm);
	uint16_t pci_irqs = 0;
	for (unsigned slot = 0; bus && slot < 32; slot++) {
		uint8_t pins = 0;
		for (unsigned fn = 0; fn < 8; fn++) {
			struct pci_dev *d = bus->devs[slot << 3 | fn];
			uint8_t pin = d ? d->config[0x3d] : 0;
			if (pin >= 1 && pin <= 4)
				pins |= 1u << (pin - 1);
		}
		for (unsigned p = 0; p < 4; p++) {
			if (!(pins & (1u << p)))
				continue;
			uint8_t irq = acpi_pirq_irqs[pci_slot_pirq(slot, p + 1)];
			pci_irqs |= 1u << irq;
			irq_entry(&m, MP_IOINT, MP_INT, 0x0D, BUS_PCI, slot << 2 | p, 0, irq);
		}
	}
	/*
	 * ISA: the 8259 behind pin 0 (ExtINT), the PIT's IRQ 0 on pin 2 as on
	 * every PC with an I/O APIC, the others on their own pins, edge and
	 * active high as the ISA bus defines them (flags 0: as the bus says).
	 */
	irq_entry(&m, MP_IOINT, MP_EXTINT, 0, BUS_ISA, 0, 0, 0);
	for (unsigned irq = 0; irq < 16; irq++) {
		if (irq == 2 || (pci_irqs & (1u << irq)))
			continue;
		irq_entry(&m, MP_IOINT, MP_INT, 0, BUS_ISA, irq, 0, irq == 0 ? 2 : irq);
	}
	/* every local APIC: the 8259's output on LINT0, NMI on LINT1 */
	irq_entry(&m, MP_LINT, MP_EXTINT, 0, BUS_ISA, 0, 0xFF, 0);
	irq_entry(&m, MP_LINT, MP_NMI, 0, BUS_ISA, 0, 0xFF, 1);
	if (m.full)
		return -1;

	uint8_t *h = buf;
	memcpy(h, "PCMP", 4);
	st16(h + 4, (uint16_t)m.o);
	h[6] = 4;                               /* spec revision 1.4 */
	memcpy(h + 8, "VMSTATN ", 8);
	memcpy(h + 16, "VMSTATION PC", 12);
	st16(h + 34, m.count);
	st32(h + 36, ACPI_LAPIC_ADDR);
	h[7] = (uint8_t)-acpi_checksum(h, m.o);

	uint8_t fp[FLOAT_LEN] = { '_', 'M', 'P', '_' };
	st32(fp + 4, (uint32_t)(base + FLOAT_LEN));
	fp[8] = 1;                              /* length in 16-byte units */
	fp[9] = 4;
	/* feature bytes 1-5 zero: the table above; no IMCR, virtual wire mode */
	fp[10] = (uint8_t)-acpi_checksum(fp, FLOAT_LEN);
	if (vm_write_guest(vm, base, fp, FLOAT_LEN) < 0 ||
	    vm_write_guest(vm, base + FLOAT_LEN, buf, m.o) < 0)
		return -1;
	return (int)(FLOAT_LEN + m.o);
}
