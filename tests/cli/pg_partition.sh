# pg_partition.sh - sql/pg_partition.sql on a private server
# (tests/pg/server.sh): an empty store laid out with entries, changes,
# entry_text and entries_fts range-partitioned by seq keeps the plain
# store's columns, indexes, grants and views; trailscope imports into it
# (rows landing in their partitions, the same leaf hashes as a SQLite
# import of the same events) and verifies it; event ids stay unique across
# partitions (event_ids), seqs contiguous; the triggers refuse UPDATE,
# DELETE and TRUNCATE on each partition as on the parent; an append past
# the last partition writes nothing until the owner adds partitions; a
# store with entries is refused. Fails, not skips, without PostgreSQL.
. tests/lib.sh
. tests/pg/server.sh

uri() { echo "postgresql://$1@/$2?host=$PGHOST"; }
# partition DB ROWS PARTS: runs sql/pg_partition.sql in DB as the owner.
partition() {
	psql -X -q -At -v ON_ERROR_STOP=1 -1 -U ts_owner -d "$1" -v part_rows="$2" -v parts="$3" \
		-f sql/pg_partition.sql >"$T/out" 2>"$T/err"
}
# shape DB: the log tables' columns (name, type, collation, default,
# nullability), indexes (name, columns, uniqueness apart) and checks.
shape() {
	pq ts_owner "$1" "SELECT table_name, column_name, data_type, coalesce(collation_name, '-'),
		coalesce(column_default, '-'), is_nullable FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name IN ('entries', 'changes', 'entry_text', 'entries_fts',
		'events', 'event_changes') ORDER BY table_name, ordinal_position" \
		"SELECT tablename, indexname, regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ ', '')
		FROM pg_indexes WHERE schemaname = 'public' AND tablename IN ('entries', 'changes', 'entry_text', 'entries_fts')
		ORDER BY 1, 2" \
		"SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid::regclass::text IN ('entries', 'changes', 'entry_text', 'entries_fts') ORDER BY conrelid::regclass::text, conname" \
		"SELECT c.relname, a.grantee::regrole, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a
		WHERE c.relname IN ('entries', 'changes', 'entry_text', 'entries_fts', 'events', 'event_changes')
		AND a.grantee <> c.relowner ORDER BY c.relname, a.grantee::regrole::text, a.privilege_type"
}

setup() {
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE ts_owner LOGIN" -c "CREATE ROLE ts_writer LOGIN" \
		-c "CREATE ROLE ts_reader LOGIN" \
		-c "CREATE DATABASE plain OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0" \
		-c "CREATE DATABASE part OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0" || return 1
	signer example.org/part "$T/keys"
	ts gen --events 2500 --seed 21 > "$T/gen.jsonl" &&
	ts gen --events 600 --seed 22 --start 2026-03-01T00:00:00Z | sed 's/^{"event_id":"evt-/{"event_id":"more-/' > "$T/more.jsonl" &&
	ts init "$(uri ts_owner plain)" --writer ts_writer --reader ts_reader >/dev/null &&
	ts init "$(uri ts_owner part)" --writer ts_writer --reader ts_reader >/dev/null
}

