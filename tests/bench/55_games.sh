#!/bin/sh
# A game's view, side by side with QEMU's SDL display on the same guest
# (tests/guests/pacing.asm "game": mode 13h, each frame waits for the VGA
# retrace, fills rows 0-15 with a new colour and writes 'F', n to the debug
# port; each keyboard interrupt fills rows 16-31 with a new colour):
#   - guest frames/s: how fast the game runs (its retrace loop; 'F' bytes
#     on the debug port over the run): 70 on real VGA timings;
#   - frames/s the SDL window really shows (a pixel of rows 0-15 polled on
#     the Xvfb screen, colour changes counted);
#   - key to screen: an XTest key press until a pixel of rows 16-31 changes
#     (SDL event -> guest IRQ -> VGA write -> window), median of N.
. "$(dirname "$0")/lib.sh"
if [ -z "$VMST_IN_XVFB" ]; then
	VMST_IN_XVFB=1 exec xvfb-run -a -s '-noreset -screen 0 1280x1024x24' sh "$0" "$@"
fi
SECS=${BENCH_GAMES_SECONDS:-10}
N=${BENCH_GAMES_KEYS:-30}
G="$GUESTS/pacing.elf"
guest_asm pacing "$G" || { echo "games: cannot assemble pacing.asm"; exit 1; }
cc -O2 -o "$B/display_client" "$TOP/tests/bench/display_client.c" \
	$(pkg-config --cflags --libs libvncclient x11) || { echo "games: cannot build display_client"; exit 1; }
cc -O2 -o "$B/x_keylat" "$TOP/tests/bench/x_keylat.c" $(pkg-config --cflags --libs x11) -ldl ||
	{ echo "games: cannot build x_keylat"; exit 1; }

# window REGEX: sets WIN and the screen pixels FX FY (rows 0-15) and KX KY
# (rows 16-31), once the visible window's size has settled (the first
# frames resize it; QEMU's SDL display also has hidden windows)
window() {
	WIN=""
	for i in $(seq 100); do
		WIN=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | head -1)
		[ -n "$WIN" ] && break
		sleep 0.2
	done
	[ -n "$WIN" ] || return 1
	last=""
	for i in $(seq 30); do
		sleep 1
		geo=$(xdotool getwindowgeometry --shell "$WIN")
		[ "$geo" = "$last" ] && break
		last=$geo
	done
	eval "$geo"
	# the guest's 320x200 scaled into the window, aspect kept, centred
	s=$(awk -v w="$WIDTH" -v h="$HEIGHT" 'BEGIN { a = w / 320; b = h / 200; print (a < b ? a : b) }')
	top=$(awk -v h="$HEIGHT" -v s="$s" 'BEGIN { printf "%d", (h - 200 * s) / 2 }')
	FX=$((X + WIDTH / 2)); KX=$FX
	FY=$(awk -v y="$Y" -v t="$top" -v s="$s" 'BEGIN { printf "%d", y + t + 8 * s }')
	KY=$(awk -v y="$Y" -v t="$top" -v s="$s" 'BEGIN { printf "%d", y + t + 24 * s }')
	echo "  ($1: window ${WIDTH}x${HEIGHT}+$X+$Y, frame pixel $FX,$FY, key pixel $KX,$KY)"
	i=0
	while [ $i -lt 50 ]; do
		xdotool windowfocus "$WIN" 2>/dev/null
		[ "$(xdotool getwindowfocus 2>/dev/null)" = "$WIN" ] && return 0
		sleep 0.1; i=$((i + 1))
	done
}
# measure NAME DEBUGCON-FILE: guest frames/s, shown frames/s, key delay
measure() {
	s0=$(stat -c %s "$2" 2>/dev/null || echo 0)
	"$B/display_client" x-fps "$FX" "$FY" "$SECS" > "$B/$1.fps"
	s1=$(stat -c %s "$2" 2>/dev/null || echo 0)
	gfps=$(awk -v a="$s0" -v b="$s1" -v s="$SECS" 'BEGIN { printf "%.1f", (b - a) / 2 / s }')
	sfps=$(sed -n 's/^fps \([0-9.]*\).*/\1/p' "$B/$1.fps")
	"$B/x_keylat" "$KX" "$KY" "$N" > "$B/$1.keylat"
	klat=$(sed -n 's/^keylat median \([0-9.]*\).*/\1/p' "$B/$1.keylat")
	echo "$gfps ${sfps:-0} ${klat:-n/a}"
}
stop_pid() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

cat > "$B/games.cfg" <<CFG
name = "games"
memory = 64
kernel = '$G'
extra = 'game'
serial = 'file:$B/v.com1'
debugcon = 'file:$B/v.dbg'
log_dir = '$B/logs'
sdl = 1
vnc = 0
CFG
T0=$(now_ms)
"$VMST" run -q "$B/games.cfg" > "$B/v.out" 2>&1 & pid=$!
wait_file "$B/v.com1" '^READY' 60 > /dev/null
window '^games \[' && set -- $(measure v "$B/v.dbg") || set -- 0 0 n/a
v_g=$1 v_s=$2 v_k=$3
stop_pid $pid

$QEMU -enable-kvm -machine pc -m 64 -nodefaults -vga std -kernel "$G" -append game \
	-serial file:"$B/q.com1" -debugcon file:"$B/q.dbg" -global isa-debugcon.iobase=0x402 \
	-display sdl > "$B/q.out" 2>&1 & pid=$!
# (inside the emulated host QEMU's SDL start-up alone takes most of a minute)
wait_file "$B/q.com1" '^READY' 180 > /dev/null
window '^QEMU' && set -- $(measure q "$B/q.dbg") || set -- 0 0 n/a
q_g=$1 q_s=$2 q_k=$3
stop_pid $pid

report "games: guest frames/s, mode 13h game loop paced by the VGA retrace" "$v_g" "$q_g" "fps" "vmstation 70 +- 2 (real VGA)"
report "games: frames/s the SDL window showed (Xvfb)" "$v_s" "$q_s" "fps" ">= 1.00"
report "games: key press -> guest IRQ redraw on screen, median of $N (XTest, Xvfb)" "$v_k" "$q_k" "ms" "<= 1.00"
printf 'details: vmstation %s; qemu %s\n' "$(cat "$B/v.keylat" 2>/dev/null)" "$(cat "$B/q.keylat" 2>/dev/null)"
[ "$(grep -c '^READY' "$B/q.com1" 2>/dev/null)" -gt 0 ] ||
	echo "  (QEMU's guest never printed READY: its figures are not the game's; QEMU said: $(tail -n 3 "$B/q.out" 2>/dev/null | tr '\n' ' '))"
[ -z "${VMST_IN_KVMHOST:-}" ] || echo "  (inside the emulated host Xvfb and SDL's software GL run on a software CPU: what the screen shows lags far behind what either VMM presents; and the guest's frames are counted per second of the host's clock while the retrace follows the guest's, KVM's kvmclock, which there need not run at the same rate)"
