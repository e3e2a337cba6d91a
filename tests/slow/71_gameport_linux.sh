#!/bin/sh
# The game port seen by Linux's own drivers: Debian's 32-bit kernel
# (linux-image-*-686) loads gameport, ns558, analog, joydev and evdev from
# its package (tests/guests/build-linux-686-joystick.sh) once the test has
# plugged the controller in (portprobe, read from guest user space the way
# ns558 probes, says so); ns558's ISA probe finds the port at 0x201 (it
# needs a joystick attached: after a write some axis bits must drop within
# 1000 reads, and stay put 3 ms later), the
# analog driver calibrates it and registers an "Analog ... joystick", and
# joyread (tests/guests/joyread.c) prints the evdev device's axes and
# buttons every 200 ms while an SDL virtual game controller
# (VMST_TEST_JOYSTICK=1, the monitor's joystick_virtual, SDL under Xvfb)
# moves: left stick x/y -> ABS_X/ABS_Y, right stick -> ABS_RUDDER/
# ABS_THROTTLE (the driver's axes 2 and 3), A/B/X/Y -> BTN_TRIGGER, THUMB,
# TOP, TOP2. Positions are checked against the driver's own centre (the
# axis range it sets is centre/8 .. 2 x centre - centre/8), so they hold at
# any host speed: the pulses are timed in guest time.
# Needs guest user mode: on kvm-pvm the slow tier runs in the emulated host.
. "$(dirname "$0")/../lib.sh"
if [ -z "$VMST_IN_XVFB" ]; then
	VMST_IN_XVFB=1 exec xvfb-run -a -s '-noreset -screen 0 1024x768x24' sh "$0" "$@"
fi
MC="$TOP/tests/tools/monitor-client"
paths=$(sh "$TOP/tests/guests/build-linux-686-joystick.sh" "$CACHE") || { fail "build the 686 joystick guest"; finish; }
KERNEL=$(echo "$paths" | sed -n 's/^KERNEL=//p')
INITRD=$(echo "$paths" | sed -n 's/^INITRD=//p')
check "Debian 686 kernel and the game-port initramfs built" test -s "$KERNEL" -a -s "$INITRD"
# The TSC as the 686 kernel's clock, at the rate this (host) kernel measured
# (KVM runs the guest's TSC at the host's): in the emulated host its fast
# TSC calibration fails (dmesg) and it fell back to the refined-jiffies
# clocksource (4 ms steps); gameport's speed and the analog driver's read
# loop are timed with ktime_get_ns(), measured 0, and analog_connect divided
# by that zero (an oops, seen here). On a native KVM it needs none of this.
_khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
if realtime_kvm || [ -z "$_khz" ]; then
	LINUX_QUIRKS=${LINUX_QUIRKS:-"noxsave"}
else
	LINUX_QUIRKS=${LINUX_QUIRKS:-"noxsave tsc_early_khz=$_khz tsc=reliable clocksource=tsc"}
fi
COM="$T/com1"
cat > "$T/js.cfg" <<CFG
name = 'gameport-linux'
memory = 256
vcpus = 1
kernel = '$KERNEL'
ramdisk = '$INITRD'
extra = 'console=ttyS0 panic=-1 $LINUX_QUIRKS'
serial = 'file:$COM'
gameport = 1
vga = 'stdvga'
sdl = 1
vnc = 0
monitor_path = '$T/mon.sock'
on_poweroff = 'destroy'
on_reboot = 'destroy'
on_crash = 'destroy'
log_dir = '$T/logs'
CFG
start=$(date +%s)
VMST_TEST_JOYSTICK=1 vm_bg js run "$T/js.cfg"
mon() { "$MC" "$T/mon.sock" "$1" 2>/dev/null; }
if ! "$MC" --wait "$T/mon.sock" 300; then
	fail "vmstation's monitor answers (vmstation said: $(tail -5 "$T/js.out" | tr '\n' ' '))"
	kill "$VM_PID" 2>/dev/null
	finish
