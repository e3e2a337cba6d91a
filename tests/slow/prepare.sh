#!/bin/sh
# Before the slow tier runs in the emulated AMD-V host: build the Linux
# guests from Debian packages here, into build/cache (shared read-write with
# the host), so that the i386 architecture and its package lists are added
# on this machine, where they last.
top=$(cd "$(dirname "$0")/../.." && pwd)
rc=0
for b in build-linux build-linux-686 build-linux-686-sound build-linux-686-joystick build-linux-686-net build-linux-hvm; do
	sh "$top/tests/guests/$b.sh" "$top/build/cache" > /dev/null || { echo "prepare: $b failed" >&2; rc=1; }
done
exit $rc
