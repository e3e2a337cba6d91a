/*
 * The Bochs VBE "DISPI" interface of the stdvga (devices/vbe.c) as
 * SeaVGABIOS (vgasrc/bochsvga.c) and Linux's bochs DRM driver program it,
 * through the index/data ports 0x1CE/0x1CF and through the MMIO form in
 * PCI BAR2 (0x500 + 2 * index, with the "qext" registers at 0x600 and the
 * VGA ports at 0x400): ID negotiation 0xB0C0-0xB0C5, video memory size,
 * GETCAPS, mode setting at 8/15/16/24/32 bpp and what the display surface
 * then shows, the 6- and 8-bit DAC, clamping of bad modes, clearing on
 * enable, the 64 KiB bank window at 0xA0000, virtual width and display
 * start (page flipping, panning), the linear framebuffer at BAR0's address,
 * VBE 4F04 save/restore of the registers across a mode switch, and sweeps
 * of every index and value.
 */
#include <stdlib.h>

#include "unit.h"
#include "unit_vm.h"
#include "core/host/display.h"
#include "core/util.h"
#include "devices/vga.h"

#define LFB 0xFC000000u
#define MMIO 0xFEBF0000u
#define VRAM (16u << 20)

static struct vm *vm;
static struct vga *v;
static struct display *d;

static void dispi_w(uint16_t idx, uint16_t val) { unit_outw(vm, 0x1CE, idx); unit_outw(vm, 0x1CF, val); }
static uint16_t dispi_r(uint16_t idx) { unit_outw(vm, 0x1CE, idx); return unit_inw(vm, 0x1CF); }
static void mm_w(uint16_t idx, uint16_t val) { unit_mmio_write(vm, MMIO + 0x500 + 2 * idx, val, 2); }
static uint16_t mm_r(uint16_t idx) { return (uint16_t)unit_mmio_read(vm, MMIO + 0x500 + 2 * idx, 2); }

/* The framebuffer as the guest sees it through BAR0 (the memory slot's host side). */
static uint8_t *lfb(void)
{
	for (int i = 0; i < VM_MAX_MEMSLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].gpa == LFB)
			return vm->slots[i].hva;
	return NULL;
}

static uint32_t pixel(unsigned x, unsigned y)
{
	display_refresh(d);
	if (x >= d->width || y >= d->height)
		return 0xDEADBEEF;
	return d->pixels[(size_t)y * d->width + x];
}

/* Linux's bochs_hw_setmode (drivers/gpu/drm/tiny/bochs.c), through BAR2. */
static void linux_setmode(unsigned w, unsigned h)
{
	unit_mmio_write(vm, MMIO + 0x400, 0x20, 1);   /* 0x3C0: unblank */
	mm_w(VBE_ENABLE, 0);
	mm_w(VBE_BPP, 32);
	mm_w(VBE_XRES, w);
	mm_w(VBE_YRES, h);
	mm_w(VBE_BANK, 0);
	mm_w(VBE_VIRT_WIDTH, w);
	mm_w(VBE_VIRT_HEIGHT, VRAM / (w * 4));
	mm_w(VBE_X_OFFSET, 0);
	mm_w(VBE_Y_OFFSET, 0);
	mm_w(VBE_ENABLE, VBE_EN_ENABLED | VBE_EN_LFB);
}

/* SeaVGABIOS's bochsvga_set_mode, the DISPI part. */
static void seabios_setmode(unsigned w, unsigned h, unsigned bpp, uint16_t flags)
{
	dispi_w(VBE_ENABLE, 0);
	dispi_w(VBE_BPP, bpp);
	dispi_w(VBE_XRES, w);
	dispi_w(VBE_YRES, h);
	dispi_w(VBE_BANK, 0);
	dispi_w(VBE_ENABLE, VBE_EN_ENABLED | flags);
}

static void set_dac(uint8_t idx, uint8_t r, uint8_t g, uint8_t b)
{
	unit_outb(vm, 0x3C8, idx);
	unit_outb(vm, 0x3C9, r);
	unit_outb(vm, 0x3C9, g);
	unit_outb(vm, 0x3C9, b);
}

/* ---- identification ------------------------------------------------------ */

