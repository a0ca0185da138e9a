# import_hardening.sh - bad input to trailscope import: derived ids are
# exact (big integers), truncated or corrupt gzip, NUL characters in
# strings, wrong-typed fields in the platform formats, blank lines, byte
# order marks and UTF-16. Every bad input is exit 4 with a location and
# leaves the store as it was.
. tests/lib.sh
H=testdata/hardening
# entries NAME DB WANT: the store holds WANT entries (0 when it was never created)
entries() {
	if [ -f "$2" ]; then expect_eq "$1" "$(q "$2" 'select count(*) from entries')" "$3"
	else expect_eq "$1" "0" "$3"; fi
}

# ---- 1. derived ids come from the exact numbers ----
expect_status "ids: records differing beyond 2^53 import" 0 ts import "$T/big.db" $H/ids-big.jsonl
expect_grep "ids: only the same value is a duplicate" '^5 records: 4 added, 1 already present' "$T/out"
expect_eq "ids: ...993 and ...992 are both stored" \
	"$(tq "$T/big.db" "select group_concat(substr(raw, instr(raw, 'balance') + 9), ' ') from (select raw from events where raw like '%90071992547409%' order by seq)")" \
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

# ---- 2. truncated or corrupt gzip: exit 4, the file and the byte offset ----
head -n 3 testdata/formats/k8s-stages.jsonl | gzip -9 -n > "$T/k.jsonl.gz"
expect_status "gzip: whole stream imports" 0 ts import "$T/gz-ok.db" "$T/k.jsonl.gz"
gzsize=$(wc -c < "$T/k.jsonl.gz")
# every offset is cut in tests/unit/test_formats.c; here: the header,
# every 37th byte, and the trailer, through the whole import
bad=""
offsets=$(i=1; while [ "$i" -lt "$gzsize" ]; do
	if [ "$i" -le 12 ] || [ $((i % 37)) -eq 0 ] || [ "$i" -ge $((gzsize - 9)) ]; then echo "$i"; fi
	i=$((i + 1)); done)
for i in $offsets; do
	head -c "$i" "$T/k.jsonl.gz" > "$T/cut.gz"
	ts import "$T/cut.db" "$T/cut.gz" >/dev/null 2>"$T/cut.err"; rc=$?
	if [ "$rc" -ne 4 ]; then
		bad="$bad $i(exit $rc)"
	elif [ -f "$T/cut.db" ] && [ "$(q "$T/cut.db" 'select count(*) from entries')" != 0 ]; then
		bad="$bad $i(written)"
	elif [ "$i" -ge 2 ] && ! grep -q "cut.gz: byte offset $i: truncated gzip stream" "$T/cut.err"; then
		bad="$bad $i($(head -c 200 "$T/cut.err"))"
	fi
done
expect_eq "gzip: cut at $(echo $offsets | wc -w) offsets: exit 4, offset named, nothing written" "$bad" ""
head -c $((gzsize - 8)) "$T/k.jsonl.gz" > "$T/notrailer.gz"
expect_status "gzip: missing trailer fails" 4 ts import "$T/gz-bad.db" "$T/notrailer.gz"
expect_grep "gzip: missing trailer located" "notrailer.gz: byte offset $((gzsize - 8)): truncated gzip stream" "$T/err"
{ cat "$T/k.jsonl.gz"; printf 'junk\n'; } > "$T/garbage.gz"
expect_status "gzip: trailing garbage fails" 4 ts import "$T/gz-bad.db" "$T/garbage.gz"
expect_grep "gzip: trailing garbage located" "garbage.gz: byte offset $gzsize: data after the end of the gzip stream" "$T/err"
{ cat "$T/k.jsonl.gz"; printf '\0\0\0\0'; } > "$T/zeros.gz"
expect_status "gzip: trailing zero bytes fail" 4 ts import "$T/gz-bad.db" "$T/zeros.gz"
for at in 8 5 4; do
	cp "$T/k.jsonl.gz" "$T/crc.gz"
	# flip one bit of the CRC-32 (at 8 from the end) or of the length (at 4)
	b=$(od -An -tu1 -j $((gzsize - at)) -N1 "$T/crc.gz" | tr -d ' ')
	printf "$(printf '\\%03o' $(( b ^ 1 )))" | dd of="$T/crc.gz" bs=1 seek=$((gzsize - at)) conv=notrunc 2>/dev/null
	expect_status "gzip: flipped trailer byte -$at fails" 4 ts import "$T/gz-bad.db" "$T/crc.gz"
	if [ "$at" -eq 4 ]; then what=length; off=$((gzsize - 4)); else what=CRC-32; off=$((gzsize - 8)); fi
	expect_grep "gzip: flipped trailer byte -$at located" "crc.gz: byte offset $off: bad gzip $what" "$T/err"
