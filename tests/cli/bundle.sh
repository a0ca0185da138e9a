# bundle.sh - evidence bundles end to end: export (events, incident, marked,
# pending events, refusals), bundle verify (round trip, the BagIt
# conformance bags, every tamper caught with its file and line), custody
# (append, links, signatures), determinism of data/, the case file CLI.
. tests/lib.sh
S=$T/s.db B=$T/b
CONF=$SHARED/samples/bagit-conformance

ts keygen example.org/audit --out "$T/keys" >/dev/null
ts keygen regulator.example --out "$T/keys" >/dev/null
ts keygen mallory.example --out "$T/keys" >/dev/null
K=$T/keys/example.org_audit.key P=$T/keys/example.org_audit.pub
RK=$T/keys/regulator.example.key RP=$T/keys/regulator.example.pub
MK=$T/keys/mallory.example.key
ts gen --events 40 --seed 7 > "$T/ev.jsonl"
ts import "$S" "$T/ev.jsonl" --sign "$K" >/dev/null 2>&1

# recompute every manifest like an attacker who edits files would
rebag() {
	(cd "$1" && find data -type f | LC_ALL=C sort | while read -r f; do
		printf '%s  %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$f"; done > manifest-sha256.txt
	 find data -type f | LC_ALL=C sort | while read -r f; do
		printf '%s  %s\n' "$(sha512sum "$f" | cut -d' ' -f1)" "$f"; done > manifest-sha512.txt
	 for a in 256 512; do for f in bag-info.txt bagit.txt custody.jsonl manifest-sha256.txt manifest-sha512.txt; do
		printf '%s  %s\n' "$(sha${a}sum "$f" | cut -d' ' -f1)" "$f"; done > tagmanifest-sha$a.txt; done)
}
fresh() { rm -rf "$2"; cp -r "$1" "$2"; }

# case file
expect_status "case note" 0 ts case "$S" note 5 "Suspicious: no approval" --author alice
expect_status "case mark" 0 ts case "$S" mark 5 7 evt-00000009
expect_status "case unmark" 0 ts case "$S" unmark 7
ts case "$S" list > "$T/marks"
expect_eq "case list shows marks" "$(cut -f1 "$T/marks" | tr '\n' ' ')" "5 9 "
expect_status "case mark unknown event" 4 ts case "$S" mark nope
expect_status "case note rejects control characters" 4 ts case "$S" note 5 "$(printf 'a\033[2Jb')"
expect_eq "the store is not written by the case file" "$(sqlite3 "$S" 'SELECT count(*) FROM sqlite_master WHERE name LIKE "%mark%"')" "0"

# export and round trip
expect_status "export by events" 0 ts export "$S" --out "$B" --events 5,7-9,evt-00000020 --case CASE-7 \
	--examiner "Alice Auditor" --key "$K" --note "requested by regulator"
for f in bagit.txt bag-info.txt manifest-sha256.txt manifest-sha512.txt tagmanifest-sha256.txt \
	tagmanifest-sha512.txt custody.jsonl data/events.jsonl data/events.csv data/changes.csv data/notes.md \
	data/report.txt data/checkpoint data/entries/5.leaf data/proofs/20.tlog-proof; do
	[ -f "$B/$f" ] && pass "bundle has $f" || fail "bundle has $f"
done
expect_eq "events.jsonl has the 5 events" "$(jq -r .seq "$B/data/events.jsonl" | tr '\n' ' ')" "5 7 8 9 20 "
expect_grep "bag-info: case id" '^External-Identifier: CASE-7$' "$B/bag-info.txt"
expect_grep "bag-info: examiner" '^Contact-Name: Alice Auditor$' "$B/bag-info.txt"
expect_grep "bag-info: Payload-Oxum" '^Payload-Oxum: [0-9]+\.16$' "$B/bag-info.txt"
expect_grep "bag-info: checkpoint" '^Trailscope-Checkpoint-Size: 40$' "$B/bag-info.txt"
expect_grep "bag-info: selection" '^Trailscope-Selection: events 5,7-9,20$' "$B/bag-info.txt"
expect_grep "proof header" '^c2sp.org/tlog-proof@v1$' "$B/data/proofs/5.tlog-proof"
expect_grep "proof index is zero-based" '^index 4$' "$B/data/proofs/5.tlog-proof"
expect_eq "proof ends with the checkpoint verbatim" "$(tail -n +$(($(grep -n '^$' "$B/data/proofs/5.tlog-proof" | head -1 | cut -d: -f1) + 1)) "$B/data/proofs/5.tlog-proof" | sha256sum)" \
	"$(sha256sum < "$B/data/checkpoint")"
