#!/bin/sh
# The game port end to end: an SDL virtual game controller (the monitor's
# test-only joystick_virtual, VMST_TEST_JOYSTICK=1) -> ui/sdl_joystick.c ->
# devices/gameport.c -> tests/guests/gameport.asm, which times the axes the
# way DOS games do (write 0x201, count loop iterations until each bit drops)
# and prints the counts and buttons on COM1.
# Checked: with nothing plugged in every axis times out (an open circuit, as
# on real hardware); one controller feeds joystick A (left stick, A/B) and B
# (right stick, X/Y); each axis's extreme/centre count ratio matches the
# pulse lengths (24 us / 574 us and 1124 us / 574 us), and each button reaches
# its bit. Ratios, not counts, so it holds at any host speed: the sequence is
# run again with the other core kept busy. In the emulated host, whose
# software CPU counts only a handful of iterations per pulse, the ratios are
# printed (check_live) and the direction of each axis is what is asserted;
# the busy-core run is left out there: its software CPU is already the
# busy core, and that run alone took 400 s of its 900.
# Then the keyboard stand-in (joystick_map A keyboard, arrows and right
# ctrl via xdotool), a second
# controller plugged in and out, joystick_map B none, and unplugging.
. "$(dirname "$0")/../lib.sh"
if [ -z "$VMST_IN_XVFB" ]; then
	VMST_IN_XVFB=1 exec xvfb-run -a -s '-noreset -screen 0 1024x768x24' sh "$0" "$@"
fi
MC="$TOP/tests/tools/monitor-client"
GX=$(guest gameport) || { fail "assemble gameport.asm"; finish; }
COM="$T/com1"

cat > "$T/g.cfg" <<CFG
name = "gameport"
memory = 32
kernel = '$GX'
serial = 'file:$COM'
log_dir = '$T/logs'
monitor_path = '$T/mon.sock'
sdl = 1
vnc = 0
gameport = 1
CFG
VMST_TEST_JOYSTICK=1 vm_bg g run "$T/g.cfg"
check "gameport guest ready" wait_guest "$COM" '^joy n=' 60
"$MC" --wait "$T/mon.sock" 20
mon() { "$MC" "$T/mon.sock" "$1"; }

# report N: report number N (decimal) as "a0 a1 a2 a3 t b" in decimal, waiting for it
report() {
	_i=0
	while [ $_i -lt 300 ]; do
		_l=$(grep -a "^joy n=$(printf %08x "$1") a=.* b=[0-9a-f]\$" "$COM" | tail -1)
		if [ -n "$_l" ]; then
			set -- $(echo "$_l" | sed 's/^joy n=[0-9a-f]* a=//; s/ [tb]=/ /g')
			echo "$((0x$1)) $((0x$2)) $((0x$3)) $((0x$4)) $((0x$5)) $((0x$6))"
			return 0
		fi
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}
# fresh: three reports all started after now, field by field their median
# (a report whose rounds lost the host CPU counts low: one such is outvoted)
fresh() {
	_last=$(grep -a '^joy n=[0-9a-f]\{8\} .* b=[0-9a-f]$' "$COM" | tail -1 | cut -c7-14)
	_n=$((0x$_last + 2))
	{ report $_n; report $((_n + 1)); report $((_n + 2)); } | awk '
		{ for (i = 1; i <= NF; i++) v[NR, i] = $i }
		END { if (NR != 3) exit 1
		      for (i = 1; i <= 6; i++) {
			a = v[1, i]; b = v[2, i]; c = v[3, i]
			m = (a <= b) ? ((b <= c) ? b : (a <= c ? c : a)) : ((a <= c) ? a : (b <= c ? c : b))
			printf "%d%s", m, i < 6 ? " " : "\n" } }'
}
# wait_info REGEX: until `info joysticks` matches (the SDL thread applied it)
wait_info() {
	_i=0
	while [ $_i -lt 100 ]; do
		_o=$(mon "info joysticks")
		echo "$_o" | grep -qE "$1" && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}
