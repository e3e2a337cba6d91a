/*
 * The per-VM joystick hub (ui/joystick.h): the map from host devices to the
 * game port's two joysticks, shared by the monitor and the front end.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devices/gameport.h"
#include "ui/joystick.h"
#include "core/util.h"
#include "core/vm.h"

struct joy_hub {
	struct vm *vm;
	struct gameport *gp;
	pthread_mutex_t lock;
	struct joy_source map[GAMEPORT_STICKS];
	char attached[GAMEPORT_STICKS][128];
	char pads[256];
	void (*wake)(void *opaque);
	void *wake_opaque;
	char vq[JOY_MAX_VQ][64];
	unsigned vq_head, vq_len;
};

struct joy_hub *joy_hub_of(struct vm *vm)
{
	return vm ? vm_lookup(vm, "joyhub") : NULL;
}

int joy_port_parse(const char *s)
{
	if (!strcasecmp(s, "a") || !strcmp(s, "0"))
		return 0;
	if (!strcasecmp(s, "b") || !strcmp(s, "1"))
		return 1;
	return -1;
}

int joy_source_parse(const char *s, struct joy_source *out)
{
	struct joy_source src = { .kind = JOY_AUTO, .stick = -1 };
	if (!strcmp(s, "auto")) {
		src.kind = JOY_AUTO;
	} else if (!strcmp(s, "none")) {
		src.kind = JOY_NONE;
	} else if (!strcmp(s, "keyboard")) {
		src.kind = JOY_KEYBOARD;
	} else if (!strncmp(s, "pad", 3) && s[3] >= '0' && s[3] <= '7') {
		src.kind = JOY_PAD;
		src.pad = (unsigned)(s[3] - '0');
		const char *rest = s + 4;
		if (!strcmp(rest, ".left"))
			src.stick = 0;
		else if (!strcmp(rest, ".right"))
			src.stick = 1;
		else if (*rest)
			return -1;
	} else {
		return -1;
	}
	*out = src;
	return 0;
}

void joy_source_format(const struct joy_source *src, char *buf, size_t n)
{
	switch (src->kind) {
	case JOY_AUTO: snprintf(buf, n, "auto"); break;
	case JOY_NONE: snprintf(buf, n, "none"); break;
	case JOY_KEYBOARD: snprintf(buf, n, "keyboard"); break;
	case JOY_PAD:
		snprintf(buf, n, "pad%u%s", src->pad,
			 src->stick < 0 ? "" : src->stick ? ".right" : ".left");
		break;
	}
}

static void wake(struct joy_hub *h)
{
	pthread_mutex_lock(&h->lock);
	void (*fn)(void *) = h->wake;
	void *op = h->wake_opaque;
	pthread_mutex_unlock(&h->lock);
	if (fn)
		fn(op);
}

void joy_hub_set_map(struct joy_hub *h, unsigned port, const struct joy_source *src)
{
	if (!h || port >= GAMEPORT_STICKS)
		return;
	pthread_mutex_lock(&h->lock);
	h->map[port] = *src;
	pthread_mutex_unlock(&h->lock);
	wake(h);
}

struct joy_source joy_hub_map(struct joy_hub *h, unsigned port)
{
	struct joy_source src = { .kind = JOY_NONE, .stick = -1 };
	if (!h || port >= GAMEPORT_STICKS)
		return src;
	pthread_mutex_lock(&h->lock);
	src = h->map[port];
	pthread_mutex_unlock(&h->lock);
	return src;
}

void joy_hub_set_attached(struct joy_hub *h, unsigned port, const char *what)
{
	if (!h || port >= GAMEPORT_STICKS)
		return;
	pthread_mutex_lock(&h->lock);
	snprintf(h->attached[port], sizeof(h->attached[port]), "%s", what ? what : "");
	pthread_mutex_unlock(&h->lock);
}

void joy_hub_set_pads(struct joy_hub *h, const char *list)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	snprintf(h->pads, sizeof(h->pads), "%s", list ? list : "");
	pthread_mutex_unlock(&h->lock);
}

void joy_hub_set_wake(struct joy_hub *h, void (*fn)(void *opaque), void *opaque)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->wake = fn;
	h->wake_opaque = opaque;
	pthread_mutex_unlock(&h->lock);
}

void joy_hub_info(struct joy_hub *h, FILE *out)
{
	pthread_mutex_lock(&h->lock);
	for (unsigned j = 0; j < GAMEPORT_STICKS; j++) {
		char map[32];
		joy_source_format(&h->map[j], map, sizeof(map));
		struct gameport_input in = gameport_get_input(h->gp, j);
		fprintf(out, "joystick %c: map %s: ", 'A' + j, map);
		if (!in.connected) {
			fprintf(out, "not connected%s%s\n", h->attached[j][0] ? " " : "", h->attached[j]);
			continue;
		}
		fprintf(out, "%s x=%d y=%d buttons=%c%c\n", h->attached[j][0] ? h->attached[j] : "connected",
			in.x, in.y, in.buttons & 1 ? '1' : '-', in.buttons & 2 ? '2' : '-');
	}
	fprintf(out, "controllers: %s\n", h->pads[0] ? h->pads : "none (no window with SDL, or none plugged in)");
	pthread_mutex_unlock(&h->lock);
}

int joy_hub_virtual_push(struct joy_hub *h, const char *cmd)
{
	if (!h)
		return -1;
	pthread_mutex_lock(&h->lock);
	int rc = -1;
	if (h->vq_len < JOY_MAX_VQ && strlen(cmd) < sizeof(h->vq[0])) {
		unsigned i = (h->vq_head + h->vq_len) % JOY_MAX_VQ;
		snprintf(h->vq[i], sizeof(h->vq[i]), "%s", cmd);
		h->vq_len++;
		rc = 0;
	}
	pthread_mutex_unlock(&h->lock);
	if (rc == 0)
		wake(h);
	return rc;
}

bool joy_hub_virtual_pop(struct joy_hub *h, char *buf, size_t n)
{
	if (!h)
		return false;
	pthread_mutex_lock(&h->lock);
	bool got = h->vq_len > 0;
	if (got) {
		snprintf(buf, n, "%s", h->vq[h->vq_head]);
		h->vq_head = (h->vq_head + 1) % JOY_MAX_VQ;
		h->vq_len--;
	}
	pthread_mutex_unlock(&h->lock);
	return got;
}

static void hub_free(void *opaque)
{
	struct joy_hub *h = opaque;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* A hub only where there is a game port to feed. */
int joy_hub_attach(struct vm *vm)
{
	struct gameport *gp = gameport_of(vm);
	if (!gp)
		return 0;
	struct joy_hub *h = xzalloc(sizeof(*h));
	h->vm = vm;
	h->gp = gp;
	pthread_mutex_init(&h->lock, NULL);
	for (unsigned j = 0; j < GAMEPORT_STICKS; j++)
		h->map[j] = (struct joy_source){ .kind = JOY_AUTO, .stick = -1 };
	vm_add_free_hook(vm, hub_free, h);
	vm_publish(vm, "joyhub", h);
	return 0;
}
