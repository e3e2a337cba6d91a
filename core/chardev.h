/*
 * Character back ends for serial ports and the debug console.
 * Specs (xl / QEMU syntax): "pty", "stdio", "file:/path", "unix:/path,server[,nowait]",
 * "unix:/path" (connect), "null", "none".
 */
#ifndef VMST_CHARDEV_H
#define VMST_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct evloop;

struct chardev_handler {
	/* How many bytes the device can take now (0 = stop reading). */
	size_t (*can_receive)(void *opaque);
	void (*receive)(void *opaque, const uint8_t *buf, size_t len);
	void *opaque;
};

struct chardev;

/* NULL on error with a message in err. Input is read on loop's thread. */
struct chardev *chardev_open(const char *spec, struct evloop *loop, char *err,
			     size_t errlen);
void chardev_close(struct chardev *chr);
void chardev_set_handler(struct chardev *chr, const struct chardev_handler *h);
/* Call when can_receive may have become non-zero again (thread-safe). */
void chardev_accept_input(struct chardev *chr);
/* Never blocks the caller for long: output to a slow peer is dropped. */
ssize_t chardev_write(struct chardev *chr, const void *buf, size_t len);
/* "pty:/dev/pts/4", "file:/x", "unix:/p,server", ... as QEMU's info chardev. */
const char *chardev_describe(const struct chardev *chr);
/* Tap output: also copies everything written to fn (the panel's serial pane). */
void chardev_set_tap(struct chardev *chr, void (*fn)(void *, const uint8_t *, size_t), void *opaque);

#endif
