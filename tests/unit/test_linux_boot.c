/*
 * Direct kernel boot: synthetic ELF32/ELF64/PVH/bzImage images (payloads
 * compressed here with zlib, liblzma and libzstd) loaded into a KVM-less
 * test VM; load addresses, entry registers, zero page, hvm_start_info, e820,
 * ACPI tables and the rejection of malformed images.
 */
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "firmware/acpi_tables.h"
#include "firmware/boot_cpu.h"
#include "firmware/bzimage.h"
#include "firmware/decompress.h"
#include "firmware/elf_load.h"
#include "firmware/linux_boot.h"
#include "firmware/mptable.h"
#include "devices/pci.h"
#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"
#include "core/vcpu.h"

/* ---- image builders ---------------------------------------------------- */

struct tseg {
	uint64_t paddr, vaddr, filesz, memsz;
	uint64_t offset;   /* 0 = place it automatically */
};

static size_t note(uint8_t *o, const char *name, uint32_t type, const void *desc, uint32_t dlen)
{
	uint32_t nlen = strlen(name) + 1;
	size_t p = 0;
	st32(o, nlen); st32(o + 4, dlen); st32(o + 8, type);
	p = 12;
	memcpy(o + p, name, nlen);
	p += (nlen + 3) & ~3u;
	memcpy(o + p, desc, dlen);
	p += (dlen + 3) & ~3u;
	return p;
}

/* Segment i's file bytes are (i * 16 + k) & 0xff, so each can be recognised. */
static uint8_t seg_byte(int i, uint64_t k) { return (uint8_t)(i * 16 + k * 7 + 1); }

static size_t mk_elf(uint8_t *out, int bits, uint64_t entry, const struct tseg *segs, int nseg,
		     const uint8_t *notes, size_t notes_len)
{
	size_t eh = bits == 64 ? 64 : 52, ph = bits == 64 ? 56 : 32;
	int nph = nseg + (notes_len ? 1 : 0);
	memset(out, 0, eh + ph * nph);
	memcpy(out, "\x7f" "ELF", 4);
	out[4] = bits == 64 ? 2 : 1;
	out[5] = 1;
	out[6] = 1;
	st16(out + 16, 2);
	st16(out + 18, bits == 64 ? 62 : 3);
	st32(out + 20, 1);
	size_t off = eh + ph * nph;
	size_t notes_off = off;
	if (notes_len)
		memcpy(out + off, notes, notes_len);
	off = (off + notes_len + 15) & ~15ul;
	if (bits == 64) {
		st64(out + 24, entry); st64(out + 32, eh);
		st16(out + 52, eh); st16(out + 54, ph); st16(out + 56, nph);
	} else {
		st32(out + 24, entry); st32(out + 28, eh);
		st16(out + 40, eh); st16(out + 42, ph); st16(out + 44, nph);
	}
	for (int i = 0; i < nph; i++) {
		uint8_t *p = out + eh + ph * i;
		uint64_t type, o, va, pa, fs, ms;
		if (i < nseg) {
			type = 1;
			o = segs[i].offset ? segs[i].offset : off;
			va = segs[i].vaddr; pa = segs[i].paddr; fs = segs[i].filesz; ms = segs[i].memsz;
			if (!segs[i].offset) {
				for (uint64_t k = 0; k < fs; k++)
					out[off + k] = seg_byte(i, k);
				off = (off + fs + 15) & ~15ul;
			}
		} else {
			type = 4; o = notes_off; va = pa = 0; fs = ms = notes_len;
		}
		if (bits == 64) {
			st32(p, type); st32(p + 4, 7);
			st64(p + 8, o); st64(p + 16, va); st64(p + 24, pa);
			st64(p + 32, fs); st64(p + 40, ms); st64(p + 48, type == 4 ? 4 : 0x1000);
		} else {
			st32(p, type); st32(p + 4, o); st32(p + 8, va); st32(p + 12, pa);
			st32(p + 16, fs); st32(p + 20, ms); st32(p + 24, 7); st32(p + 28, type == 4 ? 4 : 0x1000);
		}
	}
	return off;
}

/* A typical x86-64 vmlinux shape: linked at 0xffffffff81000000, loaded at 16 MiB. */
#define KVIRT 0xffffffff81000000ull
static size_t mk_vmlinux64(uint8_t *out, bool linux_note, bool pvh_note)
{
	uint8_t notes[128];
	size_t nl = 0;
	if (linux_note)
		nl += note(notes + nl, "Linux", 6, "\1\0\0\0", 4);
	if (pvh_note) {
		uint64_t e = 0x1000100;
		nl += note(notes + nl, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &e, 8);
	}
	struct tseg s[2] = {
		{ 0x1000000, KVIRT, 0x3000, 0x3000, 0 },
		{ 0x1004000, KVIRT + 0x4000, 0x800, 0x5000, 0 },  /* data + bss */
	};
	return mk_elf(out, 64, 0x1000000, s, 2, notes, nl);
}

static size_t mk_pvh32(uint8_t *out, uint32_t entry)
{
	uint8_t notes[32];
	size_t nl = note(notes, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, 4);
	struct tseg s[1] = { { 0x100000, 0x100000, 0x400, 0x1000, 0 } };
	return mk_elf(out, 32, 0x100000, s, 1, notes, nl);
}

/* bzImage: 1 setup sector after the boot sector, payload after 0x80 bytes of "code". */
static size_t mk_bzimage(uint8_t *out, const uint8_t *payload, size_t plen, uint16_t version)
{
	size_t setup = 2 * 512, pre = 0x80;
	memset(out, 0, setup + pre);
	out[HDR_SETUP_SECTS] = 1;
	st16(out + 0x1fc, 0x1234);              /* root_dev: must reach the zero page */
	st16(out + HDR_BOOT_FLAG, 0xAA55);
	out[HDR_JUMP] = 0xEB;
	out[HDR_JUMP + 1] = 0x6A;               /* header ends at 0x26c */
	memcpy(out + HDR_MAGIC, "HdrS", 4);
	st16(out + HDR_VERSION, version);
	out[HDR_LOADFLAGS] = 0x81;
	st32(out + HDR_INITRD_ADDR_MAX, 0x7fffffff);
	st32(out + HDR_KERNEL_ALIGNMENT, 0x200000);
	st32(out + HDR_CMDLINE_SIZE, 2047);
	st32(out + HDR_PAYLOAD_OFFSET, pre);
	st32(out + HDR_PAYLOAD_LENGTH, plen);
	st64(out + HDR_PREF_ADDRESS, 0x1000000);
	st32(out + HDR_INIT_SIZE, 0x100000);
	memset(out + setup, 0x90, pre);
	memcpy(out + setup + pre, payload, plen);
	return setup + pre + plen;
}

static size_t gzip_buf(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (Bytef *)in; zs.avail_in = n;
	zs.next_out = out; zs.avail_out = cap;
	deflate(&zs, Z_FINISH);
	size_t len = zs.total_out;
	deflateEnd(&zs);
	return len;
}

static size_t xz_buf(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	size_t pos = 0;
	if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, n, out, &pos, cap) != LZMA_OK)
		return 0;
	st32(out + pos, n);                     /* the kernel build appends the size */
	return pos + 4;
}

static size_t lzma_buf(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_options_lzma opt;
	lzma_lzma_preset(&opt, 6);
	if (lzma_alone_encoder(&ls, &opt) != LZMA_OK)
		return 0;
	ls.next_in = in; ls.avail_in = n; ls.next_out = out; ls.avail_out = cap;
	while (lzma_code(&ls, LZMA_FINISH) == LZMA_OK)
		;
	size_t len = ls.total_out;
	lzma_end(&ls);
	st32(out + len, n);
	return len + 4;
}

static size_t zstd_buf(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	size_t len = ZSTD_compress(out, cap, in, n, 19);
	if (ZSTD_isError(len))
		return 0;
	st32(out + len, n);
	return len + 4;
}

/* ---- helpers ---------------------------------------------------------- */

static struct vm_config cfg;

static struct vm *new_vm(uint64_t mib, const char *cmdline)
{
	/* only the fields direct boot reads (vmconfig_defaults allocates strings) */
	memset(&cfg, 0, sizeof(cfg));
	cfg.acpi = true;
	cfg.pae = true;
	cfg.apic = true;
	cfg.vcpus = 2;
	cfg.cmdline = (char *)cmdline;
	struct vm *vm = unit_vm_new(mib, &cfg, NULL);
	vm->n_vcpus = 2;
	return vm;
}

