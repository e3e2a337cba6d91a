/*
 * Intel 82540EM gigabit Ethernet (PCI 8086:100e), what QEMU and VirtualBox
 * call "e1000": state shared by e1000.c (registers, EEPROM, PHY, PCI, life
 * cycle), e1000_irq.c (interrupts, their throttling and delay timers),
 * e1000_tx.c (legacy and extended transmit descriptors, checksum offload,
 * TCP segmentation) and e1000_rx.c (address filters, legacy receive
 * descriptors). Register names: e1000_regs.h.
 */
#ifndef VMST_E1000_H
#define VMST_E1000_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/e1000_regs.h"
#include "devices/eeprom93c46.h"
#include "devices/pci.h"
#include "core/net.h"

struct vm;
struct evtimer;

#define E1K_N_PLAIN 25            /* registers only stored (e1000.c's table) */
#define E1K_TX_MAX (65536 + 256)  /* a TSO payload and its header */

/* The offload parameters of the last context descriptor (SDM 3, "TCP/IP Context Descriptor"). */
struct e1000_txctx {
	uint8_t ipcss, ipcso, tucss, tucso, tucmd, hdrlen;
	uint16_t ipcse, tucse, mss;
	uint32_t paylen;
};

struct e1000 {
	struct vm *vm;
	pthread_mutex_t lock;
	struct pci_dev pci;
	struct pci_rom rom;           /* iPXE */
	struct netport *port;         /* NULL in fuzzers */
	struct evtimer *timer;        /* ITR and the receive/transmit delay timers */
	unsigned index;
	bool link_up;                 /* the cable (set_link) */

	uint32_t ctrl, eecd, eerd, mdic, ioaddr;
	uint32_t icr, ims, itr;
	uint32_t rctl, tctl;
	uint32_t rdbal, rdbah, rdlen, rdh, rdt, rdtr, radv;
	uint32_t tdbal, tdbah, tdlen, tdh, tdt, tidv, tadv;
	uint32_t mta[128], vfta[128], ra[32];
	uint32_t plain[E1K_N_PLAIN];
	uint32_t stats[64];
	uint16_t phy[32];
	struct eeprom93c46 eeprom;

	/* interrupt timing, clock_ns() times; 0: not pending */
	bool line;
	uint64_t last_raise_ns;       /* the line's last assertion (ITR counts from it) */
	uint64_t rx_due_ns, rx_abs_ns;   /* RXT0 by RDTR (restarted), RADV (not) */
	uint64_t tx_due_ns, tx_abs_ns;   /* TXDW by TIDV, TADV */
	uint64_t timer_at;            /* when the timer is armed for; UINT64_MAX: not */

	/* transmit: the frame being gathered over its descriptors */
	struct e1000_txctx ctx;
	uint32_t tx_len;
	bool tx_bad;                  /* a frame already refused: skipped to its EOP */
	uint8_t tx_popts, tx_cmd;     /* of the frame's first data descriptor */
	uint16_t tx_vlan;
	uint8_t txbuf[E1K_TX_MAX];
	uint8_t segbuf[NET_MAX_FRAME + 4];
	uint64_t tx_errors;
	bool tso_seen;                /* logged the first time */
};

/* e1000_irq.c (lock held): the interrupt line from ICR, IMS, ITR; set causes. */
void e1000_update_irq(struct e1000 *s);
void e1000_set_ics(struct e1000 *s, uint32_t causes);
/* A delayed RXT0 (rx) or TXDW (!rx): RDTR/RADV, TIDV/TADV. */
void e1000_delay_irq(struct e1000 *s, bool rx);
/* RDTR.FPD (rx) or TIDV.FPD: the waiting cause now. */
void e1000_flush_delay(struct e1000 *s, bool rx);
/* The timer's callback (takes the lock). */
void e1000_timer_fire(void *opaque);
/* Whether bus mastering is on (PCI command bit 2). */
bool e1000_master(const struct e1000 *s);
/* A statistics counter at byte offset off from E1K_STATS; 64-bit ones at their low half. */
void e1000_count(struct e1000 *s, unsigned off, uint32_t n);
void e1000_count64(struct e1000 *s, unsigned off, uint64_t n);

/* VET: the VLAN ethertype. */
uint16_t e1000_vet(const struct e1000 *s);
/* RXCSUM: the receive checksum offloads the driver turned on. */
uint32_t e1000_rxcsum(const struct e1000 *s);

/* The cable plugged in or pulled (the monitor's set_link): STATUS.LU, the
 * PHY's link bits and an LSC interrupt. Takes the lock. */
void e1000_set_link(struct e1000 *s, bool up);

/* e1000_tx.c (lock held): descriptors from TDH up to TDT. */
void e1000_tx_kick(struct e1000 *s);
/* The port has room again (net_tx_fn, on its thread): the ring goes on. Takes the lock. */
void e1000_tx_wake(void *opaque);

/* e1000_rx.c: a frame from the network (the net_receive_fn; takes the lock). */
bool e1000_receive(void *opaque, const uint8_t *frame, size_t len);
/* Whether the filters take a frame for dst (lock held). */
bool e1000_accepts(const struct e1000 *s, const uint8_t *frame, size_t len);

#endif
