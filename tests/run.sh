#!/bin/sh
# run.sh - runs every unit test binary and every CLI/TUI test script,
# counts PASS and FAIL lines, and ends with "N passed, N failed".
# Environment: TRAILSCOPE (the binary), UNIT_DIR, SHARED (../shared).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
: "${TRAILSCOPE:=$top/trailscope}"
: "${UNIT_DIR:=$top/build/tests}"
: "${SHARED:=$top/../shared}"
export TRAILSCOPE SHARED
export TZ=UTC LC_ALL=C.UTF-8 LANG=C.UTF-8
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for t in "$UNIT_DIR"/test_*; do
	[ -x "$t" ] || continue
	echo "== unit: $(basename "$t")"
	(cd "$top" && "$t") 2>&1 | tee -a "$log" | grep -v '^PASS' || true
done
for t in "$top"/tests/cli/*.sh "$top"/tests/tui/*.sh; do
	[ -f "$t" ] || continue
	echo "== script: $(basename "$t")"
	(cd "$top" && sh "$t") 2>&1 | tee -a "$log" | grep -v '^PASS' || true
done
passed=$(grep -c '^PASS' "$log")
failed=$(grep -c '^FAIL' "$log")
grep '^FAIL' "$log" | sed 's/^/  /'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
