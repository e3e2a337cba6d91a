#!/bin/sh
# Several vCPUs (vcpus=N) on the in-kernel local APICs:
#  - SeaBIOS counts 4 CPUs (its debug port);
#  - tests/guests/smp.asm starts the APs by INIT/STARTUP IPIs, each AP runs,
#    and IPIs go back and forth between two vCPUs;
#  - `info cpus` lists every vCPU with its PC; `quit` while all four spin
#    ends the process (within a second on a native KVM);
#  - cpus= pins the vCPU threads (both of xl's forms);
#  - bad values are refused with file:line:col.
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
G=$(guest smp) || { fail "assemble smp.asm"; finish; }

# run_smp N [ELF]: the SMP guest on N vCPUs, COM1 in $T/com1.log
run_smp() {
	cat > "$T/smp.cfg" <<EOF
name = 'smp'
memory = 64
vcpus = $1
kernel = '${2:-$G}'
serial = 'file:$T/com1.log'
vga = 'none'
on_poweroff = 'destroy'
log_dir = '$T/logs'
EOF
	rm -f "$T/com1.log"
	timeout 120 "$VMST" run "$T/smp.cfg" > "$T/vm.out" 2>&1
}
said() { grep -aq "$1" "$T/com1.log"; }

# ---- SeaBIOS ----
cat > "$T/bios.cfg" <<EOF
name = 'smpbios'
memory = 64
vcpus = 4
boot = 'c'
vga = 'none'
serial = 'null'
debugcon = 'file:$T/debugcon.log'
log_dir = '$T/logs'
EOF
vm_bg bios run "$T/bios.cfg"
check "SeaBIOS: Found 4 cpu(s)" wait_guest "$T/debugcon.log" "Found 4 cpu\(s\)" 60
kill $VM_PID 2>/dev/null; wait $VM_PID 2>/dev/null

# ---- the SMP guest ----
for n in 1 2 4; do
	run_smp $n; rc=$?
	check "vcpus=$n: the guest counts $n CPU(s)" said "^CPUS $n\$"
	check "vcpus=$n: the guest powers off (exit 0, got $rc)" [ $rc = 0 ]
	if [ $n -gt 1 ]; then
		check "vcpus=$n: every AP runs" said "^BUSY ok"
		check "vcpus=$n: 200 IPI round trips between vCPU 0 and 1" said "^IPI [0-9a-f]\{16\}\$"
	fi
done
tsc=$(grep -a '^TSC100' "$T/com1.log" | cut -d' ' -f2)
ipi=$(grep -a '^IPI' "$T/com1.log" | cut -d' ' -f2)
[ -n "$tsc" ] && [ -n "$ipi" ] &&
	echo "INFO: 15_smp: IPI round trip $(awk -v t=$((0x$ipi)) -v c=$((0x$tsc)) 'BEGIN { printf "%.1f", t / c * 1e5 / 200 }') us (guest TSC)"

# ---- info cpus and quit while every vCPU spins ----
nasm -f bin -I "$TOP/tests/guests/" -DSPIN -DROUNDS=1 -o "$T/spin.elf" "$TOP/tests/guests/smp.asm" ||
	fail "assemble smp.asm -DSPIN"
sed -e "s|^kernel = .*|kernel = '$T/spin.elf'|" -e "s|^vcpus = .*|vcpus = 4|" "$T/smp.cfg" > "$T/spin.cfg"
rm -f "$T/com1.log"
vm_bg spin run "$T/spin.cfg" --monitor "unix:$T/mon.sock"
check "spin: all four vCPUs busy" wait_guest "$T/com1.log" "^SPIN" 120
"$MC" "$T/mon.sock" "info cpus" > "$T/cpus.txt" 2>&1
check "info cpus lists 4 vCPUs" [ "$(grep -c 'CPU #[0-3]: pc=0x[0-9a-f]\{16\} thread_id=[0-9]' "$T/cpus.txt")" = 4 ]
check "info cpus: none halted while they spin" sh -c "! grep -q halted '$T/cpus.txt'"
check "info cpus: vCPU 0 is the current one" grep -q '\* CPU #0:' "$T/cpus.txt"
"$MC" "$T/mon.sock" "cpu 3" > /dev/null 2>&1
"$MC" "$T/mon.sock" "cpu 9" > "$T/cpu9.txt" 2>&1
check "cpu 9 on 4 vCPUs: invalid CPU index" grep -q "invalid CPU index" "$T/cpu9.txt"
"$MC" "$T/mon.sock" "info registers -a" > "$T/regs.txt" 2>&1
check "info registers -a shows the 4 vCPUs" [ "$(grep -c '^CPU#[0-3]$' "$T/regs.txt")" = 4 ]
t0=$(date +%s%3N)
"$MC" "$T/mon.sock" "quit" > /dev/null 2>&1
wait_pid $VM_PID 10
t1=$(date +%s%3N)
check "quit while 4 vCPUs spin: the process ends (exit 0, got $RC)" [ "$RC" = 0 ]
check_rt "quit while 4 vCPUs spin: within a second ($((t1 - t0)) ms)" [ $((t1 - t0)) -lt 1000 ]

