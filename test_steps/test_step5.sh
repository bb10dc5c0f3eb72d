#!/usr/bin/env bash
# Step 5 — JWKS: the server loads the workshop's public key, which the token desk made, and publishes
# it as a JWK Set at GET /.well-known/jwks.json. /mcp is still open.
# Checks: test_steps/checks/step1.sh … step5.sh, then what holds only at Step 5 (in this script).
# Usage: test_steps/test_step5.sh   (builds .build/debug/Step5 and generate_token if they are missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
script_help "$@"
use_checks 1 2 3 4 5

# A key folder of this run, not the repository's keys/: generate_token keys makes the pair first.
start_server 5
check_banner

check "on start the server loads the public key that generate_token made in --keys-dir, and says so; it creates none"
  desk_kid="$(token_desk keys | awk '$1 == "kid:" { print $2 }')"
  expect_log "Loaded the workshop public key" "kid=$desk_kid"
  expect_no_log "Created the workshop key pair"

checks_step1 "$BASE_URL" 5
checks_step2 "$BASE_URL"
checks_step3 "$BASE_URL"
checks_step4 "$BASE_URL"
checks_step5 "$BASE_URL"   # restarts the server: BASE_URL changes

# Only at Step 5: the key is published, but nothing checks tokens yet (Step 6 adds that).
check "POST /mcp still answers without a token"
  post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi"}}'
  expect_result
  expect_json '.result.structuredContent.echoed' hi

check "a second start with the same --keys-dir loads the same key: same kid, nothing created"
  send GET /.well-known/jwks.json ""
  first_kid="$(jq -r '.keys[0].kid' <<<"$LAST_BODY")"
  restart_server
  send GET /.well-known/jwks.json ""
  expect_status 200
  expect_json '.keys[0].kid' "$first_kid"
  expect_log "Loaded the workshop public key" "kid=$first_kid"
  expect_no_log "Created the workshop key pair"

finish
