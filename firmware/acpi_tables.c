/*
 * Hand-built ACPI tables for direct kernel boot (ACPI 2.0 layout: RSDP
 * revision 2 with RSDT and XSDT, FADT revision 3). Table layouts follow the
 * ACPI specification, chapter 5.2; the AML in the DSDT is assembled by hand
 * (chapter 20, "AML Specification").
 */
#include "firmware/acpi_tables.h"

#include <string.h>

#include "devices/hpet.h"
#include "devices/pci.h"
#include "core/util.h"
#include "core/vm.h"

#define OEM_ID "VMSTN "       /* 6 bytes */
#define OEM_TABLE_ID "VMSTATN "  /* 8 bytes */
#define CREATOR_ID "VMST"

#define FADT_LEN 244
#define FACS_LEN 64
#define SDT_HDR_LEN 36

/* FADT fixed-feature flags (ACPI 5.2.9, table "Fixed ACPI Description Table Flags") */
#define FADT_F_WBINVD        (1u << 0)
#define FADT_F_PROC_C1       (1u << 2)
#define FADT_F_SLP_BUTTON    (1u << 5)  /* no fixed-feature sleep button */
#define FADT_F_RTC_S4        (1u << 7)
#define FADT_F_RESET_REG_SUP (1u << 10)
/* IA-PC boot architecture flags */
#define IAPC_LEGACY_DEVICES  (1u << 0)
#define IAPC_8042            (1u << 1)  /* Linux probes the i8042 only when this is set */

/* The PIIX3 reset control register (0xCF9); writing 6 resets the machine. */
#define RESET_PORT  0xCF9
#define RESET_VALUE 0x06

uint8_t acpi_checksum(const uint8_t *p, uint64_t len)
{
	uint8_t s = 0;
	for (uint64_t i = 0; i < len; i++)
		s += p[i];
	return s;
}

static void sdt_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	st32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	st32(t + 24, 1);             /* OEM revision */
	memcpy(t + 28, CREATOR_ID, 4);
	st32(t + 32, 1);             /* creator revision */
}

static void sdt_finish(uint8_t *t)
{
	t[9] = 0;
	t[9] = (uint8_t)-acpi_checksum(t, ld32(t + 4));
}

/* Generic Address Structure (ACPI 5.2.3.2) in system I/O space. */
static void gas_io(uint8_t *g, unsigned bits, uint64_t port)
{
	g[0] = 1;        /* system I/O */
	g[1] = bits;
	g[2] = 0;        /* bit offset */
	g[3] = 0;        /* access size: undefined (legacy reasons) */
	st64(g + 4, port);
}

/*
 * DSDT body: Name (\_S5, Package (2) { Zero, Zero }).
 * SLP_TYP 0 is what the PIIX4 takes for soft-off (the value the PC's own
 * DSDT uses); pvh.inc's poweroff writes the same.
 */
/*
 * Then the PCI host bridge, without which an ACPI kernel (Linux) scans no PCI
 * bus at all (it only probes bus 0 itself when ACPI is off):
 *   Device (\_SB.PCI0) {
 *     Name (_HID, EisaId ("PNP0A03"))  Name (_UID, Zero)  Name (_ADR, Zero)
 *     Name (_CRS, ResourceTemplate () {
 *       WordBusNumber 0-0xFF; IO 0xCF8, 8 (the config ports);
 *       WordIO 0-0xCF7 and 0xD00-0xFFFF;
 *       DWordMemory 0xA0000-0xBFFFF (VGA) and the PCI hole
 *       PCI_HOLE_START-0xFEBFFFFF (below the I/O APIC) })
 *   }
 * Resource descriptors: ACPI 6.4.3 (small IO 0x47, large Word 0x88, DWord
 * 0x87, End Tag 0x79).
 */
