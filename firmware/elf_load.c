/*
 * ELF kernel loader. Everything read from the file is bounds-checked: a
 * kernel image is user input, and a malformed one must give a message, not a
 * crash or a write outside guest RAM.
 */
#include "firmware/elf_load.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "core/vm.h"

#define PT_LOAD 1
#define PT_NOTE 4
#define EM_386 3
#define EM_X86_64 62

/* One program header, widened to 64 bits. */
struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

bool elf_is_elf(const uint8_t *img, size_t len)
{
	return len >= 4 && img[0] == 0x7f && img[1] == 'E' && img[2] == 'L' && img[3] == 'F';
}

/* Header fields we use, from either class. */
struct ehdr {
	int bits;
	uint64_t entry, phoff;
	unsigned phentsize, phnum;
};

static int read_ehdr(const uint8_t *img, size_t len, struct ehdr *eh,
		     char *err, size_t errlen)
{
	if (!elf_is_elf(img, len) || len < 52) {
		snprintf(err, errlen, "not an ELF file (or truncated header)");
		return -1;
	}
	if (img[5] != 1) {
		snprintf(err, errlen, "ELF: not little-endian");
		return -1;
	}
	unsigned machine = ld16(img + 18);
	if (img[4] == 1) {
		if (machine != EM_386) {
			snprintf(err, errlen, "ELF32: machine %u is not i386", machine);
			return -1;
		}
		eh->bits = 32;
		eh->entry = ld32(img + 24);
		eh->phoff = ld32(img + 28);
		eh->phentsize = ld16(img + 42);
		eh->phnum = ld16(img + 44);
		if (eh->phentsize < 32)
			goto bad_ph;
	} else if (img[4] == 2) {
		if (len < 64) {
			snprintf(err, errlen, "ELF64: header truncated");
			return -1;
		}
		if (machine != EM_X86_64) {
			snprintf(err, errlen, "ELF64: machine %u is not x86-64", machine);
			return -1;
		}
		eh->bits = 64;
		eh->entry = ld64(img + 24);
		eh->phoff = ld64(img + 32);
		eh->phentsize = ld16(img + 54);
		eh->phnum = ld16(img + 56);
		if (eh->phentsize < 56)
			goto bad_ph;
	} else {
		snprintf(err, errlen, "ELF: unknown class %u", img[4]);
		return -1;
	}
	if (eh->phnum == 0 || eh->phoff > len ||
	    (uint64_t)eh->phentsize * eh->phnum > len - eh->phoff)
		goto bad_ph;
	return 0;
bad_ph:
	snprintf(err, errlen, "ELF: program header table is malformed or outside the file");
	return -1;
}

static void read_phdr(const uint8_t *img, const struct ehdr *eh, unsigned i,
		      struct phdr *ph)
{
	const uint8_t *p = img + eh->phoff + (uint64_t)i * eh->phentsize;
	if (eh->bits == 32) {
		ph->type = ld32(p);
		ph->offset = ld32(p + 4);
		ph->vaddr = ld32(p + 8);
		ph->paddr = ld32(p + 12);
		ph->filesz = ld32(p + 16);
		ph->memsz = ld32(p + 20);
		ph->align = ld32(p + 28);
	} else {
		ph->type = ld32(p);
		ph->offset = ld64(p + 8);
		ph->vaddr = ld64(p + 16);
		ph->paddr = ld64(p + 24);
		ph->filesz = ld64(p + 32);
		ph->memsz = ld64(p + 40);
		ph->align = ld64(p + 48);
	}
}

/* Walk the notes of one PT_NOTE segment (already checked to be in the file). */
static void scan_notes(const uint8_t *p, uint64_t n, uint64_t align, struct elf_image *ei)
{
	uint64_t a = align == 8 ? 8 : 4;
	uint64_t pos = 0;
	while (n - pos >= 12) {
		uint64_t namesz = ld32(p + pos), descsz = ld32(p + pos + 4);
		uint32_t type = ld32(p + pos + 8);
		uint64_t name = pos + 12;
		uint64_t desc = name + ((namesz + a - 1) & ~(a - 1));
		uint64_t next = desc + ((descsz + a - 1) & ~(a - 1));
		if (desc > n || descsz > n - desc || next > n + a)
			return; /* malformed: stop reading notes, they are optional */
		if (namesz == 4 && !memcmp(p + name, "Xen", 4) &&
		    type == XEN_ELFNOTE_PHYS32_ENTRY && (descsz == 4 || descsz == 8)) {
			uint64_t e = descsz == 4 ? ld32(p + desc) : ld64(p + desc);
			if (e <= UINT32_MAX) {
				ei->has_pvh = true;
				ei->pvh_entry = (uint32_t)e;
			}
		}
		if (namesz == 6 && !memcmp(p + name, "Linux", 6))
			ei->is_linux = true;
		if (next >= n)
			return;
		pos = next;
	}
}

