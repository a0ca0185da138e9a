# incidents.sh - incidents, correlation and state through the CLI:
# incident import (JSON lines, PagerDuty export, hostile files with their
# FILE:LINE:COL, atomicity, --skip-invalid), incident list/show, correlate
# (text, JSON, options, a hand-made incident whose cause is known), history
# and state (at a time, unknown before an unrecorded state, diff).
. tests/lib.sh
D=testdata/incidents
S=$T/s.db

# ---- incident import ------------------------------------------------------
expect_status "incident import: JSON lines" 0 ts incident import "$S" $D/good.jsonl
expect_grep "incident import reports counts" '^3 incidents: 3 added, 0 updated, 0 unchanged' "$T/out"
expect_status "incident import: PagerDuty export" 0 ts incident import "$S" $D/pagerduty.json
expect_grep "PagerDuty export: 2 added" '^2 incidents: 2 added' "$T/out"
expect_status "incident import again: unchanged" 0 ts incident import "$S" $D/good.jsonl
expect_grep "re-import changes nothing" '3 unchanged' "$T/out"

check_bad() { # NAME FILE LOCATION-REGEX REASON-REGEX
	expect_status "hostile $1: exit 4" 4 ts incident import "$S" "$D/$2"
	expect_grep "hostile $1: location and reason" "^$D/$2:$3: $4" "$T/err"
	expect_grep "hostile $1: nothing written" 'nothing was written' "$T/err"
}
check_bad "syntax" bad-syntax.jsonl '2:27' "'\\}' expected"
check_bad "missing" bad-missing.jsonl '2:1' 'missing "started_at"'
check_bad "impossible date" bad-time.jsonl '2:1' 'bad time for "started_at".*impossible date'
check_bad "resolved before start" bad-order.jsonl '2:1' 'resolved_at is before started_at'
check_bad "services" bad-services.jsonl '2:1' 'expected a list of strings for "services"'
check_bad "duplicate id" bad-dup.jsonl '3:1' 'duplicate incident id "INC-1"'
check_bad "utf-8" bad-utf8.jsonl '2:27' 'invalid UTF-8'
check_bad "deep" bad-deep.jsonl '2:[0-9]+' 'nesting deeper than 64'
check_bad "control id" bad-id.jsonl '2:1' '"id" contains control characters'
check_bad "array record" bad-shape.jsonl '2:1' 'expected a JSON object'
check_bad "PagerDuty record" bad-pagerduty.json '23:5' 'incident 1: bad time for "created_at"'
ts incident list "$S" --format jsonl > "$T/list.jsonl"
expect_eq "bad files wrote nothing" "$(wc -l < "$T/list.jsonl")" "5"
expect_status "--skip-invalid keeps the good records" 0 ts incident import "$S" $D/bad-missing.jsonl --skip-invalid
expect_grep "--skip-invalid reports each bad record" 'bad-missing.jsonl:3:1: missing "id" \(skipped\)' "$T/err"
expect_status "missing file: exit 5" 5 ts incident import "$S" "$T/nope.jsonl"
expect_status "incident import without FILE: usage" 3 ts incident import "$S"
expect_status "unknown subcommand: usage" 3 ts incident frobnicate "$S"
printf '{"id":"INC-STDIN","started_at":"2026-03-08T00:00:00Z"}\n' > "$T/one.jsonl"
expect_status "incident import from stdin" 0 sh -c "\"$TRAILSCOPE\" incident import \"$S\" - < \"$T/one.jsonl\""

# ---- list and show ----------------------------------------------------------
expect_status "incidents (list)" 0 ts incidents "$S"
expect_grep "list: header" '^ID +SEV +STARTED' "$T/out"
expect_grep "list: PagerDuty service" 'PT4KHLK +P1 +2026-03-06 21:30:42Z.*My Mail Service' "$T/out"
expect_status "incident list --format csv" 0 ts incident list "$S" --format csv
expect_grep "csv: quoted services" '^INC-1,SEV1,.*,"checkout,payments",' "$T/out"
expect_status "incident list --format json" 0 ts incident list "$S" --format json
expect_eq "json: ids by impact start" "$(jq -r '[.incidents[].id] | join(" ")' "$T/out")" \
	"INC-1 INC-2 PT4KHLK PT4KHLL 42 INC-STDIN"
