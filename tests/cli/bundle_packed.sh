# bundle_packed.sh - the packed bundle layout (docs/BUNDLE.md "Layout"):
# a bundle of the per-event layout written before it (testdata) still
# verifies and `bundle proof|leaf|raw` print its files byte for byte;
# today's packed export of the same events carries the same proofs, leaves
# and raw records; an independent verifier in python3 (hashlib, json,
# base64 only, written from docs/BUNDLE.md) accepts the packed bundle and
# rejects a tampered one; lines dropped, repeated or reordered and a bundle
# holding both layouts are faults at their file and line.
. tests/lib.sh
OLD=testdata/bundle/v0.3-per-event
SEQS="2 5 6 7 8 9 33 40"

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

# ---- the per-event layout of bundles written before ----
expect_status "a per-event bundle still verifies" 0 ts bundle verify "$OLD/bundle" --trust "$OLD/fixture.pub"
expect_grep "... every event" 'VERIFIED: 8 events proven in fixture3.example/audit at size 40' "$T/out"
expect_grep "... its layout named" '^layout: +per-event' "$T/out"
for s in $SEQS; do
	expect_status "per-event: bundle proof $s" 0 ts bundle proof "$OLD/bundle" $s
	cmp -s "$T/out" "$OLD/bundle/data/proofs/$s.tlog-proof" && pass "per-event: bundle proof $s is $s.tlog-proof" ||
		fail "per-event: bundle proof $s is $s.tlog-proof"
	ts bundle leaf "$OLD/bundle" $s > "$T/leaf"; ts bundle raw "$OLD/bundle" $s > "$T/raw"
	cmp -s "$T/leaf" "$OLD/bundle/data/entries/$s.leaf" && cmp -s "$T/raw" "$OLD/bundle/data/entries/$s.raw" &&
		pass "per-event: bundle leaf and raw $s are its files" || fail "per-event: bundle leaf and raw $s are its files"
done
expect_status "per-event: an event the bundle lacks: exit 4" 4 ts bundle proof "$OLD/bundle" 3
expect_grep "... named" 'no event 3 in the bundle' "$T/err"
expect_status "bundle proof: a SEQ that is not one: exit 3" 3 ts bundle proof "$OLD/bundle" 0
expect_status "bundle leaf: no such bundle: exit 5" 5 ts bundle leaf "$T/nowhere" 2

# ---- today's export of the same events, from a store made the same way ----
cp "$OLD/fixture.key" "$T/fixture.key"; chmod 600 "$T/fixture.key"
cp "$OLD/events.jsonl" "$T/events.jsonl" # leaves record the file name as given
(cd "$T" && ts import fx.db events.jsonl --sign fixture.key > /dev/null 2>&1) || fail "cannot build the fixture's store"
B=$T/fx
expect_status "packed export of the fixture's events" 0 ts export "$T/fx.db" --out "$B" --events 2,5-9,33,40 \
	--case FIX-3 --examiner 'Per-event Export' --key "$T/fixture.key" --trust "$OLD/fixture.pub"
expect_eq "packed: the payload files" "$(cd "$B/data" && ls | tr '\n' ' ')" \
	"changes.csv checkpoint events.csv events.jsonl leaves.jsonl notes.md proofs.jsonl report.txt "
expect_grep "packed: bag-info names the layout" '^Trailscope-Bundle-Layout: packed$' "$B/bag-info.txt"
expect_grep "packed: custody entry 1 signs it" '\["Trailscope-Bundle-Layout","packed"\]' "$B/custody.jsonl"
for s in $SEQS; do
	ts bundle proof "$B" $s > "$T/proof"; ts bundle leaf "$B" $s > "$T/leaf"; ts bundle raw "$B" $s > "$T/raw"
	cmp -s "$T/proof" "$OLD/bundle/data/proofs/$s.tlog-proof" && pass "packed: bundle proof $s is the old export's file" ||
		fail "packed: bundle proof $s is the old export's file" "$(diff "$T/proof" "$OLD/bundle/data/proofs/$s.tlog-proof" | head -3)"
	cmp -s "$T/leaf" "$OLD/bundle/data/entries/$s.leaf" && cmp -s "$T/raw" "$OLD/bundle/data/entries/$s.raw" &&
		pass "packed: bundle leaf and raw $s are the old export's files" ||
		fail "packed: bundle leaf and raw $s are the old export's files"
done
for f in events.jsonl events.csv changes.csv notes.md checkpoint; do
	cmp -s "$B/data/$f" "$OLD/bundle/data/$f" && pass "packed: data/$f is the old export's" ||
		fail "packed: data/$f is the old export's"
done
expect_eq "packed: leaves.jsonl is the old leaves, one a line" "$(cat "$B/data/leaves.jsonl" | sha256sum)" \
	"$(for s in $SEQS; do cat "$OLD/bundle/data/entries/$s.leaf"; echo; done | sha256sum)"
expect_status "packed: bundle verify" 0 ts bundle verify "$B" --trust "$OLD/fixture.pub"
expect_grep "... its layout named" '^layout: +packed \(data/leaves.jsonl, data/proofs.jsonl\)' "$T/out"
ts bundle verify "$B" --trust "$OLD/fixture.pub" --format json > "$T/v.json"
expect_eq "packed: JSON says the layout and the count" "$(jq -c '[.verdict, .layout, .events, .events_verified]' "$T/v.json")" \
	'["VERIFIED","packed",8,8]'

