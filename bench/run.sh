#!/usr/bin/env bash
# bench/run.sh — what authentication costs in Step 9: throughput and latency of /health, a refused
# request, authenticated tools/call in both protocol eras, and tools/list, measured with wrk against
# a release build on loopback; with --introspection, Step 9 asks the workshop issuer about each token
# (RFC 7662). Run bench/run.sh --help for the options.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONNECTIONS="${BENCH_CONNECTIONS:-16}"
THREADS="${BENCH_THREADS:-2}"
DURATION="${BENCH_DURATION:-10}"
WARMUP="${BENCH_WARMUP:-3}"
REPEATS="${BENCH_REPEATS:-3}"
OUTPUT="${BENCH_OUTPUT:-}"
NO_TARGETS="${BENCH_NO_TARGETS:-0}"
LOG_LEVEL="${BENCH_LOG_LEVEL:-info}"
INTROSPECTION="${BENCH_INTROSPECTION:-}"   # empty: Step 9 as it starts by default

# The targets: authenticated tools/call keeps this share of /health's throughput, and so on.
TARGET_RATIO=60        # percent, tools/call (2026-07-28) requests/s over /health requests/s
TARGET_P99_US=5000     # the median p99 of every scenario but the forged token's (an attack has no target)
TARGET_RSS_KB=40960    # the server's peak resident memory (VmHWM), 40 MiB

usage() {
  cat <<EOF
Usage: bench/run.sh [OPTION...]

Builds Step 9 and generate_token in release mode, starts Step 9 on a free loopback port with a
temporary key pair and notes folder, mints a token, and measures six scenarios with wrk:

  health      GET /health
  call-2026   authenticated tools/call echo, 2026-07-28 (stateless: _meta and MCP headers)
  call-2025   authenticated tools/call echo, 2025-11-25 (MCP-Protocol-Version header)
  list        authenticated tools/list, 2026-07-28
  refused     POST /mcp (tools/call) without a token, answered 401
  forged      POST /mcp (tools/call) with a well-formed token whose signature is another token's,
              answered 401: what each request of an attacker costs, as no cache spares it

Before each timed run one curl request must get the expected answer (status and a piece of the
body); then wrk counts every answer with another status as an error. Each scenario gets a warm-up,
then its timed runs, interleaved round by round (health and call-2026, whose ratio is a target,
back to back, so that a machine that slows down mid-run hits both alike); the table shows medians.

With --introspection SECONDS, the workshop issuer (generate_token serve) runs beside Step 9 with a
clients file that allows Step 9 to introspect and gives a robot the client_credentials grant; Step 9
trusts that issuer alone and runs with --introspection-client-id and --introspection-cache SECONDS
(0: one call to the issuer per request), and the token is the robot's. What that costs is reported,
not targeted: the targets are shown, never enforced (as with --no-targets).

Targets: tools/call (2026-07-28) keeps >= ${TARGET_RATIO} % of /health's requests/s; p99 < $((TARGET_P99_US / 1000)) ms in every
scenario but the forged token's (an attacker's latency is no target); the server's peak RSS stays
< $((TARGET_RSS_KB / 1024)) MiB.

Options (environment variable in brackets):
  -c, --connections N   wrk connections (BENCH_CONNECTIONS, default 16)
  -t, --threads N       wrk threads, at most the connections (BENCH_THREADS, default 2)
  -d, --duration S      seconds per timed run (BENCH_DURATION, default 10)
  -w, --warmup S        seconds of warm-up per scenario, 0 for none (BENCH_WARMUP, default 3)
  -r, --repeats N       timed runs per scenario (BENCH_REPEATS, default 3)
  -o, --output FILE     also write the results to FILE: JSON if it ends in .json, else markdown
                        (BENCH_OUTPUT)
      --log-level L     the server's --log-level (BENCH_LOG_LEVEL, default info, as Step 9 ships)
      --introspection S Step 9 in introspection mode, answers reused S seconds (0 to 60), beside the
                        workshop issuer (BENCH_INTROSPECTION); off by default
      --no-targets      report the targets but exit 0 even if one is missed (BENCH_NO_TARGETS=1)
      --no-build        use the release binaries already built (BENCH_NO_BUILD=1); or set
                        BENCH_BIN_DIR to a folder holding Step9 and generate_token built elsewhere
  -h, --help            this help

