# test_steps/lib.sh — what the black-box step scripts share. Sourced, never run on its own.
# shellcheck shell=bash
#
# Needs bash, curl and jq (python3, if present, picks the free port); from Step 5 on also openssl
# and xxd, to check the published key and to sign tokens of its own; Step 9 also cmp (diffutils), to
# check that a notes file was left as it was. A script reads like this:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   start_server 2                  # runs .build/debug/Step2 on a free port, waits for GET /health
#   checks_step1 "$BASE_URL" 2      # what Step 1 promised still holds (the health says "step":2)
#   checks_step2 "$BASE_URL"        # what Step 2 adds
#   finish
#
# and a check like this (one "ok - …" line each):
#
#   check "legacy: ping answers an empty result"
#     post_mcp_legacy ping
#     expect_result
#     expect_json '.result' '{}'
#
# The first expectation that does not hold prints what was sent, what was expected, what came
# back, and the end of the server's log, then exits non-zero. The server is stopped on every
# exit path (success, failure, Ctrl-C).
#
# Contents: 1. protocol constants  2. the server  3. checks  4. requests  5. expectations
#           6. keys and tokens  7. the checks of each step (checks_step1 … checks_step9)

# ---------------------------------------------------------------------------------------------
# 1. Where things are, and the protocol's constants
# ---------------------------------------------------------------------------------------------

TEST_STEPS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$TEST_STEPS_DIR/.." && pwd)"

MODERN_VERSION="2026-07-28"   # stateless: server/discover, _meta and MCP headers on every request
LEGACY_VERSION="2025-11-25"   # initialize handshake, then MCP-Protocol-Version on every request
SUPPORTED_VERSIONS='["2026-07-28","2025-11-25","2025-06-18","2025-03-26"]'
META_VERSION_KEY="io.modelcontextprotocol/protocolVersion"
META_CAPABILITIES_KEY="io.modelcontextprotocol/clientCapabilities"
META_SERVER_INFO_KEY="io.modelcontextprotocol/serverInfo"

# Steps 7 on: OAuth protected resource metadata (RFC 9728) and the scopes it names.
METADATA_PATH="/.well-known/oauth-protected-resource/mcp"   # the metadata of the resource /mcp (§3.1)
ROOT_METADATA_PATH="/.well-known/oauth-protected-resource"  # where MCP clients look next
MCP_SCOPES='["mcp:read","mcp:tools","mcp:prompts"]'
BASELINE_SCOPE="mcp:read mcp:tools mcp:prompts"             # what a 401 asks for: an ordinary user's
WORKSHOP_ISSUER="http://127.0.0.1:9001"                     # the issuer a step trusts by default
# cacheScope of a modern tools/list or prompts/list: from Step 8 on lists depend on the caller (private).
LIST_CACHE_SCOPE=public
# The tools an ordinary user's tools/list shows besides echo and get_time: Step 9 sets STEP9_TOOLS.
EXTRA_TOOLS=()

READY_TIMEOUT="${READY_TIMEOUT:-30}"   # seconds to wait for GET /health before giving up

# ---------------------------------------------------------------------------------------------
# 2. The server under test
# ---------------------------------------------------------------------------------------------

STEP=""; BASE_URL=""; PORT=""; SERVER_PID=""; SERVER_LOG=""; WORK_DIR=""; SERVER_OPTIONS=(); START_OPTIONS=()

# make_work_dir STEP — creates WORK_DIR, the run's temporary folder (removed on exit, with the server
# stopped). start_server makes it when there is none; make it first to start the server with
# something inside it, such as a key pair of its own:
#   make_work_dir 6
#   KEYS_DIR="$WORK_DIR/keys"    # never the repository's keys/; the server creates the pair here
#   start_server 6 --keys-dir "$KEYS_DIR"
make_work_dir() {
  WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/test_step$1.XXXXXX")"
  trap stop_server EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# ensure_built PRODUCT — builds .build/debug/PRODUCT with 'swift build' if it is missing.
ensure_built() {
  if [[ ! -x "$REPO_ROOT/.build/debug/$1" ]]; then
    note ".build/debug/$1 is missing: building it with 'swift build --product $1'" >&2
    (cd "$REPO_ROOT" && swift build --product "$1") >&2 || die "swift build --product $1 failed"
  fi
}

# start_server STEP [OPTION...] — runs .build/debug/StepN with the OPTIONs (building it if missing)
# on a free port, waits until GET /health answers, and sets BASE_URL (http://127.0.0.1:PORT) and
# SERVER_LOG.
start_server() {
  STEP=$1; shift
  START_OPTIONS=("$@")
  SERVER_OPTIONS=("$@")
  ensure_built "Step$STEP"
  if [[ -z "$WORK_DIR" ]]; then make_work_dir "$STEP"; fi
  SERVER_LOG="$WORK_DIR/server.log"
  launch_server
}

# restart_server — stops the server and starts it again with the same options, on another port
# (BASE_URL changes) and with a fresh SERVER_LOG; the files in WORK_DIR stay.
restart_server() {
  stop_server_process
  launch_server
}

# restart_server_with [OPTION...] — restart_server with the options start_server was given plus the
# OPTIONs; with no OPTION, back to the options it was started with. BASE_URL changes.
restart_server_with() {
  SERVER_OPTIONS=(${START_OPTIONS[@]+"${START_OPTIONS[@]}"} "$@")
  restart_server
}

launch_server() {
  local binary="$REPO_ROOT/.build/debug/Step$STEP"
  # Another program may take the port between picking it and binding it: then try another one.
  local attempt
  for attempt in 1 2 3; do
    PORT="$(free_port)"
    BASE_URL="http://127.0.0.1:$PORT"
    "$binary" --port "$PORT" ${SERVER_OPTIONS[@]+"${SERVER_OPTIONS[@]}"} >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    if wait_until_ready; then
      note "Step $STEP is running at $BASE_URL (pid $SERVER_PID)"
      return 0
    fi
    note "port $PORT was taken (attempt $attempt of 3); trying another one"
  done
  die "Step $STEP could not bind a free port in 3 attempts"
}

# start_server_expecting_exit [OPTION...] — for a server that must refuse to start (say, a file is in
# its way): stops the one that runs, starts .build/debug/StepN again with the options start_server
# was given and the OPTIONs, and waits for it to exit, at most READY_TIMEOUT seconds. Sets EXIT_STATUS; its output is in
# SERVER_LOG (for expect_log). Fails if it starts listening instead, or is still running when the
# time is up (the EXIT trap then stops it). restart_server_with starts a server again.
EXIT_STATUS=""
start_server_expecting_exit() {
  stop_server_process
  local binary="$REPO_ROOT/.build/debug/Step$STEP" deadline=$((SECONDS + READY_TIMEOUT))
  PORT="$(free_port)"
  BASE_URL="http://127.0.0.1:$PORT"
  LAST_REQUEST_LINE=""   # no request to report if this fails
  : >"$SERVER_LOG"       # emptied here, not in the child, so the loop below never reads the last server's lines
  "$binary" --port "$PORT" ${START_OPTIONS[@]+"${START_OPTIONS[@]}"} "$@" >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  while kill -0 "$SERVER_PID" 2>/dev/null; do
    if grep -q "listening on" "$SERVER_LOG"; then fail "Step $STEP refuses to start" "it is listening on port $PORT"; fi
    if ((SECONDS > deadline)); then fail "Step $STEP exits within ${READY_TIMEOUT}s" "it is still running"; fi
    sleep 0.1
  done
  EXIT_STATUS=0
  wait "$SERVER_PID" 2>/dev/null || EXIT_STATUS=$?
  SERVER_PID=""
  note "Step $STEP exited with status $EXIT_STATUS"
}

# free_port — prints a TCP port that nothing listens on right now.
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
  else
    echo $((49152 + RANDOM % 16384))   # a random ephemeral port; start_server retries if it is taken
  fi
}

# wait_until_ready — polls until our server says it is listening on PORT and GET /health answers 2xx.
# Returns 1 if the port was already in use; gives up (with the server's log) on any other problem.
wait_until_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT)) status=0
  while :; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID" 2>/dev/null || status=$?
      SERVER_PID=""
      if grep -qi "address already in use" "$SERVER_LOG"; then return 1; fi
      die_with_log "Step $STEP exited (status $status) before answering GET /health"
    fi
    # The log line proves that the process answering is ours, not another one on the same port.
    if grep -q "listening on .*:$PORT\$" "$SERVER_LOG" \
      && curl -sf -o /dev/null --max-time 2 "$BASE_URL/health"; then
      return 0
    fi
    if ((SECONDS > deadline)); then
      die_with_log "Step $STEP did not answer GET $BASE_URL/health within ${READY_TIMEOUT}s"
    fi
    sleep 0.1
  done
}

# stop_server — the EXIT trap: stops the server (and any started with start_beside) and removes the
# temporary files.
stop_server() {
  stop_server_process
  local pid
  for pid in ${BESIDE_PIDS[@]+"${BESIDE_PIDS[@]}"}; do kill -KILL "$pid" 2>/dev/null || true; done
  BESIDE_PIDS=()
  if [[ -n "$WORK_DIR" ]]; then rm -rf "$WORK_DIR"; fi
  WORK_DIR=""
}

# stop_server_process — stops the server: TERM, then KILL after 5 s.
stop_server_process() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local tries=0
    while kill -0 "$SERVER_PID" 2>/dev/null && ((tries < 50)); do
      sleep 0.1
      tries=$((tries + 1))
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

# ---------------------------------------------------------------------------------------------
# 3. Checks: one named group of expectations, one "ok - …" line
# ---------------------------------------------------------------------------------------------

CHECK_NAME=""; CHECK_EXPECTATIONS=0; CHECKS_PASSED=0

# check "WHAT MUST HOLD" — starts a check; the previous one passed if we got here.
check() {
  close_check
  CHECK_NAME=$1
  CHECK_EXPECTATIONS=0
}

close_check() {
  if [[ -z "$CHECK_NAME" ]]; then return 0; fi
  if ((CHECK_EXPECTATIONS == 0)); then die "check '$CHECK_NAME' has no expectations"; fi
  echo "ok - $CHECK_NAME"
  CHECKS_PASSED=$((CHECKS_PASSED + 1))
  CHECK_NAME=""
}

# finish — ends the script: the last check passed, and so did the whole step.
finish() {
  close_check
  if ((CHECKS_PASSED == 1)); then echo "# Step $STEP: 1 check passed"; else echo "# Step $STEP: all $CHECKS_PASSED checks passed"; fi
}

note() { echo "# $*"; }

die() {
  echo "not ok - ${CHECK_NAME:-setup}" >&2
  echo "  $*" >&2
  exit 1
}

die_with_log() {
  echo "not ok - ${CHECK_NAME:-starting Step $STEP}" >&2
  echo "  $*" >&2
  echo "  server log:" >&2
  sed 's/^/    | /' "$SERVER_LOG" >&2 || true
  exit 1
}

# fail EXPECTED ACTUAL — says what differed, shows the last exchange and the server's log, and exits.
fail() {
  {
    echo "not ok - $CHECK_NAME"
    echo "  expected: $1"
    echo "  actual:   $2"
    if [[ -n "$LAST_REQUEST_LINE" ]]; then report_last_exchange; fi
    echo "  server log (last 15 lines):"
    tail -n 15 "$SERVER_LOG" 2>/dev/null | sed 's/^/    | /'
  } >&2
  exit 1
}

report_last_exchange() {
  echo "  request:  $LAST_REQUEST_LINE"
  if [[ -n "$LAST_REQUEST_HEADERS" ]]; then printf '%s\n' "$LAST_REQUEST_HEADERS" | sed 's/^/            /'; fi
  if [[ -n "$LAST_REQUEST_BODY" ]]; then echo "            $(shorten "$LAST_REQUEST_BODY")"; fi
  echo "  response: HTTP $LAST_STATUS"
  tr -d '\r' <"$WORK_DIR/headers" | sed -e '1d' -e '/^$/d' -e 's/^/            /'
  echo "            $(shorten "${LAST_BODY:-(empty body)}")"
}

shorten() {
  local text=$1
  if ((${#text} > 1500)); then text="${text:0:1500}… (${#1} characters)"; fi
  printf '%s' "$text"
}

expectation_passed() { CHECK_EXPECTATIONS=$((CHECK_EXPECTATIONS + 1)); }

# ---------------------------------------------------------------------------------------------
# 4. Requests. Each one sets LAST_STATUS, LAST_BODY (and the headers, for expect_header).
# ---------------------------------------------------------------------------------------------

LAST_STATUS=""; LAST_BODY=""
LAST_REQUEST_LINE=""; LAST_REQUEST_HEADERS=""; LAST_REQUEST_BODY=""
REQUEST_ID=0   # the id of the last request that post_mcp_legacy or post_mcp_modern sent
AUTH_TOKEN=""  # when set, every request carries "Authorization: Bearer $AUTH_TOKEN" (Steps 6 on)

# send METHOD PATH BODY [HEADER...] — any HTTP request. BODY "" sends none; "@FILE" sends a file.
send() {
  local method=$1 path=$2 body=$3
  shift 3
  if [[ -n "$AUTH_TOKEN" ]]; then set -- "Authorization: Bearer $AUTH_TOKEN" "$@"; fi
  local args=(-sS -X "$method" -o "$WORK_DIR/body" -D "$WORK_DIR/headers" -w '%{http_code}' --max-time 10)
  args+=(-H "Expect:")   # curl would otherwise wait for "100 Continue" before a large body
  local header
  for header in "$@"; do args+=(-H "$header"); done
  if [[ -n "$body" ]]; then args+=(--data-binary "$body"); fi

  LAST_REQUEST_LINE="$method $BASE_URL$path"
  LAST_REQUEST_HEADERS="$(printf '%s\n' "$@")"
  LAST_REQUEST_BODY=$body
  LAST_BODY=""
  : >"$WORK_DIR/headers"
  : >"$WORK_DIR/body"   # curl leaves the file alone when a response has no body
  LAST_STATUS="$(curl "${args[@]}" "$BASE_URL$path")" \
    || fail "an HTTP response" "curl failed (status ${LAST_STATUS:-none}); is the server still running?"
  LAST_BODY="$(cat "$WORK_DIR/body")"
}

# post_mcp BODY [HEADER...] — POST /mcp as an MCP client does: JSON in, JSON (or SSE) accepted.
post_mcp() {
  local body=$1
  shift
  if [[ -z "$body" ]]; then die "post_mcp was given no body (did a request builder fail?)"; fi
  send POST /mcp "$body" "Content-Type: application/json" "Accept: application/json, text/event-stream" "$@"
}

# jsonrpc_request METHOD [PARAMS] — a JSON-RPC 2.0 request whose id is REQUEST_ID.
jsonrpc_request() {
  jq -nc --argjson id "$REQUEST_ID" --arg method "$1" --argjson params "${2:-null}" \
    '{jsonrpc: "2.0", id: $id, method: $method} + (if $params == null then {} else {params: $params} end)' \
    || die "not valid JSON params: ${2:-}"
}

# modern_request METHOD [PARAMS] — the same, with the _meta every 2026-07-28 request carries.
modern_request() {
  jq -nc --argjson id "$REQUEST_ID" --arg method "$1" --argjson params "${2:-"{}"}" \
    --arg version "$MODERN_VERSION" --arg version_key "$META_VERSION_KEY" --arg capabilities_key "$META_CAPABILITIES_KEY" \
    '{jsonrpc: "2.0", id: $id, method: $method,
      params: ($params | ._meta = {($version_key): $version, ($capabilities_key): {}})}' \
    || die "not valid JSON params: ${2:-}"
}

# post_mcp_legacy METHOD [PARAMS] — a 2025-11-25 client: after initialize, every request carries
# the negotiated MCP-Protocol-Version header.
post_mcp_legacy() {
  REQUEST_ID=$((REQUEST_ID + 1))
  local body
  body="$(jsonrpc_request "$1" "${2:-}")"
  if [[ "$1" == "initialize" ]]; then
    post_mcp "$body"
  else
    post_mcp "$body" "MCP-Protocol-Version: $LEGACY_VERSION"
  fi
}

# post_mcp_modern METHOD [PARAMS] — a 2026-07-28 client: _meta in the body, and headers that repeat
# the version, the method and (for tools/call and prompts/get) params.name.
post_mcp_modern() {
  REQUEST_ID=$((REQUEST_ID + 1))
  local body
  body="$(modern_request "$1" "${2:-}")"
  case "$1" in
    tools/call | prompts/get)
      post_mcp "$body" "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: $1" \
        "Mcp-Name: $(jq -r '.params.name' <<<"$body")"
      ;;
    *) post_mcp "$body" "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: $1" ;;
  esac
}

