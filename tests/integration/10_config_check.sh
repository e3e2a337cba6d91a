#!/bin/sh
# `vmstation check` on the sample VM files in tests/configs:
#  good-*.cfg  exit 0; every "# expect: L:C: text" line of the file appears on
#              stderr as "FILE:L:C: text"; the printed configuration is one
#              `key = value` line per key, and checking the printed text again
#              prints exactly the same (it parses back to the same config).
#  bad-*.cfg   exit 1 with each "# expect: L:C: text" on stderr as "FILE:L:C: text",
#              and nothing on stdout.
# kvm: none (it starts no VM: where KVM is emulated it runs outside the host)
. "$(dirname "$0")/../lib.sh"
CFGS="$TOP/tests/configs"

# expectations FILE: the "L:C: text" parts of its "# expect: " lines
expectations() { sed -n 's/^# expect: //p' "$1"; }

# has_all FILE STDERR: every expectation of FILE is on STDERR with FILE's path
has_all() {
	expectations "$1" > "$T/exp"
	[ -s "$T/exp" ] || return 0
	while IFS= read -r e; do
		grep -qF -- "$1:$e" "$2" || { echo "missing on stderr: $1:$e"; return 1; }
	done < "$T/exp"
}

for f in "$CFGS"/good-*.cfg; do
	n=$(basename "$f" .cfg)
	"$VMST" check "$f" > "$T/$n.out" 2> "$T/$n.err"
	rc=$?
	check "$n: exit 0 (got $rc)" [ "$rc" -eq 0 ]
	check "$n: expected warnings on stderr" has_all "$f" "$T/$n.err"
	check "$n: no error lines on stderr" \
		sh -c "! grep -vE ': (warning|note): ' '$T/$n.err'"
	check "$n: every output line is 'key = value'" \
		sh -c "[ -s '$T/$n.out' ] && ! grep -vE '^[a-z0-9_]+ = ' '$T/$n.out'"
	check "$n: each key printed once" \
		sh -c "[ \"\$(cut -d' ' -f1 '$T/$n.out' | sort | uniq -d)\" = '' ]"
	cp "$T/$n.out" "$T/$n.printed.cfg"
	"$VMST" check "$T/$n.printed.cfg" > "$T/$n.out2" 2> "$T/$n.err2"
	rc=$?
	check "$n: printed configuration checks again (exit $rc)" [ "$rc" -eq 0 ]
	check "$n: printed configuration reads back the same" cmp -s "$T/$n.out" "$T/$n.out2"
	check "$n: re-check has no unknown keys" sh -c "! grep -q 'unknown key' '$T/$n.err2'"
done

for f in "$CFGS"/bad-*.cfg; do
	n=$(basename "$f" .cfg)
	"$VMST" check "$f" > "$T/$n.out" 2> "$T/$n.err"
	rc=$?
	check "$n: exit 1 (got $rc)" [ "$rc" -eq 1 ]
	check "$n: has expectations" [ -n "$(expectations "$f")" ]
	check "$n: error at the expected file:line:col" has_all "$f" "$T/$n.err"
	check "$n: nothing printed on stdout" [ ! -s "$T/$n.out" ]
done

# The Windows XP file of the issue: what it becomes.
o="$T/good-winxp.out"; e="$T/good-winxp.err"; w="$CFGS/good-winxp.cfg"
check "winxp: hvmloader is noted, not booted as a kernel" \
	sh -c "grep -qF \"$w:1:10: note: kernel='hvmloader'\" '$e' && grep -qx \"kernel = ''\" '$o'"
check "winxp: 'device_model' warned with its line" grep -qE "^$w:[0-9]+:[0-9]+: warning: 'device_model' accepted but not acted on" "$e"
if [ -e /sys/class/net/xenbr0/bridge ]; then
	check "winxp: vif's bridge=xenbr0 (a bridge on this host) taken without a warning" sh -c "! grep -q xenbr0 '$e'"
else
	check "winxp: vif's bridge=xenbr0, missing on this host: warned at the vif, the VM would run on NAT" \
		grep -qE "^$w:[0-9]+:[0-9]+: warning: vif 0: bridge 'xenbr0' does not exist on this host .*: it would run on user-mode NAT$" "$e"
