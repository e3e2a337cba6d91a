#!/bin/sh
# Every key of a 105-key (ISO) keyboard typed with xdotool into the SDL window
# under Xvfb (by X keycode, so the host layout plays no part) reaches a guest
# reading the i8042 (tests/guests/kbd_xlate.asm) as its set-1 make/break
# sequence. Then the ctrl-alt hotkeys: the guest sees ctrl and alt released
# when a hotkey fires, never the hotkey's own key, and no stuck modifier
# afterwards; ctrl-alt-del (not a hotkey) reaches the guest whole; keys typed
# on the ctrl-alt-2 monitor console stay out of the guest.
. "$(dirname "$0")/../lib.sh"
if [ -z "$VMST_IN_XVFB" ]; then
	VMST_IN_XVFB=1 exec xvfb-run -a -s '-noreset -screen 0 1280x1024x24' sh "$0" "$@"
fi
MC="$TOP/tests/tools/monitor-client"
GX=$(guest kbd_xlate) || { fail "assemble kbd_xlate.asm"; finish; }

cat > "$T/k.cfg" <<CFG
name = "sdlkeys"
memory = 32
kernel = '$GX'
serial = 'file:$T/com1'
log_dir = '$T/logs'
monitor_path = '$T/mon.sock'
monitor = 1
sdl = 1
vnc = 0
CFG
vm_bg k run "$T/k.cfg"
check "kbd_xlate guest ready" wait_for "$T/com1" '^READY' 60
win=$(find_window '^sdlkeys \[')
check "the SDL window is there" [ -n "$win" ]
check "the SDL window takes the keyboard focus" focus_window "$win"

# received: what the guest printed after READY (LED lines left out)
received() { sed -n '/^READY/,$p' "$T/com1" | sed 1d | grep -v '^led=' | tr '\n' ' '; }
# wait_count N: until the guest has printed N codes (a minute at most: a slow
# host, the emulated one, takes that long for 105 keys)
wait_count() {
	i=0
	while [ $i -lt 600 ]; do
		[ "$(received | wc -w)" -ge "$1" ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# X keycode (evdev: Linux KEY_* + 8) : set-1 code. KEY_* 1..83 are the set-1
# codes themselves; the rest by hand.
KEYS=""
kc=9
while [ $kc -le 91 ]; do
	KEYS="$KEYS $kc:$(printf '%02x' $((kc - 8)))"
	kc=$((kc + 1))
done
KEYS="$KEYS 94:56 95:57 96:58 104:e01c 105:e01d 106:e035 108:e038 110:e047 111:e048
112:e049 113:e04b 114:e04d 115:e04f 116:e050 117:e051 118:e052 119:e053 133:e05b
134:e05c 135:e05d 107:print 127:pause"
want=""
codes=""
n=0
for k in $KEYS; do
	code=${k#*:}
	# xdotool takes a number as a keycode, but "9" is the keysym of the digit
	[ "${k%%:*}" = 9 ] && codes="$codes Escape" || codes="$codes ${k%%:*}"
	n=$((n + 1))
	case $code in
	print) want="${want}e0 2a e0 37 e0 b7 e0 aa " ;;
	pause) want="${want}e1 1d 45 e1 9d c5 " ;;
	e0*) b=$((0x${code#e0})); want="$want$(printf 'e0 %02x e0 %02x ' $b $((b | 0x80)))" ;;
	*) want="$want$(printf '%02x %02x ' $((0x$code)) $((0x$code | 0x80)))" ;;
	esac
done
check "the list has the 105 keys of an ISO keyboard ($n)" [ "$n" = 105 ]
# shellcheck disable=SC2086
xdotool key --delay 20 $codes
wait_count "$(echo "$want" | wc -w)"
got=$(received)
check "all 105 keys arrive as their set-1 make/break codes, in order" [ "$got" = "$want" ]
[ "$got" = "$want" ] || { echo "want: $want"; echo "got:  $got"; }
base=$(echo "$got" | wc -w)

# ctrl-alt-1 (a hotkey: the guest screen): ctrl and alt go down in the guest,
# are released when the hotkey fires; the 1 never arrives; then a plain 'a'
xdotool keydown 37 keydown 64 keydown 10 keyup 10 keyup 64 keyup 37
sleep 0.3
xdotool key 38
wait_count $((base + 6))
sleep 0.5
got=$(received | cut -d' ' -f$((base + 1))-)
check "ctrl-alt-1: ctrl/alt released in the guest, no '1', no stuck modifier ($got)" \
	[ "$got" = "1d 38 9d b8 1e 9e " ]
base=$((base + 6))

# ctrl-alt-del is not a hotkey: all three keys are the guest's
xdotool keydown 37 keydown 64 keydown 119 keyup 119 keyup 64 keyup 37
wait_count $((base + 8))
sleep 0.5
got=$(received | cut -d' ' -f$((base + 1))-)
check "ctrl-alt-del reaches the guest whole ($got)" [ "$got" = "1d 38 e0 53 e0 d3 b8 9d " ]
base=$((base + 8))

# ctrl-alt-2 opens the monitor console: typed keys stay there; ctrl-alt-1 back
xdotool keydown 37 keydown 64 keydown 11 keyup 11 keyup 64 keyup 37
# wait_title REGEX: until the window's title matches (20 s at most)
wait_title() {
	i=0
	while [ $i -lt 200 ]; do
		title=$(xdotool getwindowname "$win" 2>/dev/null)
		echo "$title" | grep -qE "$1" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
wait_title 'monitor'
check "ctrl-alt-2: the window shows the monitor ($title)" sh -c "echo '$title' | grep -q 'monitor'"
xdotool key 45 45 45
xdotool keydown 37 keydown 64 keydown 10 keyup 10 keyup 64 keyup 37
sleep 0.3
xdotool key 38
wait_count $((base + 6))
sleep 0.5
got=$(received | cut -d' ' -f$((base + 1))-)
check "keys typed on the monitor console do not reach the guest ($got)" [ "$got" = "1d 38 9d b8 1e 9e " ]
wait_title '^sdlkeys \[running\]$' 
check "ctrl-alt-1: back to the guest screen ($title)" [ "$title" = "sdlkeys [running]" ]

"$MC" "$T/mon.sock" quit > /dev/null 2>&1
wait_pid $VM_PID 20
check "quit ends the VM (exit $RC)" [ "$RC" = 0 ]
finish
