#!/bin/sh
# pg_partition.sh - `entries` range-partitioned by seq (sql/pg_partition.sql)
# at COPIES x N rows (default 10 x 1,000,000 = 10M), on a private server
# (tests/pg/server.sh, autovacuum off), and the reads that matter there.
# Writes bench/results-pg-partition.txt.
#
# The rows are NOT ten million imported events: N generated events are
# imported once with trailscope into a plain store (schema public), and
# the partitioned table (schema p, 1,000,000 seqs a partition) is filled
# with COPIES statements `INSERT INTO p.entries SELECT ... FROM
# public.entries`, copy k with seq shifted by k * N, event_id suffixed
# ".k" and ts shifted by k times the N events' span (so that time still
# grows with seq, as in a real log). Every statement goes through the
# contiguity trigger and event_ids, as an append does. The leaves are the
# original bytes, so the copies do not verify (their seq member is the
# original one): this measures storage and queries, not trailscope
# import. Only entries is filled (changes, entry_text and entries_fts
# are partitioned too, but empty).
#
#   sh bench/pg_partition.sh                # 10 x 1,000,000
#   N=100000 COPIES=3 sh bench/pg_partition.sh
#   SRC_DB=m1 sh bench/pg_partition.sh      # a server of your own (PGHOST...,
#                                           # PG_DIR) whose SRC_DB holds the N-event store
#   KEEP_LOAD=1 SRC_DB=m1 ...               # the reads again on schema p as an
#                                           # interrupted run left it (its load lines kept)
. "$(dirname "$0")/lib.sh"
set +eu
N=${N:-1000000}
COPIES=${COPIES:-10}
OUT=${OUT:-$top/bench/results-pg-partition.txt}
cd "$top" || exit 1
SHARED=${SHARED:-$top/../shared}
TRAILSCOPE=$TS
. tests/lib.sh
if [ -n "${SRC_DB:-}" ]; then
	DB=$SRC_DB
	: "${PG_DIR:?SRC_DB needs PGHOST and PG_DIR of a running server}"
else
	. tests/pg/server.sh
	pg_start || exit 1
	echo "autovacuum = off" >> "$PG_DIR/data/postgresql.conf"
	psql -X -q -c "SELECT pg_reload_conf()" >/dev/null || exit 1
	DB=b
	psql -X -q -c "CREATE ROLE w LOGIN" -c "CREATE DATABASE b ENCODING 'UTF8' TEMPLATE template0" || exit 1
	"$TS" init "postgresql:///b?host=$PGHOST" --writer w >/dev/null || exit 1
	XDG_STATE_HOME=$T/state; export XDG_STATE_HOME
	"$TS" import "postgresql://w@/b?host=$PGHOST" "$(events "$N")" --quiet || exit 1
