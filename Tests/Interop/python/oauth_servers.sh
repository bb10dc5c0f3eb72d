# Tests/Interop/python/oauth_servers.sh — what the OAuth runs of the official Python client start:
# the client's own HTTPS site (for its Client ID Metadata Documents), the workshop issuer, and
# Step 9 trusting it. Sourced after test_steps/lib.sh, whose harness starts and stops them; never run
# on its own. run_oauth_flows.sh and run_browser_sign_in.sh read like this:
#
#   source "$root/test_steps/lib.sh"
#   source "$here/oauth_servers.sh"
#   make_work_dir oauth_flows
#   start_client_site                      # CLIENT_SITE_URL, CLIENT_SITE_DIR, CLIENT_SITE_CA
#   start_issuer_and_step9 [ISSUER_OPTION...]   # ISSUER_URL, MCP_URL
#
# shellcheck shell=bash disable=SC2034 # the variables it sets are read by the scripts that source it

OAUTH_PYTHON_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLIENT_SITE_URL=""; CLIENT_SITE_DIR=""; CLIENT_SITE_CA=""; CLIENT_SITE_PID=""; CLIENT_SITE_LOG=""
MCP_URL=""

# start_client_site — client_site.py in the background: a throw-away CA made with openssl in
# WORK_DIR/client-tls (never in the repository), and an HTTPS server on a free port of 127.0.0.1
# serving WORK_DIR/client-site. Sets CLIENT_SITE_URL (https://127.0.0.1:PORT), CLIENT_SITE_DIR
# (write documents there), CLIENT_SITE_CA (the CA's certificate, for the issuer) and
# CLIENT_SITE_LOG (one line per request it served). Stopped on exit, with the servers.
start_client_site() {
  CLIENT_SITE_DIR="$WORK_DIR/client-site"
  CLIENT_SITE_LOG="$WORK_DIR/client-site.log"
  local out="$WORK_DIR/client-site.out" deadline=$((SECONDS + READY_TIMEOUT))
  run_in_background "$out" "$CLIENT_SITE_LOG" python3 "$OAUTH_PYTHON_DIR/client_site.py" \
    --site "$CLIENT_SITE_DIR" --tls "$WORK_DIR/client-tls"
  CLIENT_SITE_PID=$!
  EXIT_HOOKS+=(stop_client_site)
  until grep -q '^ca_file=' "$out" 2>/dev/null; do
    if ! kill -0 "$CLIENT_SITE_PID" 2>/dev/null; then die "client_site.py exited: $(cat "$CLIENT_SITE_LOG")"; fi
    if ((SECONDS > deadline)); then die "client_site.py did not say where it listens within ${READY_TIMEOUT}s"; fi
    sleep 0.1
  done
  CLIENT_SITE_URL="$(sed -n 's/^url=//p' "$out")"
  CLIENT_SITE_CA="$(sed -n 's/^ca_file=//p' "$out")"
  note "the client's site is at $CLIENT_SITE_URL (pid $CLIENT_SITE_PID), under a CA of this run"
}

stop_client_site() {
  stop_process "$CLIENT_SITE_PID"
  CLIENT_SITE_PID=""
}

# start_issuer_and_step9 [ISSUER_OPTION...] — the workshop issuer with the ISSUER_OPTIONs, allowed to
# fetch client metadata documents from the client's site (--cimd-trusted-host 127.0.0.1, and
# --cimd-ca-file its CA), and issuing tokens for Step 9's MCP endpoint; then Step 9 on that port,
# trusting the issuer, with the same key folder, once it has fetched the issuer's keys. The issuer
# must name Step 9's resource, so Step 9's port is picked first, and both again if it was taken
# meanwhile. Sets ISSUER_URL, ISSUER_LOG, MCP_URL (Step 9's MCP endpoint) and SERVER_LOG.
start_issuer_and_step9() {
  local attempt step_port
  if [[ -z "$CLIENT_SITE_CA" ]]; then die "start_client_site first: the issuer must trust the client's site"; fi
  for attempt in 1 2 3; do
    step_port="$(free_port)"
    AVOID_PORTS+=" $step_port"   # the issuer must not take it
    start_issuer --resource "http://127.0.0.1:$step_port/mcp" \
      --cimd-trusted-host 127.0.0.1 --cimd-ca-file "$CLIENT_SITE_CA" "$@"
    if start_server --on-port "$step_port" 9 --keys-dir "$ISSUER_KEYS_DIR" --issuer "$ISSUER_URL" --log-level debug; then
      MCP_URL="$BASE_URL/mcp"
      wait_for_issuer_keys
      return 0
    fi
    stop_process "$ISSUER_PID"
    ISSUER_PID=""
    note "Step 9's port was taken (attempt $attempt of 3); trying others"
  done
  die "could not start the issuer and Step 9 on free ports in 3 attempts"
}

# wait_for_issuer_keys — until Step 9's log says it fetched (or could not fetch) the issuer's signing
# keys, which it does in the background after start-up; at most 10 s.
wait_for_issuer_keys() {
  local deadline=$((SECONDS + 10))
  until grep -qE "(Fetched|Could not fetch) the issuer's signing keys" "$SERVER_LOG"; do
    if ((SECONDS >= deadline)); then note "Step 9 did not say within 10 s whether it fetched the issuer's keys"; return 0; fi
    sleep 0.1
  done
}

# site_served PATH — whether the client's site served PATH (a document) with 200: someone fetched it.
site_served() {
  grep -qF "GET $1 -> 200 " "$CLIENT_SITE_LOG"
}
