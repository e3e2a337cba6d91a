/*
 * Intel 82540EM register offsets and bits, as the "PCI/PCI-X Family of
 * Gigabit Ethernet Controllers Software Developer's Manual" (SDM) names
 * them: chapter 13 (register descriptions, table "Ethernet Controller
 * Register Summary"), chapter 3 (receive and transmit descriptors),
 * chapter 5 (EEPROM map) and the PHY registers of chapter 13's "PHY
 * Registers" (the 82540EM's internal PHY answers at MDI address 1).
 */
#ifndef VMST_E1000_REGS_H
#define VMST_E1000_REGS_H

/* ---- registers (SDM 13, register summary) ------------------------------ */
#define E1K_CTRL     0x00000
#define E1K_STATUS   0x00008
#define E1K_EECD     0x00010
#define E1K_EERD     0x00014
#define E1K_CTRL_EXT 0x00018
#define E1K_FLA      0x0001C
#define E1K_MDIC     0x00020
#define E1K_FCAL     0x00028
#define E1K_FCAH     0x0002C
#define E1K_FCT      0x00030
#define E1K_VET      0x00038
#define E1K_ICR      0x000C0
#define E1K_ITR      0x000C4
#define E1K_ICS      0x000C8
#define E1K_IMS      0x000D0
#define E1K_IMC      0x000D8
#define E1K_RCTL     0x00100
#define E1K_FCTTV    0x00170
#define E1K_TXCW     0x00178
#define E1K_RXCW     0x00180
#define E1K_TCTL     0x00400
#define E1K_TIPG     0x00410
#define E1K_AIT      0x00458
#define E1K_LEDCTL   0x00E00
#define E1K_PBA      0x01000
#define E1K_FCRTL    0x02160
#define E1K_FCRTH    0x02168
#define E1K_RDBAL    0x02800
#define E1K_RDBAH    0x02804
#define E1K_RDLEN    0x02808
#define E1K_RDH      0x02810
#define E1K_RDT      0x02818
#define E1K_RDTR     0x02820
#define E1K_RXDCTL   0x02828
#define E1K_RADV     0x0282C
#define E1K_RSRPD    0x02C00
#define E1K_TDBAL    0x03800
#define E1K_TDBAH    0x03804
#define E1K_TDLEN    0x03808
#define E1K_TDH      0x03810
#define E1K_TDT      0x03818
#define E1K_TIDV     0x03820
#define E1K_TXDCTL   0x03828
#define E1K_TADV     0x0382C
#define E1K_TSPMT    0x03830
#define E1K_STATS    0x04000   /* 64 statistics counters, read to clear */
#define E1K_STATS_END 0x04100
#define E1K_RXCSUM   0x05000
#define E1K_MTA      0x05200   /* 128 words of the multicast hash table */
#define E1K_RA       0x05400   /* 16 receive addresses: RAL, RAH pairs */
#define E1K_VFTA     0x05600   /* 128 words of the VLAN filter table */
#define E1K_WUC      0x05800
#define E1K_WUFC     0x05808
#define E1K_WUS      0x05810
#define E1K_MANC     0x05820
#define E1K_IPAV     0x05838
#define E1K_MMIO_SIZE 0x20000  /* BAR0: 128 KiB */
#define E1K_IO_SIZE  0x40      /* the I/O BAR: IOADDR at 0, IODATA at 4 */

/* statistics the card counts (byte offsets from E1K_STATS) */
#define ST_MPC     0x10
#define ST_PRC64   0x5C
#define ST_GPRC    0x74
#define ST_BPRC    0x78
#define ST_MPRC    0x7C
#define ST_GPTC    0x80
#define ST_GORCL   0x88        /* 64-bit: low, then high at +4 */
#define ST_GOTCL   0x90
#define ST_RNBC    0xA0
#define ST_TORL    0xC0
#define ST_TOTL    0xC8
#define ST_TPR     0xD0
#define ST_TPT     0xD4
#define ST_PTC64   0xD8
#define ST_MPTC    0xF0
#define ST_BPTC    0xF4
#define ST_TSCTC   0xF8

/* CTRL (SDM 13, "Device Control Register") */
#define CTRL_FD      (1u << 0)
#define CTRL_LRST    (1u << 3)
#define CTRL_ASDE    (1u << 5)
#define CTRL_SLU     (1u << 6)
#define CTRL_RST     (1u << 26)  /* self-clearing */
#define CTRL_VME     (1u << 30)
#define CTRL_PHY_RST (1u << 31)

/* STATUS (SDM 13, "Device Status Register") */
#define STATUS_FD        (1u << 0)
#define STATUS_LU        (1u << 1)
#define STATUS_TXOFF     (1u << 4)
#define STATUS_SPEED_1000 (2u << 6)
#define STATUS_ASDV_1000 (2u << 8)

/* EECD (SDM 13, "EEPROM/Flash Control/Data Register") */
#define EECD_SK   (1u << 0)
#define EECD_CS   (1u << 1)
#define EECD_DI   (1u << 2)
#define EECD_DO   (1u << 3)
#define EECD_FWE  (3u << 4)
#define EECD_REQ  (1u << 6)
#define EECD_GNT  (1u << 7)
#define EECD_PRES (1u << 8)
/* EECD_SIZE (bit 9) clear: the 64-word 93C46 */

