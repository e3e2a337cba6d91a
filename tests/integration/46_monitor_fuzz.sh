#!/bin/sh
# Random command lines into the monitor socket of a running guest: the
# monitor keeps answering and the guest keeps running (its COM1 counter
# goes on). Lines are random bytes, and real commands with random
# arguments; commands that end, pause, reset the VM or write host files
# (quit, stop, system_*, screendump, log) are not sent.
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
G=$(guest counter) || { fail "assemble counter.asm"; finish; }
cat > "$T/fz.cfg" <<CFG
name = "fuzzed"
memory = 32
kernel = '$G'
serial = 'file:$T/com1.log'
vga = 'none'
log_dir = '$T/logs'
CFG
SOCK="$T/mon.sock"
vm_bg fz run "$T/fz.cfg" --monitor "unix:$SOCK"
check "counter runs" wait_for "$T/com1.log" "count=00000002" 60
"$MC" --wait "$SOCK" 10
last_count() { grep -a '^count=[0-9a-f]\{8\}$' "$T/com1.log" | tail -1 | cut -d= -f2; }

# 2000 lines: a third random bytes, the rest commands with random words
od -An -v -tu1 -N 60000 /dev/urandom | tr -s ' \n' '  ' | awk -v seed="${FUZZ_SEED:-$$}" '
BEGIN {
	srand(seed)
	n = split("info|help|?|eject|change|sendkey|mouse_move|mouse_button|x|xp|cpu|c|cont|" \
		  "audio_volume|audio_mute|info block|info registers|info pci|info chardev|" \
		  "info mice|info usb|info cpus|info status|info foo|info stats|info pic|i", cmds, "|")
	split("ide1-cd0 hdc hda floppy0 fda /4xb /100000xg /-1 /x 0x0 0xffffffffffffffff " \
	      "-f -1 2147483648 ctrl-alt-delete #0x1c ret \"a\\\\qb\" \"unterminated " \
	      "/nonexistent raw read-write read-only sideways 0 1 -99999", words, " ")
}
{
	for (f = 1; f <= NF; f++) {
		b = $f
		if (line++ >= 2000) exit
		if (b % 3 == 0) {               # random printable and control bytes
			s = ""; k = b % 40
			for (j = 0; j < k; j++) s = s sprintf("%c", 1 + int(rand() * 126))
			gsub(/\n|\r/, " ", s)
			# random bytes too can spell a command this test must not send
			# ("q" alone is quit): one letter more makes it an unknown one
			if (s ~ /^[ \t]*((q|quit|stop|screendump|log|memsave|pmemsave)([ \t]|$)|system_)/) s = "x" s
			print s
		} else {
			s = cmds[1 + int(rand() * n)]
			k = int(rand() * 4)
			for (j = 0; j < k; j++) s = s " " words[1 + int(rand() * 24)]
			if (s ~ /^(eject|change)/ && rand() < 0.9) s = "help " s   # keep the CD mostly still
			if (s ~ /^sendkey/) s = s " 0"
			print s
		}
	}
}' > "$T/lines"
check "2000 fuzz lines generated" [ "$(wc -l < "$T/lines")" -ge 1900 ]
c1=$(last_count)
socat -t 120 - "UNIX-CONNECT:$SOCK" < "$T/lines" > "$T/replies" 2>&1
check "the monitor answered every line (a prompt each)" \
	[ "$(grep -o '(vmstation) ' "$T/replies" | wc -l)" -ge "$(wc -l < "$T/lines")" ]
check "vmstation still runs" kill -0 "$VM_PID"
check "info status still answers: running" [ "$("$MC" "$SOCK" 'info status' | grep -c 'VM status: running')" = 1 ]
i=0
while [ $i -lt 100 ] && [ "$(last_count)" = "$c1" ]; do sleep 0.1; i=$((i + 1)); done
check "the guest's counter goes on ($c1 -> $(last_count))" [ "$(last_count)" != "$c1" ]
"$MC" "$SOCK" quit > /dev/null
wait_pid "$VM_PID" 20; rc=$RC
check "quit: exit 0 (got $rc)" [ "$rc" = 0 ]
finish
