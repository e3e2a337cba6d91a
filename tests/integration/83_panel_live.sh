#!/bin/sh
# The panel's live figures and windows, driven through tmux under Xvfb with
# a window manager (openbox: full screen is a request to the window manager,
# as on any desktop):
#  - Snd reads "on" while the sb16_play guest makes sound (SB16 DMA, OPL,
#    PC speaker, into vmstation.conf's audio='wav:'), "-" for a silent VM
#    and once the guest has stopped playing (powered off, kept paused by
#    on_poweroff='preserve'); the details pane says the same
#  - two VMs' SDL windows at once, closed when the panel quits
#  - Net/s is "-" for a VM without a network card (vmstation has none yet;
#    its vif= is logged as not acted on), in the list and in the details
#    pane, never a made-up "0B"
#  - 'f' opens the VM's SDL window full screen (the size of the X screen),
#    'f' again makes it a normal window, 'w' closes it
#  - F4 resets the guest, 'o' presses its ACPI power button, 'e' ejects its CD
#  - 'v' shows the VM's VNC address, where an RFB server answers
#  - the F9 menu: an item clicked, a command's key typed in it
#  - the mouse (xterm SGR reports): a double click on a VM starts it, the
#    wheel scrolls the serial pane, a click on a tab switches the pane; in
#    the file browser a click selects an ISO, a second click inserts it, the
#    wheel only moves
#  - a terminal that goes away (ssh dropped): the VMs get the ACPI power
#    button and the panel exits
. "$(dirname "$0")/../lib.sh"
if [ -z "$VMST_IN_XVFB" ]; then
	VMST_IN_XVFB=1 exec xvfb-run -a -s '-noreset -screen 0 1280x1024x24' sh "$0" "$@"
fi
. "$TOP/tests/panel_lib.sh"   # after the exec: its tmux server dies with this shell
G=$(guest panel_guest) || { fail "assemble panel_guest.asm"; finish; }
S=$(guest sb16_play) || { fail "assemble sb16_play.asm"; finish; }
command -v openbox > /dev/null || { fail "openbox missing (tests/setup.sh installs it)"; finish; }

WM=""
trap 'panel_cleanup; [ -n "$WM" ] && kill $WM 2>/dev/null' EXIT
# the geometry of the VM's SDL window: "WxH+X+Y", empty when there is none
win_geom() {
	w=$(xdotool search --classname '^vmstation$' 2>/dev/null | head -1)
	[ -n "$w" ] || return 0
	xdotool getwindowgeometry --shell "$w" 2>/dev/null |
		awk -F= '{ v[$1] = $2 } END { if (v["WIDTH"] != "") print v["WIDTH"] "x" v["HEIGHT"] "+" v["X"] "+" v["Y"] }'
}
# wait_geom REGEX SECONDS: until the window's geometry matches
wait_geom() { poll_until "$2" geom_is "$1"; }
geom_is() { GEOM=$(win_geom); echo "$GEOM" | grep -qE "$1"; }

openbox --sm-disable > "$T/openbox.log" 2>&1 &
WM=$!
i=0; while ! xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q 'window id' && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
SCREEN=$(xwininfo -root | awk '/Width:/ { w = $2 } /Height:/ { h = $2 } END { print w "x" h }')
check "Xvfb screen $SCREEN with a window manager" [ "$SCREEN" = 1280x1024 -a $i -lt 50 ]

