#!/bin/sh
# Keys reach a guest through the i8042: a guest program (tests/guests/
# kbd_xlate.asm) sets the controller up as SeaBIOS does and prints every byte
# on COM1. Every named key (the SDL table and the keymaps use no others) is
# typed with the monitor's sendkey and must arrive as its set-1 make/break
# sequence, translated from set 2 by the i8042, in order, nothing lost; a
# burst of keys; Caps Lock's LED round trip through the guest; and raw set 2
# with translation off (kbd_raw.asm).
. "$(dirname "$0")/../lib.sh"
MC="$TOP/tests/tools/monitor-client"
GX=$(guest kbd_xlate) || { fail "assemble kbd_xlate.asm"; finish; }
# kbd_raw.asm includes kbd_xlate.asm: rebuild it when that changes
[ "$TOP/tests/guests/kbd_xlate.asm" -nt "$GUESTS/kbd_raw.elf" ] && rm -f "$GUESTS/kbd_raw.elf"
GR=$(guest kbd_raw) || { fail "assemble kbd_raw.asm"; finish; }

# QKeyCode name : set-1 make code (E0xx: E0-prefixed). Print and Pause are
# checked on their own below.
KEYS="esc:01 1:02 2:03 3:04 4:05 5:06 6:07 7:08 8:09 9:0a 0:0b minus:0c equal:0d
backspace:0e tab:0f q:10 w:11 e:12 r:13 t:14 y:15 u:16 i:17 o:18 p:19
bracket_left:1a bracket_right:1b ret:1c ctrl:1d a:1e s:1f d:20 f:21 g:22 h:23
j:24 k:25 l:26 semicolon:27 apostrophe:28 grave_accent:29 shift:2a backslash:2b
z:2c x:2d c:2e v:2f b:30 n:31 m:32 comma:33 dot:34 slash:35 shift_r:36
kp_multiply:37 alt:38 spc:39 f1:3b f2:3c f3:3d f4:3e f5:3f f6:40 f7:41 f8:42
f9:43 f10:44 num_lock:45 scroll_lock:46 kp_7:47 kp_8:48 kp_9:49 kp_subtract:4a
kp_4:4b kp_5:4c kp_6:4d kp_add:4e kp_1:4f kp_2:50 kp_3:51 kp_0:52 kp_decimal:53
sysrq:54 less:56 f11:57 f12:58 kp_equals:59 f13:64 f14:65 f15:66 f16:67 f17:68
f18:69 f19:6a f20:6b f21:6c f22:6d f23:6e katakanahiragana:70 ro:73 f24:76
henkan:79 muhenkan:7b yen:7d kp_comma:7e
audioprev:e010 audionext:e019 kp_enter:e01c ctrl_r:e01d audiomute:e020
calculator:e021 audioplay:e022 audiostop:e024 volumedown:e02e volumeup:e030
ac_home:e032 kp_divide:e035 alt_r:e038 home:e047 up:e048 pgup:e049 left:e04b
right:e04d end:e04f down:e050 pgdn:e051 insert:e052 delete:e053 meta_l:e05b
meta_r:e05c menu:e05d power:e05e sleep:e05f wake:e063 ac_search:e065
ac_bookmarks:e066 ac_refresh:e067 stop:e068 ac_forward:e069 ac_back:e06a
computer:e06b mail:e06c mediaselect:e06d"