static void test_id(void)
{
	CHECK_EQ(dispi_r(VBE_ID), VBE_ID5, "DISPI ID after reset: 0xB0C5");
	unit_outw(vm, 0x1CE, VBE_BPP);
	CHECK_EQ(unit_inw(vm, 0x1CE), VBE_BPP, "the index port reads back");
	/* SeaVGABIOS's bochsvga_setup: ID0 written must read back, then ID5 */
	dispi_w(VBE_ID, VBE_ID0);
	CHECK_EQ(dispi_r(VBE_ID), VBE_ID0, "ID0 written reads back (SeaVGABIOS detects DISPI)");
	bool all = true;
	for (uint16_t id = VBE_ID0; id <= VBE_ID5; id++) {
		dispi_w(VBE_ID, id);
		all = all && dispi_r(VBE_ID) == id;
	}
	CHECK(all, "every ID 0xB0C0-0xB0C5 is accepted");
	dispi_w(VBE_ID, 0xB0C6);
	dispi_w(VBE_ID, 0x0000);
	CHECK_EQ(dispi_r(VBE_ID), VBE_ID5, "IDs it does not speak (0xB0C6, 0) are refused");
	CHECK_EQ(mm_r(VBE_ID) & 0xFFF0, VBE_ID0, "Linux's check through BAR2: (id & 0xfff0) == 0xB0C0");
	CHECK_EQ(dispi_r(VBE_VIDEO_MEMORY_64K), VRAM >> 16, "video memory: 256 x 64 KiB");
	dispi_w(VBE_VIDEO_MEMORY_64K, 1);
	CHECK_EQ(dispi_r(VBE_VIDEO_MEMORY_64K), VRAM >> 16, "video memory size is read-only");
	CHECK(dispi_r(VBE_NREGS) == 0 && dispi_r(0xFFFF) == 0, "indexes past the last register read 0");
}

/* SeaVGABIOS reads the maxima to drop modes the card cannot show. */
static void test_getcaps(void)
{
	dispi_w(VBE_ENABLE, 0);
	dispi_w(VBE_XRES, 640);
	dispi_w(VBE_YRES, 480);
	dispi_w(VBE_BPP, 8);
	uint16_t en = dispi_r(VBE_ENABLE);
	dispi_w(VBE_ENABLE, en | VBE_EN_GETCAPS);
	CHECK(dispi_r(VBE_XRES) == VBE_MAX_XRES && dispi_r(VBE_YRES) == VBE_MAX_YRES &&
	      dispi_r(VBE_BPP) == VBE_MAX_BPP, "GETCAPS: XRES/YRES/BPP read 2560, 1600, 32");
	CHECK(dispi_r(VBE_ENABLE) == VBE_EN_GETCAPS && dispi_r(VBE_ID) == VBE_ID5,
	      "GETCAPS: ENABLE reads back, other registers unchanged");
	dispi_w(VBE_ENABLE, en);
	CHECK(dispi_r(VBE_XRES) == 640 && dispi_r(VBE_YRES) == 480 && dispi_r(VBE_BPP) == 8,
	      "GETCAPS off: the programmed mode reads back");

	seabios_setmode(640, 480, 8, VBE_EN_LFB);
	en = dispi_r(VBE_ENABLE);
	dispi_w(VBE_ENABLE, en | VBE_EN_GETCAPS);
	CHECK(dispi_r(VBE_XRES) == VBE_MAX_XRES && pixel(0, 0) != 0xDEADBEEF && d->width == 640,
	      "GETCAPS with a mode on: maxima read, the mode stays");
	dispi_w(VBE_ENABLE, en);
	CHECK_EQ(dispi_r(VBE_XRES), 640, "and the mode's XRES reads back after");
}

/* ---- modes --------------------------------------------------------------- */

static unsigned resizes, last_w, last_h;
static void l_resize(void *o, struct display *dd, unsigned w, unsigned h)
{
	(void)o;
	(void)dd;
	resizes++;
	last_w = w;
	last_h = h;
}
static void l_update(void *o, struct display *dd, unsigned x, unsigned y, unsigned w, unsigned h)
{
	(void)o; (void)dd; (void)x; (void)y; (void)w; (void)h;
}