expect_eq "leaf is the store's leaf byte for byte" "$(sha256sum < "$B/data/entries/8.leaf")" \
	"$(sqlite3 "$S" 'SELECT hex(leaf) FROM entries WHERE seq = 8' | xxd -r -p | sha256sum)"
expect_grep "notes.md has the note" 'Suspicious: no approval' "$B/data/notes.md"
expect_grep "report has the timeline" '#20 ' "$B/data/report.txt"
expect_grep "custody entry 1" '"action":"created".*"actor":"Alice Auditor"' "$B/custody.jsonl"
expect_status "round trip: bundle verify" 0 ts bundle verify "$B" --trust "$P"
expect_grep "verified verdict" 'VERIFIED: 5 events proven in example.org/audit at size 40' "$T/out"
expect_status "verify without a trusted key is UNVERIFIABLE" 2 ts bundle verify "$B"
expect_status "verify with the wrong key is UNVERIFIABLE" 2 ts bundle verify "$B" --trust "$RP"
ts bundle verify "$B" --trust "$P" --format json > "$T/v.json"
expect_eq "verify json" "$(jq -c '[.verdict, .events_verified, .checkpoint_size, (.faults|length), .custody[0].action]' "$T/v.json")" \
	'["VERIFIED",5,40,0,"created"]'
expect_status "verify of a missing dir is an I/O error" 5 ts bundle verify "$T/nope" --trust "$P"

# refusals
expect_status "non-empty DIR refused" 5 ts export "$S" --out "$B" --events 5 --case C --examiner A --key "$K"
expect_grep "refusal says --force" 'not empty.*--force' "$T/err"
expect_status "missing --case is a usage error" 3 ts export "$S" --out "$T/x" --events 5 --examiner A --key "$K"
expect_status "two selections is a usage error" 3 ts export "$S" --out "$T/x" --events 5 --incident I --case C --examiner A --key "$K"
expect_status "unknown event is bad input" 4 ts export "$S" --out "$T/x" --events 999 --case C --examiner A --key "$K"
[ ! -e "$T/x" ] && pass "nothing written for a bad selection" || fail "nothing written for a bad selection"

# determinism: same selection, other case/examiner/time -> identical data/
expect_status "second export" 0 ts export "$S" --out "$T/b2" --events 20,9,8,7,5 --case OTHER --examiner Bob --key "$K"
if diff -r "$B/data" "$T/b2/data" >/dev/null; then pass "data/ is byte-identical"; else fail "data/ is byte-identical" "$(diff -r "$B/data" "$T/b2/data" | head -5)"; fi

# --force replaces the contents and never follows a symlink out of DIR
mkdir -p "$T/outside" && echo keep > "$T/outside/keep"
mkdir -p "$T/bf" && ln -s "$T/outside" "$T/bf/link" && echo x > "$T/bf/old"
expect_status "export --force" 0 ts export "$S" --out "$T/bf" --events 5 --case C --examiner A --key "$K" --force
expect_eq "--force left the outside alone" "$(cat "$T/outside/keep")" "keep"
[ ! -e "$T/bf/old" ] && [ ! -e "$T/bf/link" ] && pass "--force emptied DIR" || fail "--force emptied DIR"

# pending events
printf '%s\n' '{"event_id":"late-1","timestamp":"2026-05-01T10:00:00Z","actor":"zed","flag_key":"late_flag","previous_state":"off","new_state":"on"}' > "$T/late.jsonl"
ts import "$S" "$T/late.jsonl" >/dev/null 2>&1
expect_status "export without --key is a usage error" 3 ts export "$S" --out "$T/p" --events late-1 --case C --examiner A
expect_grep "the message says the key signs the custody record" 'signer key \(--key KEYFILE\): it signs the custody record' "$T/err"
expect_status "pending event with --key signs a checkpoint" 0 ts export "$S" --out "$T/p" --events late-1,5 --case C --examiner A --key "$K"
expect_grep "export says it signed" 'size 41, signed now' "$T/out"
expect_status "that bundle verifies" 0 ts bundle verify "$T/p" --trust "$P"

# incident and marked
sqlite3 "$S" "INSERT INTO incidents VALUES ('INC-1', 'Checkout errors', 'sev1', '[\"checkout\"]', 'production', \
	'$(jq -r .ts "$B/data/events.jsonl" | sed -n 3p)', NULL, '$(jq -r .ts "$B/data/events.jsonl" | sed -n 4p)', '{}', 'inc.jsonl', 1)"
