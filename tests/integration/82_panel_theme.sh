#!/bin/sh
# Panel themes and terminals: a theme with a bad line is reported with its
# file:line and the panel falls back to the default; themes are switched live
# from the menu and saved in vmstation.conf; 256-colour, 8-colour and
# monochrome terminals get colours they can show; ASCII box drawing outside
# UTF-8; below 80x24 the panel says so and comes back when resized; with no
# vmstation.conf anywhere, one is created with a demo VM; $EDITOR edits a VM
# file and its errors are shown on save.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/panel_lib.sh"

# panel ENV... : start the panel in a fresh tmux session
panel() {
	$TMX kill-session -t p 2>/dev/null
	rm -f "$T/exit"
	$TMX new-session -d -s p -x ${W:-100} -y 30 "cd '$T/run' && env XDG_STATE_HOME='$T/state' \
XDG_CONFIG_HOME='$T/xdg' $* '$VMST' --config '$T/vmstation.conf' 2> '$T/stderr'; echo \$? > '$T/exit'; sleep 600"
}
quit_panel() {
	keys q
	wait_for "$T/exit" "^0$" 10
}

mkdir -p "$T/vms" "$T/themes" "$T/state" "$T/run" "$T/xdg"
cat > "$T/themes/broken.theme" <<'TH'
# a theme with a typo on line 3
title = white on blue
menu  = purpel on black
TH
cat > "$T/vmstation.conf" <<CFG
vm_dir = 'vms'
theme = 'broken'
box = 'ascii'
audio = 'none'
CFG
cat > "$T/vms/one.cfg" <<CFG
name = 'one'
memory = 32
vga = 'none'
CFG

W=200 panel LANG=C TERM=screen-256color
check "a broken theme is reported with file:line" wait_screen "broken.theme:3: unknown colour or attribute 'purpel'" 10
check "and the panel falls back to the default theme" wait_screen "Using the default theme" 2
keys Enter
check "title names the default theme" wait_screen "theme default -" 5
check "ASCII boxes with box='ascii'" sh -c "$TMX capture-pane -p -t p | grep -q '^+- VMs -'"
check "no UTF-8 line drawing in ASCII mode" sh -c "! $TMX capture-pane -p -t p | grep -q '─'"

# the theme menu: bundled themes and the broken one, sorted; pick dark
keys t
check "theme menu lists the bundled themes" wait_screen "high-contrast" 5
m=$(cap)
for th in default dark light high-contrast broken; do
	check "theme menu has $th" sh -c "echo \"\$1\" | grep -qE '\\| *$th *\\|'" sh "$m"
done
keys Up Enter
check "switched live to dark" wait_screen "theme dark -" 5
check "the choice is saved in vmstation.conf" grep -q "^theme = 'dark'" "$T/vmstation.conf"
check "other settings kept" grep -q "^box = 'ascii'" "$T/vmstation.conf"
check "256 colours: dark's xterm colours in use" sh -c "$TMX capture-pane -e -p -t p | grep -q '38;5;252'"
quit_panel
check "quit with nothing running: exit 0" [ "$(cat "$T/exit")" = 0 ]

# 8 colours: only the basic colours
panel LANG=C TERM=screen
wait_screen "theme dark -" 10
check "8 colours: the panel draws" wait_screen "one +stopped" 5
check "8 colours: no 256-colour escapes" sh -c "! $TMX capture-pane -e -p -t p | grep -q '38;5;'"
check "8 colours: basic colours in use" sh -c "$TMX capture-pane -e -p -t p | grep -qE '\[(3[0-7]|4[0-7])(;|m)'"
quit_panel

# monochrome: attributes only
panel LANG=C TERM=vt100
check "monochrome: the panel draws" wait_screen "one +stopped" 10
check "monochrome: no colours at all" sh -c "! $TMX capture-pane -e -p -t p | grep -qE '\[(3[0-7]|4[0-7]|38;5)'"
check "monochrome: the selection is in reverse video" sh -c "$TMX capture-pane -e -p -t p | grep -qE '\[7m'"

# below 80x24 the panel says so; it comes back when resized
$TMX resize-window -t p -x 70 -y 20
check "too small: 80x24 needed" wait_screen "needs at least 80x24" 5
check "too small: the size it has" wait_screen "\(this terminal is 70x20\)" 5
$TMX resize-window -t p -x 100 -y 30
check "resized back: the panel returns" wait_screen "one +stopped" 5
quit_panel

# UTF-8 box drawing in a UTF-8 locale with box='auto'
sed -i "s/^box = 'ascii'/box = 'auto'/" "$T/vmstation.conf"
panel LANG=C.UTF-8 TERM=screen-256color
check "UTF-8 locale: line drawing" wait_screen "┌─ VMs ─" 10

# $EDITOR: an edit that breaks the file is reported on save
cat > "$T/bad-edit.sh" <<'ED'
#!/bin/sh
echo "memory = 'lots'" >> "$1"
ED
chmod +x "$T/bad-edit.sh"
quit_panel
panel LANG=C.UTF-8 TERM=screen-256color EDITOR="'$T/bad-edit.sh'"
wait_screen "one +stopped" 10
keys E
check "errors in the edited file are shown" wait_screen "one.cfg:4:10:" 10
keys k
check "the list marks the file bad" wait_screen "one +bad cfg" 5
quit_panel

