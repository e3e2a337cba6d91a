#!/bin/sh
# The panel and a VM on the network: rtl8139_arp.asm in its "link" mode
# sends an ARP request every 100 ms. The details pane lists the vif (card,
# model, MAC, back end, link) and its port forwards, the config's and one
# added in the monitor pane with hostfwd_add; Net/s in the list and in the
# details pane is traffic, not "-" nor 0B; set_link off in the monitor pane
# shows "link down" there.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/panel_lib.sh"
G=$(guest rtl8139_arp) || { fail "assemble rtl8139_arp.asm"; finish; }
PORT1=$((20000 + ($$ + 97) % 20000))
PORT2=$((PORT1 + 1))
mkdir -p "$T/vms" "$T/state"
cat > "$T/vmstation.conf" <<CFG
vm_dir = '$T/vms'
audio = 'none'
poweroff_timeout = 3
CFG
cat > "$T/vms/netvm.cfg" <<CFG
name = 'netvm'
memory = 32
kernel = '$G'
extra = 'link'
vga = 'none'
vif = [ 'mac=00:16:3e:aa:bb:cc, model=rtl8139, hostfwd=tcp::$PORT1-:23' ]
serial = 'file:$T/netvm.com1'
log_dir = '$T/logs'
CFG
$TMX new-session -d -s p -x 150 -y 45 "env LANG=C.UTF-8 TERM=xterm-256color \
XDG_STATE_HOME='$T/state' '$VMST' --config '$T/vmstation.conf' 2> '$T/stderr'; echo \$? > '$T/exit'; sleep 600"
wait_screen "netvm +stopped +1 +32M" 10 || { fail "panel up"; cat "$T/stderr"; finish; }
pass "panel up"
keys s
check "netvm runs" wait_screen "netvm +running +1 +32M" 10
check "the guest's ARP requests get replies" wait_for "$T/netvm.com1" "^arp [0-9a-f]{8} reply" 30
check "details: rtl8139.0, its model, MAC, back end, link up" \
	wait_details "vif 0 rtl8139\.0 rtl8139 00:16:3e:aa:bb:cc, user\.0 \(NAT 10\.0\.2\.0/24\), link up" 10
check "details: the config's port forward" wait_details "hostfwd tcp:127\.0\.0\.1:$PORT1-10\.0\.2\.15:23" 5
check "list: Net/s shows the traffic (a figure, not - nor 0B)" \
	wait_screen "netvm +running +1 +32M +0:00:[0-9]+ +[0-9]+ +[0-9]+ +0B +[1-9][0-9.]*[BKMG] +- *│" 10
check "details: net N/s, not 0B/s" wait_details "net [1-9][0-9.]*[BKMG]/s" 10
keys m
check "monitor pane" wait_screen "vmstation [0-9.]+ monitor - type 'help'" 10
keys "hostfwd_add tcp::$PORT2-:24" Enter
check "details: the forward added in the monitor" wait_details "hostfwd tcp:127\.0\.0\.1:$PORT2-10\.0\.2\.15:24" 10
keys "set_link rtl8139.0 off" Enter
check "details: link down (set_link)" wait_details "vif 0 rtl8139\.0 rtl8139 00:16:3e:aa:bb:cc, user\.0 \(NAT 10\.0\.2\.0/24\), link down \(set_link\)" 10
check "the guest sees it (MSR.LINKB)" wait_for "$T/netvm.com1" "^msr: LINKB set" 10
keys "set_link rtl8139.0 on" Enter
check "details: link up again" wait_details "00:16:3e:aa:bb:cc, user\.0 \(NAT 10\.0\.2\.0/24\), link up" 10
to_list
keys F10
wait_screen "Quit" 5 && keys Enter
i=0; while [ ! -s "$T/exit" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
check "the panel quits" [ -s "$T/exit" ]
finish
