#!/bin/sh
# Serial console and monitor multiplexed on stdio (serial='stdio' and
# --monitor stdio), driven through a pty (tmux): the guest's COM1 counter
# shows on the terminal, ctrl-a c switches to the monitor (banner, prompt,
# readline), `stop` freezes the counter, ctrl-a h lists the switch key,
# ctrl-a c goes back to the guest, and `quit` from the monitor exits 0.
. "$(dirname "$0")/../lib.sh"
G=$(guest counter) || { fail "assemble counter.asm"; finish; }
cat > "$T/mux.cfg" <<CFG
name = "mux"
memory = 32
kernel = '$G'
serial = 'stdio'
vga = 'none'
log_dir = '$T/logs'
CFG
TM="tmux -L vmst-mux-$$"
S=mux
pane() { $TM capture-pane -p -t $S -S -200 | sed -e 's/ *$//'; }
# pane_has REGEX SECONDS
pane_has() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		pane | grep -q "$1" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
last_count() { pane | grep -o 'count=[0-9a-f]\{8\}' | tail -1; }

$TM new-session -d -s $S -x 150 -y 50 \
	"cd '$T' && XDG_STATE_HOME='$T/state' '$VMST' run mux.cfg --monitor stdio; echo EXIT=\$?; sleep 60"
check "the guest's COM1 counter on the terminal" pane_has "count=00000003" 60
check "a hint names the switch key" pane_has "ctrl-a c switches" 5
check "no monitor banner before ctrl-a c" sh -c "! $TM capture-pane -p -t $S -S -200 | grep -q 'monitor - type'"
$TM send-keys -t $S C-a c
check "ctrl-a c: the monitor's banner" pane_has "^vmstation [0-9.]* monitor - type 'help' for more information" 10
$TM send-keys -t $S "stop" Enter
sleep 1
c1=$(last_count)
sleep 2
c2=$(last_count)
check "stop typed on the shared terminal: the counter stopped ($c1 -> $c2)" [ -n "$c1" ] && [ "$c1" = "$c2" ]
$TM send-keys -t $S "info statu" Tab Enter
check "readline completion in mux mode; info status: paused" pane_has "^VM status: paused" 10
$TM send-keys -t $S "cont" Enter
i=0
while [ $i -lt 100 ] && [ "$(last_count)" = "$c2" ]; do sleep 0.1; i=$((i + 1)); done
check "cont: the counter moves again" [ "$(last_count)" != "$c2" ]
$TM send-keys -t $S C-a h
check "ctrl-a h lists the monitor switch" pane_has "C-a c    switch between console and monitor" 10
$TM send-keys -t $S C-a c
sleep 0.5
$TM send-keys -t $S "quit" Enter
sleep 1
check "keys go back to the guest after ctrl-a c (quit typed there does nothing)" sh -c "! $TM capture-pane -p -t $S -S -200 | grep -q '^EXIT='"
$TM send-keys -t $S C-a c
sleep 0.5
$TM send-keys -t $S C-u "quit" Enter
check "quit from the monitor: exit 0" pane_has "^EXIT=0" 20
$TM kill-server 2>/dev/null
finish
