# query.sh - `trailscope query` and `trailscope sql` end to end: formats,
# --count, --limit, --reverse, --now, error columns with a caret and exit
# 3, injection-shaped values, the read-only sql surface.
. tests/lib.sh
S=$T/q.db
ts gen --events 800 --seed 5 --incidents "$T/inc.jsonl" > "$T/ev.jsonl"
expect_status "import generated events" 0 ts import "$S" "$T/ev.jsonl" --quiet
ts incident import "$S" "$T/inc.jsonl" >/dev/null 2>&1

expect_status "query jsonl" 0 ts query "$S" 'env:production actor-type:service' --format jsonl
n=$(wc -l < "$T/out")
expect_eq "jsonl rows agree with --count" "$n" "$(ts query "$S" 'env:production actor-type:service' --count)"
expect_eq "jsonl carries the required members" \
	"$(head -1 "$T/out" | jq -c 'has("seq") and has("event_id") and has("ts") and has("actor") and has("action") and has("target") and has("environment")')" true
expect_eq "every row satisfies the terms" \
	"$(jq -s -c 'map(select(.environment != "production" or .actor_type != "service")) | length' "$T/out")" 0
expect_eq "rows come in (ts, seq) order" "$(jq -r .ts "$T/out" | sort -c && echo sorted)" sorted
expect_eq "--reverse gives newest first" \
	"$(ts query "$S" 'env:production' --reverse --limit 1 --format jsonl | jq .seq)" \
	"$(ts query "$S" 'env:production' --format jsonl | tail -1 | jq .seq)"
expect_eq "--limit" "$(ts query "$S" 'changed:rollout_pct' --limit 7 --format jsonl | wc -l)" 7
expect_status "json format is one array" 0 ts query "$S" 'changed:enabled after.enabled:true' --format json
expect_eq "json parses; after.enabled:true" "$(jq -r 'length > 0' "$T/out")" true
expect_status "csv format" 0 ts query "$S" 'risk:after-hours' --format csv --limit 3
expect_grep "csv header" '^seq,ts,event_id,actor,actor_type,action,target,target_kind,environment,summary,risk,outcome$' "$T/out"
expect_status "table format" 0 ts query "$S" 'changed:rules[*].conditions[*].values' --limit 3
expect_grep "table header" 'SEQ +TIME \(UTC\) +ACTOR' "$T/out"

# relative times against --now
all=$(ts query "$S" '' --count)
expect_eq "empty query matches everything" "$all" "$(sqlite3 "$S" 'SELECT count(*) FROM entries')"
last=$(sqlite3 "$S" "SELECT max(ts) FROM entries")
expect_eq "since:-1d with --now" "$(ts query "$S" 'since:-1d' --now "$last" --count)" \
	"$(sqlite3 "$S" "SELECT count(*) FROM entries WHERE ts >= strftime('%Y-%m-%dT%H:%M:%f', '$last', '-1 day') || '000Z'")"
expect_eq "since and until partition the events" \
	"$(( $(ts query "$S" 'since:2026-03-05' --count) + $(ts query "$S" 'until:2026-03-05' --count) ))" "$all"

# incidents
inc=$(sqlite3 "$S" 'SELECT id FROM incidents ORDER BY id LIMIT 1')
if [ -n "$inc" ]; then
	expect_status "around:INCIDENT" 0 ts query "$S" "around:$inc" --count
else
	pass "around:INCIDENT (no incidents imported)"
fi

