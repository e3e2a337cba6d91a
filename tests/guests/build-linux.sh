#!/bin/sh
# Builds the slow-tier Linux guest from Debian packages into a cache directory
# (default build/cache), once; later runs reuse it. Prints two lines:
#   KERNEL=<path of Debian's linux-image-amd64 bzImage>
#   INITRD=<path of a busybox-static initramfs (uncompressed cpio)>
# The initramfs /init mounts proc and sys, prints VMST-LINUX-BOOT-OK on the
# console, shows `dmesg | grep ttyS0` between VMST-DMESG-BEGIN/END, and
# powers off with `poweroff -f`.
# The cpio is left uncompressed: the guest kernel would otherwise spend a
# long time in emulated kernel mode unpacking it (see TESTING.md).
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${1:-$top/build/cache}
dir="$cache/linux-amd64"
mkdir -p "$dir"

# --- kernel: the package linux-image-amd64 depends on -------------------
if [ ! -f "$dir/vmlinuz" ]; then
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	      awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$pkg" ]; then
		echo "build-linux: cannot resolve linux-image-amd64 (apt-get update?)" >&2
		exit 1
	fi
	rm -rf "$dir/deb" && mkdir -p "$dir/deb"
	(cd "$dir/deb" && apt-get download -q "$pkg" >&2)
	deb=$(ls "$dir"/deb/*.deb | head -n 1)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir/deb" --wildcards './boot/vmlinuz-*'
	cp "$dir"/deb/boot/vmlinuz-* "$dir/vmlinuz.tmp"
	basename "$deb" > "$dir/kernel-package"
	rm -rf "$dir/deb"
	mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
fi

# --- initramfs: busybox-static and an /init script ----------------------
init_src=$(mktemp)
cat > "$init_src" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "VMST-LINUX-BOOT-OK $(uname -r)"
echo "VMST-DMESG-BEGIN"
dmesg | grep ttyS0
echo "VMST-DMESG-END"
echo "VMST-UPTIME $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
EOF
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "build-linux: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
if [ ! -f "$dir/initrd.cpio" ] || ! cmp -s "$init_src" "$dir/init" ||
   [ "$busybox" -nt "$dir/initrd.cpio" ]; then
	root="$dir/initramfs"
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
	cp "$busybox" "$root/bin/busybox"
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
