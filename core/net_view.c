/*
 * What the panel's details pane shows of each vif: the card, its MAC, its
 * back end as info network names it, the cable, the port forwards and a
 * capture, copied out under the port's lock.
 */
#include "core/net_priv.h"

#include <string.h>

#include "core/vm.h"

unsigned net_views(struct vm *vm, struct net_view *v, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < vm->n_netports && n < max; i++, n++) {
		struct netport *p = vm->netports[i];
		struct net_view *w = &v[n];
		memset(w, 0, sizeof(*w));
		snprintf(w->name, sizeof(w->name), "%s", p->name);
		snprintf(w->model, sizeof(w->model), "%s", p->model);
		w->index = p->index;
		memcpy(w->mac, p->mac, 6);
		if (p->backend == NET_TAP && p->bridge[0])
			snprintf(w->backend, sizeof(w->backend), "tap.%u (%s on bridge %s)", p->index,
				 p->tap_name, p->bridge);
		else if (p->backend == NET_TAP)
			snprintf(w->backend, sizeof(w->backend), "tap.%u (%s)", p->index, p->tap_name);
		else
			snprintf(w->backend, sizeof(w->backend), "user.%u (NAT 10.0.2.0/24)", p->index);
		pthread_mutex_lock(&p->lock);
		w->link_up = !p->link_down;
		w->n_fwds = p->n_fwds;
		for (unsigned f = 0; f < p->n_fwds && f < NET_VIEW_FWDS; f++)
			hostfwd_format(&p->fwds[f], w->fwds[f], sizeof(w->fwds[f]));
		if (p->cap)
			snprintf(w->capture, sizeof(w->capture), "%s", net_capture_path(p->cap));
		pthread_mutex_unlock(&p->lock);
	}
	return n;
}
