/*
 * Loading an x86 ELF kernel image (ELF32 i386 or ELF64 x86-64) by its
 * program headers, and reading the ELF notes a boot loader cares about.
 */
#ifndef VMST_ELF_LOAD_H
#define VMST_ELF_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

#define XEN_ELFNOTE_PHYS32_ENTRY 18

struct elf_image {
	int bits;              /* 32 or 64 */
	uint64_t entry;        /* e_entry converted to a physical address */
	uint64_t lo, hi;       /* physical extent of the PT_LOAD segments */
	unsigned n_load;       /* PT_LOAD segments with p_memsz > 0 */
	bool has_pvh;          /* a Xen PHYS32_ENTRY note */
	uint32_t pvh_entry;
	bool is_linux;         /* carries "Linux" notes (every vmlinux does) */
};

/*
 * Check the headers of an ELF image: class, machine, program headers and
 * segments inside the file, p_filesz <= p_memsz, no address overflow, entry
 * inside a segment. Fills ei. 0, or -1 with a message in err. Nothing in
 * guest memory is touched.
 */
int elf_parse(const uint8_t *img, size_t len, struct elf_image *ei,
	      char *err, size_t errlen);

/*
 * Copy the PT_LOAD segments to their p_paddr in guest RAM and zero their
 * bss. Each segment must lie entirely in guest RAM at or above min_addr.
 * Call after elf_parse succeeded on the same image. 0, or -1 with err.
 */
int elf_load(struct vm *vm, const uint8_t *img, size_t len, uint64_t min_addr,
	     char *err, size_t errlen);

/* True if the buffer starts with the ELF magic. */
bool elf_is_elf(const uint8_t *img, size_t len);

#endif
