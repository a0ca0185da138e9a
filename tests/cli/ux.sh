# ux.sh - the command line as lnav, tig and less users expect it: options
# and operands in any order for every command (after the verb of incident
# and bundle), "--" before an operand starting with '-', one message for a
# missing option value or an unknown option, "did you mean" for a mistyped
# command, a hint for a file given as a store that is not one, and JSON
# whole numbers printed as integers by show and state.
. tests/lib.sh

# fixtures: keys, a signed store with incidents, a bundle
signer example.org/audit "$T/keys"
S=$T/s.db
gen_store "$S" 200 4 "$T/inc.jsonl"
INC=$(head -1 "$T/inc.jsonl" | jq -r .id)
TGT=$(ts show "$S" 1 --format json | jq -r .target)
ENV=$(ts show "$S" 1 --format json | jq -r .environment)

# same NAME WANT_STATUS -- ARGS1 -- ARGS2: both orders succeed with the same output
same() {
	_name=$1 _want=$2
	shift 3
	_a="" _b=""
	while [ "$1" != "--" ]; do _a="$_a $(printf '%s' "$1" | sed "s/'/'\\\\''/g; s/^/'/; s/\$/'/")"; shift; done
	shift
	eval "ts $_a" > "$T/same1" 2> "$T/same1.err"; _s1=$?
	ts "$@" > "$T/same2" 2> "$T/same2.err"; _s2=$?
	if [ "$_s1" -eq "$_want" ] && [ "$_s2" -eq "$_want" ] && cmp -s "$T/same1" "$T/same2"; then
		pass "$_name"
	else
		fail "$_name" "status $_s1 and $_s2, want $_want" "stderr: $(head -c 300 "$T/same1.err") | $(head -c 300 "$T/same2.err")" \
			"$(diff "$T/same1" "$T/same2" | head -5)"
	fi
}

# --- options and operands in any order, for every command
expect_status "init STORE --origin NAME (the README's form)" 0 ts init "$T/i1.db" --origin example.org/x
expect_status "init --origin NAME STORE" 0 ts init --origin example.org/x "$T/i2.db"
expect_eq "init: --origin after STORE is used" "$(sqlite3 "$T/i1.db" "SELECT value FROM meta WHERE key='origin'" 2>/dev/null || echo '?')" \
	"$(sqlite3 "$T/i2.db" "SELECT value FROM meta WHERE key='origin'" 2>/dev/null || echo '?')"
