# faults.sh - the store under faults, on real file systems: read-only
# media (a read-only tmpfs, a read-only bind mount, a read-only directory
# and file for a user who is not root, a full disk) for every read command
# and the TUI; a WAL whose committed transactions cannot be read there;
# a disk that fills up during an import (append and first import); several
# importers appending at once; a writer that holds the lock too long.
# Mounting needs root (CI runs as root): when a mount is refused the cases
# that need it FAIL saying so, they never pass silently. Each case is
# bounded (the longest waits out the 5 s busy timeout).
. tests/lib.sh
MOUNTS=
cleanup() {
	for m in $MOUNTS; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
# tmpfs DIR SIZE: mounts a private tmpfs at DIR; 1 (reported) when refused
tmpfs() {
	mkdir -p "$1"
	if mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1" 2> "$T/mount.err"; then
		MOUNTS="$1 $MOUNTS"
		return 0
	fi
	fail "mount a tmpfs at $1 (needs root): $(cat "$T/mount.err")"
	return 1
}

# a signed store with incidents and a case file with a mark
D=$T/src
mkdir -p "$D"
ts gen --events 300 --seed 11 --incidents "$D/inc.jsonl" > "$D/ev.jsonl"
ts keygen example.org/faults --out "$D/keys" > /dev/null
KEY=$D/keys/example.org_faults.key PUB=$D/keys/example.org_faults.pub
ts import "$D/s.db" "$D/ev.jsonl" --sign "$KEY" --quiet 2> /dev/null
ts incident import "$D/s.db" "$D/inc.jsonl" > /dev/null 2>&1
ts checkpoint "$D/s.db" --key "$KEY" > /dev/null 2>&1
ts case "$D/s.db" mark 3 > /dev/null 2>&1
[ -s "$D/s.db-wal" ] && fail "the source store's -wal is empty: s.db alone is the store"
ENTRIES=$(sqlite3 "$D/s.db" 'SELECT count(*) FROM entries')
PROD=$(ts query "$D/s.db" env:production --count)
REGEX=$(ts query "$D/s.db" '/rollout_pct":100/' --count)
TARGET=$(sqlite3 "$D/s.db" "SELECT target FROM entries WHERE environment = 'production' LIMIT 1")
AT=$(sqlite3 "$D/s.db" 'SELECT max(ts) FROM entries')
INC=$(sqlite3 "$D/s.db" 'SELECT id FROM incidents ORDER BY id LIMIT 1')
ts gen --events 4000 --seed 12 | jq -c '.event_id = "big-" + .event_id' > "$T/big.jsonl"
thousands() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
[ -n "$INC" ] || fail "the generated store has incidents"

# st NAME WANT CMD...: expect_status, keeping every stderr of the case
st() { expect_status "$@"; cat "$T/err" >> "$T/case.err"; }
# every_read NAME STORE: each read command and the TUI work on STORE
every_read() {
	: > "$T/case.err"
	n=$1 s=$2
	st "$n: verify" 0 ts verify "$s" --trust "$PUB"
	expect_grep "$n: verify says VERIFIED" "^verdict: +VERIFIED through $ENTRIES" "$T/out"
	expect_eq "$n: query --count" "$(ts query "$s" env:production --count 2>&1)" "$PROD"
	expect_eq "$n: query rows" "$(ts query "$s" env:production --format jsonl 2>&1 | wc -l)" "$PROD"
	expect_eq "$n: regex count (two connections)" "$(ts query "$s" '/rollout_pct":100/' --count 2>&1)" "$REGEX"
	st "$n: show" 0 ts show "$s" 3
	expect_grep "$n: show prints the event" '^event +3 ' "$T/out"
	st "$n: sql" 0 ts sql "$s" 'SELECT count(*) AS n FROM events' --format jsonl
	expect_eq "$n: sql counts" "$(jq .n "$T/out")" "$ENTRIES"
	st "$n: history" 0 ts history "$s" "$TARGET"
	st "$n: state" 0 ts state "$s" "$TARGET" --at "$AT" --env production
	st "$n: incidents" 0 ts incidents "$s"
	expect_grep "$n: incidents lists them" "$INC" "$T/out"
	st "$n: incident list" 0 ts incident list "$s"
	st "$n: incident show" 0 ts incident show "$s" "$INC"
	st "$n: correlate" 0 ts correlate "$s" "$INC"
	st "$n: case list" 0 ts case "$s" list
	expect_grep "$n: case list shows the mark" '^3[[:space:]]+evt-' "$T/out"
	rm -rf "$T/bundle"
	st "$n: export reads the store" 0 ts export "$s" --out "$T/bundle" --query env:production \
		--case C-1 --examiner tester --key "$KEY"
	st "$n: the bundle verifies" 0 ts bundle verify "$T/bundle" --trust "$PUB"
	printf ':wait-idle\n:wait-verify\n' > "$T/keys.txt"
	(env COLUMNS=100 LINES=20 TRAILSCOPE_SCRIPT="$T/keys.txt" TRAILSCOPE_DUMP="$T/tui.txt" \
		"$TRAILSCOPE" open "$s" --trust "$PUB" > "$T/tui.raw" 2> "$T/tui.err")
	expect_eq "$n: the TUI opens" "$?" 0
	cat "$T/tui.err" >> "$T/case.err"
	expect_grep "$n: the TUI shows the verdict" "VERIFIED through $ENTRIES" "$T/tui.txt"
	printf ':wait-idle\nm\n' > "$T/keys.txt"
	(env COLUMNS=100 LINES=20 TRAILSCOPE_SCRIPT="$T/keys.txt" TRAILSCOPE_DUMP="$T/tui.txt" \
		"$TRAILSCOPE" open "$s" > "$T/tui.raw" 2> "$T/tui.err")
	expect_eq "$n: marking in the TUI does not end it" "$?" 0
	cat "$T/tui.err" >> "$T/case.err"
}
# never NAME: no command of the case said the store is not one, or that
# SQLite could not open it
never() {
	expect_nogrep "$1: never 'not a trailscope store'" 'not a trailscope store|unable to open database file' "$T/case.err"
}

# --- a read-only tmpfs --------------------------------------------------
RO=$T/ro
if tmpfs "$RO" 16m; then
	cp "$D/s.db" "$D/s.db.case" "$RO/"
	if mount -o remount,ro "$RO" 2> "$T/mount.err"; then
		touch "$RO/x" 2> /dev/null && fail "the tmpfs is read-only"
		every_read "read-only tmpfs" "$RO/s.db"
		never "read-only tmpfs"
		expect_eq "read-only tmpfs: nothing was created beside the store" "$(ls -A "$RO" | tr '\n' ' ')" "s.db s.db.case "
	else
		fail "remount the tmpfs read-only: $(cat "$T/mount.err")"
	fi
fi

# --- a WAL holding committed transactions, on read-only media ------------
# a copy taken while a writer still has the store open: the -wal holds a
# committed transaction that is not in the main file yet
W=$T/w
mkdir -p "$W/live"
cp "$D/s.db" "$W/live/"
sqlite3 "$W/live/s.db" "PRAGMA wal_autocheckpoint = 0; INSERT INTO meta VALUES('walprobe', 'in the wal');" \
	".shell mkdir -p $W/both $W/walonly $W/stale && cp $W/live/s.db $W/live/s.db-wal $W/live/s.db-shm $W/both/ && cp $W/live/s.db $W/live/s.db-wal $W/walonly/ && cp $W/live/s.db $W/stale/ && : > $W/stale/s.db-wal" \
	> /dev/null
[ -s "$W/walonly/s.db-wal" ] || fail "the copy caught a -wal with frames"
WM=$T/wm
if tmpfs "$WM" 16m; then
	cp -r "$W/both" "$W/walonly" "$W/stale" "$WM/"
	if mount -o remount,ro "$WM" 2> "$T/mount.err"; then
		probe='SELECT count(*) AS n FROM meta WHERE key = '"'walprobe'"
		expect_status "-wal and -shm on read-only media: read" 0 ts sql "$WM/both/s.db" "$probe" --format jsonl
		expect_eq "-wal and -shm: the committed transaction in the -wal is seen" "$(jq .n "$T/out")" 1
		expect_status "-wal with committed frames, no -shm: refused (exit 5)" 5 ts verify "$WM/walonly/s.db" --trust "$PUB"
		expect_grep "-wal without -shm: says why" "write-ahead log '.*/walonly/s.db-wal' holds committed transactions" "$T/err"
		expect_grep "-wal without -shm: says the media is read-only" 'file system is mounted read-only' "$T/err"
		expect_nogrep "-wal without -shm: never 'not a trailscope store'" 'not a trailscope store' "$T/err"
		expect_status "-wal without -shm: query refused too" 5 ts query "$WM/walonly/s.db" env:production --count
		expect_status "an empty -wal, no -shm: read" 0 ts verify "$WM/stale/s.db" --trust "$PUB"
		expect_grep "an empty -wal: VERIFIED" "^verdict: +VERIFIED through $ENTRIES" "$T/out"
	else
		fail "remount the tmpfs read-only: $(cat "$T/mount.err")"
	fi
fi

# --- a read-only bind mount ---------------------------------------------
B=$T/bind
mkdir -p "$B/src" "$B/ro"
cp "$D/s.db" "$B/src/"
if mount --bind "$B/src" "$B/ro" 2> "$T/mount.err"; then
	MOUNTS="$B/ro $MOUNTS"
	if mount -o remount,bind,ro "$B/ro" 2> "$T/mount.err"; then
		expect_status "read-only bind mount: verify" 0 ts verify "$B/ro/s.db" --trust "$PUB"
		expect_grep "read-only bind mount: VERIFIED" "^verdict: +VERIFIED through $ENTRIES" "$T/out"
		expect_eq "read-only bind mount: query" "$(ts query "$B/ro/s.db" env:production --count 2>&1)" "$PROD"
	else
		fail "remount the bind mount read-only: $(cat "$T/mount.err")"
	fi
else
	fail "bind mount (needs root): $(cat "$T/mount.err")"
fi

# --- permissions, for a user who is not root -----------------------------
# root ignores file modes, so these run as nobody (setpriv)
P=$T/perm
mkdir -p "$P/rodir" "$P/rofile"
cp "$TRAILSCOPE" "$P/trailscope"
cp "$D/s.db" "$P/rodir/"
cp "$D/s.db" "$P/rofile/"
cp -r "$D/keys" "$P/"
chmod 755 "$T" "$P" "$P/trailscope" "$P/keys"
chmod 644 "$P/keys/"*
chmod 444 "$P/rodir/s.db" "$P/rofile/s.db"
chmod 555 "$P/rodir"
mkdir -p "$P/state"
chown 65534 "$P/rofile" "$P/state"
chmod 755 "$P/rofile"
if command -v setpriv > /dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2> /dev/null; then
	asnobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$P" XDG_STATE_HOME="$P/state" \
			"$P/trailscope" "$@"
	}
	expect_status "read-only directory (not root): verify" 0 asnobody verify "$P/rodir/s.db" --trust "$P/keys/example.org_faults.pub"
	expect_grep "read-only directory: VERIFIED" "^verdict: +VERIFIED through $ENTRIES" "$T/out"
	expect_eq "read-only directory: query" "$(asnobody query "$P/rodir/s.db" env:production --count 2>&1)" "$PROD"
	expect_status "read-only file in a writable directory (not root): verify" 0 \
		asnobody verify "$P/rofile/s.db" --trust "$P/keys/example.org_faults.pub"
	expect_grep "read-only file: VERIFIED" "^verdict: +VERIFIED through $ENTRIES" "$T/out"
	expect_status "read-only file: an import is refused" 5 asnobody import "$P/rofile/s.db" "$T/big.jsonl"
	expect_grep "read-only file: says why" 'readonly|read-only' "$T/err"
	chmod 000 "$P/rofile/s.db"
	expect_status "an unreadable store (not root): exit 5" 5 asnobody verify "$P/rofile/s.db"
	expect_grep "an unreadable store: says why" "cannot open store '.*': .*Permission denied" "$T/err"
	expect_nogrep "an unreadable store: never 'not a trailscope store'" 'not a trailscope store' "$T/err"
