# bundle_scale.sh - export and bundle verify past one batch of work: a
# 1,100-event packed bundle (several windows of export's and verify's
# thread pools) checked with independent tools (sha256sum/sha512sum -c,
# Python's hashlib and json for the leaves, records, raw records and the
# RFC 9162 inclusion proofs of data/proofs.jsonl), the same bytes whatever
# the number of threads, tampers at window boundaries still caught by
# every check, and a bundle written by the single-threaded export of
# before (testdata) that still verifies and whose renderings today's
# export reproduces (its leaves are version 2; today's are version 3).
. tests/lib.sh
N=1100
S=$T/s.db B=$T/b OLDB=testdata/bundle/v0.2-serial-export/bundle

signer example.org/audit "$T/keys"
gen_store "$S" $N 5

# recompute every manifest like an attacker who edits files would (hashlib:
# a shell loop over 5,200 files would take minutes)
rebag() {
	python3 - "$1" <<'EOF'
import hashlib, os, sys
d = sys.argv[1]
files = sorted(os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(os.path.join(d, "data")) for f in fs)
def dig(alg, p):
    return hashlib.new(alg, open(os.path.join(d, p), "rb").read()).hexdigest()
for alg in ("sha256", "sha512"):
    with open(os.path.join(d, "manifest-%s.txt" % alg), "w") as m:
        m.writelines("%s  %s\n" % (dig(alg, p), p) for p in files)
for alg in ("sha256", "sha512"):
    with open(os.path.join(d, "tagmanifest-%s.txt" % alg), "w") as m:
        m.writelines("%s  %s\n" % (dig(alg, p), p) for p in
                     ("bag-info.txt", "bagit.txt", "custody.jsonl", "manifest-sha256.txt", "manifest-sha512.txt"))
EOF
}
fresh() { rm -rf "$2"; cp -r "$1" "$2"; }

# ---- a bundle of every event: several windows of work ----
expect_status "export of $N events" 0 ts export "$S" --out "$B" --query '' --case SCALE --examiner E --key "$K" --trust "$P"
expect_eq "one leaf line per event" "$(wc -l < "$B/data/leaves.jsonl")" "$N"
expect_eq "one proof line per event" "$(wc -l < "$B/data/proofs.jsonl")" "$N"
expect_eq "eight payload files, no per-event ones" "$(cd "$B" && find data -type f | wc -l)" 8
expect_grep "Payload-Oxum counts every file" "^Payload-Oxum: [0-9]+\.$(cd "$B" && find data -type f | wc -l)$" "$B/bag-info.txt"
if (cd "$B" && sha256sum -c --quiet --strict manifest-sha256.txt && sha512sum -c --quiet --strict manifest-sha512.txt &&
	sha256sum -c --quiet --strict tagmanifest-sha256.txt && sha512sum -c --quiet --strict tagmanifest-sha512.txt) \
	> "$T/sums" 2>&1; then pass "sha256sum and sha512sum accept every manifest"
else fail "sha256sum and sha512sum accept every manifest" "$(head -5 "$T/sums")"; fi
expect_eq "each manifest lists every payload file once" \
	"$(cut -d' ' -f3 "$B/manifest-sha512.txt" | sort -u | wc -l) $(wc -l < "$B/manifest-sha256.txt")" \
	"$(cd "$B" && find data -type f | wc -l) $(cd "$B" && find data -type f | wc -l)"
# records: one per event in seq order, each the leaf's members plus changes
if python3 - "$B" "$N" > "$T/py" 2>&1 <<'EOF'
import hashlib, json, sys
d, n = sys.argv[1], int(sys.argv[2])
lines = open(d + "/data/events.jsonl", "rb").read().split(b"\n")
leaves = open(d + "/data/leaves.jsonl", "rb").read().split(b"\n")
assert lines[-1] == b"" and len(lines) == n + 1, "%d records" % (len(lines) - 1)
assert leaves[-1] == b"" and len(leaves) == n + 1, "%d leaves" % (len(leaves) - 1)
for i, line in enumerate(lines[:-1], 1):
    rec = json.loads(line)
    leaf = json.loads(leaves[i - 1])
    assert rec["seq"] == i and leaf["seq"] == i, "line %d has seq %s, leaf %s" % (i, rec["seq"], leaf["seq"])
    changes = rec.pop("changes")
    raw = rec.pop("raw").encode()
    assert hashlib.sha256(raw).hexdigest() == leaf["raw_sha256"], "record %d: raw is not the leaf's raw_sha256" % i
    assert rec == leaf, "record %d is not its leaf" % i
    assert isinstance(changes, list)
