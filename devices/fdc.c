/*
 * Floppy disk controller, Intel 82077AA in PC-AT mode.
 *
 * Registers (82077AA datasheet section 2): 0x3F2 DOR (drive select, !RESET,
 * DMA/IRQ gate, motors), 0x3F4 MSR (read) / DSR (write: data rate, software
 * reset), 0x3F5 FIFO, 0x3F7 DIR (read: disk change line) / CCR (write: data
 * rate). 0x3F6 belongs to the IDE controller.
 *
 * Commands run to completion when their last byte is written: data moves
 * through ISA DMA channel 2 sector by sector until terminal count or the
 * end of the track, then IRQ 6 and the result phase. If the guest has not
 * unmasked the DMA channel yet, the controller holds DREQ and resumes when
 * it does. Sectors are addressed by the C/H/R of the command (an implied
 * seek), as the image has no physical track layout. A read at a data rate
 * the medium was not written at fails to find an address mark, which is how
 * SeaBIOS and Linux sense the medium type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/block.h"
#include "devices/fdc.h"
#include "devices/isadma.h"
#include "core/util.h"
#include "core/vm.h"

#define FD_SECTOR 512
#define FD_DMA_CHAN 2
#define FD_IRQ 6

/* DSR/CCR rate codes */
#define R500K 0
#define R300K 1
#define R250K 2
#define R1M   3

struct fd_format {
	uint32_t size;
	uint8_t tracks, heads, spt;
	uint8_t rates;      /* bit mask of accepted rate codes */
	uint8_t cmos;
};

/* Standard PC formats, smallest first. */
static const struct fd_format formats[] = {
	{ 163840,  40, 1, 8,  1 << R250K | 1 << R300K, 1 },
	{ 184320,  40, 1, 9,  1 << R250K | 1 << R300K, 1 },
	{ 327680,  40, 2, 8,  1 << R250K | 1 << R300K, 1 },
	{ 368640,  40, 2, 9,  1 << R250K | 1 << R300K, 1 },
	{ 737280,  80, 2, 9,  1 << R250K, 3 },
	{ 1228800, 80, 2, 15, 1 << R500K, 2 },
	{ 1474560, 80, 2, 18, 1 << R500K, 4 },
	{ 1638400, 80, 2, 20, 1 << R500K, 4 },
	{ 1720320, 80, 2, 21, 1 << R500K, 4 },
	{ 1763328, 82, 2, 21, 1 << R500K, 4 },
	{ 2949120, 80, 2, 36, 1 << R1M, 5 },
};

/* Exact size, else the smallest format that holds the image (the rest reads as zeros). */
static const struct fd_format *format_for(uint64_t size)
{
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (formats[i].size == size)
			return &formats[i];
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (formats[i].size > size && size)
			return &formats[i];
	return NULL;
}

struct fdrive {
	struct blockdev *bd;
	struct fdc *fdc;
	const struct fd_format *fmt;   /* NULL: no usable medium */
	int cmos_type;
	uint8_t track;
	bool changed;                  /* disk change line */
	bool seek_done;                /* SENSE INTERRUPT pending */
	uint8_t seek_st0;
};

enum phase { PH_IDLE, PH_CMD, PH_EXEC, PH_RESULT };

struct fdc {
	struct vm *vm;
	pthread_mutex_t lock;
	struct isadma *dma;
	struct fdrive drv[2];
	uint8_t dor, tdr, rate;
	bool in_reset;
	enum phase phase;
	uint8_t cmd[9];
	unsigned cmd_len, cmd_need;
	uint8_t res[10];
	unsigned res_len, res_pos;
	int reset_sense;               /* SENSE INTERRUPTs owed after a reset */
	bool irq_pending, irq_level;
	uint8_t srt_hut, hlt_nd, config, pretrk, perp;
	bool lock_cfg;
	uint8_t sector[FD_SECTOR];
};

static void update_irq(struct fdc *f)
{
	bool level = f->irq_pending && (f->dor & 0x08);
	if (level != f->irq_level) {
		f->irq_level = level;
		vm_set_irq(f->vm, FD_IRQ, level);
	}
}

static void raise_irq(struct fdc *f)
{
	f->irq_pending = true;
	update_irq(f);
}

static void lower_irq(struct fdc *f)
{
	f->irq_pending = false;
	update_irq(f);
}