expect_status "export by incident" 0 ts export "$S" --out "$T/inc" --incident INC-1 --case C --examiner A --key "$K"
expect_grep "incident.json" '"id": "INC-1"' "$T/inc/data/incident.json"
expect_grep "incident window is documented" '"from": ' "$T/inc/data/incident.json"
expect_grep "incident selection covers its events" '"seq":9' "$T/inc/data/events.jsonl"
expect_status "incident bundle verifies" 0 ts bundle verify "$T/inc" --trust "$P"
expect_status "unknown incident" 4 ts export "$S" --out "$T/inc2" --incident NOPE --case C --examiner A --key "$K"
expect_status "export the marked events" 0 ts export "$S" --out "$T/m" --marked --case C --examiner A --key "$K"
expect_eq "marked events exported" "$(jq -r .seq "$T/m/data/events.jsonl" | tr '\n' ' ')" "5 9 "

expect_status "export by query" 0 ts export "$S" --out "$T/q" --query 'id:evt-00000005 OR id:evt-00000009' --case C --examiner A --key "$K"
expect_eq "query selected its events" "$(jq -r .seq "$T/q/data/events.jsonl" | tr '\n' ' ')" "5 9 "
expect_status "export by a query that fails to compile" 3 ts export "$S" --out "$T/q2" --query 'env:(' --case C --examiner A --key "$K"
expect_grep "query error has its column" 'query: col [0-9]+' "$T/err"

# custody
expect_status "custody transferred" 0 ts bundle custody "$B" --action transferred --actor "Alice Auditor" --key "$K" --note "courier"
expect_status "custody received by the regulator" 0 ts bundle custody "$B" --action received --actor "Regulator" --key "$RK"
expect_eq "custody has 3 entries" "$(wc -l < "$B/custody.jsonl")" "3"
expect_status "custody chain verifies" 0 ts bundle verify "$B" --trust "$P" --trust "$RP"
expect_grep "custody lists the receiver" '3  received .*Regulator \(recipient\)  signed by regulator.example \(trusted\)' "$T/out"
expect_status "an untrusted custody key is a warning" 0 ts bundle verify "$B" --trust "$P"
expect_grep "untrusted custody key named" 'custody.jsonl:3: signed by .regulator.example., a key not among the trusted' "$T/out"
expect_status "custody refuses created" 3 ts bundle custody "$B" --action created --actor X --key "$K"
expect_status "custody needs a key" 3 ts bundle custody "$B" --action note --actor X
cp -r "$B" "$T/good"

