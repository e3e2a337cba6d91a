#!/bin/sh
# Builds the 32-bit network guest from Debian packages into a cache
# directory (default build/cache), once. Prints:
#   KERNEL=<Debian linux-image-*-686 bzImage>
#   INITRD=<uncompressed cpio: i386 busybox, the kernel's mii and 8139cp>
# The card is an RTL8139C+ (PCI revision 0x20, as QEMU's and Xen's), which
# Linux gives to 8139cp (8139too declines revisions from 0x20 on). The
# initramfs /init loads the modules, takes a lease with udhcpc, pings the
# gateway, fetches http://10.0.2.2:PORT/blob (PORT from vmst_port= on the
# kernel command line) and prints its sha256, then serves /www with busybox
# httpd on port 80 and "VMST-HTTPD-UP" until the test stops the VM.
set -e
PATH=$PATH:/sbin:/usr/sbin
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/guests/linux-common.sh"
cache=${1:-$top/build/cache}
dir="$cache/linux-686-net"
mkdir -p "$dir"

enable_i386

if [ ! -f "$dir/pkgs.done" ]; then
	kpkg=$(kernel_package linux-image-686:i386 build-linux-686-net)
	rm -rf "$dir/deb" "$dir/pkgs"
	mkdir -p "$dir/deb" "$dir/pkgs"
	(cd "$dir/deb" && apt-get download -q "$kpkg" busybox-static:i386 >&2)
	for d in "$dir"/deb/*.deb; do
		dpkg-deb --fsys-tarfile "$d" | tar -x -C "$dir/pkgs" --wildcards './boot/vmlinuz-*' \
			'./bin/busybox' './lib/modules/*/kernel/drivers/net/mii.ko*' \
			'./lib/modules/*/kernel/drivers/net/ethernet/realtek/*' \
			'./lib/modules/*/modules.*' 2>/dev/null || true
	done
	rm -rf "$dir/deb"
	touch "$dir/pkgs.done"
fi
P="$dir/pkgs"
ver=$(ls "$P/lib/modules" | head -n 1)
cp "$P/boot/vmlinuz-$ver" "$dir/vmlinuz"
[ -f "$P/lib/modules/$ver/modules.dep" ] || depmod -b "$P" "$ver"

deps_of() {
	awk -v m="$1:" '$1 == m { for (i = 2; i <= NF; i++) print $i }' "$P/lib/modules/$ver/modules.dep"
}
order=""
add() {
	case " $order " in *" $1 "*) return ;; esac
	for d in $(deps_of "$1"); do add "$d"; done
	order="$order $1"
}
for m in 8139cp; do
	path=$(awk -F: -v m="$m" '$1 ~ "/" m "\\.ko(\\.xz)?$" { print $1; exit }' "$P/lib/modules/$ver/modules.dep")
	[ -n "$path" ] || { echo "build-linux-686-net: no $m module in $ver" >&2; exit 1; }
	add "$path"
done

init_src=$(mktemp)
{
	echo '#!/bin/sh'
	echo 'export PATH=/bin'
	echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev'
	echo 'mkdir -p /tmp /www; mount -t tmpfs tmp /tmp'
	echo 'echo "VMST-LINUX-BOOT-OK $(uname -r)"'
	for m in $order; do
		echo "insmod /lib/modules/$(basename "$m" .xz) || echo VMST-INSMOD-FAILED $(basename "$m" .xz)"
	done
	cat <<'EOF2'
dmesg | grep -i -E '8139|eth0' | sed 's/^/dmesg: /'
ifconfig lo 127.0.0.1 up
ifconfig eth0 up
udhcpc -i eth0 -n -q -t 10 -T 3 -s /udhcpc.sh 2>&1 | sed 's/^/udhcpc: /'
echo "VMST-IP $(ifconfig eth0 | sed -n 's/.*inet addr:\([0-9.]*\).*/\1/p')"
echo "VMST-ROUTE $(route -n | awk '$1 == "0.0.0.0" { print $2 }')"
ping -c 2 -W 5 10.0.2.2 > /tmp/ping 2>&1 && echo VMST-PING-OK || { echo VMST-PING-FAILED; cat /tmp/ping; }
port=$(sed -n 's/.*vmst_port=\([0-9]*\).*/\1/p' /proc/cmdline)
if wget -q -O /tmp/blob "http://10.0.2.2:$port/blob"; then
	echo "VMST-SHA256 $(sha256sum /tmp/blob | cut -d' ' -f1) $(wc -c < /tmp/blob)"
else
	echo VMST-WGET-FAILED
fi
echo VMST-GUEST-HTTPD-PAGE > /www/index.html
httpd -p 80 -h /www && echo VMST-HTTPD-UP
cat /proc/net/dev | sed 's/^/netdev: /'
while true; do sleep 60; done
EOF2
} > "$init_src"
dhcp_src=$(mktemp)
cat > "$dhcp_src" <<'EOF2'
#!/bin/sh
# udhcpc's hook: the lease onto the interface and the default route
case "$1" in
bound|renew)
	ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
	for r in $router; do route add default gw "$r" dev "$interface"; done
	echo "lease $ip router $router dns $dns" ;;
esac
EOF2

root="$dir/initramfs"
busybox_root "$root" "$P/bin/busybox" sh mount echo cat dmesg grep sed uname poweroff sleep ls \
	insmod awk ifconfig route udhcpc ping wget sha256sum cut wc httpd mkdir true
mkdir -p "$root/lib/modules"
for m in $order; do
	case "$m" in
	*.xz) xz -dc "$P/lib/modules/$ver/$m" > "$root/lib/modules/$(basename "$m" .xz)" ;;
	*) cp "$P/lib/modules/$ver/$m" "$root/lib/modules/" ;;
	esac
done
cp "$init_src" "$root/init"
cp "$dhcp_src" "$root/udhcpc.sh"
chmod 755 "$root/init" "$root/udhcpc.sh"
rm -f "$init_src" "$dhcp_src"
pack_initramfs "$root" "$dir/initrd.cpio"
echo "KERNEL=$dir/vmlinuz"
echo "INITRD=$dir/initrd.cpio"