expect_status "incident show" 0 ts incident show "$S" inc-1
expect_grep "show: impact start" '^started +2026-03-05 13:39:17Z' "$T/out"
expect_status "incident show unknown: exit 4" 4 ts incident show "$S" INC-404
expect_status "hostile incident imports" 0 ts incident import "$S" testdata/incidents/hostile.jsonl
ts incidents "$S" > "$T/hl.txt"; ts incident show "$S" INC-666 >> "$T/hl.txt"
ts incident list "$S" --format csv >> "$T/hl.txt"
expect_nogrep "no raw escape reaches the terminal" "$(printf '\033')" "$T/hl.txt"
expect_nogrep "no raw bidi override" "$(printf '\342\200\256')" "$T/hl.txt"
expect_grep "escapes are shown escaped" 'Hotfix \\x1b\[31mURGENT' "$T/hl.txt"

# ---- correlate: a hand-made incident with a known cause ------------------------
# 13:00 checkout flag switched on in production by a bot (no approval, a
# Saturday), reverted at 13:40 during the incident; distractors: a closer
# staging change, a closer production change to another service, a small
# same-service edit.
E=$T/ev.jsonl
cat > "$E" <<'EOF'
{"event_id":"h1","timestamp":"2026-03-07T09:00:00Z","actor":{"id":"alice","type":"user"},"action":"flag.toggle","target":{"kind":"flag","key":"checkout-express-pay"},"environment":"production","previous_state":{"enabled":true,"rollout_pct":100},"new_state":{"enabled":false,"rollout_pct":100}}
{"event_id":"h2","timestamp":"2026-03-07T11:30:00Z","actor":{"id":"bob","type":"user"},"action":"flag.update","target":{"kind":"flag","key":"checkout-gift-cards"},"environment":"production","previous_state":{"enabled":true,"description":"a"},"new_state":{"enabled":true,"description":"b"}}
{"event_id":"h3","timestamp":"2026-03-07T13:00:00Z","actor":{"id":"deploy-bot","type":"service"},"action":"flag.toggle","target":{"kind":"flag","key":"checkout-express-pay"},"environment":"production","previous_state":{"enabled":false,"rollout_pct":100},"new_state":{"enabled":true,"rollout_pct":100},"approval":{"required":true}}
{"event_id":"h4","timestamp":"2026-03-07T13:25:00Z","actor":{"id":"carol","type":"user"},"action":"flag.rollout","target":{"kind":"flag","key":"search-typo-tolerance"},"environment":"production","previous_state":{"enabled":true,"rollout_pct":25},"new_state":{"enabled":true,"rollout_pct":50}}
{"event_id":"h5","timestamp":"2026-03-07T13:28:00Z","actor":{"id":"dave","type":"user"},"action":"flag.toggle","target":{"kind":"flag","key":"checkout-express-pay"},"environment":"staging","previous_state":{"enabled":false,"rollout_pct":100},"new_state":{"enabled":true,"rollout_pct":100}}
{"event_id":"h6","timestamp":"2026-03-07T13:40:00Z","actor":{"id":"erin","type":"user"},"action":"flag.toggle","target":{"kind":"flag","key":"checkout-express-pay"},"environment":"production","previous_state":{"enabled":true,"rollout_pct":100},"new_state":{"enabled":false,"rollout_pct":100},"reason":"Revert during INC-7"}
{"event_id":"h7","timestamp":"2026-03-07T13:50:00Z","actor":{"id":"alice","type":"user"},"action":"flag.create","target":{"kind":"flag","key":"checkout-new"},"environment":"production","new_state":{"enabled":false}}
{"event_id":"h8","timestamp":"2026-03-07T14:00:00Z","actor":{"id":"alice","type":"user"},"action":"flag.update","target":{"kind":"flag","key":"checkout-unknown-before"},"environment":"production","new_state":{"enabled":true}}
EOF
printf '%s\n' '{"id":"INC-7","title":"Checkout \u001b[31merrors","severity":"SEV1","services":["checkout"],"environment":"production","started_at":"2026-03-07T13:30:00Z","detected_at":"2026-03-07T13:35:00Z","resolved_at":"2026-03-07T14:30:00Z"}' > "$T/inc7.jsonl"
C=$T/c.db
ts import --quiet "$C" "$E"
expect_status "incident import INC-7" 0 ts incident import "$C" "$T/inc7.jsonl"
expect_status "correlate --format json" 0 ts correlate "$C" INC-7 --format json
cp "$T/out" "$T/c.json"
expect_eq "correlate: the cause ranks first" "$(jq -r '.candidates[0].event_id' "$T/c.json")" "h3"
expect_eq "correlate: candidates are the window" "$(jq -r '[.candidates[].event_id] | sort | join(" ")' "$T/c.json")" \
	"h2 h3 h4 h5 h6 h7 h8"