# with_token TOKEN COMMAND... — runs a request helper with "Authorization: Bearer TOKEN" in place of
# AUTH_TOKEN's; TOKEN "" sends no Authorization header.
with_token() {
  local AUTH_TOKEN=$1
  shift
  "$@"
}

# call_tool ERA TOKEN NAME [ARGUMENTS] — tools/call of the tool NAME with ARGUMENTS (any JSON value;
# no arguments member when omitted), sent by a client of ERA (legacy or modern) with TOKEN.
call_tool() {
  local params
  params="$(jq -nc --arg name "$3" --argjson arguments "${4:-null}" \
    '{name: $name} + (if $arguments == null then {} else {arguments: $arguments} end)')" \
    || die "not valid JSON arguments: ${4:-}"
  with_token "$2" "post_mcp_$1" tools/call "$params"
}

# initialize_params VERSION — what a 2025-era client sends to initialize.
initialize_params() {
  printf '{"protocolVersion":"%s","capabilities":{},"clientInfo":{"name":"test_steps","version":"1.0.0"}}' "$1"
}

# ---------------------------------------------------------------------------------------------
# 5. Expectations about the last response
# ---------------------------------------------------------------------------------------------

# expect_status CODE
expect_status() {
  if [[ "$LAST_STATUS" != "$1" ]]; then fail "HTTP status $1" "HTTP status $LAST_STATUS"; fi
  expectation_passed
}

# expect_json FILTER EXPECTED — the jq FILTER (one value) on the body equals EXPECTED. EXPECTED is
# read as JSON when it is JSON (-32601, true, null, {}, ["a"], "2"), else as a plain string (hi hi).
expect_json() {
  local filter=$1 expected=$2 outcome
  if [[ -z "$LAST_BODY" ]]; then fail "$filter == $expected" "an empty body"; fi
  outcome="$(jq -r --arg expected "$expected" \
    "($filter) as \$actual | if \$actual == (\$expected | try fromjson catch \$expected) then \"same\" else \$actual | tojson end" \
    <<<"$LAST_BODY" 2>&1)" || fail "$filter == $expected" "jq could not read the body: $outcome"
  if [[ "$outcome" != "same" ]]; then fail "$filter == $expected" "$outcome"; fi
  expectation_passed
}

# header_value NAME — the last response's header, case-insensitive name; empty if absent.
header_value() {
  awk -v name="$1" '{
      sub(/\r$/, "")
      split($0, parts, ":")
      if (tolower(parts[1]) == tolower(name)) { sub(/^[^:]*:[ \t]*/, ""); value = $0 }
    } END { print value }' "$WORK_DIR/headers"
}

has_header() { grep -qi "^$1:" "$WORK_DIR/headers"; }

# expect_header NAME VALUE
expect_header() {
  local actual
  actual="$(header_value "$1")"
  if ! has_header "$1"; then fail "header $1: $2" "no $1 header"; fi
  if [[ "$actual" != "$2" ]]; then fail "header $1: $2" "header $1: $actual"; fi
  expectation_passed
}

# expect_no_header NAME
expect_no_header() {
  if has_header "$1"; then fail "no $1 header" "$1: $(header_value "$1")"; fi
  expectation_passed
}

# expect_content_type TYPE — compares the media type, ignoring parameters such as charset.
expect_content_type() {
  local actual
  actual="$(header_value Content-Type)"
  if [[ "$(printf '%s' "${actual%%;*}" | tr '[:upper:]' '[:lower:]' | tr -d ' ')" != "$1" ]]; then
    fail "Content-Type: $1" "Content-Type: ${actual:-(none)}"
  fi
  expectation_passed
}

expect_empty_body() {
  if [[ -s "$WORK_DIR/body" ]]; then fail "an empty body" "$(wc -c <"$WORK_DIR/body" | tr -d ' ') bytes"; fi
  expectation_passed
}

# expect_result — a successful JSON-RPC answer to the request just sent: 200, JSON, its id, a result.
expect_result() {
  expect_status 200
  expect_content_type application/json
  local problem
  problem="$(jq -r --arg request "$LAST_REQUEST_BODY" '
      ($request | fromjson | .id) as $id
      | if .jsonrpc != "2.0" then "jsonrpc is \(.jsonrpc | tojson)"
        elif .id != $id then "id \(.id | tojson) (the request had \($id | tojson))"
        elif has("error") then "an error: \(.error | tojson)"
        elif (.result | type) != "object" then "result is \(.result | tojson)"
        else "" end' <<<"${LAST_BODY:-null}" 2>&1)" || problem="a body that is not a JSON-RPC message"
  if [[ -n "$problem" ]]; then fail "a JSON-RPC result for the request just sent" "$problem"; fi
  expectation_passed
}

# expect_error HTTP_STATUS CODE — a JSON-RPC error answer with this HTTP status and error code.
expect_error() {
  expect_status "$1"
  expect_content_type application/json
  local problem
  problem="$(jq -r --argjson code "$2" '
      if .jsonrpc != "2.0" then "jsonrpc is \(.jsonrpc | tojson)"
      elif has("result") then "a result: \(.result | tojson)"
      elif .error.code != $code then "error code \(.error.code | tojson)"
      elif (.error.message | type) != "string" then "an error without a message"
      else "" end' <<<"${LAST_BODY:-null}" 2>&1)" || problem="a body that is not a JSON-RPC message"
  if [[ -n "$problem" ]]; then fail "a JSON-RPC error with code $2" "$problem"; fi
  expectation_passed
}

# expect_tool_result — a tools/call that worked: a result with isError false whose structuredContent
# is repeated as JSON in its text content (MCP server/tools, "Structured Content").
expect_tool_result() {
  expect_result
  expect_json '.result.isError' false
  expect_json '(.result.content[0].text | fromjson) == .result.structuredContent' true
}

# expect_tool_error [TEXT] — a tools/call that failed the way a tool fails (MCP server/tools, "Error
# Handling"): 200, a result with isError true and a text that says why; with TEXT, exactly that text.
expect_tool_error() {
  expect_result
  expect_json '.result.isError' true
  expect_json '.result.content[0].text | type == "string" and length > 0' true
  if [[ -n "${1:-}" ]]; then expect_json '.result.content[0].text' "$1"; fi
}

# expect_has_header NAME — the last response has a header NAME with a value, whatever it is.
expect_has_header() {
  if ! has_header "$1" || [[ -z "$(header_value "$1")" ]]; then fail "a $1 header" "none"; fi
  expectation_passed
}

