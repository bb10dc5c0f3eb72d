#!/usr/bin/env bash
# Runs the official Python MCP client (mcp_client_check.py) against the built step binaries,
# in both protocol eras: its default 2026-07-28 mode and the 2025-11-25 initialize handshake.
# From Step 6 on, the client sends a token from generate_token, and a client without one must be
# refused with 401. From Step 8 on, a token with mcp:read only may connect and list, but its
# tools/call must be refused with 403: insufficient_scope for a user's token, a 403 without any
# challenge for a guest's, whose role never allows a call. At Step 9 the client also calls whoami,
# which must name the token's subject, and creates, reads and deletes a note. Steps 5 on run with a
# temporary key pair, never the repository's keys/, made by the token desk before the step starts (a
# step only reads the public key); Step 9 with a temporary --data-dir, never the repository's data/.
#
# Usage: Tests/Interop/python/run_interop.sh [STEP ...]   (default: 2 3 4 5 6 7 8 9)
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

# client_check MODE STEP [OPTION...] — one run of the official client; returns non-zero if a check failed.
client_check() {
  "$python" "$here/mcp_client_check.py" --url "$BASE_URL/mcp" --mode "$1" --step "$2" "${@:3}"
}

# new_keys — a key pair of this run's own in $WORK_DIR/keys, made by the token desk, in KEYS_DIR.
new_keys() {
  make_work_dir "$1"
  KEYS_DIR="$WORK_DIR/keys"
  ensure_built generate_token
  "$REPO_ROOT/.build/debug/generate_token" keys --keys-dir "$KEYS_DIR" >/dev/null 2>"$WORK_DIR/generate_token.log" \
    || { cat "$WORK_DIR/generate_token.log" >&2; exit 1; }
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(2 3 4 5 6 7 8 9)
status=0
for step in "${steps[@]}"; do
  if ((step >= 9)); then
    new_keys "$step"
    start_server "$step" --keys-dir "$KEYS_DIR" --data-dir "$WORK_DIR/data"
  elif ((step >= 5)); then
    new_keys "$step"
    start_server "$step" --keys-dir "$KEYS_DIR"
  else
    start_server "$step"
  fi
  # The client knows what Steps 2 to 4 offer, and Step 9's user tools; Steps 5 to 8 offer what 4 does.
  client_step=$((step < 4 ? step : step < 9 ? 4 : 9))

  if ((step < 6)); then
    for mode in modern legacy; do
      echo "# Step $step, $mode era, official Python client"
      client_check "$mode" "$client_step" || status=1
    done
  else
    token="$(mint_token)" || exit 1
    subject=()   # Step 9: whom whoami must name, the token's sub
    if ((step >= 9)); then subject=(--expect-subject "$(jwt_part "$token" 2 | jq -r .sub)"); fi
    for mode in modern legacy; do
      echo "# Step $step, $mode era, official Python client with a token"
      client_check "$mode" "$client_step" --token "$token" ${subject[@]+"${subject[@]}"} || status=1
      echo "# Step $step, $mode era, official Python client without a token"
      client_check "$mode" "$client_step" --expect-unauthorized || status=1
    done
  fi

  if ((step >= 8)); then
    reader_token="$(mint_token --username uma --scopes mcp:read --roles user)" || exit 1
    guest_token="$(mint_token --username gina --scopes mcp:read --roles guest)" || exit 1
    for mode in modern legacy; do
      echo "# Step $step, $mode era, official Python client with a user's token holding mcp:read only"
      client_check "$mode" "$client_step" --token "$reader_token" --expect-forbidden-call || status=1
      echo "# Step $step, $mode era, official Python client with a guest's token (mcp:read only)"
      client_check "$mode" "$client_step" --token "$guest_token" --expect-forbidden-call --expect-no-challenge || status=1
    done
  fi
  stop_server
done
exit "$status"