check_layout() {
	expect_status "pg partition: without part_rows and parts: refused" 3 \
		psql -X -q -v ON_ERROR_STOP=1 -1 -U ts_owner -d part -f sql/pg_partition.sql
	if partition part 1000 3; then pass "pg partition: lays out an empty store (3 partitions of 1,000 seqs)"
	else fail "pg partition: lays out an empty store" "$(cat "$T/err")"; fi
	shape plain > "$T/shape.plain"
	shape part > "$T/shape.part"
	if [ "$(wc -l < "$T/shape.plain")" -gt 50 ] && cmp -s "$T/shape.plain" "$T/shape.part"; then
		pass "pg partition: the same columns, indexes, checks and grants ($(wc -l < "$T/shape.plain") lines)"
	else
		fail "pg partition: the tables differ from the plain store's" "$(diff "$T/shape.plain" "$T/shape.part" | head -20)"
	fi
	expect_eq "pg partition: entries_event_id unique in the plain store, not in the partitioned one" \
		"$(pq ts_owner plain "SELECT indexdef LIKE 'CREATE UNIQUE%' FROM pg_indexes WHERE indexname = 'entries_event_id'") $(pq ts_owner part "SELECT indexdef LIKE 'CREATE UNIQUE%' FROM pg_indexes WHERE indexname = 'entries_event_id'")" "t f"
	expect_eq "pg partition: four partitioned tables of three partitions each" \
		"$(pq ts_owner part "SELECT string_agg(c.relname || ':' || (SELECT count(*) FROM pg_inherits WHERE inhparent = c.oid), ' ' ORDER BY c.relname) FROM pg_class c WHERE c.relkind = 'p'")" \
		"changes:3 entries:3 entries_fts:3 entry_text:3"
	expect_eq "pg partition: the ranges of seq" \
		"$(pq ts_owner part "SELECT string_agg(pg_get_expr(relpartbound, oid), ', ' ORDER BY relname) FROM pg_class WHERE relname LIKE 'entries\_p_'")" \
		"FOR VALUES FROM ('1') TO ('1001'), FOR VALUES FROM ('1001') TO ('2001'), FOR VALUES FROM ('2001') TO ('3001')"
	expect_status "pg partition: run again on a partitioned store: refused" 3 partition part 1000 3
	expect_grep "pg partition: ... saying so" "entries is partitioned already" "$T/err"
}

check_import() {
	expect_status "pg partition: import into it, signed" 0 \
		ts import "$(uri ts_writer part)" "$T/gen.jsonl" --sign "$K" --quiet
	ts import "$T/ref.db" "$T/gen.jsonl" --sign "$K" --quiet 2>/dev/null
	expect_eq "pg partition: the rows land in their partitions" \
		"$(pq ts_reader part "SELECT string_agg(t || '=' || n, ' ' ORDER BY t) FROM (SELECT tableoid::regclass::text AS t, count(*) AS n FROM entries GROUP BY 1) x")" \
		"entries_p1=1000 entries_p2=1000 entries_p3=500"
	expect_eq "pg partition: ... and so do the changes" \
		"$(pq ts_owner part "SELECT count(*) FROM changes_p1 WHERE seq > 1000" "SELECT count(*) FROM ONLY changes" "SELECT count(*) FROM changes_p2")" "0
0
$(sqlite3 "$T/ref.db" "SELECT count(*) FROM changes WHERE seq BETWEEN 1001 AND 2000")"
	sqlite3 "$T/ref.db" "SELECT seq, lower(hex(leaf_hash)), risk, nchanges FROM entries ORDER BY seq" > "$T/lh.lite"
	pq ts_reader part "SELECT seq || '|' || encode(leaf_hash, 'hex') || '|' || risk || '|' || nchanges FROM entries ORDER BY seq" > "$T/lh.pg"
	if [ "$(wc -l < "$T/lh.lite")" = 2500 ] && cmp -s "$T/lh.lite" "$T/lh.pg"; then
		pass "pg partition: the same leaf hashes, risks and change counts as a SQLite import (2500 entries)"
	else
		fail "pg partition: leaves differ from SQLite's" "$(diff "$T/lh.lite" "$T/lh.pg" | head -5)"
	fi
	expect_eq "pg partition: event_ids holds every event id, with its seq" \
		"$(pq ts_reader part "SELECT count(*) FROM event_ids i JOIN entries e USING (event_id, seq)")" 2500
	expect_status "pg partition: verify" 0 ts verify "$(uri ts_reader part)" --trust "$P" --no-remember
	expect_grep "pg partition: ... VERIFIED" "^verdict: *VERIFIED through 2,500" "$T/out"
	expect_status "pg partition: the same file again adds nothing (probes every partition)" 0 \
		ts import "$(uri ts_writer part)" "$T/gen.jsonl"
	expect_grep "pg partition: ... every event already present" "2500 records: 0 added, 2500 already present" "$T/out"

	# 600 more would reach seq 3100, past the last partition
	expect_status "pg partition: an import past the last partition fails" 5 \
		ts import "$(uri ts_writer part)" "$T/more.jsonl"
	expect_grep "pg partition: ... saying no partition holds the row" 'no partition of relation "entries" found for row' "$T/err"
	expect_eq "pg partition: ... and writes nothing" "$(pq ts_reader part "SELECT count(*) FROM entries")" 2500
	expect_status "pg partition: the writer may not add partitions" 1 \
		pq ts_writer part "SELECT trailscope_add_partitions(1)"
	expect_status "pg partition: the owner adds one" 0 pq ts_owner part "SELECT trailscope_add_partitions(1)"
	expect_status "pg partition: ... and the import goes through" 0 \
		ts import "$(uri ts_writer part)" "$T/more.jsonl" --sign "$K"
	expect_eq "pg partition: ... into the new partition" \
		"$(pq ts_owner part "SELECT count(*) FROM entries_p4" "SELECT min(seq) || '-' || max(seq) FROM entries_p4")" "100
3001-3100"
	expect_status "pg partition: verify after it" 0 ts verify "$(uri ts_reader part)" --trust "$P" --no-remember
	expect_grep "pg partition: ... VERIFIED, 3100 entries" "^verdict: *VERIFIED through 3,100" "$T/out"
}