mkdir -p "$T/vms" "$T/state"
printf 'DISCDATA' > "$T/disc.iso"; head -c 4088 /dev/zero >> "$T/disc.iso"
mkdir -p "$T/isos"
printf 'AAAAAAAA' > "$T/isos/A.iso"; head -c 4088 /dev/zero >> "$T/isos/A.iso"
printf 'BBBBBBBB' > "$T/isos/B.iso"; head -c 4088 /dev/zero >> "$T/isos/B.iso"
cat > "$T/vmstation.conf" <<CFG
vm_dir = '$T/vms'
audio = 'wav:$T/sound.wav'
poweroff_timeout = 3
iso_dir = '$T/isos'
CFG
cat > "$T/vms/desk.cfg" <<CFG
name = 'desk'
memory = 32
kernel = '$G'
vga = 'stdvga'
vnc = 1
vncunused = 1
disk = [ '$T/disc.iso,raw,hdc:cdrom,r' ]
pool = 'Pool-0'
serial = 'file:$T/desk.com1'
log_dir = '$T/logs/desk'
CFG
cat > "$T/vms/sound.cfg" <<CFG
name = 'sound'
memory = 32
kernel = '$S'
extra = 'short'
vga = 'stdvga'
vnc = 0
soundhw = 'sb16,pcspk'
on_poweroff = 'preserve'
serial = 'file:$T/sound.com1'
log_dir = '$T/logs/sound'
CFG

$TMX new-session -d -s p -x 120 -y 40 "env DISPLAY='$DISPLAY' LANG=C.UTF-8 TERM=xterm-256color \
XDG_STATE_HOME='$T/state' '$VMST' --config '$T/vmstation.conf' 2> '$T/stderr'; echo \$? > '$T/exit'; sleep 600"
wait_screen "desk +stopped +1 +32M" 10 || { fail "panel up"; cat "$T/stderr"; finish; }
pass "panel up"

# ---- a silent VM without a network card ---------------------------------------
keys s
check "desk runs" wait_screen "desk +running +1 +32M" 10
check "list: no NIC so Net/s is '-', silent so Snd is '-' (figures sampled)" \
	wait_screen "desk +running +1 +32M +0:00:[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+[BKMG] +- +- *│" 10 ||
	cap | sed 's/^/  | /'
check "details: CPU, exits, disk figures" \
	wait_details "figures CPU [0-9]+%, [0-9]+ exits/s, disk [0-9.]+[BKMG]/s," 10
check "details: net -, sound -" wait_screen "net -, sound - *│" 5
keys l
check "the log pane says pool= is not acted on" wait_pane "'pool' accepted but not acted on" 5
keys c
check "no '0B' network figure anywhere" sh -c "! $TMX capture-pane -p -t p | grep -qE 'net 0B'"

# ---- reset (F4/r): the guest starts over. The plain key: F4's escape
# sequence right after 'c' was once read apart on a fresh-clone run (80
# and 82 press F-keys alone)
keys r
if sh -c "i=0; while [ \$(grep -ac '^panel_guest: start' '$T/desk.com1') -lt 2 ]; do [ \$i -lt 100 ] || exit 1; sleep 0.1; i=\$((i+1)); done"; then
	pass "F4/r resets: the guest starts again"
else
	fail "F4/r resets: the guest starts again; the screen, the guest's serial, the VM's log:"
	cap | sed 's/^/  | /'
	tail -5 "$T/desk.com1" | sed 's/^/  com1| /'
	tail -20 "$T/logs/desk/"* 2>/dev/null | sed 's/^/  log| /'
fi
check "status: reset" wait_screen "desk reset" 5
check "still running after the reset" wait_screen "desk +running +1 +32M" 5

# ---- the VNC address: shown by 'v' and in the details, and a server answers there
keys v
check "'v' shows the VNC address" wait_screen "desk: VNC on 127\.0\.0\.1:59[0-9][0-9] \(display :[0-9]+\)" 5
port=$(cap | sed -n 's/.*desk: VNC on 127\.0\.0\.1:\(59[0-9][0-9]\).*/\1/p' | head -1)
check "with the viewer command" wait_screen "vncviewer 127\.0\.0\.1::$port" 2
check "an RFB server answers on port $port" sh -c "timeout 5 socat -u TCP:127.0.0.1:$port - 2>/dev/null | head -c 12 | grep -q '^RFB 003'"
keys Enter
check "details: the same VNC address" wait_screen "vnc +127\.0\.0\.1:$port" 5

