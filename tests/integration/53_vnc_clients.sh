#!/bin/sh
# Real VNC clients against the VM's server, under Xvfb:
# - tigervnc's vncviewer with no password, with the right password (a file
#   from `vncpasswd -f`) and with a wrong one (refused); libvncclient too;
#   the window's pixels are the guest's mode 13h picture;
# - a warning when vnclisten is beyond loopback and there is no password;
# - ctrl-alt-2 over VNC opens the monitor only with monitor=1 (a command
#   typed there pauses the VM; with monitor=0 nothing happens);
# - the QEMU extended key event from a raw socket client: announced after
#   SetEncodings, and its XT keycodes reach a guest reading the i8042 as is;
# - vncconsole=1 opens `vmstation view` on the VM by itself.
. "$(dirname "$0")/../lib.sh"
if [ -z "$VMST_IN_XVFB" ]; then
	VMST_IN_XVFB=1 exec xvfb-run -a -s '-noreset -screen 0 1280x1024x24' sh "$0" "$@"
fi
MC="$TOP/tests/tools/monitor-client"
G=$(guest vga_modes) || { fail "assemble vga_modes.asm"; finish; }
GK=$(guest kbd_xlate) || { fail "assemble kbd_xlate.asm"; finish; }

# pattern PPM: the mode 13h picture vga_modes.asm draws, pixel-exact
pattern() { vga_pattern_is m13h "$1" > "$T/pattern.out" 2>&1 || { cat "$T/pattern.out"; return 1; }; }

# start NAME GUEST EXTRA-CFG: VM with VNC (free display from 53 on); sets VM_PID, PORT
start() {
	cat > "$T/$1.cfg" <<CFG
name = "$1"
memory = 32
kernel = '$2'
serial = 'file:$T/$1.com1'
log_dir = '$T/logs-$1'
monitor_path = '$T/$1.sock'
vnc = 1
vncunused = 1
vncdisplay = 53
$3
CFG
	vm_bg "$1" run "$T/$1.cfg"
	wait_for "$T/$1.out" "VNC on" 20
	PORT=$(sed -n 's/.*VNC on [0-9.]*:\([0-9]*\).*/\1/p' "$T/$1.out" | head -1)
}
stop() {
	"$MC" "$T/$1.sock" quit > /dev/null 2>&1
	wait_pid $VM_PID 20
}
# window_shot TITLE-REGEX OUT.ppm: the first matching window's 320x200 pixels
window_shot() {
	win=""
	# polled up to a minute: a window takes seconds on a slow (emulated) host
	for i in $(seq 300); do
		win=$(xdotool search --name "$1" 2>/dev/null | head -1)
		[ -n "$win" ] && break
		sleep 0.2
	done
	[ -n "$win" ] || return 1
	# tigervnc fades in a "Press F8" hint for a few seconds: poll until the
	# picture settles, for 90 s at most (a round takes seconds on a slow host)
	end=$(( $(date +%s) + 90 ))
	while [ "$(date +%s)" -lt $end ]; do
		sleep 0.5
		import -window "$win" "$T/shot.png" 2>/dev/null &&
			convert "$T/shot.png" -crop 320x200+0+0 +repage "$2" 2>/dev/null &&
			vga_pattern_is m13h "$2" > /dev/null 2>&1 && return 0
	done
	return 1   # the last picture stays in OUT.ppm for the check that follows
}
VV="vncviewer -Log *:stderr:30 -PreferredEncoding=raw -AutoSelect=0 -NoJPEG -Shared"

# ---- no password: vncviewer, libvncclient; monitor=1 console ----------------
start open "$G" "extra = 'm13h'
monitor = 1"
check "open: the guest drew mode 13h" wait_for "$T/open.com1" "DRAWN m13h" 120
check "open: no password warning on loopback" sh -c "! grep -q 'no password' '$T/open.out'"
$VV "127.0.0.1::$PORT" > "$T/vv-open.log" 2>&1 &
VV_PID=$!
window_shot "^open - TigerVNC" "$T/vv-open.ppm"
check "vncviewer without a password: its window shows the guest's picture, pixel-exact" pattern "$T/vv-open.ppm"
check "vncviewer log: connected with RFB 3.8, no authentication" \
	sh -c "grep -q 'Using RFB protocol version 3.8' '$T/vv-open.log' && ! grep -qi 'authentication fail' '$T/vv-open.log'"
kill $VV_PID 2>/dev/null; wait $VV_PID 2>/dev/null

