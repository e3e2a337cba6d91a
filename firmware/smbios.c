/*
 * SMBIOS tables for SeaBIOS, as fw_cfg files "etc/smbios/smbios-anchor" (a
 * 31-byte SMBIOS 2.x entry point) and "etc/smbios/smbios-tables" (the
 * structures). SeaBIOS copies them into the F segment, adds its own type 0
 * (BIOS information) and fixes the address and checksums of the entry point
 * (src/fw/biostables.c, smbios_romfile_setup).
 *
 * Without these files SeaBIOS builds the tables itself (src/fw/smbios.c),
 * which looks up 256 possible table files by name: on a host whose KVM
 * emulates guest kernel mode that alone costs 0.5-1 s of every boot.
 *
 * Layouts: DMTF DSP0134 (SMBIOS 2.8), sections 5.2.1 (entry point), 7.2
 * (type 1), 7.4 (type 3), 7.5 (type 4), 7.17 (type 16), 7.18 (type 17),
 * 7.20 (type 19), 7.33 (type 32), 7.46 (type 127).
 */
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/fw_cfg.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"

#define TABLES_MAX 8192       /* 64 vCPUs need about 3.7 KiB */
#define DIMM_MAX_MIB 16384u   /* one type 17 device per 16 GiB, as SeaBIOS does */

struct smbios_buf {
	uint8_t b[TABLES_MAX];
	size_t len;
	unsigned count;        /* structures */
	size_t max_size;       /* largest structure with its strings */
};

/*
 * Appends a structure: `fmt` is its formatted area (type, length and handle
 * included), strings[] its strings (string number i+1), ended by NULL.
 */
static void add(struct smbios_buf *t, const uint8_t *fmt, size_t fmt_len,
		const char *const *strings)
{
	size_t need = fmt_len + 2;
	for (unsigned i = 0; strings && strings[i]; i++)
		need += strlen(strings[i]) + 1;
	if (t->len + need > sizeof(t->b))
		return; /* cannot happen with VM_MAX_VCPUS structures; drop rather than overflow */
	size_t start = t->len;
	memcpy(t->b + t->len, fmt, fmt_len);
	t->len += fmt_len;
	unsigned n = 0;
	for (; strings && strings[n]; n++) {
		size_t l = strlen(strings[n]) + 1;
		memcpy(t->b + t->len, strings[n], l);
		t->len += l;
	}
	t->b[t->len++] = 0;          /* the string set ends with a second NUL ... */
	if (!n)
		t->b[t->len++] = 0;  /* ... or is two NULs when there are no strings */
	t->count++;
	if (t->len - start > t->max_size)
		t->max_size = t->len - start;
}

static void header(uint8_t *s, uint8_t type, uint8_t len, uint16_t handle)
{
	memset(s, 0, len);
	s[0] = type;
	s[1] = len;
	st16(s + 2, handle);
}

/* CPUID leaf 1 as the guest sees it: the processor ID of type 4. */
static void cpu_signature(const struct vm *vm, uint32_t *eax, uint32_t *edx)
{
	*eax = *edx = 0;
	for (unsigned i = 0; vm->cpuid && i < vm->cpuid->nent; i++)
		if (vm->cpuid->entries[i].function == 1) {
			*eax = vm->cpuid->entries[i].eax;
			*edx = vm->cpuid->entries[i].edx;
		}
}

