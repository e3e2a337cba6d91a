#!/bin/sh
# `vmstation run FILE --monitor stdio` driven through a pty (tmux): GNU
# readline line editing, tab completion of commands, info items, devices and
# file names, history kept across runs in $XDG_STATE_HOME/vmstation.
. "$(dirname "$0")/../lib.sh"
G=$(guest cdpoll) || { fail "assemble cdpoll.asm"; finish; }
head -c 4096 /dev/zero | tr '\0' A > "$T/A.iso"
head -c 4096 /dev/zero | tr '\0' B > "$T/Bdisc.iso"
cat > "$T/rl.cfg" <<CFG
name = "rl"
memory = 32
kernel = '$G'
serial = 'file:$T/com1.log'
vga = 'none'
log_dir = '$T/logs'
disk = [ '$T/A.iso,raw,hdc:cdrom,r' ]
CFG
TM="tmux -L vmst-mon-$$"
S=rl
screen() { $TM capture-pane -p -t $S | sed -e 's/ *$//' | grep -v '^$'; }
# last_line_is TEXT SECONDS: the cursor line of the pane becomes TEXT
last_line_is() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		[ "$(screen | tail -1)" = "$1" ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	echo "pane ends with: '$(screen | tail -1)'"
	return 1
}
# pane_has REGEX SECONDS: some line of the pane matches
pane_has() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		$TM capture-pane -p -t $S | sed -e 's/ *$//' | grep -q "$1" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
start() {
	$TM kill-session -t $S 2>/dev/null
	$TM new-session -d -s $S -x 150 -y 40 \
		"cd '$T' && XDG_STATE_HOME='$T/state' '$VMST' run rl.cfg --monitor stdio 2>>'$T/stderr'; echo EXIT=\$?; sleep 60"
}

start
check "banner and prompt on the terminal" last_line_is "(vmstation)" 30
check "the banner" pane_has "^vmstation [0-9.]* monitor - type 'help' for more information" 5
$TM send-keys -t $S "info na" Tab
check "tab completes an info item" last_line_is "(vmstation) info name" 5
$TM send-keys -t $S Enter
check "the command runs" pane_has '^rl$' 5
$TM send-keys -t $S "sys" Tab
check "tab completes a command to its common prefix" last_line_is "(vmstation) system_" 5
$TM send-keys -t $S "r" Tab
check "and then to the whole command" last_line_is "(vmstation) system_reset" 5
$TM send-keys -t $S C-u "eject i" Tab
check "tab completes a device name" last_line_is "(vmstation) eject ide1-cd0" 5
$TM send-keys -t $S C-u "change hdc $T/Bd" Tab
check "tab completes a file name" last_line_is "(vmstation) change hdc $T/Bdisc.iso" 5
$TM send-keys -t $S C-u "sendkey ctrl-al" Tab
check "tab completes key names after '-'" last_line_is "(vmstation) sendkey ctrl-alt" 5
$TM send-keys -t $S C-u "c" Tab Tab
check "two tabs list the candidates" pane_has '^c  *change  *cont  *cpu$' 5
$TM send-keys -t $S C-u "info stat" C-a C-k "info version" C-b C-b C-b C-h Enter
check "line editing (ctrl-a, ctrl-k, cursor keys, backspace) then run" pane_has "unknown command: 'info verion'" 5
$TM send-keys -t $S "info status" Enter
check "info status" pane_has '^VM status: running' 5
$TM send-keys -t $S "quit" Enter
check "quit: exit 0" pane_has '^EXIT=0' 10
check "history file in the state directory" grep -qx "info status" "$T/state/vmstation/monitor_history"
check "history file is private (0600)" [ "$(stat -c %a "$T/state/vmstation/monitor_history")" = 600 ]

# a second run remembers the first one's commands
start
check "second run: prompt" last_line_is "(vmstation)" 30
$TM send-keys -t $S Up
check "up arrow: last command of the previous run" last_line_is "(vmstation) quit" 5
$TM send-keys -t $S Up
check "up again: the one before" last_line_is "(vmstation) info status" 5
$TM send-keys -t $S Enter
check "a recalled command runs" pane_has '^VM status: running' 5
$TM send-keys -t $S "q" Enter
check "q: exit 0" pane_has '^EXIT=0' 10
$TM kill-server 2>/dev/null
finish
