#!/bin/sh
# VGA and VBE modes drawn by a small guest program (tests/guests/vga_modes.asm:
# mode 13h, mode X, 640x480x16 planar, VBE 1024x768x32) and SeaBIOS's text
# screen: the VMM's own screendump, a libvncclient client's framebuffer
# (vmstation view --screenshot) and the SDL window's pixels (Xvfb screenshot)
# must all be identical and equal, pixel for pixel, to the pattern the
# program drew (computed independently by tests/tools/vga_pattern.py).
. "$(dirname "$0")/../lib.sh"
if [ -z "$VMST_IN_XVFB" ]; then
	VMST_IN_XVFB=1 exec xvfb-run -a -s '-noreset -screen 0 1920x1200x24' sh "$0" "$@"
fi
MC="$TOP/tests/tools/monitor-client"
G=$(guest vga_modes) || { fail "assemble vga_modes.asm"; finish; }

# same A B: identical P6 images (after normalising headers)
cat > "$T/same.py" <<'PY'
import sys
def load(p):
    d = open(p, 'rb').read()
    parts = d.split(maxsplit=4)
    assert parts[0] == b'P6', p
    w, h = int(parts[1]), int(parts[2])
    return w, h, parts[4][:w * h * 3]
a, b = load(sys.argv[1]), load(sys.argv[2])
if a[:2] != b[:2]:
    print('size %dx%d vs %dx%d' % (a[0], a[1], b[0], b[1])); sys.exit(1)
