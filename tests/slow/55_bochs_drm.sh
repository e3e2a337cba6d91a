#!/bin/sh
# Linux's own driver for our card: Debian's amd64 kernel (the one
# tests/guests/build-linux.sh fetches) boots with an initramfs that loads the
# `bochs` DRM driver and its dependencies from the same linux-image package
# (insmod in dependency order: drm, drm_kms_helper, ttm, drm_ttm_helper,
# drm_vram_helper, bochs). The driver must find the card (DISPI id, BAR0
# framebuffer, BAR2 MMIO registers), set a mode, and fbcon must draw the
# console into it: /init clears tty1 and writes 40 reverse-video spaces, a
# 320x16 light-grey bar at the top left in the VGA 8x16 font; `screendump`
# must show exactly that bar on a black 1024x768 screen. Then /init writes a
# pattern file to /dev/fb0 from user space; the monitor's screendump and a VNC
# client (vmstation view --screenshot) must both read it back pixel for pixel.
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
echo "VMST-FB0-FORMAT \$(cat /sys/class/graphics/fb0/bits_per_pixel) \$(cat /sys/class/graphics/fb0/stride)"
echo "VMST-DRM-READY"
# user space draws: the pattern file straight into the framebuffer (pattern v1)
sleep 20
[ -c /dev/fb0 ] && cat /pattern.raw > /dev/fb0 && echo "VMST-PATTERN-DRAWN"
sleep 100000
EOF
# the pattern user space writes to /dev/fb0 (XRGB8888, 1024x768, stride 4096):
# red = x, green = y, blue = 7x + 13y (mod 256), every channel distinct, so a
# swapped channel, a wrong stride or a lost line shows. `check FILE.ppm`
# compares a screenshot with it pixel for pixel.
cat > "$T/pattern.py" <<'PY'
import sys
W, H = 1024, 768
def rgb(x, y): return (x & 255, y & 255, (7 * x + 13 * y) & 255)
if sys.argv[1] == 'raw':
    out = bytearray(W * H * 4)
    for y in range(H):
        for x in range(W):
            r, g, b = rgb(x, y)
            out[(y * W + x) * 4:(y * W + x) * 4 + 4] = bytes((b, g, r, 0))
    open(sys.argv[2], 'wb').write(out)
    sys.exit(0)
d = open(sys.argv[2], 'rb').read().split(maxsplit=4)
w, h, px = int(d[1]), int(d[2]), d[4]
if (w, h) != (W, H):
    print('screenshot is %dx%d, not %dx%d' % (w, h, W, H)); sys.exit(1)
want = bytearray(W * H * 3)
for y in range(H):
    for x in range(W):
        want[(y * W + x) * 3:(y * W + x) * 3 + 3] = bytes(rgb(x, y))
bad = [i // 3 for i in range(0, W * H * 3, 3) if px[i:i + 3] != want[i:i + 3]]
if bad:
    i = bad[0]
    print('%d pixels differ; first at (%d,%d): %s, want %s' % (len(bad), i % W, i // W,
          px[i * 3:i * 3 + 3].hex(), want[i * 3:i * 3 + 3].hex()))
    sys.exit(1)
print('all %d pixels match the pattern' % (W * H))
PY
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
	python3 "$T/pattern.py" raw "$root/pattern.raw"
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
vnc = 1
vncunused = 1
vncdisplay = 55
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

# ---- a pattern from guest user space, read back by screendump and by VNC ----
PORT=$(sed -n 's/.*VNC on [0-9.]*:\([0-9]*\).*/\1/p' "$T/drm.out" | head -1)
echo "$(grep '^VMST-FB0-FORMAT' "$T/com1") (bits per pixel, stride); VNC port ${PORT:-none}"
check "fb0 is 32 bits per pixel with a 4096-byte stride" grep -q '^VMST-FB0-FORMAT 32 4096' "$T/com1"
check "user space wrote the pattern to the /dev/fb0 device (cat /pattern.raw > /dev/fb0)" \
	wait_for "$T/com1" '^VMST-PATTERN-DRAWN' 120
sleep 2
"$MC" "$T/mon.sock" "screendump $T/pattern.ppm" > /dev/null 2>&1
check "screendump reads the pattern back exactly" \
	sh -c "python3 '$T/pattern.py' check '$T/pattern.ppm' > '$T/pattern.out' 2>&1; r=\$?; cat '$T/pattern.out'; exit \$r"
check "vmstation view --screenshot over VNC (port ${PORT:-none})" \
	sh -c "[ -n '$PORT' ] && timeout 60 '$VMST' view --screenshot '$T/pattern.vnc.ppm' --wait-size 1024x768 '::$PORT' > '$T/view.out' 2>&1"
check "the VNC client reads the pattern back exactly" \
	sh -c "python3 '$T/pattern.py' check '$T/pattern.vnc.ppm' > '$T/pattern-vnc.out' 2>&1; r=\$?; cat '$T/pattern-vnc.out'; exit \$r"
"$MC" "$T/mon.sock" quit > /dev/null 2>&1
wait_pid $VM_PID 30
check "quit ends the VM (exit $RC)" [ "$RC" = 0 ]
finish
