/*
 * The cable of a network port: the monitor's set_link pulls it or plugs it
 * back. The change is made on the port's thread, so that frames held for the
 * guest are dropped in order with nothing in flight; the card is told then
 * (its link bits and interrupt: rtl8139.c, e1000.c). While it is out, frames
 * stop both ways here, for every card, whether or not it has a link bit.
 */
#include "core/net_priv.h"

#include <stdlib.h>
#include <string.h>

#include "core/vm.h"

void netport_set_link_fn(struct netport *p, net_link_fn fn, void *opaque)
{
	p->link_fn = fn;
	p->link_opaque = opaque;
}

bool netport_link_up(struct netport *p)
{
	pthread_mutex_lock(&p->lock);
	bool up = !p->link_down;
	pthread_mutex_unlock(&p->lock);
	return up;
}

bool net_wire_rx(struct netport *p, const void *frame, size_t len)
{
	pthread_mutex_lock(&p->lock);
	bool up = !p->link_down;
	if (!up)
		p->rx_dropped++;
	else if (p->cap)
		net_capture_frame(p->cap, frame, len);
	pthread_mutex_unlock(&p->lock);
	return up;
}

/* The card's name ("rtl8139.0"), its vif index ("0"), its back end's
 * ("user.0", "tap.0") or its vifname. */
struct netport *net_port_named(struct vm *vm, const char *name, char *err, size_t len)
{
	for (unsigned i = 0; i < vm->n_netports; i++) {
		struct netport *p = vm->netports[i];
		char num[12], user[20];
		snprintf(num, sizeof(num), "%u", p->index);
		snprintf(user, sizeof(user), "%s.%u", p->backend == NET_TAP ? "tap" : "user", p->index);
		if (!strcmp(name, p->name) || !strcmp(name, num) || !strcmp(name, user) ||
		    (p->vif && p->vif->vifname && !strcmp(name, p->vif->vifname)))
			return p;
	}
	if (!vm->n_netports)
		snprintf(err, len, "no network cards (vif = [ '' ] adds one)");
	else
		snprintf(err, len, "no network card '%s' (info network names them: %s%s)", name,
			 vm->netports[0]->name, vm->n_netports > 1 ? ", ..." : "");
	return NULL;
}

static int link_on_thread(struct netport *p, void *arg)
{
	bool up = *(bool *)arg;
	pthread_mutex_lock(&p->lock);
	bool changed = p->link_down == up;
	p->link_down = !up;
	if (!up) {
		/* what waited for the card is lost with the cable */
		p->rx_dropped += p->rxq.tail - p->rxq.head;
		p->rxq.head = p->rxq.tail;
	}
	pthread_mutex_unlock(&p->lock);
	if (changed && p->link_fn)
		p->link_fn(p->link_opaque, up);
	return 0;
}

int net_set_link(struct vm *vm, const char *name, const char *state, char *err, size_t len)
{
	bool up;
	if (!strcmp(state, "on") || !strcmp(state, "up")) {
		up = true;
	} else if (!strcmp(state, "off") || !strcmp(state, "down")) {
		up = false;
	} else {
		snprintf(err, len, "invalid link state '%s': on or off", state);
		return -1;
	}
	struct netport *p = net_port_named(vm, name, err, len);
	if (!p)
		return -1;
	net_call(p, link_on_thread, &up);
	vm_log(vm, "%s: link %s (set_link)", p->name, up ? "up" : "down");
	return 0;
}
