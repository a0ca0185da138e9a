# verify_packed.py - an independent verifier of a packed evidence bundle,
# written from docs/BUNDLE.md ("Layout") alone, with nothing but python3's
# hashlib, json and base64: the BagIt manifests and Payload-Oxum, each
# leaf line's RFC 9162 inclusion proof against data/checkpoint's root, the
# seq order of the lines, each record's raw record against its leaf's
# raw_sha256, each record's members against its leaf. It does not check
# the checkpoint's signature or the custody record (trailscope's own tests
# do). Prints "OK N events", or fails with the first thing wrong.
#
#   python3 tests/tools/verify_packed.py BUNDLE_DIR
import base64, hashlib, json, os, sys
d = sys.argv[1]
def rd(p): return open(os.path.join(d, p), "rb").read()
def lines(p):
    b = rd(p)
    assert b.endswith(b"\n"), p + ": last line has no LF"
    return b[:-1].split(b"\n")
# BagIt: every payload file in both manifests with its digest, Payload-Oxum, tag manifests
files = sorted(os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(os.path.join(d, "data")) for f in fs)
for alg in ("sha256", "sha512"):
    m = dict(reversed(l.split("  ", 1)) for l in rd("manifest-%s.txt" % alg).decode().splitlines())
    assert sorted(m) == files, "manifest-%s.txt does not list the payload" % alg
    for f, h in m.items():
        assert hashlib.new(alg, rd(f)).hexdigest() == h, "%s: %s mismatch" % (f, alg)
    for l in rd("tagmanifest-%s.txt" % alg).decode().splitlines():
        h, f = l.split("  ", 1)
        assert hashlib.new(alg, rd(f)).hexdigest() == h, "%s: %s mismatch" % (f, alg)
info = dict(l.split(": ", 1) for l in rd("bag-info.txt").decode().splitlines())
assert info["Payload-Oxum"] == "%d.%d" % (sum(len(rd(f)) for f in files), len(files)), "Payload-Oxum"
assert info["Trailscope-Bundle-Layout"] == "packed"
# the checkpoint: origin, size, base64 root
cp = rd("data/checkpoint").split(b"\n")
size, root = int(cp[1]), base64.b64decode(cp[2])
leaves, proofs, records = lines("data/leaves.jsonl"), lines("data/proofs.jsonl"), lines("data/events.jsonl")
assert len(leaves) == len(proofs) == len(records) == int(info["Trailscope-Event-Count"]), "line counts"
prev = 0
for k, (lb, pb, rb) in enumerate(zip(leaves, proofs, records), 1):
    leaf, pr, rec = json.loads(lb), json.loads(pb), json.loads(rb)
    seq = leaf["seq"]
    assert seq > prev, "leaves.jsonl:%d: seq %d not after %d" % (k, seq, prev)
    prev = seq
    assert pb == json.dumps(pr, sort_keys=True, separators=(",", ":")).encode(), "proofs.jsonl:%d: not canonical" % k
    assert pr["seq"] == seq and pr["index"] == seq - 1, "proofs.jsonl:%d: not the proof of seq %d" % (k, seq)
    # RFC 9162 2.1.3.2: the leaf hash up the path to the checkpoint's root
    fn, sn, r = seq - 1, size - 1, hashlib.sha256(b"\0" + lb).digest()
    for p in map(base64.b64decode, pr["path"]):
        assert sn != 0, "proofs.jsonl:%d: too long" % k
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\1" + p + r).digest()
            while fn % 2 == 0 and fn != 0:
                fn >>= 1; sn >>= 1
        else:
            r = hashlib.sha256(b"\1" + r + p).digest()
        fn >>= 1; sn >>= 1
    assert sn == 0 and r == root, "proofs.jsonl:%d does not prove leaves.jsonl:%d" % (k, k)
    # the record: the leaf's members, its changes, and (version 3) the raw record
    assert rec["seq"] == seq, "events.jsonl:%d: not the record of seq %d" % (k, seq)
    rec.pop("changes")
    if "raw_sha256" in leaf:  # version 3: the raw record travels in the record
        raw = rec.pop("raw")
        assert hashlib.sha256(raw.encode()).hexdigest() == leaf["raw_sha256"], "events.jsonl:%d: raw altered" % k
    assert rec == leaf, "events.jsonl:%d: not its leaf" % k
print("OK %d events" % len(leaves))
