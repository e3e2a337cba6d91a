#!/bin/sh
# Media change through the monitor, seen by Linux: Debian's kernel with its
# own ata_piix, sr_mod and isofs modules mounts the CD in a loop and prints
# what is on it; `change ide1-cd0 B.iso` makes it mount B, `eject -f` leaves
# it with no medium. Slow: the guest kernel runs emulated here (TESTING.md).
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
TIMEOUT=${LINUX_BOOT_TIMEOUT:-1500}
. "$TOP/tests/slow/linux_cmdline.inc" # LINUX_QUIRKS, LINUX_TRIM

paths=$(sh "$TOP/tests/guests/build-linux.sh" "$CACHE") || { fail "build the Linux guest"; finish; }
KERNEL=$(echo "$paths" | sed -n 's/^KERNEL=//p')
check "Debian kernel built" test -s "$KERNEL"

# The kernel's CD-ROM modules and a busybox initramfs that uses them, once.
dir="$CACHE/monitor-media"
pkgfile=$(cat "$CACHE/linux-amd64/kernel-package" 2>/dev/null)
pkg=${pkgfile%%_*}
mods="scsi_common scsi_mod libata ata_piix cdrom sr_mod isofs"
BUSYBOX=/bin/busybox
if [ ! -f "$dir/initrd.cpio" ] || [ "$(cat "$dir/kernel-package" 2>/dev/null)" != "$pkgfile" ] ||
   ! cmp -s "$BUSYBOX" "$dir/busybox.used"; then
	rm -rf "$dir" && mkdir -p "$dir/deb" "$dir/root/bin" "$dir/root/lib/modules" \
		"$dir/root/proc" "$dir/root/sys" "$dir/root/dev" "$dir/root/mnt"
	(cd "$dir/deb" && apt-get download -q "$pkg" > /dev/null 2>&1) || { fail "apt-get download $pkg"; finish; }
	dpkg-deb --fsys-tarfile "$dir"/deb/*.deb | tar -x -C "$dir/deb" \
		--wildcards './lib/modules/*/kernel/drivers/ata/*' './lib/modules/*/kernel/drivers/scsi/*' \
		'./lib/modules/*/kernel/drivers/cdrom/*' './lib/modules/*/kernel/fs/isofs/*'
	for m in $mods; do
		cp "$(find "$dir/deb/lib/modules" -name "$m.ko" | head -1)" "$dir/root/lib/modules/" ||
			{ fail "module $m.ko in $pkg"; finish; }
	done
	cp "$BUSYBOX" "$dir/root/bin/busybox"
	for a in sh mount umount insmod cat sleep mkdir echo poweroff; do
		ln -s busybox "$dir/root/bin/$a"
	done
	cat > "$dir/root/init" <<INIT
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $mods; do insmod /lib/modules/\$m.ko || echo "VMST-INSMOD-FAILED \$m"; done
echo VMST-MODULES-LOADED
last=""
while :; do
	if mount -t iso9660 -o ro /dev/sr0 /mnt 2>/dev/null; then
		id=\$(cat /mnt/id.txt 2>/dev/null)
		umount /mnt
	else
		id=none
	fi
	[ "\$id" != "\$last" ] && echo "VMST-CD: \$id"
	last=\$id
	sleep 1
done
INIT
	chmod 755 "$dir/root/init"
	(cd "$dir/root" && find . | sort | cpio -o -H newc --quiet -R 0:0) > "$dir/initrd.cpio"
	echo "$pkgfile" > "$dir/kernel-package"
	cp "$BUSYBOX" "$dir/busybox.used"
	rm -rf "$dir/deb" "$dir/root"
fi
check "initramfs with the CD-ROM modules" test -s "$dir/initrd.cpio"

for d in A B; do
	mkdir -p "$T/iso$d" && echo "disc-$d" > "$T/iso$d/id.txt"
	xorriso -as mkisofs -quiet -V "DISC$d" -o "$T/$d.iso" "$T/iso$d" 2>/dev/null
done
check "two ISO images" test -s "$T/A.iso" -a -s "$T/B.iso"

cat > "$T/linux.cfg" <<CFG
name = 'linuxcd'
memory = 256
kernel = '$KERNEL'
ramdisk = '$dir/initrd.cpio'
extra = 'console=ttyS0 panic=-1 $LINUX_QUIRKS $LINUX_TRIM $LINUX_CLOCK'
serial = 'file:$T/com1.log'
cpuid = 'host,cx16=0,rdrand=0,rdseed=0,xsave=0'
disk = [ '$T/A.iso,raw,hdc:cdrom,r' ]
vga = 'none'
vnc = 0
on_reboot = 'destroy'
log_dir = '$T/logs'
CFG
SOCK="$T/mon.sock"
start=$(date +%s)
vm_bg linux run "$T/linux.cfg" --monitor "unix:$SOCK"
wait_guest "$T/com1.log" "^VMST-MODULES-LOADED" "$TIMEOUT"
why=$(linux_userspace_diag "$T/com1.log")
check "the guest loads ata_piix, sr_mod, isofs${why:+ -- $why}" grep -aq "^VMST-MODULES-LOADED" "$T/com1.log"
check "no module failed" sh -c "grep -aq '^VMST-MODULES-LOADED' '$T/com1.log' && ! grep -q VMST-INSMOD-FAILED '$T/com1.log'"
check "Linux mounts disc A" wait_guest "$T/com1.log" "^VMST-CD: disc-A" 300
echo "TIME: boot to first mount: $(( $(date +%s) - start ))s"
t0=$(date +%s)
out=$("$MC" "$SOCK" "change ide1-cd0 $T/B.iso" | sed -e '1d' -e 's/(vmstation) //g' | sed '/^$/d')
check "change prints nothing ($out)" [ -z "$out" ]
check "Linux mounts disc B after the change" wait_guest "$T/com1.log" "^VMST-CD: disc-B" 300
echo "TIME: change to B seen by Linux: $(( $(date +%s) - t0 ))s"
"$MC" "$SOCK" "info block" | grep -q "ide1-cd0: $T/B.iso (raw, read-only)"
check "info block shows B" [ $? = 0 ]
"$MC" "$SOCK" "eject -f ide1-cd0" > /dev/null
check "after eject -f Linux finds no medium" sh -c "grep -aq '^VMST-MODULES-LOADED' '$T/com1.log' || exit 1; i=0; while [ \$i -lt 3000 ]; do grep -a '^VMST-CD: ' '$T/com1.log' | tail -1 | grep -q 'VMST-CD: none' && exit 0; sleep 0.1; i=\$((i+1)); done; exit 1"
"$MC" "$SOCK" quit > /dev/null
wait_pid "$VM_PID" 30
check "quit: exit 0 (got $RC)" [ "$RC" = 0 ]
finish
