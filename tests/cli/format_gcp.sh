# format_gcp.sh - trailscope import of Google Cloud Audit Logs: a log
# sink's JSON lines and gcloud's array, detection, actors, actions,
# targets, projects, outcomes, SetIamPolicy's per-binding changes, the
# merged long-running operation, reads and non-audit entries counted,
# --include-reads, and a wrong-typed member located.
. tests/lib.sh
D=testdata/formats/gcp

expect_status "gcp: sink export imports" 0 ts import "$T/g.db" $D/sink-export.jsonl
expect_grep "gcp: detection is reported" 'sink-export.jsonl: detected format gcp' "$T/err"
expect_grep "gcp: 5 events; reads and non-audit entries counted in the summary" \
	'^8 records: 5 added, 0 already present; 1 read, 2 non-audit records skipped' "$T/out"
expect_eq "gcp: actors, actions, targets, projects" \
	"$(q "$T/g.db" "select actor||'|'||actor_type||'|'||action||'|'||target_kind||'|'||environment from entries order by seq")" \
	"alice@example.com|user|SetIamPolicy|project|acme-prod
deployer@acme-prod.iam.gserviceaccount.com|service|v1.compute.instances.insert|gce_instance|acme-prod
mallory@example.net|user|storage.buckets.delete|gcs_bucket|acme-prod
admin@example.com|user|google.cloud.resourcemanager.v3.Folders.CreateFolder|organization|organizations/123456789012
alice@example.com|user|cloudsql.instances.update|cloudsql_database|acme-prod"
ts query "$T/g.db" 'action:SetIamPolicy' --format json > "$T/iam.json"
expect_grep "gcp: query finds the IAM change" '"target":"projects/acme-prod"' "$T/iam.json"
expect_eq "gcp: per-binding changes" \
	"$(q "$T/g.db" "select path||' '||kind||' '||coalesce(before,'-')||' '||coalesce(after,'-') from changes c join entries e using(seq) where e.action='SetIamPolicy' order by path")" \
	'bindings["roles/editor"][0] added - "user:bob@example.com"
bindings["roles/viewer"][0] removed "user:carol@example.com" -'
ts show "$T/g.db" 1 --format json > "$T/show.json"
expect_eq "gcp: show --format json names member and role" \
	"$(python3 -c 'import json,sys; print(";".join(c["path"]+"="+c["kind"]+":"+str(c["before"] or c["after"]) for c in json.load(open(sys.argv[1]))["changes"]))' "$T/show.json")" \
	'bindings["roles/editor"][0]=added:user:bob@example.com;bindings["roles/viewer"][0]=removed:user:carol@example.com'
expect_status "gcp: show the failed delete" 0 ts show "$T/g.db" 3
expect_grep "gcp: failure code and message" 'FAILED 7: PERMISSION_DENIED' "$T/out"
expect_eq "gcp: one event for the operation, the last entry's time" \
	"$(q "$T/g.db" "select event_id, ts, json_extract(leaf,'\$.context.operation_merged') from entries where action like '%instances.insert'")" \
	"op1first|2026-03-02T09:20:41.500000Z|1"
expect_eq "gcp: delegation kept" \
	"$(q "$T/g.db" "select json_extract(leaf,'\$.actor.auth'), json_extract(leaf,'\$.context.delegation[0].firstPartyPrincipal.principalEmail') from entries where seq=2")" \
	"delegation|ci-runner@acme-build.iam.gserviceaccount.com"
expect_eq "gcp: unfinished operation emitted alone" \
	"$(q "$T/g.db" "select json_extract(leaf,'\$.context.operation_unfinished') from entries where event_id='op2first'")" "1"

# gcloud logging read --format=json: an array, newest first
expect_status "gcp: gcloud array with --format" 0 ts import "$T/a.db" --format gcp $D/gcloud-read.json
expect_nogrep "gcp: no detection message with --format" 'detected format' "$T/err"
expect_eq "gcp: last-before-first merged, failure" \
	"$(q "$T/a.db" "select event_id, outcome, json_extract(leaf,'\$.outcome.code'), json_extract(leaf,'\$.source.index') from entries")" \
	"gke-first|failure|3|1"
expect_status "gcp: --include-reads" 0 ts import "$T/r.db" --include-reads $D/gcloud-read.json
expect_eq "gcp: the GetIamPolicy is stored" "$(q "$T/r.db" "select count(*) from entries where action='GetIamPolicy'")" "1"
expect_nogrep "gcp: nothing skipped with --include-reads" 'skipped' "$T/err"

# a wrong-typed member
expect_status "gcp: bad status code is bad input" 4 ts import "$T/b.db" $D/bad-status.jsonl
expect_grep "gcp: bad record located" 'bad-status.jsonl:2:230: expected integer for "protoPayload.status.code"' "$T/err"
expect_status "gcp: --skip-invalid imports the rest" 0 ts import "$T/b.db" --skip-invalid $D/bad-status.jsonl
expect_grep "gcp: one event kept" '^2 records: 1 added' "$T/out"
expect_status "gcp: --quiet" 0 ts import "$T/qq.db" --quiet $D/sink-export.jsonl
expect_nogrep "gcp: --quiet drops the note on skipped records" 'skipped' "$T/err"
