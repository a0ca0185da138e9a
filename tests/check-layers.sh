#!/bin/sh
# check-layers.sh - checks that every #include in src/ and include/ keeps to
# the layers (README, "make check-layers"):
#
#   main -> cmd -> core     tui -> core     cmd -> tui only through src/tui/tui.h
#
#   core  src/core, include/trailscope (but cli.h and cmd.h, which are cmd's
#         until they move to src/cmd): includes core only, never ncurses
#   cmd   src/cmd: core, cmd, and the TUI's one entry point src/tui/tui.h
#   tui   src/tui: core and tui; the only layer that includes ncurses
#   main  src/main.c: core and cmd
#
# and that SQL lives behind the store: no file of the TUI, cmd or main
# names SQLite ("sqlite3", as grep -l sqlite3 finds it) but the two that
# run the user's own SQL, src/tui/view_sql.c (the :sql view) and
# src/cmd/sql.c (`trailscope sql`); the others call core functions.
#
# Usage: check-layers.sh [TOP]   (TOP defaults to the repository)
# Prints "FAIL: FILE:LINE: ..." for each include that breaks a rule and one
# PASS line when there is none; exits 1 when any rule is broken.
set -u
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
files=$(find src include -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | LC_ALL=C sort)
[ -n "$files" ] || { echo "FAIL: layers: no sources under $top"; exit 1; }
# shellcheck disable=SC2086
awk '
function norm(p,   n, i, k, part, out) {
	n = split(p, part, "/")
	k = 0
	for (i = 1; i <= n; i++) {
		if (part[i] == "" || part[i] == ".")
			continue
		if (part[i] == ".." && k > 0 && out[k] != "..") { k--; continue }
		out[++k] = part[i]
	}
	p = ""
	for (i = 1; i <= k; i++)
		p = p (i > 1 ? "/" : "") out[i]
	return p
}
function exists(p,   line, r) {
	r = (getline line < p)
	close(p)
	return r >= 0
}
function layer(p) {
	if (p == "include/trailscope/cli.h" || p == "include/trailscope/cmd.h")
		return "cmd"
	if (p ~ /^src\/core\// || p ~ /^include\/trailscope\//)
		return "core"
	if (p ~ /^src\/cmd\//)
		return "cmd"
	if (p == "src/tui/tui.h")
		return "tui-entry"
	if (p ~ /^src\/tui\//)
		return "tui"
	if (p == "src/main.c")
		return "main"
	return "other"
}
function allowed(from, to) {
	if (from == "tui-entry")
		return to == "core"
	if (from == "core")
		return to == "core"
	if (from == "cmd")
		return to == "core" || to == "cmd" || to == "tui-entry"
	if (from == "tui")
		return to == "core" || to == "tui" || to == "tui-entry" || to == "curses"
	if (from == "main")
		return to == "core" || to == "cmd"
	return 1
}
FNR == 1 { dir = FILENAME; sub(/\/[^\/]*$/, "", dir); from = layer(FILENAME) }
/sqlite3/ && from != "core" && from != "other" && FILENAME != "src/tui/view_sql.c" && FILENAME != "src/cmd/sql.c" {
	printf "FAIL: %s:%d: %s (%s) uses SQLite directly: SQL lives behind the store (src/core)\n",
	       FILENAME, FNR, FILENAME, from
	bad++
}
/^[ \t]*#[ \t]*include[ \t]*[<"]/ {
	line = $0
	sub(/^[ \t]*#[ \t]*include[ \t]*/, "", line)
	if (line ~ /^</) {
		name = substr(line, 2); sub(/>.*/, "", name)
		if (name !~ /^(n?cursesw?\/)?(n?curses|curses|ncursesw|term|panel|menu|form)\.h$/)
			next
		to = "curses"; what = "<" name ">"
	} else {
		name = substr(line, 2); sub(/".*/, "", name)
		p = norm(dir "/" name)
		if (!exists(p))
			p = norm("include/" name)
		if (!exists(p)) {
			printf "FAIL: %s:%d: cannot find \"%s\"\n", FILENAME, FNR, name
			bad++
			next
		}
		to = layer(p); what = p
	}
	if (!allowed(from, to)) {
		printf "FAIL: %s:%d: %s (%s) includes %s (%s)\n", FILENAME, FNR, FILENAME,
		       from, what, to
		bad++
	}
}
END {
	if (bad)
		exit 1
	print "PASS: layers: main -> cmd -> core, tui -> core, cmd -> tui only through src/tui/tui.h; SQL only in core, view_sql.c and cmd/sql.c"
}
' $files
