#!/usr/bin/env python3
# The host's end of tests/bench/60_net.sh's TCP transfers, timed here (the
# guest's clock is not to be trusted in the emulated host). Each prints (or
# writes to OUT) one line "BYTES MS CPU_MS": the bytes moved, the
# milliseconds they took and the VMM's user+system CPU over that time
# (/proc/PID/stat of the VMM, all its threads).
#   net_peer.py serve PORT MIB PIDFILE OUT [ADDR]: answers one HTTP GET on
#     ADDR:PORT (default 127.0.0.1) with MIB MiB of zeros (the guest's wget
#     at boot, host -> guest); timed from the request to the guest's close
#     after the last byte. OUT.snap gets two lines, one at each end of that
#     window: the VMM's KVM counters (debugfs, the names in $KVM_STATS, or
#     "none") and its threads' CPU ("tid:name:ticks ..."), split by " | "
#   net_peer.py fetch PORT PID [ADDR]: GET /big from ADDR:PORT (default
#     127.0.0.1: the guest's httpd through hostfwd=; on a bridge the
#     guest's own address), guest -> host; timed from the request to the
#     last byte
import os, socket, sys, time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return 0
    fields = s[s.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) * 1000 // TICK


def kvm_counters(pid):
    names = os.environ.get("KVM_STATS", "").split()
    base = "/sys/kernel/debug/kvm"
    if names and not os.path.isdir(base):
        # "ip netns exec" (the bridge rows' peer) mounts a sysfs of its own,
        # without debugfs; its mounts are private to this process
        os.system("mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null")
    try:
        vm = [d for d in os.listdir(base) if d.startswith("%d-" % pid)]
    except OSError:
        vm = []
    if not vm or not names:
        return "none"
    vals = []
    for n in names:
        try:
            with open(os.path.join(base, vm[0], n)) as f:
                vals.append(f.read().strip())
        except OSError:
            vals.append("0")
    return " ".join(vals)


def thread_ticks(pid):
    out = []
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return ""
    for t in tids:
        try:
            with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
                name = f.read().strip().replace(" ", "_").replace(":", "_")
            with open("/proc/%d/task/%s/stat" % (pid, t)) as f:
                s = f.read()
        except OSError:
            continue
        fields = s[s.rindex(")") + 2:].split()
        out.append("%s:%s:%d" % (t, name, int(fields[11]) + int(fields[12])))
    return " ".join(out)


def snapshot(pid):
    return "%s | %s\n" % (kvm_counters(pid), thread_ticks(pid))


def serve(port, mib, pidfile, out, addr):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(4)
    body = mib * 1048576
    chunk = bytes(65536)
    while True:
        c, _ = ls.accept()
        req = b""
        while b"\r\n\r\n" not in req:
            d = c.recv(4096)
            if not d:
                break
            req += d
        if not req.startswith(b"GET /blob"):
            c.close()
            continue
        pid = int(open(pidfile).read().split()[0])
        snap0 = snapshot(pid)
        c0, t0 = cpu_ms(pid), time.monotonic()
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % body)
        left = body
        while left > 0:
            n = min(left, len(chunk))
            c.sendall(chunk[:n])
            left -= n
        c.shutdown(socket.SHUT_WR)
        while c.recv(65536):
            pass
        t1, c1 = time.monotonic(), cpu_ms(pid)
        snap1 = snapshot(pid)
        c.close()
        with open(out + ".snap", "w") as f:
            f.write(snap0 + snap1)
        with open(out + ".tmp", "w") as f:
            f.write("%d %d %d\n" % (body, int((t1 - t0) * 1000), c1 - c0))
        os.rename(out + ".tmp", out)
        return


def fetch(port, pid, addr):
    s = socket.create_connection((addr, port), timeout=600)
    c0, t0 = cpu_ms(pid), time.monotonic()
    s.sendall(b"GET /big HTTP/1.0\r\nHost: x\r\n\r\n")
    got, head = 0, b""
    while True:
        d = s.recv(262144)
        if not d:
            break
        if head is not None:
            head += d
            i = head.find(b"\r\n\r\n")
            if i < 0:
                continue
            got += len(head) - i - 4
            head = None
        else:
            got += len(d)
    t1, c1 = time.monotonic(), cpu_ms(pid)
    print("%d %d %d" % (got, int((t1 - t0) * 1000), c1 - c0))


if sys.argv[1] == "serve":
    serve(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5],
          sys.argv[6] if len(sys.argv) > 6 else "127.0.0.1")
else:
    fetch(int(sys.argv[2]), int(sys.argv[3]),
          sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1")