else
	fail "run as another user than root (setpriv) for the permission cases"
fi

# --- a full disk (writable, no space left) --------------------------------
F=$T/full
if tmpfs "$F" 4m; then
	cp "$D/s.db" "$D/s.db.case" "$F/"
	dd if=/dev/zero of="$F/filler" bs=64k 2> /dev/null
	expect_eq "the disk is full" "$(df -P "$F" | awk 'NR == 2 { print $4 }')" 0
	sum=$(sha256sum < "$F/s.db")
	every_read "full disk" "$F/s.db"
	never "full disk"
	expect_eq "full disk: the store file is unchanged" "$(sha256sum < "$F/s.db")" "$sum"
fi

# --- the disk fills up during an import ------------------------------------
G=$T/grow
if tmpfs "$G" 3m; then
	cp "$D/s.db" "$G/"
	start=$(date +%s)
	expect_status "disk full during an append: exit 5" 5 ts import "$G/s.db" "$T/big.jsonl"
	expect_grep "disk full during an append: says so" 'disk is full' "$T/err"
	expect_eq "disk full during an append: bounded" "$(( $(date +%s) - start < 30 ))" 1
	expect_eq "disk full during an append: the earlier events all there" \
		"$(sqlite3 "$G/s.db" 'SELECT count(*), min(seq), max(seq), count(DISTINCT event_id) FROM entries')" \
		"$ENTRIES|1|$ENTRIES|$ENTRIES"
	expect_eq "disk full during an append: none of the new ones" \
		"$(sqlite3 "$G/s.db" "SELECT count(*) FROM entries WHERE event_id LIKE 'big-%'")" 0
	expect_status "disk full during an append: verify" 0 ts verify "$G/s.db" --trust "$PUB"
	expect_grep "disk full during an append: still VERIFIED" "^verdict: +VERIFIED through $ENTRIES" "$T/out"
	rm -f "$G/s.db" "$G/s.db-wal" "$G/s.db-shm"
	expect_status "disk full during a first import: exit 5" 5 ts import "$G/new.db" "$T/big.jsonl"
	expect_grep "disk full during a first import: says so" 'disk is full' "$T/err"
	expect_eq "disk full during a first import: no store, no leftovers" \
		"$(ls -A "$G" | grep -v '^new\.db\.importing-......$' | tr '\n' ' ')" ""
