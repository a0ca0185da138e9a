# screen.sh - scripted screen tests: keys in (TRAILSCOPE_SCRIPT), the final
# screen out (TRAILSCOPE_DUMP), compared with tests/tui/expected/*.txt.
# Pinned: TERM, size, TZ=UTC, LC_ALL=C.UTF-8, HOME and XDG state.
. tests/tui/common.inc
make_store "$T/st"
cp "$T/st/s.db" "$T/pristine.db"

printf ':wait-idle\n' | run_screen 80x24 "$T/tl80" --trust "$PUB"
expect_eq "start-up exits 0" "$(cat "$T/tl80.rc")" 0
expect_screen timeline-80x24 "$T/tl80"

printf ':wait-idle\n' | run_screen 120x40 "$T/tl120"
expect_screen timeline-120x40 "$T/tl120"

printf ':wait-idle\nj\nj\nj\nj\nj\n<Enter>\n' | run_screen 100x40 "$T/ev"
expect_screen event-unified "$T/ev"

printf ':wait-idle\nj\nj\nj\nj\nj\n<Enter>\ns\n' | run_screen 100x40 "$T/evs"
expect_screen event-side-by-side "$T/evs"

printf ':wait-idle\nj\nj\nj\nj\nj\nh\nk\nm\nj\nj\nm\n' | run_screen 100x30 "$T/hist"
expect_screen history-marks "$T/hist"

printf ':wait-idle\nj\nj\nj\nh\ng\n' | run_screen 100x30 "$T/unk"
expect_screen history-unknown-before "$T/unk"

printf ':wait-idle\nv\n' | run_screen 100x24 "$T/ver"
expect_screen verify-view "$T/ver"

printf ':wait-idle\n?\n' | run_screen 100x50 "$T/help"
expect_screen help "$T/help"

printf ':wait-idle\nj\n<Enter>\n' | run_screen 100x30 "$T/hostile"
expect_screen hostile-event "$T/hostile"
if grep -q "$(printf '\033]0;PWNED')" "$T/hostile.raw" || grep -q "$(printf '\342\200\256')" "$T/hostile.raw" ||
   grep -q "$(printf '\033\\[5m')" "$T/hostile.raw"; then
	fail "hostile data never reaches the terminal raw" "raw escape or bidi override in the output"
else
	pass "hostile data never reaches the terminal raw"
fi
expect_grep "hostile escape shown escaped" 'mallory\\x1b\]0;PWNED\\x07@evil' "$T/hostile"

printf ':wait-idle\nt\n:type 2026-01-12 15:30\n<Enter>\n' | run_screen 100x24 "$T/jump"
expect_screen jump-time "$T/jump"
printf ':wait-idle\nG\nt\n:type +3h\n<Enter>\n' | run_screen 100x24 "$T/jumprel"
expect_grep "relative jump lands on the cursor + 3h" '^01-12 14:32:08|^2026-01-12 14:32:08' "$T/jumprel"
printf ':wait-idle\nt\n:type 2026-02-30 10:00\n<Enter>\n' | run_screen 100x24 "$T/jumpbad"
expect_grep "bad time is refused with a reason" "bad time '2026-02-30 10:00': impossible date" "$T/jumpbad"

printf ':wait-idle\nj\nj\n:resize 80 24\n' | run_screen 120x40 "$T/resize"
expect_screen resize-120-to-80 "$T/resize"

printf ':wait-idle\nG\n<C-u>\n<PgDn>\n<PgUp>\ng\n<Down>\n<Up>\n<End>\n<Home>\n:click 5 10\n' | run_screen 80x24 "$T/nav"
expect_grep "click selects a row (event 3 of 8)" 'event 3 of 8' "$T/nav"

printf ':wait-idle\no\n' | run_screen 100x24 "$T/oldest"
expect_grep "o: oldest first" 'oldest first' "$T/oldest"
printf ':wait-idle\n' | run_screen 100x24 "$T/oldest2" --oldest-first
expect_grep "--oldest-first starts at the oldest" '^2026-01-12 09:00:00' "$T/oldest2"

