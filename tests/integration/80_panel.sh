#!/bin/sh
# The manager panel driven through tmux (send-keys, capture-pane) with a test
# vmstation.conf: two guests started from the menu (Debian's GRUB rescue CD
# and tests/guests/panel_guest.asm, a COM1 counter) run at once; pause stops
# the counter; an ISO inserted through the file browser shows in `info block`
# (monitor pane, readline completion) and the guest reads it; GRUB's menu is
# in the monitor's text dump and the Screen pane; the wizard creates a VM and
# its sparse image; quitting powers both guests off (the counter by ACPI, GRUB
# forced after the timeout).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/panel_lib.sh"
G=$(guest panel_guest) || { fail "assemble panel_guest.asm"; finish; }
ISO=/usr/lib/grub-rescue/grub-rescue-cdrom.iso
[ -f "$ISO" ] || { fail "$ISO missing (make setup installs grub-rescue-pc)"; finish; }


mkdir -p "$T/vms" "$T/isos" "$T/state" "$T/config"
printf 'PANELISO' > "$T/isos/PANEL.iso"; head -c 4088 /dev/zero >> "$T/isos/PANEL.iso"
cat > "$T/vmstation.conf" <<CFG
vm_dir = 'vms'
theme = 'default'
audio = 'none'
iso_dir = '$T/isos'
poweroff_timeout = 5
new_memory = 64
pane = 'serial'
CFG
cat > "$T/vms/counter.cfg" <<CFG
name = 'counter'
memory = 32
kernel = '$G'
vga = 'none'
serial = 'file:$T/counter.com1'
disk = [ ',raw,hdc:cdrom,r' ]
log_dir = '$T/logs/counter'
CFG
cat > "$T/vms/grub.cfg" <<CFG
name = 'grub'
memory = 64
disk = [ '$ISO,raw,hdc:cdrom,r' ]
boot = 'd'
vga = 'stdvga'
vnc = 0
log_dir = '$T/logs/grub'
CFG

$TMX new-session -d -s p -x 150 -y 45 "cd '$T' && env LANG=C.UTF-8 XDG_STATE_HOME='$T/state' \
XDG_CONFIG_HOME='$T/config' '$VMST' --config '$T/vmstation.conf' 2> '$T/stderr'; echo \$? > '$T/exit'; sleep 600"
check "the panel lists both VMs, stopped" wait_screen "grub +stopped +1 +64M" 10
check "UTF-8 box drawing in a UTF-8 locale" sh -c "$TMX capture-pane -p -t p | grep -q '┌─ VMs'"
check "menu bar with function keys" sh -c "$TMX capture-pane -p -t p | grep -q '1Help 2Start 3Pause'"

# list order is by name: counter, grub. Start grub first (it is slow), with F2.
keys Down F2
check "grub starts from F2" wait_screen "grub +(starting|running) +1 +64M" 10
keys Up s
check "counter starts from the s key" wait_screen "counter +running +1 +32M" 10
check "grub running" wait_screen "grub +running +1 +64M" 20
check "the counter counts in the serial pane" wait_screen "│count=0000000[3-9a-f]" 30
check "live figures: uptime, CPU%, exits/s, disk 0B, no NIC so Net/s is -" wait_screen "counter +running +1 +32M +0:00:[0-9][0-9] +[0-9]+ +[1-9][0-9]* +0B +- +- *│" 10

# pause: the state changes and the counter stops
keys p
check "pause: counter shows paused" wait_screen "counter +paused +1 +32M" 10
sleep 0.5
c1=$(grep -ac '^count=' "$T/counter.com1")
sleep 2
c2=$(grep -ac '^count=' "$T/counter.com1")
check "paused: the counter stopped ($c1 -> $c2)" [ "$c1" = "$c2" ]
check "grub still running while counter is paused" sh -c "$TMX capture-pane -p -t p | grep -qE 'grub +running +1 +64M'"
keys p
check "resume: running again" wait_screen "counter +running +1 +32M" 10
check "resumed: the counter moves on" wait_for "$T/counter.com1" "^count=0*$(printf '%x' $((c2 + 3)))\$" 20

