#!/bin/sh
# The monitor socket against running guests: banner, prompt, mode 0600,
# several clients, info status across stop/cont with a COM1 counter that
# stops and resumes, errors, memory dumps, registers, system_reset running
# SeaBIOS again, and quit ending the process with exit 0.
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
# mon CMD: the reply through $SOCK, without the banner and the prompts
mon() {
	"$MC" "$SOCK" "$1" 2>/dev/null | sed -e "/^vmstation [0-9.]* monitor - type 'help'/d" \
		-e 's/(vmstation) //g' | sed -e '/^$/d'
}
wait_sock() { "$MC" --wait "$1" "$2"; }
# reply_has CMD REGEX: the reply to CMD has a line matching REGEX
reply_has() { mon "$1" | grep -q "$2"; }
# last_count FILE: the number of the last complete "count=" line
last_count() { grep -a '^count=[0-9a-f]\{8\}$' "$1" | tail -1 | cut -d= -f2; }
G=$(guest counter) || { fail "assemble counter.asm"; finish; }

cat > "$T/counter.cfg" <<CFG
name = "counter"
memory = 32
kernel = '$G'
serial = 'file:$T/com1.log'
vga = 'none'
log_dir = '$T/logs'
monitor_path = '$T/cfg.sock'
CFG
vm_bg counter run "$T/counter.cfg" --monitor "unix:$T/mon.sock"
SOCK="$T/mon.sock"
check "the counter guest runs" wait_for "$T/com1.log" "count=00000003" 60
check "socket created" wait_sock "$SOCK" 10
check "socket mode is 0600 (got $(stat -c %a "$SOCK"))" [ "$(stat -c %a "$SOCK")" = 600 ]

raw=$(printf 'info status\n' | socat -t 20 - "UNIX-CONNECT:$SOCK")
check "banner as QEMU's" sh -c "printf '%s' \"\$1\" | head -1 | grep -qx \"vmstation [0-9.]* monitor - type 'help' for more information\"" - "$raw"
check "prompt after the banner and after the reply" [ "$(printf '%s' "$raw" | grep -o '(vmstation) ' | wc -l)" = 2 ]
check "info status: running" [ "$(mon 'info status')" = "VM status: running" ]
check "monitor_path= in the VM file opens a socket too" [ "$(SOCK=$T/cfg.sock mon 'info name')" = "counter" ]

# stop: all vCPUs parked before the reply; the counter must not move.
check "stop prints nothing" [ -z "$(mon stop)" ]
check "info status: paused" [ "$(mon 'info status')" = "VM status: paused" ]
c1=$(last_count "$T/com1.log")
sleep 2
c2=$(last_count "$T/com1.log")
check "COM1 counter stopped while paused ($c1 -> $c2)" [ -n "$c1" ] && [ "$c1" = "$c2" ]
check "stop twice is harmless" [ -z "$(mon s)" ]
check "cont prints nothing" [ -z "$(mon c)" ]
check "info status: running again" [ "$(mon 'info status')" = "VM status: running" ]
i=0
while [ $i -lt 100 ] && [ "$(last_count "$T/com1.log")" = "$c2" ]; do sleep 0.1; i=$((i + 1)); done
c3=$(last_count "$T/com1.log")
check "COM1 counter resumed after cont ($c2 -> $c3)" [ "$c3" != "$c2" ]
# the guest goes on from where it stopped: the line after the last one
# printed while paused is the next count (read from the log, not timed)
c4=$(grep -a '^count=[0-9a-f]\{8\}$' "$T/com1.log" | awk -v c="count=$c2" 'f { print; exit } $0 == c { f = 1 }' | cut -d= -f2)
check "counter goes on from where it stopped after cont ($c2 -> $c4)" sh -c "[ -n '$c4' ] && [ \$((0x$c4)) -eq \$((0x$c2 + 1)) ]"

check "unknown command" [ "$(mon foo)" = "unknown command: 'foo'" ]
check "unknown info item" [ "$(mon 'info foo')" = "unknown command: 'info foo'" ]
out=$(mon eject)
check "eject without a device prints usage" sh -c "printf '%s' \"\$1\" | grep -q '^usage: eject \[-f\] device'" - "$out"
check "eject of a missing device" [ "$(mon 'eject floppy0')" = "Device 'floppy0' not found" ]
check "help lists sendkey" reply_has help '^sendkey keys \[hold_ms\] -- '
# port I/O: a CMOS NVRAM byte written through 0x70/0x71 reads back; a port
# nothing claims reads as all ones, as on the bus; bad arguments are refused
check "o writes the CMOS index and a byte (nothing printed)" \
	[ -z "$(mon 'o 0x70 0x40')$(mon 'o /b 0x71 0x5a')$(mon 'o 0x70 0x40')" ]
check "i reads the byte back from CMOS 0x40" [ "$(mon 'i 0x71')" = "portb[0x0071] = 0x5a" ]
check "i /h of an unclaimed port: all ones" [ "$(mon 'i /h 0x1230')" = "portw[0x1230] = 0xffff" ]
check "i /w: a 32-bit read" [ "$(mon 'i /w 0x1230')" = "portl[0x1230] = 0xffffffff" ]
check "i: a port above 0xffff is refused" reply_has 'i 0x10000' "out of range"
check "o: a value too wide for the size is refused" reply_has 'o /b 0x80 0x100' "out of range"
check "o without a value: usage" reply_has 'o /b 0x80' "port and value expected"
check "i /q: an unknown format letter" reply_has 'i /q 0x80' "invalid char in format"
check "xp reads the guest's ELF header at 1 MiB" \
	[ "$(mon 'xp /4xb 0x100000')" = "0000000000100000: 0x7f 0x45 0x4c 0x46" ]