done
cp "$T/k.jsonl.gz" "$T/data.gz"
printf '\377\377\377' | dd of="$T/data.gz" bs=1 seek=20 conv=notrunc 2>/dev/null
expect_status "gzip: corrupt deflate data fails" 4 ts import "$T/gz-bad.db" "$T/data.gz"
expect_grep "gzip: corrupt deflate data located" 'data.gz: byte offset [0-9]+: (corrupt gzip data|bad gzip)' "$T/err"
expect_status "gzip: corrupt stream on stdin fails" 4 sh -c "'$TRAILSCOPE' import '$T/gz-bad.db' --format k8s - < '$T/notrailer.gz'"
expect_grep "gzip: stdin named" "<stdin>: byte offset $((gzsize - 8)): truncated" "$T/err"
cat "$T/k.jsonl.gz" "$T/k.jsonl.gz" > "$T/two.gz"
expect_status "gzip: concatenated members import" 0 ts import "$T/gz-two.db" "$T/two.gz"
expect_status "gzip: a good file before a bad one" 4 ts import "$T/gz-bad.db" testdata/hardening/ids-old.jsonl "$T/crc.gz"
entries "gzip: nothing written by any failed import" "$T/gz-bad.db" 0
mkdir -p "$T/adir"
expect_status "directory as input: exit 4" 4 ts import "$T/dir.db" testdata/hardening/ids-old.jsonl "$T/adir"
expect_grep "directory as input: its own message" 'adir: is a directory: name the files to import' "$T/err"
entries "directory as input: nothing written" "$T/dir.db" 0

