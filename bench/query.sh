#!/bin/sh
# query.sh - benchmark of the query language on N generated events (default
# 1,000,000): indexed field and time queries, changed-path and value
# queries, free text, a regex against `grep -P` over the same records, and
# the same questions put to sqlite3 (json_extract over the leaves), jq and
# lnav when they are installed. Not a test: slow, prints a table to stdout
# (bench/results-query.txt keeps a run).
#
#   sh bench/query.sh [N]      TRAILSCOPE=./trailscope  WORK=/tmp/tsbench-query
set -u
N=${1:-1000000}
: "${TRAILSCOPE:=$(pwd)/trailscope}"
: "${WORK:=/tmp/tsbench-query}"
export TZ=UTC LC_ALL=C.UTF-8 XDG_STATE_HOME="$WORK/state"
mkdir -p "$WORK"
S=$WORK/s.db J=$WORK/ev.jsonl
if [ ! -s "$S" ]; then
	"$TRAILSCOPE" gen --events "$N" --seed 1 --incidents "$WORK/inc.jsonl" > "$J" || exit 1
	"$TRAILSCOPE" import "$S" "$J" --quiet || exit 1
	"$TRAILSCOPE" incident import "$S" "$WORK/inc.jsonl" >/dev/null 2>&1
fi
ms() { date +%s%N; }
# best of 3 wall-clock milliseconds of a command; its output's last line too
best() {
	b=
	for i in 1 2 3; do
		t0=$(ms); out=$("$@" 2>&1 | tail -1); t1=$(ms)
		t=$(( (t1 - t0) / 1000000 ))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
	done
	echo "$b $out"
}
once() { t0=$(ms); out=$("$@" 2>&1 | tail -1); t1=$(ms); echo "$(( (t1 - t0) / 1000000 )) $out"; }
row() { printf '%-66s %8s ms  %.40s\n' "$1" "$2" "$3"; }
q() { set -- $(best "$TRAILSCOPE" query "$S" "$1" $2); echo "$*"; }
run() { r=$(best "$TRAILSCOPE" query "$S" "$1" ${2:-}); row "query '$1' ${2:-}" "${r%% *}" "${r#* }"; }

echo "trailscope query benchmark: $("$TRAILSCOPE" query "$S" '' --count) events, $(du -h "$S" | cut -f1) store,"
echo "$(du -h "$J" | cut -f1) JSON lines; $(nproc) cores; $(date -u +%Y-%m-%d)"
echo "(wall clock, best of 3, including process start and store open)"
echo
echo "== indexed field and time queries (budget 50 ms)"
run 'actor:terraform-ci' --count
run 'actor:terraform-ci' '--limit 50 --format jsonl'
run 'env:production' '--limit 50 --format jsonl'
run 'target:checkout-*' --count
run 'actor:*-ci env:production' '--limit 50 --format jsonl'
run 'actor-type:service target:checkout-* env:production since:2026-06-01T14:00:00Z' --count
run 'actor-type:service target:checkout-* env:production since:2026-06-01T14:00:00Z' '--limit 50 --format jsonl'
run 'since:2026-06-01 until:2026-06-02' --count
run 'since:2026-06-01 until:2026-06-02' '--limit 50 --format jsonl'
run 'risk:no-approval env:production' '--limit 50 --format jsonl'
echo
echo "== changed paths and values (budget 200 ms for changed:)"
run 'changed:rollout_pct' --count
run 'changed:rules[*].conditions[*].values' --count
run 'changed:rules[*].conditions[*].values' '--limit 50 --format jsonl'
run 'changed:enabled env:production since:2026-06-01' --count
run 'after.enabled:true' --count
run 'before.rollout_pct<50 after.rollout_pct>=50' --count
run 'after.rules[*].conditions[*].values:ios' --count
echo
echo "== free text (FTS5)"
run 'checkout' --count
run '"canary rollout"' --count
echo
echo "== regex over every event vs grep -P over the same records"
r=$(best "$TRAILSCOPE" query "$S" '/rollout_pct":100\b/' --count); row "query '/rollout_pct\":100\\b/' --count" "${r%% *}" "${r#* }"
g=$(best grep -cP 'rollout_pct":100\b' "$J"); row "grep -cP 'rollout_pct\":100\\b' ev.jsonl" "${g%% *}" "${g#* }"
r2=$(best "$TRAILSCOPE" query "$S" '/canary|kill.switch/i' --count); row "query '/canary|kill.switch/i' --count" "${r2%% *}" "${r2#* }"
g2=$(best grep -ciP 'canary|kill.switch' "$J"); row "grep -ciP 'canary|kill.switch' ev.jsonl" "${g2%% *}" "${g2#* }"
run '/rollout_pct":100\b/' '--limit 50 --format jsonl'
x=$(best "$TRAILSCOPE" sql "$S" "SELECT count(*) FROM entry_text WHERE ts_regexp('rollout_pct\":100\\b', '', summary, raw)")
row "one thread over entry_text (sql)" "${x%% *}" "${x#* }"
# (a version 3 leaf holds no raw record: events.raw reads entry_text for it)
x=$(best "$TRAILSCOPE" sql "$S" "SELECT count(*) FROM events WHERE ts_regexp('rollout_pct\":100\\b', '', raw)")
row "raw via the events view (sql)" "${x%% *}" "${x#* }"
echo
echo "== the same questions without trailscope's indexes and SQL"
if command -v sqlite3 >/dev/null; then
	x=$(best sqlite3 "$S" "SELECT count(*) FROM entries WHERE json_extract(CAST(leaf AS TEXT), '\$.actor.id') = 'terraform-ci'")
	row "sqlite3 json_extract actor.id = terraform-ci" "${x%% *}" "${x#* }"
	x=$(best sqlite3 "$S" "SELECT count(*) FROM entries WHERE actor = 'terraform-ci'")
	row "sqlite3 indexed column actor = terraform-ci" "${x%% *}" "${x#* }"
	x=$(best sqlite3 "$S" "SELECT count(*) FROM entries WHERE json_extract(CAST(leaf AS TEXT), '\$.ts') >= '2026-06-01' AND json_extract(CAST(leaf AS TEXT), '\$.ts') < '2026-06-02'")
	row "sqlite3 json_extract one day" "${x%% *}" "${x#* }"
	x=$(best sqlite3 "$S" "SELECT count(DISTINCT seq) FROM changes WHERE path GLOB 'rules[[][0-9]*].conditions[[][0-9]*].values*'")
	row "sqlite3 changes GLOB rules[*].conditions[*].values" "${x%% *}" "${x#* }"
fi
if command -v jq >/dev/null; then
	x=$(once sh -c "jq -c 'select(.actor.id == \"terraform-ci\")' '$J' | wc -l")
	row "jq select(.actor.id == terraform-ci) | wc -l" "${x%% *}" "${x#* }"
fi
if command -v lnav >/dev/null; then
	# lnav needs a JSON log format for these events (bench/lnav-trailscope-gen.json)
	mkdir -p "$WORK/lnavhome"
	HOME=$WORK/lnavhome lnav -i "$(dirname "$0")/lnav-trailscope-gen.json" >/dev/null 2>&1
	x=$(once env HOME="$WORK/lnavhome" timeout 1800 lnav -n -c ";SELECT count(*) AS n FROM trailscope_gen WHERE \"actor/id\" = 'terraform-ci'" "$J")
	row "lnav SQL actor/id = terraform-ci (incl. loading the file)" "${x%% *}" "${x#* }"
fi