fi
pm=$(head -1 "$PG_DIR/data/postmaster.pid")
export PGDATABASE=$DB PGTZ=UTC
p() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
server_cpu() {
	{ cat "/proc/$pm/stat"; for c in $(cat /proc/"$pm"/task/*/children); do cat "/proc/$c/stat" 2>/dev/null; done; } |
		awk '{ sub(/^.*\) /, ""); t += $12 + $13 + $14 + $15 } END { printf "%.2f", t / 100 }'
}
load1() { cut -d' ' -f1 /proc/loadavg; }
# timed LABEL SQL: runs SQL once, one result line: wall and server CPU
timed() {
	_l0=$(load1) _s0=$(server_cpu) _t0=$(now_ms)
	p -c "$2" > "$T/res" || { echo "bench/pg_partition.sh: $1 failed" >&2; exit 1; }
	_t1=$(now_ms)
	printf '%-44s wall %8.2f s  server CPU %7.2f s  load %s -> %s\n' "$1" \
		"$(echo "($_t1 - $_t0) / 1000" | bc -l)" "$(echo "$(server_cpu) - $_s0" | bc -l)" "$_l0" "$(load1)" >> "$OUT.tmp"
}
# best LABEL SQL: EXPLAIN ANALYZE of SQL three times: the best execution
# time, the plan of the last run kept for the results
best() {
	_b=
	for _i in 1 2 3; do
		p -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) $2" > "$T/plan"
		_ms=$(sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p' "$T/plan")
		[ -z "$_b" ] || [ "$(echo "$_ms < $_b" | bc -l)" = 1 ] && _b=$_ms
	done
	printf '%-44s %10.3f ms best of 3 (EXPLAIN ANALYZE execution time), load %s\n' "$1" "$_b" "$(load1)" >> "$OUT.tmp"
}
# plan LABEL SQL: the plan (EXPLAIN ANALYZE) into the results, indented
plan() {
	echo "# plan of $1:" >> "$OUT.tmp"
	p -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $2" | sed 's/^/#   /' >> "$OUT.tmp"
}

cols="event_id, ts, actor, actor_type, action, target, target_kind, environment, summary, nchanges, risk,
	source_file, source_line, outcome, leaf_hash, leaf"
if [ -n "${KEEP_LOAD:-}" ] && [ -f "$OUT.tmp" ]; then
	# the reads again on the rows loaded by an interrupted run, whose load lines are kept
	grep -E '^(# bench|# 20|load copy)' "$OUT.tmp" > "$OUT.keep"
	{ cat "$OUT.keep"; echo "# (the reads below from a second run, KEEP_LOAD=1, on the same rows: $(date -u +%H:%MZ))"; } > "$OUT.tmp"
	rm -f "$OUT.keep"
else
	{
		echo "# bench/pg_partition.sh: entries range-partitioned by seq, $COPIES copies of $N rows (see the script: copies, not imports)"
		echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, PostgreSQL $(p -c 'SHOW server_version'), fsync off, autovacuum off"
	} > "$OUT.tmp"

	# the partitioned layout in schema p, 1,000,000 seqs a partition
	p -c "DROP SCHEMA IF EXISTS p CASCADE" -c "CREATE SCHEMA p"
	PGOPTIONS="-c search_path=p" p -1 -f sql/pg_schema.sql >/dev/null || exit 1
	PGOPTIONS="-c search_path=p" p -1 -v part_rows=1000000 -v parts=$(( (COPIES * N + 999999) / 1000000 )) \
		-f sql/pg_partition.sql >/dev/null || exit 1
	span=$(p -c "SELECT extract(epoch FROM max(ts)::timestamptz - min(ts)::timestamptz) + 1 FROM public.entries")
	k=0
	while [ "$k" -lt "$COPIES" ]; do
		timed "load copy $((k + 1)) of $COPIES ($N rows, one statement)" \
			"INSERT INTO p.entries(seq, $cols) SELECT seq + $k::bigint * $N, event_id || '.$k',
			 to_char(ts::timestamptz + make_interval(secs => $k * $span), 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),
			 actor, actor_type, action, target, target_kind, environment, summary, nchanges, risk,
			 source_file, source_line, outcome, leaf_hash, leaf FROM public.entries ORDER BY seq"
		k=$((k + 1))
	done
fi
p -c "ANALYZE p.entries" -c "ANALYZE p.event_ids" -c "ANALYZE public.entries"
total=$(p -c "SELECT count(*) FROM p.entries")
top_seq=$(p -c "SELECT max(seq) FROM p.entries")
mid=$((top_seq * 3 / 4 + 17))
echo "# rows: $total in p.entries, seq 1 to $top_seq" >> "$OUT.tmp"

echo "# size, pg_total_relation_size (heap + TOAST + indexes):" >> "$OUT.tmp"
p -F ' ' -c "SELECT c.relname, pg_total_relation_size(c.oid), pg_indexes_size(c.oid) FROM pg_inherits i
	JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'p.entries'::regclass ORDER BY c.relname" |
	awk '{ printf "#   %-16s %13.0f bytes, indexes %12.0f\n", $1, $2, $3; t += $2 } END { printf "#   %-16s %13.0f bytes\n", "all partitions", t }' >> "$OUT.tmp"
p -F ' ' -c "SELECT 'p.event_ids', pg_total_relation_size('p.event_ids'), 'public.entries', pg_total_relation_size('public.entries')" |
	awk '{ printf "#   %-16s %13.0f bytes (the unique event ids)\n#   %-16s %13.0f bytes (the plain 1M-row table, for scale)\n", $1, $2, $3, $4 }' >> "$OUT.tmp"

ts_mid=$(p -c "SELECT ts FROM p.entries WHERE seq = $mid")
id_mid=$(p -c "SELECT event_id FROM p.entries WHERE seq = $mid")
ts_1m=$(p -c "SELECT ts FROM public.entries WHERE seq = $((N * 3 / 4 + 17))")
for s in p public; do
	if [ $s = p ]; then what="partitioned $total"; at=$mid; t0=$ts_mid; id=$id_mid
	else what="plain $N"; at=$((N * 3 / 4 + 17)); t0=$ts_1m; id=$(p -c "SELECT event_id FROM public.entries WHERE seq = $at"); fi
	best "$what: seq lookup" "SELECT seq, leaf FROM $s.entries WHERE seq = $at"
	best "$what: ts range, a page of 50" "SELECT seq, ts, actor, action, target FROM $s.entries
		WHERE ts >= '$t0' AND ts < '9999' ORDER BY ts, seq LIMIT 50"
	best "$what: count by action (whole table)" "SELECT action, count(*) FROM $s.entries GROUP BY action"
	best "$what: the contiguity check's head read" "SELECT coalesce(max(seq), 0) FROM $s.entries WHERE seq < $((at + 1))"
	best "$what: max(seq) (the head)" "SELECT max(seq) FROM $s.entries"
	best "$what: has_event probe (entries.event_id)" "SELECT 1 FROM $s.entries WHERE event_id = '$id'"
done
best "partitioned: has_event probe (event_ids)" "SELECT 1 FROM p.event_ids WHERE event_id = '$id_mid'"

# an append at the head: 1,000 rows in one statement, both triggers, into
# a partition the owner adds first
p -c "SELECT p.trailscope_add_partitions(1)" >/dev/null || exit 1
timed "append 1,000 rows at the head (partitioned)" \
	"INSERT INTO p.entries(seq, $cols) SELECT seq + $top_seq, event_id || '.head', ts, actor, actor_type, action,
	 target, target_kind, environment, summary, nchanges, risk, source_file, source_line, outcome, leaf_hash, leaf
	 FROM public.entries WHERE seq <= 1000 ORDER BY seq"
p -c "SET search_path = p" -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF)
	INSERT INTO entries(seq, $cols) SELECT seq + $top_seq + 1000, event_id || '.head2', ts, actor, actor_type, action,
	 target, target_kind, environment, summary, nchanges, risk, source_file, source_line, outcome, leaf_hash, leaf
	 FROM public.entries WHERE seq <= 1000 ORDER BY seq" | grep -E 'Trigger|Execution' | sed 's/^/#   append of 1,000 rows: /' >> "$OUT.tmp"

plan "seq = constant (pruned when planned)" "SELECT seq FROM p.entries WHERE seq = $mid"
plan "seq BETWEEN (a range within one partition)" "SELECT count(*) FROM p.entries WHERE seq BETWEEN $mid AND $((mid + 5000))"
echo "# plan of a prepared statement, seq = \$1, generic plan (pruned when run):" >> "$OUT.tmp"
p -c "SET plan_cache_mode = force_generic_plan" -c "PREPARE q(bigint) AS SELECT seq FROM p.entries WHERE seq = \$1" \
	-c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE q($mid)" | sed 's/^/#   /' >> "$OUT.tmp"
plan "the contiguity check's head read" "SELECT coalesce(max(seq), 0) FROM p.entries WHERE seq < $((mid + 1))"
plan "ts range page (every partition's ts index, merged)" "SELECT seq, ts FROM p.entries WHERE ts >= '$ts_mid' AND ts < '9999' ORDER BY ts, seq LIMIT 50"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
[ -n "${SRC_DB:-}" ] && p -c "DROP SCHEMA p CASCADE"
exit 0
