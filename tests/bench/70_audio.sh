#!/bin/sh
# Sound figures, vmstation's sb16 next to QEMU's on the same PulseAudio null
# sink, with the host's other core kept busy by a spinning shell:
#  - latency from the guest's DMA buffer to the sink: vmstation's own figure
#    (ring queue + pa_simple_get_latency, `info audio`) and, for both, what the
#    server reports for the stream (pactl: buffer + sink latency)
#  - 60 s of 16-bit 44.1 kHz stereo auto-init playback (sb16_play "bench"):
#    glitches and gaps in the parec recording, underruns counted by vmstation,
#    and how long the guest took to be given 60 s of interrupts (pacing)
#  - host CPU: the whole process, and vmstation's audio threads alone
. "$(dirname "$0")/lib.sh"
G="$B/sb16_play.elf"
guest_asm sb16_play "$G" || { echo "audio: cannot assemble the guest"; exit 1; }
AN="$B/audio_analyze"
cc -O2 -o "$AN" "$TOP/tests/tools/audio_analyze.c" -lm || exit 1
MC="$TOP/tests/tools/monitor-client"
export XDG_RUNTIME_DIR="$B/xdg"
mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
chrt -f 10 pulseaudio -D --exit-idle-time=-1 -n --load="module-null-sink sink_name=vmst" \
	--load=module-native-protocol-unix > "$B/pulse.log" 2>&1
i=0; while ! pactl info > /dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sh -c 'while :; do :; done' & BUSY=$!
cleanup() { kill $BUSY 2>/dev/null; kill $PAREC 2>/dev/null; pulseaudio -k 2>/dev/null; }
trap cleanup EXIT
HZ=$(getconf CLK_TCK)