# longer A B: count A is above count B (both numbers)
longer() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -gt "$2" ] 2>/dev/null; }
both_longer() { longer "$1" "$2" && longer "$3" "$4"; }
# field N of a fresh report line
f() { echo "$1" | cut -d' ' -f"$2"; }
# ratio A B LO HI: A/B within [LO, HI], each count good to +-1 (a slow host
# counts few iterations); a reference below 5 iterations compares nothing
ratio() {
	awk -v a="$1" -v b="$2" -v lo="$3" -v hi="$4" 'BEGIN {
		if (a == "" || b < 5) exit 1
		exit !((a + 1) / (b - 1) >= lo && (a - 1) / (b + 1) <= hi) }'
}

r=$(fresh)
check "no controller: all four axes time out, no button ($r)" [ "$(f "$r" 5) $(f "$r" 6)" = "15 0" ]
mon "joystick_virtual attach" > /dev/null
check "virtual controller attached: pad0 feeds A (left stick) and B (right stick)" \
	wait_info "joystick A: map auto: pad0 .* left stick x=0 y=0 buttons=--"
check "... and B" wait_info "joystick B: map auto: pad0 .* right stick x=0 y=0"

# axis N of the controller -> game-port axis N (A x, A y, B x, B y)
axis_name() { case $1 in 0) echo "A x";; 1) echo "A y";; 2) echo "B x";; 3) echo "B y";; esac; }
info_pat() {   # what info joysticks shows with controller axis $1 at $2
	case $1 in 0) echo "joystick A:.* x=$2 y=0 ";; 1) echo "joystick A:.* x=0 y=$2 ";;
		   2) echo "joystick B:.* x=$2 y=0 ";; 3) echo "joystick B:.* x=0 y=$2 ";; esac
}

sequence() {   # $1: label
	c=$(fresh)
	check "$1: centred: every axis ends, similar counts ($c)" sh -c "[ $(f "$c" 5) = 0 ] && [ $(f "$c" 6) = 0 ]"
	for ax in 0 1 2 3; do
		n=$((ax + 1))
		cen=$(f "$c" $n)
		mon "joystick_virtual axis $ax -32768" > /dev/null
		wait_info "$(info_pat $ax -32768)"
		lo=$(fresh)
		mon "joystick_virtual axis $ax 32767" > /dev/null
		wait_info "$(info_pat $ax 32767)"
		hi=$(fresh)
		mon "joystick_virtual axis $ax 0" > /dev/null
		wait_info "$(info_pat $ax 0)"
		# the reference: the other stick's same axis, centred, in the same report
		other=$(( (ax + 2) % 4 + 1 ))
		# the direction holds at any speed; the ratios need the guest's loop
		# to run in real time (the emulated host's counts are a handful)
		check "$1: $(axis_name $ax) minimum below, maximum above the centred reference ($(f "$lo" $n) < $(f "$lo" $other), $(f "$hi" $n) > $(f "$hi" $other))" \
			both_longer "$(f "$lo" $other)" "$(f "$lo" $n)" "$(f "$hi" $n)" "$(f "$hi" $other)"
		check_live "$1: $(axis_name $ax) minimum/centre ~ 24/574 ($(f "$lo" $n)/$(f "$lo" $other))" \
			ratio "$(f "$lo" $n)" "$(f "$lo" $other)" 0 0.3
		check_live "$1: $(axis_name $ax) maximum/centre ~ 1124/574 ($(f "$hi" $n)/$(f "$hi" $other))" \
			ratio "$(f "$hi" $n)" "$(f "$hi" $other)" 1.6 2.4
		check_live "$1: $(axis_name $ax) centred ~ the others centred ($cen/$(f "$c" $other))" \
			ratio "$cen" "$(f "$c" $other)" 0.8 1.25
		check_live "$1: $(axis_name $ax) moves only its own axis ($(f "$hi" $other)/$(f "$c" $other))" \
			ratio "$(f "$hi" $other)" "$(f "$c" $other)" 0.6 1.6
	done
	for b in 0 1 2 3; do
		mon "joystick_virtual button $b 1" > /dev/null
		case $b in 0) p="joystick A:.*buttons=1-";; 1) p="joystick A:.*buttons=-2";;
			   2) p="joystick B:.*buttons=1-";; 3) p="joystick B:.*buttons=-2";; esac
		wait_info "$p"
		r=$(fresh)
		mon "joystick_virtual button $b 0" > /dev/null
		wait_info "joystick A:.*buttons=-- *$"
		check "$1: controller button $b -> port bit $((4 + b)) ($r)" [ "$(f "$r" 6)" = $((1 << b)) ]
	done
	r=$(fresh)
	check "$1: buttons released ($r)" [ "$(f "$r" 6)" = 0 ]
}

