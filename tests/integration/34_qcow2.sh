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
	    refcount_bits=1,cluster_size=4096 refcount_bits=64 \
	    cluster_size=512,refcount_bits=64; do
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

# ---------------- vmstation img ----------------
I="$T/img"
mkdir -p "$I"
check "img create -f qcow2 64M" sh -c "'$VMST' img create -f qcow2 '$I/new.qcow2' 64M > /dev/null"
check "img create: qemu-img check clean" qcheck "$I/new.qcow2"
check "img create: qemu-img sees 64 MiB" sh -c "qemu-img info '$I/new.qcow2' | grep -q '67108864 bytes'"
check "img create -o compat=0.10,cluster_size=4k: qemu-img reads compat 0.10" sh -c \
	"'$VMST' img create -f qcow2 -o compat=0.10,cluster_size=4k '$I/v2.qcow2' 1G > /dev/null &&
	 qemu-img info '$I/v2.qcow2' | grep -q 'compat: 0.10' && qemu-img check -q '$I/v2.qcow2'"
check "img create -f raw 3M" sh -c "'$VMST' img create '$I/r.raw' 3M > /dev/null && [ \$(stat -c %s '$I/r.raw') = 3145728 ]"
check "img create: a bad size is refused" sh -c "! '$VMST' img create -f qcow2 '$I/x.qcow2' 12Q 2> /dev/null"
check "img convert raw -> qcow2 (4 KiB clusters)" \
	"$VMST" img convert -O qcow2 -o cluster_size=4096 "$T/src.raw" "$I/conv.qcow2"
check "img convert: qemu-img check clean" qcheck "$I/conv.qcow2"
check "img convert: qemu-img compare equal to the raw source" \
	qemu-img compare -q -F raw "$I/conv.qcow2" "$T/src.raw"
"$VMST" img info "$I/conv.qcow2" > "$I/info.out"
check "img info: format, size, cluster size, allocated (zeros skipped)" sh -c \
	"grep -q '^format: qcow2' '$I/info.out' && grep -q '^virtual size: 8388608 bytes' '$I/info.out' &&
	 grep -q '^cluster size: 4096' '$I/info.out' && grep -q '^allocated: 6291456 bytes' '$I/info.out'"
check "img convert qcow2 (zstd compressed by qemu-img) -> raw" sh -c \
	"qemu-img convert -c -O qcow2 -o compression_type=zstd '$T/src.raw' '$I/z.qcow2' &&
	 '$VMST' img convert -O raw '$I/z.qcow2' '$I/z.raw' && cmp -s '$I/z.raw' '$T/src.raw'"
cp "$T/src.raw" "$I/base.raw"
(cd "$I" && "$VMST" img create -f qcow2 -b base.raw ov.qcow2 > /dev/null)
"$VMST" img info "$I/ov.qcow2" > "$I/info.out"
check "img create -b: backing file and format recorded, nothing allocated" sh -c \
	"grep -q '^backing file: base.raw' '$I/info.out' && grep -q '^backing file format: raw' '$I/info.out' &&
	 grep -q '^allocated: 0 bytes' '$I/info.out' && grep -q '^virtual size: 8388608' '$I/info.out'"
check "img create -b: qemu-img agrees" sh -c "qemu-img info '$I/ov.qcow2' | grep -q 'backing file: base.raw'"
qemu-io -f qcow2 -c "write -P 0x33 100k 200k" -c "write -P 0x44 7M 8k" "$I/ov.qcow2" > /dev/null
qemu-img convert -O raw "$I/ov.qcow2" "$I/expect.raw"
check "img commit: overlay data written into the raw base" sh -c \
	"'$VMST' img commit '$I/ov.qcow2' > /dev/null && cmp -s '$I/base.raw' '$I/expect.raw'"
qemu-img convert -O qcow2 "$T/src.raw" "$I/qbase.qcow2"
"$VMST" img create -f qcow2 -b "$I/qbase.qcow2" "$I/ov2.qcow2" > /dev/null
qemu-io -f qcow2 -c "write -P 0x55 3M 1M" "$I/ov2.qcow2" > /dev/null
qemu-img convert -O raw "$I/ov2.qcow2" "$I/expect2.raw"
check "img commit into a qcow2 base: base equals the overlay's view" sh -c \
	"'$VMST' img commit '$I/ov2.qcow2' > /dev/null && qemu-img compare -q -F raw '$I/qbase.qcow2' '$I/expect2.raw'"
check "img commit: the qcow2 base passes qemu-img check" qcheck "$I/qbase.qcow2"
if command -v script > /dev/null; then
	script -qec "'$VMST' img convert -O qcow2 '$T/src.raw' '$I/tty.qcow2'" /dev/null > "$I/tty.out" 2>&1
	check "img convert on a terminal draws a progress bar to 100%" grep -q '\[#*\] 100%' "$I/tty.out"
fi
"$VMST" img convert -O qcow2 "$T/src.raw" "$I/notty.qcow2" 2> "$I/notty.err"
check "no progress bar when stderr is not a terminal" [ ! -s "$I/notty.err" ]
check "img commit without a backing file is refused" sh -c "! '$VMST' img commit '$I/conv.qcow2' 2> /dev/null"

