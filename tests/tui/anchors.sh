# anchors.sh - the TUI's verify view shows the time of each checkpoint
# that carries an RFC 3161 time-stamp token (from our own test CA and
# TSA, answered offline by openssl ts -reply), marked as not checked
# (the TUI does not take a TSA CA; trailscope verify --tsa-ca does), and
# nothing for a checkpoint without one. Headless and under tmux.
. tests/tui/common.inc
make_store "$T/st"
C=$T/ca
mkdir -p "$C"
EC="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 $EC -keyout "$C/ca.key" -out "$C/ca.pem" -subj "/CN=Root" -days 3650 \
	-addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
openssl req $EC -keyout "$C/tsa.key" -out "$C/tsa.csr" -subj "/CN=TUI TSA" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=critical,timeStamping\n' > "$C/tsa.ext"
openssl x509 -req -in "$C/tsa.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial -out "$C/tsa.pem" \
	-days 3650 -extfile "$C/tsa.ext" 2>/dev/null
echo 01 > "$C/serial"
printf '[ tsa ]\ndefault_tsa = t\n[ t ]\nserial = %s\ncrypto_device = builtin\nsigner_digest = sha256\ndefault_policy = 1.2.3\ndigests = sha256\n' \
	"$C/serial" > "$C/tsa.cnf"

printf ':wait-idle\nv\n' | run_screen 120x30 "$T/before" --trust "$PUB"
expect_grep "before: checkpoint 8 listed" '^ +size 8 +OK +signed by example.org/audit$' "$T/before"
expect_nogrep "before: no time" ' time 20' "$T/before"

ts timestamp "$T/st/s.db" --request-out "$T/r.tsq" >/dev/null
openssl ts -reply -config "$C/tsa.cnf" -queryfile "$T/r.tsq" -signer "$C/tsa.pem" -inkey "$C/tsa.key" \
	-out "$T/r.tsr" 2>/dev/null
expect_status "the checkpoint is time-stamped" 0 ts timestamp "$T/st/s.db" --response "$T/r.tsr"
when=$(sed -n 's/^time-stamped checkpoint 8 at \([^ ]*\) by .*/\1/p' "$T/out")
expect_eq "a time was given" "$(echo "$when" | grep -c '^20[0-9-]*T[0-9:]*Z$')" 1
printf ':wait-idle\nv\n' | run_screen 120x30 "$T/after" --trust "$PUB"
expect_grep "verify view: the checkpoint's time, not checked" \
	"^ +size 8 +OK +signed by example.org/audit  time $when \\(time-stamp not checked\\)$" "$T/after"

tmux_setup
tm new-session -d -s ts -x 120 -y 30 \
	"cd '$T/st' && env TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 XDG_STATE_HOME='$XDG_STATE_HOME' HOME='$HOME' '$TRAILSCOPE' open s.db; sleep 30"
wait_for '^ (VERIFIED|UNVERIFIABLE|FAILED)' 10 || :
keys v
wait_for 'Checkpoints' 5 || :
expect_grep "tmux: the verify view shows the time" "size 8 .*time $when \\(time-stamp not checked\\)" "$T/pane"
tm kill-session -t ts
