# screen.sh - scripted screen tests: keys in (TRAILSCOPE_SCRIPT), the final
# screen out (TRAILSCOPE_DUMP), compared with tests/tui/expected/*.txt.
# Pinned: TERM, size, TZ=UTC, LC_ALL=C.UTF-8, HOME and XDG state.
. tests/tui/common.inc
make_store "$T/st"
cp "$T/st/s.db" "$T/pristine.db"

printf ':wait-idle\n' | run_screen 80x24 "$T/tl80" --trust "$PUB"
expect_eq "start-up exits 0" "$(cat "$T/tl80.rc")" 0
expect_screen timeline-80x24 "$T/tl80"

printf ':wait-idle\n' | run_screen 120x40 "$T/tl120"
expect_screen timeline-120x40 "$T/tl120"

printf ':wait-idle\nj\nj\nj\nj\nj\n<Enter>\n' | run_screen 100x40 "$T/ev"
expect_screen event-unified "$T/ev"

printf ':wait-idle\nj\nj\nj\nj\nj\n<Enter>\ns\n' | run_screen 100x40 "$T/evs"
expect_screen event-side-by-side "$T/evs"

printf ':wait-idle\nj\nj\nj\nj\nj\nh\nk\nm\nj\nj\nm\n' | run_screen 100x30 "$T/hist"
expect_screen history-marks "$T/hist"

printf ':wait-idle\nj\nj\nj\nh\ng\n' | run_screen 100x30 "$T/unk"
expect_screen history-unknown-before "$T/unk"

printf ':wait-idle\nv\n' | run_screen 100x24 "$T/ver"
expect_screen verify-view "$T/ver"

printf ':wait-idle\n?\n' | run_screen 100x50 "$T/help"
expect_screen help "$T/help"

printf ':wait-idle\nj\n<Enter>\n' | run_screen 100x30 "$T/hostile"
expect_screen hostile-event "$T/hostile"
if grep -q "$(printf '\033]0;PWNED')" "$T/hostile.raw" || grep -q "$(printf '\342\200\256')" "$T/hostile.raw" ||
   grep -q "$(printf '\033\\[5m')" "$T/hostile.raw"; then
	fail "hostile data never reaches the terminal raw" "raw escape or bidi override in the output"
else
	pass "hostile data never reaches the terminal raw"
fi
expect_grep "hostile escape shown escaped" 'mallory\\x1b\]0;PWNED\\x07@evil' "$T/hostile"

printf ':wait-idle\nt\n:type 2026-01-12 15:30\n<Enter>\n' | run_screen 100x24 "$T/jump"
expect_screen jump-time "$T/jump"
printf ':wait-idle\nG\nt\n:type +3h\n<Enter>\n' | run_screen 100x24 "$T/jumprel"
expect_grep "relative jump lands on the cursor + 3h" '^ (01-12|2026-01-12) 14:32:08' "$T/jumprel"
printf ':wait-idle\nt\n:type 2026-02-30 10:00\n<Enter>\n' | run_screen 100x24 "$T/jumpbad"
expect_grep "bad time is refused with a reason" "bad time '2026-02-30 10:00': impossible date" "$T/jumpbad"

printf ':wait-idle\nj\nj\n:resize 80 24\n' | run_screen 120x40 "$T/resize"
expect_screen resize-120-to-80 "$T/resize"

printf ':wait-idle\nG\n<C-u>\n<PgDn>\n<PgUp>\ng\n<Down>\n<Up>\n<End>\n<Home>\n:click 5 10\n' | run_screen 80x24 "$T/nav"
expect_grep "click selects a row (row 3 of 8)" 'row 3 of 8' "$T/nav"

printf ':wait-idle\no\n' | run_screen 100x24 "$T/oldest"
expect_grep "o: oldest first" 'oldest first' "$T/oldest"
printf ':wait-idle\n' | run_screen 100x24 "$T/oldest2" --oldest-first
expect_grep "--oldest-first starts at the oldest" '^ 2026-01-12 09:00:00' "$T/oldest2"

