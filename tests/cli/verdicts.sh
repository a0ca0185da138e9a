# verdicts.sh - the overall verdict and the trust kept outside the store:
# an unsigned or empty store is never VERIFIED (not even "through 0"),
# rollback and truncation name the state file and when it was written,
# show cites only a checkpoint that verifies, a bad second signature line
# taints a checkpoint, and a store stripped of its checkpoints and origin
# is still recognised as the log its key signed, while two logs signed by
# one key both verify.
. tests/lib.sh
D=testdata
signer foreign.example/key "$T/f"; FK=$K
signer example.org/audit "$T/k"
re() { printf %s "$1" | sed 's/[].[\\*^$+?(){}|]/\\&/g'; } # a literal in a regex
head -1 $D/rules.jsonl > "$T/one.jsonl"
cat $D/design-shapes.jsonl $D/rules.jsonl > "$T/all.jsonl"

# unsigned store, key pinned: UNVERIFIABLE, never "VERIFIED through 0"
expect_status "a signed store pins the key" 0 ts import "$T/signed.db" $D/design-shapes.jsonl --sign "$K"
expect_status "and verifies" 0 ts verify "$T/signed.db" --trust "$P"
ts import "$T/u.db" $D/rules.jsonl >/dev/null 2>&1
n=$(sqlite3 "$T/u.db" 'SELECT count(*) FROM entries')
expect_status "unsigned store with a pinned key is UNVERIFIABLE (exit 2)" 2 ts verify "$T/u.db"
expect_grep "the verdict says nothing anchors the entries" \
	"^verdict: +UNVERIFIABLE: no checkpoint signed by a trusted key anchors the $n entries$" "$T/out"
expect_nogrep "no VERIFIED through 0 (text)" 'VERIFIED through' "$T/out"
ts verify "$T/u.db" --format json > "$T/u.json"
expect_eq "json: verdict, reason, nothing verified" \
	"$(jq -c '[.verdict, .reason, .verified_through, .pending]' "$T/u.json")" \
	"[\"UNVERIFIABLE\",\"no checkpoint signed by a trusted key anchors the $n entries\",0,$n]"
expect_nogrep "no VERIFIED through 0 (json)" 'VERIFIED through' "$T/u.json"
ts show "$T/u.db" 1 > "$T/u-show.txt"
expect_grep "show: an unsigned entry is pending" '^proof +pending: no checkpoint covers it yet' "$T/u-show.txt"

# empty store: nothing to verify
expect_status "init an empty store" 0 ts init --origin empty.example/log "$T/e.db"
expect_status "empty store is UNVERIFIABLE" 2 ts verify "$T/e.db"
expect_grep "empty store says so" '^verdict: +UNVERIFIABLE: empty store, nothing to verify$' "$T/out"

# rollback and truncation name the state file and its time
S=$T/s.db
ts import "$S" $D/design-shapes.jsonl --sign "$K" >/dev/null 2>&1
ts import "$S" $D/rules.jsonl --sign "$K" >/dev/null 2>&1
big=$(sqlite3 "$S" 'SELECT max(size) FROM checkpoints')
expect_status "verify remembers the newest checkpoint" 0 ts verify "$S"
state=$XDG_STATE_HOME/trailscope/seen/example.org_audit+$(cut -d+ -f2 "$P")/example.org%2Faudit.cp
expect_grep "the state file is per key and origin, with its time" '^remembered-at 20[0-9-]{8}T[0-9:]{8}Z$' "$state"
cp "$S" "$T/rb.db"
sqlite3 "$T/rb.db" "DELETE FROM checkpoints WHERE size = $big"
expect_status "a removed newest checkpoint is a ROLLBACK (exit 1)" 1 ts verify "$T/rb.db"
when=$(sed -n 's/^remembered-at //p' "$state")
expect_grep "ROLLBACK names the state file and when" \
	"ROLLBACK +checkpoint $big: .*\\(remembered in $(re "$state") at $when\\)" "$T/out"
# an old-layout file (the note alone): its time is the file's mtime
cp "$S" "$T/old.db"
sqlite3 "$T/old.db" "DROP TRIGGER entries_no_delete; DELETE FROM entries WHERE seq > 2; DELETE FROM checkpoints WHERE size > 2; DELETE FROM merkle_nodes"
mkdir -p "$T/oldstate/trailscope/checkpoints"
cp "$P" "$T/oldstate/trailscope/trusted.keys"
sqlite3 "$S" "SELECT note FROM checkpoints WHERE size = $big" | head -c -1 > "$T/oldstate/trailscope/checkpoints/example.org%2Faudit"
touch -d '2026-01-02 03:04:05 UTC' "$T/oldstate/trailscope/checkpoints/example.org%2Faudit"
XDG_STATE_HOME=$T/oldstate expect_status "an old-layout memory still catches truncation" 1 ts verify "$T/old.db" --no-remember
expect_grep "TRUNCATED names the old file and its mtime" \
	"TRUNCATED +checkpoint $big: .*only 2 entries \\(remembered in $(re "$T/oldstate/trailscope/checkpoints/example.org%2Faudit") at 2026-01-02T03:04:05Z\\)" "$T/out"

# checkpoints deleted and the origin removed or renamed: still caught
cp "$S" "$T/strip.db"
sqlite3 "$T/strip.db" "DELETE FROM checkpoints; DELETE FROM meta WHERE key = 'origin'"
expect_status "checkpoints and origin removed: FAILED" 1 ts verify "$T/strip.db"
expect_grep "reported as a ROLLBACK of the log the key signed" \
	"ROLLBACK +checkpoint $big: the store's first $big entries are the log that example.org/audit signed as origin \"example.org/audit\" \\(remembered in $(re "$state") at $when\\), but the store has no origin" "$T/out"
