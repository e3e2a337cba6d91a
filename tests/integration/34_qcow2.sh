#!/bin/sh
# qcow2 disks under a guest (tests/guests/qcow2_guest.asm, IDE bus-master DMA):
#  - images made by qemu-img (4 KiB, 64 KiB, 2 MiB clusters, compat 0.10 and
#    1.1, zlib and zstd compressed, overlays on raw and qcow2 bases) are
#    copied by the guest to a raw disk: byte-identical to the raw original;
#  - the guest writes onto qcow2 images (new, refcount widths 1 and 64 bits,
#    overlays, compressed): `qemu-img check` clean, `qemu-img compare` equal
#    to the expected raw data;
#  - kill -9 at random points while the guest writes and flushes: every image
#    stays consistent (check: no corruption; leaks allowed) and every flushed
#    write reads back.
. "$(dirname "$0")/../lib.sh"

command -v qemu-img > /dev/null || { fail "qemu-img is installed (tests/setup.sh: qemu-utils)"; finish; }
ELF=$(guest qcow2_guest) || { fail "assemble qcow2_guest.asm"; finish; }
SECT=16384                           # the 8 MiB the copies move

# ctl MODE A B: the guest's control sector at LBA 0 of $T/ctl.raw
ctl() {
	printf "$(printf '\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) 0 0 \
		$(($2 & 255)) $(($2 >> 8 & 255)) $(($2 >> 16 & 255)) 0 \
		$(($3 & 255)) $(($3 >> 8 & 255)) $(($3 >> 16 & 255)) 0)" |
		dd of="$T/ctl.raw" conv=notrunc status=none
}
# run_guest IMAGE [FORMAT]: one VM run with IMAGE as hda, ctl.raw as hdb
run_guest() {
	fmt=${2:+format=$2,}
	cat > "$T/g.cfg" <<EOF
name = 'qcow2test'
memory = 64
kernel = '$ELF'
disk = [ '${fmt}vdev=hda,access=rw,target=$1', '$T/ctl.raw,raw,hdb,w' ]
serial = 'file:$T/com1.log'
vga = 'none'
on_poweroff = 'destroy'
EOF
	rm -f "$T/com1.log"
	timeout 60 "$VMST" run "$T/g.cfg" > "$T/vm.out" 2>&1
}
# copied_equals RAW: the guest's copy (ctl.raw from LBA 1) equals RAW's first 8 MiB
copied_equals() {
	cmp -s -n $((SECT * 512)) -i 0:512 "$1" "$T/ctl.raw"
}
# qcheck IMAGE: qemu-img check finds no corruption; "leaks" accepts exit 3 (leaks only)
qcheck() {
	qemu-img check -q "$1" > "$T/check.out" 2>&1
	rc=$?
	[ $rc = 0 ] || { [ "$2" = leaks ] && [ $rc = 3 ]; }
}

# the raw original: random data, zeros, text
head -c 4M /dev/urandom > "$T/src.raw"
head -c 2M /dev/zero >> "$T/src.raw"
yes "vmstation qcow2" | head -c 2M >> "$T/src.raw"
truncate -s 20M "$T/ctl.raw"

# ---------------- reads ----------------
read_case() {  # name qemu-img-convert-args...
	name=$1; shift
	rm -f "$T/img.qcow2"
	qemu-img convert -f raw -O qcow2 "$@" "$T/src.raw" "$T/img.qcow2" ||
		{ fail "qemu-img convert $*"; return; }
	dd if=/dev/zero of="$T/ctl.raw" bs=1M count=20 conv=notrunc status=none
	ctl 1 $SECT 0
	run_guest "$T/img.qcow2"
	check "read $name: guest copy equals the raw original" copied_equals "$T/src.raw"
	check "read $name: no I/O errors" sh -c "grep -q 'COPY done' '$T/com1.log' && ! grep -aq ERROR '$T/com1.log'"
}
read_case "4 KiB clusters" -o cluster_size=4096
read_case "64 KiB clusters, compat 0.10" -o cluster_size=65536,compat=0.10
read_case "2 MiB clusters" -o cluster_size=2M
read_case "zlib compressed, compat 1.1" -c
read_case "zlib compressed, compat 0.10, 4 KiB" -c -o compat=0.10,cluster_size=4096
read_case "zstd compressed" -c -o compression_type=zstd

