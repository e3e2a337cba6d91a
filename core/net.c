/*
 * Network ports: the bounded frame queues between a card and its back end,
 * the VM's list of ports, and what the monitor shows and changes.
 */
#include "core/net_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <libdeflate.h>

#include "core/util.h"
#include "core/vm.h"

/* ---- frame queues ----------------------------------------------------- */

bool netq_put(struct frame_queue *q, unsigned cap, const void *frame, size_t len)
{
	if (!netq_room(q, cap) || !len || len > NET_MAX_FRAME)
		return false;
	unsigned i = q->tail % NET_TXQ;
	memcpy(q->data[i], frame, len);
	q->len[i] = (uint16_t)len;
	q->tail++;
	return true;
}

size_t netq_peek(struct frame_queue *q, uint8_t *buf)
{
	if (q->head == q->tail)
		return 0;
	unsigned i = q->head % NET_TXQ;
	memcpy(buf, q->data[i], q->len[i]);
	return q->len[i];
}

void netq_drop(struct frame_queue *q)
{
	if (q->head != q->tail)
		q->head++;
}

/* ---- ports ------------------------------------------------------------ */

static void netport_free(void *opaque)
{
	struct netport *p = opaque;
	if (p->backend == NET_TAP)
		net_tap_stop(p);
	else
		net_slirp_stop(p);
	net_capture_close(p);
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	pthread_cond_destroy(&p->req_cond);
	pthread_mutex_destroy(&p->call_lock);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/*
 * bridge= or tap=: the TAP; when it cannot be had the card is still on the
 * network, on NAT, with one warning that says why and how to get it.
 * Otherwise (type=user, or neither key) NAT.
 */
static int start_backend(struct netport *p)
{
	const struct vif_spec *v = p->vif;
	if (!v || (!v->bridge && !v->tap))
		return net_slirp_start(p);
	char why[160], hint[400];
	int fd = net_tapdev_open(p, why, sizeof(why), hint, sizeof(hint));
	if (fd >= 0)
		return net_tap_start(p, fd);
	msg_warn("vif %u: %s: the card is on user-mode NAT instead (the guest gets 10.0.2.15 by "
		 "DHCP). For the bridge: %s", p->index, why, hint);
	vm_log(p->vm, "vif %u: %s: on user-mode NAT instead", p->index, why);
	snprintf(p->nat_why, sizeof(p->nat_why), "%s", why);
	return net_slirp_start(p);
}

struct netport *netport_new(struct vm *vm, unsigned index, const char *model,
			    net_receive_fn rx, void *opaque)
{
	struct netport *p = xzalloc(sizeof(*p));
	p->vm = vm;
	p->index = index;
	p->rx = rx;
	p->rx_opaque = opaque;
	p->wake_fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->call_lock, NULL);
	pthread_cond_init(&p->req_cond, NULL);
	snprintf(p->model, sizeof(p->model), "%s", model);
	snprintf(p->name, sizeof(p->name), "%s.%u", model, index);
	if (vm->cfg && index < vm->cfg->n_vifs) {
		p->vif = &vm->cfg->vifs[index];
		memcpy(p->mac, p->vif->mac, 6);
	} else {
		vif_default_mac(vm->name, index, p->mac);
	}
	p->tap_fd = -1;
	p->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->wake_fd < 0)
		msg_error("%s: eventfd: %s", p->name, strerror(errno));
	if (p->wake_fd < 0 || vm->n_netports == VM_MAX_VIFS || start_backend(p) < 0) {
		netport_free(p);
		return NULL;
	}
	/* kept in vif order (the cards are made in device order): info network,
	 * the panel and completion list them as the config does */
	unsigned at = vm->n_netports++;
	while (at > 0 && vm->netports[at - 1]->index > index) {
		vm->netports[at] = vm->netports[at - 1];
		at--;
	}
	vm->netports[at] = p;
	vm_add_free_hook(vm, netport_free, p);
	return p;
}

bool netport_send(struct netport *p, const void *frame, size_t len)
{
	pthread_mutex_lock(&p->lock);
	/* the back end's thread drains the queue until it finds it empty (or
	 * waits on a timer or POLLOUT): only the first frame needs to wake it */
	bool was_empty = p->txq.head == p->txq.tail;
	/* the cable out (set_link off): the frame goes nowhere */
	bool ok = !p->link_down && netq_put(&p->txq, NET_TXQ, frame, len);
	if (ok) {
		p->tx_frames++;
		p->tx_bytes += len;
		if (p->cap)
			net_capture_frame(p->cap, frame, len);   /* a copy: no I/O here */
	} else {
		p->tx_dropped++;
	}
	pthread_mutex_unlock(&p->lock);
	if (ok) {
		p->vm->stats.net_tx_bytes += len;
		if (was_empty)
			net_wake(p);
	}
	return ok;
}

