# incident_window.sh - the TUI selects an incident's events as query
# around:ID, correlate and export do (tests/cli/incident_window.sh): its
# correlation view ranks exactly the events of the window, for a resolved
# and an unresolved incident, and shows that window; the query bar's
# around:ID filter shows the same events. The store: testdata/incident-window
# (the edges are listed in tests/cli/incident_window.sh).
. tests/tui/common.inc
D=$T/win
mkdir -p "$D"
expect_status "import the edge events" 0 ts import "$D/s.db" testdata/incident-window/events.jsonl
expect_status "import the incidents" 0 ts incident import "$D/s.db" testdata/incident-window/incidents.jsonl

# the seqs (flag-N is event N) of the rows of a dumped screen, ascending
screen_seqs() { sed -n "$1" "$2" | grep -o 'flag-[0-9]*' | sed 's/flag-//' | sort -n | tr '\n' ' ' | sed 's/ $//'; }
check_tui() { # check_tui ID KEYS WANT-SEQS WINDOW
	expect_status "query around:$1 (the reference)" 0 ts query "$D/s.db" "around:$1" --format jsonl
	expect_eq "around:$1 is the window" "$(jq -r .seq "$T/out" | tr '\n' ' ' | sed 's/ $//')" "$3"
	printf ':wait-idle\ni\n%s<Enter>\n' "$2" | SCREEN_DIR=$D run_screen 120x30 "$T/cor-$1"
	expect_eq "TUI correlation of $1 ranks the window's events" "$(screen_seqs '/^ #[0-9]/p' "$T/cor-$1")" "$3"
	expect_grep "TUI correlation of $1 shows the window" "^ Window +$4 " "$T/cor-$1"
	printf ':wait-idle\n/\n:type around:%s\n<Enter>\n:wait-idle\n' "$1" | SCREEN_DIR=$D run_screen 120x30 "$T/flt-$1"
	expect_eq "TUI filter around:$1 shows the same events" "$(screen_seqs '/^ 20[0-9][0-9]-/p' "$T/flt-$1")" "$3"
}
check_tui INC-R "" "2 3 4" "2026-03-04 10:00:00 → 2026-03-04 13:00:00"
check_tui INC-U "j
" "7 8 9" "2026-03-05 10:00:00 → 2026-03-05 14:00:00"
