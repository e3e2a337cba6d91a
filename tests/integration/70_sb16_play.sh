#!/bin/sh
# Sound Blaster 16, OPL3 and PC speaker heard the way a user hears them.
# The sb16_play guest does what a DOS game does (DSP reset, version, IRQ and
# DMA detection, auto-init playback of a 440 Hz sine at 8-bit 11025 Hz mono,
# 16-bit 22050 and 44100 Hz stereo, an AdLib note, a PC speaker tone).
#  1. through PulseAudio (default back end) into a null sink, recorded with
#     parec: 5 s per format, pitch within 0.5%, level, no gap over 10 ms
#  2. through audio='wav:' with the monitor changing volume and mute while
#     it plays, and `info audio`
#  3. with no sound server: one warning line, the guest still runs to the end
#  4. through the SDL2 back end (SDL's PulseAudio driver) into the null sink
# What the guest logs (detection, IRQs per block) is checked everywhere; what
# the recording shows needs the guest to keep up in real time (check_live).
. "$(dirname "$0")/../lib.sh"
G=$(guest sb16_play) || { fail "assemble sb16_play.asm"; finish; }
AN="$TOP/build/tools/audio_analyze"
mkdir -p "$TOP/build/tools"
if [ ! -x "$AN" ] || [ "$TOP/tests/tools/audio_analyze.c" -nt "$AN" ]; then
	cc -O2 -o "$AN" "$TOP/tests/tools/audio_analyze.c" -lm || { fail "build audio_analyze"; finish; }
fi
MC="$TOP/tests/tools/monitor-client"

export XDG_RUNTIME_DIR="$T/xdg"
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
PAREC=""
stop_pulse() {
	[ -n "$PAREC" ] && kill "$PAREC" 2>/dev/null
	pulseaudio -k 2>/dev/null
	i=0; while pulseaudio --check 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}
trap stop_pulse EXIT

mkcfg() { # name extra-lines...
	n=$1; shift
	{
		echo "name = '$n'"
		echo "memory = 32"
		echo "kernel = '$G'"
		echo "serial = 'file:$T/$n.com1'"
		echo "log_dir = '$T/$n-logs'"
		echo "vga = 'none'"
		echo "soundhw = 'sb16,pcspk'"
		echo "on_poweroff = 'destroy'"
		for l in "$@"; do echo "$l"; done
	} > "$T/$n.cfg"
}

# field VALUE of segment N from an analysis: seg FILE N FIELD
seg() { sed -n "s/^segment $2: .*$3=\([-0-9.]*\).*/\1/p" "$1"; }
# within VALUE CENTER TOLERANCE
within() { awk -v v="$1" -v c="$2" -v t="$3" 'BEGIN { exit !(v != "" && v >= c - t && v <= c + t) }'; }
below() { awk -v v="$1" -v m="$2" 'BEGIN { exit !(v != "" && v <= m) }'; }

check_guest_log() { # com1 file, label, irqs per segment (hex) s1 s2 s3
	c=$1
	check "$2: DSP reset answers 0xAA" grep -q "^dsp reset ok" "$c"
	check "$2: DSP version 4.05" grep -q "^version 04.05" "$c"
	check "$2: IRQ detected by triggering it: 5" grep -q "^irq 05" "$c"
	check "$2: 8-bit DMA detected: 1" grep -q "^dma 01" "$c"
	check "$2: 16-bit DMA detected: 5" grep -q "^hdma 05" "$c"
	check "$2: 8-bit 11025 Hz: one IRQ per block ($3)" grep -q "^seg 1 irqs 000000$3" "$c"
	check "$2: 16-bit 22050 Hz: one IRQ per block ($4)" grep -q "^seg 2 irqs 000000$4" "$c"
	check "$2: 16-bit 44100 Hz: one IRQ per block ($5)" grep -q "^seg 3 irqs 000000$5" "$c"
	check "$2: AdLib detected through the OPL timers (status 00 then c0)" grep -q "^opl 00 c0" "$c"
	check "$2: guest finished" grep -q "^done" "$c"
}

