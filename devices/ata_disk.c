/*
 * ATA hard disk commands (ATA/ATAPI-6): IDENTIFY DEVICE, PIO reads and
 * writes (single and MULTIPLE), DMA reads and writes, LBA28, LBA48 and CHS
 * addressing, FLUSH CACHE, SET FEATURES, SET MULTIPLE MODE, INITIALIZE
 * DEVICE PARAMETERS and the small housekeeping commands guests send.
 *
 * Called with the channel lock held. Every sector range is checked against
 * the image size before any data moves; a read-only image fails writes with
 * ABRT before the data phase.
 */
#include <string.h>

#include "devices/ide.h"
#include "core/util.h"

#define SECTOR 512
#define MAX_MULT 16

void ata_disk_init(struct ide_drive *d)
{
	d->sectors = block_size(d->bd) / SECTOR;
	d->heads = 16;
	d->spt = 63;
	uint64_t c = d->sectors / (16 * 63);
	d->cyls = (uint32_t)(c > 16383 ? 16383 : c ? c : 1);
	d->cur_heads = d->heads;
	d->cur_spt = d->spt;
	d->wcache = true;
}

static void identify(struct ide_drive *d)
{
	uint16_t w[256];
	memset(w, 0, sizeof(w));
	uint64_t lba28 = MIN(d->sectors, 0x0FFFFFFFull);
	uint32_t cur_cap = d->cyls * d->cur_heads * d->cur_spt;
	w[0] = 0x0040;                     /* fixed device */
	w[1] = (uint16_t)d->cyls;
	w[3] = (uint16_t)d->heads;
	w[6] = (uint16_t)d->spt;
	ide_put_string(&w[10], d->serial, 10);
	ide_put_string(&w[23], "1.0", 4);
	ide_put_string(&w[27], d->model, 20);
	w[47] = 0x8000 | MAX_MULT;
	w[48] = 1;                         /* 32-bit PIO allowed */
	w[49] = (1 << 11) | (1 << 9) | (1 << 8); /* IORDY, LBA, DMA */
	w[51] = 0x200;
	w[52] = 0x200;
	w[53] = 0x0007;                    /* words 54-58, 64-70, 88 valid */
	w[54] = (uint16_t)d->cyls;
	w[55] = (uint16_t)d->cur_heads;
	w[56] = (uint16_t)d->cur_spt;
	w[57] = (uint16_t)cur_cap;
	w[58] = (uint16_t)(cur_cap >> 16);
	if (d->mult)
		w[59] = 0x100 | d->mult;
	w[60] = (uint16_t)lba28;
	w[61] = (uint16_t)(lba28 >> 16);
	w[63] = 0x07;                      /* multiword DMA 0-2 */
	w[64] = 0x03;                      /* PIO 3-4 */
	w[65] = 120; w[66] = 120; w[67] = 120; w[68] = 120;
	w[69] = d->trim ? 1 << 14 : 0;     /* reads after TRIM are deterministic */
	w[80] = 0xFE;                      /* ATA-1 .. ATA8-ACS (Linux wants 8 for TRIM) */
	w[82] = (1 << 14) | (1 << 5);      /* NOP, write cache */
	w[83] = (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10); /* FLUSH EXT, FLUSH, LBA48 */
	w[84] = 1 << 14;
	w[85] = (1 << 14) | (d->wcache ? 1 << 5 : 0);
	w[86] = (1 << 13) | (1 << 12) | (1 << 10);
	w[87] = 1 << 14;
	w[88] = 0x3F;                      /* UDMA 0-5 */
	uint8_t m = d->xfer_mode;
	if ((m & 0xF8) == 0x20)
		w[63] |= 0x100 << (m & 7);
	if ((m & 0xF8) == 0x40)
		w[88] |= 0x100 << (m & 7);
	w[93] = d->unit ? 0x4B00 : 0x407F; /* reset result (80-wire cable detected on 0) */
	w[100] = (uint16_t)d->sectors;
	w[101] = (uint16_t)(d->sectors >> 16);
	w[102] = (uint16_t)(d->sectors >> 32);
	w[103] = (uint16_t)(d->sectors >> 48);
	w[105] = d->trim ? ATA_TRIM_MAX_BLOCKS : 0;
	w[169] = d->trim ? 1 : 0;          /* DATA SET MANAGEMENT: TRIM */
	for (int i = 0; i < 256; i++)
		st16(d->buf + 2 * i, w[i]);
}

