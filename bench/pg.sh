#!/bin/sh
# pg.sh - import throughput into a PostgreSQL store next to SQLite, on N
# generated events (default 200,000; N=1000000 for the issue's figure),
# on a private server (tests/pg/server.sh, fsync off as in the tests):
# wall time, the client's CPU (user+sys) and the server's (the
# postmaster's children, reaped), and the load average. Then verify on
# both. Writes bench/results-pg.txt.
. "$(dirname "$0")/lib.sh"
set +eu
N=${N:-200000}
ev=$(events "$N")
out=$top/bench/results-pg.txt
cd "$top" || exit 1
SHARED=${SHARED:-$top/../shared}
. tests/lib.sh
. tests/pg/server.sh
pg_start || exit 1
psql -X -q -c "CREATE ROLE w LOGIN" -c "CREATE DATABASE b ENCODING 'UTF8' TEMPLATE template0" || exit 1
URI="postgresql:///b?host=$PGHOST"
"$TS" init "$URI" --writer w >/dev/null || exit 1
XDG_STATE_HOME=$T/state; export XDG_STATE_HOME
"$TS" keygen bench.example/audit --out "$T/keys" >/dev/null

# server_cpu: seconds of CPU the server and its exited backends used
server_cpu() {
	awk '{ printf "%.2f", ($14 + $15 + $16 + $17) / 100 }' "/proc/$(head -1 "$PG_DIR/data/postmaster.pid")/stat"
}
# run NAME CMD...: "NAME: wall W s, client CPU C s, server CPU S s, load L"
run() {
	_n=$1
	shift
	s0=$(server_cpu)
	/usr/bin/time -f '%e %U %S' -o "$T/time" "$@" >/dev/null 2>"$T/err" || { cat "$T/err"; }
	# the backend's CPU counts once the postmaster has reaped it
	while [ "$(psql -XAtc "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")" -gt 1 ]; do
		sleep 0.1
	done
	sleep 0.5
	s1=$(server_cpu)
	read -r w u s < "$T/time"
	echo "$_n: wall $w s, client CPU $(echo "$u $s" | awk '{ print $1 + $2 }') s," \
	     "server CPU $(echo "$s0 $s1" | awk '{ printf "%.2f", $2 - $1 }') s, load $(cut -d' ' -f1-3 /proc/loadavg)"
}
{
	echo "# PostgreSQL store next to SQLite, $N generated events ($(date -u +%Y-%m-%d), $(nproc) cores;" \
	     "PostgreSQL $(psql -XAtc 'SHOW server_version'), fsync off)"
	run "import SQLite    " "$TS" import "$T/b.db" "$ev" --sign "$T/keys/bench.example_audit.key" --quiet
	run "import PostgreSQL" "$TS" import "postgresql://w@/b?host=$PGHOST" "$ev" --sign "$T/keys/bench.example_audit.key" --quiet
	run "verify SQLite    " "$TS" verify "$T/b.db" --trust "$T/keys/bench.example_audit.pub" --no-remember
	run "verify PostgreSQL" "$TS" verify "$URI" --trust "$T/keys/bench.example_audit.pub" --no-remember
	run "copy PG -> SQLite" "$TS" copy "$URI" "$T/c.db"
	echo "store sizes: SQLite $(( $(stat -c %s "$T/b.db") / 1048576 )) MiB, PostgreSQL" \
	     "$(psql -XAtc "SELECT pg_database_size('b') / 1048576") MiB"
} | tee "$out"
