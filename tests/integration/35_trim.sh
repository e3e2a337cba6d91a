#!/bin/sh
# TRIM (ATA DATA SET MANAGEMENT) from a guest (tests/guests/qcow2_guest.asm
# mode 5 drives it as libata does: IDENTIFY word 169, then command 06h with
# one DMA block of LBA range entries):
#  - qcow2 without a backing file: the trimmed whole clusters are unmapped
#    (qemu-img map), read as zeros, and give their space back to the host;
#    a range that is not cluster-aligned drops only the clusters it covers;
#  - a v3 overlay reads zeros where it was trimmed (the base does not show
#    through); a v2 overlay keeps its data (it has no way to say "zeros");
#  - a raw image gets a hole;
#  - qemu-img check stays clean (no leaks) on every qcow2 image;
#  - no-discard and read-only disks do not offer TRIM and refuse it; a range
#    past the end of the disk is refused.
. "$(dirname "$0")/../lib.sh"

command -v qemu-img > /dev/null || { fail "qemu-img is installed (tests/setup.sh: qemu-utils)"; finish; }
ELF=$(guest qcow2_guest) || { fail "assemble qcow2_guest.asm"; finish; }

# ctl MODE A B: the guest's control sector at LBA 0 of $T/ctl.raw
ctl() {
	printf "$(printf '\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) 0 0 \
		$(($2 & 255)) $(($2 >> 8 & 255)) $(($2 >> 16 & 255)) 0 \
		$(($3 & 255)) $(($3 >> 8 & 255)) $(($3 >> 16 & 255)) 0)" |
		dd of="$T/ctl.raw" conv=notrunc status=none
}
# trim_run DISKSPEC A B: the guest trims sectors A .. A+B-1 of hda (DISKSPEC)
trim_run() {
	ctl 5 "$2" "$3"
	cat > "$T/g.cfg" <<EOF
name = 'trimtest'
memory = 64
kernel = '$ELF'
disk = [ '$1', '$T/ctl.raw,raw,hdb,w' ]
serial = 'file:$T/com1.log'
vga = 'none'
on_poweroff = 'destroy'
EOF
	rm -f "$T/com1.log"
	timeout 60 "$VMST" run "$T/g.cfg" > "$T/vm.out" 2>&1
}
said() { grep -aq "$1" "$T/com1.log"; }
no_error() { said "TRIM done" && ! said ERROR; }
qclean() { qemu-img check -q "$1" > "$T/check.out" 2>&1; }
# same_as IMAGE FMT RAW: the image's guest-visible data equals RAW
same_as() {
	rm -f "$T/out.raw"
	qemu-img convert -f "$2" -O raw "$1" "$T/out.raw" && cmp -s "$T/out.raw" "$3"
}
# zero_range RAW START_SECTOR N: a copy of RAW with those sectors zeroed, in $T/exp.raw
zero_range() {
	cp "$1" "$T/exp.raw"
	dd if=/dev/zero of="$T/exp.raw" bs=512 seek="$2" count="$3" conv=notrunc status=none
}
# mapped IMAGE OFFSET: qemu-img map says the guest byte OFFSET has data in IMAGE
mapped() {
	qemu-img map --output=json "$1" | tr -d ' ' | tr '}' '\n' |
		awk -F'[:,]' -v o="$2" '{ for (i = 1; i < NF; i++) { if ($i == "\"start\"") s = $(i+1);
			if ($i == "\"length\"") l = $(i+1); if ($i == "\"data\"") d = $(i+1) }
			if (o >= s && o < s + l) { print d; exit } }' | grep -q true
}
used_kib() { du -k "$1" | cut -f1; }

head -c 8M /dev/urandom > "$T/src.raw"
truncate -s 1M "$T/ctl.raw"

# ---- qcow2 v3, no backing file: whole clusters 1 MiB .. 3 MiB go ----
qemu-img convert -f raw -O qcow2 -o cluster_size=65536 "$T/src.raw" "$T/a.qcow2"
before=$(used_kib "$T/a.qcow2")
trim_run "format=qcow2,vdev=hda,access=rw,target=$T/a.qcow2" 2048 4096
check "qcow2: the disk offers TRIM (IDENTIFY word 169)" said "TRIM yes"
check "qcow2: DATA SET MANAGEMENT completes without error" no_error
check "qcow2: qemu-img check clean, no leaks" qclean "$T/a.qcow2"
zero_range "$T/src.raw" 2048 4096
check "qcow2: trimmed sectors read zeros, the rest unchanged" same_as "$T/a.qcow2" qcow2 "$T/exp.raw"
check "qcow2: the trimmed clusters are unmapped (qemu-img map)" sh -c "! mapped '$T/a.qcow2' $((2 * 1048576))"
check "qcow2: clusters outside the range stay mapped" mapped "$T/a.qcow2" $((4 * 1048576))
after=$(used_kib "$T/a.qcow2")
check "qcow2: host space given back ($before KiB -> $after KiB)" test $((before - after)) -ge 1900

