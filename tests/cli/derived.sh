# derived.sh - the derived tables are not evidence: verify re-derives them
# from the leaves and fails on a forged row (MODIFIED, naming the table and
# the seq), and show prints the diff of the leaf, never the forged row.
. tests/lib.sh
D=testdata
S=$T/s.db

signer example.org/audit "$T/keys"
expect_status "import and sign" 0 ts import "$S" $D/design-shapes.jsonl --sign "$K"
expect_status "an honest store verifies" 0 ts verify "$S" --trust "$P"

# forge the rollout of uuid-1234 (seq 2) after dropping the trigger
cp "$S" "$T/f.db"
sqlite3 "$T/f.db" "DROP TRIGGER changes_no_update; UPDATE changes SET after = '0' WHERE seq = 2 AND path = 'rollout_pct'"
expect_status "a forged changes row fails verification" 1 ts verify "$T/f.db"
expect_grep "the fault names the table, the seq and the values" \
	'MODIFIED +seq 2: changes of seq 2 differ from the leaf: rollout_pct: after 0 in the table, 10 in the leaf' "$T/out"
expect_grep "the verdict is FAILED" '^verdict: +FAILED: 1 fault' "$T/out"
ts show "$T/f.db" uuid-1234 > "$T/show.txt"
expect_grep "show prints the leaf's value" 'added +rollout_pct: 10$' "$T/show.txt"
expect_nogrep "show does not print the forged value" 'rollout_pct: 0' "$T/show.txt"
ts show "$T/f.db" uuid-1234 --format json > "$T/show.json"
expect_eq "show json: the leaf's changes" "$(jq -c '[.changes[] | [.path, .after]]' "$T/show.json")" \
	'[["enabled",true],["rollout_pct",10],["targets[0]","vip_segment"]]'

# summary, risk and entry_text, each alone
cp "$S" "$T/g.db"
sqlite3 "$T/g.db" "DROP TRIGGER entries_no_update; UPDATE entries SET summary = 'nothing', risk = 0 WHERE seq = 2"
ts verify "$T/g.db" --format json > "$T/g.json"; st=$?
expect_eq "forged summary and risk: exit 1" "$st" 1
expect_eq "forged summary and risk: two faults at seq 2" \
	"$(jq -c '[.faults[] | [.kind, .seq, (.detail | split(" ")[0])]]' "$T/g.json")" \
	'[["MODIFIED",2,"entries.summary"],["MODIFIED",2,"entries.risk"]]'
cp "$S" "$T/h.db"
sqlite3 "$T/h.db" "DROP TRIGGER entry_text_no_delete; DELETE FROM entry_text WHERE seq = 1"
expect_status "a missing entry_text row fails verification" 1 ts verify "$T/h.db"
expect_grep "the fault names entry_text" 'MODIFIED +seq 1: entry_text of seq 1 differs from the leaf: the row is missing' "$T/out"
