#!/bin/sh
# Instructions this host's KVM refuses to emulate in guest kernel mode
# (INT3, INT n, INTO, IRET, FWAIT, FNCLEX, FNSTSW AX, EMMS, STAC/CLAC, RDRAND,
# POPCNT, CMPXCHG16B) run in a CPL 0 guest and have their architectural effect: the guest
# checks return addresses, pushed frames, flags, faults and results itself
# and prints EMUL-OK / EMUL-FAIL lines (tests/guests/emul_kernel.asm). On a
# host whose KVM runs them natively the guest passes the same way.
. "$(dirname "$0")/../lib.sh"
G=$(guest emul_kernel) || { fail "assemble emul_kernel.asm"; finish; }

cat > "$T/emul.cfg" <<CFG
name = 'emul'
memory = 16
kernel = '$G'
serial = 'file:$T/emul.com1'
log_dir = '$T/logs'
vga = 'none'
vnc = 0
sdl = 0
on_poweroff = 'destroy'
on_crash = 'destroy'
CFG
"$VMST" run "$T/emul.cfg" > "$T/emul.out" 2>&1 &
wait_pid $! 60
check "guest ran every check and powered off, vmstation exit 0 (got $RC)" \
	sh -c "[ '$RC' = 0 ] && grep -q '^EMUL-DONE' '$T/emul.com1'"
while read -r name; do
	check "guest: $name" grep -qx "EMUL-OK $name" "$T/emul.com1"
done <<NAMES
int3-vector
int3-return-address
int3-pushed-cs
int-n-vector
int-n-return-address
int-n-pushed-eflags
int-n-no-error-code
into-of-clear
into-of-set-vector
into-of-set-return-address
iret-same-level-flags
fwait-nothing-pending
fwait-pending-mf-vector
fwait-pending-mf-fault-address
fnclex-clears-fsw
fwait-ts-nm-vector
fwait-ts-nm-fault-address
emms-empties-tags
ring3-cli-gp-vector
ring3-cli-gp-error-code
iret-to-ring3-eip
iret-to-ring3-cs
iret-to-ring3-ss
iret-to-ring3-esp
iret-to-ring3-nulls-ds
iret-to-ring3-nulls-es
NAMES
# SMAP, RDRAND and POPCNT depend on the CPU: the guest checks CPUID (and
# expects #UD from STAC without SMAP); one OK line each either way.
either() { # description name1 name2
	check "guest: $1" sh -c "grep -qx 'EMUL-OK $2' '$T/emul.com1' || grep -qx 'EMUL-OK $3' '$T/emul.com1'"
}
either "stac/clac (or #UD without SMAP)" clac-clears-ac stac-without-smap-ud
either "rdrand (when advertised)" rdrand-cf-and-data rdrand-not-advertised
either "popcnt (when advertised)" popcnt-zero-sets-zf popcnt-not-advertised
either "64-bit: cmpxchg16b equal (when advertised)" cmpxchg16b-equal-stores cmpxchg16b-not-advertised
either "64-bit: cmpxchg16b different (when advertised)" cmpxchg16b-different-loads cmpxchg16b-not-advertised
either "64-bit: wrgsbase/rdgsbase (when advertised)" wrgsbase-rdgsbase-msr fsgsbase-not-advertised
check "guest: 64-bit iretq at the same level" grep -qx 'EMUL-OK iretq-same-level' "$T/emul.com1"
check "no EMUL-FAIL line" sh -c "! grep -q EMUL-FAIL '$T/emul.com1'"
check "no instruction left unemulated" sh -c "! grep -q 'KVM cannot emulate' '$T/logs/vmstation.log'"
grep -h 'emulated .* for KVM' "$T/logs/vmstation.log" | sed 's/^[0-9-]* [0-9:]* /  /'
finish
