# import_threads.sh - import with one parser thread and with several
# (TRAILSCOPE_IMPORT_THREADS, src/core/import_pool.c) writes the same
# store byte for byte: every row of entries, changes, entry_text,
# merkle_nodes and the full-text index, and the same signed root, for a
# new store and for an append, from a plain file, a gzip file and stdin;
# with bad records, blank and CRLF lines, duplicates, records without an
# id and a last line without its line end; with --skip-invalid the same
# reports in the same order and the same counts, without it the same
# first error and nothing written. The leaf hashes and the root are also
# recomputed with python3's hashlib (RFC 6962) from the stored leaves.
# Kubernetes audit lines (sifted in parallel, the rest read in order by
# the writer) likewise, with stages, reads, --include-reads, appends that
# take the state before from the store, and an EventList document.
. tests/lib.sh
signer threads.example/log "$T/k"
# ~4 MB: about 16 of the pool's 256 KB batches
ts gen --events 3000 --seed 11 > "$T/gen.jsonl"
python3 - "$T/gen.jsonl" "$T/mixed.jsonl" <<'PY'
import sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')[:-1]
out = []
for i, l in enumerate(lines, 1):
    if i == 40:
        out.append('{"timestamp": ')                       # bad JSON
    if i == 700:
        out.append('')                                     # blank lines
        out.append('   ')
    if i == 1500:
        out.append('{"timestamp":"2026-03-01T00:00:00Z","flag_key":"x"}')  # no actor
    if i == 2000:
        out.append(lines[9])                               # a duplicate event id
    if i == 2100:                                          # no event id: derived from the record
        out.append('{"timestamp":"2026-04-04T12:34:56Z","actor_id":"alice@example.com",'
                   '"flag_id":"new_checkout_flow_v2","previous_state":"off","new_state":"on"}')
    if i == 2600:
        out.append('{"timestamp":"2026-03-01T00:00:00Z","actor_id":"a\\u0000b","flag_key":"x"}')
    if i % 97 == 0:
        l += '\r'                                          # CRLF lines
    out.append(l)
out.append('{"timestamp":"2026-04-04T12:00:00Z","actor_id":"last","flag_key":"no-newline"}')
open(sys.argv[2], 'w', encoding='utf-8').write('\n'.join(out))  # no final line end
PY
gzip -c "$T/mixed.jsonl" > "$T/mixed.jsonl.gz"

# digest DB: every row the import writes, in order
digest() {
	for t in entries changes entry_text merkle_nodes entries_fts_data entries_fts_idx entries_fts_docsize; do
		sqlite3 -readonly "$1" "SELECT quote(x) FROM (SELECT * FROM $t) AS x" 2>/dev/null ||
			sqlite3 -readonly "$1" ".mode quote" "SELECT * FROM $t"
	done | sha256sum | cut -d' ' -f1
}
# run_import N DB ARGS...: import with N parser threads; status in $T/rc.N
run_import() {
	_n=$1
	shift
	TRAILSCOPE_IMPORT_THREADS=$_n "$TRAILSCOPE" import "$@" >"$T/out.$_n" 2>"$T/err.$_n"
	echo $? > "$T/rc.$_n"
}

# --skip-invalid, a new store: 1, 2 and 3 parser threads
for n in 1 2 3; do
	rm -f "$T/s$n.db"
	run_import $n "$T/s$n.db" "$T/mixed.jsonl" --skip-invalid --sign "$K"
done
expect_eq "skip-invalid: 1 thread imports (exit 0)" "$(cat "$T/rc.1")" 0
expect_grep "skip-invalid: 1 thread reports the bad records with their place" \
	'mixed.jsonl:40:15: .*\(skipped\)' "$T/err.1"
expect_eq "skip-invalid: 3 bad records reported" "$(grep -c '(skipped)' "$T/err.1")" 3
d1=$(digest "$T/s1.db")
for n in 2 3; do
	expect_eq "skip-invalid: $n threads exit as 1 thread" "$(cat "$T/rc.$n")" "$(cat "$T/rc.1")"
	expect_eq "skip-invalid: $n threads write the same rows as 1 thread" "$(digest "$T/s$n.db")" "$d1"
	expect_eq "skip-invalid: $n threads report the same bad records in the same order" \
		"$(cat "$T/err.$n")" "$(cat "$T/err.1")"
	expect_eq "skip-invalid: $n threads print the same summary" "$(cat "$T/out.$n")" "$(cat "$T/out.1")"
	expect_eq "skip-invalid: $n threads sign the same root" \
		"$(q "$T/s$n.db" "SELECT note FROM checkpoints")" "$(q "$T/s1.db" "SELECT note FROM checkpoints")"
