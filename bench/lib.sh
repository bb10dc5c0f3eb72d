# bench/lib.sh — what bench/run.sh and bench/soak.sh share. Sourced, never run on its own.
# shellcheck shell=bash
#
# build_release            release builds of Step9 and generate_token (skipped with BENCH_NO_BUILD=1,
#                          or taken from the folder BENCH_BIN_DIR)
# ensure_wrk               wrk on the PATH, installed with apt-get when missing and running as root
# start_server [OPTION...] Step 9 on a free loopback port with a temporary --keys-dir and --data-dir;
#                          sets BASE_URL, SERVER_PID, KEYS_DIR; stopped and cleaned up on any exit
# mint_token [OPTION...]   a token from the release generate_token for $BASE_URL/mcp (token_desk: any)
# rss_kb FIELD             VmHWM (peak) or VmRSS (now) of the server, in kB
# machine_description      CPU, cores, kernel, Swift and wrk versions, load: for quoting a run

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
READY_TIMEOUT="${READY_TIMEOUT:-30}"

# shellcheck disable=SC2034 # the protocol's constants, for the scripts that source this file
MODERN_VERSION="2026-07-28"
# shellcheck disable=SC2034
LEGACY_VERSION="2025-11-25"
# The _meta every 2026-07-28 request carries (MCP 2026-07-28 basic/index).
# shellcheck disable=SC2034
MODERN_META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
# shellcheck disable=SC2034
JSON_HEADERS=$'Content-Type: application/json\nAccept: application/json, text/event-stream'

WORK_DIR=""; SERVER_PID=""; SERVER_LOG=""; BASE_URL=""; PORT=""; KEYS_DIR=""; CHILD_PID=""
BIN_DIR=""

note() { echo "# $*"; }
die() { echo "error: $*" >&2; exit 1; }

need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is needed (on Debian/Ubuntu: apt-get install $tool)"
  done
}

# make_work_dir NAME — the run's temporary folder, removed on every exit with the server stopped.
make_work_dir() {
  WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

cleanup() {
  if [[ -n "$CHILD_PID" ]]; then kill -TERM "$CHILD_PID" 2>/dev/null || true; fi
  stop_server
  if [[ -n "$WORK_DIR" ]]; then rm -rf "$WORK_DIR"; fi
}

# stop_server — TERM by PID, then KILL after 5 s.
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local tries=0
    while kill -0 "$SERVER_PID" 2>/dev/null && ((tries < 50)); do sleep 0.1; tries=$((tries + 1)); done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

# run_child COMMAND... — runs a command in the background and waits for it, so that the traps can
# stop it at once on Ctrl-C or TERM (bash runs traps only between foreground commands).
run_child() {
  "$@" &
  CHILD_PID=$!
  local status=0
  wait "$CHILD_PID" || status=$?
  CHILD_PID=""
  return "$status"
}

build_release() {
  if [[ -n "${BENCH_BIN_DIR:-}" ]]; then
    # Binaries built elsewhere, say from another commit, to compare with.
    BIN_DIR="$(cd "$BENCH_BIN_DIR" 2>/dev/null && pwd)" || die "BENCH_BIN_DIR $BENCH_BIN_DIR is not a folder"
    note "BENCH_BIN_DIR: using Step9 and generate_token from $BIN_DIR"
  else
    build_products
  fi
  local binary
  for binary in Step9 generate_token; do
    [[ -x "$BIN_DIR/$binary" ]] || die "$BIN_DIR/$binary is missing (built neither there nor by this script: BENCH_NO_BUILD=1 or BENCH_BIN_DIR)"
  done
}

build_products() {
  need swift
  if [[ "${BENCH_NO_BUILD:-0}" == 1 ]]; then
    note "BENCH_NO_BUILD=1: using the release binaries as they are"
  else
    local product
    for product in Step9 generate_token; do
      note "swift build -c release --product $product (the first release build takes several minutes)"
      run_child swift build --package-path "$REPO_ROOT" -c release --product "$product" >"$WORK_DIR/build.log" 2>&1 \
        || { tail -n 30 "$WORK_DIR/build.log" >&2; die "swift build -c release --product $product failed"; }
    done
  fi
  BIN_DIR="$(swift build --package-path "$REPO_ROOT" -c release --show-bin-path)"
}

ensure_wrk() {
  if command -v wrk >/dev/null 2>&1; then return 0; fi
  if [[ "$(id -u)" != 0 ]]; then
    die "wrk is not installed; install it (sudo apt-get install wrk) and run again"
  fi
  note "wrk is missing: installing it with apt-get"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; } >"$WORK_DIR/apt.log" 2>&1 \
    || { tail -n 20 "$WORK_DIR/apt.log" >&2; die "apt-get install wrk failed"; }
}

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
  else
    echo $((49152 + RANDOM % 16384))
  fi
}

