#!/bin/sh
# xl's HVM switches as the guest sees them (tests/guests/cpuid_bits.asm
# prints CPUID leaf 1 and 0x80000001):
#  - pae = 0: no long mode and no NX (both need PAE paging), and no PAE
#    where the KVM honours leaf 1 EDX (kvm-pvm keeps its own: noted);
#  - apic = 0: the local APIC is disabled, so CPUID has no APIC (nor x2APIC)
#    and SeaBIOS says it runs on the main CPU alone;
#  - acpi = 0: system_powerdown says there is no ACPI power button;
#  - the hypervisor bit is set by default (KVM does not offer it);
#  - viridian = 1: CPUID says "Microsoft Hv" / "Hv#1" at 0x40000000, KVM's
#    own leaves are gone (0x40000100 too), and the reference time counter (MSR
#    0x40000020) runs; on a KVM without Hyper-V support, a warning.
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
G=$(guest cpuid_bits) || { fail "assemble cpuid_bits.asm"; finish; }

# bits OPTION: run the guest with OPTION; L1ECX L1EDX X1ECX X1EDX as numbers
bits() {
	printf "name = 'sw'\nmemory = 32\nkernel = '%s'\nserial = 'file:%s'\nvga = 'none'\non_poweroff = 'destroy'\nlog_dir = '%s'\n%s\n" \
		"$G" "$T/com1.log" "$T/logs" "$1" > "$T/sw.cfg"
	rm -f "$T/com1.log"
	timeout 60 "$VMST" run "$T/sw.cfg" > "$T/sw.out" 2>&1 || return 1
	l1=$(grep -a '^L1 ' "$T/com1.log"); x1=$(grep -a '^X1 ' "$T/com1.log")
	[ -n "$l1" ] && [ -n "$x1" ] || return 1
	echo "$((0x$(echo $l1 | cut -d' ' -f2))) $((0x$(echo $l1 | cut -d' ' -f3))) $((0x$(echo $x1 | cut -d' ' -f2))) $((0x$(echo $x1 | cut -d' ' -f3)))"
}
bit() { [ $(( ($1 >> $2) & 1 )) = 1 ]; }
nobit() { [ $(( ($1 >> $2) & 1 )) = 0 ]; }
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

set -- $(bits "") 0 0 0 0
d_l1c=$1 d_l1d=$2 d_x1d=$4
check "default: the guest runs and reads CPUID" [ "$d_l1d" != 0 ]
check "default: PAE (leaf 1 EDX bit 6)" bit $d_l1d 6
check "default: APIC (leaf 1 EDX bit 9)" bit $d_l1d 9
check "default: long mode (0x80000001 EDX bit 29)" bit $d_x1d 29
check "default: the hypervisor bit (leaf 1 ECX bit 31), as Xen and QEMU set it" bit $d_l1c 31
set -- $(bits "cpuid = 'host,hypervisor=0'") 0 0 0 0
check "cpuid = 'host,hypervisor=0' clears it" nobit $1 31

set -- $(bits "pae = 0") 0 0 0 0
check "pae = 0: the guest runs" [ "$2" != 0 ]
check "pae = 0: no long mode" nobit $4 29
check "pae = 0: no NX" nobit $4 20
if [ -d /sys/module/kvm_pvm ] && [ -z "${VMST_IN_KVMHOST:-}" ]; then
	echo "INFO: 16_hvm_switches: pae = 0: leaf 1 EDX is kvm-pvm's own here (PAE bit $(( ($2 >> 6) & 1 ))); asserted in the emulated host"
else
	check "pae = 0: no PAE (leaf 1 EDX bit 6)" nobit $2 6
fi
check "pae = 0: the rest of leaf 1 EDX as by default" [ $(( $2 | 64 )) = $(( d_l1d | 64 )) ]

set -- $(bits "apic = 0") 0 0 0 0
check "apic = 0: the guest runs" [ "$2" != 0 ]
check "apic = 0: no APIC in CPUID" nobit $2 9
check "apic = 0: no x2APIC in CPUID" nobit $1 21
check "apic = 0: long mode kept" bit $4 29

check "default: KVM's leaves at 0x40000000" grep -aq "^H0 40000001 KVMKVMKVM" "$T/com1.log"
bits "viridian = 1" > /dev/null
if grep -q "offers no Hyper-V enlightenments" "$T/sw.out"; then
	echo "INFO: 16_hvm_switches: this KVM has no Hyper-V support (KVM_CAP_SYS_HYPERV_CPUID): only the fallback is checked"
	check "viridian = 1 without KVM support: KVM's leaves stay" grep -aq "^H0 40000001 KVMKVMKVM" "$T/com1.log"
else
	check "viridian = 1: Microsoft Hv at 0x40000000" grep -aq "^H0 400000[0-9a-f][0-9a-f] Microsoft Hv" "$T/com1.log"
	check "viridian = 1: interface Hv#1" grep -aq "^H1 31237648" "$T/com1.log"
	check "viridian = 1: no KVM leaves (neither at 0x40000000 nor one block up)" \
		sh -c "! grep -aq 'KVMKVMKVM' '$T/com1.log'"
	set -- $(grep -a '^REF ' "$T/com1.log") x 0 0
	check "viridian = 1: the reference time counter runs ($2 -> $3)" [ $((0x$3)) -gt $((0x$2)) ]
	ms=$(( (0x$3 - 0x$2) / 10000 ))
	check_rt "viridian = 1: the counter counts 100 ns units (100 ms of the PIT: $ms ms)" in_range $ms 80 130
fi

printf "name = 'swb'\nmemory = 32\nboot = 'c'\nvga = 'none'\nserial = 'null'\napic = 0\ndebugcon = 'file:%s'\nlog_dir = '%s'\n" \
	"$T/dbg.log" "$T/logs" > "$T/swb.cfg"
vm_bg swb run "$T/swb.cfg"
check "apic = 0: SeaBIOS runs on the main CPU alone" wait_guest "$T/dbg.log" "No apic - only the main cpu is present" 60
kill $VM_PID 2>/dev/null; wait $VM_PID 2>/dev/null

printf "name = 'swa'\nmemory = 32\nboot = 'c'\nvga = 'none'\nserial = 'null'\nacpi = 0\nlog_dir = '%s'\n" "$T/logs" > "$T/swa.cfg"
vm_bg swa run "$T/swa.cfg" --monitor "unix:$T/mon.sock"
"$MC" --wait "$T/mon.sock" 30
"$MC" "$T/mon.sock" "system_powerdown" > "$T/pd.txt" 2>&1
check "acpi = 0: system_powerdown says there is no ACPI power button" grep -q "no ACPI power button (acpi=0)" "$T/pd.txt"
kill $VM_PID 2>/dev/null; wait $VM_PID 2>/dev/null
finish
