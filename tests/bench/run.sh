#!/bin/sh
# make bench: every tests/bench/*.sh part, side by side with QEMU in the same run.
# Each part prints lines "name: vmstation X, qemu Y, ratio Z (target ...)".
# Where this machine's /dev/kvm cannot run the guests (tests/kvmhost/probe.sh)
# each part runs inside the emulated AMD-V host, QEMU -enable-kvm too, so
# both use the same KVM; the first line says which KVM gave the figures.
# BENCH=REGEX runs only the parts whose names match (e.g. BENCH=55_games).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
parts() { # the parts BENCH picks, by name
	for b in tests/bench/[0-9]*.sh; do
		n=$(basename "$b" .sh)
		[ -z "${BENCH:-}" ] || echo "$n" | grep -qE "$BENCH" || continue
		echo "$n"
	done
}
if [ "${1:-}" != --here ]; then
	mode=$(tests/kvmhost/probe.sh) || exit 1
	if [ "$mode" != native ]; then
		[ -z "${BENCH_SLOW:-}" ] || sh tests/slow/prepare.sh
		mkdir -p build/cache
		# Each part in a host of its own: a host that fails (its kernel
		# panicked once here, in the storage part: "corrupted stack end
		# detected inside scheduler" in the inner QEMU) costs that part
		# only, and the part is run once more in a new host.
		rc=0
		for n in $(parts); do
			for try in 1 2; do
				BENCH="^$n\$" tests/kvmhost/kvmhost --net --timeout 3600 --share build/cache \
					-- sh tests/bench/run.sh --here
				r=$?
				[ $r = 123 ] || [ $r = 125 ] || break
				[ $try = 2 ] || echo "bench: the emulated host failed during $n (exit $r): $n again in a new host"
			done
			[ $r = 0 ] || rc=$r
		done
		exit $rc
	fi
fi
if [ -n "${VMST_IN_KVMHOST:-}" ]; then
	echo "KVM: the emulated AMD-V host (tests/kvmhost): ratios hold, absolute times are slowed"
elif [ -d /sys/module/kvm_pvm ]; then
	echo "KVM: this machine's kvm-pvm (guest kernel mode emulated)"
else
	echo "KVM: this machine's /dev/kvm"
fi
for n in $(parts); do
	echo "== $n"
	sh "tests/bench/$n.sh"
done
