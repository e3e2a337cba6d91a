/*
 * The standard VGA card as a PCI function (QEMU "stdvga", 1234:1111 at
 * 00:02.0): BAR0 linear framebuffer (all of video memory, KVM dirty logging),
 * BAR2 4 KiB MMIO (EDID at 0, VGA ports 0x3C0-0x3DF at 0x400, DISPI registers
 * at 0x500, the "qext" size/byte-order registers at 0x600, as Linux's bochs
 * DRM driver expects with revision 2), and the ROM BAR carrying SeaBIOS's
 * vgabios-stdvga.bin: SeaBIOS runs it with the card's bus/device/function so
 * SeaVGABIOS finds the framebuffer through BAR0.
 *
 * vga='none' removes the card; 'stdvga' and 'cirrus' both give this card.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/host/display.h"
#include "core/util.h"
#include "devices/vga.h"
#include "core/vm.h"

#define VGA_DEVFN (2 << 3)
#define VGA_DEFAULT_BIOS "/usr/share/seabios/vgabios-stdvga.bin"
#define MMIO_BAR_SIZE 0x1000

/* ---- ports 0x3B0-0x3DF and 0x1CE/0x1CF -------------------------------- */

static uint64_t vga_pio_read(void *opaque, uint64_t off, unsigned size)
{
	struct vga *v = opaque;
	uint64_t val = 0;
	for (unsigned i = 0; i < size; i++)
		val |= (uint64_t)vga_ioport_read(v, 0x3B0 + off + i) << (8 * i);
	return val;
}

static void vga_pio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct vga *v = opaque;
	for (unsigned i = 0; i < size; i++)
		vga_ioport_write(v, 0x3B0 + off + i, val >> (8 * i));
}

static const struct io_ops vga_pio_ops = { vga_pio_read, vga_pio_write };

static uint64_t dispi_read(void *opaque, uint64_t off, unsigned size)
{
	struct vga *v = opaque;
	(void)size;
	if (off == 0)
		return v->r.vbe_index;
	return vbe_read(v, v->r.vbe_index);
}

static void dispi_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct vga *v = opaque;
	(void)size;
	if (off == 0)
		v->r.vbe_index = (uint16_t)val;
	else
		vbe_write(v, v->r.vbe_index, (uint16_t)val);
}

static const struct io_ops dispi_ops = { dispi_read, dispi_write };

/* ---- the legacy window 0xA0000-0xBFFFF -------------------------------- */

static uint64_t window_read(void *opaque, uint64_t off, unsigned size)
{
	struct vga *v = opaque;
	uint64_t val = 0;
	for (unsigned i = 0; i < size && off + i < 0x20000; i++)
		val |= (uint64_t)vga_mem_read(v, off + i) << (8 * i);
	return val;
}

static void window_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct vga *v = opaque;
	for (unsigned i = 0; i < size && off + i < 0x20000; i++)
		vga_mem_write(v, off + i, val >> (8 * i));
}

static const struct io_ops window_ops = { window_read, window_write };

/* ---- BAR2 MMIO and the ROM BAR ---------------------------------------- */

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
	struct vga *v = opaque;
	if (off >= 0x400 && off < 0x420)
		return vga_pio_read(v, off - 0x400 + 0x10, size);
	if (off >= 0x500 && off < 0x500 + 2 * VBE_NREGS)
		return vbe_read(v, (off - 0x500) / 2);
	if (off == 0x600)
		return 8;            /* qext region size */
	if (off == 0x604)
		return 0x1E1E1E1E;   /* little-endian framebuffer */
	return 0;                    /* no EDID */
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct vga *v = opaque;
	if (off >= 0x400 && off < 0x420)
		vga_pio_write(v, off - 0x400 + 0x10, val, size);
	else if (off >= 0x500 && off < 0x500 + 2 * VBE_NREGS)
		vbe_write(v, (off - 0x500) / 2, (uint16_t)val);
}

static const struct io_ops mmio_ops = { mmio_read, mmio_write };

static uint64_t rom_read(void *opaque, uint64_t off, unsigned size)
{
	struct vga *v = opaque;
	uint64_t val = 0;
	for (unsigned i = 0; i < size; i++)
		if (off + i < v->rom_size)
			val |= (uint64_t)v->rom[off + i] << (8 * i);
	return val;
}

static void rom_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	(void)opaque; (void)off; (void)val; (void)size;
}

static const struct io_ops rom_ops = { rom_read, rom_write };

static void vga_bar_moved(struct pci_dev *d, int bar)
{
	struct vga *v = d->opaque;
	if (bar != 0)
		return;
	__atomic_store_n(&v->lfb_slot, d->bars[0].mapped ? d->bars[0].slot : -1, __ATOMIC_RELEASE);
	v->lfb_addr = d->bars[0].addr;
}

