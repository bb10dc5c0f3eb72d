# test_steps/checks/step1.sh — what Step 1 promises: a server on 127.0.0.1 that answers GET /health
# with 200 JSON naming itself and the step that runs, and 404 for any other path.
# Used by test_step1.sh and every later step's script (use_checks 1); the harness is ../lib.sh.
# shellcheck shell=bash disable=SC2034 # BASE_URL and AUTH_TOKEN are lib.sh's: its request helpers read them

# checks_step1 BASE_URL STEP [--token TOKEN] — the health endpoint of the server at BASE_URL, which
# runs Step STEP (the health reports it). --token: every request carries it (Step 6 on).
checks_step1() {
  BASE_URL=$1
  local step=$2 token=""
  shift 2
  while (($# > 0)); do
    case $1 in
      --token) token=${2?"checks_step1: --token needs a value"} ;;
      *) die "checks_step1 takes BASE_URL STEP [--token TOKEN], not $1" ;;
    esac
    shift 2
  done
  local AUTH_TOKEN=$token   # what lib.sh's request helpers send

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
