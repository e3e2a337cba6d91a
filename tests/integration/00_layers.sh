#!/bin/sh
# The layering rule (tests/tools/layers.sh): no include goes from a folder to
# one above it (devices -> ui, core -> anything, firmware -> ui), so there is
# no circle between folders; includes name their folder; one -I. Checked on
# this tree, and shown to catch each kind of wrong include on a copy.
# kvm: none (it starts no VM: where KVM is emulated it runs outside the host)
. "$(dirname "$0")/../lib.sh"
L="$TOP/tests/tools/layers.sh"

check "this tree keeps its layers" sh -c "sh '$L' '$TOP' > '$T/out' 2>&1 || { cat '$T/out'; exit 1; }"
sh "$L" --graph "$TOP" | sort | sed 's/^/INFO: 00_layers: includes /'

# a copy of the tree with one wrong include at a time
mkdir -p "$T/tree"
cp -r "$TOP/core" "$TOP/devices" "$TOP/firmware" "$TOP/ui" "$TOP/Makefile" "$T/tree/"
wrong() { # DESCRIPTION FILE LINE EXPECTED-MESSAGE
	cp "$T/tree/$2" "$T/saved"
	printf '%s\n' "$3" >> "$T/tree/$2"
	sh "$L" "$T/tree" > "$T/bad" 2>&1
	rc=$?
	cp "$T/saved" "$T/tree/$2"
	check "caught: $1" sh -c "[ $rc = 1 ] && grep -q '$4' '$T/bad'"
}
wrong "a chip including a front end" devices/serial.c '#include "ui/vnc_server.h"' 'devices includes ui'
wrong "core including a chip" core/vm.c '#include "devices/pci.h"' 'core includes devices'
wrong "core/host including a front end" core/host/display.c '#include "ui/plugin.h"' 'core includes ui'
wrong "firmware including a front end" firmware/bios.c '#include "ui/plugin.h"' 'firmware includes ui'
wrong "a chip including firmware" devices/cmos.c '#include "firmware/fw_cfg.h"' 'devices includes firmware'
wrong "an include without its folder" devices/cmos.c '#include "vm.h"' 'does not name its folder'
wrong "__has_include" core/vm.c '#if __has_include("firmware/linux_boot.h")' '__has_include'
check "and the copy passes again once each is undone" sh "$L" "$T/tree"
sed -i 's/-I\. /-I. -Icore /' "$T/tree/Makefile"
check "caught: a per-folder -I in the Makefile" sh -c "! sh '$L' '$T/tree' >/dev/null 2>&1"

# plugins call only what ui/plugin_api.h offers (the build refuses others)
B="$TOP/build"
objs=$(find "$B/obj" -name '*.o' ! -name main.o 2>/dev/null | sort)
pics=$(find "$B/pic" -name '*.o' 2>/dev/null | sort)
if [ -n "$objs" ] && [ -n "$pics" ]; then
	check "the plugins call only what ui/plugin_api.h offers" \
		sh -c 'sh "$1" "$2" "$3" $4 > /dev/null' sh "$TOP/tests/tools/plugin_dynlist.sh" \
		"$TOP/ui/plugin_api.h" "$objs" "$pics"
	sed 's/ X(input_key) / /' "$TOP/ui/plugin_api.h" > "$T/api.h"
	sh "$TOP/tests/tools/plugin_dynlist.sh" "$T/api.h" "$objs" $pics > /dev/null 2> "$T/api.err"
	check "caught: a plugin calling a function the list does not offer (input_key)" \
		grep -q 'does not offer:.*input_key' "$T/api.err"
else
	fail "built objects (build/obj, build/pic) to check the plugins' calls against"
fi

# and read no field of struct vm: they ask through vm_name, vm_config,
# vm_display (so the structure can change without rebuilding them)
psrcs=$(sed -n 's/^PLUGIN_[a-z]*_SRCS *:= *//p' "$TOP/Makefile" | tr '\n' ' ')
check "plugin sources found in the Makefile ($psrcs)" [ -n "$psrcs" ]
vmfield='(^|[^A-Za-z0-9_])vm->|->vm->'
check "every plugin source includes ui/plugin_api.h" \
	sh -c 'cd "$0" && for f; do grep -q "^#include \"ui/plugin_api.h\"" "$f" || { echo "$f"; exit 1; }; done' "$TOP" $psrcs
check "the plugins read no field of struct vm" \
	sh -c 'cd "$1" && shift && ! grep -nE "$0" "$@"' "$vmfield" "$TOP" $psrcs
printf 'x = sw->vm->name;\n' > "$T/bad_plugin.c"
check "caught: a plugin reading vm->name" grep -qE "$vmfield" "$T/bad_plugin.c"
finish
