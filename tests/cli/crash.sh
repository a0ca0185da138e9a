# crash.sh - a kill -9 in the middle of an import leaves the store as it
# was before that import (or with the import complete), and it verifies.
. tests/lib.sh
S=$T/s.db
ts keygen crash.example/log --out "$T/k" >/dev/null
ts gen --events 2000 --seed 3 > "$T/a.jsonl"
ts gen --events 8000 --seed 4 | sed 's/"evt-/"big-/' > "$T/b.jsonl"
expect_status "first import" 0 ts import "$S" "$T/a.jsonl" --sign "$T/k/crash.example_log.key"
before=$(sqlite3 "$S" 'SELECT count(*) FROM entries')
"$TRAILSCOPE" import "$S" "$T/b.jsonl" --sign "$T/k/crash.example_log.key" --quiet &
pid=$!
# kill it once the write transaction has started (the WAL grows)
i=0
while [ $i -lt 200 ] && [ "$(stat -c %s "$S-wal" 2>/dev/null || echo 0)" -lt 200000 ]; do
	sleep 0.05; i=$((i + 1))
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
after=$(sqlite3 "$S" 'SELECT count(*) FROM entries')
if [ "$after" -eq "$before" ] || [ "$after" -eq $((before + 8000)) ]; then
	pass "killed import is all or nothing ($before -> $after)"
else
	fail "killed import is all or nothing" "before $before, after $after"
fi
expect_status "store verifies after the kill" 0 ts verify "$S" --trust "$T/k/crash.example_log.pub"
expect_status "import again completes" 0 ts import "$S" "$T/b.jsonl" --sign "$T/k/crash.example_log.key"
expect_eq "all events present once" "$(sqlite3 "$S" 'SELECT count(*) FROM entries')" "$((before + 8000))"
expect_status "store verifies after the re-import" 0 ts verify "$S"

# a kill -9 during a first import: no store appears; its private file is
# left behind and the next first import at the same path removes it
F=$T/first/f.db
mkdir -p "$T/first"
"$TRAILSCOPE" import "$F" "$T/b.jsonl" --quiet &
pid=$!
i=0
while [ $i -lt 200 ]; do
	sz=$(stat -c %s "$F".importing-* 2>/dev/null | head -1)
	[ "${sz:-0}" -ge 200000 ] && break
	sleep 0.05; i=$((i + 1))
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
if [ -e "$F" ]; then
	# the import finished before the kill: it must be whole
	expect_eq "killed first import is all or nothing" "$(sqlite3 "$F" 'SELECT count(*) FROM entries')" 8000
	want=10000
else
	pass "killed first import: no store appeared"
	expect_eq "its private file is left behind" "$(ls "$T/first" | grep -c '^f\.db\.importing-')" 1
	want=2000
fi
expect_status "the next first import completes" 0 ts import "$F" "$T/a.jsonl" --quiet
expect_eq "and removed the leftover" "$(ls -A "$T/first")" "f.db"
expect_eq "with every event once" "$(sqlite3 "$F" 'SELECT count(*) FROM entries')" "$want"
# (its own trust state: F holds the same events as the log the key signed
# for $S, and verify would rightly report it as that log without its
# checkpoints; this test is about atomicity)
XDG_STATE_HOME="$T/state-first" ts verify "$F" --format json > "$T/first.json" 2>/dev/null
expect_eq "and it verifies without faults" "$(jq '.faults | length' "$T/first.json")" 0
