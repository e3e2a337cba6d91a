#!/bin/sh
# xend's list form of cpuid= at run time: the entries are applied to the
# CPUID table KVM offers when the VM is built (core/cpuid_xend.c). A list
# that clears bits of real leaves runs the guest to its end; one forcing a
# bit on in a leaf KVM does not offer stops the VM with the entry's
# file:line:col. (What a guest then sees is not checked here: on the
# kvm-pvm host of TESTING.md the guest sees the host's CPUID bits whatever
# KVM_SET_CPUID2 says, for the string form too; test_config checks the bits
# the list sets and clears in a CPUID table.)
. "$(dirname "$0")/../lib.sh"
G=$(guest emul_kernel) || { fail "assemble emul_kernel.asm"; finish; }

run_emul() { # NAME CPUID-LINE
	cat > "$T/$1.cfg" <<CFG
name = 'cpuid-$1'
memory = 16
kernel = '$G'
serial = 'file:$T/$1.com1'
log_dir = '$T/logs'
vga = 'none'
vnc = 0
sdl = 0
on_poweroff = 'destroy'
on_crash = 'destroy'
$2
CFG
	"$VMST" run "$T/$1.cfg" > "$T/$1.out" 2>&1 &
	wait_pid $! 60
}

# (RDRAND, TSC-deadline and ERMS: bits no check of the guest depends on. Not
# SMAP: STAC runs on a CPU that has it whatever CPUID says, as on hardware
# virtualization, while the guest's check expects #UD when CPUID says no)
run_emul cleared "cpuid = [ '0x1:ecx=x0xxxxx0xxxxxxxxxxxxxxxxxxxxxxxx',
          '0x7,0:ebx=xxxxxxxxxxxxxxxxxxxxxx0xxxxxxxxx' ]"
check "cleared bits: the guest ran every check to the end (exit $RC)" \
	sh -c "[ '$RC' = 0 ] && grep -q '^EMUL-DONE' '$T/cleared.com1' && ! grep -q 'EMUL-FAIL' '$T/cleared.com1'"
check "cleared bits: no CPUID error" sh -c "! grep -qi 'cpuid' '$T/cleared.out'"

cat > "$T/noleaf.cfg" <<CFG
name = 'cpuid-noleaf'
memory = 16
kernel = '$G'
vga = 'none'
vnc = 0
log_dir = '$T/logs'
cpuid = [ '0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
          '0x8fff0000:eax=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1' ]
CFG
timeout 30 "$VMST" run "$T/noleaf.cfg" > "$T/noleaf.out" 2>&1
rc=$?
check "a leaf KVM lacks: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "a leaf KVM lacks: the entry's file:line:col" \
	grep -qF "$T/noleaf.cfg:8:11: cpuid: leaf 0x8fff0000 is not offered by KVM on this host" "$T/noleaf.out"
finish