# ---- cpus= pins the vCPU threads ----
# affinity N: "name list" of the vCPU threads of the running VM $VM_PID
affinity() {
	for t in /proc/$VM_PID/task/*; do
		c=$(cat "$t/comm" 2>/dev/null)
		case $c in vcpu*) echo "$c $(awk '/^Cpus_allowed_list/ { print $2 }' "$t/status")" ;; esac
	done | sort
}
pinned() { # CPUS-LINE EXPECTED
	sed -e "s|^kernel = .*|kernel = '$T/spin.elf'|" -e "s|^vcpus = .*|vcpus = 2\n$1|" "$T/smp.cfg" > "$T/pin.cfg"
	rm -f "$T/com1.log"
	vm_bg pin run "$T/pin.cfg"
	wait_guest "$T/com1.log" "^SPIN" 120
	got=$(affinity | tr '\n' ';')
	kill $VM_PID 2>/dev/null; wait $VM_PID 2>/dev/null
	[ "$got" = "$2" ] || { echo "   got: $got"; return 1; }
}
span() { [ "$1" = "$2" ] && echo "$1" || echo "$1-$2"; }   # a CPU range as the kernel prints it
last=$(($(nproc) - 1))
if [ "$(nproc)" -ge 2 ]; then
	check "cpus = '1': both vCPU threads on host CPU 1" pinned "cpus = '1'" "vcpu0 1;vcpu1 1;"
	check "cpus = ['1', '0']: one list per vCPU" pinned "cpus = ['1', '0']" "vcpu0 1;vcpu1 0;"
	check "cpus = ['0']: vCPU 1 past the list is not pinned" pinned "cpus = ['0']" "vcpu0 0;vcpu1 0-$last;"
	check "cpus = '^0': all but CPU 0" pinned "cpus = '^0'" "vcpu0 $(span 1 $last);vcpu1 $(span 1 $last);"
	check "cpus = 'all': not pinned" pinned "cpus = 'all'" "vcpu0 0-$last;vcpu1 0-$last;"
else
	echo "INFO: 15_smp: one host CPU: the pinning checks need two"
fi
"$VMST" check "$T/pin.cfg" > "$T/pin.check" 2>&1
printf "name = 'p'\nvcpus = 2\ncpus = ['1', '0']\n" > "$T/p2.cfg"
"$VMST" check "$T/p2.cfg" > "$T/p2.check" 2>&1
check "vmstation check prints cpus" grep -q "^cpus = \['1', '0'\]" "$T/p2.check"

# ---- bad input ----
bad() { # TEXT EXPECTED-MESSAGE
	printf "name = 'b'\nmemory = 64\n$1\n" > "$T/bad.cfg"
	"$VMST" check "$T/bad.cfg" > "$T/bad.out" 2>&1 && return 1
	grep -q "$2" "$T/bad.out" || { cat "$T/bad.out"; return 1; }
}
check "vcpus = 0 refused at 3:9" bad "vcpus = 0" "bad.cfg:3:9: vcpus must be between 1 and 64"
check "vcpus = 1000 refused" bad "vcpus = 1000" "bad.cfg:3:9: vcpus must be between 1 and 64"
check "cpus = '99' refused at 4:8" bad "vcpus = 2\ncpus = '99'" "bad.cfg:4:8: cpus: '99': CPU 99 does not exist on this host"
check "cpus = ['0', '1-x'] refused at the bad item" bad "vcpus = 2\ncpus = ['0', '1-x']" "bad.cfg:4:14: cpus: '1-x': bad range"
check "cpus = '^0,^1,...' (empty) refused" bad "vcpus = 2\ncpus = '$(seq -s, -f '^%g' 0 $(($(nproc) - 1)))'" "the set of CPUs is empty"
check "cpus = 'nodes:0' refused" bad "cpus = 'nodes:0'" "NUMA node sets are not supported"
check "apic = 0 with vcpus = 2 refused" bad "vcpus = 2\napic = 0" "bad.cfg:4:8: apic = 0 with vcpus = 2"
check "cpus_soft is warned" sh -c "printf \"name = 'w'\ncpus_soft = '1'\n\" > '$T/w.cfg'; '$VMST' check '$T/w.cfg' 2>&1 | grep -q \"warning: 'cpus_soft' accepted but not acted on\""
finish
