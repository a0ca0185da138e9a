# layers.sh - the include rules of tests/check-layers.sh and its rule that
# only core (and the :sql view and sql command) use SQLite: the tree keeps
# to them, and each rule catches a made-up tree that breaks it.
. tests/lib.sh
CL=$(pwd)/tests/check-layers.sh

expect_status "layers: the tree keeps to its layers" 0 sh "$CL"

# tree NAME: a clean made-up tree in $T/NAME (then files are added to break it)
tree() {
	R=$T/$1
	mkdir -p "$R/src/core" "$R/src/cmd" "$R/src/tui" "$R/include/trailscope"
	printf '#include "trailscope/a.h"\n#include <stdio.h>\n' >"$R/src/core/a.c"
	printf '#include <stdint.h>\n' >"$R/include/trailscope/a.h"
	printf '#include "trailscope/a.h"\n' >"$R/include/trailscope/cmd.h"
	printf '#include "trailscope/a.h"\n' >"$R/src/tui/tui.h"
	printf '#include <curses.h>\n#include "trailscope/a.h"\n#include "tui.h"\n' >"$R/src/tui/draw.h"
	printf '#include "trailscope/cmd.h"\n#include "../tui/tui.h"\n' >"$R/src/cmd/open.c"
	printf '#include "trailscope/cmd.h"\n' >"$R/src/main.c"
}
# breaks NAME FILE LINE PATTERN: FILE with LINE added fails with PATTERN
breaks() {
	tree "$1"
	printf '%s\n' "$3" >>"$R/$2"
	expect_status "layers: $1 is refused" 1 sh "$CL" "$R"
	expect_grep "layers: $1 says where" "$4" "$T/out"
}

tree clean
expect_status "layers: a clean made-up tree passes" 0 sh "$CL" "$R"
breaks "core including the TUI" src/core/a.c '#include "../tui/draw.h"' \
	'^FAIL: src/core/a.c:3: .*src/tui/draw.h \(tui\)'
breaks "core including cmd.h" src/core/a.c '#include "trailscope/cmd.h"' \
	'^FAIL: src/core/a.c:3: .*include/trailscope/cmd.h \(cmd\)'
breaks "a public header including curses" include/trailscope/a.h '#include <ncursesw/curses.h>' \
	'^FAIL: include/trailscope/a.h:2: .*<ncursesw/curses.h> \(curses\)'
breaks "an include of a missing header" src/tui/draw.h '#include "../cmd/open.h"' \
	'^FAIL: src/tui/draw.h:4: cannot find "../cmd/open.h"'
tree tui-cmd
printf '\n' >"$R/src/cmd/cli.h"
printf '#include "../cmd/cli.h"\n' >>"$R/src/tui/draw.h"
expect_status "layers: the TUI including src/cmd is refused" 1 sh "$CL" "$R"
expect_grep "layers: the TUI including src/cmd says where" \
	'^FAIL: src/tui/draw.h:4: .*src/cmd/cli.h \(cmd\)' "$T/out"
breaks "cmd reaching past tui.h" src/cmd/open.c '#include "../tui/draw.h"' \
	'^FAIL: src/cmd/open.c:3: .*src/tui/draw.h \(tui\)'
breaks "cmd including curses" src/cmd/open.c '#include <curses.h>' \
	'^FAIL: src/cmd/open.c:3: .*<curses.h> \(curses\)'
breaks "main opening the TUI itself" src/main.c '#include "tui/tui.h"' \
	'^FAIL: src/main.c:2: .*src/tui/tui.h \(tui-entry\)'
breaks "the TUI entry header including curses" src/tui/tui.h '#include <curses.h>' \
	'^FAIL: src/tui/tui.h:2: .*\(curses\)'
breaks "a TUI view preparing SQL" src/tui/draw.h 'sqlite3_stmt *st;' \
	'^FAIL: src/tui/draw.h:4: .*\(tui\) uses SQLite directly'
breaks "a command preparing SQL" src/cmd/open.c 'static sqlite3 *db;' \
	'^FAIL: src/cmd/open.c:3: .*\(cmd\) uses SQLite directly'
breaks "main using SQLite" src/main.c '#include <sqlite3.h>' \
	'^FAIL: src/main.c:2: .*\(main\) uses SQLite directly'
tree sql-allowed
printf '#include <sqlite3.h>\n' >"$R/src/tui/view_sql.c"
printf '#include <sqlite3.h>\n' >"$R/src/cmd/sql.c"
printf '#include <sqlite3.h>\nsqlite3_stmt *st;\n' >>"$R/src/core/a.c"
expect_status "layers: the :sql view, the sql command and core may use SQLite" 0 sh "$CL" "$R"
