# Shared helpers for integration tests (sourced by tests/integration/*.sh).
TOP=$(cd "$(dirname "$0")/../.." && pwd)
VMST="${VMST:-$TOP/vmstation}"
T="$TOP/build/tmp/$(basename "$0" .sh)"
GUESTS="$TOP/build/guests"
CACHE="$TOP/build/cache"
rm -rf "$T"; mkdir -p "$T" "$GUESTS" "$CACHE"
NFAIL=0
TEST_T0=$(date +%s)
# with VMST_CHECK_TIMES=1 each result is followed by the seconds since the
# test began (where a slow host spends a test's time)
check_time() { [ -z "${VMST_CHECK_TIMES:-}" ] || echo "  at +$(( $(date +%s) - TEST_T0 ))s"; }

pass() { echo "PASS: $(basename "$0" .sh): $*"; check_time; }
fail() { echo "FAIL: $(basename "$0" .sh): $*"; NFAIL=$((NFAIL + 1)); check_time; }
# check DESCRIPTION COMMAND...: pass or fail by the command's status, and
# return it (so a failure can be followed by a dump: check ... || { ...; })
check() { desc=$1; shift; if "$@"; then pass "$desc"; else fail "$desc"; return 1; fi; }
finish() { exit $((NFAIL > 0)); }
# realtime_kvm: true when guest time is real time, i.e. the KVM is native
# hardware: not inside the emulated AMD-V host (tests/kvmhost, VMST_IN_KVMHOST)
# and not a kvm-pvm that emulates guest kernel mode (TESTING.md).
realtime_kvm() { [ -z "${VMST_IN_KVMHOST:-}" ] && [ ! -d /sys/module/kvm_pvm ]; }
# check_rt DESCRIPTION COMMAND...: a real-time assertion (audio gaps, latency,
# durations in wall-clock time). Checked like `check` on a native KVM;
# elsewhere the figure in DESCRIPTION is printed, not asserted, saying why.
check_rt() {
	if realtime_kvm; then
		check "$@"
	else
		if [ -n "${VMST_IN_KVMHOST:-}" ]; then
			_why="inside the emulated host (a software CPU)"
		else
			_why="kvm-pvm emulates guest kernel mode"
		fi
		echo "INFO: $(basename "$0" .sh): $1 -- real time, not asserted: $_why"
	fi
}
# check_live DESCRIPTION COMMAND...: a property that needs the guest to keep
# up with the host's real time as it runs (an audio stream with no underrun:
# its gaps, lengths and the tones' analysis). Checked like `check` on this
# machine's own KVM, kvm-pvm included; inside the emulated host, whose
# software CPU cannot feed a sound card in time, printed, not asserted.
check_live() {
	if [ -z "${VMST_IN_KVMHOST:-}" ]; then
		check "$@"
	else
		echo "INFO: $(basename "$0" .sh): $1 -- needs the guest in real time, not asserted inside the emulated host (a software CPU)"
	fi
}

