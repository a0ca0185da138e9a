# pg.sh - the TUI on a PostgreSQL store (docs/TUI.md, docs/STORE.md
# "PostgreSQL stores"), on a private server (tests/pg/server.sh).
# Scripted screens: every view drawn from the server is the screen drawn
# from the store's SQLite copy, but for the store's name in the status
# bar. A real terminal (tmux): the URI's password never shows; a filter,
# :sql (and its refusal of a write), the verify view, marks without a
# case file, and an import by another process followed live through
# LISTEN/NOTIFY. Fails, not skips, without PostgreSQL or tmux.
. tests/tui/common.inc
. tests/pg/server.sh

PW=Tui-8d2e-secret

# screen_pair NAME SIZE: the keys on stdin drive the TUI over the server
# and over the SQLite copy; the two screens must be the same once the
# status bar's store name is the same.
screen_pair() {
	cat > "$T/pair.keys"
	run_screen "$2" "$T/$1.lite" --trust "$PUB" < "$T/pair.keys"
	(cd "$T/st" && env COLUMNS="${2%x*}" LINES="${2#*x}" TRAILSCOPE_SCRIPT="$T/pair.keys" \
		TRAILSCOPE_DUMP="$T/$1.pg" "$TRAILSCOPE" open "$U" --trust "$PUB" > "$T/$1.pg.raw" 2> "$T/$1.pg.err")
	expect_eq "pg tui $1: exits 0" "$?" 0
	# all but the status bar, which names the store (a file by its name, a
	# URI as printed), which moves the fields beside it
	sed '$d' "$T/$1.pg" > "$T/$1.a"
	sed '$d' "$T/$1.lite" > "$T/$1.b"
	if [ -s "$T/$1.a" ] && cmp -s "$T/$1.a" "$T/$1.b"; then
		pass "pg tui $1: the screen is the SQLite copy's"
	else
		fail "pg tui $1: the screen differs from the SQLite copy's" "$(diff "$T/$1.b" "$T/$1.a" | head -20)"
	fi
	[ "$1" = sql ] || expect_grep "pg tui $1: the status bar names the store by its URI as printed" \
		"^ VERIFIED.*  postgresql://ts_reader@/store" "$T/$1.pg"
}

check_screens() {
	printf ':wait-idle\n' | screen_pair timeline 120x30
	printf ':wait-idle\nj\nj\nj\nj\nj\n<Enter>\n' | screen_pair event 100x40
	printf ':wait-idle\nj\nj\nj\nj\nj\nh\n' | screen_pair history 100x30
	printf ':wait-idle\n/\nenv:production changed:rollout_pct\n<Enter>\n:wait-idle\n' | screen_pair filter 120x30
	printf ':wait-idle\ns\npayments\n<Enter>\nn\n' | screen_pair search 120x30
	printf ':wait-idle\nv\n' | screen_pair verify 100x24
	printf ':wait-idle\n:sql SELECT action, count(*) AS n FROM events GROUP BY action ORDER BY action\n<Enter>\n' |
		screen_pair sql 100x24
	printf ':wait-idle\nj\n<Enter>\n' | screen_pair hostile 100x30
	if grep -q "$(printf '\033]0;PWNED')" "$T/hostile.pg.raw" || grep -q "$(printf '\342\200\256')" "$T/hostile.pg.raw"; then
		fail "pg tui: hostile data never reaches the terminal raw" "raw escape or bidi override in the output"
	else
		pass "pg tui: hostile data never reaches the terminal raw"
	fi
}

check_terminal() {
	tmux_setup
	trap 'tm kill-server >/dev/null 2>&1; pg_stop; ts_exit' EXIT
	PWU="postgresql://ts_pw:$PW@/store?host=$PGHOST"
	tm new-session -d -s ts -x 120 -y 40 "cd '$T/st' && '$TRAILSCOPE' '$PWU' --trust '$PUB'; echo EXIT=\$?; sleep 60"
	check "pg tmux: the timeline opens with the verdict" "VERIFIED through 8 "
	if grep -q -- "$PW" "$T/pane"; then
		fail "pg tmux: the password shows on the screen" "$(grep -- "$PW" "$T/pane")"
	else
		pass "pg tmux: the URI shows without its password"
	fi
	check "pg tmux: the status bar names the store by its URI as printed" "postgresql://ts_pw@/store"
	keys / ; keys "env:production" Enter
	check "pg tmux: a filter from the query bar" "row 1 of 4 filtered"
	keys Escape
	check "pg tmux: Esc clears the filter" "filter and search cleared"
	keys ":sql SELECT count(*) AS n FROM events" Enter
	check "pg tmux: :sql on the server" "sql: 1 row"
	keys q ":sql DELETE FROM entries" Enter
	check "pg tmux: :sql refuses a write" "sql: not authorized \(sql is read-only"
	keys m
	check "pg tmux: m without --case says where marks could go" "no case file: a PostgreSQL store has none beside it"
	keys v
	check "pg tmux: the verify view" "Verdict +VERIFIED through 8"
	keys q
	"$TRAILSCOPE" gen --events 3 --seed 9 --start 2026-01-13T10:00:00Z | sed 's/"evt-/"live-/' > "$T/live.jsonl"
	expect_status "pg tmux: another process appends three events" 0 "$TRAILSCOPE" import "$(uri ts_writer)" "$T/live.jsonl"
	check "pg tmux: ... and the timeline follows them live (LISTEN/NOTIFY)" "VERIFIED through 8 \(\+3 pending\)" 5
	check "pg tmux: ... the newest shown first" "2026-01-13" 2
	keys q
	check "pg tmux: q quits, exit 0" "EXIT=0"
	if grep -rq -- "$PW" "$T/pane"; then fail "pg tmux: the password showed on the last screen"; fi

	# with --case FILE, marks go to that file
	tm kill-session -t ts
	tm new-session -d -s ts -x 120 -y 40 "cd '$T/st' && '$TRAILSCOPE' '$(uri ts_reader)' --trust '$PUB' --case '$T/pg.case'; echo EXIT=\$?; sleep 60"
	check "pg tmux --case: opens" "VERIFIED through 8 \(\+3 pending\)"
	keys m
	check "pg tmux --case: m marks the event" "marked"
	keys q
	check "pg tmux --case: quits" "EXIT=0"
	expect_status "pg tmux --case: case list on the server reads the mark" 0 \
		"$TRAILSCOPE" case "$(uri ts_reader)" list --case "$T/pg.case"
	expect_grep "pg tmux --case: ... the newest event, seq 11" "^ *11[[:space:]]+live-00000003" "$T/out"
}

uri() { echo "postgresql://$1@/store?host=$PGHOST"; }

setup() {
	pg_roles_store "$PW" || return 1
	make_store "$T/st"
	"$TRAILSCOPE" init "$(uri ts_owner)" --origin example.org/audit --writer ts_writer \
		--reader ts_reader --reader ts_pw >/dev/null &&
		"$TRAILSCOPE" import "$(uri ts_writer)" "$T/st/events.jsonl" \
			--sign "$T/st/keys/example.org_audit.key" >/dev/null 2>&1 || return 1
	# the SQLite side is the server's own copy
	rm -f "$T/st/s.db" && "$TRAILSCOPE" copy "$(uri ts_reader)" "$T/st/s.db" >/dev/null || return 1
	U=$(uri ts_reader)
}

if ! pg_start; then
	fail "pg: cannot start a PostgreSQL server (see above; .ci/deps.sh installs postgresql)"
elif ! setup; then
	fail "pg: cannot set up roles, the store and its events"
else
	check_screens
	check_terminal
fi