# overlay on a raw base, relative name, resolved against the overlay's directory
mkdir -p "$T/sub"
cp "$T/src.raw" "$T/sub/base.raw"
(cd "$T/sub" && qemu-img create -q -f qcow2 -b base.raw -F raw ov.qcow2)
qemu-io -f qcow2 -c "write -P 0x5a 1000k 300k" "$T/sub/ov.qcow2" > /dev/null
cp "$T/src.raw" "$T/expect.raw"
head -c 300k /dev/zero | tr '\0' '\132' | dd of="$T/expect.raw" bs=1k seek=1000 conv=notrunc status=none
dd if=/dev/zero of="$T/ctl.raw" bs=1M count=20 conv=notrunc status=none
ctl 1 $SECT 0
run_guest "$T/sub/ov.qcow2"
check "read overlay on a raw base (relative name): base + overlay data" copied_equals "$T/expect.raw"
# a probed qcow2 base under an overlay, absolute name, no backing format recorded
qemu-img convert -f raw -O qcow2 -c "$T/src.raw" "$T/base.qcow2"
qemu-img create -q -f qcow2 -o compat=0.10 -b "$T/base.qcow2" -F qcow2 "$T/ov2.qcow2"
dd if=/dev/zero of="$T/ctl.raw" bs=1M count=20 conv=notrunc status=none
ctl 1 $SECT 0
run_guest "$T/ov2.qcow2" qcow2
check "read v2 overlay on a compressed qcow2 base (format=qcow2)" copied_equals "$T/src.raw"

# ---------------- writes ----------------
head -c 8M /dev/urandom > "$T/data.raw"
# write_case name image expected-raw: the guest copies data.raw (via ctl) onto image
write_case() {
	dd if="$T/data.raw" of="$T/ctl.raw" bs=512 seek=1 conv=notrunc status=none
	ctl 3 "$4" 0
	run_guest "$2"
	check "write $1: guest finished without errors" sh -c "grep -q 'COPY done' '$T/com1.log' && ! grep -aq ERROR '$T/com1.log'"
	check "write $1: qemu-img check clean" qcheck "$2"
	check "write $1: qemu-img compare with the expected data" \
		qemu-img compare -q -f qcow2 -F raw "$2" "$3"
}
for opts in cluster_size=4096 cluster_size=65536,compat=0.10 cluster_size=2M \
	    refcount_bits=1,cluster_size=4096 refcount_bits=64; do
	rm -f "$T/w.qcow2"
	qemu-img create -q -f qcow2 -o "$opts" "$T/w.qcow2" 12M
	cp "$T/data.raw" "$T/expect.raw"
	truncate -s 12M "$T/expect.raw"
	write_case "new image $opts" "$T/w.qcow2" "$T/expect.raw" $SECT
done
# a partial overwrite (not cluster-aligned in length) of an overlay on random data
head -c 12M /dev/urandom > "$T/sub/base2.raw"
rm -f "$T/sub/ov3.qcow2"
(cd "$T/sub" && qemu-img create -q -f qcow2 -b base2.raw -F raw ov3.qcow2)
cp "$T/sub/base2.raw" "$T/expect.raw"
base_sum=$(cksum < "$T/sub/base2.raw")
dd if="$T/data.raw" of="$T/expect.raw" bs=512 count=3001 conv=notrunc status=none
write_case "overlay, 3001 sectors over a raw base (copy-on-write)" "$T/sub/ov3.qcow2" "$T/expect.raw" 3001
check "the base of the overlay is untouched" [ "$(cksum < "$T/sub/base2.raw")" = "$base_sum" ]
# into compressed clusters: 1001 sectors over a compressed copy of src.raw
qemu-img convert -f raw -O qcow2 -c "$T/src.raw" "$T/wc.qcow2"
cp "$T/src.raw" "$T/expect.raw"
dd if="$T/data.raw" of="$T/expect.raw" bs=512 count=1001 conv=notrunc status=none
write_case "1001 sectors into compressed clusters" "$T/wc.qcow2" "$T/expect.raw" 1001