# ---------------- kill -9 while writing ----------------
# The guest writes 4 KiB blocks i = a.. at LBA 8i, flushing every 4; a kill
# lands at a random time; then: check, and every flushed block reads back.
rm -f "$T/k.qcow2"
head -c 64M /dev/urandom > "$T/kbase.raw"
qemu-img create -q -f qcow2 -b "$T/kbase.raw" -F raw "$T/k.qcow2" 64M
# verify FROM TO: blocks FROM..TO hold (i mod 255) + 1
verify_blocks() {
	# one awk, not a shell loop: thousands of blocks on a slow (emulated) host
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++)
		printf "read -q -P %d %d 4096\n", i % 255 + 1, i * 4096; print "quit" }' > "$T/qio.cmds"
	qemu-io -r -f qcow2 "$T/k.qcow2" < "$T/qio.cmds" > "$T/qio.out" 2>&1
	! grep -qi "fail\|error" "$T/qio.out"
}
# kill_loop NAME KILLS EXPECTED-RAW: on $T/k.qcow2; EXPECTED-RAW is what the
# disk holds where the guest never wrote
# In the emulated AMD-V host (a software CPU) a kill round takes several
# seconds (7 to 15): there a loop makes 8 kills (at most 180 s, at least
# 6), the rest of the checks unchanged; natively 30 (at most 150 s).
if [ -n "${VMST_IN_KVMHOST:-}" ]; then KILLS=8 KILL_SECS=180 KILL_MIN=6; else KILLS=30 KILL_SECS=150 KILL_MIN=; fi
kill_loop() {
	next=0 kills=0 bad_check=0 bad_data=0 leaky=0 start=$(date +%s)
	while [ $kills -lt $2 ] && [ $(($(date +%s) - start)) -lt $KILL_SECS ]; do
		ctl 2 $next 16000
		rm -f "$T/com1.log"
		sed -e "s|^disk = .*|disk = [ '$T/k.qcow2,hda,w', '$T/ctl.raw,raw,hdb,w' ]|" "$T/g.cfg" > "$T/k.cfg"
		"$VMST" run "$T/k.cfg" > "$T/vm.out" 2>&1 &
		pid=$!
		wait_for "$T/com1.log" "LOOP start" 30 || { fail "kill loop $1: guest started"; kill -9 $pid; break; }
		sleep "0.$(awk -v s=$kills 'BEGIN { srand(s); printf "%03d", rand() * 600 + 20 }')"
		kill -9 $pid
		wait $pid 2>/dev/null
		kills=$((kills + 1))
		# the last complete "F xxxxxxxx" line (a kill may tear the last one)
		last=$(grep -a '^F [0-9a-f]\{8\}' "$T/com1.log" | tail -1 | cut -c3-10)
		qcheck "$T/k.qcow2" leaks || { bad_check=$((bad_check + 1)); cp "$T/k.qcow2" "$T/k-bad-$kills.qcow2"; }
		[ "$rc" = 3 ] && leaky=$((leaky + 1))
		if [ -n "$last" ]; then
			last=$((0x$last))
			verify_blocks $next $last || bad_data=$((bad_data + 1))
			next=$((last + 1))
		fi
	done
	check "kill loop $1: $kills kills at random points (>= ${KILL_MIN:-$2})" [ $kills -ge "${KILL_MIN:-$2}" ]
	check "kill loop $1: qemu-img check found no corruption after any kill ($bad_check bad, $leaky with leaks only)" [ $bad_check = 0 ]
	check "kill loop $1: every flushed block read back after each kill ($bad_data bad, $next blocks)" [ $bad_data = 0 ]
	check "kill loop $1: the guest made progress ($next blocks flushed)" [ $next -gt 30 ]
	# one run to the end: 64 more blocks, past any unflushed writes of the last kill
	ctl 2 $next $((next + 64))
	rm -f "$T/com1.log"
	timeout 60 "$VMST" run "$T/k.cfg" > "$T/vm.out" 2>&1
	check "kill loop $1: a last uninterrupted run finishes" grep -q "LOOP done" "$T/com1.log"
	check "kill loop $1: qemu-img check after it is clean or leaks only" qcheck "$T/k.qcow2" leaks
	check "kill loop $1: all blocks 0..$((next + 63)) in place at the end" verify_blocks 0 $((next + 63))
	qemu-img convert -f qcow2 -O raw "$T/k.qcow2" "$T/k.raw"
	rest=$(((next + 64 + 15) / 16 * 16 * 4096))
	check "kill loop $1: the rest of the disk (from byte $rest) is the backing file's" \
		cmp -s -i $rest:$rest "$T/k.raw" "$3"
}
kill_loop "64 KiB clusters over a raw base" $KILLS "$T/kbase.raw"
# 512-byte clusters with 64-bit refcounts: an allocation (and refcount table
# growth) in nearly every write
rm -f "$T/k.qcow2"
qemu-img create -q -f qcow2 -o cluster_size=512,refcount_bits=64 "$T/k.qcow2" 64M
truncate -s 64M "$T/kzero.raw"
kill_loop "512-byte clusters, 64-bit refcounts" $KILLS "$T/kzero.raw"
finish
