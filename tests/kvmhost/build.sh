#!/bin/sh
# Builds the emulated KVM host (tests/kvmhost/README) from Debian packages
# into build/kvmhost, once per kernel package; later runs reuse it. Prints
#   KERNEL=<Debian's amd64 vmlinuz>
#   INITRD=<busybox-static, KVM/9p/virtio/overlay modules, tests/kvmhost/init>
# Exit 1 with a message naming what is missing when it cannot.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${KVMHOST_DIR:-$top/build/kvmhost}
mkdir -p "$dir"
die() { echo "kvmhost: $*" >&2; exit 1; }
# one build at a time: hosts started side by side (KVMHOST_JOBS) after a
# change to the module list both rebuilt it, each appending to ko/order
exec 9> "$dir/build.lock"
flock 9

command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] ||
	die "busybox is missing (apt-get install busybox-static)"
busybox=$(command -v busybox || echo /bin/busybox)

# The versioned package that linux-image-amd64 depends on: a new Debian
# kernel (a point release, a security update) rebuilds the host.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
      awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$pkg" ] || pkg=$(cat "$dir/kernel-package" 2>/dev/null || true)
[ -n "$pkg" ] || die "cannot resolve linux-image-amd64 to a kernel package (run apt-get update)"
ver=${pkg#linux-image-}

# Modules that Debian builds as modules, loaded in dependency order by /init:
# KVM on AMD-V, the 9p root share over virtio, overlayfs, virtio-net, and
# pvpanic (a kernel panic makes QEMU exit 1 instead of powering off quietly),
# and tun, bridge and veth for the bridged network test (76_net_bridge).
WANT="kvm-amd 9pnet_virtio 9p overlay virtio_pci virtio_net pvpanic-pci tun bridge veth"

if [ ! -f "$dir/vmlinuz" ] || [ "$(cat "$dir/kernel-package" 2>/dev/null)" != "$pkg" ] ||
	[ "$(cat "$dir/kernel-modules" 2>/dev/null)" != "$WANT" ]; then
	echo "kvmhost: fetching $pkg" >&2
	rm -rf "$dir/deb" "$dir/vmlinuz" "$dir/ko" && mkdir -p "$dir/deb" "$dir/ko"
	(cd "$dir/deb" && apt-get download -q "$pkg" >&2 2>"$dir/deb/apt.err") ||
		die "apt-get download $pkg failed: $(tail -n 1 "$dir/deb/apt.err")"
	deb=$(ls "$dir"/deb/*.deb | head -n 1)
	dpkg-deb -x "$deb" "$dir/deb/root"
	depmod -b "$dir/deb/root" "$ver" || die "depmod failed on $pkg"
	# Keep only the modules /init loads, and their order.
	for m in $WANT; do
		modprobe -d "$dir/deb/root" -S "$ver" --show-depends "$m" ||
			die "$pkg has no module $m"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
		cp "$ko" "$dir/ko/" && basename "$ko" >> "$dir/ko/order"
	done
	grep -q '^kvm-amd.ko$' "$dir/ko/order" || die "no kvm-amd module in $pkg"
	cp "$dir/deb/root/boot/vmlinuz-$ver" "$dir/vmlinuz"
	rm -rf "$dir/deb"
	echo "$pkg" > "$dir/kernel-package"
	echo "$WANT" > "$dir/kernel-modules"
fi

# The initramfs: rebuilt when /init, kvmpin.c, busybox, the kernel or its
# module list changes.
stamp=$(cat "$top/tests/kvmhost/init" "$top/tests/kvmhost/kvmpin.c" "$busybox" "$dir/ko/order" | md5sum | cut -d' ' -f1)-$pkg
if [ ! -f "$dir/initrd.cpio" ] || [ "$(cat "$dir/initrd.stamp" 2>/dev/null)" != "$stamp" ]; then
	root=$dir/initramfs
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/lib/modules" "$root/proc" "$root/sys" "$root/dev" \
		"$root/host" "$root/upper" "$root/newroot"
	cp "$busybox" "$root/bin/busybox"
	for a in sh mount umount insmod mkdir cat echo ip poweroff chroot sleep grep \
	         dmesg ln stty mknod cut tr head ls hostname; do
		ln -s busybox "$root/bin/$a"
	done
	cp "$dir"/ko/* "$root/lib/modules/"
	cp "$top/tests/kvmhost/init" "$root/init"
	# kvmpin (see its head): static, it runs before the root is mounted
	${CC:-cc} -static -Os -o "$root/bin/kvmpin" "$top/tests/kvmhost/kvmpin.c" ||
		die "cannot build tests/kvmhost/kvmpin.c statically (libc6-dev has libc.a)"
	chmod 755 "$root/init"
	(cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0) > "$dir/initrd.cpio.tmp"
	mv "$dir/initrd.cpio.tmp" "$dir/initrd.cpio"
	rm -rf "$root"
	# renamed into place, like the initramfs: a worktree's build may share
	# these files' inodes (cp -al)
	echo "$stamp" > "$dir/initrd.stamp.tmp"
	mv "$dir/initrd.stamp.tmp" "$dir/initrd.stamp"
fi
echo "KERNEL=$dir/vmlinuz"
echo "INITRD=$dir/initrd.cpio"