# errors
expect_status "malformed query exits 3" 3 ts query "$S" '(actor:alice OR target:x'
expect_grep "error names the column" '^<query>:1:25: expected .\). to close the .\(. at col 1$' "$T/err"
expect_grep "caret under the column" '^ {26}\^$' "$T/err"
expect_status "unknown key exits 3" 3 ts query "$S" 'colour:red'
expect_grep "unknown key message" "^<query>:1:1: unknown key 'colour'" "$T/err"
expect_status "bad regex exits 3" 3 ts query "$S" '/a(b/'
expect_grep "bad regex message" '^<query>:1:[0-9]+: bad regex' "$T/err"
expect_status "missing store exits 5" 5 ts query "$T/nope.db" 'env:x'
expect_status "bad --limit exits 3" 3 ts query "$S" 'env:x' --limit 0
expect_status "control characters in an error are escaped" 3 ts query "$S" "$(printf 'foo\033[31m:x')"
expect_nogrep "no raw escape reaches the terminal" "$(printf '\033')" "$T/err"

# injection-shaped values are values
before=$(sqlite3 "$S" 'SELECT count(*) FROM entries')
expect_status "injection-shaped value" 0 ts query "$S" "actor:\"x'; DROP TABLE entries; --\"" --count
expect_eq "it matches nothing" "$(cat "$T/out")" 0
expect_eq "and changes nothing" "$(sqlite3 "$S" 'SELECT count(*) FROM entries')" "$before"
ts query "$S" "target:\"a' OR 'a'='a\"" --explain > "$T/explain"
expect_grep "--explain binds the value" "^\?1 = 'a'' OR ''a''=''a'$" "$T/explain"
expect_grep "--explain: the SQL line" '^WHERE e\.target = \?1$' "$T/explain"
expect_nogrep "--explain: no value in the SQL" "OR 'a'" "$(grep '^WHERE' "$T/explain" > "$T/e1"; echo "$T/e1")"

# sql
expect_status "sql select" 0 ts sql "$S" 'SELECT count(*) AS n FROM events' --format jsonl
expect_eq "sql counts events" "$(jq .n "$T/out")" "$before"
expect_status "sql over event_changes" 0 ts sql "$S" \
	"SELECT seq, path FROM event_changes WHERE ts_path_match('rules[*]', path) LIMIT 2" --format csv
expect_grep "sql csv header" '^seq,path$' "$T/out"
expect_status "sql regexp function" 0 ts sql "$S" "SELECT count(*) FROM events WHERE ts_regexp('rollout', 'i', raw)"
for bad in "DELETE FROM entries" "DROP TABLE entries" "ATTACH '$T/x.db' AS x" "PRAGMA user_version=9" \
	   "SELECT 1; DELETE FROM entries" "CREATE TEMP TABLE t(x)" "PRAGMA query_only=0"; do
	expect_status "sql refuses: $bad" 3 ts sql "$S" "$bad"
done
expect_eq "sql changed nothing" "$(sqlite3 "$S" 'SELECT count(*) FROM entries')" "$before"
expect_eq "sql did not create the attached file" "$(ls "$T/x.db" 2>/dev/null)" ""

# schema version 1 stores (no entry_text): read-only queries read the raw
# record out of the leaf; the first write opens upgrade them to version 2
rx='/rollout_pct":(100|0)\b/'
want=$(ts query "$S" "$rx" --count)
wantrows=$(ts query "$S" "$rx env:production" --format jsonl | jq -c .seq | tr '\n' ' ')
expect_eq "regex count equals its rows" "$(ts query "$S" "$rx" --format jsonl | wc -l)" "$want"
# (version 3 leaves commit to entry_text.raw by raw_sha256: leaf3.sh checks it)
expect_eq "entry_text holds each raw record and summary" "$(ts sql "$S" 'SELECT count(*) AS n FROM entry_text t
	JOIN events e USING (seq) WHERE ts_raw(t.raw, (SELECT leaf FROM entries AS x WHERE x.seq = t.seq)) = e.raw
	AND length(e.raw) > 0 AND t.summary = e.summary' --format jsonl | jq .n)" "$before"
# Older stores: testdata/old-schema2.sql is a schema 2 store with version 1
# leaves as the previous trailscope wrote it; dropping entry_text makes it the
# version 1 shape.
V2=$T/v2.db
{ cat testdata/old-schema2.sql; echo 'PRAGMA application_id = 1953657699; PRAGMA user_version = 2;'; } |
	sqlite3 "$V2"
