# outcome.sh - "tell the truth under pressure": every event's outcome from
# each source (real samples from $SHARED/samples where there are some),
# leaf version 2 and its "outcome" member, entries.outcome cross-checked by
# verify, the outcome in show/query/history, "state not recorded by this
# source" instead of "no field changed", and version 1 leaves read as
# unknown.
. tests/lib.sh
SM=$SHARED/samples

# CloudTrail: 07 carries errorCode/errorMessage, 04 succeeded
S=$T/ct.db
expect_status "cloudtrail: import" 0 ts import "$S" "$SM/cloudtrail/07-cloudtrail-UpdateTrail-errorCode.json" \
	"$SM/cloudtrail/04-iam-CreateUser.json" --quiet
expect_eq "cloudtrail: errorCode is a failure, the other a success" \
	"$(q "$S" "SELECT action, outcome FROM entries ORDER BY action" | tr '\n' ' ')" \
	"cloudtrail.amazonaws.com:UpdateTrail|failure iam.amazonaws.com:CreateUser|success "
expect_eq "cloudtrail: the leaf is version 3 and holds the code and message" \
	"$(q "$S" "SELECT json_extract(CAST(leaf AS TEXT), '\$.v'), json_extract(CAST(leaf AS TEXT), '\$.outcome') FROM entries WHERE outcome = 'failure'")" \
	'3|{"code":"TrailNotFoundException","message":"Unknown trail: myTrail2 for the user: 123456789012","status":"failure"}'
expect_eq "cloudtrail: a success carries only its status" \
	"$(q "$S" "SELECT json_extract(CAST(leaf AS TEXT), '\$.outcome') FROM entries WHERE outcome = 'success'")" \
	'{"status":"success"}'
expect_eq "query outcome:failure" "$(ts query "$S" 'outcome:failure' --format jsonl | jq -r .action)" \
	"cloudtrail.amazonaws.com:UpdateTrail"
expect_eq "sql: the events view carries the outcome" \
	"$(ts sql "$S" "SELECT outcome, outcome_code FROM events ORDER BY outcome" --format jsonl | jq -c '[.outcome, .outcome_code]' | tr '\n' ' ')" \
	'["failure","TrailNotFoundException"] ["success",null] '
expect_eq "query NOT outcome:failure" "$(ts query "$S" 'NOT outcome:failure' --count)" 1
expect_status "query: a bad outcome is refused at its column" 3 ts query "$S" 'outcome:maybe'
expect_grep "query: the bad outcome's message" '^<query>:1:9: unknown outcome' "$T/err"
expect_status "query csv" 0 ts query "$S" '' --format csv
expect_grep "csv: outcome column" '^seq,.*,risk,outcome$' "$T/out"
expect_grep "csv: failed row" ',failure$' "$T/out"
expect_grep "csv: the failed request's state is not recorded, not 'no field changed'" \
	',"?state not recorded by this source"?,' "$T/out"
expect_status "query table" 0 ts query "$S" 'outcome:failure'
expect_grep "table: FAILED before the summary" 'FAILED state not recorded by this source' "$T/out"
expect_status "show json (failed)" 0 ts show "$S" 1 --format json
expect_eq "show json: outcome and state_recorded" "$(jq -c '[.outcome, .state_recorded]' "$T/out")" \
	'[{"status":"failure","code":"TrailNotFoundException","message":"Unknown trail: myTrail2 for the user: 123456789012"},false]'
expect_status "show text (failed)" 0 ts show "$S" 1
expect_grep "show: FAILED with code and message" \
	'^outcome +FAILED TrailNotFoundException: Unknown trail: myTrail2 .*changed nothing' "$T/out"
expect_grep "show: the source's own context (error message, request parameters)" \
	'^  request_parameters: \{"name":"myTrail2"\}' "$T/out"
expect_grep "show: state not recorded" '^changes +none known: state not recorded by this source' "$T/out"
expect_nogrep "show: never 'no field changed' for an unrecorded state" 'no field changed' "$T/out"

