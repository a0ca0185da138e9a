#!/bin/sh
# pg.sh - a PostgreSQL store next to SQLite at scale (issue 14): N
# generated events (default 1,000,000, seed 7, cached in bench/data/)
# imported into a new SQLite file and into a PostgreSQL store on a private
# server on this machine (tests/pg/server.sh: initdb in a temporary
# directory, a Unix socket only, fsync, synchronous_commit and
# full_page_writes off as in the tests; autovacuum off here, so that each
# row's server CPU is that command's), `jq -c .` over the same file for
# scale, verify on both, and sha256sum over the leaf bytes. Writes
# bench/results-pg.txt.
#
#   sh bench/pg.sh                 # 1,000,000 events
#   N=100000 sh bench/pg.sh        # a quicker run
#
# Each row: wall seconds; the client's CPU (user + system, its threads
# and children: /usr/bin/time); its peak RSS; the server's CPU, the
# growth over the command of the postmaster's utime + stime + cutime +
# cstime (/proc/PID/stat: its reaped backends) plus those of its living
# children (the backend, checkpointer, WAL writer, ...); the server
# backend's peak RSS (the largest VmHWM of a client backend, sampled
# every 0.5 s: shared buffers it touched included); and the 1-minute
# load average at the start and at the end, since 4 other engineers
# share the 2 cores and wall time alone says little.
#
# Hooks for the query engine on PostgreSQL (another branch): when
# `trailscope query URI` works, the indexed queries and `changed:` counts
# of bench/query.sh are timed on both stores (best of 3), before and
# after a VACUUM (ANALYZE) of the PostgreSQL store, and when
# `trailscope open URI` works, the TUI's first screen (TRAILSCOPE_TIMING,
# as bench/tui.sh). Until then their rows say "not measured" and why.
. "$(dirname "$0")/lib.sh"
set +eu
N=${N:-1000000}
OUT=${OUT:-$top/bench/results-pg.txt}
ev=$(events "$N")
cd "$top" || exit 1
SHARED=${SHARED:-$top/../shared}
TRAILSCOPE=$TS
. tests/lib.sh
. tests/pg/server.sh
pg_start || exit 1
echo "autovacuum = off" >> "$PG_DIR/data/postgresql.conf"
psql -X -q -c "SELECT pg_reload_conf()" >/dev/null || exit 1
psql -X -q -c "CREATE ROLE w LOGIN" -c "CREATE DATABASE b ENCODING 'UTF8' TEMPLATE template0" || exit 1
URI="postgresql:///b?host=$PGHOST"
WURI="postgresql://w@/b?host=$PGHOST"
"$TS" init "$URI" --writer w >/dev/null || exit 1
XDG_STATE_HOME=$T/state; export XDG_STATE_HOME
"$TS" keygen bench.example/audit --out "$T/keys" >/dev/null
key=$T/keys/bench.example_audit.key pub=$T/keys/bench.example_audit.pub
pm=$(head -1 "$PG_DIR/data/postmaster.pid")

# server_cpu: CPU seconds of the server so far (see above)
server_cpu() {
	{ cat "/proc/$pm/stat"; for c in $(cat /proc/"$pm"/task/*/children); do cat "/proc/$c/stat" 2>/dev/null; done; } |
		awk '{ sub(/^.*\) /, ""); t += $12 + $13 + $14 + $15 } END { printf "%.2f", t / 100 }'
}
# backend_hwm: the largest VmHWM (kB) of the server's client backends now
backend_hwm() {
	for c in $(cat /proc/"$pm"/task/*/children); do
		case $(cat "/proc/$c/cmdline" 2>/dev/null | tr '\0' ' ') in
		*"postgres: w "*|*"postgres: ts_super "*) awk '/^VmHWM/ { print $2 }' "/proc/$c/status" 2>/dev/null ;;
		esac
	done | sort -n | tail -1
}
load1() { cut -d' ' -f1 /proc/loadavg; }

