#!/bin/sh
# COM1 end to end with tests/guests/serial_irq.asm: output driven by the THRE
# interrupt through the 8259, power off and reset actions, the same output as
# under QEMU, and input (RX data and timeout interrupts) through a unix
# socket, a pty and stdio, including ctrl-a x on stdio.
. "$(dirname "$0")/../lib.sh"
G=$(guest serial_irq) || { fail "assemble serial_irq.asm"; finish; }
MARK="VMSTATION-SERIAL-OK"

# wait_rc PID SECONDS: sets RC to the exit status of our background child PID
# (124 after killing it at the time limit). Runs in this shell, so `wait` can
# reap it; an exited but unreaped child (state Z) still answers kill -0.
wait_rc() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; do
		if [ $i -ge $(($2 * 10)) ]; then
			kill -9 "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			RC=124
			return
		fi
		sleep 0.1
		i=$((i + 1))
	done
	wait "$1"
	RC=$?
}
REPORT="irqs=00000014 iir=000000c2" # 19 bytes + the last THRE; IIR = FIFO bits | THRE

mkcfg() { # name serial cmdline [extra line]
	cat > "$T/$1.cfg" <<CFG
name = "$1"
memory = 32
kernel = '$G'
cmdline = '$3'
serial = '$2'
log_dir = '$T/$1-logs'
vga = 'none'
on_poweroff = 'destroy'
on_reboot = 'destroy'
$4
CFG
}

# --- power off: the marker comes out through THRE interrupts --------------
mkcfg off "file:$T/off.com1" ""
"$VMST" run "$T/off.cfg" > "$T/off.out" 2>&1 &
wait_rc $! 60; rc=$RC
check "poweroff: exit 0 (got $rc)" [ "$rc" = 0 ]
check "poweroff: marker on COM1" grep -q "$MARK" "$T/off.com1"
check "poweroff: 20 THRE interrupts, first IIR 0xc2" grep -q "$REPORT" "$T/off.com1"
check "poweroff: log says powered off" grep -q "guest powered off (on_poweroff=destroy)" "$T/off-logs/vmstation.log"

# --- reset with on_reboot=destroy ------------------------------------------
mkcfg rst "file:$T/rst.com1" "reset"
"$VMST" run "$T/rst.cfg" > "$T/rst.out" 2>&1 &
wait_rc $! 60; rc=$RC
check "reset: exit 0 (got $rc)" [ "$rc" = 0 ]
check "reset: marker printed once" [ "$(grep -c "$MARK" "$T/rst.com1")" = 1 ]
check "reset: log says the guest rebooted" grep -q "guest rebooted (on_reboot=destroy)" "$T/rst-logs/vmstation.log"

# --- the same guest under QEMU gives the same bytes -------------------------
if command -v qemu-system-x86_64 > /dev/null; then
	timeout 120 qemu-system-x86_64 -enable-kvm -machine pc -m 64 -nodefaults -display none \
		-serial "file:$T/qemu.com1" -kernel "$G" > "$T/qemu.out" 2>&1
	check "QEMU runs the guest to its marker" grep -q "$REPORT" "$T/qemu.com1"
	check "vmstation's COM1 output equals QEMU's" cmp -s "$T/qemu.com1" "$T/off.com1"
else
	fail "qemu-system-x86_64 missing (tests/setup.sh installs it)"
fi

# Echo checks shared by the input tests: file with the guest's output, what was typed.
echo_checks() { # what outfile typed
	check "$1: guest echoed the input" grep -q "$3" "$2"
	check "$1: short input came through the character timeout interrupt" \
		grep -Eq "timeout=0*[1-9a-f][0-9a-f]*" "$2"
}

# --- unix socket server (waits for the client), input both ways ----------
mkcfg sock "unix:$T/com1.sock,server" "echo"
vm_bg sock run "$T/sock.cfg"
pid=$VM_PID
wait_for "$T/sock.out" "waiting for connection on unix:$T/com1.sock,server" 20
LONG="0123456789ABCDEFGHIJKLMNOPRSTUVWXYZ-0123456789" # no 'q': that ends the echo
{
	wait_for "$T/sock.com1" ECHO-READY 30
	printf 'hello'
	sleep 1
	printf '%s q' "$LONG"
	sleep 3
} | socat -t 2 - "UNIX-CONNECT:$T/com1.sock" > "$T/sock.com1"
wait_rc $pid 30; rc=$RC
check "socket: exit 0 (got $rc)" [ "$rc" = 0 ]
check "socket: marker" grep -q "$MARK" "$T/sock.com1"
echo_checks socket "$T/sock.com1" "hello$LONG q"
check "socket: 46 bytes at once raised RX data interrupts (trigger level 14)" \
	grep -Eq "rx=0*[1-9a-f][0-9a-f]*" "$T/sock.com1"
check "socket: the socket file is gone afterwards" [ ! -e "$T/com1.sock" ]

# --- pty: announced on stderr, typed into from the test ---------------------
mkcfg pty "pty" "echo"
vm_bg pty run "$T/pty.cfg"
pid=$VM_PID
if wait_for "$T/pty.out" "vmstation: pty: serial0 on /dev/pts/[0-9]+" 20; then
	pass "pty: 'vmstation: pty: serial0 on /dev/pts/N' announced"
	pts=$(sed -n 's|.*serial0 on \(/dev/pts/[0-9]*\).*|\1|p' "$T/pty.out" | head -n 1)
	cat "$pts" > "$T/pty.com1" 2>/dev/null &
	catpid=$!
	wait_for "$T/pty.com1" ECHO-READY 20
	printf 'pty-in' > "$pts"
	check "pty: guest echoed the input" wait_for "$T/pty.com1" "pty-in" 20
	# the guest powers off right after its last line, and closing a pty
	# discards what its reader has not read yet: check no more than the echo
	printf ' q' > "$pts"
	wait_rc $pid 30; rc=$RC
	kill $catpid 2>/dev/null
	check "pty: exit 0 (got $rc)" [ "$rc" = 0 ]
	check "pty: marker read from the pty" grep -q "$MARK" "$T/pty.com1"
else
	fail "pty: no announcement ($(cat "$T/pty.out"))"
	kill -9 $pid 2>/dev/null
fi

# --- stdio: input from a pipe; then ctrl-a x quits --------------------------
mkcfg stdio "stdio" "echo"
{ sleep 2; printf 'std-in q'; } | "$VMST" run "$T/stdio.cfg" > "$T/stdio.com1" 2> "$T/stdio.err" &
wait_rc $! 30; rc=$RC
check "stdio: exit 0 (got $rc)" [ "$rc" = 0 ]
check "stdio: marker on stdout" grep -q "$MARK" "$T/stdio.com1"
echo_checks stdio "$T/stdio.com1" "std-in q"

{ sleep 2; printf 'ab\001\001'; sleep 1; printf '\001x'; sleep 20; } |
	"$VMST" run "$T/stdio.cfg" > "$T/quit.com1" 2> "$T/quit.err" &
wait_rc $! 15; rc=$RC
check "stdio: ctrl-a x quits (exit 0, got $rc)" [ "$rc" = 0 ]
check "stdio: 'terminated' printed" grep -q "vmstation: terminated" "$T/quit.com1"
check "stdio: bytes typed before were delivered, ctrl-a ctrl-a as one ctrl-a" \
	grep -q "^ab$(printf '\001')" "$T/quit.com1"
finish
