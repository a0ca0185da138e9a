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
