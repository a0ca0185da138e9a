# keys.sh - nothing quits by accident: under tmux, with a filter applied,
# Left, h (and q back), Q, Alt-x, unknown escape sequences and Esc Esc leave
# trailscope running (the filter kept, except that Esc clears it); q on a
# view closes only that view; q on the timeline quits with status 0.
. tests/tui/common.inc
tmux_setup
make_store "$T/st"
filtered() { # the pane shows the timeline with the filter's 4 events only
	grep -q 'TIME (UTC)' "$T/pane" && grep -q 'carol@examp' "$T/pane" &&
		! grep -Eq 'deploy-bot|search_rank' "$T/pane"
}
running() { # running NAME: trailscope has not exited and the filter is still on
	sleep 0.4
	i=0
	while [ $i -lt 30 ]; do
		tm capture-pane -p -t ts > "$T/pane" 2>/dev/null
		if [ -s "$T/rc" ] || filtered; then break; fi
		sleep 0.1
		i=$((i + 1))
	done
	if [ -s "$T/rc" ]; then
		fail "$1" "trailscope exited: $(cat "$T/rc")"
	elif filtered; then
		pass "$1"
	else
		fail "$1" "not the filtered timeline:" "$(cat "$T/pane")"
	fi
}

start() { # start TERM
	rm -f "$T/rc"
	# the new session starts before the old one goes, so the server never
	# exits between them (a client racing a dying server fails)
	tm rename-session -t ts old >/dev/null 2>&1
	tm new-session -d -s ts -x 120 -y 40 \
		"cd '$T/st' && env TERM=$1 TZ=UTC LC_ALL=C.UTF-8 '$TRAILSCOPE' open s.db; echo \"exit=\$?\" > '$T/rc'; sleep 30"
	tm kill-session -t old >/dev/null 2>&1
	tm set-option -s escape-time 0 >/dev/null 2>&1
	check "keys ($1): start-up" 'TIME \(UTC\) +ACTOR'
	keys /
	keys -l 'env:production'
	keys Enter
	check "keys ($1): filter applied" 'filter: env:production \(4 matches\)'
}

start xterm-256color
keys Left
running "keys: Left on the timeline does not quit"
check "keys: Left on the timeline says how to quit" 'this is the first view: q quits' 3
keys h
check "keys: h opens the history view" 'history' 3
keys q
check "keys: q on the history view goes back to the timeline" 'TIME \(UTC\) +ACTOR' 3
running "keys: q on a view does not quit"
keys Enter
check "keys: Enter opens the event view" 'Changes \([0-9]+\)' 3
keys Left
check "keys: Left on the event view goes back" 'TIME \(UTC\) +ACTOR' 3
keys Q
running "keys: Q on the timeline does not quit"
check "keys: Q says what quits" 'Q does not quit: q on the timeline' 3
keys Enter Q
check "keys: Q on a view neither quits nor closes it" 'Changes \([0-9]+\)' 3
keys q
keys M-x
running "keys: Alt-x does not quit"
check "keys: Alt-x is reported as not bound" 'Alt-x is not bound' 3
keys j Enter
check "keys: keys work after Alt-x (j moved to the 2nd match)" 'Full rollout without approval' 3
keys q
keys -l "$(printf '\033[1;9G')"
running "keys: an unknown CSI sequence does not quit"
check "keys: the unknown sequence is reported" 'unknown key sequence ignored' 3
keys Enter
check "keys: no byte of the unknown sequence reached the view (its G did not jump)" 'Full rollout without approval' 3
keys q
keys -l "$(printf '\033[99~\033Ox')"
running "keys: unknown CSI ~ and SS3 sequences do not quit"
keys ?
check "keys: ? opens help" 'Only q on the timeline and :q' 3
keys Escape
check "keys: Esc closes help" 'TIME \(UTC\) +ACTOR' 3
running "keys: Esc on a view closes only the view"
keys Escape Escape
check "keys: Esc clears the filter" 'filter and search cleared|no filter or search to clear' 3
check "keys: every event again after Esc" 'deploy-bot' 3
sleep 0.4
if [ -s "$T/rc" ]; then fail "keys: Esc Esc does not quit" "$(cat "$T/rc")"
else pass "keys: Esc Esc does not quit"; fi
sleep 0.3
keys Escape
check "keys: Esc with nothing to clear says how to quit" 'no filter or search to clear: q quits' 3
sleep 0.3 # q at once after Esc would be Alt-q
keys q
i=0; while [ ! -s "$T/rc" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "keys: q on the timeline quits with status 0" "$(cat "$T/rc" 2>/dev/null)" "exit=0"

# a TERM that does not describe the terminal: tmux sends its own Home and
# End sequences, which vt100's terminfo lacks; they must be dropped
start vt100
keys Home End
running "keys (vt100): Home and End unknown to TERM do not quit"
keys :
keys -l q
keys Enter
i=0; while [ ! -s "$T/rc" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "keys: :q quits with status 0" "$(cat "$T/rc" 2>/dev/null)" "exit=0"
