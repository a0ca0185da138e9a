# import_summary.sh - imports that say what happened: a file in no
# recognised format says what it looks like and hints at --map (exit 4, no
# store); an import whose records all fail under --skip-invalid, or are all
# reads, fails and writes nothing; the summary counts what was skipped
# and why (reads, earlier stages, invalid).
. tests/lib.sh
SM=$SHARED/samples
nostore() { [ -e "$2" ] && fail "$1" "$2 exists" || pass "$1"; }

# JSON lines of another shape (an application log)
printf '%s\n' '{"timestamp":"2026-03-01T10:00:00Z","level":"info","msg":"started","pid":42}' \
	'{"timestamp":"2026-03-01T10:00:01Z","level":"warn","msg":"slow"}' > "$T/app.jsonl"
expect_status "json lines of another shape: bad input" 4 ts import "$T/a.db" "$T/app.jsonl"
expect_grep "json lines: not a recognised format, what line 1 is" \
	'app.jsonl: not a recognised audit format: line 1 is a JSON object with members timestamp, level, msg, pid; no format matched' "$T/err"
expect_grep "json lines: the --map hint with an example" 'hint: .*--map FILE, e.g. \{"fields": \{"timestamp"' "$T/err"
expect_nogrep "json lines: never missing \"actor\" as the clue" 'missing "actor"' "$T/err"
nostore "json lines: no store left behind" "$T/a.db"
# one line with no newline at its end (falco's fal_01_003.json is `{"kind": 0}`)
cp "$SM/k8s-falco/fal_01_003.json" "$T/bogus.json"
expect_status "one object, no final newline: bad input" 4 ts import "$T/b.db" "$T/bogus.json"
expect_grep "one object, no final newline: what it is" \
	'bogus.json: not a recognised audit format: line 1 is a JSON object with members kind; no format matched' "$T/err"
expect_nogrep "one object, no final newline: never missing \"timestamp\" as the clue" 'missing "' "$T/err"
nostore "one object, no final newline: no store left behind" "$T/b.db"
# a generic record with a missing member is still that record's error
printf '%s\n' '{"timestamp":"2026-03-01T10:00:00Z","actor":"kim"}' > "$T/gen.jsonl"
expect_status "generic record missing its target" 4 ts import "$T/g.db" "$T/gen.jsonl"
expect_grep "generic record: its own error" 'gen.jsonl:1:1: missing' "$T/err"

# CSV
printf '%s\n' 'time,user,action,object' '2026-03-01T10:00:00Z,kim,delete,bucket-1' > "$T/audit.csv"
expect_status "csv: bad input" 4 ts import "$T/c.db" "$T/audit.csv"
expect_grep "csv: said" 'audit.csv: not a recognised audit format: line 1 looks like CSV, not JSON \(time,user,action,object\)' "$T/err"
nostore "csv: no store left behind" "$T/c.db"

# plain text log, with a blank first line and a control character
printf '\n%s\n' "$(printf 'Mar  1 10:00:00 host sshd[42]: Accepted \033[31mkey')" > "$T/auth.log"
expect_status "text log: bad input" 4 ts import "$T/t.db" "$T/auth.log"
expect_grep "text log: said, at its line" 'auth.log: not a recognised audit format: line 2 is text, not JSON \("Mar  1 10:00:00 host sshd\[42\]: Accepted .*key"\)' "$T/err"
if grep -q "$(printf '\033')" "$T/err"; then fail "text log: nothing raw reaches the terminal"; else pass "text log: nothing raw reaches the terminal"; fi
nostore "text log: no store left behind" "$T/t.db"

# --skip-invalid that skips everything
printf '%s\n' '{"actor":"kim","timestamp":"nope","target":"x"}' '{"actor":"kim","target":"x"}' > "$T/bad.jsonl"
expect_status "all invalid with --skip-invalid: bad input" 4 ts import "$T/i.db" --skip-invalid "$T/bad.jsonl"
expect_grep "all invalid: each reported" 'bad.jsonl:2:1: .*\(skipped\)' "$T/err"
expect_grep "all invalid: the counts say why" 'nothing to import \(2 records: 0 added, 0 already present; 2 invalid skipped\); nothing was written' "$T/err"
nostore "all invalid: no store created" "$T/i.db"
# some valid: the summary counts the invalid one
printf '%s\n' '{"actor":"kim","timestamp":"2026-03-01T10:00:00Z","target":"x"}' >> "$T/bad.jsonl"
expect_status "one valid with --skip-invalid" 0 ts import "$T/i2.db" --skip-invalid "$T/bad.jsonl"
expect_grep "summary: invalid counted" '^3 records: 1 added, 0 already present; 2 invalid skipped; store has 1 entries' "$T/out"
expect_status "re-import: duplicates only is fine" 0 ts import "$T/i2.db" --skip-invalid "$T/bad.jsonl"
expect_grep "re-import: counted as present" '^3 records: 0 added, 1 already present; 2 invalid skipped' "$T/out"

# Kubernetes with only reads
printf '%s\n' \
	'{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"r1","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":"list","user":{"username":"kim"},"objectRef":{"resource":"pods","namespace":"default"},"requestReceivedTimestamp":"2026-03-01T10:00:00.000000Z"}' \
	'{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"r2","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods/p","verb":"get","user":{"username":"kim"},"objectRef":{"resource":"pods","namespace":"default","name":"p"},"requestReceivedTimestamp":"2026-03-01T10:00:01.000000Z"}' \
	> "$T/reads.jsonl"
expect_status "k8s reads only: bad input" 4 ts import "$T/k.db" "$T/reads.jsonl"
expect_grep "k8s reads only: says so, points to --include-reads" \
	'reads.jsonl: no changes: its 2 read-only requests .* are skipped; --include-reads imports them too' "$T/err"
expect_grep "k8s reads only: the counts" 'nothing to import \(2 records: 0 added, 0 already present; 2 reads skipped\)' "$T/err"
nostore "k8s reads only: no store" "$T/k.db"
expect_status "k8s reads only: --include-reads imports them" 0 ts import "$T/k2.db" --include-reads "$T/reads.jsonl"
expect_grep "k8s reads: --include-reads summary" '^2 records: 2 added, 0 already present; store' "$T/out"

# the shared Kubernetes sample: the summary counts reads and stages
ls "$SM"/k8s-falco/*.json | grep -v fal_01_003 > "$T/k8s.list"
expect_status "falco samples import" 0 ts import "$T/f.db" $(cat "$T/k8s.list") testdata/formats/k8s-stages.jsonl
expect_grep "falco + stages: records, events, reads and earlier stages" \
	'^61 records: 54 added, 2 already present; 2 reads, 3 earlier stages skipped; store has 54 entries' "$T/out"
