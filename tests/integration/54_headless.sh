#!/bin/sh
# Without a window: `sdl=0 vnc=0` keeps the graphics card (screendump shows
# what the guest drew) and opens no VNC port; `nographic=1` overrides sdl=1
# and vnc=1 (no window, no server) and puts COM1 on the terminal: the guest's
# serial output comes out on vmstation's stdout and ctrl-a x typed on its
# stdin quits, as with QEMU's -nographic.
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
G=$(guest vga_modes) || { fail "assemble vga_modes.asm"; finish; }
unset DISPLAY

listening() { ss -ltnp 2>/dev/null | grep "pid=$1," | grep -q ':59[0-9][0-9] '; }

# ---- headless ------------------------------------------------------------------
cat > "$T/hl.cfg" <<CFG
name = "headless"
memory = 32
kernel = '$G'
extra = 'm13h'
serial = 'file:$T/hl.com1'
log_dir = '$T/logs-hl'
monitor_path = '$T/hl.sock'
sdl = 0
vnc = 0
CFG
vm_bg hl run "$T/hl.cfg"
check "headless: the guest runs and draws" wait_for "$T/hl.com1" "DRAWN m13h" 120
"$MC" "$T/hl.sock" "screendump $T/hl.ppm" > /dev/null 2>&1
check "headless: screendump shows the mode 13h picture, pixel-exact" vga_pattern_is m13h "$T/hl.ppm"
check "headless: no VNC server" sh -c "! grep -q 'VNC on' '$T/hl.out' && ! ss -ltnp | grep -q 'pid=$VM_PID,'"
# mode 13h maps the 0xA0000 window as RAM: drawing 64000 pixels costs no MMIO exits
"$MC" "$T/hl.sock" "info stats" > "$T/hl-stats.txt" 2>&1
mmio=$(sed -n 's/.*CPU #0: exits [0-9]* (pio [0-9]*, mmio \([0-9]*\).*/\1/p' "$T/hl-stats.txt")
check "mode 13h: the window is plain memory (MMIO exits: $mmio for 64000 pixels)" [ "${mmio:-99999}" -lt 1000 ]
"$MC" "$T/hl.sock" "info vnc" > "$T/hl-vnc.txt" 2>&1
check "headless: info vnc says the server is off" grep -q 'Server: disabled' "$T/hl-vnc.txt"
"$MC" "$T/hl.sock" quit > /dev/null 2>&1
wait_pid $VM_PID 20
check "headless: quit ends it (exit $RC)" [ "$RC" = 0 ]

# ---- nographic -----------------------------------------------------------------
cat > "$T/ng.cfg" <<CFG
name = "nographic"
memory = 32
kernel = '$G'
extra = 'm13h'
log_dir = '$T/logs-ng'
monitor_path = '$T/ng.sock'
sdl = 1
vnc = 1
vncdisplay = 54
nographic = 1
CFG
rm -f "$T/in.fifo"; mkfifo "$T/in.fifo"
"$VMST" run "$T/ng.cfg" < "$T/in.fifo" > "$T/ng.out" 2> "$T/ng.err" &
VM_PID=$!
exec 3> "$T/in.fifo"
check "nographic: COM1 output appears on stdout" wait_for "$T/ng.out" "DRAWN m13h" 120
check "nographic: no SDL window attempted, no VNC server" \
	sh -c "! grep -qi 'SDL\|VNC on' '$T/ng.out' '$T/ng.err' && ! ss -ltnp | grep -q 'pid=$VM_PID,'"
"$MC" "$T/ng.sock" "screendump $T/ng.ppm" > /dev/null 2>&1
check "nographic: the card stays, screendump shows the picture" vga_pattern_is m13h "$T/ng.ppm"
printf '\001x' >&3
wait_pid $VM_PID 20
exec 3>&-
check "nographic: ctrl-a x on the terminal quits (exit $RC)" [ "$RC" = 0 ]
# ---- sdl=1 with no display: a clear refusal, the VM runs on ---------------------
cat > "$T/nd.cfg" <<CFG
name = "nodisplay"
memory = 32
kernel = '$G'
extra = 'm13h'
serial = 'file:$T/nd.com1'
log_dir = '$T/logs-nd'
monitor_path = '$T/nd.sock'
sdl = 1
vnc = 0
CFG
SDL_VIDEODRIVER= vm_bg nd run "$T/nd.cfg"
check "sdl=1 without DISPLAY: the guest still runs" wait_for "$T/nd.com1" "DRAWN m13h" 120
# (SDL tries its drivers one by one first: seconds on a slow host)
check "sdl=1 without DISPLAY: says there is no display (not an invisible window)" \
	wait_for "$T/nd.out" 'SDL: no display to open a window on' 60
check "sdl=1 without DISPLAY: and that the VM keeps running" wait_for "$T/nd.out" 'no SDL window; the VM keeps running' 30
"$MC" "$T/nd.sock" quit > /dev/null 2>&1
wait_pid $VM_PID 20
check "sdl=1 without DISPLAY: quit ends it (exit $RC)" [ "$RC" = 0 ]
finish
