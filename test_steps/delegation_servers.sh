# test_steps/delegation_servers.sh — what the delegation tests start (chapter 12): the workshop
# ("home") issuer, a second issuer playing the partner, a calendar API trusting each, and the
# Delegation server (Step 9 plus token exchange and account linking) trusting the home issuer. Sourced
# after lib.sh, whose harness stops them all; never run on its own. test_delegation.sh and
# Tests/Interop/python/run_delegation.sh read like this:
#
#   source "$root/test_steps/lib.sh"
#   source "$root/test_steps/delegation_servers.sh"
#   make_work_dir delegation
#   start_delegation_servers [DELEGATION_OPTION...]
#   # ISSUER_URL, PARTNER_ISSUER_URL, CALENDAR_URL, PARTNER_CALENDAR_URL, BASE_URL, MCP_URL
#
# Everything listens on free loopback ports, with key pairs and data folders in WORK_DIR, never the
# repository's keys/ or data/. The clients files are Tests/Fixtures/delegation/'s, with the demo's
# addresses (the Delegation server on 9000, the calendar on 9100) replaced by this run's; the client
# secrets are the fixtures' own files.
# shellcheck shell=bash disable=SC2034 # the variables it sets are read by the scripts that source it

DELEGATION_FIXTURES="$REPO_ROOT/Tests/Fixtures/delegation"
DELEGATION_CLIENT_ID="workshop-delegation"   # the Delegation server's client at both issuers
HOME_CALENDAR_NAME="Workshop calendar"
PARTNER_CALENDAR_NAME="Partner calendar"
HOME_EXTRA_CLIENTS="${HOME_EXTRA_CLIENTS:-[]}"   # more clients for the home issuer, a JSON array
PARTNER_ISSUER_URL=""; PARTNER_ISSUER_PID=""; PARTNER_ISSUER_LOG=""; PARTNER_KEYS_DIR=""
CALENDAR_URL=""; CALENDAR_PID=""; CALENDAR_LOG=""
PARTNER_CALENDAR_URL=""; PARTNER_CALENDAR_PID=""; PARTNER_CALENDAR_LOG=""
MCP_URL=""
DELEGATION_PIDS=()

