#!/bin/sh
# Lock keys follow the host into the guest through the SDL window (Xvfb,
# xdotool; the guest is tests/guests/kbd_xlate.asm, which prints every byte
# the i8042 delivers and answers Caps Lock with its caps LED, "led=NN").
# 1. Caps Lock turned on in the X server while another window has the
#    keyboard, the guest's off: once the window has focus, typing 'a' reaches
#    the guest as Caps Lock make/break then 'a' (the toggle goes when the
#    window gains focus, or with the key if the guest was not ready then),
#    the guest's LED goes on; 'b' next comes with no Caps Lock.
# 2. Focus on another window: Caps Lock off and Num Lock on there. Back in
#    the window the guest gets Caps Lock (its LED goes off) and Num Lock; the
#    guest keeps no num LED, so Num Lock is tried once more with the next key
#    (after the 500 ms wait for an answer) and then never again.
. "$(dirname "$0")/../lib.sh"
if [ -z "$VMST_IN_XVFB" ]; then
	VMST_IN_XVFB=1 exec xvfb-run -a -s '-noreset -screen 0 1280x1024x24' sh "$0" "$@"
fi
MC="$TOP/tests/tools/monitor-client"
GX=$(guest kbd_xlate) || { fail "assemble kbd_xlate.asm"; finish; }

# another window holds the keyboard first (this Xvfb moves no lock while
# only the root window exists); the host's Caps Lock goes on there
xmessage -geometry +700+600 other > /dev/null 2>&1 &
xm=$!
other=$(find_window '^xmessage$')
check "a second window to hold the focus" [ -n "$other" ]
focus_window "$other"
sleep 0.2
xdotool key Caps_Lock

cat > "$T/l.cfg" <<CFG
name = "sdlleds"
memory = 32
kernel = '$GX'
serial = 'file:$T/com1'
log_dir = '$T/logs'
monitor_path = '$T/mon.sock'
monitor = 1
sdl = 1
vnc = 0
CFG
vm_bg l run "$T/l.cfg"
check "kbd_xlate guest ready" wait_guest "$T/com1" '^READY' 60
win=$(find_window '^sdlleds \[')
check "the SDL window is there" [ -n "$win" ]

# keys: what the guest printed after READY, LED lines left out; leds: those
keys() { sed -n '/^READY/,$p' "$T/com1" | sed 1d | grep -v '^led=' | tr '\n' ' '; }
leds() { sed -n '/^READY/,$p' "$T/com1" | grep '^led=' | tr '\n' ' '; }
# wait_keys N: until the guest has printed N key bytes; then a moment for strays
wait_keys() {
	i=0
	while [ $i -lt 600 ] && [ "$(keys | wc -w)" -lt "$1" ]; do
		sleep 0.1; i=$((i + 1))
	done
	sleep 0.3
}
# the new window may have taken the keyboard (and toggled the guest's Caps
# Lock, if the guest was ready for it): give it back to the other window, long
# enough for a toggle sent before READY to count as unanswered
focus_window "$other"
sleep 0.7

# ---- 1: Caps Lock on in the host only -----------------------------------------
focus_window "$win"
sleep 0.5
xdotool key a
wait_keys 4
check "'a': Caps Lock make/break first, then 'a' ($(keys))" [ "$(keys)" = "3a ba 1e 9e " ]
check "the guest's caps LED went on ($(leds))" [ "$(leds)" = "led=04 " ]
xdotool key b
wait_keys 6
check "'b' next: no Caps Lock ($(keys))" [ "$(keys)" = "3a ba 1e 9e 30 b0 " ]

# ---- 2: locks moved while another window has the keyboard ---------------------
focus_window "$other"
sleep 0.3
xdotool key Caps_Lock key Num_Lock
sleep 0.3
check "keys typed in the other window stay out of the guest ($(keys))" [ "$(keys)" = "3a ba 1e 9e 30 b0 " ]
focus_window "$win"
wait_keys 10
check "focus back: Caps Lock (host off, guest on) and Num Lock (host on) ($(keys))" \
	[ "$(keys)" = "3a ba 1e 9e 30 b0 3a ba 45 c5 " ]
check "the guest's caps LED went off ($(leds))" [ "$(leds)" = "led=04 led=00 " ]
sleep 0.7
xdotool key c
wait_keys 14
check "the guest did not answer Num Lock: tried once more before 'c' ($(keys))" \
	[ "$(keys)" = "3a ba 1e 9e 30 b0 3a ba 45 c5 45 c5 2e ae " ]
sleep 0.7
xdotool key d
sleep 0.3
xdotool key e
wait_keys 18
check "then never again: 'd' and 'e' alone ($(keys))" \
	[ "$(keys)" = "3a ba 1e 9e 30 b0 3a ba 45 c5 45 c5 2e ae 20 a0 12 92 " ]
kill "$xm" 2>/dev/null

"$MC" "$T/mon.sock" quit > /dev/null 2>&1
wait_pid $VM_PID 20
check "quit ends the VM (exit $RC)" [ "$RC" = 0 ]
finish
