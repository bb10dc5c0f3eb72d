#!/usr/bin/env bash
# Signs in to Step 9 with the official Python MCP client and no human (oauth_flow_check.py), in both
# protocol eras, against the workshop issuer (generate_token serve): discovery, dynamic client
# registration, authorization code with PKCE and resource, token, tool calls. Four flows per era:
#   alice signs in and calls whoami;
#   alice grants only mcp:read, so a tool call is refused with 403 and the client steps up;
#   gus, a guest, is refused every call, and the client does not sign in again and again;
#   ada, an admin, calls server_status, is asked for mcp:admin, and steps up to it, through the
#   admin console the issuer's operator configured (admin-console.clients.json): a self-registered
#   client never holds mcp:admin.
# Both servers run on free loopback ports with a temporary key pair and data folder, never the
# repository's keys/ or data/, and are stopped on every exit path.
#
# Usage: Tests/Interop/python/run_oauth_flows.sh
# Needs .venv/ with requirements.txt installed (scripts/test-all.sh creates it). Ends with
# "N passed, M failed", one per flow; exits non-zero if a flow failed.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
if [ ! -x "$python" ]; then
  echo "run_oauth_flows: $python not found; create it with: python3 -m venv .venv && .venv/bin/pip install -r Tests/Interop/python/requirements.txt" >&2
  exit 2
fi
# shellcheck source=../../../test_steps/lib.sh
source "$root/test_steps/lib.sh"   # ensure_built, free_port, note, die

work="$(mktemp -d "${TMPDIR:-/tmp}/oauth_flows.XXXXXX")"
issuer_pid=""; step9_pid=""

# stop PID — TERM, then KILL after 5 s.
stop() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
  kill -TERM "$1" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}
stop_servers() { stop "$step9_pid"; stop "$issuer_pid"; step9_pid=""; issuer_pid=""; }
trap 'stop_servers; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ready PID LOG PORT URL — waits until the process logs that it listens on PORT and URL answers 2xx.
# Returns 1 if it exited, 2 if it exited because the port was taken, 3 if it did not answer in time.
ready() {
  local deadline=$((SECONDS + ${READY_TIMEOUT:-30}))
  while ((SECONDS <= deadline)); do
    if ! kill -0 "$1" 2>/dev/null; then
      grep -qi "address already in use" "$2" && return 2
      return 1
    fi
    # The log line proves that the process answering is ours, not another one on the same port.
    grep -q "listening on .*:$3\$" "$2" && curl -sf -o /dev/null --max-time 2 "$4" && return 0
    sleep 0.1
  done
  return 3
}

# start_servers — the issuer, then Step 9 trusting it; each names the other's port, so both are
# picked first, and both are picked again if either was taken meanwhile.
start_servers() {
  local attempt status
  for attempt in 1 2 3; do
    issuer_port="$(free_port)"; step9_port="$(free_port)"
    [ "$issuer_port" != "$step9_port" ] || continue
    issuer="http://127.0.0.1:$issuer_port"
    server_url="http://127.0.0.1:$step9_port/mcp"
    "$root/.build/debug/generate_token" serve --port "$issuer_port" --resource "$server_url" \
      --keys-dir "$work/keys" --clients-file "$here/admin-console.clients.json" >"$work/issuer.log" 2>&1 &
    issuer_pid=$!
    ready "$issuer_pid" "$work/issuer.log" "$issuer_port" "$issuer/.well-known/oauth-authorization-server"
    status=$?
    if ((status == 0)); then
      "$root/.build/debug/Step9" --port "$step9_port" --issuer "$issuer" --keys-dir "$work/keys" \
        --data-dir "$work/data" --log-level debug >"$work/step9.log" 2>&1 &
      step9_pid=$!
      ready "$step9_pid" "$work/step9.log" "$step9_port" "http://127.0.0.1:$step9_port/health"
      status=$?
      if ((status == 0)); then
        note "issuer $issuer (pid $issuer_pid), Step 9 $server_url (pid $step9_pid)"
        return 0
      fi
    fi
    stop_servers
    ((status == 2)) || break
    note "a port was taken (attempt $attempt of 3); trying others"
  done
  tail -n 20 "$work/issuer.log" "$work/step9.log" 2>/dev/null >&2
  die "could not start the issuer and Step 9 (see their logs above)"
}

ensure_built generate_token
ensure_built Step9
start_servers

passed=0; failed=0
flow() {
  local what="$1"; shift
  echo
  echo "# --- $what"
  if "$python" "$here/oauth_flow_check.py" --server-url "$server_url" --issuer "$issuer" "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "# FAILED: $what; the servers' logs end with:"
    tail -n 15 "$work/issuer.log" "$work/step9.log" | sed 's/^/#   /'
  fi
}

for mode in modern legacy; do
  flow "$mode era: alice signs in and calls whoami" --mode "$mode" --user alice
  flow "$mode era: alice grants only mcp:read; a tool call steps up" --mode "$mode" --user alice --grant-scope mcp:read
  flow "$mode era: gus, a guest, is refused every call" --mode "$mode" --user gus --expect-forbidden-call
  flow "$mode era: ada, an admin, steps up to mcp:admin for server_status" --mode "$mode" --user ada --admin-call \
    --client-id workshop-admin-console
done

echo
echo "${passed} passed, ${failed} failed"
((failed == 0))
