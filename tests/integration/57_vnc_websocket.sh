#!/bin/sh
# vnclisten = "ADDR:DISPLAY,websocket=PORT" (xl's form): the VNC server also
# listens on PORT for WebSocket clients (noVNC). A handshake there gets
# "101 Switching Protocols" with the right Sec-WebSocket-Accept, the RFB
# banner then comes in a WebSocket frame, the plain VNC port still speaks
# RFB, and both stay on the configured loopback address.
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
G=$(guest counter) || { fail "assemble counter.asm"; finish; }

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
WS=$(free_port)
cat > "$T/ws.cfg" <<CFG
name = "vnc-ws"
memory = 32
kernel = '$G'
serial = 'file:$T/ws.com1'
log_dir = '$T/logs'
monitor_path = '$T/ws.sock'
vnc = 1
vncunused = 1
vnclisten = "127.0.0.1:57,websocket=$WS"
CFG
"$VMST" check "$T/ws.cfg" > "$T/check.out" 2>&1
check "check: vnclisten keeps the address and the WebSocket port" \
	grep -qxF "vnclisten = '127.0.0.1,websocket=$WS'" "$T/check.out"
check "check: the display number goes to vncdisplay" grep -qxF "vncdisplay = 57" "$T/check.out"

vm_bg ws run "$T/ws.cfg"
check "VNC server announces the WebSocket port" wait_for "$T/ws.out" "VNC on .*WebSocket on 127.0.0.1:$WS" 20
PORT=$(sed -n 's/.*VNC on [0-9.]*:\([0-9]*\).*/\1/p' "$T/ws.out" | head -1)

# the handshake of RFC 6455's example key, as a browser sends it: LibVNCServer
# (0.9.14) answers only a handshake with an Origin header, which browsers and
# so noVNC always send
curl -s -i -N --max-time 3 -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
	-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
	-H 'Sec-WebSocket-Protocol: binary' -H "Origin: http://127.0.0.1:$WS" \
	"http://127.0.0.1:$WS/websockify" > "$T/curl.out" 2>&1
tr -d '\r' < "$T/curl.out" > "$T/curl.txt"
check "curl: 101 Switching Protocols" grep -qE '^HTTP/1.1 101 Switching Protocols' "$T/curl.txt"
check "curl: Sec-WebSocket-Accept for the key" \
	grep -qiF 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=' "$T/curl.txt"
# a WebSocket client: handshake, then the RFB banner inside a binary frame
cat > "$T/wsclient.py" <<'PY'
import base64, hashlib, os, socket, sys
port = int(sys.argv[1])
s = socket.create_connection(('127.0.0.1', port), timeout=5)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(('GET /websockify HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n'
           'Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n'
           'Sec-WebSocket-Protocol: binary\r\nOrigin: http://127.0.0.1\r\n\r\n' % (port, key)).encode())
buf = b''
while b'\r\n\r\n' not in buf:
    d = s.recv(4096)
    if not d:
        sys.exit('closed during the handshake: %r' % buf)
    buf += d
head, rest = buf.split(b'\r\n\r\n', 1)
want = base64.b64encode(hashlib.sha1((key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').encode()).digest())
if not head.startswith(b'HTTP/1.1 101') or want not in head:
    sys.exit('bad handshake answer: %r' % head)
while len(rest) < 2:
    rest += s.recv(4096)
op, n = rest[0] & 0x0f, rest[1] & 0x7f
while len(rest) < 2 + n:
    rest += s.recv(4096)
payload = rest[2:2 + n]
if op not in (1, 2) or (op == 1 and base64.b64decode(payload)[:4] != b'RFB ') or (op == 2 and payload[:4] != b'RFB '):
    sys.exit('first frame op %d: %r' % (op, payload))
print('banner', (payload if op == 2 else base64.b64decode(payload)).decode().strip())
PY
python3 "$T/wsclient.py" "$WS" > "$T/wsclient.out" 2>&1
check "WebSocket client: the RFB banner in the first frame ($(cat "$T/wsclient.out"))" \
	grep -qE '^banner RFB 003\.00[38]' "$T/wsclient.out"
python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$PORT),timeout=5); sys.stdout.write(s.recv(12).decode())" > "$T/plain.out" 2>&1
check "the plain VNC port still speaks RFB" grep -qE '^RFB 003\.00[38]' "$T/plain.out"
ss -ltn > "$T/ss.out" 2>&1
check "WebSocket listener on 127.0.0.1 only" sh -c \
	"grep -qE '127\.0\.0\.1:$WS ' '$T/ss.out' && ! grep -qE '(0\.0\.0\.0|\*|\[::\]):$WS ' '$T/ss.out'"
check "VM still runs after the clients" sh -c "kill -0 $VM_PID"
"$MC" "$T/ws.sock" quit > /dev/null 2>&1
wait_pid $VM_PID 20

# the WebSocket port already taken: a clear error, no VM
# (first the VM above must be gone from it: on a loaded host that takes a while)
i=0
while ss -ltn 2>/dev/null | grep -qE ":$WS " && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $WS)); s.listen(1); time.sleep(120)" &
HOLD=$!
# until the holder listens (python's start takes seconds on a slow host)
i=0
while ! ss -ltn 2>/dev/null | grep -qE ":$WS " && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
timeout 20 "$VMST" run "$T/ws.cfg" > "$T/busy.out" 2>&1
rc=$?
kill $HOLD 2>/dev/null
wait $HOLD 2>/dev/null
check "WebSocket port in use: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "WebSocket port in use: says so" \
	grep -qF "cannot listen on 127.0.0.1:$WS for WebSocket clients: Address already in use" "$T/busy.out"
finish