void netport_set_tx_fn(struct netport *p, net_tx_fn fn, void *opaque)
{
	p->tx_fn = fn;
	p->tx_opaque = opaque;
}

bool netport_tx_room(struct netport *p, size_t frames)
{
	if (frames > NET_TXQ)
		frames = NET_TXQ;   /* a longer burst waits for an empty queue */
	pthread_mutex_lock(&p->lock);
	bool room = !p->tx_fn || p->link_down || netq_room(&p->txq, NET_TXQ) >= frames;
	if (!room) {
		p->tx_waiting = true;
		p->tx_need = (unsigned)frames;
	}
	pthread_mutex_unlock(&p->lock);
	return room;
}

void netport_rx_ready(struct netport *p)
{
	pthread_mutex_lock(&p->lock);
	bool waiting = p->rxq.head != p->rxq.tail;
	pthread_mutex_unlock(&p->lock);
	if (waiting)
		net_wake(p);
}

const uint8_t *netport_mac(const struct netport *p)
{
	return p->mac;
}

/*
 * The one's-complement sum does not depend on byte order (RFC 1071, 2.B),
 * so the data is added eight bytes at a time as the host reads them, the
 * carries out of 64 bits counted (2^64 is 1 modulo 0xFFFF), and the folded
 * sum swapped to big-endian order at the end: about six times faster than
 * a word at a time, on every frame a card sums or checks.
 */
uint16_t net_csum(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t acc = 0, carries = 0, w64;
	uint32_t w32;
	uint16_t w16;
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w64, p, 8);
		acc += w64;
		carries += acc < w64;
	}
	if (len >= 4) {
		memcpy(&w32, p, 4);
		acc += w32;
		carries += acc < w32;
		p += 4, len -= 4;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		acc += w16;
		carries += acc < w16;
		p += 2, len -= 2;
	}
	if (len) {
		uint8_t last[2] = { p[0], 0 };   /* an odd last byte, padded with zero */
		memcpy(&w16, last, 2);
		acc += w16;
		carries += acc < w16;
	}
	uint64_t f = (acc & 0xFFFFFFFFu) + (acc >> 32) + carries;
	while (f >> 16)
		f = (f & 0xFFFF) + (f >> 16);
	uint64_t s = ntohs((uint16_t)f) + (uint64_t)sum;
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)s;
}

uint32_t net_fcs(const uint8_t *frame, size_t len)
{
	return libdeflate_crc32(0, frame, len);   /* CRC-32 with carry-less multiplies where the CPU has them */
}

unsigned net_mcast_hash_bit(const uint8_t *addr)
{
	/* the Ethernet CRC register fed LSB first, read MSB first: what the
	 * filter hardware computes and what drivers use to fill MAR */
	uint32_t crc = 0xFFFFFFFFu;
	for (int i = 0; i < 6; i++) {
		uint8_t b = addr[i];
		for (int bit = 0; bit < 8; bit++, b >>= 1) {
			bool top = crc >> 31;
			crc <<= 1;
			if (top ^ (b & 1))
				crc ^= 0x04C11DB7u;
		}
	}
	return crc >> 26;
}

/* ---- the monitor ------------------------------------------------------ */

void net_info(struct vm *vm, FILE *out)
{
	for (unsigned i = 0; i < vm->n_netports; i++) {
		struct netport *p = vm->netports[i];
		const uint8_t *m = p->mac;
		pthread_mutex_lock(&p->lock);
		fprintf(out, "%s: index=%u,type=nic,model=%s,macaddr=%02x:%02x:%02x:%02x:%02x:%02x,"
			"link=%s\n", p->name, p->index, p->model, m[0], m[1], m[2], m[3], m[4], m[5],
			p->link_down ? "down" : "up");
		if (p->backend == NET_TAP) {
			fprintf(out, " \\ tap.%u: index=%u,type=tap", p->index, p->index);
			if (p->bridge[0])
				fprintf(out, ",bridge=%s", p->bridge);
			fprintf(out, ",tap=%s", p->tap_name);
		} else {
			fprintf(out, " \\ user.%u: index=%u,type=user,net=10.0.2.0,restrict=off",
				p->index, p->index);
		}
		if (p->vif && p->vif->rate_bps)
			fprintf(out, ",rate=%s", p->vif->rate);
		if (p->vif && p->vif->tftp)
			fprintf(out, ",tftp=%s", p->vif->tftp);
		if (p->vif && p->vif->bootfile)
			fprintf(out, ",bootfile=%s", p->vif->bootfile);
		fputc('\n', out);
		if (p->nat_why[0])
			fprintf(out, "   instead of %s=%s: %s\n", p->vif->tap ? "tap" : "bridge",
				p->vif->tap ? p->vif->tap : p->vif->bridge, p->nat_why);
		for (unsigned f = 0; f < p->n_fwds; f++) {
			char rule[96];
			hostfwd_format(&p->fwds[f], rule, sizeof(rule));
			fprintf(out, "   hostfwd %s\n", rule);
		}
		fprintf(out, "   rx %llu frames %llu bytes (%llu dropped", (unsigned long long)p->rx_frames,
			(unsigned long long)p->rx_bytes, (unsigned long long)p->rx_dropped);
		if (p->rx_too_long)
			fprintf(out, ", %llu longer than %d", (unsigned long long)p->rx_too_long,
				NET_MAX_FRAME);
		fprintf(out, "), tx %llu frames %llu bytes (%llu dropped)\n",
			(unsigned long long)p->tx_frames, (unsigned long long)p->tx_bytes,
			(unsigned long long)p->tx_dropped);
		/* frames held in a queue: a card whose ring is full, a back end that lags */
		unsigned rx_held = p->rxq.tail - p->rxq.head, tx_held = p->txq.tail - p->txq.head;
		if (rx_held || tx_held)
			fprintf(out, "   waiting: %u frames for the guest, %u for the %s\n", rx_held,
				tx_held, p->backend == NET_TAP ? "TAP" : "NAT");
		if (p->cap)
			net_capture_info(p->cap, out);
		pthread_mutex_unlock(&p->lock);
	}
	if (!vm->n_netports)
		fprintf(out, "no network cards (vif = [ '' ] adds one)\n");
}

