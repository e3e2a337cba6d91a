#!/bin/sh
# `make run`: the manager on this machine's KVM when it can run our guests,
# otherwise inside the emulated AMD-V host (tests/kvmhost/README), slowly,
# with this terminal passed through and VNC displays :0 to :9 forwarded to
# 127.0.0.1:5900-5909 here (the next free ports when those are taken; the
# map is printed and kept in build/kvmhost/vnc-ports, "DISPLAY PORT" lines).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
mode=$(tests/kvmhost/probe.sh 2> build/kvm-choice) || exit 1
why=$(sed 's/^kvm: [a-z]*: //' build/kvm-choice)
[ "$mode" = emulated ] || exec ./vmstation "$@"
cat <<MSG
vmstation: this machine's KVM cannot run the guests as they are ($why).
Starting the manager inside the emulated AMD-V host instead: a Debian kernel
on QEMU's software CPU that offers a real /dev/kvm. Everything runs, slowly;
VNC displays are forwarded to this machine's loopback; SDL windows cannot
open from in there. Quitting the manager stops the host.
MSG
# display :N inside (port 5900+N) to the first free port from 5900+N here
port_free() { python3 -c 'import socket,sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null; }
fw="" here=5900
mkdir -p build/kvmhost
: > build/kvmhost/vnc-ports
for d in 0 1 2 3 4 5 6 7 8 9; do
	[ $here -ge $((5900 + d)) ] || here=$((5900 + d))
	while ! port_free $here && [ $here -lt 5999 ]; do here=$((here + 1)); done
	fw="$fw --fwd $here:$((5900 + d))"
	echo "$d $here" >> build/kvmhost/vnc-ports
	[ $here = $((5900 + d)) ] || echo "VNC display :$d inside is 127.0.0.1:$here here (port $((5900 + d)) is taken here)"
	here=$((here + 1))
done
[ -t 0 ] && sleep 3
exec tests/kvmhost/kvmhost --tty --timeout 604800 $fw -- ./vmstation "$@"
