#!/usr/bin/env bash
# Step 1 — Health: a Hummingbird server on 127.0.0.1 that answers GET /health.
# Checks: test_steps/checks/step1.sh, then what holds only at Step 1 (in this script).
# Usage: test_steps/test_step1.sh   (builds .build/debug/Step1 if it is missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
script_help "$@"
use_checks 1

start_server 1
check_banner
checks_step1 "$BASE_URL" 1

# Only at Step 1: there is no MCP endpoint yet (Step 2 adds it).
check "POST /mcp does not exist yet: 404"
  post_mcp '{"jsonrpc":"2.0","id":1,"method":"ping"}'
  expect_status 404

finish