# trust: without --trust (fresh state dir: nothing pinned) it is unverifiable
rm -rf "$XDG_STATE_HOME"
printf ':wait-idle\n' | run_screen 100x24 "$T/untrusted"
expect_grep "status: UNVERIFIABLE without a trusted key" 'UNVERIFIABLE: no trusted key' "$T/untrusted"
printf ':wait-idle\n' | run_screen 100x24 "$T/trusted" --trust "$PUB"
expect_grep "status: VERIFIED with --trust" 'VERIFIED through 8 \(\+0 pending\)' "$T/trusted"
printf ':wait-idle\n' | run_screen 100x24 "$T/pinned"
expect_grep "--trust pins the key like verify does" 'VERIFIED through 8' "$T/pinned"

# browsing never changes a byte of the store
expect_eq "store unchanged by browsing" "$(cmp "$T/st/s.db" "$T/pristine.db" && echo same)" same

# themes
for th in default light high-contrast monochrome; do
	printf ':wait-idle\n' | run_screen 80x24 "$T/th-$th" --theme "$th"
	expect_nogrep "theme $th loads" 'theme used' "$T/th-$th"
done
printf 'default 1 2\nheader 231/white 24/blue bold\ndiff-added chartreuse default\n' > "$T/st/bad.theme"
printf ':wait-idle\n' | run_screen 120x24 "$T/badtheme" --theme ./bad.theme
expect_grep "bad theme: error with its line number" "default theme used: .*bad.theme:3: bad colour 'chartreuse'" "$T/badtheme"
expect_grep "bad theme: error repeated on stderr" "bad.theme:3: bad colour 'chartreuse'" "$T/badtheme.err"
printf ':wait-idle\n' | run_screen 100x24 "$T/notheme" --theme nosuch
expect_grep "unknown theme: error" "no theme named 'nosuch'" "$T/notheme"
printf ':wait-idle\nT\n' | run_screen 100x24 "$T/cycle"
expect_grep "T cycles to the next theme" 'theme: ' "$T/cycle"
printf ':wait-idle\n' | (export NO_COLOR=1; run_screen 80x24 "$T/nocolor")
if grep -q "$(printf '\033\\[3[0-9]m')\|38;5;" "$T/nocolor.raw"; then
	fail "NO_COLOR: no colour sequences" "found SGR colour codes"
else
	pass "NO_COLOR: no colour sequences"
fi
printf ':wait-idle\n' | run_screen 80x24 "$T/color"
expect_grep "colours are used without NO_COLOR" "$(printf '\033\\[')(38;5;|3[0-9]m)" "$T/color.raw"

# tampering: FAILED in the status bar, the fault in the verify view, Enter opens it
cp "$T/st/s.db" "$T/st/t.db"
sqlite3 "$T/st/t.db" "DROP TRIGGER entries_no_update; UPDATE entries SET actor = 'eve@example.com' WHERE seq = 3;"
cat > "$T/keys.txt" <<'K'
:wait-idle
v
K
(cd "$T/st" && env COLUMNS=100 LINES=24 TRAILSCOPE_SCRIPT="$T/keys.txt" TRAILSCOPE_DUMP="$T/tamper" \
	"$TRAILSCOPE" open t.db --trust "$PUB" > /dev/null 2>&1)
expect_grep "tampered: FAILED in the status bar" '^ FAILED: [0-9]+ fault' "$T/tamper"
expect_grep "tampered: fault located" 'MODIFIED +seq 3' "$T/tamper"
printf ':wait-idle\nv\n<Enter>\n' > "$T/keys.txt"
(cd "$T/st" && env COLUMNS=100 LINES=24 TRAILSCOPE_SCRIPT="$T/keys.txt" TRAILSCOPE_DUMP="$T/tamper2" \
	"$TRAILSCOPE" open t.db --trust "$PUB" > /dev/null 2>&1)
expect_grep "Enter on a fault opens the event" '^ event · seq 3 ' "$T/tamper2"
expect_grep "the event shows its fault" 'Proof +MODIFIED' "$T/tamper2"

# errors before the screen starts
expect_status "missing store: exit 5" 5 ts open "$T/nope.db"
expect_status "no store: usage" 3 ts open
expect_status "--help" 0 ts open --help
expect_status "foreign file refused" 5 ts open testdata/foreign.db