check_rules() {
	id1=$(pq ts_reader part "SELECT event_id FROM entries WHERE seq = 7")
	# an entry at the next seq with an event id stored in another partition
	dup="INSERT INTO entries(seq, event_id, ts, actor, actor_type, action, target, target_kind, environment,
		summary, nchanges, risk, source_file, source_line, outcome, leaf_hash, leaf)
		SELECT 3101, '$id1', ts, actor, actor_type, action, target, target_kind, environment, summary,
		nchanges, risk, source_file, source_line, outcome, leaf_hash, leaf FROM entries WHERE seq = 7"
	expect_status "pg partition: an event id stored in partition 1, appended in partition 4: refused" 1 \
		pq ts_writer part "$dup"
	expect_grep "pg partition: ... as a duplicate key of event_ids" 'duplicate key value violates unique constraint "event_ids_pkey"' "$T/err"
	expect_status "pg partition: a gap in seq: refused" 1 pq ts_writer part "$(echo "$dup" | sed "s/3101, '$id1'/3105, 'new-id'/")"
	expect_grep "pg partition: ... by the contiguity check" "entries 3105 to 3105 do not continue the log at 3101" "$T/err"
	expect_status "pg partition: the writer may not write event_ids" 1 \
		pq ts_writer part "INSERT INTO event_ids VALUES ('x', 9999)"
	expect_grep "pg partition: ... permission denied" "permission denied for table event_ids" "$T/err"
	for tab in entries_p1 changes_p2 entry_text_p3 entries_fts_p1 event_ids; do
		for op in "UPDATE $tab SET seq = seq" "DELETE FROM $tab" "TRUNCATE $tab"; do
			expect_status "pg partition: the owner may not: $op" 1 pq ts_owner part "$op"
			expect_grep "pg partition: ... append-only" "trailscope: $tab is append-only: (UPDATE|DELETE|TRUNCATE) refused" "$T/err"
		done
	done
	expect_status "pg partition: TRUNCATE of the parent: refused" 1 pq ts_owner part "TRUNCATE entries"
	expect_grep "pg partition: ... append-only" "trailscope: entries is append-only: TRUNCATE refused" "$T/err"
	expect_status "pg partition: a reader may not read a partition directly (only through the parent)" 1 \
		pq ts_reader part "SELECT count(*) FROM entries_p1"
	expect_eq "pg partition: nothing was changed" \
		"$(pq ts_reader part "SELECT count(*) FROM entries" "SELECT count(*) FROM event_ids")" "3100
3100"
	ts import "$(uri ts_writer plain)" "$T/more.jsonl" --quiet
	expect_status "pg partition: a store with entries is refused" 3 partition plain 1000 3
	expect_grep "pg partition: ... saying it holds entries" "lays out an empty store; this one holds entries" "$T/err"
}

if ! pg_start; then
	fail "pg: cannot start a PostgreSQL server (see above; .ci/deps.sh installs postgresql)"
elif ! setup; then
	fail "pg: cannot set up roles, databases and events"
else
	check_layout
	check_import
	check_rules
fi