# Kubernetes: a Metadata-level record has no state; a 403 is a failure
K=$T/k.db
jq -c '.auditID = "denied-1" | .responseStatus = {"metadata":{},"status":"Failure","message":"configmaps is forbidden","reason":"Forbidden","code":403} | del(.responseObject)' \
	"$SM/k8s-falco/create_configmap.json" > "$T/denied.json"
expect_status "k8s: import" 0 ts import "$K" "$SM/k8s-falco/create_secret.json" "$SM/k8s-falco/create_configmap.json" \
	"$T/denied.json" --quiet
expect_eq "k8s: code >= 400 is a failure with its code and message" \
	"$(q "$K" "SELECT outcome, json_extract(CAST(leaf AS TEXT), '\$.outcome.code'), json_extract(CAST(leaf AS TEXT), '\$.outcome.message') FROM entries WHERE event_id = 'denied-1'")" \
	"failure|403|configmaps is forbidden"
expect_eq "k8s: codes 201 are successes" "$(q "$K" "SELECT count(*) FROM entries WHERE outcome = 'success'")" 2
expect_eq "k8s: the Metadata-level summary says the state was not recorded" \
	"$(q "$K" "SELECT summary FROM entries WHERE target = 'default/example-secret'")" "state not recorded by this source"
expect_eq "k8s: entry_text carries the same summary" \
	"$(q "$K" "SELECT t.summary FROM entry_text t JOIN entries e USING (seq) WHERE e.target = 'default/example-secret'")" \
	"state not recorded by this source"
ts show "$K" "$(q "$K" "SELECT seq FROM entries WHERE target = 'default/example-secret'")" > "$T/meta.txt"
expect_grep "k8s show: level and response status from the context" '^  level: Metadata' "$T/meta.txt"
expect_grep "k8s show: response status" '^  response_status: \{"code":201' "$T/meta.txt"
ts verify "$K" --format json > "$T/kv.json" 2>/dev/null
expect_eq "k8s: verify finds no fault in version 2 leaves" "$(jq '.faults | length' "$T/kv.json")" 0

# LaunchDarkly: its audit log records changes made (no failure status); the
# rendered contexts carry no versions, so no state: the title is the from -> to
L=$T/ld.db
expect_status "launchdarkly: import the samples" 0 ts import "$L" $(find "$SM/launchdarkly" -name '*.json' | sort) --quiet
expect_eq "launchdarkly: every entry a success" "$(q "$L" "SELECT DISTINCT outcome FROM entries")" success
expect_eq "launchdarkly: no state recorded, said so" \
	"$(q "$L" "SELECT DISTINCT summary FROM entries")" "state not recorded by this source"
toggle=$(q "$L" "SELECT seq FROM entries WHERE action = 'updateOn' AND target = 'demo-flag'")
expect_status "launchdarkly: show the toggle" 0 ts show "$L" "$toggle"
expect_grep "launchdarkly show: the source's own description of the change" \
	"^  title: Henrietta Powell turned on the flag Demo flag in 'Production'" "$T/out"
expect_grep "launchdarkly show: state not recorded" '^changes +none known: state not recorded by this source' "$T/out"

# Generic events: the accepted forms of "outcome"
cat > "$T/gen.jsonl" <<'EOF'
{"event_id":"g1","timestamp":"2026-01-12T10:00:00Z","actor":"a@x","flag_key":"f","previous_state":"off","new_state":"on","outcome":"failure"}
{"event_id":"g2","timestamp":"2026-01-12T10:01:00Z","actor":"a@x","flag_key":"f","previous_state":"off","new_state":"on","outcome":{"status":"failure","code":409,"message":"version conflict"}}
{"event_id":"g3","timestamp":"2026-01-12T10:02:00Z","actor":"a@x","flag_key":"f","previous_state":"off","new_state":"on","outcome":503}
{"event_id":"g4","timestamp":"2026-01-12T10:03:00Z","actor":"a@x","flag_key":"f","previous_state":"off","new_state":"on","outcome":"succeeded"}
{"event_id":"g5","timestamp":"2026-01-12T10:04:00Z","actor":"a@x","flag_key":"f","previous_state":"off","new_state":"on","outcome":200}
{"event_id":"g6","timestamp":"2026-01-12T10:05:00Z","actor":"a@x","flag_key":"f","previous_state":"on","new_state":"on"}
EOF
G=$T/g.db
expect_status "generic: import" 0 ts import "$G" "$T/gen.jsonl" --quiet
expect_eq "generic: each form" \
	"$(q "$G" "SELECT event_id || '=' || outcome || ':' || coalesce(json_extract(CAST(leaf AS TEXT), '\$.outcome.code'), '') FROM entries ORDER BY seq" | tr '\n' ' ')" \
	"g1=failure: g2=failure:409 g3=failure:503 g4=success: g5=success: g6=success: "
