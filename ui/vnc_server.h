/*
 * The VNC server of one VM (vnc=1), LibVNCServer on its own thread. Started
 * by the graphics card when the VM is created (cfg->vnc) and stopped when the
 * VM is freed. Options: vncdisplay=N (port 5900+N), vnclisten= (default
 * 127.0.0.1), vncpasswd= (VNC authentication; empty = none), vncunused=1
 * (first free display from vncdisplay on). WebSocket clients (noVNC) connect
 * to the same port.
 */
#ifndef VMST_VNC_SERVER_H
#define VMST_VNC_SERVER_H

#include <stddef.h>

struct vm;
struct vnc_server;

struct vnc_server *vnc_server_start(struct vm *vm, char *err, size_t errlen);
void vnc_server_stop(struct vnc_server *s);
/* The TCP port it listens on (5900 + display). */
int vnc_server_port(const struct vnc_server *s);
/* Number of connected clients. */
int vnc_server_clients(struct vnc_server *s);

#endif
