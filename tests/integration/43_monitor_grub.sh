#!/bin/sh
# The monitor against Debian's GRUB rescue CD: the text screen read back
# with `screendump -f txt`, `sendkey down` moving GRUB's highlight and
# `sendkey ret` starting the chosen entry; PPM and PNG dumps of the screen's
# size (checked with ImageMagick's identify).
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
mon() {
	"$MC" "$SOCK" "$1" 2>/dev/null | sed -e "/^vmstation [0-9.]* monitor - type 'help'/d" \
		-e 's/(vmstation) //g' | sed -e '/^$/d'
}
ISO=/usr/lib/grub-rescue/grub-rescue-cdrom.iso
[ -f "$ISO" ] || { fail "$ISO missing (grub-rescue-pc)"; finish; }
cat > "$T/grub.cfg" <<CFG
name = "grub"
memory = 64
disk = [ '$ISO,raw,hdc:cdrom,r' ]
boot = 'd'
serial = 'none'
vnc = 0
log_dir = '$T/logs'
# sendkey goes to the USB keyboard, which SeaBIOS polls from its timer: on
# kvm-pvm hosts GRUB's short interrupt windows lose PS/2's IRQ 1 (QEMU too);
# the PS/2 path to firmware is covered by 63_input_firmware.
usb = 1
usbdevice = 'keyboard'
CFG
SOCK="$T/mon.sock"
# paused until the monitor is there: on a slow host the monitor could
# otherwise come up after SeaBIOS's screen is gone
vm_bg grub run "$T/grub.cfg" --monitor "unix:$SOCK" --paused
"$MC" --wait "$SOCK" 60
mon cont > /dev/null

# screen_has REGEX SECONDS: poll the text screen until it shows REGEX
# screen_lacks TEXT SECONDS: wait until a text dump no longer shows TEXT
screen_lacks() {
	i=0
	while [ $i -lt $(($2 * 2)) ]; do
		mon "screendump $T/screen.txt -f txt" > "$T/dump.err"
		[ -s "$T/screen.txt" ] && ! grep -q "$1" "$T/screen.txt" && return 0
		sleep 0.5; i=$((i + 1))
	done
	return 1
}

screen_has() {
	i=0
	while [ $i -lt $(($2 * 2)) ]; do
		mon "screendump $T/screen.txt -f txt" > "$T/dump.err"
		grep -q "$1" "$T/screen.txt" 2>/dev/null && return 0
		sleep 0.5; i=$((i + 1))
	done
	return 1
}

check "screendump -f txt shows SeaBIOS" screen_has "SeaBIOS (version" 60
check "GRUB menu on the text screen" screen_has "GNU GRUB  version" 300
# Where dumps are slow (the emulated host) GRUB's countdown may have run out
# by then: the first entry fails on this CD ("Press any key to continue")
# and a key brings the menu back, the first entry highlighted, no countdown.
if grep -q "Press any key to continue" "$T/screen.txt"; then
	echo "INFO: 43_monitor_grub: GRUB's countdown ran out before the first key; a key brings the menu back"
	mon "sendkey spc" > /dev/null
	check "the menu is back after the failed first entry" screen_has '^ │\*GNU/Linux' 30
fi
# at once: any key stops GRUB's countdown
mon "sendkey down" > "$T/sendkey.out"
check "sendkey prints nothing" [ ! -s "$T/sendkey.out" ]
check "sendkey down moves the highlight to the second entry" screen_has '^ │\*GNU (aka GNU/Hurd)' 20
mon "sendkey down"
check "and down again to the third" screen_has '^ │\*FreeBSD (or GNU/kFreeBSD), direct boot' 20
mon "sendkey up"
check "sendkey up comes back" screen_has '^ │\*GNU (aka GNU/Hurd)' 20
check "the text dump is UTF-8 (box drawing from CP437)" grep -q '┌' "$T/screen.txt"

mon "screendump $T/screen.ppm" > "$T/ppm.out"
check "screendump (PPM) prints nothing" [ ! -s "$T/ppm.out" ]
check "PPM header: P6 720x400" [ "$(head -c 15 "$T/screen.ppm" | tr '\n' ' ')" = "P6 720 400 255 " ]
check "PPM size matches the screen" [ "$(stat -c %s "$T/screen.ppm")" = $((15 + 720 * 400 * 3)) ]
check "PPM valid for ImageMagick" [ "$(identify -format '%m %w %h' "$T/screen.ppm" 2>/dev/null)" = "PPM 720 400" ]
mon "screendump $T/shot -f png" > "$T/png.out"
check "screendump -f png prints nothing" [ ! -s "$T/png.out" ]
check "PNG valid for ImageMagick, screen size" [ "$(identify -format '%m %w %h' "$T/shot" 2>/dev/null)" = "PNG 720 400" ]
out=$(mon "screendump $T/x.bmp -f bmp")
check "screendump with an unknown format is refused ($out)" [ -n "$out" ] && [ ! -e "$T/x.bmp" ]
out=$(mon "screendump /nonexistent/dir/x.ppm")
check "screendump to an unwritable path: clear message" sh -c "printf '%s' \"\$1\" | grep -q '/nonexistent/dir/x.ppm'" - "$out"
out=$(mon "sendkey nosuchkey")
check "sendkey of an unknown key: QEMU's message" [ "$out" = "invalid parameter: nosuchkey" ]

mon "sendkey ret"
# GRUB clears the screen and runs the entry's commands (the Hurd entry then
# searches the disks for gnumach): the menu leaving the screen is the effect.
check "sendkey ret starts the highlighted entry (the menu leaves the screen)" screen_lacks "Use the . and . keys to select" 30
mon quit > /dev/null
wait_pid "$VM_PID" 20; rc=$RC
check "quit: exit 0 (got $rc)" [ "$rc" = 0 ]
finish
