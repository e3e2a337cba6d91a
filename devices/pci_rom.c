/*
 * A PCI function's expansion ROM from a file (the NICs' iPXE images from
 * Debian's ipxe-qemu): read once, offered through the ROM BAR, whose size
 * is the file's rounded up to a power of two (at least 2 KiB).
 *
 * The BIOS runs an image only when the vendor and device IDs of its PCI
 * data structure ("PCIR", PCI Firmware Specification 3.0, 5.1.2) are the
 * function's; some iPXE images serve several chips and carry other IDs
 * (Debian's pxe-ne2k_pci.rom says 0000:0000). Those IDs are set to the
 * function's, and the image's checksum byte (offset 6 of an iPXE header)
 * takes up the difference, so the first image still sums to zero.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/pci.h"
#include "core/util.h"

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

static void patch_ids(const struct pci_dev *d, uint8_t *rom, size_t len)
{
	if (len < 0x1A || rom[0] != 0x55 || rom[1] != 0xAA)
		return;
	size_t pcir = ld16(rom + 0x18);
	size_t sum_len = (size_t)rom[2] * 512;
	if (pcir + 8 > len || memcmp(rom + pcir, "PCIR", 4) || sum_len > len || sum_len <= 6)
		return;
	uint8_t sum = 0;
	for (size_t i = 0; i < sum_len; i++)
		sum = (uint8_t)(sum + rom[i]);
	if (sum != 0 || pcir + 8 > sum_len)
		return;   /* not a well-formed image: left as it is */
	memcpy(rom + pcir + 4, d->config, 4);   /* vendor, device (little-endian both) */
	sum = 0;
	for (size_t i = 0; i < sum_len; i++)
		sum = (uint8_t)(sum + rom[i]);
	rom[6] = (uint8_t)(rom[6] - sum);
}

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
	patch_ids(d, data, len);
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
