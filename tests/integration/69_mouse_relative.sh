#!/bin/sh
# Relative mouse while the SDL window has the grab (SDL_SetRelativeMouseMode,
# as QEMU's SDL display does for a relative pointer): tests/guests/ps2mouse.asm
# reads the PS/2 mouse the way a DOS game does and prints its position on
# COM1 while xdotool (XTest) moves the X pointer under Xvfb.
# Checked: before the grab the guest gets no motion; a click grabs (the
# title says how to release) and the click itself is not the guest's;
# 30 moves of 40 px right reach the guest as about 1200 px of relative
# motion -- more than the window (720 px) or the screen (1024 px) could
# give an absolute pointer, so the pointer is not stopped by any edge --
# with no vertical drift; moves down arrive as positive y; ctrl-alt releases
# the grab (title back) and motion stops reaching the guest.
. "$(dirname "$0")/../lib.sh"
if [ -z "$VMST_IN_XVFB" ]; then
	VMST_IN_XVFB=1 exec xvfb-run -a -s '-noreset -screen 0 1024x768x24' sh "$0" "$@"
fi
MG=$(guest ps2mouse) || { fail "assemble ps2mouse.asm"; finish; }
COM="$T/com1"
cat > "$T/m.cfg" <<CFG
name = "mouse"
memory = 32
kernel = '$MG'
serial = 'file:$COM'
log_dir = '$T/logs'
sdl = 1
vnc = 0
CFG
vm_bg m run "$T/m.cfg"
check "ps2mouse guest ready" wait_guest "$COM" '^READY' 60
win=$(find_window '^mouse \[')
check "the SDL window is there" [ -n "$win" ]
check "the window has the focus" focus_window "$win"

# pos: the guest's last position as "x y b" (decimal, signed)
pos() {
	grep -a '^mouse n=' "$COM" | tail -1 | awk '
		function hex(s,  i, v) { v = 0
			for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v }
		{ x = hex(substr($3, 3)); y = hex(substr($4, 3))
		  if (x >= 2^31) x -= 2^32; if (y >= 2^31) y -= 2^32
		  print x, y, substr($5, 3) }
		END { if (!NR) print 0, 0, 0 }'
}
settle() {   # until the guest's position stops changing
	_p=$(pos); _i=0
	while [ $_i -lt 30 ]; do
		sleep 0.3; _q=$(pos)
		[ "$_q" = "$_p" ] && return 0
		_p=$_q; _i=$((_i + 1))
	done
}
title() { xdotool getwindowname "$win" 2>/dev/null; }

eval "$(xdotool getwindowgeometry --shell "$win")"
xdotool mousemove --window "$win" $((WIDTH / 2)) $((HEIGHT / 2))
sleep 0.3
xdotool mousemove_relative -- 30 20
settle
p0=$(pos)
check "no grab: the pointer's motion is not the guest's ($p0)" [ "$p0" = "0 0 0" ]

xdotool click 1
i=0; while [ $i -lt 50 ] && ! title | grep -q 'release the grab'; do sleep 0.1; i=$((i + 1)); done
check "a click grabs the pointer (title: $(title))" sh -c "xdotool getwindowname $win | grep -q 'press ctrl-alt to release the grab'"
settle
set -- $(pos)
check "the grabbing click is not the guest's (buttons $3)" [ "$3" = 0 ]
x0=$1 y0=$2

i=0
while [ $i -lt 30 ]; do
	xdotool mousemove_relative -- 40 0
	sleep 0.05
	i=$((i + 1))
done
settle
set -- $(pos)
dx=$(($1 - x0)) dy=$(($2 - y0))
check "30 x 40 px right: the guest moved $dx px (1100..1300, past every edge)" [ "$dx" -ge 1100 ] && [ "$dx" -le 1300 ]
check "... and not vertically ($dy)" [ "$dy" -ge -10 ] && [ "$dy" -le 10 ]
x1=$1 y1=$2
i=0
while [ $i -lt 10 ]; do
	xdotool mousemove_relative -- 0 30
	sleep 0.05
	i=$((i + 1))
done
settle
set -- $(pos)
check "10 x 30 px down: y grew by $(($2 - y1)) (270..330)" [ $(($2 - y1)) -ge 270 ] && [ $(($2 - y1)) -le 330 ]
xdotool mousedown 3; sleep 0.3; settle
set -- $(pos)
check "right button held reaches the guest (b=$3)" [ "$3" = 2 ]
xdotool mouseup 3; settle

xdotool key ctrl+alt
i=0; while [ $i -lt 50 ] && title | grep -q 'release the grab'; do sleep 0.1; i=$((i + 1)); done
check "ctrl-alt releases the grab (title: $(title))" sh -c "! xdotool getwindowname $win | grep -q 'release the grab'"
p1=$(pos)
xdotool mousemove --window "$win" 100 100
xdotool mousemove_relative -- 50 50
settle
p2=$(pos)
check "released: motion no longer reaches the guest ($p1 -> $p2)" [ "$p1" = "$p2" ]
kill "$VM_PID" 2>/dev/null
wait_pid $VM_PID 20
echo "summary: $(basename "$0" .sh): grabbed motion right $dx px, vertical drift $dy px; $NFAIL failed"
finish
