# test_steps/lib.sh — the harness of the black-box scripts: it starts servers, sends requests and
# judges the answers. Sourced, never run on its own; the step scripts (test_stepN.sh), serve.sh,
# bench/ and Tests/Interop/python/ share it. What each step promises is in checks/stepN.sh.
# shellcheck shell=bash disable=SC2034 # its constants and state are read by the scripts that source it
#
# Needs bash, curl and jq (python3, if present, picks the free port); from Step 5 on also openssl
# and xxd, to check the published key and to sign tokens of its own; Step 9 also cmp (diffutils), to
# check that a notes file was left as it was. A step's script reads like this:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   use_checks 1 2 3               # checks/step1.sh … checks/step3.sh: checks_step1 … checks_step3
#   start_server 3                 # .build/debug/Step3 on a free port, once GET /health answers
#   check_banner                   # the start-up banner says where it listens
#   checks_step1 "$BASE_URL" 3     # what Step 1 promised still holds (the health says "step":3)
#   checks_step2 "$BASE_URL"       # what Step 2 promised
#   checks_step3 "$BASE_URL"       # what Step 3 adds
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
# back, and the end of the server's log, then exits non-zero. The servers are stopped on every
# exit path (success, failure, Ctrl-C).
#
# The checks of Step N are one function, checks_stepN in checks/stepN.sh, called as
#
#   checks_stepN BASE_URL [ARGUMENT...] [--OPTION VALUE...]
#
# BASE_URL comes first; then what the checks always need to know about the server and cannot ask
# it (Step 1's and Step 8's: the step that runs, which the server reports; Step 9's: its
# --data-dir); then options, each a --name and one value, for what a later step changes about the
# promise. A step's own script passes no options; a later step's passes those that apply to it:
#
#   checks_step3 "$BASE_URL" --token "$token" --cache-scope private --extra-tools "whoami note_list"
#
#   --token TOKEN        (checks_step1 … checks_step5) every request carries "Authorization: Bearer
#                        TOKEN": from Step 6 on /mcp needs one
#   --cache-scope SCOPE  (checks_step3) the cacheScope of a modern tools/list or prompts/list:
#                        public (the default), private from Step 8 on, where lists depend on the caller
#   --extra-tools "NAME…" (checks_step3, checks_step8) the tools an ordinary user's tools/list shows
#                        besides echo and get_time, in order (Step 9's user tools)
#
# A checks function refuses an option it does not know. The harness's own state — BASE_URL (where
# the requests go: each checks function sets it from its first argument), SERVER_LOG, WORK_DIR (this
# run's temporary folder), KEYS_DIR (the token desk's key folder, which signs this run's tokens),
# DATA_DIR — is set by start_server and read by the helpers below; checks change it only by
# restarting the server.
#
# Contents: 1. protocol constants  2. servers  3. checks  4. requests  5. expectations
#           6. keys and tokens  7. words

# ---------------------------------------------------------------------------------------------
# 1. Where things are, and the protocol's constants
# ---------------------------------------------------------------------------------------------

TEST_STEPS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$TEST_STEPS_DIR/.." && pwd)"
DEBUG_BIN_DIR="$REPO_ROOT/.build/debug"
BIN_DIR="$DEBUG_BIN_DIR"   # where the programs under test are; bench/ points it at a release build

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

READY_TIMEOUT="${READY_TIMEOUT:-30}"   # seconds to wait for GET /health before giving up
AVOID_PORTS="${AVOID_PORTS:-}"         # ports free_port never picks (space-separated)

# ---------------------------------------------------------------------------------------------
# 2. The servers under test: a step, and beside it, if need be, the workshop issuer
# ---------------------------------------------------------------------------------------------

