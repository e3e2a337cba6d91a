# Driving the panel through tmux (sourced by tests/integration/8*_panel*.sh
# after lib.sh). Each test gets its own tmux server, killed when it exits
# (a test adding its own clean-up calls panel_cleanup from its trap).
TMX="tmux -u -L vmst-$(basename "$0" .sh)-$$ -f /dev/null"
panel_cleanup() { $TMX kill-server 2>/dev/null; }
trap panel_cleanup EXIT
# A session that lives as long as the test: tmux's server exits with its last
# session, and a new-session sent while it is exiting (a test restarting the
# panel right after kill-session) can be lost with it.
$TMX new-session -d -s keep "sleep 100000"
cap() { $TMX capture-pane -p -t p; }
keys() { $TMX send-keys -t p "$@"; }
# wait_screen REGEX SECONDS: until the panel shows a matching line
wait_screen() { poll_until "$2" screen_has "$1"; }
screen_has() { cap | grep -qE "$1"; }
# wait_pane REGEX SECONDS: until the right-hand pane's text, its rows joined
# (long lines wrap there, between words), matches
wait_pane() { poll_until "$2" pane_has "$1"; }
pane_has() { cap | awk -F'│' 'NF > 2 { print $(NF - 1) }' | sed 's/ *$//' | tr '\n' ' ' | grep -qE "$1"; }
# the details pane's text (the left-hand one, below the list), its rows joined
# and its spaces squeezed: the figures wrap there when the numbers are long
details_text() { cap | awk -F'│' 'NR > 7 && NF > 4 { print $2 }' | sed 's/ *$//' | tr '\n' ' ' | tr -s ' '; }
details_has() { details_text | grep -qE "$1"; }
# wait_details REGEX SECONDS: until the details pane matches; else print it
wait_details() {
	poll_until "$2" details_has "$1" && return 0
	echo "  details: $(details_text)"
	return 1
}
# to_list: Escape out of a pane, then wait until the pane lets go (a key
# sent at once can be read together with the Escape, as an Alt-key)
to_list() {
	keys Escape
	poll_until 5 pane_let_go
}
pane_let_go() { ! cap | grep -q "Esc: back"; }
# the VM list row of NAME
row() { cap | grep -E "$1 +[a-z]+ +1 +[0-9]+M " | head -1; }
