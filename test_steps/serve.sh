#!/usr/bin/env bash
# test_steps/serve.sh — starts a step, or the workshop issuer, for another program and leaves it
# running: the same harness as the step scripts (lib.sh), for tools that run their own commands
# against a live server, such as the tutorial's captured sessions.
#
# Usage: test_steps/serve.sh [OPTION...] STEP [SERVER_OPTION...]
#        test_steps/serve.sh [OPTION...] issuer [ISSUER_OPTION...]
#
# Starts .build/debug/StepN --port <a free port> SERVER_OPTION... (building it if missing), or for
# "issuer" .build/debug/generate_token serve --port <a free port> ISSUER_OPTION..., waits until it
# answers GET /health, prints what the caller needs on standard output, one NAME=VALUE line each,
# and exits 0 with the server still running. The caller stops it with kill -TERM <pid> (and
# <issuer_pid>), then removes work_dir. If it cannot start, serve.sh says why on standard error,
# leaves nothing running, and exits 1; bad usage exits 2.
#
# Keys and data are never the repository's keys/ and data/. A step that reads keys (Step 5 on) and
# the issuer get --keys-dir WORK_DIR/keys unless their options name a folder; if that folder holds
# no public key, the token desk makes the pair there first (generate_token keys --keys-dir DIR): a
# step only loads the public key. A step that keeps notes (Step 9) gets --data-dir WORK_DIR/data
# unless its options name one.
#
# Options (before STEP):
#   --work-dir DIR         where the servers' output (and the folders above) go; created if missing,
#                          never removed by serve.sh (default: a new temporary folder)
#   --with-issuer          (Step 7 on) first start the workshop issuer on a free port of its own, with
#                          --resource naming the step's MCP endpoint (under the step's --public-url,
#                          if its options give one) and --keys-dir the step's key folder; the step gets
#                          --issuer <the issuer's URL> right after its --keys-dir option; serve.sh
#                          returns once the step's log says it fetched (or could not fetch) the
#                          issuer's signing keys, or after 10 s
#   --issuer-keys-dir DIR  with --with-issuer: the issuer's own key folder (another issuer, with a
#                          key pair of its own), instead of the step's
#   --issuer-option ARG    with --with-issuer: one more argument for generate_token serve (repeatable)
#   --avoid-port PORT      never give a server PORT (repeatable)
#   -h, --help             this help
#
# Prints (paths are absolute; command is a JSON array, the program and its arguments as run):
#   work_dir=  pid=  port=  base_url=  stdout= (the banner)  log= (the log lines, standard error)
#   command=  started= (Unix time in seconds, when it was launched)  keys_dir=  data_dir= (if any)
# and with --with-issuer the issuer's, each prefixed issuer_:
#   issuer_pid=  issuer_port=  issuer_url=  issuer_stdout=  issuer_log=  issuer_command=
#   issuer_started=  issuer_keys_dir=
#
# Example, from a shell (from Python: dict(line.split("=", 1) for line in output.splitlines())):
#   test_steps/serve.sh 6 --log-level debug >server.txt
#   curl "$(sed -n 's/^base_url=//p' server.txt)/health"
#   kill "$(sed -n 's/^pid=//p' server.txt)"; rm -rf "$(sed -n 's/^work_dir=//p' server.txt)"
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }
bad_usage() { echo "serve.sh: $*; see test_steps/serve.sh --help" >&2; exit 2; }
# Standard output is for the NAME=VALUE lines only: the harness's notes go to standard error.
note() { echo "# $*" >&2; }
die() { echo "serve.sh: $*" >&2; exit 1; }

work_dir="" with_issuer=0 issuer_keys="" issuer_options=()
while (($# > 0)); do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --work-dir) (($# >= 2)) || bad_usage "--work-dir needs a folder"; work_dir=$2; shift 2 ;;
    --with-issuer) with_issuer=1; shift ;;
    --issuer-keys-dir) (($# >= 2)) || bad_usage "--issuer-keys-dir needs a folder"; issuer_keys=$2; shift 2 ;;
    --issuer-option) (($# >= 2)) || bad_usage "--issuer-option needs an argument"; issuer_options+=("$2"); shift 2 ;;
    --avoid-port) [[ "${2:-}" =~ ^[0-9]+$ ]] || bad_usage "--avoid-port needs a port number"; AVOID_PORTS+=" $2"; shift 2 ;;
    -*) bad_usage "unknown option $1 (serve.sh's options come before STEP)" ;;
    *) break ;;
  esac
