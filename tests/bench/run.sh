#!/bin/sh
# make bench: every tests/bench/*.sh part, side by side with QEMU in the same run.
# Each part prints lines "name: vmstation X, qemu Y, ratio Z (target ...)".
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
for b in tests/bench/[0-9]*.sh; do
	echo "== $(basename "$b" .sh)"
	sh "$b"
done