/* The physical address of a (possibly virtual) address inside a segment, or false. */
static bool to_phys(const uint8_t *img, const struct ehdr *eh, uint64_t addr, uint64_t *pa)
{
	struct phdr ph;
	for (unsigned i = 0; i < eh->phnum; i++) {
		read_phdr(img, eh, i, &ph);
		if (ph.type == PT_LOAD && addr >= ph.paddr && addr - ph.paddr < ph.memsz) {
			*pa = addr;
			return true;
		}
	}
	for (unsigned i = 0; i < eh->phnum; i++) {
		read_phdr(img, eh, i, &ph);
		if (ph.type == PT_LOAD && addr >= ph.vaddr && addr - ph.vaddr < ph.memsz) {
			*pa = addr - ph.vaddr + ph.paddr;
			return true;
		}
	}
	return false;
}

int elf_parse(const uint8_t *img, size_t len, struct elf_image *ei,
	      char *err, size_t errlen)
{
	struct ehdr eh;
	struct phdr ph;

	memset(ei, 0, sizeof(*ei));
	if (read_ehdr(img, len, &eh, err, errlen) < 0)
		return -1;
	ei->bits = eh.bits;
	ei->lo = UINT64_MAX;
	for (unsigned i = 0; i < eh.phnum; i++) {
		read_phdr(img, &eh, i, &ph);
		if (ph.type == PT_NOTE) {
			if (ph.offset <= len && ph.filesz <= len - ph.offset)
				scan_notes(img + ph.offset, ph.filesz, ph.align, ei);
			continue;
		}
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (ph.filesz > ph.memsz) {
			snprintf(err, errlen, "ELF: segment %u has p_filesz %#llx > p_memsz %#llx",
				 i, (unsigned long long)ph.filesz, (unsigned long long)ph.memsz);
			return -1;
		}
		if (ph.offset > len || ph.filesz > len - ph.offset) {
			snprintf(err, errlen, "ELF: segment %u (offset %#llx, %#llx bytes) runs past "
				 "the end of the %zu-byte file", i, (unsigned long long)ph.offset,
				 (unsigned long long)ph.filesz, len);
			return -1;
		}
		if (ph.paddr + ph.memsz < ph.paddr) {
			snprintf(err, errlen, "ELF: segment %u address overflows", i);
			return -1;
		}
		ei->lo = MIN(ei->lo, ph.paddr);
		ei->hi = MAX(ei->hi, ph.paddr + ph.memsz);
		ei->n_load++;
	}
	if (!ei->n_load) {
		snprintf(err, errlen, "ELF: no loadable segments");
		return -1;
	}
	if (!to_phys(img, &eh, eh.entry, &ei->entry)) {
		snprintf(err, errlen, "ELF: entry point %#llx is outside every loaded segment",
			 (unsigned long long)eh.entry);
		return -1;
	}
	if (ei->has_pvh) {
		uint64_t pa;
		if (!to_phys(img, &eh, ei->pvh_entry, &pa) || pa != ei->pvh_entry)
			ei->has_pvh = false; /* a note pointing nowhere: ignore it */
	}
	return 0;
}

int elf_load(struct vm *vm, const uint8_t *img, size_t len, uint64_t min_addr,
	     char *err, size_t errlen)
{
	struct ehdr eh;
	struct phdr ph;

	if (read_ehdr(img, len, &eh, err, errlen) < 0)
		return -1;
	/* check every segment before writing any */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < eh.phnum; i++) {
			read_phdr(img, &eh, i, &ph);
			if (ph.type != PT_LOAD || ph.memsz == 0)
				continue;
			if (ph.filesz > ph.memsz || ph.offset > len || ph.filesz > len - ph.offset) {
				snprintf(err, errlen, "ELF: segment %u is malformed", i);
				return -1;
			}
			uint8_t *dst = vm_gpa_to_hva(vm, ph.paddr, ph.memsz);
			if (!dst || ph.paddr < min_addr) {
				snprintf(err, errlen, "ELF: segment %u [%#llx, %#llx) is outside guest RAM "
					 "(RAM usable for the kernel: [%#llx, %#llx)%s)", i,
					 (unsigned long long)ph.paddr,
					 (unsigned long long)(ph.paddr + ph.memsz),
					 (unsigned long long)min_addr, (unsigned long long)vm->low_ram,
					 vm->high_ram ? " and above 4 GiB" : "");
				return -1;
			}
			if (pass == 1) {
				memcpy(dst, img + ph.offset, ph.filesz);
				memset(dst + ph.filesz, 0, ph.memsz - ph.filesz);
			}
		}
	}
	return 0;
}
