# pg_schema.sh - the PostgreSQL store contract (docs/STORE.md,
# "PostgreSQL schema"; sql/pg_schema.sql, sql/pg_roles.sql) on a private
# server (tests/pg/server.sh): the schema mirrors the SQLite one (tables,
# columns, indexes; the sql views give the same rows), leaves round-trip
# byte-identical and hash as specified, the writer role may INSERT but not
# UPDATE/DELETE/TRUNCATE, the reader only SELECT, the triggers refuse
# changes to the owner too, and concurrent appenders that follow the
# locking protocol keep seq contiguous (one that does not is refused).
# Fails, not skips, when PostgreSQL is not installed. Each psql
# connection costs a server process, so checks are batched per session.
. tests/lib.sh
. tests/pg/server.sh

LOCK='SELECT pg_advisory_xact_lock(1953657699, 1);'
LOG_TABLES="entries changes entries_fts merkle_nodes checkpoints entry_text"

# q ROLE PSQL-ARGS...: psql in the store database as ROLE, stopping at the
# first error (exit 1 for -c, 3 for -f).
q() {
	_role=$1
	shift
	psql -X -q -At -v ON_ERROR_STOP=1 -U "$_role" -d store "$@"
}

# sq SQL: one SQLite query on the reference store.
sq() { sqlite3 "$T/ref.db" "$1"; }

# next_entry_sql ID [SEQ]: an INSERT of one entry with a synthetic leaf
# and event id ID-SEQ at SEQ (an SQL expression; by default the seq after
# the last one the statement sees).
next_entry_sql() {
	printf '%s\n' "INSERT INTO entries(seq, event_id, ts, actor, actor_type, action, target,
	target_kind, environment, summary, nchanges, risk, source_file, source_line, outcome, leaf_hash, leaf)
	SELECT n, '$1-' || n, '2026-01-01T00:00:00.000000Z', 'a', 'user', 'flag.update', 't', 'flag',
	'', '', 0, 0, 'f', n, 'success', sha256('\\x00'::bytea || l), l
	FROM (SELECT n, convert_to('{\"seq\":' || n || '}', 'UTF8') AS l
	FROM (SELECT ${2:-(SELECT coalesce(max(seq), 0) + 1 FROM entries)} AS n) AS h) AS x;"
}

# attempts ROLE < LINES: runs each "LABEL|SQL" line as ROLE in one
# session, each in a subtransaction of its own (undone when it fails),
# and adds "ROLE LABEL: ok" or "ROLE LABEL: refused: MESSAGE" lines to
# $ATTEMPTS. (Few processes: forks are slow on a loaded machine.)
ATTEMPTS=""
NL='
'
attempts() {
	{
		echo 'DO $do$ DECLARE r record; BEGIN FOR r IN SELECT * FROM (VALUES'
		sed -e "s/'/''/g" -e "s/^\([^|]*\)|\(.*\)\$/('\\1', '\\2'),/" -e '$s/,$//'
		echo ") AS t(label, stmt) LOOP BEGIN EXECUTE r.stmt; RAISE NOTICE '$1 %: ok', r.label;"
		echo "EXCEPTION WHEN OTHERS THEN RAISE NOTICE '$1 %: refused: %', r.label, SQLERRM; END; END LOOP; END \$do\$;"
	} > "$T/attempts.$1.sql"
	ATTEMPTS="$ATTEMPTS$NL$(q "$1" -f "$T/attempts.$1.sql" 2>&1 | sed -n 's/^.*NOTICE:  //p')$NL"
}

# expect_attempt NAME ROLE LINE: ROLE's attempts gave exactly LINE.
expect_attempt() {
	case $ATTEMPTS in
	*"$NL$2 $3$NL"*) pass "$1" ;;
	*) fail "$1" "want: $2 $3" "got:  $(printf '%s\n' "$ATTEMPTS" | grep -F -- "$2 ${3%%: *}:")" ;;
	esac
}

