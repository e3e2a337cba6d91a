/*
 * PIIX3 IDE and ATA disks through the port interface, as a driver uses them:
 * IDENTIFY, PIO and DMA reads and writes with LBA28, LBA48 and CHS, MULTIPLE,
 * FLUSH, error status for bad ranges, bad PRD tables and read-only images,
 * soft reset signatures.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/block.h"
#include "devices/ide.h"
#include "unit.h"
#include "core/util.h"
#include "core/vm.h"

#include "ata_helpers.h"

static char dir[] = "/tmp/vmst-ide-XXXXXX";

static uint8_t pattern(uint64_t sector, unsigned i, unsigned seed)
{
	return (uint8_t)(sector * 7 + i * 13 + seed + (sector >> 8));
}

static char *make_image(const char *name, uint64_t size, unsigned sector_size, unsigned seed)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	uint8_t *buf = malloc(sector_size);
	for (uint64_t s = 0; s < size / sector_size; s++) {
		for (unsigned i = 0; i < sector_size; i++)
			buf[i] = pattern(s, i, seed);
		if (write(fd, buf, sector_size) != (ssize_t)sector_size)
			abort();
	}
	close(fd);
	free(buf);
	return path;
}

static bool file_sector_is(const char *path, uint64_t off, const uint8_t *want, size_t len)
{
	uint8_t *buf = malloc(len);
	int fd = open(path, O_RDONLY);
	bool ok = pread(fd, buf, len, (off_t)off) == (ssize_t)len && !memcmp(buf, want, len);
	close(fd);
	free(buf);
	return ok;
}

static bool matches(const uint8_t *buf, uint64_t sector, unsigned n, unsigned seed)
{
	for (unsigned s = 0; s < n; s++)
		for (unsigned i = 0; i < 512; i++)
			if (buf[s * 512 + i] != pattern(sector + s, i, seed))
				return false;
	return true;
}

/* Primary channel registers */
#define P 0x1F0
#define PCTL 0x3F6

static void wait_not_busy(uint16_t base)
{
	for (int i = 0; i < 5000 && (unit_inb(vm, base + 7) & ST_BSY); i++)
		usleep(1000);
}

/* READ SECTORS (0x20) of one sector by CHS on the primary master, into buf */
static void chs_read_sector(unsigned cyl, unsigned head, unsigned sector, uint8_t *buf)
{
	unit_outb(vm, P + 6, (uint8_t)(0xA0 | head));
	unit_outb(vm, P + 2, 1);
	unit_outb(vm, P + 3, (uint8_t)sector);
	unit_outb(vm, P + 4, (uint8_t)cyl);
	unit_outb(vm, P + 5, (uint8_t)(cyl >> 8));
	unit_outb(vm, P + 7, 0x20);
	ata_read_words(P, buf, 512);
}

static void select_lba(uint16_t base, int unit, uint32_t lba28, uint8_t count)
{
	unit_outb(vm, base + 6, (uint8_t)(0xE0 | unit << 4 | ((lba28 >> 24) & 0xF)));
	unit_outb(vm, base + 2, count);
	unit_outb(vm, base + 3, (uint8_t)lba28);
	unit_outb(vm, base + 4, (uint8_t)(lba28 >> 8));
	unit_outb(vm, base + 5, (uint8_t)(lba28 >> 16));
}

static void select_lba48(uint16_t base, int unit, uint64_t lba, uint16_t count)
{
	unit_outb(vm, base + 6, (uint8_t)(0x40 | unit << 4));
	unit_outb(vm, base + 2, (uint8_t)(count >> 8));
	unit_outb(vm, base + 3, (uint8_t)(lba >> 24));
	unit_outb(vm, base + 4, (uint8_t)(lba >> 32));
	unit_outb(vm, base + 5, (uint8_t)(lba >> 40));
	unit_outb(vm, base + 2, (uint8_t)count);
	unit_outb(vm, base + 3, (uint8_t)lba);
	unit_outb(vm, base + 4, (uint8_t)(lba >> 8));
	unit_outb(vm, base + 5, (uint8_t)(lba >> 16));
}

