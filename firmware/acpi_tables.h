/*
 * Minimal ACPI tables for direct kernel boot, where no firmware builds them:
 * RSDP, RSDT, XSDT, FADT (+FACS), a DSDT with \_S5, a MADT and, with
 * hpet = 1, an HPET table. Enough for
 * Linux to find the IOAPIC and the vCPUs and to power off through the PIIX4
 * PM1a control register.
 */
#ifndef VMST_ACPI_TABLES_H
#define VMST_ACPI_TABLES_H

#include <stdint.h>

struct vm;

/* The PIIX4 power-management I/O block the lead emulates (PM base 0x600). */
#define ACPI_PM_BASE     0x600
#define ACPI_PM1A_EVT    (ACPI_PM_BASE + 0)   /* status, enable: 2 + 2 bytes */
#define ACPI_PM1A_CNT    (ACPI_PM_BASE + 4)
#define ACPI_PM_TMR      (ACPI_PM_BASE + 8)
#define ACPI_SCI_IRQ     9
#define ACPI_IOAPIC_ADDR 0xFEC00000u
#define ACPI_LAPIC_ADDR  0xFEE00000u

/*
 * Build the tables in guest RAM at [base, base + size) with the RSDP first,
 * 16-byte aligned (base must be in 0xE0000-0xFFFFF for the RSDP scan to
 * find it). n_cpus local APICs (IDs 0..n-1). Returns the number of bytes
 * used, or -1 if they do not fit or the range is not RAM.
 */
int acpi_build_tables(struct vm *vm, uint64_t base, uint64_t size, unsigned n_cpus);

/*
 * PCI interrupts for direct boot: the IRQs PIRQA-D are routed to, as the
 * DSDT's _PRT and link devices describe them; acpi_route_pirqs programs the
 * PIIX3's route registers (0x60-0x63) to match, as a BIOS would.
 */
extern const uint8_t acpi_pirq_irqs[4];
void acpi_route_pirqs(struct vm *vm);

/* Sum of bytes mod 256 (0 for a table with a correct checksum). */
uint8_t acpi_checksum(const uint8_t *p, uint64_t len);

#endif
