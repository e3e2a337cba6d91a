/*
 * Image back end: open/eject/change of media, bounded reads and writes,
 * flush, and one worker thread per drive for transfers that should not run
 * on a vCPU thread. Raw media are read and written here; qcow2 media go
 * through core/qcow2.c.
 *
 * bd->lock guards the medium (fd, path, size, tray) and is held across each
 * pread/pwrite, so an eject from the monitor waits for the chunk in flight
 * and the next access sees "no medium" instead of a closed descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/block.h"
#include "core/qcow2.h"
#include "core/util.h"

struct block_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct block_job *head, *tail;
	bool busy, stop;
};

/* The worker is kept beside the public struct in one allocation. */
struct blockdev_full {
	struct blockdev bd;
	struct block_worker w;
};

static struct block_worker *worker_of(struct blockdev *bd)
{
	return &container_of(bd, struct blockdev_full, bd)->w;
}

static void *worker_main(void *opaque)
{
	struct block_worker *w = opaque;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->head)
			break;
		struct block_job *job = w->head;
		w->head = job->next;
		if (!w->head)
			w->tail = NULL;
		w->busy = true;
		pthread_mutex_unlock(&w->lock);
		job->fn(job);
		pthread_mutex_lock(&w->lock);
		w->busy = false;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct blockdev *block_new(enum block_kind kind, const char *qname, const char *cname)
{
	struct blockdev_full *f = xzalloc(sizeof(*f));
	struct blockdev *bd = &f->bd;
	snprintf(bd->qname, sizeof(bd->qname), "%s", qname);
	snprintf(bd->cname, sizeof(bd->cname), "%s", cname);
	bd->kind = kind;
	bd->removable = kind != BLK_DISK;
	bd->fd = -1;
	pthread_mutex_init(&bd->lock, NULL);
	pthread_mutex_init(&f->w.lock, NULL);
	pthread_cond_init(&f->w.cond, NULL);
	if (pthread_create(&f->w.thread, NULL, worker_main, &f->w))
		die("cannot start the block worker for %s", qname);
	char tname[16];
	snprintf(tname, sizeof(tname), "blk-%s", cname);
	pthread_setname_np(f->w.thread, tname);
	return bd;
}

void block_free(struct blockdev *bd)
{
	if (!bd)
		return;
	struct block_worker *w = worker_of(bd);
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	if (bd->fd >= 0)
		close(bd->fd);
	qcow2_close(bd->qcow);
	free(bd->path);
	pthread_mutex_destroy(&bd->lock);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(container_of(bd, struct blockdev_full, bd));
}

