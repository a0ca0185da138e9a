# verify_walk.sh - verify's fast paths over a leaf's bytes (leaf_scan's
# string runs, the derived check's one-pass string skip and its member
# walk that keeps before and after for prune()) on strings full of '"' and
# '\': an honest store verifies, and an edited state or column is the
# same fault, with the same values, as a full parse would give.
. tests/lib.sh
S=$T/s.db

python3 - "$T/walk.jsonl" <<'PY'
import json, sys
prev = {"note": 'say "hi" \\ back\\', "long": '0123456789"abcdef\\"ghij',
        "same": {"a": 'x\\"y', "b": [1, ']}"{']}, "n": 1, "enabled": False}
new = dict(prev, long='0123456789"abcdef\\"ghiJ', n=2, enabled=True)
p2 = {"rules": [{"id": "r1", "values": ['a"b', 'c\\\\']}], "desc": '\\\\\\"'}
n2 = {"rules": [{"id": "r1", "values": ['a"b', 'c\\\\', '"new"']}], "desc": '\\\\\\"'}
ev = [{"event_id": "w-1", "timestamp_utc": "2026-01-12T14:32:08Z",
       "actor": {"id": 'user-"q"', "display_name": "Q \\ R", "auth_method": "oidc"},
       "action": "flag.update", "flag_key": "walk\\flag", "environment": "production",
       "previous_state": prev, "new_state": new, "reason": 'escapes: " \\ \u00e9',
       "approval": {"required": True, "approved_by": 'm"1', "approved_at": "2026-01-12T14:30:01Z"}},
      {"event_id": "w-2", "timestamp_utc": "2026-01-12T14:33:08Z",
       "actor": {"id": "user-2", "auth_method": "oidc"}, "action": "flag.update",
       "flag_key": "walk-two", "environment": "staging", "previous_state": p2,
       "new_state": n2, "reason": "arrays"}]
with open(sys.argv[1], "w") as f:
    for e in ev:
        f.write(json.dumps(e, ensure_ascii=False) + "\n")
PY

signer example.org/audit "$T/keys"
expect_status "import and sign" 0 ts import "$S" "$T/walk.jsonl" --sign "$K"
expect_status "an honest store of escaped strings verifies" 0 ts verify "$S" --trust "$P" --no-remember
expect_eq "the changes import derived" \
	"$(q "$S" "SELECT group_concat(seq || ':' || path, ' ') FROM (SELECT * FROM changes ORDER BY seq, idx)")" \
	'1:enabled 1:long 1:n 2:rules[0].values[2]'

# edit: replaces bytes in leaf SEQ (the N-th match, 1 the first) and
# gives it its new leaf_hash, so only the derived rows and the root differ
cat > "$T/edit.py" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
seq, old, new, nth = int(sys.argv[2]), sys.argv[3].encode(), sys.argv[4].encode(), int(sys.argv[5])
leaf = bytes(db.execute("SELECT leaf FROM entries WHERE seq = ?", (seq,)).fetchone()[0])
at = -1
for _ in range(nth):
    at = leaf.index(old, at + 1)
leaf = leaf[:at] + new + leaf[at + len(old):]
db.execute("DROP TRIGGER entries_no_update")
db.execute("UPDATE entries SET leaf = ?, leaf_hash = ? WHERE seq = ?",
           (leaf, hashlib.sha256(b"\0" + leaf).digest(), seq))
db.commit()
PY

# after.long, past its escaped quotes, differs from its changes row
cp "$S" "$T/a.db"
python3 "$T/edit.py" "$T/a.db" 1 'ghiJ' 'ghiK' 1
expect_status "an edited escaped value fails" 1 ts verify "$T/a.db" --trust "$P" --no-remember
cat > "$T/want" <<'WANT'
  MODIFIED       seq 1: changes of seq 1 differ from the leaf: long: after from byte 18 f\\\\\\"ghiJ" in the table, f\\\\\\"ghiK" in the leaf
WANT
expect_eq "the fault shows both values" "$(grep MODIFIED "$T/out")" "$(cat "$T/want")"

# a member the same in both states (skipped unparsed) now differs in after
cp "$S" "$T/b.db"
python3 "$T/edit.py" "$T/b.db" 1 'x\\\"y' 'x\\\"z' 2
expect_status "an edit inside a skipped member fails" 1 ts verify "$T/b.db" --trust "$P" --no-remember
cat > "$T/want" <<'WANT'
  MODIFIED       seq 1: entries.summary of seq 1 differs from the leaf: summary from byte 15 "→ true +2 more" in the table, "→ true +3 more" in the leaf
  MODIFIED       seq 1: entries.nchanges of seq 1 differs from the leaf: nchanges 3 in the table, 4 in the leaf
  MODIFIED       seq 1: changes of seq 1 differ from the leaf: row 3 (same.a) is missing: the leaf has 4 changes
  MODIFIED       seq 1: entry_text of seq 1 differs from the leaf: summary from byte 15 "→ true +2 more" in the table, "→ true +3 more" in the leaf
WANT
expect_eq "the faults name the change the tables lack" "$(grep MODIFIED "$T/out")" "$(cat "$T/want")"

# a column against the leaf's decoded string: the escaped form is not it
cp "$S" "$T/c.db"
q "$T/c.db" "DROP TRIGGER entries_no_update; UPDATE entries SET actor = 'user-\\\"q\\\"' WHERE seq = 1"
expect_status "a column holding the escaped text fails" 1 ts verify "$T/c.db" --trust "$P" --no-remember
expect_grep "the column fault" 'MODIFIED +seq 1: column actor does not match the leaf' "$T/out"