cp "$S" "$T/ren.db"
sqlite3 "$T/ren.db" "DELETE FROM checkpoints; UPDATE meta SET value = 'renamed.example/log' WHERE key = 'origin'"
expect_status "checkpoints removed and origin renamed: FAILED" 1 ts verify "$T/ren.db"
expect_grep "the rename is named" "ROLLBACK .*but the store says origin \"renamed.example/log\"" "$T/out"
cp "$S" "$T/cut.db"
sqlite3 "$T/cut.db" "DROP TRIGGER entries_no_delete; DELETE FROM entries WHERE seq > 3; DELETE FROM merkle_nodes; DELETE FROM checkpoints; DELETE FROM meta WHERE key = 'origin'"
expect_status "cut back, checkpoints and origin removed: FAILED" 1 ts verify "$T/cut.db"
expect_grep "reported as TRUNCATED" "TRUNCATED +checkpoint $big: the store's first 2 entries are the log that example.org/audit signed .*only 3 entries" "$T/out"
expect_status "a rename with the checkpoints kept is WRONG_ORIGIN" 1 sh -c \
	"cp '$S' '$T/ren2.db' && sqlite3 '$T/ren2.db' \"UPDATE meta SET value = 'x.example/y' WHERE key = 'origin'\" && '$TRAILSCOPE' verify '$T/ren2.db'"
expect_grep "WRONG_ORIGIN" 'WRONG_ORIGIN' "$T/out"

# two logs signed by one key are both VERIFIED, in any order, again
ts init --origin first.example/log "$T/a.db" >/dev/null
expect_status "log A" 0 ts import "$T/a.db" $D/rules.jsonl --sign "$K"
ts init --origin other.example/log "$T/b.db" >/dev/null
expect_status "log B (same key, other origin)" 0 ts import "$T/b.db" "$T/one.jsonl" --sign "$K"
for db in a b a b; do
	expect_status "log $db VERIFIED with both remembered" 0 ts verify "$T/$db.db"
done
expect_grep "log B's verdict" '^verdict: +VERIFIED through 1 \(\+0 pending\)$' "$T/out"
# a log that begins like A but was signed by the key under its own origin
ts init --origin third.example/log "$T/c.db" >/dev/null
ts import "$T/c.db" $D/rules.jsonl --sign "$K" >/dev/null 2>&1
expect_status "a log K signed under its own origin is its own log" 0 ts verify "$T/c.db"

# show cites only a checkpoint that verifies
G=$T/g.db
ts import "$G" $D/design-shapes.jsonl --sign "$K" >/dev/null 2>&1
ts import "$G" $D/rules.jsonl >/dev/null 2>&1
gn=$(sqlite3 "$G" 'SELECT count(*) FROM entries')
ts checkpoint "$G" --key "$FK" >/dev/null 2>&1
sqlite3 "$G" "INSERT INTO checkpoints (size, note, added_at) VALUES (3, 'garbage', '2026-01-01')"
ts show "$G" 3 > "$T/g3.txt"
expect_grep "show: a garbage row is not cover" '^proof +not covered by a verified checkpoint: the checkpoint at size 3 does not verify: MALFORMED' "$T/g3.txt"
ts show "$G" "$gn" --format json > "$T/gn.json"
expect_eq "show: a foreign-signed row is not cover" "$(jq -c '[.covered_by_checkpoint, (.proof | test("size '"$gn"' does not verify: UNTRUSTED"))]' "$T/gn.json")" '[null,true]'
ts show "$G" 1 > "$T/g1.txt"
expect_grep "show: the real checkpoint still covers entry 1" '^proof +covered by the checkpoint at size 2, signed by example\.org/audit' "$T/g1.txt"
# a checkpoint whose root is not the store's tree is not cover either
ts import "$T/h.db" $D/design-shapes.jsonl --sign "$K" >/dev/null 2>&1
sqlite3 "$T/h.db" "DROP TRIGGER entries_no_update; UPDATE entries SET leaf_hash = zeroblob(32) WHERE seq = 1; DELETE FROM merkle_nodes"
ts show "$T/h.db" 2 > "$T/h2.txt"
expect_grep "show: a root that does not match is not cover" '^proof +not covered .*ROOT_MISMATCH' "$T/h2.txt"

# a bad second signature line from the trusted key taints the checkpoint
cp "$S" "$T/sig.db"
line=$(sqlite3 "$T/sig.db" "SELECT note FROM checkpoints WHERE size = $big" | grep '^— ' | tail -1)
b64=${line##* }
c=$(printf %s "$b64" | cut -c20)
if [ "$c" = A ]; then r=B; else r=A; fi
bad="${line% *} $(printf %s "$b64" | cut -c1-19)$r$(printf %s "$b64" | cut -c21-)"
sqlite3 "$T/sig.db" "DROP TRIGGER checkpoints_no_update; UPDATE checkpoints SET note = note || '$bad' || char(10) WHERE size = $big"
expect_eq "the note now has two lines from the key" \
	"$(sqlite3 "$T/sig.db" "SELECT note FROM checkpoints WHERE size = $big" | grep -c '^— example.org/audit ')" 2
expect_status "bad second line: FAILED" 1 ts verify "$T/sig.db" --no-remember
expect_grep "BAD_SIGNATURE at that checkpoint" "BAD_SIGNATURE +checkpoint $big:" "$T/out"
