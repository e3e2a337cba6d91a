#!/bin/sh
# Builds the 32-bit network guest from Debian packages into a cache
# directory (default build/cache), once. Prints:
#   KERNEL=<Debian linux-image-*-686 bzImage>
#   INITRD=<uncompressed cpio: i386 busybox, the kernel's mii, 8139cp, 8390,
#           ne2k-pci, ne and e1000>
# vmst_nic= on the kernel command line picks the driver: 8139cp (the
# default; our RTL8139C+ is PCI revision 0x20, as QEMU's and Xen's, which
# 8139too declines), ne2k-pci (the RTL8029), ne (the ISA NE2000, its
# options from vmst_ne=, commas for spaces: vmst_ne=io=0x300,irq=9) or
# e1000 (the 82540EM). The
# initramfs /init loads the modules, takes a lease with udhcpc, pings the
# gateway, fetches http://10.0.2.2:PORT/blob (PORT from vmst_port= on the
# kernel command line) and prints its sha256, then serves /www with busybox
# httpd on port 80 and "VMST-HTTPD-UP", then pings the gateway each second
# and prints "VMST-PINGLOOP-OK" or "-FAILED" for each, until
# the test stops the VM. With
# vmst_big=N it also serves /big, N MiB of random bytes, and prints their
# sha256 first ("VMST-BIG-SHA256 SUM BYTES"). With vmst_ip=ADDR (a /24)
# and vmst_gw=ADDR (a bridge has no DHCP server) it takes that static
# address instead of a lease, and pings and fetches from vmst_gw instead
# of 10.0.2.2.
set -e
PATH=$PATH:/sbin:/usr/sbin
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/guests/linux-common.sh"
cache=${1:-$top/build/cache}
dir="$cache/linux-686-net"
mkdir -p "$dir"

enable_i386

# pkgs.done from before the NE2000 or e1000 drivers were extracted: again
[ -d "$dir/pkgs/lib/modules" ] && ! ls -d "$dir"/pkgs/lib/modules/*/kernel/drivers/net/ethernet/8390 \
	"$dir"/pkgs/lib/modules/*/kernel/drivers/net/ethernet/intel/e1000 > /dev/null 2>&1 &&
	rm -f "$dir/pkgs.done"
if [ ! -f "$dir/pkgs.done" ]; then
	kpkg=$(kernel_package linux-image-686:i386 build-linux-686-net)
	rm -rf "$dir/deb" "$dir/pkgs"
	mkdir -p "$dir/deb" "$dir/pkgs"
	(cd "$dir/deb" && apt-get download -q "$kpkg" busybox-static:i386 >&2)
	for d in "$dir"/deb/*.deb; do
		dpkg-deb --fsys-tarfile "$d" | tar -x -C "$dir/pkgs" --wildcards './boot/vmlinuz-*' \
			'./bin/busybox' './lib/modules/*/kernel/drivers/net/mii.ko*' \
			'./lib/modules/*/kernel/drivers/net/ethernet/realtek/*' \
			'./lib/modules/*/kernel/drivers/net/ethernet/8390/*' \
			'./lib/modules/*/kernel/drivers/net/ethernet/intel/e1000/*' \
			'./lib/modules/*/modules.*' 2>/dev/null || true
	done
	rm -rf "$dir/deb"
	touch "$dir/pkgs.done"
fi
P="$dir/pkgs"
ver=$(ls "$P/lib/modules" | head -n 1)
# a new file, not the old one written over (a cache may share it by a hard link)
rm -f "$dir/vmlinuz"
cp "$P/boot/vmlinuz-$ver" "$dir/vmlinuz"
[ -f "$P/lib/modules/$ver/modules.dep" ] || depmod -b "$P" "$ver"

deps_of() {
	awk -v m="$1:" '$1 == m { for (i = 2; i <= NF; i++) print $i }' "$P/lib/modules/$ver/modules.dep"
}
# each driver's modules in dependency order: load_<driver> in /init; all
# of them in the initramfs
order="" all=""
add() {
	case " $order " in *" $1 "*) return ;; esac
	for d in $(deps_of "$1"); do add "$d"; done
	order="$order $1"
}
loaders=""
for m in 8139cp ne2k-pci ne e1000; do
	path=$(awk -F: -v m="$m" '$1 ~ "/" m "\\.ko(\\.xz)?$" { print $1; exit }' "$P/lib/modules/$ver/modules.dep")
	[ -n "$path" ] || { echo "build-linux-686-net: no $m module in $ver" >&2; exit 1; }
	order=""
	add "$path"
	fn="load_$(echo "$m" | tr -- - _)() {"
	for x in $order; do
		args=""
		[ "$x" != "$path" ] || [ "$m" != ne ] || args=' $(sed -n "s/.*vmst_ne=\([^ ]*\).*/\1/p" /proc/cmdline | tr , " ")'
		fn="$fn insmod /lib/modules/$(basename "$x" .xz)$args || echo VMST-INSMOD-FAILED $(basename "$x" .xz);"
		case " $all " in *" $x "*) ;; *) all="$all $x" ;; esac
	done
	loaders="$loaders$fn }