for bad in '"maybe"' '{"code":403}' '{"status":"success","code":"200"}' '[1]' '42'; do
	printf '{"event_id":"b","timestamp":"2026-01-12T10:00:00Z","actor":"a","flag_key":"f","outcome":%s}\n' "$bad" > "$T/bad.jsonl"
	expect_status "generic: outcome $bad is bad input" 4 ts import "$T/bad.db" "$T/bad.jsonl"
	expect_grep "generic: outcome $bad located" 'bad.jsonl:1:[0-9]+: .*"outcome"' "$T/err"
done
expect_status "history json" 0 ts history "$G" f --format json
expect_eq "history: outcome per change" "$(jq -c '[.changes[].outcome]' "$T/out")" \
	'["failure","failure","failure","success","success","success"]'
# g4 left "on", g5 starts from "off": the chain breaks there; the failed
# g1-g3 changed nothing and take no part; g6 starts from g5's "on"
expect_eq "history: g5 does not chain from g4 (a gap), failures take no part" \
	"$(jq -c '[.changes[] | .gap_after]' "$T/out")" "[null,null,null,null,$(q "$G" "SELECT seq FROM entries WHERE event_id = 'g4'"),null]"
expect_eq "state: failed requests settle nothing (still the state before them)" \
	"$(ts state "$G" f --at 2026-01-12T10:02:30Z --format json | jq -c '[.state, .value]')" '["present","off"]'
expect_eq "state: after the success" \
	"$(ts state "$G" f --at 2026-01-12T10:03:30Z --format json | jq -c '[.state, .value, .settled_by.event_id]')" \
	'["present","on","g4"]'
echo '{"id":"INC-9","title":"f broke","severity":"SEV2","services":["f"],"started_at":"2026-01-12T10:10:00Z"}' > "$T/inc.jsonl"
ts incident import "$G" "$T/inc.jsonl" >/dev/null 2>&1
expect_eq "correlate: changes, then the no-op, then the failed requests" \
	"$(ts correlate "$G" INC-9 --format json | jq -c '[.candidates[] | .event_id + ":" + .tier]')" \
	'["g5:change","g4:change","g6:no-op","g3:failed","g2:failed","g1:failed"]'
expect_status "correlate table" 0 ts correlate "$G" INC-9 --limit 0
expect_grep "correlate table: FAILED with the code, and why" \
	'the request failed \(409: version conflict\): it changed nothing' "$T/out"
expect_grep "correlate table: NO-OP" 'NO-OP \(changed nothing\)' "$T/out"
expect_status "history csv" 0 ts history "$G" f --format csv
expect_grep "history csv: outcome and gap columns" '^seq,ts,environment,actor,actor_type,action,summary,outcome,gap_after$' "$T/out"
expect_status "history table" 0 ts history "$G" f
expect_grep "history table: FAILED" 'FAILED \(changed nothing\)' "$T/out"
expect_grep "history table: the gap is said" '\[gap: its state before is not the state after #4\]' "$T/out"

# --map: an outcome pointer (text or an HTTP-like status code)
cat > "$T/map.json" <<'EOF'
{"fields": {"timestamp": "/t", "actor_id": "/who", "target_key": "/what", "outcome": "/status"}}
EOF
printf '%s\n' '{"t":"2026-01-12T10:00:00Z","who":"a","what":"x","status":403}' \
	'{"t":"2026-01-12T10:01:00Z","who":"a","what":"x","status":"ok"}' '{"t":"2026-01-12T10:02:00Z","who":"a","what":"x"}' > "$T/map.jsonl"
