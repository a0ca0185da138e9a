# anchors.sh - anchors beyond the log's key (issue 15): RFC 3161
# time-stamps (our own CA and TSA made with openssl, answered with
# `openssl ts -reply` offline and behind tests/tools/tsa_responder on
# 127.0.0.1; never a public TSA) and C2SP cosignature/v1 witness
# cosignatures, checked against an independently built signed message
# with `openssl pkeyutl -verify -rawin`; verify, bundles, schema upgrade.
. tests/lib.sh
: "${TOOLS_DIR:=$(pwd)/build/tools}"
S=$T/s.db C=$T/ca
mkdir -p "$C"
q() { sqlite3 "$1" "$2"; }

# ---- a CA, a TSA certificate with a critical timeStamping EKU, one
# without the EKU, and another CA ----
mkca() { tsa_mkca "$C" "$1"; }
mkleaf() { tsa_mkleaf "$C" "$@"; }
tsa_setup "$C" "Test Root"; mkca "Other Root"
mkleaf noeku "Test Root" 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n'
CA="$C/Test Root.pem" CA2="$C/Other Root.pem"
reply() { tsa_reply "$C" "$@"; }
expect_eq "the test TSA certificate has the EKU" "$(openssl x509 -in "$C/tsa.pem" -noout -ext extendedKeyUsage | tail -1 | tr -d ' ')" "TimeStamping"

# ---- keys and a signed store ----
ts keygen example.org/audit --out "$T/k" >/dev/null
ts keygen other.example/log --out "$T/k" >/dev/null
K=$T/k/example.org_audit.key P=$T/k/example.org_audit.pub OP=$T/k/other.example_log.pub
expect_status "keygen --witness" 0 ts keygen witness.example/w1 --out "$T/k" --witness
expect_grep "keygen --witness names the witness key" '^witness key:  .*witness.example_w1.key' "$T/out"
ts keygen witness.example/w2 --out "$T/k" --witness >/dev/null
W1=$T/k/witness.example_w1.key W1P=$T/k/witness.example_w1.pub W2=$T/k/witness.example_w2.key
W2P=$T/k/witness.example_w2.pub
# the verifier key: NAME+KEYID+BASE64(0x04 || key), KEYID = SHA-256(NAME "\n" 0x04 key)[:4]
keydata=$(cut -d+ -f3- "$W1P")
echo "$keydata" | base64 -d > "$T/w1.raw"
expect_eq "the witness key's type byte is 0x04" "$(head -c1 "$T/w1.raw" | xxd -p)" "04"
{ printf 'witness.example/w1\n'; cat "$T/w1.raw"; } | openssl dgst -sha256 -binary | head -c4 | xxd -p > "$T/kid"
expect_eq "the witness key id is SHA-256(name, 0x0a, 0x04, key)[:4]" "$(cut -d+ -f2 "$W1P")" "$(cat "$T/kid")"
expect_grep "the witness signer key is PRIVATE+KEY+NAME+KEYID+..." \
	"^PRIVATE\\+KEY\\+witness.example/w1\\+$(cat "$T/kid")\\+" "$W1"
expect_eq "... BASE64(0x04 || seed)" "$(cut -d+ -f5- "$W1" | base64 -d | head -c1 | xxd -p)" "04"
expect_status "a witness key is not a log key (verify --trust)" 4 ts verify --no-remember "$S" --trust "$W1P"
expect_grep "which says so" "witness \\(cosigner, signature type 0x04\\) key, not a log" "$T/err"
expect_status "a log key is not a witness key (--witness)" 4 ts verify --no-remember "$S" --witness "$P"
expect_status "a witness key cannot sign checkpoints" 4 ts checkpoint "$S" --key "$W1"

ts gen --events 20 --seed 11 > "$T/ev.jsonl"
ts gen --events 20 --seed 12 | jq -c '.event_id = "b-" + .event_id' > "$T/ev2.jsonl"
ts import "$S" "$T/ev.jsonl" --quiet
ts checkpoint "$S" --key "$K" >/dev/null
ts verify --no-remember "$S" --trust "$P" >/dev/null 2>&1 # pins the log key
expect_eq "a new store is schema version 6" "$(q "$S" 'PRAGMA user_version')" 6
q "$S" "SELECT writefile('$T/note20', CAST(note AS BLOB)) FROM checkpoints WHERE size = 20" >/dev/null

