#!/usr/bin/env bash
# Tries the counters of scripts/test-all.sh (scripts/counters.sh) on sample outputs of each stage,
# so that the test command's last line, "N passed, M failed", counts tests and checks, never
# stages. Prints one "ok - …" or "not ok - …" line per case; exits 1 if any is not ok.
#
# Usage: scripts/test_counters.sh
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/counters.sh"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/test-counters.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
output="$scratch/output"
bad=0

# expect NAME "PASSED FAILED" COUNTER [STATUS] < sample output
expect() {
  local name=$1 wanted=$2 counter=$3 status=${4:-0} got
  cat >"$output"
  got="$("$counter" "$status")"
  if [[ "$got" == "$wanted" ]]; then
    echo "ok - $name: $got"
  else
    echo "not ok - $name: counted \"$got\", expected \"$wanted\""
    bad=1
  fi
}

expect "Swift Testing, all passed: its summary counts the tests" "148 0" count_swift_tests <<'OUT'
✔ Test "expired token is rejected with 401" passed after 0.010 seconds.
✔ Test run with 148 tests in 21 suites passed after 12.300 seconds.
OUT

expect "Swift Testing, two failed: failures taken from the total" "148 2" count_swift_tests 1 <<'OUT'
✘ Test "a" failed after 0.100 seconds with 1 issue.
✘ Test "b" failed after 0.200 seconds with 3 issues.
✘ Test run with 150 tests in 21 suites failed after 12.000 seconds with 4 issues.
OUT

expect "Swift Testing, stopped before its summary: what it reported" "1 1" count_swift_tests 1 <<'OUT'
✔ Test "a" passed after 0.100 seconds.
✘ Test "b" failed after 0.100 seconds with 1 issue.
OUT

expect "check lines: ok and not ok, comments ignored" "2 1" count_check_lines 1 <<'OUT'
ok - Step 1: /health answers 200
# ok - a comment, not a check
ok - Step 2: ping answers
not ok - Step 2: GET /mcp answers 405
OUT

expect "unittest: failures and errors fail, skipped tests count neither way" "68 3" count_unit_tests 1 <<'OUT'
Ran 74 tests in 0.200s

FAILED (failures=1, errors=2, skipped=3)
OUT

expect "tutorial check passed: every generated file" "57 0" count_tutorial_files <<'OUT'
tutorial check passed: 74 unit tests, 57 generated files up to date, every assert holds (30.1s)
OUT

mkdir -p "$scratch/repo/tutorial/diffs" "$scratch/repo/tutorial/captures"
touch "$scratch/repo/tutorial/"{01,02}.md "$scratch/repo/tutorial/diffs/a.diff" "$scratch/repo/tutorial/captures/b.txt"
(cd "$scratch/repo" && expect "tutorial check failed: the other files pass, each stale file and claim fails" "3 2" \
  count_tutorial_files 1 <<'OUT'
tutorial check FAILED.

tutorial/src/08-scopes-and-roles.md:3: the prose claims that session s contains 'x', but it does not.

tutorial/01.md is out of date:
    --- tutorial/01.md (committed)
OUT
exit "$bad") || bad=1

# Swift's XCTest runner would print "Executed 0 tests" twice before Swift Testing's lines.
if grep -q 'swift test --skip-build --disable-xctest' "$root/scripts/test-all.sh"; then
  echo "ok - the Swift stage runs Swift Testing alone (--disable-xctest)"
else
  echo "not ok - the Swift stage of scripts/test-all.sh does not pass --disable-xctest"
  bad=1
fi
exit "$bad"
