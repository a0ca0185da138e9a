#!/bin/sh
# deps.sh - installs the Debian packages trailscope needs to build, test,
# fuzz and benchmark, skipping those already present (idempotent). clang
# and libclang-rt-14-dev (libFuzzer and the sanitizer runtimes, only
# recommended by clang on Debian 12) are for make fuzz. The openssl command
# checks attestations' DSSE signatures independently (tests/cli/policy.sh).
# postgresql (its server programs; the tests start their own server,
# tests/pg/server.sh) and libpq-dev are for the PostgreSQL store
# (docs/STORE.md). libzstd-dev packs raw records against their leaves;
# the zstd command unpacks them independently in the tests.
set -e
PKGS="build-essential pkg-config libncurses-dev libsqlite3-dev libpcre2-dev \
libjansson-dev libssl-dev openssl zlib1g-dev libzstd-dev zstd libcurl4-openssl-dev tmux sqlite3 jq ncurses-term xxd gzip \
clang libclang-rt-14-dev postgresql libpq-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
