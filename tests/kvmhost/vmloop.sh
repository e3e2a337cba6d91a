#!/bin/sh
# The livelock's reproducer (README, "The livelock"), run inside the host:
#   tests/kvmhost/kvmhost --timeout 900 -- sh tests/kvmhost/vmloop.sh [SECS]
#   KVMHOST_APPEND=kvmhost.nopin tests/kvmhost/kvmhost ...   (without kvmpin)
# Creates and closes VMs for SECS (default 300) while two shells fork, and
# counts the kernel's INT3 code patches (a kprobe on text_poke_bp_batch).
# Without kvmpin each VM patches twice and a host hung within ~250 VMs
# (kvmhost exits 123); with it the count stays at the kprobe's own.
secs=${1:-300}
tr=/sys/kernel/tracing
mount -t tracefs none $tr 2>/dev/null
echo 'p:vmloop_poke text_poke_bp_batch' > $tr/kprobe_events && echo 1 > $tr/events/kprobes/vmloop_poke/enable ||
	echo "vmloop: no kprobe on text_poke_bp_batch: patches not counted"
(while :; do /bin/true; done) & f1=$!
(while :; do /bin/true; done) & f2=$!
trap 'kill $f1 $f2 2>/dev/null' EXIT
python3 - "$secs" <<'PY'
import fcntl, os, sys, time
KVM_CREATE_VM = 0xAE01
n, t0 = 0, time.time()
def patches():
    try:
        return open("/sys/kernel/tracing/trace").read().count("vmloop_poke:")
    except OSError:
        return "?"
while time.time() - t0 < float(sys.argv[1]):
    kvm = os.open("/dev/kvm", os.O_RDWR)
    os.close(fcntl.ioctl(kvm, KVM_CREATE_VM, 0))
    os.close(kvm)
    n += 1
    if n % 100 == 0:
        print("vmloop: %d VMs, %s code patches, %d s" % (n, patches(), time.time() - t0), flush=True)
print("vmloop: done: %d VMs, %s code patches" % (n, patches()), flush=True)
PY
