# Sourced by tests/guests/build-linux*.sh: the steps the Linux test guests'
# builds share (Debian packages into build/cache, busybox initramfs).

# i386 packages on this amd64 host: add the architecture once.
enable_i386() {
	if ! dpkg --print-foreign-architectures | grep -qx i386; then
		dpkg --add-architecture i386 >&2
		apt-get update -q >&2 || true
	fi
}

# kernel_package META WHO: the versioned linux-image package that the
# meta package META (linux-image-amd64, linux-image-686:i386) depends on.
kernel_package() {
	_k=$(apt-cache depends "$1" 2>/dev/null |
	     awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$_k" ]; then
		echo "$2: cannot resolve $1 (apt-get update?)" >&2
		return 1
	fi
	echo "$_k"
}

# boot_init BOOT_EXTRA: the /init of the boot tests. It mounts proc, sys and
# dev, prints VMST-LINUX-BOOT-OK with the kernel release (and BOOT_EXTRA,
# shell text), `dmesg | grep ttyS0` between VMST-DMESG-BEGIN/END and
# VMST-UPTIME, and powers off with `poweroff -f`.
boot_init() {
	cat <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
EOF
	echo "echo \"VMST-LINUX-BOOT-OK \$(uname -r)$1\""
	cat <<'EOF'
echo "VMST-DMESG-BEGIN"
dmesg | grep ttyS0
echo "VMST-DMESG-END"
echo "VMST-UPTIME $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
EOF
}

# busybox_root ROOT BUSYBOX APPLET...: a fresh ROOT with proc, sys, dev and
# bin/busybox (copied from BUSYBOX) linked as each APPLET.
busybox_root() {
	_root=$1
	_bb=$2
	shift 2
	rm -rf "$_root"
	mkdir -p "$_root/bin" "$_root/proc" "$_root/sys" "$_root/dev"
	cp "$_bb" "$_root/bin/busybox"
	for _a in "$@"; do
		ln -s busybox "$_root/bin/$_a"
	done
}

# pack_initramfs ROOT OUT: ROOT as an uncompressed newc cpio (files owned by
# root) at OUT, then ROOT removed. Uncompressed: the guest kernel would
# otherwise spend a long time in emulated kernel mode unpacking it (TESTING.md).
pack_initramfs() {
	(cd "$1" && find . | sort | cpio -o -H newc --quiet -R 0:0) > "$2.tmp"
	mv "$2.tmp" "$2"
	rm -rf "$1"
}

# boot_initramfs DIR BUSYBOX BOOT_EXTRA: DIR/initrd.cpio with BUSYBOX and the
# boot_init /init, rebuilt when the /init text (kept as DIR/init) or BUSYBOX
# (kept as DIR/busybox.used) changes.
boot_initramfs() {
	_init=$(mktemp)
	boot_init "$3" > "$_init"
	if [ ! -f "$1/initrd.cpio" ] || ! cmp -s "$_init" "$1/init" ||
	   ! cmp -s "$2" "$1/busybox.used"; then
		busybox_root "$1/initramfs" "$2" sh mount echo cat cut dmesg grep uname poweroff sleep ls
		cp "$_init" "$1/initramfs/init"
		chmod 755 "$1/initramfs/init"
		pack_initramfs "$1/initramfs" "$1/initrd.cpio"
		cp "$_init" "$1/init"
		cp "$2" "$1/busybox.used"
	fi
	rm -f "$_init"
}

# modules_in_order DIR MODULE...: succeeds when each DIR/MODULE.ko's declared
# dependencies (modinfo's depends, '_' and '-' alike) all come earlier in the
# list, so insmod in that order works; names each one that does not.
modules_in_order() {
	_dir=$1; shift
	_ok=0; _seen=""
	for _m in "$@"; do
		for _d in $(modinfo -F depends "$_dir/$_m.ko" 2>/dev/null | tr ',' ' '); do
			case " $_seen " in *" $_d "*|*" $(echo "$_d" | tr _ -) "*) ;;
			*) echo "$_m needs $_d first"; _ok=1 ;; esac
		done
		_seen="$_seen $_m"
	done
	return $_ok
}
