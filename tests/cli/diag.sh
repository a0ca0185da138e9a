# diag.sh - the one diagnostic path: every located error is
# "FILE:LINE:COL: reason" at the start of its line, with COL where the
# value at fault starts (not 1), for an import field error in each reader
# that had put it at the record (Kubernetes, CloudTrail, incidents), a map
# file error and a query error; and the exit status each class maps to.
. tests/lib.sh
S=$T/s.db

# ---- import: a field error at its value ------------------------------------
printf '%s\n' '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","verb":"update","user":{"username":"u"},"objectRef":{"resource":"configmaps","name":"c"},"requestReceivedTimestamp":"2026-02-30T10:00:00Z"}' > "$T/k8s.jsonl"
expect_status "k8s bad time: bad input" 4 ts import "$S" --format k8s "$T/k8s.jsonl"
col=$(($(head -1 "$T/k8s.jsonl" | sed 's/"2026-02-30.*//' | wc -c)))
expect_grep "k8s bad time: FILE:LINE:COL at the value" "^$T/k8s.jsonl:1:$col: .*impossible date" "$T/err"
expect_eq "k8s bad time: its column is the value's (not 1)" "$col" 225

printf '%s\n' '{"eventVersion":"1.08","eventTime":"2026-13-01T00:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"StopInstances","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}}' > "$T/ct.jsonl"
expect_status "cloudtrail bad time: bad input" 4 ts import "$S" --format cloudtrail "$T/ct.jsonl"
expect_grep "cloudtrail bad time: FILE:LINE:COL at the value" "^$T/ct.jsonl:1:36: \"eventTime\": " "$T/err"

printf '%s\n%s\n' '{"id":"I-1","started_at":"2026-01-01T00:00:00Z"}' \
	'{"id":"I-2", "started_at":"2026-01-01T00:00:00Z", "resolved_at":"2025-12-31T00:00:00Z"}' > "$T/inc.jsonl"
expect_status "incident field error: bad input" 4 ts incident import "$S" "$T/inc.jsonl"
expect_grep "incident field error: FILE:LINE:COL at the value" \
	"^$T/inc.jsonl:2:65: resolved_at is before started_at$" "$T/err"
expect_grep "incident: nothing written, said once" '^trailscope: note: incident import stopped' "$T/err"

# a record-wide error stays at the record's first byte
printf '%s\n' '{"id":"I-3"}' > "$T/inc2.jsonl"
expect_status "incident missing member: bad input" 4 ts incident import "$S" "$T/inc2.jsonl"
expect_grep "incident missing member: at the record" "^$T/inc2.jsonl:1:1: missing \"started_at\"" "$T/err"

# ---- a map file error: located like a record -------------------------------
printf '{"fields": {\n  "timestamp": "/t",\n  "actor_id": "a/b",\n  "target_key": "/k"}}\n' > "$T/map.json"
printf '%s\n' '{"t":"2026-01-01T00:00:00Z","a":"x","k":"y"}' > "$T/m.jsonl"
expect_status "map error: bad input" 4 ts import "$S" --map "$T/map.json" "$T/m.jsonl"
expect_grep "map error: MAP:LINE:COL at the value" \
	"^$T/map.json:3:15: field \"actor_id\": JSON Pointer \"a/b\"" "$T/err"
expect_nogrep "map error: no second prefix" 'trailscope: error: .*map.json' "$T/err"

# ---- a query error: the query is the one-line file <query> ------------------
Q=$T/q.db
expect_status "a store for queries" 0 ts init "$Q"
expect_status "query error: usage" 3 ts query "$Q" 'env:x AND (actor:y'
expect_grep "query error: <query>:1:COL" "^<query>:1:19: expected '\\)' to close the '\\(' at col 11$" "$T/err"
expect_grep "query error: caret under the column" '^ {20}\^$' "$T/err"
expect_status "a signer for export" 0 ts keygen example.org/t --out "$T/k"
expect_status "export query error: usage" 3 ts export "$Q" --out "$T/x" --query 'bogus:1' --case C \
	--examiner E --key "$T/k/example.org_t.key"
expect_grep "export query error: same form" "^<query>:1:1: unknown key 'bogus'" "$T/err"

# ---- control characters never reach the terminal raw ------------------------
printf '{"id":"I-4","started_at":"\\u001b[31m"}\n' > "$T/esc.jsonl"
expect_status "escape in a field: bad input" 4 ts incident import "$S" "$T/esc.jsonl"
expect_grep "escape in a field: shown escaped" '\\x1b\[31m' "$T/err"
expect_nogrep "escape in a field: never raw" "$(printf '\033')" "$T/err"