# trust: without --trust (fresh state dir: nothing pinned) it is unverifiable
rm -rf "$XDG_STATE_HOME"
printf ':wait-idle\n' | run_screen 100x24 "$T/untrusted"
expect_grep "status: UNVERIFIABLE without a trusted key" 'UNVERIFIABLE: no trusted key' "$T/untrusted"
printf ':wait-idle\n' | run_screen 100x24 "$T/trusted" --trust "$PUB"
expect_grep "status: VERIFIED with --trust" 'VERIFIED through 8 \(\+0 pending\)' "$T/trusted"
printf ':wait-idle\n' | run_screen 100x24 "$T/pinned"
expect_grep "--trust pins the key like verify does" 'VERIFIED through 8' "$T/pinned"

# browsing never changes a byte of the store
expect_eq "store unchanged by browsing" "$(cmp "$T/st/s.db" "$T/pristine.db" && echo same)" same

# themes
for th in default light high-contrast monochrome; do
	printf ':wait-idle\n' | run_screen 80x24 "$T/th-$th" --theme "$th"
	expect_nogrep "theme $th loads" 'theme used' "$T/th-$th"
done
printf 'default 1 2\nheader 231/white 24/blue bold\ndiff-added chartreuse default\n' > "$T/st/bad.theme"
printf ':wait-idle\n' | run_screen 120x24 "$T/badtheme" --theme ./bad.theme
expect_grep "bad theme: error with its line number" "default theme used: .*bad.theme:3: bad colour 'chartreuse'" "$T/badtheme"
expect_grep "bad theme: error repeated on stderr" "bad.theme:3: bad colour 'chartreuse'" "$T/badtheme.err"
printf ':wait-idle\n' | run_screen 100x24 "$T/notheme" --theme nosuch
expect_grep "unknown theme: error" "no theme named 'nosuch'" "$T/notheme"
printf ':wait-idle\nT\n' | run_screen 100x24 "$T/cycle"
expect_grep "T cycles to the next theme" 'theme: ' "$T/cycle"
printf ':wait-idle\n' | (export NO_COLOR=1; run_screen 80x24 "$T/nocolor")
if grep -q "$(printf '\033\\[3[0-9]m')\|38;5;" "$T/nocolor.raw"; then
	fail "NO_COLOR: no colour sequences" "found SGR colour codes"
else
	pass "NO_COLOR: no colour sequences"
fi
printf ':wait-idle\n' | run_screen 80x24 "$T/color"
expect_grep "colours are used without NO_COLOR" "$(printf '\033\\[')(38;5;|3[0-9]m)" "$T/color.raw"

# tampering: FAILED in the status bar, the fault in the verify view, Enter opens it
cp "$T/st/s.db" "$T/st/t.db"
sqlite3 "$T/st/t.db" "DROP TRIGGER entries_no_update; UPDATE entries SET actor = 'eve@example.com' WHERE seq = 3;"
cat > "$T/keys.txt" <<'K'
:wait-idle
v
K
(cd "$T/st" && env COLUMNS=100 LINES=24 TRAILSCOPE_SCRIPT="$T/keys.txt" TRAILSCOPE_DUMP="$T/tamper" \
	"$TRAILSCOPE" open t.db --trust "$PUB" > /dev/null 2>&1)
expect_grep "tampered: FAILED in the status bar" '^ FAILED: [0-9]+ fault' "$T/tamper"
expect_grep "tampered: fault located" 'MODIFIED +seq 3' "$T/tamper"
printf ':wait-idle\nv\n<Enter>\n' > "$T/keys.txt"
(cd "$T/st" && env COLUMNS=100 LINES=24 TRAILSCOPE_SCRIPT="$T/keys.txt" TRAILSCOPE_DUMP="$T/tamper2" \
	"$TRAILSCOPE" open t.db --trust "$PUB" > /dev/null 2>&1)
expect_grep "Enter on a fault opens the event" '^ event · seq 3 ' "$T/tamper2"
expect_grep "the event shows its fault" 'Proof +MODIFIED' "$T/tamper2"

