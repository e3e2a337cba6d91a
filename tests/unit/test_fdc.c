/*
 * The floppy controller through its ports and ISA DMA channel 2: reset and
 * the four SENSE INTERRUPTs, probing commands Linux sends, seek and
 * recalibrate, READ/WRITE DATA (multi-track too), FORMAT TRACK, READ ID,
 * data-rate checks, write protection, the disk change line and media
 * change, and a DMA channel unmasked after the command.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/block.h"
#include "devices/fdc.h"
#include "devices/isadma.h"
#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"

static struct vm *vm;
static char dir[] = "/tmp/vmst-fdc-XXXXXX";
static uint8_t res[16];
static unsigned nres;

/* Send a command; collect the result phase (if any) into res[]. */
static void cmd(const uint8_t *bytes, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		unit_outb(vm, 0x3F5, bytes[i]);
	nres = 0;
	while ((unit_inb(vm, 0x3F4) & 0xC0) == 0xC0 && nres < sizeof(res))
		res[nres++] = unit_inb(vm, 0x3F5);
}

static uint8_t pat(uint64_t off, unsigned seed)
{
	return (uint8_t)(off * 11 + seed * 37 + (off >> 9));
}

static char *make_image(const char *name, size_t size, unsigned seed)
{
	char *path = xasprintf("%s/%s", dir, name);
	uint8_t *buf = malloc(size);
	for (size_t i = 0; i < size; i++)
		buf[i] = pat(i, seed);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (write(fd, buf, size) != (ssize_t)size)
		abort();
	close(fd);
	free(buf);
	return path;
}

static bool mem_is_image(uint32_t gpa, uint64_t off, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		if (vm->ram[gpa + i] != pat(off + i, seed))
			return false;
	return true;
}

static void dma2(uint32_t addr, uint16_t bytes, bool to_memory, bool unmask)
{
	unit_outb(vm, 0x0A, 4 | 2);
	unit_outb(vm, 0x0C, 0);
	unit_outb(vm, 0x0B, to_memory ? 0x46 : 0x4A);
	unit_outb(vm, 0x04, (uint8_t)addr);
	unit_outb(vm, 0x04, (uint8_t)(addr >> 8));
	unit_outb(vm, 0x81, (uint8_t)(addr >> 16));
	unit_outb(vm, 0x0C, 0);
	unit_outb(vm, 0x05, (uint8_t)(bytes - 1));
	unit_outb(vm, 0x05, (uint8_t)((bytes - 1) >> 8));
	if (unmask)
		unit_outb(vm, 0x0A, 2);
}

static void rw(uint8_t op, int drive, int c, int h, int r, int eot)
{
	uint8_t b[9] = { op, (uint8_t)(h << 2 | drive), (uint8_t)c, (uint8_t)h, (uint8_t)r, 2,
			 (uint8_t)eot, 0x1B, 0xFF };
	cmd(b, 9);
}

