#!/usr/bin/env bash
# Runs the official Python MCP client (mcp_client_check.py) against the built step binaries,
# in both protocol eras: its default 2026-07-28 mode and the 2025-11-25 initialize handshake.
#
# Usage: Tests/Interop/python/run_interop.sh [STEP ...]   (default: 2 3 4)
# Needs .venv/ with requirements.txt installed (scripts/test-all.sh creates it).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
if [ ! -x "$python" ]; then
  echo "run_interop: $python not found; create it with: python3 -m venv .venv && .venv/bin/pip install -r Tests/Interop/python/requirements.txt" >&2
  exit 2
fi
# shellcheck source=../../../test_steps/lib.sh
source "$root/test_steps/lib.sh"

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(2 3 4)
status=0
for step in "${steps[@]}"; do
  start_server "$step"
  for mode in modern legacy; do
    echo "# Step $step, $mode era, official Python client"
    if ! "$python" "$here/mcp_client_check.py" --url "$BASE_URL/mcp" --mode "$mode" --step "$step"; then
      status=1
    fi
  done
  stop_server
done
exit "$status"
