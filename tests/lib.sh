# lib.sh - helpers for CLI test scripts: a private HOME and XDG state per
# script, pinned locale and time zone, and ok/fail reporting that
# tests/run.sh counts.
#
# Reaching the end: tests/run.sh runs a script as
#     sh -c '. SCRIPT; ts_end'
# so ts_end runs only when the shell got through the whole script: an
# `exit` part-way, a shell error or a signal ends the shell before it.
# ts_end prints the closing line "done: SCRIPT reached its end"; the
# runner fails a script without that line or with a non-zero status.
set -u
export TZ=UTC LC_ALL=C.UTF-8 LANG=C.UTF-8 TERM=xterm-256color
: "${TRAILSCOPE:=$(pwd)/trailscope}"
: "${SHARED:=$(pwd)/../shared}"
T=$(mktemp -d "${TMPDIR:-/tmp}/tstest.XXXXXX")
export HOME="$T/home" XDG_STATE_HOME="$T/state" XDG_CONFIG_HOME="$T/config"
mkdir -p "$HOME"
ts_end() {
	echo "done: $0 reached its end"
}
# ts_exit: the EXIT trap, removing the scratch directory (scripts that
# set their own trap call it there).
ts_exit() {
	rm -rf "$T"
}
trap ts_exit EXIT
ts() { "$TRAILSCOPE" "$@"; }

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; shift; for l in "$@"; do echo "    $l"; done; }

# expect_status NAME WANT CMD...: runs CMD, checks its exit status.
expect_status() {
	local _name=$1 _want=$2 _got
	shift 2
	"$@" >"$T/out" 2>"$T/err"; _got=$?
	if [ "$_got" -eq "$_want" ]; then pass "$_name"
	else fail "$_name" "exit $_got, want $_want" "stderr: $(head -c 600 "$T/err")"; fi
}
# expect_grep NAME PATTERN FILE: FILE must contain the (extended) PATTERN.
expect_grep() {
	if grep -Eq -- "$2" "$3"; then pass "$1"
	else fail "$1" "no match for /$2/ in $3:" "$(head -c 800 "$3")"; fi
}
expect_nogrep() {
	if grep -Eq -- "$2" "$3"; then fail "$1" "unexpected /$2/ in $3:" "$(grep -E -- "$2" "$3" | head -5)"
	else pass "$1"; fi
}
# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got:  $2" "want: $3"; fi
}