expect_eq "correlate: ranks are 1..n, best first" \
	"$(jq -c '[.candidates[].rank] == [range(1; (.candidates | length) + 1)] and ([.candidates[].score] == ([.candidates[].score] | sort | reverse))' "$T/c.json")" "true"
expect_eq "correlate: incident echoed" "$(jq -r '.incident.id + " " + .incident.started_at' "$T/c.json")" \
	"INC-7 2026-03-07T13:30:00.000000Z"
jq -r '.candidates[0].reasons[]' "$T/c.json" > "$T/reasons.txt"
expect_grep "reason: reverted, with weight" '^\+0\.50 reverted 10 min after impact start \(by seq 6\)$' "$T/reasons.txt"
expect_grep "reason: service" '^\+0\.35 belongs to checkout \(key\)$' "$T/reasons.txt"
expect_grep "reason: environment" '^\+0\.30 in production' "$T/reasons.txt"
expect_grep "reason: exposure" '^\+0\.30 exposure 0% → 100% \(switched on\)$' "$T/reasons.txt"
expect_grep "reason: time" '^\+0\.18 made 30 min before impact start$' "$T/reasons.txt"
expect_grep "reason: no approval" '^\+0\.10 approval required, nobody approved$' "$T/reasons.txt"
expect_grep "reason: after hours (Saturday)" '^\+0\.05 outside business hours \(Sat 13:00' "$T/reasons.txt"
expect_eq "signals carry names and weights" "$(jq -c '[.candidates[0].signals[] | select(.signal == "reverted") | .weight]' "$T/c.json")" "[0.5]"
expect_eq "staging distractor is penalised" \
	"$(jq -r '.candidates[] | select(.event_id == "h5") | .reasons[] | select(test("not production"))' "$T/c.json")" \
	"-0.40 in staging, not production"
expect_eq "the revert is explained as a revert" \
	"$(jq -r '.candidates[] | select(.event_id == "h6") | .reasons[] | select(test("undoes"))' "$T/c.json")" "-0.20 undoes #3"
expect_status "correlate text" 0 ts correlate "$C" INC-7 --limit 2
expect_grep "text: first candidate" '^#1  score [0-9.]+  seq 3  h3' "$T/out"
expect_grep "text: reasons listed" '^      \+0\.50 reverted' "$T/out"
expect_grep "text: more candidates" 'more candidates; --limit 0 shows all' "$T/out"
expect_nogrep "text: no raw escape from the title" "$(printf '\033')" "$T/out"
expect_status "correlate --lookback 10m narrows the window" 0 ts correlate "$C" INC-7 --lookback 10m --format json
expect_eq "10m window" "$(jq -r '[.candidates[].event_id] | sort | join(" ")' "$T/out")" "h4 h5 h6 h7 h8"
expect_status "correlate --business-hours/--tz" 0 ts correlate "$C" INC-7 --format json --business-hours 00-24 --tz +02:00
expect_eq "Saturday is still after hours" "$(jq -r '.candidates[0].reasons[] | select(test("business hours"))' "$T/out" | cut -c1-43)" \
	"+0.05 outside business hours (Sat 15:00 at "
