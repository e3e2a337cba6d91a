#!/bin/sh
# Network throughput (issue #14), side by side with QEMU's same card model on
# the same back end in the same run: TCP host -> guest and guest -> host,
# for the RTL8139 and the e1000, through slirp's NAT and on a bridge
# (bridge=br0; QEMU on a TAP made here on the same br0), the bridge in
# network namespaces of the bench's own (net_bridge.inc; without them, one
# SKIP line for its rows). The guest is the slow
# tier's Debian 686 network guest (tests/guests/build-linux-686-net.sh),
# the same kernel, initramfs and command line under both VMMs:
#   host -> guest: its /init wgets http://10.0.2.2:PORT/blob at boot, MIB
#     MiB of zeros served by tests/bench/net_peer.py here on 127.0.0.1
#     (timed here, from the request to the guest's close after the last byte);
#   guest -> host: vmst_big=MIB, its busybox httpd serves MIB MiB of random
#     bytes, fetched here through hostfwd= (timed here, request to last byte).
# On the bridge the peer is 192.168.77.1 in a namespace beside br0's, the
# guest 192.168.77.2 (vmst_ip=, vmst_gw=), fetched at its own port 80.
# Host CPU per MB: the VMM process's utime+stime (all threads) over the
# transfer, divided by the MB moved. Targets: at least QEMU's MB/s, at most
# its CPU ms per MB. BENCH_NET_MIB (default 8), BENCH_NET_RUNS (default 1
# in the emulated host, 3 elsewhere: the median, the VMMs' order alternated),
# BENCH_NET_MODELS (default "rtl8139 e1000"), BENCH_NET_BACKENDS (default
# "slirp bridge"), BENCH_NET_QEMU_CPU (QEMU's -cpu, default qemu64,cx16=off;
# "host,cx16=off,rdrand=off,rdseed=off,xsave=off" shows the guest the CPU
# vmstation's cpuid= line below gives it).
. "$(dirname "$0")/lib.sh"
CACHE="$TOP/build/cache"
MIB=${BENCH_NET_MIB:-8}
RUNS=${BENCH_NET_RUNS:-3}
[ -z "${VMST_IN_KVMHOST:-}" ] || RUNS=${BENCH_NET_RUNS:-1}
LIMIT=${BENCH_NET_TIMEOUT:-400}
paths=$(sh "$TOP/tests/guests/build-linux-686-net.sh" "$CACHE") || { echo "net: the 686 network guest did not build"; exit 1; }
KERNEL=$(echo "$paths" | sed -n 's/^KERNEL=//p')
INITRD=$(echo "$paths" | sed -n 's/^INITRD=//p')
. "$TOP/tests/slow/net_linux.inc"
. "$TOP/tests/bench/net_bridge.inc"
HPORT=$((40000 + $$ % 10000))   # net_peer.py's HTTP server here
FPORT=$((HPORT + 1))            # hostfwd= -> the guest's :80

# KVM's own counters for a VM (debugfs, each summed over the VM's vCPUs),
# the same for both VMMs, so their exits and interrupts per MB compare. In
# the emulated host debugfs is mounted here; elsewhere only when it is.
[ -z "${VMST_IN_KVMHOST:-}" ] || [ -d /sys/kernel/debug/kvm ] ||
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
KVM_STATS="exits io_exits mmio_exits halt_exits irq_injections irq_window_exits"
export KVM_STATS   # net_peer.py takes the host->guest window's snapshots
# kvm_stats PID: the counters of the VM of process PID, values in that order
kvm_stats() {
	for dir in /sys/kernel/debug/kvm/$1-*; do
		[ -d "$dir" ] || break
		for k in $KVM_STATS; do printf '%s ' "$(cat "$dir/$k" 2>/dev/null || echo 0)"; done
		return
	done
	echo none
}
# thread_ticks PID: each thread of PID as "tid:name:utime+stime" (clock ticks)
thread_ticks() {
	for t in /proc/$1/task/*; do
		printf '%s:%s:%s ' "${t##*/}" "$(tr ' :' '__' < $t/comm)" \
			"$(awk '{ s = substr($0, index($0, ") ") + 2); split(s, f, " "); print f[12] + f[13] }' $t/stat)"
	done 2>/dev/null
}
# ticks_between BEFORE AFTER: the threads' CPU between two thread_ticks, in ms
ticks_between() {
	echo "$1 | $2" | awk -v hz="$(getconf CLK_TCK)" '{ after = 0
		for (i = 1; i <= NF; i++) { if ($i == "|") { after = 1; continue }
			split($i, f, ":"); if (!after) t0[f[1]] = f[3]; else { name[f[1]] = f[2]; t1[f[1]] = f[3] } }
		for (id in t1) if (t1[id] - t0[id] > 0) printf "%s %d ms; ", name[id], (t1[id] - t0[id]) * 1000 / hz }'
}
# stats_per_mb BEFORE AFTER BYTES: "exits=N/MB io_exits=..." between two kvm_stats
stats_per_mb() {
	echo "$1 | $2" | awk -v names="$KVM_STATS" -v b="$3" 'BEGIN { n = split(names, k, " ") }
		$1 == "none" || $(n + 2) == "none" || b <= 0 { print "not available"; exit }
		{ for (i = 1; i <= n; i++) printf "%s=%.0f/MB ", k[i], ($(n + 1 + i) - $i) / (b / 1048576); print "" }'
}

PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; bridge_down; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# one_run WHO MODEL BACKEND: boots the guest under WHO (vmst or qemu) with
# card MODEL on BACKEND (slirp or bridge); prints "H2G_BYTES H2G_MS H2G_CPU
# G2H_BYTES G2H_MS G2H_CPU" or "error"
one_run() {
	who=$1 model=$2 be=$3
	drv=$model; [ "$model" = rtl8139 ] && drv=8139cp
	d="$B/$who-$model-$be"
	rm -rf "$d"; mkdir -p "$d"
	cmdline="console=ttyS0 panic=-1 vmst_port=$HPORT vmst_nic=$drv vmst_big=$MIB $NET_LINUX_QUIRKS"
	# the back end: the VMM's card, and where the peer runs and reaches the guest
	if [ $be = bridge ]; then
		vmm=$IN_NS peer=$IN_PEER at=$NET_PEER_IP gaddr=$NET_GUEST_IP gport=80
		cmdline="$cmdline vmst_ip=$NET_GUEST_IP vmst_gw=$NET_PEER_IP"
		vif="model=$model, bridge=br0"
		netdev="tap,id=n0,ifname=$NET_TAP,script=no,downscript=no"
		ip -n "$NET_PEER" neigh flush all   # the last run's MAC had the guest's address
	else
		vmm="" peer="" at=127.0.0.1 gaddr=127.0.0.1 gport=$FPORT
		vif="type=ioemu, model=$model, hostfwd=tcp::$FPORT-:80"
		netdev="user,id=n0,hostfwd=tcp::$FPORT-:80"
	fi
	$peer python3 "$TOP/tests/bench/net_peer.py" serve $HPORT $MIB "$d/pid" "$d/h2g" $at > "$d/peer.log" 2>&1 & srv=$!
	PIDS="$PIDS $srv"
	i=0; while ! $peer socat -u OPEN:/dev/null "TCP:$at:$HPORT" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	if [ $who = vmst ]; then
		cat > "$d/net.cfg" <<CFG
name = 'bench-net-$model'
memory = 256
vcpus = 1
kernel = '$KERNEL'
ramdisk = '$INITRD'
extra = '$cmdline'
serial = 'file:$d/com1'
cpuid = 'host,cx16=0,rdrand=0,rdseed=0,xsave=0'
vif = [ '$vif' ]
vga = 'none'
vnc = 0
on_poweroff = 'destroy'
on_reboot = 'destroy'
on_crash = 'destroy'
log_dir = '$d/logs'
CFG
		$vmm "$VMST" run -q "$d/net.cfg" --monitor "unix:$d/mon.sock" > "$d/vmm.out" 2>&1 & vm=$!
	else
		# vapic off: its TPR patching syncs the registers back to KVM, the
		# TR as a busy TSS, and the emulated host's TCG aborts on the next
		# interrupt from ring 3 of a 32-bit guest ("invalid tss type")
		$vmm $QEMU -enable-kvm -machine pc -m 256 -nodefaults -display none -no-reboot \
			-global kvm-apic.vapic=false \
			-cpu ${BENCH_NET_QEMU_CPU:-qemu64,cx16=off} -kernel "$KERNEL" -initrd "$INITRD" -append "$cmdline" \
			-netdev "$netdev" -device "$model,netdev=n0" \
			-serial file:"$d/com1" > "$d/vmm.out" 2>&1 & vm=$!
	fi
	PIDS="$PIDS $vm"
	echo $vm > "$d/pid"
	T0=$(now_ms)
	# KVM's counters and the threads' CPU: over host->guest the peer takes
	# them at the request and after the last byte ($d/h2g.snap: polling the
	# guest's COM1 for its wget here could see it after the wget had ended);
	# guest->host is between the guest's httpd up and the fetch's end
	up=$(wait_file "$d/com1" "VMST-HTTPD-UP|VMST-WGET-FAILED|Kernel panic" $LIMIT)
	k1=$(kvm_stats $vm) c1=$(thread_ticks $vm)
	res=error
	if [ "$up" != timeout ] && grep -aq VMST-HTTPD-UP "$d/com1" && [ -s "$d/h2g" ]; then
		g2h=$(timeout 300 $peer python3 "$TOP/tests/bench/net_peer.py" fetch $gport $vm $gaddr 2>> "$d/peer.log")
		[ -n "$g2h" ] && res="$(cat "$d/h2g") $g2h"
	fi
	k2=$(kvm_stats $vm) c2=$(thread_ticks $vm)
	case "$res" in error) ;; *)
		set -- $res
		k0=$(sed -n '1s/ | .*//p' "$d/h2g.snap") kh=$(sed -n '2s/ | .*//p' "$d/h2g.snap")
		c0=$(sed -n '1s/.* | //p' "$d/h2g.snap") ch=$(sed -n '2s/.* | //p' "$d/h2g.snap")
		echo "net: $who $model $be: KVM host->guest: $(stats_per_mb "${k0:-none}" "${kh:-none}" "$1")" >&2
		echo "net: $who $model $be: host->guest, CPU by thread: $(ticks_between "$c0" "$ch")" >&2
		echo "net: $who $model $be: KVM guest->host: $(stats_per_mb "$k1" "$k2" "$4")" >&2
		echo "net: $who $model $be: guest->host, CPU by thread: $(ticks_between "$c1" "$c2")" >&2 ;;
	esac
	# vmstation's counters: frames dropped on the way are TCP's retransmits
	[ $who = qemu ] || echo "info network" | socat -t 5 - "UNIX-CONNECT:$d/mon.sock" 2>/dev/null |
		grep -a ' rx ' | sed "s/^ */net: vmst $model $be: info network: /" >&2
	# where the VMM's CPU went over the whole run: each thread's user+system ticks
	echo "net: $who $model $be: threads (tid:name:ticks): $c2" >&2
	# a VMM already gone: its exit status, for a failed run's line
	gone=""; kill -0 $vm 2>/dev/null || { wait $vm; gone="; the VMM had exited, status $?"; }
	kill $vm $srv 2>/dev/null; wait $vm $srv 2>/dev/null
	# a short transfer is a failed one
	raw=$res
	case "$res" in error) ;; *) set -- $res; [ "$1" -ge $((MIB * 1048576)) ] && [ "$4" -ge $((MIB * 1048576)) ] || res=error ;; esac
	if [ "$res" = error ]; then
		echo "net: $who $model $be: no figures (boot ${up} ms; transfers: $raw$gone)" >&2
		{ grep -aE '^(VMST|udhcpc)' "$d/com1" || tail -n 5 "$d/com1"; } 2>/dev/null | sed 's/^/  COM1: /' >&2
		sed 's/^/  peer: /' "$d/peer.log" "$d/h2g" 2>/dev/null >&2
		grep -v '^exit profile' "$d/vmm.out" 2>/dev/null | tail -n 10 | sed 's/^/  VMM: /' >&2
	fi
	echo "net: $who $model $be: bytes ms cpu-ms host->guest, guest->host: $res" >&2
	# VMST_EXIT_PROFILE=1: where vmstation's exits went (see core/exit_profile.h)
	grep '^exit profile' "$d/vmm.out" 2>/dev/null | sed "s/^/net: $who $model $be: /" >&2
	echo "$res"
}
# run WHO MODEL BACKEND FILE: one_run's line onto FILE; once more if it gave
# no figures (seen in the emulated host: QEMU gone before its guest's /init,
# not a word on its stderr)
run() {
	one_run $1 $2 $3 > "$B/last"
	if [ "$(cat "$B/last")" = error ]; then
		echo "net: $1 $2 $3: once more" >&2
		one_run $1 $2 $3 > "$B/last"
	fi
	cat "$B/last" >> "$4"
}
med() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "error"; else print v[int((NR + 1) / 2)] }'; }
# field N of the runs' lines: MB/s (K=mbs) or CPU ms per MB (K=cpu)
fig() { # FILE K BYTES-FIELD
	awk -v k="$2" -v f="$3" 'NF >= 6 { b = $f; t = $(f + 1); c = $(f + 2); mb = b / 1048576
		if (t <= 0) t = 1; if (k == "mbs") printf "%.3f\n", mb * 1000 / t; else printf "%.1f\n", c / mb }' "$1" | med
}

