# test_steps/checks/step1.sh — what Step 1 promises: a server on 127.0.0.1 that answers GET /health
# with 200 JSON naming itself and the step that runs, and 404 for any other path.
# Used by test_step1.sh and every later step's script (use_checks 1); the harness is ../lib.sh.
# shellcheck shell=bash

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