fi

# --- several importers at once ---------------------------------------------
C=$T/conc
mkdir -p "$C"
cp "$D/s.db" "$C/"
for i in 1 2 3 4; do
	ts gen --events 800 --seed $((20 + i)) | jq -c --arg p "w$i-" '.event_id = $p + .event_id' > "$C/e$i.jsonl"
done
start=$(date +%s)
for i in 1 2 3 4; do
	(ts import "$C/s.db" "$C/e$i.jsonl" --quiet > "$C/out$i" 2> "$C/err$i"; echo $? > "$C/rc$i") &
done
wait
expect_eq "concurrent importers: bounded" "$(( $(date +%s) - start < 40 ))" 1
added=0
for i in 1 2 3 4; do
	rc=$(cat "$C/rc$i")
	n=$(sqlite3 "$C/s.db" "SELECT count(*) FROM entries WHERE event_id LIKE 'w$i-%'")
	if [ "$rc" = 0 ]; then
		expect_eq "importer $i succeeded with all its events" "$n" 800
		added=$((added + 800))
	elif [ "$rc" = 5 ] && grep -q 'store is busy' "$C/err$i"; then
		expect_eq "importer $i failed cleanly (store is busy) with none of its events" "$n" 0
	else
		fail "importer $i: exit $rc" "$(cat "$C/err$i")"
	fi