# ---- the query bar (/), search (s, n, p), commands (:) ----
# bar_screen COLSxROWS OUT ARGS...: like run_screen, but the screen is dumped
# by the script's own ":dump" line (the bar is gone once the script ends)
bar_screen() {
	size=$1 out=$2; shift 2
	{ cat; echo ":dump $out"; } > "$T/keys.txt"
	(cd "$T/st" && env COLUMNS="${size%x*}" LINES="${size#*x}" TRAILSCOPE_SCRIPT="$T/keys.txt" \
		"$TRAILSCOPE" open s.db "$@" > "$out.raw" 2> "$out.err")
	echo $? > "$out.rc"
}
rm -rf "$XDG_STATE_HOME"
printf ':wait-idle\n/\n:type env:production\n:wait-idle\n' | bar_screen 100x24 "$T/q-live" --trust "$PUB"
expect_screen query-live-count "$T/q-live"
printf ':wait-idle\n/\n:type env:production\n<Enter>\n:wait-idle\n' | run_screen 100x24 "$T/q-apply"
expect_screen filter-applied "$T/q-apply"
expect_grep "filter: status bar shows the filter and its count" 'filter: env:production \(4 matches\) +row 1 of 4 filtered$' "$T/q-apply"
expect_nogrep "filter: only matching rows" 'staging|deploy-bot' "$T/q-apply"
printf ':wait-idle\n/\n:type env:production\n<Enter>\nG\nk\n:wait-idle\n' | run_screen 100x24 "$T/q-page"
expect_grep "filter: paging keeps the count" 'row 3 of 4 filtered$' "$T/q-page"
printf ':wait-idle\n/\n:type env:production\n<Enter>\n<Esc>\n' | run_screen 100x24 "$T/q-clear"
expect_grep "Esc on the timeline clears the filter" 'filter and search cleared' "$T/q-clear"
expect_grep "cleared: every event again" 'deploy-bot' "$T/q-clear"
printf ':wait-idle\n/\n:type env:production\n<Enter>\n/\n<Esc>\nj\n:wait-idle\n' | run_screen 100x24 "$T/q-clear2"
expect_grep "Esc in the bar clears the filter (cursor stays on its event)" 'row 4 of 8$' "$T/q-clear2"
printf ':wait-idle\n/\n:type (actor:alice OR target:x\n:wait-idle\n' | bar_screen 100x24 "$T/q-bad"
expect_screen query-error-caret "$T/q-bad"
expect_grep "bad query: caret under column 25" "^                         \\^ col 25: expected '\\)'" "$T/q-bad"
printf ':wait-idle\n/\n:type (actor:alice OR target:x\n<Enter>\n:wait-idle\n' | bar_screen 100x24 "$T/q-bad2"
expect_grep "bad query: Enter keeps the bar open at the error" "^/\\(actor:alice OR target:x" "$T/q-bad2"
# history: the queries applied above, newest last, in the state directory;
# a refused query is not kept, nor a copy that differs only in blanks
expect_grep "history file in \$XDG_STATE_HOME/trailscope" '^env:production$' "$XDG_STATE_HOME/trailscope/query_history"
expect_nogrep "history skips a refused query" 'actor:alice OR target:x' "$XDG_STATE_HOME/trailscope/query_history"
expect_eq "history keeps one copy of a query" "$(grep -c '^env:production$' "$XDG_STATE_HOME/trailscope/query_history")" 1
printf ':wait-idle\n/\n:type env:staging  actor:bob*\n<Enter>\n/\n<C-u>\n:type   env:staging actor:bob*  \n<Enter>\n' | run_screen 100x24 "$T/q-hist0"
expect_eq "history: blanks apart, one copy" "$(grep -c 'env:staging' "$XDG_STATE_HOME/trailscope/query_history")" 1
expect_eq "history: kept with single blanks" "$(tail -1 "$XDG_STATE_HOME/trailscope/query_history")" "env:staging actor:bob*"
printf ':wait-idle\n/\n<Up>\n:wait-idle\n' | bar_screen 100x24 "$T/q-hist1"
expect_grep "Up recalls the newest query" '^/env:staging actor:bob\* *$' "$T/q-hist1"
printf ':wait-idle\n/\n<Up>\n<Up>\n:wait-idle\n' | bar_screen 100x24 "$T/q-hist2"
expect_grep "Up again recalls an older one" '^/env:production *$' "$T/q-hist2"
printf ':wait-idle\n/\n:type act\n<Up>\n<Down>\n:wait-idle\n' | bar_screen 100x24 "$T/q-hist3"
expect_grep "Down returns to the draft" '^/act *$' "$T/q-hist3"
i=0; while [ $i -lt 600 ]; do echo "q$i"; i=$((i + 1)); done > "$XDG_STATE_HOME/trailscope/query_history"
printf ':wait-idle\n/\n:type env:dev\n<Enter>\n' | run_screen 100x24 "$T/q-hist4"
expect_eq "history is bounded (500 lines)" "$(wc -l < "$XDG_STATE_HOME/trailscope/query_history" | tr -d ' ')" 500
expect_eq "history: newest last" "$(tail -1 "$XDG_STATE_HOME/trailscope/query_history")" "env:dev"
# Tab completion from the store
printf ':wait-idle\n/\n:type actor:ca\n<Tab>\n:wait-idle\n' | bar_screen 100x24 "$T/q-tab1"
expect_grep "Tab completes an actor" '^/actor:carol@example\.com *$' "$T/q-tab1"
expect_grep "the completed query is counted" '^1 match ' "$T/q-tab1"
printf ':wait-idle\n/\n:type targ\n<Tab>\n:wait-idle\n' | bar_screen 100x24 "$T/q-tab2"
expect_grep "Tab lists the keys it could be" 'target-kind:  target:|target:  target-kind:' "$T/q-tab2"
printf ':wait-idle\n/\n:type target:pay\n<Tab>\n:wait-idle\n' | bar_screen 100x24 "$T/q-tab3"
expect_grep "Tab completes a target" '^/target:payments_new_flow *$' "$T/q-tab3"
printf ':wait-idle\n/\n:type changed:rollo\n<Tab>\n:wait-idle\n' | bar_screen 100x24 "$T/q-tab4"
expect_grep "Tab completes a field path" '^/changed:rollout_pct *$' "$T/q-tab4"
# search: every row stays, n / p step between matches
printf ':wait-idle\ns\n:type target:payments_new_flow\n<Enter>\n<C-l>\n:wait-idle\n' | run_screen 100x24 "$T/s1"
expect_grep "search: first match after the cursor" 'row 4 of 8$' "$T/s1"
expect_grep "search: rows are not filtered" 'deploy-bot' "$T/s1"
printf ':wait-idle\ns\n:type target:payments_new_flow\n<Enter>\nn\nn\n<C-l>\n:wait-idle\n' | run_screen 100x24 "$T/s2"
expect_grep "n: next match" 'row 8 of 8$' "$T/s2"
printf ':wait-idle\ns\n:type target:payments_new_flow\n<Enter>\nn\nn\nn\n' | run_screen 100x24 "$T/s3"
expect_grep "n past the last match says so" 'no more matches below the cursor' "$T/s3"
printf ':wait-idle\ns\n:type target:payments_new_flow\n<Enter>\nn\np\n<C-l>\n:wait-idle\n' | run_screen 100x24 "$T/s4"
expect_grep "p: previous match" 'row 4 of 8$' "$T/s4"
# a slow regex over everything never freezes the screen: Esc cancels it
( cd "$T/st" && "$TRAILSCOPE" gen --events 8000 --seed 5 > big.jsonl && "$TRAILSCOPE" import big.db big.jsonl > /dev/null 2>&1 )
cat > "$T/keys.txt" <<'K'
:wait-idle
/
:type /.*.*zzz/
<Enter>
<Esc>
K
# the time of the / key (the bar, the query and its cancelling), not of the
# start-up's verification, which a loaded machine or a sanitizer slows
(cd "$T/st" && env COLUMNS=100 LINES=24 TRAILSCOPE_SCRIPT="$T/keys.txt" TRAILSCOPE_DUMP="$T/slow" \
	TRAILSCOPE_TIMING="$T/slow.timing" "$TRAILSCOPE" open big.db > /dev/null 2>&1)
