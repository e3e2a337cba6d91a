#!/bin/sh
# Networking: the Intel 82540EM (model=e1000) on libslirp's user-mode NAT.
# 1. vmstation check prints model=e1000 and warns about nothing.
# 2. e1000_arp.asm drives the card as Linux's e1000 and iPXE do: the EEPROM
#    through EERD (the MAC of RAL0/RAH0, the 0xBABA sum), a reset through
#    IOADDR/IODATA, STATUS, the PHY's ID through MDIC, 300 ARP round trips
#    with slirp through rings of 8 legacy descriptors (37 wraps), ICR read
#    to clear, and an ICMP echo whose IP checksum the card fills in (IXSM).
# 3. info network and info pci name the card (a VM paused before its first
#    instruction).
# 4. boot='n': SeaBIOS runs Debian's pxe-e1000.rom from the card's ROM BAR;
#    iPXE's intel driver reads the MAC (RAL0/RAH0, the EEPROM through EERD),
#    gets a lease from slirp's DHCP, fetches a program by TFTP and runs it,
#    then an iPXE script chains it over HTTP from a server on the VMM's
#    127.0.0.1 through the gateway (tests/net_lib.sh, as 72_net_rtl8139).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/net_lib.sh"
G=$(guest e1000_arp) || { fail "assemble e1000_arp.asm"; finish; }
SOCK="$T/mon.sock"

# ---- the config ----------------------------------------------------------------
cat > "$T/check.cfg" <<CFG
name = 'e1000-check'
vif = [ 'model=e1000', 'type=ioemu, mac=00:16:3e:00:00:42, model=e1000' ]
CFG
"$VMST" check "$T/check.cfg" > "$T/check.out" 2>&1
check "vmstation check: two model=e1000 vifs printed, nothing warned" sh -c "
	grep -q \"model=e1000, type=ioemu', 'mac=00:16:3e:00:00:42, model=e1000, type=ioemu'\" '$T/check.out' &&
	! grep -qi 'warning' '$T/check.out'"

# ---- the guest driving the card ----------------------------------------------------
cat > "$T/arp.cfg" <<CFG
name = 'net-e1000-arp'
memory = 32
kernel = '$G'
vif = [ 'model=e1000' ]
serial = 'file:$T/arp.com1'
log_dir = '$T/logs-arp'
vga = 'none'
CFG
"$VMST" run "$T/arp.cfg" > "$T/arp.out" 2>&1 &
wait_pid $! 120; rc=$RC
check "card test guest ran and powered off (exit $rc)" [ "$rc" = 0 ]
check "EERD: the EEPROM's MAC is RAL0/RAH0's, its 64 words sum to 0xBABA" \
	grep -q "^eeprom mac 00163e[0-7][0-9a-f]\{5\} sum baba OK" "$T/arp.com1"
check "reset through IOADDR/IODATA; STATUS: link up, 1000 Mb/s, full duplex" grep -q "^status 0000028[0-9a-f] OK" "$T/arp.com1"
check "MDIC: the PHY is an 88E1011 (0141:0c20)" grep -q "^phy id 01410c20 OK" "$T/arp.com1"
check "300 ARP replies through rings of 8 legacy descriptors, 37 wraps, TXDW and RXT0 each round" \
	grep -q "^arp: 0000012c replies, 00000025 wraps OK" "$T/arp.com1"
check "context + data descriptor with IXSM: the card's IP checksum, slirp's echo reply" \
	grep -q "^ixsm echo reply OK" "$T/arp.com1"

# ---- info network --------------------------------------------------------------
cat > "$T/info.cfg" <<CFG
name = 'net-info'
memory = 32
vif = [ 'model=e1000', 'model=rtl8139' ]
log_dir = '$T/logs-info'
vga = 'none'
vnc = 0
CFG
vm_bg info run -p "$T/info.cfg" --monitor "unix:$SOCK"
i=0; while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mon() { printf '%s\n' "$@" | socat -t 5 - "UNIX-CONNECT:$SOCK" 2>&1 | sed 's/(vmstation) //g' | grep -v '^vmstation .* monitor'; }
mon "info network" > "$T/info.net"
check "info network: e1000.0 beside rtl8139.1, with their MACs" sh -c "
	grep -q '^e1000.0: index=0,type=nic,model=e1000,macaddr=00:16:3e:' '$T/info.net' &&
	grep -q '^rtl8139.1: index=1,type=nic,model=rtl8139,macaddr=00:16:3e:' '$T/info.net'"
check "info network: in vif order (the e1000's card is made after the RTL8139's)" \
	[ "$(grep -o '^[a-z0-9]*\.[0-9]*:' "$T/info.net" | tr '\n' ' ')" = "e1000.0: rtl8139.1: " ]
mon "info pci" > "$T/info.pci"
sed -n '/device   3, function 0/,/id "/p' "$T/info.pci" > "$T/info.pci3"
check "info pci: 00:03.0 is an Ethernet controller 8086:100e (subsystem 8086:001e), pin A, a 128 KiB memory BAR0 and a 64-byte I/O BAR1" sh -c "
	grep -q 'Ethernet controller: PCI device 8086:100e' '$T/info.pci3' && grep -q 'PCI subsystem 8086:001e' '$T/info.pci3' &&
	grep -q 'pin A' '$T/info.pci3' && grep -q 'BAR0: 32 bit memory .*\[0x0001fffe\]' '$T/info.pci3' &&
	grep -q 'BAR1: I/O .*\[0x003e\]' '$T/info.pci3' && grep -q 'id \"e1000\"' '$T/info.pci3'"
mon quit > /dev/null
wait_pid $VM_PID 30
check "quit from the monitor" [ "$RC" = 0 ]

# ---- network boot through pxe-e1000.rom -------------------------------------------
netboot_check e1000 8086:100e
finish
