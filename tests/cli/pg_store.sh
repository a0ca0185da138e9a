# pg_store.sh - trailscope on a PostgreSQL store (docs/STORE.md,
# "PostgreSQL stores"), on a private server (tests/pg/server.sh): init
# creates the schema and grants (a writer may not UPDATE, DELETE or
# TRUNCATE, a reader may not INSERT, a reader's import fails with exit 5
# writing nothing); import writes the same rows, leaves, nodes and
# checkpoints as into SQLite, and the free-text lexemes are FTS5's; four
# importers at once keep seq contiguous, ids unique and the root right;
# one killed mid-transaction leaves nothing; verify gives SQLite's
# verdicts and faults, leaves, columns, nodes, derived tables (in both
# halves) and anchors tampered alike, its derived halves read in the
# reader's snapshot whatever is written meanwhile; timestamp, witness cosign and incident import
# write to it; copy goes both ways row for row; no password ever reaches
# the output of any command, read commands included. Fails, not skips,
# without PostgreSQL.
. tests/lib.sh
. tests/pg/server.sh

PW=Pw-9f3kQz-secret       # ts_pw's real password
WRONG=Wr0ng-7h2x-pass     # a wrong one, in a URI
ENVPW=EnvPw-55c1-secret   # a wrong one, in PGPASSWORD
ALL="$T/all-output"       # every output of every command given a password

uri() { echo "postgresql://$1@/$2?host=$PGHOST"; }
# tsp ARGS...: trailscope, its stdout and stderr also kept in $ALL.
tsp() {
	"$TRAILSCOPE" "$@" >"$T/o" 2>"$T/e"
	_st=$?
	cat "$T/o" "$T/e" >> "$ALL"
	cat "$T/o"
	cat "$T/e" >&2
	return $_st
}
# leaves STORE: "seq hex(leaf) hex(leaf_hash)" per entry, from SQLite or PostgreSQL.
rows_lite() { sqlite3 "$1" "$2"; }

