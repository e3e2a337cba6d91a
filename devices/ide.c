/*
 * PIIX3 IDE controller (PCI 8086:7010 at 00:01.1, prog-if 0x80: both
 * channels in legacy mode, bus mastering): task-file registers, device
 * selection, soft reset, interrupts, the PIO data port and the bus-master
 * DMA engine. Drive commands live in ata_disk.c and atapi.c.
 *
 * Behaviour follows ATA/ATAPI-6 and the Intel 82371SB datasheet (section
 * 2.7, bus master IDE registers): a PRD entry is {u32 address, u16 byte
 * count (0 = 64 KiB), u16 flags with bit 15 = end of table}. When the
 * drive's transfer is shorter than the PRD table, the active bit stays set;
 * when the table is exhausted first, the transfer fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "devices/ide.h"
#include "core/util.h"
#include "core/vm.h"

#define PRD_MAX_ENTRIES 8192   /* a PRD table lives in one 64 KiB region */
#define IOV_MAX_BATCH 64

static struct ide_drive *cur_drive(struct ide_channel *ch)
{
	return &ch->drive[ch->cur];
}

static void update_irq(struct ide_channel *ch)
{
	bool level = ch->irq_pending && !(ch->devctl & DC_NIEN);
	if (level != ch->irq_level) {
		ch->irq_level = level;
		vm_set_irq(ch->ctrl->vm, ch->gsi, level);
	}
}

void ide_raise_irq(struct ide_channel *ch)
{
	ch->irq_pending = true;
	ch->bm_status |= BM_ST_INTR;
	update_irq(ch);
}

void ide_put_string(uint16_t *words, const char *s, int nwords)
{
	size_t n = strlen(s);
	for (int i = 0; i < nwords * 2; i++) {
		char c = (size_t)i < n ? s[i] : ' ';
		uint8_t *w = (uint8_t *)&words[i / 2];
		w[(i & 1) ? 0 : 1] = (uint8_t)c;   /* first character in the high byte */
	}
}

void ide_account(struct ide_drive *d, bool write, uint64_t bytes)
{
	struct vm *vm = d->ch->ctrl->vm;
	if (write)
		vm->stats.disk_wr_bytes += bytes;
	else
		vm->stats.disk_rd_bytes += bytes;
}

void ide_set_signature(struct ide_drive *d)
{
	d->nsector = 1;
	d->lbal = 1;
	if (d->kind == IDE_CDROM) {
		d->lbam = 0x14;
		d->lbah = 0xEB;
	} else {
		d->lbam = 0;
		d->lbah = 0;
	}
	d->select &= 0xF0;
}

void ide_pio_block(struct ide_drive *d, uint32_t len, void (*fn)(struct ide_drive *d), bool irq)
{
	if (len > IDE_BUF_SIZE)
		len = IDE_BUF_SIZE;
	d->pos = 0;
	d->end = len;
	d->end_fn = fn;
	d->status = ST_DRDY | ST_DSC | ST_DRQ;
	if (irq)
		ide_raise_irq(d->ch);
}

static void pio_stop(struct ide_drive *d)
{
	d->pos = d->end = 0;
	d->end_fn = NULL;
}

void ide_cmd_ok(struct ide_drive *d)
{
	pio_stop(d);
	d->status = ST_DRDY | ST_DSC;
	d->error = 0;
	ide_raise_irq(d->ch);
}

void ide_cmd_error(struct ide_drive *d, uint8_t err)
{
	pio_stop(d);
	d->status = ST_DRDY | ST_ERR;
	d->error = err;
	ide_raise_irq(d->ch);
}

/* ---- bus-master DMA ------------------------------------------------------ */

static void dma_job(struct block_job *job);

static bool bus_master_enabled(struct ide_ctrl *c)
{
	return !c->has_pci || (c->pci.config[0x04] & 0x04);
}