fi
# plugged in before ns558 probes (the kernel takes many seconds to get there);
# the window's SDL thread applies it
mon "joystick_virtual attach" > /dev/null
i=0
while ! mon "info joysticks" | grep -q 'joystick B: map auto: pad0' && [ $i -lt 300 ]; do
	sleep 0.2; i=$((i + 1))
done
mon "info joysticks" | sed 's/^/  /'
check "the virtual controller feeds joystick A and B" sh -c "'$MC' '$T/mon.sock' 'info joysticks' | grep -q 'joystick B: map auto: pad0'"
wait_guest "$COM" '^JOY n=|VMST-NO-JOYSTICK' "${LINUX_BOOT_TIMEOUT:-1200}"
echo "TIME: 686 kernel boot to joyread: $(( $(date +%s) - start ))s"
log() { tr -d '\r' < "$COM"; }
log_has() { log | grep -qE "$1"; }
log | sed -n '/VMST-DEVICES-BEGIN/,/VMST-EVDEV/p' | grep -v '^[BU]: \|^$'
check "the 686 kernel ran /init" log_has '^VMST-LINUX-BOOT-OK'
log | grep -E '^PORTPROBE|^clocksource' | tail -2
check "the port as ns558 probes it: fired axes read 1, then end, then stay (the probe the guest waited for)" \
	log_has '^PORTPROBE c=.. u=.[37bf] v=.. settle=.. changes=0000'
check "every module loaded (gameport ns558 analog joydev evdev)" sh -c "tr -d '\r' < '$COM' | grep -q VMST-DEVICES-BEGIN && ! grep -q VMST-INSMOD-FAILED '$COM'"
check "ns558 found the port: 'NS558 ISA Gameport is isa0201/gameport0, io 0x201'" log_has 'dmesg: .*NS558 ISA Gameport is .*io 0x201'
NAME=$(log | sed -n 's/^N: Name="\(Analog[^"]*\)"/\1/p' | head -1)
check "the analog driver registered a joystick ($NAME)" [ -n "$NAME" ]
check "... with a joydev node and an event device" sh -c "tr -d '\r' < '$COM' | grep -q '^H: Handlers=.*js0' && tr -d '\r' < '$COM' | grep -q '^VMST-EVDEV event'"
check "joyread reads its state (JOYNAME $NAME)" log_has "^JOYNAME $NAME"
if [ -z "$NAME" ] || ! log_has '^JOY n='; then
	log | grep -E '^(dmesg|gameport-bus|ioports|devinput|clocksource): |^PORTPROBE' | sed 's/^/  /'
	mon quit > /dev/null 2>&1
	wait_pid $VM_PID 30
	echo "summary: $(basename "$0" .sh): no joystick reached evdev; $NFAIL failed"
	finish
fi