# ---- 3. NUL characters in strings: rejected where they are ----
expect_status "NUL: timestamp with \\u0000 fails" 4 ts import "$T/nul.db" $H/nul-generic.jsonl
expect_grep "NUL: located at the escape" 'nul-generic.jsonl:2:35: NUL character \(U\+0000\) in a string' "$T/err"
expect_status "NUL: actor id fails" 4 ts import "$T/nul.db" $H/nul-actor.jsonl
expect_grep "NUL: actor id located" 'nul-actor.jsonl:1:51: NUL character' "$T/err"
expect_status "NUL: target key fails" 4 ts import "$T/nul.db" --format jsonl $H/nul-target.jsonl
expect_grep "NUL: target key located" 'nul-target.jsonl:1:71: NUL character' "$T/err"
entries "NUL: nothing written" "$T/nul.db" 0
expect_status "NUL: an escaped backslash before u0000 is text" 0 ts import "$T/nul-ok.db" $H/nul-escaped-ok.jsonl
expect_eq "NUL: ... and kept as it is" "$(q "$T/nul-ok.db" "select actor from entries")" 'a\u0000'
sed '1s/"auditID":"aaaaaaaa-0000-0000-0000-000000000001"/"auditID":"aaaaaaaa-0000-0000-0000-000000000001\\u0000b"/' testdata/formats/k8s-stages.jsonl > "$T/nul-k8s.jsonl"
expect_status "NUL: k8s auditID fails" 4 ts import "$T/nul.db" "$T/nul-k8s.jsonl"
expect_grep "NUL: k8s auditID located" 'nul-k8s.jsonl:1:[0-9]+: NUL character' "$T/err"
sed 's/"arn": "arn:aws:iam::1:user\/a"/"arn": "arn:aws:iam::1:user\/a\\u0000"/' $H/ct-noid.json > "$T/nul-ct.json"
expect_status "NUL: CloudTrail document record fails" 4 ts import "$T/nul.db" "$T/nul-ct.json"
expect_grep "NUL: CloudTrail located with its index" 'nul-ct.json:3:[0-9]+: record 0: NUL character' "$T/err"
printf '%s\n' '{"EventId":"e1","CloudTrailEvent":"{\"eventTime\":\"2026-01-01T00:00:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"PutObject\\u0000x\"}"}' > "$T/nul-lookup.jsonl"
expect_status "NUL: inside CloudTrailEvent fails" 4 ts import "$T/nul.db" --format cloudtrail "$T/nul-lookup.jsonl"
expect_grep "NUL: inside CloudTrailEvent located" 'nul-lookup.jsonl:1:1: in "CloudTrailEvent" at 1:[0-9]+: NUL character' "$T/err"
expect_status "NUL: map pointer fails" 4 ts import "$T/nul.db" --map $H/map-nul.json testdata/formats/map-app.jsonl
expect_grep "NUL: map pointer located" 'map-nul.json:6:28: NUL character' "$T/err"
sed 's/"email":"kim@example.com"/"email":"kim@example.com\\u0000"/' testdata/formats/map-app.jsonl > "$T/nul-map.jsonl"
expect_status "NUL: mapped field fails" 4 ts import "$T/nul.db" --map testdata/formats/map-app.json "$T/nul-map.jsonl"
expect_grep "NUL: mapped field located" 'nul-map.jsonl:1:[0-9]+: NUL character' "$T/err"
entries "NUL: still nothing written" "$T/nul.db" 0

# ---- 5. blank lines, byte order marks, UTF-16 ----
expect_status "blank lines: --format jsonl skips them" 0 ts import "$T/bl.db" --format jsonl $H/blank-lines.jsonl
expect_grep "blank lines: two records" '^2 records: 2 added' "$T/out"
expect_status "blank lines: detected jsonl skips them" 0 ts import "$T/bl2.db" $H/blank-lines.jsonl
for f in "$H/ct-noid.json cloudtrail" "testdata/formats/k8s-stages.jsonl k8s" \
	 "testdata/formats/unleash-export.json unleash" "testdata/formats/ld-items.json launchdarkly" \
	 "$H/ids-old.jsonl jsonl"; do
	set -- $f
	printf '\357\273\277' | cat - "$1" > "$T/bom-$2"
	expect_status "BOM: $2 detected and imported" 0 ts import "$T/bom-$2.db" "$T/bom-$2"
	expect_grep "BOM: $2 detected" "bom-$2: detected format $2" "$T/err"
	expect_status "BOM: --format $2 imports" 0 ts import "$T/bomf-$2.db" --format "$2" "$T/bom-$2"
	printf '\357\273\277' | cat - "$1" | gzip > "$T/bomgz-$2"
	expect_status "BOM: gzip $2 imports" 0 ts import "$T/bomgz-$2.db" "$T/bomgz-$2"
done
expect_eq "BOM: a document's positions count from after it" \
	"$(q "$T/bom-cloudtrail.db" "select source_line from entries order by seq limit 1")" "2"
printf '\357\273\277' | cat - testdata/formats/map-app.jsonl > "$T/bom-map.jsonl"
expect_status "BOM: mapped records" 0 ts import "$T/bom-map.db" --map $H/map-bom.json "$T/bom-map.jsonl"
printf '\357\273\277{"timestamp":"2026-01-01T00:00:00Z","actor":"a","flag_key":"f"}\n\357\273\277{"timestamp":"2026-01-01T00:00:01Z","actor":"a","flag_key":"g"}\n' > "$T/bom2.jsonl"
expect_status "BOM: only at the start of a file" 4 ts import "$T/bom2.db" --format jsonl "$T/bom2.jsonl"
expect_grep "BOM: a second one is an error at its line" 'bom2.jsonl:2:1: byte order mark' "$T/err"
for f in u16.jsonl u16le-nobom.jsonl u16be-nobom.jsonl; do
	for fmt in auto jsonl k8s cloudtrail launchdarkly unleash; do
		expect_status "UTF-16: $f --format $fmt fails" 4 ts import "$T/u16.db" --format $fmt $H/$f
		expect_grep "UTF-16: $f --format $fmt says so" "$f: UTF-16 is not supported: convert to UTF-8" "$T/err"
	done
