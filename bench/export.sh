#!/bin/sh
# export.sh - `trailscope export` of every event of a generated store into
# an evidence bundle of the packed layout (the store verified first; the
# leaves, proofs, records and renderings as one line file each; the
# manifests), then `bundle verify` of each bundle, `bundle proof` of its
# last event, and for scale `cp -r` of the bundle (the file system's own
# cost of writing that many bytes). Wall time, CPU (user + system) and
# peak RSS, with the machine's load average at the start, since other
# work on the cores shows in the wall time (CPU time is the steadier
# figure); then the bundle's files and bytes. Writes
# bench/results-export.txt.
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

# row LABEL CMD...: one result line for CMD (its output in $work/last)
row() {
	_label=$1; shift
	_load=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" > "$work/last" 2>&1 ||
		{ cat "$work/last" >&2; exit 1; }
	read -r _wall _user _sys _rss < "$work/time"
	printf '%-9s %7s  %6s  %6s  %8.1f  %5s\n' "$_label" "$_wall" "$_user" "$_sys" \
		"$(echo "$_rss / 1024" | bc -l)" "$_load" >> "$OUT.tmp"
}

{
	echo "# trailscope export: $EVENTS events, every one selected (--query ''), $(nproc) cores"
	echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(uname -sr), $("$TS" --version 2>/dev/null | head -1)"
	echo "# what       wall_s  user_s   sys_s  peak_rss_mb  load_avg_1min"
} > "$OUT.tmp"
i=1
while [ "$i" -le "$RUNS" ]; do
	row "export$i" "$TS" export "$work/s.db" --out "$work/b$i" --query '' \
		--case BENCH --examiner bench --key "$key" --trust "$pub"
	i=$((i + 1))
done
i=1
while [ "$i" -le "$RUNS" ]; do
	row "verify$i" "$TS" bundle verify "$work/b$i" --trust "$pub"
	grep '^verdict' "$work/last" | sed 's/^/# /' >> "$OUT.tmp"
	i=$((i + 1))
done
row "proof" "$TS" bundle proof "$work/b1" "$EVENTS"
row "cp-r" cp -r "$work/b1" "$work/copy"
echo "# bundle: $(find "$work/b1" -type f | wc -l) files, $(du -sm --apparent-size "$work/b1" | cut -f1) MB of bytes," \
	"$(du -sm "$work/b1" | cut -f1) MB on disk" >> "$OUT.tmp"
(cd "$work/b1/data" && for f in *; do
	printf '#   %-14s %12s bytes\n' "$f" "$(stat -c %s "$f")"; done) >> "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
