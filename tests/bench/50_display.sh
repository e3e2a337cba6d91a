#!/bin/sh
# Display figures, side by side with QEMU on the same guest
# (tests/guests/fb_bench.asm: Bochs VBE 1024x768x32, the whole framebuffer
# redrawn continuously from ring 3):
#   - frames per second an SDL window really shows (one pixel of the Xvfb
#     screen polled, colour changes counted: every guest frame has its own
#     colour) and the VMM's host CPU%;
#   - frames per second one local libvncclient client receives, and CPU%;
#   - the delay from the guest writing a pixel (on a byte from the host on
#     COM1) to its arrival at the VNC client.
# CPU% is the VMM process's user+system time over the run, shown without its
# vCPU threads (the guest spins on its CPU in both VMMs) and in total.
. "$(dirname "$0")/lib.sh"
if [ -z "$VMST_IN_XVFB" ]; then
	VMST_IN_XVFB=1 exec xvfb-run -a -s '-noreset -screen 0 1280x1024x24' sh "$0" "$@"
fi
SECS=${BENCH_DISPLAY_SECONDS:-10}
LAT_N=${BENCH_DISPLAY_LAT:-50}
G="$GUESTS/fb_bench.elf"
guest_asm fb_bench "$G" || { echo "display: cannot assemble fb_bench.asm"; exit 1; }
cc -O2 -o "$B/display_client" "$TOP/tests/bench/display_client.c" \
	$(pkg-config --cflags --libs libvncclient x11) || { echo "display: cannot build display_client"; exit 1; }
DC="$B/display_client"
HZ=$(getconf CLK_TCK)