done
gzip -c $H/u16.jsonl > "$T/u16.jsonl.gz"
expect_status "UTF-16: gzip-compressed fails" 4 ts import "$T/u16.db" "$T/u16.jsonl.gz"
expect_grep "UTF-16: gzip-compressed says so" 'u16.jsonl.gz: UTF-16 is not supported' "$T/err"
expect_status "UTF-16: map records fail" 4 ts import "$T/u16.db" --map testdata/formats/map-app.json $H/u16le-nobom.jsonl
expect_status "UTF-16: map file fails" 4 ts import "$T/u16.db" --map $H/map-utf16.json testdata/formats/map-app.jsonl
expect_grep "UTF-16: map file says so" 'map-utf16.json:1:1: UTF-16 is not supported: convert to UTF-8' "$T/err"
entries "UTF-16: nothing written" "$T/u16.db" 0

# ---- 4. wrong-typed fields: errors at the column where the value starts ----
# valcol FILE KEY: the column of the value of the first "KEY": in FILE's first line
valcol() { head -n 1 "$1" | awk -v k="\"$2\":" '{ print index($0, k) + length(k) }'; }
# bad_field NAME FILE KEY REASON [ARGS...]: import fails at FILE:1:COL(KEY): REASON
bad_field() {
	local name=$1 file=$2 key=$3 why=$4 col
	shift 4
	col=$(valcol "$file" "$key")
	expect_status "$name fails" 4 ts import "$T/types.db" "$@" "$file"
	expect_grep "$name located at its value" "$(basename "$file"):1:$col: $why" "$T/err"
}
K8S=$(head -n 1 testdata/formats/k8s-stages.jsonl)
k8s() { printf '%s\n' "$K8S" | sed "$1" > "$T/$2.jsonl"; }
k8s 's/"user":{[^}]*}/"user":"alice"/' k8s-user-string
bad_field "k8s: user as a string" "$T/k8s-user-string.jsonl" user 'expected object for "user"'
k8s 's/"user":{[^}]*},//' k8s-user-missing
expect_status "k8s: user missing fails" 4 ts import "$T/types.db" "$T/k8s-user-missing.jsonl"
expect_grep "k8s: user missing named" 'k8s-user-missing.jsonl:1:1: missing "user"' "$T/err"
k8s 's/"username":"alice@example.com"/"username":7/' k8s-username
bad_field "k8s: user.username as a number" "$T/k8s-username.jsonl" username 'expected string for "user.username"'
k8s 's/"objectRef":{[^}]*}/"objectRef":["configmaps","shop"]/' k8s-objref
bad_field "k8s: objectRef as an array" "$T/k8s-objref.jsonl" objectRef 'expected object for "objectRef"'
k8s 's/"stage":"RequestReceived"/"stage":4/' k8s-stage-number
bad_field "k8s: stage as a number" "$T/k8s-stage-number.jsonl" stage 'expected string for "stage"'
k8s 's/"stage":"RequestReceived"/"stage":"Done"/' k8s-stage-unknown
bad_field "k8s: unknown stage" "$T/k8s-stage-unknown.jsonl" stage 'unknown "stage"'
k8s 's/"sourceIPs"/"responseStatus":"Failure","sourceIPs"/' k8s-status
bad_field "k8s: responseStatus as a string" "$T/k8s-status.jsonl" responseStatus 'expected object for "responseStatus"'
k8s 's/"sourceIPs"/"responseStatus":{"code":"500"},"sourceIPs"/' k8s-code
bad_field "k8s: responseStatus.code as a string" "$T/k8s-code.jsonl" code 'expected number for "responseStatus.code"'
k8s 's/"requestReceivedTimestamp":"[^"]*"/"requestReceivedTimestamp":1772359200/' k8s-time
bad_field "k8s: a time as a number" "$T/k8s-time.jsonl" requestReceivedTimestamp 'expected string for "requestReceivedTimestamp"'