static int load_rom(struct vga *v, const char *path)
{
	size_t len;
	uint8_t *data = read_file(path, &len);
	if (!data) {
		msg_warn("VGA BIOS '%s': %s; the screen stays blank until the guest sets a mode",
			 path, strerror(errno));
		return -1;
	}
	uint32_t size = 2048;
	while (size < len && size < (1u << 20))
		size <<= 1;
	v->rom = data;
	v->rom_size = len < size ? (uint32_t)len : size;
	return (int)size;
}

/* ---- life cycle ----------------------------------------------------- */

static void vga_reset(void *opaque)
{
	struct vga *v = opaque;
	vga_regs_reset(v);
	memset(v->vram, 0, v->vram_size);
	for (unsigned i = 0; i < v->dirty_words; i++)
		__atomic_store_n(&v->dirty[i], ~0ull, __ATOMIC_RELAXED);
	if (v->display)
		display_invalidate(v->display);
}

static void vga_free(void *opaque)
{
	struct vga *v = opaque;
	display_free(v->display);
	vga_render_free(v->render);
	munmap(v->vram, v->vram_size);
	free(v->dirty);
	free(v->rom);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

int vga_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	const char *kind = cfg && cfg->vga ? cfg->vga : "stdvga";

	if (!strcmp(kind, "none"))
		return 0;
	if (strcmp(kind, "stdvga") != 0)
		msg_info("vga='%s': emulated as the standard VGA with Bochs VBE (stdvga)", kind);

	unsigned mib = cfg && cfg->videoram_mib ? cfg->videoram_mib : VGA_DEFAULT_VRAM_MIB;
	if (mib < 16) {
		msg_warn("videoram=%u: the standard VGA needs at least 16 MiB; using 16", mib);
		mib = 16;
	}
	if (mib > 256) {
		msg_warn("videoram=%u: at most 256 MiB; using 256", mib);
		mib = 256;
	}
	/* the BAR is a power of two */
	unsigned pow = 16;
	while (pow < mib)
		pow <<= 1;
	mib = pow;

	struct vga *v = xzalloc(sizeof(*v));
	v->vm = vm;
	pthread_mutex_init(&v->lock, NULL);
	v->vram_size = mib << 20;
	v->vram = mmap(NULL, v->vram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->vram == MAP_FAILED) {
		msg_error("VGA: cannot allocate %u MiB of video memory", mib);
		free(v);
		return -1;
	}
	v->dirty_words = (v->vram_size >> VGA_PAGE_SHIFT) / 64;
	v->dirty = xzalloc(v->dirty_words * sizeof(uint64_t));
	v->lfb_slot = -1;
	v->win_slot = -1;
	vga_regs_reset(v);

	if (vm_register_pio(vm, 0x3B0, 0x30, &vga_pio_ops, v, "vga") < 0 ||
	    vm_register_pio(vm, 0x1CE, 2, &dispi_ops, v, "vbe") < 0 ||
	    vm_register_mmio(vm, 0xA0000, 0x20000, &window_ops, v, "vga-window") < 0) {
		msg_error("VGA: its ports or the 0xA0000 window are taken");
		return -1;
	}

	/* PCI function, when the machine has a PCI bus */
	if (pci_bus_of(vm)) {
		struct pci_dev *d = &v->pci;
		d->name = "vga";
		d->opaque = v;
		/* class 0x0300 VGA, revision 2 (qext registers present) */
		pci_init_header(d, 0x1234, 0x1111, 0x030000, 2, 0x1AF4, 0x1100);
		pci_set_ram_bar(d, 0, v->vram_size, v->vram, true, true);
		pci_set_bar(d, 2, MMIO_BAR_SIZE, false, &mmio_ops, v);
		const char *bios = cfg && cfg->vgabios ? cfg->vgabios : VGA_DEFAULT_BIOS;
		int rom = load_rom(v, bios);
		if (rom > 0)
			pci_set_bar(d, PCI_BAR_ROM, (uint64_t)rom, false, &rom_ops, v);
		d->bar_moved = vga_bar_moved;
		if (pci_register(vm, d, VGA_DEVFN) < 0) {
			msg_error("VGA: PCI slot 2 is taken");
			return -1;
		}
	}

	v->render = vga_render_new(v);
	struct display_source src = { vga_render_refresh, v->render };
	v->display = display_new(vm, &src);
	vm_add_reset_hook(vm, vga_reset, v);
	vm_add_free_hook(vm, vga_free, v);
	vm_publish(vm, "vga", v);
	return 0;
}