fi
check "winxp: vif printed with its default MAC" grep -qE "^vif = \['mac=00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}, model=rtl8139, type=ioemu, bridge=xenbr0'\]$" "$o"
check "winxp: cpus = \"\" (unpinned) is taken without a warning, printed as 'all'" sh -c "! grep -q \"'cpus'\" '$e' && grep -qx \"cpus = 'all'\" '$o'"
check "winxp: stdvga=0 noted" grep -qF "$w:23:8: note: stdvga=0" "$e"
check "winxp: disks in canonical form" grep -qxF \
	"disk = ['file:/root/xenimages/winXP128.img,hda,w', 'file:/root/xenimages/en_winxp_pro_with_sp2.iso,hdc:cdrom,r']" "$o"
for kv in "memory = 512" "name = 'winxp'" "boot = 'd'" "vga = 'stdvga'" "serial = ['pty']" \
	  "on_reboot = 'destroy'" "vnc = 1" "sdl = 0" "acpi = 0" "vcpus = 1"; do
	check "winxp: $kv" grep -qxF "$kv" "$o"
done

# Other files: a few effective values.
check "linux: cmdline= printed as extra" grep -qxF "extra = 'console=ttyS0 root=/dev/sda1 quiet'" "$T/good-linux.out"
check "linux: xl disk forms canonical" grep -qxF \
	"disk = ['format=raw,vdev=hda,access=rw,target=/srv/debian.img', 'format=raw,vdev=hdc,access=ro,devtype=cdrom,target=/srv/netinst.iso']" "$T/good-linux.out"
check "dos: floppy and empty drive" sh -c "grep -qxF \"fda = '/srv/dos/disk1.img'\" '$T/good-dos.out' && grep -qxF \"fdb = ''\" '$T/good-dos.out'"
check "dos: sb16 resources" sh -c "grep -qxF 'sb16_port = 0x240' '$T/good-dos.out' && grep -qxF \"soundhw = ['sb16', 'adlib']\" '$T/good-dos.out'"
check "dos: usbdevice turns usb on" grep -qxF "usbdevice = ['tablet']" "$T/good-dos.out"
check "minimal: defaults" sh -c "grep -qxF 'memory = 64' '$T/good-minimal.out' && grep -qxF 'vcpus = 1' '$T/good-minimal.out' && grep -qxF \"name = 'good-minimal'\" '$T/good-minimal.out' && grep -qxF \"boot = 'cd'\" '$T/good-minimal.out'"
check "lists: += and tap:aio:" grep -qxF \
	"disk = ['phy:/dev/vg0/lists,hda,w', 'file:/srv/data.img,hdb,r']" "$T/good-listsyntax.out"
check "lists: escapes and root= kept" grep -qxF \
	"extra = 'root=/dev/sda1 a \\'quoted\\' word\\tand a tab'" "$T/good-listsyntax.out"

# xl disk forms (issue #16): what each file's disks become.
check "hvm-ioemu: ioemu:hda and ioemu:hdc:cdrom" grep -qxF \
	"disk = ['file:/x/winXP128.img,hda,w', 'file:/x/winxp.iso,hdc:cdrom,r']" "$T/good-hvm-ioemu.out"
check "xvd: xvda-xvdd on the four IDE positions, qcow2 kept, target= with a comma" grep -qxF \
	"disk = ['phy:/dev/vg0/win7,hda,w', 'format=qcow2,vdev=hdb,access=rw,target=/srv/data.qcow2', 'file:/srv/iso/win7.iso,hdc:cdrom,r', 'format=raw,vdev=hdd,access=rw,target=/srv/scratch,2024.img']" \
	"$T/good-xvd.out"