"$VMST" view --screenshot "$T/lv-open.ppm" "::$PORT" > /dev/null 2>&1
check "libvncclient without a password: same picture" pattern "$T/lv-open.ppm"

# ctrl-alt-2 opens the monitor: a command typed there works (stop pauses the VM)
"$VMST" view --keys 'ctrl-alt-2' --type 'stop
' --wait 1500 --screenshot "$T/mon.ppm" "::$PORT" > /dev/null 2>&1
"$MC" "$T/open.sock" 'info status' > "$T/status1.txt" 2>&1
check "monitor=1: 'stop' typed in the VNC monitor console pauses the VM" grep -q 'VM status: paused' "$T/status1.txt"
check "monitor=1: the VNC framebuffer is the monitor console, not the guest's 320x200" \
	sh -c "head -c 20 '$T/mon.ppm' | grep -q '^[0-9]* [0-9]*' && ! head -c 20 '$T/mon.ppm' | grep -q '320 200'"
check "monitor=1: the console shows text (not a blank screen)" \
	sh -c "python3 -c \"import sys; d=open('$T/mon.ppm','rb').read().split(maxsplit=4)[4]; sys.exit(0 if len(set(d)) > 1 else 1)\""
"$VMST" view --type 'cont
' --wait 1000 --screenshot "$T/mon2.ppm" "::$PORT" > /dev/null 2>&1
"$MC" "$T/open.sock" 'info status' > "$T/status2.txt" 2>&1
check "monitor=1: 'cont' typed there resumes it" grep -q 'VM status: running' "$T/status2.txt"
"$VMST" view --keys 'ctrl-alt-1' --wait 500 --screenshot "$T/back0.ppm" "::$PORT" > /dev/null 2>&1
"$VMST" view --screenshot "$T/back.ppm" --wait-size 320x200 "::$PORT" > /dev/null 2>&1
check "ctrl-alt-1 brings the guest's screen back" pattern "$T/back.ppm"
stop open

# ---- monitor=0: ctrl-alt-2 does nothing ---------------------------------------
start nomon "$G" "extra = 'm13h'
monitor = 0"
wait_for "$T/nomon.com1" "DRAWN m13h" 120
"$VMST" view --keys 'ctrl-alt-2' --type 'stop
' --wait 1500 --screenshot "$T/nomon.ppm" "::$PORT" > /dev/null 2>&1
"$MC" "$T/nomon.sock" 'info status' > "$T/status3.txt" 2>&1
check "monitor=0: typing 'stop' after ctrl-alt-2 does not reach a monitor (still running)" \
	grep -q 'VM status: running' "$T/status3.txt"
check "monitor=0: the VNC framebuffer stays the guest's picture" pattern "$T/nomon.ppm"
stop nomon

# ---- password ---------------------------------------------------------------
start pw "$G" "extra = 'm13h'
vncpasswd = 'secret12'
vnclisten = '0.0.0.0'"
wait_for "$T/pw.com1" "DRAWN m13h" 120
check "vncpasswd set: no warning although listening on 0.0.0.0" sh -c "! grep -q 'no password' '$T/pw.out'"
echo secret12 | vncpasswd -f > "$T/good.pw"
echo wrong999 | vncpasswd -f > "$T/bad.pw"
$VV -passwd "$T/good.pw" "127.0.0.1::$PORT" > "$T/vv-good.log" 2>&1 &
VV_PID=$!
window_shot "^pw - TigerVNC" "$T/vv-good.ppm"
check "vncviewer with the right password (vncpasswd -f file): the guest's picture" pattern "$T/vv-good.ppm"
check "vncviewer log: VNC authentication passed" sh -c "! grep -qi 'authentication fail' '$T/vv-good.log'"
kill $VV_PID 2>/dev/null; wait $VV_PID 2>/dev/null
$VV -passwd "$T/bad.pw" "127.0.0.1::$PORT" > "$T/vv-bad.log" 2>&1 &
VV_PID=$!
wait_for "$T/vv-bad.log" "Authentication failure" 40
check "vncviewer with a wrong password is refused" grep -q 'Authentication failure' "$T/vv-bad.log"
check "and shows no guest picture" sh -c "! xdotool search --name '^pw - TigerVNC' >/dev/null 2>&1"
kill $VV_PID 2>/dev/null; wait $VV_PID 2>/dev/null
timeout 60 "$VMST" view --password secret12 --screenshot "$T/lv-good.ppm" "::$PORT" > /dev/null 2>&1
check "libvncclient with the right password: the picture" pattern "$T/lv-good.ppm"
timeout 60 "$VMST" view --password wrong999 --screenshot "$T/lv-bad.ppm" "::$PORT" > "$T/lv-bad.out" 2>&1
rc=$?
check "libvncclient with a wrong password: refused (exit $rc)" sh -c "[ $rc != 0 ] && [ ! -s '$T/lv-bad.ppm' ]"
VNC_PASSWORD= timeout 60 "$VMST" view --screenshot "$T/lv-none.ppm" "::$PORT" > /dev/null 2>&1
check "libvncclient with no password: refused" [ ! -s "$T/lv-none.ppm" ]
stop pw

