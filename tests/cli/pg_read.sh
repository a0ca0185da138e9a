# pg_read.sh - the read commands on a PostgreSQL store (docs/STORE.md,
# "PostgreSQL stores"), on a private server (tests/pg/server.sh): show,
# history, state, incidents / incident list / incident show, correlate
# and case, run as a reader role (SELECT only) on a generated store with
# incidents and on stores of the kubernetes, CloudTrail and LaunchDarkly
# samples, print byte for byte what they print on the SQLite copy of the
# same store (trailscope copy URI FILE), in every format, errors
# included (same message, same exit status); the server's log shows
# they read in READ ONLY transactions and write nothing. Fails, not
# skips, without PostgreSQL.
. tests/lib.sh
. tests/pg/server.sh

# uri ROLE DB [APP]: the store in DB as ROLE, its connections named APP
# (ROLE by default) in the server's log; the commands compared are "pgread".
uri() { echo "postgresql://$1@/$2?host=$PGHOST&application_name=${3:-$1}"; }
SAME=0 DIFF=0 ERRS=0

# same NAME ARGS...: runs trailscope ARGS with @S the store, once on the
# PostgreSQL store $PGS and once on its SQLite copy $DB; the outputs
# must be the same bytes, the exit statuses equal, and stderr the same
# once the store's name (printed in some messages) is set aside.
same() {
	local _n=$1 _i=0 _a _sp _sl
	LAST=$*
	shift
	for _a in "$@"; do
		[ "$_a" = @S ] && _a=$PGS
		set -- "$@" "$_a"
		_i=$((_i + 1))
	done
	shift "$_i"
	"$TRAILSCOPE" "$@" >"$T/pg.out" 2>"$T/pg.err"
	_sp=$?
	_i=0
	for _a in "$@"; do
		[ "$_a" = "$PGS" ] && _a=$DB
		set -- "$@" "$_a"
		_i=$((_i + 1))
	done
	shift "$_i"
	"$TRAILSCOPE" "$@" >"$T/db.out" 2>"$T/db.err"
	_sl=$?
	sed "s|$PGS|STORE|g" "$T/pg.err" > "$T/pg.err2"
	sed "s|$DB|STORE|g" "$T/db.err" > "$T/db.err2"
	if [ "$_sp" -ne "$_sl" ]; then
		DIFF=$((DIFF + 1))
		fail "pg read: $_n: exit $_sp on PostgreSQL, $_sl on SQLite" "$(head -c 400 "$T/pg.err")"
	elif ! cmp -s "$T/pg.out" "$T/db.out"; then
		DIFF=$((DIFF + 1))
		fail "pg read: $_n: the outputs differ" "$(diff "$T/pg.out" "$T/db.out" | head -8)"
	elif ! cmp -s "$T/pg.err2" "$T/db.err2"; then
		DIFF=$((DIFF + 1))
		fail "pg read: $_n: the messages differ" "$(diff "$T/pg.err2" "$T/db.err2" | head -8)"
	else
		SAME=$((SAME + 1))
	fi
	return "$_sp"
}

# ok NAME ARGS...: same, which must succeed (else counted in ERRS).
ok() {
	same "$@" || { ERRS=$((ERRS + 1)); echo "pg read: failed: $LAST: $(head -c 300 "$T/pg.err")"; }
}

# expect_same NAME WANT ARGS...: same, and passes only with exit status WANT.
expect_same() {
	local _name=$1 _want=$2 _before _st
	shift 2
	_before=$DIFF
	same "$_name" "$@"
	_st=$?
	if [ "$DIFF" -ne "$_before" ]; then
		return 0
	elif [ "$_st" -ne "$_want" ]; then
		fail "pg read: $_name: exit $_st, want $_want" "$(head -c 400 "$T/pg.err")"
	else
		pass "pg read: $_name: the same on PostgreSQL and SQLite (exit $_want)"
	fi
}

