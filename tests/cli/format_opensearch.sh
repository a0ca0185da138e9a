# format_opensearch.sh - OpenSearch / Elasticsearch exports read through a
# --map: a pretty-printed search response, a scroll dump (one response per
# line), elasticdump hit lines, bare _source lines with --format; the
# hit's _index/_id as source and id; detection with and without --map;
# a bad record located inside its hit.
. tests/lib.sh
D=testdata/formats/opensearch

expect_status "response: imports through --map" 0 ts import "$T/r.db" --map $D/map.json $D/response.json
expect_grep "response: detection is reported" 'response.json: detected format opensearch' "$T/err"
expect_grep "response: three hits" '^3 records: 3 added' "$T/out"
expect_eq "response: ids are <_index>/<_id>" "$(q "$T/r.db" 'select group_concat(event_id, " ") from (select event_id from entries order by seq)')" \
	"audit-2026.03/Vb4kW44BmQ1 audit-2026.03/Vr4kW44BmQ2 audit-2026.03/V74kW44BmQ3"
expect_eq "response: actors, types, actions, targets, environments" \
	"$(q "$T/r.db" "select group_concat(actor || '|' || actor_type || '|' || action || '|' || target_kind || ':' || target || '|' || environment, ' ') from (select * from entries order by seq)")" \
	"ana@example.com|user|role.grant|role:payments-admin|prod deploy-bot|service|config.update|config:checkout/limits|prod raj@example.com|user|flag.toggle|flag:new-checkout|staging"
expect_eq "response: outcome from the mapped pointer" "$(q "$T/r.db" 'select group_concat(outcome, " ") from (select outcome from entries order by seq)')" \
	"success failure success"
expect_eq "response: the leaf's source names the hit" \
	"$(q "$T/r.db" "select json_extract(leaf,'\$.source.format') || ' ' || json_extract(leaf,'\$.source.line') || ' ' || json_extract(leaf,'\$.source.index') || ' ' || json_extract(leaf,'\$.source._index') || ' ' || json_extract(leaf,'\$.source._id') from entries where seq=2")" \
	"opensearch 32 1 audit-2026.03 Vr4kW44BmQ2"
expect_eq "response: raw record is the hit verbatim" "$(tq "$T/r.db" 'select raw from events where seq=3')" "$(sed -n 45,58p $D/response.json | sed '1s/^ *//; $s/,$//')"
ts show "$T/r.db" 1 > "$T/show" 2>&1
expect_grep "show: index and id in the context" 'search_index: audit-2026.03' "$T/show"
expect_grep "show: source line" 'source +.*response.json:17 \(opensearch\)' "$T/show"
ts query "$T/r.db" 'action:role.grant' --format json > "$T/q" 2>&1
expect_grep "query: per-field change" '"summary":"members\[1\]: \(absent\)' "$T/q"

expect_status "scroll dump: one response per line" 0 ts import "$T/s.db" --map $D/map.json $D/scroll.jsonl
expect_grep "scroll dump: hits of every page, an empty page adds none" '^3 records: 3 added' "$T/out"
expect_eq "scroll dump: lines and hit positions" \
	"$(q "$T/s.db" "select group_concat(source_line || ':' || json_extract(leaf,'\$.source.index'), ' ') from (select * from entries order by seq)")" "1:0 1:1 2:0"
expect_status "hit lines (elasticdump)" 0 ts import "$T/h.db" --map $D/map.json $D/hits.jsonl
expect_eq "hit lines: ids and state before" "$(q "$T/h.db" "select group_concat(event_id || '=' || nchanges, ' ') from (select * from entries order by seq)")" \
	"audit-2026.04/e1=1 audit-2026.04/e2=0"
expect_status "hit lines: --format opensearch too" 0 ts import "$T/h2.db" --format opensearch --map $D/map.json $D/hits.jsonl
expect_status "bare _source lines with --format opensearch" 0 ts import "$T/b.db" --format opensearch --map $D/map.json $D/sources.jsonl
expect_eq "bare _source lines: derived ids, no _index" "$(q "$T/b.db" "select count(*) from entries where event_id like 'sha256:%' and json_extract(leaf,'\$.source._index') is null")" "2"
# the map's own event_id wins over <_index>/<_id>
sed 's#"fields": {#"fields": {"event_id": "/user/name",#' $D/map.json > "$T/map-id.json"
ts import "$T/id.db" --map "$T/map-id.json" $D/hits.jsonl >/dev/null 2>&1
expect_eq "a mapped event_id wins" "$(q "$T/id.db" 'select group_concat(event_id, " ") from (select event_id from entries order by seq)')" "ana@example.com ci"