static uint8_t *gp(struct vm *vm, uint64_t gpa, uint64_t len) { return vm_gpa_to_hva(vm, gpa, len); }

/* The MP floating pointer where a kernel scans for it (0xF0000-0xFFFFF), or 0. */
static uint64_t find_mp_float(struct vm *vm)
{
	for (uint64_t a = 0xF0000; a < 0x100000; a += 16)
		if (!memcmp(gp(vm, a, 4), "_MP_", 4) && acpi_checksum(gp(vm, a, 16), 16) == 0)
			return a;
	return 0;
}

/*
 * MP spec 1.4: the floating pointer and the table's checksums, one enabled
 * processor per vCPU (the first the BSP), buses PCI and ISA, the I/O APIC,
 * ISA IRQ 0 on pin 2 and the 8259 on pin 0, the local NMI on LINT1.
 */
static void check_mptable(struct vm *vm, unsigned n_cpus)
{
	uint64_t fp = find_mp_float(vm);
	CHECK(fp != 0, "MP floating pointer found by scanning 0xF0000-0xFFFFF");
	if (!fp)
		return;
	uint8_t *f = gp(vm, fp, 16);
	CHECK(f[8] == 1 && f[9] == 4 && f[11] == 0, "MP floating pointer: 16 bytes, spec 1.4, a table follows");
	uint8_t *t = gp(vm, ld32(f + 4), 44);
	CHECK(t && !memcmp(t, "PCMP", 4), "MP configuration table at %#x", ld32(f + 4));
	if (!t || memcmp(t, "PCMP", 4))
		return;
	uint16_t len = ld16(t + 4), count = ld16(t + 34);
	t = gp(vm, ld32(f + 4), len);
	CHECK(t && acpi_checksum(t, len) == 0, "MP configuration table checksum (%u bytes)", len);
	CHECK_EQ(ld32(t + 36), 0xFEE00000, "MP table: local APIC address");
	unsigned cpus = 0, bsp = 0, buses = 0, ioapics = 0, o = 44;
	bool irq0 = false, extint = false, nmi = false, sizes = true;
	for (unsigned i = 0; i < count && o < len; i++) {
		uint8_t *e = t + o;
		unsigned elen = e[0] == 0 ? 20 : 8;
		if (e[0] > 4) {
			sizes = false;
			break;
		}
		if (e[0] == 0) {
			cpus += (e[3] & 1) && e[1] == cpus;
			bsp += (e[3] & 2) != 0;
		} else if (e[0] == 1) {
			buses += !memcmp(e + 2, "PCI   ", 6) || !memcmp(e + 2, "ISA   ", 6);
		} else if (e[0] == 2) {
			ioapics += (e[3] & 1) && ld32(e + 4) == 0xFEC00000;
		} else if (e[0] == 3) {
			irq0 |= e[1] == 0 && e[4] == 1 && e[5] == 0 && e[7] == 2;
			extint |= e[1] == 3 && e[7] == 0;
		} else if (e[0] == 4) {
			nmi |= e[1] == 1 && e[6] == 0xFF && e[7] == 1;
		}
		o += elen;
	}
	CHECK(sizes && o == len, "MP table: %u entries fill its %u bytes", count, len);
	CHECK_EQ(cpus, n_cpus, "MP table: one enabled processor per vCPU, APIC IDs in order");
	CHECK_EQ(bsp, 1, "MP table: one bootstrap processor");
	CHECK_EQ(buses, 2, "MP table: buses PCI and ISA");
	CHECK_EQ(ioapics, 1, "MP table: one I/O APIC at 0xFEC00000");
	CHECK(irq0 && extint, "MP table: ISA IRQ 0 on pin 2, the 8259 (ExtINT) on pin 0");
	CHECK(nmi, "MP table: NMI on every LINT1");
}

static bool seg_loaded(struct vm *vm, uint64_t pa, int i, uint64_t filesz, uint64_t memsz)
{
	uint8_t *p = gp(vm, pa, memsz);
	if (!p)
		return false;
	for (uint64_t k = 0; k < filesz; k++)
		if (p[k] != seg_byte(i, k))
			return false;
	for (uint64_t k = filesz; k < memsz; k++)
		if (p[k])
			return false;
	return true;
}

static int load(struct vm *vm, const uint8_t *img, size_t len, const uint8_t *rd, size_t rdlen,
		struct lb_result *r, char *err)
{
	err[0] = 0;
	return linux_boot_load_image(vm, img, len, rd, rdlen, NULL, r, err, 300);
}

static uint64_t hpet_table; /* where check_acpi found an HPET table, or 0 */

/* Every table the RSDP reaches has a valid checksum; returns how many. */
static int check_acpi(struct vm *vm, uint64_t rsdp, uint64_t *fadt_out, uint64_t *madt_out)
{
	uint8_t *r = gp(vm, rsdp, 36);
	int ok = 0;
	CHECK(r && !memcmp(r, "RSD PTR ", 8), "RSDP signature at %#llx", (unsigned long long)rsdp);
	CHECK_EQ(acpi_checksum(r, 20), 0, "RSDP checksum (first 20 bytes)");
	CHECK_EQ(acpi_checksum(r, 36), 0, "RSDP extended checksum");
	CHECK_EQ(r[15], 2, "RSDP revision 2");
	uint32_t rsdt = ld32(r + 16);
	uint64_t xsdt = ld64(r + 24);
	uint8_t *t = gp(vm, rsdt, 36);
	CHECK(t && !memcmp(t, "RSDT", 4) && acpi_checksum(t, ld32(t + 4)) == 0, "RSDT checksum");
	uint8_t *x = gp(vm, xsdt, 36);
	CHECK(x && !memcmp(x, "XSDT", 4) && acpi_checksum(x, ld32(x + 4)) == 0, "XSDT checksum");
	unsigned n = (ld32(t + 4) - 36) / 4;
	CHECK_EQ(n, (ld32(x + 4) - 36) / 8, "RSDT and XSDT list the same number of tables");
	for (unsigned i = 0; i < n; i++) {
		uint32_t a = ld32(t + 36 + 4 * i);
		CHECK_EQ(a, ld64(x + 36 + 8 * i), "RSDT and XSDT entries agree");
		uint8_t *h = gp(vm, a, 36);
		char sig[5] = { 0 };
		memcpy(sig, h, 4);
		CHECK(a >= 0xE0000 && a + ld32(h + 4) <= 0x100000, "%s lies in 0xE0000-0xFFFFF", sig);
		CHECK_EQ(acpi_checksum(h, ld32(h + 4)), 0, sig);
		if (!memcmp(sig, "FACP", 4))
			*fadt_out = a;
		if (!memcmp(sig, "APIC", 4))
			*madt_out = a;
		if (!memcmp(sig, "HPET", 4))
			hpet_table = a;
		ok++;
	}
	return ok;
}

/* ---- tests ------------------------------------------------------------ */

static uint8_t img[2 << 20], img2[1 << 20];