Exit status: 0 when every answer was the expected one and every target is met (or --no-targets);
1 otherwise. Needs swift, curl, wrk (installed with apt-get when missing and running as root),
and jq for a .json output (jq and openssl with --introspection). Takes about 6 x (warm-up + repeats x duration) seconds after the build.
EOF
}

value() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see --help)"; printf '%s' "$2"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    -c | --connections) CONNECTIONS="$(value "$@")"; shift 2 ;;
    -t | --threads) THREADS="$(value "$@")"; shift 2 ;;
    -d | --duration) DURATION="$(value "$@")"; shift 2 ;;
    -w | --warmup) WARMUP="$(value "$@")"; shift 2 ;;
    -r | --repeats) REPEATS="$(value "$@")"; shift 2 ;;
    -o | --output) OUTPUT="$(value "$@")"; shift 2 ;;
    --log-level) LOG_LEVEL="$(value "$@")"; shift 2 ;;
    --introspection) INTROSPECTION="$(value "$@")"; shift 2 ;;
    --no-targets) NO_TARGETS=1; shift ;;
    --no-build) export BENCH_NO_BUILD=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

for setting in "connections:$CONNECTIONS:1" "threads:$THREADS:1" "duration:$DURATION:1" "warmup:$WARMUP:0" "repeats:$REPEATS:1"; do
  IFS=: read -r name number minimum <<<"$setting"
  if ! [[ "$number" =~ ^[0-9]+$ ]] || ((number < minimum)); then
    die "--$name must be a whole number >= $minimum, got '$number'"
  fi
done
if [[ -n "$INTROSPECTION" ]]; then
  if ! [[ "$INTROSPECTION" =~ ^[0-9]+$ ]] || ((INTROSPECTION > 60)); then
    die "--introspection must be a whole number of seconds from 0 to 60, got '$INTROSPECTION'"
  fi
  NO_TARGETS=1   # its cost is reported, not targeted
fi
((THREADS <= CONNECTIONS)) || die "--threads ($THREADS) must not exceed --connections ($CONNECTIONS)"
need curl awk
if [[ "$OUTPUT" == *.json || -n "$INTROSPECTION" ]]; then need jq openssl; fi
if [[ -n "$OUTPUT" ]]; then
  if ! { mkdir -p "$(dirname "$OUTPUT")" && touch "$OUTPUT"; } 2>/dev/null; then die "cannot write --output $OUTPUT"; fi
fi

make_work_dir bench
ensure_wrk
build_release
echo "== Step 9 benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
MACHINE="$(machine_description)"
echo "$MACHINE"
SETTINGS="$CONNECTIONS connections, $THREADS threads; ${WARMUP} s warm-up, then $REPEATS x ${DURATION} s per scenario (medians); server --log-level $LOG_LEVEL"
if [[ -n "$INTROSPECTION" ]]; then
  SETTINGS+="; introspection: answers reused ${INTROSPECTION} s"
fi
echo "Runs:    $SETTINGS"

