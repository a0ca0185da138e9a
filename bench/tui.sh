#!/bin/sh
# tui.sh - benchmark of the terminal UI on large stores (1M and 10M
# events by default; BENCH_SIZES="1000000" to choose). Builds each store
# once with gen + import --sign under bench/data/, then drives the TUI
# headless (TRAILSCOPE_SCRIPT, output to /dev/null, 120x40) and reads
# TRAILSCOPE_TIMING: the time from start to the first screen, the time of
# every navigation key including jumps to a time, and the peak RSS after
# verification and the density strip have run over the whole store.
# Results go to bench/results-tui.txt. Slow (10M takes minutes to build).
set -eu
cd "$(dirname "$0")/.."
BIN=${TRAILSCOPE:-./trailscope}
D=bench/data
OUT=bench/results-tui.txt
SIZES=${BENCH_SIZES:-"1000000 10000000"}
RUNS=${BENCH_RUNS:-5}
export TZ=UTC LC_ALL=C.UTF-8 TERM=xterm-256color COLUMNS=120 LINES=40
export XDG_STATE_HOME="$(pwd)/$D/state"
mkdir -p "$D"
[ -f "$D/keys/bench.example_audit.key" ] || "$BIN" keygen bench.example/audit --out "$D/keys" >/dev/null

build() { # build N: $D/tui-N.db
	db=$D/tui-$1.db
	[ -f "$db" ] && return 0
	echo "building $db ..." >&2
	start=$(date +%s)
	rm -f "$db.tmp" "$db.tmp-wal" "$db.tmp-shm"
	# piped (a 10M-event JSON-lines file would be ~14 GB), imported in
	# chunks of 1M events: each chunk is one transaction, so the WAL never
	# holds more than one chunk; then one signed checkpoint of the head
	"$BIN" gen --events "$1" | split -l 1000000 \
		--filter="\"$BIN\" import \"$db.tmp\" - --quiet >/dev/null" - "$D/chunk."
	"$BIN" checkpoint "$db.tmp" --key "$D/keys/bench.example_audit.key" >/dev/null
	sqlite3 "$db.tmp" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null 2>&1 || true
	mv "$db.tmp" "$db"
	rm -f "$db.tmp-wal" "$db.tmp-shm"
	echo "built $db in $(( $(date +%s) - start )) s" >&2
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "n/a" }'; }
maxof() { sort -n | tail -1; }

run() { # run DB SCRIPT TIMINGFILE
	TRAILSCOPE_SCRIPT=$2 TRAILSCOPE_TIMING=$3 "$BIN" open "$1" \
		--trust "$D/keys/bench.example_audit.pub" > /dev/null 2>&1
}

{
echo "trailscope TUI benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "mode: headless scripted session (TRAILSCOPE_SCRIPT), 120x40, xterm-256color, output to /dev/null"
echo "first screen: from entering 'trailscope open' to the first complete screen (median of $RUNS);"
echo "  'process' is the whole run of a session that quits at once, exec to exit, for reference"
echo "keys: time from reading the key to the screen drawn (ncurses refresh), per key"
echo
} > "$OUT"

for n in $SIZES; do
	# about 4.7 KB per event, plus one 1M-event chunk in the WAL
	need_gb=$(( n * 5 / 1000000 + 12 ))
	free_gb=$(df -Pk "$D" | awk 'NR == 2 { print int($4 / 1048576) }')
	if [ ! -f "$D/tui-$n.db" ] && [ "$free_gb" -lt "$need_gb" ]; then
		echo "== $n events: NOT RUN: building the store needs about $need_gb GB free, $free_gb GB here" >> "$OUT"
		echo >> "$OUT"
		continue
	fi
	build "$n"
	db=$D/tui-$n.db
	printf '' > "$D/empty.keys"
	: > "$D/first.txt"; : > "$D/proc.txt"
	for i in $(seq "$RUNS"); do
		s=$(date +%s%N)
		run "$db" "$D/empty.keys" "$D/t.txt"
		e=$(date +%s%N)
		awk '/^first_screen_ms/ { print $2 }' "$D/t.txt" >> "$D/first.txt"
		echo "$(( (e - s) / 1000000 ))" >> "$D/proc.txt"
	done
	# navigation keys, from a cold start (no waiting for the background work)
	cat > "$D/nav.keys" <<'K'
j
j
j
j
j
j
j
j
j
j
k
k
k
<PgDn>
<PgDn>
<PgDn>
<PgDn>
<PgDn>
<PgUp>
<PgUp>
<C-d>
<C-d>
<C-u>
G
k
k
<PgUp>
g
t
:type 2026-03-05 14:00
<Enter>
j
j
t
:type -2h
<Enter>
t
:type 2026-03-20 09:30
<Enter>
<Enter>
q
o
G
g
K
	: > "$D/keys.txt"
	for i in $(seq "$RUNS"); do
		run "$db" "$D/nav.keys" "$D/t.txt"
		grep -v -e '^first_screen_ms' -e '^Vm' "$D/t.txt" >> "$D/keys.txt"
	done
	# a long session: verification and the density strip over the whole store, then keys
	printf ':wait-idle\n' > "$D/idle.keys"
	cat "$D/nav.keys" >> "$D/idle.keys"
	printf 'h\nj\nj\nm\nk\nm\nq\nq\n' >> "$D/idle.keys"
	s=$(date +%s%N)
	run "$db" "$D/idle.keys" "$D/idle.txt"
	e=$(date +%s%N)
	{
	echo "== $n events ($(du -h "$db" | cut -f1) store)"
	echo "first screen:        median $(median < "$D/first.txt") ms, max $(maxof < "$D/first.txt") ms" \
	     "(process: median $(median < "$D/proc.txt") ms)"
	echo "per key (all $(wc -l < "$D/keys.txt") keys): median $(awk '{ print $2 }' "$D/keys.txt" | median) ms," \
	     "max $(awk '{ print $2 }' "$D/keys.txt" | maxof) ms"
	for k in j k ^D ^U NPAGE PPAGE G g t o ^J q; do
		case $k in NPAGE) name=KEY_NPAGE;; PPAGE) name=KEY_PPAGE;; *) name=$k;; esac
		v=$(awk -v k="$name" '$1 == k { print $2 }' "$D/keys.txt" | maxof)
		[ -n "$v" ] && printf '  %-10s max %s ms\n' "$k" "$v"
	done
	echo "  (t = jump to a time, typed and applied; ^J = Enter: open the event view; o = reverse order)"
	echo "full session with verify + density over the whole store: $(( (e - s) / 1000000 )) ms;" \
	     "peak RSS $(awk '/VmHWM/ { print $2, $3 }' "$D/idle.txt"), RSS at exit $(awk '/VmRSS/ { print $2, $3 }' "$D/idle.txt")"
	echo "RSS after the navigation-only session: $(awk '/VmHWM/ { print $2, $3 }' "$D/t.txt") peak"
	echo
	} >> "$OUT"
done
cat "$OUT"
