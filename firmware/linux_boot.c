/*
 * Direct kernel boot: bzImage / vmlinux / PVH ELF into guest RAM, with the
 * boot_params "zero page" (Documentation/arch/x86/zero-page.rst and boot.rst)
 * or a Xen hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h),
 * an e820 map, a command line, an initrd and ACPI tables.
 */
#include "firmware/linux_boot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>

#include "firmware/acpi_tables.h"
#include "firmware/mptable.h"
#include "firmware/boot_cpu.h"
#include "firmware/bzimage.h"
#include "firmware/decompress.h"
#include "firmware/elf_load.h"
#include "firmware/kernel_cache.h"
#include "devices/i8042.h"
#include "devices/ide.h"
#include "core/util.h"
#include "core/vcpu.h"
#include "core/vm.h"

#define MIB (1024ull * 1024)
#define MAX_KERNEL_ELF (1024 * MIB)   /* decompressed vmlinux size cap */
#define BIOS_AREA_SIZE 0x40000ull     /* reserved below 4 GiB, as SeaBIOS does */

/* boot_params offsets (zero-page.rst) */
#define BP_EXT_MEM_K        0x002   /* screen_info.ext_mem_k */
#define BP_ACPI_RSDP        0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_ALT_MEM_K        0x1e0
#define BP_E820_ENTRIES     0x1e8
#define BP_SENTINEL         0x1ef
#define BP_E820_TABLE       0x2d0
#define BP_E820_MAX         128

/* setup_data node (boot.rst, "Details of Header Fields": setup_data) */
#define SETUP_RNG_SEED      9
#define RNG_SEED_ADDR       (LB_ZERO_PAGE_ADDR + 4096)
#define RNG_SEED_LEN        32

/* hvm_start_info (version 1) */
#define HVM_START_MAGIC 0x336ec578
#define SI_LEN 56
#define SI_MODLIST (LB_START_INFO_ADDR + 0x40)
#define SI_MEMMAP  (LB_START_INFO_ADDR + 0x80)
#define SI_MEMMAP_MAX 16

/* What the VM keeps for the log and for reloading on reset. */
struct lb_state {
	struct vm *vm;
	bool have_power_on;
	struct kvm_sregs power_on;   /* vCPU 0's KVM reset state, read once at set-up */
	char desc[512];
};

unsigned linux_boot_e820(struct vm *vm, struct e820_entry *e, unsigned max)
{
	struct e820_entry t[8];
	unsigned n = 0;
	t[n++] = (struct e820_entry){ 0, MIN(vm->low_ram, 0x9FC00), E820_RAM };
	t[n++] = (struct e820_entry){ 0x9FC00, 0x400, E820_RESERVED };   /* EBDA */
	t[n++] = (struct e820_entry){ 0xF0000, 0x10000, E820_RESERVED }; /* ACPI tables, BIOS */
	if (vm->low_ram > MIB)
		t[n++] = (struct e820_entry){ MIB, vm->low_ram - MIB, E820_RAM };
	t[n++] = (struct e820_entry){ KVM_IDENTITY_MAP_ADDR, 0x4000, E820_RESERVED };
	t[n++] = (struct e820_entry){ HIGH_RAM_START - BIOS_AREA_SIZE, BIOS_AREA_SIZE, E820_RESERVED };
	if (vm->high_ram)
		t[n++] = (struct e820_entry){ HIGH_RAM_START, vm->high_ram, E820_RAM };
	n = MIN(n, max);
	memcpy(e, t, n * sizeof(*e));
	return n;
}

/*
 * The ELF inside a bzImage: a pointer into img, the unpacked copy in the
 * kernel cache (mapped into *cached), or a malloc'd one unpacked now.
 */