# start_introspecting_step9 — the workshop issuer on a free port, allowing Step 9 to introspect, and
# Step 9 on the port its resource names, trusting that issuer alone, in introspection mode.
start_introspecting_step9() {
  local port clients="$WORK_DIR/clients.json" secret_file="$WORK_DIR/introspection.secret"
  ROBOT_SECRET="$(openssl rand -hex 24)"
  openssl rand -hex 24 >"$secret_file"
  jq -n --rawfile rs "$secret_file" --arg robot "$ROBOT_SECRET" '{clients: [
      {client_id: "workshop-mcp", client_secret: ($rs | rtrimstr("\n")), grant_types: [], introspection: true},
      {client_id: "robot", client_secret: $robot, grant_types: ["client_credentials"], scope: "mcp:read mcp:tools"}]}' >"$clients"
  port="$(free_port)"
  start_issuer --clients-file "$clients" --resource "http://127.0.0.1:$port/mcp" --log-level warning
  start_server --on-port "$port" 9 --log-level "$LOG_LEVEL" --keys-dir "$ISSUER_KEYS_DIR" --issuer "$ISSUER_URL" \
    --introspection-client-id workshop-mcp --introspection-secret-file "$secret_file" --introspection-cache "$INTROSPECTION" \
    || die "port $port was taken before Step 9 could bind it; run the script again"
}

# robot_token — the robot's access token for Step 9, by the client_credentials grant (RFC 6749 §4.4).
robot_token() {
  curl -sS --fail-with-body -u "robot:$ROBOT_SECRET" -d grant_type=client_credentials \
    --data-urlencode "resource=$BASE_URL/mcp" "$ISSUER_URL/token" | jq -er .access_token \
    || die "the issuer gave the robot no token"
}

if [[ -z "$INTROSPECTION" ]]; then
  start_server 9 --log-level "$LOG_LEVEL"
  TOKEN="$(mint_token --scopes mcp:read,mcp:tools,mcp:prompts)"
else
  start_introspecting_step9
  TOKEN="$(robot_token)"
fi
# A forgery: this token's header and claims under the signature of another user's token.
OTHER="$(mint_token --username bob --scopes mcp:read,mcp:tools,mcp:prompts)"
FORGED="${TOKEN%.*}.${OTHER##*.}"
echo "Memory:  $(mb "$(rss_kb VmRSS)") MiB resident after start"

# --- The scenarios: what is sent, and what must come back -------------------------------------
MODERN_CALL="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"hello\"},$MODERN_META}}"
LEGACY_CALL='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
MODERN_LIST="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{$MODERN_META}}"
BEARER="Authorization: Bearer $TOKEN"
MODERN_CALL_HEADERS="$JSON_HEADERS"$'\n'"MCP-Protocol-Version: $MODERN_VERSION"$'\nMcp-Method: tools/call\nMcp-Name: echo'

SCENARIOS=(health call-2026 call-2025 list refused forged)
declare -A LABEL METHOD URL_PATH BODY HEADERS EXPECT CONTAINS
LABEL[health]="GET /health";                       METHOD[health]=GET;  URL_PATH[health]=/health
BODY[health]="";                                   HEADERS[health]="";  EXPECT[health]=200; CONTAINS[health]='"status":"ok"'
LABEL[refused]="POST /mcp without token (401)";    METHOD[refused]=POST; URL_PATH[refused]=/mcp
BODY[refused]="$MODERN_CALL";                      HEADERS[refused]="$MODERN_CALL_HEADERS"; EXPECT[refused]=401
CONTAINS[refused]="needs a bearer token"
LABEL[forged]="POST /mcp, forged token (401)";    METHOD[forged]=POST; URL_PATH[forged]=/mcp
BODY[forged]="$MODERN_CALL";                       HEADERS[forged]="Authorization: Bearer $FORGED"$'\n'"$MODERN_CALL_HEADERS"
EXPECT[forged]=401;                                CONTAINS[forged]='"error":"invalid_token"'
LABEL[call-2026]="tools/call echo, 2026-07-28";    METHOD[call-2026]=POST; URL_PATH[call-2026]=/mcp
BODY[call-2026]="$MODERN_CALL";                    HEADERS[call-2026]="$BEARER"$'\n'"$MODERN_CALL_HEADERS"
EXPECT[call-2026]=200;                             CONTAINS[call-2026]='"isError":false'
LABEL[call-2025]="tools/call echo, 2025-11-25";    METHOD[call-2025]=POST; URL_PATH[call-2025]=/mcp
BODY[call-2025]="$LEGACY_CALL";                    HEADERS[call-2025]="$BEARER"$'\n'"$JSON_HEADERS"$'\n'"MCP-Protocol-Version: $LEGACY_VERSION"
EXPECT[call-2025]=200;                             CONTAINS[call-2025]='"isError":false'
LABEL[list]="tools/list, 2026-07-28";              METHOD[list]=POST; URL_PATH[list]=/mcp
BODY[list]="$MODERN_LIST";                         HEADERS[list]="$BEARER"$'\n'"$JSON_HEADERS"$'\n'"MCP-Protocol-Version: $MODERN_VERSION"$'\nMcp-Method: tools/list'
EXPECT[list]=200;                                  CONTAINS[list]='"name":"echo"'

