# test_steps/lib.sh — what the black-box step scripts share. Sourced, never run on its own.
#
# Needs bash, curl and jq (python3, if present, picks the free port). A script reads like this:
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
#           6. the checks of each step (checks_step1 … checks_step4)

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

READY_TIMEOUT="${READY_TIMEOUT:-30}"   # seconds to wait for GET /health before giving up

# ---------------------------------------------------------------------------------------------
# 2. The server under test
# ---------------------------------------------------------------------------------------------

STEP=""; BASE_URL=""; PORT=""; SERVER_PID=""; SERVER_LOG=""; WORK_DIR=""

# start_server STEP [OPTION...] — runs .build/debug/StepN (building it if missing) on a free port,
# waits until GET /health answers, and sets BASE_URL (http://127.0.0.1:PORT) and SERVER_LOG.
start_server() {
  STEP=$1; shift
  local binary="$REPO_ROOT/.build/debug/Step$STEP"
  if [[ ! -x "$binary" ]]; then
    note ".build/debug/Step$STEP is missing: building it with 'swift build --product Step$STEP'"
    (cd "$REPO_ROOT" && swift build --product "Step$STEP") || die "swift build --product Step$STEP failed"
  fi

  WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/test_step$STEP.XXXXXX")"
  SERVER_LOG="$WORK_DIR/server.log"
  trap stop_server EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  # Another program may take the port between picking it and binding it: then try another one.
  local attempt
  for attempt in 1 2 3; do
    PORT="$(free_port)"
    BASE_URL="http://127.0.0.1:$PORT"
    "$binary" --port "$PORT" "$@" >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    if wait_until_ready; then
      note "Step $STEP is running at $BASE_URL (pid $SERVER_PID)"
      return 0
    fi
    note "port $PORT was taken (attempt $attempt of 3); trying another one"
  done
  die "Step $STEP could not bind a free port in 3 attempts"
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

# stop_server — the EXIT trap: stops the server (TERM, then KILL after 5 s) and removes temporary files.
stop_server() {
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
  if [[ -n "$WORK_DIR" ]]; then rm -rf "$WORK_DIR"; fi
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

# send METHOD PATH BODY [HEADER...] — any HTTP request. BODY "" sends none; "@FILE" sends a file.
send() {
  local method=$1 path=$2 body=$3
  shift 3
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

# expect_log TEXT — the server printed TEXT (a fixed string); output may lag a little, so poll up to 5 s.
expect_log() {
  local tries=0
  until grep -qF -- "$1" "$SERVER_LOG"; do
    if ((tries == 50)); then
      LAST_REQUEST_LINE=""
      fail "the server's output contains: $1" "it does not (the output is below)"
    fi
    sleep 0.1
    tries=$((tries + 1))
  done
  expectation_passed
}

# ---------------------------------------------------------------------------------------------
# 6. What each step must do. A later step's script runs every earlier step's checks too.
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
    expect_json '.result.cacheScope' public
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

# Tool and prompt definitions are the same in both eras; these expect them in the last response.
expect_tool_definitions() {
  local tool
  expect_json '[.result.tools[].name] | sort' '["echo","get_time"]'
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

  check "legacy: tools/list describes echo and get_time (title, schemas, annotations)"
    post_mcp_legacy tools/list
    expect_result
    expect_tool_definitions

  check "modern: tools/list describes the same tools, complete and cacheable"
    post_mcp_modern tools/list
    expect_result
    expect_tool_definitions
    expect_json '.result.resultType' complete
    expect_json '.result.ttlMs | type == "number" and . > 0' true
    expect_json '.result.cacheScope' public

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
    expect_json '.result.cacheScope' public

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
