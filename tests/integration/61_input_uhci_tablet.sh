#!/bin/sh
# The USB tablet behind UHCI, end to end: a guest program (tests/guests/
# uhci_tablet.asm) sets a 1024x768 VBE mode, enumerates the tablet through
# frame list, queue head and TDs, and polls its interrupt endpoint; a
# libvncclient client moves the pointer, and each position it sends must come
# back from the guest's reports within 1 pixel. The monitor lists the device.
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
G=$(guest uhci_tablet) || { fail "assemble uhci_tablet.asm"; finish; }

# a small VNC client that points and types (libvncclient)
cat > "$T/vncinput.c" <<'C'
#include <rfb/rfbclient.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
/* vncinput HOST PORT CMD...: size W H | ptr X Y MASK | key KEYSYM DOWN | ms N
 *   | tap KEYSYM FILE TEXT SECS: press and release the key every 150 ms until
 *     TEXT occurs in FILE once more than when the tap began (exit 1 if it
 *     does not within SECS)
 *   | show: print the framebuffer size "W H" */
static long now_ms(void) { struct timeval tv; gettimeofday(&tv, NULL); return tv.tv_sec * 1000L + tv.tv_usec / 1000; }
/* how many times text occurs in the file (which may hold NUL bytes) */
static int file_count(const char *path, const char *text)
{
	FILE *f = fopen(path, "rb");
	if (!f) return 0;
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f), len = strlen(text);
	fclose(f);
	int count = 0;
	for (size_t i = 0; i + len <= n; i++)
		if (!memcmp(buf + i, text, len)) count++;
	return count;
}
static void pump(rfbClient *c, long ms)
{
	long end = now_ms() + ms;
	while (now_ms() < end) {
		int r = WaitForMessage(c, 10000);
		if (r < 0 || (r > 0 && !HandleRFBServerMessage(c))) { fprintf(stderr, "vncinput: connection lost\n"); exit(1); }
	}
}
int main(int argc, char **argv)
{
	if (argc < 3) return 2;
	rfbEnableClientLogging = FALSE;
	rfbClient *c = rfbGetClient(8, 3, 4);
	c->serverHost = strdup(argv[1]);
	c->serverPort = atoi(argv[2]);
	c->canHandleNewFBSize = TRUE;
	if (!rfbInitClient(c, NULL, NULL)) { fprintf(stderr, "vncinput: cannot connect\n"); return 1; }
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "size") && i + 2 < argc) {
			int w = atoi(argv[i + 1]), h = atoi(argv[i + 2]);
			long end = now_ms() + 30000;
			SendFramebufferUpdateRequest(c, 0, 0, c->width, c->height, FALSE);
			while ((c->width != w || c->height != h) && now_ms() < end) {
				pump(c, 100);
				SendFramebufferUpdateRequest(c, 0, 0, c->width, c->height, TRUE);
			}
			if (c->width != w || c->height != h) { fprintf(stderr, "vncinput: screen is %dx%d\n", c->width, c->height); return 1; }
			i += 2;
		} else if (!strcmp(argv[i], "ptr") && i + 3 < argc) {
			SendPointerEvent(c, atoi(argv[i + 1]), atoi(argv[i + 2]), atoi(argv[i + 3]));
			i += 3;
		} else if (!strcmp(argv[i], "key") && i + 2 < argc) {
			SendKeyEvent(c, strtoul(argv[i + 1], NULL, 0), atoi(argv[i + 2]));
			i += 2;
		} else if (!strcmp(argv[i], "tap") && i + 4 < argc) {
			uint32_t sym = strtoul(argv[i + 1], NULL, 0);
			const char *path = argv[i + 2], *text = argv[i + 3];
			long end = now_ms() + atol(argv[i + 4]) * 1000;
			int want = file_count(path, text) + 1;
			while (file_count(path, text) < want) {
				if (now_ms() > end) { fprintf(stderr, "vncinput: no new '%s' in %s\n", text, path); return 1; }
				SendKeyEvent(c, sym, TRUE);
				pump(c, 50);
				SendKeyEvent(c, sym, FALSE);
				for (int t = 0; t < 10 && file_count(path, text) < want; t++)
					pump(c, 10);
			}
			i += 4;
		} else if (!strcmp(argv[i], "show")) {
			printf("%d %d\n", c->width, c->height);
		} else if (!strcmp(argv[i], "ms") && i + 1 < argc) {
			pump(c, atol(argv[i + 1]));
			i += 1;
		} else {
			fprintf(stderr, "vncinput: bad command %s\n", argv[i]);
			return 2;
		}
	}
	pump(c, 200);
	rfbClientCleanup(c);
	return 0;
}
C
VI="$T/vncinput"
cc -O1 -o "$VI" "$T/vncinput.c" $(pkg-config --cflags --libs libvncclient) || { fail "build the VNC client"; finish; }

