/*
 * Image back end for disks, CD-ROMs and floppies, with live media change:
 * raw files and block devices, and qcow2 images (core/qcow2.h).
 *
 * A blockdev is a drive; it may hold a medium (an open image) or be empty.
 * Devices read and write through it; the monitor ejects and changes media
 * through it; the device is told of media changes through on_change.
 */
#ifndef VMST_BLOCK_H
#define VMST_BLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum block_kind { BLK_DISK, BLK_CDROM, BLK_FLOPPY };

struct blockdev {
	char qname[16];      /* QEMU name: ide0-hd0, ide1-cd0, floppy0 */
	char cname[8];       /* config name: hda, hdc, fda */
	enum block_kind kind;
	bool removable;

	pthread_mutex_t lock;    /* guards the fields below */
	int fd;                  /* raw medium, or -1 */
	struct qcow2 *qcow;      /* qcow2 medium, or NULL; empty when both are unset */
	char *path;              /* current medium or NULL */
	bool readonly;
	uint64_t size;           /* bytes */
	bool tray_open;
	bool locked;             /* guest PREVENT MEDIUM REMOVAL */
	bool eject_requested;    /* monitor asked while locked */

	/* Device callback (under no lock) when the medium changes or an eject is requested. */
	void (*on_change)(void *opaque, bool eject_request);
	void *opaque;

	_Atomic uint64_t rd_bytes, wr_bytes, rd_ops, wr_ops, flush_ops;
};

struct blockdev *block_new(enum block_kind kind, const char *qname, const char *cname);
void block_free(struct blockdev *bd);

/* Open an image: 0, or -1 with a clear message in err (missing, directory, permission). */
int block_insert(struct blockdev *bd, const char *path, bool readonly, char *err, size_t errlen);
/*
 * The same with a format: "raw", "qcow2", or NULL/"" to probe (a file whose
 * first bytes are QFI\xfb is qcow2, anything else raw).
 */
int block_insert_fmt(struct blockdev *bd, const char *path, bool readonly, const char *format,
		     char *err, size_t errlen);
/*
 * Eject: 0 on success; -1 with QEMU's message in err ("Device 'ide1-cd0' is
 * locked and force was not specified, wait for tray to open and try again")
 * when locked and !force, in which case the device is asked to release it.
 */
int block_eject(struct blockdev *bd, bool force, char *err, size_t errlen);
/* change: eject (forced) then insert; on failure the current medium stays. */
int block_change(struct blockdev *bd, const char *path, bool readonly, char *err, size_t errlen);
/* The same with a format as for block_insert_fmt (NULL: probe). */
int block_change_fmt(struct blockdev *bd, const char *path, bool readonly, const char *format,
		     char *err, size_t errlen);
/* An image is attached (raw or qcow2), whatever the tray; caller holds bd->lock. */
static inline bool block_attached_locked(const struct blockdev *bd)
{
	return bd->fd >= 0 || bd->qcow;
}

/* I/O on the current medium. -1 (errno EIO/ENOMEDIUM/EROFS) on failure or out of range. */
ssize_t block_read(struct blockdev *bd, uint64_t off, void *buf, size_t len);
ssize_t block_write(struct blockdev *bd, uint64_t off, const void *buf, size_t len);
int block_flush(struct blockdev *bd); /* fdatasync */
/*
 * The guest no longer needs [off, off+len) (ATA TRIM): raw images punch a
 * hole, qcow2 images unmap whole clusters. Same errors as block_write.
 */
int block_discard(struct blockdev *bd, uint64_t off, uint64_t len);
/* Scatter/gather forms (DMA into guest memory): same rules, total length of iov. */
struct iovec;
ssize_t block_readv(struct blockdev *bd, uint64_t off, const struct iovec *iov, int n);
ssize_t block_writev(struct blockdev *bd, uint64_t off, const struct iovec *iov, int n);
bool block_has_medium(struct blockdev *bd);
uint64_t block_size(struct blockdev *bd);

/*
 * Guest-driven tray (ATAPI START STOP UNIT): open keeps the image attached but
 * unreadable until closed again. 0, or -1 when the guest has locked it.
 */
int block_set_tray(struct blockdev *bd, bool open);

/*
 * Each drive has one worker thread for transfers that should not run on a
 * vCPU thread (bus-master DMA). A job lives in the device's state (no
 * allocation); jobs run one at a time, in submission order.
 */
struct block_job {
	void (*fn)(struct block_job *job);
	struct block_job *next;
};
void block_submit(struct blockdev *bd, struct block_job *job);
/* Wait until every submitted job has finished. */
void block_drain(struct blockdev *bd);

#endif
