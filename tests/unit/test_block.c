/*
 * The block layer: open errors, bounded reads and writes, read-only images,
 * eject/change with the lock and the device callback, vectored I/O, the
 * worker queue, sparse files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/block.h"
#include "unit.h"
#include "core/util.h"

static char dir[] = "/tmp/vmst-block-XXXXXX";
static int changes, eject_requests;

static void on_change(void *opaque, bool eject_request)
{
	(void)opaque;
	if (eject_request)
		eject_requests++;
	else
		changes++;
}

static char *make_file(const char *name, size_t size, uint8_t fill, int mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	uint8_t *b = malloc(size ? size : 1);
	memset(b, fill, size);
	if (size && write(fd, b, size) != (ssize_t)size)
		abort();
	close(fd);
	free(b);
	chmod(path, (mode_t)mode);
	return path;
}

struct counted_job {
	struct block_job job;
	int *counter;
	int order;
	int *last;
};

static void count_fn(struct block_job *job)
{
	struct counted_job *c = container_of(job, struct counted_job, job);
	usleep(1000);
	if (*c->last == c->order - 1)
		*c->last = c->order;
	(*c->counter)++;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir))
		return 2;
	char *a = make_file("a.img", 8192, 0x11, 0644);
	char *b = make_file("b.iso", 4096, 0x22, 0644);
	char *ro = make_file("ro.img", 4096, 0x33, 0444);
	char err[512];

	struct blockdev *hd = block_new(BLK_DISK, "ide0-hd0", "hda");
	CHECK(!hd->removable && hd->fd < 0, "a new disk is empty and not removable");
	CHECK(block_insert(hd, "/nonexistent/disk.img", false, err, sizeof(err)) < 0 &&
	      strstr(err, "/nonexistent/disk.img") && strstr(err, "No such file"),
	      "missing image: %s", err);
	CHECK(block_insert(hd, dir, false, err, sizeof(err)) < 0 && strstr(err, "directory"),
	      "directory: %s", err);
	CHECK(block_insert(hd, a, false, err, sizeof(err)) == 0, "open a raw image read-write");
	CHECK_EQ(block_size(hd), 8192, "size");
	uint8_t buf[8192];
	CHECK(block_read(hd, 4096, buf, 4096) == 4096 && buf[0] == 0x11 && buf[4095] == 0x11, "read");
	CHECK(block_read(hd, 8000, buf, 512) < 0 && errno == EIO, "read past the end fails with EIO");
	CHECK(block_read(hd, UINT64_MAX - 10, buf, 512) < 0, "read at a huge offset fails");
	memset(buf, 0x44, 512);
	CHECK(block_write(hd, 512, buf, 512) == 512, "write");
	CHECK(block_write(hd, 8192, buf, 1) < 0, "write past the end fails");
	CHECK(block_flush(hd) == 0 && hd->flush_ops == 1, "flush");
	uint8_t v1[100], v2[412];
	struct iovec iov[2] = { { v1, sizeof(v1) }, { v2, sizeof(v2) } };
	CHECK(block_readv(hd, 512, iov, 2) == 512 && v1[0] == 0x44 && v2[411] == 0x44, "vectored read");
	memset(v1, 0x55, sizeof(v1));
	memset(v2, 0x66, sizeof(v2));
	CHECK(block_writev(hd, 1024, iov, 2) == 512, "vectored write");
	CHECK(block_read(hd, 1024, buf, 512) == 512 && buf[99] == 0x55 && buf[100] == 0x66, "vectored write landed");
	CHECK(block_eject(hd, false, err, sizeof(err)) < 0 && strstr(err, "not removable"), "a disk cannot be ejected: %s", err);

	/* read-only: opened O_RDONLY, writes refused */
	struct blockdev *hb = block_new(BLK_DISK, "ide0-hd1", "hdb");
	CHECK(block_insert(hb, ro, true, err, sizeof(err)) == 0, "open a read-only image with access r");
	CHECK((fcntl(hb->fd, F_GETFL) & O_ACCMODE) == O_RDONLY, "opened O_RDONLY");
	CHECK(block_write(hb, 0, buf, 512) < 0 && errno == EROFS, "write to a read-only image: EROFS");
	if (geteuid() != 0) {
		CHECK(block_insert(hb, ro, false, err, sizeof(err)) < 0 && strstr(err, "for writing"),
		      "w on a read-only file: %s", err);
	}

	/* sparse */
	char *sp = xasprintf("%s/sparse.img", dir);
	int fd = open(sp, O_RDWR | O_CREAT, 0644);
	CHECK(ftruncate(fd, 1ll << 40) == 0, "a 1 TiB sparse file");
	close(fd);
	CHECK(block_insert(hb, sp, false, err, sizeof(err)) == 0 && block_size(hb) == 1ull << 40,
	      "opens with its full size");
	CHECK(block_write(hb, (1ull << 40) - 512, buf, 512) == 512, "write at the end of a sparse file");

	/* CD: eject, change, lock, callbacks */
	struct blockdev *cd = block_new(BLK_CDROM, "ide1-cd0", "hdc");
	cd->on_change = on_change;
	CHECK(cd->removable && !block_has_medium(cd), "an empty CD drive");
	CHECK(block_read(cd, 0, buf, 512) < 0 && errno == ENOMEDIUM, "read with no medium: ENOMEDIUM");
	CHECK(block_change(cd, b, true, err, sizeof(err)) == 0 && changes == 1, "change inserts and notifies");
	CHECK(block_has_medium(cd) && block_size(cd) == 4096, "medium present");
	cd->locked = true;
	CHECK(block_eject(cd, false, err, sizeof(err)) < 0 && strstr(err, "is locked and force was not specified"),
	      "locked: %s", err);
	CHECK(eject_requests == 1 && cd->eject_requested, "the device was asked to release it");
	CHECK(block_has_medium(cd), "medium still there");
	CHECK(block_eject(cd, true, err, sizeof(err)) == 0 && !block_has_medium(cd) && changes == 2, "eject -f");
	CHECK(cd->tray_open && !cd->path, "tray open, no path");
	CHECK(block_change(cd, "/nonexistent.iso", true, err, sizeof(err)) < 0 && !block_has_medium(cd),
	      "a failed change leaves the drive as it was");
	CHECK(block_change(cd, b, true, err, sizeof(err)) == 0 && !cd->tray_open, "change closes the tray");
	CHECK(block_set_tray(cd, true) == 0 && !block_has_medium(cd) && cd->fd >= 0,
	      "guest opens the tray: medium kept but unreadable");
	CHECK(block_set_tray(cd, false) == 0 && block_has_medium(cd), "guest closes it again");
	cd->locked = true;
	CHECK(block_set_tray(cd, true) < 0, "a locked tray stays closed");

	/* worker: jobs run in order, drain waits */
	int counter = 0, last = 0;
	struct counted_job jobs[20];
	for (int i = 0; i < 20; i++) {
		jobs[i] = (struct counted_job){ .job.fn = count_fn, .counter = &counter, .order = i + 1, .last = &last };
		block_submit(hd, &jobs[i].job);
	}
	block_drain(hd);
	CHECK(counter == 20 && last == 20, "20 jobs ran, in order");

	block_free(hd);
	block_free(hb);
	block_free(cd);
	char *rm = xasprintf("rm -rf %s", dir);
	if (system(rm) != 0)
		return 2;
	free(rm); free(a); free(b); free(ro); free(sp);
	return UNIT_DONE();
}