# Assemble tests/guests/NAME.asm into $GUESTS/NAME.elf (a PVH ELF) once;
# guest NAME -DKEY=VALUE... assembles a variant with those defines.
guest() {
	src="$TOP/tests/guests/$1.asm"
	out="$GUESTS/$1.elf"
	_name=$1; shift
	[ $# -eq 0 ] || out="$GUESTS/$_name$(echo "$*" | tr -c 'A-Za-z0-9\n' _).elf"
	stale=0
	[ -f "$out" ] || stale=1
	for dep in "$src" "$TOP"/tests/guests/*.inc; do
		[ "$dep" -nt "$out" ] && stale=1
	done
	if [ "$stale" = 1 ]; then
		nasm -f bin -I "$TOP/tests/guests/" "$@" -o "$out.tmp" "$src" || return 1
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

# poll_until SECONDS COMMAND...: COMMAND again until it succeeds, for at
# most SECONDS by the clock (not a count of tries: in the emulated host a
# try's processes take far longer than the pause between tries). The pause
# is 0.1 s, and 0.5 s in the emulated host, where every try's processes
# run on the software CPU that the guest being waited for needs too. There
# the limit is five times SECONDS, at most two minutes more: the limits are
# set for this machine's own KVM, and everything, a window's first frame
# as much as a guest's, comes several times slower on a software CPU.
poll_until() {
	_lim=$1; shift
	if [ -n "${VMST_IN_KVMHOST:-}" ]; then
		_lim=$((_lim * 5)); [ $_lim -le $((_lim / 5 + 120)) ] || _lim=$((_lim / 5 + 120))
	fi
	uptime_s; _end=$((_up + _lim + 1))   # whole seconds: SECONDS at least
	_nap=0.1; [ -z "${VMST_IN_KVMHOST:-}" ] || _nap=0.5
	while :; do
		"$@" && return 0
		uptime_s; [ $_up -lt $_end ] || return 1
		sleep $_nap
	done
}
# uptime_s: whole seconds since boot into _up, read by the shell itself (a
# monotonic clock with no process started: in the emulated host every
# process costs a software CPU about 0.2 s)
uptime_s() { read -r _up _idle < /proc/uptime; _up=${_up%.*}; }

# wait_for FILE REGEX SECONDS: until the file has a matching line.
wait_for() { poll_until "$3" grep -sqaE "$2" "$1"; }

# vga_expected MODE: the file of the picture tests/tools/vga_pattern.py
# computes for MODE (m13h, modx, m12h, vbe4), made once into the cache:
# starting python costs the emulated host's software CPU seconds
vga_expected() {
	_f="$CACHE/vga-pattern/$1.ppm"
	if [ ! -s "$_f" ] || [ "$TOP/tests/tools/vga_pattern.py" -nt "$_f" ]; then
		mkdir -p "$CACHE/vga-pattern"
		python3 "$TOP/tests/tools/vga_pattern.py" "$1" "$_f.$$" && mv "$_f.$$" "$_f" || return 1
	fi
	echo "$_f"
}
# vga_pattern_is MODE PPM: PPM is that picture, pixel for pixel (when not,
# vga_pattern.py --check says where it differs)
vga_pattern_is() {
	_e=$(vga_expected "$1") && cmp -s "$_e" "$2" && return 0
	python3 "$TOP/tests/tools/vga_pattern.py" --check "$1" "$2"
}

# Start vmstation in the background: vm_bg NAME ARGS...; sets VM_PID.
vm_bg() {
	name=$1; shift
	"$VMST" "$@" > "$T/$name.out" 2>&1 &
	VM_PID=$!
}

# wait_guest FILE REGEX SECONDS: wait_for, but give up as soon as the VM
# started by vm_bg ($VM_PID) has ended.
wait_guest() {
	_gone=0
	poll_until "$3" guest_line_or_gone "$1" "$2" || return 1
	[ $_gone = 0 ] || grep -sqaE "$2" "$1"
}
# (its test: the line is there, or the VM has exited or is a zombie, _gone=1;
# the state read from /proc by the shell itself, no process started)
guest_line_or_gone() {
	grep -sqaE "$2" "$1" && return 0
	pid_ended "$VM_PID" || return 1
	_gone=1
}

# find_window NAME-REGEX: the id of an X window whose title matches, waiting
# up to 30 s for it (xdotool); prints nothing if none shows up.
find_window() {
	poll_until 30 window_named "$1" && echo "$_w"
}
window_named() { _w=$(xdotool search --name "$1" 2>/dev/null | head -1); [ -n "$_w" ]; }

# focus_window WIN: give WIN the X input focus and wait until the server
# says it has it (a just-mapped window refuses focus; 30 s at most)
focus_window() { poll_until 30 window_focused "$1"; }
window_focused() {
	xdotool windowfocus "$1" 2>/dev/null
	[ "$(xdotool getwindowfocus 2>/dev/null)" = "$1" ]
}

# wait_pid PID SECONDS: wait for a background child; sets RC to its exit
# status, or kills it and sets RC=124 on time-out. (Not in $(...): a subshell
# cannot reap the parent's child, and a zombie still answers kill -0.)
wait_pid() {
	if ! poll_until "$2" pid_ended "$1"; then
		kill -9 "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		RC=124
		return
	fi
	wait "$1"; RC=$?
}
# (its test: no such process, or a zombie; read from /proc by the shell)
pid_ended() {
	read -r _pid _comm _st _rest 2>/dev/null < "/proc/$1/stat" || return 0
	[ "$_st" = Z ]
}

# dump_vm LOGDIR COM1 [OUT]: after a VM ended badly, what it left: the end
# of its vmstation.log (a crash's registers), of COM1 and of its output, so
# a failure inside the emulated host, whose files are gone afterwards, can
# still be read from the test's log.
dump_vm() {
	tail -n 30 "$1/vmstation.log" 2>/dev/null | sed 's/^/  vm log: /'
	tail -n 15 "$2" 2>/dev/null | sed 's/^/  COM1: /'
	[ -z "${3:-}" ] || tail -n 10 "$3" 2>/dev/null | sed 's/^/  out: /'
}
