#!/bin/sh
# store.sh - where a store's bytes go: imports N generated events (default
# 100,000) into a fresh store and prints, per event, the pages of each
# table and index (SQLite's dbstat), grouped as docs/STORE.md "Space per
# event" lists them, the file size and the average leaf and raw record as
# stored (packed against the leaf from schema 6).
# With TRAILSCOPE set to an earlier build it measures that build's layout.
# Appends to bench/results-store.txt.
#
#   sh bench/store.sh [N]      TRAILSCOPE=./trailscope
. "$(dirname "$0")/lib.sh"
N=${1:-100000}
ev=$(events "$N")
db=$DATA/store-$N.db
out=$top/bench/results-store.txt
rm -f "$db" "$db-wal" "$db-shm"
"$TS" import "$db" "$ev" --quiet
{
	echo "# bytes per event, $N generated events ($(date -u +%Y-%m-%d), $("$TS" --version 2>/dev/null | head -1))"
	sqlite3 "$db" "
	WITH s AS (SELECT CASE
		WHEN name = 'entries' THEN 'entries (leaf and display columns)'
		WHEN name = 'entry_text' THEN 'entry_text (raw record and summary)'
		WHEN name IN ('changes', 'changes_path') THEN 'changes and changes_path'
		WHEN name LIKE 'entries_fts%' THEN 'entries_fts'
		WHEN name LIKE 'entries_%' THEN 'entries_* indexes'
		ELSE 'merkle_nodes and the rest' END AS part, pgsize FROM dbstat)
	SELECT printf('%-40s %8.0f', part, sum(pgsize) * 1.0 / $N) FROM s GROUP BY part ORDER BY sum(pgsize) DESC;
	SELECT printf('%-40s %8.0f', 'total (file size / events)', page_count * page_size * 1.0 / $N)
		FROM pragma_page_count, pragma_page_size;
	SELECT printf('page size %d, schema version %d', page_size, user_version) FROM pragma_page_size, pragma_user_version;
	SELECT printf('average leaf %.0f bytes, raw record %.0f bytes as stored, %d of %d packed (leaf version %s)',
		avg(length(e.leaf)), avg(length(CAST(t.raw AS BLOB))), sum(typeof(t.raw) = 'blob'), count(*),
		group_concat(DISTINCT json_extract(CAST(e.leaf AS TEXT), '\$.v')))
		FROM entries e JOIN entry_text t USING (seq);"
	echo
} | tee -a "$out"