static void test_pvh(void)
{
	struct vm *vm = new_vm(64, "console=ttyS0 hello");
	struct lb_result r;
	char err[300];
	size_t n = mk_pvh32(img, 0x100010);
	uint8_t rd[5000];
	for (unsigned i = 0; i < sizeof(rd); i++)
		rd[i] = i * 3;
	CHECK(load(vm, img, n, rd, sizeof(rd), &r, err) == 0, "PVH ELF32 loads (%s)", err);
	CHECK_EQ(r.path, LB_PATH_PVH, "ELF32 with only a Xen PVH note takes the PVH entry");
	CHECK(seg_loaded(vm, 0x100000, 0, 0x400, 0x1000), "segment at p_paddr 1 MiB, bss zeroed");
	CHECK_EQ(r.regs.rip, 0x100010, "RIP = the PHYS32_ENTRY note, not e_entry");
	CHECK_EQ(r.regs.rbx, LB_START_INFO_ADDR, "EBX = hvm_start_info");
	CHECK_EQ(r.regs.rflags, 2, "EFLAGS: IF clear, reserved bit 1 set");
	CHECK_EQ(r.sregs.cr0 & 0x80000001, 1, "CR0: PE set, PG clear");
	CHECK_EQ(r.sregs.efer, 0, "EFER 0 (no long mode)");
	CHECK(r.sregs.cs.db == 1 && r.sregs.cs.l == 0 && r.sregs.cs.g == 1 && r.sregs.cs.limit == 0xFFFFFFFF
	      && r.sregs.cs.base == 0 && r.sregs.cs.present && r.sregs.cs.s && r.sregs.cs.type == 0xB,
	      "CS: flat 32-bit code");
	CHECK(r.sregs.ds.db == 1 && r.sregs.ss.type == 3 && r.sregs.es.limit == 0xFFFFFFFF
	      && r.sregs.ds.selector == BOOT_DS, "DS/ES/SS: flat 32-bit data");
	CHECK(r.sregs.tr.type == 0xB && r.sregs.tr.s == 0 && r.sregs.tr.present, "TR: busy TSS");
	CHECK_EQ(r.sregs.apic_base & 0xFFFFF900, 0xFEE00900, "APIC base: enabled BSP at 0xFEE00000");
	uint8_t *gdt = gp(vm, BOOT_GDT_ADDR, 48);
	CHECK_EQ(ld64(gdt + BOOT_CS), 0x00CF9B000000FFFFull, "GDT code descriptor in guest RAM");
	CHECK_EQ(ld64(gdt + BOOT_DS), 0x00CF93000000FFFFull, "GDT data descriptor");

	uint8_t *si = gp(vm, LB_START_INFO_ADDR, 56);
	CHECK_EQ(ld32(si), 0x336ec578, "hvm_start_info magic");
	CHECK_EQ(ld32(si + 4), 1, "hvm_start_info version 1");
	CHECK_STR((char *)gp(vm, ld64(si + 24), 20), "console=ttyS0 hello", "cmdline_paddr");
	CHECK_EQ(ld64(si + 32), LB_ACPI_ADDR, "rsdp_paddr");
	CHECK_EQ(ld32(si + 12), 1, "one module (the initrd)");
	uint8_t *m = gp(vm, ld64(si + 16), 32);
	CHECK_EQ(ld64(m + 8), sizeof(rd), "module size");
	CHECK(!memcmp(gp(vm, ld64(m), sizeof(rd)), rd, sizeof(rd)), "module contents = the initrd");
	CHECK_EQ(ld64(m) & 0xFFF, 0, "initrd page-aligned");
	CHECK(ld64(m) + sizeof(rd) <= 64 << 20 && ld64(m) >= 63 << 20, "initrd at the top of RAM");
	struct e820_entry e[16];
	unsigned ne = linux_boot_e820(vm, e, 16);
	CHECK_EQ(ld32(si + 48), ne, "memmap_entries");
	uint8_t *mm = gp(vm, ld64(si + 40), 24 * ne);
	bool same = true;
	for (unsigned i = 0; i < ne; i++)
		same &= ld64(mm + 24 * i) == e[i].addr && ld64(mm + 24 * i + 8) == e[i].size &&
			ld32(mm + 24 * i + 16) == e[i].type;
	CHECK(same, "memmap = the e820 map");
	vm_destroy(vm);
}

static void check_zero_page(struct vm *vm, const struct lb_result *r, const char *cmdline,
			    bool from_bz)
{
	uint8_t *bp = gp(vm, LB_ZERO_PAGE_ADDR, 4096);
	CHECK_EQ(ld16(bp + HDR_BOOT_FLAG), 0xAA55, "zero page: boot_flag");
	CHECK(!memcmp(bp + HDR_MAGIC, "HdrS", 4), "zero page: HdrS");
	CHECK_EQ(bp[HDR_TYPE_OF_LOADER], 0xff, "type_of_loader 0xff");
	CHECK(bp[HDR_LOADFLAGS] & LOADFLAG_LOADED_HIGH, "loadflags LOADED_HIGH");
	CHECK_STR((char *)gp(vm, ld32(bp + HDR_CMD_LINE_PTR), 64), cmdline, "cmd_line_ptr");
	CHECK_EQ(ld32(bp + HDR_RAMDISK_IMAGE), r->initrd_addr, "ramdisk_image");
	CHECK_EQ(ld32(bp + HDR_RAMDISK_SIZE), r->initrd_size, "ramdisk_size");
	CHECK_EQ(ld64(bp + 0x070), LB_ACPI_ADDR, "acpi_rsdp_addr");
	CHECK_EQ(ld32(bp + HDR_HW_SUBARCH), 0, "hardware_subarch PC");
	if (from_bz) {
		CHECK_EQ(ld16(bp + 0x1fc), 0x1234, "setup header copied from the bzImage (root_dev)");
		CHECK_EQ(ld16(bp + HDR_VERSION), 0x020f, "header version copied");
	} else {
		CHECK(ld16(bp + HDR_VERSION) >= 0x020a, "synthesized header version >= 2.10");
	}
	struct e820_entry e[16];
	unsigned ne = linux_boot_e820(vm, e, 16);
	CHECK_EQ(bp[0x1e8], ne, "e820_entries");
	bool same = true;
	for (unsigned i = 0; i < ne; i++) {
		uint8_t *p = bp + 0x2d0 + 20 * i;
		same &= ld64(p) == e[i].addr && ld64(p + 8) == e[i].size && ld32(p + 16) == e[i].type;
	}
	CHECK(same, "zero page e820_table = the e820 map");

	/* one setup_data node: SETUP_RNG_SEED (9) with 32 bytes of seed */
	uint64_t sd = ld64(bp + HDR_SETUP_DATA);
	uint8_t *n = sd ? gp(vm, sd, 48) : NULL;
	CHECK(n && sd >= 0x1000 && sd + 48 <= 0x9000, "setup_data in low RAM below the boot page tables (%#llx)",
	      (unsigned long long)sd);
	if (n) {
		CHECK_EQ(ld64(n), 0, "setup_data: a single node");
		CHECK_EQ(ld32(n + 8), 9, "setup_data type SETUP_RNG_SEED");
		CHECK_EQ(ld32(n + 12), 32, "setup_data len 32");
		static const uint8_t zero[32];
		CHECK(memcmp(n + 16, zero, 32) != 0, "the seed is not all zero");
		CHECK(sd >= LB_ZERO_PAGE_ADDR + 4096 || sd + 48 <= LB_ZERO_PAGE_ADDR,
		      "setup_data does not overlap the zero page");
	}
}