static uint64_t off_of(int c, int h, int r, int heads, int spt)
{
	return (((uint64_t)c * heads + h) * spt + r - 1) * 512;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir))
		return 2;
	char *fda = make_image("a.img", 1474560, 1);
	char *fdb = make_image("b.img", 737280, 2);
	char *fdc2 = make_image("c.img", 1474560, 3);
	char *odd = make_image("odd.img", 1296384, 4);
	struct vm_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.file = "t.cfg";
	cfg.fd[0] = (struct floppy_spec){ .path = fda, .line = 4, .col = 7 };
	cfg.fd[1] = (struct floppy_spec){ .path = fdb, .readonly = true, .line = 5, .col = 7 };
	vm = unit_vm_new(32, &cfg, NULL);
	CHECK(pc_create_part(vm, "isadma") == 0 && pc_create_part(vm, "fdc") == 0,
	      "isadma and fdc with a 1.44M A: and a read-only 720K B:");
	CHECK_EQ(fdc_cmos_type(vm, 0), 4, "A: is a 1.44M drive for CMOS");
	CHECK_EQ(fdc_cmos_type(vm, 1), 3, "B: is a 720K drive for CMOS");
	CHECK(vm_find_block(vm, "floppy0") && vm_find_block(vm, "fda") == vm_find_block(vm, "floppy0"),
	      "floppy0 registered as fda");

	/* reset through the DOR */
	unit_outb(vm, 0x3F2, 0x00);
	CHECK_EQ(unit_inb(vm, 0x3F4), 0x00, "MSR reads 0 in reset");
	int before = unit_irqs.rises[6];
	unit_outb(vm, 0x3F2, 0x1C);
	CHECK_EQ(unit_irqs.rises[6], before + 1, "IRQ 6 when reset is released");
	CHECK_EQ(unit_inb(vm, 0x3F4), 0x80, "ready for a command");
	for (int i = 0; i < 4; i++) {
		cmd((uint8_t[]){ 0x08 }, 1);
		CHECK(nres == 2 && res[0] == (0xC0 | i), "SENSE INTERRUPT %d after reset: ST0 %02x", i, res[0]);
	}
	CHECK_EQ(unit_irqs.level[6], 0, "interrupt acknowledged");
	cmd((uint8_t[]){ 0x08 }, 1);
	CHECK(nres == 1 && res[0] == 0x80, "a fifth SENSE INTERRUPT is invalid");

	/* what Linux probes */
	cmd((uint8_t[]){ 0x10 }, 1);
	CHECK(nres == 1 && res[0] == 0x90, "VERSION: 82077");
	cmd((uint8_t[]){ 0x0E }, 1);
	CHECK_EQ(nres, 10, "DUMPREG returns 10 bytes");
	unit_outb(vm, 0x3F5, 0x13);
	CHECK_EQ(unit_inb(vm, 0x3F4) & 0xC0, 0x80, "CONFIGURE wants more bytes");
	cmd((uint8_t[]){ 0x00, 0x1A, 0x00 }, 3);
	CHECK_EQ(nres, 0, "CONFIGURE has no result phase");
	cmd((uint8_t[]){ 0x12, 0x00 }, 2);
	CHECK_EQ(nres, 0, "PERPENDICULAR MODE");
	cmd((uint8_t[]){ 0x14 }, 1);
	CHECK(nres == 1 && res[0] == 0x00, "UNLOCK");
	cmd((uint8_t[]){ 0x94 }, 1);
	CHECK(nres == 1 && res[0] == 0x10, "LOCK");
	cmd((uint8_t[]){ 0x18 }, 1);
	CHECK(nres == 1 && res[0] == 0x80, "PARTID invalid: a post-1991 82077");
	cmd((uint8_t[]){ 0x03, 0xAF, 0x02 }, 3);
	CHECK_EQ(nres, 0, "SPECIFY");

	/* disk change line, recalibrate, seek */
	CHECK_EQ(unit_inb(vm, 0x3F7) & 0x80, 0x80, "disk change line active after power-on");
	before = unit_irqs.rises[6];
	cmd((uint8_t[]){ 0x07, 0x00 }, 2);
	CHECK_EQ(unit_irqs.rises[6], before + 1, "RECALIBRATE interrupts");
	cmd((uint8_t[]){ 0x08 }, 1);
	CHECK(nres == 2 && res[0] == 0x20 && res[1] == 0, "SENSE INTERRUPT: seek end, cylinder 0");
	CHECK_EQ(unit_inb(vm, 0x3F7) & 0x80, 0, "a step with a disk in clears the change line");
	cmd((uint8_t[]){ 0x0F, 0x04, 5 }, 3);
	cmd((uint8_t[]){ 0x08 }, 1);
	CHECK(nres == 2 && res[0] == 0x24 && res[1] == 5, "SEEK to cylinder 5, head 1");
	cmd((uint8_t[]){ 0x04, 0x00 }, 2);
	CHECK(nres == 1 && (res[0] & 0x28) == 0x28 && !(res[0] & 0x40), "SENSE DRIVE STATUS A: ready, two sides, writable");
	cmd((uint8_t[]){ 0x04, 0x01 }, 2);
	CHECK(nres == 1 && (res[0] & 0x40), "SENSE DRIVE STATUS B: write protected");

	/* READ DATA at 500 kbit/s */
	unit_outb(vm, 0x3F7, 0);
	dma2(0x10000, 2 * 512, true, true);
	rw(0xE6, 0, 1, 1, 3, 18);
	CHECK(nres == 7 && res[0] == 0x04 && res[1] == 0 && res[2] == 0, "READ DATA C1 H1 R3: normal termination");
	CHECK(res[3] == 1 && res[4] == 1 && res[5] == 5, "result points at the next sector (R5)");
	CHECK(mem_is_image(0x10000, off_of(1, 1, 3, 2, 18), 1024, 1), "two sectors through DMA");

	/* multi-track across the heads */
	dma2(0x20000, 4 * 512, true, true);
	rw(0xE6, 0, 0, 0, 17, 18);
	CHECK(nres == 7 && (res[0] & 0xC0) == 0 && res[3] == 0 && res[4] == 1 && res[5] == 3,
	      "multi-track read ends at C0 H1 R3");
	CHECK(mem_is_image(0x20000, off_of(0, 0, 17, 2, 18), 2048, 1), "sectors 17-18 of side 0 then 1-2 of side 1");
	/* without MT the track ends at EOT */
	dma2(0x20000, 4 * 512, true, true);
	rw(0x66, 0, 0, 0, 17, 18);
	CHECK(nres == 7 && (res[0] & 0xC0) == 0x40 && (res[1] & 0x80), "no MT: end of cylinder before terminal count");

	/* bad sector number, wrong data rate, READ ID */
	dma2(0x20000, 512, true, true);
	rw(0xE6, 0, 0, 0, 19, 19);
	CHECK(nres == 7 && (res[0] & 0x40) && (res[1] & 0x04), "sector 19 of an 18-sector track: no data");
	unit_outb(vm, 0x3F7, 2);
	dma2(0x20000, 512, true, true);
	rw(0xE6, 0, 0, 0, 1, 18);
	CHECK(nres == 7 && (res[0] & 0x40) && (res[1] & 0x01), "1.44M medium at 250 kbit/s: missing address mark");
	cmd((uint8_t[]){ 0x4A, 0x01 }, 2);
	CHECK(nres == 7 && (res[0] & 0xC0) == 0, "READ ID of the 720K B: at 250 kbit/s");
	unit_outb(vm, 0x3F7, 0);
	cmd((uint8_t[]){ 0x0F, 0x00, 1 }, 3);
	cmd((uint8_t[]){ 0x08 }, 1);
	cmd((uint8_t[]){ 0x4A, 0x00 }, 2);
	CHECK(nres == 7 && (res[0] & 0xC0) == 0 && res[3] == 1 && res[5] == 1 && res[6] == 2, "READ ID of A: at 500 kbit/s");

	/* WRITE DATA */
	for (int i = 0; i < 1024; i++)
		vm->ram[0x30000 + i] = (uint8_t)(i ^ 0x5A);
	dma2(0x30000, 1024, false, true);
	rw(0xC5, 0, 3, 0, 1, 18);
	CHECK(nres == 7 && (res[0] & 0xC0) == 0, "WRITE DATA C3 H0 R1-2");
	uint8_t fb[1024];
	int fd = open(fda, O_RDONLY);
	CHECK(pread(fd, fb, 1024, (off_t)off_of(3, 0, 1, 2, 18)) == 1024 && !memcmp(fb, vm->ram + 0x30000, 1024),
	      "written sectors land in the image");
	/* read-only B: */
	unit_outb(vm, 0x3F7, 2);
	dma2(0x30000, 512, false, true);
	rw(0xC5, 1, 0, 0, 1, 9);
	CHECK(nres == 7 && (res[0] & 0x40) && (res[1] & 0x02), "write to the read-only B: not writable");
	unit_outb(vm, 0x3F7, 0);

	/* FORMAT TRACK C4 H0 with fill 0xE5 */
	for (int s = 0; s < 18; s++) {
		uint8_t *id = vm->ram + 0x40000 + 4 * s;
		id[0] = 4; id[1] = 0; id[2] = (uint8_t)(s + 1); id[3] = 2;
	}
	dma2(0x40000, 18 * 4, false, true);
	cmd((uint8_t[]){ 0x4D, 0x00, 2, 18, 0x54, 0xE5 }, 6);
	CHECK(nres == 7 && (res[0] & 0xC0) == 0, "FORMAT TRACK");
	uint8_t tr[18 * 512];
	CHECK(pread(fd, tr, sizeof(tr), (off_t)off_of(4, 0, 1, 2, 18)) == (ssize_t)sizeof(tr), "read the track back");
	bool all_e5 = true;
	for (size_t i = 0; i < sizeof(tr); i++)
		all_e5 &= tr[i] == 0xE5;
	CHECK(all_e5, "the formatted track holds the filler byte");
	close(fd);

	/* DMA channel unmasked only after the command */
	dma2(0x50000, 512, true, false);
	rw(0xE6, 0, 0, 0, 1, 18);
	CHECK(nres == 0 && (unit_inb(vm, 0x3F4) & 0x10), "controller busy, waiting for DMA");
	unit_outb(vm, 0x0A, 2);
	nres = 0;
	while ((unit_inb(vm, 0x3F4) & 0xC0) == 0xC0 && nres < sizeof(res))
		res[nres++] = unit_inb(vm, 0x3F5);
	CHECK(nres == 7 && (res[0] & 0xC0) == 0 && mem_is_image(0x50000, 0, 512, 1),
	      "the transfer runs when the guest unmasks channel 2");

	/* media change */
	char err[256];
	struct blockdev *bd = vm_find_block(vm, "floppy0");
	CHECK(block_change(bd, fdc2, false, err, sizeof(err)) == 0, "change the floppy");
	CHECK_EQ(unit_inb(vm, 0x3F7) & 0x80, 0x80, "change line active after a media change");
	dma2(0x60000, 512, true, true);
	rw(0xE6, 0, 0, 0, 1, 18);
	CHECK(nres == 7 && mem_is_image(0x60000, 0, 512, 3), "reads return the new medium");
	CHECK(block_eject(bd, false, err, sizeof(err)) == 0, "eject the floppy");
	dma2(0x60000, 512, true, true);
	rw(0xE6, 0, 0, 0, 1, 18);
	CHECK(nres == 7 && (res[0] & 0x40), "no medium: the read fails");
	cmd((uint8_t[]){ 0x07, 0x00 }, 2);
	cmd((uint8_t[]){ 0x08 }, 1);
	CHECK_EQ(unit_inb(vm, 0x3F7) & 0x80, 0x80, "change line stays active with no disk");

	/* an odd-sized image (GRUB's rescue floppy is 1296384 bytes) reads as 1.44M */
	CHECK(block_change(bd, odd, false, err, sizeof(err)) == 0, "insert a 1296384-byte image");
	dma2(0x60000, 512, true, true);
	rw(0xE6, 0, 70, 1, 18, 18);   /* 70*2*18+18+17 = 2555 -> beyond 2532 sectors */
	CHECK(nres == 7 && (res[0] & 0xC0) == 0x00, "a sector beyond the image end reads fine");
	bool zero = true;
	for (int i = 0; i < 512; i++)
		zero &= vm->ram[0x60000 + i] == 0;
	CHECK(zero, "... as zeros");

	/* garbage */
	for (unsigned i = 0; i < 5000; i++) {
		unit_outb(vm, (uint16_t)(0x3F0 + (i % 8 == 6 ? 7 : i % 8)), (uint8_t)(i * 37));
		unit_inb(vm, (uint16_t)(0x3F0 + i % 6));
	}
	CHECK(1, "random register writes survived");
	vm_destroy(vm);

	/* config errors: too large an image */
	char *big = make_image("big.img", 3 * 1024 * 1024, 5);
	struct vm_config bad;
	memset(&bad, 0, sizeof(bad));
	bad.file = "bad.cfg";
	bad.fd[0] = (struct floppy_spec){ .path = big, .line = 9, .col = 1 };
	struct vm *v2 = unit_vm_new(8, &bad, (const char *const[]){ "isadma", NULL });
	CHECK(pc_create_part(v2, "fdc") < 0, "a 3 MiB floppy image is refused");
	vm_destroy(v2);

	char *rm = xasprintf("rm -rf %s", dir);
	if (system(rm) != 0)
		return 2;
	free(rm);
	free(fda); free(fdb); free(fdc2); free(odd); free(big);
	return UNIT_DONE();
}