# ---- eject (e): the drive is empty, for the guest too
check "the guest reads the disc" wait_for "$T/desk.com1" "^cd: data=DISCDATA" 20
check "details: the disc in hdc" wait_screen "hdc +disc.iso 4.0K ro" 5
keys e
check "'e': status says ejected" wait_screen "desk: hdc ejected" 5
check "details: hdc has no medium" wait_screen "hdc +\[no medium\]" 5
check "the guest finds the drive empty" wait_for "$T/desk.com1" "^cd: no medium" 20

# ---- the SDL window: full screen, normal, closed --------------------------------
check "no window before 'f'" [ -z "$(win_geom)" ]
keys f
check "'f': status says full screen" wait_screen "desk: window open \(full screen\)" 5
wait_geom "^${SCREEN}\+0\+0$" 10; r=$?
check "'f': the window covers the screen (${GEOM:-no window})" [ $r = 0 ]
check "details: window open, full screen" wait_screen "window +open, full screen" 5
keys f
check "'f' again: a normal window" wait_screen "desk: window open *$" 5
wait_geom "^([0-9]|1[01][0-9])[0-9]{0,2}x" 10; r=$?
check "'f' again: a window narrower than the screen (${GEOM:-no window})" [ $r = 0 ]
check "details: window open (normal)" wait_screen "window +open \(f: full screen\)" 5
keys w
check "'w': window closed" wait_screen "desk: window closed" 5
check "'w': the window is gone" sh -c "i=0; while [ \$i -lt 50 ]; do xdotool search --classname '^vmstation\$' >/dev/null 2>&1 || exit 0; sleep 0.1; i=\$((i+1)); done; exit 1"
check "details: window closed" wait_screen "window +closed \(w opens\)" 5
keys w
check "'w' opens a normal window (the file has no full_screen=1)" wait_screen "desk: window open *$" 5
keys w
wait_screen "desk: window closed" 5

# ---- the menu and the mouse: tabs and the wheel (xterm mouse reports) ----------
# mouse_ev BUTTON COLUMN ROW [m]: one SGR (1006) mouse report at 0-based
# COLUMN, ROW, as xterm sends them for TERM=xterm-256color (press, or release
# with m); 64/65 are the wheel
mouse_ev() {
	$TMX send-keys -t p -l "$(printf '\033[<%d;%d;%d%s' $1 $(($2 + 1)) $(($3 + 1)) ${4:-M})"
}
click_at() { mouse_ev 0 $1 $2; mouse_ev 0 $1 $2 m; sleep 0.4; }
# a column on the screen: characters before TEXT on the line (UTF-8 aware)
col_of() { printf '%s' "${2%%$1*}" | LC_ALL=C.UTF-8 wc -m; }
# desk spins on port I/O; pause it (so the sound guest below has a CPU of its
# own) once it has printed more than the pane shows, through the F9 menu with
# a click on its item
wait_for "$T/desk.com1" "^count=000000([4-9a-f][0-9a-f]|[0-9a-f]{3})" 30
keys F9
check "F9 opens the menu" wait_screen "│ Pause / resume +F3 p +│" 5
mline=$(cap | grep -n "Pause / resume" | head -1)
mrow=$((${mline%%:*} - 1))
click_at $(($(col_of "Pause / resume" "${mline#*:}") + 2)) $mrow
check "a click on the menu's Pause / resume pauses desk" wait_screen "desk +paused +1 +32M" 10
check "and closes the menu" sh -c "! $TMX capture-pane -p -t p | grep -q 'Pause / resume'"
# a command's key inside the menu runs it: F9 then l shows the Log pane
keys F9
wait_screen "│ Log pane +l +│" 5
keys l
check "F9 then 'l' (the command's key) shows the Log pane" wait_screen "│desk paused *│" 5
keys c
# desk is paused, but what its UART sent before may still be on its way to
# the log and the pane: count lines once the log has stood still for 1 s
# (a line arriving between the count and the wheel moved the view by one)
prev=-1; i=0
while [ $i -lt 20 ]; do
	size=$(wc -c < "$T/desk.com1")
	[ "$size" = "$prev" ] && break
	prev=$size; i=$((i + 1)); sleep 1