STEP=""; BASE_URL=""; PORT=""; SERVER_PID=""; SERVER_LOG=""; SERVER_OUT=""; WORK_DIR=""
SERVER_STDOUT=""; ISSUER_STDOUT=""
SERVER_OPTIONS=(); START_OPTIONS=(); SERVER_ARGV=(); SERVER_STARTED=""; FIXED_PORT=""
KEYS_DIR=""   # the token desk's folder: the key pair that signs this run's tokens (Steps 5 on)
DATA_DIR=""   # Step 9: the folder of the server's notes, its --data-dir
ISSUER_URL=""; ISSUER_PORT=""; ISSUER_PID=""; ISSUER_LOG=""; ISSUER_OUT=""; ISSUER_ARGV=(); ISSUER_STARTED=""
EXIT_HOOKS=()   # commands the exit trap runs before it stops the servers (bench/ stops wrk this way)

# script_help "$@" — for a script that takes no arguments: with -h or --help, prints the script's
# opening comment (what it checks, and its usage) and exits 0; with anything else, exits 2.
script_help() {
  local script="${BASH_SOURCE[1]}"
  if (($# == 0)); then return 0; fi
  if [[ "$1" == -h || "$1" == --help ]]; then
    sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$script"
    exit 0
  fi
  echo "${script##*/} takes no arguments (got: $*); see ${script##*/} --help" >&2
  exit 2
}

# use_checks N... — sources checks/stepN.sh for each N: the functions checks_stepN.
use_checks() {
  local step
  for step in "$@"; do
    # shellcheck source=/dev/null
    source "$TEST_STEPS_DIR/checks/step$step.sh" || die "cannot read test_steps/checks/step$step.sh"
  done
}

# make_work_dir NAME — creates WORK_DIR, the run's temporary folder, removed on exit with the
# servers stopped. start_server makes one when there is none.
make_work_dir() {
  local name=$1
  if [[ "$name" =~ ^[0-9]+$ ]]; then name="test_step$name"; fi
  WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")"
  trap stop_server EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# ensure_built PRODUCT — makes sure BIN_DIR holds PRODUCT: builds .build/debug/PRODUCT with
# 'swift build' if it is missing (any other BIN_DIR is someone else's build: then it is an error).
ensure_built() {
  if [[ -x "$BIN_DIR/$1" ]]; then return 0; fi
  if [[ "$BIN_DIR" != "$DEBUG_BIN_DIR" ]]; then die "$BIN_DIR/$1 is missing"; fi
  note ".build/debug/$1 is missing: building it with 'swift build --product $1'" >&2
  (cd "$REPO_ROOT" && swift build --product "$1") >&2 || die "swift build --product $1 failed"
}

# start_server [--on-port PORT] STEP [OPTION...] — runs BIN_DIR/StepN with the OPTIONs (building it
# if missing) on a free port, waits until GET /health answers, and sets BASE_URL
# (http://127.0.0.1:PORT), SERVER_PID and SERVER_LOG, the server's output. If SERVER_STDOUT names a
# file, the standard output goes there apart (SERVER_OUT: the banner; SERVER_LOG: the log lines).
# A step that reads keys (Step 5 on) gets a folder of this run, WORK_DIR/keys, unless the OPTIONs
# name one with --keys-dir; either way KEYS_DIR is that folder, and when it holds no public key yet
# the token desk creates the pair there first (generate_token keys): a step loads the public key,
# it never makes one. A step that keeps notes (Step 9) gets WORK_DIR/data as its --data-dir unless
# the OPTIONs name one, in DATA_DIR. Never the repository's keys/ or data/.
# --on-port PORT: on PORT, not a free one (when another server must know the address first, as an
# issuer's --resource does); then start_server returns 1 if PORT is taken, and restarts keep PORT.
start_server() {
  FIXED_PORT=""
  if [[ "${1:-}" == --on-port ]]; then FIXED_PORT=$2; shift 2; fi
  STEP=$1; shift
  START_OPTIONS=("$@")
  ensure_built "$(server_program)"
  if [[ -z "$WORK_DIR" ]]; then make_work_dir "test_step$STEP"; fi
  SERVER_LOG="$WORK_DIR/server.log"
  SERVER_OUT="${SERVER_STDOUT:-$SERVER_LOG}"
  local help folder
  help="$("$BIN_DIR/$(server_program)" --help 2>&1)" || true
  if [[ "$help" == *--keys-dir* ]]; then
    if folder="$(option_value --keys-dir ${START_OPTIONS[@]+"${START_OPTIONS[@]}"})"; then
      KEYS_DIR=$folder
    else
      KEYS_DIR="$WORK_DIR/keys"
      START_OPTIONS=(--keys-dir "$KEYS_DIR" ${START_OPTIONS[@]+"${START_OPTIONS[@]}"})
    fi
    make_keys "$KEYS_DIR"
  fi
  if [[ "$help" == *--data-dir* ]]; then
    if folder="$(option_value --data-dir ${START_OPTIONS[@]+"${START_OPTIONS[@]}"})"; then
      DATA_DIR=$folder
    else
      DATA_DIR="$WORK_DIR/data"
      START_OPTIONS+=(--data-dir "$DATA_DIR")
    fi
  fi
  SERVER_OPTIONS=(${START_OPTIONS[@]+"${START_OPTIONS[@]}"})
  launch_server
}

# server_program — the program start_server runs: BIN_DIR/StepN, or SERVER_PROGRAM when a script
# sets it (Delegation: Step 9 plus one capability, which keeps Step 9's promises as step 9).
SERVER_PROGRAM="${SERVER_PROGRAM:-}"
server_program() {
  printf '%s' "${SERVER_PROGRAM:-Step$STEP}"
}

# restart_server — stops the server and starts it again with the same options, on another port
# (BASE_URL changes; with --on-port, the same port) and with a fresh SERVER_LOG; the files in
# WORK_DIR stay.
restart_server() {
  stop_server_process
  launch_server
}

# restart_server_with [OPTION...] — restart_server with the options start_server was given plus the
# OPTIONs (for an option given once, the last value counts); with no OPTION, back to the options it
# was started with. BASE_URL changes.
restart_server_with() {
  SERVER_OPTIONS=(${START_OPTIONS[@]+"${START_OPTIONS[@]}"} "$@")
  restart_server
}

launch_server() {
  # Another program may take the port between picking it and binding it: then try another one.
  local attempt
  for attempt in 1 2 3; do
    PORT="${FIXED_PORT:-$(free_port)}"
    BASE_URL="http://127.0.0.1:$PORT"
    SERVER_ARGV=("$BIN_DIR/$(server_program)" --port "$PORT" ${SERVER_OPTIONS[@]+"${SERVER_OPTIONS[@]}"})
    SERVER_STARTED="$(date +%s.%N)"
    run_in_background "$SERVER_OUT" "$SERVER_LOG" "${SERVER_ARGV[@]}"
    SERVER_PID=$!
    if wait_for_server "$SERVER_PID" "$PORT" "$SERVER_OUT" "$SERVER_LOG" "Step $STEP"; then
      note "Step $STEP is running at $BASE_URL (pid $SERVER_PID)"
      return 0
    fi
    SERVER_PID=""
    if [[ -n "$FIXED_PORT" ]]; then
      note "port $PORT was taken: Step $STEP could not bind it"
      return 1
    fi
    note "port $PORT was taken (attempt $attempt of 3); trying another one"
  done
  die "Step $STEP could not bind a free port in 3 attempts"
}

# start_issuer [OPTION...] — runs the workshop issuer, BIN_DIR/generate_token serve, with the OPTIONs
# on a free port, beside the step (if one runs), and waits until GET /health answers. Its key pair is
# the --keys-dir of the OPTIONs, or WORK_DIR/keys: created by the token desk first if it holds none.
# Sets ISSUER_URL, ISSUER_PORT, ISSUER_PID, ISSUER_LOG (its output; if ISSUER_STDOUT names a file,
# the standard output goes there apart, in ISSUER_OUT) and ISSUER_KEYS_DIR. The request helpers keep
# speaking to BASE_URL: to speak to the issuer, set BASE_URL="$ISSUER_URL" (and
# SERVER_LOG="$ISSUER_LOG" for the log expectations).
ISSUER_KEYS_DIR=""
start_issuer() {
  local options=("$@") attempt folder
  ensure_built generate_token
  if [[ -z "$WORK_DIR" ]]; then make_work_dir issuer; fi
  ISSUER_LOG="$WORK_DIR/issuer.log"
  ISSUER_OUT="${ISSUER_STDOUT:-$ISSUER_LOG}"
  if folder="$(option_value --keys-dir ${options[@]+"${options[@]}"})"; then
    ISSUER_KEYS_DIR=$folder
  else
    ISSUER_KEYS_DIR="$WORK_DIR/keys"
    options=(--keys-dir "$ISSUER_KEYS_DIR" ${options[@]+"${options[@]}"})
  fi
  make_keys "$ISSUER_KEYS_DIR"
  for attempt in 1 2 3; do
    ISSUER_PORT="$(free_port)"
    ISSUER_URL="http://127.0.0.1:$ISSUER_PORT"
    ISSUER_ARGV=("$BIN_DIR/generate_token" serve --port "$ISSUER_PORT" "${options[@]}")
    ISSUER_STARTED="$(date +%s.%N)"
    run_in_background "$ISSUER_OUT" "$ISSUER_LOG" "${ISSUER_ARGV[@]}"
    ISSUER_PID=$!
    if wait_for_server "$ISSUER_PID" "$ISSUER_PORT" "$ISSUER_OUT" "$ISSUER_LOG" "the issuer"; then
      note "the issuer is running at $ISSUER_URL (pid $ISSUER_PID)"
      return 0
    fi
    ISSUER_PID=""
    note "port $ISSUER_PORT was taken (attempt $attempt of 3); trying another one"
  done
  die "the issuer could not bind a free port in 3 attempts"
}

# check_banner — the check of the start-up banner: it says where Step STEP listens, and prints the
# URLs of what the step serves (the MCP endpoint from Step 2 on, the JWK Set from Step 5 on, the
# resource metadata from Step 7 on).
check_banner() {
  local what=() lines=()
  if ((STEP >= 2)); then what+=("the MCP endpoint"); lines+=("MCP endpoint: $BASE_URL/mcp"); fi
  if ((STEP >= 5)); then what+=("JWKS"); lines+=("JWKS: $BASE_URL/.well-known/jwks.json"); fi
  if ((STEP >= 7)); then what+=("metadata"); lines+=("Resource metadata: $BASE_URL$METADATA_PATH"); fi
  local name="the start-up banner says where Step $STEP listens"
  if ((${#what[@]} == 1)); then name+=" and prints ${what[0]} URL"; fi
  if ((${#what[@]} > 1)); then name+=" and prints $(and_list "${what[@]}") URLs"; fi
  check "$name"
    expect_log "Step $STEP listening on $BASE_URL"
    local line
    for line in ${lines[@]+"${lines[@]}"}; do expect_log "$line"; done
}

# start_server_expecting_exit [OPTION...] — for a server that must refuse to start (say, a file is in
# its way, or an option is wrong): stops the one that runs, starts BIN_DIR/StepN again with the
# options start_server was given and the OPTIONs, and waits for it to exit, at most READY_TIMEOUT
# seconds. Sets EXIT_STATUS; its output is in SERVER_LOG
# (for expect_log). Fails if it starts listening instead, or is still running when the time is up
# (the exit trap then stops it). restart_server_with starts a server again.
EXIT_STATUS=""
start_server_expecting_exit() {
  stop_server_process
  local deadline=$((SECONDS + READY_TIMEOUT))
  PORT="${FIXED_PORT:-$(free_port)}"
  BASE_URL="http://127.0.0.1:$PORT"
  LAST_REQUEST_LINE=""   # no request to report if this fails
  SERVER_ARGV=("$BIN_DIR/$(server_program)" --port "$PORT" ${START_OPTIONS[@]+"${START_OPTIONS[@]}"} "$@")
  # Emptied here, not only in the child: the loop below must never read the last server's banner.
  : >"$SERVER_OUT"
  : >"$SERVER_LOG"
  run_in_background "$SERVER_OUT" "$SERVER_LOG" "${SERVER_ARGV[@]}"
  SERVER_PID=$!
  while kill -0 "$SERVER_PID" 2>/dev/null; do
    if grep -qs "listening on" "$SERVER_OUT"; then fail "Step $STEP refuses to start" "it is listening on port $PORT"; fi
    if ((SECONDS > deadline)); then fail "Step $STEP exits within ${READY_TIMEOUT}s" "it is still running"; fi
    sleep 0.1
  done
  EXIT_STATUS=0
  wait "$SERVER_PID" 2>/dev/null || EXIT_STATUS=$?
  SERVER_PID=""
  note "Step $STEP exited with status $EXIT_STATUS"
}

# run_in_background OUT LOG COMMAND... — starts COMMAND in the background with its standard output
# in the file OUT and its standard error in LOG (one file when they are the same); $! is its pid.
run_in_background() {
  local out=$1 log=$2
  shift 2
  if [[ "$out" == "$log" ]]; then
    "$@" >"$log" 2>&1 </dev/null &
  else
    "$@" >"$out" 2>"$log" </dev/null &
  fi
}

# option_value NAME [ARGUMENT...] — prints the value of the last "NAME VALUE" or "NAME=VALUE" among
# the ARGUMENTs; returns 1 if there is none.
option_value() {
  local name=$1 found=1 value=""
  shift
  while (($# > 0)); do
    if [[ "$1" == "$name" && $# -ge 2 ]]; then value=$2; found=0; shift
    elif [[ "$1" == "$name="* ]]; then value=${1#"$name="}; found=0
    fi
    shift
  done
  if ((found == 0)); then printf '%s\n' "$value"; fi
  return "$found"
}

# free_port — prints a TCP port that nothing listens on right now (and that is not in AVOID_PORTS).
free_port() {
  local port
  while :; do
    if command -v python3 >/dev/null 2>&1; then
      port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    else
      port=$((49152 + RANDOM % 16384))   # a random ephemeral port; start_server retries if it is taken
    fi
    if [[ " $AVOID_PORTS " != *" $port "* ]]; then break; fi
  done
  echo "$port"
}

# wait_for_server PID PORT OUT LOG NAME — polls until the process PID says on its standard output
# (the file OUT) that it listens on PORT and GET /health answers 2xx. Returns 1 if the port was
# already in use; gives up (with the server's output) on any other problem. NAME is what messages
# call it.
wait_for_server() {
  local pid=$1 port=$2 out=$3 log=$4 name=$5 deadline=$((SECONDS + READY_TIMEOUT)) status=0
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || status=$?
      if grep -qsi "address already in use" "$out" "$log"; then return 1; fi
      die_with_output "$name exited (status $status) before answering GET /health" "$out" "$log"
    fi
    # The banner proves that the process answering is ours, not another one on the same port.
    if grep -qs "listening on .*:$port\$" "$out" \
      && curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$port/health"; then
      return 0
    fi
    if ((SECONDS > deadline)); then
      die_with_output "$name did not answer GET http://127.0.0.1:$port/health within ${READY_TIMEOUT}s" "$out" "$log"
    fi
    sleep 0.1
  done
}

# wait_until_ready — wait_for_server for the step in SERVER_PID, on PORT.
wait_until_ready() {
  wait_for_server "$SERVER_PID" "$PORT" "${SERVER_OUT:-$SERVER_LOG}" "$SERVER_LOG" "Step $STEP"
}

# stop_server — the exit trap: runs EXIT_HOOKS, stops the step and the issuer, and removes WORK_DIR.
stop_server() {
  local hook
  for hook in ${EXIT_HOOKS[@]+"${EXIT_HOOKS[@]}"}; do "$hook" || true; done
  stop_server_process
  stop_process "$ISSUER_PID"
  ISSUER_PID=""
  if [[ -n "$WORK_DIR" ]]; then rm -rf "$WORK_DIR"; fi
  WORK_DIR=""
}

# stop_server_process — stops the step (not the issuer), and keeps WORK_DIR.
stop_server_process() {
  stop_process "$SERVER_PID"
  SERVER_PID=""
}

# stop_process PID — stops a process this script started: TERM, then KILL after 5 s.
stop_process() {
  if [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    local tries=0
    while kill -0 "$1" 2>/dev/null && ((tries < 50)); do
      sleep 0.1
      tries=$((tries + 1))
    done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}

# ---------------------------------------------------------------------------------------------
# 3. Checks: one named group of expectations, one "ok - …" line
# ---------------------------------------------------------------------------------------------

CHECK_NAME=""; CHECK_EXPECTATIONS=0; CHECKS_PASSED=0
# When set, each check's outcome is also appended to this file, one line each ("ok - NAME" or
# "not ok - NAME"): run_all.sh counts them so.
TEST_STEPS_RESULTS="${TEST_STEPS_RESULTS:-}"

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
  record_result "ok - $CHECK_NAME"
  CHECKS_PASSED=$((CHECKS_PASSED + 1))
  CHECK_NAME=""
}

record_result() {
  if [[ -n "$TEST_STEPS_RESULTS" ]]; then printf '%s\n' "$1" >>"$TEST_STEPS_RESULTS"; fi
}

# finish — ends the script: the last check passed, and so did the whole step.
finish() {
  close_check
  local name="${SERVER_PROGRAM:-Step $STEP}"
  if ((CHECKS_PASSED == 1)); then echo "# $name: 1 check passed"; else echo "# $name: all $CHECKS_PASSED checks passed"; fi
}

note() { echo "# $*"; }

die() {
  echo "not ok - ${CHECK_NAME:-setup}" >&2
  echo "  $*" >&2
  record_result "not ok - ${CHECK_NAME:-setup}"
  exit 1
}

# die_with_output WHY FILE... — gives up, showing the server's output (the FILEs, each once).
die_with_output() {
  local why=$1 file shown=" "
  shift
  echo "not ok - ${CHECK_NAME:-starting Step $STEP}" >&2
  echo "  $why" >&2
  echo "  server output:" >&2
  for file in "$@"; do
    if [[ "$shown" == *" $file "* ]]; then continue; fi
    shown+="$file "
    sed 's/^/    | /' "$file" >&2 || true
  done
  record_result "not ok - ${CHECK_NAME:-starting Step $STEP}"
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
  record_result "not ok - $CHECK_NAME"
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
# 6. Keys and tokens (Steps 5 on): the token desk's key pair in KEYS_DIR, tokens from generate_token,
#    and tokens signed here with openssl, to try what generate_token would never mint.
# ---------------------------------------------------------------------------------------------

# make_keys DIR — the key pair in DIR, made by the token desk (generate_token keys --keys-dir DIR)
# unless DIR already holds a public key. The desk makes keys; a step only loads the public one.
make_keys() {
  if [[ -f "$1/public.pem" || -f "$1/jwks.json" ]]; then return 0; fi
  ensure_built generate_token
  local log="${WORK_DIR:-${TMPDIR:-/tmp}}/generate_token.log"
  "$BIN_DIR/generate_token" keys --keys-dir "$1" >/dev/null 2>>"$log" \
    || die "generate_token keys --keys-dir $1 failed: $(tail -n 3 "$log")"
}

# token_desk ARGUMENT... — runs BIN_DIR/generate_token (building it if missing) on the key pair in KEYS_DIR.
# Its summaries for people go to WORK_DIR/generate_token.log.
token_desk() {
  if [[ -z "$KEYS_DIR" ]]; then die "KEYS_DIR is not set: start a step that reads keys (Step 5 on), or make_keys first"; fi
  ensure_built generate_token
  "$BIN_DIR/generate_token" "$@" --keys-dir "$KEYS_DIR" 2>>"$WORK_DIR/generate_token.log" \
    || die "generate_token $* failed: $(tail -n 3 "$WORK_DIR/generate_token.log")"
}

# mint_token [OPTION...] — an access token from generate_token (for alice, with its default scopes
# and roles) for this server: its audience is $BASE_URL/mcp unless an --audience OPTION says otherwise.
# shellcheck disable=SC2120 # callers pass OPTIONs, or none
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
# 7. Words, for the names of checks
# ---------------------------------------------------------------------------------------------

# and_list WORD... — "a", "a and b", "a, b and c".
and_list() {
  local text=$1 i
  for ((i = 2; i <= $#; i++)); do
    if ((i == $#)); then text+=" and ${!i}"; else text+=", ${!i}"; fi
  done
  printf '%s' "$text"
}
