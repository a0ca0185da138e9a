# formats.sh - trailscope import of the platform formats through the CLI:
# every sample in $SHARED/samples imports (or fails as SOURCES.md says),
# detection is reported, --format and --include-reads, gzip, LookupEvents,
# LaunchDarkly REST items, Unleash exports, --map and its errors,
# --skip-invalid, and atomicity.
. tests/lib.sh
D=testdata/formats
SM=$SHARED/samples

# Kubernetes: all falco samples but the bogus one, in one import
ls "$SM"/k8s-falco/*.json | grep -v fal_01_003 > "$T/k8s.list"
expect_status "k8s: 46 falco samples import" 0 ts import "$T/k.db" $(cat "$T/k8s.list")
expect_grep "k8s: counts (one get skipped, two shared auditIDs)" '^51 records: 48 added, 2 already present; 1 read skipped;' "$T/out"
expect_grep "k8s: detection is reported" 'create_configmap.json: detected format k8s' "$T/err"
expect_eq "k8s: one entry per auditID" "$(q "$T/k.db" 'select count(distinct event_id) = count(*) from entries')" "1"
expect_eq "k8s: service accounts" \
	"$(q "$T/k.db" "select count(*) from entries where actor_type='service' and actor like 'system:serviceaccount:%'")" "9"
expect_eq "k8s: delete of my-config knows the state before" \
	"$(q "$T/k.db" "select json_extract(leaf,'\$.before_known'), nchanges from entries where action='delete' and target='default/my-config'")" "1|1"
expect_eq "k8s: exec target" \
	"$(q "$T/k.db" "select target_kind, target from entries where event_id like 'ca1ed9f4%'")" \
	"pods/exec|default/nginx-deployment-7998647bdf-phvq7"
expect_eq "k8s: time with microseconds, source text kept" \
	"$(q "$T/k.db" "select ts, json_extract(leaf,'\$.ts_source') from entries where event_id like '155b887c%'")" \
	"2018-10-26T13:13:03.539180Z|2018-10-26T13:13:03.539180Z"
expect_status "k8s: the bogus sample fails" 4 ts import "$T/bogus.db" "$SM/k8s-falco/fal_01_003.json" --format k8s
expect_grep "k8s: bogus sample located" 'fal_01_003.json:1:1: not a Kubernetes audit event' "$T/err"
expect_status "k8s: --include-reads keeps the get" 0 ts import "$T/r.db" --include-reads \
	"$SM/k8s-falco/create_nginx_pod_unsensitive_mount.json"
expect_eq "k8s: the get is stored" "$(q "$T/r.db" "select action, actor from entries")" "get|system:node:minikube"

# crafted: stages, impersonation, previous state, gzip
expect_status "k8s stages import" 0 ts import "$T/st.db" $D/k8s-stages.jsonl
expect_grep "k8s stages: 6 events from 10 lines" '^10 records: 6 added, 0 already present; 1 read, 3 earlier stages skipped;' "$T/out"
expect_eq "k8s stages: update diffed against the create" \
	"$(q "$T/st.db" "select path, before, after from changes c join entries e using(seq) where e.action='update' and path like 'data.%'")" \
	'data.new_flow|"off"|"on"'
expect_eq "k8s stages: impersonation" \
	"$(q "$T/st.db" "select json_extract(leaf,'\$.actor.auth'), json_extract(leaf,'\$.context.impersonated_user.username') from entries where action='patch'")" \
	"impersonation|system:serviceaccount:shop:deployer"
gzip -c $D/k8s-stages.jsonl > "$T/stages.jsonl.gz"
expect_status "k8s gzip import" 0 ts import "$T/gz.db" "$T/stages.jsonl.gz"
expect_grep "k8s gzip: detected through gzip" 'stages.jsonl.gz: detected format k8s' "$T/err"
expect_eq "k8s gzip: same entries" "$(q "$T/gz.db" 'select group_concat(event_id) from entries')" \
	"$(q "$T/st.db" 'select group_concat(event_id) from entries')"

# CloudTrail samples
for f in "$SM"/cloudtrail/0[1-578]-*.json; do
	expect_status "cloudtrail: $(basename "$f")" 0 ts import "$T/c.db" "$f"
done
expect_eq "cloudtrail: 8 entries" "$(q "$T/c.db" 'select count(*) from entries')" "8"
expect_eq "cloudtrail: StartInstances fields" \
	"$(q "$T/c.db" "select actor, action, target_kind, target, environment, ts from entries where action like '%StartInstances'")" \
	"arn:aws:iam::123456789012:user/Alice|ec2.amazonaws.com:StartInstances|AWS::EC2::Instance|i-ebeaf9e2|123456789012/us-east-2|2014-03-06T21:22:54.000000Z"
expect_eq "cloudtrail: errorCode marks a failed attempt" \
	"$(q "$T/c.db" "select json_extract(leaf,'\$.context.failed'), json_extract(leaf,'\$.context.error_code') from entries where action like '%UpdateTrail'")" \
	"1|TrailNotFoundException"
expect_eq "cloudtrail: record index kept" \
	"$(q "$T/c.db" "select json_extract(leaf,'\$.source.index') from entries where action like 'insight:%End'")" "1"
expect_status "cloudtrail: the invalid sample fails" 4 ts import "$T/c.db" \
	"$SM/cloudtrail/06-iam-CreateRole.INVALID-json-control-char.json"
expect_grep "cloudtrail: invalid sample located" \
	'06-iam-CreateRole.INVALID-json-control-char.json:19:124: record 0: unexpected newline' "$T/err"
expect_eq "cloudtrail: nothing written by the failed import" "$(q "$T/c.db" 'select count(*) from entries')" "8"
expect_status "cloudtrail: good and invalid files together fail" 4 ts import "$T/c2.db" \
	"$SM/cloudtrail/01-ec2-StartInstances.json" "$SM/cloudtrail/06-iam-CreateRole.INVALID-json-control-char.json"
expect_eq "cloudtrail: atomic" "$(q "$T/c2.db" 'select count(*) from entries' 2>/dev/null || echo 0)" "0"
expect_status "cloudtrail: --skip-invalid imports the rest" 0 ts import "$T/c3.db" --skip-invalid \
	"$SM/cloudtrail/01-ec2-StartInstances.json" "$SM/cloudtrail/06-iam-CreateRole.INVALID-json-control-char.json"
expect_grep "cloudtrail: skipped is reported" 'record 0: unexpected newline.*\(skipped\)' "$T/err"
expect_status "cloudtrail: LookupEvents lines" 0 ts import "$T/l.db" $D/cloudtrail-lookup.jsonl
expect_grep "cloudtrail: read-only lookup event skipped" '^2 records: 1 added, 0 already present; 1 read skipped;' "$T/out"
expect_status "cloudtrail: LookupEvents with --include-reads" 0 ts import "$T/l2.db" --include-reads $D/cloudtrail-lookup.jsonl
expect_grep "cloudtrail: both lookup events" '^2 records: 2 added' "$T/out"

# LaunchDarkly
expect_status "launchdarkly: 17 samples" 0 ts import "$T/ld.db" $(find "$SM/launchdarkly" -name '*.json' | sort)
expect_grep "launchdarkly: counts" '^17 records: 17 added' "$T/out"
expect_eq "launchdarkly: toggle" \
	"$(q "$T/ld.db" "select actor, action, target_kind, target, environment, ts from entries where event_id='5e38bf6706121d8aaf15392a'")" \
	"testing@launchdarkly.com|updateOn|flag|demo-flag|production|2020-02-04T00:48:39.650000Z"
expect_eq "launchdarkly: comment is the reason (searchable)" \
	"$(q "$T/ld.db" "select json_extract(leaf,'\$.context.reason') from entries where event_id='5e38bf6706121d8aaf15392a'")" "Do it live!"
expect_status "launchdarkly: REST items" 0 ts import "$T/ldr.db" $D/ld-items.json
expect_eq "launchdarkly: versions diffed" \
	"$(q "$T/ldr.db" "select path, before, after from changes c join entries e using(seq) where e.event_id='65f000000000000000000002'")" \
	"on|true|false"

# Unleash
expect_status "unleash: export" 0 ts import "$T/u.db" $D/unleash-export.json
expect_grep "unleash: detected" 'unleash-export.json: detected format unleash' "$T/err"
expect_eq "unleash: strategy diff" \
	"$(q "$T/u.db" "select path, before, after from changes c join entries e using(seq) where e.event_id='unleash:103'")" \
	'parameters.rollout|"10"|"50"'

# mapped JSON
expect_status "map: import" 0 ts import "$T/m.db" --map $D/map-app.json $D/map-app.jsonl
expect_eq "map: fields" "$(q "$T/m.db" "select event_id, ts, actor, target_kind, target, environment from entries where seq=1")" \
	"app-1|2026-03-04T08:00:00.250000Z|kim@example.com|flag|search-v2|staging"
for u in s ms us ns; do
	ts import "$T/e$u.db" --map $D/map-epoch-$u.json $D/epoch-$u.jsonl >/dev/null 2>&1
done
expect_eq "map: epoch units" \
	"$(for u in s ms us ns; do q "$T/e$u.db" 'select ts from entries where seq=1'; done | tr '\n' ' ')" \
	"2026-03-04T08:00:00.000000Z 2026-03-04T08:00:00.123000Z 2026-03-04T08:00:00.123456Z 2026-03-04T08:00:00.123457Z "
expect_status "map: unknown field fails" 4 ts import "$T/mb.db" --map $D/map-bad-field.json $D/map-app.jsonl
expect_grep "map: unknown field named" 'map-bad-field.json:1:41: unknown field "actor"' "$T/err"
expect_status "map: bad pointer fails" 4 ts import "$T/mb.db" --map $D/map-bad-pointer.json $D/map-app.jsonl
expect_grep "map: bad pointer named" 'field "actor_id": JSON Pointer "a/b"' "$T/err"
expect_status "map: bad JSON located" 4 ts import "$T/mb.db" --map $D/map-bad-json.json $D/map-app.jsonl
expect_grep "map: bad JSON position" 'map-bad-json.json:2:[0-9]+: ' "$T/err"
expect_status "map: record without the actor" 4 ts import "$T/mb.db" --map $D/map-app.json $D/map-missing-actor.jsonl
expect_grep "map: record error located" 'map-missing-actor.jsonl:2:1: nothing at "/who/email" \(actor_id\)' "$T/err"

# one file may not mix formats
printf '%s\n' "$(head -1 $D/k8s-stages.jsonl)" "$(sed -n 1p $D/cloudtrail-lookup.jsonl)" > "$T/mixed.jsonl"
expect_status "mixed formats in one file fail" 4 ts import "$T/mx.db" "$T/mixed.jsonl"
expect_grep "mixed: the foreign line is located" 'mixed.jsonl:2:1: not a Kubernetes audit event' "$T/err"