done
(($# > 0)) || bad_usage "name a step (1 to 9) or issuer"
target=$1
shift
if [[ "$target" != issuer && ! "$target" =~ ^[1-9][0-9]*$ ]]; then bad_usage "not a step number or issuer: $target"; fi
if [[ "$target" == issuer ]] && ((with_issuer)); then bad_usage "--with-issuer goes with a step, not with issuer"; fi
if [[ -n "$issuer_keys" || ${#issuer_options[@]} -gt 0 ]] && ((with_issuer == 0)); then
  bad_usage "--issuer-keys-dir and --issuer-option need --with-issuer"
fi
server_options=("$@")

own_work_dir=0
if [[ -z "$work_dir" ]]; then
  work_dir="$(mktemp -d "${TMPDIR:-/tmp}/serve.XXXXXX")"
  own_work_dir=1
fi
mkdir -p "$work_dir" || bad_usage "cannot create --work-dir $work_dir"
WORK_DIR="$(cd "$work_dir" && pwd)"
started_servers=0
cleanup() {
  if ((started_servers)); then return 0; fi
  stop_server_process
  stop_process "$ISSUER_PID"
  if ((own_work_dir)); then rm -rf "$WORK_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# print_server PREFIX PID PORT URL OUT LOG STARTED KEYS_DIR ARGV... — the NAME=VALUE lines of one server.
print_server() {
  local prefix=$1 pid=$2 port=$3 url=$4 out=$5 log=$6 started=$7 keys=$8
  shift 8
  printf '%spid=%s\n%sport=%s\n' "$prefix" "$pid" "$prefix" "$port"
  if [[ "$prefix" == issuer_ ]]; then printf 'issuer_url=%s\n' "$url"; else printf 'base_url=%s\n' "$url"; fi
  printf '%sstdout=%s\n%slog=%s\n' "$prefix" "$out" "$prefix" "$log"
  printf '%scommand=%s\n' "$prefix" "$(jq -nc '$ARGS.positional' --args -- "$@")"
  printf '%sstarted=%s\n' "$prefix" "$started"
  if [[ -n "$keys" ]]; then printf '%skeys_dir=%s\n' "$prefix" "$keys"; fi
}

# wait_for_issuer_keys — until the step's log says it fetched (or could not fetch) the issuer's
# signing keys, which it does in the background after start-up; at most 10 s.
wait_for_issuer_keys() {
  local deadline=$((SECONDS + 10))
  until grep -qE "(Fetched|Could not fetch) the issuer's signing keys" "$SERVER_LOG"; do
    if ((SECONDS >= deadline)); then note "Step $STEP did not say within 10 s whether it fetched the issuer's keys"; return 0; fi
    sleep 0.05
  done
}

if [[ "$target" == issuer ]]; then
  ISSUER_STDOUT="$WORK_DIR/issuer.out"
  start_issuer ${server_options[@]+"${server_options[@]}"}
  started_servers=1
  echo "work_dir=$WORK_DIR"
  print_server "" "$ISSUER_PID" "$ISSUER_PORT" "$ISSUER_URL" "$ISSUER_OUT" "$ISSUER_LOG" "$ISSUER_STARTED" \
    "$ISSUER_KEYS_DIR" "${ISSUER_ARGV[@]}"
  exit 0
fi

SERVER_STDOUT="$WORK_DIR/server.out"
if ((with_issuer == 0)); then
  start_server "$target" ${server_options[@]+"${server_options[@]}"}
else
  ensure_built "Step$target"
  if [[ "$("$BIN_DIR/Step$target" --help 2>&1)" != *--issuer* ]]; then bad_usage "Step $target takes no --issuer"; fi
  keys="$(option_value --keys-dir ${server_options[@]+"${server_options[@]}"})" || {
    keys="$WORK_DIR/keys"
    server_options=(--keys-dir "$keys" ${server_options[@]+"${server_options[@]}"})
  }
  public_url="$(option_value --public-url ${server_options[@]+"${server_options[@]}"})" || public_url=""
  ISSUER_STDOUT="$WORK_DIR/issuer.out"
  attempt=0
  while :; do
    attempt=$((attempt + 1))
    step_port="$(free_port)"
    AVOID_PORTS+=" $step_port"   # the issuer must not take the step's port
    resource="${public_url:-http://127.0.0.1:$step_port}"
    start_issuer --resource "${resource%/}/mcp" --keys-dir "${issuer_keys:-$keys}" \
      ${issuer_options[@]+"${issuer_options[@]}"}
    # --issuer URL right after --keys-dir DIR (or --keys-dir=DIR).
    options=()
    for ((i = 0; i < ${#server_options[@]}; i++)); do
      options+=("${server_options[i]}")
      if [[ "${server_options[i]}" == --keys-dir ]] && ((i + 1 < ${#server_options[@]})); then
        i=$((i + 1))
        options+=("${server_options[i]}" --issuer "$ISSUER_URL")
      elif [[ "${server_options[i]}" == --keys-dir=* ]]; then
        options+=(--issuer "$ISSUER_URL")
      fi
    done
    if start_server --on-port "$step_port" "$target" "${options[@]}"; then break; fi
    stop_process "$ISSUER_PID"
    ISSUER_PID=""
    ((attempt < 3)) || die "Step $target could not bind a free port in 3 attempts"
  done
  wait_for_issuer_keys
fi
started_servers=1

echo "work_dir=$WORK_DIR"
print_server "" "$SERVER_PID" "$PORT" "$BASE_URL" "$SERVER_OUT" "$SERVER_LOG" "$SERVER_STARTED" "$KEYS_DIR" "${SERVER_ARGV[@]}"
if [[ -n "$DATA_DIR" ]]; then echo "data_dir=$DATA_DIR"; fi
if ((with_issuer)); then
  print_server issuer_ "$ISSUER_PID" "$ISSUER_PORT" "$ISSUER_URL" "$ISSUER_OUT" "$ISSUER_LOG" "$ISSUER_STARTED" \
    "$ISSUER_KEYS_DIR" "${ISSUER_ARGV[@]}"
fi
