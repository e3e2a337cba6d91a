#!/bin/sh
# Debian's 32-bit kernel (linux-image-*-686) with its own ALSA driver:
# `snd-sb16 port=0x220 irq=5 dma8=1 dma16=5` loads, finds the card, and
# aplay plays a 5 s 440 Hz 16-bit 44100 Hz stereo WAV (then speaker-test a
# short sine). Recorded from a PulseAudio null sink with parec: the pitch is
# within 0.5%, the level is the file's (-9.03 dBFS RMS at 100% volume), and
# no gap over 10 ms appears. Guest user mode (aplay) runs at full speed here,
# so playback must be clean; the boot itself takes minutes (TESTING.md).
. "$(dirname "$0")/../lib.sh"

paths=$(sh "$TOP/tests/guests/build-linux-686-sound.sh" "$CACHE") || { fail "build the 686 sound guest"; finish; }
KERNEL=$(echo "$paths" | sed -n 's/^KERNEL=//p')
INITRD=$(echo "$paths" | sed -n 's/^INITRD=//p')
check "Debian 686 kernel and the ALSA initramfs built" test -s "$KERNEL" -a -s "$INITRD"
AN="$TOP/build/tools/audio_analyze"
mkdir -p "$TOP/build/tools"
if [ ! -x "$AN" ] || [ "$TOP/tests/tools/audio_analyze.c" -nt "$AN" ]; then
	cc -O2 -o "$AN" "$TOP/tests/tools/audio_analyze.c" -lm || { fail "build audio_analyze"; finish; }
fi
LINUX_QUIRKS=${LINUX_QUIRKS:-"mitigations=off noxsave nokaslr nofsgsbase init_on_alloc=0 clearcpuid=smap,smep,rdrand,rdseed,popcnt,avx,avx2,avx512f,bmi1,bmi2,movbe,pclmulqdq,aes,sse4_2,sse4_1,ssse3,fma,f16c,adx,sha_ni,lzcnt,abm"}

export XDG_RUNTIME_DIR="$T/xdg"
mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
PAREC=""
cleanup() { [ -n "$PAREC" ] && kill "$PAREC" 2>/dev/null; pulseaudio -k 2>/dev/null; }
trap cleanup EXIT
chrt -f 10 pulseaudio -D --exit-idle-time=-1 -n --load="module-null-sink sink_name=vmst" \
	--load=module-native-protocol-unix > "$T/pulse.log" 2>&1
i=0; while ! pactl info > /dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "PulseAudio with a null sink is running" pactl info
chrt -f 10 parec -d vmst.monitor --format=s16le --rate=44100 --channels=2 > "$T/rec.raw" 2>"$T/parec.log" &
PAREC=$!

cat > "$T/sb.cfg" <<CFG
name = 'sb16-linux'
memory = 256
vcpus = 1
kernel = '$KERNEL'
ramdisk = '$INITRD'
extra = 'console=ttyS0 panic=-1 $LINUX_QUIRKS'
serial = 'file:$T/sb.com1'
cpuid = 'host,cx16=0,rdrand=0,rdseed=0,xsave=0'
soundhw = 'sb16'
vga = 'none'
vnc = 0
sdl = 0
on_poweroff = 'destroy'
on_reboot = 'destroy'
on_crash = 'destroy'
log_dir = '$T/sb.logs'
CFG
start=$(date +%s)
"$VMST" run "$T/sb.cfg" > "$T/sb.out" 2>&1 &
wait_pid $! "${LINUX_BOOT_TIMEOUT:-1200}"; rc=$RC
secs=$(( $(date +%s) - start ))
sleep 0.5
kill "$PAREC" 2>/dev/null; wait "$PAREC" 2>/dev/null; PAREC=""
echo "TIME: 686 kernel boot, snd-sb16, aplay, poweroff: ${secs}s"
sed -n '/VMST-CARDS-BEGIN/,/VMST-UPTIME/p' "$T/sb.com1"
check "the 686 kernel ran /init" grep -q '^VMST-LINUX-BOOT-OK' "$T/sb.com1"
check "every module loaded (snd-sb16 with port=0x220 irq=5 dma8=1 dma16=5)" \
	sh -c "grep -q VMST-CARDS-BEGIN '$T/sb.com1' && ! grep -q VMST-INSMOD-FAILED '$T/sb.com1'"
check "ALSA found the card: 'Sound Blaster 16 at 0x220, irq 5, dma 1&5'" \
	grep -q 'Sound Blaster 16 at 0x220, irq 5, dma 1&5' "$T/sb.com1"
check "amixer set Master to 100%" grep -q 'VMST-MIXER \[100%\]' "$T/sb.com1"
check "aplay finished without error" grep -q 'VMST-APLAY-END rc=0' "$T/sb.com1"
check "vmstation exits 0 after the guest powers off (got $rc)" [ "$rc" = 0 ]
"$AN" --raw 44100 2 "$T/rec.raw" > "$T/rec.txt"
cat "$T/rec.txt"
# the aplay tone is the first segment of 4.5 s or more
line=$(awk '/^segment/ { for (i = 1; i <= NF; i++) if ($i ~ /^dur=/) { split($i, a, "="); if (a[2] >= 4.5) { print; exit } } }' "$T/rec.txt")
v() { echo "$line" | sed -n "s/.* $1=\([-0-9.]*\).*/\1/p"; }
within() { awk -v v="$1" -v c="$2" -v t="$3" 'BEGIN { exit !(v != "" && v >= c - t && v <= c + t) }'; }
check "aplay's tone recorded for its 5 s (got $(v dur))" within "$(v dur)" 5.0 0.15
check "pitch 440 Hz within 0.5% (got $(v freq))" within "$(v freq)" 440 2.2
check "level of the file at 100%: -9.03 dBFS (got $(v rms_dbfs))" within "$(v rms_dbfs)" -9.03 0.7
check "no gap over 10 ms (longest $(v gap_ms) ms)" awk -v g="$(v gap_ms)" 'BEGIN { exit !(g != "" && g <= 10) }'
check "speaker-test played its sine too" grep -q 'VMST-SPEAKER-TEST-END' "$T/sb.com1"
finish