expect_grep "slow regex: cancelled with Esc" 'query cancelled: the filter was not applied' "$T/slow"
expect_nogrep "slow regex: no filter left behind" 'filter:' "$T/slow"
slow_ms=$(awk '$1 == "/" { print int($2) }' "$T/slow.timing" 2>/dev/null)
expect_eq "slow regex: cancelled at once, not run to the end" "$(( ${slow_ms:-99999} < 5000 ))" 1
# :sql, :goto, :theme, unknown commands
printf ':wait-idle\n:\n:type sql SELECT actor, count(*) AS n FROM events GROUP BY actor ORDER BY n DESC, actor\n<Enter>\n' |
	run_screen 100x24 "$T/sql"
expect_screen sql-view "$T/sql"
printf ':wait-idle\n:\n:type sql DELETE FROM entries\n<Enter>\n' | run_screen 100x24 "$T/sqlw"
expect_grep ":sql refuses writes" 'sql: not authorized' "$T/sqlw"
printf ':wait-idle\n:\n:type goto 3\n<Enter>\n' | run_screen 100x24 "$T/goto"
expect_grep ":goto SEQ moves the cursor" '^ 2026-01-12 14:32:08 user-234' "$T/goto"
expect_grep ":goto SEQ says where" 'seq 3$' "$T/goto"
printf ':wait-idle\n:\n:type goto 99\n<Enter>\n' | run_screen 100x24 "$T/goto2"
expect_grep ":goto beyond the store" "goto: '99' is not a seq from 1 to 8" "$T/goto2"
printf ':wait-idle\n:\n:type theme light\n<Enter>\n' | run_screen 100x24 "$T/cth"
expect_grep ":theme NAME" 'theme: light' "$T/cth"
printf ':wait-idle\n:\n:type frobnicate\n<Enter>\n' | run_screen 100x24 "$T/cbad"
expect_grep "unknown command" "unknown command ':frobnicate'" "$T/cbad"
printf ':wait-idle\n:\n:type q\n<Enter>\n:dump %s\n' "$T/cq-after" | run_screen 100x24 "$T/cq"
expect_eq ":q quits (exit 0)" "$(cat "$T/cq.rc")" 0
if [ -s "$T/cq-after" ]; then fail ":q quits before the next script line"; else pass ":q quits before the next script line"; fi

