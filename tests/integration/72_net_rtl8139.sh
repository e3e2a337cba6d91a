#!/bin/sh
# Networking: an RTL8139 on libslirp's user-mode NAT, from vif = [...].
# 1. rtl8139_arp.asm drives the card as 8139too and 8139cp do: the EEPROM,
#    300 ARP round trips with the ring's WRAP bit set and 300 with it clear
#    (the 8 KiB ring wraps twice each time), 12 through C+ descriptor rings.
# 2. The same guest serving: a hostfwd= of the config and one added by the
#    monitor's hostfwd_add bring a TCP SYN to the guest when a client
#    connects to 127.0.0.1 here; hostfwd_remove closes the port again;
#    info network and info usernet show the card, the forwards, the counters.
# 3. boot='n': SeaBIOS runs Debian's iPXE from the card's ROM BAR, which gets
#    a lease from slirp's DHCP, fetches netboot.asm's program from slirp's
#    TFTP (tftp=, bootfile=) and runs it; it prints on COM1 and powers off.
# 4. iPXE again, its bootfile an iPXE script that chains the same program
#    over HTTP from a server on the VMM's 127.0.0.1, reached at the
#    gateway 10.0.2.2: TCP through the card and the NAT. (3 and 4 need a KVM
#    that runs iPXE's mode switches; on kvm-pvm they run in the emulated host.)
. "$(dirname "$0")/../lib.sh"
G=$(guest rtl8139_arp) || { fail "assemble rtl8139_arp.asm"; finish; }
SOCK="$T/mon.sock"
PORT1=$((20000 + $$ % 20000))
PORT2=$((PORT1 + 1))

cat > "$T/arp.cfg" <<CFG
name = 'net-arp'
memory = 32
kernel = '$G'
vif = [ 'hostfwd=tcp::$PORT1-:23' ]
serial = 'file:$T/arp.com1'
log_dir = '$T/logs'
vga = 'none'
CFG
"$VMST" run "$T/arp.cfg" > "$T/arp.out" 2>&1 &
wait_pid $! 120; rc=$RC
check "card test guest ran and powered off (exit $rc)" [ "$rc" = 0 ]
check "EEPROM's MAC (words 7-9) is IDR0-5's" grep -q "^eeprom mac 00163e[0-7][0-9a-f]\{5\} OK" "$T/arp.com1"
check "WRAP=1: 300 ARP replies, the ring wrapped twice" \
	grep -q "^normal WRAP=1: 0000012c replies, 00000002 wraps OK" "$T/arp.com1"
check "WRAP=0: 300 ARP replies, frames wrapped at the ring's end" \
	grep -q "^normal WRAP=0: 0000012c replies, 00000002 wraps OK" "$T/arp.com1"
check "C+ mode: 12 round trips, both rings wrapped at EOR" \
	grep -q "^cplus: 0000000c replies, 00000003 wraps OK" "$T/arp.com1"

# ---- port forwards -----------------------------------------------------------
sed -i "s|^serial = .*|serial = 'file:$T/serve.com1'\nextra = 'serve'|" "$T/arp.cfg"
vm_bg serve run "$T/arp.cfg" --monitor "unix:$SOCK"
# the replies without the banner and the prompts
mon() { printf '%s\n' "$@" | socat -t 5 - "UNIX-CONNECT:$SOCK" 2>&1 | sed 's/(vmstation) //g' | grep -v '^vmstation .* monitor'; }
connect() { printf x | timeout 10 socat -t 2 - "TCP:127.0.0.1:$1" > /dev/null 2>&1; }
check "the guest serves" wait_guest "$T/serve.com1" "^serving" 60
check "hostfwd= of the config: a client connects to 127.0.0.1:$PORT1" connect $PORT1
check "its SYN reaches the guest's port 23" wait_guest "$T/serve.com1" "tcp syn to port 0017" 20
mon "hostfwd_add tcp::$PORT2-:24" > "$T/add.out"
check "hostfwd_add prints nothing" sh -c "! grep -q . '$T/add.out'"
check "hostfwd_add: a client connects to 127.0.0.1:$PORT2" connect $PORT2
check "its SYN reaches the guest's port 24" wait_guest "$T/serve.com1" "tcp syn to port 0018" 20
mon "info network" > "$T/info.out"
check "info network: the card, its MAC" grep -q "^rtl8139.0: index=0,type=nic,model=rtl8139,macaddr=00:16:3e:" "$T/info.out"
check "info network: the NAT and both forwards" sh -c "grep -q 'user.0: index=0,type=user,net=10.0.2.0' '$T/info.out' &&
	grep -q 'hostfwd tcp:127.0.0.1:$PORT1-10.0.2.15:23' '$T/info.out' && grep -q 'hostfwd tcp:127.0.0.1:$PORT2-10.0.2.15:24' '$T/info.out'"