check "xvd: four notes, one per xvd disk" [ "$(grep -c ": note: disk '.*xvd[a-d]" "$T/good-xvd.err")" -eq 4 ]
check "disk-target: hdb still parsed (only the target-not-last disk refused)" \
	sh -c "[ \$(grep -c ': disk ' '$T/bad-disk-target.err') -eq 1 ]"
check "disk-prefix: four refusals" [ "$(grep -c ": disk '" "$T/bad-disk-prefix.err")" -eq 4 ]

# audio= as an xl boolean, xend's cpuid list.
o="$T/good-audio-cpuid.out"
check "audio-cpuid: audio = 1 is the automatic back end" grep -qxF "audio = ''" "$o"
check "audio-cpuid: soundhw keeps sb16 only" grep -qxF "soundhw = ['sb16']" "$o"
check "audio-cpuid: the cpuid list printed entry by entry" grep -qxF \
	"cpuid = ['0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxx1xxx,edx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', '0x80000001:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0', '0xd,1:eax=kkkkkkkkkkkkkkkkkkkkkkkkkkkk0sss']" "$o"
printf "audio = 0\n" > "$T/audio0.cfg"
"$VMST" check "$T/audio0.cfg" > "$T/audio0.out" 2>&1
check "audio = 0 is no sound" grep -qxF "audio = 'none'" "$T/audio0.out"

# A file that is not there, and a usage error.
"$VMST" check "$T/nonexistent.cfg" > /dev/null 2> "$T/missing.err"
rc=$?
check "missing file: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "missing file: says so" grep -qF "$T/nonexistent.cfg: cannot read" "$T/missing.err"

# xl's vnclisten with a display and a WebSocket port (57_vnc_websocket serves it).
o="$T/good-novnc.out"
check "novnc: vnclisten keeps address and WebSocket port" grep -qxF "vnclisten = '0.0.0.0,websocket=6401'" "$o"
check "novnc: display 1 from vnclisten" grep -qxF "vncdisplay = 1" "$o"

# A FIFO as the VM file: refused at once (open would wait for a writer).
mkfifo "$T/fifo.cfg"
for cmd in check run; do
	start=$(date +%s)
	timeout 10 "$VMST" $cmd "$T/fifo.cfg" > /dev/null 2> "$T/fifo-$cmd.err"
	rc=$?
	took=$(($(date +%s) - start))
	check "fifo: $cmd exits 1 (got $rc), not killed by the timeout" [ "$rc" -eq 1 ]
	check "fifo: $cmd returns promptly (${took}s)" [ "$took" -le 2 ]
	check "fifo: $cmd says it is a FIFO" \
		grep -qF "$T/fifo.cfg: cannot read: a FIFO, not a regular file" "$T/fifo-$cmd.err"
done
"$VMST" check /dev/null > /dev/null 2> "$T/devnull.err"
check "device node: refused with what it is" \
	grep -qF "/dev/null: cannot read: a character device, not a regular file" "$T/devnull.err"
# Issue #15's keys: each printed by check (with its default) and named in --help.
o="$T/good-minimal.out"
"$VMST" --help > "$T/help.txt" 2>&1
for kv in "vcpus = 1" "cpus = 'all'" "cpus_soft = 'all'" "acpi = 1" "apic = 1" "pae = 1" \
	  "viridian = 0" "hpet = 1" "rtc_timeoffset = 0" "localtime = 0"; do
	k=${kv%% *}
	check "minimal: check prints '$kv'" grep -qxF "$kv" "$o"
	check "--help names $k" grep -qE "^  $k = " "$T/help.txt"
done
printf "memory = 16\nvcpus = 2\ncpus = ['0', 'all']\ncpus_soft = '0'\nhpet = 0\nlocaltime = 1\nrtc_timeoffset = -3600\n" > "$T/hvm15.cfg"
"$VMST" check "$T/hvm15.cfg" > "$T/hvm15.out" 2> "$T/hvm15.err"
for kv in "vcpus = 2" "cpus = ['0', 'all']" "cpus_soft = '0'" "hpet = 0" "localtime = 1" "rtc_timeoffset = -3600"; do
	check "set: check prints '$kv'" grep -qxF "$kv" "$T/hvm15.out"
done
check "cpus_soft other than 'all' is warned with its line" \
	grep -qF "$T/hvm15.cfg:4:1: warning: 'cpus_soft' accepted but not acted on" "$T/hvm15.err"
printf "cpus_soft = '0-x'\n" > "$T/soft-bad.cfg"
"$VMST" check "$T/soft-bad.cfg" > /dev/null 2> "$T/soft-bad.err"
check "cpus_soft: a bad list is an error at its column" grep -qF "$T/soft-bad.cfg:1:13: cpus_soft: " "$T/soft-bad.err"
finish
