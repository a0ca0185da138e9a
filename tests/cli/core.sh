# core.sh - end-to-end tests of the evidence core through the CLI: keygen,
# import (both DESIGN.md shapes, bad input, atomicity, idempotence), show,
# checkpoint, verify (verdicts, exit codes, JSON), safety of output.
. tests/lib.sh
D=testdata
S=$T/s.db

# keygen
expect_status "keygen writes a key pair" 0 ts keygen example.org/audit --out "$T/keys"
K=$T/keys/example.org_audit.key P=$T/keys/example.org_audit.pub
expect_eq "signer key is mode 0600" "$(stat -c %a "$K")" "600"
expect_grep "signer key has C2SP form" '^PRIVATE\+KEY\+example\.org/audit\+[0-9a-f]{8}\+' "$K"
expect_grep "verifier key has C2SP form" '^example\.org/audit\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$' "$P"
expect_status "keygen refuses to overwrite" 5 ts keygen example.org/audit --out "$T/keys"
expect_status "keygen rejects a bad name" 3 ts keygen "bad name" --out "$T/keys"

# import both shapes and sign
expect_status "import both DESIGN shapes with --sign" 0 ts import "$S" $D/design-shapes.jsonl --sign "$K"
expect_grep "import reports what it did" '2 records: 2 added.*signed checkpoint' "$T/out"
ts show "$S" uuid-1234 --format json > "$T/show.json"
expect_eq "show json: changes of the VIP toggle" \
	"$(jq -c '[.changes[] | [.path, .kind, .before, .after]]' "$T/show.json")" \
	'[["enabled","changed",false,true],["rollout_pct","added",null,10],["targets[0]","added",null,"vip_segment"]]'
expect_eq "show json: metadata" "$(jq -c '[.seq, .event_id, .ts, .actor, .action, .target, .environment]' "$T/show.json")" \
	'[2,"uuid-1234","2026-01-12T14:32:08.000000Z","user-234","toggle_update","payments_new_flow","production"]'
expect_eq "show json: no pinned key, no cover" "$(jq .covered_by_checkpoint "$T/show.json")" "null"
expect_grep "show json: the proof says why" '"proof": "not covered by a verified checkpoint: the checkpoint at size 2 does not verify: UNTRUSTED' "$T/show.json"
ts show "$S" 1 --format json > "$T/show1.json"
expect_eq "shape 1: flag_id and scalar states" \
	"$(jq -c '[.target, .target_kind, .action, .changes[0].path, .changes[0].before, .changes[0].after]' "$T/show1.json")" \
	'["new_checkout_flow_v2","flag","flag.update","","off","on"]'
expect_grep "shape 1: derived event id" '"event_id": "sha256:[0-9a-f]{32}"' "$T/show1.json"
ts show "$S" uuid-1234 > "$T/show.txt"
expect_grep "show text: diff line" 'changed +enabled: false → true' "$T/show.txt"
expect_grep "show text: approval" 'approval +required, approved by manager-12' "$T/show.txt"
expect_grep "show text: source" 'source +testdata/design-shapes.jsonl:2 \(jsonl\)' "$T/show.txt"
expect_status "show unknown id exits 4" 4 ts show "$S" nope

# identity-matched rules and quoted keys
expect_status "import rules" 0 ts import "$S" $D/rules.jsonl
ts show "$S" r1 --format json > "$T/r1.json"
expect_eq "nested rule condition path" "$(jq -c '[.changes[] | .path]' "$T/r1.json")" '["rules[1].conditions[0].value"]'
ts show "$S" r2 --format json > "$T/r2.json"
expect_eq "inserted rule matched by identity; quoted key" "$(jq -c '[.changes[] | [.path, .kind]]' "$T/r2.json")" \
	'[["labels","added"],["rules[0]","added"]]'

# idempotent re-import
expect_status "re-import adds nothing" 0 ts import "$S" $D/design-shapes.jsonl
expect_grep "re-import counts duplicates" '0 added, 2 already present' "$T/out"