/* Start the pending transfer if the guest has set the start bit. */
static void dma_try_start(struct ide_channel *ch)
{
	if (!ch->dma_pending || ch->dma_running || !(ch->bm_cmd & BM_CMD_START) ||
	    !bus_master_enabled(ch->ctrl))
		return;
	struct ide_drive *d = ch->dma_drive;
	ch->dma_pending = false;
	ch->dma_running = true;
	ch->bm_status |= BM_ST_ACTIVE;
	ch->job = (struct ide_dma_job){
		.job.fn = dma_job, .ch = ch, .d = d, .req = ch->dma_req,
		.prd = ch->bm_prd, .gen = ch->gen,
	};
	/* the PRD direction bit must agree with the command */
	if (!!(ch->bm_cmd & BM_CMD_READ) != ch->dma_req.to_memory)
		ch->job.req.len = UINT64_MAX;   /* flags an error in the job */
	block_submit(d->bd, &ch->job.job);
}

void ide_dma_submit(struct ide_drive *d, const struct ide_dma_req *req)
{
	struct ide_channel *ch = d->ch;
	pio_stop(d);
	d->status = ST_DRDY | ST_DSC | ST_BSY;
	ch->dma_req = *req;
	ch->dma_drive = d;
	ch->dma_pending = true;
	dma_try_start(ch);
}

/* Walk the PRD table and move the data; runs on the drive's worker thread. */
static void dma_job(struct block_job *job)
{
	struct ide_dma_job *j = container_of(job, struct ide_dma_job, job);
	struct ide_channel *ch = j->ch;
	struct ide_drive *d = j->d;
	struct vm *vm = ch->ctrl->vm;
	const struct ide_dma_req *r = &j->req;
	bool ok = r->len != UINT64_MAX;
	bool table_left = true;     /* PRD entries remain after the transfer */
	uint64_t done = 0;
	uint32_t prd = j->prd & ~3u;
	struct iovec iov[IOV_MAX_BATCH];
	int niov = 0;
	uint64_t batch = 0;

	for (unsigned e = 0; ok && done + batch < r->len; e++) {
		uint8_t ent[8];
		if (e == PRD_MAX_ENTRIES || !table_left ||
		    vm_read_guest(vm, (uint64_t)prd + 8ull * e, ent, 8) < 0) {
			ok = false;
			break;
		}
		uint32_t addr = ld32(ent) & ~1u;
		uint32_t cnt = ld16(ent + 4);
		if (!cnt)
			cnt = 0x10000;
		cnt &= ~1u;
		if (ent[7] & 0x80)
			table_left = false;
		uint64_t take = MIN((uint64_t)cnt, r->len - done - batch);
		void *h = vm_gpa_to_hva(vm, addr, take);
		if (!h) {
			ok = false;
			break;
		}
		iov[niov].iov_base = h;
		iov[niov].iov_len = take;
		niov++;
		batch += take;
		if (take < cnt)
			table_left = true;      /* this entry was not used up */
		if (niov == IOV_MAX_BATCH || done + batch == r->len) {
			/* move the batch */
			if (r->from_buffer) {
				uint64_t off = done;
				for (int i = 0; i < niov; i++) {
					if (off + iov[i].iov_len > IDE_BUF_SIZE) {
						ok = false;
						break;
					}
					if (r->to_memory)
						memcpy(iov[i].iov_base, d->buf + off, iov[i].iov_len);
					else
						memcpy(d->buf + off, iov[i].iov_base, iov[i].iov_len);
					off += iov[i].iov_len;
				}
			} else {
				ssize_t n = r->to_memory
					? block_readv(d->bd, r->offset + done, iov, niov)
					: block_writev(d->bd, r->offset + done, iov, niov);
				if (n < 0 || (uint64_t)n != batch)
					ok = false;
			}
			done += batch;
			batch = 0;
			niov = 0;
		}
	}
	if (ok && !r->from_buffer)
		ide_account(d, !r->to_memory, done);

	pthread_mutex_lock(&ch->lock);
	ch->dma_running = false;
	if (j->gen == ch->gen) {
		if (!ok)
			ch->bm_status |= BM_ST_ERROR;
		if (!ok || !table_left)
			ch->bm_status &= ~BM_ST_ACTIVE;
		d->status &= ~ST_BSY;
		r->done(d, ok);
	}
	/* a transfer queued behind a cancelled one */
	dma_try_start(ch);
	pthread_mutex_unlock(&ch->lock);
}