static void build(struct vm *vm, struct smbios_buf *t)
{
	uint8_t s[64];

	/* type 1: system; all-zero UUID = "not set" (fw_cfg's UUID item is zero too) */
	header(s, 1, 0x1b, 0x100);
	s[4] = 1;                 /* manufacturer */
	s[5] = 2;                 /* product name */
	s[0x18] = 0x06;           /* woken by the power switch */
	add(t, s, 0x1b, (const char *[]){ "vmstation", "vmstation i440FX PC", NULL });

	/* type 3: enclosure, state "safe", security "unknown" */
	header(s, 3, 0x15, 0x300);
	s[4] = 1;
	s[5] = 0x01;              /* other */
	s[9] = s[10] = s[11] = 0x03;
	s[12] = 0x02;
	add(t, s, 0x15, (const char *[]){ "vmstation", NULL });

	/* type 4: one per vCPU (2.3 layout) */
	uint32_t sig, feat;
	cpu_signature(vm, &sig, &feat);
	for (unsigned i = 0; i < vm->n_vcpus && i < VM_MAX_VCPUS; i++) {
		char socket[16];
		snprintf(socket, sizeof(socket), "CPU %u", i);
		header(s, 4, 0x23, (uint16_t)(0x400 + i));
		s[4] = 1;             /* socket designation */
		s[5] = 0x03;          /* central processor */
		s[6] = 0x01;          /* family: other */
		s[7] = 2;             /* manufacturer */
		st32(s + 8, sig);
		st32(s + 12, feat);
		st16(s + 0x14, 2000); /* max speed, MHz: unknown, a plausible value */
		st16(s + 0x16, 2000);
		s[0x18] = 0x41;       /* socket populated, CPU enabled */
		s[0x19] = 0x01;       /* upgrade: other */
		st16(s + 0x1a, 0xffff);
		st16(s + 0x1c, 0xffff);
		st16(s + 0x1e, 0xffff);
		add(t, s, 0x23, (const char *[]){ socket, "vmstation", NULL });
	}

	/* type 16: the memory array, and type 17: its devices of up to 16 GiB */
	uint64_t ram_mib = vm->ram_size >> 20;
	unsigned ndev = (unsigned)((ram_mib + DIMM_MAX_MIB - 1) / DIMM_MAX_MIB);
	if (!ndev)
		ndev = 1;
	header(s, 16, 0x0f, 0x1000);
	s[4] = 0x01;              /* location: other */
	s[5] = 0x03;              /* system memory */
	s[6] = 0x06;              /* multi-bit ECC */
	st32(s + 7, ram_mib < (1u << 21) ? (uint32_t)(ram_mib << 10) : 0x80000000u);
	st16(s + 0xb, 0xfffe);    /* no error information */
	st16(s + 0xd, (uint16_t)ndev);
	add(t, s, 0x0f, NULL);
	for (unsigned i = 0; i < ndev && i < 256; i++) {
		uint64_t left = ram_mib - (uint64_t)i * DIMM_MAX_MIB;
		char loc[16];
		snprintf(loc, sizeof(loc), "DIMM %u", i);
		header(s, 17, 0x15, (uint16_t)(0x1100 + i));
		st16(s + 4, 0x1000);
		st16(s + 6, 0xfffe);
		st16(s + 8, 64);      /* total and data width, bits */
		st16(s + 10, 64);
		st16(s + 12, (uint16_t)(left < DIMM_MAX_MIB ? left : DIMM_MAX_MIB)); /* MiB */
		s[14] = 0x09;         /* DIMM */
		s[16] = 1;            /* device locator */
		s[18] = 0x07;         /* RAM */
		st16(s + 19, 0x0004); /* type detail: unknown */
		add(t, s, 0x15, (const char *[]){ loc, NULL });
	}

	/* type 19: where the array is mapped, in KiB (below 4 GiB, then above) */
	const struct { uint64_t start, len; } ranges[] = {
		{ 0, vm->low_ram }, { 1ull << 32, vm->high_ram },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(ranges); i++) {
		uint64_t a = ranges[i].start >> 10, e = a + (ranges[i].len >> 10) - 1;
		if (!ranges[i].len || e > 0xfffffffeull)
			continue; /* beyond 4 TiB would need the extended fields */
		header(s, 19, 0x0f, (uint16_t)(0x1300 + i));
		st32(s + 4, (uint32_t)a);
		st32(s + 8, (uint32_t)e);
		st16(s + 12, 0x1000);
		s[14] = 1;            /* partition width */
		add(t, s, 0x0f, NULL);
	}

	/* type 32: boot status "no errors" */
	header(s, 32, 0x0b, 0x2000);
	add(t, s, 0x0b, NULL);

	header(s, 127, 4, 0x7f00);
	add(t, s, 4, NULL);
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s += *p++;
	return s;
}

int smbios_create(struct vm *vm)
{
	struct smbios_buf *t = xzalloc(sizeof(*t));
	build(vm, t);

	uint8_t ep[31] = { 0 };
	memcpy(ep, "_SM_", 4);
	ep[5] = sizeof(ep);
	ep[6] = 2;                /* version 2.8 */
	ep[7] = 8;
	st16(ep + 8, (uint16_t)t->max_size);
	memcpy(ep + 0x10, "_DMI_", 5);
	st16(ep + 0x16, (uint16_t)t->len);
	/* 0x18: table address, filled in by SeaBIOS */
	st16(ep + 0x1c, (uint16_t)t->count);
	ep[0x1e] = 0x28;          /* BCD revision */
	ep[0x15] = (uint8_t)-sum8(ep + 0x10, sizeof(ep) - 0x10);
	ep[4] = (uint8_t)-sum8(ep, 0x10);

	int rc = fwcfg_add_file(vm, "etc/smbios/smbios-tables", t->b, t->len) < 0 ||
		 fwcfg_add_file(vm, "etc/smbios/smbios-anchor", ep, sizeof(ep)) < 0 ? -1 : 0;
	free(t);
	if (rc < 0)
		msg_error("smbios: fw_cfg is full");
	return rc;
}
