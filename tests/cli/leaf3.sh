# leaf3.sh - leaf version 3 and schema version 5 (docs/STORE.md "Leaves",
# "entry_text"): the leaf commits to the raw record by raw_sha256 and
# entry_text.raw holds it once, as evidence (packed against the leaf since
# schema 6: unpacked here by the zstd command, never by trailscope; more in
# raw_pack.sh). Checked here: what import
# writes (against python3's hashlib and json, and an RFC 6962 root computed
# in python3 against the signed checkpoint), the triggers, verify catching
# an edited or deleted raw record, the readers (show, sql), a schema 4
# store of version 2 leaves from an earlier trailscope (read as it is,
# upgraded on write, verified with version 3 leaves after it), and bundles
# with the raw record in its events.jsonl record (and a version 2 bundle
# that still verifies).
. tests/lib.sh
S=$T/s.db

# unpack_raw DB SEQ: the raw record of SEQ as entry_text holds it, a packed
# one unpacked by the zstd command with the leaf as its dictionary
unpack_raw() {
	q "$1" "SELECT writefile('$T/u.leaf', leaf) FROM entries WHERE seq = $2;
		SELECT writefile('$T/u.raw', raw) FROM entry_text WHERE seq = $2" > /dev/null
	if [ "$(q "$1" "SELECT typeof(raw) FROM entry_text WHERE seq = $2")" = blob ]; then
		zstd -q -d -D "$T/u.leaf" -c "$T/u.raw"
	else
		cat "$T/u.raw"
	fi
}

signer example.org/leaf3 "$T/keys"
gen_store "$S" 40 18
expect_eq "new store: schema version 6" "$(q "$S" 'PRAGMA user_version')" 6
expect_eq "new store: every raw record packed" "$(q "$S" "SELECT typeof(raw), count(*) FROM entry_text GROUP BY 1")" "blob|40"
expect_eq "new store: 16 KiB pages" "$(q "$S" 'PRAGMA page_size')" 16384
expect_eq "new store: every leaf is version 3" \
	"$(q "$S" "SELECT json_extract(CAST(leaf AS TEXT), '\$.v'), count(*) FROM entries GROUP BY 1")" "3|40"
expect_eq "new store: no leaf carries raw" \
	"$(q "$S" "SELECT count(*) FROM entries WHERE json_extract(CAST(leaf AS TEXT), '\$.raw') IS NOT NULL")" 0
expect_status "new store: verifies" 0 ts verify "$S" --trust "$P"
expect_grep "new store: VERIFIED through 40" '^verdict: +VERIFIED through 40 ' "$T/out"

# independent: python3 recomputes raw_sha256, the canonical leaf, the leaf
# hashes and the RFC 6962 root of the signed checkpoint
cat > "$T/indep.py" <<'PY'
import base64, hashlib, json, os, sqlite3, subprocess, sys, tempfile
db = sqlite3.connect(sys.argv[1])
db.text_factory = bytes
rows = db.execute("SELECT e.seq, e.leaf, e.leaf_hash, t.raw, typeof(t.raw) FROM entries e LEFT JOIN entry_text t USING (seq) ORDER BY e.seq").fetchall()
bad = []
hashes = []
versions = {}
def unpack(raw, leaf):
    # a packed record: a zstd frame with the leaf as its raw-content dictionary
    with tempfile.NamedTemporaryFile() as d:
        d.write(leaf)
        d.flush()
        r = subprocess.run(["zstd", "-q", "-d", "-D", d.name, "-c"], input=raw, capture_output=True)
        return r.stdout if r.returncode == 0 else None
for seq, leaf, lh, raw, kind in rows:
    if kind == b"blob" or kind == "blob":
        raw = unpack(raw, leaf)
    o = json.loads(leaf)
    v = o["v"]
    versions[v] = versions.get(v, 0) + 1
    # RFC 8785 approximated: sorted keys, no whitespace, UTF-8 as is; holds
    # for these leaves (ASCII keys, integers only) and is checked per leaf
    if json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() != leaf:
        bad.append("%d: not canonical" % seq)
    if v == 3:
        if "raw" in o or raw is None or hashlib.sha256(raw).hexdigest() != o["raw_sha256"]:
            bad.append("%d: raw_sha256" % seq)
    elif o.get("raw", "").encode() != raw:
        bad.append("%d: raw" % seq)
    h = hashlib.sha256(b"\0" + leaf).digest()
    if h != lh:
        bad.append("%d: leaf_hash" % seq)
    hashes.append(h)
