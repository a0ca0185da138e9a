# fuzzrun.sh - tests tests/fuzz/run.sh (the runner behind make fuzz) with
# fake fuzzers in a scratch copy of the tree: a clean run passes; a
# fuzzer that reports a crash makes it exit 1 with a FAIL line and its
# crash input lands in tests/fuzz/regress/HARNESS/; a harness that was not
# built fails too.
. tests/lib.sh
R=$T/tree
mkdir -p "$R/tests/fuzz" "$R/bin"
cp tests/fuzz/run.sh tests/fuzz/seeds.sh "$R/tests/fuzz/"
: > "$R/tests/fuzz/fuzz_clean.c"
: > "$R/tests/fuzz/fuzz_crashy.c"
# a fake libFuzzer: takes -artifact_prefix=DIR/ and a corpus directory
cat > "$R/bin/fuzz_clean" <<'EOF'
#!/bin/sh
echo "Done 10 runs in 1 second(s)"
exit 0
EOF
cat > "$R/bin/fuzz_crashy" <<'EOF'
#!/bin/sh
for a; do case $a in -artifact_prefix=*) p=${a#-artifact_prefix=} ;; esac; done
echo "==1==ERROR: AddressSanitizer: heap-buffer-overflow"
printf 'boom' > "${p}crash-0123abcd"
exit 1
EOF
chmod +x "$R/bin/fuzz_clean" "$R/bin/fuzz_crashy"

FUZZ_DIR=$R/bin FUZZ_SECONDS=1 sh "$R/tests/fuzz/run.sh" clean >"$T/out" 2>&1
expect_eq "fuzz run: a clean harness exits 0" "$?" 0
expect_grep "fuzz run: a clean harness passes" '^PASS: fuzz clean' "$T/out"

FUZZ_DIR=$R/bin FUZZ_SECONDS=1 sh "$R/tests/fuzz/run.sh" >"$T/out" 2>&1
expect_eq "fuzz run: a crash exits 1" "$?" 1
expect_grep "fuzz run: a crash is a FAIL line" '^FAIL: fuzz crashy: exit 1' "$T/out"
expect_grep "fuzz run: the sanitizer's report is shown" 'heap-buffer-overflow' "$T/out"
expect_eq "fuzz run: the crash input is kept for make test" \
	"$(cat "$R/tests/fuzz/regress/crashy/crash-0123abcd" 2>/dev/null)" "boom"
expect_grep "fuzz run: the other harness still ran" '^PASS: fuzz clean' "$T/out"

FUZZ_DIR=$R/bin FUZZ_SECONDS=1 sh "$R/tests/fuzz/run.sh" missing >"$T/out" 2>&1
expect_eq "fuzz run: a harness not built exits 1" "$?" 1
expect_grep "fuzz run: a harness not built is a FAIL line" '^FAIL: fuzz missing: .* not built' "$T/out"
