/*
 * Character back ends for serial ports and the debug console.
 * Specs (xl / QEMU syntax): "pty", "stdio", "file:/path", "unix:/path,server[,nowait]",
 * "unix:/path" (connect), "tcp:host:port,server[,nowait]", "tcp:host:port", "null", "none".
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
/*
 * Tap output: also copies everything written to fn (the panel's serial pane,
 * a window's serial console). Up to four taps, one per opaque; fn NULL
 * removes the tap of that opaque (all taps if opaque is NULL too).
 */
void chardev_set_tap(struct chardev *chr, void (*fn)(void *, const uint8_t *, size_t), void *opaque);

/*
 * Additions (serial engineer). chardev_close: call it when the loop's thread
 * has stopped (a VM free hook) or on the loop's thread itself; if the loop
 * has been freed already, call chardev_detach_loop first.
 */

/* The loop was freed before the chardev: chardev_close must not touch it. */
void chardev_detach_loop(struct chardev *chr);
/* The handler now installed (all NULL if none), e.g. to restore it later. */
void chardev_get_handler(struct chardev *chr, struct chardev_handler *out);
/* Output bytes dropped because the peer did not read them fast enough. */
uint64_t chardev_dropped(const struct chardev *chr);
/* Is a peer there to read output (pty/stdio/file: always; sockets: connected)? */
bool chardev_connected(struct chardev *chr);

/*
 * Escape keys, as QEMU's stdio mux (only "stdio" chardevs filter their input):
 *   ctrl-a x        quit: calls the quit hook (without one: restore the
 *                   terminal and exit(0))
 *   ctrl-a h        print the list of keys
 *   ctrl-a ctrl-a   send one ctrl-a to the guest
 *   ctrl-a <other>  offered to the key hook; unclaimed keys are dropped.
 *
 * Hook left for the monitor: chardev_set_escape_hook(chr, fn, help, opaque)
 * makes fn(opaque, 'c') run on the loop thread when the person types ctrl-a c;
 * fn returns true if it used the key, and `help` ("C-a c    switch between
 * console and monitor\r\n") is appended to the ctrl-a h text. To move stdio
 * input to the monitor, fn saves chardev_get_handler() and installs its own
 * handler with chardev_set_handler(); the next ctrl-a c restores the saved one.
 * Set hooks before the loop runs or from the loop thread.
 *
 * The filter is a small state machine on its own (struct chardev_escape) so
 * any other front end reading a terminal can reuse it.
 */
#define CHARDEV_ESCAPE_CHAR 0x01 /* ctrl-a */

struct chardev_escape {
	bool armed;                              /* ctrl-a seen, waiting for the key */
	void (*quit)(void *opaque);              /* ctrl-a x */
	void *quit_opaque;
	bool (*key)(void *opaque, uint8_t key);  /* other keys */
	void *key_opaque;
	const char *key_help;                    /* extra ctrl-a h lines, or NULL */
	void (*print)(void *opaque, const char *text); /* where ctrl-a h writes */
	void *print_opaque;
};

/* Filters buf in place; returns how many bytes are left for the guest. */
size_t chardev_escape_filter(struct chardev_escape *e, uint8_t *buf, size_t len);

void chardev_set_quit_hook(struct chardev *chr, void (*fn)(void *opaque), void *opaque);
void chardev_set_escape_hook(struct chardev *chr, bool (*fn)(void *opaque, uint8_t key),
			     const char *help, void *opaque);

#endif