done
expect_eq "the duplicate and the derived id are counted alike" \
	"$(q "$T/s2.db" "SELECT count(*), sum(event_id LIKE 'sha256:%') FROM entries")" "3002|2"

# independent: leaf hashes and the signed root from the stored leaves
sqlite3 -readonly "$T/s2.db" "SELECT hex(leaf), hex(leaf_hash) FROM entries ORDER BY seq" > "$T/leaves"
expect_eq "leaf hashes and the signed root agree with hashlib (RFC 6962)" "$(python3 - "$T/leaves" "$T/s2.db" <<'PY'
import hashlib, sqlite3, sys, base64
leaves, bad = [], 0
for row in open(sys.argv[1]):
    leaf, h = row.strip().split('|')
    d = hashlib.sha256(b'\0' + bytes.fromhex(leaf)).digest()
    bad += d.hex().upper() != h
    leaves.append(d)
def root(hs):
    if len(hs) == 1:
        return hs[0]
    k = 1
    while k * 2 < len(hs):
        k *= 2
    return hashlib.sha256(b'\1' + root(hs[:k]) + root(hs[k:])).digest()
note = sqlite3.connect(sys.argv[2]).execute('SELECT note FROM checkpoints').fetchone()[0]
lines = note.split('\n')
print('ok' if not bad and int(lines[1]) == len(leaves) and
      base64.b64decode(lines[2]) == root(leaves) else 'bad: %d leaf hashes' % bad)
PY
)" ok

# gzip and stdin (their source file differs) with 1 and 2 threads
for n in 1 2; do
	rm -f "$T/gz$n.db" "$T/in$n.db"
	run_import $n "$T/gz$n.db" "$T/mixed.jsonl.gz" --skip-invalid
	TRAILSCOPE_IMPORT_THREADS=$n "$TRAILSCOPE" import "$T/in$n.db" - --skip-invalid \
		< "$T/mixed.jsonl" >/dev/null 2>&1
done
expect_eq "a gzip file with 2 threads: the same rows" "$(digest "$T/gz2.db")" "$(digest "$T/gz1.db")"
expect_eq "stdin with 2 threads: the same rows" "$(digest "$T/in2.db")" "$(digest "$T/in1.db")"
expect_eq "stdin and gzip: 3,002 entries" \
	"$(q "$T/in2.db" "SELECT count(*) FROM entries")$(q "$T/gz2.db" "SELECT count(*) FROM entries")" 30023002

# without --skip-invalid: the first bad record stops every thread count
# alike, with nothing written; the bad record is late in the file too
sed -n '1,39p;41,$p' "$T/mixed.jsonl" > "$T/late.jsonl"   # drop the bad JSON of line 40
for n in 1 2 3; do
	rm -f "$T/f$n.db"
	run_import $n "$T/f$n.db" "$T/mixed.jsonl"
	cp "$T/err.$n" "$T/first-err.$n"
	expect_eq "a bad record, $n threads: exit 4" "$(cat "$T/rc.$n")" 4
	expect_eq "a bad record, $n threads: no store" "$(ls "$T/f$n.db" 2>/dev/null)" ""
	run_import $n "$T/f$n.db" "$T/late.jsonl"
	cp "$T/err.$n" "$T/late-err.$n"
	expect_eq "a late bad record, $n threads: exit 4" "$(cat "$T/rc.$n")" 4
done
expect_grep "the first bad record is named" '^[^ ]*mixed.jsonl:40:15: ' "$T/first-err.1"
expect_eq "and only it" "$(grep -c 'jsonl:[0-9]' "$T/first-err.1")" 1
expect_grep "a late first bad record is named" '^[^ ]*late.jsonl:1502:1: .*actor' "$T/late-err.1"
for n in 2 3; do
	expect_eq "a bad record, $n threads: the same message" "$(cat "$T/first-err.$n")" "$(cat "$T/first-err.1")"
	expect_eq "a late bad record, $n threads: the same message" "$(cat "$T/late-err.$n")" "$(cat "$T/late-err.1")"
