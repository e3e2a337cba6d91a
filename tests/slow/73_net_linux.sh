#!/bin/sh
# Debian's 32-bit kernel with its own driver for our RTL8139C+ (8139cp; the
# card is revision 0x20, as QEMU's and Xen's, which 8139too leaves to it) on
# slirp's NAT: udhcpc gets 10.0.2.15 with the gateway 10.0.2.2, a ping to
# the gateway is answered, wget fetches a 4 MiB file from an HTTP server on
# this machine's 127.0.0.1 through the gateway and its sha256 matches, and
# busybox httpd in the guest is reached from here through a hostfwd= port
# forward of the config and one added with the monitor's hostfwd_add.
. "$(dirname "$0")/../lib.sh"

paths=$(sh "$TOP/tests/guests/build-linux-686-net.sh" "$CACHE") || { fail "build the 686 network guest"; finish; }
KERNEL=$(echo "$paths" | sed -n 's/^KERNEL=//p')
INITRD=$(echo "$paths" | sed -n 's/^INITRD=//p')
check "Debian 686 kernel and the 8139cp initramfs built" test -s "$KERNEL" -a -s "$INITRD"
LINUX_QUIRKS=${LINUX_QUIRKS:-"mitigations=off noxsave nokaslr nofsgsbase init_on_alloc=0 clearcpuid=smap,smep,rdrand,rdseed,popcnt,avx,avx2,avx512f,bmi1,bmi2,movbe,pclmulqdq,aes,sse4_2,sse4_1,ssse3,fma,f16c,adx,sha_ni,lzcnt,abm"}

HPORT=$((30000 + $$ % 10000))      # the HTTP server here
FPORT=$((HPORT + 1))               # hostfwd= of the config -> guest :80
MPORT=$((HPORT + 2))               # hostfwd_add of the monitor -> guest :80
mkdir -p "$T/www"
head -c 4194304 /dev/urandom > "$T/www/blob"
SUM=$(sha256sum "$T/www/blob" | cut -d' ' -f1)
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$HPORT" > "$T/http.log" 2>&1 &
HTTPD=$!
trap 'kill $HTTPD 2>/dev/null' EXIT

cat > "$T/net.cfg" <<CFG
name = 'net-linux'
memory = 256
vcpus = 1
kernel = '$KERNEL'
ramdisk = '$INITRD'
extra = 'console=ttyS0 panic=-1 vmst_port=$HPORT $LINUX_QUIRKS'
serial = 'file:$T/net.com1'
cpuid = 'host,cx16=0,rdrand=0,rdseed=0,xsave=0'
vif = [ 'type=ioemu, model=rtl8139, hostfwd=tcp::$FPORT-:80' ]
vga = 'none'
vnc = 0
on_poweroff = 'destroy'
on_reboot = 'destroy'
on_crash = 'destroy'
log_dir = '$T/net.logs'
CFG
start=$(date +%s)
vm_bg net run "$T/net.cfg" --monitor "unix:$T/mon.sock"
mon() { printf '%s\n' "$@" | socat -t 5 - "UNIX-CONNECT:$T/mon.sock" 2>&1 | sed 's/(vmstation) //g' | grep -v '^vmstation .* monitor'; }
up=0
wait_guest "$T/net.com1" "VMST-HTTPD-UP|VMST-WGET-FAILED|Kernel panic" "${LINUX_BOOT_TIMEOUT:-1200}" && up=1
echo "TIME: 686 kernel boot, 8139cp, DHCP, ping, 4 MiB wget: $(( $(date +%s) - start ))s"
grep -aE '^(dmesg|udhcpc|VMST)' "$T/net.com1"
check "the 686 kernel ran /init" grep -aq '^VMST-LINUX-BOOT-OK' "$T/net.com1"
check "mii and 8139cp loaded" sh -c "[ $up = 1 ] && ! grep -aq VMST-INSMOD-FAILED '$T/net.com1'"
check "8139cp drives the card (its MAC is the vif's, 00:16:3e:...)" grep -aqi "eth0: RTL-8139C+ at .* 00:16:3e:" "$T/net.com1"
check "udhcpc: lease 10.0.2.15 from slirp, router 10.0.2.2" grep -aq "VMST-IP 10.0.2.15" "$T/net.com1"
check "default route through 10.0.2.2" grep -aq "VMST-ROUTE 10.0.2.2" "$T/net.com1"
check "ping 10.0.2.2 answered" grep -aq "VMST-PING-OK" "$T/net.com1"
check "wget of 4 MiB from 127.0.0.1 here through the gateway: sha256 matches" \
	grep -aq "VMST-SHA256 $SUM 4194304" "$T/net.com1"
check "busybox httpd serves in the guest" grep -aq "VMST-HTTPD-UP" "$T/net.com1"
fetch() { timeout 60 socat -t 30 - "TCP:127.0.0.1:$1" < "$T/req" > "$T/resp.$1" 2>&1; grep -aq VMST-GUEST-HTTPD-PAGE "$T/resp.$1"; }
printf 'GET / HTTP/1.0\r\nHost: x\r\n\r\n' > "$T/req"
check "hostfwd= of the config: 127.0.0.1:$FPORT here reaches the guest's httpd" fetch $FPORT
mon "hostfwd_add tcp::$MPORT-:80" > "$T/add.out"
check "hostfwd_add from the monitor" sh -c "! grep -q . '$T/add.out'"
check "hostfwd_add: 127.0.0.1:$MPORT here reaches the guest's httpd" fetch $MPORT
mon "info network" | tee "$T/info.out"
check "info network counts the traffic" grep -qE "rx [0-9]{4,} frames" "$T/info.out"
mon quit > /dev/null
wait_pid $VM_PID 60
finish