# delete with confirmation: the file goes, its disk image stays
truncate -s 1M "$T/two.img"
cat > "$T/vms/two.cfg" <<CFG
name = 'two'
memory = 32
vga = 'none'
disk = [ '$T/two.img,raw,hda,w' ]
CFG
panel LANG=C.UTF-8 TERM=screen-256color
check "two listed" wait_screen "two +stopped +1 +32M" 10
keys End D
check "delete asks first" wait_screen "Delete the VM 'two'" 5
keys Escape
sleep 0.3
check "Esc cancels: the file stays" [ -f "$T/vms/two.cfg" ]
keys D
wait_screen "Delete the VM 'two'" 5
keys Enter
check "delete: the VM is gone from the list" sh -c "i=0; while [ \$i -lt 50 ]; do $TMX capture-pane -p -t p | grep -q 'two +stopped' || exit 0; sleep 0.1; i=\$((i+1)); done; exit 1"
check "delete: the VM file is removed" [ ! -f "$T/vms/two.cfg" ]
check "delete: the disk image is kept" [ -f "$T/two.img" ]
# 'Delete with images': the disk image goes too, never the CD image
truncate -s 1M "$T/three.img" "$T/three.iso"
cat > "$T/vms/three.cfg" <<CFG
name = 'three'
memory = 32
vga = 'none'
disk = [ '$T/three.img,raw,hda,w', '$T/three.iso,raw,hdc:cdrom,r' ]
CFG
check "a VM file added to vm_dir shows up in the running panel" wait_screen "three +stopped +1 +32M" 10
sed -i 's/^memory = 32/memory = 48/' "$T/vms/three.cfg"
touch -d '+2 seconds' "$T/vms/three.cfg"   # a new mtime even within the same tick
check "a VM file edited outside the panel is re-read" wait_screen "three +stopped +1 +48M" 10
keys End D
wait_screen "Delete the VM 'three'" 5
keys Right Enter
check "delete with images: the VM file is removed" sh -c "i=0; while [ -f '$T/vms/three.cfg' ]; do [ \$i -lt 50 ] || exit 1; sleep 0.1; i=\$((i+1)); done"
check "delete with images: the disk image is removed" [ ! -f "$T/three.img" ]
check "delete with images: the CD image is kept" [ -f "$T/three.iso" ]
check "status names what was deleted" wait_screen "deleted $T/vms/three.cfg and" 5
quit_panel

# no vmstation.conf anywhere: one is created (XDG) with the demo VM
rm -f "$T/exit"
$TMX kill-session -t p 2>/dev/null
$TMX new-session -d -s p -x 160 -y 30 "cd '$T/run' && env XDG_STATE_HOME='$T/state' \
XDG_CONFIG_HOME='$T/xdg' LANG=C.UTF-8 '$VMST' 2> '$T/stderr'; echo \$? > '$T/exit'; sleep 600"
check "first start: a config is created" wait_for "$T/xdg/vmstation/vmstation.conf" "^vm_dir = " 20 ||
	{ echo "-- screen:"; cap; echo "-- stderr:"; cat "$T/stderr"; echo "-- exit: $(cat "$T/exit" 2>&1)"
	  ls -la "$T/xdg" "$T/xdg/vmstation" 2>&1; $TMX ls 2>&1; }
check "and used by the panel" wait_screen "theme default - $T/xdg/vmstation/vmstation.c" 10
check "with the demo VM, autostarted" wait_screen "demo +(starting|running) +1 +64M" 10
check "the created config parses back" grep -q "^autostart = \[ 'demo' \]" "$T/xdg/vmstation/vmstation.conf"
check "demo.cfg boots the GRUB rescue CD" grep -q "grub-rescue-cdrom.iso" "$T/xdg/vmstation/vms/demo.cfg"
keys K
check "force off the demo" wait_screen "demo +stopped +1 +64M" 20
keys q
check "then quit at once" wait_for "$T/exit" "^0$" 10

# ./vmstation.conf comes before the XDG one
mkdir -p "$T/here/vms"
printf "vm_dir = 'vms'\naudio = 'none'\n" > "$T/here/vmstation.conf"
printf "name = 'local'\nmemory = 16\nvga = 'none'\n" > "$T/here/vms/local.cfg"
rm -f "$T/exit"
$TMX kill-session -t p 2>/dev/null
$TMX new-session -d -s p -x 160 -y 30 "cd '$T/here' && env XDG_STATE_HOME='$T/state' \
XDG_CONFIG_HOME='$T/xdg' LANG=C.UTF-8 '$VMST' 2> '$T/stderr'; echo \$? > '$T/exit'; sleep 600"
check "./vmstation.conf is used before \$XDG_CONFIG_HOME's" wait_screen "theme default - $T/here/vmstation.conf" 10
check "with its vm_dir relative to it" wait_screen "local +stopped +1 +16M" 5
quit_panel
finish