start wide "$G" "extra = 'm13h'
vnclisten = '0.0.0.0'"
check "vnclisten='0.0.0.0' without a password: a warning" grep -q 'has no password' "$T/wide.out"
stop wide

# ---- QEMU extended key event from a raw socket client ----------------------------
start keys "$GK" ""
check "kbd_xlate guest ready" wait_for "$T/keys.com1" '^READY' 60
cat > "$T/extkey.py" <<'PY'
import socket, struct, sys
def client(port, ext):
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    def rd(n):
        b = b''
        while len(b) < n:
            c = s.recv(n - len(b))
            if not c: raise EOFError
            b += c
        return b
    rd(12); s.sendall(b'RFB 003.008\n')
    n = rd(1)[0]; types = rd(n)
    assert 1 in types, types
    s.sendall(b'\x01'); assert rd(4) == b'\0\0\0\0'
    s.sendall(b'\x01')
    rd(20); rd(struct.unpack('>I', rd(4))[0])
    encs = [0, -258] if ext else [0]
    s.sendall(struct.pack('>BxH', 2, len(encs)) + b''.join(struct.pack('>i', e) for e in encs))
    return s, rd
port = int(sys.argv[1])
s, rd = client(port, True)
t, _, n = struct.unpack('>BBH', rd(4))
x, y, w, h, enc = struct.unpack('>HHHHi', rd(12))
print('announce', t, n, enc, w, h)
def ext(code, sym, down):
    s.sendall(struct.pack('>BBHII', 255, 0, down, sym, code))
# keysym 'z' with the keycode of A: the keycode wins; E0 48 (Up) as qnum 0xC8;
# the 105th key (0x56) whose keysym differs by layout
for code, sym in ((0x1e, ord('z')), (0xc8, 0xff52), (0x56, ord('<'))):
    ext(code, sym, 1); ext(code, sym, 0)
# a client without the extension: plain KeyEvent, through the en-us layout
u, _ = client(port, False)
u.sendall(struct.pack('>BBxxI', 4, 1, ord('z')) + struct.pack('>BBxxI', 4, 0, ord('z')))
import time; time.sleep(1)
s.close(); u.close()
PY
python3 "$T/extkey.py" "$PORT" > "$T/extkey.out" 2>&1
check "the server announces the extended key event (FramebufferUpdate, 1 rect, encoding -258)" \
	grep -q '^announce 0 1 -258 0 0' "$T/extkey.out"
want="1e 9e e0 48 e0 c8 56 d6 2c ac "
# the guest prints each code as it comes: wait for all ten (a minute at most)
i=0
while :; do
	got=$(sed -n '/^READY/,$p' "$T/keys.com1" | sed 1d | tr '\n' ' ')
	[ "$(echo "$got" | wc -w)" -lt 10 ] && [ $i -lt 600 ] || break
	sleep 0.1; i=$((i + 1))
done
check "extended key events arrive as their keycodes (A, Up, <>), then a keysym z ($got)" [ "$got" = "$want" ]
stop keys

# ---- vncconsole=1 ------------------------------------------------------------------
start cons "$G" "extra = 'm13h'
vncconsole = 1"
wait_for "$T/cons.com1" "DRAWN m13h" 120
window_shot "::$PORT - vmstation view" "$T/cons.ppm"
check "vncconsole=1: a 'vmstation view' window on the VM's server shows its picture" pattern "$T/cons.ppm"
stop cons
check "vncconsole=1: the viewer ends with the VM" \
	sh -c "for i in \$(seq 150); do xdotool search --name '::$PORT - vmstation view' >/dev/null 2>&1 || exit 0; sleep 0.2; done; exit 1"
finish