# --- Measuring ----------------------------------------------------------------------------------
declare -A RPS P50 P99 UNEXPECTED SOCKET_ERRORS
for scenario in "${SCENARIOS[@]}"; do RPS[$scenario]=""; P50[$scenario]=""; P99[$scenario]=""; UNEXPECTED[$scenario]=0; SOCKET_ERRORS[$scenario]=0; done

# wrk_run SCENARIO SECONDS — one wrk run; sets RESULT to its BENCH_RESULT line.
wrk_run() {
  local scenario=$1 seconds=$2 out="$WORK_DIR/wrk.out"
  BENCH_METHOD="${METHOD[$scenario]}" BENCH_BODY="${BODY[$scenario]}" BENCH_HEADERS="${HEADERS[$scenario]}" \
    BENCH_EXPECT="${EXPECT[$scenario]}" BENCH_CONTAINS="${CONTAINS[$scenario]}" \
    run_child timeout $((seconds + 30)) wrk -t "$THREADS" -c "$CONNECTIONS" -d "${seconds}s" --timeout 5s \
    -s "$BENCH_DIR/wrk/request.lua" "$BASE_URL${URL_PATH[$scenario]}" >"$out" 2>&1 \
    || { cat "$out" >&2; die "wrk failed in scenario $scenario"; }
  RESULT="$(grep -m1 '^BENCH_RESULT ' "$out")" || { cat "$out" >&2; die "wrk printed no BENCH_RESULT line"; }
  local errors unexpected
  unexpected="$(field unexpected)"; errors="$(field socket_errors)"
  UNEXPECTED[$scenario]=$((UNEXPECTED[$scenario] + unexpected))
  SOCKET_ERRORS[$scenario]=$((SOCKET_ERRORS[$scenario] + errors))
  if ((unexpected + errors > 0)); then
    echo "error: ${LABEL[$scenario]}: $unexpected unexpected answers, $errors socket errors" >&2
  fi
}

