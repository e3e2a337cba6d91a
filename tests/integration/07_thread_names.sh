#!/bin/sh
# Every thread of a running VM has a name that says what it is (ps -L,
# top -H, gdb, perf): vCPUs, the io thread, each disk's worker, each NIC's
# network thread, the VNC server, the signal thread. A thread left unnamed
# shows as "vmstation", like the main thread.
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
G=$(guest vga_modes) || { fail "assemble vga_modes.asm"; finish; }
unset DISPLAY
truncate -s 8M "$T/hda.img"
cat > "$T/tn.cfg" <<CFG
name = "names"
memory = 32
vcpus = 2
kernel = '$G'
extra = 'm13h'
disk = [ '$T/hda.img,raw,hda,rw' ]
vif = [ 'model=e1000' ]
serial = 'file:$T/tn.com1'
log_dir = '$T/logs'
monitor_path = '$T/tn.sock'
sdl = 0
vnc = 1
vncunused = 1
CFG
vm_bg tn run "$T/tn.cfg"
check "the guest runs" wait_for "$T/tn.com1" "DRAWN m13h" 120
# thread id and name, one per line; the main thread's id is the process's
ls "/proc/$VM_PID/task" > "$T/tids"
while read -r tid; do
	printf '%s %s\n' "$tid" "$(cat "/proc/$VM_PID/task/$tid/comm" 2>/dev/null)"
done < "$T/tids" > "$T/names"
sed 's/^/INFO: 07_thread_names: thread /' "$T/names"
check "more than the main thread ($(wc -l < "$T/names") threads)" [ "$(wc -l < "$T/names")" -gt 4 ]
check "no thread but the main one is unnamed" \
	sh -c "! awk -v pid=$VM_PID '\$1 != pid && \$2 == \"vmstation\"' '$T/names' | grep -q ."
for n in vcpu0 vcpu1 io-names blk-hda net-e1000.0 vnc-names signals; do
	check "a thread named $n" grep -q " $n\$" "$T/names"
done
"$MC" "$T/tn.sock" quit > /dev/null 2>&1
wait_pid $VM_PID 20
check "quit ends it (exit $RC)" [ "$RC" = 0 ]
finish