"
done

init_src=$(mktemp)
{
	echo '#!/bin/sh'
	echo 'export PATH=/bin'
	echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev'
	echo 'mkdir -p /tmp /www; mount -t tmpfs tmp /tmp'
	echo 'echo "VMST-LINUX-BOOT-OK $(uname -r)"'
	printf '%s' "$loaders"
	cat <<'EOF2'
nic=$(sed -n 's/.*vmst_nic=\([^ ]*\).*/\1/p' /proc/cmdline)
case "${nic:-8139cp}" in
8139cp) load_8139cp ;;
ne2k-pci) load_ne2k_pci ;;
ne) load_ne ;;
e1000) load_e1000 ;;
*) echo "VMST-INSMOD-FAILED unknown vmst_nic=$nic" ;;
esac
dmesg | grep -i -E '8139|eth0|ne2k|ne2000|8390|ne\.c|RTL8029|ethercard|e1000' | sed 's/^/dmesg: /'
ifconfig lo 127.0.0.1 up
ifconfig eth0 up
ip=$(sed -n 's/.*vmst_ip=\([0-9.]*\).*/\1/p' /proc/cmdline)
gw=$(sed -n 's/.*vmst_gw=\([0-9.]*\).*/\1/p' /proc/cmdline)
if [ -n "$ip" ]; then
	ifconfig eth0 "$ip" netmask 255.255.255.0 up
	[ -z "$gw" ] || route add default gw "$gw" dev eth0
	# no DHCP retries to wait out the link: wait for it here
	i=0; while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $i -lt 20 ]; do sleep 1; i=$((i + 1)); done
else
	udhcpc -i eth0 -n -q -t 10 -T 3 -s /udhcpc.sh 2>&1 | sed 's/^/udhcpc: /'
fi
gw=${gw:-10.0.2.2}
dmesg | grep -i 'link is up' | sed 's/^/dmesg: /'
echo "VMST-IP $(ifconfig eth0 | sed -n 's/.*inet addr:\([0-9.]*\).*/\1/p')"
echo "VMST-ROUTE $(route -n | awk '$1 == "0.0.0.0" { print $2 }')"
ping -c 2 -W 5 "$gw" > /tmp/ping 2>&1 && echo VMST-PING-OK || { echo VMST-PING-FAILED; cat /tmp/ping; }
port=$(sed -n 's/.*vmst_port=\([0-9]*\).*/\1/p' /proc/cmdline)
if wget -q -O /tmp/blob "http://$gw:$port/blob"; then
	echo "VMST-SHA256 $(sha256sum /tmp/blob | cut -d' ' -f1) $(wc -c < /tmp/blob)"
else
	echo VMST-WGET-FAILED
fi
echo VMST-GUEST-HTTPD-PAGE > /www/index.html
big=$(sed -n 's/.*vmst_big=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$big" ]; then
	dd if=/dev/urandom of=/www/big bs=1048576 count="$big" 2> /dev/null
	echo "VMST-BIG-SHA256 $(sha256sum /www/big | cut -d' ' -f1) $(wc -c < /www/big)"
fi
httpd -p 80 -h /www && echo VMST-HTTPD-UP
cat /proc/net/dev | sed 's/^/netdev: /'
# a ping of the gateway each second and its result on a line of its own
# (the tests pull the cable with the monitor's set_link and plug it back
# in; a ping lost under load before that must not hide the change), with
# the driver's last word on the link when the result changes
# and, after 5 and 15 failures in a row, the guest's view of the card (the
# driver's last words, its interrupt count, its counters, the ARP table)
last=""
fails=0
while true; do
	if ping -c 1 -W 1 "$gw" > /dev/null 2>&1; then now=OK; else now=FAILED; fi
	echo "VMST-PINGLOOP-$now"
	[ "$now" = "$last" ] || dmesg | grep -iE 'link (is )?(up|down)' | tail -n 1 | sed 's/^/dmesg: /'
	last=$now
	if [ $now = OK ]; then fails=0; else fails=$((fails + 1)); fi
	if [ $fails = 5 ] || [ $fails = 15 ]; then
		dmesg | tail -n 12 | sed 's/^/dmesg-tail: /'
		grep -E 'eth0|CPU' /proc/interrupts | sed 's/^/interrupts: /'
		grep eth0 /proc/net/dev | sed 's/^/netdev: /'
		sed 's/^/arp: /' /proc/net/arp
	fi
	sleep 1
done
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
	insmod awk ifconfig route udhcpc ping wget sha256sum cut wc httpd mkdir true tr dd tail
mkdir -p "$root/lib/modules"
for m in $all; do
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
