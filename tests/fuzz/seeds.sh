# seeds.sh - sourced by tests/fuzz/run.sh and tests/run.sh: fuzz_seeds
# HARNESS prints the files and directories that seed that harness, one a
# line: its own tests/fuzz/corpus/HARNESS, matching files of testdata/,
# and, when present, samples and vectors of ../shared ($SHARED). Paths
# that do not exist are left out. Needs $top (the repository).
fuzz_seeds() {
	_sh=${SHARED:-$top/../shared}
	case $1 in
	jsonl) set -- "$top/tests/fuzz/corpus/jsonl" "$top"/testdata/*.jsonl "$top"/testdata/formats/epoch-*.jsonl ;;
	k8s) set -- "$top/tests/fuzz/corpus/k8s" "$top"/testdata/formats/k8s-* "$_sh/samples/k8s-falco" ;;
	k8s_scan) set -- "$top/tests/fuzz/corpus/k8s_scan" "$top"/testdata/formats/k8s-* "$_sh/samples/k8s-falco" ;;
	cloudtrail) set -- "$top/tests/fuzz/corpus/cloudtrail" "$top"/testdata/formats/cloudtrail-* "$_sh/samples/cloudtrail" ;;
	launchdarkly) set -- "$top/tests/fuzz/corpus/launchdarkly" "$top"/testdata/formats/ld-* \
		"$_sh"/samples/launchdarkly/* ;;
	unleash) set -- "$top/tests/fuzz/corpus/unleash" "$top"/testdata/formats/unleash-* ;;
	m365|github|gcp|azure) set -- "$top/tests/fuzz/corpus/$1" "$top"/testdata/formats/"$1"/* ;;
	map|opensearch) set -- "$top/tests/fuzz/corpus/$1" ;;
	query) set -- "$top/tests/fuzz/corpus/query" ;;
	note) set -- "$top/tests/fuzz/corpus/note" ;;
	keyfile) set -- "$top/tests/fuzz/corpus/keyfile" ;;
	jcs) set -- "$top/tests/fuzz/corpus/jcs" "$_sh/vectors/jcs/input" ;;
	json_build) set -- "$top/tests/fuzz/corpus/json_build" "$_sh/vectors/jcs/input" "$top"/testdata/formats/ld-* ;;
	tlogproof) set -- "$top/tests/fuzz/corpus/tlogproof" "$top"/testdata/bundle/*.tlog-proof ;;
	bag_manifest) set -- "$top/tests/fuzz/corpus/bag_manifest" \
		"$_sh"/samples/bagit-conformance/*/*/manifest-*.txt \
		"$_sh"/samples/bagit-conformance/*/*/tagmanifest-*.txt ;;
	bag_info) set -- "$top/tests/fuzz/corpus/bag_info" \
		"$_sh"/samples/bagit-conformance/*/*/bag-info.txt ;;
	custody) set -- "$top/tests/fuzz/corpus/custody" ;;
	*) set -- "$top/tests/fuzz/corpus/$1" ;;
	esac
	for _p in "$@"; do
		[ -e "$_p" ] && printf '%s\n' "$_p"
	done
	return 0
}