static void pio_done(struct ide_drive *d)
{
	d->pos = d->end = 0;
	d->end_fn = NULL;
	d->status = ST_DRDY | ST_DSC;
}

static bool is_lba48(uint8_t cmd)
{
	switch (cmd) {
	case 0x24: case 0x25: case 0x29: case 0x34: case 0x35: case 0x39:
	case 0x42: case 0x27: case 0xEA: case 0x06:
		return true;
	}
	return false;
}

/* Decode the start sector; false if the CHS address is impossible. */
static bool get_lba(struct ide_drive *d, bool lba48, uint64_t *lba)
{
	if (lba48) {
		*lba = (uint64_t)d->hob_lbah << 40 | (uint64_t)d->hob_lbam << 32 |
		       (uint64_t)d->hob_lbal << 24 | (uint64_t)d->lbah << 16 |
		       (uint64_t)d->lbam << 8 | d->lbal;
		return true;
	}
	if (d->select & 0x40) {
		*lba = (uint64_t)(d->select & 0x0F) << 24 | (uint64_t)d->lbah << 16 |
		       (uint64_t)d->lbam << 8 | d->lbal;
		return true;
	}
	uint32_t cyl = (uint32_t)d->lbah << 8 | d->lbam;
	uint32_t head = d->select & 0x0F, sect = d->lbal;
	if (!sect || sect > d->cur_spt || head >= d->cur_heads || !d->cur_spt)
		return false;
	*lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_spt + sect - 1;
	return true;
}

/* Put a sector address back into the task file (last sector done, or the failing one). */
static void set_lba(struct ide_drive *d, bool lba48, uint64_t lba)
{
	if (lba48) {
		d->lbal = (uint8_t)lba; d->lbam = (uint8_t)(lba >> 8); d->lbah = (uint8_t)(lba >> 16);
		d->hob_lbal = (uint8_t)(lba >> 24); d->hob_lbam = (uint8_t)(lba >> 32);
		d->hob_lbah = (uint8_t)(lba >> 40);
	} else if (d->select & 0x40) {
		d->lbal = (uint8_t)lba; d->lbam = (uint8_t)(lba >> 8); d->lbah = (uint8_t)(lba >> 16);
		d->select = (d->select & 0xF0) | ((lba >> 24) & 0x0F);
	} else if (d->cur_spt && d->cur_heads) {
		uint64_t cyl = lba / ((uint64_t)d->cur_heads * d->cur_spt);
		uint32_t rem = (uint32_t)(lba % ((uint64_t)d->cur_heads * d->cur_spt));
		d->lbah = (uint8_t)(cyl >> 8);
		d->lbam = (uint8_t)cyl;
		d->select = (d->select & 0xF0) | ((rem / d->cur_spt) & 0x0F);
		d->lbal = (uint8_t)(rem % d->cur_spt + 1);
	}
}

static uint32_t get_count(struct ide_drive *d, bool lba48)
{
	if (lba48) {
		uint32_t n = (uint32_t)d->hob_nsector << 8 | d->nsector;
		return n ? n : 65536;
	}
	return d->nsector ? d->nsector : 256;
}

/* Validate the transfer of the current command; on failure the command has ended. */
static bool setup_transfer(struct ide_drive *d)
{
	bool lba48 = is_lba48(d->cmd);
	uint64_t lba;
	if (!get_lba(d, lba48, &lba)) {
		ide_cmd_error(d, ER_IDNF | ER_ABRT);
		return false;
	}
	uint32_t n = get_count(d, lba48);
	if (lba >= d->sectors || n > d->sectors - lba) {
		set_lba(d, lba48, lba);
		ide_cmd_error(d, ER_IDNF);
		return false;
	}
	d->lba = lba;
	d->left = n;
	return true;
}

static void read_error(struct ide_drive *d)
{
	set_lba(d, is_lba48(d->cmd), d->lba);
	ide_cmd_error(d, ER_UNC);
}

/* ---- PIO ---------------------------------------------------------------- */

static unsigned block_sectors(struct ide_drive *d, bool multiple)
{
	return multiple ? d->mult : 1;
}

static bool cmd_is_multiple(uint8_t cmd)
{
	return cmd == 0xC4 || cmd == 0x29 || cmd == 0xC5 || cmd == 0x39;
}

static void pio_read_next(struct ide_drive *d);

static void pio_read_done(struct ide_drive *d)
{
	d->lba += d->block;
	d->left -= d->block;
	set_lba(d, is_lba48(d->cmd), d->lba - 1);
	if (d->left)
		pio_read_next(d);
	else
		pio_done(d);          /* no interrupt after the last data-in block */
}

