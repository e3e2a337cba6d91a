#!/bin/sh
# A guest that triple-faults (tests/guests/panel_crash.asm) is marked crashed
# in the panel and handled per on_crash=, while the other VM (the COM1
# counter) and the panel keep running. Mouse clicks (xterm mouse reports
# through tmux) start a VM from the menu bar.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/panel_lib.sh"
G=$(guest panel_guest) || { fail "assemble panel_guest.asm"; finish; }
C=$(guest panel_crash) || { fail "assemble panel_crash.asm"; finish; }

# xterm (X10) mouse report of a left click at 0-based column $1, row $2
click() {
	b=$(printf "\\$(printf %o $((33 + $1)))\\$(printf %o $((33 + $2)))")
	$TMX send-keys -t p -l "$(printf '\033[M ')$b"
	$TMX send-keys -t p -l "$(printf '\033[M#')$b"
	sleep 0.4   # longer than the panel's double-click interval
}

mkdir -p "$T/vms" "$T/state"
cat > "$T/vmstation.conf" <<CFG
vm_dir = '$T/vms'
audio = 'none'
poweroff_timeout = 3
CFG
cat > "$T/vms/counter.cfg" <<CFG
name = 'counter'
memory = 32
kernel = '$G'
vga = 'none'
serial = 'file:$T/counter.com1'
log_dir = '$T/logs/counter'
CFG
cat > "$T/vms/crash.cfg" <<CFG
name = 'crash'
memory = 32
kernel = '$C'
vga = 'none'
serial = 'file:$T/crash.com1'
on_crash = 'destroy'
log_dir = '$T/logs/crash'
CFG
cat > "$T/vms/keep.cfg" <<CFG
name = 'keep'
memory = 32
kernel = '$C'
vga = 'none'
on_crash = 'preserve'
log_dir = '$T/logs/keep'
CFG

$TMX new-session -d -s p -x 120 -y 36 "env LANG=C.UTF-8 XDG_STATE_HOME='$T/state' '$VMST' \
--config '$T/vmstation.conf' 2> '$T/stderr'; echo \$? > '$T/exit'; sleep 600"
check "panel up" wait_screen "counter +stopped +1 +32M" 10

# the mouse: click "2Start" on the menu bar (row 1) with counter selected
x=$(cap | sed -n 2p | awk '{ print index($0, "2Start") - 1 }')
click "$x" 1
check "a click on 2Start starts the counter" wait_screen "counter +running +1 +32M" 30
# click the crash row (rows: 2 box, 3 header, 4 counter, 5 crash, 6 keep)
click 3 5
keys s
click 3 6
keys s
check "crash starts" wait_for "$T/crash.com1" "^crash: start" 20
check "crash is marked crashed (on_crash=destroy)" wait_screen "crash +crashed +1 +32M" 60
check "the triple fault is reported" grep -q "triple fault" "$T/logs/crash/vmstation.log"
check "keep is marked crashed and kept (on_crash=preserve)" wait_screen "keep +crashed +1 +32M" 60
click 3 5
check "details: crashed by a triple fault (on_crash=destroy)" wait_screen "crashed: triple fault \(shutdown\)" 5
c1=$(grep -ac '^count=' "$T/counter.com1")
sleep 2
c2=$(grep -ac '^count=' "$T/counter.com1")
check "the other VM keeps running ($c1 -> $c2 lines)" [ "$c2" -gt "$c1" ]
check "counter still listed as running" sh -c "$TMX capture-pane -p -t p | grep -qE 'counter +running +1 +32M'"
# Up to 30 s (150 in the emulated host): in a loaded emulated host the
# panel was seen blocked for over 40 s in its write to the terminal (wait
# channel wait_woken: the tmux server not reading the pane), its clock
# drawn but not shown; it went on afterwards, the checks below passed
t1=$(cap | head -1)
top_line_moved() { [ "$(cap | head -1)" != "$t1" ]; }
if poll_until 30 top_line_moved; then
	pass "the panel keeps running (its clock moves)"
else
	fail "the panel keeps running (its clock moves): the top line stays"
	printf '  | %s\n' "$t1"
	cap | sed 's/^/  | /'
	ps -o pid,stat,wchan:20,pcpu,etime,args -C vmstation | sed 's/^/  ps| /'
	# and the tmux server that should be reading the panel's terminal
	# (its name is "tmux: server", which ps -C does not match)
	ps -e -o pid,stat,wchan:20,pcpu,etime,comm | grep -E 'PID|tmux' | sed 's/^/  ps| /'
	uptime | sed 's/^/  load| /'
	# where each of the panel's threads is (the main thread draws the clock)
	for pid in $(pgrep -x vmstation); do
		for t in /proc/$pid/task/*; do
			printf '  thread %s %s: %s\n' "${t##*/}" "$(cat $t/comm)" "$(cat $t/wchan 2>/dev/null)"
		done
		! command -v gdb > /dev/null ||
			timeout 60 gdb -batch -p "$pid" -ex 'thread apply all bt 8' 2>/dev/null | grep -E '^(Thread|#)' | sed 's/^/  gdb| /'
	done
fi
# a preserved crash can be inspected with the monitor, then forced off
click 3 6
keys m
sleep 0.3
keys 'info status' Enter
check "monitor of the preserved VM: internal-error" wait_screen "VM status: paused \(internal-error\)" 10
to_list
keys K
check "force off the preserved VM" wait_screen "keep +stopped +1 +32M" 10
# the crashed VM starts again (and crashes again)
click 3 5
keys s
check "a crashed VM can be started again" wait_screen "crash +(starting|running) +1 +32M" 10

keys q
check "quit dialog" wait_screen "VM\(s\) running" 10
keys Enter
check "the panel exits 0" wait_for "$T/exit" "^0$" 30
check "counter powered off by ACPI" grep -q "^acpi: power button" "$T/counter.com1"
finish