# CPU ticks (user+system) of a process, or of its threads whose name matches
cpu_ticks() { # PID [REGEX]
	for t in /proc/$1/task/*; do
		[ -n "$2" ] && ! grep -qE "$2" "$t/comm" 2>/dev/null && continue
		awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$t/stat" 2>/dev/null
	done | awk '{ s += $1 } END { print s + 0 }'
}
stream_latency_ms() { # the first sink input's buffer + sink latency, from pactl
	pactl list sink-inputs | awk '/Buffer Latency:/ { b = $3 } /Sink Latency:/ { s = $3 }
		END { if (b == "") print "n/a"; else printf "%.1f", (b + s) / 1000 }'
}
record() { # FILE: start parec, return once it is really recording
	chrt -f 10 parec -d vmst.monitor --format=s16le --rate=44100 --channels=2 > "$1" 2>/dev/null &
	PAREC=$!
	i=0; while [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -lt 35280 ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1)); done
}

# ---- vmstation ----
cat > "$B/v.cfg" <<CFG
name = 'bench-audio'
memory = 32
kernel = '$G'
extra = 'bench'
serial = 'file:$B/v.com1'
log_dir = '$B/v-logs'
vga = 'none'
soundhw = 'sb16'
monitor_path = '$B/v.sock'
on_poweroff = 'destroy'
CFG
record "$B/v.raw"
"$VMST" run "$B/v.cfg" > "$B/v.out" 2>&1 & pid=$!
T0=$(now_ms)
wait_file "$B/v.com1" "^hdma" 60 > /dev/null
t_start=$(now_ms)
c0=$(cpu_ticks $pid); a0=$(cpu_ticks $pid 'audio|threaded-ml|bench-audio')
sleep 30
c1=$(cpu_ticks $pid); a1=$(cpu_ticks $pid 'audio|threaded-ml|bench-audio'); t_cpu=$(now_ms)
"$MC" "$B/v.sock" "info audio" > "$B/v.info" 2>&1
vstream=$(stream_latency_ms)
wait_file "$B/v.com1" "^done" 100 > /dev/null
t_end=$(now_ms)
wait $pid
kill $PAREC; wait $PAREC 2>/dev/null
"$AN" --raw 44100 2 "$B/v.raw" > "$B/v.txt"
vsecs=$(awk -v a=$t_start -v b=$t_end 'BEGIN { printf "%.2f", (b - a) / 1000 }')
vcpu=$(awk -v c=$((c1 - c0)) -v hz=$HZ -v ms=$((t_cpu - t_start)) 'BEGIN { printf "%.1f", c / hz * 100000 / ms }')
vaud=$(awk -v c=$((a1 - a0)) -v hz=$HZ -v ms=$((t_cpu - t_start)) 'BEGIN { printf "%.1f", c / hz * 100000 / ms }')
vlat=$(sed -n 's/.*sb16: .*latency avg \([0-9.]*\) ms max \([0-9.]*\) ms.*/\1 \2/p' "$B/v.info")
vunder=$(sed -n 's/.*sb16: .*underruns \([0-9]*\).*/\1/p' "$B/v.info")
vgl=$(awk '/^segment/ { for (i = 1; i <= NF; i++) if ($i ~ /^glitches=/) { split($i, a, "="); g += a[2] } } END { print g + 0 }' "$B/v.txt")
vgap=$(sed -n 's/^segment 1: .*gap_ms=\([0-9.]*\).*/\1/p' "$B/v.txt")

# ---- QEMU ----
record "$B/q.raw"
$QEMU -enable-kvm -machine pc -m 32 -nodefaults -display none -serial file:"$B/q.com1" \
	-kernel "$G" -append bench -device sb16,audiodev=snd0 -audiodev pa,id=snd0 2> "$B/q.err" & pid=$!
wait_file "$B/q.com1" "^hdma" 60 > /dev/null
t_start=$(now_ms)
c0=$(cpu_ticks $pid)
sleep 30
c1=$(cpu_ticks $pid); t_cpu=$(now_ms)
qstream=$(stream_latency_ms)
if wait_file "$B/q.com1" "^done" 60 > /dev/null; then
	t_end=$(now_ms)
	qsecs=$(awk -v a=$t_start -v b=$t_end 'BEGIN { printf "%.2f", (b - a) / 1000 }')
else
	t_end=$(now_ms)
	qsecs="over 90 (not finished)"
fi
kill $pid 2>/dev/null; wait $pid 2>/dev/null
kill $PAREC; wait $PAREC 2>/dev/null
"$AN" --raw 44100 2 "$B/q.raw" > "$B/q.txt"
qcpu=$(awk -v c=$((c1 - c0)) -v hz=$HZ -v ms=$((t_cpu - t_start)) 'BEGIN { printf "%.1f", c / hz * 100000 / ms }')
qgl=$(awk '/^segment/ { for (i = 1; i <= NF; i++) if ($i ~ /^glitches=/) { split($i, a, "="); g += a[2] } } END { print g + 0 }' "$B/q.txt")
qgap=$(sed -n 's/^segment 1: .*gap_ms=\([0-9.]*\).*/\1/p' "$B/q.txt")

echo "vmstation: $(cat "$B/v.txt" | head -3 | tr '\n' ' ')"
echo "qemu:      $(cat "$B/q.txt" | head -3 | tr '\n' ' ')"
echo "audio latency DMA -> sink, vmstation's own (ring + server, avg/max): ${vlat% *} / ${vlat#* } ms (target <= 30)"
report "audio latency as the server reports the stream (buffer + sink)" "$vstream" "$qstream" ms "<= 1.00"
report "audio glitches in 60 s of 44.1 kHz stereo, other core busy" "$vgl" "$qgl" "" "0 for vmstation"
echo "audio underruns counted by vmstation in that time: ${vunder:-n/a}"
echo "audio longest gap in the recording: vmstation ${vgap:-n/a} ms, qemu ${qgap:-n/a} ms (target < 10)"
echo "audio pacing: 60 s of guest interrupts took vmstation $vsecs s, qemu $qsecs s (target 60.0)"
report "audio host CPU of the whole process while playing (30 s)" "$vcpu" "$qcpu" "%" "<= 1.00"
echo "audio host CPU of vmstation's audio threads (mixer, libpulse, io): $vaud %"
