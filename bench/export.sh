#!/bin/sh
# export.sh - `trailscope export` of every event of a generated store into
# an evidence bundle (the store verified first, one leaf file and one
# inclusion proof per event, the four renderings, the manifests), then
# `bundle verify` of it. Wall time, CPU (user + system) and peak RSS, with
# the machine's load average at the start, since other work on the two
# cores shows in the wall time. Writes bench/results-export.txt.
#
#   sh bench/export.sh                   # 100,000 events (seed 7), 3 runs
#   EVENTS=10000 RUNS=1 sh bench/export.sh
#
# Each run writes a fresh directory and the bundles are removed only at the
# end: ext4 without a journal scans recently deleted inodes when it
# allocates one, so deleting 200,000 files just before a run slows the
# next one down (a cost of the file system, not of trailscope).
. "$(dirname "$0")/lib.sh"

EVENTS=${EVENTS:-100000}
RUNS=${RUNS:-3}
OUT=${OUT:-$top/bench/results-export.txt}
work=$(mktemp -d "${TMPDIR:-/tmp}/tsbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME="$work/state" HOME="$work/home"
mkdir -p "$HOME"

ev=$(events "$EVENTS")
"$TS" keygen bench.example/audit --out "$work/keys" > /dev/null
key=$work/keys/bench.example_audit.key
pub=$work/keys/bench.example_audit.pub
"$TS" import --quiet "$work/s.db" "$ev" --sign "$key"

{
	echo "# trailscope export: $EVENTS events, every one selected (--query ''), $(nproc) cores"
	echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(uname -sr), $("$TS" --version 2>/dev/null | head -1)"
	echo "# run  wall_s  user_s  sys_s  peak_rss_mb  load_avg_1min  bundle_files  bundle_mb"
} > "$OUT.tmp"
i=1
while [ "$i" -le "$RUNS" ]; do
	load=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -f '%e %U %S %M' -o "$work/time" "$TS" export "$work/s.db" --out "$work/b$i" --query '' \
		--case BENCH --examiner bench --key "$key" --trust "$pub" > /dev/null 2> "$work/err" ||
		{ cat "$work/err" >&2; exit 1; }
	read -r wall user sys rss < "$work/time"
	files=$(find "$work/b$i" -type f | wc -l)
	mb=$(du -sm "$work/b$i" | cut -f1)
	printf '%s  %s  %s  %s  %.1f  %s  %s  %s\n' "$i" "$wall" "$user" "$sys" "$(echo "$rss / 1024" | bc -l)" \
		"$load" "$files" "$mb" >> "$OUT.tmp"
	i=$((i + 1))
done
t0=$(now_ms)
"$TS" bundle verify "$work/b1" --trust "$pub" > "$work/verify" 2>&1 || { cat "$work/verify" >&2; exit 1; }
t1=$(now_ms)
echo "# bundle verify of run 1: $(python3 -c "print('%.2f' % (($t1 - $t0) / 1000))") s: $(grep '^verdict' "$work/verify")" >> "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