void block_submit(struct blockdev *bd, struct block_job *job)
{
	struct block_worker *w = worker_of(bd);
	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void block_drain(struct blockdev *bd)
{
	struct block_worker *w = worker_of(bd);
	pthread_mutex_lock(&w->lock);
	while (w->head || w->busy)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/*
 * Open an image for a drive: a regular file or a block device. Fills *fd and
 * *size, or writes a message for the person who configured it.
 */
static int open_image(const char *path, bool readonly, const char *format, int *fd,
		      struct qcow2 **qcow, uint64_t *size, char *err, size_t errlen)
{
	*qcow = NULL;
	if (format && *format && strcmp(format, "raw") && strcmp(format, "qcow2")) {
		snprintf(err, errlen, "image format '%s' is not supported (raw or qcow2)", format);
		return -1;
	}
	struct stat st;
	if (!path || !*path) {
		snprintf(err, errlen, "no image file given");
		return -1;
	}
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "Could not open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "Could not open '%s': it is a directory, not a disk image", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "Could not open '%s': not a regular file or block device", path);
		return -1;
	}
	int f = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (f < 0) {
		int e = errno;
		if (!readonly && (e == EACCES || e == EPERM || e == EROFS) &&
		    access(path, R_OK) == 0)
			snprintf(err, errlen, "Could not open '%s' for writing: %s "
				 "(give the disk access 'r' to use it read-only)", path, strerror(e));
		else
			snprintf(err, errlen, "Could not open '%s': %s", path, strerror(e));
		return -1;
	}
	uint64_t sz = (uint64_t)st.st_size;
	if (S_ISBLK(st.st_mode) && ioctl(f, BLKGETSIZE64, &sz) < 0) {
		snprintf(err, errlen, "Could not get the size of '%s': %s", path, strerror(errno));
		close(f);
		return -1;
	}
	bool qcow2 = format && !strcmp(format, "qcow2");
	if (!format || !*format)
		qcow2 = S_ISREG(st.st_mode) && qcow2_probe_fd(f);
	if (qcow2) {
		close(f);
		*qcow = qcow2_open(path, readonly, err, errlen);
		if (!*qcow)
			return -1;
		*fd = -1;
		*size = qcow2_size(*qcow);
		return 0;
	}
	*fd = f;
	*size = sz;
	return 0;
}

static void notify(struct blockdev *bd, bool eject_request)
{
	if (bd->on_change)
		bd->on_change(bd->opaque, eject_request);
}

/* Open path and make it the medium, closing the old one; a change also unlocks the tray. */
static int put_medium(struct blockdev *bd, const char *path, bool readonly, const char *format,
		      bool unlock, char *err, size_t errlen)
{
	int fd;
	uint64_t size;
	struct qcow2 *qcow;
	if (open_image(path, readonly, format, &fd, &qcow, &size, err, errlen) < 0)
		return -1;
	pthread_mutex_lock(&bd->lock);
	int old = bd->fd;
	struct qcow2 *oldq = bd->qcow;
	free(bd->path);
	bd->fd = fd;
	bd->qcow = qcow;
	bd->path = xstrdup(path);
	bd->readonly = readonly;
	bd->size = size;
	bd->tray_open = false;
	if (unlock)
		bd->locked = false;
	bd->eject_requested = false;
	pthread_mutex_unlock(&bd->lock);
	if (old >= 0)
		close(old);
	qcow2_close(oldq);
	notify(bd, false);
	return 0;
}

int block_insert(struct blockdev *bd, const char *path, bool readonly, char *err, size_t errlen)
{
	return put_medium(bd, path, readonly, NULL, false, err, errlen);
}

int block_insert_fmt(struct blockdev *bd, const char *path, bool readonly, const char *format,
		     char *err, size_t errlen)
{
	return put_medium(bd, path, readonly, format, false, err, errlen);
}

int block_eject(struct blockdev *bd, bool force, char *err, size_t errlen)
{
	if (!bd->removable) {
		snprintf(err, errlen, "Device '%s' is not removable", bd->qname);
		return -1;
	}
	pthread_mutex_lock(&bd->lock);
	if (bd->locked && !force) {
		bd->eject_requested = true;
		pthread_mutex_unlock(&bd->lock);
		snprintf(err, errlen, "Device '%s' is locked and force was not specified, "
			 "wait for tray to open and try again", bd->qname);
		notify(bd, true);
		return -1;
	}
	int old = bd->fd;
	struct qcow2 *oldq = bd->qcow;
	bd->fd = -1;
	bd->qcow = NULL;
	free(bd->path);
	bd->path = NULL;
	bd->size = 0;
	bd->tray_open = true;
	bd->locked = false;
	bd->eject_requested = false;
	pthread_mutex_unlock(&bd->lock);
	if (old >= 0)
		close(old);
	qcow2_close(oldq);
	notify(bd, false);
	return 0;
}

int block_change(struct blockdev *bd, const char *path, bool readonly, char *err, size_t errlen)
{
	if (!bd->removable) {
		snprintf(err, errlen, "Device '%s' is not removable", bd->qname);
		return -1;
	}
	return put_medium(bd, path, readonly, NULL, true, err, errlen);
}

int block_change_fmt(struct blockdev *bd, const char *path, bool readonly, const char *format,
		     char *err, size_t errlen)
{
	if (!bd->removable) {
		snprintf(err, errlen, "Device '%s' is not removable", bd->qname);
		return -1;
	}
	return put_medium(bd, path, readonly, format, true, err, errlen);
}

int block_set_tray(struct blockdev *bd, bool open)
{
	pthread_mutex_lock(&bd->lock);
	if (open && bd->locked) {
		pthread_mutex_unlock(&bd->lock);
		return -1;
	}
	bd->tray_open = open;
	pthread_mutex_unlock(&bd->lock);
	return 0;
}

/* Caller holds bd->lock. */
static bool usable(struct blockdev *bd)
{
	return (bd->fd >= 0 || bd->qcow) && !bd->tray_open;
}

/* The vector through the qcow2 back end, one segment at a time. */
static int rw_vec_qcow2(struct qcow2 *q, bool write, uint64_t off, const struct iovec *iov,
			int n)
{
	for (int i = 0; i < n; i++) {
		int r = write ? qcow2_write(q, off, iov[i].iov_base, iov[i].iov_len)
			      : qcow2_read(q, off, iov[i].iov_base, iov[i].iov_len);
		if (r < 0)
			return -1;
		off += iov[i].iov_len;
	}
	return 0;
}

/* preadv/pwritev until the whole vector is done; caller holds bd->lock. */
static int rw_vec(struct blockdev *bd, bool write, uint64_t off, const struct iovec *in,
		  int n, size_t total)
{
	if (bd->qcow)
		return rw_vec_qcow2(bd->qcow, write, off, in, n);
	struct iovec iov[64];
	if (n > 64)
		return -1;
	memcpy(iov, in, sizeof(*iov) * (size_t)n);
	struct iovec *v = iov;
	size_t done = 0;
	while (done < total && n > 0) {
		ssize_t r = write ? pwritev(bd->fd, v, n, (off_t)(off + done))
				  : preadv(bd->fd, v, n, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (r == 0 && write))
			return -1;
		if (r == 0) {          /* file shrank: the rest reads as zeros */
			for (int i = 0; i < n; i++)
				memset(v[i].iov_base, 0, v[i].iov_len);
			return 0;
		}
		done += (size_t)r;
		while (n > 0 && (size_t)r >= v->iov_len) {
			r -= (ssize_t)v->iov_len;
			v++;
			n--;
		}
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + r;
			v->iov_len -= (size_t)r;
		}
	}
	return 0;
}