static void pio_read_next(struct ide_drive *d)
{
	uint32_t n = MIN(d->left, block_sectors(d, cmd_is_multiple(d->cmd)));
	if (block_read(d->bd, d->lba * SECTOR, d->buf, (size_t)n * SECTOR) < 0) {
		read_error(d);
		return;
	}
	ide_account(d, false, (uint64_t)n * SECTOR);
	d->block = n;
	ide_pio_block(d, n * SECTOR, pio_read_done, true);
}

static void pio_write_done(struct ide_drive *d)
{
	if (block_write(d->bd, d->lba * SECTOR, d->buf, (size_t)d->block * SECTOR) < 0 ||
	    (!d->wcache && block_flush(d->bd) < 0)) {
		set_lba(d, is_lba48(d->cmd), d->lba);
		ide_cmd_error(d, ER_ABRT);
		return;
	}
	ide_account(d, true, (uint64_t)d->block * SECTOR);
	d->lba += d->block;
	d->left -= d->block;
	set_lba(d, is_lba48(d->cmd), d->lba - 1);
	if (!d->left) {
		ide_cmd_ok(d);
		return;
	}
	d->block = MIN(d->left, block_sectors(d, cmd_is_multiple(d->cmd)));
	ide_pio_block(d, d->block * SECTOR, pio_write_done, true);
}

static void pio_write_start(struct ide_drive *d)
{
	d->block = MIN(d->left, block_sectors(d, cmd_is_multiple(d->cmd)));
	ide_pio_block(d, d->block * SECTOR, pio_write_done, false);
}

/* ---- DMA ---------------------------------------------------------------- */

static void dma_done(struct ide_drive *d, bool ok)
{
	if (ok && !d->wcache && (d->cmd == 0xCA || d->cmd == 0xCB || d->cmd == 0x35))
		ok = block_flush(d->bd) == 0;
	if (ok) {
		set_lba(d, is_lba48(d->cmd), d->lba + d->left - 1);
		ide_cmd_ok(d);
	} else {
		set_lba(d, is_lba48(d->cmd), d->lba);
		ide_cmd_error(d, ER_ABRT);
	}
}

static void dma_start(struct ide_drive *d, bool to_memory)
{
	struct ide_dma_req r = {
		.to_memory = to_memory, .offset = d->lba * SECTOR,
		.len = (uint64_t)d->left * SECTOR, .done = dma_done,
	};
	ide_dma_submit(d, &r);
}

/* ---- flush on the worker -------------------------------------------------- */

static void flush_job(struct block_job *job)
{
	struct ide_drive *d = container_of(job, struct ide_drive, flush_job);
	int r = block_flush(d->bd);
	pthread_mutex_lock(&d->ch->lock);
	d->flush_running = false;
	if (d->flush_gen == d->ch->gen) {
		if (r == 0)
			ide_cmd_ok(d);
		else
			ide_cmd_error(d, ER_ABRT);
	}
	pthread_mutex_unlock(&d->ch->lock);
}

static void flush(struct ide_drive *d)
{
	if (d->flush_running) {   /* an abandoned flush is still queued: do it here */
		if (block_flush(d->bd) == 0)
			ide_cmd_ok(d);
		else
			ide_cmd_error(d, ER_ABRT);
		return;
	}
	d->status = ST_DRDY | ST_BSY;
	d->flush_running = true;
	d->flush_gen = d->ch->gen;
	d->flush_job.fn = flush_job;
	block_submit(d->bd, &d->flush_job);
}

/* ---- small commands ------------------------------------------------------ */

static void set_features(struct ide_drive *d)
{
	switch (d->feature) {
	case 0x02: d->wcache = true; break;
	case 0x82: d->wcache = false; break;
	case 0x03: {                           /* transfer mode in the sector count */
		uint8_t m = d->nsector;
		uint8_t kind = m & 0xF8, n = m & 7;
		bool ok = m <= 1 || (kind == 0x08 && n <= 4) ||
			  (kind == 0x20 && n <= 2) || (kind == 0x40 && n <= 5);
		if (!ok) {
			ide_cmd_error(d, ER_ABRT);
			return;
		}
		d->xfer_mode = m;
		break;
	}
	case 0x05: case 0x85: case 0x55: case 0xAA: case 0x66: case 0xCC:
	case 0x31: case 0x42: case 0xC2: case 0x95: case 0x04: case 0x84:
		break;                             /* accepted, nothing to model */
	default:
		ide_cmd_error(d, ER_ABRT);
		return;
	}
	ide_cmd_ok(d);
}