field() { sed -n "s/.* $1=\\([0-9.]*\\).*/\\1/p" <<<"$RESULT"; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for ((round = 1; round <= REPEATS; round++)); do
  for scenario in "${SCENARIOS[@]}"; do
    expect_answer "${LABEL[$scenario]}" "${EXPECT[$scenario]}" "${CONTAINS[$scenario]}" "${METHOD[$scenario]}" \
      "$BASE_URL${URL_PATH[$scenario]}" "${BODY[$scenario]}" "${HEADERS[$scenario]}"
    if ((round == 1 && WARMUP > 0)); then wrk_run "$scenario" "$WARMUP"; fi
    wrk_run "$scenario" "$DURATION"
    RPS[$scenario]+=" $(field rps)"; P50[$scenario]+=" $(field p50_us)"; P99[$scenario]+=" $(field p99_us)"
    printf '# run %d/%d  %-32s %9.0f req/s  p50 %s  p99 %s\n' "$round" "$REPEATS" "${LABEL[$scenario]}" \
      "$(field rps)" "$(ms "$(field p50_us)")" "$(ms "$(field p99_us)")"
  done
done

PEAK_KB="$(rss_kb VmHWM)"; NOW_KB="$(rss_kb VmRSS)"
kill -0 "$SERVER_PID" 2>/dev/null || die "Step 9 is no longer running; its log: $(tail -n 5 "$SERVER_LOG")"

# --- Reporting ----------------------------------------------------------------------------------
declare -A RPS_MEDIAN P50_MEDIAN P99_MEDIAN
ERRORS=0; WORST_P99=0; WORST_P99_LABEL=""
for scenario in "${SCENARIOS[@]}"; do
  RPS_MEDIAN[$scenario]="$(median <<<"${RPS[$scenario]}")"
  P50_MEDIAN[$scenario]="$(median <<<"${P50[$scenario]}")"
  P99_MEDIAN[$scenario]="$(median <<<"${P99[$scenario]}")"
  ERRORS=$((ERRORS + UNEXPECTED[$scenario] + SOCKET_ERRORS[$scenario]))
  if [[ $scenario != forged ]] && awk -v a="${P99_MEDIAN[$scenario]}" -v b="$WORST_P99" 'BEGIN { exit !(a > b) }'; then
    WORST_P99="${P99_MEDIAN[$scenario]}"; WORST_P99_LABEL="${LABEL[$scenario]}"
  fi
done
RATIO="$(awk -v a="${RPS_MEDIAN[call-2026]}" -v b="${RPS_MEDIAN[health]}" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }')"
# The same ratio within each round, to show how much it moves from one round to the next.
ROUND_RATIOS="$(paste -d ' ' <(tr ' ' '\n' <<<"${RPS[call-2026]}" | grep .) <(tr ' ' '\n' <<<"${RPS[health]}" | grep .) \
  | awk '{ printf "%s%.1f %%", (NR > 1 ? ", " : ""), ($2 > 0 ? 100 * $1 / $2 : 0) }')"

pass() { if awk "BEGIN { exit !($1) }"; then echo PASS; else echo FAIL; fi; }
RATIO_RESULT="$(pass "$RATIO >= $TARGET_RATIO")"
P99_RESULT="$(pass "$WORST_P99 < $TARGET_P99_US")"
RSS_RESULT="$(pass "$PEAK_KB < $TARGET_RSS_KB")"

# The table, in markdown that also reads well in a terminal.
table() {
  printf '| %-32s | %10s | %9s | %9s | %10s | %13s |\n' Scenario "Requests/s" p50 p99 Unexpected "Socket errors"
  printf '|%s|%s:|%s:|%s:|%s:|%s:|\n' "$(printf -- '-%.0s' {1..34})" "$(printf -- '-%.0s' {1..11})" \
    "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..11})" "$(printf -- '-%.0s' {1..14})"
  for scenario in "${SCENARIOS[@]}"; do
    printf '| %-32s | %10.0f | %9s | %9s | %10d | %13d |\n' "${LABEL[$scenario]}" "${RPS_MEDIAN[$scenario]}" \
      "$(ms "${P50_MEDIAN[$scenario]}")" "$(ms "${P99_MEDIAN[$scenario]}")" "${UNEXPECTED[$scenario]}" "${SOCKET_ERRORS[$scenario]}"
  done
}

targets() {
  printf '| %-48s | %-42s | %-6s |\n' Target Measured Result
  printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..50})" "$(printf -- '-%.0s' {1..44})" "$(printf -- '-%.0s' {1..8})"
  printf '| %-48s | %-42s | %-6s |\n' \
    "tools/call (2026-07-28) >= ${TARGET_RATIO} % of /health req/s" "$RATIO % at $CONNECTIONS connections" "$RATIO_RESULT" \
    "p99 < $((TARGET_P99_US / 1000)) ms, every scenario but the forged token" "$(ms "$WORST_P99") ($WORST_P99_LABEL)" "$P99_RESULT" \
    "server peak RSS < $((TARGET_RSS_KB / 1024)) MiB" "$(mb "$PEAK_KB") MiB" "$RSS_RESULT"
}