static int bzimage_payload(const uint8_t *img, const struct bzimage_info *bi,
			   const uint8_t **elf, size_t *elf_len, uint8_t **owned,
			   struct kernel_blob *cached, char *what, size_t whatlen,
			   char *err, size_t errlen)
{
	const uint8_t *pl = img + bi->payload_off;
	size_t pl_len = bi->payload_len;
	enum compression c = compression_detect(pl, pl_len);

	*owned = NULL;
	if (c == COMP_NONE && elf_is_elf(pl, pl_len)) {
		*elf = pl;
		*elf_len = pl_len;
		snprintf(what, whatlen, "uncompressed payload");
		return 0;
	}
	char dir[4096];
	bool use_cache = kernel_cache_dir(dir, sizeof(dir));
	uint64_t t0 = clock_ns();
	if (use_cache && kernel_cache_load(dir, c, pl, pl_len, cached)) {
		if (elf_is_elf(cached->data, cached->len)) {
			*elf = cached->data;
			*elf_len = cached->len;
			snprintf(what, whatlen, "%s payload %.1f MiB, unpacked before: %.1f MiB "
				 "from the kernel cache in %.2f s", compression_name(c),
				 pl_len / (double)MIB, *elf_len / (double)MIB,
				 (clock_ns() - t0) / 1e9);
			return 0;
		}
		kernel_blob_release(cached);
	}
	/* the build appends the uncompressed size as 32-bit LE (gzip: ISIZE) */
	size_t hint = pl_len >= 4 ? ld32(pl + pl_len - 4) : 0;
	if (hint > MAX_KERNEL_ELF)
		hint = 0;
	char derr[200];
	if (decompress_buffer(c, pl, pl_len, hint, MAX_KERNEL_ELF, owned, elf_len,
			      derr, sizeof(derr)) < 0) {
		snprintf(err, errlen, "bzImage payload: %s", derr);
		return -1;
	}
	*elf = *owned;
	double secs = (clock_ns() - t0) / 1e9;
	bool kept = use_cache && elf_is_elf(*elf, *elf_len) &&
		    kernel_cache_store(dir, c, pl, pl_len, *elf, *elf_len);
	snprintf(what, whatlen, "%s payload %.1f MiB -> %.1f MiB in %.2f s%s",
		 compression_name(c), pl_len / (double)MIB, *elf_len / (double)MIB, secs,
		 kept ? ", kept in the kernel cache" : "");
	return 0;
}

/*
 * A seed for the kernel's random number generator (setup_data type 9, boot
 * protocol 2.09+), as a boot loader with a hardware RNG would pass. Without it
 * a guest whose CPUID hides RDRAND spends its boot mixing interrupt timings
 * until its pool is credited. Returns the node's address or 0.
 */
static uint64_t write_rng_seed(struct vm *vm)
{
	uint8_t *sd = vm_gpa_to_hva(vm, RNG_SEED_ADDR, 16 + RNG_SEED_LEN);
	if (!sd)
		return 0;
	st64(sd, 0);                    /* next: none */
	st32(sd + 8, SETUP_RNG_SEED);
	st32(sd + 12, RNG_SEED_LEN);
	if (getrandom(sd + 16, RNG_SEED_LEN, 0) != RNG_SEED_LEN)
		return 0;
	return RNG_SEED_ADDR;
}