static void test_vmlinux64(void)
{
	struct vm *vm = new_vm(64, "root=/dev/ram0");
	struct lb_result r;
	char err[300];
	size_t n = mk_vmlinux64(img, true, true);
	uint8_t rd[100000];
	memset(rd, 0xA5, sizeof(rd));
	CHECK(load(vm, img, n, rd, sizeof(rd), &r, err) == 0, "ELF64 vmlinux loads (%s)", err);
	CHECK_EQ(r.path, LB_PATH_LINUX64, "Linux ELF64 with a PVH note prefers boot_params");
	cfg.pae = false;   /* pae = 0 hides long mode: a 64-bit kernel cannot run */
	struct lb_result r2;
	char err2[300] = "";
	CHECK(load(vm, img, n, rd, sizeof(rd), &r2, err2) < 0 && strstr(err2, "pae = 0"),
	      "pae = 0: the ELF64 kernel is refused (%s)", err2);
	cfg.pae = true;
	CHECK(seg_loaded(vm, 0x1000000, 0, 0x3000, 0x3000), "text at p_paddr 16 MiB");
	CHECK(seg_loaded(vm, 0x1004000, 1, 0x800, 0x5000), "data at p_paddr, bss zeroed");
	CHECK_EQ(r.regs.rip, 0x1000000, "RIP = e_entry (physical)");
	CHECK_EQ(r.regs.rsi, LB_ZERO_PAGE_ADDR, "RSI = boot_params");
	CHECK(r.sregs.cs.l == 1 && r.sregs.cs.db == 0 && r.sregs.cs.selector == BOOT_CS,
	      "CS: 64-bit code, __BOOT_CS");
	CHECK_EQ(r.sregs.ds.selector, BOOT_DS, "DS: __BOOT_DS");
	CHECK((r.sregs.cr0 & 0x80000001) == 0x80000001 && (r.sregs.cr4 & 0x20) &&
	      (r.sregs.efer & 0x500) == 0x500, "long mode: PG, PE, PAE, LME, LMA");
	CHECK_EQ(r.sregs.cr3, BOOT_PML4_ADDR, "CR3 = PML4");
	/* walk the page tables for a few addresses up to 4 GiB */
	bool ident = true;
	uint64_t probes[] = { 0, 0x1000000, 0x3FFFFFFF, 0xC0000000, 0xFEC00000, 0xFFFFFFFF };
	for (unsigned i = 0; i < ARRAY_SIZE(probes); i++) {
		uint64_t va = probes[i];
		uint64_t e4 = ld64(gp(vm, r.sregs.cr3 + 8 * ((va >> 39) & 511), 8));
		uint64_t e3 = ld64(gp(vm, (e4 & ~0xFFFull) + 8 * ((va >> 30) & 511), 8));
		uint64_t e2 = ld64(gp(vm, (e3 & ~0xFFFull) + 8 * ((va >> 21) & 511), 8));
		ident &= (e4 & 1) && (e3 & 1) && (e2 & 0x81) == 0x81 &&
			 (e2 & ~0x1FFFFFull) + (va & 0x1FFFFF) == va;
	}
	CHECK(ident, "first 4 GiB identity-mapped with 2 MiB pages");
	CHECK(r.initrd_addr >= 0x1009000 && r.initrd_addr + sizeof(rd) <= 64 << 20 &&
	      !(r.initrd_addr & 0xFFF), "initrd page-aligned, above the kernel, below RAM top");
	check_zero_page(vm, &r, "root=/dev/ram0", false);
	uint64_t fadt = 0, madt = 0;
	hpet_table = 0;
	CHECK_EQ(check_acpi(vm, r.rsdp, &fadt, &madt), 2, "FADT and MADT listed");
	CHECK_EQ(hpet_table, 0, "hpet = 0: no HPET table");
	vm_destroy(vm);

	/* hpet = 1: an HPET table (IA-PC HPET 1.0a, 3.2.4) naming the block */
	vm = new_vm(64, "");
	cfg.hpet = true;
	n = mk_pvh32(img, 0x100010);
	CHECK(load(vm, img, n, NULL, 0, &r, err) == 0, "PVH ELF32 with hpet = 1 loads (%s)", err);
	CHECK_EQ(check_acpi(vm, r.rsdp, &fadt, &madt), 3, "FADT, MADT and HPET listed");
	uint8_t *ht = hpet_table ? gp(vm, hpet_table, 56) : NULL;
	CHECK(ht && ld32(ht + 4) == 56, "HPET table: 56 bytes");
	CHECK(ht && ld32(ht + 36) == 0x8086A201, "HPET table: block ID 8086A201 (Intel, 3 timers, legacy capable)");
	CHECK(ht && ht[40] == 0 && ld64(ht + 44) == 0xFED00000, "HPET table: memory at 0xFED00000");
	cfg.hpet = false;
	vm_destroy(vm);

	/* no notes at all: still the 64-bit boot protocol */
	vm = new_vm(64, "");
	n = mk_vmlinux64(img, false, false);
	CHECK(load(vm, img, n, NULL, 0, &r, err) == 0 && r.path == LB_PATH_LINUX64,
	      "ELF64 without notes: 64-bit boot_params entry (%s)", err);
	vm_destroy(vm);

	/* VMST_BOOT_ENTRY=pvh picks the PVH entry of a Linux kernel */
	vm = new_vm(64, "");
	n = mk_vmlinux64(img, true, true);
	setenv("VMST_BOOT_ENTRY", "pvh", 1);
	CHECK(load(vm, img, n, NULL, 0, &r, err) == 0 && r.path == LB_PATH_PVH &&
	      r.regs.rip == 0x1000100 && r.regs.rbx == LB_START_INFO_ADDR,
	      "VMST_BOOT_ENTRY=pvh: Linux through its PVH note (%s)", err);
	unsetenv("VMST_BOOT_ENTRY");
	vm_destroy(vm);
}

static void test_vmlinux32(void)
{
	struct vm *vm = new_vm(64, "x");
	struct lb_result r;
	char err[300];
	struct tseg s[1] = { { 0x1000000, 0xC1000000, 0x2000, 0x4000, 0 } };
	uint8_t notes[32];
	size_t nl = note(notes, "Linux", 6, "\1\0\0\0", 4);
	size_t n = mk_elf(img, 32, 0x1000000, s, 1, notes, nl);
	CHECK(load(vm, img, n, NULL, 0, &r, err) == 0, "ELF32 vmlinux loads (%s)", err);
	CHECK_EQ(r.path, LB_PATH_LINUX32, "32-bit Linux: 32-bit boot protocol");
	CHECK_EQ(r.regs.rsi, LB_ZERO_PAGE_ADDR, "ESI = boot_params");
	CHECK(r.regs.rbx == 0 && r.regs.rdi == 0 && r.regs.rbp == 0, "EBX, EDI, EBP zero");
	CHECK(r.sregs.cs.selector == BOOT_CS && r.sregs.cs.db == 1 && !(r.sregs.cr0 & 0x80000000),
	      "protected mode, paging off, __BOOT_CS");
	CHECK(seg_loaded(vm, 0x1000000, 0, 0x2000, 0x4000), "ELF32 segment at p_paddr");
	check_zero_page(vm, &r, "x", false);
	vm_destroy(vm);

	/* entry given as a virtual address is translated through its segment */
	vm = new_vm(64, "");
	n = mk_elf(img, 32, 0xC1000020, s, 1, NULL, 0);
	CHECK(load(vm, img, n, NULL, 0, &r, err) == 0 && r.regs.rip == 0x1000020,
	      "virtual e_entry converted to physical (%s)", err);
	vm_destroy(vm);
}

typedef size_t (*compress_fn)(const uint8_t *, size_t, uint8_t *, size_t);

