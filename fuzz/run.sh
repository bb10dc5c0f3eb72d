#!/usr/bin/env bash
# Builds a Step 9 fuzz target (when its sources changed) and runs it for a while, starting from the
# committed seeds. What the run finds is kept in fuzz/out/<target>/ (git-ignored).
set -euo pipefail

usage() {
    cat <<USAGE
usage: fuzz/run.sh <target> [seconds] [libFuzzer flags...]

targets:
  request   an HTTP request to Step 9's router: body -> JSON-RPC -> era checks -> policy -> tools
  token     an Authorization header -> BearerCredentials -> AccessTokenVerifier

seconds defaults to 600. Extra flags go to libFuzzer, e.g. -runs=0 to replay the seeds once.
Grown corpus:  fuzz/out/<target>/corpus/
Crashes:       fuzz/out/<target>/artifacts/   (replay one: fuzz/run.sh <target> 0 <file>)
Log:           fuzz/out/<target>/run.log
USAGE
}

target=${1:-}
case "$target" in
    request) product=FuzzRequest max_len=8192 ;;
    token) product=FuzzToken max_len=12288 ;;
    -h | --help) usage; exit 0 ;;
    "") usage >&2; exit 2 ;;
    *) echo "fuzz/run.sh: unknown target '$target' (request or token)" >&2; exit 2 ;;
esac
seconds=${2:-600}
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
    echo "fuzz/run.sh: seconds must be a whole number, got '$seconds'" >&2
    exit 2
fi
shift $(($# >= 2 ? 2 : 1))

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scratch="$root/.build-fuzz"
out="$root/fuzz/out/$target"
mkdir -p "$out/corpus" "$out/artifacts"

echo "Building $product (the first build compiles every dependency with sanitizers: expect 30-60 minutes)..." >&2
if ! swift build --package-path "$root/fuzz" --scratch-path "$scratch" -c release --product "$product" \
    -Xswiftc -sanitize=fuzzer,address >"$out/build.log" 2>&1; then
    tail -n 30 "$out/build.log" >&2
    echo "fuzz/run.sh: the build failed; the whole log is $out/build.log" >&2
    exit 1
fi

# The same input must take the same path every time: Swift seeds its hashing per process otherwise.
export SWIFT_DETERMINISTIC_HASHING=1
# Swift's own crash backtracer would fight ASan and libFuzzer over the crash; they report it.
export SWIFT_BACKTRACE=enable=no
# Leaks are reported too, but for the known ones outside this project listed in lsan.supp.
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp:${LSAN_OPTIONS:-}"

inputs=("$out/corpus" "$root/fuzz/seeds/$target")
# A single file after the seconds is replayed rather than fuzzed.
if [[ $# -gt 0 && -f "${!#}" ]]; then inputs=(); fi

"$scratch/release/$product" "${inputs[@]}" \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
    -dict="$root/fuzz/dicts/$target.dict" -artifact_prefix="$out/artifacts/" \
    -print_final_stats=1 "$@" 2>&1 | tee "$out/run.log"
exit "${PIPESTATUS[0]}"