CT='{"eventVersion":"1.08","eventTime":"2026-01-01T00:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"ModifyVolume","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"},"requestParameters":{"volumeId":"vol-1"}}'
ct() { printf '%s\n' "$CT" | sed "$1" > "$T/$2.jsonl"; }
ct 's/"userIdentity":{[^}]*}/"userIdentity":"arn:aws:iam::1:user\/a"/' ct-ui
bad_field "cloudtrail: userIdentity as a string" "$T/ct-ui.jsonl" userIdentity 'expected object for "userIdentity"'
ct 's/"requestParameters":{[^}]*}/"requestParameters":"volumeId=vol-1"/' ct-rp
bad_field "cloudtrail: requestParameters as a string" "$T/ct-rp.jsonl" requestParameters 'expected object for "requestParameters"'
ct 's/"eventName":"ModifyVolume"/"eventName":["ModifyVolume"]/' ct-name
bad_field "cloudtrail: eventName as an array" "$T/ct-name.jsonl" eventName 'expected string for "eventName"'
ct 's/"requestParameters":{[^}]*}/"requestParameters":null/' ct-null
expect_status "cloudtrail: requestParameters null is no parameters" 0 ts import "$T/ct-null.db" "$T/ct-null.jsonl"
printf '%s\n' '{"EventId":"e1","CloudTrailEvent":"{\"eventTime\":\"2026-01-01T00:00:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"PutObject\",\"userIdentity\":\"bob\"}"}' > "$T/ct-lookup.jsonl"
expect_status "cloudtrail: LookupEvents userIdentity as a string fails" 4 ts import "$T/types.db" --format cloudtrail "$T/ct-lookup.jsonl"
expect_grep "cloudtrail: ... named inside CloudTrailEvent" 'ct-lookup.jsonl:1:1: in "CloudTrailEvent": expected object for "userIdentity"' "$T/err"

LD='{"_id":"65f0","date":1772539200123,"accesses":[{"action":"updateOn","resource":"proj/shop:env/production:flag/new-checkout"}],"kind":"flag","name":"New checkout","member":{"_id":"m1","email":"ariel@example.com"},"titleVerb":"turned on"}'
ld() { printf '%s\n' "$LD" | sed "$1" > "$T/$2.jsonl"; }
ld 's/"member":{[^}]*}/"member":["ariel@example.com"]/' ld-member
bad_field "launchdarkly: member as an array" "$T/ld-member.jsonl" member 'expected object for "member"'
ld 's/"accesses":\[[^]]*\]/"accesses":{"action":"updateOn"}/' ld-acc-object
bad_field "launchdarkly: accesses as an object" "$T/ld-acc-object.jsonl" accesses 'expected array for "accesses"'
ld 's/"accesses":\[[^]]*\]/"accesses":[]/; s/"name":"New checkout",//' ld-acc-empty
bad_field "launchdarkly: accesses [] and no key" "$T/ld-acc-empty.jsonl" accesses 'no target: no "accesses" resource'
ld 's/"accesses":\[[^]]*\]/"accesses":[],"key":"new-checkout"/' ld-acc-empty-key
expect_status "launchdarkly: accesses [] falls back to kind and key" 0 ts import "$T/ld-key.db" "$T/ld-acc-empty-key.jsonl"
expect_eq "launchdarkly: ... as documented" "$(q "$T/ld-key.db" 'select target_kind, target, environment from entries')" "flag|new-checkout|"
ld 's/"accesses":\[[^]]*\]/"accesses":["proj\/shop:env\/production:flag\/x"]/' ld-acc-string
bad_field "launchdarkly: accesses of strings" "$T/ld-acc-string.jsonl" accesses 'expected objects in "accesses"'
ld 's/"date":1772539200123/"date":"yesterday"/' ld-date
bad_field "launchdarkly: date not a time" "$T/ld-date.jsonl" date 'bad epoch time'