# expect_challenge [ERROR] — 401 with a Bearer challenge for realm "mcp" (RFC 6750 §3) whose error
# attribute is ERROR; without ERROR, a challenge with no error attribute (no credentials were sent).
# Other attributes may follow (Step 7 adds resource_metadata and scope); expect_header or
# expect_challenge_attribute pins them down.
expect_challenge() {
  expect_status 401
  local challenge scheme error_attribute='(^|[ ,])error='
  challenge="$(header_value WWW-Authenticate)"
  scheme="$(printf '%s' "${challenge%% *}" | tr '[:upper:]' '[:lower:]')"
  if [[ "$scheme" != bearer || "$challenge" != *'realm="mcp"'* ]]; then
    fail 'WWW-Authenticate: Bearer realm="mcp"…' "WWW-Authenticate: ${challenge:-(none)}"
  fi
  expectation_passed
  if [[ -z "${1:-}" && "$challenge" =~ $error_attribute ]]; then
    fail "a challenge without an error attribute" "WWW-Authenticate: $challenge"
  elif [[ -n "${1:-}" && ! "$challenge" =~ $error_attribute\"$1\" ]]; then
    fail "a challenge with error=\"$1\"" "WWW-Authenticate: $challenge"
  fi
  expectation_passed
}

# challenge_attribute NAME — the value of the attribute NAME="…" in the last response's
# WWW-Authenticate header (RFC 6750 §3: quoted values); returns 1 if there is none.
challenge_attribute() {
  local challenge pattern="(^|[ ,])$1=\"([^\"]*)\""
  challenge="$(header_value WWW-Authenticate)"
  if [[ "$challenge" =~ $pattern ]]; then printf '%s\n' "${BASH_REMATCH[2]}"; else return 1; fi
}

# expect_challenge_attribute NAME VALUE — the WWW-Authenticate header says NAME="VALUE".
expect_challenge_attribute() {
  local actual
  if ! actual="$(challenge_attribute "$1")"; then
    fail "a challenge with $1=\"$2\"" "WWW-Authenticate: $(header_value WWW-Authenticate)"
  fi
  if [[ "$actual" != "$2" ]]; then fail "a challenge with $1=\"$2\"" "$1=\"$actual\""; fi
  expectation_passed
}

# expect_token_refused TOKEN — what a request that sent a bad TOKEN gets: 401 with a Bearer challenge
# that says error="invalid_token", and not a word of the token, in the headers or in the body.
expect_token_refused() {
  expect_challenge invalid_token
  if grep -qF -- "$1" "$WORK_DIR/headers" "$WORK_DIR/body"; then
    fail "a response that does not repeat the token" "the token is in the response"
  fi
  expectation_passed
}

# expect_log TEXT... — a line of the server's output contains every TEXT (fixed strings). Output
# may lag a little behind the response, so this polls for up to 5 s.
expect_log() {
  local tries=0
  until log_has_line "$@"; do
    if ((tries == 50)); then
      LAST_REQUEST_LINE=""
      fail "a line of the server's output with: $(printf '"%s" ' "$@")" "there is none (the output is below)"
    fi
    sleep 0.1
    tries=$((tries + 1))
  done
  expectation_passed
}

log_has_line() {
  local lines text
  lines="$(cat "$SERVER_LOG")"
  for text in "$@"; do
    lines="$(grep -F -- "$text" <<<"$lines")" || return 1
  done
}

# expect_exit_failure — the server that start_server_expecting_exit ran exited with a non-zero status.
expect_exit_failure() {
  if [[ "$EXIT_STATUS" == 0 ]]; then LAST_REQUEST_LINE=""; fail "a non-zero exit status" "exit status 0"; fi
  expectation_passed
}

# expect_no_log TEXT — the server's output does not contain TEXT (a fixed string), so far.
expect_no_log() {
  local line
  if line="$(grep -n -m 1 -F -- "$1" "$SERVER_LOG")"; then
    LAST_REQUEST_LINE=""
    fail "the server's output never contains: $(shorten "$1")" "line $(shorten "$line")"
  fi
  expectation_passed
}

# ---------------------------------------------------------------------------------------------
# 6. Keys and tokens (Steps 5 on): the server's key pair in KEYS_DIR, tokens from generate_token,
#    and tokens signed here with openssl, to try what generate_token would never mint.
# ---------------------------------------------------------------------------------------------

KEYS_DIR=""   # the folder of the server's key pair: the --keys-dir it was started with
DATA_DIR=""   # Step 9: the folder of the server's notes: the --data-dir it was started with

# token_desk ARGUMENT... — runs generate_token (building it if missing) on the key pair in KEYS_DIR.
# Its summaries for people go to WORK_DIR/generate_token.log.
token_desk() {
  if [[ -z "$KEYS_DIR" ]]; then die "KEYS_DIR is not set: start the server with --keys-dir \"\$KEYS_DIR\""; fi
  ensure_built generate_token
  "$REPO_ROOT/.build/debug/generate_token" "$@" --keys-dir "$KEYS_DIR" 2>>"$WORK_DIR/generate_token.log" \
    || die "generate_token $* failed: $(tail -n 3 "$WORK_DIR/generate_token.log")"
}

# mint_token [OPTION...] — an access token from generate_token (for alice, with its default scopes
# and roles) for this server: its audience is $BASE_URL/mcp unless an --audience OPTION says otherwise.
mint_token() {
  token_desk --audience "$BASE_URL/mcp" "$@"
}

# b64url — standard input in base64url without padding (RFC 7515 §2); b64url_decode — the reverse.
b64url() {
  openssl base64 -A | tr '/+' '_-' | tr -d '='
}

b64url_decode() {
  local text
  text="$(tr '_-' '/+')"
  while ((${#text} % 4 != 0)); do text+="="; done
  printf '%s' "$text" | openssl base64 -d -A
}

# jwt_part TOKEN N — part N of a JWT, decoded: 1 is the header, 2 the claims (JSON).
jwt_part() {
  cut -d. -f"$2" <<<"$1" | b64url_decode
}

# signing_input [CLAIMS_FILTER [HEADER_FILTER]] — "header.claims" in base64url: those of a token
# just minted for this server, changed by the jq filters ($now in them is the time in seconds).
signing_input() {
  local minted now header claims
  minted="$(mint_token)" || exit 1
  now="$(date +%s)"
  header="$(jwt_part "$minted" 1 | jq -c --argjson now "$now" "${2:-.}")" || die "jq could not apply: ${2:-.}"
  claims="$(jwt_part "$minted" 2 | jq -c --argjson now "$now" "${1:-.}")" || die "jq could not apply: ${1:-.}"
  printf '%s.%s\n' "$(printf '%s' "$header" | b64url)" "$(printf '%s' "$claims" | b64url)"
}

# rs256_token [CLAIMS_FILTER [HEADER_FILTER [KEY_FILE]]] — such a token signed RS256 (RFC 7518 §3.3)
# with KEY_FILE, by default the server's own private key: a valid token, unless a filter or the key
# makes it otherwise. rs256_token '.exp = $now - 120' is a token that expired two minutes ago.
rs256_token() {
  local input signature
  input="$(signing_input "${1:-.}" "${2:-.}")" || exit 1
  signature="$(printf '%s' "$input" | openssl dgst -sha256 -sign "${3:-$KEYS_DIR/private.pem}" -binary | b64url)" \
    || die "openssl could not sign with ${3:-$KEYS_DIR/private.pem}"
  printf '%s.%s\n' "$input" "$signature"
}

# jwk_thumbprint — the RFC 7638 thumbprint of the RSA JWK on standard input: SHA-256 over its
# required members (e, kty, n) in lexicographic order without white space, in base64url.
jwk_thumbprint() {
  jq -j '{e, kty, n} | tojson' | openssl dgst -sha256 -binary | b64url
}

# rsa_modulus KEY_FILE, rsa_exponent KEY_FILE — the public numbers of a PEM RSA private key as a JWK
# writes them (RFC 7518 §6.3.1): unsigned big-endian bytes, in base64url.
rsa_modulus() {
  openssl rsa -in "$1" -noout -modulus | sed 's/^Modulus=//' | xxd -r -p | b64url
}

rsa_exponent() {
  local hex
  hex="$(openssl rsa -in "$1" -noout -text | sed -n 's/^publicExponent: .*(0x\(.*\))$/\1/p')"
  if ((${#hex} % 2 == 1)); then hex="0$hex"; fi
  printf '%s' "$hex" | xxd -r -p | b64url
}

# ---------------------------------------------------------------------------------------------
# 7. What each step must do. A later step's script runs every earlier step's checks too.
# ---------------------------------------------------------------------------------------------

# checks_step1 BASE_URL STEP — Step 1: the health endpoint ("step" is the step that is running).
checks_step1() {
  BASE_URL=$1
  local step=$2

  check "GET /health answers 200 JSON {status: ok, step: $step, server: mcp-workshop, version: 1.0.0}"
    send GET /health ""
    expect_status 200
    expect_content_type application/json
    expect_json '.status' ok
    expect_json '.step' "$step"
    expect_json '.server' mcp-workshop
    expect_json '.version' 1.0.0

  check "an unknown path answers 404"
    send GET /no-such-page ""
    expect_status 404
}

# checks_step2 BASE_URL — Step 2: POST /mcp speaks JSON-RPC to clients of both protocol eras.
checks_step2() {
  BASE_URL=$1
  local version

  # --- 2025-11-25 / 2025-06-18 clients: initialize, then MCP-Protocol-Version on each request ---

  for version in 2025-11-25 2025-06-18 2025-03-26; do
    check "legacy: initialize with $version is answered with $version"
      post_mcp_legacy initialize "$(initialize_params "$version")"
      expect_result
      expect_json '.result.protocolVersion' "$version"
  done

  check "legacy: initialize returns capabilities, serverInfo and instructions, and no Mcp-Session-Id"
    post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
    expect_result
    expect_json '.result.capabilities | type' object
    expect_json '.result.serverInfo.name' mcp-workshop
    expect_json '.result.serverInfo.version' 1.0.0
    expect_json '.result.serverInfo.title | type' string
    expect_json '.result.instructions | type' string
    expect_no_header Mcp-Session-Id

  check "legacy: initialize with an unknown version is answered with $LEGACY_VERSION"
    post_mcp_legacy initialize "$(initialize_params 1999-01-01)"
    expect_result
    expect_json '.result.protocolVersion' "$LEGACY_VERSION"

  check "legacy: initialize without protocolVersion is invalid params (200, -32602)"
    post_mcp_legacy initialize '{"capabilities":{},"clientInfo":{"name":"test_steps","version":"1.0.0"}}'
    expect_error 200 -32602
    expect_json '.id' "$REQUEST_ID"

  check "legacy: notifications/initialized is accepted: 202, empty body"
    post_mcp '{"jsonrpc":"2.0","method":"notifications/initialized"}' "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_status 202
    expect_empty_body

  check "legacy: ping answers an empty result"
    post_mcp_legacy ping
    expect_result
    expect_json '.result' '{}'

  check "legacy: a string id is echoed"
    post_mcp '{"jsonrpc":"2.0","id":"ping-1","method":"ping"}' "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_result
    expect_json '.id' ping-1

  check "legacy: an unknown method is method not found, with HTTP 200 (-32601)"
    post_mcp_legacy no/such/method
    expect_error 200 -32601
    expect_json '.id' "$REQUEST_ID"

  check "legacy: an unsupported MCP-Protocol-Version header is refused (400, -32022, data.supported)"
    post_mcp "$(jsonrpc_request ping)" "MCP-Protocol-Version: 1999-01-01"
    expect_error 400 -32022
    expect_json '.error.data.supported' "$SUPPORTED_VERSIONS"
    expect_json '.error.data.requested' 1999-01-01

  # --- 2026-07-28 clients: no handshake; _meta and matching headers on every request ---

  check "modern: server/discover describes the server (versions, capabilities, caching; serverInfo in _meta)"
    post_mcp_modern server/discover
    expect_result
    expect_json '.result.resultType' complete
    expect_json '.result.supportedVersions' "$SUPPORTED_VERSIONS"
    expect_json '.result.capabilities | type' object
    expect_json '.result.instructions | type' string
    expect_json '.result.ttlMs | type == "number" and . > 0' true
    # From Step 6 on the answer names the signed-in caller, so no shared cache may keep it.
    if [[ -n "${AUTH_TOKEN:-}" ]]; then expect_json '.result.cacheScope' private; else expect_json '.result.cacheScope' public; fi
    expect_json ".result._meta[\"$META_SERVER_INFO_KEY\"].name" mcp-workshop
    expect_json ".result._meta[\"$META_SERVER_INFO_KEY\"].version" 1.0.0
    expect_no_header Mcp-Session-Id

  check "modern: a request without _meta is invalid params (400, -32602)"
    post_mcp '{"jsonrpc":"2.0","id":1,"method":"server/discover"}' \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: server/discover"
    expect_error 400 -32602

  check "modern: _meta without clientCapabilities is invalid params (400, -32602)"
    post_mcp '{"jsonrpc":"2.0","id":1,"method":"server/discover",
               "params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}' \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: server/discover"
    expect_error 400 -32602

  check "modern: an unsupported _meta protocolVersion is refused (400, -32022, data.supported)"
    post_mcp '{"jsonrpc":"2.0","id":1,"method":"server/discover",
               "params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01",
                                  "io.modelcontextprotocol/clientCapabilities":{}}}}' \
      "MCP-Protocol-Version: 2099-01-01" "Mcp-Method: server/discover"
    expect_error 400 -32022
    expect_json '.error.data.supported' "$SUPPORTED_VERSIONS"
    expect_json '.error.data.requested' 2099-01-01

  check "modern: no MCP-Protocol-Version header is a header mismatch (400, -32020)"
    post_mcp "$(modern_request server/discover)" "Mcp-Method: server/discover"
    expect_error 400 -32020

  check "modern: an MCP-Protocol-Version header that differs from _meta is a header mismatch (400, -32020)"
    post_mcp "$(modern_request server/discover)" "MCP-Protocol-Version: $LEGACY_VERSION" "Mcp-Method: server/discover"
    expect_error 400 -32020

  check "modern: no Mcp-Method header is a header mismatch (400, -32020)"
    post_mcp "$(modern_request server/discover)" "MCP-Protocol-Version: $MODERN_VERSION"
    expect_error 400 -32020

  check "modern: an Mcp-Method header that differs from the body is a header mismatch (400, -32020)"
    post_mcp "$(modern_request server/discover)" "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: ping"
    expect_error 400 -32020

  check "modern: an unknown method is method not found, with HTTP 404 (-32601)"
    post_mcp_modern no/such/method
    expect_error 404 -32601
    expect_json '.id' "$REQUEST_ID"

  check "modern: ping is not a 2026-07-28 method (404, -32601)"
    post_mcp_modern ping
    expect_error 404 -32601

  check "modern: a notification is accepted: 202, empty body"
    post_mcp '{"jsonrpc":"2.0","method":"notifications/cancelled",
               "params":{"requestId":7,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                                                 "io.modelcontextprotocol/clientCapabilities":{}}}}' \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: notifications/cancelled"
    expect_status 202
    expect_empty_body

  # --- The JSON-RPC envelope: one well-formed message per POST ---

  check "a body that is not JSON is a parse error (400, -32700, id null)"
    post_mcp '{"jsonrpc":"2.0","id":1,"method":'
    expect_error 400 -32700
    expect_json '.id' null

  check "a batch (JSON array) is an invalid request (400, -32600, id null)"
    post_mcp '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]'
    expect_error 400 -32600
    expect_json '.id' null

  check "jsonrpc \"1.0\" is an invalid request (400, -32600)"
    post_mcp '{"jsonrpc":"1.0","id":1,"method":"ping"}'
    expect_error 400 -32600

  check "id null is an invalid request (400, -32600)"
    post_mcp '{"jsonrpc":"2.0","id":null,"method":"ping"}'
    expect_error 400 -32600

  check "an object id is an invalid request (400, -32600)"
    post_mcp '{"jsonrpc":"2.0","id":{"n":1},"method":"ping"}'
    expect_error 400 -32600

  check "a method that is not a string is an invalid request (400, -32600)"
    post_mcp '{"jsonrpc":"2.0","id":1,"method":42}'
    expect_error 400 -32600

  # --- HTTP: methods, Origin, content negotiation, size ---

  check "GET /mcp is not allowed: 405 with Allow: POST"
    send GET /mcp "" "Accept: application/json, text/event-stream"
    expect_status 405
    expect_header Allow POST

  check "DELETE /mcp is not allowed: 405 with Allow: POST (there are no sessions)"
    send DELETE /mcp ""
    expect_status 405
    expect_header Allow POST

  check "a foreign Origin is refused with 403 (DNS rebinding defence)"
    post_mcp "$(jsonrpc_request ping)" "MCP-Protocol-Version: $LEGACY_VERSION" "Origin: https://evil.example"
    expect_error 403 -32600
    expect_json '.id' null

  check "an Origin that only starts like localhost (http://localhost.evil.example) is refused with 403"
    post_mcp "$(jsonrpc_request ping)" "MCP-Protocol-Version: $LEGACY_VERSION" "Origin: http://localhost.evil.example"
    expect_status 403

  check "Origin: null (a sandboxed page) is refused with 403"
    post_mcp "$(jsonrpc_request ping)" "MCP-Protocol-Version: $LEGACY_VERSION" "Origin: null"
    expect_status 403

  check "a local Origin (http://localhost:3000) is accepted"
    post_mcp "$(jsonrpc_request ping)" "MCP-Protocol-Version: $LEGACY_VERSION" "Origin: http://localhost:3000"
    expect_result

  check "the server's own origin ($BASE_URL) is accepted"
    post_mcp "$(jsonrpc_request ping)" "MCP-Protocol-Version: $LEGACY_VERSION" "Origin: $BASE_URL"
    expect_result

  check "Content-Type: text/plain is refused with 415"
    send POST /mcp "$(jsonrpc_request ping)" "Content-Type: text/plain" "Accept: application/json"
    expect_error 415 -32600

  check "Content-Type: application/json; charset=utf-8 is accepted"
    send POST /mcp "$(jsonrpc_request ping)" "Content-Type: application/json; charset=utf-8" "Accept: application/json"
    expect_result

  check "Accept: text/html (no JSON) is refused with 406"
    send POST /mcp "$(jsonrpc_request ping)" "Content-Type: application/json" "Accept: text/html"
    expect_error 406 -32600

  check "no Accept header at all is fine"
    # "Accept:" with no value tells curl to leave out the Accept header it would add.
    send POST /mcp "$(jsonrpc_request ping)" "Content-Type: application/json" "Accept:"
    expect_result

  check "a body of exactly 1 MiB is accepted"
    ping_of_size 1048576 >"$WORK_DIR/1MiB.json"
    post_mcp "@$WORK_DIR/1MiB.json" "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_status 200
    expect_json '.result' '{}'

  check "a body of 1 MiB and 1 byte is refused with 413"
    ping_of_size 1048577 >"$WORK_DIR/1MiB+1.json"
    post_mcp "@$WORK_DIR/1MiB+1.json" "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_error 413 -32600
}

# ping_of_size BYTES — a legacy ping padded (in params) to exactly BYTES bytes of JSON.
ping_of_size() {
  local prefix='{"jsonrpc":"2.0","id":1,"method":"ping","params":{"padding":"' suffix='"}}'
  printf '%s' "$prefix"
  head -c $(($1 - ${#prefix} - ${#suffix})) /dev/zero | tr '\0' x
  printf '%s' "$suffix"
}

# tool_names NAME... — the names a tools/list should show, as a sorted JSON array: the NAMEs plus
# EXTRA_TOOLS. tools_label [NAME...] — how a check's name says so: echo, get_time, EXTRA_TOOLS, NAMEs.
tool_names() {
  jq -nc '$ARGS.positional | sort' --args "$@" ${EXTRA_TOOLS[@]+"${EXTRA_TOOLS[@]}"}
}

tools_label() {
  and_list echo get_time ${EXTRA_TOOLS[@]+"${EXTRA_TOOLS[@]}"} "$@"
}

# and_list WORD... — "a", "a and b", "a, b and c".
and_list() {
  local text=$1 i
  for ((i = 2; i <= $#; i++)); do
    if ((i == $#)); then text+=" and ${!i}"; else text+=", ${!i}"; fi
  done
  printf '%s' "$text"
}

# Tool and prompt definitions are the same in both eras; these expect them in the last response
# (echo and get_time in full; EXTRA_TOOLS by name, their step checks the rest).
expect_tool_definitions() {
  local tool
  expect_json '[.result.tools[].name] | sort' "$(tool_names echo get_time)"
  for tool in echo get_time; do
    local t=".result.tools[] | select(.name == \"$tool\")"
    expect_json "$t | .title | type == \"string\" and length > 0" true
    expect_json "$t | .description | type == \"string\" and length > 0" true
    expect_json "$t | .inputSchema.type" object
    expect_json "$t | .outputSchema.type" object
    expect_json "$t | .annotations.readOnlyHint" true
    expect_json "$t | .annotations.openWorldHint" false
  done
  local echo_tool='.result.tools[] | select(.name == "echo")'
  expect_json "$echo_tool | .inputSchema.required" '["message"]'
  expect_json "$echo_tool | .inputSchema.properties.message.type" string
  expect_json "$echo_tool | .inputSchema.properties.repeat_count | [.type, .minimum, .maximum]" '["integer",1,10]'
  expect_json "$echo_tool | .outputSchema.properties.echoed.type" string
  local get_time_tool='.result.tools[] | select(.name == "get_time")'
  expect_json "$get_time_tool | .inputSchema.properties.timezone.type" string
  expect_json "$get_time_tool | .inputSchema.required // [] | index(\"timezone\")" null
}

expect_prompt_definitions() {
  expect_json '[.result.prompts[].name] | sort' '["greeting","help"]'
  expect_json '[.result.prompts[] | .title | type == "string" and length > 0] | all' true
  expect_json '[.result.prompts[] | .description | type == "string" and length > 0] | all' true
  expect_json '.result.prompts[] | select(.name == "greeting") | .arguments | map({name, required})' \
    '[{"name":"name","required":true}]'
  expect_json '.result.prompts[] | select(.name == "help") | .arguments // [] | length' 0
}

# checks_step3 BASE_URL — Step 3: the server lists its tools and prompts, in both eras.
checks_step3() {
  BASE_URL=$1

  check "legacy: initialize advertises tools and prompts"
    post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
    expect_result
    expect_json '.result.capabilities.tools.listChanged' false
    expect_json '.result.capabilities.prompts.listChanged' false

  check "modern: server/discover advertises tools and prompts"
    post_mcp_modern server/discover
    expect_result
    expect_json '.result.capabilities.tools.listChanged' false
    expect_json '.result.capabilities.prompts.listChanged' false

  check "legacy: tools/list describes echo and get_time (title, schemas, annotations)${EXTRA_TOOLS[*]:+; it lists ${EXTRA_TOOLS[*]} too}"
    post_mcp_legacy tools/list
    expect_result
    expect_tool_definitions

  check "modern: tools/list describes the same tools, complete and cacheable"
    post_mcp_modern tools/list
    expect_result
    expect_tool_definitions
    expect_json '.result.resultType' complete
    expect_json '.result.ttlMs | type == "number" and . > 0' true
    expect_json '.result.cacheScope' "$LIST_CACHE_SCOPE"

  check "legacy: prompts/list describes greeting (argument name, required) and help"
    post_mcp_legacy prompts/list
    expect_result
    expect_prompt_definitions

  check "modern: prompts/list describes the same prompts, complete and cacheable"
    post_mcp_modern prompts/list
    expect_result
    expect_prompt_definitions
    expect_json '.result.resultType' complete
    expect_json '.result.ttlMs | type == "number" and . > 0' true
    expect_json '.result.cacheScope' "$LIST_CACHE_SCOPE"

  check "legacy: tools/list with an unknown cursor is invalid params (-32602)"
    post_mcp_legacy tools/list '{"cursor":"no-such-page"}'
    expect_error 200 -32602

  check "modern: prompts/list with an unknown cursor is invalid params (-32602)"
    post_mcp_modern prompts/list '{"cursor":"no-such-page"}'
    expect_error 200 -32602
}

# checks_step4 BASE_URL — Step 4: tools/call runs the tools, prompts/get renders the prompts.
checks_step4() {
  BASE_URL=$1

  # --- tools/call ---

  check "legacy: tools/call echo repeats the message (structuredContent, and the same JSON as text)"
    post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi","repeat_count":2}}'
    expect_result
    expect_json '.result.isError' false
    expect_json '.result.structuredContent.echoed' "hi hi"
    expect_json '.result.structuredContent.repeat_count' 2
    expect_json '.result.content[0].type' text
    expect_json '(.result.content[0].text | fromjson) == .result.structuredContent' true

  check "legacy: echo repeats once by default"
    post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi"}}'
    expect_result
    expect_json '.result.structuredContent.echoed' hi

  check "modern: tools/call echo with Mcp-Name: echo works and says resultType complete"
    post_mcp_modern tools/call '{"name":"echo","arguments":{"message":"hi","repeat_count":2}}'
    expect_result
    expect_json '.result.resultType' complete
    expect_json '.result.isError' false
    expect_json '.result.structuredContent.echoed' "hi hi"

  check "modern: tools/call without an Mcp-Name header is a header mismatch (400, -32020)"
    post_mcp "$(modern_request tools/call '{"name":"echo","arguments":{"message":"hi"}}')" \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: tools/call"
    expect_error 400 -32020

  check "modern: an Mcp-Name header that differs from params.name is a header mismatch (400, -32020)"
    post_mcp "$(modern_request tools/call '{"name":"echo","arguments":{"message":"hi"}}')" \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: tools/call" "Mcp-Name: get_time"
    expect_error 400 -32020

  check "modern: Mcp-Name may be base64-encoded (=?base64?ZWNobw==?= is echo)"
    post_mcp "$(modern_request tools/call '{"name":"echo","arguments":{"message":"hi"}}')" \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: tools/call" "Mcp-Name: =?base64?ZWNobw==?="
    expect_result
    expect_json '.result.structuredContent.echoed' hi

  check "echo with repeat_count 11 is a tool error: 200, isError true"
    post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi","repeat_count":11}}'
    expect_result
    expect_json '.result.isError' true
    expect_json '.result.content[0].text | type' string

  check "echo without a message is a tool error: 200, isError true"
    post_mcp_legacy tools/call '{"name":"echo","arguments":{"repeat_count":2}}'
    expect_result
    expect_json '.result.isError' true

  check "echo with an unknown argument is a tool error: 200, isError true"
    post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi","loud":true}}'
    expect_result
    expect_json '.result.isError' true

  check "legacy: tools/call of an unknown tool is invalid params (200, -32602)"
    post_mcp_legacy tools/call '{"name":"no_such_tool","arguments":{}}'
    expect_error 200 -32602

  check "modern: tools/call of an unknown tool is invalid params (-32602)"
    post_mcp_modern tools/call '{"name":"no_such_tool","arguments":{}}'
    expect_error 200 -32602

  check "tools/call without params.name is invalid params (-32602)"
    post_mcp_legacy tools/call '{"arguments":{"message":"hi"}}'
    expect_error 200 -32602

  check "get_time in Europe/Paris tells the time there"
    post_mcp_legacy tools/call '{"name":"get_time","arguments":{"timezone":"Europe/Paris"}}'
    expect_result
    expect_json '.result.isError' false
    expect_json '.result.structuredContent.timezone' Europe/Paris
    expect_json '.result.structuredContent.iso8601 | test("[+]0[12]:00$")' true
    expect_json '.result.structuredContent.unix_time | type' number
    expect_json '(.result.content[0].text | fromjson) == .result.structuredContent' true

  check "get_time without a timezone uses UTC"
    post_mcp_modern tools/call '{"name":"get_time","arguments":{}}'
    expect_result
    expect_json '.result.isError' false
    expect_json '.result.structuredContent.timezone' UTC

  check "get_time with a time zone that does not exist is a tool error: 200, isError true"
    post_mcp_legacy tools/call '{"name":"get_time","arguments":{"timezone":"Mars/Olympus_Mons"}}'
    expect_result
    expect_json '.result.isError' true

  # --- prompts/get ---

  check "legacy: prompts/get greeting renders a user message that names the person"
    post_mcp_legacy prompts/get '{"name":"greeting","arguments":{"name":"Ada"}}'
    expect_result
    expect_json '.result.messages[0].role' user
    expect_json '.result.messages[0].content.type' text
    expect_json '.result.messages[0].content.text | contains("Ada")' true

  check "modern: prompts/get greeting (Mcp-Name: greeting) works and says resultType complete"
    post_mcp_modern prompts/get '{"name":"greeting","arguments":{"name":"Grace"}}'
    expect_result
    expect_json '.result.resultType' complete
    expect_json '.result.messages[0].content.text | contains("Grace")' true

  check "modern: prompts/get without an Mcp-Name header is a header mismatch (400, -32020)"
    post_mcp "$(modern_request prompts/get '{"name":"greeting","arguments":{"name":"Ada"}}')" \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: prompts/get"
    expect_error 400 -32020

  check "prompts/get help renders without arguments"
    post_mcp_legacy prompts/get '{"name":"help"}'
    expect_result
    expect_json '.result.messages | length > 0' true
    expect_json '.result.messages[0].content.type' text

  check "prompts/get greeting without its name argument is invalid params (-32602)"
    post_mcp_legacy prompts/get '{"name":"greeting","arguments":{}}'
    expect_error 200 -32602

  check "prompts/get of an unknown prompt is invalid params (-32602)"
    post_mcp_legacy prompts/get '{"name":"no_such_prompt"}'
    expect_error 200 -32602
}

# checks_step5 BASE_URL — Step 5: the public key that verifies tokens, as a JWK Set. Needs KEYS_DIR.
checks_step5() {
  BASE_URL=$1
  local jwk kid_from_desk token

  check "GET /.well-known/jwks.json answers 200 JSON: a JWK Set of exactly one key, with Cache-Control"
    send GET /.well-known/jwks.json ""
    expect_status 200
    expect_content_type application/json
    expect_json '.keys | length' 1
    expect_has_header Cache-Control

  check "the key is an RSA key for RS256 signatures (kty RSA, alg RS256, use sig) with a kid, n and e"
    send GET /.well-known/jwks.json ""
    expect_json '.keys[0].kty' RSA
    expect_json '.keys[0].alg' RS256
    expect_json '.keys[0].use' sig
    expect_json '[.keys[0] | .kid, .n, .e | type == "string" and length > 0] | all' true

  check "the key has no private members (d, p, q, dp, dq, qi, oth)"
    send GET /.well-known/jwks.json ""
    expect_json '[.keys[0] | has("d", "p", "q", "dp", "dq", "qi", "oth")] | any' false

  check "n and e are the public half of the private key in the --keys-dir folder"
    send GET /.well-known/jwks.json ""
    expect_json '.keys[0].n' "$(rsa_modulus "$KEYS_DIR/private.pem")"
    expect_json '.keys[0].e' "$(rsa_exponent "$KEYS_DIR/private.pem")"

  check "kid is the key's RFC 7638 thumbprint (computed here with jq and openssl)"
    send GET /.well-known/jwks.json ""
    jwk="$(jq -c '.keys[0]' <<<"$LAST_BODY")"
    expect_json '.keys[0].kid' "$(jwk_thumbprint <<<"$jwk")"

  check "generate_token keys reports the same kid"
    kid_from_desk="$(token_desk keys | awk '$1 == "kid:" { print $2 }')"
    send GET /.well-known/jwks.json ""
    expect_json '.keys[0].kid' "$kid_from_desk"

  check "a token minted by generate_token names the same kid in its header, and alg RS256"
    token="$(mint_token)"
    send GET /.well-known/jwks.json ""
    expect_json '.keys[0].kid' "$(jwt_part "$token" 1 | jq -r .kid)"
    expect_json '.keys[0].alg' "$(jwt_part "$token" 1 | jq -r .alg)"
}

# expect_refused TOKEN WHY — a ping that sends TOKEN is refused (expect_token_refused), and the
# server's log says WHY (a fixed string) on a line that says 401. TOKEN joins REFUSED_TOKENS.
REFUSED_TOKENS=()
expect_refused() {
  REFUSED_TOKENS+=("$1")
  with_token "$1" post_mcp_legacy ping
  expect_token_refused "$1"
  expect_log "401" "$2"
}

# checks_step6 BASE_URL — Step 6: /mcp needs a valid bearer token; nothing else does. Needs KEYS_DIR
# (the crafted tokens are signed with the server's own key) and a server started with
# --log-level debug (the checks read why each token was refused).
# shellcheck disable=SC2016 # '$now' in the jq filters is jq's variable, not the shell's
checks_step6() {
  BASE_URL=$1
  local AUTH_TOKEN=""   # each request below says which credentials it sends, if any
  local token port ping crafted bad_token other_key other_jwk other_kid other_audience other_issuer
  REFUSED_TOKENS=()
  token="$(mint_token)"
  port="${BASE_URL##*:}"
  port="${port%%/*}"
  ping="$(jsonrpc_request ping)"
  other_key="$WORK_DIR/other-key.pem"   # an RSA key the server has never seen
  openssl genrsa -out "$other_key" 2048 2>/dev/null || die "openssl genrsa failed"

  # --- Without a token: the public routes answer; /mcp challenges, without an error ---

  check "GET /health and GET /.well-known/jwks.json still answer without a token"
    send GET /health ""
    expect_status 200
    send GET /.well-known/jwks.json ""
    expect_status 200
    expect_json '.keys | length' 1

  check "legacy: initialize without a token is refused: 401, WWW-Authenticate: Bearer realm=\"mcp\", no error"
    post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
    expect_challenge

  check "modern: server/discover without a token is refused: 401, Bearer realm=\"mcp\", no error"
    post_mcp_modern server/discover
    expect_challenge

  check "every other /mcp request without a token is refused before anything else: 401, no error"
    post_mcp '{"jsonrpc":"2.0","method":"notifications/initialized"}' "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_challenge   # not 202
    post_mcp '{"jsonrpc":"2.0","id":1,"method":'
    expect_challenge   # not 400: the body is not read
    send GET /mcp "" "Accept: application/json, text/event-stream"
    expect_challenge   # not 405
    send DELETE /mcp ""
    expect_challenge

  check "an Authorization header of another scheme (Basic) is no bearer token: 401, no error"
    post_mcp "$ping" "MCP-Protocol-Version: $LEGACY_VERSION" "Authorization: Basic YWxpY2U6c2VjcmV0"
    expect_challenge

  check "a token in the query string (?access_token=…) is not read (401, no error), nor written to the log"
    bad_token="$(mint_token)"
    send POST "/mcp?access_token=$bad_token" "$ping" \
      "Content-Type: application/json" "Accept: application/json, text/event-stream" "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_challenge
    expect_log "request" "path=/mcp"
    expect_no_log "$bad_token"

  # --- With a valid token: both eras work, and the handshake knows who is calling ---

  check "legacy: with a token, initialize answers 200 and its instructions say 'signed in as alice'"
    with_token "$token" post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
    expect_result
    expect_json '.result.instructions | contains("signed in as alice")' true
    with_token "$token" post_mcp '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
      "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_status 202

  check "legacy: with a token, tools/call echo works"
    with_token "$token" post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi","repeat_count":2}}'
    expect_result
    expect_json '.result.structuredContent.echoed' "hi hi"

  check "modern: with a token, server/discover answers and its instructions say 'signed in as alice'"
    with_token "$token" post_mcp_modern server/discover
    expect_result
    expect_json '.result.instructions | contains("signed in as alice")' true

  check "modern: with a token, tools/call echo (Mcp-Name: echo) works"
    with_token "$token" post_mcp_modern tools/call '{"name":"echo","arguments":{"message":"hi"}}'
    expect_result
    expect_json '.result.structuredContent.echoed' hi

  check "the scheme name is case-insensitive: 'bearer' and 'BEARER' work too"
    post_mcp "$ping" "MCP-Protocol-Version: $LEGACY_VERSION" "Authorization: bearer $token"
    expect_result
    post_mcp "$ping" "MCP-Protocol-Version: $LEGACY_VERSION" "Authorization: BEARER $token"
    expect_result

  check "a token signed here with the server's key (a re-signed copy of a minted one) is accepted"
    # The bad tokens below are made the same way, each with one thing wrong.
    crafted="$(rs256_token)"
    with_token "$crafted" post_mcp_legacy ping
    expect_result

  check "an aud array that contains this server's URI is accepted"
    crafted="$(rs256_token '.aud = ["https://other.example/mcp", .aud]')"
    with_token "$crafted" post_mcp_legacy ping
    expect_result

  # --- Bad tokens: 401 error="invalid_token"; the log says why, the client is told no more ---

  check "a token that is not a JWT is refused: 401 invalid_token"
    bad_token="not-a-jwt"
    with_token "$bad_token" post_mcp_legacy ping
    expect_token_refused "$bad_token"

  check "a token that expired 2 minutes ago (beyond the 60 s leeway) is refused: 401 invalid_token"
    bad_token="$(rs256_token '.exp = $now - 120')"
    expect_refused "$bad_token" "expired"

  check "a token without exp is refused: 401 invalid_token"
    bad_token="$(rs256_token 'del(.exp)')"
    expect_refused "$bad_token" "exp missing"

  check "a token not valid for another 10 minutes (nbf) is refused: 401 invalid_token"
    bad_token="$(rs256_token '.nbf = $now + 600')"
    expect_refused "$bad_token" "not valid before"

  check "a token whose claims were changed after signing (sub: mallory) is refused: 401 invalid_token"
    bad_token="$(rs256_token)"
    bad_token="${bad_token%%.*}.$(jwt_part "$bad_token" 2 | jq -c '.sub = "mallory"' | b64url).${bad_token##*.}"
    expect_refused "$bad_token" "signature does not verify"

  check "a token signed by another key (with the server's kid) is refused: 401 invalid_token"
    bad_token="$(rs256_token . . "$other_key")"
    expect_refused "$bad_token" "signature does not verify"

  check "an unsigned token (alg none) is refused: 401 invalid_token"
    bad_token="$(signing_input . '.alg = "none"')."
    expect_refused "$bad_token" '"none"'

  check "an HS256 token whose secret is the public key (algorithm confusion) is refused: 401 invalid_token"
    bad_token="$(signing_input . '.alg = "HS256"')"
    bad_token="$bad_token.$(printf '%s' "$bad_token" \
      | openssl dgst -sha256 -hmac "$(cat "$KEYS_DIR/public.pem")" -binary | b64url)"
    expect_refused "$bad_token" '"HS256"'

  check "a token typed JWT instead of at+jwt (not an access token) is refused: 401 invalid_token"
    bad_token="$(rs256_token . '.typ = "JWT"')"
    expect_refused "$bad_token" '"JWT"'

  check "a token with an unknown kid is refused: 401 invalid_token"
    bad_token="$(rs256_token . '.kid = "no-such-key"')"
    expect_refused "$bad_token" '"no-such-key"'

  check "a token that carries its own key (jwk header) and is signed with it is refused: 401 invalid_token"
    # The server trusts its own key set only, never a key the token brings along (RFC 8725 §3.10).
    other_jwk="$(jq -nc --arg n "$(rsa_modulus "$other_key")" --arg e "$(rsa_exponent "$other_key")" \
      '{kty: "RSA", n: $n, e: $e}')"
    other_kid="$(jwk_thumbprint <<<"$other_jwk")"
    bad_token="$(rs256_token . ".jwk = $other_jwk | .kid = \"$other_kid\"" "$other_key")"
    expect_refused "$bad_token" "\"$other_kid\""

  check "a token with a critical header extension the server does not know (crit) is refused: 401 invalid_token"
    bad_token="$(rs256_token . '.crit = ["urn:example:must-understand"] | .["urn:example:must-understand"] = true')"
    expect_refused "$bad_token" "crit"

  check "a token issued 10 minutes in the future (iat) is refused: 401 invalid_token"
    bad_token="$(rs256_token '.iat = $now + 600 | .nbf = $now')"
    expect_refused "$bad_token" "future"

  check "a token whose exp is not a number (\"exp\": \"tomorrow\") is refused: 401 invalid_token"
    bad_token="$(rs256_token '.exp = "tomorrow"')"
    expect_refused "$bad_token" "not a number"

  check "a token without sub (nobody to act for) is refused: 401 invalid_token"
    bad_token="$(rs256_token 'del(.sub)')"
    expect_refused "$bad_token" "sub"

  check "a token for another server (aud: the MCP endpoint on port $((port + 1))) is refused: 401 invalid_token"
    other_audience="${BASE_URL%:*}:$((port + 1))/mcp"
    bad_token="$(mint_token --audience "$other_audience")"
    expect_refused "$bad_token" "$other_audience"

  check "a token from another issuer (iss with a trailing slash: compared exactly) is refused: 401 invalid_token"
    other_issuer="$(jwt_part "$token" 2 | jq -r '.iss')/"
    bad_token="$(mint_token --issuer "$other_issuer")"
    expect_refused "$bad_token" "$other_issuer"

  check "two Authorization headers are refused: 401 invalid_token"
    post_mcp "$ping" "MCP-Protocol-Version: $LEGACY_VERSION" "Authorization: Bearer $token" "Authorization: Bearer $token"
    expect_token_refused "$token"
    expect_log "401" "more than one Authorization header"

  check "the server's log never contains a token it was sent in Authorization"
    for bad_token in "$token" "${REFUSED_TOKENS[@]}"; do
      expect_no_log "$bad_token"
    done

  check "after all of that the server still serves a valid token"
    with_token "$token" post_mcp_modern tools/call '{"name":"echo","arguments":{"message":"still here"}}'
    expect_result
    expect_json '.result.structuredContent.echoed' "still here"
}

# expect_metadata RESOURCE ISSUER — the last response is protected resource metadata (RFC 9728 §2)
# for RESOURCE that names ISSUER as its one authorization server, and says no more than is true.
expect_metadata() {
  expect_status 200
  expect_content_type application/json
  expect_json '.resource' "$1"
  expect_json '.authorization_servers' "$(jq -nc --arg issuer "$2" '[$issuer]')"
  expect_json '.scopes_supported' "$MCP_SCOPES"
  expect_json '.bearer_methods_supported' '["header"]'
  expect_json 'has("jwks_uri")' false   # the server signs nothing; the issuer's keys are the issuer's
}

# step7_challenge PUBLIC_URL — the exact 401 challenge, from Step 7 on, of a request without a token
# to a server whose public base URL is PUBLIC_URL.
step7_challenge() {
  printf 'Bearer realm="mcp", resource_metadata="%s%s", scope="%s"' "$1" "$METADATA_PATH" "$BASELINE_SCOPE"
}

# checks_step7 BASE_URL — Step 7: RFC 9728 metadata tells a client which authorization server issues
# tokens for /mcp, and every 401 points to it. Needs KEYS_DIR and --log-level debug (as checks_step6).
# Restarts the server with --public-url, then with --issuer, then with its own options again:
# BASE_URL changes, so tokens minted before are no longer for this server.
# shellcheck disable=SC2016 # '$now' in the jq filters is jq's variable, not the shell's
checks_step7() {
  BASE_URL=$1
  local AUTH_TOKEN=""   # each request below says which credentials it sends, if any
  local path url token bad_token metadata public_url="https://mcp.example.com" other_issuer="https://login.example.com"

  for path in "$METADATA_PATH" "$ROOT_METADATA_PATH"; do
    check "GET $path answers 200 JSON without a token: resource $BASE_URL/mcp, issuer, scopes, header"
      send GET "$path" ""
      expect_metadata "$BASE_URL/mcp" "$WORKSHOP_ISSUER"

    check "GET $path may be read from any web page (Access-Control-Allow-Origin: *) and cached"
      send GET "$path" "" "Origin: https://app.example"
      expect_status 200
      expect_header Access-Control-Allow-Origin '*'
      expect_has_header Cache-Control

    check "GET $path is served to requests with MCP headers, and with a bad token, too"
      send GET "$path" "" "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: server/discover"
      expect_metadata "$BASE_URL/mcp" "$WORKSHOP_ISSUER"
      send GET "$path" "" "Authorization: Bearer not-a-jwt"
      expect_metadata "$BASE_URL/mcp" "$WORKSHOP_ISSUER"
  done

  check "a token for the resource and from the authorization server that the metadata names is accepted"
    send GET "$METADATA_PATH" ""
    metadata=$LAST_BODY
    token="$(token_desk --audience "$(jq -r '.resource' <<<"$metadata")" \
      --issuer "$(jq -r '.authorization_servers[0]' <<<"$metadata")")"
    with_token "$token" post_mcp_legacy ping
    expect_result

  # --- Every 401 says where the metadata is and which scopes to ask for ---

  check "legacy: initialize without a token: 401, exactly $(step7_challenge "$BASE_URL")"
    post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
    expect_status 401
    expect_header WWW-Authenticate "$(step7_challenge "$BASE_URL")"

  check "modern: server/discover without a token: 401, the same challenge"
    post_mcp_modern server/discover
    expect_status 401
    expect_header WWW-Authenticate "$(step7_challenge "$BASE_URL")"

  check "GET /mcp without a token: 401, the same challenge (not 405)"
    send GET /mcp "" "Accept: application/json, text/event-stream"
    expect_status 401
    expect_header WWW-Authenticate "$(step7_challenge "$BASE_URL")"

  check "a bad token (not a JWT; expired) gets the same challenge plus error=\"invalid_token\""
    for bad_token in not-a-jwt "$(rs256_token '.exp = $now - 120')"; do
      with_token "$bad_token" post_mcp_legacy ping
      expect_token_refused "$bad_token"
      expect_challenge_attribute realm mcp
      expect_challenge_attribute resource_metadata "$BASE_URL$METADATA_PATH"
      expect_challenge_attribute scope "$BASELINE_SCOPE"
      expect_challenge_attribute error invalid_token
    done

  check "the resource_metadata URL of the challenge serves the metadata"
    post_mcp_legacy ping
    expect_status 401
    url="$(challenge_attribute resource_metadata)" || fail "a resource_metadata attribute" "none"
    if [[ "$url" != "$BASE_URL/"* ]]; then fail "a URL on this server ($BASE_URL/…)" "$url"; fi
    send GET "${url#"$BASE_URL"}" ""
    expect_metadata "$BASE_URL/mcp" "$WORKSHOP_ISSUER"

  # --- The public URL names the resource; the issuer names the authorization server ---

  check "with --public-url $public_url the server starts and prints its metadata URL under it"
    restart_server_with --public-url "$public_url"
    expect_log "Resource metadata: $public_url$METADATA_PATH"

  check "with --public-url the resource is $public_url/mcp, at both metadata paths"
    for path in "$METADATA_PATH" "$ROOT_METADATA_PATH"; do
      send GET "$path" ""
      expect_metadata "$public_url/mcp" "$WORKSHOP_ISSUER"
    done

  check "with --public-url the 401 challenge points to $public_url$METADATA_PATH"
    post_mcp_legacy ping
    expect_status 401
    expect_header WWW-Authenticate "$(step7_challenge "$public_url")"

  check "with --public-url a token for $public_url/mcp is accepted, one for the address it listens on is refused"
    token="$(mint_token --audience "$public_url/mcp")"
    with_token "$token" post_mcp_legacy ping
    expect_result
    bad_token="$(mint_token)"   # for $BASE_URL/mcp
    with_token "$bad_token" post_mcp_legacy ping
    expect_token_refused "$bad_token"
    expect_log "401" "does not contain $public_url/mcp"

  check "with --issuer $other_issuer the metadata names it as the authorization server"
    restart_server_with --issuer "$other_issuer"
    send GET "$METADATA_PATH" ""
    expect_metadata "$BASE_URL/mcp" "$other_issuer"

  check "with --issuer $other_issuer (unreachable here) the workshop key does not vouch for it: 401"
    token="$(mint_token --issuer "$other_issuer")"   # signed with the key in keys/, pinned to $WORKSHOP_ISSUER
    with_token "$token" post_mcp_legacy ping
    expect_token_refused "$token"
    expect_log "401" "is not a key of $other_issuer"
    expect_log "Could not fetch the issuer's signing keys"

  check "with --issuer $other_issuer only, a token from $WORKSHOP_ISSUER is refused"
    bad_token="$(mint_token)"
    with_token "$bad_token" post_mcp_legacy ping
    expect_token_refused "$bad_token"
    expect_log "401" "is not a trusted issuer"

  check "back with its own options, the server names $WORKSHOP_ISSUER and its own address again"
    restart_server_with
    send GET "$METADATA_PATH" ""
    expect_metadata "$BASE_URL/mcp" "$WORKSHOP_ISSUER"
}

# expect_insufficient_scope SCOPE — what a valid token without the scopes SCOPE (space-separated) gets:
# 403, a JSON-RPC error 403 for the request just sent, and exactly the challenge
# Bearer error="insufficient_scope", scope="SCOPE", resource_metadata="…" (RFC 6750 §3.1, RFC 9728 §5.1).
expect_insufficient_scope() {
  expect_error 403 403
  expect_json '.id' "$REQUEST_ID"
  expect_header WWW-Authenticate \
    "Bearer error=\"insufficient_scope\", scope=\"$1\", resource_metadata=\"$BASE_URL$METADATA_PATH\""
}

# expect_role_denied — what a person gets whose role never allows the operation, whatever the token's
# scopes: 403 and a JSON-RPC error saying so, with no challenge (no scope would help, and a client
# that saw insufficient_scope would sign its user in again for nothing).
expect_role_denied() {
  expect_error 403 403
  expect_json '.id' "$REQUEST_ID"
  expect_json '.error.message' "Your role does not allow this operation"
  expect_no_header WWW-Authenticate
}

# expect_access STATUS SCOPE — STATUS 200: a result; 403: refused for want of SCOPE, which the caller's
# role allows; 403-role: refused by the caller's role, which no scope would change.
expect_access() {
  case "$1" in
    200) expect_result ;;
    403) expect_insufficient_scope "$2" ;;
    403-role) expect_role_denied ;;
    *) die "expect_access: no expectation for status $1" ;;
  esac
}

# The access matrix of Step 8: who may do what. The operations, in the order of the matrix's columns:
# label, method, the scopes a 403 must ask for (comma-separated), params.
STEP8_OPERATIONS='
  tools/list     tools/list    mcp:read             {}
  prompts/list   prompts/list  mcp:read             {}
  echo           tools/call    mcp:tools            {"name":"echo","arguments":{"message":"hi"}}
  server_status  tools/call    mcp:tools,mcp:admin  {"name":"server_status","arguments":{}}
  greeting       prompts/get   mcp:prompts          {"name":"greeting","arguments":{"name":"Ada"}}'

# The callers (a token each: username, scopes, roles) and the HTTP status of each operation. An
# operation needs its scopes in the token and allowed by a role. When the role never allows it, the
# 403 has no challenge (403-role): gina the guest calls nothing, uma and ulla (who holds mcp:admin)
# are users, not admins. arno is an admin whose token holds mcp:read only: more scopes would help him.
STEP8_MATRIX='
  # user  scopes                                    roles  tools/list prompts/list echo server_status greeting
  gina    mcp:read                                  guest  200 200 403-role 403-role 403-role
  uma     mcp:read,mcp:tools,mcp:prompts            user   200 200 200 403-role 200
  ada     mcp:admin                                 admin  200 200 200 200 200
  ulla    mcp:read,mcp:tools,mcp:prompts,mcp:admin  user   200 200 200 403-role 200
  arno    mcp:read                                  admin  200 200 403 403 403'

# checks_step8 BASE_URL — Step 8: every operation needs scopes (the policy table), roles bound what a
# token's scopes allow, and lists show only what the caller may use. Needs KEYS_DIR and
# --log-level debug (as checks_step6).
# shellcheck disable=SC2016 # '$now' in the jq filters is jq's variable, not the shell's
checks_step8() {
  BASE_URL=$1
  local AUTH_TOKEN=""   # each request below says whose token it sends
  local -A tokens=()
  local -a labels=() methods=() scopes=() params=() rows=() expected=()
  local line label method scope param user roles statuses era i summary url no_roles
  local status_tool='.result.tools[] | select(.name == "server_status")'

  while read -r label method scope param; do
    if [[ -n "$label" ]]; then labels+=("$label"); methods+=("$method"); scopes+=("${scope//,/ }"); params+=("$param"); fi
  done <<<"$STEP8_OPERATIONS"
  while read -r line; do
    if [[ -n "$line" && "$line" != "#"* ]]; then rows+=("$line"); fi
  done <<<"$STEP8_MATRIX"
  for line in "${rows[@]}"; do
    read -r user scope roles _ <<<"$line"
    tokens[$user]="$(mint_token --username "$user" --scopes "$scope" --roles "$roles")" || exit 1
  done

  # --- The matrix, in both eras: one check per caller ---

  for era in legacy modern; do
    for line in "${rows[@]}"; do
      read -r user scope roles statuses <<<"$line"
      read -ra expected <<<"$statuses"
      summary=""
      for i in "${!labels[@]}"; do summary+="${summary:+, }${labels[i]} ${expected[i]}"; done
      check "$era: $user (scopes $scope; role $roles): $summary"
        for i in "${!labels[@]}"; do
          with_token "${tokens[$user]}" "post_mcp_$era" "${methods[i]}" "${params[i]}"
          expect_access "${expected[i]}" "${scopes[i]}"
        done
    done
  done

  # --- Lists show only what the caller may use, and say so to caches ---

  check "guest: tools/list and prompts/list answer empty lists, in both eras"
    for era in legacy modern; do
      with_token "${tokens[gina]}" "post_mcp_$era" tools/list
      expect_result
      expect_json '.result.tools' '[]'
      with_token "${tokens[gina]}" "post_mcp_$era" prompts/list
      expect_result
      expect_json '.result.prompts' '[]'
    done

  check "user: tools/list shows $(tools_label) (not server_status); prompts/list greeting and help"
    for era in legacy modern; do
      with_token "${tokens[uma]}" "post_mcp_$era" tools/list
      expect_result
      expect_tool_definitions
      with_token "${tokens[uma]}" "post_mcp_$era" prompts/list
      expect_result
      expect_prompt_definitions
    done

  check "admin: tools/list shows $(tools_label server_status), each fully described"
    for era in legacy modern; do
      with_token "${tokens[ada]}" "post_mcp_$era" tools/list
      expect_result
      expect_json '[.result.tools[].name] | sort' "$(tool_names echo get_time server_status)"
    done
    expect_json "$status_tool | .title | type == \"string\" and length > 0" true
    expect_json "$status_tool | .description | type == \"string\" and length > 0" true
    expect_json "$status_tool | .inputSchema.type" object
    expect_json "$status_tool | .outputSchema.properties.step.type" integer
    expect_json "$status_tool | .annotations.readOnlyHint" true

  check "a user whose token holds mcp:admin does not see server_status: the role bounds the scope"
    with_token "${tokens[ulla]}" post_mcp_modern tools/list
    expect_result
    expect_json '[.result.tools[].name] | sort' "$(tool_names echo get_time)"

  check "modern: every caller's tools/list and prompts/list say cacheScope private (they differ per caller)"
    for user in gina uma ada; do
      for method in tools/list prompts/list; do
        with_token "${tokens[$user]}" post_mcp_modern "$method"
        expect_result
        expect_json '.result.cacheScope' private
      done
    done

  # --- What each refusal and each success says ---

  check "admin: tools/call server_status reports step $STEP (structuredContent, and the same JSON as text)"
    for era in legacy modern; do
      with_token "${tokens[ada]}" "post_mcp_$era" tools/call '{"name":"server_status","arguments":{}}'
      expect_result
      expect_json '.result.isError' false
      expect_json '.result.structuredContent.step' "$STEP"
      expect_json '.result.structuredContent.version' 1.0.0
      expect_json '.result.structuredContent.process_id | type == "number" and . > 0' true
      expect_json '(.result.content[0].text | fromjson) == .result.structuredContent' true
    done

  check "an admin whose token holds mcp:read only: server_status is refused with 403 asking for every scope it needs: mcp:tools mcp:admin"
    with_token "${tokens[arno]}" post_mcp_legacy tools/call '{"name":"server_status","arguments":{}}'
    expect_insufficient_scope "mcp:tools mcp:admin"
    expect_json '.error.message | contains("mcp:admin")' true

  check "a user's server_status and a guest's echo are refused with 403 and no challenge: no scope would help"
    with_token "${tokens[uma]}" post_mcp_legacy tools/call '{"name":"server_status","arguments":{}}'
    expect_role_denied
    with_token "${tokens[gina]}" post_mcp_modern tools/call '{"name":"echo","arguments":{"message":"hi"}}'
    expect_role_denied

  check "the 403's resource_metadata URL serves the metadata"
    with_token "${tokens[arno]}" post_mcp_modern tools/call '{"name":"server_status","arguments":{}}'
    expect_status 403
    url="$(challenge_attribute resource_metadata)" || fail "a resource_metadata attribute" "none"
    send GET "${url#"$BASE_URL"}" ""
    expect_metadata "$BASE_URL/mcp" "$WORKSHOP_ISSUER"
    expect_json '.scopes_supported | contains(["mcp:tools"])' true

  check "the server's log says why: 403: insufficient scope, or 403: not allowed, with the method and the caller"
    expect_log "403: insufficient scope" "tools/call" "sub=arno"
    expect_log "403: insufficient scope" "prompts/get" "sub=arno"
    expect_log "403: not allowed" "tools/call" "sub=gina"

  check "a guest can still connect: initialize, ping and server/discover need no scope"
    with_token "${tokens[gina]}" post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
    expect_result
    with_token "${tokens[gina]}" post_mcp_legacy ping
    expect_result
    with_token "${tokens[gina]}" post_mcp_modern server/discover
    expect_result

  check "a person whose token has no roles claim (an issuer that sends none) gets the default role, guest: list, but no call"
    no_roles="$(rs256_token '.scope = "mcp:read mcp:tools mcp:prompts" | del(.roles)')"
    with_token "$no_roles" post_mcp_legacy tools/list
    expect_result
    expect_json '.result.tools' '[]'
    with_token "$no_roles" post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi"}}'
    expect_role_denied
    no_roles="$(rs256_token '.scope = "mcp:admin" | del(.roles)')"
    with_token "$no_roles" post_mcp_legacy tools/call '{"name":"server_status","arguments":{}}'
    expect_role_denied

  checks_step8_machines

  check "without a token, even server_status is a 401 challenge, not a 403"
    post_mcp_legacy tools/call '{"name":"server_status","arguments":{}}'
    expect_status 401
    expect_header WWW-Authenticate "$(step7_challenge "$BASE_URL")"
}

# checks_step8_machines — (part of checks_step8) a client acting on its own behalf, whose token's sub
# is its client_id (client credentials, RFC 9068 §2.2), has its own row in the policy table: it may
# list and call tools, never the admin tool, whatever scope and roles its token claims. Then
# --default-role: the role of a person whose token has no roles claim, never admin. Restarts the
# server (BASE_URL changes) and leaves it running with the options it was started with.
checks_step8_machines() {
  local AUTH_TOKEN="" robot no_roles era option

  check "a machine token (sub = client_id) with scope mcp:admin and roles [admin]: server_status is 403 with no challenge, in both eras"
    robot="$(mint_token --username nightly-report --client-id nightly-report --scopes mcp:admin --roles admin)" || exit 1
    for era in legacy modern; do
      with_token "$robot" "post_mcp_$era" tools/call '{"name":"server_status","arguments":{}}'
      expect_error 403 403
      expect_no_header WWW-Authenticate
      expect_json '.error.message | contains("on its own behalf")' true
      expect_json 'tostring | contains("process_id")' false
    done
    expect_log "403: not allowed" "sub=nightly-report"

  # Step 9's note tools keep a person's notes: a machine sees whoami alone of them.
  local machine_tools=(echo get_time)
  if ((${#EXTRA_TOOLS[@]} > 0)); then machine_tools+=(whoami); fi
  check "the machine may list and call tools: its tools/list shows $(and_list "${machine_tools[@]}") (no server_status), and echo answers"
    with_token "$robot" post_mcp_modern tools/list
    expect_result
    expect_json '[.result.tools[].name] | sort' "$(jq -nc '$ARGS.positional | sort' --args "${machine_tools[@]}")"
    with_token "$robot" post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi"}}'
    expect_result
    expect_json '.result.isError' false

  check "a machine token that claims no roles at all is refused server_status the same way"
    robot="$(rs256_token '.sub = "report-job" | .client_id = "report-job" | .scope = "mcp:admin" | del(.roles)')"
    with_token "$robot" post_mcp_legacy tools/call '{"name":"server_status","arguments":{}}'
    expect_error 403 403
    expect_no_header WWW-Authenticate

  check "started with --default-role user, a person without a roles claim may call echo, and still not server_status"
    restart_server_with --default-role user
    no_roles="$(rs256_token '.scope = "mcp:admin" | del(.roles)')"
    with_token "$no_roles" post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi"}}'
    expect_result
    with_token "$no_roles" post_mcp_legacy tools/call '{"name":"server_status","arguments":{}}'
    expect_role_denied

  check "--default-role admin, an unknown role, or a role for an issuer the step does not trust: the step refuses to start"
    for option in "admin:cannot be admin" "superuser:is not a role" "http://elsewhere.example=user:not a trusted --issuer"; do
      start_server_expecting_exit --default-role "${option%:*}"
      expect_exit_failure
      expect_log "Error:" "--default-role" "${option##*:}"
    done

  restart_server_with
}

# start_beside LOG PROGRAM [ARGUMENT...] — runs PROGRAM (under .build/debug) with the ARGUMENTs and
# --port on a free port, beside the server under test, and waits for GET /health. Sets BESIDE_URL
# and BESIDE_PID; its output goes to LOG. stop_server stops it, if nothing did before.
BESIDE_PIDS=(); BESIDE_URL=""; BESIDE_PID=""
start_beside() {
  local log=$1 program=$2 port attempt deadline
  shift 2
  ensure_built "$program"
  for attempt in 1 2 3; do
    port="$(free_port)"
    "$REPO_ROOT/.build/debug/$program" "$@" --port "$port" >"$log" 2>&1 &
    BESIDE_PID=$!
    BESIDE_PIDS+=("$BESIDE_PID")
    BESIDE_URL="http://127.0.0.1:$port"
    deadline=$((SECONDS + READY_TIMEOUT))
    while kill -0 "$BESIDE_PID" 2>/dev/null && ((SECONDS <= deadline)); do
      if grep -q "listening on .*:$port\$" "$log" && curl -sf -o /dev/null --max-time 2 "$BESIDE_URL/health"; then
        return 0
      fi
      sleep 0.1
    done
    if ! grep -qi "address already in use" "$log"; then break; fi
  done
  kill -KILL "$BESIDE_PID" 2>/dev/null || true
  die "$program $* did not answer GET /health: $(tail -n 5 "$log")"
}

# start_step9_beside DATA_DIR LOG [OPTION...] — another Step 9, with the key pair of the server under
# test and its public URL (so that the same tokens work), keeping its notes in DATA_DIR.
start_step9_beside() {
  local data=$1 log=$2
  shift 2
  start_beside "$log" Step9 --public-url "$BASE_URL" --keys-dir "$KEYS_DIR" --data-dir "$data" "$@"
}

# sqlite_query DATABASE SQL — prints what SQL returns from the SQLite file DATABASE, a line per row,
# through python3's sqlite3 module or the sqlite3 command; returns 2 when there is neither.
sqlite_query() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute(sys.argv[2]): print(*row)
db.close()' "$1" "$2"
  elif command -v sqlite3 >/dev/null 2>&1; then
    sqlite3 "$1" "$2"
  else
    return 2
  fi
}

# expect_sqlite DATABASE SQL EXPECTED — SQL on DATABASE prints EXPECTED. Without python3 or sqlite3
# the expectation is skipped, and says so.
expect_sqlite() {
  local output status=0
  output="$(sqlite_query "$1" "$2" 2>&1)" || status=$?
  if ((status == 2)); then note "skipped (no python3 or sqlite3 to read $1): $2"; return 0; fi
  if ((status != 0)) || [[ "$output" != "$3" ]]; then LAST_REQUEST_LINE=""; fail "$2 on $1 prints $3" "$output"; fi
  expectation_passed
}

# checks_step9_storage — (part of checks_step9) machines keep no notes; two issuers' alices are two
# people; two servers share one --data-dir and lose nothing; a server killed in the middle of a burst
# of writes keeps every note it acknowledged; quotas count UTF-8 bytes, and the total stops a flood
# of new owners; an old notes.json is imported once. Runs servers beside the one under test, and
# restarts it (BASE_URL changes).
# shellcheck disable=SC2016 # '$ids' in the jq filters is jq's variable, not the shell's
checks_step9_storage() {
  local AUTH_TOKEN="" alice bob carol robot token id other_keys other_issuer other_alice first second tool i
  local acked="$WORK_DIR/acked.ids" listed="$WORK_DIR/listed.ids" writers=() pid user controls emoji folder
  local database="$DATA_DIR/notes.sqlite"
  alice="$(mint_token)" || exit 1
  bob="$(mint_token --username bob)" || exit 1

  # --- Machines: a token with no person behind it has no notes (RFC 9068 §2.2: sub = client_id) ---

  check "a machine token (sub = client_id, scope mcp:admin): every note tool is a tool error naming client credentials; no note of anyone's shows"
    robot="$(mint_token --username nightly-report --client-id nightly-report --scopes mcp:admin --roles admin)" || exit 1
    for tool in note_list note_create note_read note_delete; do
      case "$tool" in
        note_create) call_tool legacy "$robot" "$tool" '{"title":"t","text":"x"}' ;;
        note_read | note_delete) call_tool legacy "$robot" "$tool" "{\"id\":\"$(random_note_id)\"}" ;;
        *) call_tool legacy "$robot" "$tool" ;;
      esac
      expect_tool_error
      expect_json '.result.content[0].text | contains("client credentials")' true
      expect_json 'tostring | contains("Shopping")' false
    done

  check "the machine's tools/list has no note tools; whoami says kind machine, no roles, no mcp:admin"
    with_token "$robot" post_mcp_modern tools/list
    expect_result
    expect_json '[.result.tools[].name] | sort' '["echo","get_time","whoami"]'
    call_tool legacy "$robot" whoami
    expect_tool_result
    expect_json '.result.structuredContent | [.kind, .roles, (.effective_scopes | index("mcp:admin"))]' '["machine",[],null]'

  # --- Identity is the pair (iss, sub): alice of another trusted issuer is another person ---

  check "trusting a second issuer, its alice cannot list, read or delete the workshop issuer's alice's note"
    other_keys="$WORK_DIR/other-issuer-keys"
    ensure_built generate_token
    "$REPO_ROOT/.build/debug/generate_token" keys --keys-dir "$other_keys" >/dev/null 2>&1 || die "generate_token keys failed"
    start_beside "$WORK_DIR/other-issuer.log" generate_token serve --keys-dir "$other_keys"
    other_issuer="$BESIDE_URL"
    restart_server_with --issuer "$WORKSHOP_ISSUER" --issuer "$other_issuer"
    alice="$(mint_token)" || exit 1
    other_alice="$("$REPO_ROOT/.build/debug/generate_token" --keys-dir "$other_keys" --issuer "$other_issuer" \
      --audience "$BASE_URL/mcp" 2>/dev/null)" || die "generate_token could not mint for $other_issuer"
    call_tool legacy "$other_alice" whoami
    expect_tool_result
    expect_json '.result.structuredContent | [.issuer, .subject]' "[\"$other_issuer\",\"alice\"]"
    call_tool legacy "$alice" note_create '{"title":"A-alice only","text":"secret of alice at the workshop issuer"}'
    expect_tool_result
    id="$(jq -r '.result.structuredContent.id' <<<"$LAST_BODY")"
    call_tool legacy "$other_alice" note_list
    expect_tool_result
    expect_json '.result.structuredContent.notes' '[]'
    for tool in note_read note_delete; do
      call_tool legacy "$other_alice" "$tool" "{\"id\":\"$id\"}"
      expect_tool_error "No note with that id."
    done
    call_tool legacy "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result
    expect_json '.result.structuredContent.text' "secret of alice at the workshop issuer"
    kill "$BESIDE_PID" 2>/dev/null || true

  # --- Two servers, one --data-dir ---

  restart_server_with
  alice="$(mint_token)" || exit 1
  bob="$(mint_token --username bob)" || exit 1

  check "a second Step 9 on the same --data-dir: alice writes through the first, bob through the second, and each server reads both"
    start_step9_beside "$DATA_DIR" "$WORK_DIR/second.log"
    first="$BASE_URL"; second="$BESIDE_URL"
    call_tool legacy "$alice" note_create '{"title":"alice-1","text":"through the first"}'
    expect_tool_result
    id="$(jq -r '.result.structuredContent.id' <<<"$LAST_BODY")"
    BASE_URL="$second"
    call_tool legacy "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result
    call_tool legacy "$bob" note_create '{"title":"bob-1","text":"through the second"}'
    expect_tool_result
    id="$(jq -r '.result.structuredContent.id' <<<"$LAST_BODY")"
    BASE_URL="$first"
    call_tool legacy "$bob" note_read "{\"id\":\"$id\"}"
    expect_tool_result
    expect_json '.result.structuredContent.title' bob-1
    call_tool legacy "$alice" note_list
    expect_json '[.result.structuredContent.notes[].title] | index("alice-1") != null' true

  check "forty notes written at once, twenty through each server, are all acknowledged and all kept"
    : >"$acked"
    for ((i = 1; i <= 40; i++)); do
      user="$alice"; if ((i % 2 == 0)); then user="$bob"; fi
      if ((i % 4 < 2)); then BASE_URL="$second"; else BASE_URL="$first"; fi
      ( curl -s "$BASE_URL/mcp" -H "Authorization: Bearer $user" -H 'Content-Type: application/json' \
          -H "MCP-Protocol-Version: $LEGACY_VERSION" \
          -d "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"note_create\",\"arguments\":{\"title\":\"burst $i\",\"text\":\"x\"}}}" \
          | jq -r 'select(.result.isError == false) | .result.structuredContent.id' >>"$acked" ) &
      writers+=("$!")
    done
    # Not a bare wait: that would wait for the servers started beside this one too.
    for pid in "${writers[@]}"; do wait "$pid" || true; done
    writers=()
    BASE_URL="$first"
    if [[ "$(wc -l <"$acked")" -ne 40 ]]; then fail "40 acknowledged notes" "$(wc -l <"$acked")"; fi
    expectation_passed
    expect_sqlite "$database" "SELECT count(*) FROM notes WHERE title LIKE 'burst %'" 40
    for user in "$alice" "$bob"; do
      for BASE_URL in "$first" "$second"; do
        call_tool legacy "$user" note_list
        expect_json '[.result.structuredContent.notes[].title | select(startswith("burst "))] | length' 20
      done
    done
    BASE_URL="$first"
    kill "$BESIDE_PID" 2>/dev/null || true

  # --- A crash in the middle of writing ---

  check "Step 9 killed with SIGKILL during a burst of writes: after a restart every acknowledged note is there, and the database is intact"
    : >"$acked"
    for user in dora emil; do
      token="$(mint_token --username "$user")" || exit 1
      ( for ((i = 1; i <= 90; i++)); do
          curl -s --max-time 5 "$BASE_URL/mcp" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
            -H "MCP-Protocol-Version: $LEGACY_VERSION" \
            -d "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"note_create\",\"arguments\":{\"title\":\"crash $i\",\"text\":\"$(printf 'x%.0s' {1..2000})\"}}}" \
            | jq -r 'select(.result.isError == false) | .result.structuredContent.id' >>"$acked" || break
        done ) &
      writers+=("$!")
    done
    i=0
    until (($(wc -l <"$acked") >= 20)) || ((i > 300)); do sleep 0.05; i=$((i + 1)); done
    kill -KILL "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    for pid in "${writers[@]}"; do wait "$pid" 2>/dev/null || true; done
    if (($(wc -l <"$acked") < 20)); then fail "at least 20 notes acknowledged before the kill" "$(wc -l <"$acked")"; fi
    expectation_passed
    note "$(wc -l <"$acked") notes acknowledged before SIGKILL"
    expect_sqlite "$database" "PRAGMA integrity_check" ok
    restart_server
    alice="$(mint_token)" || exit 1   # BASE_URL changed, and with it the audience
    bob="$(mint_token --username bob)" || exit 1
    : >"$listed"
    for user in dora emil; do
      token="$(mint_token --username "$user")" || exit 1
      call_tool legacy "$token" note_list
      expect_tool_result
      jq -r '.result.structuredContent.notes[].id' <<<"$LAST_BODY" >>"$listed"
    done
    if [[ -n "$(comm -23 <(sort "$acked") <(sort "$listed"))" ]]; then
      fail "every acknowledged note after the restart" "missing: $(comm -23 <(sort "$acked") <(sort "$listed") | head -3)"
    fi
    expectation_passed

  # --- Quotas, in UTF-8 bytes ---

  check "room for 25,000 bytes: two notes of 10,000 control characters (10,001 bytes each) fit, a third does not: the store is full"
    folder="$WORK_DIR/quota-data"
    start_step9_beside "$folder" "$WORK_DIR/quota.log" --notes-max-bytes 25000
    first="$BASE_URL"; BASE_URL="$BESIDE_URL"
    controls="$(jq -nc '{title: "c", text: ([range(10000) | "\u0001"] | add)}')"
    carol="$(BASE_URL="$first" mint_token --username carol)" || exit 1
    for user in "$alice" "$bob"; do
      call_tool legacy "$user" note_create "$controls"
      expect_tool_result
    done
    call_tool legacy "$carol" note_create "$controls"
    expect_tool_error "The server's notes store is full; no note can be saved until some are deleted."
    if ! grep -q "Notes store is full" "$WORK_DIR/quota.log"; then fail "a log line: Notes store is full" "none"; fi
    expectation_passed
    expect_sqlite "$folder/notes.sqlite" "SELECT sum(bytes) FROM notes" 20002
    kill "$BESIDE_PID" 2>/dev/null || true
    BASE_URL="$first"

  check "one person's notes may hold 1 MiB of UTF-8: 26 notes of 10,000 four-byte characters fit, the 27th does not"
    emoji="$(jq -nc '{title: "e", text: ([range(10000) | "😀"] | add)}')"
    token="$(mint_token --username frida)" || exit 1
    for ((i = 1; i <= 26; i++)); do
      with_token "$token" post_mcp_legacy tools/call "$(jq -c '{name: "note_create", arguments: .}' <<<"$emoji")"
      if [[ "$LAST_STATUS" != 200 || "$LAST_BODY" != *'"isError":false'* ]]; then
        fail "note $i is saved" "HTTP $LAST_STATUS: $(shorten "$LAST_BODY")"
      fi
    done
    expectation_passed
    call_tool legacy "$token" note_create "$emoji"
    expect_tool_error
    expect_json '.result.content[0].text | contains("1048576 bytes")' true

  # --- Notes from an earlier Step 9 ---

  check "an old notes.json is imported once, every note owned by (workshop issuer, its subject), and kept as notes.json.migrated"
    folder="$WORK_DIR/old-data"
    mkdir -p "$folder"
    jq -nc '[{id: "old-alice", owner: "alice", title: "from before", text: "kept", createdAt: "2026-01-01T00:00:00Z"},
             {id: "old-bob", owner: "bob", title: "his", text: "also kept", createdAt: "2026-01-02T00:00:00Z"}]' >"$folder/notes.json"
    cp -p "$folder/notes.json" "$WORK_DIR/notes.original.json"
    start_step9_beside "$folder" "$WORK_DIR/old-data.log"
    first="$BASE_URL"; BASE_URL="$BESIDE_URL"
    if ! grep -q "Imported notes.json into the notes database.*" "$WORK_DIR/old-data.log" \
      || ! grep "Imported notes.json" "$WORK_DIR/old-data.log" | grep -q "notes=2"; then
      fail "a log line: Imported notes.json ... notes=2" "$(grep -i notes "$WORK_DIR/old-data.log" | head -3)"
    fi
    expectation_passed
    call_tool legacy "$alice" note_read '{"id":"old-alice"}'
    expect_tool_result
    expect_json '.result.structuredContent.text' kept
    call_tool legacy "$alice" note_read '{"id":"old-bob"}'
    expect_tool_error "No note with that id."
    call_tool legacy "$bob" note_list
    expect_json '.result.structuredContent.notes | map([.id, .owner.issuer, .owner.subject])' "[[\"old-bob\",\"$WORKSHOP_ISSUER\",\"bob\"]]"
    if [[ -e "$folder/notes.json" ]] || ! cmp -s "$folder/notes.json.migrated" "$WORK_DIR/notes.original.json"; then
      fail "notes.json renamed to notes.json.migrated, unchanged" "$(ls "$folder")"
    fi
    expectation_passed
    kill "$BESIDE_PID" 2>/dev/null || true
    BASE_URL="$first"
}

# The tools Step 9 adds, which an ordinary user sees besides echo and get_time (EXTRA_TOOLS).
STEP9_TOOLS=(whoami note_create note_list note_read note_delete)

# token_identity TOKEN — what whoami must say about the person TOKEN speaks for, all of it from its
# claims: issuer (iss) and subject (sub), kind person, username (preferred_username, else sub),
# client_id, scopes, roles (for a token without them, the default role: guest), expires_at (exp).
token_identity() {
  jwt_part "$1" 2 | jq -c '{
      issuer: .iss, subject: .sub, kind: "person", username: (.preferred_username // .sub),
      client_id: (.client_id // null), scopes: (.scope // "" | split(" ") | map(select(. != ""))),
      roles: (.roles // ["guest"]), expires_at: (.exp | todate)}'
}

# random_note_id — an id of the shape the server gives notes (128 random bits in base64url), that
# no note has.
random_note_id() {
  openssl rand 16 | b64url
}

# checks_step9 BASE_URL — Step 9: tools that act for the caller the token names, and only for them:
# whoami, private notes kept in DATA_DIR, a greeting that says who asks, a log line per tool call.
# Needs KEYS_DIR, and DATA_DIR: the --data-dir the server was started with, with no notes in it yet.
# Restarts the server (BASE_URL changes), with broken notes files that it must refuse, and runs more
# Step 9 servers beside it (checks_step9_storage).
# shellcheck disable=SC2016 # '$ARGS' and '$id' in the jq filters are jq's variables, not the shell's
checks_step9() {
  BASE_URL=$1
  if [[ -z "$DATA_DIR" ]]; then die "DATA_DIR is not set: start the server with --data-dir \"\$DATA_DIR\""; fi
  local AUTH_TOKEN=""   # each request below says whose token it sends
  local alice bob ada ulla gina carol token era tool args i id second_id random_id text body secret
  local notes_file="$DATA_DIR/notes.json" database="$DATA_DIR/notes.sqlite" saved="$WORK_DIR/data.saved"
  local note_id_pattern='^[A-Za-z0-9_-]{22}$'
  local user_tools='["echo","get_time","note_create","note_delete","note_list","note_read","whoami"]'
  local tool_def='(.result.tools | map({(.name): .}) | add)'   # a tools/list result's tools, by name
  secret="the door code is $(openssl rand -hex 4)"   # the text of alice's note: nobody else may ever read it
  alice="$(mint_token)" || exit 1
  bob="$(mint_token --username bob --expires-in 1800 --client-id bobs-laptop)" || exit 1
  ada="$(mint_token --username ada --scopes mcp:admin --roles admin)" || exit 1
  ulla="$(mint_token --username ulla --scopes mcp:read,mcp:tools,mcp:prompts,mcp:admin --roles user)" || exit 1
  gina="$(mint_token --username gina --scopes mcp:read --roles guest)" || exit 1

  # --- Who sees which tools ---

  check "user: tools/list shows exactly $(and_list echo get_time "${STEP9_TOOLS[@]}"), in both eras"
    for era in legacy modern; do
      with_token "$alice" "post_mcp_$era" tools/list
      expect_result
      expect_json '[.result.tools[].name] | sort' "$user_tools"
    done

  check "admin: tools/list shows all eight tools, server_status too"
    with_token "$ada" post_mcp_modern tools/list
    expect_result
    expect_json '[.result.tools[].name] | sort' "$(jq -c '. + ["server_status"] | sort' <<<"$user_tools")"

  check "the user tools are fully described: title, description, closed input schema, output schema, annotations"
    with_token "$alice" post_mcp_legacy tools/list
    expect_result
    for tool in "${STEP9_TOOLS[@]}"; do
      expect_json "$tool_def.$tool | .title | type == \"string\" and length > 0" true
      expect_json "$tool_def.$tool | .description | type == \"string\" and length > 0" true
      expect_json "$tool_def.$tool | .inputSchema | [.type, .additionalProperties]" '["object",false]'
      expect_json "$tool_def.$tool | .outputSchema.type" object
      expect_json "$tool_def.$tool | .annotations.openWorldHint" false
    done
    expect_json "$tool_def.whoami.inputSchema.properties // {} | length" 0
    expect_json "$tool_def.whoami.outputSchema.required | contains([\"subject\", \"scopes\", \"roles\"])" true
    expect_json "$tool_def.note_create.inputSchema.required" '["title","text"]'
    expect_json "$tool_def.note_read.inputSchema.required" '["id"]'
    expect_json "$tool_def.note_delete.inputSchema.required" '["id"]'
    expect_json "$tool_def | map_values(.annotations.readOnlyHint) | {note_create, note_list, note_read, note_delete}" \
      '{"note_create":false,"note_list":true,"note_read":true,"note_delete":false}'
    expect_json "$tool_def.note_delete.annotations.destructiveHint" true

  check "guest: whoami and note_list are refused with 403 and no challenge: a guest's role never calls a tool"
    for tool in whoami note_list; do
      call_tool legacy "$gina" "$tool"
      expect_role_denied
    done

  # --- whoami: who the token says, never what the request claims ---

  check "whoami tells alice who she is, all from her token: issuer and subject, kind, username, client_id, scopes, roles, expires_at"
    for era in legacy modern; do
      call_tool "$era" "$alice" whoami
      expect_tool_result
      expect_json '.result.structuredContent | del(.effective_scopes)' "$(token_identity "$alice")"
      expect_json '.result.structuredContent.effective_scopes' '["mcp:prompts","mcp:read","mcp:tools"]'
    done

  check "whoami tells bob who he is: his subject, his client_id, his token's expiry"
    call_tool modern "$bob" whoami '{}'
    expect_tool_result
    expect_json '.result.structuredContent | del(.effective_scopes)' "$(token_identity "$bob")"
    expect_json '.result.structuredContent | [.subject, .client_id]' '["bob","bobs-laptop"]'

  check "whoami: subject is the token's sub, username its preferred_username, or the sub when there is none"
    token="$(rs256_token '.sub = "user-7f3a"')"   # preferred_username stays alice
    call_tool legacy "$token" whoami
    expect_tool_result
    expect_json '.result.structuredContent | [.subject, .username]' '["user-7f3a","alice"]'
    token="$(rs256_token '.sub = "user-7f3a" | del(.preferred_username)')"
    call_tool legacy "$token" whoami
    expect_tool_result
    expect_json '.result.structuredContent | [.subject, .username]' '["user-7f3a","user-7f3a"]'

  check "admin: whoami lists the admin's roles and effective scopes (mcp:admin implies the others)"
    call_tool legacy "$ada" whoami
    expect_tool_result
    expect_json '.result.structuredContent | [.subject, .scopes, .roles]' '["ada",["mcp:admin"],["admin"]]'
    expect_json '.result.structuredContent.effective_scopes' '["mcp:admin","mcp:prompts","mcp:read","mcp:tools"]'

  check "whoami with arguments ({\"subject\": \"bob\"}) is a tool error: who you are comes from the token"
    call_tool legacy "$alice" whoami '{"subject":"bob"}'
    expect_tool_error

  check "legacy: initialize with clientInfo name \"alice\" and bob's token: the instructions say signed in as bob"
    with_token "$bob" post_mcp_legacy initialize \
      '{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"alice","version":"1.0.0"}}'
    expect_result
    expect_json '.result.instructions | contains("signed in as bob")' true
    expect_json '.result.instructions | contains("alice")' false
    call_tool legacy "$bob" whoami
    expect_tool_result
    expect_json '.result.structuredContent.subject' bob

  check "modern: server/discover with clientInfo name \"alice\" in _meta and bob's token: signed in as bob"
    REQUEST_ID=$((REQUEST_ID + 1))
    body="$(modern_request server/discover \
      | jq -c '.params._meta["io.modelcontextprotocol/clientInfo"] = {name: "alice", version: "1.0.0"}')"
    with_token "$bob" post_mcp "$body" "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: server/discover"
    expect_result
    expect_json '.result.instructions | contains("signed in as bob")' true

  # --- Notes: each user's own ---

  check "before the first note the data folder holds no notes.json, and the notes database is empty"
    if [[ -e "$notes_file" ]]; then fail "no $notes_file" "$(ls -l "$notes_file")"; fi
    expectation_passed
    call_tool legacy "$alice" note_list
    expect_tool_result
    expect_json '.result.structuredContent' '{"notes":[],"all_users":false}'

  check "alice creates a note: its id is 22 characters of base64url (128 random bits); title and created_at come back"
    call_tool legacy "$alice" note_create "$(jq -nc --arg text "$secret" '{title: "Shopping list", text: $text}')"
    expect_tool_result
    expect_json ".result.structuredContent.id | test(\"$note_id_pattern\")" true
    expect_json '.result.structuredContent.title' "Shopping list"
    expect_json '.result.structuredContent.created_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")' true
    id="$(jq -r '.result.structuredContent.id' <<<"$LAST_BODY")"

  check "alice's second note has another id"
    call_tool modern "$alice" note_create '{"title":"Second","text":"to be deleted"}'
    expect_tool_result
    expect_json ".result.structuredContent.id | test(\"$note_id_pattern\") and . != \"$id\"" true
    second_id="$(jq -r '.result.structuredContent.id' <<<"$LAST_BODY")"

  check "alice lists her notes (owner: the workshop issuer and alice, all_users false) and reads one back: title and text"
    for era in legacy modern; do
      call_tool "$era" "$alice" note_list
      expect_tool_result
      expect_json '.result.structuredContent.all_users' false
      expect_json '[.result.structuredContent.notes[].id] | sort' "$(jq -nc '[$ARGS.positional[]] | sort' --args "$id" "$second_id")"
      expect_json ".result.structuredContent.notes[] | select(.id == \"$id\") | [.title, .owner.issuer, .owner.subject]" \
        "[\"Shopping list\",\"$WORKSHOP_ISSUER\",\"alice\"]"
      call_tool "$era" "$alice" note_read "{\"id\":\"$id\"}"
      expect_tool_result
      expect_json '.result.structuredContent.id' "$id"
      expect_json '.result.structuredContent.title' "Shopping list"
      expect_json '.result.structuredContent.text' "$secret"
    done

  check "bob's note_list is empty: alice's notes are not his"
    for era in legacy modern; do
      call_tool "$era" "$bob" note_list
      expect_tool_result
      expect_json '.result.structuredContent' '{"notes":[],"all_users":false}'
    done

  check "bob's note_read and note_delete of alice's id get exactly the tool error of an id that does not exist"
    random_id="$(random_note_id)"
    for tool in note_read note_delete; do
      call_tool legacy "$bob" "$tool" "{\"id\":\"$random_id\"}"
      expect_tool_error
      text="$(jq -r '.result.content[0].text' <<<"$LAST_BODY")"
      call_tool legacy "$bob" "$tool" "{\"id\":\"$id\"}"
      expect_tool_error "$text"
      expect_json "tostring | contains(\"$secret\") or contains(\"Shopping\")" false
      call_tool modern "$bob" "$tool" "{\"id\":\"$id\"}"
      expect_tool_error "$text"
    done

  check "after bob's attempts alice still has her note, unchanged"
    call_tool legacy "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result
    expect_json '.result.structuredContent.text' "$secret"

  check "a token with alice's username but another sub sees none of her notes: notes belong to the sub"
    token="$(rs256_token '.sub = "user-7f3a"')"   # preferred_username: alice
    call_tool legacy "$token" note_list
    expect_tool_result
    expect_json '.result.structuredContent.notes' '[]'
    call_tool legacy "$token" note_read "{\"id\":\"$id\"}"
    expect_tool_error

  check "admin: note_list shows every user's notes with their owners (all_users true), never their text"
    call_tool legacy "$bob" note_create '{"title":"A note of his own","text":"bob was here"}'
    expect_tool_result
    call_tool modern "$ada" note_list
    expect_tool_result
    expect_json '.result.structuredContent.all_users' true
    expect_json ".result.structuredContent.notes[] | select(.id == \"$id\") | [.owner.subject, .title]" '["alice","Shopping list"]'
    expect_json '[.result.structuredContent.notes[].owner.subject] | unique' '["alice","bob"]'
    expect_json '[.result.structuredContent.notes[].owner.issuer] | unique' "[\"$WORKSHOP_ISSUER\"]"
    expect_json '[.result.structuredContent.notes[] | has("text")] | any' false
    expect_json "tostring | contains(\"$secret\")" false

  check "admin: note_read and note_delete of alice's note are tool errors (it stays hers); she still has it"
    for tool in note_read note_delete; do
      call_tool legacy "$ada" "$tool" "{\"id\":\"$random_id\"}"
      expect_tool_error
      text="$(jq -r '.result.content[0].text' <<<"$LAST_BODY")"
      call_tool legacy "$ada" "$tool" "{\"id\":\"$id\"}"
      expect_tool_error "$text"
    done
    call_tool legacy "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result

  check "a user whose token holds mcp:admin lists only her own notes: her role bounds the scope"
    call_tool legacy "$ulla" note_list
    expect_tool_result
    expect_json '.result.structuredContent' '{"notes":[],"all_users":false}'

  # --- Arguments: checked before anything is done ---

  check "note_create with bad arguments is a tool error, and saves nothing"
    for args in '{}' '{"title":"t"}' '{"text":"x"}' '{"title":"","text":"x"}' '{"title":"t","text":""}' \
      '{"title":1,"text":"x"}' '{"title":"t","text":"x","owner":"bob"}' '"x"' '[]' \
      "{\"title\":\"$(printf 'x%.0s' {1..201})\",\"text\":\"x\"}" \
      "{\"title\":\"t\",\"text\":\"$(printf 'x%.0s' {1..10001})\"}"; do
      call_tool legacy "$alice" note_create "$args"
      expect_tool_error
    done
    call_tool legacy "$alice" note_list
    expect_json '.result.structuredContent.notes | length' 2

  check "a title of 200 characters (é: 400 bytes) is accepted: lengths count characters"
    call_tool legacy "$alice" note_create "{\"title\":\"$(printf 'é%.0s' {1..200})\",\"text\":\"x\"}"
    expect_tool_result
    call_tool legacy "$alice" note_delete "$(jq -c '{id: .result.structuredContent.id}' <<<"$LAST_BODY")"
    expect_tool_result

  check "note_read and note_delete with bad arguments are tool errors"
    for tool in note_read note_delete; do
      for args in '' '{}' '{"id":5}' '{"id":""}' "{\"id\":\"$id\",\"owner\":\"alice\"}" \
        "{\"id\":\"$(printf 'x%.0s' {1..65})\"}"; do
        call_tool legacy "$alice" "$tool" "$args"
        expect_tool_error
      done
    done
    call_tool legacy "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result

  check "note_list with an argument ({\"owner\": \"bob\"}) is a tool error"
    for args in '{"owner":"bob"}' '{"all_users":true}'; do
      call_tool legacy "$alice" note_list "$args"
      expect_tool_error
    done

  check "tools/call with arguments \"x\" (not an object) is a tool error, for every tool, in both eras"
    for era in legacy modern; do
      for tool in whoami note_list note_read echo get_time; do
        call_tool "$era" "$alice" "$tool" '"x"'
        expect_tool_error
      done
    done

  # --- Deleting ---

  check "alice deletes her second note: deleted true; after that it is the error of an id that does not exist"
    call_tool modern "$alice" note_delete "{\"id\":\"$second_id\"}"
    expect_tool_result
    expect_json '.result.structuredContent' "{\"id\":\"$second_id\",\"deleted\":true}"
    for tool in note_read note_delete; do
      call_tool legacy "$alice" "$tool" "{\"id\":\"$random_id\"}"
      expect_tool_error
      text="$(jq -r '.result.content[0].text' <<<"$LAST_BODY")"
      call_tool legacy "$alice" "$tool" "{\"id\":\"$second_id\"}"
      expect_tool_error "$text"
    done
    call_tool legacy "$alice" note_list
    expect_json '[.result.structuredContent.notes[].id]' "[\"$id\"]"

  check "a user keeps at most 100 notes: the 101st is a tool error, and deleting one makes room"
    carol="$(mint_token --username carol)" || exit 1
    for ((i = 1; i <= 100; i++)); do
      body="{\"name\":\"note_create\",\"arguments\":{\"title\":\"note $i\",\"text\":\"x\"}}"
      with_token "$carol" post_mcp_legacy tools/call "$body"
      # A plain match, not jq: this runs 100 times.
      if [[ "$LAST_STATUS" != 200 || "$LAST_BODY" != *'"isError":false'* ]]; then
        fail "note $i is saved" "HTTP $LAST_STATUS: $LAST_BODY"
      fi
    done
    expectation_passed
    call_tool legacy "$carol" note_create '{"title":"one too many","text":"x"}'
    expect_tool_error
    call_tool legacy "$carol" note_list
    expect_json '.result.structuredContent.notes | length' 100
    call_tool legacy "$carol" note_delete "$(jq -c '{id: .result.structuredContent.notes[0].id}' <<<"$LAST_BODY")"
    expect_tool_result
    call_tool legacy "$carol" note_create '{"title":"room again","text":"x"}'
    expect_tool_result

  # --- The notes database ---

  check "the notes database in --data-dir is readable by its owner only (600), in a folder that is 700; alice's note in it, owned by (issuer, alice)"
    if [[ -z "$(find "$database" -perm 600)" ]]; then fail "$database with mode 600" "$(ls -l "$database")"; fi
    expectation_passed
    if [[ -z "$(find "$DATA_DIR" -maxdepth 0 -perm 700)" ]]; then
      fail "$DATA_DIR with mode 700" "$(ls -ld "$DATA_DIR")"
    fi
    expectation_passed
    expect_sqlite "$database" "SELECT owner_issuer || ' ' || owner_subject FROM notes WHERE id = '$id'" "$WORKSHOP_ISSUER alice"

  # --- Personal answers, and the log ---

  check "prompts/get greeting with bob's token says it comes from bob, whatever the name argument says"
    for era in legacy modern; do
      with_token "$bob" "post_mcp_$era" prompts/get '{"name":"greeting","arguments":{"name":"alice"}}'
      expect_result
      expect_json '.result.messages[0].content.text | contains("bob")' true
    done

  check "every tool call is logged with the caller's subject, the tool and the outcome (ok or error)"
    expect_log "tools/call" "sub=alice" "tool=note_create" "outcome=ok"
    expect_log "tools/call" "sub=alice" "tool=whoami" "outcome=error"
    expect_log "tools/call" "sub=bob" "tool=note_read" "outcome=error"
    expect_log "tools/call" "sub=ada" "tool=note_list" "outcome=ok"
    expect_log "tools/call" "sub=alice" "tool=echo" "outcome=error"

  check "the log holds no note text and no token"
    expect_no_log "$secret"
    for token in "$alice" "$bob" "$ada"; do expect_no_log "$token"; done

  # --- Notes are kept: across restarts, and never thrown away ---

  check "notes survive a restart: alice lists and reads her note again"
    restart_server
    alice="$(mint_token)" || exit 1   # BASE_URL changed, and with it the audience
    call_tool legacy "$alice" note_list
    expect_tool_result
    expect_json '[.result.structuredContent.notes[].id]' "[\"$id\"]"
    call_tool modern "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result
    expect_json '.result.structuredContent.text' "$secret"

  stop_server_process
  cp -pR "$DATA_DIR" "$saved" || die "cannot copy $DATA_DIR"
  for body in 'garbage, not JSON' '{"notes":[]}'; do
    check "with $body in an old notes.json the server refuses to start: non-zero exit, 'left as it is'; the file is unchanged"
      printf '%s\n' "$body" >"$notes_file"
      cp -p "$notes_file" "$WORK_DIR/notes.broken.json"
      start_server_expecting_exit
      expect_exit_failure
      expect_log "notes.json" "left as it is"
      if ! cmp -s "$notes_file" "$WORK_DIR/notes.broken.json"; then
        fail "$notes_file unchanged: $body" "$(head -c 300 "$notes_file")"
      fi
      expectation_passed
  done
  rm -f "$notes_file"

  check "with a notes.sqlite that is not a database the server refuses to start: non-zero exit, 'left as it is'; the file is unchanged"
    rm -f "$database" "$database-wal" "$database-shm"
    printf 'not a database %.0s' {1..40} >"$database"
    cp -p "$database" "$WORK_DIR/notes.broken.sqlite"
    start_server_expecting_exit
    expect_exit_failure
    expect_log "notes.sqlite" "left as it is"
    if ! cmp -s "$database" "$WORK_DIR/notes.broken.sqlite"; then fail "$database unchanged" "it changed"; fi
    expectation_passed

  check "with the notes database put back, the server starts again and alice's note is there"
    rm -rf "$DATA_DIR"
    cp -pR "$saved" "$DATA_DIR"
    restart_server_with
    alice="$(mint_token)" || exit 1
    call_tool legacy "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result
    expect_json '.result.structuredContent.text' "$secret"
    ada="$(mint_token --username ada --scopes mcp:admin --roles admin)" || exit 1
    call_tool legacy "$ada" note_list
    expect_tool_result
    expect_json '.result.structuredContent.notes | length' "$(sqlite_query "$saved/notes.sqlite" "SELECT count(*) FROM notes" || echo 102)"

  checks_step9_storage
}
