#!/bin/sh
# Storage figures, side by side with QEMU's IDE on the same guest in the same
# run: sequential read and write of a 64 MiB file-backed disk by PIO and by
# bus-master DMA (tests/guests/ide_bench.asm; each run is timed whole and a
# MODE=0 run of the same guest is subtracted), and the time from start to
# the GRUB menu of Debian's rescue CD (text screen / VGA text memory).
. "$(dirname "$0")/lib.sh"
MB=${BENCH_MB:-64}
# PIO moves one 16-bit word per emulated instruction; on hosts that emulate
# guest kernel mode (TESTING.md) a 64 MiB PIO write takes a quarter of an
# hour for either VMM, so PIO uses a smaller disk region by default.
PIO_MB=${BENCH_PIO_MB:-4}
RUNS=${BENCH_RUNS:-3}
truncate -s $((MB * 2))M "$B/disk.img"
head -c $((MB * 1048576)) /dev/urandom | dd of="$B/disk.img" conv=notrunc status=none

# time_run COM1 CMD...: ms between the guest's "BENCH go" and "BENCH done" lines
time_run() {
	com=$1; shift
	rm -f "$com"
	"$@" > /dev/null 2>&1 & pid=$!
	T0=$(now_ms)
	go=$(wait_file "$com" "BENCH go" 120)
	fin=$(wait_file "$com" "BENCH (done|error)" 1800)
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	if grep -aq "BENCH error" "$com" || [ "$go" = timeout ] || [ "$fin" = timeout ]; then
		echo error
	else
		echo $((fin - go))
	fi
}
run_vmst() { # ELF
	cat > "$B/v.cfg" <<CFG
name = 'bench-ide'
memory = 64
kernel = '$1'
disk = [ '$B/disk.img,raw,hda,w' ]
serial = 'file:$B/v.com1'
vga = 'none'
on_poweroff = 'destroy'
log_dir = '$B/logs'
CFG
	time_run "$B/v.com1" "$VMST" run -q "$B/v.cfg"
}
run_qemu() { # ELF
	time_run "$B/q.com1" $QEMU -enable-kvm -machine pc -m 64 -nodefaults -display none -no-reboot \
		-drive "file=$B/disk.img,format=raw,if=ide,index=0,cache=writeback" \
		-serial file:"$B/q.com1" -kernel "$1"
}
best() { sort -n | head -1; }
mbs() { case "$2" in error|"") echo error ;; *) awk -v mb="$1" -v t="$2" 'BEGIN { if (t <= 0) t = 1; printf "%.2f", mb * 1000 / t }' ;; esac; }

for mode in 1 2 3 4; do
	size=$MB
	[ $mode -le 2 ] && size=$PIO_MB
	guest_asm ide_bench "$B/bench$mode.elf" -DMODE=$mode -DMB=$size || exit 1
	v=$(for i in $(seq $RUNS); do run_vmst "$B/bench$mode.elf"; done | best)
	q=$(for i in $(seq $RUNS); do run_qemu "$B/bench$mode.elf"; done | best)
	eval "V$mode=\$(mbs $size $v); Q$mode=\$(mbs $size $q)"
done
report "IDE PIO sequential read (${PIO_MB} MiB)" "$V1" "$Q1" MB/s "informational"
report "IDE PIO sequential write (${PIO_MB} MiB)" "$V2" "$Q2" MB/s "informational"
report "IDE DMA sequential read (${MB} MiB)" "$V3" "$Q3" MB/s ">= qemu"
report "IDE DMA sequential write (${MB} MiB)" "$V4" "$Q4" MB/s ">= qemu"

# --- GRUB rescue CD: start to the GRUB menu -------------------------------------
ISO=/usr/lib/grub-rescue/grub-rescue-cdrom.iso
grub_vmst() {
	cat > "$B/g.cfg" <<CFG
name = 'bench-grub'
memory = 128
disk = [ '$ISO,raw,hdc,cdrom' ]
boot = 'd'
vga = 'stdvga'
sdl = 0
vnc = 0
log_dir = '$B/logs'
CFG
	rm -f "$B/g.sock" "$B/g.txt"
	t0=$(now_ms)
	"$VMST" run -q "$B/g.cfg" --monitor "unix:$B/g.sock" > /dev/null 2>&1 & pid=$!
	t=timeout
	while [ $(( $(now_ms) - t0 )) -lt 300000 ]; do
		echo "screendump $B/g.txt -f txt" | socat -t 5 - "UNIX-CONNECT:$B/g.sock" > /dev/null 2>&1
		if grep -q "GNU GRUB" "$B/g.txt" 2>/dev/null; then t=$(( $(now_ms) - t0 )); break; fi
		sleep 0.5
	done
	echo quit | socat -t 5 - "UNIX-CONNECT:$B/g.sock" > /dev/null 2>&1
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	echo "$t"
}
grub_qemu() {
	rm -f "$B/qg.sock" "$B/qg.dump"
	t0=$(now_ms)
	$QEMU -enable-kvm -machine pc -m 128 -nodefaults -display none -vga std \
		-drive "file=$ISO,format=raw,media=cdrom,if=ide,index=2" -boot d \
		-monitor "unix:$B/qg.sock,server,nowait" > /dev/null 2>&1 & pid=$!
	t=timeout
	while [ $(( $(now_ms) - t0 )) -lt 300000 ]; do
		# VGA text memory: "GNU GRUB" as character/attribute pairs
		echo "xp /2000bx 0xb8000" | socat -t 5 - "UNIX-CONNECT:$B/qg.sock" 2>/dev/null > "$B/qg.dump"
		if tr -d '\r' < "$B/qg.dump" | awk '{ for (i = 2; i <= NF; i += 2) { v = $i; sub(/^0x/, "", v); printf "%s ", v } }' |
			grep -q "47 4e 55 20 47 52 55 42"; then
			t=$(( $(now_ms) - t0 )); break
		fi
		sleep 0.5
	done
	echo quit | socat -t 5 - "UNIX-CONNECT:$B/qg.sock" > /dev/null 2>&1
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	echo "$t"
}
gv=$(grub_vmst)
gq=$(grub_qemu)
to_s() { case "$1" in timeout) echo timeout ;; *) awk -v t="$1" 'BEGIN { printf "%.1f", t / 1000 }' ;; esac; }
report "GRUB rescue CD to menu" "$(to_s "$gv")" "$(to_s "$gq")" s "vmstation <= qemu"
