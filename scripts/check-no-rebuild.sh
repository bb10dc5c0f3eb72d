#!/usr/bin/env bash
# scripts/check-no-rebuild.sh — after a full build, building one step and then everything again
# (what `swift run StepN` followed by `swift build` does) compiles no module: nothing changed, so
# nothing may be rebuilt. Run scripts/check-no-rebuild.sh --help for details.
set -uo pipefail

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  cat <<'EOF'
Usage: scripts/check-no-rebuild.sh [ROUNDS]

Expects a finished `swift build --build-tests`. First one settling round, not counted: the
first `swift build --build-tests` after a `swift build --product` may compile a few executables
of the dependencies once more (examples and tools nothing here runs: PerformanceTest,
NIOTLSServer, the MCP SDK's conformance programs, Argument Parser's manual generators, and the
modules they need), which SwiftPM plans only for a whole build; the line says which, and a
module of this package or Hummingbird among them fails the check. Then,
ROUNDS times (default 3), runs `swift build --product Step1` and `swift build --build-tests`, and
prints one line per build: "ok - ..." when it compiled no module, "not ok - ..." naming the
modules it compiled. (SwiftPM's "Compiling plugin ..." lines are its build-tool plugins being
checked, not a rebuild.)

Why: with two traits of one package enabled, SwiftPM 6.3 wrote their -D flags in a different
order from one build to the next, so the compile command changed and Hummingbird and everything
above it recompiled for half a minute with no source change. Package.swift enables one trait.
EOF
  exit 0
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
rounds="${1:-3}"
failed=0
# compiled_modules OUTPUT: the modules a build's output says it compiled, on one line.
compiled_modules() {
  echo "$1" | sed -n 's/^\[[0-9/]*\] Compiling \([^ ]*\) .*/\1/p' | grep -v '^plugin$' | sort -u | tr '\n' ' '
}
for build in "--product Step1" "--build-tests"; do
  # shellcheck disable=SC2086  # two words on purpose
  output="$(swift build $build 2>&1)" || { echo "not ok - swift build $build failed:"; echo "$output" | tail -n 20 | sed 's/^/#   /'; exit 1; }
  compiled="$(compiled_modules "$output")"
  echo "# settling: swift build $build compiled: ${compiled:-nothing}"
  # Never this package's modules, nor the server framework under them: those would be a rebuild without cause.
  ours="$(tr ' ' '\n' <<<"$compiled" | grep -E '^(Step[0-9]|Workshop|generate_token|StepTests|InteropTests|Hummingbird$)' | tr '\n' ' ')"
  if [[ -n "$ours" ]]; then
    echo "not ok - settling: swift build $build recompiled with no change: $ours"
    failed=1
  fi
done
for ((round = 1; round <= rounds; round++)); do
  for build in "--product Step1" "--build-tests"; do
    # shellcheck disable=SC2086  # two words on purpose
    output="$(swift build $build 2>&1)" || { echo "not ok - swift build $build failed:"; echo "$output" | tail -n 20 | sed 's/^/#   /'; failed=1; continue; }
    compiled="$(compiled_modules "$output")"
    if [[ -z "$compiled" ]]; then
      echo "ok - round $round: swift build $build compiles nothing"
    else
      echo "not ok - round $round: swift build $build recompiled with no change: $compiled"
      failed=1
    fi
  done
done
exit "$failed"
