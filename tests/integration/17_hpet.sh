#!/bin/sh
# hpet = 1 under SeaBIOS: SeaBIOS reads the block's ID at 0xFED00000 (a
# vendor that is neither 0 nor 0xFFFF, a period of at most 100 ns) and only
# then lists an HPET table; the test walks the RSDT through the monitor's
# xp (which reads RAM, not the block itself). hpet = 0: no table.
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"

# words ADDR N: N 32-bit words of guest memory from ADDR, one a line
words() {
	"$MC" "$T/mon.sock" "xp /$2wx $1" | tr -d '\r' | sed 's/^(vmstation) //' | grep -a '^[0-9a-f]*:' |
		sed 's/^[0-9a-f]*://' | tr ' ' '\n' | grep -a '^0x'
}

# tables HPET-SETTING: boot SeaBIOS, print "SIG ADDR" for each RSDT entry
tables() {
	printf "name = 'hp'\nmemory = 32\nboot = 'c'\nvga = 'none'\nserial = 'null'\nhpet = %s\ndebugcon = 'file:%s'\nlog_dir = '%s'\n" \
		"$1" "$T/dbg$1.log" "$T/logs" > "$T/hp.cfg"
	vm_bg hp$1 run "$T/hp.cfg" --monitor "unix:$T/mon.sock"
	if wait_guest "$T/dbg$1.log" "No bootable device" 60; then
		rsdp=$(grep -a "Copying ACPI RSDP" "$T/dbg$1.log" | sed 's/.* to 0x//')
		rsdt=$(words "0x$(printf %x $((0x$rsdp + 16)))" 1)
		len=$(words "$rsdt" 2 | tail -1)
		n=$(( ($len - 36) / 4 ))
		for a in $(words "$(printf 0x%x $(($rsdt + 36)))" $n); do
			sig=$(printf %08x $(words "$a" 1) | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/' | xxd -r -p)
			echo "$sig $a"
			# the HPET table's block ID (offset 36) and address (44)
			[ "$sig" = HPET ] && echo "HPETTAB $(words "$a" 12 | sed -n '10p;12p' | tr '\n' ' ')"
		done
	fi
	kill $VM_PID 2>/dev/null; wait $VM_PID 2>/dev/null
}

tables 1 > "$T/t1.txt"
cat "$T/t1.txt" | sed 's/^/INFO: 17_hpet: hpet = 1: /'
check "hpet = 1: SeaBIOS lists FACP and APIC (the walk works)" sh -c "grep -q '^FACP ' '$T/t1.txt' && grep -q '^APIC ' '$T/t1.txt'"
check "hpet = 1: SeaBIOS lists an HPET table" grep -q '^HPET ' "$T/t1.txt"
check "HPET table: block ID 0x8086a201, at 0xfed00000" grep -q '^HPETTAB 0x8086a201 0xfed00000 ' "$T/t1.txt"

tables 0 > "$T/t0.txt"
check "hpet = 0: the walk works" grep -q '^FACP ' "$T/t0.txt"
check "hpet = 0: no HPET table" sh -c "! grep -q '^HPET ' '$T/t0.txt'"
finish
