#!/bin/sh
# run.sh - runs every unit test binary, every fuzz-harness replay and every
# CLI/TUI/meta test script, counts PASS and FAIL lines, and ends with
# "N passed, N failed"; exits non-zero when anything failed.
#
# A program is also failed as a whole (one FAIL line naming it and why)
# when it exits non-zero, is killed by a signal (a crash, a sanitizer
# abort), runs longer than TS_TIMEOUT seconds, ends without its closing
# "done: ..." line (it stopped early), or prints no PASS line at all.
# Unit binaries print "done: N cases, N failed" (tests/unit/check.h),
# fuzz replays "done: N cases" (tests/fuzz/replay.c); scripts are run as
# `sh -c '. SCRIPT; ts_end'`, and ts_end (tests/lib.sh) prints
# "done: SCRIPT reached its end" only when the shell got to the end.
#
# Environment: TRAILSCOPE (the binary), UNIT_DIR (test_* binaries),
# FUZZ_DIR (replay_* binaries), TOOLS_DIR (test-only helper programs such
# as tsa_responder), SHARED (../shared), TS_TIMEOUT (seconds
# per program, default 300).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
: "${TRAILSCOPE:=$top/trailscope}"
: "${UNIT_DIR:=$top/build/tests}"
: "${FUZZ_DIR:=$top/build/fuzz}"
: "${TOOLS_DIR:=$top/build/tools}"
: "${SHARED:=$top/../shared}"
: "${TS_TIMEOUT:=300}"
export TRAILSCOPE SHARED TOOLS_DIR
export TZ=UTC LC_ALL=C.UTF-8 LANG=C.UTF-8
# Sanitizer builds (make check-san) stop at the first report, and a report
# is a crash (abort, status 134) that the checks below count.
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
log=$(mktemp)
out=$(mktemp)
toplist=$(mktemp)
trap 'rm -f "$log" "$out" "$toplist"' EXIT
ls -A "$top" | LC_ALL=C sort > "$toplist"

# judge NAME MARKER STATUS SECONDS: adds the verdict on one program's output ($out,
# already shown) to the log; MARKER is the closing line (a grep -E
# pattern matched against whole lines).
judge() {
	_name=$1 _marker=$2 _st=$3 _secs=$4 _why=""
	# 124: timeout's TERM ended it; 137 after the limit: its KILL did
	# (137 before the limit is the program's own SIGKILL)
	if [ "$_st" -eq 124 ] || { [ "$_st" -eq 137 ] && [ "$_secs" -ge "$TS_TIMEOUT" ]; }; then
		_why="timed out after ${TS_TIMEOUT}s (status $_st)"
	elif [ "$_st" -gt 128 ]; then
		_why="killed by signal $((_st - 128)) (SIG$(kill -l $((_st - 128)) 2>/dev/null || echo '?'))"
	elif [ "$_st" -ne 0 ] && ! { [ "$_st" -eq 1 ] && grep -q '^FAIL' "$out" &&
					grep -Eqx -- "$_marker" "$out"; }; then
		# (status 1 after its own FAIL lines and closing line is a
		# program reporting failed cases: counted already)
		_why="exit status $_st"
	elif ! grep -Eqx -- "$_marker" "$out"; then
		_why="ended without its closing line (stopped early)"
	elif ! grep -q '^PASS' "$out"; then
		_why="printed no PASS line"
	fi
	cat "$out" >> "$log"
	if [ -n "$_why" ]; then
		grep '^replay: ' "$out" | tail -1
		echo "FAIL: $_name: $_why" | tee -a "$log"
	fi
}

# run NAME MARKER CMD...: runs CMD in the repository under the time limit,
# shows its output without the PASS lines, then judges it.
run() {
	_n=$1 _m=$2
	shift 2
	echo "== $_n"
	_t0=$(date +%s)
	(cd "$top" && timeout -k 10 "$TS_TIMEOUT" "$@") >"$out" 2>&1 </dev/null
	_s=$?
	_t1=$(date +%s)
	# (replay programs name each input on a "replay: FILE" line first,
	# shown only when the program failed: the last one is the culprit)
	grep -v -e '^PASS' -e '^replay: ' "$out"
	judge "$_n" "$_m" "$_s" $((_t1 - _t0))
	# a test writes in its own temporary directory, never in the checkout
	_stray=$(ls -A "$top" | LC_ALL=C sort | LC_ALL=C comm -13 "$toplist" -)
	if [ -n "$_stray" ]; then
		echo "FAIL: $_n: left in the repository's top level: $(echo $_stray)" | tee -a "$log"
		ls -A "$top" | LC_ALL=C sort > "$toplist"
	fi
}

for t in "$UNIT_DIR"/test_*; do
	[ -x "$t" ] || continue
	run "unit: $(basename "$t")" 'done: [0-9]+ cases, [0-9]+ failed' "$t"
done
if [ -f "$top/tests/fuzz/seeds.sh" ]; then
	. "$top/tests/fuzz/seeds.sh"
	for t in "$FUZZ_DIR"/replay_*; do
		[ -x "$t" ] || continue
		h=${t##*/replay_}
		# shellcheck disable=SC2046
		run "fuzz replay: $h" 'done: [0-9]+ cases' "$t" $(fuzz_seeds "$h") "$top/tests/fuzz/regress/$h"
	done
fi
for t in "$top"/tests/cli/*.sh "$top"/tests/tui/*.sh "$top"/tests/meta/*.sh; do
	[ -f "$t" ] || continue
	rel=${t#"$top"/}
	run "script: $rel" "done: $rel reached its end" sh -c '. "$0"; ts_end' "$rel"
done
passed=$(grep -c '^PASS' "$log")
failed=$(grep -c '^FAIL' "$log")
grep '^FAIL' "$log" | sed 's/^/  /'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
