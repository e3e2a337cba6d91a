/*
 * The TAP of a vif on a bridge (xl-network-configuration(5)'s bridge=).
 * vmstation makes one through /dev/net/tun (IFF_TAP | IFF_NO_PI: Ethernet
 * frames without a header, Linux's Documentation/networking/tuntap.rst),
 * named vifname= or vmst<hash of the VM's name>.<index>, gives it an
 * address of its own, adds it to the bridge (SIOCBRADDIF, what brctl addif
 * does) and brings it up. Making a TAP and changing a bridge need
 * CAP_NET_ADMIN. It is not persistent: it goes when the VM closes it.
 * With tap=NAME the TAP is one the administrator made for the user (ip
 * tuntap add NAME mode tap user USER), which its owner opens without
 * privileges; vmstation puts it on no bridge: that is the administrator's.
 * Everything by ioctl and rtnetlink in the VM's network namespace, nothing
 * through /sys (whose view may be another namespace's).
 */
#include "core/net_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"

#define WHY(...) snprintf(why, whylen, __VA_ARGS__)
#define HINT(...) snprintf(hint, hintlen, __VA_ARGS__)

static int ifreq_ioctl(unsigned long req, const char *name, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
	int rc = ioctl(s, req, ifr) < 0 ? -errno : 0;
	close(s);
	return rc;
}

/* The ifindex of an interface of this namespace, 0 if none. */
static unsigned ifindex_of(const char *name)
{
	struct ifreq ifr = { 0 };
	return ifreq_ioctl(SIOCGIFINDEX, name, &ifr) < 0 ? 0 : (unsigned)ifr.ifr_ifindex;
}

static int set_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int rc = ifreq_ioctl(SIOCGIFFLAGS, name, &ifr);
	if (rc < 0 || (ifr.ifr_flags & IFF_UP))
		return rc;
	ifr.ifr_flags |= IFF_UP;
	return ifreq_ioctl(SIOCSIFFLAGS, name, &ifr);
}

/* The ifindex of the bridge (or bond...) an interface is a port of, 0 if
 * none: IFLA_MASTER of its RTM_GETLINK (rtnetlink(7)). */
static unsigned master_of(unsigned ifindex)
{
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0)
		return 0;
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST },
		.ifi = { .ifi_family = AF_UNSPEC, .ifi_index = (int)ifindex },
	};
	char buf[16384];
	unsigned master = 0;
	ssize_t n = -1;
	if (send(s, &req, sizeof(req), 0) == (ssize_t)sizeof(req))
		n = recv(s, buf, sizeof(buf), 0);
	close(s);
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	if (n < 0 || !NLMSG_OK(nh, (size_t)n) || nh->nlmsg_type != RTM_NEWLINK)
		return 0;
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = IFLA_PAYLOAD(nh);
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_MASTER && RTA_PAYLOAD(a) >= sizeof(uint32_t))
			memcpy(&master, RTA_DATA(a), sizeof(master));
	return master;
}

/* /dev/net/tun, or -1 with why. */
static int open_tun(char *why, size_t whylen, char *hint, size_t hintlen)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == ENODEV || errno == ENXIO) {
		WHY("there is no /dev/net/tun");
		HINT("load the tun module (modprobe tun)");
	} else {
		WHY("no permission to open /dev/net/tun (%s)", strerror(errno));
		HINT("the administrator gives you read and write access to it");
	}
	return -1;
}

