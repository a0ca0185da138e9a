#!/bin/sh
# formats-opensearch.sh - import rate of OpenSearch/Elasticsearch exports
# read through a map: N hits (default 50,000) generated from the sample
# testdata/formats/opensearch/response.json, as a scroll dump (one search
# response of 1,000 hits per line). Appends one line to
# bench/results-formats.txt (bench/formats.sh rewrites that file: run
# this one after it).
. "$(dirname "$0")/lib.sh"
formats_bench opensearch.jsonl

[ -s "$gen" ] || python3 - "$N" "$gen" "$top" <<'PY'
import json, sys, os, datetime
n, out, top = int(sys.argv[1]), sys.argv[2], sys.argv[3]
hits = json.load(open(os.path.join(top, 'testdata/formats/opensearch/response.json')))['hits']['hits']
t0 = 1772359200
page = 1000
with open(out, 'w') as f:
    for k in range(0, n, page):
        batch = []
        for i in range(k, min(n, k + page)):
            h = json.loads(json.dumps(hits[i % len(hits)]))
            h['_id'] = 'h%012d' % i
            src = h['_source']
            src['@timestamp'] = datetime.datetime.fromtimestamp(t0 + i, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')[:23] + 'Z'
            src['resource']['name'] = '%s-%d' % (src['resource']['name'], i % 3000)
            h['sort'] = [(t0 + i) * 1000]
            batch.append(h)
        f.write(json.dumps({"_scroll_id": "bench", "took": 5, "timed_out": False,
                            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                            "hits": {"total": {"value": n, "relation": "eq"}, "max_score": None,
                                     "hits": batch}}, separators=(',', ':')) + '\n')
PY

db=$DATA/formats-opensearch.db
rm -f "$db" "$db-wal" "$db-shm"
t=$(timed "$TS" import "$db" --quiet --map "$top/testdata/formats/opensearch/map.json" "$gen")
python3 - "$N" "$t" "$(du -m "$gen" | cut -f1)" <<'PY' | tee -a "$out"
import sys
n, s, size = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
name = "opensearch (scroll dump, 1,000 hits a line, _source through --map)"
print(f"{name:68s} {s:7.2f} s = {n/s:>9,.0f} events/s  ({size} MiB in)")
PY
