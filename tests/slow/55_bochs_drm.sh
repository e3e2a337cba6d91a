#!/bin/sh
# Linux's own driver for our card: Debian's amd64 kernel (the one
# tests/guests/build-linux.sh fetches) boots with an initramfs that loads the
# `bochs` DRM driver and its dependencies from the same linux-image package
# (insmod in dependency order: drm, drm_kms_helper, ttm, drm_ttm_helper,
# drm_vram_helper, bochs). The driver must find the card (DISPI id, BAR0
# framebuffer, BAR2 MMIO registers), set a mode, and fbcon must draw the
# console into it: /init clears tty1 and writes 40 reverse-video spaces, a
# 320x16 light-grey bar at the top left in the VGA 8x16 font; `screendump`
# must show exactly that bar on a black 1024x768 screen.
# Takes minutes here: guest kernel mode is emulated (TESTING.md).
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"

paths=$(sh "$TOP/tests/guests/build-linux.sh" "$CACHE") || { fail "build the Linux guest"; finish; }
KERNEL=$(echo "$paths" | sed -n 's/^KERNEL=//p')
PKG=$(cat "$CACHE/linux-amd64/kernel-package" 2>/dev/null)
check "Debian kernel built ($PKG)" test -s "$KERNEL" -a -n "$PKG"