# bad input: located, nothing written
count() { sqlite3 "$S" 'SELECT count(*) FROM entries'; }
before=$(count)
for f in bad-dupkey:2:66 bad-time:1:30 bad-utf8:1:62 bad-missing:1:1 bad-syntax:2:31 bad-deep:1:[0-9]+; do
	name=${f%%:*}; loc=${f#*:}
	expect_status "bad input $name exits 4" 4 ts import "$S" "$D/$name.jsonl"
	expect_grep "bad input $name is located" "^testdata/$name.jsonl:$loc" "$T/err"
	expect_eq "bad input $name writes nothing" "$(count)" "$before"
done
ts import "$S" $D/bad-time.jsonl 2>"$T/err" >/dev/null
expect_grep "impossible date is named" 'bad time in "timestamp": impossible date' "$T/err"
expect_status "skip-invalid imports the good ones" 0 ts import "$S" $D/bad-syntax.jsonl --skip-invalid
expect_grep "skip-invalid reports the bad one" 'bad-syntax.jsonl:2:[0-9]+: .*\(skipped\)' "$T/err"
expect_eq "skip-invalid added one" "$(count)" "$((before + 1))"
expect_status "foreign sqlite file is refused" 5 ts verify $D/foreign.db
expect_status "missing store is an I/O error" 5 ts verify "$T/nope.db"
expect_status "unknown option is a usage error" 3 ts import "$S" --bogus x
expect_status "stdin import" 0 sh -c "cat $D/rules.jsonl | $TRAILSCOPE import $T/stdin.db -"

# a first import builds the store privately and publishes it whole
mkdir -p "$T/fresh"
expect_status "a failed first import exits 4" 4 ts import "$T/fresh/s.db" $D/bad-syntax.jsonl
expect_eq "a failed first import leaves no store and no leftovers" "$(ls -A "$T/fresh")" ""
expect_status "a first import" 0 ts import "$T/fresh/s.db" $D/design-shapes.jsonl $D/rules.jsonl
expect_eq "only the store is left" "$(ls -A "$T/fresh")" "s.db"
expect_eq "published in WAL mode" "$(sqlite3 "$T/fresh/s.db" 'PRAGMA journal_mode')" "wal"
nrec=$(cat $D/design-shapes.jsonl $D/rules.jsonl | grep -c .)
expect_eq "published whole" "$(sqlite3 "$T/fresh/s.db" 'PRAGMA integrity_check' 'SELECT count(*) FROM entries' | tr '\n' ' ')" "ok $nrec "
expect_eq "file mode follows the umask" "$(umask 022; rm -f "$T/fresh/m.db"; $TRAILSCOPE import "$T/fresh/m.db" $D/rules.jsonl >/dev/null 2>&1; stat -c %a "$T/fresh/m.db")" 644

# verify
expect_status "verify without a trusted key is UNVERIFIABLE" 2 ts verify "$S"
expect_grep "unverifiable says why" 'UNVERIFIABLE: no trusted key' "$T/out"
expect_status "checkpoint signs the head" 0 ts checkpoint "$S" --key "$K"
expect_status "verify with --trust is VERIFIED" 0 ts verify "$S" --trust "$P"
expect_grep "verdict line" "VERIFIED through $(count) \\(\\+0 pending\\)" "$T/out"
expect_status "the key stays pinned" 0 ts verify "$S"
ts show "$S" uuid-1234 --format json > "$T/show.json"
expect_eq "show json: covered by the checkpoint" "$(jq .covered_by_checkpoint "$T/show.json")" "2"
ts show "$S" uuid-1234 > "$T/show.txt"
expect_grep "show text: proof names the signer" '^proof +covered by the checkpoint at size 2, signed by example\.org/audit \(signature, root and inclusion checked\)' "$T/show.txt"
ts verify "$S" --format json > "$T/v.json"
expect_eq "verify json fields" "$(jq -c '[.verdict, .verified_through, .pending, (.faults|length), (.checkpoints|map(.status)|unique)]' "$T/v.json")" \
	"[\"VERIFIED\",$(count),0,0,[\"OK\"]]"
expect_status "verify --deep" 0 ts verify "$S" --deep

# tamper through sqlite3: a changed column is FAILED with its location
cp "$S" "$T/t.db"
sqlite3 "$T/t.db" "DROP TRIGGER entries_no_update; UPDATE entries SET actor = 'mallory' WHERE seq = 2"
expect_status "edited column fails verification" 1 ts verify "$T/t.db"
expect_grep "fault names the seq and column" 'MODIFIED +seq 2: column actor does not match the leaf' "$T/out"
ts verify "$T/t.db" --format json > "$T/t.json"
expect_eq "json fault has kind and seq" "$(jq -c '.faults[0] | [.kind, .seq]' "$T/t.json")" '["MODIFIED",2]'

# read commands never write
sum1=$(sha256sum "$S" | cut -c1-64)
ts show "$S" 1 >/dev/null; ts verify "$S" >/dev/null
sum2=$(sha256sum "$S" | cut -c1-64)
expect_eq "read commands leave the store byte-identical" "$sum2" "$sum1"

# hostile data never reaches the terminal raw
expect_status "import hostile record" 0 ts import "$T/h.db" $D/hostile.jsonl
ts show "$T/h.db" h1 > "$T/h.txt"
if LC_ALL=C grep -q "$(printf '\033')" "$T/h.txt" || LC_ALL=C grep -q "$(printf '\007')" "$T/h.txt"; then
	fail "show escapes control characters" "$(cat -v "$T/h.txt" | head -5)"
else pass "show escapes control characters"; fi
expect_grep "escape shown as \\x1b" 'evil\\x1b\[31mred\\u202e' "$T/h.txt"
expect_status "help" 0 ts --help
expect_grep "help lists commands" 'verify STORE' "$T/out"