static void result(struct fdc *f, const uint8_t *r, unsigned n, bool irq)
{
	memcpy(f->res, r, n);
	f->res_len = n;
	f->res_pos = 0;
	f->phase = PH_RESULT;
	if (irq)
		raise_irq(f);
}

static void invalid(struct fdc *f)
{
	uint8_t st0 = 0x80;
	result(f, &st0, 1, false);
}

static void controller_reset(struct fdc *f)
{
	f->phase = PH_IDLE;
	f->cmd_len = f->cmd_need = 0;
	f->res_len = f->res_pos = 0;
	for (int i = 0; i < 2; i++)
		f->drv[i].seek_done = false;
	if (!f->lock_cfg) {
		f->config = 0x20;      /* FIFO disabled, polling enabled */
		f->pretrk = 0;
	}
	f->perp = 0;
	isadma_set_dreq(f->dma, FD_DMA_CHAN, false);
	lower_irq(f);
}

/* Reset released: the controller interrupts and owes four SENSE INTERRUPTs. */
static void reset_done(struct fdc *f)
{
	f->reset_sense = 4;
	raise_irq(f);
}

/* ---- data transfer -------------------------------------------------------- */

static struct fdrive *drive_of(struct fdc *f, uint8_t ds)
{
	return (ds & 3) < 2 ? &f->drv[ds & 3] : NULL;
}

static uint64_t image_size(struct fdrive *dr)
{
	return dr->bd ? block_size(dr->bd) : 0;
}

/* Can the drive's medium be read at the current data rate? */
static bool readable(struct fdc *f, struct fdrive *dr)
{
	return dr && dr->fmt && block_has_medium(dr->bd) && (dr->fmt->rates & (1u << f->rate));
}

static uint64_t sector_offset(const struct fd_format *fm, unsigned c, unsigned h, unsigned r)
{
	return (((uint64_t)c * fm->heads + h) * fm->spt + (r - 1)) * FD_SECTOR;
}

static bool load_sector(struct fdrive *dr, uint64_t off, uint8_t *buf)
{
	uint64_t size = image_size(dr);
	memset(buf, 0, FD_SECTOR);
	if (off >= size)
		return true;            /* beyond a short image: zeros */
	size_t n = (size_t)MIN((uint64_t)FD_SECTOR, size - off);
	return block_read(dr->bd, off, buf, n) >= 0;
}

static bool store_sector(struct fdrive *dr, uint64_t off, const uint8_t *buf)
{
	uint64_t size = image_size(dr);
	if (off >= size)
		return false;           /* a short image cannot grow */
	size_t n = (size_t)MIN((uint64_t)FD_SECTOR, size - off);
	return block_write(dr->bd, off, buf, n) >= 0;
}

static void data_result(struct fdc *f, uint8_t st0, uint8_t st1, uint8_t st2,
			uint8_t c, uint8_t h, uint8_t r, uint8_t n)
{
	uint8_t res[7] = { st0, st1, st2, c, h, r, n };
	isadma_set_dreq(f->dma, FD_DMA_CHAN, false);
	result(f, res, 7, true);
}

static void exec_data(struct fdc *f);
static void exec_format(struct fdc *f);