static void test_linux_mode(void)
{
	struct display_listener l = { l_resize, l_update, &resizes };
	CHECK(display_add_listener(d, &l) == 0, "display listener");
	display_refresh(d);
	resizes = 0;
	linux_setmode(1024, 768);
	display_refresh(d);
	CHECK(resizes == 1 && last_w == 1024 && last_h == 768 && d->width == 1024 && d->height == 768,
	      "enabling 1024x768x32 resizes the display surface (%ux%u)", d->width, d->height);
	display_remove_listener(d, &resizes);
	CHECK(mm_r(VBE_XRES) == 1024 && mm_r(VBE_YRES) == 768 && mm_r(VBE_BPP) == 32 &&
	      mm_r(VBE_ENABLE) == (VBE_EN_ENABLED | VBE_EN_LFB), "the mode reads back through BAR2");
	CHECK(mm_r(VBE_VIRT_WIDTH) == 1024 && mm_r(VBE_VIRT_HEIGHT) == VRAM / 4096,
	      "virtual 1024 wide, as many lines high as video memory holds (%u)", mm_r(VBE_VIRT_HEIGHT));
	uint8_t *fb = lfb();
	CHECK(fb == v->vram, "BAR0 maps video memory");
	if (!fb)
		return;
	st32(fb + (767 * 1024 + 1023) * 4, 0x00123456);
	st32(fb + (100 * 1024 + 200) * 4, 0xFFABCDEF);
	CHECK(pixel(1023, 767) == 0x123456 && pixel(200, 100) == 0xABCDEF,
	      "32 bpp pixels from the framebuffer, X byte ignored");
}

static void test_depths(void)
{
	static const struct { unsigned bpp, bytes; } t[] = { { 8, 1 }, { 15, 2 }, { 16, 2 }, { 24, 3 }, { 32, 4 } };
	bool lines_ok = true;
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		seabios_setmode(640, 480, t[i].bpp, VBE_EN_LFB);
		/* SeaVGABIOS's get_linelength: VIRT_WIDTH * bpp / 8 (15 counts as 16) */
		lines_ok = lines_ok && dispi_r(VBE_BPP) == t[i].bpp && dispi_r(VBE_VIRT_WIDTH) == 640 &&
			   dispi_r(VBE_VIRT_HEIGHT) == VRAM / (640 * t[i].bytes);
	}
	CHECK(lines_ok, "8/15/16/24/32 bpp: 1, 2, 2, 3, 4 bytes a pixel in VIRT_HEIGHT");
	uint8_t *fb = lfb();
	if (!fb)
		return;
	seabios_setmode(640, 480, 15, VBE_EN_LFB);
	st16(fb + 2 * 3, 0x7C00);
	st16(fb + 2 * 4, 0x03E0);
	CHECK(pixel(3, 0) == 0xFF0000 && pixel(4, 0) == 0x00FF00, "15 bpp: x555 red and green");
	seabios_setmode(640, 480, 16, VBE_EN_LFB);
	st16(fb + 2 * 640 * 2 + 2 * 5, 0x07E0);
	CHECK_EQ(pixel(5, 2), 0x00FF00, "16 bpp: 565 green, 1280 bytes a line");
	seabios_setmode(640, 480, 24, VBE_EN_LFB);
	fb[1920 + 3] = 0x33; fb[1920 + 4] = 0x22; fb[1920 + 5] = 0x11;
	CHECK_EQ(pixel(1, 1), 0x112233, "24 bpp: B, G, R, 1920 bytes a line");

	/* 8 bpp: the DAC, 6 bits a component, or 8 with VBE_DISPI_8BIT_DAC
	 * (SeaVGABIOS's set_dacformat, VBE 4F08) */
	seabios_setmode(800, 600, 8, VBE_EN_LFB);
	set_dac(1, 63, 32, 1);
	fb[2] = 1;
	CHECK(d && pixel(2, 0) == 0xFF8204 && d->width == 800 && d->height == 600,
	      "800x600x8, 6-bit DAC: (63,32,1) is 0xFF8204 (0x%06x)", pixel(2, 0));
	dispi_w(VBE_ENABLE, dispi_r(VBE_ENABLE) | VBE_EN_8BIT_DAC);
	set_dac(1, 0xFF, 0x80, 0x01);
	CHECK_EQ(pixel(2, 0), 0xFF8001, "8-bit DAC: components used as they are");
	CHECK(dispi_r(VBE_ENABLE) & VBE_EN_8BIT_DAC, "the DAC width reads back from ENABLE");
	dispi_w(VBE_ENABLE, dispi_r(VBE_ENABLE) & ~VBE_EN_8BIT_DAC);
	CHECK_EQ(d->width, 800, "changing the DAC width keeps the mode");
}

