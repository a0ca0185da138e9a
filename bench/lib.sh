# lib.sh - helpers for the benchmarks: data generation (cached in
# bench/data/), timing with a monotonic clock, peak RSS via /usr/bin/time.
# Benchmarks are never run by `make test`.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
TS=${TRAILSCOPE:-$top/trailscope}
DATA=$top/bench/data
mkdir -p "$DATA"
export TZ=UTC LC_ALL=C.UTF-8

# events N: path of a cached generated file of N events (seed 7)
events() {
	f=$DATA/events-$1.jsonl
	[ -s "$f" ] || "$TS" gen --events "$1" --seed 7 --incidents "$DATA/incidents-$1.jsonl" > "$f"
	echo "$f"
}
# formats_bench NAME: the set-up every per-format benchmark shares: N
# (events per format, default 50,000), out (bench/results-formats.txt),
# gen ($DATA/NAME-N, made as a directory unless NAME ends in .jsonl, in
# which case gen is that file) and a private trust state.
formats_bench() {
	N=${N:-50000}
	out=$top/bench/results-formats.txt
	case $1 in
	*.jsonl) gen=$DATA/${1%.jsonl}-$N.jsonl ;;
	*) gen=$DATA/$1-$N; mkdir -p "$gen" ;;
	esac
	XDG_STATE_HOME=$DATA/state; export XDG_STATE_HOME
}
# now_ms: monotonic milliseconds
now_ms() { python3 -c 'import time; print(int(time.monotonic()*1000))'; }
# timed CMD...: runs CMD, prints elapsed seconds (3 decimals)
timed() {
	t0=$(now_ms); "$@" >/dev/null 2>&1 || true; t1=$(now_ms)
	python3 -c "print('%.3f' % (($t1 - $t0) / 1000))"
}
# peak_rss_mb CMD...: peak resident set size of CMD in MB
peak_rss_mb() {
	/usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.1f", $1/1024}'
}
# timed_cpu CMD...: runs CMD (output discarded), prints "WALL USER SYS
# MAXRSS_MB LOAD": seconds of wall and of CPU time (user, system, the
# process and its children), peak RSS and the 1-minute load average at
# the end, so figures from a shared machine can be read for what they are
timed_cpu() {
	/usr/bin/time -f '%e %U %S %M' -o "$DATA/.time" "$@" >/dev/null 2>&1 || true
	awk -v load="$(cut -d' ' -f1 /proc/loadavg)" '{ printf "%s %s %s %.1f %s\n", $1, $2, $3, $4 / 1024, load }' "$DATA/.time"
}
