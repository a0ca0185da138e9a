# keyjson.sh - a public key given where the private one is wanted is
# named as such first, for every command that signs (checkpoint --key,
# import --sign, export --key, bundle custody --key), and nothing is
# written; and every command's JSON prints whole numbers as integers
# (54, never 54.0), reals only where the value is one (a score, a weight).
. tests/lib.sh
cd "$T" || exit 1
ts keygen example.org/audit --out keys > /dev/null
ts gen --events 300 --seed 4 --incidents inc.jsonl > ev.jsonl
expect_status "import signed" 0 ts import s.db ev.jsonl --sign keys/example.org_audit.key --quiet
ts incident import s.db inc.jsonl > /dev/null 2>&1
PUB=keys/example.org_audit.pub
size=$(sqlite3 s.db 'SELECT count(*) FROM entries')
cps=$(sqlite3 s.db 'SELECT count(*) FROM checkpoints')
want="wants the private key; keys/example.org_audit.pub is a public key: use --trust"

expect_status "checkpoint --key PUB exits 4" 4 ts checkpoint s.db --key "$PUB"
expect_grep "checkpoint: said first" "^trailscope: error: --key $want\$" "$T/err"
expect_eq "checkpoint: the only message" "$(wc -l < "$T/err" | tr -d ' ')" 1
expect_eq "checkpoint: nothing signed" "$(sqlite3 s.db 'SELECT count(*) FROM checkpoints')" "$cps"
expect_status "import --sign PUB exits 4" 4 ts import s.db ev.jsonl --sign "$PUB"
expect_grep "import: said first" "^trailscope: error: --sign $want\$" "$T/err"
expect_eq "import: nothing added" "$(sqlite3 s.db 'SELECT count(*) FROM entries')" "$size"
expect_status "import --sign PUB into a new store exits 4" 4 ts import new.db ev.jsonl --sign "$PUB"
expect_eq "import: no store left behind" "$(ls new.db 2>/dev/null | wc -l | tr -d ' ')" 0
expect_status "export --key PUB exits 4" 4 ts export s.db --out b1 --query 'env:production' --case C1 \
	--examiner E --key "$PUB" --trust "$PUB"
expect_grep "export: said first" "^trailscope: error: --key $want\$" "$T/err"
expect_eq "export: no bundle written" "$(ls -d b1 2>/dev/null | wc -l | tr -d ' ')" 0
expect_status "export with the private key" 0 ts export s.db --out b2 --query 'env:production' --case C1 \
	--examiner E --key keys/example.org_audit.key --trust "$PUB"
cp b2/custody.jsonl custody.before
expect_status "bundle custody --key PUB exits 4" 4 ts bundle custody b2 --action received --actor R --key "$PUB"
expect_grep "bundle custody: said first" "^trailscope: error: --key $want\$" "$T/err"
expect_eq "bundle custody: the record is unchanged" "$(cmp -s custody.before b2/custody.jsonl && echo same)" same
expect_status "a key that is neither still gets its own error" 4 ts checkpoint s.db --key ev.jsonl
expect_nogrep "neither: not called a public key" "is a public key" "$T/err"

# JSON: whole numbers are integers everywhere
whole_reals() { # prints lines holding a whole number written as a real
	grep -nE '(:|\[|,) *-?[0-9]+\.0+ *(,|\]|\}|$)' "$1" | grep -vE '"(score|weight)": '
}
check_json() { # check_json NAME CMD...: exit 0 and no 54.0 in its output
	name=$1; shift
	if "$@" > "$T/json.out" 2> "$T/json.err"; then
		bad=$(whole_reals "$T/json.out" | head -3)
		if [ -z "$bad" ]; then pass "$name"; else fail "$name" "whole numbers as reals:" "$bad"; fi
	else
		fail "$name" "exit $?: $(head -3 "$T/json.err")"
	fi
}
seq1=$(sqlite3 s.db "SELECT seq FROM entries WHERE target_kind = 'flag' AND action = 'flag.update' ORDER BY seq LIMIT 1")
target=$(sqlite3 s.db "SELECT target FROM entries WHERE seq = $seq1")
env=$(sqlite3 s.db "SELECT environment FROM entries WHERE seq = $seq1")
inc=$(sqlite3 s.db 'SELECT id FROM incidents ORDER BY id LIMIT 1')
check_json "show --format json" "$TRAILSCOPE" show s.db "$seq1" --format json
check_json "state --format json" "$TRAILSCOPE" state s.db "$target" --env "$env" --at 2027-01-01 --format json
check_json "history --format json" "$TRAILSCOPE" history s.db "$target" --env "$env" --format json
check_json "query --format json" "$TRAILSCOPE" query s.db 'changed:rollout_pct' --format json
check_json "verify --format json" "$TRAILSCOPE" verify s.db --trust "$PUB" --format json --no-remember
check_json "incident list --format json" "$TRAILSCOPE" incident list s.db --format json
check_json "incident show --format json" "$TRAILSCOPE" incident show s.db "$inc" --format json
check_json "correlate --format json" "$TRAILSCOPE" correlate s.db "$inc" --format json
check_json "bundle verify --format json" "$TRAILSCOPE" bundle verify b2 --trust "$PUB" --format json
check_json "sql --format json (integer columns)" "$TRAILSCOPE" sql s.db 'SELECT seq, risk FROM events LIMIT 5' --format json
# the check itself fails on a real written for a whole number
printf '{"n": 54.0}\n' > "$T/real.json"
expect_eq "the check sees 54.0" "$(whole_reals "$T/real.json" | wc -l | tr -d ' ')" 1