static ssize_t block_rwv(struct blockdev *bd, bool write, uint64_t off,
			 const struct iovec *iov, int n)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	pthread_mutex_lock(&bd->lock);
	int e = 0;
	if (!usable(bd))
		e = ENOMEDIUM;
	else if (write && bd->readonly)
		e = EROFS;
	else if (off > bd->size || total > bd->size - off)
		e = EIO;
	else if (rw_vec(bd, write, off, iov, n, total) < 0)
		e = EIO;
	pthread_mutex_unlock(&bd->lock);
	if (e) {
		errno = e;
		return -1;
	}
	if (write) {
		bd->wr_bytes += total;
		bd->wr_ops++;
	} else {
		bd->rd_bytes += total;
		bd->rd_ops++;
	}
	return (ssize_t)total;
}

ssize_t block_read(struct blockdev *bd, uint64_t off, void *buf, size_t len)
{
	struct iovec v = { .iov_base = buf, .iov_len = len };
	return block_rwv(bd, false, off, &v, 1);
}

ssize_t block_write(struct blockdev *bd, uint64_t off, const void *buf, size_t len)
{
	struct iovec v = { .iov_base = (void *)buf, .iov_len = len };
	return block_rwv(bd, true, off, &v, 1);
}

ssize_t block_readv(struct blockdev *bd, uint64_t off, const struct iovec *iov, int n)
{
	return block_rwv(bd, false, off, iov, n);
}

ssize_t block_writev(struct blockdev *bd, uint64_t off, const struct iovec *iov, int n)
{
	return block_rwv(bd, true, off, iov, n);
}

int block_flush(struct blockdev *bd)
{
	pthread_mutex_lock(&bd->lock);
	if (!usable(bd)) {
		pthread_mutex_unlock(&bd->lock);
		errno = ENOMEDIUM;
		return -1;
	}
	int r = bd->readonly ? 0 : bd->qcow ? qcow2_flush(bd->qcow) : fdatasync(bd->fd);
	pthread_mutex_unlock(&bd->lock);
	bd->flush_ops++;
	if (r < 0)
		errno = EIO;
	return r;
}

/*
 * A raw image gives the range back to the file system (a hole that reads as
 * zeros; on a block device the kernel discards or zeroes it). Ranges are
 * advisory: a file system without hole punching keeps the data, which is
 * still correct.
 */
static int discard_raw(int fd, uint64_t off, uint64_t len)
{
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) == 0)
		return 0;
	return errno == EOPNOTSUPP || errno == ENOSYS || errno == ENODEV ? 0 : -1;
}

int block_discard(struct blockdev *bd, uint64_t off, uint64_t len)
{
	pthread_mutex_lock(&bd->lock);
	int e = 0;
	if (!usable(bd))
		e = ENOMEDIUM;
	else if (bd->readonly)
		e = EROFS;
	else if (off > bd->size || len > bd->size - off)
		e = EIO;
	else if (len && (bd->qcow ? qcow2_discard(bd->qcow, off, len) : discard_raw(bd->fd, off, len)) < 0)
		e = EIO;
	pthread_mutex_unlock(&bd->lock);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

bool block_has_medium(struct blockdev *bd)
{
	pthread_mutex_lock(&bd->lock);
	bool r = usable(bd);
	pthread_mutex_unlock(&bd->lock);
	return r;
}

uint64_t block_size(struct blockdev *bd)
{
	pthread_mutex_lock(&bd->lock);
	uint64_t r = usable(bd) ? bd->size : 0;
	pthread_mutex_unlock(&bd->lock);
	return r;
}
