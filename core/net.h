/*
 * The network port of the house: one per vif, a card on one side and a
 * back end on the other: user-mode NAT through libslirp (core/net_slirp.c)
 * or a TAP on a Linux bridge (core/net_tap.c, core/net_tapdev.c).
 *
 * Cards send from their vCPU thread: netport_send copies the frame into a
 * bounded queue (no allocation, never blocks; a full queue drops it, as a
 * busy wire would) and wakes the back end's thread. A card with a transmit
 * ring asks first (netport_tx_room) and, while there is no room, leaves its
 * ring as it is until the port calls it back, as a real MAC does while the
 * wire is busy: a burst from the guest (64 KiB of TCP segmentation) then
 * loses nothing. Frames for the guest
 * come on that thread through the card's receive function; when it says
 * "no room" the frame waits in a bounded queue until netport_rx_ready.
 */
#ifndef VMST_NET_H
#define VMST_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vm;
struct vif_spec;
struct netport;

#define NET_MAX_FRAME 1536   /* Ethernet frames without FCS, VLAN tag included */

/* The cards a vif's model= may name, one devices/ file (and machine table
 * row) each; the first is the default. */
#define NET_NIC_MODELS { "rtl8139", "e1000", "ne2k_pci", "ne2k_isa" }
#define NET_NIC_DEFAULT "rtl8139"

/* A frame for the guest; false when the card has no room (kept for later). */
typedef bool (*net_receive_fn)(void *opaque, const uint8_t *frame, size_t len);

/*
 * The back end of vif index (vm->cfg->vifs[index]) for a card of this model:
 * its bridge= or tap=, or NAT (type=user, no bridge asked for, or the
 * bridge not to be had: warned). NULL with a message printed on failure
 * (libslirp refused, a port forward could not listen). Freed with the VM.
 */
struct netport *netport_new(struct vm *vm, unsigned index, const char *model,
			    net_receive_fn rx, void *opaque);
/* Hand a frame to the back end (any thread). False when it was dropped. */
bool netport_send(struct netport *p, const void *frame, size_t len);
/*
 * Room in the queue for frames more from the guest (capped at the queue's
 * size)? False: fn, registered with netport_set_tx_fn, is called once they
 * fit, on the port's thread with no lock of the port held. True with the
 * cable out (the frames are dropped anyway) or no fn registered.
 */
typedef void (*net_tx_fn)(void *opaque);
void netport_set_tx_fn(struct netport *p, net_tx_fn fn, void *opaque);
bool netport_tx_room(struct netport *p, size_t frames);
/* The card has room again: frames held back are retried (any thread). */
void netport_rx_ready(struct netport *p);
/* The card's MAC (from the vif), its index, and its name ("rtl8139.0"). */
const uint8_t *netport_mac(const struct netport *p);
/* On user-mode NAT (not a TAP): port forwards apply. */
bool netport_on_nat(const struct netport *p);

/*
 * The cable (core/net_link.c). A card that shows its link registers fn,
 * called on the port's thread with no lock of the port held, once per
 * change: up false when the monitor's set_link pulls it. With the link
 * down the port drops (and counts) frames both ways; a card without a
 * link bit (the DP8390) registers nothing and only its frames stop.
 */
typedef void (*net_link_fn)(void *opaque, bool up);
void netport_set_link_fn(struct netport *p, net_link_fn fn, void *opaque);
bool netport_link_up(struct netport *p);

/*
 * The multicast filter bit of an address (0-63) in the 64-bit hash tables
 * of the RTL8139 (MAR0-7) and the DP8390 (MAR0-7): the top six bits of the
 * Ethernet CRC register after the six address bytes, fed LSB first.
 */
unsigned net_mcast_hash_bit(const uint8_t *addr);

/*
 * The Internet checksum's running sum (RFC 1071): sum plus len bytes as
 * big-endian 16-bit words (an odd last byte padded with zero), folded to 16
 * bits. Chain calls through sum; the checksum field gets its complement.
 */
uint16_t net_csum(uint32_t sum, const uint8_t *p, size_t len);
/*
 * The frame check sequence a card appends to a received frame (IEEE 802.3
 * clause 3.2.9: the CRC-32 of the frame's len bytes), stored least
 * significant byte first.
 */
uint32_t net_fcs(const uint8_t *frame, size_t len);

/* Monitor: `info network`, `info usernet`, hostfwd_add/_remove in QEMU's syntax
 * ("[netdev] [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport"). */
void net_info(struct vm *vm, FILE *out);
void net_info_usernet(struct vm *vm, FILE *out);
int net_hostfwd_add(struct vm *vm, const char *netdev, const char *rule, char *err, size_t len);
int net_hostfwd_remove(struct vm *vm, const char *netdev, const char *rule, char *err,
		       size_t len);

/*
 * set_link NAME on|off (QEMU's HMP form). NAME as info network names the
 * card ("rtl8139.0"), its vif index ("0"), "user.N" or its vifname.
 * 0, or -1 with a message in err and nothing changed.
 */
int net_set_link(struct vm *vm, const char *name, const char *state, char *err, size_t len);

/*
 * A capture of a card's frames, both ways, to a classic pcap file
 * (core/net_pcap.c): written over if it exists (as QEMU's filter-dump
 * does), mode 0600. 0, or -1 with a message in err.
 */
int net_capture_start(struct vm *vm, const char *name, const char *path, char *err, size_t len);
int net_capture_stop(struct vm *vm, const char *name, char *err, size_t len);

/* What the panel shows of each vif (core/net_view.c). */
#define NET_VIEW_FWDS 8
struct net_view {
	char name[24], model[16], backend[64];
	unsigned index;            /* the vif's, in vif = [ ... ] */
	uint8_t mac[6];
	bool link_up;
	unsigned n_fwds;           /* all of them; the first NET_VIEW_FWDS in fwds */
	char fwds[NET_VIEW_FWDS][64];
	char capture[96];          /* the pcap file, "" when none */
};
unsigned net_views(struct vm *vm, struct net_view *v, unsigned max);

/*
 * `vmstation check`: what this host would make of each vif's bridge= or
 * tap= (the bridge missing, not a bridge, no CAP_NET_ADMIN; the TAP
 * missing), as "file:line:col: warning: ..." lines on out: at run time
 * the VM gets user-mode NAT instead. Returns the number of warnings.
 */
struct vm_config;
unsigned net_check_host(const struct vm_config *cfg, FILE *out);

#endif