# start_delegation_servers [DELEGATION_OPTION...] — the five servers, the Delegation server last,
# with the DELEGATION_OPTIONs after its own. The issuers must name the addresses of the Delegation
# server and the calendars, so their ports are picked first, and all again if one was taken
# meanwhile. Sets ISSUER_URL and ISSUER_LOG (lib.sh's start_issuer: the home issuer, keys in
# ISSUER_KEYS_DIR), PARTNER_ISSUER_URL, PARTNER_ISSUER_LOG, PARTNER_KEYS_DIR, CALENDAR_URL and
# PARTNER_CALENDAR_URL (the resources, …/calendar), CALENDAR_LOG, PARTNER_CALENDAR_LOG, and lib.sh's
# BASE_URL, SERVER_LOG, DATA_DIR, KEYS_DIR for the Delegation server, MCP_URL its endpoint.
start_delegation_servers() {
  local attempt mcp_port calendar_port partner_calendar_port base calendar partner_calendar
  if ((${#DELEGATION_PIDS[@]} == 0)); then EXIT_HOOKS+=(stop_delegation_servers); fi
  PARTNER_KEYS_DIR="$WORK_DIR/keys-partner"
  make_keys "$PARTNER_KEYS_DIR"
  for attempt in 1 2 3; do
    mcp_port="$(free_port)"; calendar_port="$(free_port)"; partner_calendar_port="$(free_port)"
    AVOID_PORTS+=" $mcp_port $calendar_port $partner_calendar_port"   # the issuers must not take them
    base="http://127.0.0.1:$mcp_port"
    calendar="http://127.0.0.1:$calendar_port"
    partner_calendar="http://127.0.0.1:$partner_calendar_port"
    delegation_fixture home.clients.json "$base" "$calendar" \
      | jq --argjson extra "$HOME_EXTRA_CLIENTS" '.clients += $extra' >"$WORK_DIR/home.clients.json" \
      || die "cannot rewrite Tests/Fixtures/delegation/home.clients.json"
    delegation_fixture partner.clients.json "$base" "$calendar" >"$WORK_DIR/partner.clients.json"

    start_issuer --resource "$base/mcp" --resource "$calendar/calendar" \
      --clients-file "$WORK_DIR/home.clients.json" --log-level debug
    start_partner_issuer --resource "$partner_calendar/calendar" --clients-file "$WORK_DIR/partner.clients.json"
    CALENDAR_LOG="$WORK_DIR/calendar.log"
    PARTNER_CALENDAR_LOG="$WORK_DIR/partner-calendar.log"
    if start_delegation_program "the calendar API" "$calendar_port" "$CALENDAR_LOG" CalendarAPI \
        --issuer "$ISSUER_URL" --keys-dir "$ISSUER_KEYS_DIR" --allow-actor "$DELEGATION_CLIENT_ID" \
        --name "$HOME_CALENDAR_NAME" \
      && CALENDAR_PID=$STARTED_PID \
      && start_delegation_program "the partner's calendar API" "$partner_calendar_port" "$PARTNER_CALENDAR_LOG" \
        CalendarAPI --issuer "$PARTNER_ISSUER_URL" --keys-dir "$PARTNER_KEYS_DIR" --name "$PARTNER_CALENDAR_NAME" \
      && PARTNER_CALENDAR_PID=$STARTED_PID \
      && SERVER_PROGRAM=Delegation start_server --on-port "$mcp_port" 9 --log-level debug \
        --keys-dir "$ISSUER_KEYS_DIR" --issuer "$ISSUER_URL" --data-dir "$WORK_DIR/delegation-data" \
        --exchange-client-id "$DELEGATION_CLIENT_ID" --exchange-secret-file "$DELEGATION_FIXTURES/delegation.secret" \
        --calendar-url "$calendar/calendar" \
        --partner-issuer "$PARTNER_ISSUER_URL" --partner-client-id "$DELEGATION_CLIENT_ID" \
        --partner-secret-file "$DELEGATION_FIXTURES/partner.secret" --partner-calendar-url "$partner_calendar/calendar" \
        "$@"; then
      SERVER_PROGRAM=Delegation
      CALENDAR_URL="$calendar/calendar"
      PARTNER_CALENDAR_URL="$partner_calendar/calendar"
      MCP_URL="$BASE_URL/mcp"
      wait_for_delegation_keys
      return 0
    fi
    stop_delegation_servers
    stop_process "$ISSUER_PID"
    ISSUER_PID=""
    note "a port was taken (attempt $attempt of 3); trying others"
  done
  die "could not start the delegation servers on free ports in 3 attempts"
}

# delegation_fixture FILE BASE CALENDAR — Tests/Fixtures/delegation/FILE with the demo's addresses
# (http://127.0.0.1:9000, the Delegation server; http://127.0.0.1:9100, the calendar) made BASE and
# CALENDAR.
delegation_fixture() {
  sed -e "s#http://127.0.0.1:9000#$2#g" -e "s#http://127.0.0.1:9100#$3#g" "$DELEGATION_FIXTURES/$1" \
    || die "cannot read Tests/Fixtures/delegation/$1"
}

# start_partner_issuer [OPTION...] — a second generate_token serve, keys in PARTNER_KEYS_DIR, on a
# free port. Sets PARTNER_ISSUER_URL, PARTNER_ISSUER_PID and PARTNER_ISSUER_LOG.
start_partner_issuer() {
  local attempt port
  PARTNER_ISSUER_LOG="$WORK_DIR/partner-issuer.log"
  for attempt in 1 2 3; do
    port="$(free_port)"
    if start_delegation_program "the partner issuer" "$port" "$PARTNER_ISSUER_LOG" generate_token serve \
        --keys-dir "$PARTNER_KEYS_DIR" --log-level debug "$@"; then
      PARTNER_ISSUER_PID=$STARTED_PID
      PARTNER_ISSUER_URL="http://127.0.0.1:$port"
      note "the partner issuer is running at $PARTNER_ISSUER_URL (pid $PARTNER_ISSUER_PID)"
      return 0
    fi
  done
  die "the partner issuer could not bind a free port in 3 attempts"
}

# start_delegation_program NAME PORT LOG PROGRAM [ARGUMENT...] — BIN_DIR/PROGRAM with the ARGUMENTs
# and --port PORT, its output in LOG, until GET /health answers; STARTED_PID is its pid. Returns 1 if
# PORT was taken. The exit trap stops it (stop_delegation_servers).
STARTED_PID=""
start_delegation_program() {
  local name=$1 port=$2 log=$3 program=$4
  shift 4
  ensure_built "$program"
  run_in_background "$log" "$log" "$BIN_DIR/$program" "$@" --port "$port"
  STARTED_PID=$!
  DELEGATION_PIDS+=("$STARTED_PID")
  wait_for_server "$STARTED_PID" "$port" "$log" "$log" "$name"
}

# stop_delegation_servers — stops the partner issuer and the calendar APIs (an EXIT_HOOKS entry; the
# harness stops the home issuer and the Delegation server).
stop_delegation_servers() {
  local pid
  for pid in ${DELEGATION_PIDS[@]+"${DELEGATION_PIDS[@]}"}; do stop_process "$pid"; done
  DELEGATION_PIDS=()
}

# wait_for_delegation_keys — until the Delegation server's log says it fetched (or could not fetch)
# the home issuer's signing keys, which it does in the background after start-up; at most 10 s.
wait_for_delegation_keys() {
  local deadline=$((SECONDS + 10))
  until grep -qE "(Fetched|Could not fetch) the issuer's signing keys" "$SERVER_LOG"; do
    if ((SECONDS >= deadline)); then note "the Delegation server did not say within 10 s whether it fetched the issuer's keys"; return 0; fi
    sleep 0.1
  done
}