# check_tones ANALYSIS LABEL SECONDS DB_OFFSET FIRST_OPL_SEG PCSPK_SEG
check_tones() {
	a=$1; l=$2; secs=$3; off=$4
	names="8-bit 11025 Hz mono|16-bit 22050 Hz stereo|16-bit 44100 Hz stereo"
	for n in 1 2 3; do
		nm=$(echo "$names" | cut -d'|' -f$n)
		f=$(seg "$a" $n freq); d=$(seg "$a" $n dur); r=$(seg "$a" $n rms_dbfs)
		g=$(seg "$a" $n gap_ms); dv=$(seg "$a" $n dev_pct)
		check_live "$l: $nm: 440 Hz within 0.5% (got $f)" within "$f" 440 2.2
		check_live "$l: $nm: lasts ${secs} s by the audio clock (got $d)" within "$d" "$secs" 0.1
		want=$(awk -v o="$off" 'BEGIN { printf "%.2f", -9.03 + o }')
		check_live "$l: $nm: level $want dBFS for a half-scale sine (got $r)" within "$r" "$want" 0.5
		check_live "$l: $nm: no gap over 10 ms (longest $g ms)" below "$g" 10
		# the capture is deterministic: not one sample may be lost or doubled
		[ "$l" = wav ] && check_live "$l: $nm: no dropped or repeated samples (worst period off by $dv%)" below "$dv" 10
	done
	n=$5
	f=$(seg "$a" $n freq); r=$(seg "$a" $n rms_dbfs)
	check_live "$l: OPL note F-number 0x244 block 4 at 0x244*49716/2^16 = 439.99 Hz (got $f)" within "$f" 439.99 2.2
	want=$(awk -v o="$off" 'BEGIN { printf "%.2f", -21.07 + o }')
	check_live "$l: OPL full-level carrier: $want dBFS (got $r)" within "$r" "$want" 0.7
	n=$6
	f=$(seg "$a" $n freq); r=$(seg "$a" $n rms_dbfs)
	check_live "$l: PC speaker at 1193182/1193 = 1000.15 Hz (got $f)" within "$f" 1000.15 5
	want=$(awk -v o="$off" 'BEGIN { printf "%.2f", -12.26 + o }')
	check_live "$l: PC speaker square level $want dBFS (got $r)" within "$r" "$want" 0.7
}

# ---- 1. PulseAudio ---------------------------------------------------------
chrt -f 10 pulseaudio -D --exit-idle-time=-1 -n --load="module-null-sink sink_name=vmst" \
	--load=module-native-protocol-unix > "$T/pulse.log" 2>&1
