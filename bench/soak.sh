#!/usr/bin/env bash
# bench/soak.sh — Step 9 under a minute of mixed load: good requests and twenty kinds of bad ones,
# each of which must get its own answer, with no 5xx, no dropped connection, and a healthy server at
# the end. Run bench/soak.sh --help for the options.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION="${SOAK_DURATION:-60}"
CONNECTIONS="${SOAK_CONNECTIONS:-16}"
LOG_LEVEL="${SOAK_LOG_LEVEL:-info}"

usage() {
  cat <<EOF
Usage: bench/soak.sh [OPTION...]

Builds Step 9 and generate_token in release mode, starts Step 9 on a free loopback port with a
temporary key pair and notes folder, and holds mixed load on it with wrk (bench/wrk/mixed.lua),
rotating through: tools/call in both eras and for two users, tools/list, /health; no token, a
Basic credential, a garbage token, a token over 8 KiB, an expired token, another audience, a bad
signature (all 401); too small a scope, a foreign Origin (403); malformed JSON, MCP headers that
disagree with the body, an unknown protocol version (400); GET /mcp (405); a text body (415); a
body over 1 MiB (413). Every answer is checked (status, and a piece of the body).

Fails (exit 1) on any unexpected answer, any 5xx, any socket error, or a server that does not
answer GET /health at the end. Reports answers per kind, and the server's RSS at start and end.

Options (environment variable in brackets):
  -d, --duration S      seconds of load (SOAK_DURATION, default 60)
  -c, --connections N   connections, one wrk thread each (SOAK_CONNECTIONS, default 16)
      --log-level L     the server's --log-level (SOAK_LOG_LEVEL, default info)
      --no-build        use the release binaries already built (BENCH_NO_BUILD=1); or set
                        BENCH_BIN_DIR to a folder holding Step9 and generate_token built elsewhere
  -h, --help            this help

Needs swift, curl, jq, openssl (to sign the expired token) and wrk (installed with apt-get when
missing and running as root).
EOF
}

value() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see --help)"; printf '%s' "$2"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    -d | --duration) DURATION="$(value "$@")"; shift 2 ;;
    -c | --connections) CONNECTIONS="$(value "$@")"; shift 2 ;;
    --log-level) LOG_LEVEL="$(value "$@")"; shift 2 ;;
    --no-build) export BENCH_NO_BUILD=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
for setting in "duration:$DURATION" "connections:$CONNECTIONS"; do
  IFS=: read -r name number <<<"$setting"
  if ! [[ "$number" =~ ^[0-9]+$ ]] || ((number < 1)); then die "--$name must be a whole number >= 1, got '$number'"; fi
done
need curl jq openssl awk

make_work_dir soak
ensure_wrk
build_release
echo "== Step 9 soak, $(date -u '+%Y-%m-%d %H:%M UTC')"
machine_description
echo "Runs:    ${DURATION} s of mixed requests over $CONNECTIONS connections; server --log-level $LOG_LEVEL"
start_server 9 --log-level "$LOG_LEVEL"

# expired_token — a token for this server as generate_token mints it, but expired an hour ago (well
# past the leeway for clock skew), signed again with the token desk's key: only its expiry is wrong.
# shellcheck disable=SC2016 # '$now' in the jq filter is jq's variable, not the shell's
expired_token() {
  rs256_token '.exp = $now - 3600 | .iat = $now - 7200 | .nbf = $now - 7200'
}

# bad_signature TOKEN — TOKEN with one character in the middle of its signature changed (the last
# character would not do: its low bits are padding that decoders may ignore).
bad_signature() {
  local signature="${1##*.}" middle replacement
  middle=$((${#signature} / 2))
  if [[ "${signature:middle:1}" == A ]]; then replacement=B; else replacement=A; fi
  printf '%s.%s%s%s\n' "${1%.*}" "${signature:0:middle}" "$replacement" "${signature:middle+1}"
}

SOAK_TOKEN="$(mint_token)"
SOAK_TOKEN_BOB="$(mint_token --username bob)"
SOAK_TOKEN_READ_ONLY="$(mint_token --username carol --scopes mcp:read)"
SOAK_TOKEN_WRONG_AUDIENCE="$(token_desk --audience "http://127.0.0.1:1/mcp")"
SOAK_TOKEN_EXPIRED="$(expired_token)"
SOAK_TOKEN_BAD_SIGNATURE="$(bad_signature "$SOAK_TOKEN")"
export SOAK_TOKEN SOAK_TOKEN_BOB SOAK_TOKEN_READ_ONLY SOAK_TOKEN_WRONG_AUDIENCE SOAK_TOKEN_EXPIRED SOAK_TOKEN_BAD_SIGNATURE

# The tokens themselves are checked once, so that a mistake here is not taken for the server's.
for pair in "$SOAK_TOKEN:200" "$SOAK_TOKEN_EXPIRED:401" "$SOAK_TOKEN_WRONG_AUDIENCE:401" "$SOAK_TOKEN_BAD_SIGNATURE:401"; do
  expect_answer "tools/call with a prepared token" "${pair##*:}" "" POST "$BASE_URL/mcp" \
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"x"}}}' \
    "Authorization: Bearer ${pair%:*}"$'\n'"$JSON_HEADERS"$'\n'"MCP-Protocol-Version: $LEGACY_VERSION"