MEMORY="Server RSS: peak (VmHWM) $(mb "$PEAK_KB") MiB, now (VmRSS) $(mb "$NOW_KB") MiB"
RATIO_LINE="Authenticated tools/call (2026-07-28) / GET /health throughput: $RATIO % (round by round: $ROUND_RATIOS)"
echo
table
echo
echo "$MEMORY"
echo "$RATIO_LINE"
echo
targets

if [[ -n "$OUTPUT" ]]; then
  if [[ "$OUTPUT" == *.json ]]; then
    for scenario in "${SCENARIOS[@]}"; do
      jq -n --arg id "$scenario" --arg title "${LABEL[$scenario]}" --argjson expect "${EXPECT[$scenario]}" \
        --argjson rps "${RPS_MEDIAN[$scenario]}" --argjson p50 "${P50_MEDIAN[$scenario]}" --argjson p99 "${P99_MEDIAN[$scenario]}" \
        --arg runs "${RPS[$scenario]}" --argjson unexpected "${UNEXPECTED[$scenario]}" --argjson errors "${SOCKET_ERRORS[$scenario]}" \
        '{id: $id, label: $title, expected_status: $expect, requests_per_second: $rps, p50_us: $p50, p99_us: $p99,
          requests_per_second_runs: ($runs | split(" ") | map(select(. != "") | tonumber)),
          unexpected_answers: $unexpected, socket_errors: $errors}'
    done | jq -s --arg machine "$MACHINE" --arg date "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" \
      --argjson connections "$CONNECTIONS" --argjson threads "$THREADS" --argjson duration "$DURATION" \
      --argjson warmup "$WARMUP" --argjson repeats "$REPEATS" --arg log_level "$LOG_LEVEL" \
      --argjson peak "$PEAK_KB" --argjson now "$NOW_KB" --argjson ratio "$RATIO" \
      --arg ratio_result "$RATIO_RESULT" --arg p99_result "$P99_RESULT" --arg rss_result "$RSS_RESULT" \
      --argjson worst_p99 "$WORST_P99" \
      '{date: $date, machine: ($machine | split("\n")),
        settings: {connections: $connections, threads: $threads, duration_s: $duration, warmup_s: $warmup,
                   repeats: $repeats, server_log_level: $log_level},
        scenarios: ., server_rss_kb: {peak: $peak, now: $now}, call_to_health_percent: $ratio,
        targets: [
          {target: "call_to_health_percent >= 60", measured: $ratio, result: $ratio_result},
          {target: "worst p99_us < 5000", measured: $worst_p99, result: $p99_result},
          {target: "peak RSS kB < 40960", measured: $peak, result: $rss_result}]}' >"$OUTPUT"
  else
    {
      echo "Step 9 benchmark, $(date -u '+%Y-%m-%d %H:%M UTC') (bench/run.sh)"
      echo
      echo '```'
      echo "$MACHINE"
      echo "Runs:    $SETTINGS"
      echo '```'
      echo
      table
      echo
      echo "$MEMORY."
      echo "$RATIO_LINE."
      echo
      targets
    } >"$OUTPUT"
  fi
  note "results written to $OUTPUT"
fi

echo
if ((ERRORS > 0)); then
  echo "FAIL: $ERRORS answers were not the expected ones (or sockets failed): these numbers measure the wrong thing"
  exit 1
fi
if [[ "$RATIO_RESULT$P99_RESULT$RSS_RESULT" != PASSPASSPASS ]]; then
  if [[ "$NO_TARGETS" == 1 ]]; then
    echo "Some targets were missed (reported only: --no-targets)"
    exit 0
  fi
  echo "FAIL: some targets were missed (--no-targets or BENCH_NO_TARGETS=1 reports without failing)"
  exit 1
fi
echo "PASS: every answer as expected, every target met"