UN='{"id":101,"type":"feature-created","createdBy":"dev@example.com","createdByUserId":7,"createdAt":"2026-03-04T08:00:00.000Z","featureName":"dark-mode","project":"web","environment":null,"data":{"enabled":false},"preData":null}'
un() { printf '%s\n' "$UN" | sed "$1" > "$T/$2.jsonl"; }
un 's/"id":101/"id":101.5/' un-frac
bad_field "unleash: id 101.5" "$T/un-frac.jsonl" id 'expected an integer for "id"'
un 's/"id":101/"id":-3/' un-neg
bad_field "unleash: negative id" "$T/un-neg.jsonl" id 'expected an integer for "id"'
un 's/"id":101/"id":1e400/' un-huge
expect_status "unleash: id 1e400 fails" 4 ts import "$T/types.db" "$T/un-huge.jsonl"
un 's/"id":101/"id":true/' un-bool
bad_field "unleash: id true" "$T/un-bool.jsonl" id 'expected integer or string for "id"'
un 's/"createdBy":"dev@example.com"/"createdBy":{"name":"dev"}/' un-by
bad_field "unleash: createdBy as an object" "$T/un-by.jsonl" createdBy 'expected string for "createdBy"'
un 's/"id":101/"id":9007199254740993/' un-big1
un 's/"id":101/"id":9007199254740992/' un-big2
un 's/"id":101/"id":1.01e2/' un-exp
expect_status "unleash: big integer ids import" 0 ts import "$T/un.db" "$T/un-big1.jsonl" "$T/un-big2.jsonl" "$T/un-exp.jsonl"
expect_eq "unleash: ids are the exact integers" "$(q "$T/un.db" 'select group_concat(event_id, " ") from (select event_id from entries order by seq)')" \
	"unleash:9007199254740993 unleash:9007199254740992 unleash:101"

GEN='{"event_id":"g1","timestamp":"2026-01-01T00:00:00Z","actor":"alice","flag_key":"f1","environment":"prod"}'
gen() { printf '%s\n' "$GEN" | sed "$1" > "$T/$2.jsonl"; }
gen 's/"event_id":"g1"/"event_id":1.5/' gen-id-frac
bad_field "generic: event_id 1.5" "$T/gen-id-frac.jsonl" event_id 'expected string or integer for "event_id"'
gen 's/"event_id":"g1"/"event_id":{"v":1}/' gen-id-obj
bad_field "generic: event_id as an object" "$T/gen-id-obj.jsonl" event_id 'expected string or integer for "event_id"'
gen 's/"actor":"alice"/"actor":["alice"]/' gen-actor-arr
bad_field "generic: actor as an array" "$T/gen-actor-arr.jsonl" actor 'expected string or integer for "actor"'
gen 's/"actor":"alice"/"actor":{"id":2.5}/' gen-actor-id
bad_field "generic: actor.id 2.5" "$T/gen-actor-id.jsonl" id 'expected string or integer for "id"'
gen 's/"actor":"alice"/"actor":{"name":"Alice"}/' gen-actor-noid
bad_field "generic: actor without id" "$T/gen-actor-noid.jsonl" actor 'missing "actor.id"'
gen 's/"environment":"prod"/"environment":5/' gen-env
bad_field "generic: environment as a number" "$T/gen-env.jsonl" environment 'expected string for "environment"'
gen 's/"timestamp":"[^"]*"/"timestamp":true/' gen-time
bad_field "generic: timestamp as a boolean" "$T/gen-time.jsonl" timestamp 'expected string for "timestamp"'
gen 's/,"environment":"prod"/,"reason":["x"]/' gen-reason
bad_field "generic: reason as an array" "$T/gen-reason.jsonl" reason 'expected string for "reason"'
gen 's/"event_id":"g1"/"event_id":9007199254740993/' gen-big1
gen 's/"event_id":"g1"/"event_id":9007199254740992/' gen-big2
gen 's/"event_id":"g1","timestamp":"2026-01-01T00:00:00Z","actor":"alice"/"event_id":12,"timestamp":"2026-01-01T00:00:00Z","actor":42/' gen-int
expect_status "generic: integer ids import" 0 ts import "$T/gen.db" "$T/gen-big1.jsonl" "$T/gen-big2.jsonl" "$T/gen-int.jsonl"
expect_eq "generic: integer ids are their exact digits" "$(q "$T/gen.db" 'select group_concat(event_id || "/" || actor, " ") from (select * from entries order by seq)')" \
	"9007199254740993/alice 9007199254740992/alice 12/42"
