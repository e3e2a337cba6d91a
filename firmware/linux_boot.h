/*
 * Direct kernel boot (cfg->kernel, ->ramdisk, ->cmdline): the kernel image is
 * loaded straight into guest RAM by the host and vCPU 0 starts at its entry
 * point, without firmware. Accepted images:
 *   - bzImage (boot protocol >= 2.08): the payload is decompressed on the host
 *     (gzip, xz, lzma, zstd) and the vmlinux ELF inside is loaded;
 *   - bzImage without a payload (protocol 2.00 to 2.07, or payload_length 0):
 *     the protected-mode part is loaded at 1 MiB and entered at code32_start
 *     (32-bit) or at +0x200 in long mode if xloadflags offers XLF_KERNEL_64;
 *   - ELF vmlinux, 32- or 64-bit;
 *   - ELF with a Xen PVH entry note (our tests/guests/pvh.inc programs).
 * Entry paths (see linux_boot_describe for the one used):
 *   - Linux kernels (from a bzImage, or an ELF with "Linux" notes): the
 *     boot_params ("zero page") protocol: 64-bit kernels in long mode with the
 *     first 4 GiB identity-mapped, RSI = boot_params; 32-bit kernels in flat
 *     protected mode, ESI = boot_params;
 *   - other ELFs with a PVH note: 32-bit flat protected mode, paging off,
 *     EBX = hvm_start_info;
 *   - other ELFs: as a Linux kernel of their class.
 * The environment variable VMST_BOOT_ENTRY=pvh or =bootparams overrides the
 * choice (pvh only when the image has the note), for testing both paths.
 * ACPI tables (unless acpi=0) go to 0xF0000 so the kernel can power off.
 */
#ifndef VMST_LINUX_BOOT_H
#define VMST_LINUX_BOOT_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

/* Guest-physical layout of what direct boot writes below 1 MiB. */
#define LB_START_INFO_ADDR 0x1000   /* hvm_start_info, modlist, memmap */
#define LB_ZERO_PAGE_ADDR  0x7000   /* boot_params, 4 KiB */
#define LB_CMDLINE_ADDR    0x20000
#define LB_CMDLINE_MAX     0x10000  /* including the NUL */
#define LB_ACPI_ADDR       0xF0000
#define LB_ACPI_SIZE       0x8000
#define LB_MP_ADDR         0xF8000  /* the MP table (apic = 1) */
#define LB_MP_SIZE         0x1000
#define LB_KERNEL_MIN      0x100000 /* segments may not load below 1 MiB */

/*
 * Load cfg->kernel (and ramdisk, cmdline) into guest RAM and set vCPU 0's
 * boot registers (has_boot_regs). Calling it again reloads everything (the
 * VM does on reset, so a reboot starts from a clean kernel image). 0, or -1
 * with a message on stderr.
 */
int linux_boot_setup(struct vm *vm);

/* One line for the log: which image, which entry path, where things went. */
void linux_boot_describe(struct vm *vm, char *buf, size_t n);

/* --- for unit tests and the fuzzer ------------------------------------- */

enum lb_path { LB_PATH_PVH, LB_PATH_LINUX64, LB_PATH_LINUX32 };

struct lb_result {
	enum lb_path path;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	uint64_t kernel_lo, kernel_hi;   /* physical extent of the segments */
	uint64_t entry;
	uint64_t initrd_addr, initrd_size;
	uint64_t rsdp;                   /* 0 without ACPI */
	char desc[512];
};

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
};
#define E820_RAM 1
#define E820_RESERVED 2

/*
 * The whole load on a VM (a vm_new_test one is fine): power_on is vCPU 0's
 * KVM reset state or NULL. 0, or -1 with a message in err.
 */
int linux_boot_load(struct vm *vm, const struct kvm_sregs *power_on,
		    struct lb_result *res, char *err, size_t errlen);

/* Load an in-memory kernel image (no ramdisk unless given). */
int linux_boot_load_image(struct vm *vm, const uint8_t *img, size_t len,
			  const uint8_t *initrd, size_t initrd_len,
			  const struct kvm_sregs *power_on, struct lb_result *res,
			  char *err, size_t errlen);

/* The guest's memory map; returns the number of entries (at most max). */
unsigned linux_boot_e820(struct vm *vm, struct e820_entry *e, unsigned max);

#endif
