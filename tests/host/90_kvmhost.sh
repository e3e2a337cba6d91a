#!/bin/sh
# The emulated AMD-V host itself (tests/kvmhost): a command's output, exit
# status and environment come back; /dev/kvm works inside; the root is this
# machine's, writable only under --share; mounts the tests rely on; the time
# limit; a clear error without QEMU; and `make run`'s path (manager.sh) with
# VMST_KVM=emulated: the panel through tmux at the terminal's size, and the
# demo VM's VNC display forwarded to this machine's loopback.
# Runs on this machine (not inside the host), in the fast tier.
. "$(dirname "$0")/../lib.sh"
KH="$TOP/tests/kvmhost/kvmhost"

out=$(FOO='a b' DISPLAY=:99 "$KH" --timeout 300 --share "$T" -- sh -c '
	echo "OUT foo=$FOO display=${DISPLAY:-unset} in=$VMST_IN_KVMHOST cwd=$(pwd)"
	test -c /dev/kvm && echo "OUT kvm-dev"
	grep -q "^kvm_amd " /proc/modules && echo "OUT kvm_amd"
	grep -q " /dev/pts devpts " /proc/mounts && echo "OUT devpts"
	grep -q " /dev/shm tmpfs " /proc/mounts && echo "OUT shm"
	grep -q " /tmp tmpfs " /proc/mounts && touch /tmp/kvmhost-test && echo "OUT tmp"
	ip -o link show lo | grep -q "UP" && echo "OUT lo-up"
	[ -e /dev/fd/0 ] && echo "OUT dev-fd"
	echo inside > "$0/shared.txt"
	echo inside > "'"$TOP"'/build/kvmhost-overlay-test.txt" && echo "OUT overlay-writable"
	exit 7' "$T" 2>&1)
rc=$?
echo "$out" | sed 's/^/  | /'
check "the command's exit status comes back (7, got $rc)" [ $rc = 7 ]
check "its output and environment come back; DISPLAY is not passed" \
	sh -c "echo \"\$1\" | grep -qx 'OUT foo=a b display=unset in=1 cwd=$(pwd)'" - "$out"
for w in kvm-dev kvm_amd devpts shm tmp lo-up dev-fd overlay-writable; do
	check "inside: $w" sh -c "echo \"\$1\" | grep -qx 'OUT $w'" - "$out"
done
check "a --share directory is written through" grep -qx inside "$T/shared.txt"
check "the root is not: the overlay's write is gone" test ! -e "$TOP/build/kvmhost-overlay-test.txt"

start=$(date +%s)
"$KH" --timeout 15 -- sleep 600 > "$T/timeout.out" 2>&1
rc=$?
check "--timeout: exit 124 (got $rc) within a minute" [ $rc = 124 ] && [ $(( $(date +%s) - start )) -lt 60 ]
check "--timeout: says so" grep -q "time-out after 15s" "$T/timeout.out"

KVMHOST_QEMU=/nonexistent/qemu "$KH" -- true > "$T/noqemu.out" 2>&1
rc=$?
check "no QEMU: exit 125 (got $rc) naming the package" \
	sh -c "[ $rc = 125 ] && grep -q 'apt-get install qemu-system-x86' '$T/noqemu.out'"

# make run's path, forced into the emulated host, in a 100x30 terminal.
. "$TOP/tests/panel_lib.sh"
# a host left running by a failed check (tmux's hang-up normally ends it)
# would hold two cores for the rest of the run. Only this test's host, which
# carries its own tag on the kernel command line: the fast tier's hosts run
# beside this test, from the same checkout
OWNER="kvmhost.owner=90_kvmhost-$$"
trap 'panel_cleanup; sleep 2; pkill -f "$OWNER( |\$)" 2>/dev/null' EXIT
cat > "$T/vmstation.conf" <<CONF
vm_dir = '$TOP/vms'
autostart = [ 'demo' ]
poweroff_timeout = 2
pane = 'screen'
CONF
$TMX new-session -d -s p -x 100 -y 30 \
	"cd '$TOP' && VMST_KVM=emulated KVMHOST_APPEND='$OWNER' TERM=screen-256color sh tests/kvmhost/manager.sh --config '$T/vmstation.conf'; echo \$? > '$T/exit'; sleep 600"
check "make run says why it goes into the emulated host" wait_screen "cannot run the guests as they are \(forced by VMST_KVM\)" 20
# what the screen showed and who holds the VNC ports here, for a failed wait
show_state() {
	echo "  screen:"; cap | sed 's/^/  | /'
	echo "  listening here:"; ss -Hltnp 2>/dev/null | grep -E ':59[0-9][0-9] ' | sed 's/^/  | /'
	echo "  host processes:"; ps -eo pid,etime,pcpu,args | grep -E '[q]emu-system|[k]vmhost' | cut -c1-160 | sed 's/^/  | /'
}
or_show() { "$@" && return 0; show_state; return 1; }
check "the panel comes up inside with the demo VM running" or_show wait_screen "demo +running" 180
cap > "$T/panel.txt"
check "the panel fills the 100-column terminal ($(LC_ALL=C.UTF-8 wc -L < "$T/panel.txt") columns)" \
	[ "$(LC_ALL=C.UTF-8 wc -L < "$T/panel.txt")" = 100 ]
check "the panel uses all 30 rows" sh -c "[ \$(sed '/^ *\$/d' '$T/panel.txt' | wc -l) -ge 28 ]"
# display :0 here: 5900, or the next free port when 5900 is taken here
port=$(awk '$1 == 0 { print $2 }' "$TOP/build/kvmhost/vnc-ports" 2>/dev/null)
# the forward goes through QEMU's user network and a relay inside the host,
# which may still be starting when the panel first draws: tried for a minute
view_demo() {
	i=0
	while [ $i -lt 12 ]; do
		"$VMST" view --timeout 30 --screenshot "$T/demo.ppm" "127.0.0.1::${port:-5900}" > "$T/view.out" 2>&1 &&
			[ -s "$T/demo.ppm" ] && return 0
		sleep 5; i=$((i + 1))
	done
	sed 's/^/  view: /' "$T/view.out"
	return 1
}
check "the demo VM's VNC display reaches 127.0.0.1:${port:-?} here" or_show view_demo
keys F10
wait_screen "VM\(s\) running" 30 && keys Enter
check "quitting the panel ends the host with status 0" or_show wait_for "$T/exit" "^0$" 120
finish