entries "types: nothing written by any failed import" "$T/types.db" 0
printf '%s\n' '{"id":9007199254740993,"at":1772611200250,"who":{"email":"kim@example.com"},"flag":"f"}' \
	'{"id":9007199254740992,"at":1772611200250,"who":{"email":"kim@example.com"},"flag":"f"}' > "$T/map-big.jsonl"
expect_status "map: big integer ids import" 0 ts import "$T/mapbig.db" --map testdata/formats/map-app.json "$T/map-big.jsonl"
expect_eq "map: ids are the exact integers" "$(q "$T/mapbig.db" 'select group_concat(event_id, " ") from (select event_id from entries order by seq)')" \
	"9007199254740993 9007199254740992"
# blank lines in the platform formats' JSON lines, with --format and --map
awk '{ print; print "  \t" }' testdata/formats/k8s-stages.jsonl > "$T/k8s-blank.jsonl"
expect_status "blank lines: --format k8s skips them" 0 ts import "$T/k8s-blank.db" --format k8s "$T/k8s-blank.jsonl"
expect_grep "blank lines: k8s records all read" '^10 records: 6 added, 0 already present; 1 read, 3 earlier stages skipped;' "$T/out"
awk '{ print ""; print }' testdata/formats/map-app.jsonl > "$T/map-blank.jsonl"
expect_status "blank lines: --map skips them" 0 ts import "$T/map-blank.db" --map testdata/formats/map-app.json "$T/map-blank.jsonl"
# mapped fields: a wrong type at the value its pointer finds
MAPREC=$(head -n 1 testdata/formats/map-app.jsonl)
printf '%s\n' "$MAPREC" | sed 's/"email":"kim@example.com"/"email":["kim"]/' > "$T/map-type.jsonl"
bad_field "map: actor_id pointing at an array" "$T/map-type.jsonl" email 'expected a string at "/who/email" \(actor_id\)' \
	--map testdata/formats/map-app.json
printf '%s\n' "$MAPREC" | sed 's/"at":1772611200250/"at":"soon"/' > "$T/map-time.jsonl"
bad_field "map: a time that is not one" "$T/map-time.jsonl" at 'bad epoch time "soon"' --map testdata/formats/map-app.json
printf '%s\n' "$MAPREC" | sed 's/"who":{[^}]*}/"who":{}/' > "$T/map-none.jsonl"
expect_status "map: nothing at a required pointer fails" 4 ts import "$T/types.db" --map testdata/formats/map-app.json "$T/map-none.jsonl"
expect_grep "map: ... at the record" 'map-none.jsonl:1:1: nothing at "/who/email" \(actor_id\)' "$T/err"
entries "types: still nothing written" "$T/types.db" 0
un 's/"featureName":"dark-mode"/"featureName":null/; s/"type":"feature-created"/"type":"segment-created"/; s/"data":{"enabled":false}/"data":{"id":9007199254740993}/' un-segkey
expect_status "unleash: a numeric target key imports" 0 ts import "$T/unseg.db" "$T/un-segkey.jsonl"
expect_eq "unleash: ... with its exact digits" "$(q "$T/unseg.db" 'select target_kind, target from entries')" "segment|9007199254740993"
