# query_hints.sh - `trailscope query` explains itself: keys in any case,
# an unknown key refused at its column with a suggestion (the key it
# spells, the term for a concept, a key a typo away, after.PATH for a
# changed field), --explain saying how each term was read, a note naming a
# value no event has and the nearest one, and action:V matching the last
# component of CloudTrail's eventSource:eventName.
. tests/lib.sh
S=$T/q.db
ts gen --events 600 --seed 9 > "$T/ev.jsonl"
expect_status "import generated events" 0 ts import "$S" "$T/ev.jsonl" --quiet

# keys in any case
nprod=$(ts query "$S" 'env:production' --count)
expect_eq "ENV: is env:" "$(ts query "$S" 'ENV:production' --count)" "$nprod"
expect_eq "Actor-Type: is actor-type:" "$(ts query "$S" 'Actor-Type:service' --count)" \
	"$(ts query "$S" 'actor-type:service' --count)"
expect_eq "After.PATH is after.PATH" "$(ts query "$S" 'After.enabled:true' --count)" \
	"$(ts query "$S" 'after.enabled:true' --count)"

# unknown keys: exit 3, the column, a caret and a suggestion
expect_status "actor_type: exits 3" 3 ts query "$S" 'actor_type:service'
expect_grep "actor_type: did you mean actor-type:" "^<query>:1:1: unknown key 'actor_type'; did you mean 'actor-type:'\\?$" "$T/err"
expect_grep "actor_type: caret under col 1" '^  \^$' "$T/err"
expect_status "a typo exits 3" 3 ts query "$S" 'env:production tagret:x'
expect_grep "tagret: did you mean target: at col 16" "^<query>:1:16: unknown key 'tagret'; did you mean 'target:'\\?" "$T/err"
expect_status "rollout_pct:100 exits 3" 3 ts query "$S" 'rollout_pct:100'
expect_grep "a changed field: after.rollout_pct:100" "^<query>:1:1: unknown key 'rollout_pct'; did you mean 'after\\.rollout_pct:100'\\? \\('rollout_pct' is a changed field" "$T/err"
expect_status "rollout_pct>=50 exits 3" 3 ts query "$S" 'rollout_pct>=50'
expect_grep "the operator is kept" "did you mean 'after\\.rollout_pct>=50'\\?" "$T/err"
expect_status "approved_by: exits 3" 3 ts query "$S" 'approved_by:alice'
expect_grep "approvals: risk:no-approval" "did you mean 'risk:no-approval'\\? \\(approvals are a risk signal" "$T/err"
expect_status "reason: exits 3" 3 ts query "$S" 'reason:rollback'
expect_grep "reason: a bare word searches it" "did you mean 'rollback'\\? \\(a bare word" "$T/err"
expect_status "a word that is no key: the list" 3 ts query "$S" 'colour:red'
expect_grep "colour: the keys listed" "^<query>:1:1: unknown key 'colour' \\(keys: actor, actor-type," "$T/err"
expect_status "a path that no event changed is no suggestion" 3 ts query "$S" 'no_such_field:1'
expect_nogrep "no_such_field: no after. suggestion" "did you mean 'after" "$T/err"

# --explain: how each term was read, then the SQL
expect_status "--explain" 0 ts query "$S" 'env:production checkout "kill switch" -actor:x' --explain
expect_grep "--explain: the field term" '^  col 1 +env:production +environment is .production.$' "$T/out"
expect_grep "--explain: a bare word is free text" "^  col 16 +checkout +free text: the word 'checkout' in reason, target, actor or ticket$" "$T/out"
expect_grep "--explain: a phrase" "^  col 25 +\"kill switch\" +free text: the phrase 'kill switch'" "$T/out"
expect_grep "--explain: a negated term" "^  col 39 +-actor:x|^  col 40 +actor:x +not: actor is 'x'$" "$T/out"
expect_grep "--explain: then the SQL" '^WHERE ' "$T/out"

# no match: a note on stderr names the value no event has, status 0
expect_status "env:prodution: no match, exit 0" 0 ts query "$S" 'env:prodution'
expect_eq "env:prodution: no rows" "$(wc -c < "$T/out" | tr -d ' ')" 0
expect_grep "env:prodution: the nearest value" "^trailscope: note: no event has environment 'prodution'; did you mean 'production'\\?$" "$T/err"
expect_status "--count too" 0 ts query "$S" 'env:Production' --count
expect_eq "--count prints 0" "$(cat "$T/out")" 0
expect_grep "another case: the value as stored" "no event has environment 'Production'; did you mean 'production'\\?" "$T/err"
expect_status "a value far from any: the values listed when few" 0 ts query "$S" 'env:qa' --count
expect_grep "env:qa: the environments listed" "no event has environment 'qa' \\(environments: '" "$T/err"
expect_status "a negated value is no reason" 0 ts query "$S" 'env:production -env:prodution target:nosuch-flag' --count
expect_nogrep "-env:prodution: no note" 'prodution' "$T/err"
expect_grep "target:nosuch-flag: a note" "no event has target 'nosuch-flag'" "$T/err"
expect_status "matches: no note" 0 ts query "$S" 'env:production' --count
expect_eq "matches: stderr empty" "$(wc -c < "$T/err" | tr -d ' ')" 0
expect_status "a value no event has, hostile" 0 ts query "$S" "$(printf 'actor:x\342\200\256y\177')" --count
expect_grep "the note names it" "no event has actor 'x" "$T/err"
expect_nogrep "the note escapes it (no raw U+202E)" "$(printf '\342\200\256')" "$T/err"
expect_nogrep "the note escapes it (no raw DEL)" "$(printf '\177')" "$T/err"

# action:V and the last component (CloudTrail: eventSource:eventName)
C=$T/ct.db
expect_status "import CloudTrail samples" 0 ts import "$C" "$SHARED/samples/cloudtrail/01-ec2-StartInstances.json" \
	"$SHARED/samples/cloudtrail/02-ec2-StopInstances.json" "$SHARED/samples/cloudtrail/04-iam-CreateUser.json"
expect_status "action:StartInstances" 0 ts query "$C" 'action:StartInstances' --format jsonl
expect_eq "it matches ec2.amazonaws.com:StartInstances" "$(jq -r .action "$T/out")" "ec2.amazonaws.com:StartInstances"
expect_eq "the whole action still matches" "$(ts query "$C" 'action:ec2.amazonaws.com:StartInstances' --count)" 1
expect_eq "a wildcard over the last component" "$(ts query "$C" 'action:St*Instances' --count)" 2
expect_eq "a value with '.' or ':' is the whole action only" "$(ts query "$C" 'action:amazonaws.com:StartInstances' --count 2>/dev/null)" 0
expect_status "the last component: a note with the nearest" 0 ts query "$C" 'action:StopInstance' --count
expect_grep "StopInstance: did you mean StopInstances" "no event has action 'StopInstance'; did you mean 'StopInstances'\\?" "$T/err"
expect_eq "generated actions: action:update is every *.update" "$(ts query "$S" 'action:update' --count)" \
	"$(sqlite3 "$S" "SELECT count(*) FROM entries WHERE action = 'update' OR action LIKE '%.update' OR action LIKE '%:update'")"
expect_status "--explain shows the actions listed from the index" 0 ts query "$S" 'action:update' --explain
expect_grep "--explain: the last component in words" "action is 'update', or its last component" "$T/out"
expect_grep "--explain: the list bound as one parameter" "^\\?2 = '\\[.*\\.update" "$T/out"
