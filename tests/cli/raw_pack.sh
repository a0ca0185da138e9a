# raw_pack.sh - schema 6's packed raw records (docs/STORE.md "entry_text"):
# every record import stores is a zstd frame made against its leaf, which
# the zstd command (not trailscope) unpacks to exactly the input line;
# the readers (show, sql, query's regex, export) give the record as it
# was; and every way of spoiling a packed record is caught: a frame cut
# short, one swapped with another entry's (made against another leaf), a
# validly repacked altered record, a record stored as text beside packed
# ones. copy (SQLite to SQLite) keeps every row byte for byte, packed or
# text, a damaged one too, which verify finds again (pg_store.sh: copies
# to PostgreSQL, which unpack).
. tests/lib.sh
S=$T/s.db

signer example.org/rawpack "$T/keys"
gen_store "$S" 60 23

# the zstd command, with the leaf as its dictionary, gives back each line
cat > "$T/unpack_all.py" <<'PY'
import sqlite3, subprocess, sys, tempfile
db = sqlite3.connect(sys.argv[1])
db.text_factory = bytes
lines = open(sys.argv[2], "rb").read().split(b"\n")
same = kinds = 0
for seq, leaf, raw, kind, line in db.execute(
        "SELECT e.seq, e.leaf, t.raw, typeof(t.raw), e.source_line FROM entries e JOIN entry_text t USING (seq) ORDER BY seq"):
    with tempfile.NamedTemporaryFile() as d:
        d.write(leaf)
        d.flush()
        r = subprocess.run(["zstd", "-q", "-d", "-D", d.name, "-c"], input=raw, capture_output=True)
    same += r.returncode == 0 and r.stdout == lines[line - 1]
    kinds += kind == b"blob"
print("%d packed, %d unpack to their input line" % (kinds, same))
PY
expect_eq "zstd unpacks every record to its input line" "$(python3 "$T/unpack_all.py" "$S" "$T/ev.jsonl")" \
	"60 packed, 60 unpack to their input line"
total=$(wc -c < "$T/ev.jsonl")
packed=$(q "$S" "SELECT sum(length(raw)) FROM entry_text")
if [ "$packed" -gt 0 ] && [ $((packed * 3)) -lt "$total" ]; then pass "packed: $packed bytes for $total of records"
else fail "packed: $packed bytes for $total of records" "want under a third"; fi

# the readers give the record as it was read
line7=$(sed -n 7p "$T/ev.jsonl")
expect_eq "show: the record of seq 7" "$(ts show "$S" 7 --format json | jq -r .raw)" "$line7"
expect_eq "sql: events.raw of seq 7" "$(ts sql "$S" 'SELECT raw FROM events WHERE seq = 7' --format jsonl | jq -r .raw)" "$line7"
expect_eq "sql: ts_raw over the table" \
	"$(ts sql "$S" 'SELECT count(*) AS n FROM entry_text t JOIN entries e USING (seq) WHERE ts_raw(t.raw, e.leaf) = (SELECT raw FROM events WHERE seq = t.seq)' --format jsonl | jq .n)" 60
# a regex that only the raw records can match (the summaries never hold a member name)
want=$(grep -c '"display_name":"[A-M]' "$T/ev.jsonl")
expect_eq "query: a regex over the records counts as grep does ($want)" \
	"$(ts query "$S" '/"display_name":"[A-M]/' --count)" "$want"
expect_eq "query: ... and lists the same lines" \
	"$(ts query "$S" '/"display_name":"[A-M]/' --format jsonl --limit 100 | jq -r .seq | tr '\n' ' ')" \
	"$(grep -n '"display_name":"[A-M]' "$T/ev.jsonl" | cut -d: -f1 | tr '\n' ' ')"
expect_status "export: the bundle verifies" 0 ts export "$S" --out "$T/b" --events 1-10 --case C-6 \
	--examiner e --key "$K" --trust "$P"
expect_eq "export: the bundle's record of seq 7 is the line" "$(ts bundle raw "$T/b" 7)" "$line7"

# spoiled records, each caught at its seq (the triggers dropped first)
cp "$S" "$T/t.db"
python3 - "$T/t.db" <<'PY'
import sqlite3, subprocess, sys, tempfile
db = sqlite3.connect(sys.argv[1])
db.executescript("DROP TRIGGER entry_text_no_update; DROP TRIGGER entry_text_no_delete;")
def leaf(seq):
    return db.execute("SELECT leaf FROM entries WHERE seq = ?", (seq,)).fetchone()[0]
def raw(seq):
    return db.execute("SELECT raw FROM entry_text WHERE seq = ?", (seq,)).fetchone()[0]
def zstd(args, data, d):
    with tempfile.NamedTemporaryFile() as f:
        f.write(d)
        f.flush()
        return subprocess.run(["zstd", "-q"] + args + ["-D", f.name, "-c"], input=data, capture_output=True,
                              check=True).stdout