# summaries: JSON escapes decoded, then shown escaped once
printf ':wait-idle\n' | run_screen 120x24 "$T/sum"
expect_grep "summary: a control character shows as \\x1b" 'x: "a" → "\\x1b\[2J\\x1b\[31mred' "$T/sum"
expect_nogrep "summary: no doubled backslashes" '\\\\u001b' "$T/sum"
# wide badges: a fixed slot for each signal the page raises (R H S P here;
# A and T, raised by no row, take no room)
expect_grep "risk badges: mass rollout and production, in their slots" '16:45:00 .* R     P$' "$T/sum"
expect_grep "risk badges: after hours, service account" '19:30:00 .* H S *$' "$T/sum"

# ---- incidents and correlation (i) ----
expect_status "incident import exists" 0 ts incident import --help
( cd "$T/st" && "$TRAILSCOPE" gen --events 3000 --seed 3 --incidents inc.jsonl > g.jsonl &&
	"$TRAILSCOPE" import g.db g.jsonl > /dev/null 2>&1 &&
	"$TRAILSCOPE" incident import g.db inc.jsonl > /dev/null 2>&1 ) || fail "cannot build the incident store"
planted=$(sed -n 's/.*"planted_cause":"\([^"]*\)".*/\1/p' "$T/st/inc.jsonl" | head -1)
inc_screen() { # inc_screen COLSxROWS OUT [ARGS...]: keys on stdin, store g.db
	size=$1 out=$2; shift 2
	cat > "$T/keys.txt"
	(cd "$T/st" && env COLUMNS="${size%x*}" LINES="${size#*x}" TRAILSCOPE_SCRIPT="$T/keys.txt" \
		TRAILSCOPE_DUMP="$out" "$TRAILSCOPE" open g.db "$@" > "$out.raw" 2>&1)
}
printf ':wait-idle\ni\n' | inc_screen 120x24 "$T/inc"
expect_screen incidents-view "$T/inc"
printf ':wait-idle\ni\n<Enter>\n' | inc_screen 120x40 "$T/cor"
expect_screen correlation-view "$T/cor"
expect_grep "correlation: score bars and reasons" '^ #1   ██████████ ' "$T/cor"
expect_grep "correlation: reasons under each candidate" '^        \+0\.[0-9]+ ' "$T/cor"
printf ':wait-idle\ni\n<Enter>\n<Enter>\n' | inc_screen 120x40 "$T/cor-ev"
expect_grep "correlation: Enter opens the change's diff" '^ event · seq [0-9]+ ' "$T/cor-ev"
expect_grep "correlation: the #1 candidate is the planted cause" "$planted" "$T/cor-ev"
printf ':wait-idle\ni\n<Enter>\nq\nq\n:wait-density\n' | inc_screen 120x24 "$T/cor-tl"
expect_grep "timeline title names the incident whose window is shaded" 'INC-0001 window shaded' "$T/cor-tl"
# the shading: a theme gives density-incident a background nothing else uses
printf 'density-incident default 6/cyan\n' > "$T/st/inc.theme"
printf ':wait-idle\n:wait-density\n' | inc_screen 120x24 "$T/shade0" --theme ./inc.theme
printf ':wait-idle\ni\n<Enter>\nq\nq\n:wait-density\n' | inc_screen 120x24 "$T/shade1" --theme ./inc.theme
if ! grep -q "$(printf '\033\\[')"'\(46\|48;5;6\)m' "$T/shade0.raw" &&
   grep -q "$(printf '\033\\[')"'\(46\|48;5;6\)m' "$T/shade1.raw"; then
	pass "density strip: the incident window is shaded (density-incident role)"