/* ---- resets -------------------------------------------------------------- */

static void drive_reset(struct ide_drive *d)
{
	pio_stop(d);
	d->error = 0x01;           /* diagnostic code: no error */
	d->feature = d->hob_feature = 0;
	d->hob_nsector = d->hob_lbal = d->hob_lbam = d->hob_lbah = 0;
	d->select = 0xA0;
	ide_set_signature(d);
	d->mult = 0;
	d->cur_heads = d->heads;
	d->cur_spt = d->spt;
	switch (d->kind) {
	case IDE_DISK:  d->status = ST_DRDY | ST_DSC; break;
	case IDE_CDROM: d->status = 0; break;
	default:        d->status = 0; break;
	}
}

/* Soft reset of both drives (SRST released, or a machine reset). */
static void channel_reset(struct ide_channel *ch)
{
	ch->gen++;
	ch->dma_pending = false;
	ch->cur = 0;
	ch->irq_pending = false;
	for (int i = 0; i < 2; i++)
		drive_reset(&ch->drive[i]);
	update_irq(ch);
}

/* ---- register access ----------------------------------------------------- */

static bool channel_empty(struct ide_channel *ch)
{
	return ch->drive[0].kind == IDE_NONE && ch->drive[1].kind == IDE_NONE;
}

static uint32_t data_read(struct ide_drive *d, unsigned size)
{
	if (!d->end_fn || d->pos >= d->end || !(d->status & ST_DRQ))
		return 0;
	uint32_t v = 0;
	unsigned n = MIN(size, d->end - d->pos);
	for (unsigned i = 0; i < n; i++)
		v |= (uint32_t)d->buf[d->pos + i] << (8 * i);
	d->pos += n;
	if (d->pos >= d->end)
		d->end_fn(d);
	return v;
}

static void data_write(struct ide_drive *d, uint32_t v, unsigned size)
{
	if (!d->end_fn || d->pos >= d->end || !(d->status & ST_DRQ))
		return;
	unsigned n = MIN(size, d->end - d->pos);
	for (unsigned i = 0; i < n; i++)
		d->buf[d->pos + i] = (uint8_t)(v >> (8 * i));
	d->pos += n;
	if (d->pos >= d->end)
		d->end_fn(d);
}

static uint64_t cmd_read(void *opaque, uint64_t off, unsigned size)
{
	struct ide_channel *ch = opaque;
	pthread_mutex_lock(&ch->lock);
	struct ide_drive *d = cur_drive(ch);
	bool hob = ch->devctl & DC_HOB;
	uint32_t v = 0;
	if (channel_empty(ch)) {
		v = 0;
	} else {
		switch (off) {
		case 0: v = data_read(d, size); break;
		case 1: v = d->kind == IDE_NONE ? 0 : hob ? d->hob_feature : d->error; break;
		case 2: v = hob ? d->hob_nsector : d->nsector; break;
		case 3: v = hob ? d->hob_lbal : d->lbal; break;
		case 4: v = hob ? d->hob_lbam : d->lbam; break;
		case 5: v = hob ? d->hob_lbah : d->lbah; break;
		case 6: v = d->select; break;
		case 7:
			v = d->kind == IDE_NONE ? 0 : d->status;
			ch->irq_pending = false;
			update_irq(ch);
			break;
		}
	}
	pthread_mutex_unlock(&ch->lock);
	return v;
}

static void execute(struct ide_channel *ch, uint8_t cmd)
{
	struct ide_drive *d = cur_drive(ch);
	if (cmd == 0x90) {          /* EXECUTE DEVICE DIAGNOSTIC: both drives */
		for (int i = 0; i < 2; i++) {
			struct ide_drive *x = &ch->drive[i];
			pio_stop(x);
			ide_set_signature(x);
			x->error = 0x01;
			x->status = x->kind == IDE_DISK ? ST_DRDY | ST_DSC : 0;
		}
		ide_raise_irq(ch);
		return;
	}
	if (d->kind == IDE_NONE)
		return;                 /* nobody answers */
	if ((d->status & ST_BSY) && !(cmd == 0x08 && d->kind == IDE_CDROM))
		return;
	ch->irq_pending = false;
	update_irq(ch);
	d->cmd = cmd;
	if (d->kind == IDE_DISK)
		ata_disk_command(d, cmd);
	else
		atapi_command(d, cmd);
}