expect_status "map: import with an outcome pointer" 0 ts import "$T/m.db" --map "$T/map.json" "$T/map.jsonl" --quiet
expect_eq "map: outcomes" "$(q "$T/m.db" 'SELECT outcome FROM entries ORDER BY seq' | tr '\n' ' ')" "failure success success "

# verify cross-checks entries.outcome against the leaf
cp "$S" "$T/tamper.db"
q "$T/tamper.db" "DROP TRIGGER entries_no_update; UPDATE entries SET outcome = 'success' WHERE outcome = 'failure'"
ts verify "$T/tamper.db" --format json > "$T/tv.json" 2>/dev/null
expect_eq "verify: an edited outcome column is MODIFIED" \
	"$(jq -r '.faults[] | select(.detail | test("outcome")) | .kind + " " + .detail' "$T/tv.json")" \
	"MODIFIED column outcome does not match the leaf"

# an old store (schema 2, version 1 leaves): outcome unknown, read-only
O=$T/old.db
{ cat testdata/old-schema2.sql; echo 'PRAGMA application_id = 1953657699; PRAGMA user_version = 2;'; } | sqlite3 "$O"
ct=$(q "$O" "SELECT seq FROM entries WHERE action LIKE '%UpdateTrail'")
expect_status "old store: show the CloudTrail failure" 0 ts show "$O" "$ct"
expect_grep "old store: unknown, and what its context says, labelled" \
	'^outcome +unknown \(a version 1 leaf records none\); its context marks the request failed: TrailNotFoundException' "$T/out"
expect_eq "old store: show json says unknown" "$(ts show "$O" "$ct" --format json | jq -c .outcome)" '{"status":"unknown"}'
expect_eq "old store: query outcome:unknown reads every entry" "$(ts query "$O" 'outcome:unknown' --count)" \
	"$(q "$O" 'SELECT count(*) FROM entries')"
expect_eq "old store: never claims a failure" "$(ts query "$O" 'outcome:failure' --count)" 0
expect_eq "old store: query json carries unknown" "$(ts query "$O" "id:$(q "$O" "SELECT event_id FROM entries WHERE seq = $ct")" --format jsonl | jq -r .outcome)" unknown
ts verify "$O" --format json > "$T/ov.json" 2>/dev/null
expect_eq "old store: version 1 leaves verify without fault" "$(jq '.faults | length' "$T/ov.json")" 0
expect_eq "old store: the sql events view reads unknown" \
	"$(ts sql "$O" "SELECT DISTINCT outcome FROM events" --format jsonl | jq -r .outcome)" unknown
expect_eq "old store: still schema 2 after reading" "$(q "$O" 'PRAGMA user_version')" 2

# version 1 and version 2 leaves side by side stay verifiable, in the store
# and in a bundle
(cd "$T" && ts keygen example.org/audit --out keys >/dev/null)
M=$T/mixed.db
cp "$O" "$M"
expect_status "mixed: sign the old store (upgrades it)" 0 ts checkpoint "$M" --key "$T/keys/example.org_audit.key"
expect_status "mixed: import version 2 leaves" 0 ts import "$M" "$SM/cloudtrail/04-iam-CreateUser.json" --quiet \
	--sign "$T/keys/example.org_audit.key"
expect_eq "mixed: leaves of both versions" \
	"$(q "$M" "SELECT json_extract(CAST(leaf AS TEXT), '\$.v'), outcome, count(*) FROM entries GROUP BY 1, 2 ORDER BY 1" | tr '\n' ' ')" \
	"1|unknown|18 3|success|1 "
expect_status "mixed: verify" 0 ts verify "$M" --trust "$T/keys/example.org_audit.pub"
expect_grep "mixed: VERIFIED" '^verdict: +VERIFIED through 19' "$T/out"
expect_status "mixed: export every event" 0 ts export "$M" --out "$T/bundle" --query '' --case C-1 --examiner me \
	--key "$T/keys/example.org_audit.key"
expect_status "mixed: bundle verify" 0 ts bundle verify "$T/bundle" --trust "$T/keys/example.org_audit.pub"
expect_grep "mixed: bundle VERIFIED" 'VERIFIED: 19 events' "$T/out"
