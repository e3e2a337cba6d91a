/*
 * PIIX3 IDE: two legacy channels (0x1F0/0x3F6 IRQ 14, 0x170/0x376 IRQ 15),
 * two drives each (hda hdb | hdc hdd), and bus-master DMA (PCI BAR4).
 *
 * ide.c owns the registers, interrupts, PIO data port and DMA engine;
 * ata_disk.c executes ATA commands for hard disks, atapi.c the packet
 * interface of CD-ROMs. Everything in a channel is guarded by its lock;
 * the functions below are called with it held.
 */
#ifndef VMST_IDE_H
#define VMST_IDE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/block.h"
#include "devices/pci.h"

struct vm;
struct ide_channel;
struct ide_drive;

/* Status register (ATA-6 section 7.15). */
#define ST_ERR  0x01
#define ST_DRQ  0x08
#define ST_DSC  0x10
#define ST_DF   0x20
#define ST_DRDY 0x40
#define ST_BSY  0x80
/* Error register. */
#define ER_AMNF 0x01
#define ER_ABRT 0x04
#define ER_MCR  0x08
#define ER_IDNF 0x10
#define ER_MC   0x20
#define ER_UNC  0x40
/* Device control register. */
#define DC_NIEN 0x02
#define DC_SRST 0x04
#define DC_HOB  0x80
/* Bus-master registers. */
#define BM_CMD_START 0x01
#define BM_CMD_READ  0x08   /* set: device -> memory */
#define BM_ST_ACTIVE 0x01
#define BM_ST_ERROR  0x02
#define BM_ST_INTR   0x04

#define IDE_BUF_SIZE (64 * 1024)
/* 512-byte blocks of LBA range entries a DSM command may carry (IDENTIFY word 105). */
#define ATA_TRIM_MAX_BLOCKS 8

enum ide_kind { IDE_NONE, IDE_DISK, IDE_CDROM };

/* A DMA request a drive hands to the bus-master engine. */
struct ide_dma_req {
	bool to_memory;        /* device -> guest RAM (a read) */
	bool from_buffer;      /* move d->buf[0..len) instead of the image */
	uint64_t offset;       /* image byte offset */
	uint64_t len;          /* bytes */
	/* Called under the channel lock when done: ok, or an error. */
	void (*done)(struct ide_drive *d, bool ok);
};

struct ide_drive {
	struct ide_channel *ch;
	int unit;                    /* 0 master, 1 slave */
	enum ide_kind kind;
	struct blockdev *bd;
	char serial[21], model[41];

	/* task file: every drive latches every write, reads come from the selected one */
	uint8_t feature, nsector, lbal, lbam, lbah;
	uint8_t hob_feature, hob_nsector, hob_lbal, hob_lbam, hob_lbah;
	uint8_t select;              /* device/head register */
	uint8_t status, error;

	/* hard disk */
	uint64_t sectors;
	uint32_t cyls, heads, spt;           /* default CHS geometry */
	uint32_t cur_heads, cur_spt;         /* INITIALIZE DEVICE PARAMETERS */
	unsigned mult;                       /* SET MULTIPLE MODE, 0 = off */
	bool wcache;
	uint8_t xfer_mode;                   /* SET FEATURES 03h value */
	uint8_t cmd;                         /* command in progress */
	uint64_t lba;                        /* next sector of a PIO transfer */
	uint32_t left;                       /* sectors still to transfer */
	uint32_t block;                      /* sectors in the current DRQ block */
	struct block_job flush_job;          /* FLUSH CACHE on the worker */
	uint32_t flush_gen;
	bool flush_running;
	/* DATA SET MANAGEMENT (TRIM): the guest's ranges, discarded on the worker */
	bool trim;                           /* offered: a writable disk without no-discard */
	struct block_job trim_job;
	uint32_t trim_gen;
	uint32_t trim_blocks;                /* range blocks of the command being received */
	unsigned trim_n;                     /* entries in trim_ranges */
	uint64_t trim_ranges[ATA_TRIM_MAX_BLOCKS * 64];