static void test_bzimage(void)
{
	static const struct { const char *name; compress_fn fn; } comps[] = {
		{ "gzip", gzip_buf }, { "xz", xz_buf }, { "lzma", lzma_buf }, { "zstd", zstd_buf },
		{ "uncompressed", NULL },
	};
	size_t elf_len = mk_vmlinux64(img2, true, true);
	static uint8_t payload[1 << 19];
	for (unsigned c = 0; c < ARRAY_SIZE(comps); c++) {
		size_t plen;
		if (comps[c].fn) {
			plen = comps[c].fn(img2, elf_len, payload, sizeof(payload) - 4);
		} else {
			memcpy(payload, img2, elf_len);
			plen = elf_len;
		}
		CHECK(plen > 0, "%s payload built", comps[c].name);
		if (comps[c].fn)
			CHECK_EQ(compression_detect(payload, plen),
				 c == 0 ? COMP_GZIP : c == 1 ? COMP_XZ : c == 2 ? COMP_LZMA : COMP_ZSTD,
				 "compression detected by magic");
		size_t n = mk_bzimage(img, payload, plen, 0x020f);
		struct vm *vm = new_vm(64, "console=ttyS0");
		struct lb_result r;
		char err[300];
		uint8_t rd[3000];
		memset(rd, 7, sizeof(rd));
		CHECK(load(vm, img, n, rd, sizeof(rd), &r, err) == 0, "bzImage with %s payload loads (%s)",
		      comps[c].name, err);
		CHECK_EQ(r.path, LB_PATH_LINUX64, "bzImage: 64-bit boot protocol");
		CHECK(seg_loaded(vm, 0x1000000, 0, 0x3000, 0x3000) &&
		      seg_loaded(vm, 0x1004000, 1, 0x800, 0x5000), "decompressed vmlinux segments loaded");
		CHECK(strstr(r.desc, "bzImage") && strstr(r.desc, comps[c].name), "description: %s", r.desc);
		check_zero_page(vm, &r, "console=ttyS0", true);
		/* the initrd stays clear of init_size from the load address */
		CHECK(r.initrd_addr >= 0x1000000 + 0x100000, "initrd above the kernel's init_size");
		vm_destroy(vm);
		uint64_t rip = r.regs.rip;
		if (!comps[c].fn)
			continue;
		/* unpacked once: kept in the kernel cache, the next load maps it */
		CHECK(strstr(r.desc, "kept in the kernel cache"), "%s: unpacked and kept", comps[c].name);
		vm = new_vm(64, "console=ttyS0");
		CHECK(load(vm, img, n, rd, sizeof(rd), &r, err) == 0 &&
		      strstr(r.desc, "unpacked before") && strstr(r.desc, "from the kernel cache"),
		      "%s: the second load comes from the cache (%s)", comps[c].name, r.desc);
		CHECK(seg_loaded(vm, 0x1000000, 0, 0x3000, 0x3000) &&
		      seg_loaded(vm, 0x1004000, 1, 0x800, 0x5000) && r.regs.rip == rip,
		      "%s: the same segments and entry from the cache", comps[c].name);
		vm_destroy(vm);
	}

	/* malformed compressed payloads */
	size_t plen = xz_buf(img2, elf_len, payload, sizeof(payload) - 4);
	struct vm *vm = new_vm(64, "");
	struct lb_result r;
	char err[300];
	size_t n = mk_bzimage(img, payload, plen / 2, 0x020f);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "xz"), "truncated xz payload rejected: %s", err);
	memcpy(payload + 6, "garbage garbage garbage", 23);
	n = mk_bzimage(img, payload, plen, 0x020f);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0, "corrupt xz payload rejected: %s", err);
	plen = gzip_buf(img2, elf_len, payload, sizeof(payload));
	n = mk_bzimage(img, payload, plen - 100, 0x020f);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "gzip"), "truncated gzip rejected: %s", err);
	plen = zstd_buf(img2, elf_len, payload, sizeof(payload) - 4);
	n = mk_bzimage(img, payload, plen - 30, 0x020f);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "zstd"), "truncated zstd rejected: %s", err);
	n = mk_bzimage(img, (const uint8_t *)"BZh91AY&SYxxxxxxxxxx", 20, 0x020f);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "bzip2"), "bzip2 payload: %s", err);
	n = mk_bzimage(img, (const uint8_t *)"not compressed at all", 21, 0x020f);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0, "unknown payload format: %s", err);
	/* gzip of something that is not an ELF */
	plen = gzip_buf((const uint8_t *)"hello world", 11, payload, sizeof(payload));
	n = mk_bzimage(img, payload, plen, 0x020f);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "ELF"), "payload not an ELF: %s", err);
	/* header problems */
	plen = gzip_buf(img2, elf_len, payload, sizeof(payload));
	n = mk_bzimage(img, payload, plen, 0x01ff);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "1.255"), "protocol 1.255 rejected: %s", err);
	n = mk_bzimage(img, payload, plen, 0x020f);
	st32(img + HDR_PAYLOAD_LENGTH, plen + 1);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "outside"), "payload past EOF: %s", err);
	st32(img + HDR_PAYLOAD_LENGTH, plen);
	st32(img + HDR_PAYLOAD_OFFSET, 0xFFFFFFF0);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0, "overflowing payload_offset: %s", err);
	CHECK(load(vm, img, 0x210, NULL, 0, &r, err) < 0 && strstr(err, "truncated"),
	      "truncated setup header: %s", err);
	/* command line longer than cmdline_size */
	n = mk_bzimage(img, payload, plen, 0x020f);
	st32(img + HDR_CMDLINE_SIZE, 10);
	cfg.cmdline = "console=ttyS0,115200";
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "command line"),
	      "command line over cmdline_size: %s", err);
	cfg.cmdline = "";
	vm_destroy(vm);
}

/* The last header field of each protocol version (boot.rst), for hdr_end. */
static unsigned hdr_end_for(uint16_t v)
{
	return v >= 0x020f ? 0x26c : v >= 0x020b ? 0x268 : v >= 0x020a ? 0x264 :
	       v >= 0x0209 ? 0x258 : v >= 0x0208 ? 0x250 : v >= 0x0207 ? 0x248 :
	       v >= 0x0206 ? 0x23c : v >= 0x0205 ? 0x238 : v >= 0x0203 ? 0x230 :
	       v >= 0x0202 ? 0x22c : v >= 0x0201 ? 0x228 : 0x224;
}

/*
 * A bzImage whose protected-mode part is plain code (no payload): 4 setup
 * sectors, then pm_len bytes of a recognisable pattern. xlf64 sets
 * XLF_KERNEL_64 (read only from 2.12 on); junk fills the header bytes past
 * hdr_end and the payload fields of versions that do not have them.
 */
static size_t mk_bzclassic(uint8_t *out, uint16_t v, size_t pm_len, bool xlf64, uint32_t code32)
{
	size_t setup = 5 * 512;
	memset(out, 0, setup);
	out[HDR_SETUP_SECTS] = 4;
	st16(out + HDR_BOOT_FLAG, 0xAA55);
	out[HDR_JUMP] = 0xEB;
	out[HDR_JUMP + 1] = hdr_end_for(v) - (HDR_JUMP + 2);
	memcpy(out + HDR_MAGIC, "HdrS", 4);
	st16(out + HDR_VERSION, v);
	out[HDR_LOADFLAGS] = LOADFLAG_LOADED_HIGH;
	st32(out + HDR_CODE32_START, code32);
	if (v >= 0x0203)
		st32(out + HDR_INITRD_ADDR_MAX, 0x7fffffff);
	if (v >= 0x0206)
		st32(out + HDR_CMDLINE_SIZE, 2047);
	if (xlf64)
		st16(out + HDR_XLOADFLAGS, XLF_KERNEL_64);
	if (v < 0x0208) /* fields an old header does not have: junk */
		for (unsigned o = hdr_end_for(v); o < 0x290; o++)
			out[o] = 0xA5;
	for (size_t i = 0; i < pm_len; i++)
		out[setup + i] = (uint8_t)(i * 13 + 5);
	return setup + pm_len;
}

