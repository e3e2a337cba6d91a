#!/bin/sh
# Networking: the Intel 82540EM (model=e1000) on libslirp's user-mode NAT.
# 1. vmstation check prints model=e1000 and warns about nothing.
# 2. info network and info pci name the card (a VM paused before its first
#    instruction).
# 3. boot='n': SeaBIOS runs Debian's pxe-e1000.rom from the card's ROM BAR;
#    iPXE's intel driver reads the MAC (RAL0/RAH0, the EEPROM through EERD),
#    gets a lease from slirp's DHCP, fetches a program by TFTP and runs it,
#    then an iPXE script chains it over HTTP from a server on the VMM's
#    127.0.0.1 through the gateway (tests/net_lib.sh, as 72_net_rtl8139).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/net_lib.sh"
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
