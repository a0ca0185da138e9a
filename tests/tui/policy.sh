# policy.sh - the TUI with --policy (docs/POLICY.md): rule badges in the
# timeline, the rule:ID filter, and a bad policy refused before the
# screen is touched.
. tests/tui/common.inc
make_store "$T/st"
cat > "$T/p.json" <<'JSON'
{"name": "tui-test", "rules": [
  {"id": "prod-mass-rollout", "query": "env:production risk:mass-rollout", "severity": "high",
   "description": "a production rollout to 100%"},
  {"id": "deletes", "query": "action:*.delete", "severity": "low", "description": "deletes"}
]}
JSON
# the rows the first rule selects, as the query language counts them
want_prod=$(ts query "$T/st/s.db" 'env:production risk:mass-rollout' --count)
[ "$want_prod" -gt 0 ] && pass "policy: the store has a production mass rollout" || fail "policy: no production mass rollout in the test store"
printf ':wait-idle\n' | run_screen 140x24 "$T/tl" --policy "$T/p.json"
expect_eq "policy: the TUI opens with a policy" "$(cat "$T/tl.rc")" 0
expect_grep "policy: a row of a rule shows its badge" 'flag\.delete.*deletes' "$T/tl"
n=$(grep -c 'prod-mass-rollout' "$T/tl")
expect_eq "policy: one badge per violating row on screen" "$n" "$want_prod"
printf ':wait-idle\n/\n:type rule:deletes\n<Enter>\n:wait-idle\n' | run_screen 140x24 "$T/f" --policy "$T/p.json"
expect_grep "policy: the rule:ID filter keeps the rule's violations" 'checkout_v2.*deletes' "$T/f"
expect_nogrep "policy: the rule:ID filter drops the others" 'payments_new_flow' "$T/f"
printf '{"rules": [{"id": "x", "query": "env:(", "severity": "high", "description": "d"}]}\n' > "$T/bad.json"
printf ':wait-idle\n' | run_screen 100x24 "$T/bad" --policy "$T/bad.json"
expect_eq "policy: a bad policy exits 4" "$(cat "$T/bad.rc")" 4
expect_grep "policy: a bad policy says where" 'bad\.json:1:[0-9]+: rule .x.: query' "$T/bad.err"