else
	fail "density strip: the incident window is shaded (density-incident role)"
fi

# ---- marks, notes, export (m, M, N, e) ----
cp "$T/st/s.db" "$T/pristine.db"
printf ':wait-idle\nm\nj\nj\nm\na\n:type Enabled in prod: check ticket\n<Enter>\n' | run_screen 100x24 "$T/mk"
expect_grep "a: note saved" 'note 1 added to seq 6' "$T/mk"
expect_grep "m: marked events show in the gutter" '^\*2026-01-12 19:30:00' "$T/mk"
printf ':wait-idle\nM\n' | run_screen 100x24 "$T/mlist"
expect_grep "M lists marks" '^ Marked events \(2\)' "$T/mlist"
expect_grep "M: marked event listed" '^ \* seq 8 ' "$T/mlist"
expect_grep "M: the note under its event" 'note 1 · .*: Enabled in prod: check ticket' "$T/mlist"
expect_eq "marks live in the case file, not the store" "$(sqlite3 "$T/st/s.db.case" 'SELECT group_concat(seq) FROM (SELECT seq FROM marks ORDER BY seq)' 2>/dev/null || echo '?')" "6,8"
expect_eq "store unchanged by marking" "$(cmp "$T/st/s.db" "$T/pristine.db" && echo same)" same
printf ':wait-idle\nM\nj\nm\n' | run_screen 100x24 "$T/munmark"
expect_grep "m in the marks list unmarks" 'seq 8 unmarked \(1 marked\)' "$T/munmark"
printf ':wait-idle\nm\n' | run_screen 100x24 "$T/mremark"
# export through the dialog: marked events, case id, examiner, directory
cat > "$T/keys.txt" <<K
:wait-idle
e
<Enter>
:type CASE-7
<Enter>
<Down>
<Enter>
<C-u>
:type Examiner One
<Enter>
<Down>
<Enter>
<C-u>
:type $T/bundle1
<Enter>
<Down>
<Enter>
:type $T/st/keys/example.org_audit.key
<Enter>
<C-x>
:wait-idle
K
(cd "$T/st" && env COLUMNS=120 LINES=30 TRAILSCOPE_SCRIPT="$T/keys.txt" TRAILSCOPE_DUMP="$T/exp" \
	"$TRAILSCOPE" open s.db > /dev/null 2>&1)