sequence "idle host"
if [ -n "${VMST_IN_KVMHOST:-}" ]; then
	echo "note: $(basename "$0" .sh): inside the emulated host: the run with the other core busy is skipped"
elif [ "$(nproc)" -ge 2 ]; then
	sh -c 'while :; do :; done' &
	busy=$!
	sequence "other core busy"
	kill "$busy"
	wait "$busy" 2>/dev/null
else
	echo "note: $(basename "$0" .sh): one CPU, no other core to keep busy: that run is skipped"
fi

# keyboard stand-in: arrows and right ctrl in the window
mon "joystick_map A keyboard" > /dev/null
check "joystick_map A keyboard" wait_info "joystick A: map keyboard: keyboard"
win=$(find_window '^gameport \[')
check "the SDL window is there" [ -n "$win" ]
check "the window has the keyboard" focus_window "$win"
c=$(fresh)
xdotool keydown Right keydown Control_R
check "keyboard: info shows right + right ctrl" wait_info "joystick A: map keyboard: .* x=32767 y=0 buttons=1-"
r=$(fresh)
xdotool keyup Right keyup Control_R
check "keyboard: right arrow lengthens A x ($(f "$r" 1) > $(f "$c" 1))" longer "$(f "$r" 1)" "$(f "$c" 1)"
check_live "keyboard: right arrow = A x maximum ($(f "$r" 1)/$(f "$c" 1))" ratio "$(f "$r" 1)" "$(f "$c" 1)" 1.55 2.5
check "keyboard: right ctrl = button 1 ($r)" [ "$(f "$r" 6)" = 1 ]
mon "joystick_map A auto" > /dev/null

# a second controller (hot-plugged) takes joystick B with its left stick
mon "joystick_virtual attach" > /dev/null
check "second controller: pad1's left stick feeds B" wait_info "joystick B: map auto: pad1 .* left stick"
mon "joystick_virtual axis 0 32767" > /dev/null
wait_info "joystick B:.* x=32767 y=0 "
r=$(fresh)
check "pad1's left stick lengthens B x ($(f "$r" 3) > $(f "$r" 1))" longer "$(f "$r" 3)" "$(f "$r" 1)"
check_live "pad1's left stick moves B x ($(f "$r" 3)/$(f "$r" 1))" ratio "$(f "$r" 3)" "$(f "$r" 1)" 1.6 2.4
mon "joystick_virtual detach" > /dev/null
check "pad1 unplugged: B back on pad0's right stick" wait_info "joystick B: map auto: pad0 .* right stick"
mon "joystick_map B none" > /dev/null
check "joystick_map B none" wait_info "joystick B: map none: not connected"
r=$(fresh)
check "B on none: its axes time out, A's do not ($r)" [ "$(f "$r" 5)" = 12 ]
mon "joystick_map B auto" > /dev/null

mon "joystick_virtual detach" > /dev/null
check "unplugged: not connected" wait_info "joystick A: map auto: not connected"
r=$(fresh)
check "unplugged: the axes time out again ($r)" [ "$(f "$r" 5)" = 15 ]

mon quit > /dev/null 2>&1
wait_pid $VM_PID 20
check "quit ends the VM (exit $RC)" [ "$RC" = 0 ]
finish