# ticks_of PID: "tid ticks" per thread
ticks_of() {
	for st in /proc/$1/task/*/stat; do
		awk '{ sub(/^.*\) /, ""); print FILENAME, $12 + $13 }' "$st" 2>/dev/null
	done | sed 's|/proc/[0-9]*/task/\([0-9]*\)/stat|\1|'
}
# vcpus_of PID: thread ids that sit in ioctl (KVM_RUN) or are named "CPU n/KVM"
vcpus_of() {
	for i in 1 2 3 4 5; do
		for t in /proc/$1/task/*; do
			tid=${t##*/}
			if grep -q 'KVM' "$t/comm" 2>/dev/null || [ "$(cut -d' ' -f1 "$t/syscall" 2>/dev/null)" = 16 ]; then
				echo "$tid"
			fi
		done
		sleep 0.05
	done | sort -u
}
# cpu_during PID SECONDS CMD...: run CMD; sets CPU_ALL and CPU_NOVCPU (% of one core)
cpu_during() {
	pid=$1; s=$2; shift 2
	ticks_of "$pid" > "$B/t0"
	"$@"
	ticks_of "$pid" > "$B/t1"
	vcpus_of "$pid" > "$B/vcpus"
	CPU_ALL=$(awk -v hz="$HZ" -v s="$s" 'FNR == NR { a[$1] = $2; next } { d += $2 - a[$1] } END { printf "%.1f", d * 100 / hz / s }' "$B/t0" "$B/t1")
	CPU_NOVCPU=$(awk -v hz="$HZ" -v s="$s" 'FILENAME ~ /vcpus$/ { v[$1] = 1; next }
		FILENAME ~ /t0$/ { a[$1] = $2; next }
		!($1 in v) { d += $2 - a[$1] } END { printf "%.1f", d * 100 / hz / s }' "$B/vcpus" "$B/t0" "$B/t1")
}
fps_of() { sed -n 's/^fps \([0-9.]*\).*/\1/p' "$1" | head -1; }

vm_cfg() { # NAME EXTRA-LINES
	cat > "$B/$1.cfg" <<CFG
name = "$1"
memory = 64
kernel = '$G'
log_dir = '$B/logs-$1'
$2
CFG
}
wait_ready() { wait_file "$1" '^READY' 60 > /dev/null; sleep 2; }
stop_pid() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
# window_centre REGEX: "X Y" of the first matching window's centre on the screen
window_centre() {
	for i in $(seq 50); do
		w=$(xdotool search --name "$1" 2>/dev/null | head -1)
		[ -n "$w" ] && break
		sleep 0.2
	done
	[ -n "$w" ] || return 1
	xdotool getwindowgeometry --shell "$w" | awk -F= '/^X=/ { x = $2 } /^Y=/ { y = $2 }
		/^WIDTH=/ { w = $2 } /^HEIGHT=/ { h = $2 } END { print x + int(w / 2), y + int(h / 2) }'
}

# ---- SDL -------------------------------------------------------------------
T0=$(now_ms)
vm_cfg bsdl "extra = 'fill'
serial = 'file:$B/bsdl.com1'
sdl = 1
vnc = 0"
"$VMST" run -q "$B/bsdl.cfg" > "$B/bsdl.out" 2>&1 & pid=$!
wait_ready "$B/bsdl.com1"
xy=$(window_centre '^bsdl \[')
cpu_during $pid "$SECS" sh -c "'$DC' x-fps $xy $SECS > '$B/v-sdl.fps'"
v_sdl=$(fps_of "$B/v-sdl.fps"); v_sdl_cpu=$CPU_NOVCPU; v_sdl_all=$CPU_ALL
stop_pid $pid

rm -f "$B/q.com1"
$QEMU -enable-kvm -machine pc -m 64 -nodefaults -vga std -kernel "$G" -append fill \
	-serial file:"$B/q.com1" -display sdl > "$B/q-sdl.out" 2>&1 & pid=$!
wait_ready "$B/q.com1"
xy=$(window_centre '^QEMU')
cpu_during $pid "$SECS" sh -c "'$DC' x-fps $xy $SECS > '$B/q-sdl.fps'"
q_sdl=$(fps_of "$B/q-sdl.fps"); q_sdl_cpu=$CPU_NOVCPU; q_sdl_all=$CPU_ALL
stop_pid $pid
report "SDL window frames/s, 1024x768x32 full redraw (Xvfb)" "$v_sdl" "$q_sdl" fps ">= 1.00"
report "SDL host CPU% of the VMM without its vCPU thread" "$v_sdl_cpu" "$q_sdl_cpu" "%" "<= 1.00"
echo "  (all threads: vmstation $v_sdl_all %, qemu $q_sdl_all %: this machine's KVM runs guest user mode outside the vCPU thread's time)"
report "SDL host CPU% per displayed frame/s" "$(ratio "$v_sdl_cpu" "$v_sdl")" "$(ratio "$q_sdl_cpu" "$q_sdl")" "%/fps" "<= 1.00"

# ---- VNC -------------------------------------------------------------------
vm_cfg bvnc "extra = 'fill'
serial = 'file:$B/bvnc.com1'
sdl = 0
vnc = 1
vncunused = 1
vncdisplay = 60"
"$VMST" run "$B/bvnc.cfg" > "$B/bvnc.out" 2>&1 & pid=$!
wait_ready "$B/bvnc.com1"
port=$(sed -n 's/.*VNC on [0-9.]*:\([0-9]*\).*/\1/p' "$B/bvnc.out" | head -1)
cpu_during $pid "$SECS" sh -c "'$DC' vnc-fps 127.0.0.1 $port $SECS > '$B/v-vnc.fps'"
v_vnc=$(fps_of "$B/v-vnc.fps"); v_vnc_cpu=$CPU_NOVCPU; v_vnc_all=$CPU_ALL
stop_pid $pid

rm -f "$B/q.com1"
$QEMU -enable-kvm -machine pc -m 64 -nodefaults -vga std -kernel "$G" -append fill \
	-serial file:"$B/q.com1" -display none -vnc 127.0.0.1:61 > "$B/q-vnc.out" 2>&1 & pid=$!
wait_ready "$B/q.com1"
cpu_during $pid "$SECS" sh -c "'$DC' vnc-fps 127.0.0.1 5961 $SECS > '$B/q-vnc.fps'"
q_vnc=$(fps_of "$B/q-vnc.fps"); q_vnc_cpu=$CPU_NOVCPU; q_vnc_all=$CPU_ALL
stop_pid $pid
report "VNC frames/s to one libvncclient client, 1024x768x32 full redraw" "$v_vnc" "$q_vnc" fps ">= 1.00"
report "VNC host CPU% of the VMM without its vCPU thread" "$v_vnc_cpu" "$q_vnc_cpu" "%" "<= 1.00"
echo "  (all threads: vmstation $v_vnc_all %, qemu $q_vnc_all %)"
report "VNC host CPU% per delivered frame/s" "$(ratio "$v_vnc_cpu" "$v_vnc")" "$(ratio "$q_vnc_cpu" "$q_vnc")" "%/fps" "<= 1.00"

# ---- delay: guest pixel write -> VNC client ---------------------------------------
lat_of() { sed -n 's/^latency median \([0-9.]*\).*/\1/p' "$1"; }
rm -f "$B/v.ser"
vm_cfg blat "extra = 'lat'
serial = 'unix:$B/v.ser,server'
sdl = 0
vnc = 1
vncdisplay = 62"
"$VMST" run "$B/blat.cfg" > "$B/blat.out" 2>&1 & pid=$!
"$DC" vnc-lat 127.0.0.1 5962 "$B/v.ser" "$LAT_N" > "$B/v-lat.txt" 2>&1
stop_pid $pid
rm -f "$B/q.ser"
$QEMU -enable-kvm -machine pc -m 64 -nodefaults -vga std -kernel "$G" -append lat \
	-serial unix:"$B/q.ser",server=on,wait=on -display none -vnc 127.0.0.1:63 > "$B/q-lat.out" 2>&1 & pid=$!
"$DC" vnc-lat 127.0.0.1 5963 "$B/q.ser" "$LAT_N" > "$B/q-lat.txt" 2>&1
stop_pid $pid
report "delay guest pixel write -> VNC client, median of $LAT_N (COM1 byte -> pixel)" \
	"$(lat_of "$B/v-lat.txt")" "$(lat_of "$B/q-lat.txt")" ms "<= 1.00"
printf 'details: vmstation %s; qemu %s\n' "$(cat "$B/v-lat.txt")" "$(cat "$B/q-lat.txt")"
