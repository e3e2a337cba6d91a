#!/bin/sh
# VNC keys through keyboard layouts: a libvncclient client sends every keysym
# of ui/keymaps/en-us and ui/keymaps/de to a guest that prints what the i8042
# delivers (tests/guests/kbd_xlate.asm, set 1 translated). Each keysym must
# arrive as its key's make/break, with shift/AltGr pressed around the make
# exactly when the layout needs them (and the client holds none).
# Then the Caps Lock round trip: the guest answers Caps Lock by switching
# its LED (ED 04 / ED 00); the LED state reaches the VNC front end, which
# from then on sends a lower-case letter with shift and an upper-case one
# without (the guest's caps lock inverts them), and back after the LED goes
# off.
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
G=$(guest kbd_xlate) || { fail "assemble kbd_xlate.asm"; finish; }
# the VNC client of 61_input_uhci_tablet.sh
sed -n "/^cat > \"\$T\/vncinput.c\" <<'C'$/,/^C$/p" "$TOP/tests/integration/61_input_uhci_tablet.sh" | sed '1d;$d' > "$T/vncinput.c"
VI="$T/vncinput"
cc -O1 -o "$VI" "$T/vncinput.c" $(pkg-config --cflags --libs libvncclient) || { fail "build the VNC client"; finish; }

# keysyms whose key is fixed whatever the layout (modifiers, locks, Pause,
# Print, SysRq) are covered by the unit test; Caps Lock would toggle the
# guest's LED and invert letters.
FIXED="0xffe1 0xffe2 0xffe3 0xffe4 0xffe5 0xffe7 0xffe8 0xffe9 0xffea 0xffeb 0xffec
0xfe03 0xff7e 0xff7f 0xff14 0xff67 0xff13 0xff6b 0xff61 0xff15"

# expected LAYOUT: the bytes each keysym must produce, from the layout file
expected() {
	awk -v fixed="$FIXED" '
	function hex(s,   i, v) {
		v = 0; s = tolower(substr(s, 3))
		for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	BEGIN { n = split(fixed, f); for (i = 1; i <= n; i++) skip[f[i]] = 1 }
	/^0x/ {
		if ($1 in skip) next
		key = hex($2); mods = ""
		for (i = 3; i <= NF && $i != "#"; i++) mods = mods " " $i
		if (key >= 57344) {                   # extended: straight through
			printf "e0 %02x e0 %02x ", key % 256, key % 256 + 128
			next
		}
		plain = (key >= 71 && key <= 83) || key == 55   # keypad
		pre = ""; post = ""
		if (!plain && mods ~ /shift/) { pre = pre "2a "; post = "aa " post }
		if (!plain && mods ~ /altgr/) { pre = pre "e0 38 "; post = "e0 b8 " post }
		printf "%s%02x %s%02x ", pre, key, post, key + 128
	}' "$TOP/ui/keymaps/$1"
}
keysyms() {
	awk -v fixed="$FIXED" 'BEGIN { n = split(fixed, f); for (i = 1; i <= n; i++) skip[f[i]] = 1 }
		/^0x/ && !($1 in skip) { printf "key %s 1 key %s 0 ", $1, $1 }' "$TOP/ui/keymaps/$1"
}

D=$((40 + $$ % 50))
for layout in en-us de; do
	D=$((D + 1))
	cat > "$T/$layout.cfg" <<CFG
name = "kbd-$layout"
memory = 32
kernel = '$G'
serial = 'file:$T/$layout.log'
vga = 'stdvga'
vnc = 1
vnclisten = '127.0.0.1'
vncdisplay = $D
keymap = '$layout'
log_dir = '$T/logs'
CFG
	vm_bg "$layout" run "$T/$layout.cfg" --monitor "unix:$T/$layout.sock"
	check "$layout: guest ready" wait_for "$T/$layout.log" '^READY' 60
	want=$(expected "$layout")
	nsym=$(keysyms "$layout" | wc -w)
	# shellcheck disable=SC2046
	check "$layout: VNC client sent $((nsym / 6)) keysyms" "$VI" 127.0.0.1 $((5900 + D)) $(keysyms "$layout") ms 500
	nwant=$(echo "$want" | wc -w)
	i=0
	while [ $i -lt 200 ] && [ "$(sed -n '/^READY/,$p' "$T/$layout.log" | sed 1d | wc -l)" -lt "$nwant" ]; do
		sleep 0.1; i=$((i + 1))
	done
	got=$(sed -n '/^READY/,$p' "$T/$layout.log" | sed 1d | tr '\n' ' ')
	check "$layout: every keysym arrives as its key with the layout's shift/AltGr ($nwant bytes)" [ "$got" = "$want" ]
	[ "$got" = "$want" ] || { echo "want: $want" | head -c 600; echo; echo "got:  $got" | head -c 600; echo; }
	"$MC" "$T/$layout.sock" quit >/dev/null 2>&1
	( sleep 20; kill -9 $VM_PID 2>/dev/null ) &
	killer=$!
	wait $VM_PID
	rc=$?
	kill $killer 2>/dev/null
	check "$layout: quit ends vmstation (exit $rc)" [ "$rc" = 0 ]
done

# ---- Caps Lock LED round trip to the VNC front end ---------------------------
D=$((D + 1))
sed -e 's/^name = .*/name = "caps"/' -e "s|^serial = .*|serial = 'file:$T/caps.log'|" \
	-e "s/^vncdisplay = .*/vncdisplay = $D/" -e "s/^keymap = .*/keymap = 'en-us'/" "$T/en-us.cfg" > "$T/caps.cfg"
vm_bg caps run "$T/caps.cfg" --monitor "unix:$T/caps.sock"
check "caps: guest ready" wait_for "$T/caps.log" '^READY' 60
V="$VI 127.0.0.1 $((5900 + D))"
$V key 0xffe5 1 ms 50 key 0xffe5 0
check "caps: Caps Lock from VNC, the guest sets the caps LED" wait_for "$T/caps.log" '^led=04' 20
$V key 0x61 1 ms 50 key 0x61 0 ms 50 key 0x41 1 ms 50 key 0x41 0 ms 50 key 0xffe5 1 ms 50 key 0xffe5 0
check "caps: Caps Lock again, the guest clears it" wait_for "$T/caps.log" '^led=00' 20
$V key 0x61 1 ms 50 key 0x61 0 ms 50 key 0x41 1 ms 50 key 0x41 0 ms 200
want="3a led=04 ba 2a 1e aa 9e 1e 9e 3a led=00 ba 1e 9e 2a 1e aa 9e "
i=0
while [ $i -lt 100 ] && [ "$(sed -n '/^READY/,$p' "$T/caps.log" | sed 1d | wc -l)" -lt "$(echo "$want" | wc -w)" ]; do
	sleep 0.1; i=$((i + 1))
done
got=$(sed -n '/^READY/,$p' "$T/caps.log" | sed 1d | tr '\n' ' ')
check "caps: 'a' and 'A' follow the guest's caps LED (shift inverted while it is on)" [ "$got" = "$want" ]
[ "$got" = "$want" ] || { echo "want: $want"; echo "got:  $got"; }
"$MC" "$T/caps.sock" quit >/dev/null 2>&1
wait_pid "$VM_PID" 20
check "caps: quit ends vmstation (exit $RC)" [ "$RC" = 0 ]
finish