done
expect_eq "concurrent importers: seq contiguous, nothing lost or duplicated" \
	"$(sqlite3 "$C/s.db" 'SELECT count(*), min(seq), max(seq), count(DISTINCT event_id) FROM entries')" \
	"$((ENTRIES + added))|1|$((ENTRIES + added))|$((ENTRIES + added))"
expect_status "concurrent importers: checkpoint" 0 ts checkpoint "$C/s.db" --key "$KEY"
expect_status "concurrent importers: verify" 0 ts verify "$C/s.db" --trust "$PUB"
expect_grep "concurrent importers: VERIFIED" "^verdict: +VERIFIED through $(thousands $((ENTRIES + added))) " "$T/out"

# --- a writer holding the lock past the busy timeout ------------------------
(echo 'BEGIN IMMEDIATE;'; sleep 7; echo 'ROLLBACK;') | sqlite3 "$C/s.db" &
holder=$!
sleep 1
before=$(sqlite3 "$C/s.db" 'SELECT count(*) FROM entries')
start=$(date +%s)
expect_status "a held write lock: the import fails (exit 5)" 5 ts import "$C/s.db" "$T/big.jsonl"
expect_grep "a held write lock: 'store is busy'" 'store is busy' "$T/err"
expect_eq "a held write lock: waited a bounded time" "$(( $(date +%s) - start < 15 ))" 1
wait "$holder"
expect_eq "a held write lock: nothing was written" "$(sqlite3 "$C/s.db" 'SELECT count(*) FROM entries')" "$before"
