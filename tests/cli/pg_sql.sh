# pg_sql.sh - `trailscope sql URI` on a private PostgreSQL server
# (tests/pg/server.sh): the same SELECTs over the views events and
# event_changes and the tables give byte-identical output on the server
# and on its SQLite copy (table, csv, json, jsonl; NULLs, integers,
# booleans as 1/0, REALs, bytea as hex), with generated events, real
# samples and version 2 leaves (a schema 4 store copied to the server); every refusal of docs/QUERY.md "On PostgreSQL" (INSERT,
# UPDATE, DELETE, DDL, COMMIT, ROLLBACK, BEGIN READ WRITE, SET
# transaction_read_only, SET SESSION CHARACTERISTICS, two statements, a
# writing CTE, INSERT ... RETURNING, SELECT FOR UPDATE, COPY, DO, LISTEN) is exit 3
# for a writer role and a reader role alike and changes nothing; an
# interrupted statement is cancelled on the server. Fails, not skips,
# without PostgreSQL.
. tests/lib.sh
. tests/pg/server.sh

uri() { echo "postgresql://$1@/$2?host=$PGHOST"; }
pq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

setup() {
	pg_roles_store >/dev/null || return 1
	ts init "$(uri ts_owner store)" --origin example.org/sql --writer ts_writer --reader ts_reader \
		>/dev/null || return 1
	ts gen --events 600 --seed 21 > "$T/gen.jsonl" || return 1
	# real samples of three sources beside the generated events
	ts import "$(uri ts_writer store)" "$T/gen.jsonl" "$SHARED"/samples/cloudtrail/0[1-5]*.json \
		"$SHARED"/samples/launchdarkly/flag/*.json "$SHARED"/samples/k8s-falco/create_c*.json \
		>/dev/null 2>&1 || return 1
	ts copy "$(uri ts_reader store)" "$T/copy.db" >/dev/null || return 1
	# version 2 leaves (raw in the leaf): a schema 4 store copied to the server
	psql -X -q -v ON_ERROR_STOP=1 \
		-c "CREATE DATABASE old OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0" >/dev/null || return 1
	{ cat testdata/old-schema4.sql; echo 'PRAGMA application_id = 1953657699; PRAGMA user_version = 4;'; } |
		sqlite3 "$T/old.db" || return 1
	ts init "$(uri ts_owner old)" --writer ts_writer --reader ts_reader >/dev/null &&
	ts copy "$T/old.db" "$(uri ts_writer old)" >/dev/null
}

# same NAME SQL [DB FILE]: the output and status of SQL on the server (as
# the reader; database DB, default store) and on its SQLite copy (FILE,
# default copy.db) are byte-identical, in every format.
same() {
	for _f in table csv json jsonl; do
		ts sql "$(uri ts_reader "${3:-store}")" "$2" --format "$_f" >"$T/pg.out" 2>"$T/pg.err"
		_a=$?
		ts sql "$T/${4:-copy.db}" "$2" --format "$_f" >"$T/lite.out" 2>"$T/lite.err"
		_b=$?
		if [ "$_a" -ne 0 ] || [ "$_b" -ne 0 ]; then
			fail "pg sql: $1 ($_f)" "exit $_a on PostgreSQL, $_b on SQLite" "$(cat "$T/pg.err" "$T/lite.err")"
		elif [ ! -s "$T/lite.out" ] || [ "$(wc -l < "$T/lite.out")" -lt 3 ]; then
			fail "pg sql: $1 ($_f)" "too few rows to compare: $(cat "$T/lite.out")"
		elif ! cmp -s "$T/pg.out" "$T/lite.out"; then
			fail "pg sql: $1 ($_f)" "$(diff "$T/pg.out" "$T/lite.out" | head -6)"
		else
			pass "pg sql: $1 ($_f)"
		fi
	done
}

check_same() {
	same "every column of events" "SELECT * FROM events ORDER BY seq"
	same "every column of event_changes" "SELECT * FROM event_changes ORDER BY seq, idx"
	same "the tables, bytea as hex" "SELECT * FROM entries ORDER BY seq"
	same "Merkle nodes" "SELECT * FROM merkle_nodes ORDER BY level, idx"
	same "entry_text" "SELECT * FROM entry_text ORDER BY seq"
	same "aggregates: count, sum (integers), avg (REAL)" \
		"SELECT actor, count(*) AS n, sum(nchanges) AS changes, avg(risk) AS mean FROM events
		 GROUP BY actor ORDER BY actor"
	same "NULLs, comparisons as 1/0, fractions" \
		"SELECT seq, outcome_code, reason, risk > 0 AS risky, risk / 4.0 AS quarter, nchanges * 1.5 AS x
		 FROM events ORDER BY seq"
	same "a join of the views, text in byte order" \
		"SELECT e.actor, c.path, c.before, c.after, c.before_unknown FROM event_changes AS c
		 JOIN events AS e ON e.seq = c.seq WHERE c.before IS NULL OR c.after LIKE '%true%'
		 ORDER BY e.actor, c.path, c.seq"
	same "the samples' raw records and actor names" \
		"SELECT seq, actor_name, correlation_id, ticket, outcome, outcome_message, raw FROM events
		 WHERE source_file NOT LIKE '%gen.jsonl' ORDER BY seq"
	same "version 2 leaves: raw from the leaf, outcome from the leaf" \
		"SELECT * FROM events ORDER BY seq" old old.db
	expect_eq "pg sql: the samples are in the store" \
		"$(ts sql "$T/copy.db" "SELECT count(DISTINCT source_file) AS n FROM events WHERE source_file NOT LIKE '%gen.jsonl'" --format csv | tail -1)" \
		"$(ls "$SHARED"/samples/cloudtrail/0[1-5]*.json "$SHARED"/samples/launchdarkly/flag/*.json \
			"$SHARED"/samples/k8s-falco/create_c*.json | wc -l)"
}

# refused NAME ROLE SQL: exit 3, saying why, nothing on stdout.
refused() {
	expect_status "pg sql ($2): $1 is refused" 3 ts sql "$(uri "$2" store)" "$3"
	expect_grep "pg sql ($2): ... saying why" \
		"sql: (not authorized \(sql is read-only|one statement at a time|.* in a read-only transaction \(sql is read-only\)|transaction read-write mode must be set before any query)" "$T/err"
	expect_eq "pg sql ($2): ... printing no rows" "$(cat "$T/out")" ""
}

check_refusals() {
	before=$(pq store "SELECT (SELECT count(*) FROM meta) || ' ' || (SELECT count(*) FROM entries) || ' ' ||
		(SELECT count(*) FROM incidents) || ' ' || (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')")
	for role in ts_writer ts_reader; do
		refused "INSERT" $role "INSERT INTO meta(key, value) VALUES ('k', 'v')"
		refused "INSERT ... RETURNING" $role "INSERT INTO meta(key, value) VALUES ('k', 'v') RETURNING key"
		refused "UPDATE" $role "UPDATE incidents SET title = 'x'"
		refused "DELETE" $role "DELETE FROM meta"
		refused "a writing CTE" $role "WITH d AS (DELETE FROM meta RETURNING *) SELECT * FROM d"
		refused "CREATE TABLE" $role "CREATE TABLE t(x integer)"
		refused "DROP VIEW" $role "DROP VIEW events"
		refused "COMMIT" $role "COMMIT"
		refused "ROLLBACK" $role "ROLLBACK"
		refused "BEGIN READ WRITE" $role "BEGIN READ WRITE"
		refused "SET transaction_read_only" $role "SET transaction_read_only = off"
		refused "set_config('transaction_read_only')" $role \
			"SELECT set_config('transaction_read_only', 'off', true)"
		refused "SET SESSION CHARACTERISTICS" $role "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"
		refused "SELECT FOR UPDATE" $role "SELECT * FROM meta FOR UPDATE"
		refused "COPY" $role "COPY meta TO STDOUT"
		refused "DO" $role "DO \$\$ BEGIN END \$\$"
		refused "LISTEN" $role "LISTEN trailscope_append"
		refused "two statements" $role "SELECT 1; SELECT 2"
		refused "a write after a read" $role "SELECT 1; DELETE FROM meta"
	done
	expect_eq "pg sql: the refusals changed nothing" "$(pq store "SELECT (SELECT count(*) FROM meta) || ' ' ||
		(SELECT count(*) FROM entries) || ' ' || (SELECT count(*) FROM incidents) || ' ' ||
		(SELECT count(*) FROM pg_tables WHERE schemaname = 'public')")" "$before"
	expect_status "pg sql: an empty statement is a usage error" 3 ts sql "$(uri ts_reader store)" " -- nothing"
	expect_grep "pg sql: ... saying so" "sql: empty statement" "$T/err"
	expect_status "pg sql: a statement that does not compile is a usage error" 3 \
		ts sql "$(uri ts_reader store)" "SELECT nosuch FROM events"
	expect_grep "pg sql: ... with the server's message and the offset" \
		'sql: column "nosuch" does not exist \(at offset 7\)' "$T/err"
	expect_status "pg sql: one statement with a trailing ';' runs" 0 ts sql "$(uri ts_reader store)" "SELECT 1 AS one;"
	expect_status "pg sql: EXPLAIN reads" 0 ts sql "$(uri ts_reader store)" "EXPLAIN SELECT * FROM events"
	expect_status "pg sql: SHOW reads" 0 ts sql "$(uri ts_writer store)" "SHOW transaction_read_only"
	expect_eq "pg sql: ... and the writer's statement runs READ ONLY" "$(tail -1 "$T/out")" "on"
}

# An interrupted statement: the client asks the server to cancel it, so
# it does not run on after the client is gone.
check_cancel() {
	# (the program itself, not the function ts: $! must be its pid)
	"$TRAILSCOPE" sql "$(uri ts_reader store)" "SELECT pg_sleep(60) AS slept" >/dev/null 2>&1 &
	_pid=$!
	_i=0
	while [ "$(pq postgres "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()")" != 1 ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -INT "$_pid"
	wait "$_pid"
	expect_eq "pg sql: SIGINT ends it as the signal does" "$?" 130
	_i=0
	while [ "$(pq postgres "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()")" != 0 ] && [ $_i -lt 20 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	expect_eq "pg sql: ... and the server cancelled the statement (within 2 s)" "$_i" "$([ $_i -lt 20 ] && echo $_i || echo 'not in 2 s')"
}

if ! pg_start; then
	fail "pg sql: cannot start a PostgreSQL server (see above; .ci/deps.sh installs postgresql)"
elif ! setup; then
	fail "pg sql: cannot set up roles, a store and events"
else
	check_same
	check_refusals
	check_cancel
fi
