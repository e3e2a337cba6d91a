/*
 * Realtek RTL8139C+ (PCI 10ec:8139, revision 0x20 as in QEMU and Xen's
 * device model): state shared by rtl8139.c (registers, PCI, life cycle),
 * rtl8139_rx.c (address filter, receive ring and C+ receive descriptors)
 * and rtl8139_tx.c (the four transmit descriptors and the C+ ring).
 * Register names and bits: Realtek "RTL8139C(L)+ Advanced PCI Fast Ethernet
 * Controller" datasheet 1.6, section 6 (registers), 9 and 10 (C+ mode).
 */
#ifndef VMST_RTL8139_H
#define VMST_RTL8139_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/net.h"
#include "devices/eeprom93c46.h"
#include "devices/pci.h"

struct vm;
struct netport;
struct evtimer;

/* registers (datasheet 6) */
#define RTL_IDR0   0x00   /* MAC address, 6 bytes */
#define RTL_MAR0   0x08   /* multicast hash, 8 bytes */
#define RTL_TSD0   0x10   /* transmit status of descriptor 0..3 */
#define RTL_TSAD0  0x20   /* transmit start address 0..3; C+: TNPDS, the ring (64-bit) */
#define RTL_THPDS  0x28   /* C+: high-priority transmit ring (64-bit) */
#define RTL_RBSTART 0x30
#define RTL_ERBCR  0x34
#define RTL_ERSR   0x36
#define RTL_CR     0x37
#define RTL_CAPR   0x38
#define RTL_CBR    0x3A
#define RTL_IMR    0x3C
#define RTL_ISR    0x3E
#define RTL_TCR    0x40
#define RTL_RCR    0x44
#define RTL_TCTR   0x48
#define RTL_MPC    0x4C
#define RTL_9346CR 0x50
#define RTL_CONFIG0 0x51
#define RTL_CONFIG1 0x52
#define RTL_TIMERINT 0x54
#define RTL_MSR    0x58
#define RTL_CONFIG3 0x59
#define RTL_CONFIG4 0x5A
#define RTL_MULINT 0x5C
#define RTL_RERID  0x5E
#define RTL_TSAD   0x60   /* transmit status of all descriptors */
#define RTL_BMCR   0x62
#define RTL_BMSR   0x64
#define RTL_ANAR   0x66
#define RTL_ANLPAR 0x68
#define RTL_ANER   0x6A
#define RTL_CSCR   0x74
#define RTL_CONFIG5 0xD8
#define RTL_TPPOLL 0xD9   /* C+: transmit priority polling */
#define RTL_CPCR   0xE0   /* C+ command */
#define RTL_INTRMIT 0xE2  /* C+: interrupt mitigation */
#define RTL_RDSAR  0xE4   /* C+: receive descriptor ring (64-bit) */
#define RTL_ETTHR  0xEC   /* C+: early transmit threshold */

/* CR */
#define CR_BUFE 0x01
#define CR_TE   0x04
#define CR_RE   0x08
#define CR_RST  0x10

/* ISR / IMR */
#define INT_ROK     0x0001
#define INT_RER     0x0002
#define INT_TOK     0x0004
#define INT_TER     0x0008
#define INT_RXOVW   0x0010   /* C+: receive descriptor unavailable */
#define INT_LINKCHG 0x0020   /* packet underrun / link change */
#define INT_FOVW    0x0040
#define INT_TDU     0x0080   /* C+: transmit descriptor unavailable */
#define INT_SWINT   0x0100
#define INT_TIMEOUT 0x4000
#define INT_SERR    0x8000

/* RCR */
#define RCR_AAP   0x01   /* all physical addresses */
#define RCR_APM   0x02   /* physical match */
#define RCR_AM    0x04   /* multicast */
#define RCR_AB    0x08   /* broadcast */
#define RCR_WRAP  0x80   /* 1: a frame past the end continues linearly */
#define RCR_9356SEL 0x40

/* TSD */
#define TSD_SIZE 0x1FFF
#define TSD_OWN  0x2000   /* the DMA to the FIFO is done (set by the card) */
#define TSD_TUN  0x4000
#define TSD_TOK  0x8000
#define TSD_TABT (1u << 30)

/* C+ command (CPCR) */
#define CPCR_TXON 0x01
#define CPCR_RXON 0x02

/* C+ descriptors (datasheet 9.2, 9.3) */
#define DESC_OWN   (1u << 31)
#define DESC_EOR   (1u << 30)   /* end of ring */
#define DESC_FS    (1u << 29)   /* first segment */
#define DESC_LS    (1u << 28)   /* last segment */
#define DESC_TX_LGSEN (1u << 27)
#define DESC_TX_IPCS  (1u << 18)
#define DESC_TX_UDPCS (1u << 17)
#define DESC_TX_TCPCS (1u << 16)
#define DESC_RX_RES   (1u << 20)

#define RTL_MAX_TX 1792          /* largest frame of the normal-mode descriptors */
#define RTL_CP_RING_MAX 64       /* C+ descriptors per ring (datasheet: 64) */
#define RTL_PCI_HZ 33000000ull   /* TCTR counts the PCI clock */

struct rtl8139 {
	struct vm *vm;
	pthread_mutex_t lock;
	struct pci_dev pci;
	struct netport *port;    /* NULL in unit tests without a back end */
	struct evtimer *timer;   /* TimerInt */
	unsigned index;
	struct pci_rom rom;      /* iPXE */

	uint8_t mac[6], mar[8];
	uint32_t tsd[4], tsad[4];
	uint32_t rbstart;
	uint16_t capr, cbr, imr, isr;
	uint8_t cr, cr9346, config0, config1, config3, config4, config5, msr;
	uint32_t tcr, rcr, mpc, timerint;
	uint64_t tctr_base_ns;   /* when TCTR was last 0 */
	bool timer_fired;        /* TimerInt reached since the last TCTR reset */
	uint16_t bmcr, anar, multint, cpcr, intrmit;
	uint8_t tx_next;         /* next normal-mode descriptor (0..3) */
	uint8_t ettthr;
	bool link_up;

	/* C+ mode */
	uint64_t tx_ring, rx_ring;   /* TNPDS, RDSAR */
	uint32_t thpds_lo, thpds_hi;
	unsigned cp_tx_idx, cp_rx_idx;
	uint32_t cp_tx_len;          /* bytes gathered of the frame in progress */

	struct eeprom93c46 eeprom;

	/* a frame being gathered (no allocation on exits): a large send's
	 * whole TCP/IPv4 datagram and its Ethernet header fit */
	uint8_t txbuf[14 + 65535 + 64];
	uint8_t segbuf[NET_MAX_FRAME];   /* one segment of a large send */
	uint64_t rx_missed, tx_errors;
};

/* rtl8139.c: the interrupt line from ISR & IMR (called with the lock held). */
void rtl8139_update_irq(struct rtl8139 *s);

/* rtl8139_rx.c: a frame from the network (the net_receive_fn; takes the lock). */
bool rtl8139_receive(void *opaque, const uint8_t *frame, size_t len);
/* Whether the card would take this destination address (lock held). */
bool rtl8139_accepts(const struct rtl8139 *s, const uint8_t *dst);

/* rtl8139_tx.c (lock held) */
void rtl8139_tx_write_tsd(struct rtl8139 *s, unsigned i, uint32_t val);
void rtl8139_cp_tx_poll(struct rtl8139 *s);
/* The port has room again (net_tx_fn, on its thread): C+ transmit goes on. Takes the lock. */
void rtl8139_tx_wake(void *opaque);

#endif