{
	echo "# bench/pg.sh: a PostgreSQL store next to SQLite, $N generated events (seed 7, $(du -m "$ev" | cut -f1) MB of JSON lines)"
	echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -sr), $("$TS" --version 2>/dev/null | head -1)"
	echo "# PostgreSQL $(psql -XAtc 'SHOW server_version') on this machine: Unix socket, fsync off," \
	     "synchronous_commit off, full_page_writes off, autovacuum off, shared_buffers $(psql -XAtc 'SHOW shared_buffers')"
	echo "# client = the command (user+sys, its threads); server = all server processes over the command"
	echo "# what                       wall_s  client_cpu_s  client_rss_mb  server_cpu_s  server_rss_mb  load_start  load_end"
} > "$OUT.tmp"

# row LABEL CMD...: one result line for CMD, which must succeed
row() {
	_label=$1; shift
	_l0=$(load1) _s0=$(server_cpu) _hwm=0
	/usr/bin/time -f '%e %U %S %M' -o "$T/time" nice -n 10 "$@" >"$T/last" 2>"$T/err" &
	_pid=$!
	while kill -0 "$_pid" 2>/dev/null; do
		_h=$(backend_hwm)
		[ -n "$_h" ] && [ "$_h" -gt "$_hwm" ] && _hwm=$_h
		sleep 0.5
	done
	wait "$_pid" || { echo "bench/pg.sh: $_label failed:" >&2; cat "$T/err" >&2; exit 1; }
	sleep 1 # the backend's exit, reaped into the postmaster's cutime
	read -r _wall _user _sys _rss < "$T/time"
	printf '%-28s %7s  %12.2f  %13.1f  %12.2f  %13.1f  %10s  %8s\n' "$_label" "$_wall" \
		"$(echo "$_user + $_sys" | bc -l)" "$(echo "$_rss / 1024" | bc -l)" \
		"$(echo "$(server_cpu) - $_s0" | bc -l)" "$(echo "$_hwm / 1024" | bc -l)" "$_l0" "$(load1)" >> "$OUT.tmp"
}

row "jq -c . (for scale)" jq -c . "$ev"
row "import SQLite" "$TS" import "$T/s.db" "$ev" --sign "$key" --quiet
row "import PostgreSQL" "$TS" import "$WURI" "$ev" --sign "$key" --quiet
row "verify SQLite" "$TS" verify "$T/s.db" --trust "$pub" --no-remember
grep '^verdict' "$T/last" | sed 's/^/#   /' >> "$OUT.tmp"
row "verify PostgreSQL" "$TS" verify "$URI" --trust "$pub" --no-remember
grep '^verdict' "$T/last" | sed 's/^/#   /' >> "$OUT.tmp"
# the leaf bytes, as verify hashes them (each leaf's own bytes, in seq order)
python3 - "$T/s.db" "$T/leaves.bin" <<'EOF'
import sqlite3, sys
with open(sys.argv[2], "wb") as out:
    for (leaf,) in sqlite3.connect(sys.argv[1]).execute("SELECT leaf FROM entries ORDER BY seq"):
        out.write(leaf)
EOF
row "sha256sum of the leaves" sha256sum "$T/leaves.bin"
echo "#   the leaves: $(stat -c %s "$T/leaves.bin") bytes, each leaf's bytes in seq order (what verify hashes)" >> "$OUT.tmp"
# the issue's ratios, from the rows above (CPU: client + server)
awk '
/^import SQLite/ { iw = $3; ic = $4 + $6 }
/^import PostgreSQL/ { pw = $3; pc = $4 + $6 }
/^verify PostgreSQL/ { vw = $3; vc = $4 + $6 }
/^sha256sum of the leaves/ { sw = $5; sc = $6 + $8 }
END {
	printf "# import PostgreSQL / SQLite: %.2fx by wall time, %.2fx by CPU (client + server); target: at most 1x\n", pw / iw, pc / ic
	printf "# verify PostgreSQL / sha256sum: %.2fx by wall time, %.2fx by CPU; target: within 3x\n", vw / sw, vc / sc
}' "$OUT.tmp" >> "$OUT.tmp.r"
cat "$OUT.tmp.r" >> "$OUT.tmp"
rm -f "$OUT.tmp.r"