# xp of a device's registers (as QEMU's): the HPET's capabilities at
# 0xfed00000, vendor 8086 in the high half and the tick of 10 ns (in fs);
# an address above RAM that no device claims cannot be read
check "xp reads the HPET's registers through the MMIO bus" \
	[ "$(mon 'xp /2wx 0xfed00000' | sed 's/0x8086[0-9a-f]\{4\}/0x8086..../')" = "00000000fed00000: 0x8086.... 0x00989680" ]
check "xp of an unclaimed address above RAM: Cannot access memory" \
	[ "$(mon 'xp /wx 0xf0000000')" = "00000000f0000000: Cannot access memory" ]
check "x through the vCPU's view of memory" \
	[ "$(mon 'x /1xw 0x100000')" = "0000000000100000: 0x464c457f" ]
eip=$(mon 'info registers' | sed -n 's/^EIP=\([0-9a-f]*\) .*/\1/p')
check "info registers: EIP inside the guest program ($eip)" sh -c "[ \$((0x$eip)) -ge $((0x100000)) ] && [ \$((0x$eip)) -lt $((0x101000)) ]"
check "info registers: segment lines" reply_has 'info registers' '^CS =0'
check "info cpus" reply_has 'info cpus' '^\* CPU #0: pc=0x[0-9a-f]\{16\}\( (halted)\)\{0,1\} thread_id=[0-9]'
ch=$(mon 'info chardev')
check "info chardev: COM1 file" sh -c "printf '%s' \"\$1\" | grep -q '^serial0: filename=file:$T/com1.log'" - "$ch"
check "info chardev: the monitor sockets" sh -c "printf '%s' \"\$1\" | grep -q 'filename=unix:$T/mon.sock'" - "$ch"

# several clients at once: one stays connected while others come and go
(sleep 3; printf 'info name\n') | socat -t 10 - "UNIX-CONNECT:$SOCK" > "$T/bg.out" 2>&1 &
bg=$!
sleep 1
check "a second client is served while the first is connected" [ "$(mon 'info status')" = "VM status: running" ]
wait $bg
check "the first client got its reply" grep -q "^(vmstation) counter" "$T/bg.out"

# quit: the process ends with exit 0 and the sockets go away
mon quit > /dev/null
wait_pid "$VM_PID" 20; rc=$RC
check "quit ends vmstation with exit 0 (got $rc)" [ "$rc" = 0 ]
check "socket file removed" [ ! -e "$SOCK" ]

# system_reset of a guest that is all port I/O: the reset must land
# between instructions, never inside a port read whose completion KVM still
# owes (a REP INSW's completion once overwrote the reset registers and the
# guest ran on in its old loop or crashed). Each of 25 resets starts it again.
P=$(guest reset_pio) || { fail "assemble reset_pio.asm"; finish; }
cat > "$T/pio.cfg" <<CFG
name = "pio"
memory = 32
kernel = '$P'
serial = 'file:$T/pio.com1'
vga = 'none'
log_dir = '$T/pio-logs'
CFG
vm_bg pio run "$T/pio.cfg" --monitor "unix:$T/pio.sock"
SOCK="$T/pio.sock"
check "the port-reading guest runs" wait_for "$T/pio.com1" "^reset_pio: start" 30
wait_sock "$SOCK" 10
n=0
while [ $n -lt 25 ]; do
	mon system_reset > /dev/null
	i=0
	while [ $i -lt 400 ] && [ "$(grep -ac '^reset_pio: start' "$T/pio.com1")" -lt $((n + 2)) ]; do
		sleep 0.05; i=$((i + 1))
	done
	n=$((n + 1))
done
starts=$(($(grep -ac '^reset_pio: start' "$T/pio.com1") - 1))
check "25 system_resets in the middle of port reads: 25 fresh starts (got $starts)" [ "$starts" = 25 ]
check "and no crash in the VM's log" sh -c "! grep -q 'triple fault\|crashed\|internal error' '$T/pio-logs/'*"
check "running after them" [ "$(mon 'info status')" = "VM status: running" ]
mon quit > /dev/null
wait_pid "$VM_PID" 20

# system_reset with real firmware: SeaBIOS runs again
cat > "$T/bios.cfg" <<CFG
name = "bios"
memory = 32
boot = 'c'
vga = 'none'
serial = 'none'
debugcon = 'file:$T/debugcon.log'
log_dir = '$T/bios-logs'
CFG
vm_bg bios run "$T/bios.cfg" --monitor "unix:$T/bios.sock"
SOCK="$T/bios.sock"
check "SeaBIOS runs" wait_for "$T/debugcon.log" "^SeaBIOS \(version" 60
wait_sock "$SOCK" 10
check "system_reset prints nothing" [ -z "$(mon system_reset)" ]
i=0
while [ $i -lt 600 ] && [ "$(grep -ac '^SeaBIOS (version' "$T/debugcon.log")" -lt 2 ]; do sleep 0.1; i=$((i + 1)); done
check "system_reset: SeaBIOS ran again" [ "$(grep -ac '^SeaBIOS (version' "$T/debugcon.log")" -ge 2 ]
check "still running after the reset" [ "$(mon 'info status')" = "VM status: running" ]
mon q > /dev/null
wait_pid "$VM_PID" 20; rc=$RC
check "q ends vmstation with exit 0 (got $rc)" [ "$rc" = 0 ]
finish