old=$(sqlite3 "$V2" 'SELECT count(*) FROM entries')
want=$(ts query "$V2" "$rx" --count)
wantrows=$(ts query "$V2" "$rx env:production" --format jsonl | jq -c .seq | tr '\n' ' ')
expect_eq "a read-only open leaves version 2 alone" "$(sqlite3 "$V2" 'PRAGMA user_version')" 2
V1=$T/v1.db
cp "$V2" "$V1"
sqlite3 "$V1" "DROP TRIGGER entry_text_no_update; DROP TABLE entry_text; UPDATE meta SET value = '1' WHERE key = 'schema'; PRAGMA user_version = 1"
expect_eq "version 1: regex count from the leaves" "$(ts query "$V1" "$rx" --count)" "$want"
expect_eq "version 1: regex rows from the leaves" \
	"$(ts query "$V1" "$rx env:production" --format jsonl | jq -c .seq | tr '\n' ' ')" "$wantrows"
expect_eq "a read-only open leaves version 1 alone" "$(sqlite3 "$V1" 'PRAGMA user_version')" 1
expect_eq "version 1: every outcome reads unknown" "$(ts query "$V1" 'outcome:unknown' --count)" "$old"
ts gen --events 40 --seed 99 | jq -c '.event_id = "more-" + .event_id' > "$T/more.jsonl"
ts import "$T/more.db" "$T/more.jsonl" --quiet
for v in 1 2; do
	db=$T/v$v.db
	expect_status "importing into a version $v store" 0 ts import "$db" "$T/more.jsonl" --quiet
	expect_eq "the import upgraded version $v to 6" "$(sqlite3 "$db" 'PRAGMA user_version')" 6
	expect_eq "version $v: entry_text filled for old and new entries" \
		"$(sqlite3 "$db" 'SELECT count(*) FROM entry_text')" "$(sqlite3 "$db" 'SELECT count(*) FROM entries')"
	expect_eq "version $v upgraded: regex finds the old and the new events" "$(ts query "$db" "$rx" --count)" \
		"$(( want + $(ts query "$T/more.db" "$rx" --count) ))"
	expect_eq "version $v upgraded: old rows unknown, new rows success" \
		"$(sqlite3 "$db" 'SELECT outcome, count(*) FROM entries GROUP BY outcome ORDER BY outcome' | tr '\n' ' ')" \
		"success|40 unknown|$old "
	expect_eq "version $v upgraded: leaves v1 and v3 side by side" \
		"$(sqlite3 "$db" "SELECT count(*) FROM entries WHERE CAST(leaf AS TEXT) LIKE '%\"v\":1}'"),$(sqlite3 "$db" "SELECT count(*) FROM entries WHERE CAST(leaf AS TEXT) LIKE '%\"v\":3}'")" \
		"$old,40"
	ts verify "$db" --format json > "$T/v$v.json" 2>/dev/null
	expect_eq "version $v upgraded store: no faults" "$(jq ".faults | length" "$T/v$v.json")" 0
done

# the documented limits (docs/QUERY.md): 256 terms and nesting 64 work in
# every mode (page, --reverse page, --count, the TUI's live count and
# filter); one past a limit is an error at its column
rep() { # rep N SEP TERM: TERM N times, joined by SEP
	awk -v n="$1" -v s="$2" -v t="$3" 'BEGIN { for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? s : ""), t }'
}
# limit_modes NAME QUERY WANT: the count, the rows and newest-first rows
limit_modes() {
	expect_eq "$1: --count" "$(ts query "$S" "$2" --count 2>&1)" "$3"
	expect_eq "$1: rows" "$(ts query "$S" "$2" --format jsonl 2>&1 | wc -l)" "$3"
	expect_eq "$1: newest first" "$(ts query "$S" "$2" --reverse --format jsonl 2>&1 | jq -c .seq | sort -n | tr '\n' ' ')" \
		"$(ts query "$S" "$2" --format jsonl 2>&1 | jq -c .seq | sort -n | tr '\n' ' ')"
}
nprod=$(ts query "$S" env:production --count)
limit_modes "256 bare words" "$(rep 256 ' ' rollout)" "$(ts query "$S" rollout --count)"
limit_modes "256 ORed terms" "$(rep 255 ' OR ' actor:nobody) OR env:production" "$nprod"
limit_modes "256 env: terms" "$(rep 256 ' ' env:production)" "$nprod"
limit_modes "256 ORed set terms" "$(rep 255 ' OR ' changed:nope) OR changed:enabled" \
	"$(ts query "$S" changed:enabled --count)"