static uint8_t run_dma(uint16_t base, unsigned chan, uint8_t cmd, bool to_memory)
{
	uint16_t bm = BM + 8 * chan;
	unit_outl(vm, bm + 4, PRD_GPA);
	unit_outb(vm, bm + 2, BM_ST_INTR | BM_ST_ERROR);
	unit_outb(vm, bm, to_memory ? BM_CMD_READ : 0);
	unit_outb(vm, base + 7, cmd);
	unit_outb(vm, bm, (to_memory ? BM_CMD_READ : 0) | BM_CMD_START);
	for (int i = 0; i < 5000 && !(unit_inb(vm, bm + 2) & BM_ST_INTR); i++)
		usleep(1000);
	uint8_t st = unit_inb(vm, bm + 2);
	unit_outb(vm, bm, 0);
	return st;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir))
		return 2;
	char *hda = make_image("hda.img", 8 << 20, 512, 1);
	char *hdb = make_image("hdb.img", 1 << 20, 512, 2);
	struct vm_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.file = "test.cfg";
	cfg.disks[0] = (struct disk_spec){ .present = true, .path = hda, .index = 0, .kind = DISK_HD,
					   .line = 3, .col = 8 };
	cfg.disks[1] = (struct disk_spec){ .present = true, .path = hdb, .index = 1, .kind = DISK_HD,
					   .readonly = true, .line = 3, .col = 30 };
	vm = unit_vm_new(32, &cfg, NULL);
	CHECK(pc_create_part(vm, "pci") == 0, "PCI bus created");
	CHECK(pc_create_part(vm, "ide") == 0, "IDE controller created with hda and read-only hdb");
	struct ide_ctrl *c = vm_lookup(vm, "ide");
	CHECK(c != NULL, "controller published as \"ide\"");

	/* PCI identity, BAR4, bus master */
	CHECK_EQ(unit_pci_read(vm, IDE_DEV, IDE_FN, 0, 4), 0x70108086, "PCI 00:01.1 is 8086:7010");
	CHECK_EQ(unit_pci_read(vm, IDE_DEV, IDE_FN, 0x09, 1), 0x80,
		 "prog-if 0x80 (legacy channels, bus master)");
	CHECK_EQ(unit_pci_read(vm, IDE_DEV, IDE_FN, 0x0A, 2), 0x0101, "class IDE");
	ata_bm_enable();
	CHECK_EQ(unit_pci_read(vm, IDE_DEV, IDE_FN, 0x20, 4), BM | 1, "BAR4 placed at 0xC000");

	CHECK(vm_find_block(vm, "ide0-hd0") && vm_find_block(vm, "hda") == vm_find_block(vm, "ide0-hd0"),
	      "hda registered as ide0-hd0");

	/* empty secondary channel */
	CHECK_EQ(unit_inb(vm, 0x177), 0, "status of an empty channel reads 0");

	/* IDENTIFY DEVICE */
	unit_outb(vm, P + 6, 0xA0);
	unsigned before = unit_irqs.rises[14];
	unit_outb(vm, P + 7, 0xEC);
	CHECK(unit_irqs.rises[14] == before + 1, "IDENTIFY raises IRQ 14");
	CHECK_EQ(unit_inb(vm, PCTL) & (ST_DRQ | ST_BSY | ST_DRDY), ST_DRQ | ST_DRDY, "DRQ after IDENTIFY");
	uint8_t id[512];
	ata_read_words(P, id, 512);
	CHECK_EQ(ld16(id + 60 * 2) | (uint32_t)ld16(id + 61 * 2) << 16, 16384, "LBA28 capacity 16384 sectors");
	CHECK_EQ(ld16(id + 100 * 2), 16384, "LBA48 capacity");
	CHECK(ld16(id + 83 * 2) & (1 << 10), "LBA48 supported");
	CHECK(id[27 * 2 + 1] == 'V' && id[27 * 2] == 'M', "model string byte-swapped per word");
	CHECK_EQ(ld16(id + 1 * 2), 16, "CHS cylinders 16 (8 MiB / 16 heads / 63 sectors)");
	CHECK_EQ(unit_inb(vm, P + 7) & (ST_DRQ | ST_ERR), 0, "no DRQ after the block");
	CHECK_EQ(unit_irqs.level[14], 0, "status read lowers the interrupt");

	/* absent device 1 on the secondary? no: primary slave is hdb; check an absent one */
	/* READ SECTORS LBA28 */
	uint8_t buf[16 * 512];
	select_lba(P, 0, 5, 2);
	before = unit_irqs.rises[14];
	unit_outb(vm, P + 7, 0x20);
	CHECK_EQ(unit_inb(vm, P + 7), ST_DRDY | ST_DSC | ST_DRQ,
		 "DRQ for the first sector (interrupt acknowledged)");
	ata_read_words(P, buf, 512);
	CHECK_EQ(unit_irqs.rises[14], before + 2, "an interrupt for the second sector");
	CHECK_EQ(unit_inb(vm, P + 7), ST_DRDY | ST_DSC | ST_DRQ, "DRQ for the second sector");
	ata_read_words(P, buf + 512, 512);
	CHECK(matches(buf, 5, 2, 1), "READ SECTORS LBA 5-6 match the image");
	CHECK_EQ(unit_inb(vm, P + 7), ST_DRDY | ST_DSC, "status ready after the read");
	CHECK_EQ(unit_irqs.rises[14], before + 2, "two interrupts for two sectors");

	/* 32-bit data port access */
	select_lba(P, 0, 9, 1);
	unit_outb(vm, P + 7, 0x20);
	for (int i = 0; i < 128; i++)
		st32(buf + 4 * i, unit_inl(vm, P));
	CHECK(matches(buf, 9, 1, 1), "32-bit PIO reads");

	/* READ SECTORS EXT, LBA48 */
	select_lba48(P, 0, 0x3FF0, 3);
	unit_outb(vm, P + 7, 0x24);
	ata_read_words(P, buf, 3 * 512);
	CHECK(matches(buf, 0x3FF0, 3, 1), "READ SECTORS EXT LBA48 0x3FF0");
	CHECK_EQ(unit_inb(vm, P + 3), 0xF2, "task file holds the last sector read");
	unit_outb(vm, PCTL, DC_HOB);
	CHECK_EQ(unit_inb(vm, P + 3), 0x00, "HOB reads the high-order LBA byte");
	unit_outb(vm, PCTL, 0);

	/* CHS: cylinder 1, head 2, sector 3 = (1*16+2)*63+2 */
	chs_read_sector(1, 2, 3, buf);
	CHECK(matches(buf, (1 * 16 + 2) * 63 + 2, 1, 1), "CHS read of C1/H2/S3");
	unit_outb(vm, P + 6, 0xA0);
	unit_outb(vm, P + 2, 1);
	unit_outb(vm, P + 3, 0);   /* sector 0 does not exist */
	unit_outb(vm, P + 7, 0x20);
	CHECK((unit_inb(vm, P + 7) & ST_ERR) && (unit_inb(vm, P + 1) & ER_IDNF), "CHS sector 0 gives IDNF");

	/* INITIALIZE DEVICE PARAMETERS changes the CHS translation */
	unit_outb(vm, P + 6, 0xA0 | 3);
	unit_outb(vm, P + 2, 32);
	unit_outb(vm, P + 7, 0x91);
	CHECK_EQ(unit_inb(vm, P + 7) & ST_ERR, 0, "INITIALIZE DEVICE PARAMETERS 4 heads, 32 sectors");
	chs_read_sector(2, 1, 1, buf);
	CHECK(matches(buf, (2 * 4 + 1) * 32, 1, 1), "CHS read with the new translation");

	/* READ MULTIPLE */
	select_lba(P, 0, 100, 8);
	unit_outb(vm, P + 7, 0xC4);
	CHECK((unit_inb(vm, P + 7) & ST_ERR) && (unit_inb(vm, P + 1) & ER_ABRT),
	      "READ MULTIPLE before SET MULTIPLE aborts");
	unit_outb(vm, P + 2, 3);
	unit_outb(vm, P + 7, 0xC6);
	CHECK((unit_inb(vm, P + 7) & ST_ERR), "SET MULTIPLE 3 (not a power of two) aborts");
	unit_outb(vm, P + 2, 4);
	unit_outb(vm, P + 7, 0xC6);
	CHECK_EQ(unit_inb(vm, P + 7) & ST_ERR, 0, "SET MULTIPLE 4");
	select_lba(P, 0, 100, 8);
	before = unit_irqs.rises[14];
	unit_outb(vm, P + 7, 0xC4);
	unit_inb(vm, P + 7);
	ata_read_words(P, buf, 4 * 512);
	unit_inb(vm, P + 7);
	ata_read_words(P, buf + 4 * 512, 4 * 512);
	CHECK(matches(buf, 100, 8, 1), "READ MULTIPLE 8 sectors");
	CHECK_EQ(unit_irqs.rises[14] - before, 2, "two DRQ blocks of 4 sectors");

	/* WRITE SECTORS */
	uint8_t wbuf[4 * 512];
	for (int i = 0; i < 4 * 512; i++)
		wbuf[i] = (uint8_t)(0xA5 ^ i);
	select_lba(P, 0, 200, 2);
	before = unit_irqs.rises[14];
	unit_outb(vm, P + 7, 0x30);
	CHECK(unit_inb(vm, PCTL) & ST_DRQ, "WRITE SECTORS asks for data");
	CHECK_EQ(unit_irqs.rises[14], before, "no interrupt before the first block");
	ata_write_words(P, wbuf, 1024);
	CHECK_EQ(unit_inb(vm, P + 7) & (ST_DRQ | ST_ERR | ST_BSY), 0, "write complete");
	CHECK(file_sector_is(hda, 200 * 512, wbuf, 1024), "written sectors land in the image");

	/* WRITE MULTIPLE EXT */
	select_lba48(P, 0, 300, 4);
	unit_outb(vm, P + 7, 0x39);
	ata_write_words(P, wbuf, 4 * 512);
	CHECK(file_sector_is(hda, 300 * 512, wbuf, 4 * 512), "WRITE MULTIPLE EXT lands in the image");

	/* out of range */
	select_lba(P, 0, 16383, 2);
	unit_outb(vm, P + 7, 0x20);
	CHECK((unit_inb(vm, P + 7) & ST_ERR) && (unit_inb(vm, P + 1) & ER_IDNF), "read past the end: IDNF");
	select_lba48(P, 0, 0xFFFFFFFFFFull, 1);
	unit_outb(vm, P + 7, 0x35);
	CHECK((unit_inb(vm, P + 7) & ST_ERR) && (unit_inb(vm, P + 1) & ER_IDNF),
	      "DMA write far past the end: IDNF");

	/* DMA read, two PRD entries */
	memset(vm->ram + 0x10000, 0, 0x4000);
	prd(0, 0x10000, 1024, false);
	prd(1, 0x12000, 3 * 512, true);
	select_lba(P, 0, 40, 5);
	uint8_t bst = run_dma(P, 0, 0xC8, true);
	CHECK((bst & (BM_ST_INTR | BM_ST_ERROR | BM_ST_ACTIVE)) == BM_ST_INTR, "READ DMA completes (bm status %02x)", bst);
	CHECK(matches(vm->ram + 0x10000, 40, 2, 1) && matches(vm->ram + 0x12000, 42, 3, 1),
	      "READ DMA data scattered per PRD table");
	CHECK_EQ(unit_inb(vm, P + 7) & (ST_ERR | ST_BSY | ST_DRQ), 0, "drive status ok after DMA");

	/* DMA write LBA48 */
	memcpy(vm->ram + 0x20000, wbuf, 4 * 512);
	prd(0, 0x20000, 4 * 512, true);
	select_lba48(P, 0, 1000, 4);
	bst = run_dma(P, 0, 0x35, false);
	CHECK((bst & (BM_ST_INTR | BM_ST_ERROR)) == BM_ST_INTR, "WRITE DMA EXT completes");
	CHECK(file_sector_is(hda, 1000 * 512, wbuf, 4 * 512), "WRITE DMA EXT lands in the image");

	/* PRD table larger than the transfer: active stays set */
	prd(0, 0x10000, 0, true);  /* 64 KiB */
	select_lba(P, 0, 1, 1);
	bst = run_dma(P, 0, 0xC8, true);
	CHECK((bst & (BM_ST_INTR | BM_ST_ACTIVE)) == (BM_ST_INTR | BM_ST_ACTIVE), "active bit stays with a longer PRD");

	/* PRD pointing outside guest RAM */
	prd(0, 0xF0000000u, 512, true);
	select_lba(P, 0, 1, 1);
	bst = run_dma(P, 0, 0xC8, true);
	CHECK(bst & BM_ST_ERROR, "PRD outside RAM: bus-master error");
	CHECK(unit_inb(vm, P + 7) & ST_ERR, "PRD outside RAM: ATA error status");

	/* PRD table itself outside RAM, and too short */
	unit_outl(vm, BM + 4, 0xFFFFFFF0u);
	unit_outb(vm, BM + 2, BM_ST_INTR | BM_ST_ERROR);
	select_lba(P, 0, 1, 1);
	unit_outb(vm, P + 7, 0xC8);
	unit_outb(vm, BM, BM_CMD_READ | BM_CMD_START);
	for (int i = 0; i < 5000 && !(unit_inb(vm, BM + 2) & BM_ST_INTR); i++)
		usleep(1000);
	CHECK((unit_inb(vm, BM + 2) & BM_ST_ERROR) && (unit_inb(vm, P + 7) & ST_ERR),
	      "PRD table outside RAM fails");
	unit_outb(vm, BM, 0);
	prd(0, 0x10000, 512, true);
	select_lba(P, 0, 1, 4);
	bst = run_dma(P, 0, 0xC8, true);
	CHECK((bst & BM_ST_ERROR) && (unit_inb(vm, P + 7) & ST_ERR),
	      "PRD table shorter than the transfer fails");

	/* wrong direction bit */
	prd(0, 0x10000, 512, true);
	select_lba(P, 0, 1, 1);
	bst = run_dma(P, 0, 0xC8, false);
	CHECK(bst & BM_ST_ERROR, "READ DMA with a memory-read PRD direction fails");

	/* FLUSH CACHE (EXT) on the worker */
	unit_outb(vm, P + 6, 0xE0);
	unit_outb(vm, P + 7, 0xE7);
	wait_not_busy(P);
	CHECK_EQ(unit_inb(vm, P + 7) & (ST_ERR | ST_BSY), 0, "FLUSH CACHE");
	unit_outb(vm, P + 7, 0xEA);
	wait_not_busy(P);
	CHECK_EQ(unit_inb(vm, P + 7) & (ST_ERR | ST_BSY), 0, "FLUSH CACHE EXT");
	CHECK(vm_find_block(vm, "hda")->flush_ops >= 2, "flushes reached the image");

	/* SET FEATURES */
	unit_outb(vm, P + 1, 0x03);
	unit_outb(vm, P + 2, 0x22);
	unit_outb(vm, P + 7, 0xEF);
	CHECK_EQ(unit_inb(vm, P + 7) & ST_ERR, 0, "SET FEATURES transfer mode MWDMA2");
	unit_outb(vm, P + 7, 0xEC);
	ata_read_words(P, id, 512);
	CHECK(ld16(id + 63 * 2) & 0x400, "IDENTIFY shows MWDMA2 selected");
	unit_outb(vm, P + 1, 0x82);
	unit_outb(vm, P + 7, 0xEF);
	unit_outb(vm, P + 7, 0xEC);
	ata_read_words(P, id, 512);
	CHECK(!(ld16(id + 85 * 2) & (1 << 5)), "write cache disabled");
	unit_outb(vm, P + 1, 0x77);
	unit_outb(vm, P + 7, 0xEF);
	CHECK(unit_inb(vm, P + 7) & ST_ERR, "unknown SET FEATURES subcommand aborts");
	unit_outb(vm, P + 7, 0x00);
	CHECK(unit_inb(vm, P + 7) & ST_ERR, "NOP aborts");

	/* read-only hdb */
	select_lba(P, 1, 3, 1);
	unit_outb(vm, P + 7, 0x20);
	ata_read_words(P, buf, 512);
	CHECK(matches(buf, 3, 1, 2), "read from read-only hdb");
	select_lba(P, 1, 3, 1);
	unit_outb(vm, P + 7, 0x30);
	CHECK((unit_inb(vm, P + 7) & ST_ERR) && (unit_inb(vm, P + 1) & ER_ABRT) &&
	      !(unit_inb(vm, PCTL) & ST_DRQ),
	      "write to read-only hdb: ABRT before any data");
	select_lba(P, 1, 3, 1);
	prd(0, 0x20000, 512, true);
	bst = run_dma(P, 0, 0xCA, false);
	CHECK(unit_inb(vm, P + 7) & ST_ERR, "WRITE DMA to read-only hdb fails");
	memset(buf, 0, 512);
	for (int i = 0; i < 512; i++)
		buf[i] = pattern(3, (unsigned)i, 2);
	CHECK(file_sector_is(hdb, 3 * 512, buf, 512), "read-only image unchanged");
	CHECK((fcntl(vm_find_block(vm, "hdb")->fd, F_GETFL) & O_ACCMODE) == O_RDONLY,
	      "read-only image opened O_RDONLY");

	/* soft reset */
	unit_outb(vm, P + 6, 0xA0);
	unit_outb(vm, PCTL, DC_SRST | DC_NIEN);
	CHECK(unit_inb(vm, PCTL) & ST_BSY, "BSY during SRST");
	unit_outb(vm, PCTL, DC_NIEN);
	CHECK_EQ(unit_inb(vm, P + 2), 1, "signature: sector count 1");
	CHECK_EQ(unit_inb(vm, P + 3), 1, "signature: LBA low 1");
	CHECK(unit_inb(vm, P + 4) == 0 && unit_inb(vm, P + 5) == 0, "signature: ATA disk");
	CHECK_EQ(unit_inb(vm, P + 1), 0x01, "diagnostic code 01");
	before = unit_irqs.rises[14];
	unit_outb(vm, P + 7, 0xEC);
	CHECK_EQ(unit_irqs.rises[14], before, "nIEN masks the interrupt");
	ata_read_words(P, id, 512);
	unit_outb(vm, PCTL, 0);

	/* every port, every value: no crash (the fuzzer goes further) */
	for (unsigned port = 0x1F0; port <= 0x1F7; port++)
		for (unsigned v = 0; v < 256; v += 17)
			unit_outb(vm, (uint16_t)port, (uint8_t)v);
	CHECK(1, "arbitrary register writes survived");

	vm_destroy(vm);

	/* bad images: clear errors naming the config line */
	struct vm_config bad;
	memset(&bad, 0, sizeof(bad));
	bad.file = "bad.cfg";
	bad.disks[0] = (struct disk_spec){ .present = true, .path = "/nonexistent/x.img", .index = 0,
					   .kind = DISK_HD, .line = 7, .col = 9 };
	struct vm *v2 = unit_vm_new(8, &bad, (const char *const[]){ "pci", NULL });
	CHECK(pc_create_part(v2, "ide") < 0, "a missing image fails device creation");
	vm_destroy(v2);
	bad.disks[0].path = dir;
	v2 = unit_vm_new(8, &bad, (const char *const[]){ "pci", NULL });
	CHECK(pc_create_part(v2, "ide") < 0, "a directory as image fails device creation");
	vm_destroy(v2);

	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		return 2;
	free(cmd);
	free(hda);
	free(hdb);
	return UNIT_DONE();
}
