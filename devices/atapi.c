/*
 * ATAPI CD-ROM: the PACKET protocol (ATA/ATAPI-6 section 9.8) and the MMC
 * commands that firmware, boot loaders and Linux's sr driver send.
 *
 * A reply is either built in d->buf (INQUIRY, MODE SENSE, TOC, ...) or read
 * from the image in 2048-byte sectors (READ). PIO replies go out in DRQ
 * blocks no larger than the byte count limit the guest put in the cylinder
 * registers; DMA replies go to the bus-master engine.
 *
 * Media changes: after an insert, the next media-access command reports
 * UNIT ATTENTION / 28h "not ready to ready change" once, and GET EVENT
 * STATUS NOTIFICATION reports "new media"; an empty drive answers NOT READY
 * / 3Ah "medium not present".
 */
#include <string.h>

#include "devices/ide.h"
#include "core/util.h"

#define CD_SECTOR 2048

/* sense keys and additional sense codes (SPC/MMC) */
#define SK_NO_SENSE 0x0
#define SK_NOT_READY 0x2
#define SK_MEDIUM_ERROR 0x3
#define SK_ILLEGAL_REQUEST 0x5
#define SK_UNIT_ATTENTION 0x6
#define ASC_INVALID_OPCODE 0x20
#define ASC_LBA_OUT_OF_RANGE 0x21
#define ASC_INVALID_FIELD 0x24
#define ASC_MEDIUM_CHANGED 0x28
#define ASC_SAVING_UNSUPPORTED 0x39
#define ASC_NO_MEDIUM 0x3A
#define ASC_REMOVAL_PREVENTED 0x53
#define ASC_READ_ERROR 0x11

/* interrupt reason in the sector count register */
#define IR_COD 0x01
#define IR_IO  0x02

static void packet_received(struct ide_drive *d);

void atapi_init(struct ide_drive *d)
{
	d->sense_key = SK_NO_SENSE;
	d->unit_attention = false;
	d->media_event = 0;
}

void atapi_media_changed(struct ide_drive *d, bool eject_request)
{
	if (eject_request) {
		d->media_event = 1;
		return;
	}
	if (block_has_medium(d->bd)) {
		d->media_event = 2;
		d->unit_attention = true;
	} else {
		d->media_event = 3;
	}
}

static uint64_t capacity(struct ide_drive *d)
{
	return block_size(d->bd) / CD_SECTOR;
}

/* ---- completion ----------------------------------------------------------- */

static void cmd_ok(struct ide_drive *d)
{
	d->pos = d->end = 0;
	d->end_fn = NULL;
	d->status = ST_DRDY | ST_DSC;
	d->error = 0;
	d->nsector = (d->nsector & ~7) | IR_IO | IR_COD;
	ide_raise_irq(d->ch);
}

static void check_condition(struct ide_drive *d, uint8_t key, uint8_t asc, uint8_t ascq)
{
	d->sense_key = key;
	d->asc = asc;
	d->ascq = ascq;
	d->pos = d->end = 0;
	d->end_fn = NULL;
	d->status = ST_DRDY | ST_ERR;
	d->error = (uint8_t)(key << 4);
	d->nsector = (d->nsector & ~7) | IR_IO | IR_COD;
	ide_raise_irq(d->ch);
}

static void not_ready(struct ide_drive *d)
{
	bool open;
	pthread_mutex_lock(&d->bd->lock);
	open = d->bd->tray_open;
	pthread_mutex_unlock(&d->bd->lock);
	check_condition(d, SK_NOT_READY, ASC_NO_MEDIUM, open ? 0x02 : 0x01);
}