#define HOLE_LO ((uint8_t)(PCI_HOLE_START >> 16))
#define HOLE_HI ((uint8_t)(PCI_HOLE_START >> 24))
#define HOLE_LEN (0xFEC00000u - (uint32_t)PCI_HOLE_START)
#define CRS_LEN 110
static const uint8_t dsdt_aml[] = {
	0x08,                         /* NameOp */
	'\\', '_', 'S', '5', '_',     /* \_S5_ */
	0x12, 0x04, 0x02,             /* PackageOp, PkgLength 4, NumElements 2 */
	0x00, 0x00,                   /* ZeroOp, ZeroOp */

	0x5B, 0x82,                   /* DeviceOp */
	0x4A, 0x09,                   /* PkgLength 154 (2 bytes) */
	'\\', 0x2E, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', /* \_SB.PCI0 */
	0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0A, 0x03, /* EisaId PNP0A03 */
	0x08, '_', 'U', 'I', 'D', 0x00,
	0x08, '_', 'A', 'D', 'R', 0x00,
	0x08, '_', 'C', 'R', 'S',
	0x11, 0x42, 0x07,             /* BufferOp, PkgLength 114 */
	0x0A, CRS_LEN,                /* BufferSize */
	/* WordBusNumber: min 0, max 0xFF, length 0x100 */
	0x88, 0x0D, 0x00, 0x02, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x00,
	0x00, 0x00, 0x00, 0x01,
	/* IO (Decode16, 0xCF8, 0xCF8, 1, 8) */
	0x47, 0x01, 0xF8, 0x0C, 0xF8, 0x0C, 0x01, 0x08,
	/* WordIO 0x0000-0x0CF7 */
	0x88, 0x0D, 0x00, 0x01, 0x0C, 0x03, 0x00, 0x00, 0x00, 0x00, 0xF7, 0x0C,
	0x00, 0x00, 0xF8, 0x0C,
	/* WordIO 0x0D00-0xFFFF */
	0x88, 0x0D, 0x00, 0x01, 0x0C, 0x03, 0x00, 0x00, 0x00, 0x0D, 0xFF, 0xFF,
	0x00, 0x00, 0x00, 0xF3,
	/* DWordMemory 0xA0000-0xBFFFF, read-write */
	0x87, 0x17, 0x00, 0x00, 0x0C, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x0A, 0x00, 0xFF, 0xFF, 0x0B, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x00,
	/* DWordMemory PCI_HOLE_START-0xFEBFFFFF, read-write */
	0x87, 0x17, 0x00, 0x00, 0x0C, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, HOLE_LO, HOLE_HI, 0xFF, 0xFF, 0xBF, 0xFE, 0x00, 0x00, 0x00, 0x00,
	(uint8_t)HOLE_LEN, (uint8_t)(HOLE_LEN >> 8), (uint8_t)(HOLE_LEN >> 16), (uint8_t)(HOLE_LEN >> 24),
	0x79, 0x00,                   /* End Tag */
};
_Static_assert(sizeof(dsdt_aml) == 11 + 2 + 154, "DSDT AML and its PkgLengths disagree");

/*
 * PCI interrupt routing, appended to the DSDT: the board wires INTx of slot s,
 * pin p to a PIRQ (pci_slot_pirq, devices/pci.c), and direct boot programs
 * PIRQA-D to ACPI_PIRQ_IRQS (acpi_route_pirqs). ACPI says the same:
 *   Scope (\_SB.PCI0) { Name (_PRT, Package { Package { 0xSSSSFFFF, pin,
 *       LNKx, 0 }, ... }) }                          (slots 1-31, pins A-D)
 *   Device (\_SB.LNKx) { Name (_HID, EisaId ("PNP0C0F")) Name (_UID, x)
 *       Name (_PRS, <IRQ>) Name (_CRS, <IRQ>) Method (_SRS, 1) {} }
 * with <IRQ> an Extended Interrupt descriptor: level, active high (the line
 * KVM's I/O APIC sees is high while asserted), shared.
 */
const uint8_t acpi_pirq_irqs[4] = { 10, 10, 11, 11 };

struct aml {
	uint8_t *p;
	size_t n, cap;
	bool full;
};

static void emit(struct aml *a, const void *d, size_t n)
{
	if (a->n + n > a->cap) {
		a->full = true;
		return;
	}
	memcpy(a->p + a->n, d, n);
	a->n += n;
}

static void emit1(struct aml *a, uint8_t b)
{
	emit(a, &b, 1);
}

/* PkgLength (AML 20.2.4) for a body of len bytes, the encoding included */
static void emit_pkglen(struct aml *a, size_t len)
{
	size_t t = len + 1;
	if (t <= 63) {
		emit1(a, (uint8_t)t);
		return;
	}
	t = len + 2;
	if (t <= 0xFFF) {
		emit1(a, (uint8_t)(0x40 | (t & 15)));
		emit1(a, (uint8_t)(t >> 4));
		return;
	}
	t = len + 3;
	emit1(a, (uint8_t)(0x80 | (t & 15)));
	emit1(a, (uint8_t)(t >> 4));
	emit1(a, (uint8_t)(t >> 12));
}