# ---------------- kill -9 while writing ----------------
# The guest writes 4 KiB blocks i = a.. at LBA 8i, flushing every 4; a kill
# lands at a random time; then: check, and every flushed block reads back.
rm -f "$T/k.qcow2"
head -c 64M /dev/urandom > "$T/kbase.raw"
qemu-img create -q -f qcow2 -b "$T/kbase.raw" -F raw "$T/k.qcow2" 64M
# verify FROM TO: blocks FROM..TO hold (i mod 255) + 1
verify_blocks() {
	: > "$T/qio.cmds"
	i=$1
	while [ $i -le $2 ]; do
		echo "read -q -P $((i % 255 + 1)) $((i * 4096)) 4096" >> "$T/qio.cmds"
		i=$((i + 1))
	done
	echo quit >> "$T/qio.cmds"
	qemu-io -r -f qcow2 "$T/k.qcow2" < "$T/qio.cmds" > "$T/qio.out" 2>&1
	! grep -qi "fail\|error" "$T/qio.out"
}
next=0 kills=0 bad_check=0 bad_data=0 lost=0 start=$(date +%s)
while [ $kills -lt 60 ] && [ $(($(date +%s) - start)) -lt 100 ]; do
	ctl 2 $next 16000
	rm -f "$T/com1.log"
	sed -e "s|^disk = .*|disk = [ '$T/k.qcow2,hda,w', '$T/ctl.raw,raw,hdb,w' ]|" "$T/g.cfg" > "$T/k.cfg"
	"$VMST" run "$T/k.cfg" > "$T/vm.out" 2>&1 &
	pid=$!
	wait_for "$T/com1.log" "LOOP start" 10 || { fail "kill loop: guest started"; kill -9 $pid; break; }
	sleep "0.$(awk -v s=$kills 'BEGIN { srand(s); printf "%03d", rand() * 600 + 20 }')"
	kill -9 $pid
	wait $pid 2>/dev/null
	kills=$((kills + 1))
	# the last complete "F xxxxxxxx" line (a kill may tear the last one)
	last=$(grep -a '^F [0-9a-f]\{8\}' "$T/com1.log" | tail -1 | cut -c3-10)
	qcheck "$T/k.qcow2" leaks || { bad_check=$((bad_check + 1)); cp "$T/k.qcow2" "$T/k-bad-$kills.qcow2"; }
	if [ -n "$last" ]; then
		last=$((0x$last))
		verify_blocks $next $last || bad_data=$((bad_data + 1))
		next=$((last + 1))
	fi
done
check "kill loop: $kills kills at random points (>= 50)" [ $kills -ge 50 ]
check "kill loop: qemu-img check found no corruption after any kill ($bad_check bad)" [ $bad_check = 0 ]
check "kill loop: every flushed block read back after each kill ($bad_data bad, $next blocks)" [ $bad_data = 0 ]
check "kill loop: the guest made progress ($next blocks flushed)" [ $next -gt 200 ]
# one run to the end: 64 more blocks, past any unflushed writes of the last kill
ctl 2 $next $((next + 64))
rm -f "$T/com1.log"
timeout 60 "$VMST" run "$T/k.cfg" > "$T/vm.out" 2>&1
check "kill loop: a last uninterrupted run finishes" grep -q "LOOP done" "$T/com1.log"
check "kill loop: qemu-img check after it is clean or leaks only" qcheck "$T/k.qcow2" leaks
check "kill loop: all blocks 0..$((next + 63)) in place at the end" verify_blocks 0 $((next + 63))
qemu-img convert -f qcow2 -O raw "$T/k.qcow2" "$T/k.raw"
rest=$(((next + 64 + 15) / 16 * 16 * 4096))
check "kill loop: the rest of the disk (from byte $rest) is the backing file's" \
	cmp -s -i $rest:$rest "$T/k.raw" "$T/kbase.raw"
finish