done

# appends: the same rows whatever the threads, and an append stopped by
# a bad record leaves the store as it was
head -1000 "$T/gen.jsonl" > "$T/first.jsonl"
for n in 1 2; do
	rm -f "$T/a$n.db"
	ts import "$T/a$n.db" "$T/first.jsonl" >/dev/null 2>&1
	before=$(digest "$T/a$n.db")
	run_import $n "$T/a$n.db" "$T/late.jsonl"
	expect_eq "an append stopped by a bad record, $n threads: nothing changed" \
		"$(digest "$T/a$n.db")" "$before"
	run_import $n "$T/a$n.db" "$T/mixed.jsonl" --skip-invalid
done
expect_grep "append: 1,000 duplicates counted" '2002 added, 1001 already present; 3 invalid skipped' "$T/out.1"
expect_eq "append with 2 threads: the same summary" "$(cat "$T/out.2")" "$(cat "$T/out.1")"
expect_eq "append with 2 threads: the same rows" "$(digest "$T/a2.db")" "$(digest "$T/a1.db")"

# the variable is checked
rm -f "$T/v.db"
TRAILSCOPE_IMPORT_THREADS=zero "$TRAILSCOPE" import "$T/v.db" "$T/first.jsonl" >/dev/null 2>"$T/err.v"
expect_grep "a bad TRAILSCOPE_IMPORT_THREADS is named" 'TRAILSCOPE_IMPORT_THREADS must be a number from 1 to 16' "$T/err.v"
expect_eq "and the import still runs" "$(q "$T/v.db" "SELECT count(*) FROM entries")" 1000