static void write_zero_page(struct vm *vm, uint8_t *bp, const uint8_t *img,
			    const struct bzimage_info *bi, uint64_t cmdline,
			    const struct lb_result *r)
{
	memset(bp, 0, 4096);
	if (bi) {
		/* the file's setup header, as a boot loader would copy it */
		memcpy(bp + SETUP_HDR_START, img + SETUP_HDR_START, bi->hdr_end - SETUP_HDR_START);
	} else {
		/* a vmlinux has no header: make the fields the kernel reads */
		st16(bp + HDR_BOOT_FLAG, 0xAA55);
		memcpy(bp + HDR_MAGIC, "HdrS", 4);
		st16(bp + HDR_VERSION, 0x020f);
		st32(bp + HDR_INITRD_ADDR_MAX, 0x7fffffff);
		st32(bp + HDR_KERNEL_ALIGNMENT, 0x200000);
		st32(bp + HDR_CMDLINE_SIZE, LB_CMDLINE_MAX - 1);
	}
	bp[HDR_TYPE_OF_LOADER] = 0xff;          /* "undefined" boot loader */
	bp[HDR_LOADFLAGS] |= LOADFLAG_LOADED_HIGH;
	bp[HDR_LOADFLAGS] &= ~LOADFLAG_CAN_USE_HEAP; /* no real-mode setup code runs */
	st16(bp + HDR_HEAP_END_PTR, 0);
	st16(bp + 0x1fa, 0xFFFF);              /* vid_mode: normal */
	st32(bp + HDR_CMD_LINE_PTR, (uint32_t)cmdline);
	st32(bp + HDR_RAMDISK_IMAGE, (uint32_t)r->initrd_addr);
	st32(bp + HDR_RAMDISK_SIZE, (uint32_t)r->initrd_size);
	st32(bp + HDR_HW_SUBARCH, 0);          /* X86_SUBARCH_PC */
	uint16_t proto = bi ? bi->version : 0x020f;
	st64(bp + HDR_SETUP_DATA, proto >= 0x0209 ? write_rng_seed(vm) : 0);
	st32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(r->initrd_addr >> 32));
	st32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)(r->initrd_size >> 32));
	st32(bp + BP_EXT_CMD_LINE_PTR, 0);
	st64(bp + BP_ACPI_RSDP, r->rsdp);
	uint64_t ext_k = vm->low_ram > MIB ? (vm->low_ram - MIB) / 1024 : 0;
	st16(bp + BP_EXT_MEM_K, (uint16_t)MIN(ext_k, 0xFFFFu));
	st32(bp + BP_ALT_MEM_K, (uint32_t)MIN(ext_k, 0xFFFFFFFFu));
	struct e820_entry e[BP_E820_MAX];
	unsigned n = linux_boot_e820(vm, e, BP_E820_MAX);
	bp[BP_E820_ENTRIES] = n;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = bp + BP_E820_TABLE + 20 * i;
		st64(p, e[i].addr);
		st64(p + 8, e[i].size);
		st32(p + 16, e[i].type);
	}
	bp[BP_SENTINEL] = 0;
}

static int write_start_info(struct vm *vm, uint64_t cmdline, const struct lb_result *r)
{
	uint8_t *si = vm_gpa_to_hva(vm, LB_START_INFO_ADDR, SI_MEMMAP + 24 * SI_MEMMAP_MAX -
				    LB_START_INFO_ADDR);
	if (!si)
		return -1;
	memset(si, 0, SI_MEMMAP + 24 * SI_MEMMAP_MAX - LB_START_INFO_ADDR);
	st32(si + 0, HVM_START_MAGIC);
	st32(si + 4, 1);                       /* version */
	st32(si + 8, 0);                       /* flags */
	if (r->initrd_size) {
		uint8_t *m = si + (SI_MODLIST - LB_START_INFO_ADDR);
		st64(m, r->initrd_addr);
		st64(m + 8, r->initrd_size);
		st32(si + 12, 1);
		st64(si + 16, SI_MODLIST);
	}
	st64(si + 24, cmdline);
	st64(si + 32, r->rsdp);
	struct e820_entry e[SI_MEMMAP_MAX];
	unsigned n = linux_boot_e820(vm, e, SI_MEMMAP_MAX);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = si + (SI_MEMMAP - LB_START_INFO_ADDR) + 24 * i;
		st64(p, e[i].addr);
		st64(p + 8, e[i].size);
		st32(p + 16, e[i].type);
	}
	st64(si + 40, SI_MEMMAP);
	st32(si + 48, n);
	return 0;
}

