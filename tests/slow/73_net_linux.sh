#!/bin/sh
# Debian's 32-bit kernel with its own driver for our RTL8139C+ (8139cp; the
# card is revision 0x20, as QEMU's and Xen's, which 8139too leaves to it) on
# slirp's NAT: DHCP, ping, a 4 MiB wget whose sha256 matches, the guest's
# httpd through hostfwd= and hostfwd_add (tests/slow/net_linux.inc).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/slow/net_linux.inc"
NET_LINK_DOWN_RE="eth0: link down" NET_LINK_DOWN_SAYS="8139cp says \"link down\" (ISR.LinkChg, BMSR)"
NET_LINK_UP_RE="eth0: link up, 100Mbps, full-duplex" NET_LINK_UP_SAYS="8139cp says \"link up, 100Mbps, full-duplex\""
net_linux rtl8139 "model=rtl8139" 8139cp "" "eth0: RTL-8139C\+ at .* 00:16:3e:" \
	"8139cp drives the card (its MAC is the vif's, 00:16:3e:...)"
finish