# ---- RFC 3161, air-gapped: request out, response in ----
expect_status "timestamp --request-out" 0 ts timestamp "$S" --request-out "$T/r20.tsq"
openssl ts -query -in "$T/r20.tsq" -text > "$T/r20.txt" 2>/dev/null
expect_grep "the request is over SHA-256" "Hash Algorithm: sha256" "$T/r20.txt"
expect_grep "the request asks for the TSA's certificate" "Certificate required: yes" "$T/r20.txt"
expect_grep "the request has a nonce" "Nonce: 0x" "$T/r20.txt"
expect_eq "the request's imprint is SHA-256 of the stored note, byte for byte" \
	"$(openssl asn1parse -inform DER -in "$T/r20.tsq" | grep 'OCTET STRING' | head -1 | sed 's/.*\[HEX DUMP\]://' | tr 'A-F' 'a-f')" \
	"$(openssl dgst -sha256 -r < "$T/note20" | cut -c1-64)"
reply "$T/r20.tsq" "$T/r20.tsr"
expect_status "timestamp --response (good token)" 0 ts timestamp "$S" --response "$T/r20.tsr"
expect_grep "it says the time and the TSA" "^time-stamped checkpoint 20 at 20[0-9-]+T[0-9:]+Z by CN=tsa" "$T/out"
expect_eq "one token stored" "$(q "$S" 'SELECT count(*) FROM checkpoint_timestamps')" 1
expect_status "attaching it again adds nothing" 0 ts timestamp "$S" --response "$T/r20.tsr"
expect_eq "still one token" "$(q "$S" 'SELECT count(*) FROM checkpoint_timestamps')" 1
# openssl agrees that the token covers exactly the stored note
openssl ts -verify -in "$T/r20.tsr" -data "$T/note20" -CAfile "$CA" > "$T/ossl" 2>&1
expect_grep "openssl ts -verify agrees with the imprint" "Verification: OK" "$T/ossl"

expect_status "verify --tsa-ca: VERIFIED" 0 ts verify --no-remember "$S" --trust "$P" --tsa-ca "$CA" --format json
expect_eq "JSON timestamps" "$(jq -c '[.timestamps[] | {size, tsa, status}]' "$T/out")" \
	'[{"size":20,"tsa":"CN=tsa","status":"VERIFIED"}]'
expect_eq "JSON timestamp time" "$(jq -r '.timestamps[0].time' "$T/out" | grep -c '^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]*Z$')" 1
ts verify --no-remember "$S" --trust "$P" --tsa-ca "$CA" > "$T/txt"
expect_grep "text: the time under its checkpoint" "^    time-stamped 20.*Z by CN=tsa: VERIFIED" "$T/txt"
expect_status "verify without --tsa-ca" 0 ts verify --no-remember "$S" --trust "$P" --format json
expect_eq "lists the token NOT_CHECKED" "$(jq -r '.timestamps[0].status' "$T/out")" NOT_CHECKED
expect_grep "and says so" "time-stamp token was not checked: pass --tsa-ca" "$T/out"
expect_status "verify --tsa-ca with another CA: FAILED" 1 ts verify --no-remember "$S" --trust "$P" --tsa-ca "$CA2" --format json
expect_eq "wrong CA: BAD_TIMESTAMP at checkpoint 20" "$(jq -c '[.faults[] | {kind, size}]' "$T/out")" \
	'[{"kind":"BAD_TIMESTAMP","size":20}]'
expect_grep "wrong CA: the reason" "does not verify against the given TSA CA" "$T/out"
expect_status "a --tsa-ca file that holds no certificate" 4 ts verify --no-remember "$S" --tsa-ca "$T/ev.jsonl"

