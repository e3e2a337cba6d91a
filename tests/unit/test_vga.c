/*
 * The VGA card driven through its ports and the 0xA0000 window exactly as a
 * vCPU exit does: text mode with a font in plane 2 (9-dot columns, line
 * graphics, cursor, blink attribute), mode 13h, mode X, 640x480x16 planar
 * with write modes 0-3 and read modes 0/1, CGA mode 4, Bochs VBE 1024x768x32
 * and 8 bpp through the banked window, dirty tracking (nothing redrawn when
 * nothing changed), screendump in PPM/PNG/text.
 */
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "core/host/display.h"
#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"
#include "devices/vga.h"

static struct vm *vm;
static struct display *d;

/* The card's ports and memory window (some 120 accesses below). */
static void outb(uint16_t port, uint8_t v) { unit_outb(vm, port, v); }
static void outw(uint16_t port, uint16_t v) { unit_outw(vm, port, v); }
static uint8_t inb(uint16_t port) { return unit_inb(vm, port); }
static uint16_t inw(uint16_t port) { return unit_inw(vm, port); }
static void wrb(uint32_t addr, uint8_t v) { unit_mmio_write(vm, addr, v, 1); }
static uint8_t rdb(uint32_t addr) { return (uint8_t)unit_mmio_read(vm, addr, 1); }

static uint32_t pixel(unsigned x, unsigned y) { return d->pixels[(size_t)y * d->width + x]; }

/* Program a whole mode as the VGA BIOS does (CR11 protection off first). */
struct vga_mode {
	uint8_t misc, sr[5], cr[25], gr[9], ar[21];
};

static void set_mode(const struct vga_mode *m)
{
	outb(0x3C2, m->misc);
	for (int i = 0; i < 5; i++) { outb(0x3C4, i); outb(0x3C5, m->sr[i]); }
	outb(0x3D4, 0x11); outb(0x3D5, m->cr[0x11] & 0x7F);
	for (int i = 0; i < 25; i++) { outb(0x3D4, i); outb(0x3D5, m->cr[i]); }
	for (int i = 0; i < 9; i++) { outb(0x3CE, i); outb(0x3CF, m->gr[i]); }
	inb(0x3DA);
	for (int i = 0; i < 21; i++) { outb(0x3C0, i); outb(0x3C0, m->ar[i]); }
	outb(0x3C0, 0x20);
}

static void set_dac(uint8_t idx, uint8_t r, uint8_t g, uint8_t b)
{
	outb(0x3C8, idx); outb(0x3C9, r); outb(0x3C9, g); outb(0x3C9, b);
}

static uint32_t rgb6(uint8_t r, uint8_t g, uint8_t b)
{
	return (uint32_t)(r << 2 | r >> 4) << 16 | (g << 2 | g >> 4) << 8 | (b << 2 | b >> 4);
}

static const struct vga_mode mode3 = {
	0x67, { 0x03, 0x00, 0x03, 0x00, 0x02 },
	{ 0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00,
	  0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF },
	{ 0, 0, 0, 0, 0, 0x10, 0x0E, 0x0F, 0xFF },
	{ 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D,
	  0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00 } };

static const struct vga_mode mode13 = {
	0x63, { 0x03, 0x01, 0x0F, 0x00, 0x0E },
	{ 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x9C, 0x0E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF },
	{ 0, 0, 0, 0, 0, 0x40, 0x05, 0x0F, 0xFF },
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x41, 0x00, 0x0F, 0x00, 0x00 } };

static const struct vga_mode mode12 = {
	0xE3, { 0x03, 0x01, 0x0F, 0x00, 0x06 },
	{ 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x59, 0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF },
	{ 0, 0, 0, 0, 0, 0x00, 0x05, 0x0F, 0xFF },
	{ 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D,
	  0x3E, 0x3F, 0x01, 0x00, 0x0F, 0x00, 0x00 } };

static const struct vga_mode mode4 = {
	0x63, { 0x03, 0x09, 0x03, 0x00, 0x02 },
	{ 0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xA2, 0xFF },
	{ 0, 0, 0, 0, 0, 0x30, 0x0F, 0x0F, 0xFF },
	{ 0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	  0x16, 0x17, 0x01, 0x00, 0x03, 0x00, 0x00 } };

