# server.sh - sourced by the PostgreSQL tests (tests/cli/pg_*.sh, after
# tests/lib.sh), not a test itself: starts a private PostgreSQL server for
# one script and stops it when the script ends.
#
#   pg_start   initdb into a new temporary directory, start the server on
#              a Unix socket in that directory only (listen_addresses is
#              empty: no TCP), wait until it accepts connections, and
#              export PGHOST, PGPORT, PGUSER (the superuser ts_super) and
#              PGDATABASE for psql. Authentication is trust: only the
#              directory's owner (and root) can reach the socket.
#              Returns non-zero, saying why on stderr, when PostgreSQL is
#              not installed or the server does not start.
#   pg_roles_store [PASSWORD]
#              the roles the PostgreSQL tests use: ts_owner, ts_writer and
#              ts_reader (trust, as every role here), with PASSWORD also
#              ts_pw, which must log in with it (scram-sha-256), and a
#              database `store` owned by ts_owner (UTF8), with no
#              trailscope store yet.
#   pq ROLE DB SQL...
#              psql as ROLE in DB, one -c per SQL, stopping at the first
#              error; unaligned, tuples only.
#   pg_stop    stop the server (immediate) and remove the directory; the
#              EXIT trap installed here calls it, then ts_exit.
#
# PostgreSQL refuses to run as root, so under root (as on CI) the server
# runs as the `postgres` user, which owns the directory. The binaries are
# found in $PG_BIN, else `pg_config --bindir`, else the newest
# /usr/lib/postgresql/*/bin (Debian's layout), else on PATH.

PG_DIR=""

pg_find_bin() {
	for _d in "${PG_BIN:-}" "$(pg_config --bindir 2>/dev/null)" \
		  $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
		if [ -n "$_d" ] && [ -x "$_d/initdb" ] && [ -x "$_d/pg_ctl" ] && [ -x "$_d/postgres" ]; then
			PG_BIN=$_d
			return 0
		fi
	done
	if command -v initdb >/dev/null && command -v pg_ctl >/dev/null && command -v postgres >/dev/null; then
		PG_BIN=$(dirname "$(command -v initdb)")
		return 0
	fi
	echo "pg: PostgreSQL server programs (initdb, pg_ctl, postgres) not found: install postgresql (.ci/deps.sh)" >&2
	return 1
}

# pg_as CMD...: runs CMD as the server's user (postgres under root).
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	pg_find_bin || return 1
	command -v psql >/dev/null || { echo "pg: psql not found: install postgresql-client" >&2; return 1; }
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		echo "pg: running as root but there is no 'postgres' user to run the server as" >&2
		return 1
	fi
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tspg.XXXXXX") || return 1
	[ "$(id -u)" -ne 0 ] || chown postgres: "$PG_DIR" || return 1
	if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U ts_super -A trust -E UTF8 --locale=C \
			--no-sync --no-instructions >"$PG_DIR/initdb.log" 2>&1; then
		echo "pg: initdb failed:" >&2
		tail -5 "$PG_DIR/initdb.log" >&2
		return 1
	fi
	cat >>"$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
port = 5432
max_connections = 30
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
	if ! pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 20 start >/dev/null 2>&1; then
		echo "pg: the server did not start:" >&2
		tail -5 "$PG_DIR/server.log" >&2
		return 1
	fi
	export PGHOST="$PG_DIR" PGPORT=5432 PGUSER=ts_super PGDATABASE=postgres
	unset PGPASSWORD PGSERVICE PGSSLMODE PGOPTIONS 2>/dev/null || true
	return 0
}

pg_roles_store() {
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE ts_owner LOGIN" -c "CREATE ROLE ts_writer LOGIN" \
		-c "CREATE ROLE ts_reader LOGIN" \
		-c "CREATE DATABASE store OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0" || return 1
	[ -n "${1:-}" ] || return 0
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE ts_pw LOGIN PASSWORD '$1'" &&
	pg_as sh -c "{ echo 'local all ts_pw scram-sha-256'; cat '$PG_DIR/data/pg_hba.conf'; } > '$PG_DIR/hba' &&
		mv '$PG_DIR/hba' '$PG_DIR/data/pg_hba.conf'" &&
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" reload >/dev/null
}

pq() {
	_r=$1 _d=$2
	shift 2
	for _c in "$@"; do set -- "$@" -c "$_c"; shift; done
	psql -X -q -At -v ON_ERROR_STOP=1 -U "$_r" -d "$_d" "$@"
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	if [ -f "$PG_DIR/data/postmaster.pid" ]; then
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	fi
	rm -rf "$PG_DIR"
	PG_DIR=""
}

trap 'pg_stop; ts_exit' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