/* Which entry path: Linux kernels get boot_params, other PVH ELFs the PVH entry. */
static enum lb_path choose_path(const struct elf_image *ei, bool from_bzimage)
{
	const char *force = getenv("VMST_BOOT_ENTRY");
	if (force && !strcmp(force, "pvh") && ei->has_pvh)
		return LB_PATH_PVH;
	bool force_bp = force && !strcmp(force, "bootparams");
	if (ei->has_pvh && !from_bzimage && !ei->is_linux && !force_bp)
		return LB_PATH_PVH;
	return ei->bits == 64 ? LB_PATH_LINUX64 : LB_PATH_LINUX32;
}

static const char *path_name(enum lb_path p)
{
	switch (p) {
	case LB_PATH_PVH: return "PVH entry (32-bit, EBX=hvm_start_info)";
	case LB_PATH_LINUX64: return "64-bit boot protocol (long mode, RSI=boot_params)";
	case LB_PATH_LINUX32: return "32-bit boot protocol (protected mode, ESI=boot_params)";
	}
	return "?";
}

/*
 * A bzImage with no payload to unpack (bi->classic): its protected-mode
 * part goes to 1 MiB, as boot loaders did before 2.08, and is entered at
 * code32_start in flat 32-bit mode or, if xloadflags offers XLF_KERNEL_64,
 * at its start + 0x200 in long mode (boot.rst, "64-bit boot protocol").
 */
static int load_classic(struct vm *vm, const uint8_t *img, const struct bzimage_info *bi,
			struct lb_result *r, char *err, size_t errlen)
{
	uint64_t lo = LB_KERNEL_MIN, hi = lo + bi->pm_len;
	if (hi > vm->low_ram) {
		snprintf(err, errlen, "bzImage protected-mode code (%u bytes) does not fit in "
			 "guest RAM above 1 MiB", bi->pm_len);
		return -1;
	}
	if (bi->xloadflags & XLF_KERNEL_64) {
		if (bi->pm_len <= 0x200) {
			snprintf(err, errlen, "bzImage offers a 64-bit entry at +0x200 but its "
				 "protected-mode code is only %u bytes", bi->pm_len);
			return -1;
		}
		r->path = LB_PATH_LINUX64;
		r->entry = lo + 0x200;
	} else {
		if (bi->code32_start < lo || bi->code32_start >= hi) {
			snprintf(err, errlen, "bzImage code32_start %#x lies outside its "
				 "protected-mode code [%#llx-%#llx)", bi->code32_start,
				 (unsigned long long)lo, (unsigned long long)hi);
			return -1;
		}
		r->path = LB_PATH_LINUX32;
		r->entry = bi->code32_start;
	}
	if (vm_write_guest(vm, lo, img + bi->setup_size, bi->pm_len) < 0) {
		snprintf(err, errlen, "bzImage: cannot write guest memory at 1 MiB");
		return -1;
	}
	r->kernel_lo = lo;
	r->kernel_hi = hi;
	return 0;
}

