# format_m365.sh - the Microsoft 365 unified audit log through the CLI:
# Management Activity API records (a JSON array, JSON lines) and the
# compliance portal's CSV export, detected and named with --format; the
# actor, action, target, tenant, outcome and per-field changes stored;
# reads skipped unless --include-reads; bad records located in the file.
. tests/lib.sh
D=testdata/formats/m365

expect_status "m365: the API array imports" 0 ts import "$T/a.db" $D/activity-api.json
expect_grep "m365: detected" 'activity-api.json: detected format m365' "$T/err"
expect_grep "m365: 4 of 5 records (FileAccessed is a read)" '^5 records: 4 added' "$T/out"
expect_grep "m365: the skipped read is counted" \
	'; 1 read skipped; store has' "$T/out"
expect_status "m365: query as JSON" 0 ts query "$T/a.db" 'action:Set-Mailbox' --format json
expect_grep "m365: Exchange cmdlet: actor, kind, target, tenant" \
	'"actor":"admin@contoso.onmicrosoft.com","actor_type":"user","action":"Set-Mailbox","target":"contoso.onmicrosoft.com/Users/dana","target_kind":"ExchangeAdmin","environment":"b7e1c0de-1111-4222-8333-944455556666"' "$T/out"
expect_eq "m365: Parameters are the state after, before unknown" \
	"$(q "$T/a.db" "select path, before, after, before_unknown from changes join entries using(seq) where action='Set-Mailbox' and path='ForwardingSmtpAddress'")" \
	'ForwardingSmtpAddress||"smtp:dana.backup@example.net"|1'
expect_status "m365: show the Azure AD update" 0 ts show "$T/a.db" 2 --format json
expect_grep "m365: ModifiedProperties give before and after" '"path": "Department\[0\]"' "$T/out"
expect_grep "m365: the old department" '"before": "Sales"' "$T/out"
expect_grep "m365: the new department" '"after": "Finance"' "$T/out"
expect_eq "m365: ResultStatus False is a failure" \
	"$(q "$T/a.db" "select outcome, json_extract(leaf,'\$.outcome.code'), nchanges from entries where action='New-InboxRule'")" \
	"failure|False|0"
expect_eq "m365: a service principal is a service" \
	"$(q "$T/a.db" "select actor_type from entries where actor like 'ServicePrincipal_%'")" "service"
expect_eq "m365: ClientIP in the context" \
	"$(q "$T/a.db" "select json_extract(leaf,'\$.context.source_ip') from entries where seq=1")" "203.0.113.24"
expect_eq "m365: the raw record verbatim" \
	"$(tq "$T/a.db" "select substr(raw, 1, 44) from events where seq=1")" \
	'{
    "CreationTime": "2026-03-02T09:15:04",'
expect_status "m365: --include-reads keeps FileAccessed" 0 ts import "$T/r.db" --include-reads $D/activity-api.json
expect_eq "m365: the read is stored as one" \
	"$(q "$T/r.db" "select target_kind, json_extract(leaf,'\$.context.read_only') from entries where action='FileAccessed'")" \
	"SharePointFileOperation|1"

expect_status "m365: JSON lines import" 0 ts import "$T/l.db" $D/activity-api.jsonl
expect_grep "m365: JSON lines detected" 'activity-api.jsonl: detected format m365' "$T/err"
expect_grep "m365: two reads skipped and counted" '^4 records: 2 added, 0 already present; 2 reads skipped' "$T/out"
expect_eq "m365: PartiallySucceeded is a success" \
	"$(q "$T/l.db" "select outcome, json_extract(leaf,'\$.context.result_status') from entries where action='SharingSet'")" \
	"success|PartiallySucceeded"

expect_status "m365: the portal's CSV export imports" 0 ts import "$T/c.db" --include-reads $D/portal-export.csv
expect_grep "m365: CSV detected" 'portal-export.csv: detected format m365' "$T/err"
expect_grep "m365: three CSV records" '^3 records: 3 added' "$T/out"
expect_nogrep "m365: nothing skipped with --include-reads" 'skipped' "$T/err"
expect_eq "m365: CSV records at their lines" \
	"$(q "$T/c.db" "select group_concat(source_line) from entries")" "2,3,16"
expect_eq "m365: CSV raw is the AuditData JSON, quotes undoubled" \
	"$(tq "$T/c.db" "select substr(raw, 1, 38) from events where seq=1")" \
	'{"CreationTime":"2026-03-04T08:00:01",'
expect_eq "m365: CSV target with quotes" \
	"$(q "$T/c.db" "select target from entries where action='Set-TransportRule'")" 'Block "external" forwarding'
expect_status "m365: --format m365 names it" 0 ts import "$T/f.db" --format m365 $D/portal-export.csv
expect_nogrep "m365: no detection line with --format" 'detected format' "$T/err"
expect_status "m365: importing again adds nothing" 0 ts import "$T/c.db" $D/portal-export.csv
expect_grep "m365: already present" '2 already present' "$T/out"

# bad records, located in the file
printf 'CreationDate,UserIds,Operations,AuditData\nx,y,z,"{""Operation"":""Set-Mailbox"",""CreationTime"":5}"\n' > "$T/bad.csv"
expect_status "m365: a wrong-typed AuditData member stops the import" 4 ts import "$T/b.db" "$T/bad.csv"
expect_grep "m365: located at its CSV line and column" 'bad.csv:2:56: expected string for "CreationTime"' "$T/err"
printf '{"CreationTime":"2026-01-01T00:00:00","Operation":"Set-X","OrganizationId":"o","UserId":["a"]}\n' > "$T/bad.jsonl"
expect_status "m365: a wrong-typed member in JSON lines" 4 ts import "$T/b.db" --format m365 "$T/bad.jsonl"
expect_grep "m365: located at its value" 'bad.jsonl:1:89: expected string for "UserId"' "$T/err"
printf 'CreationDate,UserIds,Operations\nx,y,z\n' > "$T/noaudit.csv"
expect_status "m365: a CSV export without AuditData" 4 ts import "$T/b.db" --format m365 "$T/noaudit.csv"
expect_grep "m365: says which column is missing" 'noaudit.csv:1:1: not a Microsoft 365 audit log export' "$T/err"
