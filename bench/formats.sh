#!/bin/sh
# formats.sh - import rate per source format on generated data: records
# replicated from the crafted cases in testdata/formats and the samples,
# each with its own id, time and object (k8s: 2,000 objects, so most
# events find the state before in the store; a tenth of the requests also
# log a RequestReceived stage). Writes bench/results-formats.txt.
. "$(dirname "$0")/lib.sh"
formats_bench formats

[ -s "$gen/.done" ] || python3 - "$N" "$gen" "$top" <<'PY'
import json, sys, os
n, out, top = int(sys.argv[1]), sys.argv[2], sys.argv[3]
t0 = 1772359200  # 2026-03-01T10:00:00Z
def iso(s, us=0):
    import datetime
    return (datetime.datetime.fromtimestamp(s, datetime.timezone.utc)
            .strftime('%Y-%m-%dT%H:%M:%S') + '.%06dZ' % us)
# k8s: JSON lines
with open(os.path.join(out, 'k8s.jsonl'), 'w') as f:
    for i in range(n):
        obj = 'cm-%d' % (i % 2000)
        ev = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
              "auditID": "k8s-%012d" % i, "stage": "ResponseComplete",
              "requestURI": "/api/v1/namespaces/shop/configmaps/" + obj,
              "verb": "update" if i >= 2000 else "create",
              "user": {"username": "user%d@example.com" % (i % 50), "groups": ["devs"]},
              "sourceIPs": ["10.0.%d.%d" % (i % 200, i % 250)], "userAgent": "kubectl/v1.29.0",
              "objectRef": {"resource": "configmaps", "namespace": "shop", "name": obj, "apiVersion": "v1"},
              "responseStatus": {"metadata": {}, "code": 200},
              "responseObject": {"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": obj, "namespace": "shop", "resourceVersion": str(i)},
                                 "data": {"rollout": str(i % 100), "flag": "on" if i % 3 else "off"}},
              "requestReceivedTimestamp": iso(t0 + i, i % 1000000),
              "stageTimestamp": iso(t0 + i, (i + 500) % 1000000)}
        if i % 10 == 0:
            rr = dict(ev, stage="RequestReceived")
            del rr["responseObject"], rr["responseStatus"]
            f.write(json.dumps(rr, separators=(',', ':')) + '\n')
        f.write(json.dumps(ev, separators=(',', ':')) + '\n')
# CloudTrail: S3 delivery documents of 10,000 records
base = json.load(open(os.path.join(os.environ.get('SHARED', top + '/../shared'),
                                   'samples/cloudtrail/01-ec2-StartInstances.json')))['Records'][0]
per = 10000
for k in range(0, n, per):
    recs = []
    for i in range(k, min(n, k + per)):
        r = json.loads(json.dumps(base))
        r["eventID"] = "ct-%012d" % i
        r["eventTime"] = iso(t0 + i)[:19] + 'Z'
        r["requestParameters"]["instancesSet"]["items"][0]["instanceId"] = "i-%08x" % (i % 5000)
        r["requestID"] = "req-%d" % i
        recs.append(r)
    with open(os.path.join(out, 'ct-%06d.json' % k), 'w') as f:
        json.dump({"Records": recs}, f, indent=2)
# LaunchDarkly: REST lists of 10,000 items
items = json.load(open(os.path.join(top, 'testdata/formats/ld-items.json')))['items']
for k in range(0, n, per):
    batch = []
    for i in range(k, min(n, k + per)):
        e = json.loads(json.dumps(items[i % 2]))
        e["_id"] = "ld%022d" % i
        e["date"] = (t0 + i) * 1000 + i % 1000
        e["accesses"][0]["resource"] = "proj/shop:env/production:flag/flag-%d" % (i % 3000)
        batch.append(e)
    with open(os.path.join(out, 'ld-%06d.json' % k), 'w') as f:
        json.dump({"items": batch, "totalCount": len(batch)}, f, indent=2)
# Unleash: exports of 10,000 events
evs = json.load(open(os.path.join(top, 'testdata/formats/unleash-export.json')))['events']
for k in range(0, n, per):
    batch = []
    for i in range(k, min(n, k + per)):
        e = json.loads(json.dumps(evs[i % 4]))
        e["id"] = i + 1
        e["createdAt"] = iso(t0 + i)[:23] + 'Z'
        if e.get("featureName"):
            e["featureName"] = "feature-%d" % (i % 3000)
        batch.append(e)
    with open(os.path.join(out, 'unleash-%06d.json' % k), 'w') as f:
        json.dump({"version": 1, "events": batch}, f)
# mapped JSON lines
with open(os.path.join(out, 'map.jsonl'), 'w') as f:
    for i in range(n):
        f.write(json.dumps({"id": "app-%d" % i, "at": (t0 + i) * 1000 + i % 1000,
                            "who": {"email": "u%d@example.com" % (i % 40), "name": "U", "kind": "user"},
                            "op": "toggle", "flag": "f-%d" % (i % 3000), "env": "staging",
                            "change": {"old": {"enabled": i % 2 == 0}, "new": {"enabled": i % 2 == 1}},
                            "why": "bench", "refs": ["OPS-%d" % i]}, separators=(',', ':')) + '\n')
open(os.path.join(out, '.done'), 'w').write('ok\n')
PY

run() { # NAME FILES...: prints "seconds"
	name=$1; shift
	db=$DATA/formats-$name.db
	rm -f "$db" "$db-wal" "$db-shm"
	timed "$TS" import "$db" --quiet "$@"
}
t_k8s=$(run k8s "$gen/k8s.jsonl")
t_ct=$(run cloudtrail "$gen"/ct-*.json)
t_ld=$(run launchdarkly "$gen"/ld-*.json)
t_un=$(run unleash "$gen"/unleash-*.json)
t_map=$(run map --map "$top/testdata/formats/map-app.json" "$gen/map.jsonl")
mb() { du -cm "$@" | tail -1 | cut -f1; }
{
	echo "# import rate per source format, $N events each ($(date -u +%Y-%m-%d), $(nproc) cores)"
	python3 - "$N" "$t_k8s" "$t_ct" "$t_ld" "$t_un" "$t_map" \
		"$(mb "$gen/k8s.jsonl")" "$(mb "$gen"/ct-*.json)" "$(mb "$gen"/ld-*.json)" \
		"$(mb "$gen"/unleash-*.json)" "$(mb "$gen/map.jsonl")" <<'PY'
import sys
n = int(sys.argv[1])
t = [float(x) for x in sys.argv[2:7]]
m = sys.argv[7:12]
rows = [("k8s (JSON lines, +10% extra stages, state before from the store)", t[0], m[0]),
        ("cloudtrail (S3 {\"Records\"} documents, pretty-printed)", t[1], m[1]),
        ("launchdarkly (REST {\"items\"} with versions)", t[2], m[2]),
        ("unleash ({\"events\"} exports)", t[3], m[3]),
        ("map (JSON lines through --map)", t[4], m[4])]
for name, s, size in rows:
    print(f"{name:68s} {s:7.2f} s = {n/s:>9,.0f} events/s  ({size} MiB in)")
PY
} | tee "$out"
