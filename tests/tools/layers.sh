#!/bin/sh
# The house's layering rule, checked on the source tree at ROOT (default:
# this checkout). Folders, bottom to top:
#   core/      the VM, KVM, buses, block, net, and core/host/: the interfaces
#              chips talk to (display surface, audio voices, input sinks)
#   devices/   the chips
#   firmware/  what the machine loads and tables it builds from the chips
#   ui/        front ends and the application (main, panel, monitor, VNC,
#              SDL, audio back ends)
# An include may name its own folder or one below, never one above, so there
# is no circle between folders. Project includes name their folder from the
# top ("core/vm.h"), the Makefile has one -I for them, and no file asks
# whether another exists (__has_include).
#   layers.sh [ROOT]        print each wrong include, exit 1 if any
#   layers.sh --graph ROOT  print "FROM -> TO COUNT" for every folder pair
root=${2:-${1:-$(cd "$(dirname "$0")/../.." && pwd)}}
[ "$1" = --graph ] && mode=graph || mode=check
cd "$root" || exit 2
find core devices firmware ui -name '*.[ch]' | sort | xargs awk -v mode="$mode" '
function rank(f) { return f == "core" ? 0 : f == "devices" ? 1 : f == "firmware" ? 2 : f == "ui" ? 3 : -1 }
FNR == 1 { split(FILENAME, p, "/"); from = p[1] }
/__has_include/ { print FILENAME ":" FNR ": __has_include"; bad++ }
/^[ \t]*#[ \t]*include[ \t]*"/ {
	inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
	split(inc, q, "/"); to = q[1]
	if (rank(to) < 0) { print FILENAME ":" FNR ": \"" inc "\" does not name its folder (core/, devices/, firmware/ or ui/)"; bad++; next }
	n[from " -> " to]++
	if (rank(to) > rank(from)) { print FILENAME ":" FNR ": " from " includes " to " (\"" inc "\"), a layer above it"; bad++ }
}
END {
	if (mode == "graph") { for (e in n) print e, n[e]; exit 0 }
	exit bad > 0
}' || exit 1
[ "$mode" = graph ] && exit 0
if [ -f Makefile ] && grep -qE '^CFLAGS.*-I(core|devices|firmware|ui)\b' Makefile; then
	echo "Makefile: one -I per folder; project includes are found from the top (-I.)"
	exit 1
fi
exit 0
