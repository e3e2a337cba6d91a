/*
 * NE2000: a National Semiconductor DP8390 network interface controller with
 * 16 KiB of buffer memory and a station address PROM behind it, reached by
 * the host only through the DP8390's remote DMA and the board's data port.
 * ne2000.c is the DP8390 core (registers, remote DMA, transmit, loopback),
 * ne2000_rx.c the receive ring, ne2k_bus.c the two front ends: ne2k_pci
 * (the RTL8029, PCI 10ec:8029) and ne2k_isa (I/O 0x300, IRQ 9).
 * Register names and bits: NS "DP8390D/NS32490D NIC Network Interface
 * Controller" datasheet (July 1995): section 7 (packet reception), 8
 * (transmission), 9 (remote DMA), 10 (internal registers), 11
 * (initialization), 12 (loopback); "[10, ISR]" in comments: section 10,
 * the ISR's description.
 */
#ifndef VMST_NE2000_H
#define VMST_NE2000_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/pci.h"

struct vm;
struct netport;

/* the board's 32 ports: the DP8390's 16 registers, the data port, reset */
#define NE_IO_SIZE   0x20
#define NE_DATA      0x10   /* remote DMA data port (0x10-0x17 on an RTL8029) */
#define NE_RESET     0x1F   /* read (or write) to reset the board */

/* page 0 registers (the ones both pages share are at the same offsets) */
#define EN_CR      0x00
#define EN0_PSTART 0x01     /* write; page 2 read */
#define EN0_CLDA0  0x01     /* read */
#define EN0_PSTOP  0x02
#define EN0_BNRY   0x03
#define EN0_TPSR   0x04     /* write */
#define EN0_TSR    0x04     /* read */
#define EN0_TBCR0  0x05     /* write */
#define EN0_NCR    0x05     /* read */
#define EN0_TBCR1  0x06
#define EN0_ISR    0x07
#define EN0_RSAR0  0x08     /* write */
#define EN0_CRDA0  0x08     /* read */
#define EN0_RSAR1  0x09
#define EN0_RBCR0  0x0A
#define EN0_RBCR1  0x0B
#define EN0_RCR    0x0C     /* write */
#define EN0_RSR    0x0C     /* read */
#define EN0_TCR    0x0D     /* write */
#define EN0_CNTR0  0x0D     /* read: frame alignment errors */
#define EN0_DCR    0x0E     /* write */
#define EN0_CNTR1  0x0E     /* read: CRC errors */
#define EN0_IMR    0x0F     /* write */
#define EN0_CNTR2  0x0F     /* read: missed packets */
#define EN1_PAR0   0x01     /* page 1: physical address 0-5 */
#define EN1_CURR   0x07
#define EN1_MAR0   0x08     /* page 1: multicast hash 0-7 */

/* CR [10, CR] */
#define CR_STP   0x01
#define CR_STA   0x02
#define CR_TXP   0x04
#define CR_RD_MASK   0x38
#define CR_RD_READ   0x08
#define CR_RD_WRITE  0x10
#define CR_RD_SEND   0x18
#define CR_RD_ABORT  0x20   /* 1xx: abort / complete remote DMA */
#define CR_PS_SHIFT  6

/* ISR and IMR [10, ISR, IMR] */
#define ISR_PRX 0x01
#define ISR_PTX 0x02
#define ISR_RXE 0x04
#define ISR_TXE 0x08
#define ISR_OVW 0x10
#define ISR_CNT 0x20
#define ISR_RDC 0x40
#define ISR_RST 0x80

/* DCR [10, DCR] */
#define DCR_WTS 0x01        /* word-wide remote DMA */
#define DCR_LS  0x08        /* 1: normal operation, 0: loopback */

/* TCR [10, TCR] */
#define TCR_CRC 0x01        /* inhibit CRC */
#define TCR_LB_MASK 0x06    /* 00 normal, 01 NIC, 10 ENDEC, 11 external loopback */

/* TSR [10, TSR] */
#define TSR_PTX 0x01
#define TSR_ABT 0x08

/* RCR [10, RCR] */
#define RCR_SEP 0x01
#define RCR_AR  0x02        /* accept runts */
#define RCR_AB  0x04
#define RCR_AM  0x08
#define RCR_PRO 0x10
#define RCR_MON 0x20

/* RSR [10, RSR] */
#define RSR_PRX 0x01
#define RSR_MPA 0x10
#define RSR_PHY 0x20        /* multicast or broadcast */
#define RSR_DIS 0x40        /* receiver disabled (monitor mode) */

/* the board's memory: the PROM at 0x0000, 16 KiB of RAM at 0x4000 */
#define NE_PROM_SIZE 32
#define NE_MEM_START 0x4000
#define NE_MEM_SIZE  0x4000
#define NE_MEM_END   (NE_MEM_START + NE_MEM_SIZE)
#define NE_PAGE_FIRST (NE_MEM_START >> 8)
#define NE_PAGE_LAST  (NE_MEM_END >> 8)     /* one past */

#define NE_MAX_TX 1536      /* NET_MAX_FRAME: larger frames are aborted */

struct ne2000 {
	struct vm *vm;
	pthread_mutex_t lock;
	struct netport *port;   /* NULL in unit tests without a back end */
	void (*set_irq)(struct ne2000 *s, int level);  /* the front end's line */
	void *bus;              /* the front end's state (ne2k_bus.c) */
	unsigned index;
	const char *model;      /* "ne2k_pci" or "ne2k_isa" */
	bool rtl8029;           /* the PCI card: page 0 answers with its ID at 0x0A/0x0B */

	uint8_t cr, isr, imr, dcr, tcr, rcr, tsr, rsr, ncr;
	uint8_t pstart, pstop, bnry, curr, tpsr;
	uint16_t tbcr, rsar, rbcr;
	uint8_t par[6], mar[8];
	uint8_t cntr[3];        /* tally counters */
	uint16_t clda;          /* current local DMA address (last receive write) */
	int irq_level;

	uint8_t prom[NE_PROM_SIZE];
	uint8_t mem[NE_MEM_SIZE];
	uint8_t txbuf[NE_MAX_TX + 4];   /* a frame being sent (loopback: + FCS) */
	uint64_t rx_missed;
};

/* ne2000.c */
void ne2000_init(struct ne2000 *s, const uint8_t mac[6]);
void ne2000_reset(struct ne2000 *s);        /* the reset port, power on (lock held) */
uint32_t ne2000_io_read(struct ne2000 *s, unsigned off, unsigned size);    /* takes the lock */
void ne2000_io_write(struct ne2000 *s, unsigned off, uint32_t val, unsigned size);
void ne2000_update_irq(struct ne2000 *s);   /* lock held */

/* ne2000_rx.c: a frame from the network (the net_receive_fn; takes the lock) */
bool ne2000_receive(void *opaque, const uint8_t *frame, size_t len);
/* the same with the lock held (loopback from the transmitter) */
bool ne2000_receive_locked(struct ne2000 *s, const uint8_t *frame, size_t len);
/* Whether the ring is usable: PSTART < PSTOP, both inside the 16 KiB. */
bool ne2000_ring_valid(const struct ne2000 *s);

#endif
