/*
 * A PCI function's expansion ROM from a file (the NICs' iPXE images from
 * Debian's ipxe-qemu): read once, offered through the ROM BAR, whose size
 * is the file's rounded up to a power of two (at least 2 KiB).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pci.h"
#include "util.h"

static uint64_t rom_read(void *opaque, uint64_t off, unsigned size)
{
	struct pci_rom *r = opaque;
	uint64_t v = 0;
	for (unsigned i = 0; i < size && i < 8; i++)
		if (off + i < r->size)
			v |= (uint64_t)r->data[off + i] << (8 * i);
	return v;
}

static void rom_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	(void)opaque; (void)off; (void)val; (void)size;
}

static const struct io_ops rom_ops = { rom_read, rom_write };

void pci_rom_load(struct pci_dev *d, struct pci_rom *r, const char *path)
{
	size_t len;
	uint8_t *data = read_file(path, &len);
	if (!data) {
		msg_warn("%s: boot ROM %s: %s (install ipxe-qemu); no network boot", d->name,
			 path, strerror(errno));
		return;
	}
	uint32_t size = 2048;
	while (size < len && size < (1u << 20))
		size <<= 1;
	r->data = data;
	r->size = len < size ? (uint32_t)len : size;
	pci_set_bar(d, PCI_BAR_ROM, size, false, &rom_ops, r);
}

void pci_rom_free(struct pci_rom *r)
{
	free(r->data);
	r->data = NULL;
	r->size = 0;
}
