#!/bin/sh
# run.sh - runs every benchmark in bench/ (slow: builds stores of 1M and
# more events). Results land in bench/results-*.txt; README.md quotes them.
set -e
cd "$(dirname "$0")"
for b in import.sh store.sh query.sh formats.sh formats_m365_github.sh formats-cloud.sh formats-opensearch.sh correlate.sh export.sh tui.sh pg.sh pg_partition.sh; do
	[ -f "$b" ] && { echo "== $b"; sh "$b"; }
done
