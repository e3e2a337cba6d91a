#!/bin/sh
# Keys reach real firmware and boot loaders, read back from the text screen
# (`screendump -f txt` on the monitor socket):
#  - SeaBIOS's boot menu (boot_menu=1) through the PS/2 keyboard: ESC typed
#    by a libvncclient client opens it, it lists the drives, a digit typed
#    with the monitor's sendkey boots the CD although boot='c';
#  - a USB keyboard (usb=1, usbdevice='keyboard'): SeaBIOS finds it, keys
#    from the VNC client go through the input router to the USB HID keyboard
#    (the router says so in the VM log), open the boot menu, pick the CD, and
#    in Debian's GRUB rescue CD Down/Up move the highlight and Enter boots.
# Two quirks of this machine's KVM (TESTING.md) shape the test:
#  - SeaBIOS's 2.5 s menu prompt lasts 0.1 to 1.5 s of wall time here (the
#    timer ticks it counts arrive in a burst after the slow, emulated POST),
#    so ESC is tapped (every 150 ms: faster, the keys pile up in the queues
#    faster than SeaBIOS takes them) from the keyboard's initialization,
#    well before the prompt, until the menu shows (esc_menu);
#  - GRUB polls the BIOS (INT 16h) with interrupts off: PS/2 keys do not
#    reach its menu here (qemu-system-x86_64 -enable-kvm loses them the same
#    way), while SeaBIOS polls USB keyboards from its timer, which works.
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
ISO=/usr/lib/grub-rescue/grub-rescue-cdrom.iso
[ -f "$ISO" ] || { fail "$ISO missing (grub-rescue-pc)"; finish; }
# the VNC client of 61_input_uhci_tablet.sh
sed -n "/^cat > \"\$T\/vncinput.c\" <<'C'$/,/^C$/p" "$TOP/tests/integration/61_input_uhci_tablet.sh" | sed '1d;$d' > "$T/vncinput.c"
VI="$T/vncinput"
cc -O1 -o "$VI" "$T/vncinput.c" $(pkg-config --cflags --libs libvncclient) || { fail "build the VNC client"; finish; }
# an empty (unbootable) hard disk, so the menu has two drives
truncate -s 16M "$T/disk.img"