# start_server [OPTION...] — the release Step 9 on 127.0.0.1, with this run's own key pair and notes.
start_server() {
  KEYS_DIR="$WORK_DIR/keys"
  SERVER_LOG="$WORK_DIR/server.log"
  local attempt
  for attempt in 1 2 3; do
    PORT="$(free_port)"
    BASE_URL="http://127.0.0.1:$PORT"
    "$BIN_DIR/Step9" --host 127.0.0.1 --port "$PORT" --keys-dir "$KEYS_DIR" --data-dir "$WORK_DIR/data" "$@" \
      >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    if wait_until_ready; then
      note "Step 9 (release) is running at $BASE_URL, pid $SERVER_PID"
      return 0
    fi
    note "port $PORT was taken (attempt $attempt of 3); trying another one"
  done
  die "Step 9 could not bind a free port in 3 attempts"
}

# wait_until_ready — until the server's banner names our port and GET /health answers; 1 if the
# port was taken, exits with the server's log on any other failure.
wait_until_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT))
  while :; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID" 2>/dev/null || true
      SERVER_PID=""
      if grep -qi "address already in use" "$SERVER_LOG"; then return 1; fi
      sed 's/^/  | /' "$SERVER_LOG" >&2
      die "Step 9 exited before answering GET /health"
    fi
    if grep -q "listening on .*:$PORT\$" "$SERVER_LOG" && curl -sf -o /dev/null --max-time 2 "$BASE_URL/health"; then
      return 0
    fi
    ((SECONDS <= deadline)) || { sed 's/^/  | /' "$SERVER_LOG" >&2; die "Step 9 did not answer within ${READY_TIMEOUT}s"; }
    sleep 0.1
  done
}

# token_desk OPTION... — the release generate_token on this run's key pair.
token_desk() {
  "$BIN_DIR/generate_token" --keys-dir "$KEYS_DIR" "$@" 2>>"$WORK_DIR/generate_token.log" \
    || die "generate_token $* failed: $(tail -n 3 "$WORK_DIR/generate_token.log")"
}

# mint_token [OPTION...] — an access token whose audience is this server's MCP endpoint.
mint_token() { token_desk --audience "$BASE_URL/mcp" "$@"; }

# rss_kb VmHWM|VmRSS — the server's peak or current resident memory, in kB.
rss_kb() {
  awk -v field="$1:" '$1 == field { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0
}

mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# expect_answer NAME STATUS CONTAINS METHOD URL BODY HEADERS — one curl request that must be
# answered with STATUS and a body containing CONTAINS (if not empty); prints what came back if not.
expect_answer() {
  local name=$1 status=$2 contains=$3 method=$4 url=$5 body=$6 headers=$7
  local args=(-sS -X "$method" -o "$WORK_DIR/answer" -w '%{http_code}' --max-time 10 -H 'Expect:')
  local line
  while IFS= read -r line; do [[ -n "$line" ]] && args+=(-H "$line"); done <<<"$headers"
  if [[ -n "$body" ]]; then args+=(--data-binary "$body"); fi
  local got
  got="$(curl "${args[@]}" "$url")" || die "$name: curl failed; is the server still running?"
  if [[ "$got" != "$status" ]] || { [[ -n "$contains" ]] && ! grep -qF -- "$contains" "$WORK_DIR/answer"; }; then
    echo "error: $name: expected HTTP $status${contains:+ with $contains}, got HTTP $got:" >&2
    head -c 600 "$WORK_DIR/answer" >&2; echo >&2
    exit 1
  fi
}

machine_description() {
  local cpu
  cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)"
  echo "CPU:     ${cpu:-unknown} ($(nproc) cores online)"
  echo "Kernel:  $(uname -sr)"
  echo "Swift:   $(swift --version 2>/dev/null | grep -m1 -o 'Swift version [^ ]*' || echo unknown)"
  echo "wrk:     $(wrk -v 2>&1 | head -n 1 | awk '{ print $2 }')"
  echo "Load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min, before the run)"
}
