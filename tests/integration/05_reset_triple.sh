#!/bin/sh
# A guest that asks for a reset (0x64 <- 0xFE) and triple-faults right after:
# the reset wins every time (the vCPU runs no instruction past the OUT), so
# the run ends with on_reboot's action, never on_crash's.
. "$(dirname "$0")/../lib.sh"
G=$(guest reset_triple) || { fail "assemble reset_triple.asm"; finish; }

mkcfg() { # name on_reboot
	cat > "$T/$1.cfg" <<CFG
name = "$1"
memory = 32
kernel = '$G'
serial = 'file:$T/$1.com1'
log_dir = '$T/$1-logs'
vga = 'none'
on_poweroff = 'destroy'
on_reboot = '$2'
on_crash = 'destroy'
CFG
}

for i in 1 2 3 4 5; do
	mkcfg destroy$i destroy
	"$VMST" run "$T/destroy$i.cfg" > "$T/destroy$i.out" 2>&1 &
	wait_pid $! 60; rc=$RC
	log="$T/destroy$i-logs/vmstation.log"
	check "run $i, on_reboot=destroy: exit 0, not a crash (got $rc)" [ "$rc" = 0 ]
	check "run $i: the guest ran" grep -q "VMSTATION-RT 1" "$T/destroy$i.com1"
	check "run $i: log says guest rebooted (on_reboot=destroy)" \
		grep -q "guest rebooted (on_reboot=destroy)" "$log"
	check "run $i: no crash in the log" sh -c "! grep -q 'guest crashed' '$log'"
	# where KVM leaves int3 to vmstation (vcpu_emul.c logs it), it ran late
	check "run $i: nothing past the OUT ran (no int3 in the log)" sh -c "! grep -q 'int3' '$log'"
done

mkcfg restart restart
"$VMST" run "$T/restart.cfg" > "$T/restart.out" 2>&1 &
wait_pid $! 120; rc=$RC
log="$T/restart-logs/vmstation.log"
check "on_reboot=restart: exit 0 after boot 3 powers off (got $rc)" [ "$rc" = 0 ]
check "on_reboot=restart: booted three times" [ "$(grep -c VMSTATION-RT "$T/restart.com1")" = 3 ]
check "on_reboot=restart: two reboots logged" \
	[ "$(grep -c 'guest rebooted (on_reboot=restart)' "$log")" = 2 ]
check "on_reboot=restart: no crash in the log" sh -c "! grep -q 'guest crashed' '$log'"
finish
