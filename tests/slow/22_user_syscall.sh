#!/bin/sh
# Probe: do ring 3's ways into the kernel work? A small 64-bit guest
# (tests/guests/user_syscall.asm) runs SYSCALL, INT 0x80, UD2 and a #PF from
# ring 3, then INT 0x80 from 32-bit compatibility mode, and prints on COM1
# what reached ring 0. Run under vmstation, QEMU -enable-kvm and QEMU TCG.
# TCG proves the guest (every line OK). Every check must pass under all three:
# on a native KVM and inside the emulated AMD-V host (tests/kvmhost).
. "$(dirname "$0")/../lib.sh"
G=$(guest user_syscall) || { fail "assemble user_syscall.asm"; finish; }

cat > "$T/vm.cfg" <<CFG
name = 'user_syscall'
memory = 64
kernel = '$G'
serial = 'file:$T/vmstation.com1'
log_dir = '$T/logs'
vga = 'none'
vnc = 0
sdl = 0
on_poweroff = 'destroy'
on_reboot = 'destroy'
on_crash = 'destroy'
CFG

# run NAME CMD...: one run in the background, at most 40 s; COM1 in $T/NAME.com1
run() {
	name=$1; shift
	: > "$T/$name.com1"
	"$@" > "$T/$name.out" 2>&1 &
	wait_pid $! 40
	echo "--- $name (exit $RC), COM1:"
	sed 's/^/  /' "$T/$name.com1"
}

qemu() { # qemu ACCEL-ARGS... : the PVH guest on QEMU's pc machine
	_com1=$1; shift
	qemu-system-x86_64 "$@" -machine pc -m 64 -nodefaults -display none \
		-serial "file:$_com1" -kernel "$G"
}

run vmstation "$VMST" run "$T/vm.cfg"
run qemu-kvm qemu "$T/qemu-kvm.com1" -enable-kvm
run qemu-tcg qemu "$T/qemu-tcg.com1" -accel tcg

for name in vmstation qemu-kvm qemu-tcg; do
	c="$T/$name.com1"
	check "$name: guest reached ring 3 (IRETQ)" grep -q '^IRETQ to ring 3' "$c"
	check "$name: SYSCALL from user mode reaches the LSTAR handler at CPL 0" \
		grep -q '^SYSCALL-OK CPL=0 CS=0010 ' "$c"
	check "$name: int 0x80 reaches its gate at CPL 0" \
		grep -qE '^INT80-OK CPL=0 CS=0010 from CS=0033 .* EAX=0000$' "$c"
	check "$name: int 0x80 from 32-bit compatibility mode reaches its gate at CPL 0" \
		grep -qE '^INT80-OK CPL=0 CS=0010 from CS=0023 .* EAX=0000$' "$c"
	check "$name: user-mode #UD and #PF reach their handlers (for comparison)" \
		sh -c "grep -q '^EXC-OK vec=06 ' '$c' && grep -q '^EXC-OK vec=0e err=00000005 CS=0033 ' '$c'"
done
check "qemu-tcg: the guest ran to USER-SYSCALL-DONE with no FAIL line" \
	sh -c "grep -q '^USER-SYSCALL-DONE' '$T/qemu-tcg.com1' && ! grep -q FAIL '$T/qemu-tcg.com1'"
if [ "$NFAIL" -gt 0 ] && [ -d /sys/module/kvm_pvm ] && [ -z "${VMST_IN_KVMHOST:-}" ]; then
	echo "NOTE: this host's /dev/kvm is kvm-pvm (TESTING.md): it emulates guest kernel"
	echo "      mode, so SYSCALL arrives at the LSTAR address still at CPL 3 (#PF error"
	echo "      0x15 there, as Debian's /init got) and INT 0x80 raises #UD, while #UD and"
	echo "      #PF themselves are delivered. Run the slow tier in tests/kvmhost/kvmhost."
fi
finish
