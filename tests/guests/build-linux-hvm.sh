#!/bin/sh
# Builds the guests of tests/slow/23_hvm_linux.sh into a cache directory
# (default build/cache), once; later runs reuse them. Prints:
#   KERNEL64=, INITRD64=  Debian's amd64 kernel (build-linux.sh's) and a
#                         busybox initramfs with its ata_piix, sr_mod and cpuid modules
#   KERNEL32=, INITRD32=  Debian's 686 kernel (build-linux-686.sh's) and an
#                         i386 busybox initramfs
# Both initramfs run tests/guests/hvm_init.sh as /init.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/guests/linux-common.sh"
cache=${1:-$top/build/cache}
k64=$(sh "$top/tests/guests/build-linux.sh" "$cache" | sed -n 's/^KERNEL=//p')
k32=$(sh "$top/tests/guests/build-linux-686.sh" "$cache" | sed -n 's/^KERNEL=//p')
dir="$cache/linux-hvm"
mkdir -p "$dir"
APPLETS="sh mount insmod cat cut sed grep ls tr nproc taskset sleep date dmesg uname dd poweroff reboot"

# --- the amd64 kernel's ATA modules (the package build-linux.sh used) -----
pkgfile=$(cat "$cache/linux-amd64/kernel-package")
mods="scsi_common scsi_mod libata ata_piix cdrom sr_mod cpuid"
if [ "$(cat "$dir/modules.pkg" 2>/dev/null)" != "$pkgfile $mods" ]; then
	rm -rf "$dir/deb" "$dir/modules" && mkdir -p "$dir/deb" "$dir/modules"
	(cd "$dir/deb" && apt-get download -q "${pkgfile%%_*}" >&2)
	dpkg-deb --fsys-tarfile "$dir"/deb/*.deb | tar -x -C "$dir/deb" \
		--wildcards './lib/modules/*/kernel/drivers/ata/*' './lib/modules/*/kernel/drivers/scsi/*' \
		'./lib/modules/*/kernel/drivers/cdrom/*' './lib/modules/*/kernel/arch/x86/kernel/*'
	for m in $mods; do
		cp "$(find "$dir/deb/lib/modules" -name "$m.ko" | head -1)" "$dir/modules/"
	done
	rm -rf "$dir/deb"
	echo "$pkgfile $mods" > "$dir/modules.pkg"
	rm -f "$dir"/initrd64.cpio*   # built with other modules
fi

# hvm_initramfs OUT BUSYBOX [MODULES-DIR]: OUT with BUSYBOX and hvm_init.sh,
# rebuilt when either changes
hvm_initramfs() {
	if [ ! -f "$1" ] || ! cmp -s "$top/tests/guests/hvm_init.sh" "$1.init" || ! cmp -s "$2" "$1.busybox"; then
		busybox_root "$dir/root" "$2" $APPLETS
		cp "$top/tests/guests/hvm_init.sh" "$dir/root/init"
		chmod 755 "$dir/root/init"
		if [ -n "$3" ]; then
			mkdir -p "$dir/root/lib/modules"
			cp "$3"/*.ko "$dir/root/lib/modules/"

		fi
		pack_initramfs "$dir/root" "$1"
		cp "$top/tests/guests/hvm_init.sh" "$1.init"
		cp "$2" "$1.busybox"
	fi
}
hvm_initramfs "$dir/initrd64.cpio" /bin/busybox "$dir/modules"
hvm_initramfs "$dir/initrd32.cpio" "$cache/linux-686/pkgs/bin/busybox"
echo "KERNEL64=$k64"
echo "INITRD64=$dir/initrd64.cpio"
echo "KERNEL32=$k32"
echo "INITRD32=$dir/initrd32.cpio"