/* READ DATA / WRITE DATA, sector by sector through DMA. */
static void exec_data(struct fdc *f)
{
	uint8_t *cmd = f->cmd;
	bool write = (cmd[0] & 0x1F) == 0x05;
	bool mt = cmd[0] & 0x80;
	uint8_t ds = cmd[1] & 3, hds = (cmd[1] >> 2) & 1;
	uint8_t st0 = (uint8_t)(hds << 2 | ds);
	uint8_t c = cmd[2], h = cmd[3], r = cmd[4], n = cmd[5], eot = cmd[6];
	struct fdrive *dr = drive_of(f, ds);

	if (!readable(f, dr)) {
		data_result(f, st0 | 0x40, 0x05, 0x00, c, h, r, n);   /* no address mark */
		return;
	}
	const struct fd_format *fm = dr->fmt;
	if (write && dr->bd->readonly) {
		data_result(f, st0 | 0x40, 0x02, 0x00, c, h, r, n);   /* not writable */
		return;
	}
	if (f->hlt_nd & 1) {    /* non-DMA mode is not modelled */
		data_result(f, st0 | 0x40, 0x10, 0x00, c, h, r, n);
		return;
	}
	if (!isadma_channel_enabled(f->dma, FD_DMA_CHAN)) {
		/* hold DREQ; isadma calls back when the guest unmasks channel 2 */
		f->phase = PH_EXEC;
		isadma_set_dreq(f->dma, FD_DMA_CHAN, true);
		return;
	}
	dr->track = c;
	for (;;) {
		if (n != 2 || c >= fm->tracks || h >= fm->heads || !r || r > fm->spt) {
			data_result(f, st0 | 0x40, 0x04, 0x00, c, h, r, n);  /* no data */
			return;
		}
		uint64_t off = sector_offset(fm, c, h, r);
		bool tc = false;
		size_t moved;
		if (write) {
			moved = isadma_transfer(f->dma, FD_DMA_CHAN, f->sector, FD_SECTOR, false, &tc);
			if (moved < FD_SECTOR)
				memset(f->sector + moved, 0, FD_SECTOR - moved);
			if (moved && !store_sector(dr, off, f->sector)) {
				data_result(f, st0 | 0x40, 0x20, 0x20, c, h, r, n); /* data error */
				return;
			}
			if (moved)
				f->vm->stats.disk_wr_bytes += FD_SECTOR;
		} else {
			if (!load_sector(dr, off, f->sector)) {
				data_result(f, st0 | 0x40, 0x20, 0x20, c, h, r, n);
				return;
			}
			moved = isadma_transfer(f->dma, FD_DMA_CHAN, f->sector, FD_SECTOR, true, &tc);
			f->vm->stats.disk_rd_bytes += moved;
		}
		if (moved < FD_SECTOR && !tc) {
			/* the channel stopped without terminal count: overrun */
			data_result(f, st0 | 0x40, 0x10, 0x00, c, h, r, n);
			return;
		}
		/* next sector; 82077AA "result phase termination values" table */
		if (r == eot) {
			r = 1;
			if (mt && h == 0 && fm->heads == 2) {
				h = 1;
				if (!tc) {          /* multi-track: carry on with side 1 */
					hds = 1;
					st0 = (uint8_t)(hds << 2 | ds);
					continue;
				}
			} else {
				c++;
				if (mt)
					h = 0;
			}
			if (tc)
				data_result(f, st0, 0x00, 0x00, c, h, r, n);
			else    /* ran off the end of the cylinder without terminal count */
				data_result(f, st0 | 0x40, 0x80, 0x00, c, h, r, n);
			return;
		}
		r++;
		if (tc) {
			data_result(f, st0, 0x00, 0x00, c, h, r, n);
			return;
		}
	}
}

/* FORMAT TRACK: four ID bytes per sector through DMA, sector filled with D. */
static void exec_format(struct fdc *f)
{
	uint8_t *cmd = f->cmd;
	uint8_t ds = cmd[1] & 3, hds = (cmd[1] >> 2) & 1;
	uint8_t st0 = (uint8_t)(hds << 2 | ds);
	uint8_t n = cmd[2], sc = cmd[3], fill = cmd[5];
	struct fdrive *dr = drive_of(f, ds);

	if (!readable(f, dr)) {
		data_result(f, st0 | 0x40, 0x05, 0x00, 0, 0, 0, n);
		return;
	}
	if (dr->bd->readonly) {
		data_result(f, st0 | 0x40, 0x02, 0x00, 0, 0, 0, n);
		return;
	}
	if (!isadma_channel_enabled(f->dma, FD_DMA_CHAN)) {
		f->phase = PH_EXEC;
		isadma_set_dreq(f->dma, FD_DMA_CHAN, true);
		return;
	}
	const struct fd_format *fm = dr->fmt;
	uint8_t id[4] = { 0, 0, 0, n };
	for (unsigned i = 0; i < sc; i++) {
		bool tc = false;
		if (isadma_transfer(f->dma, FD_DMA_CHAN, id, 4, false, &tc) < 4) {
			data_result(f, st0 | 0x40, 0x10, 0x00, id[0], id[1], id[2], id[3]);
			return;
		}
		if (id[3] != 2 || id[0] >= fm->tracks || id[1] >= fm->heads || !id[2] ||
		    id[2] > fm->spt) {
			data_result(f, st0 | 0x40, 0x04, 0x00, id[0], id[1], id[2], id[3]);
			return;
		}
		memset(f->sector, fill, FD_SECTOR);
		if (!store_sector(dr, sector_offset(fm, id[0], id[1], id[2]), f->sector)) {
			data_result(f, st0 | 0x40, 0x20, 0x00, id[0], id[1], id[2], id[3]);
			return;
		}
		dr->track = id[0];
		if (tc)
			break;
	}
	data_result(f, st0, 0x00, 0x00, id[0], id[1], id[2], id[3]);
}

