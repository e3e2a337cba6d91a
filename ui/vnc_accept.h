/*
 * Connections to a VM's VNC ports (the RFB port and vnclisten's WebSocket
 * port): our own non-blocking listeners, whose connections are handed to
 * LibVNCServer (rfbNewClient) under a guard.
 *
 * Why a guard: LibVNCServer peeks at the first 4 bytes of every new
 * connection for a WebSocket request (webSocketsCheck, rfbPeekExactTimeout)
 * and, when 1 to 3 bytes are there and errno was left at EAGAIN, loops on
 * recv(MSG_PEEK) and select() for ever: a client that sends one byte and
 * hangs up wedged the server thread at full CPU, no other client got in, and
 * the VM could not quit (found by tests/fuzz/fuzz_vnc.c; LibVNCServer 0.9.14
 * and its master as of 2026). While a hand-over lasts longer than the guard's
 * time with 1-3 bytes waiting, the guard reads those bytes away through its
 * own duplicate of the socket: the peek then sees the end of the stream (or
 * nothing, and times out as for a plain RFB client) and returns.
 *
 * Built into vmst-vnc.so with vnc_server.c.
 */
#ifndef VMST_VNC_ACCEPT_H
#define VMST_VNC_ACCEPT_H

#include <rfb/rfb.h>
#include <stddef.h>

struct vnc_guard;

/* A non-blocking TCP listener on addr:port (IPv4 or IPv6), or -1 with
 * "cannot listen on ADDR:PORT<what>: <reason>" in err. */
int vnc_listen(const char *addr, int port, const char *what, char *err, size_t errlen);

/* The guard and its thread; NULL if the thread cannot be started. */
struct vnc_guard *vnc_guard_new(void);
void vnc_guard_free(struct vnc_guard *g);

/*
 * Accept every connection waiting on listen_fd and hand each to
 * LibVNCServer, guarded; past 64 clients of the screen a new connection is
 * closed at once. Runs on the server's thread (rfbNewClient may call the
 * screen's hooks).
 */
void vnc_accept_all(struct vnc_guard *g, rfbScreenInfoPtr screen, int listen_fd);

#endif
