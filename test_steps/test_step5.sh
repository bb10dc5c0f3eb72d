#!/usr/bin/env bash
# Step 5 — JWKS: the server loads the workshop key pair (creating it on first start) and publishes
# its public key as a JWK Set at GET /.well-known/jwks.json. /mcp is still open.
# Checks: test_steps/checks/step1.sh … step5.sh, then what holds only at Step 5 (below).
# Usage: test_steps/test_step5.sh   (builds .build/debug/Step5 and generate_token if they are missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_checks 1 2 3 4 5

make_work_dir 5
KEYS_DIR="$WORK_DIR/keys"   # not the repository's keys/: this run's server creates a pair of its own
start_server 5 --keys-dir "$KEYS_DIR"
check_banner

check "on first start the server creates the key pair in --keys-dir, and says so"
  expect_log "Created the workshop key pair" "$KEYS_DIR"
  if [[ ! -f "$KEYS_DIR/private.pem" || ! -f "$KEYS_DIR/public.pem" ]]; then
    fail "private.pem and public.pem in $KEYS_DIR" "$(printf '%s ' "$KEYS_DIR"/*)"
  fi
  expectation_passed
  if [[ -z "$(find "$KEYS_DIR/private.pem" -perm 600)" ]]; then
    fail "private.pem readable by its owner only (mode 600)" "$(ls -l "$KEYS_DIR/private.pem")"
  fi
  expectation_passed

checks_step1 "$BASE_URL" 5
checks_step2 "$BASE_URL"
checks_step3 "$BASE_URL"
checks_step4 "$BASE_URL"
checks_step5 "$BASE_URL"

# Only at Step 5: the key is published, but nothing checks tokens yet (Step 6 adds that).
check "POST /mcp still answers without a token"
  post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi"}}'
  expect_result
  expect_json '.result.structuredContent.echoed' hi

check "a second start with the same --keys-dir reuses the key pair: same kid, nothing created"
  send GET /.well-known/jwks.json ""
  first_kid="$(jq -r '.keys[0].kid' <<<"$LAST_BODY")"
  restart_server
  send GET /.well-known/jwks.json ""
  expect_status 200
  expect_json '.keys[0].kid' "$first_kid"
  expect_log "Loaded the workshop public key" "kid=$first_kid"
  expect_no_log "Created the workshop key pair"

finish
