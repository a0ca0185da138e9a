# format_github.sh - the GitHub audit log through the CLI: an
# organisation export (a JSON array) and enterprise JSON lines, detected
# and named with --format; actor and bots, action, target by the action's
# prefix, organisation as environment, context, per-field changes from
# old_X / X_was / changes; access events skipped unless --include-reads;
# bad records located.
. tests/lib.sh
D=testdata/formats/github

expect_status "github: the org export imports" 0 ts import "$T/g.db" $D/org-export.json
expect_grep "github: detected" 'org-export.json: detected format github' "$T/err"
expect_grep "github: 5 of 6 (the access event is a read)" '^6 records: 5 added' "$T/out"
expect_grep "github: the skipped access event is counted" \
	'; 1 read skipped; store has' "$T/out"
expect_status "github: query as JSON" 0 ts query "$T/g.db" 'action:repo.create' --format json
expect_grep "github: repo.create fields" \
	'"event_id":"Gx1aQ2bS3cT4dU5eV6fW7g","ts":"2026-03-03T09:00:00.123000Z","actor":"mona","actor_type":"user","action":"repo.create","target":"octo-corp/payments-api","target_kind":"repo","environment":"octo-corp"' "$T/out"
expect_grep "github: a success" '"outcome":"success"' "$T/out"
expect_eq "github: old_permission -> permission" \
	"$(q "$T/g.db" "select e.target_kind, e.target, path, before, after from changes join entries e using(seq) where action='org.update_member'")" \
	'org|octo-corp/hubert|permission|"read"|"admin"'
expect_eq "github: protected branch target and X_was change" \
	"$(q "$T/g.db" "select target_kind, target, path, before, after from changes join entries using(seq) where action='protected_branch.update'")" \
	'protected_branch|octo-corp/payments-api:main|required_approving_review_count|2|0'
expect_status "github: show the branch update" 0 ts show "$T/g.db" 3 --format json
expect_grep "github: token in the context" '"hashed_token": "k3Jm9Qz0y8XcPq1Rt5UvWx7YzA2bC4dE6fG8hI0jK1="' "$T/out"
expect_grep "github: access type in the context" '"programmatic_access_type": "Fine-grained personal access token"' "$T/out"
expect_grep "github: country in the context" '"country_code": "US"' "$T/out"
expect_eq "github: no old values: state not recorded" \
	"$(q "$T/g.db" "select json_extract(leaf,'\$.before_known'), nchanges from entries where action='team.add_member'")" "0|0"
expect_eq "github: a bot is a service" \
	"$(q "$T/g.db" "select actor_type from entries where actor='dependabot[bot]'")" "service"
expect_status "github: --include-reads keeps the access event" 0 ts import "$T/r.db" --include-reads $D/org-export.json
expect_eq "github: the access event stored as a read" \
	"$(q "$T/r.db" "select json_extract(leaf,'\$.context.read_only') from entries where action='repo.download_zip'")" "1"

expect_status "github: enterprise JSON lines import" 0 ts import "$T/e.db" $D/enterprise.jsonl
expect_grep "github: JSON lines detected" 'enterprise.jsonl: detected format github' "$T/err"
expect_eq "github: business events: the enterprise as environment" \
	"$(q "$T/e.db" "select target_kind, target, environment from entries where action='business.add_admin'")" \
	"business|octo-enterprise/omar|octo-enterprise"
expect_eq "github: rename: old_name against the new repo" \
	"$(q "$T/e.db" "select path, before, after from changes join entries using(seq) where action='repo.rename'")" \
	'name|"octo-labs/ledger-old"|"octo-labs/ledger"'
expect_eq "github: changes member" \
	"$(q "$T/e.db" "select path, before, after from changes join entries using(seq) where action='team.change_privacy'")" \
	'privacy|"secret"|"closed"'
expect_eq "github: created_at as RFC 3339 text" \
	"$(q "$T/e.db" "select ts from entries where action='team.change_privacy'")" "2026-03-03T10:03:00.000000Z"
expect_status "github: --format github names it" 0 ts import "$T/f.db" --format github $D/enterprise.jsonl
expect_nogrep "github: no detection line with --format" 'detected format' "$T/err"

printf '[\n {"@timestamp": 1772528400123, "action": "repo.create", "actor": "a", "repo": 7}\n]\n' > "$T/bad.json"
expect_status "github: a wrong-typed member stops the import" 4 ts import "$T/b.db" "$T/bad.json"
expect_grep "github: located at its value, with its index" 'bad.json:2:79: record 0: expected string for "repo"' "$T/err"
printf '{"@timestamp": "last week", "_document_id": "d", "action": "repo.create", "actor": "a"}\n' > "$T/badtime.jsonl"
expect_status "github: a bad time" 4 ts import "$T/b.db" "$T/badtime.jsonl"
expect_grep "github: the time located" 'badtime.jsonl:1:16: "@timestamp": bad time' "$T/err"