# a token over other data, and one answering another request: refused, nothing stored
printf 'other data\n' > "$T/other"
openssl ts -query -data "$T/other" -sha256 -cert -out "$T/other.tsq" 2>/dev/null
reply "$T/other.tsq" "$T/other.tsr"
expect_status "a token over other data is refused" 4 ts timestamp "$S" --response "$T/other.tsr"
expect_grep "saying it time-stamps other data" "time-stamps other data" "$T/err"
openssl ts -query -data "$T/note20" -sha256 -cert -out "$T/n2.tsq" 2>/dev/null
reply "$T/n2.tsq" "$T/n2.tsr"
expect_status "a token for another request (nonce) is refused" 4 ts timestamp "$S" --response "$T/n2.tsr"
expect_grep "saying it answers another request" "answers another request: its nonce" "$T/err"
openssl ts -query -data "$T/note20" -sha256 -cert -no_nonce -out "$T/nn.tsq" 2>/dev/null
reply "$T/nn.tsq" "$T/nn.tsr"
expect_status "a token without a nonce is refused" 4 ts timestamp "$S" --response "$T/nn.tsr"
printf 'garbage' > "$T/garbage.tsr"
expect_status "a file that is no response is refused" 4 ts timestamp "$S" --response "$T/garbage.tsr"
expect_eq "nothing was stored by the refusals" "$(q "$S" 'SELECT count(*) FROM checkpoint_timestamps')" 1
expect_status "two modes at once: usage" 3 ts timestamp "$S" --response "$T/r20.tsr" --request-out "$T/x.tsq"
expect_status "no such checkpoint size" 4 ts timestamp "$S" --size 7 --request-out "$T/x.tsq"
ts init "$T/empty-ts.db" >/dev/null
expect_status "a store with no checkpoint to time-stamp" 4 ts timestamp "$T/empty-ts.db" --request-out "$T/x.tsq"
expect_grep "saying so" "has no checkpoint to time-stamp" "$T/err"
expect_status "an unreadable --response file: I/O error" 5 ts timestamp "$S" --response "$T/no-such.tsr"

# a token signed by a certificate without the timeStamping EKU (made
# with openssl cms over the good token's TSTInfo, since openssl ts
# refuses such a signer), slipped into a copy of the store
openssl ts -reply -in "$T/r20.tsr" -token_out -out "$T/good.tst" 2>/dev/null
openssl cms -verify -noverify -inform DER -in "$T/good.tst" -out "$T/tstinfo.der" 2>/dev/null
openssl cms -sign -binary -nodetach -cades -md sha256 -econtent_type 1.2.840.113549.1.9.16.1.4 \
	-signer "$C/noeku.pem" -inkey "$C/noeku.key" -in "$T/tstinfo.der" -outform DER -out "$T/noeku.tst" 2>/dev/null
cp "$S" "$T/noeku.db"
q "$T/noeku.db" "INSERT INTO checkpoint_timestamps(size, token, nonce, tsa, added_at) SELECT 20, readfile('$T/noeku.tst'), nonce, 'x', 'now' FROM checkpoint_timestamps"
expect_status "a token whose TSA certificate lacks the EKU: FAILED" 1 ts verify --no-remember "$T/noeku.db" --trust "$P" --tsa-ca "$CA" --format json
expect_eq "missing EKU: one BAD_TIMESTAMP, the good token still VERIFIED" \
	"$(jq -c '[.timestamps[].status], [.faults[].kind]' "$T/out" | tr '\n' ' ')" '["VERIFIED","BAD_TIMESTAMP"] ["BAD_TIMESTAMP"] '
