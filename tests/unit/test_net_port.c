/*
 * The network port's cable and capture, without a guest: the pcap headers
 * byte by byte; a capture of an RTL8139's port on a real libslirp (the ARP
 * request handed to the port, slirp's reply) read back record by record;
 * set_link off: netport_send refuses and counts, nothing is captured;
 * the capture's errors; a file written over gets mode 0600; a burst of 3000
 * frames into a capture whose file does not keep up (a pipe read only
 * later): the ring fills, the frames past it are dropped and counted, the
 * rest written.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "unit_vm.h"
#include "core/evloop.h"
#include "core/net.h"
#include "core/net_pcap.h"
#include "core/net_priv.h"
#include "core/util.h"
#include "core/vm.h"
#include "devices/pci.h"
#include "net_frames.h"

static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x01, 0x02, 0x03 };

static uint32_t le32at(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void test_headers(void)
{
	static const uint8_t want[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	};
	uint8_t h[PCAP_FILE_HEADER];
	pcap_file_header(h);
	CHECK(!memcmp(h, want, sizeof(want)), "file header: magic a1b2c3d4 (LE), 2.4, zone 0, sigfigs 0, "
	      "snaplen 65535, LINKTYPE_ETHERNET");
	static const uint8_t rec[16] = {
		0xd2, 0x02, 0x96, 0x49, 0x40, 0xe2, 0x01, 0x00,   /* 1234567890 s, 123456 us */
		0x3c, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00,   /* 60 captured, 60 on the wire */
	};
	uint8_t r[PCAP_RECORD_HEADER];
	pcap_record_header(r, 1234567890123456ull, 60);
	CHECK(!memcmp(r, rec, sizeof(rec)), "record header: seconds, microseconds, lengths");
	pcap_record_header(r, 0, 70000);
	CHECK(le32at(r + 8) == 65535 && le32at(r + 12) == 70000, "longer than snaplen: captured 65535");
}

static struct netport *port;

static bool wait_rx(uint64_t frames, int ms)
{
	for (int i = 0; i < ms; i++) {
		pthread_mutex_lock(&port->lock);
		bool got = port->rx_frames > frames;
		pthread_mutex_unlock(&port->lock);
		if (got)
			return true;
		usleep(1000);
	}
	return false;
}

static void test_capture(struct vm *vm, const char *path)
{
	char err[256];
	uint8_t f[64];
	size_t flen = arp_request(f, mac);
	/* a file there before, readable by all: written over, made private */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "old contents, longer than a header", 34) == 34, "an old file");
	close(fd);
	chmod(path, 0644);
	uint64_t t0 = now_us();
	CHECK(net_capture_start(vm, "rtl8139.0", path, err, sizeof(err)) == 0, "netcap_start rtl8139.0");
	CHECK(net_capture_start(vm, "rtl8139.0", path, err, sizeof(err)) < 0 &&
	      strstr(err, "rtl8139.0 is being captured already"), "a second capture refused: %s", err);
	char info[2048];
	FILE *mf = fmemopen(info, sizeof(info), "w");
	net_info(vm, mf);
	fclose(mf);
	CHECK(strstr(info, "   capture ") && strstr(info, path), "info network shows the capture");
	struct net_view v[4];
	CHECK(net_views(vm, v, 4) == 1 && !strcmp(v[0].capture, path) && v[0].link_up &&
	      !strcmp(v[0].model, "rtl8139") && !memcmp(v[0].mac, mac, 6), "the panel's view: the card, "
	      "its MAC, link up, the capture");
	uint64_t rx = port->rx_frames;
	CHECK(netport_send(port, f, flen), "the ARP request handed to the port");
	CHECK(wait_rx(rx, 3000), "slirp answered (the card's receiver is off: the frame still passed the port)");
	usleep(100000);
	uint64_t t1 = now_us();

	/* the cable out: nothing goes, nothing is captured */
	CHECK(net_set_link(vm, "rtl8139.0", "off", err, sizeof(err)) == 0, "set_link off");
	uint64_t txd = port->tx_dropped;
	CHECK(!netport_send(port, f, flen) && port->tx_dropped == txd + 1, "netport_send refuses, counted");
	CHECK(!netport_link_up(port) && net_views(vm, v, 4) == 1 && !v[0].link_up, "the view says link down");
	CHECK(net_set_link(vm, "rtl8139.0", "on", err, sizeof(err)) == 0, "set_link on");

	CHECK(net_capture_stop(vm, "rtl8139.0", err, sizeof(err)) == 0, "netcap_stop rtl8139.0");
	CHECK(net_capture_stop(vm, "rtl8139.0", err, sizeof(err)) < 0 &&
	      strstr(err, "rtl8139.0 is not being captured"), "netcap_stop again: %s", err);

	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "the file is mode 0600 (%o)",
	      st.st_mode & 0777);
	uint8_t buf[4096];
	fd = open(path, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	uint8_t h[PCAP_FILE_HEADER];
	pcap_file_header(h);
	CHECK(n >= 24 && !memcmp(buf, h, 24), "the file starts with the header (the old contents gone)");
	const uint8_t *r = buf + 24;
	CHECK(n >= 24 + 16 + 60 && le32at(r + 8) == 60 && le32at(r + 12) == 60 && !memcmp(r + 16, f, 60),
	      "record 1: the guest's 60-byte ARP request, as sent");
	uint64_t ts = (uint64_t)le32at(r) * 1000000 + le32at(r + 4);
	CHECK(ts >= t0 && ts <= t1 && le32at(r + 4) < 1000000, "record 1: its time between start and stop");
	r += 16 + 60;
	uint32_t len2 = n >= 24 + 16 + 60 + 16 ? le32at(r + 8) : 0;
	CHECK(len2 >= 42 && r + 16 + len2 <= buf + n && ld16be(r + 16 + 12) == 0x0806 &&
	      ld16be(r + 16 + 20) == 2 && !memcmp(r + 16 + 6, "\x52\x55\x0a\x00\x02\x02", 6) &&
	      !memcmp(r + 16, mac, 6), "record 2: slirp's ARP reply to our MAC (%u bytes)", len2);
	CHECK(n == (ssize_t)(24 + 16 + 60 + 16 + len2), "nothing else: the frame refused while the link "
	      "was down is not in it (%zd bytes)", n);

	CHECK(net_capture_start(vm, "rtl8139.0", "/nonexistent/x.pcap", err, sizeof(err)) < 0 &&
	      strstr(err, "cannot create '/nonexistent/x.pcap'"), "an impossible file: %s", err);
	CHECK(net_capture_start(vm, "e1000.0", path, err, sizeof(err)) < 0 &&
	      strstr(err, "no network card 'e1000.0'"), "an unknown card: %s", err);
}