# insert an ISO through the file browser (F6): it opens in iso_dir
keys F6
check "file browser shows PANEL.iso from iso_dir" wait_screen "PANEL.iso +4.0K" 10
keys Enter
check "status line confirms the insert" wait_screen "PANEL.iso inserted in hdc" 10
check "the guest reads the new disc" wait_for "$T/counter.com1" "^cd: data=PANELISO" 20
check "details pane shows the medium" wait_screen "hdc +PANEL.iso 4.0K ro" 5
check "recent images remembered" grep -q "$T/isos/PANEL.iso" "$T/state/vmstation/recent_images"

# monitor pane: readline editing and completion, the same command table
keys m
check "monitor pane with the banner" wait_screen "vmstation [0-9.]+ monitor - type 'help'" 10
keys 'info blo' Tab
sleep 0.3
keys Enter
check "info block in the monitor pane" wait_pane "ide1-cd0: $T/isos/PANEL.iso \(raw, read-only\)" 10
check "readline completed 'info blo' to 'info block'" wait_screen "\(vmstation\) info block *│" 5
keys 'info status' Enter
check "info status" wait_screen "VM status: running" 5
to_list

# the serial pane sends typed keys to COM1
keys c Tab
sleep 0.2
keys 'zq'
check "keys typed in the serial pane reach the guest" wait_for "$T/counter.com1" "^key=q" 10
to_list

# grub: its menu in the monitor's text dump and in the Screen pane. The
# counter is paused meanwhile: it spins on port I/O, and GRUB runs emulated
# here (TESTING.md), so it would take a CPU from it on a busy machine.
keys p
check "counter paused again while GRUB boots" wait_screen "counter +paused +1 +32M" 10
keys Down m
sleep 0.5
got=1
i=0
while [ $i -lt 240 ]; do
	keys "screendump $T/grub.txt -f txt" Enter
	sleep 1
	grep -q "GNU GRUB" "$T/grub.txt" 2>/dev/null && grep -q "Memtest86+" "$T/grub.txt" && { got=0; break; }
	i=$((i + 1))
done
check "GRUB's menu in the monitor's text dump (after ${i}s)" [ $got = 0 ]
to_list
keys x
check "GRUB's menu in the Screen pane" wait_screen "GNU/Linux" 10
keys c Up p
check "counter resumed" wait_screen "counter +running +1 +32M" 10

# the wizard: name, memory, disk size -> sparse image and VM file
keys n
check "wizard opens" wait_screen "New VM" 5
keys 'fresh' Down Down Down BSpace '2' Down Down Down Enter
check "wizard: created" wait_screen "created $T/vms/fresh.cfg" 10
check "image file is 2 GiB" [ "$(stat -c %s "$T/vms/fresh.img" 2>/dev/null)" = 2147483648 ]
check "image file is sparse" [ "$(stat -c %b "$T/vms/fresh.img" 2>/dev/null)" -lt 64 ]
check "the new VM file parses" sh -c "'$VMST' check '$T/vms/fresh.cfg' > '$T/fresh.check'"
check "new VM: memory from new_memory" grep -q "^memory = 64" "$T/vms/fresh.cfg"
check "the new VM is listed" wait_screen "fresh +stopped +1 +64M" 5

# quit: both guests are powered off, the counter by its ACPI power button
keys F10
check "quit asks what to do with the running VMs" wait_screen "2 VM\(s\) running" 5
keys Enter
check "the panel exits" wait_for "$T/exit" "^0$" 40
check "counter powered off by ACPI" grep -q "^acpi: power button" "$T/counter.com1"
check "counter's log: guest powered off" grep -q "guest powered off" "$T/logs/counter/vmstation.log"
check "grub forced off after the timeout" grep -q "powered off by the user" "$T/logs/grub/vmstation.log"
finish
