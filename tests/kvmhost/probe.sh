#!/bin/sh
# Can this machine's /dev/kvm run what our guests need? Prints one word,
#   native     /dev/kvm opens and runs ring-3 SYSCALL and INT 0x80 and
#              32-bit non-PAE paging (a desktop's VT-x/AMD-V, or we are
#              already inside the emulated host)
#   emulating  /dev/kvm runs our own guests but emulates guest kernel mode
#              (kvm-pvm: no ring-3 system calls, no 32-bit paging): the fast
#              tier runs here, Linux guests need the emulated host
#   emulated   otherwise: KVM tests run inside tests/kvmhost/kvmhost
# and on stderr one line that says why. VMST_KVM=native|emulated forces it.
# Uses the probe guests of the slow tier (user_syscall.asm, emul_paging32.asm)
# under ./vmstation, a few seconds each.
top=$(cd "$(dirname "$0")/../.." && pwd)
why() { echo "$1"; echo "kvm: $1: $2" >&2; exit 0; }
case ${VMST_KVM:-} in
native|emulated) why "$VMST_KVM" "forced by VMST_KVM" ;;
"") ;;
*) echo "kvm: VMST_KVM must be native or emulated, not '$VMST_KVM'" >&2; exit 1 ;;
esac
[ -z "${VMST_IN_KVMHOST:-}" ] || why native "inside the emulated AMD-V host"
[ -e /dev/kvm ] || why emulated "this machine has no /dev/kvm"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || why emulated "/dev/kvm cannot be opened read-write by $(id -un)"
d=$top/build/kvmprobe
rm -rf "$d"; mkdir -p "$d"
for g in user_syscall emul_paging32; do
	nasm -f bin -I "$top/tests/guests/" -o "$d/$g.elf" "$top/tests/guests/$g.asm" ||
		why emulated "cannot assemble the probe guest $g.asm"
	cat > "$d/$g.cfg" <<CFG
name = 'kvmprobe-$g'
memory = 64
kernel = '$d/$g.elf'
serial = 'file:$d/$g.com1'
log_dir = '$d/logs'
vga = 'none'
vnc = 0
sdl = 0
on_reboot = 'destroy'
on_crash = 'destroy'
CFG
	timeout -k 2 30 "$top/vmstation" run "$d/$g.cfg" > "$d/$g.out" 2>&1
done
grep -q '^USER-SYSCALL-START' "$d/user_syscall.com1" 2>/dev/null ||
	why emulated "/dev/kvm did not run the probe guest ($(head -c 200 "$d/user_syscall.out" | tr '\n' ' '))"
grep -q '^SYSCALL-OK CPL=0' "$d/user_syscall.com1" ||
	why emulating "/dev/kvm does not deliver a ring-3 SYSCALL to ring 0 (guest kernel mode is emulated: kvm-pvm?)"
grep -q '^INT80-OK CPL=0' "$d/user_syscall.com1" ||
	why emulating "/dev/kvm does not deliver a ring-3 INT 0x80"
grep -q '^PAGING32-NONPAE-OK' "$d/emul_paging32.com1" ||
	why emulating "/dev/kvm cannot run 32-bit non-PAE paging"
why native "/dev/kvm runs ring-3 system calls and 32-bit paging"
