#!/bin/sh
# formats-cloud.sh - import rate of the gcp and azure formats on generated
# data: N events each, shaped like testdata/formats/gcp/sink-export.jsonl
# (JSON lines; a tenth of the events are long-running operations logged
# as a first and a last entry, merged into one) and
# testdata/formats/azure/rest-value.json (REST {"value"} pages of 10,000
# records; a tenth of the operations also log a Started record before the
# final one). Replaces its own lines in bench/results-formats.txt.
. "$(dirname "$0")/lib.sh"
formats_bench formats-cloud

[ -s "$gen/.done" ] || python3 - "$N" "$gen" "$top" <<'PY'
import json, sys, os, datetime
n, out, top = int(sys.argv[1]), sys.argv[2], sys.argv[3]
t0 = 1772359200  # 2026-03-01T10:00:00Z
def iso(s, us=0):
    return (datetime.datetime.fromtimestamp(s, datetime.timezone.utc)
            .strftime('%Y-%m-%dT%H:%M:%S') + '.%06dZ' % us)
lines = [json.loads(l) for l in open(os.path.join(top, 'testdata/formats/gcp/sink-export.jsonl'))]
iam, first, last = lines[0], lines[1], lines[4]
with open(os.path.join(out, 'gcp.jsonl'), 'w') as f:
    for i in range(n):
        if i % 10 == 0:
            a, b = json.loads(json.dumps(first)), json.loads(json.dumps(last))
            for e, k in ((a, 'f'), (b, 'l')):
                e["insertId"] = "g%d%s" % (i, k)
                e["operation"]["id"] = "operation-%d" % i
                e["protoPayload"]["resourceName"] = "projects/acme-prod/zones/europe-west1-b/instances/vm-%d" % (i % 3000)
            a["timestamp"], b["timestamp"] = iso(t0 + i), iso(t0 + i, 500000)
            f.write(json.dumps(a, separators=(',', ':')) + '\n')
            f.write(json.dumps(b, separators=(',', ':')) + '\n')
        else:
            e = json.loads(json.dumps(iam))
            e["insertId"] = "g%d" % i
            e["timestamp"] = iso(t0 + i, i % 1000000)
            e["resource"]["labels"]["project_id"] = "proj-%d" % (i % 200)
            e["protoPayload"]["resourceName"] = "projects/proj-%d" % (i % 200)
            d = e["protoPayload"]["serviceData"]["policyDelta"]["bindingDeltas"]
            d[0]["member"] = "user:u%d@example.com" % (i % 500)
            f.write(json.dumps(e, separators=(',', ':')) + '\n')
val = json.load(open(os.path.join(top, 'testdata/formats/azure/rest-value.json')))['value']
final, begin = val[0], val[1]
per, recs, k = 10000, [], 0
def flush():
    global recs, k
    with open(os.path.join(out, 'azure-%06d.json' % k), 'w') as f:
        json.dump({"value": recs}, f, indent=2)
    recs, k = [], k + 1
for i in range(n):
    corr = "c%08d-aaaa-4bbb-8ccc-000000000000" % i
    rid = final["resourceId"].replace("web-vm1", "vm-%d" % (i % 3000))
    for src, t, ok in ((begin, iso(t0 + i), i % 10 == 0), (final, iso(t0 + i, 400000), True)):
        if not ok:
            continue
        r = json.loads(json.dumps(src))
        r["correlationId"] = r["operationId"] = corr
        r["eventDataId"] = "e%d-%s" % (i, r["status"]["value"])
        r["resourceId"] = r["authorization"]["scope"] = rid
        r["eventTimestamp"] = t
        recs.append(r)
    if len(recs) >= per:
        flush()
if recs:
    flush()
open(os.path.join(out, '.done'), 'w').write('ok\n')
PY

run() { # NAME FILES...: prints "wall-seconds cpu-seconds" (CPU: user + system,
	# which a machine shared with other work does not inflate)
	name=$1; shift
	db=$DATA/formats-$name.db
	rm -f "$db" "$db-wal" "$db-shm"
	t0=$(now_ms)
	cpu=$(/usr/bin/time -f '%U %S' "$TS" import "$db" --quiet "$@" 2>&1 >/dev/null | tail -1 |
		awk '{printf "%.2f", $1 + $2}')
	t1=$(now_ms)
	python3 -c "print('%.3f $cpu' % (($t1 - $t0) / 1000))"
}
t_gcp=$(run gcp "$gen/gcp.jsonl")
t_az=$(run azure "$gen"/azure-*.json)
load=$(cut -d' ' -f1 /proc/loadavg)
mb() { du -cm "$@" | tail -1 | cut -f1; }
rows=$(python3 - "$N" "$t_gcp" "$t_az" "$(mb "$gen/gcp.jsonl")" "$(mb "$gen"/azure-*.json)" "$load" <<'PY'
import sys
n = int(sys.argv[1])
for name, t, size in (("gcp (JSON lines, +10% operations as first+last entries)", sys.argv[2], sys.argv[4]),
                      ("azure (REST {\"value\"} pages, +10% Started records merged)", sys.argv[3], sys.argv[5])):
    wall, cpu = (float(x) for x in t.split())
    print(f"{name:68s} {wall:7.2f} s = {n/wall:>9,.0f} events/s  ({size} MiB in; "
          f"{cpu:.2f} CPU s = {n/cpu:,.0f} events per CPU second; load average {sys.argv[6]})")
PY
)
touch "$out"
grep -v '^gcp \|^azure \|^# gcp and azure' "$out" > "$out.tmp" || true
{ cat "$out.tmp"; echo "# gcp and azure, $N events each ($(date -u +%Y-%m-%d), $(nproc) cores)"; echo "$rows"; } > "$out"
rm -f "$out.tmp"
echo "$rows"
