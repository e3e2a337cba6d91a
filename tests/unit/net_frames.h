/*
 * Frames the NIC unit tests (test_rtl8139.c, test_ne2000.c, test_e1000.c)
 * send and receive, and the port's transmit counters. Include after
 * core/util.h.
 */
#ifndef VMST_TEST_NET_FRAMES_H
#define VMST_TEST_NET_FRAMES_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/net_priv.h"

/* An ARP request "who has 10.0.2.2 (slirp's gateway)? tell 10.0.2.15" from mac, 60 bytes. */
static inline size_t arp_request(uint8_t *f, const uint8_t *mac)
{
	memset(f, 0, 60);
	memset(f, 0xFF, 6);
	memcpy(f + 6, mac, 6);
	st16be(f + 12, 0x0806);
	st16be(f + 14, 1);        /* Ethernet */
	st16be(f + 16, 0x0800);   /* IPv4 */
	f[18] = 6;
	f[19] = 4;
	st16be(f + 20, 1);        /* request */
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, "\x0a\x00\x02\x0f", 4);
	memcpy(f + 38, "\x0a\x00\x02\x02", 4);
	return 60;
}

/*
 * A frame to dst from slirp's gateway MAC, len bytes: a local experimental
 * ethertype and a payload counting from seed in steps of 3.
 */
static inline size_t test_frame(uint8_t *f, size_t len, uint8_t seed, const uint8_t *dst)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, "\x52\x55\x0a\x00\x02\x02", 6);
	st16be(f + 12, 0x88B5);
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seed + i * 3);
	return len;
}

/*
 * A TCP client at 127.0.0.1:port, left connecting (close the fd when done):
 * through a hostfwd of the port slirp then sends the guest frames of its
 * own (an ARP request for 10.0.2.15 or a SYN) without the guest sending.
 */
static inline int hostfwd_poke(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		/* EINPROGRESS: slirp accepts it on its thread */
	}
	return fd;
}

/* The port's frames sent and dropped so far (under its lock). */
static inline void port_tx_counts(struct netport *p, uint64_t *frames, uint64_t *dropped)
{
	pthread_mutex_lock(&p->lock);
	*frames = p->tx_frames;
	*dropped = p->tx_dropped;
	pthread_mutex_unlock(&p->lock);
}

#endif
