#!/usr/bin/env bash
# The Delegation server (Step 9 plus chapter 12's capability) with the official Python client, in
# both protocol eras (delegation_flow.py): alice signs in with OAuth, calls calendar_events (the
# server exchanges her token at the workshop issuer for the calendar API's, RFC 8693) and
# partner_calendar_events, which asks for a URL elicitation (2025-11-25: error -32042; 2026-07-28:
# input_required); the test's person follows the URL, signs in at the workshop issuer and then at
# the partner as alice, and the retried call answers with her partner events; partner_unlink, and
# the next call asks again. In the modern era alice links the first time in headless Chromium,
# where one can run (where none can: a plain HTTP browser instead, said loudly, unless CI=true,
# where that is a failure). Then the hostile run: bob, at his own browser, tries to complete a link
# alice asked for, at each stage, and nothing gets linked.
#
# Five servers on free loopback ports (test_steps/delegation_servers.sh): the workshop issuer, the
# partner's issuer, a calendar API trusting each, and the Delegation server, with key pairs and
# data in a temporary folder, stopped on every exit path. The clients files and secrets are
# Tests/Fixtures/delegation's. The screenshot of the "Account linked" page is kept in .build/delegation/.
#
# Usage: Tests/Interop/python/run_delegation.sh
# Needs .venv/ with requirements.txt installed (scripts/test-all.sh creates it). Ends with
# "N passed, M failed" over the checks of every run; exits non-zero if one failed.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
# shellcheck source=../../../test_steps/lib.sh
source "$root/test_steps/lib.sh"
# shellcheck source=../../../test_steps/delegation_servers.sh
source "$root/test_steps/delegation_servers.sh"
script_help "$@"
if [ ! -x "$python" ]; then
  echo "run_delegation: $python not found; create it with: python3 -m venv .venv && .venv/bin/pip install -r Tests/Interop/python/requirements.txt" >&2
  exit 2
fi

browser=(--browser --screenshot "$root/.build/delegation/linked-page.png")
if ! missing="$("$python" "$here/browser.py" check 2>&1)"; then
  if [[ "${CI:-}" == true ]]; then
    echo "not ok - a headless Chromium runs here, to follow the link in a real browser: $missing"
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "#"
  echo "# NOTE: no headless Chromium here; every link is followed by a plain HTTP browser."
  echo "#   $missing"
  echo "#   (In CI, with CI=true, this is a failure.)"
  echo "#"
  browser=()
fi

make_work_dir delegation
# shellcheck disable=SC2119 # no options of its own
start_delegation_servers
mkdir -p "$root/.build/delegation"

passed=0; failed=0
# run TITLE [OPTION...] — one run of delegation_flow.py against the servers; TITLE names it.
run() {
  local title="$1" status
  shift
  echo
  echo "# --- $title"
  "$python" "$here/delegation_flow.py" --server-url "$MCP_URL" --issuer "$ISSUER_URL" \
    --partner-issuer "$PARTNER_ISSUER_URL" --partner-calendar-url "$PARTNER_CALENDAR_URL" "$@" | tee "$WORK_DIR/run.txt"
  status=${PIPESTATUS[0]}
  passed=$((passed + $(grep -c '^ok - ' "$WORK_DIR/run.txt")))
  failed=$((failed + $(grep -c '^not ok - ' "$WORK_DIR/run.txt")))
  if ((status != 0)) && ! grep -q '^not ok - ' "$WORK_DIR/run.txt"; then
    echo "not ok - $title: delegation_flow.py ran to its end (it exited with status $status)"
    failed=$((failed + 1))
  fi
  if ((status != 0)); then
    echo "# FAILED: $title; the servers' logs end with:"
    tail -n 12 "$SERVER_LOG" "$ISSUER_LOG" "$PARTNER_ISSUER_LOG" "$CALENDAR_LOG" "$PARTNER_CALENDAR_LOG" | sed 's/^/#   /'
  fi
}

run "modern era: calendar_events by token exchange; partner_calendar_events by URL elicitation" \
  --mode modern ${browser[@]+"${browser[@]}"}
run "legacy era: calendar_events by token exchange; partner_calendar_events by URL elicitation" --mode legacy
run "legacy era: bob cannot complete alice's link" --mode legacy --hostile
run "modern era: bob cannot complete alice's link" --mode modern --hostile

echo
echo "${passed} passed, ${failed} failed"
((failed == 0))