	/* PIO data: buf[pos..end) is the current DRQ block */
	uint8_t *buf;
	uint32_t pos, end;
	void (*end_fn)(struct ide_drive *d);  /* when the DRQ block is done */

	/* ATAPI */
	uint8_t sense_key, asc, ascq;
	bool unit_attention;         /* medium changed since the guest last looked */
	uint8_t media_event;         /* GET EVENT STATUS: 0 none, 1 eject req, 2 new, 3 removed */
	uint32_t byte_limit;         /* PIO byte count limit of the packet */
	uint64_t xfer_left;          /* bytes of the reply still to send */
	uint64_t next_lba;           /* READ: next 2048-byte sector to fetch */
	uint32_t buf_len;            /* valid bytes in buf for a multi-block reply */
	bool packet_dma;             /* PACKET with the DMA feature bit */
};

struct ide_dma_job {
	struct block_job job;
	struct ide_channel *ch;
	struct ide_drive *d;
	struct ide_dma_req req;
	uint32_t prd;
	uint32_t gen;
};

struct ide_channel {
	struct ide_ctrl *ctrl;
	int index;
	pthread_mutex_t lock;
	struct ide_drive drive[2];
	int cur;                    /* selected unit */
	uint8_t devctl;
	unsigned gsi;
	bool irq_pending, irq_level;
	uint32_t gen;               /* bumped by resets: stale DMA completions are dropped */

	/* bus master */
	uint8_t bm_cmd, bm_status;
	uint32_t bm_prd;
	bool dma_pending;           /* a drive is waiting for the start bit */
	struct ide_drive *dma_drive;
	struct ide_dma_req dma_req;
	bool dma_running;           /* the job is on a worker */
	struct ide_dma_job job;
};

struct ide_ctrl {
	struct vm *vm;
	struct pci_dev pci;
	bool has_pci;
	struct ide_channel ch[2];
};

/* ide.c, for the drive files */
void ide_raise_irq(struct ide_channel *ch);
/* Start a PIO data block of len bytes in d->buf; fn runs when it is consumed. */
void ide_pio_block(struct ide_drive *d, uint32_t len, void (*fn)(struct ide_drive *d), bool irq);
/* End a command: DRDY (+DSC), interrupt. */
void ide_cmd_ok(struct ide_drive *d);
/* End a command with ERR and the given error bits, interrupt. */
void ide_cmd_error(struct ide_drive *d, uint8_t err);
/* Hand a transfer to the bus-master engine (runs when the guest starts it). */
void ide_dma_submit(struct ide_drive *d, const struct ide_dma_req *req);
/* ATA string: two characters a word, first in the high byte, space padded. */
void ide_put_string(uint16_t *words, const char *s, int nwords);
/* Device signature after reset / diagnostic. */
void ide_set_signature(struct ide_drive *d);
void ide_account(struct ide_drive *d, bool write, uint64_t bytes);

/* ata_disk.c */
void ata_disk_command(struct ide_drive *d, uint8_t cmd);
void ata_disk_init(struct ide_drive *d);

/* ata_trim.c: DATA SET MANAGEMENT with the TRIM bit (command 06h) */
void ata_trim_command(struct ide_drive *d);

/* atapi.c */
void atapi_command(struct ide_drive *d, uint8_t cmd);
void atapi_init(struct ide_drive *d);
/* Called (with the channel lock) when the block layer reports a media change. */
void atapi_media_changed(struct ide_drive *d, bool eject_request);

/*
 * Leave the controller as a PC BIOS's POST does, for kernels entered directly
 * (no firmware ran): I/O decode on for both channels in IDETIM (0x40-0x43,
 * bit 15), as SeaBIOS sets it; the PIIX3 resets it to 0, and Linux's
 * ata_piix takes a channel whose bit is clear for one the BIOS disabled and
 * never probes it.
 */
void ide_post_done(struct ide_ctrl *c);
/* The VM's IDE controller, or NULL. */
struct ide_ctrl *ide_of(struct vm *vm);

#endif
