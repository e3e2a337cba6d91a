#!/bin/sh
# Direct Linux boot of Debian's stock amd64 kernel (bzImage, xz payload
# decompressed on the host, entered through the 64-bit boot protocol) with a
# busybox initramfs: the guest's /init reports on COM1 and powers off through
# ACPI, which must end vmstation with status 0 (on_poweroff='destroy').
# Takes minutes here: guest kernel mode is emulated (TESTING.md).
. "$(dirname "$0")/../lib.sh"

paths=$(sh "$TOP/tests/guests/build-linux.sh" "$CACHE") || { fail "build the Linux guest"; finish; }
KERNEL=$(echo "$paths" | sed -n 's/^KERNEL=//p')
INITRD=$(echo "$paths" | sed -n 's/^INITRD=//p')
check "Debian kernel and busybox initramfs built" test -s "$KERNEL" -a -s "$INITRD"

# This machine's KVM cannot clear CPUID.XSAVE/RDRAND (cpuid= has no effect on
# them) and fails to emulate some kernel-mode instructions (xrstor, rdrand,
# popcnt, clac, ...; TESTING.md): keep the kernel off them from its command line.
LINUX_QUIRKS=${LINUX_QUIRKS:-"mitigations=off noxsave nokaslr nofsgsbase init_on_alloc=0 clearcpuid=smap,smep,rdrand,rdseed,popcnt,avx,avx2,avx512f,bmi1,bmi2,movbe,pclmulqdq,aes,sse4_2,sse4_1,ssse3,fma,f16c,adx,sha_ni,lzcnt,abm"}

# boot NAME [ENV=VALUE]: one run; sets RC and SECS, COM1 output in $T/NAME.com1
boot() {
	name=$1
	cat > "$T/$name.cfg" <<EOF
name = '$name'
memory = 256
vcpus = 1
kernel = '$KERNEL'
ramdisk = '$INITRD'
extra = 'console=ttyS0 panic=-1 $LINUX_QUIRKS'
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
	start=$(date +%s)
	if [ -n "$2" ]; then
		env "$2" "$VMST" run "$T/$name.cfg" > "$T/$name.out" 2>&1 &
	else
		"$VMST" run "$T/$name.cfg" > "$T/$name.out" 2>&1 &
	fi
	wait_pid $! "${LINUX_BOOT_TIMEOUT:-1800}" # sets RC
	SECS=$(( $(date +%s) - start ))
	echo "$name: vmstation exited $RC after ${SECS}s"
	grep -m1 VMST-UPTIME "$T/$name.com1" 2>/dev/null || true
}

boot linux64
check "64-bit boot protocol: /init ran (marker on COM1)" grep -q '^VMST-LINUX-BOOT-OK' "$T/linux64.com1"
check "64-bit boot protocol: dmesg shows 'ttyS0 ... is a 16550A'" \
	grep -qE 'ttyS0 at I/O 0x3f8 .*is a 16550A' "$T/linux64.com1"
check "64-bit boot protocol: poweroff through ACPI ends vmstation with status 0 (got $RC)" \
	test "$RC" = 0
check "the log names the entry path used" \
	grep -rqs '64-bit boot protocol' "$T/linux64.out" "$T/linux64.logs"
echo "TIME: linux64 boot to poweroff: ${SECS}s"

# The same kernel through its PVH note (hvm_start_info, memmap, modlist).
if [ -z "$LINUX_BOOT_SKIP_PVH" ]; then
	boot linuxpvh VMST_BOOT_ENTRY=pvh
	check "PVH entry: /init ran (marker on COM1)" grep -q '^VMST-LINUX-BOOT-OK' "$T/linuxpvh.com1"
	check "PVH entry: poweroff ends vmstation with status 0 (got $RC)" test "$RC" = 0
	echo "TIME: linux PVH boot to poweroff: ${SECS}s"
fi
finish
