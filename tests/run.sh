#!/bin/sh
# Runs a tier of tests and prints "N passed, M failed".
#   tests/run.sh fast   unit tests, fuzzers (ASan/UBSan), integration tests
#   tests/run.sh slow   Linux guests (tests/slow/*.sh)
# Unit tests and fuzzers run on this machine. Tests that need KVM run here
# when /dev/kvm can run them (tests/kvmhost/probe.sh), otherwise inside the
# emulated AMD-V host (tests/kvmhost/kvmhost); VMST_KVM=native|emulated
# forces either. Each test prints "PASS: ..." / "FAIL: ..." lines; a script
# that exits non-zero without printing a FAIL line counts as one failure,
# and so does one still running after TEST_TIMEOUT seconds (default 900).
# TESTS=REGEX runs only the tests whose names match (e.g. TESTS='^5|panel').
#   tests/run.sh kvm-tier DIR   (internal) DIR's tests here, no summary
tier=${1:-fast}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out=build/test-output
mkdir -p "$out"
pass=0
fail=0
failed_names=""

count() { # name logfile rc
	p=$(grep -ac '^PASS: ' "$2")
	f=$(grep -ac '^FAIL: ' "$2")
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $1: exited $3" | tee -a "$2"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	[ "$f" -eq 0 ] || [ "$1" = kvmhost ] || failed_names="$failed_names $1"
	# the emulated host ran many tests: name each one that failed
	[ "$1" != kvmhost ] || failed_names="$failed_names$(grep -a '^FAIL: ' "$2" | cut -d: -f2 | sort -u | tr -d '\n')"
}

run_one() { # name command...
	name=$1; shift
	# TESTS=REGEX runs only the tests whose names match
	[ -z "${TESTS:-}" ] || echo "$name" | grep -qE "$TESTS" || return 0
	log="$out/$name.log"
	start=$(date +%s)
	timeout -k 10 "${TEST_TIMEOUT:-900}" "$@" > "$log" 2>&1 < /dev/null
	rc=$?
	[ $rc -ne 124 ] || echo "FAIL: $name: still running after ${TEST_TIMEOUT:-900}s" >> "$log"
	grep -aE '^(PASS|FAIL): ' "$log"
	count "$name" "$log" $rc
	# inside the emulated host build/tmp is gone afterwards: keep a failed
	# test's small files (logs, COM1, screens) beside its log
	if [ -n "${VMST_IN_KVMHOST:-}" ] && [ "$f" -gt 0 ] && [ -d "build/tmp/$name" ]; then
		(cd "build/tmp/$name" && find . -type f -size -1024k | tar -cf - -T - 2>/dev/null) |
			(mkdir -p "$out/$name.files" && tar -xf - -C "$out/$name.files")
	fi
	echo "   ($name: $(( $(date +%s) - start ))s, log $log)"
}

# no_kvm TEST: the test starts no VM (a "# kvm: none" line)
no_kvm() { grep -q '^# kvm: none' "$1"; }

# in_hosts DIR: whether DIR's tests run in emulated hosts. A KVM that
# emulates guest kernel mode runs the fast tier's own guests (as every CI
# run before the emulated host did); the emulated host is used there only
# for the Linux guests or when VMST_KVM=emulated asks for it (its
# livelock: tests/kvmhost/README, "The livelock").
in_hosts() {
	! { [ "$mode" = native ] || { [ "$mode" = emulating ] && [ "$1" = tests/integration ]; }; }
}

