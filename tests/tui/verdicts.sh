# verdicts.sh - the TUI's verdicts for stores nothing trusted anchors: an
# unsigned store with a pinned key is UNVERIFIABLE in the status bar (in
# the warning colour, never green VERIFIED), the verify view says why,
# and the event view cites no checkpoint row that does not verify.
. tests/tui/common.inc
make_store "$T/st"
# pin the key on the signed store first
printf ':wait-idle\n' | run_screen 100x24 "$T/signed" --trust "$PUB"
expect_grep "signed store: VERIFIED (the key is pinned)" '^ VERIFIED through 8 \(\+0 pending\)' "$T/signed"
# the colour drawn just before the verdict text (default theme: chain-ok
# green, chain-warn yellow backgrounds)
verdict_sgr() { LC_ALL=C grep -ao "$(printf '\033')\\[4[0-9]m $1" "$2" | tail -1 | cut -c2-5; }
expect_eq "VERIFIED is drawn green (chain-ok)" "$(verdict_sgr VERIFIED "$T/signed.raw")" "[42m"

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
expect_eq "drawn in the warning colour (chain-warn), not green" "$(verdict_sgr UNVERIFIABLE "$T/u.raw")" "[43m"
printf ':wait-idle\nv\n' | urun 100x24 "$T/uv"
expect_grep "verify view: the verdict says nothing anchors the entries" \
	'Verdict +UNVERIFIABLE: no checkpoint signed by a trusted key anchors the 5 entries' "$T/uv"

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
