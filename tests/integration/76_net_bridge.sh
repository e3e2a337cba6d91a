#!/bin/sh
# Networking on a bridge (issue #14, xl's bridge=; vmstation's tap=), in
# network namespaces of the test's own: NS holds bridge br0 and vmstation,
# PEER the other end of a veth pair on br0 with 192.168.77.1/24. Traffic
# only on addresses inside them. rtl8139_static.asm has 192.168.77.2.
# 1. bridge=br0: the VM makes a TAP on br0; the guest's ARP request and
#    three pings reach the peer and are answered (guest -> peer); the
#    peer's ping -c 3 is answered by the guest (peer -> guest); info
#    network shows the bridge and the TAP; no warning.
# 2. A 9000-byte frame from the peer (MTUs raised along the way): dropped
#    and counted by vmstation, no crash; a ping after it is answered.
#    On quit the TAP is gone (not persistent).
# 3. tap= of a TAP made beforehand with ip tuntap add ... user root and
#    put on br0: vmstation without CAP_NET_ADMIN uses it; pings both ways;
#    it is still there after the VM (the administrator's).
# 4. bridge= without CAP_NET_ADMIN: NAT, one warning saying why and how;
#    vmstation check warns the same beforehand (file:line:col).
# 5. bridge=nosuchbr: the VM runs on NAT (rtl8139_arp's 300 ARP round
#    trips with slirp) with exactly one warning, naming the bridge; so
#    does vmstation check.
. "$(dirname "$0")/../lib.sh"
G=$(guest rtl8139_static) || { fail "assemble rtl8139_static.asm"; finish; }
A=$(guest rtl8139_arp) || { fail "assemble rtl8139_arp.asm"; finish; }

if ! unshare -n true 2>/dev/null; then
	echo "SKIP: 76_net_bridge: no private network namespace here (unshare -n failed: it needs root or CAP_SYS_ADMIN)"
	finish