i=0; while ! pactl info > /dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "PulseAudio with a null sink is running" pactl info
chrt -f 10 parec -d vmst.monitor --format=s16le --rate=44100 --channels=2 > "$T/pulse.raw" 2>"$T/parec.log" &
PAREC=$!
# start the guest once parec is really recording (200 ms in the file)
i=0; while [ "$(stat -c %s "$T/pulse.raw" 2>/dev/null || echo 0)" -lt 35280 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mkcfg pulse
"$VMST" run "$T/pulse.cfg" > "$T/pulse.out" 2>&1 &
wait_pid $! 180; rc=$RC
sleep 0.5
kill "$PAREC" 2>/dev/null; wait "$PAREC" 2>/dev/null; PAREC=""
check "pulse: vmstation exits 0 (got $rc)" [ "$rc" = 0 ]
check "pulse: no audio warning" sh -c "! grep -q 'audio' '$T/pulse.out'"
check_guest_log "$T/pulse.com1" pulse 19 32 64
"$AN" --raw 44100 2 "$T/pulse.raw" > "$T/pulse.txt"
cat "$T/pulse.txt"
check_live "pulse: five tones recorded" grep -q "^segments 5," "$T/pulse.txt"
check_tones "$T/pulse.txt" pulse 5.0 0 4 5

# ---- 4. SDL back end, same sink -----------------------------------------------
chrt -f 10 parec -d vmst.monitor --format=s16le --rate=44100 --channels=2 > "$T/sdl.raw" 2>>"$T/parec.log" &
PAREC=$!
i=0; while [ "$(stat -c %s "$T/sdl.raw" 2>/dev/null || echo 0)" -lt 35280 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mkcfg sdl "extra = 'short'" "audio = 'sdl'"
SDL_AUDIODRIVER=pulseaudio "$VMST" run "$T/sdl.cfg" > "$T/sdl.out" 2>&1 &
wait_pid $! 120; rc=$RC
sleep 0.5
kill "$PAREC" 2>/dev/null; wait "$PAREC" 2>/dev/null; PAREC=""
check "sdl: vmstation exits 0 (got $rc)" [ "$rc" = 0 ]
"$AN" --raw 44100 2 "$T/sdl.raw" > "$T/sdl.txt"
cat "$T/sdl.txt"
check_live "sdl: five tones recorded" grep -q "^segments 5," "$T/sdl.txt"
for n in 1 2 3; do
	f=$(seg "$T/sdl.txt" $n freq); g=$(seg "$T/sdl.txt" $n gap_ms)
	check_live "sdl: segment $n: 440 Hz within 0.5% (got $f)" within "$f" 440 2.2
	check_live "sdl: segment $n: no gap over 10 ms (longest $g ms)" below "$g" 10
done

# ---- 3. no server (while the null sink is gone) -----------------------------
stop_pulse
mkcfg silent "extra = 'short'"
"$VMST" run "$T/silent.cfg" > "$T/silent.out" 2>&1 &
wait_pid $! 120; rc=$RC
check "no server: vmstation exits 0 (got $rc)" [ "$rc" = 0 ]
check "no server: exactly one warning line" [ "$(grep -c 'audio' "$T/silent.out")" = 1 ]
check "no server: it says the VM runs silent" grep -q "no PulseAudio server.*runs silent" "$T/silent.out"
check "no server: the guest still plays to the end at the audio clock" grep -q "^seg 3 irqs 00000014" "$T/silent.com1"

# ---- 2. wav capture, volume and mute while playing -------------------------
mkcfg wav "extra = 'short'" "audio = 'wav:$T/out.wav'" "monitor_path = '$T/mon.sock'"
"$VMST" run "$T/wav.cfg" > "$T/wav.out" 2>&1 &
VM=$!
"$MC" --wait "$T/mon.sock" 20
"$MC" "$T/mon.sock" "audio_volume 50" > "$T/vol.txt" 2>&1
check "monitor: audio_volume 50" grep -q "volume 50%" "$T/vol.txt"
wait_for "$T/wav.com1" "^seg 2 irqs" 60
"$MC" "$T/mon.sock" "info audio" > "$T/info.txt" 2>&1
check "info audio: back end and volume" grep -q "backend wav:.*volume 50%" "$T/info.txt"
check "info audio: the sb16 voice and its underruns" grep -q "sb16: .*underruns [0-9]" "$T/info.txt"
check_live "info audio: no underrun" grep -q "sb16: .*underruns 0" "$T/info.txt"
check "info audio: the OPL3 voice" grep -q "opl3: 49716 Hz" "$T/info.txt"
wait_for "$T/wav.com1" "^opl " 60
sleep 0.6
"$MC" "$T/mon.sock" "audio_mute on" > /dev/null 2>&1
sleep 0.6
"$MC" "$T/mon.sock" "audio_mute off" > /dev/null 2>&1
wait_pid $VM 120; rc=$RC
check "wav: vmstation exits 0 (got $rc)" [ "$rc" = 0 ]
check_guest_log "$T/wav.com1" wav 05 0a 14
"$AN" "$T/out.wav" > "$T/wav.txt"
cat "$T/wav.txt"
check_live "wav: the mute split the OPL note: six tones" grep -q "^segments 6," "$T/wav.txt"
# volume 50% on the x^2 curve: -12.04 dB
check_tones "$T/wav.txt" wav 1.0 -12.04 5 6
f4=$(seg "$T/wav.txt" 4 freq)
check_live "wav: the OPL note before the mute (got $f4)" within "$f4" 439.99 2.2
finish