int linux_boot_load_image(struct vm *vm, const uint8_t *img, size_t len,
			  const uint8_t *initrd, size_t initrd_len,
			  const struct kvm_sregs *power_on, struct lb_result *r,
			  char *err, size_t errlen)
{
	struct bzimage_info bi;
	const uint8_t *elf = img;
	size_t elf_len = len;
	uint8_t *owned = NULL;
	struct kernel_blob cached = { 0 };
	char what[240] = "ELF file";
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (vm->low_ram < 2 * MIB) {
		snprintf(err, errlen, "direct kernel boot needs at least 2 MiB of RAM");
		return -1;
	}
	bool from_bz = false;
	if (!elf_is_elf(img, len)) {
		int b = bzimage_parse(img, len, &bi, err, errlen);
		if (b < 0)
			return -1;
		if (b == 0) {
			snprintf(err, errlen, "not a kernel: neither an ELF image nor a bzImage "
				 "(no \"HdrS\" setup header)");
			return -1;
		}
		from_bz = true;
		if (bi.classic) {
			if (load_classic(vm, img, &bi, r, err, errlen) < 0)
				return -1;
			snprintf(what, sizeof(what), "bzImage (protocol %u.%02u, protected-mode "
				 "code loaded at 1 MiB)", bi.version >> 8, bi.version & 0xff);
		} else {
			char pw[200];
			if (bzimage_payload(img, &bi, &elf, &elf_len, &owned, &cached,
					    pw, sizeof(pw), err, errlen) < 0)
				return -1;
			snprintf(what, sizeof(what), "bzImage (protocol %u.%02u, %s)",
				 bi.version >> 8, bi.version & 0xff, pw);
		}
	}

	/* what the rest needs of the kernel: its extent, class, whether Linux */
	int bits = r->path == LB_PATH_LINUX64 ? 64 : 32;
	bool is_linux = true;
	const char *kind = " Linux";
	if (!from_bz || !bi.classic) {
		struct elf_image ei;
		char eerr[200];
		if (elf_parse(elf, elf_len, &ei, eerr, sizeof(eerr)) < 0) {
			snprintf(err, errlen, "%s%s", from_bz ? "bzImage payload: " : "", eerr);
			goto out;
		}
		r->path = choose_path(&ei, from_bz);
		if (elf_load(vm, elf, elf_len, LB_KERNEL_MIN, eerr, sizeof(eerr)) < 0) {
			snprintf(err, errlen, "%s", eerr);
			goto out;
		}
		r->kernel_lo = ei.lo;
		r->kernel_hi = ei.hi;
		r->entry = r->path == LB_PATH_PVH ? ei.pvh_entry : ei.entry;
		bits = ei.bits;
		is_linux = ei.is_linux;
		kind = ei.is_linux ? " Linux" : ei.has_pvh ? " PVH" : "";
	}

	if (bits == 64 && vm->cfg && !vm->cfg->pae) {
		snprintf(err, errlen, "a 64-bit kernel needs long mode, which pae = 0 hides from "
			 "the CPU: set pae = 1 or give a 32-bit kernel");
		goto out;
	}

	/* command line */
	const char *cmdline = vm->cfg && vm->cfg->cmdline ? vm->cfg->cmdline : "";
	size_t cl_len = strlen(cmdline);
	size_t cl_max = from_bz ? MIN(bi.cmdline_size, LB_CMDLINE_MAX - 1) : LB_CMDLINE_MAX - 1;
	if (cl_len > cl_max) {
		snprintf(err, errlen, "kernel command line is %zu bytes; this kernel takes at most %zu",
			 cl_len, cl_max);
		goto out;
	}
	if (vm_write_guest(vm, LB_CMDLINE_ADDR, cmdline, cl_len + 1) < 0) {
		snprintf(err, errlen, "no room for the command line");
		goto out;
	}

	/* initrd: page-aligned, as high as allowed, above the kernel */
	if (initrd && initrd_len) {
		uint64_t top = vm->low_ram;
		uint64_t max_addr = from_bz ? bi.initrd_addr_max : 0x7fffffff;
		if (r->path == LB_PATH_PVH)
			max_addr = UINT32_MAX;
		top = MIN(top, max_addr + 1);
		uint64_t kend = r->kernel_hi;
		if (from_bz && bi.init_size)
			kend = MAX(kend, r->kernel_lo + bi.init_size);
		kend = MAX(kend, (uint64_t)LB_KERNEL_MIN);
		kend = (kend + 0xFFF) & ~0xFFFull;
		if (initrd_len > top || ((top - initrd_len) & ~0xFFFull) < kend) {
			snprintf(err, errlen, "initrd of %.1f MiB does not fit between the kernel "
				 "(ends at %#llx) and %#llx: give the VM more memory",
				 initrd_len / (double)MIB, (unsigned long long)kend,
				 (unsigned long long)top);
			goto out;
		}
		r->initrd_addr = (top - initrd_len) & ~0xFFFull;
		r->initrd_size = initrd_len;
		if (vm_write_guest(vm, r->initrd_addr, initrd, initrd_len) < 0) {
			snprintf(err, errlen, "initrd: cannot write guest memory");
			goto out;
		}
	}

	/* BIOS data area: EBDA segment and base memory size, which Linux reads */
	uint8_t *bda = vm_gpa_to_hva(vm, 0x400, 0x100);
	st16(bda + 0x0E, 0x9FC0);
	st16(bda + 0x13, 639);

	bool acpi = !vm->cfg || vm->cfg->acpi;
	bool apic = !vm->cfg || vm->cfg->apic;
	unsigned ncpu = vm->n_vcpus ? vm->n_vcpus : vm->cfg && vm->cfg->vcpus ? vm->cfg->vcpus : 1;
	if (acpi) {
		if (acpi_build_tables(vm, LB_ACPI_ADDR, LB_ACPI_SIZE, ncpu) < 0) {
			snprintf(err, errlen, "cannot build ACPI tables for %u vCPUs", ncpu);
			goto out;
		}
		r->rsdp = LB_ACPI_ADDR;
	}
	/* an MP table beside ACPI, as a BIOS leaves one: with acpi = 0 it is
	 * the kernel's only way to the other vCPUs and the I/O APIC */
	if (apic && mptable_build(vm, LB_MP_ADDR, LB_MP_SIZE, ncpu) < 0) {
		snprintf(err, errlen, "cannot build the MP table for %u vCPUs", ncpu);
		goto out;
	}
	acpi_route_pirqs(vm);

	enum boot_cpu_mode mode = r->path == LB_PATH_LINUX64 ? BOOT_LONG64 : BOOT_PROT32;
	if (boot_cpu_setup(vm, mode, r->entry, power_on, &r->regs, &r->sregs) < 0) {
		snprintf(err, errlen, "cannot write the boot GDT/page tables");
		goto out;
	}
	/* A Linux kernel expects what the BIOS it skipped would have left in
	 * the keyboard controller (translation on: "AT Translated Set 2"). */
	struct i8042 *kbc = is_linux ? i8042_of(vm) : NULL;
	if (kbc)
		i8042_post_done(kbc);
	/* ... and in the PIIX3 IDE's timing registers (ata_piix reads them) */
	struct ide_ctrl *ide = is_linux ? ide_of(vm) : NULL;
	if (ide)
		ide_post_done(ide);
	if (r->path == LB_PATH_PVH) {
		if (write_start_info(vm, LB_CMDLINE_ADDR, r) < 0)
			goto out;
		r->regs.rbx = LB_START_INFO_ADDR;
	} else {
		write_zero_page(vm, vm_gpa_to_hva(vm, LB_ZERO_PAGE_ADDR, 4096),
				img, from_bz ? &bi : NULL, LB_CMDLINE_ADDR, r);
		r->regs.rsi = LB_ZERO_PAGE_ADDR;
	}

	char ird[80] = "";
	if (r->initrd_size)
		snprintf(ird, sizeof(ird), ", initrd %.1f MiB at %#llx", r->initrd_size / (double)MIB,
			 (unsigned long long)r->initrd_addr);
	snprintf(r->desc, sizeof(r->desc), "%s, %s%d%s [%#llx-%#llx), %s, entry %#llx%s%s",
		 what, from_bz && bi.classic ? "bits " : "ELF", bits, kind,
		 (unsigned long long)r->kernel_lo, (unsigned long long)r->kernel_hi,
		 path_name(r->path),
		 (unsigned long long)r->entry, ird, acpi ? ", ACPI RSDP at 0xf0000" : ", no ACPI");
	rc = 0;
out:
	free(owned);
	kernel_blob_release(&cached);
	return rc;
}

