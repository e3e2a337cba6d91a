#!/bin/sh
# Input seen by Linux's own drivers: Debian's amd64 kernel (the one
# tests/guests/build-linux.sh fetches; atkbd and i8042 are built in) loads
# evdev, psmouse, usbcore, uhci_hcd, hid, usbhid and hid-generic from the same
# linux-image package, in dependency order, and a small static program
# (evwatch, built here) prints every event of every /dev/input/event* on COM1.
#  - keys sent with the monitor's sendkey arrive from the "AT Translated Set 2
#    keyboard" as the right Linux key codes, press then release;
#  - the USB tablet (usb=1, usbdevice='tablet') binds to usbhid, and pointer
#    positions from a VNC client arrive as ABS_X/ABS_Y that map back to the
#    same pixels; a click is BTN_LEFT;
#  - mouse_move goes to the PS/2 mouse (psmouse's IntelliMouse Explorer
#    probe) as REL_X/REL_Y;
#  - key events from a VNC client (X keysyms) and keys typed with xdotool into
#    the focused SDL window under Xvfb (X keycodes) arrive from atkbd as their
#    Linux key codes, press then release.
# Takes minutes here: guest kernel mode is emulated (TESTING.md).
. "$(dirname "$0")/../lib.sh"
if [ -z "$VMST_IN_XVFB" ]; then
	VMST_IN_XVFB=1 exec xvfb-run -a -s '-noreset -screen 0 1280x1024x24' sh "$0" "$@"
fi
MC="$TOP/tests/tools/monitor-client"
TIMEOUT=${LINUX_BOOT_TIMEOUT:-1500}
. "$TOP/tests/slow/linux_cmdline.inc" # LINUX_QUIRKS, LINUX_TRIM

paths=$(sh "$TOP/tests/guests/build-linux.sh" "$CACHE") || { fail "build the Linux guest"; finish; }
KERNEL=$(echo "$paths" | sed -n 's/^KERNEL=//p')
PKG=$(cat "$CACHE/linux-amd64/kernel-package" 2>/dev/null)
check "Debian kernel built ($PKG)" test -s "$KERNEL" -a -n "$PKG"

# ---- evwatch: every input event, one line each ------------------------------
cat > "$T/evwatch.c" <<'C'
/* evwatch: open /dev/input/event0..31 and print each key, relative and
 * absolute event as "EV <dev> <type> <code> <value>" (dev = event number);
 * first one "DEV <n> <name>" line per device, then "VMST-EVREADY". */
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	struct pollfd p[32];
	int num[32], n = 0;
	for (int i = 0; i < 32; i++) {
		char path[32], name[128] = "?";
		snprintf(path, sizeof(path), "/dev/input/event%d", i);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ioctl(fd, EVIOCGNAME(sizeof(name)), name);
		printf("DEV %d %s\n", i, name);
		p[n].fd = fd;
		p[n].events = POLLIN;
		num[n++] = i;
	}
	printf("VMST-EVREADY %d\n", n);
	fflush(stdout);
	for (;;) {
		if (poll(p, n, -1) < 0)
			return 1;
		for (int i = 0; i < n; i++) {
			struct input_event ev[16];
			if (!(p[i].revents & POLLIN))
				continue;
			ssize_t r = read(p[i].fd, ev, sizeof(ev));
			for (ssize_t j = 0; j < r / (ssize_t)sizeof(ev[0]); j++)
				if (ev[j].type == EV_KEY || ev[j].type == EV_REL || ev[j].type == EV_ABS)
					printf("EV %d %d %d %d\n", num[i], ev[j].type, ev[j].code, ev[j].value);
		}
		fflush(stdout);
	}
}
C
cc -static -O1 -o "$T/evwatch" "$T/evwatch.c" || { fail "build evwatch (static)"; finish; }