# ---- the DRM modules from the same package, and an initramfs that loads them ----
dir="$CACHE/linux-amd64-drm"
mkdir -p "$dir"
MODS="drm drm_kms_helper ttm drm_ttm_helper drm_vram_helper bochs"
if [ ! -f "$dir/modules.done" ] || [ "$(cat "$dir/modules.done")" != "$PKG" ]; then
	rm -rf "$dir/deb" "$dir/modules" && mkdir -p "$dir/deb" "$dir/modules"
	(cd "$dir/deb" && apt-get download -q "${PKG%%_*}" >/dev/null 2>&1)
	deb=$(ls "$dir"/deb/*.deb 2>/dev/null | head -n 1)
	if [ -n "$deb" ] && dpkg-deb --fsys-tarfile "$deb" |
	   tar -x -C "$dir/deb" --wildcards './lib/modules/*/kernel/drivers/gpu/drm/*'; then
		for m in $MODS; do
			find "$dir/deb/lib/modules" -name "$m.ko*" -exec cp {} "$dir/modules/" \;
		done
		echo "$PKG" > "$dir/modules.done"
	fi
	rm -rf "$dir/deb"
fi
n=0
for m in $MODS; do [ -f "$dir/modules/$m.ko" ] && n=$((n + 1)); done
check "the six DRM modules (uncompressed .ko) came out of $PKG" [ "$n" = 6 ]
# their declared dependencies are all earlier in the load order
. "$TOP/tests/guests/linux-common.sh"
check "insmod order satisfies every module's 'depends'" modules_in_order "$dir/modules" $MODS

cat > "$dir/init.new" <<EOF
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
while [ ! -e /sys/class/graphics/fb0 ] && [ \$i -lt 120 ]; do sleep 1; i=\$((i + 1)); done
echo "VMST-FB0 \$(cat /sys/class/graphics/fb0/name 2>/dev/null) \$(cat /sys/class/graphics/fb0/virtual_size 2>/dev/null)"
sleep 2
printf '\033[2J\033[H\033[?25l\033[7m%40s\033[0m\n' '' > /dev/tty1
echo "VMST-DMESG-BEGIN"
dmesg | grep -i -E 'bochs|fbcon|\[drm\]'
echo "VMST-DMESG-END"
echo "VMST-DRM-READY"
sleep 100000
EOF
BUSYBOX=/bin/busybox
if [ ! -f "$dir/initrd.cpio" ] || ! cmp -s "$dir/init.new" "$dir/init" ||
   [ "$dir/modules.done" -nt "$dir/initrd.cpio" ] || ! cmp -s "$BUSYBOX" "$dir/busybox.used"; then
	root="$dir/initramfs"
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/lib/modules"
	cp "$BUSYBOX" "$root/bin/busybox"
	for a in sh mount echo cat dmesg grep uname sleep insmod printf; do
		ln -s busybox "$root/bin/$a"
	done
	cp "$dir"/modules/*.ko "$root/lib/modules/"
	cp "$dir/init.new" "$root/init"
	chmod 755 "$root/init"
	(cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0) > "$dir/initrd.cpio.tmp"
	mv "$dir/initrd.cpio.tmp" "$dir/initrd.cpio"
	cp "$dir/init.new" "$dir/init"
	cp "$BUSYBOX" "$dir/busybox.used"
	rm -rf "$root"
fi
INITRD="$dir/initrd.cpio"

. "$TOP/tests/slow/linux_cmdline.inc" # LINUX_QUIRKS, LINUX_TRIM
cat > "$T/drm.cfg" <<EOF
name = 'bochsdrm'
memory = 256
vcpus = 1
kernel = '$KERNEL'
ramdisk = '$INITRD'
extra = 'console=ttyS0 panic=-1 logo.nologo $LINUX_QUIRKS $LINUX_TRIM $LINUX_CLOCK'
serial = 'file:$T/com1'
cpuid = 'host,cx16=0,rdrand=0,rdseed=0,xsave=0'
vga = 'stdvga'
vnc = 0
sdl = 0
monitor_path = '$T/mon.sock'
on_poweroff = 'destroy'
on_reboot = 'destroy'
on_crash = 'destroy'
log_dir = '$T/logs'
EOF
start=$(date +%s)
vm_bg drm run "$T/drm.cfg"
# until the marker, a panic, the VM's end (a crash is in its log) or the time-out
i=0
while [ $i -lt "${LINUX_BOOT_TIMEOUT:-1200}" ] && kill -0 $VM_PID 2>/dev/null &&
      ! grep -qaE '^VMST-DRM-READY|Kernel panic' "$T/com1" 2>/dev/null; do
	sleep 1; i=$((i + 1))
done
grep -a -A1 'vCPU 0:' "$T/logs/vmstation.log" 2>/dev/null | head -2
SECS=$(( $(date +%s) - start ))
echo "TIME: boot to the bochs console drawn: ${SECS}s"
why=$(linux_userspace_diag "$T/com1")
check "/init ran${why:+ -- $why}" grep -q '^VMST-LINUX-BOOT-OK' "$T/com1"
check "every module loaded" sh -c "grep -q '^VMST-DRM-READY' '$T/com1' && ! grep -q 'VMST-INSMOD-FAIL' '$T/com1'"
check "the bochs driver found the card (DISPI id)" grep -qi 'Found bochs VGA, ID 0xb0c' "$T/com1"
check "fb0 is bochs-drm ($(grep '^VMST-FB0' "$T/com1"))" grep -q '^VMST-FB0 bochs' "$T/com1"
check "fbcon took the console" grep -q 'fbcon: bochs.* is primary device' "$T/com1"
sleep 3
"$MC" "$T/mon.sock" "screendump $T/screen.ppm" > /dev/null 2>&1
cat > "$T/bar.py" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read().split(maxsplit=4)
w, h, px = int(d[1]), int(d[2]), d[4]
if (w, h) != (1024, 768):
    print('screen is %dx%d, not 1024x768' % (w, h)); sys.exit(1)
at = lambda x, y: px[(y * w + x) * 3:(y * w + x) * 3 + 3]
bar = {at(x, y) for y in range(16) for x in range(320)}
rest = {at(x, y) for y in range(16) for x in range(320, w)}
below = {at(x, y) for y in range(32, h) for x in range(w)}
print('bar', bar, 'right of it', rest, 'below', len(below), 'colours')
ok = bar == {b'\xaa\xaa\xaa'} and rest == {b'\0\0\0'} and below == {b'\0\0\0'}
sys.exit(0 if ok else 1)
PY
check "screendump: 1024x768, the 320x16 light-grey bar fbcon drew, black elsewhere" \
	sh -c "python3 '$T/bar.py' '$T/screen.ppm' > '$T/bar.out' 2>&1 || { cat '$T/bar.out'; exit 1; }"
"$MC" "$T/mon.sock" quit > /dev/null 2>&1
wait_pid $VM_PID 30
check "quit ends the VM (exit $RC)" [ "$RC" = 0 ]
finish
