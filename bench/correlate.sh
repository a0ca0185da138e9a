#!/bin/sh
# correlate.sh - how often `trailscope correlate` ranks the planted cause of
# a generated incident first and in the top 3, against the naive answer
# "the latest production change before impact start" (and its top 3: the
# three latest). Writes bench/results-correlate.txt.
#
#   sh bench/correlate.sh                 # 2 x 250,000 events (seeds 7, 8) = 250 incidents
#   EVENTS=100000 SEEDS="1 2" sh bench/correlate.sh   # other data, same model
#
# Needs jq. Each incident is one `correlate --format json` run; the ranks
# are read from its JSON, the naive baseline from the same candidates.
. "$(dirname "$0")/lib.sh"

EVENTS=${EVENTS:-250000}
SEEDS=${SEEDS:-"7 8"}
OUT=${OUT:-$top/bench/results-correlate.txt}
work=$(mktemp -d "${TMPDIR:-/tmp}/tsbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME="$work/state" HOME="$work/home"
mkdir -p "$HOME"

total=0 first=0 top3=0 naive1=0 naive3=0 absent=0 ms=0
: > "$work/misses"
for seed in $SEEDS; do
	ev=$DATA/events-$EVENTS-s$seed.jsonl
	inc=$DATA/incidents-$EVENTS-s$seed.jsonl
	[ -s "$ev" ] && [ -s "$inc" ] || "$TS" gen --events "$EVENTS" --seed "$seed" --incidents "$inc" > "$ev"
	db=$work/s$seed.db
	"$TS" import --quiet "$db" "$ev"
	"$TS" incident import --quiet "$db" "$inc"
	jq -r '.id + " " + .planted_cause' "$inc" > "$work/planted"
	while read -r id cause; do
		"$TS" correlate "$db" "$id" --format json --limit 0 > "$work/c.json"
		# rank of the planted cause (0: not a candidate), naive rank
		set -- $(jq -r --arg c "$cause" '
			.incident.started_at as $s
			| ([.candidates[] | select(.event_id == $c) | .rank] | first // 0) as $rank
			| ([.candidates[] | select(.environment == "production" and .ts < $s)]
			   | sort_by(.ts) | reverse | map(.event_id) | index($c)) as $n
			| "\($rank) \(if $n == null then 0 else $n + 1 end)"' "$work/c.json")
		total=$((total + 1))
		[ "$1" -eq 1 ] && first=$((first + 1))
		[ "$1" -ge 1 ] && [ "$1" -le 3 ] && top3=$((top3 + 1))
		[ "$1" -eq 0 ] && absent=$((absent + 1))
		[ "$2" -eq 1 ] && naive1=$((naive1 + 1))
		[ "$2" -ge 1 ] && [ "$2" -le 3 ] && naive3=$((naive3 + 1))
		[ "$1" -ne 1 ] && echo "seed $seed $id: planted cause $cause ranked $1" >> "$work/misses"
	done < "$work/planted"
	t1=$(now_ms)
	# the correlate calls alone, without jq
	while read -r id cause; do
		"$TS" correlate "$db" "$id" --format json --limit 0 > /dev/null
	done < "$work/planted"
	t2=$(now_ms)
	ms=$((ms + t2 - t1))
done

pct() { python3 -c "print('%.1f%%' % (100.0 * $1 / $2 if $2 else 0))"; }
{
	echo "# bench/correlate.sh: planted-cause ranking on generated incidents"
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(uname -m), $(nproc) cores; events $EVENTS per seed, seeds: $SEEDS"
	echo "incidents                       $total"
	echo "trailscope correlate  rank 1    $first ($(pct $first $total))"
	echo "trailscope correlate  top 3     $top3 ($(pct $top3 $total))"
	echo "naive latest prod change rank 1 $naive1 ($(pct $naive1 $total))"
	echo "naive three latest prod, top 3  $naive3 ($(pct $naive3 $total))"
	echo "planted cause not a candidate   $absent"
	echo "time per correlate call         $(python3 -c "print('%.1f ms' % ($ms / max($total, 1)))") (a process each, window read and ranked)"
	echo "# misses:"
	cat "$work/misses"
} | tee "$OUT"
