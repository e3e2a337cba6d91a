#!/bin/sh
# A guest program (tests/guests/ide_test.asm) drives the IDE disk, the ATAPI
# CD-ROM and the floppy as drivers do and reports checksums on COM1; they
# must equal the host files'. The CD is ejected and changed through the
# monitor while the guest polls it: it must see NOT READY, then UNIT
# ATTENTION, then the new medium.
. "$(dirname "$0")/../lib.sh"

ELF=$(guest ide_test) || { fail "assemble ide_test.asm"; finish; }

# s1 s2: running byte sum and sum of sums (mod 2^32) of LEN bytes at OFF
sums() {
	od -An -v -tu1 -j "$2" -N "$3" "$1" | awk '{ for (i = 1; i <= NF; i++) {
		s1 = (s1 + $i) % 4294967296; s2 = (s2 + s1) % 4294967296 } }
		END { printf "%08x %08x\n", s1, s2 }'
}
# the same over the guest's write pattern: byte i = i * 7 + 3 + (i >> 9), i in [FROM, TO)
pattern_sums() {
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i < b; i++) {
		v = (i * 7 + 3 + int(i / 512)) % 256
		s1 = (s1 + v) % 4294967296; s2 = (s2 + s1) % 4294967296 }
		printf "%08x %08x\n", s1, s2 }'
}
guest_sum() { grep -a "^SUM $1 " "$T/com1.log" | head -1 | cut -d' ' -f3-4 | tr -d '\r'; }

# a sparse 200 GiB disk (LBA48 beyond 28 bits) with random data at the start
truncate -s 200G "$T/hda.img"
head -c 65536 /dev/urandom | dd of="$T/hda.img" conv=notrunc status=none
head -c 1048576 /dev/urandom > "$T/cd1.iso"
head -c 614400 /dev/urandom > "$T/cd2.iso"
head -c 1474560 /dev/urandom > "$T/fd.img"

cat > "$T/ide.cfg" <<EOF
name = 'idetest'
memory = 64
kernel = '$ELF'
disk = [ '$T/hda.img,raw,hda,rw', '$T/cd1.iso,raw,hdc,cdrom' ]
fda = '$T/fd.img'
serial = 'file:$T/com1.log'
vga = 'none'
on_poweroff = 'destroy'
EOF

vm_bg ide run "$T/ide.cfg" --monitor "unix:$T/mon.sock"
mon() { echo "$1" | socat -t 5 - "UNIX-CONNECT:$T/mon.sock" > "$T/mon.out" 2>&1; }

if wait_for "$T/com1.log" "WAIT-CHANGE" 120; then
	pass "guest reached the media change step"
	mon "eject hdc"
	check "guest sees NOT READY / medium not present after eject" wait_for "$T/com1.log" "NOT-READY asc 0000003a" 60
	mon "change hdc $T/cd2.iso"
else
	fail "guest reached the media change step (com1: $(tr -d '\r' < "$T/com1.log" | tail -3))"
fi
check "guest finished" wait_for "$T/com1.log" "IDE-TEST done" 120
i=0
while kill -0 "$VM_PID" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 "$VM_PID" 2>/dev/null
wait "$VM_PID"
rc=$?
check "vmstation exited 0 after the guest powered off (rc $rc)" [ "$rc" = 0 ]

check "no I/O or DMA errors reported" sh -c "! grep -aq 'ERROR' '$T/com1.log'"
check "IDENTIFY: 419430400 sectors (200 GiB)" grep -aq "ID hda sectors 19000000 00000000" "$T/com1.log"

exp=$(sums "$T/hda.img" 0 4096)
check "PIO READ SECTORS LBA28: $(guest_sum r28) = $exp" [ "$(guest_sum r28)" = "$exp" ]
exp=$(sums "$T/hda.img" 4096 8192)
check "READ DMA LBA28: $(guest_sum d28) = $exp" [ "$(guest_sum d28)" = "$exp" ]
exp=$(pattern_sums 0 2048)
check "PIO WRITE SECTORS read back: $(guest_sum w28) = $exp" [ "$(guest_sum w28)" = "$exp" ]
check "PIO-written sectors landed in the image" [ "$(sums "$T/hda.img" 51200 2048)" = "$exp" ]
exp=$(pattern_sums 2048 6144)
check "WRITE DMA EXT at LBA 0x10000010 read back by PIO EXT: $(guest_sum w48) = $exp" [ "$(guest_sum w48)" = "$exp" ]
check "READ DMA EXT: $(guest_sum d48) = $exp" [ "$(guest_sum d48)" = "$exp" ]
check "DMA-written sectors landed at byte 0x2000002000 of the image" \
	[ "$(sums "$T/hda.img" $((0x10000010 * 512)) 4096)" = "$exp" ]
check "FLUSH CACHE EXT" grep -aq "FLUSH ok" "$T/com1.log"

check "INQUIRY: CD-ROM device" grep -aq "INQ 00000005 VMSTATION CD-ROM" "$T/com1.log"
check "READ CAPACITY of the first medium (511)" grep -aq "CAP 000001ff 00000800" "$T/com1.log"
exp=$(sums "$T/cd1.iso" 32768 8192)
check "ATAPI READ(10) PIO: $(guest_sum cdpio) = $exp" [ "$(guest_sum cdpio)" = "$exp" ]
exp=$(sums "$T/cd1.iso" 0 16384)
check "ATAPI READ(10) DMA: $(guest_sum cddma) = $exp" [ "$(guest_sum cddma)" = "$exp" ]
check "UNIT ATTENTION 28h after the change" grep -aq "UNIT-ATTENTION asc 00000028" "$T/com1.log"
check "TEST UNIT READY ok after the unit attention" grep -aq "TUR ok" "$T/com1.log"
check "READ CAPACITY of the new medium (299)" grep -aq "CAP 0000012b 00000800" "$T/com1.log"
exp=$(sums "$T/cd2.iso" 32768 8192)
check "READ(10) returns the new medium: $(guest_sum cdnew) = $exp" [ "$(guest_sum cdnew)" = "$exp" ]

# FDRES prints C ST2 ST1 ST0 of the result phase
check "floppy READ DATA C0 H0: normal termination, ends at C0" grep -aq "FDRES 00000000" "$T/com1.log"
check "floppy READ DATA C2 H1: normal termination, ends at C2" grep -aq "FDRES 02000004" "$T/com1.log"
exp=$(sums "$T/fd.img" 0 2048)
fd1=$(grep -a "^SUM fd " "$T/com1.log" | sed -n 1p | cut -d' ' -f3-4 | tr -d '\r')
check "floppy DMA read C0 H0 R1-4: $fd1 = $exp" [ "$fd1" = "$exp" ]
exp=$(sums "$T/fd.img" 48128 1536)
fd2=$(grep -a "^SUM fd " "$T/com1.log" | sed -n 2p | cut -d' ' -f3-4 | tr -d '\r')
check "floppy DMA read C2 H1 R5-7: $fd2 = $exp" [ "$fd2" = "$exp" ]
finish
