#!/bin/sh
# Builds the 32-bit sound guest from Debian packages into a cache directory
# (default build/cache), once. Prints:
#   KERNEL=<Debian linux-image-*-686 bzImage>
#   INITRD=<uncompressed cpio: i386 busybox, the ALSA ISA Sound Blaster
#           modules, aplay and speaker-test with libasound and /usr/share/alsa>
# The initramfs /init loads snd-sb16 with port=0x220 irq=5 dma8=1 dma16=5
# (insmod in modules.dep order), shows /proc/asound/cards, sets Master and PCM
# to 100% with amixer, plays a 5 s 440 Hz
# 16-bit 44100 Hz stereo WAV with aplay (markers VMST-APLAY-BEGIN/END on the
# console), a short speaker-test sine, and powers off. Before aplay, the OPL3:
# /proc/asound's hwdep and sequencer client for it (snd-opl3-synth is loaded
# too), /dev/snd/hwC0D0, Synth at 100%, and opl3note (tests/guests/opl3note.c)
# keys a 660 Hz FM sine on for 2 s through the hwdep (VMST-OPL3-BEGIN/END).
set -e
PATH=$PATH:/sbin:/usr/sbin
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/guests/linux-common.sh"
cache=${1:-$top/build/cache}
dir="$cache/linux-686-sound"
mkdir -p "$dir"

enable_i386