done

RSS_START="$(rss_kb VmRSS)"
echo "Memory:  $(mb "$RSS_START") MiB resident before the load"
OUT="$WORK_DIR/wrk.out"
run_child timeout $((DURATION + 30)) wrk -t "$CONNECTIONS" -c "$CONNECTIONS" -d "${DURATION}s" --timeout 5s \
  -s "$BENCH_DIR/wrk/mixed.lua" "$BASE_URL" >"$OUT" 2>&1 || { cat "$OUT" >&2; die "wrk failed"; }
grep -q '^SOAK_TOTAL ' "$OUT" || { cat "$OUT" >&2; die "wrk printed no SOAK_TOTAL line"; }
RSS_END="$(rss_kb VmRSS)"
RSS_PEAK="$(rss_kb VmHWM)"

echo
printf '| %-16s | %8s | %9s | %10s | %13s |\n' Kind Expected Answers Unexpected "Server errors"
printf '|%s|%s:|%s:|%s:|%s:|\n' "------------------" "---------" "----------" "-----------" "--------------"
awk '/^SOAK_KIND / {
  for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
  printf "| %-16s | %8s | %9d | %10d | %13d |\n", f["name"], f["expected"], f["answers"], f["unexpected"], f["server_errors"]
}' "$OUT"
total() { sed -n "s/^SOAK_TOTAL .*$1=\\([0-9]*\\).*/\\1/p" "$OUT"; }
ANSWERS="$(total answers)"; UNEXPECTED="$(total unexpected)"; SERVER_ERRORS="$(total server_errors)"
SOCKET_ERRORS="$(total socket_errors)"
echo
echo "$ANSWERS answers in ${DURATION} s ($(awk -v n="$ANSWERS" -v s="$DURATION" 'BEGIN { printf "%.0f", n / s }')/s)," \
  "p99 $(awk -v us="$(total p99_us)" 'BEGIN { printf "%.1f", us / 1000 }') ms"
echo "Server RSS: $(mb "$RSS_START") MiB at start, $(mb "$RSS_END") MiB at end, peak $(mb "$RSS_PEAK") MiB"
grep '^SOAK_SAMPLE ' "$OUT" | head -n 5 | sed 's/^SOAK_SAMPLE /first unexpected answer: /' || true

FAILED=0
report() { if (($2 == 0)); then echo "ok   - $1: 0"; else echo "FAIL - $1: $2"; FAILED=1; fi; }
echo
report "unexpected answers" "$UNEXPECTED"
report "server errors (5xx)" "$SERVER_ERRORS"
report "socket errors (connect, read, write, timeout)" "$SOCKET_ERRORS"
if ((ANSWERS == 0)); then echo "FAIL - no answers at all"; FAILED=1; fi
HEALTH="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE_URL/health" || true)"
if kill -0 "$SERVER_PID" 2>/dev/null && [[ "$HEALTH" == 200 ]]; then
  echo "ok   - the server still answers GET /health"
else
  echo "FAIL - the server does not answer GET /health after the load (HTTP ${HEALTH:-none})"
  tail -n 10 "$SERVER_LOG" | sed 's/^/  | /'
  FAILED=1
fi
LOGGED_ERRORS="$(grep -cE '^[^ ]+ (error|critical) ' "$SERVER_LOG" || true)"
echo "note - the server logged $LOGGED_ERRORS lines at error or critical level"

echo
if ((FAILED)); then echo "FAIL"; exit 1; fi
echo "PASS"
