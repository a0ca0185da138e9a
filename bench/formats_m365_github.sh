#!/bin/sh
# formats_m365_github.sh - import rate of the m365 and github formats on
# generated data (N records each, default 50,000, every one a change):
# Microsoft 365 as the compliance portal's CSV export and as Management
# Activity API arrays of 10,000 records, GitHub as JSON lines. Records are
# the shapes of testdata/formats/{m365,github} with their own ids, times
# and targets. Appends its lines to bench/results-formats.txt (run it
# after formats.sh, which rewrites that file).
. "$(dirname "$0")/lib.sh"
formats_bench formats-m365-github

[ -s "$gen/.done" ] || python3 - "$N" "$gen" <<'PY'
import csv, json, os, sys, datetime
n, out = int(sys.argv[1]), sys.argv[2]
t0 = 1772359200  # 2026-03-01T10:00:00Z
org = "b7e1c0de-1111-4222-8333-944455556666"
def ctime(i):
    return datetime.datetime.fromtimestamp(t0 + i, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S')
def m365(i):
    r = {"CreationTime": ctime(i), "Id": "m365-%012d" % i, "OrganizationId": org,
         "UserKey": "1003%012X" % (i % 300), "UserId": "user%d@contoso.com" % (i % 300),
         "ClientIP": "203.0.113.%d" % (i % 250), "Version": 1}
    if i % 2:
        r.update({"Operation": "Update user.", "RecordType": 8, "ResultStatus": "Success", "UserType": 2,
                  "Workload": "AzureActiveDirectory", "ObjectId": "person%d@contoso.com" % (i % 5000),
                  "ModifiedProperties": [
                      {"Name": "Department", "OldValue": "[\"Sales\"]", "NewValue": "[\"Dept %d\"]" % (i % 40)},
                      {"Name": "AccountEnabled", "OldValue": "[\r\n  true\r\n]", "NewValue": "[\r\n  %s\r\n]" % ("false" if i % 3 else "true")}]})
    else:
        r.update({"Operation": "Set-Mailbox", "RecordType": 1, "ResultStatus": "True", "UserType": 2,
                  "Workload": "Exchange", "ObjectId": "contoso.onmicrosoft.com/Users/box%d" % (i % 5000),
                  "Parameters": [{"Name": "Identity", "Value": "box%d@contoso.com" % (i % 5000)},
                                 {"Name": "ForwardingSmtpAddress", "Value": "smtp:fwd%d@example.net" % i},
                                 {"Name": "DeliverToMailboxAndForward", "Value": "True"}]})
    return r
with open(os.path.join(out, 'm365.csv'), 'w', newline='') as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["CreationDate", "UserIds", "Operations", "AuditData"])
    for i in range(n):
        r = m365(i)
        w.writerow([r["CreationTime"] + ".0000000Z", r["UserId"], r["Operation"],
                    json.dumps(r, separators=(',', ':'))])
per = 10000
for k in range(0, n, per):
    with open(os.path.join(out, 'm365-%06d.json' % k), 'w') as f:
        json.dump([m365(i) for i in range(k, min(n, k + per))], f)
with open(os.path.join(out, 'github.jsonl'), 'w') as f:
    for i in range(n):
        ms = (t0 + i) * 1000 + i % 1000
        e = {"@timestamp": ms, "created_at": ms, "_document_id": "gh%020d" % i,
             "actor": "dev%d" % (i % 200), "actor_location": {"country_code": "DE"},
             "org": "octo-corp", "user_agent": "Mozilla/5.0", "operation_type": "modify"}
        k = i % 3
        if k == 0:
            e.update({"action": "org.update_member", "user": "member%d" % (i % 3000),
                      "permission": "admin" if i % 2 else "read", "old_permission": "read" if i % 2 else "admin"})
        elif k == 1:
            e.update({"action": "protected_branch.update", "repo": "octo-corp/repo-%d" % (i % 2000),
                      "name": "main", "required_approving_review_count": i % 3,
                      "required_approving_review_count_was": 2, "hashed_token": "tok%d=" % i})
        else:
            e.update({"action": "repo.create", "repo": "octo-corp/new-%d" % i, "operation_type": "create",
                      "visibility": "private"})
        f.write(json.dumps(e, separators=(',', ':')) + '\n')
open(os.path.join(out, '.done'), 'w').write('ok\n')
PY

run() { # NAME FILES...: prints "wall-seconds cpu-seconds"; fails unless all N are stored
	name=$1; shift
	db=$DATA/formats-$name.db
	rm -f "$db" "$db-wal" "$db-shm"
	t0=$(now_ms)
	cpu=$(/usr/bin/time -f '%U %S' "$TS" import "$db" --quiet "$@" 2>&1 >/dev/null | tail -1)
	t1=$(now_ms)
	got=$(sqlite3 "$db" 'select count(*) from entries')
	[ "$got" = "$N" ] || { echo "$name: $got entries, want $N" >&2; exit 1; }
	python3 -c "u, s = '$cpu'.split(); print('%.3f %.3f' % (($t1 - $t0) / 1000, float(u) + float(s)))"
}
t_csv=$(run m365-csv "$gen/m365.csv")
t_api=$(run m365-api "$gen"/m365-*.json)
t_gh=$(run github "$gen/github.jsonl")
mb() { du -cm "$@" | tail -1 | cut -f1; }
{
	echo "# m365 and github, $N events each ($(date -u +%Y-%m-%d), $(nproc) cores, load average" \
	     "$(cut -d' ' -f1 /proc/loadavg) at the end; wall time, and CPU time of the import;" \
	     "bench/formats_m365_github.sh)"
	python3 - "$N" "$t_csv" "$t_api" "$t_gh" "$(mb "$gen/m365.csv")" "$(mb "$gen"/m365-*.json)" \
		"$(mb "$gen/github.jsonl")" <<'PY'
import sys
n = int(sys.argv[1])
t = [[float(v) for v in x.split()] for x in sys.argv[2:5]]
m = sys.argv[5:8]
rows = [("m365 (compliance portal CSV export, AuditData JSON)", t[0], m[0]),
        ("m365 (Management Activity API arrays)", t[1], m[1]),
        ("github (JSON lines, old_*/_was changes)", t[2], m[2])]
for name, (s, cpu), size in rows:
    print(f"{name:68s} {s:7.2f} s = {n/s:>9,.0f} events/s  ({size} MiB in; CPU {cpu:.2f} s = {n/cpu:,.0f} events/CPU-s)")
PY
} | tee -a "$out"