# a free VNC display number
D=$((40 + $$ % 50))
cat > "$T/usb.cfg" <<CFG
name = "usb"
memory = 32
kernel = '$G'
serial = 'file:$T/com1.log'
vga = 'stdvga'
usb = 1
usbdevice = ['tablet']
vnc = 1
vnclisten = '127.0.0.1'
vncdisplay = $D
log_dir = '$T/logs'
CFG
vm_bg usb run "$T/usb.cfg" --monitor "unix:$T/mon.sock"
check "the guest enumerated the tablet through UHCI" wait_for "$T/com1.log" '^USB READY' 60
check "device descriptor read (18 bytes, USB 1.1)" grep -q '^device=01100112' "$T/com1.log"
check "HID interface in the configuration" grep -q '^interface=00030100' "$T/com1.log"
check "info usb lists the tablet at address 1" sh -c "'$MC' '$T/mon.sock' 'info usb' | grep -q 'Device 0.1, Port 1, Speed 12 Mb/s, Product vmstation USB Tablet'"
check "info mice: the tablet is current and absolute" sh -c "'$MC' '$T/mon.sock' 'info mice' | grep -q '^\* Mouse #1: vmstation USB Tablet (absolute)'"

# x,y,VNC button mask (1 left, 2 middle, 4 right),HID buttons (1 left, 2 right, 4 middle)
POINTS="512,384,1,1 0,0,0,0 1023,767,0,0 100,700,4,2 777,33,2,4 1,766,0,0 640,480,0,0"
args=""
for p in $POINTS; do
	IFS=, read -r x y b h <<P
$p
P
	args="$args ptr $x $y $b ms 150"
done
check "VNC client connected at 1024x768 and moved the pointer" "$VI" 127.0.0.1 $((5900 + D)) size 1024 768 $args
sleep 1
# the guest's reports, as pixels: X * 1023 / 32767, Y * 767 / 32767, rounded
grep -a '^rep ' "$T/com1.log" | while read -r _ b x y; do
	echo "$(( (0x$x * 1023 + 16383) / 32767 )),$(( (0x$y * 767 + 16383) / 32767 )),$((0x$b))"
done > "$T/seen"
for p in $POINTS; do
	IFS=, read -r x y b h <<P
$p
P
	hit=$(awk -F, -v x="$x" -v y="$y" -v b="$h" \
		'{ dx = $1 - x; dy = $2 - y; if (dx <= 1 && dx >= -1 && dy <= 1 && dy >= -1 && $3 == b) n++ } END { print n + 0 }' "$T/seen")
	check "pointer at ($x,$y) with VNC buttons $b reported within 1 pixel, HID buttons $h" [ "$hit" -ge 1 ]
done
check "reports arrive in the order sent" sh -c "[ \"\$(awk -F, '{print \$1\",\"\$2\",\"\$3}' '$T/seen' | tr '\n' ' ')\" = '512,384,1 0,0,0 1023,767,0 100,700,2 777,33,4 1,766,0 640,480,0 ' ]"
"$MC" "$T/mon.sock" quit >/dev/null 2>&1
( sleep 20; kill -9 $VM_PID 2>/dev/null ) &
killer=$!
wait $VM_PID
rc=$?
kill $killer 2>/dev/null
check "quit ends vmstation (exit $rc)" [ "$rc" = 0 ]
finish
