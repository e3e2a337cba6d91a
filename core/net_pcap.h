/*
 * The classic libpcap file format (core/net_pcap.c writes it; the unit
 * tests check it byte by byte): a file header, then a record header before
 * each frame. Little-endian fields.
 */
#ifndef VMST_NET_PCAP_H
#define VMST_NET_PCAP_H

#include <stdint.h>

#define PCAP_FILE_HEADER 24
#define PCAP_RECORD_HEADER 16
#define PCAP_SNAPLEN 65535

/* magic 0xa1b2c3d4 (microseconds), version 2.4, zone 0, sigfigs 0,
 * snaplen 65535, LINKTYPE_ETHERNET (1) */
void pcap_file_header(uint8_t h[PCAP_FILE_HEADER]);
/* seconds and microseconds since the epoch, captured and original length */
void pcap_record_header(uint8_t h[PCAP_RECORD_HEADER], uint64_t ts_us, uint32_t len);

#endif