static void emit_int(struct aml *a, uint32_t v)
{
	if (v <= 1) {
		emit1(a, (uint8_t)v);           /* ZeroOp, OneOp */
	} else if (v <= 0xFF) {
		emit1(a, 0x0A);                 /* BytePrefix */
		emit1(a, (uint8_t)v);
	} else {
		uint8_t b[5] = { 0x0C, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
		emit(a, b, 5);                  /* DWordPrefix */
	}
}

/* one _PRT entry: Package (4) { 0xSSSSFFFF, pin, LNKx, 0 } */
static void emit_prt_entry(struct aml *a, unsigned slot, unsigned pin)
{
	uint8_t body[16];
	struct aml e = { body, 0, sizeof(body), false };
	emit1(&e, 4);                           /* NumElements */
	emit_int(&e, slot << 16 | 0xFFFF);
	emit_int(&e, pin);
	uint8_t name[4] = { 'L', 'N', 'K', (uint8_t)('A' + pci_slot_pirq(slot, pin + 1)) };  /* pin 0 = INTA */
	emit(&e, name, 4);
	emit1(&e, 0x00);
	emit1(a, 0x12);                         /* PackageOp */
	emit_pkglen(a, e.n);
	emit(a, body, e.n);
}

static size_t build_pci_irq_aml(uint8_t *out, size_t cap)
{
	static uint8_t prt[31 * 4 * 16 + 16];
	struct aml b = { prt, 0, sizeof(prt), false };
	emit1(&b, 31 * 4);                      /* NumElements */
	for (unsigned slot = 1; slot < 32; slot++)
		for (unsigned pin = 0; pin < 4; pin++)
			emit_prt_entry(&b, slot, pin);
	uint8_t scope_body[31 * 4 * 16 + 64];
	struct aml sc = { scope_body, 0, sizeof(scope_body), false };
	static const uint8_t pci0[] = { '\\', 0x2E, '_', 'S', 'B', '_', 'P', 'C', 'I', '0' };
	emit(&sc, pci0, sizeof(pci0));
	static const uint8_t prt_name[] = { 0x08, '_', 'P', 'R', 'T', 0x12 };
	emit(&sc, prt_name, sizeof(prt_name));
	emit_pkglen(&sc, b.n);
	emit(&sc, prt, b.n);

	struct aml a = { out, 0, cap, false };
	emit1(&a, 0x10);                        /* ScopeOp */
	emit_pkglen(&a, sc.n);
	emit(&a, scope_body, sc.n);
	for (unsigned l = 0; l < 4; l++) {
		uint8_t irq = acpi_pirq_irqs[l];
		uint8_t res[] = { 0x0A, 11,     /* BufferSize */
				  0x89, 0x06, 0x00, 0x09, 0x01, irq, 0x00, 0x00, 0x00, /* ExtInt: consumer, level, high, shared */
				  0x79, 0x00 };
		uint8_t dev[96];
		struct aml d = { dev, 0, sizeof(dev), false };
		uint8_t name[] = { '\\', 0x2E, '_', 'S', 'B', '_', 'L', 'N', 'K', (uint8_t)('A' + l) };
		emit(&d, name, sizeof(name));
		static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0C, 0x0F };
		emit(&d, hid, sizeof(hid));
		static const uint8_t uid[] = { 0x08, '_', 'U', 'I', 'D' };
		emit(&d, uid, sizeof(uid));
		emit_int(&d, l);
		static const uint8_t prs[] = { 0x08, '_', 'P', 'R', 'S', 0x11 };
		emit(&d, prs, sizeof(prs));
		emit_pkglen(&d, sizeof(res));
		emit(&d, res, sizeof(res));
		static const uint8_t crs[] = { 0x08, '_', 'C', 'R', 'S', 0x11 };
		emit(&d, crs, sizeof(crs));
		emit_pkglen(&d, sizeof(res));
		emit(&d, res, sizeof(res));
		static const uint8_t srs[] = { 0x14, 0x06, '_', 'S', 'R', 'S', 0x01 }; /* Method (_SRS, 1) {} */
		emit(&d, srs, sizeof(srs));
		emit1(&a, 0x5B);                /* DeviceOp */
		emit1(&a, 0x82);
		emit_pkglen(&a, d.n);
		emit(&a, dev, d.n);
		if (d.full)
			a.full = true;
	}
	return a.full || b.full || sc.full ? 0 : a.n;
}

