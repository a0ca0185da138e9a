# pg_export.sh - export, attest, attest verify and watch on a PostgreSQL
# store (docs/STORE.md "PostgreSQL stores"), on a private server
# (tests/pg/server.sh): a bundle exported from the server (by events, by
# query, by incident, marked, with an attestation) holds the same leaves,
# proofs, records, renderings and report as one exported from its SQLite
# copy, and verifies; attest gives the SQLite copy's statement and attest
# verify --store checks it against the server; watch follows the server
# and alerts once per violating event appended; a reader role can export signed events
# but cannot sign pending ones, which a writer's export signs on the
# server; the URI's password reaches no file of the bundle. Fails, not skips, without PostgreSQL.
. tests/lib.sh
. tests/pg/server.sh

PW=Exp-4c1d-secret

uri() { echo "postgresql://$1@/store?host=$PGHOST"; }

setup() {
	pg_roles_store "$PW" || return 1
	signer example.org/pgx "$T/keys"
	ts gen --events 600 --seed 21 --incidents "$T/inc.jsonl" > "$T/gen.jsonl" || return 1
	ts init "$(uri ts_owner)" --origin example.org/pgx --writer ts_writer --writer ts_pw \
		--reader ts_reader >/dev/null || return 1
	ts import "$(uri ts_writer)" "$T/gen.jsonl" "$SHARED"/samples/cloudtrail/0[1-3]*.json --sign "$K" \
		--quiet || return 1
	ts incident import "$(uri ts_writer)" "$T/inc.jsonl" >/dev/null || return 1
	ts copy "$(uri ts_reader)" "$T/ref.db" >/dev/null
}

# same_bundle NAME A B: the payload files of bundles A and B are the same
# bytes (bag-info and the manifests differ only in dates and names).
same_bundle() {
	for f in leaves.jsonl proofs.jsonl events.jsonl events.csv changes.csv checkpoint notes.md incident.json \
		 attestation.dsse.json; do
		[ -e "$2/data/$f" ] || [ -e "$3/data/$f" ] || continue
		if cmp -s "$2/data/$f" "$3/data/$f"; then
			pass "$1: data/$f is the same"
		elif [ "$f" = attestation.dsse.json ]; then
			# the statement but for its evaluated_at (the time of each export)
			for b in "$2" "$3"; do
				python3 -c 'import json,sys,base64; print(base64.b64decode(json.load(open(sys.argv[1]))["payload"]).decode())' \
					"$b/data/$f" | python3 -m json.tool | grep -v '"evaluated_at"' > "$b.stmt"
			done
			if [ -s "$2.stmt" ] && cmp -s "$2.stmt" "$3.stmt"; then
				pass "$1: data/$f holds the same statement, but for the time it was made"
			else
				fail "$1: data/$f differs" "$(diff "$3.stmt" "$2.stmt" | head -8)"
			fi
		else
			fail "$1: data/$f differs" "$(cmp "$2/data/$f" "$3/data/$f" 2>&1 | head -2)"
		fi
	done
	# the report names the store: the URI as printed, or the file
	sed -e "s#$(uri ts_reader)#STORE#g" -e "s#$T/ref.db#STORE#g" "$2/data/report.txt" > "$T/r1"
	sed -e "s#$(uri ts_reader)#STORE#g" -e "s#$T/ref.db#STORE#g" "$3/data/report.txt" > "$T/r2"
	if cmp -s "$T/r1" "$T/r2"; then pass "$1: data/report.txt is the same"
	else fail "$1: data/report.txt differs" "$(diff "$T/r1" "$T/r2" | head -6)"; fi
}

# export_both NAME ARGS...: exports with ARGS from the server and from the
# SQLite copy, both must succeed, verify and hold the same payload (the
# case file $CF's notes too).
CF=none.case
export_both() {
	_n=$1
	shift
	rm -rf "$T/pgb" "$T/ltb"
	expect_status "pg export $_n: from the server" 0 ts export "$(uri ts_reader)" --out "$T/pgb" \
		--case C-1 --examiner E --key "$K" --trust "$P" --case-file "$T/$CF" "$@"
	expect_status "pg export $_n: from the SQLite copy" 0 ts export "$T/ref.db" --out "$T/ltb" \
		--case C-1 --examiner E --key "$K" --trust "$P" --case-file "$T/$CF" "$@"
	expect_status "pg export $_n: the server's bundle verifies" 0 ts bundle verify "$T/pgb" --trust "$P"
	same_bundle "pg export $_n" "$T/pgb" "$T/ltb"
}

