# pg_follow.sh - following a PostgreSQL store live (follow.h,
# store_data_version; docs/STORE.md "Following"), on a private server
# (tests/pg/server.sh) that logs every statement with its client's
# application_name: a follower (tests/pg/follow_probe.c) started before
# an import in another process sees each new size within a second of the
# import's end, misses none, and sends no statement at all while nothing
# is appended (LISTEN and poll on the socket, no polling of the server);
# the same for store_data_version, what the TUI's follow mode polls.
# Fails, not skips, without PostgreSQL.
. tests/lib.sh
. tests/pg/server.sh

PROBE=$TOOLS_DIR/follow_probe
uri() { echo "postgresql://$1@/$2?host=$PGHOST"; }

setup() {
	[ -x "$PROBE" ] || { echo "no $PROBE (make tools)" >&2; return 1; }
	pg_roles_store >/dev/null || return 1
	psql -X -q -v ON_ERROR_STOP=1 \
		-c "ALTER SYSTEM SET log_statement = 'all'" -c "ALTER SYSTEM SET log_line_prefix = '%a|'" \
		-c "SELECT pg_reload_conf()" >/dev/null || return 1
	ts init "$(uri ts_owner store)" --writer ts_writer --reader ts_reader >/dev/null || return 1
	ts gen --events 300 --seed 5 > "$T/a.jsonl" &&
	ts import "$(uri ts_writer store)" "$T/a.jsonl" >/dev/null 2>&1 || return 1
	# more events, with event ids of their own
	for b in B C D; do
		ts gen --events 30 --seed 6 --start 2026-04-01T00:00:00Z | sed "s/\"evt-/\"evt$b-/" > "$T/$b.jsonl"
	done
}

# Statements the followers' connections sent, as the server logged them.
follower_statements() {
	grep -c -E '^(ts_follow|trailscope follow)\|' "$PG_DIR/server.log"
}

# wait_line FILE PATTERN: up to 5 s for a line matching PATTERN.
wait_line() {
	_i=0
	while ! grep -Eq -- "$2" "$1" && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -Eq -- "$2" "$1"
}

# idle NAME: over 2 s of no appends the followers send nothing.
idle() {
	sleep 0.3
	_n0=$(follower_statements)
	sleep 2
	expect_eq "pg follow: $1: idle for 2 s, the follower sends no statement" "$(follower_statements)" "$_n0"
}

# append NAME FILE WORD SIZE: an import in another process; the follower's
# output ($T/f.out) shows "WORD SIZE ..." within a second of its end.
append() {
	_n0=$(follower_statements)
	ts import "$(uri ts_writer store)" "$T/$2" >/dev/null 2>&1 || fail "pg follow: cannot import $2"
	_end=$(date +%s%3N)
	if ! wait_line "$T/f.out" "^$3 $4 "; then
		fail "pg follow: $1: the follower saw size $4" "$(cat "$T/f.out" "$T/f.err")"
		return
	fi
	_seen=$(grep -E "^$3 $4 " "$T/f.out" | awk '{ print $NF }')
	_lag=$((_seen - _end))
	if [ "$_lag" -le 1000 ]; then
		pass "pg follow: $1: the follower saw size $4 within a second ($_lag ms after the import ended)"
	else
		fail "pg follow: $1: the follower saw size $4 only $_lag ms after the import ended"
	fi
	# (the log does show the follower's statements: a new snapshot, the size)
	sleep 0.2
	expect_eq "pg follow: $1: the server logged the follower's new snapshot" \
		"$([ "$(follower_statements)" -gt "$_n0" ] && echo yes)" yes
}

check_follow() {
	: > "$T/f.out"
	"$PROBE" "$(uri ts_reader store)&application_name=ts_follow" 60 >"$T/f.out" 2>"$T/f.err" &
	_pid=$!
	if ! wait_line "$T/f.out" "^ready 300$"; then
		fail "pg follow: the follower starts at size 300" "$(cat "$T/f.out" "$T/f.err")"
		kill "$_pid"
		return
	fi
	pass "pg follow: the follower starts at size 300"
	idle "follow_wait, before any append"
	append "follow_wait, the first append" B.jsonl size 330
	append "follow_wait, the next append" C.jsonl size 360
	idle "follow_wait, after two appends"
	kill -TERM "$_pid"
	wait "$_pid"
	expect_eq "pg follow: follow_wait stops on a signal" "$?" 0
	expect_eq "pg follow: follow_wait saw each append once, none missed" \
		"$(awk '/^size/ { print $1, $2; next } { print }' "$T/f.out" | paste -sd ' ')" \
		"ready 300 size 330 size 360 stopped"
	expect_eq "pg follow: ... with nothing on stderr" "$(cat "$T/f.err")" ""
}

check_version() {
	: > "$T/f.out"
	"$PROBE" "$(uri ts_reader store)&application_name=ts_follow" 60 --version >"$T/f.out" 2>"$T/f.err" &
	_pid=$!
	if ! wait_line "$T/f.out" "^ready 360$"; then
		fail "pg follow: store_data_version starts at size 360" "$(cat "$T/f.out" "$T/f.err")"
		kill "$_pid"
		return
	fi
	idle "store_data_version, polled every 100 ms"
	append "store_data_version, an append" D.jsonl "version 1" 390
	idle "store_data_version, after the append"
	kill -TERM "$_pid"
	wait "$_pid"
	expect_eq "pg follow: store_data_version counted the one append" \
		"$(awk '/^version/ { print $1, $2, $3; next } { print }' "$T/f.out" | paste -sd ' ')" \
		"ready 360 version 1 390 stopped"
}

if ! pg_start; then
	fail "pg follow: cannot start a PostgreSQL server (see above; .ci/deps.sh installs postgresql)"
elif ! setup; then
	fail "pg follow: cannot set up roles, a store and events"
else
	check_follow
	check_version
fi
