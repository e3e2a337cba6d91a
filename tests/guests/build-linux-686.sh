#!/bin/sh
# Builds the slow-tier 32-bit Linux guest from Debian packages into a cache
# directory (default build/cache), once; later runs reuse it. Prints:
#   KERNEL=<Debian linux-image-*-686 bzImage (i386)>
#   INITRD=<uncompressed cpio with the i386 busybox-static>
# The initramfs /init is the amd64 guest's (boot_init in linux-common.sh)
# with the machine name after the release: VMST-LINUX-BOOT-OK, `dmesg | grep
# ttyS0` between VMST-DMESG-BEGIN/END, VMST-UPTIME, poweroff -f.
set -e
PATH=$PATH:/sbin:/usr/sbin
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/guests/linux-common.sh"
cache=${1:-$top/build/cache}
dir="$cache/linux-686"
mkdir -p "$dir"

enable_i386

# --- kernel and busybox: the packages linux-image-686 and busybox-static ---
if [ ! -f "$dir/pkgs.done" ]; then
	kpkg=$(kernel_package linux-image-686:i386 build-linux-686)
	rm -rf "$dir/deb" "$dir/pkgs"
	mkdir -p "$dir/deb" "$dir/pkgs"
	(cd "$dir/deb" && apt-get download -q "$kpkg" busybox-static:i386 >&2)
	for d in "$dir"/deb/*.deb; do
		dpkg-deb --fsys-tarfile "$d" | tar -x -C "$dir/pkgs" --wildcards './boot/vmlinuz-*' './bin/busybox' 2>/dev/null || true
		basename "$d" >> "$dir/packages"
	done
	rm -rf "$dir/deb"
	[ -x "$dir/pkgs/bin/busybox" ] && ls "$dir"/pkgs/boot/vmlinuz-* > /dev/null
	touch "$dir/pkgs.done"
fi
cp "$(ls "$dir"/pkgs/boot/vmlinuz-* | head -n 1)" "$dir/vmlinuz"

boot_initramfs "$dir" "$dir/pkgs/bin/busybox" ' $(uname -m)'
echo "KERNEL=$dir/vmlinuz"
echo "INITRD=$dir/initrd.cpio"