check "info network: frames counted both ways" grep -qE "rx [1-9][0-9]* frames .* tx [1-9][0-9]* frames" "$T/info.out"
mon "info usernet" > "$T/usernet.out"
check "info usernet: slirp's connections" grep -q "HOST_FORWARD.*127.0.0.1 *$PORT1" "$T/usernet.out"
mon "hostfwd_add tcp::$PORT2-:24" > "$T/dup.out"
check "hostfwd_add of a port in use: refused" grep -q "could not set up host forwarding rule" "$T/dup.out"
mon "hostfwd_add tcp::x-:24" > "$T/bad.out"
check "hostfwd_add of a bad rule: says why" grep -q "invalid host forwarding rule 'tcp::x-:24': host port" "$T/bad.out"
mon "hostfwd_remove tcp::$PORT2" > "$T/rm.out"
check "hostfwd_remove: the port is closed" sh -c "! printf x | timeout 10 socat -t 2 - TCP:127.0.0.1:$PORT2 2>/dev/null"
mon "hostfwd_remove tcp::$PORT2" > "$T/rm2.out"
check "hostfwd_remove again: not found" grep -q "host forwarding rule for 'tcp::$PORT2' not found" "$T/rm2.out"
mon quit > /dev/null
wait_pid $VM_PID 30
check "quit from the monitor" [ "$RC" = 0 ]

# ---- network boot through iPXE --------------------------------------------------
mkdir -p "$T/tftp"
nasm -f bin -o "$T/tftp/netboot.bin" "$TOP/tests/guests/netboot.asm" || fail "assemble netboot.asm"
cat > "$T/nb.cfg" <<CFG
name = 'net-boot'
memory = 32
boot = 'n'
vif = [ 'tftp=$T/tftp, bootfile=netboot.bin' ]
serial = 'file:$T/nb.com1'
debugcon = 'file:$T/nb.dbg'
log_dir = '$T/nblogs'
vnc = 0
CFG
# both boots (3 and 4), with the HTTP server for 4 beside the VM
HPORT=$((PORT1 + 2))
mkdir -p "$T/www"
cp "$T/tftp/netboot.bin" "$T/www/"
printf '#!ipxe\necho VMST-IPXE-SCRIPT\nchain http://10.0.2.2:%s/netboot.bin\n' "$HPORT" > "$T/tftp/boot.ipxe"
sed -e "s|bootfile=netboot.bin|bootfile=boot.ipxe|" -e "s|nb.com1|http.com1|" -e "s|nb.dbg|http.dbg|" \
	-e "s|nblogs|httplogs|" "$T/nb.cfg" > "$T/http.cfg"
cat > "$T/boots.sh" <<'SH'
VMST=$1 T=$2 HPORT=$3
timeout -k 5 300 "$VMST" run "$T/nb.cfg" > "$T/nb.out" 2>&1; echo $? > "$T/nb.rc"
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$HPORT" > "$T/http.log" 2>&1 & h=$!
i=0; while ! socat -u OPEN:/dev/null "TCP:127.0.0.1:$HPORT" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
timeout -k 5 300 "$VMST" run "$T/http.cfg" > "$T/http.out" 2>&1; echo $? > "$T/http.rc"
kill $h
SH
if [ -d /sys/module/kvm_pvm ] && [ -z "${VMST_IN_KVMHOST:-}" ]; then
	# iPXE switches to protected mode and back with an IRET that kvm-pvm
	# cannot emulate in guest kernel mode (QEMU stops there too, "emulation
	# failure"): the boots run in the emulated host, whose KVM is real
	echo "INFO: 72_net_rtl8139: kvm-pvm cannot run iPXE: its boots run in the emulated host (tests/kvmhost)"
	"$TOP/tests/kvmhost/kvmhost" --timeout 1200 --share "$T" -- sh "$T/boots.sh" "$VMST" "$T" "$HPORT" > "$T/host.out" 2>&1 ||
		sed 's/^/  kvmhost: /' "$T/host.out"
else
	sh "$T/boots.sh" "$VMST" "$T" "$HPORT"
fi
rc=$(cat "$T/nb.rc" 2>/dev/null)
check "SeaBIOS found the card" grep -aq "PCI: init bdf=00:03.0 id=10ec:8139" "$T/nb.dbg"
check "SeaBIOS ran iPXE from the ROM BAR" grep -aq "Running option rom at" "$T/nb.dbg"
check "fw_cfg's bootorder names the card (/pci@i0cf8/ethernet@3)" sh -c "grep -A1 'boot order:' '$T/nblogs/vmstation.log' | grep -q '^/pci@i0cf8/ethernet@3\$'"
check "SeaBIOS looks the card's ROM up in it" grep -aq "Searching bootorder for: /pci@i0cf8/\*@3" "$T/nb.dbg"
check "SeaBIOS boots from the ROM" grep -aq "Booting from ROM" "$T/nb.dbg"
check "iPXE: DHCP from slirp, netboot.bin by TFTP, run: it printed on COM1 and powered off (exit $rc)" \
	sh -c "[ '$rc' = 0 ] && grep -aq 'VMSTATION-NETBOOT OK' '$T/nb.com1'"

# ---- an iPXE script fetched by TFTP chains the program over HTTP ----------------
rc=$(cat "$T/http.rc" 2>/dev/null)
check "iPXE script by TFTP chained netboot.bin over HTTP from the VMM's 127.0.0.1 (exit $rc)" \
	sh -c "[ '$rc' = 0 ] && grep -aq 'VMSTATION-NETBOOT OK' '$T/http.com1'"
check "the HTTP server beside the VM served it" grep -q '"GET /netboot.bin HTTP/1.[01]" 200' "$T/http.log"
finish