setup() {
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE ts_owner LOGIN" -c "CREATE ROLE ts_writer LOGIN" \
		-c "CREATE ROLE ts_reader LOGIN" \
		-c "ALTER SYSTEM SET log_statement = 'all'" \
		-c "ALTER SYSTEM SET log_line_prefix = '[%a] '" >/dev/null || return 1
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" reload >/dev/null || return 1
	for _d in gen k8s ct ld out; do
		psql -X -q -v ON_ERROR_STOP=1 \
			-c "CREATE DATABASE $_d OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0" || return 1
		ts init "$(uri ts_owner $_d)" --origin example.org/pgread --writer ts_writer \
			--reader ts_reader >/dev/null || return 1
	done
	signer example.org/pgread "$T/keys"
}

# load DB FILE... : imports FILEs into database DB as the writer (signed,
# so show has checkpoints to cite), then copies the store to $T/DB.db as
# the reader.
load() {
	_d=$1
	shift
	ts import "$(uri ts_writer "$_d")" "$@" --skip-invalid --sign "$K" --quiet 2>"$T/load.err" ||
		fail "pg read: cannot import into $_d" "$(head -c 400 "$T/load.err")"
	ts copy "$(uri ts_reader "$_d")" "$T/$_d.db" --quiet ||
		fail "pg read: cannot copy $_d to SQLite"
}

# targets DB: every target with its environments, "TARGET<TAB>ENV" lines.
targets() { sqlite3 -separator "$(printf '\t')" "$1" "SELECT DISTINCT target, environment FROM entries ORDER BY 1, 2"; }

# Every read command on the store $PGS / $DB: each entry shown, each
# target's history and state.
check_each_entry() {
	local _label=$1 _n _bad=$DIFF _id _seq
	_n=$(sqlite3 "$DB" "SELECT count(*) FROM entries")
	for _seq in $(seq 1 "$_n"); do
		ok "$_label show $_seq" show @S "$_seq"
		ok "$_label show $_seq json" show @S "$_seq" --format json
	done
	sqlite3 "$DB" "SELECT event_id FROM entries ORDER BY seq LIMIT 8" > "$T/ids"
	while IFS= read -r _id; do
		ok "$_label show $_id" show @S "$_id"
	done < "$T/ids"
	expect_eq "pg read: $_label: show of each of the $_n entries (text and json) and of 8 by event id" \
		"$DIFF" "$_bad"
}

check_each_target() {
	local _label=$1 _bad=$DIFF _k=0 _t _e
	targets "$DB" > "$T/targets"
	while IFS="$(printf '\t')" read -r _t _e; do
		_k=$((_k + 1))
		ok "$_label history $_t" history @S "$_t"
		ok "$_label history $_t --env $_e csv" history @S "$_t" --env "$_e" --format csv
		ok "$_label history $_t --env $_e json" history @S "$_t" --env "$_e" --format json
		ok "$_label state $_t json" state @S "$_t" --env "$_e" --at 2099-01-01T00:00:00Z --format json
		ok "$_label state $_t diff" state @S "$_t" --env "$_e" --at 2000-01-01T00:00:00Z \
			--diff 2099-01-01T00:00:00Z
	done < "$T/targets"
	expect_eq "pg read: $_label: history (table, csv, json) and state (json, --diff) of each of its $_k targets in each environment" \
		"$DIFF" "$_bad"
}