static int usernet_on_thread(struct netport *p, void *arg)
{
	FILE *out = arg;
	char *s = slirp_connection_info(p->slirp);
	fprintf(out, "Hub -1 (user.%u):\n%s", p->index, s ? s : "");
	free(s);
	return 0;
}

void net_info_usernet(struct vm *vm, FILE *out)
{
	for (unsigned i = 0; i < vm->n_netports; i++)
		if (vm->netports[i]->backend == NET_USER)
			net_call(vm->netports[i], usernet_on_thread, out);
}

bool netport_on_nat(const struct netport *p)
{
	return p->backend == NET_USER;
}

/* "user.N" ("tap.N" on a TAP), "N", the card's name ("rtl8139.0") or its
 * vifname; NULL: the first. */
static struct netport *find_port(struct vm *vm, const char *netdev, char *err, size_t len)
{
	if (!vm->n_netports) {
		snprintf(err, len, "no network cards");
		return NULL;
	}
	if (!netdev)
		return vm->netports[0];
	for (unsigned i = 0; i < vm->n_netports; i++) {
		struct netport *p = vm->netports[i];
		char user[16], num[8];
		snprintf(user, sizeof(user), "%s.%u", p->backend == NET_TAP ? "tap" : "user", p->index);
		snprintf(num, sizeof(num), "%u", p->index);
		if (!strcmp(netdev, user) || !strcmp(netdev, num) || !strcmp(netdev, p->name) ||
		    (p->vif && p->vif->vifname && !strcmp(netdev, p->vif->vifname)))
			return p;
	}
	snprintf(err, len, "no network device '%s' (see info network)", netdev);
	return NULL;
}

struct fwd_req {
	struct hostfwd f;
	bool remove;
};

static int fwd_on_thread(struct netport *p, void *arg)
{
	struct fwd_req *r = arg;
	return r->remove ? net_slirp_remove_fwd(p, &r->f) : net_slirp_add_fwd(p, &r->f);
}

static int hostfwd_change(struct vm *vm, const char *netdev, const char *rule, bool remove,
			  char *err, size_t len)
{
	struct netport *p = find_port(vm, netdev, err, len);
	if (!p)
		return -1;
	if (p->backend != NET_USER) {
		snprintf(err, len, "%s is on TAP %s%s%s: port forwards are for user-mode NAT "
			 "(the guest is on the LAN itself)", p->name, p->tap_name,
			 p->bridge[0] ? ", bridge " : "", p->bridge);
		return -1;
	}
	struct fwd_req r = { .remove = remove };
	size_t at;
	char why[160];
	if (hostfwd_parse(rule, remove, &r.f, &at, why, sizeof(why)) < 0) {
		snprintf(err, len, "invalid host forwarding rule '%s': %s", rule, why);
		return -1;
	}
	if (net_call(p, fwd_on_thread, &r) < 0) {
		snprintf(err, len, remove ? "host forwarding rule for '%s' not found" :
			 "could not set up host forwarding rule '%s'", rule);
		return -1;
	}
	return 0;
}

int net_hostfwd_add(struct vm *vm, const char *netdev, const char *rule, char *err, size_t len)
{
	return hostfwd_change(vm, netdev, rule, false, err, len);
}

int net_hostfwd_remove(struct vm *vm, const char *netdev, const char *rule, char *err,
		       size_t len)
{
	return hostfwd_change(vm, netdev, rule, true, err, len);
}