# expected NAME:CODE -> "make break" bytes as the guest prints them
expected() {
	code=${1#*:}
	if [ ${#code} = 4 ]; then
		b=$((0x${code#e0}))
		printf 'e0 %02x e0 %02x ' "$b" $((b | 0x80))
	else
		printf '%02x %02x ' $((0x$code)) $((0x$code | 0x80))
	fi
}

# start NAME GUEST: run a guest with a monitor socket, wait for READY
start() {
	cat > "$T/$1.cfg" <<CFG
name = "$1"
memory = 32
kernel = '$2'
serial = 'file:$T/$1.log'
vga = 'none'
log_dir = '$T/logs'
CFG
	vm_bg "$1" run "$T/$1.cfg" --monitor "unix:$T/$1.sock"
	SOCK="$T/$1.sock"
	LOG="$T/$1.log"
	wait_for "$LOG" '^READY' 60
}
# received: the bytes after READY, on one line
received() { sed -n '/^READY/,$p' "$LOG" | sed 1d | tr '\n' ' '; }
# wait until the guest has printed N lines after READY
wait_lines() {
	i=0
	while [ $i -lt 300 ]; do
		[ "$(sed -n '/^READY/,$p' "$LOG" | sed 1d | wc -l)" -ge "$1" ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
# stop_vm: quit through the monitor; vmstation must exit 0 within 20 s
stop_vm() {
	"$MC" "$SOCK" quit >/dev/null 2>&1
	( sleep 20; kill -9 $VM_PID 2>/dev/null ) &
	killer=$!
	wait $VM_PID
	rc=$?
	kill $killer 2>/dev/null
	[ "$rc" = 0 ] || echo "exit status $rc"
	[ "$rc" = 0 ]
}

check "kbd_xlate guest: controller self tests and keyboard reset" start xlate "$GX"
check "i8042 self test 0x55, interface test 0x00, keyboard reset FA AA" \
	sh -c "grep -q '^selftest=55' '$LOG' && grep -q '^kbdtest=00' '$LOG' && grep -q '^reset=fa aa' '$LOG'"

# every key, pressed and released, one sendkey each, one connection
want=""
cmds=""
n=0
for k in $KEYS; do
	want="$want$(expected "$k")"
	cmds="${cmds}sendkey ${k%%:*} 1
"
	n=$((n + 2))
done
printf '%s' "$cmds" | socat -t 60 - "UNIX-CONNECT:$SOCK" > "$T/sendkey.out" 2>&1
wait_lines $(( $(echo "$want" | wc -w) ))
got=$(received)
check "$(echo "$KEYS" | wc -w) keys arrive as their set-1 make/break codes, in order" [ "$got" = "$want" ]
[ "$got" = "$want" ] || { echo "want: $want"; echo "got:  $got"; }
check "no error from sendkey" [ -z "$(grep -v -e '^vmstation .* monitor' -e '^(vmstation) *$' "$T/sendkey.out" | tr -d '(vmstation) \n')" ]

# special keys: Print Screen wraps itself in fake shifts, Pause has no break,
# Alt+Print is SysRq, Ctrl+Pause is Break
base=$(echo "$want" | wc -w)
printf 'sendkey print 1\nsendkey pause 1\nsendkey alt-print 1\nsendkey ctrl-pause 1\n' |
	socat -t 30 - "UNIX-CONNECT:$SOCK" >/dev/null 2>&1
special="e0 2a e0 37 e0 b7 e0 aa e1 1d 45 e1 9d c5 38 54 d4 b8 1d e0 46 e0 c6 9d "
wait_lines $((base + $(echo "$special" | wc -w)))
got=$(received)
check "Print Screen, Pause, SysRq, Break sequences" [ "$got" = "$want$special" ]

# a burst: 16 keys down at once, then up in reverse, nothing dropped
base=$((base + $(echo "$special" | wc -w)))
"$MC" "$SOCK" "sendkey shift-q-w-e-r-t-y-u-i-o-p-a-s-d-f-g 1" >/dev/null
burst="2a 10 11 12 13 14 15 16 17 18 19 1e 1f 20 21 22 a2 a1 a0 9f 9e 99 98 97 96 95 94 93 92 91 90 aa "
wait_lines $((base + 32))
check "a 16-key burst arrives whole and in order" [ "$(received)" = "$want$special$burst" ]

# Caps Lock: the guest answers by switching its LED on, then off
"$MC" "$SOCK" "sendkey caps_lock 200" >/dev/null
"$MC" "$SOCK" "sendkey caps_lock 200" >/dev/null
wait_lines $((base + 32 + 6))
tail="3a led=04 ba 3a led=00 ba "
check "Caps Lock LED round trip through the guest (ED 04 / ED 00 acknowledged)" \
	[ "$(received)" = "$want$special$burst$tail" ]
check "guest stopped by quit" stop_vm

# raw set 2: translation off
check "kbd_raw guest ready" start raw "$GR"
printf 'sendkey a 1\nsendkey up 1\nsendkey ctrl_r 1\nsendkey f7 1\nsendkey print 1\nsendkey pause 1\nsendkey kp_enter 1\n' |
	socat -t 30 - "UNIX-CONNECT:$SOCK" >/dev/null 2>&1
raw="1c f0 1c e0 75 e0 f0 75 e0 14 e0 f0 14 83 f0 83 e0 12 e0 7c e0 f0 7c e0 f0 12 e1 14 77 e1 f0 14 f0 77 e0 5a e0 f0 5a "
wait_lines $(echo "$raw" | wc -w)
check "raw set 2 sequences (no translation)" [ "$(received)" = "$raw" ]
[ "$(received)" = "$raw" ] || { echo "want: $raw"; echo "got:  $(received)"; }
check "raw guest stopped" stop_vm
finish