int linux_boot_load(struct vm *vm, const struct kvm_sregs *power_on,
		    struct lb_result *res, char *err, size_t errlen)
{
	const char *kpath = vm->cfg ? vm->cfg->kernel : NULL;
	const char *rpath = vm->cfg ? vm->cfg->ramdisk : NULL;
	size_t klen = 0, rlen = 0;
	uint8_t *img, *initrd = NULL;

	if (!kpath || !*kpath) {
		snprintf(err, errlen, "no kernel= given");
		return -1;
	}
	img = read_file(kpath, &klen);
	if (!img) {
		snprintf(err, errlen, "kernel '%s': %s", kpath, strerror(errno));
		return -1;
	}
	if (rpath && *rpath) {
		initrd = read_file(rpath, &rlen);
		if (!initrd) {
			snprintf(err, errlen, "ramdisk '%s': %s", rpath, strerror(errno));
			free(img);
			return -1;
		}
	}
	char e2[300];
	int rc = linux_boot_load_image(vm, img, klen, initrd, rlen, power_on, res, e2, sizeof(e2));
	if (rc < 0)
		snprintf(err, errlen, "kernel '%s': %s", kpath, e2);
	free(img);
	free(initrd);
	return rc;
}

/* Fill vCPU 0's boot state from a fresh load. */
static int load_into_vcpu(struct vm *vm, struct lb_state *st)
{
	struct vcpu *v = vm->vcpus[0];
	struct lb_result *r = xzalloc(sizeof(*r));
	char err[400];
	int rc = -1;

	if (!v) {
		msg_error("direct kernel boot: vCPU 0 does not exist yet");
		goto out;
	}
	if (linux_boot_load(vm, st->have_power_on ? &st->power_on : NULL, r, err, sizeof(err)) < 0) {
		msg_error("%s", err);
		goto out;
	}
	v->boot_regs = r->regs;
	v->boot_sregs = r->sregs;
	v->has_boot_regs = true;
	snprintf(st->desc, sizeof(st->desc), "%s", r->desc);
	vm_log(vm, "direct kernel boot: %s", r->desc);
	rc = 0;
out:
	free(r);
	return rc;
}