BACKENDS=${BENCH_NET_BACKENDS:-slirp bridge}
case " $BACKENDS " in *" bridge "*)
	if ! why=$(bridge_up); then
		echo "SKIP: net bridge rows (every model): $why"
		BACKENDS=$(echo " $BACKENDS " | sed 's/ bridge / /')
	fi ;;
esac
for model in ${BENCH_NET_MODELS:-rtl8139 e1000}; do
	for be in $BACKENDS; do
		v="$B/v-$model-$be" q="$B/q-$model-$be"
		: > "$v"; : > "$q"
		for i in $(seq $RUNS); do
			if [ $((i % 2)) = 1 ]; then
				run vmst $model $be "$v"; run qemu $model $be "$q"
			else
				run qemu $model $be "$q"; run vmst $model $be "$v"
			fi
		done
		report "net $model $be host->guest ($MIB MiB), MB/s" "$(fig "$v" mbs 1)" "$(fig "$q" mbs 1)" MB/s ">= 1.00"
		report "net $model $be host->guest, host CPU ms per MB" "$(fig "$v" cpu 1)" "$(fig "$q" cpu 1)" ms/MB "<= 1.00"
		report "net $model $be guest->host ($MIB MiB), MB/s" "$(fig "$v" mbs 4)" "$(fig "$q" mbs 4)" MB/s ">= 1.00"
		report "net $model $be guest->host, host CPU ms per MB" "$(fig "$v" cpu 4)" "$(fig "$q" cpu 4)" ms/MB "<= 1.00"
	done
done