expect_status "keygen NAME --out DIR" 0 ts keygen a.example --out "$T/k1"
expect_status "keygen --out DIR NAME" 0 ts keygen --out "$T/k2" a.example
expect_status "import --skip-invalid STORE FILE --quiet" 0 ts import --skip-invalid "$T/im1.db" "$T/ev.jsonl" --quiet
expect_status "import STORE --format jsonl FILE" 0 ts import "$T/im2.db" --format jsonl "$T/ev.jsonl"
same "verify: options before and after STORE" 0 -- verify "$S" --trust "$P" --format json --no-remember -- verify --no-remember --format json --trust "$P" "$S"
expect_status "checkpoint STORE --key KEY" 0 ts checkpoint "$T/im1.db" --key "$K"
expect_status "checkpoint --key KEY STORE" 0 ts checkpoint --key "$K" "$T/im2.db"
same "show: --format before STORE" 0 -- show "$S" 3 --format json -- show --format json "$S" 3
same "show: --format between the operands" 0 -- show "$S" 3 --format json -- show "$S" --format json 3
same "query: options anywhere" 0 -- query "$S" 'env:production' --format jsonl --limit 5 -- query --limit 5 "$S" --format jsonl 'env:production'
same "query: -- before a query negated with '-'" 0 -- query "$S" --count 'NOT env:production' -- query --count "$S" -- '-env:production'
expect_status "query: a negated query without -- is an unknown option" 3 ts query "$S" '-env:production'
expect_grep "query: ... and the message says to use --" "unknown option '-e' \(an operand starting with '-' goes after --\)" "$T/err"
same "sql: --format before STORE" 0 -- sql "$S" 'SELECT count(*) AS n FROM events' --format json -- sql --format json "$S" 'SELECT count(*) AS n FROM events'
same "history: options anywhere" 0 -- history "$S" "$TGT" --env "$ENV" --format json -- history --format json "$S" --env "$ENV" "$TGT"
same "state: options anywhere" 0 -- state "$S" "$TGT" --at 2026-03-02T00:00:00Z --format json -- state --at 2026-03-02T00:00:00Z --format json "$S" "$TGT"
expect_status "state: --diff with a value starting with '-', after the operands" 0 ts state "$S" "$TGT" --at 2026-03-09T00:00:00Z --diff -2d
expect_status "state: --diff with a value starting with '-', before them" 0 ts state --diff -2d "$S" --at 2026-03-09T00:00:00Z "$TGT"
same "correlate: options anywhere" 0 -- correlate "$S" "$INC" --format json --lookback 2h -- correlate --lookback 2h --format json "$S" "$INC"
same "incident list: options after the verb, anywhere" 0 -- incident list "$S" --format json -- incident list --format json "$S"
same "incident show: options after the verb, anywhere" 0 -- incident show "$S" "$INC" --format json -- incident show --format json "$S" "$INC"
same "incidents: --format before STORE" 0 -- incidents "$S" --format csv -- incidents --format csv "$S"
expect_status "incident import --quiet STORE FILE" 0 ts incident import --quiet "$T/im1.db" "$T/inc.jsonl"
same "gen: options in any order" 0 -- gen --events 5 --seed 9 -- gen --seed 9 --events 5
ts keygen examiner.example --out "$T/keys" >/dev/null
EK=$T/keys/examiner.example.key
expect_status "export STORE --out DIR ..." 0 ts export "$S" --out "$T/b1" --events 1-3 --case C1 --examiner Ann --key "$EK"
expect_status "export --out DIR ... STORE (STORE last)" 0 ts export --out "$T/b2" --events 1-3 --case C1 --examiner Ann --key "$EK" "$S"
same "bundle verify: --trust before DIR" 0 -- bundle verify "$T/b1" --trust "$P" --format json -- bundle verify --format json --trust "$P" "$T/b1"
expect_status "bundle custody: options before DIR" 0 ts bundle custody --action received --actor Reg --key "$EK" "$T/b1"
expect_status "bundle custody: options after DIR" 0 ts bundle custody "$T/b2" --action received --actor Reg --key "$EK"
expect_status "case: --case before STORE" 0 ts case --case "$T/c.case" "$S" mark 3
expect_status "case: an option between the verb and its operand" 0 ts case "$S" note --author ann 3 "seen"
same "case list: --format anywhere" 0 -- case "$S" list --format json -- case --format json "$S" list
expect_status "case note: a text starting with '-' after --" 0 ts case "$S" note 3 --author ann -- "-not a flag"
ts case "$S" notes 3 > "$T/notes"
expect_grep "case note: the '-' text was kept" '-not a flag' "$T/notes"
expect_status "open: an unknown option after STORE names itself" 3 ts open "$S" --bogus
expect_grep "open: ... in the message" "^trailscope: error: open: unknown option '--bogus'" "$T/err"

# --- a missing option value, an unknown option
for c in "verify $S --trust" "import $T/x.db $T/ev.jsonl --sign" "query $S x --format" "show $S 1 --format" \
	 "state $S $TGT --at" "history $S $TGT --env" "correlate $S $INC --lookback" "export $S --out" \
	 "checkpoint $S --key" "keygen n --out" "init $T/y.db --origin" "gen --events" "sql $S x --format" \
	 "incident list $S --format" "bundle verify $T/b1 --trust" "case $S list --case" "open $S --theme"; do
	set -- $c
	cmd=$1
	case $cmd in incident|bundle) cmd="$1 $2" ;; esac
	eval "opt=\${$#}"
	expect_status "missing value: $cmd $opt exits 3" 3 ts "$@"
	expect_grep "missing value: $cmd says \"option $opt needs a value\"" "^trailscope: error: $cmd: option $opt needs a value$" "$T/err"