# ---- an independent verifier, from docs/BUNDLE.md alone (tests/tools/verify_packed.py) ----
if python3 tests/tools/verify_packed.py "$B" > "$T/py" 2>&1; then pass "python3 verifies the packed bundle: $(cat "$T/py")"
else fail "python3 verifies the packed bundle" "$(tail -3 "$T/py")"; fi

# ---- tampers of the packed files: each caught by both verifiers ----
tamper() { # NAME PATTERN...: FAILED, the patterns in the output, python3 refuses it too
	_n=$1; shift
	expect_status "tamper $_n: FAILED" 1 ts bundle verify "$T/t" --trust "$OLD/fixture.pub"
	for _p in "$@"; do expect_grep "tamper $_n: $_p" "$_p" "$T/out"; done
	if python3 tests/tools/verify_packed.py "$T/t" > "$T/py" 2>&1; then fail "tamper $_n: python3 refuses it too"
	else pass "tamper $_n: python3 refuses it too"; fi
}
fresh "$B" "$T/t"; sed -i '4s/"environment":"[a-z]*"/"environment":"x"/' "$T/t/data/leaves.jsonl"; rebag "$T/t"
tamper "a leaf line changed" 'PROOF +data/proofs.jsonl:4: does not prove data/leaves.jsonl:4' \
	'RECORD +data/events.jsonl:4: member "environment" differs from data/leaves.jsonl:4'
fresh "$B" "$T/t"
python3 - "$T/t/data/proofs.jsonl" <<'EOF'
import base64, sys
p = sys.argv[1]; ls = open(p, "rb").read().split(b"\n")
h = bytearray(base64.b64decode(ls[5].split(b'"path":["')[1][:44])); h[0] ^= 1
ls[5] = ls[5].replace(ls[5].split(b'"path":["')[1][:44], base64.b64encode(bytes(h)), 1)
open(p, "wb").write(b"\n".join(ls))
EOF
rebag "$T/t"
tamper "a proof path hash changed" 'PROOF +data/proofs.jsonl:6: does not prove data/leaves.jsonl:6'
fresh "$B" "$T/t"; sed -i '3d' "$T/t/data/leaves.jsonl"; rebag "$T/t"
tamper "a leaf line dropped" 'PROOF +data/proofs.jsonl:3: the proof of seq 6, not of data/leaves.jsonl:3 \(seq 7\)' \
	'RECORD +data/events.jsonl:3: not the record of data/leaves.jsonl:3 \(seq 7\)' \
	'PROOF +data/proofs.jsonl:8: 1 proof line after the last leaf'
fresh "$B" "$T/t"; sed -i '2p' "$T/t/data/leaves.jsonl" "$T/t/data/proofs.jsonl" "$T/t/data/events.jsonl"; rebag "$T/t"
tamper "a line repeated in all three files" 'LEAF +data/leaves.jsonl:3: seq 5 is not after seq 5 of line 2' \
	'RECORD +data/events.csv:'
fresh "$B" "$T/t"
for f in leaves.jsonl proofs.jsonl events.jsonl; do
	sed -i '2{h;d};3{G}' "$T/t/data/$f"
done
rebag "$T/t"
tamper "lines 2 and 3 swapped in all three files" 'LEAF +data/leaves.jsonl:3: seq 5 is not after seq 6 of line 2' \
	'RECORD +data/events.csv:3: differs'
expect_nogrep "tamper swapped: each line still proves its leaf" 'PROOF' "$T/out"
fresh "$B" "$T/t"; printf '%s' "$(cat "$B/data/proofs.jsonl")" > "$T/t/data/proofs.jsonl"; rebag "$T/t"
tamper "the last proof line without its LF" 'PROOF +data/proofs.jsonl:8: the last line has no LF'
fresh "$B" "$T/t"; sed -i '5s/^{"index":7,/{"index":7, /' "$T/t/data/proofs.jsonl"; rebag "$T/t"
tamper "a proof line not canonical" 'PROOF +data/proofs.jsonl:5: not in canonical form'
expect_status "bundle proof refuses the line" 1 ts bundle proof "$T/t" 8
expect_grep "... saying where" 'data/proofs.jsonl:5: not in canonical form' "$T/err"
fresh "$B" "$T/t"; rm "$T/t/data/proofs.jsonl"; rebag "$T/t"
tamper "proofs.jsonl removed" 'MISSING +data/proofs.jsonl: cannot read' 'events: +0 of 8 proven'
fresh "$B" "$T/t"; : > "$T/t/data/events.jsonl"; rebag "$T/t"
tamper "events.jsonl emptied" 'RECORD +data/events.jsonl: no record for data/leaves.jsonl:1 \(seq 2\)' 'events: +0 of 8 proven'
fresh "$B" "$T/t"; cp -r "$OLD/bundle/data/entries" "$OLD/bundle/data/proofs" "$T/t/data/"; rebag "$T/t"
expect_status "both layouts: FAILED" 1 ts bundle verify "$T/t" --trust "$OLD/fixture.pub"
expect_grep "both layouts: a BAG fault" 'BAG +data/: holds both layouts' "$T/out"
fresh "$B" "$T/t"; sed -i 's/^Trailscope-Bundle-Layout: packed$/Trailscope-Bundle-Layout: per-event/' "$T/t/bag-info.txt"; rebag "$T/t"
tamper "bag-info claims the other layout" "BAG +bag-info.txt:[0-9]+: Trailscope-Bundle-Layout 'per-event' is not the files the bundle holds"
rm -rf "$T/t"
