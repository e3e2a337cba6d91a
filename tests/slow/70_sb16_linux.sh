#!/bin/sh
# Debian's 32-bit kernel (linux-image-*-686) with its own ALSA driver:
# `snd-sb16 port=0x220 irq=5 dma8=1 dma16=5` loads, finds the card, and
# aplay plays a 5 s 440 Hz 16-bit 44100 Hz stereo WAV (then speaker-test a
# short sine). Recorded from a PulseAudio null sink with parec: the pitch is
# within 0.5%, the level is the file's (-9.03 dBFS RMS at 100% volume), and
# no gap over 10 ms appears. Then the OPL3 through Linux's own driver
# (snd-opl3-lib with snd-sb16, snd-opl3-synth): its hwdep and sequencer
# client, and a 660 Hz FM note that tests/guests/opl3note.c plays through the
# hwdep's SNDRV_DM_FM ioctls, heard in the recording at its pitch.
# Real-time figures (the tone's duration, gaps, glitched periods) are asserted
# only on a native KVM (check_rt in tests/lib.sh); in the emulated host
# (tests/kvmhost) or on kvm-pvm they are printed, not asserted.
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
check "vmstation exits 0 after the guest powers off (got $rc)" [ "$rc" = 0 ] ||
	dump_vm "$T/sb.logs" "$T/sb.com1" "$T/sb.out"
"$AN" --raw 44100 2 "$T/rec.raw" > "$T/rec.txt"
cat "$T/rec.txt"
# on a native KVM over the whole tone; elsewhere samples arrive late (gaps,
# printed above), and pitch and level are measured over its played periods
if realtime_kvm; then F=freq R=rms_dbfs; else F=pfreq R=prms_dbfs; fi
# the aplay tone is the first segment of 3 s or more (5 s) that is not the FM
# note before it (660 Hz; 2 s of guest time, natively 2 s of recording, but
# 5 s of it in the emulated host, where the guest's clock runs slow); the
# speaker-test sine comes after it
line=$(awk -v F="$F" '/^segment/ { f = d = ""; for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == F) f = a[2]; if (a[1] == "dur") d = a[2] }
	if (d >= 3 && !(f >= 640 && f <= 680)) { print; exit } }' "$T/rec.txt")
v() { echo "$line" | sed -n "s/.* $1=\([-0-9.]*\).*/\1/p"; }
within() { awk -v v="$1" -v c="$2" -v t="$3" 'BEGIN { exit !(v != "" && v >= c - t && v <= c + t) }'; }
check_rt "aplay's tone recorded for its 5 s (got $(v dur))" within "$(v dur)" 5.0 0.15
check "pitch 440 Hz within 0.5% ($F $(v $F))" within "$(v $F)" 440 2.2
check "level of the file at 100%: -9.03 dBFS ($R $(v $R))" within "$(v $R)" -9.03 0.7
check "no corrupted samples: the tone's peak is the file's 16384 within 2% (got $(v peak))" within "$(v peak)" 16384 330
check_rt "no period of the tone off by over 10% (glitches $(v glitches))" [ "$(v glitches)" = 0 ]
check_rt "no gap over 10 ms (longest $(v gap_ms) ms)" awk -v g="$(v gap_ms)" 'BEGIN { exit !(g != "" && g <= 10) }'
check "speaker-test played its sine too" grep -q 'VMST-SPEAKER-TEST-END' "$T/sb.com1"

# ---- the OPL3 through Linux's own driver ----
sed -n '/VMST-OPL3-BEGIN/,/VMST-OPL3-END/p' "$T/sb.com1"
check "/proc/asound lists the OPL3 hwdep (snd-opl3-lib via snd-sb16)" \
	grep -q '^asound: .*OPL3' "$T/sb.com1"
check "snd-opl3-synth registered its sequencer client (OPL3 FM synth)" \
	grep -q '^asound: Client .*OPL3 FM synth' "$T/sb.com1"
check "its hwdep device /dev/snd/hwC0D0 appeared" grep -q '^VMST-OPL3-HWDEP present' "$T/sb.com1"
check "amixer set Synth to 100%" grep -q 'VMST-SYNTH \[100%\]' "$T/sb.com1"
check "opl3note programmed the voice and keyed it on and off through the SNDRV_DM_FM ioctls" \
	sh -c "grep -q '^OPL3NOTE ok' '$T/sb.com1' && grep -q 'VMST-OPL3-END rc=0' '$T/sb.com1'"
# the FM note: a segment of about 2 s at 659.98 Hz (block 4, F-number 870)
fm=$(awk -v F="$F" '/^segment/ { f = d = ""; for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == F) f = a[2]; if (a[1] == "dur") d = a[2] }
	if (f >= 640 && f <= 680 && d >= 1.0) { print; exit } }' "$T/rec.txt")
fv() { echo "$fm" | sed -n "s/.* $1=\([-0-9.]*\).*/\1/p"; }
check "the OPL3 note was heard in the recording (${fm:-no segment near 660 Hz})" [ -n "$fm" ]
check "its pitch 659.98 Hz within 0.5% ($F $(fv $F))" within "$(fv $F)" 659.98 3.3
check "its level is a real tone, not noise or clipping: -30..-3 dBFS ($R $(fv $R))" \
	awk -v l="$(fv $R)" 'BEGIN { exit !(l != "" && l >= -30 && l <= -3) }'
check_rt "no period of the FM note off by over 10% (glitches $(fv glitches))" [ "$(fv glitches)" = 0 ]
echo "the FM note lasted $(fv dur) s (keyed on for 2 s of guest time)"
finish
