#!/bin/sh
# Frame pacing as a game sees it: tests/guests/pacing.asm counts rising
# edges of the VGA's vertical retrace (0x3DA bit 3) over 5 s of the RTC
# (from one second's start to the fifth's after it), and reports them on COM1. Mode 13h (programmed through
# the registers, 449 lines of 31.47 kHz) must retrace at 70 +- 2 Hz, Bochs
# VBE 640x480x8 at 60 +- 2 Hz: guest time against guest time. The median
# of three windows counts.
. "$(dirname "$0")/../lib.sh"
PG=$(guest pacing) || { fail "assemble pacing.asm"; finish; }

# rate MODE-WORDS: start the guest, print the median rate in Hz (x100)
rate() {
	cat > "$T/p.cfg" <<CFG
name = "pacing"
memory = 32
kernel = '$PG'
extra = '$1'
serial = 'file:$T/com1'
log_dir = '$T/logs'
vnc = 0
CFG
	rm -f "$T/com1"
	vm_bg p run "$T/p.cfg"
	_i=0
	while _n=$(grep -ac '^rate .* secs=05$' "$T/com1" 2>/dev/null); [ "${_n:-0}" -lt 3 ] && [ $_i -lt 600 ]; do
		kill -0 "$VM_PID" 2>/dev/null || break
		sleep 0.1; _i=$((_i + 1))
	done
	kill "$VM_PID" 2>/dev/null; wait "$VM_PID" 2>/dev/null
	grep -a '^rate .* secs=05$' "$T/com1" | sed -n 1,3p |
		sed 's/.*edges=\([0-9a-f]*\) .*/\1/' |
		while read -r e; do echo $((0x$e)); done | sort -n | sed -n 2p |
		awk '$1 != "" { printf "%d\n", $1 * 100 / 5 }'
}
in_range() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
hz() { awk -v r="$1" 'BEGIN { printf "%.2f Hz", r / 100 }'; }

r13=$(rate m13h)
# The guest counts edges by polling a pulse of a few scan lines: on a
# software CPU (the emulated host) a loaded machine can make it miss some,
# never see more. So there: at most the rate + 2 Hz, and at least half of it.
check_live "mode 13h: retrace at 70 +- 2 Hz in guest time ($(hz "$r13"))" in_range "$r13" 6800 7200
[ -z "${VMST_IN_KVMHOST:-}" ] ||
	check "mode 13h: retrace edges at most 72 Hz, at least 35 Hz ($(hz "$r13"))" in_range "$r13" 3500 7200
grep -a '^rate' "$T/com1" | head -3 | sed 's/^/  m13h: /'
rvbe=$(rate vbe8)
check_live "VBE 640x480x8: retrace at 60 +- 2 Hz in guest time ($(hz "$rvbe"))" in_range "$rvbe" 5800 6200
[ -z "${VMST_IN_KVMHOST:-}" ] ||
	check "VBE 640x480x8: retrace edges at most 62 Hz, at least 30 Hz ($(hz "$rvbe"))" in_range "$rvbe" 3000 6200
grep -a '^rate' "$T/com1" | head -3 | sed 's/^/  vbe8: /'
echo "summary: $(basename "$0" .sh): mode 13h $(hz "$r13"), VBE $(hz "$rvbe"), $NFAIL failed"
finish