expect_grep "missing EKU: the reason" "has no timeStamping extended key usage" "$T/out"
# a token whose nonce is not the one recorded for it
cp "$S" "$T/nonce.db"
q "$T/nonce.db" "INSERT INTO checkpoint_timestamps(size, token, nonce, tsa, added_at) SELECT 20, token, '1234', 'x', 'now' FROM checkpoint_timestamps"
expect_status "verify: a stored token for another request" 1 ts verify --no-remember "$T/nonce.db" --trust "$P" --tsa-ca "$CA"
expect_grep "names both nonces" "nonce [0-9a-f]+ is not 1234" "$T/out"
# a token moved to another checkpoint: imprint over other data
cp "$S" "$T/moved.db"
ts import "$T/moved.db" "$T/ev2.jsonl" --quiet
ts checkpoint "$T/moved.db" --key "$K" >/dev/null
q "$T/moved.db" "INSERT INTO checkpoint_timestamps(size, token, nonce, tsa, added_at) SELECT 40, token, nonce, 'x', 'now' FROM checkpoint_timestamps"
expect_status "verify: a token moved to another checkpoint" 1 ts verify --no-remember "$T/moved.db" --trust "$P" --tsa-ca "$CA" --format json
expect_eq "moved token: BAD_TIMESTAMP at 40" "$(jq -c '[.faults[] | {kind, size}]' "$T/out")" '[{"kind":"BAD_TIMESTAMP","size":40}]'
expect_grep "moved token: it time-stamps other data" "time-stamps other data" "$T/out"
if q "$S" "DELETE FROM checkpoint_timestamps" 2>"$T/err"; then fail "deleting a token is refused by the store"
else expect_grep "deleting a token is refused by the store" "append-only" "$T/err"; fi
if q "$S" "UPDATE checkpoint_timestamps SET tsa = 'x'" 2>"$T/err"; then fail "editing a token is refused by the store"
else expect_grep "editing a token is refused by the store" "append-only" "$T/err"; fi

# ---- RFC 3161 over HTTP: the test responder on 127.0.0.1 ----
# start_tsa COUNT CMD: a responder answering COUNT requests with CMD
start_tsa() {
	rm -f "$T/port"
	mkdir -p "$T/tsa"
	"$TOOLS_DIR/tsa_responder" "$T/port" "$1" "$T/tsa" "$2" &
	TSA_PID=$!
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do [ -s "$T/port" ] && break; sleep 0.1; done
	URL="http://127.0.0.1:$(cat "$T/port")/"
}
O=$T/order.db
ts import "$O" "$T/ev.jsonl" --quiet
ts checkpoint "$O" --key "$K" >/dev/null
ts import "$O" "$T/ev2.jsonl" --quiet
ts checkpoint "$O" --key "$K" >/dev/null
start_tsa 3 "openssl ts -reply -config '$C/tsa.cnf' -queryfile \"\$REQ\" -signer '$C/tsa.pem' -inkey '$C/tsa.key' -out \"\$RESP\" 2>/dev/null"
expect_status "timestamp --tsa URL (checkpoint 40)" 0 ts timestamp "$O" --tsa "$URL"
expect_grep "the HTTP TSA's token is stored" "^time-stamped checkpoint 40 at" "$T/out"
expect_grep "the responder got a DER request" "." "$T/tsa/req.tsq"
expect_eq "the token from HTTP records its URL and nonce" "$(q "$O" "SELECT tsa = '$URL', length(nonce) > 0 FROM checkpoint_timestamps")" "1|1"
expect_status "verify: the HTTP token VERIFIED" 0 ts verify --no-remember "$O" --trust "$P" --tsa-ca "$CA"
# checkpoint 20 time-stamped after checkpoint 40, which extends it: a fault
sleep 1.1
expect_status "timestamp --size 20 --tsa URL, a second later" 0 ts timestamp "$O" --size 20 --tsa "$URL"
expect_status "verify: ordering fault" 1 ts verify --no-remember "$O" --trust "$P" --tsa-ca "$CA" --format json
expect_eq "TIME_ORDER at checkpoint 40" "$(jq -c '[.faults[] | {kind, size}]' "$T/out")" '[{"kind":"TIME_ORDER","size":40}]'
expect_grep "ordering: both times named" "earlier than the checkpoint of size 20 it extends, time-stamped at" "$T/out"
ts verify --no-remember "$O" --trust "$P" > "$T/txt"
expect_grep "ordering needs --tsa-ca: listed unchecked without it" "NOT_CHECKED" "$T/txt"
wait "$TSA_PID" 2>/dev/null || true
start_tsa 1 "false"
expect_status "a TSA answering HTTP 500: I/O error" 5 ts timestamp "$O" --tsa "$URL"
expect_grep "saying so" "answered HTTP 500" "$T/err"
wait "$TSA_PID" 2>/dev/null || true
expect_status "an unreachable TSA: I/O error" 5 ts timestamp "$O" --tsa "$URL"
expect_status "a TSA URL that is not http(s)" 5 ts timestamp "$O" --tsa "file:///etc/passwd"
expect_eq "no token stored by the failures" "$(q "$O" 'SELECT count(*) FROM checkpoint_timestamps')" 2

