# verdicts.sh - the TUI's verdicts for stores nothing trusted anchors: an
# unsigned store with a pinned key is UNVERIFIABLE in the status bar (in
# the warning colour, never green VERIFIED), the verify view says why,
# and the event view cites no checkpoint row that does not verify.
. tests/tui/common.inc
make_store "$T/st"
# pin the key on the signed store first
printf ':wait-idle\n' | run_screen 100x24 "$T/signed" --trust "$PUB"
expect_grep "signed store: VERIFIED (the key is pinned)" '^ VERIFIED through 8 \(\+0 pending\)' "$T/signed"

# other events (the last five), unsigned, in another store
(cd "$T/st" && tail -n 5 events.jsonl > u.jsonl && "$TRAILSCOPE" import u.db u.jsonl >/dev/null 2>&1)
urun() { # urun COLSxROWS OUT: like run_screen, on u.db
	size=$1 out=$2
	cat > "$T/keys.txt"
	(cd "$T/st" && env COLUMNS="${size%x*}" LINES="${size#*x}" TRAILSCOPE_SCRIPT="$T/keys.txt" \
		TRAILSCOPE_DUMP="$out" "$TRAILSCOPE" open u.db > "$out.raw" 2> "$out.err")
}
printf ':wait-idle\n' | urun 100x24 "$T/u"
expect_grep "unsigned store, pinned key: UNVERIFIABLE in the status bar" \
	'^ UNVERIFIABLE: no trusted checkpoint  u\.db' "$T/u"
expect_nogrep "never VERIFIED through 0" 'VERIFIED through' "$T/u"
printf ':wait-idle\nv\n' | urun 100x24 "$T/uv"
expect_grep "verify view: the verdict says nothing anchors the entries" \
	'Verdict +UNVERIFIABLE: no checkpoint signed by a trusted key anchors the 5 entries' "$T/uv"

# the colour of the status bar, read back from a real terminal (tmux
# capture-pane -e): default theme chain-ok has a green background (71,
# or 42 in 8 colours), chain-warn a yellow one (214, or 43)
tmux_setup
status_line() { # status_line DB: the last line of the pane, with its SGR
	tm new-session -d -s ts -x 120 -y 20 \
		"cd '$T/st' && env TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 '$TRAILSCOPE' open $1; sleep 30"
	wait_for '^ (VERIFIED|UNVERIFIABLE|FAILED)' 10 || :
	tm capture-pane -e -p -t ts | grep -a 'VERIFIED\|UNVERIFIABLE\|FAILED' | tail -1
	tm kill-session -t ts
}
status_line s.db > "$T/s-status"
expect_grep "tmux: VERIFIED in chain-ok green" '(42|48;5;71)m VERIFIED through 8' "$T/s-status"
status_line u.db > "$T/u-status"
expect_grep "tmux: unsigned store UNVERIFIABLE in chain-warn yellow" '(43|48;5;214)m UNVERIFIABLE: no trusted checkpoint' "$T/u-status"
expect_nogrep "tmux: and nothing green on it" '(\[42|48;5;71)m' "$T/u-status"

# a checkpoint row signed by a foreign key is not cited as cover
(cd "$T/st" && "$TRAILSCOPE" keygen foreign.example/k --out fk >/dev/null &&
	"$TRAILSCOPE" checkpoint u.db --key fk/foreign.example_k.key >/dev/null 2>&1)
printf ':wait-idle\n<Enter>\n' | urun 120x30 "$T/ue"
expect_grep "event view: a foreign-signed row is not cover" \
	'Proof +not covered by a verified checkpoint: checkpoint 5 is UNTRUSTED' "$T/ue"
expect_nogrep "event view: no 'covered by' for it" 'covered by signed checkpoint' "$T/ue"
printf ':wait-idle\n<Enter>\n' | run_screen 120x30 "$T/se"
expect_grep "event view: a verified checkpoint is cover" \
	'Proof +covered by signed checkpoint 8: VERIFIED' "$T/se"