struct drain {
	int fd;
	size_t bytes;
};

static void *drain_thread(void *arg)
{
	struct drain *d = arg;
	char buf[65536];
	ssize_t n;
	while ((n = read(d->fd, buf, sizeof(buf))) > 0)
		d->bytes += (size_t)n;
	return NULL;
}

static void test_ring_full(struct vm *vm)
{
	char err[256], fifo[64];
	snprintf(fifo, sizeof(fifo), "/tmp/vmst-test-fifo-%d", (int)getpid());
	unlink(fifo);
	CHECK(mkfifo(fifo, 0600) == 0, "a pipe for the capture");
	int rfd = open(fifo, O_RDONLY | O_NONBLOCK);   /* a reader, so that the writer may open */
	CHECK(net_capture_start(vm, "rtl8139.0", fifo, err, sizeof(err)) == 0, "netcap_start to the pipe");
	struct net_capture *c = port->cap;
	uint8_t f[60];
	arp_request(f, mac);
	const unsigned total = 3000;   /* 228 KB: more than the pipe (64 KiB) and the ring (256) hold */
	for (unsigned i = 0; i < total; i++) {
		pthread_mutex_lock(&port->lock);
		net_capture_frame(c, f, sizeof(f));
		pthread_mutex_unlock(&port->lock);
	}
	usleep(200000);
	char info[2048];
	FILE *mf = fmemopen(info, sizeof(info), "w");
	net_info(vm, mf);
	fclose(mf);
	unsigned long long w = 0, b = 0, d = 0;
	const char *at = strstr(info, "   capture ");
	CHECK(at && sscanf(strchr(at, ':') + 1, " %llu frames %llu bytes written, %llu dropped", &w, &b, &d) == 3 &&
	      d > 0 && w < total, "a burst faster than the file: %llu written, %llu dropped (ring full), counted in info network", w, d);
	fcntl(rfd, F_SETFL, 0);
	struct drain dr = { rfd, 0 };
	pthread_t t;
	pthread_create(&t, NULL, drain_thread, &dr);
	CHECK(net_capture_stop(vm, "rtl8139.0", err, sizeof(err)) == 0, "netcap_stop: the ring written out");
	pthread_join(t, NULL);
	close(rfd);
	unlink(fifo);
	size_t frames = (dr.bytes - 24) / (16 + sizeof(f));
	CHECK(dr.bytes >= 24 && (dr.bytes - 24) % (16 + sizeof(f)) == 0 && frames + d == total,
	      "what came out of the pipe: the header and %zu records; with the %llu dropped, all %u", frames,
	      d, total);
}

int main(void)
{
	test_headers();

	struct vm_config cfg;
	vmconfig_defaults(&cfg);
	cfg.n_vifs = 1;
	memcpy(cfg.vifs[0].mac, mac, 6);
	cfg.vifs[0].model = xstrdup("rtl8139");
	cfg.vifs[0].type = xstrdup("ioemu");
	struct vm *vm = unit_vm_new(16, &cfg, NULL);
	CHECK(pc_create_part(vm, "pci") == 0 && pc_create_part(vm, "rtl8139") == 0,
	      "an rtl8139 with its slirp back end");
	port = vm->n_netports ? vm->netports[0] : NULL;
	if (!port)
		return 1;
	evloop_start_thread(vm->loop);
	char path[] = "/tmp/vmst-test-pcap-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	test_capture(vm, path);
	unlink(path);
	test_ring_full(vm);

	/* a capture left running is closed with the VM */
	char err[256];
	CHECK(net_capture_start(vm, "0", path, err, sizeof(err)) == 0, "netcap_start 0 (the vif index)");
	vm_destroy(vm);
	struct stat st;
	CHECK(stat(path, &st) == 0 && st.st_size == 24, "the VM gone: its capture closed, the header written");
	unlink(path);
	vmconfig_free(&cfg);
	return UNIT_DONE();
}