static void test_bad_modes(void)
{
	seabios_setmode(640, 480, 7, 0);
	CHECK_EQ(dispi_r(VBE_BPP), 8, "BPP 7 is not a depth: enabled as 8");
	seabios_setmode(4000, 3000, 32, 0);
	CHECK(dispi_r(VBE_XRES) == VBE_MAX_XRES && dispi_r(VBE_YRES) == VBE_MAX_YRES,
	      "4000x3000 clamped to 2560x1600 on enable");
	display_refresh(d);
	CHECK(d->width == 2560 && d->height == 1600, "2560x1600x32 fits 16 MiB and is shown");
	seabios_setmode(0, 0, 32, 0);
	display_refresh(d);
	CHECK(d->width <= DISPLAY_MAX_WIDTH && d->height <= DISPLAY_MAX_HEIGHT, "a 0x0 mode shows nothing harmful");
}

static void test_clear(void)
{
	uint8_t *fb = lfb();
	if (!fb)
		return;
	seabios_setmode(640, 480, 8, VBE_EN_LFB);
	memset(fb, 0x5A, 640 * 480 + 64);
	seabios_setmode(640, 480, 8, VBE_EN_LFB | VBE_EN_NOCLEARMEM);
	CHECK(fb[0] == 0x5A && fb[640 * 480 - 1] == 0x5A, "NOCLEARMEM: enabling keeps video memory");
	seabios_setmode(640, 480, 8, VBE_EN_LFB);
	CHECK(fb[0] == 0 && fb[640 * 480 - 1] == 0, "enabling without NOCLEARMEM clears the mode's frame");
	CHECK_EQ(fb[640 * 480 + 8], 0x5A, "memory past the frame is left alone");
	dispi_w(VBE_ENABLE, VBE_EN_ENABLED | VBE_EN_LFB);
	fb[5] = 0x77;
	dispi_w(VBE_ENABLE, VBE_EN_ENABLED | VBE_EN_LFB);
	CHECK_EQ(fb[5], 0x77, "writing ENABLE again with the mode on does not clear");
}

/* SeaVGABIOS's set_window/get_window: the 64 KiB window at 0xA0000 is BANK * 64 KiB. */
static void test_banks(void)
{
	seabios_setmode(640, 480, 8, 0);
	CHECK_EQ(dispi_r(VBE_BANK), 0, "bank 0 after the mode set");
	unit_mmio_write(vm, 0xA0010, 0x11, 1);
	CHECK_EQ(v->vram[0x10], 0x11, "bank 0: 0xA0010 is video memory 0x10");
	dispi_w(VBE_BANK, 5);
	CHECK_EQ(dispi_r(VBE_BANK), 5, "BANK reads back (SeaVGABIOS checks it)");
	unit_mmio_write(vm, 0xAFFFF, 0x22, 1);
	unit_mmio_write(vm, 0xA0000, 0x3344, 2);
	CHECK(v->vram[5 * 0x10000 + 0xFFFF] == 0x22 && v->vram[5 * 0x10000] == 0x44 &&
	      v->vram[5 * 0x10000 + 1] == 0x33, "bank 5: the window is video memory 0x50000-0x5FFFF");
	CHECK_EQ(unit_mmio_read(vm, 0xAFFFF, 1), 0x22, "and reads back through the window");
	dispi_w(VBE_BANK, 1);
	unit_mmio_write(vm, 0xA0000 + 0x10, 0x22, 1);
	set_dac(0x22, 0, 63, 0);
	unsigned px = 0x10000 + 0x10;
	CHECK_EQ(pixel(px % 640, px / 640), 0x00FF00, "a write through bank 1 shows at its pixel");
	dispi_w(VBE_BANK, 5);
	dispi_w(VBE_BANK, VRAM >> 16);
	CHECK_EQ(dispi_r(VBE_BANK), 5, "bank 256 is past 16 MiB: refused, SeaVGABIOS sees the failure");
	dispi_w(VBE_BANK, (VRAM >> 16) - 1);
	unit_mmio_write(vm, 0xAFFFF, 0x99, 1);
	CHECK_EQ(v->vram[VRAM - 1], 0x99, "bank 255 reaches the last byte of video memory");
	CHECK(unit_mmio_read(vm, 0xB0000, 1) == 0xFF && unit_mmio_read(vm, 0xB8000, 2) == 0xFFFF,
	      "0xB0000-0xBFFFF is outside the VBE window");
}

