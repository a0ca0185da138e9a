# fit.sh - issue 12's screen: columns that fit the source (CloudTrail,
# Kubernetes, LaunchDarkly samples from ../shared/samples) at 80x24 and
# 120x40, search with n / N and "match i of N", what the position says,
# horizontal scrolling, the help screen's one filter-and-search section,
# and the small promises (:theme, t beyond the data, the export dialog's
# typing, Tab, ~ and overwrite). Headless (TRAILSCOPE_SCRIPT) screens.
. tests/tui/common.inc
make_store "$T/st"
S=$SHARED/samples

mkdir -p "$T/ct" "$T/k8s" "$T/ld"
(cd "$T/ct" && ts import s.db "$S"/cloudtrail/0[1-57-8]*.json --quiet) || fail "cannot import the CloudTrail samples"
# fal_01_003.json ({"kind": 0}) is in no recognised format: the whole import would stop
(cd "$T/k8s" && ts import s.db $(ls "$S"/k8s-falco/*.json | grep -v fal_01_003) --quiet 2>/dev/null) ||
	fail "cannot import the Kubernetes samples"
(cd "$T/ld" && ts import s.db $(find "$S/launchdarkly" -name '*.json' | sort) --quiet) ||
	fail "cannot import the LaunchDarkly samples"

for size in 80x24 120x40; do
	printf ':wait-idle\n' | SCREEN_DIR=$T/ct run_screen $size "$T/ct$size"
	expect_grep "CloudTrail $size: actions read service:Event" ' iam:Create' "$T/ct$size"
	expect_nogrep "CloudTrail $size: no amazonaws.com in the action column" ' (ec2|iam|cloudtrail)\.amazonaws' "$T/ct$size"
	expect_grep "CloudTrail $size: the ARN shows its tail (the user)" '[0-9] Alice +' "$T/ct$size"
	expect_nogrep "CloudTrail $size: no arn: prefix in rows" ' arn:aws' "$T/ct$size"
	expect_grep "CloudTrail $size: account/region does not crowd out the action (region shown)" \
		' us-east-2 ' "$T/ct$size"
	expect_grep "CloudTrail $size: the failed request is marked" '✗ ' "$T/ct$size"
	# the summary uses the room it has: a word is cut where the room ends,
	# not backed off to the space before it with blanks after
	expect_grep "CloudTrail $size: the summary fills its column" 'state not recorde' "$T/ct$size"
	expect_nogrep "CloudTrail $size: no word dropped for blanks" 'state not… ' "$T/ct$size"
	printf ':wait-idle\n' | SCREEN_DIR=$T/k8s run_screen $size "$T/k8s$size"
	expect_grep "Kubernetes $size: kind with target" ' create +secret default/' "$T/k8s$size"
	expect_grep "Kubernetes $size: cluster-scoped kind with target" 'clusterrole(binding)? some-' "$T/k8s$size"
	expect_nogrep "Kubernetes $size: no ENV column when no event has one" ' ENV ' "$T/k8s$size"
	# no column of the timeline collapses: every heading is whole
	for f in "$T/ct$size" "$T/k8s$size"; do
		expect_grep "$size: column headings whole ($(basename "$f"))" 'TIME \(UTC\) +ACTOR +ACTION +TARGET' "$f"
	done
done
# 80 wide: the actor and the target give up their room before the action
expect_grep "CloudTrail 80x24: the action keeps more room than the target" ' iam:AddUser' "$T/ct80x24"
# 120 wide: the risk slots are those the page raises (H and S), so the
# failed request's summary shows whole
expect_grep "CloudTrail 120x40: the failed request's summary whole" '✗ state not recorded by this source +H$' "$T/ct120x40"
expect_grep "CloudTrail 120x40: H and S in their slots" ' H S$' "$T/ct120x40"
# the full ARN stays in the event view
printf ':wait-idle\nG\n<Enter>\n' | SCREEN_DIR=$T/ct run_screen 120x40 "$T/ctev"
expect_grep "CloudTrail: the event view has the full ARN" 'arn:aws:iam::123456789012:user/Alice' "$T/ctev"
expect_grep "CloudTrail: the event view has the full action" 'ec2\.amazonaws\.com:CreateKeyPair' "$T/ctev"

# summaries cut at token boundaries: never a number cut in half
mkdir -p "$T/num"
cat > "$T/num/ev.jsonl" <<'J'
{"event_id":"n1","timestamp":"2026-02-01T10:00:00Z","actor":"alice@example.com","action":"flag.rollout","flag_key":"checkout_payment_retries","environment":"production","previous_state":{"rollout_pct":100,"note":"a"},"new_state":{"rollout_pct":55,"note":"b"}}
J
(cd "$T/num" && ts import s.db ev.jsonl --quiet) || fail "cannot build the number store"
for size in 80x24 120x40; do
	printf ':wait-idle\n' | SCREEN_DIR=$T/num run_screen $size "$T/num$size"
	expect_nogrep "$size: a number is never cut (100 → 5…)" '→ 5…|10…' "$T/num$size"
done

# 80x24: incidents keep their TITLE; correlation reasons wrap at words
mkdir -p "$T/inc"
(cd "$T/inc" && ts gen --events 3000 --seed 3 --incidents inc.jsonl > ev.jsonl &&
	ts import s.db ev.jsonl --quiet && ts incident import s.db inc.jsonl > /dev/null) ||
	fail "cannot build the incident store"
printf ':wait-idle\ni\n' | SCREEN_DIR=$T/inc run_screen 80x24 "$T/inc80"
expect_grep "80x24: incidents TITLE is a column of its own" 'SERVICES +TITLE' "$T/inc80"
expect_grep "80x24: an incident title shows words, not one letter" '^ INC-0001 .* [A-Z][a-z]+ [a-z]+' "$T/inc80"
printf ':wait-idle\ni\n<Enter>\n:wait-idle\n' | SCREEN_DIR=$T/inc run_screen 80x24 "$T/cor80"
expect_grep "80x24: the correlation title says what # is" '#N: rank by score' "$T/cor80"
# reasons and values wrap at word boundaries (the same wrapping)
expect_nogrep "80x24: no reason split inside a word" '(Mon-Fr|busines|impac|minut)$' "$T/cor80"
expect_nogrep "correlation reasons name the reverting event by seq" 'by #[0-9]' "$T/cor80"

# the event view: labels never run into values; multi-line text as lines
printf ':wait-idle\n/\n:type id:5e38c13206121d8aaf15392c\n<Enter>\n<Enter>\n' | SCREEN_DIR=$T/ld run_screen 80x24 "$T/ldev"
expect_grep "80x24: a long label gets a line of its own" '^ custom_properties$' "$T/ldev"
expect_grep "multi-line details: first line" '^ details +Changed the flag to be hidden from client-side SDKs$' "$T/ldev"
expect_grep "multi-line details: second line, indented" '^              Added tag' "$T/ldev"
expect_nogrep "multi-line details: no literal \\n" "SDKs\\\\n" "$T/ldev"
expect_grep "the event view's position is a seq" 'seq [0-9]+$' "$T/ldev"
printf ':wait-idle\n<Enter>\n' | run_screen 80x24 "$T/hostile80"
expect_grep "80x24: a value wraps at a word boundary" '^ Time .*\(source wrote$' "$T/hostile80"
expect_nogrep "80x24: no label runs into its value" \
	'^ (Time|Actor|Action|Target|Environment|Outcome|Reason|Approval|Source|Event id|Proof) ?[^ ]' "$T/hostile80"
expect_nogrep "80x24: no long label runs into its value" '^ [a-z_]{12,}[^a-z_ ]' "$T/ldev"

# the position: rows on the timeline, filtered rows, seqs in the event view
printf ':wait-idle\nj\nj\n' | run_screen 120x40 "$T/pos"
expect_grep "timeline position counts rows" 'row 3 of 8$' "$T/pos"

# the history view's title says what # counts
printf ':wait-idle\nh\n:wait-idle\n' | run_screen 120x40 "$T/hist"
expect_grep "history title: # counts this history's changes, from the oldest" \
	'^ history · checkout_v2 .* 2 changes, #1 the oldest' "$T/hist"
expect_grep "history: the state names the point by # and seq" 'State after #2 \(seq 8, ' "$T/hist"

# search: n / N, match i of N, rows marked
printf ':wait-idle\ns\n:type target:payments_new_flow\n<Enter>\n:wait-idle\n' | run_screen 120x40 "$T/s1"
expect_grep "search: match 1 of N in the status bar" 'match 1 of 3 · row 4 of 8$' "$T/s1"
expect_grep "search: matching rows marked in the gutter" '^>2026-01-12 ' "$T/s1"
expect_grep "search: every row stays" 'deploy-bot' "$T/s1"
printf ':wait-idle\ns\n:type target:payments_new_flow\n<Enter>\nn\nn\n:wait-idle\n' | run_screen 120x40 "$T/s2"
expect_grep "n: match 3 of 3" 'match 3 of 3 · row 8 of 8$' "$T/s2"
printf ':wait-idle\ns\n:type target:payments_new_flow\n<Enter>\nn\nn\nN\n:wait-idle\n' | run_screen 120x40 "$T/s3"
expect_grep "N: previous match (match 2 of 3)" 'match 2 of 3 · row 6 of 8$' "$T/s3"
printf ':wait-idle\ns\n:type target:payments_new_flow\n<Enter>\n<Enter>\nn\n:wait-idle\n' | run_screen 120x40 "$T/s4"
expect_grep "event view: n goes to the next match" 'match 2 of 3 · seq 3$' "$T/s4"
printf ':wait-idle\ns\n:type target:payments_new_flow\n<Enter>\n/\n:type env:production\n<Enter>\n:wait-idle\n' |
	run_screen 120x40 "$T/s5"
expect_grep "search within a filter: N counts within it" 'match - of 3 · row 1 of 4 filtered$' "$T/s5"
printf ':wait-idle\nN\n' | run_screen 120x40 "$T/s6"
expect_grep "N with no search says how to search" 'no search: press s' "$T/s6"

# horizontal scrolling: the timeline's columns past time, and back
printf ':wait-idle\n<Right>\n<Right>\n<Right>\n' | run_screen 80x24 "$T/h1"
expect_grep "Right scrolls the timeline (time stays)" '^ 01-12 19:30:00|^ 2026-01-12 19:30:00' "$T/h1"
expect_nogrep "Right never opens the event" 'Changes \(' "$T/h1"
expect_grep "scrolled: the summary shows whole" '\(state\): "on" → \(absent\)' "$T/h1"
printf ':wait-idle\n<Right>\n<Left>\n<Left>\n' | run_screen 80x24 "$T/h2"
expect_grep "Left back at the edge on the timeline: nothing closes" 'this is the first view: q quits' "$T/h2"
expect_grep "Left scrolled back: the ACTOR heading again" 'TIME \(UTC\) +ACTOR' "$T/h2"
printf ':wait-idle\n:\n:type sql SELECT seq, ts, actor, action, target, environment, summary FROM events\n<Enter>\n<Right>\n<Right>\n' |
	run_screen 80x24 "$T/h3"
expect_grep "the sql view scrolls right" 'environment' "$T/h3"

# help: filter and search listed once
printf ':wait-idle\n?\n:resize 100 120\n' | run_screen 100x120 "$T/help"
expect_eq "help: one filter-and-search section" "$(grep -c '^ Filter (/) and search (s)' "$T/help")" 1
expect_eq "help: s is listed once" "$(grep -c '^   s, Ctrl-F ' "$T/help")" 1
expect_eq "help: n is listed once for search" "$(grep -c '^   n  .*Next search match' "$T/help")" 1
expect_eq "help: no section named twice" "$(grep '^ [A-Z]' "$T/help" | sort | uniq -d | wc -l | tr -d ' ')" 0

# help at 80 columns: a key's text wraps under itself, nothing cut at the edge
printf ':wait-idle\n?\n' | run_screen 80x24 "$T/help80"
expect_grep "help 80x24: Left's text wraps at a word" '^   Left +Scroll left; at the left edge, close this view \(never$' "$T/help80"
expect_grep "help 80x24: the rest under the text column" '^ {24}quits\)$' "$T/help80"
# :theme that does not load keeps the current theme
printf ':wait-idle\n:\n:type theme light\n<Enter>\n:\n:type theme nosuch\n<Enter>\n' | run_screen 120x40 "$T/th1"
expect_grep ":theme nosuch keeps the current theme" "no theme named 'nosuch'; theme light kept" "$T/th1"
# t beyond the data says where it ends (and where it starts)
printf ':wait-idle\nt\n:type 2030-01-01\n<Enter>\n' | run_screen 120x40 "$T/t1"
expect_grep "t after the data says where it ends" 'after the data: it ends at 2026-01-12 19:30:00' "$T/t1"
printf ':wait-idle\nt\n:type 2020-01-01\n<Enter>\n' | run_screen 120x40 "$T/t2"
expect_grep "t before the data says where it starts" 'before the data: it starts at 2026-01-12 09:00:00' "$T/t2"

# 80 columns: a message too long for the status line wraps on the lines
# above it, so where the data ends is not cut off
printf ':wait-idle\nt\n:type 2030-01-01\n<Enter>\n' | run_screen 80x24 "$T/t3"
expect_grep "80x24: t after the data, the message wraps above the status line" \
	'^ 2030-01-01 00:00:00 UTC is after the data: it ends at 2026-01-12 19:30:00 UTC$' "$T/t3"
expect_grep "80x24: the wrapped message's last words" '^ \(shown\) *$' "$T/t3"
expect_grep "80x24: the status line keeps the verdict and the position" '^ UNVERIFIABLE: no trusted key +s\.db +row .* of 8' "$T/t3"
# the export dialog: typing on a field edits it (i, e, v, q open nothing)
printf ':wait-idle\ne\n<Down>\n:type qive\n<Enter>\n' | run_screen 120x40 "$T/x1"
expect_grep "export: typed letters go into the field" 'Examiner +qive' "$T/x1"
expect_grep "export: the dialog is still open" '^ export ' "$T/x1"
mkdir -p "$T/st/outbox/sub" && touch "$T/st/outbox/old.txt"
printf ':wait-idle\ne\n<Down>\n<Down>\n<Enter>\n<C-u>\n:type outb\n<Tab>\n<Enter>\n' | run_screen 120x40 "$T/x2"
expect_grep "export: Tab completes the output directory" 'Output dir +outbox/' "$T/x2"
printf ':wait-idle\ne\n<Down>\n<Down>\n<Enter>\n<C-u>\n:type outbox/s\n<Tab>\n<Enter>\n' | run_screen 120x40 "$T/x3"
expect_grep "export: Tab on a unique directory adds its /" 'Output dir +outbox/sub/' "$T/x3"
# ~ expands to $HOME; a non-empty directory asks to overwrite
mkdir -p "$HOME/cases/b1" && touch "$HOME/cases/b1/keep.txt"
cat > "$T/keys.txt" <<K
:wait-idle
m
e
<Enter>
:type CASE-1
<Enter>
<Down>
<Enter>
<C-u>
:type Ex
<Enter>
<Down>
<Enter>
<C-u>
:type ~/cases/b1
<Enter>
<Down>
<Enter>
:type $T/st/keys/example.org_audit.key
<Enter>
<C-x>
:type no
<Enter>
:dump $T/x4-no
<C-x>
:type overwrite
<Enter>
:wait-idle
K
(cd "$T/st" && env COLUMNS=120 LINES=40 TRAILSCOPE_SCRIPT="$T/keys.txt" TRAILSCOPE_DUMP="$T/x4" \
	"$TRAILSCOPE" open s.db --trust "$PUB" > /dev/null 2>&1)
expect_grep "export: a non-empty directory is kept unless overwrite is typed" "kept as it is" "$T/x4-no"
expect_grep "export: the old file is still there after no (checked before overwrite)" 'kept as it is' "$T/x4-no"
expect_grep "export: overwrite exports into ~ expanded" "Exported 1 event to $HOME/cases/b1" "$T/x4"
expect_status "export: the overwritten bundle verifies" 0 ts bundle verify "$HOME/cases/b1" --trust "$PUB"
