#!/bin/sh
# Bad disk and floppy images stop vmstation before the guest runs, with a
# message naming the config line: missing file, directory, unreadable file,
# 'w' access on a read-only file, oversized floppy. Unreadable and read-only
# files are checked without CAP_DAC_OVERRIDE (tests run as root).
. "$(dirname "$0")/../lib.sh"

ELF=$(guest ide_test) || { fail "assemble ide_test.asm"; finish; }
mkdir -p "$T/adir"
head -c 1048576 /dev/zero > "$T/ro.img"
chmod 0444 "$T/ro.img"
head -c 1048576 /dev/zero > "$T/secret.img"
chmod 0000 "$T/secret.img"
head -c 3145728 /dev/zero > "$T/big.img"

NOCAP=""
if [ "$(id -u)" = 0 ]; then
	NOCAP="setpriv --bounding-set -dac_override,-dac_read_search"
fi

# run_bad NAME DISKLINE EXPECTED-REGEX: the disk line is line 4 of the file
run_bad() {
	cat > "$T/$1.cfg" <<EOF
name = '$1'
memory = 32
kernel = '$ELF'
$2
serial = 'file:$T/$1.com1'
EOF
	$NOCAP "$VMST" run "$T/$1.cfg" > "$T/$1.out" 2>&1
	rc=$?
	check "$1: exit status 1 (got $rc)" [ "$rc" = 1 ]
	if grep -qE "$3" "$T/$1.out"; then
		pass "$1: $(grep -E "$3" "$T/$1.out" | head -1)"
	else
		fail "$1: expected /$3/, got: $(head -3 "$T/$1.out")"
	fi
	check "$1: no guest code ran" sh -c "! grep -aq 'IDE-TEST' '$T/$1.com1' 2>/dev/null"
}

run_bad missing "disk = [ '$T/nope.img,raw,hda,rw' ]" \
	"^$T/missing.cfg:4:[0-9]+: hda: Could not open '$T/nope.img': No such file or directory"
run_bad directory "disk = [ '$T/ro.img,raw,hda,r', '$T/adir,raw,hdb,rw' ]" \
	"^$T/directory.cfg:4:[0-9]+: hdb: Could not open '$T/adir': it is a directory"
run_bad unreadable "disk = [ '$T/secret.img,raw,hdc,cdrom' ]" \
	"^$T/unreadable.cfg:4:[0-9]+: hdc: Could not open '$T/secret.img': Permission denied"
run_bad readonly "disk = [ '$T/ro.img,raw,hda,w' ]" \
	"^$T/readonly.cfg:4:[0-9]+: hda: Could not open '$T/ro.img' for writing: Permission denied"
run_bad bigfloppy "fda = '$T/big.img'" \
	"^$T/bigfloppy.cfg:4:[0-9]+: fda: '$T/big.img' is 3145728 bytes"

# a read-only disk opened with 'r' works, and the file stays untouched
cat > "$T/ok.cfg" <<EOF
name = 'ok'
memory = 32
kernel = '$ELF'
disk = [ '$T/ro.img,raw,hdb,r' ]
serial = 'file:$T/ok.com1'
on_poweroff = 'destroy'
EOF
$NOCAP "$VMST" run "$T/ok.cfg" > "$T/ok.out" 2>&1 &
pid=$!
if wait_for "$T/ok.com1" "IDE-TEST start" 30; then
	pass "a 0444 image with access 'r' opens without CAP_DAC_OVERRIDE"
else
	fail "a 0444 image with access 'r' opens ($(head -2 "$T/ok.out"))"
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
finish
