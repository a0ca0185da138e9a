# import_hardening.sh - bad input to trailscope import: derived ids are
# exact (big integers), truncated or corrupt gzip, NUL characters in
# strings, wrong-typed fields in the platform formats, blank lines, byte
# order marks and UTF-16. Every bad input is exit 4 with a location and
# leaves the store as it was.
. tests/lib.sh
H=testdata/hardening
q() { sqlite3 "$1" "$2"; }
# entries NAME DB WANT: the store holds WANT entries (0 when it was never created)
entries() {
	if [ -f "$2" ]; then expect_eq "$1" "$(q "$2" 'select count(*) from entries')" "$3"
	else expect_eq "$1" "0" "$3"; fi
}

# ---- 1. derived ids come from the exact numbers ----
expect_status "ids: records differing beyond 2^53 import" 0 ts import "$T/big.db" $H/ids-big.jsonl
expect_grep "ids: only the same value is a duplicate" '^5 records: 4 added, 1 already present' "$T/out"
expect_eq "ids: ...993 and ...992 are both stored" \
	"$(q "$T/big.db" "select group_concat(substr(raw, instr(raw, 'balance') + 9), ' ') from (select raw from entry_text where raw like '%90071992547409%' order by seq)")" \
	"9007199254740993}} 9007199254740992}}"
# the ids of records without lossy numbers are those of the previous scheme
# (computed by the base commit c6da97a), so re-importing an old file into a
# store made before adds nothing
expect_status "ids: ordinary records import" 0 ts import "$T/old.db" $H/ids-old.jsonl $H/ct-noid.json
expect_eq "ids: unchanged for ordinary numbers" \
	"$(q "$T/old.db" "select group_concat(event_id, ' ') from (select event_id from entries where seq in (1,2,3,4,5) order by seq)")" \
	"sha256:e0734d7397c0cdc5bbda9f45c415c38a sha256:692ba189fa81b1b16be41c158f36a406 sha256:6cca5461908f7406616e698bc0a1c44c sha256:f6073a44e2135fbcd945953499b390a9 sha256:478e1f078a2779c1f97e720170f0c6c4"
expect_eq "ids: big-number records keep the old id when exact" \
	"$(q "$T/big.db" "select count(*) from entries where event_id in ('sha256:84110c232b7ebdb3f80af159ba6cb409','sha256:adcb5cf65c97c0a859a0093c1bdffad9')")" "2"
expect_status "ids: re-import" 0 ts import "$T/old.db" $H/ids-old.jsonl $H/ct-noid.json
expect_grep "ids: re-import adds nothing" '^7 records: 0 added, 7 already present' "$T/out"
expect_eq "ids: CloudTrail records differing in a big integer are both kept" \
	"$(q "$T/old.db" "select count(*) from entries where action like '%ModifyVolume'")" "3"
