#!/bin/sh
# A connected libvncclient client follows the guest's mode changes without
# reconnecting (80x25 text -> VBE 1024x768 -> 640x480 planar: NewFBSize /
# ExtendedDesktopSize); then clients that send garbage, stop half-way through
# the handshake or vanish leave the VM and the server working; several
# clients at once.
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
G=$(guest vga_modes) || { fail "assemble vga_modes.asm"; finish; }
cat > "$T/sw.cfg" <<CFG
name = "vnc-resize"
memory = 32
kernel = '$G'
extra = 'swit'
serial = 'file:$T/com1.log'
log_dir = '$T/logs'
monitor_path = '$T/mon.sock'
vnc = 1
vncunused = 1
vncdisplay = 52
CFG
# started paused (run --paused, as xl create -p): the client is connected
# and has the text screen before the guest's first mode change, however
# slow the host
vm_bg sw run --paused "$T/sw.cfg"
check "VNC server announced" wait_for "$T/sw.out" "VNC on" 20
PORT=$(sed -n 's/.*VNC on [0-9.]*:\([0-9]*\).*/\1/p' "$T/sw.out" | head -1)
check "--paused: the monitor says paused" sh -c "\"$MC\" '$T/mon.sock' 'info status' | grep -q 'paused'"
check "--paused: no guest output before cont" sh -c "! grep -q . '$T/com1.log' 2>/dev/null"
"$VMST" view --sizes 120 "::$PORT" > "$T/sizes.txt" 2>&1 &
VIEW=$!
check "the client has the first screen" wait_for "$T/sizes.txt" "size [0-9]+x[0-9]+" 60
"$MC" "$T/mon.sock" cont > /dev/null 2>&1
check "the guest went through its three modes" wait_for "$T/com1.log" "DRAWN swit" 90
sleep 1
kill $VIEW 2>/dev/null
wait $VIEW 2>/dev/null
sizes=$(grep -o 'size [0-9]*x[0-9]*' "$T/sizes.txt" | cut -d' ' -f2 | uniq | tr '\n' ' ')
check "one connection for the whole run" [ "$(grep -c '^connected' "$T/sizes.txt")" = 1 ]
# in this order, ending at 640x480; a slow host may also show a size the
# registers pass through while the guest reprograms them one by one (320x25
# between VBE off and mode 12h's CRTC, as a monitor would try to sync to)
check "client saw 720x400 -> 1024x768 -> 640x480 ($sizes)" \
	sh -c "echo '$sizes' | grep -qE '^720x400 (.* )?1024x768 (.* )?640x480 $'"

# garbage: random bytes after the banner, before it, a half handshake, a vanished client
cat > "$T/garbage.py" <<'PY'
import os, random, socket, sys, time
port = int(sys.argv[1])
random.seed(5)
def conn():
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    return s
for i in range(30):
    s = conn()
    try:
        if i % 3 == 0:
            s.recv(12)
            s.sendall(b'RFB 003.008\n')
        if i % 3 == 1:
            s.recv(12)
        s.sendall(bytes(random.getrandbits(8) for _ in range(random.randint(1, 4096))))
        time.sleep(0.01)
    except OSError:
        pass
    if i % 2:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
    s.close()
# a valid handshake, then random client messages
s = conn()
s.recv(12); s.sendall(b'RFB 003.008\n')
n = s.recv(1)[0]; s.recv(n); s.sendall(b'\x01'); s.recv(4); s.sendall(b'\x01')
s.recv(24 + 64)
for i in range(200):
    t = random.choice([0, 2, 3, 4, 5, 6, 255, random.getrandbits(8)])
    s.sendall(bytes([t]) + bytes(random.getrandbits(8) for _ in range(random.randint(0, 40))))
s.close()
PY
python3 "$T/garbage.py" "$PORT" > "$T/garbage.out" 2>&1
check "garbage clients: the VM is still running" kill -0 $VM_PID
check "garbage clients: the monitor still answers" sh -c "\"$MC\" '$T/mon.sock' 'info vnc' | grep -q 'Server: 127.0.0.1:$PORT'"
"$VMST" view --screenshot "$T/a.ppm" "::$PORT" > /dev/null 2>&1 &
A=$!
"$VMST" view --screenshot "$T/b.ppm" "::$PORT" > /dev/null 2>&1 &
B=$!
wait $A; ra=$?
wait $B; rb=$?
check "two clients at once both get the screen" [ "$ra$rb" = 00 ]
check "and see the same 640x480 picture" sh -c "cmp -s '$T/a.ppm' '$T/b.ppm' && head -c 15 '$T/a.ppm' | grep -q '640 480'"
"$MC" "$T/mon.sock" quit > /dev/null 2>&1
i=0
while [ $i -lt 100 ] && [ "$(awk '{print $3}' /proc/$VM_PID/stat 2>/dev/null)" != Z ] && kill -0 $VM_PID 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
kill -9 $VM_PID 2>/dev/null
wait $VM_PID 2>/dev/null
finish