if [ ! -f "$dir/pkgs.done" ]; then
	kpkg=$(kernel_package linux-image-686:i386 build-linux-686-sound)
	rm -rf "$dir/deb" "$dir/pkgs"
	mkdir -p "$dir/deb" "$dir/pkgs"
	(cd "$dir/deb" && apt-get download -q "$kpkg" busybox-static:i386 alsa-utils:i386 \
		libasound2:i386 libasound2-data libc6:i386 >&2)
	for d in "$dir"/deb/*.deb; do dpkg-deb -x "$d" "$dir/pkgs"; done
	rm -rf "$dir/deb"
	touch "$dir/pkgs.done"
fi
P="$dir/pkgs"
ver=$(ls "$P/lib/modules" | head -n 1)
cp "$P/boot/vmlinuz-$ver" "$dir/vmlinuz"
[ -f "$P/lib/modules/$ver/modules.dep" ] || depmod -b "$P" "$ver"

# modules snd-sb16 needs, dependencies first
deps_of() { # module path relative to lib/modules/VER
	awk -v m="$1:" '$1 == m { for (i = 2; i <= NF; i++) print $i }' "$P/lib/modules/$ver/modules.dep"
}
order=""
add() {
	case " $order " in *" $1 "*) return ;; esac
	for d in $(deps_of "$1"); do add "$d"; done
	order="$order $1"
}
sb=$(awk -F: '$1 ~ /\/snd-sb16\.ko/ { print $1 }' "$P/lib/modules/$ver/modules.dep")
[ -n "$sb" ] || { echo "build-linux-686-sound: no snd-sb16 module in $ver" >&2; exit 1; }
add "$sb"
# and Linux's OPL3 FM synth for the sequencer (snd-sb16 itself brings snd-opl3-lib)
opl=$(awk -F: '$1 ~ /\/snd-opl3-synth\.ko/ { print $1 }' "$P/lib/modules/$ver/modules.dep")
[ -n "$opl" ] || { echo "build-linux-686-sound: no snd-opl3-synth module in $ver" >&2; exit 1; }
add "$opl"

# opl3note (tests/guests/opl3note.c): a static i386 program that plays a note
# through the OPL3 hwdep's SNDRV_DM_FM ioctls, built here from its source
cc -m32 -Os -std=gnu11 -Wall -Wextra -static -nostdlib -ffreestanding -fno-pic -no-pie \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-o "$dir/opl3note" "$top/tests/guests/opl3note.c" >&2

# a 5 s 440 Hz sine, half scale, 16-bit 44100 Hz stereo
python3 - "$dir/tone.wav" <<'PY'
import math, struct, sys
rate, secs = 44100, 5
frames = b''.join(struct.pack('<hh', v, v) for v in
    (int(round(16384 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(rate * secs)))
hdr = b'RIFF' + struct.pack('<I', 36 + len(frames)) + b'WAVEfmt ' + struct.pack('<IHHIIHH', 16, 1, 2, rate, rate * 4, 4, 16) + b'data' + struct.pack('<I', len(frames))
open(sys.argv[1], 'wb').write(hdr + frames)
PY

init_src=$(mktemp)
{
	echo '#!/bin/sh'
	echo 'export PATH=/bin:/usr/bin'
	echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev'
	echo 'echo "VMST-LINUX-BOOT-OK $(uname -r)"'
	for m in $order; do
		b=$(basename "$m")
		case "$b" in
		snd-sb16.ko*) echo "insmod /lib/modules/$b port=0x220 irq=5 dma8=1 dma16=5 isapnp=0 || echo VMST-INSMOD-FAILED $b" ;;
		*) echo "insmod /lib/modules/$b || echo VMST-INSMOD-FAILED $b" ;;
		esac
	done
	cat <<'EOF'
echo "VMST-CARDS-BEGIN"; cat /proc/asound/cards; echo "VMST-CARDS-END"
# the CT1745 powers up at -14 dB on master and voice: full volume, as a user would
amixer -q -c 0 sset Master 100% unmute; amixer -q -c 0 sset PCM 100% unmute
echo "VMST-MIXER $(amixer -c 0 sget Master | grep -o '\[[0-9]*%\]' | head -1)"
dmesg | grep -i -E 'sb16|sound blaster|snd' | sed 's/^/dmesg: /'
sleep 1
# the OPL3 through Linux's own driver: its hwdep, its sequencer client, a note
echo "VMST-OPL3-BEGIN"
sed 's/^/asound: /' /proc/asound/hwdep /proc/asound/seq/clients 2>&1 | grep -i -E 'opl|fm|hwdep'
ls /dev/snd/hwC0D0 && echo "VMST-OPL3-HWDEP present"
amixer -q -c 0 sset Synth 100% unmute
echo "VMST-SYNTH $(amixer -c 0 sget Synth | grep -o '\[[0-9]*%\]' | head -1)"
sleep 1
/usr/bin/opl3note /dev/snd/hwC0D0; echo "VMST-OPL3-END rc=$?"
sleep 1
sleep 1
echo "VMST-APLAY-BEGIN"
aplay -D plughw:0,0 /tone.wav 2>&1; echo "VMST-APLAY-END rc=$?"
sleep 1
echo "VMST-SPEAKER-TEST-BEGIN"
speaker-test -D plughw:0,0 -c 2 -r 22050 -t sine -f 440 -s 1 -l 1 2>&1 | tail -3; echo "VMST-SPEAKER-TEST-END"
echo "VMST-UPTIME $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
EOF
} > "$init_src"

root="$dir/initramfs"
busybox_root "$root" "$P/bin/busybox" sh mount echo cat cut dmesg grep sed uname poweroff sleep ls \
	insmod tail
mkdir -p "$root/usr/bin" "$root/lib/modules" "$root/lib/i386-linux-gnu" "$root/usr/share" "$root/tmp"
for m in $order; do
	case "$m" in
	*.xz) xz -dc "$P/lib/modules/$ver/$m" > "$root/lib/modules/$(basename "$m" .xz)" ;;
	*) cp "$P/lib/modules/$ver/$m" "$root/lib/modules/" ;;
	esac
done
sed -i 's/\.ko\.xz /.ko /' "$init_src"
cp "$P/usr/bin/aplay" "$P/usr/bin/speaker-test" "$P/usr/bin/amixer" "$root/usr/bin/"
for l in libasound.so.2 libc.so.6 libm.so.6 ld-linux.so.2; do
	cp -L "$P/lib/i386-linux-gnu/$l" "$root/lib/i386-linux-gnu/$l" 2>/dev/null ||
	cp -L "$P/usr/lib/i386-linux-gnu/$l" "$root/lib/i386-linux-gnu/$l"
done
ln -s i386-linux-gnu/ld-linux.so.2 "$root/lib/ld-linux.so.2"
cp -r "$P/usr/share/alsa" "$root/usr/share/alsa"
cp "$dir/tone.wav" "$root/tone.wav"
cp "$dir/opl3note" "$root/usr/bin/opl3note"
cp "$init_src" "$root/init"
chmod 755 "$root/init"
rm -f "$init_src"
pack_initramfs "$root" "$dir/initrd.cpio"
echo "KERNEL=$dir/vmlinuz"
echo "INITRD=$dir/initrd.cpio"
