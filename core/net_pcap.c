/*
 * A capture of one port's frames, both ways, to a file in the classic
 * libpcap format that Wireshark and tcpdump read: the 24-byte file header
 * (magic 0xa1b2c3d4, version 2.4, snaplen 65535, LINKTYPE_ETHERNET 1), then
 * per frame a 16-byte record header (seconds, microseconds, captured and
 * original length) and the frame. Little-endian, as written on x86; readers
 * tell the byte order from the magic.
 *
 * Frames come on the vCPU thread (the guest's) and the port's thread (for
 * the guest): each is copied into a bounded ring, never written there; a
 * thread of the capture's own writes the ring to the file. A full ring drops
 * the frame, counted.
 */
#include "core/net_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/net_pcap.h"
#include "core/util.h"
#include "core/vm.h"

#define CAP_RING 256   /* frames: about 400 KiB */

struct cap_rec {
	uint64_t ts_us;
	uint16_t len;
	uint8_t data[NET_MAX_FRAME];
};

struct net_capture {
	char path[PATH_MAX];
	int fd;
	pthread_t thread;
	pthread_mutex_t lock;       /* the ring, the counters, stop */
	pthread_cond_t cond;
	bool stop;
	unsigned head, tail;        /* as struct frame_queue */
	uint64_t frames, bytes, dropped, write_errors;
	struct cap_rec ring[CAP_RING];
};

static void le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void le32(uint8_t *p, uint32_t v)
{
	le16(p, (uint16_t)v);
	le16(p + 2, (uint16_t)(v >> 16));
}

void pcap_file_header(uint8_t h[PCAP_FILE_HEADER])
{
	le32(h, 0xA1B2C3D4u);      /* microsecond timestamps */
	le16(h + 4, 2);            /* version 2.4 */
	le16(h + 6, 4);
	le32(h + 8, 0);            /* thiszone: UTC */
	le32(h + 12, 0);           /* sigfigs */
	le32(h + 16, PCAP_SNAPLEN);
	le32(h + 20, 1);           /* LINKTYPE_ETHERNET */
}

void pcap_record_header(uint8_t h[PCAP_RECORD_HEADER], uint64_t ts_us, uint32_t len)
{
	le32(h, (uint32_t)(ts_us / 1000000));
	le32(h + 4, (uint32_t)(ts_us % 1000000));
	le32(h + 8, len < PCAP_SNAPLEN ? len : PCAP_SNAPLEN);
	le32(h + 12, len);
}

void net_capture_frame(struct net_capture *c, const void *frame, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&c->lock);
	if (c->tail - c->head == CAP_RING || len > NET_MAX_FRAME) {
		c->dropped++;
	} else {
		struct cap_rec *r = &c->ring[c->tail % CAP_RING];
		r->ts_us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
		r->len = (uint16_t)len;
		memcpy(r->data, frame, len);
		c->tail++;
		pthread_cond_signal(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
}

/* Writes the ring out; the record is copied so that producers never wait
 * on the file. Ends when stopped and the ring is empty. */
static void *cap_thread(void *arg)
{
	struct net_capture *c = arg;
	struct cap_rec r;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (c->head == c->tail && !c->stop)
			pthread_cond_wait(&c->cond, &c->lock);
		if (c->head == c->tail)
			break;
		r = c->ring[c->head % CAP_RING];
		c->head++;
		pthread_mutex_unlock(&c->lock);
		uint8_t h[PCAP_RECORD_HEADER];
		pcap_record_header(h, r.ts_us, r.len);
		bool ok = write_all(c->fd, h, sizeof(h)) && write_all(c->fd, r.data, r.len);
		pthread_mutex_lock(&c->lock);
		if (ok) {
			c->frames++;
			c->bytes += r.len;
		} else {
			c->write_errors++;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Stops the thread once the ring is written out, closes the file; what was
 * written and dropped, for the log. */
static void cap_free(struct net_capture *c, uint64_t *frames, uint64_t *dropped)
{
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	if (frames)
		*frames = c->frames;
	if (dropped)
		*dropped = c->dropped;
	close(c->fd);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int net_capture_start(struct vm *vm, const char *name, const char *path, char *err, size_t len)
{
	struct netport *p = net_port_named(vm, name, err, len);
	if (!p)
		return -1;
	if (strlen(path) >= PATH_MAX) {
		snprintf(err, len, "file name too long");
		return -1;
	}
	pthread_mutex_lock(&p->lock);
	bool busy = p->cap != NULL;
	pthread_mutex_unlock(&p->lock);
	if (busy) {
		snprintf(err, len, "%s is being captured already (netcap_stop %s first)", p->name,
			 p->name);
		return -1;
	}
	/* written over, as filter-dump does; private whoever made it first */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		snprintf(err, len, "cannot create '%s': %s", path, strerror(errno));
		return -1;
	}
	uint8_t h[PCAP_FILE_HEADER];
	pcap_file_header(h);
	if (fchmod(fd, 0600) < 0 || !write_all(fd, h, sizeof(h))) {
		snprintf(err, len, "cannot write '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	struct net_capture *c = xzalloc(sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->fd = fd;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (pthread_create(&c->thread, NULL, cap_thread, c)) {
		snprintf(err, len, "cannot start the capture's thread");
		close(fd);
		free(c);
		return -1;
	}
	thread_set_name(c->thread, "net-pcap");
	pthread_mutex_lock(&p->lock);
	busy = p->cap != NULL;   /* another monitor session won the race */
	if (!busy)
		p->cap = c;
	pthread_mutex_unlock(&p->lock);
	if (busy) {
		cap_free(c, NULL, NULL);
		snprintf(err, len, "%s is being captured already", p->name);
		return -1;
	}
	vm_log(vm, "%s: capture to %s started", p->name, path);
	return 0;
}

/* Detaches the capture (no frame goes to it afterwards) and frees it: the
 * ring written out first. */
static struct net_capture *detach(struct netport *p)
{
	pthread_mutex_lock(&p->lock);
	struct net_capture *c = p->cap;
	p->cap = NULL;
	pthread_mutex_unlock(&p->lock);
	return c;
}

int net_capture_stop(struct vm *vm, const char *name, char *err, size_t len)
{
	struct netport *p = net_port_named(vm, name, err, len);
	if (!p)
		return -1;
	struct net_capture *c = detach(p);
	if (!c) {
		snprintf(err, len, "%s is not being captured", p->name);
		return -1;
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s", c->path);
	uint64_t frames, dropped;
	cap_free(c, &frames, &dropped);
	vm_log(vm, "%s: capture to %s stopped: %llu frames written, %llu dropped", p->name, path,
	       (unsigned long long)frames, (unsigned long long)dropped);
	return 0;
}

void net_capture_close(struct netport *p)
{
	struct net_capture *c = detach(p);
	if (c)
		cap_free(c, NULL, NULL);
}

void net_capture_info(struct net_capture *c, FILE *out)
{
	pthread_mutex_lock(&c->lock);
	fprintf(out, "   capture %s: %llu frames %llu bytes written, %llu dropped (ring full)",
		c->path, (unsigned long long)c->frames, (unsigned long long)c->bytes,
		(unsigned long long)c->dropped);
	if (c->write_errors)
		fprintf(out, ", %llu not written (write error)", (unsigned long long)c->write_errors);
	fputc('\n', out);
	pthread_mutex_unlock(&c->lock);
}

const char *net_capture_path(const struct net_capture *c)
{
	return c->path;
}
