#!/bin/sh
# Debian's 32-bit kernel with its own e1000 driver on our 82540EM
# (model=e1000, 00:03.0) on slirp's NAT (tests/slow/net_linux.inc): DHCP,
# ping, a 20 MiB wget whose sha256 matches, the guest's httpd through
# hostfwd= and hostfwd_add, and 8 MiB of the guest's own fetched from it
# (Linux hands the card TCP segmentation and checksums: e1000_tx.c's TSO);
# and the driver's own view: the MAC it read from the EEPROM, the link at
# 1000 Mb/s full duplex it read from the PHY and STATUS.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/slow/net_linux.inc"
NET_LINK_DOWN_RE="e1000: eth0 NIC Link is Down" NET_LINK_DOWN_SAYS="e1000 says \"NIC Link is Down\" (ICR.LSC, STATUS.LU)"
NET_LINK_UP_RE="e1000: eth0 NIC Link is Up 1000 Mbps Full Duplex" NET_LINK_UP_SAYS="e1000 says \"NIC Link is Up 1000 Mbps Full Duplex\""
net_linux e1000 "model=e1000" e1000 "vmst_big=8" \
	"e1000 0000:00:03.0 eth0: \(PCI:33MHz:32-bit\) 00:16:3e:" \
	"e1000 probes the 82540EM: the EEPROM's checksum holds, its MAC is the vif's (00:16:3e:...)" 20
check "e1000: Intel(R) PRO/1000 Network Connection registered" \
	grep -aq "eth0: Intel(R) PRO/1000 Network Connection" "$T/e1000/net.com1"
check "e1000: the driver saw the link up at 1000 Mb/s, full duplex" \
	grep -aqE "e1000: eth0 NIC Link is Up 1000 Mbps Full Duplex" "$T/e1000/net.com1"
check "e1000: Linux handed the card TCP segmentation (the VM's log says so)" \
	grep -q "e1000.0: the driver hands TCP segmentation to the card" "$T/e1000/net.logs/vmstation.log"
finish
