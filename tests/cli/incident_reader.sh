# incident_reader.sh - incident import reads through the record reader of
# event import (fmt_read): gzip (JSON lines, an export, standard input, a
# damaged stream), UTF-16 refused, bad records at FILE:LINE:COL in the
# form event import gives them (inside a gzip file too), NUL escapes at
# their position, a top-level array; nothing written on a bad file.
. tests/lib.sh
D=testdata/incidents
S=$T/s.db

gzip -c $D/good.jsonl > "$T/good.jsonl.gz"
expect_status "gzip JSON lines" 0 ts incident import "$S" "$T/good.jsonl.gz"
expect_grep "gzip JSON lines: every incident" '^3 incidents: 3 added' "$T/out"
expect_eq "gzip: source file and line kept" \
	"$(ts incident list "$S" --format jsonl | jq -r 'select(.id == "INC-2") | .source.file + ":" + (.source.line | tostring)')" \
	"$T/good.jsonl.gz:2"
gzip -c $D/pagerduty.json > "$T/pd.json.gz"
expect_status "gzip PagerDuty export" 0 ts incident import "$S" "$T/pd.json.gz"
expect_grep "gzip export: both incidents" '^2 incidents: 2 added' "$T/out"
expect_status "gzip from standard input" 0 sh -c "gzip -c $D/good.jsonl | \"$TRAILSCOPE\" incident import \"$S\" -"
expect_grep "stdin: unchanged" '3 unchanged' "$T/out"

before=$(ts incident list "$S" --format jsonl | wc -l)
gzip -c $D/bad-time.jsonl > "$T/bad-time.jsonl.gz"
expect_status "a bad record inside gzip: exit 4" 4 ts incident import "$S" "$T/bad-time.jsonl.gz"
expect_grep "a bad record inside gzip: its line and column" \
	"^$T/bad-time.jsonl.gz:2:1: bad time for \"started_at\"" "$T/err"
gzip -c $D/bad-pagerduty.json > "$T/bad-pd.json.gz"
expect_status "a bad export element inside gzip: exit 4" 4 ts incident import "$S" "$T/bad-pd.json.gz"
expect_grep "a bad export element: line, column and index" "^$T/bad-pd.json.gz:23:5: incident 1: bad time" "$T/err"
head -c 120 "$T/good.jsonl.gz" > "$T/cut.jsonl.gz"
expect_status "a truncated gzip stream: exit 4" 4 ts incident import "$S" "$T/cut.jsonl.gz"
expect_grep "a truncated gzip stream: its byte offset" "$T/cut.jsonl.gz: byte offset [0-9]+: truncated gzip stream" "$T/err"

printf '\377\376' > "$T/u16le.jsonl"
iconv -f UTF-8 -t UTF-16LE $D/good.jsonl >> "$T/u16le.jsonl"
expect_status "UTF-16 with a byte order mark: exit 4" 4 ts incident import "$S" "$T/u16le.jsonl"
expect_grep "UTF-16: says so" "$T/u16le.jsonl: UTF-16 is not supported: convert to UTF-8" "$T/err"
iconv -f UTF-8 -t UTF-16BE $D/good.jsonl > "$T/u16be.jsonl"
expect_status "UTF-16 without one: exit 4" 4 ts incident import "$S" "$T/u16be.jsonl"
expect_grep "UTF-16 without a mark: says so" "UTF-16 is not supported" "$T/err"
iconv -f UTF-8 -t UTF-16LE $D/good.jsonl | gzip -c > "$T/u16.jsonl.gz"
expect_status "UTF-16 inside gzip: exit 4" 4 ts incident import "$S" "$T/u16.jsonl.gz"

# the same bad record gives the same message from both imports
printf '{"id":"INC-9","title":"x" "started_at":"2026-03-05T13:39:17Z"}\n' > "$T/syntax.jsonl"
expect_status "incident import: a syntax error" 4 ts incident import "$S" "$T/syntax.jsonl"
grep "^$T/syntax.jsonl:" "$T/err" > "$T/inc-err"
expect_status "event import of the same record" 4 ts import "$T/ev.db" --format jsonl "$T/syntax.jsonl"
grep "^$T/syntax.jsonl:" "$T/err" > "$T/ev-err"
expect_eq "the same FILE:LINE:COL: reason from both" "$(cat "$T/inc-err")" "$(cat "$T/ev-err")"
expect_grep "the syntax error's column" "^$T/syntax.jsonl:1:27: " "$T/inc-err"
printf '{"id":"INC-9","started_at":"2026-03-05T13:39:17Z"}\n{"id":"INC-\\u0000","started_at":"2026-03-05T13:39:17Z"}\n' > "$T/nul.jsonl"
expect_status "a NUL escape: exit 4" 4 ts incident import "$S" "$T/nul.jsonl"
expect_grep "a NUL escape: at its position" "^$T/nul.jsonl:2:12: NUL character \\(U\\+0000\\) in a string" "$T/err"
expect_eq "bad files wrote nothing" "$(ts incident list "$S" --format jsonl | wc -l)" "$before"

printf '[\n  {"id":"ARR-1","started_at":"2026-03-05T13:39:17Z"},\n  {"id":"ARR-2","started_at":"2026-03-05T14:00:00Z"}\n]\n' > "$T/arr.json"
expect_status "a top-level array of incidents" 0 ts incident import "$S" "$T/arr.json"
expect_eq "array: each element at its line" \
	"$(ts incident list "$S" --format jsonl | jq -r 'select(.id | startswith("ARR")) | .source.line' | tr '\n' ' ')" "2 3 "