/* isadma: channel 2 was unmasked while we hold DREQ. */
static void dma_kick(void *opaque)
{
	struct fdc *f = opaque;
	pthread_mutex_lock(&f->lock);
	if (f->phase == PH_EXEC) {
		switch (f->cmd[0] & 0x1F) {
		case 0x05: case 0x06: exec_data(f); break;
		case 0x0D: exec_format(f); break;
		}
	}
	pthread_mutex_unlock(&f->lock);
}

/* ---- commands ------------------------------------------------------------- */

/* Bytes (including the opcode) each command takes; 0 = invalid. */
static unsigned cmd_length(uint8_t op)
{
	switch (op & 0x1F) {
	case 0x03: return 3;   /* SPECIFY */
	case 0x04: return 2;   /* SENSE DRIVE STATUS */
	case 0x05: case 0x06: return 9;  /* WRITE / READ DATA */
	case 0x07: return 2;   /* RECALIBRATE */
	case 0x08: return 1;   /* SENSE INTERRUPT STATUS */
	case 0x0A: return 2;   /* READ ID */
	case 0x0D: return 6;   /* FORMAT TRACK */
	case 0x0E: return 1;   /* DUMPREG */
	case 0x0F: return 3;   /* SEEK */
	case 0x10: return 1;   /* VERSION */
	case 0x12: return 2;   /* PERPENDICULAR MODE */
	case 0x13: return 4;   /* CONFIGURE */
	case 0x14: return 1;   /* LOCK / UNLOCK */
	}
	return 0;
}

static void seek_to(struct fdc *f, uint8_t ds, uint8_t cyl)
{
	uint8_t hds = (ds >> 2) & 1;
	struct fdrive *dr = drive_of(f, ds);
	if (!dr || !dr->bd) {
		/* no drive: the track 0 signal never comes (equipment check) */
		if (dr) {
			dr->seek_done = true;
			dr->seek_st0 = (uint8_t)(0x70 | hds << 2 | (ds & 3));
		}
		raise_irq(f);
		f->phase = PH_IDLE;
		return;
	}
	dr->track = cyl;
	if (block_has_medium(dr->bd))
		dr->changed = false;    /* a step with a disk in the drive resets the line */
	dr->seek_done = true;
	dr->seek_st0 = (uint8_t)(0x20 | hds << 2 | (ds & 3));
	f->phase = PH_IDLE;
	raise_irq(f);
}

static void execute(struct fdc *f)
{
	uint8_t *cmd = f->cmd;
	uint8_t op = cmd[0];
	switch (op & 0x1F) {
	case 0x03:
		f->srt_hut = cmd[1];
		f->hlt_nd = cmd[2];
		f->phase = PH_IDLE;
		return;
	case 0x04: {
		struct fdrive *dr = drive_of(f, cmd[1]);
		uint8_t st3 = cmd[1] & 7;
		if (dr && dr->bd) {
			st3 |= 0x20;                     /* ready */
			if (dr->track == 0)
				st3 |= 0x10;
			if (!dr->fmt || dr->fmt->heads == 2)
				st3 |= 0x08;
			if (dr->bd->readonly || !block_has_medium(dr->bd))
				st3 |= 0x40;             /* write protected */
		}
		result(f, &st3, 1, false);
		return;
	}
	case 0x05: case 0x06:
		exec_data(f);
		return;
	case 0x07:
		seek_to(f, cmd[1], 0);
		return;
	case 0x08: {
		uint8_t r[2];
		lower_irq(f);
		if (f->reset_sense > 0) {
			int d = 4 - f->reset_sense--;
			r[0] = (uint8_t)(0xC0 | d);
			r[1] = d < 2 ? f->drv[d].track : 0;
			result(f, r, 2, false);
			return;
		}
		for (int d = 0; d < 2; d++) {
			if (f->drv[d].seek_done) {
				f->drv[d].seek_done = false;
				r[0] = f->drv[d].seek_st0;
				r[1] = f->drv[d].track;
				result(f, r, 2, false);
				return;
			}
		}
		invalid(f);
		return;
	}
	case 0x0A: {
		uint8_t ds = cmd[1] & 3, hds = (cmd[1] >> 2) & 1;
		struct fdrive *dr = drive_of(f, ds);
		uint8_t st0 = (uint8_t)(hds << 2 | ds);
		if (!readable(f, dr) || hds >= dr->fmt->heads)
			data_result(f, st0 | 0x40, 0x05, 0x00, 0, 0, 0, 0);
		else
			data_result(f, st0, 0, 0, dr->track, hds, 1, 2);
		return;
	}
	case 0x0D:
		exec_format(f);
		return;
	case 0x0E: {
		uint8_t r[10] = { f->drv[0].track, f->drv[1].track, 0, 0, f->srt_hut, f->hlt_nd,
				  0, (uint8_t)((f->lock_cfg ? 0x80 : 0) | (f->perp & 0x7F)),
				  f->config, f->pretrk };
		result(f, r, 10, false);
		return;
	}
	case 0x0F:
		seek_to(f, cmd[1], cmd[2]);
		return;
	case 0x10: {
		uint8_t v = 0x90;       /* 82077AA and later */
		result(f, &v, 1, false);
		return;
	}
	case 0x12:
		f->perp = cmd[1];
		f->phase = PH_IDLE;
		return;
	case 0x13:
		f->config = cmd[2];
		f->pretrk = cmd[3];
		f->phase = PH_IDLE;
		return;
	case 0x14: {
		if (op != 0x14 && op != 0x94) {
			invalid(f);
			return;
		}
		f->lock_cfg = op & 0x80;
		uint8_t v = f->lock_cfg ? 0x10 : 0x00;
		result(f, &v, 1, false);
		return;
	}
	}
	invalid(f);
}