# ---- witnesses: cosignature/v1 ----
cp "$S" "$T/s20.db"
expect_status "witness cosign" 0 ts witness cosign "$S" --key "$W1" --trust "$P"
expect_grep "the first cosignature of the origin" "cosigned checkpoint 20 of example.org/audit \\(the first" "$T/out"
line=$(q "$S" 'SELECT line FROM checkpoint_cosignatures')
expect_eq "the note itself is not rewritten" "$(q "$S" "SELECT note = CAST(readfile('$T/note20') AS TEXT) FROM checkpoints")" 1
# check the cosignature independently: the signed message written by hand
sigdata=$(printf '%s' "$line" | sed 's/^— witness.example\/w1 //')
printf '%s' "$sigdata" | base64 -d > "$T/sig.raw"
expect_eq "the line is key id, 8-byte time, 64-byte signature" "$(wc -c < "$T/sig.raw")" 76
expect_eq "the line's key id is the witness's" "$(head -c4 "$T/sig.raw" | xxd -p)" "$(cat "$T/kid")"
tsec=$(( 0x$(tail -c +5 "$T/sig.raw" | head -c8 | xxd -p) ))
tail -c 64 "$T/sig.raw" > "$T/sig.bin"
{ printf 'cosignature/v1\ntime %s\n' "$tsec"; head -n3 "$T/note20"; } > "$T/msg"
expect_eq "the hand-written message is header, time, checkpoint body" "$(sed -n 3p "$T/msg")" "example.org/audit"
{ printf '302a300506032b6570032100' | xxd -r -p; tail -c 32 "$T/w1.raw"; } > "$T/w1.der"
openssl pkey -pubin -inform DER -in "$T/w1.der" -out "$T/w1.pem" 2>/dev/null
expect_status "openssl pkeyutl -verify -rawin accepts the cosignature" 0 \
	openssl pkeyutl -verify -pubin -inkey "$T/w1.pem" -rawin -in "$T/msg" -sigfile "$T/sig.bin"
printf 'cosignature/v1\ntime %s\n' "$((tsec + 1))" > "$T/msg2"; head -n3 "$T/note20" >> "$T/msg2"
expect_status "and refuses it over another time" 1 \
	openssl pkeyutl -verify -pubin -inkey "$T/w1.pem" -rawin -in "$T/msg2" -sigfile "$T/sig.bin"
expect_grep "the witness state holds the cosigned checkpoint" "^example.org/audit$" "$XDG_STATE_HOME"/trailscope/witness/witness.example_w1+*/example.org%2Faudit.cosigned

expect_status "witness cosign again: nothing added" 0 ts witness cosign "$S" --key "$W1" --trust "$P"
expect_grep "already" "had already cosigned checkpoint 20" "$T/out"
expect_eq "one cosignature" "$(q "$S" 'SELECT count(*) FROM checkpoint_cosignatures')" 1
expect_status "verify --witness W1" 0 ts verify --no-remember "$S" --trust "$P" --witness "$W1P" --format json
expect_eq "JSON cosigners of checkpoint 20" "$(jq -c '.checkpoints[0].cosigners | map({name, key_id, time, status})' "$T/out")" \
	"[{\"name\":\"witness.example/w1\",\"key_id\":\"$(cat "$T/kid")\",\"time\":$tsec,\"status\":\"VERIFIED\"}]"
