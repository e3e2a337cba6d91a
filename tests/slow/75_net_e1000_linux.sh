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
# a guest whose pings stop: the card's registers (xp reads them through the
# MMIO bus): CTRL and STATUS, IMS, RCTL, TCTL, the receive and transmit
# rings' base, length, head and tail (ICR is left alone: reading clears it)
e1000_regs() {
	bar=$(net_linux_bar 8086:100e 0)
	[ -n "$bar" ] || return 0
	for off in 0x0 0xd0 0x100 0x400 0x2800 0x2810 0x3800 0x3810; do
		printf 'xp /4wx 0x%x\n' $((bar + off))
	done
	# and the last four transmit descriptors the card went through (guest RAM)
	tdba=$(net_linux_mon "xp /wx $((bar + 0x3800))" | awk '{ print $2 }')
	tdh=$(net_linux_mon "xp /wx $((bar + 0x3810))" | awk '{ print $2 }')
	[ -n "$tdba" ] && [ -n "$tdh" ] &&
		printf 'xp /16wx 0x%x\n' $((tdba + ((tdh + 252) % 256) * 16))
}
NET_LINUX_STUCK_FN=e1000_regs
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