static void fifo_write(struct fdc *f, uint8_t v)
{
	if (f->phase == PH_RESULT || f->phase == PH_EXEC)
		return;
	if (f->phase == PH_IDLE) {
		f->cmd_need = cmd_length(v);
		if (!f->cmd_need) {
			invalid(f);
			return;
		}
		f->cmd_len = 0;
		f->phase = PH_CMD;
	}
	f->cmd[f->cmd_len++] = v;
	if (f->cmd_len == f->cmd_need)
		execute(f);
}

static uint8_t fifo_read(struct fdc *f)
{
	if (f->phase != PH_RESULT)
		return 0;
	lower_irq(f);
	uint8_t v = f->res[f->res_pos++];
	if (f->res_pos >= f->res_len)
		f->phase = PH_IDLE;
	return v;
}

static uint8_t msr(struct fdc *f)
{
	if (f->in_reset)
		return 0;
	switch (f->phase) {
	case PH_CMD:    return 0x90;          /* RQM, busy */
	case PH_EXEC:   return 0x10;          /* busy, waiting for DMA */
	case PH_RESULT: return 0xD0;          /* RQM, DIO, busy */
	default:        return 0x80;
	}
}

static uint64_t fdc_read(void *opaque, uint64_t off, unsigned size)
{
	struct fdc *f = opaque;
	(void)size;
	uint8_t v = 0xFF;
	pthread_mutex_lock(&f->lock);
	switch (off) {
	case 0: case 1: v = 0xFF; break;      /* status A/B: PS/2 mode only */
	case 2: v = f->dor; break;
	case 3: v = f->tdr; break;
	case 4: v = msr(f); break;
	case 5: v = fifo_read(f); break;
	case 7: {
		struct fdrive *dr = drive_of(f, f->dor & 3);
		v = dr && dr->changed ? 0x80 : 0x00;
		break;
	}
	}
	pthread_mutex_unlock(&f->lock);
	return v;
}

static void fdc_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct fdc *f = opaque;
	uint8_t v = (uint8_t)val;
	(void)size;
	pthread_mutex_lock(&f->lock);
	switch (off) {
	case 2: {
		uint8_t old = f->dor;
		f->dor = v;
		if (!(v & 0x04)) {
			if (!f->in_reset)
				controller_reset(f);
			f->in_reset = true;
		} else if (!(old & 0x04) || f->in_reset) {
			f->in_reset = false;
			reset_done(f);
		}
		update_irq(f);
		break;
	}
	case 3: f->tdr = v & 3; break;
	case 4:                                   /* DSR */
		f->rate = v & 3;
		if (v & 0x80) {                   /* software reset, self-clearing */
			controller_reset(f);
			reset_done(f);
		}
		break;
	case 5: fifo_write(f, v); break;
	case 7: f->rate = v & 3; break;           /* CCR */
	}
	pthread_mutex_unlock(&f->lock);
}

