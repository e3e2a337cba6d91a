#!/bin/sh
# Builds the 32-bit game-port guest from Debian packages into a cache
# directory (default build/cache), once. Prints:
#   KERNEL=<Debian linux-image-*-686 bzImage>
#   INITRD=<uncompressed cpio: i386 busybox, the kernel's gameport, ns558,
#           analog, joydev and evdev modules, joyread>
# The initramfs /init waits until the port has a joystick attached (ns558's
# probe needs one: portprobe, tests/guests/portprobe.c, reads it the same
# way), loads the modules (insmod in modules.dep order; ns558 probes the ISA
# ports from 0x201), shows /proc/bus/input/devices and the
# kernel's messages about them, waits for the analog driver's joystick and
# runs joyread (tests/guests/joyread.c) on its event device, which prints
# its axes and buttons every 200 ms ("JOY ..." lines) until the test stops
# the VM.
set -e
PATH=$PATH:/sbin:/usr/sbin
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/guests/linux-common.sh"
cache=${1:-$top/build/cache}
dir="$cache/linux-686-joystick"
mkdir -p "$dir"

enable_i386

if [ ! -f "$dir/pkgs.done" ]; then
	kpkg=$(kernel_package linux-image-686:i386 build-linux-686-joystick)
	rm -rf "$dir/deb" "$dir/pkgs"
	mkdir -p "$dir/deb" "$dir/pkgs"
	(cd "$dir/deb" && apt-get download -q "$kpkg" busybox-static:i386 >&2)
	for d in "$dir"/deb/*.deb; do
		dpkg-deb --fsys-tarfile "$d" | tar -x -C "$dir/pkgs" --wildcards './boot/vmlinuz-*' \
			'./bin/busybox' './lib/modules/*/kernel/drivers/input/*' \
			'./lib/modules/*/modules.*' 2>/dev/null || true
	done
	rm -rf "$dir/deb"
	touch "$dir/pkgs.done"
fi
P="$dir/pkgs"
ver=$(ls "$P/lib/modules" | head -n 1)
cp "$P/boot/vmlinuz-$ver" "$dir/vmlinuz"
[ -f "$P/lib/modules/$ver/modules.dep" ] || depmod -b "$P" "$ver"

# the modules, dependencies first (only those in this package's tree)
deps_of() {
	awk -v m="$1:" '$1 == m { for (i = 2; i <= NF; i++) print $i }' "$P/lib/modules/$ver/modules.dep"
}
order=""
add() {
	case " $order " in *" $1 "*) return ;; esac
	for d in $(deps_of "$1"); do add "$d"; done
	order="$order $1"
}
for m in ns558 analog joydev evdev; do
	path=$(awk -F: -v m="$m" '$1 ~ "/" m "\\.ko(\\.xz)?$" { print $1; exit }' "$P/lib/modules/$ver/modules.dep")
	[ -n "$path" ] || { echo "build-linux-686-joystick: no $m module in $ver" >&2; exit 1; }
	add "$path"
done

cc -m32 -Os -std=gnu11 -Wall -Wextra -static -nostdlib -ffreestanding -fno-pic -no-pie \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-o "$dir/joyread" "$top/tests/guests/joyread.c" >&2
cc -m32 -Os -std=gnu11 -Wall -Wextra -static -nostdlib -ffreestanding -fno-pic -no-pie \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-o "$dir/portprobe" "$top/tests/guests/portprobe.c" >&2

init_src=$(mktemp)
{
	echo '#!/bin/sh'
	echo 'export PATH=/bin:/usr/bin'
	echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev'
	echo 'echo "VMST-LINUX-BOOT-OK $(uname -r)"'
	# ns558 finds a port only with a joystick attached: wait for the test's
	# (its line: the probe that passed, or the last that failed)
	echo 'i=0; until p=$(/usr/bin/portprobe) || [ $i -ge 300 ]; do sleep 1; i=$((i + 1)); done; echo "$p"'
	for m in $order; do
		echo "insmod /lib/modules/$(basename "$m" .xz) || echo VMST-INSMOD-FAILED $(basename "$m" .xz)"
	done
	cat <<'EOF2'
# gameport ports and drivers meet on the kernel's gameport thread
i=0
while ! grep -q 'Analog' /proc/bus/input/devices && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
echo "VMST-DEVICES-BEGIN"; cat /proc/bus/input/devices; echo "VMST-DEVICES-END"
dmesg | grep -i -E 'gameport|ns558|analog|joystick|input:|clocksource|tsc|pm-timer' | sed 's/^/dmesg: /'
ls /sys/bus/gameport/devices | sed 's/^/gameport-bus: /'
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

grep -i -E 'ns558|gameport|^ *02' /proc/ioports | sed 's/^/ioports: /'
ls /dev/input | sed 's/^/devinput: /'
ev=$(awk '/^N:/ { a = /Analog/ } a && /^H:/ { for (i = 1; i <= NF; i++) if ($i ~ /^(Handlers=)?event[0-9]+$/) { sub(/^Handlers=/, "", $i); print $i; exit } }' /proc/bus/input/devices)
echo "VMST-EVDEV ${ev:-none}"
[ -n "$ev" ] && exec /usr/bin/joyread "/dev/input/$ev"
echo "VMST-NO-JOYSTICK"
sleep 5
poweroff -f
EOF2
} > "$init_src"

root="$dir/initramfs"
busybox_root "$root" "$P/bin/busybox" sh mount echo cat dmesg grep sed uname poweroff sleep ls \
	insmod awk
mkdir -p "$root/usr/bin" "$root/lib/modules"
for m in $order; do
	case "$m" in
	*.xz) xz -dc "$P/lib/modules/$ver/$m" > "$root/lib/modules/$(basename "$m" .xz)" ;;
	*) cp "$P/lib/modules/$ver/$m" "$root/lib/modules/" ;;
	esac
done
cp "$dir/joyread" "$root/usr/bin/joyread"
cp "$dir/portprobe" "$root/usr/bin/portprobe"
cp "$init_src" "$root/init"
chmod 755 "$root/init"
rm -f "$init_src"
pack_initramfs "$root" "$dir/initrd.cpio"
echo "KERNEL=$dir/vmlinuz"
echo "INITRD=$dir/initrd.cpio"
