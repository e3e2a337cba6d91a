#!/bin/sh
# Direct Linux boot of Debian's stock amd64 kernel (bzImage, xz payload
# decompressed on the host, entered through the 64-bit boot protocol, then
# through its PVH note) with a busybox initramfs. The kernel's own drivers
# must find our devices on the way (8250: a 16550A; rtc_cmos: the time;
# i8042/atkbd: the keyboard); the guest's /init reports on COM1 and powers off
# through ACPI, which must end vmstation with status 0 (on_poweroff='destroy').
# Takes minutes here: guest kernel mode is emulated (TESTING.md), and this
# host's KVM does not deliver user-mode system calls, so the /init checks fail
# here with the reason (linux_userspace_diag in linux_cmdline.inc).
. "$(dirname "$0")/../lib.sh"

paths=$(sh "$TOP/tests/guests/build-linux.sh" "$CACHE") || { fail "build the Linux guest"; finish; }
KERNEL=$(echo "$paths" | sed -n 's/^KERNEL=//p')
INITRD=$(echo "$paths" | sed -n 's/^INITRD=//p')
check "Debian kernel and busybox initramfs built" test -s "$KERNEL" -a -s "$INITRD"

. "$TOP/tests/slow/linux_cmdline.inc" # LINUX_QUIRKS, LINUX_TRIM

# boot NAME [ENV=VALUE]: one run; sets RC and SECS, COM1 output in $T/NAME.com1
boot() {
	name=$1
	cat > "$T/$name.cfg" <<EOF
name = '$name'
memory = 256
vcpus = 1
kernel = '$KERNEL'
ramdisk = '$INITRD'
extra = 'console=ttyS0 panic=-1 $LINUX_QUIRKS $LINUX_TRIM $LINUX_CLOCK'
serial = 'file:$T/$name.com1'
cpuid = 'host,cx16=0,rdrand=0,rdseed=0,xsave=0'
vga = 'none'
vnc = 0
sdl = 0
on_poweroff = 'destroy'
on_reboot = 'destroy'
on_crash = 'destroy'
log_dir = '$T/$name.logs'
EOF
	START=$(date +%s)
	if [ -n "$2" ]; then
		env "$2" "$VMST" run "$T/$name.cfg" > "$T/$name.out" 2>&1 &
	else
		"$VMST" run "$T/$name.cfg" > "$T/$name.out" 2>&1 &
	fi
	wait_pid $! "${LINUX_BOOT_TIMEOUT:-1800}" # sets RC
	SECS=$(( $(date +%s) - START ))
	echo "$name: vmstation exited $RC after ${SECS}s"
	grep -m1 VMST-UPTIME "$T/$name.com1" 2>/dev/null || true
}

# kernel_checks NAME WHAT: what the kernel itself shows before user space
kernel_checks() {
	c="$T/$1.com1"
	check "$2: the kernel ran its initcalls to 'Run /init as init process'" \
		grep -aq 'Run /init as init process' "$c"
	check "$2: 8250 found a 16550A on COM1 ('ttyS0 ... is a 16550A')" \
		grep -aqE 'ttyS0 at I/O 0x3f8 .*is a 16550A' "$c"
	# rtc_cmos set the system clock from our CMOS RTC: the host's UTC date
	rtc=$(grep -ao 'rtc_cmos rtc_cmos: setting system clock to [0-9-]*T[0-9:]*' "$c" | sed 's/.* to //')
	rtc_s=$(date -u -d "$(echo "$rtc" | tr T ' ')" +%s 2>/dev/null || echo 0)
	check "$2: rtc_cmos read the RTC: '$rtc' is within the boot's time span" \
		[ "$rtc_s" -ge $((START - 5)) -a "$rtc_s" -le $((START + SECS + 5)) ]
	check "$2: atkbd found the keyboard behind our i8042" \
		grep -aq 'input: AT Translated Set 2 keyboard' "$c"
	why=$(linux_userspace_diag "$c")
	check "$2: /init ran (marker on COM1)${why:+ -- $why}" grep -q '^VMST-LINUX-BOOT-OK' "$c"
	check "$2: its log shows 'ttyS0 ... is a 16550A' (dmesg from /init)" \
		sh -c "sed -n '/^VMST-DMESG-BEGIN/,/^VMST-DMESG-END/p' '$c' | grep -qE 'ttyS0 at I/O 0x3f8 .*is a 16550A'"
	check "$2: /init's poweroff reached ACPI S5 (vmstation: 'guest powered off')" \
		grep -qs 'guest powered off' "$T/$1.logs/vmstation.log"
	check "$2: vmstation exited 0 (got $RC)" test "$RC" = 0
}

# a kernel cache of this test's own: the first boot unpacks the payload and
# keeps it, the PVH boot below maps it from there
export XDG_CACHE_HOME="$T/cache"
boot linux64
kernel_checks linux64 "64-bit boot protocol"
check "the log names the entry path used" \
	grep -rqs '64-bit boot protocol' "$T/linux64.out" "$T/linux64.logs"
check "the first boot unpacked the xz payload and kept it in the kernel cache" \
	grep -qs 'xz payload .* in [0-9.]* s, kept in the kernel cache' "$T/linux64.logs/vmstation.log"
echo "TIME: linux64: whole run ${SECS}s; 'Run /init' at guest clock $(awk -F'[][]' '/Run \/init/ { print $2 + 0; exit }' "$T/linux64.com1")s (${LINUX_CLOCK_SLOWDOWN}x slower than real time)"

# The same kernel through its PVH note (hvm_start_info, memmap, modlist).
if [ -z "$LINUX_BOOT_SKIP_PVH" ]; then
	boot linuxpvh VMST_BOOT_ENTRY=pvh
	kernel_checks linuxpvh "PVH entry"
	check "the log names the PVH entry" grep -rqs 'PVH entry' "$T/linuxpvh.out" "$T/linuxpvh.logs"
	check "the second boot took the kernel from the cache" \
		grep -qs 'unpacked before: .* from the kernel cache' "$T/linuxpvh.logs/vmstation.log"
	echo "TIME: linux PVH: whole run ${SECS}s"
fi
finish