setup_reference() {
	"$TRAILSCOPE" gen --events 40 --seed 7 > "$T/gen.jsonl" &&
	"$TRAILSCOPE" keygen example.org/pg --out "$T/keys" >/dev/null &&
	"$TRAILSCOPE" import "$T/ref.db" "$T/gen.jsonl" --quiet --sign "$T/keys/example.org_pg.key" >/dev/null &&
	"$TRAILSCOPE" import "$T/ref.db" "$SHARED"/samples/cloudtrail/*.json --skip-invalid --quiet >/dev/null 2>&1
	[ "$(sq 'SELECT count(*) FROM entries')" -gt 40 ] && [ "$(sq 'SELECT count(*) FROM checkpoints')" -gt 0 ]
}

# The reference store's rows as SQL for PostgreSQL (text quoted by %Q,
# blobs as hex), appended under the append lock in one transaction.
copy_sql() {
	echo "BEGIN; $LOCK"
	sq "SELECT printf('INSERT INTO entries(seq, event_id, ts, actor, actor_type, action, target,'
	    || ' target_kind, environment, summary, nchanges, risk, source_file, source_line, outcome,'
	    || ' leaf_hash, leaf) VALUES(%d, %Q, %Q, %Q, %Q, %Q, %Q, %Q, %Q, %Q, %d, %d, %Q, %d, %Q,'
	    || ' decode(''%s'', ''hex''), decode(''%s'', ''hex''));', seq, event_id, ts, actor,
	    actor_type, action, target, target_kind, environment, summary, nchanges, risk,
	    source_file, source_line, outcome, hex(leaf_hash), hex(leaf)) FROM entries ORDER BY seq"
	sq "SELECT printf('INSERT INTO changes VALUES(%d, %d, %Q, %Q, %Q, %Q, %d);', seq, idx, path,
	    kind, before, after, before_unknown) FROM changes ORDER BY seq, idx"
	# (the raw records as text: the SQLite store keeps them packed, which
	# its events view unpacks)
	tq "$T/ref.db" "SELECT printf('INSERT INTO entry_text VALUES(%d, %Q, %Q);', seq, summary, raw)
	    FROM events ORDER BY seq"
	sq "SELECT printf('INSERT INTO merkle_nodes VALUES(%d, %d, decode(''%s'', ''hex''));', level,
	    idx, hex(hash)) FROM merkle_nodes ORDER BY level, idx"
	sq "SELECT printf('INSERT INTO checkpoints VALUES(%d, %Q, %Q);', size, note, added_at)
	    FROM checkpoints ORDER BY size"
	# free text: lexemes made by the writer, each column's positions apart
	echo "INSERT INTO entries_fts VALUES(1, '''payment'':1A ''integration'':2A ''checkout'':4B ''api'':5B');"
	echo "COMMIT;"
}

check_mirror() {
	# every SQLite table but the FTS5 one (and its shadow tables), in column order
	sq "SELECT m.name || '.' || p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p
	    WHERE m.type = 'table' AND m.name NOT LIKE 'entries_fts%' ORDER BY m.name, p.cid" > "$T/cols.lite"
	sq "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name" > "$T/idx.lite"
	for v in events event_changes; do
		"$TRAILSCOPE" sql "$T/ref.db" "SELECT * FROM $v LIMIT 0" --format csv
	done > "$T/views.lite"
	q ts_reader -c "SELECT table_name || '.' || column_name FROM information_schema.columns
	    WHERE table_schema = 'public' AND table_name IN (SELECT tablename FROM pg_tables
	    WHERE schemaname = 'public' AND tablename <> 'entries_fts')
	    ORDER BY table_name COLLATE \"C\", ordinal_position" \
		-c "SELECT '-- indexes'" \
		-c "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'
	    AND indexname NOT LIKE '%_pkey' AND indexname <> 'entries_fts_doc' ORDER BY indexname COLLATE \"C\"" \
		-c "SELECT '-- views'" \
		-c "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns
	    WHERE table_name IN ('events', 'event_changes') GROUP BY table_name ORDER BY table_name <> 'events'" \
		> "$T/mirror.pg"
	sed '/^-- indexes$/,$d' "$T/mirror.pg" > "$T/cols.pg"
	sed -n '/^-- indexes$/,/^-- views$/p' "$T/mirror.pg" | sed '1d;$d' > "$T/idx.pg"
	sed '1,/^-- views$/d' "$T/mirror.pg" > "$T/views.pg"
	if [ -s "$T/cols.lite" ] && cmp -s "$T/cols.lite" "$T/cols.pg"; then pass "pg: tables and columns are SQLite's, in order"
	else fail "pg: tables and columns differ from SQLite's" "$(diff "$T/cols.lite" "$T/cols.pg" | head -20)"; fi
	if [ -s "$T/idx.lite" ] && cmp -s "$T/idx.lite" "$T/idx.pg"; then pass "pg: indexes are SQLite's"
	else fail "pg: indexes differ from SQLite's" "$(diff "$T/idx.lite" "$T/idx.pg")"; fi
	if [ -s "$T/views.lite" ] && cmp -s "$T/views.lite" "$T/views.pg"; then
		pass "pg: views events and event_changes have trailscope sql's columns"
	else fail "pg: view columns differ from trailscope sql's" "$(diff "$T/views.lite" "$T/views.pg")"; fi
}

check_copy() {
	copy_sql > "$T/copy.sql"
	expect_status "pg: the writer appends a whole SQLite store under the lock" 0 q ts_writer -f "$T/copy.sql"

	sq "SELECT seq || ' ' || hex(leaf) FROM entries ORDER BY seq" > "$T/leaves.lite"
	q ts_reader -c "SELECT seq || ' ' || upper(encode(leaf, 'hex')) FROM entries ORDER BY seq" > "$T/leaves.pg"
	if [ -s "$T/leaves.lite" ] && cmp -s "$T/leaves.lite" "$T/leaves.pg"; then
		pass "pg: every leaf reads back byte-identical"
	else
		fail "pg: leaves differ after the round trip" "$(diff "$T/leaves.lite" "$T/leaves.pg" | head -c 400)"
	fi
	# bytea is not text: every byte value, NUL included, survives
	q ts_reader -c "SELECT count(*) FILTER (WHERE leaf_hash = sha256('\\x00'::bytea || leaf)) FROM entries" \
		-c "SELECT octet_length(v) || ' ' || md5(v) FROM (SELECT decode(string_agg(lpad(to_hex(i), 2, '0'),
		    '' ORDER BY i), 'hex') AS v FROM generate_series(0, 255) AS i) AS b" > "$T/bytes.pg"
	expect_eq "pg: leaf_hash is SHA-256(0x00 || leaf) for every entry; bytea holds all 256 byte values" \
		"$(tr '\n' ' ' < "$T/bytes.pg")" \
		"$(sq 'SELECT count(*) FROM entries') 256 $(seq 0 255 | awk '{ printf "%02x", $1 }' | xxd -r -p |
			md5sum | cut -d' ' -f1) "

	# the views give trailscope sql's rows (compared as JSON values)
	"$TRAILSCOPE" sql "$T/ref.db" "SELECT * FROM events ORDER BY seq" --format json | jq -S -c '.[]' > "$T/ev.lite"
	"$TRAILSCOPE" sql "$T/ref.db" "SELECT * FROM event_changes ORDER BY seq, idx" --format json |
		jq -S -c '.[]' >> "$T/ev.lite"
	q ts_reader -c "SELECT row_to_json(e) FROM (SELECT * FROM events ORDER BY seq) AS e" \
		-c "SELECT row_to_json(c) FROM (SELECT * FROM event_changes ORDER BY seq, idx) AS c" |
		jq -S -c . > "$T/ev.pg"
	if [ "$(wc -l < "$T/ev.lite")" -gt 40 ] && cmp -s "$T/ev.lite" "$T/ev.pg"; then
		pass "pg: the events and event_changes views give trailscope sql's rows"
	else fail "pg: view rows differ from trailscope sql's" "$(diff "$T/ev.lite" "$T/ev.pg" | head -c 600)"; fi
}

# wait_for SQL WANT: polls (as the superuser, up to 10 s) until SQL gives
# WANT; WAITED is 1 when it did, 0 when it timed out.
wait_for() {
	_i=0
	WAITED=0
	while [ $_i -lt 50 ]; do
		[ "$(q ts_super -c "$1")" = "$2" ] && { WAITED=1; return 0; }
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}

# first_column TABLE: a column to name in an UPDATE.
first_column() {
	case $1 in merkle_nodes) echo level ;; checkpoints) echo size ;; *) echo seq ;; esac
}

check_privileges() {
	for role in ts_writer ts_reader ts_owner; do
		for t in $LOG_TABLES; do
			c=$(first_column "$t")
			echo "UPDATE $t|UPDATE $t SET $c = $c"
			echo "DELETE $t|DELETE FROM $t"
			echo "TRUNCATE $t|TRUNCATE $t"
			echo "SELECT $t|SELECT count(*) FROM $t"
			[ "$role" = ts_writer ] || echo "INSERT $t|INSERT INTO $t DEFAULT VALUES"
		done > "$T/ops"
		case $role in
		ts_writer) cat >> "$T/ops" <<-EOF
			lock|$LOCK
			append|$(next_entry_sql w | tr '\n' ' ')
			disable triggers|ALTER TABLE entries DISABLE TRIGGER entries_no_change
			grant|SELECT trailscope_grant_writer('ts_other')
			create|CREATE TABLE x(i int)
			meta|UPDATE meta SET value = '9'
			incident|INSERT INTO incidents VALUES('INC-1', 't', 'SEV1', '[]', 'production', '2026-01-01T00:00:00.000000Z', NULL, NULL, '{}', 'f', 1) ON CONFLICT (id) DO UPDATE SET title = excluded.title
			gap|INSERT INTO entries SELECT seq + 2, event_id || '-gap', ts, actor, actor_type, action, target, target_kind, environment, summary, nchanges, risk, source_file, source_line, outcome, leaf_hash, leaf FROM entries ORDER BY seq DESC LIMIT 1
			seq again|INSERT INTO entries SELECT seq, event_id || '-dup', ts, actor, actor_type, action, target, target_kind, environment, summary, nchanges, risk, source_file, source_line, outcome, leaf_hash, leaf FROM entries ORDER BY seq DESC LIMIT 1
			event id again|INSERT INTO entries SELECT seq + 1, event_id, ts, actor, actor_type, action, target, target_kind, environment, summary, nchanges, risk, source_file, source_line, outcome, leaf_hash, leaf FROM entries ORDER BY seq DESC LIMIT 1
			EOF
			;;
		ts_reader) cat >> "$T/ops" <<-EOF
			views|SELECT count(*) FROM events JOIN event_changes USING (seq)
			incident|INSERT INTO incidents VALUES('INC-2', 't', 'SEV1', '[]', 'production', '2026-01-01T00:00:00.000000Z', NULL, NULL, '{}', 'f', 1)
			EOF
			;;
		esac
		attempts "$role" < "$T/ops"
	done
	echo "DELETE entries|DELETE FROM entries" > "$T/ops"
	attempts ts_super < "$T/ops"
	echo "SELECT entries|SELECT count(*) FROM entries" > "$T/ops"
	attempts ts_other < "$T/ops"

	for t in $LOG_TABLES; do
		c=$(first_column "$t")
		for op in UPDATE DELETE TRUNCATE; do
			expect_attempt "pg: writer: $op $t refused" ts_writer "$op $t: refused: permission denied for table $t"
			expect_attempt "pg: reader: $op $t refused" ts_reader "$op $t: refused: permission denied for table $t"
			expect_attempt "pg: owner: $op $t refused by its trigger" ts_owner \
				"$op $t: refused: trailscope: $t is append-only: $op refused"
		done
		expect_attempt "pg: reader: INSERT $t refused" ts_reader "INSERT $t: refused: permission denied for table $t"
		expect_attempt "pg: reader: SELECT $t" ts_reader "SELECT $t: ok"
		expect_attempt "pg: writer: SELECT $t" ts_writer "SELECT $t: ok"
	done
	expect_attempt "pg: superuser: DELETE refused by the trigger" ts_super \
		"DELETE entries: refused: trailscope: entries is append-only: DELETE refused"
	expect_attempt "pg: a role without grants may not read" ts_other \
		"SELECT entries: refused: permission denied for table entries"
	expect_attempt "pg: the writer takes the append lock" ts_writer "lock: ok"
	expect_attempt "pg: the writer appends the next entry" ts_writer "append: ok"
	expect_attempt "pg: the writer may not disable the triggers" ts_writer \
		"disable triggers: refused: must be owner of table entries"
	expect_attempt "pg: the writer may not grant" ts_writer \
		"grant: refused: permission denied for function trailscope_grant_writer"
	expect_attempt "pg: the writer may not create tables" ts_writer "create: refused: permission denied for schema public"
	expect_attempt "pg: the writer may not change meta" ts_writer "meta: refused: permission denied for table meta"
	expect_attempt "pg: the writer may store or correct an incident" ts_writer "incident: ok"
	expect_attempt "pg: the reader reads the views" ts_reader "views: ok"
	expect_attempt "pg: the reader may not store an incident" ts_reader \
		"incident: refused: permission denied for table incidents"
	n=$(($(sq 'SELECT count(*) FROM entries') + 1))
	expect_attempt "pg: an append that skips a seq is refused" ts_writer \
		"gap: refused: trailscope: entries $((n + 2)) to $((n + 2)) do not continue the log at $((n + 1))"
	expect_attempt "pg: a seq stored already is refused" ts_writer \
		"seq again: refused: duplicate key value violates unique constraint \"entries_pkey\""
	expect_attempt "pg: an event id stored already is refused" ts_writer \
		"event id again: refused: duplicate key value violates unique constraint \"entries_event_id\""
}

check_notify_and_text() {
	q ts_writer -c "LISTEN trailscope_append" \
		-c "BEGIN; $LOCK $(next_entry_sql notify) $(next_entry_sql notify2) COMMIT;" > "$T/notify.out" 2>&1
	expect_eq "pg: one notification per appending transaction, naming the schema" \
		"$(grep -c 'notification "trailscope_append" with payload "public"' "$T/notify.out")" 1

	q ts_reader -c "SELECT (SELECT count(*) FROM entries_fts WHERE doc @@ '''payment'' <-> ''integration'''::tsquery)::text
	    || (SELECT count(*) FROM entries_fts WHERE doc @@ '''integration'' <-> ''checkout'''::tsquery)
	    || (SELECT count(*) FROM entries_fts WHERE doc @@ '''integ'':*'::tsquery)" \
		-c "SET enable_seqscan = off" \
		-c "EXPLAIN SELECT seq FROM entries_fts WHERE doc @@ '''checkout'' <-> ''api'''::tsquery" > "$T/fts.out"
	expect_eq "pg: free text: a phrase in one column matches, across two columns not, a prefix matches" \
		"$(head -1 "$T/fts.out")" 101
	expect_grep "pg: free text uses the GIN index" "Bitmap Index Scan on entries_fts_doc" "$T/fts.out"
}

# Three writers, each appending 30 entries in 30 transactions, at once;
# then two that skip the lock; then one killed while it holds the lock.
check_concurrent() {
	for w in 1 2 3; do
		stmt="BEGIN; $LOCK $(next_entry_sql "c$w") COMMIT;"
		i=0
		while [ $i -lt 30 ]; do
			echo "$stmt"
			i=$((i + 1))
		done > "$T/w$w.sql"
	done
	before=$(q ts_reader -c "SELECT count(*) FROM entries")
	q ts_writer -f "$T/w1.sql" > "$T/w1.out" 2>&1 & p1=$!
	q ts_writer -f "$T/w2.sql" > "$T/w2.out" 2>&1 & p2=$!
	q ts_writer -f "$T/w3.sql" > "$T/w3.out" 2>&1 & p3=$!
	st=0
	wait $p1 || st=1
	wait $p2 || st=1
	wait $p3 || st=1
	expect_eq "pg: three writers under the lock all commit" "$st $(cat "$T/w1.out" "$T/w2.out" "$T/w3.out")" "0 "
	expect_eq "pg: seq stays contiguous under concurrent writers" \
		"$(q ts_reader -c "SELECT count(*) || ' ' || max(seq) || ' ' || count(DISTINCT event_id) FROM entries")" \
		"$((before + 90)) $((before + 90)) $((before + 90))"

	# Without the lock, two writers that read the head at once collide:
	# the one that would commit second is refused, not interleaved.
	for r in r1 r2; do
		{
			echo "BEGIN;"
			echo "SELECT max(seq) + 1 AS n FROM entries \\gset"
			next_entry_sql $r :n
			[ $r = r2 ] || echo "SELECT pg_sleep(2);"
			echo "COMMIT;"
		} > "$T/$r.sql"
	done
	q ts_writer -f "$T/r1.sql" > "$T/r1.out" 2>&1 & p1=$!
	wait_for "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(2);'" 1
	q ts_writer -f "$T/r2.sql" > "$T/r2.out" 2>&1
	r2=$?
	wait $p1
	r1=$?
	expect_eq "pg: without the lock the slower append is refused" "$r1 $r2 $(cat "$T/r1.out")" "0 3 "
	expect_grep "pg: ... by the seq key" 'duplicate key value violates unique constraint "entries_pkey"' "$T/r2.out"

	# A writer killed while it holds the lock appends nothing; the one
	# waiting for the lock continues the log where it was.
	n=$(q ts_reader -c "SELECT max(seq) FROM entries")
	q ts_writer -c "BEGIN; $LOCK $(next_entry_sql killed) SELECT pg_sleep(30); COMMIT;" > "$T/k.out" 2>&1 & pk=$!
	wait_for "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted" 1
	q ts_writer -c "BEGIN; $LOCK $(next_entry_sql after-kill) COMMIT;" > "$T/k2.out" 2>&1 & pn=$!
	wait_for "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted" 1
	q ts_super -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	    WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()" > "$T/kill.out"
	wait $pk
	wait $pn
	expect_eq "pg: the second writer waited for the lock; the first was killed holding it" \
		"$WAITED $(cat "$T/kill.out")" "1 t"
	expect_eq "pg: after a writer is killed mid-transaction the next append continues at its seq" \
		"$(q ts_reader -c "SELECT seq || ' ' || event_id FROM entries WHERE seq > $n ORDER BY seq")" \
		"$((n + 1)) after-kill-$((n + 1))"
}

if ! pg_start; then
	fail "pg: cannot start a PostgreSQL server (see above; .ci/deps.sh installs postgresql)"
elif ! setup_reference; then
	fail "pg: cannot build the SQLite reference store"
else
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE ts_owner LOGIN" -c "CREATE ROLE ts_writer LOGIN" \
		-c "CREATE ROLE ts_reader LOGIN" -c "CREATE ROLE ts_other LOGIN" \
		-c "CREATE DATABASE store OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0" \
		-c "CREATE DATABASE latin OWNER ts_owner ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
	expect_status "pg: the schema loads as the store's owner" 0 q ts_owner -1 -f sql/pg_schema.sql \
		-v writer=ts_writer -v reader=ts_reader -f sql/pg_roles.sql \
		-c "SELECT string_agg(key || '=' || value, ' ' ORDER BY key) FROM meta WHERE key <> 'created_at'"
	expect_eq "pg: meta names the store and its schema version" "$(tail -1 "$T/out")" \
		"application_id=1953657699 schema=5"
	expect_status "pg: the schema refuses a database that is not UTF8" 3 \
		psql -X -q -At -v ON_ERROR_STOP=1 -U ts_owner -d latin -1 -f sql/pg_schema.sql
	expect_grep "pg: ... saying so" 'database "latin" is not UTF8' "$T/err"
	check_mirror
	check_copy
	check_privileges
	check_notify_and_text
	check_concurrent
fi
