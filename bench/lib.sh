# bench/lib.sh — what bench/run.sh and bench/soak.sh share. Sourced, never run on its own.
# shellcheck shell=bash
#
# The harness of the step scripts, test_steps/lib.sh, starts and stops the server, picks the free
# port, waits for it, and mints and signs tokens; this file adds what only measuring needs:
#
# build_release            release builds of Step9 and generate_token, and BIN_DIR pointed at them
#                          (skipped with BENCH_NO_BUILD=1, or taken from the folder BENCH_BIN_DIR)
# ensure_wrk               wrk on the PATH, installed with apt-get when missing and running as root
# run_child COMMAND...     a command in the background, stopped at once on Ctrl-C or TERM
# rss_kb FIELD             VmHWM (peak) or VmRSS (now) of the server, in kB
# expect_answer …          one curl request that must get the expected answer, before wrk counts
# machine_description      CPU, cores, kernel, Swift and wrk versions, load: for quoting a run
#
# and from test_steps/lib.sh: make_work_dir NAME, start_server 9 [OPTION...] (Step 9 from BIN_DIR
# on a free loopback port with this run's own key pair and notes folder; sets BASE_URL, SERVER_PID,
# SERVER_LOG, KEYS_DIR), mint_token, token_desk, rs256_token, b64url, note.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../test_steps/lib.sh
source "$BENCH_DIR/../test_steps/lib.sh"

# The _meta every 2026-07-28 request carries (MCP 2026-07-28 basic/index).
# shellcheck disable=SC2034 # the protocol's constants, for the scripts that source this file
MODERN_META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
# shellcheck disable=SC2034
JSON_HEADERS=$'Content-Type: application/json\nAccept: application/json, text/event-stream'

BIN_DIR=""   # set by build_release: the harness runs Step9 and generate_token from here
CHILD_PID=""

# A benchmark reports problems as errors, not as failed checks.
die() { echo "error: $*" >&2; exit 1; }

need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is needed (on Debian/Ubuntu: apt-get install $tool)"
  done
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

stop_child() {
  if [[ -n "$CHILD_PID" ]]; then kill -TERM "$CHILD_PID" 2>/dev/null || true; fi
}
EXIT_HOOKS+=(stop_child)   # the harness's exit trap stops the child before the server

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
