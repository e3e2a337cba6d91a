/* hostfwd rules: see net_fwd.h. */
#include "core/net_fwd.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(off, ...) do { *at = (off); snprintf(why, whylen, __VA_ARGS__); return -1; } while (0)

/* "[addr]:port" from s[0..len): the address defaults to def. */
static int addr_port(const char *s, size_t len, size_t base, const char *def, const char *what,
		     struct in_addr *addr, int *port, size_t *at, char *why, size_t whylen)
{
	const char *colon = memchr(s, ':', len);
	if (!colon)
		FAIL(base, "%s: expected [address]:port", what);
	size_t alen = (size_t)(colon - s);
	char a[64];
	if (alen >= sizeof(a))
		FAIL(base, "%s address too long", what);
	memcpy(a, s, alen);
	a[alen] = 0;
	if (inet_pton(AF_INET, alen ? a : def, addr) != 1)
		FAIL(base, "%s address '%s' is not an IPv4 address", what, a);
	const char *p = colon + 1, *end = s + len;
	if (p == end)
		FAIL(base + alen + 1, "%s port missing", what);
	long v = 0;
	for (const char *q = p; q < end; q++) {
		if (*q < '0' || *q > '9')
			FAIL(base + (size_t)(q - s), "%s port: '%.*s' is not a number", what,
			     (int)(end - p), p);
		v = v * 10 + (*q - '0');
		if (v > 65535)
			break;
	}
	if (v < 1 || v > 65535)
		FAIL(base + alen + 1, "%s port %.*s: 1 to 65535", what, (int)(end - p), p);
	*port = (int)v;
	return 0;
}

int hostfwd_parse(const char *s, bool remove, struct hostfwd *f, size_t *at, char *why,
		  size_t whylen)
{
	memset(f, 0, sizeof(*f));
	size_t off = 0;
	if (!strncmp(s, "tcp:", 4))
		off = 4;
	else if (!strncmp(s, "udp:", 4)) {
		f->udp = true;
		off = 4;
	} else if (s[0] == ':')
		off = 1;   /* ":hostport-..." with the protocol left out: tcp */
	else if (strchr(s, ':') && strchr(s, ':') - s > 0 && !strchr("0123456789", s[0]))
		FAIL(0, "protocol '%.*s': tcp or udp", (int)(strchr(s, ':') - s), s);
	const char *h = s + off;
	const char *dash = strchr(h, '-');
	if (remove) {
		if (dash)
			FAIL((size_t)(dash - s), "hostfwd_remove takes [tcp|udp]:[hostaddr]:hostport");
		return addr_port(h, strlen(h), off, "127.0.0.1", "host", &f->host_addr,
				 &f->host_port, at, why, whylen);
	}
	if (!dash)
		FAIL(strlen(s), "expected [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport");
	if (addr_port(h, (size_t)(dash - h), off, "127.0.0.1", "host", &f->host_addr,
		      &f->host_port, at, why, whylen) < 0)
		return -1;
	const char *g = dash + 1;
	return addr_port(g, strlen(g), (size_t)(g - s), NET_GUEST_ADDR, "guest", &f->guest_addr,
			 &f->guest_port, at, why, whylen);
}

void hostfwd_format(const struct hostfwd *f, char *buf, size_t len)
{
	char h[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &f->host_addr, h, sizeof(h));
	inet_ntop(AF_INET, &f->guest_addr, g, sizeof(g));
	snprintf(buf, len, "%s:%s:%d-%s:%d", f->udp ? "udp" : "tcp", h, f->host_port, g,
		 f->guest_port);
}
