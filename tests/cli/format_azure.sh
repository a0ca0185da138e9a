# format_azure.sh - trailscope import of the Azure Activity Log: the REST
# API's {"value":[...]} page, the storage export as {"records":[...]}
# lines and as JSON lines, detection, actors (user, service principal),
# actions, targets and kinds, subscriptions, outcomes, begin/final merged,
# reads counted and --include-reads, and a wrong-typed member located.
. tests/lib.sh
D=testdata/formats/azure
SUB=5f1c0a3e-7b2d-4c8e-9a61-2d4b8e0f6a11

expect_status "azure: REST page imports" 0 ts import "$T/r.db" $D/rest-value.json
expect_grep "azure: detection is reported" 'rest-value.json: detected format azure' "$T/err"
expect_grep "azure: the read is counted" \
	'; 1 read skipped; store has' "$T/out"
expect_grep "azure: 3 events" '^4 records: 3 added' "$T/out"
expect_eq "azure: actors, actions, kinds, subscription, outcome" \
	"$(q "$T/r.db" "select actor||'|'||actor_type||'|'||action||'|'||target_kind||'|'||environment||'|'||outcome from entries order by seq")" \
	"alice@contoso.com|user|Microsoft.Compute/virtualMachines/write|Microsoft.Compute/virtualMachines|$SUB|success
3c1e2f44-5a6b-4c7d-8e9f-a0b1c2d3e4f5|service|Microsoft.Authorization/roleAssignments/write|Microsoft.Authorization/roleAssignments|$SUB|failure
alice@contoso.com|user|Microsoft.Sql/servers/databases/delete|Microsoft.Sql/servers/databases|$SUB|success"
ts query "$T/r.db" 'actor-type:service' --format json > "$T/q.json"
expect_grep "azure: query by actor type" '"outcome":"failure"' "$T/q.json"
ts show "$T/r.db" 2 --format json > "$T/show.json"
expect_eq "azure: failure code and message in show --format json" \
	"$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["outcome"]; print(o["status"], o["code"], o["message"])' "$T/show.json")" \
	"failure Conflict The role assignment already exists."
expect_eq "azure: display name from the claims" \
	"$(q "$T/r.db" "select json_extract(leaf,'\$.actor.name'), json_extract(leaf,'\$.actor.auth') from entries where seq=1")" \
	"Alice Example|mfa"
expect_eq "azure: an operation only begun keeps its status" \
	"$(q "$T/r.db" "select json_extract(leaf,'\$.context.status') from entries where action like '%delete'")" "Accepted"
expect_status "azure: --include-reads" 0 ts import "$T/ri.db" --include-reads $D/rest-value.json
expect_eq "azure: the read is stored" \
	"$(q "$T/ri.db" "select count(*) from entries where action='Microsoft.KeyVault/vaults/read'")" "1"

# the storage export, both shapes, with --format and without
expect_status "azure: records lines import" 0 ts import "$T/e.db" --format azure $D/export-records.json
expect_nogrep "azure: no detection message with --format" 'detected format' "$T/err"
expect_grep "azure: begin and final merged" '^2 records: 2 added' "$T/out"
expect_eq "azure: the final's status and time, the begin's status kept" \
	"$(q "$T/e.db" "select ts, json_extract(leaf,'\$.context.status'), json_extract(leaf,'\$.context.begin_status') from entries where seq=1")" \
	"2026-03-02T10:00:04.200000Z|Success|Start"
expect_eq "azure: failed delete from the export" \
	"$(q "$T/e.db" "select outcome, json_extract(leaf,'\$.outcome.code'), json_extract(leaf,'\$.source.line') from entries where seq=2")" \
	"failure|Failed.Forbidden|2"
expect_status "azure: JSON lines of records import" 0 ts import "$T/e.db" $D/export-lines.jsonl
expect_grep "azure: the same events again" '^2 records: 0 added, 2 already present' "$T/out"

# a wrong-typed member
expect_status "azure: bad properties is bad input" 4 ts import "$T/b.db" $D/bad-properties.json
expect_grep "azure: bad record located" 'bad-properties.json:117:21: record 1: expected object for "properties"' "$T/err"
