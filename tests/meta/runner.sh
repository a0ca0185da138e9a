# runner.sh - tests tests/run.sh itself: in a scratch copy of the test
# tree (a copy of run.sh and lib.sh, fake unit programs compiled here, fake
# scripts), each way a test can go wrong (a crash at start, exit 1 with
# only PASS lines, a binary that stops before its closing line, a hang, a
# script that exits non-zero, a script that stops part-way, a program that
# passes nothing) must make the runner exit non-zero with a FAIL line
# naming it; a clean set must exit 0.
. tests/lib.sh
R=$T/tree
CC=${CC:-cc}

# unit SOURCE NAME: compiles a fake unit-test binary into $R/units.
unit() {
	printf '%s\n' "$1" > "$T/$2.c"
	"$CC" -Itests/unit -o "$R/units/$2" "$T/$2.c" 2>"$T/cc.err" ||
		fail "runner: cannot compile $2" "$(cat "$T/cc.err")"
}
GOOD='#include "check.h"
TEST(fine) { CHECK(1); }
int main(void) { RUN(fine); return CHECK_DONE(); }'

# tree: a fresh scratch copy with one clean unit binary and one clean script
tree() {
	rm -rf "$R"
	mkdir -p "$R/tests/cli" "$R/units" "$R/fuzz"
	cp tests/run.sh tests/lib.sh "$R/tests/"
	unit "$GOOD" test_good
	printf '. tests/lib.sh\npass "script fine"\n' > "$R/tests/cli/good.sh"
}
# runner NAME WANT_STATUS [PATTERN]: runs the copied runner; checks its
# status, and that its output has a FAIL line matching PATTERN.
runner() {
	UNIT_DIR=$R/units FUZZ_DIR=$R/fuzz TS_TIMEOUT=${TS_TIMEOUT_FAKE:-60} \
		sh "$R/tests/run.sh" >"$T/run.out" 2>&1
	_st=$?
	if [ "$2" -eq 0 ]; then
		[ "$_st" -eq 0 ] && pass "runner: $1: exit 0" ||
			fail "runner: $1: exit 0" "got $_st" "$(cat "$T/run.out")"
	else
		[ "$_st" -ne 0 ] && pass "runner: $1: exit non-zero" ||
			fail "runner: $1: exit non-zero" "got 0" "$(cat "$T/run.out")"
	fi
	[ $# -lt 3 ] && return 0
	if grep -Eq -- "^FAIL: $3" "$T/run.out" && grep -Eq '^[0-9]+ passed, [1-9][0-9]* failed$' "$T/run.out"; then
		pass "runner: $1: FAIL line and count"
	else
		fail "runner: $1: FAIL line and count" "no /^FAIL: $3/ or no failed count:" "$(cat "$T/run.out")"
	fi
}

tree
runner "clean set" 0
expect_grep "runner: clean set counts" '^2 passed, 0 failed$' "$T/run.out"

tree
unit '#include "check.h"
#include <signal.h>
TEST(fine) { CHECK(1); }
int main(void) { raise(SIGSEGV); RUN(fine); return CHECK_DONE(); }' test_segv
runner "crash at start" 1 'unit: test_segv: killed by signal 11 \(SIGSEGV\)'

tree
unit '#include "check.h"
TEST(fine) { CHECK(1); }
int main(void) { RUN(fine); check_done(); return 1; }' test_exit1
runner "exit 1 with only PASS lines" 1 'unit: test_exit1: exit status 1'

tree
unit '#include "check.h"
#include <unistd.h>
TEST(fine) { CHECK(1); }
int main(void) { RUN(fine); fflush(stdout); _exit(0); }' test_early
runner "stops before its closing line" 1 'unit: test_early: ended without its closing line'

tree
unit '#include "check.h"
int main(void) { return CHECK_DONE(); }' test_empty
runner "passes nothing" 1 'unit: test_empty: printed no PASS line'

tree
unit '#include "check.h"
#include <stdlib.h>
TEST(fine) { CHECK(1); }
int main(void) { RUN(fine); abort(); }' test_abort
runner "abort (a sanitizer report)" 1 'unit: test_abort: killed by signal 6 \(SIGABRT\)'

tree
unit '#include "check.h"
#include <unistd.h>
TEST(fine) { CHECK(1); }
int main(void) { RUN(fine); sleep(60); return CHECK_DONE(); }' test_hang
TS_TIMEOUT_FAKE=2 runner "hang" 1 'unit: test_hang: timed out after 2s'

tree
printf '. tests/lib.sh\npass "before"\nexit 3\npass "after"\n' > "$R/tests/cli/exit3.sh"
runner "script exits non-zero" 1 'script: tests/cli/exit3.sh: exit status 3'

tree
printf '. tests/lib.sh\npass "before"\nexit 0\npass "after"\n' > "$R/tests/cli/exit0.sh"
runner "script exits 0 part-way" 1 'script: tests/cli/exit0.sh: ended without its closing line'

tree
printf '. tests/lib.sh\npass "before"\necho "${nosuchvariable}"\npass "after"\n' > "$R/tests/cli/unset.sh"
runner "script dies on a shell error" 1 'script: tests/cli/unset.sh: exit status 2'

tree
printf '. tests/lib.sh\npass "before"\nkill -KILL $$\npass "after"\n' > "$R/tests/cli/killed.sh"
runner "script killed" 1 'script: tests/cli/killed.sh: killed by signal 9'

tree
printf '. tests/lib.sh\nfail "a check"\n' > "$R/tests/cli/failing.sh"
runner "a failing check" 1 'a check'

tree
rm -f "$R/units/test_good" "$R/tests/cli/good.sh"
runner "nothing at all" 1