/*
 * Called when the VM is created and again by every system reset (the kernel
 * is reloaded so a reboot does not restart a kernel whose data the last run
 * changed): the first call sets up the state, later ones reuse it.
 */
int linux_boot_setup(struct vm *vm)
{
	struct lb_state *st = vm_lookup(vm, "linux_boot");
	if (st)
		return load_into_vcpu(vm, st);
	st = xzalloc(sizeof(*st));
	st->vm = vm;
	/* before the first run the vCPU holds KVM's reset state: keep it for reloads */
	if (vm->vcpus[0])
		st->have_power_on = ioctl(vm->vcpus[0]->fd, KVM_GET_SREGS, &st->power_on) == 0;
	if (load_into_vcpu(vm, st) < 0) {
		free(st);
		return -1;
	}
	vm_publish(vm, "linux_boot", st);
	vm_add_free_hook(vm, free, st);
	return 0;
}

void linux_boot_describe(struct vm *vm, char *buf, size_t n)
{
	struct lb_state *st = vm_lookup(vm, "linux_boot");
	snprintf(buf, n, "%s", st ? st->desc : "no direct kernel boot");
}

/* A reset hook: the machine table's last, so it runs after every chip's. */
static void linux_boot_reload(void *opaque)
{
	struct vm *vm = opaque;
	if (linux_boot_setup(vm) < 0)
		msg_error("%s: reloading the kernel after reset failed", vm->name);
}

/* The firmware step of direct kernel boot: in place of the BIOS (bios.c
 * does nothing then), after every chip exists and before vCPUs reset. */
int linux_boot_create(struct vm *vm)
{
	if (!vmconfig_direct_boot(vm->cfg))
		return 0;
	if (linux_boot_setup(vm) < 0)
		return -1;
	vm_add_reset_hook(vm, linux_boot_reload, vm);
	return 0;
}
