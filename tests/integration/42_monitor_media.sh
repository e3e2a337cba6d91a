#!/bin/sh
# Media change through the monitor socket, seen by a guest program polling
# the CD-ROM (tests/guests/cdpoll.asm) like a driver: eject of a locked tray
# is refused with QEMU's message and asks the guest to let go (media event),
# then change inserts B and the guest reads B's sector 0; info block shows
# each state as QEMU prints it; a missing file leaves the medium in place.
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
mon() {
	"$MC" "$SOCK" "$1" 2>/dev/null | sed -e "/^vmstation [0-9.]* monitor - type 'help'/d" \
		-e 's/(vmstation) //g' | sed -e '/^$/d'
}
G=$(guest cdpoll) || { fail "assemble cdpoll.asm"; finish; }

# two "discs": 2 sectors of A, 2 sectors of B
head -c 4096 /dev/zero | tr '\0' A > "$T/A.iso"
head -c 4096 /dev/zero | tr '\0' B > "$T/B.iso"
cat > "$T/cd.cfg" <<CFG
name = "cdpoll"
memory = 32
kernel = '$G'
serial = 'file:$T/com1.log'
vga = 'none'
log_dir = '$T/logs'
disk = [ '$T/A.iso,raw,hdc:cdrom,r' ]
CFG
SOCK="$T/mon.sock"
vm_bg cd run "$T/cd.cfg" --monitor "unix:$SOCK"
check "guest locked the tray" wait_for "$T/com1.log" "^cd: locked" 60
check "guest reads A" wait_for "$T/com1.log" "^cd: data=AAAAAAAA" 30
"$MC" --wait "$SOCK" 10

cat > "$T/want1" <<OUT
ide1-cd0: $T/A.iso (raw, read-only)
    Attached to:      hdc
    Removable device: locked, tray closed
    Cache mode:       writeback
OUT
mon 'info block' > "$T/got1"
check "info block: A inserted, locked" cmp -s "$T/want1" "$T/got1"

check "eject of the locked tray: QEMU's message" [ "$(mon 'eject ide1-cd0')" = \
	"Device 'ide1-cd0' is locked and force was not specified, wait for tray to open and try again" ]
check "the guest got the eject request (media event)" wait_for "$T/com1.log" "^cd: eject request" 20
check "the guest sees no medium once it let go" wait_for "$T/com1.log" "^cd: no medium" 20
check "info block: guest opened the tray" sh -c "\"$MC\" \"$SOCK\" 'info block hdc' | grep -q 'Removable device: not locked, tray open'"

lines=$(wc -l < "$T/com1.log")
check "change prints nothing" [ -z "$(mon "change ide1-cd0 $T/B.iso")" ]
check "the guest reads B after the change" wait_for "$T/com1.log" "^cd: data=BBBBBBBB" 20
cat > "$T/want2" <<OUT
ide1-cd0: $T/B.iso (raw, read-only)
    Attached to:      hdc
    Removable device: not locked, tray closed
    Cache mode:       writeback
OUT
mon 'info block' > "$T/got2"
check "info block: B inserted, tray closed" cmp -s "$T/want2" "$T/got2"

out=$(mon "change hdc $T/missing.iso")
check "change to a missing file: clear message ($out)" [ "$out" = "Could not open '$T/missing.iso': No such file or directory" ]
mon 'info block' > "$T/got3"
check "the current medium stays after a failed change" cmp -s "$T/want2" "$T/got3"
check "change with a bad read-only-mode" sh -c "\"$MC\" \"$SOCK\" 'change hdc $T/A.iso raw sideways' | grep -q \"does not accept value 'sideways'\""
check "B still there" [ "$(tail -n +1 "$T/com1.log" | grep -a '^cd: ' | tail -1)" = "cd: data=BBBBBBBB" ]

check "eject of an unlocked tray prints nothing" [ -z "$(mon 'eject hdc')" ]
cat > "$T/want4" <<OUT
ide1-cd0: [not inserted]
    Attached to:      hdc
    Removable device: not locked, tray open
OUT
mon 'info block' > "$T/got4"
check "info block: not inserted" cmp -s "$T/want4" "$T/got4"
i=0
while [ $i -lt 100 ] && [ "$(grep -a '^cd: ' "$T/com1.log" | tail -1)" != "cd: no medium" ]; do sleep 0.1; i=$((i + 1)); done
check "the guest sees no medium after eject" [ "$(grep -a '^cd: ' "$T/com1.log" | tail -1)" = "cd: no medium" ]
check "config name accepted (fda missing here)" [ "$(mon 'eject fda')" = "Device 'fda' not found" ]
check "change through the config name" [ -z "$(mon "change hdc $T/A.iso")" ]
check "the guest reads A again" sh -c "sleep 0; i=0; while [ \$i -lt 200 ]; do [ \"\$(grep -a '^cd: ' '$T/com1.log' | tail -1)\" = 'cd: data=AAAAAAAA' ] && exit 0; sleep 0.1; i=\$((i+1)); done; exit 1"
mon quit > /dev/null
wait_pid "$VM_PID" 20; rc=$RC
check "quit: exit 0 (got $rc)" [ "$rc" = 0 ]
finish
