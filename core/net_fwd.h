/*
 * Port-forward rules in QEMU's hostfwd syntax, shared by the config parser,
 * the monitor and the user-mode NAT back end:
 *   [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport
 * An empty hostaddr is 127.0.0.1 (only this machine reaches the guest),
 * an empty guestaddr the guest's DHCP address 10.0.2.15.
 */
#ifndef VMST_NET_FWD_H
#define VMST_NET_FWD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#define NET_GUEST_ADDR "10.0.2.15"

struct hostfwd {
	bool udp;
	struct in_addr host_addr, guest_addr;
	int host_port, guest_port;
};

/*
 * A whole rule (guest part required, remove=false) or the host part alone
 * (hostfwd_remove's "[tcp|udp]:[hostaddr]:hostport", remove=true).
 * 0, or -1 with why and *at (offset in s of the mistake).
 */
int hostfwd_parse(const char *s, bool remove, struct hostfwd *f, size_t *at, char *why,
		  size_t whylen);
/* "tcp:127.0.0.1:2222-10.0.2.15:22" */
void hostfwd_format(const struct hostfwd *f, char *buf, size_t len);

#endif
