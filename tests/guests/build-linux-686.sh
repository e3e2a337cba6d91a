#!/bin/sh
# Builds the slow-tier 32-bit Linux guest from Debian packages into a cache
# directory (default build/cache), once; later runs reuse it. Prints:
#   KERNEL=<Debian linux-image-*-686 bzImage (i386)>
#   INITRD=<uncompressed cpio with the i386 busybox-static>
# The initramfs /init is the same as the amd64 guest's (build-linux.sh):
# VMST-LINUX-BOOT-OK, `dmesg | grep ttyS0` between VMST-DMESG-BEGIN/END,
# VMST-UPTIME, poweroff -f.
set -e
PATH=$PATH:/sbin:/usr/sbin
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${1:-$top/build/cache}
dir="$cache/linux-686"
mkdir -p "$dir"

if ! dpkg --print-foreign-architectures | grep -qx i386; then
	dpkg --add-architecture i386 >&2
	apt-get update -q >&2 || true
fi

# --- kernel and busybox: the packages linux-image-686 and busybox-static ---
if [ ! -f "$dir/pkgs.done" ]; then
	kpkg=$(apt-cache depends linux-image-686:i386 2>/dev/null |
	       awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$kpkg" ] || { echo "build-linux-686: cannot resolve linux-image-686:i386 (apt-get update?)" >&2; exit 1; }
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

init_src=$(mktemp)
cat > "$init_src" <<'EOI'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "VMST-LINUX-BOOT-OK $(uname -r) $(uname -m)"
echo "VMST-DMESG-BEGIN"
dmesg | grep ttyS0
echo "VMST-DMESG-END"
echo "VMST-UPTIME $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
EOI
if [ ! -f "$dir/initrd.cpio" ] || ! cmp -s "$init_src" "$dir/init"; then
	root="$dir/initramfs"
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
	cp "$dir/pkgs/bin/busybox" "$root/bin/busybox"
	for a in sh mount echo cat cut dmesg grep uname poweroff sleep ls; do
		ln -s busybox "$root/bin/$a"
	done
	cp "$init_src" "$root/init"
	chmod 755 "$root/init"
	(cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0) > "$dir/initrd.cpio.tmp"
	mv "$dir/initrd.cpio.tmp" "$dir/initrd.cpio"
	cp "$init_src" "$dir/init"
	rm -rf "$root"
fi
rm -f "$init_src"
echo "KERNEL=$dir/vmlinuz"
echo "INITRD=$dir/initrd.cpio"
