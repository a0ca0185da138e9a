# commands.sh - the command table (src/cmd/commands.c): every command
# listed by `trailscope --help` describes itself with the same usage line
# in its own --help, verbs are dispatched from the table, and a command
# opens its store only as its flags say (a reader never creates one).
. tests/lib.sh

ts --help > "$T/list" 2>&1 || fail "commands: trailscope --help failed"
n=0
# the list's entries are the lines indented by two spaces: the first line
# of a usage; the lines under it are indented further
grep -E '^  [a-z]' "$T/list" | sed 's/^  //' > "$T/usages"
while IFS= read -r line; do
	n=$((n + 1))
	set -- $line
	w1=$1 w2=${2:-}
	# a verb (incident import, bundle verify) is a second lowercase word
	case "$w2" in
	[a-z]*) ts "$w1" "$w2" --help > "$T/h" 2> "$T/h.err"; st=$? ;;
	*) ts "$w1" --help > "$T/h" 2> "$T/h.err"; st=$? ;;
	esac
	if [ "$st" -ne 0 ]; then
		fail "commands: '$w1 $w2 --help' exits 0" "exit $st: $(head -c 300 "$T/h.err")"
		continue
	fi
	expect_eq "commands: the usage line of '$w1' in its --help is the one in the list" \
		"$(head -1 "$T/h")" "usage: trailscope $line"
done < "$T/usages"
[ "$n" -ge 20 ] && pass "commands: the list names every command and verb ($n)" ||
	fail "commands: the list names every command and verb" "only $n entries"
for c in open init import verify keygen checkpoint query sql show gen incidents correlate history state \
	 export case; do
	expect_grep "commands: '$c' is listed" "^$c " "$T/usages"
done
for v in "incident import" "incident list" "incident show" "bundle verify" "bundle custody"; do
	expect_grep "commands: '$v' is listed" "^$v " "$T/usages"
done

# the verbs' own --help and the errors without a verb
ts incident --help > "$T/ih"
expect_eq "commands: 'incident --help' lists its verbs' usages" "$(grep -c 'trailscope incident ' "$T/ih")" 3
expect_status "commands: 'bundle' without a verb is a usage error" 3 ts bundle
expect_grep "commands: ... naming the verbs" "expected a subcommand \(verify, custody, proof, leaf, raw\)" "$T/err"
expect_status "commands: 'incident frob' is a usage error" 3 ts incident frob
expect_grep "commands: ... naming the verbs" "unknown subcommand 'frob' \(import, list, show\)" "$T/err"

# readers do not create a missing store; nor does checkpoint (a writer
# that does not create)
M=$T/missing.db
for args in "verify $M" "query $M actor:x" "sql $M SELECT1" "show $M 1" "history $M t" \
	    "state $M t --at -1h" "correlate $M INC-1" "incidents $M" "incident list $M" \
	    "incident show $M INC-1" "open $M" "case $M list" "case $M mark 1" "checkpoint $M --key /nonexistent"; do
	set -- $args
	if [ "$1" = checkpoint ]; then
		ts keygen c.example/x --out "$T/k" >/dev/null 2>&1
		set -- checkpoint "$M" --key "$T/k/c.example_x.key"
	fi
	expect_status "commands: '$1' on a missing store fails (5)" 5 ts "$@" </dev/null
	if ls "$T" | grep -q '^missing'; then
		fail "commands: '$1' does not create the missing store" "$(ls "$T")"
		rm -f "$T"/missing*
	else
		pass "commands: '$1' does not create the missing store"
	fi
done

# writers that may create: init, incident import (in place), import
# (built privately: nothing is left when the first import fails)
expect_status "commands: init creates a store" 0 ts init "$T/new1.db"
[ -f "$T/new1.db" ] && pass "commands: ... the file exists" || fail "commands: init left no store"
printf '{"id":"INC-1","title":"t","started_at":"2026-03-01T00:00:00Z"}\n' > "$T/inc.jsonl"
expect_status "commands: incident import creates a store" 0 ts incident import "$T/new2.db" "$T/inc.jsonl"
expect_status "commands: ... which is a store" 0 ts incidents "$T/new2.db"
printf 'not json\n' > "$T/bad.jsonl"
expect_status "commands: a failed first import" 4 ts import "$T/new3.db" "$T/bad.jsonl"
if ls "$T" | grep -q '^new3'; then fail "commands: a failed first import leaves nothing" "$(ls "$T")"
else pass "commands: a failed first import leaves nothing"; fi
ts gen --events 5 > "$T/ev.jsonl"
expect_status "commands: a first import" 0 ts import "$T/new4.db" "$T/ev.jsonl" --quiet
expect_eq "commands: ... appears whole" "$(ts query "$T/new4.db" '' --count 2>&1)" 5
