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
# q DB SQL: sqlite3's answer (for looking inside a store).
q() { sqlite3 "$1" "$2"; }
# tq DB SQL: `trailscope sql`'s answer, the first column of each row, one
# per line; for raw records, which a store keeps packed against their
# leaves (docs/STORE.md "entry_text"): read them as events.raw.
tq() { ts sql "$1" "$2" --format jsonl | jq -r 'to_entries[0].value'; }

# signer NAME DIR: makes NAME's key pair in DIR (keygen) and sets K to the
# signer key and P to the verifier key (a '/' in NAME is '_' in the files).
signer() {
	ts keygen "$1" --out "$2" >/dev/null || fail "signer $1: keygen failed"
	K=$2/$(printf %s "$1" | tr / _).key P=$2/$(printf %s "$1" | tr / _).pub
}
# gen_store STORE N SEED [INCIDENTS]: STORE made of N generated events
# (seed SEED, kept in $T/ev.jsonl) and signed with $K; with INCIDENTS,
# the generated incidents are written to that file and imported too.
gen_store() {
	if [ $# -ge 4 ]; then
		ts gen --events "$2" --seed "$3" --incidents "$4" > "$T/ev.jsonl"
	else
		ts gen --events "$2" --seed "$3" > "$T/ev.jsonl"
	fi
	ts import "$1" "$T/ev.jsonl" --sign "$K" >/dev/null 2>&1 || fail "cannot build the store $1"
	[ $# -lt 4 ] || ts incident import "$1" "$4" >/dev/null 2>&1 ||
		fail "cannot import the incidents into $1"
}

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

# ---- a test TSA (RFC 3161) made with openssl: never a public one ----
# tsa_mkca DIR NAME: a self-signed CA, DIR/NAME.pem and DIR/NAME.key.
tsa_mkca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/$2.key" \
		-out "$1/$2.pem" -subj "/CN=$2" -days 3650 \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
}
# tsa_mkleaf DIR NAME CA EXTLINES: a certificate DIR/NAME.pem issued by DIR/CA.
tsa_mkleaf() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/$2.key" \
		-out "$1/$2.csr" -subj "/CN=$2" 2>/dev/null
	printf "$4" > "$1/$2.ext"
	openssl x509 -req -in "$1/$2.csr" -CA "$1/$3.pem" -CAkey "$1/$3.key" -CAcreateserial \
		-out "$1/$2.pem" -days 3650 -extfile "$1/$2.ext" 2>/dev/null
}
# tsa_setup DIR CA: the CA DIR/CA.pem, a TSA certificate DIR/tsa.pem it
# issued (critical timeStamping EKU) and the TSA's DIR/tsa.cnf.
tsa_setup() {
	tsa_mkca "$1" "$2"
	tsa_mkleaf "$1" tsa "$2" 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n'
	echo 01 > "$1/serial"
	cat > "$1/tsa.cnf" <<-CNF
	[ tsa ]
	default_tsa = tsa_config
	[ tsa_config ]
	serial = $1/serial
	crypto_device = builtin
	signer_digest = sha256
	default_policy = 1.2.3.4.1
	digests = sha256, sha384, sha512
	accuracy = secs:1
	tsa_name = yes
	ess_cert_id_alg = sha256
	CNF
}
# tsa_reply DIR REQ.tsq OUT.tsr: DIR's TSA answers a request offline.
tsa_reply() {
	openssl ts -reply -config "$1/tsa.cnf" -queryfile "$2" -signer "$1/tsa.pem" -inkey "$1/tsa.key" \
		-out "$3" 2>/dev/null
}
