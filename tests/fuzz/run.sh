#!/bin/sh
# tests/fuzz/run.sh - runs the libFuzzer harnesses built by `make fuzz`
# (FUZZ_DIR, default build-fuzz/fuzz) for FUZZ_SECONDS each (default 30),
# one after the other; arguments name the harnesses to run (default all).
# Each starts from a working corpus in FUZZ_DIR/corpus/HARNESS seeded
# with tests/fuzz/seeds.sh's seeds and tests/fuzz/regress/HARNESS. A
# crash, leak, sanitizer report, timeout or out-of-memory is copied to
# tests/fuzz/regress/HARNESS/ (where make test replays it) and makes
# this script exit 1. Extra libFuzzer options: FUZZ_FLAGS.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${FUZZ_DIR:=$top/build-fuzz/fuzz}"
: "${FUZZ_SECONDS:=30}"
: "${FUZZ_FLAGS:=}"
export TZ=UTC LC_ALL=C.UTF-8
. "$top/tests/fuzz/seeds.sh"

if [ $# -eq 0 ]; then
	for f in "$top"/tests/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		set -- "$@" "${n#fuzz_}"
	done
fi
failed=""
for h in "$@"; do
	bin=$FUZZ_DIR/fuzz_$h
	if [ ! -x "$bin" ]; then
		echo "FAIL: fuzz $h: $bin not built"
		failed="$failed $h"
		continue
	fi
	corpus=$FUZZ_DIR/corpus/$h
	art=$FUZZ_DIR/artifacts/$h
	mkdir -p "$corpus" "$art"
	rm -f "$art"/*
	fuzz_seeds "$h" | while IFS= read -r s; do
		if [ -d "$s" ]; then
			find "$s" -type f -exec cp {} "$corpus"/ \;
		else
			cp "$s" "$corpus"/
		fi
	done
	[ -d "$top/tests/fuzz/regress/$h" ] && cp "$top/tests/fuzz/regress/$h"/* "$corpus"/ 2>/dev/null
	log=$FUZZ_DIR/$h.log
	echo "== fuzz: $h for ${FUZZ_SECONDS}s"
	# -timeout: one input over 25 s is a hang; -rss_limit_mb: a leak or a
	# blow-up past 2 GiB is a finding too.
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$art/" -print_final_stats=1 $FUZZ_FLAGS "$corpus" >"$log" 2>&1
	rc=$?
	grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)' "$log" | sed 's/^/   /'
	if [ "$rc" -ne 0 ] || [ -n "$(find "$art" -type f)" ]; then
		echo "FAIL: fuzz $h: exit $rc; log $log"
		grep -E 'ERROR: |SUMMARY: |runtime error|^==[0-9]+==' "$log" | head -8 | sed 's/^/    /'
		mkdir -p "$top/tests/fuzz/regress/$h"
		for a in "$art"/*; do
			[ -f "$a" ] || continue
			cp "$a" "$top/tests/fuzz/regress/$h/"
			echo "    regression input: tests/fuzz/regress/$h/$(basename "$a")"
		done
		failed="$failed $h"
	else
		echo "PASS: fuzz $h ($(ls "$corpus" | wc -l | tr -d ' ') corpus files)"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: findings in:$failed"
	exit 1
fi
echo "fuzz: no findings"
