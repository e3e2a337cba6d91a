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

# the wizard: name, memory, disk size -> a qcow2 image (the default format) and VM file
keys n
check "wizard opens" wait_screen "New VM" 5
check "wizard: qcow2 is the default format" wait_screen "qcow2 \\(grows as written" 5
keys 'fresh' Down Down Down BSpace '2' Down Down Down Down Enter
check "wizard: created" wait_screen "created $T/vms/fresh.cfg" 10
check "qcow2 image: qemu-img sees a 2 GiB qcow2" sh -c "qemu-img info --output=json '$T/vms/fresh.qcow2' |
	grep -q '\"format\": \"qcow2\"' && qemu-img info --output=json '$T/vms/fresh.qcow2' | grep -q '\"virtual-size\": 2147483648'"
check "qcow2 image: qemu-img check is clean" qemu-img check -q "$T/vms/fresh.qcow2"
check "qcow2 image: metadata only (under 1 MiB)" [ "$(stat -c %s "$T/vms/fresh.qcow2" 2>/dev/null)" -lt 1048576 ]
check "the new VM file parses" sh -c "'$VMST' check '$T/vms/fresh.cfg' > '$T/fresh.check'"
check "new VM: the disk is given as qcow2" grep -q "format=qcow2,vdev=hda" "$T/fresh.check"
check "new VM: memory from new_memory" grep -q "^memory = 64" "$T/vms/fresh.cfg"
check "the new VM is listed" wait_screen "fresh +stopped +1 +64M" 5

# a manager file with an unknown format is refused with file:line:col
printf "vm_dir = 'vms'\nnew_disk_format = 'vdi'\n" > "$T/badfmt.conf"
script -qc "'$VMST' --config '$T/badfmt.conf'" /dev/null < /dev/null > "$T/badfmt.out" 2>&1
check "new_disk_format = 'vdi' refused with file:line:col" grep -q "badfmt.conf:2:1: new_disk_format: 'qcow2' or 'raw' is expected" "$T/badfmt.out"

# a second one, raw: space on the format field
keys n
check "wizard opens again" wait_screen "New VM" 5
keys 'fresh2' Down Down Down BSpace '2' Down Space
check "wizard: the format toggles to raw" wait_screen "raw \\(sparse file" 5
keys Down Down Down Enter
check "wizard: raw VM created" wait_screen "created $T/vms/fresh2.cfg" 10
check "raw image file is 2 GiB" [ "$(stat -c %s "$T/vms/fresh2.img" 2>/dev/null)" = 2147483648 ]
check "raw image file is sparse" [ "$(stat -c %b "$T/vms/fresh2.img" 2>/dev/null)" -lt 64 ]
check "the raw VM file parses" sh -c "'$VMST' check '$T/vms/fresh2.cfg' > '$T/fresh2.check'"
check "raw VM: the disk is given as raw" grep -q "format=raw,vdev=hda" "$T/fresh2.check"

# quit: both guests are powered off, the counter by its ACPI power button
keys F10
check "quit asks what to do with the running VMs" wait_screen "2 VM\(s\) running" 5
keys Enter
check "the panel exits" wait_for "$T/exit" "^0$" 40
check "counter powered off by ACPI" grep -q "^acpi: power button" "$T/counter.com1"
check "counter's log: guest powered off" grep -q "guest powered off" "$T/logs/counter/vmstation.log"
check "grub forced off after the timeout" grep -q "powered off by the user" "$T/logs/grub/vmstation.log"
finish
