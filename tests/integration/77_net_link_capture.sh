#!/bin/sh
# The cable and the capture of an RTL8139 on slirp's NAT, from the monitor:
# rtl8139_arp.asm in its "link" mode sends an ARP request for 10.0.2.2
# every 100 ms and prints each round's result and the cable's changes as
# the card shows them (MSR's LINKB, ISR's LinkChg).
# 1. netcap_start: a pcap file that tcpdump reads, with the guest's ARP
#    request and slirp's reply; its header checked byte by byte; info
#    network shows the capture; netcap_stop.
# 2. set_link rtl8139.0 off: MSR.LINKB set, LinkChg, the requests time out,
#    info network says link=down and counts the dropped frames; on: LINKB
#    clear, LinkChg, replies again. The vif index form (set_link 0 ...).
# 3. Errors: an unknown card, a bad state, a second capture, a stop with
#    none: a clear message, nothing changed. help and tab completion.
. "$(dirname "$0")/../lib.sh"
G=$(guest rtl8139_arp) || { fail "assemble rtl8139_arp.asm"; finish; }
SOCK="$T/mon.sock"
MC="$TOP/tests/tools/monitor-client"
mon() { "$MC" "$SOCK" "$1" | sed 's/(vmstation) //g' | grep -v '^vmstation .* monitor'; }
# lines of COM1 after the first N: what came since a mark
since() { tail -n +"$(($1 + 1))" "$T/link.com1"; }
mark() { wc -l < "$T/link.com1"; }
wait_since() {   # wait_since MARK REGEX SECONDS [COUNT]: COUNT lines (1) match
	_i=0
	while [ $_i -lt $(($3 * 10)) ]; do
		[ "$(since "$1" | grep -caE "$2")" -ge "${4:-1}" ] && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}

cat > "$T/link.cfg" <<CFG
name = 'net-link'
memory = 32
kernel = '$G'
extra = 'link'
vif = [ 'model=rtl8139' ]
serial = 'file:$T/link.com1'
log_dir = '$T/logs'
vga = 'none'
CFG
vm_bg link run "$T/link.cfg" --monitor "unix:$SOCK"
"$MC" --wait "$SOCK" 30
check "the guest sends ARP requests and slirp answers" wait_guest "$T/link.com1" "^arp [0-9a-f]{8} reply" 60

# ---- 1. the capture ---------------------------------------------------------
mon "netcap_start rtl8139.0 $T/cap.pcap" > "$T/cap.out"
check "netcap_start prints nothing" sh -c "! grep -q . '$T/cap.out'"
m=$(mark)
wait_since "$m" "^arp [0-9a-f]{8} reply" 10 2
mon "info network" > "$T/info_cap.out"
check "info network shows the capture" grep -q "^   capture $T/cap.pcap: [0-9]* frames" "$T/info_cap.out"
mon "netcap_stop rtl8139.0" > "$T/stop.out"
check "netcap_stop prints nothing" sh -c "! grep -q . '$T/stop.out'"
check "the pcap file is private (0600)" [ "$(stat -c %a "$T/cap.pcap")" = 600 ]
check "pcap header: magic a1b2c3d4, 2.4, zone 0, sigfigs 0, snaplen 65535, LINKTYPE_ETHERNET" \
	[ "$(head -c 24 "$T/cap.pcap" | od -An -tx1 | tr -d ' \n')" = "d4c3b2a1020004000000000000000000ffff000001000000" ]
if command -v tcpdump > /dev/null; then
	tcpdump -nn -e -r "$T/cap.pcap" > "$T/cap.txt" 2> "$T/cap.err"
	check "tcpdump reads the file" sh -c "grep -q 'link-type EN10MB' '$T/cap.err' && [ -s '$T/cap.txt' ]"
	check "the guest's ARP request in it (who-has 10.0.2.2 tell 10.0.2.15)" \
		grep -q "00:16:3e:.* > ff:ff:ff:ff:ff:ff, ethertype ARP .*Request who-has 10.0.2.2 tell 10.0.2.15" "$T/cap.txt"
	check "slirp's reply in it (10.0.2.2 is-at 52:55:0a:00:02:02)" \
		grep -q "Reply 10.0.2.2 is-at 52:55:0a:00:02:02" "$T/cap.txt"
