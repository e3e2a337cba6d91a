#!/bin/sh
# Networking: the NE2000 on libslirp's user-mode NAT, both front ends.
# 1. vmstation check prints model=ne2k_pci and model=ne2k_isa (with io= and
#    irq=); xm's ne2000 = 1 turns a vif without model= into an ne2k_pci.
# 2. ne2k_arp.asm drives the card as ne and ne2k-pci do, once as the ISA
#    board at 0x300 and once as the RTL8029 at 00:03.0: the reset port, the
#    doubled PROM, 300 ARP round trips with slirp through remote DMA (the
#    26-page ring wraps), internal loopback.
# 3. info network names the cards (a VM paused before its first instruction).
# 4. boot='n': SeaBIOS runs Debian's pxe-ne2k_pci.rom from the card's ROM
#    BAR; iPXE gets a lease from slirp's DHCP, fetches a program by TFTP and
#    runs it, then chains it over HTTP (tests/net_lib.sh, as 72_net_rtl8139).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/net_lib.sh"
G=$(guest ne2k_arp) || { fail "assemble ne2k_arp.asm"; finish; }
SOCK="$T/mon.sock"

# ---- the config ----------------------------------------------------------------
cat > "$T/check.cfg" <<CFG
name = 'ne2k-check'
vif = [ 'model=ne2k_pci', 'model=ne2k_isa', 'model=ne2k_isa, io=0x320, irq=10', '' ]
ne2000 = 1
CFG
"$VMST" check "$T/check.cfg" > "$T/check.out" 2>&1
check "vmstation check: the models, the ISA cards' io and irq, ne2000 = 1's ne2k_pci" sh -c "
	grep -q \"model=ne2k_pci, type=ioemu'\" '$T/check.out' &&
	grep -q \"model=ne2k_isa, type=ioemu, io=0x300, irq=9'\" '$T/check.out' &&
	grep -q \"model=ne2k_isa, type=ioemu, io=0x320, irq=10'\" '$T/check.out' &&
	[ \$(grep -o 'model=ne2k_pci' '$T/check.out' | wc -l) = 2 ] && ! grep -q 'not implemented' '$T/check.out'"

# ---- the guest driving each card -------------------------------------------------
for model in ne2k_isa ne2k_pci; do
	cat > "$T/$model.cfg" <<CFG
name = 'net-$model'
memory = 32
kernel = '$G'
vif = [ 'model=$model' ]
serial = 'file:$T/$model.com1'
log_dir = '$T/logs-$model'
vga = 'none'
CFG
	"$VMST" run "$T/$model.cfg" > "$T/$model.out" 2>&1 &
	wait_pid $! 120; rc=$RC
	check "$model: the guest ran and powered off (exit $rc)" [ "$rc" = 0 ]
	where="ne2k_isa at 0x300"; [ $model = ne2k_pci ] && where="ne2k_pci at 00:03.0"
	check "$model: found as the $where" grep -q "^card: $where" "$T/$model.com1"
	check "$model: reset port, PROM byte-wide: the vif's MAC doubled, WW" \
		grep -q "^prom mac 00163e[0-7][0-9a-f]\{5\} doubled, WW OK" "$T/$model.com1"
	check "$model: 300 ARP replies through remote DMA, the ring wrapped 11 or 12 times" \
		grep -q "^arp: 0000012c replies, 0000000[bc] wraps OK" "$T/$model.com1"
	check "$model: internal loopback" grep -q "^loopback OK" "$T/$model.com1"
done

# ---- info network --------------------------------------------------------------
cat > "$T/info.cfg" <<CFG
name = 'net-info'
memory = 32
kernel = '$G'
vif = [ 'model=ne2k_pci', 'model=ne2k_isa, irq=10' ]
log_dir = '$T/logs-info'
vga = 'none'
CFG
vm_bg info run -p "$T/info.cfg" --monitor "unix:$SOCK"
wait_for "$T/info.out" "." 1 || true
i=0; while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mon() { printf '%s\n' "$@" | socat -t 5 - "UNIX-CONNECT:$SOCK" 2>&1 | sed 's/(vmstation) //g' | grep -v '^vmstation .* monitor'; }
mon "info network" > "$T/info.net"
check "info network: ne2k_pci.0 and ne2k_isa.1 with their MACs" sh -c "
	grep -q '^ne2k_pci.0: index=0,type=nic,model=ne2k_pci,macaddr=00:16:3e:' '$T/info.net' &&
	grep -q '^ne2k_isa.1: index=1,type=nic,model=ne2k_isa,macaddr=00:16:3e:' '$T/info.net'"
mon quit > /dev/null
wait_pid $VM_PID 30
check "quit from the monitor" [ "$RC" = 0 ]

# ---- network boot through pxe-ne2k_pci.rom ---------------------------------------
netboot_check ne2k_pci 10ec:8029
finish