# kvm_tier DIR: DIR/*.sh here, or all of them in emulated hosts.
kvm_tier() {
	if ! in_hosts "$1"; then
		[ "$mode" = native ] || echo "kvm: the fast tier's guests run on this KVM; the Linux guests (make check-slow) in the emulated host"
		for t in "$1"/*.sh; do
			[ -f "$t" ] || continue
			run_one "$(basename "$t" .sh)" sh "$t"
		done
		return
	fi
	# The Linux guests are built from Debian packages here first (the i386
	# package lists then last on this machine); the tests inside use --net.
	[ "$1" != tests/slow ] || run_one slow_prepare sh tests/slow/prepare.sh
	# a test that starts no VM says so ("# kvm: none") and runs here
	for t in "$1"/*.sh; do
		! no_kvm "$t" || run_one "$(basename "$t" .sh)" sh "$t"
	done
	mkdir -p build/cache
	# two hosts side by side on a 2-core machine need more than 60 min for
	# the fast tier (at 60 the panel's tests had not run): 80 lets it end
	# inside CI's 90 with set-up, rather than lose its last tests
	net="" limit=4800
	[ "$1" != tests/slow ] || net=--net limit=7200 # the tests fetch kernel modules
	start=$(date +%s)
	host_run "$1" "${TESTS:-.}" "$out/kvmhost.log"
	# A host that stopped responding (123: its software CPU livelocked, seen
	# here now and then before kvmpin) or died under a test (122: its own
	# kernel panicked or reset, QEMU 7.2's TCG; tests/kvmhost/README, "Guests
	# that crash") is not a test's failure: the tests it had not finished run
	# again in a new host, up to 8 times, and the line says so.
	tries=0
	while { [ "$rc" = 123 ] || [ "$rc" = 122 ]; } && [ $tries -lt 8 ]; do
		tries=$((tries + 1))
		left=$(unfinished "$1")
		[ -n "$left" ] || break
		[ "$rc" = 123 ] && why="stopped responding" || why="died (its own kernel: see the line above)"
		echo "kvmhost: the emulated host $why; again in a new host for: $left"
		mv "$out/kvmhost.log" "$out/kvmhost-hung.log"
		grep -avE "^(PASS|FAIL): ($left):" "$out/kvmhost-hung.log" > "$out/kvmhost.log"
		host_run "$1" "^($left)\$" "$out/kvmhost-rest.log"
		cat "$out/kvmhost-rest.log" >> "$out/kvmhost.log"
	done
	if [ "$rc" = 123 ] || [ "$rc" = 122 ]; then
		echo "FAIL: kvmhost: the emulated host kept stopping; not run: $left" | tee -a "$out/kvmhost.log"
	elif [ "$rc" != 0 ]; then
		# a time-out (124) or a host that failed: what it did not finish
		# fails by name, not only as the host's exit status
		for n in $(unfinished "$1" | tr '|' ' '); do
			echo "FAIL: $n: not finished in the emulated host (exit $rc)" | tee -a "$out/kvmhost.log"
		done
	fi
	echo "   (emulated host: $(( $(date +%s) - start ))s, log $out/kvmhost.log)"
	count "kvmhost" "$out/kvmhost.log" "${rc:-1}"
}

# unfinished DIR: DIR's tests for the emulated host (TESTS) that have no
# time line in its log yet, as a|b|c
unfinished() {
	_left=""
	for t in "$1"/*.sh; do
		n=$(basename "$t" .sh)
		echo "$n" | grep -qE "${TESTS:-.}" || continue
		! no_kvm "$t" || continue
		grep -aq "^   ($n: " "$out/kvmhost.log" || _left="$_left${_left:+|}$n"
	done
	echo "$_left"
}

# host_order DIR: DIR's tests in the order an emulated host takes them: when
# hosts share the work, the long ones of tests/kvmhost/long-tests first
host_order() {
	{ [ -z "${KVM_CLAIMS:-}" ] ||
		sed -n "s|^\([0-9][0-9a-z_]*\) .*|$1/\1.sh|p" tests/kvmhost/long-tests
	  ls "$1"/*.sh; } | awk '!seen[$0]++'
}
# host_run DIR TESTS-REGEX LOG: DIR's matching tests in emulated hosts; sets rc.
# A host's software CPU is mostly one busy thread, so KVMHOST_JOBS hosts
# (default: one per core, at most 4 and as many as the memory holds) run
# side by side. Each takes the next test nobody has taken (a mkdir in the
# shared output directory is the claim), so they end at about the same time.
host_run() {
	jobs=${KVMHOST_JOBS:-$(nproc)}
	# the Linux guests fetch into the shared build/cache: one host at a time
	[ "$1" != tests/slow ] || jobs=${KVMHOST_JOBS:-1}
	fit=$(awk '/^MemAvailable:/ { print int($2 / 1024 / 6656) }' /proc/meminfo)
	[ "$jobs" -le "$fit" ] || jobs=$fit
	[ "$jobs" -le 4 ] || jobs=4
	[ "$jobs" -ge 1 ] || jobs=1
	rm -rf "$out/claims" && mkdir -p "$out/claims"
	rm -f "$out"/kvmhost.*.rc
	j=1
	while [ $j -le "$jobs" ]; do
		{ KVM_CLAIMS="$top/$out/claims" TESTS=$2 tests/kvmhost/kvmhost $net \
			--timeout "${KVMHOST_TIMEOUT:-$limit}" --share "$out" --share build/cache \
			-- sh tests/run.sh kvm-tier "$1" 2>&1; echo $? > "$out/kvmhost.$j.rc"; } |
			tee "$3.$j" | grep -aE '^(PASS|FAIL): |^   \(|^kvmhost:' &
		j=$((j + 1))
	done
	wait
	rc=0
	j=1
	: > "$3"
	while [ $j -le "$jobs" ]; do
		cat "$3.$j" >> "$3" && rm -f "$3.$j"
		r=$(cat "$out/kvmhost.$j.rc" 2>/dev/null || echo 125)
		# a host that stopped responding or died comes first: its tests run again
		case $rc in 122|123) ;; *) case $r in
			0) ;; 122|123) rc=$r ;; *) [ "$rc" != 0 ] || rc=$r ;; esac ;; esac
		j=$((j + 1))
	done
	[ "$jobs" = 1 ] || echo "   (emulated hosts side by side: $jobs)" >> "$3"
}

# One line first: where the KVM tests run, and why.
[ "$tier" = kvm-tier ] || mode=$(tests/kvmhost/probe.sh) || exit 1
case $tier in
kvm-tier)
	# inside the emulated host a crash leaves its core beside the logs
	# (the host's own files are gone when it stops)
	if [ -n "${VMST_IN_KVMHOST:-}" ] && [ -w /proc/sys/kernel/core_pattern ]; then
		mkdir -p "$top/$out/cores" && echo "$top/$out/cores/core.%e.%p" > /proc/sys/kernel/core_pattern &&
			ulimit -c 2097152
	fi
	for t in $(host_order "$2"); do
		[ -f "$t" ] || continue
		n=$(basename "$t" .sh)
		! no_kvm "$t" || continue # run outside (kvm_tier)
		# beside other hosts: only a test this one claims first (host_run)
		if [ -n "${KVM_CLAIMS:-}" ]; then
			[ -z "${TESTS:-}" ] || echo "$n" | grep -qE "$TESTS" || continue
			mkdir "$KVM_CLAIMS/$n" 2>/dev/null || continue
		fi
		run_one "$n" sh "$t"
	done
	exit 0 ;;
fast)
	# In emulated hosts the KVM tests take most of the hour on both cores,
	# and the tests below mostly one: the hosts start first, and these run
	# here meanwhile. The hosts' lines come as they finish; their counts
	# join the summary at the end (through a file: a background shell's
	# variables do not come back).
	hosts_bg=""
	if in_hosts tests/integration; then
		rm -f "$out/kvm-tier.counts"
		{ kvm_tier tests/integration; echo "$pass $fail$failed_names" > "$out/kvm-tier.counts"; } &
		hosts_bg=$!
	fi
	for t in build/tests/test_*; do
		[ -x "$t" ] && run_one "$(basename "$t")" "$t"
	done
	# Each fuzz target replays its corpus and regressions (the BAR-toggle
	# guest of tests/fuzz/regress/pio among them) and mutations of them,
	# each input under 10 s and the process under 256 MiB resident (all
	# peak near 100 MiB). The limit means something only with a short ASan
	# quarantine: the freed blocks it holds (256 MiB by default) count.
	# Beside emulated hosts a quarter of the mutations: with 20000 the
	# replays took 600 s of a core the hosts' software CPUs wanted, and the
	# hosts are the tier's critical path (every input is still replayed).
	fuzz_iters=${FUZZ_ITERS:-20000}
	[ -z "$hosts_bg" ] || fuzz_iters=${FUZZ_ITERS:-5000}
	for t in build/tests/fuzz_*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		run_one "$n" env ASAN_OPTIONS="quarantine_size_mb=32${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
			"$t" -n "$fuzz_iters" -m 256 \
			$(ls tests/fuzz/corpus/"${n#fuzz_}"/* tests/fuzz/regress/"${n#fuzz_}"/* 2>/dev/null)
	done
	# tests of this machine's own tools (the emulated host itself)
	for t in tests/host/*.sh; do
		[ -f "$t" ] && run_one "$(basename "$t" .sh)" sh "$t"
	done
	if [ -z "$hosts_bg" ]; then
		kvm_tier tests/integration
	else
		wait "$hosts_bg"
		if read -r p f names < "$out/kvm-tier.counts"; then
			pass=$((pass + p)) fail=$((fail + f)) failed_names="$failed_names${names:+ $names}"
		else
			echo "FAIL: kvmhost: the emulated hosts' part gave no counts"
			fail=$((fail + 1)) failed_names="$failed_names kvmhost"
		fi
	fi ;;
slow)
	kvm_tier tests/slow ;;
*)
	echo "usage: tests/run.sh fast|slow" >&2; exit 2 ;;
esac
[ -z "$failed_names" ] || echo "failed:$failed_names"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