/* EERD, the 82540's small layout (SDM 13, "EEPROM Read Register") */
#define EERD_START (1u << 0)
#define EERD_DONE  (1u << 4)
#define EERD_ADDR_SHIFT 8
#define EERD_DATA_SHIFT 16

/* MDIC (SDM 13, "MDI Control Register") */
#define MDIC_REG_SHIFT 16
#define MDIC_PHY_SHIFT 21
#define MDIC_OP_WRITE (1u << 26)
#define MDIC_OP_READ  (2u << 26)
#define MDIC_READY (1u << 28)
#define MDIC_INT   (1u << 29)
#define MDIC_ERROR (1u << 30)

/* ICR, ICS, IMS, IMC (SDM 13, "Interrupt Cause Read Register") */
#define ICR_TXDW   (1u << 0)
#define ICR_TXQE   (1u << 1)
#define ICR_LSC    (1u << 2)
#define ICR_RXSEQ  (1u << 3)
#define ICR_RXDMT0 (1u << 4)
#define ICR_RXO    (1u << 6)
#define ICR_RXT0   (1u << 7)
#define ICR_MDAC   (1u << 9)
#define ICR_TXD_LOW (1u << 15)
#define ICR_SRPD   (1u << 16)
#define ICR_VALID  0x0001FEDFu   /* the causes an 82540 has */

/* RCTL (SDM 13, "Receive Control Register") */
#define RCTL_EN    (1u << 1)
#define RCTL_SBP   (1u << 2)
#define RCTL_UPE   (1u << 3)
#define RCTL_MPE   (1u << 4)
#define RCTL_LPE   (1u << 5)
#define RCTL_LBM   (3u << 6)
#define RCTL_RDMTS_SHIFT 8
#define RCTL_MO_SHIFT 12
#define RCTL_BAM   (1u << 15)
#define RCTL_BSIZE_SHIFT 16
#define RCTL_VFE   (1u << 18)
#define RCTL_BSEX  (1u << 25)
#define RCTL_SECRC (1u << 26)

/* TCTL (SDM 13, "Transmit Control Register") */
#define TCTL_EN    (1u << 1)
#define TCTL_PSP   (1u << 3)

/* RDTR's flush bit (SDM 13, "Receive Delay Timer Register") */
#define RDTR_FPD   (1u << 31)

/* RAH: address valid */
#define RAH_AV     (1u << 31)

/* ---- descriptors (SDM 3) ------------------------------------------------ */
/* legacy receive descriptor status and errors (SDM 3, "Receive Descriptor Format") */
#define RXD_DD    0x01
#define RXD_EOP   0x02
#define RXD_IXSM  0x04   /* ignore the checksum indications */
#define RXD_VP    0x08
#define RXD_TCPCS 0x20   /* TCP/UDP checksum checked (RXCSUM.TUOFL) */
#define RXD_IPCS  0x40   /* IPv4 header checksum checked (RXCSUM.IPOFL) */
#define RXE_TCPE  0x20   /* ... and found wrong */
#define RXE_IPE   0x40
#define RXD_ERR_RXE 0x80 /* receive data error: the driver drops the frame */
/* RXCSUM (SDM 13, "Receive Checksum Control") */
#define RXCSUM_IPOFL (1u << 8)
#define RXCSUM_TUOFL (1u << 9)

/* transmit descriptor command byte (legacy) and DCMD (data descriptor) */
#define TXD_EOP   0x01
#define TXD_IFCS  0x02
#define TXD_IC    0x04   /* legacy: insert checksum at CSO */
#define TXD_TSE   0x04   /* extended: TCP segmentation */
#define TXD_RS    0x08
#define TXD_DEXT  0x20
#define TXD_VLE   0x40
#define TXD_IDE   0x80
/* status (low nibble of byte 12) */
#define TXD_STA_DD 0x01
/* extended descriptor type (bits 23:20 of the second dword) */
#define TXD_DTYP_CTX  0x0
#define TXD_DTYP_DATA 0x1
/* context TUCMD */
#define TUCMD_TCP 0x01
#define TUCMD_IP  0x02
#define TUCMD_TSE 0x04
/* data POPTS */
#define POPTS_IXSM 0x01
#define POPTS_TXSM 0x02

/* ---- PHY (MDI) registers, the 88E1011-like internal PHY ------------------ */
#define PHY_ADDR    1
#define PHY_CTRL    0
#define PHY_STATUS  1
#define PHY_ID1     2
#define PHY_ID2     3
#define PHY_ANAR    4
#define PHY_LPAR    5
#define PHY_ANER    6
#define PHY_1000T_CTRL 9
#define PHY_1000T_STATUS 10
#define PHY_EXT_STATUS 15
#define PHY_SPEC_CTRL 16
#define PHY_SPEC_STATUS 17
#define PHY_EXT_SPEC_CTRL 20

#define BMCR_RESET   0x8000
#define BMCR_ANRESTART 0x0200
#define BMSR_LINK    0x0004
#define BMSR_ANDONE  0x0020

#endif