if a[2] != b[2]:
    diff = [i // 3 for i in range(0, len(a[2]), 3) if a[2][i:i+3] != b[2][i:i+3]]
    cells = {(p % a[0] // 9, p // a[0] // 16) for p in diff}
    lines = {p // a[0] % 16 for p in diff}
    # text mode: the blinking cursor (the bottom lines of one 9x16 cell,
    # SeaBIOS's shape is 13-14) may be in another blink phase
    if len(sys.argv) > 3 and sys.argv[3] == 'cursor' and len(cells) == 1 and lines <= set(range(12, 16)):
        sys.exit(0)
    print('%d pixels differ, first at (%d,%d)' % (len(diff), diff[0] % a[0], diff[0] // a[0]))
    sys.exit(1)
PY
# gone PID SECONDS: the process has ended (exited or a zombie not yet
# reaped); killed if not
gone() { poll_until "$2" pid_ended "$1" || { kill -9 "$1" 2>/dev/null; return 1; }; }
# (cmp first: the same bytes need no python, which is slow in the emulated host)
same() { cmp -s "$1" "$2" || python3 "$T/same.py" "$1" "$2" $3 > "$T/same.out" 2>&1 || { cat "$T/same.out"; return 1; }; }

# run_vm NAME EXTRA-CFG: starts the VM with SDL and VNC; sets VM_PID, PORT
run_vm() {
	cat > "$T/$1.cfg" <<CFG
name = "$1"
memory = 32
serial = 'file:$T/$1.com1'
log_dir = '$T/logs-$1'
monitor_path = '$T/$1.sock'
sdl = 1
vnc = 1
vncunused = 1
vncdisplay = 51
$2
CFG
	vm_bg "$1" run "$T/$1.cfg"
	wait_for "$T/$1.out" "VNC on" 60
	PORT=$(sed -n 's/.*VNC on [0-9.]*:\([0-9]*\).*/\1/p' "$T/$1.out" | head -1)
}

# grab NAME W H: screendump and VNC screenshots as $T/NAME.{dump,vnc}.ppm
grab() {
	"$MC" "$T/$1.sock" "screendump $T/$1.dump.ppm" > /dev/null
	"$VMST" view --screenshot "$T/$1.vnc.ppm" --wait-size "$2x$3" "::$PORT" > /dev/null 2>&1
}
# grab_sdl NAME W H: the SDL window's pixels as $T/NAME.sdl.ppm (the window
# shows the surface at 1:1 when it is the surface's size)
grab_sdl() {
	win=$(xdotool search --name "^$1 \\[" 2>/dev/null | head -1)
	rm -f "$T/$1.sdl.ppm"
	[ -n "$win" ] && import -window "$win" "$T/$1.sdl.png" 2>/dev/null &&
		convert "$T/$1.sdl.png" -crop "$2x$3+0+0" +repage "$T/$1.sdl.ppm" 2>/dev/null
}
# sdl_same NAME W H EXPECTED [cursor]: until the window shows it (a loaded machine
# may take a while to map, size and paint the first VM's window), 15 s
sdl_same() {
	poll_until 15 sdl_shows "$@" && return 0
	same "$T/$1.sdl.ppm" "$4" $5
}
sdl_shows() { grab_sdl "$1" "$2" "$3"; same "$T/$1.sdl.ppm" "$4" $5 > /dev/null; }

for m in m13h modx m12h vbe4; do
	case $m in
	m13h) W=320; H=200 ;; modx) W=320; H=240 ;; m12h) W=640; H=480 ;; vbe4) W=1024; H=768 ;;
	esac
	run_vm "vga-$m" "kernel = '$G'
extra = '$m'"
	if ! wait_for "$T/vga-$m.com1" "DRAWN $m" 120; then
		fail "$m: the guest drew its pattern"
		kill $VM_PID 2>/dev/null; wait $VM_PID 2>/dev/null
		continue
	fi
	sleep 0.5
	cp "$(vga_expected $m)" "$T/$m.expected.ppm"
	grab "vga-$m" $W $H
	check "$m: screendump is ${W}x$H and equals the drawn pattern" same "$T/vga-$m.dump.ppm" "$T/$m.expected.ppm"
	check "$m: the VNC client's framebuffer equals it" same "$T/vga-$m.vnc.ppm" "$T/$m.expected.ppm"
	check "$m: the SDL window's pixels equal it" sdl_same "vga-$m" $W $H "$T/$m.expected.ppm"
	"$MC" "$T/vga-$m.sock" quit > /dev/null 2>&1
	check "$m: quit ends the VM process" gone $VM_PID 60
	wait $VM_PID 2>/dev/null
done

# SeaBIOS's own text screen (the VGA BIOS from the PCI ROM BAR sets mode 3)
run_vm "vga-bios" ""
check "SeaBIOS text screen: screendump -f txt shows its banner" \
	sh -c "for i in \$(seq 60); do \"$MC\" \"$T/vga-bios.sock\" 'screendump $T/bios.txt -f txt' >/dev/null; grep -q 'No bootable device' '$T/bios.txt' 2>/dev/null && exit 0; sleep 0.5; done; exit 1"
check "text screen names SeaBIOS's version" grep -q '^SeaBIOS (version ' "$T/bios.txt"
# SeaBIOS retries the boot after 60 s of guest time and redraws: hold the
# screen still while the three pictures are taken (a slow host needs long)
"$MC" "$T/vga-bios.sock" stop > /dev/null 2>&1
grab "vga-bios" 720 400
check "text mode: screendump is 720x400 (80x25, 9x16 cells)" sh -c "head -c 15 '$T/vga-bios.dump.ppm' | grep -q '720 400'"
check "text mode: VNC framebuffer equals the screendump (but for the blinking cursor)" \
	same "$T/vga-bios.vnc.ppm" "$T/vga-bios.dump.ppm" cursor
check "text mode: SDL window equals the screendump (but for the blinking cursor)" \
	sdl_same vga-bios 720 400 "$T/vga-bios.dump.ppm" cursor
# sdl_title WANT: the window's title once it is WANT (10 s at most), or as it is
sdl_title() { poll_until 10 title_is "$1"; echo "$title"; }
title_is() {
	title=$(xdotool search --name "^vga-bios \\[" getwindowname %@ 2>/dev/null | head -1)
	[ "$title" = "$1" ]
}
title=$(sdl_title "vga-bios [paused]")
check "SDL window title names the VM and its state ($title)" [ "$title" = "vga-bios [paused]" ]
"$MC" "$T/vga-bios.sock" cont > /dev/null 2>&1
title=$(sdl_title "vga-bios [running]")
check "and follows it: cont makes it '$title'" [ "$title" = "vga-bios [running]" ]
"$MC" "$T/vga-bios.sock" quit > /dev/null 2>&1
gone $VM_PID 60
wait $VM_PID 2>/dev/null
finish