def root(hs):
    if len(hs) == 1:
        return hs[0]
    k = 1
    while k * 2 < len(hs):
        k *= 2
    return hashlib.sha256(b"\1" + root(hs[:k]) + root(hs[k:])).digest()
size, note = db.execute("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
if base64.b64decode(note.split(b"\n")[2]) != root(hashes[:size]):
    bad.append("checkpoint root")
print(" ".join("v%d:%d" % kv for kv in sorted(versions.items())), "faults:", len(bad), *bad[:3])
PY
expect_eq "python3: raw_sha256, canonical leaves, leaf hashes and the checkpoint's root" \
	"$(python3 "$T/indep.py" "$S")" "v3:40 faults: 0"

# entry_text is append-only now: UPDATE and DELETE refused
sqlite3 "$S" "DELETE FROM entry_text WHERE seq = 3" 2> "$T/err"
expect_grep "trigger: DELETE on entry_text refused" 'entry_text is append-only' "$T/err"
sqlite3 "$S" "UPDATE entry_text SET raw = '' WHERE seq = 3" 2> "$T/err"
expect_grep "trigger: UPDATE on entry_text refused" 'entry_text is append-only' "$T/err"
expect_eq "trigger: ... and the rows are unchanged" "$(q "$S" "SELECT count(*), sum(length(raw) > 0) FROM entry_text")" "40|40"

# readers: show and sql read the raw record from entry_text
want3=$(unpack_raw "$S" 3)
expect_eq "zstd: the record unpacked is a line of the input" "$(grep -cxF -- "$want3" "$T/ev.jsonl")" 1
expect_eq "show --format json: raw from entry_text" "$(ts show "$S" 3 --format json | jq -r .raw)" "$want3"
expect_eq "sql: events.raw from entry_text" "$(ts sql "$S" 'SELECT raw FROM events WHERE seq = 3' --format jsonl | jq -r .raw)" \
	"$want3"
expect_eq "query: a regex reads the raw record" \
	"$(ts query "$S" "/$(q "$S" "SELECT event_id FROM entries WHERE seq = 3")\"/" --format jsonl | jq -r .seq)" 3

# tampering with the raw record (after dropping the triggers) is caught
cp "$S" "$T/t.db"
q "$T/t.db" "DROP TRIGGER entry_text_no_update; DROP TRIGGER entry_text_no_delete;
	UPDATE entry_text SET raw = replace(raw, '\"', ' ') WHERE seq = 5; DELETE FROM entry_text WHERE seq = 9"
ts verify "$T/t.db" --trust "$P" --format json > "$T/tv.json"; st=$?
expect_eq "tampered raw record: verify exits 1" "$st" 1
expect_eq "tampered raw record: MODIFIED at 5 and 9, naming the raw record" \
	"$(jq -c '[.faults[] | [.kind, .seq, (.detail | test("raw record"))]]' "$T/tv.json")" \
	'[["MODIFIED",5,true],["MODIFIED",9,true]]'
expect_eq "tampered raw record: the detail gives both hashes" \
	"$(jq -r '.faults[0].detail' "$T/tv.json" | sed 's/[0-9a-f]\{64\}/H/g')" \
	"entry_text of seq 5 differs from the leaf: raw record: SHA-256 H in the table, raw_sha256 H in the leaf"
expect_eq "tampered raw record: show does not show it" "$(ts show "$T/t.db" 5 --format json | jq -c .raw)" null
expect_eq "tampered raw record: export refuses it" "$(ts export "$T/t.db" --out "$T/tb" --events 5 --case C \
	--examiner e --key "$K" --trust "$P" --allow-failed 2>&1 >/dev/null | grep -c 'raw record in entry_text')" 1
