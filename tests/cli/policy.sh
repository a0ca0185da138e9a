# policy.sh - policies (docs/POLICY.md): policy files and their errors,
# attest (counts equal the query counts; the DSSE signature checked
# independently with openssl), attest verify (a tampered attestation, a
# store with an event removed, a bundle), export --attest, and watch
# (exactly one alert per violating event appended, restarts with
# --since-seq).
. tests/lib.sh
P=$(pwd)/testdata/policies
NOW=2026-12-31T00:00:00Z

ts gen --events 1500 --seed 5 > "$T/ev.jsonl" 2>/dev/null
(cd "$T" && ts keygen example.org/audit --out keys >/dev/null && ts keygen auditor.example/attest --out keys >/dev/null)
LOGKEY=$T/keys/example.org_audit.key LOGPUB=$T/keys/example.org_audit.pub
AKEY=$T/keys/auditor.example_attest.key APUB=$T/keys/auditor.example_attest.pub
ts import "$T/s.db" "$T/ev.jsonl" --sign "$LOGKEY" >/dev/null 2>&1

# --- policy files -------------------------------------------------------
for f in "$P"/*.json; do
	expect_status "policy: $(basename "$f") loads and attests" 0 ts attest "$T/s.db" --policy "$f" \
		--since 2026-01-01 --until 2027-01-01 --key "$AKEY" --out "$T/a.json" --trust "$LOGPUB" --now "$NOW"
done
bad() { # bad NAME WANT-REGEX JSON
	printf '%s' "$3" > "$T/bad.json"
	expect_status "policy error: $1: exit 4" 4 ts attest "$T/s.db" --policy "$T/bad.json" --since 2026-01-01 \
		--until 2027-01-01 --key "$AKEY" --out "$T/x.json" --trust "$LOGPUB"
	expect_grep "policy error: $1: located" "$2" "$T/err"
}
bad "syntax" 'bad\.json:3:1: ' '{"rules": [
  {"id": "a", "query": "x", "severity": "low", "description": "d"}
'
bad "query at its character" 'bad\.json:2:48: rule .a.: query: .*expected .\). to close' '{"rules": [
  {"id": "a", "query": "env:production (actor:x", "severity": "low", "description": "d"}]}'
bad "query after an escape" 'bad\.json:1:54: rule .b.: query: unknown risk' \
	'{"rules": [{"id": "b", "query": "target:\"a b\" risk:spicy", "severity": "low", "description": "d"}]}'
bad "unknown severity" 'bad\.json:1:74: unknown severity .urgent.' \
	'{"rules": [{"id": "c", "query": "env:x", "description": "d", "severity": "urgent"}]}'
bad "duplicate id" 'bad\.json:3:9: duplicate rule id .a. \(also rule 1\)' '{"rules": [
 {"id": "a", "query": "env:x", "severity": "low", "description": "d"},
 {"id": "a", "query": "env:y", "severity": "low", "description": "d"}]}'
bad "typo in a member" 'bad\.json:1:72: unknown member "qeury"' \
	'{"rules": [{"id": "d", "severity": "low", "description": "d", "qeury": "env:x"}]}'
bad "missing member" 'bad\.json:1:12: rule 1 has no "query"' '{"rules": [{"id": "d", "severity": "low", "description": "d"}]}'
bad "bad id" 'bad\.json:1:19: bad rule id' '{"rules": [{"id": "a b", "query": "env:x", "severity": "low", "description": "d"}]}'
bad "no rules" 'bad\.json:1:11: "rules" must be a non-empty array' '{"rules": []}'
bad "rule: inside a rule" 'bad\.json:1:34: rule .e.: query: rule: cannot be used inside' '{"rules": [{"id": "e", "query": "rule:e", "severity": "low", "description": "d"}]}'

# --- attest: counts equal the query counts -------------------------------
SINCE=2026-03-02T00:00:00Z UNTIL=2026-03-05T12:00:00Z
expect_status "attest: writes the attestation" 0 ts attest "$T/s.db" --policy "$P/change-control.json" \
	--since "$SINCE" --until "$UNTIL" --key "$AKEY" --out "$T/att.json" --trust "$LOGPUB" --format json --now "$NOW"
cp "$T/out" "$T/statement.json"
total=0
for id in $(jq -r '.rules[].id' "$P/change-control.json"); do
	q=$(jq -r --arg id "$id" '.rules[] | select(.id == $id) | .query' "$P/change-control.json")
	want=$(ts query "$T/s.db" --count --now "$NOW" -- "($q) since:$SINCE until:$UNTIL")
	got=$(jq --arg id "$id" '.predicate.rules[] | select(.id == $id) | .violation_count' "$T/statement.json")
	listed=$(jq --arg id "$id" '.predicate.rules[] | select(.id == $id) | .violations | length' "$T/statement.json")
	expect_eq "attest: rule $id counts what the query counts" "$got/$listed" "$want/$want"
	total=$((total + want))
	# the listed seqs are the query's
	ts query "$T/s.db" --format jsonl --now "$NOW" -- "($q) since:$SINCE until:$UNTIL" | jq .seq | sort -n > "$T/q.seqs"
	jq --arg id "$id" '.predicate.rules[] | select(.id == $id) | .violations[].seq' "$T/statement.json" | sort -n > "$T/a.seqs"
	if cmp -s "$T/q.seqs" "$T/a.seqs"; then pass "attest: rule $id lists the query's events"
	else fail "attest: rule $id lists the query's events" "$(diff "$T/q.seqs" "$T/a.seqs" | head -5)"; fi
done
for id in $(jq -r '.rules[].id' "$P/change-control.json"); do
	expect_eq "query --policy: rule:$id counts what the attestation lists" \
		"$(ts query "$T/s.db" --policy "$P/change-control.json" --now "$NOW" --count "rule:$id since:$SINCE until:$UNTIL")" \
		"$(jq --arg id "$id" '.predicate.rules[] | select(.id == $id) | .violation_count' "$T/statement.json")"
done
[ "$total" -gt 0 ] && pass "attest: the period has violations" || fail "attest: the period has no violations"
expect_eq "attest: total" "$(jq .predicate.violation_count "$T/statement.json")" "$total"
expect_eq "attest: in-toto Statement v1" "$(jq -r ._type "$T/statement.json")" "https://in-toto.io/Statement/v1"
expect_eq "attest: predicate type" "$(jq -r .predicateType "$T/statement.json")" \
	"https://trailscope.dev/attestation/policy/v1"
root=$(jq -r .predicate.log.checkpoint "$T/statement.json" | sed -n 3p | base64 -d | od -An -tx1 | tr -d ' \n')
expect_eq "attest: subject is the checkpoint (origin, root, size)" \
	"$(jq -r '.subject[0] | "\(.name) \(.digest.sha256) \(.annotations.tree_size)"' "$T/statement.json")" \
	"example.org/audit $root 1500"
expect_eq "attest: violations carry seq, id, leaf hash, time, actor, summary" \
	"$(jq -r '[.predicate.rules[].violations[0] | select(.) | has("seq","event_id","leaf_hash","ts","actor","summary")] | all' "$T/statement.json")" true

# --- the DSSE signature, checked without trailscope ----------------------
jq -r .payload "$T/att.json" | base64 -d > "$T/payload"
jq -r '.signatures[0].sig' "$T/att.json" | base64 -d > "$T/sig"
type=$(jq -r .payloadType "$T/att.json")
expect_eq "dsse: payloadType" "$type" "application/vnd.in-toto+json"
{ printf 'DSSEv1 %d %s %d ' "${#type}" "$type" "$(wc -c < "$T/payload")"; cat "$T/payload"; } > "$T/pae"
# the verifier key NAME+KEYID+BASE64(0x01 || 32-byte key): the base64 after the second '+'
{ printf '302a300506032b6570032100'; cut -d+ -f3- "$APUB" | base64 -d | tail -c 32 | od -An -tx1 | tr -d ' \n'; } |
	xxd -r -p > "$T/pub.der"
if openssl pkeyutl -verify -pubin -inkey "$T/pub.der" -keyform DER -rawin -in "$T/pae" -sigfile "$T/sig" >/dev/null 2>&1
then pass "dsse: openssl verifies the signature over the PAE"; else fail "dsse: openssl verifies the signature over the PAE"; fi
printf 'x' >> "$T/pae"
if openssl pkeyutl -verify -pubin -inkey "$T/pub.der" -keyform DER -rawin -in "$T/pae" -sigfile "$T/sig" >/dev/null 2>&1
then fail "dsse: openssl refuses another message"; else pass "dsse: openssl refuses another message"; fi

# --- attest verify -----------------------------------------------------
expect_status "verify: against the store" 0 ts attest verify "$T/att.json" --trust "$APUB" --trust "$LOGPUB" --store "$T/s.db"
expect_grep "verify: inclusion and completeness" 'every listed event is in the log; the violation lists are complete' "$T/out"
expect_status "verify: without a trusted attester key" 2 ts attest verify "$T/att.json" --trust "$LOGPUB"
# a tampered statement: one violation dropped, signature kept
jq -c '.predicate.rules[0].violations |= .[1:] | .predicate.rules[0].violation_count -= 1' "$T/statement.json" > "$T/forged"
jq -c --arg p "$(base64 -w0 < "$T/forged")" '.payload = $p' "$T/att.json" > "$T/tampered.json"
expect_status "verify: a tampered attestation FAILED" 1 ts attest verify "$T/tampered.json" --trust "$APUB" --store "$T/s.db"
expect_grep "verify: says the signature does not verify" 'does not verify: the attestation was altered' "$T/out"
# a store with an event removed
cp "$T/s.db" "$T/cut.db"
seq1=$(jq '[.predicate.rules[].violations[].seq] | min' "$T/statement.json")
sqlite3 "$T/cut.db" "DROP TRIGGER IF EXISTS entries_no_delete; DELETE FROM entries WHERE seq = $seq1" 2>/dev/null ||
	fail "cannot remove an event from the copy"
expect_status "verify: a store with an event removed FAILED" 1 ts attest verify "$T/att.json" --trust "$APUB" \
	--trust "$LOGPUB" --store "$T/cut.db"
expect_grep "verify: says the log is not the attested one" 'not the attested one|events were removed|is not in the store' "$T/out"
# a statement missing one violation, validly signed by the attester's key
# (with openssl, from the key file's seed): caught as incomplete
{ printf '302e020100300506032b657004220420'; cut -d+ -f5- "$AKEY" | base64 -d | tail -c 32 | od -An -tx1 |
	tr -d ' \n'; } | xxd -r -p > "$T/priv.der"
{ printf 'DSSEv1 %d %s %d ' "${#type}" "$type" "$(wc -c < "$T/forged")"; cat "$T/forged"; } > "$T/pae2"
openssl pkeyutl -sign -inkey "$T/priv.der" -keyform DER -rawin -in "$T/pae2" -out "$T/sig2" 2>/dev/null ||
	fail "openssl cannot sign"
jq -c --arg p "$(base64 -w0 < "$T/forged")" --arg s "$(base64 -w0 < "$T/sig2")" \
	'.payload = $p | .signatures[0].sig = $s' "$T/att.json" > "$T/incomplete.json"
expect_status "verify: a re-signed list missing a violation: signature good" 1 ts attest verify "$T/incomplete.json" \
	--trust "$APUB" --trust "$LOGPUB" --store "$T/s.db"
expect_grep "verify: the missing violation is named" "rule '$(jq -r '.predicate.rules[0].id' "$T/forged")': seq [0-9]+ violates it in the period but is not listed" "$T/out"
expect_nogrep "verify: the re-signed statement's signature verifies" 'altered after it was signed' "$T/out"
expect_status "verify: not an envelope: exit 4" 4 ts attest verify "$T/ev.jsonl" --trust "$APUB"

# --- attest: each refusal has its exit status (README) ----------------------
A="ts attest $T/s.db --policy $P/change-control.json --key $AKEY --out $T/never.json"
expect_status "attest: an empty period is a usage error (3)" 3 $A --since "$UNTIL" --until "$SINCE" --trust "$LOGPUB"
expect_grep "attest: says the period is empty" '^trailscope: error: the period is empty' "$T/err"
expect_status "attest: no trusted log key: UNVERIFIABLE (2)" 2 $A --since "$SINCE" --until "$UNTIL"
expect_grep "attest: says nothing trusted signed a checkpoint" 'no checkpoint of the store is signed by a trusted key' "$T/err"
expect_status "attest: an unreadable policy is an I/O error (5)" 5 ts attest "$T/s.db" --policy "$T/none.json" \
	--since "$SINCE" --until "$UNTIL" --key "$AKEY" --out "$T/never.json" --trust "$LOGPUB"
expect_status "attest: a public key as --key is bad input (4)" 4 ts attest "$T/s.db" --policy "$P/change-control.json" \
	--key "$APUB" --out "$T/never.json" --since "$SINCE" --until "$UNTIL" --trust "$LOGPUB"
cp "$T/s.db" "$T/failed.db"
sqlite3 "$T/failed.db" "DROP TRIGGER entries_no_update; UPDATE entries SET actor = 'mallory' WHERE seq = 3"
expect_status "attest: a store that FAILED verification is refused (1)" 1 ts attest "$T/failed.db" \
	--policy "$P/change-control.json" --key "$AKEY" --out "$T/never.json" --since "$SINCE" --until "$UNTIL" --trust "$LOGPUB"
expect_grep "attest: says the store FAILED" 'the store FAILED verification' "$T/err"
if [ ! -e "$T/never.json" ]; then pass "attest: no refusal wrote an attestation"
else fail "attest: a refusal wrote $T/never.json"; fi

# --- export --attest and bundle verify ------------------------------------
expect_status "export --attest: a bad policy is bad input (4)" 4 ts export "$T/s.db" --out "$T/bx" \
	--query 'target:payments-new-flow' --case C-1 --examiner Auditor --key "$AKEY" --trust "$LOGPUB" \
	--attest "$T/bad.json" --attest-since "$SINCE" --attest-until "$UNTIL"
expect_grep "export --attest: the bad policy located" 'bad\.json:[0-9]+:[0-9]+: ' "$T/err"
expect_status "export --attest: an unreadable policy is an I/O error (5)" 5 ts export "$T/s.db" --out "$T/bx" \
	--query 'target:payments-new-flow' --case C-1 --examiner Auditor --key "$AKEY" --trust "$LOGPUB" \
	--attest "$T/none.json" --attest-since "$SINCE" --attest-until "$UNTIL"
expect_status "export --attest" 0 ts export "$T/s.db" --out "$T/b" --query 'target:payments-new-flow' --case C-1 \
	--examiner Auditor --key "$AKEY" --trust "$LOGPUB" --attest "$P/payments-allowlist.json" \
	--attest-since "$SINCE" --attest-until "$UNTIL"
expect_grep "export --attest: reports the attestation" 'attested the policy' "$T/out"
expect_grep "export --attest: listed in the manifest" 'data/attestation\.dsse\.json' "$T/b/manifest-sha256.txt"
expect_grep "export --attest: the Markdown report too" 'data/attestation\.md' "$T/b/manifest-sha256.txt"
expect_status "bundle verify: with the attestation" 0 ts bundle verify "$T/b" --trust "$LOGPUB" --trust "$APUB"
expect_grep "bundle verify: names the attestation" '^attestation: payments-allowlist: ' "$T/out"
expect_status "attest verify --bundle" 0 ts attest verify "$T/b/data/attestation.dsse.json" --bundle "$T/b" \
	--trust "$LOGPUB" --trust "$APUB"
expect_grep "attest verify --bundle: completeness not claimed" 'completeness was not checked' "$T/out"
# an attestation replaced inside the bundle (manifests rewritten): its signature fails
cp -r "$T/b" "$T/b2"
cp "$T/tampered.json" "$T/b2/data/attestation.dsse.json"
(cd "$T/b2" && sha256sum data/attestation.dsse.json > /dev/null &&
	sed -i "s|^[0-9a-f]*  data/attestation.dsse.json|$(sha256sum data/attestation.dsse.json | cut -d' ' -f1)  data/attestation.dsse.json|" manifest-sha256.txt)
expect_status "bundle verify: a replaced attestation FAILED" 1 ts bundle verify "$T/b2" --trust "$LOGPUB" --trust "$APUB"
expect_grep "bundle verify: an ATTESTATION fault" 'ATTESTATION|BAG' "$T/out"

# --- watch ---------------------------------------------------------------
head -n 1000 "$T/ev.jsonl" > "$T/w1.jsonl"
sed -n '1001,1250p' "$T/ev.jsonl" > "$T/w2.jsonl"
sed -n '1251,1500p' "$T/ev.jsonl" > "$T/w3.jsonl"
ts import "$T/w.db" "$T/w1.jsonl" >/dev/null 2>&1
"$TRAILSCOPE" watch "$T/w.db" --policy "$P/change-control.json" --interval 100 > "$T/alerts1" 2> "$T/watch1.err" &
wpid=$!
# wait_lines FILE N: up to 60 s for FILE to have N lines for watch to get there (a
# loaded machine is slow; the test waits for the output, not for a time)
wait_lines() {
	i=0
	while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
}
i=0
while ! grep -qs following "$T/watch1.err" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
ts import "$T/w.db" "$T/w2.jsonl" >/dev/null 2>&1
want=$(for id in $(jq -r '.rules[].id' "$P/change-control.json"); do
	q=$(jq -r --arg id "$id" '.rules[] | select(.id == $id) | .query' "$P/change-control.json")
	ts query "$T/w.db" --format jsonl -- "$q" | jq -r --arg id "$id" 'select(.seq > 1000) | "\(.seq) \($id)"'
done | sort)
wait_lines "$T/alerts1" "$(printf '%s\n' "$want" | grep -c .)"
sleep 0.5 # time for an alert too many to show up
kill -TERM "$wpid"
wait "$wpid"; wrc=$?
expect_eq "watch: exits 0 on SIGTERM" "$wrc" 0
expect_grep "watch: says where to resume" 'resume with --since-seq 1250' "$T/watch1.err"
got=$(jq -r '"\(.seq) \(.rule)"' "$T/alerts1" | sort)
[ -n "$want" ] && pass "watch: the appended events have violations" || fail "watch: no violations appended"
expect_eq "watch: exactly one alert per violating event appended" "$got" "$want"
expect_eq "watch: alerts come in seq order" "$(jq .seq "$T/alerts1" | sort -n -s | tr '\n' ' ')" "$(jq .seq "$T/alerts1" | tr '\n' ' ')"
expect_eq "watch: alert lines carry rule, severity, event and message" \
	"$(head -1 "$T/alerts1" | jq -r '[has("rule","severity","seq","event_id","ts","actor","target","summary","message")] | all')" true
# a restart after the last alert forwarded: nothing missed, nothing repeated
last=$(tail -1 "$T/alerts1" | jq .seq)
ts import "$T/w.db" "$T/w3.jsonl" >/dev/null 2>&1
"$TRAILSCOPE" watch "$T/w.db" --policy "$P/change-control.json" --interval 100 --since-seq "$last" > "$T/alerts2" 2>/dev/null &
wpid=$!
want=$(for id in $(jq -r '.rules[].id' "$P/change-control.json"); do
	q=$(jq -r --arg id "$id" '.rules[] | select(.id == $id) | .query' "$P/change-control.json")
	ts query "$T/w.db" --format jsonl -- "$q" | jq -r --arg id "$id" --argjson l "$last" 'select(.seq > $l) | "\(.seq) \($id)"'
done | sort)
wait_lines "$T/alerts2" "$(printf '%s\n' "$want" | grep -c .)"
sleep 0.5
kill -INT "$wpid"
wait "$wpid"; wrc=$?
expect_eq "watch: exits 0 on SIGINT" "$wrc" 0
got=$(cat "$T/alerts1" "$T/alerts2" | jq -r 'select(.seq > '"$last"') | "\(.seq) \(.rule)"' | sort)
expect_eq "watch: --since-seq resumes without gaps or repeats" "$got" "$want"
dups=$(cat "$T/alerts1" "$T/alerts2" | jq -r '"\(.seq) \(.rule)"' | sort | uniq -d | wc -l)
expect_eq "watch: no alert twice across the restart" "$dups" 0
ts watch "$T/w.db" --policy "$P/change-control.json" --since-seq 99999 > /dev/null 2> "$T/err"; rc=$?
expect_eq "watch: --since-seq beyond the store: exit 4" "$rc" 4
printf '{"rules": [{"id": "x", "query": "env:(", "severity": "low", "description": "d"}]}' > "$T/bad.json"
ts watch "$T/w.db" --policy "$T/bad.json" > /dev/null 2> "$T/err"; rc=$?
expect_eq "watch: a bad policy: exit 4" "$rc" 4
expect_grep "watch: a bad policy says where" 'bad\.json:1:[0-9]+: rule .x.: query' "$T/err"
"$TRAILSCOPE" watch "$T/w.db" --policy "$P/change-control.json" --format text --since-seq 1400 > "$T/text" 2>/dev/null &
wpid=$!
wait_lines "$T/text" 1
kill -TERM "$wpid"; wait "$wpid"
expect_grep "watch --format text: one line per alert" '^2026-[0-9T:.-]+Z seq 1[45][0-9][0-9] \[(high|critical|medium)\] ' "$T/text"
