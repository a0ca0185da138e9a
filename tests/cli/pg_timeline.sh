# pg_timeline.sh - the TUI's timeline model (src/core/timeline.c, through
# rows.h) on a PostgreSQL store gives what it gives on the store's SQLite
# copy: tests/pg/timeline_cmp.c calls the same timeline functions on both
# (pages by (ts, seq), first rows, the row at a seq, seeks, positions,
# density, the window model) and compares, over generated events, real
# samples (cloudtrail, launchdarkly, k8s) and events that failed, on a
# private server (tests/pg/server.sh). Fails, not skips, without
# PostgreSQL.
. tests/lib.sh
. tests/pg/server.sh

CMP=$TOOLS_DIR/timeline_cmp
uri() { echo "postgresql://$1@/$2?host=$PGHOST"; }

setup() {
	[ -x "$CMP" ] || { echo "no $CMP (make tools)" >&2; return 1; }
	pg_roles_store >/dev/null || return 1
	ts init "$(uri ts_owner store)" --writer ts_writer --reader ts_reader >/dev/null || return 1
	ts gen --events 400 --seed 17 --start 2026-01-12T08:00:00Z > "$T/gen.jsonl" || return 1
	# failed requests, two at one instant with the generated events', a
	# required approval nobody gave, and one that was approved
	cat > "$T/failed.jsonl" <<-'EOT'
	{"event_id":"f1","timestamp":"2026-01-12T14:40:00Z","actor":"bob@example.com","flag_key":"payments","environment":"production","previous_state":{"enabled":true},"new_state":{"enabled":false},"outcome":{"status":"failure","code":"403","message":"not allowed"}}
	{"event_id":"f2","timestamp":"2026-01-12T14:40:00Z","actor":"bob@example.com","flag_key":"payments","environment":"staging","previous_state":{"enabled":true},"new_state":{"enabled":false},"outcome":"denied"}
	{"event_id":"f3","timestamp":"2026-01-12T14:41:00Z","actor":"ann@example.com","flag_key":"search","environment":"production","previous_state":{"on":false},"new_state":{"on":true},"approval":{"required":true,"approved_by":"m"},"outcome":503}
	{"event_id":"f4","timestamp":"2026-01-12T14:41:00Z","actor":"ann@example.com","flag_key":"search","environment":"dev","previous_state":{"on":true},"new_state":{"on":false},"approval":{"required":true}}
	EOT
	ts import "$(uri ts_writer store)" "$T/gen.jsonl" "$T/failed.jsonl" "$SHARED"/samples/cloudtrail/0[1-5]*.json \
		"$SHARED"/samples/launchdarkly/flag/*.json "$SHARED"/samples/k8s-falco/create_c*.json \
		>"$T/import.out" 2>&1 || { cat "$T/import.out" >&2; return 1; }
	ts copy "$(uri ts_reader store)" "$T/copy.db" >/dev/null
}

if ! pg_start; then
	fail "pg timeline: cannot start a PostgreSQL server (see above; .ci/deps.sh installs postgresql)"
elif ! setup; then
	fail "pg timeline: cannot set up roles, a store and events"
else
	"$CMP" "$T/copy.db" "$(uri ts_reader store)" > "$T/cmp.out" 2>&1
	st=$?
	cat "$T/cmp.out"
	expect_eq "pg timeline: timeline_cmp ran to its end and found no difference" \
		"$st $(tail -1 "$T/cmp.out" | sed 's/ [0-9]* checks,/ N checks,/')" "0 done: N checks, 0 failed"
fi
