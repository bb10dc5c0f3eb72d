#!/usr/bin/env bash
# Step 4 — Dispatch: tools/call runs echo and get_time, prompts/get renders greeting and help.
# Usage: test_steps/test_step4.sh   (builds .build/debug/Step4 if it is missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_checks 1 2 3 4

start_server 4

check "the start-up banner says where Step 4 listens and prints the MCP endpoint URL"
  expect_log "Step 4 listening on $BASE_URL"
  expect_log "MCP endpoint: $BASE_URL/mcp"

checks_step1 "$BASE_URL" 4
checks_step2 "$BASE_URL"
checks_step3 "$BASE_URL"
checks_step4 "$BASE_URL"

# Only at Step 4: no signing keys are published yet (Step 5 adds the JWK Set).
check "GET /.well-known/jwks.json does not exist yet: 404"
  send GET /.well-known/jwks.json ""
  expect_status 404

finish