/* Linux's bochs_hw_setbase (page flipping) and SeaVGABIOS's display start
 * and line length functions (VBE 4F06/4F07). */
static void test_virtual(void)
{
	uint8_t *fb = lfb();
	if (!fb)
		return;
	linux_setmode(1024, 768);
	for (unsigned y = 0; y < 4; y++)
		for (unsigned x = 0; x < 16; x++)
			st32(fb + ((768 + y) * 1024 + x) * 4, 0x010000 * y + x + 1);
	mm_w(VBE_VIRT_WIDTH, 1024);
	mm_w(VBE_X_OFFSET, 0);
	mm_w(VBE_Y_OFFSET, 768);
	CHECK(pixel(0, 0) == 1 && pixel(5, 1) == 0x010006 && d->height == 768,
	      "Y_OFFSET 768: the second page is shown");
	mm_w(VBE_X_OFFSET, 8);
	CHECK_EQ(pixel(0, 2), 0x020009, "X_OFFSET 8 pans by 8 pixels");

	/* SeaVGABIOS: display start as a byte offset */
	int bpp = 32, val = 3 * 4096 + 64;
	int linelength = dispi_r(VBE_VIRT_WIDTH) * bpp / 8;
	dispi_w(VBE_X_OFFSET, (val % linelength) * 8 / bpp);
	dispi_w(VBE_Y_OFFSET, val / linelength);
	CHECK_EQ(dispi_r(VBE_X_OFFSET) * bpp / 8 + linelength * dispi_r(VBE_Y_OFFSET), val,
		 "4F07 display start round-trips");
	/* SeaVGABIOS: line length 8192 bytes -> VIRT_WIDTH 2048 */
	dispi_w(VBE_X_OFFSET, 0);
	dispi_w(VBE_Y_OFFSET, 0);
	dispi_w(VBE_VIRT_WIDTH, 8192 * 8 / bpp);
	CHECK(dispi_r(VBE_VIRT_WIDTH) == 2048 && dispi_r(VBE_VIRT_HEIGHT) == VRAM / 8192,
	      "4F06 line length 8192: VIRT_WIDTH 2048, VIRT_HEIGHT %u", dispi_r(VBE_VIRT_HEIGHT));
	st32(fb + 8192 + 4 * 3, 0x00C0FFEE);
	CHECK(pixel(3, 1) == 0xC0FFEE && d->width == 1024, "line 1 starts 8192 bytes in, the mode stays 1024 wide");
	dispi_w(VBE_VIRT_WIDTH, 100);
	CHECK_EQ(dispi_r(VBE_VIRT_HEIGHT), VRAM / 4096, "a virtual width below XRES counts as XRES");
	dispi_w(VBE_Y_OFFSET, 0xFFFF);
	dispi_w(VBE_X_OFFSET, 0xFFFF);
	CHECK(pixel(0, 0) != 0xDEADBEEF && d->width == 1024, "offsets past video memory: drawn, no fault");
	dispi_w(VBE_X_OFFSET, 0);
	dispi_w(VBE_Y_OFFSET, 0);
}

static void test_lfb(void)
{
	CHECK_EQ(unit_pci_read(vm, 2, 0, 0x10, 4) & ~0xFu, LFB, "SeaVGABIOS takes the LFB address from BAR0");
	CHECK(lfb() == v->vram && v->lfb_addr == LFB, "the framebuffer is at BAR0's address");
	unit_pci_write(vm, 2, 0, 0x10, LFB - 0x1000000, 4);
	CHECK(lfb() == NULL && v->lfb_addr == LFB - 0x1000000, "BAR0 moved: the framebuffer follows");
	unit_pci_write(vm, 2, 0, 0x10, LFB, 4);
	CHECK(lfb() == v->vram, "and back");
}