expect_status "correlate --weight" 0 ts correlate "$C" INC-7 --format json --weight reverted=0
expect_eq "a zero weight drops the reason" "$(jq -r '[.candidates[0].reasons[] | select(test("reverted"))] | length' "$T/out")" "0"
expect_status "correlate unknown incident: exit 4" 4 ts correlate "$C" INC-404
expect_status "correlate bad --lookback: usage" 3 ts correlate "$C" INC-7 --lookback 2x
expect_status "correlate bad --tz: usage" 3 ts correlate "$C" INC-7 --tz 25:00
expect_status "correlate bad --business-hours: usage" 3 ts correlate "$C" INC-7 --business-hours 18-9
expect_status "correlate bad --weight: usage" 3 ts correlate "$C" INC-7 --weight nope=1
expect_status "correlate missing store: exit 5" 5 ts correlate "$T/none.db" INC-7

# ---- history and state ---------------------------------------------------------
expect_status "history" 0 ts history "$C" checkout-express-pay
expect_eq "history: every env, oldest first" "$(awk 'NR > 1 {print $1 ":" $3}' "$T/out" | tr '\n' ' ')" \
	"1:production 3:production 5:staging 6:production "
expect_status "history --env --format json" 0 ts history "$C" checkout-express-pay --env production --format json
expect_eq "history json" "$(jq -c '[.changes[].seq]' "$T/out")" "[1,3,6]"
expect_status "history of nothing: exit 4" 4 ts history "$C" nope
expect_status "state needs --env when ambiguous" 3 ts state "$C" checkout-express-pay --at 2026-03-07T13:10:00Z
expect_grep "ambiguity names the environments" "'production', 'staging'" "$T/err"
expect_status "state --at" 0 ts state "$C" checkout-express-pay --env production --at 2026-03-07T13:10:00Z --format json
expect_eq "state after the cause" "$(jq -c '[.state, .value.enabled, .settled_by.seq]' "$T/out")" '["present",true,3]'
expect_status "state --at an incident id (its impact start)" 0 ts state "$C" checkout-express-pay --env production --at INC-7
expect_grep "state text: settled by" '^state +present: after #3' "$T/out"
expect_grep "state text: value" '"enabled": true' "$T/out"
expect_status "state before the first change (recorded before)" 0 ts state "$C" checkout-express-pay --env production --at 2026-03-07T08:00:00Z --format json
expect_eq "state before the first change" "$(jq -c '[.state, .value.enabled, .settled_by.before_first_change]' "$T/out")" '["present",true,true]'
expect_status "state before a create" 0 ts state "$C" checkout-new --at 2026-03-07T13:00:00Z --format json
expect_eq "absent before a create" "$(jq -r .state "$T/out")" "absent"
expect_status "state before an unrecorded state" 0 ts state "$C" checkout-unknown-before --at 2026-03-07T13:00:00Z
expect_grep "unknown, never guessed" '^state +unknown: before the first recorded change #8' "$T/out"
expect_status "state --diff" 0 ts state "$C" checkout-express-pay --env production --at 2026-03-07T12:00:00Z --diff 2026-03-07T13:10:00Z
expect_grep "diff: enabled switched on" 'changed +enabled: false → true' "$T/out"
expect_status "state --diff from unknown" 0 ts state "$C" checkout-unknown-before --at 2026-03-07T13:00:00Z --diff 2026-03-07T15:00:00Z --format json
expect_eq "diff from unknown marks before_unknown" "$(jq -c '[.from.state, .changes[0].path, .changes[0].before_unknown]' "$T/out")" \
	'["unknown","enabled",true]'
expect_status "state --diff to unknown" 0 ts state "$C" checkout-unknown-before --at 2026-03-07T15:00:00Z --diff 2026-03-07T13:00:00Z
expect_grep "diff to unknown says so" 'changes +unknown' "$T/out"
expect_status "state --at relative" 0 ts state "$C" checkout-new --at -1h --format json
expect_eq "relative time is after everything" "$(jq -r .state "$T/out")" "present"
expect_status "state bad time: usage" 3 ts state "$C" checkout-new --at 2026-02-30
expect_status "state without --at: usage" 3 ts state "$C" checkout-new
expect_status "state of nothing: exit 4" 4 ts state "$C" nope --at 2026-03-07T13:00:00Z
