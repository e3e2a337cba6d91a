/*
 * ATAPI CD-ROM through the port interface: signature, IDENTIFY PACKET, the
 * MMC commands in PIO and DMA, byte-count-limited DRQ blocks, and media
 * change (eject, change, guest tray, lock) as the guest sees it through
 * TEST UNIT READY, REQUEST SENSE and GET EVENT STATUS NOTIFICATION.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/block.h"
#include "devices/ide.h"
#include "unit.h"
#include "core/util.h"
#include "core/vm.h"

#include "ata_helpers.h"

static char dir[] = "/tmp/vmst-atapi-XXXXXX";

#define S 0x170
#define SCTL 0x376

static uint8_t pattern(uint64_t sector, unsigned i, unsigned seed)
{
	return (uint8_t)(sector * 3 + i * 5 + seed * 101 + (sector >> 8));
}

static char *make_iso(const char *name, unsigned sectors, unsigned seed)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	uint8_t buf[2048];
	for (unsigned s = 0; s < sectors; s++) {
		for (unsigned i = 0; i < 2048; i++)
			buf[i] = pattern(s, i, seed);
		if (write(fd, buf, 2048) != 2048)
			abort();
	}
	close(fd);
	return path;
}

static bool matches(const uint8_t *buf, uint64_t sector, unsigned n, unsigned seed)
{
	for (unsigned s = 0; s < n; s++)
		for (unsigned i = 0; i < 2048; i++)
			if (buf[s * 2048 + i] != pattern(sector + s, i, seed))
				return false;
	return true;
}

static uint8_t reply[200 * 1024];
static unsigned reply_len, drq_blocks;

/* Send a packet to unit on the secondary channel; PIO reply into reply[]. Returns final status. */
static uint8_t packet_unit(int unit, const uint8_t *cdb, uint16_t limit)
{
	unit_outb(vm, S + 6, (uint8_t)(0xA0 | unit << 4));
	unit_outb(vm, S + 1, 0);
	unit_outb(vm, S + 4, (uint8_t)limit);
	unit_outb(vm, S + 5, (uint8_t)(limit >> 8));
	unit_outb(vm, S + 7, 0xA0);
	if (!(unit_inb(vm, SCTL) & ST_DRQ) || (unit_inb(vm, S + 2) & 3) != 1)
		return 0xFF;
	ata_write_words(S, cdb, 12);
	reply_len = 0;
	drq_blocks = 0;
	for (;;) {
		uint8_t st = unit_inb(vm, S + 7);
		if (!(st & ST_DRQ))
			return st;
		unsigned n = unit_inb(vm, S + 4) | unit_inb(vm, S + 5) << 8;
		drq_blocks++;
		for (unsigned i = 0; i < n; i += 2) {
			uint16_t w = unit_inw(vm, S);
			if (reply_len + 2 <= sizeof(reply)) {
				reply[reply_len] = (uint8_t)w;
				reply[reply_len + 1] = (uint8_t)(w >> 8);
			}
			reply_len += 2;
		}
	}
}

static uint8_t packet(const uint8_t *cdb, uint16_t limit)
{
	return packet_unit(0, cdb, limit);
}

static uint8_t packet_dma(const uint8_t *cdb, uint32_t buf_gpa, uint32_t len)
{
	prd(0, buf_gpa, len, true);
	unit_outl(vm, BM + 8 + 4, PRD_GPA);
	unit_outb(vm, BM + 8 + 2, BM_ST_INTR | BM_ST_ERROR);
	unit_outb(vm, BM + 8, BM_CMD_READ);
	unit_outb(vm, S + 6, 0xA0);
	unit_outb(vm, S + 1, 1);    /* DMA */
	unit_outb(vm, S + 4, 0);
	unit_outb(vm, S + 5, 0);
	unit_outb(vm, S + 7, 0xA0);
	ata_write_words(S, cdb, 12);
	unit_outb(vm, BM + 8, BM_CMD_READ | BM_CMD_START);
	for (int i = 0; i < 5000 && !(unit_inb(vm, BM + 8 + 2) & BM_ST_INTR); i++)
		usleep(1000);
	unit_outb(vm, BM + 8, 0);
	return unit_inb(vm, S + 7);
}

