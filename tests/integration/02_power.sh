#!/bin/sh
# A small PVH guest prints on COM1 and powers off or resets; vmstation run
# carries out on_poweroff / on_reboot and exits 0.
. "$(dirname "$0")/../lib.sh"
G=$(guest reboot) || { fail "assemble reboot.asm"; finish; }

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
CFG
}

mkcfg restart restart
"$VMST" run "$T/restart.cfg" > "$T/restart.out" 2>&1 &
wait_pid $! 120; rc=$RC
check "on_reboot=restart: exit 0 after the guest powers off (got $rc)" [ "$rc" = 0 ]
check "guest booted three times" [ "$(grep -c VMSTATION-BOOT "$T/restart.com1")" = 3 ]
check "third boot printed 3" grep -q "VMSTATION-BOOT 3" "$T/restart.com1"
check "log: guest rebooted (on_reboot=restart)" grep -q "guest rebooted (on_reboot=restart)" "$T/restart-logs/vmstation.log"
check "log: guest powered off (on_poweroff=destroy)" grep -q "guest powered off (on_poweroff=destroy)" "$T/restart-logs/vmstation.log"

mkcfg destroy destroy
"$VMST" run "$T/destroy.cfg" > "$T/destroy.out" 2>&1 &
wait_pid $! 60; rc=$RC
check "on_reboot=destroy: exit 0 when the guest resets (got $rc)" [ "$rc" = 0 ]
check "guest booted once" [ "$(grep -c VMSTATION-BOOT "$T/destroy.com1")" = 1 ]
check "log: guest rebooted (on_reboot=destroy)" grep -q "guest rebooted (on_reboot=destroy)" "$T/destroy-logs/vmstation.log"

# A triple fault is a crash: on_crash='destroy' ends with exit 2 and the registers in the log.
TG=$(guest triple) || fail "assemble triple.asm"
cat > "$T/crash.cfg" <<CFG
name = "crash"
memory = 32
kernel = '$TG'
serial = 'file:$T/crash.com1'
log_dir = '$T/crash-logs'
vga = 'none'
on_crash = 'destroy'
CFG
"$VMST" run "$T/crash.cfg" > "$T/crash.out" 2>&1 &
wait_pid $! 60; rc=$RC
check "triple fault: exit 2 (got $rc)" [ "$rc" = 2 ]
check "triple fault: guest ran first" grep -q VMSTATION-TRIPLE "$T/crash.com1"
check "triple fault: stderr says the guest crashed" grep -q "guest crashed: " "$T/crash.out"
check "triple fault: registers in the VM log" grep -q "^RIP=" "$T/crash-logs/vmstation.log"
check "triple fault: log names on_crash=destroy" grep -q "guest crashed (on_crash=destroy)" "$T/crash-logs/vmstation.log"
finish