/* BAR2 as Linux's bochs driver uses it (revision 2: the qext registers). */
static void test_mmio(void)
{
	CHECK_EQ(unit_mmio_read(vm, MMIO + 0x600, 4), 8, "qext region size 8 (Linux: >= 4, <= the BAR)");
	CHECK_EQ(unit_mmio_read(vm, MMIO + 0x604, 4), 0x1E1E1E1Eu, "qext byte order: little-endian");
	unit_mmio_write(vm, MMIO + 0x604, 0x1E1E1E1Eu, 4);
	CHECK(unit_mmio_read(vm, MMIO + 0, 1) != 0x00 || unit_mmio_read(vm, MMIO + 1, 1) != 0xFF,
	      "no EDID header at BAR2 offset 0: Linux's bochs driver uses its default modes");
	CHECK(mm_r(VBE_VIDEO_MEMORY_64K) == VRAM >> 16 && mm_r(VBE_ID) == dispi_r(VBE_ID),
	      "DISPI registers at 0x500 + 2 * index");
	mm_w(VBE_ENABLE, 0);
	mm_w(VBE_XRES, 720);
	CHECK_EQ(dispi_r(VBE_XRES), 720, "an MMIO write reads back through the ports");
	dispi_w(VBE_YRES, 400);
	CHECK_EQ(mm_r(VBE_YRES), 400, "and a port write through MMIO");
	(void)unit_inb(vm, 0x3DA);
	unit_mmio_write(vm, MMIO + 0x400, 0x20, 1);
	CHECK_EQ(unit_inb(vm, 0x3C0) & 0x20, 0x20, "0x400 is port 0x3C0 (Linux's unblank)");
	unit_mmio_write(vm, MMIO + 0x408, 7, 1);                   /* 0x3C8 */
	unit_mmio_write(vm, MMIO + 0x409, 0x2A, 1);                /* 0x3C9 */
	unit_mmio_write(vm, MMIO + 0x409, 0x15, 1);
	unit_mmio_write(vm, MMIO + 0x409, 0x3F, 1);
	unit_outb(vm, 0x3C7, 7);
	CHECK(unit_inb(vm, 0x3C9) == 0x2A && unit_inb(vm, 0x3C9) == 0x15 && unit_inb(vm, 0x3C9) == 0x3F,
	      "the DAC through 0x408/0x409");
	unit_pci_write(vm, 2, 0, 0x04, 0x0001, 2);
	CHECK_EQ(unit_mmio_read(vm, MMIO + 0x500, 2), 0xFFFF, "memory decoding off: BAR2 gone");
	unit_pci_write(vm, 2, 0, 0x04, 0x0003, 2);
}

/*
 * VBE 4F04 through SeaVGABIOS's bochsvga_save_state/restore_state: ENABLE,
 * then XRES..Y_OFFSET, restored in index order with the mode still on.
 */
static void test_save_restore(void)
{
	uint8_t *fb = lfb();
	if (!fb)
		return;
	seabios_setmode(800, 600, 32, VBE_EN_LFB);
	dispi_w(VBE_VIRT_WIDTH, 1024);
	dispi_w(VBE_Y_OFFSET, 2);
	uint16_t saved[VBE_VIDEO_MEMORY_64K];
	for (unsigned i = VBE_XRES; i <= VBE_Y_OFFSET; i++)
		saved[i] = dispi_r(i);
	seabios_setmode(1024, 768, 8, VBE_EN_LFB);   /* the program switches modes */
	for (unsigned i = VBE_XRES; i <= VBE_Y_OFFSET; i++)
		dispi_w(i, saved[i]);
	CHECK(dispi_r(VBE_XRES) == 800 && dispi_r(VBE_YRES) == 600 && dispi_r(VBE_BPP) == 32,
	      "4F04 restore with a mode on brings back 800x600x32 (%ux%ux%u)", dispi_r(VBE_XRES),
	      dispi_r(VBE_YRES), dispi_r(VBE_BPP));
	CHECK(dispi_r(VBE_VIRT_WIDTH) == 1024 && dispi_r(VBE_Y_OFFSET) == 2 &&
	      dispi_r(VBE_VIRT_HEIGHT) == VRAM / 4096, "and its virtual width and display start");
	st32(fb + (2 * 1024 + 7) * 4, 0x00ABCDEF);
	display_refresh(d);
	CHECK(d->width == 800 && d->height == 600 && pixel(7, 0) == 0xABCDEF,
	      "the display shows the restored mode (%ux%u)", d->width, d->height);
	/* restoring a state with the mode off turns it off */
	dispi_w(VBE_ENABLE, 0);
	CHECK(!(dispi_r(VBE_ENABLE) & VBE_EN_ENABLED), "a saved disabled state disables");
}

/* ---- bad input ------------------------------------------------------------ */