check_samples() {
	load k8s $(ls "$SHARED"/samples/k8s-falco/*.json | grep -v /fal_)
	load ct "$SHARED"/samples/cloudtrail/*.json
	load ld "$SHARED"/samples/launchdarkly/*/*.json
	for _d in k8s ct ld; do
		PGS=$(uri ts_reader $_d pgread) DB=$T/$_d.db
		expect_eq "pg read: $_d: the sample store is not empty" \
			"$(sqlite3 "$DB" "SELECT count(*) > 0 FROM entries")" 1
		check_each_entry "$_d"
		check_each_target "$_d"
		expect_same "$_d incident list (none)" 0 incident list @S
		expect_same "$_d incidents json (none)" 0 incidents @S --format json
	done
}

check_gen() {
	ts gen --events 3000 --seed 14 --incidents "$T/inc.jsonl" --incident-count 3 > "$T/ev.jsonl"
	# the last 200 events after the checkpoint: show says they are pending
	head -n 2800 "$T/ev.jsonl" > "$T/ev1.jsonl"
	tail -n 200 "$T/ev.jsonl" > "$T/ev2.jsonl"
	ts import "$(uri ts_writer gen)" "$T/ev1.jsonl" --sign "$K" --quiet
	ts import "$(uri ts_writer gen)" "$T/ev2.jsonl" --quiet
	ts incident import "$(uri ts_writer gen)" "$T/inc.jsonl" >/dev/null
	ts copy "$(uri ts_reader gen)" "$T/gen.db" --quiet
	PGS=$(uri ts_reader gen pgread) DB=$T/gen.db
	# pins the key (show cites only a checkpoint signed by a pinned key)
	expect_status "pg read: gen: the SQLite copy verifies, pinning the signer" 0 ts verify "$DB" --trust "$P"

	_bad=$DIFF
	for _seq in 1 2 17 1000 2799 2800 2801 2999 3000; do
		ok "gen show $_seq" show @S "$_seq"
		ok "gen show $_seq json" show @S "$_seq" --format json
	done
	ok "gen show 2000" show @S 2000
	expect_grep "pg read: gen: show cites the verified checkpoint on PostgreSQL" \
		"covered by the checkpoint at size 2800, signed by example.org/pgread" "$T/pg.out"
	ok "gen show 2900" show @S 2900
	expect_grep "pg read: gen: show says an entry after it is pending" "pending: no checkpoint covers it yet" "$T/pg.out"
	for _id in $(sqlite3 "$DB" "SELECT event_id FROM entries WHERE seq IN (3, 1500, 2990)"); do
		ok "gen show $_id" show @S "$_id"
	done
	expect_eq "pg read: gen: show of 9 seqs and 3 event ids, text and json, covered and pending" "$DIFF" "$_bad"
	expect_same "gen show: seq past the end" 4 show @S 3001
	expect_grep "pg read: gen: ... saying there is no such event" "no event '3001' in the store" "$T/pg.err"
	expect_same "gen show: unknown event id" 4 show @S no-such-event --format json
	expect_same "gen show: seq 0 (an event id, none)" 4 show @S 0

	# history and state on the busiest targets, and every environment of them
	sqlite3 -separator "$(printf '\t')" "$DB" "SELECT target, environment FROM entries GROUP BY 1, 2
		ORDER BY count(*) DESC, 1, 2 LIMIT 6" > "$T/targets"
	_bad=$DIFF
	while IFS="$(printf '\t')" read -r _t _e; do
		for _f in table json jsonl csv; do
			ok "gen history $_t" history @S "$_t" --format "$_f"
		done
		ok "gen history $_t --env $_e" history @S "$_t" --env "$_e"
		for _at in 2026-03-01T06:00:00Z 2026-03-03T00:00:00Z 2099-01-01T00:00:00Z; do
			ok "gen state $_t at $_at" state @S "$_t" --env "$_e" --at "$_at"
		done
		ok "gen state $_t at json" state @S "$_t" --env "$_e" --at 2026-03-02T00:00:00Z --format json
		ok "gen state $_t diff" state @S "$_t" --env "$_e" --at 2026-03-01T06:00:00Z \
			--diff 2026-03-05T00:00:00Z
		ok "gen state $_t diff json" state @S "$_t" --env "$_e" --at 2026-03-01T06:00:00Z \
			--diff 2026-03-05T00:00:00Z --format json
	done < "$T/targets"
	expect_eq "pg read: gen: history (4 formats, --env) and state (4 times, --diff) of the 6 busiest targets" "$DIFF" "$_bad"
	_t=$(head -n 1 "$T/targets" | cut -f 1)
	expect_same "gen history: unknown target" 4 history @S no-such-target
	expect_same "gen history: unknown environment" 4 history @S "$_t" --env no-such-env
	expect_same "gen state: unknown target" 4 state @S no-such-target --at 2026-03-02T00:00:00Z
	expect_same "gen state: a target in several environments needs --env" 3 \
		state @S "$(sqlite3 "$DB" "SELECT target FROM entries GROUP BY target HAVING count(DISTINCT environment) > 1 ORDER BY 1 LIMIT 1")" \
		--at 2026-03-02T00:00:00Z
	expect_same "gen state: a bad time that is no incident id" 3 state @S "$_t" --env prod --at yesterday-ish

	# incidents: list in every format, each one shown, and correlated
	for _f in table json jsonl csv; do
		expect_same "gen incident list --format $_f" 0 incident list @S --format "$_f"
		expect_same "gen incidents --format $_f" 0 incidents @S --format "$_f"
	done
	sqlite3 "$DB" "SELECT id FROM incidents ORDER BY id" > "$T/incs"
	expect_eq "pg read: gen: three incidents stored" "$(wc -l < "$T/incs" | tr -d ' ')" 3
	_bad=$DIFF
	while IFS= read -r _i; do
		ok "gen incident show $_i" incident show @S "$_i"
		ok "gen incident show $_i json" incident show @S "$_i" --format json
		ok "gen incident show lower-case $_i" incident show @S "$(printf %s "$_i" | tr 'A-Z' 'a-z')"
		ok "gen correlate $_i" correlate @S "$_i"
		ok "gen correlate $_i json" correlate @S "$_i" --format json
		[ "$(jq '.candidates | length' "$T/pg.out")" -gt 0 ] || fail "pg read: gen: correlate $_i ranks nothing"
		ok "gen correlate $_i all" correlate @S "$_i" --limit 0 --lookback 6h
		ok "gen correlate $_i options" correlate @S "$_i" --business-hours 08-17 --tz +02:00 \
			--weight reverted=0 --weight service-account=0.4 --format json --lookback 30m
		ok "gen state at $_i" state @S "$_t" --env "$(head -n 1 "$T/targets" | cut -f 2)" --at "$_i"
	done < "$T/incs"
	expect_eq "pg read: gen: incident show (exact and case-folded id), correlate (text, json, options) and state --at of each incident" \
		"$DIFF" "$_bad"
	expect_same "gen incident show: unknown id" 4 incident show @S NO-SUCH-INC
	expect_grep "pg read: gen: ... saying so" "no incident 'NO-SUCH-INC' in the store" "$T/pg.err"
	expect_same "gen correlate: unknown incident" 4 correlate @S NO-SUCH-INC --format json

	# case: the store resolves the event; the case file is local
	expect_status "pg read: case on a URI without --case: usage error" 3 ts case "$PGS" list
	expect_grep "pg read: ... saying the case file must be named" "name one with --case FILE" "$T/err"
	_id=$(sqlite3 "$DB" "SELECT event_id FROM entries WHERE seq = 42")
	expect_status "pg read: case mark by seq and event id on PostgreSQL" 0 \
		ts case "$PGS" mark 7 "$_id" --case "$T/pg.case"
	expect_status "pg read: case mark on SQLite" 0 ts case "$DB" mark 7 "$_id" --case "$T/db.case"
	expect_eq "pg read: case mark: the same marks in both case files" \
		"$(sqlite3 "$T/pg.case" "SELECT seq, event_id FROM marks ORDER BY seq")" \
		"$(sqlite3 "$T/db.case" "SELECT seq, event_id FROM marks ORDER BY seq")"
	expect_eq "pg read: case mark: ... seqs 7 and 42" \
		"$(sqlite3 "$T/pg.case" "SELECT group_concat(seq) FROM (SELECT seq FROM marks ORDER BY seq)")" "7,42"
	expect_same "case note: unknown event" 4 case @S note no-such-event text --case "$T/x.case"
	expect_same "case mark: seq past the end" 4 case @S mark 3001 --case "$T/x.case"
	ts case "$PGS" note 42 "seen on PostgreSQL" --author a --case "$T/n.case" >/dev/null
	expect_same "case notes of an event, json" 0 case @S notes "$_id" --case "$T/n.case" --format json
	expect_same "case notes, all" 0 case @S notes --case "$T/n.case"
	expect_same "case list" 0 case @S list --case "$T/pg.case" --format json
}

# Outcomes and a broken chain (as tests/cli/outcome.sh): failed requests
# change nothing, g5 does not start from g4's state.
check_outcomes() {
	cat > "$T/g.jsonl" <<-'EOF'
	{"event_id":"g1","timestamp":"2026-01-12T10:00:00Z","actor":"a@x","flag_key":"f","previous_state":"off","new_state":"on","outcome":"failure"}
	{"event_id":"g2","timestamp":"2026-01-12T10:01:00Z","actor":"a@x","flag_key":"f","previous_state":"off","new_state":"on","outcome":{"status":"failure","code":409,"message":"version conflict"}}
	{"event_id":"g3","timestamp":"2026-01-12T10:02:00Z","actor":"a@x","flag_key":"f","previous_state":"off","new_state":"on","outcome":503}
	{"event_id":"g4","timestamp":"2026-01-12T10:03:00Z","actor":"a@x","flag_key":"f","previous_state":"off","new_state":"on","outcome":"succeeded"}
	{"event_id":"g5","timestamp":"2026-01-12T10:04:00Z","actor":"a@x","flag_key":"f","previous_state":"off","new_state":"on","outcome":200}
	{"event_id":"g6","timestamp":"2026-01-12T10:05:00Z","actor":"svc","actor_type":"service","flag_key":"f","previous_state":"on","new_state":"on"}
	{"event_id":"g7","timestamp":"2026-01-12T10:06:00Z","actor":"a@x","flag_key":"f","environment":"staging","previous_state":"on","new_state":"off"}
	EOF
	echo '{"id":"INC-9","title":"f broke","severity":"SEV2","services":["f"],"started_at":"2026-01-12T10:10:00Z"}' > "$T/g-inc.jsonl"
	load out "$T/g.jsonl"
	ts incident import "$(uri ts_writer out)" "$T/g-inc.jsonl" >/dev/null
	rm -f "$T/out.db"
	ts copy "$(uri ts_reader out)" "$T/out.db" --quiet
	PGS=$(uri ts_reader out pgread) DB=$T/out.db
	for _f in table json jsonl csv; do
		expect_same "outcomes history --format $_f" 0 history @S f --format "$_f"
	done
	expect_same "outcomes history --env ''" 0 history @S f --env ''
	expect_grep "pg read: outcomes: the gap after g4 is found on PostgreSQL" \
		'\[gap: its state before is not the state after #4\]' "$T/pg.out"
	expect_grep "pg read: outcomes: ... and the failed requests" 'FAILED \(changed nothing\)' "$T/pg.out"
	for _at in 2026-01-12T10:02:30Z 2026-01-12T10:03:30Z 2026-01-12T09:00:00Z INC-9 inc-9; do
		expect_same "outcomes state at $_at" 0 state @S f --env '' --at "$_at" --format json
	done
	expect_same "outcomes state: two environments need --env" 3 state @S f --at INC-9
	expect_same "outcomes state --diff" 0 state @S f --env '' --at 2026-01-12T09:00:00Z --diff INC-9
	expect_same "outcomes correlate" 0 correlate @S INC-9 --limit 0
	expect_grep "pg read: outcomes: correlate says FAILED and NO-OP on PostgreSQL" 'NO-OP \(changed nothing\)' "$T/pg.out"
	expect_same "outcomes correlate json" 0 correlate @S inc-9 --format json
	expect_same "outcomes show a failure" 0 show @S g2
	expect_same "outcomes incident show" 0 incident show @S INC-9 --format json
}

# An incident id without case is matched as SQLite's NOCASE does, ASCII
# letters only, even in a database whose collation folds more (C.UTF-8).
check_fold() {
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE fold OWNER ts_owner ENCODING 'UTF8'
		LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0" ||
		{ fail "pg read: cannot create a database with the C.UTF-8 locale"; return; }
	ts init "$(uri ts_owner fold)" --writer ts_writer --reader ts_reader >/dev/null
	expect_eq "pg read: fold: the database lower-cases beyond ASCII" \
		"$(psql -X -At -d fold -c "SELECT lower('INC-É')")" "inc-é"
	printf '%s\n' '{"id":"inc-é","title":"t","started_at":"2026-01-12T10:10:00Z"}' \
		'{"id":"Inc-B","title":"u","started_at":"2026-01-12T10:11:00Z"}' > "$T/fold.jsonl"
	ts incident import "$(uri ts_writer fold)" "$T/fold.jsonl" >/dev/null
	rm -f "$T/fold.db"
	ts copy "$(uri ts_reader fold)" "$T/fold.db" --quiet
	PGS=$(uri ts_reader fold pgread) DB=$T/fold.db
	expect_same "fold: an ASCII letter in another case" 0 incident show @S INC-é
	expect_same "fold: ... and another" 0 incident show @S inc-b --format json
	expect_same "fold: a non-ASCII letter in another case is another id" 4 incident show @S INC-É
}

# The commands compared ("pgread" in the log) read in READ ONLY
# transactions and sent nothing but reads.
check_readonly() {
	sed -n 's/^\[pgread\] LOG:  \(statement\|execute [^:]*\): //p' "$PG_DIR/server.log" > "$T/stmts"
	expect_eq "pg read: the server logged the commands' statements" \
		"$(grep -c -E '^(SELECT|DECLARE|FETCH)' "$T/stmts" | awk '$1 > 1000 { print "many" }')" many
	expect_eq "pg read: each connection of a read command began READ ONLY" \
		"$(grep -E '^(BEGIN|START)' "$T/stmts" | sort -u)" "BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ"
	grep -v -E '^(BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ|set client_encoding to .UTF8.$|SELECT |DECLARE ts_rows_[0-9]+ NO SCROLL CURSOR FOR SELECT |FETCH FORWARD [0-9]+ FROM ts_rows_[0-9]+$|CLOSE ts_rows_[0-9]+$|COMMIT$|ROLLBACK$)' \
		"$T/stmts" > "$T/other" || true
	expect_eq "pg read: nothing but SELECT, DECLARE/FETCH/CLOSE of a cursor and the end of the transaction" \
		"$(head -5 "$T/other")" ""
	expect_nogrep "pg read: no statement writes" '(INSERT|UPDATE|DELETE|COPY|CREATE|LOCK|pg_advisory)' "$T/stmts"
}

if pg_start; then
	if setup; then
		check_gen
		check_outcomes
		check_fold
		check_samples
		check_readonly
		# the comparison itself: two different stores do not compare the same
		_d=$DIFF
		PGS=$(uri ts_reader gen pgread) DB=$T/out.db
		same "self-check: show 1 on two different stores" show @S 1 >/dev/null 2>&1
		expect_eq "pg read: the comparison tells two different stores apart" "$DIFF" "$((_d + 1))"
		DIFF=$_d
		echo "pg read: $SAME outputs compared the same, $DIFF differed, $ERRS failed in loops"
		expect_eq "pg read: every compared output the same" "$DIFF" 0
		expect_eq "pg read: every command compared in a loop succeeded" "$ERRS" 0
	else
		fail "pg read: cannot set up the server's roles and stores"
	fi
else
	fail "pg read: cannot start a PostgreSQL server (tests/pg/server.sh): install postgresql"
fi
