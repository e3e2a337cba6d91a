#!/bin/sh
# fullscreen_scale= in a full-screen SDL window (Xvfb 1024x768), seen in a
# screenshot of the X screen: mode 13h (320x200, tests/guests/vga_modes.asm)
# with 'aspect' fills the 4:3 screen (1024x768: 200 lines shown 1.2 times
# taller, as on a CRT); with 'integer' it is 3x, 960x600, centred; a window
# of that size keeps square pixels (1024x640). (Xvfb has
# no window manager to make the window full screen: the test gives the
# full_screen=1 window the screen's size itself.)
. "$(dirname "$0")/../lib.sh"
if [ -z "$VMST_IN_XVFB" ]; then
	VMST_IN_XVFB=1 exec xvfb-run -a -s '-noreset -screen 0 1024x768x24' sh "$0" "$@"
fi
MC="$TOP/tests/tools/monitor-client"
G=$(guest vga_modes) || { fail "assemble vga_modes.asm"; finish; }

# shown NAME: the non-black area of the X screen as WxH+X+Y
shown() { import -window root "$T/$1.png" 2>/dev/null && convert "$T/$1.png" -trim info: 2>/dev/null |
	awk '{ split($4, a, "+"); print $3 "+" a[2] "+" a[3] }'; }

for mode in aspect integer window; do
	fs=1
	case $mode in
	aspect) want="1024x768+0+0" ;;
	integer) want="960x600+32+84" ;;
	window) want="1024x640+0+64"; fs=0 ;;  # a window keeps square pixels
	esac
	cat > "$T/$mode.cfg" <<CFG
name = "fs-$mode"
memory = 32
kernel = '$G'
extra = 'm13h'
serial = 'file:$T/$mode.com1'
log_dir = '$T/logs'
monitor_path = '$T/$mode.sock'
sdl = 1
vnc = 0
full_screen = $fs
fullscreen_scale = '$( [ $mode = window ] && echo aspect || echo $mode )'
CFG
	vm_bg "$mode" run "$T/$mode.cfg"
	check "$mode: mode 13h drawn" wait_guest "$T/$mode.com1" "DRAWN m13h" 60
	# Xvfb runs no window manager to honour full screen: size the window to the screen
	win=$(find_window "^fs-$mode \\[")
	xdotool windowmove "$win" 0 0 windowsize "$win" 1024 768
	i=0
	got=$(shown "$mode")
	while [ "$got" != "$want" ] && [ $i -lt 50 ]; do
		sleep 0.2; i=$((i + 1)); got=$(shown "$mode")
	done
	check "$mode: 320x200 shows as $want (got $got)" [ "$got" = "$want" ]
	"$MC" "$T/$mode.sock" quit > /dev/null 2>&1
	wait_pid $VM_PID 20
	check "$mode: quit ends the VM (exit $RC)" [ "$RC" = 0 ]
done
finish