static void test_bzimage_versions(void)
{
	static uint8_t payload[1 << 19];
	size_t elf_len = mk_vmlinux64(img2, true, true);
	size_t plen = gzip_buf(img2, elf_len, payload, sizeof(payload));
	char err[300];
	struct lb_result r;
	int n_ok32 = 0, n_ok64 = 0, n_okpl = 0, n_vers = 0;
	for (uint16_t v = 0x0200; v <= 0x020f; v++, n_vers++) {
		/* plain code, 32-bit entry at code32_start */
		uint32_t c32 = 0x100000 + (v & 0xf) * 0x10;
		size_t n = mk_bzclassic(img, v, 0x3000, false, c32);
		struct vm *vm = new_vm(64, "console=ttyS0");
		int rc = load(vm, img, n, NULL, 0, &r, err);
		uint8_t *k = gp(vm, 0x100000, 0x3000);
		bool same = k && !memcmp(k, img + 5 * 512, 0x3000);
		uint8_t *bp = gp(vm, LB_ZERO_PAGE_ADDR, 4096);
		bool ok = rc == 0 && r.path == LB_PATH_LINUX32 && r.entry == c32 &&
			  r.regs.rip == c32 && r.regs.rsi == LB_ZERO_PAGE_ADDR && same &&
			  ld16(bp + HDR_VERSION) == v && r.kernel_lo == 0x100000 &&
			  r.kernel_hi == 0x103000 && (r.sregs.cr0 & 1) && !(r.sregs.efer & 0x400);
		if (v >= 0x0202)
			ok &= ld32(bp + HDR_CMD_LINE_PTR) == LB_CMDLINE_ADDR;
		CHECK(ok, "protocol 2.%02u, no payload: pm code at 1 MiB, 32-bit entry at "
		      "code32_start %#x, ESI=zero page (rc %d, %s)", v & 0xff, c32, rc, err);
		n_ok32 += ok;
		vm_destroy(vm);

		/* the 64-bit entry, offered (xloadflags) from 2.12 */
		n = mk_bzclassic(img, v, 0x3000, true, 0x100000);
		vm = new_vm(64, "");
		rc = load(vm, img, n, NULL, 0, &r, err);
		bool want64 = v >= 0x020c;
		ok = rc == 0 && r.path == (want64 ? LB_PATH_LINUX64 : LB_PATH_LINUX32) &&
		     r.regs.rip == (want64 ? 0x100200u : 0x100000u) &&
		     (!want64 || (r.sregs.efer & 0x400));
		CHECK(ok, "protocol 2.%02u, no payload, XLF_KERNEL_64 %s: %s entry at %#llx (rc %d, %s)",
		      v & 0xff, want64 ? "read" : "ignored (no xloadflags yet)",
		      want64 ? "64-bit" : "32-bit", (unsigned long long)r.regs.rip, rc, err);
		n_ok64 += ok;
		vm_destroy(vm);

		/* with a payload (2.08+): unpacked on the host, its ELF loaded */
		if (v >= 0x0208) {
			n = mk_bzimage(img, payload, plen, v);
			vm = new_vm(64, "");
			rc = load(vm, img, n, NULL, 0, &r, err);
			ok = rc == 0 && r.path == LB_PATH_LINUX64 && strstr(r.desc, "gzip") &&
			     seg_loaded(vm, 0x1000000, 0, 0x3000, 0x3000);
			CHECK(ok, "protocol 2.%02u with a gzip payload loads its ELF (rc %d, %s)",
			      v & 0xff, rc, err);
			n_okpl += ok;
			vm_destroy(vm);
		}
	}
	CHECK(n_ok32 == n_vers && n_ok64 == n_vers && n_okpl == 8,
	      "every protocol 2.00-2.15 image loads (%d+%d+%d of %d+%d+8)", n_ok32, n_ok64,
	      n_okpl, n_vers, n_vers);

	/* refused, never overrun */
	struct vm *vm = new_vm(64, "");
	size_t n = mk_bzclassic(img, 0x020f, 0x1000, false, 0x101000);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "code32_start"),
	      "code32_start past the pm code refused: %s", err);
	n = mk_bzclassic(img, 0x020f, 0x1000, false, 0xfffff);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "code32_start"),
	      "code32_start below 1 MiB refused: %s", err);
	n = mk_bzclassic(img, 0x020f, 0x100, true, 0x100000);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "64-bit"),
	      "64-bit entry past a 256-byte pm part refused: %s", err);
	n = mk_bzclassic(img, 0x0204, 0x1000, false, 0x100000);
	img[HDR_LOADFLAGS] = 0;
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "zImage"),
	      "zImage (loaded low) refused: %s", err);
	n = mk_bzclassic(img, 0x0204, 0x1000, false, 0x100000);
	CHECK(load(vm, img, 5 * 512, NULL, 0, &r, err) < 0 && strstr(err, "protected-mode"),
	      "no pm part after the setup sectors refused: %s", err);
	img[HDR_SETUP_SECTS] = 0xff;
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0, "setup_sects past EOF refused: %s", err);
	img[HDR_SETUP_SECTS] = 4;
	img[HDR_JUMP + 1] = 0x10; /* header ends before ramdisk_size */
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "truncated"),
	      "2.04 header too short for its version refused: %s", err);
	vm_destroy(vm);
	vm = new_vm(2, "");
	n = mk_bzclassic(img, 0x020f, 0x100000 + 1, false, 0x100000);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "fit"),
	      "pm code larger than RAM above 1 MiB refused: %s", err);
	vm_destroy(vm);
}

static void test_malformed_elf(void)
{
	struct vm *vm = new_vm(32, "");
	struct lb_result r;
	char err[300];
	size_t n;

	memcpy(img, "random bytes that are no kernel at all..........", 48);
	CHECK(load(vm, img, 48, NULL, 0, &r, err) < 0 && strstr(err, "not a kernel"), "random file: %s", err);
	n = mk_pvh32(img, 0x100010);
	CHECK(load(vm, img, 30, NULL, 0, &r, err) < 0, "truncated ELF header: %s", err);
	CHECK(load(vm, img, 60, NULL, 0, &r, err) < 0 && strstr(err, "program header"),
	      "program headers past EOF: %s", err);

	struct tseg out_of_ram[1] = { { 31 << 20, 31 << 20, 0x100, 2 << 20, 0 } };
	n = mk_elf(img, 32, 31 << 20, out_of_ram, 1, NULL, 0);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "outside guest RAM"),
	      "segment running past RAM: %s", err);
	struct tseg hole[1] = { { 0xE0000000, 0xE0000000, 0x100, 0x100, 0 } };
	n = mk_elf(img, 32, 0xE0000000, hole, 1, NULL, 0);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0, "segment in the PCI hole: %s", err);
	struct tseg low[1] = { { 0x7000, 0x7000, 0x100, 0x100, 0 } };
	n = mk_elf(img, 32, 0x7000, low, 1, NULL, 0);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0, "segment below 1 MiB: %s", err);
	struct tseg fz[1] = { { 0x100000, 0x100000, 0x200, 0x100, 0 } };
	n = mk_elf(img, 32, 0x100000, fz, 1, NULL, 0);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "p_filesz"), "p_filesz > p_memsz: %s", err);
	struct tseg ovf[1] = { { 0x100000, 0x100000, 0x100, 0x100, 0xFFFFFFFFFFFFFF00ull } };
	n = mk_elf(img, 64, 0x100000, ovf, 1, NULL, 0);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "past the end"), "overflowing p_offset: %s", err);
	struct tseg aovf[1] = { { 0xFFFFFFFFFFFFF000ull, 0, 0x100, 0x2000, 0 } };
	n = mk_elf(img, 64, 0, aovf, 1, NULL, 0);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "overflow"), "overflowing p_paddr: %s", err);
	struct tseg ok[1] = { { 0x100000, 0x100000, 0x100, 0x100, 0 } };
	n = mk_elf(img, 32, 0x900000, ok, 1, NULL, 0);
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "entry"), "entry outside segments: %s", err);
	n = mk_elf(img, 32, 0x100000, ok, 1, NULL, 0);
	st16(img + 18, 40);  /* EM_ARM */
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0 && strstr(err, "machine"), "foreign machine: %s", err);
	n = mk_elf(img, 32, 0x100000, ok, 1, NULL, 0);
	st32(img + 28, 0xFFFFFFF0);  /* e_phoff */
	CHECK(load(vm, img, n, NULL, 0, &r, err) < 0, "e_phoff past EOF: %s", err);
	/* a note whose sizes run past its segment is ignored, not trusted */
	uint8_t notes[32];
	uint32_t e = 0x100000;
	size_t nl = note(notes, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &e, 4);
	st32(notes + 4, 0xFFFFFFF0);
	n = mk_elf(img, 32, 0x100000, ok, 1, notes, nl);
	CHECK(load(vm, img, n, NULL, 0, &r, err) == 0 && r.path == LB_PATH_LINUX32,
	      "bad note ignored (%s)", err);
	/* initrd too large for RAM above the kernel */
	static uint8_t big[31 << 20];
	n = mk_pvh32(img, 0x100010);
	CHECK(load(vm, img, n, big, sizeof(big), &r, err) < 0 && strstr(err, "initrd"),
	      "oversized initrd: %s", err);
	vm_destroy(vm);

	/* random mutations of valid images: never a crash or a write outside RAM (ASan) */
	uint64_t rng = 0x243F6A8885A308D3ull;
	size_t base_len[3];
	static uint8_t bases[3][1 << 14];
	base_len[0] = mk_pvh32(bases[0], 0x100010);
	base_len[1] = mk_vmlinux64(bases[1], true, true);
	size_t gl = gzip_buf(bases[1], base_len[1], img2, sizeof(img2));
	base_len[2] = mk_bzimage(bases[2], img2, gl, 0x020f);
	vm = new_vm(32, "");
	int accepted = 0;
	for (int it = 0; it < 3000; it++) {
		int b = it % 3;
		size_t len = base_len[b];
		memcpy(img, bases[b], len);
		int muts = 1 + it % 6;
		for (int m = 0; m < muts; m++) {
			rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
			size_t pos = (rng >> 8) % (b == 2 ? 0x300 : 0x100);   /* headers */
			if (pos < len)
				img[pos] = (uint8_t)(rng >> 40);
		}
		if (it % 50 == 0)
			len = rng % len;
		accepted += load(vm, img, len, NULL, 0, &r, err) == 0;
	}
	CHECK(accepted > 0 && accepted < 3000, "3000 mutated images: %d accepted, the rest rejected, no crash",
	      accepted);
	vm_destroy(vm);
}

