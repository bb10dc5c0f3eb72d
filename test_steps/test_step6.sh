#!/usr/bin/env bash
# Step 6 — Validation: every /mcp request needs Authorization: Bearer <RS256 JWT> signed with the
# workshop key, for this server (aud), from the workshop issuer (iss), not expired, typed at+jwt.
# /health and /.well-known/jwks.json stay public.
# Usage: test_steps/test_step6.sh   (builds .build/debug/Step6 and generate_token if they are missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_checks 1 2 3 4 5 6

make_work_dir 6
KEYS_DIR="$WORK_DIR/keys"   # not the repository's keys/: this run's server creates a pair of its own
# Debug level: the log says why each token was refused.
start_server 6 --keys-dir "$KEYS_DIR" --log-level debug

check "the start-up banner says where Step 6 listens and prints the MCP endpoint and JWKS URLs"
  expect_log "Step 6 listening on $BASE_URL"
  expect_log "MCP endpoint: $BASE_URL/mcp"
  expect_log "JWKS: $BASE_URL/.well-known/jwks.json"

# What Steps 2 to 4 promised still holds for a client that sends a valid token.
# shellcheck disable=SC2034 # lib.sh's request helpers send AUTH_TOKEN
AUTH_TOKEN="$(mint_token)"
checks_step1 "$BASE_URL" 6
checks_step2 "$BASE_URL"
checks_step3 "$BASE_URL"
checks_step4 "$BASE_URL"
checks_step5 "$BASE_URL"
checks_step6 "$BASE_URL"

# Only at Step 6: the challenge is the bare minimum (Step 7 adds resource_metadata and scope).
check "without a token the challenge is exactly: Bearer realm=\"mcp\""
  with_token "" post_mcp_legacy ping
  expect_status 401
  expect_header WWW-Authenticate 'Bearer realm="mcp"'

finish