fi
NS=vmst76-$$
PEER=vmst76p-$$
cleanup() {
	[ -z "${VM_PID:-}" ] || kill "$VM_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip netns del "$PEER" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS" && ip netns add "$PEER" || { fail "ip netns add $NS, $PEER"; finish; }
in_ns() { ip netns exec "$NS" "$@"; }
in_peer() { ip netns exec "$PEER" "$@"; }
if command -v ping > /dev/null; then PING=ping; else PING="busybox ping"; fi
setup_ok=1
{ ip -n "$NS" link set lo up && ip -n "$NS" link add br0 type bridge && ip -n "$NS" link set br0 up &&
  ip -n "$NS" link add veth0 type veth peer name veth1 netns "$PEER" &&
  ip -n "$NS" link set veth0 master br0 up && ip -n "$PEER" link set lo up &&
  ip -n "$PEER" addr add 192.168.77.1/24 dev veth1 && ip -n "$PEER" link set veth1 up; } > "$T/setup.err" 2>&1 || setup_ok=0
check "a bridge and a veth pair in namespaces of the test's own" [ "$setup_ok" = 1 ]
[ "$setup_ok" = 1 ] || { sed 's/^/  ip: /' "$T/setup.err"; finish; }
PEER_MAC=$(ip -n "$PEER" -o link show veth1 | sed -n 's/.*link\/ether \([0-9a-f:]*\) .*/\1/p' | tr -d :)

SOCK="$T/mon.sock"
mon() { printf '%s\n' "$@" | socat -t 5 - "UNIX-CONNECT:$SOCK" 2>&1 | sed 's/(vmstation) //g' | grep -v '^vmstation .* monitor'; }
# cfg NAME VIF GUEST: a VM config with that vif string
cfg() {
	cat > "$T/$1.cfg" <<CFG
name = 'bridge-$1'
memory = 32
kernel = '$3'
vif = [ '$2' ]
serial = 'file:$T/$1.com1'
log_dir = '$T/logs-$1'
vga = 'none'
CFG
}
# vm_ns NAME [PREFIX...]: vmstation run NAME.cfg inside NS, in the background
vm_ns() {
	_n=$1; shift
	in_ns "$@" "$VMST" run "$T/$_n.cfg" --monitor "unix:$SOCK" > "$T/$_n.out" 2>&1 &
	VM_PID=$!
}
quit_vm() {
	mon quit > /dev/null
	wait_pid "$VM_PID" 30
	VM_PID=""
}
# guest_to_peer NAME: the guest's ARP request and its three pings answered
guest_to_peer() {
	check "$1: guest -> peer: ARP reply from 192.168.77.1 (the peer's MAC $PEER_MAC)" \
		grep -q "^arp reply: 192.168.77.1 is at $PEER_MAC OK" "$T/$1.com1"
	check "$1: guest -> peer: three echo replies from 192.168.77.1" sh -c \
		"grep -q '^echo reply from 192.168.77.1 seq 0001 OK' '$T/$1.com1' &&
		 grep -q '^echo reply from 192.168.77.1 seq 0002 OK' '$T/$1.com1' &&
		 grep -q '^echo reply from 192.168.77.1 seq 0003 OK' '$T/$1.com1'"
	in_peer $PING -c 3 -W 5 192.168.77.2 > "$T/$1.ping" 2>&1
	check "$1: peer -> guest: ping -c 3 192.168.77.2 from the peer's namespace, 3 replies" \
		grep -qE "3 packets transmitted, 3 (packets )?received" "$T/$1.ping"
	check "$1: the guest answered the pings" \
		[ "$(grep -c '^echo request seq .* answered' "$T/$1.com1")" -ge 3 ]
}

# ---- 1. bridge=br0 --------------------------------------------------------------
cfg br "bridge=br0, model=rtl8139, mac=00:16:3e:77:00:02" "$G"
vm_ns br
check "bridge=br0: the guest is up and serving" wait_guest "$T/br.com1" "^serving" 90
check "the card's MAC is mac=" grep -q "^mac 00163e770002" "$T/br.com1"
TAP=$(ip -n "$NS" -o link show master br0 | sed -n 's/^[0-9]*: \(vmst[^:@]*\)[:@].*/\1/p' | head -1)
check "a TAP vmst<hash>.0 is a port of br0 ($TAP)" sh -c "echo '$TAP' | grep -qE '^vmst[0-9a-f]{6}\.0$'"
guest_to_peer br
mon "info network" > "$T/br.info"
check "info network: the card on tap.0, bridge=br0, tap=$TAP" \
	grep -q "^ \\\\ tap.0: index=0,type=tap,bridge=br0,tap=$TAP\$" "$T/br.info"
check "info network: frames counted both ways, none dropped" \
	grep -qE "^   rx [1-9][0-9]* frames [0-9]+ bytes \(0 dropped\), tx [1-9][0-9]* frames [0-9]+ bytes \(0 dropped\)" "$T/br.info"
mon "hostfwd_add tcp::2222-:22" > "$T/br.fwd"
check "hostfwd_add on a TAP: refused, says why" grep -q "port forwards are for user-mode NAT" "$T/br.fwd"

# ---- 2. a jumbo frame --------------------------------------------------------
for dev in br0 veth0 "$TAP"; do ip -n "$NS" link set "$dev" mtu 9000; done
ip -n "$PEER" link set veth1 mtu 9000
in_peer $PING -c 2 -W 2 -s 8972 192.168.77.2 > "$T/jumbo.ping" 2>&1
mon "info network" > "$T/jumbo.info"
check "9000-byte frames from the peer: dropped and counted" \
	grep -qE "^   rx [0-9]+ frames [0-9]+ bytes \(2 dropped, 2 longer than 1536\)" "$T/jumbo.info"
in_peer $PING -c 1 -W 5 192.168.77.2 > "$T/after.ping" 2>&1
check "and the guest answers a ping after them" grep -qE "1 packets transmitted, 1 (packets )?received" "$T/after.ping"
quit_vm
check "bridge=br0: quit from the monitor (exit $RC)" [ "$RC" = 0 ]
check "bridge=br0: no warning" sh -c "! grep -q warning '$T/br.out'"
check "the TAP went with the VM (not persistent)" sh -c "! ip -n '$NS' link show '$TAP' > /dev/null 2>&1"
ip -n "$PEER" neigh flush all

# ---- 3. tap= of an administrator's TAP, without CAP_NET_ADMIN ------------------
ip -n "$NS" tuntap add vmst76t mode tap user "$(id -u)" && ip -n "$NS" link set vmst76t master br0 up ||
	fail "ip tuntap add vmst76t mode tap user $(id -u)"
cfg tap "tap=vmst76t, bridge=br0, mac=00:16:3e:77:00:03" "$G"
in_ns "$VMST" check "$T/tap.cfg" > "$T/check.out" 2> "$T/check.err"
check "vmstation check prints the vif with its bridge and TAP, warns nothing" sh -c \
	"grep -qxF \"vif = ['mac=00:16:3e:77:00:03, model=rtl8139, type=ioemu, bridge=br0, tap=vmst76t']\" '$T/check.out' &&
	 ! grep -q warning '$T/check.err'"
vm_ns tap setpriv --bounding-set=-net_admin
check "tap=vmst76t (no CAP_NET_ADMIN): the guest is up and serving" wait_guest "$T/tap.com1" "^serving" 90
guest_to_peer tap
mon "info network" > "$T/tap.info"
check "info network: tap.0 on bridge br0, tap=vmst76t" \
	grep -q "^ \\\\ tap.0: index=0,type=tap,bridge=br0,tap=vmst76t\$" "$T/tap.info"
quit_vm
check "tap=: quit from the monitor (exit $RC)" [ "$RC" = 0 ]
check "tap=: no warning" sh -c "! grep -q warning '$T/tap.out'"
check "tap=: the administrator's TAP stays" ip -n "$NS" link show vmst76t > /dev/null

# ---- 4. bridge= without CAP_NET_ADMIN ------------------------------------------
cfg nocap "bridge=br0, mac=00:16:3e:77:00:04" "$G"
in_ns setpriv --bounding-set=-net_admin "$VMST" check "$T/nocap.cfg" > /dev/null 2> "$T/nocap.check"
check "no CAP_NET_ADMIN: vmstation check warns where and why" grep -q \
	"^$T/nocap.cfg:4:9: warning: vif 0: no permission to put a TAP on bridge 'br0' (CAP_NET_ADMIN; or a TAP made for you, named with tap=): it would run on user-mode NAT\$" "$T/nocap.check"
vm_ns nocap setpriv --bounding-set=-net_admin
check "no CAP_NET_ADMIN: the VM runs" wait_guest "$T/nocap.com1" "^mac 00163e770004" 60
mon "info network" > "$T/nocap.info"
quit_vm
check "no CAP_NET_ADMIN: one warning, why and how (tap=, ip tuntap add)" sh -c \
	"[ \$(grep -c warning '$T/nocap.out') = 1 ] &&
	 grep -q 'warning: vif 0: no permission to create a TAP (CAP_NET_ADMIN): the card is on user-mode NAT instead' '$T/nocap.out' &&
	 grep -q 'tap=NAME.*ip tuntap add NAME mode tap user' '$T/nocap.out'"
check "no CAP_NET_ADMIN: info network shows NAT and why" sh -c \
	"grep -q '^ \\\\ user.0: index=0,type=user' '$T/nocap.info' &&
	 grep -q '^   instead of bridge=br0: no permission to create a TAP (CAP_NET_ADMIN)' '$T/nocap.info'"

# ---- 5. bridge=nosuchbr: NAT, one warning ------------------------------------
cfg nobr "bridge=nosuchbr" "$A"
in_ns "$VMST" check "$T/nobr.cfg" > /dev/null 2> "$T/nobr.check"
check "bridge=nosuchbr: vmstation check warns at the vif: the bridge does not exist" grep -q \
	"^$T/nobr.cfg:4:9: warning: vif 0: bridge 'nosuchbr' does not exist on this host (ip link add nosuchbr type bridge): it would run on user-mode NAT\$" "$T/nobr.check"
in_ns "$VMST" run "$T/nobr.cfg" > "$T/nobr.out" 2>&1 &
VM_PID=$!
wait_pid "$VM_PID" 180; VM_PID=""
check "bridge=nosuchbr: the VM ran on NAT: 300 ARP round trips with slirp, powered off (exit $RC)" \
	sh -c "[ '$RC' = 0 ] && grep -q '^normal WRAP=1: 0000012c replies, 00000002 wraps OK' '$T/nobr.com1'"
check "bridge=nosuchbr: exactly one warning, naming the bridge" sh -c \
	"[ \$(grep -c warning '$T/nobr.out') = 1 ] &&
	 grep -q \"warning: vif 0: bridge 'nosuchbr' does not exist: the card is on user-mode NAT instead\" '$T/nobr.out'"
grep -h warning "$T"/*.out | sed 's/^/  (what the VMs said) /'
finish
