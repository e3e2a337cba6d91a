# Helpers for benchmarks (sourced).
TOP=$(cd "$(dirname "$0")/../.." && pwd)
VMST="$TOP/vmstation"
B="$TOP/build/bench/$(basename "$0" .sh)"
GUESTS="$TOP/build/guests"
rm -rf "$B"; mkdir -p "$B" "$GUESTS"
QEMU=qemu-system-x86_64

now_ms() { date +%s%3N; }

# wait_file FILE REGEX TIMEOUT_S: poll every 10 ms; prints elapsed ms since $T0 or "timeout".
wait_file() {
	end=$(( $(now_ms) + $3 * 1000 ))
	while [ "$(now_ms)" -lt "$end" ]; do
		if grep -qaE "$2" "$1" 2>/dev/null; then
			echo $(( $(now_ms) - T0 ))
			return 0
		fi
		sleep 0.01
	done
	echo timeout
	return 1
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }

# report NAME VMST QEMU UNIT TARGET
report() {
	printf '%s: vmstation %s %s, qemu %s %s, ratio %s (target: %s)\n' "$1" "$2" "$4" "$3" "$4" "$(ratio "$2" "$3")" "$5"
}

# Peak RSS (kB) of PID minus the resident part of its largest mapping (guest RAM).
rss_overhead() {
	hwm=$(awk '/^VmHWM/ { print $2 }' /proc/$1/status)
	ram=$(awk 'function hex(s,  i, v) { v = 0; for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
		/^[0-9a-f]+-[0-9a-f]+ / { split($1, a, "-"); sz = hex(a[2]) - hex(a[1]) }
		/^Rss:/ { if (sz > best) { best = sz; rss = $2 } } END { print rss + 0 }' /proc/$1/smaps)
	echo $((hwm - ram))
}

guest_asm() { # NAME OUT [nasm -D...]
	src="$TOP/tests/guests/$1.asm"; out=$2; shift 2
	nasm -f bin -I "$TOP/tests/guests/" "$@" -o "$out" "$src"
}