void acpi_route_pirqs(struct vm *vm)
{
	struct pci_bus *bus = pci_bus_of(vm);
	struct pci_dev *isa = bus ? bus->devs[1 << 3] : NULL; /* the PIIX3 at 00:01.0 */
	if (!isa)
		return;
	for (unsigned i = 0; i < 4; i++) {
		isa->config[0x60 + i] = acpi_pirq_irqs[i];
		pci_set_pirq_route(bus, i, acpi_pirq_irqs[i]);
	}
}

static uint32_t build_fadt(uint8_t *t, uint32_t facs, uint32_t dsdt)
{
	sdt_header(t, "FACP", FADT_LEN, 3);
	st32(t + 36, facs);
	st32(t + 40, dsdt);
	t[45] = 0;                    /* preferred PM profile: unspecified */
	st16(t + 46, ACPI_SCI_IRQ);
	st32(t + 48, 0);              /* SMI_CMD 0: ACPI mode is always on */
	st32(t + 56, ACPI_PM1A_EVT);
	st32(t + 64, ACPI_PM1A_CNT);
	st32(t + 76, ACPI_PM_TMR);
	t[88] = 4;                    /* PM1_EVT_LEN */
	t[89] = 2;                    /* PM1_CNT_LEN */
	t[91] = 4;                    /* PM_TMR_LEN */
	st16(t + 96, 0x0FFF);         /* P_LVL2_LAT > 100: no C2 */
	st16(t + 98, 0x0FFF);         /* P_LVL3_LAT > 1000: no C3 */
	t[108] = 0x32;                /* CENTURY: CMOS index of the century byte */
	st16(t + 109, IAPC_LEGACY_DEVICES | IAPC_8042);
	st32(t + 112, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON |
		      FADT_F_RTC_S4 | FADT_F_RESET_REG_SUP);
	gas_io(t + 116, 8, RESET_PORT);
	t[128] = RESET_VALUE;
	/* X_FIRMWARE_CTRL stays 0: with both set, Linux lists (and reserves) the FACS twice */
	st64(t + 140, dsdt);          /* X_DSDT */
	gas_io(t + 148, 32, ACPI_PM1A_EVT);
	gas_io(t + 172, 16, ACPI_PM1A_CNT);
	gas_io(t + 208, 32, ACPI_PM_TMR);
	sdt_finish(t);
	return FADT_LEN;
}

static uint32_t build_madt(uint8_t *t, unsigned n_cpus)
{
	uint32_t o = 44;
	st32(t + 36, ACPI_LAPIC_ADDR);
	st32(t + 40, 1);              /* PCAT_COMPAT: there are 8259s too */
	for (unsigned i = 0; i < n_cpus; i++) {
		t[o] = 0;             /* processor local APIC */
		t[o + 1] = 8;
		t[o + 2] = i;         /* ACPI processor UID */
		t[o + 3] = i;         /* APIC ID: KVM numbers vCPUs from 0 */
		st32(t + o + 4, 1);   /* enabled */
		o += 8;
	}
	t[o] = 1;                     /* I/O APIC */
	t[o + 1] = 12;
	t[o + 2] = 0;                 /* ID 0: KVM's IOAPIC resets its ID register to 0 */
	t[o + 3] = 0;
	st32(t + o + 4, ACPI_IOAPIC_ADDR);
	st32(t + o + 8, 0);           /* GSI base */
	o += 12;
	/* ISA IRQ 0 (PIT) arrives on IOAPIC pin 2, as on every PC */
	t[o] = 2; t[o + 1] = 10; t[o + 2] = 0; t[o + 3] = 0;
	st32(t + o + 4, 2);
	st16(t + o + 8, 0);           /* bus default: edge, active high */
	o += 10;
	/* SCI: level-triggered, active high (polarity 01, trigger mode 11) */
	t[o] = 2; t[o + 1] = 10; t[o + 2] = 0; t[o + 3] = ACPI_SCI_IRQ;
	st32(t + o + 4, ACPI_SCI_IRQ);
	st16(t + o + 8, 0x0D);
	o += 10;
	/* LINT1 of every processor is the NMI input */
	t[o] = 4; t[o + 1] = 6; t[o + 2] = 0xFF;
	st16(t + o + 3, 0);
	t[o + 5] = 1;
	o += 6;
	sdt_header(t, "APIC", o, 1);
	sdt_finish(t);
	return o;
}

/*
 * HPET description table (IA-PC HPET specification 1.0a, 3.2.4): the block's
 * ID (the low half of its capabilities register), its address, number 0,
 * and the smallest periodic tick the OS should ask for (128 ticks, 1.28 us).
 */