/* tap=NAME: the administrator's TAP, opened as its owner. */
static int open_tap(struct netport *p, const char *name, char *why, size_t whylen, char *hint,
		    size_t hintlen)
{
	const char *br = p->vif->bridge;
	char on[64] = "";
	if (br)
		snprintf(on, sizeof(on), "; ip link set %s master %s", name, br);
	HINT("the administrator makes the TAP for you: ip tuntap add %s mode tap user $USER; "
	     "ip link set %s up%s", name, name, on);
	if (!ifindex_of(name)) {
		WHY("TAP '%s' does not exist", name);
		return -1;
	}
	int fd = open_tun(why, whylen, hint, hintlen);
	if (fd < 0)
		return -1;
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		if (e == EPERM)
			WHY("no permission to open TAP '%s' (it is another user's)", name);
		else if (e == EBUSY)
			WHY("TAP '%s' is in use (another program has it open)", name);
		else if (e == EINVAL)
			WHY("'%s' is not a TAP (a TUN, a multi-queue TAP or another kind of "
			    "interface)", name);
		else
			WHY("cannot open TAP '%s': %s", name, strerror(e));
		close(fd);
		return -1;
	}
	/* deleted meanwhile, and made anew by TUNSETIFF: not the admin's */
	if (ioctl(fd, TUNGETIFF, &ifr) < 0 || !(ifr.ifr_flags & IFF_PERSIST)) {
		WHY("TAP '%s' does not exist", name);
		close(fd);
		return -1;
	}
	snprintf(p->tap_name, sizeof(p->tap_name), "%s", name);
	if (set_up(name) < 0)
		msg_warn("vif %u: TAP '%s' is down and vmstation may not bring it up: the card "
			 "has no link until the administrator does (ip link set %s up)", p->index,
			 name, name);
	unsigned m = master_of(ifindex_of(name));
	char master[IFNAMSIZ] = "";
	if (m && !if_indextoname(m, master))
		master[0] = 0;
	snprintf(p->bridge, sizeof(p->bridge), "%s", master);
	if (br && strcmp(br, master))
		msg_warn("vif %u: TAP '%s' is %s%s, not on bridge '%s': the administrator puts "
			 "it there (ip link set %s master %s)", p->index, name,
			 master[0] ? "on " : "on no bridge", master, br, name, br);
	return fd;
}

/* A new TAP: vifname= or vmst<hash>.<index>, or the kernel's vmstN when
 * that name is taken (the same VM name running twice). */
static int new_tap(struct netport *p, int fd, char *why, size_t whylen, char *hint,
		   size_t hintlen)
{
	const char *want = p->vif->vifname;
	char name[IFNAMSIZ];
	if (!want) {
		uint32_t h = 2166136261u;   /* FNV-1a, as vif_default_mac */
		for (const char *c = p->vm->name ? p->vm->name : ""; *c; c++)
			h = (h ^ (uint8_t)*c) * 16777619u;
		snprintf(name, sizeof(name), "vmst%06x.%u", h & 0xFFFFFF, p->index);
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		/* IFF_TUN_EXCL: a new interface, never one that exists */
		struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL };
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", want ? want : attempt ? "vmst%d" : name);
		if (ioctl(fd, TUNSETIFF, &ifr) == 0) {
			snprintf(p->tap_name, sizeof(p->tap_name), "%s", ifr.ifr_name);
			return 0;
		}
		if (errno == EPERM) {
			WHY("no permission to create a TAP (CAP_NET_ADMIN)");
			return -1;
		}
		if ((errno == EBUSY || errno == EINVAL) && want) {
			WHY("vifname '%s': a network interface of that name exists", want);
			HINT("choose another vifname=, or none: vmstation names the TAP itself");
			return -1;
		}
		if (errno != EBUSY && errno != EINVAL) {
			WHY("cannot create a TAP: %s", strerror(errno));
			return -1;
		}
	}
	WHY("cannot create a TAP: no free name");
	return -1;
}