# Kubernetes: reads and bad records are settled by the parser threads,
# the other lines handed to the writer in order (stages of one request,
# the state before from the store): the same rows, reports and counts
python3 - "$T/k8s.jsonl" <<'PY'
import json, sys
out = []
for i in range(4000):
    obj = 'cm-%d' % (i % 40)
    verb = ['get', 'list', 'watch', 'update', 'get', 'patch', 'create', 'get'][i % 8]
    ev = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
          "auditID": "id-%06d" % i, "stage": "ResponseComplete",
          "requestURI": "/api/v1/namespaces/shop/configmaps/" + obj, "verb": verb,
          "user": {"username": "user%d@example.com" % (i % 5)},
          "objectRef": {"resource": "configmaps", "namespace": "shop", "name": obj, "apiVersion": "v1"},
          "responseStatus": {"code": 200 if i % 50 else 409},
          "responseObject": {"kind": "ConfigMap", "metadata": {"name": obj, "namespace": "shop"},
                             "data": {"n": str(i), "flag": "on" if i % 3 else "off"}},
          "requestReceivedTimestamp": "2026-03-01T10:%02d:%02d.000000Z" % (i // 60 % 60, i % 60),
          "stageTimestamp": "2026-03-01T10:%02d:%02d.500000Z" % (i // 60 % 60, i % 60)}
    if i % 10 == 3:   # an earlier stage first; every 30th never completes
        rr = dict(ev, stage="RequestReceived")
        del rr["responseObject"], rr["responseStatus"]
        out.append(json.dumps(rr))
        if i % 30 == 3:
            continue
    out.append(json.dumps(ev))
    if i == 1234:
        out.append(json.dumps(dict(ev, kind="Other", auditID="x")))   # not an Event
    if i == 2345:
        out.append('{"kind": "Event", "auditID": ')                    # bad JSON
    if i == 3456:
        out.append(json.dumps({k: v for k, v in ev.items() if k != "verb"} | {"auditID": "nv"}))
    if i == 1504:     # reads the parser threads must not take for good ones
        rd = json.dumps(dict(ev, auditID="r%d" % i))[:-1]
        out.append(rd + ', "verb": "get"}')                           # a duplicate name
        out.append(rd + ', "x": "\udcff"}')                            # invalid UTF-8
        out.append(rd + ', "x": "\\ud800"}')                          # a lone surrogate
        out.append(rd + ', "x": 1e999}')                               # out of range
        out.append(rd + ', "x": ' + '[' * 70 + ']' * 70 + '}')         # too deep
        out.append(json.dumps(dict(ev, auditID="un", user=None)))      # no user
        out.append(rd.replace('"verb": "get"', '"verb": "g\\u0065t"') + '}')  # a read all the same
open(sys.argv[1], 'wb').write(('\n'.join(out) + '\n').encode('utf-8', 'surrogateescape'))
PY
for n in 1 2; do
	rm -f "$T/k$n.db" "$T/kr$n.db"
	run_import $n "$T/k$n.db" "$T/k8s.jsonl" --skip-invalid
	cp "$T/err.$n" "$T/kerr.$n"; cp "$T/out.$n" "$T/kout.$n"
	run_import $n "$T/kr$n.db" "$T/k8s.jsonl" --skip-invalid --include-reads
	cp "$T/out.$n" "$T/krout.$n"
	run_import $n "$T/kf$n.db" "$T/k8s.jsonl"
	cp "$T/err.$n" "$T/kferr.$n"
	expect_eq "k8s, a bad record, $n threads: exit 4, no store" "$(cat "$T/rc.$n") $(ls "$T/kf$n.db" 2>/dev/null)" "4 "
	head -2000 "$T/k8s.jsonl" > "$T/k8s-a.jsonl"; sed -n '2001,$p' "$T/k8s.jsonl" > "$T/k8s-b.jsonl"
	rm -f "$T/ka$n.db"
	TRAILSCOPE_IMPORT_THREADS=$n "$TRAILSCOPE" import "$T/ka$n.db" "$T/k8s-a.jsonl" >/dev/null 2>&1
	run_import $n "$T/ka$n.db" "$T/k8s-b.jsonl" --skip-invalid
done
expect_grep "k8s: reads and earlier stages skipped, bad records reported" \
	'reads.*earlier stages|earlier stages.*reads' "$T/kout.1"
expect_eq "k8s: 9 bad records reported" "$(grep -c '(skipped)' "$T/kerr.1")" 9
expect_eq "k8s: some states before come from earlier events" \
	"$(q "$T/k1.db" "SELECT count(*) > 100 FROM changes WHERE before_unknown = 0 AND kind = 'changed'")" 1
expect_eq "k8s, 2 threads: the same rows" "$(digest "$T/k2.db")" "$(digest "$T/k1.db")"
expect_eq "k8s, 2 threads: the same reports" "$(cat "$T/kerr.2")" "$(cat "$T/kerr.1")"
expect_eq "k8s, 2 threads: the same summary" "$(cat "$T/kout.2")" "$(cat "$T/kout.1")"
expect_eq "k8s --include-reads, 2 threads: the same rows" "$(digest "$T/kr2.db")" "$(digest "$T/kr1.db")"
expect_eq "k8s --include-reads, 2 threads: the same summary" "$(cat "$T/krout.2")" "$(cat "$T/krout.1")"
expect_eq "k8s, stopped by a bad record, 2 threads: the same message" "$(cat "$T/kferr.2")" "$(cat "$T/kferr.1")"
expect_eq "k8s append (state before from the store), 2 threads: the same rows" \
	"$(digest "$T/ka2.db")" "$(digest "$T/ka1.db")"
expect_eq "k8s append, 2 threads: the same summary" "$(cat "$T/out.2")" "$(cat "$T/out.1")"
# an EventList document is read whole, as before
python3 -c "
import json
items = [json.loads(l) for l in open('$T/k8s-a.jsonl', errors='replace').readlines()[:60] if l.strip()][:50]
print(json.dumps({'kind': 'EventList', 'apiVersion': 'audit.k8s.io/v1', 'items': items}, indent=1))" > "$T/list.json"
for n in 1 2; do rm -f "$T/l$n.db"; run_import $n "$T/l$n.db" "$T/list.json"; done
expect_eq "k8s EventList, 2 threads: the same rows" "$(digest "$T/l2.db")" "$(digest "$T/l1.db")"
expect_eq "k8s EventList: imported" "$(cat "$T/rc.2") $(q "$T/l2.db" "SELECT count(*) > 0 FROM entries")" "0 1"