static void test_acpi_and_e820(void)
{
	/* 3600 MiB: 3584 below the PCI hole, 16 MiB at 4 GiB */
	struct vm *vm = new_vm(3600, "");
	vm->n_vcpus = 4;
	struct e820_entry e[16];
	unsigned n = linux_boot_e820(vm, e, 16);
	const struct e820_entry want[] = {
		{ 0, 0x9FC00, 1 }, { 0x9FC00, 0x400, 2 }, { 0xF0000, 0x10000, 2 },
		{ 0x100000, 0xE0000000 - 0x100000, 1 }, { 0xFEFFC000, 0x4000, 2 },
		{ 0xFFFC0000, 0x40000, 2 }, { 0x100000000ull, 16 << 20, 1 },
	};
	CHECK_EQ(n, ARRAY_SIZE(want), "e820 entry count with high RAM");
	for (unsigned i = 0; i < n && i < ARRAY_SIZE(want); i++)
		CHECK(e[i].addr == want[i].addr && e[i].size == want[i].size && e[i].type == want[i].type,
		      "e820[%u] = [%#llx +%#llx) type %u", i, (unsigned long long)e[i].addr,
		      (unsigned long long)e[i].size, e[i].type);
	/* entries sorted and disjoint */
	bool sorted = true;
	for (unsigned i = 1; i < n; i++)
		sorted &= e[i - 1].addr + e[i - 1].size <= e[i].addr;
	CHECK(sorted, "e820 sorted, no overlaps");

	int used = acpi_build_tables(vm, LB_ACPI_ADDR, LB_ACPI_SIZE, vm->n_vcpus);
	CHECK(used > 0 && used < 4096, "ACPI tables built (%d bytes)", used);
	uint64_t fadt = 0, madt = 0;
	check_acpi(vm, LB_ACPI_ADDR, &fadt, &madt);
	/* the RSDP is where the standard scan looks: 16-byte aligned in 0xE0000-0xFFFFF */
	uint64_t found = 0;
	for (uint64_t a = 0xE0000; a < 0x100000 && !found; a += 16)
		if (!memcmp(gp(vm, a, 8), "RSD PTR ", 8) && acpi_checksum(gp(vm, a, 20), 20) == 0)
			found = a;
	CHECK_EQ(found, LB_ACPI_ADDR, "RSDP found by scanning 0xE0000-0xFFFFF");
	uint8_t *f = gp(vm, fadt, 244);
	CHECK(f && ld32(f + 4) == 244 && f[8] == 3, "FADT revision 3, 244 bytes");
	CHECK_EQ(ld16(f + 46), 9, "FADT SCI_INT 9");
	CHECK_EQ(ld32(f + 56), 0x600, "FADT PM1a_EVT_BLK 0x600");
	CHECK_EQ(ld32(f + 64), 0x604, "FADT PM1a_CNT_BLK 0x604");
	CHECK_EQ(ld32(f + 76), 0x608, "FADT PM_TMR_BLK 0x608");
	CHECK(f[88] == 4 && f[89] == 2 && f[91] == 4, "FADT PM1_EVT_LEN 4, PM1_CNT_LEN 2, PM_TMR_LEN 4");
	CHECK(ld64(f + 172 + 4) == 0x604 && f[172] == 1, "FADT X_PM1a_CNT_BLK in I/O space");
	CHECK_EQ(ld32(f + 48), 0, "SMI_CMD 0: no ACPI mode switch");
	uint8_t *facs = gp(vm, ld32(f + 36), 64);
	CHECK(!memcmp(facs, "FACS", 4) && ld32(facs + 4) == 64 && (ld32(f + 36) & 63) == 0,
	      "FACS present, 64-byte aligned");
	uint32_t dsdt = ld32(f + 40);
	CHECK_EQ(ld64(f + 140), dsdt, "X_DSDT = DSDT");
	uint8_t *d = gp(vm, dsdt, 36);
	CHECK(!memcmp(d, "DSDT", 4) && acpi_checksum(d, ld32(d + 4)) == 0, "DSDT checksum");
	static const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x00 };
	CHECK(ld32(d + 4) > 36 + sizeof(s5) && !memcmp(d + 36, s5, sizeof(s5)),
	      "DSDT AML: Name(\\_S5, Package(2){0, 0})");
	/* then Device(\_SB.PCI0) with _HID EisaId("PNP0A03"): the PCI host bridge */
	static const uint8_t pci0[] = { 0x5B, 0x82, 0x4A, 0x09, '\\', 0x2E, '_', 'S', 'B', '_', 'P', 'C', 'I', '0',
					0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0A, 0x03 };
	uint8_t *dd = gp(vm, dsdt, ld32(d + 4));
	CHECK(dd && ld32(d + 4) > 36 + sizeof(s5) + 156 && !memcmp(dd + 36 + sizeof(s5), pci0, sizeof(pci0)) &&
	      dd[36 + sizeof(s5) + 156 - 2] == 0x79,
	      "DSDT AML: Device(\\_SB.PCI0), _HID PNP0A03, _CRS ending in an End Tag");
	/* then Scope(\_SB.PCI0) { Name(_PRT, ...) } and the four links LNKA-D */
	uint8_t *aml = dd + 36 + sizeof(s5) + 156, *aend = dd + ld32(d + 4);
	CHECK(dd && aml[0] == 0x10 && memmem(aml, (size_t)(aend - aml), "_PRT\x12", 5) &&
	      memmem(aml, (size_t)(aend - aml), "LNKD", 4) &&
	      memmem(aml, (size_t)(aend - aml), "\x41\xD0\x0C\x0F", 4),
	      "DSDT AML: _PRT and the PNP0C0F link devices LNKA-D");
	uint8_t *m = gp(vm, madt, 44);
	CHECK_EQ(ld32(m + 36), 0xFEE00000, "MADT local APIC address");
	CHECK_EQ(ld32(m + 40) & 1, 1, "MADT PCAT_COMPAT");
	unsigned lapics = 0, ioapics = 0, isos = 0;
	bool irq0 = false, sci = false, ids = true;
	uint8_t *p = m + 44, *end = m + ld32(m + 4);
	while (p + 2 <= end && p[1] >= 2) {
		if (p[0] == 0) {
			ids &= p[3] == lapics && (ld32(p + 4) & 1);
			lapics++;
		}
		if (p[0] == 1) {
			ioapics++;
			CHECK(ld32(p + 4) == 0xFEC00000 && ld32(p + 8) == 0, "IOAPIC at 0xFEC00000, GSI base 0");
		}
		if (p[0] == 2) {
			isos++;
			if (p[3] == 0 && ld32(p + 4) == 2)
				irq0 = true;
			if (p[3] == 9 && ld32(p + 4) == 9 && ld16(p + 8) == 0x0D)
				sci = true;
		}
		p += p[1];
	}
	CHECK(p == end, "MADT entries fill the table exactly");
	CHECK_EQ(lapics, 4, "one enabled local APIC per vCPU, IDs 0..3");
	CHECK(ids, "local APIC IDs in order, enabled");
	CHECK_EQ(ioapics, 1, "one IOAPIC");
	CHECK(irq0, "override IRQ0 -> GSI2");
	CHECK(sci, "override SCI 9: level, active high");
	CHECK(acpi_build_tables(vm, LB_ACPI_ADDR, 64, 4) < 0, "tables that do not fit are refused");
	vm_destroy(vm);

	/* acpi=0: no tables, no RSDP handed over */
	vm = new_vm(64, "");
	cfg.acpi = false;
	struct lb_result r;
	char err[300];
	size_t len = mk_vmlinux64(img, true, false);
	CHECK(load(vm, img, len, NULL, 0, &r, err) == 0 && r.rsdp == 0 &&
	      ld64(gp(vm, LB_ZERO_PAGE_ADDR + 0x70, 8)) == 0 &&
	      memcmp(gp(vm, LB_ACPI_ADDR, 8), "RSD PTR ", 8) != 0, "acpi=0: no ACPI tables");
	check_mptable(vm, 2);
	vm_destroy(vm);

	/* apic=0: no MP table either (the kernel runs on the 8259s) */
	vm = new_vm(64, "");
	cfg.acpi = false;
	cfg.apic = false;
	vm->n_vcpus = 1;
	CHECK(load(vm, img, len, NULL, 0, &r, err) == 0 && !find_mp_float(vm), "apic=0: no MP table");
	vm_destroy(vm);
}