csv = open(d + "/data/events.csv", "rb").read().split(b"\n")
assert len(csv) == n + 2 and csv[-1] == b"", "%d csv lines" % len(csv)
for i, row in enumerate(csv[1:-1], 1):
    assert row.startswith(b"%d," % i), "csv row %d starts %r" % (i, row[:20])
EOF
then pass "events.jsonl and events.csv: every event once, in seq order, records are their leaves"
else fail "events.jsonl and events.csv: every event once, in seq order, records are their leaves" "$(tail -3 "$T/py")"; fi
for seq in 1 512 513 1024 1025 $N; do
	expect_eq "leaf $seq is the store's leaf byte for byte" "$(sed -n "${seq}p" "$B/data/leaves.jsonl" | head -c -1 | sha256sum)" \
		"$(q "$S" "SELECT hex(leaf) FROM entries WHERE seq = $seq" | xxd -r -p | sha256sum)"
	expect_eq "bundle leaf $seq: the same bytes" "$(ts bundle leaf "$B" $seq | sha256sum)" \
		"$(q "$S" "SELECT hex(leaf) FROM entries WHERE seq = $seq" | xxd -r -p | sha256sum)"
	# (the store keeps it packed against the leaf: the leaf's digest of it)
	expect_eq "bundle raw $seq: the store's raw record" "$(ts bundle raw "$B" $seq | sha256sum | cut -d' ' -f1)" \
		"$(q "$S" "SELECT json_extract(CAST(leaf AS TEXT), '\$.raw_sha256') FROM entries WHERE seq = $seq")"
	ts bundle proof "$B" $seq > "$T/proof.$seq"
done
# the inclusion proofs, checked with hashlib as RFC 9162 2.1.3.2 says, and
# the c2sp.org/tlog-proof text bundle proof made of them
if python3 - "$B" "$T" 1 64 65 512 513 1024 1025 1099 $N > "$T/py" 2>&1 <<'EOF'
import base64, hashlib, json, sys
d, t = sys.argv[1], sys.argv[2]
cpb = open(d + "/data/checkpoint", "rb").read()
cp = cpb.split(b"\n")
size, root = int(cp[1]), base64.b64decode(cp[2])
proofs = open(d + "/data/proofs.jsonl", "rb").read().split(b"\n")
leaves = open(d + "/data/leaves.jsonl", "rb").read().split(b"\n")
for seq in map(int, sys.argv[3:]):
    line = proofs[seq - 1]
    pr = json.loads(line)
    assert line == json.dumps(pr, sort_keys=True, separators=(",", ":")).encode(), "proof %d: not canonical" % seq
    assert sorted(pr) == ["index", "path", "seq"] and pr["seq"] == seq and pr["index"] == seq - 1
    path = [base64.b64decode(p) for p in pr["path"]]
    text = b"c2sp.org/tlog-proof@v1\nindex %d\n" % (seq - 1) + b"".join(base64.b64encode(p) + b"\n" for p in path)
    if seq in (1, 512, 513, 1024, 1025, size):
        assert open("%s/proof.%d" % (t, seq), "rb").read() == text + b"\n" + cpb, "bundle proof %d" % seq
    leaf = leaves[seq - 1]
    fn, sn, r = seq - 1, size - 1, hashlib.sha256(b"\0" + leaf).digest()
    for p in path:
        assert sn != 0, "proof %d: too long" % seq
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\1" + p + r).digest()
            while fn % 2 == 0 and fn != 0:
                fn >>= 1; sn >>= 1
        else:
            r = hashlib.sha256(b"\1" + r + p).digest()
        fn >>= 1; sn >>= 1
    assert sn == 0 and r == root, "proof %d does not prove its leaf" % seq
EOF
then pass "inclusion proofs across windows verify with hashlib; bundle proof prints them as tlog-proofs"
else fail "inclusion proofs across windows verify with hashlib; bundle proof prints them as tlog-proofs" "$(tail -3 "$T/py")"; fi
expect_status "bundle verify of $N events" 0 ts bundle verify "$B" --trust "$P"
if python3 tests/tools/verify_packed.py "$B" > "$T/py" 2>&1; then pass "python3 verifies the $N events from docs/BUNDLE.md"
else fail "python3 verifies the $N events from docs/BUNDLE.md" "$(tail -3 "$T/py")"; fi
expect_grep "every event proven" "VERIFIED: 1,100 events proven in example.org/audit at size 1,100" "$T/out"
expect_status "a second export" 0 ts export "$S" --out "$T/b2" --query '' --case OTHER --examiner F --key "$K" --trust "$P"
if diff -r "$B/data" "$T/b2/data" >/dev/null && cmp -s "$B/manifest-sha512.txt" "$T/b2/manifest-sha512.txt"; then
	pass "data/ and its manifests are the same on a second export"