expect_status "verify --witness W1 --witness W2: W2 missing" 1 ts verify --no-remember "$S" --trust "$P" --witness "$W1P" --witness "$W2P" --format json
expect_eq "NO_QUORUM at 20" "$(jq -c '[.faults[] | {kind, size}]' "$T/out")" '[{"kind":"NO_QUORUM","size":20}]'
expect_grep "naming the missing witness" "1 of the 2 witnesses given, fewer than the quorum of 2; missing: witness.example/w2\\+" "$T/out"
expect_status "--quorum 1 of W1, W2" 0 ts verify --no-remember "$S" --trust "$P" --witness "$W1P" --witness "$W2P" --quorum 1
expect_status "--quorum beyond the witnesses given: usage" 3 ts verify --no-remember "$S" --witness "$W1P" --quorum 2
ts verify --no-remember "$S" --trust "$P" > "$T/txt"
expect_grep "without --witness: listed, not checked" "cosigned by witness.example/w1\\+[0-9a-f]{8} at .*Z: NOT_CHECKED" "$T/txt"
# a forged line naming W1
cp "$S" "$T/forged.db"
q "$T/forged.db" "INSERT INTO checkpoint_cosignatures(size, line, added_at) SELECT size, substr(line, 1, length(line) - 8) || 'AAAAAAA=', 'now' FROM checkpoint_cosignatures"
expect_status "a forged cosignature line: FAILED" 1 ts verify --no-remember "$T/forged.db" --trust "$P" --witness "$W1P" --format json
expect_eq "BAD_COSIGNATURE (and so no quorum)" "$(jq -c '[.faults[].kind]' "$T/out")" '["BAD_COSIGNATURE","NO_QUORUM"]'

# consistency: the log grows, the witness proves it and cosigns again
ts import "$S" "$T/ev2.jsonl" --quiet
ts checkpoint "$S" --key "$K" >/dev/null
expect_status "witness cosign a grown log" 0 ts witness cosign "$S" --key "$W1" --trust "$P"
expect_grep "consistent with what it cosigned" "cosigned checkpoint 40 .*consistent with size 20 cosigned before" "$T/out"
ts witness cosign "$S" --key "$W2" --trust "$P" >/dev/null
expect_status "verify --witness W1 --witness W2 on 40" 0 ts verify --no-remember "$S" --trust "$P" --witness "$W1P" --witness "$W2P"
# rollback: the old copy of the store (size 20) after the witness saw 40
expect_status "a rollback is refused" 1 ts witness cosign "$T/s20.db" --key "$W1" --trust "$P"
expect_grep "naming both sizes and roots" "rollback: .*size 20 \\(root [A-Za-z0-9+/=]+\\), smaller than size 40 \\(root [A-Za-z0-9+/=]+\\)" "$T/err"
# fork: another history of the same origin, signed by the same key
F=$T/fork.db
ts gen --events 40 --seed 99 > "$T/fork.jsonl"
ts import "$F" "$T/fork.jsonl" --quiet
ts checkpoint "$F" --key "$K" >/dev/null
expect_status "a fork at the same size is refused" 1 ts witness cosign "$F" --key "$W1" --trust "$P"
expect_grep "naming the conflicting roots" "fork: .* at size 40 has root [A-Za-z0-9+/=]+, but this witness cosigned root [A-Za-z0-9+/=]+ at that size" "$T/err"
jq -c '.event_id = "f-" + .event_id' "$T/ev.jsonl" > "$T/ev3.jsonl"
ts import "$F" "$T/ev3.jsonl" --quiet
ts checkpoint "$F" --key "$K" >/dev/null
expect_status "a fork that grew past it is refused" 1 ts witness cosign "$F" --key "$W1" --trust "$P"
expect_grep "not consistent, naming sizes and roots" "fork: .*size 60, root [A-Za-z0-9+/=]+\\) is not consistent with size 40 \\(root [A-Za-z0-9+/=]+\\)" "$T/err"
expect_eq "nothing added to the fork" "$(q "$F" 'SELECT count(*) FROM checkpoint_cosignatures')" 0
expect_status "a checkpoint the log key did not sign is refused" 1 ts witness cosign "$S" --key "$W1" --trust "$OP"
expect_grep "saying so" "not signed by the log key 'other.example/log" "$T/err"
expect_status "a separate --state DIR starts afresh" 0 ts witness cosign "$F" --key "$W1" --trust "$P" --state "$T/wstate"
expect_status "witness cosign without --trust: usage" 3 ts witness cosign "$S" --key "$W1"
expect_status "witness cosign with a log key as --key" 4 ts witness cosign "$S" --key "$K" --trust "$P"
# the witness's own faults: bad input (4), not a refusal (1)
ts init "$T/nocp.db" >/dev/null
expect_status "a store with no checkpoint to cosign: bad input" 4 ts witness cosign "$T/nocp.db" --key "$W1" --trust "$P"
expect_grep "saying so" "no checkpoint to cosign" "$T/err"
mkdir -p "$T/badstate"
printf 'not a state file\n' > "$T/badstate/example.org%2Faudit.cosigned"
expect_status "a damaged witness state: bad input" 4 ts witness cosign "$S" --key "$W1" --trust "$P" --state "$T/badstate"
expect_grep "naming the state file" "badstate/example.org%2Faudit.cosigned: not a witness state file" "$T/err"

