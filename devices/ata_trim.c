/*
 * DATA SET MANAGEMENT, TRIM (ACS-2 7.10): the guest sends, by DMA, blocks of
 * 64 LBA range entries (bits 47:0 the first sector, 63:48 the count, 0 =
 * unused) and the drive may forget those sectors. The ranges go to the
 * block layer's discard on the drive's worker thread, so no image I/O runs
 * under the channel lock; a reset meanwhile drops the completion.
 *
 * Offered (IDENTIFY word 169 bit 0) on writable disks unless the config
 * says no-discard; a range beyond the disk aborts the command, as ACS-2
 * requires, after the ranges before it were done.
 */
#include "devices/ide.h"
#include "core/util.h"

#define SECTOR 512

static void trim_job(struct block_job *job)
{
	struct ide_drive *d = container_of(job, struct ide_drive, trim_job);
	bool ok = true;
	for (unsigned i = 0; i < d->trim_n && ok; i++) {
		uint64_t e = d->trim_ranges[i];
		uint64_t lba = e & 0xFFFFFFFFFFFFull, n = e >> 48;
		if (!n)
			continue;
		if (lba >= d->sectors || n > d->sectors - lba)
			ok = false;
		else
			ok = block_discard(d->bd, lba * SECTOR, n * SECTOR) == 0;
	}
	pthread_mutex_lock(&d->ch->lock);
	if (d->trim_gen == d->ch->gen) {
		if (ok)
			ide_cmd_ok(d);
		else
			ide_cmd_error(d, ER_ABRT);
	}
	pthread_mutex_unlock(&d->ch->lock);
}

/* The range blocks have arrived in d->buf (channel lock held, on the worker). */
static void ranges_done(struct ide_drive *d, bool ok)
{
	if (!ok) {
		ide_cmd_error(d, ER_ABRT);
		return;
	}
	/*
	 * This runs as the worker's DMA job, so an earlier trim job has finished
	 * and trim_ranges is free; the copy keeps later PIO from touching them.
	 */
	d->trim_n = MIN(d->trim_blocks, ATA_TRIM_MAX_BLOCKS) * 64;
	for (unsigned i = 0; i < d->trim_n; i++)
		d->trim_ranges[i] = ld64(d->buf + 8 * i);
	d->status = ST_DRDY | ST_BSY;
	d->trim_gen = d->ch->gen;
	d->trim_job.fn = trim_job;
	block_submit(d->bd, &d->trim_job);
}

void ata_trim_command(struct ide_drive *d)
{
	uint32_t blocks = (uint32_t)d->hob_nsector << 8 | d->nsector;
	/* feature bit 0 is TRIM; a count of 0 is reserved */
	if (!d->trim || !(d->feature & 1) || !blocks || blocks > ATA_TRIM_MAX_BLOCKS) {
		ide_cmd_error(d, ER_ABRT);
		return;
	}
	d->trim_blocks = blocks;      /* the task file may change before the data is in */
	struct ide_dma_req r = {
		.to_memory = false, .from_buffer = true, .len = (uint64_t)blocks * SECTOR,
		.done = ranges_done,
	};
	ide_dma_submit(d, &r);
}
