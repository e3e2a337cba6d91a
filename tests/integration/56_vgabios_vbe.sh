#!/bin/sh
# SeaVGABIOS's VBE path: SeaBIOS boots a hard-disk boot sector
# (tests/guests/vbe_int10.asm, real mode) that finds a 1024x768x32 mode with
# INT 10h AX=4F00/4F01, sets it with AX=4F02 and draws through the bank
# window (AX=4F05). The VMM's screendump, a libvncclient client's framebuffer
# and the SDL window (Xvfb screenshot) must all show the pattern, pixel-exact.
. "$(dirname "$0")/../lib.sh"
if [ -z "$VMST_IN_XVFB" ]; then
	VMST_IN_XVFB=1 exec xvfb-run -a -s '-noreset -screen 0 1920x1200x24' sh "$0" "$@"
fi
MC="$TOP/tests/tools/monitor-client"
IMG="$T/vbe_int10.img"
nasm -f bin -o "$IMG" "$TOP/tests/guests/vbe_int10.asm" || { fail "assemble vbe_int10.asm"; finish; }

cat > "$T/pattern.py" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read().split(maxsplit=4)
w, h, px = int(d[1]), int(d[2]), d[4]
if (w, h) != (1024, 768):
    print('size %dx%d' % (w, h)); sys.exit(1)
rows = []
for y in range(h):
    left, right = bytes((y & 255, 0, 0x40)) * 512, bytes((0, y & 255, 0xC0)) * 512
    rows.append(left + right)
want = b''.join(rows)
if px[:len(want)] != want:
    bad = next(i for i in range(0, len(want), 3) if px[i:i+3] != want[i:i+3]) // 3
    print('differs first at (%d,%d)' % (bad % w, bad // w)); sys.exit(1)
PY
pattern() { python3 "$T/pattern.py" "$1" > "$T/pattern.out" 2>&1 || { cat "$T/pattern.out"; return 1; }; }

cat > "$T/v.cfg" <<CFG
name = "vbeint10"
memory = 64
disk = [ '$IMG,raw,hda,w' ]
boot = 'c'
serial = 'file:$T/com1'
log_dir = '$T/logs'
monitor_path = '$T/mon.sock'
sdl = 1
vnc = 1
vncunused = 1
vncdisplay = 56
CFG
vm_bg v run "$T/v.cfg"
wait_for "$T/v.out" "VNC on" 20
PORT=$(sed -n 's/.*VNC on [0-9.]*:\([0-9]*\).*/\1/p' "$T/v.out" | head -1)
check "the boot sector ran and drew through INT 10h" wait_for "$T/com1" "DRAWN|FAIL" 120
check "INT 10h 4F00/4F01/4F02 found and set a 1024x768x32 mode ($(head -1 "$T/com1"))" \
	sh -c "grep -q '^MODE 0[0-9a-f]*' '$T/com1' && grep -q '^DRAWN' '$T/com1'"
sleep 0.5
"$MC" "$T/mon.sock" "screendump $T/dump.ppm" > /dev/null 2>&1
check "screendump shows the pattern, 1024x768" pattern "$T/dump.ppm"
"$VMST" view --screenshot "$T/vnc.ppm" --wait-size 1024x768 "::$PORT" > /dev/null 2>&1
check "the VNC client's framebuffer shows it" pattern "$T/vnc.ppm"
win=$(xdotool search --name '^vbeint10 \[' 2>/dev/null | head -1)
[ -n "$win" ] && import -window "$win" "$T/sdl.png" 2>/dev/null &&
	convert "$T/sdl.png" -crop 1024x768+0+0 +repage "$T/sdl.ppm" 2>/dev/null
check "the SDL window's pixels show it" pattern "$T/sdl.ppm"
"$MC" "$T/mon.sock" quit > /dev/null 2>&1
wait_pid $VM_PID 20
check "quit ends the VM (exit $RC)" [ "$RC" = 0 ]
finish