/*
 * Direct boot's MP table and ACPI _PRT say which IRQ each PCI slot's pins
 * reach; devices/pci.c decides which PIRQ a function really pulls. Four
 * functions on different slots and pins, the four PIRQs routed to four
 * distinct IRQs so the line that goes up names the PIRQ: the MP table's
 * entry for that slot and pin must give the IRQ direct boot routes that
 * PIRQ to, and the _PRT entry must name its link (LNKA-D).
 */
static void test_pci_routes_agree(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.acpi = true;
	cfg.apic = true;
	cfg.vcpus = 2;
	static const char *const parts[] = { "pci", "piix", NULL };
	struct vm *vm = unit_vm_new(64, &cfg, parts);
	vm->n_vcpus = 2;
	static struct pci_dev fns[4];
	static const unsigned slot[4] = { 3, 4, 5, 6 }, pin[4] = { 1, 1, 2, 4 };
	bool reg = true;
	for (unsigned i = 0; i < 4; i++) {
		fns[i].name = "routetest";
		pci_init_header(&fns[i], 0x1B36, 0x0005, 0x00FF00, 0x01, 0, 0);
		fns[i].config[0x3D] = (uint8_t)pin[i];
		reg &= pci_register(vm, &fns[i], slot[i] << 3) == 0;
	}
	CHECK(reg, "four test functions at 03.0 INTA, 04.0 INTA, 05.0 INTB, 06.0 INTD");
	acpi_route_pirqs(vm);
	int ra = acpi_build_tables(vm, LB_ACPI_ADDR, LB_ACPI_SIZE, 2);
	int rm = mptable_build(vm, LB_MP_ADDR, LB_MP_SIZE, 2);
	CHECK(ra > 0 && rm > 0, "ACPI tables and MP table built (%d and %d bytes)", ra, rm);
	/* the DSDT by signature in the ACPI area, the MP table at its base */
	uint8_t *dsdt = memmem(gp(vm, LB_ACPI_ADDR, LB_ACPI_SIZE), LB_ACPI_SIZE, "DSDT", 4);
	uint8_t *mp = memmem(gp(vm, LB_MP_ADDR, LB_MP_SIZE), LB_MP_SIZE, "PCMP", 4);
	CHECK(dsdt && mp, "the DSDT and the MP configuration table found");
	if (!dsdt || !mp) {
		vm_destroy(vm);
		return;
	}
	size_t dlen = ld32(dsdt + 4);
	static const uint8_t distinct[4] = { 5, 7, 10, 11 };
	struct pci_bus *bus = pci_bus_of(vm);
	for (unsigned k = 0; k < 4; k++)
		pci_set_pirq_route(bus, k, distinct[k]);
	unsigned pci_bus_id = 0xFF;
	for (unsigned i = 0; i < 4; i++) {
		unit_irq_clear();
		pci_set_irq(&fns[i], 1);
		int pirq = -1;
		for (unsigned k = 0; k < 4; k++)
			if (unit_irqs.level[distinct[k]])
				pirq = pirq < 0 ? (int)k : 9;
		pci_set_irq(&fns[i], 0);
		/* MP spec 4.3.4: I/O interrupt entries; a PCI source IRQ is slot << 2 | pin - 1 */
		int mp_irq = -1;
		unsigned count = ld16(mp + 34), o = 44;
		for (unsigned e = 0; e < count && o < ld16(mp + 4); e++) {
			uint8_t *en = mp + o;
			if (en[0] == 1 && !memcmp(en + 2, "PCI   ", 6))
				pci_bus_id = en[1];
			if (en[0] == 3 && en[4] == pci_bus_id && en[5] == (slot[i] << 2 | (pin[i] - 1)))
				mp_irq = en[7];
			o += en[0] == 0 ? 20 : 8;
		}
		/* _PRT: Package(4) { DWord 0xSSSSFFFF, pin - 1, LNKx, 0 } */
		uint8_t want[10] = { 0x0C, 0xFF, 0xFF, (uint8_t)slot[i], 0x00 };
		unsigned wl = 5;
		if (pin[i] - 1 == 0)
			want[wl++] = 0x00;                /* ZeroOp */
		else if (pin[i] - 1 == 1)
			want[wl++] = 0x01;                /* OneOp */
		else
			want[wl++] = 0x0A, want[wl++] = (uint8_t)(pin[i] - 1);
		memcpy(want + wl, "LNK", 3);
		wl += 3;
		uint8_t *prt = memmem(dsdt, dlen, want, wl);
		int link = prt ? prt[wl] - 'A' : -1;
		CHECK(pirq >= 0 && pirq < 4 && mp_irq == acpi_pirq_irqs[pirq] && link == pirq,
		      "%02x.0 INT%c pulls PIRQ%c; the MP table says IRQ %d (direct boot routes PIRQ%c to %u), "
		      "the _PRT says LNK%c", slot[i], 'A' + pin[i] - 1, pirq >= 0 && pirq < 4 ? 'A' + pirq : '?',
		      mp_irq, pirq >= 0 && pirq < 4 ? 'A' + pirq : '?',
		      pirq >= 0 && pirq < 4 ? acpi_pirq_irqs[pirq] : 0, link >= 0 && link < 4 ? 'A' + link : '?');
	}
	vm_destroy(vm);
}

static void test_files_and_setup(void)
{
	char kpath[] = "/tmp/vmst-lbXXXXXX";
	int fd = mkstemp(kpath);
	size_t n = mk_pvh32(img, 0x100010);
	CHECK(fd >= 0 && write(fd, img, n) == (ssize_t)n, "kernel file written");
	close(fd);

	struct vm *vm = new_vm(64, "a b c");
	struct lb_result r;
	char err[300];
	cfg.kernel = "/nonexistent/vmlinuz";
	CHECK(linux_boot_load(vm, NULL, &r, err, sizeof(err)) < 0 && strstr(err, "/nonexistent/vmlinuz"),
	      "missing kernel file named: %s", err);
	cfg.kernel = kpath;
	cfg.ramdisk = "/nonexistent/initrd";
	CHECK(linux_boot_load(vm, NULL, &r, err, sizeof(err)) < 0 && strstr(err, "ramdisk"),
	      "missing ramdisk named: %s", err);
	cfg.ramdisk = NULL;
	CHECK(linux_boot_load(vm, NULL, &r, err, sizeof(err)) == 0 && r.path == LB_PATH_PVH,
	      "kernel from a file (%s)", err);

	/* linux_boot_setup on a vCPU without KVM: regs land in boot_regs, twice */
	struct vcpu *v = xzalloc(sizeof(*v));
	v->fd = -1;
	vm->vcpus[0] = v;
	CHECK(linux_boot_setup(vm) == 0, "linux_boot_setup");
	CHECK(v->has_boot_regs && v->boot_regs.rip == 0x100010 && v->boot_regs.rbx == LB_START_INFO_ADDR,
	      "vCPU 0 boot registers set");
	memset(gp(vm, 0x100000, 0x1000), 0xEE, 0x1000);   /* the "guest" scribbles on its image */
	v->has_boot_regs = false;
	CHECK(linux_boot_setup(vm) == 0 && v->has_boot_regs, "second setup (reset) reloads");
	CHECK(seg_loaded(vm, 0x100000, 0, 0x400, 0x1000), "reset restored the kernel image and bss");
	char desc[400];
	linux_boot_describe(vm, desc, sizeof(desc));
	CHECK(strstr(desc, "PVH entry") != NULL, "describe: %s", desc);
	vm->vcpus[0] = NULL;
	free(v);
	vm_destroy(vm);
	unlink(kpath);
	cfg.kernel = NULL;
}

int main(void)
{
	/* the kernel cache in a directory of this run's own, not the user's */
	char cache[] = "/tmp/vmst-lbcache-XXXXXX";
	if (!mkdtemp(cache))
		return 1;
	setenv("XDG_CACHE_HOME", cache, 1);
	test_pvh();
	test_vmlinux64();
	test_vmlinux32();
	test_bzimage();
	test_bzimage_versions();
	test_malformed_elf();
	test_acpi_and_e820();
	test_pci_routes_agree();
	test_files_and_setup();
	char rm[64];
	snprintf(rm, sizeof(rm), "rm -rf %s", cache);
	if (system(rm) != 0)
		return 1;
	return UNIT_DONE();
}
