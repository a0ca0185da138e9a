# incident_window.sh - one incident window: query around:ID, correlate and
# export --incident select the same events, for a resolved and an
# unresolved incident, on a store with events on and just past each edge
# of each window (the TUI's correlation view: tests/tui/incident_window.sh).
. tests/lib.sh
S=$T/s.db W=testdata/incident-window

# testdata/incident-window: seq, ts and the window it falls in
#  1 2026-03-04T09:59:59Z  -   1 s before INC-R's window
#  2 2026-03-04T10:00:00Z  R   INC-R's start - 2 h
#  3 2026-03-04T12:30:00Z  R
#  4 2026-03-04T13:00:00Z  R   INC-R's resolved_at
#  5 2026-03-04T13:00:01Z  -
#  6 2026-03-05T09:59:59Z  -
#  7 2026-03-05T10:00:00Z  U   INC-U's start - 2 h
#  8 2026-03-05T13:59:59Z  U
#  9 2026-03-05T14:00:00Z  U   INC-U's start + 2 h (it is unresolved)
# 10 2026-03-05T14:05:00Z  -   before INC-U's detected_at + 2 h: outside
# 11 2026-03-06T12:00:00Z  -   an unresolved window is not open-ended
ts keygen example.org/audit --out "$T/keys" >/dev/null
K=$T/keys/example.org_audit.key P=$T/keys/example.org_audit.pub
expect_status "import the edge events (signed)" 0 ts import "$S" $W/events.jsonl --sign "$K"
expect_status "import the incidents" 0 ts incident import "$S" $W/incidents.jsonl

seqs() { tr '\n' ' ' | sed 's/ $//'; }
check_window() { # check_window ID WANT-SEQS FROM TO
	expect_status "query around:$1" 0 ts query "$S" "around:$1" --format jsonl
	expect_eq "around:$1 selects the window" "$(jq -r .seq "$T/out" | seqs)" "$2"
	expect_status "correlate $1" 0 ts correlate "$S" "$1" --format json
	expect_eq "correlate $1 ranks the same events" "$(jq -r '.candidates[].seq' "$T/out" | sort -n | seqs)" "$2"
	expect_eq "correlate $1 reports the window" "$(jq -r '.window.from + " " + .window.to' "$T/out")" "$3 $4"
	rm -rf "$T/b-$1"
	expect_status "export --incident $1" 0 ts export "$S" --out "$T/b-$1" --incident "$1" --case C --examiner A \
		--key "$K" --trust "$P"
	expect_eq "export --incident $1 exports the same events" "$(jq -r .seq "$T/b-$1/data/events.jsonl" | seqs)" "$2"
	expect_eq "export --incident $1 records the window" \
		"$(jq -r '.window.from + " " + .window.to' "$T/b-$1/data/incident.json")" "$3 $4"
}
check_window INC-R "2 3 4" 2026-03-04T10:00:00.000000Z 2026-03-04T13:00:00.000000Z
check_window INC-U "7 8 9" 2026-03-05T10:00:00.000000Z 2026-03-05T14:00:00.000000Z

# the look-back of correlate widens both ends of an unresolved window alike
expect_status "correlate --lookback 3h" 0 ts correlate "$S" INC-U --lookback 3h --format json
expect_eq "--lookback 3h: 3 h either side of an unresolved start" \
	"$(jq -r '.window.from + " " + .window.to' "$T/out")" "2026-03-05T09:00:00.000000Z 2026-03-05T15:00:00.000000Z"
# ids are found alike: exactly, else without case when unique
expect_status "around: without case" 0 ts query "$S" "around:inc-u" --count
expect_eq "around:inc-u is INC-U's window" "$(cat "$T/out")" "3"
expect_status "around: an unknown incident is a query error" 3 ts query "$S" "around:INC-404"
expect_grep "around: says which incident" "no incident 'INC-404'" "$T/err"