check_export() {
	export_both "--events" --events 1-40,77,300-320,601
	expect_eq "pg export --events: 63 events in the bundle" "$(wc -l < "$T/pgb/data/leaves.jsonl")" 63
	export_both "--events, sparse" --events 3,250,599
	export_both "--events, every one" --events 1-603

	expect_status "pg export: an event that is not there: exit 4" 4 ts export "$(uri ts_reader)" \
		--out "$T/none" --case C --examiner E --key "$K" --trust "$P" --events 9999
	expect_grep "pg export: ... saying so" "no event 9999 in the store" "$T/err"
	expect_status "pg export: an event id that is not there: exit 4" 4 ts export "$(uri ts_reader)" \
		--out "$T/none" --case C --examiner E --key "$K" --trust "$P" --events nosuch-id
	expect_grep "pg export: ... naming it" "no event 'nosuch-id' in the store" "$T/err"
	id=$(sed -n '5p' "$T/gen.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["event_id"])')
	export_both "--events by event id" --events "$id"
}

# Selections through the query language and the incident window.
check_selections() {
	export_both "--query" --query "env:production changed:rollout_pct"
	expect_eq "pg export --query: the bundle holds the query's matches" \
		"$(wc -l < "$T/pgb/data/leaves.jsonl")" "$(ts query "$T/ref.db" --count "env:production changed:rollout_pct")"
	export_both "--query, free text and a regex" --query 'rollback OR /JIRA-[0-9]+/'
	export_both "every event (an empty query)" --query ''
	export_both "--incident" --incident INC-0001
	expect_grep "pg export --incident: incident.json holds the window" '"from": ' "$T/pgb/data/incident.json"
	expect_status "pg export --incident: an unknown incident: exit 4" 4 ts export "$(uri ts_reader)" \
		--out "$T/none" --case C --examiner E --key "$K" --trust "$P" --incident INC-9999
	expect_status "pg export: a query that does not compile: exit 3" 3 ts export "$(uri ts_reader)" \
		--out "$T/none" --case C --examiner E --key "$K" --trust "$P" --query 'env:'
}

# attest: the same statement from the server as from the SQLite copy.
POLICY='{"name":"pgx","version":"1","rules":[
 {"id":"prod-rollout","query":"env:production changed:rollout_pct","severity":"high","description":"production rollouts"},
 {"id":"no-approval","query":"risk:no-approval","severity":"medium","description":"changes nobody approved"}]}'
check_attest() {
	printf '%s\n' "$POLICY" > "$T/policy.json"
	for side in pg lite; do
		[ $side = pg ] && st=$(uri ts_reader) || st=$T/ref.db
		expect_status "pg attest ($side)" 0 ts attest "$st" --policy "$T/policy.json" --since 2026-01-01T00:00:00Z \
			--until 2027-01-01T00:00:00Z --key "$K" --trust "$P" --now 2026-06-01T00:00:00Z --format json \
			--out "$T/att.$side"
		mv "$T/out" "$T/att.$side.json"
	done
	if cmp -s "$T/att.pg.json" "$T/att.lite.json"; then
		pass "pg attest: the statement is the SQLite copy's"
	else
		fail "pg attest: the statement differs from the SQLite copy's" "$(diff "$T/att.lite.json" "$T/att.pg.json" | head -6)"
	fi
	expect_grep "pg attest: ... with violations listed" '"leaf_hash"' "$T/att.pg.json"
	expect_grep "pg attest: ... counting the 600 generated events of the period" '"events_in_period": 600,' "$T/att.pg.json"
	expect_status "pg attest verify --store URI" 0 ts attest verify "$T/att.pg" --trust "$P" --store "$(uri ts_reader)"
	expect_grep "pg attest verify: ... VERIFIED" "VERIFIED" "$T/out"
	export_both "--attest" --events 1-603 --attest "$T/policy.json" --attest-since 2026-01-01T00:00:00Z \
		--attest-until 2027-01-01T00:00:00Z
}

# The case file: a PostgreSQL store has none beside it, so --marked needs
# --case-file; marks and notes made on the SQLite copy select the same
# events and carry the same notes from the server.
check_case() {
	expect_status "pg export --marked without --case-file: usage, exit 3" 3 ts export "$(uri ts_reader)" \
		--out "$T/m0" --case C --examiner E --key "$K" --trust "$P" --marked
	expect_grep "pg export --marked: ... saying to name the case file" "name one with --case-file FILE" "$T/err"
	ts case "$T/ref.db" mark 7 12 13 590 --case "$T/c.case" >/dev/null &&
		ts case "$T/ref.db" note 12 "looked at this
second line" --author ana --case "$T/c.case" >/dev/null || fail "pg export: cannot write the case file"
	CF=c.case
	export_both "--marked" --marked
	expect_eq "pg export --marked: the four marked events" "$(wc -l < "$T/pgb/data/leaves.jsonl")" 4
	expect_grep "pg export --marked: the note on event 12 is in notes.md" "second line" "$T/pgb/data/notes.md"
	CF=none.case
}