static void cmd_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct ide_channel *ch = opaque;
	uint8_t b = (uint8_t)val;
	pthread_mutex_lock(&ch->lock);
	if (off == 0) {
		data_write(cur_drive(ch), (uint32_t)val, size);
		pthread_mutex_unlock(&ch->lock);
		return;
	}
	if (off != 7)
		ch->devctl &= ~DC_HOB;  /* any task-file write clears HOB */
	for (int i = 0; i < 2 && off >= 1 && off <= 5; i++) {
		struct ide_drive *d = &ch->drive[i];
		switch (off) {
		case 1: d->hob_feature = d->feature; d->feature = b; break;
		case 2: d->hob_nsector = d->nsector; d->nsector = b; break;
		case 3: d->hob_lbal = d->lbal; d->lbal = b; break;
		case 4: d->hob_lbam = d->lbam; d->lbam = b; break;
		case 5: d->hob_lbah = d->lbah; d->lbah = b; break;
		}
	}
	if (off == 6) {
		for (int i = 0; i < 2; i++)
			ch->drive[i].select = b | 0xA0;
		ch->cur = (b >> 4) & 1;
	} else if (off == 7) {
		execute(ch, b);
	}
	pthread_mutex_unlock(&ch->lock);
}

static uint64_t ctl_read(void *opaque, uint64_t off, unsigned size)
{
	struct ide_channel *ch = opaque;
	(void)off; (void)size;
	pthread_mutex_lock(&ch->lock);
	struct ide_drive *d = cur_drive(ch);
	uint8_t v = (channel_empty(ch) || d->kind == IDE_NONE) ? 0 : d->status;
	pthread_mutex_unlock(&ch->lock);
	return v;   /* alternate status: no interrupt acknowledge */
}

static void ctl_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct ide_channel *ch = opaque;
	(void)off; (void)size;
	pthread_mutex_lock(&ch->lock);
	uint8_t old = ch->devctl;
	ch->devctl = (uint8_t)val;
	if ((val & DC_SRST) && !(old & DC_SRST)) {
		/* reset asserted: both drives busy until it is released */
		ch->gen++;
		ch->dma_pending = false;
		for (int i = 0; i < 2; i++) {
			pio_stop(&ch->drive[i]);
			if (ch->drive[i].kind != IDE_NONE)
				ch->drive[i].status = ST_BSY;
		}
	} else if (!(val & DC_SRST) && (old & DC_SRST)) {
		channel_reset(ch);
	}
	update_irq(ch);
	pthread_mutex_unlock(&ch->lock);
}

/* Bus-master registers of one channel: 0 command, 2 status, 4-7 PRD address. */
static uint64_t bm_read(void *opaque, uint64_t off, unsigned size)
{
	struct ide_ctrl *c = opaque;
	struct ide_channel *ch = &c->ch[(off >> 3) & 1];
	unsigned r = off & 7;
	uint64_t v = 0;
	pthread_mutex_lock(&ch->lock);
	for (unsigned i = 0; i < size && r + i < 8; i++) {
		uint8_t b;
		switch (r + i) {
		case 0: b = ch->bm_cmd; break;
		case 2: b = ch->bm_status; break;
		case 4: case 5: case 6: case 7: b = (uint8_t)(ch->bm_prd >> (8 * (r + i - 4))); break;
		default: b = 0; break;
		}
		v |= (uint64_t)b << (8 * i);
	}
	pthread_mutex_unlock(&ch->lock);
	return v;
}