static void invalid_field(struct ide_drive *d)
{
	check_condition(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
}

/* ---- data phase ----------------------------------------------------------- */

static void send_next(struct ide_drive *d);

static void chunk_done(struct ide_drive *d)
{
	d->xfer_left -= d->block;
	send_next(d);
}

/* Next PIO DRQ block of the reply, refilling the buffer from the image for READs. */
static void send_next(struct ide_drive *d)
{
	if (!d->xfer_left) {
		d->sense_key = SK_NO_SENSE;
		cmd_ok(d);
		return;
	}
	bool reading = d->next_lba != UINT64_MAX;
	if (d->pos >= d->buf_len) {
		if (!reading) {      /* cannot happen: a built reply is fully buffered */
			cmd_ok(d);
			return;
		}
		uint64_t n = MIN(d->xfer_left / CD_SECTOR, (uint64_t)IDE_BUF_SIZE / CD_SECTOR);
		if (block_read(d->bd, d->next_lba * CD_SECTOR, d->buf, n * CD_SECTOR) < 0) {
			if (block_has_medium(d->bd))
				check_condition(d, SK_MEDIUM_ERROR, ASC_READ_ERROR, 0);
			else
				not_ready(d);
			return;
		}
		ide_account(d, false, n * CD_SECTOR);
		d->next_lba += n;
		d->buf_len = (uint32_t)(n * CD_SECTOR);
		d->pos = 0;
	}
	uint32_t limit = d->byte_limit;
	uint64_t avail = MIN((uint64_t)(d->buf_len - d->pos), d->xfer_left);
	uint32_t chunk;
	if (avail <= limit)
		chunk = (uint32_t)avail;
	else if (reading && limit >= CD_SECTOR)
		chunk = limit / CD_SECTOR * CD_SECTOR;
	else
		chunk = limit;
	d->block = chunk;
	d->end = d->pos + chunk;
	d->end_fn = chunk_done;
	d->lbam = (uint8_t)chunk;
	d->lbah = (uint8_t)(chunk >> 8);
	d->nsector = (d->nsector & ~7) | IR_IO;
	d->status = ST_DRDY | ST_DSC | ST_DRQ;
	ide_raise_irq(d->ch);
}

static void dma_done(struct ide_drive *d, bool ok)
{
	if (ok) {
		d->sense_key = SK_NO_SENSE;
		cmd_ok(d);
	} else if (!block_has_medium(d->bd)) {
		not_ready(d);
	} else {
		check_condition(d, SK_MEDIUM_ERROR, ASC_READ_ERROR, 0);
	}
}

/* Send the len bytes built in d->buf (already cut to the allocation length). */
static void reply(struct ide_drive *d, uint32_t len)
{
	if (len > IDE_BUF_SIZE)
		len = IDE_BUF_SIZE;
	d->next_lba = UINT64_MAX;
	if (!len) {
		d->sense_key = SK_NO_SENSE;
		cmd_ok(d);
		return;
	}
	if (d->packet_dma) {
		struct ide_dma_req r = { .to_memory = true, .from_buffer = true,
					 .len = len, .done = dma_done };
		ide_dma_submit(d, &r);
		return;
	}
	d->buf_len = len;
	d->pos = 0;
	d->xfer_left = len;
	send_next(d);
}

static void reply_truncated(struct ide_drive *d, uint32_t len, uint32_t alloc)
{
	reply(d, MIN(len, alloc));
}

static void read_sectors(struct ide_drive *d, uint64_t lba, uint64_t count)
{
	uint64_t cap = capacity(d);
	if (lba > cap || count > cap - lba) {
		check_condition(d, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
		return;
	}
	if (!count) {
		d->sense_key = SK_NO_SENSE;
		cmd_ok(d);
		return;
	}
	if (d->packet_dma) {
		struct ide_dma_req r = { .to_memory = true, .offset = lba * CD_SECTOR,
					 .len = count * CD_SECTOR, .done = dma_done };
		ide_dma_submit(d, &r);
		return;
	}
	d->next_lba = lba;
	d->xfer_left = count * CD_SECTOR;
	d->buf_len = 0;
	d->pos = 0;
	send_next(d);
}

/* ---- replies ------------------------------------------------------------- */

static void lba_to_msf(uint8_t *p, uint64_t lba)
{
	lba += 150;
	p[0] = (uint8_t)(lba / (75 * 60));
	p[1] = (uint8_t)((lba / 75) % 60);
	p[2] = (uint8_t)(lba % 75);
}

/* Track address in a TOC entry: LBA or (0, M, S, F). */
static void put_addr(uint8_t *p, uint64_t lba, bool msf)
{
	if (msf) {
		p[0] = 0;
		lba_to_msf(p + 1, lba);
	} else {
		st32be(p, (uint32_t)lba);
	}
}

static uint32_t build_toc(struct ide_drive *d, const uint8_t *cdb, bool *bad)
{
	uint8_t *b = d->buf;
	bool msf = cdb[1] & 2;
	unsigned format = cdb[2] & 0x0F;
	if (!format)
		format = cdb[9] >> 6;   /* SFF-8020 placed it in the control byte */
	unsigned start = cdb[6];
	uint64_t cap = capacity(d);
	uint32_t n = 4;
	memset(b, 0, 64);
	switch (format) {
	case 0:
		if (start > 1 && start != 0xAA) {
			*bad = true;
			return 0;
		}
		b[2] = 1;
		b[3] = 1;
		if (start <= 1) {
			b[n + 1] = 0x14;    /* data track, ADR 1 */
			b[n + 2] = 1;
			put_addr(b + n + 4, 0, msf);
			n += 8;
		}
		b[n + 1] = 0x14;
		b[n + 2] = 0xAA;            /* lead-out */
		put_addr(b + n + 4, cap, msf);
		n += 8;
		break;
	case 1:                             /* session information */
		b[2] = 1;
		b[3] = 1;
		b[n + 1] = 0x14;
		b[n + 2] = 1;
		put_addr(b + n + 4, 0, msf);
		n += 8;
		break;
	case 2: {                           /* full TOC: A0, A1, A2, track 1 */
		b[2] = 1;
		b[3] = 1;
		static const uint8_t points[4] = { 0xA0, 0xA1, 0xA2, 0x01 };
		for (int i = 0; i < 4; i++) {
			uint8_t *e = b + n;
			e[0] = 1;               /* session */
			e[1] = 0x14;
			e[3] = points[i];
			if (points[i] == 0xA0) {
				e[8] = 1;       /* first track */
			} else if (points[i] == 0xA1) {
				e[8] = 1;       /* last track */
			} else if (points[i] == 0xA2) {
				lba_to_msf(e + 8, cap);
			} else {
				lba_to_msf(e + 8, 0);
			}
			n += 11;
		}
		break;
	}
	default:
		*bad = true;
		return 0;
	}
	st16be(b, (uint16_t)(n - 2));
	return n;
}

static uint32_t build_mode_sense(struct ide_drive *d, const uint8_t *cdb, bool *bad)
{
	uint8_t *b = d->buf;
	unsigned page = cdb[2] & 0x3F, pc = cdb[2] >> 6;
	if (pc == 3) {
		check_condition(d, SK_ILLEGAL_REQUEST, ASC_SAVING_UNSUPPORTED, 0);
		*bad = true;
		return UINT32_MAX;
	}
	memset(b, 0, 64);
	uint32_t n = 8;                     /* mode parameter header (10) */
	bool changeable = pc == 1;
	if (page == 0x01 || page == 0x3F) {
		uint8_t *p = b + n;
		p[0] = 0x01;
		p[1] = 0x0A;
		if (!changeable)
			p[3] = 0x05;        /* read retry count */
		n += 12;
	}
	if (page == 0x2A || page == 0x3F) {
		uint8_t *p = b + n;
		p[0] = 0x2A;
		p[1] = 0x12;
		if (!changeable) {
			bool locked;
			pthread_mutex_lock(&d->bd->lock);
			locked = d->bd->locked;
			pthread_mutex_unlock(&d->bd->lock);
			p[4] = 0x71;        /* audio play, composite, digital ports, multisession */
			p[5] = 0x60;        /* CD-DA commands, stream accurate */
			p[6] = 0x29 | (locked ? 0x02 : 0); /* tray, eject, lock (+ state) */
			st16be(p + 8, 706);  /* max speed, KB/s (4x) */
			st16be(p + 10, 256); /* volume levels */
			st16be(p + 12, 512); /* buffer, KiB */
			st16be(p + 14, 706); /* current speed */
		}
		n += 20;
	}
	if (n == 8) {
		*bad = true;
		return 0;
	}
	st16be(b, (uint16_t)(n - 2));
	return n;
}

/* One feature descriptor for GET CONFIGURATION. */
static uint32_t feature(uint8_t *p, uint16_t code, uint8_t flags, const uint8_t *data, uint8_t len)
{
	st16be(p, code);
	p[2] = flags;
	p[3] = len;
	memcpy(p + 4, data, len);
	return 4u + len;
}

static uint32_t build_configuration(struct ide_drive *d, const uint8_t *cdb)
{
	uint8_t *b = d->buf;
	unsigned rt = cdb[1] & 3;
	uint16_t first = ld16be(cdb + 2);
	bool medium = block_has_medium(d->bd);
	memset(b, 0, 128);
	uint32_t n = 8;
	struct { uint16_t code; uint8_t flags; uint8_t len; uint8_t data[8]; } f[] = {
		{ 0x0000, 0x03, 4, { 0x00, 0x08, medium ? 0x01 : 0x00, 0 } }, /* profile list: CD-ROM */
		{ 0x0001, 0x0B, 8, { 0, 0, 0, 2, 0x01, 0, 0, 0 } },           /* core: ATAPI */
		{ 0x0002, 0x07, 4, { 0x02, 0, 0, 0 } },                       /* morphing: OCEvent */
		{ 0x0003, 0x03, 4, { 0x29, 0, 0, 0 } },                       /* removable: tray, eject, lock */
		{ 0x0010, medium ? 0x01 : 0x00, 8, { 0, 0, 0x08, 0, 0, 1, 0, 0 } }, /* random readable */
		{ 0x001E, 0x08 | (medium ? 0x01 : 0x00), 4, { 0, 0, 0, 0 } },  /* CD read */
	};
	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		bool current = f[i].flags & 1;
		if ((rt == 0 && f[i].code >= first) || (rt == 1 && current && f[i].code >= first) ||
		    (rt == 2 && f[i].code == first))
			n += feature(b + n, f[i].code, f[i].flags, f[i].data, f[i].len);
	}
	st32be(b, n - 4);
	st16be(b + 6, medium ? 0x0008 : 0x0000);   /* current profile */
	return n;
}

static uint32_t build_event_status(struct ide_drive *d, const uint8_t *cdb)
{
	uint8_t *b = d->buf;
	memset(b, 0, 8);
	b[3] = 0x10;                        /* supported classes: media */
	if (!(cdb[4] & 0x10)) {
		b[1] = 2;
		b[2] = 0x80;                /* no event available */
		return 4;
	}
	bool medium, open;
	pthread_mutex_lock(&d->bd->lock);
	medium = block_attached_locked(d->bd);
	open = d->bd->tray_open;
	pthread_mutex_unlock(&d->bd->lock);
	b[1] = 6;
	b[2] = 0x04;                        /* media class */
	b[4] = d->media_event;
	b[5] = (medium && !open ? 0x02 : 0) | (open ? 0x01 : 0);
	d->media_event = 0;
	return 8;
}

/* ---- command dispatch ----------------------------------------------------- */

static bool needs_medium(uint8_t op)
{
	switch (op) {
	case 0x00: case 0x25: case 0x28: case 0xA8: case 0x2B: case 0x43:
	case 0x51: case 0xBE:
		return true;
	}
	return false;
}

/* Commands that run despite a pending unit attention (MMC). */
static bool ignores_unit_attention(uint8_t op)
{
	return op == 0x03 || op == 0x12 || op == 0x46 || op == 0x4A;
}

static void execute(struct ide_drive *d)
{
	uint8_t cdb[12];
	memcpy(cdb, d->buf, 12);
	uint8_t op = cdb[0];
	bool bad = false;
	uint32_t n;

	if (d->unit_attention && !ignores_unit_attention(op)) {
		d->unit_attention = false;
		check_condition(d, SK_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
		return;
	}
	if (needs_medium(op) && !block_has_medium(d->bd)) {
		not_ready(d);
		return;
	}
	switch (op) {
	case 0x00:                              /* TEST UNIT READY */
	case 0x2B:                              /* SEEK */
	case 0xBB:                              /* SET CD SPEED */
	case 0x35:                              /* SYNCHRONIZE CACHE */
		d->sense_key = SK_NO_SENSE;
		cmd_ok(d);
		return;
	case 0x03: {                            /* REQUEST SENSE */
		uint8_t *b = d->buf;
		memset(b, 0, 18);
		b[0] = 0x70;
		if (d->unit_attention) {        /* pending, not yet reported */
			d->unit_attention = false;
			b[2] = SK_UNIT_ATTENTION;
			b[12] = ASC_MEDIUM_CHANGED;
		} else {
			b[2] = d->sense_key;
			b[12] = d->asc;
			b[13] = d->ascq;
		}
		b[7] = 10;
		d->sense_key = SK_NO_SENSE;
		d->asc = d->ascq = 0;
		reply_truncated(d, 18, cdb[4]);
		return;
	}
	case 0x12: {                            /* INQUIRY */
		if (cdb[1] & 1) {               /* no vital product data pages */
			invalid_field(d);
			return;
		}
		uint8_t *b = d->buf;
		memset(b, 0, 36);
		b[0] = 0x05;                    /* CD/DVD device */
		b[1] = 0x80;                    /* removable */
		b[2] = 0x00;
		b[3] = 0x21;                    /* ATAPI, response format 1 */
		b[4] = 31;
		memcpy(b + 8, "VMSTN   ", 8);
		memcpy(b + 16, "VMSTATION CD-ROM", 16);
		memcpy(b + 32, "1.0 ", 4);
		reply_truncated(d, 36, ld16be(cdb + 3));
		return;
	}
	case 0x25: {                            /* READ CAPACITY */
		uint64_t cap = capacity(d);
		st32be(d->buf, (uint32_t)(cap ? cap - 1 : 0));
		st32be(d->buf + 4, CD_SECTOR);
		reply(d, 8);
		return;
	}
	case 0x28:                              /* READ(10) */
		read_sectors(d, ld32be(cdb + 2), ld16be(cdb + 7));
		return;
	case 0xA8:                              /* READ(12) */
		read_sectors(d, ld32be(cdb + 2), ld32be(cdb + 6));
		return;
	case 0xBE: {                            /* READ CD: user data only */
		uint32_t count = (uint32_t)cdb[6] << 16 | ld16be(cdb + 7);
		unsigned type = (cdb[1] >> 2) & 7;
		if (cdb[9] == 0 || !count) {
			d->sense_key = SK_NO_SENSE;
			cmd_ok(d);
		} else if ((cdb[9] & 0xF8) == 0x10 && (type == 0 || type == 2)) {
			read_sectors(d, ld32be(cdb + 2), count);
		} else {
			invalid_field(d);
		}
		return;
	}
	case 0x43:                              /* READ TOC/PMA/ATIP */
		n = build_toc(d, cdb, &bad);
		if (bad)
			invalid_field(d);
		else
			reply_truncated(d, n, ld16be(cdb + 7));
		return;
	case 0x5A:                              /* MODE SENSE(10) */
		n = build_mode_sense(d, cdb, &bad);
		if (bad && n != UINT32_MAX)
			invalid_field(d);
		else if (!bad)
			reply_truncated(d, n, ld16be(cdb + 7));
		return;
	case 0x46:                              /* GET CONFIGURATION */
		if ((cdb[1] & 3) == 3) {
			invalid_field(d);
			return;
		}
		n = build_configuration(d, cdb);
		reply_truncated(d, n, ld16be(cdb + 7));
		return;
	case 0x4A:                              /* GET EVENT STATUS NOTIFICATION */
		if (!(cdb[1] & 1)) {            /* only polled operation */
			invalid_field(d);
			return;
		}
		n = build_event_status(d, cdb);
		reply_truncated(d, n, ld16be(cdb + 7));
		return;
	case 0x51: {                            /* READ DISC INFORMATION */
		if (cdb[1] & 7) {
			invalid_field(d);
			return;
		}
		uint8_t *b = d->buf;
		memset(b, 0, 34);
		b[1] = 32;
		b[2] = 0x0E;                    /* complete disc, last session complete */
		b[3] = 1;                       /* first track */
		b[4] = 1;                       /* sessions */
		b[5] = 1;                       /* first track of last session */
		b[6] = 1;                       /* last track of last session */
		b[8] = 0x00;                    /* CD-ROM disc */
		reply_truncated(d, 34, ld16be(cdb + 7));
		return;
	}
	case 0xBD: {                            /* MECHANISM STATUS */
		uint8_t *b = d->buf;
		memset(b, 0, 8);
		pthread_mutex_lock(&d->bd->lock);
		if (d->bd->tray_open)
			b[1] = 0x10;
		pthread_mutex_unlock(&d->bd->lock);
		reply_truncated(d, 8, ld16be(cdb + 8));
		return;
	}
	case 0x1B: {                            /* START STOP UNIT */
		bool start = cdb[4] & 1, loej = cdb[4] & 2;
		if (loej && !start) {
			if (block_set_tray(d->bd, true) < 0) {
				check_condition(d, SK_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED, 2);
				return;
			}
		} else if (loej && start) {
			bool was_open;
			pthread_mutex_lock(&d->bd->lock);
			was_open = d->bd->tray_open;
			pthread_mutex_unlock(&d->bd->lock);
			block_set_tray(d->bd, false);
			if (was_open && block_has_medium(d->bd)) {
				d->unit_attention = true;
				d->media_event = 2;
			}
		}
		d->sense_key = SK_NO_SENSE;
		cmd_ok(d);
		return;
	}
	case 0x1E:                              /* PREVENT ALLOW MEDIUM REMOVAL */
		pthread_mutex_lock(&d->bd->lock);
		d->bd->locked = cdb[4] & 1;
		pthread_mutex_unlock(&d->bd->lock);
		d->sense_key = SK_NO_SENSE;
		cmd_ok(d);
		return;
	default:
		check_condition(d, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
		return;
	}
}

static void packet_received(struct ide_drive *d)
{
	d->pos = d->end = 0;
	d->end_fn = NULL;
	execute(d);
}

/* ---- ATA commands of a packet device --------------------------------------- */

static void identify_packet(struct ide_drive *d)
{
	uint16_t w[256];
	memset(w, 0, sizeof(w));
	w[0] = 0x85C0;          /* ATAPI, CD-ROM, removable, 50 us DRQ, 12-byte packets */
	ide_put_string(&w[10], d->serial, 10);
	ide_put_string(&w[23], "1.0", 4);
	ide_put_string(&w[27], d->model, 20);
	w[49] = (1 << 11) | (1 << 9) | (1 << 8);   /* IORDY, LBA, DMA */
	w[53] = 0x0006;                            /* words 64-70 and 88 valid */
	w[63] = 0x07;
	w[64] = 0x03;
	w[65] = 120; w[66] = 120; w[67] = 120; w[68] = 120;
	w[71] = 30; w[72] = 30;
	w[80] = 0x1E;                              /* ATA/ATAPI-4 .. 6 */
	w[82] = (1 << 14) | (1 << 9) | (1 << 4);   /* NOP, DEVICE RESET, PACKET */
	w[83] = 1 << 14;
	w[84] = 1 << 14;
	w[85] = (1 << 14) | (1 << 9) | (1 << 4);
	w[87] = 1 << 14;
	w[88] = 0x3F;
	uint8_t m = d->xfer_mode;
	if ((m & 0xF8) == 0x20)
		w[63] |= 0x100 << (m & 7);
	if ((m & 0xF8) == 0x40)
		w[88] |= 0x100 << (m & 7);
	w[93] = d->unit ? 0x4B00 : 0x407F;
	for (int i = 0; i < 256; i++)
		st16(d->buf + 2 * i, w[i]);
}

static void pio_in_done(struct ide_drive *d)
{
	d->pos = d->end = 0;
	d->end_fn = NULL;
	d->status = ST_DRDY | ST_DSC;
}

void atapi_command(struct ide_drive *d, uint8_t cmd)
{
	switch (cmd) {
	case 0xA0: {                                /* PACKET */
		if (d->feature & 0x02) {            /* overlapped: not supported */
			ide_cmd_error(d, ER_ABRT);
			return;
		}
		d->packet_dma = d->feature & 0x01;
		uint32_t limit = (uint32_t)d->lbah << 8 | d->lbam;
		if (!limit || limit == 0xFFFF)
			limit = 0xFFFE;
		d->byte_limit = limit & ~1u;
		d->nsector = (d->nsector & ~7) | IR_COD;
		/* 12 command bytes, no interrupt before them (word 0 bits 6:5 = 10b) */
		ide_pio_block(d, 12, packet_received, false);
		return;
	}
	case 0xA1:                                  /* IDENTIFY PACKET DEVICE */
		identify_packet(d);
		ide_pio_block(d, 512, pio_in_done, true);
		return;
	case 0xEC:                                  /* IDENTIFY DEVICE: abort, show signature */
		ide_set_signature(d);
		ide_cmd_error(d, ER_ABRT);
		return;
	case 0x08:                                  /* DEVICE RESET: no interrupt */
		d->pos = d->end = 0;
		d->end_fn = NULL;
		ide_set_signature(d);
		d->status = 0;
		d->error = 0x01;
		return;
	case 0xEF:                                  /* SET FEATURES */
		if (d->feature == 0x03) {
			uint8_t m = d->nsector, kind = m & 0xF8, n = m & 7;
			if (!(m <= 1 || (kind == 0x08 && n <= 4) || (kind == 0x20 && n <= 2) ||
			      (kind == 0x40 && n <= 5))) {
				ide_cmd_error(d, ER_ABRT);
				return;
			}
			d->xfer_mode = m;
		}
		ide_cmd_ok(d);
		return;
	case 0xE5: case 0x98:                       /* CHECK POWER MODE */
		d->nsector = 0xFF;
		ide_cmd_ok(d);
		return;
	case 0xE0: case 0xE1: case 0xE2: case 0xE3: case 0xE6:
		ide_cmd_ok(d);
		return;
	default:
		ide_cmd_error(d, ER_ABRT);
		return;
	}
}