expect_eq "tampered raw record: python3 agrees" "$(python3 "$T/indep.py" "$T/t.db")" \
	"v3:40 faults: 2 5: raw_sha256 9: raw_sha256"

# a schema 4 store of version 2 leaves, as the previous trailscope wrote it
O=$T/old.db
{ cat testdata/old-schema4.sql; echo 'PRAGMA application_id = 1953657699; PRAGMA user_version = 4;'; } | sqlite3 "$O"
expect_eq "old store: read-only query" "$(ts query "$O" '' --count)" 12
expect_eq "old store: show reads raw from the version 2 leaf" "$(ts show "$O" 4 --format json | jq -r .raw)" \
	"$(q "$O" "SELECT json_extract(CAST(leaf AS TEXT), '\$.raw') FROM entries WHERE seq = 4")"
expect_status "old store: verify reads it (no key: unverifiable)" 2 ts verify "$O"
expect_nogrep "old store: no fault" 'MODIFIED|MALFORMED' "$T/out"
expect_eq "old store: still schema 4 after reading" "$(q "$O" 'PRAGMA user_version')" 4
# (other event ids than the fixture's, and a key of its own)
ts gen --events 10 --seed 19 | sed 's/"evt-0/"evt-9/' > "$T/more.jsonl"
signer example.org/old "$T/keys2"
expect_status "old store: import upgrades it and appends" 0 ts import "$O" "$T/more.jsonl" --sign "$K" --quiet
expect_eq "old store: schema 6 now" "$(q "$O" 'PRAGMA user_version')" 6
expect_eq "old store: meta says so" "$(q "$O" "SELECT value FROM meta WHERE key = 'schema'")" 6
expect_eq "old store: its rows stay text, the appended ones are packed" \
	"$(q "$O" "SELECT typeof(raw), min(seq), max(seq) FROM entry_text GROUP BY 1" | tr '\n' ' ')" "blob|13|22 text|1|12 "
expect_eq "old store: the upgrade added the DELETE trigger" \
	"$(q "$O" "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = 'entry_text_no_delete'")" 1
expect_eq "mixed: version 2 then version 3 leaves" \
	"$(q "$O" "SELECT json_extract(CAST(leaf AS TEXT), '\$.v'), min(seq), max(seq) FROM entries GROUP BY 1" | tr '\n' ' ')" \
	"2|1|12 3|13|22 "
expect_status "mixed: verifies" 0 ts verify "$O" --trust "$P"
expect_grep "mixed: VERIFIED through 22" '^verdict: +VERIFIED through 22 ' "$T/out"
expect_eq "mixed: python3 agrees" "$(python3 "$T/indep.py" "$O")" "v2:12 v3:10 faults: 0"
expect_eq "mixed: sql events.raw for both versions" \
	"$(ts sql "$O" 'SELECT count(*) AS n FROM events e JOIN entry_text t USING (seq) WHERE e.raw = ts_raw(t.raw, (SELECT leaf FROM entries AS x WHERE x.seq = e.seq))' --format jsonl | jq .n)" 22
expect_eq "mixed: sql events.raw of a packed record is what zstd unpacks" \
	"$(ts sql "$O" 'SELECT raw FROM events WHERE seq = 17' --format jsonl | jq -r .raw)" "$(unpack_raw "$O" 17)"
cp "$O" "$T/m.db"
q "$T/m.db" "DROP TRIGGER entry_text_no_update; UPDATE entry_text SET raw = replace(raw, 'evt-', 'EVT-') WHERE seq IN (4, 15)"
ts verify "$T/m.db" --trust "$P" --format json > "$T/mv.json"
expect_eq "mixed: an edited raw record is caught in either version" \
	"$(jq -c '[.faults[] | [.seq, (.detail | sub(" .*"; ""; "g")), (.detail | test("raw_sha256"))]]' "$T/mv.json")" \
	'[[4,"entry_text",false],[15,"entry_text",true]]'