static void bm_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct ide_ctrl *c = opaque;
	struct ide_channel *ch = &c->ch[(off >> 3) & 1];
	unsigned r = off & 7;
	pthread_mutex_lock(&ch->lock);
	for (unsigned i = 0; i < size && r + i < 8; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i));
		switch (r + i) {
		case 0:
			/* the direction bit cannot change while the engine runs */
			if (ch->bm_cmd & BM_CMD_START)
				b = (b & BM_CMD_START) | (ch->bm_cmd & BM_CMD_READ);
			ch->bm_cmd = b & (BM_CMD_START | BM_CMD_READ);
			if (!(b & BM_CMD_START) && !ch->dma_running)
				ch->bm_status &= ~BM_ST_ACTIVE;
			dma_try_start(ch);
			break;
		case 2:
			/* bits 5-6 drive DMA capable are R/W, interrupt and error write-1-to-clear */
			ch->bm_status = (ch->bm_status & ~0x60 & ~(b & (BM_ST_ERROR | BM_ST_INTR))) |
					(b & 0x60);
			break;
		case 4: case 5: case 6: case 7: {
			unsigned sh = 8 * (r + i - 4);
			ch->bm_prd = (ch->bm_prd & ~(0xFFu << sh)) | ((uint32_t)b << sh);
			ch->bm_prd &= ~3u;
			break;
		}
		}
	}
	pthread_mutex_unlock(&ch->lock);
}

static const struct io_ops cmd_ops = { cmd_read, cmd_write };
static const struct io_ops ctl_ops = { ctl_read, ctl_write };
static const struct io_ops bm_ops = { bm_read, bm_write };

/* ---- set-up -------------------------------------------------------------- */

static void media_changed(void *opaque, bool eject_request)
{
	struct ide_drive *d = opaque;
	pthread_mutex_lock(&d->ch->lock);
	if (d->kind == IDE_CDROM)
		atapi_media_changed(d, eject_request);
	pthread_mutex_unlock(&d->ch->lock);
}

static const char *qemu_name(int ch, int unit, bool cd, char *buf, size_t len)
{
	snprintf(buf, len, "ide%d-%s%d", ch, cd ? "cd" : "hd", unit);
	return buf;
}

