#!/bin/sh
# make fuzz: runs each libFuzzer build (build/libfuzzer/fuzz_TARGET) for
# FUZZ_SECONDS, with ASan+UBSan, a 2 GiB RSS limit and a 10 s per-input
# time-out, starting from tests/fuzz/corpus/TARGET; then merges the old
# corpus and the new inputs with -merge=1 into a minimal set that keeps every
# edge reached (-use_counters=0: inputs that only hit an edge more often are
# not kept, which keeps the corpora a few hundred small files), which
# replaces tests/fuzz/corpus/TARGET (inputs that must stay whatever the
# coverage, such as regressions, live in tests/fuzz/regress).
# FUZZ_SECONDS=0 only replays each corpus and minimises it that way.
# Prints one PASS/FAIL line a target with its executions and coverage; a
# crash, leak, time-out or memory blow-up leaves its input in
# build/fuzz-work/TARGET/ (replay: build/tests/fuzz_TARGET FILE).
#   sh tests/fuzz/libfuzzer.sh [TARGET...]
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
secs=${FUZZ_SECONDS:-300}
targets=$*
[ -n "$targets" ] || targets=$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')
nfail=0
for t in $targets; do
	bin=build/libfuzzer/fuzz_$t
	corpus=tests/fuzz/corpus/$t
	work=build/fuzz-work/$t
	[ -x "$bin" ] || { echo "FAIL: fuzz $t: $bin not built"; nfail=$((nfail + 1)); continue; }
	rm -rf "$work"; mkdir -p "$work/new" "$corpus"
	before=$(ls "$corpus" | wc -l)
	if [ "$secs" -gt 0 ]; then howlong="-max_total_time=$secs"; else howlong="-runs=0"; fi
	"$bin" -rss_limit_mb=2048 -timeout=10 "$howlong" -print_final_stats=1 \
		-artifact_prefix="$work/" "$work/new" "$corpus" > "$work/log" 2>&1
	rc=$?
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
	last=$(grep -E '^#[0-9]+' "$work/log" | tail -1)
	cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
	ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*')
	# the minimal set with the coverage of the old corpus and the new inputs
	mkdir -p "$work/min"
	if "$bin" -merge=1 -use_counters=0 -rss_limit_mb=2048 -timeout=10 "$work/min" "$corpus" "$work/new" \
		> "$work/merge.log" 2>&1 && [ -n "$(ls "$work/min")" ]; then
		# hand-named seeds stay as they are; libFuzzer's inputs (named by
		# their SHA-1) are replaced by the minimal set
		for f in "$corpus"/*; do
			n=${f##*/}
			if echo "$n" | grep -qE '^[0-9a-f]{40}$'; then
				rm -f "$f"
			else
				rm -f "$work/min/$(sha1sum < "$f" | cut -c1-40)"
			fi
		done
		cp "$work/min"/* "$corpus"/ 2>/dev/null
	fi
	after=$(ls "$corpus" | wc -l)
	found=$(ls "$work" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | head -3 | tr '\n' ' ')
	if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
		echo "FAIL: fuzz $t: exit $rc after ${execs:-?} executions, cov ${cov:-?}; finding: ${found:-see $work/log}"
		nfail=$((nfail + 1))
	else
		echo "PASS: fuzz $t: ${execs:-?} executions in ${secs} s, cov ${cov:-?}, ft ${ft:-?}, corpus $before -> $after files ($(cat "$corpus"/* | wc -c) bytes)"
	fi
done
[ "$nfail" -eq 0 ]