done
last=$(grep -a '^count=' "$T/desk.com1" | tail -1)
n_last=$(grep -ac '^count=' "$T/desk.com1")
check "serial pane shows the newest line ($last)" wait_screen "│$last *│" 5
prow=$(cap | grep -n "Serial ─ Screen ─ Monitor ─ Log" | head -1 | cut -d: -f1)
prow=$((prow - 1))
pline=$(cap | sed -n "$((prow + 1))p")
# columns of the tabs (the line is UTF-8: count characters, not bytes)
xlog=$(col_of " Log " "$pline")
xser=$(col_of " Serial " "$pline")
mouse_ev 64 $((xser + 20)) $((prow + 5)); sleep 0.1
mouse_ev 64 $((xser + 20)) $((prow + 5)); sleep 0.1
mouse_ev 64 $((xser + 20)) $((prow + 5))
# three wheel steps of 3 lines: the newest line shown is 9 lines older
want=$(grep -a '^count=' "$T/desk.com1" | sed -n "$((n_last - 9))p")
check "wheel up scrolls the serial pane back 9 lines (last shown: $want)" \
	sh -c "sleep 1; $TMX capture-pane -p -t p | grep -E '│count=' | tail -1 | grep -q '$want'"
check "and the newest line is out of view" sh -c "! $TMX capture-pane -p -t p | grep -q '$last'"
mouse_ev 65 $((xser + 20)) $((prow + 5)); sleep 0.1
mouse_ev 65 $((xser + 20)) $((prow + 5)); sleep 0.1
mouse_ev 65 $((xser + 20)) $((prow + 5))
check "wheel down scrolls forward to the newest line" wait_screen "│$last *│" 5
click_at $((xlog + 1)) $prow
check "a click on the Log tab shows the panel's log" wait_screen "desk: window closed *│" 5
click_at $((xser + 1)) $prow
check "a click on the Serial tab: back to COM1" wait_screen "│$last *│" 5

# the file browser by mouse: the wheel only moves, a click selects, a second
# click on the same name inserts it
keys i
check "'i' opens the file browser in iso_dir" wait_screen "B\.iso +4\.0K" 5
bline=$(cap | grep -n " B\.iso " | head -1)
brow=$((${bline%%:*} - 1))
bx=$(($(col_of "B.iso" "${bline#*:}") + 1))
mouse_ev 65 $bx $brow; sleep 0.2; mouse_ev 65 $bx $brow; sleep 0.2; mouse_ev 64 $bx $brow; sleep 0.3
check "the wheel over the list inserts nothing" sh -c "$TMX capture-pane -p -t p | grep -q ' B\.iso ' && ! $TMX capture-pane -p -t p | grep -q 'inserted in'"
click_at $bx $brow
check "one click selects B.iso, the browser stays open" sh -c "$TMX capture-pane -p -t p | grep -q ' B\.iso ' && ! $TMX capture-pane -p -t p | grep -q 'inserted in'"
click_at $bx $brow
check "a second click inserts it" wait_screen "B\.iso inserted in hdc" 5
check "details: B.iso in hdc" wait_screen "hdc +B\.iso 4\.0K ro" 5

# ---- sound: on while the guest plays, '-' once it stopped ------------------------
keys Down s
check "sound runs" wait_screen "sound +running +1 +32M" 10
check "list: Snd 'on' while the guest plays" \
	wait_screen "sound +running +1 +32M +0:00:[0-9]+ +[0-9]+ +[0-9]+ +0B +- +on *│" 60