static int add_drive(struct ide_ctrl *c, const struct disk_spec *ds)
{
	struct vm_config *cfg = c->vm->cfg;
	int idx = ds->index;
	if (idx < 0 || idx > 3)
		return 0;
	struct ide_channel *ch = &c->ch[idx >> 1];
	struct ide_drive *d = &ch->drive[idx & 1];
	bool cd = ds->kind == DISK_CDROM;
	char qname[16], cname[8];
	qemu_name(idx >> 1, idx & 1, cd, qname, sizeof(qname));
	snprintf(cname, sizeof(cname), "hd%c", 'a' + idx);
	const char *file = cfg->file ? cfg->file : "config";

	if (!cd && (!ds->path || !*ds->path)) {
		fprintf(stderr, "%s:%d:%d: %s: a hard disk needs an image file\n",
			file, ds->line, ds->col, cname);
		return -1;
	}
	d->bd = block_new(cd ? BLK_CDROM : BLK_DISK, qname, cname);
	d->kind = cd ? IDE_CDROM : IDE_DISK;
	if (ds->path && *ds->path) {
		char err[512];
		if (block_insert_fmt(d->bd, ds->path, cd || ds->readonly,
				     ds->format_set ? ds->format : NULL, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s:%d:%d: %s: %s\n", file, ds->line, ds->col, cname, err);
			block_free(d->bd);
			d->bd = NULL;
			d->kind = IDE_NONE;
			return -1;
		}
	}
	d->bd->on_change = media_changed;
	d->bd->opaque = d;
	snprintf(d->serial, sizeof(d->serial), "VMST%016d", idx + 1);
	snprintf(d->model, sizeof(d->model), "VMSTATION %s", cd ? "CD-ROM" : "HARDDISK");
	if (cd) {
		atapi_init(d);
	} else {
		ata_disk_init(d);
		d->trim = !ds->readonly && !ds->no_discard;
	}
	vm_add_block(c->vm, d->bd);
	return 0;
}

static void ide_reset(void *opaque)
{
	struct ide_ctrl *c = opaque;
	for (int i = 0; i < 2; i++) {
		struct ide_channel *ch = &c->ch[i];
		pthread_mutex_lock(&ch->lock);
		ch->devctl = 0;
		ch->bm_cmd = 0;
		ch->bm_status = 0x60 & ((ch->drive[0].kind == IDE_NONE ? 0 : 0x20) |
					(ch->drive[1].kind == IDE_NONE ? 0 : 0x40));
		ch->bm_prd = 0;
		channel_reset(ch);
		for (int u = 0; u < 2; u++) {
			ch->drive[u].wcache = true;
			ch->drive[u].xfer_mode = 0;
		}
		pthread_mutex_unlock(&ch->lock);
	}
}

void ide_post_done(struct ide_ctrl *c)
{
	if (!c->has_pci)
		return;
	pthread_mutex_lock(&c->pci.bus->lock);
	c->pci.config[0x41] |= 0x80;            /* IDETIM primary: IDE decode enable */
	c->pci.config[0x43] |= 0x80;            /* IDETIM secondary */
	pthread_mutex_unlock(&c->pci.bus->lock);
}

static void ide_free(void *opaque)
{
	struct ide_ctrl *c = opaque;
	for (int i = 0; i < 2; i++) {
		for (int u = 0; u < 2; u++) {
			struct ide_drive *d = &c->ch[i].drive[u];
			block_free(d->bd);   /* finishes the worker's queue first */
			free(d->buf);
		}
		pthread_mutex_destroy(&c->ch[i].lock);
	}
	free(c);
}

int ide_create(struct vm *vm)
{
	struct ide_ctrl *c = xzalloc(sizeof(*c));
	c->vm = vm;
	for (int i = 0; i < 2; i++) {
		struct ide_channel *ch = &c->ch[i];
		ch->ctrl = c;
		ch->index = i;
		ch->gsi = i ? 15 : 14;
		pthread_mutex_init(&ch->lock, NULL);
		for (int u = 0; u < 2; u++) {
			ch->drive[u].ch = ch;
			ch->drive[u].unit = u;
			ch->drive[u].buf = xzalloc(IDE_BUF_SIZE);
		}
	}
	vm_add_free_hook(vm, ide_free, c);
	int rc = 0;
	for (int i = 0; i < VM_MAX_DISKS; i++)
		if (vm->cfg && vm->cfg->disks[i].present && add_drive(c, &vm->cfg->disks[i]) < 0)
			rc = -1;
	if (rc < 0)
		return -1;

	if (vm_register_pio(vm, 0x1F0, 8, &cmd_ops, &c->ch[0], "ide0") < 0 ||
	    vm_register_pio(vm, 0x3F6, 1, &ctl_ops, &c->ch[0], "ide0-ctl") < 0 ||
	    vm_register_pio(vm, 0x170, 8, &cmd_ops, &c->ch[1], "ide1") < 0 ||
	    vm_register_pio(vm, 0x376, 1, &ctl_ops, &c->ch[1], "ide1-ctl") < 0) {
		msg_error("ide: legacy IDE ports are already taken");
		return -1;
	}
	struct pci_dev *p = &c->pci;
	p->name = "piix3-ide";
	/* class 01 (storage) 01 (IDE), prog-if 0x80: legacy mode, bus master */
	pci_init_header(p, 0x8086, 0x7010, 0x010180, 0, 0, 0);
	/* IDETIM 0x40-0x43, SIDETIM 0x44: timing registers the guest tunes */
	for (int o = 0x40; o <= 0x44; o++)
		p->wmask[o] = 0xFF;
	pci_set_bar(p, 4, 16, true, &bm_ops, c);
	if (pci_bus_of(vm)) {
		if (pci_register(vm, p, 0x09) < 0)
			return -1;
		c->has_pci = true;
	}
	vm_add_reset_hook(vm, ide_reset, c);
	ide_reset(c);
	vm_publish(vm, "ide", c);
	return 0;
}

struct ide_ctrl *ide_of(struct vm *vm)
{
	return vm_lookup(vm, "ide");
}