setup() {
	# ts_pw authenticates with its password; everyone else by trust
	pg_roles_store "$PW" &&
		psql -X -q -v ON_ERROR_STOP=1 \
		-c "CREATE DATABASE conc OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0" \
		-c "CREATE DATABASE cp OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0" \
		-c "CREATE DATABASE nostore OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0" \
		-c "CREATE DATABASE dup OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0" \
		-c "CREATE DATABASE fts OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0" || return 1
	signer example.org/pg "$T/keys"
	ts gen --events 2500 --seed 11 > "$T/gen.jsonl" &&
	ts gen --events 40 --seed 12 --start 2026-02-01T00:00:00Z > "$T/more.jsonl" &&
	SAMPLES=$(ls "$SHARED"/samples/cloudtrail/0[1-5]*.json "$SHARED"/samples/launchdarkly/flag/*.json "$SHARED"/samples/k8s-falco/create_c*.json)
}

check_init() {
	expect_status "pg init: creates the store, granting a writer and a reader" 0 \
		tsp init "$(uri ts_owner store)" --origin example.org/pg --writer ts_writer --writer ts_pw --reader ts_reader
	expect_eq "pg init: says what it created" "$(cat "$T/out")" "created $(uri ts_owner store)"
	expect_eq "pg init: meta holds the identity, the schema version and the origin" \
		"$(pq ts_reader store "SELECT string_agg(key || '=' || value, ' ' ORDER BY key) FROM meta WHERE key <> 'created_at'")" \
		"application_id=1953657699 origin=example.org/pg schema=$(sed -n "s/^.*('schema', '\([0-9]*\)').*$/\1/p" sql/pg_schema.sql)"
	expect_status "pg init: a database that holds a store already is refused" 5 tsp init "$(uri ts_owner store)"
	expect_grep "pg init: ... saying so" "the database already holds a trailscope store" "$T/err"
	expect_status "pg init: a role that does not exist is a usage error" 3 \
		tsp init "$(uri ts_owner nostore)" --writer ts_nobody
	expect_grep "pg init: ... naming it" "there is no role 'ts_nobody' on the server" "$T/err"
	expect_eq "pg init: ... and nothing of the schema is left behind" \
		"$(pq ts_owner nostore "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
	expect_status "pg init: --writer on a SQLite file is a usage error" 3 ts init "$T/x.db" --writer ts_writer

	# what init granted: the writer may only add, the reader only read
	pq ts_writer store "SELECT has_table_privilege('entries', 'INSERT'), has_table_privilege('entries', 'UPDATE'),
	    has_table_privilege('entries', 'DELETE'), has_table_privilege('entries', 'TRUNCATE'),
	    has_table_privilege('merkle_nodes', 'INSERT'), has_table_privilege('checkpoints', 'UPDATE')" > "$T/priv"
	pq ts_reader store "SELECT has_table_privilege('entries', 'SELECT'), has_table_privilege('entries', 'INSERT'),
	    has_table_privilege('checkpoints', 'INSERT'), has_table_privilege('meta', 'INSERT')" >> "$T/priv"
	expect_eq "pg init: writer INSERT only, reader SELECT only" "$(tr '\n' ' ' < "$T/priv")" "t|f|f|f|t|f t|f|f|f "
	for op in "UPDATE entries SET actor = actor" "DELETE FROM entries" "TRUNCATE entries"; do
		expect_status "pg init: the writer may not: $op" 1 pq ts_writer store "$op"
		expect_grep "pg init: ... permission denied" "permission denied for table entries" "$T/err"
	done
	expect_status "pg init: the reader may not INSERT" 1 pq ts_reader store "INSERT INTO checkpoints VALUES(1, 'x', 'y')"
	expect_grep "pg init: ... permission denied" "permission denied for table checkpoints" "$T/err"
}

# The same files into PostgreSQL (as the writer) and into SQLite: the
# same rows, table by table.
check_import() {
	expect_status "pg import: as a reader: exit 5" 5 tsp import "$(uri ts_reader store)" "$T/gen.jsonl"
	expect_grep "pg import: ... saying the role may not write, and nothing was written" \
		"the role 'ts_reader' may not write to this store .*nothing was written" "$T/err"
	expect_eq "pg import: ... no entry is stored" "$(pq ts_reader store "SELECT count(*) FROM entries")" 0
	expect_status "pg import: into a database without a store: exit 5" 5 ts import "$(uri ts_owner nostore)" "$T/gen.jsonl"
	expect_grep "pg import: ... saying there is no store (init creates one)" "no trailscope store in this database" "$T/err"

	# a bad record after a batch was sent: the whole import is undone
	{ head -1500 "$T/gen.jsonl"; echo '{"event_id": "bad", "timestamp": '; } > "$T/bad.jsonl"
	expect_status "pg import: a bad record after 1,500 good ones: exit 4" 4 tsp import "$(uri ts_writer store)" "$T/bad.jsonl"
	expect_grep "pg import: ... located" "bad.jsonl:1501:" "$T/err"
	expect_eq "pg import: ... and nothing of it is stored (the sent batch rolled back)" \
		"$(pq ts_reader store "SELECT count(*) FROM entries" "SELECT count(*) FROM changes" "SELECT count(*) FROM merkle_nodes" | tr '\n' ' ')" "0 0 0 "
	i=0
	while [ $i -lt 25 ] && [ "$(pq ts_super store "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'entries'")" = 0 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	expect_eq "pg import: ... though the server had received its rows (pg_stat_user_tables: inserted, dead)" \
		"$(pq ts_super store "SELECT n_tup_ins || ' ' || n_dead_tup FROM pg_stat_user_tables WHERE relname = 'entries'")" "1500 1500"
	# shellcheck disable=SC2086
	expect_status "pg import: generated events and samples, signed" 0 \
		tsp import "$(uri ts_writer store)" "$T/gen.jsonl" $SAMPLES --skip-invalid --sign "$K" --quiet
	# shellcheck disable=SC2086
	ts import "$T/ref.db" "$T/gen.jsonl" $SAMPLES --skip-invalid --sign "$K" --quiet 2>/dev/null
	expect_status "pg import: the same file again adds nothing" 0 tsp import "$(uri ts_writer store)" "$T/gen.jsonl"
	expect_grep "pg import: ... every event already present" "2500 records: 0 added, 2500 already present" "$T/out"
	tsp import "$(uri ts_writer store)" "$T/more.jsonl" --quiet
	ts import "$T/ref.db" "$T/more.jsonl" --quiet

	for spec in "entries|seq|seq, event_id, ts, actor, actor_type, action, target, target_kind, environment, summary, nchanges, risk, source_file, source_line, outcome|leaf_hash, leaf" \
		    "changes|seq, idx|seq, idx, path, kind, coalesce(before, '<null>'), coalesce(after, '<null>'), before_unknown|" \
		    "entry_text|seq|seq, summary, raw|" \
		    "merkle_nodes|level, idx|level, idx|hash" \
		    "checkpoints|size|size, note|"; do
		tab=${spec%%|*} rest=${spec#*|}
		order=${rest%%|*} rest=${rest#*|}
		cols=${rest%%|*} blobs=${rest#*|}
		lite="$cols" pg="$cols"
		for b in $(echo "$blobs" | tr ',' ' '); do
			lite="$lite, lower(hex($b))" pg="$pg, encode($b, 'hex')"
		done
		if [ "$tab" = entry_text ]; then
			# SQLite keeps the records packed (docs/STORE.md "entry_text"), the server as text
			ts sql "$T/ref.db" "SELECT seq, summary, ts_raw(raw, (SELECT leaf FROM entries AS e WHERE e.seq = entry_text.seq))
			    FROM entry_text ORDER BY seq" --format jsonl | jq -c '[.[]]' > "$T/$tab.lite"
		else
			sqlite3 -json "$T/ref.db" "SELECT $lite FROM $tab ORDER BY $order" | jq -c '.[] | [.[]]' > "$T/$tab.lite"
		fi
		pq ts_reader store "SELECT json_build_array($pg) FROM $tab ORDER BY $order" | jq -c . > "$T/$tab.pg"
		if [ "$(wc -l < "$T/$tab.lite")" -gt 0 ] && cmp -s "$T/$tab.lite" "$T/$tab.pg"; then
			pass "pg import: $tab rows are SQLite's ($(wc -l < "$T/$tab.lite") rows)"
		else
			fail "pg import: $tab rows differ from SQLite's" "$(diff "$T/$tab.lite" "$T/$tab.pg" | head -c 600)"
		fi
	done
	# the leaves and raw records the server compressed (rows over ~2 kB):
	# lz4 where the server has it, as the writer asks (pg_store.c)
	if [ "$(pq ts_super store "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")" = t ]; then
		want="lz4 lz4"
	else
		want="pglz pglz"
	fi
	expect_eq "pg import: compressed leaves and raw records are $want (the server's lz4 if it has it)" \
		"$(pq ts_reader store "SELECT (SELECT string_agg(DISTINCT pg_column_compression(leaf), ',') FROM entries) || ' ' ||
			(SELECT string_agg(DISTINCT pg_column_compression(raw), ',') FROM entry_text)")" "$want"
	# the rapid-toggle risk of events whose earlier toggles are still in the
	# unsent batch (the look-up merges the pending events, pg_append.c)
	expect_eq "pg import: rapid toggles counted across the pending batch, as in SQLite" \
		"$(pq ts_reader store "SELECT string_agg(seq::text, ' ' ORDER BY seq) FROM entries WHERE risk & 8 <> 0 AND seq <= 2500")" \
		"1584 1586"
	# into an empty store, ids repeated after a batch was sent and within
	# the unsent one: each event once (the first-load path skips probes)
	tsp init "$(uri ts_owner dup)" --writer ts_writer >/dev/null
	{ head -1200 "$T/gen.jsonl"; head -1200 "$T/gen.jsonl"; } > "$T/twice.jsonl"
	expect_status "pg import: a file holding every event twice, into an empty store" 0 \
		tsp import "$(uri ts_writer dup)" "$T/twice.jsonl"
	expect_grep "pg import: ... each event added once" "2400 records: 1200 added, 1200 already present" "$T/out"
	expect_eq "pg import: ... 1,200 entries, ids unique" \
		"$(pq ts_writer dup "SELECT count(*) || ' ' || count(DISTINCT event_id) || ' ' || max(seq) FROM entries")" "1200 1200 1200"

	# a value longer than a B-tree entry holds: refused before it is sent
	python3 -c 'import json; print(json.dumps({"event_id": "long-1", "timestamp": "2026-01-12T14:32:08Z",
	    "actor_id": "a@example.com", "flag_id": "f" * 3000, "previous_state": "off", "new_state": "on"}))' > "$T/long.jsonl"
	n=$(pq ts_reader store "SELECT count(*) FROM entries")
	expect_status "pg import: a 3,000-byte target: refused, exit 5 (as a write the store refuses)" 5 \
		tsp import "$(uri ts_writer store)" "$T/more.jsonl" "$T/long.jsonl"
	expect_grep "pg import: ... located, saying why" \
		"long.jsonl:1: the event's target is 3000 bytes; a PostgreSQL store indexes values of at most 2704 bytes" "$T/err"
	expect_eq "pg import: ... nothing of the import is stored" "$(pq ts_reader store "SELECT count(*) FROM entries")" "$n"

	# the leaf hashes: SHA-256(0x00 || leaf), recomputed independently
	pq ts_reader store "SELECT encode(leaf, 'hex') || ' ' || encode(leaf_hash, 'hex') FROM entries ORDER BY seq" |
		python3 -c '
import hashlib, sys
bad = [l for l in sys.stdin if hashlib.sha256(b"\0" + bytes.fromhex(l.split()[0])).hexdigest() != l.split()[1]]
print(len(bad))' > "$T/hashes"
	expect_eq "pg import: every leaf_hash is SHA-256(0x00 || leaf) (python hashlib)" "$(cat "$T/hashes")" 0
}

# The lexemes: FTS5's own tokens of the SQLite store (fts5vocab), placed
# by docs/STORE.md's rule, against PostgreSQL's tsvectors.
check_fts() {
	cp "$T/ref.db" "$T/vocab.db"
	sqlite3 "$T/vocab.db" "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, entries_fts, instance);
	    SELECT doc, term, col, offset FROM temp.v" 2>"$T/vocab.err" | python3 -c '
import sys, collections
docs = collections.defaultdict(lambda: collections.defaultdict(list))
for line in sys.stdin:
    doc, term, col, off = line.rstrip("\n").split("|")
    docs[int(doc)][col].append((int(off), term))
out = []
for doc in sorted(docs):
    pos, last = {}, 0
    for w, col in zip("ABCD", ("reason", "target", "actor", "ticket")):
        toks = docs[doc].get(col)
        if not toks:
            continue
        base = last + 2 if last else 1
        for off, term in toks:
            pos.setdefault(term, []).append((base + off, w))
        last = base + max(o for o, _ in toks)
    for term in sorted(pos, key=lambda t: t.encode()):
        out.append("%d %s %s" % (doc, term, ",".join("%d%s" % p for p in sorted(pos[term]))))
print("\n".join(out))' > "$T/fts.lite"
	pq ts_reader store "SELECT seq || ' ' || lexeme || ' ' || (SELECT string_agg(p || w, ',' ORDER BY p)
	    FROM unnest(positions, weights) AS x(p, w)) FROM entries_fts, unnest(doc) ORDER BY seq, lexeme" > "$T/fts.pg"
	if [ "$(wc -l < "$T/fts.lite")" -gt 1000 ] && cmp -s "$T/fts.lite" "$T/fts.pg"; then
		pass "pg import: the free-text lexemes and positions are SQLite FTS5's ($(wc -l < "$T/fts.lite") lexemes)"
	else
		fail "pg import: free-text lexemes differ from FTS5's" "$(cat "$T/vocab.err")" \
			"$(diff "$T/fts.lite" "$T/fts.pg" | head -c 600)"
	fi

	# Documents past the server's limits, which the writer sends as
	# literals for the server's text input to cut as it always did (the
	# binary input refuses them: pg_fts.c): a word 300 times keeps 256
	# positions; past position 16383 every position is 16383, a lexeme's
	# list stops at the first (its weight that column's), and repeats
	# there are one; the rest are sent binary, sorted and merged as the
	# text input would.
	python3 -c '
import json
def ev(i, reason, ticket=None, name=None):
    d = {"event_id": "fts-%d" % i, "timestamp": "2026-01-12T14:%02d:08Z" % i, "actor_id": "a@example.com",
         "flag_id": "flag-x", "previous_state": "off", "new_state": "on", "reason": reason}
    if ticket: d["ticket"] = ticket
    if name: d["actor_name"] = name
    print(json.dumps(d, ensure_ascii=False))
ev(1, " ".join(["w"] * 300))
ev(2, " ".join(["w"] * 256))
ev(3, " ".join("t%d" % k for k in range(17000)) + " zz zz zz", ticket="zz t5 zz")
ev(4, " ".join("u%d" % k for k in range(16380)) + " q q q q")
ev(5, "it'"'"'s a back\\slash O'"'"'Brien caf\u00e9 CAF\u00c9 \u65e5\u672c x y x", ticket="T-1 it'"'"'s", name="Zo\u00eb \\ x")
ev(6, "short " + "L" * 2047 + " tail " + "m" * 2046)' > "$T/fts.jsonl"
	tsp init "$(uri ts_owner fts)" --writer ts_writer --reader ts_reader >/dev/null
	expect_status "pg fts: documents past the server's tsvector limits import" 0 \
		tsp import "$(uri ts_writer fts)" "$T/fts.jsonl" --quiet
	expect_eq "pg fts: ... a lexeme keeps 256 positions (300 and 256 given)" \
		"$(pq ts_reader fts "SELECT string_agg(seq || ':' || array_length(positions, 1) || ':' || positions[256], ' ' ORDER BY seq)
		    FROM entries_fts, unnest(doc) WHERE lexeme = 'w'")" "1:256:256 2:256:256"
	expect_eq "pg fts: ... past position 16383: 17,006 lexemes, 624 of them at 16383 alone, zz once with the reason's weight" \
		"$(pq ts_reader fts "SELECT count(*) || ' ' || count(*) FILTER (WHERE positions = '{16383}') || ' ' ||
		    max(positions::text || weights::text) FILTER (WHERE lexeme = 'zz') FROM entries_fts, unnest(doc) WHERE seq = 3")" \
		"17006 624 {16383}{A}"
	expect_eq "pg fts: ... a repeated lexeme reaching 16383 stops there" \
		"$(pq ts_reader fts "SELECT positions FROM entries_fts, unnest(doc) WHERE seq = 4 AND lexeme = 'q'")" \
		"{16381,16382,16383}"
	expect_eq "pg fts: ... an ordinary document: lexemes sorted bytewise, repeats merged across columns and weights" \
		"$(pq ts_reader fts "SELECT doc FROM entries_fts WHERE seq = 5")" \
		"'1':25 'a':3A,18C 'back':4A 'brien':7A 'cafe':8A,9A 'com':20C 'example':19C 'flag':15B 'it':1A,26 'o':6A 's':2A,27 'slash':5A 't':24 'x':11A,13A,16B,22C 'y':12A 'zoe':21C '日本':10A"
	expect_eq "pg fts: ... a token of 2047 bytes is left out (the server refuses such a lexeme), one of 2046 kept" \
		"$(pq ts_reader fts "SELECT string_agg(length(lexeme) || ':' || positions::text, ' ' ORDER BY lexeme)
		    FROM entries_fts, unnest(doc) WHERE seq = 6 AND lexeme NOT IN ('flag', 'x', 'a', 'example', 'com')")" \
		"2046:{4} 5:{1} 4:{3}"
	expect_eq "pg fts: ... its other words are found, and it keeps its place between them, as in FTS5" \
		"$(tsp query "$(uri ts_reader fts)" 'short' --count) $(tsp query "$(uri ts_reader fts)" '"short tail"' --count)" "1 0"
}

# verify_both NAME [DB SQLITE ARGS...]: verify on the PostgreSQL store
# (default: store) and on the SQLite one (default: $T/ref.db) give the
# same report (but the store line) and exit status; the PostgreSQL report
# is kept in $T/v.pg.raw, both in $T/v.both.
verify_both() {
	_n=$1 _db=${2:-store} _lite=${3:-$T/ref.db}
	shift; [ $# -gt 0 ] && shift; [ $# -gt 0 ] && shift
	"$TRAILSCOPE" verify "$(uri ts_reader "$_db")" --trust "$P" --no-remember "$@" > "$T/v.pg.raw" 2>&1
	echo "exit $?" >> "$T/v.pg.raw"
	"$TRAILSCOPE" verify "$_lite" --trust "$P" --no-remember "$@" > "$T/v.lite.raw" 2>&1
	echo "exit $?" >> "$T/v.lite.raw"
	grep -v '^store:' "$T/v.pg.raw" > "$T/v.pg"
	grep -v '^store:' "$T/v.lite.raw" > "$T/v.lite"
	cat "$T/v.pg" "$T/v.lite" > "$T/v.both"
	if grep -q '^verdict:' "$T/v.pg" && cmp -s "$T/v.pg" "$T/v.lite"; then pass "$_n"
	else fail "$_n" "$(diff "$T/v.pg" "$T/v.lite")"; fi
}

# verify: SQLite's verdict and faults, on the same store and after the
# same tampering (as the superuser, the triggers disabled).
check_verify() {
	verify_both "pg verify: untouched: the same report and exit status as SQLite"
	expect_grep "pg verify: ... VERIFIED" "^verdict: *VERIFIED through 2,5" "$T/v.pg"
	expect_grep "pg verify: ... the store shown by its URI" "^store: *postgresql://ts_reader@/store.host=$PGHOST .origin example.org/pg" "$T/v.pg.raw"
	expect_nogrep "pg verify: ... with no note of anything PostgreSQL leaves unchecked" "^note:.*PostgreSQL" "$T/v.pg.raw"

	pq ts_super store "ALTER TABLE entries DISABLE TRIGGER entries_no_change" \
		"ALTER TABLE merkle_nodes DISABLE TRIGGER merkle_nodes_no_change" \
		"UPDATE entries SET actor = 'mallory' WHERE seq = 17" \
		"UPDATE entries SET leaf = convert_to(replace(convert_from(leaf, 'UTF8'), '\"ts\"', '\"tz\"'), 'UTF8') WHERE seq = 100" \
		"UPDATE merkle_nodes SET hash = sha256(hash) WHERE level = 4 AND idx = 20"
	node=$(pq ts_reader store "SELECT encode(hash, 'hex') FROM merkle_nodes WHERE level = 4 AND idx = 20")
	sqlite3 "$T/ref.db" "DROP TRIGGER entries_no_update;
	    UPDATE entries SET actor = 'mallory' WHERE seq = 17;
	    UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), '\"ts\"', '\"tz\"') AS BLOB) WHERE seq = 100;
	    UPDATE merkle_nodes SET hash = X'$node' WHERE level = 4 AND idx = 20"
	verify_both "pg verify: tampered: the same faults, verdict and exit status as SQLite"
	expect_grep "pg verify: a column edited on the server is MODIFIED" "MODIFIED  *seq 17: column actor does not match the leaf" "$T/v.pg"
	expect_grep "pg verify: an edited leaf is MODIFIED" "MODIFIED  *seq 100: leaf does not match its leaf_hash" "$T/v.pg"
	expect_grep "pg verify: an edited cached node is MODIFIED" "MODIFIED  *seq 321-336: cached Merkle node" "$T/v.pg"
	expect_grep "pg verify: ... FAILED, exit 1" "^exit 1" "$T/v.pg"

	# the derived tables, each edited the same way on both
	c1=$(q "$T/ref.db" "SELECT min(seq) FROM changes WHERE seq > 200")
	c2=$(q "$T/ref.db" "SELECT min(seq) FROM changes WHERE seq > 300")
	rk=$(q "$T/ref.db" "SELECT min(seq) FROM entries WHERE seq > 700 AND risk > 0")
	# and in the second half of the seq range (verify checks each half on a thread of its own)
	c3=$(q "$T/ref.db" "SELECT min(seq) FROM changes WHERE seq > 2100")
	half=$(( $(q "$T/ref.db" "SELECT max(seq) FROM entries") / 2 ))
	expect_eq "pg verify: the edits fall in both halves of the seq range" \
		"$([ "$rk" -le "$half" ] && [ 2000 -gt "$half" ] && [ "$c3" -gt "$half" ] && echo yes)" yes
	raw3=$(q "$T/ref.db" "SELECT count(*) FROM entries WHERE seq = 600 AND CAST(leaf AS TEXT) LIKE '%\"raw_sha256\"%'")
	expect_eq "pg verify: seq 600 is a version 3 leaf (its raw record is evidence in entry_text)" "$raw3" 1
	edits="UPDATE changes SET after = '\"forged\"' WHERE seq = $c1 AND idx = 0;
	    DELETE FROM changes WHERE seq = $c2 AND idx = 0;
	    UPDATE entries SET summary = 'nothing happened' WHERE seq = 400;
	    UPDATE entries SET nchanges = 99 WHERE seq = 401;
	    UPDATE entries SET risk = 0 WHERE seq = $rk;
	    UPDATE entries SET source_line = 1 WHERE seq = 403;
	    UPDATE entry_text SET raw = 'forged' WHERE seq = 600;
	    UPDATE entry_text SET summary = 'x' WHERE seq = 601;
	    DELETE FROM entry_text WHERE seq = 602;
	    UPDATE entries SET summary = 'late' WHERE seq = 2000;
	    UPDATE changes SET path = 'forged' WHERE seq = $c3 AND idx = 0;"
	pq ts_super store "ALTER TABLE changes DISABLE TRIGGER USER" "ALTER TABLE entries DISABLE TRIGGER USER" \
		"ALTER TABLE entry_text DISABLE TRIGGER USER" "$edits"
	sqlite3 "$T/ref.db" "$(q "$T/ref.db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type = 'trigger'") $edits"
	verify_both "pg verify: derived tables tampered: the same faults, verdict and exit status as SQLite"
	while IFS='|' read -r seq what; do
		expect_grep "pg verify: $what" "MODIFIED  *seq $(echo "$seq" | sed ':a;s/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/;ta'): $what" "$T/v.pg"
	done <<-EOF
	$c1|changes of seq $c1 differ from the leaf: .*after
	$c2|changes of seq $c2 differ from the leaf: row 0 is missing
	400|entries.summary of seq 400 differs from the leaf: summary "nothing happened" in the table
	401|entries.nchanges of seq 401 differs from the leaf: nchanges 99 in the table
	$rk|entries.risk of seq $rk differs from the leaf: risk none in the table
	403|entries.source_line of seq 403 differs from the leaf: source_line 1 in the table
	600|entry_text of seq 600 differs from the leaf: raw record: SHA-256 [0-9a-f]{64} in the table, raw_sha256 [0-9a-f]{64} in the leaf
	601|entry_text of seq 601 differs from the leaf: summary "x" in the table
	602|entry_text of seq 602 differs from the leaf: the row is missing, and with it the raw record
	2000|entries.summary of seq 2000 differs from the leaf: summary "late" in the table
	$c3|changes of seq $c3 differ from the leaf: .*path
	EOF
}

# The derived halves read through connections of their own, in the
# reader's snapshot: verify paused before it opens them (test only:
# TRAILSCOPE_TEST_PAUSE_DERIVED, src/core/verify_derived.c) while an
# import appends and derived rows of both halves are edited gives the
# verdict of the store as it was; an ended connection of a half (paused
# with them open) is an error, not a verdict.
check_snapshot() {
	pq ts_super postgres "CREATE DATABASE snap OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0"
	tsp init "$(uri ts_owner snap)" --writer ts_writer --reader ts_reader --reader ts_pw >/dev/null
	tsp import "$(uri ts_writer snap)" "$T/gen.jsonl" --quiet && tsp checkpoint "$(uri ts_writer snap)" --key "$K" >/dev/null
	SU="postgresql://ts_pw:$PW@/snap?host=$PGHOST"
	expect_status "pg snapshot: the store verifies" 0 tsp verify "$SU" --trust "$P" --no-remember
	: > "$T/pause.err"
	TRAILSCOPE_TEST_PAUSE_DERIVED=before "$TRAILSCOPE" verify "$SU" --trust "$P" --no-remember > "$T/snap.out" 2>"$T/pause.err" &
	pv=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q 'test pause' "$T/pause.err"; do sleep 0.2; i=$((i + 1)); done
	expect_grep "pg snapshot: verify paused before the derived readers connect" "test pause before" "$T/pause.err"
	expect_eq "pg snapshot: ... the reader's one connection so far" \
		"$(pq ts_super postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = 'snap' AND usename = 'ts_pw'")" 1
	ts gen --events 40 --seed 12 --start 2026-02-01T00:00:00Z | sed 's/"evt-/"evt-snap-/' > "$T/snapmore.jsonl"
	tsp import "$(uri ts_writer snap)" "$T/snapmore.jsonl" --quiet
	expect_eq "pg snapshot: meanwhile an import appends 40 entries" "$(pq ts_reader snap "SELECT count(*) FROM entries")" 2540
	pq ts_super snap "ALTER TABLE entries DISABLE TRIGGER USER" \
		"UPDATE entries SET summary = 'edited meanwhile' WHERE seq IN (10, 2400)" \
		"ALTER TABLE entries ENABLE TRIGGER USER"
	kill -CONT $pv
	wait $pv
	expect_eq "pg snapshot: ... the paused verify: VERIFIED, exit 0" "$?" 0
	cat "$T/snap.out" "$T/pause.err" >> "$ALL"
	expect_grep "pg snapshot: ... through the checkpoint, nothing pending (what the reader saw)" \
		"^verdict: *VERIFIED through 2,500 .+0 pending" "$T/snap.out"
	expect_grep "pg snapshot: ... of 2,500 entries" "^store: .* 2,500 entries" "$T/snap.out"
	expect_status "pg snapshot: a new verify sees both edits: FAILED" 1 tsp verify "$SU" --trust "$P" --no-remember
	expect_grep "pg snapshot: ... the one in the first half" "MODIFIED  *seq 10: entries.summary of seq 10 differs" "$T/out"
	expect_grep "pg snapshot: ... and the one in the second" "MODIFIED  *seq 2,400: entries.summary of seq 2400 differs" "$T/out"
	expect_grep "pg snapshot: ... and the appended entries" "^store: .* 2,540 entries" "$T/out"
	# a role that may hold one connection: the halves are read after the hashing, on it
	grep -v '^store:' "$T/out" > "$T/snap.three"
	pq ts_super postgres "ALTER ROLE ts_reader CONNECTION LIMIT 1"
	tsp verify "$(uri ts_reader snap)" --trust "$P" --no-remember 2>&1 | grep -v '^store:' > "$T/snap.one"
	pq ts_super postgres "ALTER ROLE ts_reader CONNECTION LIMIT -1"
	if grep -q 'seq 2,400: entries.summary' "$T/snap.one" && cmp -s "$T/snap.three" "$T/snap.one"; then
		pass "pg snapshot: a role limited to one connection: the same report, both edits found"
	else fail "pg snapshot: a role limited to one connection: the same report" "$(diff "$T/snap.three" "$T/snap.one")"; fi

	: > "$T/pause.err"
	TRAILSCOPE_TEST_PAUSE_DERIVED=open "$TRAILSCOPE" verify "$SU" --trust "$P" --no-remember > "$T/snap.out" 2>"$T/pause.err" &
	pv=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q 'test pause' "$T/pause.err"; do sleep 0.2; i=$((i + 1)); done
	expect_eq "pg snapshot: paused with three connections of the reader, made with the URI's password" \
		"$(pq ts_super postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = 'snap' AND usename = 'ts_pw'")" 3
	expect_eq "pg snapshot: a half's connection ended by the server" \
		"$(pq ts_super postgres "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		    WHERE datname = 'snap' AND query LIKE 'SET TRANSACTION SNAPSHOT%'")" 2
	kill -CONT $pv
	wait $pv
	st=$?
	cat "$T/snap.out" "$T/pause.err" >> "$ALL"
	expect_eq "pg snapshot: ... verify fails with exit 5 (I/O), giving no verdict" "$st $(grep -c '^verdict' "$T/snap.out")" "5 0"
	expect_grep "pg snapshot: ... saying it cannot read" "cannot read .*: .*(terminat|closed)" "$T/pause.err"
}

# Anchors and incidents in a PostgreSQL store: timestamp, witness cosign
# and incident import write them; verify --tsa-ca/--witness checks them
# as on SQLite (the store copied), before and after a cosignature is
# edited on the server; copy keeps them.
check_anchors() {
	A="$(uri ts_writer anch)" C="$T/ca"
	mkdir -p "$C" && tsa_setup "$C" "Test Root"
	ts keygen witness.example/aw --witness --out "$T/awk" >/dev/null
	W="$T/awk/witness.example_aw.key" WP="$T/awk/witness.example_aw.pub"
	ts gen --events 300 --seed 41 --incidents "$T/ainc.jsonl" > "$T/anch.jsonl"
	pq ts_super postgres "CREATE DATABASE anch OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0"
	tsp init "$(uri ts_owner anch)" --writer ts_writer --reader ts_reader >/dev/null
	tsp import "$A" "$T/anch.jsonl" >/dev/null 2>&1 && tsp checkpoint "$A" --key "$K" >/dev/null
	expect_status "pg anchors: timestamp --request-out" 0 tsp timestamp "$A" --request-out "$T/a.tsq"
	expect_eq "pg anchors: ... the request recorded on the server" \
		"$(pq ts_reader anch "SELECT size || ' ' || length(nonce) FROM timestamp_requests")" "300 16"
	tsa_reply "$C" "$T/a.tsq" "$T/a.tsr"
	expect_status "pg anchors: timestamp --response stores the token" 0 tsp timestamp "$A" --response "$T/a.tsr"
	expect_eq "pg anchors: ... as its DER bytes" "$(pq ts_reader anch "SELECT encode(token, 'hex') FROM checkpoint_timestamps WHERE id = 1")" \
		"$(openssl ts -reply -in "$T/a.tsr" -token_out 2>/dev/null | xxd -p | tr -d '\n')"
	expect_status "pg anchors: witness cosign" 0 tsp witness cosign "$A" --key "$W" --trust "$P" --state "$T/awstate"
	expect_grep "pg anchors: ... says so" "^witness witness.example/aw cosigned checkpoint 300 of example.org/pg" "$T/out"
	expect_eq "pg anchors: ... one cosignature line, id 1" \
		"$(pq ts_reader anch "SELECT id || ' ' || size || ' ' || (line LIKE '— witness.example/aw %') FROM checkpoint_cosignatures")" "1 300 true"
	expect_status "pg anchors: incident import" 0 tsp incident import "$A" "$T/ainc.jsonl"
	n=$(grep -c . "$T/ainc.jsonl")
	expect_eq "pg anchors: ... says what it added" "$(cat "$T/out")" "$n incidents: $n added, 0 updated, 0 unchanged"
	expect_status "pg anchors: incident import again" 0 tsp incident import "$A" "$T/ainc.jsonl"
	expect_eq "pg anchors: ... changes nothing" "$(cat "$T/out")" "$n incidents: 0 added, 0 updated, $n unchanged"
	expect_status "pg anchors: as a reader: exit 5" 5 tsp incident import "$(uri ts_reader anch)" "$T/ainc.jsonl"
	jq -c '.title = "Renamed on re-import"' "$T/ainc.jsonl" > "$T/ainc2.jsonl"
	expect_status "pg anchors: incident import of an edited record" 0 tsp incident import "$A" "$T/ainc2.jsonl"
	expect_eq "pg anchors: ... replaces it" "$(cat "$T/out")|$(pq ts_reader anch "SELECT DISTINCT title FROM incidents")" \
		"$n incidents: 0 added, $n updated, 0 unchanged|Renamed on re-import"
	tsp incident import "$A" "$T/ainc.jsonl" --quiet

	# the same store in SQLite: the same incidents as an import into SQLite
	expect_status "pg anchors: copy to SQLite" 0 tsp copy "$(uri ts_reader anch)" "$T/anch.db"
	ts incident import "$T/inc-ref.db" "$T/ainc.jsonl" --quiet
	cols="id, title, severity, services, environment, started_at, detected_at, resolved_at, raw, source_file, source_line"
	expect_eq "pg anchors: incidents the same as imported into SQLite ($n)" \
		"$(q "$T/anch.db" "SELECT $cols FROM incidents ORDER BY id")" "$(q "$T/inc-ref.db" "SELECT $cols FROM incidents ORDER BY id")"
	expect_eq "pg anchors: copy kept the token, the request and the cosignature" \
		"$(q "$T/anch.db" "SELECT (SELECT hex(token) FROM checkpoint_timestamps) || ' ' || (SELECT count(*) FROM timestamp_requests) || ' ' || (SELECT count(*) FROM checkpoint_cosignatures)")" \
		"$(pq ts_reader anch "SELECT (SELECT upper(encode(token, 'hex')) FROM checkpoint_timestamps) || ' ' || (SELECT count(*) FROM timestamp_requests) || ' ' || (SELECT count(*) FROM checkpoint_cosignatures)")"
	verify_both "pg anchors: verify --tsa-ca --witness: the same report as its SQLite copy" anch "$T/anch.db" \
		--tsa-ca "$C/Test Root.pem" --witness "$WP"
	expect_grep "pg anchors: ... VERIFIED" "^verdict: *VERIFIED through 300" "$T/v.pg"
	expect_grep "pg anchors: ... the token VERIFIED" "time-stamp.*VERIFIED|VERIFIED.*time-stamp" "$T/v.pg"
	expect_grep "pg anchors: ... the cosignature VERIFIED" "witness.example/aw.*VERIFIED" "$T/v.pg"
	verify_both "pg anchors: verify without them: the same notes as SQLite" anch "$T/anch.db"
	expect_grep "pg anchors: ... the token not checked" "time-stamp token was not checked" "$T/v.pg"

	edit="UPDATE checkpoint_cosignatures SET line = substr(line, 1, length(line) - 6) || 'AAAAAA' WHERE id = 1"
	pq ts_super anch "ALTER TABLE checkpoint_cosignatures DISABLE TRIGGER USER" "$edit"
	sqlite3 "$T/anch.db" "DROP TRIGGER checkpoint_cosignatures_no_update; $edit"
	verify_both "pg anchors: a cosignature edited: the same report as SQLite" anch "$T/anch.db" \
		--tsa-ca "$C/Test Root.pem" --witness "$WP"
	expect_grep "pg anchors: ... BAD_COSIGNATURE" "BAD_COSIGNATURE.*witness 'witness.example/aw' does not verify" "$T/v.pg"
	expect_grep "pg anchors: ... FAILED, exit 1" "^exit 1" "$T/v.pg"
}

# Four importers at once (two of them the same file): seq 1..N, ids
# unique, the root that of the leaves in seq order.
check_concurrent() {
	tsp init "$(uri ts_owner conc)" --writer ts_writer --reader ts_reader >/dev/null
	# distinct event ids per file (gen numbers them from 1); small enough
	# that the last importer gets the lock within its 5 s on a loaded
	# machine under the sanitizers
	for s in 21 22 23; do
		ts gen --events 500 --seed $s --start 2026-0$((s - 20))-01T00:00:00Z | sed "s/\"evt-/\"evt-$s-/" > "$T/c$s.jsonl"
	done
	ts gen --events 1500 --seed 24 | sed 's/"evt-/"evt-kill-/' > "$T/kill.jsonl"
	"$TRAILSCOPE" import "$(uri ts_writer conc)" "$T/c21.jsonl" --quiet 2>"$T/c1.err" & p1=$!
	"$TRAILSCOPE" import "$(uri ts_writer conc)" "$T/c22.jsonl" --quiet 2>"$T/c2.err" & p2=$!
	"$TRAILSCOPE" import "$(uri ts_writer conc)" "$T/c23.jsonl" --quiet 2>"$T/c3.err" & p3=$!
	"$TRAILSCOPE" import "$(uri ts_writer conc)" "$T/c22.jsonl" --quiet 2>"$T/c4.err" & p4=$!
	st=0
	for p in $p1 $p2 $p3 $p4; do wait $p || st=$((st + 1)); done
	expect_eq "pg concurrent: four importers at once all succeed" "$st $(cat "$T"/c[1-4].err)" "0 "
	expect_eq "pg concurrent: seq is 1..N contiguous, event ids unique, each file once" \
		"$(pq ts_reader conc "SELECT min(seq) || ' ' || max(seq) || ' ' || count(*) || ' ' || count(DISTINCT event_id) FROM entries")" \
		"1 1500 1500 1500"
	expect_eq "pg concurrent: each import is contiguous (one transaction under the lock)" \
		"$(pq ts_reader conc "SELECT count(*) FROM (SELECT source_file, max(seq) - min(seq) + 1 AS span, count(*) AS n
		    FROM entries GROUP BY source_file) AS f WHERE span = n")" 3
	expect_status "pg concurrent: a checkpoint of the head" 0 tsp checkpoint "$(uri ts_writer conc)" --key "$K"
	pq ts_reader conc "SELECT encode(leaf_hash, 'hex') FROM entries ORDER BY seq" | python3 -c '
import base64, hashlib, sys
def root(h):
    if len(h) == 1: return h[0]
    k = 1
    while k * 2 < len(h): k *= 2
    return hashlib.sha256(b"\1" + root(h[:k]) + root(h[k:])).digest()
print(base64.b64encode(root([bytes.fromhex(l) for l in sys.stdin.read().split()])).decode())' > "$T/root.py"
	expect_eq "pg concurrent: the checkpoint's root is the RFC 6962 root of the leaves in seq order (python)" \
		"$(pq ts_reader conc "SELECT note FROM checkpoints" | sed -n 3p)" "$(cat "$T/root.py")"
	expect_status "pg concurrent: verify: VERIFIED (cached nodes agree)" 0 \
		tsp verify "$(uri ts_reader conc)" --trust "$P" --no-remember

	# An importer killed while it holds the lock, with rows sent: nothing
	# stays; a reader is not blocked meanwhile; the next import goes on.
	: > "$T/pause.err"
	TRAILSCOPE_TEST_PAUSE_AFTER=1200 "$TRAILSCOPE" import "$(uri ts_writer conc)" "$T/kill.jsonl" --quiet 2>"$T/pause.err" &
	pk=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q 'test pause' "$T/pause.err"; do sleep 0.2; i=$((i + 1)); done
	expect_grep "pg kill: the importer paused mid-transaction" "test pause after 1200 records" "$T/pause.err"
	expect_eq "pg kill: ... holding the append lock, its first 1000 rows sent but not visible" \
		"$(pq ts_super conc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted" \
		    "SELECT count(*) FROM entries")" "1
1500"
	expect_status "pg kill: a reader verifies meanwhile, not blocked" 0 \
		tsp verify "$(uri ts_reader conc)" --trust "$P" --no-remember
	kill -9 $pk
	wait $pk 2>/dev/null
	i=0
	while [ $i -lt 50 ] && [ "$(pq ts_super conc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" != 0 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	expect_eq "pg kill: after kill -9 nothing of that import is stored" \
		"$(pq ts_reader conc "SELECT count(*) || ' ' || max(seq) FROM entries")" "1500 1500"
	expect_status "pg kill: the next import works" 0 tsp import "$(uri ts_writer conc)" "$T/kill.jsonl" --quiet
	expect_eq "pg kill: ... continuing the log at 1501" \
		"$(pq ts_reader conc "SELECT min(seq) || ' ' || max(seq) || ' ' || count(*) FROM entries WHERE source_file LIKE '%kill.jsonl'")" \
		"1501 3000 1500"
	expect_status "pg kill: verify after it: VERIFIED through the checkpoint, the rest pending" 0 \
		tsp verify "$(uri ts_reader conc)" --trust "$P" --no-remember
}

check_checkpoint() {
	tsp init "$(uri ts_owner cp)" --writer ts_writer >/dev/null
	expect_status "pg checkpoint: an empty store: nothing to sign" 5 tsp checkpoint "$(uri ts_writer cp)" --key "$K"
	ts import "$(uri ts_writer cp)" "$T/more.jsonl" --quiet
	ts import "$T/small.db" "$T/more.jsonl" --quiet
	expect_status "pg checkpoint: signs the head" 0 tsp checkpoint "$(uri ts_writer cp)" --key "$K"
	expect_eq "pg checkpoint: ... saying so" "$(cat "$T/out")" "signed checkpoint of example.org/pg at size 40"
	ts checkpoint "$T/small.db" --key "$K" >/dev/null
	expect_eq "pg checkpoint: the same note as SQLite's for the same events (Ed25519 is deterministic)" \
		"$(pq ts_writer cp "SELECT note FROM checkpoints")" \
		"$(sqlite3 "$T/small.db" "SELECT note FROM checkpoints")"
	expect_status "pg checkpoint: as a reader: exit 5" 5 tsp checkpoint "$(uri ts_reader cp)" --key "$K"
}

# copy: SQLite -> PostgreSQL -> SQLite, every table the same; verify the
# same on all three.
check_copy() {
	ts gen --events 600 --seed 31 --incidents "$T/inc.jsonl" > "$T/cg.jsonl"
	ts import "$T/src.db" "$T/cg.jsonl" --sign "$K" --quiet
	ts incident import "$T/src.db" "$T/inc.jsonl" --quiet
	pq ts_super postgres "CREATE DATABASE copy1 OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0"
	tsp init "$(uri ts_owner copy1)" --writer ts_writer --reader ts_reader >/dev/null
	expect_status "pg copy: SQLite to PostgreSQL" 0 tsp copy "$T/src.db" "$(uri ts_writer copy1)"
	expect_eq "pg copy: ... says what it copied" "$(cat "$T/out")" \
		"copied 600 entries and 1 checkpoint from $T/src.db to $(uri ts_writer copy1)"
	expect_status "pg copy: PostgreSQL to SQLite (as a reader)" 0 tsp copy "$(uri ts_reader copy1)" "$T/back.db"
	for t in entries changes entry_text merkle_nodes checkpoints incidents meta checkpoint_timestamps checkpoint_cosignatures; do
		c="*"
		[ "$t" = meta ] && c="key, value" && w="WHERE key = 'origin'" || w=""
		if [ "$t" = entry_text ]; then
			# the records: packed in src.db, text on the server and in back.db
			r="SELECT t.seq, t.summary, ts_raw(t.raw, e.leaf) AS raw FROM entry_text AS t JOIN entries AS e USING (seq) ORDER BY 1"
			ts sql "$T/src.db" "$r" --format jsonl > "$T/t.src"
			ts sql "$T/back.db" "$r" --format jsonl > "$T/t.back"
		else
			sqlite3 "$T/src.db" "SELECT $c FROM $t $w ORDER BY 1, 2" > "$T/t.src"
			sqlite3 "$T/back.db" "SELECT $c FROM $t $w ORDER BY 1, 2" > "$T/t.back"
		fi
		if cmp -s "$T/t.src" "$T/t.back"; then pass "pg copy: $t the same after the round trip ($(wc -l < "$T/t.src") rows)"
		else fail "pg copy: $t differs after the round trip" "$(diff "$T/t.src" "$T/t.back" | head -c 400)"; fi
	done
	for q in shipping 'payment*' '"dynamic rates"'; do
		a=$(sqlite3 "$T/src.db" "SELECT group_concat(rowid) FROM entries_fts WHERE entries_fts MATCH '$q' ORDER BY rowid")
		b=$(sqlite3 "$T/back.db" "SELECT group_concat(rowid) FROM entries_fts WHERE entries_fts MATCH '$q' ORDER BY rowid")
		expect_eq "pg copy: the free-text index rebuilt: $q matches the same entries" "$b" "$a"
	done
	for st in "$T/src.db" "$(uri ts_reader copy1)" "$T/back.db"; do
		"$TRAILSCOPE" verify "$st" --trust "$P" --no-remember 2>&1 | grep '^verdict:'
	done | sort -u > "$T/verdicts"
	expect_eq "pg copy: verify gives the same verdict on all three" "$(cat "$T/verdicts")" \
		"verdict:     VERIFIED through 600 (+0 pending)"
	expect_eq "pg copy: the records packed in SQLite, text on the server and in the copy back" \
		"$(sqlite3 "$T/src.db" "SELECT DISTINCT typeof(raw) FROM entry_text") $(pq ts_reader copy1 \
		"SELECT DISTINCT pg_typeof(raw) FROM entry_text") $(sqlite3 "$T/back.db" "SELECT DISTINCT typeof(raw) FROM entry_text")" \
		"blob text text"
	# a packed record that does not unpack cannot go to the server as text
	cp "$T/src.db" "$T/bad.db"
	sqlite3 "$T/bad.db" "DROP TRIGGER entry_text_no_update; UPDATE entry_text SET raw = substr(raw, 1, 9) WHERE seq = 77"
	pq ts_super postgres "CREATE DATABASE copy2 OWNER ts_owner ENCODING 'UTF8' TEMPLATE template0"
	tsp init "$(uri ts_owner copy2)" --writer ts_writer >/dev/null
	expect_status "pg copy: a damaged packed record stops the copy: exit 5" 5 tsp copy "$T/bad.db" "$(uri ts_writer copy2)"
	expect_grep "pg copy: ... saying which and why" \
		"entry_text.raw of seq 77 does not unpack against its leaf .*: a PostgreSQL store keeps raw records as text" "$T/err"
	expect_eq "pg copy: ... and nothing is written" "$(pq ts_writer copy2 "SELECT count(*) FROM entries")" 0
	expect_status "pg copy: into a PostgreSQL store that is not empty: exit 5" 5 \
		tsp copy "$T/src.db" "$(uri ts_writer copy1)"
	expect_grep "pg copy: ... saying so" "copy writes only into an empty store" "$T/err"
	expect_status "pg copy: onto an existing file: exit 5" 5 tsp copy "$(uri ts_reader copy1)" "$T/back.db"
	expect_status "pg copy: into PostgreSQL as a reader: exit 5, nothing written" 5 \
		tsp copy "$T/small.db" "$(uri ts_reader cp)"
}

# Every command that does not read PostgreSQL stores yet says so (exit 5).
# Every command reads a URI now (pg_read.sh, pg_query.sh, pg_sql.sh,
# pg_export.sh, tests/tui/pg.sh test each); here some run with a password
# in the URI, so that their output joins $ALL for check_passwords.
check_commands() {
	U="postgresql://ts_pw:$PW@/store?host=$PGHOST"
	echo '{"name":"p","version":"1","rules":[{"id":"r","query":"env:production","severity":"low","description":"d"}]}' > "$T/policy.json"
	expect_status "pg query with a password in the URI" 0 tsp query "$U" --count env:production
	expect_status "pg show with a password in the URI" 0 tsp show "$U" 1
	expect_status "pg show: an event that is not there: exit 4" 4 tsp show "$U" 999999
	# the store was tampered with above (check_verify): attest refuses it
	expect_status "pg attest with a password in the URI: the tampered store FAILED, exit 1" 1 tsp attest "$U" --policy "$T/policy.json" \
		--since 2026-01-01T00:00:00Z --until 2027-01-01T00:00:00Z --key "$K" --trust "$P" --out "$T/att"
	# a bad statement: its message joins $ALL
	expect_status "pg sql: a bad statement with a password in the URI: exit 3" 3 \
		tsp sql "$U" "SELECT nosuch FROM events WHERE actor = '$PW'"
}

# Passwords: libpq's sources are honoured, and none is ever printed.
check_passwords() {
	expect_status "pg password: a password in the URI connects" 0 \
		tsp import "postgresql://ts_pw:$PW@/store?host=$PGHOST" "$T/more.jsonl"
	expect_status "pg password: a wrong one fails: exit 5" 5 \
		tsp import "postgresql://ts_pw:$WRONG@/store?host=$PGHOST" "$T/more.jsonl"
	expect_grep "pg password: ... with libpq's reason and the URI without the password" \
		"postgresql://ts_pw@/store.host=.*: cannot connect: .*password authentication failed for user \"ts_pw\"" "$T/err"
	expect_status "pg password: PGPASSWORD is honoured" 0 \
		env PGPASSWORD="$PW" "$TRAILSCOPE" copy "postgresql://ts_pw@/store?host=$PGHOST" "$T/envpw.db"
	cat "$T/out" "$T/err" >> "$ALL"
	expect_status "pg password: a wrong PGPASSWORD fails: exit 5" 5 \
		env PGPASSWORD="$ENVPW" "$TRAILSCOPE" verify "postgresql://ts_pw@/store?host=$PGHOST"
	cat "$T/out" "$T/err" >> "$ALL"
	printf '*:*:store:ts_pw:%s\n' "$PW" > "$T/pgpass"
	chmod 600 "$T/pgpass"
	expect_status "pg password: PGPASSFILE (.pgpass) is honoured" 0 \
		env PGPASSFILE="$T/pgpass" "$TRAILSCOPE" import "postgresql://ts_pw@/store?host=$PGHOST" "$T/more.jsonl"
	cat "$T/out" "$T/err" >> "$ALL"
	expect_status "pg password: as a query parameter, wrong: exit 5" 5 \
		tsp verify "postgresql://ts_pw@/store?host=$PGHOST&password=$WRONG"
	expect_grep "pg password: ... the parameter left out of the URI shown" \
		"postgresql://ts_pw@/store.host=$PGHOST: cannot connect" "$T/err"
	expect_status "pg password: sslmode reaches libpq: a bad one is its error, exit 5" 5 \
		tsp verify "postgresql://ts_pw:$PW@/store?host=$PGHOST&sslmode=sometimes"
	expect_grep "pg password: ... shown with the sslmode" 'sslmode=sometimes: cannot connect: invalid sslmode value: "sometimes"' "$T/err"
	expect_status "pg password: no server: exit 5" 5 \
		tsp import "postgresql://ts_pw:$WRONG@/store?host=$T/nosocket" "$T/more.jsonl"
	expect_grep "pg password: ... saying it cannot connect" "cannot connect: connection to server on socket" "$T/err"
	expect_status "pg password: a bad URI parameter: usage, exit 3" 3 \
		tsp import "postgresql://ts_pw:$WRONG@/store?host=$PGHOST&bogus=1" "$T/more.jsonl"
	expect_grep "pg password: ... naming the parameter" 'invalid URI query parameter: "bogus"' "$T/err"
	expect_status "pg password: init prints the URI without it" 5 \
		tsp init "postgresql://ts_pw:$PW@/store?host=$PGHOST" --reader ts_reader
	tsp copy "postgresql://ts_pw:$PW@/store?host=$PGHOST" "$T/pw.db" >/dev/null 2>&1
	tsp copy "$T/pw.db" "postgresql://ts_pw:$WRONG@/store?host=$PGHOST" >/dev/null 2>&1
	tsp checkpoint "postgresql://ts_pw:$PW@/store?host=$PGHOST" --key "$K" >/dev/null 2>&1
	tsp verify "postgresql://ts_pw:$PW@/store?host=$PGHOST" --trust "$P" --no-remember --format json >/dev/null 2>&1
	n=$(grep -c -e "$PW" -e "$WRONG" -e "$ENVPW" "$ALL")
	expect_eq "pg password: no password in any output of $(grep -c . "$ALL") lines (errors included)" "$n" 0
	[ "$n" = 0 ] || grep -e "$PW" -e "$WRONG" -e "$ENVPW" "$ALL" | head -3
}

: > "$ALL"
if ! pg_start; then
	fail "pg: cannot start a PostgreSQL server (see above; .ci/deps.sh installs postgresql)"
elif ! setup; then
	fail "pg: cannot set up roles, databases and events"
else
	check_init
	check_import
	check_fts
	check_verify
	check_snapshot
	check_concurrent
	check_checkpoint
	check_anchors
	check_copy
	check_commands
	check_passwords
fi
