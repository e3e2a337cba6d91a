#!/bin/sh
# `make run`: the manager on this machine's KVM when it can run our guests,
# otherwise inside the emulated AMD-V host (tests/kvmhost/README), slowly,
# with this terminal passed through and VNC displays :0 to :9 forwarded to
# 127.0.0.1:5900-5909 here.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
mode=$(tests/kvmhost/probe.sh 2> build/kvm-choice) || exit 1
why=$(sed 's/^kvm: [a-z]*: //' build/kvm-choice)
[ "$mode" = emulated ] || exec ./vmstation "$@"
cat <<MSG
vmstation: this machine's KVM cannot run the guests as they are ($why).
Starting the manager inside the emulated AMD-V host instead: a Debian kernel
on QEMU's software CPU that offers a real /dev/kvm. Everything runs, slowly;
VNC displays are forwarded to 127.0.0.1:5900-5909 here; SDL windows cannot
open from in there. Quitting the manager stops the host.
MSG
[ -t 0 ] && sleep 3
fw=""
for p in 5900 5901 5902 5903 5904 5905 5906 5907 5908 5909; do fw="$fw --fwd $p"; done
exec tests/kvmhost/kvmhost --tty --timeout 604800 $fw -- ./vmstation "$@"