# without a map: detected, asked for one, nothing written
expect_status "no --map: bad input" 4 ts import "$T/n.db" $D/response.json
expect_grep "no --map: detected" 'detected format opensearch' "$T/err"
expect_grep "no --map: asks for one with an example" 'needs a map|read through a map.*--map FILE, e.g. \{"fields"' "$T/err"
[ -e "$T/n.db" ] && fail "no --map: no store left" || pass "no --map: no store left"
expect_status "--map with another --format is a usage error" 3 ts import "$T/u.db" --format k8s --map $D/map.json $D/hits.jsonl

# a bad record: located inside its hit, with the hit's position
expect_status "bad hit: stops the import" 4 ts import "$T/bad.db" --map $D/map.json $D/bad-hit.jsonl
expect_grep "bad hit: at the mapped value" 'bad-hit.jsonl:2:100: expected a string at "/user/name" \(actor_id\)' "$T/err"
printf '%s\n' '{"took":1,"hits":{"hits":[{"_index":"a","_id":"1","_source":{"@timestamp":"2026-01-01T00:00:00Z","user":{"name":"x"},"resource":{"name":"r"}}},{"_index":"a","_id":"2","_source":"oops"}]}}' > "$T/bad-src.jsonl"
expect_status "bad _source type" 4 ts import "$T/bs.db" --map $D/map.json "$T/bad-src.jsonl"
expect_grep "bad _source type: hit index and column" 'bad-src.jsonl:1:178: record 1: expected object for "_source"' "$T/err"
printf '%s\n' '{"_index":"a","_id":"1","_score":1}' > "$T/nosrc.jsonl"
expect_status "hit without _source" 4 ts import "$T/ns.db" --format opensearch --map $D/map.json "$T/nosrc.jsonl"
expect_grep "hit without _source: said" 'missing "_source"' "$T/err"
printf '%s\n' '{"took":1,"timed_out":true,"hits":{"hits":[{"_index":"a","_id":"1","_source":{"@timestamp":"2026-01-01T00:00:00Z","user":{"name":"x"},"resource":{"name":"r"}}}]}}' > "$T/partial.jsonl"
expect_status "timed-out response imports" 0 ts import "$T/p.db" --map $D/map.json "$T/partial.jsonl"
expect_grep "timed-out response: warned" 'partial.jsonl:1: the search response timed out' "$T/err"
# a pretty-printed response larger than 4 MiB (the limit of one record):
# its hits are cut out one by one
python3 - "$T/big.json" <<'PY'
import json, sys
hits = [{"_index": "audit-big", "_id": "b%d" % i, "_score": None,
         "_source": {"@timestamp": "2026-03-01T10:%02d:%02dZ" % (i // 60 % 60, i % 60),
                     "user": {"name": "u%d@example.com" % (i % 7)}, "resource": {"name": "r-%d" % i},
                     "pad": "x" * 300}} for i in range(15000)]
json.dump({"took": 40, "timed_out": False, "_shards": {"total": 1, "successful": 1, "failed": 0},
           "hits": {"total": {"value": 15000, "relation": "eq"}, "max_score": None, "hits": hits}},
          open(sys.argv[1], "w"), indent=2)
PY
expect_status "a response over 4 MiB imports" 0 ts import "$T/big.db" --map $D/map.json "$T/big.json"
expect_grep "a response over 4 MiB: every hit" '^15000 records: 15000 added' "$T/out"
expect_eq "a response over 4 MiB: last hit's position" \
	"$(sqlite3 "$T/big.db" "select event_id, json_extract(leaf,'\$.source.index') from entries order by seq desc limit 1")" "audit-big/b14999|14999"
# the members beside the hits are still checked (hits.max_score here)
sed -i "s/\"max_score\": null/\"max_score\": nul/" "$T/big.json"
expect_status "a response with bad JSON outside the hits" 4 ts import "$T/big2.db" --map $D/map.json "$T/big.json"
expect_grep "bad JSON beside the hits: located" "big.json:14:18: invalid token" "$T/err"
