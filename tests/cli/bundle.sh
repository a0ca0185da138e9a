# bundle.sh - evidence bundles end to end: export (events, incident, marked,
# pending events, refusals, a symlinked DIR, hostile text, stores that
# FAILED or are UNVERIFIABLE), bundle verify (round trip, the BagIt
# conformance bags, every tamper caught with its file and line, every
# bag-info element edited, unsigned elements, an older bundle), custody
# (append, links, signatures), determinism of data/, the case file CLI.
. tests/lib.sh
S=$T/s.db B=$T/b
CONF=$SHARED/samples/bagit-conformance

signer regulator.example "$T/keys"; RK=$K RP=$P
signer mallory.example "$T/keys"; MK=$K
signer example.org/audit "$T/keys"
gen_store "$S" 40 7

# recompute every manifest like an attacker who edits files would
rebag() {
	(cd "$1" || exit 1
	 find data -type f | LC_ALL=C sort | while read -r f; do
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
	--examiner "Alice Auditor" --key "$K" --note "requested by regulator" --trust "$P"
for f in bagit.txt bag-info.txt manifest-sha256.txt manifest-sha512.txt tagmanifest-sha256.txt \
	tagmanifest-sha512.txt custody.jsonl data/events.jsonl data/events.csv data/changes.csv data/notes.md \
	data/report.txt data/checkpoint data/leaves.jsonl data/proofs.jsonl; do
	[ -f "$B/$f" ] && pass "bundle has $f" || fail "bundle has $f"
done
[ ! -e "$B/data/entries" ] && [ ! -e "$B/data/proofs" ] && pass "packed: no per-event files" || fail "packed: no per-event files"
expect_grep "bag-info: the layout" '^Trailscope-Bundle-Layout: packed$' "$B/bag-info.txt"
expect_eq "leaves.jsonl: one leaf a line, in seq order" "$(jq -r .seq "$B/data/leaves.jsonl" | tr '\n' ' ')" "5 7 8 9 20 "
expect_eq "proofs.jsonl: one proof a line, in seq order" "$(jq -r '"\(.seq):\(.index)"' "$B/data/proofs.jsonl" | tr '\n' ' ')" \
	"5:4 7:6 8:7 9:8 20:19 "
expect_eq "events.jsonl has the 5 events" "$(jq -r .seq "$B/data/events.jsonl" | tr '\n' ' ')" "5 7 8 9 20 "
expect_grep "bag-info: case id" '^External-Identifier: CASE-7$' "$B/bag-info.txt"
expect_grep "bag-info: examiner" '^Contact-Name: Alice Auditor$' "$B/bag-info.txt"
# 8 files, whatever the number of events
expect_grep "bag-info: Payload-Oxum" '^Payload-Oxum: [0-9]+\.8$' "$B/bag-info.txt"
expect_grep "bag-info: checkpoint" '^Trailscope-Checkpoint-Size: 40$' "$B/bag-info.txt"
expect_grep "bag-info: selection" '^Trailscope-Selection: events 5,7-9,20$' "$B/bag-info.txt"
ts bundle proof "$B" 5 > "$T/5.tlog-proof"
expect_grep "proof header" '^c2sp.org/tlog-proof@v1$' "$T/5.tlog-proof"
expect_grep "proof index is zero-based" '^index 4$' "$T/5.tlog-proof"
expect_eq "proof ends with the checkpoint verbatim" "$(tail -n +$(($(grep -n '^$' "$T/5.tlog-proof" | head -1 | cut -d: -f1) + 1)) "$T/5.tlog-proof" | sha256sum)" \
	"$(sha256sum < "$B/data/checkpoint")"
expect_eq "leaf is the store's leaf byte for byte" "$(ts bundle leaf "$B" 8 | sha256sum)" \
	"$(sqlite3 "$S" 'SELECT hex(leaf) FROM entries WHERE seq = 8' | xxd -r -p | sha256sum)"
expect_eq "... and line 3 of leaves.jsonl" "$(sed -n 3p "$B/data/leaves.jsonl" | head -c -1 | sha256sum)" \
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
expect_status "second export" 0 ts export "$S" --out "$T/b2" --events 20,9,8,7,5 --case OTHER --examiner Bob --key "$K" --trust "$P"
if diff -r "$B/data" "$T/b2/data" >/dev/null; then pass "data/ is byte-identical"; else fail "data/ is byte-identical" "$(diff -r "$B/data" "$T/b2/data" | head -5)"; fi

# --force replaces the contents and never follows a symlink out of DIR
mkdir -p "$T/outside" && echo keep > "$T/outside/keep"
mkdir -p "$T/bf" && ln -s "$T/outside" "$T/bf/link" && echo x > "$T/bf/old"
expect_status "export --force" 0 ts export "$S" --out "$T/bf" --events 5 --case C --examiner A --key "$K" --force
expect_eq "--force left the outside alone" "$(cat "$T/outside/keep")" "keep"
[ ! -e "$T/bf/old" ] && [ ! -e "$T/bf/link" ] && pass "--force emptied DIR" || fail "--force emptied DIR"

# --force never writes through a symbolic link: DIR itself a link is refused
mkdir -p "$T/target" && echo keep > "$T/target/keep" && ln -s "$T/target" "$T/link"
expect_status "export --out LINK --force refused" 5 ts export "$S" --out "$T/link" --events 5 --case C --examiner A --key "$K" --force
expect_grep "refusal names the link" "link' is a symbolic link: export never writes through one" "$T/err"
expect_eq "the link's target is untouched" "$(ls "$T/target")" "keep"
expect_status "export --out LINK/ --force refused" 5 ts export "$S" --out "$T/link/" --events 5 --case C --examiner A --key "$K" --force
mkdir -p "$T/empty" && ln -s "$T/empty" "$T/link2"
expect_status "export --out LINK to an empty dir refused too" 5 ts export "$S" --out "$T/link2" --events 5 --case C --examiner A --key "$K"
expect_eq "nothing written through the link" "$(ls -A "$T/empty")" ""
[ -L "$T/link" ] && [ -L "$T/link2" ] && pass "the links stay" || fail "the links stay"

# the store's verdict: a FAILED store is refused unless --allow-failed, and recorded
expect_grep "a verified store is recorded VERIFIED" '^Trailscope-Store-Verdict: VERIFIED$' "$T/b2/bag-info.txt"
cp "$S" "$T/f.db"
sqlite3 "$T/f.db" "DROP TRIGGER entries_no_update; UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), 'evt-00000030', 'evt-0000003X') AS BLOB) WHERE seq = 30"
expect_status "the tampered store FAILS verify" 1 ts verify "$T/f.db" --trust "$P" --no-remember
NF=$(ts verify "$T/f.db" --trust "$P" --no-remember --format json | jq .faults_total)
expect_status "export from a FAILED store refused" 1 ts export "$T/f.db" --out "$T/fb" --events 5,7 --case C --examiner A --key "$K" --trust "$P"
expect_grep "refusal prints the fault" 'store fault: MODIFIED seq 30: leaf does not match its leaf_hash' "$T/err"
expect_grep "refusal names --allow-failed" "FAILED verification \\($NF faults\\): export refused; pass --allow-failed" "$T/err"
[ ! -e "$T/fb" ] && pass "nothing written for a FAILED store" || fail "nothing written for a FAILED store"
expect_status "export --allow-failed" 0 ts export "$T/f.db" --out "$T/fb" --events 5,7 --case C --examiner A --key "$K" --trust "$P" --allow-failed
expect_grep "export says the verdict is recorded" "store's verdict was FAILED: recorded in the bundle" "$T/out"
expect_grep "bag-info records FAILED" '^Trailscope-Store-Verdict: FAILED$' "$T/fb/bag-info.txt"
expect_grep "bag-info records each fault" '^Trailscope-Store-Fault: MODIFIED seq 30: leaf does not match its leaf_hash$' "$T/fb/bag-info.txt"
expect_eq "bag-info records every fault" "$(grep -c '^Trailscope-Store-Fault: ' "$T/fb/bag-info.txt")" "$NF"
expect_grep "report records FAILED" "^store verdict  FAILED at export: $NF faults" "$T/fb/data/report.txt"
expect_grep "report lists the faults" '^  fault        MODIFIED seq 30: leaf does not match' "$T/fb/data/report.txt"
expect_grep "custody records FAILED" '"store":\{[^}]*"faults":\["MODIFIED seq 30: leaf does not match[^]]*\],"faults_total":'"$NF"',.*"verdict":"FAILED"' "$T/fb/custody.jsonl"
expect_status "bundle from a FAILED store: the bundle itself verifies" 0 ts bundle verify "$T/fb" --trust "$P"
expect_grep "verdict line says FAILED store" "^verdict: +VERIFIED: 2 events .*; MADE FROM A STORE THAT FAILED VERIFICATION \\($NF faults, custody.jsonl:1\\)" "$T/out"
expect_grep "bundle verify lists the store's faults" 'store fault MODIFIED seq 30' "$T/out"
ts bundle verify "$T/fb" --trust "$P" --format json > "$T/v.json"
expect_eq "json: store verdict and faults" "$(jq -c '[.verdict, .store.verdict, .store.faults_total, (.store.faults|length)]' "$T/v.json")" '["VERIFIED","FAILED",'"$NF,$NF]"
fresh "$T/fb" "$T/t"; sed -i 's/^Trailscope-Store-Verdict: FAILED/Trailscope-Store-Verdict: VERIFIED/; /^Trailscope-Store-Fault/d' "$T/t/bag-info.txt"; rebag "$T/t"
expect_status "hiding the FAILED verdict in bag-info is caught" 1 ts bundle verify "$T/t" --trust "$P"
expect_grep "hidden verdict located" 'BAG +bag-info.txt:[0-9]+: Trailscope-Store-Verdict is .VERIFIED., but custody.jsonl:1 signed' "$T/out"
expect_grep "hidden faults missing" 'Trailscope-Store-Fault, signed in custody.jsonl:1, is missing' "$T/out"
expect_status "UNVERIFIABLE store (no trusted key) exported" 0 env XDG_STATE_HOME="$T/nostate" "$TRAILSCOPE" export "$S" --out "$T/ub" --events 5 --case C --examiner A --key "$K"
expect_grep "bag-info records UNVERIFIABLE" '^Trailscope-Store-Verdict: UNVERIFIABLE$' "$T/ub/bag-info.txt"
expect_grep "report records UNVERIFIABLE" '^store verdict  UNVERIFIABLE at export' "$T/ub/data/report.txt"
expect_grep "custody records UNVERIFIABLE" '"verdict":"UNVERIFIABLE"' "$T/ub/custody.jsonl"
expect_status "bundle from an UNVERIFIABLE store verifies" 0 ts bundle verify "$T/ub" --trust "$P"
expect_grep "verdict line says UNVERIFIABLE store" '^verdict: +VERIFIED: .*; made from a store whose verdict was UNVERIFIABLE' "$T/out"

# pending events
printf '%s\n' '{"event_id":"late-1","timestamp":"2026-05-01T10:00:00Z","actor":"zed","flag_key":"late_flag","previous_state":"off","new_state":"on"}' > "$T/late.jsonl"
ts import "$S" "$T/late.jsonl" >/dev/null 2>&1
expect_status "export without --key is a usage error" 3 ts export "$S" --out "$T/p" --events late-1 --case C --examiner A
expect_grep "the message says the key signs the custody record" 'signer key \(--key KEYFILE\): it signs the custody record' "$T/err"
cp "$S" "$T/f2.db"
sqlite3 "$T/f2.db" "DROP TRIGGER entries_no_update; UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), 'evt-00000030', 'evt-0000003X') AS BLOB) WHERE seq = 30"
expect_status "no checkpoint is signed over a FAILED store" 1 ts export "$T/f2.db" --out "$T/fp" --events late-1 --case C --examiner A --key "$K" --trust "$P" --allow-failed
expect_grep "refusal says why" 'will not sign a new checkpoint over it' "$T/err"
expect_eq "the FAILED store got no checkpoint" "$(sqlite3 "$T/f2.db" 'SELECT max(size) FROM checkpoints')" "40"
expect_status "pending event with --key signs a checkpoint" 0 ts export "$S" --out "$T/p" --events late-1,5 --case C --examiner A --key "$K" --trust "$P"
expect_grep "export says it signed" 'size 41, signed now' "$T/out"
expect_grep "bag-info records the pending store event" '^Trailscope-Store-Pending: 1$' "$T/p/bag-info.txt"
expect_grep "bag-info records the checkpoint signed at export" '^Trailscope-Checkpoint-Signed-At-Export: yes \(1 selected event no stored checkpoint covered\)$' "$T/p/bag-info.txt"
expect_grep "report records the pending selected event" '^pending        1 selected event no stored checkpoint covered' "$T/p/data/report.txt"
expect_grep "custody records the pending events" '"checkpoint_signed_at_export":true,.*"pending":1,"pending_selected":1' "$T/p/custody.jsonl"
expect_status "that bundle verifies" 0 ts bundle verify "$T/p" --trust "$P"
expect_grep "bundle verify says the checkpoint was signed at export" 'note: +the checkpoint was signed at export, by the key of custody.jsonl:1, over 1 selected event' "$T/out"

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
expect_grep "query error has its column" '^<query>:1:[0-9]+: ' "$T/err"

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
fresh "$T/good" "$T/t"; sed -i '3s/"action":"flag\./"action":"flaG./' "$T/t/data/leaves.jsonl"; rebag "$T/t"
tamper "edited leaf, manifests recomputed" 'PROOF +data/proofs.jsonl:3: does not prove data/leaves.jsonl:3'
expect_grep "edited leaf: custody sees the manifest change" 'CUSTODY +custody.jsonl:1: manifest_sha256' "$T/out"
fresh "$T/good" "$T/t"; sed -i '3s/"action":"flag\./"action":"flaG./' "$T/t/data/leaves.jsonl"
tamper "edited leaf" 'BAG +manifest-sha256.txt:[0-9]+: data/leaves.jsonl: sha256 mismatch'
fresh "$T/good" "$T/t"; sed -i '2s/"path":\["A/"path":["B/; t; 2s/"path":\["[^A]/"path":["A/' "$T/t/data/proofs.jsonl"; rebag "$T/t"
tamper "edited proof" 'PROOF +data/proofs.jsonl:2: does not prove data/leaves.jsonl:2'
fresh "$T/good" "$T/t"; sed -i '2s/^{"index":6,/{"index":7,/' "$T/t/data/proofs.jsonl"; rebag "$T/t"
tamper "proof index changed" 'PROOF +data/proofs.jsonl:2: index 7 is not the leaf.s position 6'
fresh "$T/good" "$T/t"; cp "$T/p/data/checkpoint" "$T/t/data/checkpoint"; rebag "$T/t"
tamper "swapped checkpoint" 'PROOF +data/proofs.jsonl:[0-9]+: does not prove data/leaves.jsonl'
expect_grep "swapped checkpoint: bag-info disagrees" 'BAG +bag-info.txt:[0-9]+: Trailscope-Checkpoint-Size' "$T/out"
fresh "$T/good" "$T/t"; rm "$T/t/data/leaves.jsonl"
tamper "removed file" 'BAG +manifest-sha256.txt:[0-9]+: data/leaves.jsonl: no such file'
expect_grep "removed file: named missing" 'MISSING +data/leaves.jsonl: cannot read' "$T/out"
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
fresh "$T/good" "$T/t"; sed -i 's#  data/leaves.jsonl$#  data/../data/leaves.jsonl#' "$T/t/manifest-sha256.txt"
tamper "path with .." "BAG +manifest-sha256.txt:[0-9]+: unsafe path 'data/../data/leaves.jsonl'"
fresh "$T/good" "$T/t"; printf '%s  /etc/passwd\n' "$(sha256sum /etc/passwd | cut -d' ' -f1)" >> "$T/t/tagmanifest-sha256.txt"
tamper "absolute path" "BAG +tagmanifest-sha256.txt:[0-9]+: unsafe path '/etc/passwd': absolute path"
fresh "$T/good" "$T/t"; rm "$T/t/data/notes.md"; ln -s /etc/passwd "$T/t/data/notes.md"
tamper "symlink in the payload" 'BAG +data/notes.md: symbolic link in the payload'
fresh "$T/good" "$T/t"; sed -i '2s/"environment":"[a-z]*"/"environment":"x"/' "$T/t/data/events.jsonl"; rebag "$T/t"
tamper "edited record" 'RECORD +data/events.jsonl:2: member "environment" differs from data/leaves.jsonl:2'
fresh "$T/good" "$T/t"; sed -i '3s/,evt-/,evT-/' "$T/t/data/events.csv"; rebag "$T/t"
tamper "edited CSV row" 'RECORD +data/events.csv:3: differs from the rendering'
expect_status "custody refuses a damaged bundle" 1 ts bundle custody "$T/t" --action note --actor X --key "$K"
expect_grep "custody says why" 'custody record is damaged .custody.jsonl:1: manifest_sha256' "$T/err"

# bag-info.txt: custody entry 1 signs every element; each edit (tag manifests
# recomputed) is a fault at its line; an element added later is only a note
expect_grep "custody entry 1 signs bag-info" '"bag_info":\[\["Bagging-Date",' "$T/good/custody.jsonl"
expect_grep "custody entry 1 records the store verdict" '"store":\{[^}]*"verdict":"' "$T/good/custody.jsonl"
n=0
while IFS= read -r l; do
	n=$((n + 1)); label=${l%%:*}
	fresh "$T/good" "$T/t"; sed -i "${n}s/\$/X/" "$T/t/bag-info.txt"; rebag "$T/t"
	expect_status "bag-info $label edited: FAILED" 1 ts bundle verify "$T/t" --trust "$P" --trust "$RP"
	expect_grep "bag-info $label edited: located" "BAG +bag-info.txt:$n: $label " "$T/out"
done < "$T/good/bag-info.txt"
[ "$n" -ge 13 ] && pass "every bag-info element was edited ($n)" || fail "every bag-info element was edited ($n)"
fresh "$T/good" "$T/t"; sed -i 's/^Trailscope-Selection: .*/Trailscope-Selection: events 1-40/' "$T/t/bag-info.txt"; rebag "$T/t"
tamper "widened selection" 'bag-info.txt:[0-9]+: Trailscope-Selection is .events 1-40., but custody.jsonl:1 signed Trailscope-Selection: events 5,7-9,20'
fresh "$T/good" "$T/t"; sed -i '/^Trailscope-Store-Verdict:/d' "$T/t/bag-info.txt"; rebag "$T/t"
tamper "removed bag-info element" 'BAG +bag-info.txt: Trailscope-Store-Verdict, signed in custody.jsonl:1, is missing'
fresh "$T/good" "$T/t"; printf 'Source-Organization: Example Corp\nInternal-Sender-Description: for the regulator\n' >> "$T/t/bag-info.txt"; rebag "$T/t"
expect_status "unsigned bag-info elements: still VERIFIED" 0 ts bundle verify "$T/t" --trust "$P" --trust "$RP"
expect_grep "unsigned element reported with its line" '^note: +bag-info.txt:15: Source-Organization is unsigned' "$T/out"
expect_grep "second unsigned element reported" 'bag-info.txt:16: Internal-Sender-Description is unsigned' "$T/out"
ts bundle verify "$T/t" --trust "$P" --trust "$RP" --format json > "$T/v.json"
expect_eq "unsigned notes in json" "$(jq -c '[.verdict, (.notes|length), .store.verdict]' "$T/v.json")" '["VERIFIED",2,"VERIFIED"]'
OLD=testdata/bundle/v0.1-no-bag-info
expect_status "a bundle from before the commitment still verifies" 0 ts bundle verify "$OLD" --trust "$OLD.pub"
expect_grep "older bundle: bag-info not covered" 'note: +bag-info.txt is not covered by the custody record' "$T/out"
expect_grep "older bundle: no store verdict" 'does not say whether the store verified' "$T/out"
expect_grep "older bundle: selection is unsigned" 'Trailscope-Selection is unsigned' "$T/out"
fresh "$OLD" "$T/t"; sed -i 's/^Trailscope-Event-Count: .*/Trailscope-Event-Count: 99/; s/^External-Identifier: .*/External-Identifier: OTHER/' "$T/t/bag-info.txt"; rebag "$T/t"
expect_status "older bundle: data-checked elements still caught" 1 ts bundle verify "$T/t" --trust "$OLD.pub"
expect_grep "older bundle: event count vs leaves" "bag-info.txt:[0-9]+: Trailscope-Event-Count '99' is not the number of leaves" "$T/out"
expect_grep "older bundle: case id vs custody" "bag-info.txt:[0-9]+: External-Identifier 'OTHER' is not the custody record's case id" "$T/out"

# hostile text: C1 controls and U+2028/U+2029 never reach a tag file raw
C1=$(printf '\302\205') LS=$(printf '\342\200\250') PS=$(printf '\342\200\251') ESC=$(printf '\033')
expect_status "export with hostile case id, examiner, query" 0 ts export "$S" --out "$T/h" \
	--query "id:evt-00000005 OR actor:\"x${C1}y${LS}z\"" --case "CASE${C1}1${LS}2" --examiner "Eve${PS}${ESC}[2J" \
	--note "n${C1}" --key "$K" --trust "$P"
if LC_ALL=C grep -qP '\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]|[\x00-\x09\x0b-\x1f\x7f]' "$T/h"/*.txt "$T/h/custody.jsonl"; then
	fail "no raw C1, line separator or control in the tag files" "$(LC_ALL=C grep -naP '\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]|[\x00-\x09\x0b-\x1f\x7f]' "$T/h"/*.txt "$T/h/custody.jsonl" | head -3)"
else pass "no raw C1, line separator or control in the tag files"; fi
expect_grep "C1 escaped in bag-info" '^External-Identifier: CASE\\x851\\u20282$' "$T/h/bag-info.txt"
expect_grep "U+2029 and ESC escaped in bag-info" '^Contact-Name: Eve\\u2029\\x1b\[2J$' "$T/h/bag-info.txt"
expect_grep "query text escaped in bag-info" '^Trailscope-Selection: query .*x\\x85y\\u2028z' "$T/h/bag-info.txt"
expect_grep "custody actor escaped" '"actor":"Eve\\\\u2029\\\\x1b\[2J"' "$T/h/custody.jsonl"
expect_status "the hostile bundle verifies" 0 ts bundle verify "$T/h" --trust "$P"

# the BagIt conformance bags
expect_status "conformance: valid/basicBag has no BAG fault" 1 ts bundle verify "$CONF/valid/basicBag"
expect_nogrep "conformance: valid/basicBag" '^  BAG ' "$T/out"
for bag in "$CONF"/invalid/*; do
	ts bundle verify "$bag" > "$T/out" 2>&1
	expect_grep "conformance: invalid/$(basename "$bag") rejected" '^  BAG ' "$T/out"
done