else fail "data/ and its manifests are the same on a second export" "$(diff -r "$B/data" "$T/b2/data" | head -3)"; fi
rm -rf "$T/b2"
for n in 1 3 8; do
	expect_status "export on $n thread(s)" 0 env TRAILSCOPE_THREADS=$n "$TRAILSCOPE" export "$S" --out "$T/b$n" --query '' \
		--case SCALE --examiner E --key "$K" --trust "$P"
	if diff -r "$B/data" "$T/b$n/data" >/dev/null && cmp -s "$B/manifest-sha256.txt" "$T/b$n/manifest-sha256.txt"; then
		pass "data/ is byte for byte the same on $n thread(s)"
	else fail "data/ is byte for byte the same on $n thread(s)" "$(diff -r "$B/data" "$T/b$n/data" | head -3)"; fi
	expect_status "bundle verify on $n thread(s)" 0 env TRAILSCOPE_THREADS=$n "$TRAILSCOPE" bundle verify "$T/b$n" --trust "$P"
	rm -rf "$T/b$n"
done
expect_status "TRAILSCOPE_THREADS out of range: a warning, then the default" 0 env TRAILSCOPE_THREADS=99 "$TRAILSCOPE" \
	bundle verify "$B" --trust "$P"
expect_grep "... saying so" 'TRAILSCOPE_THREADS must be a number from 1 to 8' "$T/err"

# ---- tampers far into the bundle: every check still runs ----
tamper() { # NAME PATTERN...: FAILED, and every pattern in the output
	_n=$1; shift
	expect_status "tamper $_n: FAILED" 1 ts bundle verify "$T/t" --trust "$P"
	for _p in "$@"; do expect_grep "tamper $_n: $_p" "$_p" "$T/out"; done
}
fresh "$B" "$T/t"; sed -i '1050s/"action":"/"action":"X/' "$T/t/data/leaves.jsonl"; rebag "$T/t"
tamper "edited leaf 1050, manifests recomputed" 'PROOF +data/proofs.jsonl:1050: does not prove data/leaves.jsonl:1050' \
	'RECORD +data/events.jsonl:1050: member "action" differs from data/leaves.jsonl:1050' \
	'RECORD +data/events.csv:1051: differs' 'events: +1,099 of 1,100 proven'
fresh "$B" "$T/t"; sed -i '1025s/^{"index":1024,/{"index":1023,/' "$T/t/data/proofs.jsonl"; rebag "$T/t"
tamper "proof 1025 claims index 1023" 'PROOF +data/proofs.jsonl:1025: index 1023 is not the leaf.s position 1024'
fresh "$B" "$T/t"; line=$(grep -n '  data/proofs.jsonl$' "$T/t/manifest-sha512.txt" | cut -d: -f1)
python3 -c 'import sys
p, n = sys.argv[1], int(sys.argv[2]); ls = open(p).readlines()
ls[n - 1] = ("1" if ls[n - 1][0] == "0" else "0") + ls[n - 1][1:]; open(p, "w").writelines(ls)' "$T/t/manifest-sha512.txt" "$line"
(cd "$T/t" && for a in 256 512; do for f in bag-info.txt bagit.txt custody.jsonl manifest-sha256.txt manifest-sha512.txt; do
	printf '%s  %s\n' "$(sha${a}sum "$f" | cut -d' ' -f1)" "$f"; done > tagmanifest-sha$a.txt; done)
tamper "a wrong sha512 in manifest-sha512.txt only" "BAG +manifest-sha512.txt:$line: data/proofs.jsonl: sha512 mismatch"
expect_nogrep "tamper sha512 only: sha256 still matches" 'sha256 mismatch' "$T/out"
fresh "$B" "$T/t"; last=$(wc -l < "$T/t/data/changes.csv"); sed -i "${last}s/.\$/~/" "$T/t/data/changes.csv"; rebag "$T/t"
tamper "edited last changes.csv row" "RECORD +data/changes.csv:$last: differs from the rendering"
fresh "$B" "$T/t"; sed -i '$d' "$T/t/data/events.csv"; rebag "$T/t"
tamper "events.csv without its last row" "RECORD +data/events.csv:$((N + 1)): differs from the rendering"
fresh "$B" "$T/t"; sed -n 100p "$B/data/events.jsonl" >> "$T/t/data/events.jsonl"; rebag "$T/t"
tamper "a record repeated at the end of events.jsonl" "RECORD +data/events.jsonl:$((N + 1)): 1 record after the last leaf of data/leaves.jsonl"
fresh "$B" "$T/t"; sed -i '1099d' "$T/t/data/proofs.jsonl"; rebag "$T/t"
tamper "proof 1099 removed" 'PROOF +data/proofs.jsonl:1099: the proof of seq 1100, not of data/leaves.jsonl:1099 \(seq 1099\)' \
	'MISSING +data/proofs.jsonl: no proof for data/leaves.jsonl:1100 \(seq 1100\)' 'events: +1,098 of 1,100'
