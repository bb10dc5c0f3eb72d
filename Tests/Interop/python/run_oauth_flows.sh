#!/usr/bin/env bash
# Signs in to Step 9 with the official Python MCP client and no human (oauth_flow_check.py), in both
# protocol eras, against the workshop issuer (generate_token serve): discovery, a client_id,
# authorization code with PKCE and resource, token, tool calls. Six flows per era.
#
# With a Client ID Metadata Document, the MCP 2026-07-28 way: the client publishes its metadata
# at an HTTPS URL of its own (client_site.py, under a CA this run makes with openssl, which the
# issuer is told to trust) and uses that URL as its client_id; the issuer fetches the document:
#   alice signs in and calls whoami;
#   alice signs in through a client that authenticates with private_key_jwt: its document lists a
#   public key, and its token request carries an assertion signed with the private one (mcp 2.3.0
#   cannot sign one in its code flow: oauth_cimd.py extends its provider by that alone).
# With dynamic client registration (RFC 7591), the compatibility path:
#   alice signs in and calls whoami;
#   alice grants only mcp:read, so a tool call is refused with 403 and the client steps up;
#   gus, a guest, is refused every call, and the client does not sign in again and again;
#   ada, an admin, calls server_status, is asked for mcp:admin, and steps up to it, through the
#   admin console the issuer's operator configured (admin-console.clients.json): a self-registered
#   client never holds mcp:admin.
# Everything runs on free loopback ports with a temporary key pair, data folder and CA, never the
# repository's keys/ or data/, and is stopped on every exit path (test_steps/lib.sh's harness).
#
# Usage: Tests/Interop/python/run_oauth_flows.sh
# Needs .venv/ with requirements.txt installed (scripts/test-all.sh creates it), and openssl. Ends
# with "N passed, M failed", one per flow; exits non-zero if a flow failed.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
# shellcheck source=../../../test_steps/lib.sh
source "$root/test_steps/lib.sh"
# shellcheck source=oauth_servers.sh
source "$here/oauth_servers.sh"
script_help "$@"
if [ ! -x "$python" ]; then
  echo "run_oauth_flows: $python not found; create it with: python3 -m venv .venv && .venv/bin/pip install -r Tests/Interop/python/requirements.txt" >&2
  exit 2
fi

make_work_dir oauth_flows
start_client_site
start_issuer_and_step9 --clients-file "$here/admin-console.clients.json"

passed=0; failed=0
# flow TITLE [OPTION...] — one run of oauth_flow_check.py; TITLE names it in the output.
flow() {
  local title="$1"; shift
  echo
  echo "# --- $title"
  if "$python" "$here/oauth_flow_check.py" --server-url "$MCP_URL" --issuer "$ISSUER_URL" "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "# FAILED: $title; the servers' logs end with:"
    tail -n 15 "$ISSUER_LOG" "$SERVER_LOG" | sed 's/^/#   /'
  fi
}

# cimd_flow TITLE DOCUMENT [OPTION...] — a flow whose client_id is the URL of DOCUMENT (a path on the
# client's site), and the check that the issuer fetched it from there.
cimd_flow() {
  local title="$1" document="$2"; shift 2
  local before=$failed
  flow "$title" --client-metadata-url "$CLIENT_SITE_URL$document" --client-site "$CLIENT_SITE_DIR" "$@"
  ((failed == before)) || return 0
  if site_served "$document"; then
    echo "ok - the issuer fetched $document from the client's site"
  else
    echo "not ok - the issuer fetched $document from the client's site: the site's log has no such request"
    passed=$((passed - 1)); failed=$((failed + 1))
  fi
}

for mode in modern legacy; do
  cimd_flow "$mode era, metadata document: alice signs in and calls whoami" \
    "/clients/python-sdk-$mode.json" --mode "$mode" --user alice
  cimd_flow "$mode era, metadata document and private_key_jwt: alice signs in and calls whoami" \
    "/clients/python-sdk-key-$mode.json" --mode "$mode" --user alice --private-key-jwt
  flow "$mode era, registration: alice signs in and calls whoami" --mode "$mode" --user alice
  flow "$mode era, registration: alice grants only mcp:read; a tool call steps up" \
    --mode "$mode" --user alice --grant-scope mcp:read
  flow "$mode era, registration: gus, a guest, is refused every call" --mode "$mode" --user gus --expect-forbidden-call
  flow "$mode era, configured client: ada, an admin, steps up to mcp:admin for server_status" \
    --mode "$mode" --user ada --admin-call --client-id workshop-admin-console
done

echo
echo "${passed} passed, ${failed} failed"
((failed == 0))
