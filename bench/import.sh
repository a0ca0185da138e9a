#!/bin/sh
# import.sh - import throughput next to what a user would otherwise run
# over the same file, in the same run: `jq -c .` re-printing it and lnav
# loading it (with a JSON log format). Three imports of N (default
# 1,000,000) records: generated events into a new store; N more generated
# events (the same with other ids) appended to that store, which keeps WAL;
# Kubernetes audit lines, nine in ten of them reads (skipped), into a new
# store. Then verify of the first N next to sha256sum over the same leaf
# bytes. Each figure has its wall time, its CPU time (user + system) and
# the load average when it ended: the machine is shared, so CPU time is
# the steadier figure. Writes bench/results-import.txt.
#
# FLOOR=1 also measures the floors under the import: the same rows copied
# by SQLite alone into an empty store of the same schema, written the way a
# first import writes (no journal; no parsing, diffing or hashing; the
# contentless FTS index cannot be copied and is left out), and the disk
# writing the store's bytes once with fdatasync (`dd`).
. "$(dirname "$0")/lib.sh"
N=${N:-1000000}
ev=$(events "$N")
app=$DATA/append-$N.jsonl
k8s=$DATA/k8s-$N.jsonl
db=$DATA/import-$N.db
kdb=$DATA/import-k8s-$N.db
out=$top/bench/results-import.txt
rm -f "$db" "$db-wal" "$db-shm" "$kdb" "$kdb-wal" "$kdb-shm"
XDG_STATE_HOME=$DATA/state; export XDG_STATE_HOME
rm -rf "$DATA/keys" "$XDG_STATE_HOME"
"$TS" keygen bench.example/audit --out "$DATA/keys" >/dev/null
key=$DATA/keys/bench.example_audit.key
[ -s "$app" ] || { sed 's/"event_id":"evt-/"event_id":"app-/' "$ev" > "$app.tmp" && mv "$app.tmp" "$app"; }
# Kubernetes: controllers reading (get/list/watch at Metadata level) and
# one request in ten writing a ConfigMap (RequestResponse)
[ -s "$k8s" ] || python3 - "$N" "$k8s" <<'PY'
import json, sys, datetime
import os
n, t0, path = int(sys.argv[1]), 1772359200, sys.argv[2]
reads = ['get'] * 5 + ['list'] * 3 + ['watch']
f = open(path + '.tmp', 'w')
w = f.write
for i in range(n):
    ts = (datetime.datetime.fromtimestamp(t0 + i // 10, datetime.timezone.utc)
          .strftime('%Y-%m-%dT%H:%M:%S') + '.%06dZ' % (i * 37 % 1000000))
    obj, write = 'cm-%d' % (i % 2000), i % 10 == 9
    verb = ('update' if i >= 20000 else 'create') if write else reads[i % 9]
    ev = {"kind": "Event", "apiVersion": "audit.k8s.io/v1",
          "level": "RequestResponse" if write else "Metadata",
          "auditID": "a%011d-%04x-4c1e-9f0e-%012d" % (i, i % 65536, i), "stage": "ResponseComplete",
          "requestURI": "/api/v1/namespaces/shop/configmaps" + ("" if verb == 'list' else "/" + obj),
          "verb": verb,
          "user": {"username": "user%d@example.com" % (i % 50) if write else
                   "system:serviceaccount:shop:ctrl-%d" % (i % 7),
                   "groups": ["system:serviceaccounts", "system:authenticated"]},
          "sourceIPs": ["10.0.%d.%d" % (i % 200, i % 250)],
          "userAgent": "kube-controller-manager/v1.29.0 (linux/amd64) kubernetes/abcdef0",
          "objectRef": {"resource": "configmaps", "namespace": "shop", "name": obj, "apiVersion": "v1"},
          "responseStatus": {"metadata": {}, "code": 200},
          "requestReceivedTimestamp": ts, "stageTimestamp": ts,
          "annotations": {"authorization.k8s.io/decision": "allow",
                          "authorization.k8s.io/reason": "RBAC: allowed by RoleBinding \"ctrl/shop\""}}
    if write:
        ev["responseObject"] = {"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"name": obj, "namespace": "shop", "resourceVersion": str(i)},
                                "data": {"rollout": str(i % 100), "flag": "on" if i % 3 else "off"}}
    w(json.dumps(ev, separators=(',', ':')) + '\n')
f.close()
os.rename(path + '.tmp', path)  # whole or not at all
PY
# lnav needs a JSON log format to see these records as events
lnav_load() { # FORMAT_TABLE FILE
	if command -v lnav >/dev/null 2>&1; then
		timed_cpu env HOME="$DATA/lnavhome" lnav -n -c ";SELECT count(*) FROM $1" "$2"
	else
		echo "n/a n/a n/a n/a n/a"
	fi
}
if command -v lnav >/dev/null 2>&1; then
	mkdir -p "$DATA/lnavhome"
	HOME=$DATA/lnavhome lnav -i "$top/bench/lnav-trailscope-gen.json" >/dev/null 2>&1 || true
	HOME=$DATA/lnavhome lnav -i "$top/bench/lnav-k8s-audit.json" >/dev/null 2>&1 || true
fi

r_import=$(timed_cpu "$TS" import "$db" "$ev" --sign "$key" --quiet)
r_jq=$(timed_cpu sh -c "jq -c . '$ev'")
r_lnav=$(lnav_load trailscope_gen "$ev")
r_verify=$(timed_cpu "$TS" verify "$db" --trust "$DATA/keys/bench.example_audit.pub" --no-remember)
sqlite3 "$db" "SELECT writefile('$DATA/leaves.bin', (SELECT group_concat(CAST(leaf AS TEXT), '') FROM entries))" >/dev/null 2>&1 || \
	sqlite3 -batch "$db" "SELECT CAST(leaf AS TEXT) FROM entries" > "$DATA/leaves.bin"
r_sha=$(timed_cpu sha256sum "$DATA/leaves.bin")
leafbytes=$(stat -c %s "$DATA/leaves.bin")
rm -f "$DATA/leaves.bin"
storebytes=$(stat -c %s "$db")
r_append=$(timed_cpu "$TS" import "$db" "$app" --sign "$key" --quiet)
r_jq_app=$(timed_cpu sh -c "jq -c . '$app'")
r_k8s=$(timed_cpu "$TS" import "$kdb" "$k8s" --quiet)
r_jq_k8s=$(timed_cpu sh -c "jq -c . '$k8s'")
r_lnav_k8s=$(lnav_load k8s_audit "$k8s")
k8s_added=$(sqlite3 "$kdb" "SELECT count(*) FROM entries")
r_floor="n/a n/a n/a n/a n/a" r_dd="n/a n/a n/a n/a n/a"
if [ "${FLOOR:-0}" = 1 ]; then
	# SQLite alone: the first import's rows into an empty store of the same schema
	floor=$DATA/floor-$N.db
	rm -f "$floor" "$floor-wal" "$floor-shm"
	sqlite3 "$db" .schema | grep -v '^CREATE TABLE sqlite_\|entries_fts' > "$DATA/schema.sql"
	sqlite3 "$floor" < "$DATA/schema.sql"
	r_floor=$(timed_cpu sqlite3 "$floor" "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;
		ATTACH '$db' AS src; BEGIN;
		INSERT INTO main.entries SELECT * FROM src.entries WHERE seq <= $N;
		INSERT INTO main.changes SELECT * FROM src.changes WHERE seq <= $N;
		INSERT INTO main.entry_text SELECT * FROM src.entry_text WHERE seq <= $N;
		COMMIT;")
	rm -f "$floor" "$floor-wal" "$floor-shm"
	r_dd=$(timed_cpu dd if=/dev/zero of="$DATA/dd.bin" bs=1M count=$(( storebytes / 1048576 )) conv=fdatasync)
	rm -f "$DATA/dd.bin"
fi
{
	echo "# import and verify, $N records per file ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, shared machine)"
	echo "generated: $(( $(stat -L -c %s "$ev") / 1048576 )) MiB of JSON lines; k8s: $(( $(stat -L -c %s "$k8s") / 1048576 )) MiB;" \
	     "leaves of the first import: $(( leafbytes / 1048576 )) MiB; store after it: $(( storebytes / 1048576 )) MiB;" \
	     "parser threads: ${TRAILSCOPE_IMPORT_THREADS:-default}"
	python3 - "$N" "$k8s_added" "$r_import" "$r_jq" "$r_lnav" "$r_append" "$r_jq_app" "$r_k8s" "$r_jq_k8s" \
		"$r_lnav_k8s" "$r_verify" "$r_sha" "$r_floor" "$r_dd" <<'PY'
import sys
n, k8s_added = int(sys.argv[1]), sys.argv[2]
rows = [r.split() for r in sys.argv[3:]]
imp, jq, lnav, app, jqa, k8s, jqk, lnavk, ver, sha, floor, dd = rows
def fig(r, count=True):
    if r[0] == 'n/a':
        return 'n/a'
    wall, cpu = float(r[0]), float(r[1]) + float(r[2])
    rate = f" = {n / wall:,.0f}/s" if count else ""
    return f"{wall:7.2f} s wall{rate}, {cpu:7.2f} s CPU, {r[3]} MB peak RSS, load {r[4]}"
def vs(a, b):
    if a[0] == 'n/a' or b[0] == 'n/a':
        return 'n/a'
    return (f"{float(b[0]) / float(a[0]):.2f}x jq's speed by wall time, "
            f"{(float(b[1]) + float(b[2])) / (float(a[1]) + float(a[2])):.2f}x by CPU time")
print(f"import, new store (parse, diff, JCS, SHA-256, SQLite, sign): {fig(imp)}")
print(f"  jq -c . over the same file:                                 {fig(jq)}")
print(f"  lnav loading the same file (JSON log format):               {fig(lnav)}")
print(f"  import vs jq: {vs(imp, jq)} (budget: 2x by wall time)")
print(f"import appending {n:,} more to that store (WAL):           {fig(app)}")
print(f"  jq -c . over the same file:                                 {fig(jqa)}")
print(f"  append vs jq: {vs(app, jqa)} (budget: 1x by wall time)")
print(f"import, Kubernetes audit, 9 in 10 reads ({k8s_added} events):    {fig(k8s)}")
print(f"  jq -c . over the same file:                                 {fig(jqk)}")
print(f"  lnav loading the same file (JSON log format):               {fig(lnavk)}")
print(f"  k8s vs jq: {vs(k8s, jqk)} (budget: 2x by wall time)")
print(f"verify the first {n:,} (every leaf hashed and cross-checked):  {fig(ver, False)}")
print(f"  sha256sum over the same leaf bytes:                         {fig(sha, False)}")
if ver[0] != 'n/a':
    print(f"  verify / sha256sum: {float(ver[0]) / float(sha[0]):.2f}x by wall time")
print(f"floor: SQLite alone writing the first import's rows (no journal, no FTS): {fig(floor)}")
print(f"floor: the disk writing the store's bytes once (dd, fdatasync):           {fig(dd)}")
PY
} | tee "$out"