# bundles: a version 3 leaf's raw record travels in its events.jsonl record
expect_status "bundle: export the mixed store" 0 ts export "$O" --out "$T/b" --events 11-14 --case C-18 \
	--examiner e --key "$K" --trust "$P"
expect_eq "bundle: raw_sha256 only in version 3 leaves" "$(jq -c '[.seq, .v, has("raw"), has("raw_sha256")]' "$T/b/data/leaves.jsonl" | tr '\n' ' ')" \
	'[11,2,true,false] [12,2,true,false] [13,3,false,true] [14,3,false,true] '
expect_eq "bundle: bundle raw prints the raw record, byte for byte" "$(ts bundle raw "$T/b" 13 | sha256sum)" \
	"$(unpack_raw "$O" 13 | sha256sum)"
expect_eq "bundle: sha256sum of that record is the leaf's raw_sha256" \
	"$(ts bundle raw "$T/b" 14 | sha256sum | cut -d' ' -f1)" "$(ts bundle leaf "$T/b" 14 | jq -r .raw_sha256)"
expect_eq "bundle: bundle raw of a version 2 leaf is its raw member" "$(ts bundle raw "$T/b" 12)" \
	"$(ts bundle leaf "$T/b" 12 | jq -r .raw)"
expect_eq "bundle: events.jsonl carries the raw record for both versions" \
	"$(jq -r '.raw | length > 0' "$T/b/data/events.jsonl" | sort -u)" true
expect_eq "bundle: ... the same bytes as bundle raw" "$(jq -r 'select(.seq == 13) | .raw' "$T/b/data/events.jsonl")" \
	"$(ts bundle raw "$T/b" 13)"
expect_status "bundle: verifies" 0 ts bundle verify "$T/b" --trust "$P"
if python3 tests/tools/verify_packed.py "$T/b" > "$T/py" 2>&1; then pass "bundle: python3 verifies it, leaves of versions 2 and 3"
else fail "bundle: python3 verifies it, leaves of versions 2 and 3" "$(tail -3 "$T/py")"; fi
# an altered raw record whose manifests were rewritten to match
cp -r "$T/b" "$T/b2"
python3 - "$T/b2" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
p = os.path.join(d, "data/events.jsonl")
lines = open(p, "rb").read().split(b"\n")
rec = json.loads(lines[2])
assert rec["seq"] == 13
rec["raw"] = rec["raw"].replace("evt-", "EVT-", 1)
lines[2] = json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
open(p, "wb").write(b"\n".join(lines))
def rewrite(manifest, base, alg):
    lines = []
    for line in open(os.path.join(d, manifest)).read().splitlines():
        h, f = line.split(None, 1)
        lines.append("%s  %s" % (hashlib.new(alg, open(os.path.join(base, f), "rb").read()).hexdigest(), f))
    open(os.path.join(d, manifest), "w").write("\n".join(lines) + "\n")
for alg in ("sha256", "sha512"):
    rewrite("manifest-%s.txt" % alg, d, alg)
for alg in ("sha256", "sha512"):
    rewrite("tagmanifest-%s.txt" % alg, d, alg)
PY
expect_status "bundle: an altered raw record fails" 1 ts bundle verify "$T/b2" --trust "$P"
expect_grep "... the leaf's raw_sha256 catches it" \
	'LEAF +data/events.jsonl:3: its "raw" is not the raw record whose SHA-256 is the raw_sha256 of data/leaves.jsonl:3: the raw record was altered' "$T/out"
expect_nogrep "... not the bag's manifests (rewritten)" 'BAG ' "$T/out"
expect_status "bundle raw refuses it" 1 ts bundle raw "$T/b2" 13
expect_grep "... saying why" "data/events.jsonl:3: the raw record is not the one the leaf's raw_sha256 names" "$T/err"

# a bundle of version 2 leaves, written by the previous trailscope
expect_status "version 2 bundle: still verifies" 0 ts bundle verify testdata/bundle/v2-leaves \
	--trust testdata/bundle/v2-leaves.pub
expect_grep "... all its events proven" '^verdict: +VERIFIED: 3 events proven' "$T/out"