# joy FIELD: a fresh JOY line's FIELD (x, y, rud, thr: "value min max"; b)
joy() {
	_n=$(log | grep '^JOY n=' | tail -1 | sed 's/^JOY n=\([0-9]*\).*/\1/')
	_want=$((${_n:-0} + 3))   # two whole 200 ms periods after now
	_i=0
	while [ $_i -lt 300 ] && alive; do
		_l=$(log | grep "^JOY n=$_want .* b=[01][01][01][01]\$" | tail -1)   # a whole line
		[ -n "$_l" ] && break
		sleep 0.2; _i=$((_i + 1))
	done
	echo "$_l" | sed "s/.* $1=\([-0-9 ]*[0-9]\).*/\1/"
}
val() { echo "$1" | cut -d' ' -f1; }
# alive: vmstation still runs (once the guest has crashed nothing below can
# come, so no loop waits its full time: the test then ends with that failure)
alive() { kill -0 "$VM_PID" 2>/dev/null; }
# set_axis N V: controller axis N to V, until the window applied it (info joysticks)
set_axis() {
	mon "joystick_virtual axis $1 $2" > /dev/null
	case $1 in 0) _p="joystick A:.* x=$2 y=0 ";; 1) _p="joystick A:.* x=0 y=$2 ";;
		   2) _p="joystick B:.* x=$2 y=0 ";; 3) _p="joystick B:.* x=0 y=$2 ";; esac
	_i=0
	while alive && ! mon "info joysticks" | grep -qE "$_p" && [ $_i -lt 150 ]; do sleep 0.2; _i=$((_i + 1)); done
}
# set_button N V: likewise for a button
set_button() {
	mon "joystick_virtual button $1 $2" > /dev/null
	case $1$2 in 01) _p="joystick A:.*buttons=1-";; 11) _p="joystick A:.*buttons=-2";;
		     21) _p="joystick B:.*buttons=1-";; 31) _p="joystick B:.*buttons=-2";;
		     00|10) _p="joystick A:.*buttons=-- *\$";; *) _p="joystick B:.*buttons=-- *\$";; esac
	_i=0
	while alive && ! mon "info joysticks" | grep -qE "$_p" && [ $_i -lt 150 ]; do sleep 0.2; _i=$((_i + 1)); done
}
# ratio V C LO HI: LO <= V/C <= HI
ratio() { awk -v v="$1" -v c="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v != "" && c > 0 && v / c >= lo && v / c <= hi) }'; }
centred() { awk -v v="$1" -v a="$2" -v b="$3" 'BEGIN { m = (a + b) / 2; exit !(v != "" && v >= m * 0.75 && v <= m * 1.25) }'; }
centred_v() { centred "$1" "$min" "$max"; }      # VALUE: against this axis's range
ratio_v() { ratio "$3" "$cen" "$1" "$2"; }       # LO HI VALUE: against its centre
# joy_settled FIELD TEST ARGS...: FIELD's fresh "value min max" once
# TEST VALUE ARGS... holds, at most 5 fresh reads. The driver times each
# axis's one-shot with the guest's clock: in the emulated host a read the
# software CPU stalls in is longer, and the next read is whole again.
joy_settled() {
	_f=$1; shift
	_k=0
	while :; do
		_v=$(joy "$_f")
		"$@" "$(val "$_v")" 2>/dev/null && break
		_k=$((_k + 1))
		[ $_k -lt 5 ] || break
	done
	echo "$_v"
}
names="x y rud thr"
i=0
for f in $names; do
	c=$(joy $f)
	min=$(echo "$c" | cut -d' ' -f2) max=$(echo "$c" | cut -d' ' -f3)
	# near the middle of the range the driver calibrated at connect time (its
	# own timing of a few reads: +-25% in the emulated host), far from the
	# extremes (0.04 and 1.96 of it)
	cen=$(val "$(joy_settled $f centred_v)")
	check "$f centred: $cen, near the middle of the driver's $min..$max" centred "$cen" "$min" "$max"
	set_axis $i -32768
	lo=$(val "$(joy_settled $f ratio_v 0 0.3)")
	set_axis $i 32767
	hi=$(val "$(joy_settled $f ratio_v 1.6 2.4)")
	set_axis $i 0
	check "controller axis $i minimum -> $f $lo (~24/574 of centre $cen)" ratio "$lo" "$cen" 0 0.3
	check "controller axis $i maximum -> $f $hi (~1124/574 of centre $cen)" ratio "$hi" "$cen" 1.6 2.4
	i=$((i + 1))
done
for b in 0 1 2 3; do
	set_button $b 1
	got=$(joy b); n=0
	while alive && [ "$got" != "$(echo 0000 | sed "s/./1/$((b + 1))")" ] && [ $n -lt 8 ]; do
		got=$(joy b); n=$((n + 1))   # the driver's next polls (seen late once here)
	done
	set_button $b 0
	want=$(echo 0000 | sed "s/./1/$((b + 1))")
	check "controller button $b -> $(echo BTN_TRIGGER BTN_THUMB BTN_TOP BTN_TOP2 | cut -d' ' -f$((b + 1))) (b=$got)" [ "$got" = "$want" ]
done
got=$(joy b)
check "buttons released (b=$got)" [ "$got" = 0000 ]
mon quit > /dev/null 2>&1
wait_pid $VM_PID 30
echo "summary: $(basename "$0" .sh): $NAME; $NFAIL failed; $(( $(date +%s) - start ))s"
finish
