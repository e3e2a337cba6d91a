#!/bin/sh
# SeaBIOS (Debian's bios.bin) runs POST under vmstation to its boot attempts.
. "$(dirname "$0")/../lib.sh"

cat > "$T/bios.cfg" <<CFG
name = "seabios"
memory = 64
boot = 'c'
vga = 'none'
serial = 'none'
debugcon = 'file:$T/debugcon.log'
log_dir = '$T/logs'
CFG
vm_bg run run "$T/bios.cfg"
check "SeaBIOS prints its banner on the debug port" wait_for "$T/debugcon.log" "^SeaBIOS \(version" 30
check "fw_cfg found" wait_for "$T/debugcon.log" "Found QEMU fw_cfg" 30
check "fw_cfg DMA used" wait_for "$T/debugcon.log" "QEMU fw_cfg DMA interface supported" 30
check "i440FX and PIIX found on PCI" wait_for "$T/debugcon.log" "init bdf=00:01.0 id=8086:7000" 30
check "RAM size from etc/e820" wait_for "$T/debugcon.log" "qemu/e820: addr 0x0000000000000000 len 0x0000000004000000 \[RAM\]" 30
check "ACPI tables built for the PIIX4 PM" wait_for "$T/debugcon.log" "ACPI DSDT=" 30
check "PS/2 keyboard initialised" wait_for "$T/debugcon.log" "PS2 keyboard initialized" 30
check "POST reaches the boot: Booting from" wait_for "$T/debugcon.log" "Booting from " 60
check "no bootable device reported" wait_for "$T/debugcon.log" "No bootable device" 60
kill -TERM "$VM_PID"
wait_pid "$VM_PID" 20; rc=$RC
check "SIGTERM shuts vmstation down cleanly (exit 0, got $rc)" [ "$rc" = 0 ]
check "VM log names the firmware" grep -q "firmware /usr/share/seabios/bios.bin" "$T/logs/vmstation.log"

# A missing firmware file is a clear error, before anything runs.
sed "s|^boot = 'c'|firmware = '$T/nope.bin'|" "$T/bios.cfg" > "$T/nofw.cfg"
"$VMST" run "$T/nofw.cfg" > "$T/nofw.out" 2>&1
rc=$?
check "missing firmware: exit 1 (got $rc)" [ "$rc" = 1 ]
check "missing firmware: message names the file" grep -q "firmware $T/nope.bin: No such file" "$T/nofw.out"
finish