/* bridge=NAME: a TAP of our own, on the bridge and up. */
static int bridge_tap(struct netport *p, const char *br, char *why, size_t whylen, char *hint,
		      size_t hintlen)
{
	HINT("give vmstation CAP_NET_ADMIN (setcap cap_net_admin+ep on its binary), or have the "
	     "administrator make a TAP on the bridge for you and name it with tap=NAME in the vif: "
	     "ip tuntap add NAME mode tap user $USER; ip link set NAME master %s up", br);
	unsigned bridx = ifindex_of(br);
	if (!bridx) {
		WHY("bridge '%s' does not exist", br);
		HINT("create it (ip link add %s type bridge; ip link set %s up) with the LAN's "
		     "interface on it, or name an existing bridge", br, br);
		return -1;
	}
	int fd = open_tun(why, whylen, hint, hintlen);
	if (fd < 0)
		return -1;
	if (new_tap(p, fd, why, whylen, hint, hintlen) < 0)
		goto fail;
	/* fe: and the guest's last five bytes, as libvirt does: a port address
	 * above any NIC's, so the bridge's own (its lowest port's) stays put */
	struct ifreq ifr = { 0 };
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	ifr.ifr_hwaddr.sa_data[0] = (char)0xfe;
	memcpy(ifr.ifr_hwaddr.sa_data + 1, p->mac + 1, 5);
	if (ifreq_ioctl(SIOCSIFHWADDR, p->tap_name, &ifr) < 0)
		vm_log(p->vm, "%s: TAP %s keeps its random address", p->name, p->tap_name);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = (int)ifindex_of(p->tap_name);
	int rc = ifreq_ioctl(SIOCBRADDIF, br, &ifr);
	if (rc == -EPERM) {
		WHY("no permission to add a TAP to bridge '%s' (CAP_NET_ADMIN)", br);
		goto fail;
	} else if (rc == -EOPNOTSUPP || rc == -EINVAL) {
		WHY("'%s' is not a bridge", br);
		HINT("name a Linux bridge (ip -d link show type bridge lists them)");
		goto fail;
	} else if (rc < 0) {
		WHY("cannot add TAP %s to bridge '%s': %s", p->tap_name, br, strerror(-rc));
		goto fail;
	}
	rc = set_up(p->tap_name);
	if (rc < 0) {
		WHY("cannot bring TAP %s up: %s", p->tap_name, strerror(-rc));
		goto fail;
	}
	snprintf(p->bridge, sizeof(p->bridge), "%s", br);
	return fd;
fail:
	close(fd);   /* not persistent: the TAP goes with it */
	p->tap_name[0] = 0;
	return -1;
}

int net_tapdev_open(struct netport *p, char *why, size_t whylen, char *hint, size_t hintlen)
{
	const struct vif_spec *v = p->vif;
	hint[0] = 0;
	if (v->tap)
		return open_tap(p, v->tap, why, whylen, hint, hintlen);
	return bridge_tap(p, v->bridge, why, whylen, hint, hintlen);
}

/* ---- vmstation check ------------------------------------------------------ */

/* CAP_NET_ADMIN (12) in this process's effective set (/proc/self/status). */
static bool have_net_admin(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	unsigned long long eff = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	if (f)
		fclose(f);
	return eff & (1ull << 12);
}

static bool sys_class_net_has(const char *ifname, const char *entry)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, entry);
	return access(path, F_OK) == 0;
}

unsigned net_check_host(const struct vm_config *cfg, FILE *out)
{
	unsigned warned = 0;
	const char *file = cfg->file ? cfg->file : "(config)";
	for (unsigned i = 0; i < cfg->n_vifs; i++) {
		const struct vif_spec *v = &cfg->vifs[i];
		char why[200] = "";
		if (v->tap) {
			if (!ifindex_of(v->tap))
				snprintf(why, sizeof(why), "TAP '%s' does not exist on this host", v->tap);
			else if (!sys_class_net_has(v->tap, "tun_flags"))
				snprintf(why, sizeof(why), "'%s' is not a TAP", v->tap);
		} else if (v->bridge) {
			if (!ifindex_of(v->bridge))
				snprintf(why, sizeof(why), "bridge '%s' does not exist on this host "
					 "(ip link add %s type bridge)", v->bridge, v->bridge);
			else if (!sys_class_net_has(v->bridge, "bridge"))
				snprintf(why, sizeof(why), "'%s' is not a bridge", v->bridge);
			else if (!have_net_admin())
				snprintf(why, sizeof(why), "no permission to put a TAP on bridge '%s' "
					 "(CAP_NET_ADMIN; or a TAP made for you, named with tap=)",
					 v->bridge);
		}
		if (why[0]) {
			fprintf(out, "%s:%d:%d: warning: vif %u: %s: it would run on user-mode NAT\n",
				file, v->line, v->col, i, why);
			warned++;
		}
	}
	return warned;
}
