#!/bin/sh
# Debian's 32-bit kernel with its own NE2000 drivers on slirp's NAT, one
# boot each (tests/slow/net_linux.inc: DHCP, ping, a 4 MiB wget whose
# sha256 matches, the guest's httpd through hostfwd= and hostfwd_add):
# - ne2k-pci on model=ne2k_pci (the RTL8029 at 00:03.0);
# - ne on model=ne2k_isa at io 0x300, IRQ 5 (ne io=0x300 irq=5). Not IRQ 9,
#   the default: under ACPI it is also the SCI, which ne cannot share (with
#   acpi = 0 it is free); 10 and 11 are the PCI links'.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/slow/net_linux.inc"
net_linux ne2k_pci "model=ne2k_pci" ne2k-pci "" \
	"eth0: RealTek RTL-8029.* found at 0x[0-9a-f]+, IRQ [0-9]+, 00:16:3e:" \
	"ne2k-pci drives the card as an RTL8029 (its MAC is the vif's, 00:16:3e:...)"
net_linux ne2k_isa "model=ne2k_isa, io=0x300, irq=5" ne "vmst_ne=io=0x300,irq=5" \
	"NE2000 found at 0x300, using IRQ 5" \
	"ne finds the NE2000 at 0x300 on IRQ 5"
finish