# tampers: each caught, with its location
tamper() { # NAME WANT_PATTERN
	expect_status "tamper $1: FAILED" 1 ts bundle verify "$T/t" --trust "$P" --trust "$RP"
	expect_grep "tamper $1: located" "$2" "$T/out"
}
fresh "$T/good" "$T/t"; sed -i 's/"action":"flag\./"action":"flaG./' "$T/t/data/entries/8.leaf"; rebag "$T/t"
tamper "edited leaf, manifests recomputed" 'PROOF +data/proofs/8.tlog-proof: does not prove data/entries/8.leaf'
expect_grep "edited leaf: custody sees the manifest change" 'CUSTODY +custody.jsonl:1: manifest_sha256' "$T/out"
fresh "$T/good" "$T/t"; sed -i 's/"action":"flag\./"action":"flaG./' "$T/t/data/entries/8.leaf"
tamper "edited leaf" 'BAG +manifest-sha256.txt:[0-9]+: data/entries/8.leaf: sha256 mismatch'
fresh "$T/good" "$T/t"; sed -i '4{s/^A/#/;s/^[^#]/A/;s/^#/B/}' "$T/t/data/proofs/7.tlog-proof"; rebag "$T/t"
tamper "edited proof" 'PROOF +data/proofs/7.tlog-proof'
fresh "$T/good" "$T/t"; sed -i 's/^index 6$/index 7/' "$T/t/data/proofs/7.tlog-proof"; rebag "$T/t"
tamper "proof index changed" 'PROOF +data/proofs/7.tlog-proof:2: index 7'
fresh "$T/good" "$T/t"; cp "$T/p/data/checkpoint" "$T/t/data/checkpoint"; rebag "$T/t"
tamper "swapped checkpoint" 'PROOF +data/proofs/[0-9]+.tlog-proof:[0-9]+: its checkpoint is not data/checkpoint'
expect_grep "swapped checkpoint: bag-info disagrees" 'BAG +bag-info.txt:[0-9]+: Trailscope-Checkpoint-Size' "$T/out"
fresh "$T/good" "$T/t"; rm "$T/t/data/entries/9.leaf"
tamper "removed file" 'BAG +manifest-sha256.txt:[0-9]+: data/entries/9.leaf: no such file'
expect_grep "removed file: proof without leaf" 'MISSING +data/entries/: no leaf 9.leaf' "$T/out"
fresh "$T/good" "$T/t"; echo extra > "$T/t/data/extra.txt"
tamper "added file" "BAG +manifest-sha256.txt: payload file 'data/extra.txt' is not listed"
fresh "$T/good" "$T/t"; sed -i '1s/courier/COURIER/; 2s/courier/COURIER/' "$T/t/custody.jsonl"; rebag "$T/t"
tamper "rewritten custody entry, manifests recomputed" 'CUSTODY +custody.jsonl:2: signature does not verify'
expect_grep "rewritten custody entry breaks the next link" 'CUSTODY +custody.jsonl:3: "prev" does not match' "$T/out"
fresh "$T/good" "$T/t"; sed -i '2{s/"sig":"A/"sig":"#/;s/"sig":"[^#]/"sig":"A/;s/"sig":"#/"sig":"B/}' "$T/t/custody.jsonl"; rebag "$T/t"
tamper "forged custody signature" 'CUSTODY +custody.jsonl:2: signature does not verify'
fresh "$T/good" "$T/t"; sed -i '1s/"sig":"[^"]*"/"sig":null/' "$T/t/custody.jsonl"; rebag "$T/t"
tamper "unsigned custody entry" 'CUSTODY +custody.jsonl:1: missing "key" or "sig": every custody entry must be signed'
fresh "$T/good" "$T/t"; sed -i '3d' "$T/t/custody.jsonl"; sed -i '2d' "$T/t/custody.jsonl"; cat "$T/good/custody.jsonl" | sed -n 3p >> "$T/t/custody.jsonl"; rebag "$T/t"
tamper "removed custody entry" 'CUSTODY +custody.jsonl:2: "seq" must be 2'
fresh "$T/good" "$T/t"; ts bundle custody "$T/t" --action note --actor Mallory --key "$MK" >/dev/null 2>&1
sed -i '4s/"actor":"Mallory"/"actor":"Regulator"/' "$T/t/custody.jsonl"; rebag "$T/t"
tamper "re-attributed custody entry" 'CUSTODY +custody.jsonl:4: signature does not verify'
fresh "$T/good" "$T/t"; sed -i 's#  data/entries/5.leaf$#  data/../data/entries/5.leaf#' "$T/t/manifest-sha256.txt"
tamper "path with .." "BAG +manifest-sha256.txt:[0-9]+: unsafe path 'data/../data/entries/5.leaf'"
fresh "$T/good" "$T/t"; printf '%s  /etc/passwd\n' "$(sha256sum /etc/passwd | cut -d' ' -f1)" >> "$T/t/tagmanifest-sha256.txt"
tamper "absolute path" "BAG +tagmanifest-sha256.txt:[0-9]+: unsafe path '/etc/passwd': absolute path"
fresh "$T/good" "$T/t"; rm "$T/t/data/notes.md"; ln -s /etc/passwd "$T/t/data/notes.md"
tamper "symlink in the payload" 'BAG +data/notes.md: symbolic link in the payload'
fresh "$T/good" "$T/t"; sed -i '2s/"environment":"[a-z]*"/"environment":"x"/' "$T/t/data/events.jsonl"; rebag "$T/t"
tamper "edited record" 'RECORD +data/events.jsonl:2: member "environment" differs from data/entries/7.leaf'
fresh "$T/good" "$T/t"; sed -i '3s/,evt-/,evT-/' "$T/t/data/events.csv"; rebag "$T/t"
tamper "edited CSV row" 'RECORD +data/events.csv:3: differs from the rendering'
expect_status "custody refuses a damaged bundle" 1 ts bundle custody "$T/t" --action note --actor X --key "$K"
expect_grep "custody says why" 'custody record is damaged .custody.jsonl:1: manifest_sha256' "$T/err"

# the BagIt conformance bags
expect_status "conformance: valid/basicBag has no BAG fault" 1 ts bundle verify "$CONF/valid/basicBag"
expect_nogrep "conformance: valid/basicBag" '^  BAG ' "$T/out"
for bag in "$CONF"/invalid/*; do
	ts bundle verify "$bag" > "$T/out" 2>&1
	expect_grep "conformance: invalid/$(basename "$bag") rejected" '^  BAG ' "$T/out"
done
