#!/bin/sh
# Builds the slow-tier Linux guest from Debian packages into a cache directory
# (default build/cache), once; later runs reuse it. Prints two lines:
#   KERNEL=<path of Debian's linux-image-amd64 bzImage>
#   INITRD=<path of a busybox-static initramfs (uncompressed cpio)>
# The initramfs /init mounts proc and sys, prints VMST-LINUX-BOOT-OK on the
# console, shows `dmesg | grep ttyS0` between VMST-DMESG-BEGIN/END, and
# powers off with `poweroff -f` (boot_init in linux-common.sh).
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/guests/linux-common.sh"
cache=${1:-$top/build/cache}
dir="$cache/linux-amd64"
mkdir -p "$dir"

# --- kernel: the package linux-image-amd64 depends on -------------------
if [ ! -f "$dir/vmlinuz" ]; then
	pkg=$(kernel_package linux-image-amd64 build-linux)
	rm -rf "$dir/deb" && mkdir -p "$dir/deb"
	(cd "$dir/deb" && apt-get download -q "$pkg" >&2)
	deb=$(ls "$dir"/deb/*.deb | head -n 1)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir/deb" --wildcards './boot/vmlinuz-*'
	cp "$dir"/deb/boot/vmlinuz-* "$dir/vmlinuz.tmp"
	basename "$deb" > "$dir/kernel-package"
	rm -rf "$dir/deb"
	mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
fi

# --- initramfs: busybox-static and the boot /init ------------------------
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "build-linux: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
boot_initramfs "$dir" "$busybox" ""
echo "KERNEL=$dir/vmlinuz"
echo "INITRD=$dir/initrd.cpio"
