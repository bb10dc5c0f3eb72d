#!/usr/bin/env bash
# Step 3 — Tools and prompts: tools/list and prompts/list describe echo, get_time, greeting and help.
# Checks: test_steps/checks/step1.sh … step3.sh, then what holds only at Step 3 (in this script).
# Usage: test_steps/test_step3.sh   (builds .build/debug/Step3 if it is missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
script_help "$@"
use_checks 1 2 3

start_server 3
check_banner
checks_step1 "$BASE_URL" 3
checks_step2 "$BASE_URL"
checks_step3 "$BASE_URL"

# Only at Step 3: the tools and prompts are described but cannot be used yet (Step 4 adds that).
check "legacy: tools/call is still an unknown method (200, -32601)"
  post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi"}}'
  expect_error 200 -32601

check "modern: tools/call is still an unknown method (404, -32601)"
  post_mcp_modern tools/call '{"name":"echo","arguments":{"message":"hi"}}'
  expect_error 404 -32601

check "legacy: prompts/get is still an unknown method (200, -32601)"
  post_mcp_legacy prompts/get '{"name":"greeting","arguments":{"name":"Ada"}}'
  expect_error 200 -32601

check "modern: prompts/get is still an unknown method (404, -32601)"
  post_mcp_modern prompts/get '{"name":"greeting","arguments":{"name":"Ada"}}'
  expect_error 404 -32601

finish