# ---- a range not aligned to clusters: only the whole cluster inside goes ----
cp "$T/exp.raw" "$T/exp1.raw"
qemu-img convert -f raw -O qcow2 -o cluster_size=65536 "$T/src.raw" "$T/b.qcow2"
trim_run "format=qcow2,vdev=hda,access=rw,target=$T/b.qcow2" 6147 256
check "partial range: completes" no_error
check "partial range: qemu-img check clean" qclean "$T/b.qcow2"
zero_range "$T/src.raw" 6272 128                 # the one 64 KiB cluster inside 6147..6402
check "partial range: only the covered cluster reads zeros" same_as "$T/b.qcow2" qcow2 "$T/exp.raw"

# ---- overlays: v3 reads zeros, v2 keeps its data ----
for compat in 1.1 0.10; do
	cp "$T/src.raw" "$T/base.raw"
	rm -f "$T/ov.qcow2"
	qemu-img create -q -f qcow2 -o compat=$compat -b "$T/base.raw" -F raw "$T/ov.qcow2"
	qemu-io -f qcow2 -c "write -P 0x5a 1M 2M" "$T/ov.qcow2" > /dev/null
	cp "$T/src.raw" "$T/pre.raw"
	printf '%*s' 2097152 '' | tr ' ' '\132' | dd of="$T/pre.raw" bs=1M seek=1 conv=notrunc status=none
	trim_run "format=qcow2,vdev=hda,access=rw,target=$T/ov.qcow2" 2048 4096
	check "overlay compat=$compat: completes" no_error
	check "overlay compat=$compat: qemu-img check clean" qclean "$T/ov.qcow2"
	check "overlay compat=$compat: the base is untouched" cmp -s "$T/base.raw" "$T/src.raw"
	if [ $compat = 1.1 ]; then
		zero_range "$T/pre.raw" 2048 4096
		check "overlay v3: trimmed range reads zeros, not the base" same_as "$T/ov.qcow2" qcow2 "$T/exp.raw"
	else
		check "overlay v2: data kept (v2 cannot mark zeros over a base)" same_as "$T/ov.qcow2" qcow2 "$T/pre.raw"
	fi
done

# ---- raw: a hole ----
cp "$T/src.raw" "$T/c.raw"
before=$(used_kib "$T/c.raw")
trim_run "$T/c.raw,raw,hda,w" 4096 4096
check "raw: completes" no_error
zero_range "$T/src.raw" 4096 4096
check "raw: trimmed range reads zeros" cmp -s "$T/c.raw" "$T/exp.raw"
after=$(used_kib "$T/c.raw")
check "raw: a hole punched ($before KiB -> $after KiB)" test $((before - after)) -ge 1900
check "raw: the file keeps its size" test "$(stat -c %s "$T/c.raw")" = $((8 * 1048576))

# ---- refused ----
cp "$T/src.raw" "$T/d.raw"
trim_run "$T/d.raw,raw,hda,w,no-discard" 0 4096
check "no-discard: TRIM is not offered" said "TRIM no"
check "no-discard: the command is refused" said "DMA ERROR"
check "no-discard: the image is untouched" cmp -s "$T/d.raw" "$T/src.raw"
trim_run "$T/d.raw,raw,hda,r" 0 4096
check "read-only: TRIM is not offered" said "TRIM no"
check "read-only: the command is refused" said "DMA ERROR"
check "read-only: the image is untouched" cmp -s "$T/d.raw" "$T/src.raw"
trim_run "$T/d.raw,raw,hda,w" 16000 1000
check "a range past the end of the disk is refused" said "DMA ERROR"
check "past the end: the image is untouched" cmp -s "$T/d.raw" "$T/src.raw"
"$VMST" check "$T/g.cfg" > "$T/check.txt" 2>&1
sed -i "s|hda,w'|hda,w,no-discard'|" "$T/g.cfg"
"$VMST" check "$T/g.cfg" > "$T/check2.txt" 2>&1
check "vmstation check prints no-discard" grep -q "no-discard,target=" "$T/check2.txt"
check "vmstation check omits it by default" sh -c "! grep -q no-discard '$T/check.txt'"
finish
