#!/usr/bin/env bash
# Runs every test of the workshop: the Swift Testing suites, the official Python MCP client
# against live steps in both protocol eras and signing in with OAuth (with a Client ID Metadata
# Document, with private_key_jwt, and with dynamic registration), the sign-in page in headless
# Chromium, the Delegation server acting for the user (token exchange and URL elicitation, with the
# official client), the black-box test_steps scripts, and the tutorial tool's unit tests and drift
# check.
# The last line counts every test and check that ran:
#   N passed, M failed
# (each Swift test, each check of the Python client, of its OAuth flows and of the browser test,
# each test_steps check, each unit test of the tutorial tool, each generated tutorial file). A
# stage that stops before its end without naming a failed test counts as one failure, and is
# named. A stage that was skipped (the browser test, where no headless Chromium can run, unless
# CI=true) counts neither way, and is named too, on the lines before the last.
#
# Usage: scripts/test-all.sh            (from anywhere inside the repository)
#        scripts/test-all.sh --help     this help
# Needs: the Swift toolchain, curl, jq, openssl, xxd, python3 with venv; for the browser test,
# chromium and chromium-driver. It creates .venv/ with the official Python MCP client and selenium
# (Tests/Interop/python/requirements.txt) on first run.
set -uo pipefail

if (($# > 0)); then
  if [[ "$1" == -h || "$1" == --help ]]; then sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; exit 0; fi
  echo "test-all: takes no arguments (got: $*); see scripts/test-all.sh --help" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2

missing=()
for tool in swift curl jq openssl xxd python3; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-all: missing tools: ${missing[*]} (see README.md, Prerequisites)" >&2
  exit 2
fi

output="$(mktemp "${TMPDIR:-/tmp}/test-all.XXXXXX")"
trap 'rm -f "$output"' EXIT

passed=0
failed=0
problems=()
skipped=()
SKIPPED=77   # the exit status of a stage that did not run, and said why (automake's convention)

# stage NAME COUNTER COMMAND... — runs COMMAND, showing its output, then COUNTER reads that output
# (in the file $output) and prints "PASSED FAILED". A stage that exits non-zero with no failure
# counted stopped before its end: one failure more, named.
stage() {
  local name=$1 counter=$2 status counts stage_passed stage_failed
  shift 2
  echo
  echo "=== $name"
  "$@" 2>&1 | tee "$output"
  status=${PIPESTATUS[0]}
  if ((status == 130)); then echo "interrupted" >&2; exit 130; fi
  if ((status == SKIPPED)); then
    skipped+=("$name: $(sed -n 's/^#   //p' "$output" | head -n 1)")
    echo "--- $name: SKIPPED"
    return 0
  fi
  counts="$("$counter" "$status")"
  read -r stage_passed stage_failed <<<"$counts"
  if ((status != 0 && stage_failed == 0)); then
    stage_failed=1
    problems+=("$name: stopped before its end (exit status $status)")
  elif ((stage_failed > 0)); then
    problems+=("$name: $stage_failed failed")
  elif ((stage_passed == 0)); then
    stage_failed=1
    problems+=("$name: ran no test")
  fi
  passed=$((passed + stage_passed))
  failed=$((failed + stage_failed))
  echo "--- $name: $stage_passed passed, $stage_failed failed"
}

# Counters: each reads the stage's output in $output (scripts/counters.sh; scripts/test_counters.sh
# tries them on sample outputs).
source "$root/scripts/counters.sh"

echo "=== swift build --build-tests"
if ! swift build --build-tests; then
  echo "test-all: the build failed; nothing was tested" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# What an attendee does next (swift run StepN, then swift build) must not rebuild anything.
stage "a build after a build compiles nothing" count_check_lines "$root/scripts/check-no-rebuild.sh" 2

# Every suite is Swift Testing: without XCTest's empty runs, the output starts with the tests.
stage "swift test" count_swift_tests swift test --skip-build --disable-xctest

# The official Python client lives in a git-ignored virtual environment.
venv="$root/.venv"
requirements="$root/Tests/Interop/python/requirements.txt"
prepare_venv() {
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || return 1
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
}
echo
echo "=== python venv with the official mcp client"
if ! prepare_venv; then
  failed=$((failed + 1))
  problems+=("python venv with the official mcp client: could not be made (the Python stages need it)")
fi
stage "python client interop (both eras)" count_check_lines "$root/Tests/Interop/python/run_interop.sh"
stage "python client signs in with OAuth (both eras)" count_check_lines "$root/Tests/Interop/python/run_oauth_flows.sh"
stage "the sign-in page in headless Chromium (both eras)" count_check_lines \
  "$root/Tests/Interop/python/run_browser_sign_in.sh"
stage "acting for the user: token exchange and URL elicitation, official client (both eras)" count_check_lines \
  "$root/Tests/Interop/python/run_delegation.sh"

stage "test_steps/run_all.sh" count_check_lines "$root/test_steps/run_all.sh"
stage "test-all's own counters" count_check_lines "$root/scripts/test_counters.sh"
stage "tutorial tool's unit tests" count_unit_tests python3 "$root/tutorial/tools/tutorial.py" test
stage "tutorial check" count_tutorial_files python3 "$root/tutorial/tools/tutorial.py" check

echo
if [ ${#problems[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${problems[@]}"
fi
if [ ${#skipped[@]} -gt 0 ]; then
  printf 'SKIPPED, not run: %s\n' "${skipped[@]}"
fi
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
