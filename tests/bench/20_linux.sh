#!/bin/sh
# Slow tier (make bench-slow, or BENCH_SLOW=1): time from process start to
# Debian's amd64 kernel starting its /init ("Run /init as init process" on
# COM1), vmstation and QEMU with the same bzImage, initramfs and command line.
# vmstation unpacks the bzImage on the host and enters the kernel directly;
# QEMU's -kernel runs the kernel's own decompressor in the guest first
# (minutes here: TESTING.md). The kernel's line is the mark because on this
# machine's KVM /init itself cannot run (tests/slow/linux_cmdline.inc); on
# other hosts BENCH_LINUX_MARK='^VMST-LINUX-BOOT-OK' times /init's first line.
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

cat > "$B/linux.cfg" <<CFG
name = "bench-linux"
memory = 256
kernel = '$KERNEL'
ramdisk = '$INITRD'
extra = '$CMDLINE'
cpuid = 'host,cx16=0,rdrand=0,rdseed=0,xsave=0'
serial = 'file:$B/v.com1'
vga = 'none'
vnc = 0
on_poweroff = 'destroy'
log_dir = '$B/logs'
CFG
T0=$(now_ms)
"$VMST" run -q "$B/linux.cfg" & pid=$!
vt=$(wait_file "$B/v.com1" "$MARK" "$LIMIT")
kill $pid 2>/dev/null; wait $pid 2>/dev/null

# QEMU: its default CPU model (no RDRAND or XSAVE; "-cpu host" is refused by
# this host's KVM: it cannot set MSR 0x10a) without cx16, the same command line.
T0=$(now_ms)
$QEMU -enable-kvm -machine pc -m 256 -nodefaults -display none \
	-cpu qemu64,cx16=off \
	-kernel "$KERNEL" -initrd "$INITRD" -append "$CMDLINE" \
	-serial file:"$B/q.com1" > "$B/q.out" 2>&1 & pid=$!
qt=""
end=$(( $(now_ms) + LIMIT * 1000 ))
while [ "$(now_ms)" -lt "$end" ]; do
	if grep -qaE "$MARK" "$B/q.com1" 2>/dev/null; then qt=$(( $(now_ms) - T0 )); break; fi
	# gone (a zombie until waited for), or stopped by a KVM error (QEMU stays up)
	st=$(ps -o stat= -p $pid 2>/dev/null | cut -c1)
	{ [ -z "$st" ] || [ "$st" = Z ] || grep -qaiE 'internal error|emulation failure|error:' "$B/q.out"; } && break
	sleep 0.5
done
qsecs=$(( ($(now_ms) - T0) / 1000 ))
[ -n "$qt" ] || qwhy="not reached: $(if grep -qaiE 'internal error|emulation failure|error:' "$B/q.out"; then
	echo "QEMU stopped after ${qsecs}s: $(grep -aim1 -E 'internal error|emulation failure|error:' "$B/q.out" | cut -c1-90)"
	else echo "no '$MARK' after ${qsecs}s"; fi)"
kill $pid 2>/dev/null; wait $pid 2>/dev/null
if [ -n "$qt" ]; then
	report "Linux start to '$MARK' (direct boot)" "$vt" "$qt" ms "<= 0.50"
else
	echo "Linux start to '$MARK' (direct boot): vmstation $vt ms, qemu $qwhy (target: <= 0.50)"
	echo "  last lines of QEMU's COM1: $(tail -n 2 "$B/q.com1" 2>/dev/null | tr '\n' ' ' | cut -c1-160)"
fi
