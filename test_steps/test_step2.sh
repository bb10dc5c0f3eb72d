#!/usr/bin/env bash
# Step 2 — JSON-RPC: POST /mcp speaks to 2026-07-28 clients (server/discover, _meta, MCP headers)
# and to 2025-11-25 / 2025-06-18 clients (initialize, ping), and guards the HTTP transport.
# Checks: test_steps/checks/step1.sh and step2.sh, then what holds only at Step 2 (in this script).
# Usage: test_steps/test_step2.sh   (builds .build/debug/Step2 if it is missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
script_help "$@"
use_checks 1 2

start_server 2
check_banner
checks_step1 "$BASE_URL" 2
checks_step2 "$BASE_URL"

# Only at Step 2: the server has nothing to offer yet (Step 3 adds tools and prompts).
check "legacy: initialize advertises no capabilities yet"
  post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
  expect_result
  expect_json '.result.capabilities' '{}'

check "modern: server/discover advertises no capabilities yet"
  post_mcp_modern server/discover
  expect_result
  expect_json '.result.capabilities' '{}'

check "legacy: tools/list is still an unknown method (200, -32601)"
  post_mcp_legacy tools/list
  expect_error 200 -32601

check "modern: tools/list is still an unknown method (404, -32601)"
  post_mcp_modern tools/list
  expect_error 404 -32601

finish