grp='env:production changed:enabled -risk:delete actor-type:*'
limit_modes "AND of 256 mixed terms" "$(rep 64 ' AND ' "$grp")" "$(ts query "$S" "$grp" --count)"
grp='(/roll/ OR after:on) -risk:delete'
limit_modes "256 mixed terms in groups" "$(rep 85 ' ' "$grp") rollout" "$(ts query "$S" "$grp rollout" --count)"
# nesting 64: NOT (x OR NOT (x OR ...)) of set terms, counted by bitmaps
# over the tree and paged by SQL; parentheses alternating AND and OR
q=rollout; i=0
while [ $i -lt 32 ]; do q="NOT (changed:enabled OR $q)"; i=$((i + 1)); done
limit_modes "NOT and parentheses nested 64 deep" "$q" "$(ts query "$S" 'rollout -changed:enabled' --count)"
q=env:production; i=0
while [ $i -lt 64 ]; do
	if [ $((i % 2)) = 0 ]; then q="(changed:enabled OR $q)"; else q="(actor-type:* $q)"; fi
	i=$((i + 1))
done
limit_modes "parentheses nested 64 deep" "$q" "$(ts query "$S" 'changed:enabled OR env:production' --count)"
q=env:production; i=0
while [ $i -lt 32 ]; do q="-(risk:delete OR $q)"; i=$((i + 1)); done
limit_modes "-( nested 64 deep" " $q" "$(ts query "$S" 'env:production -risk:delete' --count)"
expect_eq "NOT nested 64 deep" "$(ts query "$S" "$(rep 64 ' ' NOT) env:production" --count)" "$nprod"
# one past
expect_status "257 terms exit 3" 3 ts query "$S" "$(rep 257 ' ' rollout)"
expect_grep "257 terms: the column of the 257th" '^<query>:1:2049: too many terms \(at most 256\)' "$T/err"
expect_status "257 terms exit 3 with --count too" 3 ts query "$S" "$(rep 257 ' ' rollout)" --count
q="$(rep 65 '' '(')env:production$(rep 65 '' ')')"
expect_status "nesting 65 exits 3" 3 ts query "$S" "$q"
expect_grep "nesting 65: the column of the 65th" '^<query>:1:65: nested too deeply \(at most 64\)' "$T/err"
# the TUI: live count in the query bar, then the filter
q="$(rep 255 ' OR ' actor:n) OR env:production"
{ echo ":wait-idle"; echo "/"; echo "$q" | fold -w 200 | sed 's/^/:type /'
  echo ":wait-idle"; echo ":dump $T/bar.txt"; echo "<Enter>"; echo ":wait-idle"; } > "$T/keys.txt"
env COLUMNS=100 LINES=24 TRAILSCOPE_SCRIPT="$T/keys.txt" TRAILSCOPE_DUMP="$T/tui.txt" \
	"$TRAILSCOPE" open "$S" > "$T/tui.raw" 2> "$T/tui.err"
expect_grep "TUI: the live count of 256 ORed terms" "^$nprod matches " "$T/bar.txt"
expect_grep "TUI: filtered by 256 ORed terms" "row 1 of $nprod filtered\$" "$T/tui.txt"