expect_grep "export dialog: scope marked events" 'Scope +marked events \(2\)' "$T/exp"
expect_grep "export dialog: nothing pending, store only read" 'Every event is covered by a checkpoint' "$T/exp"
expect_grep "export dialog: result" 'Done  Exported 2 events to .*bundle1' "$T/exp"
digest=$(sha256sum "$T/bundle1/manifest-sha256.txt" 2>/dev/null | cut -c1-40)
expect_grep "export dialog: manifest digest shown" "${digest:-NODIGEST}" "$T/exp"
expect_status "exported bundle verifies" 0 ts bundle verify "$T/bundle1" --trust "$PUB"
expect_grep "bundle holds the note" 'Enabled in prod: check ticket' "$T/bundle1/data/notes.md"
expect_eq "store unchanged by export" "$(cmp "$T/st/s.db" "$T/pristine.db" && echo same)" same
# pending events: the dialog says so; without a key export is refused, with one it signs a checkpoint
cp "$T/st/s.db" "$T/st/p.db"
cp "$T/st/s.db.case" "$T/st/p.db.case"
printf '{"event_id":"e10","timestamp":"2026-01-12T22:00:00Z","actor":"erin@example.com","action":"flag.update","flag_key":"late","environment":"production","previous_state":{"on":false},"new_state":{"on":true}}\n' > "$T/st/late.jsonl"
(cd "$T/st" && "$TRAILSCOPE" import p.db late.jsonl > /dev/null 2>&1)
cat > "$T/keys.txt" <<K
:wait-idle
g
m
e
<Enter>
:type CASE-8
<Enter>
<Down>
<Enter>
<C-u>
:type Examiner Two
<Enter>
<Down>
<Enter>
<C-u>
:type $T/bundle2
<Enter>
<C-x>
:wait-idle
:dump $T/exp2-nokey
<Down>
<Enter>
:type $T/st/keys/example.org_audit.key
<Enter>
<C-x>
:wait-idle
K
(cd "$T/st" && env COLUMNS=120 LINES=30 TRAILSCOPE_SCRIPT="$T/keys.txt" TRAILSCOPE_DUMP="$T/exp2" \
	"$TRAILSCOPE" open p.db > /dev/null 2>&1)
expect_grep "pending: the dialog says a key file is needed" '1 event is after the newest checkpoint \(size 8\)' "$T/exp2-nokey"
expect_grep "pending: export without a key is refused" 'Failed ' "$T/exp2-nokey"
expect_grep "pending: with a key file, export signs a checkpoint" 'checkpoint size 9 \(signed now\); custody signed' "$T/exp2"
expect_status "pending: that bundle verifies" 0 ts bundle verify "$T/bundle2" --trust "$PUB"
# a store that FAILED verification: the dialog shows the verdict and does not
# claim coverage; export needs "yes" typed, then the bundle records the faults
cp "$T/st/s.db" "$T/st/f.db"
sqlite3 "$T/st/f.db" "DROP TRIGGER entries_no_update; UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), 'search_rank', 'search_RANK') AS BLOB) WHERE event_id = 'e04'"
cp "$T/st/s.db.case" "$T/st/f.db.case"
cat > "$T/keys.txt" <<K
:wait-idle
e
<Enter>
:type CASE-9
<Enter>
<Down>
<Enter>
<C-u>
:type Examiner Three
<Enter>
<Down>
<Enter>
<C-u>
:type $T/bundle3
<Enter>
<Down>
<Enter>
:type $T/st/keys/example.org_audit.key
<Enter>
:dump $T/expf-dialog
<C-x>
:type no
<Enter>
:dump $T/expf-no
<C-x>
:type yes
<Enter>
:wait-idle
K
(cd "$T/st" && env COLUMNS=120 LINES=30 TRAILSCOPE_SCRIPT="$T/keys.txt" TRAILSCOPE_DUMP="$T/expf" \
	"$TRAILSCOPE" open f.db > /dev/null 2>&1)
expect_grep "failed store: the dialog shows the verdict" 'Store +FAILED verification: [0-9]+ faults? \(v lists them\)' "$T/expf-dialog"
expect_nogrep "failed store: no claim of coverage" 'Every event is covered by a checkpoint' "$T/expf-dialog"
expect_grep "failed store: coverage not claimed, said why" 'after the newest checkpoint, but the store is not verified' "$T/expf-dialog"
expect_grep "failed store: anything but yes does not export" 'not exported: the store FAILED verification' "$T/expf-no"
expect_nogrep "failed store: no export started before yes" 'Exported|exporting|Failed ' "$T/expf-no"
expect_grep "failed store: yes exports" 'Done  Exported 2 events to .*bundle3' "$T/expf"
expect_grep "failed store: the bundle records FAILED" '^Trailscope-Store-Verdict: FAILED$' "$T/bundle3/bag-info.txt"
expect_grep "failed store: the bundle records the fault" '^Trailscope-Store-Fault: MODIFIED seq 4: leaf does not match its leaf_hash$' "$T/bundle3/bag-info.txt"
expect_status "failed store: bundle verify says so" 0 ts bundle verify "$T/bundle3" --trust "$PUB"
expect_grep "failed store: verdict line" 'MADE FROM A STORE THAT FAILED VERIFICATION' "$T/out"