# queries TAG: the indexed queries and changed: counts on both stores, best
# of 3 each, their lines marked TAG
queries() {
	for q in 'actor:terraform-ci|--count' 'env:production|--limit 50 --format jsonl' \
		 'target:checkout-*|--count' 'since:2026-06-01 until:2026-06-02|--count' \
		 'changed:rollout_pct|--count' 'changed:enabled env:production since:2026-06-01|--count'; do
		for store in "$T/s.db" "$URI"; do
			best=
			for i in 1 2 3; do
				t0=$(now_ms)
				# shellcheck disable=SC2086
				"$TS" query "$store" "${q%%|*}" ${q#*|} > "$T/q.out" 2>&1
				t1=$(now_ms)
				[ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ] && best=$((t1 - t0))
			done
			case $store in postgresql*) b=PostgreSQL ;; *) b=SQLite ;; esac
			printf "query %-44s %-10s %6s ms best of 3 (load %s, %s): %s\n" "'${q%%|*}' ${q#*|}" "$b" "$best" \
				"$(load1)" "$1" "$(tail -1 "$T/q.out" | cut -c1-40)" >> "$OUT.tmp"
		done
	done
}
# indexed queries and changed: counts, when the query engine reads PostgreSQL:
# as the import left the store, then after VACUUM (ANALYZE) as the owner
# (what autovacuum does on a real server; off here): the visibility map
# it sets lets index scans skip the table's rows
if "$TS" query "$URI" 'actor:terraform-ci' --count >/dev/null 2>"$T/qerr"; then
	queries unvacuumed
	row "VACUUM (ANALYZE) PostgreSQL" psql -X -q -d b -c "VACUUM (ANALYZE)"
	echo "#   entries: $(psql -XAt -d b -c "SELECT relallvisible || ' of ' || relpages FROM pg_class
		WHERE relname = 'entries'") pages all-visible after it" >> "$OUT.tmp"
	queries vacuumed
else
	echo "# query on PostgreSQL: not measured: $(head -1 "$T/qerr")" >> "$OUT.tmp"
fi
# the TUI's first screen, when it opens a PostgreSQL store
if TRAILSCOPE_SCRIPT=/dev/null TRAILSCOPE_TIMING=$T/tui.txt COLUMNS=120 LINES=40 TERM=xterm-256color \
	"$TS" open "$URI" --trust "$pub" >/dev/null 2>"$T/tuierr"; then
	for store in "$T/s.db" "$URI"; do
		: > "$T/first"
		for i in 1 2 3 4 5; do
			TRAILSCOPE_SCRIPT=/dev/null TRAILSCOPE_TIMING=$T/tui.txt COLUMNS=120 LINES=40 TERM=xterm-256color \
				"$TS" open "$store" --trust "$pub" >/dev/null 2>&1
			awk '/^first_screen_ms/ { print $2 }' "$T/tui.txt" >> "$T/first"
		done
		echo "TUI first screen, $store: median $(sort -n "$T/first" | sed -n 3p) ms of 5 (load $(load1))" >> "$OUT.tmp"
	done
else
	echo "# TUI on PostgreSQL: not measured: $(head -1 "$T/tuierr")" >> "$OUT.tmp"
fi

# bytes on disk
{
	echo "# on disk: SQLite $(stat -c %s "$T/s.db") bytes (the file, WAL checkpointed);" \
	     "PostgreSQL database $(psql -XAtc "SELECT pg_database_size('b')" -d b) bytes (pg_database_size, WAL not counted)"
	echo "# PostgreSQL tables, pg_total_relation_size (heap + TOAST + indexes) and of it the indexes:"
	psql -XAt -F ' ' -d b -c "SELECT relname, pg_total_relation_size(oid), pg_indexes_size(oid) FROM pg_class
		WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC" |
		awk '{ printf "#   %-24s %13.0f bytes, indexes %12.0f\n", $1, $2, $3 }'
	echo "# SQLite tables (dbstat, indexes included):"
	sqlite3 "$T/s.db" "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 14" |
		awk -F'|' '{ printf "#   %-24s %13.0f bytes\n", $1, $2 }'
} >> "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
