# tmux.sh - real-terminal tests: trailscope under tmux (120x40), driven
# with send-keys and read back with capture-pane -p: start-up, navigation,
# the diff view, help, hostile data, resize, follow mode and quit.
. tests/tui/common.inc
tmux_setup
make_store "$T/st"

tm new-session -d -s ts -x 120 -y 40 \
	"cd '$T/st' && env TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 '$TRAILSCOPE' open s.db --trust '$PUB'; echo \"exit=\$?\" > '$T/rc'; sleep 30"
check "tmux: start-up shows the timeline" 'timeline · newest first · times in UTC'
check "tmux: status bar verdict" '^ VERIFIED through 8 \(\+0 pending\) +s\.db +row 1 of 8'
keys j j
check "tmux: j moves the cursor" 'row 3 of 8'
keys G
check "tmux: G goes to the last event" 'row 8 of 8'
keys g C-d
check "tmux: Ctrl-D pages half down" 'row [2-9] of 8'
keys g j j j j j Enter
check "tmux: Enter opens the diff view" 'Changes \(3\) · unified'
check "tmux: field diff shown" '^ ~ enabled  \(changed\)'
keys s
check "tmux: s toggles side by side" '│ \+ true'
keys q
check "tmux: q goes back to the timeline" 'TIME \(UTC\)'
keys ?
check "tmux: ? opens help" '^ Everywhere'
keys Escape
check "tmux: Esc leaves help" 'TIME \(UTC\)'
keys g j Enter
check "tmux: hostile data shown escaped" 'mallory\\x1b\]0;PWNED\\x07@evil'
tm capture-pane -p -e -t ts > "$T/pane-e"
if grep -q 'PWNED' "$T/pane-e" && ! grep -q "$(printf '\033]0;')" "$T/pane-e" &&
   ! tm display-message -p -t ts '#{pane_title}' | grep -q PWNED; then
	pass "tmux: hostile escape did not reach the terminal (title unchanged)"
else
	fail "tmux: hostile escape did not reach the terminal (title unchanged)" "$(tm display-message -p -t ts '#{pane_title}')"
fi
keys q
tm resize-window -t ts -x 80 -y 24
check "tmux: resize to 80x24 redraws" '^ VERIFIED through 8 \(\+0 pending\) +s\.db +row 2 of 8$'
lines=$(wc -l < "$T/pane")
expect_eq "tmux: resized screen is 24 lines" "$lines" 24
if [ "$(wc -L < "$T/pane")" -le 80 ]; then pass "tmux: no line wider than 80"
else fail "tmux: no line wider than 80" "$(cat "$T/pane")"; fi
tm resize-window -t ts -x 120 -y 40
check "tmux: resize back to 120x40" 'TIME \(UTC\) +ACTOR +ACTION'

# follow mode: an import by another process shows up at the top
keys g
cat > "$T/st/more.jsonl" <<'JSONL'
{"event_id":"e09","timestamp":"2026-01-12T21:00:00Z","actor":"dave@example.com","action":"flag.update","flag_key":"late_flag","environment":"production","previous_state":{"on":false},"new_state":{"on":true}}
JSONL
(cd "$T/st" && "$TRAILSCOPE" import s.db more.jsonl > "$T/imp.out" 2>&1; echo "rc=$?" >> "$T/imp.out"; grep -q "rc=0" "$T/imp.out") || fail "tmux: import while the TUI runs" "$(cat "$T/imp.out")"
check "tmux: follow mode shows the appended event" 'late_flag' 5
check "tmux: new event is pending in the status bar" '\(\+1 pending\)|event 1 of 9' 5

# the query bar in a real terminal: live count while typing, apply, clear
keys g
keys /
keys -l 'env:production'
check "tmux: / shows a live match count" '^[0-9]+ match(es)?  \(Enter filters' 5
check "tmux: live count is 5 (4 + the appended one)" '^5 matches' 5
keys Enter
check "tmux: Enter applies the filter (status bar)" 'filter: env:production \(5 matches\) +row 1 of 5 filtered'
keys /
keys -l ' (x'
check "tmux: bad query: caret under its column" '^                  \^ col 18: expected' 5
keys C-u
keys -l 'actor:ca'
keys Tab
check "tmux: Tab completes an actor" '^/actor:carol@example\.com' 5
keys Escape
check "tmux: Esc clears the filter" 'filter cleared' 5
check "tmux: every event again" 'deploy-bot' 5
keys /
keys Up
check "tmux: Up recalls the last applied query" '^/env:production' 5
keys C-u
keys -l '/roll\w+/'
check "tmux: a typed backslash shows as typed" '^//roll\\w\+/$' 5
check "tmux: the regex counts" '^[0-9]+ match(es)?  \(Enter filters' 5
keys C-g
# :sql
keys :
keys -l 'sql SELECT count(*) AS n FROM events'
keys Enter
check "tmux: :sql shows its rows" '^ n *$' 5
keys q
# marks and notes
keys g m
check "tmux: m marks" 'marked \(1 marked\)' 5
keys a
keys -l 'checked with the owner'
keys Enter
check "tmux: a adds a note" 'note 1 added to seq' 5
keys M
check "tmux: M lists marks and notes" 'checked with the owner' 5
keys q

keys Q
check "tmux: Q does not quit" "Q does not quit" 5
keys q
if wait_for 'NEVER' 1; then :; fi
i=0; while [ ! -s "$T/rc" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "tmux: q on the timeline quits with status 0" "$(cat "$T/rc" 2>/dev/null)" "exit=0"

# a slow regex over a store big enough for it to take seconds: the screen
# keeps answering ("working...") and Esc cancels it
(cd "$T/st" && "$TRAILSCOPE" gen --events 8000 --seed 5 > big.jsonl &&
	"$TRAILSCOPE" import big.db big.jsonl > /dev/null 2>&1) || fail "tmux: cannot build the big store"
# the new session starts before the old one goes, so the server never
# exits between them (a client racing a dying server fails)
tm rename-session -t ts old 2>/dev/null
tm new-session -d -s ts -x 120 -y 40 \
	"cd '$T/st' && env TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 '$TRAILSCOPE' open big.db; sleep 30"
tm kill-session -t old 2>/dev/null
check "tmux: big store opens" 'row 1 of 8,000'
# a slow regex: the screen keeps answering and Esc cancels it
keys /
keys -l '/.*.*zzz/'
keys Enter
check "tmux: a slow query says it is working" 'working\.\.\. [0-9.]+ s  \(Esc cancels\)' 10
keys Escape
check "tmux: Esc cancels the slow query" 'query cancelled: the filter was not applied' 10
keys q