# 3: cut short
db.execute("UPDATE entry_text SET raw = substr(raw, 1, length(raw) - 4) WHERE seq = 3")
# 5 and 6: swapped (each made against the other's leaf)
r5, r6 = raw(5), raw(6)
db.execute("UPDATE entry_text SET raw = ? WHERE seq = 5", (r6,))
db.execute("UPDATE entry_text SET raw = ? WHERE seq = 6", (r5,))
# 8: altered, then packed again against its own leaf, as a careful forger would
rec = zstd(["-d"], raw(8), leaf(8)).replace(b'"evt-', b'"EVT-', 1)
db.execute("UPDATE entry_text SET raw = ? WHERE seq = 8", (zstd(["-1"], rec, leaf(8)),))
# 9: the same record, honestly, but stored as text (allowed: verifies)
db.execute("UPDATE entry_text SET raw = CAST(? AS TEXT) WHERE seq = 9", (zstd(["-d"], raw(9), leaf(9)),))
# 10: packed again by the zstd command from a pipe (no content size in the frame): as good
db.execute("UPDATE entry_text SET raw = ? WHERE seq = 10", (zstd(["-3"], zstd(["-d"], raw(10), leaf(10)), leaf(10)),))
# 11: not a frame at all
db.execute("UPDATE entry_text SET raw = x'00010203' WHERE seq = 11")
db.commit()
PY
expect_eq "spoiled: seq 9 is text now, the rest blobs" "$(q "$T/t.db" "SELECT typeof(raw) FROM entry_text WHERE seq = 9")" text
ts verify "$T/t.db" --trust "$P" --format json > "$T/tv.json"; st=$?
expect_eq "spoiled: verify exits 1" "$st" 1
expect_eq "spoiled: MODIFIED at 3, 5, 6, 8 and 11, not at 9 (text) nor 10 (packed by zstd from a pipe)" \
	"$(jq -c '[.faults[] | select(.kind == "MODIFIED") | .seq]' "$T/tv.json")" '[3,5,6,8,11]'
expect_eq "spoiled: a frame that does not unpack says so" \
	"$(jq -r '.faults[] | select(.seq == 3) | .detail' "$T/tv.json")" \
	"entry_text of seq 3 differs from the leaf: raw record: the packed form does not unpack against the leaf (not one whole zstd frame)"
expect_eq "spoiled: not a frame at all" \
	"$(jq -r '.faults[] | select(.seq == 11) | .detail' "$T/tv.json")" \
	"entry_text of seq 11 differs from the leaf: raw record: the packed form does not unpack against the leaf (not one whole zstd frame)"
expect_eq "spoiled: a repacked forgery is caught by raw_sha256" \
	"$(jq -r '.faults[] | select(.seq == 8) | .detail' "$T/tv.json" | sed 's/[0-9a-f]\{64\}/H/g')" \
	"entry_text of seq 8 differs from the leaf: raw record: SHA-256 H in the table, raw_sha256 H in the leaf"
expect_eq "spoiled: show gives no record for 3 and 8, the record for 9" \
	"$(for n in 3 8 9; do ts show "$T/t.db" $n --format json | jq -c '.raw | type'; done | tr '\n' ' ')" \
	'"null" "null" "string" '
expect_eq "spoiled: export refuses seq 3" "$(ts export "$T/t.db" --out "$T/tb" --events 3 --case C \
	--examiner e --key "$K" --trust "$P" --allow-failed 2>&1 >/dev/null | grep -c 'does not unpack against its leaf')" 1
expect_status "spoiled: a regex over every record still runs" 0 ts query "$T/t.db" '/"display_name"/' --count
expect_eq "spoiled: ... matching all but the unreadable ones (3, 5, 6, 11)" "$(cat "$T/out")" 56

# copy: every row as it is, packed or text, damaged or not
expect_status "copy: SQLite to SQLite" 0 ts copy "$T/t.db" "$T/c.db"
expect_eq "copy: the packed rows are the same bytes" \
	"$(q "$T/c.db" "SELECT group_concat(hex(raw)) FROM entry_text WHERE seq != 9")" \
	"$(q "$T/t.db" "SELECT group_concat(hex(raw)) FROM entry_text WHERE seq != 9")"
expect_eq "copy: the text row stays text" "$(q "$T/c.db" "SELECT typeof(raw) FROM entry_text WHERE seq = 9")" text
ts verify "$T/c.db" --trust "$P" --format json > "$T/cv.json"
expect_eq "copy: verify finds the same faults again" \
	"$(jq -c '[.faults[] | select(.kind == "MODIFIED") | .seq]' "$T/cv.json")" '[3,5,6,8,11]'
expect_eq "copy: seq 9's record as it was" "$(ts show "$T/c.db" 9 --format json | jq -r .raw)" \
	"$(sed -n 9p "$T/ev.jsonl")"