static void test_sweep(void)
{
	/* every value of every index (ENABLE: a set, each enable clears up to 16 MiB) */
	static const uint16_t enables[] = { 0, 1, 2, 3, 0x20, 0x21, 0x40, 0x41, 0x81, 0xC3, 0xE1, 0xFFFE, 0xFFFF };
	for (unsigned on = 0; on < 2; on++) {
		if (on)
			seabios_setmode(640, 480, 32, VBE_EN_LFB);
		for (unsigned idx = 0; idx < 0x20; idx++) {
			if (idx == VBE_ENABLE)
				continue;
			for (uint32_t val = 0; val <= 0xFFFF; val += (idx < VBE_NREGS ? 1 : 0x101)) {
				dispi_w(idx, val);
				(void)dispi_r(idx);
				if (!(val & 0x3FFF) && idx < VBE_NREGS) {
					display_refresh(d);
					(void)unit_mmio_read(vm, 0xA0000 + (val & 0xFFFF), 4);
					unit_mmio_write(vm, 0xAFFFC, val, 4);
				}
			}
			dispi_w(idx, idx == VBE_BPP ? 32 : idx == VBE_XRES ? 640 : idx == VBE_YRES ? 480 : 0);
		}
	}
	for (unsigned i = 0; i < ARRAY_SIZE(enables); i++) {
		static const uint16_t odd[][3] = { { 0xFFFF, 0xFFFF, 0xFFFF }, { 1, 1, 1 }, { 2560, 1600, 15 },
						   { 8, 0xFFFF, 24 }, { 0xFFFF, 1, 32 } };
		for (unsigned m = 0; m < ARRAY_SIZE(odd); m++) {
			dispi_w(VBE_ENABLE, 0);
			dispi_w(VBE_XRES, odd[m][0]);
			dispi_w(VBE_YRES, odd[m][1]);
			dispi_w(VBE_BPP, odd[m][2]);
			dispi_w(VBE_ENABLE, enables[i]);
			dispi_w(VBE_VIRT_WIDTH, odd[m][1]);
			dispi_w(VBE_X_OFFSET, odd[m][0]);
			dispi_w(VBE_Y_OFFSET, odd[m][2]);
			dispi_w(VBE_BANK, odd[m][1]);
			display_refresh(d);
			for (uint32_t a = 0; a < 0x20000; a += 0x3FF)
				unit_mmio_write(vm, 0xA0000 + a, a, 1);
		}
	}
	/* every byte, word and dword of BAR2 */
	for (unsigned size = 1; size <= 4; size <<= 1)
		for (uint32_t off = 0; off < 0x1000; off++) {
			(void)unit_mmio_read(vm, MMIO + off, size);
			unit_mmio_write(vm, MMIO + off, off & 1 ? 0xFFFFFFFFu : 0xA5A5A5A5u, size);
		}
	display_refresh(d);
	CHECK(true, "sweeps of every index and value, odd modes, every BAR2 offset: no fault");

	/* the interface still works */
	dispi_w(VBE_ID, VBE_ID5);
	linux_setmode(640, 480);
	display_refresh(d);
	CHECK(dispi_r(VBE_ID) == VBE_ID5 && d->width == 640 && d->height == 480 &&
	      dispi_r(VBE_VIDEO_MEMORY_64K) == VRAM >> 16, "after the sweeps a mode sets as before");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);   /* PASS lines whole between warnings */
	struct vm_config cfg = { .vgabios = "/nonexistent/vgabios-test.bin" };
	static const char *const parts[] = { "pci", "vga", NULL };
	vm = unit_vm_new(16, &cfg, parts);
	v = vm_lookup(vm, "vga");
	d = vm->display;
	CHECK(v && d, "stdvga with its display");
	if (!v || !d)
		return 1;
	/* as SeaBIOS places the stdvga's BARs */
	unit_pci_write(vm, 2, 0, 0x10, LFB, 4);
	unit_pci_write(vm, 2, 0, 0x18, MMIO, 4);
	unit_pci_write(vm, 2, 0, 0x04, 0x0003, 2);

	test_id();
	test_getcaps();
	test_linux_mode();
	test_depths();
	test_bad_modes();
	test_clear();
	test_banks();
	test_virtual();
	test_lfb();
	test_mmio();
	test_save_restore();
	test_sweep();

	vm_destroy(vm);
	return UNIT_DONE();
}
