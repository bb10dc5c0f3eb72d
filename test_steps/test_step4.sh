#!/usr/bin/env bash
# Step 4 — Dispatch: tools/call runs echo and get_time, prompts/get renders greeting and help.
# Checks: test_steps/checks/step1.sh … step4.sh, then what holds only at Step 4 (in this script).
# Usage: test_steps/test_step4.sh   (builds .build/debug/Step4 if it is missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
script_help "$@"
use_checks 1 2 3 4

start_server 4
check_banner
checks_step1 "$BASE_URL" 4
checks_step2 "$BASE_URL"
checks_step3 "$BASE_URL"
checks_step4 "$BASE_URL"

# Only at Step 4: no signing keys are published yet (Step 5 adds the JWK Set).
check "GET /.well-known/jwks.json does not exist yet: 404"
  send GET /.well-known/jwks.json ""
  expect_status 404

finish
