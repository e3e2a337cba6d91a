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
#    gateway 10.0.2.2: TCP through the card and the NAT. (3 and 4 are
#    tests/net_lib.sh's netboot_check, shared with 74_net_ne2k.)
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/net_lib.sh"
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

# ---- network boot through iPXE (3 and 4) ---------------------------------------
PORT_BASE=$PORT1 netboot_check rtl8139 10ec:8139
finish
