#!/bin/sh
# Slow tier (make bench-slow, or BENCH_SLOW=1): time from process start to
# Debian's amd64 kernel starting its /init ("Run /init as init process" on
# COM1), vmstation and QEMU with the same bzImage, initramfs and command line.
# vmstation unpacks the bzImage on the host and enters the kernel directly;
# QEMU's -kernel runs the kernel's own decompressor in the guest first
# (minutes here: TESTING.md). The kernel's line is the mark because on this
# machine's KVM /init itself cannot run (tests/slow/linux_cmdline.inc); on
# other hosts BENCH_LINUX_MARK='^VMST-LINUX-BOOT-OK' times /init's first line.
# Twice: one vCPU, then vcpus = 4 against QEMU's -smp 4 (issue #15: at most
# 1.0). BENCH_LINUX_VCPUS='4' runs only the second. vmstation boots twice
# each time: its first boot of a kernel unpacks it, later ones map it from
# the kernel cache; the target is for the later ones, the first is shown.
. "$(dirname "$0")/lib.sh"
if [ -z "$BENCH_SLOW" ]; then
	echo "Linux start to /init: skipped (slow tier: make bench-slow)"
	exit 0
fi
CACHE="$TOP/build/cache"
paths=$(sh "$TOP/tests/guests/build-linux.sh" "$CACHE") || { echo "Linux guest: build failed"; exit 1; }
KERNEL=$(echo "$paths" | sed -n 's/^KERNEL=//p')
INITRD=$(echo "$paths" | sed -n 's/^INITRD=//p')
. "$TOP/tests/slow/linux_cmdline.inc"
CMDLINE="console=ttyS0 panic=-1 $LINUX_QUIRKS $LINUX_TRIM $LINUX_CLOCK"
LIMIT=${BENCH_LINUX_TIMEOUT:-3600}
MARK=${BENCH_LINUX_MARK:-Run /init as init process}
FIRST='Linux version'   # the kernel's first line on COM1

# linux_pair N: one vmstation run and one QEMU run with N vCPUs
linux_pair() {
	n=$1
	cat > "$B/linux$n.cfg" <<CFG
name = "bench-linux$n"
memory = 256
vcpus = $n
kernel = '$KERNEL'
ramdisk = '$INITRD'
extra = '$CMDLINE'
cpuid = 'host,cx16=0,rdrand=0,rdseed=0,xsave=0'
serial = 'file:$B/v$n.com1'
vga = 'none'
vnc = 0
on_poweroff = 'destroy'
log_dir = '$B/logs'
CFG
	# vmstation twice, with a kernel cache of this run's own: the first boot
	# unpacks the bzImage's payload (firmware/kernel_cache.h), the second
	# maps what the first kept
	rm -rf "$B/kcache"
	for boot in first again; do
		rm -f "$B/v$n.com1"
		T0=$(now_ms)
		XDG_CACHE_HOME="$B/kcache" "$VMST" run -q "$B/linux$n.cfg" & pid=$!
		vfirst=$(wait_file "$B/v$n.com1" "$FIRST" "$LIMIT")
		t=$(wait_file "$B/v$n.com1" "$MARK" "$LIMIT")
		kill $pid 2>/dev/null; wait $pid 2>/dev/null
		if [ $boot = first ]; then vt_first=$t; else vt=$t; fi
	done
	grep -ah "direct kernel boot" "$B/logs/vmstation.log" 2>/dev/null | tail -n 2 | grep -o "bzImage ([^)]*)" |
		sed "s/^/  vmstation, vcpus = $n: /"

	# QEMU: its default CPU model (no RDRAND or XSAVE; "-cpu host" is refused by
	# this host's KVM: it cannot set MSR 0x10a) without cx16, the same command line.
	T0=$(now_ms)
	$QEMU -enable-kvm -machine pc -m 256 -smp $n -nodefaults -display none \
		-cpu qemu64,cx16=off \
		-kernel "$KERNEL" -initrd "$INITRD" -append "$CMDLINE" \
		-serial file:"$B/q$n.com1" > "$B/q$n.out" 2>&1 & pid=$!
	qt="" qfirst=""
	end=$(( $(now_ms) + LIMIT * 1000 ))
	while [ "$(now_ms)" -lt "$end" ]; do
		[ -n "$qfirst" ] || ! grep -qaE "$FIRST" "$B/q$n.com1" 2>/dev/null || qfirst=$(( $(now_ms) - T0 ))
		if grep -qaE "$MARK" "$B/q$n.com1" 2>/dev/null; then qt=$(( $(now_ms) - T0 )); break; fi
		# gone (a zombie until waited for), or stopped by a KVM error (QEMU stays up)
		st=$(ps -o stat= -p $pid 2>/dev/null | cut -c1)
		{ [ -z "$st" ] || [ "$st" = Z ] || grep -qaiE 'internal error|emulation failure|error:' "$B/q$n.out"; } && break
		sleep 0.5
	done
	qsecs=$(( ($(now_ms) - T0) / 1000 ))
	[ -n "$qt" ] || qwhy="not reached: $(if grep -qaiE 'internal error|emulation failure|error:' "$B/q$n.out"; then
		echo "QEMU stopped after ${qsecs}s: $(grep -aim1 -E 'internal error|emulation failure|error:' "$B/q$n.out" | cut -c1-90)"
		else echo "no '$MARK' after ${qsecs}s"; fi)"
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	what="Linux start to '$MARK' (direct boot)" target="<= 0.50"
	[ "$n" = 1 ] || what="Linux start to '$MARK' (direct boot, vcpus = $n / -smp $n)" target="<= 1.0"
	if [ -n "$qt" ]; then
		report "$what, a kernel booted before" "$vt" "$qt" ms "$target"
		report "$what, its first boot (unpacked then)" "$vt_first" "$qt" ms "informational"
		# where the time went: until the kernel's serial console starts
		# (its first COM1 line: the VMM's set-up, QEMU's firmware and the
		# kernel's own decompressor, the kernel's early set-up), and after
		# it (the same kernel code, printing through both VMMs' UARTs)
		report "  of which until the kernel's serial console starts" "$vfirst" "$qfirst" ms "informational"
		report "  of which from there to the mark" "$((vt - vfirst))" "$((qt - qfirst))" ms "informational"
	else
		echo "$what: vmstation $vt ms (first boot $vt_first ms), qemu $qwhy (target: $target)"
		echo "  last lines of QEMU's COM1: $(tail -n 2 "$B/q$n.com1" 2>/dev/null | tr '\n' ' ' | cut -c1-160)"
	fi
}

for n in ${BENCH_LINUX_VCPUS:-1 4}; do
	linux_pair "$n"
done