static void read_native_max(struct ide_drive *d, bool lba48)
{
	uint64_t max = d->sectors ? d->sectors - 1 : 0;
	if (lba48) {
		set_lba(d, true, max);
	} else {
		max = MIN(max, 0x0FFFFFFFull);
		d->lbal = (uint8_t)max; d->lbam = (uint8_t)(max >> 8); d->lbah = (uint8_t)(max >> 16);
		d->select = (d->select & 0xF0) | ((max >> 24) & 0x0F);
	}
	ide_cmd_ok(d);
}

static bool writes_refused(struct ide_drive *d)
{
	if (!d->bd->readonly)
		return false;
	ide_cmd_error(d, ER_ABRT);  /* write-protected image */
	return true;
}

void ata_disk_command(struct ide_drive *d, uint8_t cmd)
{
	switch (cmd) {
	case 0xEC:                                   /* IDENTIFY DEVICE */
		identify(d);
		ide_pio_block(d, SECTOR, pio_done, true);
		break;
	case 0x20: case 0x21: case 0x24:             /* READ SECTORS (EXT) */
	case 0xC4: case 0x29:                        /* READ MULTIPLE (EXT) */
		if (cmd_is_multiple(cmd) && !d->mult) {
			ide_cmd_error(d, ER_ABRT);
			break;
		}
		if (setup_transfer(d))
			pio_read_next(d);
		break;
	case 0x30: case 0x31: case 0x34:             /* WRITE SECTORS (EXT) */
	case 0xC5: case 0x39:                        /* WRITE MULTIPLE (EXT) */
		if ((cmd_is_multiple(cmd) && !d->mult) ) {
			ide_cmd_error(d, ER_ABRT);
			break;
		}
		if (!writes_refused(d) && setup_transfer(d))
			pio_write_start(d);
		break;
	case 0xC8: case 0xC9: case 0x25:             /* READ DMA (EXT) */
		if (setup_transfer(d))
			dma_start(d, true);
		break;
	case 0xCA: case 0xCB: case 0x35:             /* WRITE DMA (EXT) */
		if (!writes_refused(d) && setup_transfer(d))
			dma_start(d, false);
		break;
	case 0x40: case 0x41: case 0x42:             /* READ VERIFY SECTORS (EXT) */
		if (setup_transfer(d))
			ide_cmd_ok(d);
		break;
	case 0x06:                                   /* DATA SET MANAGEMENT */
		if (!writes_refused(d))
			ata_trim_command(d);
		break;
	case 0xE7: case 0xEA:                        /* FLUSH CACHE (EXT) */
		flush(d);
		break;
	case 0xEF:                                   /* SET FEATURES */
		set_features(d);
		break;
	case 0xC6:                                   /* SET MULTIPLE MODE */
		if (d->nsector > MAX_MULT || (d->nsector & (d->nsector - 1))) {
			ide_cmd_error(d, ER_ABRT);
		} else {
			d->mult = d->nsector;
			ide_cmd_ok(d);
		}
		break;
	case 0x91:                                   /* INITIALIZE DEVICE PARAMETERS */
		d->cur_heads = (d->select & 0x0F) + 1u;
		d->cur_spt = d->nsector;
		ide_cmd_ok(d);
		break;
	case 0xF8:                                   /* READ NATIVE MAX ADDRESS */
		read_native_max(d, false);
		break;
	case 0x27:                                   /* READ NATIVE MAX ADDRESS EXT */
		read_native_max(d, true);
		break;
	case 0xE5: case 0x98:                        /* CHECK POWER MODE: active */
		d->nsector = 0xFF;
		ide_cmd_ok(d);
		break;
	case 0x70:                                   /* SEEK */
	case 0xE0: case 0xE1: case 0xE2: case 0xE3:  /* standby/idle (immediate) */
	case 0x94: case 0x95: case 0x96: case 0x97:
	case 0xE6: case 0x99:                        /* SLEEP */
		ide_cmd_ok(d);
		break;
	default:
		if ((cmd & 0xF0) == 0x10) {              /* RECALIBRATE */
			ide_cmd_ok(d);
			break;
		}
		/* NOP, DEVICE RESET, PACKET, IDENTIFY PACKET, SMART, security...: abort */
		ide_cmd_error(d, ER_ABRT);
		break;
	}
}
