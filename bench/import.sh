#!/bin/sh
# import.sh - import and verify throughput on 1,000,000 generated events,
# next to jq and lnav reading the same file and sha256sum over the same
# leaf bytes. Writes bench/results-import.txt.
#
# Also the floors under the import budget on this machine: the same rows
# copied by SQLite alone into an empty store of the same schema, written
# the way a first import writes (no journal; no parsing, diffing or
# hashing; the contentless FTS index cannot be copied and is left out),
# and the disk writing the store's bytes once with fdatasync (`dd`).
. "$(dirname "$0")/lib.sh"
N=${N:-1000000}
ev=$(events "$N")
db=$DATA/import-$N.db
out=$top/bench/results-import.txt
rm -f "$db" "$db-wal" "$db-shm"
XDG_STATE_HOME=$DATA/state; export XDG_STATE_HOME
rm -rf "$DATA/keys" "$XDG_STATE_HOME"
"$TS" keygen bench.example/audit --out "$DATA/keys" >/dev/null
size=$(stat -c %s "$ev")
t_import=$(timed "$TS" import "$db" "$ev" --sign "$DATA/keys/bench.example_audit.key" --quiet)
t_jq=$(timed sh -c "jq -c . '$ev' > /dev/null")
t_verify=$(timed "$TS" verify "$db" --trust "$DATA/keys/bench.example_audit.pub" --no-remember)
sqlite3 "$db" "SELECT writefile('$DATA/leaves.bin', (SELECT group_concat(CAST(leaf AS TEXT), '') FROM entries))" >/dev/null 2>&1 || \
	sqlite3 -batch "$db" "SELECT CAST(leaf AS TEXT) FROM entries" > "$DATA/leaves.bin"
t_sha=$(timed sha256sum "$DATA/leaves.bin")
leafbytes=$(stat -c %s "$DATA/leaves.bin")
# SQLite alone: the imported rows into an empty store of the same schema
floor=$DATA/floor-$N.db
rm -f "$floor" "$floor-wal" "$floor-shm"
sqlite3 "$db" .schema | grep -v '^CREATE TABLE sqlite_\|entries_fts' > "$DATA/schema.sql"
sqlite3 "$floor" < "$DATA/schema.sql"
t_floor=$(timed sqlite3 "$floor" "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;
	ATTACH '$db' AS src; BEGIN;
	INSERT INTO main.entries SELECT * FROM src.entries;
	INSERT INTO main.changes SELECT * FROM src.changes;
	INSERT INTO main.entry_text SELECT * FROM src.entry_text;
	INSERT INTO main.merkle_nodes SELECT * FROM src.merkle_nodes;
	COMMIT;")
rm -f "$floor" "$floor-wal" "$floor-shm"
storebytes=$(stat -c %s "$db")
t_dd=$(timed dd if=/dev/zero of="$DATA/dd.bin" bs=1M count=$(( storebytes / 1048576 )) conv=fdatasync)
rm -f "$DATA/dd.bin"
rss_import=$(rm -f "$db.2"; peak_rss_mb "$TS" import "$db.2" "$ev" --quiet); rm -f "$db.2" "$db.2-wal" "$db.2-shm"
rss_verify=$(peak_rss_mb "$TS" verify "$db" --trust "$DATA/keys/bench.example_audit.pub" --no-remember)
if command -v lnav >/dev/null 2>&1; then
	# lnav needs a JSON log format to see these events as events
	mkdir -p "$DATA/lnavhome"
	HOME=$DATA/lnavhome lnav -i "$top/bench/lnav-trailscope-gen.json" >/dev/null 2>&1 || true
	t_lnav=$(timed env HOME="$DATA/lnavhome" lnav -n -c ';SELECT count(*) FROM trailscope_gen' "$ev")
else
	t_lnav=n/a
fi
{
	echo "# import and verify, $N generated events ($(date -u +%Y-%m-%d), $(nproc) cores)"
	echo "input: $(( size / 1048576 )) MiB of JSON lines; leaves: $(( leafbytes / 1048576 )) MiB;" \
	     "store: $(( storebytes / 1048576 )) MiB"
	python3 - "$N" "$t_import" "$t_jq" "$t_verify" "$t_sha" "$t_lnav" "$rss_import" "$rss_verify" \
		"$t_floor" "$t_dd" <<'PY'
import sys
n, ti, tj, tv, ts, tl, ri, rv, tf, td = sys.argv[1:]
n = int(n)
print(f"trailscope import (parse, diff, JCS, SHA-256, SQLite, sign): {float(ti):.2f} s = {n/float(ti):,.0f} events/s, peak RSS {ri} MB")
print(f"jq -c . over the same file:                                   {float(tj):.2f} s = {n/float(tj):,.0f} events/s")
print(f"lnav loading and indexing the same file (JSON log format):    {tl} s")
print(f"trailscope verify (hash every leaf, roots, columns, sigs):    {float(tv):.2f} s, peak RSS {rv} MB")
print(f"sha256sum over the same leaf bytes:                           {float(ts):.2f} s")
print(f"verify / sha256sum:                                           {float(tv)/float(ts):.2f}x")
print(f"floor: SQLite alone writing the same rows (no journal, no FTS): {float(tf):.2f} s = {n/float(tf):,.0f} events/s")
print(f"floor: the disk writing the store's bytes once (dd, fdatasync): {float(td):.2f} s = {n/float(td):,.0f} events/s")
PY
} | tee "$out"