# errors before the screen starts
expect_status "missing store: exit 5" 5 ts open "$T/nope.db"
expect_status "no store: usage" 3 ts open
expect_status "--help" 0 ts open --help
expect_status "foreign file refused" 5 ts open testdata/foreign.db

# Outcomes and unrecorded states, from real samples (../shared/samples,
# SOURCES.md there): CloudTrail 07 is a failed UpdateTrail (errorCode), the
# Kubernetes secret create is logged at Metadata level (no state).
mkdir -p "$T/oc"
cp "$SHARED/samples/cloudtrail/07-cloudtrail-UpdateTrail-errorCode.json" "$SHARED/samples/k8s-falco/create_secret.json" \
	"$SHARED/samples/cloudtrail/04-iam-CreateUser.json" "$T/oc/"
(cd "$T/oc" && "$TRAILSCOPE" import s.db 07-cloudtrail-UpdateTrail-errorCode.json create_secret.json \
	04-iam-CreateUser.json --quiet) || fail "cannot build the outcome store"
printf ':wait-idle\n' | SCREEN_DIR=$T/oc run_screen 120x10 "$T/octl"
expect_screen timeline-outcome "$T/octl"
printf ':wait-idle\nj\n<Enter>\n' | SCREEN_DIR=$T/oc run_screen 100x40 "$T/ocfail"
expect_screen event-failed-not-recorded "$T/ocfail"
printf ':wait-idle\n<Enter>\n' | SCREEN_DIR=$T/oc run_screen 100x40 "$T/ocmeta"
expect_grep "Metadata-level event: state not recorded, not 'no field changed'" \
	'\? state not recorded by this source' "$T/ocmeta"
expect_nogrep "Metadata-level event: never 'no field changed'" 'no field changed' "$T/ocmeta"

# The history view says where the recorded history does not chain (g5 starts
# from "off", g4 left "on") and marks the failed request
mkdir -p "$T/gap"
cat > "$T/gap/ev.jsonl" <<'EOF'
{"event_id":"g1","timestamp":"2026-01-12T10:00:00Z","actor":"a@x","flag_key":"f","environment":"production","previous_state":"off","new_state":"on","outcome":{"status":"failure","code":"403","message":"not allowed"}}
{"event_id":"g4","timestamp":"2026-01-12T10:03:00Z","actor":"a@x","flag_key":"f","environment":"production","previous_state":"off","new_state":"on"}
{"event_id":"g5","timestamp":"2026-01-12T10:04:00Z","actor":"b@x","flag_key":"f","environment":"production","previous_state":"off","new_state":"on"}
EOF
(cd "$T/gap" && "$TRAILSCOPE" import s.db ev.jsonl --quiet) || fail "cannot build the gap store"
printf ':wait-idle\nh\n' | SCREEN_DIR=$T/gap run_screen 100x20 "$T/gaphist"
expect_screen history-gap "$T/gaphist"

# a version 3 leaf's raw record (entry_text.raw) edited behind the triggers:
# the event view does not show the edited text, it says why
mkdir -p "$T/rawx"
cp "$T/pristine.db" "$T/rawx/s.db"
sqlite3 "$T/rawx/s.db" "DROP TRIGGER entry_text_no_update;
	UPDATE entry_text SET raw = replace(raw, 'JIRA-9876', 'JIRA-0000') WHERE seq = 3"
printf ':wait-idle\nj\nj\nj\nj\nj\n<Enter>\n' | SCREEN_DIR=$T/rawx run_screen 100x40 "$T/rawx-ev"
expect_grep "edited raw record: the event view says so" \
	"the raw record in entry_text does not match the leaf's raw_sha256: run verify" "$T/rawx-ev"
expect_nogrep "edited raw record: not shown" 'JIRA-0000' "$T/rawx-ev"