check "details: sound playing" wait_screen "sound playing" 5
screen=$(cap)
check "at the same time the silent VM shows '-'" sh -c "echo \"\$1\" | grep -qE 'desk +paused +1 +32M .* +- +- *│'" sh "$screen"
check "the guest played to the end" wait_for "$T/sound.com1" "^done" 90
check "after the guest powered off: kept paused (on_poweroff=preserve)" wait_screen "sound +paused +1 +32M" 10
check "list: Snd '-' once it stopped playing" wait_screen "sound +paused +1 +32M +0:00:[0-9]+ +[0-9]+ +[0-9]+ +0B +- +- *│" 5
check "details: the event says why it is paused" wait_screen "guest powered off, kept paused" 5
check "details: sound -" wait_screen "sound -" 5
check "the sound went to vmstation.conf's audio back end (a wav file)" [ "$(stat -c %s "$T/sound.wav" 2>/dev/null || echo 0)" -gt 100000 ]

# a window for each VM at once, titled with its name and state
keys w Up w
check "two SDL windows at once, one per VM" sh -c "i=0; while [ \$i -lt 50 ]; do
	t=\$(xdotool search --classname '^vmstation\$' getwindowname %@ 2>/dev/null | sort | tr '\n' ,)
	[ \"\$t\" = 'desk [paused],sound [paused],' ] && exit 0; sleep 0.1; i=\$((i+1)); done; exit 1"

keys q
check "quit asks about the 2 VMs" wait_screen "2 VM\(s\) running" 5
keys Enter
check "the panel exits 0" wait_for "$T/exit" "^0$" 30
check "its windows are gone" sh -c "! xdotool search --classname '^vmstation\$' >/dev/null 2>&1"

# ---- the terminal goes away (an ssh connection drops): the panel powers its
# VMs off and exits instead of spinning on a dead terminal
$TMX kill-session -t p
rm -f "$T/desk.com1" "$T/hup.pid"
$TMX new-session -d -s p -x 100 -y 30 "echo \$\$ > '$T/hup.pid'; exec env LANG=C.UTF-8 TERM=xterm-256color \
XDG_STATE_HOME='$T/state' '$VMST' --config '$T/vmstation.conf' 2> '$T/stderr'"
wait_screen "desk +stopped" 10
pid=$(cat "$T/hup.pid")
# ACPI power-off (o) from the panel: the guest answers the button
keys s
wait_screen "desk +running +1 +32M" 10
wait_for "$T/desk.com1" "^count=" 10
keys o
check "'o': the guest sees the ACPI power button" wait_for "$T/desk.com1" "^acpi: power button" 10
check "'o': desk stopped, the event says the guest powered off" wait_screen "event +guest powered off" 10
check "'o': listed as stopped" wait_screen "desk +stopped +1 +32M" 5
rm -f "$T/desk.com1"
# a double click on its row in the list starts it
drow=$(($(cap | grep -n "│desk " | head -1 | cut -d: -f1) - 1))
# (both clicks in one write: four tmux calls could come more than the
# panel's 200 ms double-click interval apart on a slow host)
_e=$(printf '\033[<0;6;%dM\033[<0;6;%dm' $((drow + 1)) $((drow + 1)))
$TMX send-keys -t p -l "$_e$_e"
check "a double click on desk's row starts it again (row $drow)" wait_screen "desk +running +1 +32M" 10
wait_for "$T/desk.com1" "^count=" 10
$TMX kill-session -t p
check "hang-up: the guest got the ACPI power button" wait_for "$T/desk.com1" "^acpi: power button" 20
check "hang-up: the panel process exits" sh -c "i=0; while kill -0 $pid 2>/dev/null; do [ \$i -lt 200 ] || exit 1; sleep 0.1; i=\$((i+1)); done"
check "hang-up: desk's log says it powered off" sh -c "tail -3 '$T/logs/desk/vmstation.log' | grep -q 'guest powered off'" ||
	{ tail -n 5 "$T/logs/desk/vmstation.log"; tail -n 3 "$T/desk.com1"; tail -n 5 "$T/stderr"; } 2>&1 | sed 's/^/  | /'
finish