# ---- bundles carry both anchors ----
ts timestamp "$S" --request-out "$T/r40.tsq" >/dev/null
reply "$T/r40.tsq" "$T/r40.tsr"
ts timestamp "$S" --response "$T/r40.tsr" >/dev/null
B=$T/bundle
expect_status "export" 0 ts export "$S" --out "$B" --events 21-25 --case C-1 --examiner ex --key "$K" --trust "$P"
expect_grep "data/checkpoint.tst is in the manifest" "  data/checkpoint.tst$" "$B/manifest-sha256.txt"
expect_eq "data/checkpoint is the note, then both cosignature lines" \
	"$(grep -c '^— witness.example/w[12] ' "$B/data/checkpoint")" 2
expect_eq "each proof carries the same checkpoint" "$(ts bundle proof "$B" 23 | tail -n 7 | grep -c '^— ')" 3
expect_status "bundle verify --tsa-ca --witness W1 --witness W2" 0 ts bundle verify "$B" --trust "$P" \
	--tsa-ca "$CA" --witness "$W1P" --witness "$W2P" --format json
expect_eq "bundle JSON: timestamp and cosigners VERIFIED" \
	"$(jq -c '[.timestamp.status, .timestamp.tsa, [.cosigners[].status]]' "$T/out")" '["VERIFIED","CN=tsa",["VERIFIED","VERIFIED"]]'
