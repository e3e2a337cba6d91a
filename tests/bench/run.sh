#!/bin/sh
# make bench: every tests/bench/*.sh part, side by side with QEMU in the same run.
# Each part prints lines "name: vmstation X, qemu Y, ratio Z (target ...)".
# Where this machine's /dev/kvm cannot run the guests (tests/kvmhost/probe.sh)
# the whole run happens inside the emulated AMD-V host, QEMU -enable-kvm too,
# so both use the same KVM; the first line says which KVM gave the figures.
# BENCH=REGEX runs only the parts whose names match (e.g. BENCH=55_games).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
if [ "${1:-}" != --here ]; then
	mode=$(tests/kvmhost/probe.sh) || exit 1
	if [ "$mode" != native ]; then
		[ -z "${BENCH_SLOW:-}" ] || sh tests/slow/prepare.sh
		mkdir -p build/cache
		exec tests/kvmhost/kvmhost --net --timeout 7200 --share build/cache -- sh tests/bench/run.sh --here
	fi
fi
if [ -n "${VMST_IN_KVMHOST:-}" ]; then
	echo "KVM: the emulated AMD-V host (tests/kvmhost): ratios hold, absolute times are slowed"
elif [ -d /sys/module/kvm_pvm ]; then
	echo "KVM: this machine's kvm-pvm (guest kernel mode emulated)"
else
	echo "KVM: this machine's /dev/kvm"
fi
for b in tests/bench/[0-9]*.sh; do
	[ -z "${BENCH:-}" ] || basename "$b" .sh | grep -qE "$BENCH" || continue
	echo "== $(basename "$b" .sh)"
	sh "$b"
done