done
expect_status "missing value: short option" 3 ts verify "$S" -t
expect_grep "missing value: short option named" "option -t needs a value" "$T/err"
expect_status "unknown long option" 3 ts show "$S" 1 --colour
expect_grep "unknown long option named" "^trailscope: error: show: unknown option '--colour'$" "$T/err"
expect_grep "unknown option: the usage follows" '^usage: trailscope show STORE' "$T/err"
expect_status "unknown long option with a value" 3 ts query "$S" x --bogus=1
expect_grep "unknown long option named without its value" "unknown option '--bogus'$" "$T/err"
expect_status "a flag given a value" 3 ts verify "$S" --deep=yes
expect_grep "a flag given a value says so" "option --deep takes no value" "$T/err"
expect_status "unknown short option" 3 ts history "$S" "$TGT" -z
expect_grep "unknown short option named" "unknown option '-z'" "$T/err"
expect_status "unknown option before the command" 3 ts --bogus
expect_grep "unknown option before the command named" "^trailscope: error: unknown option '--bogus'" "$T/err"

# --- a mistyped command
expect_status "typo: improt exits 3" 3 ts improt "$S" "$T/ev.jsonl"
expect_grep "typo: improt -> import (a swap)" "^trailscope: error: unknown command 'improt'; did you mean 'import'\?$" "$T/err"
expect_status "typo: verfy exits 3" 3 ts verfy "$S"
expect_grep "typo: verfy -> verify (a deletion)" "did you mean 'verify'\?" "$T/err"
expect_status "typo: corelate" 3 ts corelate
expect_grep "typo: corelate -> correlate" "did you mean 'correlate'\?" "$T/err"
expect_status "typo: sqll" 3 ts sqll
expect_grep "typo: sqll -> sql" "did you mean 'sql'\?" "$T/err"
expect_status "far from every command" 3 ts frobnicate
expect_grep "far from every command: named" "^trailscope: error: unknown command 'frobnicate'$" "$T/err"
expect_nogrep "far from every command: no suggestion" "did you mean" "$T/err"
expect_status "a hostile command name" 3 ts "$(printf 'x\033[2Jy')"
expect_nogrep "a hostile command name is escaped" "$(printf '\033')" "$T/err"

# --- a file given as a store that is not one
expect_status "non-store file: exits 3" 3 ts "$T/ev.jsonl"
expect_grep "non-store file: says it is not a store" "is not a trailscope store \(not an SQLite database\)" "$T/err"
expect_grep "non-store file: suggests the import" "trailscope import STORE .*ev\.jsonl$" "$T/err"
: > "$T/empty.db"
expect_status "an empty file is not a store either" 3 ts "$T/empty.db"
expect_status "a directory given as a store" 3 ts "$T/b1"
expect_grep "a directory: says so" "is a directory, not a store" "$T/err"
expect_status "a missing store is still an I/O error" 5 ts "$T/missing.db"

# --- --help documents the rule
ts --help > "$T/help"
expect_grep "--help: the argument rule" "options and operands" "$T/help"
expect_grep "--help: -- before an operand starting with '-'" "trailscope query STORE -- -actor:x" "$T/help"

# --- show and state print whole numbers as integers
ts show "$S" 1 --format json > "$T/show.json"
expect_nogrep "show --format json: no 54.0-style numbers" '[0-9]\.0[,]?$' "$T/show.json"
expect_grep "show --format json: source line is an integer" '"line": [0-9]+$' "$T/show.json"
expect_eq "show --format json: still valid JSON, same values" "$(jq -c .source.line "$T/show.json")" "1"
ts state "$S" "$TGT" --at 2026-03-09T00:00:00Z --format json > "$T/state.json"
expect_nogrep "state --format json: no 54.0-style numbers" '[0-9]\.0[,]?$' "$T/state.json"
printf '%s\n' '{"event_id":"n1","timestamp":"2026-01-01T00:00:00Z","actor":"a","action":"flag.update","flag_key":"f","environment":"e","previous_state":{"pct":0.5,"big":1e21,"neg":-3},"new_state":{"pct":2.25,"big":2e21,"neg":-4}}' > "$T/num.jsonl"
ts import "$T/num.db" "$T/num.jsonl" >/dev/null 2>&1
ts show "$T/num.db" n1 --format json > "$T/num.json"
expect_grep "show: fractions keep their digits" '"after": 2\.25' "$T/num.json"
expect_grep "show: negative integers" '"after": -4,?$' "$T/num.json"
expect_grep "show: large numbers in their ECMAScript form" '"after": 2e\+21' "$T/num.json"