ts bundle verify "$B" --trust "$P" --tsa-ca "$CA" --witness "$W1P" > "$T/txt"
expect_grep "bundle text: the time" "^timestamp:   20.*Z by CN=tsa: VERIFIED" "$T/txt"
expect_grep "bundle text: the cosigner checked" "^cosigned:    by witness.example/w1\\+$(cat "$T/kid") at 20[0-9-]+T[0-9:]+Z: VERIFIED$" "$T/txt"
expect_eq "bundle text: one line a cosigner" "$(grep -c '^cosigned:    by witness.example/w[12]+' "$T/txt")" 2
expect_status "bundle verify without anchors: still VERIFIED" 0 ts bundle verify "$B" --trust "$P" --format json
expect_eq "listed NOT_CHECKED" "$(jq -c '[.timestamp.status, [.cosigners[].status]]' "$T/out")" '["NOT_CHECKED",["NOT_CHECKED","NOT_CHECKED"]]'
expect_status "bundle verify --tsa-ca with another CA" 1 ts bundle verify "$B" --trust "$P" --tsa-ca "$CA2" --format json
expect_eq "a TIMESTAMP fault on data/checkpoint.tst" "$(jq -c '[.faults[] | [.kind, .file]]' "$T/out")" '[["TIMESTAMP","data/checkpoint.tst"]]'
ts keygen witness.example/w3 --out "$T/k" --witness >/dev/null
expect_status "bundle verify: a witness that did not cosign" 1 ts bundle verify "$B" --trust "$P" --witness "$W1P" --witness "$T/k/witness.example_w3.pub" --format json
expect_grep "a COSIGNATURE fault naming it" "missing: witness.example/w3\\+" "$T/out"
expect_status "bundle verify --quorum 1 of them" 0 ts bundle verify "$B" --trust "$P" --witness "$W1P" --witness "$T/k/witness.example_w3.pub" --quorum 1
# the anchor trust options are one parser (cli_anchor_option): the same
# answers from verify and bundle verify
for cmd in "verify --no-remember $S" "bundle verify $B"; do
	name=${cmd%% /*}; name=${name% --no-remember}
	expect_status "$name --witness without a value: usage" 3 ts $cmd --trust "$P" --witness
	expect_grep "$name: says which option" "^trailscope: error: ${name}: option --witness needs a value" "$T/err"
	expect_status "$name --quorum 0: usage" 3 ts $cmd --trust "$P" --witness "$W1P" --quorum 0
	expect_grep "$name: says what --quorum takes" "^trailscope: error: ${name}: --quorum needs a number from 1 \\(got '0'\\)" "$T/err"
	expect_status "$name --quorum x: usage" 3 ts $cmd --trust "$P" --witness "$W1P" --quorum x
	expect_status "$name --quorum 2 of one witness: usage" 3 ts $cmd --trust "$P" --witness "$W1P" --quorum 2
	expect_grep "$name: counts the witnesses" "^trailscope: error: ${name}: --quorum 2 needs at least that many --witness keys \\(1 given\\)" "$T/err"
	expect_status "$name --witness with a log key: bad input" 4 ts $cmd --trust "$P" --witness "$P"
	expect_status "$name --tsa-ca with no certificate: bad input" 4 ts $cmd --trust "$P" --tsa-ca "$T/ev.jsonl"
	expect_status "$name --format after an anchor option still checked" 3 ts $cmd --trust "$P" --witness "$W1P" --format xml
done
# a token swapped in from another checkpoint (manifests recomputed): other data
cp -r "$B" "$T/b2"
openssl ts -reply -in "$T/r20.tsr" -token_out -out "$T/b2/data/checkpoint.tst" 2>/dev/null
(cd "$T/b2" && for a in 256 512; do find data -type f | LC_ALL=C sort | while read -r f; do
	printf '%s  %s\n' "$(sha${a}sum "$f" | cut -d' ' -f1)" "$f"; done > manifest-sha$a.txt; done)
expect_status "bundle verify: a token of another checkpoint" 1 ts bundle verify "$T/b2" --trust "$P" --tsa-ca "$CA" --format json
expect_grep "TIMESTAMP: it time-stamps other data" "it time-stamps other data" "$T/out"
# a bundle without a token, checked with --tsa-ca
B3=$T/b3
ts import "$T/nt.db" "$T/ev.jsonl" --quiet
ts checkpoint "$T/nt.db" --key "$K" >/dev/null
ts export "$T/nt.db" --out "$B3" --events 1-2 --case C-3 --examiner ex --key "$K" --trust "$P" >/dev/null 2>&1
expect_status "bundle verify --tsa-ca of a bundle with no token" 1 ts bundle verify "$B3" --trust "$P" --tsa-ca "$CA"
expect_grep "says it carries none" "carries no time-stamp token" "$T/out"

# ---- older stores ----
V3=$T/v3.db
ts import "$V3" "$T/ev.jsonl" --quiet
ts checkpoint "$V3" --key "$K" >/dev/null
q "$V3" "DROP TABLE checkpoint_timestamps; DROP TABLE timestamp_requests; DROP TABLE checkpoint_cosignatures; UPDATE meta SET value = '3' WHERE key = 'schema'; PRAGMA user_version = 3"
expect_status "a schema 3 store verifies read-only (FAILED only for want of a quorum)" 1 ts verify --no-remember "$V3" --trust "$P" --tsa-ca "$CA" --witness "$W2P" --quorum 1 --format json
expect_eq "with no anchors (and no quorum)" "$(jq -c '[.timestamps, [.faults[].kind]]' "$T/out")" '[[],["NO_QUORUM"]]'
ts verify --no-remember "$V3" --trust "$P" >/dev/null
expect_eq "reading left it at version 3" "$(q "$V3" 'PRAGMA user_version')" 3
expect_status "timestamp on a schema 3 store upgrades it" 0 ts timestamp "$V3" --request-out "$T/v3.tsq"
expect_eq "now version 6 (the current one)" "$(q "$V3" 'PRAGMA user_version')" 6
expect_eq "with its request recorded" "$(q "$V3" 'SELECT count(*) FROM timestamp_requests')" 1
