#!/bin/sh
# demo.sh - "make demo": generates 20,000 events with planted incidents,
# signs them into a store under ./demo/, imports the incidents beside them
# and opens it in the terminal UI (press ? for keys, i for incidents).
# The trust state goes to ./demo/state so your own is left alone.
set -eu
cd "$(dirname "$0")/.."
D=demo
BIN=${TRAILSCOPE:-./trailscope}
mkdir -p "$D"
export XDG_STATE_HOME="$(pwd)/$D/state"
if [ ! -f "$D/store.db" ]; then
	echo "generating 20,000 events into $D/ ..."
	"$BIN" gen --events 20000 --incidents "$D/incidents.jsonl" > "$D/events.jsonl"
	[ -f "$D/keys/demo.example_audit.key" ] || "$BIN" keygen demo.example/audit --out "$D/keys"
	"$BIN" import "$D/store.db" "$D/events.jsonl" --sign "$D/keys/demo.example_audit.key"
	"$BIN" incident import "$D/store.db" "$D/incidents.jsonl"
fi
exec "$BIN" open "$D/store.db" --trust "$D/keys/demo.example_audit.pub"