check_sign() {
	# events after the newest checkpoint: export signs the head first
	ts gen --events 5 --seed 22 --start 2026-03-01T00:00:00Z | sed 's/"evt-/"more-/' > "$T/more.jsonl"
	expect_status "pg import: five more events, not signed" 0 ts import "$(uri ts_writer)" "$T/more.jsonl"
	n=$(psql -X -At -d store -c "SELECT count(*) FROM checkpoints")
	expect_status "pg export of pending events: as a reader, which may not sign the head: exit 5" 5 \
		ts export "$(uri ts_reader)" --out "$T/s1" --case C --examiner E --key "$K" --trust "$P" --events 604-608
	expect_grep "pg export of pending events: ... the server's refusal said" "ts_reader" "$T/err"
	expect_eq "pg export of pending events: ... no checkpoint was added" \
		"$(psql -X -At -d store -c "SELECT count(*) FROM checkpoints")" "$n"
	expect_status "pg export of pending events: as a writer, its password in the URI" 0 ts export \
		"postgresql://ts_pw:$PW@/store?host=$PGHOST" --out "$T/s2" --case C --examiner E --key "$K" \
		--trust "$P" --events 604-608
	expect_eq "pg export of pending events: ... the head is signed on the server" \
		"$(psql -X -At -d store -c "SELECT max(size) FROM checkpoints")" 608
	expect_status "pg export of pending events: ... and the bundle verifies" 0 ts bundle verify "$T/s2" --trust "$P"
	if grep -rq -- "$PW" "$T/s2" "$T/out" "$T/err"; then
		fail "pg export: the password reached the bundle or the output" "$(grep -rl -- "$PW" "$T/s2" | head -3)"
	else
		pass "pg export: the password reaches no file of the bundle and no output"
	fi
}

# watch: following the server (LISTEN/NOTIFY) gives the alerts that
# following the SQLite copy gives, for the same events appended to both.
check_watch() {
	printf '%s\n' "$POLICY" > "$T/policy.json"
	n=$(psql -X -At -d store -c "SELECT count(*) FROM entries")
	ts copy "$(uri ts_reader)" "$T/w.db" >/dev/null
	"$TRAILSCOPE" watch "$(uri ts_reader)" --policy "$T/policy.json" --since-seq "$n" > "$T/w.pg" 2> "$T/w.pg.err" &
	wpg=$!
	"$TRAILSCOPE" watch "$T/w.db" --policy "$T/policy.json" --since-seq "$n" > "$T/w.lite" 2> "$T/w.lite.err" &
	wlite=$!
	i=0
	while [ $i -lt 50 ] && ! { grep -q following "$T/w.pg.err" && grep -q following "$T/w.lite.err"; }; do
		sleep 0.1
		i=$((i + 1))
	done
	ts gen --events 60 --seed 23 --start 2026-04-01T00:00:00Z | sed 's/"evt-/"watch-/' > "$T/w.jsonl"
	expect_status "pg watch: 60 events appended to the server" 0 ts import "$(uri ts_writer)" "$T/w.jsonl"
	ts import "$T/w.db" "$T/w.jsonl" >/dev/null
	i=0
	while [ $i -lt 50 ] && { [ ! -s "$T/w.pg" ] || [ "$(wc -l < "$T/w.pg")" != "$(wc -l < "$T/w.lite")" ]; }; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.5
	kill -TERM $wpg $wlite
	wait $wpg
	expect_eq "pg watch: a signal stops it, exit 0" "$?" 0
	wait $wlite
	expect_eq "pg watch: ... as on the SQLite copy" "$?" 0
	expect_grep "pg watch: says what it follows, the URI as printed" "following postgresql://ts_reader@/store" "$T/w.pg.err"
	if [ -s "$T/w.pg" ] && cmp -s "$T/w.pg" "$T/w.lite"; then
		pass "pg watch: $(wc -l < "$T/w.pg") alerts, the same as from the SQLite copy"
	else
		fail "pg watch: the alerts differ from the SQLite copy's" "$(diff "$T/w.lite" "$T/w.pg" | head -6)"
	fi
}

if ! pg_start; then
	fail "pg: cannot start a PostgreSQL server (see above; .ci/deps.sh installs postgresql)"
elif ! setup; then
	fail "pg: cannot set up roles, the store and its events"
else
	check_export
	check_selections
	check_attest
	check_case
	check_sign
	check_watch
fi