/* REQUEST SENSE: key << 16 | asc << 8 | ascq */
static uint32_t sense(void)
{
	uint8_t cdb[12] = { 0x03, 0, 0, 0, 18 };
	packet(cdb, 0xFFFE);
	return (uint32_t)(reply[2] & 0xF) << 16 | reply[12] << 8 | reply[13];
}

static uint8_t tur(void)
{
	uint8_t cdb[12] = { 0 };
	return packet(cdb, 0);
}

static uint8_t gesn(void)
{
	uint8_t cdb[12] = { 0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8 };
	packet(cdb, 0xFFFE);
	return reply[4];
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir))
		return 2;
	char *cd1 = make_iso("one.iso", 512, 1);
	char *cd2 = make_iso("two.iso", 300, 2);
	struct vm_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.file = "test.cfg";
	cfg.disks[2] = (struct disk_spec){ .present = true, .path = cd1, .index = 2, .kind = DISK_CDROM,
					   .readonly = true, .line = 2, .col = 1 };
	cfg.disks[3] = (struct disk_spec){ .present = true, .path = "", .index = 3, .kind = DISK_CDROM,
					   .readonly = true, .line = 2, .col = 40 };
	vm = unit_vm_new(32, &cfg, (const char *const[]){ "pci", NULL });
	CHECK(pc_create_part(vm, "ide") == 0, "IDE with a CD on hdc and an empty CD drive on hdd");
	ata_bm_enable();
	struct blockdev *bd = vm_find_block(vm, "ide1-cd0");
	CHECK(bd && bd == vm_find_block(vm, "hdc"), "CD found as ide1-cd0 and hdc");
	CHECK(vm_find_block(vm, "ide1-cd1") != NULL, "empty CD drive found as ide1-cd1");

	/* signature */
	CHECK(unit_inb(vm, S + 4) == 0x14 && unit_inb(vm, S + 5) == 0xEB, "ATAPI signature after power-on");
	unit_outb(vm, S + 6, 0xA0);
	unit_outb(vm, S + 7, 0xEC);
	CHECK((unit_inb(vm, S + 7) & ST_ERR) && (unit_inb(vm, S + 1) & ER_ABRT),
	      "IDENTIFY DEVICE aborts on a CD");
	CHECK(unit_inb(vm, S + 4) == 0x14 && unit_inb(vm, S + 5) == 0xEB,
	      "... and shows the packet signature");
	unsigned before = unit_irqs.rises[15];
	unit_outb(vm, S + 7, 0xA1);
	CHECK_EQ(unit_irqs.rises[15], before + 1, "IDENTIFY PACKET raises IRQ 15");
	uint8_t id[512];
	ata_read_words(S, id, 512);
	CHECK_EQ(ld16(id), 0x85C0, "IDENTIFY PACKET word 0: ATAPI CD-ROM, removable");
	CHECK(ld16(id + 49 * 2) & (1 << 8), "DMA supported");

	/* basics */
	CHECK_EQ(tur() & ST_ERR, 0, "TEST UNIT READY with a medium");
	uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };
	CHECK_EQ(packet(inq, 0xFFFE) & ST_ERR, 0, "INQUIRY");
	CHECK(reply_len == 36 && reply[0] == 0x05 && (reply[1] & 0x80), "INQUIRY: removable CD/DVD device");
	CHECK(!memcmp(reply + 16, "VMSTATION CD-ROM", 16), "INQUIRY product");
	inq[4] = 5;
	packet(inq, 0xFFFE);
	CHECK_EQ(reply_len, 6, "INQUIRY honours the allocation length (odd length padded to a word)");
	uint8_t cap[12] = { 0x25 };
	packet(cap, 0xFFFE);
	CHECK(reply_len == 8 && ld32be(reply) == 511 && ld32be(reply + 4) == 2048,
	      "READ CAPACITY: last LBA 511, 2048-byte blocks");

	/* READ(10), byte count limit 2048: one DRQ block per sector */
	uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 2 };
	before = unit_irqs.rises[15];
	uint8_t st = packet(rd, 2048);
	CHECK(!(st & ST_ERR) && reply_len == 4096 && matches(reply, 3, 2, 1), "READ(10) of 2 sectors");
	CHECK_EQ(drq_blocks, 2, "two DRQ blocks with a 2048-byte limit");
	CHECK_EQ(unit_inb(vm, S + 2) & 3, 3, "interrupt reason: command complete (I/O, C/D)");
	/* larger than the 64 KiB buffer */
	uint8_t rd12[12] = { 0xA8, 0, 0, 0, 0, 100, 0, 0, 0, 50 };
	st = packet(rd12, 0xFFFE);
	CHECK(!(st & ST_ERR) && reply_len == 50 * 2048 && matches(reply, 100, 50, 1), "READ(12) of 50 sectors");
	/* odd byte count limit */
	rd[5] = 7; rd[8] = 1;
	st = packet(rd, 1001);
	CHECK(!(st & ST_ERR) && reply_len == 2048 && matches(reply, 7, 1, 1), "READ(10) with a 1000-byte limit");
	/* past the end */
	rd[2] = 0; rd[3] = 0; rd[4] = 0x01; rd[5] = 0xFF; rd[8] = 2;
	st = packet(rd, 2048);
	CHECK((st & ST_ERR) && (unit_inb(vm, S + 1) >> 4) == 5, "READ past the last sector: ILLEGAL REQUEST");
	CHECK_EQ(sense(), 0x052100, "sense 5/21/00 LBA out of range");
	CHECK_EQ(sense(), 0, "sense cleared after REQUEST SENSE");

	/* DMA */
	memset(vm->ram + 0x40000, 0, 4 * 2048);
	uint8_t rdd[12] = { 0x28, 0, 0, 0, 0, 20, 0, 0, 4 };
	st = packet_dma(rdd, 0x40000, 4 * 2048);
	CHECK(!(st & ST_ERR) && matches(vm->ram + 0x40000, 20, 4, 1), "READ(10) by DMA");
	CHECK_EQ(unit_inb(vm, S + 2) & 3, 3, "DMA completion: interrupt reason I/O C/D");
	memset(vm->ram + 0x50000, 0, 64);
	st = packet_dma(cap, 0x50000, 8);
	CHECK(!(st & ST_ERR) && ld32be(vm->ram + 0x50000) == 511, "READ CAPACITY by DMA");

	/* TOC */
	uint8_t toc[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0x03, 0x24 };
	packet(toc, 0xFFFE);
	CHECK(reply_len == 20 && ld16be(reply) == 18 && reply[2] == 1 && reply[3] == 1, "READ TOC format 0: one track");
	CHECK(reply[6] == 1 && reply[14] == 0xAA && ld32be(reply + 16) == 512, "lead-out at LBA 512");
	toc[1] = 2;
	packet(toc, 0xFFFE);
	CHECK(reply[9] == 0 && reply[10] == 2 && reply[11] == 0, "track 1 at MSF 00:02:00");
	CHECK(reply[17] == 0 && reply[18] == 8 && reply[19] == 62, "lead-out at MSF 00:08:62 (512+150 frames)");
	toc[1] = 0; toc[2] = 1;
	packet(toc, 0xFFFE);
	CHECK(reply_len == 12 && ld16be(reply) == 10, "READ TOC format 1: session info");
	toc[1] = 2; toc[2] = 2;
	packet(toc, 0xFFFE);
	CHECK(reply_len == 48 && reply[4 + 3] == 0xA0 && reply[4 + 11 + 3] == 0xA1 && reply[4 + 22 + 3] == 0xA2,
	      "READ TOC format 2: A0, A1, A2 and track 1");
	toc[2] = 5;
	CHECK(packet(toc, 0xFFFE) & ST_ERR, "READ TOC format 5 refused");
	sense();

	/* MODE SENSE(10) */
	uint8_t ms[12] = { 0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 64 };
	packet(ms, 0xFFFE);
	CHECK(reply_len == 28 && reply[8] == 0x2A && ld16be(reply) == 26, "MODE SENSE capabilities page");
	CHECK((reply[8 + 6] & 0x29) == 0x29, "tray loading, eject and lock supported");
	ms[2] = 0x3F;
	packet(ms, 0xFFFE);
	CHECK(reply_len == 40 && reply[8] == 0x01 && reply[20] == 0x2A, "MODE SENSE all pages");
	ms[2] = 0x33;
	CHECK(packet(ms, 0xFFFE) & ST_ERR, "MODE SENSE of an unknown page refused");
	CHECK_EQ(sense(), 0x052400, "invalid field in CDB");

	/* GET CONFIGURATION, READ DISC INFORMATION, MECHANISM STATUS */
	uint8_t gc[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 200 };
	packet(gc, 0xFFFE);
	CHECK(reply_len > 8 && ld16be(reply + 6) == 0x0008 && ld32be(reply) == reply_len - 4,
	      "GET CONFIGURATION: current profile CD-ROM");
	gc[1] = 2; gc[3] = 0x03;
	packet(gc, 0xFFFE);
	CHECK(reply_len == 16 && ld16be(reply + 8) == 0x0003, "GET CONFIGURATION one feature (removable medium)");
	uint8_t di[12] = { 0x51, 0, 0, 0, 0, 0, 0, 0, 34 };
	packet(di, 0xFFFE);
	CHECK(reply_len == 34 && reply[2] == 0x0E, "READ DISC INFORMATION: complete disc");
	uint8_t mech[12] = { 0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8 };
	packet(mech, 0xFFFE);
	CHECK(reply_len == 8 && !(reply[1] & 0x10), "MECHANISM STATUS: tray closed");
	uint8_t bad[12] = { 0xD7 };
	CHECK(packet(bad, 0xFFFE) & ST_ERR, "unknown opcode refused");
	CHECK_EQ(sense(), 0x052000, "invalid command operation code");

	/* media events */
	CHECK_EQ(gesn(), 0, "no media event at first");
	CHECK_EQ(reply[5], 2, "GESN: medium present, tray closed");
	char err[256];
	CHECK(block_eject(bd, false, err, sizeof(err)) == 0, "eject through the block layer");
	CHECK((tur() & ST_ERR) && (unit_inb(vm, S + 1) >> 4) == 2, "TEST UNIT READY after eject: NOT READY");
	CHECK_EQ(sense() >> 8, 0x023A, "sense 2/3A medium not present");
	CHECK_EQ(gesn(), 3, "GESN reports media removal");
	uint8_t capst = packet(cap, 0xFFFE);
	CHECK(capst & ST_ERR, "READ CAPACITY with no medium fails");
	CHECK(block_change(bd, "/nonexistent.iso", true, err, sizeof(err)) < 0 && strstr(err, "nonexistent"),
	      "change to a missing file fails with its name: %s", err);
	CHECK(block_change(bd, cd2, true, err, sizeof(err)) == 0, "change to another ISO");
	CHECK_EQ(gesn(), 2, "GESN reports new media");
	packet(inq, 0xFFFE);
	CHECK(!(unit_inb(vm, S + 7) & ST_ERR), "INQUIRY does not report the unit attention");
	CHECK((tur() & ST_ERR) && (unit_inb(vm, S + 1) >> 4) == 6,
	      "TEST UNIT READY after change: UNIT ATTENTION");
	CHECK_EQ(sense(), 0x062800, "sense 6/28 medium may have changed");
	CHECK_EQ(tur() & ST_ERR, 0, "then ready");
	rd[2] = 0; rd[3] = 0; rd[4] = 0; rd[5] = 9; rd[8] = 2;
	packet(rd, 0xFFFE);
	CHECK(reply_len == 4096 && matches(reply, 9, 2, 2), "READ(10) returns the new medium's data");
	packet(cap, 0xFFFE);
	CHECK_EQ(ld32be(reply), 299, "READ CAPACITY of the new medium");

	/* lock: eject refused, eject request event; guest tray */
	uint8_t prevent[12] = { 0x1E, 0, 0, 0, 1 };
	CHECK_EQ(packet(prevent, 0) & ST_ERR, 0, "PREVENT MEDIUM REMOVAL");
	CHECK(block_eject(bd, false, err, sizeof(err)) < 0 && strstr(err, "is locked"),
	      "monitor eject of a locked drive refused: %s", err);
	CHECK_EQ(gesn(), 1, "GESN reports the eject request");
	uint8_t eject[12] = { 0x1B, 0, 0, 0, 0x02 };
	CHECK(packet(eject, 0) & ST_ERR, "guest eject while locked refused");
	CHECK_EQ(sense(), 0x055302, "sense 5/53/02 medium removal prevented");
	prevent[4] = 0;
	packet(prevent, 0);
	CHECK_EQ(packet(eject, 0) & ST_ERR, 0, "guest eject after ALLOW");
	CHECK((tur() & ST_ERR) && sense() == 0x023A02, "tray open: medium not present, tray open");
	packet(mech, 0xFFFE);
	CHECK(reply[1] & 0x10, "MECHANISM STATUS: tray open");
	uint8_t load[12] = { 0x1B, 0, 0, 0, 0x03 };
	CHECK_EQ(packet(load, 0) & ST_ERR, 0, "guest load");
	CHECK((tur() & ST_ERR) && sense() == 0x062800, "unit attention after the tray closes on a medium");
	CHECK_EQ(tur() & ST_ERR, 0, "ready again");
	prevent[4] = 1;
	packet(prevent, 0);
	CHECK(block_eject(bd, true, err, sizeof(err)) == 0, "eject -f of a locked drive");
	CHECK(tur() & ST_ERR, "no medium after forced eject");
	CHECK(block_change(bd, cd1, true, err, sizeof(err)) == 0, "insert the first ISO again");
	tur();
	sense();

	/* the empty drive on hdd */
	CHECK(packet_unit(1, (uint8_t[12]){ 0 }, 0) & ST_ERR, "empty drive: TEST UNIT READY fails");
	unit_outb(vm, S + 6, 0xB0);
	uint8_t sc[12] = { 0x03, 0, 0, 0, 18 };
	packet_unit(1, sc, 0xFFFE);
	CHECK(reply[2] == 2 && reply[12] == 0x3A, "empty drive: medium not present");
	CHECK(packet_unit(1, rd, 0xFFFE) & ST_ERR, "empty drive: READ fails");

	/* DEVICE RESET */
	unit_outb(vm, S + 6, 0xA0);
	unit_outb(vm, S + 7, 0x08);
	CHECK(unit_inb(vm, S + 4) == 0x14 && unit_inb(vm, S + 5) == 0xEB && unit_inb(vm, S + 7) == 0,
	      "DEVICE RESET: signature, status 0");

	/* garbage: all opcodes with random CDBs in PIO and DMA; must not crash */
	for (unsigned op = 0; op < 256; op++) {
		uint8_t cdb[12];
		for (int i = 0; i < 12; i++)
			cdb[i] = (uint8_t)(op * 31 + i * 7);
		cdb[0] = (uint8_t)op;
		packet(cdb, (uint16_t)(op * 97));
	}
	CHECK(1, "every opcode with odd fields survived");

	vm_destroy(vm);
	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		return 2;
	free(cmd);
	free(cd1);
	free(cd2);
	return UNIT_DONE();
}