static const uint8_t glyph_A[16] = { 0, 0, 0x10, 0x38, 0x6C, 0xC6, 0xC6, 0xFE,
				     0xC6, 0xC6, 0xC6, 0xC6, 0, 0, 0, 0 };

static void load_glyph(uint8_t ch, const uint8_t *rows)
{
	/* plane 2, sequential addressing, A0000 64K: as the BIOS loads fonts */
	outb(0x3C4, 2); outb(0x3C5, 0x04);
	outb(0x3C4, 4); outb(0x3C5, 0x07);
	outb(0x3CE, 4); outb(0x3CF, 0x02);
	outb(0x3CE, 5); outb(0x3CF, 0x00);
	outb(0x3CE, 6); outb(0x3CF, 0x04);
	for (int l = 0; l < 32; l++)
		wrb(0xA0000 + ch * 32 + l, l < 16 ? rows[l] : 0);
	outb(0x3C4, 2); outb(0x3C5, 0x03);
	outb(0x3C4, 4); outb(0x3C5, 0x02);
	outb(0x3CE, 4); outb(0x3CF, 0x00);
	outb(0x3CE, 5); outb(0x3CF, 0x10);
	outb(0x3CE, 6); outb(0x3CF, 0x0E);
}

static void test_text(void)
{
	static const uint8_t block[16] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
					   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	static const uint8_t hline[16] = { 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0 };
	set_mode(&mode3);
	set_dac(0x00, 0, 0, 0);
	set_dac(0x07, 42, 42, 42);
	set_dac(0x01, 0, 0, 42);
	set_dac(0x3F, 63, 63, 63);
	load_glyph('A', glyph_A);
	load_glyph(0xDB, block);
	load_glyph(0xC4, hline);
	for (int i = 0; i < 80 * 25; i++) {
		wrb(0xB8000 + 2 * i, ' ');
		wrb(0xB8000 + 2 * i + 1, 0x07);
	}
	wrb(0xB8000, 'A'); wrb(0xB8001, 0x07);
	wrb(0xB8002, 0xDB); wrb(0xB8003, 0x1F);     /* white on blue: attr 0x1F */
	wrb(0xB8004, 0xC4); wrb(0xB8005, 0x07);     /* line graphics: 9th column repeats */
	wrb(0xB8000 + 160, 'A'); wrb(0xB8000 + 161, 0x07);
	/* cursor on row 3 col 5, lines 14-15 */
	outb(0x3D4, 0x0A); outb(0x3D5, 14);
	outb(0x3D4, 0x0B); outb(0x3D5, 15);
	outb(0x3D4, 0x0E); outb(0x3D5, 0);
	outb(0x3D4, 0x0F); outb(0x3D5, 3 * 80 + 5);
	display_refresh(d);

	CHECK_EQ(d->width, 720, "text 80x25 with 9-dot cells is 720 wide");
	CHECK_EQ(d->height, 400, "text 80x25 with 16-line cells is 400 high");
	CHECK(d->text.active && d->text.cols == 80 && d->text.rows == 25, "text info 80x25");
	CHECK_EQ(d->text.cells[0], 0x0741, "cell 0 is 'A' grey on black");
	CHECK_EQ(d->text.cursor_x, 5, "cursor column");
	CHECK_EQ(d->text.cursor_y, 3, "cursor row");
	uint32_t grey = rgb6(42, 42, 42), blue = rgb6(0, 0, 42), white = rgb6(63, 63, 63);
	CHECK_EQ(pixel(3, 2), grey, "glyph A row 2 has its top pixel at x=3");
	CHECK_EQ(pixel(2, 2), 0, "left of it is background");
	CHECK_EQ(pixel(0, 7), grey, "row 7 of A is a full bar: x=0");
	CHECK_EQ(pixel(8, 7), 0, "9th column of a letter is background");
	CHECK_EQ(pixel(9, 0), white, "full block: bright white foreground (attr 0x1F)");
	CHECK_EQ(pixel(17, 0), white, "full block (0xDB, line graphics range): 9th column repeats");
	(void)blue;
	CHECK_EQ(pixel(18 + 7, 7), grey, "box-drawing char: column 8 lit");
	CHECK_EQ(pixel(18 + 8, 7), grey, "box-drawing char: 9th column repeats column 8");
	/* the cursor blinks (8 frames on, 8 off): it must show within a blink period */
	bool cursor_seen = false, cursor_hidden = false;
	for (int i = 0; i < 40 && !(cursor_seen && cursor_hidden); i++) {
		display_refresh(d);
		if (pixel(5 * 9, 3 * 16 + 14) == grey) cursor_seen = true; else cursor_hidden = true;
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	CHECK(cursor_seen && cursor_hidden, "cursor drawn on line 14 of its cell, blinking");
	CHECK_EQ(pixel(5 * 9, 3 * 16 + 13), 0, "cursor only on its start..end lines");

	char buf[4096];
	int n = display_text(d, buf, sizeof(buf));
	CHECK(n > 0 && !strncmp(buf, "A\xE2\x96\x88\xE2\x94\x80\nA\n\n", 11),
	      "display_text: CP437 mapped to UTF-8, rows trimmed ('%.12s')", buf);

	/* nothing changed: a refresh converts nothing */
	uint64_t frames = d->frames;
	display_refresh(d);
	display_refresh(d);
	CHECK(d->frames == frames || d->frames == frames + 1,
	      "refresh without changes does nothing (or only a cursor blink)");
	/* one character changes: only its cell is redrawn */
	frames = d->frames;
	wrb(0xB8000 + 2 * 79, 'A');
	display_lock(d);
	struct display_listener none = { 0 };
	(void)none;
	display_unlock(d);
	display_refresh(d);
	CHECK(d->frames > frames, "a written character produces a frame");
	CHECK_EQ(pixel(79 * 9 + 3, 2), grey, "the new character is drawn");

	/* 80x50: 8-line characters */
	outb(0x3D4, 0x09); outb(0x3D5, 0x47);
	display_refresh(d);
	CHECK(d->text.rows == 50 && d->height == 400, "80x50 text: 50 rows of 8 lines (%u rows)",
	      d->text.rows);
	outb(0x3D4, 0x09); outb(0x3D5, 0x4F);

	/* blink: attribute bit 7 with blink enable hides the foreground half the time */
	wrb(0xB8001, 0x87);
	bool seen_on = false, seen_off = false;
	for (int i = 0; i < 80 && !(seen_on && seen_off); i++) {
		display_refresh(d);
		if (pixel(0, 7) == grey) seen_on = true; else seen_off = true;
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	CHECK(seen_on && seen_off, "blinking character shows and hides");
	wrb(0xB8001, 0x07);
}

static void test_mode13(void)
{
	set_mode(&mode13);
	set_dac(1, 63, 0, 0);
	set_dac(2, 0, 63, 0);
	set_dac(200, 10, 20, 30);
	for (int x = 0; x < 320; x++)
		wrb(0xA0000 + x, 1);            /* top row red */
	wrb(0xA0000 + 199 * 320 + 319, 2);      /* bottom right green */
	wrb(0xA0000 + 100 * 320 + 160, 200);
	display_refresh(d);
	CHECK(d->width == 320 && d->height == 200, "mode 13h is 320x200 (%ux%u)", d->width, d->height);
	CHECK(!d->text.active, "graphics mode has no text");
	CHECK_EQ(pixel(0, 0), rgb6(63, 0, 0), "mode 13h pixel (0,0)");
	CHECK_EQ(pixel(319, 0), rgb6(63, 0, 0), "mode 13h pixel (319,0)");
	CHECK_EQ(pixel(319, 199), rgb6(0, 63, 0), "mode 13h pixel (319,199)");
	CHECK_EQ(pixel(160, 100), rgb6(10, 20, 30), "mode 13h pixel (160,100) through DAC 200");
	CHECK_EQ(rdb(0xA0000 + 100 * 320 + 160), 200, "chain-4 read back");

	/* a palette change redraws everything */
	set_dac(1, 0, 0, 63);
	display_refresh(d);
	CHECK_EQ(pixel(5, 0), rgb6(0, 0, 63), "DAC change takes effect");

	char err[256];
	CHECK(display_screendump(d, "/tmp/vmst_test_vga.txt", "txt", err, sizeof(err)) < 0,
	      "text screendump refused in graphics mode");
	CHECK(display_screendump(d, "/tmp/vmst_test_vga.ppm", "ppm", err, sizeof(err)) == 0,
	      "ppm screendump");
	size_t len;
	uint8_t *ppm = read_file("/tmp/vmst_test_vga.ppm", &len);
	CHECK(ppm && len == 15 + 320 * 200 * 3 && !memcmp(ppm, "P6\n320 200\n255\n", 15),
	      "ppm header and size");
	if (ppm && len == 15 + 320 * 200 * 3) {
		const uint8_t *p = ppm + 15 + (100 * 320 + 160) * 3;
		CHECK(p[0] == (10 << 2 | 10 >> 4) && p[1] == (20 << 2 | 20 >> 4),
		      "ppm pixel matches the surface");
	}
	free(ppm);
	CHECK(display_screendump(d, "/tmp/vmst_test_vga.png", NULL, err, sizeof(err)) == 0,
	      "png screendump by extension");
	uint8_t *png = read_file("/tmp/vmst_test_vga.png", &len);
	CHECK(png && len > 8 && !memcmp(png + 1, "PNG", 3), "png signature");
	free(png);
	CHECK(display_screendump(d, "/nonexistent/dir/x.ppm", NULL, err, sizeof(err)) < 0,
	      "screendump to a bad path fails with a message (%s)", err);
}

static void test_modex(void)
{
	set_mode(&mode13);
	/* unchain (mode X 320x240) */
	outb(0x3C4, 4); outb(0x3C5, 0x06);
	outb(0x3D4, 0x14); outb(0x3D5, 0x00);
	outb(0x3D4, 0x17); outb(0x3D5, 0xE3);
	outb(0x3C2, 0xE3);
	outb(0x3D4, 0x11); outb(0x3D5, 0x2C);
	static const uint8_t crx[][2] = { { 0x06, 0x0D }, { 0x07, 0x3E }, { 0x09, 0x41 },
		{ 0x10, 0xEA }, { 0x12, 0xDF }, { 0x15, 0xE7 }, { 0x16, 0x06 }, { 0x11, 0xAC } };
	for (size_t i = 0; i < ARRAY_SIZE(crx); i++) {
		outb(0x3D4, crx[i][0]); outb(0x3D5, crx[i][1]);
	}
	set_dac(3, 0, 0, 63);
	set_dac(4, 63, 63, 0);
	/* clear all planes, then pixel x lives in plane x&3 at x>>2 */
	outb(0x3C4, 2); outb(0x3C5, 0x0F);
	for (int a = 0; a < 80 * 240; a++)
		wrb(0xA0000 + a, 0);
	outb(0x3C4, 2); outb(0x3C5, 1 << (13 & 3));
	wrb(0xA0000 + 239 * 80 + (13 >> 2), 3);
	outb(0x3C4, 2); outb(0x3C5, 1 << (2 & 3));
	wrb(0xA0000 + 0 * 80 + (2 >> 2), 4);
	display_refresh(d);
	CHECK(d->width == 320 && d->height == 240, "mode X is 320x240 (%ux%u)", d->width, d->height);
	CHECK_EQ(pixel(13, 239), rgb6(0, 0, 63), "mode X pixel (13,239) from plane 1");
	CHECK_EQ(pixel(2, 0), rgb6(63, 63, 0), "mode X pixel (2,0) from plane 2");
	CHECK_EQ(pixel(12, 239), 0, "neighbouring pixel untouched");
	/* start address panning: page 2 */
	outb(0x3D4, 0x0C); outb(0x3D5, (80 * 240) >> 8);
	outb(0x3D4, 0x0D); outb(0x3D5, (80 * 240) & 0xFF);
	display_refresh(d);
	CHECK_EQ(pixel(2, 0), rgb6(0, 0, 0), "start address moves the visible page");
	outb(0x3D4, 0x0C); outb(0x3D5, 0);
	outb(0x3D4, 0x0D); outb(0x3D5, 0);
}

static void test_planar(void)
{
	set_mode(&mode12);
	for (int i = 0; i < 16; i++)
		set_dac(i < 6 ? i : (i == 6 ? 0x14 : (i == 7 ? 7 : 0x38 + i - 8)),
			(uint8_t)(i * 4), (uint8_t)(63 - i * 4), (uint8_t)(i * 2));
	uint32_t pal[16];
	static const uint8_t ar[16] = { 0, 1, 2, 3, 4, 5, 0x14, 7, 0x38, 0x39, 0x3A, 0x3B,
					0x3C, 0x3D, 0x3E, 0x3F };
	for (int i = 0; i < 16; i++)
		pal[i] = rgb6((uint8_t)(i * 4), (uint8_t)(63 - i * 4), (uint8_t)(i * 2));
	(void)ar;
	/* clear screen with write mode 0 set/reset = 0 */
	outb(0x3CE, 1); outb(0x3CF, 0x0F);
	outb(0x3CE, 0); outb(0x3CF, 0x00);
	for (int a = 0; a < 80 * 480; a++)
		wrb(0xA0000 + a, 0);
	outb(0x3CE, 1); outb(0x3CF, 0x00);

	/* write mode 2: colour 9 into pixel (10, 5) only, through the bit mask */
	outb(0x3CE, 5); outb(0x3CF, 0x02);
	outb(0x3CE, 8); outb(0x3CF, 0x80 >> (10 & 7));
	rdb(0xA0000 + 5 * 80 + 10 / 8);                  /* load latches */
	wrb(0xA0000 + 5 * 80 + 10 / 8, 9);
	/* write mode 0 with set/reset on all planes: colour 12 at (639, 479) */
	outb(0x3CE, 5); outb(0x3CF, 0x00);
	outb(0x3CE, 0); outb(0x3CF, 12);
	outb(0x3CE, 1); outb(0x3CF, 0x0F);
	outb(0x3CE, 8); outb(0x3CF, 0x01);
	rdb(0xA0000 + 479 * 80 + 79);
	wrb(0xA0000 + 479 * 80 + 79, 0xFF);
	outb(0x3CE, 1); outb(0x3CF, 0x00);
	/* write mode 3: colour 5 from set/reset, mask from the rotated data (0x0F: pixels 4-7) */
	outb(0x3CE, 5); outb(0x3CF, 0x03);
	outb(0x3CE, 0); outb(0x3CF, 5);
	outb(0x3CE, 8); outb(0x3CF, 0xFF);
	rdb(0xA0000 + 100 * 80);
	wrb(0xA0000 + 100 * 80, 0x0F);
	/* write mode 0 with map mask: plane 1 only, data 0x80 -> pixel (0, 200) colour 2 */
	outb(0x3CE, 5); outb(0x3CF, 0x00);
	outb(0x3C4, 2); outb(0x3C5, 0x02);
	wrb(0xA0000 + 200 * 80, 0x80);
	outb(0x3C4, 2); outb(0x3C5, 0x0F);
	/* write mode 1: copy the latches of (10,5)'s byte to row 6 */
	outb(0x3CE, 5); outb(0x3CF, 0x01);
	rdb(0xA0000 + 5 * 80 + 1);
	wrb(0xA0000 + 6 * 80 + 1, 0);
	outb(0x3CE, 5); outb(0x3CF, 0x00);
	outb(0x3CE, 8); outb(0x3CF, 0xFF);

	display_refresh(d);
	CHECK(d->width == 640 && d->height == 480, "mode 12h is 640x480 (%ux%u)", d->width, d->height);
	CHECK_EQ(pixel(10, 5), pal[9], "write mode 2 pixel colour 9");
	CHECK_EQ(pixel(9, 5), pal[0], "bit mask kept the neighbour");
	CHECK_EQ(pixel(639, 479), pal[12], "write mode 0 set/reset colour 12");
	CHECK_EQ(pixel(638, 479), pal[0], "bit mask 0x01 wrote only the last pixel");
	CHECK_EQ(pixel(4, 100), pal[5], "write mode 3 colour 5 where the data bits are set");
	CHECK_EQ(pixel(3, 100), pal[0], "write mode 3 leaves the masked-off pixels");
	CHECK_EQ(pixel(0, 200), pal[2], "map mask plane 1 gives colour 2");
	CHECK_EQ(pixel(10, 6), pal[9], "write mode 1 copied the latches");

	/* read mode 0 plane select, read mode 1 colour compare */
	outb(0x3CE, 4); outb(0x3CF, 0);
	CHECK_EQ(rdb(0xA0000 + 5 * 80 + 1), 0x20, "read mode 0 plane 0 of colour 9 pixel");
	outb(0x3CE, 4); outb(0x3CF, 1);
	CHECK_EQ(rdb(0xA0000 + 5 * 80 + 1), 0x00, "read mode 0 plane 1");
	outb(0x3CE, 5); outb(0x3CF, 0x08);
	outb(0x3CE, 2); outb(0x3CF, 9);
	outb(0x3CE, 7); outb(0x3CF, 0x0F);
	CHECK_EQ(rdb(0xA0000 + 5 * 80 + 1), 0x20, "read mode 1 finds colour 9");
	outb(0x3CE, 2); outb(0x3CF, 0);
	CHECK_EQ(rdb(0xA0000 + 5 * 80 + 1), 0xDF, "read mode 1 finds colour 0 elsewhere");
	outb(0x3CE, 5); outb(0x3CF, 0x00);

	/* data rotate + XOR function in write mode 0 */
	outb(0x3CE, 3); outb(0x3CF, 0x18 | 1);         /* XOR, rotate right 1 */
	rdb(0xA0000 + 300 * 80);
	wrb(0xA0000 + 300 * 80, 0x02);                 /* rotated: 0x01 -> pixel 7 all planes */
	outb(0x3CE, 3); outb(0x3CF, 0x00);
	display_refresh(d);
	CHECK_EQ(pixel(7, 300), pal[15], "rotate and XOR: pixel 7 becomes colour 15");
	CHECK_EQ(pixel(6, 300), pal[0], "rotate and XOR: pixel 6 unchanged");
}

static void test_cga(void)
{
	set_mode(&mode4);
	set_dac(0x13, 0, 42, 42);
	set_dac(0x15, 42, 0, 42);
	set_dac(0x17, 42, 42, 42);
	set_dac(0x00, 0, 0, 0);
	/* even lines at B8000, odd lines at BA000, 80 bytes a line, 4 pixels a byte */
	for (int i = 0; i < 0x4000; i++)
		wrb(0xB8000 + i, 0);
	wrb(0xB8000, 0x1B);                    /* line 0: pixels 0..3 = 0,1,2,3 */
	wrb(0xBA000 + 80 * 2 + 79, 0x03);      /* line 5 (odd bank, row 2): pixel 319 = 3 */
	display_refresh(d);
	CHECK(d->width == 320 && d->height == 200, "CGA mode 4 is 320x200 (%ux%u)", d->width, d->height);
	CHECK_EQ(pixel(0, 0), 0, "CGA pixel 0 colour 0");
	CHECK_EQ(pixel(1, 0), rgb6(0, 42, 42), "CGA pixel 1 colour 1 (cyan)");
	CHECK_EQ(pixel(2, 0), rgb6(42, 0, 42), "CGA pixel 2 colour 2 (magenta)");
	CHECK_EQ(pixel(3, 0), rgb6(42, 42, 42), "CGA pixel 3 colour 3 (white)");
	CHECK_EQ(pixel(319, 5), rgb6(42, 42, 42), "odd line from the second bank");
	CHECK_EQ(pixel(319, 4), 0, "even line from the first bank");
}

static void dispi(uint16_t idx, uint16_t val) { outw(0x1CE, idx); outw(0x1CF, val); }

static void test_vbe(void)
{
	struct vga *v = vm_lookup(vm, "vga");
	outw(0x1CE, VBE_ID);
	CHECK_EQ(inw(0x1CF), VBE_ID5, "DISPI id");
	outw(0x1CE, VBE_VIDEO_MEMORY_64K);
	CHECK_EQ(inw(0x1CF), 256, "16 MiB of video memory in 64 KiB units");
	dispi(VBE_ENABLE, VBE_EN_GETCAPS);
	outw(0x1CE, VBE_XRES);
	CHECK_EQ(inw(0x1CF), 2560, "GETCAPS: max x resolution");
	dispi(VBE_ENABLE, 0);
	dispi(VBE_XRES, 1024);
	dispi(VBE_YRES, 768);
	dispi(VBE_BPP, 32);
	dispi(VBE_ENABLE, VBE_EN_ENABLED | VBE_EN_LFB);
	/* the LFB is video memory itself */
	uint32_t *fb = (uint32_t *)v->vram;
	for (int y = 0; y < 768; y++)
		for (int x = 0; x < 1024; x++)
			fb[y * 1024 + x] = (uint32_t)(x ^ y) * 0x010203u & 0xFFFFFF;
	display_refresh(d);
	CHECK(d->width == 1024 && d->height == 768, "VBE 1024x768 (%ux%u)", d->width, d->height);
	CHECK_EQ(pixel(0, 0), 0, "VBE pixel (0,0)");
	CHECK_EQ(pixel(1023, 767), (uint32_t)(1023 ^ 767) * 0x010203u & 0xFFFFFF, "VBE pixel (1023,767)");
	CHECK_EQ(pixel(517, 33), (uint32_t)(517 ^ 33) * 0x010203u & 0xFFFFFF, "VBE pixel (517,33)");

	/* banked window: bank 3 offset 0x10 -> vram 0x30010 */
	dispi(VBE_BANK, 3);
	wrb(0xA0010, 0x11); wrb(0xA0011, 0x22); wrb(0xA0012, 0x33);
	display_refresh(d);
	unsigned px = 0x30010 / 4;
	CHECK_EQ(pixel(px % 1024, px / 1024), 0x332211, "banked window write reaches the screen");
	CHECK_EQ(rdb(0xA0011), 0x22, "banked window read");

	/* 15/16/24 bpp conversions */
	dispi(VBE_ENABLE, 0);
	dispi(VBE_BPP, 16);
	dispi(VBE_XRES, 640);
	dispi(VBE_YRES, 480);
	dispi(VBE_ENABLE, VBE_EN_ENABLED | VBE_EN_LFB);
	st16(v->vram + 2 * 5, 0xF800);   /* pure red */
	display_refresh(d);
	CHECK_EQ(pixel(5, 0), 0xFF0000, "16 bpp red");
	dispi(VBE_ENABLE, 0);
	dispi(VBE_BPP, 24);
	dispi(VBE_ENABLE, VBE_EN_ENABLED | VBE_EN_LFB | VBE_EN_NOCLEARMEM);
	v->vram[3 * 7] = 0x44; v->vram[3 * 7 + 1] = 0x55; v->vram[3 * 7 + 2] = 0x66;
	display_refresh(d);
	CHECK_EQ(pixel(7, 0), 0x665544, "24 bpp B,G,R");
	/* panning with y offset */
	dispi(VBE_Y_OFFSET, 1);
	display_refresh(d);
	CHECK(d->width == 640, "y offset keeps the mode");
	dispi(VBE_ENABLE, 0);
	/* out-of-range requests are clamped, never crash */
	dispi(VBE_XRES, 65535);
	dispi(VBE_YRES, 65535);
	dispi(VBE_BPP, 32);
	dispi(VBE_ENABLE, VBE_EN_ENABLED);
	display_refresh(d);
	CHECK(d->width <= DISPLAY_MAX_WIDTH && d->height <= DISPLAY_MAX_HEIGHT,
	      "huge VBE mode is clamped (%ux%u)", d->width, d->height);
	dispi(VBE_BANK, 0xFFFF);
	wrb(0xA0000, 1);
	dispi(VBE_ENABLE, 0);
}

/*
 * The legacy window becomes plain memory (a KVM slot onto vram) in mode 13h
 * and VBE banked modes, and traps again in planar/unchained/text modes.
 */
static void test_window_ram(void)
{
	struct vga *v = vm_lookup(vm, "vga");
	set_mode(&mode3);
	CHECK_EQ(v->win_slot, -1, "text mode: window trapped");
	set_mode(&mode13);
	CHECK(v->win_slot >= 0, "mode 13h: window mapped as RAM");
	if (v->win_slot >= 0) {
		const struct mem_slot *s = &vm->slots[v->win_slot];
		CHECK(s->used && s->gpa == 0xA0000 && s->size == 0x10000 && s->hva == v->vram &&
		      (s->flags & 1 /* KVM_MEM_LOG_DIRTY_PAGES */),
		      "slot: 0xA0000, 64 KiB onto vram, dirty logging");
	}
	outb(0x3C4, 2); outb(0x3C5, 0x03);
	CHECK_EQ(v->win_slot, -1, "chain-4 with a partial map mask: trapped");
	outb(0x3C4, 2); outb(0x3C5, 0x0F);
	CHECK(v->win_slot >= 0, "map mask 0xF again: mapped");
	int slot = v->win_slot;
	outb(0x3CE, 6); outb(0x3CF, 0x01);  /* memory map 0: A0000-BFFFF */
	CHECK(v->win_slot >= 0 && vm->slots[v->win_slot].size == 0x20000, "128 KiB map: 128 KiB slot");
	CHECK(slot < 0 || !vm->slots[slot].used || slot == v->win_slot, "old slot released");
	outb(0x3CE, 6); outb(0x3CF, 0x05);
	outb(0x3C4, 4); outb(0x3C5, 0x06);  /* unchain: mode X */
	CHECK_EQ(v->win_slot, -1, "mode X: trapped");
	set_mode(&mode12);
	CHECK_EQ(v->win_slot, -1, "planar 640x480x16: trapped");
	dispi(VBE_XRES, 640);
	dispi(VBE_YRES, 480);
	dispi(VBE_BPP, 8);
	dispi(VBE_ENABLE, VBE_EN_ENABLED);
	CHECK(v->win_slot >= 0 && vm->slots[v->win_slot].hva == v->vram, "VBE bank 0 mapped");
	dispi(VBE_BANK, 3);
	CHECK(v->win_slot >= 0 && vm->slots[v->win_slot].hva == v->vram + 3 * 0x10000,
	      "VBE bank 3 maps vram + 192 KiB");
	dispi(VBE_BANK, 0xFFFF);
	CHECK(v->win_slot >= 0 && vm->slots[v->win_slot].hva == v->vram + 3 * 0x10000,
	      "a bank past video memory is ignored");
	dispi(VBE_ENABLE, 0);
	set_mode(&mode3);
	CHECK_EQ(v->win_slot, -1, "back to text: trapped");
	unsigned used = 0;
	for (int i = 0; i < VM_MAX_MEMSLOTS; i++)
		used += vm->slots[i].used;
	CHECK(used <= 4, "no slots leaked (%u in use)", used);
}

static unsigned updates, resizes;
static void l_update(void *o, struct display *dd, unsigned x, unsigned y, unsigned w, unsigned h)
{
	(void)o; (void)dd; (void)x; (void)y; (void)w; (void)h;
	updates++;
}
static void l_resize(void *o, struct display *dd, unsigned w, unsigned h)
{
	(void)o; (void)dd; (void)w; (void)h;
	resizes++;
}

static void test_dirty(void)
{
	set_mode(&mode13);
	display_refresh(d);
	struct display_listener l = { l_resize, l_update, &updates };
	CHECK(display_add_listener(d, &l) == 0, "listener added");
	display_refresh(d);    /* full redraw for the new listener */
	updates = resizes = 0;
	display_refresh(d);
	display_refresh(d);
	CHECK(updates == 0 && resizes == 0, "no change, no update (%u)", updates);
	wrb(0xA0000 + 320 * 50 + 7, 9);
	display_refresh(d);
	CHECK_EQ(updates, 1, "one write, one update");
	/* pages are 4 KiB: the lines that share the written page, no more */
	CHECK(d->dy0 <= 50 && d->dy1 > 50 && d->dy1 - d->dy0 <= 4096 / 320 + 2,
	      "dirty rectangle is the written page's lines (%u-%u)", d->dy0, d->dy1);
	set_mode(&mode12);
	display_refresh(d);
	CHECK_EQ(resizes, 1, "mode change resizes listeners");
	display_remove_listener(d, &updates);
}

int main(void)
{
	struct vm_config cfg;
	vmconfig_defaults(&cfg);
	cfg.vnc = false;
	cfg.sdl = false;
	vm = unit_vm_new(16, &cfg, NULL);
	CHECK(vm != NULL, "test VM");
	CHECK(pc_create_part(vm, "vga") == 0, "vga device created");
	d = vm->display;
	CHECK(d != NULL && vm_lookup(vm, "vga"), "display published");
	if (!d)
		return 1;
	test_text();
	test_mode13();
	test_modex();
	test_planar();
	test_cga();
	test_vbe();
	test_window_ram();
	test_dirty();

	/* vga='none' removes the card */
	struct vm_config cfg2;
	vmconfig_defaults(&cfg2);
	cfg2.vnc = false;
	free(cfg2.vga);
	cfg2.vga = xstrdup("none");
	struct vm *vm2 = unit_vm_new(1, &cfg2, NULL);
	CHECK(pc_create_part(vm2, "vga") == 0 && !vm2->display && !vm_lookup(vm2, "vga"),
	      "vga='none': no card");
	vm_destroy(vm2);
	vm_destroy(vm);
	vmconfig_free(&cfg2);
	vmconfig_free(&cfg);
	return UNIT_DONE();
}
