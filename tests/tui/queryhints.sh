# queryhints.sh - the query bar explains itself: how bare words were
# read, why nothing matched (a value no event has, with the nearest one),
# an unknown key with a suggestion, Tab completion saying how many more
# candidates there are than fit; headless (scripted keys, dumped screen)
# and once in a real terminal under tmux.
. tests/tui/common.inc
make_store "$T/st"
export XDG_STATE_HOME=$T/state

# hint_screen COLSxROWS OUT: keys from stdin; the screen is dumped by the
# script's own ":dump" line, while the bar is still open
hint_screen() {
	size=$1 out=$2
	{ cat; echo ":dump $out"; } > "$T/keys.txt"
	(cd "$T/st" && env COLUMNS="${size%x*}" LINES="${size#*x}" TRAILSCOPE_SCRIPT="$T/keys.txt" \
		"$TRAILSCOPE" open s.db > "$out.raw" 2> "$out.err")
}

printf ':wait-idle\n/\n:type rollout\n:wait-idle\n' | hint_screen 120x24 "$T/h-word"
expect_grep "a bare word: the bar says it is free text" "^[0-9]+ match(es)?; 'rollout' is free text" "$T/h-word"
printf ':wait-idle\n/\n:type env:production Canary\n:wait-idle\n' | hint_screen 120x24 "$T/h-word2"
expect_grep "a field term and a word: only the word is named" "^[0-9]+ match(es)?; 'Canary' is free text" "$T/h-word2"
printf ':wait-idle\n/\n:type env:production\n:wait-idle\n' | hint_screen 120x24 "$T/h-noword"
expect_grep "no bare word: the keys hint as before" '^4 matches  \(Enter filters' "$T/h-noword"

printf ':wait-idle\n/\n:type env:prodution\n:wait-idle\n' | hint_screen 120x24 "$T/h-zero"
expect_grep "a value no event has: the bar names the nearest" \
	"^0 matches: no event has environment 'prodution'; did you mean 'production'\\?" "$T/h-zero"
printf ':wait-idle\n/\n:type actor:Carol@example.com\n:wait-idle\n' | hint_screen 120x24 "$T/h-case"
expect_grep "another case: the value as stored" "did you mean 'carol@example\\.com'\\?" "$T/h-case"
printf ':wait-idle\n/\n:type env:prodution\n<Enter>\n' | run_screen 120x24 "$T/h-apply"
expect_grep "applied with no match: the status bar says why" \
	"no match: no event has environment 'prodution'; did you mean 'production'\\?" "$T/h-apply"

printf ':wait-idle\n/\n:type actor_type:service\n:wait-idle\n' | hint_screen 120x24 "$T/h-key"
expect_grep "unknown key: caret at col 1 and the key it spells" \
	"^ \\^ col 1: unknown key 'actor_type'; did you mean 'actor-type:'\\?" "$T/h-key"
printf ':wait-idle\n/\n:type rollout_pct:100\n:wait-idle\n' | hint_screen 120x24 "$T/h-path"
expect_grep "a changed field typed as a key: after.PATH" "did you mean 'after\\.rollout_pct:100'\\?" "$T/h-path"
printf ':wait-idle\n/\n:type Actor-Type:service\n:wait-idle\n' | hint_screen 120x24 "$T/h-case-key"
expect_grep "keys in any case" '^2 matches' "$T/h-case-key"

# Tab: more candidates than fit on the line say how many more
printf ':wait-idle\n/\n:type actor:\n<Tab>\n:wait-idle\n' | hint_screen 60x24 "$T/h-tab"
expect_grep "Tab at 60 columns: the count and '+N more'" '^ 8: .*  \+[1-9] more *$' "$T/h-tab"
printf ':wait-idle\n/\n:type actor:\n<Tab>\n:wait-idle\n' | hint_screen 200x24 "$T/h-tab-wide"
expect_grep "Tab at 200 columns: all fit, no '+N more'" '^ 8: .*terraform-ci' "$T/h-tab-wide"
expect_nogrep "Tab at 200 columns: no '+N more'" '^ 8: .*more *$' "$T/h-tab-wide"

# the same in a real terminal
tmux_setup
tm new-session -d -s ts -x 120 -y 40 \
	"cd '$T/st' && env TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 XDG_STATE_HOME='$T/state' '$TRAILSCOPE' open s.db; sleep 30"
check "tmux: start-up" 'timeline · newest first'
keys /
keys -l 'env:prodution'
check "tmux: the bar names the nearest value" "^0 matches: no event has environment 'prodution'; did you mean 'production'\\?" 5
keys Enter
check "tmux: the status bar says why nothing matched" "no match: no event has environment 'prodution'" 5
keys /
keys C-u
keys -l 'actor_type:x'
keys Enter
check "tmux: a refused query keeps the bar open with its suggestion" "col 1: unknown key 'actor_type'; did you mean 'actor-type:'\\?" 5
keys C-g
expect_nogrep "tmux: the refused query is not in the history" 'actor_type' "$T/state/trailscope/query_history"
expect_grep "tmux: the applied one is" '^env:prodution$' "$T/state/trailscope/query_history"