# mon CMD: the monitor's reply without banner and prompts
mon() {
	"$MC" "$SOCK" "$1" 2>/dev/null | sed -e "/^vmstation [0-9.]* monitor - type 'help'/d" \
		-e 's/(vmstation) //g' | sed -e '/^$/d'
}
# screen_has REGEX SECONDS: poll the text screen until it shows REGEX
screen_has() {
	_i=0
	while [ $_i -lt $(($2 * 5)) ]; do
		mon "screendump $T/screen.txt -f txt" > /dev/null
		grep -q "$1" "$T/screen.txt" 2>/dev/null && return 0
		sleep 0.2; _i=$((_i + 1))
	done
	return 1
}
# vkey KEYSYM...: a VNC client presses and releases each key in turn
vkey() {
	_a=""
	for _k in "$@"; do _a="$_a key $_k 1 ms 60 key $_k 0 ms 60"; done
	# shellcheck disable=SC2086
	"$VI" 127.0.0.1 "$PORT" $_a
}
# menu_entry REGEX: the digit of the boot menu line matching REGEX
menu_entry() { sed -n "s|^\([1-9]\)\. $1.*|\1|p" "$T/screen.txt" | head -1; }
# seen N REGEX: wait (60 s at most) until the debug port log has N lines
# matching REGEX
seen() {
	_i=0
	while [ $_i -lt 600 ] && [ "$(grep -ac "$2" "$DBG")" -lt "$1" ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	[ "$(grep -ac "$2" "$DBG")" -ge "$1" ]
}
# start NAME EXTRA-CONFIG: a VM with the disk and the CD, boot menu on, VNC
start() {
	D=$(( D + 1 ))
	PORT=$((5900 + D))
	SOCK="$T/$1.sock"
	DBG="$T/$1.dbg"
	cat > "$T/$1.cfg" <<CFG
name = "$1"
memory = 64
disk = [ '$T/disk.img,raw,hda,w', '$ISO,raw,hdc:cdrom,r' ]
boot = 'c'
boot_menu = 1
serial = 'none'
vnc = 1
vnclisten = '127.0.0.1'
vncdisplay = $D
debugcon = 'file:$DBG'
log_dir = '$T/$1.logs'
$2
CFG
	vm_bg "$1" run "$T/$1.cfg" --monitor "unix:$SOCK"
	"$MC" --wait "$SOCK" 20
}
stop_vm() {
	mon quit > /dev/null
	wait_pid "$VM_PID" 20
	[ "$RC" = 0 ]
}
D=$((40 + $$ % 50))

# esc_menu PS2|USB [KEYSYM]: ESC (or KEYSYM) tapped over VNC from the moment
# SeaBIOS has that keyboard going (before then keys go to the PS/2
# keyboard, or would meet its reset), well before the menu prompt: on a
# slow host the prompt's 2.5 s of guest time can be over before a client
# started after the POST has connected. A boot whose prompt the taps missed
# anyway is reset; three boots at most.
esc_menu() {
	for _boot in 1 2 3; do
		seen $_boot "^$1 keyboard initialized" || return 1
		"$VI" 127.0.0.1 "$PORT" tap "${2:-0xff1b}" "$DBG" "Select boot device" 30 && return 0
		mon system_reset > /dev/null
	done
	return 1
}

# ---- PS/2 keyboard: SeaBIOS's boot menu over VNC and sendkey ---------------
start ps2 ""
# boot_and_menu N: open the menu by ESC, then read the CD's entry number
# from the screen
boot_and_menu() {
	check "boot $1: ESC over VNC opens SeaBIOS's boot menu" esc_menu PS2
	check "boot $1: SeaBIOS had finished its POST" grep -aq "All threads complete" "$DBG"
	check "boot $1: the menu is on the screen, listing the CD-ROM" screen_has '^[1-9]\. DVD/CD ' 20
	check "boot $1: and the hard disk" grep -q '^[1-9]\. .*Hard-Disk' "$T/screen.txt"
	check "boot $1: under 'Select boot device:'" grep -q '^Select boot device:' "$T/screen.txt"
	cd_no=$(menu_entry 'DVD/CD ')
	check "boot $1: the CD's menu entry ($cd_no)" [ -n "$cd_no" ]
}
boot_and_menu 1
check "the keys went to the PS/2 keyboard" grep -q 'input: keys go to the PS/2 keyboard' "$T/ps2.logs/vmstation.log"
mon "sendkey $cd_no" > /dev/null
check "sendkey $cd_no boots the CD although boot='c'" screen_has "^Booting from DVD/CD" 20
check "the hard disk was not tried" sh -c "! grep -q 'Booting from Hard Disk' '$T/screen.txt'"
check "quit: exit 0" stop_vm

# ---- boot_menu_key='f12': SeaBIOS waits for F12 instead of ESC --------------
start f12 "boot_menu_key = 'f12'"
check "f12: F12 over VNC opens the boot menu (tapped from the keyboard's start, as ESC)" esc_menu PS2 0xffc9
check "f12: SeaBIOS finished its POST" grep -aq "All threads complete" "$DBG"
check "f12: the menu is on the screen" screen_has '^[1-9]\. DVD/CD ' 20
check "f12: under the prompt naming F12" grep -q '^Press F12 for boot menu' "$T/screen.txt"
check "f12: quit: exit 0" stop_vm

# ---- USB keyboard: SeaBIOS's menu and GRUB over VNC --------------------------
start usb "usb = 1
usbdevice = 'keyboard'"
check "SeaBIOS initialized the USB keyboard" seen 1 '^USB keyboard initialized'
check "ESC over VNC through the USB keyboard opens the boot menu" esc_menu USB
check "SeaBIOS finished its POST (USB keyboard attached)" grep -aq "All threads complete" "$DBG"
check "info usb lists the keyboard" sh -c "'$MC' '$SOCK' 'info usb' | grep -q 'Product vmstation USB Keyboard'"
check "the menu is on the screen" screen_has '^[1-9]\. DVD/CD ' 20
check "the input router sent the keys to the USB keyboard" \
	grep -q 'input: keys go to the vmstation USB Keyboard' "$T/usb.logs/vmstation.log"
check "and never to the PS/2 keyboard" sh -c "! grep -q 'input: keys go to the PS/2' '$T/usb.logs/vmstation.log'"
cd_no=$(menu_entry 'DVD/CD ')
check "the CD's menu entry ($cd_no)" [ -n "$cd_no" ]
vkey 0x3$cd_no
check "digit $cd_no over the USB keyboard boots the CD" screen_has "^Booting from DVD/CD" 20
check "the hard disk was not tried" sh -c "! grep -q 'Booting from Hard Disk' '$T/screen.txt'"
check "GRUB menu on the text screen" screen_has "GNU GRUB  version" 300
check "GRUB's entries are drawn" screen_has '^ │\*GNU/Linux ' 60
vkey 0xff54
check "Down over VNC moves GRUB's highlight to the second entry" screen_has '^ │\*GNU (aka GNU/Hurd)' 20
vkey 0xff54
check "Down again: the third entry" screen_has '^ │\*FreeBSD (or GNU/kFreeBSD), direct boot' 20
vkey 0xff52
check "Up over VNC comes back to the second" screen_has '^ │\*GNU (aka GNU/Hurd)' 20
vkey 0xff0d
# the Hurd entry's commands fail on our empty disk: "set root" finds no
# partition, then each of its two "module" lines needs a kernel (the Linux
# entry has one "initrd" line)
check "Enter over VNC runs the highlighted entry" screen_has "Press any key to continue" 30
check "the commands that ran are the Hurd entry's (2 modules)" \
	[ "$(grep -c 'you need to load the kernel first' "$T/screen.txt")" = 2 ]
check "quit: exit 0" stop_vm
finish