#define HPET_TABLE_LEN 56
static uint32_t build_hpet(uint8_t *t)
{
	sdt_header(t, "HPET", HPET_TABLE_LEN, 1);
	st32(t + 36, 0x8086A201);     /* Intel, legacy capable, 64-bit, 3 timers, rev 1 */
	t[40] = 0;                    /* system memory */
	t[41] = 64;
	st64(t + 44, HPET_BASE);
	t[52] = 0;
	st16(t + 53, 128);
	t[55] = 0;                    /* no page protection */
	sdt_finish(t);
	return HPET_TABLE_LEN;
}

static uint32_t align_up(uint32_t v, uint32_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int acpi_build_tables(struct vm *vm, uint64_t base, uint64_t size, unsigned n_cpus)
{
	uint8_t buf[8192];
	static uint8_t irq_aml[4096];
	size_t irq_len = build_pci_irq_aml(irq_aml, sizeof(irq_aml));
	if (!irq_len)
		return -1;
	if (n_cpus == 0)
		n_cpus = 1;
	if (n_cpus > 255 || (base & 15))
		return -1;
	/* the MADT alone is 44 + 8 per CPU + 32 bytes */
	if (44 + 8 * n_cpus + 32 + 1024 + HPET_TABLE_LEN + irq_len + sizeof(dsdt_aml) > sizeof(buf))
		return -1;
	memset(buf, 0, sizeof(buf));

	uint32_t rsdp = 0;
	uint32_t facs = align_up(rsdp + 36, 64);
	uint32_t dsdt = align_up(facs + FACS_LEN, 16);
	uint32_t dsdt_len = SDT_HDR_LEN + sizeof(dsdt_aml) + (uint32_t)irq_len;
	uint32_t fadt = align_up(dsdt + dsdt_len, 16);
	uint32_t madt = align_up(fadt + FADT_LEN, 16);
	uint32_t madt_len = build_madt(buf + madt, n_cpus);
	bool with_hpet = vm->cfg && vm->cfg->hpet;
	uint32_t hpet = align_up(madt + madt_len, 16);
	uint32_t hpet_len = with_hpet ? build_hpet(buf + hpet) : 0;
	uint32_t n_tables = with_hpet ? 3 : 2;
	uint32_t rsdt = align_up(hpet + hpet_len, 16);
	uint32_t rsdt_len = SDT_HDR_LEN + n_tables * 4;
	uint32_t xsdt = align_up(rsdt + rsdt_len, 16);
	uint32_t xsdt_len = SDT_HDR_LEN + n_tables * 8;
	uint32_t total = xsdt + xsdt_len;
	if (total > size || total > sizeof(buf))
		return -1;
	uint8_t *hva = vm_gpa_to_hva(vm, base, total);
	if (!hva || base + total > 0xFFFFFFFFull)
		return -1;
	uint32_t b = (uint32_t)base;

	/* FACS: no checksum; the waking vector stays 0 (no S3) */
	memcpy(buf + facs, "FACS", 4);
	st32(buf + facs + 4, FACS_LEN);
	buf[facs + 32] = 1;           /* version */

	sdt_header(buf + dsdt, "DSDT", dsdt_len, 1);
	memcpy(buf + dsdt + SDT_HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	memcpy(buf + dsdt + SDT_HDR_LEN + sizeof(dsdt_aml), irq_aml, irq_len);
	sdt_finish(buf + dsdt);

	build_fadt(buf + fadt, b + facs, b + dsdt);

	sdt_header(buf + rsdt, "RSDT", rsdt_len, 1);
	st32(buf + rsdt + 36, b + fadt);
	st32(buf + rsdt + 40, b + madt);
	if (with_hpet)
		st32(buf + rsdt + 44, b + hpet);
	sdt_finish(buf + rsdt);

	sdt_header(buf + xsdt, "XSDT", xsdt_len, 1);
	st64(buf + xsdt + 36, b + fadt);
	st64(buf + xsdt + 44, b + madt);
	if (with_hpet)
		st64(buf + xsdt + 52, b + hpet);
	sdt_finish(buf + xsdt);

	uint8_t *r = buf + rsdp;
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, OEM_ID, 6);
	r[15] = 2;                    /* revision: ACPI 2.0+, XSDT present */
	st32(r + 16, b + rsdt);
	st32(r + 20, 36);
	st64(r + 24, b + xsdt);
	r[8] = (uint8_t)-acpi_checksum(r, 20);
	r[32] = (uint8_t)-acpi_checksum(r, 36);

	memcpy(hva, buf, total);
	return (int)total;
}