static uint64_t dir_read(void *opaque, uint64_t off, unsigned size)
{
	return fdc_read(opaque, off + 7, size);
}

static void dir_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	fdc_write(opaque, off + 7, val, size);
}

static const struct io_ops fdc_ops = { fdc_read, fdc_write };
static const struct io_ops dir_ops = { dir_read, dir_write };

/* ---- media and set-up ------------------------------------------------------ */

static void set_format(struct fdrive *dr)
{
	uint64_t size = block_has_medium(dr->bd) ? block_size(dr->bd) : 0;
	dr->fmt = size ? format_for(size) : NULL;
}

static void media_changed(void *opaque, bool eject_request)
{
	struct fdrive *dr = opaque;
	if (eject_request)
		return;
	pthread_mutex_lock(&dr->fdc->lock);
	set_format(dr);
	dr->changed = true;
	pthread_mutex_unlock(&dr->fdc->lock);
}

int fdc_cmos_type(struct vm *vm, int drive)
{
	struct fdc *f = vm_lookup(vm, "fdc");
	if (!f || drive < 0 || drive > 1)
		return 0;
	return f->drv[drive].cmos_type;
}

static int add_drive(struct fdc *f, int i, const struct floppy_spec *fs)
{
	struct fdrive *dr = &f->drv[i];
	const char *file = f->vm->cfg->file ? f->vm->cfg->file : "config";
	char qname[16], cname[8];
	snprintf(qname, sizeof(qname), "floppy%d", i & 1);
	snprintf(cname, sizeof(cname), "fd%c", 'a' + i);
	dr->fdc = f;
	dr->bd = block_new(BLK_FLOPPY, qname, cname);
	dr->cmos_type = 4;                  /* an empty drive is a 1.44M 3.5" one */
	dr->changed = true;                 /* the line is active after power-on */
	if (*fs->path) {
		char err[512];
		if (block_insert(dr->bd, fs->path, fs->readonly, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s:%d:%d: %s: %s\n", file, fs->line, fs->col, cname, err);
			return -1;
		}
		set_format(dr);
		if (!dr->fmt) {
			fprintf(stderr, "%s:%d:%d: %s: '%s' is %llu bytes; a floppy image is at most "
				"2949120 bytes (2.88 MB) and not empty\n", file, fs->line, fs->col,
				cname, fs->path, (unsigned long long)block_size(dr->bd));
			return -1;
		}
		dr->cmos_type = dr->fmt->cmos;
	}
	dr->bd->on_change = media_changed;
	dr->bd->opaque = dr;
	vm_add_block(f->vm, dr->bd);
	return 0;
}

static void fdc_reset(void *opaque)
{
	struct fdc *f = opaque;
	pthread_mutex_lock(&f->lock);
	f->dor = 0x0C;            /* out of reset, DMA and IRQ enabled (BIOS view at power-on) */
	f->in_reset = false;
	f->rate = R500K;
	f->lock_cfg = false;
	f->srt_hut = f->hlt_nd = 0;
	controller_reset(f);
	f->reset_sense = 0;
	for (int i = 0; i < 2; i++)
		f->drv[i].track = 0;
	pthread_mutex_unlock(&f->lock);
}

static void fdc_free(void *opaque)
{
	struct fdc *f = opaque;
	for (int i = 0; i < 2; i++)
		block_free(f->drv[i].bd);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

int fdc_create(struct vm *vm)
{
	struct fdc *f = xzalloc(sizeof(*f));
	f->vm = vm;
	pthread_mutex_init(&f->lock, NULL);
	f->dma = isadma_of(vm);
	vm_add_free_hook(vm, fdc_free, f);
	for (int i = 0; i < 2; i++)
		if (vm->cfg && vm->cfg->fd[i].path && add_drive(f, i, &vm->cfg->fd[i]) < 0)
			return -1;
	if (!f->dma)
		msg_warn("fdc: no ISA DMA controller; floppy transfers will fail");
	if (vm_register_pio(vm, 0x3F0, 6, &fdc_ops, f, "fdc") < 0 ||
	    vm_register_pio(vm, 0x3F7, 1, &dir_ops, f, "fdc-dir") < 0) {
		msg_error("fdc: floppy controller ports are already taken");
		return -1;
	}
	isadma_set_kick(f->dma, FD_DMA_CHAN, dma_kick, f);
	vm_add_reset_hook(vm, fdc_reset, f);
	fdc_reset(f);
	vm_publish(vm, "fdc", f);
	return 0;
}