else
	# the records checked here instead: a 60-byte ARP request from the guest
	check "a 60-byte ARP frame in the first record" \
		[ "$(od -An -tx1 -j 32 -N 8 "$T/cap.pcap" | tr -d ' \n')" = "3c0000003c000000" ]
fi
size=$(stat -c %s "$T/cap.pcap")
sleep 0.5
check "nothing written after netcap_stop" [ "$(stat -c %s "$T/cap.pcap")" = "$size" ]

# ---- 2. the cable -------------------------------------------------------------
m=$(mark)
mon "set_link rtl8139.0 off" > "$T/off.out"
check "set_link off prints nothing" sh -c "! grep -q . '$T/off.out'"
check "the guest reads MSR.LINKB set (link fail)" wait_since "$m" "^msr: LINKB set" 10
check "the guest sees LinkChg in ISR" wait_since "$m" "^isr: LinkChg" 10
check "its ARP requests time out" wait_since "$m" "^arp [0-9a-f]{8} timeout" 10
m2=$(mark)
wait_since "$m2" "^arp [0-9a-f]{8} timeout" 10 2
check "no reply while the cable is out" sh -c "! tail -n +$((m2 + 1)) '$T/link.com1' | grep -q reply"
mon "info network" > "$T/info_off.out"
check "info network: link=down" grep -q "^rtl8139.0: .*link=down" "$T/info_off.out"
check "info network: the guest's frames dropped, counted" grep -qE "tx [0-9]+ frames [0-9]+ bytes \([1-9][0-9]* dropped\)" "$T/info_off.out"
m=$(mark)
mon "set_link 0 on" > "$T/on.out"
check "set_link 0 on (the vif index) prints nothing" sh -c "! grep -q . '$T/on.out'"
check "MSR.LINKB clear again" wait_since "$m" "^msr: LINKB clear" 10
check "LinkChg again" wait_since "$m" "^isr: LinkChg" 10
check "ARP replies again" wait_since "$m" "^arp [0-9a-f]{8} reply" 10
mon "info network" > "$T/info_on.out"
check "info network: link=up" grep -q "^rtl8139.0: .*link=up" "$T/info_on.out"
check "the VM's log has both changes" sh -c "grep -q 'rtl8139.0: link down (set_link)' '$T/logs/vmstation.log' && grep -q 'rtl8139.0: link up (set_link)' '$T/logs/vmstation.log'"

# ---- 3. errors, help, completion ---------------------------------------------------
mon "set_link nic9 off" > "$T/e1.out"
check "set_link of an unknown card: says so" grep -q "set_link: no network card 'nic9' (info network names them: rtl8139.0)" "$T/e1.out"
mon "set_link rtl8139.0 maybe" > "$T/e2.out"
check "set_link with a bad state: says so" grep -q "set_link: invalid link state 'maybe': on or off" "$T/e2.out"
mon "info network" > "$T/info_e.out"
check "... and the link is still up" grep -q "^rtl8139.0: .*link=up" "$T/info_e.out"
mon "netcap_start rtl8139.0 $T/a.pcap" > /dev/null
mon "netcap_start rtl8139.0 $T/b.pcap" > "$T/e3.out"
check "a second capture of the card: refused" grep -q "netcap_start: rtl8139.0 is being captured already" "$T/e3.out"
check "... and its file not made" [ ! -e "$T/b.pcap" ]
mon "netcap_stop rtl8139.0" > /dev/null
mon "netcap_stop rtl8139.0" > "$T/e4.out"
check "netcap_stop with no capture: says so" grep -q "netcap_stop: rtl8139.0 is not being captured" "$T/e4.out"
mon "netcap_start rtl8139.0 /nonexistent/dir/x.pcap" > "$T/e5.out"
check "netcap_start to a directory that does not exist: says why" grep -q "cannot create '/nonexistent/dir/x.pcap': No such file or directory" "$T/e5.out"
mon "help set_link" > "$T/help.out"
mon "help netcap_start" >> "$T/help.out"
check "help set_link" grep -q "^set_link name on|off -- change the link status" "$T/help.out"
check "help netcap_start" grep -q "^netcap_start name filename -- capture a network adapter's frames" "$T/help.out"
mon "quit" > /dev/null
wait_pid $VM_PID 30
check "quit from the monitor" [ "$RC" = 0 ]
finish