# ---- modules from the kernel's package and the initramfs --------------------
dir="$CACHE/linux-amd64-input"
MODS="evdev psmouse usb-common usbcore uhci-hcd hid usbhid hid-generic"
mkdir -p "$dir"
if [ ! -f "$dir/modules.done" ] || [ "$(cat "$dir/modules.done")" != "$PKG" ]; then
	rm -rf "$dir/deb" "$dir/modules" && mkdir -p "$dir/deb" "$dir/modules"
	(cd "$dir/deb" && apt-get download -q "${PKG%%_*}" >/dev/null 2>&1)
	deb=$(ls "$dir"/deb/*.deb 2>/dev/null | head -n 1)
	if [ -n "$deb" ] && dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir/deb" --wildcards \
	   './lib/modules/*/kernel/drivers/input/*' './lib/modules/*/kernel/drivers/usb/*' \
	   './lib/modules/*/kernel/drivers/hid/*'; then
		for m in $MODS; do
			find "$dir/deb/lib/modules" -name "$m.ko" -exec cp {} "$dir/modules/" \;
		done
		echo "$PKG" > "$dir/modules.done"
	fi
	rm -rf "$dir/deb"
fi
n=0
for m in $MODS; do [ -f "$dir/modules/$m.ko" ] && n=$((n + 1)); done
check "the $(echo $MODS | wc -w) input modules came out of $PKG" [ "$n" = "$(echo $MODS | wc -w)" ]
. "$TOP/tests/guests/linux-common.sh"
check "insmod order satisfies every module's 'depends'" modules_in_order "$dir/modules" $MODS

cat > "$T/init" <<EOF
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "VMST-LINUX-BOOT-OK \$(uname -r)"
for m in $MODS; do
	insmod /lib/modules/\$m.ko || echo "VMST-INSMOD-FAIL \$m"
done
i=0
while ! grep -q 'USB Tablet' /proc/bus/input/devices && [ \$i -lt 300 ]; do sleep 1; i=\$((i + 1)); done
# psmouse probes the mouse in the background
i=0
while ! grep -q 'PS/2' /proc/bus/input/devices && [ \$i -lt 120 ]; do sleep 1; i=\$((i + 1)); done
echo VMST-DEVICES-BEGIN
cat /proc/bus/input/devices
echo VMST-DEVICES-END
echo VMST-DMESG-BEGIN
dmesg | grep -i -E 'uhci|usb|hid|input|serio|i8042'
echo VMST-DMESG-END
exec /bin/evwatch
EOF
root="$T/initramfs"
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/lib/modules"
BUSYBOX=/bin/busybox
cp "$BUSYBOX" "$root/bin/busybox"
for a in sh mount echo cat grep uname sleep insmod dmesg; do ln -s busybox "$root/bin/$a"; done
cp "$T/evwatch" "$root/bin/evwatch"
cp "$dir"/modules/*.ko "$root/lib/modules/"
cp "$T/init" "$root/init" && chmod 755 "$root/init"
(cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0) > "$T/initrd.cpio"
check "initramfs with the modules and evwatch" test -s "$T/initrd.cpio"

# ---- the VNC client of 61_input_uhci_tablet.sh -----------------------------
sed -n "/^cat > \"\$T\/vncinput.c\" <<'C'$/,/^C$/p" "$TOP/tests/integration/61_input_uhci_tablet.sh" | sed '1d;$d' > "$T/vncinput.c"
VI="$T/vncinput"
cc -O1 -o "$VI" "$T/vncinput.c" $(pkg-config --cflags --libs libvncclient) || { fail "build the VNC client"; finish; }

D=$((40 + $$ % 50))
cat > "$T/linux.cfg" <<CFG
name = 'linuxinput'
memory = 256
kernel = '$KERNEL'
ramdisk = '$T/initrd.cpio'
extra = 'console=ttyS0 panic=-1 $LINUX_QUIRKS $LINUX_TRIM $LINUX_CLOCK'
serial = 'file:$T/com1.log'
cpuid = 'host,cx16=0,rdrand=0,rdseed=0,xsave=0'
vga = 'stdvga'
usb = 1
usbdevice = 'tablet'
vnc = 1
vnclisten = '127.0.0.1'
vncdisplay = $D
sdl = 1
on_reboot = 'destroy'
log_dir = '$T/logs'
CFG
SOCK="$T/mon.sock"
start=$(date +%s)
vm_bg linux run "$T/linux.cfg" --monitor "unix:$SOCK"
wait_guest "$T/com1.log" "^VMST-EVREADY" "$TIMEOUT"
why=$(linux_userspace_diag "$T/com1.log")
check "Linux boots, loads the modules and opens the event devices${why:+ -- $why}" grep -aq "^VMST-EVREADY" "$T/com1.log"
echo "TIME: boot to evwatch ready: $(( $(date +%s) - start ))s"
check "no module failed to load" sh -c "grep -aq '^VMST-EVREADY' '$T/com1.log' && ! grep -a 'VMST-INSMOD-FAIL' '$T/com1.log'"
# what the built-in i8042 and atkbd drivers find before user space runs
check "i8042: the kernel found the KBD and AUX ports" \
	sh -c "grep -aq 'serio: i8042 KBD port at 0x60,0x64 irq 1' '$T/com1.log' && grep -aq 'serio: i8042 AUX port at 0x60,0x64 irq 12' '$T/com1.log'"
check "atkbd: the kernel registered an 'AT Translated Set 2 keyboard'" \
	grep -aq 'input: AT Translated Set 2 keyboard' "$T/com1.log"
# the event device of a named input device
evdev() { tr -d '\r' < "$T/com1.log" | grep -a "^DEV [0-9]* $1" | head -1 | cut -d' ' -f2; }
KBD=$(evdev 'AT Translated Set 2 keyboard')
TAB=$(evdev 'vmstation.*USB Tablet') # usbhid: "<manufacturer> <product>"
MOUSE=$(evdev '.*PS/2')
check "atkbd: 'AT Translated Set 2 keyboard' has an event device ($KBD)" [ -n "$KBD" ]
check "usbhid: the USB tablet has an event device ($TAB)" [ -n "$TAB" ]
check "psmouse: a PS/2 mouse has an event device ($MOUSE: $(grep -a "^DEV $MOUSE " "$T/com1.log" | cut -d' ' -f3-))" [ -n "$MOUSE" ]
check "uhci_hcd found the controller" grep -aq 'uhci_hcd 0000:00:01.2' "$T/com1.log"
check "usbhid bound the tablet (dmesg)" grep -aq 'input,hidraw[0-9]*: USB HID v[0-9.]* Mouse \[.*USB Tablet\]' "$T/com1.log"

# evlog: COM1 without the CRs the console adds to evwatch's lines
evlog() { tr -d '\r' < "$T/com1.log"; }
# events EV DEV TYPE: "code value" pairs, one line
events() { evlog | grep -a "^EV $1 $2 " | cut -d' ' -f4,5 | tr '\n' ' '; }
# wait_events DEV TYPE N: until at least N such events, 60 s by the clock
# (a count of tries ran past the test's 900 s on a loaded emulated host:
# each try reads the whole log)
wait_events() {
	[ -n "$1" ] && grep -aq '^VMST-EVREADY' "$T/com1.log" || return 1
	poll_until 60 events_at_least "$@"
}
events_at_least() { [ "$(evlog | grep -ac "^EV $1 $2 ")" -ge "$3" ]; }

# ---- keys: QKeyCode name : Linux KEY_* code ---------------------------------
KEYS="a:30 esc:1 ret:28 shift:42 z:44 ctrl:29 alt:56 spc:57 f1:59 f12:88 kp_5:76
kp_enter:96 ctrl_r:97 kp_divide:98 alt_r:100 home:102 up:103 pgup:104 left:105
right:106 end:107 down:108 pgdn:109 insert:110 delete:111 meta_l:125 meta_r:126
menu:127 less:86 print:99 caps_lock:58 num_lock:69 scroll_lock:70 pause:119"
want=""
cmds=""
for k in $KEYS; do
	want="$want${k#*:} 1 ${k#*:} 0 "
	cmds="${cmds}sendkey ${k%%:*} 50
"
done
printf '%s' "$cmds" | socat -t 60 - "UNIX-CONNECT:$SOCK" > /dev/null 2>&1
nk=$(echo "$KEYS" | wc -w)
wait_events "$KBD" 1 $((nk * 2))
got=$(evlog | grep -a "^EV $KBD 1 " | cut -d' ' -f4,5 | grep -v ' 2$' | tr '\n' ' ')
check "$nk keys from sendkey arrive as their Linux key codes, press then release" [ "$got" = "$want" ]
[ "$got" = "$want" ] || { echo "want: $want"; echo "got:  $got"; }

# ---- the tablet: VNC pointer positions ---------------------------------------
size=$("$VI" 127.0.0.1 $((5900 + D)) show)
W=${size% *}; H=${size#* }
check "VNC client connected (screen ${W}x$H)" sh -c "[ -n '$W' ] && [ '${W:-0}' -gt 1 ] && [ '${H:-0}' -gt 1 ]"
POINTS="10,20 $((W - 1)),$((H - 1)) 0,0 $((W / 2)),$((H / 3)) 123,45"
args=""
for p in $POINTS; do args="$args ptr ${p%,*} ${p#*,} 0 ms 300"; done
args="$args ptr 77 66 1 ms 300 ptr 77 66 0 ms 300"
# shellcheck disable=SC2086
"$VI" 127.0.0.1 $((5900 + D)) $args
wait_events "$TAB" 1 2
sleep 2
# the tablet's positions, back in pixels
# (after each event: Linux drops an axis whose value did not change)
evlog | grep -a "^EV $TAB 3 " | awk -v w="$W" -v h="$H" '
	$4 == 0 { x = $5 }
	$4 == 1 { y = $5 }
	{ printf "%d,%d\n", int(x * (w - 1) / 32767 + 0.5), int(y * (h - 1) / 32767 + 0.5) }' > "$T/abs"
for p in $POINTS 77,66; do
	check "the tablet reports VNC pointer ($p) as ABS_X/ABS_Y mapping back to that pixel" grep -qx "$p" "$T/abs"
done
check "a click is BTN_LEFT press and release from the tablet" [ "$(events "$TAB" 1)" = "272 1 272 0 " ]

# ---- the PS/2 mouse: mouse_move -------------------------------------------
"$MC" "$SOCK" "mouse_move 10 -5" > /dev/null
"$MC" "$SOCK" "mouse_move -3 7" > /dev/null
wait_events "$MOUSE" 2 4
check "mouse_move goes to psmouse as REL_X/REL_Y" [ "$(events "$MOUSE" 2)" = "0 10 1 -5 0 -3 1 7 " ]

# ---- keys from a VNC client: X keysym : Linux KEY_* code --------------------
# kbd_since N: the keyboard's press/release events after the first N lines
kbd_lines() { evlog | grep -ac "^EV $KBD 1 "; }
kbd_since() { evlog | grep -a "^EV $KBD 1 " | sed "1,${1}d" | cut -d' ' -f4,5 | grep -v ' 2$' | tr '\n' ' '; }
# sendkey toggled Caps, Num and Scroll Lock on in the guest: toggle them off
# again, so that a keysym needs no Shift to undo Caps Lock and the SDL window
# (the host's locks are off under Xvfb) has no lock to synchronise
before=$(kbd_lines)
printf 'sendkey caps_lock 50\nsendkey num_lock 50\nsendkey scroll_lock 50\n' |
	socat -t 30 - "UNIX-CONNECT:$SOCK" > /dev/null 2>&1
wait_events "$KBD" 1 $((before + 6))
sleep 2
VKEYS="0x61:30 0xff0d:28 0xff1b:1 0xff51:105 0xffe1:42 0xffc2:63 0x7a:44 0xff55:104"
want=""; args=""
for k in $VKEYS; do
	want="$want${k#*:} 1 ${k#*:} 0 "
	args="$args key ${k%%:*} 1 ms 100 key ${k%%:*} 0 ms 100"
done
base=$(kbd_lines)
# shellcheck disable=SC2086
"$VI" 127.0.0.1 $((5900 + D)) $args
nv=$(echo "$VKEYS" | wc -w)
wait_events "$KBD" 1 $((base + nv * 2))
got=$(kbd_since "$base")
check "$nv keys from a VNC client arrive at atkbd as their Linux key codes, press then release" [ "$got" = "$want" ]
[ "$got" = "$want" ] || { echo "want: $want"; echo "got:  $got"; }

# ---- keys typed into the SDL window: X keycode (evdev: KEY_* + 8) -----------
win=$(find_window '^linuxinput \[')
check "the SDL window is there under Xvfb" [ -n "$win" ]
xdotool windowfocus "$win" 2>/dev/null
sleep 1
SKEYS="38:30 36:28 113:105 67:59 50:42 52:44 110:102 119:111"
want=""; codes=""
for k in $SKEYS; do
	want="$want${k#*:} 1 ${k#*:} 0 "
	codes="$codes ${k%%:*}"
done
base=$(kbd_lines)
# shellcheck disable=SC2086
xdotool key --delay 100 $codes
ns=$(echo "$SKEYS" | wc -w)
wait_events "$KBD" 1 $((base + ns * 2))
got=$(kbd_since "$base")
check "$ns keys typed with xdotool into the SDL window arrive at atkbd as their Linux key codes" [ "$got" = "$want" ]
[ "$got" = "$want" ] || { echo "want: $want"; echo "got:  $got"; }

echo "TIME: total $(( $(date +%s) - start ))s"
"$MC" "$SOCK" quit > /dev/null
wait_pid "$VM_PID" 30
check "quit: exit 0 (got $RC)" [ "$RC" = 0 ]
finish
