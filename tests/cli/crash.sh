# crash.sh - a kill -9 in the middle of an import leaves the store exactly
# as it was before that import. The kill provably lands mid-import: the
# test-only TRAILSCOPE_TEST_PAUSE_AFTER=K (src/core/import.c) makes the
# import stop inside its open transaction after K appended events and say
# so on stderr; the test waits for that line, then kill -9s it. Run for a
# first import (no store appears; only the documented PATH.importing-*
# file is left, which the next import removes) and for appends (every row
# byte-identical, verify still VERIFIED at the old size), with a format
# read on a reader thread (jsonl) and one read by the writer (k8s).
. tests/lib.sh
KEY=$T/k/crash.example_log.key PUB=$T/k/crash.example_log.pub
ts keygen crash.example/log --out "$T/k" >/dev/null
ts gen --events 2000 --seed 3 > "$T/a.jsonl"
ts gen --events 8000 --seed 4 | sed 's/"evt-/"big-/' > "$T/b.jsonl"

# killed_import NAME K ARGS...: runs `trailscope import ARGS` paused after
# K events and kill -9s it there; fails NAME unless the pause was reached
# while the import was still running.
killed_import() {
	_name=$1 _k=$2
	shift 2
	rm -f "$T/pause.err"
	TRAILSCOPE_TEST_PAUSE_AFTER=$_k "$TRAILSCOPE" import "$@" --quiet 2>"$T/pause.err" &
	_pid=$!
	_i=0
	while [ $_i -lt 600 ] && ! grep -q "test pause after $_k records" "$T/pause.err" 2>/dev/null; do
		kill -0 $_pid 2>/dev/null || break
		sleep 0.05; _i=$((_i + 1))
	done
	if grep -q "test pause after $_k records" "$T/pause.err" && kill -9 $_pid 2>/dev/null; then
		wait $_pid 2>/dev/null
		pass "$_name: killed mid-import, after $_k events"
	else
		kill -9 $_pid 2>/dev/null; wait $_pid 2>/dev/null
		fail "$_name: killed mid-import, after $_k events" "the import did not pause: $(head -c 400 "$T/pause.err")"
	fi
}
# snapshot DB: every row of every table, and the verify verdict and size
snapshot() {
	sqlite3 -readonly "$1" .dump | sha256sum | cut -d' ' -f1
}
verdict() {
	ts verify "$1" --format json 2>/dev/null | jq -c '[.verdict, .entries, .verified_through, .faults_total]'
}

# appends: a signed store of 2000 events, then killed imports of 8000 more
S=$T/s.db
expect_status "first import" 0 ts import "$S" "$T/a.jsonl" --sign "$KEY"
expect_status "verify before" 0 ts verify "$S" --trust "$PUB"
rows=$(snapshot "$S")
v=$(verdict "$S")
expect_eq "verdict before the kills" "$v" '["VERIFIED",2000,2000,0]'
for k in 1 3000 7999; do
	killed_import "append (jsonl) K=$k" $k "$S" "$T/b.jsonl" --sign "$KEY"
	expect_eq "append (jsonl) K=$k: rows byte-identical" "$(snapshot "$S")" "$rows"
	expect_eq "append (jsonl) K=$k: still VERIFIED through 2000" "$(verdict "$S")" "$v"
done
killed_import "append (k8s) K=2" 2 "$S" testdata/formats/k8s-stages.jsonl --format k8s
expect_eq "append (k8s) K=2: rows byte-identical" "$(snapshot "$S")" "$rows"
expect_eq "append (k8s) K=2: still VERIFIED through 2000" "$(verdict "$S")" "$v"
expect_status "import again completes" 0 ts import "$S" "$T/b.jsonl" --sign "$KEY"
expect_eq "all events present once" "$(sqlite3 "$S" 'SELECT count(*) FROM entries')" 10000
expect_status "store verifies after the re-import" 0 ts verify "$S"

# first imports: no store appears, only the private build file is left,
# and the next first import at the same path removes it
mkdir -p "$T/first"
F=$T/first/f.db
for k in 1 4000; do
	killed_import "first import K=$k" $k "$F" "$T/b.jsonl"
	expect_eq "first import K=$k: no store appeared" "$(ls "$T/first" | grep -c '^f\.db$')" 0
	expect_eq "first import K=$k: only its private file is left" \
		"$(ls -A "$T/first" | sed 's/importing-.*/importing-X/')" "f.db.importing-X"
done
expect_status "the next first import completes" 0 ts import "$F" "$T/a.jsonl" --quiet
expect_eq "and removed the leftovers" "$(ls -A "$T/first")" "f.db"
expect_eq "with every event once" "$(sqlite3 "$F" 'SELECT count(*) FROM entries')" 2000
# (its own trust state: F holds the same events as the log the key signed
# for $S, and verify would rightly report it as that log without its
# checkpoints; this test is about atomicity)
expect_eq "and it verifies without faults" "$(XDG_STATE_HOME="$T/state-first" verdict "$F" | jq -c ".[1:2] + .[3:]")" "[2000,0]"
