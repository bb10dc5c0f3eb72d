#!/usr/bin/env bash
# Runs every test of the workshop: the Swift Testing suites, the official Python MCP client
# against live steps in both protocol eras, the black-box test_steps scripts, and the
# tutorial's drift check. Ends with a line "N passed, M failed" (one per stage).
#
# Usage: scripts/test-all.sh            (from anywhere inside the repository)
# Needs: the Swift toolchain, curl, jq, openssl, xxd, python3 with venv. It creates .venv/ with the
# official Python MCP client (Tests/Interop/python/requirements.txt) on first run.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2

missing=()
for tool in swift curl jq openssl xxd python3; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-all: missing tools: ${missing[*]} (see README.md, Prerequisites)" >&2
  exit 2
fi

passed=0
failed=0
failures=()
stage() {
  local name="$1"; shift
  echo
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "--- FAILED: $name"
  fi
}

echo "=== swift build --build-tests"
if ! swift build --build-tests; then
  echo "test-all: the build failed; nothing was tested" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

stage "swift test" swift test --skip-build

# The official Python client lives in a git-ignored virtual environment.
venv="$root/.venv"
requirements="$root/Tests/Interop/python/requirements.txt"
prepare_venv() {
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || return 1
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
}
stage "python venv with the official mcp client" prepare_venv
stage "python client interop (both eras)" "$root/Tests/Interop/python/run_interop.sh"
stage "python client signs in with OAuth (both eras)" "$root/Tests/Interop/python/run_oauth_flows.sh"

stage "test_steps/run_all.sh" "$root/test_steps/run_all.sh"
stage "tutorial check" python3 "$root/tutorial/tools/tutorial.py" check

echo
if [ ${#failures[@]} -gt 0 ]; then
  printf 'failed stage: %s\n' "${failures[@]}"
fi
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
