#!/bin/sh
# Runs a tier of tests and prints "N passed, M failed".
#   tests/run.sh fast   unit tests, fuzzers (ASan/UBSan), integration tests
#   tests/run.sh slow   Linux guests (tests/slow/*.sh)
# Each test prints "PASS: ..." / "FAIL: ..." lines; a script that exits
# non-zero without printing a FAIL line counts as one failure.
tier=${1:-fast}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out=build/test-output
mkdir -p "$out"
pass=0
fail=0
failed_names=""

count() { # name logfile rc
	p=$(grep -c '^PASS: ' "$2")
	f=$(grep -c '^FAIL: ' "$2")
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $1: exited $3" | tee -a "$2"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	[ "$f" -eq 0 ] || failed_names="$failed_names $1"
}

run_one() { # name command...
	name=$1; shift
	log="$out/$name.log"
	start=$(date +%s)
	"$@" > "$log" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL): ' "$log"
	count "$name" "$log" $rc
	echo "   ($name: $(( $(date +%s) - start ))s, log $log)"
}

if [ "$tier" = fast ]; then
	for t in build/tests/test_*; do
		[ -x "$t" ] && run_one "$(basename "$t")" "$t"
	done
	for t in build/tests/fuzz_*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		run_one "$n" "$t" -n "${FUZZ_ITERS:-20000}" $(ls tests/fuzz/corpus/"${n#fuzz_}"/* tests/fuzz/regress/"${n#fuzz_}"/* 2>/dev/null)
	done
	dir=tests/integration
else
	dir=tests/slow
fi
for t in "$dir"/*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$t" .sh)" sh "$t"
done
[ -z "$failed_names" ] || echo "failed:$failed_names"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
