#!/bin/sh
# Direct Linux boot of Debian's stock 32-bit kernel (linux-image-686, i386
# bzImage, entered through the 32-bit boot protocol) with an i386 busybox
# initramfs (tests/guests/build-linux-686.sh): /init reports on COM1 and
# powers off through ACPI, ending vmstation with status 0.
# First a probe guest (emul_paging32.asm) checks that the host's KVM can run
# a 32-bit guest with paging on at all: kvm-pvm cannot (the CR0.PG write
# faults), and then the kernel dies in head_32.S; the probe says why.
. "$(dirname "$0")/../lib.sh"

P=$(guest emul_paging32) || { fail "assemble emul_paging32.asm"; finish; }
cat > "$T/probe.cfg" <<EOF2
name = 'paging32'
memory = 16
kernel = '$P'
serial = 'file:$T/probe.com1'
log_dir = '$T/probe.logs'
vga = 'none'
vnc = 0
sdl = 0
on_poweroff = 'destroy'
on_crash = 'destroy'
EOF2
"$VMST" run "$T/probe.cfg" > "$T/probe.out" 2>&1 &
wait_pid $! 60
check "host KVM runs a 32-bit guest with non-PAE paging (probe)" grep -q PAGING32-NONPAE-OK "$T/probe.com1"
check "host KVM runs a 32-bit guest with PAE paging (probe)" grep -q PAGING32-PAE-OK "$T/probe.com1"

paths=$(sh "$TOP/tests/guests/build-linux-686.sh" "$CACHE") || { fail "build the 686 Linux guest"; finish; }
KERNEL=$(echo "$paths" | sed -n 's/^KERNEL=//p')
INITRD=$(echo "$paths" | sed -n 's/^INITRD=//p')
check "Debian 686 kernel and i386 busybox initramfs built" test -s "$KERNEL" -a -s "$INITRD"

# Kernel-mode instructions this host's KVM cannot emulate are done by
# core/vcpu_emul.c; what remains: XSAVE/XRSTOR (noxsave) and SSE/AVX-class
# instructions a kernel may use once CPUID says so (CPUID cannot hide them here).
LINUX_QUIRKS=${LINUX_QUIRKS:-"noxsave"}
cat > "$T/linux686.cfg" <<EOF2
name = 'linux686'
memory = 256
vcpus = 1
kernel = '$KERNEL'
ramdisk = '$INITRD'
extra = 'console=ttyS0 panic=-1 $LINUX_QUIRKS'
serial = 'file:$T/linux686.com1'
vga = 'none'
vnc = 0
sdl = 0
on_poweroff = 'destroy'
on_reboot = 'destroy'
on_crash = 'destroy'
log_dir = '$T/linux686.logs'
EOF2
start=$(date +%s)
"$VMST" run "$T/linux686.cfg" > "$T/linux686.out" 2>&1 &
wait_pid $! "${LINUX_BOOT_TIMEOUT:-1200}"
SECS=$(( $(date +%s) - start ))
echo "linux686: vmstation exited $RC after ${SECS}s"
check "686 kernel: /init ran (marker on COM1)" grep -q '^VMST-LINUX-BOOT-OK .*686' "$T/linux686.com1"
check "686 kernel: dmesg shows 'ttyS0 ... is a 16550A'" \
	grep -qE 'ttyS0 at I/O 0x3f8 .*is a 16550A' "$T/linux686.com1"
check "686 kernel: poweroff ends vmstation with status 0 (got $RC)" test "$RC" = 0
check "the log names the 32-bit entry path" grep -rqs '32-bit boot protocol' "$T/linux686.logs"
grep -h 'emulated .* for KVM\|KVM cannot emulate\|triple fault' "$T/linux686.logs/vmstation.log" 2>/dev/null |
	sed 's/^[0-9-]* [0-9:]* /  log: /' | head -20
grep -m1 VMST-UPTIME "$T/linux686.com1" 2>/dev/null || true
echo "TIME: linux686 boot to poweroff: ${SECS}s"
finish