expect_nogrep "tamper proof removed: the renderings still match the leaves" 'RECORD' "$T/out"
fresh "$B" "$T/t"; sed -i '1000s/.*/not json/' "$T/t/data/leaves.jsonl"; rebag "$T/t"
tamper "leaf 1000 not JSON" 'LEAF +data/leaves.jsonl:1000: not a JSON object' 'PROOF +data/proofs.jsonl:1000: does not prove'
rm -rf "$T/t"

# ---- the exit statuses of export's failures (core classes mapped by the CLI) ----
expect_status "--attest without a trusted checkpoint: UNVERIFIABLE, exit 2" 2 ts export "$S" --out "$T/u" --events 1-3 \
	--case C --examiner E --key "$K" --attest testdata/policies/payments-allowlist.json
expect_grep "--attest without a trusted checkpoint: says why" 'needs a checkpoint of the selection that a trusted key signed' "$T/err"
[ ! -e "$T/u" ] && pass "--attest without a trusted checkpoint: nothing written" || fail "--attest without a trusted checkpoint: nothing written"
expect_status "a bad query: exit 3" 3 ts export "$S" --out "$T/u" --query 'bogus:(' --case C --examiner E --key "$K"
expect_grep "a bad query: located" '^<query>:1:[0-9]+: ' "$T/err"
expect_status "an event the store lacks: exit 4" 4 ts export "$S" --out "$T/u" --events $((N + 1)) --case C --examiner E --key "$K"
expect_status "a symbolic link as DIR: exit 5" 5 sh -c "ln -s '$T' '$T/link' && '$TRAILSCOPE' export '$S' --out '$T/link' --events 1 --case C --examiner E --key '$K'"
expect_status "custody with a damaged bundle: exit 1" 1 sh -c "cp -r '$OLDB' '$T/dmg' && echo x >> '$T/dmg/data/notes.md' && '$TRAILSCOPE' bundle custody '$T/dmg' --action received --actor R --key '$K'"

# ---- a bundle from the export before this one ----
OLD=testdata/bundle/v0.2-serial-export
expect_status "the older export's bundle verifies" 0 ts bundle verify "$OLD/bundle" --trust "$OLD/fixture.pub"
expect_grep "the older export's bundle: every event" 'VERIFIED: 7 events proven in fixture.example/audit at size 30' "$T/out"
cp "$OLD/fixture.key" "$T/fixture.key"; chmod 600 "$T/fixture.key"
cp "$OLD/events.jsonl" "$T/events.jsonl" # leaves record the file name as given
(cd "$T" && ts import fx.db events.jsonl --sign fixture.key > /dev/null 2>&1) || fail "cannot build the fixture's store"
expect_status "today's export of the same events" 0 ts export "$T/fx.db" --out "$T/fx" --events 3,5-9,30 --case FIX-1 \
	--examiner 'Old Export' --key "$T/fixture.key" --trust "$OLD/fixture.pub"
# today's leaves are version 3 (the raw record beside the leaf, in SEQ.raw),
# so leaves, proofs and checkpoint differ; what is rendered from them must not
for f in events.csv changes.csv notes.md; do
	if cmp -s "$OLD/bundle/data/$f" "$T/fx/data/$f"; then pass "today's export writes the older export's $f byte for byte"
	else fail "today's export writes the older export's $f byte for byte"; fi
done
if python3 - "$OLD/bundle/data/events.jsonl" "$T/fx/data/events.jsonl" > "$T/py" 2>&1 <<'EOF'
import json, sys
old = [json.loads(l) for l in open(sys.argv[1], "rb")]
new = [json.loads(l) for l in open(sys.argv[2], "rb")]
assert len(old) == len(new) == 7, "%d and %d records" % (len(old), len(new))
for o, n in zip(old, new):
    assert o.pop("v") == 2 and n.pop("v") == 3 and "raw_sha256" not in o
    n.pop("raw_sha256")
    assert o == n, "record of seq %s differs" % o["seq"]
EOF
then pass "today's events.jsonl holds the older export's records but for the leaf version (raw carried beside)"
else fail "today's events.jsonl holds the older export's records but for the leaf version (raw carried beside)" "$(tail -3 "$T/py")"; fi
